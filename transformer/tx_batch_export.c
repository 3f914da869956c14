/*
 * tx_batch_export: Bulk Data $export inside the Batch mode (tx_batch_export.h).
 *
 * Why it is shaped so:
 *  - The protocol is f2c_bulk's (kick-off, polling with Retry-After / X-Progress, manifest,
 *    DELETE): a 202's body is never read, whatever it is (empty, text/plain, HTML, JSON); the
 *    status URL comes from Content-Location.  This file adds what the pipeline needs around it.
 *  - The manifest is stored as the server sent it (f2c_bulk_opts.manifest_body), after
 *    f2c_bulk_manifest_parse accepted it, with one Put Blob: a reader sees it whole or not at
 *    all, and transform-data / finalize parse the same bytes with the same parser.
 *  - ADF gets only outputs.json (a few hundred bytes, whatever the export's size): the blob name,
 *    the file count, transactionTime and requiresAccessToken; the fan-out iterates over
 *    fileIndex 0..fileCount-1.
 *  - The status URL is kept in status.json beside the manifest so finalize can DELETE the job
 *    after its commit; a retried bulk-export first DELETEs the job its earlier attempt started.
 *  - The total deadline (--max-wait) is enforced before each wait between polls through
 *    f2c_bulk's cancel flag, a local of tx_bx_export (no global state); the job is then DELETEd.
 *  - Secrets: tokens come from the environment or a token provider (tx_bx_auth) and go through
 *    f2c_bulk, which registers them with the redactor; URLs are printed without their query.
 */
#include "tx_batch_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_keyvault.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_type.h"

#include "tx_job.h"
#include "tx_publish.h"
#include "tx_util.h"

#define ME "fhir2cdm-transform"

/* ---- small helpers ------------------------------------------------------------------------ */

/* The URL for messages: without query or fragment (a signed URL's signature lives there). */
static void shown_url(const char *url, char *out, size_t n)
{
    size_t l = url ? strcspn(url, "?#") : 0;
    snprintf(out, n, "%.*s", (int)(l < 400 ? l : 400), url ? url : "");
}

/* "<prog> <cmd>: error: [<what>: ]<message>"; what may be NULL (the message names the step). */
static int fail(const char *cmd, const char *what, const f2c_error *e)
{
    char line[2048];
    fprintf(stderr, ME " %s: error: %s%s%s\n", cmd, what ? what : "", what ? ": " : "",
            f2c_error_format(e, line, sizeof line));
    return TX_EXIT_DATA;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tx_bx_record_blob(f2c_buf *out, const char *operation_id, const char *file)
{
    return f2c_buf_printf(out, TX_BX_EXPORTS_DIR "%s/%s", operation_id, file);
}

/* ---- auth ---------------------------------------------------------------------------------- */

static int storage_audience(const char *a)
{
    return a &&
           (!strcmp(a, "https://storage.azure.com") || !strcmp(a, "https://storage.azure.com/") ||
            !strcmp(a, "https://storage.azure.com/.default"));
}

static int given(const char *s)
{
    return s && *s;
}

/* The client secret: FHIR2CDM_FHIR_CLIENT_SECRET when set (whoever starts the task), else the
 * Key Vault secret the deployment stored (read with the pool's managed identity). */
static f2c_status client_secret(const tx_bx_caller *who, tx_bx_auth *out, f2c_error *e)
{
    if (given(getenv("FHIR2CDM_FHIR_CLIENT_SECRET"))) return F2C_OK; /* the provider reads it */
    if (!given(who->key_vault_uri) || !given(who->secret_name))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "client credentials (clientId, tenantId) need the secret: set "
                             "FHIR2CDM_FHIR_CLIENT_SECRET or give keyVaultUri and "
                             "clientSecretName");
    f2c_keyvault_opts kv = {.vault_uri = who->key_vault_uri,
                            .secret_name = who->secret_name,
                            .mi_client_id = who->mi_client_id,
                            .imds_endpoint = getenv("FHIR2CDM_IMDS_ENDPOINT")};
    return f2c_keyvault_secret(&kv, &out->secret, e);
}

