/*
 * f2c_merge_index: see f2c_merge_index.h.  Why text: a segment is read only when its filter
 * admits a resource of the run and written only with its partition, so its cost is the bytes,
 * not parsing; text keeps it inspectable with `less` (the filter aside) and its format
 * documentable in a few lines.  Why a Bloom filter per partition rather than an id-to-partition
 * map: the map would be as large as the index and rewritten whenever a resource moves (every
 * merge), while a partition's filter is written once, with the partition, and rejects about 1 in
 * 15,000 absent ids (20 bits and 14 probes per id).  Why checked on load rather than trusted: the
 * index is a second description of the partitions, and a stale one would make a merge remove the
 * wrong rows; the checks (every file named by its hash; the directory lists exactly the record's
 * partitions, each with its current size) are cheap -- one fstat per partition, no partition read.
 */
#include "f2c_merge_index.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_fs.h"

#define MAGIC "fhir2cdm-index 2"
#define SEG_MAGIC "fhir2cdm-segment 1"
#define MAX_INDEX_BYTES (1ull << 34) /* 16 GiB: larger is not an index we wrote */
#define FILTER_BITS 20               /* bits per id */
#define FILTER_PROBES 14             /* probes per id: about (1 - e^(-14/20))^14 = 6.6e-5 wrong */
#define HEAD_MAX 8192                /* a segment's header lines fit (a location is < 4 KiB) */

