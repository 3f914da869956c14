/*
 * f2c_parquet: the Parquet writer's life cycle, row groups and footer, and the schema check
 * (lib/include/fhir2cdm/f2c_parquet.h; design in docs/parquet-format.md).  Values and pages are
 * in f2c_parquet_page.c, column chunks in f2c_parquet_chunk.c, dictionaries in
 * f2c_parquet_dict.c.  Field ids in comments are those of Apache Parquet's parquet.thrift.
 *
 * File layout: "PAR1", row groups (each: every column's chunk in schema order), then the
 * FileMetaData (1 version, 2 schema, 3 num_rows, 4 row_groups, 5 key_value_metadata,
 * 6 created_by, 7 column_orders) in the compact protocol, its 4-byte little-endian length and
 * "PAR1".  A row group's RowGroup struct is encoded as soon as the group is written, so the
 * writer keeps only those bytes between groups.
 */
#include "f2c_parquet_int.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define PQ_ZSTD_DEFAULT_LEVEL 1
#define PQ_MIB ((size_t)1 << 20)

/* parquet.thrift ConvertedType values written for older readers. */
enum { CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TIME_MICROS = 8, CT_TIMESTAMP_MICROS = 10 };

/* Minimal FIXED_LEN_BYTE_ARRAY length holding +-(10^p - 1) in two's complement. */
static int decimal_bytes(int p)
{
    return (int)ceil((p * 3.321928094887362 + 1) / 8);
}

int pq_physical(f2c_pq_kind kind, int precision, int *type_len)
{
    static const int ptypes[] = {
        [F2C_PQ_BOOLEAN] = PQ_BOOLEAN,   [F2C_PQ_INT32] = PQ_INT32,
        [F2C_PQ_INT64] = PQ_INT64,       [F2C_PQ_DATE] = PQ_INT32,
        [F2C_PQ_TIMESTAMP] = PQ_INT64,   [F2C_PQ_TIME] = PQ_INT64,
        [F2C_PQ_STRING] = PQ_BYTE_ARRAY, [F2C_PQ_TIMESTAMP_LOCAL] = PQ_INT64};
    *type_len = 0;
    if (kind != F2C_PQ_DECIMAL) return ptypes[kind];
    int ptype = precision <= 9 ? PQ_INT32 : precision <= 18 ? PQ_INT64 : PQ_FLBA;
    if (ptype == PQ_FLBA) *type_len = decimal_bytes(precision);
    return ptype;
}

static void col_types(pq_col *c)
{
    c->ptype = pq_physical(c->kind, c->precision, &c->type_len);
}

/* SchemaElement field 10: the LogicalType union (one field set). */
static void logical_type(f2c_tw *t, const pq_col *c)
{
    if (c->kind == F2C_PQ_BOOLEAN) return;
    f2c_tw_struct_begin(t, 10);
    switch (c->kind) {
    case F2C_PQ_INT32:
    case F2C_PQ_INT64:
        f2c_tw_struct_begin(t, 10);                         /* INTEGER: IntType */
        f2c_tw_i8(t, 1, c->kind == F2C_PQ_INT32 ? 32 : 64); /* bitWidth */
        f2c_tw_bool(t, 2, 1);                               /* isSigned */
        break;
    case F2C_PQ_DECIMAL:
        f2c_tw_struct_begin(t, 5); /* DECIMAL: DecimalType */
        f2c_tw_i32(t, 1, c->scale);
        f2c_tw_i32(t, 2, c->precision);
        break;
    case F2C_PQ_DATE:
        f2c_tw_struct_begin(t, 6); /* DATE: DateType {} */
        break;
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
    case F2C_PQ_TIME:
        f2c_tw_struct_begin(t, c->kind == F2C_PQ_TIME ? 7 : 8); /* TIME / TIMESTAMP */
        f2c_tw_bool(t, 1, c->kind == F2C_PQ_TIMESTAMP);         /* isAdjustedToUTC */
        f2c_tw_struct_begin(t, 2);                              /* unit: TimeUnit */
        f2c_tw_struct_begin(t, 2);                              /* MICROS: MicroSeconds {} */
        f2c_tw_struct_end(t);
        f2c_tw_struct_end(t);
        break;
    default:
        f2c_tw_struct_begin(t, 1); /* STRING: StringType {} */
        break;
    }
    f2c_tw_struct_end(t);
    f2c_tw_struct_end(t);
}

