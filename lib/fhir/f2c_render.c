/*
 * f2c_render: see f2c_render.h for the rules.
 *
 * Why the module is shaped this way:
 *
 *  - Anything numeric is taken from the value's JSON source text (f2c_doc_source), never from
 *    cJSON's double: decimals must come out digit for digit ("1.50", "1e-3",
 *    12345678901234567890) and integers must be range-checked exactly, which a double cannot do
 *    beyond 2^53.
 *
 *  - Dates are checked and normalised by a small hand-written scanner instead of a regex library,
 *    strptime or timegm: the FHIR R4 grammars (datatypes.html) are fixed and tiny, the scanner
 *    is locale- and time-zone-independent (timegm/mktime consult process-wide state), needs no
 *    allocation and no thread-unsafe calls, and also rejects calendar-impossible days
 *    (2023-02-30), which the FHIR regexes alone let through.  Zone offsets are applied with
 *    days-from-civil arithmetic (H. Hinnant's algorithms), so day, month, year and leap-day
 *    carries are exact for the whole proleptic Gregorian range.
 *
 *  - Cells are appended to the caller's buffer in one piece after everything was checked, so a
 *    mismatch or an allocation failure leaves the buffer as it was.
 *
 * No state at all: every function works only on its arguments.
 */
#include "fhir2cdm/f2c_render.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_calendar.h"

/* ---------------------------------------------------------------------------------------------
 * Dates and times
 */

/* A parsed FHIR date/dateTime/instant/time.  Missing parts are 0 (month/day: 1). */
typedef struct f2c_when {
    int year, month, day, hour, minute;
    const char *sec;    /* the two seconds digits as written ("60" is kept), NULL: "00" */
    const char *frac;   /* '.' and the fraction digits as written, NULL: none */
    size_t frac_len;    /* including the '.' */
    int offset_minutes; /* zone offset east of UTC */
} f2c_when;

/* Cursor over the input string. */
typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static int at(const scan *c, char ch)
{
    return c->i < c->n && c->s[c->i] == ch;
}

/* Reads exactly k digits as a number; -1 if they are not there. */
static int digits(scan *c, size_t k)
{
    if (c->n - c->i < k) return -1;
    int v = 0;
    for (size_t j = 0; j < k; j++) {
        char ch = c->s[c->i + j];
        if (ch < '0' || ch > '9') return -1;
        v = v * 10 + (ch - '0');
    }
    c->i += k;
    return v;
}

/* time: ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)? */
static int scan_time(scan *c, f2c_when *w)
{
    int h = digits(c, 2);
    if (h < 0 || h > 23 || !at(c, ':')) return -1;
    c->i++;
    int mi = digits(c, 2);
    if (mi < 0 || mi > 59 || !at(c, ':')) return -1;
    c->i++;
    const char *sec = c->s + c->i;
    int se = digits(c, 2);
    if (se < 0 || se > 60) return -1;
    w->hour = h;
    w->minute = mi;
    w->sec = sec;
    if (at(c, '.')) {
        size_t start = c->i++;
        if (c->i >= c->n || c->s[c->i] < '0' || c->s[c->i] > '9') return -1;
        while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
            c->i++;
        w->frac = c->s + start;
        w->frac_len = c->i - start;
    }
    return 0;
}

/* Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00) */
static int scan_zone(scan *c, f2c_when *w)
{
    if (at(c, 'Z')) {
        c->i++;
        return 0;
    }
    int sign = at(c, '+') ? 1 : at(c, '-') ? -1 : 0;
    if (!sign) return -1;
    c->i++;
    int h = digits(c, 2);
    if (h < 0 || h > 14 || !at(c, ':')) return -1;
    c->i++;
    int mi = digits(c, 2);
    if (mi < 0 || mi > 59 || (h == 14 && mi != 0)) return -1;
    w->offset_minutes = sign * (h * 60 + mi);
    return 0;
}

/*
 * Scans s[0..n) as type t (date, dateTime or instant) into *w.  Returns 0, or -1 when s does not
 * match the type's FHIR R4 regex, or -2 when it matches but names a day the month does not have.
 *
 * Leniency: the FHIR dateTime regex requires a zone whenever a time is given; we accept a
 * dateTime time without zone and take it as UTC (real-world exports contain such values and
 * there is no better guess).  instant stays strict: it requires date, time and zone.
 */
