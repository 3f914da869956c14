/*
 * f2c_fp_value: what FHIRPath values mean — construction from JSON, dates and times, equality
 * (=), equivalence (~), ordering, arithmetic, and the JSON form of a result.
 *
 * Why it is shaped so: every operator and many functions need the same few questions answered
 * about two items ("are they equal, at which precision?"), so the answers live in one place
 * and follow FHIRPath N1 §6.1 (equality/equivalence), §6.2 (comparison), §6.6 (math) and §2.2
 * / §6.4 (date/time precision) in one reading.  Dates are kept as their text in items (the
 * public contract gives the text) and parsed into fp_dt on demand; parsing is a few dozen
 * byte comparisons, cheaper than carrying a parsed copy in every item.  Decimals are their
 * text (exact: "1.50") plus a double: arithmetic and < > work on the decimal digits
 * (f2c_fp_dec.c, 129.16 * 1.1 = 142.076); the text gives equivalence its precision; equality
 * rounds both sides to 1e-8 like the reference implementation (fhirpath.js).  No allocation except
 * through the evaluation arena.
 *
 * Choices where the spec leaves room (documented in f2c_fhirpath.h):
 *  - a DateTime without a time-zone offset is taken as UTC when compared with one that has one;
 *  - quantities compare after mapping calendar words to UCUM ("day(s)" = 'd', "week(s)" = 'wk',
 *    "hour(s)" = 'h', "minute(s)" = 'min', "second(s)" = 's', "millisecond(s)" = 'ms'; year
 *    and month stay calendar units, 1 year = 12 months) and converting within a small UCUM
 *    subset (metric prefixes on g, m, L, s, mol, ...; min/h/d/wk/a/mo), and compound units
 *    when their quotient reduces to '1' in the term algebra of f2c_fp_unit.c (which also
 *    gives * and / their units); units outside both only match themselves.  Incomparable
 *    units give empty for = and < ..., false for ~.
 */
#include "f2c_fp_int.h"
#include "f2c_fp_dec.h"
#include "f2c_fp_unit.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicase.h>
#include <unistr.h>

#include "fhir2cdm/f2c_calendar.h"
#include "fhir2cdm/f2c_fhirmodel.h"

/* ---------------------------------------------------------------- constructors */

int fp_val_from_dt(f2c_arena *a, fp_val *v, const fp_dt *d)
{
    char buf[64];
    size_t n = fp_dt_format(d, buf);
    char *t = f2c_arena_strndup(a, buf, n);
    if (!t) return -1;
    fp_val_dt_text(v, d->kind, t, n);
    return 0;
}

f2c_status fp_push_dt(fp_ev *x, fp_coll *c, const fp_dt *d)
{
    fp_val v;
    if (fp_val_from_dt(x->a, &v, d) != 0) return fp_nomem(x);
    return fp_push(x, c, &v);
}

static int is_int_text(const char *s, size_t n)
{
    if (n && (*s == '-' || *s == '+')) s++, n--;
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

int fp_val_from_json(fp_ev *x, const cJSON *node, const cJSON *ext, const char *fhirtype, fp_val *v)
{
    memset(v, 0, sizeof *v);
    v->ext = cJSON_IsObject(ext) ? ext : NULL;
    if (!node || cJSON_IsNull(node)) {
        if (!v->ext) return 1;
        v->it.kind = F2C_FP_OBJECT;
        v->it.node = v->ext;
        v->it.type = fhirtype ? fhirtype : "Element";
        v->noval = 1;
        v->fhir = 1;
        return 0;
    }
    v->it.node = node;
    v->fhir = fhirtype != NULL;
    if (cJSON_IsObject(node)) {
        const cJSON *rt = fp_json_member(node, "resourceType");
        v->it.kind = F2C_FP_OBJECT;
        v->it.type = cJSON_IsString(rt) && rt->valuestring[0] ? rt->valuestring
                     : fhirtype                               ? fhirtype
                                                              : "Element";
        v->fhir = 1;
        return 0;
    }
    const char *sys = fhirtype ? f2c_fm_primitive_system_type(fhirtype) : NULL;
    if (cJSON_IsBool(node)) {
        v->it.kind = F2C_FP_BOOLEAN;
        v->it.i = cJSON_IsTrue(node);
        v->it.text = v->it.i ? "true" : "false";
        v->it.len = v->it.i ? 4 : 5;
        v->it.type = fhirtype ? fhirtype : "Boolean";
        return 0;
    }
    if (cJSON_IsNumber(node)) {
        const char *p;
        size_t n;
        if (!x->doc || f2c_doc_source(x->doc, node, &p, &n) != 0) {
            char buf[40];
            n = fp_fmt_double(node->valuedouble, buf);
            char *t = f2c_arena_strndup(x->a, buf, n);
            if (!t) return -1;
            p = t;
        }
        v->it.text = p;
        v->it.len = n;
        v->it.d = node->valuedouble;
        int want_int = sys ? !strcmp(sys, "Integer") : 0;
        int want_dec = sys ? !strcmp(sys, "Decimal") : 0;
        if (!want_dec && n < 24 && is_int_text(p, n) && fabs(node->valuedouble) < 9.2e18) {
            char digits[24]; /* the source text is not NUL-terminated */
            memcpy(digits, p, n);
            digits[n] = '\0';
            v->it.kind = F2C_FP_INTEGER;
            v->it.i = strtoll(digits, NULL, 10);
            v->it.type = fhirtype && want_int ? fhirtype : fhirtype ? fhirtype : "Integer";
        } else {
            v->it.kind = F2C_FP_DECIMAL;
            v->it.type = fhirtype ? fhirtype : "Decimal";
        }
        return 0;
    }
    if (cJSON_IsString(node)) {
        const char *s = node->valuestring;
        size_t n = strlen(s);
        v->it.text = s;
        v->it.len = n;
        v->it.kind = F2C_FP_STRING;
        v->it.type = fhirtype ? fhirtype : "String";
        if (sys) {
            int k = !strcmp(sys, "Date")       ? F2C_FP_DATE
                    : !strcmp(sys, "DateTime") ? F2C_FP_DATETIME
                    : !strcmp(sys, "Time")     ? F2C_FP_TIME
                                               : -1;
            fp_dt d;
            if (k >= 0 && fp_dt_parse(s, n, k, &d) == 0) v->it.kind = (f2c_fp_kind)k;
        }
        return 0;
    }
    /* arrays are flattened by the caller; anything else (raw) is skipped */
    return 1;
}

/* ---------------------------------------------------------------- dates and times */

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}
static int dig(char c)
{
    return c >= '0' && c <= '9';
}

