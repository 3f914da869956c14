/*
 * f2c_parquet_read: the file, its footer and its row groups (lib/cdm/f2c_parquet_read.h); pages,
 * levels, values and their text are in f2c_parquet_read_page.c.  Field ids in comments are
 * those of Apache Parquet's parquet.thrift, as in the writer (docs/parquet-format.md).
 *
 * Why read so: the writer's layout is "PAR1", row groups (each every column's chunk in schema
 * order: an optional dictionary page, then data pages v1), the FileMetaData footer (1 version,
 * 2 schema, 3 num_rows, 4 row_groups: RowGroup 1 columns, 3 num_rows; ColumnChunk 1 file_path,
 * 3 meta_data: ColumnMetaData 1 type, 3 path_in_schema, 4 codec, 5 num_values,
 * 7 total_compressed_size, 9 data_page_offset, 11 dictionary_page_offset), its length and
 * "PAR1".  The schema is compared byte for byte with what a writer of the columns would write
 * (pq_footer_schema_matches, the rule of f2c_pq_schema_matches), so after that check every
 * column's physical and logical type is known from the columns alone; the rest of the footer
 * is read field by field, every offset checked to lie in the file's data area, and a row group
 * is then read one column chunk each and delivered row by row, so memory is one row group's
 * compressed chunks plus one decoded page and dictionary per column.
 */
#include "f2c_parquet_read_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* ---- the file ------------------------------------------------------------------------------ */

/* Reads exactly n bytes at off into p: F2C_OK, or F2C_EIO (a read error; the file ending early,
 * i.e. it shrank since fstat). */
