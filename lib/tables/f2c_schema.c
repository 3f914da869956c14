/*
 * f2c_schema: owns the choice between the two input kinds (table configuration or
 * ViewDefinitions) and the steps that turn either into tables + plan + diagnostics.
 *
 * Why: the transformer, its Batch and export modes, show-schema and generate-pipeline each used
 * to call the loaders themselves, each with its own idea of which compile step follows and how
 * diagnostics print; one function keeps them accepting exactly the same inputs.
 */
#include "fhir2cdm/f2c_schema.h"

#include <assert.h>
#include <string.h>

#include "fhir2cdm/f2c_tablecfg_plan.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_view.h"

static f2c_status usage(f2c_diags *diags, const char *what)
{
    f2c_error e;
    f2c_error_set(&e, F2C_EUSAGE, NULL, 0, 0, NULL, "%s", what);
    return f2c_diags_add(diags, &e) == F2C_OK ? F2C_EUSAGE : F2C_ENOMEM;
}

/* The configuration folder; its plan only when asked for. */
static f2c_status load_config(const f2c_schema_input *in, f2c_tableset *ts, f2c_plan **plan,
                              f2c_diags *diags)
{
    f2c_status st = f2c_tablecfg_load(in->config_dir, in->max_depth, ts, diags);
    if (st == F2C_OK && plan) st = f2c_tablecfg_compile(ts, plan, diags);
    return st;
}

/* The ViewDefinitions; loading them compiles them, so the plan is dropped when not wanted. */
static f2c_status load_views(const f2c_schema_input *in, f2c_tableset *ts, f2c_plan **plan,
                             f2c_diags *diags)
{
    f2c_plan *p = NULL;
    f2c_status st = f2c_view_load(in->views, in->nviews, ts, &p, diags);
    if (plan)
        *plan = p;
    else
        f2c_plan_free(p);
    return st;
}

f2c_status f2c_schema_load(const f2c_schema_input *in, f2c_tableset *ts, f2c_plan **plan,
                           f2c_diags *diags)
{
    assert(in && ts && diags);
    memset(ts, 0, sizeof *ts);
    if (plan) *plan = NULL;
    int cfg = in->config_dir != NULL, views = in->nviews > 0;
    if (cfg == views)
        return usage(diags, cfg ? "give a table configuration or ViewDefinitions, not both"
                                : "no table configuration or ViewDefinitions given");
    if (views && !in->views) return usage(diags, "ViewDefinition paths missing");
    f2c_status st = cfg ? load_config(in, ts, plan, diags) : load_views(in, ts, plan, diags);
    if (st != F2C_OK) {
        f2c_schema_free(ts, plan ? *plan : NULL);
        if (plan) *plan = NULL;
    }
    return st;
}

void f2c_schema_free(f2c_tableset *ts, f2c_plan *plan)
{
    f2c_plan_free(plan); /* first: it borrows the tables */
    if (ts) f2c_tableset_free(ts);
}

void f2c_schema_print_diags(FILE *f, const char *prefix, const f2c_diags *d)
{
    char line[2048];
    for (size_t i = 0; i < d->count; i++)
        fprintf(f, "%s%s\n", prefix ? prefix : "",
                f2c_error_format(&d->items[i], line, sizeof line));
}
