/*
 * f2c_job: the stream-job engine -- NDJSON (files or streamed bytes) + table configuration or
 * SQL on FHIR ViewDefinitions -> a CDM folder, published all at once.
 *
 * Why in the library: it is the heart of the transformer and every front end (the command line,
 * Batch tasks, the Bulk Data export) runs it; keeping it apart from console output (progress
 * bars, summaries, where messages go) lets tests and other front ends link it without the
 * transformer's sources.  What the user sees is decided by the caller through f2c_job_ui; what
 * is written, counted and reported is decided here.
 *
 * The stages it wires together: f2c_ndjson -> f2c_json -> f2c_plan (compiled by f2c_tablecfg_plan
 * or f2c_view) -> f2c_sink (the CSV sink by default) -> f2c_commit / f2c_cdm.
 *
 * Threads: f2c_job_open, _finish and _free are called from one thread, before any file begins /
 * after every file has ended.  f2c_job_file_begin may be called from any thread at any time in
 * between; one f2c_job_file is used by one thread at a time (begin, feed..., end), different files
 * by different threads concurrently.  f2c_job_types and f2c_job_rejected may be called from any
 * thread.  Every f2c_job_ui call except summary is made under the job's lock (so the ui needs
 * none of its own and whole messages never interleave), never per row.  The first 100 rejected
 * lines / warnings / resources without id of the whole job are said, the rest only counted.
 * Besides the callers' threads, the job runs f2c_job_options.threads worker threads (none for
 * 1): lines fed are gathered into chunks that workers transform in any order and that are
 * committed in input order per file (for f2c_job_run: across all its files), so partitions,
 * messages and counts do not depend on the thread count (docs/transform.md, "Threads").
 * f2c_job_file_feed may return before the lines it completed are transformed;
 * f2c_job_file_end waits until the file's last chunk is committed.
 *
 * FHIRPath now()/today() in a table or view give one instant for the whole job: the time it was
 * opened (every worker's evaluation context is given it).
 */
#ifndef FHIR2CDM_F2C_JOB_H
#define FHIR2CDM_F2C_JOB_H

#include <stddef.h>

#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

/* Results of a job (exit codes of fhir2cdm-transform). */
#define F2C_JOB_OK 0
#define F2C_JOB_DATA 1  /* some input lines or files were rejected (beyond max_errors) */
#define F2C_JOB_USAGE 2 /* usage, configuration or output-folder problem: nothing published */

/* A resource type without a table, and how many resources of it were read. */
typedef struct f2c_job_typecount {
    char *type;
    unsigned long long n;
} f2c_job_typecount;

/* What the summary shows, borrowed from the job for the duration of f2c_job_ui.summary. */
typedef struct f2c_job_stats {
    const char *opid;
    int opid_derived; /* the operation id is a hash of the inputs */
    size_t files;
    unsigned long long bytes; /* input bytes */
    double seconds;           /* since the job was made */
    unsigned long long lines, resources, rejected, warnings, no_id, files_failed;
    /* views: resources whose rows of a view were left out by a run-time error the
     * specifications define (f2c_plan.h, f2c_row_sink.error); they count with `rejected`
     * against max_errors */
    unsigned long long eval_errors;
    const f2c_job_typecount *untabled; /* in the order first met */
    size_t nuntabled;
    const f2c_tableset *ts;
    const unsigned long long *rows, *partitions, *tablew; /* per table of ts */
    const unsigned long long *colw;  /* per table and output column, at col_off[table] */
    const unsigned long long *colsw; /* the same: values the output format changed or left null
                                      * (Parquet: decimals rounded or too large...) */
    const size_t *col_off;
    const char *dir;    /* where the partitions are (summary_dir, else output_dir) */
    int wrote_model;    /* the commit record was written */
    const char *record; /* its name: "model.json" (CSV) or the manifest's (Parquet) */
    /* Not read, because no table or view reads their type (docs/transform.md, "Reading only
     * what the job needs"): input files by the type their names give (not in files and bytes
     * above) with their bytes on disk, and lines by their type (in lines above; not validated,
     * not in resources), each in the order first met. */
    const f2c_job_typecount *skipped_files;
    size_t nskipped_files;
    unsigned long long skipped_bytes;
    const f2c_job_typecount *skipped_lines;
    size_t nskipped_lines;
} f2c_job_stats;

