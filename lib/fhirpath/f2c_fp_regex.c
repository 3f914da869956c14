/*
 * f2c_fp_regex: the regular expressions of matches(), matchesFull() and replaceMatches() —
 * compiling a pattern and freeing it, and the context's cached match data.
 *
 * Why a file of its own: patterns are compiled by f2c_fp_compile (literal ones, once), freed
 * with the expression, and the match data is freed with the context (f2c_fp_eval.c), while the
 * functions that match live in f2c_fp_func_str.c, which uses the evaluator; kept there, the
 * evaluator and the string functions used each other.  PCRE2 with UTF and DOTALL ("single line"
 * mode, FHIRPath N1 §5.6.9).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "f2c_fp_regex.h"

#include <pcre2.h>
#include <stdio.h>

void *fp_regex_compile(const char *pattern, size_t n, char *msg, size_t msgn)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, n, PCRE2_UTF | PCRE2_DOTALL, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR m[200];
        pcre2_get_error_message(code, m, sizeof m);
        snprintf(msg, msgn, "%s (at pattern offset %zu)", (const char *)m, (size_t)off);
    }
    return re;
}

void fp_regex_free(void *re)
{
    pcre2_code_free((pcre2_code *)re);
}

void fp_ctx_regex_free(f2c_fp_ctx *c)
{
    if (c->md) pcre2_match_data_free((pcre2_match_data *)c->md);
    c->md = NULL;
    c->md_pairs = 0;
}
