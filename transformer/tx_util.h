/*
 * tx_util: small command-line helpers shared by the transformer's commands (tx_main's default
 * command, `export`, and the stream jobs of tx_job), so each rule has one copy.
 */
#ifndef FHIR2CDM_TX_UTIL_H
#define FHIR2CDM_TX_UTIL_H

/*
 * Parses s, the value of option flag (e.g. "--max-depth"), as a whole decimal number from 0 to
 * max: no sign, no spaces, nothing after the digits.  Returns 0 with *out set, or -1 after
 * printing "<prog>: <flag> expects a whole number up to <max>, got "<s>"" to stderr (prog is
 * the message prefix, e.g. "fhir2cdm-transform export"); *out is then unchanged.
 */
int tx_parse_count(const char *prog, const char *flag, const char *s, unsigned long long max,
                   unsigned long long *out);

/* 1 when s (may be NULL) is a valid operation id: 1 to 64 characters of A-Z a-z 0-9 _ -, so it
 * can name files and blobs as is; else 0.  Prints nothing. */
int tx_valid_opid(const char *s);

#endif
