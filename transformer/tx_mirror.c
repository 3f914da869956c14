/*
 * tx_mirror: the sparse local mirror of a blob CDM folder that merge mode merges into, and its
 * publication back into the container (tx_mirror.h says why).
 *
 * Invariants: entries are sorted by location (strcmp), one per mirrored file; an entry's ino is the
 * inode of the file the mirror put there (placeholder, or the fetched copy), so after the local
 * commit a file with another inode, or none, is one the commit created or removed.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"

#include "tx_mirror.h"
#include "tx_publish.h"

/* A placeholder holds what the commit's header check (f2c_sink_matches) reads: a CSV partition's
 * header record (the first HEAD_BYTES, more while no line end is among them), a Parquet
 * partition's first HEAD_BYTES and its footer (the last TAIL_BYTES, or the whole footer when it is
 * longer).  Ranged GETs; a file fetched in full is one GET without a range. */
#define HEAD_BYTES 4096u
#define TAIL_BYTES 16384u

enum { K_PART, K_INDEX, K_DOC };

typedef struct entry {
    char *loc; /* relative to the CDM folder, owned */
    uint64_t size;
    ino_t ino;
    unsigned char kind, whole;
} entry;

struct tx_mirror {
    f2c_blob_client *b; /* borrowed: the fetcher downloads with it */
    char *container, *prefix, *dir;
    const char *record, *format; /* static */
    int dfd;
    int have_record;
    entry *v;
    size_t n, cap;
    f2c_fs_fetcher fetcher;
    size_t fetched;
    size_t refused; /* record locations outside the folder, not mirrored (said on log) */
    FILE *log;
};

static f2c_status nomem(f2c_error *e)
{
    return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

static int by_loc(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->loc, ((const entry *)b)->loc);
}

static entry *find(const tx_mirror *m, const char *loc)
{
    entry key = {.loc = (char *)loc};
    return m->n ? bsearch(&key, m->v, m->n, sizeof *m->v, by_loc) : NULL;
}

static entry *add(tx_mirror *m, const char *loc, uint64_t size, int kind)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        entry *v = realloc(m->v, cap * sizeof *v);
        if (!v) return NULL;
        m->v = v;
        m->cap = cap;
    }
    entry *x = &m->v[m->n];
    *x = (entry){.loc = strdup(loc), .size = size, .kind = (unsigned char)kind};
    if (!x->loc) return NULL;
    m->n++;
    return x;
}

/* The full blob name of loc into out (reset first); 0 or -1. */
static int blob_name(const tx_mirror *m, const char *loc, f2c_buf *out)
{
    f2c_buf_reset(out);
    return f2c_buf_printf(out, "%s%s", m->prefix, loc);
}

/* Splits loc into its folder (created below the mirror when create) and file name: a descriptor
 * of the folder (close it) and *file, or -1 with errno. */
static int dir_of(const tx_mirror *m, const char *loc, int create, const char **file)
{
    const char *slash = strrchr(loc, '/');
    *file = slash ? slash + 1 : loc;
    if (!slash) return dup(m->dfd);
    char dir[4096];
    size_t dl = (size_t)(slash - loc);
    if (dl >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, loc, dl);
    dir[dl] = '\0';
    return f2c_fs_dir_at(m->dfd, dir, create, 0700);
}

typedef struct sink_fd {
    int fd;
    uint64_t at;
} sink_fd;

static int to_fd(void *ud, const void *data, size_t len)
{
    sink_fd *s = ud;
    const char *p = data;
    while (len) {
        ssize_t w = pwrite(s->fd, p, len, (off_t)s->at);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 1;
        p += w;
        len -= (size_t)w;
        s->at += (uint64_t)w;
    }
    return 0;
}

/* Bytes [off, off + len) of loc's blob written at the same offset of fd; *total its size. */
static f2c_status get_range(tx_mirror *m, const char *loc, int fd, uint64_t off, uint64_t len,
                            uint64_t *total, f2c_error *e)
{
    f2c_buf name = {0};
    if (blob_name(m, loc, &name) != 0) return nomem(e);
    sink_fd s = {.fd = fd, .at = off};
    f2c_status st = f2c_blob_get(m->b, m->container, name.data, off, len, to_fd, &s, total, e);
    if (st == F2C_OK && len && s.at != off + len)
        st = f2c_error_set(e, F2C_EIO, name.data, 0, 0, NULL,
                           "got %llu bytes of a %llu-byte range (the blob changed?)",
                           (unsigned long long)(s.at - off), (unsigned long long)len);
    f2c_buf_free(&name);
    return st;
}

