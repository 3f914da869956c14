/*
 * tx_sof: see tx_sof.h.
 *
 * How a test is judged, following the suite's own runners (sql-on-fhir-v2 sof-js
 * tests/compliance.test.js and tests/reference-implementation/tester.js):
 *  - the view is compiled by f2c_view_compile (the loader of `--view`) and run by the plan
 *    executor in JSON cell mode over every resource of the file, so each cell is a JSON value
 *    (null, number, boolean, string, array) and the JSON types of the expectation are checked;
 *  - expectError: passes if the view is rejected, or if its evaluation reports an error (a
 *    warning of the executor: a where clause that is not Boolean, several items in a
 *    single-valued column, an expression that fails);
 *  - expect: the rows must equal the expected rows as a multiset (row order is not part of a
 *    view's result), each row with exactly the expected keys, values compared as JSON
 *    (numbers by value, arrays element by element in order);
 *  - expectCount: the number of rows; expectColumns: the column names, in order.
 * The report is the suite's format: { "<file>.json": { "tests": [ { "name": <title>,
 * "result": { "passed": true|false, "reason"?: <why it failed> } } ] } }.
 */
#include "tx_sof.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_resource.h"
#include "fhir2cdm/f2c_view.h"

#include "tx_util.h"

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm-transform sql-on-fhir-test [--report FILE] [-v] PATH...\n"
          "\n"
          "Runs SQL on FHIR v2 conformance test files (the official suite: the tests/ folder\n"
          "of github.com/FHIR/sql-on-fhir-v2; each file has \"resources\" and \"tests\" with a\n"
          "\"view\" and \"expect\" rows, \"expectCount\" or \"expectError\") through the same\n"
          "ViewDefinition loader and executor as --view.  PATH: test files or folders (every\n"
          "*.json in them, by name).  Prints one line per file and every failure with its\n"
          "reason.\n"
          "\n"
          "  --report FILE  write the suite's test report JSON:\n"
          "                 {\"<file>\": {\"tests\": [{\"name\": T, \"result\": {\"passed\": B,\n"
          "                 \"reason\": R}}]}}\n"
          "  -v, --verbose  also list the tests that pass\n"
          "  -h, --help     this help\n"
          "--report may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 every test passed; 1 some failed; 2 usage error or a file that cannot\n"
          "be read or is not a test file.\n",
          f);
}

typedef struct collect {
    const f2c_table *t;
    cJSON *rows;  /* array of row objects */
    f2c_buf warn; /* first warning */
    size_t nwarn;
    int bad_cell; /* a cell that is not JSON (an executor bug) */
} collect;