/* The parts after a date's year or a time's hour: up to two of sep and two digits, each only
 * after the one before ("-MM-DD", ":mm:ss"), read from s[*i] into *a and *b; d->prec counts
 * them.  -1 when a part is begun but malformed. */
static int two_parts(const char *s, size_t n, size_t *i, char sep, int *a, int *b, fp_dt *d)
{
    int *const field[] = {a, b};
    for (int k = 0; k < 2 && *i < n && s[*i] == sep; k++) {
        if (*i + 3 > n || !dig(s[*i + 1]) || !dig(s[*i + 2])) return -1;
        *field[k] = two(s + *i + 1);
        d->prec++;
        *i += 3;
    }
    return 0;
}

/* hh[:mm[:ss[.f]]] at s (n bytes); returns bytes used or -1. */
static int parse_time(const char *s, size_t n, fp_dt *d)
{
    if (n < 2 || !dig(s[0]) || !dig(s[1])) return -1;
    d->h = two(s);
    d->prec = 4;
    size_t i = 2;
    if (two_parts(s, n, &i, ':', &d->mi, &d->s, d) != 0) return -1;
    if (d->prec == 6 && i < n && s[i] == '.') {
        i++;
        size_t st = i;
        long ns = 0;
        int k = 0;
        while (i < n && dig(s[i])) {
            if (k < 9) ns = ns * 10 + (s[i] - '0'), k++;
            i++;
        }
        if (i == st) return -1;
        while (k < 9)
            ns *= 10, k++;
        d->ns = ns;
        d->frac_digits = (int)(i - st) > 9 ? 9 : (int)(i - st);
    }
    if (d->h > 23 || d->mi > 59 || d->s > 59) return -1;
    return (int)i;
}

int fp_dt_parse(const char *s, size_t n, int kind, fp_dt *d)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->mo = 1;
    d->d = 1;
    if (kind == F2C_FP_TIME) {
        int used = parse_time(s, n, d);
        return used == (int)n ? 0 : -1;
    }
    if (n < 4 || !dig(s[0]) || !dig(s[1]) || !dig(s[2]) || !dig(s[3])) return -1;
    d->y = two(s) * 100 + two(s + 2);
    d->prec = 1;
    size_t i = 4;
    if (two_parts(s, n, &i, '-', &d->mo, &d->d, d) != 0) return -1;
    if (d->mo < 1 || d->mo > 12 || d->d < 1 || d->d > f2c_cal_days_in_month(d->y, d->mo)) return -1;
    if (i == n) return 0;
    if (kind != F2C_FP_DATETIME || s[i] != 'T') return -1;
    i++;
    if (i == n) return 0; /* "2012T" / "2012-01-01T" */
    if (d->prec != 3) return -1;
    int used = parse_time(s + i, n - i, d);
    if (used < 0) return -1;
    i += (size_t)used;
    if (i == n) return 0;
    if (s[i] == 'Z' && i + 1 == n) {
        d->has_tz = 1;
        return 0;
    }
    if ((s[i] == '+' || s[i] == '-') && i + 6 == n && dig(s[i + 1]) && dig(s[i + 2]) &&
        s[i + 3] == ':' && dig(s[i + 4]) && dig(s[i + 5])) {
        int hh = two(s + i + 1), mm = two(s + i + 4);
        if (hh > 14 || mm > 59) return -1;
        d->has_tz = 1;
        d->tz_min = (s[i] == '-' ? -1 : 1) * (hh * 60 + mm);
        return 0;
    }
    return -1;
}

size_t fp_dt_format(const fp_dt *d, char *buf)
{
    char *p = buf;
    if (d->kind != F2C_FP_TIME) {
        p += sprintf(p, "%04d", d->y % 10000);
        if (d->prec >= 2) p += sprintf(p, "-%02d", d->mo);
        if (d->prec >= 3) p += sprintf(p, "-%02d", d->d);
        if (d->kind == F2C_FP_DATE || d->prec < 4) return (size_t)(p - buf);
        *p++ = 'T';
    }
    p += sprintf(p, "%02d", d->h);
    if (d->prec >= 5) p += sprintf(p, ":%02d", d->mi);
    if (d->prec >= 6) p += sprintf(p, ":%02d", d->s);
    if (d->prec >= 6 && d->frac_digits > 0) {
        char f[16];
        snprintf(f, sizeof f, "%09ld", d->ns);
        p += sprintf(p, ".%.*s", d->frac_digits, f);
    }
    if (d->kind == F2C_FP_DATETIME && d->has_tz) {
        if (d->tz_min == 0) {
            *p++ = 'Z';
        } else {
            int m = d->tz_min < 0 ? -d->tz_min : d->tz_min;
            p += sprintf(p, "%c%02d:%02d", d->tz_min < 0 ? '-' : '+', m / 60, m % 60);
        }
    }
    *p = '\0';
    return (size_t)(p - buf);
}

int fp_val_dt(const fp_val *v, fp_dt *out)
{
    int k = (int)v->it.kind;
    if (k != F2C_FP_DATE && k != F2C_FP_DATETIME && k != F2C_FP_TIME) return -1;
    return fp_dt_parse(v->it.text, v->it.len, k, out);
}

/* d's date fields from day number z. */
static void to_civil(int64_t z, fp_dt *d)
{
    int64_t y;
    f2c_cal_civil_from_days(z, &y, &d->mo, &d->d);
    d->y = (int)y;
}

