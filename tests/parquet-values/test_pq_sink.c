/*
 * test_pq_sink: the Parquet row sink (lib/cdm/f2c_sink_parquet.c) through a real transaction of
 * the commit protocol, read back by the test-only reader tests/fuzz/pq_readback.c.
 *
 * Why shaped so: what a user gets is the published file, so the test looks at files, not at the
 * sink's state.  Two modes:
 *   cases CASES.tsv WORK  every line of the converters' case file (the same one
 *                         test_pq_values reads) becomes a row of a three-column table whose
 *                         middle column has the case's FHIR type; after the commit each file is
 *                         read back and the middle column must hold the expected value or null,
 *                         and a warning must have arrived for exactly the rows whose verdict is
 *                         not "ok", naming column 1, with the reason of that verdict.
 *   life WORK             options (unknown compression and bad decimals are F2C_EUSAGE), the
 *                         FHIR type -> Parquet kind mapping for every type, the footer's
 *                         key/value metadata, "PAR1" at both ends, an empty partition, identical
 *                         bytes for identical rows, an aborted partition and a failed open
 *                         leaving nothing, a failing write (file size limit) reported as
 *                         F2C_EIO naming the file, the memory budget's row groups, matches().
 * Usage: test_pq_sink cases CASES.tsv WORK | test_pq_sink life WORK
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_sink_parquet.h"
#include "fhir2cdm/f2c_table.h"

#include "f2c_check.h"
#include "f2c_testfs.h"
#include "pq_readback.h"

__extension__ typedef unsigned __int128 u128;

#define DIR_CASES "data/LocalCases"
#define CREATED_BY "fhir2cdm-transform 0.1.0"

/* ---- helpers ------------------------------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void i128_text(int64_t hi, uint64_t lo, char *out)
{
    u128 u = ((u128)(uint64_t)hi << 64) | lo;
    int neg = hi < 0;
    if (neg) u = ~u + 1;
    char tmp[48];
    size_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (neg) out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

/* Warnings of the partition being written: one per row at most is expected. */
typedef struct warns {
    size_t row, n;
    size_t *rows, *cols;
    const char **why;
} warns;

static void on_warn(void *ud, size_t col, const char *why)
{
    warns *w = ud;
    if (!(w->rows = realloc(w->rows, (w->n + 1) * sizeof *w->rows)) ||
        !(w->cols = realloc(w->cols, (w->n + 1) * sizeof *w->cols)) ||
        !(w->why = realloc(w->why, (w->n + 1) * sizeof *w->why)))
        abort();
    w->rows[w->n] = w->row;
    w->cols[w->n] = col;
    w->why[w->n++] = why;
}

static f2c_status row3(f2c_sink_part *p, const char *a, const char *b, const char *c)
{
    const char *cells[3] = {a, b, c};
    size_t lens[3] = {strlen(a), strlen(b), strlen(c)};
    f2c_error e;
    f2c_status st = f2c_sink_row(p, 3, cells, lens, &e);
    CHECK(st == F2C_OK, "row: %s", e.message);
    return st;
}

static f2c_sink make_sink(const f2c_sink_options *o)
{
    f2c_sink s;
    f2c_error e;
    if (f2c_sink_new(o, &s, &e) != F2C_OK) {
        fprintf(stderr, "FAIL sink: %s\n", e.message);
        exit(1);
    }
    return s;
}

/* Reads the published file out/rel into *f; 0 or -1 (a failed check). */
static int read_back(const char *out, const char *rel, f2c_buf *bytes, pqr_file *f)
{
    f2c_buf path = {0};
    char why[256];
    if (f2c_buf_printf(&path, "%s/%s", out, rel) != 0) abort();
    int ok = CHECK(f2c_test_read_file(path.data, bytes) == 0, "%s not published", path.data);
    if (ok)
        ok = CHECK(pqr_read((const uint8_t *)bytes->data, bytes->len, f, why, sizeof why) == 0,
                   "%s: %s", path.data, why);
    f2c_buf_free(&path);
    return ok ? 0 : -1;
}

/* ---- cases mode ---------------------------------------------------------------------------- */

typedef struct pcase {
    long line;
    char kind[16], args[16], input[256], verdict[16], expected[64];
} pcase;

