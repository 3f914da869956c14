/*
 * f2c_parquet_read_page: one column chunk's pages back into cell text
 * (lib/cdm/f2c_parquet_read_int.h) -- the inverse of f2c_parquet_page.c and f2c_parquet_chunk.c.
 *
 * Why each rule: a chunk is what the writer makes of it and nothing else -- an optional
 * dictionary page first (PageHeader 1 type DICTIONARY_PAGE, 7 dictionary_page_header: 1
 * num_values, 2 encoding PLAIN) for BYTE_ARRAY columns only, then data pages v1 (1 type
 * DATA_PAGE, 2 uncompressed_page_size, 3 compressed_page_size, 5 data_page_header: 1
 * num_values, 2 encoding PLAIN or RLE_DICTIONARY, 3 definition_level_encoding RLE), each body
 * compressed whole with the chunk's codec: the definition levels (RLE/bit-packed hybrid, bit
 * width 1, behind a 4-byte little-endian length), then PLAIN values or a bit-width byte and the
 * dictionary indices in the same hybrid.  Every size is checked against the bytes that hold it
 * before use; a page's declared decompressed size must agree with its codec's own header and be
 * within the codec's largest expansion of the compressed bytes (ZSTD: an RLE block, 4 bytes to
 * 128 KiB; Snappy: a 3-byte copy of 64 bytes), so a page can never make the reader allocate
 * more than its bytes can really produce.  Values become the canonical cell text of their
 * column's kind (f2c_pq_value.h); a value no text gives (a date outside 0001..9999) and an
 * empty string (the sink writes empty cells as nulls) are refused, as neither could be written
 * back as the same stored value.
 */
#include "f2c_parquet_read_int.h"

#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define ZSTD_MAX_RATIO 32768u /* 128 KiB (ZSTD_BLOCKSIZE_MAX) from a 4-byte RLE block */
#define SNAPPY_MAX_RATIO 22u  /* 64 bytes from a 3-byte copy */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- errors -------------------------------------------------------------------------------- */

f2c_status prd_bad(prd *r, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return f2c_error_set(r->err, F2C_EIO, r->shown, 0, 0, NULL,
                         "not a Parquet partition this build writes for the table: %s", msg);
}

f2c_status prd_nomem(prd *r)
{
    return f2c_error_set(r->err, F2C_ENOMEM, r->shown, 0, 0, NULL, "out of memory");
}