void mi_free(mi_index *x)
{
    for (size_t i = 0; i < x->nparts; i++)
        free(x->parts[i].loc);
    free(x->parts);
    for (size_t i = 0; i < x->nents; i++)
        if (!x->ents[i].borrowed) free(x->ents[i].id);
    free(x->ents);
    for (size_t i = 0; i < x->ntexts; i++)
        free(x->texts[i]);
    free(x->texts);
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

/* ---- the filter ------------------------------------------------------------------------------ */

typedef struct probe {
    uint64_t h1, h2;
} probe;

static probe probe_of(const char *id)
{
    XXH128_hash_t h = XXH3_128bits(id, strlen(id));
    return (probe){h.low64, h.high64 | 1};
}

static void filter_add(unsigned char *f, size_t nbytes, probe p)
{
    uint64_t m = (uint64_t)nbytes * 8;
    for (unsigned i = 0; i < FILTER_PROBES; i++) {
        uint64_t b = (p.h1 + i * p.h2) % m;
        f[b / 8] |= (unsigned char)(1u << (b % 8));
    }
}

static int filter_has(const unsigned char *f, size_t nbytes, unsigned k, probe p)
{
    uint64_t m = (uint64_t)nbytes * 8;
    for (unsigned i = 0; i < k; i++) {
        uint64_t b = (p.h1 + i * p.h2) % m;
        if (!(f[b / 8] & (1u << (b % 8)))) return 0;
    }
    return 1;
}

/* ---- writing --------------------------------------------------------------------------------- */

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

/* One entry's line (the format above), without printf: a segment has a line per resource. */
static int put_entry(f2c_buf *out, const mi_entry *e)
{
    size_t idl = strlen(e->id);
    if (f2c_buf_reserve(out, 4 * 21 + idl + 2) != 0) return -1;
    char *p = out->data + out->len;
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

static void hex16(uint64_t h, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, h);
}

int mi_format_segment(const f2c_table *t, const mi_part *p, const mi_entry *const *ents, size_t n,
                      f2c_buf *out, char seg[17], char filter[17])
{
    size_t start = out->len, nbytes = (n * FILTER_BITS + 7) / 8;
    if (nbytes < 8) nbytes = 8;
    int r = f2c_buf_printf(out,
                           SEG_MAGIC "\nentity %s\npartition %s\nrows %llu\nbytes %llu\n"
                                     "resources %zu\nfilter %zu %u\n",
                           t->entity, p->loc, p->rows, p->bytes, n, nbytes, FILTER_PROBES);
    size_t at = out->len;
    if (r != 0 || f2c_buf_reserve(out, nbytes + 1) != 0) return -1;
    unsigned char *f = (unsigned char *)out->data + at;
    memset(f, 0, nbytes);
    for (size_t i = 0; i < n; i++)
        filter_add(f, nbytes, probe_of(ents[i]->id));
    hex16(XXH3_64bits(f, nbytes), filter);
    out->len += nbytes;
    r = f2c_buf_appendc(out, '\n');
    for (size_t i = 0; r == 0 && i < n; i++) {
        assert(i == 0 || strcmp(ents[i - 1]->id, ents[i]->id) < 0);
        r = put_entry(out, ents[i]);
    }
    if (r == 0) hex16(XXH3_64bits(out->data + start, out->len - start), seg);
    return r;
}

int mi_segment_loc(const f2c_table *t, const char *seg, f2c_buf *loc)
{
    return f2c_buf_printf(loc, F2C_MERGE_INDEX_DIR "/%s.%s.seg", t->entity, seg);
}

int mi_format(const mi_index *x, const f2c_table *t, f2c_buf *out, f2c_buf *loc)
{
    size_t start = out->len;
    int r = f2c_buf_printf(out, MAGIC "\nentity %s\npartitions %zu\n", t->entity, x->nparts);
    for (size_t i = 0; r == 0 && i < x->nparts; i++) {
        const mi_part *p = &x->parts[i];
        assert(i == 0 || strcmp(x->parts[i - 1].loc, p->loc) < 0);
        assert(strlen(p->seg) == 16 && strlen(p->filter) == 16);
        r = f2c_buf_printf(out, "%llu %llu %s %s %s\n", p->rows, p->bytes, p->seg, p->filter,
                           p->loc);
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

/* Parses 16 lowercase hex digits at *s followed by one space into out; 0 or -1. */
static int hash_word(char **s, char out[17])
{
    for (int i = 0; i < 16; i++) {
        char c = (*s)[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
    }
    if ((*s)[16] != ' ') return -1;
    memcpy(out, *s, 16);
    out[16] = '\0';
    *s += 17;
    return 0;
}

/* "<word> <number>" at line l; 0 or -1. */
static int keyed(char *l, const char *word, unsigned long long *v)
{
    size_t n = strlen(word);
    if (!l || strncmp(l, word, n) != 0 || l[n] != ' ') return -1;
    l += n + 1;
    return number(&l, 1, v);
}

/* Parses a directory text (modified in place) of entity t into x's parts; NULL, or why it is
 * not one. */
static const char *parse_dir(char *text, size_t len, const f2c_table *t, mi_index *x)
{
    char *at = text, *end = text + len, *l;
    unsigned long long np, a, b;
    if (!(l = next_line(&at, end)) || strcmp(l, MAGIC) != 0) return "not an index of this release";
    if (!(l = next_line(&at, end)) || strncmp(l, "entity ", 7) != 0 || strcmp(l + 7, t->entity))
        return "of another entity";
    if (keyed(next_line(&at, end), "partitions", &np) != 0 || np > len) return "malformed";
    if (!(x->parts = calloc(np ? np : 1, sizeof *x->parts))) return "out of memory";
    for (; x->nparts < np; x->nparts++) {
        mi_part *p = &x->parts[x->nparts];
        if (!(l = next_line(&at, end)) || number(&l, 0, &a) != 0 || number(&l, 0, &b) != 0 ||
            hash_word(&l, p->seg) != 0 || hash_word(&l, p->filter) != 0 || !(p->loc = strdup(l)))
            return "malformed";
        p->rows = a;
        p->bytes = b;
    }
    return at == end ? NULL : "malformed";
}

/* Reads the open file fd whole into b; NULL, or why not. */
static const char *read_fd(int fd, f2c_buf *b)
{
    struct stat sb;
    const char *why = fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)        ? "not a regular file"
                      : (unsigned long long)sb.st_size > MAX_INDEX_BYTES ? "too large"
                      : f2c_buf_reserve(b, (size_t)sb.st_size + 1) != 0  ? "out of memory"
                                                                         : NULL;
    while (!why) { /* straight into the buffer: a segment can be MBs */
        if (b->cap - b->len - 1 == 0 && f2c_buf_reserve(b, 65536) != 0) {
            why = "out of memory";
            break;
        }
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) why = "cannot be read";
        if (n <= 0) break;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    }
    return why;
}

/* Reads dfd/name whole (no link followed) into b; NULL, or why not. */
static const char *read_file(int dfd, const char *name, f2c_buf *b)
{
    int fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, name) : -1;
    if (fd < 0)
        return errno == ENOENT || dfd < 0 ? "missing"
               : errno == EINVAL          ? "not a regular file"
                                          : "cannot be read";
    const char *why = read_fd(fd, b);
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

/* Whether the text is named by its own hash (want: the location it would have); NULL, or why
 * not. */
static const char *check_name(const char *want, const char *loc)
{
    return strcmp(want, loc) == 0 ? NULL : "its bytes do not match its name (edited or truncated)";
}

/* Whether x lists exactly the record's partitions locs, with their current sizes; NULL, or why
 * not. */
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

/* Reads and checks the directory at index_loc into x's parts; NULL, or why it cannot be used. */
static const char *load_dir(int outfd, const f2c_table *t, const char *index_loc,
                            const char *const *locs, size_t nlocs, const f2c_fs_fetcher *fetch,
                            mi_index *x)
{
    f2c_buf prefix = {0}, text = {0}, want = {0};
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
    if (!why && f2c_buf_printf(&want, F2C_MERGE_INDEX_DIR "/%s.%016" PRIx64 ".idx", t->entity,
                               XXH3_64bits(text.data ? text.data : "", text.len)) != 0)
        why = "out of memory";
    if (!why) why = check_name(want.data, index_loc); /* before parsing, which edits the text */
    if (!why) why = parse_dir(text.data ? text.data : "", text.len, t, x);
    if (!why) why = check_parts(outfd, locs, nlocs, x);
    f2c_buf_free(&text);
    f2c_buf_free(&want);
    return why;
}

/* Opens segment `seg` of t for reading (fetched first); -1 when it cannot be. */
static int open_segment(int outfd, const f2c_table *t, const char *seg, const f2c_fs_fetcher *fetch)
{
    f2c_buf loc = {0};
    char why[512];
    int fd = -1;
    if (mi_segment_loc(t, seg, &loc) == 0 && f2c_fs_fetch(fetch, loc.data, why, sizeof why) == 0) {
        int dfd = f2c_fs_dir_at(outfd, F2C_MERGE_INDEX_DIR, 0, 0);
        fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, strrchr(loc.data, '/') + 1) : -1;
        if (dfd >= 0) close(dfd);
    }
    f2c_buf_free(&loc);
    return fd;
}

/* A segment's header (the lines before the filter), parsed from text (modified in place) and
 * checked against partition p of t; the filter's size and probes, and where it starts.  NULL, or
 * why not. */
static const char *parse_head(char *text, size_t len, const f2c_table *t, const mi_part *p,
                              unsigned long long *nres, size_t *fbytes, unsigned *k, size_t *fat)
{
    char *at = text, *end = text + len, *l;
    unsigned long long rows, bytes, fb, probes;
    if (!(l = next_line(&at, end)) || strcmp(l, SEG_MAGIC) != 0) return "not a segment";
    if (!(l = next_line(&at, end)) || strncmp(l, "entity ", 7) != 0 || strcmp(l + 7, t->entity))
        return "of another entity";
    if (!(l = next_line(&at, end)) || strncmp(l, "partition ", 10) != 0 || strcmp(l + 10, p->loc))
        return "of another partition";
    if (keyed(next_line(&at, end), "rows", &rows) != 0 ||
        keyed(next_line(&at, end), "bytes", &bytes) != 0 || rows != p->rows || bytes != p->bytes)
        return "stale";
    if (keyed(next_line(&at, end), "resources", nres) != 0 || *nres > rows) return "malformed";
    if (!(l = next_line(&at, end)) || strncmp(l, "filter ", 7) != 0) return "malformed";
    l += 7;
    if (number(&l, 0, &fb) != 0 || number(&l, 1, &probes) != 0 || fb < 8 || fb > MAX_INDEX_BYTES ||
        probes < 1 || probes > 64)
        return "malformed";
    *fbytes = (size_t)fb;
    *k = (unsigned)probes;
    *fat = (size_t)(at - text);
    return NULL;
}

/* The filter of partition p (its segment's header and filter, no more), checked against its
 * hash, into f (reset first); *k its probes.  NULL, or why not. */
static const char *read_filter(int outfd, const f2c_table *t, const mi_part *p,
                               const f2c_fs_fetcher *fetch, f2c_buf *f, unsigned *k)
{
    int fd = open_segment(outfd, t, p->seg, fetch);
    if (fd < 0) return "a segment is missing";
    char head[HEAD_MAX + 1];
    ssize_t n = pread(fd, head, HEAD_MAX, 0);
    const char *why = n < 0 ? "a segment cannot be read" : NULL;
    unsigned long long nres = 0;
    size_t fbytes = 0, fat = 0;
    if (!why) {
        head[n] = '\0';
        why = parse_head(head, (size_t)n, t, p, &nres, &fbytes, k, &fat);
    }
    struct stat sb;
    if (!why && (fstat(fd, &sb) != 0 || (unsigned long long)sb.st_size <= fat + fbytes))
        why = "a segment is truncated"; /* before its filter's size is trusted for memory */
    f2c_buf_reset(f);
    if (!why && f2c_buf_reserve(f, fbytes + 1) != 0) why = "out of memory";
    if (!why && pread(fd, f->data, fbytes, (off_t)fat) != (ssize_t)fbytes)
        why = "a segment is truncated";
    close(fd);
    if (why) return why;
    f->len = fbytes;
    char h[17];
    hex16(XXH3_64bits(f->data, fbytes), h);
    return strcmp(h, p->filter) == 0 ? NULL : "a filter does not match its hash";
}

/* Parses the entries of segment text (modified in place, kept by x) of partition i into x;
 * NULL, or why not. */
static const char *parse_segment(char *text, size_t len, const f2c_table *t, mi_index *x, size_t i)
{
    const mi_part *p = &x->parts[i];
    unsigned long long nres, a, b, c, d;
    size_t fbytes, fat;
    unsigned k;
    const char *why = parse_head(text, len, t, p, &nres, &fbytes, &k, &fat);
    if (why) return why;
    if (fat + fbytes >= len || text[fat + fbytes] != '\n') return "malformed";
    char h[17];
    hex16(XXH3_64bits(text + fat, fbytes), h);
    if (strcmp(h, p->filter) != 0) return "a filter does not match its hash";
    char *at = text + fat + fbytes + 1, *end = text + len, *l;
    const char *prev = NULL;
    for (unsigned long long r = 0; r < nres; r++) {
        if (!(l = next_line(&at, end)) || number(&l, 0, &a) != 0 || number(&l, 0, &b) != 0 ||
            number(&l, 0, &c) != 0 || number(&l, 0, &d) != 0 || !mi_is_fhir_id(l) || b == 0 ||
            a > p->rows || b > p->rows - a || c > p->bytes || d > p->bytes - c ||
            (prev && strcmp(prev, l) >= 0))
            return "malformed";
        if (grow_ents(x) != 0) return "out of memory";
        x->ents[x->nents++] =
            (mi_entry){.id = l, .part = i, .first = a, .n = b, .off = c, .len = d, .borrowed = 1};
        prev = l;
    }
    return at == end ? NULL : "malformed";
}

/* Reads segment i of x whole, checks it and appends its entries; NULL, or why not. */
static const char *load_segment(int outfd, const f2c_table *t, const f2c_fs_fetcher *fetch,
                                mi_index *x, size_t i)
{
    mi_part *p = &x->parts[i];
    f2c_buf text = {0};
    int fd = open_segment(outfd, t, p->seg, fetch);
    if (fd < 0) return "a segment is missing";
    const char *why = read_fd(fd, &text) ? "a segment cannot be read" : NULL;
    close(fd);
    char h[17];
    hex16(XXH3_64bits(text.data ? text.data : "", text.len), h);
    if (!why && strcmp(h, p->seg) != 0) why = "a segment's bytes do not match its name";
    char **v = why ? NULL : realloc(x->texts, (x->ntexts + 1) * sizeof *v);
    if (!why && !v) why = "out of memory";
    if (!why) { /* the entries' ids point into the text: x keeps it */
        size_t len = text.len;
        x->texts = v;
        x->texts[x->ntexts] = text.data ? text.data : calloc(1, 1);
        text = (f2c_buf){0};
        why = x->texts[x->ntexts] ? parse_segment(x->texts[x->ntexts], len, t, x, i)
                                  : "out of memory";
        if (x->texts[x->ntexts]) x->ntexts++;
    }
    f2c_buf_free(&text);
    if (!why) p->loaded = 1;
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

/* The error of an index that cannot be rebuilt: t has no ResourceId column (a view). */
static f2c_status no_key(const char *shown, const f2c_table *t, f2c_error *err)
{
    return f2c_error_set(err, F2C_EUSAGE, shown, 0, 0, NULL,
                         "the resource index of %s %s cannot be rebuilt: it has no ResourceId "
                         "column; write the folder again with one --mode merge run into a new "
                         "folder",
                         t->view ? "view" : "entity", t->entity);
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
        fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, slash + 1) : -1;
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
    if (r.key == (size_t)-1) return no_key(shown, t, err);
    if (!(x->parts = calloc(nlocs ? nlocs : 1, sizeof *x->parts)))
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < nlocs; i++) {
        if (!(x->parts[i].loc = strdup(locs[i]))) {
            st = f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
            break;
        }
        x->nparts = i + 1;
        x->parts[i].loaded = 1;
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

/* The entries of the partitions whose filter admits one of ids[0..nids) (ids NULL: every
 * partition), loaded into x (its directory read) and sorted by id; NULL, or why not. */
static const char *load_candidates(int outfd, const f2c_table *t, const char *const *ids,
                                   size_t nids, const f2c_fs_fetcher *fetch, mi_index *x)
{
    probe *pr = ids ? malloc((nids ? nids : 1) * sizeof *pr) : NULL;
    if (ids && !pr) return "out of memory";
    for (size_t i = 0; ids && i < nids; i++)
        pr[i] = probe_of(ids[i]);
    f2c_buf f = {0};
    const char *why = NULL;
    for (size_t i = 0; !why && i < x->nparts; i++) {
        unsigned k = 0;
        int want = !ids;
        if (ids && nids) why = read_filter(outfd, t, &x->parts[i], fetch, &f, &k);
        for (size_t q = 0; !why && !want && q < nids; q++)
            want = filter_has((const unsigned char *)f.data, f.len, k, pr[q]);
        if (!why && want) why = load_segment(outfd, t, fetch, x, i);
    }
    f2c_buf_free(&f);
    free(pr);
    const char *dup = NULL;
    if (!why && mi_sort(x, &dup)) why = "two segments list one resource";
    return why;
}

f2c_status mi_load(int outfd, const char *shown, const f2c_table *t, const char *index_loc,
                   const char *const *locs, size_t nlocs, const char *const *ids, size_t nids,
                   const f2c_sink *sink, const f2c_fs_fetcher *fetch, FILE *log,
                   unsigned long long *rebuilt, mi_index *out, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    if (nlocs == 0) return F2C_OK; /* nothing committed: nothing to index */
    const char *why =
        index_loc ? load_dir(outfd, t, index_loc, locs, nlocs, fetch, out) : "missing";
    if (!why) why = load_candidates(outfd, t, ids, nids, fetch, out);
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

f2c_status mi_load_part(int outfd, const char *shown, const f2c_table *t, const f2c_sink *sink,
                        const f2c_fs_fetcher *fetch, FILE *log, mi_index *x, size_t i,
                        f2c_error *err)
{
    assert(i < x->nparts && !x->parts[i].loaded && x->parts[i].seg[0]);
    size_t n0 = x->nents;
    const char *why = load_segment(outfd, t, fetch, x, i);
    if (!why) return F2C_OK;
    if (strcmp(why, "out of memory") == 0)
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    for (size_t k = n0; k < x->nents; k++) /* what was parsed before the fault */
        if (!x->ents[k].borrowed) free(x->ents[k].id);
    x->nents = n0;
    if (log)
        fprintf(log,
                "note: %s: the resource index of entity %s is not usable (%s); rebuilding the "
                "entries of %s from it\n",
                shown, t->entity, why, x->parts[i].loc);
    rebuild r = {.x = x, .key = key_column(t), .bytes = sink->ops->offset != NULL, .part = i};
    if (r.key == (size_t)-1) return no_key(shown, t, err);
    f2c_status st = rebuild_part(outfd, shown, t, sink, fetch, &r, err);
    f2c_buf_free(&r.rec);
    if (st == F2C_OK) x->parts[i].loaded = 1;
    return st;
}