/* Where the job's output for a person goes.  Every member may be NULL: say then writes to
 * stderr, the others do nothing (interrupted: never).  Borrowed; ud is passed back as is. */
typedef struct f2c_job_ui {
    void *ud;
    /* A whole message of one or more lines, each ending "\n" ("error: ...", "warning: ...",
     * "note: ..."): print it (clearing any progress display first). */
    void (*say)(void *ud, const char *text);
    /* f2c_job_run only, unless quiet: total input bytes before the first file, bytes done and
     * resources read so far with the current file's path while reading, and the end. */
    void (*progress_begin)(void *ud, unsigned long long total_bytes);
    void (*progress)(void *ud, unsigned long long done, unsigned long long resources,
                     const char *path);
    void (*progress_end)(void *ud);
    /* The summary, unless quiet, once the job was published (or failed to be). */
    void (*summary)(void *ud, const f2c_job_stats *s);
    /* f2c_job_run: the number of a signal that asks the run to stop, else 0; polled between
     * reads.  A stopped run publishes nothing and returns 128 + that number. */
    int (*interrupted)(void *ud);
    /* on=1 before the commit, on=0 after: keep the commit from being cut in two by signals. */
    void (*hold_signals)(void *ud, int on);
} f2c_job_ui;

typedef struct f2c_job_options {
    const char *config_dir;
    const char **views; /* ViewDefinition files or folders, instead of config_dir */
    size_t nviews;
    const char *output_dir;
    const char **inputs; /* f2c_job_run: folders or files, as given */
    size_t ninputs;
    int max_depth;
    const char *operation_id;      /* f2c_job_run; NULL: derived from the inputs' names and bytes */
    unsigned long long max_errors; /* rejected lines tolerated before F2C_JOB_DATA */
    size_t max_line;               /* longest accepted NDJSON line in bytes */
    int quiet;                     /* no progress, no summary (messages are still said) */
    /* Budgets of every FHIRPath evaluation (f2c_plan_ctx_set_fp_limits), borrowed for the life
     * of the job; NULL: the defaults. */
    const struct f2c_fp_limits *fp_limits;
    /* Folder the summary names as where the partitions are, when it is not output_dir; NULL:
     * output_dir. */
    const char *summary_dir;
    /* f2c_job_open only: a transaction already begun on output_dir (f2c_commit_begin); ownership
     * passes to the job in every case, also when opening fails.  NULL: the job begins its own. */
    struct f2c_commit *commit;
    /* Output format and its options (f2c_sink.h); zeroed: CSV.  ntables is set by the job. */
    f2c_sink_options sink;
    const f2c_job_ui *ui; /* NULL: messages to stderr, nothing else */
    /* Worker threads that transform lines (docs/transform.md, "Threads"): 1 transforms on the
     * thread that reads or feeds; 0 means the number of online CPUs (at most
     * F2C_JOB_MAX_THREADS).  Output, messages and counts are the same for every value. */
    unsigned threads;
    /* Merge mode (docs/cdm-folder.md, "Merge mode"): 0 appends partitions (the default); 1 keeps
     * one current version of every resource -- the run's resources replace their rows in the
     * folder, resources in the deletion files `deleted` (ndeleted paths, files or folders of Bulk
     * Data deletion NDJSON) lose theirs; committed through the folder's resource index. */
    int merge;
    const char **deleted;
    size_t ndeleted;
    /* Merge mode only: compact every entity with two small partitions or more, not only those
     * past the thresholds (`fhir2cdm-transform compact`; docs/cdm-folder.md, "Compaction"). */
    int compact;
    /* Merge mode only: output_dir is a sparse mirror of a remote folder (an export into Blob
     * Storage, transformer/tx_mirror.h): the merge fetches a committed partition or index
     * through it before reading it in full.  NULL: a local folder (borrowed). */
    const struct f2c_fs_fetcher *fetch;
    /* f2c_job_run: model.json's modifiedTime (UTC, "YYYY-MM-DDThh:mm:ssZ": Batch finalize's
     * export transactionTime); NULL: the newest input file's modification time, never older than
     * the previous record's (borrowed). */
    const char *modified_time;
} f2c_job_options;