/* A Parquet placeholder's footer ("<length> PAR1" at the end, the footer before it). */
static f2c_status footer(tx_mirror *m, entry *x, int fd, f2c_error *e)
{
    if (x->size < 8) return F2C_OK; /* not Parquet: the header check says so */
    uint64_t tail = x->size < TAIL_BYTES ? x->size : TAIL_BYTES;
    f2c_status st = get_range(m, x->loc, fd, x->size - tail, tail, NULL, e);
    unsigned char end[8];
    if (st != F2C_OK) return st;
    if (pread(fd, end, 8, (off_t)(x->size - 8)) != 8)
        return f2c_error_set(e, F2C_EIO, x->loc, 0, 0, NULL, "cannot read the mirror: %s",
                             strerror(errno));
    uint64_t flen =
        (uint64_t)end[0] | (uint64_t)end[1] << 8 | (uint64_t)end[2] << 16 | (uint64_t)end[3] << 24;
    if (flen + 8 <= tail || flen + 8 > x->size) return F2C_OK;
    return get_range(m, x->loc, fd, x->size - flen - 8, flen + 8 - tail, NULL, e);
}

/* A CSV placeholder's head: HEAD_BYTES, then more (doubling) until a line end is among them. */
static f2c_status head(tx_mirror *m, entry *x, int fd, f2c_error *e)
{
    uint64_t have = 0;
    for (uint64_t want = HEAD_BYTES; have < x->size; want *= 2) {
        uint64_t to = want < x->size ? want : x->size;
        f2c_status st = get_range(m, x->loc, fd, have, to - have, NULL, e);
        if (st != F2C_OK) return st;
        char buf[65536];
        for (uint64_t at = have; at < to;) {
            size_t n = to - at < sizeof buf ? (size_t)(to - at) : sizeof buf;
            ssize_t r = pread(fd, buf, n, (off_t)at);
            if (r <= 0)
                return f2c_error_set(e, F2C_EIO, x->loc, 0, 0, NULL, "cannot read the mirror");
            if (memchr(buf, '\n', (size_t)r)) return F2C_OK;
            at += (uint64_t)r;
        }
        have = to;
    }
    return F2C_OK;
}

/* Creates x's placeholder: the blob's size and what the header check reads (head, footer); an
 * index only its size (fetched when a merge reads it). */
static f2c_status placeholder(tx_mirror *m, entry *x, f2c_error *e)
{
    const char *file;
    int dfd = dir_of(m, x->loc, 1, &file);
    int fd =
        dfd >= 0 ? openat(dfd, file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (dfd >= 0) close(dfd);
    if (fd < 0 || ftruncate(fd, (off_t)x->size) != 0) {
        f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "cannot create the mirror of %s: %s", x->loc,
                      strerror(errno));
        if (fd >= 0) close(fd);
        return F2C_EIO;
    }
    f2c_status st = F2C_OK;
    int parquet = strcmp(m->format, "parquet") == 0;
    if (x->kind == K_PART && x->size && parquet) {
        st = get_range(m, x->loc, fd, 0, x->size < HEAD_BYTES ? x->size : HEAD_BYTES, NULL, e);
        if (st == F2C_OK) st = footer(m, x, fd, e);
    } else if (x->kind == K_PART && x->size) {
        st = head(m, x, fd, e);
    }
    struct stat sb;
    if (st == F2C_OK && fstat(fd, &sb) != 0)
        st = f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "%s", strerror(errno));
    if (st == F2C_OK) x->ino = sb.st_ino;
    close(fd);
    return st;
}

