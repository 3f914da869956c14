/*
 * test_fhirpath: data-driven tests of the FHIRPath engine (lib/fhirpath/f2c_fp_*.c).
 *
 *   test_fhirpath cases <resources-dir> <file.test>...   run case files
 *   test_fhirpath api                                    API-contract checks
 *   test_fhirpath fill <resources-dir> <file.test>       prints the file with every expected
 *                                                        line "?" replaced by the actual result
 *                                                        (for drafting cases; review them!)
 *
 * A case file is a sequence of blocks separated by blank lines; lines starting with '#' are
 * comments.  A block is optional option lines (starting with ";;"), then three lines:
 *
 *   expression            the FHIRPath source, one line
 *   input                 JSON text of the context (also %resource), `@name.json` for a file in
 *                         the resources directory, or `-` for no context (empty input)
 *   expected              the f2c_fp_result_json text (compared ignoring whitespace outside
 *                         strings, so decimal texts such as 1.50 are compared exactly), or
 *                         `!error <column> <text>`: compilation or evaluation fails with
 *                         err->column == column and a message containing text
 *
 * Options: `;; type <T>` context type; `;; const <name> <json>` a %constant (declared at
 * compile time, supplied at evaluation); `;; now <dateTime>` fixes now(); `;; resource <json or
 * @file>` a %resource different from the context; `;; path <p>` evaluates with the context set to
 * a member path of the input (dot-separated keys/indices, e.g. name.0); `;; limits steps=N,items=N,
 * bytes=N` evaluation budgets for this case (any subset; others keep their defaults; 0 is
 * unlimited; f2c_fp_ctx_set_limits).
 *
 * Every failure is reported as file:line (the expression's line) with expected and actual.
 * One context is reused by all cases of a run, so arena reuse across evaluations is exercised.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"

#include "f2c_check.h"

typedef struct run {
    int fill; /* print mode: expected "?" is replaced by the actual result */
    const char *file;
    long line;
    int cases, failures;
    const char *resdir;
    f2c_fp_ctx *ctx;
} run;

static void fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt); /* "FAIL <case file>:<line>: ...", counted by f2c_check.h too */
    f2c_check_vfail_at(r->file, r->line, fmt, ap);
    va_end(ap);
    r->failures++;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    f2c_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (f2c_buf_append(&b, chunk, n)) {
            fclose(f);
            f2c_buf_free(&b);
            return NULL;
        }
    }
    fclose(f);
    if (!b.data && f2c_buf_append(&b, "", 0)) return NULL;
    *len = b.len;
    return b.data;
}

/* Removes whitespace outside JSON strings. */
static void squeeze(const char *s, f2c_buf *out)
{
    int in_str = 0;
    for (; *s; s++) {
        char c = *s;
        if (in_str) {
            f2c_buf_appendc(out, c);
            if (c == '\\' && s[1]) {
                f2c_buf_appendc(out, *++s);
            } else if (c == '"') {
                in_str = 0;
            }
            continue;
        }
        if (c == '"') in_str = 1;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        f2c_buf_appendc(out, c);
    }
    if (!out->data) f2c_buf_append(out, "", 0);
}

/* Loads `spec` (JSON text or @file) into a heap block of exactly its length (no NUL after it,
 * so ASan sees over-reads). */
static char *load_json(run *r, const char *spec, size_t *len)
{
    if (spec[0] == '@') {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", r->resdir, spec + 1);
        char *t = read_file(path, len);
        if (!t) fail(r, "cannot read %s", path);
        return t;
    }
    *len = strlen(spec);
    char *t = malloc(*len ? *len : 1);
    if (t) memcpy(t, spec, *len);
    return t;
}

#define MAX_CONST 8

typedef struct opts {
    const char *type;
    const char *now;
    const char *resource;
    const char *path;
    const char *limits;
    const char *cname[MAX_CONST + 1];
    const char *cjson[MAX_CONST];
    int nconst;
} opts;

static const cJSON *follow(const cJSON *n, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && n; tok = strtok(NULL, ".")) {
        if (cJSON_IsArray(n))
            n = cJSON_GetArrayItem(n, atoi(tok));
        else
            n = cJSON_GetObjectItemCaseSensitive(n, tok);
    }
    return n;
}

