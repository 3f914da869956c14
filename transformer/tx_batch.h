/*
 * tx_batch: the Azure Batch task mode of fhir2cdm-transform (docs/azure.md section 5):
 * `transform-data` (one NDJSON blob -> its CSV partitions in the CDM container) and `finalize`
 * (model.json listing every partition blob, then the fhir2cdm-state.json incremental-run state).
 */
#ifndef FHIR2CDM_TX_BATCH_H
#define FHIR2CDM_TX_BATCH_H

/* argv[0] is the subcommand name ("transform-data" or "finalize").  Returns a TX_EXIT_* code. */
int tx_batch_main(int argc, char **argv);

#endif
