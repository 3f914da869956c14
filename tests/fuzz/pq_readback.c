/*
 * pq_readback: the test-only Parquet reader (see pq_readback.h).
 *
 * Written from apache/parquet-format: parquet.thrift (field ids cited at each use), Encodings.md
 * (PLAIN; RLE/bit-packed hybrid for levels and dictionary indices), and the Thrift compact
 * protocol specification (thrift/doc/specs/thrift-compact-protocol.md): the footer and page
 * headers are decoded into a generic tree of fields first, then read by field id, so an
 * unexpected field shape is an error rather than a misread.
 */
#include "pq_readback.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zstd.h>

#define PQR_MAX_ROWS (1u << 24)
#define PQR_MAX_DEPTH 32

/* ---- Thrift compact protocol -> tree --------------------------------------------------------- */

/* Compact type ids (thrift-compact-protocol.md, "Struct encoding"). */
enum {
    T_STOP,
    T_TRUE,
    T_FALSE,
    T_BYTE,
    T_I16,
    T_I32,
    T_I64,
    T_DOUBLE,
    T_BINARY,
    T_LIST,
    T_SET,
    T_MAP,
    T_STRUCT
};

typedef struct tn {
    int type, id;
    int64_t i;        /* integers, booleans (1/0) */
    const uint8_t *b; /* binary */
    size_t len;
    struct tn *k; /* struct fields, list elements */
    size_t nk;
} tn;

typedef struct rd {
    const uint8_t *p, *end;
    int depth;
    char *why;
    size_t whylen;
} rd;

