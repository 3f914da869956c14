/*
 * f2c_csv: see f2c_csv.h.  Records are gathered in one buffer and written with one write(2) per
 * FLUSH_AT bytes, so the per-cell cost is a memchr-style scan plus a copy; libcsv's csv_write
 * does the quoting when a field needs it.  The writer works on a descriptor it does not own: the
 * file's creation, fsync and publication are the commit protocol's (f2c_commit.h), so a writer
 * never decides where its bytes become visible.
 */
#include "fhir2cdm/f2c_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "fhir2cdm/f2c_fs.h"

#define FLUSH_AT (256u * 1024u) /* bytes of records gathered before one write(2) */

struct f2c_csv {
    int fd;      /* the caller's; never closed here */
    char *label; /* the file in messages */
    f2c_buf rec; /* records not yet written */
    unsigned long long records;
    unsigned long long unsynced; /* bytes written since the last early write-back */
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

f2c_status f2c_csv_open_fd(int fd, const char *label, f2c_csv **out, f2c_error *err)
{
    *out = NULL;
    f2c_csv *w = calloc(1, sizeof *w);
    if (!w || !(w->label = strdup(label))) {
        free(w);
        return f2c_error_set(err, F2C_ENOMEM, label, 0, 0, NULL, "out of memory");
    }
    w->fd = fd;
    *out = w;
    return F2C_OK;
}

static f2c_status flush(f2c_csv *w, f2c_error *err)
{
    if (f2c_fs_write_all(w->fd, w->rec.data, w->rec.len) != 0)
        return f2c_error_set(err, F2C_EIO, w->label, 0, 0, NULL, "write failed: %s",
                             strerror(errno));
    f2c_fs_write_back(w->fd, w->rec.len, &w->unsynced);
    /* A huge record (one very long cell) grew the buffer: give the memory back rather than
     * hold it, per table, until the file ends. */
    if (w->rec.cap > 4 * FLUSH_AT)
        f2c_buf_free(&w->rec);
    else
        f2c_buf_reset(&w->rec);
    return F2C_OK;
}

/* Writes field s[0..n) straight to the file, quoted exactly as f2c_csv_append_field quotes it
 * (RFC 4180 §2: enclosed in double quotes when it holds a comma, quote, CR or LF, each embedded
 * quote doubled), through a small fixed buffer: a huge cell is never copied whole. */
static int write_field_direct(int fd, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) return f2c_fs_write_all(fd, s, n);
    char buf[65536];
    size_t k = 0;
    buf[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (k + 2 > sizeof buf) {
            if (f2c_fs_write_all(fd, buf, k) != 0) return -1;
            k = 0;
        }
        if (s[i] == '"') buf[k++] = '"';
        buf[k++] = s[i];
    }
    if (k + 1 > sizeof buf) {
        if (f2c_fs_write_all(fd, buf, k) != 0) return -1;
        k = 0;
    }
    buf[k++] = '"';
    return f2c_fs_write_all(fd, buf, k);
}

f2c_status f2c_csv_write_row(f2c_csv *w, size_t n, const char *const *cells, const size_t *lens,
                             f2c_error *err)
{
    size_t start = w->rec.len;
    for (size_t i = 0; i < n; i++) {
        if (i && f2c_buf_appendc(&w->rec, ',') != 0) goto nomem;
        if (lens[i] > FLUSH_AT) {
            /* the record so far, then the cell itself, unbuffered */
            f2c_status st = flush(w, err);
            if (st != F2C_OK) return st;
            start = 0;
            if (write_field_direct(w->fd, cells[i], lens[i]) != 0)
                return f2c_error_set(err, F2C_EIO, w->label, 0, 0, NULL, "write failed: %s",
                                     strerror(errno));
            continue;
        }
        if (f2c_csv_append_field(&w->rec, cells[i], lens[i]) != 0) goto nomem;
    }
    if (f2c_buf_append(&w->rec, "\r\n", 2) != 0) goto nomem;
    w->records++;
    return w->rec.len >= FLUSH_AT ? flush(w, err) : F2C_OK;
nomem:
    w->rec.len = start;
    return f2c_error_set(err, F2C_ENOMEM, w->label, 0, 0, NULL, "out of memory");
}

unsigned long long f2c_csv_records(const f2c_csv *w)
{
    return w->records;
}

static void destroy(f2c_csv *w)
{
    f2c_buf_free(&w->rec);
    free(w->label);
    free(w);
}

f2c_status f2c_csv_finish(f2c_csv *w, f2c_error *err)
{
    f2c_status st = w->rec.len ? flush(w, err) : F2C_OK;
    destroy(w);
    return st;
}

void f2c_csv_abort(f2c_csv *w)
{
    if (w) destroy(w);
}
