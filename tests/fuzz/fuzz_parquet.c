/*
 * fuzz_parquet: libFuzzer target for the Parquet writer (lib/cdm/f2c_parquet.c) and the cell
 * conversions in front of it (lib/cdm/f2c_pq_value.c).
 *
 * Why a round trip: the writer's input is rows, not bytes, so the input bytes drive a random
 * schema (1..8 columns of random kinds, random decimal precision/scale), a random codec, tiny
 * page / dictionary / row-group budgets (so pages split, dictionaries fall back to PLAIN and row
 * groups close mid-file), and rows of random values (nulls, empty and long strings, repeated
 * strings for the dictionary, extreme numbers such as +-(10^p - 1)); the file is written into
 * memory, read back by the test-only reader pq_readback.c (which shares no code with the
 * writer), and every value, the row count, the schema's types, the statistics (null count,
 * min/max) and the key/value metadata are checked; writing the same rows again must give the
 * same bytes.  Any difference aborts (a finding).  The file is also read by the sink's reader
 * (lib/cdm/f2c_parquet_read.c, pq_read_rows): every cell must convert back (f2c_pq_value) to the
 * value written, or the read must be F2C_EIO exactly when some value has no cell text (an empty
 * string, a date or timestamp outside 0001..9999); then a copy with bytes flipped where the
 * input's tail says must be read or refused, never crash.  The input is also fed to every
 * text -> value conversion, whose results must respect their documented bounds.
 * Seeds: tests/fuzz/corpus/parquet/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir2cdm/f2c_parquet.h"

#include "f2c_parquet_read.h" /* lib/cdm internal: the sink's reader */
#include "f2c_pq_value.h"     /* lib/cdm internal: the converters */
#include "pq_readback.h"      /* the test-only reader */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 3000
#define MAX_COLS 8
#define LONG_MAX_BYTES 20000
#define TEXT_BUDGET (2u << 20) /* string bytes per input: bounds memory at -max_len=65536 */

typedef struct in {
    const uint8_t *p;
    size_t n;
} in;

static uint64_t take(in *s, int k)
{
    uint64_t v = 0;
    for (int i = 0; i < k; i++) {
        v = (v << 8) | (s->n ? *s->p : 0);
        if (s->n) s->p++, s->n--;
    }
    return v;
}

typedef struct expect {
    int null;
    int64_t i;
    uint64_t lo;
    size_t off, len; /* strings: bytes in the text buffer */
} expect;

