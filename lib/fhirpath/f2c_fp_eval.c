/*
 * f2c_fp_eval: evaluation of a compiled FHIRPath expression over a JSON document — contexts,
 * FHIR-aware navigation, function arguments and the operators (values, collections and errors
 * are one layer down, in f2c_fp_coll.c; their meaning in f2c_fp_value.c).
 *
 * Why it is shaped so:
 *  - A tree walk over the compiled AST: expressions are short and evaluated once per resource,
 *    so an interpreter with resolved function pointers (done once by f2c_fp_compile) costs
 *    little next to JSON parsing, and keeps error columns trivially available (each node has
 *    one).
 *  - Every collection and computed string comes from the context's arena (f2c_arena.h, in core),
 *    rewound at the start of each evaluation: no frees, no per-node malloc, and results stay
 *    valid until the next evaluation as the public header promises.  Values read from the
 *    document point into it (strings, source text of numbers) instead of being copied.
 *  - What a term-level name applies to: operands of operators and ordinary function arguments
 *    are evaluated against $this — the context at top level, the current item inside
 *    where/select/all/exists/repeat (which set $this and $index per item) — not against the
 *    function's input, so `name.given.union(name.family)` and
 *    `display.substring(display.indexOf(' ') + 1)` read from the resource (FHIRPath N1 §5
 *    functions take expressions evaluated in the invocation's context; fhirpath.js 5.x, the
 *    reference implementation, does the same).  iif() and trace()'s projection see the
 *    function's input as $this.
 *  - Navigation is FHIR JSON aware (FHIR R4 §2.6 JSON representation): arrays flatten, a
 *    choice element `value` finds valueQuantity/valueString (type model variants, or any
 *    `value` + upper-case suffix when the parent type is unknown), `_name` primitive extension
 *    objects are paired with their values (by index inside arrays), and each item carries its
 *    FHIR type from the type model (f2c_fhirmodel.h) so dates are dates and Quantity objects
 *    act as System Quantities.
 *  - No global or static mutable state: one context per thread, any number of threads per
 *    expression.
 *  - Budgets (f2c_fp_ctx_set_limits): steps are counted where the walk goes (fp_eval per node,
 *    fp_lambda per iteration, fp_step in scans), items where collections grow (fp_push), bytes
 *    where memory is taken (the arena), so every loop of the library — repeat, where, select,
 *    aggregate, string building — is bounded without each function checking for itself.
 */
#include "f2c_fp_int.h"
#include "f2c_fp_dec.h"
#include "f2c_fp_regex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_type.h"

/* ---------------------------------------------------------------- contexts */

/* Arena memory an evaluation may leave allocated for the next one (see f2c_fp_eval). */
#define FP_KEEP_BYTES ((size_t)16 << 20)

f2c_fp_ctx *f2c_fp_ctx_new(void)
{
    f2c_fp_ctx *c = calloc(1, sizeof(f2c_fp_ctx));
    if (c) f2c_fp_limits_default(&c->lim);
    return c;
}

void f2c_fp_limits_default(f2c_fp_limits *l)
{
    l->max_steps = F2C_FP_DEFAULT_MAX_STEPS;
    l->max_items = F2C_FP_DEFAULT_MAX_ITEMS;
    l->max_bytes = F2C_FP_DEFAULT_MAX_BYTES;
}

void f2c_fp_ctx_set_limits(f2c_fp_ctx *c, const f2c_fp_limits *l)
{
    if (l)
        c->lim = *l;
    else
        f2c_fp_limits_default(&c->lim);
}

void f2c_fp_ctx_usage(const f2c_fp_ctx *c, f2c_fp_usage *last, f2c_fp_usage *peak)
{
    if (last) *last = c->last;
    if (peak) *peak = c->peak;
}

void f2c_fp_ctx_reset(f2c_fp_ctx *c)
{
    if (c) f2c_arena_reset(&c->a);
}

void f2c_fp_ctx_free(f2c_fp_ctx *c)
{
    if (!c) return;
    fp_ctx_regex_free(c);
    f2c_arena_free(&c->a);
    free(c);
}

