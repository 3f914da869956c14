/*
 * tx_job: one run of the transformer's main job: NDJSON files + table configuration (or SQL on
 * FHIR ViewDefinitions) -> CDM folder.  The stages it wires together live in libfhir2cdm
 * (f2c_ndjson -> f2c_json -> f2c_plan, compiled by f2c_flatten or f2c_view -> f2c_csv ->
 * f2c_cdm); this file only decides which file goes where, counts, and reports.
 */
#ifndef FHIR2CDM_TX_JOB_H
#define FHIR2CDM_TX_JOB_H

#include <stddef.h>

/* Exit codes, documented in `fhir2cdm-transform -h` and the README. */
#define TX_EXIT_OK 0
#define TX_EXIT_DATA 1  /* some input lines or files were rejected (beyond --max-errors) */
#define TX_EXIT_USAGE 2 /* usage, configuration or output-folder problem: nothing published */

typedef struct tx_options {
    const char *config_dir;
    const char **views; /* ViewDefinition files or folders (--view), instead of config_dir */
    size_t nviews;
    const char *output_dir;
    const char **inputs; /* folders or files, as given */
    size_t ninputs;
    int max_depth;
    const char *operation_id;      /* NULL: derived from the inputs' names and contents */
    unsigned long long max_errors; /* rejected lines tolerated before exit code 1 */
    size_t max_line;               /* longest accepted NDJSON line in bytes */
    int quiet;                     /* no progress, no summary (errors are still printed) */
} tx_options;

/* Runs the job; returns a TX_EXIT_* code.  Messages go to stderr, the summary to stdout. */
int tx_run(const tx_options *o);

#endif
