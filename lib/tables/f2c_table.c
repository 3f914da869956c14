/*
 * f2c_table: see f2c_table.h.  The reserved columns are not stored in f2c_table.columns; they
 * are synthesised here from one static list per table kind, so the only place that knows their
 * names and order is this file, and every consumer that walks columns by index (CSV header,
 * row builder, model.json) gets the same sequence from f2c_table_column_name.  Freeing lives
 * here too because the loader is not the only possible producer of a tableset (tests and the
 * generator may build one by hand).  The name rule lives here for the same reason: the table
 * configuration loader and the ViewDefinition loader must refuse exactly the same names, and
 * the column rule with them (generate-config and synapse-sql call it too), so no name that one
 * tool accepts is refused later by another.
 */
#include "fhir2cdm/f2c_table.h"

#include <stdio.h>
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

static int is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

f2c_name_problem f2c_table_column_name_check(const char *name)
{
    size_t n = 0;
    int bad = 0;
    for (; name[n]; n++)
        if (!is_letter(name[n]) && !(name[n] >= '0' && name[n] <= '9') && name[n] != '_') bad = 1;
    if (n == 0) return F2C_NAME_EMPTY;
    if (n > F2C_COLUMN_NAME_MAX) return F2C_NAME_TOO_LONG;
    if (bad) return F2C_NAME_BAD_CHAR;
    return is_letter(name[0]) ? F2C_NAME_OK : F2C_NAME_BAD_START;
}

#define COLUMN_RULE "(" F2C_COLUMN_NAME_RULE ")"

_Static_assert(F2C_COLUMN_NAME_MAX == 128, "F2C_COLUMN_NAME_RULE and the messages say 128");

const char *f2c_table_column_problem(f2c_name_problem p)
{
    switch (p) {
    case F2C_NAME_OK:
        return "";
    case F2C_NAME_EMPTY:
        return "is empty " COLUMN_RULE;
    case F2C_NAME_TOO_LONG:
        return "is longer than 128 characters " COLUMN_RULE;
    case F2C_NAME_BAD_CHAR:
        return "has a character other than a letter, digit or underscore " COLUMN_RULE;
    case F2C_NAME_BAD_START:
        return "does not start with a letter " COLUMN_RULE;
    }
    return "is not a valid column name " COLUMN_RULE;
}

char *f2c_table_name_shown(char *out, size_t cap, const char *name)
{
    size_t o = 0, i = 0;
    for (; name[i] && i < 80; i++) {
        unsigned char c = (unsigned char)name[i];
        if (o + 5 >= cap - 3) break;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
    }
    if (name[i] && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o < cap ? o : cap - 1] = '\0';
    return out;
}

int f2c_table_column_same(const char *a, const char *b)
{
    for (size_t i = 0; i < F2C_COLUMN_NAME_UNIQUE; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
        if (!x) return 1;
    }
    return 1;
}
