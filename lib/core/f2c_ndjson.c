/*
 * f2c_ndjson: see f2c_ndjson.h.
 *
 * zlib's gzread is used for every file because it passes plain files through unchanged, so one
 * code path serves ".ndjson" and ".ndjson.gz".  Input arrives in fixed chunks; a line that lies
 * inside one chunk is handed out in place (no copy), and only a line that straddles chunks is
 * assembled in a growable buffer.  A line over the limit is not accumulated: the reader keeps
 * scanning for its end and then reports it, so a hostile or broken file cannot make memory grow.
 *
 * The push splitter (bytes fed by the caller, e.g. from a download) keeps the same state across
 * calls instead of across refills: the physical length of the current line so far, whether it is
 * over the limit, and the bytes of the line while it is not.  It always assembles the line in its
 * buffer, except for lines that lie whole inside bytes it may write to (inflated output, or
 * f2c_ndjson_push_feed_inplace), which are handed out in place like the pull reader's.  The
 * per-line rules (limit, BOM, CR, blank, UTF-8) are the functions below shared by both, so the two
 * cannot disagree.  gzip input is optional and detected by its magic bytes, inflated with zlib's
 * inflate (no temporary file).  Unlike gzread, it remembers where bytes that are not gzip begin
 * after the last member (gzread drops them silently), so the caller can report them.
 */
#include "fhir2cdm/f2c_ndjson.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_utf8.h"

#define CHUNK (256u * 1024u)

