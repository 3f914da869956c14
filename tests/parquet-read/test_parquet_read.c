/*
 * test_parquet_read: the Parquet sink's `read` operation (f2c_sink_read over
 * lib/cdm/f2c_parquet_read*.c) as an oracle round trip, plus hostile files.
 *
 * Why shaped so: what merge mode needs from `read` is that writing the cells it returns again
 * gives the same stored values; the writer is deterministic, so the oracle is the bytes: every
 * partition is written from generated cells (transaction A), read back from where A published
 * it, and each row read is written at once into a second partition of the same table with the
 * same sink options (transaction B); the two files must be byte-identical, B must draw no
 * warning (the read text is exact), and every read cell must equal the canonical text the
 * generator expects (a null for an empty cell or an unparseable one).  The generator covers
 * every Parquet kind through the sink's own type mapping: the 22 tables of samples/config and
 * the view all_types.json (ansi/type tags over every type, DECIMAL(p,s) of each physical
 * storage), with nulls, decimals up to 38 digits (rounded, with exponents, the extremes),
 * dates, instants with zone offsets (rendered as the engine renders them), local timestamps,
 * times, booleans, integers at their limits and long strings, under ZSTD, SNAPPY and no
 * compression, several row groups (a small memory budget), a dictionary falling back to PLAIN
 * and pages closed by the 20,000-value limit; the test-only reader tests/fuzz/pq_readback.c
 * confirms each of these really is in the files.  Then hostile files: every truncation is
 * F2C_EIO, flipped bytes at many offsets give F2C_EIO or rows (never a crash, under ASan),
 * a file of another table, other decimal options or not Parquet is F2C_EIO naming the file,
 * and a callback's error stops the reading and is returned.
 * Usage: test_parquet_read SAMPLES_DIR VIEW_FILE WORK
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_sink_parquet.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_check.h"
#include "f2c_testfs.h"
#include "pq_readback.h"

/* ---- scenarios ----------------------------------------------------------------------------- */

typedef struct scen {
    const char *name;        /* partition file stem */
    const char *compression; /* sink option */
    int precision, scale;    /* --decimal; 0: the default 38,18 */
    size_t memory, ntables;  /* --memory and the table count dividing it; 0: defaults */
    size_t rows;
    int distinct;  /* every string a distinct ~600-byte value: the dictionary falls back */
    int view_only; /* only the all_types view (big scenarios) */
    int codec;     /* parquet.thrift CompressionCodec expected in the file */
} scen;

static const scen scens[] = {
    {"zstd", "zstd", 0, 0, 0, 0, 60, 0, 0, 6},
    {"snappy", "snappy", 20, 4, 0, 0, 60, 0, 0, 1},
    {"groups", "none", 38, 10, 1u << 20, 64, 700, 0, 0, 0}, /* 64 KiB row groups */
    {"fallback", "zstd", 0, 0, 0, 0, 2500, 1, 1, 6},        /* 1.5 MB of distinct strings */
    {"pages", "snappy", 9, 2, 0, 0, 25000, 0, 1, 1},        /* > 20,000 values per chunk */
};
#define NSCENS (sizeof scens / sizeof scens[0])

#define VIEW_NAME "all_types"

/* The Parquet sink of scenario sc's options; exits on failure. */
static f2c_sink make_sink(const scen *sc)
{
    f2c_sink s;
    f2c_error e;
    f2c_sink_options o = {.format = "parquet",
                          .compression = sc->compression,
                          .decimal_precision = sc->precision,
                          .decimal_scale = sc->scale,
                          .memory_bytes = sc->memory,
                          .ntables = sc->ntables,
                          .created_by = "fhir2cdm-transform 0.1.0"};
    if (f2c_sink_new(&o, &s, &e) != F2C_OK) {
        fprintf(stderr, "FAIL sink %s: %s\n", sc->name, e.message);
        exit(1);
    }
    return s;
}

/* ---- the cell generator: (input cell, expected read text) by kind ---------------------------- */

/* SplitMix64's finaliser: the generator's hash. */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

typedef struct gen {
    uint64_t seed;
    const scen *sc;
    size_t long_col; /* the column that gets long strings; SIZE_MAX: none */
} gen;

typedef struct pair {
    const char *in, *want;
} pair;

static const pair int32s[] = {{"0", "0"},
                              {"-2147483648", "-2147483648"},
                              {"2147483647", "2147483647"},
                              {"+5", "5"},
                              {"007", "7"},
                              {"-0", "0"}};
static const pair int64s[] = {{"-9223372036854775808", "-9223372036854775808"},
                              {"9223372036854775807", "9223372036854775807"},
                              {"12", "12"},
                              {"-0012", "-12"}};
static const pair dates[] = {
    {"2012-06-05T00:00:00Z", "2012-06-05"}, {"0001-01-01", "0001-01-01"},
    {"9999-12-31", "9999-12-31"},           {"1600-02-29", "1600-02-29"},
    {"1969-12-31", "1969-12-31"},           {"2012-06-05T10:00:00Z", "2012-06-05"}};
