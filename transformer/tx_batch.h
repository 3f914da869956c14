/*
 * tx_batch: the Azure Batch task mode of fhir2cdm-transform (docs/azure.md section 5):
 * `transform-data` (one NDJSON blob -> its CSV partitions in the CDM container, then its task
 * record) and `finalize` (model.json, the commit record, from the committed one and this
 * operation's task records, then the fhir2cdm-state.json incremental-run state).
 */
#ifndef FHIR2CDM_TX_BATCH_H
#define FHIR2CDM_TX_BATCH_H

/* argv[0] is the subcommand name ("transform-data" or "finalize").  Returns a TX_EXIT_* code. */
int tx_batch_main(int argc, char **argv);

#endif
