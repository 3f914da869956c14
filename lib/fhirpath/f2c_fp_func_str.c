/*
 * f2c_fp_func_str: the string functions (FHIRPath N1 §5.6) and regular expressions.
 *
 * Why it is shaped so: strings are UTF-8 everywhere in the library, and FHIRPath counts
 * characters, so positions and lengths (indexOf, substring, length, toChars) count Unicode
 * code points — not bytes, and not UTF-16 units as JavaScript (fhirpath.js) does; the two
 * differ only for characters outside the Basic Multilingual Plane.  upper()/lower() use
 * libunistring's full Unicode case mapping, written into the arena.  matches() and
 * replaceMatches() use PCRE2 with UTF and DOTALL ("single line" mode, N1 §5.6.9), unanchored
 * (a partial match, as fhirpath.js); a literal pattern is compiled once by f2c_fp_compile, other
 * patterns per call.  PCRE2 match data is cached in the context and grown as needed, so
 * matching allocates only when a pattern has more groups than any before it.  Most functions
 * are an operation on the input String and at most one String argument: string_fn fetches and
 * checks those once for all of them (an empty one gives empty), so each is only its operation.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "f2c_fp_int.h"
#include "f2c_fp_regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>

/* ---------------------------------------------------------------- UTF-8 helpers */

static size_t u8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte offset just past the character that starts at s[i]. */
static size_t u8_next(const char *s, size_t n, size_t i)
{
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* Byte offset of character index ci (clamped to n). */
static size_t u8_offset(const char *s, size_t n, size_t ci)
{
    size_t i = 0;
    for (; i < n && ci; ci--)
        i = u8_next(s, n, i);
    return i;
}

static const char *find(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (!nn) return h;
    if (nn > hn) return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == nd[0] && !memcmp(h + i, nd, nn)) return h + i;
    return NULL;
}

/* The input String and, when the function has arguments, argument 0 as a String: *ok = 0 when
 * either is empty (the result is empty). */
static f2c_status str_and_arg(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                              const char **s, size_t *n, const char **a, size_t *an, int *ok)
{
    *ok = 0;
    *a = NULL;
    *an = 0;
    f2c_status st = fp_input_string(x, call, in, s, n);
    if (st || !*s) return st;
    int got = 1;
    if (call->nargs && (st = fp_arg_string(x, call, 0, in, env, a, an, &got))) return st;
    *ok = got;
    return F2C_OK;
}

/* The operands of a string function: the input String s and, for those that take one, the
 * String argument a. */
typedef struct str_operands {
    const char *s, *a;
    size_t n, an;
} str_operands;

typedef f2c_status (*str_op)(fp_ev *x, const str_operands *o, fp_coll *out);

/* A function of the input String (and its String argument), computed by op: the operands are
 * fetched and checked here, once for all, and op runs only when none is empty. */
static f2c_status string_fn(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            str_op op, fp_coll *out)
{
    str_operands o;
    int ok;
    f2c_status st = str_and_arg(x, call, in, env, &o.s, &o.n, &o.a, &o.an, &ok);
    if (st || !ok) return st;
    return op(x, &o, out);
}

/* ---------------------------------------------------------------- functions */

static f2c_status index_of(fp_ev *x, const str_operands *o, fp_coll *out)
{
    const char *p = find(o->s, o->n, o->a, o->an);
    return fp_push_int(x, out, p ? (int64_t)u8_chars(o->s, (size_t)(p - o->s)) : -1);
}

/* lastIndexOf(substring) (FHIRPath 3.0 / R5 addition, in fhirpath.js): last position or -1. */
static f2c_status last_index_of(fp_ev *x, const str_operands *o, fp_coll *out)
{
    if (o->an > o->n) return fp_push_int(x, out, -1);
    for (size_t i = o->n - o->an + 1; i-- > 0;)
        if (!memcmp(o->s + i, o->a, o->an)) return fp_push_int(x, out, (int64_t)u8_chars(o->s, i));
    return fp_push_int(x, out, -1);
}