static void run_case(run *r, const opts *o, const char *expr, const char *input,
                     const char *expected)
{
    r->cases++;
    f2c_error err;
    f2c_error_clear(&err);
    f2c_fp_expr *e = NULL;
    f2c_doc *doc = f2c_doc_new();
    f2c_doc *rdoc = NULL;
    char *text = NULL, *rtext = NULL;
    cJSON *consts[MAX_CONST] = {0};
    f2c_fp_constant cv[MAX_CONST];
    f2c_buf got = {0}, want = {0}, gotq = {0};
    int expect_error = !strncmp(expected, "!error", 6);
    long want_col = 0;
    const char *want_msg = "";
    if (expect_error) {
        char *end;
        want_col = strtol(expected + 6, &end, 10);
        while (*end == ' ')
            end++;
        want_msg = end;
    }
    f2c_status st = f2c_fp_compile(expr, o->nconst ? o->cname : NULL, &e, &err);
    if (st == F2C_OK) {
        if (o->now && f2c_fp_ctx_set_now(r->ctx, o->now) != 0) {
            fail(r, "bad ;; now value '%s'", o->now);
            goto done;
        }
        if (o->limits) {
            f2c_fp_limits lim;
            f2c_fp_limits_default(&lim);
            for (const char *p = o->limits; *p;) {
                char key[16];
                unsigned long long v;
                int used = 0;
                if (sscanf(p, "%15[a-z]=%llu%n", key, &v, &used) != 2 ||
                    (strcmp(key, "steps") && strcmp(key, "items") && strcmp(key, "bytes"))) {
                    fail(r, "bad ;; limits '%s'", o->limits);
                    goto done;
                }
                *(!strcmp(key, "steps")   ? &lim.max_steps
                  : !strcmp(key, "items") ? &lim.max_items
                                          : &lim.max_bytes) = v;
                p += used;
                if (*p == ',') p++;
            }
            f2c_fp_ctx_set_limits(r->ctx, &lim);
        }
        const cJSON *ctxnode = NULL, *resnode = NULL;
        if (strcmp(input, "-") != 0) {
            size_t len;
            text = load_json(r, input, &len);
            if (!text) goto done;
            if (f2c_doc_parse(doc, text, len, &err) != F2C_OK) {
                fail(r, "input is not JSON: %s", err.message);
                goto done;
            }
            ctxnode = resnode = f2c_doc_root(doc);
            if (o->path) {
                ctxnode = follow(ctxnode, o->path);
                if (!ctxnode) {
                    fail(r, "path %s not found in input", o->path);
                    goto done;
                }
            }
        }
        if (o->resource) {
            size_t len;
            rdoc = f2c_doc_new();
            rtext = load_json(r, o->resource, &len);
            if (!rtext || f2c_doc_parse(rdoc, rtext, len, &err) != F2C_OK) {
                fail(r, "resource is not JSON");
                goto done;
            }
            resnode = f2c_doc_root(rdoc);
        }
        for (int i = 0; i < o->nconst; i++) {
            consts[i] = cJSON_Parse(o->cjson[i]);
            if (!consts[i]) {
                fail(r, "constant %s is not JSON", o->cname[i]);
                goto done;
            }
            cv[i].name = o->cname[i];
            cv[i].value = consts[i];
        }
        f2c_fp_result res;
        st = f2c_fp_eval(r->ctx, e, doc, ctxnode, o->type, resnode, cv, (size_t)o->nconst, &res,
                         &err);
        if (st == F2C_OK && f2c_fp_result_json(doc, &res, &got) != 0) {
            fail(r, "result_json: out of memory");
            goto done;
        }
    }
    if (r->fill) {
        if (st != F2C_OK) {
            char *nl;
            while ((nl = strchr(err.message, '\n')))
                *nl = ' ';
            printf("!error %ld %s\n", err.column, err.message);
        } else {
            squeeze(got.data ? got.data : "[]", &gotq);
            printf("%s\n", gotq.data);
        }
        goto done;
    }
    if (expect_error) {
        if (st == F2C_OK) {
            squeeze(got.data ? got.data : "", &gotq);
            fail(r, "%s\n    expected error at column %ld (%s)\n    got      %s", expr, want_col,
                 want_msg, gotq.data);
        } else if (err.column != want_col || !strstr(err.message, want_msg)) {
            fail(r,
                 "%s\n    expected error at column %ld containing '%s'\n    got      %s at "
                 "column %ld: %s",
                 expr, want_col, want_msg, f2c_status_name(st), err.column, err.message);
        }
        goto done;
    }
    if (st != F2C_OK) {
        fail(r, "%s\n    expected %s\n    got      error %s at column %ld: %s", expr, expected,
             f2c_status_name(st), err.column, err.message);
        goto done;
    }
    squeeze(got.data ? got.data : "[]", &gotq);
    squeeze(expected, &want);
    if (strcmp(gotq.data, want.data) != 0)
        fail(r, "%s\n    expected %s\n    got      %s", expr, want.data, gotq.data);
done:
    if (o->now) f2c_fp_ctx_set_now(r->ctx, NULL);
    if (o->limits) f2c_fp_ctx_set_limits(r->ctx, NULL);
    for (int i = 0; i < MAX_CONST; i++)
        cJSON_Delete(consts[i]);
    f2c_fp_free(e);
    f2c_doc_free(doc);
    f2c_doc_free(rdoc);
    free(text);
    free(rtext);
    f2c_buf_free(&got);
    f2c_buf_free(&gotq);
    f2c_buf_free(&want);
}

