/*
 * f2c_sink: the format switch and the checked entry points of the row-sink interface (see
 * f2c_sink.h).  Why a file of its own: the checks every format relies on (one width per row,
 * open leaves nothing behind on failure) are stated once here rather than in each sink, and the
 * list of formats is one table, so adding a format is one line here plus its own file.
 */
#include "fhir2cdm/f2c_sink.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "fhir2cdm/f2c_sink_csv.h"
#include "fhir2cdm/f2c_sink_parquet.h"

typedef struct format {
    const char *name;
    f2c_status (*make)(const f2c_sink_options *o, f2c_sink *out, f2c_error *err);
} format;

/* Every output format this build writes, in the order the error message lists them. */
static const format formats[] = {
    {"csv", f2c_sink_csv_new},
    {"parquet", f2c_sink_parquet_new},
};

#define NFORMATS (sizeof formats / sizeof formats[0])

f2c_status f2c_sink_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err)
{
    assert(o && out);
    *out = (f2c_sink){0};
    const char *name = o->format ? o->format : "csv";
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcmp(formats[i].name, name) == 0) {
            f2c_status st = formats[i].make(o, out, err);
            assert((st == F2C_OK) == (out->ops != NULL));
            return st;
        }
    char known[256] = "";
    for (size_t i = 0, n = 0; i < NFORMATS && n < sizeof known; i++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", formats[i].name);
    return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                         "output format \"%.64s\" is not known (known: %s)", name, known);
}

void f2c_sink_free(f2c_sink *s)
{
    if (s && s->ops && s->ops->free_state) s->ops->free_state(s->state);
    if (s) *s = (f2c_sink){0};
}

const char *f2c_sink_extension(const f2c_sink *s)
{
    assert(s && s->ops);
    return s->ops->extension;
}

int f2c_sink_matches(const f2c_sink *s, int fd, const f2c_table *t)
{
    assert(s && s->ops && fd >= 0 && t);
    return s->ops->matches(s->state, fd, t);
}

f2c_status f2c_sink_read(const f2c_sink *s, int fd, const f2c_table *t, const char *shown,
                         f2c_sink_read_fn fn, void *ud, f2c_error *err)
{
    assert(s && s->ops && fd >= 0 && t && fn);
    if (!s->ops->read)
        return f2c_error_set(err, F2C_EUSAGE, shown, 0, 0, NULL,
                             "%s partitions cannot be read back by this build", s->ops->format);
    return s->ops->read(s->state, fd, t, shown, fn, ud, err);
}

unsigned long long f2c_sink_offset(const f2c_sink_part *p)
{
    assert(p && p->ops);
    return p->ops->offset ? p->ops->offset(p) : 0;
}

static void no_warn(void *ud, size_t col, const char *why)
{
    (void)ud, (void)col, (void)why;
}

f2c_status f2c_sink_open(const f2c_sink *s, f2c_commit *tx, const char *dir, const char *name,
                         const f2c_table *t, f2c_sink_warn_fn warn, void *warn_ud,
                         f2c_sink_part **out, f2c_error *err)
{
    assert(s && s->ops && tx && dir && *dir && name && *name && !strchr(name, '/') && t && out);
    *out = NULL;
    f2c_sink_part *p = NULL;
    f2c_status st = s->ops->open(s->state, tx, dir, name, t, &p, err);
    assert((st == F2C_OK) == (p != NULL));
    if (st != F2C_OK) return st;
    assert(p->ops == s->ops);
    p->width = f2c_table_width(t);
    p->warn = warn ? warn : no_warn;
    p->warn_ud = warn_ud;
    *out = p;
    return F2C_OK;
}

f2c_status f2c_sink_header(f2c_sink_part *p, f2c_error *err)
{
    assert(p && p->ops);
    return p->ops->header(p, err);
}

f2c_status f2c_sink_row(f2c_sink_part *p, size_t n, const char *const *cells, const size_t *lens,
                        f2c_error *err)
{
    assert(p && p->ops && n == p->width && (n == 0 || (cells && lens)));
    (void)n; /* only checked */
    return p->ops->row(p, cells, lens, err);
}

f2c_status f2c_sink_finish(f2c_sink_part *p, f2c_error *err)
{
    assert(p && p->ops);
    return p->ops->finish(p, err);
}

void f2c_sink_abort(f2c_sink_part *p)
{
    if (p) p->ops->abort(p);
}
