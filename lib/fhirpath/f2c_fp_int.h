/*
 * f2c_fp_int: internal declarations shared by the FHIRPath engine's files (f2c_fp_*.c) — tokens,
 * the AST, values and collections, the evaluation state and the function table; nothing here is
 * part of the public API, and every object declared here is owned by an expression (AST) or by
 * an evaluation context's arena (values).
 *
 * Data flow: f2c_fp_lex.c turns the source into tokens, f2c_fp_parse.c builds fp_node trees in
 * the expression's arena, f2c_fp_compile.c resolves function names to fp_fn entries (checking
 * arities) and precompiles literal regular expressions; f2c_fp_eval.c walks the tree with
 * collections (fp_coll) of values (fp_val) allocated from the context's arena; f2c_fp_value.c
 * holds the value semantics (numbers, dates, quantities, equality, ordering, JSON output),
 * and f2c_fp_func_*.c the function library.
 *
 * Layers (each file uses only the ones below it; scripts/include_graph.py checks it): the arena
 * (f2c_arena.h, in core); units (f2c_fp_unit.c, f2c_fp_unit.h) and regular expressions
 * (f2c_fp_regex.c, f2c_fp_regex.h); values, collections and errors (f2c_fp_coll.c); value
 * semantics (f2c_fp_value.c); the evaluator (f2c_fp_eval.c); the function library; the compiler
 * (f2c_fp_compile.c, with the lexer and parser below it).  A declaration group whose file
 * is not its section's (lexer, parser, values, evaluation, value semantics) names it.
 */
#ifndef FHIR2CDM_F2C_FP_INT_H
#define FHIR2CDM_F2C_FP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_arena.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"

/* ---------------------------------------------------------------- arena */

/* The bump allocator of expressions and contexts: f2c_arena (core, fhir2cdm/f2c_arena.h). */

/* ---------------------------------------------------------------- tokens */

typedef enum fp_tok {
    FP_T_EOF,
    FP_T_IDENT,    /* plain identifier (also keywords: and, or, div, is, true...) */
    FP_T_DIDENT,   /* `delimited identifier` (text is the decoded name) */
    FP_T_STRING,   /* 'string' (text is the decoded value) */
    FP_T_NUMBER,   /* 12 or 12.5 (text is the literal) */
    FP_T_DATE,     /* @2012-04-15 (text without '@') */
    FP_T_DATETIME, /* @2012-04-15T10:00Z, @2012T (text without '@' and without a final 'T') */
    FP_T_TIME,     /* @T10:00 (text without "@T") */
    FP_T_SPECIAL,  /* $this, $index, $total (text without '$') */
    FP_T_PERCENT,  /* % */
    FP_T_DOT,
    FP_T_COMMA,
    FP_T_LPAREN,
    FP_T_RPAREN,
    FP_T_LBRACKET,
    FP_T_RBRACKET,
    FP_T_LBRACE,
    FP_T_RBRACE,
    FP_T_PLUS,
    FP_T_MINUS,
    FP_T_STAR,
    FP_T_SLASH,
    FP_T_AMP,
    FP_T_PIPE,
    FP_T_LT,
    FP_T_LE,
    FP_T_GT,
    FP_T_GE,
    FP_T_EQ,
    FP_T_NE,
    FP_T_EQUIV,
    FP_T_NEQUIV
} fp_tok;

typedef struct fp_token {
    fp_tok kind;
    const char *text; /* decoded text (arena), NUL-terminated; for punctuation the source bytes */
    size_t len;       /* length of text */
    size_t pos;       /* byte offset of the token in the source */
    long col;         /* 1-based character offset of the token in the source */
} fp_token;

typedef struct fp_lexer {
    const char *src;
    size_t pos;   /* current byte offset */
    long col;     /* 1-based character offset of src[pos] */
    f2c_arena *a; /* decoded strings go here */
    f2c_error *err;
} fp_lexer;

/* Reads the next token into *t.  F2C_OK, F2C_ECONFIG (syntax error, err filled), F2C_ENOMEM. */
f2c_status fp_lex_next(fp_lexer *lx, fp_token *t);

