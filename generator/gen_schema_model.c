/*
 * gen_schema_model: the view model of `fhir2cdm show-schema` (gen_schema_model.h) — each table's
 * columns in output order with their element paths, its parent table and join, and the tree
 * order — built once from a loaded tableset.
 *
 * Why a file of its own: every output format reads these facts and none computes them, so the
 * formats (gen_schema_text.c, gen_schema_json.c, gen_schema_html.c) depend on this file and
 * never the other way round.  Column names, order and types come from f2c_table_* only — the
 * calls the CSV header and model.json use — so the viewer shows exactly what the transformer
 * writes.
 */
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "gen_schema_model.h"

/* ---- view model ---------------------------------------------------------------------------- */

static int is_unroll(const f2c_table *t)
{
    return t->nunroll > 0 || t->unroll_path != NULL;
}

/* Copy of path with "dir/" removed from its front, so outputs do not depend on how -d was
 * spelled or where the folder lives. */
static char *relative_to(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (strncmp(path, dir, n) == 0 && path[n] == '/') {
        path += n;
        while (*path == '/')
            path++;
    }
    return strdup(path);
}

/* "Patient.contact[0].telecom[0]" for an unroll table (steps = all unroll steps), or its parent
 * path (steps = all but the last). */
static int example_fhirpath(f2c_buf *b, const f2c_table *t, size_t steps)
{
    if (f2c_buf_appends(b, t->resource_type) != 0) return -1;
    for (size_t i = 0; i < steps; i++)
        if (f2c_buf_printf(b, ".%s[0]", t->unroll[i]) != 0) return -1;
    return 0;
}

/*
 * Element path of a user column from the resource: the table's unroll steps, then the column's
 * steps.  A step is spelled as the transformer reads it from valid FHIR data: its configured name
 * if the FHIR R4 model knows that element, else its choice-type spelling (f2c_step.alt) if the
 * model knows that one ("value" + Quantity group reads "valueQuantity"), else as configured (an
 * element the model does not know; the transformer will simply find nothing there).
 */
static int element_path(f2c_buf *b, const f2c_table *t, const f2c_column *c)
{
    const char *type = t->resource_type;
    if (f2c_buf_appends(b, t->resource_type) != 0) return -1;
    for (size_t i = 0; i < t->nunroll; i++) {
        type = type ? f2c_fm_element_type(type, t->unroll[i], NULL) : NULL;
        if (f2c_buf_printf(b, ".%s", t->unroll[i]) != 0) return -1;
    }
    for (size_t i = 0; i < c->npath; i++) {
        const f2c_step *st = &c->path[i];
        const char *shown = st->name;
        const char *next = type ? f2c_fm_element_type(type, st->name, NULL) : NULL;
        if (!next && type && st->alt) {
            const char *alt_type = f2c_fm_element_type(type, st->alt, NULL);
            if (alt_type) {
                shown = st->alt;
                next = alt_type;
            }
        }
        type = next;
        if (f2c_buf_printf(b, ".%s", shown) != 0) return -1;
    }
    return 0;
}

/* One line saying what reserved column `name` of t holds. */
static int reserved_text(f2c_buf *b, const f2c_table *t, const char *name)
{
    if (strcmp(name, F2C_COL_RESOURCEID) == 0)
        return f2c_buf_printf(b, "%s.id (the resource's id)", t->resource_type);
    if (strcmp(name, F2C_COL_ROWID) == 0)
        return f2c_buf_appends(b, "row key: stable hash of table, resource and FhirPath");
    if (strcmp(name, F2C_COL_FHIRPATH) == 0)
        return f2c_buf_appends(b, "this element's location, e.g. ") ||
               example_fhirpath(b, t, t->nunroll);
    if (strcmp(name, F2C_COL_PARENTPATH) == 0)
        return f2c_buf_appends(b, "FhirPath without its last step, e.g. ") ||
               example_fhirpath(b, t, t->nunroll ? t->nunroll - 1 : 0);
    return f2c_buf_appends(b, "reserved column");
}

