/*
 * tx_export_int: what the files of `fhir2cdm-transform export` share — the options (xopts), one
 * run's downloads (run), and the functions of each phase: options (tx_export_opts.c), the Bulk
 * Data protocol's downloads and error files (tx_export_run.c), merge mode's deletion files
 * (tx_export_deleted.c), publishing and the incremental state (tx_export_publish.c);
 * tx_export.c runs them in order.
 *
 * Why one internal header: the phases pass the same two structures along, and the dependency
 * goes one way, tx_export.c -> publish -> run, options; no phase calls tx_export.c.
 */
#ifndef FHIR2CDM_TX_EXPORT_INT_H
#define FHIR2CDM_TX_EXPORT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_fhirpath.h"

#include "tx_export.h"
#include "tx_job.h"
#include "tx_mirror.h"
#include "tx_util.h"

#define ME "fhir2cdm-transform export"
#define STATE_FILE TX_STATE_NAME
#define SECRET_ENV "FHIR2CDM_CLIENT_SECRET"
#define PROGRESS_EVERY_S 10

/* The interruption flag is tx_util's (tx_signals_install): one handler for every command. */
#define g_cancel (*tx_cancel_flag())

/* ---- options (tx_export_opts.c) ----------------------------------------------------------- */

typedef struct xopts {
    tx_options tx;
    f2c_fp_limits fp_limits; /* --fhirpath-max-*: tx.fp_limits points here */
    const char *fhir_url, *output, *level_arg, *since_arg, *output_format;
    int post;
    const char **types; /* from --type lists (pointers into typebuf) */
    size_t ntypes;
    char *typebuf; /* copies of the --type arguments, split at commas */
    const char **filters;
    size_t nfilters;
    const char *bearer, *token_url, *client_id, *client_secret, *private_key, *key_id, *scope;
    unsigned long long parallel;
    const char *keep_dir;
    const char *mi_client_id; /* storage: user-assigned managed identity (blob output) */
    /* --output as a blob address (remote); prefix: the folder inside the container, "" or
     * ending in '/' (tx_pub_prefix). */
    int remote;
    f2c_blob_addr addr;
    f2c_buf prefix;
} xopts;

/* Parses argv into *o (views: room for argc pointers); returns -1 (usage error printed), 0, or
 * 1 (help shown). */
int tx_export_parse_args(int argc, char **argv, xopts *o, const char **views);

/* Checks everything that can be checked without contacting anyone and fills the request's
 * options b from o; 0, or -1 (the problem printed). */
int tx_export_validate(xopts *o, f2c_bulk_opts *b);

/* Non-zero when s is a FHIR instant (e.g. 2024-01-31T12:00:00Z). */
int tx_export_valid_instant(const char *s);

/* The NDJSON spellings of _outputFormat [BD "Query Parameters"], NULL-terminated. */
extern const char *const tx_export_ndjson_formats[];

/* The Content-Types an output file may arrive with ([BD "File Request"]: the NDJSON media
 * types, and the unspecific ones storage services label any file with), NULL-terminated;
 * f2c_http_get_opts.media_types.  Anything else (text/csv, text/html) fails the file. */
extern const char *const tx_export_file_media_types[];

/* ---- the run: downloads and error files (tx_export_run.c) --------------------------------- */

typedef struct xfile {
    const f2c_bulk_file *mf;
    char *stem;  /* partition name stem */
    char *label; /* file name for messages */
    uint64_t bytes;
} xfile;

typedef struct run {
    xopts *o;
    f2c_token_provider *prov; /* kick-off, status, delete, error files: main thread only */
    /* The provider is one-thread-at-a-time, so each download thread makes its own from these
     * options when the manifest requires a token: it then renews its token per attempt and
     * after a 401 inside f2c_http_get, which a copied token string could not. */
    f2c_token_opts topts;
    int have_topts;
    f2c_bulk_manifest m;
    tx_stream_job *job;
    xfile *files;
    size_t nfiles;
    char opid[65];
    /* download pool */
    pthread_mutex_t mu; /* next, done, workers_left */
    size_t next, done;
    atomic_int failed;   /* a download or the transformer failed: stop everything */
    atomic_ullong bytes; /* downloaded so far, all files (decoded: NDJSON bytes) */
    atomic_ullong wire;  /* the same as received over the network (content-coded) */
    int workers_left;
} run;