int f2c_fp_ctx_set_now(f2c_fp_ctx *c, const char *now)
{
    if (!now) {
        c->has_now = 0;
        return 0;
    }
    fp_dt d;
    if (fp_dt_parse(now, strlen(now), F2C_FP_DATETIME, &d) != 0 || d.prec < 6 || !d.has_tz)
        return -1;
    c->now = d;
    c->has_now = 1;
    return 0;
}

void f2c_fp_ctx_set_trace(f2c_fp_ctx *c, f2c_fp_trace_fn fn, void *user)
{
    c->trace = fn;
    c->trace_user = user;
}

/* ---------------------------------------------------------------- navigation */

/* FHIR type named by a choice suffix: "DateTime" -> "dateTime", "Quantity" -> "Quantity". */
static const char *suffix_type(const char *suffix)
{
    for (int t = 1; t < F2C_T__COUNT; t++) {
        const char *s = f2c_type_choice_suffix((f2c_type)t);
        if (s[0] && !strcmp(s, suffix)) return f2c_type_name((f2c_type)t);
    }
    return f2c_fm_is_type(suffix) ? suffix : NULL;
}

/* Items of one JSON member: `child` (value or array of values) paired with `ext` (its "_name"
 * object or array). */
static f2c_status emit(fp_ev *x, const cJSON *child, const cJSON *ext, const char *ftype,
                       fp_coll *out)
{
    fp_val v;
    int r;
    if (cJSON_IsArray(child) || (!child && cJSON_IsArray(ext))) {
        const cJSON *c = child ? child->child : NULL;
        const cJSON *e = cJSON_IsArray(ext) ? ext->child : NULL;
        while (c || e) {
            if (c && cJSON_IsArray(c)) { /* not FHIR; flatten one level */
                f2c_status st = emit(x, c, NULL, ftype, out);
                if (st) return st;
            } else {
                r = fp_val_from_json(x, c, e, ftype, &v);
                if (r < 0) return fp_nomem(x);
                if (r == 0) {
                    f2c_status st = fp_push(x, out, &v);
                    if (st) return st;
                }
            }
            c = c ? c->next : NULL;
            e = e ? e->next : NULL;
        }
        return F2C_OK;
    }
    r = fp_val_from_json(x, child, cJSON_IsObject(ext) ? ext : NULL, ftype, &v);
    if (r < 0) return fp_nomem(x);
    return r == 0 ? fp_push(x, out, &v) : F2C_OK;
}

/* The object to navigate into and its FHIR type (NULL: unknown). */
static const cJSON *nav_object(const fp_val *item, const char **ptype)
{
    if (item->it.kind == F2C_FP_OBJECT && !item->noval) {
        *ptype = item->fhir && strcmp(item->it.type, "Element") ? item->it.type : NULL;
        return item->it.node;
    }
    *ptype = "Element"; /* a primitive's id/extension live in its "_name" object */
    return item->ext;
}

/* FHIR type of member `name` of an object of type ptype (NULL: unknown).  Element.id,
 * Resource.id and Extension.url are System.String in the FHIR R4 StructureDefinitions (type
 * code http://hl7.org/fhirpath/System.String), not FHIR id/uri: typed so here (NULL: the JSON
 * string becomes a System String), as fhirpath.js does. */
static const char *member_type(const char *ptype, const char *name)
{
    if (!strcmp(name, "id")) return NULL;
    if (!strcmp(name, "url") && ptype && !strcmp(ptype, "Extension")) return NULL;
    const char *ft = ptype ? f2c_fm_element_type(ptype, name, NULL) : NULL;
    if (!ft && !strcmp(name, "extension")) ft = "Extension";
    return ft;
}

static const cJSON *ext_of(fp_ev *x, const cJSON *obj, const char *key)
{
    char buf[128];
    size_t n = strlen(key);
    char *k = buf;
    if (n + 2 > sizeof buf) {
        k = f2c_arena_alloc(x->a, n + 2);
        if (!k) return NULL;
    }
    k[0] = '_';
    memcpy(k + 1, key, n + 1);
    return fp_json_member(obj, k);
}

