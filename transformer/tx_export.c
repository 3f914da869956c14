/*
 * tx_export: `fhir2cdm-transform export` -- Bulk Data $export -> transform -> CDM folder: the
 * command's phases in order (options, output, request, kick-off and polling, transform,
 * publish, state) and the clean-up every exit goes through.  The phases' work lives in
 * tx_export_opts.c (options), tx_export_run.c (downloads, error files) and
 * tx_export_publish.c (blob publishing, the state file), sharing tx_export_int.h.
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
 *    own (run.topts, tx_export_int.h).
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
 *  - --format parquet (issue 17) changes only what the job writes (the sink) and which record
 *    commits it (the CDM manifest instead of model.json).  A folder or container holds one
 *    format, so an output whose committed record is the other format's is refused before the
 *    server is contacted (check_local_format, check_remote_format), not after a whole export;
 *    the commit refuses it too.
 *  - --mode merge (issue 21) keeps one current version of every resource: the stream job merges
 *    (f2c_job_options.merge) and removes the resources listed in the manifest's deletion files,
 *    which tx_export_deleted.c downloads into a private temporary folder before the output
 *    files; the commit, and the state after it, stay as above.  Only a local folder: a blob
 *    output's publishing has no resource index (check_mode).
 * Bulk Data IG v2 sections are cited as in f2c_bulk.h ([BD "..."]).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_type.h"

#include "tx_export.h"
#include "tx_export_int.h"
#include "tx_job.h"
#include "tx_publish.h"
#include "tx_util.h"

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

/* Everything one export holds, from the options to what the clean-up releases. */
typedef struct xrun {
    xopts o;
    const char **views;
    f2c_bulk_opts b;
    char **cfg_types;
    size_t ncfg_types;
    char *since, *status_url;
    f2c_buf staging;
    run r;
    int curl_ready, published, created_output;
    unsigned long long issues; /* in the export's error files */
    f2c_commit *early_tx;      /* local output: the folder's transaction until the job has it */
    f2c_buf manifest;          /* --mode merge: the complete-status body, for its deleted[] */
    f2c_buf unread;            /* output files not downloaded: "Type k, ..." (summary) */
    size_t nunread;
    xdeleted del;          /* --mode merge: the deletion files, downloaded */
    f2c_blob_client *blob; /* blob output */
    tx_mirror *mirror;     /* blob output, --mode merge: the folder mirrored in tmp */
    char tmp[4096];        /* blob output: the local temporary folder, "" when none */
    f2c_error e;
} xrun;

/* Each phase returns 0 to go on, or -1 with *rc the exit code (its message printed). */

/* Options: parse and check the command line (help: exit 0). */
static int phase_options(xrun *x, int argc, char **argv, int *rc)
{
    x->views = calloc((size_t)argc + 1, sizeof *x->views);
    x->o.filters = calloc((size_t)argc + 1, sizeof *x->o.filters);
    if (!x->views || !x->o.filters) {
        fprintf(stderr, ME ": out of memory\n");
        return -1;
    }
    x->o.tx.views = x->views;
    int pa = tx_export_parse_args(argc, argv, &x->o, x->views);
    if (pa == 1) {
        *rc = TX_EXIT_OK;
        return -1;
    }
    if (pa != 0 || tx_export_validate(&x->o, &x->b) != 0) {
        fprintf(stderr, "Try 'fhir2cdm-transform export --help'.\n");
        return -1;
    }
    return 0;
}

/* A CDM folder holds one format (docs/export.md): a local output whose committed record is the
 * other format's is refused here, under the folder's lock and before the server is contacted,
 * rather than by the commit after a whole export (which refuses it too).  0, or -1 (printed). */
