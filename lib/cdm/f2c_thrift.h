/*
 * f2c_thrift: the few pieces of Apache Thrift's compact protocol the Parquet writer needs (page
 * headers, the FileMetaData footer) and a reader able to walk, skip and read the fields it finds
 * (f2c_pq_schema_matches; the Parquet reader f2c_parquet_read.c).  Internal to lib/cdm.
 *
 * Why our own: Debian's libthrift is C++ and brings code generation; Parquet uses a handful of
 * structs, and the compact encoding is short (Thrift's doc/specs/thrift-compact-protocol.md):
 * field headers carry the field id as a delta to the previous one (1..15 in the high nibble,
 * else the type byte and a zigzag varint id), integers are zigzag varints, binary/string is a
 * varint length and the bytes, a list is a size/element-type header then its elements, a struct
 * ends with a 0 byte, and a bool field has its value in the field type (1 true, 2 false).
 * Unions are structs with exactly one field set.
 */
#ifndef FHIR2CDM_F2C_THRIFT_H
#define FHIR2CDM_F2C_THRIFT_H

#include <stddef.h>
#include <stdint.h>

/* Compact protocol type ids (thrift-compact-protocol.md). */
enum {
    F2C_TC_STOP = 0,
    F2C_TC_TRUE = 1,
    F2C_TC_FALSE = 2,
    F2C_TC_BYTE = 3,
    F2C_TC_I16 = 4,
    F2C_TC_I32 = 5,
    F2C_TC_I64 = 6,
    F2C_TC_DOUBLE = 7,
    F2C_TC_BINARY = 8,
    F2C_TC_LIST = 9,
    F2C_TC_SET = 10,
    F2C_TC_MAP = 11,
    F2C_TC_STRUCT = 12
};

#define F2C_TW_DEPTH 16

/*
 * A compact-protocol writer appending to a growable byte buffer it owns (p[0..len)).
 * Zero-initialise; a failed allocation sets oom and makes every later call a no-op, so a
 * caller checks oom once at the end.  last[] keeps the previous field id per open struct.
 */
typedef struct f2c_tw {
    uint8_t *p;
    size_t len, cap;
    int oom;
    int depth;
    int16_t last[F2C_TW_DEPTH];
} f2c_tw;

void f2c_tw_free(f2c_tw *w);
/* Empties the buffer (keeps its memory); depth back to 0. */
void f2c_tw_reset(f2c_tw *w);
/* Raw bytes (no framing). */
void f2c_tw_raw(f2c_tw *w, const void *p, size_t n);
/* Field id of type type in the current struct (type a F2C_TC_* id). */
void f2c_tw_field(f2c_tw *w, int id, int type);
/* A field with its value. */
void f2c_tw_i32(f2c_tw *w, int id, int32_t v);
void f2c_tw_i64(f2c_tw *w, int id, int64_t v);
void f2c_tw_i8(f2c_tw *w, int id, int8_t v);
void f2c_tw_i16(f2c_tw *w, int id, int16_t v);
void f2c_tw_bool(f2c_tw *w, int id, int v);
void f2c_tw_binary(f2c_tw *w, int id, const void *p, size_t n);
void f2c_tw_string(f2c_tw *w, int id, const char *s);
/* A struct-typed field: field header, then the struct's fields, then f2c_tw_struct_end. */
void f2c_tw_struct_begin(f2c_tw *w, int id);
/* A struct as a list element (no field header). */
void f2c_tw_elem_begin(f2c_tw *w);
/* Ends the innermost struct (writes the stop byte). */
void f2c_tw_struct_end(f2c_tw *w);
/* A list-typed field of n elements of type elem; the elements follow. */
void f2c_tw_list(f2c_tw *w, int id, int elem, size_t n);
/* List elements without framing: a zigzag varint i32, a binary. */
void f2c_tw_elem_i32(f2c_tw *w, int32_t v);
void f2c_tw_elem_binary(f2c_tw *w, const void *p, size_t n);
/* Starts a top-level struct (depth 0 -> 1), e.g. a PageHeader or the FileMetaData. */
void f2c_tw_begin(f2c_tw *w);

/*
 * A compact-protocol reader over p[0..n): every function returns 0, or -1 when the input ends
 * early or is malformed (then the reader is left in error: err set).
 */
typedef struct f2c_tr {
    const uint8_t *p;
    size_t n, pos;
    int err;
} f2c_tr;

/* Reads a field header inside a struct whose previous field id is *last: *type (F2C_TC_STOP at
 * the struct's end) and *id; updates *last. */
int f2c_tr_field(f2c_tr *r, int16_t *last, int *type, int *id);
/* Skips one value of type type (structs and lists recursively, depth-limited). */
int f2c_tr_skip(f2c_tr *r, int type);
/* Reads a list header: element type and size. */
int f2c_tr_list(f2c_tr *r, int *elem, uint32_t *size);
/* Reads a zigzag varint (i16/i32/i64). */
int f2c_tr_varint(f2c_tr *r, int64_t *v);
/* Reads a zigzag varint that must fit 32 bits signed (an i16 or i32 value); -1 (reader in error)
 * when it does not. */
int f2c_tr_i32(f2c_tr *r, int32_t *v);
/* Reads a binary (or string) value: its varint length, then the bytes, which must all be in the
 * input; *p points into the input (not copied), *n is the length. */
int f2c_tr_binary(f2c_tr *r, const uint8_t **p, size_t *n);

#endif
