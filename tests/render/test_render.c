/*
 * test_render: data-driven tests of f2c_json (parse errors, source spans) and f2c_render (cell
 * text by column type).
 *
 * The cases live in plain text files next to this driver so a new case is one line and a
 * failure names the line it came from:
 *
 *   test_render render cases.tsv      type <TAB> json value <TAB> expected
 *   test_render json json_cases.tsv   span  <TAB> json <TAB> pointer <TAB> expected source text
 *                                     error <TAB> json <TAB> column <TAB> expected message
 *   test_render api                   a few checks of the API contract that are not about text
 *
 * Common syntax: blank lines and lines starting with '#' are ignored; the last field is the
 * rest of the line (it may contain tabs); a field written "!ESC text" has C escapes decoded
 * (\n \r \t \\ \xHH) so control characters, NUL bytes and tabs can be expressed.
 * Render expectations: the cell text, "!EMPTY", "!MISMATCH" or "!MISMATCH reason".
 * Pointers: "" is the root; segments separated by '/' are object keys (first member with that
 * key), array indices, or "#k" for the k-th child (0-based) of an array or object, which reaches
 * duplicate keys.
 *
 * Every JSON text is handed to the parser in a heap block of exactly its length with no NUL
 * after it, so a read past the end shows up under AddressSanitizer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_type.h"

#include "f2c_case.h"

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decodes field f in place ("!ESC " prefix: C escapes).  Returns its length. */
static size_t decode(char *f)
{
    if (strncmp(f, "!ESC ", 5) != 0) return strlen(f);
    const char *r = f + 5;
    char *w = f;
    while (*r) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r++;
            continue;
        }
        r++;
        switch (*r) {
        case 'n':
            *w++ = '\n';
            r++;
            break;
        case 'r':
            *w++ = '\r';
            r++;
            break;
        case 't':
            *w++ = '\t';
            r++;
            break;
        case 'x':
            if (hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
                *w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
                r += 3;
                break;
            }
            *w++ = '\\';
            break;
        default:
            *w++ = *r++; /* \\ and anything else: the character itself */
        }
    }
    *w = '\0';
    return (size_t)(w - f);
}

/* Splits line into at most max fields at tabs (the last field takes the rest).  Returns count. */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    fields[n++] = line;
    while (n < max) {
        char *tab = strchr(fields[n - 1], '\t');
        if (!tab) break;
        *tab = '\0';
        fields[n++] = tab + 1;
    }
    return n;
}

/* Parses json[0..len) from an exact-size copy (no trailing NUL).  The copy is stored in *copy
 * (caller frees it after the document is done with it). */
static f2c_status parse_exact(f2c_doc *d, const char *json, size_t len, char **copy, f2c_error *err)
{
    *copy = malloc(len ? len : 1);
    if (!*copy) return F2C_ENOMEM;
    memcpy(*copy, json, len);
    return f2c_doc_parse(d, *copy, len, err);
}

static const cJSON *resolve(const cJSON *node, const char *pointer)
{
    char seg[256];
    const char *p = pointer;
    while (node && *p) {
        if (*p != '/') return NULL;
        p++;
        size_t n = strcspn(p, "/");
        if (n >= sizeof seg) return NULL;
        /* RFC 6901 unescaping: ~1 is '/', ~0 is '~' */
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            if (p[j] == '~' && j + 1 < n && (p[j + 1] == '0' || p[j + 1] == '1')) {
                seg[k++] = p[j + 1] == '0' ? '~' : '/';
                j++;
            } else {
                seg[k++] = p[j];
            }
        }
        seg[k] = '\0';
        p += n;
        if (seg[0] == '#') {
            int idx = atoi(seg + 1);
            const cJSON *ch = node->child;
            while (ch && idx-- > 0)
                ch = ch->next;
            node = ch;
        } else if (cJSON_IsObject(node)) {
            node = cJSON_GetObjectItemCaseSensitive(node, seg);
        } else if (cJSON_IsArray(node)) {
            node = cJSON_GetArrayItem(node, atoi(seg));
        } else {
            return NULL;
        }
    }
    return node;
}

static const char *result_name(f2c_render_result r)
{
    switch (r) {
    case F2C_RENDER_OK:
        return "OK";
    case F2C_RENDER_EMPTY:
        return "EMPTY";
    case F2C_RENDER_MISMATCH:
        return "MISMATCH";
    default:
        return "NOMEM";
    }
}

