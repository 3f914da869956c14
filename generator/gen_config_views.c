/*
 * gen_config_views: `fhir2cdm generate-config --emit view-definitions` -- the table
 * configuration a YAML pair describes, written as SQL on FHIR v2 ViewDefinitions
 * (https://sql-on-fhir.org/ig/), one per table, that `fhir2cdm-transform --view` runs into the
 * same rows as `--config` runs the configuration (docs/views.md, "Table configurations as
 * ViewDefinitions").
 *
 * Why translate the loaded configuration and not the YAML: what a table's columns are
 * (property groups expanded to --max-depth, the names they get, the choice-type spellings)
 * is decided by the transformer's loader, f2c_tablecfg_load.  The configuration is therefore
 * written and loaded first, as gc_publish does, and its f2c_tables are translated; the views
 * cannot disagree with the configuration about which columns exist.
 *
 * The translation (table-configuration semantics: docs/transform.md):
 *  - a path step takes the first element of an array: `.first()` after every step the FHIR R4
 *    model says repeats (after every step it does not know, to be safe); a step the model says
 *    is single is written bare, so simple paths stay simple (`status`, `subject.reference`) and
 *    the view loader reads them directly;
 *  - a choice element, named in full (`multipleBirthInteger`) or by its base and the column's
 *    type (`deceased` + dateTime), becomes `deceased.ofType(dateTime)`, the FHIRPath spelling
 *    (FHIR R4 §2.24.0.3; the JSON name is not FHIRPath).  ofType also keeps the type's
 *    specialisations, so when the choice has some (Extension.value[x]: string and code, id,
 *    markdown; Quantity and Age, Count...) they are filtered out:
 *    `value.ofType(string).where(($this is code).not() and ...)` is valueString alone;
 *  - `type: array` is a `collection: true` column of the path without the last `.first()`;
 *  - a fhirExpression E at path P is `P.select(E).first()` (`(E).first()` when P is empty):
 *    E is evaluated with P's node as context and the first item is the cell, as configured;
 *  - ResourceId is `getResourceKey()` (the resource id, docs/fhirpath.md);
 *  - an unroll table is one forEach per unroll step, nested; all its columns sit in the
 *    innermost, in the table's order (ResourceId there is `%resource.getResourceKey()`);
 *  - RowId, FhirPath and ParentPath carry the tag {"name": "fhir2cdm-reserved", "value": ...}
 *    (SQL on FHIR column.tag, ignored by other engines): the view loader then runs the forEach
 *    chain as the configuration's unroll and computes them exactly as for the configuration
 *    (f2c_view.c), so nothing is left out.  Their `path` is what other engines evaluate: the
 *    location built from %rowIndex, the index in the innermost forEach, where that suffices
 *    (no step repeats but the innermost: `'Patient.name[' + %rowIndex.toString() + ']'`, `[0]`
 *    for single steps, as the configuration writes them), else `{}` (null); RowId, a hash
 *    (XXH3-128) no FHIRPath function computes, is always `{}` there.
 * Which columns are null in other engines is named in each view's description.
 *
 * Column and table names: a ViewDefinition needs SQL names (^[A-Za-z][A-Za-z0-9_]*$).  Column
 * names already follow that rule when the configuration loads (f2c_table_column_name_check, the
 * one column rule of every loader); a table name may start with a digit or an underscore, so a
 * table name that is not a SQL name is an error here (with the YAML location of the table), not
 * a silent rename that would break the "same rows under the same names" promise.
 *
 * The output folder is published as gc_publish publishes a configuration: written beside the
 * target, loaded with the transformer's own view loader (f2c_view_load) together with any
 * *.json already in the folder, checked to give exactly the configuration's columns (names and
 * types, in order), and only then swapped into place.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_type.h"
#include "fhir2cdm/f2c_view.h"
#include "gen_config_int.h"

#define VIEW_REFUSAL                                                                               \
    "not a file (an --emit view-definitions folder holds only ViewDefinition files); refusing "    \
    "to replace the folder"

/* ---- FHIRPath text ------------------------------------------------------------------------ */

/* FHIRPath keywords that cannot be an identifier as they are (FHIRPath N1 grammar: only as,
 * contains, in, is are both): an element of one of these names is written quoted, `div`. */
