/*
 * fuzz_files.h: what the fuzz targets whose parser reads files (not memory) share: a private
 * scratch folder made once per process, and the "file bundle" input format that lets one
 * fuzz input hold a whole folder (a table configuration, a set of ViewDefinitions).
 *
 * Why: f2c_tablecfg_load, f2c_view_load, gc_build_from_yaml and synapse-sql take paths, and
 * the parsers must be fuzzed as the user reaches them, with no API change.  The files live in
 * /dev/shm when it exists (memory, so each run costs little) and are removed at exit.
 *
 * Bundle format (documented here once; the targets refer to it):
 *
 *     === NAME\n            a header line at the start of the input or of a line:
 *     file contents\n       everything up to the next header line (or the end) is the file
 *     === OTHER\n           NAME: [A-Za-z0-9_.-]{1,64}, optionally after "PropertiesGroup/";
 *     ...                   any other header is skipped with its contents.
 *
 * Input without a header at its start is one file named by the target's default.  The final
 * newline before a header belongs to the header, not to the file.
 */
#ifndef FHIR2CDM_FUZZ_FILES_H
#define FHIR2CDM_FUZZ_FILES_H

#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_root[256];

static inline int fuzz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p); /* best effort: a leftover is overwritten or reported by the next mkdir */
    return 0;
}

/* Removes everything under dir (dir itself too). */
static inline void fuzz_rm_rf(const char *dir)
{
    nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_cleanup(void)
{
    if (fuzz_root[0]) fuzz_rm_rf(fuzz_root);
}

/* The process's scratch folder, made on first use (aborts when it cannot be made: that is
 * the harness failing, not the code under test). */
static const char *fuzz_scratch(void)
{
    if (!fuzz_root[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(fuzz_root, sizeof fuzz_root, "%s/f2c-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_root)) abort();
        atexit(fuzz_cleanup);
    }
    return fuzz_root;
}

/* Writes data[0..len) to path (created or truncated); aborts on failure. */
static inline void fuzz_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (len && fwrite(data, 1, len, f) != len) abort();
    if (fclose(f) != 0) abort();
}

static inline int fuzz_name_ok(const char *s, size_t n)
{
    static const char pg[] = "PropertiesGroup/";
    if (n == sizeof pg - 2 && memcmp(s, pg, n) == 0) return 0; /* the folder itself */
    if (n > sizeof pg - 1 && memcmp(s, pg, sizeof pg - 1) == 0) {
        s += sizeof pg - 1;
        n -= sizeof pg - 1;
    }
    if (n == 0 || n > 64 || (n <= 2 && s[0] == '.')) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* Where the next header line starts at or after `from` (a header is "=== " at the start of a
 * line); size when none. */
static inline size_t fuzz_next_header(const unsigned char *d, size_t size, size_t from)
{
    for (size_t i = from; i + 4 <= size; i++) {
        if ((i == 0 || d[i - 1] == '\n') && memcmp(d + i, "=== ", 4) == 0) return i;
    }
    return size;
}

/*
 * Empties `dir` (made if missing, with a PropertiesGroup/ subfolder) and writes the bundle in
 * d[0..size) into it (see the top comment); returns the number of files written.
 */
static inline size_t fuzz_unbundle(const unsigned char *d, size_t size, const char *dir,
                                   const char *default_name)
{
    char path[512];
    fuzz_rm_rf(dir);
    if (mkdir(dir, 0700) != 0) abort();
    snprintf(path, sizeof path, "%s/PropertiesGroup", dir);
    if (mkdir(path, 0700) != 0) abort();
    size_t files = 0;
    size_t at = fuzz_next_header(d, size, 0);
    if (at != 0) { /* no header first: one file */
        snprintf(path, sizeof path, "%s/%s", dir, default_name);
        fuzz_write(path, d, size);
        return 1;
    }
    while (at < size) {
        const unsigned char *nl = memchr(d + at, '\n', size - at);
        size_t name_end = nl ? (size_t)(nl - d) : size;
        size_t body = nl ? name_end + 1 : size;
        size_t next = fuzz_next_header(d, size, body);
        size_t end = next;
        if (end > body && next < size) end--; /* the newline before the next header */
        const char *name = (const char *)d + at + 4;
        size_t nlen = name_end - at - 4;
        if (fuzz_name_ok(name, nlen)) {
            snprintf(path, sizeof path, "%s/%.*s", dir, (int)nlen, name);
            fuzz_write(path, d + body, end > body ? end - body : 0);
            files++;
        }
        at = next;
    }
    return files;
}

#endif