static int check_local_format(const xopts *o)
{
    const char *want = o->tx.sink.format ? o->tx.sink.format : "csv";
    const char *other = strcmp(want, "parquet") == 0 ? "csv" : "parquet";
    f2c_buf path = {0};
    struct stat sb;
    int rc = f2c_buf_printf(&path, "%s/%s", o->output, f2c_cdm_record_name(other));
    if (rc == 0 && lstat(path.data, &sb) == 0) {
        fprintf(stderr,
                ME ": error: %s holds %s partitions; this run writes %s: a CDM folder holds one "
                   "format, so write into another folder, or use --format %s\n",
                path.data, tx_pub_format_label(other), tx_pub_format_label(want), other);
        rc = -1;
    }
    f2c_buf_free(&path);
    return rc;
}

/* Blob output: the same rule against the container's committed record (tx_publish.h), before
 * the server is contacted; storage that cannot be read stops the run here too.  0, or -1 with
 * *rc set (printed). */
static int check_remote_format(xrun *x, int *rc)
{
    const xopts *o = &x->o;
    tx_pub_published cur = {0};
    f2c_status st = tx_pub_read_published(x->blob, o->addr.container, o->prefix.data,
                                          o->tx.sink.format, 0, &cur, &x->e);
    tx_pub_published_free(&cur);
    if (st == F2C_OK) return 0;
    fprintf(stderr, ME ": error: %s\n", x->e.message);
    *rc = st == F2C_EUSAGE ? TX_EXIT_USAGE : TX_EXIT_EXPORT;
    return -1;
}

/* Output: the --keep-ndjson folder, the staging place, the configuration probe, the folder's
 * lock (local) or the storage client (blob), all before the server is contacted. */
