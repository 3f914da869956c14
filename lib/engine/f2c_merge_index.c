/*
 * f2c_merge_index: see f2c_merge_index.h.  Why text: an index is read once per merge and written
 * once per changed entity, so its cost is the bytes, not parsing; text keeps it inspectable with
 * `less` and its format documentable in a few lines.  Why checked on load rather than trusted:
 * the index is a second description of the partitions, and a stale one would make a merge remove
 * the wrong rows; the checks (its name is its hash; it lists exactly the record's partitions, each
 * with its current size) are cheap -- one fstat per partition, no partition read.
 */
#include "f2c_merge_index.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_fs.h"

#define MAGIC "fhir2cdm-index 1"
#define MAX_INDEX_BYTES (1ull << 34) /* 16 GiB: larger is not an index we wrote */

void mi_free(mi_index *x)
{
    for (size_t i = 0; i < x->nparts; i++)
        free(x->parts[i].loc);
    free(x->parts);
    for (size_t i = 0; i < x->nents; i++)
        if (!x->ents[i].borrowed) free(x->ents[i].id);
    free(x->ents);
    free(x->text);
    memset(x, 0, sizeof *x);
}

/* Room for one more entry; 0 or -1. */
static int grow_ents(mi_index *x)
{
    if (x->nents < x->cap) return 0;
    size_t cap = x->cap ? 2 * x->cap : 64;
    mi_entry *e = realloc(x->ents, cap * sizeof *e);
    if (!e) return -1;
    x->ents = e;
    x->cap = cap;
    return 0;
}

int mi_add(mi_index *x, const char *id, size_t part, unsigned long long first, unsigned long long n,
           unsigned long long off, unsigned long long len)
{
    if (grow_ents(x) != 0) return -1;
    char *copy = strdup(id);
    if (!copy) return -1;
    x->ents[x->nents++] =
        (mi_entry){.id = copy, .part = part, .first = first, .n = n, .off = off, .len = len};
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const mi_entry *)a)->id, ((const mi_entry *)b)->id);
}

int mi_sort(mi_index *x, const char **dup)
{
    if (x->nents) qsort(x->ents, x->nents, sizeof *x->ents, by_id);
    for (size_t i = 1; i < x->nents; i++)
        if (strcmp(x->ents[i - 1].id, x->ents[i].id) == 0) {
            *dup = x->ents[i].id;
            return 1;
        }
    return 0;
}

mi_entry *mi_find(const mi_index *x, const char *id)
{
    mi_entry key = {.id = (char *)id};
    return x->nents ? bsearch(&key, x->ents, x->nents, sizeof key, by_id) : NULL;
}

int mi_is_fhir_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Appends v in decimal and then c to p; returns the end. */
static char *put_ull(char *p, unsigned long long v, char c)
{
    char tmp[24];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = tmp[--n];
    *p++ = c;
    return p;
}

/* One entry's line (the format above), without printf: an index has a line per resource. */
static int put_entry(f2c_buf *out, const mi_entry *e)
{
    size_t idl = strlen(e->id);
    if (f2c_buf_reserve(out, 5 * 21 + idl + 2) != 0) return -1;
    char *p = out->data + out->len;
    p = put_ull(p, e->part, ' ');
    p = put_ull(p, e->first, ' ');
    p = put_ull(p, e->n, ' ');
    p = put_ull(p, e->off, ' ');
    p = put_ull(p, e->len, ' ');
    memcpy(p, e->id, idl);
    p[idl] = '\n';
    out->len = (size_t)(p + idl + 1 - out->data);
    out->data[out->len] = '\0';
    return 0;
}