f2c_status fp_nav_member(fp_ev *x, const fp_val *item, const char *name, const char *uname,
                         int term, fp_coll *out)
{
    const char *ptype;
    const cJSON *obj = nav_object(item, &ptype);
    if (item->it.kind == F2C_FP_OBJECT && !item->noval) {
        /* A name equal to the resource's type selects the resource itself (Patient.name on a
         * Patient; fhirpath.js does this at any step). */
        const cJSON *rt = fp_json_member(obj, "resourceType");
        if (cJSON_IsString(rt) && !strcmp(rt->valuestring, name)) return fp_push(x, out, item);
    }
    if (term && isupper((unsigned char)name[0]) && item->fhir && !item->noval &&
        (!strcmp(item->it.type, name) || f2c_fm_is_a(item->it.type, name)))
        return fp_push(x, out, item); /* HumanName.given on a HumanName context */
    if (!cJSON_IsObject(obj)) return F2C_OK;
    const cJSON *child = fp_json_member(obj, name);
    const cJSON *ext = fp_json_member(obj, uname);
    if (child || ext) return emit(x, child, ext, member_type(ptype, name), out);
    if (ptype && strcmp(ptype, "Element") && f2c_fm_is_type(ptype)) {
        /* Known type: its choice variants (FHIR R4 §2.24.0.3), in definition order. */
        const char *names[64], *types[64];
        size_t k = f2c_fm_choice_variants(ptype, name, names, types, 64);
        if (k > 64) k = 64;
        for (size_t i = 0; i < k; i++) {
            const cJSON *c = fp_json_member(obj, names[i]);
            const cJSON *e = ext_of(x, obj, names[i]);
            if (c || e) return emit(x, c, e, types[i], out);
        }
        return F2C_OK;
    }
    /* Unknown type: any member named name + Upper-case suffix is a choice variant. */
    size_t nl = strlen(name);
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (c->string && !strncmp(c->string, name, nl) && isupper((unsigned char)c->string[nl]))
            return emit(x, c, ext_of(x, obj, c->string), suffix_type(c->string + nl), out);
    }
    for (const cJSON *c = obj->child; c; c = c->next) { /* "_valueString" without a value */
        if (c->string && c->string[0] == '_' && !strncmp(c->string + 1, name, nl) &&
            isupper((unsigned char)c->string[nl + 1]))
            return emit(x, NULL, c, suffix_type(c->string + 1 + nl), out);
    }
    return F2C_OK;
}

f2c_status fp_nav_children(fp_ev *x, const fp_val *item, fp_coll *out)
{
    const char *ptype;
    const cJSON *obj = nav_object(item, &ptype);
    if (!cJSON_IsObject(obj)) return F2C_OK;
    for (const cJSON *c = obj->child; c; c = c->next) {
        const char *k = c->string;
        if (!k || !strcmp(k, "resourceType")) continue;
        if (k[0] == '_') {
            if (fp_json_member(obj, k + 1)) continue; /* paired below */
            f2c_status st = emit(x, NULL, c, member_type(ptype, k + 1), out);
            if (st) return st;
            continue;
        }
        const char *ft = member_type(ptype, k);
        if (!ft && !ptype) {
            for (size_t i = 1; k[i]; i++)
                if (isupper((unsigned char)k[i])) {
                    ft = suffix_type(k + i);
                    if (ft) break;
                }
        }
        f2c_status st = emit(x, c, ext_of(x, obj, k), ft, out);
        if (st) return st;
    }
    return F2C_OK;
}

/* ---------------------------------------------------------------- singletons and arguments */

f2c_status fp_single(fp_ev *x, const fp_coll *c, long col, const fp_val **v)
{
    if (c->n > 1) return fp_fail(x, col, "expected a single item, got %zu", c->n);
    *v = c->n ? &c->v[0] : NULL;
    return F2C_OK;
}

f2c_status fp_single_bool(fp_ev *x, const fp_coll *c, long col, int *b)
{
    const fp_val *v = NULL;
    f2c_status st = fp_single(x, c, col, &v);
    if (st) return st;
    if (!v)
        *b = -1;
    else if (v->it.kind == F2C_FP_BOOLEAN)
        *b = (int)v->it.i;
    else
        *b = 1; /* N1 §4.5: a single non-Boolean item is true where a Boolean is expected */
    return F2C_OK;
}