static int phase_output(xrun *x)
{
    xopts *o = &x->o;
    if (o->keep_dir && f2c_fs_mkdirs(o->keep_dir, 0777) != 0) {
        fprintf(stderr, ME ": --keep-ndjson %s: cannot create: %s\n", o->keep_dir, strerror(errno));
        return -1;
    }
    if (o->remote) {
        /* Staging (and the probe) in a local temporary folder, removed at the end. */
        const char *tmpdir = getenv("TMPDIR");
        snprintf(x->tmp, sizeof x->tmp, "%s/fhir2cdm-export-XXXXXX",
                 tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!mkdtemp(x->tmp)) {
            fprintf(stderr, ME ": cannot create a temporary folder in %s: %s\n",
                    tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
            x->tmp[0] = '\0';
            return -1;
        }
    } else {
        /* The probe creates <output> (when missing) only after the configuration loaded; a run
         * that fails removes it again if it is still empty. */
        struct stat ost;
        x->created_output = stat(o->output, &ost) != 0;
    }
    if (probe_config(o, &x->cfg_types, &x->ncfg_types) != TX_EXIT_OK) return -1;
    /* The folder's lock (and the recovery of an interrupted run) before the server is
     * contacted: a second writer stops here, not after a whole server export. */
    if (!o->remote && f2c_commit_begin(o->output, stderr, &x->early_tx, &x->e) != F2C_OK) {
        char line[2048];
        fprintf(stderr, "error: %s\n", f2c_error_format(&x->e, line, sizeof line));
        return -1;
    }
    return o->remote ? 0 : check_local_format(o);
}

/* Storage: libcurl, and for a blob output the storage client. */
static int phase_storage(xrun *x)
{
    xopts *o = &x->o;
    if (f2c_blob_global_init(&x->e) != F2C_OK) {
        fprintf(stderr, ME ": %s\n", x->e.message);
        return -1;
    }
    x->curl_ready = 1;
    if (!o->remote) return 0;
    if (!o->tx.quiet)
        fprintf(stderr, ME ": output: container %s%s%.*s of account %s at %s (auth: %s)\n",
                o->addr.container, *o->prefix.data ? ", folder " : "",
                (int)(o->prefix.len ? o->prefix.len - 1 : 0), o->prefix.data, o->addr.account,
                o->addr.endpoint, tx_pub_auth_name());
    if (tx_pub_client_new(o->addr.endpoint, o->addr.account, o->mi_client_id, &x->blob, &x->e) !=
        F2C_OK) {
        fprintf(stderr, ME ": error: storage client: %s\n", x->e.message);
        return -1;
    }
    return 0;
}

/* Auth for the server: a fixed bearer token, or a token provider (OAuth / SMART). */
static int request_auth(xrun *x)
{
    xopts *o = &x->o;
    if (o->bearer) {
        x->b.bearer_token = o->bearer;
        return 0;
    }
    if (!o->token_url) return 0;
    f2c_token_opts to = {
        .kind = o->private_key ? F2C_TOKEN_PRIVATE_KEY_JWT : F2C_TOKEN_CLIENT_SECRET,
        .token_url = o->token_url,
        .client_id = o->client_id,
        .client_secret = o->client_secret,
        .client_secret_env = o->client_secret ? NULL : SECRET_ENV,
        .private_key = o->private_key,
        .key_id = o->key_id,
        .scope = o->scope,
    };
    x->r.topts = to;
    x->r.have_topts = 1;
    if (f2c_token_provider_new(&to, &x->r.prov, &x->e) != F2C_OK) {
        fprintf(stderr, ME ": %s\n", x->e.message);
        if (x->e.status == F2C_EUSAGE && o->private_key && !o->key_id &&
            strstr(x->e.message, "key id"))
            fprintf(stderr, ME ": pass --key-id KID, the id under which the server has this "
                               "client's public key (its JWK Set), or a JWK private key with "
                               "its \"kid\"\n");
        return -1;
    }
    x->b.token_provider = x->r.prov;
    return 0;
}

/* The default _type cut to what the server serves: x->cfg_types reordered so that the types its
 * CapabilityStatement lists come first (in their order), b->ntypes their number.  Why: a server
 * may refuse a whole kick-off whose _type names one type it lacks (the SMART reference server
 * answers 400).  Unreadable metadata: a warning, every type sent (as before).  0, or -1 (exit 2)
 * when none is left.  The rule is in docs/export.md, "Which types are requested". */
static int served_types(xrun *x)
{
    f2c_bulk_opts *b = &x->b;
    char **have = NULL;
    size_t nhave = 0, keep = 0;
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_bulk_server_types(b, &have, &nhave, &e) != F2C_OK) {
        fprintf(stderr,
                ME ": warning: cannot read the server's CapabilityStatement (%s); requesting every "
                   "type the configuration reads\n",
                e.message);
        return 0;
    }
    f2c_buf out = {0};
    for (size_t i = 0; i < x->ncfg_types; i++) {
        int served = 0;
        for (size_t k = 0; k < nhave && !served; k++)
            served = strcmp(have[k], x->cfg_types[i]) == 0;
        if (!served) {
            f2c_buf_printf(&out, "%s%s", out.len ? ", " : "", x->cfg_types[i]);
            continue;
        }
        char *t = x->cfg_types[i]; /* stable: the served ones move up in their order */
        memmove(&x->cfg_types[keep + 1], &x->cfg_types[keep], (i - keep) * sizeof *x->cfg_types);
        x->cfg_types[keep++] = t;
    }
    f2c_bulk_types_free(have, nhave);
    b->ntypes = keep;
    if (keep == 0)
        fprintf(stderr,
                ME
                ": error: the server's CapabilityStatement lists none of the types the "
                "configuration reads (%s): nothing to export; pass --type to send types anyway\n",
                out.data ? out.data : "");
    else if (out.len)
        fprintf(stderr,
                ME ": warning: the server's CapabilityStatement does not list %s: not requested "
                   "(their tables stay empty)\n",
                out.data);
    f2c_buf_free(&out);
    return keep ? 0 : -1;
}

/* Request: _since (--since last: from the state), _type (given, else the configuration's),
 * _typeFilter, _outputFormat, and auth. */