/* FHIR instants: the cell is what f2c_render_datetime makes of them (UTC, offset applied) */
static const pair instants[] = {
    {"2012-06-05T01:00:00+05:00", "2012-06-04T20:00:00Z"},
    {"2020-02-29T23:30:00.5-01:00", "2020-03-01T00:30:00.5Z"},
    {"1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"},
    {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
    {"9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"},
    {"2012-06-05T10:20:30.120Z", "2012-06-05T10:20:30.12Z"},
    {"2012-06-05T10:20:30.1234567+00:00", "2012-06-05T10:20:30.123457Z"},
    {"1600-02-29T12:00:00-14:00", "1600-03-01T02:00:00Z"},
    {"2012-06-05T00:00:00.000000Z", "2012-06-05T00:00:00Z"},
    {"2000-01-01T00:00:00.000001+01:00", "1999-12-31T23:00:00.000001Z"}};
static const pair locals[] = {{"2012-06-05T10:20:30", "2012-06-05T10:20:30"},
                              {"1969-12-31T23:59:59.5", "1969-12-31T23:59:59.5"},
                              {"2012-06-05T10:20:30.000", "2012-06-05T10:20:30"},
                              {"0001-01-01T00:00:00", "0001-01-01T00:00:00"},
                              {"9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999"},
                              {"1970-01-01T00:00:00.0000004", "1970-01-01T00:00:00"}};
static const pair times[] = {{"00:00:00", "00:00:00"},
                             {"23:59:59.999999", "23:59:59.999999"},
                             {"12:30:00.250", "12:30:00.25"},
                             {"10:00:00.1234564", "10:00:00.123456"},
                             {"07:08:09.000001", "07:08:09.000001"}};
static const char *const texts[] = {
    "plain",         "comma, \"quote\"\r\nline", "caf\xc3\xa9", "\xe2\x82\xac 12",
    "[\"a\",\"b\"]", " leading and trailing ",   "x",           "PAR"};

#define PICK(list, h) (&(list)[(h) % (sizeof(list) / sizeof((list)[0]))])

/* Appends a to in and b to want. */
static void put2(f2c_buf *in, f2c_buf *want, const char *a, const char *b)
{
    if (f2c_buf_appends(in, a) != 0 || f2c_buf_appends(want, b) != 0) abort();
}

/* "." and k fraction digits from h, the last one non-zero (canonical), at t[n..]; new n. */
static int put_fraction(char *t, int n, uint64_t h, int k)
{
    if (k) t[n++] = '.';
    for (int i = 0; i < k; i++)
        t[n++] = i == k - 1 ? (char)('1' + (int)((h >> (3 * i)) % 9))
                            : (char)('0' + (int)((h >> (3 * i)) % 10));
    t[n] = '\0';
    return n;
}

/* A FHIR instant rendered as the engine renders it, or a local/UTC timestamp made of random
 * fields in canonical form. */
static void gen_timestamp(uint64_t h, int utc, f2c_buf *in, f2c_buf *want)
{
    if (h % 3 != 0) {
        const pair *p = utc ? PICK(instants, h >> 8) : PICK(locals, h >> 8);
        const char *why = NULL;
        if (!utc) {
            put2(in, want, p->in, p->want);
        } else if (f2c_render_datetime(p->in, strlen(p->in), F2C_T_INSTANT, in, &why) !=
                       F2C_RENDER_OK ||
                   f2c_buf_appends(want, p->want) != 0) {
            CHECK_FAIL("render %s: %s", p->in, why ? why : "?");
        }
        return;
    }
    char t[64];
    int n = snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d", 1 + (int)((h >> 2) % 9999),
                     1 + (int)((h >> 16) % 12), 1 + (int)((h >> 20) % 28), (int)((h >> 25) % 24),
                     (int)((h >> 30) % 60), (int)((h >> 36) % 60));
    n = put_fraction(t, n, h >> 45, (int)((h >> 42) % 7));
    if (utc) t[n++] = 'Z', t[n] = '\0';
    put2(in, want, t, t);
}

/* A TIME cell: a listed case or random canonical fields. */
static void gen_time(uint64_t h, f2c_buf *in, f2c_buf *want)
{
    if (h % 2) {
        const pair *p = PICK(times, h >> 8);
        put2(in, want, p->in, p->want);
        return;
    }
    char t[32];
    int n = snprintf(t, sizeof t, "%02d:%02d:%02d", (int)((h >> 8) % 24), (int)((h >> 16) % 60),
                     (int)((h >> 24) % 60));
    put_fraction(t, n, h >> 40, (int)((h >> 32) % 7));
    put2(in, want, t, t);
}