typedef struct model {
    f2c_pq_column cols[MAX_COLS];
    char names[MAX_COLS][8];
    size_t ncols, nrows;
    expect *v[MAX_COLS];
    char *text;
    size_t ntext, captext;
    f2c_pq_options o;
} model;

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static int mem_write(void *ud, const void *data, size_t len, f2c_error *err)
{
    membuf *m = ud;
    (void)err;
    if (m->n + len > m->cap) {
        size_t cap = (m->n + len) * 2;
        uint8_t *p = realloc(m->p, cap);
        if (!p) abort();
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return 0;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_parquet: " __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* ---- the random model ---------------------------------------------------------------------- */

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static u128 pow10u(int k)
{
    u128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

static void schema(in *s, model *m)
{
    m->ncols = 1 + take(s, 1) % MAX_COLS;
    static const f2c_pq_codec codecs[] = {F2C_PQ_ZSTD, F2C_PQ_SNAPPY, F2C_PQ_UNCOMPRESSED};
    m->o.codec = codecs[take(s, 1) % 3];
    m->o.page_bytes = 16 + take(s, 2) % 4096;
    m->o.dict_bytes = 16 + take(s, 2) % 4096;
    m->o.row_group_bytes = 256 + take(s, 2) % 65536;
    for (size_t i = 0; i < m->ncols; i++) {
        snprintf(m->names[i], sizeof m->names[i], "c%zu", i);
        int kind = F2C_PQ_BOOLEAN + (int)(take(s, 1) % 9); /* every f2c_pq_kind */
        int p = 1 + (int)(take(s, 1) % 38);
        m->cols[i] = (f2c_pq_column){.name = m->names[i],
                                     .kind = (f2c_pq_kind)kind,
                                     .precision = p,
                                     .scale = (int)(take(s, 1) % (uint64_t)(p + 1))};
    }
}

static void add_text(model *m, const char *t, size_t n, expect *e)
{
    if (!m->text || m->ntext + n > m->captext) { /* never NULL: e->off is added to it */
        m->captext = (m->ntext + n) * 2 + 64;
        if (!(m->text = realloc(m->text, m->captext))) abort();
    }
    memcpy(m->text + m->ntext, t, n);
    e->off = m->ntext;
    e->len = n;
    m->ntext += n;
}

static void string_value(in *s, model *m, unsigned c, expect *e)
{
    static const char *const palette[] = {
        "", "a", "male", "female", "unknown", "final", "http://loinc.org", "\xc3\xa9t\xc3\xa9"};
    char buf[LONG_MAX_BYTES];
    size_t n = take(s, 1);
    if (c & 0x40) {
        const char *t = palette[n % 8];
        add_text(m, t, strlen(t), e);
        return;
    }
    if ((c & 0x80) && m->ntext < TEXT_BUDGET) /* long: past page and dictionary budgets */
        n = n * 79 % LONG_MAX_BYTES;
    uint8_t seed = (uint8_t)take(s, 1);
    for (size_t i = 0; i < n; i++) /* printable ASCII: valid UTF-8 is the caller's duty */
        buf[i] = (char)(0x20 + (i < 16 ? take(s, 1) : (uint64_t)(seed + i)) % 95);
    add_text(m, buf, n, e);
}

static void decimal_value(in *s, const f2c_pq_column *c, unsigned ctl, expect *e)
{
    u128 lim = pow10u(c->precision), u = ((u128)take(s, 8) << 64) | take(s, 8);
    u = (ctl & 0x30) == 0x30 ? lim - 1 : u % lim; /* sometimes the extreme */
    i128 v = (ctl & 0x08) ? -(i128)u : (i128)u;
    e->i = (int64_t)(v >> 64);
    e->lo = (uint64_t)v;
}

static void one_value(in *s, model *m, size_t col, expect *e)
{
    const f2c_pq_column *c = &m->cols[col];
    unsigned ctl = (unsigned)take(s, 1);
    *e = (expect){0};
    if (ctl % 5 == 0) {
        e->null = 1;
        return;
    }
    switch (c->kind) {
    case F2C_PQ_BOOLEAN:
        e->i = (ctl >> 3) & 1;
        break;
    case F2C_PQ_INT32:
    case F2C_PQ_DATE:
        e->i = (int32_t)(uint32_t)take(s, 4);
        break;
    case F2C_PQ_INT64:
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
        e->i = (int64_t)take(s, 8);
        break;
    case F2C_PQ_TIME:
        e->i = (int64_t)(take(s, 8) % 86400000000ull);
        break;
    case F2C_PQ_DECIMAL:
        decimal_value(s, c, ctl, e);
        break;
    case F2C_PQ_STRING:
        string_value(s, m, ctl, e);
        break;
    }
}

static void rows(in *s, model *m)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (!(m->v[i] = calloc(MAX_ROWS, sizeof(expect)))) abort();
    size_t want = take(s, 2) % MAX_ROWS;
    while (m->nrows < want && s->n > 0) {
        for (size_t i = 0; i < m->ncols; i++)
            one_value(s, m, i, &m->v[i][m->nrows]);
        m->nrows++;
    }
}

/* ---- write ---------------------------------------------------------------------------------- */

static void put(f2c_pq_writer *w, const model *m, size_t col, size_t row)
{
    const expect *e = &m->v[col][row];
    f2c_error err;
    f2c_status st;
    if (e->null) {
        st = f2c_pq_null(w, col, &err);
    } else {
        switch (m->cols[col].kind) {
        case F2C_PQ_BOOLEAN:
            st = f2c_pq_bool(w, col, (int)e->i, &err);
            break;
        case F2C_PQ_INT32:
        case F2C_PQ_DATE:
            st = f2c_pq_int32(w, col, (int32_t)e->i, &err);
            break;
        case F2C_PQ_DECIMAL:
            st = f2c_pq_decimal(w, col, e->i, e->lo, &err);
            break;
        case F2C_PQ_STRING:
            st = f2c_pq_bytes(w, col, m->text + e->off, e->len, &err);
            break;
        default:
            st = f2c_pq_int64(w, col, e->i, &err);
            break;
        }
    }
    if (st != F2C_OK) FAIL("setter: %s", err.message);
}

static void write_file(const model *m, membuf *out)
{
    static const f2c_pq_kv kv[] = {{"fhir2cdm.version", "fuzz"}, {"fhir2cdm.entity", "LocalFuzz"}};
    f2c_pq_options o = m->o;
    o.created_by = "fhir2cdm fuzz";
    o.kv = kv;
    o.nkv = 2;
    f2c_pq_writer *w = NULL;
    f2c_error err;
    if (f2c_pq_writer_new(m->cols, m->ncols, &o, mem_write, out, "fuzz.parquet", &w, &err) !=
        F2C_OK)
        FAIL("writer_new: %s", err.message);
    for (size_t r = 0; r < m->nrows; r++) {
        for (size_t i = 0; i < m->ncols; i++)
            put(w, m, i, r);
        if (f2c_pq_end_row(w, &err) != F2C_OK) FAIL("end_row: %s", err.message);
    }
    if (f2c_pq_rows(w) != m->nrows) FAIL("f2c_pq_rows %llu", (unsigned long long)f2c_pq_rows(w));
    if (f2c_pq_finish(w, &err) != F2C_OK) FAIL("finish: %s", err.message);
    f2c_pq_writer_free(w);
}

/* ---- check ---------------------------------------------------------------------------------- */

/* The physical and logical type f2c_parquet.h's table gives kind c. */
static void check_types(const f2c_pq_column *c, const pqr_column *g)
{
    static const int physical[] = {0,         PQR_BOOLEAN, PQR_INT32, PQR_INT64,      -1,
                                   PQR_INT32, PQR_INT64,   PQR_INT64, PQR_BYTE_ARRAY, PQR_INT64};
    static const pqr_logical logical[] = {
        0,          PQR_L_NONE,      PQR_L_INTEGER, PQR_L_INTEGER, PQR_L_DECIMAL,
        PQR_L_DATE, PQR_L_TIMESTAMP, PQR_L_TIME,    PQR_L_STRING,  PQR_L_TIMESTAMP};
    int want = physical[c->kind];
    if (c->kind == F2C_PQ_DECIMAL)
        want = c->precision <= 9 ? PQR_INT32 : c->precision <= 18 ? PQR_INT64 : PQR_FLBA;
    if (g->physical != want || g->logical != logical[c->kind] || strcmp(g->name, c->name))
        FAIL("column %s kind %d: physical %d logical %d", c->name, c->kind, g->physical,
             g->logical);
    if (c->kind == F2C_PQ_DECIMAL && (g->precision != c->precision || g->scale != c->scale))
        FAIL("column %s: DECIMAL(%d,%d) read as (%d,%d)", c->name, c->precision, c->scale,
             g->precision, g->scale);
    if (c->kind == F2C_PQ_DECIMAL && want == PQR_FLBA) {
        int bytes = 1; /* minimal: 10^p - 1 fits a signed number of that many bytes */
        while (pow10u(c->precision) - 1 > (((u128)1 << (8 * bytes - 1)) - 1))
            bytes++;
        if (g->type_length != bytes) FAIL("DECIMAL(%d) in %d bytes", c->precision, g->type_length);
    }
    if ((c->kind == F2C_PQ_TIMESTAMP || c->kind == F2C_PQ_TIME ||
         c->kind == F2C_PQ_TIMESTAMP_LOCAL) &&
        (!g->unit_micros || g->utc != (c->kind == F2C_PQ_TIMESTAMP)))
        FAIL("column %s: unit/UTC wrong", c->name);
    /* TIMESTAMP_MICROS as converted type means adjusted to UTC: a local one has none. */
    if (c->kind == F2C_PQ_TIMESTAMP_LOCAL && g->converted != -1)
        FAIL("column %s: local timestamp with converted type %d", c->name, g->converted);
    if ((c->kind == F2C_PQ_INT32 || c->kind == F2C_PQ_INT64) &&
        (!g->int_signed || g->int_bits != (c->kind == F2C_PQ_INT32 ? 32 : 64)))
        FAIL("column %s: IntType wrong", c->name);
}

static int same(const model *m, size_t col, const expect *e, const pqr_value *g)
{
    if (e->null || g->null) return e->null == g->null;
    switch (m->cols[col].kind) {
    case F2C_PQ_STRING:
        return g->n == e->len && !memcmp(g->s, m->text + e->off, e->len);
    case F2C_PQ_DECIMAL:
        return g->i == e->i && g->lo == e->lo;
    default:
        return g->i == e->i;
    }
}

/* True order of two expected values of column col (the statistics' sort order). */
static int order(const model *m, size_t col, const expect *a, const expect *b)
{
    if (m->cols[col].kind == F2C_PQ_STRING) {
        size_t n = a->len < b->len ? a->len : b->len;
        int d = memcmp(m->text + a->off, m->text + b->off, n);
        return d ? d : (a->len > b->len) - (a->len < b->len);
    }
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return m->cols[col].kind == F2C_PQ_DECIMAL ? (a->lo > b->lo) - (a->lo < b->lo) : 0;
}

static void check_column(const model *m, size_t col, const pqr_column *g)
{
    check_types(&m->cols[col], g);
    const expect *mn = NULL, *mx = NULL;
    size_t nulls = 0;
    for (size_t r = 0; r < m->nrows; r++) {
        const expect *e = &m->v[col][r];
        if (!same(m, col, e, &g->values[r]))
            FAIL("column %s (kind %d) row %zu differs (null %d/%d)", g->name, m->cols[col].kind, r,
                 e->null, g->values[r].null);
        if (e->null) {
            nulls++;
            continue;
        }
        if (!mn || order(m, col, e, mn) < 0) mn = e;
        if (!mx || order(m, col, e, mx) > 0) mx = e;
    }
    if (g->null_count_stat != (int64_t)nulls)
        FAIL("column %s: null_count %lld, %zu nulls", g->name, (long long)g->null_count_stat,
             nulls);
    if (mn && (!g->has_minmax || !same(m, col, mn, &g->min) || !same(m, col, mx, &g->max)))
        FAIL("column %s: statistics min/max are not the column's", g->name);
}

static void check_file(const model *m, const membuf *f)
{
    pqr_file g;
    char why[256];
    if (pqr_read(f->p, f->n, &g, why, sizeof why) != 0) FAIL("read back: %s", why);
    if (g.nrows != m->nrows || g.ncols != m->ncols)
        FAIL("%llu rows x %zu columns read, %zu x %zu written", (unsigned long long)g.nrows,
             g.ncols, m->nrows, m->ncols);
    for (size_t i = 0; i < m->ncols; i++)
        check_column(m, i, &g.cols[i]);
    const char *v = pqr_kv(&g, "fhir2cdm.entity");
    if (!v || strcmp(v, "LocalFuzz") || !g.created_by || strcmp(g.created_by, "fhir2cdm fuzz"))
        FAIL("key/value metadata or created_by lost");
    pqr_free(&g);
}

/* ---- the sink's reader --------------------------------------------------------------------- */

/* Whether the reader can give e as cell text: the sink never stores an empty string, and a
 * date or timestamp has text only in years 0001..9999 (f2c_pq_value.h, "Back to text"). */
static int representable(const model *m, size_t col, const expect *e)
{
    const int64_t first = -719162, last = 2932896, day = 86400000000LL; /* days of 0001-01-01,
                                                                           9999-12-31 */
    if (e->null) return 1;
    switch (m->cols[col].kind) {
    case F2C_PQ_STRING:
        return e->len > 0;
    case F2C_PQ_DATE:
        return e->i >= first && e->i <= last;
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
        return e->i >= first * day && e->i < (last + 1) * day;
    default:
        return 1;
    }
}

/* Whether cell s[0..n) read back converts to exactly e (null: the empty cell). */
static int cell_is(const model *m, size_t col, const expect *e, const char *s, size_t n)
{
    const f2c_pq_column *c = &m->cols[col];
    int32_t i32;
    int64_t i64 = 0, hi;
    uint64_t lo;
    int b;
    if (e->null || n == 0) return e->null && n == 0;
    switch (c->kind) {
    case F2C_PQ_STRING:
        return n == e->len && !memcmp(s, m->text + e->off, n);
    case F2C_PQ_BOOLEAN:
        return f2c_pqv_bool(s, n, &b) == F2C_PQV_OK && b == e->i;
    case F2C_PQ_INT32:
        return f2c_pqv_int32(s, n, &i32) == F2C_PQV_OK && i32 == e->i;
    case F2C_PQ_DATE:
        return f2c_pqv_date(s, n, &i32) == F2C_PQV_OK && i32 == e->i;
    case F2C_PQ_DECIMAL:
        return f2c_pqv_decimal(s, n, c->precision, c->scale, &hi, &lo) == F2C_PQV_OK &&
               hi == e->i && lo == e->lo;
    case F2C_PQ_INT64:
        return f2c_pqv_int64(s, n, &i64) == F2C_PQV_OK && i64 == e->i;
    case F2C_PQ_TIME:
        return f2c_pqv_time(s, n, &i64) == F2C_PQV_OK && i64 == e->i;
    case F2C_PQ_TIMESTAMP:
        return f2c_pqv_timestamp(s, n, &i64) == F2C_PQV_OK && i64 == e->i;
    default:
        return f2c_pqv_timestamp_local(s, n, &i64) == F2C_PQV_OK && i64 == e->i;
    }
}

typedef struct readback {
    const model *m; /* NULL: a damaged file, only the width is checked */
    size_t ncols, row;
} readback;

static f2c_status on_row(void *ud, size_t n, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    readback *rb = ud;
    (void)err;
    if (n != rb->ncols) FAIL("reader: %zu cells, %zu columns", n, rb->ncols);
    for (size_t i = 0; rb->m && i < n; i++)
        if (rb->row >= rb->m->nrows || !cell_is(rb->m, i, &rb->m->v[i][rb->row], cells[i], lens[i]))
            FAIL("reader: row %zu column %zu (kind %d) read as \"%.*s\"", rb->row, i,
                 rb->m->cols[i].kind, (int)(lens[i] < 64 ? lens[i] : 64), cells[i]);
    rb->row++;
    return F2C_OK;
}

/* A descriptor of one scratch file (made once) holding p[0..n). */
static int scratch_fd(const uint8_t *p, size_t n)
{
    static FILE *fp;
    if (!fp && !(fp = tmpfile())) abort();
    int fd = fileno(fp);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, p, n, 0) != (ssize_t)n) abort();
    return fd;
}

