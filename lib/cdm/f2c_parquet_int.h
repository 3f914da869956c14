/*
 * f2c_parquet_int: the Parquet writer's internal state, shared by its four sources:
 * f2c_parquet.c (writer, row groups, footer, schema check), f2c_parquet_page.c (values, pages,
 * encodings, statistics, compression), f2c_parquet_chunk.c (a column chunk and its
 * ColumnMetaData) and f2c_parquet_dict.c (the BYTE_ARRAY dictionary, byte buffers); the reader
 * (f2c_parquet_read.c) uses its enums, pq_physical and pq_footer_schema_matches.
 * Field ids in comments are those of Apache Parquet's parquet.thrift.
 */
#ifndef FHIR2CDM_F2C_PARQUET_INT_H
#define FHIR2CDM_F2C_PARQUET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fhir2cdm/f2c_parquet.h"
#include "f2c_thrift.h"

/* parquet.thrift enum values used here. */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_BYTE_ARRAY = 6, PQ_FLBA = 7 }; /* Type */
enum { PQ_PLAIN = 0, PQ_RLE = 3, PQ_RLE_DICTIONARY = 8 };                            /* Encoding */
enum { PQ_DATA_PAGE = 0, PQ_DICTIONARY_PAGE = 2 };                                   /* PageType */
enum { PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_ZSTD = 6 }; /* CompressionCodec */

/* Values (nulls included) that close a data page whatever its size. */
#define PQ_PAGE_MAX_VALUES 20000

/* A growable byte buffer (geometric growth). */
typedef struct pq_bytes {
    uint8_t *p;
    size_t len, cap;
} pq_bytes;

int pq_bytes_grow(pq_bytes *b, size_t extra); /* 0, or -1 out of memory */
static inline int pq_bytes_reserve(pq_bytes *b, size_t extra)
{
    return b->len + extra <= b->cap ? 0 : pq_bytes_grow(b, extra);
}
int pq_bytes_put(pq_bytes *b, const void *p, size_t n);
void pq_bytes_free(pq_bytes *b);

/* The dictionary of one BYTE_ARRAY column chunk: entries PLAIN-encoded (4-byte length, bytes)
 * back to back in data (exactly the dictionary page's body), found through an open-addressing
 * table of slots (entry number + 1, 0 empty, with the hash's high half) keyed by XXH3 hashes. */
typedef struct pq_dict {
    pq_bytes data;
    uint32_t *off;   /* off[i]: entry i's offset in data */
    uint64_t *hash;  /* hash[i]: entry i's hash */
    uint64_t *slots; /* nslots (a power of 2): hash high half << 32 | entry + 1 */
    size_t n, cap, nslots;
} pq_dict;

/* Returns the entry number of s[0..len) (*added 1 when it was new), or -1 out of memory. */
int64_t pq_dict_find_or_add(pq_dict *d, const char *s, size_t len, int *added);
void pq_dict_clear(pq_dict *d);
void pq_dict_free(pq_dict *d);

/* One column: its schema and the open row group's chunk. */
typedef struct pq_col {
    char *name;
    f2c_pq_kind kind;
    int precision, scale;
    int ptype, type_len; /* physical Type; FIXED_LEN_BYTE_ARRAY length */
    /* the open page */
    pq_bytes defs;    /* one definition level (0/1) per value */
    pq_bytes vals;    /* PLAIN values, or uint32 dictionary indices */
    size_t page_n;    /* values (with nulls) in the page */
    size_t bool_bits; /* BOOLEAN: bits used in vals */
    int page_dict;    /* the open page holds dictionary indices */
    /* the chunk */
    pq_bytes chunk; /* finished data pages, headers included */
    pq_dict dict;
    int use_dict;         /* the chunk is still dictionary-encoded (BYTE_ARRAY only) */
    uint32_t dict_pages;  /* data pages of the chunk that are RLE_DICTIONARY */
    uint32_t plain_pages; /* data pages of the chunk that are PLAIN */
    uint64_t num_values, null_count;
    uint64_t unc_size, comp_size; /* of the data pages, headers included */
    /* statistics (min/max in the type's sort order) */
    int has_minmax;
    int64_t min_i, max_i;   /* BOOLEAN, INT32, INT64 and decimals stored as such */
    int64_t min_hi, max_hi; /* FIXED_LEN_BYTE_ARRAY decimals: hi:lo */
    uint64_t min_lo, max_lo;
    pq_bytes min_s, max_s; /* BYTE_ARRAY */
    int set;               /* this row's value is given (assert aid) */
} pq_col;