static int bad(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(rd *r, const char *fmt, ...)
{
    if (r->why && r->why[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why, r->whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int varint(rd *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return bad(r, "truncated varint");
        uint8_t c = *r->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return bad(r, "varint too long");
}

static int64_t unzig(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void tn_free(tn *t)
{
    for (size_t i = 0; i < t->nk; i++)
        tn_free(&t->k[i]);
    free(t->k);
    t->k = NULL;
    t->nk = 0;
}

static int parse_value(rd *r, int type, tn *out);

static tn *push(rd *r, tn *t)
{
    if (t->nk % 8 == 0) {
        tn *k = realloc(t->k, (t->nk + 8) * sizeof *k);
        if (!k) return bad(r, "out of memory"), NULL;
        t->k = k;
    }
    memset(&t->k[t->nk], 0, sizeof *t->k);
    return &t->k[t->nk++];
}

static int parse_struct(rd *r, tn *out)
{
    int last = 0;
    out->type = T_STRUCT;
    if (++r->depth > PQR_MAX_DEPTH) return bad(r, "nesting too deep");
    for (;;) {
        if (r->p >= r->end) return bad(r, "truncated struct");
        uint8_t h = *r->p++;
        if (h == T_STOP) break;
        int type = h & 0x0f, id;
        if (h >> 4) {
            id = last + (h >> 4);
        } else {
            uint64_t v;
            if (varint(r, &v)) return -1;
            id = (int)unzig(v);
        }
        last = id;
        tn *f = push(r, out);
        if (!f) return -1;
        f->id = id;
        if (type == T_TRUE || type == T_FALSE) {
            f->type = T_TRUE;
            f->i = type == T_TRUE;
        } else if (parse_value(r, type, f)) {
            return -1;
        }
    }
    r->depth--;
    return 0;
}

static int parse_list(rd *r, tn *out)
{
    if (r->p >= r->end) return bad(r, "truncated list");
    uint8_t h = *r->p++;
    uint64_t n = h >> 4;
    int et = h & 0x0f;
    if (n == 15 && varint(r, &n)) return -1;
    if (n > (uint64_t)(r->end - r->p))
        return bad(r, "list of %llu elements", (unsigned long long)n);
    out->type = T_LIST;
    for (uint64_t i = 0; i < n; i++) {
        tn *e = push(r, out);
        if (!e) return -1;
        if (et == T_TRUE || et == T_FALSE) { /* in collections a boolean is one byte */
            if (r->p >= r->end) return bad(r, "truncated list");
            e->type = T_TRUE;
            e->i = *r->p++ == 1;
        } else if (parse_value(r, et, e)) {
            return -1;
        }
    }
    return 0;
}

static int parse_value(rd *r, int type, tn *out)
{
    uint64_t v;
    out->type = type;
    switch (type) {
    case T_BYTE:
        if (r->p >= r->end) return bad(r, "truncated byte");
        out->i = (int8_t)*r->p++;
        return 0;
    case T_I16:
    case T_I32:
    case T_I64:
        if (varint(r, &v)) return -1;
        out->i = unzig(v);
        return 0;
    case T_DOUBLE:
        if (r->end - r->p < 8) return bad(r, "truncated double");
        r->p += 8;
        return 0;
    case T_BINARY:
        if (varint(r, &v)) return -1;
        if (v > (uint64_t)(r->end - r->p)) return bad(r, "binary longer than its buffer");
        out->b = r->p;
        out->len = (size_t)v;
        r->p += v;
        return 0;
    case T_LIST:
    case T_SET:
        return parse_list(r, out);
    case T_STRUCT:
        return parse_struct(r, out);
    default:
        return bad(r, "Thrift compact type %d not expected in Parquet metadata", type);
    }
}

static const tn *field(const tn *s, int id)
{
    if (!s || s->type != T_STRUCT) return NULL;
    for (size_t i = 0; i < s->nk; i++)
        if (s->k[i].id == id) return &s->k[i];
    return NULL;
}

static int64_t fint(const tn *s, int id, int64_t def)
{
    const tn *f = field(s, id);
    return f && f->type != T_BINARY && f->type != T_STRUCT && f->type != T_LIST ? f->i : def;
}

/* ---- file-owned storage -------------------------------------------------------------------- */

static void *keep(pqr_file *f, void *p)
{
    if (!p) return NULL;
    char **b = realloc(f->blobs, (f->nblobs + 1) * sizeof *b);
    if (!b) {
        free(p);
        return NULL;
    }
    f->blobs = b;
    f->blobs[f->nblobs++] = p;
    return p;
}

static char *keep_str(pqr_file *f, const tn *t)
{
    if (!t || t->type != T_BINARY) return NULL;
    char *s = malloc(t->len + 1);
    if (!s) return NULL;
    memcpy(s, t->b, t->len);
    s[t->len] = '\0';
    return keep(f, s);
}

/* ---- encodings (Encodings.md) -------------------------------------------------------------- */

/* The RLE/bit-packed hybrid: count values of bit width bw from r into out. */
static int rle_hybrid(rd *r, int bw, size_t count, uint32_t *out)
{
    if (bw < 0 || bw > 32) return bad(r, "bit width %d", bw);
    size_t got = 0;
    while (got < count) {
        uint64_t h;
        if (varint(r, &h)) return -1;
        if (h & 1) { /* bit-packed: (h >> 1) groups of 8 values, LSB first */
            uint64_t groups = h >> 1;
            if (groups == 0 || (bw && groups > (uint64_t)(r->end - r->p)))
                return bad(r, "bad bit-packed run of %llu groups", (unsigned long long)groups);
            size_t bytes = (size_t)groups * (size_t)bw;
            if (bytes > (size_t)(r->end - r->p)) return bad(r, "truncated bit-packed run");
            for (size_t j = 0; j < groups * 8 && got < count; j++) {
                uint32_t v = 0;
                for (int b = 0; b < bw; b++) {
                    size_t bit = j * (size_t)bw + (size_t)b;
                    v |= (uint32_t)((r->p[bit / 8] >> (bit % 8)) & 1) << b;
                }
                out[got++] = v;
            }
            r->p += bytes;
        } else { /* RLE run: (h >> 1) repeats of one value in ceil(bw/8) bytes, little-endian */
            uint64_t run = h >> 1;
            size_t nb = ((size_t)bw + 7) / 8;
            if (run == 0) return bad(r, "empty RLE run");
            if (nb > (size_t)(r->end - r->p)) return bad(r, "truncated RLE run");
            uint32_t v = 0;
            for (size_t b = 0; b < nb; b++)
                v |= (uint32_t)r->p[b] << (8 * b);
            r->p += nb;
            if (run > count - got) return bad(r, "RLE run past the page's values");
            for (uint64_t j = 0; j < run; j++)
                out[got++] = v;
        }
    }
    return 0;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Big-endian two's complement bytes (FIXED_LEN_BYTE_ARRAY decimals) -> hi:lo. */
static void be_i128(const uint8_t *p, size_t n, int64_t *hi, uint64_t *lo)
{
    uint64_t h = (n && (p[0] & 0x80)) ? ~0ull : 0, l = h;
    for (size_t i = 0; i < n; i++) {
        h = (h << 8) | (l >> 56);
        l = (l << 8) | p[i];
    }
    *hi = (int64_t)h;
    *lo = l;
}

/* count PLAIN values of column c from r (booleans: bit-packed, LSB first, padded to a byte). */
static int plain(rd *r, const pqr_column *c, size_t count, pqr_value *out)
{
    size_t bit = 0;
    for (size_t j = 0; j < count; j++) {
        pqr_value *v = &out[j];
        memset(v, 0, sizeof *v);
        size_t avail = (size_t)(r->end - r->p);
        switch (c->physical) {
        case PQR_BOOLEAN:
            if (bit / 8 >= avail) return bad(r, "truncated booleans");
            v->i = (r->p[bit / 8] >> (bit % 8)) & 1;
            bit++;
            if (j + 1 == count) r->p += (bit + 7) / 8;
            break;
        case PQR_INT32:
            if (avail < 4) return bad(r, "truncated INT32");
            v->i = (int32_t)(uint32_t)le(r->p, 4);
            r->p += 4;
            break;
        case PQR_INT64:
            if (avail < 8) return bad(r, "truncated INT64");
            v->i = (int64_t)le(r->p, 8);
            r->p += 8;
            break;
        case PQR_BYTE_ARRAY: {
            if (avail < 4) return bad(r, "truncated BYTE_ARRAY length");
            size_t n = (size_t)le(r->p, 4);
            if (n > avail - 4) return bad(r, "BYTE_ARRAY longer than its page");
            v->s = (const char *)r->p + 4;
            v->n = n;
            r->p += 4 + n;
            break;
        }
        case PQR_FLBA:
            if (c->type_length <= 0 || (size_t)c->type_length > avail)
                return bad(r, "truncated FIXED_LEN_BYTE_ARRAY");
            be_i128(r->p, (size_t)c->type_length, &v->i, &v->lo);
            r->p += c->type_length;
            break;
        default:
            return bad(r, "physical type %d not read", c->physical);
        }
    }
    return 0;
}

/* ---- pages and column chunks (parquet.thrift PageHeader, ColumnMetaData) ------------------- */

typedef struct chunk {
    pqr_file *f;
    pqr_column *c;
    int codec;
    pqr_value *dict;
    size_t ndict;
} chunk;

/* The page's bytes decompressed (CompressionCodec: 0 UNCOMPRESSED, 1 SNAPPY, 6 ZSTD) into a
 * buffer the file keeps (string values point into it). */
static const uint8_t *page_bytes(rd *r, chunk *k, const uint8_t *src, size_t n, size_t usize)
{
    uint8_t *dst = keep(k->f, malloc(usize ? usize : 1));
    size_t got = usize;
    if (!dst) return bad(r, "out of memory"), NULL;
    if (k->codec == 0) {
        if (n != usize) return bad(r, "uncompressed page of %zu bytes says %zu", n, usize), NULL;
        memcpy(dst, src, n);
    } else if (k->codec == 1) {
        if (snappy_uncompressed_length((const char *)src, n, &got) != SNAPPY_OK || got != usize ||
            snappy_uncompress((const char *)src, n, (char *)dst, &got) != SNAPPY_OK || got != usize)
            return bad(r, "SNAPPY page does not decompress to %zu bytes", usize), NULL;
    } else if (k->codec == 6) {
        got = ZSTD_decompress(dst, usize, src, n);
        if (ZSTD_isError(got) || got != usize)
            return bad(r, "ZSTD page does not decompress to %zu bytes", usize), NULL;
    } else {
        return bad(r, "codec %d not read", k->codec), NULL;
    }
    return dst;
}

/* DataPageHeader (PageHeader field 5): 1 num_values, 2 encoding, 3 definition_level_encoding.
 * Definition levels (max level 1: every column OPTIONAL, flat) are RLE with a 4-byte length;
 * no repetition levels. */
static int data_page(rd *r, chunk *k, const tn *dph, const uint8_t *p, size_t n, pqr_value *out,
                     size_t room, size_t *nvals)
{
    int64_t nv = fint(dph, 1, -1), enc = fint(dph, 2, -1);
    if (nv < 0 || (uint64_t)nv > room) return bad(r, "data page of %lld values", (long long)nv);
    if (fint(dph, 3, -1) != 3) return bad(r, "definition levels not RLE");
    if (n < 4 || le(p, 4) > n - 4) return bad(r, "bad definition levels length");
    size_t ln = (size_t)le(p, 4), nn = 0;
    rd lv = {p + 4, p + 4 + ln, 0, r->why, r->whylen},
       vr = {p + 4 + ln, p + n, 0, r->why, r->whylen};
    uint32_t *lev = malloc(((size_t)nv + 1) * sizeof *lev), *idx = NULL;
    pqr_value *vals = NULL;
    int rc = -1;
    if (!lev || rle_hybrid(&lv, 1, (size_t)nv, lev)) goto out;
    for (int64_t i = 0; i < nv; i++)
        nn += lev[i] == 1;
    if (!(vals = calloc(nn + 1, sizeof *vals))) goto out;
    if (enc == 0) { /* PLAIN: the values exactly fill the page */
        if (plain(&vr, k->c, nn, vals)) goto out;
        if (vr.p != vr.end) {
            bad(r, "%zu bytes after a PLAIN page's values", (size_t)(vr.end - vr.p));
            goto out;
        }
        k->c->plain_pages++;
    } else if (enc == 8 || enc == 2) { /* RLE_DICTIONARY: bit width byte, then indices */
        if (!k->dict || vr.p >= vr.end || !(idx = malloc((nn + 1) * sizeof *idx))) {
            bad(r, "dictionary-encoded page without a dictionary");
            goto out;
        }
        int bw = *vr.p++;
        if (rle_hybrid(&vr, bw, nn, idx)) goto out;
        for (size_t j = 0; j < nn; j++) {
            if (idx[j] >= k->ndict) {
                bad(r, "dictionary index %u of %zu entries", idx[j], k->ndict);
                goto out;
            }
            vals[j] = k->dict[idx[j]];
        }
        k->c->dict_data_pages++;
    } else {
        bad(r, "value encoding %lld not read", (long long)enc);
        goto out;
    }
    for (int64_t i = 0, j = 0; i < nv; i++) {
        if (lev[i] > 1) {
            bad(r, "definition level %u", lev[i]);
            goto out;
        }
        if (lev[i])
            out[i] = vals[j++];
        else
            out[i] = (pqr_value){.null = 1};
    }
    *nvals = (size_t)nv;
    rc = 0;
out:
    free(lev);
    free(idx);
    free(vals);
    return rc;
}

static int dict_page(rd *r, chunk *k, const tn *dh, const uint8_t *p, size_t n)
{
    int64_t nd = fint(dh, 1, -1), enc = fint(dh, 2, -1);
    if (k->dict) return bad(r, "second dictionary page in a chunk");
    if (nd < 0 || (uint64_t)nd > n + 1 || (enc != 0 && enc != 2))
        return bad(r, "dictionary page of %lld values, encoding %lld", (long long)nd,
                   (long long)enc);
    if (!(k->dict = keep(k->f, calloc((size_t)nd + 1, sizeof *k->dict))))
        return bad(r, "out of memory");
    k->ndict = (size_t)nd;
    rd vr = {p, p + n, 0, r->why, r->whylen};
    if (plain(&vr, k->c, k->ndict, k->dict)) return -1;
    if (vr.p != vr.end) return bad(r, "bytes after the dictionary's values");
    k->c->dict_pages++;
    return 0;
}

/* One page at data[*off..len): header, then its body; *off moves past it. */
static int one_page(rd *r, chunk *k, const uint8_t *data, size_t len, size_t *off, pqr_value *out,
                    size_t room, size_t *nvals)
{
    rd hr = {data + *off, data + len, 0, r->why, r->whylen};
    tn h = {0};
    int rc = -1;
    *nvals = 0;
    if (parse_struct(&hr, &h)) goto out;
    size_t at = (size_t)(hr.p - data);
    int64_t type = fint(&h, 1, -1), usize = fint(&h, 2, -1), csize = fint(&h, 3, -1);
    if (usize < 0 || csize < 0 || (uint64_t)csize > len - at || usize > (1 << 30)) {
        bad(r, "page sizes %lld/%lld at offset %zu", (long long)usize, (long long)csize, *off);
        goto out;
    }
    const uint8_t *body = page_bytes(r, k, data + at, (size_t)csize, (size_t)usize);
    if (!body) goto out;
    if (type == 2)
        rc = dict_page(r, k, field(&h, 7), body, (size_t)usize);
    else if (type == 0)
        rc = data_page(r, k, field(&h, 5), body, (size_t)usize, out, room, nvals);
    else
        bad(r, "page type %lld not read", (long long)type);
    *off = at + (size_t)csize;
out:
    tn_free(&h);
    return rc;
}

/* Statistics bytes -> a value of column c's physical type (copied into the file). */
static int stat_value(pqr_file *f, const pqr_column *c, const tn *b, pqr_value *v)
{
    if (!b || b->type != T_BINARY) return -1;
    *v = (pqr_value){0};
    size_t need = c->physical == PQR_INT32 ? 4 : c->physical == PQR_INT64 ? 8 : 1;
    if (c->physical == PQR_BYTE_ARRAY) {
        char *s = keep(f, malloc(b->len + 1));
        if (!s) return -1;
        memcpy(s, b->b, b->len);
        v->s = s;
        v->n = b->len;
    } else if (c->physical == PQR_FLBA) {
        if (b->len != (size_t)c->type_length) return -1;
        be_i128(b->b, b->len, &v->i, &v->lo);
    } else {
        if (b->len != need) return -1;
        v->i = c->physical == PQR_INT32   ? (int32_t)(uint32_t)le(b->b, 4)
               : c->physical == PQR_INT64 ? (int64_t)le(b->b, 8)
                                          : b->b[0];
    }
    return 0;
}

/* Order of two values of column c: the logical type's (signed numbers, unsigned bytes). */
static int cmp(const pqr_column *c, const pqr_value *a, const pqr_value *b)
{
    if (c->physical == PQR_BYTE_ARRAY) {
        size_t n = a->n < b->n ? a->n : b->n;
        int d = memcmp(a->s, b->s, n);
        return d ? d : (a->n > b->n) - (a->n < b->n);
    }
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (c->physical == PQR_FLBA) return (a->lo > b->lo) - (a->lo < b->lo);
    return 0;
}

/* Statistics (ColumnMetaData field 12): 3 null_count, 5 max_value, 6 min_value. */
static void chunk_stats(pqr_file *f, pqr_column *c, const tn *st, int has_values)
{
    pqr_value mn, mx;
    int64_t nc = fint(st, 3, -1);
    c->null_count_stat = nc < 0 || c->null_count_stat < 0 ? -1 : c->null_count_stat + nc;
    if (!has_values) return;
    if (stat_value(f, c, field(st, 6), &mn) || stat_value(f, c, field(st, 5), &mx)) {
        c->has_minmax = 0;
        return;
    }
    if (c->min.null || cmp(c, &mn, &c->min) < 0) c->min = mn;
    if (c->max.null || cmp(c, &mx, &c->max) > 0) c->max = mx;
}

/* ColumnChunk (RowGroup field 1): 3 meta_data -> 1 type, 4 codec, 5 num_values,
 * 9 data_page_offset, 11 dictionary_page_offset, 12 statistics. */
static int read_chunk(rd *r, pqr_file *f, pqr_column *c, const tn *cc, const uint8_t *data,
                      size_t len, size_t base, size_t rows)
{
    const tn *md = field(cc, 3);
    if (!md) return bad(r, "column chunk without meta_data");
    if (fint(md, 1, -1) != c->physical) return bad(r, "chunk type differs from the schema's");
    chunk k = {.f = f, .c = c, .codec = (int)fint(md, 4, -1)};
    c->codec = k.codec;
    if (fint(md, 5, -1) != (int64_t)rows)
        return bad(r, "chunk of %lld values in a row group of %zu rows", (long long)fint(md, 5, -1),
                   rows);
    int64_t off = field(md, 11) ? fint(md, 11, -1) : fint(md, 9, -1);
    size_t got = 0, at;
    if (off < 4 || (uint64_t)off >= len) return bad(r, "chunk offset %lld", (long long)off);
    at = (size_t)off;
    int has_values = 0;
    while (got < rows) {
        size_t nv;
        if (one_page(r, &k, data, len, &at, c->values + base + got, rows - got, &nv)) return -1;
        for (size_t i = 0; i < nv; i++)
            has_values |= !c->values[base + got + i].null;
        got += nv;
    }
    chunk_stats(f, c, field(md, 12), has_values);
    return 0;
}

/* ---- the footer (FileMetaData) ------------------------------------------------------------- */

/* SchemaElement: 1 type, 2 type_length, 3 repetition_type, 4 name, 6 converted_type, 7 scale,
 * 8 precision, 10 logicalType (union: 1 STRING, 5 DECIMAL{1 scale, 2 precision}, 6 DATE,
 * 7 TIME / 8 TIMESTAMP {1 isAdjustedToUTC, 2 unit{2 MICROS}}, 10 INTEGER{1 bitWidth, 2 isSigned}).
 */
static int read_column(rd *r, pqr_file *f, const tn *se, pqr_column *c)
{
    *c = (pqr_column){.physical = (int)fint(se, 1, -1),
                      .type_length = (int)fint(se, 2, 0),
                      .converted = (int)fint(se, 6, -1),
                      .precision = (int)fint(se, 8, 0),
                      .scale = (int)fint(se, 7, 0),
                      .has_minmax = 1,
                      .min = {.null = 1},
                      .max = {.null = 1}};
    if (!(c->name = keep_str(f, field(se, 4)))) return bad(r, "schema element without a name");
    if (fint(se, 3, -1) != 1) return bad(r, "column %s is not OPTIONAL", c->name);
    const tn *lt = field(se, 10);
    if (!lt) return 0;
    if (lt->type != T_STRUCT || lt->nk != 1) return bad(r, "column %s: bad logicalType", c->name);
    const tn *u = &lt->k[0];
    switch (u->id) {
    case 1:
        c->logical = PQR_L_STRING;
        break;
    case 5:
        c->logical = PQR_L_DECIMAL;
        if (fint(u, 1, -1) != c->scale || fint(u, 2, -1) != c->precision)
            return bad(r, "column %s: DecimalType differs from the element's", c->name);
        break;
    case 6:
        c->logical = PQR_L_DATE;
        break;
    case 7:
    case 8:
        c->logical = u->id == 7 ? PQR_L_TIME : PQR_L_TIMESTAMP;
        c->utc = (int)fint(u, 1, -1);
        c->unit_micros = field(field(u, 2), 2) != NULL;
        break;
    case 10:
        c->logical = PQR_L_INTEGER;
        c->int_bits = (int)fint(u, 1, 0);
        c->int_signed = (int)fint(u, 2, 0);
        break;
    default:
        c->logical = PQR_L_OTHER;
    }
    return 0;
}

static int read_schema(rd *r, pqr_file *f, const tn *fm)
{
    const tn *sc = field(fm, 2);
    if (!sc || sc->type != T_LIST || sc->nk < 2) return bad(r, "no schema columns");
    if (fint(&sc->k[0], 5, -1) != (int64_t)sc->nk - 1)
        return bad(r, "root has %lld children, %zu elements follow",
                   (long long)fint(&sc->k[0], 5, -1), sc->nk - 1);
    f->ncols = sc->nk - 1;
    if (!(f->cols = calloc(f->ncols, sizeof *f->cols))) return bad(r, "out of memory");
    for (size_t i = 0; i < f->ncols; i++)
        if (read_column(r, f, &sc->k[i + 1], &f->cols[i])) return -1;
    return 0;
}

static int read_row_groups(rd *r, pqr_file *f, const tn *fm, const uint8_t *data, size_t len)
{
    const tn *rgs = field(fm, 4);
    size_t base = 0;
    for (size_t i = 0; i < f->ncols; i++)
        if (!(f->cols[i].values = calloc(f->nrows + 1, sizeof(pqr_value))))
            return bad(r, "out of memory");
    if (!rgs) return f->nrows ? bad(r, "rows but no row groups") : 0;
    f->nrow_groups = rgs->nk;
    for (size_t g = 0; g < rgs->nk; g++) { /* RowGroup: 1 columns, 3 num_rows */
        const tn *rg = &rgs->k[g], *cols = field(rg, 1);
        int64_t rows = fint(rg, 3, -1);
        if (!cols || cols->nk != f->ncols || rows < 0 || (uint64_t)rows > f->nrows - base)
            return bad(r, "row group %zu: bad columns or %lld rows", g, (long long)rows);
        for (size_t i = 0; i < f->ncols; i++)
            if (read_chunk(r, f, &f->cols[i], &cols->k[i], data, len, base, (size_t)rows))
                return -1;
        base += (size_t)rows;
    }
    return base == f->nrows
               ? 0
               : bad(r, "row groups hold %zu of %llu rows", base, (unsigned long long)f->nrows);
}

static int read_kv(rd *r, pqr_file *f, const tn *fm)
{
    const tn *kv = field(fm, 5); /* list<KeyValue{1 key, 2 value}> */
    f->created_by = keep_str(f, field(fm, 6));
    if (!kv) return 0;
    f->keys = keep(f, calloc(kv->nk + 1, sizeof *f->keys));
    f->vals = keep(f, calloc(kv->nk + 1, sizeof *f->vals));
    if (!f->keys || !f->vals) return bad(r, "out of memory");
    for (size_t i = 0; i < kv->nk; i++) {
        f->keys[i] = keep_str(f, field(&kv->k[i], 1));
        f->vals[i] = keep_str(f, field(&kv->k[i], 2));
        if (!f->keys[i]) return bad(r, "key/value without a key");
    }
    f->nkv = kv->nk;
    return 0;
}

/* Decimals stored as INT32/INT64: the unscaled value widened to hi:lo like FLBA ones. */
static void widen(pqr_value *v)
{
    if (v->null) return;
    v->lo = (uint64_t)v->i;
    v->i = v->i < 0 ? -1 : 0;
}

static void widen_decimals(pqr_file *f)
{
    for (size_t i = 0; i < f->ncols; i++) {
        pqr_column *c = &f->cols[i];
        if (c->logical != PQR_L_DECIMAL || c->physical == PQR_FLBA) continue;
        for (uint64_t j = 0; j < f->nrows; j++)
            widen(&c->values[j]);
        widen(&c->min);
        widen(&c->max);
    }
}

int pqr_read(const uint8_t *data, size_t len, pqr_file *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (whylen) why[0] = '\0';
    rd r = {data, data + len, 0, why, whylen};
    if (len < 12 || memcmp(data, "PAR1", 4) || memcmp(data + len - 4, "PAR1", 4))
        return bad(&r, "not PAR1 ... PAR1 (%zu bytes)", len);
    size_t flen = (size_t)le(data + len - 8, 4);
    if (flen > len - 12) return bad(&r, "footer length %zu of a %zu-byte file", flen, len);
    r.p = data + len - 8 - flen;
    r.end = data + len - 8;
    tn fm = {0};
    int rc = parse_struct(&r, &fm);
    if (!rc && r.p != r.end) rc = bad(&r, "%zu bytes after the footer", (size_t)(r.end - r.p));
    int64_t nrows = fint(&fm, 3, -1);
    if (!rc && (fint(&fm, 1, -1) != 1 || nrows < 0 || nrows > PQR_MAX_ROWS))
        rc = bad(&r, "version %lld, %lld rows", (long long)fint(&fm, 1, -1), (long long)nrows);
    if (!rc) {
        out->nrows = (uint64_t)nrows;
        rc = read_schema(&r, out, &fm) || read_kv(&r, out, &fm) ||
                     read_row_groups(&r, out, &fm, data, len - 8 - flen)
                 ? -1
                 : 0;
    }
    if (!rc) widen_decimals(out);
    tn_free(&fm);
    return rc;
}

void pqr_free(pqr_file *f)
{
    for (size_t i = 0; i < f->ncols; i++)
        free(f->cols[i].values);
    free(f->cols);
    for (size_t i = 0; i < f->nblobs; i++)
        free(f->blobs[i]);
    free(f->blobs);
    memset(f, 0, sizeof *f);
}

const char *pqr_kv(const pqr_file *f, const char *key)
{
    for (size_t i = 0; i < f->nkv; i++)
        if (!strcmp(f->keys[i], key)) return f->vals[i] ? f->vals[i] : "";
    return NULL;
}