/* prd_bad with the place: row group, column and row. */
static f2c_status col_bad(prd *r, const prd_col *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static f2c_status col_bad(prd *r, const prd_col *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return prd_bad(r, "row group %zu, column \"%s\", row %llu: %s", r->group + 1, c->def->name,
                   (unsigned long long)r->row + 1, msg);
}

/* ---- the RLE / bit-packed hybrid ----------------------------------------------------------- */

/* Starts h on the runs at p[0..n) (borrowed), width bits per value (1..32). */
static void hy_init(prd_hybrid *h, const uint8_t *p, size_t n, int width)
{
    *h = (prd_hybrid){.p = p, .n = n, .width = width};
}

/* A ULEB128 run header at h->pos (at most 10 bytes) into *v; 0, or -1 when malformed. */
static int hy_uvarint(prd_hybrid *h, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && h->pos < h->n; shift += 7) {
        uint8_t b = h->p[h->pos++];
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Starts the next run: bit-packed (header groups << 1 | 1, then groups * width bytes) or RLE
 * (header count << 1, then the value in ceil(width / 8) little-endian bytes).  -1 when the
 * bytes end, a run is empty, or an RLE value does not fit the width. */
static int hy_run(prd_hybrid *h)
{
    uint64_t hdr;
    if (hy_uvarint(h, &hdr) != 0 || hdr >> 1 == 0) return -1;
    if (hdr & 1) {
        uint64_t groups = hdr >> 1;
        if (groups > (h->n - h->pos) / (uint64_t)h->width) return -1;
        h->packed = 1;
        h->run = h->p + h->pos;
        h->bit = 0;
        h->left = groups * 8;
        h->pos += (size_t)(groups * (uint64_t)h->width);
        return 0;
    }
    size_t nb = (size_t)(h->width + 7) / 8;
    if (h->n - h->pos < nb) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < nb; i++)
        v |= (uint64_t)h->p[h->pos + i] << (8 * i);
    if (h->width < 32 && v >> h->width) return -1;
    h->pos += nb;
    h->packed = 0;
    h->value = (uint32_t)v;
    h->left = hdr >> 1;
    return 0;
}

/* The next value; -1 when the runs end early or are malformed. */
static int hy_next(prd_hybrid *h, uint32_t *v)
{
    if (h->left == 0 && hy_run(h) != 0) return -1;
    h->left--;
    if (!h->packed) {
        *v = h->value;
        return 0;
    }
    /* width bits from h->bit, LSB first: at most 5 bytes, all inside the run */
    size_t at = (size_t)(h->bit / 8);
    int shift = (int)(h->bit % 8), need = (shift + h->width + 7) / 8;
    uint64_t acc = 0;
    for (int i = 0; i < need; i++)
        acc |= (uint64_t)h->run[at + (size_t)i] << (8 * i);
    *v = (uint32_t)((acc >> shift) & (((uint64_t)1 << h->width) - 1));
    h->bit += (uint64_t)h->width;
    return 0;
}

/* ---- page headers and bodies --------------------------------------------------------------- */

/* The fields of one PageHeader the writer writes (bit id-1 of a *_seen: field id was read). */
typedef struct page_hdr {
    int32_t top[3];  /* 1 type, 2 uncompressed_page_size, 3 compressed_page_size */
    int32_t data[4]; /* DataPageHeader: 1 num_values, 2 encoding, 3 definition_level_encoding,
                        4 repetition_level_encoding */
    int32_t dict[2]; /* DictionaryPageHeader: 1 num_values, 2 encoding */
    unsigned top_seen, data_seen, dict_seen;
} page_hdr;

/* The i32 fields 1..nv of a struct into v[id - 1] (bit id-1 of *seen set); other fields
 * skipped.  0, or -1 malformed. */
static int i32_fields(f2c_tr *t, int32_t *v, int nv, unsigned *seen)
{
    int16_t last = 0;
    int type = F2C_TC_STOP, id;
    while (f2c_tr_field(t, &last, &type, &id) == 0 && type != F2C_TC_STOP) {
        int bad = 0;
        if (id >= 1 && id <= nv && type == F2C_TC_I32) {
            bad = f2c_tr_i32(t, &v[id - 1]);
            *seen |= 1u << (id - 1);
        } else {
            bad = f2c_tr_skip(t, type);
        }
        if (bad) return -1;
    }
    return t->err ? -1 : 0;
}

/* PageHeader: 1..3, 5 data_page_header, 7 dictionary_page_header; others skipped. */
static int page_hdr_read(f2c_tr *t, page_hdr *h)
{
    int16_t last = 0;
    int type = F2C_TC_STOP, id;
    memset(h, 0, sizeof *h);
    while (f2c_tr_field(t, &last, &type, &id) == 0 && type != F2C_TC_STOP) {
        int bad;
        if (id >= 1 && id <= 3 && type == F2C_TC_I32) {
            bad = f2c_tr_i32(t, &h->top[id - 1]);
            h->top_seen |= 1u << (id - 1);
        } else if (id == 5 && type == F2C_TC_STRUCT) {
            bad = i32_fields(t, h->data, 4, &h->data_seen);
        } else if (id == 7 && type == F2C_TC_STRUCT) {
            bad = i32_fields(t, h->dict, 2, &h->dict_seen);
        } else {
            bad = f2c_tr_skip(t, type);
        }
        if (bad) return -1;
    }
    return t->err || h->top_seen != 7 ? -1 : 0;
}

/* The page header at c->pos: *h, and *body its compressed bytes (h->top[2] of them); c->pos
 * moves past the page. */
static f2c_status page_next(prd *r, prd_col *c, page_hdr *h, const uint8_t **body)
{
    if (c->pos >= c->bytes.len) return col_bad(r, c, "the chunk has fewer values than rows");
    f2c_tr t = {c->bytes.p + c->pos, c->bytes.len - c->pos, 0, 0};
    if (page_hdr_read(&t, h) != 0)
        return col_bad(r, c, "malformed page header at byte %zu of the chunk", c->pos);
    if (h->top[1] < 0 || h->top[2] < 0 || (size_t)h->top[2] > t.n - t.pos)
        return col_bad(r, c, "page sizes %d/%d out of range", h->top[1], h->top[2]);
    *body = t.p + t.pos;
    c->pos += t.pos + (size_t)h->top[2];
    return F2C_OK;
}

/* r's ZSTD decompression context, made on first use (freed by the reader's teardown); NULL
 * out of memory. */
static void *zctx(prd *r)
{
    if (!r->zctx) r->zctx = ZSTD_createDCtx();
    return r->zctx;
}

/* Decompresses src[0..comp) of c's codec, declared to be unc bytes, into out (replacing what
 * it held): F2C_OK, F2C_EIO (the codec's own header disagrees with unc, unc exceeds what comp
 * bytes can expand to, corrupt data), F2C_ENOMEM. */
static f2c_status inflate(prd *r, const prd_col *c, const uint8_t *src, size_t comp, size_t unc,
                          pq_bytes *out)
{
    int codec = c->chunk.codec;
    uint64_t ratio = codec == PQ_ZSTD ? ZSTD_MAX_RATIO : codec == PQ_SNAPPY ? SNAPPY_MAX_RATIO : 1;
    size_t claimed = 0;
    int agree = codec == PQ_UNCOMPRESSED ? comp == unc
                : codec == PQ_SNAPPY
                    ? snappy_uncompressed_length((const char *)src, comp, &claimed) == SNAPPY_OK &&
                          claimed == unc
                    : ZSTD_getFrameContentSize(src, comp) == (unsigned long long)unc;
    if (!agree || (uint64_t)unc > (uint64_t)comp * ratio)
        return col_bad(r, c, "page of %zu bytes does not decompress to its declared %zu", comp,
                       unc);
    out->len = 0;
    if (pq_bytes_reserve(out, unc ? unc : 1) != 0) return prd_nomem(r);
    size_t got = unc;
    if (codec == PQ_UNCOMPRESSED) {
        if (unc) memcpy(out->p, src, unc);
    } else if (codec == PQ_SNAPPY) {
        if (snappy_uncompress((const char *)src, comp, (char *)out->p, &got) != SNAPPY_OK) got = 0;
    } else {
        if (!zctx(r)) return prd_nomem(r);
        got = ZSTD_decompressDCtx(r->zctx, out->p, unc, src, comp);
        if (ZSTD_isError(got)) got = unc + 1;
    }
    if (got != unc) return col_bad(r, c, "corrupt compressed page");
    out->len = unc;
    return F2C_OK;
}

/* The dictionary page: num_values PLAIN BYTE_ARRAY entries filling the body exactly. */
static f2c_status dict_load(prd *r, prd_col *c, const page_hdr *h, const uint8_t *body)
{
    if (h->dict_seen != 3 || h->dict[1] != PQ_PLAIN || h->dict[0] < 1)
        return col_bad(r, c, "dictionary page header is not what the writer writes");
    f2c_status s = inflate(r, c, body, (size_t)h->top[2], (size_t)h->top[1], &c->dict);
    if (s != F2C_OK) return s;
    size_t n = (size_t)h->dict[0], pos = 0, len = c->dict.len;
    if (n > len / 4) return col_bad(r, c, "dictionary of %zu entries in %zu bytes", n, len);
    if (n > c->dict_cap) {
        size_t *at = realloc(c->dict_at, n * sizeof *at);
        if (!at) return prd_nomem(r);
        c->dict_at = at;
        c->dict_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 4 || le32(c->dict.p + pos) > len - pos - 4)
            return col_bad(r, c, "dictionary entry %zu runs past the page", i);
        c->dict_at[i] = pos;
        pos += 4 + (size_t)le32(c->dict.p + pos);
    }
    if (pos != len) return col_bad(r, c, "bytes after the dictionary's entries");
    c->dict_n = n;
    c->has_dict = 1;
    return F2C_OK;
}