/* Shifts the fields by `min` minutes (carrying into days, months, years). */
static void shift_minutes(fp_dt *d, int64_t min)
{
    int64_t days = f2c_cal_days_from_civil(d->y, d->mo, d->d);
    int64_t t = days * 1440 + d->h * 60 + d->mi + min;
    int64_t nd = t >= 0 ? t / 1440 : -((-t + 1439) / 1440);
    int64_t rem = t - nd * 1440;
    to_civil(nd, d);
    d->h = (int)(rem / 60);
    d->mi = (int)(rem % 60);
}

/* Compares a and b: -1/0/1, or 2 when equal up to the lesser precision and the precisions
 * differ (N1 §6.1.1 / §6.2: the result is then unknown).  -2 when kinds are incompatible. */
static int dt_cmp(fp_dt a, fp_dt b)
{
    int ta = a.kind == F2C_FP_TIME, tb = b.kind == F2C_FP_TIME;
    if (ta != tb) return -2;
    if (!ta && (a.has_tz || b.has_tz)) {
        /* N1 §2.2.x: compare in UTC; a value without offset is taken as UTC here. */
        if (a.prec >= 4 && a.tz_min) shift_minutes(&a, -a.tz_min);
        if (b.prec >= 4 && b.tz_min) shift_minutes(&b, -b.tz_min);
    }
    int fa[7] = {a.y, a.mo, a.d, a.h, a.mi, a.s, 0};
    int fb[7] = {b.y, b.mo, b.d, b.h, b.mi, b.s, 0};
    int lo = ta ? 4 : 1;
    int hi = a.prec < b.prec ? a.prec : b.prec;
    for (int p = lo; p <= hi; p++) {
        if (fa[p - 1] != fb[p - 1]) return fa[p - 1] < fb[p - 1] ? -1 : 1;
        if (p == 6 && a.ns != b.ns) return a.ns < b.ns ? -1 : 1;
    }
    return a.prec == b.prec ? 0 : 2;
}

int fp_dt_now(fp_dt *out)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
    struct tm tm;
    if (!gmtime_r(&ts.tv_sec, &tm)) return -1;
    memset(out, 0, sizeof *out);
    out->kind = F2C_FP_DATETIME;
    out->prec = 6;
    out->y = tm.tm_year + 1900;
    out->mo = tm.tm_mon + 1;
    out->d = tm.tm_mday;
    out->h = tm.tm_hour;
    out->mi = tm.tm_min;
    out->s = tm.tm_sec;
    out->ns = (ts.tv_nsec / 1000000) * 1000000;
    out->frac_digits = 3;
    out->has_tz = 1;
    return 0;
}

int fp_dt_add(fp_dt *d, double value, const char *unit, int sign)
{
    const char *u = fp_unit_canon(unit);
    int prec = d->prec;
    int is_time = d->kind == F2C_FP_TIME;
    /* N1 §6.6.7: calendar durations or the UCUM definite durations 'wk' 'd' 'h' 'min' 's' 'ms'
     * ('a' and 'mo' are not calendar years and months); a Time takes hours and finer. */
    if (is_time &&
        (!strcmp(u, "year") || !strcmp(u, "month") || !strcmp(u, "wk") || !strcmp(u, "d")))
        return -1;
    value *= sign;
    /* Work at full precision, then truncate back (N1 §6.6.x date/time arithmetic: a quantity
     * finer than the value's precision only counts in whole units of that precision). */
    if (!strcmp(u, "year") || !strcmp(u, "month")) {
        if (is_time) return -1;
        int64_t v = (int64_t)trunc(value);
        int64_t m = (int64_t)d->y * 12 + (d->mo - 1) + (!strcmp(u, "year") ? v * 12 : v);
        int64_t y = m >= 0 ? m / 12 : -((-m + 11) / 12);
        d->y = (int)y;
        d->mo = (int)(m - y * 12) + 1;
        if (d->d > f2c_cal_days_in_month(d->y, d->mo)) d->d = f2c_cal_days_in_month(d->y, d->mo);
        if (d->y < 1 || d->y > 9999) return -2;
        return 0;
    }
    double secs;
    if (!strcmp(u, "wk"))
        secs = trunc(value) * 7 * 86400;
    else if (!strcmp(u, "d"))
        secs = trunc(value) * 86400;
    else if (!strcmp(u, "h"))
        secs = trunc(value) * 3600;
    else if (!strcmp(u, "min"))
        secs = trunc(value) * 60;
    else if (!strcmp(u, "s"))
        secs = value;
    else if (!strcmp(u, "ms"))
        secs = value / 1000;
    else
        return -1;
    int64_t whole = (int64_t)floor(secs);
    long ns = (long)llround((secs - (double)whole) * 1e9);
    int64_t days = is_time ? 0 : f2c_cal_days_from_civil(d->y, d->mo, d->d);
    int64_t t = days * 86400 + d->h * 3600 + d->mi * 60 + d->s + whole;
    long nns = d->ns + ns;
    if (nns >= 1000000000L) nns -= 1000000000L, t++;
    if (nns < 0) nns += 1000000000L, t--;
    int64_t nd = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - nd * 86400;
    if (!is_time) to_civil(nd, d);
    d->h = (int)(rem / 3600);
    d->mi = (int)(rem / 60 % 60);
    d->s = (int)(rem % 60);
    if (prec >= 6) {
        d->ns = nns;
        if (nns && !d->frac_digits) d->frac_digits = 3;
    }
    d->prec = prec; /* truncation back to the original precision: format ignores finer fields */
    if (!is_time && (d->y < 1 || d->y > 9999)) return -2;
    return 0;
}

/* ---------------------------------------------------------------- conversions */

/* The object v as a System Quantity in *tmp when it is a FHIR Quantity, else v.  Out of line:
 * fp_system runs on every operand of every operator, and nearly never gets this far. */
