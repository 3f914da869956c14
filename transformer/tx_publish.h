/*
 * tx_publish: publishing a CDM folder into Azure Blob Storage / ADLS Gen2 (one container, an
 * optional folder prefix inside it), with the format's record as the commit record: model.json
 * for CSV partitions, the CDM manifest model.manifest.cdm.json (after its <Entity>.cdm.json
 * entity documents) for Parquet partitions (f2c_cdm_record_name, f2c_cdm_documents).  A
 * container (or folder) holds one format: a run whose format differs from the committed
 * record's is refused before anything is uploaded (F2C_EUSAGE).  Shared by the Batch
 * task mode (tx_batch.c: transform-data uploads a task's partitions and its task record,
 * finalize and generate-schema commit model.json and the state) and `export --output <blob URL>`
 * (tx_export.c), so both publish with one copy of every rule: the same blob names, the same slot
 * rule, the same record merge, the same model.json bytes as a local folder (f2c_cdm_model_json),
 * the same state document.
 *
 * Names: `prefix` is "" (the CDM folder is the container's root) or a folder path ending in '/'
 * ("cdm/run/"); see tx_pub_prefix.  Partitions are <prefix>data/<Entity>/<file> (file ending in
 * the format's extension, tx_pub_extension), the record is <prefix>model.json or
 * <prefix>model.manifest.cdm.json (entity documents <prefix><Entity>.cdm.json), the incremental-run
 * state is <prefix>fhir2cdm-state.json, task records are <prefix>.fhir2cdm/tasks/<operation
 * id>/<escaped stem>.json.  "Locations" are names relative to the CDM folder
 * ("data/<Entity>/<file>"), as model.json writes them.
 *
 * The guarantee (docs/azure.md section 5, "Commit record"; "model.json" below stands for the
 * format's record, the manifest for Parquet): model.json lists exactly the
 * partitions of committed runs.  A run uploads every partition of a (stem, operation id) pair
 * into the slot (f2c_cdm_partition_name) the committed model.json does not list, so a listed
 * blob never changes content; a Batch task then writes its task record (last, one Put Blob:
 * it exists only when the attempt succeeded); model.json, uploaded with one Put Blob, is the
 * commit point.  A blob that no committed model.json lists is never adopted: it is reported by
 * name and left alone.
 *
 * Errors: functions returning f2c_status fill the caller's f2c_error (the blob client's messages
 * name the operation and blob); they print only to the FILE * they are given, except the
 * warnings of tx_pub_commit (stderr).  Credentials are never printed.
 *
 * Fault point (tests only, undocumented for users): FHIR2CDM_FAULT=upload:<k> makes the process
 * kill itself with SIGKILL right after the k-th partition blob of tx_pub_upload_run is committed,
 * as a preempted Batch node would (the same variable as the local commit protocol's points,
 * f2c_commit.h; other values are ignored here).
 */
#ifndef FHIR2CDM_TX_PUBLISH_H
#define FHIR2CDM_TX_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

/* The incremental-run state blob/file written beside model.json (docs/azure.md section 5,
 * docs/export.md). */
#define TX_STATE_NAME "fhir2cdm-state.json"

/* The folder of task records, relative to the CDM folder. */
#define TX_PUB_TASKS_DIR ".fhir2cdm/tasks/"

/* The partition file extension of output format `format` ("parquet": ".parquet"; "csv" and
 * NULL: ".csv"; the extensions f2c_sink_extension gives), without building a sink. */
const char *tx_pub_extension(const char *format);

/* "CSV" or "Parquet": format (NULL: csv) as messages name it. */
const char *tx_pub_format_label(const char *format);

/*
 * Creates a storage client for account at endpoint (f2c_blob_addr.endpoint form) with the
 * credentials of the environment: FHIR2CDM_STORAGE_KEY (Shared Key), else FHIR2CDM_STORAGE_SAS,
 * else the managed identity (user-assigned when mi_client_id is not NULL; IMDS at
 * FHIR2CDM_IMDS_ENDPOINT when set).  Free *out with f2c_blob_client_free.  Errors as
 * f2c_blob_client_new.
 */
f2c_status tx_pub_client_new(const char *endpoint, const char *account, const char *mi_client_id,
                             f2c_blob_client **out, f2c_error *e);

/* "shared key", "SAS" or "managed identity": which credential tx_pub_client_new uses now. */
const char *tx_pub_auth_name(void);

/*
 * Normalises a folder path inside a container into *out (reset first): "" stays "", otherwise
 * leading and repeated '/' are dropped and one '/' ends it ("a//b/" -> "a/b/").  Returns 0, or
 * -1 when out of memory or a segment is "." or "..".
 */