/* A data page v1: levels behind their 4-byte length, then PLAIN values or the indices' bit
 * width byte and the indices. */
static f2c_status data_page(prd *r, prd_col *c, const page_hdr *h, const uint8_t *body)
{
    int32_t nv = h->data[0], enc = h->data[1];
    if (h->data_seen != 15 || nv < 1 || h->data[2] != PQ_RLE)
        return col_bad(r, c, "data page header is not what the writer writes");
    if (enc == PQ_RLE_DICTIONARY ? !c->has_dict : enc != PQ_PLAIN)
        return col_bad(r, c, "data page encoding %d is not written here", enc);
    f2c_status s = inflate(r, c, body, (size_t)h->top[2], (size_t)h->top[1], &c->page);
    if (s != F2C_OK) return s;
    const uint8_t *p = c->page.p;
    size_t n = c->page.len;
    if (n < 4 || le32(p) > n - 4) return col_bad(r, c, "definition levels run past the page");
    size_t lv = le32(p);
    hy_init(&c->levels, p + 4, lv, 1);
    c->vpos = 4 + lv;
    c->vend = n;
    c->bit = 0;
    c->page_dict = enc == PQ_RLE_DICTIONARY;
    if (c->page_dict) {
        if (c->vpos >= n || p[c->vpos] < 1 || p[c->vpos] > 32)
            return col_bad(r, c, "dictionary indices without a bit width of 1..32");
        hy_init(&c->indices, p + c->vpos + 1, n - c->vpos - 1, p[c->vpos]);
    }
    c->page_left = nv;
    return F2C_OK;
}

