/*
 * test_pq_values: the cell-text -> Parquet value conversions (lib/cdm/f2c_pq_value.c) against
 * the case file cases.tsv.
 *
 * Why data-driven: every rule of the conversions (exponents applied by shifting digits,
 * half-even ties both ways, 38-digit decimals, the precision bound, dates before 1970 and in
 * years 0001/9999, leap years, microsecond rounding with carries, leap seconds) is one line of
 * input, verdict and expected value; the expected values were computed by an independent
 * implementation (Python's decimal and datetime modules), never by the code under test.  The
 * driver prints each value it got in the case file's own notation, so a failure shows both.
 * Usage: test_pq_values CASES.tsv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f2c_pq_value.h"

#include "f2c_case.h"

__extension__ typedef unsigned __int128 u128;

static const char *const verdicts[] = {"ok", "rounded", "range", "bad", "dropped"};

/* The signed 128-bit hi:lo in decimal digits. */
static void i128_text(int64_t hi, uint64_t lo, char *out)
{
    u128 u = ((u128)(uint64_t)hi << 64) | lo;
    int neg = hi < 0;
    if (neg) u = ~u + 1;
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    size_t k = 0;
    if (neg) out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

/* Runs one case: kind, args ("P,S" or "-"), input; writes the verdict and value text. */
static int run_case(const char *kind, const char *args, const char *in, f2c_pqv *r, char *got)
{
    size_t n = strlen(in);
    int p = 0, s = 0;
    if (!strcmp(kind, "bool")) {
        int v = 0;
        *r = f2c_pqv_bool(in, n, &v);
        sprintf(got, "%d", v);
    } else if (!strcmp(kind, "int32")) {
        int32_t v = 0;
        *r = f2c_pqv_int32(in, n, &v);
        sprintf(got, "%ld", (long)v);
    } else if (!strcmp(kind, "int64")) {
        int64_t v = 0;
        *r = f2c_pqv_int64(in, n, &v);
        sprintf(got, "%lld", (long long)v);
    } else if (!strcmp(kind, "decimal")) {
        if (sscanf(args, "%d,%d", &p, &s) != 2) return -1;
        int64_t hi = 0;
        uint64_t lo = 0;
        *r = f2c_pqv_decimal(in, n, p, s, &hi, &lo);
        i128_text(hi, lo, got);
    } else if (!strcmp(kind, "date")) {
        int32_t v = 0;
        *r = f2c_pqv_date(in, n, &v);
        sprintf(got, "%ld", (long)v);
    } else if (!strcmp(kind, "timestamp_local")) {
        int64_t v = 0;
        *r = f2c_pqv_timestamp_local(in, n, &v);
        sprintf(got, "%lld", (long long)v);
    } else if (!strcmp(kind, "timestamp") || !strcmp(kind, "time")) {
        int64_t v = 0;
        *r = kind[4] ? f2c_pqv_timestamp(in, n, &v) : f2c_pqv_time(in, n, &v);
        sprintf(got, "%lld", (long long)v);
    } else {
        return -1;
    }
    if (*r == F2C_PQV_RANGE || *r == F2C_PQV_BAD) strcpy(got, "null");
    return 0;
}

/* kind TAB args TAB input TAB verdict TAB expected [TAB note] */
static void one_line(ctx *c, char *line)
{
    char *f[6] = {0};
    size_t nf = 0;
    for (char *t = line; nf < 6; nf++) {
        f[nf] = t;
        char *tab = strchr(t, '\t');
        if (!tab) {
            nf++;
            break;
        }
        *tab = '\0';
        t = tab + 1;
    }
    if (nf < 5) {
        fail(c, "malformed case line (%zu fields)", nf);
        return;
    }
    c->cases++;
    f2c_check_count++;
    f2c_pqv r = F2C_PQV_BAD;
    char got[64];
    if (run_case(f[0], f[1], f[2], &r, got) != 0) {
        fail(c, "unknown kind or arguments \"%s\" \"%s\"", f[0], f[1]);
        return;
    }
    const char *verdict = (size_t)r < sizeof verdicts / sizeof *verdicts ? verdicts[r] : "?";
    if (strcmp(verdict, f[3]) || strcmp(got, f[4]))
        fail(c, "%s(%s) \"%s\": got %s %s, expected %s %s", f[0], f[1], f[2], verdict, got, f[3],
             f[4]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_pq_values CASES.tsv\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "r");
    if (!fp) {
        fprintf(stderr, "FAIL cannot open %s\n", argv[1]);
        return 1;
    }
    ctx c = {.file = argv[1]};
    char line[4096];
    while (fgets(line, sizeof line, fp)) {
        c.line++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        one_line(&c, line);
    }
    fclose(fp);
    CHECK(c.cases > 150, "only %d cases read", c.cases);
    printf("%d cases, %d failed\n", c.cases, c.failures);
    return f2c_check_report("parquet.values");
}
