/*
 * f2c_ndjson: reads an NDJSON file (FHIR Bulk Data output, one resource per line) line by line,
 * plain or gzip-compressed (".ndjson.gz"; zlib reads both transparently).
 *
 * Each line is checked before anyone parses it: longer than the configured limit -> skipped as a
 * whole and reported (memory stays bounded by the limit, whatever the input); not valid UTF-8
 * (RFC 3629, checked with libunistring's u8_check) -> reported with the column of the first bad
 * byte.  A trailing CR (CRLF files) and a UTF-8 byte order mark at the start of the file are
 * removed; lines of only whitespace are skipped silently (NDJSON writers often end with one).
 *
 * Ownership: the reader owns the returned line buffer; it stays valid and unchanged until the
 * next f2c_ndjson_next or f2c_ndjson_close.  One reader per thread.
 */
#ifndef FHIR2CDM_F2C_NDJSON_H
#define FHIR2CDM_F2C_NDJSON_H

#include <stddef.h>

#include "fhir2cdm/f2c_error.h"

/* Default line limit: 64 MiB, far above any resource a Bulk Data server writes inline. */
#define F2C_NDJSON_DEFAULT_MAX_LINE ((size_t)64 << 20)

typedef struct f2c_ndjson f2c_ndjson;

/* Opens path.  max_line is the longest accepted line in bytes (0 = default).
 * Errors: F2C_EIO (message has strerror), F2C_ENOMEM. */
f2c_status f2c_ndjson_open(const char *path, size_t max_line, f2c_ndjson **out, f2c_error *err);

/*
 * Next non-blank line: F2C_OK with *line (NUL-terminated, no line break), *len and *lineno
 * (1-based physical line number).  F2C_EEOF at the end.  Per-line problems, after which the
 * reader is positioned on the next line and reading can go on: F2C_ETOOLONG, F2C_EUTF8 (err has
 * file, line, column and message).  F2C_EIO: read error or truncated gzip stream (reading
 * cannot go on).  F2C_ENOMEM.
 */
f2c_status f2c_ndjson_next(f2c_ndjson *r, const char **line, size_t *len, long *lineno,
                           f2c_error *err);

/* Bytes of the file consumed so far (compressed bytes for gzip files), for progress. */
unsigned long long f2c_ndjson_offset(const f2c_ndjson *r);

/* Closes the file and frees the reader.  NULL is allowed. */
void f2c_ndjson_close(f2c_ndjson *r);

#endif