/* The options every GET of a file of the manifest shares: the cancel flag, a compressed
 * transfer, the server's OperationOutcome in error messages (f2c_bulk_error_text), and the
 * NDJSON media types (tx_export_file_media_types); the caller adds the token. */
void tx_export_file_opts(f2c_http_get_opts *ho);

/* The URL without query/fragment, for messages. */
void tx_export_shown_url(const char *url, char *out, size_t n);

/* Polling progress ([BD "Bulk Data Status Request"] X-Progress), for f2c_bulk_opts.progress; ud
 * is the xopts. */
void tx_export_on_progress(void *ud, const char *x_progress, long next_ms);

/* Partition name stems for the manifest's output files: the URL's file name without .ndjson
 * (and .gz); `<type>.<index>` when that is not a safe file name; `.<index>` appended to every
 * stem that occurs more than once.  0, or -1 out of memory. */
int tx_export_make_stems(run *r);

/* Runs the download pool over r->files; 0 when every file arrived and was transformed. */
int tx_export_download_all(run *r);

/* Downloads every error file and prints its issues; 0, or -1 when a download failed. */
int tx_export_scan_error_files(run *r, unsigned long long *issues);

/* ---- merge mode: the manifest's deletion files (tx_export_deleted.c) ---------------------- */

/* The deletion files of one run, downloaded. */
typedef struct xdeleted {
    char dir[4096]; /* the private temporary folder (mkdtemp, 0700); "" when none */
    char **paths;   /* the downloaded files, n of them: dir/<index in deleted[]>/<file name> */
    size_t n;
} xdeleted;

/* Downloads every file of r->m.deleted ([BD "Response - Complete Status"]) into a new private
 * temporary folder d->dir under $TMPDIR, one after the other on the calling thread with the run's
 * auth (the main thread, while no output download runs), and lists them in d->paths for
 * tx_options.deleted.  Nothing is made when there are none.  0, or -1 (printed, unless
 * interrupted); tx_export_deleted_free releases what was made in either case. */
int tx_export_fetch_deleted(run *r, xdeleted *d);

/* Removes d->dir with everything in it (a failure is a warning) and frees d's paths. */
void tx_export_deleted_free(xdeleted *d);

/* ---- publishing and the incremental state (tx_export_publish.c) --------------------------- */

/* <output>/fhir2cdm-state.json (local folder); 0, or -1 (printed). */
int tx_export_write_state(const xopts *o, const char *transaction_time, const char *opid);

/* <output>/fhir2cdm-state.json's transactionTime for --since last: 0 with *since set (NULL when
 * the file is missing), or -1 (malformed; printed). */
int tx_export_read_state_since(const char *output, char **since);

/* The same for a blob output: TX_EXIT_OK (*since NULL when the blob does not exist),
 * TX_EXIT_USAGE (malformed) or TX_EXIT_EXPORT (storage unreachable or refusing; printed). */
int tx_export_read_state_since_blob(const xopts *o, f2c_blob_client *b, char **since);

/* Blob output: uploads the staging folder's partitions and commits the record of the run's
 * format, model.json or the CDM manifest (see tx_export_publish.c).  TX_EXIT_OK, TX_EXIT_DATA,
 * TX_EXIT_USAGE (also: the container holds the other format) or TX_EXIT_EXPORT. */
int tx_export_publish_blob(const xopts *o, const run *r, f2c_blob_client *b, const char *staging,
                           const char *mtime, int *published);

/* Blob output in merge mode: publishes mirror m, into which the stream job merged
 * (tx_mirror_publish: the created partitions and indexes, then the record), and says what it
 * moved.  *published is set first.  TX_EXIT_OK, TX_EXIT_DATA (committed: the record named
 * locations outside the folder, left out), TX_EXIT_USAGE (nothing uploaded: the run rewrote a
 * committed partition under its name) or TX_EXIT_EXPORT (an upload failed: the record and the
 * state are unchanged). */
int tx_export_publish_mirror(const xopts *o, tx_mirror *m, f2c_blob_client *b, int *published);

#endif
