/*
 * tx_batch_io: what every Batch subcommand does with storage and the local job
 * (docs/azure.md section 5) -- the storage client, streamed downloads (blobs, and plain URLs with
 * a bearer token), the configuration container copied to the task's folder, the export manifest
 * and the values finalize takes from it, the record's modified time, the incremental-run state,
 * the local job over one input.
 *
 * Why apart from tx_batch.c: append mode (tx_batch.c) and merge mode (tx_batch_merge.c) both
 * stand on these steps; kept below both, the subcommands' files do not call each other in a loop.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_schema.h"

#include "tx_batch_export.h"
#include "tx_batch_int.h"
#include "tx_job.h"
#include "tx_publish.h"
#include "tx_util.h"

int tx_batch_fail(ctx *c, const char *what)
{
    char line[2048];
    fprintf(stderr, ME " %s: error: %s: %s\n", c->o.cmd, what,
            f2c_error_format(&c->e, line, sizeof line));
    return TX_EXIT_DATA;
}

/* mkdir -p for the folder holding the file at full (its last component); 0 or -1 (errno). */
static int make_parents(char *full)
{
    char *slash = strrchr(full, '/');
    if (!slash || slash == full) return 0;
    *slash = '\0';
    int rc = f2c_fs_mkdirs(full, 0700);
    *slash = '/';
    return rc;
}

/* A client for account at endpoint with the environment's credentials (tx_publish.h). */
static f2c_status new_client(const bopts *o, const char *endpoint, const char *account,
                             f2c_blob_client **out, f2c_error *e)
{
    return tx_pub_client_new(endpoint, account, o->mi_client_id, out, e);
}

int tx_batch_open_storage(ctx *c)
{
    const bopts *o = &c->o;
    if (c->blob) return 0;
    f2c_buf ep = {0};
    const char *endpoint = o->endpoint ? o->endpoint : getenv("FHIR2CDM_STORAGE_ENDPOINT");
    if (!endpoint || !*endpoint) {
        if (f2c_buf_printf(&ep, "https://%s.blob.%s", o->account,
                           o->suffix && *o->suffix ? o->suffix : "core.windows.net") != 0)
            return -1;
        endpoint = ep.data;
    }
    printf("storage: account %s, endpoint %s, auth %s\n", o->account, endpoint, tx_pub_auth_name());
    f2c_status st = new_client(o, endpoint, o->account, &c->blob, &c->e);
    f2c_buf_free(&ep);
    return st == F2C_OK ? 0 : (tx_batch_fail(c, "storage client"), -1);
}

static int to_file(void *ud, const void *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ud) == len ? 0 : 1;
}

/* A new file in the task's private temporary folder: O_EXCL|O_NOFOLLOW, so nothing there (a
 * leftover, a link) is ever followed or reused.  NULL with errno. */
static FILE *create_new(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !fp) close(fd);
    return fp;
}

/* Streams container/blob to local file path (ranged GET, retried by the client). */
f2c_status tx_batch_download(f2c_blob_client *b, const char *container, const char *blob,
                             const char *path, uint64_t *size, f2c_error *e)
{
    FILE *fp = create_new(path);
    if (!fp)
        return f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot create: %s", strerror(errno));
    f2c_status st = f2c_blob_get(b, container, blob, 0, 0, to_file, fp, size, e);
    if (fclose(fp) != 0 && st == F2C_OK)
        st = f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    return st;
}

/* A blob name that is safe to mirror below a local folder: relative, no "." / ".." parts. */
int tx_batch_safe_name(const char *name)
{
    if (!*name || name[0] == '/') return 0;
    for (const char *p = name; p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
        p = slash ? slash + 1 : NULL;
    }
    return 1;
}

