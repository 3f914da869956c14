/*
 * test_streamjob: the streaming side of the stream-job engine (lib/engine/f2c_job.c, what
 * `fhir2cdm-transform export` feeds downloads into) must be the same engine as the file reader
 * (f2c_job_run), byte for byte.  It links the library only, with no console (f2c_job_ui NULL):
 *
 *  1. splitter: f2c_ndjson's push splitter gives exactly the pull reader's lines, line numbers,
 *     rejections and error texts for the same bytes, fed in chunks of 1, 7, 4096 bytes, random
 *     sizes and whole, through f2c_ndjson_push_feed and f2c_ndjson_push_feed_inplace; over
 *     generated content that hits every rule (lines straddling the pull reader's 256 KiB chunks,
 *     CRLF, blank and whitespace-only lines, BOM, a line of only a BOM, no final newline,
 *     over-limit and at-limit lines, invalid UTF-8), plain and gzip (also a truncated gzip
 *     stream, which must end with EIO after the same lines), and over every NDJSON file of
 *     samples/ndjson and the transform golden cases.
 *  2. equivalence: a stream job over samples/ndjson (one thread per file, all started together,
 *     random chunk sizes, one file gzip-compressed) writes the same partitions and model.json,
 *     byte for byte, as f2c_job_run over the same files with the same operation id and
 * modifiedTime; for the table configuration, for the ViewDefinitions, and for the bad-lines golden
 * case (whose rejected-line count must match its expected.stderr); and, when $STREAMJOB_SYNTHEA
 *     names the Synthea sample folder (../shared/data/synthea-10), over its 13 files.
 *  3. failed downloads: a file ended with ok=0 leaves no partition (and nothing temporary), while
 *     a file of the same job ended with ok=1 keeps its partitions; the job then exits with
 *     F2C_JOB_DATA.
 *
 * Usage: test_streamjob SOURCE_DIR WORK_DIR [splitter|equivalence|abort]  (default: all; one
 * part is handy under valgrind --tool=helgrind, which is slow on the splitter's 1-byte feeds)
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "fhir2cdm/f2c_job.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_check.h"

/* ---- small helpers ---------------------------------------------------------------------- */