int mi_format(const mi_index *x, const f2c_table *t, f2c_buf *out, f2c_buf *loc)
{
    size_t start = out->len;
    int r = f2c_buf_printf(out, MAGIC "\nentity %s\npartitions %zu\n", t->entity, x->nparts);
    for (size_t i = 0; r == 0 && i < x->nparts; i++) {
        assert(i == 0 || strcmp(x->parts[i - 1].loc, x->parts[i].loc) < 0);
        r = f2c_buf_printf(out, "%llu %llu %s\n", x->parts[i].rows, x->parts[i].bytes,
                           x->parts[i].loc);
    }
    if (r == 0) r = f2c_buf_printf(out, "resources %zu\n", x->nents);
    for (size_t i = 0; r == 0 && i < x->nents; i++) {
        assert(i == 0 || strcmp(x->ents[i - 1].id, x->ents[i].id) < 0);
        r = put_entry(out, &x->ents[i]);
    }
    uint64_t h = XXH3_64bits(out->data ? out->data + start : "", out->len - start);
    return r == 0 ? f2c_buf_printf(loc, F2C_MERGE_INDEX_DIR "/%s.%016" PRIx64 ".idx", t->entity, h)
                  : -1;
}

/* ---- reading and checking ------------------------------------------------------------------ */

/* The next line of text (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **at, char *end)
{
    if (*at >= end) return NULL;
    char *s = *at, *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl) return NULL; /* every line ends in LF */
    *nl = '\0';
    *at = nl + 1;
    return s;
}

/* Parses the unsigned decimal at *s followed by one space (last: by the end); 0 or -1. */
static int number(char **s, int last, unsigned long long *v)
{
    if (**s < '0' || **s > '9') return -1;
    errno = 0;
    char *e;
    *v = strtoull(*s, &e, 10);
    if (errno || (last ? *e != '\0' : *e != ' ')) return -1;
    *s = last ? e : e + 1;
    return 0;
}

/* Parses an index text (modified in place) of entity t into x; NULL, or why it is not one. */
static const char *parse(char *text, size_t len, const f2c_table *t, mi_index *x)
{
    char *at = text, *end = text + len, *l;
    unsigned long long np, nr, a, b, c, d, f;
    if (!(l = next_line(&at, end)) || strcmp(l, MAGIC) != 0) return "not an index";
    if (!(l = next_line(&at, end)) || strncmp(l, "entity ", 7) != 0 || strcmp(l + 7, t->entity))
        return "of another entity";
    if (!(l = next_line(&at, end)) || strncmp(l, "partitions ", 11) != 0 ||
        (l += 11, number(&l, 1, &np)) != 0 || np > len)
        return "malformed";
    if (!(x->parts = calloc(np ? np : 1, sizeof *x->parts))) return "out of memory";
    for (; x->nparts < np; x->nparts++) {
        if (!(l = next_line(&at, end)) || number(&l, 0, &a) != 0 || number(&l, 0, &b) != 0 ||
            !(x->parts[x->nparts].loc = strdup(l)))
            return "malformed";
        x->parts[x->nparts].rows = a;
        x->parts[x->nparts].bytes = b;
    }
    if (!(l = next_line(&at, end)) || strncmp(l, "resources ", 10) != 0 ||
        (l += 10, number(&l, 1, &nr)) != 0 || nr > len)
        return "malformed";
    for (unsigned long long i = 0; i < nr; i++) {
        if (!(l = next_line(&at, end)) || number(&l, 0, &a) != 0 || number(&l, 0, &b) != 0 ||
            number(&l, 0, &c) != 0 || number(&l, 0, &d) != 0 || number(&l, 0, &f) != 0 ||
            !mi_is_fhir_id(l) || a >= np || c == 0 || b > x->parts[a].rows ||
            c > x->parts[a].rows - b || d > x->parts[a].bytes || f > x->parts[a].bytes - d)
            return "malformed";
        if (grow_ents(x) != 0) return "out of memory";
        x->ents[x->nents++] = (mi_entry){.id = l,
                                         .part = (size_t)a,
                                         .first = b,
                                         .n = c,
                                         .off = d,
                                         .len = f,
                                         .borrowed = 1}; /* into the text */
        if (i && strcmp(x->ents[i - 1].id, l) >= 0) return "malformed";
    }
    return at == end ? NULL : "malformed";
}

