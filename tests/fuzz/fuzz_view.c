/*
 * fuzz_view: libFuzzer target for the SQL on FHIR ViewDefinition loader (f2c_view_load), the
 * reader of views a user writes or receives from another organisation.
 *
 * Input: one ViewDefinition (the JSON document's bytes, written as view.json), or a file
 * bundle (format in fuzz_files.h) of several, e.g.
 *
 *     === a.json
 *     {"resourceType":"ViewDefinition","name":"a","resource":"Patient","select":[...]}
 *     === b.json
 *     {...}
 *
 * The files are loaded as one folder, as `fhir2cdm-transform --view FOLDER` does (names
 * checked across views, every FHIRPath compiled, the execution plan built).  The plan is not
 * run: evaluation is fuzz_fhirpath's, and would add the unbounded-evaluation hangs of issue 13
 * item 2 as timeouts here.
 */
#include "fuzz_files.h"

#include <stdint.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/views", fuzz_scratch());
    fuzz_unbundle(data, size, dir, "view.json");
    /* the unbundler makes PropertiesGroup/ for table configurations; views have none */
    char pg[600];
    snprintf(pg, sizeof pg, "%s/PropertiesGroup", dir);
    fuzz_rm_rf(pg);
    const char *paths[] = {dir};
    f2c_tableset ts = {0};
    f2c_plan *plan = NULL;
    f2c_diags diags = {0};
    if (f2c_view_load(paths, 1, &ts, &plan, &diags) == F2C_OK) {
        for (size_t i = 0; i < ts.count; i++)
            for (size_t c = 0; c < ts.tables[i].ncolumns; c++)
                (void)strlen(ts.tables[i].columns[c].name);
        f2c_plan_free(plan);
        f2c_tableset_free(&ts);
    }
    for (size_t i = 0; i < diags.count; i++) {
        char line[1024];
        (void)f2c_error_format(&diags.items[i], line, sizeof line);
    }
    f2c_diags_free(&diags);
    return 0;
}
