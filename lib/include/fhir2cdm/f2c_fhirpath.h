/*
 * f2c_fhirpath: the FHIRPath engine (HL7 FHIRPath N1, normative release,
 * http://hl7.org/fhirpath/N1) over FHIR resources held as f2c_json documents.  Used by
 * table-configuration `fhirExpression` columns, by `fhir2cdm-transform fhirpath`, and (later) by
 * SQL on FHIR ViewDefinitions.
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
 *
 * Language supported: the whole N1 grammar (literals incl. quantities and calendar durations,
 * `delimited identifiers`, $this/$index/$total, %variables, indexers, all operators with N1
 * precedence), the N1 function library (§5 existence, filtering, subsetting, combining,
 * conversion, strings, math, tree navigation, utility; §6.3 is/as/ofType; §7 aggregate), the
 * FHIR R4 additions extension(), hasValue(), getValue(), resolve() (always empty: no resolver),
 * SQL on FHIR v2 getResourceKey() / getReferenceKey([type]), and from FHIRPath 3.0 lastIndexOf,
 * matchesFull, sum/min/max/avg, lowBoundary/highBoundary.  Not supported: type() reflection,
 * sort, coalesce, defineVariable, encode/decode/escape/unescape, memberOf,
 * conformsTo, htmlChecks, Long literals (1L), %vs-/%ext- variables (compile error "unknown
 * function"/"unknown variable").
 *
 * Semantics decided where N1 leaves room (each is also noted where implemented):
 *  - Navigation is FHIR JSON aware (FHIR R4 §2.6): arrays flatten; a name equal to the
 *    resource's resourceType selects the resource (`Patient.name` on a Patient); a leading type
 *    name also matches a context of that type (context_type); a choice element `value` finds
 *    valueQuantity/valueString/... (the type model's variants when the parent type is known,
 *    else any member `value` + upper-case suffix); `_name` primitive extension objects are
 *    paired with their values (by index inside arrays), so `birthDate.extension` works; a
 *    primitive that has only `_name` (no value) exists for navigation and exists()/count() but
 *    is left out of results; unknown members give empty.
 *  - Identifiers follow the N1 grammar: the keywords div mod and or xor implies true false and
 *    the calendar units (year ... milliseconds) are not names unless delimited (text.`div`;
 *    `text.div` is a compile error at the keyword); as, contains, in, is are names.
 *  - Ordinary function arguments and operator operands are evaluated against $this (the
 *    context at top level, the current item inside where/select/exists/all/repeat), not against
 *    the function's input: `display.substring(display.indexOf(' ') + 1)` reads from the resource,
 *    as in fhirpath.js.  iif() sees its input as $this.
 *  - A criterion (where, exists, all, iif) or Boolean operand is true when it is a single true
 *    or a single non-Boolean item (N1 §4.5); empty is not true; more than one item is an error.
 *  - Decimal + - * / div mod are exact on the decimal digits (128-bit coefficient of <= 37
 *    digits, <= 28 places; / to 28 places, half to even; 129.16 * 1.1 = 142.076); a result that
 *    does not fit is empty.  Equality of decimals rounds to 1e-8; ~ compares decimals at the lesser
 *    number of decimal places, strings after full Unicode upper-casing with every whitespace
 *    character (Unicode White_Space) equivalent to any other, one for one ('a\tb' ~ 'a b';
 *    runs are not collapsed nor ends trimmed: 'a  b' !~ 'a b', ' a' !~ 'a'), and collections
 *    regardless of order.  Dates/times: = is empty when the precisions differ and the common
 *    part is equal, ~ is then false, < > are empty; seconds and fractions are one precision;
 *    a DateTime without offset compared with one with an offset is taken as UTC.  No implicit
 *    String -> Date conversion: compare FHIR data (typed by the model) or convert.
 *  - Quantities convert within a small UCUM subset (metric prefixes on g, m, L, s, mol, eq, ...;
 *    min/h/d/wk/a/mo; calendar words day(s)..millisecond(s) equal their UCUM units; year/month
 *    are calendar only, 1 year = 12 months); compound units compare when their quotient
 *    reduces to '1' (1 'mg/dL' = 10 'mg/L'); other units compare only when identical.  = gives
 *    false for different dimensions, empty for units it cannot convert; + - give the finer unit.
 *  - Quantity * and / (N1 §6.6) combine the units as UCUM terms, keeping the operands' units as
 *    N1's examples do (12 'cm' * 3 'cm' = 36 'cm2'; 2 'kg' * 3 'm' = 6 'kg.m'; 10 'm' / 2 's' =
 *    5 'm/s'; 6 'm2' / 2 'm' = 3 'm'; 4 'mg' / 2 'mg' = 2 '1'); an atom of the right operand of
 *    the same dimension as one of the left is converted to it (2 'm' * 3 'cm' = 0.06 'm2').  A
 *    number, or a quantity in '1', only scales the other operand, whose unit is kept as written
 *    (2 days * 3 = 6 days); a number divided by a quantity inverts its unit (2 / 4 's' =
 *    0.5 's-1').  Units the term reader does not take give empty: annotations ('{beats}/min'),
 *    calendar words (2 days * 3 'm'), special units (Cel, [degF], [pH], B, Np), factors other
 *    than 1 ('10.m'), more than 16 atoms.  Atoms are not checked against the UCUM table.
 *  - Date/time arithmetic uses calendar units or 'wk' 'd' 'h' 'min' 's' 'ms' ('a' and 'mo' are an
 *    error); a quantity finer than the value's precision counts in whole units of that precision
 *    (@2012 + 400 days = @2013); the time-zone offset of the operand is kept.
 *  - Integer arithmetic is 64-bit; overflow gives empty.  Division by zero, ln(0), sqrt(-1) and
 *    other non-finite results give empty.  Strings count Unicode code points (not UTF-16 units);
 *    upper()/lower() use full Unicode case mapping; matches() is an unanchored PCRE2 match with
 *    UTF and DOTALL; replaceMatches() substitutes $1-style groups.
 *  - Element.id, Resource.id and Extension.url are System.String (as in the FHIR R4
 *    StructureDefinitions and fhirpath.js); other primitives carry their FHIR type ("date",
 *    "code").  `is` is exact (FHIR date is not System.Date); ofType() also lets a FHIR primitive
 *    match the System type it converts to (decimal matches Decimal).
 *  - Multi-item input where one item is needed is an error (N1 §4.4) also for conversions
 *    (toInteger() etc.), is/as, indexers and single().
 *  - join() of an empty collection is '' (the SQL on FHIR v2 suite's expectation; FHIRPath's
 *    text and fhirpath.js say empty).
 *  - lowBoundary([p]) / highBoundary([p]) take Decimal, Integer (as Decimal), Quantity (its
 *    value; unit kept), Date, DateTime and Time.  Numbers: v -/+ half a unit of the last
 *    written place, rounded outward to p places (default 8), exactly on the decimal digits
 *    (1.0 -> 0.95000000 / 1.05000000; 1.587.lowBoundary(2) = 1.58).  Dates/times: p counts
 *    digits (Date 4/6/8, DateTime 4..14 and 17, Time 2/4/6/9; default the finest; others give
 *    empty); missing fields (the millisecond too) get their least / greatest value;
 *    a DateTime with a time part but no offset gets +14:00 (low) / -12:00 (high):
 *    @2010-10-10T.lowBoundary() = @2010-10-10T00:00:00.000+14:00.  Negative p gives empty.
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
    /* FHIR type of the item when known ("HumanName", "dateTime", "code", "Patient",
     * "Patient_Contact" — the type model's names, f2c_fhirmodel.h), else the System type name
     * ("Boolean", "Integer", "Decimal", "String", "Date", "DateTime", "Time", "Quantity") for
     * primitives, and "Element" for a JSON object of unknown type.  A FHIR primitive's kind is
     * that of its System type (date -> F2C_FP_DATE); a value that does not parse as its type
     * (a malformed date) keeps its JSON kind.  Never in the context's arena: a static
     * string, the type model's, the document's (a resourceType value, a choice element's
     * member name) or the context_type string given to f2c_fp_eval, so unlike the item itself
     * it stays valid after the next f2c_fp_eval / f2c_fp_ctx_reset for as long as the document
     * (and that context_type string) lives.  The ViewDefinition executor (f2c_plan.c) relies
     * on this: it keeps the types of forEach / repeat results as context types of later
     * evaluations. */
    const char *type;
    /* The JSON node the item was read from, or NULL for computed values.  For primitives read
     * from the resource this is the JSON string/number/boolean node. */
    const cJSON *node;
    /* Text form of the value (not NUL-terminated, `len` bytes; NULL for OBJECT):
     *  BOOLEAN "true"/"false"; INTEGER decimal digits; DECIMAL the exact JSON text when read from
     *  the resource or written as a literal ("1.50"); computed by arithmetic, the exact decimal
     *  without trailing zeros ("142.076"); from math functions, the shortest text that
     *  round-trips the double; always a valid JSON number.  STRING the string (UTF-8);
     *  DATE/DATETIME/TIME the text read from the resource, else the FHIRPath literal form
     *  without '@' (Time: without "@T"; @T10:00 is "10:00"; "2012-04-15T10:00:00+01:00"),
     *  except that a DateTime of date precision (year, month or day) has no final 'T':
     *  @2012T is "2012" and @2012-04-15T is "2012-04-15", the FHIR dateTime forms (FHIR has no
     *  "2012T"), so the text can be written to FHIR data as it is; `kind` still tells such a
     *  DateTime from a Date.  toString() gives the same text.  (fhirpath.js keeps the 'T':
     *  "2012T".)  QUANTITY the value text (unit in `unit`). */
    const char *text;
    size_t len;
    int64_t i; /* INTEGER value; BOOLEAN 0/1 */
    double d;  /* DECIMAL and QUANTITY numeric value */
    /* QUANTITY unit, NUL-terminated: the UCUM code without quotes ("mg") or the calendar word as
     * written ("days"); "1" for a unitless quantity.  A FHIR Quantity object read from the
     * resource is an OBJECT item (type "Quantity"); it acts as a System Quantity (value, code or
     * else unit) only inside operators and functions. */
    const char *unit;
} f2c_fp_item;