/* A DATE cell: a listed case (dateTime forms included) or a random canonical date. */
static void gen_date(uint64_t h, f2c_buf *in, f2c_buf *want)
{
    if (h % 2) {
        const pair *p = PICK(dates, h >> 8);
        put2(in, want, p->in, p->want);
        return;
    }
    char t[16];
    snprintf(t, sizeof t, "%04d-%02d-%02d", 1 + (int)((h >> 8) % 9999), 1 + (int)((h >> 24) % 12),
             1 + (int)((h >> 32) % 28));
    put2(in, want, t, t);
}

/* An INT32 or INT64 cell: a listed case (limits, signs, leading zeros) or a random value. */
static void gen_int(uint64_t h, int bits, f2c_buf *in, f2c_buf *want)
{
    if (h % 3 == 0) {
        const pair *p = bits == 32 ? PICK(int32s, h >> 8) : PICK(int64s, h >> 8);
        put2(in, want, p->in, p->want);
        return;
    }
    char t[32];
    long long v = bits == 32 ? (long long)(int32_t)(uint32_t)(h >> 8)
                             : (h & 1 ? -(long long)(h >> 2) : (long long)(h >> 2));
    snprintf(t, sizeof t, "%lld", v);
    put2(in, want, t, t);
}

/* Appends k zeros to b. */
static void zeros(f2c_buf *b, int k)
{
    while (k-- > 0)
        if (f2c_buf_appendc(b, '0') != 0) abort();
}

/* A decimal of DECIMAL(p, s): ni integer digits (<= p - s) and nf fraction digits (<= s); the
 * input sometimes with an exponent, or one more digit that rounds away; the expected text has
 * exactly s fraction digits, no sign for zero. */
static void gen_decimal(uint64_t h, int p, int s, f2c_buf *in, f2c_buf *want)
{
    int ni = (int)(h % (uint64_t)(p - s + 1)), nf = (int)((h >> 8) % (uint64_t)(s + 1));
    int max = (h >> 16) % 11 == 0, neg = (int)((h >> 20) & 1), form = (int)((h >> 24) % 5);
    if (max) ni = p - s, nf = s;
    char ip[48], fp[48];
    uint64_t d = mix(h);
    int nonzero = 0;
    for (int i = 0; i < ni; i++, d = mix(d))
        nonzero |= (ip[i] = max ? '9' : (char)('0' + (int)(d % 10))) != '0';
    for (int i = 0; i < nf; i++, d = mix(d))
        nonzero |= (fp[i] = max ? '9' : (char)('0' + (int)(d % 10))) != '0';
    ip[ni] = fp[nf] = '\0';
    const char *ipart = ni ? ip : "0", *ipz = ip;
    if (neg && f2c_buf_appendc(in, '-') != 0) abort();
    if (form == 0 && nf > 0) { /* digits and an exponent: 12.34 as 1234e-2 */
        f2c_buf_printf(in, "%s%se-%d", ipart, fp, nf);
    } else if (form == 1) { /* one more digit, which rounds away (half-even: 1 rounds down) */
        f2c_buf_printf(in, "%s.%s", ipart, fp);
        zeros(in, s - nf);
        f2c_buf_appendc(in, '1');
    } else {
        f2c_buf_printf(in, "%s%s%s", ipart, nf ? "." : "", fp);
    }
    while (*ipz == '0')
        ipz++;
    f2c_buf_printf(want, "%s%s", neg && nonzero ? "-" : "", *ipz ? ipz : "0");
    if (s > 0) {
        f2c_buf_printf(want, ".%s", fp);
        zeros(want, s - nf);
    }
}

/* A STRING cell (never empty): distinct ~600-byte values (sc->distinct), a long one now and
 * then in the long column, listed texts (quotes, CR LF, UTF-8) or few repeated values. */
static void gen_string(const gen *g, uint64_t h, size_t row, size_t col, f2c_buf *in, f2c_buf *want)
{
    if (g->sc->distinct) {
        f2c_buf_printf(in, "row %zu col %zu ", row, col);
        while (in->len < 600)
            f2c_buf_appendc(in, (char)('a' + (h = mix(h)) % 26));
    } else if (col == g->long_col && row % 97 == 40) {
        size_t n = 1000 + h % 70000;
        while (in->len < n)
            f2c_buf_appendc(in, (char)('A' + (h = mix(h)) % 4)); /* compressible, not trivial */
    } else if (h % 3 == 0) {
        f2c_buf_appends(in, *PICK(texts, h >> 8));
    } else {
        f2c_buf_printf(in, "v%llu", (unsigned long long)(h >> 8) % 1000);
    }
    if (f2c_buf_append(want, in->data, in->len) != 0) abort();
}

/* The input cell of (row, col) into in, the text reading it back must give into want (empty:
 * a null, also for a value the sink cannot store). */
