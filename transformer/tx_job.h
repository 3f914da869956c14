/*
 * tx_job: one run of the transformer's main job: NDJSON files + table configuration (or SQL on
 * FHIR ViewDefinitions) -> CDM folder, on the console.  The engine is the library's (f2c_job.h:
 * reading inputs, running the plan, sinks, the commit); this file adds what a person sees -- the
 * progress bar, the summary on stdout, messages on stderr, Ctrl-C -- and keeps the API the
 * transformer's commands (main job, Batch, export) call.
 */
#ifndef FHIR2CDM_TX_JOB_H
#define FHIR2CDM_TX_JOB_H

#include <stddef.h>

#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_job.h"

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
    /* Budgets of every FHIRPath evaluation (f2c_fhirpath.h, f2c_plan_ctx_set_fp_limits), read
     * whenever the job makes a plan context, so it must outlive the job (borrowed); NULL: the
     * defaults (export and Batch leave it so). */
    const struct f2c_fp_limits *fp_limits;
    /* Folder the summary names as where the partitions are, when it is not output_dir (export
     * writes into a staging folder and moves the partitions afterwards); NULL: output_dir. */
    const char *summary_dir;
    /* tx_stream_job_open only: a transaction already begun on output_dir (f2c_commit_begin), so
     * a caller can take the folder's lock before long work that precedes the job (export: the
     * server's export); ownership passes to the job in every case, also when opening fails.
     * NULL: the job begins its own. */
    struct f2c_commit *commit;
    /* Output format of the partitions and its options (--format, --compression, --decimal,
     * --memory: TX_JOB_OPTIONS); zeroed: CSV.  A bad one fails the job before anything is read
     * (TX_EXIT_USAGE). */
    f2c_sink_options sink;
    /* Worker threads (--threads, f2c_job_options.threads); 0: the online CPUs. */
    unsigned threads;
    /* --mode merge (f2c_job_options.merge) and its --deleted paths (borrowed). */
    int merge;
    const char **deleted;
    size_t ndeleted;
    int compact; /* `compact`: f2c_job_options.compact */
    /* f2c_job_options.fetch: output_dir is a sparse mirror of a blob folder (tx_mirror.h); NULL
     * for a local folder (borrowed). */
    const struct f2c_fs_fetcher *fetch;
    const char *modified_time; /* tx_run: f2c_job_options.modified_time (NULL: inputs' mtime) */
} tx_options;

/* Runs the job over o->inputs (files or folders of *.ndjson / *.ndjson.gz, read one after the
 * other); returns a TX_EXIT_* code.  Messages go to stderr, the summary to stdout.  Implemented on
 * the stream-job engine below (each file is read with gzread and fed), so both give the same
 * partitions, messages and model.json for the same bytes. */
int tx_run(const tx_options *o);

/* ---- stream jobs -----------------------------------------------------------------------------
 * For inputs that are not files: the export command feeds each NDJSON download straight from the
 * network, several at once from different threads, into one job.
 *
 * Threads: tx_stream_job_open, _finish and _free are called from one thread,
 * before any file begins / after every file has ended.  tx_stream_file_begin may be called from
 * any thread at any time in between; one tx_stream_file is used by one thread at a time (begin,
 * feed..., end), different files by different threads concurrently.  tx_stream_job_types and
 * tx_stream_job_rejected may be called from any thread.  Messages (stderr) are printed whole
 * lines under the job's lock, so lines of different files do not interleave (their order
 * between files follows the threads).  The first 100 rejected lines / warnings / resources
 * without id of the whole job are printed, the rest only counted, as in tx_run.
 *
 * FHIRPath now()/today() in a table or view give the instant at which the evaluation context a
 * file uses was created; contexts are pooled and reused by later files (tx_run uses one).
 */
typedef struct tx_stream_job tx_stream_job;

/*
 * Loads the configuration (o->config_dir, or o->views/o->nviews; o->max_depth) like tx_run, and
 * opens the output folder's transaction (f2c_commit_begin: o->output_dir created if missing, the
 * writer's lock taken, an interrupted run's commit finished or its staging folder removed, as
 * printed notes) for operation id `opid` (required, [A-Za-z0-9_-]{1,64}).  Nothing is published
 * before tx_stream_job_finish; tx_stream_job_free without it publishes nothing.  Also used from o:
 * max_errors, max_line, quiet (no summary from _finish).  o->inputs and o->operation_id are
 * ignored.  o is copied and o->output_dir duplicated: nothing of o needs to outlive this call.
 * Returns TX_EXIT_OK with *out set (free with tx_stream_job_free), or TX_EXIT_USAGE with the
 * reason printed and *out NULL (invalid opid, no output folder, unknown o->format, configuration
 * or ViewDefinition errors, output folder not creatable or not writable, locked by another run (its
 * pid is named), a symbolic link where the control folder or lock must be, out of memory).
 */
