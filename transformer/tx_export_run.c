/*
 * tx_export_run: the Bulk Data protocol's data phase of `fhir2cdm-transform export` — the
 * partition stems of the manifest's files, the pool of threads that streams every output file
 * into the stream job, the error files' OperationOutcome issues, and the polling progress line.
 *
 * Why it is built this way:
 *  - Downloads are streamed (f2c_http_get resumes with Range so every byte reaches the
 *    transformer exactly once) by a bounded pool of threads; the NDJSON is never stored unless
 *    --keep-ndjson asks for a copy.
 *  - The token provider is one-thread-at-a-time, so each download thread makes its own (see
 *    run.topts).
 *  - Every server text printed here goes through f2c_redact (docs/export.md, "Secrets").
 * Bulk Data IG v2 sections are cited as in f2c_bulk.h ([BD "..."]).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_redact.h"

#include "tx_export_int.h"

/* ---- small helpers ------------------------------------------------------------------------ */

/* The URL without query/fragment, for messages. */
void tx_export_shown_url(const char *url, char *out, size_t n)
{
    size_t l = strcspn(url, "?#");
    snprintf(out, n, "%.*s", (int)(l < 400 ? l : 400), url);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- downloads ---------------------------------------------------------------------------- */

static int stop_now(run *r)
{
    return g_cancel || atomic_load(&r->failed);
}

/* Auth for a file request ([BD "File Request"]): a token only when the manifest says
 * requiresAccessToken.  *mine is the calling thread's own provider, made on first use.  0, or
 * -1 with *e set. */
static int file_auth(run *r, f2c_token_provider **mine, f2c_http_get_opts *ho, f2c_error *e)
{
    if (!r->m.requires_access_token) return 0;
    if (r->o->bearer) {
        ho->bearer_token = r->o->bearer;
        return 0;
    }
    if (!r->have_topts) return 0; /* the server wants a token but we have none: it answers 401 */
    if (!*mine && f2c_token_provider_new(&r->topts, mine, e) != F2C_OK) return -1;
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

/* --keep-ndjson: the copy of one file, written to an unpredictable temporary name in the folder
 * (O_EXCL|O_NOFOLLOW, relative to the folder's descriptor) and renamed over <stem>.ndjson only
 * when complete; a symbolic link or non-regular file at that name is refused, never followed. */
typedef struct keep {
    int dirfd;
    char tmp[512];
    f2c_buf name;
} keep;

/* Opens d->keep for file x; 0, or -1 (reported). */
static int keep_open(const run *r, const xfile *x, dl *d, keep *k)
{
    /* The folder the user named (made by tx_export.c); what we write inside it is link-safe. */
    k->dirfd = open(r->o->keep_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = -1;
    if (k->dirfd >= 0 && f2c_buf_printf(&k->name, "%s.ndjson", x->stem) == 0)
        fd = f2c_fs_replace_begin(k->dirfd, k->name.data, k->tmp, sizeof k->tmp);
    if (fd >= 0 && !(d->keep = fdopen(fd, "wb"))) {
        close(fd);
        unlinkat(k->dirfd, k->tmp, 0);
    }
    if (!d->keep)
        fprintf(stderr, ME ": error: --keep-ndjson %s/%s.ndjson: %s\n", r->o->keep_dir, x->stem,
                errno == ELOOP ? "is a symbolic link (refused: never followed)" : strerror(errno));
    return d->keep ? 0 : -1;
}

/* Closes d->keep and publishes it (ok) or removes it; 0, or -1 (reported). */
static int keep_close(const run *r, dl *d, keep *k, int ok)
{
    int rc = 0;
    if (d->keep) {
        int bad = !ok || d->keep_failed || fflush(d->keep) != 0 ||
                  (fsync(fileno(d->keep)) != 0 && errno != EINVAL);
        if (fclose(d->keep) != 0) bad = 1;
        d->keep = NULL;
        if (f2c_fs_replace_finish(k->dirfd, k->tmp, k->name.data, bad) != 0 && ok) {
            fprintf(stderr, ME ": error: --keep-ndjson %s/%s: %s\n", r->o->keep_dir, k->name.data,
                    d->keep_failed ? "write failed" : strerror(errno));
            rc = -1;
        }
    }
    if (k->dirfd >= 0) close(k->dirfd);
    f2c_buf_free(&k->name);
    return rc;
}

void tx_export_file_opts(f2c_http_get_opts *ho)
{
    *ho = (f2c_http_get_opts){.cancel = &g_cancel,
                              .compressed = 1,
                              .describe = f2c_bulk_error_text,
                              .media_types = tx_export_file_media_types};
}

/* Downloads and transforms output file i; 0 or -1 (failure reported, run->failed set). */
static int download_one(run *r, size_t i, f2c_token_provider **mine)
{
    xfile *x = &r->files[i];
    f2c_error e;
    f2c_error_clear(&e);
    dl d = {.r = r};
    keep k = {.dirfd = -1};
    int ok = 0;
    d.f = tx_stream_file_begin(r->job, x->stem, x->label);
    if (!d.f) {
        fprintf(stderr, ME ": error: out of memory\n");
        goto done;
    }
    if (r->o->keep_dir && keep_open(r, x, &d, &k) != 0) goto done;
    /* The signal flag: a stalled download stops within about a second of SIGINT/SIGTERM. */
    f2c_http_get_opts ho;
    tx_export_file_opts(&ho);
    unsigned long long wire = 0;
    ho.received = &wire;
    if (file_auth(r, mine, &ho, &e) != 0) {
        fprintf(stderr, ME ": error: %s: %s\n", x->label, e.message);
        goto done;
    }
    uint64_t total = 0;
    int http = 0;
    f2c_status st = f2c_http_get(x->mf->url, &ho, on_chunk, &d, &total, &http, &e);
    x->bytes = d.bytes;
    atomic_fetch_add(&r->wire, wire);
    if (st != F2C_OK) {
        /* Already reported: the transformer's fatal error; nothing to say: an interruption or
         * another file's failure. */
        if (!d.feed_failed && !stop_now(r)) fprintf(stderr, ME ": error: %s\n", e.message);
        goto done;
    }
    ok = 1;
done:
    if (keep_close(r, &d, &k, ok) != 0) ok = 0;
    if (d.f && tx_stream_file_end(d.f, ok) != 0) ok = 0;
    if (!ok) {
        atomic_store(&r->failed, 1);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    size_t n = ++r->done;
    pthread_mutex_unlock(&r->mu);
    if (!r->o->tx.quiet)
        fprintf(stderr, ME ": [%zu/%zu] %s: %llu bytes\n", n, r->nfiles, x->label,
                (unsigned long long)x->bytes);
    return 0;
}

static void *worker(void *arg)
{
    run *r = arg;
    f2c_token_provider *mine = NULL;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        size_t i = r->next;
        int go = i < r->nfiles && !stop_now(r);
        if (go) r->next++;
        pthread_mutex_unlock(&r->mu);
        if (!go) break;
        if (download_one(r, i, &mine) != 0) break;
    }
    f2c_token_provider_free(mine);
    pthread_mutex_lock(&r->mu);
    r->workers_left--;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Runs the download pool over r->files; 0 when every file arrived and was transformed. */
int tx_export_download_all(run *r)
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
int tx_export_scan_error_files(run *r, unsigned long long *issues)
{
    *issues = 0;
    for (size_t i = 0; i < r->m.nerror; i++) {
        f2c_error e;
        f2c_error_clear(&e);
        char *label = tx_url_file_name(r->m.error[i].url);
        errscan s = {.label = label && *label ? label : "error-file"};
        /* Main thread, downloads finished: the run's own provider is free to use. */
        f2c_http_get_opts ho;
        tx_export_file_opts(&ho);
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

/* ---- polling progress --------------------------------------------------------------------- */

void tx_export_on_progress(void *ud, const char *x_progress, long next_ms)
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
int tx_export_make_stems(run *r)
{
    r->nfiles = r->m.noutput;
    r->files = calloc(r->nfiles ? r->nfiles : 1, sizeof *r->files);
    if (!r->files) return -1;
    for (size_t i = 0; i < r->nfiles; i++) {
        xfile *x = &r->files[i];
        x->mf = &r->m.output[i];
        char *name = tx_url_file_name(x->mf->url);
        if (!name) return -1;
        x->label = name;
        char *stem = strdup(name);
        if (!stem) return -1;
        if (ends_with(stem, ".ndjson.gz"))
            stem[strlen(stem) - 10] = '\0';
        else if (ends_with(stem, ".ndjson"))
            stem[strlen(stem) - 7] = '\0';
        if (!tx_safe_file_name(stem)) {
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