/* FileMetaData field 2: list<SchemaElement>, the root group then one leaf per column. */
static void schema_write(f2c_tw *t, const pq_col *cols, size_t n)
{
    static const int converted[] = {[F2C_PQ_DECIMAL] = CT_DECIMAL,
                                    [F2C_PQ_DATE] = CT_DATE,
                                    [F2C_PQ_TIMESTAMP] = CT_TIMESTAMP_MICROS,
                                    [F2C_PQ_TIME] = CT_TIME_MICROS,
                                    [F2C_PQ_STRING] = CT_UTF8};
    f2c_tw_list(t, 2, F2C_TC_STRUCT, n + 1);
    f2c_tw_elem_begin(t);
    f2c_tw_string(t, 4, "schema"); /* name */
    f2c_tw_i32(t, 5, (int32_t)n);  /* num_children */
    f2c_tw_struct_end(t);
    for (size_t i = 0; i < n; i++) {
        const pq_col *c = &cols[i];
        f2c_tw_elem_begin(t);
        f2c_tw_i32(t, 1, c->ptype);                             /* type */
        if (c->ptype == PQ_FLBA) f2c_tw_i32(t, 2, c->type_len); /* type_length */
        f2c_tw_i32(t, 3, 1);                                    /* repetition_type OPTIONAL */
        f2c_tw_string(t, 4, c->name);                           /* name */
        if (c->kind >= F2C_PQ_DECIMAL && c->kind != F2C_PQ_TIMESTAMP_LOCAL)
            f2c_tw_i32(t, 6, converted[c->kind]); /* converted_type */
        if (c->kind == F2C_PQ_DECIMAL) {
            f2c_tw_i32(t, 7, c->scale);     /* scale */
            f2c_tw_i32(t, 8, c->precision); /* precision */
        }
        logical_type(t, c);
        f2c_tw_struct_end(t);
    }
}

static f2c_status check_cols(const f2c_pq_column *cols, size_t n, const char *file, f2c_error *err)
{
    if (n == 0) return f2c_error_set(err, F2C_EUSAGE, file, 0, 0, NULL, "Parquet: no columns");
    for (size_t i = 0; i < n; i++) {
        const f2c_pq_column *c = &cols[i];
        if (!c->name || !*c->name)
            return f2c_error_set(err, F2C_EUSAGE, file, 0, 0, NULL,
                                 "Parquet column %zu: empty name", i + 1);
        if (c->kind < F2C_PQ_BOOLEAN || c->kind > F2C_PQ_TIMESTAMP_LOCAL)
            return f2c_error_set(err, F2C_EUSAGE, file, 0, 0, NULL,
                                 "Parquet column '%s': unknown kind %d", c->name, (int)c->kind);
        if (c->kind == F2C_PQ_DECIMAL &&
            (c->precision < 1 || c->precision > 38 || c->scale < 0 || c->scale > c->precision))
            return f2c_error_set(err, F2C_EUSAGE, file, 0, 0, NULL,
                                 "Parquet column '%s': DECIMAL(%d, %d) out of range (precision "
                                 "1..38, scale 0..precision)",
                                 c->name, c->precision, c->scale);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[j].name, c->name) == 0)
                return f2c_error_set(err, F2C_EUSAGE, file, 0, 0, NULL,
                                     "Parquet column '%s' named twice", c->name);
    }
    return F2C_OK;
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

static int cols_init(f2c_pq_writer *w, const f2c_pq_column *cols, size_t n)
{
    int oom = 0;
    w->cols = calloc(n, sizeof *w->cols);
    if (!w->cols) return -1;
    w->ncols = n;
    for (size_t i = 0; i < n; i++) {
        pq_col *c = &w->cols[i];
        c->name = dup_or_null(cols[i].name, &oom);
        c->kind = cols[i].kind;
        c->precision = cols[i].precision;
        c->scale = cols[i].scale;
        col_types(c);
        pq_col_reset(c);
    }
    return oom ? -1 : 0;
}

static int options_init(f2c_pq_writer *w, const f2c_pq_options *o, const char *file)
{
    static const f2c_pq_options none;
    int oom = 0;
    if (!o) o = &none;
    w->codec = o->codec;
    w->zstd_level = o->zstd_level ? o->zstd_level : PQ_ZSTD_DEFAULT_LEVEL;
    w->row_group_bytes = o->row_group_bytes ? o->row_group_bytes : 64 * PQ_MIB;
    w->page_bytes = o->page_bytes ? o->page_bytes : PQ_MIB;
    w->dict_bytes = o->dict_bytes ? o->dict_bytes : PQ_MIB;
    w->created_by = dup_or_null(o->created_by, &oom);
    w->file = dup_or_null(file, &oom);
    if (o->nkv) {
        w->kv = calloc(o->nkv, sizeof *w->kv);
        if (!w->kv) return -1;
        w->nkv = o->nkv;
        for (size_t i = 0; i < o->nkv; i++) {
            w->kv[i].key = dup_or_null(o->kv[i].key ? o->kv[i].key : "", &oom);
            w->kv[i].value = dup_or_null(o->kv[i].value, &oom);
        }
    }
    return oom ? -1 : 0;
}

