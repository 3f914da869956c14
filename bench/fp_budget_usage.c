/*
 * fp_budget_usage: how much of the FHIRPath evaluation budgets (f2c_fhirpath.h,
 * f2c_fp_ctx_set_limits) real data uses.  Runs a plan (ViewDefinitions or a table
 * configuration) over NDJSON files exactly as the transformer does (f2c_plan_resource), with the
 * default limits, and prints the largest steps / items / arena bytes any single evaluation used,
 * next to the defaults, so docs/benchmarks.md can show the defaults leave a wide margin.  Not a
 * test and not installed: a measuring tool (bench/fp_budget.sh).
 *
 * Usage: fp_budget_usage (--view PATH)... | --config DIR   FILE.ndjson...
 * Prints one "key value" line per figure; exit 0, or 2 on a usage, load or read error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_tablecfg_plan.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_view.h"

typedef struct counts {
    unsigned long long rows, warnings, budget_warnings;
} counts;

static f2c_status on_row(void *ud, size_t table, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    (void)table, (void)cells, (void)lens, (void)err;
    ((counts *)ud)->rows++;
    return F2C_OK;
}

static void on_warn(void *ud, size_t table, size_t column, const char *fhir_path, const char *why)
{
    (void)table, (void)column, (void)fhir_path;
    counts *c = ud;
    c->warnings++;
    if (strstr(why, "evaluation budget exceeded")) c->budget_warnings++;
}

int main(int argc, char **argv)
{
    const char **views = calloc((size_t)argc, sizeof *views);
    size_t nviews = 0;
    const char *config = NULL;
    int i = 1;
    for (; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--view"))
            views[nviews++] = argv[i + 1];
        else if (!strcmp(argv[i], "--config"))
            config = argv[i + 1];
        else
            break;
    }
    if (i >= argc || (!nviews == !config)) {
        fprintf(stderr, "usage: fp_budget_usage (--view PATH)... | --config DIR  FILE.ndjson...\n");
        return 2;
    }
    f2c_tableset ts;
    memset(&ts, 0, sizeof ts);
    f2c_plan *plan = NULL;
    f2c_diags diags = {0};
    f2c_status st = nviews ? f2c_view_load(views, nviews, &ts, &plan, &diags)
                           : f2c_tablecfg_load(config, F2C_DEFAULT_MAX_DEPTH, &ts, &diags);
    if (st == F2C_OK && !nviews) st = f2c_tablecfg_compile(&ts, &plan, &diags);
    if (st != F2C_OK) {
        for (size_t k = 0; k < diags.count; k++)
            fprintf(stderr, "error: %s\n", diags.items[k].message);
        return 2;
    }
    f2c_plan_ctx *ctx = f2c_plan_ctx_new(plan);
    f2c_doc *doc = f2c_doc_new();
    if (!ctx || !doc) return 2;
    counts cnt = {0};
    f2c_row_sink sink = {.ud = &cnt, .row = on_row, .warn = on_warn};
    unsigned long long resources = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (; i < argc; i++) {
        f2c_ndjson *r;
        f2c_error err;
        if (f2c_ndjson_open(argv[i], 0, &r, &err) != F2C_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            return 2;
        }
        const char *line;
        size_t len;
        long lineno;
        while ((st = f2c_ndjson_next(r, &line, &len, &lineno, &err)) != F2C_EEOF) {
            if (st != F2C_OK || f2c_doc_parse(doc, line, len, &err) != F2C_OK) continue;
            const cJSON *root = f2c_doc_root(doc);
            const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
            if (!cJSON_IsString(rt)) continue;
            resources++;
            const char *rid = cJSON_IsString(id) ? id->valuestring : NULL;
            if (f2c_plan_resource(ctx, doc, root, rt->valuestring, rid, rid ? rid : "", &sink,
                                  &err) != F2C_OK) {
                fprintf(stderr, "error: %s:%ld: %s\n", argv[i], lineno, err.message);
                return 2;
            }
        }
        f2c_ndjson_close(r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    f2c_fp_usage peak;
    f2c_plan_ctx_fp_usage(ctx, &peak);
    printf("resources %llu\nrows %llu\nwarnings %llu\nbudget_warnings %llu\n", resources, cnt.rows,
           cnt.warnings, cnt.budget_warnings);
    printf("evaluations %llu\nexceeded %llu\n", (unsigned long long)peak.evaluations,
           (unsigned long long)peak.exceeded_count);
    printf("max_steps %llu of %llu\nmax_items %llu of %llu\nmax_bytes %llu of %llu\n",
           (unsigned long long)peak.steps, F2C_FP_DEFAULT_MAX_STEPS, (unsigned long long)peak.items,
           F2C_FP_DEFAULT_MAX_ITEMS, (unsigned long long)peak.bytes, F2C_FP_DEFAULT_MAX_BYTES);
    printf("seconds %.3f\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    f2c_doc_free(doc);
    f2c_plan_ctx_free(ctx);
    f2c_plan_free(plan);
    f2c_tableset_free(&ts);
    f2c_diags_free(&diags);
    free(views);
    return 0;
}
