/*
 * test_cdm: the CDM folder metadata writer (lib/src/f2c_cdm.c).
 *
 * Why it is shaped so: model.json is a contract with every consumer, so the test pins it byte
 * for byte against a reviewed golden file (expected-model.json, path given as argv[1]) instead
 * of re-deriving it with the code under test.  The tableset is built in code (no dependency on
 * the configuration loader), and the partition folder holds one file for each discovery rule:
 * partitions written by the real CSV writer (kept, sorted), writer temp files and other names
 * (ignored), a directory (ignored), and files whose first record is not this table's header
 * (reported and left out).  Usage: test_cdm <expected-model.json>
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

#define MODIFIED_TIME "2024-05-06T07:08:09.123Z"

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_STR(actual, expected)                                                                \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        if (!a_ || strcmp(a_, e_) != 0) {                                                          \
            fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, e_,        \
                    a_ ? a_ : "(null)");                                                           \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* ---- the tableset ------------------------------------------------------------------------- */

/* Columns of several FHIR types so every CDM dataType of the mapping appears. */
static f2c_column patient_cols[] = {
    {.name = "Gender", .type = F2C_T_CODE},
    {.name = "BirthDate", .type = F2C_T_DATE},
    {.name = "Active", .type = F2C_T_BOOLEAN},
    {.name = "MultipleBirthInteger", .type = F2C_T_INTEGER},
    {.name = "DeceasedDateTime", .type = F2C_T_DATETIME},
    {.name = "Telecom", .type = F2C_T_ARRAY},
};

static f2c_column name_cols[] = {
    {.name = "Family", .type = F2C_T_STRING},        {.name = "Given", .type = F2C_T_ARRAY},
    {.name = "PeriodStart", .type = F2C_T_DATETIME}, {.name = "Rank", .type = F2C_T_POSITIVEINT},
    {.name = "Weight", .type = F2C_T_DECIMAL},       {.name = "Count", .type = F2C_T_UNSIGNEDINT},
    {.name = "WakeTime", .type = F2C_T_TIME},        {.name = "Source", .type = F2C_T_URI},
    {.name = "Recorded", .type = F2C_T_INSTANT},
};

static f2c_column practitioner_cols[] = {
    {.name = "Text", .type = F2C_T_MARKDOWN},
    {.name = "Id", .type = F2C_T_ID},
};

static char *name_unroll[] = {"name"};

/* Sorted by name, as the loader sorts them. */
static f2c_table tables[] = {
    {.name = "Patient",
     .entity = "LocalPatient",
     .resource_type = "Patient",
     .columns = patient_cols,
     .ncolumns = sizeof patient_cols / sizeof patient_cols[0]},
    {.name = "PatientName",
     .entity = "LocalPatientName",
     .resource_type = "Patient",
     .unroll_path = "Patient.name",
     .unroll = name_unroll,
     .nunroll = 1,
     .columns = name_cols,
     .ncolumns = sizeof name_cols / sizeof name_cols[0]},
    {.name = "Practitioner", /* no data folder at all: partitions [] */
     .entity = "LocalPractitioner",
     .resource_type = "Practitioner",
     .columns = practitioner_cols,
     .ncolumns = sizeof practitioner_cols / sizeof practitioner_cols[0]},
};

static const f2c_tableset tableset = {.tables = tables, .count = sizeof tables / sizeof tables[0]};

/* ---- file helpers ------------------------------------------------------------------------- */

static char *join(const char *a, const char *b)
{
    f2c_buf p = {0};
    if (f2c_buf_printf(&p, "%s/%s", a, b) != 0) abort();
    return p.data;
}

static void write_bytes(const char *dir, const char *name, const char *data, size_t n)
{
    char *path = join(dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    free(path);
}

/* Reads a whole file into b (reset first).  Returns 0, or -1 if it cannot be read. */
static int read_file(const char *path, f2c_buf *b)
{
    f2c_buf_reset(b);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (f2c_buf_append(b, chunk, n) != 0) abort();
    int bad = ferror(fp);
    fclose(fp);
    if (!b->data && f2c_buf_append(b, "", 0) != 0) abort();
    return bad ? -1 : 0;
}

/* Removes path and everything below it (test cleanup). */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                char *child = join(path, e->d_name);
                remove_tree(child);
                free(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        abort();
    }
}

