/*
 * fuzz_yaml: libFuzzer target for the YAML configuration of `fhir2cdm generate-config`
 * (generator/gen_config_yaml.c: libyaml, then the resources and property-group rules, every
 * element path checked against FHIR R4), the user-written input of the main job.
 *
 * Input: the resources file, then a line holding exactly "#--- propertiesGroupConfig.yml",
 * then the property-groups file (a YAML comment, so a seed is still one readable YAML file):
 *
 *     Patient:
 *       propertiesByDefault: [...]
 *     #--- propertiesGroupConfig.yml
 *     HumanName:
 *       propertiesByDefault: [...]
 *
 * Without that line the whole input is the resources file and the groups file is empty.
 * gc_build_from_yaml reads files, so both halves are written to a scratch folder first (in
 * /dev/shm: memory).  When they build, every fhirExpression is compiled and every table
 * printed as generate-config would write it (nothing is written to disk).
 *
 * The generator ends the process on out of memory (gc_oom): run with ASan's default
 * allocator settings (a huge allocation is then a reported crash, not an exit).
 */
#include "fuzz_files.h"

#include <stdint.h>

#include "gen_config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "#--- propertiesGroupConfig.yml\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t slen = sizeof sep - 1;
    size_t cut = size, rest = size;
    for (size_t i = 0; i + slen <= size; i++) {
        if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, sep, slen) == 0) {
            cut = i;
            rest = i + slen;
            break;
        }
    }
    char res[512], grp[512];
    snprintf(res, sizeof res, "%s/resourcesConfig.yml", fuzz_scratch());
    snprintf(grp, sizeof grp, "%s/propertiesGroupConfig.yml", fuzz_scratch());
    fuzz_write(res, data, cut);
    fuzz_write(grp, data + rest, size - rest);

    gc_config c = {0};
    gc_diags d = {0};
    if (gc_build_from_yaml(res, grp, &c, &d) == 0 && gc_check_expressions(&c, &d) == 0) {
        f2c_buf out = {0};
        for (size_t i = 0; i < c.count; i++)
            gc_table_json(&c.tables[i], &out);
        f2c_buf_free(&out);
    }
    gc_config_free(&c);
    gc_diags_free(&d);
    return 0;
}