static int phase_request(xrun *x, int *rc)
{
    xopts *o = &x->o;
    f2c_bulk_opts *b = &x->b;
    if (o->remote && check_remote_format(x, rc) != 0) return -1;
    if (o->since_arg && strcmp(o->since_arg, "last") == 0) {
        if (o->remote) {
            int src = tx_export_read_state_since_blob(o, x->blob, &x->since);
            if (src != TX_EXIT_OK) {
                *rc = src;
                return -1;
            }
        } else if (tx_export_read_state_since(o->output, &x->since) != 0)
            return -1;
    } else if (o->since_arg) {
        x->since = strdup(o->since_arg);
    }
    b->since = x->since;
    if (o->ntypes) {
        b->types = o->types;
        b->ntypes = o->ntypes;
    } else {
        b->types = (const char *const *)x->cfg_types;
        b->ntypes = x->ncfg_types;
    }
    b->type_filters = o->filters;
    b->ntype_filters = o->nfilters;
    b->output_format = o->output_format;
    b->post = o->post;
    b->progress = tx_export_on_progress;
    b->progress_ud = o;
    /* Merge mode reads deleted[] from the manifest as sent (f2c_bulk_manifest_read_deleted); an
     * append run keeps ignoring the member, as it always did. */
    if (o->tx.merge) b->manifest_body = &x->manifest;
    if (request_auth(x) != 0) return -1;
    return o->ntypes ? 0 : served_types(x);
}

/* The manifest's line on stderr (merge mode, the only one that reads deleted[], counts its
 * deletion files too). */
static void say_manifest(const xrun *x)
{
    const f2c_bulk_manifest *m = &x->r.m;
    char del[64] = "";
    if (x->o.tx.merge)
        snprintf(del, sizeof del, ", %zu deletion file%s", m->ndeleted,
                 m->ndeleted == 1 ? "" : "s");
    fprintf(stderr,
            ME ": export complete: transactionTime %s, %zu output file%s, %zu error file%s%s\n",
            m->transaction_time, m->noutput, m->noutput == 1 ? "" : "s", m->nerror,
            m->nerror == 1 ? "" : "s", del);
}

/* Non-zero when a table or view of the run reads resources of type t (x->cfg_types). */
static int type_read(const xrun *x, const char *t)
{
    for (size_t i = 0; i < x->ncfg_types; i++)
        if (strcmp(x->cfg_types[i], t) == 0) return 1;
    return 0;
}

/* Output files of a type nothing reads (an explicit --type, or a server that ignored _type) are
 * not downloaded ([BD "Response - Complete Status"]: output[].type is the file's resource type;
 * docs/transform.md, "Reading only what the job needs"): dropped from x->r.files after their
 * stems were made (so the others' stems do not depend on it), counted by type in x->unread.
 * 0, or -1 out of memory. */
static int drop_unread(xrun *x)
{
    run *r = &x->r;
    for (size_t i = 0; i < r->nfiles; i++) { /* the counts, each type once, in manifest order */
        const char *t = r->files[i].mf->type;
        size_t same = 0, seen = 0;
        for (size_t k = 0; k < r->nfiles; k++)
            if (strcmp(r->files[k].mf->type, t) == 0) *(k < i ? &seen : &same) += 1;
        if (type_read(x, t) || seen) continue;
        x->nunread += same;
        if (f2c_buf_printf(&x->unread, "%s%s %zu", x->unread.len ? ", " : "", t, same) != 0)
            return -1;
    }
    size_t keep = 0;
    for (size_t i = 0; i < r->nfiles; i++) {
        xfile *f = &r->files[i];
        if (type_read(x, f->mf->type)) {
            r->files[keep++] = *f;
        } else {
            free(f->stem);
            free(f->label);
        }
    }
    r->nfiles = keep;
    return 0;
}

/* Kick-off and polling ([BD "Bulk Data Kick-off Request"], [BD "Bulk Data Status Request"]) up
 * to the manifest (in merge mode with its deleted[]); then the operation id and the partition
 * stems. */
