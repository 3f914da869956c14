/*
 * gen_schema: `fhir2cdm show-schema`, the local schema viewer — the command line, the view model
 * (gen_schema.h) and the text and markdown formats; json and html live in gen_schema_json.c and
 * gen_schema_html.c.
 *
 * Why it exists: the original tool's viewer re-implemented the column expansion in JavaScript,
 * so what it showed could drift from what the transformer wrote.  Here the configuration is
 * loaded by f2c_tablecfg_load and every column name, order and type comes from f2c_table_* —
 * the same calls the CSV header and model.json use — so the viewer shows exactly the columns
 * fhir2cdm-transform writes.  What is added on top (element paths, parent tables and join
 * columns) is derived from the same table model.
 *
 * Output goes to stdout, or with -o to FILE by the generator's one output rule (gen_write_output:
 * a regular FILE is replaced atomically when complete, so a failed run never leaves a
 * half-written file; a FIFO or device is written into, never replaced).  Exit status: 0 ok, 2
 * usage, configuration or output error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "gen.h"
#include "gen_schema.h"

#define PROG "fhir2cdm show-schema"
#define EXIT_OK 0
#define EXIT_ERR 2

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

/* ---- plain-text helpers -------------------------------------------------------------------- */

/* Appends s with control characters made visible (\n, \t, \xNN), so one value is one line. */
static int append_clean(f2c_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        if (*p == '\n')
            rc = f2c_buf_appends(b, "\\n");
        else if (*p == '\t')
            rc = f2c_buf_appends(b, "\\t");
        else if (*p < 0x20 || *p == 0x7F)
            rc = f2c_buf_printf(b, "\\x%02X", *p);
        else
            rc = f2c_buf_appendc(b, (char)*p);
        if (rc != 0) return -1;
    }
    return 0;
}

/* Display width of UTF-8 text: one per code point (the loader rejects invalid UTF-8). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) w++;
    return w;
}

/* A grid of cleaned cells printed with aligned columns; the last column is not padded. */
typedef struct grid {
    size_t ncols, nrows;
    char **cells; /* nrows * ncols */
} grid;

static int grid_add_row(grid *g)
{
    char **c = realloc(g->cells, (g->nrows + 1) * g->ncols * sizeof *c);
    if (!c) return -1;
    g->cells = c;
    for (size_t k = 0; k < g->ncols; k++)
        c[g->nrows * g->ncols + k] = NULL;
    g->nrows++;
    return 0;
}

/* Sets cell (last row, col k) to a cleaned copy of s; NULL or "" is shown as `empty`. */
static int grid_set_or(grid *g, size_t k, const char *s, const char *empty)
{
    f2c_buf b = {0};
    if (append_clean(&b, s && *s ? s : empty) != 0) {
        f2c_buf_free(&b);
        return -1;
    }
    char **cell = &g->cells[(g->nrows - 1) * g->ncols + k];
    free(*cell);
    *cell = buf_take(&b);
    return *cell ? 0 : -1;
}

static int grid_set(grid *g, size_t k, const char *s)
{
    return grid_set_or(g, k, s, "-");
}

static int grid_setz(grid *g, size_t k, size_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%zu", v);
    return grid_set(g, k, tmp);
}

static void grid_print(FILE *f, const grid *g, const char *indent)
{
    size_t *w = calloc(g->ncols ? g->ncols : 1, sizeof *w);
    for (size_t r = 0; w && r < g->nrows; r++)
        for (size_t k = 0; k < g->ncols; k++) {
            size_t n = text_width(g->cells[r * g->ncols + k]);
            if (n > w[k]) w[k] = n;
        }
    for (size_t r = 0; r < g->nrows; r++) {
        size_t last = g->ncols; /* cells after the last non-empty one are not padded */
        while (last > 1 && !*g->cells[r * g->ncols + last - 1])
            last--;
        fputs(indent, f);
        for (size_t k = 0; k < last; k++) {
            const char *cell = g->cells[r * g->ncols + k];
            fputs(cell, f);
            if (k + 1 < last && w)
                for (size_t n = text_width(cell); n < w[k] + 2; n++)
                    fputc(' ', f);
        }
        fputc('\n', f);
    }
    free(w);
}

static void grid_free(grid *g)
{
    for (size_t i = 0; g->cells && i < g->nrows * g->ncols; i++)
        free(g->cells[i]);
    free(g->cells);
    memset(g, 0, sizeof *g);
}