static char *buf_take(f2c_buf *b)
{
    char *s = b->data ? b->data : strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

static int build_columns(gs_schema *s, gs_table *g)
{
    const f2c_table *t = g->t;
    size_t width = f2c_table_width(t), nres = f2c_table_reserved_count(t);
    g->cols = calloc(width ? width : 1, sizeof *g->cols);
    if (!g->cols) return -1;
    g->ncols = width;
    for (size_t i = 0; i < width; i++) {
        gs_col *c = &g->cols[i];
        f2c_buf b = {0};
        c->name = f2c_table_column_name(t, i);
        c->type = f2c_table_column_type(t, i);
        c->col = i < nres ? NULL : &t->columns[i - nres];
        int rc = c->col ? element_path(&b, t, c->col) : reserved_text(&b, t, c->name);
        if (rc != 0) {
            f2c_buf_free(&b);
            return -1;
        }
        c->element = buf_take(&b);
        if (!c->element) return -1;
        if (c->col) {
            c->origin = relative_to(s->dir, c->col->origin ? c->col->origin : "");
            if (!c->origin) return -1;
            if (c->col->fhir_expression) g->has_expression = 1;
        }
    }
    return 0;
}

/* The table an unroll table's rows belong to: the table of the same resource type whose unroll
 * path is the longest proper prefix of this one's (a resource table counts as the empty path).
 * Ties (two tables with one path) go to the first by name. */
static void find_parent(gs_schema *s, size_t ci)
{
    gs_table *c = &s->tables[ci];
    const f2c_table *ct = c->t;
    long best = -1;
    size_t best_len = 0;
    c->parent = -1;
    c->join = GS_JOIN_NONE;
    if (!c->unroll) return;
    for (size_t i = 0; i < s->count; i++) {
        const f2c_table *pt = s->tables[i].t;
        if (i == ci || strcmp(pt->resource_type, ct->resource_type) != 0) continue;
        if (pt->nunroll >= ct->nunroll) continue;
        size_t k = 0;
        while (k < pt->nunroll && strcmp(pt->unroll[k], ct->unroll[k]) == 0)
            k++;
        if (k < pt->nunroll) continue;
        if (best < 0 || pt->nunroll > best_len) {
            best = (long)i;
            best_len = pt->nunroll;
        }
    }
    if (best < 0) return;
    c->parent = best;
    c->join = best_len == 0                 ? GS_JOIN_RESOURCE
              : best_len + 1 == ct->nunroll ? GS_JOIN_PARENTPATH
                                            : GS_JOIN_PREFIX;
}

static void tree_walk(gs_schema *s, size_t i, size_t level, size_t *n)
{
    s->tables[i].level = level;
    s->order[(*n)++] = i;
    for (size_t k = 0; k < s->tables[i].nchildren; k++)
        tree_walk(s, s->tables[i].children[k], level + 1, n);
}

int gs_build(gs_schema *s, const f2c_tableset *set, const char *dir, int max_depth)
{
    memset(s, 0, sizeof *s);
    s->dir = dir;
    s->max_depth = max_depth;
    s->only = -1;
    s->count = set->count;
    s->tables = calloc(set->count ? set->count : 1, sizeof *s->tables);
    s->order = calloc(set->count ? set->count : 1, sizeof *s->order);
    if (!s->tables || !s->order) goto oom;
    for (size_t i = 0; i < set->count; i++) {
        gs_table *g = &s->tables[i];
        g->t = &set->tables[i];
        g->unroll = is_unroll(g->t);
        g->file = relative_to(dir, g->t->file ? g->t->file : "");
        if (!g->file || build_columns(s, g) != 0) goto oom;
    }
    for (size_t i = 0; i < s->count; i++)
        find_parent(s, i);
    for (size_t i = 0; i < s->count; i++) {
        long p = s->tables[i].parent;
        if (p < 0) continue;
        gs_table *pg = &s->tables[p];
        size_t *ch = realloc(pg->children, (pg->nchildren + 1) * sizeof *ch);
        if (!ch) goto oom;
        pg->children = ch;
        ch[pg->nchildren++] = i;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++)
        if (s->tables[i].parent < 0) tree_walk(s, i, 0, &n);
    return 0;
oom:
    gs_free(s);
    return -1;
}

void gs_free(gs_schema *s)
{
    if (!s) return;
    for (size_t i = 0; s->tables && i < s->count; i++) {
        gs_table *g = &s->tables[i];
        for (size_t k = 0; g->cols && k < g->ncols; k++) {
            free(g->cols[k].element);
            free(g->cols[k].origin);
        }
        free(g->cols);
        free(g->children);
        free(g->file);
    }
    free(s->tables);
    free(s->order);
    memset(s, 0, sizeof *s);
}

int gs_shown(const gs_schema *s, size_t i)
{
    return s->only < 0 || (size_t)s->only == i;
}

const char *gs_kind(const gs_table *t)
{
    return t->unroll ? "unroll" : "resource";
}

char *gs_join_text(const gs_schema *s, const gs_table *t)
{
    f2c_buf b = {0};
    if (t->parent < 0 || t->join == GS_JOIN_NONE) return strdup("");
    const char *c = t->t->name, *p = s->tables[t->parent].t->name;
    int rc = f2c_buf_printf(&b, "%s.%s = %s.%s", c, F2C_COL_RESOURCEID, p, F2C_COL_RESOURCEID);
    if (rc == 0 && t->join == GS_JOIN_PARENTPATH)
        rc = f2c_buf_printf(&b, " AND %s.%s = %s.%s", c, F2C_COL_PARENTPATH, p, F2C_COL_FHIRPATH);
    if (rc == 0 && t->join == GS_JOIN_PREFIX)
        rc = f2c_buf_printf(&b, " AND %s.%s starts with %s.%s + '.'", c, F2C_COL_FHIRPATH, p,
                            F2C_COL_FHIRPATH);
    if (rc != 0) {
        f2c_buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

const char *gs_join_words(gs_join j)
{
    switch (j) {
    case GS_JOIN_RESOURCE:
        return "each row belongs to the parent's row of the same resource";
    case GS_JOIN_PARENTPATH:
        return "each row belongs to the parent row one element up";
    case GS_JOIN_PREFIX:
        return "each row belongs to the parent row whose element contains it; the levels in "
               "between have no table";
    case GS_JOIN_NONE:
        break;
    }
    return "";
}
