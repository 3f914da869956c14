/*
 * tx_export_publish: the last phase of `fhir2cdm-transform export` — publishing a blob output's
 * partitions and model.json, and the incremental state fhir2cdm-state.json (read for --since
 * last, written after a clean run).
 *
 * Why it is built this way: nothing a reader lists changes until the export is complete.  A
 * local folder is published by the stream job's commit (tx_stream_job_finish); a Blob / ADLS
 * output is published with tx_publish.c, the code Batch mode's transform-data/finalize use:
 * block uploads of the partitions, then the record (model.json, or for --format parquet the
 * entity documents and then the CDM manifest), then the state blob.  The state is written last,
 * so it never claims a time whose data the record does not list yet; its format is the one Batch
 * mode's finalize writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_schema.h"

#include "tx_export_int.h"
#include "tx_publish.h"

/* <output>/fhir2cdm-state.json (local folder), in the format Batch mode's finalize and a blob
 * output write (tx_pub_state_text). */
int tx_export_write_state(const xopts *o, const char *transaction_time, const char *opid)
{
    /* Inside the output folder: replaced without following a link at its name (a link there
     * is refused, f2c_fs_replace_at). */
    char *text = tx_pub_state_text(transaction_time, opid);
    int dfd = text ? open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int rc = dfd >= 0 ? f2c_fs_replace_at(dfd, STATE_FILE, text, strlen(text)) : -1;
    if (rc != 0)
        fprintf(stderr, ME ": error: cannot write %s/" STATE_FILE ": %s\n", o->output,
                !text            ? strerror(ENOMEM)
                : errno == ELOOP ? "a symbolic link (refused: never followed)"
                                 : strerror(errno));
    if (dfd >= 0) close(dfd);
    free(text);
    return rc;
}

/* The transactionTime of a state document's text into *since; 0, or -1 (malformed; printed,
 * `where` names the file or blob). */
static int parse_state(const char *text, size_t len, const char *where, char **since)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    const cJSON *tt = doc ? cJSON_GetObjectItemCaseSensitive(doc, "transactionTime") : NULL;
    int rc = -1;
    if (cJSON_IsString(tt) && tx_export_valid_instant(tt->valuestring)) {
        *since = strdup(tt->valuestring);
        rc = *since ? 0 : -1;
    } else {
        fprintf(stderr,
                ME ": error: --since last: %s is malformed (expected a JSON object with a "
                   "transactionTime instant)\n",
                where);
    }
    cJSON_Delete(doc);
    return rc;
}

/* <output>/fhir2cdm-state.json's transactionTime for --since last: 0 with *since set (NULL when
 * the file is missing), or -1 (malformed; printed). */
int tx_export_read_state_since(const char *output, char **since)
{
    *since = NULL;
    f2c_buf path = {0};
    if (f2c_buf_printf(&path, "%s/" STATE_FILE, output) != 0) return -1;
    char *text = f2c_fs_read_regular(path.data, 1 << 20, NULL);
    if (!text) {
        int missing = errno == ENOENT;
        if (missing)
            fprintf(stderr, ME ": notice: --since last: %s not found; running a full export\n",
                    path.data);
        else
            fprintf(stderr, ME ": error: --since last: cannot read %s: %s\n", path.data,
                    strerror(errno));
        f2c_buf_free(&path);
        return missing ? 0 : -1;
    }
    int rc = parse_state(text, strlen(text), path.data, since);
    free(text);
    f2c_buf_free(&path);
    return rc;
}

/* The same for a blob output: <prefix>fhir2cdm-state.json of the container.  Returns 0 (*since
 * NULL when the blob does not exist: a notice, full export), TX_EXIT_USAGE (malformed) or
 * TX_EXIT_EXPORT (storage unreachable or refusing; printed). */
int tx_export_read_state_since_blob(const xopts *o, f2c_blob_client *b, char **since)
{
    *since = NULL;
    f2c_buf name = {0}, text = {0};
    f2c_error e;
    f2c_error_clear(&e);
    int rc = TX_EXIT_USAGE;
    if (f2c_buf_printf(&name, "%s" STATE_FILE, o->prefix.data) != 0) goto done;
    if (tx_pub_get_text(b, o->addr.container, name.data, 0, 0, &text, &e) != F2C_OK) {
        if (f2c_blob_last_http_status(b) == 404) {
            fprintf(stderr,
                    ME ": notice: --since last: %s/" STATE_FILE " not found; running a full "
                       "export\n",
                    o->output);
            rc = TX_EXIT_OK;
        } else {
            fprintf(stderr, ME ": error: --since last: %s\n", e.message);
            rc = TX_EXIT_EXPORT;
        }
        goto done;
    }
    f2c_buf where = {0};
    if (f2c_buf_printf(&where, "%s/" STATE_FILE, o->output) == 0 &&
        parse_state(text.data ? text.data : "", text.len, where.data, since) == 0)
        rc = TX_EXIT_OK;
    f2c_buf_free(&where);
done:
    f2c_buf_free(&name);
    f2c_buf_free(&text);
    return rc;
}