static f2c_status starts_with(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return fp_push_bool(x, out, o->an <= o->n && !memcmp(o->s, o->a, o->an));
}

static f2c_status ends_with(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return fp_push_bool(x, out, o->an <= o->n && !memcmp(o->s + o->n - o->an, o->a, o->an));
}

static f2c_status contains(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return fp_push_bool(x, out, find(o->s, o->n, o->a, o->an) != NULL);
}

static f2c_status casemap(fp_ev *x, const str_operands *o, int up, fp_coll *out)
{
    size_t cap = o->n * 3 + 8, len = cap;
    uint8_t *buf = f2c_arena_alloc(x->a, cap);
    if (!buf) return fp_nomem(x);
    uint8_t *r = up ? u8_toupper((const uint8_t *)o->s, o->n, NULL, NULL, buf, &len)
                    : u8_tolower((const uint8_t *)o->s, o->n, NULL, NULL, buf, &len);
    if (!r) return fp_nomem(x); /* invalid UTF-8 cannot come from JSON; ENOMEM otherwise */
    if (r != buf) {
        char *c = f2c_arena_strndup(x->a, (const char *)r, len);
        free(r);
        if (!c) return fp_nomem(x);
        return fp_push_str(x, out, c, len, 1);
    }
    return fp_push_str(x, out, (const char *)buf, len, 1);
}

static f2c_status upper(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return casemap(x, o, 1, out);
}

static f2c_status lower(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return casemap(x, o, 0, out);
}

static f2c_status length(fp_ev *x, const str_operands *o, fp_coll *out)
{
    return fp_push_int(x, out, (int64_t)u8_chars(o->s, o->n));
}

/* toChars(), and split('') */
static f2c_status to_chars(fp_ev *x, const str_operands *o, fp_coll *out)
{
    for (size_t i = 0, j; i < o->n; i = j) {
        j = u8_next(o->s, o->n, i);
        f2c_status st = fp_push_str(x, out, o->s + i, j - i, 1);
        if (st) return st;
    }
    return F2C_OK;
}

static f2c_status split(fp_ev *x, const str_operands *o, fp_coll *out)
{
    if (!o->an) return to_chars(x, o, out);
    const char *cur = o->s, *end = o->s + o->n, *hit;
    while ((hit = find(cur, (size_t)(end - cur), o->a, o->an))) {
        f2c_status st = fp_push_str(x, out, cur, (size_t)(hit - cur), 1);
        if (st) return st;
        cur = hit + o->an;
    }
    return fp_push_str(x, out, cur, (size_t)(end - cur), 1);
}

static int ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static f2c_status trim(fp_ev *x, const str_operands *o, fp_coll *out)
{
    const char *s = o->s;
    size_t n = o->n;
    while (n && ws(*s))
        s++, n--;
    while (n && ws(s[n - 1]))
        n--;
    return fp_push_str(x, out, s, n, 1);
}

FP_FN_VIA(indexOf, string_fn, index_of)
FP_FN_VIA(lastIndexOf, string_fn, last_index_of)
FP_FN_VIA(startsWith, string_fn, starts_with)
FP_FN_VIA(endsWith, string_fn, ends_with)
FP_FN_VIA(contains, string_fn, contains)
FP_FN_VIA(upper, string_fn, upper)
FP_FN_VIA(lower, string_fn, lower)
FP_FN_VIA(length, string_fn, length)
FP_FN_VIA(toChars, string_fn, to_chars)
FP_FN_VIA(split, string_fn, split)
FP_FN_VIA(trim, string_fn, trim)

