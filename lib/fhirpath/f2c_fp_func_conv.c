/*
 * f2c_fp_func_conv: conversion functions (FHIRPath N1 §5.5), math functions (§5.7) and the
 * type functions is()/as() (§6.3).
 *
 * Why it is shaped so: every toX() has a convertsToX() twin that must agree with it exactly, so
 * each conversion is one static function `conv_x(x, item, &result) -> 1 converted / 0 not`
 * and both public functions are made from it by CONV_PAIR, through one convert() that also
 * applies toQuantity's unit argument: convertsToX() is "toX() succeeded", and the twin can never
 * drift.  Input handling is shared: empty input gives empty, more than one item is an error
 * (N1 §5.5: "If the input collection contains multiple items, the evaluation of the expression
 * will end and signal an error").  FHIR Quantity objects convert through fp_system, so
 * valueQuantity.toString() is "5.4 'mg'".  Math functions that differ only by the C library
 * function they apply (ceiling/floor/truncate, exp/ln/sqrt) share one helper per family; math
 * results that are not finite (ln(0), sqrt(-1), overflow) are empty.  lowBoundary() /
 * highBoundary() (FHIRPath 3.0) live here too: for numbers they are math on decimal digits.
 */
#include "f2c_fp_int.h"
#include "f2c_fp_dec.h"
#include "f2c_fp_unit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The single input item converted to its System value, or NULL when the input is empty. */
static f2c_status input1(fp_ev *x, const fp_node *call, const fp_coll *in, fp_val *tmp,
                         const fp_val **v)
{
    if (in->n > 1)
        return fp_fail(x, call->col, "%s() expected a single item as input, got %zu", call->name,
                       in->n);
    *v = NULL;
    if (!in->n || in->v[0].noval) return F2C_OK;
    *v = fp_system(x, &in->v[0], tmp);
    return F2C_OK;
}

static int ieq(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (k != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != w[i]) return 0;
    return 1;
}

/* ---------------------------------------------------------------- conversions */

static int conv_bool(fp_ev *x, const fp_val *v, fp_val *r)
{
    (void)x;
    int b = -1;
    switch (v->it.kind) {
    case F2C_FP_BOOLEAN:
        b = (int)v->it.i;
        break;
    case F2C_FP_INTEGER:
        b = v->it.i == 1 ? 1 : v->it.i == 0 ? 0 : -1;
        break;
    case F2C_FP_DECIMAL:
        b = v->it.d == 1.0 ? 1 : v->it.d == 0.0 ? 0 : -1;
        break;
    case F2C_FP_STRING: {
        static const char *const t[] = {"true", "t", "yes", "y", "1", "1.0", NULL};
        static const char *const f[] = {"false", "f", "no", "n", "0", "0.0", NULL};
        for (int i = 0; t[i]; i++)
            if (ieq(v->it.text, v->it.len, t[i])) b = 1;
        for (int i = 0; f[i]; i++)
            if (ieq(v->it.text, v->it.len, f[i])) b = 0;
        break;
    }
    default:
        break;
    }
    if (b < 0) return 0;
    fp_val_bool(r, b);
    return 1;
}

/* (\+|-)?\d+ */
static int int_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i == n) return 0;
    for (; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* Length of the number (\+|-)?\d+(\.\d+)? that s starts with, read greedily: 0 when what is
 * there is not one ('-', '.5', '1.'). */
static size_t dec_prefix(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i == d) return 0;
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == f) return 0;
    }
    return i;
}

/* (\+|-)?\d+(\.\d+)? */
static int dec_text(const char *s, size_t n)
{
    size_t k = dec_prefix(s, n);
    return k && k == n;
}

/* A number read from a String (dec_text) as a JSON number, in the arena: no '+', no leading
 * zeros ("+007.50" -> "7.50"), so it can stand as a value's text.  NULL: out of memory. */
static char *json_number(f2c_arena *a, const char *s, size_t n, size_t *len)
{
    int neg = *s == '-';
    if (*s == '+' || *s == '-') s++, n--;
    while (n > 1 && s[0] == '0' && s[1] != '.')
        s++, n--;
    char *c = f2c_arena_alloc(a, n + 2);
    if (!c) return NULL;
    if (neg) c[0] = '-';
    memcpy(c + neg, s, n);
    n += (size_t)neg;
    c[n] = '\0';
    *len = n;
    return c;
}

