/*
 * gen_config_yaml: reads resourcesConfig.yml and propertiesGroupConfig.yml (the original
 * tool's YAML instruction format, docs/config-reference.md) into a gc_config, checking every
 * key, resource type, property group and element path, with the file:line:column of the YAML
 * node at fault.
 *
 * Why libyaml's document API: it keeps each node's start mark, which is all the error messages
 * need, and it resolves anchors and aliases the way js-yaml did.  The YAML is read with the
 * original's meaning (js-yaml safeLoad, YAML 1.2 core schema): a plain `null`, `~` or empty
 * value is null, and a null optional value counts as absent; other scalars are taken as their
 * text.  What the original accepted silently or crashed on is an error here, each listed in
 * docs/config-reference.md: unknown keys, duplicate keys, a second YAML document, values of the
 * wrong shape.
 *
 * Semantics follow generate_from_yaml.js: per resource, the resource table's properties are
 * propertiesByDefault (path -> CamelCased name, FHIR type or property group) then
 * customProperties; each unrollPath entry gives a table <Resource><Path...>; each entry of the
 * groups file gives PropertiesGroup/<Group>.json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_type.h"
#include "gen_config_int.h"
#include "gen_config_model.h"

typedef struct ydoc {
    const char *file;
    yaml_document_t doc;
    int loaded;
} ydoc;

typedef struct yctx {
    ydoc *y;
    gc_config *c;
    gc_diags *d;
} yctx;

static gc_loc node_loc(const ydoc *y, const yaml_node_t *n)
{
    gc_loc l = {y->file, (long)n->start_mark.line + 1, (long)n->start_mark.column + 1};
    return l;
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* js-yaml's null: a plain scalar null, Null, NULL, ~ or nothing. */
static int is_null(const yaml_node_t *n)
{
    if (!n) return 1;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static yaml_node_t *node(ydoc *y, int i)
{
    return yaml_document_get_node(&y->doc, i);
}

/* Text of a scalar node, or NULL after a diagnostic (not a scalar, or holds a NUL). */
static const char *scalar(yctx *x, const yaml_node_t *n, const char *what)
{
    if (n->type != YAML_SCALAR_NODE) {
        gc_diag(x->d, node_loc(x->y, n), "%s must be a scalar, found %s", what, kind_name(n));
        return NULL;
    }
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
        gc_diag(x->d, node_loc(x->y, n), "%s contains a NUL character", what);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

/* Limits on a configuration YAML (docs/config-reference.md, "Limits"): real files are a few KB
 * and at most 6 levels deep.  libyaml's document loader needs time quadratic in the nesting
 * depth and about 30 bytes of memory per byte of input, so both are bounded before loading. */
#define YAML_MAX_BYTES (8u << 20)
#define YAML_MAX_DEPTH 64

/* Streams the events of f once to check the nesting depth; 0, or -1 after a diagnostic.  A
 * syntax error stops the check silently: the loader that follows reports it with its place. */
static int check_depth(FILE *f, const char *file, gc_diags *d)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) gc_oom();
    yaml_parser_set_input_file(&p, f);
    int depth = 0, rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) break;
        yaml_event_type_t t = e.type;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > YAML_MAX_DEPTH) {
                gc_loc l = {file, (long)e.start_mark.line + 1, (long)e.start_mark.column + 1};
                gc_diag(d, l, "nested deeper than %d levels (the limit for a configuration YAML)",
                        YAML_MAX_DEPTH);
                rc = -1;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        yaml_event_delete(&e);
        if (rc != 0 || t == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Reads a file and parses its single YAML document; 0 or -1 after a diagnostic. */
static int load(ydoc *y, const char *file, gc_diags *d)
{
    memset(y, 0, sizeof *y);
    y->file = file;
    gc_loc at = {file, 0, 0};
    FILE *f = fopen(file, "rb");
    if (!f) {
        gc_diag(d, at, "cannot read: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > (off_t)YAML_MAX_BYTES) {
        gc_diag(d, at, "file is %lld bytes, more than the %u MiB limit for a configuration YAML",
                (long long)st.st_size, YAML_MAX_BYTES >> 20);
        fclose(f);
        return -1;
    }
    if (check_depth(f, file, d) != 0) {
        fclose(f);
        return -1;
    }
    rewind(f);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) gc_oom();
    yaml_parser_set_input_file(&p, f);
    int rc = 0;
    if (!yaml_parser_load(&p, &y->doc)) {
        gc_loc l = {file, (long)p.problem_mark.line + 1, (long)p.problem_mark.column + 1};
        if (p.error == YAML_MEMORY_ERROR) gc_oom();
        if (p.error == YAML_READER_ERROR) {
            gc_diag(d, l, "cannot read YAML: %s", p.problem ? p.problem : "read error");
        } else if (p.context) {
            gc_diag(d, l, "YAML syntax error: %s %s (started at line %lu)", p.problem, p.context,
                    (unsigned long)p.context_mark.line + 1);
        } else {
            gc_diag(d, l, "YAML syntax error: %s", p.problem ? p.problem : "unknown");
        }
        rc = -1;
    } else {
        y->loaded = 1;
        yaml_document_t extra;
        if (!yaml_parser_load(&p, &extra)) {
            gc_loc l = {file, (long)p.problem_mark.line + 1, (long)p.problem_mark.column + 1};
            gc_diag(d, l, "YAML syntax error: %s", p.problem ? p.problem : "unknown");
            rc = -1;
        } else {
            yaml_node_t *r = yaml_document_get_root_node(&extra);
            if (r) {
                gc_diag(
                    d, (gc_loc){file, (long)r->start_mark.line + 1, (long)r->start_mark.column + 1},
                    "a second YAML document; the file must hold one");
                rc = -1;
            }
            yaml_document_delete(&extra);
        }
    }
    yaml_parser_delete(&p);
    fclose(f);
    return rc;
}

static void unload(ydoc *y)
{
    if (y->loaded) yaml_document_delete(&y->doc);
    y->loaded = 0;
}

/*
 * The values of a mapping's known keys: out[i] gets the value node of keys[i] (NULL when
 * absent), out_key[i] its key node.  Unknown and repeated keys are reported.  Returns 0, or -1
 * when `m` is not a mapping (reported; a null m is an empty mapping).
 */
static int map_keys(yctx *x, yaml_node_t *m, const char *what, const char *const *keys,
                    size_t nkeys, yaml_node_t **out, yaml_node_t **out_key)
{
    for (size_t i = 0; i < nkeys; i++)
        out[i] = out_key[i] = NULL;
    if (is_null(m)) return 0;
    if (m->type != YAML_MAPPING_NODE) {
        gc_diag(x->d, node_loc(x->y, m), "%s must be a mapping, found %s", what, kind_name(m));
        return -1;
    }
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(x->y, pr->key), *v = node(x->y, pr->value);
        const char *ks = scalar(x, k, "a key");
        if (!ks) continue;
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i], ks) != 0)
            i++;
        if (i == nkeys) {
            f2c_buf msg = {0};
            gc_bprintf(&msg, "unknown key '%s' in %s (expected ", ks, what);
            for (size_t j = 0; j < nkeys; j++)
                gc_bprintf(&msg, "%s%s", j ? (j + 1 == nkeys ? " or " : ", ") : "", keys[j]);
            gc_puts(&msg, ")");
            f2c_buf s = {0};
            if (gc_suggest(ks, keys, nkeys, &s)) gc_bprintf(&msg, "; did you mean: %s", s.data);
            f2c_buf_free(&s);
            gc_diag(x->d, node_loc(x->y, k), "%s", msg.data);
            f2c_buf_free(&msg);
            continue;
        }
        if (out_key[i]) {
            gc_diag(x->d, node_loc(x->y, k), "duplicate key '%s' in %s (first at line %ld)", ks,
                    what, (long)out_key[i]->start_mark.line + 1);
            continue;
        }
        out_key[i] = k;
        out[i] = v;
    }
    return 0;
}

