/*
 * f2c_testfs: file helpers of the C tests (read a whole file, remove a test's work folder), one
 * copy for every suite that checks files a commit published.  Test code only: plain stdio and
 * dirent, no link safety (the tests own their folders).
 */
#ifndef FHIR2CDM_TESTS_F2C_TESTFS_H
#define FHIR2CDM_TESTS_F2C_TESTFS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"

/* Reads the whole file at path into b (reset first; b->data is a string even when empty).
 * Returns 0, or -1 when it cannot be opened or read. */
static inline int f2c_test_read_file(const char *path, f2c_buf *b)
{
    f2c_buf_reset(b);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (f2c_buf_append(b, chunk, n) != 0) abort();
    int bad = ferror(fp);
    fclose(fp);
    if (!b->data && f2c_buf_append(b, "", 0) != 0) abort();
    return bad ? -1 : 0;
}

/* rm -r path: the test's own work folder (links are removed, never followed). */
static inline void f2c_test_remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        f2c_buf child = {0};
        if (f2c_buf_printf(&child, "%s/%s", path, e->d_name) != 0) abort();
        f2c_test_remove_tree(child.data);
        f2c_buf_free(&child);
    }
    if (d) closedir(d);
    rmdir(path);
}

#endif
