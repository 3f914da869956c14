/*
 * tx_export: `fhir2cdm-transform export`, a FHIR Bulk Data Access ($export) client that runs
 * the export, streams the output files into the transformer while they download, and publishes
 * the CDM folder only when everything arrived (docs/export.md).
 *
 * Why one command instead of "export with another tool, then transform": the NDJSON never has
 * to be stored (it can be large), the CDM folder changes only after a complete export (readers
 * never see half an export), and the incremental state (fhir2cdm-state.json) advances only with
 * data that really landed.
 */
#ifndef FHIR2CDM_TX_EXPORT_H
#define FHIR2CDM_TX_EXPORT_H

/* Exit codes beyond tx_job.h's (0 ok, 1 data errors, 2 usage/configuration). */
#define TX_EXIT_EXPORT 3        /* export or network failure: the CDM folder was not changed */
/* Interrupted (SIGINT/SIGTERM/SIGHUP): 128 + the signal's number (130, 143, 129); the job is
 * DELETEd and the CDM folder not changed. */

/* argv[0] is "export".  Returns a TX_EXIT_* code.  Progress and errors on stderr, the summary on
 * stdout. */
int tx_export_main(int argc, char **argv);

#endif
