/*
 * gen_schema_text: `fhir2cdm show-schema` as plain text (the default: an overview of the tables
 * and their relationships, or one table's columns with -t) and as markdown (every table with
 * its columns, for a README or a wiki).
 *
 * Why together: both are laid out by hand from the view model (gen_schema_model.h) with the same
 * small helpers (control characters made visible, aligned grids); json and html have their own
 * writers (gen_schema_json.c, gen_schema_html.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "gen_schema_int.h"

/* ---- plain-text helpers -------------------------------------------------------------------- */

/* The buffer's text as a heap string ("" when empty); the buffer is left empty. */
static char *buf_take(f2c_buf *b)
{
    char *s = b->data ? b->data : strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

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
