/*
 * test_schema_load: unit test of the front door f2c_schema_load (lib/tables/f2c_schema.c).
 *
 * Why: every command now loads through it, so the cases that decide what they accept live here
 * once: both input kinds give tables and a plan over them, a broken file is reported with its
 * file and line, a fhirExpression that does not compile is found only when the plan is asked for,
 * and a missing folder or a usage error is an error, never an empty table set.
 * Usage: test_schema_load SAMPLES_DIR WORK_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_check.h"

/* Writes text into dir/name (dir created); aborts on failure (the fixture, not the test). */
static void put(const char *dir, const char *name, const char *text)
{
    f2c_buf p = {0};
    if (f2c_fs_mkdirs(dir, 0777) != 0 || f2c_buf_printf(&p, "%s/%s", dir, name) != 0 ||
        f2c_fs_write_atomic(p.data, text, strlen(text)) != 0) {
        perror(dir);
        abort();
    }
    f2c_buf_free(&p);
}

/* 1 when some diagnostic's file ends with `file`, at line `line` (0: any). */
static int has_diag(const f2c_diags *d, const char *file, long line)
{
    for (size_t i = 0; i < d->count; i++) {
        const char *f = d->items[i].file;
        size_t n = strlen(f), k = strlen(file);
        if (n >= k && strcmp(f + n - k, file) == 0 && (!line || d->items[i].line == line)) return 1;
    }
    return 0;
}

static void test_config(const char *samples)
{
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/config", samples) != 0) abort();
    f2c_schema_input in = {.config_dir = dir.data, .max_depth = F2C_DEFAULT_MAX_DEPTH};
    f2c_tableset ts;
    f2c_plan *plan = NULL;
    f2c_diags d = {0};
    CHECK(f2c_schema_load(&in, &ts, &plan, &d) == F2C_OK, "samples/config loads");
    CHECK(d.count == 0 && ts.count == 22 && plan, "22 tables and a plan (%zu)", ts.count);
    CHECK(plan && f2c_plan_tableset(plan) == &ts, "the plan borrows the tables");
    CHECK(plan && f2c_plan_tables_for(plan, "Patient") > 0, "Patient has tables");
    f2c_schema_free(&ts, plan);
    CHECK(ts.count == 0 && !ts.tables, "freed tables are empty");
    /* the tables only: no plan */
    CHECK(f2c_schema_load(&in, &ts, NULL, &d) == F2C_OK && ts.count == 22, "tables only");
    f2c_schema_free(&ts, NULL);
    f2c_diags_free(&d);
    f2c_buf_free(&dir);
}

static void test_views(const char *samples)
{
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/views", samples) != 0) abort();
    const char *paths[] = {dir.data};
    f2c_schema_input in = {.views = paths, .nviews = 1};
    f2c_tableset ts;
    f2c_plan *plan = NULL;
    f2c_diags d = {0};
    CHECK(f2c_schema_load(&in, &ts, &plan, &d) == F2C_OK, "samples/views loads");
    CHECK(d.count == 0 && ts.count >= 3 && plan, "views give tables and a plan (%zu)", ts.count);
    CHECK(plan && f2c_plan_tables_for(plan, "Encounter") > 0, "a view over Encounter");
    f2c_schema_free(&ts, plan);
    CHECK(f2c_schema_load(&in, &ts, NULL, &d) == F2C_OK && ts.count >= 3, "views, tables only");
    f2c_schema_free(&ts, NULL);
    f2c_diags_free(&d);
    f2c_buf_free(&dir);
}

static void test_broken(const char *work)
{
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/broken", work) != 0) abort();
    put(dir.data, "Patient.json",
        "{\n  \"name\": \"Patient\",\n  \"resourceType\": \"Patient\",\n  \"properties\": [ , "
        "]\n}\n");
    f2c_schema_input in = {.config_dir = dir.data, .max_depth = 3};
    f2c_tableset ts;
    f2c_plan *plan = (f2c_plan *)&ts; /* must come back NULL */
    f2c_diags d = {0};
    CHECK(f2c_schema_load(&in, &ts, &plan, &d) == F2C_ECONFIG, "broken JSON is ECONFIG");
    CHECK(!plan && ts.count == 0, "nothing loaded");
    CHECK(has_diag(&d, "/Patient.json", 4), "diagnostic at Patient.json:4");
    f2c_diags_free(&d);
    f2c_buf_free(&dir);
}

