/*
 * f2c_thrift: Thrift compact protocol, writing the structs the Parquet writer needs and reading
 * them back: walking a footer to find its schema, reading the fields of a footer or page header
 * (lib/cdm/f2c_thrift.h).  Encoding as in Apache Thrift's
 * doc/specs/thrift-compact-protocol.md: ULEB128 varints, zigzag for signed integers, field
 * headers with id deltas, list headers with the size in the high nibble below 15.
 */
#include "f2c_thrift.h"

#include <stdlib.h>
#include <string.h>

static int tw_grow(f2c_tw *w, size_t extra)
{
    if (w->oom) return -1;
    if (w->len + extra <= w->cap) return 0;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + extra)
        cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (!p) {
        w->oom = 1;
        return -1;
    }
    w->p = p;
    w->cap = cap;
    return 0;
}

void f2c_tw_free(f2c_tw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

void f2c_tw_reset(f2c_tw *w)
{
    w->len = 0;
    w->depth = 0;
}

void f2c_tw_raw(f2c_tw *w, const void *p, size_t n)
{
    if (n == 0 || tw_grow(w, n) != 0) return;
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

static void tw_byte(f2c_tw *w, uint8_t b)
{
    if (tw_grow(w, 1) != 0) return;
    w->p[w->len++] = b;
}

static void tw_uvarint(f2c_tw *w, uint64_t v)
{
    if (tw_grow(w, 10) != 0) return;
    while (v >= 0x80) {
        w->p[w->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->p[w->len++] = (uint8_t)v;
}

static void tw_zigzag(f2c_tw *w, int64_t v)
{
    tw_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void f2c_tw_begin(f2c_tw *w)
{
    f2c_tw_elem_begin(w);
}

void f2c_tw_field(f2c_tw *w, int id, int type)
{
    int16_t *last = &w->last[w->depth > 0 ? w->depth - 1 : 0];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        tw_byte(w, (uint8_t)(delta << 4 | type));
    } else {
        tw_byte(w, (uint8_t)type);
        tw_zigzag(w, id);
    }
    *last = (int16_t)id;
}

void f2c_tw_i32(f2c_tw *w, int id, int32_t v)
{
    f2c_tw_field(w, id, F2C_TC_I32);
    tw_zigzag(w, v);
}

void f2c_tw_i64(f2c_tw *w, int id, int64_t v)
{
    f2c_tw_field(w, id, F2C_TC_I64);
    tw_zigzag(w, v);
}

void f2c_tw_i16(f2c_tw *w, int id, int16_t v)
{
    f2c_tw_field(w, id, F2C_TC_I16);
    tw_zigzag(w, v);
}

/* A Thrift byte (i8) is one raw byte, not a varint. */
void f2c_tw_i8(f2c_tw *w, int id, int8_t v)
{
    f2c_tw_field(w, id, F2C_TC_BYTE);
    tw_byte(w, (uint8_t)v);
}

void f2c_tw_bool(f2c_tw *w, int id, int v)
{
    f2c_tw_field(w, id, v ? F2C_TC_TRUE : F2C_TC_FALSE);
}

void f2c_tw_elem_binary(f2c_tw *w, const void *p, size_t n)
{
    tw_uvarint(w, n);
    f2c_tw_raw(w, p, n);
}

void f2c_tw_binary(f2c_tw *w, int id, const void *p, size_t n)
{
    f2c_tw_field(w, id, F2C_TC_BINARY);
    f2c_tw_elem_binary(w, p, n);
}

void f2c_tw_string(f2c_tw *w, int id, const char *s)
{
    f2c_tw_binary(w, id, s, strlen(s));
}

void f2c_tw_elem_begin(f2c_tw *w)
{
    if (w->depth >= F2C_TW_DEPTH) {
        w->oom = 1; /* a programming error; fail loudly through the same flag */
        return;
    }
    w->last[w->depth++] = 0;
}

void f2c_tw_struct_begin(f2c_tw *w, int id)
{
    f2c_tw_field(w, id, F2C_TC_STRUCT);
    f2c_tw_elem_begin(w);
}

void f2c_tw_struct_end(f2c_tw *w)
{
    tw_byte(w, F2C_TC_STOP);
    if (w->depth > 0) w->depth--;
}

void f2c_tw_list(f2c_tw *w, int id, int elem, size_t n)
{
    f2c_tw_field(w, id, F2C_TC_LIST);
    if (n < 15) {
        tw_byte(w, (uint8_t)(n << 4 | (size_t)elem));
    } else {
        tw_byte(w, (uint8_t)(0xF0 | elem));
        tw_uvarint(w, n);
    }
}

void f2c_tw_elem_i32(f2c_tw *w, int32_t v)
{
    tw_zigzag(w, v);
}

/* ---- reader ---- */

static int tr_fail(f2c_tr *r)
{
    r->err = 1;
    return -1;
}

static int tr_byte(f2c_tr *r, uint8_t *b)
{
    if (r->err || r->pos >= r->n) return tr_fail(r);
    *b = r->p[r->pos++];
    return 0;
}

static int tr_uvarint(f2c_tr *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (tr_byte(r, &b) != 0) return -1;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return tr_fail(r);
}

int f2c_tr_varint(f2c_tr *r, int64_t *v)
{
    uint64_t u;
    if (tr_uvarint(r, &u) != 0) return -1;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return 0;
}

int f2c_tr_i32(f2c_tr *r, int32_t *v)
{
    int64_t x;
    if (f2c_tr_varint(r, &x) != 0) return -1;
    if (x < INT32_MIN || x > INT32_MAX) return tr_fail(r);
    *v = (int32_t)x;
    return 0;
}

int f2c_tr_binary(f2c_tr *r, const uint8_t **p, size_t *n)
{
    uint64_t u;
    if (tr_uvarint(r, &u) != 0) return -1;
    if (u > r->n - r->pos) return tr_fail(r);
    *p = r->p + r->pos;
    *n = (size_t)u;
    r->pos += (size_t)u;
    return 0;
}

int f2c_tr_field(f2c_tr *r, int16_t *last, int *type, int *id)
{
    uint8_t b;
    if (tr_byte(r, &b) != 0) return -1;
    *type = b & 0x0F;
    if (*type == F2C_TC_STOP) {
        *id = 0;
        return 0;
    }
    if (b >> 4) {
        *id = *last + (b >> 4);
    } else {
        int64_t v;
        if (f2c_tr_varint(r, &v) != 0) return -1;
        *id = (int)v;
    }
    *last = (int16_t)*id;
    return 0;
}

int f2c_tr_list(f2c_tr *r, int *elem, uint32_t *size)
{
    uint8_t b;
    if (tr_byte(r, &b) != 0) return -1;
    *elem = b & 0x0F;
    if ((b >> 4) != 15) {
        *size = b >> 4;
        return 0;
    }
    uint64_t n;
    if (tr_uvarint(r, &n) != 0 || n > UINT32_MAX) return tr_fail(r);
    *size = (uint32_t)n;
    return 0;
}

static int tr_skip_depth(f2c_tr *r, int type, int depth);

static int tr_skip_struct(f2c_tr *r, int depth)
{
    int16_t last = 0;
    for (;;) {
        int t, id;
        if (f2c_tr_field(r, &last, &t, &id) != 0) return -1;
        if (t == F2C_TC_STOP) return 0;
        if (tr_skip_depth(r, t, depth + 1) != 0) return -1;
    }
}

static int tr_skip_list(f2c_tr *r, int depth)
{
    int elem;
    uint32_t n;
    if (f2c_tr_list(r, &elem, &n) != 0) return -1;
    for (uint32_t i = 0; i < n; i++) {
        /* bools inside lists are one byte each */
        int t = (elem == F2C_TC_TRUE || elem == F2C_TC_FALSE) ? F2C_TC_BYTE : elem;
        if (tr_skip_depth(r, t, depth + 1) != 0) return -1;
    }
    return 0;
}

static int tr_skip_depth(f2c_tr *r, int type, int depth)
{
    uint64_t u;
    if (depth > 32) return tr_fail(r);
    switch (type) {
    case F2C_TC_TRUE:
    case F2C_TC_FALSE:
        return 0; /* the value was in the field header */
    case F2C_TC_BYTE:
        if (r->pos >= r->n) return tr_fail(r);
        r->pos++;
        return 0;
    case F2C_TC_I16:
    case F2C_TC_I32:
    case F2C_TC_I64:
        return tr_uvarint(r, &u);
    case F2C_TC_DOUBLE:
        if (r->n - r->pos < 8) return tr_fail(r);
        r->pos += 8;
        return 0;
    case F2C_TC_BINARY:
        if (tr_uvarint(r, &u) != 0 || u > r->n - r->pos) return tr_fail(r);
        r->pos += (size_t)u;
        return 0;
    case F2C_TC_LIST:
    case F2C_TC_SET:
        return tr_skip_list(r, depth);
    case F2C_TC_STRUCT:
        return tr_skip_struct(r, depth);
    default: /* maps never occur in Parquet metadata */
        return tr_fail(r);
    }
}

int f2c_tr_skip(f2c_tr *r, int type)
{
    return tr_skip_depth(r, type, 0);
}
