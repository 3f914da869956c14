/*
 * gen_config_model: see gen_config_model.h.  Everything is read through the f2c_fm_*
 * enumeration API; the candidate lists are built per call (a few hundred names at most, and
 * only on the error path or once per run), so nothing is cached.
 */
#include "gen_config_model.h"

#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"
#include "gen_config_int.h"

int gcm_is_concrete_resource(const char *type)
{
    return f2c_fm_is_resource(type) && strcmp(type, "Resource") != 0 &&
           strcmp(type, "DomainResource") != 0;
}

/* The definitions for which keep(name) is non-zero, in the model's order. */
static const char **types_where(int (*keep)(const char *), size_t *n)
{
    size_t total = f2c_fm_type_count(), m = 0;
    const char **v = gc_xmalloc((total ? total : 1) * sizeof *v);
    for (size_t i = 0; i < total; i++) {
        const char *t = f2c_fm_type_at(i);
        if (keep(t)) v[m++] = t;
    }
    *n = m;
    return v;
}

const char **gcm_concrete_resources(size_t *n)
{
    return types_where(gcm_is_concrete_resource, n);
}

/* Appends "; did you mean: ..." for the names of `cands` closest to `word`, then frees cands. */
static void suggest_and_free(const char *word, const char **cands, size_t n, f2c_buf *out)
{
    f2c_buf s = {0};
    if (gc_suggest(word, cands, n, &s)) gc_bprintf(out, "; did you mean: %s", s.data);
    f2c_buf_free(&s);
    free(cands);
}

void gcm_suggest_resource(const char *word, f2c_buf *out)
{
    size_t n;
    const char **cands = gcm_concrete_resources(&n);
    suggest_and_free(word, cands, n, out);
}

void gcm_suggest_element(const char *type, const char *word, f2c_buf *out)
{
    size_t ne = f2c_fm_element_count(type), nc = f2c_fm_choice_count(type), n = 0;
    const char **cands = gc_xmalloc((ne + nc + 1) * sizeof *cands);
    for (size_t i = 0; i < ne; i++)
        cands[n++] = f2c_fm_element_at(type, i, NULL, NULL, NULL);
    for (size_t i = 0; i < nc; i++)
        cands[n++] = f2c_fm_choice_at(type, i);
    suggest_and_free(word, cands, n, out);
}

static int is_group_type(const char *type)
{
    return !f2c_fm_is_primitive(type) && !f2c_fm_is_resource(type);
}

void gcm_suggest_group(const char *word, f2c_buf *out)
{
    size_t n;
    const char **cands = types_where(is_group_type, &n);
    suggest_and_free(word, cands, n, out);
}
