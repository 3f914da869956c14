/*
 * f2c_parquet: a streaming Apache Parquet file writer -- typed, flat, all-OPTIONAL columns, one
 * row at a time, written to a byte sink the caller provides.
 *
 * Why our own: Debian 12 ships no Parquet library for C (`apt-cache search parquet`: none), and
 * writing the format is what this project exists for (its output formats).  The well-kept pieces
 * are reused: libzstd and libsnappy compress pages; the few Thrift structs the footer and page
 * headers need are written in Thrift's compact protocol by f2c_thrift (lib/cdm/f2c_thrift.h).
 * Reference: Apache Parquet's parquet.thrift (format 2.x); comments in the sources cite its
 * struct field ids.
 *
 * What the writer produces (the writer's design, with parquet.thrift field ids:
 * docs/parquet-format.md):
 *  - "PAR1" magic, row groups, the FileMetaData footer (version 1), its length, "PAR1";
 *  - a flat schema: one root group, every column OPTIONAL with the physical and logical type of
 *    its f2c_pq_kind (table below), so a null is a definition level 0;
 *  - per column chunk: an optional dictionary page, then data pages v1 (DataPageHeader): the
 *    definition levels RLE/bit-packed hybrid (bit width 1, with its 4-byte length prefix), then
 *    the values -- PLAIN, or RLE_DICTIONARY indices for BYTE_ARRAY columns while the chunk's
 *    dictionary stays under the dictionary budget (then the chunk falls back to PLAIN pages for
 *    the rest of the chunk);
 *  - statistics per column chunk (null_count, min_value, max_value in the logical type's sort
 *    order: signed for numbers, dates, times and decimals; unsigned bytewise for strings) and a
 *    TypeDefinedOrder ColumnOrder per column, so engines can prune;
 *  - pages compressed with ZSTD, SNAPPY or not at all;
 *  - key/value metadata given by the caller (e.g. the writer's version and the entity).
 * Output is deterministic: the bytes depend only on the columns, options and values given.
 *
 *   kind                physical type              logical type (LogicalType union field)
 *   F2C_PQ_BOOLEAN      BOOLEAN                    none
 *   F2C_PQ_INT32        INT32                      INTEGER(32, signed)
 *   F2C_PQ_INT64        INT64                      INTEGER(64, signed)
 *   F2C_PQ_DECIMAL      INT32 (p<=9), INT64 (p<=18), FIXED_LEN_BYTE_ARRAY (p<=38, minimal bytes)
 *                                                  DECIMAL(p, s) (+ converted_type DECIMAL)
 *   F2C_PQ_DATE         INT32 (days since 1970-01-01)        DATE
 *   F2C_PQ_TIMESTAMP    INT64 (microseconds since the epoch) TIMESTAMP(isAdjustedToUTC, MICROS)
 *   F2C_PQ_TIME         INT64 (microseconds since midnight)  TIME(not adjusted to UTC, MICROS)
 *   F2C_PQ_TIMESTAMP_LOCAL  INT64 (microseconds)           TIMESTAMP(not adjusted to UTC, MICROS),
 *                                                  no converted_type (TIMESTAMP_MICROS means
 *                                                  adjusted to UTC: LogicalTypes.md)
 *   F2C_PQ_STRING       BYTE_ARRAY (UTF-8)         STRING (+ converted_type UTF8)
 *
 * Memory: a writer buffers one row group (encoded, compressed pages of every column plus each
 * column's open page and dictionary).  When those buffered bytes reach options.row_group_bytes
 * after a row, the row group is written out; so a writer holds about row_group_bytes plus one page
 * per column.  The caller divides a job's budget among its open writers.
 *
 * Ownership and threads: a writer is used by one thread at a time; writers share nothing.
 */
#ifndef FHIR2CDM_F2C_PARQUET_H
#define FHIR2CDM_F2C_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "fhir2cdm/f2c_error.h"

typedef enum f2c_pq_kind {
    F2C_PQ_BOOLEAN = 1,
    F2C_PQ_INT32,
    F2C_PQ_INT64,
    F2C_PQ_DECIMAL,
    F2C_PQ_DATE,
    F2C_PQ_TIMESTAMP,
    F2C_PQ_TIME,
    F2C_PQ_STRING,
    F2C_PQ_TIMESTAMP_LOCAL /* a timestamp not adjusted to UTC (SQL TIMESTAMP without zone) */
} f2c_pq_kind;

typedef enum f2c_pq_codec {
    F2C_PQ_ZSTD = 0, /* the default */
    F2C_PQ_SNAPPY,
    F2C_PQ_UNCOMPRESSED
} f2c_pq_codec;

/* One column: name (UTF-8, copied), kind, and for F2C_PQ_DECIMAL its precision (1..38) and scale
 * (0..precision); precision/scale are ignored for other kinds. */
typedef struct f2c_pq_column {
    const char *name;
    f2c_pq_kind kind;
    int precision, scale;
} f2c_pq_column;

