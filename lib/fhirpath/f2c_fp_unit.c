/*
 * f2c_fp_unit: UCUM unit terms for quantity multiplication and division (FHIRPath N1 §6.6.1-2:
 * "12 'cm' * 3 'cm'" is 36 'cm2', "12 'cm2' / 3 'cm'" is 4.0 'cm') and for comparing the compound
 * units those produce.
 *
 * Why it is shaped so: a quantity's unit is kept as the UCUM code written in the data or the
 * expression, and N1's examples keep the operands' units, so * and / work on the unit terms
 * symbolically instead of converting to UCUM base units (which would turn 2 'kg' * 3 'm' into
 * 6000 'g.m'): a term is a product of atoms with signed integer exponents, the result's atoms
 * are the left operand's followed by the right operand's new ones, and an exponent that reaches
 * 0 drops out (6 'm2' / 2 'm' = 3 'm'; 4 'mg' / 2 'mg' = 2 '1').  An atom of the right operand
 * with the dimension of one of the left operand's atoms (the small conversion table of
 * fp_unit_dim below: metric prefixes on g, m, L, s, ..., and min/h/d/wk/a/mo) is converted to that
 * atom first, so 2 'm' * 3 'cm' = 0.06 'm2' and 1 'g' / 4 'mg' = 250 '1'.
 *
 * What the reader accepts: atoms (letters and symbols, `[...]` groups, the atoms 10* and 10^)
 * with an optional signed integer exponent, joined by '.' and '/' (left-associative, equal
 * precedence, as UCUM §7), a leading '/', parentheses, and the factor 1.  Not accepted, so the
 * operation gives empty: annotations ({beats}, their meaning is not a unit), other integer
 * factors (they would scale the value), calendar duration words (`3 days` is not UCUM: N1
 * §6.6.7 keeps calendar durations for date arithmetic), and UCUM's special non-ratio units
 * (Cel, [degF], [pH], B, Np, ...: their products are meaningless), and terms of more than
 * FP_UNIT_MAX_ATOMS atoms.  Atoms are not checked against the UCUM table (about 300 atoms
 * plus prefixes): an unknown atom is carried along like a known one.
 *
 * Printing is canonical for the simple cases (and read back by the same reader): atoms with a
 * positive exponent joined by '.', then '/' and the negative ones ("kg.m/s2", a group in
 * parentheses when there are several: "mg/(kg.d)"); only negative exponents: written signed
 * ("m-1", as fhirpath.js/ucum-lhc write them); none: "1".  No allocation except the result text
 * in the evaluation arena.
 */
#include "f2c_fp_unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
    FP_UNIT_MAX_ATOMS = 16, /* distinct atoms in a term; real units have 1-4 */
    FP_UNIT_MAX_DEPTH = 8,  /* parentheses */
    FP_UNIT_MAX_EXP = 999   /* |exponent| as written */
};

typedef struct unit_atom {
    const char *sym; /* into the unit text (not NUL-terminated) */
    size_t len;
    int exp;
} unit_atom;

typedef struct unit_term {
    unit_atom at[FP_UNIT_MAX_ATOMS];
    int n;
} unit_term;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int sym_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && !memcmp(s, word, n);
}

/* The calendar duration words of FHIRPath quantity literals, singular or plural. */
static int is_calendar_word(const char *s, size_t n)
{
    static const char *const words[] = {"year", "month",  "week",        "day",
                                        "hour", "minute", "millisecond", "second"};
    if (n > 1 && s[n - 1] == 's') n--;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (sym_is(s, n, words[i])) return 1;
    return 0;
}

/* UCUM's special units (isSpecial in ucum-essence: scales with an offset or a logarithm); the
 * metric ones also with a prefix (dB, mCel). */
static int is_special(const char *s, size_t n)
{
    static const char *const plain[] = {"[degF]",  "[degRe]", "[p'diop]",       "%[slope]",
                                        "[hp'_X]", "[hp'_C]", "[hp'_M]",        "[hp'_Q]",
                                        "[pH]",    "bit_s",   "[m/s2/Hz^(1/2)]"};
    static const char *const metric[] = {"Cel",   "Np",    "B",        "B[SPL]", "B[V]",
                                         "B[mV]", "B[uV]", "B[10.nV]", "B[W]",   "B[kW]"};
    static const char *const prefixes[] = {"Y", "Z",  "E", "P", "T",  "G",  "M",  "k",
                                           "h", "da", "d", "c", "m",  "u",  "n",  "p",
                                           "f", "a",  "z", "y", "Ki", "Mi", "Gi", "Ti"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (sym_is(s, n, plain[i])) return 1;
    for (size_t i = 0; i < sizeof metric / sizeof metric[0]; i++) {
        size_t ml = strlen(metric[i]);
        if (n < ml || memcmp(s + n - ml, metric[i], ml) != 0) continue;
        if (n == ml) return 1;
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++)
            if (sym_is(s, n - ml, prefixes[k])) return 1;
    }
    return 0;
}

