/*
 * f2c_table: see f2c_table.h.  The reserved columns are not stored in f2c_table.columns; they
 * are synthesised here from one static list per table kind, so the only place that knows their
 * names and order is this file, and every consumer that walks columns by index (CSV header,
 * row builder, model.json) gets the same sequence from f2c_table_column_name.  Freeing lives
 * here too because the loader is not the only possible producer of a tableset (tests and the
 * generator may build one by hand).  The name rule lives here for the same reason: the table
 * configuration loader and the ViewDefinition loader must refuse exactly the same names.
 */
#include "fhir2cdm/f2c_table.h"

#include <stdlib.h>
#include <string.h>

static const char *const resource_reserved[] = {F2C_COL_RESOURCEID};
static const char *const unroll_reserved[] = {F2C_COL_ROWID, F2C_COL_RESOURCEID, F2C_COL_FHIRPATH,
                                              F2C_COL_PARENTPATH};

static int is_unroll(const f2c_table *t)
{
    return t->nunroll > 0 || t->unroll_path != NULL;
}

size_t f2c_table_reserved_count(const f2c_table *t)
{
    if (t->view) return 0;
    return is_unroll(t) ? sizeof unroll_reserved / sizeof unroll_reserved[0]
                        : sizeof resource_reserved / sizeof resource_reserved[0];
}

size_t f2c_table_width(const f2c_table *t)
{
    return f2c_table_reserved_count(t) + t->ncolumns;
}

const char *f2c_table_column_name(const f2c_table *t, size_t i)
{
    size_t r = f2c_table_reserved_count(t);
    if (i < r) return is_unroll(t) ? unroll_reserved[i] : resource_reserved[i];
    if (i - r < t->ncolumns) return t->columns[i - r].name;
    return NULL;
}

f2c_type f2c_table_column_type(const f2c_table *t, size_t i)
{
    size_t r = f2c_table_reserved_count(t);
    if (i < r) return F2C_T_STRING;
    if (i - r < t->ncolumns) return t->columns[i - r].type;
    return F2C_T_NONE;
}

long f2c_tableset_find(const f2c_tableset *s, const char *name)
{
    if (!s || !name) return -1;
    /* Tables are sorted by name (byte order), but a hand-built set might not be: a linear scan
     * over a few dozen tables is cheap and never wrong. */
    for (size_t i = 0; i < s->count; i++)
        if (s->tables[i].name && strcmp(s->tables[i].name, name) == 0) return (long)i;
    return -1;
}

static void column_free(f2c_column *c)
{
    free(c->name);
    for (size_t i = 0; i < c->npath; i++) {
        free(c->path[i].name);
        free(c->path[i].alt);
    }
    free(c->path);
    free(c->fhir_expression);
    free(c->origin);
}

static void table_free(f2c_table *t)
{
    free(t->name);
    free(t->entity);
    free(t->resource_type);
    free(t->unroll_path);
    for (size_t i = 0; i < t->nunroll; i++)
        free(t->unroll[i]);
    free(t->unroll);
    for (size_t i = 0; i < t->ncolumns; i++)
        column_free(&t->columns[i]);
    free(t->columns);
    free(t->file);
}

void f2c_table_clear(f2c_table *t)
{
    if (!t) return;
    table_free(t);
    memset(t, 0, sizeof *t);
}

void f2c_tableset_free(f2c_tableset *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->count; i++)
        table_free(&s->tables[i]);
    free(s->tables);
    s->tables = NULL;
    s->count = 0;
}

f2c_name_problem f2c_table_name_check(const char *name)
{
    size_t n = 0;
    int bad = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            bad = 1;
    }
    if (n == 0) return F2C_NAME_EMPTY;
    if (n > F2C_TABLE_NAME_MAX) return F2C_NAME_TOO_LONG;
    return bad ? F2C_NAME_BAD_CHAR : F2C_NAME_OK;
}

int f2c_table_name_same(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
        if (!x) return 1;
    }
}
