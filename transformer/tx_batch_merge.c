/*
 * tx_batch_merge: Batch mode's merge (--mode merge; docs/azure.md section 5, "Merge mode").
 *
 * Why the merge happens in finalize, on one node: which version of a resource wins is decided
 * across all of an export's files (meta.lastUpdated, then input order), and copy-on-write must
 * see every change of an entity before it rewrites a partition; tasks run in parallel and in any
 * order, so none of them can commit a merge.  A merge's input is the change since the last export
 * -- small by nature -- so finalize transforms it whole with the local job (tx_run, merge mode)
 * into a sparse mirror of the container's folder (tx_mirror.h) and publishes that, exactly as
 * `export --output <blob URL> --mode merge` does: one code path for the merge, one for the blob
 * commit.  The fan-out keeps its use: each transform-data task runs the local job over its file
 * (the same checks and exit codes as in append mode, so a bad file fails its own task), then keeps
 * a copy of the input in the container and writes its task record last; finalize merges exactly
 * the files whose tasks succeeded.  Full loads are what append mode's fan-out is for.
 *
 * Task area: <cdm>/.fhir2cdm/tasks/<operationId>/<escaped stem>.json (the record: operationId,
 * stem, "mode": "merge", file, input) and <escaped stem>.input (the copy).  finalize deletes both
 * after its commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_render.h"

#include "tx_batch_int.h"
#include "tx_job.h"
#include "tx_mirror.h"
#include "tx_publish.h"
#include "tx_util.h"

/* The input file name's stem, as the local job names partitions (malloc'ed; NULL: no memory). */
static char *stem_of(const char *base)
{
    char *stem = strdup(base);
    size_t n = stem ? strlen(stem) : 0;
    if (n > 10 && strcmp(stem + n - 10, ".ndjson.gz") == 0)
        stem[n - 10] = '\0';
    else if (n > 7 && strcmp(stem + n - 7, ".ndjson") == 0)
        stem[n - 7] = '\0';
    return stem;
}

/* The task area's blob names of stem: the record (.json) and the input copy (.input). */
static int task_names(const ctx *c, const char *stem, f2c_buf *record, f2c_buf *input)
{
    if (tx_pub_task_blob(record, "", stem, c->o.operation_id) != 0) return -1;
    return f2c_buf_printf(input, "%.*s.input", (int)(record->len - 5), record->data);
}

static char *record_text(const ctx *c, const char *stem, const char *base, const char *input)
{
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "operationId", c->o.operation_id) &&
             cJSON_AddStringToObject(doc, "stem", stem) &&
             cJSON_AddStringToObject(doc, "mode", "merge") &&
             cJSON_AddStringToObject(doc, "file", base) &&
             cJSON_AddStringToObject(doc, "input", input);
    char *text = ok ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    return text;
}

int tx_batch_merge_task(ctx *c, const char *base, const char *input)
{
    const bopts *o = &c->o;
    char *stem = stem_of(base), *text = NULL;
    f2c_buf rec = {0}, in = {0};
    int rc = TX_EXIT_DATA;
    if (!stem || task_names(c, stem, &rec, &in) != 0 ||
        !(text = record_text(c, stem, base, in.data))) {
        f2c_error_set(&c->e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        tx_batch_fail(c, "publishing");
    } else if (tx_pub_task_forget(c->blob, o->cdm_fs, "", stem, o->operation_id, &c->e) != F2C_OK) {
        tx_batch_fail(c, "removing the task record of an earlier attempt");
    } else if (tx_pub_upload_file(c->blob, o->cdm_fs, in.data, input, "application/x-ndjson",
                                  &c->e) != F2C_OK) {
        tx_batch_fail(c, "keeping the input for finalize");
    } else if (f2c_blob_put(c->blob, o->cdm_fs, rec.data, text, strlen(text), "application/json",
                            &c->e) != F2C_OK) {
        tx_batch_fail(c, "uploading the task record");
    } else {
        printf("transform-data: done: %s checked (merge mode: finalize merges it); kept as "
               "%s/%s, task record written\n",
               base, o->cdm_fs, in.data);
        rc = TX_EXIT_OK;
    }
    free(text);
    free(stem);
    f2c_buf_free(&rec);
    f2c_buf_free(&in);
    return rc;
}

/* ---- finalize ----------------------------------------------------------------------------- */

typedef struct mtask {
    char *stem, *file, *record, *input; /* owned; record and input are blob names */
} mtask;

typedef struct mtasks {
    mtask *v;
    size_t n, cap;
    char **inputs, **deleted; /* local paths, owned (inputs in v's order) */
    size_t ndeleted;
} mtasks;

static void mtasks_free(mtasks *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].stem);
        free(t->v[i].file);
        free(t->v[i].record);
        free(t->v[i].input);
        if (t->inputs) free(t->inputs[i]);
    }
    for (size_t i = 0; i < t->ndeleted; i++)
        free(t->deleted[i]);
    free(t->v);
    free(t->inputs);
    free(t->deleted);
    memset(t, 0, sizeof *t);
}