static void run_file(run *r, const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    r->file = path;
    if (!text) {
        r->line = 0;
        fail(r, "cannot read file");
        return;
    }
    char *lines[64];
    long first_line = 0;
    int n = 0;
    long lineno = 0;
    char *p = text;
    for (;;) {
        char *nl = strchr(p, '\n');
        int eof = !nl && !*p;
        if (nl) *nl = '\0';
        size_t L = strlen(p);
        if (L && p[L - 1] == '\r') p[--L] = '\0';
        if (!eof) lineno++;
        int blank = eof || L == 0;
        if (r->fill && !eof && (blank || p[0] == '#')) {
            if (n == 0) printf("%s\n", p);
        }
        if (!blank && p[0] == '#') {
            /* comment */
        } else if (!blank) {
            if (n == 0) first_line = lineno;
            if (n < 64) lines[n++] = p;
        }
        if (blank && n) {
            opts o;
            memset(&o, 0, sizeof o);
            int k = 0;
            r->line = first_line;
            int bad = 0;
            if (r->fill)
                for (int i = 0; i < n - 1; i++)
                    printf("%s\n", lines[i]);
            for (; k < n && !strncmp(lines[k], ";;", 2); k++) {
                char *opt = lines[k] + 2;
                while (*opt == ' ')
                    opt++;
                char *arg = strchr(opt, ' ');
                if (arg) *arg++ = '\0';
                if (!arg) arg = "";
                if (!strcmp(opt, "type")) {
                    o.type = arg;
                } else if (!strcmp(opt, "now")) {
                    o.now = arg;
                } else if (!strcmp(opt, "resource")) {
                    o.resource = arg;
                } else if (!strcmp(opt, "path")) {
                    o.path = arg;
                } else if (!strcmp(opt, "limits")) {
                    o.limits = arg;
                } else if (!strcmp(opt, "const") && o.nconst < MAX_CONST) {
                    char *j = strchr(arg, ' ');
                    if (!j) {
                        fail(r, "';; const' needs a name and a JSON value");
                        bad = 1;
                        break;
                    }
                    *j++ = '\0';
                    o.cname[o.nconst] = arg;
                    o.cjson[o.nconst++] = j;
                } else {
                    fail(r, "unknown option ';; %s'", opt);
                    bad = 1;
                }
                r->line = first_line + k + 1;
            }
            if (r->fill && strcmp(lines[n - 1], "?") != 0) {
                printf("%s\n", lines[n - 1]);
                bad = 1;
            }
            if (!bad) {
                if (n - k != 3)
                    fail(r, "a case needs 3 lines (expression, input, expected), found %d", n - k);
                else
                    run_case(r, &o, lines[k], lines[k + 1], lines[k + 2]);
            }
            n = 0;
            if (r->fill && blank && !eof) printf("\n");
        }
        if (eof || !nl) break;
        p = nl + 1;
    }
    free(text);
}