static int stringish(const fp_val *v)
{
    return v->it.kind == F2C_FP_STRING || v->it.kind == F2C_FP_DATE ||
           v->it.kind == F2C_FP_DATETIME || v->it.kind == F2C_FP_TIME;
}

f2c_status fp_input_string(fp_ev *x, const fp_node *call, const fp_coll *in, const char **s,
                           size_t *n)
{
    if (in->n > 1)
        return fp_fail(x, call->col, "%s() expected a single item as input, got %zu", call->name,
                       in->n);
    *s = NULL;
    *n = 0;
    if (!in->n || in->v[0].noval) return F2C_OK;
    if (!stringish(&in->v[0]))
        return fp_fail(x, call->col, "%s() expected a String as input, got %s", call->name,
                       in->v[0].it.type);
    *s = in->v[0].it.text;
    *n = in->v[0].it.len;
    return F2C_OK;
}

f2c_status fp_arg(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in, const fp_env *env,
                  fp_coll *out)
{
    (void)in;
    return fp_eval(x, call->args[i], env->this_, env, out);
}

f2c_status fp_arg_root(fp_ev *x, const fp_node *call, size_t i, const fp_env *env, fp_coll *out)
{
    return fp_eval(x, call->args[i], env->this_, env, out);
}

f2c_status fp_lambda(fp_ev *x, const fp_node *expr, const fp_val *item, int64_t index,
                     const fp_env *env, fp_coll *out)
{
    f2c_status st = fp_step(x, 1); /* one iteration of the calling function */
    if (st) return st;
    fp_val one = *item;
    fp_coll focus = {&one, 1, 1};
    fp_env e2 = *env;
    e2.this_ = &focus;
    e2.index = index;
    e2.has_index = 1;
    return fp_eval(x, expr, &focus, &e2, out);
}

/* Argument i as a singleton, the common part of fp_arg_string and fp_arg_int: *v NULL when
 * empty (or a primitive with only an extension); error for more than one item. */
static f2c_status arg_single(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in,
                             const fp_env *env, const fp_val **v)
{
    fp_coll c = {0};
    f2c_status st = fp_arg(x, call, i, in, env, &c);
    if (st) return st;
    *v = NULL;
    if (c.n > 1)
        return fp_fail(x, call->args[i]->col, "%s() argument %zu: expected a single item, got %zu",
                       call->name, i + 1, c.n);
    if (c.n && !c.v[0].noval) *v = &c.v[0]; /* the items live in the arena, not in c */
    return F2C_OK;
}

f2c_status fp_arg_string(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in,
                         const fp_env *env, const char **s, size_t *n, int *got)
{
    const fp_val *v;
    f2c_status st = arg_single(x, call, i, in, env, &v);
    *got = 0;
    if (st || !v) return st;
    if (!stringish(v))
        return fp_fail(x, call->args[i]->col, "%s() argument %zu: expected a String, got %s",
                       call->name, i + 1, v->it.type);
    *s = v->it.text;
    *n = v->it.len;
    *got = 1;
    return F2C_OK;
}

f2c_status fp_arg_int(fp_ev *x, const fp_node *call, size_t i, const fp_coll *in, const fp_env *env,
                      int64_t *out, int *got)
{
    const fp_val *v;
    f2c_status st = arg_single(x, call, i, in, env, &v);
    *got = 0;
    if (st || !v) return st;
    if (v->it.kind != F2C_FP_INTEGER)
        return fp_fail(x, call->args[i]->col, "%s() argument %zu: expected an Integer, got %s",
                       call->name, i + 1, v->it.type);
    *out = v->it.i;
    *got = 1;
    return F2C_OK;
}

/* ---------------------------------------------------------------- operators */

static const char *binop_text(fp_binop op)
{
    static const char *const t[] = {"*",  "/",        "div", "mod", "+",   "-",      "&", "|",
                                    "<",  ">",        "<=",  ">=",  "=",   "!=",     "~", "!~",
                                    "in", "contains", "and", "or",  "xor", "implies"};
    return t[op];
}