/* The items of a YAML list value (NULL and count 0 for null); -1 when not a list. */
static int list_items(yctx *x, yaml_node_t *v, const char *what, const char *hint,
                      yaml_node_item_t **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (is_null(v)) return 0;
    if (v->type != YAML_SEQUENCE_NODE) {
        if (v->type == YAML_SCALAR_NODE)
            gc_diag(x->d, node_loc(x->y, v), "%s must be a list, found the scalar '%s'%s", what,
                    (const char *)v->data.scalar.value, hint);
        else
            gc_diag(x->d, node_loc(x->y, v), "%s must be a list, found %s", what, kind_name(v));
        return -1;
    }
    *items = v->data.sequence.items.start;
    *n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    return 0;
}

/* propertiesByDefault of table t, paths resolved from definition `base`. */
static void default_props(yctx *x, gc_table *t, const char *base, yaml_node_t *v)
{
    yaml_node_item_t *it;
    size_t n;
    if (list_items(x, v, "propertiesByDefault", " (write propertiesByDefault: [element, ...])", &it,
                   &n))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(x->y, it[i]);
        gc_loc l = node_loc(x->y, e);
        if (is_null(e)) {
            gc_diag(x->d, l, "empty entry in propertiesByDefault");
            continue;
        }
        const char *path = scalar(x, e, "a propertiesByDefault entry");
        if (!path) continue;
        gc_path_info pi;
        if (gc_resolve_path(base, path, GC_PATH_ELEMENT, l, x->d, &pi)) continue;
        gc_prop *p = gc_add_prop(t, GC_P_DEFAULT, l);
        p->path = gc_xstrdup(path);
        p->name = gc_camel(path);
        gc_set_prop_type(p, pi.type);
    }
}