/* Which FHIR type carries each case kind (timestamps twice: dateTime and instant). */
static const struct {
    const char *kind;
    f2c_type type;
} carriers[] = {{"bool", F2C_T_BOOLEAN},      {"int32", F2C_T_INTEGER},
                {"int32", F2C_T_UNSIGNEDINT}, {"decimal", F2C_T_DECIMAL},
                {"date", F2C_T_DATE},         {"timestamp", F2C_T_DATETIME},
                {"timestamp", F2C_T_INSTANT}, {"time", F2C_T_TIME}};

/* Copies s into dst[0..cap); 0 when it does not fit. */
static int put_field(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) return 0;
    memcpy(dst, s, n + 1);
    return 1;
}

static size_t read_cases(const char *path, pcase **out)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "FAIL cannot open %s\n", path);
        exit(1);
    }
    char line[1024];
    size_t n = 0;
    long no = 0;
    pcase *v = NULL;
    while (fgets(line, sizeof line, fp)) {
        no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0]) continue;
        if (!(v = realloc(v, (n + 1) * sizeof *v))) abort();
        pcase *c = &v[n];
        memset(c, 0, sizeof *c);
        c->line = no;
        char *f[5];
        char *t = line;
        for (int i = 0; i < 5; i++) {
            f[i] = t;
            t = t ? strchr(t, '\t') : NULL;
            if (t) *t++ = '\0';
        }
        if (!f[4]) continue;
        int fits = put_field(c->kind, sizeof c->kind, f[0]) &
                   put_field(c->args, sizeof c->args, f[1]) &
                   put_field(c->input, sizeof c->input, f[2]) &
                   put_field(c->verdict, sizeof c->verdict, f[3]) &
                   put_field(c->expected, sizeof c->expected, f[4]);
        if (CHECK(fits, "%s:%ld: a field is too long for this driver", path, no)) n++;
    }
    fclose(fp);
    *out = v;
    return n;
}

/* One group: cases of kind and args, written as FHIR type t into partition name. */
typedef struct group {
    const char *kind;
    char args[16];
    f2c_type type;
    char name[96];
    warns w;
} group;

static void check_warning(const pcase *c, const warns *w, size_t row)
{
    const char *why = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->rows[i] == row) {
            hits++;
            why = w->why[i];
            f2c_check_at(w->cols[i] == 1, "cases.tsv", c->line, "warning names column %zu",
                         w->cols[i]);
        }
    int want = strcmp(c->verdict, "ok") != 0;
    f2c_check_at(hits == (size_t)want, "cases.tsv", c->line, "%s \"%s\": %zu warnings, %s", c->kind,
                 c->input, hits, want ? "one expected" : "none expected");
    if (!why || !want) return;
    int fits = !strcmp(c->verdict, "bad")
                   ? !strcmp(why, "value does not match the column's type; left null")
               : !strcmp(c->verdict, "range")   ? strstr(why, "; left null") != NULL
               : !strcmp(c->verdict, "rounded") ? strstr(why, "rounded half-even") != NULL
                                                : strstr(why, "dropped") != NULL;
    f2c_check_at(fits, "cases.tsv", c->line, "verdict %s, reason \"%s\"", c->verdict, why);
}

static void check_value(const pcase *c, const pqr_column *col, size_t row)
{
    const pqr_value *v = &col->values[row];
    char got[64];
    if (v->null)
        strcpy(got, "null");
    else if (col->logical == PQR_L_DECIMAL)
        i128_text(v->i, v->lo, got);
    else
        snprintf(got, sizeof got, "%lld", (long long)v->i);
    f2c_check_at(!strcmp(got, c->expected), "cases.tsv", c->line,
                 "%s \"%s\" read back as %s, expected %s", c->kind, c->input, got, c->expected);
}

static int in_group(const pcase *c, const group *g)
{
    return !strcmp(c->kind, g->kind) && !strcmp(c->args, g->args);
}

static void write_group(f2c_commit *tx, const pcase *cs, size_t n, group *g)
{
    int p = 0, s = 0;
    if (strcmp(g->args, "-") && sscanf(g->args, "%d,%d", &p, &s) != 2) abort();
    f2c_sink sink = make_sink(&(f2c_sink_options){
        .format = "parquet", .decimal_precision = p, .decimal_scale = s, .created_by = CREATED_BY});
    f2c_column cols[3] = {{.name = "id", .type = F2C_T_STRING},
                          {.name = "v", .type = g->type},
                          {.name = "note", .type = F2C_T_STRING}};
    f2c_table t = {.name = "Cases",
                   .entity = "LocalCases",
                   .resource_type = "Patient",
                   .columns = cols,
                   .ncolumns = 3,
                   .view = 1};
    f2c_sink_part *part = NULL;
    f2c_error e;
    if (!CHECK(f2c_sink_open(&sink, tx, DIR_CASES, g->name, &t, on_warn, &g->w, &part, &e) ==
                   F2C_OK,
               "open %s: %s", g->name, e.message))
        return;
    CHECK(f2c_sink_header(part, &e) == F2C_OK, "header: %s", e.message);
    g->w.row = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_group(&cs[i], g)) continue;
        char id[24];
        snprintf(id, sizeof id, "%ld", cs[i].line);
        row3(part, id, cs[i].input, "n");
        g->w.row++;
    }
    CHECK(f2c_sink_finish(part, &e) == F2C_OK, "finish %s: %s", g->name, e.message);
    f2c_sink_free(&sink);
}

