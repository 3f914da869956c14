/*
 * f2c_ndjson: reads an NDJSON file (FHIR Bulk Data output, one resource per line) line by line,
 * plain or gzip-compressed (".ndjson.gz"; zlib reads both transparently).
 *
 * Each line is checked before anyone parses it: longer than the configured limit -> skipped as a
 * whole and reported (memory stays bounded by the limit, whatever the input); not valid UTF-8
 * (RFC 3629, checked by f2c_utf8_check, which gives u8_check's answer) -> reported with the column
 * of the first bad byte.  A trailing CR (CRLF files) and a UTF-8 byte order mark at the start of
 * the file are removed; lines of only whitespace are skipped silently (NDJSON writers often end
 * with one).
 *
 * Ownership: the reader owns the returned line buffer; it stays valid and unchanged until the
 * next f2c_ndjson_next or f2c_ndjson_close.  One reader per thread.
 *
 * Two ways in, one set of rules.  The pull reader (f2c_ndjson_open/next) reads a file by path.
 * The push splitter (f2c_ndjson_push_*) is for bytes that arrive from elsewhere (an HTTP download
 * written straight into the transformer, without landing on disk): the caller feeds byte ranges
 * in order and gets each line through a callback.  Both give exactly the same lines, line
 * numbers, skipped blank lines and rejections (ETOOLONG, EUTF8) for the same bytes, whatever the
 * chunking; the checks (limit, BOM, CR, blank, UTF-8) are shared code.
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

/* ---- push mode ------------------------------------------------------------------------------ */

typedef struct f2c_ndjson_push f2c_ndjson_push;

/* Flags of f2c_ndjson_push_new. */
#define F2C_NDJSON_PUSH_PLAIN 0 /* bytes are NDJSON as they are (e.g. already gunzipped) */
/* If the first two bytes are the gzip magic (1F 8B), inflate the stream with zlib (concatenated
 * members are read one after the other, as RFC 1952 §2.2 allows and gzread does: a second member
 * is data; bytes after the last member that do not start another one are ignored, as gzread
 * does, and f2c_ndjson_push_trailing says where they begin); otherwise the bytes are plain
 * NDJSON. */
#define F2C_NDJSON_PUSH_GUNZIP 1
/* Flag of f2c_ndjson_push_new: deliver each non-blank line as its physical bytes (terminator
 * "\n" removed, nothing else: a BOM or a final '\r' stays, UTF-8 is not checked, line[len] is
 * not NUL) with status F2C_OK; the receiver checks it later with f2c_ndjson_check_line, e.g. on
 * another thread (the transformer's workers, docs/transform.md "Threads").  Lines over the limit
 * are still reported as F2C_ETOOLONG. */
#define F2C_NDJSON_PUSH_RAW 2

/*
 * The per-line rules every reader applies to a complete, non-blank physical line s[0..n) of file
 * `file` (used as the error's file; may be NULL), line `lineno` (1-based): a UTF-8 byte order
 * mark is removed on line 1, a final '\r' is removed, s[n'] is set to NUL (s[n] must be
 * writable), and the rest must be valid UTF-8.  Sets *line and *len (the checked text) also when
 * it is not valid UTF-8.  Returns F2C_OK, or F2C_EUTF8 with err's column at the first invalid
 * byte (1-based, bytes) and the byte in the message.
 */
f2c_status f2c_ndjson_check_line(const char *file, long lineno, char *s, size_t n,
                                 const char **line, size_t *len, f2c_error *err);

/*
 * Receives one line of a push splitter, in order.  status is
 *  - F2C_OK: line[0..len) is the line without its terminator ("\n" or "\r\n", a leading BOM on
 *    line 1 removed), NUL-terminated at line[len], valid only during the call;
 *  - F2C_ETOOLONG or F2C_EUTF8: the line is rejected (line is NULL for ETOOLONG; for EUTF8 it is
 *    the line as for F2C_OK); *err has file (the splitter's name), line, column and message.
 * lineno is the 1-based physical line number.  Blank lines are not delivered (they still count
 * in line numbers).  err is the f2c_error given to f2c_ndjson_push_feed/end: a callback that
 * fails returns a non-OK status (which stops the splitter and is returned by feed/end) and may
 * describe the failure in *err.
 */
typedef f2c_status (*f2c_ndjson_line_cb)(void *ud, f2c_status status, const char *line, size_t len,
                                         long lineno, f2c_error *err);

/* A push splitter.  name is used as the file of errors (copied; may be NULL for none); max_line
 * as in f2c_ndjson_open (0 = default); flags
 * F2C_NDJSON_PUSH_PLAIN or F2C_NDJSON_PUSH_GUNZIP, or-ed with F2C_NDJSON_PUSH_RAW.
 * Errors: F2C_ENOMEM (*out is then NULL). */
f2c_status f2c_ndjson_push_new(const char *name, size_t max_line, int flags, f2c_ndjson_push **out,
                               f2c_error *err);

/*
 * Splits the next len bytes of the stream (any chunking, down to one byte) and calls cb for
 * every line they complete.  Memory stays bounded by the line limit: a line over the limit is
 * not kept, only scanned to its end.  Returns F2C_OK; the callback's non-OK status; F2C_ENOMEM;
 * F2C_EIO for gzip data that cannot be inflated (err says why).  After any non-OK return the
 * splitter is finished: further feed/end calls return the same status without calling cb.
 */
f2c_status f2c_ndjson_push_feed(f2c_ndjson_push *p, const void *data, size_t len,
                                f2c_ndjson_line_cb cb, void *ud, f2c_error *err);

/* As f2c_ndjson_push_feed, for bytes the splitter may write to: a line that lies whole inside
 * data[0..len) is handed to cb in place (no copy), its terminator byte ('\n', or the '\r' before
 * it) overwritten with NUL.  Only terminator bytes are changed (for gzip input, none). */
f2c_status f2c_ndjson_push_feed_inplace(f2c_ndjson_push *p, char *data, size_t len,
                                        f2c_ndjson_line_cb cb, void *ud, f2c_error *err);

/* End of the stream: delivers a last line that has no line terminator (as the pull reader does).
 * Returns as f2c_ndjson_push_feed, plus F2C_EIO for a gzip stream that ended before its end
 * ("unexpected end of file", like gzread; the unterminated last line is then not delivered, as
 * the pull reader does not).  After a successful end, feed/end return F2C_EEOF. */
f2c_status f2c_ndjson_push_end(f2c_ndjson_push *p, f2c_ndjson_line_cb cb, void *ud, f2c_error *err);

/*
 * Where data that is not gzip begins after the last gzip member of a F2C_NDJSON_PUSH_GUNZIP
 * stream: its 0-based byte offset in the bytes fed so far, and *bytes (may be NULL) how many
 * bytes from there were fed (and ignored).  -1 (and *bytes 0) when there are none so far, and
 * for plain streams.  A single byte after a member counts, since more bytes could still make it
 * a member header: ask once the stream has been fed to its end.  No errors.
 */
long long f2c_ndjson_push_trailing(const f2c_ndjson_push *p, unsigned long long *bytes);

/* Lines completed so far (the number of the last line delivered or skipped). */
long f2c_ndjson_push_lineno(const f2c_ndjson_push *p);

/* Frees the splitter (no callbacks).  NULL is allowed. */
void f2c_ndjson_push_free(f2c_ndjson_push *p);

#endif