/* Adds atom^exp to t (the same symbol adds exponents).  -1 when t is full. */
static int add_atom(unit_term *t, const char *sym, size_t len, int exp)
{
    for (int i = 0; i < t->n; i++)
        if (t->at[i].len == len && !memcmp(t->at[i].sym, sym, len)) {
            t->at[i].exp += exp;
            return 0;
        }
    if (t->n == FP_UNIT_MAX_ATOMS) return -1;
    t->at[t->n].sym = sym;
    t->at[t->n].len = len;
    t->at[t->n].exp = exp;
    t->n++;
    return 0;
}

static int parse_term(const char **p, int first, int sign, int depth, unit_term *t);

/* One component at *p, raised to sign (+1/-1): "(" term ")", the factor 1, or an atom with an
 * optional exponent.  Returns 0 (and advances *p) or -1. */
static int parse_component(const char **p, int sign, int depth, unit_term *t)
{
    const char *s = *p;
    if (*s == '(') {
        if (depth >= FP_UNIT_MAX_DEPTH) return -1;
        *p = s + 1;
        if (parse_term(p, sign, sign, depth + 1, t) || **p != ')') return -1;
        (*p)++;
        return 0;
    }
    size_t n = 0;
    if (is_digit(*s)) {
        if (s[0] == '1' && s[1] == '0' && (s[2] == '*' || s[2] == '^')) {
            n = 3; /* the atoms 10* and 10^ ("10*3/uL": 10* to the 3rd) */
        } else {
            while (is_digit(s[n]))
                n++;
            if (n != 1 || *s != '1') return -1; /* a factor other than 1 would scale the value */
            if (s[n] && !strchr("./)", s[n])) return -1;
            *p = s + n;
            return 0;
        }
    } else {
        while (s[n] && !is_digit(s[n]) && !strchr(".()/+-{}]", s[n])) {
            if ((unsigned char)s[n] <= ' ') return -1; /* UCUM has no spaces */
            if (s[n] == '[') {
                const char *e = strchr(s + n, ']');
                if (!e) return -1;
                n = (size_t)(e - s) + 1;
            } else {
                n++;
            }
        }
        if (!n) return -1;
    }
    const char *q = s + n;
    int exp = 1;
    if (*q == '+' || *q == '-' || is_digit(*q)) {
        int neg = *q == '-';
        if (*q == '+' || *q == '-') q++;
        if (!is_digit(*q)) return -1;
        int v = 0;
        for (; is_digit(*q); q++)
            if ((v = v * 10 + (*q - '0')) > FP_UNIT_MAX_EXP) return -1;
        exp = neg ? -v : v;
    }
    /* what may follow: an operator, ')' or the end (not '{': annotations are refused) */
    if (*q && !strchr("./)", *q)) return -1;
    if (is_calendar_word(s, n) || is_special(s, n)) return -1;
    *p = q;
    return add_atom(t, s, n, exp * sign);
}

/* component (('.' | '/') component)*: the first component raised to `first`, later ones to
 * sign after '.' and -sign after '/' (UCUM: left-associative, so a/b.c = a.c/b). */
static int parse_term(const char **p, int first, int sign, int depth, unit_term *t)
{
    int s = first;
    for (;;) {
        if (parse_component(p, s, depth, t)) return -1;
        if (**p == '.')
            s = sign;
        else if (**p == '/')
            s = -sign;
        else
            return 0;
        (*p)++;
    }
}

static int parse_unit(const char *u, unit_term *t)
{
    t->n = 0;
    const char *p = u;
    int first = 1;
    if (*p == '/') { /* "/min": a leading '/' applies to the first component only */
        first = -1;
        p++;
    }
    if (parse_term(&p, first, 1, 0, t) || *p) return -1;
    return 0;
}

/* The dimension and factor of one atom (fp_unit_dim's conversion table), or -1. */
static int atom_dim(const unit_atom *a, const char **dim, double *factor)
{
    char buf[32];
    if (a->len >= sizeof buf) return -1;
    memcpy(buf, a->sym, a->len);
    buf[a->len] = '\0';
    return fp_unit_dim(buf, dim, factor);
}

