/*
 * f2c_buf: see f2c_buf.h.  Growth doubles so appends are amortised O(1); one spare byte is
 * always kept for the terminating NUL so data can be handed to C string functions.
 */
#include "fhir2cdm/f2c_buf.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int f2c_buf_reserve(f2c_buf *b, size_t extra)
{
    /* The buffer's invariant: empty and unallocated, or len < cap (room for the NUL; callers
     * may shorten len to drop a tail, so the NUL itself is rewritten by every append). */
    assert(b->data ? b->len < b->cap : b->len == 0 && b->cap == 0);
    if (extra > (size_t)-1 - b->len - 1) return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int f2c_buf_append(f2c_buf *b, const void *p, size_t n)
{
    if (f2c_buf_reserve(b, n) != 0) return -1;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    assert(b->len < b->cap);
    return 0;
}

int f2c_buf_appends(f2c_buf *b, const char *s)
{
    return f2c_buf_append(b, s, strlen(s));
}

int f2c_buf_appendc(f2c_buf *b, char c)
{
    return f2c_buf_append(b, &c, 1);
}

int f2c_buf_printf(f2c_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || f2c_buf_reserve(b, (size_t)n) != 0) return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    assert(b->len < b->cap && b->data[b->len] == '\0');
    return 0;
}

void f2c_buf_free(f2c_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
