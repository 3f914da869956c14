/*
 * f2c_fhirpath: the FHIRPath engine (HL7 FHIRPath N1, normative release, http://hl7.org/fhirpath/N1)
 * over FHIR resources held as f2c_json documents.  Used by table-configuration `fhirExpression`
 * columns, by `fhir2cdm-transform fhirpath`, and (later) by SQL on FHIR ViewDefinitions.
 *
 * Layers, one file each: lexer (f2c_fp_lex.c) -> parser to an AST (f2c_fp_parse.c) -> compiler
 * that resolves function names and arities once (f2c_fp_compile.c) -> evaluator
 * (f2c_fp_eval.c) with the function library (f2c_fp_func_*.c).
 *
 * Ownership and threads: f2c_fp_compile returns an immutable expression the caller frees with
 * f2c_fp_free; one expression may be evaluated from many threads at once, each with its own
 * f2c_fp_ctx.  Results live in the context's arena and stay valid until the next f2c_fp_eval
 * or f2c_fp_ctx_reset on that context; result items that come from the input point into the
 * caller's document (keep it alive and unchanged while using them).
 */
#ifndef FHIR2CDM_F2C_FHIRPATH_H
#define FHIR2CDM_F2C_FHIRPATH_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_json.h"

typedef struct f2c_fp_expr f2c_fp_expr;
typedef struct f2c_fp_ctx f2c_fp_ctx;

/* Kinds of values in a result collection (FHIRPath N1 §6 "System types", plus FHIR elements). */
typedef enum f2c_fp_kind {
    F2C_FP_BOOLEAN,
    F2C_FP_INTEGER,
    F2C_FP_DECIMAL,
    F2C_FP_STRING,
    F2C_FP_DATE,
    F2C_FP_DATETIME,
    F2C_FP_TIME,
    F2C_FP_QUANTITY,
    F2C_FP_OBJECT /* a FHIR complex element or resource (a JSON object) */
} f2c_fp_kind;

/* One item of a result collection. */
typedef struct f2c_fp_item {
    f2c_fp_kind kind;
    /* FHIR type of the item when known ("HumanName", "dateTime", "code", "Patient"...), else the
     * System type name ("Boolean", "Integer", "Decimal", "String", "Date", "DateTime", "Time",
     * "Quantity").  Static string or owned by the expression/context. */
    const char *type;
    /* The JSON node the item was read from, or NULL for computed values.  For primitives read
     * from the resource this is the JSON string/number/boolean node. */
    const cJSON *node;
    /* Text form of the value (not NUL-terminated, `len` bytes; NULL for OBJECT):
     *  BOOLEAN "true"/"false"; INTEGER decimal digits; DECIMAL the exact JSON text when read from
     *  the resource, else the shortest text that round-trips; STRING the string; DATE/DATETIME/TIME
     *  the FHIRPath literal form without '@' (e.g. "2012-04-15T10:00:00+01:00", "T10:00" is
     *  written "10:00"); QUANTITY the value text (unit in `unit`). */
    const char *text;
    size_t len;
    int64_t i;        /* INTEGER value; BOOLEAN 0/1 */
    double d;         /* DECIMAL and QUANTITY numeric value */
    const char *unit; /* QUANTITY unit (UCUM code or calendar unit word), NUL-terminated */
} f2c_fp_item;

typedef struct f2c_fp_result {
    const f2c_fp_item *items;
    size_t count;
} f2c_fp_result;

/* A named constant available as %name (FHIRPath N1 §7 "Environment variables"); value is a
 * JSON node (its FHIR type unknown, treated by its JSON kind) owned by the caller. */
typedef struct f2c_fp_constant {
    const char *name;
    const cJSON *value;
} f2c_fp_constant;

/*
 * Compiles `src` (NUL-terminated, UTF-8).  constant_names lists the %names that evaluation will
 * supply besides the built-in %resource, %rootResource, %context, %ucum, %sct, %loinc (NULL if
 * none); any other %name is a compile error.
 * Errors (F2C_ECONFIG, err->column = 1-based character offset in src, err->message says what was
 * found and what was expected): syntax errors ("expected ')' after function arguments, found
 * ','"); unknown function ("unknown function 'frist'"); wrong number of arguments ("where()
 * takes 1 argument, got 0"); unknown %variable.  F2C_ENOMEM.
 */
f2c_status f2c_fp_compile(const char *src, const char *const *constant_names, f2c_fp_expr **out,
                          f2c_error *err);

/* The source text an expression was compiled from. */
const char *f2c_fp_source(const f2c_fp_expr *e);

void f2c_fp_free(f2c_fp_expr *e);

f2c_fp_ctx *f2c_fp_ctx_new(void); /* NULL when out of memory */
void f2c_fp_ctx_reset(f2c_fp_ctx *c); /* releases results, keeps memory for reuse */
void f2c_fp_ctx_free(f2c_fp_ctx *c);

/*
 * Evaluates e with `context` (a node of doc; the input collection is that one node, or empty if
 * NULL) and %resource / %rootResource = `resource` (a node of doc; may equal context).
 * context_type is the FHIR type of the context node if known ("HumanName"; NULL: inferred —
 * a JSON object with "resourceType" is that resource type).  constants (n of them) supply the
 * names declared at compile time.
 * Errors: F2C_EEVAL for run-time errors (FHIRPath N1 §4.4 and §5: a collection of more than one
 * item where a single item is required, e.g. `('a' | 'b') + 'c'`; an operand of the wrong type),
 * with err->column = 1-based offset of the failing operator or function and a message;
 * F2C_ENOMEM.
 */
f2c_status f2c_fp_eval(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc, const cJSON *context,
                       const char *context_type, const cJSON *resource,
                       const f2c_fp_constant *constants, size_t nconstants, f2c_fp_result *out,
                       f2c_error *err);

/*
 * Appends the result as JSON to out: an array of {"type": <item type>, "value": <value>} where
 * value is the JSON value (objects as their source JSON text, dates/times as strings, quantities
 * as {"value": n, "unit": u}).  Used by the command-line `fhirpath` subcommand and the tests.
 * Returns 0 or -1 (out of memory).
 */
int f2c_fp_result_json(f2c_doc *doc, const f2c_fp_result *r, f2c_buf *out);

#endif
