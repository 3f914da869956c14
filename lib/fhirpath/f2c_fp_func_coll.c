/*
 * f2c_fp_func_coll: the collection functions — existence (FHIRPath N1 §5.1), filtering and
 * projection (§5.2), subsetting (§5.3), combining (§5.4), aggregates (§7) and iif (§5.5.1).
 *
 * Why it is shaped so: these functions are about collections, not item values, so they share
 * one file and three helpers from the evaluator: fp_lambda (argument evaluated per item with
 * $this/$index), fp_arg_root (collection argument evaluated from the enclosing $this, as
 * fhirpath.js does, so `a.union(b)` sees the resource) and fp_coll_has (membership by `=`).
 * Membership tests are linear scans: collections in resources are small, and a hash of
 * arbitrary JSON values would cost more than it saves.  A criterion counts as true when it
 * gives a single true, or a single non-Boolean item (N1 §4.5 singleton evaluation); more than
 * one item is an error.
 */
#include "f2c_fp_int.h"

#include <string.h>

/* Criterion of where/all/exists/iif/select: *t = 1 when true. */
static f2c_status criterion(fp_ev *x, const fp_node *call, const fp_node *expr, const fp_val *item,
                            int64_t index, const fp_env *env, int *t)
{
    fp_coll r = {0};
    f2c_status st = fp_lambda(x, expr, item, index, env, &r);
    if (st) return st;
    int b;
    if ((st = fp_single_bool(x, &r, call->col, &b))) return st;
    *t = b == 1;
    return F2C_OK;
}

/* ---------------------------------------------------------------- existence */

f2c_status f2c_fp_fn_empty(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    (void)call, (void)env;
    return fp_push_bool(x, out, in->n == 0);
}

f2c_status f2c_fp_fn_exists(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            fp_coll *out)
{
    if (!call->nargs) return fp_push_bool(x, out, in->n > 0);
    for (size_t i = 0; i < in->n; i++) {
        int t;
        f2c_status st = criterion(x, call, call->args[0], &in->v[i], (int64_t)i, env, &t);
        if (st) return st;
        if (t) return fp_push_bool(x, out, 1);
    }
    return fp_push_bool(x, out, 0);
}

f2c_status f2c_fp_fn_all(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    for (size_t i = 0; i < in->n; i++) {
        int t;
        f2c_status st = criterion(x, call, call->args[0], &in->v[i], (int64_t)i, env, &t);
        if (st) return st;
        if (!t) return fp_push_bool(x, out, 0);
    }
    return fp_push_bool(x, out, 1);
}

/* allTrue/anyTrue/allFalse/anyFalse over Boolean items (N1 §5.1.5-8); other items are an
 * error. */
static f2c_status bools(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                        int want, int all, fp_coll *out)
{
    (void)env;
    for (size_t i = 0; i < in->n; i++) {
        const fp_val *v = &in->v[i];
        if (v->it.kind != F2C_FP_BOOLEAN)
            return fp_fail(x, call->col, "%s() expects Boolean items, got %s", call->name,
                           v->it.type);
        int hit = (int)v->it.i == want;
        if (all && !hit) return fp_push_bool(x, out, 0);
        if (!all && hit) return fp_push_bool(x, out, 1);
    }
    return fp_push_bool(x, out, all);
}

FP_FN_VIA(allTrue, bools, 1, 1)
FP_FN_VIA(anyTrue, bools, 1, 0)
FP_FN_VIA(allFalse, bools, 0, 1)
FP_FN_VIA(anyFalse, bools, 0, 0)

static int subset(fp_ev *x, const fp_coll *a, const fp_coll *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!fp_coll_has(x, b, &a->v[i])) return 0;
    return 1;
}

f2c_status f2c_fp_fn_subsetOf(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    return fp_push_bool(x, out, subset(x, in, &other));
}

f2c_status f2c_fp_fn_supersetOf(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                                fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    return fp_push_bool(x, out, subset(x, &other, in));
}

f2c_status f2c_fp_fn_count(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    (void)call, (void)env;
    return fp_push_int(x, out, (int64_t)in->n);
}