/* snprintf into an array, a too-long result being a test setup error (paths are short). */
#define PATHF(buf, ...)                                                                            \
    do {                                                                                           \
        if (snprintf((buf), sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)) {                       \
            fprintf(stderr, "test setup: text too long\n");                                        \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

/* The whole file, NUL-terminated (for strstr), *n bytes; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    *n = len;
    return buf;
}

static int write_all(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int rc = fwrite(data, 1, n, f) == n ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            char sub[4096];
            PATHF(sub, "%s/%s", path, de->d_name);
            rm_rf(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files under dir (recursive), as paths relative to dir, sorted. */
typedef struct list {
    char **items;
    size_t n;
} list;

static void list_add(list *l, const char *s)
{
    l->items = realloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = strdup(s);
}

static void list_free(list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static void walk(const char *root, const char *rel, list *out)
{
    char path[4096];
    PATHF(path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char sub[4096], full[4096];
        PATHF(sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        PATHF(full, "%s/%s", root, sub);
        struct stat st;
        if (lstat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(root, sub, out);
        else
            list_add(out, sub);
    }
    closedir(d);
    if (out->n) qsort(out->items, out->n, sizeof *out->items, strcmp_p);
}

/* NDJSON files (*.ndjson, *.ndjson.gz) directly in dir, full paths, sorted. */
static void ndjson_files(const char *dir, list *out)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.') continue;
        if ((n > 7 && !strcmp(de->d_name + n - 7, ".ndjson")) ||
            (n > 10 && !strcmp(de->d_name + n - 10, ".ndjson.gz"))) {
            char full[4096];
            PATHF(full, "%s/%s", dir, de->d_name);
            list_add(out, full);
        }
    }
    closedir(d);
    if (out->n) qsort(out->items, out->n, sizeof *out->items, strcmp_p);
}

static unsigned long long rng_next(unsigned long long *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- 1. splitter equivalence -------------------------------------------------------------- */

typedef struct rec {
    f2c_status st;
    long lineno;
    char *text; /* line (OK) or formatted error (rejections) */
    size_t len;
} rec;

typedef struct recs {
    rec *v;
    size_t n;
} recs;

static void recs_add(recs *r, f2c_status st, long lineno, const char *text, size_t len)
{
    r->v = realloc(r->v, (r->n + 1) * sizeof *r->v);
    rec *x = &r->v[r->n++];
    x->st = st;
    x->lineno = lineno;
    x->text = malloc(len + 1);
    memcpy(x->text, text, len);
    x->text[len] = '\0';
    x->len = len;
}

static void recs_free(recs *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].text);
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

static void add_status(recs *r, f2c_status st, long lineno, const char *line, size_t len,
                       const f2c_error *err)
{
    if (st == F2C_OK) {
        recs_add(r, st, lineno, line, len);
    } else if (st == F2C_EIO) {
        /* the texts differ (gzread's and inflate's words); the place must not */
        recs_add(r, st, err->line, "", 0);
    } else {
        char buf[2048];
        f2c_error_format(err, buf, sizeof buf);
        recs_add(r, st, lineno, buf, strlen(buf));
    }
}

static void pull(const char *path, size_t max_line, recs *out)
{
    f2c_ndjson *r;
    f2c_error err;
    if (f2c_ndjson_open(path, max_line, &r, &err) != F2C_OK) {
        CHECK(0, "%s: open: %s", path, err.message);
        return;
    }
    for (;;) {
        const char *line = NULL;
        size_t len = 0;
        long lineno = 0;
        f2c_status st = f2c_ndjson_next(r, &line, &len, &lineno, &err);
        if (st == F2C_EEOF) break;
        add_status(out, st, lineno, line, len, &err);
        if (st != F2C_OK && st != F2C_ETOOLONG && st != F2C_EUTF8) break;
    }
    f2c_ndjson_close(r);
}

static f2c_status push_cb(void *ud, f2c_status st, const char *line, size_t len, long lineno,
                          f2c_error *err)
{
    if (st == F2C_OK && line[len] != '\0') return F2C_EUSAGE; /* must be NUL-terminated */
    add_status(ud, st, lineno, line, len, err);
    return F2C_OK;
}

/* chunk 0: random sizes (1..70000); inplace: through f2c_ndjson_push_feed_inplace, on a
 * writable copy of each chunk */
static void push(const char *name, const char *data, size_t n, size_t max_line, int flags,
                 size_t chunk, int inplace, recs *out)
{
    f2c_ndjson_push *p;
    f2c_error err;
    if (f2c_ndjson_push_new(name, max_line, flags, &p, &err) != F2C_OK) {
        CHECK(0, "push_new: %s", err.message);
        return;
    }
    unsigned long long seed = 0x9E3779B97F4A7C15ull ^ n;
    f2c_status st = F2C_OK;
    for (size_t off = 0; off < n && st == F2C_OK;) {
        size_t k = chunk ? chunk : 1 + (size_t)(rng_next(&seed) % 70000);
        if (k > n - off) k = n - off;
        if (inplace) {
            char *copy = malloc(k);
            memcpy(copy, data + off, k);
            st = f2c_ndjson_push_feed_inplace(p, copy, k, push_cb, out, &err);
            free(copy);
        } else {
            st = f2c_ndjson_push_feed(p, data + off, k, push_cb, out, &err);
        }
        off += k;
    }
    if (st == F2C_OK) st = f2c_ndjson_push_end(p, push_cb, out, &err);
    if (st == F2C_EIO) add_status(out, st, 0, NULL, 0, &err);
    CHECK(st == F2C_OK || st == F2C_EIO, "%s: push failed: %s %s", name, f2c_status_name(st),
          err.message);
    /* finished: more calls deliver nothing */
    size_t before = out->n;
    f2c_ndjson_push_feed(p, "x\n", 2, push_cb, out, &err);
    f2c_ndjson_push_end(p, push_cb, out, &err);
    CHECK(out->n == before, "%s: lines delivered after the end", name);
    f2c_ndjson_push_free(p);
}

static int same_recs(const recs *a, const recs *b, const char *what)
{
    if (a->n != b->n) {
        CHECK(0, "%s: pull gave %zu records, push %zu", what, a->n, b->n);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        const rec *x = &a->v[i], *y = &b->v[i];
        if (x->st != y->st || x->lineno != y->lineno || x->len != y->len ||
            memcmp(x->text, y->text, x->len) != 0) {
            CHECK(0,
                  "%s: record %zu differs: pull %s line %ld (%zu bytes) \"%.80s\", push %s line "
                  "%ld (%zu bytes) \"%.80s\"",
                  what, i, f2c_status_name(x->st), x->lineno, x->len, x->text,
                  f2c_status_name(y->st), y->lineno, y->len, y->text);
            return 0;
        }
    }
    return 1;
}

/* Pull-reads path, and push-feeds data (the file's bytes, or what to feed instead) in every
 * chunking; all must agree. Returns the number of pull records. */
static size_t compare_file(const char *path, const char *data, size_t n, size_t max_line, int flags)
{
    recs want = {0};
    pull(path, max_line, &want);
    static const size_t chunks[] = {1, 7, 4096, 0, (size_t)-1};
    for (int inplace = 0; inplace < 2; inplace++)
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            recs got = {0};
            size_t ch = chunks[c] == (size_t)-1 ? (n ? n : 1) : chunks[c];
            push(path, data, n, max_line, flags, ch, inplace, &got);
            char what[4200];
            PATHF(what, "%s (chunk %s%zu%s)", path, chunks[c] ? "" : "random ",
                  chunks[c] == (size_t)-1 ? n : chunks[c], inplace ? ", in place" : "");
            same_recs(&want, &got, what);
            recs_free(&got);
        }
    size_t k = want.n;
    recs_free(&want);
    return k;
}

/* Content that hits every rule of the reader. */
static size_t generate(int bom, int final_newline, size_t max_line, char **out)
{
    unsigned long long s = 88172645463325252ull;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
#define PUT(p, k)                                                                                  \
    do {                                                                                           \
        while (n + (k) + 8 > cap)                                                                  \
            b = realloc(b, cap *= 2);                                                              \
        memcpy(b + n, (p), (k));                                                                   \
        n += (k);                                                                                  \
    } while (0)
    if (bom) PUT("\xEF\xBB\xBF", 3);
    const int lines = 300;
    for (int i = 0; i < lines; i++) {
        unsigned long long r = rng_next(&s);
        switch (i) {
        case 3:
            PUT("   \t ", 5);
            break; /* whitespace only: skipped */
        case 4:
            break; /* empty */
        case 5:
            PUT("\r", 1);
            break; /* CR only: blank */
        case 6:
            PUT("\xEF\xBB\xBF", 3);
            break; /* a BOM not on line 1: kept */
        case 9:
            PUT("{\"a\":\"\xC3\x28\"}", 10);
            break; /* invalid UTF-8 */
        case 10:
            PUT("{\"b\":\"\xE2\x82\xAC\"}", 11);
            break; /* valid 3-byte UTF-8 */
        case 12:
            PUT("abc\r\r", 5);
            break; /* one CR removed only */
        default: {
            size_t len;
            if (i == 7)
                len = max_line + 1;
            else if (i == 8)
                len = max_line;
            else if (i == 11)
                len = max_line + 2000; /* with a CR counted */
            else
                len = (r >> 8) % 7 == 0 ? (size_t)((r >> 16) % (3 * max_line))
                                        : (size_t)((r >> 16) % 300);
            while (n + len + 8 > cap)
                b = realloc(b, cap *= 2);
            for (size_t k = 0; k < len; k++)
                b[n + k] = (char)('a' + (k + (size_t)i) % 26);
            n += len;
        }
        }
        if (i == lines - 1 && !final_newline) break;
        if ((r >> 40) % 3 == 0) PUT("\r", 1);
        PUT("\n", 1);
    }
#undef PUT
    *out = b;
    return n;
}

static void test_splitter(const char *src, const char *work)
{
    const size_t max_line = 20000;
    char plain[4096], gz[4096];
    PATHF(plain, "%s/gen.ndjson", work);
    PATHF(gz, "%s/gen.ndjson.gz", work);
    for (int variant = 0; variant < 4; variant++) {
        int bom = variant & 1, final_nl = !(variant & 2);
        char *data;
        size_t n = generate(bom, final_nl, max_line, &data);
        CHECK(n > 600 * 1024, "generated content too small (%zu bytes) to straddle chunks", n);
        write_all(plain, data, n);
        size_t recs_n = compare_file(plain, data, n, max_line, F2C_NDJSON_PUSH_PLAIN);
        CHECK(recs_n > 250, "generated file gave only %zu records", recs_n);
        /* GUNZIP detection must leave plain bytes alone */
        compare_file(plain, data, n, max_line, F2C_NDJSON_PUSH_GUNZIP);
        /* gzip: the pull reader reads the .gz, the push splitter inflates the same bytes */
        gzFile g = gzopen(gz, "wb");
        gzwrite(g, data, (unsigned)n);
        gzclose(g);
        size_t zn;
        char *z = read_all(gz, &zn);
        compare_file(gz, z, zn, max_line, F2C_NDJSON_PUSH_GUNZIP);
        /* truncated gzip: same lines, then EIO at the same place */
        write_all(gz, z, zn / 2);
        compare_file(gz, z, zn / 2, max_line, F2C_NDJSON_PUSH_GUNZIP);
        free(z);
        free(data);
    }
    /* two concatenated gzip members and trailing garbage, as gzread reads them */
    {
        const char *a = "{\"x\":1}\n{\"x\":2", *b2 = "}\n\n{\"y\":3}";
        gzFile g = gzopen(gz, "wb");
        gzwrite(g, a, (unsigned)strlen(a));
        gzclose(g);
        size_t n1;
        char *m1 = read_all(gz, &n1);
        g = gzopen(gz, "wb");
        gzwrite(g, b2, (unsigned)strlen(b2));
        gzclose(g);
        size_t n2;
        char *m2 = read_all(gz, &n2);
        char *all = malloc(n1 + n2 + 4);
        memcpy(all, m1, n1);
        memcpy(all + n1, m2, n2);
        memcpy(all + n1 + n2, "zzz", 3);
        write_all(gz, all, n1 + n2 + 3);
        size_t k = compare_file(gz, all, n1 + n2 + 3, 0, F2C_NDJSON_PUSH_GUNZIP);
        CHECK(k == 3, "concatenated gzip members: %zu records, expected 3", k);
        free(m1);
        free(m2);
        free(all);
    }
    /* tiny inputs */
    static const char *const tiny[] = {"",         "\n",  "\x1F",   "a", "\r\n", "\xEF\xBB\xBF",
                                       "\xEF\xBB", "x\r", "\n\n\nq"};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        size_t n = strlen(tiny[i]);
        write_all(plain, tiny[i], n);
        compare_file(plain, tiny[i], n, 0, F2C_NDJSON_PUSH_PLAIN);
        compare_file(plain, tiny[i], n, 0, F2C_NDJSON_PUSH_GUNZIP);
    }
    /* real files: samples and the golden cases' inputs */
    size_t files = 0;
    list dirs = {0};
    char p[4096];
    PATHF(p, "%s/samples/ndjson", src);
    list_add(&dirs, p);
    PATHF(p, "%s/tests/transform/cases", src);
    DIR *d = opendir(p);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char in[4096];
        PATHF(in, "%s/%s/input", p, de->d_name);
        list_add(&dirs, in);
    }
    if (d) closedir(d);
    for (size_t i = 0; i < dirs.n; i++) {
        list fl = {0};
        ndjson_files(dirs.items[i], &fl);
        for (size_t k = 0; k < fl.n; k++) {
            size_t n;
            char *data = read_all(fl.items[k], &n);
            if (!data) continue;
            /* max line 300 as the bad-lines case uses, and the default */
            compare_file(fl.items[k], data, n, 300, F2C_NDJSON_PUSH_GUNZIP);
            compare_file(fl.items[k], data, n, 0, F2C_NDJSON_PUSH_GUNZIP);
            free(data);
            files++;
        }
        list_free(&fl);
    }
    list_free(&dirs);
    CHECK(files >= 10, "only %zu NDJSON fixture files found under %s", files, src);
    unlink(plain);
    unlink(gz);
}

