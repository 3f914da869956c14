/*
 * f2c_pq_value: cell text -> typed Parquet values, exactly, and back (see f2c_pq_value.h).
 *
 * Why integer arithmetic throughout: a decimal such as 0.0006122107609236168 has no exact binary
 * floating-point form, and a timestamp's fraction digits must round once, half-even, at the
 * microsecond; so decimals are built digit by digit into an unsigned 128-bit integer (10^38 <
 * 2^127, so DECIMAL(38, s) always fits) with the exponent applied by moving the point, and
 * clocks are read as whole microseconds plus the dropped digits' rounding.  Dates use Howard
 * Hinnant's days_from_civil (proleptic Gregorian), the calendar of Parquet's DATE logical type
 * (parquet-format LogicalTypes.md, "DATE": days since the Unix epoch) and TIMESTAMP(MICROS).
 */
#include "f2c_pq_value.h"

#include "fhir2cdm/f2c_calendar.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- booleans and integers ----------------------------------------------------------------- */

f2c_pqv f2c_pqv_bool(const char *s, size_t n, int *out)
{
    if (n == 4 && s[0] == 't' && s[1] == 'r' && s[2] == 'u' && s[3] == 'e') {
        *out = 1;
        return F2C_PQV_OK;
    }
    if (n == 5 && s[0] == 'f' && s[1] == 'a' && s[2] == 'l' && s[3] == 's' && s[4] == 'e') {
        *out = 0;
        return F2C_PQV_OK;
    }
    return F2C_PQV_BAD;
}

f2c_pqv f2c_pqv_int32(const char *s, size_t n, int32_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == n) return F2C_PQV_BAD;
    int64_t v = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return F2C_PQV_BAD;
        v = v * 10 + (s[i] - '0');
        if (v > 2147483648LL) v = 2147483649LL; /* saturated: out of range either way */
    }
    if (neg) v = -v;
    if (v > INT32_MAX || v < INT32_MIN) return F2C_PQV_RANGE;
    *out = (int32_t)v;
    return F2C_PQV_OK;
}

f2c_pqv f2c_pqv_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == n) return F2C_PQV_BAD;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    int range = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return F2C_PQV_BAD;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) range = 1; /* keep checking the shape */
        if (!range) v = v * 10 + d;
    }
    if (range) return F2C_PQV_RANGE;
    *out = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    return F2C_PQV_OK;
}

/* ---- decimals ------------------------------------------------------------------------------ */

/* A JSON number's digits: integer part ip[0..ni), fraction fp[0..nf), exponent e (saturated). */
typedef struct number {
    const char *ip, *fp;
    size_t ni, nf;
    long long e;
    int neg;
} number;

static int digit_at(const number *d, size_t i)
{
    return (i < d->ni ? d->ip[i] : d->fp[i - d->ni]) - '0';
}

/* Reads the digits at s[i..n) (i advanced past them): start and count; 0 when there is none. */
static int run_of_digits(const char *s, size_t n, size_t *i, const char **start, size_t *count)
{
    size_t a = *i;
    while (*i < n && is_digit(s[*i]))
        (*i)++;
    *start = s + a;
    *count = *i - a;
    return *count > 0;
}

static int parse_number(const char *s, size_t n, number *d)
{
    size_t i = 0;
    *d = (number){.fp = s};
    if (i < n && (s[i] == '-' || s[i] == '+')) d->neg = s[i++] == '-';
    if (!run_of_digits(s, n, &i, &d->ip, &d->ni)) return 0;
    if (i < n && s[i] == '.' && (++i, !run_of_digits(s, n, &i, &d->fp, &d->nf))) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        if (++i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        const char *es;
        size_t ne;
        if (!run_of_digits(s, n, &i, &es, &ne)) return 0;
        for (size_t k = 0; k < ne; k++) /* saturate far beyond any digit count */
            if (d->e < 1000000000000000LL) d->e = d->e * 10 + (es[k] - '0');
        if (eneg) d->e = -d->e;
    }
    return i == n;
}