/* Reads dfd/name whole (no link followed) into b; NULL, or why not. */
static const char *read_file(int dfd, const char *name, f2c_buf *b)
{
    int fd = dfd >= 0 ? openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    struct stat sb;
    if (fd < 0) return errno == ENOENT || dfd < 0 ? "missing" : "cannot be read";
    const char *why = fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)        ? "not a regular file"
                      : (unsigned long long)sb.st_size > MAX_INDEX_BYTES ? "too large"
                      : f2c_buf_reserve(b, (size_t)sb.st_size + 1) != 0  ? "out of memory"
                                                                         : NULL;
    while (!why) { /* straight into the buffer: an index can be tens of MB */
        size_t room = b->cap - b->len - 1;
        if (room == 0 && f2c_buf_reserve(b, 65536) != 0) {
            why = "out of memory";
            break;
        }
        room = b->cap - b->len - 1;
        ssize_t n = read(fd, b->data + b->len, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) why = "cannot be read";
        if (n <= 0) break;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    }
    close(fd);
    return why;
}

/* The size of the partition at loc (relative to outfd), or -1. */
static long long part_size(int outfd, const char *loc)
{
    const char *slash = strrchr(loc, '/');
    char dir[4096];
    if (!slash || (size_t)(slash - loc) >= sizeof dir) return -1;
    memcpy(dir, loc, (size_t)(slash - loc));
    dir[slash - loc] = '\0';
    int dfd = f2c_fs_dir_at(outfd, dir, 0, 0);
    struct stat sb;
    int ok =
        dfd >= 0 && fstatat(dfd, slash + 1, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
    if (dfd >= 0) close(dfd);
    return ok ? (long long)sb.st_size : -1;
}

/* Whether the index text is named by its own hash; NULL, or why not. */
static const char *check_name(const f2c_table *t, const char *index_loc, const f2c_buf *text)
{
    f2c_buf want = {0};
    uint64_t h = XXH3_64bits(text->data ? text->data : "", text->len);
    int named =
        f2c_buf_printf(&want, F2C_MERGE_INDEX_DIR "/%s.%016" PRIx64 ".idx", t->entity, h) == 0 &&
        strcmp(want.data, index_loc) == 0;
    f2c_buf_free(&want);
    return named ? NULL : "its bytes do not match its name (edited or truncated)";
}

/* Whether the loaded index x lists exactly the record's partitions locs, with their current
 * sizes; NULL, or why not. */
static const char *check_parts(int outfd, const char *const *locs, size_t nlocs, const mi_index *x)
{
    if (x->nparts != nlocs) return "it lists other partitions than the record";
    for (size_t i = 0; i < nlocs; i++) {
        if (strcmp(x->parts[i].loc, locs[i]) != 0)
            return "it lists other partitions than the record";
        if (part_size(outfd, locs[i]) != (long long)x->parts[i].bytes)
            return "a partition changed size since it was written";
    }
    return NULL;
}

/* Reads and checks the index at index_loc; NULL with *out filled, or why it cannot be used. */
static const char *try_load(int outfd, const f2c_table *t, const char *index_loc,
                            const char *const *locs, size_t nlocs, const f2c_fs_fetcher *fetch,
                            mi_index *out)
{
    f2c_buf prefix = {0}, text = {0};
    const char *why = NULL;
    if (f2c_buf_printf(&prefix, F2C_MERGE_INDEX_DIR "/%s.", t->entity) != 0) return "out of memory";
    if (strncmp(index_loc, prefix.data, prefix.len) != 0 || strchr(index_loc + prefix.len, '/'))
        why = "not an index location of this entity";
    f2c_buf_free(&prefix);
    char fetch_why[512];
    if (!why && f2c_fs_fetch(fetch, index_loc, fetch_why, sizeof fetch_why) != 0)
        why = "cannot be fetched";
    int dfd = why ? -1 : f2c_fs_dir_at(outfd, F2C_MERGE_INDEX_DIR, 0, 0);
    if (!why) why = read_file(dfd, strrchr(index_loc, '/') + 1, &text);
    if (dfd >= 0) close(dfd);
    if (!why) why = check_name(t, index_loc, &text); /* before parsing, which edits the text */
    if (!why) { /* the entries' ids point into the text: out keeps it */
        size_t len = text.len;
        out->text = text.data ? text.data : calloc(1, 1);
        text = (f2c_buf){0};
        why = out->text ? parse(out->text, len, t, out) : "out of memory";
    }
    if (!why) why = check_parts(outfd, locs, nlocs, out);
    f2c_buf_free(&text);
    return why;
}

/* ---- rebuilding from the partitions -------------------------------------------------------- */

typedef struct rebuild {
    mi_index *x;
    size_t part, key; /* the partition being read; the ResourceId column */
    unsigned long long row;
    const char *shown;
    int bad;                /* a row without a FHIR id */
    int bytes;              /* the format's rows are byte ranges (CSV): track them */
    unsigned long long off; /* where the next record starts */
    f2c_buf rec;            /* scratch: a record as the writer writes it */
} rebuild;

/* The bytes of the record cells[0..n) as f2c_csv writes it (fields quoted as needed, commas,
 * CRLF); 0 when out of memory. */
static unsigned long long record_bytes(rebuild *r, size_t n, const char *const *cells,
                                       const size_t *lens)
{
    f2c_buf_reset(&r->rec);
    for (size_t i = 0; i < n; i++)
        if ((i && f2c_buf_appendc(&r->rec, ',') != 0) ||
            f2c_csv_append_field(&r->rec, cells[i], lens[i]) != 0)
            return 0;
    return r->rec.len + 2;
}

static f2c_status on_rebuild_row(void *ud, size_t n, const char *const *cells, const size_t *lens,
                                 f2c_error *err)
{
    rebuild *r = ud;
    char id[65];
    size_t len = lens[r->key];
    unsigned long long row = r->row++, off = r->off, bytes = 0;
    if (r->bytes && !(bytes = record_bytes(r, n, cells, lens)))
        return f2c_error_set(err, F2C_ENOMEM, r->shown, 0, 0, NULL, "out of memory");
    r->off += bytes;
    if (len == 0 || len > 64) {
        r->bad = 1;
        return f2c_error_set(err, F2C_EUSAGE, r->shown, (long)row + 2, 0, NULL,
                             "row %llu has no FHIR id in its ResourceId column", row + 1);
    }
    memcpy(id, cells[r->key], len);
    id[len] = '\0';
    mi_entry *last = r->x->nents ? &r->x->ents[r->x->nents - 1] : NULL;
    if (last && last->part == r->part && last->first + last->n == row &&
        strcmp(last->id, id) == 0) {
        last->n++;
        last->len += bytes;
        return F2C_OK;
    }
    if (!mi_is_fhir_id(id)) {
        r->bad = 1;
        return f2c_error_set(err, F2C_EUSAGE, r->shown, (long)row + 2, 0, NULL,
                             "row %llu: ResourceId is not a FHIR id", row + 1);
    }
    return mi_add(r->x, id, r->part, row, 1, r->bytes ? off : 0, bytes) == 0
               ? F2C_OK
               : f2c_error_set(err, F2C_ENOMEM, r->shown, 0, 0, NULL, "out of memory");
}

/* The column named ResourceId, or (size_t)-1. */
static size_t key_column(const f2c_table *t)
{
    for (size_t i = 0; i < f2c_table_width(t); i++)
        if (strcmp(f2c_table_column_name(t, i), "ResourceId") == 0) return i;
    return (size_t)-1;
}

/* Reads partition i of x (its location set) for the rebuild. */
static f2c_status rebuild_part(int outfd, const char *shown, const f2c_table *t,
                               const f2c_sink *sink, const f2c_fs_fetcher *fetch, rebuild *r,
                               f2c_error *err)
{
    mi_part *p = &r->x->parts[r->part];
    f2c_buf path = {0};
    if (f2c_buf_printf(&path, "%s/%s", shown, p->loc) != 0)
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    char why[512];
    if (f2c_fs_fetch(fetch, p->loc, why, sizeof why) != 0) {
        f2c_error_set(err, F2C_EIO, path.data, 0, 0, NULL, "%s", why);
        f2c_buf_free(&path);
        return F2C_EIO;
    }
    const char *slash = strrchr(p->loc, '/');
    char dir[4096];
    size_t dl = (size_t)(slash - p->loc);
    int fd = -1;
    if (dl < sizeof dir) {
        memcpy(dir, p->loc, dl);
        dir[dl] = '\0';
        int dfd = f2c_fs_dir_at(outfd, dir, 0, 0);
        fd = dfd >= 0 ? openat(dfd, slash + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (dfd >= 0) close(dfd);
    }
    struct stat sb;
    f2c_status st;
    r->row = 0;
    r->shown = path.data;
    f2c_buf_reset(&r->rec);
    int hdr = !r->bytes || f2c_cdm_header_record(&r->rec, t) == 0;
    r->off = r->rec.len + 2; /* the header record and its CRLF */
    if (!hdr)
        st = f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    else if (fd < 0 || fstat(fd, &sb) != 0)
        st = f2c_error_set(err, F2C_EIO, path.data, 0, 0, NULL, "cannot read partition: %s",
                           strerror(errno));
    else
        st = f2c_sink_read(sink, fd, t, path.data, on_rebuild_row, r, err);
    if (st == F2C_OK && r->bytes && r->off != (unsigned long long)sb.st_size)
        st = f2c_error_set(err, F2C_EUSAGE, path.data, 0, 0, NULL,
                           "its records are not as this release writes them; merge into a new "
                           "folder");
    if (st == F2C_OK) {
        p->rows = r->row;
        p->bytes = (unsigned long long)sb.st_size;
    }
    if (fd >= 0) close(fd);
    f2c_buf_free(&path);
    return st;
}

static f2c_status rebuild_all(int outfd, const char *shown, const f2c_table *t,
                              const char *const *locs, size_t nlocs, const f2c_sink *sink,
                              const f2c_fs_fetcher *fetch, mi_index *x, f2c_error *err)
{
    rebuild r = {.x = x, .key = key_column(t), .bytes = sink->ops->offset != NULL};
    if (r.key == (size_t)-1)
        return f2c_error_set(err, F2C_EUSAGE, shown, 0, 0, NULL,
                             "the resource index of %s %s cannot be rebuilt: it has no ResourceId "
                             "column; write the folder again with one --mode merge run into a new "
                             "folder",
                             t->view ? "view" : "entity", t->entity);
    if (!(x->parts = calloc(nlocs ? nlocs : 1, sizeof *x->parts)))
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < nlocs; i++) {
        if (!(x->parts[i].loc = strdup(locs[i]))) {
            st = f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
            break;
        }
        x->nparts = i + 1;
        r.part = i;
        st = rebuild_part(outfd, shown, t, sink, fetch, &r, err);
    }
    f2c_buf_free(&r.rec);
    const char *dup = NULL;
    if (st == F2C_OK && mi_sort(x, &dup))
        st = f2c_error_set(err, F2C_EUSAGE, shown, 0, 0, NULL,
                           "entity %s holds rows of resource %s in more than one place (written "
                           "in append mode?); merge mode needs one version of each resource: "
                           "write the folder again with one --mode merge run into a new folder",
                           t->entity, dup);
    else if (st != F2C_OK && r.bad)
        snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message),
                 "; the resource index of %s cannot be rebuilt", t->entity);
    return st;
}

f2c_status mi_load(int outfd, const char *shown, const f2c_table *t, const char *index_loc,
                   const char *const *locs, size_t nlocs, const f2c_sink *sink,
                   const f2c_fs_fetcher *fetch, FILE *log, unsigned long long *rebuilt,
                   mi_index *out, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    if (nlocs == 0) return F2C_OK; /* nothing committed: nothing to index */
    const char *why =
        index_loc ? try_load(outfd, t, index_loc, locs, nlocs, fetch, out) : "missing";
    if (!why) return F2C_OK;
    if (strcmp(why, "out of memory") == 0)
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    mi_free(out);
    if (log)
        fprintf(log,
                "note: %s: the resource index of entity %s is %s%s%s; rebuilding it from its "
                "%zu partition%s\n",
                shown, t->entity, index_loc ? "not usable (" : "missing", index_loc ? why : "",
                index_loc ? ")" : "", nlocs, nlocs == 1 ? "" : "s");
    ++*rebuilt;
    return rebuild_all(outfd, shown, t, locs, nlocs, sink, fetch, out, err);
}