/* a := a . b^sign.  An atom of b that a has adds its exponent; an atom of b with the dimension
 * of an atom of a is converted to that atom, the conversion going into *factor (the number the
 * product of the values is multiplied by).  -1 when a gets more atoms than it can hold. */
static int combine(unit_term *a, const unit_term *b, int sign, double *factor)
{
    *factor = 1;
    for (int i = 0; i < b->n; i++) {
        const unit_atom *bt = &b->at[i];
        int exp = bt->exp * sign, k = -1;
        for (int j = 0; j < a->n && k < 0; j++)
            if (a->at[j].len == bt->len && !memcmp(a->at[j].sym, bt->sym, bt->len)) k = j;
        const char *db, *da;
        double fb, fa;
        if (k < 0 && atom_dim(bt, &db, &fb) == 0)
            for (int j = 0; j < a->n && k < 0; j++)
                if (atom_dim(&a->at[j], &da, &fa) == 0 && !strcmp(da, db)) {
                    k = j;
                    *factor *= pow(fb / fa, exp); /* 1 cm = 0.01 m: cm^e = 0.01^e m^e */
                }
        if (k >= 0)
            a->at[k].exp += exp;
        else if (add_atom(a, bt->sym, bt->len, exp))
            return -1;
    }
    return 0;
}

/* Appends sym with its exponent (omitted when 1) and returns the new end. */
static char *put_atom(char *w, const char *end, const unit_atom *a, int exp)
{
    memcpy(w, a->sym, a->len);
    w += a->len;
    if (exp != 1) w += snprintf(w, (size_t)(end - w), "%d", exp);
    return w;
}

static const char *print_term(f2c_arena *ar, const unit_term *t)
{
    size_t cap = 8;
    int npos = 0, nneg = 0;
    for (int i = 0; i < t->n; i++) {
        cap += t->at[i].len + 8; /* separator and exponent: |exp| <= 16 * 999 */
        npos += t->at[i].exp > 0;
        nneg += t->at[i].exp < 0;
    }
    if (!npos && !nneg) return "1";
    char *buf = f2c_arena_alloc(ar, cap), *w = buf;
    if (!buf) return NULL;
    const char *end = buf + cap;
    int k = 0;
    if (!npos) { /* only negative exponents: "m-1", "m-1.s-2" */
        for (int i = 0; i < t->n; i++)
            if (t->at[i].exp < 0) {
                if (k++) *w++ = '.';
                w = put_atom(w, end, &t->at[i], t->at[i].exp);
            }
        *w = '\0';
        return buf;
    }
    for (int i = 0; i < t->n; i++)
        if (t->at[i].exp > 0) {
            if (k++) *w++ = '.';
            w = put_atom(w, end, &t->at[i], t->at[i].exp);
        }
    if (nneg) {
        *w++ = '/';
        if (nneg > 1) *w++ = '(';
        k = 0;
        for (int i = 0; i < t->n; i++)
            if (t->at[i].exp < 0) {
                if (k++) *w++ = '.';
                w = put_atom(w, end, &t->at[i], -t->at[i].exp);
            }
        if (nneg > 1) *w++ = ')';
    }
    *w = '\0';
    return buf;
}

int fp_unit_combine(f2c_arena *ar, const char *ua, const char *ub, int sign, double *factor,
                    const char **out)
{
    unit_term a, b;
    if (parse_unit(ua, &a) || parse_unit(ub, &b) || combine(&a, &b, sign, factor)) return -1;
    if (!(*out = print_term(ar, &a))) return -2;
    return 0;
}

int fp_unit_ratio(const char *ua, const char *ub, double *factor)
{
    unit_term a, b;
    if (parse_unit(ua, &a) || parse_unit(ub, &b) || combine(&a, &b, -1, factor)) return -1;
    for (int i = 0; i < a.n; i++)
        if (a.at[i].exp) return -1;
    return isfinite(*factor) && *factor != 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- simple units */

const char *fp_unit_canon(const char *u)
{
    static const char *const map[][2] = {
        {"year", "year"}, {"years", "year"}, {"month", "month"},    {"months", "month"},
        {"week", "wk"},   {"weeks", "wk"},   {"day", "d"},          {"days", "d"},
        {"hour", "h"},    {"hours", "h"},    {"minute", "min"},     {"minutes", "min"},
        {"second", "s"},  {"seconds", "s"},  {"millisecond", "ms"}, {"milliseconds", "ms"},
    };
    if (!u) return "1";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(u, map[i][0])) return map[i][1];
    return u;
}

