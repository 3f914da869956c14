/*
 * Exact FHIRPath Decimal arithmetic (FHIRPath N1 §"Decimal" in "Literals" / §2.1.1 types, §6.6
 * Math): a decimal is a signed 128-bit integer coefficient and a decimal scale, value = c / 10^s.
 * No binary floating point: 129.16 * 1.1 = 142.076.  Coefficients have at most 37 digits
 * (|c| < 10^37), scales at most F2C_FP_DEC_MAX_SCALE; a result that does not fit is an overflow
 * (the operator gives empty), never a rounded-off wrong number.  Depends on libc only.
 */
#ifndef FHIR2CDM_F2C_FP_DEC_H
#define FHIR2CDM_F2C_FP_DEC_H

#include <stddef.h>
#include <stdint.h>

/* N1 requires at least 8 decimal places; results keep up to 28 (the scale of .NET/C# decimal and
 * of N1's range 10^28 - 1); division is computed to 28 places, fewer when the quotient has more
 * than 37 significant digits, rounded half to even. */
#define F2C_FP_DEC_MAX_SCALE 28
#define F2C_FP_DEC_BUF 64 /* enough for any formatted decimal */

typedef struct fp_dec {
    __int128 c; /* coefficient, |c| < 10^37 */
    int s;      /* scale: 0..F2C_FP_DEC_MAX_SCALE */
} fp_dec;

/* Reads a JSON/FHIRPath number text ("-1.50", "2", "1e-3", "1.5E+2").  0, or -1 when the text is
 * not a number or its value does not fit (more than 37 significant digits, or more than
 * F2C_FP_DEC_MAX_SCALE places that are not zeros). */
int fp_dec_parse(const char *t, size_t n, fp_dec *out);
void fp_dec_from_int(int64_t i, fp_dec *out);

/* Arithmetic: 0, or -1 on overflow / division by zero (the caller gives empty).  add/sub keep
 * the larger scale, mul the sum of the scales (rounded half to even to
 * F2C_FP_DEC_MAX_SCALE), div 28 places or as many as fit (half to even). */
int fp_dec_add(const fp_dec *a, const fp_dec *b, fp_dec *r);
int fp_dec_sub(const fp_dec *a, const fp_dec *b, fp_dec *r);
int fp_dec_mul(const fp_dec *a, const fp_dec *b, fp_dec *r);
int fp_dec_div(const fp_dec *a, const fp_dec *b, fp_dec *r);
/* Truncated division (N1 div): *q = trunc(a / b) as an int64; -1 on b = 0 or overflow. */
int fp_dec_idiv(const fp_dec *a, const fp_dec *b, int64_t *q);
/* N1 mod: a - b * trunc(a / b), sign of a (5.5 mod 0.7 = 0.6). */
int fp_dec_mod(const fp_dec *a, const fp_dec *b, fp_dec *r);
/* -1, 0, 1 by value (1.0 and 1.00 compare equal). */
int fp_dec_cmp(const fp_dec *a, const fp_dec *b);
/* Rounds to `places` decimal places (half to even), when the scale is larger. */
void fp_dec_round(fp_dec *a, int places);
/* Rounds to `places` places, half towards positive infinity (FHIRPath round(), as fhirpath.js's
 * Math.round: 2.5 -> 3, -2.5 -> -2); a smaller scale is padded with zeros when that fits. */
void fp_dec_round_half_up(fp_dec *a, int places);
/* The integral value towards -inf (dir -1), +inf (1) or zero (0) as an int64: 0, or -1 when it
 * does not fit. */
int fp_dec_to_int(const fp_dec *a, int dir, int64_t *out);
/* Drops trailing fractional zeros (2.50 -> 2.5, 3.0 -> 3). */
void fp_dec_trim(fp_dec *a);
/* Writes the plain text ("-0.05", "142.076", no exponent) NUL-terminated into buf
 * (>= F2C_FP_DEC_BUF); returns its length. */
size_t fp_dec_format(const fp_dec *a, char *buf);
double fp_dec_to_double(const fp_dec *a);

#endif