f2c_status tx_bx_auth_open(const tx_bx_caller *who, tx_bx_auth *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
    const char *fixed = getenv("FHIR2CDM_FHIR_TOKEN");
    out->source = "none";
    if (given(fixed)) {
        out->fixed = fixed;
        out->source = "FHIR2CDM_FHIR_TOKEN";
        return F2C_OK;
    }
    if (!given(who->audience)) return F2C_OK;
    out->storage = storage_audience(who->audience);
    int cc = given(who->client_id) && given(who->tenant_id);
    f2c_status st = cc ? client_secret(who, out, e) : F2C_OK;
    if (st != F2C_OK) return st;
    f2c_token_opts to = {.kind = cc ? F2C_TOKEN_CLIENT_SECRET : F2C_TOKEN_MANAGED_IDENTITY,
                         .authority = getenv("FHIR2CDM_AUTHORITY"),
                         .tenant_id = who->tenant_id,
                         .client_id = cc ? who->client_id : who->mi_client_id,
                         .client_secret = out->secret,
                         .client_secret_env = "FHIR2CDM_FHIR_CLIENT_SECRET",
                         .imds_endpoint = getenv("FHIR2CDM_IMDS_ENDPOINT"),
                         .resource = out->storage ? NULL : who->audience};
    st = f2c_token_provider_new(&to, &out->prov, e);
    if (st == F2C_OK)
        out->source = !cc           ? "managed identity"
                      : out->secret ? "client credentials (secret from Key Vault)"
                                    : "client credentials";
    return st;
}

void tx_bx_auth_close(tx_bx_auth *a)
{
    f2c_token_provider_free(a->prov);
    if (a->secret) {
        memset(a->secret, 0, strlen(a->secret));
        free(a->secret);
    }
    memset(a, 0, sizeof *a);
}

/* ---- blobs of the export record ------------------------------------------------------------ */

/* Reads container/blob as JSON into *doc.  1 read, 0 missing (404), -1 other failure (e set). */
static int read_json_blob(f2c_blob_client *b, const char *container, const char *blob, cJSON **doc,
                          f2c_error *e)
{
    f2c_buf text = {0};
    *doc = NULL;
    int rc = 1;
    if (tx_pub_get_text(b, container, blob, 0, 0, &text, e) != F2C_OK)
        rc = f2c_blob_last_http_status(b) == 404 ? 0 : -1;
    else if (!(*doc = cJSON_ParseWithLength(text.data ? text.data : "", text.len))) {
        f2c_error_set(e, F2C_EJSON, NULL, 0, 0, NULL, "%s/%s: not JSON", container, blob);
        rc = -1;
    }
    f2c_buf_free(&text);
    return rc;
}

/* The status record: {"statusUrl": ..., "audience": ...} (audience only when known). */
static f2c_status put_status(const tx_bx_opts *o, const char *status_url, f2c_error *e)
{
    const char *aud = o->audience && *o->audience ? o->audience : o->fhir_url;
    f2c_buf name = {0};
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;
    f2c_status st = F2C_ENOMEM;
    if (doc && cJSON_AddStringToObject(doc, "statusUrl", status_url) &&
        (!aud || cJSON_AddStringToObject(doc, "audience", aud)) && (text = cJSON_Print(doc)) &&
        tx_bx_record_blob(&name, o->operation_id, "status.json") == 0)
        st = f2c_blob_put(o->blob, o->cdm_fs, name.data, text, strlen(text), "application/json", e);
    else
        f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    free(text);
    cJSON_Delete(doc);
    f2c_buf_free(&name);
    return st;
}

/* DELETEs status_url with auth; prints the outcome (a failure is a warning). */
static void delete_job_url(const char *status_url, const tx_bx_auth *auth, const char *cmd)
{
    char shown[512];
    shown_url(status_url, shown, sizeof shown);
    f2c_bulk_opts bo = {.bearer_token = auth->fixed, .token_provider = auth->prov};
    f2c_error e = {0};
    if (f2c_bulk_delete(&bo, status_url, &e) == F2C_OK) {
        printf("%s: deleted the export job %s\n", cmd, shown);
    } else {
        char line[2048];
        fprintf(stderr, ME " %s: warning: could not delete the export job %s: %s\n", cmd, shown,
                f2c_error_format(&e, line, sizeof line));
    }
    fflush(stdout);
}

