/*
 * f2c_fp_compile: the public compile step — parse, then resolve everything that does not
 * depend on the data, once.
 *
 * Why it is shaped so: an expression is compiled once per table column and evaluated for
 * every resource, so everything that can fail or cost without looking at data happens here:
 * function names are looked up in the sorted table generated from F2C_FP_FUNCTIONS (binary
 * search, then a direct pointer in the node), arities are checked, type-specifier arguments of
 * is()/as()/ofType() become fp_typespec, %variables become indices, and literal regular
 * expressions are compiled by PCRE2 (the compiled code is immutable and may be shared by
 * threads).  Errors carry the 1-based character column of the offending name, like syntax
 * errors.  The expression owns one arena holding the whole tree, so freeing is one call plus
 * the regexes.
 */
#include "f2c_fp_int.h"
#include "f2c_fp_regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"

#define F2C_FP_ENTRY(nm, mn, mx, fl) {#nm, mn, mx, fl, f2c_fp_fn_##nm},
static const fp_fn fp_functions[] = {F2C_FP_FUNCTIONS(F2C_FP_ENTRY)};
#undef F2C_FP_ENTRY

const fp_fn *fp_fn_find(const char *name)
{
    size_t lo = 0, hi = sizeof fp_functions / sizeof fp_functions[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, fp_functions[mid].name);
        if (!c) return &fp_functions[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const char *const builtin_vars[] = {"resource", "rootResource", "context",
                                           "ucum",     "sct",          "loinc"};

typedef struct fp_comp {
    f2c_fp_expr *e;
    f2c_error *err;
} fp_comp;

static f2c_status cerr(fp_comp *c, long col, const char *fmt, const char *a, const char *b)
{
    return f2c_error_set(c->err, F2C_ECONFIG, NULL, 0, col, NULL, fmt, a, b);
}

static int is_system_type(const char *n)
{
    static const char *const names[] = {"Boolean",  "Integer", "Decimal",  "String", "Date",
                                        "DateTime", "Time",    "Quantity", NULL};
    for (int i = 0; names[i]; i++)
        if (!strcmp(n, names[i])) return 1;
    return 0;
}

/* N1 §6.3 type specifiers: System.X, FHIR.X or an unqualified name of either model. */
static f2c_status check_type(fp_comp *c, long col, const fp_typespec *t)
{
    if (t->ns && strcmp(t->ns, "System") && strcmp(t->ns, "FHIR"))
        return cerr(c, col, "unknown type namespace '%s': expected System or FHIR%s", t->ns, "");
    int sys = is_system_type(t->name);
    int fhir = f2c_fm_is_type(t->name) || !strcmp(t->name, "Element");
    int ok = !t->ns ? sys || fhir : !strcmp(t->ns, "System") ? sys : fhir;
    if (!ok)
        return f2c_error_set(c->err, F2C_ECONFIG, NULL, 0, col, NULL, "unknown type '%s%s%s'",
                             t->ns ? t->ns : "", t->ns ? "." : "", t->name);
    return F2C_OK;
}

static f2c_status resolve(fp_comp *c, fp_node *n);

static f2c_status resolve_call(fp_comp *c, fp_node *n)
{
    const fp_fn *fn = fp_fn_find(n->name);
    if (!fn) return cerr(c, n->col, "unknown function '%s'%s", n->name, "");
    n->fn = fn;
    if (n->nargs < fn->min || n->nargs > fn->max) {
        char want[48];
        if (fn->min == fn->max)
            snprintf(want, sizeof want,
                     fn->min == 0   ? "no arguments"
                     : fn->min == 1 ? "1 argument"
                                    : "%d arguments",
                     fn->min);
        else
            snprintf(want, sizeof want, "%d to %d arguments", fn->min, fn->max);
        return f2c_error_set(c->err, F2C_ECONFIG, NULL, 0, n->col, NULL, "%s() takes %s, got %zu",
                             n->name, want, n->nargs);
    }
    if ((fn->flags & FP_F_TYPEARG) && n->nargs == 1) {
        /* The argument is a type specifier: Name or Namespace.Name, parsed as member steps. */
        fp_node *a = n->args[0];
        fp_typespec t = {NULL, NULL};
        if (a->kind == FP_N_MEMBER && !a->focus) {
            t.name = a->name;
        } else if (a->kind == FP_N_MEMBER && a->focus && a->focus->kind == FP_N_MEMBER &&
                   !a->focus->focus) {
            t.ns = a->focus->name;
            t.name = a->name;
        } else {
            return f2c_error_set(c->err, F2C_ECONFIG, NULL, 0, a->col, NULL,
                                 "%s() expects a type name (e.g. Quantity or FHIR.Patient)",
                                 n->name);
        }
        f2c_status st = check_type(c, a->col, &t);
        if (st) return st;
        n->type = t;
        return F2C_OK;
    }
    if ((fn->flags & FP_F_REGEX) && n->args[0]->kind == FP_N_LIT &&
        n->args[0]->lit.it.kind == F2C_FP_STRING) {
        char msg[256];
        n->re = fp_regex_compile(n->args[0]->lit.it.text, n->args[0]->lit.it.len, msg, sizeof msg);
        if (!n->re)
            return f2c_error_set(c->err, F2C_ECONFIG, NULL, 0, n->args[0]->col, NULL,
                                 "invalid regular expression in %s(): %s", n->name, msg);
    }
    for (size_t i = 0; i < n->nargs; i++) {
        f2c_status st = resolve(c, n->args[i]);
        if (st) return st;
    }
    return F2C_OK;
}

static f2c_status resolve(fp_comp *c, fp_node *n)
{
    f2c_status st;
    if (n->focus && (st = resolve(c, n->focus))) return st;
    if (n->a && (st = resolve(c, n->a))) return st;
    if (n->b && (st = resolve(c, n->b))) return st;
    switch (n->kind) {
    case FP_N_CALL:
        return resolve_call(c, n);
    case FP_N_IS:
    case FP_N_AS:
        return check_type(c, n->col, &n->type);
    case FP_N_VAR:
        for (size_t i = 0; i < sizeof builtin_vars / sizeof builtin_vars[0]; i++)
            if (!strcmp(n->name, builtin_vars[i])) {
                n->var = (int)i;
                return F2C_OK;
            }
        for (size_t i = 0; i < c->e->nconst; i++)
            if (!strcmp(n->name, c->e->const_names[i])) {
                n->var = FP_VAR_USER + (int)i;
                return F2C_OK;
            }
        return cerr(c, n->col, "unknown variable '%%%s'%s", n->name, "");
    default:
        return F2C_OK;
    }
}

static void free_regexes(fp_node *n)
{
    if (!n) return;
    free_regexes(n->focus);
    free_regexes(n->a);
    free_regexes(n->b);
    for (size_t i = 0; i < n->nargs; i++)
        free_regexes(n->args[i]);
    if (n->re) fp_regex_free(n->re);
    n->re = NULL;
}

f2c_status f2c_fp_compile(const char *src, const char *const *constant_names, f2c_fp_expr **out,
                          f2c_error *err)
{
    *out = NULL;
    f2c_fp_expr *e = calloc(1, sizeof *e);
    if (!e) return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    f2c_status st = F2C_OK;
    size_t nc = 0;
    while (constant_names && constant_names[nc])
        nc++;
    e->src = f2c_arena_strndup(&e->a, src, strlen(src));
    if (!e->src) goto nomem;
    if (nc) {
        e->const_names = f2c_arena_alloc(&e->a, nc * sizeof *e->const_names);
        if (!e->const_names) goto nomem;
        for (size_t i = 0; i < nc; i++) {
            const char *nm = constant_names[i];
            if (nm[0] == '%') nm++;
            e->const_names[i] = f2c_arena_strndup(&e->a, nm, strlen(nm));
            if (!e->const_names[i]) goto nomem;
        }
    }
    e->nconst = nc;
    st = fp_parse(e->src, &e->a, &e->root, err);
    if (st == F2C_OK) {
        fp_comp c = {e, err};
        st = resolve(&c, e->root);
    }
    if (st == F2C_ENOMEM) goto nomem;
    if (st) {
        f2c_fp_free(e);
        return st;
    }
    *out = e;
    return F2C_OK;
nomem:
    f2c_fp_free(e);
    return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

const char *f2c_fp_source(const f2c_fp_expr *e)
{
    return e ? e->src : NULL;
}

void f2c_fp_free(f2c_fp_expr *e)
{
    if (!e) return;
    free_regexes(e->root);
    f2c_arena_free(&e->a);
    free(e);
}