static int is_keyword(const char *s)
{
    static const char *const kw[] = {"and", "or",   "xor",   "implies", "div",
                                     "mod", "true", "false", NULL};
    for (size_t i = 0; kw[i]; i++)
        if (!strcmp(s, kw[i])) return 1;
    return 0;
}

static void put_name(f2c_buf *b, const char *name)
{
    if (is_keyword(name))
        gc_bprintf(b, "`%s`", name);
    else
        gc_puts(b, name);
}

/* The choice base of element `elem` of `type` when elem is one of its typed variants
 * ("deceasedBoolean" -> "deceased"), else NULL. */
static const char *choice_base_of(const char *type, const char *elem)
{
    for (size_t i = 0; i < f2c_fm_choice_count(type); i++) {
        const char *base = f2c_fm_choice_at(type, i);
        size_t bl = strlen(base);
        if (strncmp(elem, base, bl) != 0 || elem[bl] < 'A' || elem[bl] > 'Z') continue;
        size_t n = f2c_fm_choice_variants(type, base, NULL, NULL, 0);
        const char **names = gc_xmalloc(n * sizeof *names);
        f2c_fm_choice_variants(type, base, names, NULL, n);
        int found = 0;
        for (size_t k = 0; k < n && !found; k++)
            found = !strcmp(names[k], elem);
        free(names);
        if (found) return base;
    }
    return NULL;
}

/*
 * Appends one step from a node of FHIR type `cur` (NULL: unknown): the element `name`, or when
 * `name` is not an element of cur but `alt` is (the loader's choice-type spelling), alt.  A
 * choice variant is written base.ofType(Type).  *repeats: the element repeats (1 also when the
 * model does not know it).  Returns the element's FHIR type, or NULL when unknown.
 */
static const char *put_step(f2c_buf *b, const char *cur, const char *name, const char *alt,
                            int *repeats)
{
    int arr = 0;
    const char *use = name;
    const char *t = cur ? f2c_fm_element_type(cur, name, &arr) : NULL;
    if (!t && cur && alt && (t = f2c_fm_element_type(cur, alt, &arr)) != NULL) use = alt;
    if (!t) {
        put_name(b, name);
        *repeats = 1;
        return NULL;
    }
    const char *base = choice_base_of(cur, use);
    if (base) {
        put_name(b, base);
        gc_bprintf(b, ".ofType(%s)", t);
        /* ofType also gives the type's specialisations (FHIRPath: "of the given type or a
         * subclass"): value.ofType(string) reads valueCode too, valueString alone does not. */
        size_t n = f2c_fm_choice_variants(cur, base, NULL, NULL, 0);
        const char **types = gc_xmalloc(n * sizeof *types);
        f2c_fm_choice_variants(cur, base, NULL, types, n);
        int any = 0;
        for (size_t k = 0; k < n; k++) {
            if (!strcmp(types[k], t) || !f2c_fm_is_a(types[k], t)) continue;
            gc_bprintf(b, "%s($this is %s).not()", any ? " and " : ".where(", types[k]);
            any = 1;
        }
        if (any) gc_putc(b, ')');
        free(types);
    } else {
        put_name(b, use);
    }
    *repeats = arr;
    return t;
}

/*
 * The ViewDefinition path of configured column `col` whose row node is of type `ctx` into out
 * (reset first).  *item_type: the FHIR type of what the path reaches when the model knows it
 * (for a collection column's `type`), else NULL.
 */
static void column_path(const f2c_column *col, const char *ctx, f2c_buf *out,
                        const char **item_type)
{
    f2c_buf_reset(out);
    int coll = col->type == F2C_T_ARRAY;
    const char *cur = ctx;
    for (size_t k = 0; k < col->npath; k++) {
        int rep = 0;
        if (k) gc_putc(out, '.');
        cur = put_step(out, cur, col->path[k].name, col->path[k].alt, &rep);
        /* The first element of an array, as configured; an `array` column keeps the last
         * step's whole array (unless an expression follows: it runs on the first element). */
        if (rep && !(k + 1 == col->npath && coll && !col->fhir_expression))
            gc_puts(out, ".first()");
    }
    *item_type = col->fhir_expression ? NULL : cur;
    if (col->fhir_expression) {
        /* A line comment in the expression would swallow what follows on its line. */
        const char *nl = strstr(col->fhir_expression, "//") ? "\n" : "";
        if (col->npath == 0 && coll)
            gc_puts(out, col->fhir_expression);
        else if (col->npath == 0)
            gc_bprintf(out, "(%s%s)", col->fhir_expression, nl);
        else
            gc_bprintf(out, ".select(%s%s)", col->fhir_expression, nl);
        if (!coll) gc_puts(out, ".first()");
    } else if (col->npath == 0) {
        gc_puts(out, "$this");
    }
}