f2c_status f2c_fp_fn_substring(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                               fp_coll *out)
{
    const char *s;
    size_t n;
    f2c_status st = fp_input_string(x, call, in, &s, &n);
    if (st || !s) return st;
    int64_t start, len = 0;
    int got, glen = 0;
    if ((st = fp_arg_int(x, call, 0, in, env, &start, &got))) return st;
    if (!got) return F2C_OK;
    if (call->nargs == 2 && (st = fp_arg_int(x, call, 1, in, env, &len, &glen))) return st;
    size_t chars = u8_chars(s, n);
    if (start < 0 || (uint64_t)start >= chars) return F2C_OK;
    size_t b = u8_offset(s, n, (size_t)start);
    size_t e = n;
    if (glen) {
        if (len <= 0) return fp_push_str(x, out, "", 0, 1);
        e = b + u8_offset(s + b, n - b, (uint64_t)len > chars ? chars : (size_t)len);
    }
    return fp_push_str(x, out, s + b, e - b, 1);
}

/* replace(pattern, substitution) (N1 §5.6.8): every occurrence; an empty pattern inserts the
 * substitution around every character. */
f2c_status f2c_fp_fn_replace(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                             fp_coll *out)
{
    const char *s, *p, *r;
    size_t n, pn, rn;
    int ok, got;
    f2c_status st = str_and_arg(x, call, in, env, &s, &n, &p, &pn, &ok);
    if (st || !ok) return st;
    if ((st = fp_arg_string(x, call, 1, in, env, &r, &rn, &got)) || !got) return st;
    f2c_buf b = {0};
    int rc = 0;
    if (!pn) {
        rc |= f2c_buf_append(&b, r, rn);
        for (size_t i = 0, j; i < n; i = j) {
            j = u8_next(s, n, i);
            rc |= f2c_buf_append(&b, s + i, j - i);
            rc |= f2c_buf_append(&b, r, rn);
        }
    } else {
        const char *cur = s, *end = s + n, *hit;
        while ((hit = find(cur, (size_t)(end - cur), p, pn))) {
            rc |= f2c_buf_append(&b, cur, (size_t)(hit - cur));
            rc |= f2c_buf_append(&b, r, rn);
            cur = hit + pn;
        }
        rc |= f2c_buf_append(&b, cur, (size_t)(end - cur));
    }
    if (rc) {
        f2c_buf_free(&b);
        return fp_nomem(x);
    }
    st = fp_push_str(x, out, b.data ? b.data : "", b.len, 0);
    f2c_buf_free(&b);
    return st;
}

/* join([separator]) (FHIRPath 3.0): the input Strings joined.  Empty input gives the empty
 * String '', not empty: the SQL on FHIR v2 suite (fhirpath.json "string join") requires it for a
 * patient without given names, although the FHIRPath text says "If the input is empty, the
 * result is empty" and fhirpath.js 5.2.0 returns empty (docs/fhirpath.md K14).  A join of
 * nothing is naturally the identity of concatenation, and view columns must pass the suite. */
f2c_status f2c_fp_fn_join(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                          fp_coll *out)
{
    const char *sep = "";
    size_t sn = 0;
    int got = 0;
    f2c_status st;
    if (call->nargs && (st = fp_arg_string(x, call, 0, in, env, &sep, &sn, &got))) return st;
    if (call->nargs && !got) sep = "", sn = 0;
    size_t total = 0;
    for (size_t i = 0; i < in->n; i++) {
        const fp_val *v = &in->v[i];
        if (v->it.kind != F2C_FP_STRING && v->it.kind != F2C_FP_DATE &&
            v->it.kind != F2C_FP_DATETIME && v->it.kind != F2C_FP_TIME)
            return fp_fail(x, call->col, "join() expects String items, got %s", v->it.type);
        total += v->it.len + (i ? sn : 0);
    }
    char *buf = f2c_arena_alloc(x->a, total + 1);
    if (!buf) return fp_nomem(x);
    size_t w = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (i) memcpy(buf + w, sep, sn), w += sn;
        memcpy(buf + w, in->v[i].it.text, in->v[i].it.len);
        w += in->v[i].it.len;
    }
    buf[w] = '\0';
    return fp_push_str(x, out, buf, w, 1);
}

/* ---------------------------------------------------------------- regular expressions */

