/*
 * test_ndjson: the NDJSON reader against files generated here, so that lines straddle the
 * reader's 256 KiB chunks in every way: lines of pseudo-random lengths (1 byte to 1 MiB), CRLF
 * and LF endings, blank lines, a byte order mark, no final newline, an over-limit line among
 * good ones, invalid UTF-8, and the same content gzip-compressed.  Every returned line is
 * compared with what was written, with its line number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fhir2cdm/f2c_ndjson.h"

#define NLINES 400

#include "f2c_check.h"

typedef struct expect {
    char *text; /* expected content, NULL for a blank line (skipped) */
    size_t len;
    f2c_status status; /* F2C_OK, F2C_ETOOLONG, F2C_EUTF8 */
    int crlf;
} expect;

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void build(expect *ex, size_t max_line)
{
    for (int i = 0; i < NLINES; i++) {
        unsigned long long r = next_rand();
        expect *e = &ex[i];
        memset(e, 0, sizeof *e);
        if (r % 23 == 0) continue; /* blank line */
        size_t len =
            (r >> 8) % 5 == 0 ? (size_t)((r >> 16) % (1u << 20)) : (size_t)((r >> 16) % 300);
        if (i == 7) len = max_line + 1; /* over the limit */
        if (i == 8) len = max_line;     /* exactly at the limit */
        e->text = malloc(len + 1);
        for (size_t k = 0; k < len; k++)
            e->text[k] = (char)('a' + (k + (size_t)i) % 26);
        e->text[len] = '\0';
        e->len = len;
        e->crlf = (r >> 40) % 3 == 0;
        e->status = len > max_line ? F2C_ETOOLONG : F2C_OK;
        if (i == 11 && len > 3) {
            e->text[2] = (char)0xC3; /* lead byte followed by 'c'... : invalid */
            e->status = F2C_EUTF8;
        }
    }
}

static size_t serialise(const expect *ex, int bom, int final_newline, char **out)
{
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    if (bom) memcpy(buf, "\xEF\xBB\xBF", 3), n = 3;
    for (int i = 0; i < NLINES; i++) {
        size_t need = n + ex[i].len + 4;
        if (need > cap) {
            while (need > cap)
                cap *= 2;
            buf = realloc(buf, cap);
        }
        if (ex[i].text)
            memcpy(buf + n, ex[i].text, ex[i].len), n += ex[i].len;
        else
            memcpy(buf + n, "  ", 2), n += 2;
        if (i == NLINES - 1 && !final_newline) break;
        if (ex[i].crlf) buf[n++] = '\r';
        buf[n++] = '\n';
    }
    *out = buf;
    return n;
}

static void check_file(const char *path, const expect *ex, size_t max_line, const char *what)
{
    f2c_ndjson *r;
    f2c_error err;
    CHECK(f2c_ndjson_open(path, max_line, &r, &err) == F2C_OK, "%s: open: %s", what, err.message);
    int i = 0;
    for (;;) {
        while (i < NLINES && !ex[i].text)
            i++;
        const char *line;
        size_t len;
        long lineno = 0;
        f2c_status st = f2c_ndjson_next(r, &line, &len, &lineno, &err);
        if (i == NLINES) {
            CHECK(st == F2C_EEOF, "%s: expected end, got status %s", what, f2c_status_name(st));
            break;
        }
        CHECK(st == ex[i].status, "%s: line %d: status %s, expected %s (%s)", what, i + 1,
              f2c_status_name(st), f2c_status_name(ex[i].status), err.message);
        if (st == F2C_EEOF) break;
        CHECK(lineno == i + 1 || st != F2C_OK, "%s: line number %ld, expected %d", what, lineno,
              i + 1);
        if (st != F2C_OK)
            CHECK(err.line == i + 1, "%s: error line %ld, expected %d", what, err.line, i + 1);
        if (st == F2C_OK)
            CHECK(len == ex[i].len && memcmp(line, ex[i].text, len) == 0 && line[len] == '\0',
                  "%s: line %d content differs (len %zu, expected %zu)", what, i + 1, len,
                  ex[i].len);
        i++;
    }
    f2c_ndjson_close(r);
}

int main(void)
{
    const size_t max_line = 700000;
    expect ex[NLINES];
    build(ex, max_line);
    char dir[] = "/tmp/f2c-ndjson-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char plain[256], gz[256];
    snprintf(plain, sizeof plain, "%s/a.ndjson", dir);
    snprintf(gz, sizeof gz, "%s/a.ndjson.gz", dir);
    for (int variant = 0; variant < 4; variant++) {
        int bom = variant & 1, final_nl = !(variant & 2);
        char *data;
        size_t n = serialise(ex, bom, final_nl, &data);
        FILE *f = fopen(plain, "wb");
        fwrite(data, 1, n, f);
        fclose(f);
        gzFile g = gzopen(gz, "wb");
        gzwrite(g, data, (unsigned)n);
        gzclose(g);
        free(data);
        char what[64];
        snprintf(what, sizeof what, "plain bom=%d final_newline=%d", bom, final_nl);
        check_file(plain, ex, max_line, what);
        snprintf(what, sizeof what, "gzip bom=%d final_newline=%d", bom, final_nl);
        check_file(gz, ex, max_line, what);
    }
    /* An empty file and a missing one. */
    FILE *f = fopen(plain, "wb");
    fclose(f);
    f2c_ndjson *r;
    f2c_error err;
    const char *line;
    size_t len;
    long lineno;
    CHECK(f2c_ndjson_open(plain, 0, &r, &err) == F2C_OK, "open empty");
    CHECK(f2c_ndjson_next(r, &line, &len, &lineno, &err) == F2C_EEOF, "empty file gives EEOF");
    f2c_ndjson_close(r);
    unlink(plain);
    unlink(gz);
    CHECK(f2c_ndjson_open(plain, 0, &r, &err) == F2C_EIO, "missing file gives EIO");
    CHECK(strstr(err.message, "No such file") != NULL, "missing file message: %s", err.message);
    rmdir(dir);
    for (int i = 0; i < NLINES; i++)
        free(ex[i].text);
    if (f2c_check_failures) {
        fprintf(stderr, "%d check(s) failed\n", f2c_check_failures);
        return 1;
    }
    printf("ndjson: all checks passed\n");
    return 0;
}
