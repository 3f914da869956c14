/*
 * fuzz_line: libFuzzer target for the transformer's per-line path: one NDJSON line (arbitrary
 * bytes) -> f2c_doc_parse -> resourceType routing -> f2c_tablecfg_plan over the golden-test table
 * configuration (tests/transform/configs/basic: resource and unroll tables, every cell type,
 * choice types, groups) -> cells rendered, rows discarded; then the same line through the
 * ViewDefinitions of the golden view case (tests/transform/cases/view-golden/views: forEach,
 * forEachOrNull, unionAll, constants, %rowIndex, collections, where), in CSV and in JSON cell
 * mode.  Both formats run on the one executor (f2c_plan), reached here from both compilers.
 * Anything the main job does with a line is reached here; crashes, leaks and undefined
 * behaviour are what it looks for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_tablecfg_plan.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_resource.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_view.h"

#ifndef FUZZ_CONFIG_DIR
#error "FUZZ_CONFIG_DIR must name the table configuration folder"
#endif
/* The golden view case sits beside the configuration's folder in the source tree. */
#define FUZZ_VIEW_DIR FUZZ_CONFIG_DIR "/../../cases/view-golden/views"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static f2c_status discard_row(void *ud, size_t table, const char *const *cells, const size_t *lens,
                              f2c_error *err)
{
    (void)table;
    (void)err;
    size_t *total = ud;
    /* every table has at least one column */
    *total += lens[0] + (cells[0] ? 1 : 0);
    return F2C_OK;
}

static void note_warning(void *ud, size_t table, size_t column, const char *path, const char *why)
{
    (void)table;
    (void)column;
    size_t *total = ud;
    *total += strlen(path) + strlen(why);
}

/* The plan is built once per process (libFuzzer calls the target many times); it is read-only
 * afterwards, like the transformer's. */
static struct {
    int ready;
    f2c_tableset ts;
    f2c_tablecfg_plan *plan;
    f2c_tableset view_ts;
    f2c_plan *view_plan;
} fixture;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fixture.ready) {
        f2c_diags d = {0};
        const char *views[] = {FUZZ_VIEW_DIR};
        if (f2c_tablecfg_load(FUZZ_CONFIG_DIR, 3, &fixture.ts, &d) != F2C_OK ||
            f2c_tablecfg_plan_new(&fixture.ts, &fixture.plan, &d) != F2C_OK ||
            f2c_view_load(views, 1, &fixture.view_ts, &fixture.view_plan, &d) != F2C_OK)
            abort();
        f2c_diags_free(&d);
        fixture.ready = 1;
    }
    /* The reader hands the parser NUL-terminated lines without line breaks. */
    char *line = malloc(size + 1);
    if (!line) return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    f2c_doc *doc = f2c_doc_new();
    f2c_tablecfg_plan_ctx *ctx = f2c_tablecfg_plan_ctx_new(fixture.plan);
    f2c_plan_ctx *vctx = f2c_plan_ctx_new(fixture.view_plan);
    f2c_error err;
    if (doc && ctx && vctx && f2c_doc_parse(doc, line, size, &err) == F2C_OK) {
        const cJSON *root = f2c_doc_root(doc);
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
        if (cJSON_IsObject(root) && cJSON_IsString(rt)) {
            size_t total = 0;
            f2c_row_sink sink = {.ud = &total, .row = discard_row, .warn = note_warning};
            /* id and RowId identity as the transformer forms them (line 1 of input "fuzz") */
            f2c_resource_key key;
            f2c_resource_key_of(&key, root, rt->valuestring, "fuzz", 1);
            f2c_tablecfg_plan_resource(ctx, doc, root, rt->valuestring, key.id, key.identity, &sink,
                                       &err);
            for (int json = 0; json < 2; json++) {
                f2c_plan_ctx_set_json(vctx, json);
                f2c_plan_resource(vctx, doc, root, rt->valuestring, key.id, key.identity, &sink,
                                  &err);
            }
        }
    }
    f2c_plan_ctx_free(vctx);
    f2c_tablecfg_plan_ctx_free(ctx);
    f2c_doc_free(doc);
    free(line);
    return 0;
}