/* The next data page (after the dictionary page, when the chunk starts with one). */
static f2c_status page_load(prd *r, prd_col *c)
{
    page_hdr h;
    const uint8_t *body = NULL;
    int first = c->pos == 0, dict = c->chunk.dict_off >= 0;
    f2c_status s = page_next(r, c, &h, &body);
    if (s == F2C_OK && first && dict) {
        if (h.top[0] != PQ_DICTIONARY_PAGE)
            return col_bad(r, c, "no dictionary page at dictionary_page_offset");
        s = dict_load(r, c, &h, body);
        if (s == F2C_OK && (int64_t)c->pos != c->chunk.data_off - c->chunk.dict_off)
            return col_bad(r, c, "data_page_offset is not where the dictionary page ends");
        if (s == F2C_OK) s = page_next(r, c, &h, &body);
    }
    if (s != F2C_OK) return s;
    if (h.top[0] != PQ_DATA_PAGE)
        return col_bad(r, c, "page type %d where the writer writes a data page v1", h.top[0]);
    return data_page(r, c, &h, body);
}

/* ---- values -------------------------------------------------------------------------------- */

/* The next k bytes of PLAIN values at *v (c->vpos moves past them); F2C_EIO past the page. */
static f2c_status plain_bytes(prd *r, prd_col *c, size_t k, const uint8_t **v)
{
    if (c->vend - c->vpos < k) return col_bad(r, c, "values run past the page");
    *v = c->page.p + c->vpos;
    c->vpos += k;
    return F2C_OK;
}

/* A BYTE_ARRAY value, PLAIN (4-byte length, bytes) or through the dictionary. */
static f2c_status string_cell(prd *r, prd_col *c, const char **cell, size_t *len)
{
    const uint8_t *v = NULL;
    if (c->page_dict) {
        uint32_t i = 0;
        if (hy_next(&c->indices, &i) != 0 || i >= c->dict_n)
            return col_bad(r, c, "dictionary index missing or out of range");
        v = c->dict.p + c->dict_at[i]; /* checked by dict_load */
    } else {
        f2c_status s = plain_bytes(r, c, 4, &v);
        if (s != F2C_OK) return s;
        c->vpos -= 4;
        if (le32(v) > c->vend - c->vpos - 4) return col_bad(r, c, "string runs past the page");
        c->vpos += 4 + (size_t)le32(v);
    }
    if (le32(v) == 0) return col_bad(r, c, "an empty string (the sink writes empty cells null)");
    *cell = (const char *)v + 4;
    *len = le32(v);
    return F2C_OK;
}