struct f2c_pq_writer {
    pq_col *cols;
    size_t ncols;
    f2c_pq_codec codec;
    int zstd_level;
    size_t row_group_bytes, page_bytes, dict_bytes;
    char *created_by;
    f2c_pq_kv *kv;
    size_t nkv;
    char *file;
    f2c_pq_write_fn write;
    void *ud;
    uint64_t pos; /* bytes written to the sink */
    uint64_t rows, rg_rows;
    size_t rg_count;
    f2c_tw rgs;        /* the footer's RowGroup structs written so far, back to back */
    f2c_tw hdr;        /* scratch: a page header */
    f2c_tw cmeta;      /* scratch: a row group's ColumnChunk structs */
    pq_bytes page;     /* scratch: an uncompressed page */
    pq_bytes comp;     /* scratch: a compressed page */
    uint32_t *scratch; /* scratch: levels widened for the hybrid encoder */
    size_t scratch_cap;
    void *zctx; /* ZSTD_CCtx */
    int failed;
};

/* f2c_parquet.c */
/* The physical Type (PQ_*) a column of kind (and, for F2C_PQ_DECIMAL, precision) is stored as;
 * *type_len gets the FIXED_LEN_BYTE_ARRAY length (SchemaElement field 2), else 0.  kind must be
 * valid.  Shared with the reader (f2c_parquet_read.c) so both agree on every column's bytes. */
int pq_physical(f2c_pq_kind kind, int precision, int *type_len);
/* Whether footer foot[0..flen) (a FileMetaData, compact protocol) has exactly the schema (field
 * 2, byte for byte) a writer of cols[0..n) writes.  1 yes; 0 no, malformed, or cols invalid; -1
 * out of memory.  f2c_pq_schema_matches and the reader's check. */
int pq_footer_schema_matches(const uint8_t *foot, size_t flen, const f2c_pq_column *cols, size_t n);

/* f2c_parquet_page.c */
f2c_status pq_col_value_done(f2c_pq_writer *w, pq_col *c, f2c_error *err);
f2c_status pq_page_flush(f2c_pq_writer *w, pq_col *c, f2c_error *err);
/* Flushes the open page, writes the column's chunk (dictionary page, then the data pages) to
 * the sink, appends its ColumnChunk struct (RowGroup field 1 element) to meta, adds its sizes to
 * *unc and *comp, and empties the chunk for the next row group. */
f2c_status pq_chunk_write(f2c_pq_writer *w, pq_col *c, f2c_tw *meta, uint64_t *unc, uint64_t *comp,
                          f2c_error *err);
/* Empties the column's chunk state (after a row group). */
void pq_col_reset(pq_col *c);
/* Bytes the column buffers now (chunk, open page, dictionary). */
size_t pq_col_buffered(const pq_col *c);
/* Compresses src[0..n) with the writer's codec into w->comp; returns 0 or -1 (ENOMEM). */
int pq_compress(f2c_pq_writer *w, const uint8_t *src, size_t n);
/* The low n bytes of the 128-bit hi:lo, big-endian (FIXED_LEN_BYTE_ARRAY decimals). */
void pq_dec_be(uint8_t *p, int n, int64_t hi, uint64_t lo);
f2c_status pq_enomem(f2c_pq_writer *w, f2c_error *err);
f2c_status pq_emit(f2c_pq_writer *w, const void *p, size_t n, f2c_error *err);

#endif