struct f2c_ndjson {
    gzFile gz;
    char *path;
    size_t max_line;
    char *chunk;     /* CHUNK + 1 bytes */
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

/* The per-line rules shared by every reader (see f2c_ndjson.h). */
f2c_status f2c_ndjson_check_line(const char *file, long lineno, char *s, size_t n,
                                 const char **line, size_t *len, f2c_error *err)
{
    if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3;
    if (n && s[n - 1] == '\r') n--;
    s[n] = '\0';
    *line = s;
    *len = n;
    const uint8_t *bad = f2c_utf8_check((const uint8_t *)s, n);
    if (bad)
        return f2c_error_set(err, F2C_EUTF8, file, lineno, (long)(bad - (const uint8_t *)s) + 1,
                             NULL, "invalid UTF-8 (byte 0x%02X)", *bad);
    return F2C_OK;
}

/* The rejection of a line of `total` physical bytes over the limit. */
static f2c_status too_long_error(const char *file, long lineno, size_t total, size_t max_line,
                                 f2c_error *err)
{
    return f2c_error_set(err, F2C_ETOOLONG, file, lineno, 0, NULL,
                         "line is %zu bytes, longer than the limit of %zu bytes", total, max_line);
}

static f2c_status finish_line(f2c_ndjson *r, char *s, size_t n, const char **line, size_t *len,
                              f2c_error *err)
{
    return f2c_ndjson_check_line(r->path, r->lineno, s, n, line, len, err);
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
            return too_long_error(r->path, r->lineno, total, r->max_line, err);
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

/* ---- push mode ------------------------------------------------------------------------------ */

#define ZOUT (64u * 1024u)
#define ACC_KEEP (1u << 20) /* a line buffer larger than this is freed after its line */

enum {
    GZ_UNDECIDED,  /* GUNZIP: fewer than two bytes seen */
    GZ_PLAIN,      /* bytes are split as they are */
    GZ_INFLATE,    /* inside a gzip member */
    GZ_MEMBER_END, /* after a member: another one may follow */
    GZ_TRAILING    /* after the last member: the rest is ignored (and reported, see below) */
};

struct f2c_ndjson_push {
    char *name;
    size_t max_line;
    long lineno;
    f2c_buf acc;  /* the current line while it is within the limit */
    size_t total; /* physical length of the current line so far */
    int too_long;
    f2c_status failed; /* non-OK once a call failed */
    int gz;
    int raw; /* F2C_NDJSON_PUSH_RAW: lines delivered unchecked */
    unsigned char head[2];
    size_t nhead;
    unsigned long long fed;     /* input bytes consumed before the current push_feed call */
    unsigned long long head_at; /* input offset of head[0] */
    long long trailing_at;      /* GZ_TRAILING: input offset of the first ignored byte */
    int z_init;
    z_stream z;
    unsigned char *zout;
};

f2c_status f2c_ndjson_push_new(const char *name, size_t max_line, int flags, f2c_ndjson_push **out,
                               f2c_error *err)
{
    *out = NULL;
    f2c_ndjson_push *p = calloc(1, sizeof *p);
    if (!p) return f2c_error_set(err, F2C_ENOMEM, name, 0, 0, NULL, "out of memory");
    p->name = name ? strdup(name) : NULL;
    if (name && !p->name) {
        free(p);
        return f2c_error_set(err, F2C_ENOMEM, name, 0, 0, NULL, "out of memory");
    }
    p->max_line = max_line ? max_line : F2C_NDJSON_DEFAULT_MAX_LINE;
    p->gz = (flags & F2C_NDJSON_PUSH_GUNZIP) ? GZ_UNDECIDED : GZ_PLAIN;
    p->raw = (flags & F2C_NDJSON_PUSH_RAW) != 0;
    *out = p;
    return F2C_OK;
}

/* The current line is complete: check it and hand it to cb (or skip it when blank).  Its bytes
 * are s[0..n) (s[n] writable: the terminator), or when s is NULL the assembled p->acc. */
static f2c_status push_emit(f2c_ndjson_push *p, char *s, size_t n, f2c_ndjson_line_cb cb, void *ud,
                            f2c_error *err)
{
    p->lineno++;
    size_t total = p->total;
    int too_long = p->too_long;
    p->total = 0;
    p->too_long = 0;
    if (too_long) {
        f2c_buf_reset(&p->acc);
        too_long_error(p->name, p->lineno, total, p->max_line, err);
        return cb(ud, F2C_ETOOLONG, NULL, 0, p->lineno, err);
    }
    if (!s) {
        if (p->acc.len == 0) return F2C_OK; /* empty line */
        if (f2c_buf_reserve(&p->acc, 1) != 0)
            return f2c_error_set(err, F2C_ENOMEM, p->name, p->lineno, 0, NULL, "out of memory");
        s = p->acc.data;
        n = p->acc.len;
    }
    f2c_status st = F2C_OK;
    if (!blank(s, n) && p->raw) {
        st = cb(ud, F2C_OK, s, n, p->lineno, err);
    } else if (!blank(s, n)) {
        const char *line;
        size_t len;
        st = f2c_ndjson_check_line(p->name, p->lineno, s, n, &line, &len, err);
        st = cb(ud, st, line, len, p->lineno, err);
    }
    /* A line far longer than usual is not kept around: the receiver has its own copy (a RAW
     * receiver, the transformer, holds it in a chunk while workers parse it). */
    if (p->acc.cap > ACC_KEEP)
        f2c_buf_free(&p->acc);
    else
        f2c_buf_reset(&p->acc);
    return st;
}

/* Splits plain NDJSON bytes d[0..n).  w is NULL, or the same bytes writable: then a line that
 * lies whole inside them is checked and handed out in place (its terminator overwritten by
 * check_line's NUL), as the pull reader does inside its chunk. */
static f2c_status push_split(f2c_ndjson_push *p, const char *d, char *w, size_t n,
                             f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    while (n) {
        const char *nl = memchr(d, '\n', n);
        size_t piece = nl ? (size_t)(nl - d) : n;
        size_t step = piece + (nl ? 1 : 0);
        if (nl && w && p->total == 0 && piece <= p->max_line) {
            f2c_status st = push_emit(p, w, piece, cb, ud, err);
            if (st != F2C_OK) return st;
            d += step;
            w += step;
            n -= step;
            continue;
        }
        p->total += piece;
        if (p->total > p->max_line) {
            p->too_long = 1;
            f2c_buf_reset(&p->acc);
        }
        if (!p->too_long && f2c_buf_append(&p->acc, d, piece) != 0)
            return f2c_error_set(err, F2C_ENOMEM, p->name, p->lineno + 1, 0, NULL,
                                 "out of memory reading a %zu-byte line", p->total);
        d += step;
        if (w) w += step;
        n -= step;
        if (nl) {
            f2c_status st = push_emit(p, NULL, 0, cb, ud, err);
            if (st != F2C_OK) return st;
        }
    }
    return F2C_OK;
}

/* Inflates in[0..n) and splits the output; *used: input bytes consumed (less than n only when
 * the member ended inside in). */
static f2c_status push_inflate(f2c_ndjson_push *p, const unsigned char *in, size_t n, size_t *used,
                               f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    *used = 0;
    while (n) {
        uInt take = n > (1u << 30) ? (1u << 30) : (uInt)n;
        p->z.next_in = (Bytef *)(uintptr_t)in;
        p->z.avail_in = take;
        for (;;) {
            p->z.next_out = p->zout;
            p->z.avail_out = ZOUT;
            int rc = inflate(&p->z, Z_NO_FLUSH);
            size_t produced = ZOUT - p->z.avail_out;
            if (produced) {
                f2c_status st =
                    push_split(p, (const char *)p->zout, (char *)p->zout, produced, cb, ud, err);
                if (st != F2C_OK) return st;
            }
            if (rc == Z_STREAM_END) {
                size_t consumed = take - p->z.avail_in;
                *used += consumed;
                p->gz = GZ_MEMBER_END;
                return F2C_OK;
            }
            if (rc == Z_MEM_ERROR)
                return f2c_error_set(err, F2C_ENOMEM, p->name, p->lineno + 1, 0, NULL,
                                     "out of memory inflating gzip data");
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                return f2c_error_set(err, F2C_EIO, p->name, p->lineno + 1, 0, NULL,
                                     "read failed after line %ld: invalid gzip data (%s)",
                                     p->lineno, p->z.msg ? p->z.msg : "inflate failed");
            if (rc == Z_BUF_ERROR || (p->z.avail_in == 0 && p->z.avail_out != 0)) break;
        }
        *used += take;
        in += take;
        n -= take;
    }
    return F2C_OK;
}

/* w: NULL, or d writable (f2c_ndjson_push_feed_inplace). */
static f2c_status push_feed(f2c_ndjson_push *p, const unsigned char *d, unsigned char *w, size_t n,
                            f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    const unsigned char *d0 = d;
    while (n) {
        switch (p->gz) {
        case GZ_PLAIN:
            return push_split(p, (const char *)d, (char *)w, n, cb, ud, err);
        case GZ_TRAILING:
            return F2C_OK;
        case GZ_INFLATE: {
            size_t used;
            f2c_status st = push_inflate(p, d, n, &used, cb, ud, err);
            if (st != F2C_OK) return st;
            d += used;
            if (w) w += used;
            n -= used;
            break;
        }
        default: { /* GZ_UNDECIDED, GZ_MEMBER_END: look at the first two bytes */
            while (n && p->nhead < 2) {
                if (p->nhead == 0) p->head_at = p->fed + (unsigned long long)(d - d0);
                p->head[p->nhead++] = *d++;
                if (w) w++;
                n--;
            }
            if (p->nhead < 2) return F2C_OK;
            int magic = p->head[0] == 0x1F && p->head[1] == 0x8B;
            p->nhead = 0;
            if (!magic) {
                if (p->gz == GZ_MEMBER_END) {
                    /* As gzread: bytes after the last member that do not start another one are
                     * not gzip data and are ignored; f2c_ndjson_push_trailing tells where. */
                    p->gz = GZ_TRAILING;
                    p->trailing_at = (long long)p->head_at;
                    return F2C_OK;
                }
                p->gz = GZ_PLAIN;
                f2c_status st = push_split(p, (const char *)p->head, NULL, 2, cb, ud, err);
                if (st != F2C_OK) return st;
                break;
            }
            if (!p->z_init) {
                p->zout = malloc(ZOUT);
                if (!p->zout || inflateInit2(&p->z, 15 + 16) != Z_OK)
                    return f2c_error_set(err, F2C_ENOMEM, p->name, 0, 0, NULL, "out of memory");
                p->z_init = 1;
            } else if (inflateReset(&p->z) != Z_OK) {
                return f2c_error_set(err, F2C_EIO, p->name, p->lineno + 1, 0, NULL,
                                     "cannot restart gzip inflation");
            }
            p->gz = GZ_INFLATE;
            size_t used;
            f2c_status st = push_inflate(p, p->head, 2, &used, cb, ud, err);
            if (st != F2C_OK) return st;
            break;
        }
        }
    }
    return F2C_OK;
}

f2c_status f2c_ndjson_push_feed(f2c_ndjson_push *p, const void *data, size_t len,
                                f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    if (p->failed != F2C_OK) return p->failed;
    f2c_status st = push_feed(p, data, NULL, len, cb, ud, err);
    p->fed += len;
    if (st != F2C_OK) p->failed = st;
    return st;
}

f2c_status f2c_ndjson_push_feed_inplace(f2c_ndjson_push *p, char *data, size_t len,
                                        f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    if (p->failed != F2C_OK) return p->failed;
    f2c_status st =
        push_feed(p, (const unsigned char *)data, (unsigned char *)data, len, cb, ud, err);
    p->fed += len;
    if (st != F2C_OK) p->failed = st;
    return st;
}

f2c_status f2c_ndjson_push_end(f2c_ndjson_push *p, f2c_ndjson_line_cb cb, void *ud, f2c_error *err)
{
    if (p->failed != F2C_OK) return p->failed;
    f2c_status st = F2C_OK;
    if (p->gz == GZ_UNDECIDED && p->nhead) {
        /* A one-byte stream: not gzip. */
        p->gz = GZ_PLAIN;
        st = push_split(p, (const char *)p->head, NULL, p->nhead, cb, ud, err);
        p->nhead = 0;
    }
    if (st == F2C_OK && p->gz == GZ_INFLATE)
        st = f2c_error_set(err, F2C_EIO, p->name, p->lineno + 1, 0, NULL,
                           "read failed after line %ld: unexpected end of file (gzip stream "
                           "truncated)",
                           p->lineno);
    if (st == F2C_OK && (p->total || p->too_long)) st = push_emit(p, NULL, 0, cb, ud, err);
    /* Finished either way: a second end delivers nothing more. */
    p->failed = st != F2C_OK ? st : F2C_EEOF;
    return st;
}

long long f2c_ndjson_push_trailing(const f2c_ndjson_push *p, unsigned long long *bytes)
{
    long long at = -1;
    if (p->gz == GZ_TRAILING)
        at = p->trailing_at;
    else if (p->gz == GZ_MEMBER_END && p->nhead > 0)
        at = (long long)p->head_at; /* one byte after the last member: not a member header */
    if (bytes) *bytes = at < 0 ? 0 : p->fed - (unsigned long long)at;
    return at;
}

long f2c_ndjson_push_lineno(const f2c_ndjson_push *p)
{
    return p->lineno;
}

void f2c_ndjson_push_free(f2c_ndjson_push *p)
{
    if (!p) return;
    if (p->z_init) inflateEnd(&p->z);
    free(p->zout);
    f2c_buf_free(&p->acc);
    free(p->name);
    free(p);
}