static int phase_export(xrun *x)
{
    const xopts *o = &x->o;
    run *r = &x->r;
    char shown[512];
    if (!o->tx.quiet) {
        tx_export_shown_url(o->fhir_url, shown, sizeof shown);
        fprintf(stderr, ME ": kick-off at %s (%s level, %zu type%s%s%s)\n", shown,
                x->b.level == F2C_BULK_SYSTEM    ? "system"
                : x->b.level == F2C_BULK_PATIENT ? "patient"
                                                 : "group",
                x->b.ntypes, x->b.ntypes == 1 ? "" : "s", x->since ? ", since " : "",
                x->since ? x->since : "");
    }
    if (f2c_bulk_kickoff(&x->b, &x->status_url, &x->e) != F2C_OK) {
        if (!g_cancel) fprintf(stderr, ME ": error: %s\n", x->e.message);
        return -1;
    }
    if (!o->tx.quiet) {
        tx_export_shown_url(x->status_url, shown, sizeof shown);
        fprintf(stderr, ME ": export job accepted: %s\n", shown);
    }
    if (f2c_bulk_wait(&x->b, x->status_url, &r->m, &x->e) != F2C_OK ||
        (o->tx.merge && f2c_bulk_manifest_read_deleted(x->manifest.data, x->manifest.len, &r->m,
                                                       &x->e) != F2C_OK)) {
        if (!g_cancel) fprintf(stderr, ME ": error: %s\n", x->e.message);
        return -1;
    }
    if (!o->tx.quiet) say_manifest(x);
    if (o->tx.operation_id)
        snprintf(r->opid, sizeof r->opid, "%s", o->tx.operation_id);
    else
        default_opid(&r->m, r->opid);
    if (tx_export_make_stems(r) != 0 || drop_unread(x) != 0) {
        fprintf(stderr, ME ": error: out of memory\n");
        return -1;
    }
    return 0;
}

/* Blob output in merge mode: the container's CDM folder mirrored into the temporary folder, which
 * the stream job merges into (tx_mirror.h).  0, or -1 (printed; *rc 2 when the folder cannot be
 * merged into). */
static int open_mirror(xrun *x, int *rc)
{
    const xopts *o = &x->o;
    if (tx_mirror_open(x->blob, o->addr.container, o->prefix.data, o->tx.sink.format, x->tmp,
                       stderr, &x->mirror, &x->e) == F2C_OK)
        return 0;
    fprintf(stderr, ME ": error: %s/%s: %s\n", o->addr.container, o->prefix.data, x->e.message);
    if (x->e.status == F2C_EUSAGE) *rc = TX_EXIT_USAGE;
    return -1;
}

/* Transform: merge mode's deletion files first (a failure stops the run before the long part),
 * then the stream job over every downloaded output file, then the error files. */
static int phase_transform(xrun *x, int *rc)
{
    const xopts *o = &x->o;
    if (o->tx.merge && tx_export_fetch_deleted(&x->r, &x->del) != 0) return -1;
    if (o->tx.merge && o->remote && open_mirror(x, rc) != 0) return -1;
    /* The job's transaction (f2c_commit.h) stages the partitions inside the output folder and
     * publishes them all at once with model.json.  Blob output: the job writes a local CDM folder
     * in the temporary folder, which tx_export_publish_blob then uploads. */
    if (f2c_buf_printf(&x->staging, "%s", o->remote ? x->tmp : o->output) != 0) return -1;
    tx_options t = o->tx;
    t.output_dir = x->staging.data;
    t.summary_dir = o->output; /* where the partitions end up */
    t.commit = x->early_tx;    /* local output: the transaction begun above (the job's now) */
    x->early_tx = NULL;
    /* Read by the merge when the job finishes; x->del outlives the job (cleanup). */
    t.deleted = (const char **)x->del.paths;
    t.ndeleted = x->del.n;
    t.fetch = x->mirror ? tx_mirror_fetcher(x->mirror) : NULL;
    if (tx_stream_job_open(&t, x->r.opid, &x->r.job) != TX_EXIT_OK) return -1;
    if (tx_export_download_all(&x->r) != 0) return -1;
    if (tx_export_scan_error_files(&x->r, &x->issues) != 0) return -1;
    return g_cancel ? -1 : 0;
}

