/*
 * test_fhirmodel: the FHIR R4 type model (f2c_fhirmodel.h) against expectations written from
 * the FHIR R4 specification, so a generator or schema change that alters a lookup is caught
 * with the line that expected otherwise.
 *
 *   test_fhirmodel cases cases.txt   one expectation per line (syntax at the top of cases.txt)
 *   test_fhirmodel api               the API contract: NULL arguments, truncation, is_array
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"

typedef struct ctx {
    const char *file;
    long line;
    int cases, failures;
} ctx;

static void fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%ld: FAIL: ", c->file, c->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->failures++;
}

static const char *str_or_none(const char *s)
{
    return s ? s : "none";
}

/* "yes"/"no" -> 1/0, anything else -1. */
static int yes_no(const char *s)
{
    if (strcmp(s, "yes") == 0) return 1;
    if (strcmp(s, "no") == 0) return 0;
    return -1;
}

#define MAX_TOK 128

/* One expectation: lhs[0..nl) -> rhs[0..nr). */
static void run_case(ctx *c, char **lhs, int nl, char **rhs, int nr)
{
    const char *kw = lhs[0];
    c->cases++;
    if (strcmp(kw, "element") == 0 && nl == 3 && nr >= 1) {
        int arr = -1;
        const char *t = f2c_fm_element_type(lhs[1], lhs[2], &arr);
        if (strcmp(rhs[0], "none") == 0) {
            if (nr != 1)
                fail(c, "bad expectation");
            else if (t)
                fail(c, "%s.%s: got %s, expected none", lhs[1], lhs[2], t);
            else if (arr != -1)
                fail(c, "%s.%s: is_array written on failure", lhs[1], lhs[2]);
            return;
        }
        int want_arr = nr == 2 && strcmp(rhs[1], "array") == 0;
        if (nr != 2 || (!want_arr && strcmp(rhs[1], "single") != 0)) {
            fail(c, "bad expectation (want <type> single|array)");
        } else if (!t || strcmp(t, rhs[0]) != 0 || arr != want_arr) {
            fail(c, "%s.%s: got %s %s, expected %s %s", lhs[1], lhs[2], str_or_none(t),
                 arr == 1   ? "array"
                 : arr == 0 ? "single"
                            : "?",
                 rhs[0], rhs[1]);
        }
    } else if ((strcmp(kw, "choice") == 0 || strcmp(kw, "count") == 0) && nl == 3 && nr >= 1) {
        const char *names[MAX_TOK], *types[MAX_TOK];
        size_t n = f2c_fm_choice_variants(lhs[1], lhs[2], names, types, MAX_TOK);
        if (kw[1] == 'o') { /* count */
            char *end;
            unsigned long want = strtoul(rhs[0], &end, 10);
            if (*end || nr != 1)
                fail(c, "bad expectation (want a number)");
            else if (n != want)
                fail(c, "%s %s: %zu variants, expected %lu", lhs[1], lhs[2], n, want);
            return;
        }
        size_t want = strcmp(rhs[0], "none") == 0 ? 0 : (size_t)nr;
        if (n != want) {
            fail(c, "%s %s: %zu variants, expected %zu", lhs[1], lhs[2], n, want);
            for (size_t i = 0; i < n && i < MAX_TOK; i++)
                fprintf(stderr, "    got %s:%s\n", names[i], types[i]);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            char got[256];
            snprintf(got, sizeof got, "%s:%s", names[i], types[i]);
            if (strcmp(got, rhs[i]) != 0)
                fail(c, "%s %s: variant %zu is %s, expected %s", lhs[1], lhs[2], i, got, rhs[i]);
        }
    } else if (strcmp(kw, "is_a") == 0 && nl == 3 && nr == 1 && yes_no(rhs[0]) >= 0) {
        int got = f2c_fm_is_a(lhs[1], lhs[2]);
        if ((got != 0) != yes_no(rhs[0]))
            fail(c, "is_a(%s, %s) = %d, expected %s", lhs[1], lhs[2], got, rhs[0]);
    } else if ((strcmp(kw, "resource") == 0 || strcmp(kw, "primitive") == 0 ||
                strcmp(kw, "type") == 0) &&
               nl == 2 && nr == 1 && yes_no(rhs[0]) >= 0) {
        int got = kw[0] == 'r'   ? f2c_fm_is_resource(lhs[1])
                  : kw[0] == 'p' ? f2c_fm_is_primitive(lhs[1])
                                 : f2c_fm_is_type(lhs[1]);
        if ((got != 0) != yes_no(rhs[0]))
            fail(c, "%s %s = %d, expected %s", kw, lhs[1], got, rhs[0]);
    } else if (strcmp(kw, "system") == 0 && nl == 2 && nr == 1) {
        const char *got = f2c_fm_primitive_system_type(lhs[1]);
        if (strcmp(str_or_none(got), rhs[0]) != 0)
            fail(c, "system %s = %s, expected %s", lhs[1], str_or_none(got), rhs[0]);
    } else {
        fail(c, "cannot parse this line");
    }
}