/* A small UCUM subset for comparing and adding quantities (N1 §6.1.1 quantity equality asks
 * for UCUM conversion; a full UCUM unit parser is out of scope): a unit is an optional metric
 * prefix and an atom with a dimension, or a time unit, or a calendar year/month.  Products and
 * quotients are left to the term algebra of f2c_fp_unit.c, which uses this table per atom. */
int fp_unit_dim(const char *unit, const char **dim, double *factor)
{
    static const struct {
        const char *atom, *dim;
        double f;
    } atoms[] = {
        {"1", "1", 1},         {"%", "1", 0.01},    {"g", "g", 1},       {"m", "m", 1},
        {"L", "L", 1},         {"l", "L", 1},       {"s", "s", 1},       {"min", "s", 60},
        {"h", "s", 3600},      {"d", "s", 86400},   {"wk", "s", 604800}, {"a", "s", 31557600},
        {"mo", "s", 2629800},  {"mol", "mol", 1},   {"eq", "eq", 1},     {"year", "month", 12},
        {"month", "month", 1}, {"[iU]", "[iU]", 1}, {"[IU]", "[iU]", 1}, {"Pa", "Pa", 1},
        {"J", "J", 1},         {"cal", "J", 4.184}, {"Hz", "Hz", 1},     {"N", "N", 1},
        {"W", "W", 1},         {"K", "K", 1},       {"Cel", "Cel", 1},
    };
    static const struct {
        const char *p;
        double f;
    } prefixes[] = {{"da", 1e1}, {"k", 1e3},  {"M", 1e6},  {"G", 1e9},  {"h", 1e2},   {"d", 1e-1},
                    {"c", 1e-2}, {"m", 1e-3}, {"u", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}};
    const char *u = fp_unit_canon(unit);
    for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++)
        if (!strcmp(u, atoms[i].atom)) {
            *dim = atoms[i].dim;
            *factor = atoms[i].f;
            return 0;
        }
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
        size_t pl = strlen(prefixes[k].p);
        if (strncmp(u, prefixes[k].p, pl) != 0) continue;
        const char *rest = u + pl;
        /* metric atoms only (no prefixed minutes, hours, days, years, calendar words) */
        static const char *const metric[] = {"g", "m",   "L",  "l", "s", "mol", "eq", "Pa",
                                             "J", "cal", "Hz", "N", "W", "K",   NULL};
        for (int i = 0; metric[i]; i++)
            if (!strcmp(rest, metric[i])) {
                for (size_t j = 0; j < sizeof atoms / sizeof atoms[0]; j++)
                    if (!strcmp(rest, atoms[j].atom)) {
                        *dim = atoms[j].dim;
                        *factor = atoms[j].f * prefixes[k].f;
                        return 0;
                    }
            }
    }
    return -1;
}

int fp_qty_common(const char *ua, double va, const char *ub, double vb, double *ra, double *rb)
{
    if (!strcmp(fp_unit_canon(ua), fp_unit_canon(ub))) {
        *ra = va;
        *rb = vb;
        return 0;
    }
    const char *da, *db;
    double fa, fb;
    if (fp_unit_dim(ua, &da, &fa) || fp_unit_dim(ub, &db, &fb)) {
        /* Compound units ('kg.m' against 'm.kg', 'mg/dL' against 'g/L', as * and / produce
         * them) are commensurable when their quotient reduces to '1': 1 ua = f ub. */
        double f;
        if (fp_unit_ratio(ua, ub, &f) != 0) return -1;
        *ra = va;
        *rb = vb / f;
        return 0;
    }
    /* calendar years/months vs definite durations: not comparable (N1 §6.1.1), unknown */
    if ((!strcmp(da, "month") && !strcmp(db, "s")) || (!strcmp(da, "s") && !strcmp(db, "month")))
        return -1;
    if (strcmp(da, db)) return -2;
    /* Express b in a's unit. */
    *ra = va;
    *rb = vb * fb / fa;
    return 0;
}

int fp_qty_finer(const char *ua, const char *ub)
{
    const char *da, *db;
    double fa, fb;
    if (fp_unit_dim(ua, &da, &fa) || fp_unit_dim(ub, &db, &fb) || strcmp(da, db)) return 0;
    return fb < fa;
}
