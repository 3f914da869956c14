/*
 * test_fhirmodel_tables: invariants of the generated tables, checked over every row.
 *
 * Why a second test: cases.txt samples the model from the specification's side; this walks
 * all ~700 definitions and ~8000 elements and proves the properties the lookups rely on —
 * byte-order sorting (binary search silently misses otherwise), indices in range, acyclic base
 * chains, and the choice-type rule (a variant's name is its base plus its type's name with the
 * first letter upper-cased).  It compiles lib/fhir/f2c_fhirmodel.c into itself to see the
 * static tables, so it does not link the library.
 */
#include "../../lib/fhir/f2c_fhirmodel.c"

#include <ctype.h>
#include <stdio.h>

#include "f2c_check.h"

static const char *S(uint16_t off)
{
    return fm_pool + off;
}

static int check_pool(uint16_t off)
{
    return off < sizeof fm_pool - 1;
}

int main(void)
{
    const size_t ndefs = FM_COUNT(fm_defs), nelems = FM_COUNT(fm_elems);
    const size_t nchoices = FM_COUNT(fm_choices), nvariants = FM_COUNT(fm_variants);
    size_t next_elem = 0, next_choice = 0, next_variant = 0, nchoice_elems = 0;
    CHECK(fm_pool[sizeof fm_pool - 1] == '\0' && fm_pool[sizeof fm_pool - 2] == '\0',
          "pool does not end in a NUL-terminated string");

    for (size_t i = 0; i < ndefs && f2c_check_failures <= 50; i++) { /* stop after 50 */
        const fm_def *d = &fm_defs[i];
        CHECK(check_pool(d->name), "def %zu: name offset out of range", i);
        const char *name = S(d->name);
        CHECK(i == 0 || strcmp(S(fm_defs[i - 1].name), name) < 0, "defs not sorted at %s", name);
        CHECK(fm_find_def(name) == (long)i, "%s not found by name", name);
        CHECK(d->kind <= FM_K_BACKBONE, "%s: bad kind", name);

        /* Base chain: in range, acyclic, and the right root for the kind. */
        size_t steps = 0, j = i;
        while (fm_defs[j].base != FM_NONE && steps < 8) {
            CHECK(fm_defs[j].base < ndefs, "%s: base out of range", name);
            j = fm_defs[j].base;
            steps++;
        }
        CHECK(fm_defs[j].base == FM_NONE, "%s: base chain does not end", name);
        const char *root = d->kind == FM_K_RESOURCE ? "Resource" : "Element";
        CHECK(strcmp(S(fm_defs[j].name), root) == 0, "%s: base chain ends at %s, not %s", name,
              S(fm_defs[j].name), root);
        CHECK(d->kind != FM_K_BACKBONE || f2c_fm_is_a(name, "BackboneElement"),
              "%s: backbone but not BackboneElement", name);
        CHECK(f2c_fm_is_resource(name) == (d->kind == FM_K_RESOURCE), "%s: is_resource", name);
        CHECK(f2c_fm_is_primitive(name) == (d->kind == FM_K_PRIMITIVE), "%s: is_primitive", name);
        CHECK(f2c_fm_is_type(name) && f2c_fm_is_a(name, name), "%s: is_type/is_a self", name);

        /* Primitives: lower-case, no elements, a System type; nothing else has one. */
        int prim = d->kind == FM_K_PRIMITIVE;
        CHECK(prim == (islower((unsigned char)name[0]) != 0), "%s: primitive iff lower-case", name);
        CHECK(prim == (d->sys != FM_S_NONE) && d->sys < FM_COUNT(fm_system_names),
              "%s: System type", name);
        CHECK(!prim || (d->nelem == 0 && d->nchoice == 0), "%s: primitive with elements", name);
        CHECK(prim || d->nelem > 0, "%s: no elements", name);

        /* Elements: contiguous, sorted, typed, reachable through the API. */
        CHECK(d->elem == next_elem, "%s: element rows not contiguous", name);
        next_elem = (size_t)d->elem + d->nelem;
        CHECK(next_elem <= nelems, "%s: element rows out of range", name);
        if (next_elem > nelems) return 1;
        for (size_t k = d->elem; k < next_elem; k++) {
            const fm_elem *e = &fm_elems[k];
            CHECK(check_pool(e->name) && e->type < ndefs, "%s: element %zu out of range", name, k);
            const char *en = S(e->name);
            CHECK(k == d->elem || strcmp(S(fm_elems[k - 1].name), en) < 0,
                  "%s: elements not sorted at %s", name, en);
            CHECK(en[0] && en[0] != '_', "%s: bad element name '%s'", name, en);
            CHECK(!(e->flags & ~(FM_F_ARRAY | FM_F_PRIM_EXT | FM_F_CHOICE)), "%s.%s: flags", name,
                  en);
            int arr = -1;
            const char *t = f2c_fm_element_type(name, en, &arr);
            CHECK(t && strcmp(t, S(fm_defs[e->type].name)) == 0 &&
                      arr == ((e->flags & FM_F_ARRAY) != 0),
                  "%s.%s: lookup", name, en);
            CHECK(!(e->flags & FM_F_PRIM_EXT) || fm_defs[e->type].kind == FM_K_PRIMITIVE,
                  "%s.%s: _%s on a non-primitive", name, en, en);
            char ext[128];
            snprintf(ext, sizeof ext, "_%s", en);
            t = f2c_fm_element_type(name, ext, &arr);
            CHECK((t != NULL) == ((e->flags & FM_F_PRIM_EXT) != 0), "%s.%s: lookup", name, ext);
            CHECK(fm_find_choice(d, en) == NULL, "%s.%s: both an element and a choice", name, en);
            if (e->flags & FM_F_CHOICE) nchoice_elems++;
        }

        /* Choices: contiguous, sorted; variants are elements named base + Type. */
        CHECK(d->choice == next_choice, "%s: choice rows not contiguous", name);
        next_choice = (size_t)d->choice + d->nchoice;
        CHECK(next_choice <= nchoices, "%s: choice rows out of range", name);
        if (next_choice > nchoices) return 1;
        for (size_t k = d->choice; k < next_choice; k++) {
            const fm_choice *c = &fm_choices[k];
            const char *base = S(c->base);
            CHECK(k == d->choice || strcmp(S(fm_choices[k - 1].base), base) < 0,
                  "%s: choices not sorted at %s", name, base);
            CHECK(c->variant == next_variant && c->count >= 2, "%s.%s[x]: variant rows", name,
                  base);
            next_variant = (size_t)c->variant + c->count;
            CHECK(next_variant <= nvariants, "%s.%s[x]: variants out of range", name, base);
            if (next_variant > nvariants) return 1;
            CHECK(f2c_fm_choice_variants(name, base, NULL, NULL, 0) == c->count, "%s.%s[x]: lookup",
                  name, base);
            size_t blen = strlen(base);
            for (size_t v = c->variant; v < next_variant; v++) {
                CHECK(fm_variants[v] >= d->elem && fm_variants[v] < next_elem,
                      "%s.%s[x]: variant of another definition", name, base);
                const fm_elem *e = &fm_elems[fm_variants[v]];
                const char *en = S(e->name), *tn = S(fm_defs[e->type].name);
                CHECK((e->flags & FM_F_CHOICE) && !(e->flags & FM_F_ARRAY), "%s.%s: variant flags",
                      name, en);
                CHECK(strncmp(en, base, blen) == 0 &&
                          toupper((unsigned char)tn[0]) == (unsigned char)en[blen] &&
                          strcmp(en + blen + 1, tn + 1) == 0,
                      "%s.%s: not %s + %s", name, en, base, tn);
            }
        }
    }
    CHECK(next_elem == nelems, "unreferenced element rows");
    CHECK(next_choice == nchoices, "unreferenced choice rows");
    CHECK(next_variant == nvariants && nchoice_elems == nvariants,
          "choice-flagged elements and variants disagree");
    printf("%zu definitions, %zu elements, %zu choice elements, %zu variants, %zu-byte pool: %d "
           "failures\n",
           ndefs, nelems, nchoices, nvariants, sizeof fm_pool, f2c_check_failures);
    return f2c_check_report("fhirmodel_tables");
}