/* ---- names and locations ------------------------------------------------------------------ */

static int sql_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

/* The YAML location of table t (its generated file), for messages. */
static gc_loc table_loc(const gc_config *c, const f2c_table *t)
{
    for (size_t i = 0; i < c->count; i++)
        if (!c->tables[i].is_group && !strcmp(c->tables[i].name, t->name)) return c->tables[i].loc;
    gc_loc none = {NULL, 0, 0};
    return none;
}

/* ---- building a view ---------------------------------------------------------------------- */

static cJSON *xobj(void)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) gc_oom();
    return o;
}

static cJSON *xarr(void)
{
    cJSON *o = cJSON_CreateArray();
    if (!o) gc_oom();
    return o;
}

static void add_str(cJSON *o, const char *key, const char *value)
{
    if (!cJSON_AddStringToObject(o, key, value)) gc_oom();
}

static cJSON *add_column(cJSON *cols, const char *name, const char *path, const char *type,
                         int collection)
{
    cJSON *c = xobj();
    add_str(c, "name", name);
    add_str(c, "path", path);
    if (type) add_str(c, "type", type);
    if (collection && !cJSON_AddTrueToObject(c, "collection")) gc_oom();
    cJSON_AddItemToArray(cols, c);
    return c;
}

/* A reserved column (RowId, FhirPath, ParentPath: `name` is also the tag's value), computed by
 * the view loader from its fhir2cdm-reserved tag; `path` (`{}` when NULL) is for other
 * engines. */
static void add_reserved(cJSON *cols, const char *name, const char *path)
{
    cJSON *c = add_column(cols, name, path ? path : "{}", "string", 0);
    cJSON *tags = xarr(), *tag = xobj();
    add_str(tag, "name", "fhir2cdm-reserved");
    add_str(tag, "value", name);
    cJSON_AddItemToArray(tags, tag);
    cJSON_AddItemToObject(c, "tag", tags);
}

/* A select object with an optional forEach and an empty column list. */
static cJSON *new_select(const char *for_each, cJSON **cols)
{
    cJSON *s = xobj();
    if (for_each) add_str(s, "forEach", for_each);
    *cols = xarr();
    cJSON_AddItemToObject(s, "column", *cols);
    return s;
}

/* Removes an empty "column" array from a select (a select may have only nested selects). */
static void drop_empty_columns(cJSON *s)
{
    cJSON *cols = cJSON_GetObjectItemCaseSensitive(s, "column");
    if (cols && !cols->child) cJSON_DeleteItemFromObjectCaseSensitive(s, "column");
}

/* One unroll step of a table. */
typedef struct ustep {
    char *expr;  /* its forEach expression */
    int repeats; /* the element repeats (or is unknown to the model) */
} ustep;

/*
 * The location of the element after unroll steps 0..last as an expression of a column in the
 * innermost step's forEach (`innermost`), into out: possible when no step repeats but that one.
 * Returns 0, or -1 when the location needs another forEach's index.
 */
static int location_expr(const f2c_table *t, const ustep *st, size_t last, size_t innermost,
                         f2c_buf *out)
{
    size_t nrep = 0, rep = 0;
    for (size_t k = 0; k <= last; k++)
        if (st[k].repeats) {
            nrep++;
            rep = k;
        }
    /* The column sits in the innermost forEach, whose %rowIndex is the only one it sees. */
    if (nrep > 1 || (nrep == 1 && rep != innermost)) return -1;
    f2c_buf_reset(out);
    gc_bprintf(out, "'%s", t->resource_type);
    for (size_t k = 0; k <= last; k++) {
        if (nrep == 1 && k == rep)
            gc_bprintf(out, ".%s[' + %%rowIndex.toString() + ']", t->unroll[k]);
        else
            gc_bprintf(out, ".%s[0]", t->unroll[k]);
    }
    gc_putc(out, '\'');
    return 0;
}