static int scan_datetime(const char *s, size_t n, f2c_type t, f2c_when *w)
{
    scan c = {s, n, 0};
    memset(w, 0, sizeof *w);
    w->month = w->day = 1;

    /* year: ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000), i.e. four digits but 0000 */
    w->year = digits(&c, 4);
    if (w->year <= 0) return -1;
    int have_day = 0;
    if (at(&c, '-')) {
        c.i++;
        w->month = digits(&c, 2); /* 0[1-9]|1[0-2] */
        if (w->month < 1 || w->month > 12) return -1;
        if (at(&c, '-')) {
            c.i++;
            w->day = digits(&c, 2); /* 0[1-9]|[1-2][0-9]|3[0-1] */
            if (w->day < 1 || w->day > 31) return -1;
            have_day = 1;
        }
    }
    if (have_day && t != F2C_T_DATE && at(&c, 'T')) {
        c.i++;
        if (scan_time(&c, w) != 0) return -1;
        if (c.i < c.n) {
            if (scan_zone(&c, w) != 0) return -1;
        } else if (t == F2C_T_INSTANT) {
            return -1; /* instant: zone required */
        }
    } else if (t == F2C_T_INSTANT) {
        return -1; /* instant: full date and time required */
    }
    if (c.i != c.n) return -1;
    if (w->day > f2c_cal_days_in_month(w->year, w->month)) return -2;
    return 0;
}

static const char *not_a(f2c_type t)
{
    switch (t) {
    case F2C_T_DATE:
        return "not a FHIR date";
    case F2C_T_INSTANT:
        return "not a FHIR instant";
    default:
        return "not a FHIR dateTime";
    }
}