/* Copies every *.json blob of the configuration container to <tmp>/config/. */
int tx_batch_fetch_config(ctx *c, f2c_buf *dir)
{
    char **names = NULL;
    size_t n = 0, got = 0;
    if (f2c_buf_printf(dir, "%s/config", c->tmp) != 0 || mkdir(dir->data, 0700) != 0) {
        fprintf(stderr, ME " %s: error: cannot create %s/config: %s\n", c->o.cmd, c->tmp,
                strerror(errno));
        return -1;
    }
    if (tx_pub_list(c->blob, c->o.config_container, NULL, &names, NULL, &n, &c->e) != F2C_OK)
        return tx_batch_fail(c, "listing the configuration container"), -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(names[i]);
        if (len < 5 || strcmp(names[i] + len - 5, ".json") != 0) continue;
        if (!tx_batch_safe_name(names[i])) {
            fprintf(stderr, ME " %s: skipping configuration blob with an unsafe name: %s\n",
                    c->o.cmd, names[i]);
            continue;
        }
        f2c_buf path = {0};
        if (f2c_buf_printf(&path, "%s/%s", dir->data, names[i]) != 0 ||
            make_parents(path.data) != 0) {
            fprintf(stderr, ME " %s: error: cannot create a folder for %s: %s\n", c->o.cmd,
                    names[i], strerror(errno));
            rc = -1;
        } else if (tx_batch_download(c->blob, c->o.config_container, names[i], path.data, NULL,
                                     &c->e) != F2C_OK)
            rc = (tx_batch_fail(c, "downloading the configuration"), -1);
        else
            got++;
        f2c_buf_free(&path);
    }
    tx_pub_free_names(names, n);
    if (rc == 0 && got == 0) {
        fprintf(stderr, ME " %s: error: no *.json configuration in container %s\n", c->o.cmd,
                c->o.config_container);
        rc = -1;
    }
    if (rc == 0)
        printf("configuration: %zu file(s) from container %s\n", got, c->o.config_container);
    return rc;
}

int tx_batch_is_views(const bopts *o)
{
    return o->config_kind && strcmp(o->config_kind, "views") == 0;
}

/* Who calls the FHIR server, from the options (the audience is set by the caller). */
tx_bx_caller tx_batch_caller(const bopts *o)
{
    tx_bx_caller who = {.client_id = o->client_id,
                        .tenant_id = o->tenant_id,
                        .key_vault_uri = o->key_vault_uri,
                        .secret_name = o->secret_name,
                        .mi_client_id = o->mi_client_id};
    return who;
}

/*
 * requiresAccessToken: streams the plain file URL o->input_uri to path with
 * "Authorization: Bearer <token>" (f2c_http_get: f2c_blob's retry policy).  The token comes from
 * FHIR2CDM_FHIR_TOKEN when set (obtained by whoever started the task), else from f2c_blob's token
 * provider for the audience (--fhirAudience, default fhirUrl): client credentials when clientId +
 * tenantId are given, with the secret from FHIR2CDM_FHIR_CLIENT_SECRET or Key Vault, else the
 * managed identity (tx_bx_auth_open).  Returns a TX_EXIT_* code; the token is never printed.
 */
int tx_batch_download_bearer(ctx *c, const char *url, const char *path, uint64_t *size)
{
    const bopts *o = &c->o;
    const char *audience = o->fhir_audience ? o->fhir_audience : o->fhir_url;
    static const char *const storage_headers[] = {"x-ms-version: 2021-08-06", NULL};
    f2c_http_get_opts ho = {0};
    tx_bx_auth auth;
    tx_bx_caller who = tx_batch_caller(o);
    who.audience = audience;
    if (tx_bx_auth_open(&who, &auth, &c->e) != F2C_OK)
        return tx_batch_fail(c, "input token provider"), TX_EXIT_USAGE;
    if (!auth.fixed && !auth.prov) {
        fprintf(stderr,
                ME " transform-data: error: requiresAccessToken: no token audience: give fhirUrl "
                   "or --fhirAudience, or set FHIR2CDM_FHIR_TOKEN\n");
        return TX_EXIT_USAGE;
    }
    ho.bearer_token = auth.fixed;
    ho.token_provider = auth.prov;
    /* Azure Storage rejects bearer requests without a recent x-ms-version [OAUTH]. */
    if (auth.prov && auth.storage) ho.headers = storage_headers;
    const char *source = auth.source;
    char shown[512];
    snprintf(shown, sizeof shown, "%.*s", (int)strcspn(url, "?#"), url);
    printf("downloading %s (bearer token: %s)\n", shown, source);
    fflush(stdout);
    int rc = TX_EXIT_OK;
    FILE *fp = create_new(path);
    if (!fp) {
        fprintf(stderr, ME " transform-data: error: cannot create %s: %s\n", path, strerror(errno));
        rc = TX_EXIT_DATA;
    } else {
        f2c_status st = f2c_http_get(url, &ho, to_file, fp, size, NULL, &c->e);
        if (fclose(fp) != 0 && st == F2C_OK)
            st = f2c_error_set(&c->e, F2C_EIO, path, 0, 0, NULL, "cannot write: %s",
                               strerror(errno));
        if (st != F2C_OK) rc = tx_batch_fail(c, "downloading the input");
    }
    tx_bx_auth_close(&auth);
    return rc;
}