/* ---- text ---------------------------------------------------------------------------------- */

static int text_overview(FILE *f, const gs_schema *s)
{
    static const char *const head[] = {"Table",   "Kind",        "Resource type",
                                       "Columns", "Unroll path", "Parent"};
    grid g = {.ncols = 6};
    int rc = 0;
    fprintf(f, "Table configuration %s: %zu table%s, property groups expanded to depth %d\n\n",
            s->dir, s->count, s->count == 1 ? "" : "s", s->max_depth);
    rc |= grid_add_row(&g);
    for (size_t k = 0; rc == 0 && k < 6; k++)
        rc |= grid_set(&g, k, head[k]);
    for (size_t i = 0; rc == 0 && i < s->count; i++) {
        const gs_table *t = &s->tables[i];
        rc |= grid_add_row(&g);
        if (rc) break;
        rc |= grid_set(&g, 0, t->t->name);
        rc |= grid_set(&g, 1, gs_kind(t));
        rc |= grid_set(&g, 2, t->t->resource_type);
        rc |= grid_setz(&g, 3, t->ncols);
        rc |= grid_set(&g, 4, t->t->unroll_path);
        rc |= grid_set(&g, 5, t->parent >= 0 ? s->tables[t->parent].t->name : NULL);
    }
    if (rc == 0) grid_print(f, &g, "");
    grid_free(&g);
    if (rc) return -1;

    fputs("\nRelationships (unroll tables under the table they join to):\n", f);
    for (size_t n = 0; n < s->count; n++) {
        const gs_table *t = &s->tables[s->order[n]];
        size_t pad = 2 + 4 * t->level;
        if (t->unroll)
            fprintf(f, "%*s%s  (one row per %s)\n", (int)pad, "", t->t->name, t->t->unroll_path);
        else
            fprintf(f, "%*s%s  (one row per %s resource)\n", (int)pad, "", t->t->name,
                    t->t->resource_type);
        if (!t->unroll) continue;
        if (t->parent < 0) {
            fprintf(f, "%*s  no %s table in this folder: join on ResourceId to the resource\n",
                    (int)pad, "", t->t->resource_type);
            continue;
        }
        char *j = gs_join_text(s, t);
        if (!j) return -1;
        fprintf(f, "%*s  join: %s\n", (int)pad, "", j);
        free(j);
    }
    return 0;
}

static int text_table(FILE *f, const gs_schema *s, const gs_table *t)
{
    const f2c_table *ft = t->t;
    fprintf(f, "Table %s\n", ft->name);
    fprintf(f, "  CDM entity:    %s\n", ft->entity);
    fprintf(f, "  file:          %s\n", t->file);
    fprintf(f, "  resource type: %s\n", ft->resource_type);
    if (t->unroll)
        fprintf(f, "  rows:          one per element at %s\n", ft->unroll_path);
    else
        fprintf(f, "  rows:          one per %s resource\n", ft->resource_type);
    if (t->unroll && t->parent >= 0) {
        char *j = gs_join_text(s, t);
        if (!j) return -1;
        fprintf(f, "  parent:        %s\n  join:          %s\n", s->tables[t->parent].t->name, j);
        free(j);
    } else if (t->unroll) {
        fprintf(f, "  parent:        - (no %s table in this folder)\n", ft->resource_type);
    }
    if (t->nchildren) {
        fputs("  children:     ", f);
        for (size_t k = 0; k < t->nchildren; k++)
            fprintf(f, "%s %s", k ? "," : "", s->tables[t->children[k]].t->name);
        fputc('\n', f);
    }
    fprintf(f, "  columns:       %zu (%zu reserved); property groups expanded to depth %d\n\n",
            t->ncols, f2c_table_reserved_count(ft), s->max_depth);

    size_t nc = t->has_expression ? 6 : 5;
    static const char *const head[] = {
        "#", "Column", "FHIR type", "CDM dataType", "Element path", "fhirExpression"};
    grid g = {.ncols = nc};
    int rc = grid_add_row(&g);
    for (size_t k = 0; rc == 0 && k < nc; k++)
        rc |= grid_set(&g, k, head[k]);
    for (size_t i = 0; rc == 0 && i < t->ncols; i++) {
        const gs_col *c = &t->cols[i];
        rc |= grid_add_row(&g);
        if (rc) break;
        rc |= grid_setz(&g, 0, i + 1);
        rc |= grid_set(&g, 1, c->name);
        rc |= grid_set(&g, 2, f2c_type_name(c->type));
        rc |= grid_set(&g, 3, f2c_type_cdm_datatype(c->type));
        if (c->col) {
            rc |= grid_set(&g, 4, c->element);
        } else {
            f2c_buf b = {0};
            if (f2c_buf_printf(&b, "(reserved) %s", c->element) != 0) rc = -1;
            if (rc == 0) rc |= grid_set(&g, 4, b.data);
            f2c_buf_free(&b);
        }
        if (nc == 6) rc |= grid_set_or(&g, 5, c->col ? c->col->fhir_expression : NULL, "");
    }
    if (rc == 0) grid_print(f, &g, "  ");
    grid_free(&g);
    return rc ? -1 : 0;
}