/* The fetcher: x's whole blob into a temporary file renamed over the placeholder. */
static int fetch(void *ud, const char *loc, char *why, size_t cap)
{
    tx_mirror *m = ud;
    entry *x = find(m, loc);
    if (!x || x->whole) return 0;
    const char *file;
    char tmp[300];
    int dfd = dir_of(m, loc, 0, &file);
    int fd = dfd >= 0 ? f2c_fs_temp_at(dfd, ".fetch-", "", tmp, sizeof tmp) : -1;
    f2c_error e;
    f2c_error_clear(&e);
    uint64_t total = 0;
    f2c_status st = fd < 0 ? f2c_error_set(&e, F2C_EIO, m->dir, 0, 0, NULL, "%s", strerror(errno))
                           : get_range(m, loc, fd, 0, 0, &total, &e);
    struct stat sb;
    if (st == F2C_OK && (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size != x->size))
        st = f2c_error_set(&e, F2C_EIO, loc, 0, 0, NULL,
                           "its blob is not the size the listing gave (the folder changed under "
                           "the run)");
    if (st == F2C_OK && renameat(dfd, tmp, dfd, file) != 0)
        st = f2c_error_set(&e, F2C_EIO, m->dir, 0, 0, NULL, "%s", strerror(errno));
    if (st != F2C_OK && fd >= 0) unlinkat(dfd, tmp, 0);
    if (fd >= 0) close(fd);
    if (dfd >= 0) close(dfd);
    if (st != F2C_OK) {
        snprintf(why, cap, "%s/%s%s: cannot download: %s", m->container, m->prefix, loc, e.message);
        return -1;
    }
    x->ino = sb.st_ino;
    x->whole = 1;
    m->fetched++;
    return 0;
}

const f2c_fs_fetcher *tx_mirror_fetcher(tx_mirror *m)
{
    return &m->fetcher;
}

/* The size of blob `name` in the listing names[0..n) (sorted), or -1 when it is not there. */
static long long listed_size(char **names, const uint64_t *sizes, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(names[mid], name);
        if (c == 0) return (long long)sizes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct listed_blob {
    char *name;
    uint64_t size;
} listed_blob;

static int by_blob_name(const void *a, const void *b)
{
    return strcmp(((const listed_blob *)a)->name, ((const listed_blob *)b)->name);
}

/* Sorts names[0..n) with sizes alongside (a listing is in name order already; kept certain). */
static int sort_listing(char **names, uint64_t *sizes, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) > 0) goto unsorted;
    return 0;
unsorted:;
    listed_blob *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) return -1;
    for (size_t i = 0; i < n; i++)
        p[i] = (listed_blob){names[i], sizes[i]};
    qsort(p, n, sizeof *p, by_blob_name);
    for (size_t i = 0; i < n; i++) {
        names[i] = p[i].name;
        sizes[i] = p[i].size;
    }
    free(p);
    return 0;
}

/* Downloads document loc (the record, an entity document) whole into the mirror; its text is
 * appended to text when that is not NULL. */
static f2c_status mirror_doc(tx_mirror *m, const char *loc, f2c_buf *text, f2c_error *e)
{
    f2c_buf name = {0}, own = {0};
    f2c_buf *t = text ? text : &own;
    f2c_status st = blob_name(m, loc, &name) == 0 ? F2C_OK : nomem(e);
    if (st == F2C_OK) st = tx_pub_get_text(m->b, m->container, name.data, 0, 0, t, e);
    entry *x = st == F2C_OK ? add(m, loc, t->len, K_DOC) : NULL;
    if (st == F2C_OK && !x) st = nomem(e);
    struct stat sb;
    if (st == F2C_OK && (f2c_fs_write_at(m->dfd, loc, t->data ? t->data : "", t->len) != 0 ||
                         fstatat(m->dfd, loc, &sb, AT_SYMLINK_NOFOLLOW) != 0))
        st = f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "cannot write %s: %s", loc,
                           strerror(errno));
    if (st == F2C_OK) {
        x->ino = sb.st_ino;
        x->whole = 1;
    }
    f2c_buf_free(&name);
    f2c_buf_free(&own);
    return st;
}

/* Whether a location the record names may be mirrored: a partition "data/<entity>/<file>", an
 * index "fhir2cdm-index/<file>", each part non-empty and not "." or "..".  Anything else (a
 * record edited by hand or by another tool) is not mirrored: the local commit then treats it as
 * a missing file, as in a local folder. */
static int mirrorable(const char *loc, int partition)
{
    const char *top = partition ? "data/" : F2C_CDM_INDEX_DIR "/";
    size_t want = partition ? 3 : 2, n = 0;
    if (strncmp(loc, top, strlen(top)) != 0) return 0;
    for (const char *p = loc; p; n++) {
        const char *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.')) return 0;
        p = slash ? slash + 1 : NULL;
    }
    return n == want;
}