/* A whole decimal number from 0 to max (no sign, no spaces); 0 with *out, or -1. */
int tx_batch_parse_index(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19) return -1;
    *out = strtoull(s, NULL, 10);
    return *out <= max ? 0 : -1;
}

/* Reads o->export_manifest (a blob of the CDM container, as bulk-export stored it) into
 * c->manifest.  Returns 0, or a TX_EXIT_* code after the message. */
int tx_batch_read_manifest(ctx *c)
{
    if (tx_batch_open_storage(c) != 0) return TX_EXIT_DATA;
    printf("%s: reading the export manifest %s/%s\n", c->o.cmd, c->o.cdm_fs, c->o.export_manifest);
    fflush(stdout);
    if (tx_bx_manifest_read(c->blob, c->o.cdm_fs, c->o.export_manifest, &c->manifest, &c->e) !=
        F2C_OK)
        return tx_batch_fail(c, "exportManifest");
    return 0;
}

/* The local job over the downloaded file into <tmp>/cdm (out_dir); a TX_EXIT_* code.  On failure
 * nothing is uploaded: a partial file must not be published as if complete. */
int tx_batch_run_local(ctx *c, const char *cfg, const char *input, f2c_buf *out_dir)
{
    const bopts *o = &c->o;
    if (f2c_buf_printf(out_dir, "%s/cdm", c->tmp) != 0) return TX_EXIT_DATA;
    const char *inputs[1] = {input};
    const char *views[1] = {cfg};
    tx_options to = {.config_dir = tx_batch_is_views(o) ? NULL : cfg,
                     .views = views,
                     .nviews = tx_batch_is_views(o) ? 1 : 0,
                     .output_dir = out_dir->data,
                     .inputs = inputs,
                     .ninputs = 1,
                     .max_depth = o->depth,
                     .operation_id = o->operation_id,
                     .max_line = F2C_NDJSON_DEFAULT_MAX_LINE,
                     .sink = o->sink,
                     .threads = o->threads,
                     .merge = o->merge};
    fflush(stdout);
    int jrc = tx_run(&to);
    fflush(stdout);
    if (jrc != TX_EXIT_OK)
        fprintf(stderr,
                ME " transform-data: error: the transform failed (exit %d); nothing "
                   "uploaded\n",
                jrc);
    return jrc;
}

/* The modified time of the CDM container's current record of the run's format (model.json
 * "modifiedTime", the manifest's "lastFileModifiedTime") into out; 0 when there is none (404) or
 * it has none, -1 on another failure. */
static int current_modified_time(ctx *c, char *out, size_t n)
{
    f2c_buf text = {0};
    int rc = 0;
    const char *record = f2c_cdm_record_name(c->o.sink.format);
    int parquet = strcmp(c->o.sink.format, "parquet") == 0;
    if (tx_pub_get_text(c->blob, c->o.cdm_fs, record, 0, 0, &text, &c->e) != F2C_OK) {
        rc = f2c_blob_last_http_status(c->blob) == 404
                 ? 0
                 : (tx_batch_fail(c, "reading the record"), -1);
    } else {
        cJSON *root = cJSON_ParseWithLength(text.data ? text.data : "", text.len);
        const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, parquet ? "lastFileModifiedTime"
                                                                         : "modifiedTime");
        if (cJSON_IsString(mt) && mt->valuestring && *mt->valuestring &&
            strlen(mt->valuestring) < n) {
            strcpy(out, mt->valuestring);
            rc = 1;
        }
        cJSON_Delete(root);
    }
    f2c_buf_free(&text);
    return rc;
}

/*
 * Records the export's transactionTime for the next incremental run in <cdm>/STATE_BLOB, after
 * model.json: the state must never claim a time whose data is not yet listed in model.json (a
 * next run with _since = that time would then skip the unlisted data for good).  One Put Blob,
 * so a reader sees the old or the new document, never a mix.  Without a transactionTime (a run
 * by hand) nothing is recorded: the current time is not an export's time, and using it as _since
 * could skip resources changed between the export and now.
 */