/* Writes the k-digit decimal form of v (0 <= v < 10^k) at p. */
static void put_digits(char *p, long v, int k)
{
    for (int i = k - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDThh:mm:ss" (sec: the two seconds digits, NULL: "00") into head[0..cap); returns
 * its length, 0 if it does not fit.  Written digit by digit, not with snprintf, because this runs
 * for every dateTime cell (about 5% of the transformer's instructions went to snprintf here).
 * Every field is in range on every path today; out of range, snprintf formats it as before. */
static size_t utc_head(char *head, size_t cap, int64_t y, int m, int d, int minutes,
                       const char *sec)
{
    char s0 = sec ? sec[0] : '0', s1 = sec ? sec[1] : '0';
    if (y < 0 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99 || minutes < 0 ||
        minutes >= 100 * 60 || cap < 20) {
        int hn = snprintf(head, cap, "%04ld-%02d-%02dT%02d:%02d:%c%c", (long)y, m, d, minutes / 60,
                          minutes % 60, s0, s1);
        return hn < 0 || (size_t)hn >= cap ? 0 : (size_t)hn;
    }
    put_digits(head, (long)y, 4);
    head[4] = '-';
    put_digits(head + 5, m, 2);
    head[7] = '-';
    put_digits(head + 8, d, 2);
    head[10] = 'T';
    put_digits(head + 11, minutes / 60, 2);
    head[13] = ':';
    put_digits(head + 14, minutes % 60, 2);
    head[16] = ':';
    head[17] = s0;
    head[18] = s1;
    head[19] = '\0';
    return 19;
}

f2c_render_result f2c_render_datetime(const char *s, size_t n, f2c_type t, f2c_buf *out,
                                      const char **why)
{
    const char *reason = NULL;
    f2c_when w;
    if (t != F2C_T_DATE && t != F2C_T_DATETIME && t != F2C_T_INSTANT) {
        reason = "not a date, dateTime or instant column";
        goto mismatch;
    }
    int rc = scan_datetime(s, n, t, &w);
    if (rc == -2) {
        reason = "day does not exist in that month";
        goto mismatch;
    }
    if (rc != 0) {
        reason = not_a(t);
        goto mismatch;
    }

    /* To UTC: local time minus the zone offset; at most one day of carry either way.  Seconds
     * are not touched (offsets are whole minutes), so a leap second "60" stays "60" at the
     * shifted minute, as written. */
    int64_t y = w.year;
    int m = w.month, d = w.day;
    int minutes = w.hour * 60 + w.minute - w.offset_minutes;
    if (minutes < 0 || minutes >= 24 * 60) {
        int64_t days = f2c_cal_days_from_civil(y, m, d) + (minutes < 0 ? -1 : 1);
        minutes += minutes < 0 ? 24 * 60 : -24 * 60;
        f2c_cal_civil_from_days(days, &y, &m, &d);
        if (y < 1 || y > 9999) {
            /* Years outside 0001..9999 are not FHIR years and most CDM consumers cannot load
             * them. */
            reason = "date outside years 0001-9999 after conversion to UTC";
            goto mismatch;
        }
    }

    char head[32];
    size_t hn = utc_head(head, sizeof head, y, m, d, minutes, w.sec);
    if (hn == 0) return F2C_RENDER_NOMEM; /* cannot happen */
    if (f2c_buf_reserve(out, hn + w.frac_len + 1) != 0) return F2C_RENDER_NOMEM;
    f2c_buf_append(out, head, hn);
    if (w.frac) f2c_buf_append(out, w.frac, w.frac_len);
    f2c_buf_appendc(out, 'Z');
    return F2C_RENDER_OK;

mismatch:
    if (why) *why = reason;
    return F2C_RENDER_MISMATCH;
}

/* ---------------------------------------------------------------------------------------------
 * Values
 */

/* Appends the JSON source text of node, optionally wrapped in [ ]. */
static f2c_render_result append_source(f2c_doc *d, const cJSON *node, int wrap, f2c_buf *out)
{
    const char *p;
    size_t n;
    /* -1 means out of memory or a node of another document (a caller bug); both are reported as
     * NOMEM so the caller stops instead of writing a wrong cell. */
    if (f2c_doc_source(d, node, &p, &n) != 0) return F2C_RENDER_NOMEM;
    if (f2c_buf_reserve(out, n + 2) != 0) return F2C_RENDER_NOMEM;
    if (wrap) f2c_buf_appendc(out, '[');
    f2c_buf_append(out, p, n);
    if (wrap) f2c_buf_appendc(out, ']');
    return F2C_RENDER_OK;
}

static f2c_render_result mismatch(const char **why, const char *reason)
{
    if (why) *why = reason;
    return F2C_RENDER_MISMATCH;
}

/* Appends v as "%lld" would, without snprintf (integer cells are frequent). */
static int append_lld(f2c_buf *out, long long v)
{
    char tmp[24]; /* 20 digits and a sign at most */
    size_t k = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--k] = '-';
    return f2c_buf_append(out, tmp + k, sizeof tmp - k);
}

/* integer64 (FHIR R5 datatypes: -2^63..2^63-1) from an integer literal p[0..n) with at least
 * one digit after an optional '-': its digits, without leading zeros ("-0" is "0"). */
static f2c_render_result render_integer64_text(const char *p, size_t n, f2c_buf *out,
                                               const char **why)
{
    int neg = p[0] == '-';
    unsigned long long v = 0, limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (size_t i = (size_t)neg; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return mismatch(why, "expected an integer literal");
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (limit - d) / 10) return mismatch(why, "integer out of range for integer64");
        v = v * 10 + d;
    }
    char tmp[24];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg && !(k == sizeof tmp - 1 && tmp[k] == '0')) tmp[--k] = '-';
    return f2c_buf_append(out, tmp + k, sizeof tmp - k) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}

/* integer (int32), positiveInt (1..2^31-1), unsignedInt (0..2^31-1) from the number's text. */
/* Integer literal p[0..n) checked against t's range (FHIR R4 datatypes: integer is 32-bit signed,
 * positiveInt >= 1, unsignedInt >= 0) and written as its digits. */