/* The middle column's Parquet type for the group's FHIR type. */
static void check_group_type(const group *g, const pqr_column *c)
{
    int p = 38, s = 18, ok;
    if (strcmp(g->args, "-")) sscanf(g->args, "%d,%d", &p, &s);
    switch (g->type) {
    case F2C_T_BOOLEAN:
        ok = c->physical == PQR_BOOLEAN;
        break;
    case F2C_T_INTEGER:
    case F2C_T_UNSIGNEDINT:
        ok = c->physical == PQR_INT32 && c->logical == PQR_L_INTEGER && c->int_bits == 32;
        break;
    case F2C_T_DECIMAL:
        ok = c->logical == PQR_L_DECIMAL && c->precision == p && c->scale == s;
        break;
    case F2C_T_DATE:
        ok = c->physical == PQR_INT32 && c->logical == PQR_L_DATE;
        break;
    case F2C_T_TIME:
        ok = c->logical == PQR_L_TIME && c->unit_micros && !c->utc;
        break;
    default:
        ok = c->logical == PQR_L_TIMESTAMP && c->unit_micros && c->utc;
        break;
    }
    CHECK(ok, "%s: column of FHIR type %s has physical %d logical %d", g->name,
          f2c_type_name(g->type), c->physical, c->logical);
}

static void check_group(const char *out, const pcase *cs, size_t n, const group *g)
{
    pqr_file f;
    f2c_buf bytes = {0};
    if (read_back(out, g->name, &bytes, &f) == 0 &&
        CHECK(f.ncols == 3, "%s: %zu columns", g->name, f.ncols)) {
        check_group_type(g, &f.cols[1]);
        CHECK(f.cols[0].logical == PQR_L_STRING && f.cols[2].logical == PQR_L_STRING);
        size_t row = 0;
        for (size_t i = 0; i < n && row < f.nrows; i++) {
            if (!in_group(&cs[i], g)) continue;
            check_value(&cs[i], &f.cols[1], row);
            check_warning(&cs[i], &g->w, row);
            const pqr_value *note = &f.cols[2].values[row];
            CHECK(!note->null && note->n == 1 && note->s[0] == 'n', "%s row %zu: note", g->name,
                  row);
            row++;
        }
        CHECK(row == f.nrows, "%s: %llu rows read, %zu cases", g->name, (unsigned long long)f.nrows,
              row);
    }
    pqr_free(&f);
    f2c_buf_free(&bytes);
}

static int cases_mode(const char *tsv, const char *work)
{
    pcase *cs = NULL;
    size_t n = read_cases(tsv, &cs);
    f2c_buf out = {0};
    if (f2c_buf_printf(&out, "%s/cases-out", work) != 0) abort();
    mkdir(work, 0777);
    f2c_test_remove_tree(out.data);
    group gs[64];
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof carriers / sizeof *carriers; k++) {
            if (strcmp(carriers[k].kind, cs[i].kind)) continue;
            size_t j = 0;
            while (j < ng && !(in_group(&cs[i], &gs[j]) && gs[j].type == carriers[k].type))
                j++;
            if (j < ng || ng == 64) continue;
            gs[ng] = (group){.kind = carriers[k].kind, .type = carriers[k].type};
            snprintf(gs[ng].args, sizeof gs[ng].args, "%s", cs[i].args);
            snprintf(gs[ng].name, sizeof gs[ng].name, "%s-%s%s%s.parquet", cs[i].kind,
                     f2c_type_name(carriers[k].type), strcmp(cs[i].args, "-") ? "-" : "",
                     strcmp(cs[i].args, "-") ? cs[i].args : "");
            char *comma = strchr(gs[ng].name, ',');
            if (comma) *comma = '-';
            ng++;
        }
    f2c_commit *tx = NULL;
    f2c_error e;
    if (f2c_commit_begin(out.data, stderr, &tx, &e) != F2C_OK) {
        fprintf(stderr, "FAIL cannot begin: %s\n", e.message);
        return 1;
    }
    for (size_t g = 0; g < ng; g++)
        write_group(tx, cs, n, &gs[g]);
    CHECK(f2c_commit_finish(tx, "model.json", "{}\n", 3, NULL, NULL, 0, &e) == F2C_OK, "commit: %s",
          e.message);
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/" DIR_CASES, out.data) != 0) abort();
    for (size_t g = 0; g < ng; g++) {
        check_group(dir.data, cs, n, &gs[g]);
        free(gs[g].w.rows);
        free(gs[g].w.cols);
        free(gs[g].w.why);
    }
    CHECK(ng >= 10 && n > 150, "%zu groups of %zu cases", ng, n);
    printf("%zu cases in %zu partitions\n", n, ng);
    free(cs);
    f2c_buf_free(&dir);
    f2c_buf_free(&out);
    return f2c_check_report("parquet.sink.cases");
}