/* The record's partitions and indexes as entries (those the listing does not have are left
 * out: the local commit then treats them as a local folder's missing files). */
static f2c_status mirror_entries(tx_mirror *m, const f2c_cdm_model *model, char **names,
                                 const uint64_t *sizes, size_t n, f2c_error *e)
{
    f2c_buf name = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < model->nentities; i++) {
        const f2c_cdm_entity *en = &model->entities[i];
        for (size_t k = 0; st == F2C_OK && k <= en->npartitions; k++) {
            const char *loc = k < en->npartitions ? en->partitions[k].location : en->index;
            if (!loc) continue;
            if (!mirrorable(loc, k < en->npartitions)) {
                m->refused++;
                if (m->log)
                    fprintf(m->log,
                            "warning: %s/%s%s lists %s \"%s\", which is not a location inside "
                            "the folder: not read, left out of the new record\n",
                            m->container, m->prefix, m->record,
                            k < en->npartitions ? "partition" : "index", loc);
                continue;
            }
            if (blob_name(m, loc, &name) != 0) {
                st = nomem(e);
                break;
            }
            long long size = listed_size(names, sizes, n, name.data);
            if (size < 0) continue;
            if (!add(m, loc, (uint64_t)size, k < en->npartitions ? K_PART : K_INDEX)) st = nomem(e);
        }
    }
    f2c_buf_free(&name);
    /* Every file of the index folder: a directory the record names lists segments by hash, and
     * the local merge reads those it needs (fetched then) and removes those it replaces (deleted
     * here after the commit only when mirrored). */
    size_t pl = strlen(m->prefix);
    for (size_t i = 0; st == F2C_OK && i < n; i++) {
        const char *loc = names[i] + pl;
        if (strncmp(loc, F2C_CDM_INDEX_DIR "/", strlen(F2C_CDM_INDEX_DIR "/")) == 0 &&
            mirrorable(loc, 0) && loc[strlen(F2C_CDM_INDEX_DIR "/")] != '.' &&
            !add(m, loc, sizes[i], K_INDEX))
            st = nomem(e);
    }
    if (m->n) qsort(m->v, m->n, sizeof *m->v, by_loc);
    size_t w = 0; /* a location listed twice is mirrored once */
    for (size_t i = 0; i < m->n; i++) {
        if (w && strcmp(m->v[w - 1].loc, m->v[i].loc) == 0) {
            free(m->v[i].loc);
            continue;
        }
        m->v[w++] = m->v[i];
    }
    m->n = w;
    for (size_t i = 0; st == F2C_OK && i < m->n; i++)
        if (m->v[i].kind != K_DOC) st = placeholder(m, &m->v[i], e);
    return st;
}

/* The record, the Parquet entity documents and the entries of what the record lists. */
static f2c_status mirror_folder(tx_mirror *m, f2c_error *e)
{
    char **names = NULL;
    uint64_t *sizes = NULL;
    size_t n = 0;
    f2c_buf rec = {0};
    f2c_cdm_model model = {0};
    f2c_status st = tx_pub_list(m->b, m->container, m->prefix, &names, &sizes, &n, e);
    if (st == F2C_OK && sort_listing(names, sizes, n) != 0) st = nomem(e);
    if (st == F2C_OK && blob_name(m, m->record, &rec) != 0) st = nomem(e);
    int have = st == F2C_OK && listed_size(names, sizes, n, rec.data) >= 0;
    f2c_buf text = {0};
    if (have) st = mirror_doc(m, m->record, &text, e);
    if (have && st == F2C_OK)
        st = f2c_cdm_model_read(text.data ? text.data : "", text.len, &model, e);
    f2c_buf_free(&text);
    size_t pl = strlen(m->prefix);
    for (size_t i = 0; st == F2C_OK && have && i < n; i++) {
        const char *loc = names[i] + pl; /* every name starts with the prefix */
        size_t l = strlen(loc);
        if (!strchr(loc, '/') && l > 9 && strcmp(loc + l - 9, ".cdm.json") == 0 &&
            strcmp(loc, m->record) != 0)
            st = mirror_doc(m, loc, NULL, e);
    }
    m->have_record = have && st == F2C_OK;
    if (st == F2C_OK && m->have_record) st = mirror_entries(m, &model, names, sizes, n, e);
    f2c_cdm_model_free(&model);
    f2c_buf_free(&rec);
    tx_pub_free_names(names, n);
    free(sizes);
    return st;
}

