/*
 * fuzz_activity: libFuzzer target for the Azure Data Factory Custom activity file a Batch
 * subcommand reads with --adf-activity (tx_batch_activity_parse): the input is the file's text.
 * Every value found is read back, as the subcommand does before checking it as a flag.
 */
#include <stdint.h>
#include <string.h>

#include "tx_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tx_batch_activity a;
    volatile size_t total = 0;
    if (tx_batch_activity_parse((const char *)data, size, &a) == 0) {
        const char *v[] = {a.input_uri,        a.account,         a.suffix,           a.cdm_fs,
                           a.config_container, a.config_kind,     a.operation_id,     a.max_depth,
                           a.mi_client_id,     a.requires_token,  a.transaction_time, a.fhir_url,
                           a.client_id,        a.tenant_id,       a.export_types,     a.since,
                           a.group_id,         a.export_manifest, a.file_index,       a.file_count,
                           a.key_vault_uri,    a.secret_name};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++)
            if (v[i]) total += strlen(v[i]);
    }
    tx_batch_activity_free(&a);
    (void)total;
    return 0;
}
