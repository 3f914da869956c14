/*
 * f2c_parquet_page: a column's values into data pages v1 (lib/cdm/f2c_parquet_int.h).
 *
 * Each value appends its definition level (1 present, 0 null: every column is OPTIONAL, max
 * definition level 1, no repetition) and, when present, its value: PLAIN (parquet.thrift
 * Encoding 0: little-endian INT32/INT64, BOOLEAN bit-packed LSB first, FIXED_LEN_BYTE_ARRAY
 * bytes, BYTE_ARRAY a 4-byte length then the bytes) or, for a BYTE_ARRAY chunk still within its
 * dictionary budget, the value's dictionary index (RLE_DICTIONARY, Encoding 8).  When the page's
 * value bytes reach page_bytes it is closed: definition levels as the RLE/bit-packed hybrid
 * (Encoding RLE 3, bit width 1, 4-byte little-endian length prefix), then the values (indices:
 * one byte bit width, then the hybrid), compressed together, behind a PageHeader (field 1 type
 * DATA_PAGE, 2 uncompressed_page_size, 3 compressed_page_size, 5 DataPageHeader: 1 num_values,
 * 2 encoding, 3 definition_level_encoding, 4 repetition_level_encoding).  Statistics are kept
 * per chunk as values arrive (for dictionary-encoded strings only when an entry is added).
 */
#include "f2c_parquet_int.h"

#include <assert.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

f2c_status pq_enomem(f2c_pq_writer *w, f2c_error *err)
{
    w->failed = 1;
    return f2c_error_set(err, F2C_ENOMEM, w->file, 0, 0, NULL, "out of memory writing Parquet");
}

/* ---- the RLE / bit-packed hybrid (parquet-format Encodings.md) ---- */