/* i as text in the arena, for Integers that were computed rather than read (no source text). */
static char *int_text_of(f2c_arena *a, long long i, size_t *len)
{
    char buf[24];
    int k = snprintf(buf, sizeof buf, "%lld", i);
    *len = (size_t)k;
    return f2c_arena_strndup(a, buf, (size_t)k);
}

static double dval(const fp_val *v)
{
    return v->it.kind == F2C_FP_INTEGER ? (double)v->it.i : v->it.d;
}

static int conv_int(fp_ev *x, const fp_val *v, fp_val *r)
{
    switch (v->it.kind) {
    case F2C_FP_INTEGER:
        *r = *v;
        r->it.type = "Integer";
        r->fhir = 0;
        r->it.node = NULL;
        r->ext = NULL;
        return 1;
    case F2C_FP_BOOLEAN:
        fp_val_int(r, v->it.i);
        r->it.text = v->it.i ? "1" : "0";
        r->it.len = 1;
        return 1;
    case F2C_FP_STRING: {
        if (!int_text(v->it.text, v->it.len)) return 0;
        char *t = f2c_arena_strndup(x->a, v->it.text, v->it.len);
        if (!t) return -1;
        errno = 0;
        long long i = strtoll(t, NULL, 10);
        if (errno == ERANGE) return 0;
        fp_val_int(r, (int64_t)i);
        if (!(r->it.text = int_text_of(x->a, i, &r->it.len))) return -1;
        return 1;
    }
    default:
        return 0;
    }
}

static int conv_dec(fp_ev *x, const fp_val *v, fp_val *r)
{
    switch (v->it.kind) {
    case F2C_FP_DECIMAL:
    case F2C_FP_INTEGER: {
        double d = dval(v);
        if (v->it.text) {
            fp_val_dec_text(r, d, v->it.text, v->it.len);
        } else if (fp_val_dec(x->a, r, d) != 0) {
            return -1;
        }
        return 1;
    }
    case F2C_FP_BOOLEAN:
        fp_val_dec_text(r, (double)v->it.i, v->it.i ? "1.0" : "0.0", 3);
        return 1;
    case F2C_FP_STRING: {
        if (!dec_text(v->it.text, v->it.len)) return 0;
        size_t n;
        char *c = json_number(x->a, v->it.text, v->it.len, &n);
        if (!c) return -1;
        fp_val_dec_text(r, strtod(c, NULL), c, n);
        return 1;
    }
    default:
        return 0;
    }
}

static int is_calendar_word(const char *u)
{
    static const char *const w[] = {"year",         "month",  "week",        "day",     "hour",
                                    "minute",       "second", "millisecond", "years",   "months",
                                    "weeks",        "days",   "hours",       "minutes", "seconds",
                                    "milliseconds", NULL};
    for (int i = 0; w[i]; i++)
        if (!strcmp(u, w[i])) return 1;
    return 0;
}

static int conv_str(fp_ev *x, const fp_val *v, fp_val *r)
{
    switch (v->it.kind) {
    case F2C_FP_BOOLEAN:
    case F2C_FP_INTEGER:
    case F2C_FP_DECIMAL:
    case F2C_FP_STRING:
    case F2C_FP_DATE:
    case F2C_FP_DATETIME:
    case F2C_FP_TIME:
        if (v->it.kind == F2C_FP_INTEGER && !v->it.text) {
            size_t k;
            char *t = int_text_of(x->a, (long long)v->it.i, &k);
            if (!t) return -1;
            fp_val_str(r, t, k);
            return 1;
        }
        fp_val_str(r, v->it.text, v->it.len);
        return 1;
    case F2C_FP_QUANTITY: {
        /* N1 §5.5.8: value 'unit' (calendar duration words unquoted) */
        const char *u = v->it.unit ? v->it.unit : "1";
        int cal = is_calendar_word(u);
        size_t n = v->it.len + strlen(u) + 4;
        char *t = f2c_arena_alloc(x->a, n + 1);
        if (!t) return -1;
        int k = snprintf(t, n + 1, cal ? "%.*s %s" : "%.*s '%s'", (int)v->it.len, v->it.text, u);
        fp_val_str(r, t, (size_t)k);
        return 1;
    }
    default:
        return 0;
    }
}