static const char *str_member(const cJSON *doc, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Why record text (blob `name`) is not a merge task record of this operation, or NULL; *usage
 * set when it is an append-mode record (a mode mismatch, not damage). */
static const char *check_record(const ctx *c, const cJSON *doc, const char *name, int *usage)
{
    const char *op = str_member(doc, "operationId"), *stem = str_member(doc, "stem");
    const char *file = str_member(doc, "file"), *input = str_member(doc, "input");
    const char *mode = str_member(doc, "mode");
    if (!mode && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "partitions"))) {
        *usage = 1;
        return "was written by transform-data in append mode; run finalize with --mode append, "
               "or the tasks again with --mode merge";
    }
    if (!op || !stem || !file || !input || !mode || strcmp(mode, "merge") != 0)
        return "not a merge task record (operationId, stem, mode, file, input)";
    if (strcmp(op, c->o.operation_id) != 0) return "names another operation id";
    if (strchr(file, '/') || !tx_batch_safe_name(file)) return "its file is not a file name";
    char *s = stem_of(file);
    f2c_buf rec = {0}, in = {0};
    const char *why = !s || task_names(c, stem, &rec, &in) != 0 ? "out of memory"
                      : strcmp(s, stem) != 0                    ? "its file does not give its stem"
                      : strcmp(rec.data, name) != 0             ? "its stem does not give its name"
                      : strcmp(in.data, input) != 0             ? "its input is not its stem's copy"
                                                                : NULL;
    free(s);
    f2c_buf_free(&rec);
    f2c_buf_free(&in);
    return why;
}

static int read_record(ctx *c, const char *name, mtasks *t)
{
    f2c_buf text = {0};
    if (tx_pub_get_text(c->blob, c->o.cdm_fs, name, 0, 0, &text, &c->e) != F2C_OK)
        return tx_batch_fail(c, "reading a task record");
    cJSON *doc = cJSON_ParseWithLength(text.data ? text.data : "", text.len);
    f2c_buf_free(&text);
    int usage = 0;
    const char *why = check_record(c, doc, name, &usage);
    if (why) {
        fprintf(stderr, ME " finalize: error: task record %s/%s: %s\n", c->o.cdm_fs, name, why);
        cJSON_Delete(doc);
        return usage ? TX_EXIT_USAGE : TX_EXIT_DATA;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        mtask *v = realloc(t->v, cap * sizeof *v);
        if (!v) goto nomem;
        t->v = v;
        t->cap = cap;
    }
    mtask *m = &t->v[t->n];
    *m = (mtask){strdup(str_member(doc, "stem")), strdup(str_member(doc, "file")), strdup(name),
                 strdup(str_member(doc, "input"))};
    t->n++;
    cJSON_Delete(doc);
    if (m->stem && m->file && m->record && m->input) return 0;
    return TX_EXIT_DATA;
nomem:
    cJSON_Delete(doc);
    fprintf(stderr, ME " finalize: error: out of memory\n");
    return TX_EXIT_DATA;
}

