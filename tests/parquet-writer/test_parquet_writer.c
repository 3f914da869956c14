/*
 * test_parquet_writer: the Parquet writer (lib/cdm/f2c_parquet*.c) end to end.
 *
 *   test_parquet_writer write OUTDIR   writes the file set below as
 *                                      OUTDIR/<codec>/Patient/<name>.parquet with
 *                                      <name>.expected.json beside it (the rows in the canonical
 *                                      form tests/parquet/pqdump.mjs prints), then checks in
 *                                      process: identical bytes for identical calls, the footer
 *                                      schema check, usage errors, and a failing sink at every
 *                                      point of a file (run under ASan for leaks).
 *   test_parquet_writer bench ROWS [ZSTD_LEVEL]
 *                                      the writer alone: ROWS rows of a typical 10-column table
 *                                      (strings, ints, timestamps, a decimal) with ZSTD (level 0:
 *                                      the writer's default) into a discarding sink; prints
 *                                      rows/s and MB/s of input and output.
 *
 * The expected JSON is formatted here from the values given to the writer (decimals from the
 * 128-bit unscaled value, dates and timestamps by civil-calendar arithmetic), never read back
 * from a file, so a reader we did not write (tests/parquet-writer/compare.py) is the judge.
 */
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_parquet.h"
#include "f2c_check.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef __int128 i128;

/* ---- an in-memory sink that can be told to fail ---- */

typedef struct sink {
    unsigned char *p;
    size_t len, cap;
    long fail_at; /* fail the write that would pass this many bytes; -1 never */
    int discard;
} sink;

static int sink_write(void *ud, const void *data, size_t len, f2c_error *err)
{
    sink *s = ud;
    if (s->fail_at >= 0 && s->len + len > (size_t)s->fail_at) {
        f2c_error_set(err, F2C_EIO, "test.parquet", 0, 0, NULL, "write failed (planted)");
        return -1;
    }
    if (s->discard) {
        s->len += len;
        return 0;
    }
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len)
            cap *= 2;
        unsigned char *p = realloc(s->p, cap);
        if (!p) return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "oom"), -1;
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, len);
    s->len += len;
    return 0;
}

/* ---- deterministic values ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static i128 pow10_128(int p)
{
    i128 v = 1;
    while (p-- > 0)
        v *= 10;
    return v;
}

typedef struct value {
    int null;
    int64_t i; /* BOOLEAN, INT32, INT64, DATE, TIMESTAMP, TIME */
    i128 d;    /* DECIMAL unscaled */
    char s[600];
    size_t slen;
} value;

static const char *const words[] = {
    "",         "a", "héllo wörld", "日本語テキスト", "emoji 😀", "Zebra", "line\nbreak \"quoted\"",
    "tab\tend", "x"};

