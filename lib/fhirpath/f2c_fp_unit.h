/*
 * f2c_fp_unit: quantity units for the FHIRPath engine (f2c_fp_unit.c) — the small table of
 * simple units used to compare and convert quantities, and the UCUM unit terms of quantity * and
 * /.
 *
 * Why a header of its own: units are a lower layer than values (f2c_fp_value.c compares and
 * multiplies quantities with them, f2c_fp_func_conv.c converts them) and need nothing but the
 * arena, so only the files that use units include it.
 */
#ifndef FHIR2CDM_F2C_FP_UNIT_H
#define FHIR2CDM_F2C_FP_UNIT_H

#include "f2c_fp_int.h"

/* Quantity unit canonical form for comparison ("days" -> "d"). */
const char *fp_unit_canon(const char *unit);
/* Values of two quantities in a common unit (b converted to a's unit): 0, or -1 when the units
 * are not convertible: -1 when a unit is not understood, -2 when the dimensions differ. */
int fp_qty_common(const char *ua, double va, const char *ub, double vb, double *ra, double *rb);
/* Non-zero if ub is a finer unit of the same dimension as ua ('mg' vs 'g'). */
int fp_qty_finer(const char *ua, const char *ub);
/* The dimension of a simple unit (an optionally prefixed metric atom, a time unit, calendar
 * year/month) and its factor to that dimension's unit: 0, or -1 when the unit
 * is not in that table. */
int fp_unit_dim(const char *unit, const char **dim, double *factor);

/* UCUM unit terms (f2c_fp_unit.c).  fp_unit_combine: the unit of ua . ub^sign (sign 1: *,
 * -1: /) as canonical text in arena ar ("kg.m", "m/s", "1"), and the factor the combined value
 * must be multiplied by (ub's atoms converted to ua's atoms of the same dimension).  0; -1 when
 * a unit is outside the algebra (annotations, calendar words, special units); -2 out of
 * memory. */
int fp_unit_combine(f2c_arena *ar, const char *ua, const char *ub, int sign, double *factor,
                    const char **out);
/* 0 when ua / ub reduces to '1' (1 ua = *factor ub), else -1.  No allocation. */
int fp_unit_ratio(const char *ua, const char *ub, double *factor);

#endif
