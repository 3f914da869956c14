/*
 * f2c_csv: see f2c_csv.h.  Records are assembled in a reusable buffer and written with one
 * fwrite each, so the per-cell cost is a memchr-style scan plus a copy; libcsv's csv_write
 * does the quoting when a field needs it.
 */
#include "fhir2cdm/f2c_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

struct f2c_csv {
    FILE *fp;
    char *path;
    char *tmp;
    f2c_buf rec;
    unsigned long long records;
};

static int needs_quotes(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r') return 1;
    }
    return 0;
}

int f2c_csv_append_field(f2c_buf *out, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) return f2c_buf_append(out, s, n);
    /* Worst case every byte is a quote: 2n + 2 surrounding quotes. */
    if (n > ((size_t)-1 - 3) / 2 || f2c_buf_reserve(out, 2 * n + 2) != 0) return -1;
    size_t w = csv_write(out->data + out->len, out->cap - out->len, s, n);
    out->len += w;
    out->data[out->len] = '\0';
    return 0;
}

f2c_status f2c_csv_open(const char *path, f2c_csv **out, f2c_error *err)
{
    *out = NULL;
    f2c_csv *w = calloc(1, sizeof *w);
    if (!w) return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    size_t n = strlen(path) + 32;
    w->path = strdup(path);
    w->tmp = malloc(n);
    if (!w->path || !w->tmp) {
        free(w->path);
        free(w->tmp);
        free(w);
        return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    snprintf(w->tmp, n, "%s.tmp-%ld", path, (long)getpid());
    w->fp = fopen(w->tmp, "wb");
    if (!w->fp) {
        int e = errno;
        f2c_error_set(err, F2C_EIO, w->tmp, 0, 0, NULL, "cannot create partition: %s",
                      strerror(e));
        free(w->path);
        free(w->tmp);
        free(w);
        return F2C_EIO;
    }
    *out = w;
    return F2C_OK;
}

f2c_status f2c_csv_write_row(f2c_csv *w, size_t n, const char *const *cells, const size_t *lens,
                             f2c_error *err)
{
    f2c_buf_reset(&w->rec);
    for (size_t i = 0; i < n; i++) {
        if (i && f2c_buf_appendc(&w->rec, ',') != 0) goto nomem;
        if (f2c_csv_append_field(&w->rec, cells[i], lens[i]) != 0) goto nomem;
    }
    if (f2c_buf_append(&w->rec, "\r\n", 2) != 0) goto nomem;
    if (fwrite(w->rec.data, 1, w->rec.len, w->fp) != w->rec.len)
        return f2c_error_set(err, F2C_EIO, w->tmp, 0, 0, NULL, "write failed: %s",
                             strerror(errno));
    w->records++;
    return F2C_OK;
nomem:
    return f2c_error_set(err, F2C_ENOMEM, w->tmp, 0, 0, NULL, "out of memory");
}

unsigned long long f2c_csv_records(const f2c_csv *w) { return w->records; }

static void destroy(f2c_csv *w)
{
    f2c_buf_free(&w->rec);
    free(w->path);
    free(w->tmp);
    free(w);
}

f2c_status f2c_csv_commit(f2c_csv *w, f2c_error *err)
{
    f2c_status st = F2C_OK;
    int bad = fflush(w->fp) != 0;
    int e = errno;
    if (!bad && fsync(fileno(w->fp)) != 0 && errno != EINVAL) bad = 1, e = errno;
    if (fclose(w->fp) != 0 && !bad) bad = 1, e = errno;
    if (!bad && rename(w->tmp, w->path) != 0) bad = 1, e = errno;
    if (bad) {
        st = f2c_error_set(err, F2C_EIO, w->path, 0, 0, NULL, "cannot finish partition: %s",
                           strerror(e));
        unlink(w->tmp);
    }
    destroy(w);
    return st;
}

void f2c_csv_abort(f2c_csv *w)
{
    if (!w) return;
    fclose(w->fp);
    unlink(w->tmp);
    destroy(w);
}