f2c_status f2c_pq_writer_new(const f2c_pq_column *cols, size_t n, const f2c_pq_options *o,
                             f2c_pq_write_fn write, void *ud, const char *file, f2c_pq_writer **out,
                             f2c_error *err)
{
    *out = NULL;
    f2c_status st = check_cols(cols, n, file, err);
    if (st != F2C_OK) return st;
    f2c_pq_writer *w = calloc(1, sizeof *w);
    if (!w) return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
    w->write = write;
    w->ud = ud;
    if (cols_init(w, cols, n) != 0 || options_init(w, o, file) != 0) {
        f2c_pq_writer_free(w);
        return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
    }
    if ((st = pq_emit(w, "PAR1", 4, err)) != F2C_OK) {
        f2c_pq_writer_free(w);
        return st;
    }
    *out = w;
    return F2C_OK;
}

/* Writes the buffered row group and appends its RowGroup struct (FileMetaData field 4). */
static f2c_status row_group_write(f2c_pq_writer *w, f2c_error *err)
{
    uint64_t unc = 0, comp = 0, start = w->pos;
    f2c_tw_reset(&w->cmeta);
    for (size_t i = 0; i < w->ncols; i++) {
        f2c_status st = pq_chunk_write(w, &w->cols[i], &w->cmeta, &unc, &comp, err);
        if (st != F2C_OK) return st;
    }
    f2c_tw *t = &w->rgs;
    f2c_tw_elem_begin(t);
    f2c_tw_list(t, 1, F2C_TC_STRUCT, w->ncols); /* columns: list<ColumnChunk> */
    f2c_tw_raw(t, w->cmeta.p, w->cmeta.len);
    f2c_tw_i64(t, 2, (int64_t)unc);        /* total_byte_size (uncompressed) */
    f2c_tw_i64(t, 3, (int64_t)w->rg_rows); /* num_rows */
    f2c_tw_i64(t, 5, (int64_t)start);      /* file_offset: the group's first page */
    f2c_tw_i64(t, 6, (int64_t)comp);       /* total_compressed_size */
    if (w->rg_count <= INT16_MAX) f2c_tw_i16(t, 7, (int16_t)w->rg_count); /* ordinal */
    f2c_tw_struct_end(t);
    if (t->oom || w->cmeta.oom) return pq_enomem(w, err);
    w->rg_count++;
    w->rg_rows = 0;
    return F2C_OK;
}

f2c_status f2c_pq_end_row(f2c_pq_writer *w, f2c_error *err)
{
    size_t buffered = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        pq_col *c = &w->cols[i];
        assert(c->set);
        c->set = 0;
        buffered += pq_col_buffered(c);
    }
    w->rows++;
    w->rg_rows++;
    if (buffered >= w->row_group_bytes) return row_group_write(w, err);
    return F2C_OK;
}

uint64_t f2c_pq_rows(const f2c_pq_writer *w)
{
    return w->rows;
}

static void footer_write(f2c_pq_writer *w, f2c_tw *t)
{
    f2c_tw_begin(t);
    f2c_tw_i32(t, 1, 1); /* version */
    schema_write(t, w->cols, w->ncols);
    f2c_tw_i64(t, 3, (int64_t)w->rows);            /* num_rows */
    f2c_tw_list(t, 4, F2C_TC_STRUCT, w->rg_count); /* row_groups */
    f2c_tw_raw(t, w->rgs.p, w->rgs.len);
    if (w->nkv) {
        f2c_tw_list(t, 5, F2C_TC_STRUCT, w->nkv); /* key_value_metadata */
        for (size_t i = 0; i < w->nkv; i++) {
            f2c_tw_elem_begin(t);
            f2c_tw_string(t, 1, w->kv[i].key);
            if (w->kv[i].value) f2c_tw_string(t, 2, w->kv[i].value);
            f2c_tw_struct_end(t);
        }
    }
    if (w->created_by) f2c_tw_string(t, 6, w->created_by); /* created_by */
    f2c_tw_list(t, 7, F2C_TC_STRUCT, w->ncols);            /* column_orders */
    for (size_t i = 0; i < w->ncols; i++) {
        f2c_tw_elem_begin(t);      /* ColumnOrder union */
        f2c_tw_struct_begin(t, 1); /* TYPE_ORDER: TypeDefinedOrder {} */
        f2c_tw_struct_end(t);
        f2c_tw_struct_end(t);
    }
    f2c_tw_struct_end(t);
}