/* A short description of a token for messages: "'where'", "number 12", "end of expression". */
const char *fp_tok_describe(const fp_token *t, char *buf, size_t n);

/* ---------------------------------------------------------------- values */

/* One value of a collection: the public item plus what navigation needs. */
typedef struct fp_val {
    f2c_fp_item it;
    const cJSON *ext;    /* the primitive's "_name" object (id/extension), or NULL */
    unsigned char noval; /* a FHIR primitive with only "_name" (no value): kind OBJECT, node ext */
    unsigned char fhir;  /* it.type is a FHIR type name (from the model or a choice suffix) */
} fp_val;

typedef struct fp_coll {
    fp_val *v;
    size_t n, cap;
} fp_coll;

/* Parsed Date/DateTime/Time.  prec: 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second (with
 * or without fraction).  Times use only hour..second. */
typedef struct fp_dt {
    int kind; /* F2C_FP_DATE, F2C_FP_DATETIME, F2C_FP_TIME */
    int prec;
    int y, mo, d, h, mi, s;
    int frac_digits; /* digits after the seconds' '.' as written (0: none) */
    long ns;         /* fraction of the second in nanoseconds */
    int has_tz;
    int tz_min; /* offset east of UTC in minutes */
} fp_dt;

/* Parses text[0..n) as kind (F2C_FP_DATE: YYYY[-MM[-DD]]; F2C_FP_DATETIME: a date optionally
 * followed by T and a time with optional zone, trailing 'T' allowed; F2C_FP_TIME:
 * hh[:mm[:ss[.f]]]). Validates ranges.  Returns 0 or -1. */
int fp_dt_parse(const char *text, size_t n, int kind, fp_dt *out);
/* Writes the canonical text (the FHIRPath literal form without '@'/'@T') into buf (>= 48). */
size_t fp_dt_format(const fp_dt *d, char *buf);

/* ---------------------------------------------------------------- AST */

typedef enum fp_nk {
    FP_N_EMPTY,   /* {} */
    FP_N_LIT,     /* literal value in lit */
    FP_N_THIS,    /* $this */
    FP_N_INDEX,   /* $index */
    FP_N_TOTAL,   /* $total */
    FP_N_VAR,     /* %name */
    FP_N_MEMBER,  /* focus.name, or name on the focus of a term */
    FP_N_CALL,    /* focus.name(args), or name(args) */
    FP_N_INDEXER, /* a[b] */
    FP_N_NEG,     /* -a */
    FP_N_POS,     /* +a */
    FP_N_BIN,     /* a op b */
    FP_N_IS,      /* a is T */
    FP_N_AS       /* a as T */
} fp_nk;

typedef enum fp_binop {
    FP_OP_MUL,
    FP_OP_DIV,
    FP_OP_IDIV,
    FP_OP_MOD,
    FP_OP_ADD,
    FP_OP_SUB,
    FP_OP_CONCAT,
    FP_OP_UNION,
    FP_OP_LT,
    FP_OP_GT,
    FP_OP_LE,
    FP_OP_GE,
    FP_OP_EQ,
    FP_OP_NE,
    FP_OP_EQUIV,
    FP_OP_NEQUIV,
    FP_OP_IN,
    FP_OP_CONTAINS,
    FP_OP_AND,
    FP_OP_OR,
    FP_OP_XOR,
    FP_OP_IMPLIES
} fp_binop;

/* A type specifier (FHIRPath N1 §6.3): [namespace.]name. */
typedef struct fp_typespec {
    const char *ns; /* "System", "FHIR" or NULL (unqualified) */
    const char *name;
} fp_typespec;

struct fp_fn;

