/*
 * pq_readback: a small test-only Parquet reader -- enough of the format to read back every file
 * f2c_parquet writes (flat schema, OPTIONAL columns, data pages v1, PLAIN and RLE_DICTIONARY
 * values, RLE/bit-packed definition levels, UNCOMPRESSED/SNAPPY/ZSTD pages) into plain arrays.
 *
 * Why our own, apart from the writer: the writer's fuzz target (fuzz_parquet.c) and the sink
 * test (tests/parquet-values/test_pq_sink.c) must check every value in-process, without DuckDB;
 * this reader shares no code with lib/cdm/f2c_parquet.c or f2c_thrift.c (its Thrift compact
 * decoder, levels and encodings are written from parquet.thrift and Encodings.md of
 * apache/parquet-format, not from the writer), so a misreading of the spec in one does not hide
 * in the other.  It is strict: anything it does not understand is an error with a reason.
 * Not part of the library: no error codes, no file context; a reason string and -1.
 */
#ifndef FHIR2CDM_TESTS_PQ_READBACK_H
#define FHIR2CDM_TESTS_PQ_READBACK_H

#include <stddef.h>
#include <stdint.h>

/* parquet.thrift enum Type */
enum { PQR_BOOLEAN = 0, PQR_INT32 = 1, PQR_INT64 = 2, PQR_BYTE_ARRAY = 6, PQR_FLBA = 7 };

/* The logical annotation of a column, from SchemaElement.logicalType (field 10). */
typedef enum pqr_logical {
    PQR_L_NONE = 0,
    PQR_L_STRING,    /* LogicalType 1 */
    PQR_L_DECIMAL,   /* 5 */
    PQR_L_DATE,      /* 6 */
    PQR_L_TIME,      /* 7, MICROS */
    PQR_L_TIMESTAMP, /* 8, MICROS */
    PQR_L_INTEGER,   /* 10 */
    PQR_L_OTHER
} pqr_logical;

typedef struct pqr_value {
    int null;
    int64_t i;     /* BOOLEAN (0/1), INT32, INT64; decimals: the unscaled value's upper 64 */
    uint64_t lo;   /* decimals: lower 64 bits of the unscaled value (two's complement) */
    const char *s; /* BYTE_ARRAY: bytes owned by the file */
    size_t n;
} pqr_value;

typedef struct pqr_column {
    char *name;
    int physical, type_length, converted; /* converted -1 when absent */
    pqr_logical logical;
    int precision, scale;     /* DECIMAL */
    int utc, unit_micros;     /* TIME/TIMESTAMP: isAdjustedToUTC, unit MICROS */
    int int_bits, int_signed; /* INTEGER */
    pqr_value *values;        /* nrows */
    int64_t null_count_stat;  /* summed over row groups; -1 when a chunk had none */
    int has_minmax;           /* every chunk with a non-null value had min_value/max_value */
    pqr_value min, max;       /* file-wide, decoded from the statistics (null when none) */
    int codec;                /* of the last chunk */
    int dict_pages, plain_pages, dict_data_pages;
} pqr_column;

typedef struct pqr_file {
    size_t ncols;
    pqr_column *cols;
    uint64_t nrows;
    size_t nrow_groups;
    char *created_by;
    size_t nkv;
    char **keys, **vals;
    char **blobs; /* string storage */
    size_t nblobs;
} pqr_file;

/* Reads the whole file data[0..len) into *out.  0, or -1 with why[0..whylen) set; *out must be
 * freed with pqr_free either way. */
int pqr_read(const uint8_t *data, size_t len, pqr_file *out, char *why, size_t whylen);

void pqr_free(pqr_file *f);

/* The key/value metadata value for key, or NULL. */
const char *pqr_kv(const pqr_file *f, const char *key);

#endif
