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

#include <signal.h>

/*
 * Interruption (docs/transform.md, "Interruption"): installs one handler for SIGINT, SIGTERM and
 * SIGHUP that records the signal's number (SA_RESETHAND: a second signal stops the process the
 * usual way).  The work loops poll tx_interrupted() between chunks and stop cleanly: nothing
 * published, exit 128 + the signal's number (130, 143, 129).  The flag is the one mutable global
 * of the transformer: a signal handler can reach nothing else; it is written only by the handler
 * and read, never on a per-row path.
 */
void tx_signals_install(void);

/* The number of the signal received since tx_signals_install, 0 when none. */
int tx_interrupted(void);

/* The flag itself, for the libraries' cancel options (f2c_http_opts.cancel, f2c_bulk_opts). */
volatile sig_atomic_t *tx_cancel_flag(void);

/* Blocks (block=1) or unblocks (block=0) the three signals for the calling thread, so a commit
 * is never cut in two by our own handler (a signal received meanwhile is delivered after). */
void tx_signals_block(int block);

#endif