static f2c_render_result render_integer_text(const char *p, size_t n, f2c_type t, f2c_buf *out,
                                             const char **why)
{
    size_t i = 0;
    int neg = n > 0 && p[0] == '-';
    if (neg) i++;
    if (i == n) return mismatch(why, "expected an integer literal");
    if (t == F2C_T_INTEGER64) return render_integer64_text(p, n, out, why);
    /* Accumulate with saturation: 2^31 is the largest magnitude any of the types can take. */
    long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return mismatch(why, "expected an integer literal");
        if (v <= 2147483648LL) v = v * 10 + (p[i] - '0');
    }
    if (neg) v = -v;
    long long lo = t == F2C_T_POSITIVEINT ? 1 : t == F2C_T_UNSIGNEDINT ? 0 : -2147483648LL;
    if (v < lo || v > 2147483647LL) {
        return mismatch(why, t == F2C_T_POSITIVEINT   ? "integer out of range for positiveInt"
                             : t == F2C_T_UNSIGNEDINT ? "integer out of range for unsignedInt"
                                                      : "integer out of range for integer");
    }
    /* Written as the value's digits: JSON has no leading zeros, so this is the source text,
     * except that "-0" becomes "0". */
    return append_lld(out, v) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}

static f2c_render_result render_integer(f2c_doc *d, const cJSON *node, f2c_type t, f2c_buf *out,
                                        const char **why)
{
    /* FHIR R5 JSON writes integer64 as a string (R5 json.html, "Primitive Types"). */
    if (t == F2C_T_INTEGER64 && cJSON_IsString(node))
        return render_integer_text(node->valuestring, strlen(node->valuestring), t, out, why);
    if (!cJSON_IsNumber(node)) return mismatch(why, "expected a JSON number");
    const char *p;
    size_t n;
    if (f2c_doc_source(d, node, &p, &n) != 0) return F2C_RENDER_NOMEM;
    return render_integer_text(p, n, t, out, why);
}

/* An SQL DATE (a view column tagged ansi/type DATE): a FHIR date or dateTime s[0..n) with at
 * least a day, written as its date YYYY-MM-DD as the value states it (a dateTime's own offset,
 * not UTC: 2014-05-18T23:30:00-04:00 is 2014-05-18).  A year or year-month is no DATE. */
static f2c_render_result render_sql_date(const char *s, size_t n, f2c_buf *out, const char **why)
{
    size_t mark = out->len;
    f2c_render_result r = f2c_render_datetime(s, n, F2C_T_DATETIME, out, why); /* validates */
    out->len = mark;
    if (out->data) out->data[mark] = '\0';
    if (r != F2C_RENDER_OK) return r;
    if (n < 10) return mismatch(why, "a DATE needs a year, month and day");
    return f2c_buf_append(out, s, 10) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}

/* An SQL TIMESTAMP without time zone (a view column tagged ansi/type TIMESTAMP): a FHIR
 * dateTime with a time (hence an offset) or an instant s[0..n), written as its UTC clock
 * without a zone, YYYY-MM-DDThh:mm:ss[.f] (the instant rendering without its 'Z').  A date
 * without a time has no zone to convert from: a mismatch, as under TIMESTAMP WITH TIME ZONE. */
static f2c_render_result render_sql_timestamp(const char *s, size_t n, f2c_buf *out,
                                              const char **why)
{
    size_t mark = out->len;
    f2c_render_result r = f2c_render_datetime(s, n, F2C_T_INSTANT, out, why);
    if (r == F2C_RENDER_MISMATCH)
        return mismatch(why, "a TIMESTAMP needs a date and a time with its offset");
    if (r != F2C_RENDER_OK) return r;
    if (out->len == mark || out->data[out->len - 1] != 'Z') /* cannot happen: UTC, with Z */
        return mismatch(why, "not a FHIR instant");
    out->data[--out->len] = '\0';
    return F2C_RENDER_OK;
}

static f2c_render_result render_time(const cJSON *node, f2c_buf *out, const char **why)
{
    if (!cJSON_IsString(node)) return mismatch(why, "expected a JSON string");
    const char *s = node->valuestring;
    f2c_when w;
    scan c = {s, strlen(s), 0};
    if (scan_time(&c, &w) != 0 || c.i != c.n) return mismatch(why, "not a FHIR time");
    return f2c_buf_append(out, s, c.n) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}