/* ---- 2. stream job == f2c_job_run --------------------------------------------------------------
 */

typedef struct feeder {
    f2c_job *job;
    const char *path; /* file whose bytes are fed */
    char name[256];   /* stem */
    unsigned long long seed;
    size_t stop_after; /* feed only this many bytes, then end with ok=0 (0: all, ok=1) */
    pthread_barrier_t *start;
    int rc;
} feeder;

static void *feed_thread(void *arg)
{
    feeder *fd = arg;
    size_t n;
    char *data = read_all(fd->path, &n);
    if (fd->start) pthread_barrier_wait(fd->start);
    fd->rc = -1;
    if (!data) return NULL;
    f2c_job_file *f = f2c_job_file_begin(fd->job, fd->name, fd->path);
    if (!f) {
        free(data);
        return NULL;
    }
    size_t limit = fd->stop_after ? fd->stop_after : n;
    int rc = 0;
    for (size_t off = 0; off < limit && rc == 0;) {
        size_t k = 1 + (size_t)(rng_next(&fd->seed) % 9000);
        if (rng_next(&fd->seed) % 8 == 0) k = 1 + (size_t)(rng_next(&fd->seed) % 5);
        if (k > limit - off) k = limit - off;
        rc = f2c_job_file_feed(f, data + off, k);
        off += k;
        if (rng_next(&fd->seed) % 64 == 0) sched_yield();
    }
    int erc = f2c_job_file_end(f, rc == 0 && !fd->stop_after);
    fd->rc = rc ? rc : erc;
    free(data);
    return NULL;
}