/* ---- life mode ----------------------------------------------------------------------------- */

static f2c_column note_cols[] = {
    {.name = "id", .type = F2C_T_STRING},
    {.name = "note", .type = F2C_T_STRING},
    {.name = "n", .type = F2C_T_INTEGER},
};
static const f2c_table notes = {.name = "Notes",
                                .entity = "LocalNotes",
                                .resource_type = "Patient",
                                .columns = note_cols,
                                .ncolumns = 3,
                                .view = 1};
static f2c_column dec_cols[] = {
    {.name = "id", .type = F2C_T_STRING},
    {.name = "note", .type = F2C_T_STRING},
    {.name = "n", .type = F2C_T_DECIMAL},
};
static const f2c_table notes_dec = {.name = "Notes",
                                    .entity = "LocalNotes",
                                    .resource_type = "Patient",
                                    .columns = dec_cols,
                                    .ncolumns = 3,
                                    .view = 1};

#define DIR_NOTES "data/LocalNotes"

static void check_options(void)
{
    f2c_sink s;
    f2c_error e;
    CHECK(f2c_sink_new(&(f2c_sink_options){.format = "parquet"}, &s, &e) == F2C_OK &&
              !strcmp(s.ops->format, "parquet") && !strcmp(f2c_sink_extension(&s), ".parquet"),
          "parquet sink: %s", e.message);
    f2c_sink_free(&s);
    static const char *const codecs[] = {"zstd", "snappy", "none"};
    for (size_t i = 0; i < 3; i++) {
        CHECK(f2c_sink_new(&(f2c_sink_options){.format = "parquet", .compression = codecs[i]}, &s,
                           &e) == F2C_OK,
              "compression %s: %s", codecs[i], e.message);
        f2c_sink_free(&s);
    }
    CHECK(f2c_sink_new(&(f2c_sink_options){.format = "parquet", .compression = "lz4"}, &s, &e) ==
                  F2C_EUSAGE &&
              strstr(e.message, "\"lz4\"") && !s.ops,
          "unknown compression: %s", e.message);
    static const int bad[][2] = {{39, 0}, {10, 11}, {5, -1}, {-1, 0}, {100, 2}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(f2c_sink_new(&(f2c_sink_options){.format = "parquet",
                                               .decimal_precision = bad[i][0],
                                               .decimal_scale = bad[i][1]},
                           &s, &e) == F2C_EUSAGE &&
                  strstr(e.message, "decimal"),
              "decimal %d,%d: %s", bad[i][0], bad[i][1], e.message);
    CHECK(f2c_sink_new(
              &(f2c_sink_options){.format = "parquet", .decimal_precision = 1, .decimal_scale = 1},
              &s, &e) == F2C_OK,
          "decimal 1,1: %s", e.message);
    f2c_sink_free(&s);
}

/* Every FHIR type's Parquet kind; reserved columns are STRING. */
static void check_mapping(void)
{
    static const f2c_pq_kind kinds[F2C_T__COUNT] = {
        [F2C_T_BOOLEAN] = F2C_PQ_BOOLEAN,    [F2C_T_INTEGER] = F2C_PQ_INT32,
        [F2C_T_POSITIVEINT] = F2C_PQ_INT32,  [F2C_T_UNSIGNEDINT] = F2C_PQ_INT32,
        [F2C_T_DECIMAL] = F2C_PQ_DECIMAL,    [F2C_T_DATE] = F2C_PQ_DATE,
        [F2C_T_DATETIME] = F2C_PQ_TIMESTAMP, [F2C_T_INSTANT] = F2C_PQ_TIMESTAMP,
        [F2C_T_TIME] = F2C_PQ_TIME,          [F2C_T_INTEGER64] = F2C_PQ_INT64,
        [F2C_T_SQL_DATE] = F2C_PQ_DATE,      [F2C_T_SQL_TIMESTAMP] = F2C_PQ_TIMESTAMP_LOCAL};
    f2c_column cols[F2C_T__COUNT];
    size_t n = 0;
    for (int t = F2C_T_NONE + 1; t < F2C_T__COUNT; t++)
        cols[n++] =
            (f2c_column){.name = (char *)(f2c_type_name((f2c_type)t)[0] ? f2c_type_name((f2c_type)t)
                                          : t == F2C_T_SQL_DATE         ? "sql_date"
                                                                        : "sql_timestamp"),
                         .type = (f2c_type)t};
    char *unroll[] = {"contact"};
    f2c_table t = {.name = "All",
                   .entity = "LocalAll",
                   .resource_type = "Patient",
                   .unroll_path = "Patient.contact",
                   .unroll = unroll,
                   .nunroll = 1,
                   .columns = cols,
                   .ncolumns = n};
    size_t reserved = f2c_table_reserved_count(&t);
    CHECK(reserved == 4, "unroll table with %zu reserved columns", reserved);
    for (size_t i = 0; i < f2c_table_width(&t); i++) {
        f2c_pq_column c;
        f2c_sink_parquet_column(&t, i, 20, 4, &c);
        f2c_type ty = f2c_table_column_type(&t, i);
        f2c_pq_kind want = i < reserved || !kinds[ty] ? F2C_PQ_STRING : kinds[ty];
        CHECK(c.kind == want && !strcmp(c.name, f2c_table_column_name(&t, i)),
              "column %s (%s): kind %d, expected %d", c.name, f2c_type_name(ty), c.kind, want);
        if (want == F2C_PQ_DECIMAL) CHECK(c.precision == 20 && c.scale == 4);
    }
}

/* Opens dir/name of table t in tx; NULL after a failed check. */
static f2c_sink_part *open_part(const f2c_sink *s, f2c_commit *tx, const char *name,
                                const f2c_table *t, warns *w)
{
    f2c_sink_part *p = NULL;
    f2c_error e;
    if (!CHECK(f2c_sink_open(s, tx, DIR_NOTES, name, t, on_warn, w, &p, &e) == F2C_OK && p,
               "open %s: %s", name, e.message))
        return NULL;
    CHECK(f2c_sink_header(p, &e) == F2C_OK, "header: %s", e.message);
    return p;
}

static void finish_part(f2c_sink_part *p, const char *name)
{
    f2c_error e;
    if (p) CHECK(f2c_sink_finish(p, &e) == F2C_OK, "finish %s: %s", name, e.message);
}

/* kept.parquet and same.parquet (the same rows), empty.parquet, dropped.parquet (aborted),
 * a second open of kept.parquet (refused), dec.parquet (a decimal column). */
static void write_small(const f2c_sink *s, f2c_commit *tx, warns *w)
{
    static const char *const names[] = {"kept.parquet", "same.parquet"};
    for (size_t k = 0; k < 2; k++) {
        f2c_sink_part *p = open_part(s, tx, names[k], &notes, w);
        if (!p) continue;
        row3(p, "1", "plain", "7");
        row3(p, "2", "comma, \"quote\"\r\nline", "");
        row3(p, "", "", "");
        row3(p, "3", "caf\xc3\xa9", "-2147483648");
        finish_part(p, names[k]);
    }
    finish_part(open_part(s, tx, "empty.parquet", &notes, w), "empty.parquet");
    f2c_sink_part *p = open_part(s, tx, "dropped.parquet", &notes, w);
    if (p) row3(p, "9", "never seen", "9");
    f2c_sink_abort(p);
    static f2c_sink_part junk;
    f2c_sink_part *twice = &junk;
    f2c_error e;
    f2c_status st = f2c_sink_open(s, tx, DIR_NOTES, "kept.parquet", &notes, NULL, NULL, &twice, &e);
    CHECK(st == F2C_EIO && twice == NULL, "staging kept.parquet twice gave %s",
          f2c_status_name(st));
    CHECK(strstr(e.file, "kept.parquet") || strstr(e.message, "kept.parquet"),
          "error names no file: \"%s\" \"%s\"", e.file, e.message);
    p = open_part(s, tx, "dec.parquet", &notes_dec, w);
    if (p) row3(p, "1", "a decimal", "0.0006122107609236168"); /* rounded: one warning */
    finish_part(p, "dec.parquet");
}

/* budget-small.parquet: 1 MiB shared by 64 tables -> the 64 KiB floor per partition, so 600 KB
 * of distinct strings make several row groups; budget-default.parquet: 64 MiB / 1: one. */
static void write_budget(f2c_commit *tx, warns *w)
{
    static const struct {
        const char *name;
        size_t memory, ntables;
    } runs[] = {{"budget-small.parquet", 1u << 20, 64}, {"budget-default.parquet", 0, 0}};
    for (size_t k = 0; k < 2; k++) {
        f2c_sink s = make_sink(&(f2c_sink_options){.format = "parquet",
                                                   .compression = "none",
                                                   .memory_bytes = runs[k].memory,
                                                   .ntables = runs[k].ntables});
        f2c_sink_part *p = open_part(&s, tx, runs[k].name, &notes, w);
        char id[32], text[160];
        for (int i = 0; p && i < 4000; i++) {
            snprintf(id, sizeof id, "%d", i);
            snprintf(text, sizeof text, "%0150d", i * 7919); /* distinct: no dictionary wins */
            row3(p, id, text, id);
        }
        finish_part(p, runs[k].name);
        f2c_sink_free(&s);
    }
}

/* budget-wide.parquet: 40 string columns of repeated values under the 64 KiB floor.  What a
 * written row group frees is counted, not capacities kept for the next one (dictionary hash
 * slots: 8 KiB per column), else every row would close a group once they pass the budget. */
#define WIDE 40
static void write_wide(f2c_commit *tx, warns *w)
{
    static f2c_column cols[WIDE];
    static char names[WIDE][8];
    for (size_t i = 0; i < WIDE; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        cols[i] = (f2c_column){.name = names[i], .type = F2C_T_STRING};
    }
    const f2c_table wide = {.name = "Wide",
                            .entity = "LocalWide",
                            .resource_type = "Patient",
                            .columns = cols,
                            .ncolumns = WIDE,
                            .view = 1};
    f2c_sink s = make_sink(&(f2c_sink_options){
        .format = "parquet", .compression = "none", .memory_bytes = 1u << 20, .ntables = 64});
    f2c_sink_part *p = open_part(&s, tx, "budget-wide.parquet", &wide, w);
    char v[WIDE][16];
    const char *cells[WIDE];
    size_t lens[WIDE];
    for (int r = 0; p && r < 3000; r++) {
        for (size_t i = 0; i < WIDE; i++) {
            lens[i] = (size_t)snprintf(v[i], sizeof v[i], "v%d", (r + (int)i) % 50);
            cells[i] = v[i];
        }
        f2c_error e;
        CHECK(f2c_sink_row(p, WIDE, cells, lens, &e) == F2C_OK, "wide row: %s", e.message);
    }
    finish_part(p, "budget-wide.parquet");
    f2c_sink_free(&s);
}

static int str_is(const pqr_value *v, const char *s)
{
    return s ? !v->null && v->n == strlen(s) && !memcmp(v->s, s, v->n) : v->null;
}

static void check_kept(const char *dir, f2c_buf *kept)
{
    pqr_file f;
    if (read_back(dir, "kept.parquet", kept, &f) == 0 && CHECK(f.nrows == 4 && f.ncols == 3)) {
        CHECK(kept->len > 8 && !memcmp(kept->data, "PAR1", 4) &&
                  !memcmp(kept->data + kept->len - 4, "PAR1", 4),
              "kept.parquet does not start and end with PAR1");
        static const char *const ids[] = {"1", "2", NULL, "3"};
        static const char *const texts[] = {"plain", "comma, \"quote\"\r\nline", NULL,
                                            "caf\xc3\xa9"};
        static const int nulls[] = {0, 1, 1, 0};
        static const int64_t ns[] = {7, 0, 0, INT32_MIN};
        for (size_t r = 0; r < 4; r++) {
            const pqr_value *n = &f.cols[2].values[r];
            CHECK(str_is(&f.cols[0].values[r], ids[r]) && str_is(&f.cols[1].values[r], texts[r]) &&
                      n->null == nulls[r] && (n->null || n->i == ns[r]),
                  "kept.parquet row %zu differs", r);
        }
        CHECK_STR_EQ(pqr_kv(&f, "fhir2cdm.version"), "0.1.0");
        CHECK_STR_EQ(pqr_kv(&f, "fhir2cdm.entity"), "LocalNotes");
        CHECK_STR_EQ(pqr_kv(&f, "fhir2cdm.table"), "Notes");
        CHECK_STR_EQ(f.created_by, CREATED_BY);
        CHECK_STR_EQ(f.cols[1].name, "note");
    }
    pqr_free(&f);
}

static void check_others(const char *dir, const f2c_buf *kept, const warns *w)
{
    pqr_file f;
    f2c_buf b = {0};
    if (read_back(dir, "same.parquet", &b, &f) == 0)
        CHECK(b.len == kept->len && !memcmp(b.data, kept->data, b.len),
              "same rows, different bytes");
    pqr_free(&f);
    if (read_back(dir, "empty.parquet", &b, &f) == 0)
        CHECK(f.nrows == 0 && f.ncols == 3, "empty.parquet: %llu rows",
              (unsigned long long)f.nrows);
    pqr_free(&f);
    if (read_back(dir, "dec.parquet", &b, &f) == 0 && CHECK(f.nrows == 1)) {
        char got[64];
        i128_text(f.cols[2].values[0].i, f.cols[2].values[0].lo, got);
        CHECK_STR_EQ(got, "612210760923617");
        CHECK(f.cols[2].precision == 38 && f.cols[2].scale == 18);
    }
    pqr_free(&f);
    CHECK(w->n == 1 && w->cols[0] == 2 && strstr(w->why[0], "rounded"),
          "%zu warnings; expected one, column 2, rounded", w->n);
    static const struct {
        const char *name;
        int many;
    } budgets[] = {{"budget-small.parquet", 1}, {"budget-default.parquet", 0}};
    for (size_t k = 0; k < 2; k++) {
        if (read_back(dir, budgets[k].name, &b, &f) == 0)
            /* 600 KB of text over 64 KiB groups: about ten, never one per row (capacities
             * kept between groups once counted as buffered data, closing a group per row) */
            CHECK(f.nrows == 4000 && (budgets[k].many ? f.nrow_groups >= 4 && f.nrow_groups <= 40
                                                      : f.nrow_groups == 1),
                  "%s: %llu rows in %zu row groups", budgets[k].name, (unsigned long long)f.nrows,
                  f.nrow_groups);
        pqr_free(&f);
    }
    if (read_back(dir, "budget-wide.parquet", &b, &f) == 0)
        CHECK(f.nrows == 3000 && f.nrow_groups >= 1 && f.nrow_groups <= 150,
              "budget-wide.parquet: %llu rows in %zu row groups", (unsigned long long)f.nrows,
              f.nrow_groups);
    pqr_free(&f);
    f2c_buf path = {0};
    if (f2c_buf_printf(&path, "%s/dropped.parquet", dir) != 0) abort();
    CHECK(!exists(path.data), "aborted partition %s published", path.data);
    f2c_buf_free(&path);
    f2c_buf_free(&b);
}

/* matches(): a published file fits the table and the decimal it was written with only. */
static void check_matches(const char *dir)
{
    f2c_sink def = make_sink(&(f2c_sink_options){.format = "parquet"});
    f2c_sink other = make_sink(
        &(f2c_sink_options){.format = "parquet", .decimal_precision = 10, .decimal_scale = 2});
    static const char *const files[] = {"kept.parquet", "dec.parquet", "../../model.json"};
    for (size_t k = 0; k < 3; k++) {
        f2c_buf path = {0};
        if (f2c_buf_printf(&path, "%s/%s", dir, files[k]) != 0) abort();
        int fd = open(path.data, O_RDONLY | O_NOFOLLOW);
        if (CHECK(fd >= 0, "cannot open %s", path.data)) {
            int a = f2c_sink_matches(&def, fd, &notes), d = f2c_sink_matches(&def, fd, &notes_dec),
                o = f2c_sink_matches(&other, fd, &notes_dec);
            CHECK(a == (k == 0) && d == (k == 1) && o == 0,
                  "%s: matches notes %d, notes_dec %d, notes_dec at 10,2 %d", files[k], a, d, o);
            close(fd);
        }
        f2c_buf_free(&path);
    }
    f2c_sink_free(&def);
    f2c_sink_free(&other);
}

/* A write that fails (the file size limit: EFBIG) is F2C_EIO naming the partition where it
 * would be published; the partition is then aborted and leaves nothing. */
static void write_fails(f2c_commit *tx, const char *out)
{
    struct rlimit old, small = {.rlim_cur = 32 * 1024};
    if (getrlimit(RLIMIT_FSIZE, &old) != 0) return;
    small.rlim_max = old.rlim_max;
    f2c_sink s = make_sink(&(f2c_sink_options){
        .format = "parquet", .compression = "none", .memory_bytes = 1u << 20, .ntables = 64});
    f2c_sink_part *p = open_part(&s, tx, "efbig.parquet", &notes, NULL);
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    if (p && setrlimit(RLIMIT_FSIZE, &small) == 0) {
        f2c_error e;
        f2c_status st = F2C_OK;
        char id[32], text[160];
        const char *cells[3] = {id, text, "1"};
        size_t lens[3];
        for (int i = 0; st == F2C_OK && i < 4000; i++) {
            lens[0] = (size_t)snprintf(id, sizeof id, "%d", i);
            lens[1] = (size_t)snprintf(text, sizeof text, "%0150d", i * 7919);
            lens[2] = 1;
            st = f2c_sink_row(p, 3, cells, lens, &e);
        }
        if (st == F2C_OK)
            st = f2c_sink_finish(p, &e); /* frees p either way */
        else
            f2c_sink_abort(p);
        p = NULL;
        setrlimit(RLIMIT_FSIZE, &old);
        f2c_buf want = {0};
        if (f2c_buf_printf(&want, "%s/" DIR_NOTES "/efbig.parquet", out) != 0) abort();
        CHECK(st == F2C_EIO && !strcmp(e.file, want.data) && strstr(e.message, "too large"),
              "write past the size limit: %s, file \"%s\", message \"%s\"", f2c_status_name(st),
              e.file, e.message);
        f2c_buf_free(&want);
    }
    signal(SIGXFSZ, was);
    f2c_sink_abort(p);
    f2c_sink_free(&s);
}

static void check_staged(f2c_commit *tx)
{
    static const char *const want[] = {
        "budget-default.parquet", "budget-small.parquet", "budget-wide.parquet", "dec.parquet",
        "empty.parquet",          "kept.parquet",         "same.parquet"};
    const size_t nwant = sizeof want / sizeof want[0];
    const char *const *paths;
    size_t n = f2c_commit_staged(tx, &paths);
    CHECK(n == nwant, "%zu staged files", n);
    for (size_t i = 0; i < n && i < nwant; i++)
        CHECK(!strncmp(paths[i], DIR_NOTES "/", sizeof DIR_NOTES) &&
                  !strcmp(paths[i] + sizeof DIR_NOTES, want[i]),
              "staged %s, expected %s", paths[i], want[i]);
}

static int life_mode(const char *work)
{
    f2c_buf out = {0}, dir = {0}, kept = {0};
    if (f2c_buf_printf(&out, "%s/life-out", work) != 0 ||
        f2c_buf_printf(&dir, "%s/life-out/" DIR_NOTES, work) != 0)
        abort();
    mkdir(work, 0777);
    f2c_test_remove_tree(out.data);
    check_options();
    check_mapping();
    f2c_commit *tx = NULL;
    f2c_error e;
    if (f2c_commit_begin(out.data, stderr, &tx, &e) != F2C_OK) {
        fprintf(stderr, "FAIL cannot begin: %s\n", e.message);
        return 1;
    }
    warns w = {0};
    f2c_sink s = make_sink(&(f2c_sink_options){.format = "parquet", .created_by = CREATED_BY});
    write_small(&s, tx, &w);
    write_budget(tx, &w);
    write_wide(tx, &w);
    write_fails(tx, out.data);
    check_staged(tx);
    CHECK(!exists(dir.data), "%s visible before the commit", dir.data);
    CHECK(f2c_commit_finish(tx, "model.json", "{}\n", 3, NULL, NULL, 0, &e) == F2C_OK, "commit: %s",
          e.message);
    check_kept(dir.data, &kept);
    check_others(dir.data, &kept, &w);
    check_matches(dir.data);
    f2c_sink_free(&s);
    free(w.rows);
    free(w.cols);
    free(w.why);
    f2c_buf_free(&out);
    f2c_buf_free(&dir);
    f2c_buf_free(&kept);
    return f2c_check_report("parquet.sink.life");
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "cases")) return cases_mode(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "life")) return life_mode(argv[2]);
    fprintf(stderr, "usage: test_pq_sink cases CASES.tsv WORK | test_pq_sink life WORK\n");
    return 2;
}