/* Date/DateTime/Time conversion to kind k. */
static int conv_dt(fp_ev *x, const fp_val *v, int k, fp_val *r)
{
    fp_dt d;
    if (v->it.kind == F2C_FP_STRING) {
        const char *t = v->it.text;
        size_t n = v->it.len;
        if (k == F2C_FP_TIME && n && t[0] == 'T') t++, n--; /* 'T10:00' as the literal @T10:00 */
        if (fp_dt_parse(t, n, k == F2C_FP_DATE ? F2C_FP_DATETIME : k, &d) != 0) return 0;
        if (k == F2C_FP_DATE && d.prec > 3) return 0; /* '2012-01-01T10:00' is not a Date */
        /* the string as written ('2012'.toDateTime() is 2012, as fhirpath.js) */
        fp_val_dt_text(r, k, t, n);
        return 1;
    }
    if (fp_val_dt(v, &d) != 0 || (d.kind == F2C_FP_TIME) != (k == F2C_FP_TIME)) return 0;
    d.kind = k;
    if (k == F2C_FP_DATE && d.prec > 3) d.prec = 3; /* DateTime -> Date keeps the date part */
    return fp_val_from_dt(x->a, r, &d) ? -1 : 1;
}

/* String quantity: (\+|-)?\d+(\.\d+)? ('unit' | calendar word)? */
static int conv_qty(fp_ev *x, const fp_val *v, fp_val *r)
{
    const char *unit = "1";
    const char *text;
    size_t len;
    double d;
    switch (v->it.kind) {
    case F2C_FP_QUANTITY:
        *r = *v;
        return 1;
    case F2C_FP_INTEGER:
    case F2C_FP_DECIMAL:
        d = dval(v);
        text = v->it.text;
        len = v->it.len;
        break;
    case F2C_FP_BOOLEAN:
        d = (double)v->it.i;
        text = v->it.i ? "1.0" : "0.0";
        len = 3;
        break;
    case F2C_FP_STRING: {
        const char *s = v->it.text;
        size_t n = v->it.len, numlen = dec_prefix(s, n), i = numlen;
        if (!numlen) return 0;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n) {
            if (s[i] == '\'') {
                const char *q = memchr(s + i + 1, '\'', n - i - 1);
                if (!q || q + 1 != s + n || q == s + i + 1) return 0;
                char *u = f2c_arena_strndup(x->a, s + i + 1, (size_t)(q - s - i - 1));
                if (!u) return -1;
                unit = u;
            } else {
                char *u = f2c_arena_strndup(x->a, s + i, n - i);
                if (!u) return -1;
                if (!is_calendar_word(u)) return 0;
                unit = u;
            }
        } else if (numlen != n) {
            return 0; /* trailing blanks only */
        }
        char *t = json_number(x->a, s, numlen, &len);
        if (!t) return -1;
        d = strtod(t, NULL);
        text = t;
        break;
    }
    default:
        return 0;
    }
    return fp_val_qty(x->a, r, d, text, len, unit) ? -1 : 1;
}

static int conv_date(fp_ev *x, const fp_val *v, fp_val *r)
{
    return conv_dt(x, v, F2C_FP_DATE, r);
}
static int conv_datetime(fp_ev *x, const fp_val *v, fp_val *r)
{
    return conv_dt(x, v, F2C_FP_DATETIME, r);
}
static int conv_time(fp_ev *x, const fp_val *v, fp_val *r)
{
    return conv_dt(x, v, F2C_FP_TIME, r);
}

/* toQuantity(unit): the quantity r converted to unit (the UCUM subset of fp_qty_common);
 * *ok = 0 when it cannot be, -1 when the argument is empty (the result is empty). */
static f2c_status qty_in_unit(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_val *r, int *ok)
{
    const char *u;
    size_t un;
    int got;
    f2c_status st = fp_arg_string(x, call, 0, in, env, &u, &un, &got);
    if (st) return st;
    if (!got) {
        *ok = -1;
        return F2C_OK;
    }
    char *uz = f2c_arena_strndup(x->a, u, un);
    if (!uz) return fp_nomem(x);
    double a, b;
    *ok = fp_qty_common(uz, 1, r->it.unit, r->it.d, &a, &b) == 0;
    if (!*ok) return F2C_OK;
    if (strcmp(uz, r->it.unit)) {
        char buf[40];
        size_t n = fp_fmt_double(b, buf);
        r->it.d = b;
        r->it.text = f2c_arena_strndup(x->a, buf, n);
        r->it.len = n;
        if (!r->it.text) return fp_nomem(x);
    }
    r->it.unit = uz;
    return F2C_OK;
}