static void uvarint(pq_bytes *b, uint64_t v)
{
    while (v >= 0x80) {
        b->p[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->p[b->len++] = (uint8_t)v;
}

static void rle_run(pq_bytes *b, uint32_t v, size_t count, int width)
{
    uvarint(b, (uint64_t)count << 1);
    for (int i = 0; i < (width + 7) / 8; i++)
        b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

/* Bit-packs groups of 8 of v[start..n) (zeros past n), width bits each, LSB first. */
static void packed_run(pq_bytes *b, const uint32_t *v, size_t start, size_t groups, size_t n,
                       int width)
{
    uvarint(b, (uint64_t)groups << 1 | 1);
    uint64_t acc = 0;
    int bits = 0;
    for (size_t i = start; i < start + groups * 8; i++) {
        acc |= (uint64_t)(i < n ? v[i] : 0) << bits;
        bits += width;
        while (bits >= 8) {
            b->p[b->len++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

static int run_of_8(const uint32_t *v, size_t i, size_t n)
{
    if (n - i < 8) return 0;
    for (size_t k = 1; k < 8; k++)
        if (v[i + k] != v[i]) return 0;
    return 1;
}

/* Appends the hybrid encoding of v[0..n) at width bits (1..32): runs of 8 or more equal values
 * as RLE runs, the rest as bit-packed runs of at most 63 groups (padding only at the end). */
static int hybrid(pq_bytes *b, const uint32_t *v, size_t n, int width)
{
    /* worst case: every 8 values cost one header byte plus width bytes, plus a final run */
    if (pq_bytes_reserve(b, (n / 8 + 2) * (size_t)(width + 10) + 16) != 0) return -1;
    size_t i = 0;
    while (i < n) {
        size_t r = 1;
        while (i + r < n && v[i + r] == v[i])
            r++;
        if (r >= 8) {
            rle_run(b, v[i], r, width);
            i += r;
            continue;
        }
        size_t start = i, groups = 0;
        while (i < n && groups < 63 && !run_of_8(v, i, n)) {
            groups++;
            i += 8;
        }
        packed_run(b, v, start, groups, n, width);
        if (i > n) i = n;
    }
    return 0;
}

static int bit_width(size_t max)
{
    int w = 1;
    while (w < 32 && ((uint64_t)1 << w) <= max)
        w++;
    return w;
}

/* ---- compression ---- */

int pq_compress(f2c_pq_writer *w, const uint8_t *src, size_t n)
{
    w->comp.len = 0;
    if (w->codec == F2C_PQ_SNAPPY) {
        size_t cap = snappy_max_compressed_length(n);
        if (pq_bytes_reserve(&w->comp, cap) != 0) return -1;
        if (snappy_compress((const char *)src, n, (char *)w->comp.p, &cap) != SNAPPY_OK) return -1;
        w->comp.len = cap;
        return 0;
    }
    if (!w->zctx && !(w->zctx = ZSTD_createCCtx())) return -1;
    size_t cap = ZSTD_compressBound(n);
    if (pq_bytes_reserve(&w->comp, cap) != 0) return -1;
    size_t r = ZSTD_compressCCtx(w->zctx, w->comp.p, cap, src, n, w->zstd_level);
    if (ZSTD_isError(r)) return -1;
    w->comp.len = r;
    return 0;
}

/* ---- pages ---- */

static int page_levels(f2c_pq_writer *w, pq_col *c)
{
    if (w->scratch_cap < c->page_n) {
        uint32_t *s = realloc(w->scratch, c->page_n * sizeof *s);
        if (!s) return -1;
        w->scratch = s;
        w->scratch_cap = c->page_n;
    }
    for (size_t i = 0; i < c->page_n; i++)
        w->scratch[i] = c->defs.p[i];
    size_t at = w->page.len;
    if (pq_bytes_reserve(&w->page, 4) != 0) return -1;
    w->page.len += 4;
    if (hybrid(&w->page, w->scratch, c->page_n, 1) != 0) return -1;
    put_le32(w->page.p + at, (uint32_t)(w->page.len - at - 4));
    return 0;
}

static int page_values(f2c_pq_writer *w, pq_col *c)
{
    if (!c->page_dict) return pq_bytes_put(&w->page, c->vals.p, c->vals.len);
    int width = bit_width(c->dict.n ? c->dict.n - 1 : 0);
    if (pq_bytes_reserve(&w->page, 1) != 0) return -1;
    w->page.p[w->page.len++] = (uint8_t)width;
    /* indices are stored native-endian uint32 in vals, 4-byte aligned by realloc */
    return hybrid(&w->page, (const uint32_t *)(void *)c->vals.p, c->vals.len / 4, width);
}

/* Appends header + body to the chunk; sizes count the header as ColumnMetaData fields 6/7 do. */
static int page_append(f2c_pq_writer *w, pq_col *c, size_t unc, const pq_bytes *body)
{
    if (pq_bytes_put(&c->chunk, w->hdr.p, w->hdr.len) != 0 ||
        pq_bytes_put(&c->chunk, body->p, body->len) != 0)
        return -1;
    c->unc_size += w->hdr.len + unc;
    c->comp_size += w->hdr.len + body->len;
    return 0;
}

f2c_status pq_page_flush(f2c_pq_writer *w, pq_col *c, f2c_error *err)
{
    if (c->page_n == 0) return F2C_OK;
    /* a page of nulls before the dictionary's first entry is PLAIN (no empty dictionary) */
    if (c->page_dict && c->dict.n == 0) c->page_dict = 0;
    w->page.len = 0;
    if (page_levels(w, c) != 0 || page_values(w, c) != 0) return pq_enomem(w, err);
    const pq_bytes *body = &w->page;
    if (w->codec != F2C_PQ_UNCOMPRESSED) {
        if (pq_compress(w, w->page.p, w->page.len) != 0) return pq_enomem(w, err);
        body = &w->comp;
    }
    f2c_tw *h = &w->hdr;
    f2c_tw_reset(h);
    f2c_tw_begin(h);
    f2c_tw_i32(h, 1, PQ_DATA_PAGE);         /* PageHeader.type */
    f2c_tw_i32(h, 2, (int32_t)w->page.len); /* uncompressed_page_size */
    f2c_tw_i32(h, 3, (int32_t)body->len);   /* compressed_page_size */
    f2c_tw_struct_begin(h, 5);              /* data_page_header: DataPageHeader */
    f2c_tw_i32(h, 1, (int32_t)c->page_n);   /* num_values (nulls included) */
    f2c_tw_i32(h, 2, c->page_dict ? PQ_RLE_DICTIONARY : PQ_PLAIN); /* encoding */
    f2c_tw_i32(h, 3, PQ_RLE);                                      /* definition_level_encoding */
    f2c_tw_i32(h, 4, PQ_RLE); /* repetition_level_encoding (none written) */
    f2c_tw_struct_end(h);
    f2c_tw_struct_end(h);
    if (h->oom || page_append(w, c, w->page.len, body) != 0) return pq_enomem(w, err);
    if (c->page_dict)
        c->dict_pages++;
    else
        c->plain_pages++;
    c->defs.len = c->vals.len = 0;
    c->page_n = c->bool_bits = 0;
    c->page_dict = c->use_dict;
    return F2C_OK;
}

/* Whether the open page is full: its value bytes as they will be encoded (indices at their bit
 * width) reach page_bytes, or it holds PQ_PAGE_MAX_VALUES values (so pages of nulls, booleans
 * or small indices, whose levels and indices take more memory than their encoding, stay small,
 * and readers can skip at a finer grain). */
static int page_full(const f2c_pq_writer *w, const pq_col *c)
{
    if (c->page_n >= PQ_PAGE_MAX_VALUES) return 1;
    if (!c->page_dict) return c->vals.len >= w->page_bytes;
    return c->vals.len / 4 * (size_t)bit_width(c->dict.n) / 8 >= w->page_bytes;
}

f2c_status pq_col_value_done(f2c_pq_writer *w, pq_col *c, f2c_error *err)
{
    c->num_values++;
    if (page_full(w, c)) return pq_page_flush(w, c, err);
    return F2C_OK;
}

/* The bytes a row group's write releases: pages, the open page, and the dictionary's entries
 * (bytes, offset, hash, about two hash slots each).  Capacities kept for the next row group are
 * not counted: they do not shrink when the group is written, so counting them made every row
 * close a group once they passed a small budget (one-row row groups with --memory 4M). */
size_t pq_col_buffered(const pq_col *c)
{
    const pq_dict *d = &c->dict;
    return c->chunk.len + c->vals.len + c->defs.len + d->data.len + d->n * (4 + 8 + 2 * 8);
}

/* ---- values ---- */

static inline pq_col *col_begin(f2c_pq_writer *w, size_t col, int present)
{
    assert(col < w->ncols);
    pq_col *c = &w->cols[col];
    assert(!c->set);
    c->set = 1;
    c->defs.p[c->defs.len++] = (uint8_t)present;
    c->page_n++;
    return c;
}

/* Room for one more level and v more value bytes; -1 out of memory. */
static inline int col_room(pq_col *c, size_t v)
{
    return pq_bytes_reserve(&c->defs, 1) || pq_bytes_reserve(&c->vals, v) ? -1 : 0;
}

static inline void stat_int(pq_col *c, int64_t v)
{
    if (!c->has_minmax) {
        c->min_i = c->max_i = v;
        c->has_minmax = 1;
    } else if (v < c->min_i) {
        c->min_i = v;
    } else if (v > c->max_i) {
        c->max_i = v;
    }
}

f2c_status f2c_pq_null(f2c_pq_writer *w, size_t col, f2c_error *err)
{
    if (col_room(&w->cols[col], 0) != 0) return pq_enomem(w, err);
    pq_col *c = col_begin(w, col, 0);
    c->null_count++;
    return pq_col_value_done(w, c, err);
}

f2c_status f2c_pq_bool(f2c_pq_writer *w, size_t col, int v, f2c_error *err)
{
    assert(w->cols[col].kind == F2C_PQ_BOOLEAN);
    if (col_room(&w->cols[col], 1) != 0) return pq_enomem(w, err);
    pq_col *c = col_begin(w, col, 1);
    if (c->bool_bits % 8 == 0) c->vals.p[c->vals.len++] = 0;
    if (v) c->vals.p[c->vals.len - 1] |= (uint8_t)(1u << (c->bool_bits % 8));
    c->bool_bits++;
    stat_int(c, v != 0);
    return pq_col_value_done(w, c, err);
}

static f2c_status put_i32(f2c_pq_writer *w, size_t col, int32_t v, f2c_error *err)
{
    if (col_room(&w->cols[col], 4) != 0) return pq_enomem(w, err);
    pq_col *c = col_begin(w, col, 1);
    put_le32(c->vals.p + c->vals.len, (uint32_t)v);
    c->vals.len += 4;
    stat_int(c, v);
    return pq_col_value_done(w, c, err);
}

static f2c_status put_i64(f2c_pq_writer *w, size_t col, int64_t v, f2c_error *err)
{
    if (col_room(&w->cols[col], 8) != 0) return pq_enomem(w, err);
    pq_col *c = col_begin(w, col, 1);
    put_le64(c->vals.p + c->vals.len, (uint64_t)v);
    c->vals.len += 8;
    stat_int(c, v);
    return pq_col_value_done(w, c, err);
}

f2c_status f2c_pq_int32(f2c_pq_writer *w, size_t col, int32_t v, f2c_error *err)
{
    assert(col < w->ncols);
    assert(w->cols[col].kind == F2C_PQ_INT32 || w->cols[col].kind == F2C_PQ_DATE);
    return put_i32(w, col, v, err);
}

f2c_status f2c_pq_int64(f2c_pq_writer *w, size_t col, int64_t v, f2c_error *err)
{
    assert(col < w->ncols);
    assert(w->cols[col].kind == F2C_PQ_INT64 || w->cols[col].kind == F2C_PQ_TIMESTAMP ||
           w->cols[col].kind == F2C_PQ_TIME || w->cols[col].kind == F2C_PQ_TIMESTAMP_LOCAL);
    assert(w->cols[col].kind != F2C_PQ_TIME || (v >= 0 && v < 86400000000LL));
    return put_i64(w, col, v, err);
}

static inline int dec_less(int64_t ahi, uint64_t alo, int64_t bhi, uint64_t blo)
{
    return ahi < bhi || (ahi == bhi && alo < blo);
}

static void stat_dec128(pq_col *c, int64_t hi, uint64_t lo)
{
    if (!c->has_minmax) {
        c->min_hi = c->max_hi = hi;
        c->min_lo = c->max_lo = lo;
        c->has_minmax = 1;
        return;
    }
    if (dec_less(hi, lo, c->min_hi, c->min_lo)) c->min_hi = hi, c->min_lo = lo;
    if (dec_less(c->max_hi, c->max_lo, hi, lo)) c->max_hi = hi, c->max_lo = lo;
}

/* FIXED_LEN_BYTE_ARRAY: the low n bytes of hi:lo, big-endian (two's complement). */
void pq_dec_be(uint8_t *p, int n, int64_t hi, uint64_t lo)
{
    for (int i = 0; i < n; i++) {
        int k = n - 1 - i; /* byte k counted from the least significant */
        p[i] = k < 8 ? (uint8_t)(lo >> (8 * k)) : (uint8_t)((uint64_t)hi >> (8 * (k - 8)));
    }
}

f2c_status f2c_pq_decimal(f2c_pq_writer *w, size_t col, int64_t hi, uint64_t lo, f2c_error *err)
{
    assert(col < w->ncols);
    pq_col *c = &w->cols[col];
    assert(c->kind == F2C_PQ_DECIMAL);
    if (c->ptype == PQ_INT32 || c->ptype == PQ_INT64) {
        /* precision <= 18: hi is the sign extension of lo */
        assert(hi == ((int64_t)lo < 0 ? -1 : 0));
        if (c->ptype == PQ_INT32) return put_i32(w, col, (int32_t)(int64_t)lo, err);
        return put_i64(w, col, (int64_t)lo, err);
    }
    if (col_room(c, (size_t)c->type_len) != 0) return pq_enomem(w, err);
    col_begin(w, col, 1);
    pq_dec_be(c->vals.p + c->vals.len, c->type_len, hi, lo);
    c->vals.len += (size_t)c->type_len;
    stat_dec128(c, hi, lo);
    return pq_col_value_done(w, c, err);
}

/* Unsigned bytewise order (parquet.thrift ColumnOrder: UTF8). */
static int bytes_cmp(const uint8_t *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

static int stat_bytes(pq_col *c, const char *s, size_t len)
{
    if (!c->has_minmax || bytes_cmp(c->min_s.p, c->min_s.len, s, len) > 0) {
        c->min_s.len = 0;
        if (pq_bytes_put(&c->min_s, s, len) != 0) return -1;
    }
    if (!c->has_minmax || bytes_cmp(c->max_s.p, c->max_s.len, s, len) < 0) {
        c->max_s.len = 0;
        if (pq_bytes_put(&c->max_s, s, len) != 0) return -1;
    }
    c->has_minmax = 1;
    return 0;
}

/* Dictionary-encodes s; falls the chunk back to PLAIN once the dictionary reaches its budget. */
static f2c_status bytes_dict(f2c_pq_writer *w, pq_col *c, const char *s, size_t len, f2c_error *err)
{
    int added;
    int64_t i = pq_dict_find_or_add(&c->dict, s, len, &added);
    if (i < 0 || (added && stat_bytes(c, s, len) != 0)) return pq_enomem(w, err);
    uint32_t u = (uint32_t)i;
    memcpy(c->vals.p + c->vals.len, &u, 4);
    c->vals.len += 4;
    c->num_values++;
    if (c->dict.data.len >= w->dict_bytes) {
        f2c_status st = pq_page_flush(w, c, err);
        c->use_dict = c->page_dict = 0;
        return st;
    }
    if (page_full(w, c)) return pq_page_flush(w, c, err);
    return F2C_OK;
}

f2c_status f2c_pq_bytes(f2c_pq_writer *w, size_t col, const char *s, size_t len, f2c_error *err)
{
    assert(col < w->ncols);
    pq_col *c = &w->cols[col];
    assert(c->kind == F2C_PQ_STRING);
    if (len > INT32_MAX || col_room(c, c->use_dict ? 4 : len + 4) != 0) return pq_enomem(w, err);
    col_begin(w, col, 1);
    if (c->use_dict) return bytes_dict(w, c, s, len, err);
    put_le32(c->vals.p + c->vals.len, (uint32_t)len);
    if (len) memcpy(c->vals.p + c->vals.len + 4, s, len);
    c->vals.len += len + 4;
    if (stat_bytes(c, s, len) != 0) return pq_enomem(w, err);
    return pq_col_value_done(w, c, err);
}
