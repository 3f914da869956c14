/*
 * f2c_csv: writes one CSV partition file (RFC 4180) atomically.
 *
 * Fields are quoted only when they contain a comma, a double quote, CR or LF; quoting and the
 * doubling of embedded quotes is done by libcsv (csv_write).  Line breaks inside values are
 * kept (inside quotes), records end with CRLF as RFC 4180 §2.1 says, UTF-8 bytes pass through.
 *
 * Where the bytes go is not the writer's business: it writes to a descriptor the caller owns
 * (a staged file of the commit protocol, f2c_commit.h, which creates, fsyncs and publishes it).
 *
 * Ownership: f2c_csv_open_fd returns a writer the caller must end with exactly one of finish or
 * abort, which also free it; neither closes the descriptor.  Writers are independent; one thread
 * per writer.
 */
#ifndef FHIR2CDM_F2C_CSV_H
#define FHIR2CDM_F2C_CSV_H

#include <stddef.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"

typedef struct f2c_csv f2c_csv;

/* Starts a writer on descriptor fd (open for writing, positioned where records go); label names
 * the file in messages (copied).  Errors: F2C_ENOMEM. */
f2c_status f2c_csv_open_fd(int fd, const char *label, f2c_csv **out, f2c_error *err);

/* Writes one record of n fields; cells[i] has lens[i] bytes (need not be NUL-terminated).
 * Errors: F2C_EIO, F2C_ENOMEM. */
f2c_status f2c_csv_write_row(f2c_csv *w, size_t n, const char *const *cells, const size_t *lens,
                             f2c_error *err);

/* Records written so far, the header record included. */
unsigned long long f2c_csv_records(const f2c_csv *w);

/* Bytes of the records written so far (buffered or not), the header record included: the file
 * offset where the next record starts. */
unsigned long long f2c_csv_bytes(const f2c_csv *w);

/* Writes the records still buffered and frees w (fd stays open: the caller fsyncs and closes
 * it).  Errors: F2C_EIO (write failed: ENOSPC, EIO, EDQUOT; message names the file). */
f2c_status f2c_csv_finish(f2c_csv *w, f2c_error *err);

/* Frees w without writing what is buffered; NULL is allowed.  The descriptor stays open. */
void f2c_csv_abort(f2c_csv *w);

/* One record read back by f2c_csv_read_fd: n fields (cells[i], lens[i] bytes, valid during the
 * call); record is its number in the file, 1 for the first.  A non-OK return stops the reading. */
typedef f2c_status (*f2c_csv_record_fn)(void *ud, unsigned long long record, size_t n,
                                        const char *const *cells, const size_t *lens,
                                        f2c_error *err);

/*
 * Reads back a file that f2c_csv wrote (fd open for reading, read with pread from offset 0, not
 * closed; label names it in messages): every record must hold exactly `width` fields and end in
 * CRLF (RFC 4180 section 2, as the writer writes it); fields are given unquoted, with embedded
 * quotes undoubled, and nothing trimmed (libcsv in strict mode, with CR a space only where it
 * precedes the record's LF).  A record of one empty field (an empty line) is one empty cell.
 * Returns F2C_OK after the last record, fn's non-OK status, F2C_EIO (read error, a quoting error,
 * a record of another width, a file not ending in CRLF: message names the file and record),
 * F2C_ENOMEM.
 */
f2c_status f2c_csv_read_fd(int fd, const char *label, size_t width, f2c_csv_record_fn fn,
                           void *ud, f2c_error *err);

/* Appends field s[0..n) to out as it would appear in a record (quoted if needed).
 * Returns 0, or -1 when out of memory.  Used by the writer and by anyone who must compare with
 * what the writer writes (e.g. the header check of existing partitions). */
int f2c_csv_append_field(f2c_buf *out, const char *s, size_t n);

#endif