/* A scalar value of a customProperties key: its text, or NULL when absent, null or invalid. */
static const char *opt_scalar(yctx *x, yaml_node_t *v, const char *what)
{
    if (!v || is_null(v)) return NULL;
    return scalar(x, v, what);
}

/* customProperties of table t (addCustomizeProperties). */
static void custom_props(yctx *x, gc_table *t, const char *base, yaml_node_t *v)
{
    static const char *const keys[] = {"name", "path", "expression", "type"};
    enum { K_NAME, K_PATH, K_EXPR, K_TYPE, K_N };
    yaml_node_item_t *it;
    size_t n;
    if (list_items(x, v, "customProperties", "", &it, &n)) return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(x->y, it[i]);
        gc_loc l = node_loc(x->y, e);
        yaml_node_t *val[K_N], *key[K_N];
        int before = (int)x->d->count;
        if (is_null(e)) {
            gc_diag(x->d, l, "empty entry in customProperties");
            continue;
        }
        if (map_keys(x, e, "a customProperties entry", keys, K_N, val, key)) continue;
        const char *name = opt_scalar(x, val[K_NAME], "name");
        const char *path = opt_scalar(x, val[K_PATH], "path");
        const char *expr = opt_scalar(x, val[K_EXPR], "expression");
        const char *type = opt_scalar(x, val[K_TYPE], "type");
        /* As the original: an empty name, expression or type counts as absent. */
        if (name && !*name) name = NULL;
        if (expr && !*expr) expr = NULL;
        if (type && !*type) type = NULL;
        if (!name && (!path || !*path)) {
            gc_diag(x->d, l,
                    "a customProperties entry needs a name (or a non-empty path to "
                    "derive it from)");
            continue;
        }
        const char *tname = type ? type : "string";
        if (type && f2c_type_from_name(type) == F2C_T_NONE) {
            const char *cands[F2C_T__COUNT];
            size_t nc = 0;
            for (int k = F2C_T_NONE + 1; k < F2C_T__COUNT; k++)
                if (f2c_type_name((f2c_type)k)[0]) cands[nc++] = f2c_type_name((f2c_type)k);
            f2c_buf s = {0};
            gc_suggest(type, cands, nc, &s);
            gc_diag(x->d, node_loc(x->y, val[K_TYPE]), "unknown type '%s'%s%s", type,
                    s.len ? "; did you mean: "
                          : " (expected a FHIR primitive type such as string, code or dateTime, "
                            "or array)",
                    s.len ? s.data : "");
            f2c_buf_free(&s);
        }
        if (path && *path) {
            gc_path_info pi;
            gc_loc pl = node_loc(x->y, val[K_PATH]);
            if (gc_resolve_path(base, path, GC_PATH_CUSTOM, pl, x->d, &pi) == 0 && pi.choice_base &&
                f2c_type_from_name(tname) != F2C_T_NONE)
                gc_check_choice_variant(&pi, tname, pl, x->d);
        }
        if ((int)x->d->count != before) continue;
        gc_prop *p = gc_add_prop(t, GC_P_CUSTOM, l);
        p->path = path ? gc_xstrdup(path) : NULL;
        p->name = name ? gc_xstrdup(name) : gc_camel(path);
        p->expr = expr ? gc_xstrdup(expr) : NULL;
        p->type = gc_xstrdup(tname);
        if (expr) p->expr_loc = node_loc(x->y, val[K_EXPR]);
    }
}

