/*
 * f2c_sink_parquet: the Parquet implementation of the row-sink interface (f2c_sink.h) -- one
 * staged partition per table and input file, written by f2c_parquet, each cell's text converted
 * to its column's typed value by f2c_pq_value.
 *
 * Why so: the engine hands every sink the rendered text of each cell (f2c_render.h), the same
 * bytes a CSV partition gets; this file only decides the Parquet kind of each column (one
 * mapping, f2c_sink_parquet_column, shared with the schema check and the CDM manifest), converts
 * the text exactly (no floating point, no allocation, no printf per cell), reports every value
 * it changes or leaves out through the partition's warn callback with a static reason, and ties
 * the writer's bytes to the commit protocol (f2c_commit_stage / _close / _discard), so a
 * Parquet partition is published exactly like a CSV one.  Output is deterministic: the footer
 * holds only created_by and the table's names, never a time or a host.  Reading a partition
 * back (merge mode) is f2c_parquet_read.c's, against the same column mapping.
 */
#include "fhir2cdm/f2c_sink_parquet.h"

#include "f2c_sink_file.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "f2c_parquet_read.h"
#include "f2c_pq_value.h"

#define DEFAULT_MEMORY (64u * 1024u * 1024u)
#define MIN_ROW_GROUP (64u * 1024u) /* per partition; docs/parquet.md "Memory" */

/* The reasons given to the warn callback (docs/parquet.md lists them; static strings). */
static const char W_BAD[] = "value does not match the column's type; left null";
static const char W_DEC_ROUND[] = "decimal rounded half-even to the column's scale";
static const char W_DEC_RANGE[] = "decimal does not fit the column's precision; left null";
static const char W_INT_RANGE[] = "integer does not fit INT32; left null";
static const char W_INT64_RANGE[] = "integer does not fit INT64; left null";
static const char W_US_ROUND[] = "fractional seconds rounded half-even to microseconds";
static const char W_LEAP[] = "leap second (ss = 60) cannot be stored; left null";
static const char W_DAY[] = "time does not fit a day (leap second or rounded up to 24:00:00); "
                            "left null";
static const char W_DATE_TIME[] = "time of day dropped from a date";

/* Immutable after f2c_sink_parquet_new: shared by every partition of a job, any thread. */
typedef struct pq_state {
    f2c_pq_codec codec;
    int precision, scale;
    size_t row_group_bytes;
    char *created_by; /* NULL: none */
    char *version;    /* created_by's last word ("fhir2cdm 0.1.0" -> "0.1.0"); NULL: none */
} pq_state;

typedef struct pq_part {
    f2c_sink_part base; /* first: f2c_sink_part * and pq_part * are the same pointer */
    const pq_state *st;
    const f2c_table *t;     /* borrowed */
    f2c_sink_file file;     /* the staged file */
    f2c_pq_writer *w;       /* NULL once finished */
    f2c_pq_kind *kinds;     /* per column */
    int *precision, *scale; /* per column: a decimal's DECIMAL(p,s), else 0 */
} pq_part;

static const f2c_sink_ops pq_ops;

static pq_part *as_pq(f2c_sink_part *p)
{
    assert(p && p->ops == &pq_ops);
    return (pq_part *)p;
}

