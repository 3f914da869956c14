/*
 * f2c_buf: a growable byte buffer, always NUL-terminated once anything was appended.
 *
 * Zero-initialise (f2c_buf b = {0}); the buffer owns data; f2c_buf_free releases it.  Buffers
 * are reused across rows (reset keeps the allocation) so the hot path does not allocate.
 * Appending functions return 0, or -1 when memory is exhausted (the buffer is then unchanged).
 */
#ifndef FHIR2CDM_F2C_BUF_H
#define FHIR2CDM_F2C_BUF_H

#include <stddef.h>

typedef struct f2c_buf {
    char *data;
    size_t len, cap;
} f2c_buf;

int f2c_buf_reserve(f2c_buf *b, size_t extra);
int f2c_buf_append(f2c_buf *b, const void *p, size_t n);
int f2c_buf_appends(f2c_buf *b, const char *s);
int f2c_buf_appendc(f2c_buf *b, char c);
int f2c_buf_printf(f2c_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void f2c_buf_reset(f2c_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}
void f2c_buf_free(f2c_buf *b);

#endif