/* unrollPath of resource `rt`: one table per entry (generateUnrollConfigurations). */
static void unroll_tables(yctx *x, const char *rt, yaml_node_t *v)
{
    yaml_node_item_t *it;
    size_t n;
    if (list_items(x, v, "unrollPath", " (write unrollPath: [element, ...])", &it, &n)) return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(x->y, it[i]);
        gc_loc l = node_loc(x->y, e);
        if (is_null(e)) {
            gc_diag(x->d, l, "empty entry in unrollPath");
            continue;
        }
        const char *path = scalar(x, e, "an unrollPath entry");
        if (!path) continue;
        gc_path_info pi;
        if (gc_resolve_path(rt, path, GC_PATH_UNROLL, l, x->d, &pi)) continue;
        char *full = gc_xprintf("%s.%s", rt, path);
        char *name = gc_camel(full);
        gc_table *t = gc_add_table(x->c, x->d, 0, name, rt, full, l);
        if (t) {
            const char *lastdot = strrchr(path, '.');
            gc_prop *p = gc_add_prop(t, GC_P_UNROLL, l);
            p->name = gc_camel(lastdot ? lastdot + 1 : path);
            p->path = gc_xstrdup("");
            gc_set_prop_type(p, pi.type);
        }
        free(full);
        free(name);
    }
}

/* The key node before `pr` in mapping m that is the scalar `name`, or NULL. */
static const yaml_node_t *earlier_key(yctx *x, const yaml_node_t *m, const yaml_node_pair_t *pr,
                                      const char *name)
{
    for (const yaml_node_pair_t *q = m->data.mapping.pairs.start; q < pr; q++) {
        const yaml_node_t *k = node(x->y, q->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, name) == 0)
            return k;
    }
    return NULL;
}

static void build_resources(yctx *x)
{
    static const char *const keys[] = {"unrollPath", "propertiesByDefault", "customProperties"};
    yaml_node_t *root = yaml_document_get_root_node(&x->y->doc);
    if (is_null(root)) {
        gc_diag(x->d,
                (gc_loc){x->y->file, root ? (long)root->start_mark.line + 1 : 0,
                         root ? (long)root->start_mark.column + 1 : 0},
                "no resources configured (the file should map resource types such as Patient "
                "to their tables)");
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        gc_diag(x->d, node_loc(x->y, root),
                "the resources file must be a mapping of resource types, found %s",
                kind_name(root));
        return;
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = node(x->y, pr->key), *v = node(x->y, pr->value);
        const char *rt = scalar(x, k, "a resource type");
        if (!rt) continue;
        gc_loc kl = node_loc(x->y, k);
        const yaml_node_t *first = earlier_key(x, root, pr, rt);
        if (first) {
            gc_diag(x->d, kl, "duplicate resource '%s' (first at line %ld)", rt,
                    (long)first->start_mark.line + 1);
            continue;
        }
        if (!gcm_is_concrete_resource(rt)) {
            f2c_buf msg = {0};
            if (f2c_fm_is_primitive(rt))
                gc_bprintf(&msg, "'%s' is a primitive type, not a resource type", rt);
            else if (f2c_fm_is_type(rt))
                gc_bprintf(&msg,
                           "'%s' is not a resource type; property groups for datatypes "
                           "and backbone elements go in the property groups file",
                           rt);
            else {
                gc_bprintf(&msg, "unknown resource type '%s'", rt);
                gcm_suggest_resource(rt, &msg);
            }
            gc_diag(x->d, kl, "%s", msg.data);
            f2c_buf_free(&msg);
            continue;
        }
        yaml_node_t *val[3], *key[3];
        char *what = gc_xprintf("resource %s", rt);
        int bad = map_keys(x, v, what, keys, 3, val, key);
        free(what);
        if (bad) continue;
        gc_table *t = gc_add_table(x->c, x->d, 0, rt, rt, NULL, kl);
        if (!t) continue;
        default_props(x, t, rt, val[1]);
        custom_props(x, t, rt, val[2]);
        unroll_tables(x, rt, val[0]);
    }
}

static void build_groups(yctx *x)
{
    static const char *const keys[] = {"propertiesByDefault", "customProperties"};
    yaml_node_t *root = yaml_document_get_root_node(&x->y->doc);
    if (is_null(root)) return;
    if (root->type != YAML_MAPPING_NODE) {
        gc_diag(x->d, node_loc(x->y, root),
                "the property groups file must be a mapping of type names, found %s",
                kind_name(root));
        return;
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = node(x->y, pr->key), *v = node(x->y, pr->value);
        const char *g = scalar(x, k, "a property group name");
        if (!g) continue;
        gc_loc kl = node_loc(x->y, k);
        const yaml_node_t *first = earlier_key(x, root, pr, g);
        if (first) {
            gc_diag(x->d, kl, "duplicate property group '%s' (first at line %ld)", g,
                    (long)first->start_mark.line + 1);
            continue;
        }
        if (!f2c_fm_is_type(g) || f2c_fm_is_primitive(g) || f2c_fm_is_resource(g)) {
            f2c_buf msg = {0};
            if (f2c_fm_is_primitive(g))
                gc_bprintf(&msg,
                           "'%s' is a primitive type; property groups describe complex "
                           "types",
                           g);
            else if (f2c_fm_is_resource(g))
                gc_bprintf(&msg,
                           "'%s' is a resource type; property groups describe datatypes "
                           "and backbone elements (resources go in the resources file)",
                           g);
            else {
                gc_bprintf(&msg, "unknown type '%s' for a property group", g);
                gcm_suggest_group(g, &msg);
            }
            gc_diag(x->d, kl, "%s", msg.data);
            f2c_buf_free(&msg);
            continue;
        }
        yaml_node_t *val[2], *key[2];
        char *what = gc_xprintf("property group %s", g);
        int bad = map_keys(x, v, what, keys, 2, val, key);
        free(what);
        if (bad) continue;
        gc_table *t = gc_add_table(x->c, x->d, 1, g, NULL, NULL, kl);
        if (!t) continue;
        default_props(x, t, g, val[0]);
        custom_props(x, t, g, val[1]);
    }
}