/* A fhirExpression that does not compile: the tables load, the plan does not. */
static void test_bad_expression(const char *work)
{
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/badexpr", work) != 0) abort();
    put(dir.data, "Patient.json",
        "{\"name\": \"Patient\", \"resourceType\": \"Patient\", \"properties\": [\n"
        "  {\"name\": \"X\", \"path\": \"name\", \"type\": \"string\", \"fhirExpression\": "
        "\"where(\"}]}\n");
    f2c_schema_input in = {.config_dir = dir.data, .max_depth = 3};
    f2c_tableset ts;
    f2c_plan *plan = NULL;
    f2c_diags d = {0};
    CHECK(f2c_schema_load(&in, &ts, NULL, &d) == F2C_OK && ts.count == 1, "tables only: OK");
    f2c_schema_free(&ts, NULL);
    CHECK(f2c_schema_load(&in, &ts, &plan, &d) == F2C_ECONFIG, "with the plan: ECONFIG");
    CHECK(!plan && ts.count == 0 && has_diag(&d, "/Patient.json", 0), "reported, nothing kept");
    CHECK(d.count > 0 && strcmp(d.items[0].pointer, "") != 0, "with a JSON pointer");
    f2c_diags_free(&d);
    f2c_buf_free(&dir);
}

static void test_missing_and_usage(const char *work)
{
    f2c_buf dir = {0};
    if (f2c_buf_printf(&dir, "%s/no-such-folder", work) != 0) abort();
    f2c_schema_input in = {.config_dir = dir.data, .max_depth = 3};
    f2c_tableset ts;
    f2c_plan *plan = NULL;
    f2c_diags d = {0};
    CHECK(f2c_schema_load(&in, &ts, &plan, &d) == F2C_ECONFIG, "missing folder is ECONFIG");
    CHECK(d.count == 1 && has_diag(&d, "/no-such-folder", 0), "named in the diagnostic");
    f2c_diags_free(&d);
    const char *paths[] = {dir.data};
    f2c_schema_input view = {.views = paths, .nviews = 1};
    CHECK(f2c_schema_load(&view, &ts, &plan, &d) == F2C_ECONFIG && d.count > 0, "missing view");
    f2c_diags_free(&d);
    f2c_schema_input none = {0};
    CHECK(f2c_schema_load(&none, &ts, &plan, &d) == F2C_EUSAGE && d.count == 1, "nothing given");
    f2c_diags_free(&d);
    f2c_schema_input both = {.config_dir = dir.data, .max_depth = 3, .views = paths, .nviews = 1};
    CHECK(f2c_schema_load(&both, &ts, &plan, &d) == F2C_EUSAGE && d.count == 1, "both given");
    CHECK(d.count == 1 && d.items[0].status == F2C_EUSAGE, "a usage diagnostic");
    f2c_diags_free(&d);
    f2c_buf_free(&dir);
}

/* f2c_schema_print_diags: one "prefix + f2c_error_format" line per diagnostic. */
static void test_print(void)
{
    f2c_diags d = {0};
    f2c_error e;
    f2c_error_set(&e, F2C_ECONFIG, "a.json", 2, 3, "/x", "bad");
    f2c_diags_add(&d, &e);
    f2c_diags_add(&d, &e);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) abort();
    f2c_schema_print_diags(f, "error: ", &d);
    f2c_schema_print_diags(f, NULL, &d);
    fclose(f);
    const char *want = "error: a.json:2:3: /x: bad\nerror: a.json:2:3: /x: bad\n"
                       "a.json:2:3: /x: bad\na.json:2:3: /x: bad\n";
    CHECK(text && strcmp(text, want) == 0, "printed as\n%s", text ? text : "(null)");
    free(text);
    f2c_diags_free(&d);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_schema_load SAMPLES_DIR WORK_DIR\n");
        return 2;
    }
    test_config(argv[1]);
    test_views(argv[1]);
    test_broken(argv[2]);
    test_bad_expression(argv[2]);
    test_missing_and_usage(argv[2]);
    test_print();
    return f2c_check_report("schema_load");
}
