/*
 * gen_config_r4: the original's schema-driven modes, from the FHIR R4 type model instead of
 * the JSON Schema file:
 *
 *   generate-config --resources A B ...   every element of those resources (all of R4 when none
 *                                         is named), and a property group for every complex
 *                                         type reached from them, recursively;
 *   generate-config-unrollpath -u R.path  an unroll table for the path, and the groups reached.
 *
 * Semantics of configuration_generator.js (publishResourceConfigurations,
 * publishUnrollConfiguration): elements named extension or contained, and elements of type
 * Extension or of "any resource" (the schema's ResourceList; Resource in our model) are
 * skipped; an array element gives its item type with --array first (the default) or the type
 * "array" (the whole JSON array as text) with --array as_json; a complex type gives a
 * propertiesGroupRef; existing group files are kept unless --overwrite.
 *
 * Deliberate differences (docs/config-reference.md): element types are the model's real FHIR
 * types — the original typed date/time elements "string", enum-bound codes "string" and
 * primitive choice variants "string" — and elements come in name order (the model's), not the
 * schema's.
 */
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"
#include "gen_config_int.h"
#include "gen_config_model.h"

/* Types the original never turned into columns or groups (constants.excludeProperties). */
static int excluded_type(const char *t)
{
    return strcmp(t, "Extension") == 0 || strcmp(t, "Resource") == 0;
}

/* resolveResourceProperties: the properties of table or group t for definition `type`. */
static void element_props(gc_table *t, const char *type, int array_as_json)
{
    size_t n = f2c_fm_element_count(type);
    for (size_t i = 0; i < n; i++) {
        const char *etype;
        int is_array;
        const char *name = f2c_fm_element_at(type, i, &etype, &is_array, NULL);
        if (!strcmp(name, "extension") || !strcmp(name, "contained")) continue;
        if (t->is_group && !strcmp(name, "id")) continue;
        const char *et = is_array && array_as_json ? "array" : etype;
        if (excluded_type(et)) continue;
        gc_prop *p = gc_add_prop(t, GC_P_DEFAULT, t->loc);
        p->path = gc_xstrdup(name);
        p->name = gc_camel(name);
        gc_set_prop_type(p, et);
    }
}

/* A set of type names (linear; there are a few hundred at most). */
typedef struct name_set {
    const char **v;
    size_t n;
} name_set;

static int set_has(const name_set *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0) return 1;
    return 0;
}

static void set_add(name_set *s, const char *x)
{
    s->v = gc_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = x;
}

/* recursivelyCollectPropertiesGroupTypes: `type` and every complex type reachable from it. */
static void collect_groups(const char *type, name_set *seen)
{
    if (set_has(seen, type) || excluded_type(type)) return;
    set_add(seen, type);
    size_t n = f2c_fm_element_count(type);
    for (size_t i = 0; i < n; i++) {
        const char *et;
        f2c_fm_element_at(type, i, &et, NULL, NULL);
        if (gcm_is_concrete_resource(et)) et = "Reference";
        if (excluded_type(et) || f2c_fm_is_primitive(et)) continue;
        collect_groups(et, seen);
    }
}

/* getRelatedPropertiesGroupTypes + generatePropertyGroups over the tables built so far. */
static void add_groups(gc_config *c, gc_diags *d, int array_as_json, int overwrite)
{
    name_set seen = {0};
    size_t ntables = c->count;
    /* The set borrows the props' group strings and the model's static names; both outlive
     * it (gc_add_table below moves gc_table structs, never their props arrays). */
    for (size_t i = 0; i < ntables; i++)
        for (size_t k = 0; k < c->tables[i].nprops; k++)
            if (c->tables[i].props[k].group) collect_groups(c->tables[i].props[k].group, &seen);
    for (size_t i = 0; i < seen.n; i++) {
        const char *g = seen.v[i];
        if (f2c_fm_is_resource(g) || f2c_fm_is_primitive(g) || excluded_type(g)) continue;
        gc_loc none = {NULL, 0, 0};
        gc_table *t = gc_add_table(c, d, 1, g, NULL, NULL, none);
        if (!t) continue;
        t->keep_existing = !overwrite;
        element_props(t, g, array_as_json);
    }
    free(seen.v);
}

/* `what` is the option the name came from ("--resources", "-u"): it prefixes the message. */
static int check_resource(const char *rt, const char *what, gc_diags *d)
{
    if (gcm_is_concrete_resource(rt)) return 0;
    f2c_buf msg = {0};
    gc_bprintf(&msg, "unknown resource type '%s'", rt);
    gcm_suggest_resource(rt, &msg);
    gc_diag(d, (gc_loc){what, 0, 0}, "%s", msg.data);
    f2c_buf_free(&msg);
    return -1;
}

int gc_build_resources(const char *const *types, size_t ntypes, int array_as_json, int overwrite,
                       gc_config *c, gc_diags *d)
{
    size_t before = d->count;
    const char **all = NULL; /* no resource named: all of R4 */
    if (!ntypes) {
        all = gcm_concrete_resources(&ntypes);
        types = all;
    }
    for (size_t i = 0; i < ntypes; i++) {
        const char *rt = types[i];
        if (check_resource(rt, "--resources", d)) continue;
        gc_loc none = {NULL, 0, 0};
        gc_table *t = gc_add_table(c, d, 0, rt, rt, NULL, none);
        if (t) element_props(t, rt, array_as_json);
    }
    free(all);
    if (d->count != before) return -1;
    add_groups(c, d, array_as_json, overwrite);
    return d->count == before ? 0 : -1;
}

int gc_build_unroll(const char *const *paths, size_t npaths, int array_as_json, int overwrite,
                    gc_config *c, gc_diags *d)
{
    size_t before = d->count;
    for (size_t i = 0; i < npaths; i++) {
        const char *full = paths[i];
        const char *dot = strchr(full, '.');
        if (!dot || !dot[1]) {
            gc_diag(d, (gc_loc){NULL, 0, 0},
                    "-u: '%s' names no element (write Resource.element, e.g. Patient.name)", full);
            continue;
        }
        char *rt = gc_xstrndup(full, (size_t)(dot - full));
        gc_path_info pi;
        gc_loc none = {NULL, 0, 0}, opt = {"-u", 0, 0};
        if (check_resource(rt, "-u", d) == 0 &&
            gc_resolve_path(rt, dot + 1, GC_PATH_UNROLL, opt, d, &pi) == 0) {
            char *name = gc_camel(full);
            gc_table *t = gc_add_table(c, d, 0, name, rt, full, none);
            if (t) {
                const char *last = strrchr(full, '.') + 1;
                gc_prop *p = gc_add_prop(t, GC_P_UNROLL, none);
                p->name = gc_camel(last);
                p->path = gc_xstrdup("");
                gc_set_prop_type(p, pi.type);
            }
            free(name);
        }
        free(rt);
    }
    if (d->count != before) return -1;
    add_groups(c, d, array_as_json, overwrite);
    return d->count == before ? 0 : -1;
}