/* Extremes for row r < 4 (min, max, zero-ish, special), random after. */
static void gen(const f2c_pq_column *c, uint64_t *rng, long r, int null_pct, int distinct, value *v)
{
    memset(v, 0, offsetof(value, s));
    v->slen = 0;
    v->null = null_pct >= 100 || (null_pct > 0 && (int)(rng_next(rng) % 100) < null_pct);
    if (v->null) return;
    uint64_t x = rng_next(rng);
    int ext = r < 4 ? (int)r : -1;
    switch (c->kind) {
    case F2C_PQ_BOOLEAN:
        v->i = ext >= 0 ? ext & 1 : (int64_t)(x & 1);
        break;
    case F2C_PQ_INT32:
        v->i = ext == 0 ? INT32_MIN : ext == 1 ? INT32_MAX : ext == 2 ? 0 : (int32_t)x;
        break;
    case F2C_PQ_INT64:
        v->i = ext == 0 ? INT64_MIN : ext == 1 ? INT64_MAX : ext == 2 ? -1 : (int64_t)x;
        break;
    case F2C_PQ_DECIMAL: {
        i128 lim = pow10_128(c->precision) - 1;
        i128 u =
            (i128)(((unsigned __int128)x << 64 | rng_next(rng)) % (unsigned __int128)(lim + 1));
        v->d = ext == 0 ? -lim : ext == 1 ? lim : ext == 2 ? -1 : (x >> 63) ? -u : u;
        break;
    }
    case F2C_PQ_DATE: /* 1600-01-01 .. 2400-01-01 */
        v->i = ext == 0   ? -135140
               : ext == 1 ? 157054
               : ext == 2 ? -1
                          : (int64_t)(x % 292194) - 135140;
        break;
    case F2C_PQ_TIMESTAMP: /* 1600 .. 2400 */
    case F2C_PQ_TIMESTAMP_LOCAL:
        v->i = ext == 0   ? -11676096000000000LL
               : ext == 1 ? 13569465599999999LL
               : ext == 2 ? -1
                          : (int64_t)(x % 25245561600000000ULL) - 11676096000000000LL;
        break;
    case F2C_PQ_TIME:
        v->i = ext == 0 ? 0 : ext == 1 ? 86399999999LL : (int64_t)(x % 86400000000ULL);
        break;
    case F2C_PQ_STRING:
        if (distinct) { /* long and all different: defeats the dictionary */
            uint64_t y = rng_next(rng), z = rng_next(rng);
            v->slen = (size_t)snprintf(
                v->s, sizeof v->s, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "-%ld", x, y, z, r);
        } else {
            const char *w = words[x % (sizeof words / sizeof *words)];
            v->slen = (size_t)snprintf(v->s, sizeof v->s, "%s%s", w, (x >> 8) % 3 ? "" : "·");
        }
        break;
    }
}

static f2c_status put(f2c_pq_writer *w, size_t col, const f2c_pq_column *c, const value *v,
                      f2c_error *err)
{
    if (v->null) return f2c_pq_null(w, col, err);
    switch (c->kind) {
    case F2C_PQ_BOOLEAN:
        return f2c_pq_bool(w, col, (int)v->i, err);
    case F2C_PQ_INT32:
    case F2C_PQ_DATE:
        return f2c_pq_int32(w, col, (int32_t)v->i, err);
    case F2C_PQ_DECIMAL:
        return f2c_pq_decimal(w, col, (int64_t)(v->d >> 64), (uint64_t)v->d, err);
    case F2C_PQ_STRING:
        return f2c_pq_bytes(w, col, v->s, v->slen, err);
    default:
        return f2c_pq_int64(w, col, v->i, err);
    }
}

/* ---- the canonical JSON form (tests/parquet/pqdump.mjs) ---- */

static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
    /* days since 1970-01-01 to the proleptic Gregorian date (H. Hinnant's algorithm) */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void fmt_decimal(char *out, i128 v, int scale)
{
    char digits[64];
    int n = 0, neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale)
        digits[n++] = '0';
    char *o = out;
    if (neg) *o++ = '-';
    for (int i = n - 1; i >= 0; i--) {
        *o++ = digits[i];
        if (i == scale && scale > 0) *o++ = '.';
    }
    *o = '\0';
}