/* Writes partition <out>/<rel> with the real CSV writer: t's header, then nrows rows. */
static void write_partition(const char *out, const char *rel, const f2c_table *t,
                            const char *const *const *rows, size_t nrows)
{
    char *path = join(out, rel);
    f2c_csv *w = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    size_t width = f2c_table_width(t);
    const char *cells[32];
    size_t lens[32];
    if (width > 32 || f2c_csv_open(path, &w, &err) != F2C_OK) abort();
    for (size_t i = 0; i < width; i++) {
        cells[i] = f2c_table_column_name(t, i);
        lens[i] = strlen(cells[i]);
    }
    if (f2c_csv_write_row(w, width, cells, lens, &err) != F2C_OK) abort();
    for (size_t r = 0; r < nrows; r++) {
        for (size_t i = 0; i < width; i++) {
            cells[i] = rows[r][i];
            lens[i] = strlen(cells[i]);
        }
        if (f2c_csv_write_row(w, width, cells, lens, &err) != F2C_OK) abort();
    }
    if (f2c_csv_commit(w, &err) != F2C_OK) abort();
    free(path);
}

/* Writes a file whose content is t's header record + `tail` (raw, not through the writer). */
static void write_with_header(const char *dir, const char *name, const f2c_table *t,
                              const char *tail)
{
    f2c_buf b = {0};
    if (f2c_cdm_header_record(&b, t) != 0 || f2c_buf_appends(&b, tail) != 0) abort();
    write_bytes(dir, name, b.data, b.len);
    f2c_buf_free(&b);
}

/* ---- the CDM folder under test ------------------------------------------------------------ */

static void lay_out_folder(const char *out)
{
    char *data = join(out, "data");
    char *pat = join(data, "LocalPatient");
    char *pname = join(data, "LocalPatientName");
    make_dir(data);
    make_dir(pat);
    make_dir(pname);

    /* Kept: written by the real writer (created out of order; model.json sorts them). */
    static const char *const p_row1[] = {"p1",
                                         "female",
                                         "1970-01-01T00:00:00Z",
                                         "true",
                                         "2",
                                         "",
                                         "[{\"system\":\"phone\",\"value\":\"555, 1\"}]"};
    static const char *const p_row2[] = {"p2", "male", "", "false", "", "2001-02-03T04:05:06Z", ""};
    static const char *const *const p_rows_a[] = {p_row1, p_row2};
    static const char *const *const p_rows_b[] = {p_row2};
    write_partition(out, "data/LocalPatient/partition-data-Patient.001-op2.csv", &tables[0],
                    p_rows_b, 1);
    write_partition(out, "data/LocalPatient/partition-data-Patient.000-op1.csv", &tables[0],
                    p_rows_a, 2);
    write_partition(out, "data/LocalPatient/partition-data-Patient.000-op0.csv", &tables[0], NULL,
                    0); /* header only: a run that produced no rows */

    /* Ignored: the writer's temp file, any ".tmp-" name, other names, a directory. */
    write_with_header(pat, "partition-data-Patient.002-op1.csv.tmp-123", &tables[0], "\r\n");
    write_with_header(pat, "partition-data-Patient.003-op1.tmp-123.csv", &tables[0], "\r\n");
    write_with_header(pat, "Patient-partition-data.csv", &tables[0], "\r\n");
    write_with_header(pat, "partition-data-Patient.004-op1.CSV", &tables[0], "\r\n");
    write_bytes(pat, "notes.txt", "hello\n", 6);
    char *subdir = join(pat, "partition-data-dir.csv");
    make_dir(subdir);
    free(subdir);

    /* Reported and left out: another header, a LF line end, no header at all. */
    static const char other[] = "ResourceId,Gender\r\np1,female\r\n";
    write_bytes(pat, "partition-data-Patient.000-old.csv", other, sizeof other - 1);
    write_with_header(pat, "partition-data-Patient.000-lf.csv", &tables[0], "\np1,,,,,,\n");
    write_bytes(pat, "partition-data-Patient.000-empty.csv", "", 0);

    static const char *const n_row1[] = {"r1",
                                         "p1",
                                         "Patient.name[0]",
                                         "Patient",
                                         "Doe \"Jr\"",
                                         "[\"Jane\",\"J\"]",
                                         "2000-01-01T00:00:00Z",
                                         "1",
                                         "70.50",
                                         "0",
                                         "07:30:00",
                                         "urn:x",
                                         "2020-01-01T00:00:00Z"};
    static const char *const *const n_rows[] = {n_row1};
    write_partition(out, "data/LocalPatientName/partition-data-Patient.000-op1.csv", &tables[1],
                    n_rows, 1);

    free(pname);
    free(pat);
    free(data);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Compares file `actual` with golden `expected`; on a difference reports where. */
static int same_as_golden(const char *actual, const char *expected)
{
    f2c_buf a = {0}, e = {0};
    int ok = 1;
    if (read_file(actual, &a) != 0 || read_file(expected, &e) != 0) {
        fprintf(stderr, "cannot read %s or %s\n", actual, expected);
        ok = 0;
    } else if (a.len != e.len || memcmp(a.data, e.data, a.len) != 0) {
        size_t i = 0, line = 1;
        while (i < a.len && i < e.len && a.data[i] == e.data[i])
            if (a.data[i++] == '\n') line++;
        fprintf(stderr,
                "model.json differs from %s at byte %zu (line %zu); sizes %zu vs %zu (golden)\n"
                "--- actual model.json ---\n%s\n",
                expected, i, line, a.len, e.len, a.data);
        ok = 0;
    }
    f2c_buf_free(&a);
    f2c_buf_free(&e);
    return ok;
}

/* No "model.json.tmp-*" may be left behind. */
static int temp_files_left(const char *out)
{
    int n = 0;
    DIR *d = opendir(out);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "model.json.tmp-", 15) == 0) n++;
    closedir(d);
    return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_helpers(void)
{
    f2c_buf b = {0};
    CHECK(f2c_cdm_partition_path(&b, &tables[0], "Patient.000", "0f3a") == 0);
    CHECK_STR(b.data, "data/LocalPatient/partition-data-Patient.000-0f3a.csv");

    f2c_buf_reset(&b);
    CHECK(f2c_cdm_header_record(&b, &tables[0]) == 0);
    CHECK_STR(b.data, "ResourceId,Gender,BirthDate,Active,MultipleBirthInteger,DeceasedDateTime,"
                      "Telecom");

    f2c_buf_reset(&b);
    CHECK(f2c_buf_appends(&b, "prefix|") == 0);
    CHECK(f2c_cdm_header_record(&b, &tables[1]) == 0); /* appends, unroll columns first */
    CHECK_STR(b.data, "prefix|RowId,ResourceId,FhirPath,ParentPath,Family,Given,PeriodStart,Rank,"
                      "Weight,Count,WakeTime,Source,Recorded");

    /* Names that need quoting are quoted exactly as the CSV writer quotes them. */
    static f2c_column odd_cols[] = {{.name = "a,\"b\"", .type = F2C_T_STRING},
                                    {.name = "c d", .type = F2C_T_STRING}};
    f2c_table odd = {.name = "Odd", .entity = "LocalOdd", .columns = odd_cols, .ncolumns = 2};
    f2c_buf_reset(&b);
    CHECK(f2c_cdm_header_record(&b, &odd) == 0);
    CHECK_STR(b.data, "ResourceId,\"a,\"\"b\"\"\",c d");
    f2c_buf_free(&b);
}