__attribute__((noinline)) static const fp_val *system_qty(fp_ev *x, const fp_val *v, fp_val *tmp)
{
    const char *t = v->it.type;
    if (!t || !(strcmp(t, "Quantity") == 0 || f2c_fm_is_a(t, "Quantity"))) return v;
    const cJSON *o = v->it.node;
    const cJSON *val = fp_json_member(o, "value");
    if (!cJSON_IsNumber(val)) return v;
    const cJSON *code = fp_json_member(o, "code");
    const cJSON *unit = fp_json_member(o, "unit");
    const char *p = NULL; /* the number as written in the document, when it can be found */
    size_t n = 0;
    if (x->doc && f2c_doc_source(x->doc, val, &p, &n) != 0) p = NULL;
    if (fp_val_qty(x->a, tmp, val->valuedouble, p, n,
                   cJSON_IsString(code)   ? code->valuestring
                   : cJSON_IsString(unit) ? unit->valuestring
                                          : NULL) != 0)
        return v;
    tmp->it.node = o;
    return tmp;
}

const fp_val *fp_system(fp_ev *x, const fp_val *v, fp_val *tmp)
{
    if (v->it.kind != F2C_FP_OBJECT || v->noval || !v->it.node) return v;
    return system_qty(x, v, tmp);
}

static int is_num(const fp_val *v)
{
    return v->it.kind == F2C_FP_INTEGER || v->it.kind == F2C_FP_DECIMAL;
}

static double num(const fp_val *v)
{
    return v->it.kind == F2C_FP_INTEGER ? (double)v->it.i : v->it.d;
}

int fp_val_num_dec(const fp_val *v, fp_dec *d)
{
    if (v->it.kind == F2C_FP_INTEGER) {
        fp_dec_from_int(v->it.i, d);
        return 0;
    }
    if (v->it.text && fp_dec_parse(v->it.text, v->it.len, d) == 0) return 0;
    return -1;
}

f2c_status fp_push_decv(fp_ev *x, fp_coll *out, const fp_dec *d)
{
    fp_val v;
    if (fp_val_decv(x->a, &v, d)) return fp_nomem(x);
    return fp_push(x, out, &v);
}

int fp_val_decv(f2c_arena *a, fp_val *v, const fp_dec *d0)
{
    fp_dec d = *d0;
    char buf[F2C_FP_DEC_BUF];
    fp_dec_trim(&d);
    size_t n = fp_dec_format(&d, buf);
    char *t = f2c_arena_strndup(a, buf, n);
    if (!t) return -1;
    fp_val_dec_text(v, strtod(t, NULL), t, n);
    return 0;
}

/* The value of a Quantity or number operand as an exact decimal (-1: not representable). */
static int qty_dec(const fp_val *v, fp_dec *d)
{
    if (v->it.kind == F2C_FP_QUANTITY)
        return v->it.text ? fp_dec_parse(v->it.text, v->it.len, d) : -1;
    return fp_val_num_dec(v, d);
}

static f2c_status push_qty_dec(fp_ev *x, fp_coll *out, const fp_dec *d0, const char *unit)
{
    fp_dec d = *d0;
    char buf[F2C_FP_DEC_BUF];
    fp_dec_trim(&d);
    size_t n = fp_dec_format(&d, buf);
    char *t = f2c_arena_strndup(x->a, buf, n);
    if (!t) return fp_nomem(x);
    return fp_push_qty(x, out, strtod(t, NULL), t, n, unit);
}

/* An operand of quantity =, <, * and / as value and unit: a Quantity's, or a number's as a
 * quantity in '1' (N1 §6.6).  0 when it is neither. */
static int as_qty(const fp_val *v, double *d, const char **u)
{
    if (v->it.kind == F2C_FP_QUANTITY) {
        *d = v->it.d;
        *u = v->it.unit;
        return 1;
    }
    if (!is_num(v)) return 0;
    *d = num(v);
    *u = "1";
    return 1;
}

static int is_dtk(f2c_fp_kind k)
{
    return k == F2C_FP_DATE || k == F2C_FP_DATETIME || k == F2C_FP_TIME;
}

/* Date/DateTime/Time value of v (no implicit conversion from String: N1 §6.1/§6.2 compare only
 * values of the same kind, a Date being convertible to a DateTime). */
static int dt_of(const fp_val *v, const fp_val *other, fp_dt *out)
{
    (void)other;
    return is_dtk(v->it.kind) ? fp_val_dt(v, out) : -1;
}

static double round8(double d)
{
    return round(d * 1e8);
}

/* ---------------------------------------------------------------- JSON deep equality */

/* Unicode White_Space: what fhirpath.js's /\p{White_Space}/u matches. */
static int is_white_space(ucs4_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* s[0..n) upper-cased with the full, language-independent Unicode mapping (ß -> SS), in the
 * arena; NULL when out of memory or not UTF-8. */
static const uint8_t *upper_case(f2c_arena *ar, const char *s, size_t n, size_t *len)
{
    size_t cap = n * 3 + 8; /* a code point maps to at most 3, each at most as long */
    uint8_t *buf = f2c_arena_alloc(ar, cap);
    if (!buf) return NULL;
    *len = cap;
    uint8_t *r = u8_toupper((const uint8_t *)s, n, NULL, NULL, buf, len);
    if (!r || r == buf) return r;
    /* libunistring allocated (the estimate was short): move the result into the arena */
    uint8_t *c = f2c_arena_alloc(ar, *len ? *len : 1);
    if (c) memcpy(c, r, *len);
    free(r);
    return c;
}

/* String equivalence (N1 §6.1.4): equal after upper-casing and treating every whitespace
 * character as equivalent to any other.  Character by character: runs of whitespace are not
 * collapsed and leading/trailing whitespace is not trimmed ('a  b' !~ 'a b', ' a' !~ 'a'),
 * as the spec words it and fhirpath.js does.  Upper-casing is the full Unicode mapping, as
 * fhirpath.js's toUpperCase(); ASCII text (the common case) is compared without allocating. */
static int str_equiv(f2c_arena *ar, const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    for (; i < an && i < bn; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 0x80 || cb >= 0x80) break;
        if (is_white_space(ca) && is_white_space(cb)) continue;
        if (ca >= 'a' && ca <= 'z') ca = (unsigned char)(ca - 'a' + 'A');
        if (cb >= 'a' && cb <= 'z') cb = (unsigned char)(cb - 'a' + 'A');
        if (ca != cb) return 0;
    }
    if (i == an || i == bn) return i == an && i == bn; /* a non-empty rest never maps to "" */
    /* Non-ASCII from i on (the ASCII prefix maps independently of what follows). */
    size_t un, vn;
    const uint8_t *u = upper_case(ar, a + i, an - i, &un);
    const uint8_t *v = u ? upper_case(ar, b + i, bn - i, &vn) : NULL;
    if (!u || !v) /* invalid UTF-8 (or no memory): only identical text is equivalent */
        return an == bn && !memcmp(a + i, b + i, an - i);
    size_t p = 0, q = 0;
    while (p < un && q < vn) {
        ucs4_t cu, cv;
        p += (size_t)u8_mbtouc(&cu, u + p, un - p);
        q += (size_t)u8_mbtouc(&cv, v + q, vn - q);
        if (cu != cv && !(is_white_space(cu) && is_white_space(cv))) return 0;
    }
    return p == un && q == vn;
}