typedef struct f2c_fp_result {
    const f2c_fp_item *items;
    size_t count;
} f2c_fp_result;

/* A named constant available as %name (FHIRPath N1 §7 "Environment variables"); value is a
 * JSON node (its FHIR type unknown, treated by its JSON kind: an array is a collection, null
 * is empty) owned by the caller.  It need not belong to the evaluated document; decimals of
 * such nodes lose their source text (1.50 reads as 1.5). */
typedef struct f2c_fp_constant {
    const char *name;
    const cJSON *value;
} f2c_fp_constant;

/*
 * Compiles `src` (NUL-terminated, UTF-8).  constant_names lists the %names that evaluation will
 * supply besides the built-in %resource, %rootResource, %context, %ucum, %sct, %loinc (NULL if
 * none); any other %name is a compile error.
 * Names may be given with or without the leading '%'.
 * Errors (F2C_ECONFIG, err->column = 1-based character offset in src, err->message says what was
 * found and what was expected): syntax errors ("expected ',' or ')' to close the arguments of
 * where( at column 6, found 'b'", "expected an expression, found end of expression"), invalid
 * literals ("invalid date literal @2012-13: a field is out of range"), nesting deeper than 200
 * parentheses/arguments or a tree higher than 1000 operators; unknown function ("unknown
 * function 'frist'"); wrong number of arguments ("where() takes 1 argument, got 0"); unknown
 * %variable ("unknown variable '%foo'"); unknown type name in is/as/ofType ("unknown type
 * 'Foo'"); an invalid literal regular expression in matches()/replaceMatches().  F2C_ENOMEM.
 */