f2c_status f2c_pq_finish(f2c_pq_writer *w, f2c_error *err)
{
    f2c_status st;
    if (w->rg_rows && (st = row_group_write(w, err)) != F2C_OK) return st;
    f2c_tw t = {0};
    footer_write(w, &t);
    uint8_t tail[8] = {(uint8_t)t.len,
                       (uint8_t)(t.len >> 8),
                       (uint8_t)(t.len >> 16),
                       (uint8_t)(t.len >> 24),
                       'P',
                       'A',
                       'R',
                       '1'};
    if (t.oom || t.len > UINT32_MAX) {
        f2c_tw_free(&t);
        return pq_enomem(w, err);
    }
    st = pq_emit(w, t.p, t.len, err);
    if (st == F2C_OK) st = pq_emit(w, tail, sizeof tail, err);
    f2c_tw_free(&t);
    return st;
}

static void cols_free(f2c_pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        pq_col *c = &w->cols[i];
        free(c->name);
        pq_bytes_free(&c->defs);
        pq_bytes_free(&c->vals);
        pq_bytes_free(&c->chunk);
        pq_bytes_free(&c->min_s);
        pq_bytes_free(&c->max_s);
        pq_dict_free(&c->dict);
    }
    free(w->cols);
    w->cols = NULL;
    w->ncols = 0;
}

void f2c_pq_writer_free(f2c_pq_writer *w)
{
    if (!w) return;
    cols_free(w);
    for (size_t i = 0; i < w->nkv; i++) {
        free((char *)w->kv[i].key);
        free((char *)w->kv[i].value);
    }
    free(w->kv);
    free(w->created_by);
    free(w->file);
    f2c_tw_free(&w->rgs);
    f2c_tw_free(&w->hdr);
    f2c_tw_free(&w->cmeta);
    pq_bytes_free(&w->page);
    pq_bytes_free(&w->comp);
    free(w->scratch);
    ZSTD_freeCCtx(w->zctx);
    free(w);
}

/* Reads n bytes at off; 0, 1 when the file is shorter, -1 on a read error. */
static int pread_all(int fd, void *p, size_t n, off_t off)
{
    while (n) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) return 1;
        p = (char *)p + r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

/* The file's footer bytes (malloc'd) in *out; 1 ok, 0 not Parquet, -1 error. */
static int footer_read(int fd, uint8_t **out, size_t *len)
{
    struct stat st;
    uint8_t head[4], tail[8];
    if (fstat(fd, &st) != 0) return -1;
    if (st.st_size < 12) return 0;
    int r = pread_all(fd, head, 4, 0);
    if (r == 0) r = pread_all(fd, tail, 8, st.st_size - 8);
    if (r != 0) return r < 0 ? -1 : 0;
    if (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0) return 0;
    uint32_t n = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                 (uint32_t)tail[3] << 24;
    if ((off_t)n > st.st_size - 12) return 0;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    if ((r = pread_all(fd, p, n, st.st_size - 8 - (off_t)n)) != 0) {
        free(p);
        return r < 0 ? -1 : 0;
    }
    *out = p;
    *len = n;
    return 1;
}

/* Whether footer p[0..n)'s FileMetaData field 2 (schema) is byte for byte exp[0..m). */
static int schema_same(const uint8_t *p, size_t n, const uint8_t *exp, size_t m)
{
    f2c_tr r = {p, n, 0, 0};
    int16_t last = 0;
    for (;;) {
        int type, id;
        if (f2c_tr_field(&r, &last, &type, &id) != 0 || type == F2C_TC_STOP) return 0;
        size_t start = r.pos;
        if (f2c_tr_skip(&r, type) != 0) return 0;
        if (id == 2 && type == F2C_TC_LIST)
            return r.pos - start == m && memcmp(p + start, exp, m) == 0;
    }
}

int pq_footer_schema_matches(const uint8_t *foot, size_t flen, const f2c_pq_column *cols, size_t n)
{
    f2c_pq_writer w = {0};
    if (check_cols(cols, n, NULL, NULL) != F2C_OK) return 0;
    if (cols_init(&w, cols, n) != 0) {
        cols_free(&w);
        return -1;
    }
    f2c_tw t = {0};
    f2c_tw_begin(&t);
    schema_write(&t, w.cols, w.ncols);
    cols_free(&w);
    /* the expected list starts after its one-byte field header (field 2, delta 2 from 0) */
    int r = t.oom ? -1 : schema_same(foot, flen, t.p + 1, t.len - 1);
    f2c_tw_free(&t);
    return r;
}

int f2c_pq_schema_matches(int fd, const f2c_pq_column *cols, size_t n)
{
    uint8_t *foot = NULL;
    size_t flen = 0;
    int r = footer_read(fd, &foot, &flen);
    if (r == 1 && (r = pq_footer_schema_matches(foot, flen, cols, n)) < 0) errno = ENOMEM;
    free(foot);
    return r;
}