typedef int (*conv_fn)(fp_ev *x, const fp_val *v, fp_val *r);

/* toX() (test 0) and convertsToX() (test 1): the single input converted by fn.  The only
 * conversion with an argument is toQuantity(unit). */
static f2c_status convert(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                          conv_fn fn, int test, fp_coll *out)
{
    fp_val tmp, r;
    const fp_val *v = NULL;
    f2c_status st = input1(x, call, in, &tmp, &v);
    if (st || !v) return st;
    int ok = fn(x, v, &r);
    if (ok < 0) return fp_nomem(x);
    if (ok && call->nargs) {
        if ((st = qty_in_unit(x, call, in, env, &r, &ok))) return st;
        if (ok < 0) return F2C_OK;
    }
    if (test) return fp_push_bool(x, out, ok);
    return ok ? fp_push(x, out, &r) : F2C_OK;
}

#define CONV_PAIR(to, test, fn) FP_FN_VIA(to, convert, fn, 0) FP_FN_VIA(test, convert, fn, 1)

CONV_PAIR(toBoolean, convertsToBoolean, conv_bool)
CONV_PAIR(toInteger, convertsToInteger, conv_int)
CONV_PAIR(toDecimal, convertsToDecimal, conv_dec)
CONV_PAIR(toString, convertsToString, conv_str)
CONV_PAIR(toDate, convertsToDate, conv_date)
CONV_PAIR(toDateTime, convertsToDateTime, conv_datetime)
CONV_PAIR(toTime, convertsToTime, conv_time)
CONV_PAIR(toQuantity, convertsToQuantity, conv_qty)

/* ---------------------------------------------------------------- math */

static f2c_status math_input(fp_ev *x, const fp_node *call, const fp_coll *in, fp_val *tmp,
                             const fp_val **v, int allow_qty)
{
    f2c_status st = input1(x, call, in, tmp, v);
    if (st || !*v) return st;
    f2c_fp_kind k = (*v)->it.kind;
    if (k == F2C_FP_INTEGER || k == F2C_FP_DECIMAL || (allow_qty && k == F2C_FP_QUANTITY))
        return F2C_OK;
    return fp_fail(x, call->col, "%s() expects a number%s as input, got %s", call->name,
                   allow_qty ? " or Quantity" : "", (*v)->it.type);
}

static f2c_status push_dec_finite(fp_ev *x, fp_coll *out, double d)
{
    return isfinite(d) ? fp_push_dec(x, out, d) : F2C_OK;
}

f2c_status f2c_fp_fn_abs(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    (void)env;
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = math_input(x, call, in, &tmp, &v, 1);
    if (st || !v) return st;
    if (v->it.kind == F2C_FP_INTEGER)
        return v->it.i == INT64_MIN ? F2C_OK
                                    : fp_push_int(x, out, v->it.i < 0 ? -v->it.i : v->it.i);
    if (v->it.kind == F2C_FP_QUANTITY) {
        const char *t = v->it.text;
        size_t n = v->it.len;
        if (n && t[0] == '-') t++, n--;
        return fp_push_qty(x, out, fabs(v->it.d), t, n, v->it.unit);
    }
    if (v->it.d < 0) {
        fp_val r;
        fp_val_dec_text(&r, -v->it.d, v->it.text + 1, v->it.len - 1);
        return fp_push(x, out, &r);
    }
    return fp_push(x, out, v);
}

/* ceiling(), floor(), truncate() (N1 §5.7.2, §5.7.4, §5.7.10): an Integer as it is, a Decimal
 * rounded to an integral value by `to`; empty when that does not fit 64 bits. */