static int json_equal(f2c_arena *ar, const cJSON *a, const cJSON *b, int fuzzy)
{
    if ((a->type & 0xFF) != (b->type & 0xFF)) return 0;
    if (cJSON_IsNumber(a)) {
        if (fuzzy) return fabs(a->valuedouble - b->valuedouble) < 1e-8;
        return a->valuedouble == b->valuedouble;
    }
    if (cJSON_IsString(a)) {
        if (fuzzy)
            return str_equiv(ar, a->valuestring, strlen(a->valuestring), b->valuestring,
                             strlen(b->valuestring));
        return strcmp(a->valuestring, b->valuestring) == 0;
    }
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(ar, x, y, fuzzy)) return 0;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        int na = 0, nb = 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            /* ~ ignores id (N1 §6.1.2 is silent; FHIR's "equivalent" leaves element ids out) */
            na++;
            const cJSON *y = fp_json_member(b, x->string);
            if (!y || !json_equal(ar, x, y, fuzzy)) return 0;
        }
        for (const cJSON *y = b->child; y; y = y->next)
            nb++;
        return na == nb;
    }
    return 1; /* true/false/null of the same type */
}

/* ---------------------------------------------------------------- equality */

int fp_item_equal(fp_ev *x, const fp_val *a0, const fp_val *b0)
{
    fp_val ta, tb;
    const fp_val *a = fp_system(x, a0, &ta), *b = fp_system(x, b0, &tb);
    f2c_fp_kind ka = a->it.kind, kb = b->it.kind;
    if (a->noval || b->noval) return 0;
    if (is_num(a) && is_num(b)) {
        if (ka == F2C_FP_INTEGER && kb == F2C_FP_INTEGER) return a->it.i == b->it.i;
        return round8(num(a)) == round8(num(b));
    }
    if (ka == F2C_FP_QUANTITY || kb == F2C_FP_QUANTITY) {
        double va, vb;
        const char *ua, *ub;
        if (!as_qty(a, &va, &ua) || !as_qty(b, &vb, &ub)) return 0;
        double ca, cb;
        int rc = fp_qty_common(ua, va, ub, vb, &ca, &cb);
        if (rc == -2) return 0; /* different dimensions (mg vs cm): not equal */
        if (rc != 0) return -1; /* a unit we cannot convert: unknown */
        return round8(ca) == round8(cb);
    }
    if (ka == F2C_FP_STRING && kb == F2C_FP_STRING)
        return a->it.len == b->it.len && !memcmp(a->it.text, b->it.text, a->it.len);
    if (ka == F2C_FP_BOOLEAN && kb == F2C_FP_BOOLEAN) return a->it.i == b->it.i;
    if (is_dtk(ka) || is_dtk(kb)) {
        fp_dt da, db;
        if (dt_of(a, b, &da) || dt_of(b, a, &db)) return 0;
        int c = dt_cmp(da, db);
        if (c == -2) return 0;
        if (c == 2) return -1;
        return c == 0;
    }
    if (ka == F2C_FP_OBJECT && kb == F2C_FP_OBJECT) {
        if (a->it.node == b->it.node) return 1;
        return json_equal(x->a, a->it.node, b->it.node, 0);
    }
    return 0;
}

int fp_item_equiv(fp_ev *x, const fp_val *a0, const fp_val *b0)
{
    fp_val ta, tb;
    const fp_val *a = fp_system(x, a0, &ta), *b = fp_system(x, b0, &tb);
    f2c_fp_kind ka = a->it.kind, kb = b->it.kind;
    if (a->noval || b->noval) return a->noval && b->noval && json_equal(x->a, a->ext, b->ext, 1);
    if (is_num(a) && is_num(b)) {
        if (ka == F2C_FP_INTEGER && kb == F2C_FP_INTEGER) return a->it.i == b->it.i;
        /* N1 §6.1.2: decimals compare at the precision of the least precise operand. */
        int pa = ka == F2C_FP_INTEGER ? 0 : fp_dec_places(a->it.text, a->it.len);
        int pb = kb == F2C_FP_INTEGER ? 0 : fp_dec_places(b->it.text, b->it.len);
        int p = pa < pb ? pa : pb;
        double sc = pow(10, p);
        return round(num(a) * sc) == round(num(b) * sc);
    }
    if (ka == F2C_FP_QUANTITY || kb == F2C_FP_QUANTITY) {
        int e = fp_item_equal(x, a, b);
        return e == 1;
    }
    if (ka == F2C_FP_STRING && kb == F2C_FP_STRING)
        return str_equiv(x->a, a->it.text, a->it.len, b->it.text, b->it.len);
    if (ka == F2C_FP_BOOLEAN && kb == F2C_FP_BOOLEAN) return a->it.i == b->it.i;
    if (is_dtk(ka) || is_dtk(kb)) {
        fp_dt da, db;
        if (dt_of(a, b, &da) || dt_of(b, a, &db)) return 0;
        return dt_cmp(da, db) == 0; /* different precisions: false (N1 §6.1.2) */
    }
    if (ka == F2C_FP_OBJECT && kb == F2C_FP_OBJECT)
        return a->it.node == b->it.node || json_equal(x->a, a->it.node, b->it.node, 1);
    return 0;
}