static f2c_status operand(fp_ev *x, const fp_node *n, const fp_coll *c, const char *side,
                          const fp_val **v)
{
    if (c->n > 1)
        return fp_fail(x, n->col, "expected a single item, got %zu (%s operand of '%s')", c->n,
                       side, binop_text(n->op));
    *v = c->n && !c->v[0].noval ? &c->v[0] : NULL;
    return F2C_OK;
}

static f2c_status push_tri(fp_ev *x, fp_coll *out, int b)
{
    return b < 0 ? F2C_OK : fp_push_bool(x, out, b);
}

static f2c_status eval_bin(fp_ev *x, const fp_node *n, const fp_coll *focus, const fp_env *env,
                           fp_coll *out)
{
    fp_coll a = {0}, b = {0};
    f2c_status st;
    if ((st = fp_eval(x, n->a, focus, env, &a))) return st;
    if ((st = fp_eval(x, n->b, focus, env, &b))) return st;
    const fp_val *l = NULL, *r = NULL;
    switch (n->op) {
    case FP_OP_UNION:
        for (size_t i = 0; i < a.n; i++)
            if (!fp_coll_has(x, out, &a.v[i]) && (st = fp_push(x, out, &a.v[i]))) return st;
        for (size_t i = 0; i < b.n; i++)
            if (!fp_coll_has(x, out, &b.v[i]) && (st = fp_push(x, out, &b.v[i]))) return st;
        return F2C_OK;
    case FP_OP_AND:
    case FP_OP_OR:
    case FP_OP_XOR:
    case FP_OP_IMPLIES: {
        /* Three-valued logic, N1 §6.5 truth tables; -1 is empty. */
        int lb, rb;
        if ((st = fp_single_bool(x, &a, n->col, &lb))) return st;
        if ((st = fp_single_bool(x, &b, n->col, &rb))) return st;
        int res;
        if (n->op == FP_OP_AND)
            res = (lb == 0 || rb == 0) ? 0 : (lb == 1 && rb == 1) ? 1 : -1;
        else if (n->op == FP_OP_OR)
            res = (lb == 1 || rb == 1) ? 1 : (lb == 0 && rb == 0) ? 0 : -1;
        else if (n->op == FP_OP_XOR)
            res = (lb < 0 || rb < 0) ? -1 : lb != rb;
        else
            res = lb == 0 ? 1 : lb == 1 ? rb : (rb == 1 ? 1 : -1);
        return push_tri(x, out, res);
    }
    case FP_OP_EQ:
    case FP_OP_NE: {
        int e = fp_coll_equal(x, &a, &b);
        if (e < 0) return F2C_OK;
        return fp_push_bool(x, out, n->op == FP_OP_EQ ? e : !e);
    }
    case FP_OP_EQUIV:
    case FP_OP_NEQUIV: {
        int e = fp_coll_equiv(x, &a, &b);
        return fp_push_bool(x, out, n->op == FP_OP_EQUIV ? e : !e);
    }
    case FP_OP_IN:
    case FP_OP_CONTAINS: {
        /* N1 §6.4.1/§6.4.2: the single-item side empty -> empty; the collection empty -> false */
        const fp_coll *one = n->op == FP_OP_IN ? &a : &b;
        const fp_coll *many = n->op == FP_OP_IN ? &b : &a;
        if ((st = operand(x, n, one, n->op == FP_OP_IN ? "left" : "right", &l))) return st;
        if (!l) return F2C_OK;
        return fp_push_bool(x, out, fp_coll_has(x, many, l));
    }
    case FP_OP_LT:
    case FP_OP_GT:
    case FP_OP_LE:
    case FP_OP_GE: {
        if ((st = operand(x, n, &a, "left", &l)) || (st = operand(x, n, &b, "right", &r)))
            return st;
        if (!l || !r) return F2C_OK;
        int c;
        if ((st = fp_item_compare(x, l, r, n->col, &c))) return st;
        if (c == 2) return F2C_OK;
        int res = n->op == FP_OP_LT   ? c < 0
                  : n->op == FP_OP_GT ? c > 0
                  : n->op == FP_OP_LE ? c <= 0
                                      : c >= 0;
        return fp_push_bool(x, out, res);
    }
    case FP_OP_CONCAT: {
        if ((st = operand(x, n, &a, "left", &l)) || (st = operand(x, n, &b, "right", &r)))
            return st;
        if ((l && !stringish(l)) || (r && !stringish(r)))
            return fp_fail(x, n->col, "operator '&' expects Strings, got %s and %s",
                           l ? l->it.type : "empty", r ? r->it.type : "empty");
        size_t ln = l ? l->it.len : 0, rn = r ? r->it.len : 0;
        char *s = f2c_arena_alloc(x->a, ln + rn + 1);
        if (!s) return fp_nomem(x);
        if (ln) memcpy(s, l->it.text, ln);
        if (rn) memcpy(s + ln, r->it.text, rn);
        s[ln + rn] = '\0';
        return fp_push_str(x, out, s, ln + rn, 1);
    }
    default:
        if ((st = operand(x, n, &a, "left", &l)) || (st = operand(x, n, &b, "right", &r)))
            return st;
        if (!l || !r) return F2C_OK;
        return fp_arith(x, n->op, l, r, n->col, out);
    }
}