f2c_status f2c_fp_compile(const char *src, const char *const *constant_names, f2c_fp_expr **out,
                          f2c_error *err);

/* The source text an expression was compiled from. */
const char *f2c_fp_source(const f2c_fp_expr *e);

void f2c_fp_free(f2c_fp_expr *e);

f2c_fp_ctx *f2c_fp_ctx_new(void);     /* NULL when out of memory */
void f2c_fp_ctx_reset(f2c_fp_ctx *c); /* releases results, keeps memory for reuse */
void f2c_fp_ctx_free(f2c_fp_ctx *c);

/*
 * Fixes the instant now(), today() and timeOfDay() return on this context (FHIRPath N1 §5.9
 * utility functions; the spec requires one value per evaluation, this makes it one value per
 * context, for reproducible output).  `now` is an ISO 8601 dateTime with seconds and a zone,
 * e.g. "2024-01-31T12:00:00Z" or "2024-01-31T12:00:00.123+01:00"; NULL returns to the clock
 * (read at most once per evaluation, when now(), today() or timeOfDay() is first evaluated —
 * evaluations that do not ask cost no clock read; UTC, millisecond precision; failing to read
 * it is an F2C_EEVAL error at that function).  Returns 0, or -1
 * when `now` is not such a dateTime (the setting is then unchanged).
 */