int fp_coll_equal(fp_ev *x, const fp_coll *a, const fp_coll *b)
{
    if (!a->n || !b->n) return -1;
    if (a->n != b->n) return 0;
    if (fp_step(x, a->n)) return 0; /* over budget: reported by f2c_fp_eval */
    int unknown = 0;
    for (size_t i = 0; i < a->n; i++) {
        int e = fp_item_equal(x, &a->v[i], &b->v[i]);
        if (e == 0) return 0;
        if (e < 0) unknown = 1;
    }
    return unknown ? -1 : 1;
}

int fp_coll_equiv(fp_ev *x, const fp_coll *a, const fp_coll *b)
{
    /* N1 §6.1.2: order-independent; empty ~ empty is true. */
    if (a->n != b->n) return 0;
    if (!a->n) return 1;
    if (fp_step(x, (uint64_t)a->n * b->n)) return 0; /* over budget: reported by f2c_fp_eval */
    unsigned char stack_used[64];
    unsigned char *used = a->n <= sizeof stack_used ? stack_used : f2c_arena_alloc(x->a, b->n);
    if (!used) return 0;
    memset(used, 0, b->n);
    for (size_t i = 0; i < a->n; i++) {
        size_t j;
        for (j = 0; j < b->n; j++)
            if (!used[j] && fp_item_equiv(x, &a->v[i], &b->v[j])) break;
        if (j == b->n) return 0;
        used[j] = 1;
    }
    return 1;
}

int fp_coll_has(fp_ev *x, const fp_coll *c, const fp_val *v)
{
    /* A scan is c->n steps: this is what makes repeat() and distinct() quadratic.  Over the
     * budget, "present" stops the caller adding; f2c_fp_eval then reports the budget. */
    if (fp_step(x, c->n)) return 1;
    for (size_t i = 0; i < c->n; i++)
        if (fp_item_equal(x, &c->v[i], v) == 1) return 1;
    return 0;
}

/* ---------------------------------------------------------------- ordering */

static const char *kind_name(const fp_val *v)
{
    switch (v->it.kind) {
    case F2C_FP_BOOLEAN:
        return "Boolean";
    case F2C_FP_INTEGER:
        return "Integer";
    case F2C_FP_DECIMAL:
        return "Decimal";
    case F2C_FP_STRING:
        return "String";
    case F2C_FP_DATE:
        return "Date";
    case F2C_FP_DATETIME:
        return "DateTime";
    case F2C_FP_TIME:
        return "Time";
    case F2C_FP_QUANTITY:
        return "Quantity";
    default:
        return v->it.type ? v->it.type : "Element";
    }
}

f2c_status fp_item_compare(fp_ev *x, const fp_val *a0, const fp_val *b0, long col, int *cmp)
{
    fp_val ta, tb;
    const fp_val *a = fp_system(x, a0, &ta), *b = fp_system(x, b0, &tb);
    f2c_fp_kind ka = a->it.kind, kb = b->it.kind;
    if (is_num(a) && is_num(b)) {
        if (ka == F2C_FP_INTEGER && kb == F2C_FP_INTEGER)
            *cmp = a->it.i < b->it.i ? -1 : a->it.i > b->it.i;
        else {
            fp_dec da, db; /* exact on the decimal digits (N1 §6.2) when representable */
            if (fp_val_num_dec(a, &da) == 0 && fp_val_num_dec(b, &db) == 0)
                *cmp = fp_dec_cmp(&da, &db);
            else
                *cmp = num(a) < num(b) ? -1 : num(a) > num(b);
        }
        return F2C_OK;
    }
    if (ka == F2C_FP_STRING && kb == F2C_FP_STRING) {
        size_t n = a->it.len < b->it.len ? a->it.len : b->it.len;
        int c = memcmp(a->it.text, b->it.text, n);
        if (!c) c = a->it.len < b->it.len ? -1 : a->it.len > b->it.len;
        *cmp = c < 0 ? -1 : c > 0;
        return F2C_OK;
    }
    double va, vb;
    const char *ua, *ub;
    if ((ka == F2C_FP_QUANTITY || kb == F2C_FP_QUANTITY) && as_qty(a, &va, &ua) &&
        as_qty(b, &vb, &ub)) {
        double ca, cb;
        if (fp_qty_common(ua, va, ub, vb, &ca, &cb) != 0) {
            *cmp = 2;
            return F2C_OK;
        }
        *cmp = round8(ca) == round8(cb) ? 0 : ca < cb ? -1 : 1;
        return F2C_OK;
    }
    if (is_dtk(ka) || is_dtk(kb)) {
        fp_dt da, db;
        if (dt_of(a, b, &da) == 0 && dt_of(b, a, &db) == 0) {
            int c = dt_cmp(da, db);
            if (c != -2) {
                *cmp = c;
                return F2C_OK;
            }
        }
    }
    return fp_fail(x, col, "cannot compare %s with %s", kind_name(a), kind_name(b));
}

/* ---------------------------------------------------------------- arithmetic */

static const char *op_name(fp_binop op)
{
    switch (op) {
    case FP_OP_ADD:
        return "+";
    case FP_OP_SUB:
        return "-";
    case FP_OP_MUL:
        return "*";
    case FP_OP_DIV:
        return "/";
    case FP_OP_IDIV:
        return "div";
    case FP_OP_MOD:
        return "mod";
    default:
        return "&";
    }
}