static void gen_cell(const gen *g, size_t row, size_t col, const f2c_pq_column *pc, f2c_buf *in,
                     f2c_buf *want)
{
    uint64_t h = mix(g->seed ^ mix(row * 0x100000001B3ull ^ mix(col)));
    f2c_buf_reset(in);
    f2c_buf_reset(want);
    if (row == 3 || h % 7 == 0) return;
    h /= 7;
    if (pc->kind != F2C_PQ_STRING && h % 53 == 1) {
        f2c_buf_appends(in, "not-a-value"); /* left null with a warning */
        return;
    }
    switch (pc->kind) {
    case F2C_PQ_BOOLEAN:
        put2(in, want, h % 2 ? "true" : "false", h % 2 ? "true" : "false");
        break;
    case F2C_PQ_INT32:
    case F2C_PQ_INT64:
        gen_int(h, pc->kind == F2C_PQ_INT32 ? 32 : 64, in, want);
        break;
    case F2C_PQ_DECIMAL:
        gen_decimal(h, pc->precision, pc->scale, in, want);
        break;
    case F2C_PQ_DATE:
        gen_date(h, in, want);
        break;
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
        gen_timestamp(h, pc->kind == F2C_PQ_TIMESTAMP, in, want);
        break;
    case F2C_PQ_TIME:
        gen_time(h, in, want);
        break;
    default:
        gen_string(g, h, row, col, in, want);
        break;
    }
}

/* ---- one table's partitions ---------------------------------------------------------------- */

/* A table's columns as the sink maps them under scenario sc, and its generator. */
typedef struct tab {
    const f2c_table *t;
    size_t width;
    f2c_pq_column *pcs;
    gen g;
    char dir[160];
    char name[64];
} tab;

/* x for table t (the ti-th of its set) under sc: the columns as the sink maps them (pcs owned:
 * free it), a generator seeded by (ti, sc), the partition's folder and file name. */
static void tab_init(tab *x, const f2c_table *t, const scen *sc, size_t ti)
{
    int p = sc->precision ? sc->precision : 38, s = sc->precision ? sc->scale : 18;
    x->t = t;
    x->width = f2c_table_width(t);
    if (!(x->pcs = calloc(x->width, sizeof *x->pcs))) abort();
    uint64_t h = ti * 7919;
    for (const char *c = sc->name; *c; c++)
        h = mix(h ^ (uint8_t)*c);
    x->g = (gen){.seed = h, .sc = sc, .long_col = SIZE_MAX};
    for (size_t i = 0; i < x->width; i++) {
        f2c_sink_parquet_column(t, i, p, s, &x->pcs[i]);
        if (x->pcs[i].kind == F2C_PQ_STRING && x->g.long_col == SIZE_MAX && i > 0)
            x->g.long_col = i;
    }
    snprintf(x->dir, sizeof x->dir, "data/%s", t->entity);
    snprintf(x->name, sizeof x->name, "%s.parquet", sc->name);
}

/* The sink's warn callback: counts into *(size_t *)ud. */
static void count_warn(void *ud, size_t col, const char *why)
{
    (void)col, (void)why;
    (*(size_t *)ud)++;
}

/* x's partition opened in tx (warnings counted into *warns) and its header written; NULL after
 * a failed check. */
static f2c_sink_part *open_part(const f2c_sink *s, f2c_commit *tx, const tab *x, size_t *warns)
{
    f2c_sink_part *p = NULL;
    f2c_error e;
    if (!CHECK(f2c_sink_open(s, tx, x->dir, x->name, x->t, count_warn, warns, &p, &e) == F2C_OK,
               "open %s/%s: %s", x->dir, x->name, e.message))
        return NULL;
    CHECK(f2c_sink_header(p, &e) == F2C_OK, "header: %s", e.message);
    return p;
}

/* Partition A: the generated cells of sc->rows rows. */
static void write_a(const f2c_sink *s, f2c_commit *tx, const tab *x, size_t rows)
{
    size_t warns = 0;
    f2c_sink_part *p = open_part(s, tx, x, &warns);
    f2c_buf *in = calloc(x->width, sizeof *in), want = {0};
    const char **cells = calloc(x->width, sizeof *cells);
    size_t *lens = calloc(x->width, sizeof *lens);
    if (!in || !cells || !lens) abort();
    f2c_error e;
    for (size_t r = 0; p && r < rows; r++) {
        for (size_t i = 0; i < x->width; i++) {
            gen_cell(&x->g, r, i, &x->pcs[i], &in[i], &want);
            cells[i] = in[i].data ? in[i].data : "";
            lens[i] = in[i].len;
        }
        if (!CHECK(f2c_sink_row(p, x->width, cells, lens, &e) == F2C_OK, "row: %s", e.message))
            break;
    }
    if (p) CHECK(f2c_sink_finish(p, &e) == F2C_OK, "finish %s: %s", x->name, e.message);
    for (size_t i = 0; i < x->width; i++)
        f2c_buf_free(&in[i]);
    f2c_buf_free(&want);
    free(in);
    free(cells);
    free(lens);
}

