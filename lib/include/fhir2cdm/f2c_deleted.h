/*
 * f2c_deleted: reads FHIR Bulk Data deletion files (the `deleted` files of an export) into the
 * list of resources, "<type>/<id>", that the server says were deleted.
 *
 * Why: an incremental export (`_since`) sends changed resources as usual, and the resources deleted
 * since then only as deletion files; rows written from those resources by an earlier run must go.
 * This module only reads the files and says exactly what it could not read; what to remove is the
 * caller's business.
 *
 * The format, HL7 FHIR Bulk Data Access IG v2.0.0 (STU 2),
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html, "Response - Complete Status", `deleted`: "An
 * array of deleted file items following the same structure as the output array. [...] Each line
 * in the output file SHALL contain a FHIR Bundle with a type of transaction which SHALL contain one
 * or more entry items that reflect a deleted resource. In each entry, the request.url and
 * request.method elements SHALL be populated. The request.method element SHALL be set to DELETE."
 * Its example line is {"resourceType": "Bundle", "type": "transaction", "entry": [{"request":
 * {"method": "DELETE", "url": "Patient/123"}}]}: an entry may carry `request` only, no `resource`;
 * `fullUrl` may be present as in any Bundle entry.  request.url is the resource type and id.
 *
 * What a line must be (where the IG is silent, the choice made here and why):
 *  - One JSON object (strict RFC 8259 and FHIR strings, f2c_json_check) with "resourceType":
 *    "Bundle" and "type": "transaction", exactly (a "batch" or any other type is refused: the IG
 *    says transaction, and these are the only rules we can check the server against).
 *  - "entry" absent or [] is accepted and deletes nothing.  The IG's "one or more" is the
 *    server's duty; such a line is counted as a bundle with no entries, not reported: nothing of
 *    it would be applied either way.  "entry" present and not an array (null too) is refused.
 *  - Every entry: an object with a "request" object whose "method" is the string "DELETE" (FHIR
 *    codes are case-sensitive: "delete" is refused) and whose "url" is a string of exactly
 *    "<type>/<id>": type [A-Z][A-Za-z]{0,63} (FHIR's resource type name rule,
 *    f2c_is_resource_type_name plus the length; the shape only, not R4's list, so a server on
 *    another FHIR version is read too, and a type no table reads simply matches nothing), id
 *    [A-Za-z0-9\-\.]{1,64} (FHIR R4 `id`).  Refused as not "resource type and id": an absolute
 *    URL ("https://server/fhir/Patient/1", "urn:uuid:..."), since we would have to know the
 *    server's base to match it; a query or conditional delete ("Patient?identifier=x"), which
 *    names no resource; a version ("Patient/1/_history/2"), which deletes a version, not the
 *    resource; a leading or trailing '/', or any other number of '/'.
 *  - Everything else is ignored, not checked: "fullUrl", "resource" (even when it disagrees with
 *    request.url: the IG makes request.url the statement), "response", "id", "meta" and unknown
 *    members.  A member given twice counts by its first occurrence (as cJSON finds it).
 *  - All or nothing per line: at the first problem the line is reported (one f2c_error in diags)
 *    and NOTHING of it is added, not even its good entries, since a Bundle of type transaction is
 *    one unit.  Duplicate keys (within a line or across lines and files) are all kept, in order.
 *  - Lines: as every NDJSON reader of the project (f2c_ndjson.h): blank lines (only spaces, tabs,
 *    CR) are skipped silently and counted nowhere, a final CR (CRLF files) and a UTF-8 byte order
 *    mark at the start of line 1 are removed, invalid UTF-8 makes a bad line.  A BOM at the start
 *    of a later line is accepted too, since f2c_json accepts one before any text, so the
 *    transformer reads such a line the same way (columns then count its 3 bytes).  A line whose
 *    parsed tree would take more than 3 times its length plus 64 MiB is a bad line (F2C_ETOOLONG
 *    in its diag), as in the transformer, so memory stays bounded.  A line longer than max_line,
 *    though, fails the whole call (F2C_ETOOLONG): its bytes were never read, the limit is the
 *    caller's, and silently missing a deletion would leave deleted data in the tables.
 *
 * A diag of a bad line has file, line (physical, 1-based), column (1-based byte offset in the
 * line, after a BOM is removed: where JSON parsing stopped, the first invalid UTF-8 byte, or the
 * start of the value the problem is about -- the object that lacks a member), the RFC 6901
 * pointer ("" for the line itself, "/entry/3/request/url") and a message that ends "; the whole
 * line was not applied".  Its status: F2C_EJSON (syntax, or a string with a control character
 * FHIR excludes), F2C_EUTF8, F2C_ENOTOBJECT, F2C_ERESOURCE (any rule of the Bundle above),
 * F2C_ETOOLONG (the memory bound).
 *
 * Ownership: the f2c_deleted owns its keys and their strings; free everything with
 * f2c_deleted_free.  Not thread-safe: one f2c_deleted per thread (it holds a parser).
 */