/* The reserved columns of a view whose standard path gives null (`{}`): other engines cannot
 * compute them; fhir2cdm does, from the columns' fhir2cdm-reserved tags. */
typedef struct fhir2cdm_only {
    int rowid, fhirpath, parentpath;
} fhir2cdm_only;

static void describe(cJSON *v, const f2c_table *t, const fhir2cdm_only *fo)
{
    f2c_buf b = {0};
    gc_bprintf(&b, "Table %s of a fhir2cdm table configuration", t->name);
    if (t->unroll_path) gc_bprintf(&b, " (unrollPath %s)", t->unroll_path);
    gc_puts(&b, ", generated by fhir2cdm generate-config --emit view-definitions.");
    if (fo->rowid || fo->fhirpath || fo->parentpath) {
        gc_puts(&b, " Columns tagged fhir2cdm-reserved are computed by fhir2cdm as in the "
                    "configuration; other engines evaluate their paths, which give null for");
        const char *sep = " ";
        if (fo->rowid) {
            gc_bprintf(&b, "%sRowId (a hash of the row's location)", sep);
            sep = ", ";
        }
        if (fo->fhirpath) {
            gc_bprintf(&b, "%sFhirPath", sep);
            sep = ", ";
        }
        if (fo->parentpath) gc_bprintf(&b, "%sParentPath", sep);
        if (fo->fhirpath || fo->parentpath)
            gc_puts(&b, " (the location needs the index of an enclosing forEach; %rowIndex gives "
                        "the innermost's)");
        gc_putc(&b, '.');
    }
    add_str(v, "description", b.data);
    f2c_buf_free(&b);
}

/*
 * The ViewDefinition of loaded table t, or NULL after diagnostics (a name that is not a SQL
 * name).  *fo says which reserved columns other engines cannot compute.
 */
static cJSON *view_of(const gc_config *c, const f2c_table *t, fhir2cdm_only *fo, gc_diags *d)
{
    memset(fo, 0, sizeof *fo);
    size_t before = d->count;
    if (!sql_name(t->name))
        gc_diag(d, table_loc(c, t),
                "table '%s': a ViewDefinition's name must be a SQL name "
                "([A-Za-z][A-Za-z0-9_]*) (--emit view-definitions)",
                t->name);
    /* Column names: the loader applied the column rule (f2c_table.h), a SQL name already. */
    if (d->count != before) return NULL;

    cJSON *v = xobj();
    add_str(v, "resourceType", "ViewDefinition");
    add_str(v, "name", t->name);
    add_str(v, "status", "active");
    add_str(v, "resource", t->resource_type);
    cJSON *selects = xarr();
    cJSON *cols = NULL;
    size_t n = t->nunroll;
    if (n == 0) {
        cJSON *top = new_select(NULL, &cols);
        cJSON_AddItemToArray(selects, top);
        add_column(cols, F2C_COL_RESOURCEID, "getResourceKey()", "string", 0);
    }

    /* The unroll steps: a chain of nested forEach selects; every column goes in the innermost,
     * so the columns keep the table's order (RowId first) and the reserved ones are in the
     * chain their tag needs. */
    ustep *st = gc_xmalloc((n ? n : 1) * sizeof *st);
    cJSON **sel = gc_xmalloc((n ? n : 1) * sizeof *sel);
    cJSON **scols = gc_xmalloc((n ? n : 1) * sizeof *scols);
    const char *ctx = t->resource_type;
    f2c_buf b = {0};
    for (size_t k = 0; k < n; k++) {
        f2c_buf_reset(&b);
        ctx = put_step(&b, ctx, t->unroll[k], NULL, &st[k].repeats);
        st[k].expr = gc_xstrdup(b.data);
        sel[k] = new_select(st[k].expr, &scols[k]);
        cJSON *parent = k ? sel[k - 1] : NULL;
        if (parent) {
            cJSON *nested = xarr();
            cJSON_AddItemToObject(parent, "select", nested);
            cJSON_AddItemToArray(nested, sel[k]);
        } else {
            cJSON_AddItemToArray(selects, sel[k]);
        }
    }
    if (n) {
        cols = scols[n - 1];
        fo->rowid = 1;
        add_reserved(cols, F2C_COL_ROWID, NULL);
        add_column(cols, F2C_COL_RESOURCEID, "%resource.getResourceKey()", "string", 0);
        fo->fhirpath = location_expr(t, st, n - 1, n - 1, &b) != 0;
        add_reserved(cols, F2C_COL_FHIRPATH, fo->fhirpath ? NULL : b.data);
        if (n == 1) {
            f2c_buf_reset(&b);
            gc_bprintf(&b, "'%s'", t->resource_type);
        } else {
            fo->parentpath = location_expr(t, st, n - 2, n - 1, &b) != 0;
        }
        add_reserved(cols, F2C_COL_PARENTPATH, fo->parentpath ? NULL : b.data);
    }
    for (size_t i = 0; i < t->ncolumns; i++) {
        const f2c_column *col = &t->columns[i];
        const char *item_type;
        column_path(col, ctx, &b, &item_type);
        if (col->type == F2C_T_ARRAY) {
            /* A collection's items: their FHIR type when it has a public name (not a backbone
             * element's, e.g. Patient_Contact, which only the model uses). */
            const char *type = item_type && !strchr(item_type, '_') ? item_type : NULL;
            add_column(cols, col->name, b.data, type, 1);
        } else {
            add_column(cols, col->name, b.data, f2c_type_name(col->type), 0);
        }
    }
    for (size_t k = 0; k < n; k++) {
        drop_empty_columns(sel[k]);
        free(st[k].expr);
    }
    f2c_buf_free(&b);
    free(st);
    free(sel);
    free(scols);
    describe(v, t, fo);
    /* description before select, for whoever reads the file */
    cJSON_AddItemToObject(v, "select", selects);
    return v;
}

