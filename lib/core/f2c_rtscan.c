/*
 * f2c_rtscan: a line's resource type found from its first member, and a Bulk Data file name's
 * type (f2c_rtscan.h).
 *
 * Why a scanner of its own and not the JSON parser: it exists so that a line of a type the job
 * does not read can be skipped without building its tree or validating it (docs/transform.md,
 * "Reading only what the job needs").  It recognises one narrow, common shape and says "don't
 * know" to everything else, so it can never make a line that a parser would read as another type
 * look like a type it is not; tests/fuzz/fuzz_rtscan.c checks that against cJSON.
 */
#include "fhir2cdm/f2c_rtscan.h"

#include <string.h>

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static int is_letter(char c)
{
    return is_upper(c) || (c >= 'a' && c <= 'z');
}
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* s[i..n) after JSON whitespace. */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && is_ws(s[i]))
        i++;
    return i;
}

size_t f2c_rtscan_line(const char *s, size_t n, const char **type)
{
    static const char key[] = "\"resourceType\"";
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{') return 0;
    i = skip_ws(s, n, i + 1);
    if (n - i < sizeof key - 1 || memcmp(s + i, key, sizeof key - 1) != 0) return 0;
    i = skip_ws(s, n, i + sizeof key - 1);
    if (i >= n || s[i] != ':') return 0;
    i = skip_ws(s, n, i + 1);
    if (i >= n || s[i] != '"') return 0;
    size_t start = ++i;
    if (i >= n || !is_upper(s[i])) return 0;
    while (i < n && is_letter(s[i]))
        i++;
    size_t len = i - start;
    if (i >= n || s[i] != '"' || len > F2C_RTSCAN_TYPE_MAX) return 0;
    i = skip_ws(s, n, i + 1);
    if (i >= n || (s[i] != ',' && s[i] != '}')) return 0;
    *type = s + start;
    return len;
}

size_t f2c_rtscan_stem(const char *stem)
{
    size_t i = 0;
    if (!is_upper(stem[0])) return 0;
    while (is_letter(stem[i]))
        i++;
    size_t len = i;
    if (len > F2C_RTSCAN_TYPE_MAX) return 0;
    if (stem[i] == '\0') return len;
    if (stem[i] != '.' && stem[i] != '-') return 0;
    if (!is_digit(stem[++i])) return 0;
    while (is_digit(stem[i]))
        i++;
    return stem[i] == '\0' ? len : 0;
}