static void check_reader(const model *m, const membuf *f, in *s)
{
    int ok = 1;
    for (size_t i = 0; i < m->ncols; i++)
        for (size_t r = 0; r < m->nrows; r++)
            ok &= representable(m, i, &m->v[i][r]);
    readback rb = {m, m->ncols, 0};
    f2c_error err = {0};
    f2c_status st =
        pq_read_rows(scratch_fd(f->p, f->n), m->cols, m->ncols, "fuzz.parquet", on_row, &rb, &err);
    if (ok ? st != F2C_OK || rb.row != m->nrows : st != F2C_EIO)
        FAIL("reader: %s after %zu of %zu rows: %s", f2c_status_name(st), rb.row, m->nrows,
             err.message);
    uint8_t *d = malloc(f->n);
    if (!d) abort();
    memcpy(d, f->p, f->n);
    for (int k = 0; k < 4 && s->n > 0; k++) {
        size_t at = (size_t)take(s, 3) % f->n;
        d[at] ^= (uint8_t)(1 + take(s, 1) % 255);
    }
    rb = (readback){NULL, m->ncols, 0};
    st = pq_read_rows(scratch_fd(d, f->n), m->cols, m->ncols, "fuzz.parquet", on_row, &rb, &err);
    if (st != F2C_OK && st != F2C_EIO) FAIL("damaged file: %s", f2c_status_name(st));
    free(d);
}