/* ---- checking what was written ------------------------------------------------------------ */

/* The type a view gives a configuration column of type t: an `array` column is a collection
 * column (JSON array text), every other one is typed by the SQL on FHIR default mapping. */
static f2c_type view_type(f2c_type t)
{
    return t == F2C_T_ARRAY ? F2C_T_ARRAY : f2c_view_column_type(t);
}

/* The loaded views must have exactly the configuration's tables and columns (in order, each of
 * the type a view gives that FHIR type: f2c_view_column_type, the SQL on FHIR default mapping):
 * else a bug here, reported as such. */
static int same_columns(const f2c_tableset *cfg, const f2c_tableset *views, const char *target,
                        gc_diags *d)
{
    int bad = 0;
    gc_loc at = {target, 0, 0};
    for (size_t i = 0; i < cfg->count; i++) {
        const f2c_table *t = &cfg->tables[i];
        long vi = f2c_tableset_find(views, t->name);
        if (vi < 0) {
            gc_diag(d, at, "internal error: no ViewDefinition named %s was loaded", t->name);
            bad = 1;
            continue;
        }
        const f2c_table *v = &views->tables[vi];
        size_t k = 0, w = f2c_table_width(v);
        for (size_t j = 0; j < f2c_table_width(t); j++) {
            const char *name = f2c_table_column_name(t, j);
            if (k >= w || strcmp(f2c_table_column_name(v, k), name) != 0 ||
                f2c_table_column_type(v, k) != view_type(f2c_table_column_type(t, j))) {
                gc_diag(d, at,
                        "internal error: ViewDefinition %s column %zu is %s (%s), the "
                        "configuration's is %s (%s)",
                        t->name, k, k < w ? f2c_table_column_name(v, k) : "missing",
                        k < w ? f2c_type_name(f2c_table_column_type(v, k)) : "-", name,
                        f2c_type_name(f2c_table_column_type(t, j)));
                bad = 1;
                break;
            }
            k++;
        }
        if (!bad && k != w) {
            gc_diag(d, at, "internal error: ViewDefinition %s has %zu columns, expected %zu",
                    t->name, w, k);
            bad = 1;
        }
    }
    return bad ? 2 : 0;
}

/* Loads every view of folder tmp as fhir2cdm-transform --view would; reports its problems
 * about target.  0 or 2. */
