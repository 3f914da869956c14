/*
 * f2c_parquet_read_int: the Parquet reader's internal state, shared by its two sources:
 * f2c_parquet_read.c (the file, its footer and row groups, the rows) and f2c_parquet_read_page.c
 * (pages, decompression, definition levels, values and their cell text).  Field ids in comments
 * are those of Apache Parquet's parquet.thrift.  Internal to lib/cdm.
 */
#ifndef FHIR2CDM_F2C_PARQUET_READ_INT_H
#define FHIR2CDM_F2C_PARQUET_READ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "f2c_parquet_int.h"
#include "f2c_parquet_read.h"
#include "f2c_pq_value.h"

typedef struct prd prd;

/* One column chunk as its ColumnMetaData describes it (offsets checked to lie in the file). */
typedef struct prd_chunk {
    int codec;                     /* 4 codec: PQ_UNCOMPRESSED, PQ_SNAPPY or PQ_ZSTD */
    int seen;                      /* bits of the required fields read (parsing aid) */
    int64_t num_values, comp_size; /* 5 num_values, 7 total_compressed_size */
    int64_t data_off, dict_off;    /* 9 data_page_offset, 11 dictionary_page_offset (-1: none) */
} prd_chunk;

/* One RowGroup: 3 num_rows and 1 columns (one chunk per column, schema order). */
typedef struct prd_group {
    int64_t num_rows;
    prd_chunk *chunks;
} prd_group;

/* A decoder of the RLE/bit-packed hybrid (parquet-format Encodings.md) over p[0..n). */
typedef struct prd_hybrid {
    const uint8_t *p;
    size_t n, pos;      /* pos: the next run's header */
    int width;          /* bits per value, 1..32 */
    uint64_t left;      /* values left in the current run */
    int packed;         /* the current run is bit-packed */
    uint32_t value;     /* RLE run: its value */
    const uint8_t *run; /* bit-packed run: its bytes */
    uint64_t bit;       /* bit-packed run: the next value's first bit */
} prd_hybrid;

/* One column: its definition, the open row group's chunk bytes and the page being read. */
typedef struct prd_col {
    const f2c_pq_column *def; /* borrowed from the caller */
    int ptype, type_len;      /* physical Type; FIXED_LEN_BYTE_ARRAY length */
    prd_chunk chunk;
    pq_bytes bytes;  /* the chunk's bytes as stored (page headers and bodies) */
    size_t pos;      /* the next page header in bytes */
    pq_bytes dict;   /* the decompressed dictionary page: PLAIN BYTE_ARRAY entries */
    size_t *dict_at; /* entry i's 4-byte length prefix in dict */
    size_t dict_n, dict_cap;
    int has_dict;                /* the chunk's dictionary page was read */
    pq_bytes page;               /* the decompressed data page */
    int64_t page_left;           /* values (nulls included) left in the page */
    int page_dict;               /* the page's values are RLE_DICTIONARY indices */
    prd_hybrid levels;           /* definition levels (bit width 1) */
    prd_hybrid indices;          /* dictionary indices */
    size_t vpos, vend;           /* PLAIN values: the next byte in page, the end */
    uint64_t bit;                /* PLAIN BOOLEAN: the next value's bit from vpos */
    char text[F2C_PQV_TEXT_MAX]; /* the current cell's text (not strings) */
} prd_col;

struct prd {
    int fd;
    const char *shown; /* never NULL */
    f2c_error *err;
    uint64_t size, data_end; /* the file's size; where the footer starts */
    prd_col *cols;
    size_t ncols;
    prd_group *groups;
    size_t ngroups, group; /* group: the one being read (messages) */
    uint64_t row;          /* rows delivered so far (messages) */
    const char **cells;    /* the row being delivered */
    size_t *lens;
    void *zctx; /* ZSTD_DCtx, made on first use */
};

/* f2c_parquet_read_page.c (f2c_parquet_read.c uses it, never the other way round) */
/* F2C_EIO naming r->shown: "not a Parquet partition this build writes for the table: " then
 * fmt's text. */
f2c_status prd_bad(prd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* F2C_ENOMEM naming r->shown. */
f2c_status prd_nomem(prd *r);
/* Prepares c to read its chunk (c->chunk and c->bytes just loaded) from the first page. */
void prd_col_start(prd_col *c);
/* The next value of column c as cell text: *cell, *len (empty for a null), valid until c's next
 * cell or page.  Loads pages (and the dictionary page) as needed.  F2C_OK, F2C_EIO (prd_bad:
 * malformed page, encoding or codec not written by the writer, value with no cell text),
 * F2C_ENOMEM. */
f2c_status prd_cell(prd *r, prd_col *c, const char **cell, size_t *len);
/* Whether c's chunk is used up: no value left in its page, no page left in its bytes. */
int prd_col_done(const prd_col *c);
/* Frees c's buffers (not c). */
void prd_col_free(prd_col *c);

#endif
