/*
 * f2c_json: one parsed JSON document (an NDJSON line or a configuration file) that remembers
 * where each value came from in its source text.
 *
 * cJSON turns numbers into doubles, which would lose FHIR decimal precision ("1.50" has two
 * significant decimals; 2^53+1 does not fit a double).  The table rules require decimals exactly
 * as their JSON text and `array` cells as the element's JSON text, so a document can give back
 * the exact source bytes of any node.  Those byte ranges are found lazily, on the first request
 * per document, by a scan that walks the source text in step with the cJSON tree (cJSON keeps
 * members in document order); documents whose cells never need source text never pay for it.
 *
 * Ownership: the document does not copy the text given to f2c_doc_parse; the caller keeps it
 * alive and unmodified until the next parse or free.  Node pointers returned by cJSON belong to
 * the document and are valid until the next parse or free.  A document is not thread-safe; use
 * one per thread and reuse it across lines (parse releases the previous tree).
 *
 * Implementation note: each node's span index is stored in cJSON's (deprecated, otherwise
 * unused by us) `valueint` field; callers must not read valueint from documents parsed here.
 */
#ifndef FHIR2CDM_F2C_JSON_H
#define FHIR2CDM_F2C_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_error.h"

typedef struct f2c_doc f2c_doc;

/* A new empty document, or NULL when out of memory. */
f2c_doc *f2c_doc_new(void);

/* Installs cJSON's allocation hooks that give each document its own arena (f2c_json.c): call
 * once before starting threads that use cJSON (f2c_doc_new calls it too; later calls do
 * nothing).  Other uses of cJSON keep malloc and free.  Never fails. */
void f2c_json_init(void);

/*
 * Parses text[0..len) (RFC 8259 JSON; text need not be NUL-terminated).  On failure returns
 * F2C_EJSON with err->column set to the 1-based byte offset where parsing stopped and err->message
 * describing what was found there (e.g. "unexpected character '}'" or "unexpected end of
 * text"); F2C_ENOMEM when out of memory.  The previous tree is released in both cases.
 * err->file and err->line are left for the caller to fill.
 *
 * Every string value comes out exactly as in the JSON, so a string (value or key) holding the
 * escape \u0000 is refused (F2C_EJSON, column of its backslash, err->pointer the RFC 6901 pointer
 * of the member or element that holds it, "" for the top-level value): cJSON strings end at the
 * first NUL and would silently be cut.  Other escaped control characters are accepted here
 * (configuration files may hold them); f2c_json_check, for FHIR resources, refuses them too.
 */
f2c_status f2c_doc_parse(f2c_doc *d, const char *text, size_t len, f2c_error *err);

/* What f2c_json_check saw of a text without building its tree. */
typedef struct f2c_json_peek {
    int is_object; /* the value is a JSON object */
    /* The first top-level "resourceType" member's value when it is a JSON string without escape
     * sequences: points into the checked text, resource_type_len bytes, not NUL-terminated.
     * NULL otherwise (absent, not a string, escaped, or the value is not an object). */
    const char *resource_type;
    size_t resource_type_len;
    /* Set on failure only: the text is well-formed JSON, but a string holds a control character
     * a FHIR string may not (err->message is then complete, not a syntax error). */
    int bad_string;
    /* Counted by a successful check: JSON values, and strings among them plus member keys. */
    size_t values, strings;
} f2c_json_peek;

/*
 * An upper estimate, in bytes, of the memory the parsed tree of a checked text of len bytes takes
 * (f2c_doc_parse_checked: cJSON nodes, their strings), from peek's counts.  The transformer
 * refuses a line whose estimate, plus the line itself, exceeds 3 times the line plus 64 MiB
 * (docs/transform.md, "Bad input"), so no line can make memory grow beyond that.
 */
size_t f2c_json_tree_bytes(const f2c_json_peek *peek, size_t len);

/*
 * Checks that text[0..len) is well-formed JSON holding a FHIR resource's strings, without
 * building a tree, and fills *peek (may be NULL; zeroed first, also on failure).  Lets the
 * transformer validate and route a line whose resource type has no table without paying for a
 * cJSON tree.
 *
 * The rules are f2c_doc_parse's (F2C_EJSON, err->column, err->message), plus FHIR R4's `string`
 * rule (https://hl7.org/fhir/R4/datatypes.html#string, regex `[ \r\n\t\S]+`): a string, key or
 * value, whose escapes give a control character U+0000..U+001F other than TAB, LF and CR
 * (\u0001, \b, \f, ...) is refused with F2C_EJSON, err->column at the escape's backslash,
 * err->pointer the RFC 6901 pointer of the member or element holding it ("" for the top-level
 * value; JSON escapes in its keys other than \" \\ \/ are shown as written) and
 * peek->bad_string set.  Raw control bytes are a syntax error, as RFC 8259 says.  Errors:
 * F2C_EJSON only (no allocation but on that error path).
 */
f2c_status f2c_json_check(const char *text, size_t len, f2c_json_peek *peek, f2c_error *err);

/* f2c_doc_parse for a text that f2c_json_check has just accepted: builds the tree without
 * checking again.  Errors: F2C_ENOMEM (and F2C_EJSON only for a number literal this cJSON build
 * refuses). */
f2c_status f2c_doc_parse_checked(f2c_doc *d, const char *text, size_t len, f2c_error *err);

/* Root node of the last successful parse, or NULL. */
const cJSON *f2c_doc_root(const f2c_doc *d);

/*
 * Exact source text of `node` (a node of this document's current tree): for a number its
 * literal ("1.50", "-0", "1e3"), for an array or object the bytes from its opening bracket to
 * its closing one, for a string the quoted JSON string literal including escapes.
 * Sets *p and *n and returns 0; returns -1 when node is not of this document or memory ran out.
 */
int f2c_doc_source(f2c_doc *d, const cJSON *node, const char **p, size_t *n);

/* The JSON kind of v for messages: "object", "array", "string", "number", "boolean", "null"
 * ("raw" for cJSON raw nodes).  Static strings. */
const char *f2c_json_kind(const cJSON *v);

/* Releases the document and its tree.  NULL is allowed. */
void f2c_doc_free(f2c_doc *d);

#endif
