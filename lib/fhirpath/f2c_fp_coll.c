/*
 * f2c_fp_coll: the lowest layer of FHIRPath evaluation above the arena — building values and
 * collections, and reporting errors and exceeded budgets.
 *
 * Why a file of its own: the value semantics (f2c_fp_value.c), the evaluator (f2c_fp_eval.c)
 * and the function library (f2c_fp_func_*.c) all make values, push them onto collections and
 * fail with a column; with these in the evaluator, values and evaluator used each other.  Here
 * they depend on nothing but the arena, so value semantics sit below the evaluator and the
 * dependency goes one way.  Items are counted where collections grow (fp_push) and bytes where
 * memory is taken (the arena), so every loop is bounded without each function checking.
 */
#include "f2c_fp_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

f2c_status fp_fail(fp_ev *x, long col, const char *fmt, ...)
{
    char buf[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return f2c_error_set(x->err, F2C_EEVAL, NULL, 0, col, NULL, "%s", buf);
}

f2c_status fp_nomem(fp_ev *x)
{
    if (x->a->over || x->over) return fp_over_budget(x, x->over ? x->over : F2C_FP_LIMIT_BYTES);
    return f2c_error_set(x->err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

f2c_status fp_over_budget(fp_ev *x, f2c_fp_limit_kind k)
{
    if (!x->over) x->over = k;
    k = x->over;
    const char *what = k == F2C_FP_LIMIT_STEPS   ? "steps"
                       : k == F2C_FP_LIMIT_ITEMS ? "items"
                                                 : "bytes of memory";
    const char *flag = k == F2C_FP_LIMIT_STEPS   ? "--fhirpath-max-steps"
                       : k == F2C_FP_LIMIT_ITEMS ? "--fhirpath-max-items"
                                                 : "--fhirpath-max-bytes";
    unsigned long long lim = k == F2C_FP_LIMIT_STEPS   ? x->c->lim.max_steps
                             : k == F2C_FP_LIMIT_ITEMS ? x->c->lim.max_items
                                                       : x->c->lim.max_bytes;
    return f2c_error_set(x->err, F2C_EEVAL, NULL, 0, x->e->root->col, NULL,
                         "evaluation budget exceeded: more than %llu %s (%s)", lim, what, flag);
}

/* ---------------------------------------------------------------- collections */

f2c_status fp_push(fp_ev *x, fp_coll *c, const fp_val *v)
{
    if (++x->items > x->max_items) return fp_over_budget(x, F2C_FP_LIMIT_ITEMS);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        fp_val *p = f2c_arena_alloc(x->a, cap * sizeof *p);
        if (!p) return fp_nomem(x);
        if (c->n) memcpy(p, c->v, c->n * sizeof *p);
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = *v;
    return F2C_OK;
}

f2c_status fp_append(fp_ev *x, fp_coll *dst, const fp_coll *src)
{
    for (size_t i = 0; i < src->n; i++) {
        f2c_status st = fp_push(x, dst, &src->v[i]);
        if (st) return st;
    }
    return F2C_OK;
}

f2c_status fp_push_bool(fp_ev *x, fp_coll *c, int b)
{
    fp_val v;
    fp_val_bool(&v, b);
    return fp_push(x, c, &v);
}

f2c_status fp_push_int(fp_ev *x, fp_coll *c, int64_t i)
{
    fp_val v;
    fp_val_int(&v, i);
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)i);
    char *t = f2c_arena_strndup(x->a, buf, (size_t)n);
    if (!t) return fp_nomem(x);
    v.it.text = t;
    v.it.len = (size_t)n;
    return fp_push(x, c, &v);
}

f2c_status fp_push_dec(fp_ev *x, fp_coll *c, double d)
{
    fp_val v;
    if (fp_val_dec(x->a, &v, d) != 0) return fp_nomem(x);
    return fp_push(x, c, &v);
}

f2c_status fp_push_str(fp_ev *x, fp_coll *c, const char *s, size_t n, int stable)
{
    fp_val v;
    if (!stable) {
        char *t = f2c_arena_strndup(x->a, s, n);
        if (!t) return fp_nomem(x);
        s = t;
    }
    fp_val_str(&v, s, n);
    return fp_push(x, c, &v);
}

f2c_status fp_push_qty(fp_ev *x, fp_coll *c, double d, const char *text, size_t len,
                       const char *unit)
{
    fp_val v;
    if (fp_val_qty(x->a, &v, d, text, len, unit) != 0) return fp_nomem(x);
    return fp_push(x, c, &v);
}

/* ---------------------------------------------------------------- constructors */

/* What every constructor does first: a value of that kind and System type with text (not
 * copied), all else zero. */
static void val_init(fp_val *v, f2c_fp_kind kind, const char *type, const char *text, size_t len)
{
    memset(v, 0, sizeof *v);
    v->it.kind = kind;
    v->it.type = type;
    v->it.text = text;
    v->it.len = len;
}

void fp_val_bool(fp_val *v, int b)
{
    val_init(v, F2C_FP_BOOLEAN, "Boolean", b ? "true" : "false", b ? 4 : 5);
    v->it.i = b ? 1 : 0;
}

void fp_val_int(fp_val *v, int64_t i)
{
    val_init(v, F2C_FP_INTEGER, "Integer", NULL, 0);
    v->it.i = i;
    v->it.d = (double)i;
}

void fp_val_dec_text(fp_val *v, double d, const char *text, size_t len)
{
    val_init(v, F2C_FP_DECIMAL, "Decimal", text, len);
    v->it.d = d;
}

/* The shortest text of d (fp_fmt_double) copied into arena a; NULL when out of memory. */
static const char *arena_number(f2c_arena *a, double d, size_t *len)
{
    char buf[40];
    *len = fp_fmt_double(d, buf);
    return f2c_arena_strndup(a, buf, *len);
}

int fp_val_dec(f2c_arena *a, fp_val *v, double d)
{
    size_t n;
    const char *t = arena_number(a, d, &n);
    if (!t) return -1;
    fp_val_dec_text(v, d, t, n);
    return 0;
}

void fp_val_str(fp_val *v, const char *s, size_t n)
{
    val_init(v, F2C_FP_STRING, "String", s, n);
}

int fp_val_qty(f2c_arena *a, fp_val *v, double d, const char *text, size_t len, const char *unit)
{
    if (!text && !(text = arena_number(a, d, &len))) return -1;
    val_init(v, F2C_FP_QUANTITY, "Quantity", text, len);
    v->it.d = d;
    v->it.unit = unit ? unit : "1";
    return 0;
}

void fp_val_dt_text(fp_val *v, int kind, const char *text, size_t len)
{
    val_init(v, (f2c_fp_kind)kind,
             kind == F2C_FP_DATE   ? "Date"
             : kind == F2C_FP_TIME ? "Time"
                                   : "DateTime",
             text, len);
}

size_t fp_fmt_double(double d, char *buf)
{
    if (d == 0) {
        strcpy(buf, "0");
        return 1;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    /* Prefer plain notation for moderate exponents (1e-05 -> 0.00001). */
    if (strchr(buf, 'e')) {
        double a = fabs(d);
        if (a >= 1e-7 && a < 1e21) {
            char tmp[64];
            for (int dec = 0; dec <= 24; dec++) {
                snprintf(tmp, sizeof tmp, "%.*f", dec, d);
                if (strtod(tmp, NULL) == d) {
                    if (strlen(tmp) < 32) strcpy(buf, tmp);
                    break;
                }
            }
        }
    }
    return strlen(buf);
}

int fp_dec_places(const char *text, size_t len)
{
    const char *dot = memchr(text, '.', len);
    if (!dot) return 0;
    int n = 0;
    for (const char *p = dot + 1; p < text + len && isdigit((unsigned char)*p); p++)
        n++;
    return n;
}