/* One key/value pair of the footer's key_value_metadata (both copied). */
typedef struct f2c_pq_kv {
    const char *key, *value;
} f2c_pq_kv;

typedef struct f2c_pq_options {
    f2c_pq_codec codec;
    int zstd_level;         /* 0: the writer's default, 1 (docs/parquet-format.md) */
    size_t row_group_bytes; /* buffered bytes that close a row group; 0: default 64 MiB */
    size_t page_bytes;      /* uncompressed value bytes that close a page (so do 20000 values);
                               0: default 1 MiB */
    size_t dict_bytes;      /* dictionary size at which a chunk falls back to PLAIN; 0: 1 MiB */
    const char *created_by; /* FileMetaData.created_by, e.g. "fhir2cdm version 1.4.0"; copied */
    const f2c_pq_kv *kv;    /* key_value_metadata, in this order; copied */
    size_t nkv;
} f2c_pq_options;

/* Where the writer's bytes go: write all of data[0..len) or fail.  Returns 0, or -1 with
 * *err set (e.g. F2C_EIO naming the file).  Called only from within f2c_pq_* calls. */
typedef int (*f2c_pq_write_fn)(void *ud, const void *data, size_t len, f2c_error *err);

typedef struct f2c_pq_writer f2c_pq_writer;

/*
 * Creates a writer of columns cols[0..n) (n >= 1; names unique) and writes the leading "PAR1".
 * file names the output in messages (copied; may be NULL).  Returns F2C_OK with *out set, or:
 * F2C_EUSAGE (bad column: empty name, decimal precision/scale out of range; message says which),
 * F2C_ENOMEM, or what write returned.  *out is NULL on error.
 */
f2c_status f2c_pq_writer_new(const f2c_pq_column *cols, size_t n, const f2c_pq_options *o,
                             f2c_pq_write_fn write, void *ud, const char *file, f2c_pq_writer **out,
                             f2c_error *err);

/*
 * Values of the current row, column by column: every column gets exactly one call per row
 * (any order), of the setter matching its kind (asserted):
 *   f2c_pq_null    any kind: the value is absent
 *   f2c_pq_bool    BOOLEAN (v: 0 or 1)
 *   f2c_pq_int32   INT32 and DATE (days since 1970-01-01)
 *   f2c_pq_int64   INT64, TIMESTAMP (microseconds since 1970-01-01T00:00:00Z) and TIME
 *                  (microseconds since midnight, 0 <= v < 86400000000)
 *   f2c_pq_decimal DECIMAL: the unscaled value (value * 10^scale) as a signed 128-bit two's
 *                  complement number hi:lo (hi the upper 64 bits); it must fit the precision
 *                  (|v| < 10^precision, asserted: the caller rounds and range-checks)
 *   f2c_pq_bytes   STRING: s[0..len) (valid UTF-8 is the caller's duty; copied)
 * They return F2C_OK or F2C_ENOMEM (the writer must then be freed).
 */
f2c_status f2c_pq_null(f2c_pq_writer *w, size_t col, f2c_error *err);
f2c_status f2c_pq_bool(f2c_pq_writer *w, size_t col, int v, f2c_error *err);
f2c_status f2c_pq_int32(f2c_pq_writer *w, size_t col, int32_t v, f2c_error *err);
f2c_status f2c_pq_int64(f2c_pq_writer *w, size_t col, int64_t v, f2c_error *err);
f2c_status f2c_pq_decimal(f2c_pq_writer *w, size_t col, int64_t hi, uint64_t lo, f2c_error *err);
f2c_status f2c_pq_bytes(f2c_pq_writer *w, size_t col, const char *s, size_t len, f2c_error *err);

/* Ends the current row (every column must have its value, asserted); writes a row group when
 * the buffered bytes reached row_group_bytes.  Returns F2C_OK, F2C_ENOMEM, or what write
 * returned; after an error the writer must be freed. */
f2c_status f2c_pq_end_row(f2c_pq_writer *w, f2c_error *err);

/* Rows ended so far. */
uint64_t f2c_pq_rows(const f2c_pq_writer *w);

/* Writes the last row group (if any rows are buffered) and the footer.  A file with no rows is
 * valid (no row group).  Returns F2C_OK, F2C_ENOMEM or what write returned.  Call at most once;
 * free the writer afterwards in every case. */
f2c_status f2c_pq_finish(f2c_pq_writer *w, f2c_error *err);

/* Frees w (NULL allowed); writes nothing. */
void f2c_pq_writer_free(f2c_pq_writer *w);

/*
 * Whether the Parquet file behind descriptor fd (read with pread, offset unchanged) has exactly
 * the schema a writer of cols[0..n) writes: its footer holds the same SchemaElement list (names,
 * kinds, precision and scale).  Used to keep a committed partition only while it still fits its
 * table (f2c_cdm_publish).  Returns 1 (same), 0 (different, not Parquet, truncated), -1 (read
 * error or out of memory; errno set).
 */
int f2c_pq_schema_matches(int fd, const f2c_pq_column *cols, size_t n);

#endif
