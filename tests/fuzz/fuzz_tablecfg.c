/*
 * fuzz_tablecfg: libFuzzer target for the table-configuration loader (f2c_tablecfg_load), the
 * reader of the user's <Table>.json and PropertiesGroup/<Group>.json files.
 *
 * Input: a file bundle (format in fuzz_files.h), e.g.
 *
 *     === Patient.json
 *     {"name":"Patient","resourceType":"Patient","properties":[...]}
 *     === PropertiesGroup/HumanName.json
 *     {"propertiesGroupName":"HumanName","properties":[...]}
 *
 * Input without a header is the single file Patient.json.  The folder is written into a
 * scratch folder and loaded with the default expansion depth (3) and with depth 5; each loaded
 * table's columns are walked so that what the loader built is read back (ASan checks it).
 */
#include "fuzz_files.h"

#include <stdint.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_tablecfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/config", fuzz_scratch());
    fuzz_unbundle(data, size, dir, "Patient.json");
    static const int depths[] = {F2C_DEFAULT_MAX_DEPTH, 5};
    for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
        f2c_tableset ts;
        f2c_diags diags = {0};
        if (f2c_tablecfg_load(dir, depths[k], &ts, &diags) == F2C_OK) {
            size_t chars = 0;
            for (size_t i = 0; i < ts.count; i++) {
                const f2c_table *t = &ts.tables[i];
                chars += strlen(t->name) + strlen(t->entity) + strlen(t->resource_type);
                for (size_t c = 0; c < t->ncolumns; c++) {
                    chars += strlen(t->columns[c].name);
                    for (size_t s = 0; s < t->columns[c].npath; s++)
                        chars += strlen(t->columns[c].path[s].name);
                }
            }
            (void)chars;
            f2c_tableset_free(&ts);
        }
        for (size_t i = 0; i < diags.count; i++) {
            char line[1024];
            (void)f2c_error_format(&diags.items[i], line, sizeof line);
        }
        f2c_diags_free(&diags);
    }
    return 0;
}