typedef struct fp_node {
    fp_nk kind;
    fp_binop op;           /* FP_N_BIN */
    long col;              /* 1-based character offset of the operator / name / literal */
    struct fp_node *focus; /* MEMBER/CALL: expression before '.'; NULL: term (implicit focus) */
    struct fp_node *a, *b; /* operands (INDEXER: a[b]; NEG/POS/IS/AS: a) */
    struct fp_node **args; /* CALL arguments */
    size_t nargs;
    const char *name;       /* MEMBER/CALL/VAR name */
    const char *uname;      /* MEMBER: "_" + name (primitive extension key) */
    fp_typespec type;       /* IS/AS, and CALL of is/as/ofType (converted from the argument) */
    const struct fp_fn *fn; /* CALL: resolved at compile time */
    fp_val lit;             /* LIT */
    void *re;               /* CALL matches/replaceMatches with a literal pattern: pcre2_code_8 */
    int var;                /* VAR: index (see FP_VAR_*) or FP_VAR_USER + constant index */
    int depth;              /* height of the subtree (bounded by the parser: evaluation recurses) */
} fp_node;

enum {
    FP_VAR_RESOURCE,
    FP_VAR_ROOTRESOURCE,
    FP_VAR_CONTEXT,
    FP_VAR_UCUM,
    FP_VAR_SCT,
    FP_VAR_LOINC,
    FP_VAR_USER /* + i: the i-th of the compile-time constant names */
};

struct f2c_fp_expr {
    f2c_arena a; /* every node and literal */
    char *src;
    fp_node *root;
    char **const_names; /* copies of the declared %names */
    size_t nconst;
};

/* Parses src into *root (nodes in arena a).  F2C_ECONFIG with err filled, or F2C_ENOMEM. */
f2c_status fp_parse(const char *src, f2c_arena *a, fp_node **root, f2c_error *err);

/* ---------------------------------------------------------------- evaluation */

struct f2c_fp_ctx {
    f2c_arena a;
    void *md;          /* pcre2_match_data_8 cache */
    uint32_t md_pairs; /* its capacity */
    int has_now;
    fp_dt now; /* fixed now() (f2c_fp_ctx_set_now) */
    f2c_fp_trace_fn trace;
    void *trace_user;
    f2c_fp_limits lim; /* budgets of each evaluation (f2c_fp_ctx_set_limits) */
    f2c_fp_usage last; /* the latest evaluation's counters */
    f2c_fp_usage peak; /* maxima over every evaluation (f2c_fp_ctx_usage) */
};

/* $this / $index / $total of the current iteration (FHIRPath N1 §5, §7 aggregate). */
typedef struct fp_env {
    const fp_coll *this_;
    const fp_coll *total;
    int64_t index;
    int has_index;
} fp_env;

typedef struct fp_ev {
    f2c_fp_ctx *c;
    f2c_arena *a;
    const f2c_fp_expr *e;
    f2c_doc *doc;
    f2c_error *err;
    fp_coll root;     /* input collection (%context) */
    fp_coll resource; /* %resource / %rootResource */
    const f2c_fp_constant *consts;
    size_t nconsts;
    /* now() for this evaluation, read when first needed (now_read): most evaluations never
     * ask, and converting the clock cost a view run ~8% when read for every one. */
    fp_dt now;
    int now_read;
    /* Budget counters of this evaluation (f2c_fp_ctx_set_limits), checked where they grow:
     * steps in fp_eval and in membership scans (fp_step), items in fp_push, bytes by the arena.
     * The max_* are the context's limits with 0 (unlimited) turned into UINT64_MAX, so each check
     * is one comparison.  `over` is sticky: once a limit is exceeded every later check fails
     * too, and f2c_fp_eval reports the budget whatever error the unwinding produced. */
    uint64_t steps, items;
    uint64_t max_steps, max_items;
    f2c_fp_limit_kind over;
} fp_ev;

/* The first member of object obj named name, exactly as cJSON_GetObjectItemCaseSensitive finds
 * it (first match wins; NULL for no object, no name or no such member), but comparing the first
 * byte before calling strcmp: member navigation runs for every path step of every expression,
 * and cJSON's lookup calls strcmp on every member before the one sought. */
static inline const cJSON *fp_json_member(const cJSON *obj, const char *name)
{
    if (!obj || !name) return NULL;
    for (const cJSON *e = obj->child; e && e->string; e = e->next)
        if (e->string[0] == name[0] && strcmp(e->string, name) == 0) return e;
    return NULL;
}

