/*
 * tx_export: `fhir2cdm-transform export` -- Bulk Data $export -> transform -> CDM folder.
 *
 * Why it is built this way:
 *  - Nothing a reader lists changes until the export is complete: the stream job (tx_job.h)
 *    stages partitions in the output folder's transaction (f2c_commit.h, the same commit
 *    protocol as a local run), and only after every output and error file arrived does
 *    tx_stream_job_finish publish them with the new model.json at once; then -- only on a clean
 *    run -- the incremental state fhir2cdm-state.json (same format as Batch mode's finalize).
 *  - Downloads are streamed (f2c_http_get resumes with Range so every byte reaches the
 *    transformer exactly once) by a bounded pool of threads; the NDJSON is never stored unless
 *    --keep-ndjson asks for a copy.
 *  - The protocol is libfhir2cdm's f2c_bulk (kick-off, polling, manifest, DELETE); auth is the
 *    library's token provider (fixed bearer token, OAuth client secret, SMART Backend Services
 *    private_key_jwt).  The provider is one-thread-at-a-time, so each download thread makes its
 *    own (see run.topts).
 *  - The default operation id is a hash of the manifest's transactionTime and request, so
 *    re-running the same export replaces its own partitions instead of adding copies.
 *  - Secrets (token, client secret, private key) are never printed: URLs are shown without
 *    their query, the library's messages and every server text printed here go through
 *    f2c_redact (docs/export.md, "Secrets").
 *  - --output may be a Blob/ADLS URL.  The staging folder is then a local temporary folder
 *    (downloads and the transformer need a file system; the partitions are files of a few MB
 *    each), and publishing is tx_publish.c's, the code Batch mode's transform-data/finalize use:
 *    block uploads of the partitions, then model.json from the listing of every partition blob,
 *    then the state blob.  Storage credentials come from the environment or the managed
 *    identity only (never flags: command lines are visible), as in Batch mode.
 * Bulk Data IG v2 sections are cited as in f2c_bulk.h ([BD "..."]).
 */
#include "tx_export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <xxhash.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_redact.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_type.h"
#include "fhir2cdm/f2c_view.h"

#include "tx_job.h"
#include "tx_publish.h"
#include "tx_util.h"

#define ME "fhir2cdm-transform export"
#define STATE_FILE TX_STATE_NAME
#define SECRET_ENV "FHIR2CDM_CLIENT_SECRET"
#define PROGRESS_EVERY_S 10

/* The interruption flag is tx_util's (tx_signals_install): one handler for every command. */
#define g_cancel (*tx_cancel_flag())

/* ---- options ------------------------------------------------------------------------------ */

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

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm-transform export --fhir-url URL (--config DIR | --view PATH...)\n"
          "           --output DIR|URL [options]\n"
          "\n"
          "Runs a FHIR Bulk Data $export (kick-off, status polling, download), transforms the\n"
          "NDJSON files while they download, and publishes the CDM folder (partitions under\n"
          "OUTPUT/data/, OUTPUT/model.json, OUTPUT/" STATE_FILE ") only when everything arrived.\n"
          "\n"
          "Required:\n"
          "      --fhir-url URL        FHIR base URL of the server (http or https)\n"
          "  -c, --config DIR          table configuration folder, or\n"
          "      --view PATH           SQL on FHIR v2 ViewDefinition file or folder (repeatable)\n"
          "  -o, --output DIR|URL      CDM folder (created if missing), or an Azure Blob / ADLS\n"
          "                            URL of one (https://ACCOUNT.blob.core.windows.net/\n"
          "                            CONTAINER[/PATH], abfss://..., or an emulator's\n"
          "                            http://HOST:PORT/ACCOUNT/CONTAINER[/PATH])\n"
          "\n"
          "Export:\n"
          "      --level L             system (default), patient, or group:ID\n"
          "      --type T1,T2          resource types (_type; repeatable); default: the types the\n"
          "                            configuration reads\n"
          "      --type-filter Q       _typeFilter, e.g. 'Observation?status=final' (repeatable)\n"
          "      --since INSTANT|last  _since: a FHIR instant, or `last`: the transactionTime in\n"
          "                            OUTPUT/" STATE_FILE " (full export when it is missing)\n"
          "      --output-format F     _outputFormat (default: not sent, the server's NDJSON)\n"
          "      --post                kick off with POST and a Parameters body instead of GET\n"
          "\n"
          "Auth (at most one; none: no Authorization header):\n"
          "      --bearer-token T      a fixed access token\n"
          "      --token-url URL --client-id ID --client-secret S\n"
          "                            OAuth 2.0 client credentials (secret also from the\n"
          "                            environment variable " SECRET_ENV ")\n"
          "      --token-url URL --client-id ID --private-key PEM [--key-id KID]\n"
          "                            SMART Backend Services: a JWT signed RS384 (RSA key) or\n"
          "                            ES384 (EC P-384 key)\n"
          "      --scope S             scope to ask for (default system/"
          "*.read)\n"
          "\n"
          "Other:\n"
          "      --parallel N          concurrent downloads, 1 to 64 (default 4)\n"
          "      --keep-ndjson DIR     also keep a copy of each output file as DIR/<name>.ndjson\n"
          "      --operation-id ID     partition name suffix (default: a hash of the export's\n"
          "                            transactionTime and request)\n"
          "      --max-depth N, --max-errors N, --max-line-bytes N,\n"
          "      --fhirpath-max-steps N, --fhirpath-max-items N, --fhirpath-max-bytes N\n"
          "                            as for a local run\n"
          "      --managed-identity-client-id ID\n"
          "                            blob output: the user-assigned managed identity to use\n"
          "  -q, --quiet               no progress and no summary (errors still shown)\n"
          "  -h, --help                this help\n"
          "--view, --type and --type-filter may be repeated; every other flag that takes a value\n"
          "may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 ok; 1 data errors (rejected lines beyond --max-errors or issues in the\n"
          "export's error files: CDM folder updated, state not advanced); 2 usage or\n"
          "configuration (nothing contacted); 3 export or network failure (CDM folder unchanged);\n"
          "130 interrupted (export job deleted, CDM folder unchanged).  See docs/export.md.\n"
          "\n"
          "Blob output credentials, from the environment only: FHIR2CDM_STORAGE_KEY (Shared\n"
          "Key) or FHIR2CDM_STORAGE_SAS, else the managed identity (FHIR2CDM_IMDS_ENDPOINT\n"
          "overrides the IMDS address).\n",
          f);
}