/* ---------------------------------------------------------------- API checks */

typedef struct trace_rec {
    int calls;
    char name[32];
    size_t count;
} trace_rec;

static void on_trace(void *user, const char *name, const f2c_fp_result *res)
{
    trace_rec *t = user;
    t->calls++;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->count = res->count;
}

static int api(void)
{
    f2c_error err;
    f2c_fp_expr *e = NULL;

    /* compile once, evaluate many times on one context, results valid until the next eval */
    CHECK(f2c_fp_compile("name.given", NULL, &e, &err) == F2C_OK);
    CHECK(e && !strcmp(f2c_fp_source(e), "name.given"));
    f2c_fp_ctx *c = f2c_fp_ctx_new();
    f2c_doc *d = f2c_doc_new();
    const char *p1 = "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"A\",\"B\"]}]}";
    CHECK(f2c_doc_parse(d, p1, strlen(p1), &err) == F2C_OK);
    f2c_fp_result res;
    for (int i = 0; i < 1000; i++) {
        CHECK(f2c_fp_eval(c, e, d, f2c_doc_root(d), NULL, f2c_doc_root(d), NULL, 0, &res, &err) ==
              F2C_OK);
        CHECK(res.count == 2 && res.items[1].len == 1 && res.items[1].text[0] == 'B');
        CHECK(res.items[0].kind == F2C_FP_STRING && !strcmp(res.items[0].type, "string"));
        CHECK(res.items[0].node ==
              cJSON_GetArrayItem(
                  cJSON_GetObjectItem(
                      cJSON_GetArrayItem(cJSON_GetObjectItem(f2c_doc_root(d), "name"), 0), "given"),
                  0));
        if (f2c_check_failures) break;
    }
    f2c_fp_ctx_reset(c);
    f2c_fp_free(e);

    /* NULL context: empty input */
    CHECK(f2c_fp_compile("1 + 1", NULL, &e, &err) == F2C_OK);
    CHECK(f2c_fp_eval(c, e, d, NULL, NULL, NULL, NULL, 0, &res, &err) == F2C_OK && res.count == 1 &&
          res.items[0].i == 2 && res.items[0].len == 1);
    f2c_fp_free(e);

    /* set_now validation */
    CHECK(f2c_fp_ctx_set_now(c, "2024-01-31") == -1);
    CHECK(f2c_fp_ctx_set_now(c, "2024-01-31T10:00:00") == -1);
    CHECK(f2c_fp_ctx_set_now(c, "2024-13-31T10:00:00Z") == -1);
    CHECK(f2c_fp_ctx_set_now(c, "2024-01-31T10:00:00Z") == 0);
    CHECK(f2c_fp_compile("now() = @2024-01-31T10:00:00Z and today() = @2024-01-31", NULL, &e,
                         &err) == F2C_OK);
    CHECK(f2c_fp_eval(c, e, d, NULL, NULL, NULL, NULL, 0, &res, &err) == F2C_OK && res.count == 1 &&
          res.items[0].i == 1);
    f2c_fp_free(e);
    CHECK(f2c_fp_ctx_set_now(c, NULL) == 0);
    CHECK(f2c_fp_compile("now() > @2020-01-01T00:00:00Z", NULL, &e, &err) == F2C_OK);
    CHECK(f2c_fp_eval(c, e, d, NULL, NULL, NULL, NULL, 0, &res, &err) == F2C_OK && res.count == 1 &&
          res.items[0].i == 1);
    f2c_fp_free(e);

    /* trace callback */
    trace_rec t = {0};
    f2c_fp_ctx_set_trace(c, on_trace, &t);
    CHECK(f2c_fp_compile("name.given.trace('g').count()", NULL, &e, &err) == F2C_OK);
    CHECK(f2c_fp_eval(c, e, d, f2c_doc_root(d), NULL, f2c_doc_root(d), NULL, 0, &res, &err) ==
          F2C_OK);
    CHECK(t.calls == 1 && !strcmp(t.name, "g") && t.count == 2);
    CHECK(res.count == 1 && res.items[0].i == 2);
    f2c_fp_ctx_set_trace(c, NULL, NULL);
    f2c_fp_free(e);

    /* constants: declared names, missing value at run time */
    const char *names[] = {"x", NULL};
    CHECK(f2c_fp_compile("%y", names, &e, &err) == F2C_ECONFIG && err.column == 1);
    CHECK(f2c_fp_compile("%x + 1", names, &e, &err) == F2C_OK);
    CHECK(f2c_fp_eval(c, e, d, NULL, NULL, NULL, NULL, 0, &res, &err) == F2C_EEVAL);
    f2c_fp_free(e);

    /* budgets: defaults, usage read-out, an exceeded limit is F2C_EEVAL naming it, and the
     * context stays usable afterwards */
    f2c_fp_limits lim;
    f2c_fp_limits_default(&lim);
    CHECK(lim.max_steps == F2C_FP_DEFAULT_MAX_STEPS && lim.max_items == F2C_FP_DEFAULT_MAX_ITEMS &&
          lim.max_bytes == F2C_FP_DEFAULT_MAX_BYTES);
    f2c_fp_ctx *c2 = f2c_fp_ctx_new();
    f2c_fp_usage last, peak;
    CHECK(f2c_fp_compile("name.given", NULL, &e, &err) == F2C_OK);
    CHECK(f2c_fp_eval(c2, e, d, f2c_doc_root(d), NULL, f2c_doc_root(d), NULL, 0, &res, &err) ==
          F2C_OK);
    f2c_fp_ctx_usage(c2, &last, &peak);
    CHECK(last.steps == 2 && last.items == 4 && last.bytes > 0 && last.exceeded == 0);
    CHECK(peak.evaluations == 1 && peak.steps == 2 && peak.exceeded_count == 0);
    lim.max_items = 3;
    f2c_fp_ctx_set_limits(c2, &lim);
    CHECK(f2c_fp_eval(c2, e, d, f2c_doc_root(d), NULL, f2c_doc_root(d), NULL, 0, &res, &err) ==
          F2C_EEVAL);
    CHECK(strstr(err.message, "more than 3 items") && res.count == 0);
    f2c_fp_ctx_usage(c2, &last, &peak);
    CHECK(last.exceeded == F2C_FP_LIMIT_ITEMS && peak.exceeded_count == 1 && peak.evaluations == 2);
    f2c_fp_ctx_set_limits(c2, NULL);
    CHECK(f2c_fp_eval(c2, e, d, f2c_doc_root(d), NULL, f2c_doc_root(d), NULL, 0, &res, &err) ==
              F2C_OK &&
          res.count == 2);
    f2c_fp_free(e);
    f2c_fp_ctx_free(c2);

    /* columns count characters, not bytes */
    CHECK(f2c_fp_compile("'\xc3\xa9\xc3\xa9' + ", NULL, &e, &err) == F2C_ECONFIG &&
          err.column == 8);
    CHECK(f2c_fp_compile("'\xc3\xa9' ~~ 1", NULL, &e, &err) == F2C_ECONFIG && err.column == 6);

    f2c_doc_free(d);
    f2c_fp_ctx_free(c);
    f2c_fp_ctx_reset(NULL);
    f2c_fp_ctx_free(NULL);
    f2c_fp_free(NULL);
    return f2c_check_report("api");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "api")) return api();
    int fill = argc >= 2 && !strcmp(argv[1], "fill");
    if (argc < 4 || (strcmp(argv[1], "cases") != 0 && !fill)) {
        fprintf(stderr, "usage: test_fhirpath cases <resources-dir> <file.test>...\n"
                        "       test_fhirpath api\n");
        return 2;
    }
    run r = {fill, NULL, 0, 0, 0, argv[2], f2c_fp_ctx_new()};
    if (!r.ctx) return 2;
    for (int i = 3; i < argc; i++)
        run_file(&r, argv[i]);
    f2c_fp_ctx_free(r.ctx);
    if (fill) return 0;
    printf("%d cases, %d failures\n", r.cases, r.failures);
    return r.failures ? 1 : 0;
}