static void test_write_model(const char *out, const char *golden)
{
    lay_out_folder(out);

    f2c_diags diags = {0};
    f2c_error err;
    f2c_error_clear(&err);
    f2c_status st = f2c_cdm_write_model(out, "fhir2cdm", &tableset, MODIFIED_TIME, &diags, &err);
    CHECK(st == F2C_OK);
    if (st != F2C_OK) {
        char msg[2048];
        fprintf(stderr, "write_model: %s\n", f2c_error_format(&err, msg, sizeof msg));
    }

    /* Exactly the three files with a wrong first record are reported, in file-name order. */
    CHECK(diags.count == 3);
    static const char *const bad[] = {"partition-data-Patient.000-empty.csv",
                                      "partition-data-Patient.000-lf.csv",
                                      "partition-data-Patient.000-old.csv"};
    for (size_t i = 0; i < diags.count && i < 3; i++) {
        CHECK(diags.items[i].status == F2C_ECONFIG);
        CHECK(ends_with(diags.items[i].file, bad[i]));
        CHECK(strstr(diags.items[i].message, "LocalPatient") != NULL);
    }
    if (diags.count == 3) {
        CHECK(strstr(diags.items[2].message, "found: \"ResourceId,Gender\"") != NULL);
        CHECK(strstr(diags.items[1].message, "(no CRLF)") != NULL);
    }

    char *model = join(out, "model.json");
    CHECK(same_as_golden(model, golden));
    CHECK(temp_files_left(out) == 0);

    /* A second write over the same folder gives the same bytes. */
    f2c_buf first = {0}, second = {0};
    CHECK(read_file(model, &first) == 0);
    f2c_diags diags2 = {0};
    CHECK(f2c_cdm_write_model(out, "fhir2cdm", &tableset, MODIFIED_TIME, &diags2, &err) == F2C_OK);
    CHECK(diags2.count == 3);
    CHECK(read_file(model, &second) == 0);
    CHECK(first.data && second.data && first.len == second.len &&
          memcmp(first.data, second.data, first.len) == 0);
    CHECK(temp_files_left(out) == 0);

    /* modifiedTime reads back; appended to what the buffer holds. */
    f2c_buf mt = {0};
    CHECK(f2c_buf_appends(&mt, "x") == 0);
    CHECK(f2c_cdm_read_modified_time(out, &mt) == 1);
    CHECK_STR(mt.data, "x" MODIFIED_TIME);

    f2c_buf_free(&mt);
    f2c_buf_free(&first);
    f2c_buf_free(&second);
    f2c_diags_free(&diags);
    f2c_diags_free(&diags2);
    free(model);
}