static int valid_instant(const char *s)
{
    f2c_buf b = {0};
    const char *why;
    int ok = f2c_render_datetime(s, strlen(s), F2C_T_INSTANT, &b, &why) == F2C_RENDER_OK;
    f2c_buf_free(&b);
    return ok;
}

/* ---- small helpers ------------------------------------------------------------------------ */

/* The URL without query/fragment, for messages. */
static void shown_url(const char *url, char *out, size_t n)
{
    size_t l = strcspn(url, "?#");
    snprintf(out, n, "%.*s", (int)(l < 400 ? l : 400), url);
}

/* The last path segment of url (without query/fragment), as a new string. */
static char *url_file_name(const char *url)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;
    while (start > 0 && url[start - 1] != '/')
        start--;
    char *s = malloc(end - start + 1);
    if (s) {
        memcpy(s, url + start, end - start);
        s[end - start] = '\0';
    }
    return s;
}

static int safe_stem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200 || s[0] == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct xfile {
    const f2c_bulk_file *mf;
    char *stem;  /* partition name stem */
    char *label; /* file name for messages */
    uint64_t bytes;
} xfile;

typedef struct run {
    xopts *o;
    f2c_blob_token_provider *prov; /* kick-off, status, delete, error files: main thread only */
    /* The provider is one-thread-at-a-time, so each download thread makes its own from these
     * options when the manifest requires a token: it then renews its token per attempt and
     * after a 401 inside f2c_http_get, which a copied token string could not. */
    f2c_blob_token_opts topts;
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
    atomic_ullong bytes; /* downloaded so far, all files */
    int workers_left;
} run;

static int stop_now(run *r)
{
    return g_cancel || atomic_load(&r->failed);
}

/* Auth for a file request ([BD "File Request"]): a token only when the manifest says
 * requiresAccessToken.  *mine is the calling thread's own provider, made on first use.  0, or
 * -1 with *e set. */
static int file_auth(run *r, f2c_blob_token_provider **mine, f2c_http_get_opts *ho, f2c_error *e)
{
    if (!r->m.requires_access_token) return 0;
    if (r->o->bearer) {
        ho->bearer_token = r->o->bearer;
        return 0;
    }
    if (!r->have_topts) return 0; /* the server wants a token but we have none: it answers 401 */
    if (!*mine && f2c_blob_token_provider_new(&r->topts, mine, e) != F2C_OK) return -1;
    ho->token_provider = *mine;
    return 0;
}

typedef struct dl {
    run *r;
    tx_stream_file *f;
    FILE *keep;
    int feed_failed, keep_failed;
    uint64_t bytes;
} dl;

static int on_chunk(void *ud, const void *data, size_t len)
{
    dl *d = ud;
    if (stop_now(d->r)) return 1;
    if (d->keep && !d->keep_failed && fwrite(data, 1, len, d->keep) != len) d->keep_failed = 1;
    if (tx_stream_file_feed(d->f, data, len) != 0) {
        d->feed_failed = 1;
        return 1;
    }
    d->bytes += len;
    atomic_fetch_add(&d->r->bytes, (unsigned long long)len);
    return 0;
}

/* Downloads and transforms output file i; 0 or -1 (failure reported, run->failed set). */
static int download_one(run *r, size_t i, f2c_blob_token_provider **mine)
{
    xfile *x = &r->files[i];
    f2c_error e;
    f2c_error_clear(&e);
    dl d = {.r = r};
    f2c_buf keep_tmp = {0}, keep_path = {0};
    int ok = 0;
    d.f = tx_stream_file_begin(r->job, x->stem, x->label);
    if (!d.f) {
        fprintf(stderr, ME ": error: out of memory\n");
        goto done;
    }
    if (r->o->keep_dir) {
        if (f2c_buf_printf(&keep_path, "%s/%s.ndjson", r->o->keep_dir, x->stem) != 0 ||
            f2c_buf_printf(&keep_tmp, "%s.tmp-%ld", keep_path.data, (long)getpid()) != 0) {
            fprintf(stderr, ME ": error: out of memory\n");
            goto done;
        }
        d.keep = fopen(keep_tmp.data, "wb");
        if (!d.keep) {
            fprintf(stderr, ME ": error: --keep-ndjson %s: %s\n", keep_tmp.data, strerror(errno));
            goto done;
        }
    }
    /* The signal flag: a stalled download stops within about a second of SIGINT/SIGTERM. */
    f2c_http_get_opts ho = {.cancel = &g_cancel};
    if (file_auth(r, mine, &ho, &e) != 0) {
        fprintf(stderr, ME ": error: %s: %s\n", x->label, e.message);
        goto done;
    }
    uint64_t total = 0;
    int http = 0;
    f2c_status st = f2c_http_get(x->mf->url, &ho, on_chunk, &d, &total, &http, &e);
    x->bytes = d.bytes;
    if (st != F2C_OK) {
        /* Already reported: the transformer's fatal error; nothing to say: an interruption or
         * another file's failure. */
        if (!d.feed_failed && !stop_now(r)) fprintf(stderr, ME ": error: %s\n", e.message);
        goto done;
    }
    if (d.keep) {
        int bad = d.keep_failed;
        if (fclose(d.keep) != 0) bad = 1;
        d.keep = NULL;
        if (bad || rename(keep_tmp.data, keep_path.data) != 0) {
            fprintf(stderr, ME ": error: --keep-ndjson %s: %s\n", keep_path.data,
                    bad ? "write failed" : strerror(errno));
            goto done;
        }
    }
    ok = 1;
done:
    if (d.keep) {
        fclose(d.keep);
        unlink(keep_tmp.data);
    }
    f2c_buf_free(&keep_tmp);
    f2c_buf_free(&keep_path);
    if (d.f && tx_stream_file_end(d.f, ok) != 0) ok = 0;
    if (!ok) {
        atomic_store(&r->failed, 1);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    size_t k = ++r->done;
    pthread_mutex_unlock(&r->mu);
    if (!r->o->tx.quiet)
        fprintf(stderr, ME ": [%zu/%zu] %s: %llu bytes\n", k, r->nfiles, x->label,
                (unsigned long long)x->bytes);
    return 0;
}

static void *worker(void *arg)
{
    run *r = arg;
    f2c_blob_token_provider *mine = NULL;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        size_t i = r->next;
        int go = i < r->nfiles && !stop_now(r);
        if (go) r->next++;
        pthread_mutex_unlock(&r->mu);
        if (!go) break;
        if (download_one(r, i, &mine) != 0) break;
    }
    f2c_blob_token_provider_free(mine);
    pthread_mutex_lock(&r->mu);
    r->workers_left--;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Runs the download pool over r->files; 0 when every file arrived and was transformed. */
static int download_all(run *r)
{
    size_t n = r->o->parallel ? (size_t)r->o->parallel : 4;
    if (n > r->nfiles) n = r->nfiles;
    if (n == 0) return 0;
    pthread_t *th = calloc(n, sizeof *th);
    if (!th) {
        fprintf(stderr, ME ": error: out of memory\n");
        return -1;
    }
    size_t started = 0;
    pthread_mutex_lock(&r->mu);
    r->workers_left = (int)n;
    pthread_mutex_unlock(&r->mu);
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker, r) != 0) break;
    if (started < n) {
        pthread_mutex_lock(&r->mu);
        r->workers_left -= (int)(n - started);
        pthread_mutex_unlock(&r->mu);
        if (started == 0) {
            fprintf(stderr, ME ": error: cannot start download threads\n");
            free(th);
            return -1;
        }
    }
    time_t last = time(NULL);
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int left = r->workers_left;
        size_t done = r->done;
        pthread_mutex_unlock(&r->mu);
        if (left == 0) break;
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        time_t now = time(NULL);
        if (!r->o->tx.quiet && now - last >= PROGRESS_EVERY_S && !stop_now(r)) {
            last = now;
            fprintf(stderr, ME ": downloading: %zu of %zu files done, %.1f MiB so far\n", done,
                    r->nfiles, (double)atomic_load(&r->bytes) / (1024.0 * 1024.0));
        }
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    return atomic_load(&r->failed) || g_cancel || r->done != r->nfiles ? -1 : 0;
}