/*
 * Blob output: publishes the staging folder's partitions into the container with the code Batch
 * mode uses (tx_publish.c), in the run's format (--format: CSV with model.json, Parquet with the
 * CDM manifest and its entity documents; "model.json" below stands for the format's record):
 * reads the committed model.json, uploads every partition with the
 * block writer into the slot of its (stem, operation id) that model.json does not list, then
 * commits model.json (one Put Blob) = the committed partitions minus those of this run's pairs
 * plus this run's, with modifiedTime mtime; replaced blobs are deleted afterwards.  The run's
 * pairs are the stems of every output file of r (also one that now gives no rows).  *published is
 * set when the first upload starts.  Returns TX_EXIT_OK, TX_EXIT_DATA (committed partitions with a
 * foreign header left out of model.json, as a local folder does), TX_EXIT_USAGE (the configuration
 * cannot be loaded again, or the container holds the other format's record) or TX_EXIT_EXPORT
 * (reading model.json, an upload or the commit failed: model.json was not rewritten, so the
 * partitions uploaded so far are listed nowhere).
 */
int tx_export_publish_blob(const xopts *o, const run *r, f2c_blob_client *b, const char *staging,
                           const char *mtime, int *published)
{
    f2c_tableset ts = {0};
    f2c_diags diags = {0};
    tx_pub_published cur = {0};
    tx_pub_tasks mine = {0};
    tx_pub_outcome done_pub = {0};
    f2c_error e;
    f2c_error_clear(&e);
    int rc = TX_EXIT_USAGE;
    /* The tables model.json describes: the configuration the stream job loaded (the probe
     * checked it already), loaded the same way before anything is uploaded. */
    f2c_schema_input in =
        o->tx.config_dir
            ? (f2c_schema_input){.config_dir = o->tx.config_dir, .max_depth = o->tx.max_depth}
            : (f2c_schema_input){.views = o->tx.views, .nviews = o->tx.nviews};
    f2c_status st = f2c_schema_load(&in, &ts, NULL, &diags);
    if (st != F2C_OK) {
        f2c_schema_print_diags(stderr, "error: ", &diags);
        fprintf(stderr, ME ": error: cannot load the configuration again (%s)\n",
                f2c_status_name(st));
        goto done;
    }
    *published = 1; /* from here on the container changes: an interruption no longer undoes it */
    size_t uploaded = 0;
    /* The committed record first: each partition goes into the slot it does not list. */
    const char *format = o->tx.sink.format;
    if (tx_pub_read_published(b, o->addr.container, o->prefix.data, format, 0, &cur, &e) !=
        F2C_OK) {
        /* The container holds the other format (checked before the export too): exit 2. */
        fprintf(stderr, ME ": error: %s\n", e.message);
        rc = e.status == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_EXPORT;
        goto done;
    }
    if (tx_pub_upload_run(b, o->addr.container, o->prefix.data, format, staging, &cur, NULL, &mine,
                          &uploaded, &e) != F2C_OK) {
        fprintf(stderr,
                ME ": error: uploading the partitions: %s\n" ME
                   ": %zu partition blob%s of this run uploaded but not listed: the record and "
                   "the state were not changed (re-running the same export replaces them)\n",
                e.message, uploaded, uploaded == 1 ? "" : "s");
        rc = TX_EXIT_EXPORT;
        goto done;
    }
    /* Every output file of the export is one of the run's pairs, also one that gave no rows: a
     * rerun replaces its own partitions in every table (as a local folder's commit does). */
    for (size_t i = 0; i < r->nfiles; i++)
        if (!tx_pub_tasks_add(&mine, r->files[i].stem, r->opid)) {
            fprintf(stderr, ME ": error: out of memory\n");
            rc = TX_EXIT_EXPORT;
            goto done;
        }
    const char *record = f2c_cdm_record_name(format ? format : "csv");
    if (tx_pub_commit(b, o->addr.container, o->prefix.data, &ts, &o->tx.sink, mtime, &cur, &mine,
                      stderr, &done_pub, &e) != F2C_OK) {
        fprintf(stderr,
                ME ": error: writing %s: %s\n" ME
                   ": the %zu partition blob%s of this run are uploaded but %s and the "
                   "state were not changed (re-running the same export replaces them)\n",
                record, e.message, uploaded, uploaded == 1 ? "" : "s", record);
        rc = TX_EXIT_EXPORT;
        goto done;
    }
    (void)tx_pub_cleanup(b, o->addr.container, &done_pub, stderr);
    rc = done_pub.left_out ? TX_EXIT_DATA : TX_EXIT_OK;
done:
    tx_pub_outcome_free(&done_pub);
    tx_pub_tasks_free(&mine);
    tx_pub_published_free(&cur);
    f2c_diags_free(&diags);
    f2c_schema_free(&ts, NULL);
    return rc;
}

int tx_export_publish_mirror(const xopts *o, tx_mirror *m, f2c_blob_client *b, int *published)
{
    *published = 1; /* from here on the container changes */
    tx_mirror_outcome out;
    f2c_error e;
    f2c_error_clear(&e);
    const char *record = f2c_cdm_record_name(o->tx.sink.format ? o->tx.sink.format : "csv");
    f2c_status st = tx_mirror_publish(m, b, stderr, &out, &e);
    if (st != F2C_OK) {
        fprintf(stderr,
                ME ": error: publishing the merge: %s\n" ME
                   ": %zu blob%s of this run uploaded but listed by nobody: %s and the state were "
                   "not changed\n",
                e.message, out.uploaded, out.uploaded == 1 ? "" : "s", record);
        return st == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_EXPORT;
    }
    if (!o->tx.quiet)
        fprintf(stderr,
                ME ": merge: %zu committed blob%s downloaded to rewrite, %zu blob%s uploaded, "
                   "%s committed, %zu replaced blob%s deleted\n",
                out.fetched, out.fetched == 1 ? "" : "s", out.uploaded,
                out.uploaded == 1 ? "" : "s", record, out.deleted, out.deleted == 1 ? "" : "s");
    return out.refused ? TX_EXIT_DATA : TX_EXIT_OK;
}