static cJSON *expected_value(const f2c_pq_column *c, const value *v)
{
    char b[96];
    int y;
    unsigned m, d;
    if (v->null) return cJSON_CreateNull();
    switch (c->kind) {
    case F2C_PQ_BOOLEAN:
        return cJSON_CreateBool(v->i != 0);
    case F2C_PQ_INT32:
    case F2C_PQ_INT64:
        snprintf(b, sizeof b, "%" PRId64, v->i);
        break;
    case F2C_PQ_DECIMAL:
        fmt_decimal(b, v->d, c->scale);
        break;
    case F2C_PQ_DATE:
        civil(v->i, &y, &m, &d);
        snprintf(b, sizeof b, "%04d-%02u-%02u", y, m, d);
        break;
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL: { /* the readers' canonical text has a Z for both */
        int64_t day = floordiv(v->i, 86400000000LL), us = v->i - day * 86400000000LL;
        civil(day, &y, &m, &d);
        snprintf(b, sizeof b, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d,
                 (int)(us / 3600000000LL), (int)(us / 60000000 % 60), (int)(us / 1000000 % 60),
                 (int)(us % 1000000));
        break;
    }
    case F2C_PQ_TIME:
        snprintf(b, sizeof b, "%02d:%02d:%02d.%06d", (int)(v->i / 3600000000LL),
                 (int)(v->i / 60000000 % 60), (int)(v->i / 1000000 % 60), (int)(v->i % 1000000));
        break;
    default: {
        cJSON *s = cJSON_CreateString("");
        char *t = malloc(v->slen + 1);
        memcpy(t, v->s, v->slen);
        t[v->slen] = '\0';
        cJSON_SetValuestring(s, t);
        free(t);
        return s;
    }
    }
    return cJSON_CreateString(b);
}

static const char *type_name(const f2c_pq_column *c, char *b, size_t n)
{
    static const char *const names[] = {[F2C_PQ_BOOLEAN] = "BOOLEAN",
                                        [F2C_PQ_INT32] = "INT32",
                                        [F2C_PQ_INT64] = "INT64",
                                        [F2C_PQ_DATE] = "DATE",
                                        [F2C_PQ_TIMESTAMP] = "TIMESTAMP_MICROS_UTC",
                                        [F2C_PQ_TIME] = "TIME_MICROS",
                                        [F2C_PQ_STRING] = "STRING",
                                        [F2C_PQ_TIMESTAMP_LOCAL] = "TIMESTAMP_MICROS"};
    if (c->kind != F2C_PQ_DECIMAL) return names[c->kind];
    snprintf(b, n, "DECIMAL(%d,%d)", c->precision, c->scale);
    return b;
}

/* ---- the file set ---- */

static const f2c_pq_column every_kind[] = {
    {"flag", F2C_PQ_BOOLEAN, 0, 0},
    {"count32", F2C_PQ_INT32, 0, 0},
    {"count64", F2C_PQ_INT64, 0, 0},
    {"dec9", F2C_PQ_DECIMAL, 9, 2},
    {"dec18", F2C_PQ_DECIMAL, 18, 4},
    {"dec38", F2C_PQ_DECIMAL, 38, 18},
    {"born", F2C_PQ_DATE, 0, 0},
    {"seen", F2C_PQ_TIMESTAMP, 0, 0},
    {"at", F2C_PQ_TIME, 0, 0},
    {"text", F2C_PQ_STRING, 0, 0},
    {"local", F2C_PQ_TIMESTAMP_LOCAL, 0, 0},
};
#define NKIND (sizeof every_kind / sizeof *every_kind)

static const f2c_pq_column decimals[] = {
    {"p1s0", F2C_PQ_DECIMAL, 1, 0},     {"p9s0", F2C_PQ_DECIMAL, 9, 0},
    {"p9s9", F2C_PQ_DECIMAL, 9, 9},     {"p10s3", F2C_PQ_DECIMAL, 10, 3},
    {"p18s18", F2C_PQ_DECIMAL, 18, 18}, {"p19s2", F2C_PQ_DECIMAL, 19, 2},
    {"p38s0", F2C_PQ_DECIMAL, 38, 0},   {"p38s38", F2C_PQ_DECIMAL, 38, 38},
};

static const f2c_pq_column strings[] = {
    {"distinct", F2C_PQ_STRING, 0, 0}, {"few", F2C_PQ_STRING, 0, 0}, {"n", F2C_PQ_INT32, 0, 0}};

static const f2c_pq_column small[] = {
    {"flag", F2C_PQ_BOOLEAN, 0, 0}, {"text", F2C_PQ_STRING, 0, 0}, {"n", F2C_PQ_INT32, 0, 0}};