/* ---- error files ([BD "Response - Complete Status"]: error[] OperationOutcome NDJSON) ------ */

typedef struct errscan {
    const char *label;
    f2c_buf line;
    long lineno;
    unsigned long long issues;
} errscan;

static void print_issue(void *ud, const char *sev, const char *code, const char *text)
{
    errscan *s = ud;
    s->issues++;
    /* Server text: it may echo our request (f2c_redact.h), so redacted or withheld. */
    f2c_buf t = {0};
    int bad = f2c_buf_printf(&t, "%s%s%s: %s", *sev ? sev : "issue", *code ? " " : "", code,
                             *text ? text : "(no diagnostics)") != 0;
    f2c_buf shown = {0};
    bad = bad || f2c_redact_server_text(NULL, t.data, t.len, &shown) != 0;
    fprintf(stderr, "%s:%ld: %s\n", s->label, s->lineno,
            bad ? "issue (not shown: out of memory)" : shown.data);
    f2c_buf_free(&t);
    f2c_buf_free(&shown);
}

static void scan_line(errscan *s)
{
    s->lineno++;
    size_t n = s->line.len;
    while (n > 0 && (s->line.data[n - 1] == '\r' || s->line.data[n - 1] == ' '))
        n--;
    if (n == 0) return;
    long k = f2c_bulk_outcome_issues(s->line.data, n, print_issue, s);
    if (k < 0) {
        s->issues++;
        fprintf(stderr, "%s:%ld: error: not an OperationOutcome\n", s->label, s->lineno);
    } else if (k == 0) {
        s->issues++;
        fprintf(stderr, "%s:%ld: error: OperationOutcome without issues\n", s->label, s->lineno);
    }
}

static int on_err_chunk(void *ud, const void *data, size_t len)
{
    errscan *s = ud;
    if (g_cancel) return 1;
    const char *p = data;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            scan_line(s);
            f2c_buf_reset(&s->line);
        } else if (s->line.len < (16u << 20) && f2c_buf_appendc(&s->line, p[i]) != 0) {
            return 1;
        }
    }
    return 0;
}

/* Downloads every error file and prints its issues; 0, or -1 when a download failed. */
static int scan_error_files(run *r, unsigned long long *issues)
{
    *issues = 0;
    for (size_t i = 0; i < r->m.nerror; i++) {
        f2c_error e;
        f2c_error_clear(&e);
        char *label = url_file_name(r->m.error[i].url);
        errscan s = {.label = label && *label ? label : "error-file"};
        /* Main thread, downloads finished: the run's own provider is free to use. */
        f2c_http_get_opts ho = {.cancel = &g_cancel};
        if (r->m.requires_access_token) {
            ho.bearer_token = r->o->bearer;
            ho.token_provider = r->prov;
        }
        int rc = 0;
        if (f2c_http_get(r->m.error[i].url, &ho, on_err_chunk, &s, NULL, NULL, &e) != F2C_OK)
            rc = -1;
        else if (s.line.len)
            scan_line(&s);
        if (rc != 0 && !g_cancel) fprintf(stderr, ME ": error: %s\n", e.message);
        f2c_buf_free(&s.line);
        free(label);
        *issues += s.issues;
        if (rc != 0) return -1;
    }
    return 0;
}

/* ---- publishing --------------------------------------------------------------------------- */

/* <output>/fhir2cdm-state.json (local folder), in the format Batch mode's finalize and a blob
 * output write (tx_pub_state_text). */