int f2c_fp_ctx_set_now(f2c_fp_ctx *c, const char *now);

/*
 * trace(name [, projection]) (FHIRPath N1 §5.9): called with the name and the traced
 * collection (valid during the call only); `user` is passed through.  Without a callback,
 * trace() only returns its input (a library writes nothing to stderr).
 */
typedef void (*f2c_fp_trace_fn)(void *user, const char *name, const f2c_fp_result *r);
void f2c_fp_ctx_set_trace(f2c_fp_ctx *c, f2c_fp_trace_fn fn, void *user);

/*
 * Evaluation budgets.  Every f2c_fp_eval runs under three limits, so that no expression — a
 * hostile one such as `(1).repeat($this + 1)` or `'x'.repeat($this + $this)`, or a legitimate one
 * over a pathological resource — can hang the caller or exhaust its memory:
 *  - max_steps: node evaluations (every operator, literal, name, function call of the AST, each
 *    time it is evaluated) plus function iterations (each item a where/select/all/exists/
 *    repeat/aggregate/iif argument is evaluated for, each membership comparison of distinct/
 *    union/repeat/subsetOf/in/contains...) in one evaluation;
 *  - max_items: items added to collections in one evaluation (intermediate collections and
 *    copies included: every push counts);
 *  - max_bytes: bytes allocated from the context's arena in one evaluation (collections,
 *    computed strings such as + and & results, numbers' texts).  Memory outside the arena is
 *    the document's (not counted).
 * A value 0 means "no limit" for that counter.  The counters are plain integers in the
 * evaluation's state (no clock, no syscall); the defaults are generous for real data: on the
 * Synthea sample with the bundled views the largest evaluation uses a tiny fraction of each
 * (docs/benchmarks.md, "FHIRPath evaluation budgets").  Exceeding a limit stops that evaluation
 * with F2C_EEVAL and a message naming the limit, e.g. "evaluation budget exceeded: more than
 * 10000000 steps (--fhirpath-max-steps)", with err->column the column of the expression's
 * outermost node; the context stays usable, and memory the arena grew to for that evaluation
 * is released at the next evaluation when it is above 16 MiB.
 */
#define F2C_FP_DEFAULT_MAX_STEPS 10000000ULL  /* ten million */
#define F2C_FP_DEFAULT_MAX_ITEMS 1000000ULL   /* one million */
#define F2C_FP_DEFAULT_MAX_BYTES 268435456ULL /* 256 MiB */

typedef struct f2c_fp_limits {
    uint64_t max_steps; /* 0: unlimited */
    uint64_t max_items; /* 0: unlimited */
    uint64_t max_bytes; /* bytes; 0: unlimited */
} f2c_fp_limits;

/* Which limit an evaluation exceeded (f2c_fp_usage.exceeded). */
typedef enum f2c_fp_limit_kind {
    F2C_FP_LIMIT_NONE = 0,
    F2C_FP_LIMIT_STEPS,
    F2C_FP_LIMIT_ITEMS,
    F2C_FP_LIMIT_BYTES
} f2c_fp_limit_kind;

/* What evaluations used (f2c_fp_ctx_usage). */
typedef struct f2c_fp_usage {
    uint64_t steps, items, bytes; /* as counted against the limits above */
    uint64_t evaluations;         /* peak: evaluations since the context was made; last: 1 */
    uint64_t exceeded_count;      /* peak: evaluations that exceeded a limit; last: 0 or 1 */
    f2c_fp_limit_kind exceeded;   /* last: the limit it exceeded; peak: the latest one exceeded */
} f2c_fp_usage;