static f2c_status to_integer(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                             double (*to)(double), fp_coll *out)
{
    (void)env;
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = math_input(x, call, in, &tmp, &v, 0);
    if (st || !v) return st;
    if (v->it.kind == F2C_FP_INTEGER) return fp_push_int(x, out, v->it.i);
    fp_dec dec; /* exact on the decimal digits when they are representable */
    if (fp_val_num_dec(v, &dec) == 0) {
        int64_t i;
        if (fp_dec_to_int(&dec, to == floor ? -1 : to == ceil ? 1 : 0, &i)) return F2C_OK;
        return fp_push_int(x, out, i);
    }
    double d = to(v->it.d);
    if (!(fabs(d) < 9.2e18)) return F2C_OK;
    return fp_push_int(x, out, (int64_t)d);
}

FP_FN_VIA(ceiling, to_integer, ceil)
FP_FN_VIA(floor, to_integer, floor)
FP_FN_VIA(truncate, to_integer, trunc)

/* exp(), ln(), sqrt() (N1 §5.7.3, §5.7.5, §5.7.9): f of the number, a Decimal.  Outside f's
 * domain the C library gives NaN or an infinity (ln(0), ln(-1), sqrt(-1)), which, like an
 * overflow, is not finite and so gives empty: no domain test of our own is needed. */
static f2c_status dec_fn(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         double (*f)(double), fp_coll *out)
{
    (void)env;
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = math_input(x, call, in, &tmp, &v, 0);
    if (st || !v) return st;
    return push_dec_finite(x, out, f(dval(v)));
}

FP_FN_VIA(exp, dec_fn, exp)
FP_FN_VIA(ln, dec_fn, log)
FP_FN_VIA(sqrt, dec_fn, sqrt)

/* round([precision]) (N1 §5.7.8): half away from zero... as fhirpath.js (Math.round: half up). */
f2c_status f2c_fp_fn_round(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = math_input(x, call, in, &tmp, &v, 0);
    if (st || !v) return st;
    int64_t p = 0;
    int got = 0;
    if (call->nargs && (st = fp_arg_int(x, call, 0, in, env, &p, &got))) return st;
    if (call->nargs && !got) return F2C_OK;
    if (p < 0)
        return fp_fail(x, call->col, "round() precision must be >= 0, got %lld", (long long)p);
    if (p > 15) p = 15;
    fp_dec dec; /* exact on the decimal digits: 1.005.round(2) = 1.01 */
    if (fp_val_num_dec(v, &dec) == 0) {
        fp_dec_round_half_up(&dec, (int)p);
        char db[F2C_FP_DEC_BUF];
        size_t dn = fp_dec_format(&dec, db);
        char *dt = f2c_arena_strndup(x->a, db, dn);
        if (!dt) return fp_nomem(x);
        fp_val dv;
        fp_val_dec_text(&dv, strtod(dt, NULL), dt, dn);
        return fp_push(x, out, &dv);
    }
    double sc = pow(10, (double)p);
    double r = floor(dval(v) * sc + 0.5) / sc;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", (int)p, r);
    char *t = f2c_arena_strndup(x->a, buf, strlen(buf));
    if (!t) return fp_nomem(x);
    fp_val rv;
    fp_val_dec_text(&rv, r, t, strlen(t));
    return fp_push(x, out, &rv);
}

/* log(base) and power(exponent): op of the input number v and the argument's a, which this
 * fetches and checks for both; op runs only when neither is empty (else the result is empty). */
typedef f2c_status (*math2_op)(fp_ev *x, const fp_val *v, const fp_val *a, fp_coll *out);

static f2c_status math2(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                        math2_op op, fp_coll *out)
{
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = math_input(x, call, in, &tmp, &v, 0);
    if (st || !v) return st;
    fp_coll c = {0};
    if ((st = fp_arg(x, call, 0, in, env, &c))) return st;
    if (c.n > 1)
        return fp_fail(x, call->args[0]->col, "%s() argument: expected a single item, got %zu",
                       call->name, c.n);
    if (!c.n) return F2C_OK;
    if (c.v[0].it.kind != F2C_FP_INTEGER && c.v[0].it.kind != F2C_FP_DECIMAL)
        return fp_fail(x, call->args[0]->col, "%s() argument: expected a number, got %s",
                       call->name, c.v[0].it.type);
    return op(x, v, &c.v[0], out);
}

static f2c_status log_base(fp_ev *x, const fp_val *v, const fp_val *b, fp_coll *out)
{
    double base = dval(b), d = dval(v);
    if (d <= 0 || base <= 0 || base == 1) return F2C_OK;
    return push_dec_finite(x, out, log(d) / log(base));
}

