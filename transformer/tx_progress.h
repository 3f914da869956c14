/*
 * tx_progress: progress on stderr for long runs: a redrawn bar when stderr is a terminal,
 * otherwise one line every ten seconds (Batch task logs, CI).  Messages printed through
 * tx_progress_clear first so they never interleave with the bar.
 */
#ifndef FHIR2CDM_TX_PROGRESS_H
#define FHIR2CDM_TX_PROGRESS_H

typedef struct tx_progress {
    int enabled, tty, drawn;
    unsigned long long total, done;
    unsigned long long resources;
    double start, last;
    const char *label;
} tx_progress;

double tx_now(void); /* monotonic seconds */
void tx_progress_init(tx_progress *p, int enabled, unsigned long long total_bytes);
/* done: bytes consumed so far over all files; label: current file. Cheap to call often. */
void tx_progress_update(tx_progress *p, unsigned long long done, unsigned long long resources,
                        const char *label);
void tx_progress_clear(tx_progress *p);  /* erase the bar (terminal) before other output */
void tx_progress_finish(tx_progress *p); /* final state, then clear */

#endif