static f2c_status push_qty(fp_ev *x, fp_coll *out, double d, const char *unit)
{
    if (!isfinite(d)) return F2C_OK; /* overflow: empty */
    return fp_push_qty(x, out, d, NULL, 0, unit);
}

f2c_status fp_arith(fp_ev *x, fp_binop op, const fp_val *a0, const fp_val *b0, long col,
                    fp_coll *out)
{
    fp_val ta, tb;
    const fp_val *a = fp_system(x, a0, &ta), *b = fp_system(x, b0, &tb);
    f2c_fp_kind ka = a->it.kind, kb = b->it.kind;
    if (is_num(a) && is_num(b)) {
        int64_t i = 0;
        if (ka == F2C_FP_INTEGER && kb == F2C_FP_INTEGER) {
            switch (op) {
            case FP_OP_ADD:
                if (__builtin_add_overflow(a->it.i, b->it.i, &i)) return F2C_OK;
                return fp_push_int(x, out, i);
            case FP_OP_SUB:
                if (__builtin_sub_overflow(a->it.i, b->it.i, &i)) return F2C_OK;
                return fp_push_int(x, out, i);
            case FP_OP_MUL:
                if (__builtin_mul_overflow(a->it.i, b->it.i, &i)) return F2C_OK;
                return fp_push_int(x, out, i);
            case FP_OP_IDIV:
            case FP_OP_MOD:
                if (b->it.i == 0 || (a->it.i == INT64_MIN && b->it.i == -1)) return F2C_OK;
                return fp_push_int(x, out,
                                   op == FP_OP_IDIV ? a->it.i / b->it.i : a->it.i % b->it.i);
            default:
                break; /* '/' is Decimal */
            }
        }
        /* Decimal (N1 §6.6): exact on the decimal digits (f2c_fp_dec.c).  Overflow of the
         * representation and division by zero (N1 §6.6.4) give empty. */
        fp_dec da, db, r;
        if (fp_val_num_dec(a, &da) || fp_val_num_dec(b, &db)) return F2C_OK;
        int rc;
        switch (op) {
        case FP_OP_ADD:
            rc = fp_dec_add(&da, &db, &r);
            break;
        case FP_OP_SUB:
            rc = fp_dec_sub(&da, &db, &r);
            break;
        case FP_OP_MUL:
            rc = fp_dec_mul(&da, &db, &r);
            break;
        case FP_OP_DIV:
            rc = fp_dec_div(&da, &db, &r);
            break;
        case FP_OP_IDIV:
            if (fp_dec_idiv(&da, &db, &i)) return F2C_OK;
            return fp_push_int(x, out, i);
        case FP_OP_MOD:
            rc = fp_dec_mod(&da, &db, &r);
            break;
        default:
            rc = -2;
        }
        if (rc == -1) return F2C_OK;
        if (rc == 0) return fp_push_decv(x, out, &r);
    }
    if (op == FP_OP_ADD && ka == F2C_FP_STRING && kb == F2C_FP_STRING) {
        char *s = f2c_arena_alloc(x->a, a->it.len + b->it.len + 1);
        if (!s) return fp_nomem(x);
        memcpy(s, a->it.text, a->it.len);
        memcpy(s + a->it.len, b->it.text, b->it.len);
        s[a->it.len + b->it.len] = '\0';
        return fp_push_str(x, out, s, a->it.len + b->it.len, 1);
    }
    if ((op == FP_OP_ADD || op == FP_OP_SUB) && is_dtk(ka) && kb == F2C_FP_QUANTITY) {
        fp_dt d;
        if (fp_val_dt(a, &d) != 0) return fp_fail(x, col, "invalid date/time value");
        int r = fp_dt_add(&d, b->it.d, b->it.unit, op == FP_OP_ADD ? 1 : -1);
        if (r == -1)
            return fp_fail(x, col, "cannot %s a quantity in '%s' %s a %s (expected a time unit)",
                           op == FP_OP_ADD ? "add" : "subtract", b->it.unit,
                           op == FP_OP_ADD ? "to" : "from", kind_name(a));
        if (r == -2) return F2C_OK; /* out of the representable range: empty */
        return fp_push_dt(x, out, &d);
    }
    if ((op == FP_OP_ADD || op == FP_OP_SUB) && ka == F2C_FP_QUANTITY && kb == F2C_FP_QUANTITY) {
        if (!strcmp(a->it.unit, b->it.unit)) { /* same unit: exact on the decimal digits */
            fp_dec qa, qb, qr;
            if (qty_dec(a, &qa) == 0 && qty_dec(b, &qb) == 0) {
                if ((op == FP_OP_ADD ? fp_dec_add(&qa, &qb, &qr) : fp_dec_sub(&qa, &qb, &qr)))
                    return F2C_OK; /* overflow: empty */
                return push_qty_dec(x, out, &qr, a->it.unit);
            }
        }
        /* the result is in the finer of the two units (5 'g' + 500 'mg' = 5500 'mg') */
        int bf = fp_qty_finer(a->it.unit, b->it.unit);
        double ca, cb;
        if ((bf ? fp_qty_common(b->it.unit, b->it.d, a->it.unit, a->it.d, &cb, &ca)
                : fp_qty_common(a->it.unit, a->it.d, b->it.unit, b->it.d, &ca, &cb)) != 0)
            return F2C_OK; /* units not convertible: empty */
        double r = op == FP_OP_ADD ? ca + cb : ca - cb;
        return fp_push_qty(x, out, r, NULL, 0, bf ? b->it.unit : a->it.unit);
    }
    double va, vb;
    const char *ua, *ub;
    if ((op == FP_OP_MUL || op == FP_OP_DIV) && as_qty(a, &va, &ua) && as_qty(b, &vb, &ub)) {
        /* N1 §6.6.1-2 (one operand at least is a quantity here; a number is a quantity in '1').
         * Units combine as UCUM terms: 2 'kg' * 3 'm' = 6 'kg.m', 10 'm' / 2 's' = 5 'm/s'. */
        if (op == FP_OP_DIV && vb == 0) return F2C_OK; /* N1 §6.6.4: division by zero is empty */
        fp_dec qa, qb, qr;
        if ((!strcmp(ub, "1") || (op == FP_OP_MUL && !strcmp(ua, "1"))) && qty_dec(a, &qa) == 0 &&
            qty_dec(b, &qb) == 0) {
            /* scaling by a number: exact on the decimal digits (1.1 'mg' * 129.16) */
            if ((op == FP_OP_MUL ? fp_dec_mul(&qa, &qb, &qr) : fp_dec_div(&qa, &qb, &qr)))
                return F2C_OK; /* overflow: empty */
            return push_qty_dec(x, out, &qr, strcmp(ub, "1") ? ub : ua);
        }
        double v = op == FP_OP_MUL ? va * vb : va / vb;
        /* A factor in '1' only scales: the other unit stays as written, whatever it is (a
         * calendar duration, an annotation: 2 days * 3 = 6 days, as in fhirpath.js). */
        if (!strcmp(ub, "1")) return push_qty(x, out, v, ua);
        if (op == FP_OP_MUL && !strcmp(ua, "1")) return push_qty(x, out, v, ub);
        double f;
        const char *u;
        int rc = fp_unit_combine(x->a, ua, ub, op == FP_OP_MUL ? 1 : -1, &f, &u);
        if (rc == -2) return fp_nomem(x);
        if (rc) return F2C_OK; /* a unit the term algebra does not read ('days', '{beats}') */
        return push_qty(x, out, v * f, u);
    }
    return fp_fail(x, col, "operator '%s' cannot be applied to %s and %s", op_name(op),
                   kind_name(a), kind_name(b));
}