static void render_case(ctx *c, f2c_doc *d, char **f, int nf)
{
    if (nf != 3) {
        fail(c, "expected 3 tab-separated fields");
        return;
    }
    f2c_type t = f2c_type_from_name(f[0]);
    if (t == F2C_T_NONE && strcmp(f[0], "none") != 0) {
        fail(c, "unknown type name '%s' (write 'none' for F2C_T_NONE)", f[0]);
        return;
    }
    size_t jlen = decode(f[1]);
    size_t elen = decode(f[2]);
    char *copy = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    if (parse_exact(d, f[1], jlen, &copy, &err) != F2C_OK) {
        fail(c, "JSON value does not parse: %s", err.message);
        free(copy);
        return;
    }

    /* Render after a prefix: the renderer must append and keep what was there. */
    f2c_buf out = {0};
    const char *why = NULL;
    f2c_render_result r = F2C_RENDER_NOMEM;
    if (f2c_buf_appends(&out, "<<") == 0) r = f2c_render_value(d, f2c_doc_root(d), t, &out, &why);
    const char *cell = out.data ? out.data + 2 : "";
    size_t cell_len = out.len >= 2 ? out.len - 2 : 0;

    if (out.len < 2 || memcmp(out.data, "<<", 2) != 0) {
        fail(c, "renderer changed the buffer's existing content");
    } else if (strcmp(f[2], "!EMPTY") == 0) {
        if (r != F2C_RENDER_EMPTY || cell_len)
            fail(c, "expected EMPTY, got %s '%s'", result_name(r), cell);
    } else if (strncmp(f[2], "!MISMATCH", 9) == 0) {
        const char *want = f[2][9] == ' ' ? f[2] + 10 : NULL;
        if (r != F2C_RENDER_MISMATCH || cell_len)
            fail(c, "expected MISMATCH, got %s '%s'", result_name(r), cell);
        else if (!why)
            fail(c, "MISMATCH without a reason");
        else if (want && strcmp(want, why) != 0)
            fail(c, "expected reason '%s', got '%s'", want, why);
    } else if (r != F2C_RENDER_OK) {
        fail(c, "expected OK, got %s (%s)", result_name(r), why ? why : "");
    } else if (cell_len != elen || memcmp(cell, f[2], elen) != 0) {
        fail(c, "expected '%s', got '%s'", f[2], cell);
    }
    f2c_buf_free(&out);
    free(copy);
}

static void json_case(ctx *c, f2c_doc *d, char **f, int nf)
{
    if (nf != 4) {
        fail(c, "expected 4 tab-separated fields");
        return;
    }
    size_t jlen = decode(f[1]);
    size_t elen = decode(f[3]);
    char *copy = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    f2c_status st = parse_exact(d, f[1], jlen, &copy, &err);

    if (strcmp(f[0], "error") == 0) {
        char got[64];
        snprintf(got, sizeof got, "%ld", err.column);
        if (st != F2C_EJSON)
            fail(c, "expected EJSON, got %s", f2c_status_name(st));
        else if (strcmp(got, f[2]) != 0)
            fail(c, "expected column %s, got %s", f[2], got);
        else if (strcmp(err.message, f[3]) != 0)
            fail(c, "expected message '%s', got '%s'", f[3], err.message);
        else if (f2c_doc_root(d) != NULL)
            fail(c, "root not NULL after a failed parse");
    } else if (strcmp(f[0], "span") == 0) {
        const cJSON *node = st == F2C_OK ? resolve(f2c_doc_root(d), f[2]) : NULL;
        const char *p = NULL;
        size_t n = 0;
        if (st != F2C_OK)
            fail(c, "parse failed: %s", err.message);
        else if (!node)
            fail(c, "pointer '%s' does not name a node", f[2]);
        else if (f2c_doc_source(d, node, &p, &n) != 0)
            fail(c, "f2c_doc_source failed for '%s'", f[2]);
        else if (n != elen || memcmp(p, f[3], n) != 0) {
            char *got = malloc(n + 1);
            if (got) {
                memcpy(got, p, n);
                got[n] = '\0';
            }
            fail(c, "expected source '%s', got '%s'", f[3], got ? got : "?");
            free(got);
        }
    } else {
        fail(c, "unknown case kind '%s' (span or error)", f[0]);
    }
    free(copy);
}

static int run_file(const char *mode, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 2;
    }
    ctx c = {path, 0, 0, 0};
    f2c_doc *d = f2c_doc_new(); /* one document for all cases: reuse is part of the test */
    if (!d) {
        fclose(fp);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        c.line++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#') continue;
        char *f[4];
        c.cases++;
        if (strcmp(mode, "render") == 0)
            render_case(&c, d, f, split(line, f, 3));
        else
            json_case(&c, d, f, split(line, f, 4));
    }
    free(line);
    fclose(fp);
    f2c_doc_free(d);
    printf("%s: %d cases, %d failed\n", path, c.cases, c.failures);
    return c.failures || c.cases == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * API checks
 */

static int source_is(f2c_doc *d, const cJSON *node, const char *want)
{
    const char *p;
    size_t n;
    return f2c_doc_source(d, node, &p, &n) == 0 && n == strlen(want) && memcmp(p, want, n) == 0;
}