/* Fills *l with the defaults F2C_FP_DEFAULT_MAX_STEPS / _ITEMS / _BYTES.  l must not be NULL. */
void f2c_fp_limits_default(f2c_fp_limits *l);

/*
 * Sets the limits for every later f2c_fp_eval on c (copied; NULL restores the defaults).  A new
 * context starts with the defaults.  Never fails.
 */
void f2c_fp_ctx_set_limits(f2c_fp_ctx *c, const f2c_fp_limits *l);

/*
 * What the evaluations on c used: *last (may be NULL) the most recent f2c_fp_eval, finished or
 * not; *peak (may be NULL) the largest value of each counter over every evaluation since the
 * context was created (each maximum taken separately), with the number of evaluations and of
 * those that exceeded a limit.  Counting is always on (a few integer additions per node); the
 * figures are for benchmarks and diagnostics (docs/benchmarks.md).  Never fails.
 */
void f2c_fp_ctx_usage(const f2c_fp_ctx *c, f2c_fp_usage *last, f2c_fp_usage *peak);

/*
 * Evaluates e with `context` (a node of doc; the input collection is that one node, or empty if
 * NULL) and %resource / %rootResource = `resource` (a node of doc; may equal context).
 * context_type is the FHIR type of the context node if known ("HumanName"; NULL: inferred —
 * a JSON object with "resourceType" is that resource type).  constants (n of them) supply the
 * names declared at compile time.
 * `doc` is used for the source text of numbers and objects (f2c_doc_source); nodes of another
 * document (constants) work, with decimals re-formatted.  The context's arena is rewound first:
 * earlier results of this context become invalid.
 * Errors: F2C_EEVAL for run-time errors (FHIRPath N1 §4.4 and §5: a collection of more than one
 * item where a single item is required, e.g. `('a' | 'b') + 'c'` gives "expected a single item,
 * got 2 (left operand of '+')"; an operand of the wrong type, "operator '+' cannot be applied to
 * Integer and String"), with err->column = 1-based character offset of the failing operator or
 * function name; F2C_EEVAL also when the evaluation exceeds one of the context's limits
 * (f2c_fp_ctx_set_limits; message "evaluation budget exceeded: ...", f2c_fp_ctx_usage tells
 * which) — never F2C_ENOMEM for that; F2C_ENOMEM when malloc fails below the limits.
 */
f2c_status f2c_fp_eval(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc, const cJSON *context,
                       const char *context_type, const cJSON *resource,
                       const f2c_fp_constant *constants, size_t nconstants, f2c_fp_result *out,
                       f2c_error *err);

/*
 * As f2c_fp_eval, with the input collection one item `focus` (NULL: empty): an item read from
 * the document (focus->node set) is that node with focus->type as its context type, exactly as
 * f2c_fp_eval(context = focus->node, context_type = focus->type); a computed item (node NULL:
 * a String, Integer, Decimal, Boolean, Date, DateTime, Time or Quantity some evaluation gave) is
 * the input collection itself, so `$this`, functions and operators see that value.  This is
 * how a ViewDefinition's forEach / forEachOrNull / repeat iterates over computed values (SQL
 * on FHIR v2, "Processing Algorithm": foci = fhirpath(S.forEach, N), any items).  The item's
 * text and unit must stay valid during the call and must not live in c's arena (rewound
 * first): copy items of an earlier result out before passing them.  Errors as f2c_fp_eval.
 */
f2c_status f2c_fp_eval_item(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc,
                            const f2c_fp_item *focus, const cJSON *resource,
                            const f2c_fp_constant *constants, size_t nconstants, f2c_fp_result *out,
                            f2c_error *err);

/*
 * Appends the result as JSON to out: an array of {"type": <item type>, "value": <value>} where
 * value is the JSON value (objects as their source JSON text, dates/times as strings, quantities
 * as {"value": n, "unit": u}, decimals as their text: 1.50 stays 1.50).  Pass the document the
 * evaluation used (objects not of it are printed by cJSON).  Used by the command-line
 * `fhirpath` subcommand and the tests.  Returns 0 or -1 (out of memory).
 */
int f2c_fp_result_json(f2c_doc *doc, const f2c_fp_result *r, f2c_buf *out);

#endif