static f2c_status power(fp_ev *x, const fp_val *v, const fp_val *e, fp_coll *out)
{
    double r = pow(dval(v), dval(e));
    if (!isfinite(r)) return F2C_OK; /* e.g. (-1).power(0.5) */
    if (v->it.kind == F2C_FP_INTEGER && e->it.kind == F2C_FP_INTEGER && e->it.i >= 0) {
        if (fabs(r) >= 9.2e18) return F2C_OK;
        /* exact for results that fit: repeated multiplication with overflow checks */
        int64_t acc = 1, base = v->it.i;
        for (int64_t i = 0; i < e->it.i; i++)
            if (__builtin_mul_overflow(acc, base, &acc)) return F2C_OK;
        return fp_push_int(x, out, acc);
    }
    return fp_push_dec(x, out, r);
}

FP_FN_VIA(log, math2, log_base)
FP_FN_VIA(power, math2, power)

/* ---------------------------------------------------------------- lowBoundary / highBoundary */

/* lowBoundary([precision]) / highBoundary([precision]) (FHIRPath 3.0.0 STU functions): the least
 * / greatest value the input may stand for, given the precision it is written with, expressed at
 * `precision`.
 *
 * Numbers: a value written with p decimal places stands for v +- 0.5 * 10^-p (1.0 is anything
 * from 0.95 to 1.05), which is then rounded outward (floor for the low boundary, ceiling for the
 * high one) to `precision` places, default 8 (the spec's Decimal precision; 1.0.lowBoundary() is
 * 0.95000000).  This is done on the decimal digits of the value's text, not on the double: the
 * double nearest 1.05 is below 1.05, and a boundary must not move by a binary rounding error.
 * An Integer counts as a Decimal with no places (N1 implicit conversion: 1.lowBoundary() is 0.5),
 * as in fhirpath.js; a Quantity's value is treated so and its unit kept (FHIRPath 3.0 lists
 * Quantity; fhirpath.js 5.2.0 does not take it).  `precision` beyond BD_MAX_PLACES or negative
 * gives empty (fhirpath.js: empty outside 0..8; we compute exactly, so allow more). */
enum { BD_MAX_DIGITS = 64, BD_MAX_PLACES = 28 };

/* An exact decimal: |value| = dig (ASCII digits, most significant first) * 10^-scale, with at
 * least one integer digit (n > scale). */
typedef struct bd_num {
    int neg;
    int n, scale;
    char dig[BD_MAX_DIGITS];
} bd_num;

static int bd_push_digit(bd_num *b, char c)
{
    if (b->n >= BD_MAX_DIGITS) return -1;
    b->dig[b->n++] = c;
    return 0;
}

/* Reads JSON-number text ("-1.50", "2e-3") into *b.  -1 when it is not one or too long. */
static int bd_parse(const char *s, size_t len, bd_num *b)
{
    size_t i = 0;
    int frac = 0, seen = 0;
    memset(b, 0, sizeof *b);
    if (i < len && (s[i] == '-' || s[i] == '+')) b->neg = s[i++] == '-';
    for (; i < len && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !frac)); i++) {
        if (s[i] == '.') {
            frac = 1;
        } else {
            if (bd_push_digit(b, s[i]) != 0) return -1;
            b->scale += frac;
            seen = 1;
        }
    }
    if (!seen) return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        char ebuf[8], *end;
        size_t el = len - i - 1;
        if (el == 0 || el >= sizeof ebuf) return -1;
        memcpy(ebuf, s + i + 1, el);
        ebuf[el] = '\0';
        long e = strtol(ebuf, &end, 10);
        if (*end || e > BD_MAX_PLACES || e < -BD_MAX_PLACES) return -1;
        b->scale -= (int)e;
        i = len;
    }
    if (i != len) return -1;
    for (; b->scale < 0; b->scale++) /* 1e2: integral digits */
        if (bd_push_digit(b, '0') != 0) return -1;
    if (b->scale > BD_MAX_PLACES + 1) return -1;
    while (b->n <= b->scale) { /* ".5" and "5e-1": a leading integer digit */
        if (b->n >= BD_MAX_DIGITS) return -1;
        memmove(b->dig + 1, b->dig, (size_t)b->n);
        b->dig[0] = '0';
        b->n++;
    }
    return 0;
}