int tx_batch_write_state(ctx *c)
{
    const bopts *o = &c->o;
    if (!o->transaction_time || !*o->transaction_time) {
        printf("%s: no transactionTime given: %s/" STATE_BLOB " left as it was\n", o->cmd,
               o->cdm_fs);
        return 0;
    }
    f2c_status st =
        tx_pub_write_state(c->blob, o->cdm_fs, "", o->transaction_time, o->operation_id, &c->e);
    if (st != F2C_OK) return tx_batch_fail(c, "uploading " STATE_BLOB), -1;
    printf("%s: recorded transactionTime %s in %s/" STATE_BLOB "\n", o->cmd, o->transaction_time,
           o->cdm_fs);
    return 0;
}

/*
 * finalize with exportManifest: transactionTime and fileCount come from the manifest; a value
 * also given (flag or activity.json) must agree.  Returns 0, or a TX_EXIT_* code after the
 * message.
 */
static int manifest_values(ctx *c)
{
    bopts *o = &c->o;
    int rc = tx_batch_read_manifest(c);
    if (rc != 0) return rc;
    const f2c_bulk_manifest *m = &c->manifest;
    if (o->transaction_time && strcmp(o->transaction_time, m->transaction_time) != 0) {
        fprintf(stderr,
                ME " finalize: error: transactionTime \"%s\" disagrees with the manifest's "
                   "\"%s\"\n",
                o->transaction_time, m->transaction_time);
        return TX_EXIT_USAGE;
    }
    unsigned long long n;
    if (o->file_count &&
        (tx_batch_parse_index(o->file_count, ~0ull >> 1, &n) != 0 || n != m->noutput)) {
        fprintf(stderr,
                ME " finalize: error: fileCount \"%s\" disagrees with the manifest's %zu "
                   "output file(s)\n",
                o->file_count, m->noutput);
        return TX_EXIT_USAGE;
    }
    o->transaction_time = m->transaction_time;
    printf("finalize: manifest: transactionTime %s, %zu output file(s)\n", m->transaction_time,
           m->noutput);
    return 0;
}

/* The record's modified time into *mtime (now[0..n) holds it when it is not an option's):
 * finalize's is the export's transactionTime (from the manifest with exportManifest),
 * generate-schema's the current record's; without either, the current time.  Returns 0, or a
 * TX_EXIT_* code after the message. */
int tx_batch_commit_time(ctx *c, int schema_only, char *now, size_t n, const char **mtime)
{
    if (!schema_only && c->o.export_manifest) {
        int mrc = manifest_values(c);
        if (mrc != 0) return mrc;
    }
    *mtime = schema_only ? NULL : c->o.transaction_time;
    if (schema_only) {
        int got = current_modified_time(c, now, n);
        if (got < 0) return TX_EXIT_DATA;
        if (got) *mtime = now;
    }
    if (!*mtime || !**mtime) {
        /* No transactionTime (a run by hand): the current time, to the second. */
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
        *mtime = now;
    }
    return 0;
}

/* The configuration's tables (the record describes them; nothing runs here, so no plan), from
 * the configuration container copied into cfg.  Returns 0, or a TX_EXIT_* code after the
 * message. */
int tx_batch_load_tables(ctx *c, f2c_buf *cfg, f2c_tableset *ts, f2c_diags *diags)
{
    const bopts *o = &c->o;
    if (tx_batch_fetch_config(c, cfg) != 0) return TX_EXIT_DATA;
    const char *paths[1] = {cfg->data};
    f2c_schema_input in = tx_batch_is_views(o)
                              ? (f2c_schema_input){.views = paths, .nviews = 1}
                              : (f2c_schema_input){.config_dir = cfg->data, .max_depth = o->depth};
    f2c_status st = f2c_schema_load(&in, ts, NULL, diags);
    if (st == F2C_OK) return 0;
    f2c_schema_print_diags(stderr, "error: ", diags);
    fprintf(stderr, ME " %s: error: cannot load the configuration (%s)\n", o->cmd,
            f2c_status_name(st));
    return TX_EXIT_USAGE;
}