void tx_bx_delete_job(f2c_blob_client *b, const char *container, const char *operation_id,
                      const tx_bx_caller *who, const char *cmd)
{
    f2c_buf name = {0};
    f2c_error e = {0};
    cJSON *doc = NULL;
    char line[2048];
    int got = tx_bx_record_blob(&name, operation_id, "status.json") != 0
                  ? (f2c_error_set(&e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory"), -1)
                  : read_json_blob(b, container, name.data, &doc, &e);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(doc, "statusUrl");
    const cJSON *aud = cJSON_GetObjectItemCaseSensitive(doc, "audience");
    if (got < 0 || (got > 0 && !cJSON_IsString(url))) {
        if (got > 0) f2c_error_set(&e, F2C_EJSON, NULL, 0, 0, NULL, "no statusUrl string");
        fprintf(stderr, ME " %s: warning: export job not deleted: %s/%s: %s\n", cmd, container,
                name.data ? name.data : "", f2c_error_format(&e, line, sizeof line));
    } else if (got > 0) {
        tx_bx_auth auth;
        tx_bx_caller as = *who;
        if (!given(as.audience)) as.audience = cJSON_IsString(aud) ? aud->valuestring : NULL;
        if (tx_bx_auth_open(&as, &auth, &e) != F2C_OK)
            fprintf(stderr, ME " %s: warning: export job not deleted: token: %s\n", cmd,
                    f2c_error_format(&e, line, sizeof line));
        else
            delete_job_url(url->valuestring, &auth, cmd);
        tx_bx_auth_close(&auth);
    }
    cJSON_Delete(doc);
    f2c_buf_free(&name);
}

f2c_status tx_bx_manifest_read(f2c_blob_client *b, const char *container, const char *blob,
                               f2c_bulk_manifest *m, f2c_error *e)
{
    f2c_buf text = {0};
    memset(m, 0, sizeof *m);
    f2c_status st = tx_pub_get_text(b, container, blob, 0, 0, &text, e);
    if (st == F2C_OK) {
        st = f2c_bulk_manifest_parse(text.data ? text.data : "", text.len, m, e);
        if (st != F2C_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", e->message);
            f2c_error_set(e, st, NULL, 0, 0, NULL, "%s/%s: %s", container, blob, msg);
        }
    }
    f2c_buf_free(&text);
    return st;
}

/* ---- bulk-export ----------------------------------------------------------------------------- */

/* The export's parameters, split and checked. */
typedef struct xreq {
    f2c_bulk_opts bo;
    char *types_buf; /* owned copy of exportTypes, cut at the commas */
    const char **types;
    f2c_buf manifest; /* the complete-status body as sent */
    /* The deadline, checked before each wait between polls. */
    long long deadline_ms;
    volatile sig_atomic_t stop;
    int expired;
    const char *cmd;
} xreq;

/* exportTypes "A, B,,C" -> {"A","B","C"}: spaces around names and empty items are dropped. */
static int split_types(xreq *x, const char *list)
{
    if (!list || !*list) return 0;
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    if (!(x->types_buf = strdup(list)) || !(x->types = calloc(n, sizeof *x->types))) return -1;
    for (char *save = NULL, *t = strtok_r(x->types_buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ' || *t == '\t')
            t++;
        size_t l = strlen(t);
        while (l && (t[l - 1] == ' ' || t[l - 1] == '\t'))
            t[--l] = '\0';
        if (l) x->types[x->bo.ntypes++] = t;
    }
    x->bo.types = x->types;
    return 0;
}

static int valid_instant(const char *s)
{
    f2c_buf b = {0};
    const char *why;
    int ok = f2c_render_datetime(s, strlen(s), F2C_T_INSTANT, &b, &why) == F2C_RENDER_OK;
    f2c_buf_free(&b);
    return ok;
}

/* Checks o's values and builds x->bo (auth excepted).  0, or -1 after the message (usage). */
static int prepare(const tx_bx_opts *o, xreq *x)
{
    x->cmd = o->cmd;
    if (!tx_valid_opid(o->operation_id)) {
        fprintf(stderr, ME " %s: operationId must be 1 to 64 of A-Z a-z 0-9 _ -\n", o->cmd);
        return -1;
    }
    if (o->since && *o->since && !valid_instant(o->since)) {
        fprintf(stderr,
                ME " %s: since must be a FHIR instant (e.g. 2024-05-01T12:00:00Z), got "
                   "\"%s\"\n",
                o->cmd, o->since);
        return -1;
    }
    if (split_types(x, o->export_types) != 0) {
        fprintf(stderr, ME " %s: out of memory\n", o->cmd);
        return -1;
    }
    x->bo.fhir_url = o->fhir_url;
    x->bo.level = o->group_id && *o->group_id ? F2C_BULK_GROUP : F2C_BULK_SYSTEM;
    x->bo.group_id = o->group_id;
    x->bo.since = o->since && *o->since ? o->since : NULL;
    x->bo.max_poll_wait_ms = 120000;
    x->bo.manifest_body = &x->manifest;
    /* The request as built, to refuse bad values before anything is sent. */
    char *url = NULL;
    f2c_error e = {0};
    if (f2c_bulk_kickoff_request(&x->bo, &url, NULL, &e) != F2C_OK) {
        fprintf(stderr, ME " %s: %s\n", o->cmd, e.message);
        return -1;
    }
    char shown[512];
    shown_url(url, shown, sizeof shown);
    printf("%s: kick-off %s (_type %s, _since %s)\n", o->cmd, shown,
           o->export_types && *o->export_types ? o->export_types : "-",
           x->bo.since ? x->bo.since : "-");
    free(url);
    return 0;
}

/* f2c_bulk's progress callback: one line per poll; stops the wait at the deadline. */
static void on_progress(void *ud, const char *x_progress, long next_poll_ms)
{
    xreq *x = ud;
    if (now_ms() + next_poll_ms > x->deadline_ms) {
        x->expired = 1;
        x->stop = 1;
        return;
    }
    printf("%s: export in progress (X-Progress: %s); next poll in %.1f s\n", x->cmd,
           *x_progress ? x_progress : "-", next_poll_ms / 1000.0);
    fflush(stdout);
}

/* A retried bulk-export: DELETEs the job an earlier attempt of the operation started. */
static void forget_earlier_job(const tx_bx_opts *o, const tx_bx_auth *auth)
{
    f2c_buf name = {0};
    f2c_error e = {0};
    cJSON *doc = NULL;
    if (tx_bx_record_blob(&name, o->operation_id, "status.json") == 0 &&
        read_json_blob(o->blob, o->cdm_fs, name.data, &doc, &e) > 0) {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(doc, "statusUrl");
        if (cJSON_IsString(url)) {
            printf("%s: an earlier attempt of operation %s started an export job\n", o->cmd,
                   o->operation_id);
            delete_job_url(url->valuestring, auth, o->cmd);
        }
    }
    cJSON_Delete(doc);
    f2c_buf_free(&name);
}

/* The manifest's error[] files, as warnings: they are not downloaded. */
static void warn_errors(const tx_bx_opts *o, const f2c_bulk_manifest *m)
{
    for (size_t i = 0; i < m->nerror; i++) {
        char shown[512];
        shown_url(m->error[i].url, shown, sizeof shown);
        fprintf(stderr,
                ME " %s: warning: the export reports errors: error[%zu] %s %s (%lld "
                   "resource(s)); not downloaded\n",
                o->cmd, i, m->error[i].type, shown, m->error[i].count);
    }
}

/* outputs.json, atomically: what ADF's customOutput carries to the rest of the pipeline. */
static int write_outputs(const tx_bx_opts *o, const char *manifest_blob, const f2c_bulk_manifest *m)
{
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;
    int rc = -1;
    if (doc && cJSON_AddStringToObject(doc, "manifest", manifest_blob) &&
        cJSON_AddNumberToObject(doc, "fileCount", (double)m->noutput) &&
        cJSON_AddStringToObject(doc, "transactionTime", m->transaction_time) &&
        cJSON_AddBoolToObject(doc, "requiresAccessToken", m->requires_access_token) &&
        (text = cJSON_Print(doc))) {
        size_t len = strlen(text);
        rc = f2c_fs_write_atomic(TX_BX_OUTPUTS_FILE, text, len);
        if (rc != 0)
            fprintf(stderr, ME " %s: error: cannot write " TX_BX_OUTPUTS_FILE ": %s\n", o->cmd,
                    strerror(errno));
        else
            printf("%s: wrote " TX_BX_OUTPUTS_FILE " (%zu bytes)\n", o->cmd, len);
    } else {
        fprintf(stderr, ME " %s: error: out of memory\n", o->cmd);
    }
    free(text);
    cJSON_Delete(doc);
    return rc;
}

/* Polls status_url to completion within the deadline, into *m and x->manifest. */
static int wait_job(const tx_bx_opts *o, xreq *x, const char *status_url, f2c_bulk_manifest *m)
{
    f2c_error e = {0};
    if (f2c_bulk_wait(&x->bo, status_url, m, &e) == F2C_OK) return 0;
    char shown[512];
    shown_url(status_url, shown, sizeof shown);
    if (x->expired)
        fprintf(stderr,
                ME " %s: error: the export did not complete within %ld s (--max-wait); job %s\n",
                o->cmd, o->max_wait_s, shown);
    else if (strncmp(e.message, "export job", 10) == 0)
        fail(o->cmd, NULL, &e);
    else
        fprintf(stderr, ME " %s: error: export job %s: %s\n", o->cmd, shown, e.message);
    return -1;
}

/* After a failure past the kick-off: the job is of no use to anyone (a retry kicks off anew), so
 * it is DELETEd and its status record removed, best effort. */
static void abandon_job(const tx_bx_opts *o, const char *status_url, const tx_bx_auth *auth)
{
    f2c_buf name = {0};
    f2c_error e = {0};
    delete_job_url(status_url, auth, o->cmd);
    if (tx_bx_record_blob(&name, o->operation_id, "status.json") != 0 ||
        f2c_blob_delete(o->blob, o->cdm_fs, name.data, NULL, &e) != F2C_OK)
        fprintf(stderr, ME " %s: warning: %s/%s not removed\n", o->cmd, o->cdm_fs,
                name.data ? name.data : "status.json");
    f2c_buf_free(&name);
}

/* Validates (done by f2c_bulk_wait), then stores the manifest and the outputs file. */
static int publish_manifest(const tx_bx_opts *o, xreq *x, const f2c_bulk_manifest *m)
{
    f2c_buf name = {0};
    f2c_error e = {0};
    int rc = -1;
    if (tx_bx_record_blob(&name, o->operation_id, "manifest.json") != 0) {
        fprintf(stderr, ME " %s: error: out of memory\n", o->cmd);
    } else if (f2c_blob_put(o->blob, o->cdm_fs, name.data, x->manifest.data, x->manifest.len,
                            "application/json", &e) != F2C_OK) {
        fail(o->cmd, "storing the manifest", &e);
    } else {
        printf("%s: stored the manifest (%zu bytes, %zu output file(s), %zu error file(s), "
               "transactionTime %s) as %s/%s\n",
               o->cmd, x->manifest.len, m->noutput, m->nerror, m->transaction_time, o->cdm_fs,
               name.data);
        warn_errors(o, m);
        rc = write_outputs(o, name.data, m);
    }
    f2c_buf_free(&name);
    return rc;
}

int tx_bx_export(const tx_bx_opts *o)
{
    xreq x = {.deadline_ms = now_ms() + o->max_wait_s * 1000LL};
    x.bo.cancel = &x.stop;
    x.bo.progress = on_progress;
    x.bo.progress_ud = &x;
    tx_bx_auth auth = {0};
    f2c_bulk_manifest m = {0};
    char *status_url = NULL;
    f2c_error e = {0};
    int rc = TX_EXIT_USAGE;
    if (prepare(o, &x) != 0) goto done;
    tx_bx_caller who = o->who;
    who.audience = o->audience && *o->audience ? o->audience : o->fhir_url;
    if (tx_bx_auth_open(&who, &auth, &e) != F2C_OK) {
        fail(o->cmd, "FHIR server token", &e);
        goto done;
    }
    x.bo.bearer_token = auth.fixed;
    x.bo.token_provider = auth.prov;
    printf("%s: FHIR server auth: %s\n", o->cmd, auth.source);
    fflush(stdout);
    rc = TX_EXIT_DATA;
    forget_earlier_job(o, &auth);
    if (f2c_bulk_kickoff(&x.bo, &status_url, &e) != F2C_OK) {
        fail(o->cmd, NULL, &e);
        goto done;
    }
    char shown[512];
    shown_url(status_url, shown, sizeof shown);
    printf("%s: export job accepted: %s\n", o->cmd, shown);
    fflush(stdout);
    if (put_status(o, status_url, &e) != F2C_OK) {
        fail(o->cmd, "storing the status URL", &e);
        delete_job_url(status_url, &auth, o->cmd);
        goto done;
    }
    if (wait_job(o, &x, status_url, &m) != 0) {
        abandon_job(o, status_url, &auth);
        goto done;
    }
    printf("%s: export complete\n", o->cmd);
    if (publish_manifest(o, &x, &m) != 0) {
        abandon_job(o, status_url, &auth);
        goto done;
    }
    printf("%s: done: %zu file(s) to transform, transactionTime %s\n", o->cmd, m.noutput,
           m.transaction_time);
    rc = TX_EXIT_OK;
done:
    fflush(stdout);
    f2c_bulk_manifest_free(&m);
    free(status_url);
    tx_bx_auth_close(&auth);
    f2c_buf_free(&x.manifest);
    free(x.types);
    free(x.types_buf);
    return rc;
}
