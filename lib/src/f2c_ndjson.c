/*
 * f2c_ndjson: see f2c_ndjson.h.
 *
 * zlib's gzread is used for every file because it passes plain files through unchanged, so one
 * code path serves ".ndjson" and ".ndjson.gz".  Input arrives in fixed chunks; a line that lies
 * inside one chunk is handed out in place (no copy), and only a line that straddles chunks is
 * assembled in a growable buffer.  A line over the limit is not accumulated: the reader keeps
 * scanning for its end and then reports it, so a hostile or broken file cannot make memory grow.
 */
#include "fhir2cdm/f2c_ndjson.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <zlib.h>

#include "fhir2cdm/f2c_buf.h"

#define CHUNK (256u * 1024u)

struct f2c_ndjson {
    gzFile gz;
    char *path;
    size_t max_line;
    char *chunk;   /* CHUNK + 1 bytes */
    size_t pos, end; /* unread bytes are chunk[pos..end) */
    int eof;
    long lineno;
    f2c_buf acc; /* a line straddling chunks */
};

f2c_status f2c_ndjson_open(const char *path, size_t max_line, f2c_ndjson **out, f2c_error *err)
{
    *out = NULL;
    f2c_ndjson *r = calloc(1, sizeof *r);
    if (!r) return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    r->path = strdup(path);
    r->chunk = malloc(CHUNK + 1);
    r->max_line = max_line ? max_line : F2C_NDJSON_DEFAULT_MAX_LINE;
    if (!r->path || !r->chunk) {
        f2c_ndjson_close(r);
        return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    errno = 0;
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        int e = errno;
        f2c_ndjson_close(r);
        return f2c_error_set(err, F2C_EIO, path, 0, 0, NULL, "cannot open: %s",
                             e ? strerror(e) : "out of memory");
    }
    gzbuffer(r->gz, CHUNK);
    *out = r;
    return F2C_OK;
}

/* Refills the chunk; returns F2C_OK (possibly with eof set) or F2C_EIO. */
static f2c_status refill(f2c_ndjson *r, f2c_error *err)
{
    r->pos = r->end = 0;
    int n = gzread(r->gz, r->chunk, CHUNK);
    if (n < 0) {
        int zerr;
        const char *msg = gzerror(r->gz, &zerr);
        return f2c_error_set(err, F2C_EIO, r->path, r->lineno + 1, 0, NULL,
                             "read failed after line %ld: %s", r->lineno,
                             zerr == Z_ERRNO ? strerror(errno) : msg);
    }
    if (n == 0) {
        int zerr;
        const char *msg = gzerror(r->gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            return f2c_error_set(err, F2C_EIO, r->path, r->lineno + 1, 0, NULL,
                                 "read failed after line %ld: %s", r->lineno, msg);
        r->eof = 1;
    }
    r->end = (size_t)n;
    return F2C_OK;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

/* Checks and trims one complete physical line s[0..n) (s[n] is writable). */
static f2c_status finish_line(f2c_ndjson *r, char *s, size_t n, const char **line, size_t *len,
                              f2c_error *err)
{
    if (r->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3;
    if (n && s[n - 1] == '\r') n--;
    s[n] = '\0';
    const uint8_t *bad = u8_check((const uint8_t *)s, n);
    if (bad)
        return f2c_error_set(err, F2C_EUTF8, r->path, r->lineno, (long)(bad - (const uint8_t *)s) + 1,
                             NULL, "invalid UTF-8 (byte 0x%02X)", *bad);
    *line = s;
    *len = n;
    return F2C_OK;
}

f2c_status f2c_ndjson_next(f2c_ndjson *r, const char **line, size_t *len, long *lineno,
                           f2c_error *err)
{
    for (;;) {
        f2c_buf_reset(&r->acc);
        size_t total = 0; /* physical length of the current line so far */
        int too_long = 0;
        for (;;) {
            if (r->pos == r->end) {
                if (r->eof) break;
                f2c_status st = refill(r, err);
                if (st != F2C_OK) return st;
                if (r->eof) break;
            }
            char *start = r->chunk + r->pos;
            char *nl = memchr(start, '\n', r->end - r->pos);
            size_t piece = nl ? (size_t)(nl - start) : r->end - r->pos;
            total += piece;
            if (total > r->max_line) too_long = 1;
            if (nl && r->acc.len == 0 && !too_long) {
                /* Whole line inside the chunk: hand it out in place. */
                r->pos += piece + 1;
                r->lineno++;
                *lineno = r->lineno;
                if (blank(start, piece)) goto next_line;
                return finish_line(r, start, piece, line, len, err);
            }
            if (!too_long && f2c_buf_append(&r->acc, start, piece) != 0)
                return f2c_error_set(err, F2C_ENOMEM, r->path, r->lineno + 1, 0, NULL,
                                     "out of memory reading a %zu-byte line", total);
            r->pos += piece + (nl ? 1 : 0);
            if (nl) break;
        }
        if (total == 0 && r->acc.len == 0 && r->eof && !too_long) {
            /* Nothing after the last line break. */
            if (r->pos == r->end) return F2C_EEOF;
        }
        r->lineno++;
        *lineno = r->lineno;
        if (too_long) {
            f2c_buf_reset(&r->acc);
            return f2c_error_set(err, F2C_ETOOLONG, r->path, r->lineno, 0, NULL,
                                 "line is %zu bytes, longer than the limit of %zu bytes", total,
                                 r->max_line);
        }
        if (!blank(r->acc.data ? r->acc.data : "", r->acc.len)) {
            if (f2c_buf_reserve(&r->acc, 1) != 0)
                return f2c_error_set(err, F2C_ENOMEM, r->path, r->lineno, 0, NULL, "out of memory");
            return finish_line(r, r->acc.data, r->acc.len, line, len, err);
        }
        if (r->eof && r->pos == r->end) return F2C_EEOF;
    next_line:;
    }
}

unsigned long long f2c_ndjson_offset(const f2c_ndjson *r)
{
    z_off_t off = gzoffset(r->gz);
    return off < 0 ? 0 : (unsigned long long)off;
}

void f2c_ndjson_close(f2c_ndjson *r)
{
    if (!r) return;
    if (r->gz) gzclose(r->gz);
    f2c_buf_free(&r->acc);
    free(r->chunk);
    free(r->path);
    free(r);
}
