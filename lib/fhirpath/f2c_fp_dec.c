/* Exact FHIRPath Decimal arithmetic on 128-bit scaled integers (f2c_fp_dec.h). */
#include "f2c_fp_dec.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static u128 p10(int k) /* 10^k, 0 <= k <= 38 */
{
    u128 r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

#define LIMIT (p10(37))

static u128 mag(__int128 c)
{
    return c < 0 ? (u128)0 - (u128)c : (u128)c;
}

static void set(fp_dec *r, int neg, u128 m, int s)
{
    r->c = neg ? -(__int128)m : (__int128)m;
    r->s = s;
}

/* m * 10^k < LIMIT: 0 and *out set, else -1. */
static int scale_up(u128 m, int k, u128 *out)
{
    if (k > 37) return m ? -1 : (*out = 0, 0);
    u128 r;
    if (__builtin_mul_overflow(m, p10(k), &r) || r >= LIMIT) return -1;
    *out = r;
    return 0;
}

/* m / 10^k rounded half to even. */
static u128 scale_down(u128 m, int k)
{
    if (k <= 0) return m;
    if (k > 38) return 0;
    u128 d = p10(k), q = m / d, rem = m % d, half = d / 2;
    if (rem > half || (rem == half && (q & 1))) q++;
    return q;
}

int fp_dec_parse(const char *t, size_t n, fp_dec *out)
{
    size_t i = 0;
    int neg = 0, frac = 0, seen_point = 0, digits = 0;
    u128 m = 0;
    if (i < n && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
    for (; i < n; i++) {
        char ch = t[i];
        if (ch == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        if (ch < '0' || ch > '9') break;
        digits++;
        if (m * 10 + (u128)(ch - '0') >= LIMIT) {
            /* more than 37 digits: only fractional zeros may be dropped */
            if (!seen_point) return -1;
            for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
                if (t[i] != '0') return -1;
            break;
        }
        m = m * 10 + (u128)(ch - '0');
        if (seen_point) frac++;
    }
    if (!digits) return -1;
    long e = 0;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        int eneg = 0;
        i++;
        if (i < n && (t[i] == '-' || t[i] == '+')) eneg = t[i++] == '-';
        if (i >= n || t[i] < '0' || t[i] > '9') return -1;
        for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
            if ((e = e * 10 + (t[i] - '0')) > 1000) return -1;
        if (eneg) e = -e;
    }
    if (i != n) return -1;
    long s = frac - e;
    while (s > F2C_FP_DEC_MAX_SCALE && m % 10 == 0 && m)
        m /= 10, s--;
    if (!m && s > F2C_FP_DEC_MAX_SCALE) s = F2C_FP_DEC_MAX_SCALE;
    if (s > F2C_FP_DEC_MAX_SCALE) return -1;
    if (s < 0) {
        if (scale_up(m, (int)-s, &m)) return -1;
        s = 0;
    }
    set(out, neg, m, (int)s);
    return 0;
}

void fp_dec_from_int(int64_t i, fp_dec *out)
{
    out->c = i;
    out->s = 0;
}

/* a and b at the common (larger) scale; -1 if that does not fit. */
static int align(const fp_dec *a, const fp_dec *b, u128 *ma, u128 *mb, int *s)
{
    *s = a->s > b->s ? a->s : b->s;
    if (scale_up(mag(a->c), *s - a->s, ma)) return -1;
    if (scale_up(mag(b->c), *s - b->s, mb)) return -1;
    return 0;
}

static int addsub(const fp_dec *a, const fp_dec *b, int negate_b, fp_dec *r)
{
    u128 ma, mb;
    int s;
    if (align(a, b, &ma, &mb, &s)) return -1;
    int na = a->c < 0, nb = (b->c < 0) != negate_b && b->c != 0;
    if (na == nb) {
        u128 m = ma + mb;
        if (m >= LIMIT) return -1;
        set(r, na, m, s);
    } else if (ma >= mb) {
        set(r, na, ma - mb, s);
    } else {
        set(r, nb, mb - ma, s);
    }
    return 0;
}

int fp_dec_add(const fp_dec *a, const fp_dec *b, fp_dec *r)
{
    return addsub(a, b, 0, r);
}

int fp_dec_sub(const fp_dec *a, const fp_dec *b, fp_dec *r)
{
    return addsub(a, b, 1, r);
}

/* 256-bit unsigned as four 64-bit limbs, little end first. */
typedef struct u256 {
    uint64_t w[4];
} u256;

static u256 mul128(u128 a, u128 b)
{
    uint64_t x[2] = {(uint64_t)a, (uint64_t)(a >> 64)}, y[2] = {(uint64_t)b, (uint64_t)(b >> 64)};
    u256 r = {{0, 0, 0, 0}};
    for (int i = 0; i < 2; i++) {
        u128 carry = 0;
        for (int j = 0; j < 2; j++) {
            u128 t = (u128)x[i] * y[j] + r.w[i + j] + carry;
            r.w[i + j] = (uint64_t)t;
            carry = t >> 64;
        }
        r.w[i + 2] = (uint64_t)carry;
    }
    return r;
}

static unsigned divmod10(u256 *v)
{
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = (rem << 64) | v->w[i];
        v->w[i] = (uint64_t)(cur / 10);
        rem = cur % 10;
    }
    return (unsigned)rem;
}

static int fits(const u256 *v, u128 *out)
{
    if (v->w[3] || v->w[2]) return 0;
    u128 m = ((u128)v->w[1] << 64) | v->w[0];
    if (m >= LIMIT) return 0;
    *out = m;
    return 1;
}

int fp_dec_mul(const fp_dec *a, const fp_dec *b, fp_dec *r)
{
    u256 p = mul128(mag(a->c), mag(b->c));
    int s = a->s + b->s;
    unsigned last = 0, sticky = 0, dropped = 0;
    u128 m;
    /* drop digits (rounding half to even) beyond the maximum scale or 37 digits */
    while (s > F2C_FP_DEC_MAX_SCALE || (!fits(&p, &m) && s > 0)) {
        sticky |= last;
        last = divmod10(&p);
        s--;
        dropped = 1;
    }
    if (!fits(&p, &m)) return -1; /* too large at scale 0 */
    if (dropped && (last > 5 || (last == 5 && (sticky || (m & 1))))) {
        m++;
        if (m >= LIMIT) {
            if (s == 0) return -1;
            m /= 10, s--; /* m was 10^37 - 1 + 1: exact */
        }
    }
    set(r, (a->c < 0) != (b->c < 0) && m, m, s);
    return 0;
}

int fp_dec_div(const fp_dec *a, const fp_dec *b, fp_dec *r)
{
    u128 A = mag(a->c), B = mag(b->c);
    if (!B) return -1;
    u128 q = A / B, rem = A % B, lim10 = LIMIT / 10;
    int f = 0, fmax = F2C_FP_DEC_MAX_SCALE - a->s + b->s;
    while (rem && f < fmax && q < lim10) {
        rem *= 10;
        q = q * 10 + rem / B;
        rem %= B;
        f++;
    }
    int s = f + a->s - b->s;
    if (rem) {
        u128 twice = rem * 2;
        if (twice > B || (twice == B && (q & 1))) q++;
        if (q >= LIMIT) {
            if (s <= 0) return -1;
            q /= 10, s--;
        }
    }
    if (s < 0) {
        if (scale_up(q, -s, &q)) return -1;
        s = 0;
    }
    set(r, (a->c < 0) != (b->c < 0) && q, q, s);
    fp_dec_trim(r);
    return 0;
}

int fp_dec_idiv(const fp_dec *a, const fp_dec *b, int64_t *q)
{
    u128 ma, mb;
    int s;
    if (!b->c || align(a, b, &ma, &mb, &s)) return -1;
    u128 m = ma / mb;
    if (m > (u128)INT64_MAX) return -1;
    *q = (a->c < 0) != (b->c < 0) ? -(int64_t)m : (int64_t)m;
    return 0;
}

int fp_dec_mod(const fp_dec *a, const fp_dec *b, fp_dec *r)
{
    u128 ma, mb;
    int s;
    if (!b->c || align(a, b, &ma, &mb, &s)) return -1;
    u128 m = ma % mb;
    set(r, a->c < 0 && m, m, s);
    return 0;
}

int fp_dec_cmp(const fp_dec *a, const fp_dec *b)
{
    fp_dec d;
    if (fp_dec_sub(a, b, &d) == 0) return d.c < 0 ? -1 : d.c > 0;
    /* too far apart to subtract exactly: the doubles decide */
    double x = fp_dec_to_double(a), y = fp_dec_to_double(b);
    return x < y ? -1 : x > y;
}

void fp_dec_round(fp_dec *a, int places)
{
    if (places < 0) places = 0;
    if (a->s <= places) return;
    u128 m = scale_down(mag(a->c), a->s - places);
    set(a, a->c < 0 && m, m, places);
}

/* floor(n / d) for d > 0. */
static __int128 floor_div(__int128 n, __int128 d)
{
    __int128 q = n / d;
    if (n % d != 0 && n < 0) q--;
    return q;
}

void fp_dec_round_half_up(fp_dec *a, int places)
{
    if (places < 0) places = 0;
    if (a->s > places) {
        __int128 d = (__int128)p10(a->s - places);
        a->c = floor_div(2 * a->c + d, 2 * d);
        a->s = places;
    } else if (a->s < places) {
        u128 m;
        if (scale_up(mag(a->c), places - a->s, &m) == 0) set(a, a->c < 0, m, places);
    }
}

int fp_dec_to_int(const fp_dec *a, int dir, int64_t *out)
{
    __int128 d = (__int128)p10(a->s), q = a->c / d, r = a->c % d;
    if (r != 0) {
        if (dir < 0 && a->c < 0) q--;
        if (dir > 0 && a->c > 0) q++;
    }
    if (q > INT64_MAX || q < INT64_MIN) return -1;
    *out = (int64_t)q;
    return 0;
}

void fp_dec_trim(fp_dec *a)
{
    while (a->s > 0 && a->c % 10 == 0)
        a->c /= 10, a->s--;
}

size_t fp_dec_format(const fp_dec *a, char *buf)
{
    char dig[48];
    int nd = 0;
    u128 m = mag(a->c);
    do {
        dig[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    while (nd <= a->s)
        dig[nd++] = '0'; /* at least one digit before the point */
    size_t n = 0;
    if (a->c < 0) buf[n++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        buf[n++] = dig[i];
        if (i == a->s && i > 0) buf[n++] = '.';
    }
    buf[n] = '\0';
    return n;
}

double fp_dec_to_double(const fp_dec *a)
{
    char buf[F2C_FP_DEC_BUF];
    fp_dec_format(a, buf);
    return strtod(buf, NULL);
}