static u128 pow10_u128(int k)
{
    u128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* Rounds the digits after the kept ones (from index from, of total) half-even into *u;
 * ROUNDED when any dropped digit is non-zero.  from may be past the first significant digit
 * by a negative margin: implicit leading zeros (then the first dropped digit is 0). */
static f2c_pqv round_dropped(const number *d, long long from, size_t lead, size_t total, u128 *u)
{
    int first = 0, rest = 0;
    size_t scan = lead; /* first index still to test for non-zero "rest" digits */
    if (from >= (long long)lead) {
        first = digit_at(d, (size_t)from);
        scan = (size_t)from + 1;
    }
    for (size_t j = scan; j < total && !rest; j++)
        rest = digit_at(d, j) != 0;
    if (first > 5 || (first == 5 && (rest || (*u & 1)))) (*u)++;
    return first || rest ? F2C_PQV_ROUNDED : F2C_PQV_OK;
}

f2c_pqv f2c_pqv_decimal(const char *s, size_t n, int precision, int scale, int64_t *hi,
                        uint64_t *lo)
{
    number d;
    if (!parse_number(s, n, &d)) return F2C_PQV_BAD;
    size_t total = d.ni + d.nf, lead = 0;
    while (lead < total && digit_at(&d, lead) == 0)
        lead++;
    u128 u = 0;
    f2c_pqv r = F2C_PQV_OK;
    if (lead < total) {
        long long ndig = (long long)(total - lead);
        long long k = d.e - (long long)d.nf + scale; /* value * 10^scale = digits * 10^k */
        if (ndig + k > precision) return F2C_PQV_RANGE;
        long long keep = k >= 0 ? ndig : ndig + k;
        for (long long j = 0; j < keep; j++)
            u = u * 10 + (u128)digit_at(&d, lead + (size_t)j);
        if (k >= 0)
            u *= pow10_u128((int)k);
        else
            r = round_dropped(&d, (long long)lead + keep, lead, total, &u);
        if (u >= pow10_u128(precision)) return F2C_PQV_RANGE;
    }
    i128 v = d.neg ? -(i128)u : (i128)u;
    *hi = (int64_t)(v >> 64);
    *lo = (uint64_t)v;
    return r;
}

/* ---- dates and clocks ---------------------------------------------------------------------- */

/* Digits s[0..k) as a number; -1 unless all are digits. */
static int fixed(const char *s, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        if (!is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD" at s (10 bytes available) -> days; 0 when malformed or not a calendar date. */
static int parse_ymd(const char *s, int32_t *days)
{
    int y = fixed(s, 4), m = fixed(s + 5, 2), d = fixed(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-') return 0;
    if (d > f2c_cal_days_in_month(y, m)) return 0;
    *days = (int32_t)f2c_cal_days_from_civil(y, m, d); /* years 1..9999: fits */
    return 1;
}

/* "hh:mm:ss[.f...]" exactly s[0..n) -> microseconds (fraction rounded half-even: ROUNDED, which
 * may reach 86400000000); a leap second (ss = 60) is RANGE once the text is known well-formed. */
static f2c_pqv parse_clock(const char *s, size_t n, int64_t *us)
{
    if (n < 8 || s[2] != ':' || s[5] != ':') return F2C_PQV_BAD;
    int h = fixed(s, 2), m = fixed(s + 3, 2), sec = fixed(s + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return F2C_PQV_BAD;
    int64_t frac = 0;
    f2c_pqv r = F2C_PQV_OK;
    if (n > 8) {
        if (s[8] != '.' || n == 9) return F2C_PQV_BAD;
        int first = 0, rest = 0;
        for (size_t i = 9; i < n; i++) {
            if (!is_digit(s[i])) return F2C_PQV_BAD;
            int dg = s[i] - '0';
            if (i < 15)
                frac = frac * 10 + dg;
            else if (i == 15)
                first = dg;
            else
                rest |= dg != 0;
        }
        for (size_t i = n; i < 15; i++)
            frac *= 10;
        if (first || rest) r = F2C_PQV_ROUNDED;
        if (first > 5 || (first == 5 && (rest || (frac & 1)))) frac++;
    }
    if (sec == 60) return F2C_PQV_RANGE;
    *us = ((int64_t)h * 3600 + m * 60 + sec) * US_PER_SEC + frac;
    return r;
}

f2c_pqv f2c_pqv_date(const char *s, size_t n, int32_t *out)
{
    int32_t days;
    if (n < 10 || !parse_ymd(s, &days)) return F2C_PQV_BAD;
    if (n == 10) {
        *out = days;
        return F2C_PQV_OK;
    }
    if (s[10] != 'T' || s[n - 1] != 'Z') return F2C_PQV_BAD;
    int64_t us = 0;
    f2c_pqv r = parse_clock(s + 11, n - 12, &us);
    if (r == F2C_PQV_BAD) return r;
    *out = days;
    return r == F2C_PQV_OK && us == 0 ? F2C_PQV_OK : F2C_PQV_DROPPED;
}

f2c_pqv f2c_pqv_timestamp(const char *s, size_t n, int64_t *out)
{
    int32_t days;
    if (n < 20 || s[10] != 'T' || s[n - 1] != 'Z' || !parse_ymd(s, &days)) return F2C_PQV_BAD;
    int64_t us = 0;
    f2c_pqv r = parse_clock(s + 11, n - 12, &us);
    if (r == F2C_PQV_OK || r == F2C_PQV_ROUNDED) *out = (int64_t)days * US_PER_DAY + us;
    return r;
}

f2c_pqv f2c_pqv_timestamp_local(const char *s, size_t n, int64_t *out)
{
    int32_t days;
    if (n < 19 || s[10] != 'T' || s[n - 1] == 'Z' || !parse_ymd(s, &days)) return F2C_PQV_BAD;
    int64_t us = 0;
    f2c_pqv r = parse_clock(s + 11, n - 11, &us);
    if (r == F2C_PQV_OK || r == F2C_PQV_ROUNDED) *out = (int64_t)days * US_PER_DAY + us;
    return r;
}

f2c_pqv f2c_pqv_time(const char *s, size_t n, int64_t *out)
{
    int64_t us = 0;
    f2c_pqv r = parse_clock(s, n, &us);
    if (r != F2C_PQV_OK && r != F2C_PQV_ROUNDED) return r;
    if (us >= US_PER_DAY) return F2C_PQV_RANGE; /* 23:59:59.9999995 rounds to 24:00:00 */
    *out = us;
    return r;
}

/* ---- back to text -------------------------------------------------------------------------- */

/* v's decimal digits at out (v < 10^39); returns their count. */
static size_t put_digits(char *out, u128 v)
{
    char tmp[40];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The low k decimal digits of v at out, zero-padded. */
static void put_fixed(char *out, uint64_t v, int k)
{
    for (int i = k - 1; i >= 0; i--) {
        out[i] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
}

size_t f2c_pqv_int_text(int64_t v, char *out)
{
    size_t k = 0;
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        out[k++] = '-';
        u = 0 - u; /* INT64_MIN too */
    }
    return k + put_digits(out + k, u);
}

size_t f2c_pqv_decimal_text(int64_t hi, uint64_t lo, int precision, int scale, char *out)
{
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) return 0;
    u128 u = ((u128)(uint64_t)hi << 64) | lo;
    int neg = hi < 0;
    if (neg) u = 0 - u; /* |v|: -2^127 gives 2^127, out of every precision's range */
    if (u >= pow10_u128(precision)) return 0;
    size_t k = 0;
    if (neg) out[k++] = '-';
    u128 p = pow10_u128(scale);
    k += put_digits(out + k, u / p);
    if (scale == 0) return k;
    out[k++] = '.';
    u128 f = u % p;
    for (int i = scale - 1; i >= 0; i--) {
        out[k + (size_t)i] = (char)('0' + (int)(f % 10));
        f /= 10;
    }
    return k + (size_t)scale;
}

/* Whether day number days is within 0001-01-01 .. 9999-12-31 (what parse_ymd accepts). */
static int days_in_range(int64_t days)
{
    return days >= f2c_cal_days_from_civil(1, 1, 1) &&
           days <= f2c_cal_days_from_civil(9999, 12, 31);
}

/* "YYYY-MM-DD" of days (in range) at out; 10. */
static size_t put_ymd(char *out, int64_t days)
{
    int64_t y;
    int m, d;
    f2c_cal_civil_from_days(days, &y, &m, &d);
    put_fixed(out, (uint64_t)y, 4);
    out[4] = '-';
    put_fixed(out + 5, (uint64_t)m, 2);
    out[7] = '-';
    put_fixed(out + 8, (uint64_t)d, 2);
    return 10;
}

/* "hh:mm:ss[.f]" of us (0 <= us < one day) at out: the fraction up to its last non-zero digit,
 * none when whole; returns the length (8..15). */
static size_t put_clock(char *out, int64_t us)
{
    int64_t s = us / US_PER_SEC, frac = us % US_PER_SEC;
    put_fixed(out, (uint64_t)(s / 3600), 2);
    out[2] = ':';
    put_fixed(out + 3, (uint64_t)(s / 60 % 60), 2);
    out[5] = ':';
    put_fixed(out + 6, (uint64_t)(s % 60), 2);
    if (frac == 0) return 8;
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    out[8] = '.';
    put_fixed(out + 9, (uint64_t)frac, digits);
    return 9 + (size_t)digits;
}

size_t f2c_pqv_date_text(int32_t days, char *out)
{
    return days_in_range(days) ? put_ymd(out, days) : 0;
}

size_t f2c_pqv_timestamp_text(int64_t us, int utc, char *out)
{
    int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
    if (rem < 0) { /* floor: before the epoch */
        rem += US_PER_DAY;
        days--;
    }
    if (!days_in_range(days)) return 0;
    size_t k = put_ymd(out, days);
    out[k++] = 'T';
    k += put_clock(out + k, rem);
    if (utc) out[k++] = 'Z';
    return k;
}

size_t f2c_pqv_time_text(int64_t us, char *out)
{
    return us >= 0 && us < US_PER_DAY ? put_clock(out, us) : 0;
}