static void check_modified_time(const char *dir, const char *content, int expected,
                                const char *value)
{
    if (content) write_bytes(dir, "model.json", content, strlen(content));
    f2c_buf mt = {0};
    int r = f2c_cdm_read_modified_time(dir, &mt);
    if (r != expected) {
        fprintf(stderr, "read_modified_time(%s): expected %d, got %d\n",
                content ? content : "(no file)", expected, r);
        failures++;
    }
    if (value) CHECK_STR(mt.data, value);
    if (!value) CHECK(mt.len == 0);
    f2c_buf_free(&mt);
}

static void test_read_modified_time(const char *dir)
{
    check_modified_time(dir, NULL, 0, NULL); /* no model.json */
    check_modified_time(dir, "", 0, NULL);
    check_modified_time(dir, "not json", 0, NULL);
    check_modified_time(dir, "[\"modifiedTime\"]", 0, NULL);
    check_modified_time(dir, "{\"name\":\"m\"}", 0, NULL);
    check_modified_time(dir, "{\"modifiedTime\":5}", 0, NULL);
    check_modified_time(dir, "{\"modifiedTime\":\"\"}", 0, NULL);
    check_modified_time(dir, "{\"modifiedTime\":null}", 0, NULL);
    check_modified_time(dir, "{\"version\":\"1.0\",\"modifiedTime\":\"2020-01-01T00:00:00Z\"}", 1,
                        "2020-01-01T00:00:00Z");
}

static void test_errors(const char *dir)
{
    f2c_diags diags = {0};
    f2c_error err;

    /* The output folder does not exist: model.json cannot be written. */
    char *missing = join(dir, "missing");
    f2c_error_clear(&err);
    CHECK(f2c_cdm_write_model(missing, "fhir2cdm", &tableset, MODIFIED_TIME, &diags, &err) ==
          F2C_EIO);
    CHECK(err.status == F2C_EIO && strstr(err.file, "missing/model.json") != NULL);
    free(missing);

    /* data/<entity> is a file, not a folder: listing fails; no model.json is written. */
    char *data = join(dir, "data");
    make_dir(data);
    write_bytes(data, "LocalPatient", "x", 1);
    f2c_error_clear(&err);
    CHECK(f2c_cdm_write_model(dir, "fhir2cdm", &tableset, MODIFIED_TIME, &diags, &err) == F2C_EIO);
    CHECK(ends_with(err.file, "data/LocalPatient"));
    char *model = join(dir, "model.json");
    CHECK(access(model, F_OK) != 0);
    CHECK(temp_files_left(dir) == 0);
    CHECK(diags.count == 0);
    free(model);
    free(data);
    f2c_diags_free(&diags);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <expected-model.json>\n", argv[0]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    f2c_buf root = {0};
    if (f2c_buf_printf(&root, "%s/f2c-cdm-XXXXXX", tmp && tmp[0] ? tmp : "/tmp") != 0 ||
        !mkdtemp(root.data)) {
        fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
        return 2;
    }
    char *out = join(root.data, "out");
    char *other = join(root.data, "other");
    char *errs = join(root.data, "errs");
    make_dir(out);
    make_dir(other);
    make_dir(errs);

    test_helpers();
    test_write_model(out, argv[1]);
    test_read_modified_time(other);
    test_errors(errs);

    remove_tree(root.data);
    free(out);
    free(other);
    free(errs);
    f2c_buf_free(&root);
    if (failures) {
        fprintf(stderr, "test_cdm: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_cdm: all checks passed\n");
    return 0;
}
