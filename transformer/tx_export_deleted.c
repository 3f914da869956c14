/*
 * tx_export_deleted: `fhir2cdm-transform export --mode merge` -- the completion manifest's
 * deletion files ([BD "Response - Complete Status"], `deleted`), downloaded into a private
 * temporary folder for the stream job's merge, which reads them when the job finishes
 * (tx_options.deleted, f2c_job_options.deleted).
 *
 * Why it is built this way:
 *  - The merge reads deletion files by path (f2c_deleted_read), at the commit, after every output
 *    file was transformed; a download cannot be streamed into it the way output files are
 *    streamed into the transformer, so the files are stored first.  They are small (a line per
 *    Bundle of DELETE entries), so they are fetched one after the other on the main thread.
 *  - Downloads are the output files' (f2c_http_get: the same transport, retries, resume by Range,
 *    cancellation by the signal flag; a token only when requiresAccessToken, [BD "File
 *    Request"]) and a failure fails the run the same way: nothing is published.
 *  - The folder is made with mkdtemp under $TMPDIR (mode 0700, an unpredictable name), each file
 *    in a subfolder named by its index in deleted[] and created with O_EXCL|O_NOFOLLOW, so the
 *    file keeps the URL's file name (messages about a bad line name it) without two URLs with
 *    the same file name meeting.  tx_export_deleted_free removes it all, on every exit.
 * Bulk Data IG v2 sections are cited as in f2c_bulk.h ([BD "..."]).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_http.h"

#include "tx_export_int.h"

/* One download into a file: the descriptor and the first write error. */
typedef struct sink_file {
    int fd;
    int err; /* errno of a failed write, else 0 */
} sink_file;

static int on_deleted_chunk(void *ud, const void *data, size_t len)
{
    sink_file *s = ud;
    if (g_cancel) return 1;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(s->fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            s->err = w < 0 ? errno : EIO;
            return 1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Makes d->dir: a new folder under $TMPDIR, mode 0700.  0, or -1 (printed). */
static int make_dir(xdeleted *d)
{
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    snprintf(d->dir, sizeof d->dir, "%s/fhir2cdm-deleted-XXXXXX", tmpdir);
    if (mkdtemp(d->dir)) return 0;
    fprintf(stderr,
            ME ": error: cannot create a temporary folder in %s for the deletion files: %s\n",
            tmpdir, strerror(errno));
    d->dir[0] = '\0';
    return -1;
}

/* The path of deleted[i]: <dir>/<i>/<the URL's file name, or deleted.ndjson when that is not a
 * safe file name>, its subfolder made.  A new string, or NULL (printed). */
static char *file_path(const xdeleted *d, size_t i, const char *url)
{
    char *name = tx_url_file_name(url);
    f2c_buf b = {0};
    if (!name || f2c_buf_printf(&b, "%s/%zu", d->dir, i) != 0) goto oom;
    if (mkdir(b.data, 0700) != 0) {
        fprintf(stderr, ME ": error: cannot create %s: %s\n", b.data, strerror(errno));
        goto fail;
    }
    if (f2c_buf_printf(&b, "/%s", tx_safe_file_name(name) ? name : "deleted.ndjson") != 0) goto oom;
    free(name);
    return b.data;
oom:
    fprintf(stderr, ME ": error: out of memory\n");
fail:
    free(name);
    f2c_buf_free(&b);
    return NULL;
}

/* Downloads deleted[i] into path; 0, or -1 (printed, unless interrupted). */
static int fetch_one(run *r, size_t i, const char *path)
{
    const f2c_bulk_file *mf = &r->m.deleted[i];
    sink_file s = {.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
    if (s.fd < 0) {
        fprintf(stderr, ME ": error: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    /* Main thread, no download running: the run's own provider is free to use, as for the error
     * files; a token only when the manifest requires one ([BD "File Request"]). */
    f2c_http_get_opts ho;
    tx_export_file_opts(&ho);
    if (r->m.requires_access_token) {
        ho.bearer_token = r->o->bearer;
        ho.token_provider = r->prov;
    }
    f2c_error e;
    f2c_error_clear(&e);
    uint64_t total = 0;
    f2c_status st = f2c_http_get(mf->url, &ho, on_deleted_chunk, &s, &total, NULL, &e);
    if (close(s.fd) != 0 && !s.err) s.err = errno;
    if (st != F2C_OK || s.err) {
        if (s.err)
            fprintf(stderr, ME ": error: writing %s: %s\n", path, strerror(s.err));
        else if (!g_cancel)
            fprintf(stderr, ME ": error: deletion file: %s\n", e.message);
        return -1;
    }
    if (!r->o->tx.quiet)
        fprintf(stderr, ME ": deletion file [%zu/%zu] %s: %llu bytes\n", i + 1, r->m.ndeleted,
                strrchr(path, '/') + 1, (unsigned long long)total);
    return 0;
}

int tx_export_fetch_deleted(run *r, xdeleted *d)
{
    if (r->m.ndeleted == 0) return 0;
    d->paths = calloc(r->m.ndeleted, sizeof *d->paths);
    if (!d->paths) {
        fprintf(stderr, ME ": error: out of memory\n");
        return -1;
    }
    if (make_dir(d) != 0) return -1;
    for (size_t i = 0; i < r->m.ndeleted; i++) {
        if (g_cancel) return -1;
        char *path = file_path(d, i, r->m.deleted[i].url);
        if (!path) return -1;
        d->paths[d->n++] = path;
        if (fetch_one(r, i, path) != 0) return -1;
    }
    return 0;
}

void tx_export_deleted_free(xdeleted *d)
{
    if (d->dir[0] && f2c_fs_remove_tree(d->dir) != 0)
        fprintf(stderr, ME ": warning: could not remove %s: %s\n", d->dir, strerror(errno));
    d->dir[0] = '\0';
    for (size_t i = 0; i < d->n; i++)
        free(d->paths[i]);
    free(d->paths);
    d->paths = NULL;
    d->n = 0;
}