/* Every merge task record of the operation, in name order. */
static int read_records(ctx *c, mtasks *t)
{
    f2c_buf where = {0};
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    if (f2c_buf_printf(&where, TX_PUB_TASKS_DIR "%s/", c->o.operation_id) != 0 ||
        tx_pub_list(c->blob, c->o.cdm_fs, where.data, &names, NULL, &n, &c->e) != F2C_OK)
        rc = tx_batch_fail(c, "listing the task records");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t len = strlen(names[i]);
        if (len > 5 && strcmp(names[i] + len - 5, ".json") == 0 &&
            !strchr(names[i] + where.len, '/'))
            rc = read_record(c, names[i], t);
    }
    tx_pub_free_names(names, n);
    f2c_buf_free(&where);
    if (rc == 0)
        printf("finalize: %zu task record(s) of operation %s (merge mode)\n", t->n,
               c->o.operation_id);
    return rc;
}

/* Each task's input copy into <tmp>/in/<file>. */
static int fetch_inputs(ctx *c, mtasks *t)
{
    f2c_buf dir = {0}, path = {0};
    int rc = 0;
    if (!(t->inputs = calloc(t->n ? t->n : 1, sizeof *t->inputs)) ||
        f2c_buf_printf(&dir, "%s/in", c->tmp) != 0 || mkdir(dir.data, 0700) != 0) {
        fprintf(stderr, ME " finalize: error: cannot create %s/in: %s\n", c->tmp, strerror(errno));
        rc = TX_EXIT_DATA;
    }
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        uint64_t size = 0;
        f2c_buf_reset(&path);
        if (f2c_buf_printf(&path, "%s/%s", dir.data, t->v[i].file) != 0 ||
            !(t->inputs[i] = strdup(path.data)))
            rc = TX_EXIT_DATA;
        else if (tx_batch_download(c->blob, c->o.cdm_fs, t->v[i].input, path.data, &size, &c->e) !=
                 F2C_OK)
            rc = tx_batch_fail(c, "downloading a task's input");
        else
            printf("finalize: input %s: %llu bytes\n", t->v[i].file, (unsigned long long)size);
    }
    f2c_buf_free(&dir);
    f2c_buf_free(&path);
    return rc;
}

/* deleted[i] of the manifest into path: with the token when the manifest requires one, else as a
 * blob (another account gets its own client), as transform-data fetches output files. */
static int fetch_one_deleted(ctx *c, const char *url, const char *path)
{
    uint64_t size = 0;
    if (c->manifest.requires_access_token) return tx_batch_download_bearer(c, url, path, &size);
    f2c_blob_addr a = {0};
    f2c_blob_client *src = NULL;
    int rc = TX_EXIT_DATA;
    if (f2c_blob_addr_parse(url, &a, &c->e) != F2C_OK)
        tx_batch_fail(c, "a deletion file's address");
    else if (strcmp(a.account, c->o.account) != 0 &&
             tx_pub_client_new(a.endpoint, a.account, c->o.mi_client_id, &src, &c->e) != F2C_OK)
        tx_batch_fail(c, "the deletion file's storage client");
    else if (tx_batch_download(src ? src : c->blob, a.container, a.path, path, &size, &c->e) !=
             F2C_OK)
        tx_batch_fail(c, "downloading a deletion file");
    else
        rc = TX_EXIT_OK;
    f2c_blob_client_free(src);
    f2c_blob_addr_free(&a);
    return rc;
}

/* The manifest's deletion files ([BD "Response - Complete Status"], deleted) into
 * <tmp>/deleted/<i>/<the URL's file name, or deleted.ndjson>.  Nothing without exportManifest. */