int tx_pub_prefix(const char *path, f2c_buf *out);

/*
 * Uploads local file `path` as container/blob with the block writer (Put Block + Put Block List):
 * the blob appears, or is replaced, only when the whole file was sent.  Errors: F2C_EIO (cannot
 * read the file, HTTP/transport), F2C_ENOMEM.
 */
f2c_status tx_pub_upload_file(f2c_blob_client *b, const char *container, const char *blob,
                              const char *path, const char *content_type, f2c_error *e);

/*
 * Lists every blob of container whose name starts with prefix (NULL: all), all pages.  *names
 * (each string and the array owned by the caller: tx_pub_free_names(*names, *count)) and, when
 * sizes is not NULL, *sizes (free()) at the same index.  On failure what was listed so far is
 * returned too (free it the same way).  Errors: as f2c_blob_list_page, F2C_ENOMEM.
 */
f2c_status tx_pub_list(f2c_blob_client *b, const char *container, const char *prefix, char ***names,
                       uint64_t **sizes, size_t *count, f2c_error *e);

/* Frees names[0..n) and names (NULL allowed). */
void tx_pub_free_names(char **names, size_t n);

/*
 * Appends bytes [offset, offset+length) of container/blob (length 0: to the end) to *out.
 * Errors: as f2c_blob_get (a missing blob is F2C_EIO with f2c_blob_last_http_status 404).
 */
f2c_status tx_pub_get_text(f2c_blob_client *b, const char *container, const char *blob,
                           uint64_t offset, uint64_t length, f2c_buf *out, f2c_error *e);

/* ---- the published state -------------------------------------------------------------------- */

/* What a container's CDM folder has committed, as a run or finalize sees it before publishing. */
typedef struct tx_pub_published {
    /* The committed partitions (locations, owned, sorted by strcmp, no duplicates).  From
     * model.json's record (f2c_cdm_record_parse); for an earlier release's model.json (no commit
     * annotation: migrated = 1) the partition blobs under <prefix>data/
     * (data/<Entity>/partition-data-*.csv, no ".tmp-"), as that release's finalize listed them
     * (its header check is tx_pub_commit's); none when there is no model.json. */
    char **committed;
    size_t ncommitted;
    int have_model;     /* the record (<prefix>model.json or the manifest) exists */
    int migrated;       /* it is an earlier release's document: committed comes from the listing */
    const char *format; /* static: the format of the committed record ("csv", "parquet"), NULL
                           when there is none */
    /* When listed: every blob under <prefix>data/ as a location (prefix removed), sorted by
     * strcmp, with its size at the same index. */
    int listed;
    char **blobs;
    uint64_t *sizes;
    size_t nblobs;
} tx_pub_published;

/*
 * Reads the committed record of a run writing `format` ("csv" or NULL: <prefix>model.json;
 * "parquet": <prefix>model.manifest.cdm.json) into out->committed (out zeroed first) and, when
 * list is non-zero or the document needs migrating, lists <prefix>data/ into out->blobs.  When
 * that record does not exist, the other format's record is looked for: a container holds one
 * format.  Free with tx_pub_published_free (also after a failure).  Errors: F2C_EUSAGE (the
 * container's committed record is the other format's: "<container>/<prefix><record> holds CSV
 * partitions; this run writes Parquet: write into another container or folder, or use --format
 * csv"; nothing may be published there), F2C_EIO (HTTP/transport other than a missing record),
 * F2C_EJSON (the record is not one f2c_cdm_record_parse reads: nothing may be published over it;
 * the message names the blob), F2C_ENOMEM.
 */
f2c_status tx_pub_read_published(f2c_blob_client *b, const char *container, const char *prefix,
                                 const char *format, int list, tx_pub_published *out, f2c_error *e);

/* Frees what tx_pub_read_published filled and zeroes *p. */
void tx_pub_published_free(tx_pub_published *p);

/* ---- a run's partitions, task records ------------------------------------------------------- */

/* The partitions one attempt wrote for one (stem, operation id) pair: locations in their slot. */
typedef struct tx_pub_task {
    char *stem, *operation_id; /* owned */
    char **locations;          /* owned, "data/<Entity>/<file>" */
    size_t count, cap;
} tx_pub_task;

/* A run's pairs (Batch: one per task record read; export: one per stem uploaded) and the task
 * record blobs they were read from (full names, for the cleanup after the commit). */
typedef struct tx_pub_tasks {
    tx_pub_task *items;
    size_t count, cap;
    char **records;
    size_t nrecords, rcap;
} tx_pub_tasks;

/* The task of (stem, operation_id) in t, added (empty) when missing.  NULL when out of memory. */
tx_pub_task *tx_pub_tasks_add(tx_pub_tasks *t, const char *stem, const char *operation_id);