static f2c_status distinct(fp_ev *x, const fp_coll *in, fp_coll *out)
{
    for (size_t i = 0; i < in->n; i++) {
        if (fp_coll_has(x, out, &in->v[i])) continue;
        f2c_status st = fp_push(x, out, &in->v[i]);
        if (st) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_distinct(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out)
{
    (void)call, (void)env;
    return distinct(x, in, out);
}

f2c_status f2c_fp_fn_isDistinct(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                                fp_coll *out)
{
    (void)call, (void)env;
    fp_coll d = {0};
    f2c_status st = distinct(x, in, &d);
    if (st) return st;
    return fp_push_bool(x, out, d.n == in->n);
}

/* ---------------------------------------------------------------- filtering and projection */

f2c_status f2c_fp_fn_where(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    for (size_t i = 0; i < in->n; i++) {
        int t;
        f2c_status st = criterion(x, call, call->args[0], &in->v[i], (int64_t)i, env, &t);
        if (st) return st;
        if (t && (st = fp_push(x, out, &in->v[i]))) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_select(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            fp_coll *out)
{
    for (size_t i = 0; i < in->n; i++) {
        fp_coll r = {0};
        f2c_status st = fp_lambda(x, call->args[0], &in->v[i], (int64_t)i, env, &r);
        if (st) return st;
        if ((st = fp_append(x, out, &r))) return st;
    }
    return F2C_OK;
}

/* repeat(projection) (N1 §5.2.4): projection applied to the input, then to each new item,
 * while it yields items not already in the output (by `=`).  A queue, not recursion. */
f2c_status f2c_fp_fn_repeat(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            fp_coll *out)
{
    size_t next = 0;
    fp_coll work = *in;
    /* items of `in` are processed first, then each item appended to out */
    for (size_t i = 0; i < work.n; i++) {
        fp_coll r = {0};
        f2c_status st = fp_lambda(x, call->args[0], &work.v[i], (int64_t)i, env, &r);
        if (st) return st;
        for (size_t k = 0; k < r.n; k++)
            if (!fp_coll_has(x, out, &r.v[k]) && (st = fp_push(x, out, &r.v[k]))) return st;
    }
    while (next < out->n) {
        fp_val item = out->v[next];
        fp_coll r = {0};
        f2c_status st = fp_lambda(x, call->args[0], &item, (int64_t)next, env, &r);
        if (st) return st;
        next++;
        for (size_t k = 0; k < r.n; k++)
            if (!fp_coll_has(x, out, &r.v[k]) && (st = fp_push(x, out, &r.v[k]))) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_ofType(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            fp_coll *out)
{
    (void)env;
    for (size_t i = 0; i < in->n; i++) {
        if (!fp_of_type(&in->v[i], &call->type)) continue;
        f2c_status st = fp_push(x, out, &in->v[i]);
        if (st) return st;
    }
    return F2C_OK;
}

/* ---------------------------------------------------------------- subsetting */

f2c_status f2c_fp_fn_single(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            fp_coll *out)
{
    (void)env;
    if (in->n > 1) return fp_fail(x, call->col, "single(): expected a single item, got %zu", in->n);
    return fp_append(x, out, in);
}

f2c_status f2c_fp_fn_first(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    (void)call, (void)env;
    return in->n ? fp_push(x, out, &in->v[0]) : F2C_OK;
}

f2c_status f2c_fp_fn_last(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                          fp_coll *out)
{
    (void)call, (void)env;
    return in->n ? fp_push(x, out, &in->v[in->n - 1]) : F2C_OK;
}

static f2c_status slice(fp_ev *x, const fp_coll *in, size_t from, size_t to, fp_coll *out)
{
    for (size_t i = from; i < to && i < in->n; i++) {
        f2c_status st = fp_push(x, out, &in->v[i]);
        if (st) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_tail(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                          fp_coll *out)
{
    (void)call, (void)env;
    return slice(x, in, 1, in->n, out);
}

/* skip(n) / take(n) (N1 §5.3): the items after the first n, or the first n; n <= 0 skips
 * nothing / takes nothing. */
static f2c_status skip_take(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            int take, fp_coll *out)
{
    int64_t n;
    int got;
    f2c_status st = fp_arg_int(x, call, 0, in, env, &n, &got);
    if (st || !got) return st;
    size_t k = n <= 0 ? 0 : (uint64_t)n > in->n ? in->n : (size_t)n;
    return take ? slice(x, in, 0, k, out) : slice(x, in, k, in->n, out);
}

FP_FN_VIA(skip, skip_take, 0)
FP_FN_VIA(take, skip_take, 1)

f2c_status f2c_fp_fn_intersect(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                               fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    for (size_t i = 0; i < in->n; i++) {
        if (!fp_coll_has(x, &other, &in->v[i]) || fp_coll_has(x, out, &in->v[i])) continue;
        if ((st = fp_push(x, out, &in->v[i]))) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_exclude(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                             fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    for (size_t i = 0; i < in->n; i++) {
        if (fp_coll_has(x, &other, &in->v[i])) continue;
        if ((st = fp_push(x, out, &in->v[i]))) return st;
    }
    return F2C_OK;
}

/* ---------------------------------------------------------------- combining */

f2c_status f2c_fp_fn_union(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    if ((st = distinct(x, in, out))) return st;
    return distinct(x, &other, out);
}

f2c_status f2c_fp_fn_combine(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                             fp_coll *out)
{
    fp_coll other = {0};
    f2c_status st = fp_arg_root(x, call, 0, env, &other);
    if (st) return st;
    if ((st = fp_append(x, out, in))) return st;
    return fp_append(x, out, &other);
}

/* ---------------------------------------------------------------- iif and aggregates */

/* iif(criterion, true-result [, otherwise-result]) (N1 §5.5.1): the criterion and the chosen
 * branch see the input as focus and $this; the other branch is not evaluated. */
f2c_status f2c_fp_fn_iif(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    fp_env e2 = *env;
    e2.this_ = in;
    fp_coll c = {0};
    f2c_status st = fp_eval(x, call->args[0], in, &e2, &c);
    if (st) return st;
    int b;
    if ((st = fp_single_bool(x, &c, call->args[0]->col, &b))) return st;
    if (b == 1) return fp_eval(x, call->args[1], in, &e2, out);
    if (call->nargs == 3) return fp_eval(x, call->args[2], in, &e2, out);
    return F2C_OK;
}

/* aggregate(aggregator [, init]) (N1 §7.1): $total starts as init and becomes each step's
 * result. */
f2c_status f2c_fp_fn_aggregate(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                               fp_coll *out)
{
    fp_coll total = {0};
    f2c_status st;
    if (call->nargs == 2 && (st = fp_arg_root(x, call, 1, env, &total))) return st;
    for (size_t i = 0; i < in->n; i++) {
        fp_env e2 = *env;
        e2.total = &total;
        fp_coll r = {0};
        if ((st = fp_lambda(x, call->args[0], &in->v[i], (int64_t)i, &e2, &r))) return st;
        total = r;
    }
    return fp_append(x, out, &total);
}

f2c_status f2c_fp_fn_sum(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    (void)env;
    if (!in->n) return F2C_OK; /* as fhirpath.js; sum() is not in N1 */
    fp_coll acc = {0};
    f2c_status st = fp_push(x, &acc, &in->v[0]);
    for (size_t i = 1; !st && i < in->n; i++) {
        fp_coll r = {0};
        if ((st = fp_arith(x, FP_OP_ADD, &acc.v[0], &in->v[i], call->col, &r))) return st;
        if (!r.n) return F2C_OK;
        acc = r;
    }
    if (st) return st;
    fp_val tmp;
    const fp_val *v = fp_system(x, &acc.v[0], &tmp);
    if (v->it.kind != F2C_FP_INTEGER && v->it.kind != F2C_FP_DECIMAL &&
        v->it.kind != F2C_FP_QUANTITY)
        return fp_fail(x, call->col, "sum() expects numbers or Quantities, got %s", v->it.type);
    return fp_push(x, out, v);
}

static f2c_status minmax(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         int want, fp_coll *out)
{
    (void)env;
    if (!in->n) return F2C_OK;
    const fp_val *best = &in->v[0];
    for (size_t i = 1; i < in->n; i++) {
        int c;
        f2c_status st = fp_item_compare(x, &in->v[i], best, call->col, &c);
        if (st) return st;
        if (c == 2) return F2C_OK; /* not comparable at this precision */
        if (c == want) best = &in->v[i];
    }
    if (in->n == 1) {
        int c;
        f2c_status st = fp_item_compare(x, best, best, call->col, &c);
        if (st) return st;
    }
    return fp_push(x, out, best);
}

FP_FN_VIA(min, minmax, -1)
FP_FN_VIA(max, minmax, 1)

f2c_status f2c_fp_fn_avg(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    if (!in->n) return F2C_OK;
    fp_coll s = {0};
    f2c_status st = f2c_fp_fn_sum(x, call, in, env, &s);
    if (st || !s.n) return st;
    fp_val cnt;
    fp_val_int(&cnt, (int64_t)in->n);
    return fp_arith(x, FP_OP_DIV, &s.v[0], &cnt, call->col, out);
}
