/*
 * test_cdm: the CDM folder metadata writer and commit record (lib/cdm/f2c_cdm.c), published
 * through the commit protocol (lib/cdm/f2c_commit.c).
 *
 * Why it is shaped so: model.json is a contract with every consumer, so the test pins it byte
 * for byte against a reviewed golden file (expected-model.json, path given as argv[1]) instead
 * of re-deriving it with the code under test.  The tableset is built in code (no dependency on
 * the configuration loader).  The golden folder is a *legacy* one -- written by the release
 * before the commit protocol, so its model.json has no "fhir2cdm:commit" annotation -- holding
 * one file for each rule of that release's listing: partitions written by the real CSV writer
 * (migrated: the committed set once, sorted), writer temp files and other names (ignored), a
 * directory (ignored), and files whose first record is not this table's header (reported and
 * left out).  Then the committed record takes over: reruns are byte-identical, staged partitions
 * of a rerun go to the other slot (or stay put when their bytes are unchanged), replaced pairs
 * are removed, planted files are never adopted, and failures publish nothing.
 * Usage: test_cdm <expected-model.json>
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

#include "f2c_check.h"
#include "f2c_testfs.h"

#define MODIFIED_TIME "2024-05-06T07:08:09.123Z"

static int expect_failure; /* set around calls that must fail: their message is not noise */
static f2c_sink csv_sink;  /* the CSV sink: what f2c_cdm_publish checks committed partitions with */

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

static int exists(const char *dir, const char *rel)
{
    char *p = join(dir, rel);
    struct stat sb;
    int r = lstat(p, &sb) == 0;
    free(p);
    return r;
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        abort();
    }
}

/* Writes t's header, then nrows rows, to fd with the real CSV writer (f2c_csv_open_fd). */
static void write_rows_fd(int fd, const char *label, const f2c_table *t,
                          const char *const *const *rows, size_t nrows)
{
    f2c_csv *w = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    size_t width = f2c_table_width(t);
    const char *cells[32];
    size_t lens[32];
    if (width > 32 || f2c_csv_open_fd(fd, label, &w, &err) != F2C_OK) abort();
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
    if (f2c_csv_finish(w, &err) != F2C_OK) abort();
}

/* Writes partition <out>/<rel> directly (as the previous release left partitions on disk). */
static void write_partition(const char *out, const char *rel, const f2c_table *t,
                            const char *const *const *rows, size_t nrows)
{
    char *path = join(out, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        abort();
    }
    write_rows_fd(fd, path, t, rows, nrows);
    if (close(fd) != 0) abort();
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
    if (f2c_test_read_file(actual, &a) != 0 || f2c_test_read_file(expected, &e) != 0) {
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

/* Entries the commit protocol must not leave behind: "model.json.tmp-*" in the folder, and
 * anything but the lock in the control folder (stage-*, journal).  Prints each. */
static int leftovers(const char *out)
{
    int n = 0;
    DIR *d = opendir(out);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "model.json.", 11) == 0) {
            fprintf(stderr, "left behind: %s/%s\n", out, e->d_name);
            n++;
        }
    closedir(d);
    char *control = join(out, F2C_COMMIT_DIR);
    d = opendir(control);
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "lock") != 0) {
            fprintf(stderr, "left behind: %s/%s\n", control, e->d_name);
            n++;
        }
    if (d) closedir(d);
    free(control);
    return n;
}

/* The log of a publish, captured. */
typedef struct capture {
    char *text;
    size_t len;
    FILE *fp;
} capture;

static FILE *capture_start(capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->fp = open_memstream(&c->text, &c->len);
    if (!c->fp) abort();
    return c->fp;
}

static const char *capture_end(capture *c)
{
    fclose(c->fp);
    return c->text ? c->text : "";
}