f2c_render_result f2c_render_value(f2c_doc *d, const cJSON *node, f2c_type t, f2c_buf *out,
                                   const char **why)
{
    if (!node || cJSON_IsNull(node)) return F2C_RENDER_EMPTY;

    if (f2c_type_is_stringlike(t)) {
        if (cJSON_IsString(node))
            return f2c_buf_appends(out, node->valuestring) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
        if (cJSON_IsTrue(node))
            return f2c_buf_appends(out, "true") == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
        if (cJSON_IsFalse(node))
            return f2c_buf_appends(out, "false") == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
        return append_source(d, node, 0, out); /* number, object, array: JSON text */
    }

    switch (t) {
    case F2C_T_BOOLEAN:
        if (!cJSON_IsBool(node)) return mismatch(why, "expected a JSON boolean");
        return f2c_buf_appends(out, cJSON_IsTrue(node) ? "true" : "false") == 0 ? F2C_RENDER_OK
                                                                                : F2C_RENDER_NOMEM;
    case F2C_T_INTEGER:
    case F2C_T_POSITIVEINT:
    case F2C_T_UNSIGNEDINT:
    case F2C_T_INTEGER64:
        return render_integer(d, node, t, out, why);
    case F2C_T_SQL_DATE:
        if (!cJSON_IsString(node)) return mismatch(why, "expected a JSON string");
        return render_sql_date(node->valuestring, strlen(node->valuestring), out, why);
    case F2C_T_SQL_TIMESTAMP:
        if (!cJSON_IsString(node)) return mismatch(why, "expected a JSON string");
        return render_sql_timestamp(node->valuestring, strlen(node->valuestring), out, why);
    case F2C_T_DECIMAL:
        if (!cJSON_IsNumber(node)) return mismatch(why, "expected a JSON number");
        return append_source(d, node, 0, out);
    case F2C_T_DATE:
    case F2C_T_DATETIME:
    case F2C_T_INSTANT:
        if (!cJSON_IsString(node)) return mismatch(why, "expected a JSON string");
        return f2c_render_datetime(node->valuestring, strlen(node->valuestring), t, out, why);
    case F2C_T_TIME:
        return render_time(node, out, why);
    case F2C_T_ARRAY:
        return append_source(d, node, !cJSON_IsArray(node), out);
    default:
        return mismatch(why, "unknown column type");
    }
}

/* ---- FHIRPath results ------------------------------------------------------------------- */

static int is_integer_type(f2c_type t)
{
    return t == F2C_T_INTEGER || t == F2C_T_POSITIVEINT || t == F2C_T_UNSIGNEDINT ||
           t == F2C_T_INTEGER64;
}

static int is_date_type(f2c_type t)
{
    return t == F2C_T_DATE || t == F2C_T_DATETIME || t == F2C_T_INSTANT;
}

static f2c_render_result append_text(f2c_buf *out, const char *p, size_t n)
{
    return f2c_buf_append(out, p, n) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}