/* Frees everything t holds and zeroes it. */
void tx_pub_tasks_free(tx_pub_tasks *t);

/*
 * Splits partition file name `name` (either slot, either format's extension,
 * f2c_cdm_partition_name) into *stem (unescaped) and *operation_id (both malloc'ed, the caller
 * frees them), *slot and *ext (static: ".csv" or ".parquet").  Returns 1, or 0 when name is not a
 * partition name of the current scheme (nothing allocated), -1 when out of memory.
 */
int tx_pub_parse_partition(const char *name, char **stem, char **operation_id, int *slot,
                           const char **ext);

/*
 * Uploads every file of <cdm_dir>/data/<entity>/ (a local run's output in format `format`, NULL:
 * csv: slot-0 names with its extension, names starting with '.' skipped) to
 * container/<prefix>data/<entity>/<name in slot>, where the slot is the one of its (stem, operation
 * id) that cur->committed does not list (slot 0 unless slot 0 is listed), so no committed blob
 * changes content; when the listed blob of the pair already holds exactly the file's bytes (a rerun
 * that changed nothing), nothing is uploaded and that blob is the partition (as a local folder
 * keeps an unchanged file).  Files go in byte order of entity, then file name; each with
 * tx_pub_upload_file (visible only when complete); when log is not NULL, "uploaded
 * <container>/<blob>" per blob.  Every uploaded location is added to its pair's task in *out
 * (tx_pub_tasks_add); *count (required) is incremented per blob.  Honours the fault point
 * FHIR2CDM_FAULT=upload:<k>.  A missing <cdm_dir>/data is nothing to upload.  Stops at the first
 * failure: blobs uploaded before it stay (each complete, listed by nobody).  Errors: F2C_EIO (a
 * folder cannot be read, an upload failed), F2C_ECONFIG (a file name that is not a partition
 * name, a partition of another format than `format`, or both slots of a pair listed), F2C_ENOMEM.
 * Content types: text/csv, application/vnd.apache.parquet.
 */
f2c_status tx_pub_upload_run(f2c_blob_client *b, const char *container, const char *prefix,
                             const char *format, const char *cdm_dir, const tx_pub_published *cur,
                             FILE *log, tx_pub_tasks *out, size_t *count, f2c_error *e);

/* FHIR2CDM_FAULT=upload:<k> (tests only): kills the process with SIGKILL when k is the value's
 * number, as a preempted node would, right after the k-th partition blob of a run is committed.
 * Used by tx_pub_upload_run and tx_mirror_publish. */
void tx_pub_fault_after_upload(size_t k);

/* FHIR2CDM_FAULT=<point> (tests only): kills the process with SIGKILL when the value is exactly
 * point.  tx_mirror_publish's points: "mirror-record" (every upload done, the record not yet
 * put), "mirror-cleanup" (the record put, nothing deleted, the state not written). */
void tx_pub_fault(const char *point);

/* Appends the task record blob name of (stem, operation_id) to out:
 * "<prefix>.fhir2cdm/tasks/<operation id>/<escaped stem>.json".  Returns 0 or -1 (out of memory).
 */
int tx_pub_task_blob(f2c_buf *out, const char *prefix, const char *stem, const char *operation_id);

/*
 * Deletes the task record of (stem, operation_id) (a missing one is fine).  A Batch task calls
 * it before uploading anything, so a record never names blobs a later, unfinished attempt
 * rewrote.  Errors: F2C_EIO, F2C_ENOMEM.
 */
f2c_status tx_pub_task_forget(f2c_blob_client *b, const char *container, const char *prefix,
                              const char *stem, const char *operation_id, f2c_error *e);

/*
 * Uploads the task record of t (one Put Blob; call it last, after every partition blob of the
 * attempt is committed): {"operationId", "stem", "partitions": [locations]}.  Errors: F2C_EIO,
 * F2C_ENOMEM.
 */
f2c_status tx_pub_task_put(f2c_blob_client *b, const char *container, const char *prefix,
                           const tx_pub_task *t, f2c_error *e);

/*
 * Reads every task record of operation_id (<prefix>.fhir2cdm/tasks/<operation_id>/<name>.json) into
 * *out (zeroed first; free with tx_pub_tasks_free, also after a failure), one task per record,
 * with the record's blob name in out->records.  Errors: F2C_EIO (HTTP/transport), F2C_EJSON (a
 * record that is not one tx_pub_task_put writes: other operation id, a location that is not a
 * partition of its pair in an entity folder; the message names the blob), F2C_EUSAGE (a merge-mode
 * record, tx_batch_merge.c: finalize must run with --mode merge), F2C_ENOMEM.
 */