static void stem_of(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (snprintf(out, n, "%s", base) >= (int)n) exit(2);
    size_t k = strlen(out);
    if (k > 10 && !strcmp(out + k - 10, ".ndjson.gz"))
        out[k - 10] = '\0';
    else if (k > 7 && !strcmp(out + k - 7, ".ndjson"))
        out[k - 7] = '\0';
}

/* f2c_job_run's modifiedTime for a fresh output folder: the newest input's mtime. */
static void newest_mtime(const list *files, char *buf, size_t n)
{
    time_t newest = 0;
    for (size_t i = 0; i < files->n; i++) {
        struct stat st;
        if (stat(files->items[i], &st) == 0 && st.st_mtime > newest) newest = st.st_mtime;
    }
    struct tm tm;
    gmtime_r(&newest, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void compare_trees(const char *a, const char *b, const char *what)
{
    list la = {0}, lb = {0};
    walk(a, "", &la);
    walk(b, "", &lb);
    CHECK(la.n > 1, "%s: f2c_job_run wrote only %zu files", what, la.n);
    CHECK(la.n == lb.n, "%s: f2c_job_run wrote %zu files, the stream job %zu", what, la.n, lb.n);
    for (size_t i = 0; i < la.n && i < lb.n; i++) {
        if (strcmp(la.items[i], lb.items[i]) != 0) {
            CHECK(0, "%s: file %zu: %s vs %s", what, i, la.items[i], lb.items[i]);
            break;
        }
        char pa[4096], pb[4096];
        PATHF(pa, "%s/%s", a, la.items[i]);
        PATHF(pb, "%s/%s", b, lb.items[i]);
        size_t na, nb;
        char *da = read_all(pa, &na), *db = read_all(pb, &nb);
        CHECK(da && db && na == nb && memcmp(da, db, na) == 0, "%s: %s differs (%zu vs %zu bytes)",
              what, la.items[i], na, nb);
        free(da);
        free(db);
    }
    list_free(&la);
    list_free(&lb);
}

/* Runs f2c_job_run over input_dir into <work>/<tag>-run and a stream job (one thread per file) into
 * <work>/<tag>-stream, compares them; returns the stream job's rejected count.  expect_rc < 0:
 * the stream job must return what f2c_job_run returns. */
static unsigned long long run_both(const char *work, const char *tag, const char *config,
                                   const char *views, const char *input_dir, size_t max_line,
                                   int expect_rc)
{
    char out_a[4096], out_b[4096];
    PATHF(out_a, "%s/%s-run", work, tag);
    PATHF(out_b, "%s/%s-stream", work, tag);
    rm_rf(out_a);
    rm_rf(out_b);
    const char *inputs[] = {input_dir};
    const char *viewv[] = {views};
    f2c_job_options o = {.config_dir = config,
                         .views = views ? viewv : NULL,
                         .nviews = views ? 1 : 0,
                         .output_dir = out_a,
                         .inputs = inputs,
                         .ninputs = 1,
                         .max_depth = F2C_DEFAULT_MAX_DEPTH,
                         .operation_id = "streamtest",
                         .max_errors = 0,
                         .max_line = max_line ? max_line : F2C_NDJSON_DEFAULT_MAX_LINE,
                         .quiet = 1};
    int rc = f2c_job_run(&o);
    if (expect_rc < 0) expect_rc = rc; /* whatever f2c_job_run says */
    CHECK(rc == expect_rc, "%s: f2c_job_run returned %d, expected %d", tag, rc, expect_rc);

    list files = {0};
    ndjson_files(input_dir, &files);
    char mtime[32];
    newest_mtime(&files, mtime, sizeof mtime);

    o.output_dir = out_b;
    o.inputs = NULL;
    o.ninputs = 0;
    o.operation_id = NULL;
    f2c_job *j = NULL;
    rc = f2c_job_open(&o, "streamtest", &j);
    CHECK(rc == F2C_JOB_OK && j, "%s: f2c_job_open returned %d", tag, rc);
    if (!j) {
        list_free(&files);
        return 0;
    }
    const char *const *types;
    size_t nt = f2c_job_types(j, &types);
    CHECK(nt > 0, "%s: no resource types", tag);
    for (size_t i = 1; i < nt; i++)
        CHECK(strcmp(types[i - 1], types[i]) < 0, "%s: types not sorted/unique: %s, %s", tag,
              types[i - 1], types[i]);

    feeder *fds = calloc(files.n, sizeof *fds);
    pthread_t *th = calloc(files.n, sizeof *th);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)files.n);
    for (size_t i = 0; i < files.n; i++) {
        fds[i].job = j;
        fds[i].path = files.items[i];
        stem_of(files.items[i], fds[i].name, sizeof fds[i].name);
        fds[i].seed = 0x2545F4914F6CDD1Dull * (i + 1) ^ (unsigned long long)time(NULL);
        fds[i].start = &start;
        pthread_create(&th[i], NULL, feed_thread, &fds[i]);
    }
    for (size_t i = 0; i < files.n; i++) {
        pthread_join(th[i], NULL);
        CHECK(fds[i].rc == 0, "%s: feeding %s failed (%d)", tag, fds[i].path, fds[i].rc);
    }
    pthread_barrier_destroy(&start);
    rc = f2c_job_finish(j, mtime);
    CHECK(rc == expect_rc, "%s: f2c_job_finish returned %d, expected %d", tag, rc, expect_rc);
    unsigned long long rejected = f2c_job_rejected(j);
    f2c_job_free(j);
    free(fds);
    free(th);
    compare_trees(out_a, out_b, tag);
    list_free(&files);
    return rejected;
}