/* The conversions on arbitrary text: verdicts in range, values within their bounds. */
static void conversions(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int b;
    int32_t i32;
    int64_t i64, hi;
    uint64_t lo;
    (void)f2c_pqv_bool(s, size, &b);
    (void)f2c_pqv_int32(s, size, &i32);
    (void)f2c_pqv_date(s, size, &i32);
    (void)f2c_pqv_timestamp(s, size, &i64);
    f2c_pqv r = f2c_pqv_time(s, size, &i64);
    if ((r == F2C_PQV_OK || r == F2C_PQV_ROUNDED) && (i64 < 0 || i64 >= 86400000000LL))
        FAIL("time out of a day: %lld", (long long)i64);
    int p = 1 + (size ? data[0] % 38 : 0), sc = size > 1 ? data[1] % (p + 1) : 0;
    r = f2c_pqv_decimal(s, size, p, sc, &hi, &lo);
    if (r == F2C_PQV_OK || r == F2C_PQV_ROUNDED) {
        i128 v = (i128)(((u128)(uint64_t)hi << 64) | lo);
        u128 u = v < 0 ? (u128)-v : (u128)v;
        if (u >= pow10u(p)) FAIL("decimal beyond DECIMAL(%d,%d)", p, sc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    conversions(data, size);
    in s = {data, size};
    model m = {0};
    schema(&s, &m);
    rows(&s, &m);
    membuf a = {0}, b = {0};
    write_file(&m, &a);
    check_file(&m, &a);
    check_reader(&m, &a, &s);
    write_file(&m, &b); /* deterministic: same rows, same bytes */
    if (a.n != b.n || memcmp(a.p, b.p, a.n)) FAIL("two writes of the same rows differ");
    free(a.p);
    free(b.p);
    for (size_t i = 0; i < m.ncols; i++)
        free(m.v[i]);
    free(m.text);
    return 0;
}