/* What the read callback checks and where it writes. */
typedef struct reader {
    const tab *x;       /* NULL: no expectation (hostile files) */
    f2c_sink_part *out; /* partition B, or NULL */
    size_t rows, width; /* rows seen; cells expected per row */
    size_t stop_after;  /* > 0: fail with F2C_ECONFIG at that row */
    f2c_buf in, want;
} reader;

/* Cell i of the row being read equals the generator's expected text. */
static void check_cell(reader *rd, size_t i, const char *cell, size_t len)
{
    const tab *x = rd->x;
    gen_cell(&x->g, rd->rows, i, &x->pcs[i], &rd->in, &rd->want);
    if (len == rd->want.len && (len == 0 || !memcmp(cell, rd->want.data, len))) {
        CHECK(1);
        return;
    }
    CHECK_FAIL("%s/%s row %zu column %s: read \"%.*s\"%s, expected \"%.*s\"%s (input \"%.*s\")",
               x->dir, x->name, rd->rows, x->pcs[i].name, (int)(len < 80 ? len : 80), cell,
               len > 80 ? "..." : "", (int)(rd->want.len < 80 ? rd->want.len : 80),
               rd->want.data ? rd->want.data : "", rd->want.len > 80 ? "..." : "",
               (int)(rd->in.len < 80 ? rd->in.len : 80), rd->in.data ? rd->in.data : "");
}

/* The f2c_sink_read_fn: width, expected texts, then the row into partition B; fails on request
 * (stop_after). */
static f2c_status on_row(void *ud, size_t n, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    reader *rd = ud;
    if (!CHECK(n == rd->width, "%zu cells, expected %zu", n, rd->width))
        return f2c_error_set(err, F2C_EIO, NULL, 0, 0, NULL, "width");
    for (size_t i = 0; rd->x && i < n; i++)
        check_cell(rd, i, cells[i], lens[i]);
    rd->rows++;
    if (rd->out) {
        f2c_status st = f2c_sink_row(rd->out, n, cells, lens, err);
        if (st != F2C_OK) return st;
    }
    if (rd->stop_after && rd->rows == rd->stop_after)
        return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL, "stopped by the callback");
    return F2C_OK;
}

/* Reads path with sink s as table t: the status, *err, rd->rows. */
static f2c_status read_file(const f2c_sink *s, const char *path, const f2c_table *t, reader *rd,
                            f2c_error *err)
{
    int fd = open(path, O_RDONLY);
    if (!CHECK(fd >= 0, "cannot open %s", path))
        return f2c_error_set(err, F2C_EIO, path, 0, 0, NULL, "cannot open");
    memset(err, 0, sizeof *err);
    f2c_status st = f2c_sink_read(s, fd, t, path, on_row, rd, err);
    close(fd);
    return st;
}

/* Partition B: partition A (published under out_a) read back and written again. */
static void rewrite_b(const f2c_sink *s, const char *out_a, f2c_commit *tx, const tab *x,
                      size_t rows)
{
    size_t warns = 0;
    reader rd = {.x = x, .width = x->width, .out = open_part(s, tx, x, &warns)};
    f2c_buf path = {0};
    f2c_error e;
    if (f2c_buf_printf(&path, "%s/%s/%s", out_a, x->dir, x->name) != 0) abort();
    f2c_status st = read_file(s, path.data, x->t, &rd, &e);
    CHECK(st == F2C_OK, "read %s: %s: %s", path.data, f2c_status_name(st), e.message);
    CHECK(rd.rows == rows, "%s: %zu rows read, %zu written", path.data, rd.rows, rows);
    if (rd.out) CHECK(f2c_sink_finish(rd.out, &e) == F2C_OK, "finish B %s: %s", x->name, e.message);
    CHECK(warns == 0, "%s: writing the read cells again drew %zu warnings", path.data, warns);
    f2c_buf_free(&rd.in);
    f2c_buf_free(&rd.want);
    f2c_buf_free(&path);
}

/* ---- the round trip ------------------------------------------------------------------------ */

/* A transaction on a fresh output folder out. */
static f2c_commit *begin(const char *out)
{
    f2c_commit *tx = NULL;
    f2c_error e;
    f2c_test_remove_tree(out);
    if (f2c_commit_begin(out, stderr, &tx, &e) != F2C_OK) {
        fprintf(stderr, "FAIL begin %s: %s\n", out, e.message);
        exit(1);
    }
    return tx;
}

/* Publishes tx (a dummy record: only the partitions matter here). */
static void commit(f2c_commit *tx)
{
    f2c_error e;
    CHECK(f2c_commit_finish(tx, "model.json", "{}\n", 3, NULL, NULL, 0, &e) == F2C_OK, "commit: %s",
          e.message);
}