int gs_write_text(FILE *f, const gs_schema *s)
{
    if (s->only >= 0) return text_table(f, s, &s->tables[s->only]);
    return text_overview(f, s);
}

/* ---- markdown ------------------------------------------------------------------------------ */

/* Writes s as literal markdown text inside a table cell or a paragraph (never at the start of a
 * line, so block markers such as # - + 1. need no escaping): the characters CommonMark and GFM
 * interpret inline (backslash, code, emphasis, links, table pipes, strikethrough) are
 * backslash-escaped, HTML specials are written as entities, control characters as spaces. */
static void md_put(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (strchr("\\`*_[]|~", *p)) {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p == '<') {
            fputs("&lt;", f);
        } else if (*p == '>') {
            fputs("&gt;", f);
        } else if (*p == '&') {
            fputs("&amp;", f);
        } else if (*p < 0x20 || *p == 0x7F) {
            fputc(' ', f);
        } else {
            fputc(*p, f);
        }
    }
}

/* GitHub's heading anchor for a table name ([A-Za-z0-9_]+): lower case. */
static void md_anchor(FILE *f, const char *name)
{
    for (const char *p = name; *p; p++)
        fputc((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p, f);
}

static void md_table_link(FILE *f, const gs_schema *s, long i)
{
    if (i < 0) {
        fputs("—", f);
        return;
    }
    const char *name = s->tables[i].t->name;
    if (gs_shown(s, (size_t)i)) {
        fputc('[', f);
        md_put(f, name);
        fputs("](#", f);
        md_anchor(f, name);
        fputc(')', f);
    } else {
        md_put(f, name);
    }
}

static int md_table(FILE *f, const gs_schema *s, const gs_table *t)
{
    const f2c_table *ft = t->t;
    fputs("## ", f);
    md_put(f, ft->name);
    fputs("\n\n", f);
    if (t->unroll) {
        fputs("Unroll table: one row per element at ", f);
        md_put(f, ft->unroll_path);
    } else {
        fputs("Resource table: one row per ", f);
        md_put(f, ft->resource_type);
        fputs(" resource", f);
    }
    fputs(". CDM entity ", f);
    md_put(f, ft->entity);
    fputs(", file ", f);
    md_put(f, t->file);
    fprintf(f, ", %zu columns (%zu reserved).\n\n", t->ncols, f2c_table_reserved_count(ft));
    if (t->unroll) {
        if (t->parent >= 0) {
            char *j = gs_join_text(s, t);
            if (!j) return -1;
            fputs("Parent: ", f);
            md_table_link(f, s, t->parent);
            fputs(", join on ", f);
            md_put(f, j);
            fputs(" (", f);
            md_put(f, gs_join_words(t->join));
            fputs(").\n\n", f);
            free(j);
        } else {
            fputs("Parent: none (no ", f);
            md_put(f, ft->resource_type);
            fputs(" table in this folder).\n\n", f);
        }
    }
    if (t->nchildren) {
        fputs("Children: ", f);
        for (size_t k = 0; k < t->nchildren; k++) {
            if (k) fputs(", ", f);
            md_table_link(f, s, (long)t->children[k]);
        }
        fputs(".\n\n", f);
    }
    fputs("| # | Column | FHIR type | CDM dataType | Element path |", f);
    fputs(t->has_expression ? " fhirExpression |\n" : "\n", f);
    fputs("|---:|---|---|---|---|", f);
    fputs(t->has_expression ? "---|\n" : "\n", f);
    for (size_t i = 0; i < t->ncols; i++) {
        const gs_col *c = &t->cols[i];
        fprintf(f, "| %zu | ", i + 1);
        if (!c->col) fputs("**", f);
        md_put(f, c->name);
        if (!c->col) fputs("**", f);
        fputs(" | ", f);
        md_put(f, f2c_type_name(c->type));
        fputs(" | ", f);
        md_put(f, f2c_type_cdm_datatype(c->type));
        fputs(" | ", f);
        if (!c->col) fputs("*reserved:* ", f);
        md_put(f, c->element);
        fputs(" |", f);
        if (t->has_expression) {
            fputc(' ', f);
            if (c->col && c->col->fhir_expression) md_put(f, c->col->fhir_expression);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    return 0;
}

int gs_write_markdown(FILE *f, const gs_schema *s)
{
    fputs("# Schema of ", f);
    md_put(f, s->dir);
    fputs("\n\n", f);
    fprintf(f,
            "%zu table%s; property groups expanded to depth %d. Columns are listed in the order "
            "fhir2cdm-transform writes them; reserved columns are in bold.\n\n",
            s->count, s->count == 1 ? "" : "s", s->max_depth);
    if (s->only < 0) {
        fputs("## Tables\n\n", f);
        fputs("| Table | Kind | Resource type | Columns | Unroll path | Parent | Join |\n", f);
        fputs("|---|---|---|---:|---|---|---|\n", f);
        for (size_t n = 0; n < s->count; n++) {
            size_t i = s->order[n];
            const gs_table *t = &s->tables[i];
            fputs("| ", f);
            for (size_t l = 1; l < t->level; l++)
                fputs("&nbsp;&nbsp;&nbsp;&nbsp;", f);
            if (t->level) fputs("↳&nbsp;", f);
            md_table_link(f, s, (long)i);
            fprintf(f, " | %s | ", gs_kind(t));
            md_put(f, t->t->resource_type);
            fprintf(f, " | %zu | ", t->ncols);
            if (t->unroll)
                md_put(f, t->t->unroll_path);
            else
                fputs("—", f);
            fputs(" | ", f);
            md_table_link(f, s, t->parent);
            fputs(" | ", f);
            char *j = gs_join_text(s, t);
            if (!j) return -1;
            if (*j)
                md_put(f, j);
            else
                fputs("—", f);
            free(j);
            fputs(" |\n", f);
        }
        fputc('\n', f);
    }
    for (size_t n = 0; n < s->count; n++)
        if (gs_shown(s, s->order[n]) && md_table(f, s, &s->tables[s->order[n]]) != 0) return -1;
    return 0;
}

/* ---- command line -------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm show-schema -d DIR [-t TABLE] [--max-depth N]\n"
          "                            [--format text|json|markdown|html] [-o FILE]\n"
          "\n"
          "Shows the tables of a table configuration folder and their columns exactly as\n"
          "fhir2cdm-transform writes them: names, order, FHIR type, CDM dataType, the element\n"
          "each column reads, and how unroll tables join to their parents.\n"
          "\n"
          "  -d, --config DIR     table configuration folder (<Table>.json + PropertiesGroup/)\n"
          "  -t, --table NAME     show this table's columns; without it, text lists all tables\n"
          "                       and their relationships, and json/markdown/html show every\n"
          "                       table with its columns\n"
          "  -m, --max-depth N    property-group expansion depth, as given to the transformer\n"
          "                       (1..64, default 3; also spelled --maxDepth)\n"
          "  -f, --format FMT     text (default), json, markdown or html (a self-contained page)\n"
          "  -o, --output FILE    write to FILE instead of stdout: a regular or missing FILE is\n"
          "                       replaced atomically when complete (a symbolic link: the\n"
          "                       file it points to); an existing FIFO or device (/dev/stdout)\n"
          "                       is written into, never replaced\n"
          "  -h, --help           this help\n"
          "No option is repeatable: each may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 ok; 2 usage error, configuration errors (all listed) or write error.\n",
          f);
}

typedef enum fmt { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_HTML } fmt;

static int parse_format(const char *s, fmt *out)
{
    static const struct {
        const char *name;
        fmt f;
    } names[] = {{"text", FMT_TEXT},
                 {"json", FMT_JSON},
                 {"markdown", FMT_MARKDOWN},
                 {"md", FMT_MARKDOWN},
                 {"html", FMT_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    return -1;
}

static int write_all(FILE *f, const gs_schema *s, fmt format)
{
    switch (format) {
    case FMT_TEXT:
        return gs_write_text(f, s);
    case FMT_JSON:
        return gs_write_json(f, s);
    case FMT_MARKDOWN:
        return gs_write_markdown(f, s);
    case FMT_HTML:
        return gs_write_html(f, s);
    }
    return -1;
}

/* Writes to stdout, or produces the whole output in memory and hands it to gen_write_output
 * (the -o FILE rule: a special file is written into, a regular one replaced atomically). */
static int emit(const gs_schema *s, fmt format, const char *out)
{
    if (!out) {
        int rc = write_all(stdout, s, format);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
            return EXIT_ERR;
        }
        if (rc != 0) fprintf(stderr, PROG ": out of memory\n");
        return rc ? EXIT_ERR : EXIT_OK;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = f ? write_all(f, s, format) : -1;
    if (f && (fclose(f) != 0 || !buf)) rc = -1;
    if (rc != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        free(buf);
        return EXIT_ERR;
    }
    rc = gen_write_output(PROG, out, buf, len) == 0 ? EXIT_OK : EXIT_ERR;
    free(buf);
    return rc;
}

static int parse_depth(const char *s, int *out)
{
    long v;
    if (gen_parse_range(PROG, "--max-depth", s, 1, 64, &v) != 0) return -1;
    *out = (int)v;
    return 0;
}

/* Index of the table named `name`: exact, else ignoring case (the loader rejects names that
 * differ only in case, so that is unambiguous), else -1. */
static long find_table(const f2c_tableset *set, const char *name)
{
    long i = f2c_tableset_find(set, name);
    for (size_t k = 0; i < 0 && k < set->count; k++)
        if (strcasecmp(set->tables[k].name, name) == 0) i = (long)k;
    return i;
}

int gen_show_schema_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'd'},
        {"dir", required_argument, NULL, 'd'},
        {"table", required_argument, NULL, 't'},
        {"max-depth", required_argument, NULL, 'm'},
        {"maxDepth", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *table = NULL, *out = NULL;
    int depth = F2C_DEFAULT_MAX_DEPTH;
    fmt format = FMT_TEXT;
    int c;
    int given[GEN_OPT_CODES] = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:t:m:f:o:h", opts, NULL)) != -1) {
        if (gen_once_opt(PROG, opts, NULL, c, given) != 0) goto bad;
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 't':
            table = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'm':
            if (parse_depth(optarg, &depth) != 0) goto bad;
            break;
        case 'f':
            if (parse_format(optarg, &format) != 0) {
                fprintf(stderr,
                        PROG ": --format must be text, json, markdown or html, got \"%s\"\n",
                        optarg);
                goto bad;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            goto bad;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
        goto bad;
    }
    if (!dir) {
        fprintf(stderr, PROG ": -d DIR (the table configuration folder) is required\n");
        goto bad;
    }

    f2c_tableset set;
    f2c_diags diags = {0};
    f2c_status st = f2c_tablecfg_load(dir, depth, &set, &diags);
    if (st != F2C_OK) {
        char line[2048];
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "error: %s\n", f2c_error_format(&diags.items[i], line, sizeof line));
        if (st == F2C_ENOMEM)
            fprintf(stderr, PROG ": out of memory\n");
        else
            fprintf(stderr, PROG ": %zu error%s in the table configuration %s; nothing shown\n",
                    diags.count, diags.count == 1 ? "" : "s", dir);
        f2c_diags_free(&diags);
        return EXIT_ERR;
    }
    f2c_diags_free(&diags);

    gs_schema s;
    if (gs_build(&s, &set, dir, depth) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        f2c_tableset_free(&set);
        return EXIT_ERR;
    }
    int rc = EXIT_OK;
    if (table) {
        s.only = find_table(&set, table);
        if (s.only < 0) {
            fprintf(stderr, PROG ": no table named \"%s\" in %s; its tables are:", table, dir);
            for (size_t i = 0; i < set.count; i++)
                fprintf(stderr, " %s", set.tables[i].name);
            fputc('\n', stderr);
            rc = EXIT_ERR;
        }
    }
    if (rc == EXIT_OK) rc = emit(&s, format, out);
    gs_free(&s);
    f2c_tableset_free(&set);
    return rc;
bad:
    fprintf(stderr, "Try 'fhir2cdm show-schema --help'.\n");
    return EXIT_ERR;
}
