/*
 * fuzz_record: libFuzzer target for the reader of a committed record -- model.json or, for
 * Parquet folders, the CDM manifest (f2c_cdm_record_parse): the input is the document's bytes.  Every location found is also put
 * through the partition-name matcher, as f2c_cdm_publish does with a committed list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_cdm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    f2c_cdm_record r;
    f2c_error e;
    if (f2c_cdm_record_parse((const char *)data, size, &r, &e) != F2C_OK) return 0;
    for (size_t i = 0; i < r.count; i++) {
        const char *slash = strrchr(r.locations[i], '/');
        const char *file = slash ? slash + 1 : r.locations[i];
        (void)f2c_cdm_partition_is_of(file, "Patient.000", "op-1");
        (void)f2c_cdm_partition_is_of(file, file, "x");
    }
    f2c_cdm_record_free(&r);
    return 0;
}
