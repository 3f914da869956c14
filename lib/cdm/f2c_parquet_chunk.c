/*
 * f2c_parquet_chunk: writing one column chunk of a row group and describing it for the footer
 * (lib/cdm/f2c_parquet_int.h).  A chunk is its dictionary page (if any data page of it is
 * RLE_DICTIONARY; PageHeader field 7 DictionaryPageHeader: 1 num_values, 2 encoding PLAIN), which
 * must come first, then its data pages in order; its ColumnChunk (field 2 file_offset 0 as the
 * spec now asks, 3 meta_data) carries ColumnMetaData with the offsets, sizes (headers included),
 * encodings used and Statistics (field 3 null_count, 5 max_value, 6 min_value, 7/8 exact flags;
 * values PLAIN-encoded without a length, in the column's TypeDefinedOrder).
 */
#include "f2c_parquet_int.h"

#include <string.h>

f2c_status pq_emit(f2c_pq_writer *w, const void *p, size_t n, f2c_error *err)
{
    if (n == 0) return F2C_OK;
    if (w->write(w->ud, p, n, err) != 0) {
        w->failed = 1;
        if (!err) return F2C_EIO;
        if (err->status == F2C_OK)
            f2c_error_set(err, F2C_EIO, w->file, 0, 0, NULL, "writing Parquet failed");
        return err->status;
    }
    w->pos += n;
    return F2C_OK;
}

/* Compresses and writes the dictionary page; *unc and *comp get its sizes (header included). */
static f2c_status dict_page_write(f2c_pq_writer *w, pq_col *c, uint64_t *unc, uint64_t *comp,
                                  f2c_error *err)
{
    const uint8_t *body = c->dict.data.p;
    size_t blen = c->dict.data.len;
    if (w->codec != F2C_PQ_UNCOMPRESSED) {
        if (pq_compress(w, body, blen) != 0) return pq_enomem(w, err);
        body = w->comp.p;
        blen = w->comp.len;
    }
    f2c_tw *h = &w->hdr;
    f2c_tw_reset(h);
    f2c_tw_begin(h);
    f2c_tw_i32(h, 1, PQ_DICTIONARY_PAGE);        /* PageHeader.type */
    f2c_tw_i32(h, 2, (int32_t)c->dict.data.len); /* uncompressed_page_size */
    f2c_tw_i32(h, 3, (int32_t)blen);             /* compressed_page_size */
    f2c_tw_struct_begin(h, 7);                   /* dictionary_page_header */
    f2c_tw_i32(h, 1, (int32_t)c->dict.n);        /* num_values */
    f2c_tw_i32(h, 2, PQ_PLAIN);                  /* encoding */
    f2c_tw_struct_end(h);
    f2c_tw_struct_end(h);
    if (h->oom) return pq_enomem(w, err);
    f2c_status st = pq_emit(w, h->p, h->len, err);
    if (st == F2C_OK) st = pq_emit(w, body, blen, err);
    *unc = h->len + c->dict.data.len;
    *comp = h->len + blen;
    return st;
}

static size_t stat_value(const pq_col *c, int max, uint8_t *buf, const uint8_t **out)
{
    int64_t v = max ? c->max_i : c->min_i;
    *out = buf;
    switch (c->ptype) {
    case PQ_BOOLEAN:
        buf[0] = (uint8_t)v;
        return 1;
    case PQ_INT32:
        for (int i = 0; i < 4; i++)
            buf[i] = (uint8_t)((uint64_t)v >> (8 * i));
        return 4;
    case PQ_INT64:
        for (int i = 0; i < 8; i++)
            buf[i] = (uint8_t)((uint64_t)v >> (8 * i));
        return 8;
    case PQ_FLBA:
        pq_dec_be(buf, c->type_len, max ? c->max_hi : c->min_hi, max ? c->max_lo : c->min_lo);
        return (size_t)c->type_len;
    default:
        *out = max ? c->max_s.p : c->min_s.p;
        return max ? c->max_s.len : c->min_s.len;
    }
}

/* ColumnMetaData field 12: Statistics. */
static void stats_write(f2c_tw *t, const pq_col *c)
{
    f2c_tw_struct_begin(t, 12);
    f2c_tw_i64(t, 3, (int64_t)c->null_count); /* null_count */
    if (c->has_minmax) {
        uint8_t buf[16];
        const uint8_t *p;
        size_t n = stat_value(c, 1, buf, &p);
        f2c_tw_binary(t, 5, p, n); /* max_value */
        n = stat_value(c, 0, buf, &p);
        f2c_tw_binary(t, 6, p, n); /* min_value */
        f2c_tw_bool(t, 7, 1);      /* is_max_value_exact */
        f2c_tw_bool(t, 8, 1);      /* is_min_value_exact */
    }
    f2c_tw_struct_end(t);
}

