/*
 * gen_config_path: resolves a configuration's element paths ("name.use", "contact.telecom")
 * against the FHIR R4 type model, and explains precisely what is wrong when one does not
 * resolve.
 *
 * Why here and not left to the transformer: a misspelt element is not an error at run time —
 * the column is simply always empty — so the generator is the one place that can catch it.
 * The original tool threw "Invalid path" for some of these (or crashed), and silently typed
 * others; each case below is one message that names the definition, the step and the closest
 * valid names.
 *
 * Choice elements (FHIR R4 §2.24.0.3) are known to the model only by their typed variants
 * (deceasedBoolean); a path may end in the bare base ("deceased") only in customProperties,
 * where the loader resolves it with the declared type (f2c_tablecfg.h: alt = step + type
 * suffix).  Every other step must be an element, since the loader has no alternative spelling
 * for inner steps or unroll steps.
 */
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_type.h"
#include "gen_config_int.h"
#include "gen_config_model.h"

/* "a, b, c" of the choice variants of base `base` in `owner`. */
static void list_variants(const char *owner, const char *base, f2c_buf *out)
{
    size_t n = f2c_fm_choice_variants(owner, base, NULL, NULL, 0);
    const char **names = gc_xmalloc((n ? n : 1) * sizeof *names);
    f2c_fm_choice_variants(owner, base, names, NULL, n);
    for (size_t i = 0; i < n; i++) {
        if (i) gc_puts(out, ", ");
        gc_puts(out, names[i]);
    }
    free(names);
}

int gc_resolve_path(const char *base, const char *path, gc_path_use use, gc_loc loc, gc_diags *d,
                    gc_path_info *out)
{
    memset(out, 0, sizeof *out);
    if (!*path) {
        if (use == GC_PATH_CUSTOM) {
            out->type = NULL; /* the row's node itself */
            return 0;
        }
        gc_diag(d, loc, "empty element path");
        return -1;
    }
    const char *cur = base;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int last = dot == NULL;
        if (len == 0) {
            gc_diag(d, loc, "path '%s' has an empty step", path);
            return -1;
        }
        char *step = gc_xstrndup(p, len);
        char *sofar = gc_xstrndup(path, (size_t)(p - path) + len);
        int is_array = 0;
        const char *t = f2c_fm_element_type(cur, step, &is_array);
        if (!t && last && strcmp(step, "resourceType") == 0 && f2c_fm_is_resource(cur)) {
            /* Not an element, but every resource has it; the original typed it string. */
            t = "string";
        }
        if (!t && last && use == GC_PATH_CUSTOM) {
            /* A bare choice base ends a custom property's path: the type picks the variant. */
            for (size_t i = 0; i < f2c_fm_choice_count(cur); i++) {
                if (strcmp(f2c_fm_choice_at(cur, i), step) != 0) continue;
                out->choice_owner = cur;
                out->choice_base = f2c_fm_choice_at(cur, i);
                free(step);
                free(sofar);
                return 0;
            }
        }
        if (!t) {
            f2c_buf msg = {0};
            if (f2c_fm_is_primitive(cur)) {
                gc_bprintf(&msg, "'%.*s' is a %s (a primitive type) and has no element '%s'",
                           (int)(p - path - 1), path, cur, step);
            } else if (f2c_fm_choice_variants(cur, step, NULL, NULL, 0) > 0) {
                gc_bprintf(&msg, "'%s' of %s is a choice element (%s[x]); ", step, cur, step);
                if (last) {
                    gc_puts(&msg, "list one of its variants (");
                    list_variants(cur, step, &msg);
                    gc_puts(&msg, ")");
                    if (use == GC_PATH_ELEMENT)
                        gc_bprintf(&msg,
                                   ", or add a customProperties entry with path: %s and a "
                                   "type",
                                   sofar);
                } else {
                    gc_puts(&msg, "a path can only go through one of its variants (");
                    list_variants(cur, step, &msg);
                    gc_puts(&msg, ")");
                }
            } else {
                gc_bprintf(&msg, "%s has no element '%s'", cur, step);
                if (strcmp(path, step) != 0) gc_bprintf(&msg, " (path '%s')", path);
                gcm_suggest_element(cur, step, &msg);
            }
            gc_diag(d, loc, "%s", msg.data);
            f2c_buf_free(&msg);
            free(step);
            free(sofar);
            return -1;
        }
        free(step);
        free(sofar);
        if (last) {
            out->type = t;
            out->is_array = is_array;
            if (use == GC_PATH_UNROLL && !is_array) {
                gc_diag(d, loc,
                        "%s.%s is not a repeating element (it holds one %s); unroll tables are "
                        "for arrays",
                        base, path, t);
                return -1;
            }
            return 0;
        }
        cur = t;
        p = dot + 1;
    }
}

void gc_set_prop_type(gc_prop *p, const char *type)
{
    if (f2c_fm_is_primitive(type) || f2c_type_from_name(type) != F2C_T_NONE)
        p->type = gc_xstrdup(type);
    else if (f2c_fm_is_resource(type))
        p->group = gc_xstrdup("Reference");
    else
        p->group = gc_xstrdup(type);
}

int gc_check_choice_variant(const gc_path_info *pi, const char *type_name, gc_loc loc, gc_diags *d)
{
    f2c_type t = f2c_type_from_name(type_name);
    const char *suffix = f2c_type_choice_suffix(t);
    if (*suffix) {
        char *variant = gc_xprintf("%s%s", pi->choice_base, suffix);
        const char *vt = f2c_fm_element_type(pi->choice_owner, variant, NULL);
        free(variant);
        if (vt) return 0;
    }
    f2c_buf msg = {0};
    gc_bprintf(&msg,
               "'%s' of %s is a choice element (%s[x]) with no variant of type %s "
               "(its variants: ",
               pi->choice_base, pi->choice_owner, pi->choice_base, type_name);
    list_variants(pi->choice_owner, pi->choice_base, &msg);
    gc_puts(&msg, ")");
    gc_diag(d, loc, "%s", msg.data);
    f2c_buf_free(&msg);
    return -1;
}