/* The pattern of call (precompiled, or compiled now into *owned). */
static f2c_status get_regex(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                            pcre2_code **re, pcre2_code **owned, int *got)
{
    *owned = NULL;
    *got = 0;
    if (call->re) {
        *re = call->re;
        *got = 1;
        return F2C_OK;
    }
    const char *p;
    size_t pn;
    f2c_status st = fp_arg_string(x, call, 0, in, env, &p, &pn, got);
    if (st || !*got) return st;
    char msg[256];
    *owned = fp_regex_compile(p, pn, msg, sizeof msg);
    if (!*owned)
        return fp_fail(x, call->args[0]->col, "invalid regular expression in %s(): %s", call->name,
                       msg);
    *re = *owned;
    return F2C_OK;
}

static pcre2_match_data *match_data(fp_ev *x, pcre2_code *re)
{
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    uint32_t need = groups + 1 < 16 ? 16 : groups + 1;
    if (x->c->md && x->c->md_pairs >= need) return x->c->md;
    fp_ctx_regex_free(x->c);
    x->c->md = pcre2_match_data_create(need, NULL);
    if (x->c->md) x->c->md_pairs = need;
    return x->c->md;
}

static f2c_status match(fp_ev *x, const fp_node *call, const fp_coll *in, const fp_env *env,
                        int full, fp_coll *out)
{
    const char *s;
    size_t n;
    f2c_status st = fp_input_string(x, call, in, &s, &n);
    if (st || !s) return st;
    pcre2_code *re, *owned;
    int got;
    if ((st = get_regex(x, call, in, env, &re, &owned, &got)) || !got) return st;
    pcre2_match_data *md = match_data(x, re);
    if (!md) {
        pcre2_code_free(owned);
        return fp_nomem(x);
    }
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, full ? PCRE2_ANCHORED | PCRE2_ENDANCHORED : 0, md,
                         NULL);
    pcre2_code_free(owned);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        return fp_fail(x, call->col, "%s(): regular expression failed (PCRE2 error %d)", call->name,
                       rc);
    return fp_push_bool(x, out, rc >= 0);
}

/* matches(regex): true when the regex matches part of the input (N1 §5.6.9). */
FP_FN_VIA(matches, match, 0)
/* matchesFull(regex) (FHIRPath 3.0 addition): the regex matches the whole input. */
FP_FN_VIA(matchesFull, match, 1)

f2c_status f2c_fp_fn_replaceMatches(fp_ev *x, const fp_node *call, const fp_coll *in,
                                    const fp_env *env, fp_coll *out)
{
    const char *s, *r;
    size_t n, rn;
    f2c_status st = fp_input_string(x, call, in, &s, &n);
    if (st || !s) return st;
    pcre2_code *re, *owned;
    int got;
    if ((st = get_regex(x, call, in, env, &re, &owned, &got)) || !got) return st;
    if ((st = fp_arg_string(x, call, 1, in, env, &r, &rn, &got)) || !got) {
        pcre2_code_free(owned);
        return st;
    }
    PCRE2_SIZE cap = n * 2 + rn * 4 + 64;
    for (;;) {
        PCRE2_UCHAR *buf = f2c_arena_alloc(x->a, cap);
        if (!buf) {
            pcre2_code_free(owned);
            return fp_nomem(x);
        }
        PCRE2_SIZE len = cap;
        int rc = pcre2_substitute(re, (PCRE2_SPTR)s, n, 0,
                                  PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, NULL,
                                  NULL, (PCRE2_SPTR)r, rn, buf, &len);
        if (rc == PCRE2_ERROR_NOMEMORY) {
            cap = len + 1;
            continue;
        }
        pcre2_code_free(owned);
        if (rc < 0) {
            PCRE2_UCHAR m[200];
            pcre2_get_error_message(rc, m, sizeof m);
            return fp_fail(x, call->col, "replaceMatches(): %s", (const char *)m);
        }
        return fp_push_str(x, out, (const char *)buf, len, 1);
    }
}
