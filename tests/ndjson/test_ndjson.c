/*
 * test_ndjson: the NDJSON reader against files generated here, so that lines straddle the
 * reader's 256 KiB chunks in every way: lines of pseudo-random lengths (1 byte to 1 MiB), CRLF
 * and LF endings, blank lines, a byte order mark, no final newline, an over-limit line among
 * good ones, invalid UTF-8, and the same content gzip-compressed.  Every returned line is
 * compared with what was written, with its line number.
 *
 * Also here, because they are the per-line checks every NDJSON line gets: f2c_json_check's
 * refusal of control characters in strings (FHIR R4 `string`; a table of lines with the expected
 * column and JSON pointer), f2c_doc_parse's refusal of \u0000 only, and the push splitter's report
 * of bytes after the last gzip member (concatenated members are data; fed whole and byte by
 * byte).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"

#define NLINES 400

#include "f2c_check.h"

typedef struct expect {
    char *text; /* expected content, NULL for a blank line (skipped) */
    size_t len;
    f2c_status status; /* F2C_OK, F2C_ETOOLONG, F2C_EUTF8 */
    int crlf;
} expect;

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void build(expect *ex, size_t max_line)
{
    for (int i = 0; i < NLINES; i++) {
        unsigned long long r = next_rand();
        expect *e = &ex[i];
        memset(e, 0, sizeof *e);
        if (r % 23 == 0) continue; /* blank line */
        size_t len =
            (r >> 8) % 5 == 0 ? (size_t)((r >> 16) % (1u << 20)) : (size_t)((r >> 16) % 300);
        if (i == 7) len = max_line + 1; /* over the limit */
        if (i == 8) len = max_line;     /* exactly at the limit */
        e->text = malloc(len + 1);
        for (size_t k = 0; k < len; k++)
            e->text[k] = (char)('a' + (k + (size_t)i) % 26);
        e->text[len] = '\0';
        e->len = len;
        e->crlf = (r >> 40) % 3 == 0;
        e->status = len > max_line ? F2C_ETOOLONG : F2C_OK;
        if (i == 11 && len > 3) {
            e->text[2] = (char)0xC3; /* lead byte followed by 'c'... : invalid */
            e->status = F2C_EUTF8;
        }
    }
}

static size_t serialise(const expect *ex, int bom, int final_newline, char **out)
{
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    if (bom) memcpy(buf, "\xEF\xBB\xBF", 3), n = 3;
    for (int i = 0; i < NLINES; i++) {
        size_t need = n + ex[i].len + 4;
        if (need > cap) {
            while (need > cap)
                cap *= 2;
            buf = realloc(buf, cap);
        }
        if (ex[i].text)
            memcpy(buf + n, ex[i].text, ex[i].len), n += ex[i].len;
        else
            memcpy(buf + n, "  ", 2), n += 2;
        if (i == NLINES - 1 && !final_newline) break;
        if (ex[i].crlf) buf[n++] = '\r';
        buf[n++] = '\n';
    }
    *out = buf;
    return n;
}

static void check_file(const char *path, const expect *ex, size_t max_line, const char *what)
{
    f2c_ndjson *r;
    f2c_error err;
    CHECK(f2c_ndjson_open(path, max_line, &r, &err) == F2C_OK, "%s: open: %s", what, err.message);
    int i = 0;
    for (;;) {
        while (i < NLINES && !ex[i].text)
            i++;
        const char *line;
        size_t len;
        long lineno = 0;
        f2c_status st = f2c_ndjson_next(r, &line, &len, &lineno, &err);
        if (i == NLINES) {
            CHECK(st == F2C_EEOF, "%s: expected end, got status %s", what, f2c_status_name(st));
            break;
        }
        CHECK(st == ex[i].status, "%s: line %d: status %s, expected %s (%s)", what, i + 1,
              f2c_status_name(st), f2c_status_name(ex[i].status), err.message);
        if (st == F2C_EEOF) break;
        CHECK(lineno == i + 1 || st != F2C_OK, "%s: line number %ld, expected %d", what, lineno,
              i + 1);
        if (st != F2C_OK)
            CHECK(err.line == i + 1, "%s: error line %ld, expected %d", what, err.line, i + 1);
        if (st == F2C_OK)
            CHECK(len == ex[i].len && memcmp(line, ex[i].text, len) == 0 && line[len] == '\0',
                  "%s: line %d content differs (len %zu, expected %zu)", what, i + 1, len,
                  ex[i].len);
        i++;
    }
    f2c_ndjson_close(r);
}

/* ---- strings with control characters (f2c_json_check, f2c_doc_parse) ---------------------- */