/* A BOOLEAN value: PLAIN bits, LSB first, from the page's first value byte. */
static f2c_status bool_cell(prd *r, prd_col *c, const char **cell, size_t *len)
{
    if (c->bit / 8 >= c->vend - c->vpos) return col_bad(r, c, "values run past the page");
    int v = (c->page.p[c->vpos + (size_t)(c->bit / 8)] >> (c->bit % 8)) & 1;
    c->bit++;
    *cell = v ? "true" : "false";
    *len = v ? 4 : 5;
    return F2C_OK;
}

/* The stored number (INT32 sign-extended, INT64, or a big-endian two's complement
 * FIXED_LEN_BYTE_ARRAY) as hi:lo. */
static f2c_status number(prd *r, prd_col *c, int64_t *hi, uint64_t *lo)
{
    size_t k = c->ptype == PQ_INT32 ? 4 : c->ptype == PQ_INT64 ? 8 : (size_t)c->type_len;
    const uint8_t *v = NULL;
    f2c_status s = plain_bytes(r, c, k, &v);
    if (s != F2C_OK) return s;
    if (c->ptype != PQ_FLBA) {
        int64_t x = k == 4 ? (int64_t)(int32_t)le32(v) : (int64_t)le64(v);
        *hi = x < 0 ? -1 : 0;
        *lo = (uint64_t)x;
        return F2C_OK;
    }
    uint64_t h = v[0] & 0x80 ? UINT64_MAX : 0, l = h; /* type_len <= 16 */
    for (size_t i = 0; i < k; i++) {
        h = h << 8 | l >> 56;
        l = l << 8 | v[i];
    }
    *hi = (int64_t)h;
    *lo = l;
    return F2C_OK;
}

/* The canonical text of number hi:lo in column c's kind into c->text; its length, 0 for none. */
static size_t number_text(prd_col *c, int64_t hi, uint64_t lo)
{
    int64_t v = (int64_t)lo;
    switch (c->def->kind) {
    case F2C_PQ_INT32:
    case F2C_PQ_INT64:
        return f2c_pqv_int_text(v, c->text);
    case F2C_PQ_DATE:
        return f2c_pqv_date_text((int32_t)v, c->text);
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
        return f2c_pqv_timestamp_text(v, c->def->kind == F2C_PQ_TIMESTAMP, c->text);
    case F2C_PQ_TIME:
        return f2c_pqv_time_text(v, c->text);
    case F2C_PQ_DECIMAL:
        return f2c_pqv_decimal_text(hi, lo, c->def->precision, c->def->scale, c->text);
    default:
        return 0;
    }
}

/* A numeric value (INT32, INT64, decimals, dates, times, timestamps) as its canonical text. */
static f2c_status number_cell(prd *r, prd_col *c, const char **cell, size_t *len)
{
    int64_t hi;
    uint64_t lo;
    f2c_status s = number(r, c, &hi, &lo);
    if (s != F2C_OK) return s;
    size_t n = number_text(c, hi, lo);
    if (n == 0)
        return col_bad(r, c, "stored value %lld is out of its type's range",
                       (long long)(int64_t)lo);
    *cell = c->text;
    *len = n;
    return F2C_OK;
}

void prd_col_start(prd_col *c)
{
    c->pos = 0;
    c->page_left = 0;
    c->has_dict = 0;
    c->dict_n = 0;
}

f2c_status prd_cell(prd *r, prd_col *c, const char **cell, size_t *len)
{
    uint32_t level = 0;
    if (c->page_left == 0) {
        f2c_status s = page_load(r, c);
        if (s != F2C_OK) return s;
    }
    if (hy_next(&c->levels, &level) != 0)
        return col_bad(r, c, "definition levels end before the page's values");
    c->page_left--;
    if (!level) {
        *cell = "";
        *len = 0;
        return F2C_OK;
    }
    if (c->ptype == PQ_BYTE_ARRAY) return string_cell(r, c, cell, len);
    if (c->ptype == PQ_BOOLEAN) return bool_cell(r, c, cell, len);
    return number_cell(r, c, cell, len);
}

int prd_col_done(const prd_col *c)
{
    return c->page_left == 0 && c->pos == c->bytes.len;
}

void prd_col_free(prd_col *c)
{
    pq_bytes_free(&c->bytes);
    pq_bytes_free(&c->dict);
    pq_bytes_free(&c->page);
    free(c->dict_at);
    c->dict_at = NULL;
}