/* Where property p of table t is used, for messages: "Patient.name", "Identifier.assigner". */
static char *usage_of(const gc_table *t, const gc_prop *p)
{
    const char *owner = t->is_group ? t->name : t->unroll_path ? t->unroll_path : t->resource_type;
    if (p->kind == GC_P_UNROLL || !p->path || !*p->path) return gc_xstrdup(owner);
    return gc_xprintf("%s.%s", owner, p->path);
}

/* A missing property group and the first place it is used. */
typedef struct missing_group {
    const char *name;
    const gc_table *table;
    const gc_prop *prop;
    int rank; /* 0: used in the resources file, 1: in the groups file */
} missing_group;

static int cmp_missing(const void *a, const void *b)
{
    const missing_group *x = a, *y = b;
    if (x->rank != y->rank) return x->rank - y->rank;
    if (x->prop->loc.line != y->prop->loc.line)
        return x->prop->loc.line < y->prop->loc.line ? -1 : 1;
    if (x->prop->loc.col != y->prop->loc.col) return x->prop->loc.col < y->prop->loc.col ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Every property group referenced must be defined: all missing ones at once, in the order of
 * their first use in the files. */
static void check_groups(yctx *x, const char *groups_file)
{
    gc_config *c = x->c;
    missing_group *m = NULL;
    size_t nm = 0;
    for (size_t i = 0; i < c->count; i++) {
        const gc_table *t = &c->tables[i];
        for (size_t k = 0; k < t->nprops; k++) {
            const gc_prop *p = &t->props[k];
            if (!p->group) continue;
            char *f = gc_xprintf("PropertiesGroup/%s.json", p->group);
            int defined = gc_find_table(c, f) != NULL;
            free(f);
            if (defined) continue;
            missing_group cur = {p->group, t, p, t->is_group};
            size_t j = 0;
            while (j < nm && strcmp(m[j].name, p->group) != 0)
                j++;
            if (j == nm) {
                m = gc_xrealloc(m, (nm + 1) * sizeof *m);
                m[nm++] = cur;
            } else if (cmp_missing(&cur, &m[j]) < 0) {
                m[j] = cur;
            }
        }
    }
    if (nm == 0) return;
    qsort(m, nm, sizeof *m, cmp_missing);
    f2c_buf list = {0};
    for (size_t j = 0; j < nm; j++) {
        char *use = usage_of(m[j].table, m[j].prop);
        gc_diag(x->d, m[j].prop->loc, "property group '%s' is not defined in %s (needed by %s)",
                m[j].name, groups_file, use);
        free(use);
        gc_bprintf(&list, "%s%s", j ? ", " : "", m[j].name);
    }
    gc_note(x->d, (gc_loc){groups_file, 0, 0}, "%zu property group%s to define: %s", nm,
            nm == 1 ? "" : "s", list.data);
    f2c_buf_free(&list);
    free(m);
}

int gc_build_from_yaml(const char *resources_file, const char *groups_file, gc_config *c,
                       gc_diags *d)
{
    size_t before = d->count;
    ydoc ry, gy;
    int rok = load(&ry, resources_file, d) == 0;
    int gok = load(&gy, groups_file, d) == 0;
    if (rok) {
        yctx x = {&ry, c, d};
        build_resources(&x);
    }
    if (gok) {
        yctx x = {&gy, c, d};
        build_groups(&x);
    }
    if (rok && gok) {
        yctx x = {&gy, c, d};
        check_groups(&x, groups_file);
    }
    unload(&ry);
    unload(&gy);
    return d->count == before ? 0 : -1;
}