f2c_status tx_pub_read_tasks(f2c_blob_client *b, const char *container, const char *prefix,
                             const char *operation_id, tx_pub_tasks *out, f2c_error *e);

/* ---- the commit ----------------------------------------------------------------------------- */

/* What tx_pub_commit did, and what it made unreferenced. */
typedef struct tx_pub_outcome {
    size_t listed;   /* partitions the new record lists (entities of the configuration) */
    size_t left_out; /* committed partitions left out: missing, or a foreign header */
    size_t unlisted; /* blobs under data/ reported as not listed and left alone */
    /* Full blob names the commit made unreferenced: replaced partitions of the run's pairs and
     * the consumed task records (tx_pub_cleanup deletes them). */
    char **garbage;
    size_t ngarbage;
} tx_pub_outcome;

/*
 * Commits a run in the record of so->format (so NULL: CSV; so->decimal_precision/_scale give the
 * Parquet entity documents' DECIMAL(p, s), 0: the defaults): uploads the metadata documents of
 * f2c_cdm_documents in their order, each with one Put Blob -- for Parquet the entity documents
 * <prefix><Entity>.cdm.json first, then the manifest -- so the LAST upload, the record
 * (<prefix>model.json or <prefix>model.manifest.cdm.json), is the commit point; it lists
 *   - cur->committed's partitions of the entities of ts, except those of the pairs in run (a
 *     rerun replaces its own, in every table), each only while it exists (a listing of
 *     <prefix>data/ made here, after the run's uploads) and still fits its table (CSV: starts
 *     with the header its table writes now, one ranged GET; Parquet: its footer has the schema
 *     the table writes now, f2c_sink_matches over the footer fetched with two ranged GETs; else
 *     the warning "warning: <container>/<blob>: ...; left out of <record>" on stderr, counted in
 *     out->left_out);
 *   - plus every location of run's tasks (each must exist: else F2C_EIO, nothing uploaded; each
 *     must carry the format's extension: else F2C_EUSAGE "task record ... lists Parquet
 *     partitions; this finalize writes CSV (--format csv)...", nothing uploaded).
 * cur is the committed state the run's uploads chose their slots by (tx_pub_read_published with
 * the same format); run may be NULL (generate-schema: the committed partitions again).  The
 * bytes are those a local folder with these partitions gets (model name "fhir2cdm",
 * modified_time as given).  Blobs under <prefix>data/ that are neither listed nor committed
 * before nor replaced are reported on log (when not NULL) as "note: <container>/<blob>: not
 * listed in <record> (not from a committed run); left alone".  *out (zeroed first; free with
 * tx_pub_outcome_free, also after a failure) gets the counts and the garbage.  Errors: F2C_EUSAGE
 * (format mismatch, above; cur of another format; a Parquet check without a Parquet writer in
 * this build), F2C_EIO (the listing, a header read or an upload failed, a task's blob is
 * missing: the record is then as it was; entity documents uploaded before a failed record are
 * those of this configuration), F2C_ENOMEM.
 */
f2c_status tx_pub_commit(f2c_blob_client *b, const char *container, const char *prefix,
                         const f2c_tableset *ts, const f2c_sink_options *so,
                         const char *modified_time, const tx_pub_published *cur,
                         const tx_pub_tasks *run, FILE *log, tx_pub_outcome *out, f2c_error *e);

/*
 * Deletes out->garbage after the commit (best effort: a failure is a "warning: ... could not
 * delete ...; left alone" line on log, not an error; a blob left so is unreferenced and reported
 * by a later commit).  Returns the number of blobs deleted.
 */
size_t tx_pub_cleanup(f2c_blob_client *b, const char *container, const tx_pub_outcome *out,
                      FILE *log);

/* Frees out's garbage list and zeroes it. */
void tx_pub_outcome_free(tx_pub_outcome *out);

/* ---- state ---------------------------------------------------------------------------------- */

/*
 * Uploads container/<prefix>fhir2cdm-state.json = {"transactionTime": transaction_time,
 * "operationId": operation_id} (cJSON_Print, the same bytes the local export writes) with one
 * Put Blob.  Call only after model.json lists the data of that transactionTime.  Errors: F2C_EIO,
 * F2C_ENOMEM.
 */
f2c_status tx_pub_write_state(f2c_blob_client *b, const char *container, const char *prefix,
                              const char *transaction_time, const char *operation_id, f2c_error *e);

/* The state document's text for (transaction_time, operation_id), malloc'ed; NULL when out of
 * memory.  The one format both the blob and the local-folder state use. */
char *tx_pub_state_text(const char *transaction_time, const char *operation_id);

#endif
