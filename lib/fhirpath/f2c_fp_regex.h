/*
 * f2c_fp_regex: regular expressions for the FHIRPath engine (f2c_fp_regex.c), as the compiler
 * (literal patterns), the evaluator (freeing a context) and the string functions use them.
 *
 * Why a header of its own: it is a lower layer than both the evaluator and the string functions
 * (f2c_fp_func_str.c), which uses the evaluator; declared with them, the two used each other.
 */
#ifndef FHIR2CDM_F2C_FP_REGEX_H
#define FHIR2CDM_F2C_FP_REGEX_H

#include <stddef.h>

#include "f2c_fp_int.h"

/* Compiles pattern (NUL-terminated) for matches /
 * replaceMatches; NULL with *msg set on a bad pattern (msg buffer >= 256). */
void *fp_regex_compile(const char *pattern, size_t n, char *msg, size_t msgn);
void fp_regex_free(void *re);
void fp_ctx_regex_free(f2c_fp_ctx *c);

#endif