/* A JSON constant (%name) as a collection: arrays flatten, null is empty. */
static f2c_status json_coll(fp_ev *x, const cJSON *node, fp_coll *out)
{
    return node ? emit(x, node, NULL, NULL, out) : F2C_OK;
}

static f2c_status eval_var(fp_ev *x, const fp_node *n, fp_coll *out)
{
    switch (n->var) {
    case FP_VAR_RESOURCE:
    case FP_VAR_ROOTRESOURCE:
        return fp_append(x, out, &x->resource);
    case FP_VAR_CONTEXT:
        return fp_append(x, out, &x->root);
    case FP_VAR_UCUM:
        return fp_push_str(x, out, "http://unitsofmeasure.org", 25, 1);
    case FP_VAR_SCT:
        return fp_push_str(x, out, "http://snomed.info/sct", 22, 1);
    case FP_VAR_LOINC:
        return fp_push_str(x, out, "http://loinc.org", 16, 1);
    default: {
        const char *name = x->e->const_names[n->var - FP_VAR_USER];
        for (size_t i = 0; i < x->nconsts; i++)
            if (x->consts[i].name && !strcmp(x->consts[i].name, name))
                return json_coll(x, x->consts[i].value, out);
        return fp_fail(x, n->col, "no value supplied for %%%s", name);
    }
    }
}

/* What a member or function invocation applies to: the expression before '.', evaluated into
 * *buf, or the focus for a term. */
static f2c_status invocation_input(fp_ev *x, const fp_node *n, const fp_coll *focus,
                                   const fp_env *env, fp_coll *buf, const fp_coll **src)
{
    *src = focus;
    if (!n->focus) return F2C_OK;
    *src = buf;
    return fp_eval(x, n->focus, focus, env, buf);
}