/* Publishes what tx staged (stems/opid as for f2c_cdm_publish); prints the error if any. */
static f2c_status publish(f2c_commit *tx, const char *const *stems, size_t nstems, const char *opid,
                          f2c_diags *diags, FILE *log)
{
    f2c_error err;
    f2c_error_clear(&err);
    f2c_status st = f2c_cdm_publish(tx, "fhir2cdm", &tableset, &csv_sink, 0, 0, MODIFIED_TIME,
                                    stems, nstems, opid, NULL, diags, log, &err);
    if (st != F2C_OK) {
        char msg[2048];
        fprintf(stderr, "publish%s: %s\n", expect_failure ? " (failure expected)" : "",
                f2c_error_format(&err, msg, sizeof msg));
    }
    return st;
}

static f2c_commit *begin(const char *out)
{
    f2c_commit *tx = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    if (f2c_commit_begin(out, NULL, &tx, &err) != F2C_OK) {
        char msg[2048];
        CHECK_FAIL("begin %s: %s", out, f2c_error_format(&err, msg, sizeof msg));
        return NULL;
    }
    return tx;
}

/* Stages data/<entity>/<slot 0 name of (stem, opid)> holding t's header + rows. */
static void stage(f2c_commit *tx, const f2c_table *t, const char *stem, const char *opid,
                  const char *const *const *rows, size_t nrows)
{
    f2c_buf dir = {0}, name = {0};
    f2c_error err;
    f2c_error_clear(&err);
    int fd = -1;
    if (f2c_buf_printf(&dir, "data/%s", t->entity) != 0 ||
        f2c_cdm_partition_name(&name, stem, opid, 0, ".csv") != 0)
        abort();
    if (f2c_commit_stage(tx, dir.data, name.data, &fd, &err) != F2C_OK) {
        fprintf(stderr, "stage %s/%s: %s\n", dir.data, name.data, err.message);
        abort();
    }
    write_rows_fd(fd, name.data, t, rows, nrows);
    if (f2c_commit_close(tx, dir.data, name.data, fd, &err) != F2C_OK) {
        fprintf(stderr, "close %s/%s: %s\n", dir.data, name.data, err.message);
        abort();
    }
    f2c_buf_free(&dir);
    f2c_buf_free(&name);
}

/* The record's locations, joined with '\n' (for messages and comparisons). */
static char *listed(const char *out)
{
    f2c_buf text = {0}, all = {0};
    char *model = join(out, "model.json");
    f2c_cdm_record rec;
    f2c_error err;
    if (f2c_test_read_file(model, &text) == 0 &&
        f2c_cdm_record_parse(text.data, text.len, &rec, &err) == F2C_OK) {
        for (size_t i = 0; i < rec.count; i++)
            if (f2c_buf_printf(&all, "%s\n", rec.locations[i]) != 0) abort();
        f2c_cdm_record_free(&rec);
    }
    if (!all.data && f2c_buf_appends(&all, "") != 0) abort();
    f2c_buf_free(&text);
    free(model);
    return all.data;
}

/* listed(out), kept until the next call (freed then), so that
 * CHECK_STR_EQ(listed_now(out), "...") is one check. */
static const char *listed_now(const char *out)
{
    static char *last;
    free(last);
    last = listed(out);
    return last;
}

/* ---- the legacy CDM folder ---------------------------------------------------------------- */

static const char *const p_row1[] = {"p1",
                                     "female",
                                     "1970-01-01T00:00:00Z",
                                     "true",
                                     "2",
                                     "",
                                     "[{\"system\":\"phone\",\"value\":\"555, 1\"}]"};
static const char *const p_row2[] = {"p2", "male", "", "false", "", "2001-02-03T04:05:06Z", ""};
static const char *const p_row3[] = {"p3", "other", "", "", "", "", ""};
static const char *const *const p_rows_a[] = {p_row1, p_row2};
static const char *const *const p_rows_b[] = {p_row2};
static const char *const *const p_rows_c[] = {p_row3};