typedef struct string_case {
    const char *text;
    long column;         /* 0: accepted */
    const char *pointer; /* expected err.pointer when refused */
    const char *in_message;
} string_case;

static const string_case string_cases[] = {
    {"{\"resourceType\":\"Patient\",\"id\":\"x\\u0000y\"}", 34, "/id", "U+0000"},
    {"{\"a\":[{\"b\":\"\\u0001\"}]}", 13, "/a/0/b", "U+0001 (escaped as \\u0001)"},
    {"{\"a\":{\"k\\u001fz\":1}}", 9, "/a/k\\u001fz", "U+001F"},
    {"{\"a\":\"\\b\"}", 7, "/a", "U+0008 (escaped as \\b)"},
    {"{\"a\":\"\\f\"}", 7, "/a", "U+000C"},
    {"{\"a/~\\/\":[0,1,\"\\u0002\"]}", 16, "/a~1~0~1/2", "FHIR R4 datatypes, string"},
    {"\"\\u0003\"", 2, "", "U+0003"},
    {"[{},{\"x\":[],\"y\":\"\\u0004\"}]", 18, "/1/y", "U+0004"},
    /* TAB, LF and CR are FHIR string characters; \u0020 and up are not control characters;
     * "\\u0000" is a backslash followed by text. */
    {"{\"a\":\"\\t\\n\\r\\u0009\\u000A\\u000d\\u0020\\u007F\"}", 0, NULL, NULL},
    {"{\"a\":\"\\\\u0000\"}", 0, NULL, NULL},
    /* A raw control byte stays a JSON syntax error (not bad_string). */
    {"{\"a\":\"\x01\"}", -7, NULL, "unexpected control character 0x01"},
};

static void test_strings(void)
{
    for (size_t i = 0; i < sizeof string_cases / sizeof *string_cases; i++) {
        const string_case *c = &string_cases[i];
        f2c_error err;
        f2c_error_clear(&err);
        f2c_json_peek peek;
        f2c_status st = f2c_json_check(c->text, strlen(c->text), &peek, &err);
        if (c->column == 0) {
            CHECK(st == F2C_OK, "case %zu (%s): refused: %s", i, c->text, err.message);
            continue;
        }
        long col = c->column < 0 ? -c->column : c->column;
        CHECK(st == F2C_EJSON, "case %zu (%s): accepted", i, c->text);
        CHECK(err.column == col, "case %zu: column %ld, expected %ld", i, err.column, col);
        CHECK(peek.bad_string == (c->column > 0), "case %zu: bad_string %d", i, peek.bad_string);
        CHECK(!c->pointer || strcmp(err.pointer, c->pointer) == 0,
              "case %zu: pointer \"%s\", expected \"%s\"", i, err.pointer, c->pointer);
        CHECK(strstr(err.message, c->in_message) != NULL, "case %zu: message \"%s\"", i,
              err.message);
    }

    /* f2c_doc_parse (configuration files): only U+0000 is refused, since it cannot come out
     * exactly; other escaped control characters come out as written. */
    f2c_doc *d = f2c_doc_new();
    f2c_error err;
    const char *nul = "{\"a\":\"x\\u0000y\"}";
    CHECK(f2c_doc_parse(d, nul, strlen(nul), &err) == F2C_EJSON, "doc_parse accepts \\u0000");
    CHECK(err.column == 8 && strcmp(err.pointer, "/a") == 0, "doc_parse \\u0000: %ld %s",
          err.column, err.pointer);
    const char *one = "{\"a\":\"x\\u0001y\"}";
    CHECK(f2c_doc_parse(d, one, strlen(one), &err) == F2C_OK, "doc_parse refuses \\u0001: %s",
          err.message);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(f2c_doc_root(d), "a");
    CHECK(a && cJSON_IsString(a) && strcmp(a->valuestring, "x\001y") == 0,
          "doc_parse \\u0001 not kept exactly");
    f2c_doc_free(d);
}

/* ---- bytes after the last gzip member (push splitter) ------------------------------------- */

/* One gzip member of s, appended to out[*n..] (out is big enough). */
static void gz_member(const char *s, unsigned char *out, size_t *n, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)strlen(s);
    z.next_out = out + *n;
    z.avail_out = (uInt)(cap - *n);
    deflate(&z, Z_FINISH);
    *n = cap - z.avail_out;
    deflateEnd(&z);
}

static f2c_status count_line(void *ud, f2c_status status, const char *line, size_t len, long lineno,
                             f2c_error *err)
{
    (void)line, (void)len, (void)lineno, (void)err;
    if (status == F2C_OK) ++*(int *)ud;
    return F2C_OK;
}