static int fetch_deleted(ctx *c, mtasks *t)
{
    if (!c->o.export_manifest) return 0;
    f2c_buf text = {0}, path = {0};
    int rc = 0;
    if (tx_pub_get_text(c->blob, c->o.cdm_fs, c->o.export_manifest, 0, 0, &text, &c->e) != F2C_OK ||
        f2c_bulk_manifest_read_deleted(text.data ? text.data : "", text.len, &c->manifest, &c->e) !=
            F2C_OK)
        rc = tx_batch_fail(c, "the export manifest's deleted[]");
    f2c_buf_free(&text);
    size_t n = rc == 0 ? c->manifest.ndeleted : 0;
    if (n && !(t->deleted = calloc(n, sizeof *t->deleted))) rc = TX_EXIT_DATA;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *url = c->manifest.deleted[i].url;
        char *name = tx_url_file_name(url);
        f2c_buf_reset(&path);
        if (!name || f2c_buf_printf(&path, "%s/deleted-%zu", c->tmp, i) != 0 ||
            f2c_fs_mkdirs(path.data, 0700) != 0 ||
            f2c_buf_printf(&path, "/%s", tx_safe_file_name(name) ? name : "deleted.ndjson") != 0 ||
            !(t->deleted[i] = strdup(path.data))) {
            fprintf(stderr, ME " finalize: error: cannot create %s: %s\n", path.data,
                    strerror(errno));
            rc = TX_EXIT_DATA;
        } else {
            t->ndeleted = i + 1;
            rc = fetch_one_deleted(c, url, path.data);
        }
        free(name);
    }
    if (rc == 0 && n) printf("finalize: %zu deletion file(s) from the manifest\n", n);
    f2c_buf_free(&path);
    return rc;
}

/* The local job, merge mode, over the inputs and deletion files into the mirror. */
static int merge_run(ctx *c, const char *cfg, const mtasks *t, const char *dir, tx_mirror *m,
                     const char *mtime)
{
    const bopts *o = &c->o;
    const char *views[1] = {cfg};
    tx_options to = {.config_dir = tx_batch_is_views(o) ? NULL : cfg,
                     .views = views,
                     .nviews = tx_batch_is_views(o) ? 1 : 0,
                     .output_dir = dir,
                     .summary_dir = o->cdm_fs, /* where the partitions end up */
                     .inputs = (const char **)t->inputs,
                     .ninputs = t->n,
                     .max_depth = o->depth,
                     .operation_id = o->operation_id,
                     .max_line = F2C_NDJSON_DEFAULT_MAX_LINE,
                     .sink = o->sink,
                     .threads = o->threads,
                     .merge = 1,
                     .deleted = (const char **)t->deleted,
                     .ndeleted = t->ndeleted,
                     .fetch = tx_mirror_fetcher(m),
                     .modified_time = mtime};
    fflush(stdout);
    int jrc = tx_run(&to);
    fflush(stdout);
    return jrc;
}

/* After the commit: the task records and input copies (best effort: a leftover is named). */
static void consume(ctx *c, const mtasks *t)
{
    size_t gone = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *names[2] = {t->v[i].record, t->v[i].input};
        for (int k = 0; k < 2; k++) {
            int del = 0;
            if (f2c_blob_delete(c->blob, c->o.cdm_fs, names[k], &del, &c->e) != F2C_OK)
                fprintf(stderr, ME " finalize: warning: could not delete %s/%s (%s); left alone\n",
                        c->o.cdm_fs, names[k], c->e.message);
            gone += del != 0;
        }
    }
    if (gone) printf("finalize: deleted %zu task record(s) and input copies\n", gone);
}

