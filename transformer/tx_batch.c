/*
 * tx_batch: Azure Batch task mode (docs/azure.md section 5, "Batch task contract").
 *
 * Why it is shaped so:
 *  - transform-data does not re-plumb the job for remote I/O.  It streams the input blob to a
 *    local temporary file (ranged GET to a callback: the blob is never held in memory), copies
 *    the configuration container to a temporary folder, runs the local job (tx_run) into a
 *    temporary CDM folder, and uploads each partition with the block writer.  The local job is
 *    the tested one, so a Batch task writes exactly the bytes a local run writes; a Batch node
 *    has a local disk sized for this (one export file at a time), and the temporary copy costs
 *    one extra sequential read of the file.
 *  - The storage steps (client from the environment's credentials, partition upload, listing,
 *    model.json, state) live in tx_publish.c, shared with `export --output <blob URL>`; the
 *    task's own transfers and the local job in tx_batch_io.c, shared with merge mode
 *    (tx_batch_merge.c).
 *  - model.json is the commit record (tx_publish.h): a task uploads each partition with Put
 *    Block + Put Block List (a blob appears only when complete) into the slot of its (stem,
 *    operation id) that the committed model.json does not list, so no blob a reader uses ever
 *    changes; then, last, its task record (one Put Blob), which exists only when the attempt
 *    succeeded.  Batch kills and retries tasks (preemption, node failure): a killed attempt
 *    leaves blobs no record names, the retry writes the same names (the local run is
 *    deterministic) and then the record.
 *  - finalize commits: model.json = the committed partitions minus those of the pairs this
 *    operation's task records cover, plus the records' partitions, built with
 *    f2c_cdm_model_json (the same code that writes a local model.json) and uploaded with one Put
 *    Blob, then records the export's transactionTime in fhir2cdm-state.json for the next
 *    incremental run (tx_batch_write_state), then deletes what the commit replaced.  Blobs no
 * committed model.json lists are named and left alone, never adopted. modifiedTime is the export's
 * transactionTime: a value of the data, as the local run's (newest input mtime) is, so re-running
 * finalize rewrites identical bytes.
 *  - bulk-export (tx_batch_export.c) runs the Bulk Data $export in the task, because Data
 *    Factory's Web activity cannot (JSON bodies only, 4 MB output): the manifest is stored as a
 *    blob of the CDM container and the pipeline gets only outputs.json (its name, fileCount,
 *    transactionTime).  transform-data's exportManifest + fileIndex then stand for inputBlobUri
 *    and requiresAccessToken (take_manifest_entry: the same code path, so the same stem and
 *    bytes), finalize's for transactionTime and fileCount; finalize DELETEs the export job after
 *    its commit (best effort).
 *  - requiresAccessToken inputs are plain file URLs fetched with a bearer token by f2c_http_get
 *    (tx_batch_download_bearer, tx_batch_io.c), then go through the same local job as blob inputs.
 *  - Secrets come only from the environment (FHIR2CDM_STORAGE_KEY, FHIR2CDM_STORAGE_SAS) or
 *    from the node's managed identity, never from flags (command lines end up in Batch task
 *    metadata), and are never printed.
 *  - Output format (issue 17): transform-data, finalize and generate-schema take --format
 *    csv|parquet (activity.json "format"; --compression, --decimal with it), parsed by the
 *    transformer's own option parser (tx_parse_job_option) so every entry point accepts the same
 *    values.  transform-data's local job writes partitions of that format; finalize commits the
 *    format's record (model.json, or the CDM manifest after its entity documents, tx_publish.h).
 *    Each step checks the container's committed record first and refuses the other format, and
 *    finalize refuses task records whose partitions are of another format than its own: a
 *    container never gets a record describing a mix (exit 2, a usage/configuration error).
 *  - Logs: one line per step on stdout (Batch's stdout.txt), errors on stderr; exit status
 *    non-zero on any failure so ADF marks the activity failed.
 */
#include "tx_batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "tx_batch_export.h"
#include "tx_batch_int.h"
#include "tx_job.h"
#include "tx_publish.h"
#include "tx_util.h"

/* ---- options ------------------------------------------------------------------------------ */

/* A value of extendedProperties: a string, or ADF's {"type":"SecureString","value":"..."}. */
static const char *ext_value(const cJSON *ext, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ext, key);
    if (cJSON_IsObject(v)) v = cJSON_GetObjectItemCaseSensitive(v, "value");
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

