/*
 * f2c_error: see f2c_error.h.  Messages are formatted once, at the point of failure, with the
 * context the failing function knows; callers add file/line when they know more.
 */
#include "fhir2cdm/f2c_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *f2c_status_name(f2c_status s)
{
    switch (s) {
    case F2C_OK: return "OK";
    case F2C_ENOMEM: return "ENOMEM";
    case F2C_EIO: return "EIO";
    case F2C_ECONFIG: return "ECONFIG";
    case F2C_EJSON: return "EJSON";
    case F2C_EUTF8: return "EUTF8";
    case F2C_ETOOLONG: return "ETOOLONG";
    case F2C_ENOTOBJECT: return "ENOTOBJECT";
    case F2C_ERESOURCE: return "ERESOURCE";
    case F2C_EUSAGE: return "EUSAGE";
    case F2C_EUNSUPPORTED: return "EUNSUPPORTED";
    case F2C_EEOF: return "EEOF";
    case F2C_EEVAL: return "EEVAL";
    case F2C_EBUSY: return "EBUSY";
    }
    return "EUNKNOWN";
}

void f2c_error_clear(f2c_error *e)
{
    if (!e) return;
    /* Every field reads as empty; the 1.8 KB of text buffers are not zeroed (this runs for every
     * NDJSON line, twice). */
    e->status = F2C_OK;
    e->file[0] = e->pointer[0] = e->message[0] = '\0';
    e->line = e->column = 0;
}

f2c_status f2c_error_set(f2c_error *e, f2c_status s, const char *file, long line, long column,
                         const char *pointer, const char *fmt, ...)
{
    if (!e) return s;
    e->status = s;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->column = column;
    snprintf(e->pointer, sizeof e->pointer, "%s", pointer ? pointer : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return s;
}

char *f2c_error_format(const f2c_error *e, char *buf, size_t n)
{
    if (n == 0) return buf;
    size_t off = 0;
    buf[0] = '\0';
#define F2C_PUT(...)                                                                               \
    do {                                                                                           \
        if (off < n) {                                                                             \
            int w_ = snprintf(buf + off, n - off, __VA_ARGS__);                                    \
            if (w_ > 0) off += (size_t)w_;                                                         \
        }                                                                                          \
    } while (0)
    if (e->file[0]) {
        F2C_PUT("%s", e->file);
        if (e->line > 0) F2C_PUT(":%ld", e->line);
        if (e->line > 0 && e->column > 0) F2C_PUT(":%ld", e->column);
        F2C_PUT(": ");
    }
    if (e->pointer[0]) F2C_PUT("%s: ", e->pointer);
    F2C_PUT("%s", e->message);
#undef F2C_PUT
    return buf;
}

f2c_status f2c_diags_add(f2c_diags *d, const f2c_error *e)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        f2c_error *items = realloc(d->items, cap * sizeof *items);
        if (!items) return F2C_ENOMEM;
        d->items = items;
        d->cap = cap;
    }
    d->items[d->count++] = *e;
    return F2C_OK;
}

void f2c_diags_free(f2c_diags *d)
{
    free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
}
