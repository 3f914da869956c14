/*
 * f2c_fp_func_fhir: functions about the FHIR tree and the environment — the FHIR additions
 * (FHIR R4 §2.9.1.5 "FHIRPath ... additional functions": extension(), hasValue(), getValue(),
 * resolve()), SQL on FHIR v2's getResourceKey()/getReferenceKey(), tree navigation (N1 §5.8
 * children/descendants), utilities (N1 §5.9 trace/now/today/timeOfDay) and not() (N1 §6.5).
 *
 * Why it is shaped so: these are the functions that look at JSON structure or at the
 * evaluation context rather than at item values, so they sit next to each other and use the
 * evaluator's navigation (fp_nav_member / fp_nav_children) instead of walking cJSON
 * themselves.  resolve() returns empty: the engine evaluates one resource at a time and has
 * no server or bundle index (a documented gap).  now()/today() come from the value fixed for
 * the evaluation (f2c_fp_ctx_set_now, or the clock read once per evaluation, when first asked).
 */
#include "f2c_fp_int.h"

#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"

f2c_status f2c_fp_fn_not(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    (void)env;
    int b;
    f2c_status st = fp_single_bool(x, in, call->col, &b);
    if (st || b < 0) return st;
    return fp_push_bool(x, out, !b);
}

/* extension(url): the item's extensions (also a primitive's, from "_name") with that url. */
f2c_status f2c_fp_fn_extension(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                               fp_coll *out)
{
    const char *url;
    size_t un;
    int got;
    f2c_status st = fp_arg_string(x, call, 0, in, env, &url, &un, &got);
    if (st || !got) return st;
    for (size_t i = 0; i < in->n; i++) {
        fp_coll ext = {0};
        if ((st = fp_nav_member(x, &in->v[i], "extension", "_extension", 0, &ext))) return st;
        for (size_t k = 0; k < ext.n; k++) {
            const cJSON *o = ext.v[k].it.node;
            const cJSON *u = ext.v[k].it.kind == F2C_FP_OBJECT ? fp_json_member(o, "url") : NULL;
            if (!cJSON_IsString(u) || strlen(u->valuestring) != un ||
                memcmp(u->valuestring, url, un))
                continue;
            if ((st = fp_push(x, out, &ext.v[k]))) return st;
        }
    }
    return F2C_OK;
}

/* hasValue(): a single FHIR primitive (or System value) that has a value. */
f2c_status f2c_fp_fn_hasValue(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out)
{
    (void)call, (void)env;
    int ok = in->n == 1 && !in->v[0].noval && in->v[0].it.kind != F2C_FP_OBJECT;
    return fp_push_bool(x, out, ok);
}

/* getValue(): the System value of a single primitive with a value. */
f2c_status f2c_fp_fn_getValue(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out)
{
    (void)call, (void)env;
    if (in->n != 1 || in->v[0].noval || in->v[0].it.kind == F2C_FP_OBJECT) return F2C_OK;
    fp_val v = in->v[0];
    static const char *const names[] = {"Boolean", "Integer",  "Decimal", "String",
                                        "Date",    "DateTime", "Time",    "Quantity"};
    v.it.type = names[v.it.kind];
    v.fhir = 0;
    v.ext = NULL;
    return fp_push(x, out, &v);
}

f2c_status f2c_fp_fn_resolve(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                             fp_coll *out)
{
    (void)x, (void)call, (void)in, (void)env, (void)out;
    return F2C_OK;
}

/* getResourceKey() (SQL on FHIR v2): the id of each resource in the input. */
f2c_status f2c_fp_fn_getResourceKey(fp_ev *x, const fp_node *call, const fp_coll *in,
                                    const fp_env *env, fp_coll *out)
{
    (void)call, (void)env;
    for (size_t i = 0; i < in->n; i++) {
        const fp_val *v = &in->v[i];
        if (v->it.kind != F2C_FP_OBJECT || v->noval) continue;
        if (!cJSON_IsString(fp_json_member(v->it.node, "resourceType"))) continue;
        const cJSON *id = fp_json_member(v->it.node, "id");
        if (!cJSON_IsString(id)) continue;
        f2c_status st = fp_push_str(x, out, id->valuestring, strlen(id->valuestring), 1);
        if (st) return st;
    }
    return F2C_OK;
}

/*
 * getReferenceKey([type]) (SQL on FHIR v2): for each Reference, the id part of `reference` —
 * "Type/id", optionally absolute ("http://server/fhir/Patient/123") or versioned
 * ("Patient/123/_history/2") -> "123", the key getResourceKey() gives that resource.  Type is
 * [A-Z][A-Za-z]+ and id [A-Za-z0-9-.]{1,64} (FHIR R4 §2.1 id).  Other references (contained
 * "#x", "urn:uuid:...", conditional "Patient?identifier=...") have no key.  With a type
 * argument, only references to that type.
 */
static int id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

