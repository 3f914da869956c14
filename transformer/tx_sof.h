/*
 * tx_sof: `fhir2cdm-transform sql-on-fhir-test PATH... [--report FILE]`, the SQL on FHIR v2
 * conformance runner: executes the official test suite (FHIR/sql-on-fhir-v2, the tests folder; the
 * format is tests.schema.json) with the same view loader and executor as `--view`, and writes
 * the suite's test report format.  Ownership: everything it allocates is released before it
 * returns; it keeps no state between calls.
 */
#ifndef FHIR2CDM_TX_SOF_H
#define FHIR2CDM_TX_SOF_H

/* argv[0] is "sql-on-fhir-test".  Returns 0 (every test passed), 1 (some failed), 2 (usage
 * error, or a test file unreadable or not a test file). */
int tx_sof_main(int argc, char **argv);

#endif