static f2c_status nomem(f2c_error *err, const char *file)
{
    return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

/* ---- the type mapping ---------------------------------------------------------------------- */

void f2c_sink_parquet_column(const f2c_table *t, size_t i, int precision, int scale,
                             f2c_pq_column *out)
{
    f2c_pq_kind k;
    switch (f2c_table_column_type(t, i)) {
    case F2C_T_BOOLEAN:
        k = F2C_PQ_BOOLEAN;
        break;
    case F2C_T_INTEGER:
    case F2C_T_POSITIVEINT:
    case F2C_T_UNSIGNEDINT:
        k = F2C_PQ_INT32;
        break;
    case F2C_T_INTEGER64:
        k = F2C_PQ_INT64;
        break;
    case F2C_T_SQL_DATE:
        k = F2C_PQ_DATE;
        break;
    case F2C_T_SQL_TIMESTAMP:
        k = F2C_PQ_TIMESTAMP_LOCAL;
        break;
    case F2C_T_DECIMAL:
        k = F2C_PQ_DECIMAL;
        break;
    case F2C_T_DATE:
        k = F2C_PQ_DATE;
        break;
    case F2C_T_DATETIME:
    case F2C_T_INSTANT:
        k = F2C_PQ_TIMESTAMP;
        break;
    case F2C_T_TIME:
        k = F2C_PQ_TIME;
        break;
    default:
        k = F2C_PQ_STRING;
        break; /* string-like, array (JSON text), reserved columns */
    }
    size_t r = f2c_table_reserved_count(t);
    const f2c_column *c = i >= r && i - r < t->ncolumns ? &t->columns[i - r] : NULL;
    if (c && c->precision) { /* the column's own DECIMAL(p,s) */
        precision = c->precision;
        scale = c->scale;
    }
    *out = (f2c_pq_column){.name = f2c_table_column_name(t, i),
                           .kind = k,
                           .precision = k == F2C_PQ_DECIMAL ? precision : 0,
                           .scale = k == F2C_PQ_DECIMAL ? scale : 0};
}

/* The columns of t (names borrowed); NULL when out of memory. */
static f2c_pq_column *table_columns(const pq_state *s, const f2c_table *t, size_t n)
{
    f2c_pq_column *cols = malloc((n ? n : 1) * sizeof *cols);
    if (!cols) return NULL;
    for (size_t i = 0; i < n; i++)
        f2c_sink_parquet_column(t, i, s->precision, s->scale, &cols[i]);
    return cols;
}

/* ---- the partition's bytes ----------------------------------------------------------------- */

/* The writer's byte sink: all of data to the staged file, through EINTR and short writes. */
static int write_all(void *ud, const void *data, size_t len, f2c_error *err)
{
    pq_part *q = ud;
    const char *p = data;
    while (len > 0) {
        ssize_t k = write(q->file.fd, p, len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int e = k < 0 ? errno : ENOSPC; /* a zero-byte write of a non-empty buffer */
            f2c_error_set(err, F2C_EIO, q->file.label, 0, 0, NULL, "cannot write: %s", strerror(e));
            return -1;
        }
        p += k;
        len -= (size_t)k;
        f2c_fs_write_back(q->file.fd, (size_t)k, &q->file.unsynced);
    }
    return 0;
}

static void part_free(pq_part *q)
{
    assert(q->file.fd < 0 && !q->w);
    free(q->kinds);
    free(q->precision);
    free(q->scale);
    free(q);
}

/* Writer freed unwritten, staged file removed, q freed. */
static void pq_abort(f2c_sink_part *p)
{
    pq_part *q = as_pq(p);
    f2c_pq_writer_free(q->w);
    q->w = NULL;
    f2c_sink_file_discard(&q->file);
    part_free(q);
}

/* The writer over the staged file, with the footer's metadata. */
static f2c_status start_writer(pq_part *q, size_t n, f2c_error *err)
{
    const pq_state *s = q->st;
    f2c_pq_column *cols = table_columns(s, q->t, n);
    size_t m = n ? n : 1;
    if (!cols || !(q->kinds = malloc(m * sizeof *q->kinds)) ||
        !(q->precision = malloc(m * sizeof *q->precision)) ||
        !(q->scale = malloc(m * sizeof *q->scale))) {
        free(cols);
        return nomem(err, q->file.label);
    }
    for (size_t i = 0; i < n; i++) {
        q->kinds[i] = cols[i].kind;
        q->precision[i] = cols[i].precision;
        q->scale[i] = cols[i].scale;
    }
    f2c_pq_kv kv[3];
    size_t nkv = 0;
    if (s->version) kv[nkv++] = (f2c_pq_kv){"fhir2cdm.version", s->version};
    if (q->t->entity) kv[nkv++] = (f2c_pq_kv){"fhir2cdm.entity", q->t->entity};
    if (q->t->name) kv[nkv++] = (f2c_pq_kv){"fhir2cdm.table", q->t->name};
    f2c_pq_options o = {.codec = s->codec,
                        .row_group_bytes = s->row_group_bytes,
                        .created_by = s->created_by,
                        .kv = kv,
                        .nkv = nkv};
    f2c_status st = f2c_pq_writer_new(cols, n, &o, write_all, q, q->file.label, &q->w, err);
    free(cols);
    return st;
}

static f2c_status pq_open(void *state, f2c_commit *tx, const char *dir, const char *name,
                          const f2c_table *t, f2c_sink_part **out, f2c_error *err)
{
    pq_part *q = calloc(1, sizeof *q);
    if (!q) return nomem(err, name);
    *q = (pq_part){.base = {.ops = &pq_ops}, .st = state, .t = t};
    f2c_status st = f2c_sink_file_stage(&q->file, tx, dir, name, err);
    if (st != F2C_OK) { /* nothing staged */
        part_free(q);
        return st;
    }
    st = start_writer(q, f2c_table_width(t), err);
    if (st != F2C_OK) {
        pq_abort(&q->base);
        return st;
    }
    *out = &q->base;
    return F2C_OK;
}

/* The schema is the footer's: nothing to write before the rows. */
static f2c_status pq_header(f2c_sink_part *p, f2c_error *err)
{
    (void)as_pq(p), (void)err;
    return F2C_OK;
}

/* ---- cells --------------------------------------------------------------------------------- */

/* A value that cannot be stored as given: reported, then null. */
static f2c_status null_because(pq_part *q, size_t i, const char *why, f2c_error *err)
{
    q->base.warn(q->base.warn_ud, i, why);
    return f2c_pq_null(q->w, i, err);
}

static f2c_status put_decimal(pq_part *q, size_t i, const char *s, size_t n, f2c_error *err)
{
    int64_t hi;
    uint64_t lo;
    switch (f2c_pqv_decimal(s, n, q->precision[i], q->scale[i], &hi, &lo)) {
    case F2C_PQV_ROUNDED:
        q->base.warn(q->base.warn_ud, i, W_DEC_ROUND); /* fall through */
    case F2C_PQV_OK:
        return f2c_pq_decimal(q->w, i, hi, lo, err);
    case F2C_PQV_RANGE:
        return null_because(q, i, W_DEC_RANGE, err);
    default:
        return null_because(q, i, W_BAD, err);
    }
}

/* TIMESTAMP and TIME: both int64 microseconds; they differ in what is out of range. */
static f2c_status put_micros(pq_part *q, size_t i, const char *s, size_t n, f2c_error *err)
{
    int64_t v;
    int is_time = q->kinds[i] == F2C_PQ_TIME;
    f2c_pqv r = is_time                                 ? f2c_pqv_time(s, n, &v)
                : q->kinds[i] == F2C_PQ_TIMESTAMP_LOCAL ? f2c_pqv_timestamp_local(s, n, &v)
                                                        : f2c_pqv_timestamp(s, n, &v);
    switch (r) {
    case F2C_PQV_ROUNDED:
        q->base.warn(q->base.warn_ud, i, W_US_ROUND); /* fall through */
    case F2C_PQV_OK:
        return f2c_pq_int64(q->w, i, v, err);
    case F2C_PQV_RANGE:
        return null_because(q, i, is_time ? W_DAY : W_LEAP, err);
    default:
        return null_because(q, i, W_BAD, err);
    }
}

static f2c_status put_int32ish(pq_part *q, size_t i, const char *s, size_t n, f2c_error *err)
{
    int32_t v;
    f2c_pqv r = q->kinds[i] == F2C_PQ_DATE ? f2c_pqv_date(s, n, &v) : f2c_pqv_int32(s, n, &v);
    if (r == F2C_PQV_DROPPED) q->base.warn(q->base.warn_ud, i, W_DATE_TIME);
    if (r == F2C_PQV_OK || r == F2C_PQV_DROPPED) return f2c_pq_int32(q->w, i, v, err);
    return null_because(q, i, r == F2C_PQV_RANGE ? W_INT_RANGE : W_BAD, err);
}

static f2c_status put_cell(pq_part *q, size_t i, const char *s, size_t n, f2c_error *err)
{
    if (n == 0) return f2c_pq_null(q->w, i, err);
    switch (q->kinds[i]) {
    case F2C_PQ_STRING:
        return f2c_pq_bytes(q->w, i, s, n, err);
    case F2C_PQ_BOOLEAN: {
        int v;
        if (f2c_pqv_bool(s, n, &v) == F2C_PQV_OK) return f2c_pq_bool(q->w, i, v, err);
        return null_because(q, i, W_BAD, err);
    }
    case F2C_PQ_INT32:
    case F2C_PQ_DATE:
        return put_int32ish(q, i, s, n, err);
    case F2C_PQ_DECIMAL:
        return put_decimal(q, i, s, n, err);
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
    case F2C_PQ_TIME:
        return put_micros(q, i, s, n, err);
    case F2C_PQ_INT64: { /* integer64 */
        int64_t v;
        f2c_pqv r = f2c_pqv_int64(s, n, &v);
        if (r == F2C_PQV_OK) return f2c_pq_int64(q->w, i, v, err);
        return null_because(q, i, r == F2C_PQV_RANGE ? W_INT64_RANGE : W_BAD, err);
    }
    default:
        return null_because(q, i, W_BAD, err);
    }
}

static f2c_status pq_row(f2c_sink_part *p, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    pq_part *q = as_pq(p);
    for (size_t i = 0; i < p->width; i++) {
        f2c_status st = put_cell(q, i, cells[i], lens[i], err);
        if (st != F2C_OK) return st;
    }
    return f2c_pq_end_row(q->w, err);
}

/* Last row group and footer out, then the staged file fsynced and closed. */
static f2c_status pq_finish(f2c_sink_part *p, f2c_error *err)
{
    pq_part *q = as_pq(p);
    f2c_status st = f2c_pq_finish(q->w, err);
    if (st != F2C_OK) {
        pq_abort(p);
        return st;
    }
    f2c_pq_writer_free(q->w);
    q->w = NULL;
    st = f2c_sink_file_close(&q->file, err); /* discards the file on failure */
    part_free(q);
    return st;
}

static int pq_matches(void *state, int fd, const f2c_table *t)
{
    size_t n = f2c_table_width(t);
    f2c_pq_column *cols = table_columns(state, t, n);
    if (!cols) {
        errno = ENOMEM;
        return -1;
    }
    int r = f2c_pq_schema_matches(fd, cols, n);
    free(cols);
    return r;
}

/* Every row of a partition this sink wrote for t, as cells it parses back to the same values:
 * the schema it writes for t now (sink options included) must be the file's. */
static f2c_status pq_read(void *state, int fd, const f2c_table *t, const char *shown,
                          f2c_sink_read_fn fn, void *ud, f2c_error *err)
{
    size_t n = f2c_table_width(t);
    f2c_pq_column *cols = table_columns(state, t, n);
    if (!cols) return nomem(err, shown);
    f2c_status st = pq_read_rows(fd, cols, n, shown, fn, ud, err);
    free(cols);
    return st;
}

static void pq_free_state(void *state)
{
    pq_state *s = state;
    if (!s) return;
    free(s->created_by);
    free(s->version);
    free(s);
}

static const f2c_sink_ops pq_ops = {
    .format = "parquet",
    .extension = ".parquet",
    .open = pq_open,
    .header = pq_header,
    .row = pq_row,
    .finish = pq_finish,
    .abort = pq_abort,
    .matches = pq_matches,
    .read = pq_read,
    .free_state = pq_free_state,
};

/* ---- the sink ------------------------------------------------------------------------------ */

static f2c_status parse_options(const f2c_sink_options *o, pq_state *s, f2c_error *err)
{
    const char *c = o->compression ? o->compression : "zstd";
    if (!strcmp(c, "zstd"))
        s->codec = F2C_PQ_ZSTD;
    else if (!strcmp(c, "snappy"))
        s->codec = F2C_PQ_SNAPPY;
    else if (!strcmp(c, "none"))
        s->codec = F2C_PQ_UNCOMPRESSED;
    else
        return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "compression \"%.64s\" is not known (known: zstd, snappy, none)", c);
    s->precision = o->decimal_precision ? o->decimal_precision : 38;
    s->scale = o->decimal_precision ? o->decimal_scale : 18;
    if (s->precision < 1 || s->precision > 38 || s->scale < 0 || s->scale > s->precision)
        return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "decimal precision,scale %d,%d is out of range (precision 1..38, "
                             "scale 0..precision)",
                             o->decimal_precision, o->decimal_scale);
    size_t budget = o->memory_bytes ? o->memory_bytes : DEFAULT_MEMORY;
    size_t per = budget / (o->ntables ? o->ntables : 1);
    s->row_group_bytes = per < MIN_ROW_GROUP ? MIN_ROW_GROUP : per;
    return F2C_OK;
}

f2c_status f2c_sink_parquet_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err)
{
    static const f2c_sink_options defaults = {0};
    if (!o) o = &defaults;
    pq_state *s = calloc(1, sizeof *s);
    if (!s) return nomem(err, NULL);
    f2c_status st = parse_options(o, s, err);
    if (st == F2C_OK && o->created_by) {
        const char *sp = strrchr(o->created_by, ' ');
        if (!(s->created_by = strdup(o->created_by)) ||
            !(s->version = strdup(sp ? sp + 1 : o->created_by)))
            st = nomem(err, NULL);
    }
    if (st != F2C_OK) {
        pq_free_state(s);
        return st;
    }
    *out = (f2c_sink){.ops = &pq_ops, .state = s};
    return F2C_OK;
}