/* ColumnMetaData field 13: list<PageEncodingStats> (1 page_type, 2 encoding, 3 count), which
 * tells readers (parquet-mr's dictionary filter) whether every data page uses the dictionary. */
static void encoding_stats_write(f2c_tw *t, const pq_col *c)
{
    int n = (c->dict_pages ? 2 : 0) + (c->plain_pages ? 1 : 0);
    f2c_tw_list(t, 13, F2C_TC_STRUCT, (size_t)n);
    if (c->dict_pages) {
        f2c_tw_elem_begin(t);
        f2c_tw_i32(t, 1, PQ_DICTIONARY_PAGE);
        f2c_tw_i32(t, 2, PQ_PLAIN);
        f2c_tw_i32(t, 3, 1);
        f2c_tw_struct_end(t);
        f2c_tw_elem_begin(t);
        f2c_tw_i32(t, 1, PQ_DATA_PAGE);
        f2c_tw_i32(t, 2, PQ_RLE_DICTIONARY);
        f2c_tw_i32(t, 3, (int32_t)c->dict_pages);
        f2c_tw_struct_end(t);
    }
    if (c->plain_pages) {
        f2c_tw_elem_begin(t);
        f2c_tw_i32(t, 1, PQ_DATA_PAGE);
        f2c_tw_i32(t, 2, PQ_PLAIN);
        f2c_tw_i32(t, 3, (int32_t)c->plain_pages);
        f2c_tw_struct_end(t);
    }
}

static void meta_write(f2c_pq_writer *w, const pq_col *c, f2c_tw *t, uint64_t dict_off,
                       uint64_t data_off, uint64_t unc, uint64_t comp)
{
    static const int codecs[] = {[F2C_PQ_ZSTD] = PQ_ZSTD,
                                 [F2C_PQ_SNAPPY] = PQ_SNAPPY,
                                 [F2C_PQ_UNCOMPRESSED] = PQ_UNCOMPRESSED};
    /* PLAIN: data pages or the dictionary page; RLE: definition levels */
    int enc[3] = {PQ_PLAIN, PQ_RLE, PQ_RLE_DICTIONARY}, ne = c->dict_pages ? 3 : 2;
    f2c_tw_elem_begin(t);                      /* ColumnChunk */
    f2c_tw_i64(t, 2, 0);                       /* file_offset (deprecated: 0) */
    f2c_tw_struct_begin(t, 3);                 /* meta_data: ColumnMetaData */
    f2c_tw_i32(t, 1, c->ptype);                /* type */
    f2c_tw_list(t, 2, F2C_TC_I32, (size_t)ne); /* encodings */
    for (int i = 0; i < ne; i++)
        f2c_tw_elem_i32(t, enc[i]);
    f2c_tw_list(t, 3, F2C_TC_BINARY, 1); /* path_in_schema */
    f2c_tw_elem_binary(t, c->name, strlen(c->name));
    f2c_tw_i32(t, 4, codecs[w->codec]); /* codec */
    f2c_tw_i64(t, 5, (int64_t)c->num_values);
    f2c_tw_i64(t, 6, (int64_t)unc);                          /* total_uncompressed_size */
    f2c_tw_i64(t, 7, (int64_t)comp);                         /* total_compressed_size */
    f2c_tw_i64(t, 9, (int64_t)data_off);                     /* data_page_offset */
    if (c->dict_pages) f2c_tw_i64(t, 11, (int64_t)dict_off); /* dictionary_page_offset */
    stats_write(t, c);
    encoding_stats_write(t, c);
    f2c_tw_struct_end(t);
    f2c_tw_struct_end(t);
}

void pq_col_reset(pq_col *c)
{
    c->chunk.len = 0;
    pq_dict_clear(&c->dict);
    c->use_dict = c->page_dict = c->ptype == PQ_BYTE_ARRAY;
    c->dict_pages = c->plain_pages = 0;
    c->num_values = c->null_count = 0;
    c->unc_size = c->comp_size = 0;
    c->has_minmax = 0;
}

f2c_status pq_chunk_write(f2c_pq_writer *w, pq_col *c, f2c_tw *meta, uint64_t *unc, uint64_t *comp,
                          f2c_error *err)
{
    f2c_status st = pq_page_flush(w, c, err);
    if (st != F2C_OK) return st;
    uint64_t dict_off = w->pos, dunc = 0, dcomp = 0;
    if (c->dict_pages && (st = dict_page_write(w, c, &dunc, &dcomp, err)) != F2C_OK) return st;
    uint64_t data_off = w->pos;
    if ((st = pq_emit(w, c->chunk.p, c->chunk.len, err)) != F2C_OK) return st;
    meta_write(w, c, meta, dict_off, data_off, c->unc_size + dunc, c->comp_size + dcomp);
    if (meta->oom) return pq_enomem(w, err);
    *unc += c->unc_size + dunc;
    *comp += c->comp_size + dcomp;
    pq_col_reset(c);
    return F2C_OK;
}