/* Publish: everything arrived.  modifiedTime = transactionTime, normalised to UTC; the local
 * folder is committed by the job, a blob output uploaded and its model.json committed. */
static int phase_publish(xrun *x, int *rc)
{
    const xopts *o = &x->o;
    f2c_buf mtime = {0};
    const char *why;
    const char *tt = x->r.m.transaction_time;
    if (f2c_render_datetime(tt, strlen(tt), F2C_T_INSTANT, &mtime, &why) != F2C_RENDER_OK) {
        f2c_buf_free(&mtime);
        fprintf(stderr, ME ": error: out of memory\n");
        return -1;
    }
    if (!o->remote) x->published = 1; /* the commit: an interruption from now on keeps it */
    int frc = tx_stream_job_finish(x->r.job, mtime.data);
    if (frc == TX_EXIT_USAGE) {
        f2c_buf_free(&mtime);
        *rc = TX_EXIT_USAGE;
        return -1;
    }
    int mrc = frc; /* local: tx_stream_job_finish committed the partitions and model.json */
    if (o->remote && x->mirror)
        mrc = frc == TX_EXIT_OK || frc == TX_EXIT_DATA
                  ? tx_export_publish_mirror(o, x->mirror, x->blob, &x->published)
                  : frc;
    else if (o->remote)
        mrc = tx_export_publish_blob(o, &x->r, x->blob, x->staging.data, mtime.data, &x->published);
    f2c_buf_free(&mtime);
    if (o->remote && mrc != TX_EXIT_OK && mrc != TX_EXIT_DATA) {
        *rc = mrc;
        return -1;
    }
    if (!o->tx.quiet)
        printf("export: published the partitions above into %s/data/ and wrote %s/%s\n", o->output,
               o->output, f2c_cdm_record_name(o->tx.sink.format ? o->tx.sink.format : "csv"));
    *rc = frc == TX_EXIT_OK && mrc == TX_EXIT_OK && x->issues == 0 ? TX_EXIT_OK : TX_EXIT_DATA;
    if (x->issues)
        fprintf(stderr, ME ": %llu issue%s in the export's error files\n", x->issues,
                x->issues == 1 ? "" : "s");
    return 0;
}

/* State: after a clean run only, and last (it never claims a time whose data model.json does
 * not list yet); then the summary on stdout. */
static void phase_state(xrun *x, int *rc)
{
    const xopts *o = &x->o;
    const run *r = &x->r;
    int state_ok = 0;
    if (*rc == TX_EXIT_OK && o->remote) {
        if (tx_pub_write_state(x->blob, o->addr.container, o->prefix.data, r->m.transaction_time,
                               r->opid, &x->e) != F2C_OK) {
            fprintf(stderr, ME ": error: %s\n", x->e.message);
            *rc = TX_EXIT_EXPORT;
        } else
            state_ok = 1;
    } else if (*rc == TX_EXIT_OK) {
        if (tx_export_write_state(o, r->m.transaction_time, r->opid) != 0)
            *rc = TX_EXIT_USAGE;
        else
            state_ok = 1;
    }
    if (o->tx.quiet) return;
    unsigned long long ndjson = atomic_load(&r->bytes), wire = atomic_load(&r->wire);
    printf("export: %zu file%s, %llu bytes transferred, %llu bytes of NDJSON%s; transactionTime "
           "%s; operation id %s\n",
           r->nfiles, r->nfiles == 1 ? "" : "s", wire, ndjson,
           wire < ndjson ? " (compressed transfer)" : "", r->m.transaction_time, r->opid);
    if (x->nunread)
        printf("export: skipped, not read by any table or view: %zu file%s (%s), not downloaded\n",
               x->nunread, x->nunread == 1 ? "" : "s", x->unread.data);
    if (state_ok)
        printf("export: state: %s/" STATE_FILE " records transactionTime %s\n", o->output,
               r->m.transaction_time);
    else
        printf("export: state: %s/" STATE_FILE " not advanced (errors above)\n", o->output);
}

