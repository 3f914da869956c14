/*
 * f2c_parquet_read: reading back, row by row, a Parquet file that f2c_parquet wrote -- the
 * decoder behind the Parquet sink's `read` operation (f2c_sink.h, f2c_sink_parquet.c).  Internal
 * to lib/cdm.
 *
 * Why a reader of our own files only: merge mode rewrites published partitions without some
 * rows, so it must get every row of a partition back as the cells the sink was given, or text
 * that the sink stores as the same values.  The writer's output is a small, fixed subset of
 * Parquet (docs/parquet-format.md: flat OPTIONAL columns, data pages v1, PLAIN and
 * RLE_DICTIONARY, ZSTD/SNAPPY/uncompressed), so the reader decodes exactly that subset and
 * refuses everything else as a file this build did not write, instead of being a general
 * Parquet library with its own attack surface.
 */
#ifndef FHIR2CDM_F2C_PARQUET_READ_H
#define FHIR2CDM_F2C_PARQUET_READ_H

#include <stddef.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_parquet.h"
#include "fhir2cdm/f2c_sink.h"

/*
 * Reads the Parquet file behind fd (read with pread from offset 0; fd is neither moved nor
 * closed) written by a writer of columns cols[0..n) (cols borrowed for the call), and calls
 * fn(ud, n, cells, lens, err) once per row, in file order.  Cell i is column i's value as the
 * canonical text the Parquet sink converts back to the same stored value (f2c_pq_value.h,
 * "Back to text"; BOOLEAN "true"/"false", STRING its bytes verbatim), an empty cell for a null;
 * cells are valid during the call only.  shown names the file in every message (the error's
 * file; may be NULL).
 *
 * The file is untrusted: every offset, length and count is checked against the bytes that
 * hold it before use, and allocations are bounded by the file's size (a decompressed page by
 * its codec's largest possible expansion of the page's compressed bytes).
 *
 * Returns F2C_OK; fn's non-OK status (err as fn left it; no further rows); F2C_EIO with err's
 * file = shown: a read error (errno's text), or the file is not one a writer of cols writes:
 * no "PAR1" magic, a footer out of range, a schema other than cols' (f2c_pq_schema_matches'
 * rule), truncated or inconsistent metadata, a page kind, encoding or codec the writer never
 * uses, a value no cell text can give (a date outside 0001..9999, an empty string), and the
 * message says what and where (row group, column, row); F2C_ENOMEM.
 */
f2c_status pq_read_rows(int fd, const f2c_pq_column *cols, size_t n, const char *shown,
                        f2c_sink_read_fn fn, void *ud, f2c_error *err);

#endif
