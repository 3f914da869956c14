/*
 * test_deleted: prints what f2c_deleted_read (lib/fhir/f2c_deleted.c) makes of deletion files, so
 * that the golden cases of tests/deleted can compare it with cases/<case>.out (run_case.cmake).
 * The output is the whole observable result, so a case shows every decision at once: the status
 * of each call, the keys, every diagnostic exactly as a user would read it, the counts.
 *
 *   test_deleted [--max-line N] PATH...
 *
 * calls f2c_deleted_read once per PATH, into one list (as repeated --deleted options would), and
 * prints:
 *   read PATH: STATUS            per call; a failed call adds "  error: <f2c_error_format>"
 *   keys:                        then one "Type/id" per line, in order
 *   diagnostics:                 then one "STATUS <f2c_error_format>" per line ("warning" for
 *                                a diagnostic of status F2C_OK)
 *   files=.. lines=.. bundles=.. entries=.. bad_lines=..
 * Also checked here (f2c_check.h), whatever the input: a failed call leaves the list as it was,
 * entries == count, lines == bundles + bad_lines, and every bad line has exactly one diagnostic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_deleted.h"
#include "fhir2cdm/f2c_error.h"

#include "f2c_check.h"

/* One call; checks that a failure changed nothing. */
static void read_one(const char *path, size_t max_line, f2c_deleted *d, f2c_diags *diags)
{
    f2c_deleted before = *d;
    f2c_error err;
    f2c_error_clear(&err);
    f2c_status st = f2c_deleted_read(path, max_line, d, diags, &err);
    printf("read %s: %s\n", path, f2c_status_name(st));
    if (st == F2C_OK) return;
    char buf[2048];
    printf("  error: %s\n", f2c_error_format(&err, buf, sizeof buf));
    CHECK(err.status == st, "err.status %s for %s", f2c_status_name(err.status),
          f2c_status_name(st));
    CHECK(d->count == before.count && d->files == before.files && d->lines == before.lines &&
              d->bundles == before.bundles && d->entries == before.entries &&
              d->bad_lines == before.bad_lines,
          "a failed call of %s changed the list", path);
}

static void print_result(const f2c_deleted *d, const f2c_diags *diags)
{
    char buf[2048];
    printf("keys:\n");
    for (size_t i = 0; i < d->count; i++)
        printf("%s/%s\n", d->keys[i].type, d->keys[i].id);
    printf("diagnostics:\n");
    size_t line_diags = 0;
    for (size_t i = 0; i < diags->count; i++) {
        f2c_status st = diags->items[i].status;
        printf("%s %s\n", st == F2C_OK ? "warning" : f2c_status_name(st),
               f2c_error_format(&diags->items[i], buf, sizeof buf));
        line_diags += diags->items[i].line > 0;
    }
    printf("files=%llu lines=%llu bundles=%llu entries=%llu bad_lines=%llu\n", d->files, d->lines,
           d->bundles, d->entries, d->bad_lines);
    CHECK_INT_EQ((long long)d->entries, (long long)d->count);
    CHECK_INT_EQ((long long)d->lines, (long long)(d->bundles + d->bad_lines));
    CHECK_INT_EQ((long long)line_diags, (long long)d->bad_lines);
}

int main(int argc, char **argv)
{
    size_t max_line = 0;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--max-line") == 0) {
        max_line = (size_t)strtoull(argv[2], NULL, 10);
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: test_deleted [--max-line N] PATH...\n");
        return 2;
    }
    f2c_deleted d = {0};
    f2c_diags diags = {0};
    for (; i < argc; i++)
        read_one(argv[i], max_line, &d, &diags);
    print_result(&d, &diags);
    f2c_deleted_free(&d);
    f2c_diags_free(&diags);
    return f2c_check_report("test_deleted");
}