static f2c_status on_row(void *ud, size_t table, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    collect *c = ud;
    (void)table;
    cJSON *row = cJSON_CreateObject();
    if (!row || !cJSON_AddItemToArray(c->rows, row)) {
        cJSON_Delete(row);
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < f2c_table_width(c->t); i++) {
        cJSON *v = cJSON_ParseWithLength(cells[i], lens[i]);
        if (!v) {
            c->bad_cell = 1;
            v = cJSON_CreateString("<not JSON>");
        }
        if (!v || !cJSON_AddItemToObject(row, f2c_table_column_name(c->t, i), v)) {
            cJSON_Delete(v);
            return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
    }
    return F2C_OK;
}

static void on_warn(void *ud, size_t table, size_t column, const char *fhir_path, const char *why)
{
    collect *c = ud;
    (void)table;
    if (c->nwarn++ == 0) {
        f2c_buf_reset(&c->warn);
        if (column != F2C_ROW_NO_COLUMN)
            f2c_buf_printf(&c->warn, "column %s at %s: %s", f2c_table_column_name(c->t, column),
                           fhir_path, why);
        else
            f2c_buf_printf(&c->warn, "at %s: %s", fhir_path, why);
    }
}

/* Each actual row matches a distinct expected row (same keys, equal values). */
static int rows_match(const cJSON *got, const cJSON *want, f2c_buf *reason)
{
    int ng = cJSON_GetArraySize(got), nw = cJSON_GetArraySize(want);
    if (ng != nw) {
        f2c_buf_printf(reason, "%d rows, expected %d", ng, nw);
        return 0;
    }
    char *used = calloc((size_t)nw + 1, 1);
    if (!used) return 0;
    int ok = 1, i = 0;
    for (const cJSON *g = got->child; g && ok; g = g->next, i++) {
        int found = 0, k = 0;
        for (const cJSON *w = want->child; w && !found; w = w->next, k++) {
            if (used[k] || cJSON_GetArraySize(g) != cJSON_GetArraySize(w)) continue;
            int same = 1;
            for (const cJSON *m = w->child; m && same; m = m->next) {
                const cJSON *gm = cJSON_GetObjectItemCaseSensitive(g, m->string);
                same = gm && cJSON_Compare(gm, m, 1);
            }
            if (same) used[k] = found = 1;
        }
        if (!found) {
            char *txt = cJSON_PrintUnformatted(g);
            f2c_buf_printf(reason, "row %s is not among the expected rows", txt ? txt : "?");
            cJSON_free(txt);
            ok = 0;
        }
    }
    free(used);
    return ok;
}

typedef struct stats {
    unsigned passed, failed;
    int verbose;
} stats;

/* Runs one test; returns 1 if it passed, with *reason for a failure. */
static int run_test(f2c_doc *doc, const cJSON *resources, const cJSON *test, const char *file,
                    long index, f2c_buf *reason)
{
    const cJSON *view = cJSON_GetObjectItemCaseSensitive(test, "view");
    int expect_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(test, "expectError"));
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(test, "expect");
    const cJSON *expect_count = cJSON_GetObjectItemCaseSensitive(test, "expectCount");
    const cJSON *expect_cols = cJSON_GetObjectItemCaseSensitive(test, "expectColumns");
    char base[64];
    snprintf(base, sizeof base, "/tests/%ld/view", index);
    f2c_diags diags = {0};
    f2c_table table;
    f2c_plan_select *root = NULL;
    f2c_status st = f2c_view_compile(doc, view, file, base, "view", &table, &root, &diags);
    if (st != F2C_OK) {
        int passed = expect_error && st == F2C_ECONFIG;
        if (!passed) {
            char buf[2048];
            f2c_buf_printf(reason, "view rejected: %s",
                           diags.count ? f2c_error_format(&diags.items[0], buf, sizeof buf)
                                       : f2c_status_name(st));
        }
        f2c_diags_free(&diags);
        return passed;
    }
    f2c_diags_free(&diags);
    f2c_tableset ts;
    f2c_plan *plan = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    if (f2c_view_plan_one(&table, root, &ts, &plan, &err) != F2C_OK) {
        f2c_buf_printf(reason, "cannot build the plan: %s", err.message);
        return 0;
    }
    collect c = {.t = &ts.tables[0], .rows = cJSON_CreateArray()};
    f2c_plan_ctx *ctx = f2c_plan_ctx_new(plan);
    int passed = 0;
    if (!c.rows || !ctx) {
        f2c_buf_appends(reason, "out of memory");
        goto done;
    }
    f2c_plan_ctx_set_json(ctx, 1);
    f2c_row_sink sink = {.ud = &c, .row = on_row, .warn = on_warn};
    long nth = 0; /* the resource's place in "resources", for one without id (f2c_resource.h) */
    for (const cJSON *r = resources ? resources->child : NULL; r; r = r->next) {
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(r, "resourceType");
        nth++;
        if (!cJSON_IsString(rt)) continue;
        f2c_resource_key key;
        f2c_resource_key_of(&key, r, rt->valuestring, file, nth);
        if (f2c_plan_resource(ctx, doc, r, rt->valuestring, key.id, key.identity, &sink, &err) !=
            F2C_OK) {
            f2c_buf_printf(reason, "evaluation stopped: %s", err.message);
            goto done;
        }
    }
    if (c.nwarn) {
        passed = expect_error;
        if (!passed) f2c_buf_printf(reason, "evaluation error: %s", c.warn.data);
        goto done;
    }
    if (expect_error) {
        f2c_buf_printf(reason, "expected an error, got %d rows", cJSON_GetArraySize(c.rows));
        goto done;
    }
    if (c.bad_cell) {
        f2c_buf_appends(reason, "a cell is not a JSON value");
        goto done;
    }
    if (cJSON_IsArray(expect_cols)) {
        const f2c_table *t = c.t;
        int same = (size_t)cJSON_GetArraySize(expect_cols) == f2c_table_width(t);
        size_t i = 0;
        for (const cJSON *e = expect_cols->child; e && same; e = e->next, i++)
            same = cJSON_IsString(e) && !strcmp(e->valuestring, f2c_table_column_name(t, i));
        if (!same) {
            f2c_buf_appends(reason, "columns are");
            for (i = 0; i < f2c_table_width(t); i++)
                f2c_buf_printf(reason, " %s", f2c_table_column_name(t, i));
            f2c_buf_appends(reason, ", not the expected ones");
            goto done;
        }
    }
    if (cJSON_IsNumber(expect_count) &&
        (double)cJSON_GetArraySize(c.rows) != expect_count->valuedouble) {
        f2c_buf_printf(reason, "%d rows, expected %g", cJSON_GetArraySize(c.rows),
                       expect_count->valuedouble);
        goto done;
    }
    if (cJSON_IsArray(expect) && !rows_match(c.rows, expect, reason)) goto done;
    if (!cJSON_IsArray(expect) && !cJSON_IsNumber(expect_count)) {
        f2c_buf_appends(reason, "the test has no expect, expectCount or expectError");
        goto done;
    }
    passed = 1;
done:
    f2c_plan_ctx_free(ctx);
    cJSON_Delete(c.rows);
    f2c_buf_free(&c.warn);
    f2c_plan_free(plan);
    f2c_tableset_free(&ts);
    return passed;
}