/* ---------------------------------------------------------------- type tests */

int fp_is_type(const fp_val *v, const fp_typespec *t)
{
    const char *name = t->name;
    int sys_ns = t->ns && !strcmp(t->ns, "System");
    int fhir_ns = t->ns && !strcmp(t->ns, "FHIR");
    if (v->fhir) {
        /* A FHIR value: FHIR types (N1 §6.3, FHIR R4 §2.24 hierarchy). */
        if (sys_ns) return 0;
        if (!strcmp(v->it.type, name)) return 1;
        if (!strcmp(name, "Element") && v->it.kind != F2C_FP_OBJECT) return 1;
        return f2c_fm_is_a(v->it.type, name) != 0;
    }
    if (fhir_ns) return 0;
    return !strcmp(v->it.type, name);
}

int fp_of_type(const fp_val *v, const fp_typespec *t)
{
    if (fp_is_type(v, t)) return 1;
    if (!v->fhir || v->it.kind == F2C_FP_OBJECT || (t->ns && strcmp(t->ns, "System"))) return 0;
    const char *sys = f2c_fm_primitive_system_type(v->it.type);
    return sys && !strcmp(sys, t->name);
}

/* ---------------------------------------------------------------- JSON output */

static int json_str(f2c_buf *out, const char *s, size_t n)
{
    if (f2c_buf_appendc(out, '"')) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (!esc) continue;
        if (f2c_buf_append(out, s + run, i - run) || f2c_buf_appends(out, esc)) return -1;
        run = i + 1;
    }
    if (f2c_buf_append(out, s + run, n - run)) return -1;
    return f2c_buf_appendc(out, '"');
}

/* A number's text as valid JSON (decimal texts from expressions are valid already). */
static int json_num(f2c_buf *out, const char *t, size_t n, double d)
{
    if (t && n) return f2c_buf_append(out, t, n);
    char buf[40];
    size_t k = fp_fmt_double(d, buf);
    return f2c_buf_append(out, buf, k);
}

int f2c_fp_result_json(f2c_doc *doc, const f2c_fp_result *r, f2c_buf *out)
{
    if (f2c_buf_appendc(out, '[')) return -1;
    for (size_t i = 0; i < r->count; i++) {
        const f2c_fp_item *it = &r->items[i];
        if (i && f2c_buf_appendc(out, ',')) return -1;
        if (f2c_buf_appends(out, "{\"type\":") ||
            json_str(out, it->type ? it->type : "", it->type ? strlen(it->type) : 0) ||
            f2c_buf_appends(out, ",\"value\":"))
            return -1;
        int rc = 0;
        switch (it->kind) {
        case F2C_FP_BOOLEAN:
            rc = f2c_buf_appends(out, it->i ? "true" : "false");
            break;
        case F2C_FP_INTEGER:
            if (it->text && it->len)
                rc = f2c_buf_append(out, it->text, it->len);
            else
                rc = f2c_buf_printf(out, "%lld", (long long)it->i);
            break;
        case F2C_FP_DECIMAL:
            rc = json_num(out, it->text, it->len, it->d);
            break;
        case F2C_FP_STRING:
        case F2C_FP_DATE:
        case F2C_FP_DATETIME:
        case F2C_FP_TIME:
            rc = json_str(out, it->text, it->len);
            break;
        case F2C_FP_QUANTITY:
            rc = f2c_buf_appends(out, "{\"value\":") || json_num(out, it->text, it->len, it->d) ||
                 f2c_buf_appends(out, ",\"unit\":") ||
                 json_str(out, it->unit ? it->unit : "", it->unit ? strlen(it->unit) : 0) ||
                 f2c_buf_appendc(out, '}');
            break;
        case F2C_FP_OBJECT: {
            const char *p;
            size_t n;
            if (doc && it->node && f2c_doc_source(doc, it->node, &p, &n) == 0) {
                rc = f2c_buf_append(out, p, n);
            } else if (it->node) {
                char *s = cJSON_PrintUnformatted(it->node);
                if (!s) return -1;
                rc = f2c_buf_appends(out, s);
                cJSON_free(s);
            } else {
                rc = f2c_buf_appends(out, "null");
            }
            break;
        }
        }
        if (rc || f2c_buf_appendc(out, '}')) return -1;
    }
    return f2c_buf_appendc(out, ']');
}