/* The file is what the scenario claims (the test-only reader, apart from the one tested). */
static void check_coverage(const char *path, const scen *sc, const tab *x)
{
    f2c_buf b = {0};
    pqr_file f;
    char why[256];
    if (!CHECK(f2c_test_read_file(path, &b) == 0, "cannot read %s", path)) return;
    if (CHECK(pqr_read((const uint8_t *)b.data, b.len, &f, why, sizeof why) == 0, "%s: %s", path,
              why)) {
        CHECK(f.nrows == sc->rows && f.ncols == x->width, "%s: %llu rows", path,
              (unsigned long long)f.nrows);
        CHECK(f.ncols == 0 || f.cols[0].codec == sc->codec, "%s: codec %d", path,
              f.ncols ? f.cols[0].codec : -1);
        int fallback = 0, paged = 0;
        for (size_t i = 0; i < f.ncols; i++) {
            fallback |= f.cols[i].dict_data_pages > 0 && f.cols[i].plain_pages > 0;
            paged |= f.cols[i].dict_data_pages + f.cols[i].plain_pages > (int)f.nrow_groups;
        }
        if (!strcmp(sc->name, "groups") && !strcmp(x->t->name, VIEW_NAME))
            CHECK(f.nrow_groups >= 2, "%s: %zu row groups", path, f.nrow_groups);
        if (sc->distinct) CHECK(fallback, "%s: no dictionary fell back to PLAIN", path);
        if (sc->rows > 20000) CHECK(paged, "%s: no chunk of several pages", path);
    }
    pqr_free(&f);
    f2c_buf_free(&b);
}

/* Files a and b are byte-identical. */
static void compare_files(const char *a, const char *b)
{
    f2c_buf x = {0}, y = {0};
    if (CHECK(f2c_test_read_file(a, &x) == 0 && f2c_test_read_file(b, &y) == 0,
              "cannot read %s or %s", a, b))
        CHECK(x.len == y.len && !memcmp(x.data, y.data, x.len),
              "%s (%zu bytes) and its rewrite %s (%zu bytes) differ", a, x.len, b, y.len);
    f2c_buf_free(&x);
    f2c_buf_free(&y);
}

/* Every table of ts under sc: written (A), read back and written again (B), compared. */
static void run_scenario(const char *work, const char *set, const f2c_tableset *ts, const scen *sc)
{
    f2c_buf a = {0}, b = {0};
    if (f2c_buf_printf(&a, "%s/%s-%s-a", work, set, sc->name) != 0 ||
        f2c_buf_printf(&b, "%s/%s-%s-b", work, set, sc->name) != 0)
        abort();
    f2c_sink s = make_sink(sc);
    tab *xs = calloc(ts->count, sizeof *xs);
    if (!xs) abort();
    for (size_t i = 0; i < ts->count; i++)
        tab_init(&xs[i], &ts->tables[i], sc, i);
    f2c_commit *tx = begin(a.data);
    for (size_t i = 0; i < ts->count; i++)
        write_a(&s, tx, &xs[i], sc->rows);
    commit(tx);
    tx = begin(b.data);
    for (size_t i = 0; i < ts->count; i++)
        rewrite_b(&s, a.data, tx, &xs[i], sc->rows);
    commit(tx);
    for (size_t i = 0; i < ts->count; i++) {
        f2c_buf pa = {0}, pb = {0};
        if (f2c_buf_printf(&pa, "%s/%s/%s", a.data, xs[i].dir, xs[i].name) != 0 ||
            f2c_buf_printf(&pb, "%s/%s/%s", b.data, xs[i].dir, xs[i].name) != 0)
            abort();
        compare_files(pa.data, pb.data);
        check_coverage(pa.data, sc, &xs[i]);
        f2c_buf_free(&pa);
        f2c_buf_free(&pb);
        free(xs[i].pcs);
    }
    printf("%s %s: %zu tables of %zu rows read back and rewritten\n", set, sc->name, ts->count,
           sc->rows);
    free(xs);
    f2c_sink_free(&s);
    f2c_buf_free(&a);
    f2c_buf_free(&b);
}

/* ---- hostile files ------------------------------------------------------------------------- */

/* A read of a damaged file: F2C_EIO naming it, or rows of the table's width (on_row checks). */
static int read_damaged(const f2c_sink *s, const char *path, const f2c_table *t, size_t width,
                        const char *what, size_t at)
{
    reader rd = {.width = width};
    f2c_error e;
    f2c_status st = read_file(s, path, t, &rd, &e);
    CHECK(st == F2C_OK || st == F2C_EIO, "%s at %zu: %s", what, at, f2c_status_name(st));
    if (st == F2C_EIO)
        CHECK(!strcmp(e.file, path) && e.message[0], "%s at %zu: error names \"%s\": %s", what, at,
              e.file, e.message);
    return st == F2C_EIO;
}

/* The file at src truncated at every stride-th length and near both ends (EIO each), then one
 * byte flipped at every stride-th offset with nmasks masks (EIO or rows; never a crash), the
 * magic and footer length always EIO. */