/* The largest thread count f2c_job_options.threads accepts. */
#define F2C_JOB_MAX_THREADS 256

/* Runs the job over o->inputs (files or folders of *.ndjson / *.ndjson.gz, sorted by name, read
 * one after the other); returns an F2C_JOB_* code, or 128 + a signal number when interrupted.
 * Implemented on the stream functions below (each file is read and fed), so both give the same
 * partitions, messages and model.json for the same bytes. */
int f2c_job_run(const f2c_job_options *o);

typedef struct f2c_job f2c_job;
typedef struct f2c_job_file f2c_job_file;

/*
 * Loads the configuration (o->config_dir, or o->views/o->nviews; o->max_depth) and opens the
 * output folder's transaction (f2c_commit_begin, unless o->commit) for operation id `opid`
 * (required, [A-Za-z0-9_-]{1,64}).  Nothing is published before f2c_job_finish; f2c_job_free
 * without it publishes nothing.  o->inputs and o->operation_id are ignored; o is copied and
 * o->output_dir duplicated (o->ui, o->fp_limits and o->views are borrowed).  Returns F2C_JOB_OK
 * with *out set, or F2C_JOB_USAGE with the reason said and *out NULL (invalid opid, no output
 * folder, unknown format, configuration or ViewDefinition errors, output folder not creatable or
 * not writable, locked by another run, a symbolic link where the control folder or lock must be,
 * out of memory).
 */
int f2c_job_open(const f2c_job_options *o, const char *opid, f2c_job **out);

/* Sets *types to the resource types the loaded tables read, sorted (byte order) and unique;
 * returns how many.  Borrowed from j, valid until f2c_job_free. */
size_t f2c_job_types(const f2c_job *j, const char *const **types);

/*
 * Starts one input of j.  `name` is the stem used in partition names (an input file's name
 * without ".ndjson"/".ndjson.gz"); a name can be used once per job, except that the name of a
 * file ended with ok=0 may be used again.  `label` names the input in messages as
 * "<label>:<line>"; NULL: name.  Both copied.  Bytes are NDJSON or a gzip stream of NDJSON.
 * Returns NULL when out of memory (nothing said), or when name is empty, contains '/', gives too
 * long partition names or is in use by another file of the job (said).
 */
f2c_job_file *f2c_job_file_begin(f2c_job *j, const char *name, const char *label);

/* Feeds the next len bytes (any chunking).  Returns 0, or -1 on a fatal error (output cannot be
 * written, out of memory; said): end the file with ok=0 and free the job unfinished. */
int f2c_job_file_feed(f2c_job_file *f, const void *data, size_t len);

/* Ends the file and frees f (NULL allowed: returns 0).  ok=1: the last line is delivered, the
 * file's partitions are completed (published by f2c_job_finish) and its counts added to the job.
 * ok=0: its partitions are aborted, nothing of it is counted but one failed file.  Returns 0, or
 * -1 on a fatal output error (said; the job must then be freed unfinished). */
int f2c_job_file_end(f2c_job_file *f, int ok);

/* Publishes the job (f2c_cdm_publish) with modifiedTime `modified_time` and gives the summary to
 * the ui unless quiet.  Call after every file has ended.  Returns F2C_JOB_OK, F2C_JOB_DATA
 * (rejected lines beyond max_errors, failed files, or partitions left out of model.json) or
 * F2C_JOB_USAGE (the commit failed). */
int f2c_job_finish(f2c_job *j, const char *modified_time);

/* Lines rejected so far in files ended with ok=1. */
unsigned long long f2c_job_rejected(const f2c_job *j);

/* Frees the job (NULL allowed).  Every file must have ended. */
void f2c_job_free(f2c_job *j);

/* 1 when s (may be NULL) is a valid operation id: 1 to 64 characters of A-Z a-z 0-9 _ -, so it
 * can name files and blobs as is (partition names, task records); else 0.  Prints nothing. */
int f2c_job_valid_operation_id(const char *s);

#endif