#ifndef FHIR2CDM_F2C_DELETED_H
#define FHIR2CDM_F2C_DELETED_H

#include <stddef.h>

#include "fhir2cdm/f2c_error.h"

struct f2c_doc;

/* One deleted resource: its type ("Patient") and id ("123"), each a malloc'd NUL-terminated string
 * owned by the f2c_deleted holding the key. */
typedef struct f2c_deleted_key {
    char *type;
    char *id;
} f2c_deleted_key;

/* What has been read so far.  Zero-initialise before the first call; free with
 * f2c_deleted_free. */
typedef struct f2c_deleted {
    f2c_deleted_key *keys; /* in file order (a folder's files by name), duplicates kept */
    size_t count;
    unsigned long long files;     /* deletion files read (not the files of a folder skipped) */
    unsigned long long lines;     /* non-blank lines parsed: bundles + bad_lines */
    unsigned long long bundles;   /* lines accepted */
    unsigned long long entries;   /* entries of accepted lines: equals count */
    unsigned long long bad_lines; /* lines refused, each with one diag */
    /* private */
    size_t cap;          /* keys allocated */
    struct f2c_doc *doc; /* the JSON parser, reused across lines; NULL until the first line */
} f2c_deleted;

/*
 * Reads the deletion file or folder `path` and appends its keys to *out (zero-initialised by the
 * caller before the first call; call again for more paths, e.g. repeated --deleted options: keys
 * accumulate in call order).
 *
 * path: a file (any name: the caller named it; plain or gzip-compressed, as f2c_ndjson reads it)
 * or a folder, in which every regular file whose name ends ".ndjson" or ".ndjson.gz" and does not
 * start with '.' is read, in byte order of the names (strcmp), not recursively.  A symbolic link
 * given as path is followed; inside a folder, a symbolic link (checked with lstat) or anything
 * else that is not a regular file (a folder named x.ndjson, a FIFO) is skipped with an F2C_EIO
 * diag naming it ("its deletions were not read").  A folder without any such file gives a warning
 * diag (status F2C_OK) and no keys.  max_line: the longest accepted line in bytes (0 = f2c_ndjson's
 * default, 64 MiB).  diags: receives every bad line and skipped file (see the top of this file);
 * err (may be NULL): the failure of the call.
 *
 * Returns F2C_OK, also when lines were bad (out->bad_lines and diags say which).  Failures, after
 * which *out is as before the call (its keys removed, its counts restored; the diags added stay,
 * they are true of the lines read): F2C_EIO (path, or a file of the folder, cannot be opened or
 * read, a gzip stream is truncated or corrupt: err names the file and says why); F2C_ETOOLONG (a
 * line is longer than max_line: err has its file and line); F2C_ENOMEM.
 */
f2c_status f2c_deleted_read(const char *path, size_t max_line, f2c_deleted *out, f2c_diags *diags,
                            f2c_error *err);

/*
 * Parses one line of a deletion file and appends its keys to *out, or, for a bad line, adds one
 * diag to diags and nothing to out (the rules at the top of this file).  The reader's part and the
 * fuzz target's entry.  file (may be NULL) and lineno are the diag's place; line[0..len) is the
 * line as f2c_ndjson gives it (without its line break; line[len] need not be NUL; any bytes are
 * safe: invalid UTF-8 makes a bad line).  A blank line (only spaces, tabs, CR) is skipped: nothing
 * counted.  Counts the line in out (lines, and bundles + entries or bad_lines).
 * Returns F2C_OK (also for a bad line), or F2C_ENOMEM (out then unchanged, the line not counted).
 */
f2c_status f2c_deleted_parse_line(const char *file, long lineno, const char *line, size_t len,
                                  f2c_deleted *out, f2c_diags *diags);

/* Frees the keys, their strings and the parser, and zeroes *d (ready for reuse).  NULL is
 * allowed. */
void f2c_deleted_free(f2c_deleted *d);

#endif