static int ref_key(const char *s, const char **id, size_t *idn, const char **type, size_t *typen)
{
    size_t n = strlen(s);
    /* drop a trailing /_history/<version> */
    const char *h = NULL;
    for (const char *p = strstr(s, "/_history/"); p; p = strstr(p + 1, "/_history/"))
        h = p;
    if (h) {
        const char *v = h + 10;
        size_t vn = (size_t)(s + n - v);
        if (!vn || vn > 64) return 0;
        for (size_t i = 0; i < vn; i++)
            if (!id_char(v[i])) return 0;
        n = (size_t)(h - s);
    }
    const char *end = s + n, *slash = end;
    while (slash > s && slash[-1] != '/')
        slash--;
    if (slash == s) return 0; /* no '/' */
    *id = slash;
    *idn = (size_t)(end - slash);
    if (!*idn || *idn > 64) return 0;
    for (size_t i = 0; i < *idn; i++)
        if (!id_char(slash[i])) return 0;
    const char *tend = slash - 1, *t = tend;
    while (t > s && t[-1] != '/')
        t--;
    *type = t;
    *typen = (size_t)(tend - t);
    if (*typen < 2 || !(t[0] >= 'A' && t[0] <= 'Z')) return 0;
    for (size_t i = 1; i < *typen; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z'))) return 0;
    return 1;
}

f2c_status f2c_fp_fn_getReferenceKey(fp_ev *x, const fp_node *call, const fp_coll *in,
                                     const fp_env *env, fp_coll *out)
{
    (void)env;
    for (size_t i = 0; i < in->n; i++) {
        const fp_val *v = &in->v[i];
        if (v->it.kind != F2C_FP_OBJECT || v->noval) continue;
        const cJSON *r = fp_json_member(v->it.node, "reference");
        if (!cJSON_IsString(r)) continue;
        const char *id, *type;
        size_t idn, typen;
        if (!ref_key(r->valuestring, &id, &idn, &type, &typen)) continue;
        if (call->nargs &&
            (strlen(call->type.name) != typen || memcmp(call->type.name, type, typen)))
            continue;
        f2c_status st = fp_push_str(x, out, id, idn, 1);
        if (st) return st;
    }
    return F2C_OK;
}

f2c_status f2c_fp_fn_children(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              fp_coll *out)
{
    (void)call, (void)env;
    for (size_t i = 0; i < in->n; i++) {
        f2c_status st = fp_nav_children(x, &in->v[i], out);
        if (st) return st;
    }
    return F2C_OK;
}

/* descendants() = repeat(children()) (N1 §5.8.2), breadth first; the tree has no cycles, so
 * every node is visited once (duplicates by value are kept: they are different nodes). */
f2c_status f2c_fp_fn_descendants(fp_ev *x, const fp_node *call, const fp_coll *in,
                                 const fp_env *env, fp_coll *out)
{
    (void)call, (void)env;
    f2c_status st;
    for (size_t i = 0; i < in->n; i++)
        if ((st = fp_nav_children(x, &in->v[i], out))) return st;
    for (size_t next = 0; next < out->n; next++) {
        fp_val item = out->v[next];
        if ((st = fp_nav_children(x, &item, out))) return st;
    }
    return F2C_OK;
}

/* trace(name [, projection]): reports to the context's callback; returns the input. */
f2c_status f2c_fp_fn_trace(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    const char *name;
    size_t nn;
    int got;
    f2c_status st = fp_arg_string(x, call, 0, in, env, &name, &nn, &got);
    if (st) return st;
    char *nz = f2c_arena_strndup(x->a, got ? name : "", got ? nn : 0);
    if (!nz) return fp_nomem(x);
    if (call->nargs == 2) {
        fp_coll proj = {0};
        fp_env e2 = *env;
        e2.this_ = in;
        if ((st = fp_eval(x, call->args[1], in, &e2, &proj))) return st;
        if ((st = fp_trace(x, nz, &proj))) return st;
    } else if ((st = fp_trace(x, nz, in))) {
        return st;
    }
    return fp_append(x, out, in);
}

/* The instant of this evaluation (N1 §5.9: now() is the same throughout one evaluation): the
 * context's fixed value, else the clock, read on first use and then kept in x. */
static f2c_status eval_now(fp_ev *x, const fp_node *call, fp_dt *out)
{
    if (!x->now_read) {
        if (x->c->has_now)
            x->now = x->c->now;
        else if (fp_dt_now(&x->now) != 0)
            return fp_fail(x, call->col, "cannot read the clock");
        x->now_read = 1;
    }
    *out = x->now;
    return F2C_OK;
}

f2c_status f2c_fp_fn_now(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                         fp_coll *out)
{
    (void)in, (void)env;
    fp_dt d;
    f2c_status st = eval_now(x, call, &d);
    return st ? st : fp_push_dt(x, out, &d);
}

f2c_status f2c_fp_fn_today(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                           fp_coll *out)
{
    (void)in, (void)env;
    fp_dt d;
    f2c_status st = eval_now(x, call, &d);
    if (st) return st;
    d.kind = F2C_FP_DATE;
    d.prec = 3;
    return fp_push_dt(x, out, &d);
}

f2c_status f2c_fp_fn_timeOfDay(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                               fp_coll *out)
{
    (void)in, (void)env;
    fp_dt d;
    f2c_status st = eval_now(x, call, &d);
    if (st) return st;
    d.kind = F2C_FP_TIME;
    return fp_push_dt(x, out, &d);
}
