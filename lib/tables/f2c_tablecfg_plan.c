/*
 * f2c_tablecfg_plan: see f2c_tablecfg_plan.h.
 *
 * Why a compiler and not an evaluator: the table configuration used to have its own row engine;
 * now it is one front end of the shared plan (f2c_plan.h), next to the ViewDefinition loader, so
 * the behaviour the golden tests pin down (first-element paths, choice-type alternatives, the
 * unroll traversal and its FhirPath/ParentPath/RowId) lives in one executor.  This file only
 * decides which plan a table is: the reserved columns in their fixed slots, then one STEPS
 * column per user column (its expression, if any, compiled here so every error is reported with
 * the column's file and JSON pointer before anything runs).
 */
#include "fhir2cdm/f2c_tablecfg_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_fhirpath.h"

struct f2c_tablecfg_plan {
    f2c_plan *plan;
};

struct f2c_tablecfg_plan_ctx {
    f2c_plan_ctx *ctx;
};

static f2c_status nomem(f2c_diags *diags)
{
    f2c_error e;
    f2c_error_set(&e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory compiling the tables");
    if (diags) f2c_diags_add(diags, &e);
    return F2C_ENOMEM;
}

/* Splits a column origin "file#pointer" into its parts (pointer may be NULL). */
static void split_origin(const f2c_table *t, const f2c_column *c, char *file, size_t n,
                         const char **ptr)
{
    *ptr = NULL;
    snprintf(file, n, "%s", c->origin ? c->origin : t->file);
    char *hash = strchr(file, '#');
    if (hash && c->origin) {
        *hash = '\0';
        *ptr = c->origin + (hash - file) + 1;
    }
}

/* Compiles column c's fhirExpression; a compile error goes to diags with the column's origin. */
static f2c_status compile_expression(const f2c_table *t, const f2c_column *c, f2c_fp_expr **out,
                                     f2c_diags *diags)
{
    f2c_error ce;
    f2c_error_clear(&ce);
    f2c_status st = f2c_fp_compile(c->fhir_expression, NULL, out, &ce);
    if (st == F2C_OK || st == F2C_ENOMEM) return st;
    f2c_error e;
    char file[512];
    const char *ptr;
    split_origin(t, c, file, sizeof file, &ptr);
    f2c_error_set(&e, F2C_ECONFIG, file, 0, 0, ptr,
                  "table \"%s\" column \"%s\": fhirExpression \"%s\" at character %ld: %s", t->name,
                  c->name, c->fhir_expression, ce.column, ce.message);
    f2c_diags_add(diags, &e);
    return F2C_ECONFIG;
}

static f2c_status add_reserved(f2c_plan_select *s, f2c_plan_col_kind kind, size_t slot)
{
    f2c_plan_column c = {.kind = kind, .slot = slot, .type = F2C_T_STRING};
    return f2c_plan_select_add_column(s, &c);
}

/* The plan of table t; *bad set when an expression does not compile. */
static f2c_status compile_table(const f2c_table *t, f2c_plan_select **out, int *bad,
                                f2c_diags *diags)
{
    *out = NULL;
    f2c_plan_select *s = f2c_plan_select_new();
    if (!s) return F2C_ENOMEM;
    f2c_status st = F2C_OK;
    size_t reserved = f2c_table_reserved_count(t);
    if (t->nunroll > 0) {
        s->iter = F2C_PLAN_ITER_STEPS;
        s->steps = (const char *const *)t->unroll;
        s->nsteps = t->nunroll;
    }
    if (reserved == 1) {
        st = add_reserved(s, F2C_PLAN_COL_RESOURCEID, 0);
    } else if (reserved == 4) {
        if ((st = add_reserved(s, F2C_PLAN_COL_ROWID, 0)) == F2C_OK &&
            (st = add_reserved(s, F2C_PLAN_COL_RESOURCEID, 1)) == F2C_OK &&
            (st = add_reserved(s, F2C_PLAN_COL_FHIRPATH, 2)) == F2C_OK)
            st = add_reserved(s, F2C_PLAN_COL_PARENTPATH, 3);
    }
    for (size_t j = 0; j < t->ncolumns && st == F2C_OK; j++) {
        const f2c_column *cd = &t->columns[j];
        f2c_plan_column c = {.kind = F2C_PLAN_COL_STEPS,
                             .slot = reserved + j,
                             .type = cd->type,
                             .card = F2C_PLAN_FIRST, /* `array` keeps all items */
                             .steps = cd->path,
                             .nsteps = cd->npath};
        if (cd->fhir_expression) {
            f2c_status cs = compile_expression(t, cd, &c.expr, diags);
            if (cs == F2C_ENOMEM) st = cs;
            if (cs == F2C_ECONFIG) *bad = 1;
        }
        if (st == F2C_OK) st = f2c_plan_select_add_column(s, &c);
    }
    if (st != F2C_OK) {
        f2c_plan_select_free(s);
        return st;
    }
    *out = s;
    return F2C_OK;
}

f2c_status f2c_tablecfg_compile(const f2c_tableset *ts, f2c_plan **out, f2c_diags *diags)
{
    *out = NULL;
    f2c_plan *p = NULL;
    if (f2c_plan_new(ts, &p) != F2C_OK) return nomem(diags);
    int bad = 0;
    for (size_t i = 0; i < ts->count; i++) {
        f2c_plan_select *s;
        f2c_status st = compile_table(&ts->tables[i], &s, &bad, diags);
        if (st == F2C_OK) {
            f2c_error e;
            f2c_error_clear(&e);
            st = f2c_plan_set_table(p, i, s, &e);
            if (st == F2C_ECONFIG) {
                /* A table the loader accepted always makes a valid plan: a bug if not. */
                f2c_error_set(&e, F2C_ECONFIG, ts->tables[i].file, 0, 0, NULL,
                              "internal error compiling table \"%s\"", ts->tables[i].name);
                f2c_diags_add(diags, &e);
                bad = 1;
                continue;
            }
        }
        if (st != F2C_OK) {
            f2c_plan_free(p);
            return nomem(diags);
        }
    }
    if (bad) {
        f2c_plan_free(p);
        return F2C_ECONFIG;
    }
    *out = p;
    return F2C_OK;
}

f2c_status f2c_tablecfg_plan_new(const f2c_tableset *ts, f2c_tablecfg_plan **out, f2c_diags *diags)
{
    *out = NULL;
    f2c_tablecfg_plan *f = calloc(1, sizeof *f);
    if (!f) return nomem(diags);
    f2c_status st = f2c_tablecfg_compile(ts, &f->plan, diags);
    if (st != F2C_OK) {
        free(f);
        return st;
    }
    *out = f;
    return F2C_OK;
}

void f2c_tablecfg_plan_free(f2c_tablecfg_plan *f)
{
    if (!f) return;
    f2c_plan_free(f->plan);
    free(f);
}

const f2c_plan *f2c_tablecfg_plan_of(const f2c_tablecfg_plan *f)
{
    return f->plan;
}

size_t f2c_tablecfg_plan_tables_for(const f2c_tablecfg_plan *f, const char *rt)
{
    return f2c_plan_tables_for(f->plan, rt);
}

f2c_tablecfg_plan_ctx *f2c_tablecfg_plan_ctx_new(const f2c_tablecfg_plan *f)
{
    f2c_tablecfg_plan_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->ctx = f2c_plan_ctx_new(f->plan);
    if (!c->ctx) {
        free(c);
        return NULL;
    }
    return c;
}

void f2c_tablecfg_plan_ctx_free(f2c_tablecfg_plan_ctx *c)
{
    if (!c) return;
    f2c_plan_ctx_free(c->ctx);
    free(c);
}

f2c_status f2c_tablecfg_plan_resource(f2c_tablecfg_plan_ctx *c, f2c_doc *doc, const cJSON *root,
                                      const char *resource_type, const char *resource_id,
                                      const char *identity, const f2c_row_sink *sink,
                                      f2c_error *err)
{
    return f2c_plan_resource(c->ctx, doc, root, resource_type, resource_id, identity, sink, err);
}
