/*
 * f2c_sink_file: the staged file of a partition (f2c_sink_file.h).  Why a file of its own: every
 * sink (CSV, Parquet) stages, labels, closes and discards its file the same way; one copy here,
 * below the format switch (f2c_sink.c) that depends on the sinks.
 */
#include "f2c_sink_file.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"

static void file_free(f2c_sink_file *f)
{
    free(f->dir);
    free(f->name);
    free(f->label);
    *f = (f2c_sink_file){.fd = -1};
}

f2c_status f2c_sink_file_stage(f2c_sink_file *f, f2c_commit *tx, const char *dir, const char *name,
                               f2c_error *err)
{
    assert(f && tx && dir && name);
    *f = (f2c_sink_file){.tx = tx, .fd = -1};
    f2c_buf label = {0}; /* messages name the file where it will be published */
    if (!(f->dir = strdup(dir)) || !(f->name = strdup(name)) ||
        f2c_buf_printf(&label, "%s/%s/%s", f2c_commit_path(tx), dir, name) != 0) {
        f2c_buf_free(&label);
        file_free(f);
        return f2c_error_set(err, F2C_ENOMEM, name, 0, 0, NULL, "out of memory");
    }
    f->label = label.data;
    f2c_status st = f2c_commit_stage(tx, dir, name, &f->fd, err);
    if (st != F2C_OK) file_free(f); /* nothing staged */
    return st;
}

f2c_status f2c_sink_file_close(f2c_sink_file *f, f2c_error *err)
{
    assert(f && f->fd >= 0);
    f2c_status st = f2c_commit_close(f->tx, f->dir, f->name, f->fd, err); /* discards on failure */
    file_free(f);
    return st;
}

void f2c_sink_file_discard(f2c_sink_file *f)
{
    if (f->fd >= 0) f2c_commit_discard(f->tx, f->dir, f->name, f->fd);
    file_free(f);
}