typedef struct spec {
    const char *name;
    const f2c_pq_column *cols;
    size_t ncols;
    long rows;
    int null_pct;
    f2c_pq_codec codec;
    size_t row_group_bytes, page_bytes, dict_bytes;
} spec;

static const spec specs[] = {
    {"kinds", every_kind, NKIND, 1000, 20, F2C_PQ_ZSTD, 0, 0, 0},
    {"nulls-all", every_kind, NKIND, 50, 100, F2C_PQ_ZSTD, 0, 0, 0},
    {"nulls-none", every_kind, NKIND, 300, 0, F2C_PQ_SNAPPY, 0, 0, 0},
    {"empty", every_kind, NKIND, 0, 0, F2C_PQ_ZSTD, 0, 0, 0},
    {"one-row", every_kind, NKIND, 1, 0, F2C_PQ_UNCOMPRESSED, 0, 0, 0},
    {"many-zstd", every_kind, NKIND, 20000, 10, F2C_PQ_ZSTD, 64 << 10, 4 << 10, 0},
    {"many-snappy", every_kind, NKIND, 7000, 50, F2C_PQ_SNAPPY, 32 << 10, 2 << 10, 0},
    {"many-plain", every_kind, NKIND, 5000, 5, F2C_PQ_UNCOMPRESSED, 100 << 10, 1000, 0},
    {"fallback", strings, 3, 3000, 10, F2C_PQ_SNAPPY, 0, 16 << 10, 4 << 10},
    {"fallback-groups", strings, 3, 4000, 30, F2C_PQ_ZSTD, 40 << 10, 8 << 10, 8 << 10},
    {"decimals", decimals, 8, 500, 15, F2C_PQ_ZSTD, 0, 0, 0},
    /* default sizes: pages close at 20000 values (booleans, nulls, small indices) */
    {"value-capped-pages", small, 3, 50000, 60, F2C_PQ_ZSTD, 0, 0, 0},
};

static const f2c_pq_kv kvs[] = {{"fhir2cdm.version", "test"}, {"fhir2cdm.entity", "Patient"}};

/* Writes spec s into out (and its expected rows into *rows when not NULL). */
static f2c_status write_spec(const spec *s, sink *out, cJSON *rows, f2c_error *err)
{
    f2c_pq_options o = {
        s->codec, 0, s->row_group_bytes, s->page_bytes, s->dict_bytes, "fhir2cdm test", kvs, 2};
    f2c_pq_writer *w;
    f2c_status st = f2c_pq_writer_new(s->cols, s->ncols, &o, sink_write, out, s->name, &w, err);
    if (st != F2C_OK) return st;
    uint64_t rng = 42;
    static value v;
    for (long r = 0; r < s->rows && st == F2C_OK; r++) {
        cJSON *row = rows ? cJSON_CreateArray() : NULL;
        for (size_t c = 0; c < s->ncols && st == F2C_OK; c++) {
            int distinct = s->cols[c].kind == F2C_PQ_STRING && !strcmp(s->cols[c].name, "distinct");
            gen(&s->cols[c], &rng, r, s->null_pct, distinct, &v);
            st = put(w, c, &s->cols[c], &v, err);
            if (row) cJSON_AddItemToArray(row, expected_value(&s->cols[c], &v));
        }
        if (row) cJSON_AddItemToArray(rows, row);
        if (st == F2C_OK) st = f2c_pq_end_row(w, err);
    }
    if (st == F2C_OK) {
        CHECK_INT_EQ((long long)f2c_pq_rows(w), s->rows);
        st = f2c_pq_finish(w, err);
    }
    f2c_pq_writer_free(w);
    return st;
}

/* OUTDIR/<codec>/Patient/<name><ext>: the folder names the codec and the entity that
 * tests/parquet/check_meta.mjs expects of each file. */