static int write_state(const xopts *o, const char *transaction_time, const char *opid)
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
    if (cJSON_IsString(tt) && valid_instant(tt->valuestring)) {
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
static int read_state_since(const char *output, char **since)
{
    *since = NULL;
    f2c_buf path = {0};
    if (f2c_buf_printf(&path, "%s/" STATE_FILE, output) != 0) return -1;
    char *text = f2c_fs_read(path.data, 1 << 20, NULL);
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
static int read_state_since_blob(const xopts *o, f2c_blob_client *b, char **since)
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
 * mode uses (tx_publish.c): reads the committed model.json, uploads every partition with the
 * block writer into the slot of its (stem, operation id) that model.json does not list, then
 * commits model.json (one Put Blob) = the committed partitions minus those of this run's pairs
 * plus this run's, with modifiedTime mtime; replaced blobs are deleted afterwards.  The run's
 * pairs are the stems of every output file of r (also one that now gives no rows).  *published is
 * set when the first upload starts.  Returns TX_EXIT_OK, TX_EXIT_DATA (committed partitions with a
 * foreign header left out of model.json, as a local folder does), TX_EXIT_USAGE (the configuration
 * cannot be loaded again) or TX_EXIT_EXPORT (reading model.json, an upload or the commit failed:
 * model.json was not rewritten, so the partitions uploaded so far are listed nowhere).
 */
static int publish_blob(const xopts *o, const run *r, f2c_blob_client *b, const char *staging,
                        const char *mtime, int *published)
{
    f2c_tableset ts = {0};
    f2c_plan *plan = NULL;
    f2c_diags diags = {0};
    tx_pub_published cur = {0};
    tx_pub_tasks mine = {0};
    tx_pub_outcome done_pub = {0};
    f2c_error e;
    f2c_error_clear(&e);
    int rc = TX_EXIT_USAGE;
    /* The tables model.json describes: the configuration the stream job loaded (the probe
     * checked it already), loaded the same way before anything is uploaded. */
    f2c_status st = o->tx.config_dir
                        ? f2c_tablecfg_load(o->tx.config_dir, o->tx.max_depth, &ts, &diags)
                        : f2c_view_load(o->tx.views, o->tx.nviews, &ts, &plan, &diags);
    if (st != F2C_OK) {
        char line[2048];
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "error: %s\n", f2c_error_format(&diags.items[i], line, sizeof line));
        fprintf(stderr, ME ": error: cannot load the configuration again (%s)\n",
                f2c_status_name(st));
        goto done;
    }
    *published = 1; /* from here on the container changes: an interruption no longer undoes it */
    size_t uploaded = 0;
    /* The committed record first: each partition goes into the slot it does not list. */
    if (tx_pub_read_published(b, o->addr.container, o->prefix.data, 0, &cur, &e) != F2C_OK ||
        tx_pub_upload_run(b, o->addr.container, o->prefix.data, staging, &cur, NULL, &mine,
                          &uploaded, &e) != F2C_OK) {
        fprintf(stderr,
                ME ": error: uploading the partitions: %s\n" ME
                   ": %zu partition blob%s of this run uploaded but not listed: model.json and "
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
    if (tx_pub_commit(b, o->addr.container, o->prefix.data, &ts, mtime, &cur, &mine, stderr,
                      &done_pub, &e) != F2C_OK) {
        fprintf(stderr,
                ME ": error: writing model.json: %s\n" ME
                   ": the %zu partition blob%s of this run are uploaded but model.json and the "
                   "state were not changed (re-running the same export replaces them)\n",
                e.message, uploaded, uploaded == 1 ? "" : "s");
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
    f2c_plan_free(plan);
    f2c_tableset_free(&ts);
    return rc;
}

/* ---- polling progress --------------------------------------------------------------------- */

static void on_progress(void *ud, const char *x_progress, long next_ms)
{
    const xopts *o = ud;
    if (o->tx.quiet) return;
    f2c_buf shown = {0}; /* a server's header: redacted like every server text */
    if (*x_progress && f2c_redact_server_text(NULL, x_progress, strlen(x_progress), &shown) != 0)
        f2c_buf_reset(&shown);
    fprintf(stderr, ME ": in progress: %s (next poll in %lds)\n",
            shown.len ? shown.data : "(no X-Progress)", (next_ms + 999) / 1000);
    f2c_buf_free(&shown);
}

/* ---- stems -------------------------------------------------------------------------------- */

/* Partition name stems for the manifest's output files: the URL's file name without .ndjson
 * (and .gz); `<type>.<index>` when that is not a safe file name; `.<index>` appended to every
 * stem that occurs more than once. */
static int make_stems(run *r)
{
    r->nfiles = r->m.noutput;
    r->files = calloc(r->nfiles ? r->nfiles : 1, sizeof *r->files);
    if (!r->files) return -1;
    for (size_t i = 0; i < r->nfiles; i++) {
        xfile *x = &r->files[i];
        x->mf = &r->m.output[i];
        char *name = url_file_name(x->mf->url);
        if (!name) return -1;
        x->label = name;
        char *stem = strdup(name);
        if (!stem) return -1;
        if (ends_with(stem, ".ndjson.gz"))
            stem[strlen(stem) - 10] = '\0';
        else if (ends_with(stem, ".ndjson"))
            stem[strlen(stem) - 7] = '\0';
        if (!safe_stem(stem)) {
            free(stem);
            f2c_buf b = {0};
            if (f2c_buf_printf(&b, "%s.%03zu", x->mf->type, i) != 0) return -1;
            stem = b.data;
        }
        if (!*x->label) {
            free(x->label);
            x->label = strdup(stem);
            if (!x->label) {
                free(stem);
                return -1;
            }
        }
        x->stem = stem;
    }
    /* Duplicates: every member of a group of equal stems gets its index. */
    char **fixed = calloc(r->nfiles ? r->nfiles : 1, sizeof *fixed);
    if (!fixed) return -1;
    int bad = 0;
    for (size_t i = 0; i < r->nfiles && !bad; i++) {
        int dup = 0;
        for (size_t k = 0; k < r->nfiles && !dup; k++)
            dup = k != i && strcmp(r->files[i].stem, r->files[k].stem) == 0;
        if (!dup) continue;
        f2c_buf b = {0};
        bad = f2c_buf_printf(&b, "%s.%zu", r->files[i].stem, i) != 0;
        fixed[i] = b.data;
    }
    for (size_t i = 0; i < r->nfiles; i++)
        if (fixed[i]) {
            /* Messages name the renamed file by its new stem: two "Patient.ndjson" lines would
             * not say which download they are about. */
            f2c_buf l = {0};
            if (f2c_buf_printf(&l, "%s.ndjson", fixed[i]) == 0) {
                free(r->files[i].label);
                r->files[i].label = l.data;
            }
            free(r->files[i].stem);
            r->files[i].stem = fixed[i];
        }
    free(fixed);
    return bad ? -1 : 0;
}

/* ---- main --------------------------------------------------------------------------------- */

enum {
    OPT_FHIR_URL = 256,
    OPT_VIEW,
    OPT_LEVEL,
    OPT_TYPE,
    OPT_TYPE_FILTER,
    OPT_SINCE,
    OPT_OUTPUT_FORMAT,
    OPT_POST,
    OPT_BEARER,
    OPT_TOKEN_URL,
    OPT_CLIENT_ID,
    OPT_CLIENT_SECRET,
    OPT_PRIVATE_KEY,
    OPT_KEY_ID,
    OPT_SCOPE,
    OPT_PARALLEL,
    OPT_KEEP,
    OPT_OPID,
    OPT_MAXDEPTH,
    OPT_MAXERR,
    OPT_MAXLINE,
    OPT_MI
};

/* Parses argv into *o; returns -1 (usage error printed), 0, or 1 (help shown). */
static int parse_args(int argc, char **argv, xopts *o, const char **views)
{
    static const struct option opts[] = {
        {"fhir-url", required_argument, NULL, OPT_FHIR_URL},
        {"config", required_argument, NULL, 'c'},
        {"view", required_argument, NULL, OPT_VIEW},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"type", required_argument, NULL, OPT_TYPE},
        {"type-filter", required_argument, NULL, OPT_TYPE_FILTER},
        {"since", required_argument, NULL, OPT_SINCE},
        {"output-format", required_argument, NULL, OPT_OUTPUT_FORMAT},
        {"post", no_argument, NULL, OPT_POST},
        {"bearer-token", required_argument, NULL, OPT_BEARER},
        {"token-url", required_argument, NULL, OPT_TOKEN_URL},
        {"client-id", required_argument, NULL, OPT_CLIENT_ID},
        {"client-secret", required_argument, NULL, OPT_CLIENT_SECRET},
        {"private-key", required_argument, NULL, OPT_PRIVATE_KEY},
        {"key-id", required_argument, NULL, OPT_KEY_ID},
        {"scope", required_argument, NULL, OPT_SCOPE},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"keep-ndjson", required_argument, NULL, OPT_KEEP},
        {"operation-id", required_argument, NULL, OPT_OPID},
        {"operationId", required_argument, NULL, OPT_OPID},
        {"max-depth", required_argument, NULL, OPT_MAXDEPTH},
        {"maxDepth", required_argument, NULL, OPT_MAXDEPTH},
        {"max-errors", required_argument, NULL, OPT_MAXERR},
        {"max-line-bytes", required_argument, NULL, OPT_MAXLINE},
        {"managed-identity-client-id", required_argument, NULL, OPT_MI},
        TX_FP_LIMIT_OPTIONS,
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    f2c_buf typebuf = {0};
    size_t ntypeargs = 0;
    int c;
    unsigned long long v;
    int given[TX_OPT_CODES] = {0};
    static const int repeatable[] = {OPT_VIEW, OPT_TYPE, OPT_TYPE_FILTER, 0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:qh", opts, NULL)) != -1) {
        if (tx_once_opt(ME, opts, repeatable, c, given) != 0) goto bad;
        switch (c) {
        case OPT_FHIR_URL:
            o->fhir_url = optarg;
            break;
        case 'c':
            o->tx.config_dir = optarg;
            break;
        case OPT_VIEW:
            views[o->tx.nviews++] = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_LEVEL:
            o->level_arg = optarg;
            break;
        case OPT_TYPE:
            /* Kept NUL-separated in typebuf; split after parsing. */
            if (f2c_buf_append(&typebuf, optarg, strlen(optarg) + 1) != 0) goto nomem;
            ntypeargs++;
            break;
        case OPT_TYPE_FILTER:
            o->filters[o->nfilters++] = optarg;
            break;
        case OPT_SINCE:
            o->since_arg = optarg;
            break;
        case OPT_OUTPUT_FORMAT:
            o->output_format = optarg;
            break;
        case OPT_POST:
            o->post = 1;
            break;
        case OPT_BEARER:
            o->bearer = optarg;
            break;
        case OPT_TOKEN_URL:
            o->token_url = optarg;
            break;
        case OPT_CLIENT_ID:
            o->client_id = optarg;
            break;
        case OPT_CLIENT_SECRET:
            o->client_secret = optarg;
            break;
        case OPT_PRIVATE_KEY:
            o->private_key = optarg;
            break;
        case OPT_KEY_ID:
            o->key_id = optarg;
            break;
        case OPT_SCOPE:
            o->scope = optarg;
            break;
        case OPT_PARALLEL:
            if (tx_parse_range(ME, "--parallel", optarg, 1, 64, &o->parallel) != 0) goto bad;
            break;
        case OPT_KEEP:
            o->keep_dir = optarg;
            break;
        case OPT_OPID:
            if (!tx_valid_opid(optarg)) {
                fprintf(stderr,
                        ME ": --operation-id must be 1 to 64 characters of A-Z a-z 0-9 _ -, "
                           "got \"%s\"\n",
                        optarg);
                goto bad;
            }
            o->tx.operation_id = optarg;
            break;
        case OPT_MAXDEPTH:
            if (tx_parse_range(ME, "--max-depth", optarg, 1, 64, &v) != 0) goto bad;
            o->tx.max_depth = (int)v;
            break;
        case OPT_MAXERR:
            if (tx_parse_count(ME, "--max-errors", optarg, (unsigned long long)-1 / 2,
                               &o->tx.max_errors) != 0)
                goto bad;
            break;
        case OPT_MAXLINE:
            if (tx_parse_range(ME, "--max-line-bytes", optarg, 1, (unsigned long long)1 << 40,
                               &v) != 0)
                goto bad;
            o->tx.max_line = (size_t)v;
            break;
        case OPT_MI:
            o->mi_client_id = optarg;
            break;
        case 'q':
            o->tx.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            f2c_buf_free(&typebuf);
            return 1;
        default:
            if (tx_parse_fp_limit(ME, c, optarg, &o->fp_limits) != 0) goto bad;
            break;
        }
    }
    if (optind < argc) {
        fprintf(stderr, ME ": unexpected argument \"%s\"\n", argv[optind]);
        goto bad;
    }
    if (ntypeargs) {
        /* Split every --type at commas; each piece must be a resource type name. */
        size_t cap = typebuf.len + 1;
        o->types = calloc(cap, sizeof *o->types);
        if (!o->types) goto nomem;
        o->typebuf = typebuf.data;
        typebuf.data = NULL;
        char *p = o->typebuf;
        for (size_t a = 0; a < ntypeargs; a++) {
            size_t len = strlen(p);
            char *next = p + len + 1;
            for (char *tok = p;;) {
                char *comma = strchr(tok, ',');
                if (comma) *comma = '\0';
                if (!f2c_is_resource_type_name(tok)) {
                    fprintf(stderr, ME ": --type: \"%s\" is not a resource type name\n", tok);
                    goto bad;
                }
                int seen = 0;
                for (size_t k = 0; k < o->ntypes && !seen; k++)
                    seen = strcmp(o->types[k], tok) == 0;
                if (!seen) o->types[o->ntypes++] = tok;
                if (!comma) break;
                tok = comma + 1;
            }
            p = next;
        }
    }
    f2c_buf_free(&typebuf);
    return 0;
nomem:
    fprintf(stderr, ME ": out of memory\n");
bad:
    f2c_buf_free(&typebuf);
    return -1;
}

/* Checks everything that can be checked without contacting anyone; prints the problem. */
static int validate(xopts *o, f2c_bulk_opts *b)
{
    if (!o->fhir_url || !o->output || (!o->tx.config_dir && !o->tx.nviews)) {
        fprintf(stderr, ME ": %s is required\n",
                !o->fhir_url ? "--fhir-url"
                : !o->output ? "--output"
                             : "--config (or --view)");
        return -1;
    }
    if (o->tx.config_dir && o->tx.nviews) {
        fprintf(stderr, ME ": give --config or --view, not both\n");
        return -1;
    }
    if (strstr(o->output, "://")) {
        /* A Blob / ADLS address of the CDM folder (f2c_blob_addr_parse's forms).  A query would
         * be a SAS: refused without echoing it (credentials come from the environment). */
        if (strpbrk(o->output, "?#")) {
            fprintf(stderr, ME ": --output: a blob address takes no query string or fragment "
                               "(give a SAS in FHIR2CDM_STORAGE_SAS)\n");
            return -1;
        }
        f2c_error e;
        f2c_error_clear(&e);
        if (f2c_blob_addr_parse(o->output, &o->addr, &e) != F2C_OK) {
            fprintf(stderr, ME ": --output: %s\n", e.message);
            return -1;
        }
        if (!*o->addr.container || tx_pub_prefix(o->addr.path, &o->prefix) != 0) {
            fprintf(stderr,
                    ME ": --output %s: needs a container and a folder path without \".\" or "
                       "\"..\" segments\n",
                    o->output);
            return -1;
        }
        o->remote = 1;
    } else if (o->mi_client_id) {
        fprintf(stderr, ME ": --managed-identity-client-id is for a blob --output only\n");
        return -1;
    }
    if (strncasecmp(o->fhir_url, "http://", 7) != 0 &&
        strncasecmp(o->fhir_url, "https://", 8) != 0) {
        fprintf(stderr, ME ": --fhir-url must be an http(s) URL\n");
        return -1;
    }
    b->fhir_url = o->fhir_url;
    if (!o->level_arg || strcmp(o->level_arg, "system") == 0) {
        b->level = F2C_BULK_SYSTEM;
    } else if (strcmp(o->level_arg, "patient") == 0) {
        b->level = F2C_BULK_PATIENT;
    } else if (strncmp(o->level_arg, "group:", 6) == 0) {
        b->level = F2C_BULK_GROUP;
        b->group_id = o->level_arg + 6;
    } else {
        fprintf(stderr, ME ": --level must be system, patient or group:ID, got \"%s\"\n",
                o->level_arg);
        return -1;
    }
    if (o->since_arg && strcmp(o->since_arg, "last") != 0 && !valid_instant(o->since_arg)) {
        fprintf(stderr,
                ME ": --since must be a FHIR instant (e.g. 2024-01-31T12:00:00Z) or `last`, got "
                   "\"%s\"\n",
                o->since_arg);
        return -1;
    }
    if (o->output_format && !*o->output_format) {
        fprintf(stderr, ME ": --output-format must not be empty\n");
        return -1;
    }
    /* Auth: one source. */
    int oauth = o->token_url || o->client_id || o->client_secret || o->private_key || o->key_id;
    if (o->bearer && oauth) {
        fprintf(stderr, ME ": give --bearer-token or --token-url/--client-id, not both\n");
        return -1;
    }
    if (o->bearer && !*o->bearer) {
        fprintf(stderr, ME ": --bearer-token is empty\n");
        return -1;
    }
    if (o->scope && !o->token_url) {
        fprintf(stderr, ME ": --scope needs --token-url\n");
        return -1;
    }
    if (oauth) {
        if (!o->token_url || !o->client_id) {
            fprintf(stderr, ME ": OAuth needs both --token-url and --client-id\n");
            return -1;
        }
        if (strncasecmp(o->token_url, "http://", 7) != 0 &&
            strncasecmp(o->token_url, "https://", 8) != 0) {
            fprintf(stderr, ME ": --token-url must be an http(s) URL\n");
            return -1;
        }
        if (o->private_key && o->client_secret) {
            fprintf(stderr, ME ": give --client-secret or --private-key, not both\n");
            return -1;
        }
        if (o->key_id && !o->private_key) {
            fprintf(stderr, ME ": --key-id needs --private-key\n");
            return -1;
        }
        if (!o->private_key && !o->client_secret) {
            const char *env = getenv(SECRET_ENV);
            if (!env || !*env) {
                fprintf(stderr, ME ": --client-id needs --client-secret (or " SECRET_ENV
                                   " in the environment) or --private-key\n");
                return -1;
            }
        }
    }
    for (size_t i = 0; i < o->nfilters; i++)
        if (!*o->filters[i]) {
            fprintf(stderr, ME ": --type-filter must not be empty\n");
            return -1;
        }
    if (b->level == F2C_BULK_GROUP) {
        const char *g = b->group_id;
        size_t n = strlen(g);
        int ok = n > 0 && n <= 64;
        for (; ok && *g; g++)
            ok = (*g >= 'A' && *g <= 'Z') || (*g >= 'a' && *g <= 'z') || (*g >= '0' && *g <= '9') ||
                 *g == '-' || *g == '.';
        if (!ok) {
            fprintf(stderr, ME ": --level group:ID needs a FHIR id (1 to 64 of A-Z a-z 0-9 - .)\n");
            return -1;
        }
    }
    return 0;
}

/* Loads the configuration once into a throw-away folder (a new temporary folder, never a name
 * inside the output): configuration errors stop the run before the server is contacted, and the
 * default _type list comes from it. */
static int probe_config(xopts *o, char ***types, size_t *ntypes)
{
    *types = NULL;
    *ntypes = 0;
    f2c_buf dir = {0};
    const char *tmpdir = getenv("TMPDIR");
    if (f2c_buf_printf(&dir, "%s/fhir2cdm-probe-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") !=
            0 ||
        !mkdtemp(dir.data)) {
        fprintf(stderr, ME ": cannot create a temporary folder: %s\n", strerror(errno));
        f2c_buf_free(&dir);
        return TX_EXIT_USAGE;
    }
    tx_options t = o->tx;
    t.output_dir = dir.data;
    tx_stream_job *j = NULL;
    int rc = tx_stream_job_open(&t, "probe", &j);
    if (rc == TX_EXIT_OK) {
        const char *const *ty;
        size_t n = tx_stream_job_types(j, &ty);
        *types = calloc(n ? n : 1, sizeof **types);
        if (!*types) rc = TX_EXIT_USAGE;
        for (size_t i = 0; rc == TX_EXIT_OK && i < n; i++) {
            (*types)[i] = strdup(ty[i]);
            if (!(*types)[i]) rc = TX_EXIT_USAGE;
            *ntypes = i + 1;
        }
    }
    tx_stream_job_free(j);
    (void)f2c_fs_remove_tree(dir.data);
    f2c_buf_free(&dir);
    return rc;
}

/* XXH3-64 of transactionTime "\n" request, as 16 hex digits. */
static void default_opid(const f2c_bulk_manifest *m, char out[65])
{
    f2c_buf b = {0};
    uint64_t h = 0;
    if (f2c_buf_printf(&b, "%s\n%s", m->transaction_time, m->request) == 0)
        h = XXH3_64bits(b.data, b.len);
    f2c_buf_free(&b);
    snprintf(out, 65, "%016llx", (unsigned long long)h);
}

int tx_export_main(int argc, char **argv)
{
    xopts o = {.tx = {.max_depth = F2C_DEFAULT_MAX_DEPTH, .max_line = F2C_NDJSON_DEFAULT_MAX_LINE},
               .parallel = 4};
    f2c_fp_limits_default(&o.fp_limits);
    o.tx.fp_limits = &o.fp_limits;
    const char **views = calloc((size_t)argc + 1, sizeof *views);
    o.filters = calloc((size_t)argc + 1, sizeof *o.filters);
    f2c_bulk_opts b = {.max_poll_wait_ms = 120000, .cancel = &g_cancel};
    char **cfg_types = NULL;
    size_t ncfg_types = 0;
    char *since = NULL, *status_url = NULL;
    f2c_buf staging = {0};
    run r = {.o = &o};
    pthread_mutex_init(&r.mu, NULL);
    int rc = TX_EXIT_USAGE, curl_ready = 0, published = 0, created_output = 0;
    f2c_commit *early_tx = NULL;  /* local output: the folder's transaction until the job has it */
    f2c_blob_client *blob = NULL; /* blob output */
    char tmp[4096] = "";          /* blob output: the local temporary folder, "" when none */
    f2c_error e;
    f2c_error_clear(&e);
    if (!views || !o.filters) {
        fprintf(stderr, ME ": out of memory\n");
        goto out;
    }
    o.tx.views = views;
    int pa = parse_args(argc, argv, &o, views);
    if (pa == 1) {
        rc = TX_EXIT_OK;
        goto out;
    }
    if (pa != 0 || validate(&o, &b) != 0) {
        fprintf(stderr, "Try 'fhir2cdm-transform export --help'.\n");
        goto out;
    }
    if (o.keep_dir && f2c_fs_mkdirs(o.keep_dir, 0777) != 0) {
        fprintf(stderr, ME ": --keep-ndjson %s: cannot create: %s\n", o.keep_dir, strerror(errno));
        goto out;
    }
    if (o.remote) {
        /* Staging (and the probe) in a local temporary folder, removed at the end. */
        const char *tmpdir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/fhir2cdm-export-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!mkdtemp(tmp)) {
            fprintf(stderr, ME ": cannot create a temporary folder in %s: %s\n",
                    tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
            tmp[0] = '\0';
            goto out;
        }
    } else {
        /* The probe creates <output> (when missing) only after the configuration loaded; a run
         * that fails removes it again if it is still empty. */
        struct stat ost;
        created_output = stat(o.output, &ost) != 0;
    }
    if (probe_config(&o, &cfg_types, &ncfg_types) != TX_EXIT_OK) goto out;
    if (!o.remote) {
        /* The folder's lock (and the recovery of an interrupted run) before the server is
         * contacted: a second writer stops here, not after a whole server export. */
        if (f2c_commit_begin(o.output, stderr, &early_tx, &e) != F2C_OK) {
            char line[2048];
            fprintf(stderr, "error: %s\n", f2c_error_format(&e, line, sizeof line));
            goto out;
        }
    }
    if (f2c_blob_global_init(&e) != F2C_OK) {
        fprintf(stderr, ME ": %s\n", e.message);
        goto out;
    }
    curl_ready = 1;
    if (o.remote) {
        if (!o.tx.quiet)
            fprintf(stderr, ME ": output: container %s%s%.*s of account %s at %s (auth: %s)\n",
                    o.addr.container, *o.prefix.data ? ", folder " : "",
                    (int)(o.prefix.len ? o.prefix.len - 1 : 0), o.prefix.data, o.addr.account,
                    o.addr.endpoint, tx_pub_auth_name());
        if (tx_pub_client_new(o.addr.endpoint, o.addr.account, o.mi_client_id, &blob, &e) !=
            F2C_OK) {
            fprintf(stderr, ME ": error: storage client: %s\n", e.message);
            goto out;
        }
    }
    if (o.since_arg && strcmp(o.since_arg, "last") == 0) {
        if (o.remote) {
            int src = read_state_since_blob(&o, blob, &since);
            if (src != TX_EXIT_OK) {
                rc = src;
                goto out;
            }
        } else if (read_state_since(o.output, &since) != 0)
            goto out;
    } else if (o.since_arg) {
        since = strdup(o.since_arg);
    }
    b.since = since;
    if (o.ntypes) {
        b.types = o.types;
        b.ntypes = o.ntypes;
    } else {
        b.types = (const char *const *)cfg_types;
        b.ntypes = ncfg_types;
    }
    b.type_filters = o.filters;
    b.ntype_filters = o.nfilters;
    b.output_format = o.output_format;
    b.post = o.post;
    b.progress = on_progress;
    b.progress_ud = &o;
    if (o.bearer) {
        b.bearer_token = o.bearer;
    } else if (o.token_url) {
        f2c_blob_token_opts to = {
            .kind = o.private_key ? F2C_BLOB_TOKEN_PRIVATE_KEY_JWT : F2C_BLOB_TOKEN_CLIENT_SECRET,
            .token_url = o.token_url,
            .client_id = o.client_id,
            .client_secret = o.client_secret,
            .client_secret_env = o.client_secret ? NULL : SECRET_ENV,
            .private_key = o.private_key,
            .key_id = o.key_id,
            .scope = o.scope,
        };
        r.topts = to;
        r.have_topts = 1;
        if (f2c_blob_token_provider_new(&to, &r.prov, &e) != F2C_OK) {
            fprintf(stderr, ME ": %s\n", e.message);
            goto out;
        }
        b.token_provider = r.prov;
    }
    /* From here on the server is contacted: failures are exit 3, interruptions 130. */
    tx_signals_install();

    rc = TX_EXIT_EXPORT;
    if (!o.tx.quiet) {
        char shown[512];
        shown_url(o.fhir_url, shown, sizeof shown);
        fprintf(stderr, ME ": kick-off at %s (%s level, %zu type%s%s%s)\n", shown,
                b.level == F2C_BULK_SYSTEM    ? "system"
                : b.level == F2C_BULK_PATIENT ? "patient"
                                              : "group",
                b.ntypes, b.ntypes == 1 ? "" : "s", since ? ", since " : "", since ? since : "");
    }
    if (f2c_bulk_kickoff(&b, &status_url, &e) != F2C_OK) {
        if (!g_cancel) fprintf(stderr, ME ": error: %s\n", e.message);
        goto out;
    }
    if (!o.tx.quiet) {
        char shown[512];
        shown_url(status_url, shown, sizeof shown);
        fprintf(stderr, ME ": export job accepted: %s\n", shown);
    }
    if (f2c_bulk_wait(&b, status_url, &r.m, &e) != F2C_OK) {
        if (!g_cancel) fprintf(stderr, ME ": error: %s\n", e.message);
        goto out;
    }
    if (!o.tx.quiet)
        fprintf(stderr,
                ME ": export complete: transactionTime %s, %zu output file%s, %zu error "
                   "file%s\n",
                r.m.transaction_time, r.m.noutput, r.m.noutput == 1 ? "" : "s", r.m.nerror,
                r.m.nerror == 1 ? "" : "s");
    if (o.tx.operation_id)
        snprintf(r.opid, sizeof r.opid, "%s", o.tx.operation_id);
    else
        default_opid(&r.m, r.opid);
    if (make_stems(&r) != 0) {
        fprintf(stderr, ME ": error: out of memory\n");
        goto out;
    }
    /* The job's transaction (f2c_commit.h) stages the partitions inside the output folder and
     * publishes them all at once with model.json.  Blob output: the job writes a local CDM folder
     * in the temporary folder, which publish_blob then uploads. */
    if (f2c_buf_printf(&staging, "%s", o.remote ? tmp : o.output) != 0) goto out;
    tx_options t = o.tx;
    t.output_dir = staging.data;
    t.summary_dir = o.output; /* where the partitions end up */
    t.commit = early_tx;      /* local output: the transaction begun above (the job's now) */
    early_tx = NULL;
    if (tx_stream_job_open(&t, r.opid, &r.job) != TX_EXIT_OK) goto out;
    if (download_all(&r) != 0) goto out;
    unsigned long long issues = 0;
    if (scan_error_files(&r, &issues) != 0) goto out;
    if (g_cancel) goto out;

    /* Everything arrived: publish.  modifiedTime = transactionTime, normalised to UTC. */
    f2c_buf mtime = {0};
    const char *why;
    if (f2c_render_datetime(r.m.transaction_time, strlen(r.m.transaction_time), F2C_T_INSTANT,
                            &mtime, &why) != F2C_RENDER_OK) {
        f2c_buf_free(&mtime);
        fprintf(stderr, ME ": error: out of memory\n");
        goto out;
    }
    if (!o.remote) published = 1; /* the commit: an interruption from here on does not undo it */
    int frc = tx_stream_job_finish(r.job, mtime.data);
    if (frc == TX_EXIT_USAGE) {
        f2c_buf_free(&mtime);
        rc = TX_EXIT_USAGE;
        goto out;
    }
    int mrc;
    if (o.remote) {
        mrc = publish_blob(&o, &r, blob, staging.data, mtime.data, &published);
        f2c_buf_free(&mtime);
        if (mrc != TX_EXIT_OK && mrc != TX_EXIT_DATA) {
            rc = mrc;
            goto out;
        }
    } else {
        mrc = frc; /* tx_stream_job_finish committed the partitions and model.json */
        f2c_buf_free(&mtime);
    }
    if (!o.tx.quiet)
        printf("export: published the partitions above into %s/data/ and wrote %s/model.json\n",
               o.output, o.output);
    rc = frc == TX_EXIT_OK && mrc == TX_EXIT_OK && issues == 0 ? TX_EXIT_OK : TX_EXIT_DATA;
    if (issues)
        fprintf(stderr, ME ": %llu issue%s in the export's error files\n", issues,
                issues == 1 ? "" : "s");
    int state_ok = 0;
    if (rc == TX_EXIT_OK && o.remote) {
        /* Last: the state never claims a time whose data model.json does not list yet. */
        if (tx_pub_write_state(blob, o.addr.container, o.prefix.data, r.m.transaction_time, r.opid,
                               &e) != F2C_OK) {
            fprintf(stderr, ME ": error: %s\n", e.message);
            rc = TX_EXIT_EXPORT;
        } else
            state_ok = 1;
    } else if (rc == TX_EXIT_OK) {
        if (write_state(&o, r.m.transaction_time, r.opid) != 0)
            rc = TX_EXIT_USAGE;
        else
            state_ok = 1;
    }
    if (!o.tx.quiet) {
        printf("export: %zu file%s, %llu bytes downloaded; transactionTime %s; operation id %s\n",
               r.nfiles, r.nfiles == 1 ? "" : "s", (unsigned long long)atomic_load(&r.bytes),
               r.m.transaction_time, r.opid);
        if (state_ok)
            printf("export: state: %s/" STATE_FILE " records transactionTime %s\n", o.output,
                   r.m.transaction_time);
        else
            printf("export: state: %s/" STATE_FILE " not advanced (errors above)\n", o.output);
    }

out:
    if (r.job) {
        tx_stream_job_free(r.job);
        r.job = NULL;
    }
    f2c_commit_abort(early_tx); /* not handed to a job: nothing published */
    if (tmp[0] && f2c_fs_remove_tree(tmp) != 0)
        fprintf(stderr, ME ": warning: could not remove %s: %s\n", tmp, strerror(errno));
    if (created_output && !published) rmdir(o.output); /* only if still empty */
    if (status_url) {
        /* [BD "Bulk Data Delete Request"]: cancels a running job (interruption, failure) or
         * releases a finished job's files. */
        if (f2c_bulk_delete(&b, status_url, &e) != F2C_OK)
            fprintf(stderr, ME ": warning: %s\n", e.message);
    }
    if (g_cancel && !published) {
        fprintf(stderr, ME ": interrupted; the export job was deleted and %s was not changed\n",
                o.output ? o.output : "the output");
        rc = 128 + (int)g_cancel; /* 130 SIGINT, 143 SIGTERM, 129 SIGHUP */
    }
    for (size_t i = 0; i < r.nfiles; i++) {
        free(r.files[i].stem);
        free(r.files[i].label);
    }
    free(r.files);
    f2c_bulk_manifest_free(&r.m);
    f2c_blob_token_provider_free(r.prov);
    f2c_blob_client_free(blob);
    if (curl_ready) f2c_blob_global_cleanup();
    f2c_blob_addr_free(&o.addr);
    f2c_buf_free(&o.prefix);
    for (size_t i = 0; i < ncfg_types; i++)
        free(cfg_types[i]);
    free(cfg_types);
    free(since);
    free(status_url);
    f2c_buf_free(&staging);
    free(o.types);
    free(o.typebuf);
    free(o.filters);
    free(views);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
