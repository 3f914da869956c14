/*
 * f2c_sink_csv: the CSV implementation of the row-sink interface (f2c_sink.h) -- one staged
 * partition file written by f2c_csv.  Why so thin: the record format (quoting, CRLF, buffering)
 * is f2c_csv's and the file's life (staging, fsync, publication) is the commit protocol's; this
 * file only ties one to the other, so the CSV bytes are exactly those the engine wrote before
 * the interface existed.
 */
#include "fhir2cdm/f2c_sink_csv.h"

#include "f2c_sink_file.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_csv.h"

typedef struct csv_part {
    f2c_sink_part base; /* first: f2c_sink_part * and csv_part * are the same pointer */
    const f2c_table *t; /* borrowed */
    f2c_sink_file file; /* the staged file */
    f2c_csv *w;         /* NULL once finished */
} csv_part;

static const f2c_sink_ops csv_ops;

static csv_part *as_csv(f2c_sink_part *p)
{
    assert(p && p->ops == &csv_ops);
    return (csv_part *)p;
}

/* Writer freed unwritten, staged file removed, q freed. */
static void csv_abort(f2c_sink_part *p)
{
    csv_part *q = as_csv(p);
    f2c_csv_abort(q->w);
    f2c_sink_file_discard(&q->file);
    free(q);
}

static f2c_status nomem(f2c_error *err, const char *file)
{
    return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

static f2c_status csv_open(void *state, f2c_commit *tx, const char *dir, const char *name,
                           const f2c_table *t, f2c_sink_part **out, f2c_error *err)
{
    (void)state; /* CSV needs none */
    csv_part *q = calloc(1, sizeof *q);
    if (!q) return nomem(err, name);
    *q = (csv_part){.base = {.ops = &csv_ops}, .t = t};
    f2c_status st = f2c_sink_file_stage(&q->file, tx, dir, name, err);
    if (st != F2C_OK) { /* nothing staged */
        free(q);
        return st;
    }
    st = f2c_csv_open_fd(q->file.fd, q->file.label, &q->w, err);
    if (st != F2C_OK) {
        csv_abort(&q->base);
        return st;
    }
    *out = &q->base;
    return F2C_OK;
}

static f2c_status csv_header(f2c_sink_part *p, f2c_error *err)
{
    csv_part *q = as_csv(p);
    size_t w = p->width;
    const char **names = malloc((w ? w : 1) * sizeof *names);
    size_t *lens = malloc((w ? w : 1) * sizeof *lens);
    f2c_status st;
    if (!names || !lens) {
        st = nomem(err, q->file.label);
    } else {
        for (size_t i = 0; i < w; i++) {
            names[i] = f2c_table_column_name(q->t, i);
            lens[i] = strlen(names[i]);
        }
        st = f2c_csv_write_row(q->w, w, names, lens, err);
    }
    free(names);
    free(lens);
    return st;
}

static f2c_status csv_row(f2c_sink_part *p, const char *const *cells, const size_t *lens,
                          f2c_error *err)
{
    return f2c_csv_write_row(as_csv(p)->w, p->width, cells, lens, err);
}

/* Buffered records out, then the staged file fsynced and closed: it is then complete and waits
 * in the staging folder for the transaction's finish. */
static f2c_status csv_finish(f2c_sink_part *p, f2c_error *err)
{
    csv_part *q = as_csv(p);
    f2c_status st = f2c_csv_finish(q->w, err);
    q->w = NULL;
    if (st != F2C_OK) {
        csv_abort(p);
        return st;
    }
    st = f2c_sink_file_close(&q->file, err); /* discards the file on failure */
    free(q);
    return st;
}

/* Whether the file behind fd starts with t's header record and CRLF. */
static int csv_matches(void *state, int fd, const f2c_table *t)
{
    (void)state;
    f2c_buf want = {0}, got = {0};
    int r = -1;
    if (f2c_cdm_header_record(&want, t) != 0 || f2c_buf_append(&want, "\r\n", 2) != 0 ||
        f2c_buf_reserve(&got, want.len) != 0) {
        errno = ENOMEM;
        goto out;
    }
    size_t have = 0;
    while (have < want.len) {
        ssize_t n = pread(fd, got.data + have, want.len - have, (off_t)have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) goto out;
        if (n == 0) break;
        have += (size_t)n;
    }
    r = have == want.len && memcmp(got.data, want.data, want.len) == 0;
out:
    f2c_buf_free(&want);
    f2c_buf_free(&got);
    return r;
}

typedef struct csv_reading {
    f2c_sink_read_fn fn;
    void *ud;
} csv_reading;

/* Every record after the header is a row. */
static f2c_status on_csv_record(void *ud, unsigned long long record, size_t n,
                                const char *const *cells, const size_t *lens, f2c_error *err)
{
    const csv_reading *r = ud;
    return record == 1 ? F2C_OK : r->fn(r->ud, n, cells, lens, err);
}

/* The partition must start with t's header record (csv_matches); then its records are rows. */
static f2c_status csv_read(void *state, int fd, const f2c_table *t, const char *shown,
                           f2c_sink_read_fn fn, void *ud, f2c_error *err)
{
    int m = csv_matches(state, fd, t);
    if (m < 0)
        return f2c_error_set(err, F2C_EIO, shown, 0, 0, NULL, "cannot read: %s", strerror(errno));
    if (m == 0)
        return f2c_error_set(err, F2C_EIO, shown, 1, 0, NULL,
                             "does not start with the header record of entity %s", t->entity);
    csv_reading r = {fn, ud};
    return f2c_csv_read_fd(fd, shown, f2c_table_width(t), on_csv_record, &r, err);
}

static unsigned long long csv_offset(const f2c_sink_part *p)
{
    return f2c_csv_bytes(((const csv_part *)p)->w);
}

static const f2c_sink_ops csv_ops = {
    .read = csv_read,
    .offset = csv_offset,
    .format = "csv",
    .extension = ".csv",
    .matches = csv_matches,
    .open = csv_open,
    .header = csv_header,
    .row = csv_row,
    .finish = csv_finish,
    .abort = csv_abort,
};

f2c_status f2c_sink_csv_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err)
{
    if (o && (o->compression || o->decimal_precision || o->memory_bytes))
        return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "compression, decimal and memory options apply to Parquet output "
                             "only (CSV cells are text)");
    *out = (f2c_sink){.ops = &csv_ops, .state = NULL};
    return F2C_OK;
}