static int save(const char *dir, const spec *s, const char *ext, const void *p, size_t n)
{
    static const char *const codecs[] = {"zstd", "snappy", "none"};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/Patient", dir, codecs[s->codec]);
    if (f2c_fs_mkdirs(path, 0755) != 0) return -1;
    snprintf(path, sizeof path, "%s/%s/Patient/%s%s", dir, codecs[s->codec], s->name, ext);
    return f2c_fs_write_atomic(path, p, n);
}

static void write_set(const char *dir)
{
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        const spec *s = &specs[i];
        sink out = {.fail_at = -1};
        f2c_error err;
        cJSON *doc = cJSON_CreateObject(), *schema = cJSON_AddArrayToObject(doc, "schema");
        for (size_t c = 0; c < s->ncols; c++) {
            char b[32];
            cJSON *col = cJSON_CreateObject();
            cJSON_AddStringToObject(col, "name", s->cols[c].name);
            cJSON_AddStringToObject(col, "type", type_name(&s->cols[c], b, sizeof b));
            cJSON_AddItemToArray(schema, col);
        }
        cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
        if (CHECK_STATUS(write_spec(s, &out, rows, &err), F2C_OK, err)) {
            char *json = cJSON_PrintUnformatted(doc);
            CHECK(save(dir, s, ".parquet", out.p, out.len) == 0, "%s", s->name);
            CHECK(save(dir, s, ".expected.json", json, strlen(json)) == 0, "%s", s->name);
            free(json);
        }
        cJSON_Delete(doc);
        free(out.p);
    }
}

/* ---- in-process checks ---- */

static void check_deterministic(void)
{
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        sink a = {.fail_at = -1}, b = {.fail_at = -1};
        f2c_error err;
        CHECK_STATUS(write_spec(&specs[i], &a, NULL, &err), F2C_OK, err);
        CHECK_STATUS(write_spec(&specs[i], &b, NULL, &err), F2C_OK, err);
        CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "%s: bytes differ", specs[i].name);
        free(a.p);
        free(b.p);
    }
}

/* Stores p[0..n) as a file in dir and returns schema_matches' answer for cols. */
static int matches(const char *dir, const void *p, size_t n, const f2c_pq_column *cols,
                   size_t ncols)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/schema-check.bin", dir);
    if (f2c_fs_write_atomic(path, p, n) != 0) return -2;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -2;
    int r = f2c_pq_schema_matches(fd, cols, ncols);
    close(fd);
    unlink(path);
    return r;
}

static void check_schema_matches(const char *dir)
{
    sink out = {.fail_at = -1};
    f2c_error err;
    if (!CHECK_STATUS(write_spec(&specs[0], &out, NULL, &err), F2C_OK, err)) return;
    f2c_pq_column c[NKIND];
    CHECK_INT_EQ(matches(dir, out.p, out.len, every_kind, NKIND), 1);
    memcpy(c, every_kind, sizeof c);
    c[2].name = "count_64";
    CHECK_INT_EQ(matches(dir, out.p, out.len, c, NKIND), 0);
    memcpy(c, every_kind, sizeof c);
    c[1].kind = F2C_PQ_DATE; /* same physical type, other logical type */
    CHECK_INT_EQ(matches(dir, out.p, out.len, c, NKIND), 0);
    memcpy(c, every_kind, sizeof c);
    c[5].scale = 17;
    CHECK_INT_EQ(matches(dir, out.p, out.len, c, NKIND), 0);
    memcpy(c, every_kind, sizeof c);
    c[3].precision = 8;
    CHECK_INT_EQ(matches(dir, out.p, out.len, c, NKIND), 0);
    CHECK_INT_EQ(matches(dir, out.p, out.len, every_kind, NKIND - 1), 0);
    CHECK_INT_EQ(matches(dir, out.p, out.len, every_kind + 1, NKIND - 1), 0);
    CHECK_INT_EQ(matches(dir, out.p, out.len - 1, every_kind, NKIND), 0);
    CHECK_INT_EQ(matches(dir, out.p, out.len / 2, every_kind, NKIND), 0);
    CHECK_INT_EQ(matches(dir, out.p, 0, every_kind, NKIND), 0);
    CHECK_INT_EQ(matches(dir, "a,b,c\n1,2,3\n4,5,6\n", 18, every_kind, NKIND), 0);
    /* a footer length pointing before the start */
    unsigned char bad[16] = "PAR1\0\0\0\0\xff\xff\0\0PAR1";
    CHECK_INT_EQ(matches(dir, bad, sizeof bad, every_kind, NKIND), 0);
    /* a read error (a folder: pread fails with EISDIR) is -1, not "different" */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (CHECK(fd >= 0)) {
        errno = 0;
        CHECK_INT_EQ(f2c_pq_schema_matches(fd, every_kind, NKIND), -1);
        CHECK(errno == EISDIR, "errno %d", errno);
        close(fd);
    }
    free(out.p);
}