static void lay_out_folder(const char *out)
{
    char *data = join(out, "data");
    char *pat = join(data, "LocalPatient");
    char *pname = join(data, "LocalPatientName");
    make_dir(data);
    make_dir(pat);
    make_dir(pname);

    /* Migrated: written by the real writer (created out of order; model.json sorts them). */
    write_partition(out, "data/LocalPatient/partition-data-Patient.001-op2.csv", &tables[0],
                    p_rows_b, 1);
    write_partition(out, "data/LocalPatient/partition-data-Patient.000-op1.csv", &tables[0],
                    p_rows_a, 2);
    write_partition(out, "data/LocalPatient/partition-data-Patient.000-op0.csv", &tables[0], NULL,
                    0); /* header only: a run that produced no rows */

    /* Ignored: the old writer's temp file, any ".tmp-" name, other names, a directory. */
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

    /* The previous release's model.json: no "fhir2cdm:commit" annotation.  What it lists does
     * not matter (that release rebuilt it from the files on disk): migration takes the files. */
    static const char legacy[] = "{\n\t\"name\":\t\"fhir2cdm\",\n\t\"version\":\t\"1.0\",\n"
                                 "\t\"entities\":\t[]\n}\n";
    write_bytes(out, "model.json", legacy, sizeof legacy - 1);

    free(pname);
    free(pat);
    free(data);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_helpers(void)
{
    f2c_buf b = {0};
    CHECK(f2c_cdm_partition_path(&b, &tables[0], "Patient.000", "0f3a", ".csv") == 0);
    CHECK_STR_EQ(b.data, "data/LocalPatient/partition-data-Patient.000-0f3a.csv");

    f2c_buf_reset(&b);
    CHECK(f2c_cdm_header_record(&b, &tables[0]) == 0);
    CHECK_STR_EQ(b.data, "ResourceId,Gender,BirthDate,Active,MultipleBirthInteger,DeceasedDateTime,"
                         "Telecom");

    f2c_buf_reset(&b);
    CHECK(f2c_buf_appends(&b, "prefix|") == 0);
    CHECK(f2c_cdm_header_record(&b, &tables[1]) == 0); /* appends, unroll columns first */
    CHECK_STR_EQ(b.data,
                 "prefix|RowId,ResourceId,FhirPath,ParentPath,Family,Given,PeriodStart,Rank,"
                 "Weight,Count,WakeTime,Source,Recorded");

    /* Names that need quoting are quoted exactly as the CSV writer quotes them. */
    static f2c_column odd_cols[] = {{.name = "a,\"b\"", .type = F2C_T_STRING},
                                    {.name = "c d", .type = F2C_T_STRING}};
    f2c_table odd = {.name = "Odd", .entity = "LocalOdd", .columns = odd_cols, .ncolumns = 2};
    f2c_buf_reset(&b);
    CHECK(f2c_cdm_header_record(&b, &odd) == 0);
    CHECK_STR_EQ(b.data, "ResourceId,\"a,\"\"b\"\"\",c d");

    /* Partition names: the stem escaped (no '-' left in it), two slots, never ambiguous. */
    static const struct {
        const char *stem, *opid;
        int slot;
        const char *name;
    } names[] = {
        {"Patient.000", "op1", 0, "partition-data-Patient.000-op1.csv"},
        {"Patient.000", "op1", 1, "partition-data-Patient.000-op1.b.csv"},
        {"Patient-2024", "jan", 0, "partition-data-Patient%2D2024-jan.csv"},
        {"Patient", "2024-jan", 0, "partition-data-Patient-2024-jan.csv"},
        {"Patient.tmp-1", "x", 0, "partition-data-Patient.tmp%2D1-x.csv"},
        {"a/b%c d", "x_1", 1, "partition-data-a%2Fb%25c%20d-x_1.b.csv"},
        {"\xc3\xa9", "x", 0, "partition-data-%C3%A9-x.csv"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        f2c_buf_reset(&b);
        CHECK(f2c_buf_appends(&b, "") == 0);
        CHECK(f2c_cdm_partition_name(&b, names[i].stem, names[i].opid, names[i].slot, ".csv") == 0);
        CHECK_STR_EQ(b.data, names[i].name);
        CHECK(f2c_cdm_partition_is_of(names[i].name, names[i].stem, names[i].opid) == 1);
    }
    CHECK(f2c_cdm_partition_is_of("partition-data-Patient%2D2024-jan.csv", "Patient", "2024-jan") ==
          0);
    CHECK(f2c_cdm_partition_is_of("partition-data-Patient-2024-jan.csv", "Patient-2024", "jan") ==
          0);
    CHECK(f2c_cdm_partition_is_of("partition-data-Patient.000-op1.c.csv", "Patient.000", "op1") ==
          0);
    CHECK(f2c_cdm_partition_is_of("partition-data-Patient.000-op1.csv.tmp-1", "Patient.000",
                                  "op1") == 0);

    /* Length limit: the longer (slot 1) name must fit in 255 bytes, escapes counted. */
    char stem[256];
    memset(stem, 'a', sizeof stem);
    /* 227 + "partition-data-" + "-" + "op" + ".b.parquet" = 255: the longest format counts */
    stem[255 - 15 - 1 - 2 - 10] = '\0';
    CHECK(f2c_cdm_partition_name_fits(stem, "op") == 1);
    CHECK(f2c_cdm_partition_name_fits(stem, "opx") == 0);
    memset(stem, '-', 80);
    stem[80] = '\0'; /* 240 bytes once escaped */
    CHECK(f2c_cdm_partition_name_fits(stem, "op") == 0);
    f2c_buf_free(&b);
}

static void test_record_parse(void)
{
    f2c_cdm_record r;
    f2c_error err;
    static const char committed[] =
        "{\"annotations\":[{\"name\":\"other\",\"value\":\"x\"},{\"name\":\"fhir2cdm:commit\","
        "\"value\":\"1\"}],\"entities\":[{\"name\":\"LocalA\",\"partitions\":[{\"location\":"
        "\"data/LocalA/p1.csv\"},{\"location\":\"data/LocalA/p2.csv\"}]},{\"name\":\"LocalB\"},"
        "{\"name\":\"LocalC\",\"partitions\":[{\"location\":\"data/LocalC/p.csv\"}]}]}";
    CHECK(f2c_cdm_record_parse(committed, sizeof committed - 1, &r, &err) == F2C_OK);
    CHECK(r.committed == 1 && r.count == 3);
    if (r.count == 3) {
        CHECK_STR_EQ(r.locations[0], "data/LocalA/p1.csv");
        CHECK_STR_EQ(r.locations[1], "data/LocalA/p2.csv");
        CHECK_STR_EQ(r.locations[2], "data/LocalC/p.csv");
    }
    f2c_cdm_record_free(&r);
    static const char legacy[] = "{\"entities\":[{\"name\":\"LocalA\",\"partitions\":[{"
                                 "\"location\":\"data/LocalA/p1.csv\"}]}]}";
    CHECK(f2c_cdm_record_parse(legacy, sizeof legacy - 1, &r, &err) == F2C_OK);
    CHECK(r.committed == 0 && r.count == 1);
    f2c_cdm_record_free(&r);
    CHECK(f2c_cdm_record_parse("not json", 8, &r, &err) == F2C_EJSON);
    CHECK(f2c_cdm_record_parse("{\"name\":\"m\"}", 12, &r, &err) == F2C_EJSON);
}

/* The golden: a legacy folder migrated (nothing staged), then committed reruns. */
static void test_publish_legacy(const char *out, const char *golden)
{
    lay_out_folder(out);
    f2c_diags diags = {0};
    capture cap;
    f2c_commit *tx = begin(out);
    if (!tx) return;
    CHECK(publish(tx, NULL, 0, "op9", &diags, capture_start(&cap)) == F2C_OK);
    const char *log = capture_end(&cap);

    /* Exactly the three files with a wrong first record are reported, in file-name order. */
    CHECK(diags.count == 3);
    static const char *const bad[] = {"partition-data-Patient.000-empty.csv",
                                      "partition-data-Patient.000-lf.csv",
                                      "partition-data-Patient.000-old.csv"};
    for (size_t i = 0; i < diags.count && i < 3; i++) {
        CHECK(diags.items[i].status == F2C_ECONFIG);
        CHECK(ends_with(diags.items[i].file, bad[i]));
        CHECK(strstr(diags.items[i].message, "LocalPatient") != NULL);
        if (!ends_with(diags.items[i].file, bad[i]))
            fprintf(stderr, "diag %zu: %s: %s\n", i, diags.items[i].file, diags.items[i].message);
    }
    if (diags.count == 3) {
        /* The file's bytes are never echoed (they may not be ours): the message names the
         * record expected and the byte where the file first differs from it, or its end. */
        f2c_buf h = {0};
        CHECK(f2c_cdm_header_record(&h, &tables[0]) == 0);
        char at[64];
        snprintf(at, sizeof at, "the file differs from byte %zu", h.len + 1);
        CHECK(strstr(diags.items[1].message, at) != NULL); /* LF where CRLF belongs */
        CHECK(strstr(diags.items[2].message, "the file differs from byte 18") != NULL);
        CHECK(strstr(diags.items[2].message, "p1,female") == NULL);
        CHECK(strstr(diags.items[0].message, "the file ends after 0 bytes") != NULL);
        f2c_buf_free(&h);
    }
    /* Files that are not partitions are said to be not listed (and left alone). */
    CHECK(strstr(log, "data/LocalPatient/notes.txt: not listed in model.json") != NULL);
    CHECK(strstr(log, "partition-data-Patient.002-op1.csv.tmp-123: not listed") != NULL);
    if (!strstr(log, "notes.txt")) fprintf(stderr, "--- publish log ---\n%s\n", log);
    CHECK(exists(out, "data/LocalPatient/notes.txt"));
    free(cap.text);

    char *model = join(out, "model.json");
    CHECK(same_as_golden(model, golden));
    CHECK(leftovers(out) == 0);

    /* A second publish (the record is now committed) gives the same bytes; the files with a
     * wrong header are no longer listed, so no longer checked or reported as diagnostics. */
    f2c_buf first = {0}, second = {0};
    CHECK(f2c_test_read_file(model, &first) == 0);
    f2c_diags diags2 = {0};
    tx = begin(out);
    if (tx) CHECK(publish(tx, NULL, 0, "op9", &diags2, NULL) == F2C_OK);
    CHECK(diags2.count == 0);
    CHECK(f2c_test_read_file(model, &second) == 0);
    CHECK(first.data && second.data && first.len == second.len &&
          memcmp(first.data, second.data, first.len) == 0);
    CHECK(leftovers(out) == 0);

    /* The same bytes as f2c_cdm_model_json for the record's list (the Batch finalize path). */
    f2c_cdm_record rec;
    f2c_error err;
    f2c_buf text = {0};
    CHECK(f2c_cdm_record_parse(first.data, first.len, &rec, &err) == F2C_OK);
    CHECK(rec.committed == 1 && rec.count == 4);
    CHECK(f2c_cdm_model_json("fhir2cdm", &tableset, MODIFIED_TIME,
                             (const char *const *)rec.locations, rec.count, &text, &err) == F2C_OK);
    CHECK(text.len == first.len && memcmp(text.data, first.data, first.len) == 0);
    f2c_cdm_record_free(&rec);
    f2c_buf_free(&text);

    /* modifiedTime reads back; appended to what the buffer holds. */
    f2c_buf mt = {0};
    CHECK(f2c_buf_appends(&mt, "x") == 0);
    CHECK(f2c_cdm_read_modified_time(out, &mt) == 1);
    CHECK_STR_EQ(mt.data, "x" MODIFIED_TIME);

    f2c_buf_free(&mt);
    f2c_buf_free(&first);
    f2c_buf_free(&second);
    f2c_diags_free(&diags);
    f2c_diags_free(&diags2);
    free(model);
}

#define P "data/LocalPatient/partition-data-"
#define N "data/LocalPatientName/partition-data-"

/* Reruns through staged files, on the folder test_publish_legacy left. */
static void test_publish_reruns(const char *out)
{
    const char *stems[] = {"Patient.000"};
    f2c_diags diags = {0};
    f2c_buf staged = {0}, onslot = {0};
    f2c_commit *tx;
    char *slot0 = join(out, P "Patient.000-op1.csv");
    char *slot1 = join(out, P "Patient.000-op1.b.csv");

    /* A rerun of (Patient.000, op1) with other rows, only for LocalPatient: its partition goes to
     * the slot not listed (.b), the listed slot 0 is removed, and LocalPatientName's partition of
     * the same pair is removed too (the rerun gave that table no rows). */
    if (!(tx = begin(out))) return;
    stage(tx, &tables[0], "Patient.000", "op1", p_rows_c, 1);
    const char *const *paths;
    CHECK(f2c_commit_staged(tx, &paths) == 1);
    int sfd = f2c_commit_open_staged(tx, paths[0]);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        char chunk[4096];
        ssize_t n;
        while ((n = read(sfd, chunk, sizeof chunk)) > 0)
            if (f2c_buf_append(&staged, chunk, (size_t)n) != 0) abort();
        close(sfd);
    }
    CHECK(publish(tx, stems, 1, "op1", &diags, NULL) == F2C_OK);
    CHECK_STR_EQ(listed_now(out),
                 P "Patient.000-op0.csv\n" P "Patient.000-op1.b.csv\n" P "Patient.001-op2.csv\n");
    CHECK(access(slot0, F_OK) != 0 && errno == ENOENT);
    CHECK(!exists(out, N "Patient.000-op1.csv"));
    CHECK(f2c_test_read_file(slot1, &onslot) == 0 && staged.data && onslot.len == staged.len &&
          memcmp(onslot.data, staged.data, staged.len) == 0);
    CHECK(leftovers(out) == 0);
    CHECK(diags.count == 0);

    /* The same rows again: the listed file stays as it is (same name, same inode). */
    struct stat before, after;
    CHECK(stat(slot1, &before) == 0);
    if (!(tx = begin(out))) return;
    stage(tx, &tables[0], "Patient.000", "op1", p_rows_c, 1);
    CHECK(publish(tx, stems, 1, "op1", &diags, NULL) == F2C_OK);
    CHECK_STR_EQ(listed_now(out),
                 P "Patient.000-op0.csv\n" P "Patient.000-op1.b.csv\n" P "Patient.001-op2.csv\n");
    CHECK(stat(slot1, &after) == 0 && after.st_ino == before.st_ino);
    CHECK(access(slot0, F_OK) != 0);
    CHECK(leftovers(out) == 0);

    /* Changed rows again: back to slot 0, .b removed. */
    if (!(tx = begin(out))) return;
    stage(tx, &tables[0], "Patient.000", "op1", p_rows_a, 2);
    stage(tx, &tables[1], "Patient.000", "op1", NULL, 0);
    CHECK(publish(tx, stems, 1, "op1", &diags, NULL) == F2C_OK);
    CHECK_STR_EQ(listed_now(out), P "Patient.000-op0.csv\n" P "Patient.000-op1.csv\n" P
                                    "Patient.001-op2.csv\n" N "Patient.000-op1.csv\n");
    CHECK(access(slot1, F_OK) != 0);
    CHECK(leftovers(out) == 0);

    /* A new operation id adds, nothing else changes. */
    if (!(tx = begin(out))) return;
    stage(tx, &tables[0], "Patient-2024", "jan", p_rows_b, 1);
    const char *stems2[] = {"Patient-2024"};
    CHECK(publish(tx, stems2, 1, "jan", &diags, NULL) == F2C_OK);
    CHECK_STR_EQ(listed_now(out),
                 P "Patient%2D2024-jan.csv\n" P "Patient.000-op0.csv\n" P "Patient.000-op1.csv\n" P
                   "Patient.001-op2.csv\n" N "Patient.000-op1.csv\n");

    /* Abort: nothing published, the staging folder removed. */
    f2c_buf m1 = {0}, m2 = {0};
    char *model = join(out, "model.json");
    CHECK(f2c_test_read_file(model, &m1) == 0);
    if (!(tx = begin(out))) return;
    stage(tx, &tables[0], "Patient.000", "op1", p_rows_c, 1);
    f2c_commit_abort(tx);
    CHECK(f2c_test_read_file(model, &m2) == 0 && m1.len == m2.len &&
          memcmp(m1.data, m2.data, m1.len) == 0);
    CHECK(exists(out, P "Patient.000-op1.csv") && !exists(out, P "Patient.000-op1.b.csv"));
    CHECK(leftovers(out) == 0);
    CHECK(diags.count == 0);

    f2c_buf_free(&m1);
    f2c_buf_free(&m2);
    f2c_buf_free(&staged);
    f2c_buf_free(&onslot);
    f2c_diags_free(&diags);
    free(model);
    free(slot0);
    free(slot1);
}

/* A partition-named file planted in data/<entity>/ of a committed folder is never adopted. */
static void test_planted(const char *out)
{
    char *pat = join(out, "data/LocalPatient");
    write_with_header(pat, "partition-data-Patient.009-op9.csv", &tables[0], "\r\np9,,,,,,\r\n");
    write_with_header(pat, "partition-data-Patient.000-op1.b.csv", &tables[0], "\r\n");
    f2c_diags diags = {0};
    capture cap;
    f2c_commit *tx = begin(out);
    if (!tx) return;
    CHECK(publish(tx, NULL, 0, "op9", &diags, capture_start(&cap)) == F2C_OK);
    const char *log = capture_end(&cap);
    CHECK_STR_EQ(listed_now(out),
                 P "Patient%2D2024-jan.csv\n" P "Patient.000-op0.csv\n" P "Patient.000-op1.csv\n" P
                   "Patient.001-op2.csv\n" N "Patient.000-op1.csv\n");
    CHECK(strstr(log, P "Patient.009-op9.csv: not listed in model.json") != NULL);
    CHECK(strstr(log, P "Patient.000-op1.b.csv: not listed in model.json") != NULL);
    CHECK(exists(out, P "Patient.009-op9.csv") && exists(out, P "Patient.000-op1.b.csv"));
    CHECK(diags.count == 0);
    if (!strstr(log, "Patient.009-op9.csv")) fprintf(stderr, "--- publish log ---\n%s\n", log);
    free(cap.text);

    /* A run whose partition would go where the planted file is refuses: the file is not ours
     * to replace (nothing listed it), so it stays as it was and nothing is published. */
    const char *stems[] = {"Patient.009"};
    char *before = listed(out);
    tx = begin(out);
    if (!tx) return;
    stage(tx, &tables[0], "Patient.009", "op9", p_rows_c, 1);
    f2c_error perr;
    f2c_error_clear(&perr);
    CHECK(f2c_cdm_publish(tx, "fhir2cdm", &tableset, &csv_sink, 0, 0, MODIFIED_TIME, stems, 1,
                          "op9", NULL, &diags, NULL, &perr) == F2C_EIO);
    CHECK(strstr(perr.file, P "Patient.009-op9.csv") != NULL &&
          strstr(perr.message, "does not list") != NULL);
    char *l = listed(out);
    CHECK(before && l && strcmp(before, l) == 0);
    free(before);
    free(l);
    f2c_buf got = {0}, want = {0};
    char *p9 = join(out, P "Patient.009-op9.csv");
    if (f2c_cdm_header_record(&want, &tables[0]) != 0 ||
        f2c_buf_appends(&want, "\r\np9,,,,,,\r\n") != 0)
        abort();
    CHECK(f2c_test_read_file(p9, &got) == 0 && got.len == want.len &&
          !memcmp(got.data, want.data, want.len));
    CHECK(!exists(out, P "Patient.009-op9.b.csv"));
    f2c_buf_free(&got);
    f2c_buf_free(&want);
    free(p9);
    f2c_diags_free(&diags);
    free(pat);
}

static void check_modified_time(const char *dir, const char *content, int expected,
                                const char *value)
{
    if (content) write_bytes(dir, "model.json", content, strlen(content));
    f2c_buf mt = {0};
    int r = f2c_cdm_read_modified_time(dir, &mt);
    CHECK(r == expected, "read_modified_time(%s): expected %d, got %d",
          content ? content : "(no file)", expected, r);
    if (value) CHECK_STR_EQ(mt.data, value);
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
    f2c_commit *tx = NULL;

    /* The output folder cannot be created: under a regular file. */
    write_bytes(dir, "file", "x", 1);
    char *under = join(dir, "file/out");
    f2c_error_clear(&err);
    CHECK(f2c_commit_begin(under, NULL, &tx, &err) == F2C_EIO);
    CHECK(err.status == F2C_EIO);
    free(under);

    /* data/<entity> is a file, not a folder: refused before the journal, nothing published. */
    char *out = join(dir, "out");
    make_dir(out);
    char *data = join(out, "data");
    make_dir(data);
    write_bytes(data, "LocalPatient", "x", 1);
    if ((tx = begin(out)) != NULL) {
        stage(tx, &tables[0], "Patient.000", "op1", p_rows_a, 2);
        expect_failure = 1;
        CHECK(publish(tx, NULL, 0, "op1", &diags, NULL) == F2C_EIO);
        expect_failure = 0;
    }
    CHECK(!exists(out, "model.json"));
    CHECK(leftovers(out) == 0);
    struct stat sb;
    char *lp = join(data, "LocalPatient");
    CHECK(lstat(lp, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 1);
    free(lp);

    /* model.json is a symbolic link: refused, its target unchanged. */
    char *out2 = join(dir, "out2");
    make_dir(out2);
    write_bytes(dir, "victim.json", "{\"entities\":[]}", 15);
    char *victim = join(dir, "victim.json"), *mj = join(out2, "model.json");
    CHECK(symlink(victim, mj) == 0);
    if ((tx = begin(out2)) != NULL) {
        stage(tx, &tables[0], "Patient.000", "op1", p_rows_a, 2);
        expect_failure = 1;
        CHECK(publish(tx, NULL, 0, "op1", &diags, NULL) == F2C_EIO);
        expect_failure = 0;
    }
    f2c_buf v = {0};
    CHECK(f2c_test_read_file(victim, &v) == 0 && v.len == 15 &&
          memcmp(v.data, "{\"entities\":[]}", 15) == 0);
    CHECK(lstat(mj, &sb) == 0 && S_ISLNK(sb.st_mode));
    CHECK(!exists(out2, "data"));
    CHECK(leftovers(out2) == 0);
    f2c_buf_free(&v);

    /* One writer at a time: a second begin while the first holds the lock is F2C_EBUSY and
     * names the holder's pid; after the first ends, begin works again. */
    char *out3 = join(dir, "out3");
    f2c_commit *first = begin(out3), *second = NULL;
    f2c_error_clear(&err);
    CHECK(f2c_commit_begin(out3, NULL, &second, &err) == F2C_EBUSY);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    CHECK(strstr(err.message, pid) != NULL);
    if (!strstr(err.message, pid)) fprintf(stderr, "EBUSY message: %s\n", err.message);
    f2c_commit_abort(first);
    second = begin(out3);
    f2c_commit_abort(second);
    /* An output folder begin created is removed again by abort when nothing else is in it. */
    CHECK(access(out3, F_OK) != 0);

    free(out3);
    free(victim);
    free(mj);
    free(out2);
    free(data);
    free(out);
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
    f2c_sink_options so = {.format = "csv"};
    f2c_error serr;
    if (f2c_sink_new(&so, &csv_sink, &serr) != F2C_OK) {
        fprintf(stderr, "cannot make the CSV sink: %s\n", serr.message);
        return 2;
    }

    test_helpers();
    test_record_parse();
    test_publish_legacy(out, argv[1]);
    test_publish_reruns(out);
    test_planted(out);
    test_read_modified_time(other);
    test_errors(errs);

    if (f2c_check_failures)
        fprintf(stderr, "test_cdm: folders kept in %s\n", root.data);
    else
        f2c_test_remove_tree(root.data);
    free(out);
    free(other);
    free(errs);
    f2c_buf_free(&root);
    f2c_sink_free(&csv_sink);
    return f2c_check_report("test_cdm");
}
