/*
 * test_fhirmodel: the FHIR R4 type model (f2c_fhirmodel.h) against expectations written from
 * the FHIR R4 specification, so a generator or schema change that alters a lookup is caught
 * with the line that expected otherwise.
 *
 *   test_fhirmodel cases cases.txt   one expectation per line (syntax at the top of cases.txt)
 *   test_fhirmodel api               the API contract: NULL arguments, truncation, is_array,
 *                                    and the enumeration API walked over the whole model,
 *                                    agreeing with the lookups
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"

#include "f2c_case.h"

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

/* Element i of `type` as a case token: name:type, "[]" if it repeats, "@base" for a choice
 * variant ("deceasedBoolean:boolean@deceased"); NULL past the end. */
static const char *element_token(const char *type, size_t i, char *buf, size_t size)
{
    const char *et, *base;
    int arr;
    const char *name = f2c_fm_element_at(type, i, &et, &arr, &base);
    if (!name) return NULL;
    snprintf(buf, size, "%s:%s%s%s%s", name, et, arr ? "[]" : "", base ? "@" : "",
             base ? base : "");
    return buf;
}

/* "elements <type> -> <token>..." (all of them, in order) or "-> none". */
static void check_elements(ctx *c, const char *type, char **rhs, int nr)
{
    size_t n = f2c_fm_element_count(type);
    size_t want = strcmp(rhs[0], "none") == 0 ? 0 : (size_t)nr;
    char buf[256];
    if (n != want) {
        fail(c, "elements %s: %zu, expected %zu", type, n, want);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "    got %s\n", element_token(type, i, buf, sizeof buf));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *got = element_token(type, i, buf, sizeof buf);
        if (strcmp(str_or_none(got), rhs[i]) != 0)
            fail(c, "elements %s: %zu is %s, expected %s", type, i, str_or_none(got), rhs[i]);
    }
    if (element_token(type, n, buf, sizeof buf)) fail(c, "elements %s: one past the end", type);
}

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
    } else if (strcmp(kw, "elements") == 0 && nl == 2 && nr >= 1) {
        check_elements(c, lhs[1], rhs, nr);
    } else if (strcmp(kw, "choices") == 0 && nl == 2 && nr >= 1) {
        size_t n = f2c_fm_choice_count(lhs[1]);
        size_t want = strcmp(rhs[0], "none") == 0 ? 0 : (size_t)nr;
        if (n != want) fail(c, "choices %s: %zu, expected %zu", lhs[1], n, want);
        for (size_t i = 0; i < n; i++) {
            const char *b = f2c_fm_choice_at(lhs[1], i);
            if (i < want && strcmp(str_or_none(b), rhs[i]) != 0)
                fail(c, "choices %s: %zu is %s, expected %s", lhs[1], i, str_or_none(b), rhs[i]);
        }
        if (f2c_fm_choice_at(lhs[1], n) != NULL) fail(c, "choices %s: one past the end", lhs[1]);
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

/* Non-zero if `name` is one of the variants of choice element `base` of `type`. */
static int is_variant_of(const char *type, const char *base, const char *name)
{
    const char *names[MAX_TOK];
    size_t n = f2c_fm_choice_variants(type, base, names, NULL, MAX_TOK);
    for (size_t i = 0; i < n && i < MAX_TOK; i++)
        if (strcmp(names[i], name) == 0) return 1;
    return 0;
}

/*
 * The enumeration API over every definition, against the lookups: types strictly sorted and
 * known, 148 resources (the 146 of R4 plus Resource and DomainResource) and 20 primitives;
 * every element strictly sorted, with the type and array-ness f2c_fm_element_type gives, and a
 * choice_base exactly when it is one of that base's variants; every choice base strictly
 * sorted, not itself an element, with variants; variants and variant-flagged elements equal
 * in number.
 */
static void walk_model(ctx *c)
{
    size_t ntypes = f2c_fm_type_count(), nres = 0, nprim = 0, nvariant_elems = 0, nvariants = 0;
    c->line = __LINE__;
    c->cases++;
    if (ntypes < 600 || f2c_fm_type_at(ntypes) != NULL) fail(c, "type count %zu", ntypes);
    for (size_t t = 0; t < ntypes; t++) {
        const char *type = f2c_fm_type_at(t);
        if (!type || !f2c_fm_is_type(type)) {
            fail(c, "type %zu: %s is not a type", t, str_or_none(type));
            continue;
        }
        if (t > 0 && strcmp(f2c_fm_type_at(t - 1), type) >= 0)
            fail(c, "types out of order at %s", type);
        nres += f2c_fm_is_resource(type) != 0;
        nprim += f2c_fm_is_primitive(type) != 0;
        if (f2c_fm_is_primitive(type) && f2c_fm_element_count(type) != 0)
            fail(c, "primitive %s has elements", type);
        const char *prev = NULL;
        for (size_t i = 0; i < f2c_fm_element_count(type); i++) {
            const char *et = NULL, *base = NULL;
            int arr = -1, larr = -1;
            const char *name = f2c_fm_element_at(type, i, &et, &arr, &base);
            const char *lt = name ? f2c_fm_element_type(type, name, &larr) : NULL;
            if (!name || !lt || strcmp(lt, et) != 0 || arr != larr) {
                fail(c, "%s element %zu (%s): enumeration and lookup disagree", type, i,
                     str_or_none(name));
                continue;
            }
            if (prev && strcmp(prev, name) >= 0)
                fail(c, "%s: elements out of order at %s", type, name);
            prev = name;
            if (base && !is_variant_of(type, base, name))
                fail(c, "%s.%s: not a variant of its choice_base %s", type, name, base);
            nvariant_elems += base != NULL;
        }
        for (size_t i = 0; i < f2c_fm_choice_count(type); i++) {
            const char *base = f2c_fm_choice_at(type, i);
            size_t n = f2c_fm_choice_variants(type, base, NULL, NULL, 0);
            if (!base || n < 2 || f2c_fm_element_type(type, base, NULL))
                fail(c, "%s choice %zu (%s): %zu variants", type, i, str_or_none(base), n);
            else if (i > 0 && strcmp(f2c_fm_choice_at(type, i - 1), base) >= 0)
                fail(c, "%s: choices out of order at %s", type, base);
            nvariants += n;
        }
    }
    if (nres != 148 || nprim != 20)
        fail(c, "%zu resource types (expected 148), %zu primitives (expected 20)", nres, nprim);
    if (nvariants != nvariant_elems)
        fail(c, "%zu choice variants, %zu elements with a choice_base", nvariants, nvariant_elems);
}

static int run_api(void)
{
    ctx c = {__FILE__, 0, 0, 0}; /* walk_model reports at its own lines */
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

    /* Enumeration: ends, unknown and NULL types, optional outputs, untouched on failure. */
    const char *et = "x", *cb = "x";
    arr = 7;
    CHECK(f2c_fm_type_count() > 0 && f2c_fm_type_at(f2c_fm_type_count()) == NULL);
    CHECK(f2c_fm_type_at((size_t)-1) == NULL);
    CHECK(strcmp(f2c_fm_type_at(0), "Account") == 0);
    CHECK(strcmp(f2c_fm_type_at(f2c_fm_type_count() - 1), "xhtml") == 0);
    CHECK(f2c_fm_element_count(NULL) == 0 && f2c_fm_element_count("") == 0);
    CHECK(f2c_fm_element_count("NoSuchType") == 0 && f2c_fm_element_count("string") == 0);
    CHECK(f2c_fm_element_at(NULL, 0, &et, &arr, &cb) == NULL);
    CHECK(f2c_fm_element_at("string", 0, &et, &arr, &cb) == NULL);
    size_t np = f2c_fm_element_count("Patient");
    CHECK(f2c_fm_element_at("Patient", np, &et, &arr, &cb) == NULL);
    CHECK(strcmp(et, "x") == 0 && arr == 7 && strcmp(cb, "x") == 0);
    CHECK(strcmp(f2c_fm_element_at("Patient", 0, NULL, NULL, NULL), "active") == 0);
    CHECK(strcmp(f2c_fm_element_at("Patient", 0, &et, NULL, &cb), "active") == 0 &&
          strcmp(et, "boolean") == 0 && cb == NULL);
    CHECK(strcmp(f2c_fm_element_at("Patient", 6, NULL, &arr, &cb), "deceasedBoolean") == 0 &&
          arr == 0 && strcmp(cb, "deceased") == 0);
    /* Names are the model's own static strings, the same pointers the lookups return. */
    CHECK(f2c_fm_element_at("Patient", 6, &et, NULL, NULL) &&
          et == f2c_fm_element_type("Patient", "deceasedBoolean", NULL));
    CHECK(f2c_fm_choice_count(NULL) == 0 && f2c_fm_choice_count("HumanName") == 0);
    CHECK(f2c_fm_choice_at(NULL, 0) == NULL && f2c_fm_choice_at("Patient", 2) == NULL);
    CHECK(f2c_fm_choice_at("NoSuchType", 0) == NULL);
    walk_model(&c);
    return f2c_check_report("api");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "cases") == 0) return run_cases(argv[2]);
    if (argc == 2 && strcmp(argv[1], "api") == 0) return run_api();
    fprintf(stderr, "usage: %s cases <file> | api\n", argv[0]);
    return 2;
}