f2c_status tx_mirror_open(f2c_blob_client *b, const char *container, const char *prefix,
                          const char *format, const char *dir, FILE *log, tx_mirror **out,
                          f2c_error *e)
{
    *out = NULL;
    /* The format check and the migration rule are the blob publisher's (one copy). */
    tx_pub_published cur = {0};
    f2c_status st = tx_pub_read_published(b, container, prefix, format, 0, &cur, e);
    int migrated = cur.migrated;
    tx_pub_published_free(&cur);
    if (st != F2C_OK) return st;
    if (migrated)
        return f2c_error_set(e, F2C_EUSAGE, container, 0, 0, NULL,
                             "%s%s was written by an earlier release (no commit record): merge "
                             "mode cannot tell its partitions' resources apart; run once in "
                             "append mode first, or merge into another folder",
                             prefix, f2c_cdm_record_name(format ? format : "csv"));
    tx_mirror *m = calloc(1, sizeof *m);
    if (!m) return nomem(e);
    m->b = b;
    m->log = log;
    m->dfd = -1;
    m->format = format && strcmp(format, "parquet") == 0 ? "parquet" : "csv";
    m->record = f2c_cdm_record_name(m->format);
    m->fetcher = (f2c_fs_fetcher){.fn = fetch, .ud = m};
    m->container = strdup(container);
    m->prefix = strdup(prefix);
    m->dir = strdup(dir);
    if (!m->container || !m->prefix || !m->dir) st = nomem(e);
    if (st == F2C_OK && (m->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        st = f2c_error_set(e, F2C_EIO, dir, 0, 0, NULL, "%s", strerror(errno));
    if (st == F2C_OK) st = mirror_folder(m, e);
    if (st != F2C_OK) {
        tx_mirror_free(m);
        return st;
    }
    *out = m;
    return F2C_OK;
}

void tx_mirror_free(tx_mirror *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].loc);
    free(m->v);
    if (m->dfd >= 0) close(m->dfd);
    free(m->container);
    free(m->prefix);
    free(m->dir);
    free(m);
}

/* ---- publishing ----------------------------------------------------------------------------- */