int tx_batch_activity_parse(const char *text, size_t len, tx_batch_activity *out)
{
    memset(out, 0, sizeof *out);
    out->doc = cJSON_ParseWithLength(text, len);
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(out->doc, "typeProperties"), "extendedProperties");
    if (!cJSON_IsObject(ext)) return -1;
    struct {
        const char **slot;
        const char *key;
    } map[] = {
        {&out->input_uri, "inputBlobUri"},
        {&out->account, "adlsAccount"},
        {&out->suffix, "storageEndpointSuffix"},
        {&out->cdm_fs, "cdmFileSystem"},
        {&out->config_container, "configurationContainer"},
        {&out->config_kind, "configurationKind"},
        {&out->operation_id, "operationId"},
        {&out->max_depth, "maxDepth"},
        {&out->mi_client_id, "managedIdentityClientId"},
        {&out->requires_token, "requiresAccessToken"},
        {&out->transaction_time, "transactionTime"},
        {&out->fhir_url, "fhirUrl"},
        {&out->client_id, "clientId"},
        {&out->tenant_id, "tenantId"},
        {&out->key_vault_uri, "keyVaultUri"},
        {&out->secret_name, "clientSecretName"},
        {&out->export_types, "exportTypes"},
        {&out->since, "since"},
        {&out->group_id, "groupId"},
        {&out->export_manifest, "exportManifest"},
        {&out->file_index, "fileIndex"},
        {&out->file_count, "fileCount"},
        {&out->format, "format"},
        {&out->compression, "compression"},
        {&out->decimal, "decimal"},
        {&out->threads_arg, "threads"},
        {&out->mode, "mode"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        *map[i].slot = ext_value(ext, map[i].key);
    return 0;
}

void tx_batch_activity_free(tx_batch_activity *a)
{
    cJSON_Delete(a->doc);
    memset(a, 0, sizeof *a);
}

/* Flags given on the command line win over the file. */
static void take(const char **flag, const char *from_file)
{
    if (!*flag && from_file && *from_file) *flag = from_file;
}

static int load_activity(bopts *o)
{
    size_t len = 0;
    char *text = f2c_fs_read(o->activity, 0, &len);
    if (!text) {
        fprintf(stderr, ME " %s: cannot read %s: %s\n", o->cmd, o->activity, strerror(errno));
        return -1;
    }
    tx_batch_activity a;
    int rc = tx_batch_activity_parse(text, len, &a);
    free(text);
    o->activity_doc = a.doc; /* owns the strings taken below */
    if (rc != 0) {
        fprintf(stderr, ME " %s: %s has no typeProperties.extendedProperties object\n", o->cmd,
                o->activity);
        return -1;
    }
    take(&o->input_uri, a.input_uri);
    take(&o->account, a.account);
    take(&o->suffix, a.suffix);
    take(&o->cdm_fs, a.cdm_fs);
    take(&o->config_container, a.config_container);
    take(&o->config_kind, a.config_kind);
    take(&o->operation_id, a.operation_id);
    take(&o->max_depth, a.max_depth);
    take(&o->mi_client_id, a.mi_client_id);
    take(&o->requires_token, a.requires_token);
    take(&o->transaction_time, a.transaction_time);
    take(&o->fhir_url, a.fhir_url);
    take(&o->client_id, a.client_id);
    take(&o->tenant_id, a.tenant_id);
    take(&o->key_vault_uri, a.key_vault_uri);
    take(&o->secret_name, a.secret_name);
    take(&o->export_types, a.export_types);
    take(&o->since, a.since);
    take(&o->group_id, a.group_id);
    take(&o->export_manifest, a.export_manifest);
    take(&o->file_index, a.file_index);
    take(&o->file_count, a.file_count);
    take(&o->format, a.format);
    take(&o->compression, a.compression);
    take(&o->decimal, a.decimal);
    take(&o->threads_arg, a.threads_arg);
    take(&o->mode_arg, a.mode);
    return 0;
}

static int need(const bopts *o, const char *v, const char *name)
{
    if (v && *v) return 0;
    fprintf(stderr, ME " %s: %s is required (flag or --adf-activity extendedProperties)\n", o->cmd,
            name);
    return -1;
}

/* ---- transform-data ----------------------------------------------------------------------- */

/*
 * Publishes the local run's partitions in out_dir as this task's attempt (tx_publish.h): forgets
 * the pair's earlier task record, reads the committed model.json, uploads every partition into
 * the slot it does not list, then -- last, one Put Blob -- the task record naming exactly the
 * blobs written.  A task killed before the record leaves blobs that no finalize lists.  Returns
 * 0, or -1 after the message.
 */
static int publish_task(ctx *c, const char *base, const char *out_dir)
{
    const bopts *o = &c->o;
    tx_pub_published cur = {0};
    tx_pub_tasks mine = {0};
    size_t uploaded = 0;
    int rc = TX_EXIT_DATA;
    /* The pair's stem, as the local job names its partitions (tx_job.c). */
    char *stem = strdup(base);
    if (!stem) {
        f2c_error_set(&c->e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return tx_batch_fail(c, "publishing");
    }
    size_t n = strlen(stem);
    if (n > 10 && strcmp(stem + n - 10, ".ndjson.gz") == 0)
        stem[n - 10] = '\0';
    else if (n > 7 && strcmp(stem + n - 7, ".ndjson") == 0)
        stem[n - 7] = '\0';
    if (tx_pub_task_forget(c->blob, o->cdm_fs, "", stem, o->operation_id, &c->e) != F2C_OK) {
        tx_batch_fail(c, "removing the task record of an earlier attempt");
        goto done;
    }
    if (tx_pub_read_published(c->blob, o->cdm_fs, "", o->sink.format, 0, &cur, &c->e) != F2C_OK) {
        rc = c->e.status == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_DATA;
        tx_batch_fail(c, "reading the committed record");
        goto done;
    }
    if (!tx_pub_tasks_add(&mine, stem, o->operation_id)) {
        f2c_error_set(&c->e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        tx_batch_fail(c, "publishing");
        goto done;
    }
    if (tx_pub_upload_run(c->blob, o->cdm_fs, "", o->sink.format, out_dir, &cur, stdout, &mine,
                          &uploaded, &c->e) != F2C_OK) {
        tx_batch_fail(c, "uploading a partition");
        fprintf(stderr,
                ME " transform-data: %zu partition blob(s) of this attempt uploaded and listed "
                   "nowhere (no task record); a retry rewrites them\n",
                uploaded);
        goto done;
    }
    if (mine.count != 1) {
        /* The local job names every partition after this input: anything else is a bug. */
        f2c_error_set(&c->e, F2C_ECONFIG, NULL, 0, 0, NULL,
                      "the local run wrote partitions of %zu (stem, operation id) pairs",
                      mine.count);
        tx_batch_fail(c, "publishing");
        goto done;
    }
    if (tx_pub_task_put(c->blob, o->cdm_fs, "", &mine.items[0], &c->e) != F2C_OK) {
        tx_batch_fail(c, "uploading the task record");
        goto done;
    }
    printf("transform-data: done: %s -> %zu %s partition(s) in container %s, operation %s "
           "(task record written)\n",
           base, uploaded, tx_pub_format_label(o->sink.format), o->cdm_fs, o->operation_id);
    rc = TX_EXIT_OK;
done:
    free(stem);
    tx_pub_tasks_free(&mine);
    tx_pub_published_free(&cur);
    return rc;
}

/*
 * transform-data with exportManifest: output[fileIndex]'s url, type and the manifest's
 * requiresAccessToken stand for inputBlobUri, resourceType and requiresAccessToken, so the task
 * then runs exactly as if they had been given (same stem, same partition names).  Returns 0, or
 * a TX_EXIT_* code after the message.
 */
static int take_manifest_entry(ctx *c)
{
    bopts *o = &c->o;
    unsigned long long i;
    if (need(o, o->file_index, "fileIndex (with exportManifest)")) return TX_EXIT_USAGE;
    if (tx_batch_parse_index(o->file_index, ~0ull >> 1, &i) != 0) {
        fprintf(stderr, ME " transform-data: fileIndex must be a whole number >= 0, got \"%s\"\n",
                o->file_index);
        return TX_EXIT_USAGE;
    }
    int rc = tx_batch_read_manifest(c);
    if (rc != 0) return rc;
    const f2c_bulk_manifest *m = &c->manifest;
    if (i >= m->noutput) {
        fprintf(stderr,
                ME " transform-data: error: fileIndex %llu is out of range: %s/%s lists %zu "
                   "output file(s)\n",
                i, o->cdm_fs, o->export_manifest, m->noutput);
        return TX_EXIT_USAGE;
    }
    const char *rat = m->requires_access_token ? "true" : "false";
    if (o->requires_token && strcasecmp(o->requires_token, rat) != 0) {
        fprintf(stderr,
                ME " transform-data: error: requiresAccessToken \"%s\" disagrees with the "
                   "manifest's %s\n",
                o->requires_token, rat);
        return TX_EXIT_USAGE;
    }
    o->input_uri = m->output[i].url;
    o->requires_token = rat;
    char shown[512];
    snprintf(shown, sizeof shown, "%.*s", (int)strcspn(o->input_uri, "?#"), o->input_uri);
    printf("transform-data: output[%llu] of %zu: %s %s (requiresAccessToken %s)\n", i, m->noutput,
           m->output[i].type, shown, rat);
    fflush(stdout);
    return 0;
}

/* The input's address from inputBlobUri (or the manifest entry) and requiresAccessToken: a blob
 * address, or with a bearer token a plain http(s) file URL whose path alone is kept in in->path.
 * Returns -1 to go on, or the exit code (printed). */
static int input_address(ctx *c, f2c_blob_addr *in, int *bearer)
{
    bopts *o = &c->o;
    if (o->export_manifest && o->input_uri)
        printf("transform-data: inputBlobUri given: exportManifest and fileIndex ignored\n");
    else if (o->export_manifest) {
        int mrc = take_manifest_entry(c);
        if (mrc != 0) return mrc;
    }
    if (need(o, o->input_uri, "inputBlobUri") || need(o, o->operation_id, "operationId"))
        return TX_EXIT_USAGE;
    *bearer = 0;
    /* ADF writes string() of the manifest's boolean: "True"/"False". */
    if (o->requires_token && strcasecmp(o->requires_token, "true") == 0)
        *bearer = 1;
    else if (o->requires_token && strcasecmp(o->requires_token, "false") != 0) {
        fprintf(stderr, ME " transform-data: requiresAccessToken must be true or false\n");
        return TX_EXIT_USAGE;
    }
    if (!*bearer) {
        if (f2c_blob_addr_parse(o->input_uri, in, &c->e) != F2C_OK)
            return tx_batch_fail(c, "inputBlobUri"), TX_EXIT_USAGE;
        return -1;
    }
    /* A plain file URL of the export: only its file name is needed here. */
    if (strncasecmp(o->input_uri, "https://", 8) != 0 &&
        strncasecmp(o->input_uri, "http://", 7) != 0) {
        fprintf(stderr, ME " transform-data: with requiresAccessToken the input must be an "
                           "http(s) URL\n");
        return TX_EXIT_USAGE;
    }
    size_t l = strcspn(o->input_uri, "?#");
    const char *host = strstr(o->input_uri, "://") + 3;
    const char *slash = strchr(host, '/');
    if (!slash || (size_t)(slash - o->input_uri) >= l) {
        /* "https://host" alone names no file (the partition names come from it). */
        fprintf(stderr, ME " transform-data: error: inputBlobUri names no file\n");
        return TX_EXIT_USAGE;
    }
    return (in->path = strndup(o->input_uri, l)) ? -1 : TX_EXIT_DATA;
}

/* Streams the input to <tmp>/in/<base> (path), from its blob (another account gets its own
 * client) or with a bearer token; a TX_EXIT_* code. */
static int fetch_input(ctx *c, const f2c_blob_addr *in, int bearer, const char *base, f2c_buf *path)
{
    const bopts *o = &c->o;
    f2c_blob_client *src = NULL;
    uint64_t size = 0;
    int rc = TX_EXIT_DATA;
    /* The input may live in another account (the FHIR service's export storage). */
    if (!bearer && strcmp(in->account, o->account) != 0 &&
        tx_pub_client_new(in->endpoint, in->account, o->mi_client_id, &src, &c->e) != F2C_OK)
        return tx_batch_fail(c, "input storage client");
    if (f2c_buf_printf(path, "%s/in", c->tmp) != 0 || mkdir(path->data, 0700) != 0 ||
        f2c_buf_printf(path, "/%s", base) != 0) {
        fprintf(stderr, ME " transform-data: error: cannot create %s: %s\n", path->data,
                strerror(errno));
    } else if (bearer) {
        rc = tx_batch_download_bearer(c, o->input_uri, path->data, &size);
    } else {
        printf("downloading %s/%s\n", in->container, in->path);
        fflush(stdout);
        if (tx_batch_download(src ? src : c->blob, in->container, in->path, path->data, &size,
                              &c->e) != F2C_OK)
            tx_batch_fail(c, "downloading the input");
        else
            rc = TX_EXIT_OK;
    }
    if (rc == TX_EXIT_OK) printf("downloaded %llu bytes\n", (unsigned long long)size);
    fflush(stdout);
    f2c_blob_client_free(src);
    return rc;
}

/* Before any work: the container must not hold the other format's record (checked again when
 * publishing).  Returns 0, or a TX_EXIT_* code after the message. */
static int check_container_format(ctx *c)
{
    tx_pub_published cur = {0};
    f2c_status st =
        tx_pub_read_published(c->blob, c->o.cdm_fs, "", c->o.sink.format, 0, &cur, &c->e);
    tx_pub_published_free(&cur);
    if (st == F2C_OK) return 0;
    tx_batch_fail(c, "reading the committed record");
    return st == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_DATA;
}

static int transform_data(ctx *c)
{
    f2c_blob_addr in = {0};
    int bearer = 0;
    int rc = input_address(c, &in, &bearer);
    if (rc >= 0) {
        f2c_blob_addr_free(&in);
        return rc;
    }
    f2c_buf cfg = {0}, in_path = {0}, out_dir = {0};
    const char *base = strrchr(in.path, '/');
    base = base ? base + 1 : in.path;
    rc = TX_EXIT_DATA;
    int early = 0;
    if (!*base || !tx_batch_safe_name(base)) {
        fprintf(stderr, ME " transform-data: error: inputBlobUri names no file\n");
        rc = TX_EXIT_USAGE;
    } else if (tx_batch_open_storage(c) == 0 && (early = check_container_format(c)) != 0) {
        rc = early;
    } else if (c->blob && tx_batch_fetch_config(c, &cfg) == 0 &&
               (rc = fetch_input(c, &in, bearer, base, &in_path)) == TX_EXIT_OK &&
               (rc = tx_batch_run_local(c, cfg.data, in_path.data, &out_dir)) == TX_EXIT_OK) {
        rc = c->o.merge ? tx_batch_merge_task(c, base, in_path.data)
                        : publish_task(c, base, out_dir.data);
    }
    f2c_blob_addr_free(&in);
    f2c_buf_free(&cfg);
    f2c_buf_free(&in_path);
    f2c_buf_free(&out_dir);
    return rc;
}

/* ---- finalize ----------------------------------------------------------------------------- */

/*
 * finalize, and generate-schema (schema_only): both commit model.json for the configuration
 * (tx_pub_commit; generate-schema without task records: the committed partitions again), so
 * generate-schema never drops partitions of earlier runs from a model.json readers use; it
 * publishes the entity definitions of a changed configuration before the fan-out and fails the
 * pipeline early on a broken configuration.  modifiedTime: finalize's is the export's
 * transactionTime; generate-schema keeps the current model.json's (the data has not changed yet),
 * and both fall back to the current time.
 */
static int finalize(ctx *c, int schema_only)
{
    bopts *o = &c->o;
    f2c_buf cfg = {0};
    f2c_tableset ts = {0};
    f2c_diags diags = {0};
    tx_pub_published cur = {0};
    tx_pub_tasks tasks = {0};
    tx_pub_outcome outcome = {0};
    int rc = TX_EXIT_DATA;
    char now[32];
    const char *mtime = NULL;
    if (tx_batch_open_storage(c) != 0) goto done;
    if (o->merge && !schema_only) {
        rc = tx_batch_merge_finalize(c);
        goto done;
    }
    if ((rc = tx_batch_commit_time(c, schema_only, now, sizeof now, &mtime)) != 0 ||
        (rc = tx_batch_load_tables(c, &cfg, &ts, &diags)) != 0)
        goto done;
    if (o->merge) { /* generate-schema: the merge's finalize commits the record with the data */
        printf("%s: merge mode: the configuration loads (%zu tables); %s/%s is committed by "
               "finalize, with the resource indexes\n",
               o->cmd, ts.count, o->cdm_fs, f2c_cdm_record_name(o->sink.format));
        rc = TX_EXIT_OK;
        goto done;
    }
    rc = TX_EXIT_DATA;
    f2c_status st;
    /* The new record: the committed partitions, minus the pairs this operation's task records
     * cover, plus theirs (tx_publish.h); model.json is the commit point, the state follows. */
    if (tx_pub_read_published(c->blob, o->cdm_fs, "", o->sink.format, 0, &cur, &c->e) != F2C_OK) {
        tx_batch_fail(c, "reading the committed record");
        if (c->e.status == F2C_EUSAGE) rc = TX_EXIT_USAGE; /* the other format's container */
        goto done;
    }
    if (cur.migrated)
        printf("%s: model.json was written by an earlier release: its %zu partition blob(s) "
               "under %s/data/ are taken as committed (once)\n",
               o->cmd, cur.ncommitted, o->cdm_fs);
    if (!schema_only && o->operation_id) {
        if (!tx_valid_opid(o->operation_id)) {
            fprintf(stderr, ME " %s: operationId must be 1 to 64 of A-Z a-z 0-9 _ -\n", o->cmd);
            rc = TX_EXIT_USAGE;
            goto done;
        }
        if (tx_pub_read_tasks(c->blob, o->cdm_fs, "", o->operation_id, &tasks, &c->e) != F2C_OK) {
            tx_batch_fail(c, "reading the task records");
            if (c->e.status == F2C_EUSAGE) rc = TX_EXIT_USAGE; /* merge-mode records */
            goto done;
        }
        printf("%s: %zu task record(s) of operation %s\n", o->cmd, tasks.count, o->operation_id);
    }
    fflush(stdout);
    st = tx_pub_commit(c->blob, o->cdm_fs, "", &ts, &o->sink, mtime, &cur, &tasks, stderr, &outcome,
                       &c->e);
    const char *record = f2c_cdm_record_name(o->sink.format);
    if (st != F2C_OK) {
        tx_batch_fail(c, strcmp(o->sink.format, "parquet") == 0 ? "writing the manifest"
                                                                : "writing model.json");
        if (st == F2C_EUSAGE) rc = TX_EXIT_USAGE; /* tasks of another format */
        goto done;
    }
    printf("%s: done: wrote %s/%s (%s; %zu entities, %zu partitions, modifiedTime %s)\n", o->cmd,
           o->cdm_fs, record, tx_pub_format_label(o->sink.format), ts.count, outcome.listed, mtime);
    if (!schema_only && tx_batch_write_state(c) != 0) goto done;
    if (outcome.ngarbage) {
        size_t gone = tx_pub_cleanup(c->blob, o->cdm_fs, &outcome, stderr);
        printf("%s: deleted %zu replaced partition blob(s) and consumed task record(s)\n", o->cmd,
               gone);
    }
    /* [BD "Bulk Data Delete Request"]: the files are in model.json now; best effort. */
    if (!schema_only && o->operation_id) {
        tx_bx_caller who = tx_batch_caller(o);
        who.audience = o->fhir_audience ? o->fhir_audience : o->fhir_url;
        tx_bx_delete_job(c->blob, o->cdm_fs, o->operation_id, &who, o->cmd);
    }
    rc = TX_EXIT_OK;
done:
    tx_pub_outcome_free(&outcome);
    tx_pub_tasks_free(&tasks);
    tx_pub_published_free(&cur);
    f2c_diags_free(&diags);
    f2c_schema_free(&ts, NULL);
    f2c_buf_free(&cfg);
    return rc;
}

/* ---- bulk-export -------------------------------------------------------------------------- */

/* The export runs in tx_batch_export.c; here only the values and the storage client. */
static int bulk_export(ctx *c)
{
    const bopts *o = &c->o;
    unsigned long long wait = 86400;
    if (need(o, o->operation_id, "operationId") || need(o, o->fhir_url, "fhirUrl"))
        return TX_EXIT_USAGE;
    if (o->max_wait &&
        tx_parse_range(ME " bulk-export", "--max-wait", o->max_wait, 1, 31536000, &wait) != 0)
        return TX_EXIT_USAGE;
    if (tx_batch_open_storage(c) != 0) return TX_EXIT_DATA;
    tx_bx_opts x = {.cmd = o->cmd,
                    .blob = c->blob,
                    .cdm_fs = o->cdm_fs,
                    .operation_id = o->operation_id,
                    .fhir_url = o->fhir_url,
                    .audience = o->fhir_audience,
                    .export_types = o->export_types,
                    .since = o->since,
                    .group_id = o->group_id,
                    .who = tx_batch_caller(o),
                    .max_wait_s = (long)wait};
    return tx_bx_export(&x);
}

/* ---- entry -------------------------------------------------------------------------------- */

static void usage(FILE *f, const char *cmd)
{
    fprintf(
        f,
        "Usage: " ME " %s [--adf-activity activity.json] [options]\n"
        "Azure Batch task mode (docs/azure.md section 5).  Options (override the file's\n"
        "typeProperties.extendedProperties):\n"
        "  --adlsAccount NAME  --cdmFileSystem CONTAINER  --configurationContainer CONTAINER\n"
        "  --configurationKind tables|views  --operationId ID  --maxDepth N\n"
        "  --storageEndpointSuffix SUFFIX  --storageEndpoint URL (emulator / custom)\n"
        "  --managedIdentityClientId ID\n"
        "  transform-data, finalize, generate-schema: --format csv|parquet (default csv;\n"
        "    the tasks and finalize must agree) [--compression zstd|snappy|none]\n"
        "    [--decimal P,S] (Parquet only; as fhir2cdm-transform --help)\n"
        "  transform-data, finalize, generate-schema: --mode append|merge (default append;\n"
        "    merge: one current version of every resource, docs/azure.md section 5)\n"
        "  transform-data: [--threads N] worker threads (default: the online CPUs; the\n"
        "    template passes the VM's cores per task slot)\n"
        "  transform-data: --inputBlobUri URL [--requiresAccessToken true|false]\n"
        "    [--fhirUrl URL] [--fhirAudience AUDIENCE] [--clientId ID --tenantId TENANT]\n"
        "    or --exportManifest BLOB --fileIndex N (output[N] of the manifest bulk-export\n"
        "    stored: its url, type and requiresAccessToken)\n"
        "  finalize: --transactionTime INSTANT [--fileCount N] or --exportManifest BLOB\n"
        "    (then the export job is DELETEd after the commit, best effort)\n"
        "  bulk-export: --fhirUrl URL --operationId ID [--exportTypes T1,T2] [--since INSTANT]\n"
        "    [--groupId ID] [--max-wait SECONDS (86400)] [--fhirAudience A]\n"
        "    [--clientId ID --tenantId TENANT]: stores the manifest as\n"
        "    <cdmFileSystem>/" TX_BX_EXPORTS_DIR "<operationId>/manifest.json and writes\n"
        "    ./" TX_BX_OUTPUTS_FILE " (manifest, fileCount, transactionTime, requiresAccessToken)\n"
        "Credentials from the environment only: FHIR2CDM_STORAGE_KEY (Shared Key) or\n"
        "FHIR2CDM_STORAGE_SAS, else the managed identity (FHIR2CDM_IMDS_ENDPOINT overrides\n"
        "the IMDS address).  FHIR2CDM_STORAGE_ENDPOINT: custom Blob endpoint.\n"
        "FHIR server calls (bulk-export, finalize's DELETE) and requiresAccessToken inputs:\n"
        "FHIR2CDM_FHIR_TOKEN (bearer token), else a token for the audience (--fhirAudience,\n"
        "default fhirUrl) from client credentials (--clientId/--tenantId; the secret from\n"
        "FHIR2CDM_FHIR_CLIENT_SECRET, else read from Key Vault --keyVaultUri URI\n"
        "--clientSecretName NAME with the managed identity) or the managed identity.\n"
        "No option is repeatable: each may be given once (twice is a usage error).\n",
        cmd);
}

/* Every flag of the Batch subcommands: its name (activity.json's key where there is one) and the
 * option it sets; one table instead of a getopt table plus a switch. */
static const struct {
    const char *name;
    size_t off; /* of a const char * in bopts */
} batch_flags[] = {
    {"inputBlobUri", offsetof(bopts, input_uri)},
    {"adlsAccount", offsetof(bopts, account)},
    {"storageEndpointSuffix", offsetof(bopts, suffix)},
    {"cdmFileSystem", offsetof(bopts, cdm_fs)},
    {"configurationContainer", offsetof(bopts, config_container)},
    {"configurationKind", offsetof(bopts, config_kind)},
    {"operationId", offsetof(bopts, operation_id)},
    {"maxDepth", offsetof(bopts, max_depth)},
    {"managedIdentityClientId", offsetof(bopts, mi_client_id)},
    {"transactionTime", offsetof(bopts, transaction_time)},
    {"storageEndpoint", offsetof(bopts, endpoint)},
    {"adf-activity", offsetof(bopts, activity)},
    {"requiresAccessToken", offsetof(bopts, requires_token)},
    {"fhirUrl", offsetof(bopts, fhir_url)},
    {"fhirAudience", offsetof(bopts, fhir_audience)},
    {"clientId", offsetof(bopts, client_id)},
    {"tenantId", offsetof(bopts, tenant_id)},
    {"keyVaultUri", offsetof(bopts, key_vault_uri)},
    {"clientSecretName", offsetof(bopts, secret_name)},
    {"exportTypes", offsetof(bopts, export_types)},
    {"since", offsetof(bopts, since)},
    {"groupId", offsetof(bopts, group_id)},
    {"max-wait", offsetof(bopts, max_wait)},
    {"exportManifest", offsetof(bopts, export_manifest)},
    {"fileIndex", offsetof(bopts, file_index)},
    {"fileCount", offsetof(bopts, file_count)},
    {"format", offsetof(bopts, format)},
    {"compression", offsetof(bopts, compression)},
    {"decimal", offsetof(bopts, decimal)},
    {"threads", offsetof(bopts, threads_arg)},
    {"mode", offsetof(bopts, mode_arg)},
};
#define NFLAGS (sizeof batch_flags / sizeof batch_flags[0])
#define FLAG_CODE 256 /* getopt_long's val of batch_flags[i] is FLAG_CODE + i */

/* Parses argv into c->o.  Returns -1 to go on, or the exit code (help, usage error). */
static int parse_flags(ctx *c, int argc, char **argv)
{
    bopts *o = &c->o;
    struct option opts[NFLAGS + 2];
    for (size_t i = 0; i < NFLAGS; i++)
        opts[i] = (struct option){batch_flags[i].name, required_argument, NULL, FLAG_CODE + (int)i};
    opts[NFLAGS] = (struct option){"help", no_argument, NULL, 'h'};
    opts[NFLAGS + 1] = (struct option){NULL, 0, NULL, 0};
    int ch, given[TX_OPT_CODES] = {0};
    char prog[64];
    snprintf(prog, sizeof prog, ME " %s", o->cmd);
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (tx_once_opt(prog, opts, NULL, ch, given) != 0) return TX_EXIT_USAGE;
        if (ch >= FLAG_CODE && ch < FLAG_CODE + (int)NFLAGS) {
            *(const char **)((char *)o + batch_flags[ch - FLAG_CODE].off) = optarg;
            continue;
        }
        usage(ch == 'h' ? stdout : stderr, o->cmd);
        return ch == 'h' ? TX_EXIT_OK : TX_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, ME " %s: unexpected argument \"%s\"\n", o->cmd, argv[optind]);
        return TX_EXIT_USAGE;
    }
    return -1;
}

/*
 * The output format from --format/--compression/--decimal (or activity.json's "format",
 * "compression", "decimal") into o->sink, checked by the parser every entry point uses
 * (tx_parse_job_option: the same values and messages as the local command); --compression and
 * --decimal apply to Parquet only.  0 or -1 (printed).
 */
static int check_format(bopts *o)
{
    char prog[64];
    snprintf(prog, sizeof prog, ME " %s", o->cmd);
    tx_options to = {0};
    f2c_fp_limits lim = {0};
    const struct {
        int code;
        const char *value;
    } given[] = {{TX_OPT_FORMAT, o->format},
                 {TX_OPT_COMPRESSION, o->compression},
                 {TX_OPT_DECIMAL, o->decimal},
                 {TX_OPT_THREADS, o->threads_arg}};
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
        if (given[i].value && tx_parse_job_option(prog, given[i].code, given[i].value, &to, &lim))
            return -1;
    int parquet = to.sink.format && strcmp(to.sink.format, "parquet") == 0;
    if (!parquet && (o->compression || o->decimal)) {
        fprintf(stderr, "%s: --%s applies to --format parquet only\n", prog,
                o->compression ? "compression" : "decimal");
        return -1;
    }
    o->sink = to.sink;
    o->threads = to.threads;
    if (!o->sink.format) o->sink.format = "csv";
    return 0;
}

/* The values every subcommand needs, from flags and activity.json; 0 or -1 (printed). */
static int check_values(bopts *o)
{
    if (o->activity && load_activity(o) != 0) return -1;
    int exporting = strcmp(o->cmd, "bulk-export") == 0;
    if (need(o, o->account, "adlsAccount") || need(o, o->cdm_fs, "cdmFileSystem") ||
        (!exporting && need(o, o->config_container, "configurationContainer")))
        return -1;
    o->depth = F2C_DEFAULT_MAX_DEPTH;
    if (o->max_depth) {
        char *end;
        unsigned long v = strtoul(o->max_depth, &end, 10);
        if (!*o->max_depth || *end || o->max_depth[0] == '-' || v == 0 || v > 64) {
            fprintf(stderr, ME " %s: maxDepth must be 1..64, got \"%s\"\n", o->cmd, o->max_depth);
            return -1;
        }
        o->depth = (int)v;
    }
    if (o->config_kind && strcmp(o->config_kind, "tables") && strcmp(o->config_kind, "views")) {
        fprintf(stderr, ME " %s: configurationKind must be tables or views\n", o->cmd);
        return -1;
    }
    if (o->mode_arg && strcmp(o->mode_arg, "append") && strcmp(o->mode_arg, "merge")) {
        fprintf(stderr, ME " %s: --mode must be append or merge, got \"%s\"\n", o->cmd,
                o->mode_arg);
        return -1;
    }
    if (o->mode_arg && exporting) {
        fprintf(stderr,
                ME " %s: --mode applies to transform-data, finalize and "
                   "generate-schema\n",
                o->cmd);
        return -1;
    }
    o->merge = o->mode_arg && strcmp(o->mode_arg, "merge") == 0;
    return check_format(o);
}

/* Runs the subcommand in a private temporary folder (removed after); a TX_EXIT_* code. */
static int run_in_tmp(ctx *c)
{
    const bopts *o = &c->o;
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    snprintf(c->tmp, sizeof c->tmp, "%s/fhir2cdm-batch-XXXXXX", tmpdir);
    if (!mkdtemp(c->tmp)) {
        fprintf(stderr, ME " %s: cannot create a temporary folder in %s: %s\n", o->cmd, tmpdir,
                strerror(errno));
        c->tmp[0] = '\0';
        return TX_EXIT_DATA;
    }
    printf("%s: start (operation %s)\n", o->cmd, o->operation_id ? o->operation_id : "-");
    fflush(stdout);
    int rc = strcmp(o->cmd, "bulk-export") == 0      ? bulk_export(c)
             : strcmp(o->cmd, "transform-data") == 0 ? transform_data(c)
             : strcmp(o->cmd, "finalize") == 0       ? finalize(c, 0)
                                                     : finalize(c, 1);
    (void)f2c_fs_remove_tree(c->tmp);
    return rc;
}

int tx_batch_main(int argc, char **argv)
{
    ctx c = {.o = {.cmd = argv[0]}};
    int rc = parse_flags(&c, argc, argv);
    if (rc >= 0) return rc;
    rc = TX_EXIT_USAGE;
    if (check_values(&c.o) == 0) {
        if (f2c_blob_global_init(&c.e) != F2C_OK) {
            rc = tx_batch_fail(&c, "libcurl");
        } else {
            rc = run_in_tmp(&c);
            f2c_bulk_manifest_free(&c.manifest);
            f2c_blob_client_free(c.blob);
            f2c_blob_global_cleanup();
        }
    }
    if (rc != TX_EXIT_OK) fprintf(stderr, ME " %s: failed (exit %d)\n", c.o.cmd, rc);
    cJSON_Delete(c.o.activity_doc);
    fflush(stdout);
    return rc;
}