static int load_views(const char *tmp, const char *target, f2c_tableset *vts, gc_diags *d)
{
    f2c_diags ld = {0};
    f2c_plan *plan = NULL;
    const char *paths[] = {tmp};
    f2c_status s = f2c_view_load(paths, 1, vts, &plan, &ld);
    if (s == F2C_ENOMEM) gc_oom();
    f2c_plan_free(plan);
    int rc = s == F2C_OK ? 0 : 2;
    size_t tl = strlen(tmp);
    for (size_t i = 0; i < ld.count; i++) {
        const f2c_error *e = &ld.items[i];
        const char *rel = !strncmp(e->file, tmp, tl) && e->file[tl] == '/' ? e->file + tl + 1 : "";
        char *shown = *rel ? gc_xprintf("%s/%s", target, rel) : gc_xstrdup(target);
        gc_loc l = {shown, e->line, e->column};
        gc_diag(d, l, "%s%s%s", e->pointer, *e->pointer ? ": " : "", e->message);
        free(shown);
    }
    if (rc && ld.count == 0) gc_diag(d, (gc_loc){target, 0, 0}, "%s", f2c_status_name(s));
    f2c_diags_free(&ld);
    return rc;
}

/* ---- publishing --------------------------------------------------------------------------- */

int gc_publish_views(const gc_config *c, gc_publish_opts *o, gc_diags *d)
{
    const char *target = o->out_dir;
    gc_target tg;
    int rc = gc_target_check(target, &tg, d);
    if (rc != 0) return rc;
    unsigned char *written = gc_xmalloc(c->count ? c->count : 1);
    memset(written, 0, c->count ? c->count : 1);
    f2c_tableset ts = {0}, vts = {0};
    fhir2cdm_only *fo = NULL;
    char *views = NULL;
    size_t ntables = 0, ngroups = 0, nkept = 0;

    /* 1. The configuration, written and loaded as gc_publish does (never published). */
    char *cfg = gc_make_new_dir(&tg, d);
    if (!cfg) rc = 1;
    if (rc == 0) rc = gc_write_tables(c, cfg, target, written, &ntables, &ngroups, &nkept, d);
    if (rc == 0) rc = gc_load_tables(c, written, cfg, target, o->max_depth, &ts, d);

    /* 2. Its tables as views, into a second new folder holding what the target holds. */
    if (rc == 0) {
        fo = gc_xmalloc((ts.count ? ts.count : 1) * sizeof *fo);
        cJSON **docs = gc_xmalloc((ts.count ? ts.count : 1) * sizeof *docs);
        for (size_t i = 0; i < ts.count; i++) {
            docs[i] = view_of(c, &ts.tables[i], &fo[i], d);
            if (!docs[i]) rc = 2;
        }
        if (rc == 0 && !(views = gc_make_new_dir(&tg, d))) rc = 1;
        if (rc == 0 && tg.exists) {
            chmod(views, tg.mode);
            int cr = gc_copy_existing(target, views, VIEW_REFUSAL, d);
            if (cr != 0) rc = cr == -2 ? 2 : 1;
        }
        f2c_buf json = {0};
        for (size_t i = 0; i < ts.count && rc == 0; i++) {
            gc_json_print(docs[i], &json);
            gc_putc(&json, '\n');
            char *name = gc_xprintf("%s.json", ts.tables[i].name);
            char *shown = gc_xprintf("%s/%s", target, name);
            rc = gc_write_file(views, name, json.data, json.len, shown, d);
            free(shown);
            free(name);
        }
        f2c_buf_free(&json);
        for (size_t i = 0; i < ts.count; i++)
            cJSON_Delete(docs[i]);
        free(docs);
    }

    /* 3. The folder loads as fhir2cdm-transform --view loads it, with the same columns. */
    if (rc == 0) rc = load_views(views, target, &vts, d);
    if (rc == 0) rc = same_columns(&ts, &vts, target, d);
    if (rc == 0) rc = gc_swap_into_place(&tg, views, d);
    if (rc == 0) {
        o->written_views = ts.count;
    } else if (views) {
        (void)f2c_fs_remove_tree(views);
    }
    if (cfg) (void)f2c_fs_remove_tree(cfg);
    f2c_tableset_free(&ts);
    f2c_tableset_free(&vts);
    free(fo);
    free(views);
    free(cfg);
    free(written);
    gc_target_free(&tg);
    return rc;
}