/* What the local commit left at loc: 1 a regular file (*ino set), 0 nothing, -1 error. */
static int look(const tx_mirror *m, const char *loc, ino_t *ino)
{
    struct stat sb;
    if (fstatat(m->dfd, loc, &sb, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISREG(sb.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    *ino = sb.st_ino;
    return 1;
}

static const char *content_type(const tx_mirror *m, const char *loc)
{
    if (strncmp(loc, "data/", 5) != 0) return "text/plain; charset=utf-8"; /* an index */
    return strcmp(m->format, "parquet") == 0 ? "application/vnd.apache.parquet" : "text/csv";
}

/* The files of the local index folder that the local commit created and the record does not
 * name (a directory's segments), appended to up[0..*nup) (room: *cap). */
static f2c_status new_index_files(tx_mirror *m, char ***up, size_t *nup, size_t *cap, f2c_error *e)
{
    int fd = f2c_fs_dir_at(m->dfd, F2C_CDM_INDEX_DIR, 0, 0);
    if (fd < 0 && errno == ENOENT) return F2C_OK;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "%s: %s", F2C_CDM_INDEX_DIR,
                             strerror(errno));
    }
    f2c_buf loc = {0};
    f2c_status st = F2C_OK;
    for (struct dirent *de; st == F2C_OK && (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        f2c_buf_reset(&loc);
        if (f2c_buf_printf(&loc, F2C_CDM_INDEX_DIR "/%s", de->d_name) != 0) {
            st = nomem(e);
            break;
        }
        ino_t ino = 0;
        if (find(m, loc.data) || look(m, loc.data, &ino) != 1) continue; /* mirrored: same bytes */
        int dup = 0;
        for (size_t i = 0; !dup && i < *nup; i++)
            dup = strcmp((*up)[i], loc.data) == 0;
        if (dup) continue;
        if (*nup == *cap) {
            char **v = realloc(*up, (*cap = 2 * *cap + 16) * sizeof *v);
            if (!v) {
                st = nomem(e);
                break;
            }
            *up = v;
        }
        if (!((*up)[*nup] = strdup(loc.data)))
            st = nomem(e);
        else
            ++*nup;
    }
    closedir(d);
    f2c_buf_free(&loc);
    return st;
}

/* The new record's partitions and indexes that the local commit created, sorted (*up, owned
 * strings), and every location the new record lists (*listed, sorted, borrowed from model). */
static f2c_status changes(tx_mirror *m, const f2c_cdm_model *model, char ***up, size_t *nup,
                          const char ***listed, size_t *nlisted, f2c_error *e)
{
    size_t cap = 0;
    for (size_t i = 0; i < model->nentities; i++)
        cap += model->entities[i].npartitions + 1;
    *up = calloc(cap ? cap : 1, sizeof **up);
    *listed = calloc(cap ? cap : 1, sizeof **listed);
    if (!*up || !*listed) return nomem(e);
    for (size_t i = 0; i < model->nentities; i++) {
        const f2c_cdm_entity *en = &model->entities[i];
        for (size_t k = 0; k <= en->npartitions; k++) {
            const char *loc = k < en->npartitions ? en->partitions[k].location : en->index;
            if (!loc) continue;
            (*listed)[(*nlisted)++] = loc;
            ino_t ino = 0;
            int r = look(m, loc, &ino);
            if (r <= 0)
                return f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL,
                                     "%s is listed by the merged record but %s", loc,
                                     r == 0 ? "missing" : strerror(errno));
            const entry *x = find(m, loc);
            if (x && x->ino == ino) continue;      /* committed before: the blob is the same */
            if (x && x->kind == K_INDEX) continue; /* named by its hash: the same bytes */
            if (x)
                return f2c_error_set(
                    e, F2C_EUSAGE, loc, 0, 0, NULL,
                    "this run rewrote committed partition %s%s of %s under the same name (the "
                    "operation id of a committed run?), which a reader of the committed record "
                    "may be reading; nothing was uploaded: run again with another "
                    "--operation-id",
                    m->prefix, loc, m->container);
            if (!((*up)[(*nup)++] = strdup(loc))) return nomem(e);
        }
    }
    f2c_status st = new_index_files(m, up, nup, &cap, e);
    if (*nup) qsort(*up, *nup, sizeof **up, cmp_str);
    if (*nlisted) qsort(*listed, *nlisted, sizeof **listed, cmp_str);
    return st;
}

/* Reads mirror file loc whole into b (reset first); 0 or -1 with errno. */
static int read_local(const tx_mirror *m, const char *loc, f2c_buf *b)
{
    const char *file;
    int dfd = dir_of(m, loc, 0, &file);
    int fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, file) : -1;
    if (dfd >= 0) close(dfd);
    if (fd < 0) return -1;
    f2c_buf_reset(b);
    char chunk[65536];
    ssize_t r;
    int rc = 0;
    while ((r = read(fd, chunk, sizeof chunk)) != 0) {
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || f2c_buf_append(b, chunk, (size_t)r) != 0) {
            rc = -1;
            break;
        }
    }
    close(fd);
    return rc;
}

/* Put Blob of mirror file loc (a document). */
static f2c_status put_doc(tx_mirror *m, const char *loc, f2c_error *e)
{
    f2c_buf text = {0}, name = {0};
    f2c_status st = F2C_OK;
    if (read_local(m, loc, &text) != 0)
        st = f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "cannot read %s: %s", loc,
                           strerror(errno));
    else if (blob_name(m, loc, &name) != 0)
        st = nomem(e);
    else
        st = f2c_blob_put(m->b, m->container, name.data, text.data ? text.data : "", text.len,
                          "application/json", e);
    f2c_buf_free(&text);
    f2c_buf_free(&name);
    return st;
}

/* Uploads the created partitions and indexes (block writer, each visible only when complete). */
static f2c_status upload_all(tx_mirror *m, char **up, size_t nup, tx_mirror_outcome *out,
                             f2c_error *e)
{
    f2c_buf name = {0}, path = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < nup; i++) {
        f2c_buf_reset(&path);
        if (blob_name(m, up[i], &name) != 0 || f2c_buf_printf(&path, "%s/%s", m->dir, up[i]) != 0)
            st = nomem(e);
        else
            st = tx_pub_upload_file(m->b, m->container, name.data, path.data,
                                    content_type(m, up[i]), e);
        if (st == F2C_OK) tx_pub_fault_after_upload(++out->uploaded);
    }
    f2c_buf_free(&name);
    f2c_buf_free(&path);
    return st;
}