static f2c_status pread_exact(prd *r, void *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pread(r->fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0)
            return f2c_error_set(r->err, F2C_EIO, r->shown, 0, 0, NULL, "cannot read: %s",
                                 strerror(errno));
        if (k == 0) return prd_bad(r, "the file ends at byte %llu", (unsigned long long)off);
        p = (char *)p + k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return F2C_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file's size, magic and footer: *foot gets the FileMetaData bytes (freed by the caller);
 * r->data_end is where the footer starts. */
static f2c_status footer_load(prd *r, pq_bytes *foot)
{
    struct stat st;
    uint8_t head[4], tail[8];
    if (fstat(r->fd, &st) != 0)
        return f2c_error_set(r->err, F2C_EIO, r->shown, 0, 0, NULL, "cannot read: %s",
                             strerror(errno));
    if (st.st_size < 12)
        return prd_bad(r, "%lld bytes, too short for Parquet", (long long)st.st_size);
    r->size = (uint64_t)st.st_size;
    f2c_status s = pread_exact(r, head, 4, 0);
    if (s == F2C_OK) s = pread_exact(r, tail, 8, r->size - 8);
    if (s != F2C_OK) return s;
    if (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0)
        return prd_bad(r, "no \"PAR1\" magic at its start and end");
    uint32_t flen = le32(tail);
    if (flen == 0 || flen > r->size - 12)
        return prd_bad(r, "footer length %lu does not fit the file's %llu bytes",
                       (unsigned long)flen, (unsigned long long)r->size);
    r->data_end = r->size - 8 - flen;
    if (pq_bytes_reserve(foot, flen) != 0) return prd_nomem(r);
    foot->len = flen;
    return pread_exact(r, foot->p, flen, r->data_end);
}

/* ---- the footer ---------------------------------------------------------------------------- */

/* An i32 or i64 field's value into *v: 0, or -1 when the field's type is not want or the
 * varint is malformed. */
static int int_value(f2c_tr *t, int type, int want, int64_t *v)
{
    if (type != want) return -1;
    return f2c_tr_varint(t, v);
}

/* Whether ColumnMetaData 3 path_in_schema (a list<binary>) is exactly [name]: 1 or 0. */
static int path_is(f2c_tr *t, const char *name)
{
    int elem;
    uint32_t n;
    const uint8_t *p;
    size_t len;
    if (f2c_tr_list(t, &elem, &n) != 0 || elem != F2C_TC_BINARY || n != 1) return 0;
    if (f2c_tr_binary(t, &p, &len) != 0) return 0;
    return len == strlen(name) && memcmp(p, name, len) == 0;
}

/* One ColumnMetaData field into *k (unknown ids skipped); -1 malformed or not ours. */
static int chunk_meta_field(f2c_tr *t, int type, int id, const prd_col *c, prd_chunk *k)
{
    int64_t v = 0;
    switch (id) {
    case 1: /* type */
        return int_value(t, type, F2C_TC_I32, &v) || v != c->ptype ? -1 : 0;
    case 3: /* path_in_schema */
        return type == F2C_TC_LIST && path_is(t, c->def->name) ? (k->seen |= 1, 0) : -1;
    case 4: /* codec */
        if (int_value(t, type, F2C_TC_I32, &v) != 0) return -1;
        k->codec = (int)v;
        return v == PQ_UNCOMPRESSED || v == PQ_SNAPPY || v == PQ_ZSTD ? (k->seen |= 2, 0) : -1;
    case 5: /* num_values */
        return int_value(t, type, F2C_TC_I64, &k->num_values) ? -1 : (k->seen |= 4, 0);
    case 7: /* total_compressed_size */
        return int_value(t, type, F2C_TC_I64, &k->comp_size) ? -1 : (k->seen |= 8, 0);
    case 9: /* data_page_offset */
        return int_value(t, type, F2C_TC_I64, &k->data_off) ? -1 : (k->seen |= 16, 0);
    case 11: /* dictionary_page_offset */
        return int_value(t, type, F2C_TC_I64, &k->dict_off) ? -1 : 0;
    default:
        return f2c_tr_skip(t, type);
    }
}

/* Whether chunk k's bytes lie in the data area (after "PAR1", before the footer) and its data
 * pages start within it, after its dictionary page: 1 or 0. */
static int chunk_in_file(const prd *r, const prd_chunk *k)
{
    int64_t start = k->dict_off >= 0 ? k->dict_off : k->data_off;
    if (k->num_values < 0 || k->comp_size < 1 || start < 4 || (uint64_t)start >= r->data_end)
        return 0;
    if ((uint64_t)k->comp_size > r->data_end - (uint64_t)start) return 0;
    /* the data pages start within the chunk, after the dictionary page */
    return k->data_off >= start && k->data_off - start < k->comp_size &&
           (k->dict_off < 0 || k->dict_off < k->data_off);
}

/* ColumnMetaData of column c (ColumnChunk field 3). */
static f2c_status chunk_meta(prd *r, f2c_tr *t, const prd_col *c, prd_chunk *k)
{
    int16_t last = 0;
    int type = F2C_TC_STOP, id;
    *k = (prd_chunk){.dict_off = -1};
    while (f2c_tr_field(t, &last, &type, &id) == 0 && type != F2C_TC_STOP)
        if (chunk_meta_field(t, type, id, c, k) != 0)
            return prd_bad(r,
                           "row group %zu, column \"%s\": ColumnMetaData field %d is not "
                           "what the writer writes",
                           r->group + 1, c->def->name, id);
    if (t->err || k->seen != 31 || !chunk_in_file(r, k))
        return prd_bad(r,
                       "row group %zu, column \"%s\": ColumnMetaData is incomplete or its "
                       "offsets lie outside the file's data",
                       r->group + 1, c->def->name);
    if (k->dict_off >= 0 && c->ptype != PQ_BYTE_ARRAY)
        return prd_bad(r,
                       "row group %zu, column \"%s\": a dictionary for a column the writer "
                       "never dictionary-encodes",
                       r->group + 1, c->def->name);
    return F2C_OK;
}

/* ColumnChunk of column c: 3 meta_data; a 1 file_path (data in another file) is refused. */
static f2c_status chunk_parse(prd *r, f2c_tr *t, const prd_col *c, prd_chunk *k)
{
    int16_t last = 0;
    int type = F2C_TC_STOP, id, have = 0;
    while (f2c_tr_field(t, &last, &type, &id) == 0 && type != F2C_TC_STOP) {
        if (id == 3 && type == F2C_TC_STRUCT) {
            f2c_status s = chunk_meta(r, t, c, k);
            if (s != F2C_OK) return s;
            have = 1;
        } else if (id == 1 || f2c_tr_skip(t, type) != 0) {
            break;
        }
    }
    if (t->err || !have || type != F2C_TC_STOP)
        return prd_bad(r, "row group %zu, column \"%s\": malformed ColumnChunk", r->group + 1,
                       c->def->name);
    return F2C_OK;
}

/* RowGroup field 1: list<ColumnChunk>, one per column in schema order. */
static f2c_status group_columns(prd *r, f2c_tr *t, prd_group *g)
{
    int elem;
    uint32_t n;
    if (f2c_tr_list(t, &elem, &n) != 0 || elem != F2C_TC_STRUCT || n != r->ncols || g->chunks)
        return prd_bad(r, "row group %zu: not one column chunk per column", r->group + 1);
    if (!(g->chunks = calloc(r->ncols, sizeof *g->chunks))) return prd_nomem(r);
    for (size_t i = 0; i < r->ncols; i++) {
        f2c_status s = chunk_parse(r, t, &r->cols[i], &g->chunks[i]);
        if (s != F2C_OK) return s;
    }
    return F2C_OK;
}

/* One RowGroup: 1 columns, 3 num_rows; every chunk must hold num_rows values. */
static f2c_status group_parse(prd *r, f2c_tr *t, prd_group *g)
{
    int16_t last = 0;
    int type = F2C_TC_STOP, id, rows = 0;
    f2c_status s = F2C_OK;
    while (s == F2C_OK && f2c_tr_field(t, &last, &type, &id) == 0 && type != F2C_TC_STOP) {
        if (id == 1 && type == F2C_TC_LIST)
            s = group_columns(r, t, g);
        else if (id == 3)
            rows = int_value(t, type, F2C_TC_I64, &g->num_rows) == 0;
        else if (f2c_tr_skip(t, type) != 0)
            break;
    }
    if (s != F2C_OK) return s;
    if (t->err || type != F2C_TC_STOP || !g->chunks || !rows || g->num_rows < 1)
        return prd_bad(r, "row group %zu: malformed RowGroup", r->group + 1);
    for (size_t i = 0; i < r->ncols; i++)
        if (g->chunks[i].num_values != g->num_rows)
            return prd_bad(r, "row group %zu, column \"%s\": %lld values for %lld rows",
                           r->group + 1, r->cols[i].def->name, (long long)g->chunks[i].num_values,
                           (long long)g->num_rows);
    return F2C_OK;
}

/* FileMetaData field 4: list<RowGroup>.  Its size is bounded by the footer's bytes (every
 * RowGroup takes at least one), so the array is too. */
static f2c_status groups_parse(prd *r, f2c_tr *t)
{
    int elem;
    uint32_t n;
    if (f2c_tr_list(t, &elem, &n) != 0 || elem != F2C_TC_STRUCT || n > t->n - t->pos || r->groups)
        return prd_bad(r, "malformed row_groups list in the footer");
    if (n && !(r->groups = calloc(n, sizeof *r->groups))) return prd_nomem(r);
    r->ngroups = n;
    for (r->group = 0; r->group < n; r->group++) {
        f2c_status s = group_parse(r, t, &r->groups[r->group]);
        if (s != F2C_OK) return s;
    }
    return F2C_OK;
}

/* FileMetaData: 3 num_rows, 4 row_groups (the schema, field 2, is checked apart); the row groups'
 * rows must add up to num_rows. */
static f2c_status meta_parse(prd *r, const uint8_t *p, size_t n)
{
    f2c_tr t = {p, n, 0, 0};
    int16_t last = 0;
    int type = F2C_TC_STOP, id, rows = 0, groups = 0;
    int64_t num_rows = 0, sum = 0;
    while (f2c_tr_field(&t, &last, &type, &id) == 0 && type != F2C_TC_STOP) {
        if (id == 4 && type == F2C_TC_LIST) {
            f2c_status s = groups_parse(r, &t);
            if (s != F2C_OK) return s;
            groups = 1;
        } else if (id == 3) {
            rows = int_value(&t, type, F2C_TC_I64, &num_rows) == 0;
        } else if (f2c_tr_skip(&t, type) != 0) {
            break;
        }
    }
    if (t.err || type != F2C_TC_STOP || !rows || !groups)
        return prd_bad(r, "malformed footer (FileMetaData)");
    for (size_t g = 0; g < r->ngroups; g++) {
        if (r->groups[g].num_rows > INT64_MAX - sum) return prd_bad(r, "row counts overflow");
        sum += r->groups[g].num_rows; /* each >= 1 (group_parse) */
    }
    if (sum != num_rows)
        return prd_bad(r, "the row groups hold %lld rows, the footer says %lld", (long long)sum,
                       (long long)num_rows);
    return F2C_OK;
}

/* ---- rows ---------------------------------------------------------------------------------- */

/* Reads row group g's chunks, then delivers its rows. */
static f2c_status group_rows(prd *r, size_t g, f2c_sink_read_fn fn, void *ud)
{
    const prd_group *grp = &r->groups[g];
    r->group = g;
    for (size_t i = 0; i < r->ncols; i++) {
        r->cols[i].chunk = grp->chunks[i];
        const prd_chunk *k = &r->cols[i].chunk;
        pq_bytes *b = &r->cols[i].bytes;
        int64_t start = k->dict_off >= 0 ? k->dict_off : k->data_off;
        b->len = 0;
        if (pq_bytes_reserve(b, (size_t)k->comp_size) != 0) return prd_nomem(r);
        f2c_status s = pread_exact(r, b->p, (size_t)k->comp_size, (uint64_t)start);
        if (s != F2C_OK) return s;
        b->len = (size_t)k->comp_size;
        prd_col_start(&r->cols[i]);
    }
    for (int64_t row = 0; row < grp->num_rows; row++, r->row++) {
        for (size_t i = 0; i < r->ncols; i++) {
            f2c_status s = prd_cell(r, &r->cols[i], &r->cells[i], &r->lens[i]);
            if (s != F2C_OK) return s;
        }
        f2c_status s = fn(ud, r->ncols, r->cells, r->lens, r->err);
        if (s != F2C_OK) return s;
    }
    for (size_t i = 0; i < r->ncols; i++)
        if (!prd_col_done(&r->cols[i]))
            return prd_bad(r, "row group %zu, column \"%s\": more pages or values than rows", g + 1,
                           r->cols[i].def->name);
    return F2C_OK;
}

/* r's columns (cols borrowed; valid: the schema check passed) and the row's cell arrays. */
static f2c_status setup(prd *r, const f2c_pq_column *cols, size_t n)
{
    if (!(r->cols = calloc(n ? n : 1, sizeof *r->cols)) ||
        !(r->cells = calloc(n ? n : 1, sizeof *r->cells)) ||
        !(r->lens = calloc(n ? n : 1, sizeof *r->lens)))
        return prd_nomem(r);
    r->ncols = n;
    for (size_t i = 0; i < n; i++) {
        r->cols[i].def = &cols[i];
        r->cols[i].ptype = pq_physical(cols[i].kind, cols[i].precision, &r->cols[i].type_len);
    }
    return F2C_OK;
}

/* Frees everything r holds (not r). */
static void teardown(prd *r)
{
    for (size_t i = 0; i < r->ncols; i++)
        prd_col_free(&r->cols[i]);
    for (size_t g = 0; g < r->ngroups; g++)
        free(r->groups[g].chunks);
    free(r->groups);
    free(r->cols);
    free(r->cells);
    free(r->lens);
    ZSTD_freeDCtx(r->zctx);
}

/* The footer's schema against cols (byte for byte, as f2c_pq_schema_matches compares). */
static f2c_status schema_check(prd *r, const pq_bytes *foot, const f2c_pq_column *cols, size_t n)
{
    int m = pq_footer_schema_matches(foot->p, foot->len, cols, n);
    if (m < 0) return prd_nomem(r);
    if (m == 0)
        return prd_bad(r, "its schema differs from the table's (columns, their order, types or "
                          "decimal precision and scale)");
    return F2C_OK;
}

f2c_status pq_read_rows(int fd, const f2c_pq_column *cols, size_t n, const char *shown,
                        f2c_sink_read_fn fn, void *ud, f2c_error *err)
{
    prd r = {.fd = fd, .shown = shown ? shown : "", .err = err};
    pq_bytes foot = {0};
    f2c_status s = footer_load(&r, &foot);
    if (s == F2C_OK) s = schema_check(&r, &foot, cols, n);
    if (s == F2C_OK) s = setup(&r, cols, n);
    if (s == F2C_OK) s = meta_parse(&r, foot.p, foot.len);
    pq_bytes_free(&foot);
    for (size_t g = 0; s == F2C_OK && g < r.ngroups; g++)
        s = group_rows(&r, g, fn, ud);
    teardown(&r);
    return s;
}