static int run_cases(const char *path)
{
    ctx c = {path, 0, 0, 0};
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        c.line++;
        char *tok[MAX_TOK], *save = NULL;
        int n = 0, arrow = -1;
        for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
            if (n == MAX_TOK) break;
            if (arrow < 0 && strcmp(t, "->") == 0) arrow = n;
            tok[n++] = t;
        }
        if (n == 0 || tok[0][0] == '#') continue;
        if (arrow < 1 || arrow == n - 1 || n == MAX_TOK) {
            c.cases++;
            fail(&c, "cannot parse this line (want: <kind> <args> -> <expected>)");
            continue;
        }
        run_case(&c, tok, arrow, tok + arrow + 1, n - arrow - 1);
    }
    free(line);
    fclose(f);
    printf("%s: %d cases, %d failures\n", path, c.cases, c.failures);
    return c.failures || c.cases == 0;
}

static int run_api(void)
{
    ctx c = {"api", 0, 0, 0};
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        c.line = __LINE__;                                                                         \
        c.cases++;                                                                                 \
        if (!(cond)) fail(&c, "%s", #cond);                                                        \
    } while (0)
    int arr = 7;
    CHECK(f2c_fm_element_type(NULL, "id", &arr) == NULL && arr == 7);
    CHECK(f2c_fm_element_type("Patient", NULL, &arr) == NULL && arr == 7);
    CHECK(f2c_fm_element_type("Patient", "", &arr) == NULL && arr == 7);
    CHECK(f2c_fm_element_type("", "id", &arr) == NULL && arr == 7);
    CHECK(f2c_fm_element_type("Patient", "name", NULL) != NULL);
    const char *t = f2c_fm_element_type("Patient", "birthDate", NULL);
    CHECK(t && strcmp(t, "date") == 0 && t == f2c_fm_element_type("Patient", "birthDate", NULL));
    /* Returned type names are themselves known definitions. */
    CHECK(f2c_fm_is_type(f2c_fm_element_type("Patient", "contact", NULL)));
    CHECK(f2c_fm_is_type(f2c_fm_element_type("Patient", "_birthDate", NULL)));

    const char *names[4] = {"x", "x", "x", "x"}, *types[4] = {"x", "x", "x", "x"};
    CHECK(f2c_fm_choice_variants("Observation", "value", NULL, NULL, 0) == 11);
    CHECK(f2c_fm_choice_variants("Observation", "value", names, types, 0) == 11 &&
          strcmp(names[0], "x") == 0);
    CHECK(f2c_fm_choice_variants("Observation", "value", names, types, 2) == 11);
    CHECK(strcmp(names[0], "valueQuantity") == 0 && strcmp(types[0], "Quantity") == 0);
    CHECK(strcmp(names[1], "valueCodeableConcept") == 0 && strcmp(names[2], "x") == 0);
    CHECK(f2c_fm_choice_variants("Patient", "deceased", NULL, types, 4) == 2);
    CHECK(strcmp(types[0], "boolean") == 0 && strcmp(types[1], "dateTime") == 0);
    CHECK(f2c_fm_choice_variants("Patient", "deceased", names, NULL, 1) == 2);
    CHECK(strcmp(names[0], "deceasedBoolean") == 0);
    CHECK(f2c_fm_choice_variants(NULL, "value", names, types, 4) == 0);
    CHECK(f2c_fm_choice_variants("Observation", NULL, names, types, 4) == 0);
    CHECK(f2c_fm_choice_variants("Observation", "", names, types, 4) == 0);
    /* Every variant name is an element of the type, with the variant's type. */
    CHECK(strcmp(f2c_fm_element_type("Patient", names[0], NULL), "boolean") == 0);

    CHECK(!f2c_fm_is_resource(NULL) && !f2c_fm_is_primitive(NULL) && !f2c_fm_is_type(NULL));
    CHECK(!f2c_fm_is_a(NULL, "Element") && !f2c_fm_is_a("Element", NULL) &&
          !f2c_fm_is_a(NULL, NULL));
    CHECK(f2c_fm_primitive_system_type(NULL) == NULL);
    CHECK(!f2c_fm_is_type(""));
#undef CHECK
    printf("api: %d checks, %d failures\n", c.cases, c.failures);
    return c.failures != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "cases") == 0) return run_cases(argv[2]);
    if (argc == 2 && strcmp(argv[1], "api") == 0) return run_api();
    fprintf(stderr, "usage: %s cases <file> | api\n", argv[0]);
    return 2;
}