/* Clean-up on every exit: the job, an unused transaction, the temporary folder, an output
 * folder this run created and left empty, the server's job ([BD "Bulk Data Delete Request"]:
 * cancels a running job or releases a finished job's files).  Returns rc, or 128 + the signal
 * when interrupted before publishing. */
static int cleanup(xrun *x, int rc)
{
    if (x->r.job) {
        tx_stream_job_free(x->r.job);
        x->r.job = NULL;
    }
    f2c_commit_abort(x->early_tx); /* not handed to a job: nothing published */
    tx_export_deleted_free(&x->del);
    tx_mirror_free(x->mirror);
    x->mirror = NULL;
    if (x->tmp[0] && f2c_fs_remove_tree(x->tmp) != 0)
        fprintf(stderr, ME ": warning: could not remove %s: %s\n", x->tmp, strerror(errno));
    if (x->created_output && !x->published) rmdir(x->o.output); /* only if still empty */
    if (x->status_url && f2c_bulk_delete(&x->b, x->status_url, &x->e) != F2C_OK)
        fprintf(stderr, ME ": warning: %s\n", x->e.message);
    if (g_cancel && !x->published) {
        fprintf(stderr, ME ": interrupted; the export job was deleted and %s was not changed\n",
                x->o.output ? x->o.output : "the output");
        rc = 128 + (int)g_cancel; /* 130 SIGINT, 143 SIGTERM, 129 SIGHUP */
    }
    return rc;
}

/* Releases what x holds. */
static void xrun_free(xrun *x)
{
    for (size_t i = 0; i < x->r.nfiles; i++) {
        free(x->r.files[i].stem);
        free(x->r.files[i].label);
    }
    free(x->r.files);
    f2c_bulk_manifest_free(&x->r.m);
    f2c_token_provider_free(x->r.prov);
    f2c_blob_client_free(x->blob);
    if (x->curl_ready) f2c_blob_global_cleanup();
    f2c_blob_addr_free(&x->o.addr);
    f2c_buf_free(&x->o.prefix);
    for (size_t i = 0; i < x->ncfg_types; i++)
        free(x->cfg_types[i]);
    free(x->cfg_types);
    free(x->since);
    free(x->status_url);
    f2c_buf_free(&x->staging);
    f2c_buf_free(&x->manifest);
    f2c_buf_free(&x->unread);
    free(x->o.types);
    free(x->o.typebuf);
    free(x->o.filters);
    free(x->views);
    pthread_mutex_destroy(&x->r.mu);
}

int tx_export_main(int argc, char **argv)
{
    xrun x = {
        .o = {.tx = {.max_depth = F2C_DEFAULT_MAX_DEPTH, .max_line = F2C_NDJSON_DEFAULT_MAX_LINE},
              .parallel = 4},
        .b = {.max_poll_wait_ms = 120000, .cancel = &g_cancel},
    };
    f2c_fp_limits_default(&x.o.fp_limits);
    x.o.tx.fp_limits = &x.o.fp_limits;
    x.r.o = &x.o;
    pthread_mutex_init(&x.r.mu, NULL);
    f2c_error_clear(&x.e);
    int rc = TX_EXIT_USAGE;
    if (phase_options(&x, argc, argv, &rc) == 0 && phase_output(&x) == 0 &&
        phase_storage(&x) == 0 && phase_request(&x, &rc) == 0) {
        /* From here on the server is contacted: failures are exit 3, interruptions 130. */
        tx_signals_install();
        rc = TX_EXIT_EXPORT;
        if (phase_export(&x) == 0 && phase_transform(&x, &rc) == 0 && phase_publish(&x, &rc) == 0)
            phase_state(&x, &rc);
    }
    rc = cleanup(&x, rc);
    xrun_free(&x);
    return rc;
}