f2c_status fp_eval(fp_ev *x, const fp_node *n, const fp_coll *focus, const fp_env *env,
                   fp_coll *out)
{
    f2c_status st;
    out->v = NULL;
    out->n = out->cap = 0;
    if ((st = fp_step(x, 1))) return st;
    switch (n->kind) {
    case FP_N_EMPTY:
        return F2C_OK;
    case FP_N_LIT:
        return fp_push(x, out, &n->lit);
    case FP_N_THIS:
        return fp_append(x, out, env->this_);
    case FP_N_INDEX:
        return env->has_index ? fp_push_int(x, out, env->index) : F2C_OK;
    case FP_N_TOTAL:
        return env->total ? fp_append(x, out, env->total) : F2C_OK;
    case FP_N_VAR:
        return eval_var(x, n, out);
    case FP_N_MEMBER: {
        fp_coll in = {0};
        const fp_coll *src;
        if ((st = invocation_input(x, n, focus, env, &in, &src))) return st;
        for (size_t i = 0; i < src->n; i++)
            if ((st = fp_nav_member(x, &src->v[i], n->name, n->uname, n->focus == NULL, out)))
                return st;
        return F2C_OK;
    }
    case FP_N_CALL: {
        fp_coll in = {0};
        const fp_coll *src;
        if ((st = invocation_input(x, n, focus, env, &in, &src))) return st;
        return n->fn->impl(x, n, src, env, out);
    }
    case FP_N_INDEXER: {
        fp_coll a = {0}, b = {0};
        if ((st = fp_eval(x, n->a, focus, env, &a))) return st;
        if ((st = fp_eval(x, n->b, focus, env, &b))) return st;
        if (b.n > 1) return fp_fail(x, n->col, "index: expected a single item, got %zu", b.n);
        if (!b.n) return F2C_OK;
        if (b.v[0].it.kind != F2C_FP_INTEGER)
            return fp_fail(x, n->col, "index must be an Integer, got %s", b.v[0].it.type);
        int64_t i = b.v[0].it.i;
        if (i < 0 || (uint64_t)i >= a.n) return F2C_OK;
        return fp_push(x, out, &a.v[i]);
    }
    case FP_N_NEG:
    case FP_N_POS: {
        fp_coll a = {0};
        if ((st = fp_eval(x, n->a, focus, env, &a))) return st;
        if (a.n > 1)
            return fp_fail(x, n->col, "expected a single item, got %zu (operand of unary '%c')",
                           a.n, n->kind == FP_N_NEG ? '-' : '+');
        if (!a.n) return F2C_OK;
        fp_val tmp;
        const fp_val *v = fp_system(x, &a.v[0], &tmp);
        if (v->it.kind != F2C_FP_INTEGER && v->it.kind != F2C_FP_DECIMAL &&
            v->it.kind != F2C_FP_QUANTITY)
            return fp_fail(x, n->col, "unary '%c' expects a number or Quantity, got %s",
                           n->kind == FP_N_NEG ? '-' : '+', v->it.type);
        if (n->kind == FP_N_POS) return fp_push(x, out, v);
        if (v->it.kind == F2C_FP_INTEGER) {
            if (v->it.i == INT64_MIN) return F2C_OK;
            return fp_push_int(x, out, -v->it.i);
        }
        if (v->it.kind == F2C_FP_DECIMAL) {
            fp_dec d; /* exact: the digits as written, negated */
            if (fp_val_num_dec(v, &d) == 0) {
                d.c = -d.c;
                return fp_push_decv(x, out, &d);
            }
            return fp_push_dec(x, out, -v->it.d);
        }
        return fp_push_qty(x, out, -v->it.d, NULL, 0, v->it.unit);
    }
    case FP_N_BIN:
        return eval_bin(x, n, focus, env, out);
    case FP_N_IS:
    case FP_N_AS: {
        fp_coll a = {0};
        if ((st = fp_eval(x, n->a, focus, env, &a))) return st;
        if (a.n > 1)
            return fp_fail(x, n->col, "expected a single item, got %zu (left operand of '%s')", a.n,
                           n->kind == FP_N_IS ? "is" : "as");
        if (!a.n) return F2C_OK;
        int ok = fp_is_type(&a.v[0], &n->type);
        if (n->kind == FP_N_IS) return fp_push_bool(x, out, ok);
        return ok ? fp_push(x, out, &a.v[0]) : F2C_OK;
    }
    }
    return F2C_OK;
}

/* ---------------------------------------------------------------- public entry */

static f2c_status to_result(fp_ev *x, const fp_coll *c, f2c_fp_result *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += !c->v[i].noval;
    f2c_fp_item *items = NULL;
    if (n) {
        items = f2c_arena_alloc(x->a, n * sizeof *items);
        if (!items) return fp_nomem(x);
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!c->v[i].noval) items[k++] = c->v[i].it;
    out->items = items;
    out->count = n;
    return F2C_OK;
}

f2c_status fp_trace(fp_ev *x, const char *name, const fp_coll *c)
{
    if (!x->c->trace) return F2C_OK;
    f2c_fp_result r;
    f2c_status st = to_result(x, c, &r);
    if (st) return st;
    x->c->trace(x->c->trace_user, name, &r);
    return F2C_OK;
}

/* f2c_fp_eval and f2c_fp_eval_item: the input collection is `computed` (an item without a node)
 * when given, else the node `context` (or nothing). */