static void copy_file(const char *from, const char *to, int gzip)
{
    size_t n;
    char *data = read_all(from, &n);
    if (!data) {
        CHECK(0, "cannot read %s", from);
        return;
    }
    if (gzip) {
        gzFile g = gzopen(to, "wb");
        gzwrite(g, data, (unsigned)n);
        gzclose(g);
    } else {
        write_all(to, data, n);
    }
    free(data);
}

static void test_equivalence(const char *src, const char *work)
{
    /* samples/ndjson copied, Observation gzip-compressed (f2c_job_run: gzread; stream: inflate) */
    char in[4096], p[4096];
    PATHF(in, "%s/samples-in", work);
    rm_rf(in);
    mkdir(in, 0777);
    PATHF(p, "%s/samples/ndjson", src);
    list files = {0};
    ndjson_files(p, &files);
    CHECK(files.n >= 3, "only %zu sample files", files.n);
    for (size_t i = 0; i < files.n; i++) {
        char stem[256], to[4096];
        stem_of(files.items[i], stem, sizeof stem);
        int gz = strcmp(stem, "Observation") == 0;
        PATHF(to, "%s/%s.ndjson%s", in, stem, gz ? ".gz" : "");
        copy_file(files.items[i], to, gz);
    }
    list_free(&files);
    char cfg[4096], views[4096];
    PATHF(cfg, "%s/samples/config", src);
    PATHF(views, "%s/samples/views", src);
    unsigned long long r = run_both(work, "config", cfg, NULL, in, 0, F2C_JOB_OK);
    CHECK(r == 0, "samples: %llu rejected lines", r);
    r = run_both(work, "views", NULL, views, in, 0, F2C_JOB_OK);
    CHECK(r == 0, "samples (views): %llu rejected lines", r);

    /* the bad-lines golden case: rejections counted as in its expected.stderr */
    char bad[4096], basic[4096], exp[4096];
    PATHF(bad, "%s/tests/transform/cases/bad-lines/input", src);
    PATHF(basic, "%s/tests/transform/configs/basic", src);
    PATHF(exp, "%s/tests/transform/cases/bad-lines/expected.stderr", src);
    size_t n;
    char *text = read_all(exp, &n);
    unsigned long long want = 0;
    for (size_t i = 0; text && i < n; i++)
        if ((i == 0 || text[i - 1] == '\n') && n - i > 7 && memcmp(text + i, "error: ", 7) == 0)
            want++;
    free(text);
    CHECK(want > 0, "no rejections in %s", exp);
    r = run_both(work, "bad-lines", basic, NULL, bad, 300, F2C_JOB_DATA);
    CHECK(r == want, "bad-lines: %llu rejected lines, expected %llu", r, want);

    /* Synthea data (13 files, 13 threads), when the shared reference data is there. */
    const char *synthea = getenv("STREAMJOB_SYNTHEA");
    struct stat st;
    if (synthea && *synthea && stat(synthea, &st) == 0 && S_ISDIR(st.st_mode)) {
        run_both(work, "synthea-config", cfg, NULL, synthea, 0, -1);
        run_both(work, "synthea-views", NULL, views, synthea, 0, -1);
    } else {
        fprintf(stderr, "NOTE: STREAMJOB_SYNTHEA (%s) is not a folder: Synthea part skipped\n",
                synthea ? synthea : "unset");
    }
}