/* The mirror of the container's folder, merged into by the local job, then published. */
static int merge_and_publish(ctx *c, const char *cfg, const mtasks *t, const char *mtime,
                             int *committed)
{
    f2c_buf dir = {0};
    tx_mirror *m = NULL;
    int rc = TX_EXIT_DATA;
    if (f2c_buf_printf(&dir, "%s/cdm", c->tmp) != 0 || mkdir(dir.data, 0700) != 0) {
        fprintf(stderr, ME " finalize: error: cannot create %s/cdm: %s\n", c->tmp, strerror(errno));
    } else if (tx_mirror_open(c->blob, c->o.cdm_fs, "", c->o.sink.format, dir.data, stderr, &m,
                              &c->e) != F2C_OK) {
        rc = c->e.status == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_DATA;
        tx_batch_fail(c, "mirroring the folder");
    } else if ((rc = merge_run(c, cfg, t, dir.data, m, mtime)) == TX_EXIT_OK ||
               rc == TX_EXIT_DATA) {
        tx_mirror_outcome out;
        int jrc = rc;
        if (tx_mirror_publish(m, c->blob, stderr, &out, &c->e) != F2C_OK) {
            rc = c->e.status == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_DATA;
            tx_batch_fail(c, "publishing the merge");
        } else {
            printf("finalize: merge: %zu committed blob(s) downloaded to rewrite, %zu blob(s) "
                   "uploaded, %s/%s committed, %zu replaced blob(s) deleted\n",
                   out.fetched, out.uploaded, c->o.cdm_fs, f2c_cdm_record_name(c->o.sink.format),
                   out.deleted);
            *committed = 1;
            rc = out.refused ? TX_EXIT_DATA : jrc;
        }
    }
    tx_mirror_free(m);
    f2c_buf_free(&dir);
    return rc;
}

/* The record's modifiedTime in the UTC form the job writes (the manifest's transactionTime may
 * carry an offset or a fraction). */
static int utc_time(const char *t, f2c_buf *out)
{
    const char *why;
    return f2c_render_datetime(t, strlen(t), F2C_T_INSTANT, out, &why) == F2C_RENDER_OK ? 0 : -1;
}

int tx_batch_merge_finalize(ctx *c)
{
    const bopts *o = &c->o;
    if (!o->operation_id || !*o->operation_id || !tx_valid_opid(o->operation_id)) {
        fprintf(stderr, ME " finalize: --mode merge needs operationId (1 to 64 of A-Z a-z 0-9 _ "
                           "-)\n");
        return TX_EXIT_USAGE;
    }
    f2c_buf cfg = {0}, mt = {0};
    mtasks t = {0};
    int committed = 0;
    char now[32];
    const char *mtime = NULL;
    int rc = tx_batch_open_storage(c) != 0 ? TX_EXIT_DATA : 0;
    if (rc == 0) rc = tx_batch_commit_time(c, 0, now, sizeof now, &mtime);
    if (rc == 0 && utc_time(mtime, &mt) != 0) {
        fprintf(stderr, ME " finalize: error: transactionTime \"%s\" is not an instant\n", mtime);
        rc = TX_EXIT_USAGE;
    }
    if (rc == 0 && tx_batch_fetch_config(c, &cfg) != 0) rc = TX_EXIT_DATA;
    if (rc == 0) rc = read_records(c, &t);
    if (rc == 0) rc = fetch_deleted(c, &t);
    if (rc == 0) rc = fetch_inputs(c, &t);
    if (rc == 0 && (t.n || t.ndeleted))
        rc = merge_and_publish(c, cfg.data, &t, mt.data, &committed);
    else if (rc == 0 && (committed = 1))
        printf("finalize: nothing to merge (no task record, no deletion file): %s/%s unchanged\n",
               o->cdm_fs, f2c_cdm_record_name(o->sink.format));
    /* The state advances only with a clean commit; what was committed consumes the records. */
    if (rc == TX_EXIT_OK && tx_batch_write_state(c) != 0) rc = TX_EXIT_DATA;
    if (committed) consume(c, &t);
    if (rc == TX_EXIT_OK && o->export_manifest) {
        tx_bx_caller who = tx_batch_caller(o);
        who.audience = o->fhir_audience ? o->fhir_audience : o->fhir_url;
        tx_bx_delete_job(c->blob, o->cdm_fs, o->operation_id, &who, o->cmd);
    }
    mtasks_free(&t);
    f2c_buf_free(&cfg);
    f2c_buf_free(&mt);
    return rc;
}