/* Parquet: the entity documents beside the record that the local commit created or changed. */
static f2c_status upload_docs(tx_mirror *m, f2c_error *e)
{
    if (strcmp(m->format, "parquet") != 0) return F2C_OK;
    int fd = dup(m->dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "%s", strerror(errno));
    }
    rewinddir(d);
    char **docs = NULL;
    size_t n = 0, cap = 0;
    f2c_status st = F2C_OK;
    for (struct dirent *de; st == F2C_OK && (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l <= 9 || strcmp(de->d_name + l - 9, ".cdm.json") != 0 ||
            strcmp(de->d_name, m->record) == 0)
            continue;
        ino_t ino = 0;
        const entry *x = find(m, de->d_name);
        if (look(m, de->d_name, &ino) != 1 || (x && x->ino == ino)) continue;
        if (n == cap) {
            char **v = realloc(docs, (cap = cap ? 2 * cap : 16) * sizeof *v);
            if (!v) {
                st = nomem(e);
                break;
            }
            docs = v;
        }
        if (!(docs[n] = strdup(de->d_name)))
            st = nomem(e);
        else
            n++;
    }
    closedir(d);
    if (st == F2C_OK && n) qsort(docs, n, sizeof *docs, cmp_str);
    for (size_t i = 0; st == F2C_OK && i < n; i++)
        st = put_doc(m, docs[i], e);
    for (size_t i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    return st;
}

static int listed_has(const char **listed, size_t n, const char *loc)
{
    return n && bsearch(&loc, listed, n, sizeof *listed, cmp_str) != NULL;
}

/* After the commit: the mirrored partitions and indexes the local commit removed. */
static void delete_removed(tx_mirror *m, const char **listed, size_t nlisted, FILE *log,
                           tx_mirror_outcome *out)
{
    f2c_buf name = {0};
    for (size_t i = 0; i < m->n; i++) {
        const entry *x = &m->v[i];
        ino_t ino;
        if (x->kind == K_DOC || listed_has(listed, nlisted, x->loc) || look(m, x->loc, &ino) != 0)
            continue;
        f2c_error e;
        f2c_error_clear(&e);
        int gone = 0;
        if (blob_name(m, x->loc, &name) != 0) break;
        if (f2c_blob_delete(m->b, m->container, name.data, &gone, &e) != F2C_OK) {
            if (log)
                fprintf(log,
                        "warning: %s/%s: could not delete (%s); listed by nobody, left alone\n",
                        m->container, name.data, e.message);
            continue;
        }
        out->deleted += gone != 0;
    }
    f2c_buf_free(&name);
}

f2c_status tx_mirror_publish(tx_mirror *m, f2c_blob_client *b, FILE *log, tx_mirror_outcome *out,
                             f2c_error *e)
{
    memset(out, 0, sizeof *out);
    assert(b == m->b); /* the client the mirror was opened with */
    (void)b;
    f2c_buf text = {0};
    f2c_cdm_model model = {0};
    char **up = NULL;
    const char **listed = NULL;
    size_t nup = 0, nlisted = 0;
    f2c_status st = F2C_OK;
    if (read_local(m, m->record, &text) != 0)
        st = f2c_error_set(e, F2C_EIO, m->dir, 0, 0, NULL, "cannot read the merged %s: %s",
                           m->record, strerror(errno));
    if (st == F2C_OK) st = f2c_cdm_model_read(text.data ? text.data : "", text.len, &model, e);
    if (st == F2C_OK) st = changes(m, &model, &up, &nup, &listed, &nlisted, e);
    if (st == F2C_OK) st = upload_all(m, up, nup, out, e);
    if (st == F2C_OK) st = upload_docs(m, e);
    if (st == F2C_OK) tx_pub_fault("mirror-record");
    if (st == F2C_OK) st = put_doc(m, m->record, e); /* the commit point */
    if (st == F2C_OK) tx_pub_fault("mirror-cleanup");
    if (st == F2C_OK) delete_removed(m, listed, nlisted, log, out);
    out->fetched = m->fetched;
    out->refused = m->refused;
    for (size_t i = 0; i < nup; i++)
        free(up[i]);
    free(up);
    free(listed);
    f2c_cdm_model_free(&model);
    f2c_buf_free(&text);
    return st;
}
