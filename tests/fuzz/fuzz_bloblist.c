/*
 * fuzz_bloblist: libFuzzer target for the Blob service's List Blobs answer (the
 * EnumerationResults XML that finalize, export and the Batch tasks read through
 * f2c_blob_list_parse): the input is the XML body as the service would send it.  Every parsed
 * item is read back, as tx_publish does with a listing.
 */
#include <stdint.h>
#include <string.h>

#include "fhir2cdm/f2c_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    f2c_blob_list l;
    f2c_error e;
    volatile size_t total = 0;
    if (f2c_blob_list_parse((const char *)data, size, "fuzz", &l, &e) == F2C_OK) {
        for (size_t i = 0; i < l.count; i++)
            total += strlen(l.items[i].name) + (size_t)l.items[i].size;
        if (l.next_marker) total += strlen(l.next_marker);
    }
    f2c_blob_list_free(&l);
    (void)total;
    return 0;
}