static int run_api(void)
{
    f2c_error err;
    f2c_doc *a = f2c_doc_new(), *b = f2c_doc_new();
    if (!a || !b) return 2;
    char ta[] = "{\"x\": [1, 2.50]}", tb[] = "[true, {\"y\": -0}]";

    CHECK(f2c_doc_root(a) == NULL);
    CHECK(f2c_doc_parse(a, ta, strlen(ta), &err) == F2C_OK);
    CHECK(f2c_doc_parse(b, tb, strlen(tb), &err) == F2C_OK);
    const cJSON *ax = cJSON_GetObjectItemCaseSensitive(f2c_doc_root(a), "x");
    const cJSON *by = cJSON_GetArrayItem(f2c_doc_root(b), 1);
    /* Interleaved documents keep their own spans. */
    CHECK(source_is(a, cJSON_GetArrayItem(ax, 1), "2.50"));
    CHECK(source_is(b, by, "{\"y\": -0}"));
    CHECK(source_is(a, ax, "[1, 2.50]"));
    /* A node of another document is refused. */
    const char *p;
    size_t n;
    CHECK(f2c_doc_source(b, ax, &p, &n) == -1);
    CHECK(f2c_doc_source(a, by, &p, &n) == -1);
    CHECK(f2c_doc_source(a, NULL, &p, &n) == -1);

    /* Reuse: a new parse replaces the tree and its spans. */
    char ta2[] = "  [\"a\",  {\"k\" : [ ] } ]  ";
    CHECK(f2c_doc_parse(a, ta2, strlen(ta2), &err) == F2C_OK);
    CHECK(source_is(a, f2c_doc_root(a), "[\"a\",  {\"k\" : [ ] } ]"));
    CHECK(source_is(a, cJSON_GetArrayItem(f2c_doc_root(a), 1), "{\"k\" : [ ] }"));

    /* A failed parse releases the tree. */
    char bad[] = "[1,";
    CHECK(f2c_doc_parse(a, bad, strlen(bad), &err) == F2C_EJSON);
    CHECK(f2c_doc_root(a) == NULL);
    CHECK(f2c_doc_source(a, by, &p, &n) == -1);
    CHECK(err.column == 4 && strcmp(err.message, "unexpected end of text") == 0);

    /* Nesting: cJSON's limit (1000) is accepted, one more is a JSON error at that bracket. */
    size_t depth = CJSON_NESTING_LIMIT;
    char *deep = malloc(2 * depth + 4);
    if (!deep) return 2;
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    CHECK(f2c_doc_parse(a, deep, 2 * depth, &err) == F2C_OK);
    const cJSON *inner = f2c_doc_root(a);
    while (inner && inner->child)
        inner = inner->child;
    CHECK(inner && source_is(a, inner, "[]"));
    memset(deep, '[', depth + 1);
    memset(deep + depth + 1, ']', depth + 1);
    CHECK(f2c_doc_parse(a, deep, 2 * depth + 2, &err) == F2C_EJSON);
    CHECK(err.column == (long)depth + 1 && strstr(err.message, "nesting") != NULL);
    free(deep);

    /* Rendering: NULL node, bad type for the date function, exact big decimals. */
    f2c_buf out = {0};
    const char *why = NULL;
    CHECK(f2c_render_value(a, NULL, F2C_T_STRING, &out, &why) == F2C_RENDER_EMPTY);
    CHECK(f2c_render_datetime("2012", 4, F2C_T_STRING, &out, &why) == F2C_RENDER_MISMATCH);
    CHECK(f2c_render_datetime("2012-01-01", 10, F2C_T_DATE, &out, NULL) == F2C_RENDER_OK);
    CHECK(out.len == 20 && strcmp(out.data, "2012-01-01T00:00:00Z") == 0);
    /* the length is honoured: "2012-01-01T..." cut to the date */
    CHECK(f2c_render_datetime("2012-01-01T00:00:00Z", 10, F2C_T_DATE, &out, NULL) == F2C_RENDER_OK);
    f2c_buf_reset(&out);
    char num[] = "[-1234567890123456789012345678901234567890123456789012345678901234567890.5e-7]";
    CHECK(f2c_doc_parse(a, num, strlen(num), &err) == F2C_OK);
    CHECK(f2c_render_value(a, f2c_doc_root(a)->child, F2C_T_DECIMAL, &out, &why) == F2C_RENDER_OK);
    CHECK(strlen(num) - 2 == out.len && memcmp(out.data, num + 1, out.len) == 0);
    f2c_buf_free(&out);

    f2c_doc_free(a);
    f2c_doc_free(b);
    f2c_doc_free(NULL);
    return f2c_check_report("api");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "api") == 0) return run_api();
    if (argc == 3 && (strcmp(argv[1], "render") == 0 || strcmp(argv[1], "json") == 0))
        return run_file(argv[1], argv[2]);
    fprintf(stderr, "usage: %s render CASES | json CASES | api\n", argv[0]);
    return 2;
}