/* Errors (f2c_fp_coll.c): fill x->err and return the status. */
f2c_status fp_fail(fp_ev *x, long col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
f2c_status fp_nomem(fp_ev *x); /* the byte budget's error instead when the arena hit its limit */
/* Records that limit `k` was exceeded (sticky, see fp_ev) and fills x->err; returns F2C_EEVAL. */
f2c_status fp_over_budget(fp_ev *x, f2c_fp_limit_kind k);
/* Charges n steps (function iterations, comparisons of a scan): F2C_OK, or F2C_EEVAL when the
 * step budget is exceeded now or an earlier limit was. */
static inline f2c_status fp_step(fp_ev *x, uint64_t n)
{
    x->steps += n;
    if (x->steps > x->max_steps || x->over)
        return fp_over_budget(x, x->over ? x->over : F2C_FP_LIMIT_STEPS);
    return F2C_OK;
}

/* Evaluates n with `focus` as the input of a term-level invocation; out is overwritten. */
f2c_status fp_eval(fp_ev *x, const fp_node *n, const fp_coll *focus, const fp_env *env,
                   fp_coll *out);

/* Collections (f2c_fp_coll.c, but fp_push_dt: f2c_fp_value.c; arena-backed; an empty
 * collection is {0}). */
f2c_status fp_push(fp_ev *x, fp_coll *c, const fp_val *v);
f2c_status fp_push_bool(fp_ev *x, fp_coll *c, int b);
f2c_status fp_push_int(fp_ev *x, fp_coll *c, int64_t i);
f2c_status fp_push_dec(fp_ev *x, fp_coll *c, double d);
/* s[0..n) is copied into the arena unless `stable` (static or already arena/document memory). */
f2c_status fp_push_str(fp_ev *x, fp_coll *c, const char *s, size_t n, int stable);
f2c_status fp_push_dt(fp_ev *x, fp_coll *c, const fp_dt *d);
f2c_status fp_push_qty(fp_ev *x, fp_coll *c, double d, const char *text, size_t len,
                       const char *unit);
f2c_status fp_append(fp_ev *x, fp_coll *dst, const fp_coll *src);

/* Value constructors (f2c_fp_coll.c, but fp_val_from_dt: f2c_fp_value.c; no push). */
void fp_val_bool(fp_val *v, int b);
void fp_val_int(fp_val *v, int64_t i);
int fp_val_dec(f2c_arena *a, fp_val *v, double d); /* -1: out of memory */
/* Decimal with given text (not copied). */
void fp_val_dec_text(fp_val *v, double d, const char *text, size_t len);
void fp_val_str(fp_val *v, const char *s, size_t n);
/* Quantity d 'unit' (NULL: '1') with text as written (not copied), or formatted from d into
 * arena a when text is NULL.  -1: out of memory. */
int fp_val_qty(f2c_arena *a, fp_val *v, double d, const char *text, size_t len, const char *unit);
/* Date, DateTime or Time (kind) with text as written (not copied: the literal form without
 * '@'/'@T'). */
void fp_val_dt_text(fp_val *v, int kind, const char *text, size_t len);
/* ... with the canonical text of d, formatted into arena a.  -1: out of memory. */
int fp_val_from_dt(f2c_arena *a, fp_val *v, const fp_dt *d);

/* Items made from JSON nodes: `fhirtype` the FHIR type if known (NULL: by JSON kind),
 * ext the "_name" object.  Returns 0 (*v filled), 1 (nothing: JSON null), -1 out of memory. */
int fp_val_from_json(fp_ev *x, const cJSON *node, const cJSON *ext, const char *fhirtype,
                     fp_val *v);

/* Argument helpers for functions: evaluate call->args[i] against $this (see f2c_fp_eval.c);
 * `in` is the function's input (unused by the evaluation, kept for symmetry). */
f2c_status fp_arg(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in, const fp_env *env,
                  fp_coll *out);
/* ... with focus = $this of the enclosing iteration, or the root input (fhirpath.js
 * "AnyAtRoot": union, combine, intersect, exclude, subsetOf, supersetOf). */
f2c_status fp_arg_root(fp_ev *x, const fp_node *call, size_t i, const fp_env *env, fp_coll *out);
/* ... as a lambda over one item: $this = item, $index = index. */
f2c_status fp_lambda(fp_ev *x, const fp_node *expr, const fp_val *item, int64_t index,
                     const fp_env *env, fp_coll *out);
/* Singleton argument of a kind: *got = 0 (empty) or 1.  Errors on >1 item or wrong kind.
 * what: "String", "Integer"... for messages. */
f2c_status fp_arg_string(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in,
                         const fp_env *env, const char **s, size_t *n, int *got);
f2c_status fp_arg_int(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in, const fp_env *env,
                      int64_t *out, int *got);

/* Singleton of the input (N1 §4.4): *v NULL when empty; error for > 1 item. */
f2c_status fp_single(fp_ev *x, const fp_coll *c, long col, const fp_val **v);
/* Singleton Boolean evaluation (N1 §4.5): *b = -1 empty, 0, 1; a single non-Boolean item is
 * true. */
f2c_status fp_single_bool(fp_ev *x, const fp_coll *c, long col, int *b);
/* Single-item String input of a string function: *s NULL when empty; error when not a String. */
f2c_status fp_input_string(fp_ev *x, const fp_node *call, const fp_coll *in, const char **s,
                           size_t *n);

/* Converts a FHIR value to its System value where one exists (a Quantity object to a System
 * Quantity; everything else unchanged).  Returns v or tmp. */
const fp_val *fp_system(fp_ev *x, const fp_val *v, fp_val *tmp);

/* Calls the context's trace callback (if any) with c. */
f2c_status fp_trace(fp_ev *x, const char *name, const fp_coll *c);

/* Navigation: the children named `name` (uname = "_" + name) of each item. */
f2c_status fp_nav_member(fp_ev *x, const fp_val *item, const char *name, const char *uname,
                         int term, fp_coll *out);
/* All children of item (for children() / descendants()). */
f2c_status fp_nav_children(fp_ev *x, const fp_val *item, fp_coll *out);

/* Type tests (FHIRPath N1 §6.3).  fp_is_type is `is`; fp_of_type is ofType(), where a FHIR
 * primitive also matches the System type it converts to (decimal -> Decimal, FHIR R4
 * §2.9.0.x "FHIR types and FHIRPath types"), as in fhirpath.js. */
int fp_is_type(const fp_val *v, const fp_typespec *t);
int fp_of_type(const fp_val *v, const fp_typespec *t);

/* ---------------------------------------------------------------- value semantics */

/* Equality (=): 1 true, 0 false, -1 empty.  Items (not collections). */
int fp_item_equal(fp_ev *x, const fp_val *a, const fp_val *b);
/* Equivalence (~): 1 or 0. */
int fp_item_equiv(fp_ev *x, const fp_val *a, const fp_val *b);
/* Ordering: F2C_OK with *cmp -1/0/1 or *cmp = 2 (empty: not comparable at this precision);
 * F2C_EEVAL for operand kinds that cannot be compared. */
f2c_status fp_item_compare(fp_ev *x, const fp_val *a, const fp_val *b, long col, int *cmp);
/* Collection equality (=): 1/0/-1 (empty when either is empty). */
int fp_coll_equal(fp_ev *x, const fp_coll *a, const fp_coll *b);
int fp_coll_equiv(fp_ev *x, const fp_coll *a, const fp_coll *b);
/* Membership by equality (for in/contains, distinct, union...). */
int fp_coll_has(fp_ev *x, const fp_coll *c, const fp_val *v);

/* Arithmetic (+ - * / div mod &) on singletons; result pushed to out (nothing = empty). */
f2c_status fp_arith(fp_ev *x, fp_binop op, const fp_val *a, const fp_val *b, long col,
                    fp_coll *out);

/* Exact decimals (f2c_fp_value.c over f2c_fp_dec.c): an Integer or Decimal item's value
 * (-1 when its text is not representable: more than 37 digits or 28 places); a Decimal item
 * from d (trailing zeros dropped; text in arena a; -1 out of memory); pushed. */
struct fp_dec;
int fp_val_num_dec(const fp_val *v, struct fp_dec *d);
int fp_val_decv(f2c_arena *a, fp_val *v, const struct fp_dec *d);
f2c_status fp_push_decv(fp_ev *x, fp_coll *out, const struct fp_dec *d);

/* Number formatting (f2c_fp_coll.c): shortest text that reads back as d ("0.1", "2", "1e+300"). */
size_t fp_fmt_double(double d, char *buf); /* buf >= 32 */

/* Decimal places (f2c_fp_coll.c) of a decimal's text ("1.50" -> 2). */
int fp_dec_places(const char *text, size_t len);

/* Date/time values. */
int fp_val_dt(const fp_val *v, fp_dt *out); /* 0 if v is a DATE/DATETIME/TIME item */
/* Calendar arithmetic: d + sign * (value unit).  Returns 0, or -1 if unit is not a time unit. */
int fp_dt_add(fp_dt *d, double value, const char *unit, int sign);
int fp_dt_now(fp_dt *out); /* current UTC time, millisecond precision */

/* ---------------------------------------------------------------- functions */

typedef f2c_status (*fp_impl)(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out);

enum {
    FP_F_TYPEARG = 1, /* the argument is a type specifier (is, as, ofType) */
    FP_F_REGEX = 2    /* argument 0 is a regular expression (precompiled when literal) */
};

typedef struct fp_fn {
    const char *name;
    unsigned char min, max;
    unsigned char flags;
    fp_impl impl;
} fp_fn;

/* X(name, min args, max args, flags): the function library, sorted by name. */
#define F2C_FP_FUNCTIONS(X)                                                                        \
    X(abs, 0, 0, 0)                                                                                \
    X(aggregate, 1, 2, 0)                                                                          \
    X(all, 1, 1, 0)                                                                                \
    X(allFalse, 0, 0, 0)                                                                           \
    X(allTrue, 0, 0, 0)                                                                            \
    X(anyFalse, 0, 0, 0)                                                                           \
    X(anyTrue, 0, 0, 0)                                                                            \
    X(as, 1, 1, FP_F_TYPEARG)                                                                      \
    X(avg, 0, 0, 0)                                                                                \
    X(ceiling, 0, 0, 0)                                                                            \
    X(children, 0, 0, 0)                                                                           \
    X(combine, 1, 1, 0)                                                                            \
    X(contains, 1, 1, 0)                                                                           \
    X(convertsToBoolean, 0, 0, 0)                                                                  \
    X(convertsToDate, 0, 0, 0)                                                                     \
    X(convertsToDateTime, 0, 0, 0)                                                                 \
    X(convertsToDecimal, 0, 0, 0)                                                                  \
    X(convertsToInteger, 0, 0, 0)                                                                  \
    X(convertsToQuantity, 0, 1, 0)                                                                 \
    X(convertsToString, 0, 0, 0)                                                                   \
    X(convertsToTime, 0, 0, 0)                                                                     \
    X(count, 0, 0, 0)                                                                              \
    X(descendants, 0, 0, 0)                                                                        \
    X(distinct, 0, 0, 0)                                                                           \
    X(empty, 0, 0, 0)                                                                              \
    X(endsWith, 1, 1, 0)                                                                           \
    X(exclude, 1, 1, 0)                                                                            \
    X(exists, 0, 1, 0)                                                                             \
    X(exp, 0, 0, 0)                                                                                \
    X(extension, 1, 1, 0)                                                                          \
    X(first, 0, 0, 0)                                                                              \
    X(floor, 0, 0, 0)                                                                              \
    X(getReferenceKey, 0, 1, FP_F_TYPEARG)                                                         \
    X(getResourceKey, 0, 0, 0)                                                                     \
    X(getValue, 0, 0, 0)                                                                           \
    X(hasValue, 0, 0, 0)                                                                           \
    X(highBoundary, 0, 1, 0)                                                                       \
    X(iif, 2, 3, 0)                                                                                \
    X(indexOf, 1, 1, 0)                                                                            \
    X(intersect, 1, 1, 0)                                                                          \
    X(is, 1, 1, FP_F_TYPEARG)                                                                      \
    X(isDistinct, 0, 0, 0)                                                                         \
    X(join, 0, 1, 0)                                                                               \
    X(last, 0, 0, 0)                                                                               \
    X(lastIndexOf, 1, 1, 0)                                                                        \
    X(length, 0, 0, 0)                                                                             \
    X(ln, 0, 0, 0)                                                                                 \
    X(log, 1, 1, 0)                                                                                \
    X(lowBoundary, 0, 1, 0)                                                                        \
    X(lower, 0, 0, 0)                                                                              \
    X(matches, 1, 1, FP_F_REGEX)                                                                   \
    X(matchesFull, 1, 1, FP_F_REGEX)                                                               \
    X(max, 0, 0, 0)                                                                                \
    X(min, 0, 0, 0)                                                                                \
    X(not, 0, 0, 0)                                                                                \
    X(now, 0, 0, 0)                                                                                \
    X(ofType, 1, 1, FP_F_TYPEARG)                                                                  \
    X(power, 1, 1, 0)                                                                              \
    X(repeat, 1, 1, 0)                                                                             \
    X(replace, 2, 2, 0)                                                                            \
    X(replaceMatches, 2, 2, FP_F_REGEX)                                                            \
    X(resolve, 0, 0, 0)                                                                            \
    X(round, 0, 1, 0)                                                                              \
    X(select, 1, 1, 0)                                                                             \
    X(single, 0, 0, 0)                                                                             \
    X(skip, 1, 1, 0)                                                                               \
    X(split, 1, 1, 0)                                                                              \
    X(sqrt, 0, 0, 0)                                                                               \
    X(startsWith, 1, 1, 0)                                                                         \
    X(subsetOf, 1, 1, 0)                                                                           \
    X(substring, 1, 2, 0)                                                                          \
    X(sum, 0, 0, 0)                                                                                \
    X(supersetOf, 1, 1, 0)                                                                         \
    X(tail, 0, 0, 0)                                                                               \
    X(take, 1, 1, 0)                                                                               \
    X(timeOfDay, 0, 0, 0)                                                                          \
    X(toBoolean, 0, 0, 0)                                                                          \
    X(toChars, 0, 0, 0)                                                                            \
    X(toDate, 0, 0, 0)                                                                             \
    X(toDateTime, 0, 0, 0)                                                                         \
    X(toDecimal, 0, 0, 0)                                                                          \
    X(toInteger, 0, 0, 0)                                                                          \
    X(toQuantity, 0, 1, 0)                                                                         \
    X(toString, 0, 0, 0)                                                                           \
    X(toTime, 0, 0, 0)                                                                             \
    X(today, 0, 0, 0)                                                                              \
    X(trace, 1, 2, 0)                                                                              \
    X(trim, 0, 0, 0)                                                                               \
    X(truncate, 0, 0, 0)                                                                           \
    X(union, 1, 1, 0)                                                                              \
    X(upper, 0, 0, 0)                                                                              \
    X(where, 1, 1, 0)

/* Defines library function `name` as helper(x, call, in, env, <the extra arguments>, out): one
 * implementation serves a family of functions that differ only by a parameter (toX and
 * convertsToX, ceiling/floor/truncate, upper/lower...), so members cannot drift apart. */
#define FP_FN_VIA(name, helper, ...)                                                               \
    f2c_status f2c_fp_fn_##name(fp_ev *x, const fp_node *call, const fp_coll *in,                  \
                                const fp_env *env, fp_coll *out)                                   \
    {                                                                                              \
        return helper(x, call, in, env, __VA_ARGS__, out);                                         \
    }

#define F2C_FP_DECLARE(name, mn, mx, fl)                                                           \
    f2c_status f2c_fp_fn_##name(fp_ev *x, const fp_node *call, const fp_coll *in,                  \
                                const fp_env *env, fp_coll *out);
F2C_FP_FUNCTIONS(F2C_FP_DECLARE)
#undef F2C_FP_DECLARE

/* The function named name, or NULL. */
const fp_fn *fp_fn_find(const char *name);

#endif
