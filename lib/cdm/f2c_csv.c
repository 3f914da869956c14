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
    unsigned long long flushed;  /* bytes written to fd so far */
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
    w->flushed += w->rec.len;
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
static int write_field_direct(int fd, const char *s, size_t n, unsigned long long *count)
{
    if (!needs_quotes(s, n)) {
        *count += n;
        return f2c_fs_write_all(fd, s, n);
    }
    *count += n + 2;
    for (size_t i = 0; i < n; i++)
        *count += s[i] == '"';
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
            if (write_field_direct(w->fd, cells[i], lens[i], &w->flushed) != 0)
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

unsigned long long f2c_csv_bytes(const f2c_csv *w)
{
    return w->flushed + w->rec.len;
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

/* ---- reading back (merge mode rewrites partitions: f2c_sink_ops.read) ---------------------- */

typedef struct reader {
    size_t width;
    f2c_csv_record_fn fn;
    void *ud;
    f2c_error *err;
    const char *label;
    f2c_buf fields; /* the record's field bytes, one after the other */
    size_t *offs;   /* per field: start in fields (width + 1 entries) */
    const char **cells;
    size_t *lens;
    size_t nfields; /* fields of the record so far */
    unsigned long long record;
    f2c_status st; /* first failure */
    int nomem;
} reader;

/* libcsv's cb1: one field of the record being read. */
static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->st != F2C_OK) return;
    if (r->nfields >= r->width) {
        r->nfields++; /* counted: the record is refused at its end */
        return;
    }
    r->offs[r->nfields++] = r->fields.len;
    if (n && f2c_buf_append(&r->fields, s, n) != 0)
        r->st = f2c_error_set(r->err, F2C_ENOMEM, r->label, 0, 0, NULL, "out of memory");
}

/* libcsv's cb2: the record ends (c: the terminating byte, -1 at the end of the data). */
static void on_record(int c, void *data)
{
    reader *r = data;
    if (r->st != F2C_OK) return;
    r->record++;
    if (c != '\n') {
        r->st = f2c_error_set(r->err, F2C_EIO, r->label, (long)r->record, 0, NULL,
                              "record %llu does not end in CRLF", r->record);
        return;
    }
    if (r->nfields == 0 && r->width == 1) r->offs[r->nfields++] = 0; /* an empty line */
    if (r->nfields != r->width) {
        r->st = f2c_error_set(r->err, F2C_EIO, r->label, (long)r->record, 0, NULL,
                              "record %llu has %zu fields, the table has %zu columns", r->record,
                              r->nfields, r->width);
        return;
    }
    r->offs[r->width] = r->fields.len;
    for (size_t i = 0; i < r->width; i++) {
        r->cells[i] = r->fields.data ? r->fields.data + r->offs[i] : "";
        r->lens[i] = r->offs[i + 1] - r->offs[i];
    }
    r->st = r->fn(r->ud, r->record, r->width, r->cells, r->lens, r->err);
    r->nfields = 0;
    f2c_buf_reset(&r->fields);
}

/* CR is white space to libcsv only so that it is trimmed before the LF that ends a record: the
 * writer quotes every field holding a CR, so no unquoted field can end in one. */
static int is_cr(unsigned char c)
{
    return c == '\r';
}

static int is_lf(unsigned char c)
{
    return c == '\n';
}

f2c_status f2c_csv_read_fd(int fd, const char *label, size_t width, f2c_csv_record_fn fn, void *ud,
                           f2c_error *err)
{
    reader r = {.width = width, .fn = fn, .ud = ud, .err = err, .label = label};
    struct csv_parser p;
    r.offs = malloc((width + 1) * sizeof *r.offs);
    r.cells = malloc((width + 1) * sizeof *r.cells);
    r.lens = malloc((width + 1) * sizeof *r.lens);
    if (!r.offs || !r.cells || !r.lens ||
        csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        free(r.offs);
        free(r.cells);
        free(r.lens);
        return f2c_error_set(err, F2C_ENOMEM, label, 0, 0, NULL, "out of memory");
    }
    csv_set_space_func(&p, is_cr);
    csv_set_term_func(&p, is_lf);
    char buf[65536];
    off_t at = 0;
    int ended_lf = 0;
    while (r.st == F2C_OK) {
        ssize_t n = pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            r.st =
                f2c_error_set(err, F2C_EIO, label, 0, 0, NULL, "cannot read: %s", strerror(errno));
        if (n <= 0) break;
        at += n;
        ended_lf = buf[n - 1] == '\n';
        if (csv_parse(&p, buf, (size_t)n, on_field, on_record, &r) != (size_t)n && r.st == F2C_OK)
            r.st = f2c_error_set(err, F2C_EIO, label, (long)r.record + 1, 0, NULL,
                                 "record %llu: %s", r.record + 1, csv_strerror(csv_error(&p)));
    }
    if (r.st == F2C_OK && csv_fini(&p, on_field, on_record, &r) != 0)
        r.st = f2c_error_set(err, F2C_EIO, label, (long)r.record + 1, 0, NULL, "record %llu: %s",
                             r.record + 1, csv_strerror(csv_error(&p)));
    if (r.st == F2C_OK && at > 0 && !ended_lf)
        r.st = f2c_error_set(err, F2C_EIO, label, (long)r.record, 0, NULL,
                             "the file does not end in CRLF (truncated?)");
    csv_free(&p);
    free(r.offs);
    free(r.cells);
    free(r.lens);
    f2c_buf_free(&r.fields);
    return r.st;
}