f2c_render_result f2c_render_fp_item(f2c_doc *d, const f2c_fp_item *item, f2c_type t, f2c_buf *out,
                                     const char **why)
{
    if (!item) return F2C_RENDER_EMPTY;
    /* Read from the resource: exactly as a path column renders the same node. */
    if (item->node && t != F2C_T_ARRAY) return f2c_render_value(d, item->node, t, out, why);
    if (t == F2C_T_ARRAY) {
        f2c_fp_result one = {item, 1};
        return f2c_render_fp_collection(d, &one, out);
    }
    int stringlike = f2c_type_is_stringlike(t);
    switch (item->kind) {
    case F2C_FP_STRING:
        if (stringlike) return append_text(out, item->text, item->len);
        if (is_date_type(t)) return f2c_render_datetime(item->text, item->len, t, out, why);
        if (t == F2C_T_SQL_DATE) return render_sql_date(item->text, item->len, out, why);
        if (t == F2C_T_SQL_TIMESTAMP) return render_sql_timestamp(item->text, item->len, out, why);
        return mismatch(why, "expression gives a String");
    case F2C_FP_BOOLEAN:
        if (stringlike || t == F2C_T_BOOLEAN) return append_text(out, item->text, item->len);
        return mismatch(why, "expression gives a Boolean");
    case F2C_FP_INTEGER:
        if (is_integer_type(t)) return render_integer_text(item->text, item->len, t, out, why);
        if (stringlike || t == F2C_T_DECIMAL) return append_text(out, item->text, item->len);
        return mismatch(why, "expression gives an Integer");
    case F2C_FP_DECIMAL:
        if (stringlike || t == F2C_T_DECIMAL) return append_text(out, item->text, item->len);
        return mismatch(why, "expression gives a Decimal");
    case F2C_FP_DATE:
    case F2C_FP_DATETIME:
        if (is_date_type(t)) /* every date column holds UTC instants, so any precision fits */
            return f2c_render_datetime(item->text, item->len,
                                       item->kind == F2C_FP_DATE ? F2C_T_DATE : F2C_T_DATETIME, out,
                                       why);
        if (t == F2C_T_SQL_DATE) return render_sql_date(item->text, item->len, out, why);
        if (t == F2C_T_SQL_TIMESTAMP) return render_sql_timestamp(item->text, item->len, out, why);
        if (stringlike) return append_text(out, item->text, item->len);
        return mismatch(why, "expression gives a date");
    case F2C_FP_TIME:
        if (stringlike || t == F2C_T_TIME) return append_text(out, item->text, item->len);
        return mismatch(why, "expression gives a Time");
    case F2C_FP_QUANTITY:
        if (t == F2C_T_DECIMAL) return append_text(out, item->text, item->len);
        if (stringlike) {
            if (f2c_buf_append(out, item->text, item->len) != 0 ||
                (item->unit && f2c_buf_printf(out, " '%s'", item->unit) != 0))
                return F2C_RENDER_NOMEM;
            return F2C_RENDER_OK;
        }
        return mismatch(why, "expression gives a Quantity");
    case F2C_FP_OBJECT:
        return mismatch(why, "expression gives a complex element; use type string or array");
    }
    return mismatch(why, "unsupported expression result");
}

static f2c_render_result append_json_string(f2c_buf *out, const char *p, size_t n)
{
    /* JSON string escaping by cJSON (the project does not hand-roll JSON). */
    char *tmp = malloc(n + 1);
    if (!tmp) return F2C_RENDER_NOMEM;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    cJSON *s = cJSON_CreateString(tmp);
    free(tmp);
    char *txt = s ? cJSON_PrintUnformatted(s) : NULL;
    cJSON_Delete(s);
    if (!txt) return F2C_RENDER_NOMEM;
    f2c_render_result r = append_text(out, txt, strlen(txt));
    cJSON_free(txt);
    return r;
}

f2c_render_result f2c_render_fp_collection(f2c_doc *d, const f2c_fp_result *r, f2c_buf *out)
{
    if (!r || r->count == 0) return F2C_RENDER_EMPTY;
    if (f2c_buf_appendc(out, '[') != 0) return F2C_RENDER_NOMEM;
    for (size_t i = 0; i < r->count; i++) {
        const f2c_fp_item *it = &r->items[i];
        if (i && f2c_buf_appendc(out, ',') != 0) return F2C_RENDER_NOMEM;
        f2c_render_result rr;
        if (it->node) {
            rr = append_source(d, it->node, 0, out);
        } else if (it->kind == F2C_FP_BOOLEAN || it->kind == F2C_FP_INTEGER ||
                   it->kind == F2C_FP_DECIMAL) {
            rr = append_text(out, it->text, it->len);
        } else if (it->kind == F2C_FP_QUANTITY) {
            rr = f2c_buf_appends(out, "{\"value\":") == 0 &&
                         append_text(out, it->text, it->len) == F2C_RENDER_OK &&
                         f2c_buf_appends(out, ",\"unit\":") == 0
                     ? append_json_string(out, it->unit ? it->unit : "",
                                          it->unit ? strlen(it->unit) : 0)
                     : F2C_RENDER_NOMEM;
            if (rr == F2C_RENDER_OK && f2c_buf_appendc(out, '}') != 0) rr = F2C_RENDER_NOMEM;
        } else {
            rr = append_json_string(out, it->text ? it->text : "", it->len);
        }
        if (rr != F2C_RENDER_OK) return rr;
    }
    return f2c_buf_appendc(out, ']') == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
}