/* Feeds data[0..n) whole or byte by byte; returns the trailing offset, sets *lines, *bytes. */
static long long feed_gz(const unsigned char *data, size_t n, int bytewise, int *lines,
                         unsigned long long *bytes)
{
    f2c_ndjson_push *p;
    f2c_error err;
    *lines = 0;
    if (f2c_ndjson_push_new("t.ndjson.gz", 0, F2C_NDJSON_PUSH_GUNZIP, &p, &err) != F2C_OK)
        return -2;
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < n; i += bytewise ? 1 : n)
        st = f2c_ndjson_push_feed(p, data + i, bytewise ? 1 : n, count_line, lines, &err);
    long long at = f2c_ndjson_push_trailing(p, bytes);
    if (st == F2C_OK) st = f2c_ndjson_push_end(p, count_line, lines, &err);
    CHECK(st == F2C_OK, "gzip feed: %s", err.message);
    f2c_ndjson_push_free(p);
    return at;
}

static void test_gzip_trailing(void)
{
    unsigned char buf[4096];
    size_t n = 0, one = 0;
    gz_member("{\"a\":1}\n{\"a\":2}\n", buf, &n, sizeof buf);
    one = n;
    gz_member("{\"a\":3}\n", buf, &n, sizeof buf); /* a second member is data */
    size_t two = n;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        int lines;
        unsigned long long bytes;
        CHECK(feed_gz(buf, one, bytewise, &lines, &bytes) == -1 && lines == 2 && bytes == 0,
              "one member: no trailing data (bytewise %d)", bytewise);
        CHECK(feed_gz(buf, two, bytewise, &lines, &bytes) == -1 && lines == 3,
              "two members are data, not trailing (bytewise %d)", bytewise);
        memcpy(buf + two, "garbage\n", 8);
        long long at = feed_gz(buf, two + 8, bytewise, &lines, &bytes);
        CHECK(at == (long long)two && bytes == 8 && lines == 3,
              "trailing garbage at %lld (%llu bytes, %d lines), expected at %zu (bytewise %d)", at,
              bytes, lines, two, bytewise);
        buf[two] = 0;
        at = feed_gz(buf, two + 1, bytewise, &lines, &bytes);
        CHECK(at == (long long)two && bytes == 1 && lines == 3,
              "one trailing byte at %lld (%llu bytes) (bytewise %d)", at, bytes, bytewise);
    }
    /* Plain NDJSON has no gzip end. */
    int lines;
    unsigned long long bytes;
    CHECK(feed_gz((const unsigned char *)"{}\n{}\n", 6, 0, &lines, &bytes) == -1 && lines == 2,
          "plain stream: no trailing data");
}

int main(void)
{
    test_strings();
    test_gzip_trailing();
    const size_t max_line = 700000;
    expect ex[NLINES];
    build(ex, max_line);
    char dir[] = "/tmp/f2c-ndjson-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char plain[256], gz[256];
    snprintf(plain, sizeof plain, "%s/a.ndjson", dir);
    snprintf(gz, sizeof gz, "%s/a.ndjson.gz", dir);
    for (int variant = 0; variant < 4; variant++) {
        int bom = variant & 1, final_nl = !(variant & 2);
        char *data;
        size_t n = serialise(ex, bom, final_nl, &data);
        FILE *f = fopen(plain, "wb");
        fwrite(data, 1, n, f);
        fclose(f);
        gzFile g = gzopen(gz, "wb");
        gzwrite(g, data, (unsigned)n);
        gzclose(g);
        free(data);
        char what[64];
        snprintf(what, sizeof what, "plain bom=%d final_newline=%d", bom, final_nl);
        check_file(plain, ex, max_line, what);
        snprintf(what, sizeof what, "gzip bom=%d final_newline=%d", bom, final_nl);
        check_file(gz, ex, max_line, what);
    }
    /* An empty file and a missing one. */
    FILE *f = fopen(plain, "wb");
    fclose(f);
    f2c_ndjson *r;
    f2c_error err;
    const char *line;
    size_t len;
    long lineno;
    CHECK(f2c_ndjson_open(plain, 0, &r, &err) == F2C_OK, "open empty");
    CHECK(f2c_ndjson_next(r, &line, &len, &lineno, &err) == F2C_EEOF, "empty file gives EEOF");
    f2c_ndjson_close(r);
    unlink(plain);
    unlink(gz);
    CHECK(f2c_ndjson_open(plain, 0, &r, &err) == F2C_EIO, "missing file gives EIO");
    CHECK(strstr(err.message, "No such file") != NULL, "missing file message: %s", err.message);
    rmdir(dir);
    for (int i = 0; i < NLINES; i++)
        free(ex[i].text);
    return f2c_check_report("ndjson");
}
