/*
 * tx_batch: the Azure Batch task mode of fhir2cdm-transform (docs/azure.md section 5):
 * `bulk-export` (the Bulk Data $export, its manifest stored as a blob: tx_batch_export.h),
 * `transform-data` (one NDJSON file -> its CSV or Parquet partitions in the CDM container, then
 * its task record) and `finalize` (the commit record -- model.json, or for Parquet the CDM manifest
 * after its entity documents -- from the committed one and this operation's task records, then the
 * fhir2cdm-state.json incremental-run state, then the export job's DELETE).
 */
#ifndef FHIR2CDM_TX_BATCH_H
#define FHIR2CDM_TX_BATCH_H

#include <stddef.h>

struct cJSON;

/*
 * The values an Azure Data Factory Custom activity file (activity.json, `--adf-activity`) gives a
 * Batch subcommand: typeProperties.extendedProperties' members, each a string or ADF's
 * {"type": "SecureString", "value": "..."} (docs/azure.md section 5).  Strings are borrowed from
 * doc; NULL when absent or not a string.
 */
typedef struct tx_batch_activity {
    struct cJSON *doc; /* owned: free with tx_batch_activity_free */
    const char *input_uri, *account, *suffix, *cdm_fs, *config_container, *config_kind;
    const char *operation_id, *max_depth, *mi_client_id, *requires_token, *transaction_time;
    const char *fhir_url, *client_id, *tenant_id, *key_vault_uri, *secret_name;
    /* bulk-export, and the manifest it stores (transform-data, finalize) */
    const char *export_types, *since, *group_id, *export_manifest, *file_index, *file_count;
    /* transform-data, finalize, generate-schema: the output format (--format csv|parquet,
     * --compression, --decimal P,S) */
    const char *format, *compression, *decimal;
    const char *threads_arg; /* "threads": worker threads of transform-data (--threads N) */
    const char *mode;        /* "mode": append|merge (transform-data, finalize, generate-schema) */
} tx_batch_activity;

/* Parses activity.json text[0..len) into *out (zeroed first).  Returns 0, or -1 when the text is
 * not JSON or has no typeProperties.extendedProperties object (out->doc may still be set: free
 * it).  Prints nothing.  Public for its fuzz target (tests/fuzz/fuzz_activity.c). */
int tx_batch_activity_parse(const char *text, size_t len, tx_batch_activity *out);

/* Frees out->doc and zeroes *out. */
void tx_batch_activity_free(tx_batch_activity *a);

/* argv[0] is the subcommand name ("bulk-export", "transform-data", "finalize" or
 * "generate-schema").  Returns a TX_EXIT_* code. */
int tx_batch_main(int argc, char **argv);

#endif