static f2c_status eval_at(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc, const cJSON *context,
                          const char *context_type, const f2c_fp_item *computed,
                          const cJSON *resource, const f2c_fp_constant *constants,
                          size_t nconstants, f2c_fp_result *out, f2c_error *err)
{
    out->items = NULL;
    out->count = 0;
    /* An evaluation that grew the arena far (up to the byte budget) should not keep that memory
     * for the life of the context: release it, later evaluations start small again. */
    if (c->last.bytes > FP_KEEP_BYTES) f2c_arena_free(&c->a);
    f2c_arena_reset(&c->a);
    c->a.limit = c->lim.max_bytes >= SIZE_MAX ? 0 : (size_t)c->lim.max_bytes;
    fp_ev x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.a = &c->a;
    x.e = e;
    x.doc = doc;
    x.err = err;
    x.consts = constants;
    x.nconsts = nconstants;
    x.max_steps = c->lim.max_steps ? c->lim.max_steps : UINT64_MAX;
    x.max_items = c->lim.max_items ? c->lim.max_items : UINT64_MAX;
    fp_val v;
    int r;
    f2c_status st = F2C_OK;
    if (computed) {
        /* A value some expression computed (a forEach over `name.given.select(lower())`): the
         * caller keeps its text alive, outside this context's arena, which is rewound above. */
        memset(&v, 0, sizeof v);
        v.it = *computed;
        if ((st = fp_push(&x, &x.root, &v))) goto finish;
    } else if (context) {
        if (cJSON_IsArray(context)) {
            if ((st = emit(&x, context, NULL, context_type, &x.root))) goto finish;
        } else {
            r = fp_val_from_json(&x, context, NULL, context_type, &v);
            if (r < 0) {
                st = fp_nomem(&x);
                goto finish;
            }
            if (r == 0 && (st = fp_push(&x, &x.root, &v))) goto finish;
        }
    }
    if (resource == context) {
        x.resource = x.root;
    } else if (resource) {
        r = fp_val_from_json(&x, resource, NULL, NULL, &v);
        if (r < 0) {
            st = fp_nomem(&x);
            goto finish;
        }
        if (r == 0 && (st = fp_push(&x, &x.resource, &v))) goto finish;
    }
    fp_env env;
    memset(&env, 0, sizeof env);
    env.this_ = &x.root;
    fp_coll res = {0};
    st = fp_eval(&x, e->root, &x.root, &env, &res);
    if (!st) st = to_result(&x, &res, out);
finish:
    /* A limit exceeded anywhere (also inside a helper that cannot return a status, such as a
     * membership scan, or an allocation refused by the arena and reported as out of memory on
     * the way up) is what this evaluation failed of. */
    if (!x.over && c->a.over) x.over = F2C_FP_LIMIT_BYTES;
    if (x.over) {
        st = fp_over_budget(&x, x.over);
        out->items = NULL;
        out->count = 0;
    }
    c->last.steps = x.steps;
    c->last.items = x.items;
    c->last.bytes = c->a.total;
    c->last.evaluations = 1;
    c->last.exceeded = x.over;
    c->last.exceeded_count = x.over != F2C_FP_LIMIT_NONE;
    if (x.steps > c->peak.steps) c->peak.steps = x.steps;
    if (x.items > c->peak.items) c->peak.items = x.items;
    if (c->a.total > c->peak.bytes) c->peak.bytes = c->a.total;
    c->peak.evaluations++;
    if (x.over) {
        c->peak.exceeded_count++;
        c->peak.exceeded = x.over;
    }
    return st;
}

f2c_status f2c_fp_eval(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc, const cJSON *context,
                       const char *context_type, const cJSON *resource,
                       const f2c_fp_constant *constants, size_t nconstants, f2c_fp_result *out,
                       f2c_error *err)
{
    return eval_at(c, e, doc, context, context_type, NULL, resource, constants, nconstants, out,
                   err);
}

f2c_status f2c_fp_eval_item(f2c_fp_ctx *c, const f2c_fp_expr *e, f2c_doc *doc,
                            const f2c_fp_item *focus, const cJSON *resource,
                            const f2c_fp_constant *constants, size_t nconstants, f2c_fp_result *out,
                            f2c_error *err)
{
    if (focus && focus->node)
        return eval_at(c, e, doc, focus->node, focus->type, NULL, resource, constants, nconstants,
                       out, err);
    return eval_at(c, e, doc, NULL, NULL, focus, resource, constants, nconstants, out, err);
}