/* ---- 3. failed downloads ------------------------------------------------------------------ */

static void test_abort(const char *src, const char *work)
{
    char out[4096], cfg[4096], pat[4096], obs[4096];
    PATHF(out, "%s/abort", work);
    rm_rf(out);
    PATHF(cfg, "%s/samples/config", src);
    PATHF(pat, "%s/samples/ndjson/Patient.ndjson", src);
    PATHF(obs, "%s/samples/ndjson/Observation.ndjson", src);
    f2c_job_options o = {.config_dir = cfg,
                         .output_dir = out,
                         .max_depth = F2C_DEFAULT_MAX_DEPTH,
                         .max_line = F2C_NDJSON_DEFAULT_MAX_LINE,
                         .quiet = 1};
    f2c_job *j = NULL;
    CHECK(f2c_job_open(&o, "bad id!", &j) == F2C_JOB_USAGE && !j, "invalid opid accepted");
    int rc = f2c_job_open(&o, "abort-1", &j);
    CHECK(rc == F2C_JOB_OK && j, "open: %d", rc);
    if (!j) return;
    size_t pn, on;
    char *pd = read_all(pat, &pn), *od = read_all(obs, &on);
    /* Patient completes; Observation fails after most of its bytes (rows already written to its
     * temporary partitions) and must leave nothing. */
    feeder fa = {.job = j, .path = pat, .name = "Patient", .seed = 7};
    feeder fb = {
        .job = j, .path = obs, .name = "Observation", .seed = 11, .stop_after = on * 9 / 10};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, feed_thread, &fa);
    pthread_create(&tb, NULL, feed_thread, &fb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(fa.rc == 0 && fb.rc == 0, "feeding: %d %d", fa.rc, fb.rc);
    /* Before the commit: the completed file's partitions wait in the staging folder, the
     * aborted file's are gone, and nothing is published yet. */
    list l = {0};
    char data[4096];
    PATHF(data, "%s/.fhir2cdm", out);
    walk(data, "", &l);
    size_t patient = 0, staged = 0;
    for (size_t i = 0; i < l.n; i++) {
        CHECK(strstr(l.items[i], "-Observation-") == NULL, "aborted file left %s", l.items[i]);
        patient += strstr(l.items[i], "-Patient-abort-1.csv") != NULL;
        staged += strstr(l.items[i], "partition-data-") != NULL;
    }
    CHECK(patient > 0 && patient == staged, "%zu Patient partitions among %zu staged files",
          patient, staged);
    list_free(&l);
    PATHF(data, "%s/data", out);
    walk(data, "", &l);
    CHECK(l.n == 0, "%zu files published before the commit", l.n);
    list_free(&l);
    rc = f2c_job_finish(j, "2024-01-02T03:04:05Z");
    CHECK(rc == F2C_JOB_DATA, "finish after a failed file returned %d, expected %d", rc,
          F2C_JOB_DATA);
    size_t mn;
    char model[4096];
    PATHF(model, "%s/model.json", out);
    char *m = read_all(model, &mn);
    CHECK(m && strstr(m, "-Patient-abort-1.csv") && !strstr(m, "-Observation-"),
          "model.json does not list exactly the committed file's partitions");
    CHECK(m && strstr(m, "2024-01-02T03:04:05Z"), "model.json lacks the given modifiedTime");
    free(m);

    /* A file ended with ok=0 before any byte; names: a committed one cannot be used again, an
     * aborted one can (a retried download), a path is not a name. */
    f2c_job_file *f = f2c_job_file_begin(j, "Nothing", NULL);
    CHECK(f && f2c_job_file_end(f, 0) == 0, "empty abort");
    f = f2c_job_file_begin(j, "Patient", NULL);
    CHECK(f == NULL, "a committed file's name was accepted again");
    f2c_job_file_end(f, 0);
    f = f2c_job_file_begin(j, "Observation", NULL);
    f2c_job_file *f2 = f2c_job_file_begin(j, "Observation", NULL);
    CHECK(f != NULL, "an aborted file's name cannot be used again");
    CHECK(f2 == NULL, "two active files with one name");
    f2c_job_file_end(f2, 0);
    f2c_job_file_end(f, 0);
    f = f2c_job_file_begin(j, "a/b", NULL);
    CHECK(f == NULL, "a name with '/' was accepted");
    f2c_job_file_end(f, 0);
    CHECK(f2c_job_file_end(NULL, 1) == 0, "end(NULL)");
    f2c_job_free(j);
    free(pd);
    free(od);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: test_streamjob SOURCE_DIR WORK_DIR [splitter|equivalence|abort]\n");
        return 2;
    }
    const char *src = argv[1], *work = argv[2], *only = argc == 4 ? argv[3] : NULL;
    mkdir(work, 0777);
    if (!only || !strcmp(only, "splitter")) test_splitter(src, work);
    if (!only || !strcmp(only, "equivalence")) test_equivalence(src, work);
    if (!only || !strcmp(only, "abort")) test_abort(src, work);
    return f2c_check_report("streamjob");
}