static void check_usage(void)
{
    f2c_pq_writer *w = (f2c_pq_writer *)1;
    f2c_error err;
    sink out = {.fail_at = -1};
    const f2c_pq_column bad[][2] = {
        {{"", F2C_PQ_INT32, 0, 0}, {"b", F2C_PQ_INT32, 0, 0}},
        {{"a", F2C_PQ_DECIMAL, 39, 2}, {"b", F2C_PQ_INT32, 0, 0}},
        {{"a", F2C_PQ_DECIMAL, 0, 0}, {"b", F2C_PQ_INT32, 0, 0}},
        {{"a", F2C_PQ_DECIMAL, 10, 11}, {"b", F2C_PQ_INT32, 0, 0}},
        {{"a", F2C_PQ_DECIMAL, 10, -1}, {"b", F2C_PQ_INT32, 0, 0}},
        {{"a", F2C_PQ_INT32, 0, 0}, {"a", F2C_PQ_STRING, 0, 0}},
        {{"a", (f2c_pq_kind)99, 0, 0}, {"b", F2C_PQ_INT32, 0, 0}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_STATUS(f2c_pq_writer_new(bad[i], 2, NULL, sink_write, &out, "x.parquet", &w, &err),
                     F2C_EUSAGE, err);
        CHECK(w == NULL);
        CHECK(strstr(err.message, "Parquet") != NULL, "message: %s", err.message);
    }
    CHECK_STATUS(f2c_pq_writer_new(bad[0], 0, NULL, sink_write, &out, "x.parquet", &w, &err),
                 F2C_EUSAGE, err);
    CHECK_INT_EQ((long long)out.len, 0);
}

/* A sink failing at every boundary of a small file: the error comes back, nothing leaks. */
static void check_write_errors(void)
{
    sink full = {.fail_at = -1};
    f2c_error err;
    spec s = specs[5];
    s.rows = 3000;
    if (!CHECK_STATUS(write_spec(&s, &full, NULL, &err), F2C_OK, err)) return;
    int failed = 0;
    for (long at = 0; at < (long)full.len; at += at < 64 ? 1 : 997) {
        sink out = {.fail_at = at};
        f2c_error_clear(&err);
        f2c_status st = write_spec(&s, &out, NULL, &err);
        failed += st == F2C_EIO && strstr(err.message, "planted") != NULL;
        CHECK(st == F2C_EIO, "fail at %ld: %s", at, f2c_status_name(st));
        free(out.p);
    }
    CHECK(failed > 10, "only %d failing runs", failed);
    free(full.p);
}

/* ---- benchmark ---- */

static int bench(long rows, int level)
{
    static const f2c_pq_column cols[] = {
        {"id", F2C_PQ_STRING, 0, 0},     {"patient", F2C_PQ_STRING, 0, 0},
        {"code", F2C_PQ_STRING, 0, 0},   {"display", F2C_PQ_STRING, 0, 0},
        {"status", F2C_PQ_STRING, 0, 0}, {"effective", F2C_PQ_TIMESTAMP, 0, 0},
        {"issued", F2C_PQ_DATE, 0, 0},   {"value", F2C_PQ_DECIMAL, 38, 18},
        {"count", F2C_PQ_INT32, 0, 0},   {"note", F2C_PQ_STRING, 0, 0}};
    static const char *const codes[] = {"8302-2", "29463-7", "39156-5", "8867-4", "9279-1",
                                        "8480-6", "8462-4",  "72514-3", "2339-0", "6690-2"};
    static const char *const displays[] = {"Body Height", "Body Weight", "Body Mass Index",
                                           "Heart rate", "Respiratory rate"};
    sink out = {.fail_at = -1, .discard = 1};
    f2c_error err;
    f2c_pq_writer *w;
    f2c_pq_options o = {F2C_PQ_ZSTD, level, 0, 0, 0, "fhir2cdm bench", NULL, 0};
    if (f2c_pq_writer_new(cols, 10, &o, sink_write, &out, "bench", &w, &err) != F2C_OK) return 1;
    uint64_t rng = 7;
    size_t in_bytes = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long r = 0; r < rows; r++) {
        char id[64], pat[64], note[96];
        uint64_t x = rng_next(&rng);
        int a = snprintf(id, sizeof id, "%016" PRIx64 "-%08lx-4a1b-9c2d", x, r);
        int b = snprintf(pat, sizeof pat, "Patient/%08" PRIx64 "-1c2d-4e5f", (x >> 20) % 5000);
        const char *code = codes[x % 10], *disp = displays[(x >> 8) % 5];
        int n = snprintf(note, sizeof note, "measured %" PRIu64 " times at site %" PRIu64,
                         (x >> 16) % 100, (x >> 24) % 50);
        f2c_pq_bytes(w, 0, id, (size_t)a, &err);
        f2c_pq_bytes(w, 1, pat, (size_t)b, &err);
        f2c_pq_bytes(w, 2, code, strlen(code), &err);
        f2c_pq_bytes(w, 3, disp, strlen(disp), &err);
        f2c_pq_bytes(w, 4, "final", 5, &err);
        f2c_pq_int64(w, 5, 1500000000000000LL + (int64_t)(x % 300000000000000ULL), &err);
        f2c_pq_int32(w, 6, 16000 + (int32_t)(x % 3000), &err);
        f2c_pq_decimal(w, 7, 0, (x % 100000000ULL) * 10000000000000000ULL, &err);
        if (x % 7)
            f2c_pq_int32(w, 8, (int32_t)(x % 1000), &err);
        else
            f2c_pq_null(w, 8, &err);
        f2c_pq_bytes(w, 9, note, (size_t)n, &err);
        in_bytes += (size_t)(a + b + n) + strlen(code) + strlen(disp) + 5 + 26 + 10 + 22 + 3;
        if (f2c_pq_end_row(w, &err) != F2C_OK) return 1;
    }
    f2c_status st = f2c_pq_finish(w, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    f2c_pq_writer_free(w);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%ld rows, 10 columns, ZSTD: %.3f s, %.0f rows/s, %.1f MB/s of CSV-like input "
           "(%.1f MB), %.1f MB/s of Parquet output (%.1f MB)\n",
           rows, s, rows / s, in_bytes / s / 1e6, in_bytes / 1e6, out.len / s / 1e6, out.len / 1e6);
    return st != F2C_OK;
}

int main(int argc, char **argv)
{
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "bench"))
        return bench(atol(argv[2]), argc == 4 ? atoi(argv[3]) : 0);
    if (argc != 3 || strcmp(argv[1], "write") != 0) {
        fprintf(stderr, "usage: test_parquet_writer write OUTDIR | bench ROWS [ZSTD_LEVEL]\n");
        return 2;
    }
    if (f2c_fs_mkdirs(argv[2], 0755) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    write_set(argv[2]);
    check_deterministic();
    check_schema_matches(argv[2]);
    check_usage();
    check_write_errors();
    return f2c_check_report("parquet.writer");
}