static void damage(const f2c_sink *s, const char *src, const char *work, const f2c_table *t,
                   size_t stride, size_t nmasks)
{
    f2c_buf orig = {0}, path = {0};
    if (f2c_buf_printf(&path, "%s/damaged.parquet", work) != 0) abort();
    if (!CHECK(f2c_test_read_file(src, &orig) == 0 && orig.len > 16, "cannot read %s", src)) return;
    size_t width = f2c_table_width(t), refused = 0, trials = 0;
    int fd = open(path.data, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (!CHECK(fd >= 0) || !CHECK(pwrite(fd, orig.data, orig.len, 0) == (ssize_t)orig.len)) abort();
    for (size_t n = orig.len; n-- > 0;) {
        if (n % stride && n > 16 && n < orig.len - 16) continue;
        if (ftruncate(fd, (off_t)n) != 0) abort();
        CHECK(read_damaged(s, path.data, t, width, "truncated", n), "truncated to %zu: not EIO", n);
    }
    if (pwrite(fd, orig.data, orig.len, 0) != (ssize_t)orig.len) abort();
    static const uint8_t masks[] = {0xFF, 0x01, 0x80, 0x10};
    for (size_t at = 0; at < orig.len; at++) {
        int edge = at < 4 || at >= orig.len - 8;
        if (at % stride && !edge) continue;
        for (size_t m = 0; m < nmasks && m < sizeof masks; m++) {
            uint8_t c = (uint8_t)orig.data[at] ^ masks[m];
            if (pwrite(fd, &c, 1, (off_t)at) != 1) abort();
            int eio = read_damaged(s, path.data, t, width, "flipped", at);
            CHECK(eio || !edge, "byte %zu (magic or footer length) flipped: not EIO", at);
            refused += (size_t)eio;
            trials++;
            if (pwrite(fd, orig.data + at, 1, (off_t)at) != 1) abort();
        }
    }
    printf("%s: truncations refused; %zu of %zu flipped bytes refused\n", src, refused, trials);
    close(fd);
    f2c_buf_free(&orig);
    f2c_buf_free(&path);
}

/* Writes text as the whole file at path. */
static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) abort();
}

/* Files that are not what the table's sink writes, and a callback that stops the reading. */
static void refusals(const char *work, const f2c_tableset *views, const f2c_tableset *config)
{
    f2c_buf path = {0}, junk = {0};
    if (f2c_buf_printf(&path, "%s/views-zstd-a/data/%s/zstd.parquet", work,
                       views->tables[0].entity) != 0 ||
        f2c_buf_printf(&junk, "%s/not-parquet.parquet", work) != 0)
        abort();
    f2c_sink def = make_sink(&scens[0]), other = make_sink(&scens[1]);
    const f2c_table *view = &views->tables[0];
    reader rd = {.width = f2c_table_width(view)};
    f2c_error e;
    f2c_status st = read_file(&other, path.data, view, &rd, &e);
    CHECK(st == F2C_EIO && strstr(e.message, "schema") && !strcmp(e.file, path.data),
          "other decimal options: %s: %s", f2c_status_name(st), e.message);
    rd = (reader){.width = f2c_table_width(&config->tables[0])};
    st = read_file(&def, path.data, &config->tables[0], &rd, &e);
    CHECK(st == F2C_EIO && strstr(e.message, "schema") && rd.rows == 0,
          "another table's file: %s: %s", f2c_status_name(st), e.message);
    write_text(junk.data, "ResourceId,Name\n1,a\n");
    st = read_file(&def, junk.data, view, &rd, &e);
    CHECK(st == F2C_EIO && strstr(e.message, "PAR1"), "CSV text: %s: %s", f2c_status_name(st),
          e.message);
    rd = (reader){.width = f2c_table_width(view), .stop_after = 5};
    st = read_file(&def, path.data, view, &rd, &e);
    CHECK(st == F2C_ECONFIG && rd.rows == 5 && strstr(e.message, "stopped"),
          "callback error: %s after %zu rows: %s", f2c_status_name(st), rd.rows, e.message);
    f2c_sink_free(&def);
    f2c_sink_free(&other);
    f2c_buf_free(&path);
    f2c_buf_free(&junk);
}

/* A partition without rows reads as no row and rewrites to the same bytes. */
static void empty_partition(const char *work, const f2c_tableset *views)
{
    static const scen none = {"empty", "zstd", 0, 0, 0, 0, 0, 0, 0, 6};
    tab x;
    tab_init(&x, &views->tables[0], &none, 0);
    f2c_sink s = make_sink(&none);
    f2c_buf a = {0}, b = {0}, pa = {0}, pb = {0};
    if (f2c_buf_printf(&a, "%s/empty-a", work) != 0 ||
        f2c_buf_printf(&b, "%s/empty-b", work) != 0 ||
        f2c_buf_printf(&pa, "%s/%s/%s", a.data, x.dir, x.name) != 0 ||
        f2c_buf_printf(&pb, "%s/%s/%s", b.data, x.dir, x.name) != 0)
        abort();
    f2c_commit *tx = begin(a.data);
    write_a(&s, tx, &x, 0);
    commit(tx);
    tx = begin(b.data);
    rewrite_b(&s, a.data, tx, &x, 0);
    commit(tx);
    compare_files(pa.data, pb.data);
    free(x.pcs);
    f2c_sink_free(&s);
    f2c_buf_free(&a);
    f2c_buf_free(&b);
    f2c_buf_free(&pa);
    f2c_buf_free(&pb);
}