static int bd_is_zero(const bd_num *b)
{
    for (int i = 0; i < b->n; i++)
        if (b->dig[i] != '0') return 0;
    return 1;
}

/* |b| += k or -= k (k in 1..9) in units of the last digit; |b| >= k when subtracting. */
static int bd_add_last(bd_num *b, int k, int add)
{
    int carry = add ? k : -k;
    for (int i = b->n - 1; i >= 0 && carry; i--) {
        int d = b->dig[i] - '0' + carry;
        carry = d > 9 ? 1 : d < 0 ? -1 : 0;
        b->dig[i] = (char)('0' + d - carry * 10);
    }
    if (carry > 0) { /* 9.95 + 0.05: a new top digit */
        if (b->n >= BD_MAX_DIGITS) return -1;
        memmove(b->dig + 1, b->dig, (size_t)b->n);
        b->dig[0] = '1';
        b->n++;
    }
    return 0;
}

/* The boundary of b at `places` decimal places as text into buf (>= BD_MAX_DIGITS + 8). */
static int bd_boundary(bd_num b, int high, int places, char *buf)
{
    /* One more place holds the half unit: v +- 0.5 * 10^-scale = (10v +- 5) * 10^-(scale+1).
     * Zero moves to the side of the boundary asked for; otherwise the magnitude grows for the
     * high boundary of a positive value and the low boundary of a negative one. */
    if (bd_push_digit(&b, '0') != 0) return -1;
    b.scale++;
    if (bd_is_zero(&b)) b.neg = !high;
    int grow = bd_is_zero(&b) || high != b.neg;
    if (bd_add_last(&b, 5, grow) != 0) return -1;
    if (places < b.scale) {
        int cut = b.scale - places, rest = 0;
        for (int i = b.n - cut; i < b.n; i++)
            rest |= b.dig[i] != '0';
        b.n -= cut;
        b.scale = places;
        /* floor / ceiling: away from zero when the direction and the sign agree */
        if (rest && high != b.neg && bd_add_last(&b, 1, 1) != 0) return -1;
    }
    for (; b.scale < places; b.scale++)
        if (bd_push_digit(&b, '0') != 0) return -1;
    char *p = buf;
    if (b.neg && !bd_is_zero(&b)) *p++ = '-';
    int ip = b.n - b.scale, i = 0;
    while (i < ip - 1 && b.dig[i] == '0')
        i++;
    for (; i < b.n; i++) {
        if (i == ip) *p++ = '.';
        *p++ = b.dig[i];
    }
    *p = '\0';
    return 0;
}

/* Date, DateTime, Time: `precision` counts digits as in the spec (Date 4 year, 6 month, 8 day;
 * DateTime also 10 hour, 12 minute, 14 second, 17 millisecond; Time 2, 4, 6, 9), default the
 * finest (8, 17, 9); another number gives empty.  Fields the input lacks become their least /
 * greatest value (@2014-02.highBoundary() = @2014-02-28), fields finer than `precision` are
 * dropped; a missing millisecond is 000 / 999, a written fraction is kept (truncated to
 * milliseconds), as in fhirpath.js.  A DateTime with a time part and no
 * offset may be in any zone, so it gets the earliest (+14:00, low) or latest (-12:00, high)
 * offset, as the SQL on FHIR suite (fn_boundary.json) requires; fhirpath.js 5.2.0 leaves the
 * offset out (docs/fhirpath.md K15).  0, or -1 for an unsupported precision. */
