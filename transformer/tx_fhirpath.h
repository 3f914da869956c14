/*
 * tx_fhirpath: `fhir2cdm-transform fhirpath EXPRESSION [FILE]`, a way to try a FHIRPath expression
 * on a resource while writing a table configuration.
 */
#ifndef FHIR2CDM_TX_FHIRPATH_H
#define FHIR2CDM_TX_FHIRPATH_H

/* argv[0] is "fhirpath".  Returns 0 (ok), 1 (a run-time error for some resource), 2 (usage or
 * compile error, or unreadable input), 3 (an evaluation exceeded its budget, --fhirpath-max-steps
 * / -items / -bytes; takes precedence over 1). */
int tx_fhirpath_main(int argc, char **argv);

#endif