/* Small files (no long string) of the view in each codec, damaged at every byte; the file of
 * several row groups damaged sparsely. */
static const scen smalls[] = {
    {"small-zstd", "zstd", 0, 0, 0, 0, 12, 0, 1, 6},
    {"small-snappy", "snappy", 20, 4, 0, 0, 12, 0, 1, 1},
    {"small-none", "none", 38, 10, 0, 0, 12, 0, 1, 0},
};

static void hostile(const char *work, const f2c_tableset *views, const f2c_tableset *config)
{
    refusals(work, views, config);
    empty_partition(work, views);
    for (size_t i = 0; i < sizeof smalls / sizeof smalls[0] + 1; i++) {
        int big = i == sizeof smalls / sizeof smalls[0];
        const scen *sc = big ? &scens[2] : &smalls[i];
        if (!big) run_scenario(work, "views", views, sc);
        f2c_buf src = {0};
        if (f2c_buf_printf(&src, "%s/views-%s-a/data/%s/%s.parquet", work, sc->name,
                           views->tables[0].entity, sc->name) != 0)
            abort();
        f2c_sink s = make_sink(sc);
        damage(&s, src.data, work, &views->tables[0], big ? 211 : 1, big ? 1 : 4);
        f2c_sink_free(&s);
        f2c_buf_free(&src);
    }
}

/* Every Parquet kind, and each storage of DECIMAL, has a column in the tables tested. */
static void check_kinds(const f2c_tableset *config, const f2c_tableset *views)
{
    size_t kinds[F2C_PQ_TIMESTAMP_LOCAL + 1] = {0}, storage[3] = {0};
    const f2c_tableset *sets[] = {config, views};
    for (size_t k = 0; k < 2; k++)
        for (size_t t = 0; t < sets[k]->count; t++)
            for (size_t i = 0; i < f2c_table_width(&sets[k]->tables[t]); i++) {
                f2c_pq_column c;
                f2c_sink_parquet_column(&sets[k]->tables[t], i, 38, 18, &c);
                kinds[c.kind]++;
                if (c.kind == F2C_PQ_DECIMAL)
                    storage[c.precision <= 9 ? 0 : c.precision <= 18 ? 1 : 2]++;
            }
    for (int k = F2C_PQ_BOOLEAN; k <= F2C_PQ_TIMESTAMP_LOCAL; k++)
        CHECK(kinds[k] > 0, "no column of Parquet kind %d", k);
    CHECK(storage[0] && storage[1] && storage[2],
          "decimals stored as INT32 %zu, INT64 %zu, "
          "FIXED_LEN_BYTE_ARRAY %zu",
          storage[0], storage[1], storage[2]);
}

/* ---- main ---------------------------------------------------------------------------------- */

/* Loads in into *ts (tables only); exits on failure, printing the diagnostics. */
static void load(f2c_schema_input *in, f2c_tableset *ts, const char *what)
{
    f2c_diags d = {0};
    if (f2c_schema_load(in, ts, NULL, &d) != F2C_OK) {
        f2c_schema_print_diags(stderr, "FAIL ", &d);
        fprintf(stderr, "FAIL cannot load %s\n", what);
        exit(1);
    }
    f2c_diags_free(&d);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_parquet_read SAMPLES_DIR VIEW_FILE WORK\n");
        return 2;
    }
    f2c_check_print_limit = 40;
    f2c_buf cfg = {0};
    if (f2c_buf_printf(&cfg, "%s/config", argv[1]) != 0) abort();
    const char *views[] = {argv[2]};
    f2c_tableset config, view;
    load(&(f2c_schema_input){.config_dir = cfg.data, .max_depth = F2C_DEFAULT_MAX_DEPTH}, &config,
         cfg.data);
    load(&(f2c_schema_input){.views = views, .nviews = 1}, &view, argv[2]);
    CHECK(config.count == 22 && view.count == 1 && !strcmp(view.tables[0].name, VIEW_NAME),
          "%zu configured tables, %zu views", config.count, view.count);
    check_kinds(&config, &view);
    mkdir(argv[3], 0777);
    for (size_t i = 0; i < NSCENS; i++) {
        run_scenario(argv[3], "views", &view, &scens[i]);
        if (!scens[i].view_only) run_scenario(argv[3], "config", &config, &scens[i]);
    }
    hostile(argv[3], &view, &config);
    f2c_schema_free(&config, NULL);
    f2c_schema_free(&view, NULL);
    f2c_buf_free(&cfg);
    return f2c_check_report("parquet.read");
}