static int dt_boundary(fp_dt *d, int64_t precision, int high)
{
    static const int64_t digits[] = {4, 6, 8, 10, 12, 14, 17}; /* date and time fields */
    int first = d->kind == F2C_FP_TIME ? 3 : 0;                /* Time: from the hour */
    int last = d->kind == F2C_FP_DATE ? 2 : 6;
    int64_t want = precision >= 0 ? precision : digits[last] - (d->kind == F2C_FP_TIME ? 8 : 0);
    int k = -1;
    for (int i = first; i <= last; i++)
        if (digits[i] - (d->kind == F2C_FP_TIME ? 8 : 0) == want) k = i;
    if (k < 0) return -1;
    int prec = k < 6 ? k + 1 : 6; /* fp_dt precision: 1 year .. 6 second */
    int ms = k == 6;
    if (d->prec < 2) d->mo = high ? 12 : 1;
    if (d->prec < 3) {
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (d->y % 4 == 0 && d->y % 100 != 0) || d->y % 400 == 0;
        d->d = !high ? 1 : d->mo == 2 && leap ? 29 : mdays[d->mo - 1];
    }
    if (d->prec < 4) d->h = high ? 23 : 0;
    if (d->prec < 5) d->mi = high ? 59 : 0;
    if (d->prec < 6) d->s = high ? 59 : 0;
    if (ms) {
        /* A written fraction is taken as it is (12:00:00.5 is 12:00:00.500 for `=`, N1 treats
         * seconds and their fraction as one precision); only an absent one is filled. */
        int frac = d->prec >= 6 && d->frac_digits > 0;
        d->ns = frac ? d->ns / 1000000 * 1000000 : high ? 999000000L : 0;
        d->frac_digits = 3;
    } else {
        d->ns = 0;
        d->frac_digits = 0;
    }
    d->prec = prec;
    if (d->kind == F2C_FP_DATETIME) {
        if (prec < 4) {
            d->has_tz = 0;
        } else if (!d->has_tz) {
            d->has_tz = 1;
            d->tz_min = high ? -12 * 60 : 14 * 60;
        }
    }
    return 0;
}

static f2c_status boundary(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           int high, fp_coll *out)
{
    fp_val tmp;
    const fp_val *v = NULL;
    f2c_status st = input1(x, call, in, &tmp, &v);
    if (st || !v) return st;
    int64_t p = -1;
    int got = 0;
    if (call->nargs) {
        if ((st = fp_arg_int(x, call, 0, in, env, &p, &got))) return st;
        if (!got || p < 0) return F2C_OK;
    }
    f2c_fp_kind k = v->it.kind;
    if (k == F2C_FP_DATE || k == F2C_FP_DATETIME || k == F2C_FP_TIME) {
        fp_dt d;
        if (fp_val_dt(v, &d) != 0 || dt_boundary(&d, p, high) != 0) return F2C_OK;
        return fp_push_dt(x, out, &d);
    }
    if (k != F2C_FP_INTEGER && k != F2C_FP_DECIMAL && k != F2C_FP_QUANTITY)
        return fp_fail(x, call->col,
                       "%s() expects a Decimal, Date, DateTime, Time or Quantity as input, got %s",
                       call->name, v->it.type);
    char num[32];
    const char *text = v->it.text;
    size_t len = v->it.len;
    if (k == F2C_FP_INTEGER) {
        len = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->it.i);
        text = num;
    }
    bd_num b;
    char buf[BD_MAX_DIGITS + 8];
    if (p > BD_MAX_PLACES || !text || bd_parse(text, len, &b) != 0 ||
        bd_boundary(b, high, p < 0 ? 8 : (int)p, buf) != 0)
        return F2C_OK; /* beyond what we represent exactly: no answer rather than a wrong one */
    size_t n = strlen(buf);
    char *t = f2c_arena_strndup(x->a, buf, n);
    if (!t) return fp_nomem(x);
    double d = strtod(t, NULL);
    if (k == F2C_FP_QUANTITY) return fp_push_qty(x, out, d, t, n, v->it.unit);
    fp_val r;
    fp_val_dec_text(&r, d, t, n);
    return fp_push(x, out, &r);
}

FP_FN_VIA(lowBoundary, boundary, 0)
FP_FN_VIA(highBoundary, boundary, 1)

/* ---------------------------------------------------------------- is() / as() */

/* is(type) and as(type) (N1 §6.3): on a single item, which as() gives when it is of the type. */
static f2c_status type_fn(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                          int as, fp_coll *out)
{
    (void)env;
    if (in->n > 1)
        return fp_fail(x, call->col, "%s() expected a single item as input, got %zu", call->name,
                       in->n);
    if (!in->n) return F2C_OK;
    int ok = fp_is_type(&in->v[0], &call->type);
    if (!as) return fp_push_bool(x, out, ok);
    return ok ? fp_push(x, out, &in->v[0]) : F2C_OK;
}

FP_FN_VIA(is, type_fn, 0)
FP_FN_VIA(as, type_fn, 1)