int tx_stream_job_open(const tx_options *o, const char *opid, tx_stream_job **out);

/* Sets *types to the resource types the loaded tables read, sorted (byte order) and unique;
 * returns how many.  The array and strings are borrowed from j, valid until tx_stream_job_free. */
size_t tx_stream_job_types(const tx_stream_job *j, const char *const **types);

typedef f2c_job_file tx_stream_file;

/*
 * Starts one input of j.  `name` is the stem used in partition names, exactly as tx_run uses an
 * input file's name without ".ndjson"/".ndjson.gz" (pass "Patient.000" for
 * ".../Patient.000.ndjson"); a name can be used once per job (two files with one name would write
 * the same partitions), except that the name of a file ended with ok=0 may be used again (a
 * retried download).  `label` names the input in messages, as "<label>:<line>" (e.g. the URL's
 * file name); NULL: name.  Both strings are copied.  Bytes are NDJSON, or a gzip
 * stream of NDJSON (detected by its magic bytes and inflated).  Partitions are opened lazily
 * (a table gets one only if the file gives it a row), written under a temporary name.
 * Thread-safe (see above).  Returns NULL when out of memory (nothing printed), or when name is
 * empty, contains '/', or is in use by another file of the job (message printed).
 */
tx_stream_file *tx_stream_file_begin(tx_stream_job *j, const char *name, const char *label);

/*
 * Feeds the next len bytes of the file (any chunking).  Complete lines are transformed at once;
 * bad lines are reported ("<label>:<line>: ...") and counted, like tx_run.  Data that cannot be
 * decoded (a corrupt gzip stream) is reported once and the rest of the file is ignored; the
 * file then counts as failed (rows before the error are kept, as tx_run does for a truncated
 * .ndjson.gz).  Returns 0, or -1 on a fatal error (output cannot be written, out of memory;
 * message printed): stop feeding, end the file with ok=0 and stop the job (do not call
 * tx_stream_job_finish).  After -1 every further feed returns -1.
 */
int tx_stream_file_feed(tx_stream_file *f, const void *data, size_t len);

/*
 * Ends the file and frees f (NULL allowed: returns 0).
 * ok=1: delivers a last line without line terminator, completes the file's staged partitions
 * (flushed, fsynced; published by tx_stream_job_finish with the rest) and adds the file's counts
 * to the job (a file without any resource line is
 * warned about, as in tx_run).  A gzip stream that stopped before its end is reported and counts
 * as a failed file (rows before it are kept).
 * ok=0 (download failed): aborts its partitions (nothing of this file remains), does not count
 * its rows, lines or rejections, and counts one failed file.
 * Returns 0, or -1 on a fatal output error (printed; the job must then be freed unfinished).
 */
int tx_stream_file_end(tx_stream_file *f, int ok);

/*
 * Commits the job as tx_run does (f2c_cdm_publish: the staged partitions and the new model.json
 * appear at once; model.json lists the committed partitions of earlier runs, except those of this
 * job's (file name, operation id) pairs, which the job replaces), with modifiedTime `modified_time`
 * (UTC "YYYY-MM-DDThh:mm:ssZ" or with a fraction; used as given), prints the summary (stdout)
 * unless o->quiet.  Call after every file has ended.  Returns TX_EXIT_OK; TX_EXIT_DATA (rejected
 * lines beyond o->max_errors, files ended with ok=0 or undecodable, or partitions in the folder
 * whose header does not match their table, which are left out of model.json; all printed);
 * TX_EXIT_USAGE (the commit failed before its journal: nothing published; or after it: the next run
 * finishes it; printed).
 */
int tx_stream_job_finish(tx_stream_job *j, const char *modified_time);

/* Lines rejected so far in files ended with ok=1 (for the caller's own summary and tests). */
unsigned long long tx_stream_job_rejected(const tx_stream_job *j);

/* Frees the job (NULL allowed).  Every file must have ended. */
void tx_stream_job_free(tx_stream_job *j);

#endif