/* Runs one test file; adds its entry to report.  Returns 0, or 2 (unreadable / not a test file). */
static int run_file(const char *path, cJSON *report, stats *s)
{
    size_t len = 0;
    char *text = f2c_fs_read(path, 0, &len);
    if (!text) {
        fprintf(stderr, "error: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    f2c_doc *doc = f2c_doc_new();
    f2c_error e;
    f2c_error_clear(&e);
    if (!doc || f2c_doc_parse(doc, text, len, &e) != F2C_OK) {
        fprintf(stderr, "error: %s: malformed JSON at byte %ld: %s\n", path, e.column, e.message);
        f2c_doc_free(doc);
        free(text);
        return 2;
    }
    const cJSON *root = f2c_doc_root(doc);
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
    const cJSON *resources = cJSON_GetObjectItemCaseSensitive(root, "resources");
    if (!cJSON_IsArray(tests)) {
        fprintf(stderr, "error: %s: not a SQL on FHIR test file (no \"tests\" array)\n", path);
        f2c_doc_free(doc);
        free(text);
        return 2;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    cJSON *entry = cJSON_CreateObject();
    cJSON *list = entry ? cJSON_AddArrayToObject(entry, "tests") : NULL;
    if (entry) cJSON_AddItemToObject(report, base, entry);
    unsigned ok = 0, n = 0;
    long i = 0;
    for (const cJSON *t = tests->child; t; t = t->next, i++, n++) {
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(t, "title");
        const char *name = cJSON_IsString(title) ? title->valuestring : "(untitled)";
        f2c_buf reason = {0};
        int passed = run_test(doc, resources, t, path, i, &reason);
        ok += passed;
        if (passed) {
            s->passed++;
            if (s->verbose) printf("  ok    %s: %s\n", base, name);
        } else {
            s->failed++;
            printf("  FAIL  %s: %s: %s\n", base, name, reason.data ? reason.data : "");
        }
        cJSON *item = cJSON_CreateObject();
        cJSON *result = item ? cJSON_AddObjectToObject(item, "result") : NULL;
        if (item && list) {
            cJSON_AddStringToObject(item, "name", name);
            /* "name" first, as the suite's reports list it */
            cJSON *res = cJSON_DetachItemViaPointer(item, result);
            cJSON_AddItemToObject(item, "result", res);
            cJSON_AddBoolToObject(res, "passed", passed);
            if (!passed) cJSON_AddStringToObject(res, "reason", reason.data ? reason.data : "");
            cJSON_AddItemToArray(list, item);
        } else {
            cJSON_Delete(item);
        }
        f2c_buf_free(&reason);
    }
    printf("%s: %u of %u passed\n", base, ok, n);
    f2c_doc_free(doc);
    free(text);
    return 0;
}

static int has_json_suffix(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && strcmp(s + n - 5, ".json") == 0;
}

static int strptrcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's *.json test files, by name (tests.schema.json and other non-test files are
 * recognised by run_file and reported). */
static int run_folder(const char *dir, cJSON *report, stats *s)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "error: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !has_json_suffix(de->d_name)) continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn) break;
        names = nn;
        if ((names[n] = strdup(de->d_name)) != NULL) n++;
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof *names, strptrcmp);
    int rc = n ? 0 : 2;
    if (!n) fprintf(stderr, "error: %s: no *.json test files\n", dir);
    for (size_t i = 0; i < n; i++) {
        f2c_buf p = {0};
        if (f2c_buf_printf(&p, "%s/%s", dir, names[i]) == 0) {
            int r = run_file(p.data, report, s);
            if (r > rc) rc = r;
        }
        f2c_buf_free(&p);
        free(names[i]);
    }
    free(names);
    return rc;
}

int tx_sof_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"report", required_argument, NULL, 'r'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *report_path = NULL;
    stats s = {0};
    int c;
    int given[TX_OPT_CODES] = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:vh", opts, NULL)) != -1) {
        if (tx_once_opt("fhir2cdm-transform sql-on-fhir-test", opts, NULL, c, given) != 0) return 2;
        switch (c) {
        case 'r':
            report_path = optarg;
            break;
        case 'v':
            s.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "sql-on-fhir-test: give test files or folders\n");
        usage(stderr);
        return 2;
    }
    cJSON *report = cJSON_CreateObject();
    if (!report) return 2;
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        int r;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "error: %s: %s\n", argv[i], strerror(errno));
            r = 2;
        } else if (S_ISDIR(st.st_mode)) {
            r = run_folder(argv[i], report, &s);
        } else {
            r = run_file(argv[i], report, &s);
        }
        if (r > rc) rc = r;
    }
    printf("sql-on-fhir-test: %u of %u tests passed\n", s.passed, s.passed + s.failed);
    if (report_path) {
        /* The user's -o file: replaced atomically and link-safely (f2c_fs_write_atomic). */
        f2c_buf txt = {0};
        char *json = cJSON_Print(report);
        if (!json || f2c_buf_printf(&txt, "%s\n", json) != 0) errno = ENOMEM;
        if (!txt.data || f2c_fs_write_atomic(report_path, txt.data, txt.len) != 0) {
            fprintf(stderr, "error: %s: cannot write the report: %s\n", report_path,
                    strerror(errno));
            rc = 2;
        }
        cJSON_free(json);
        f2c_buf_free(&txt);
    }
    cJSON_Delete(report);
    if (rc == 0 && s.failed) rc = 1;
    return rc;
}
