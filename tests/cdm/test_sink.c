/*
 * test_sink: the row-sink interface (lib/include/fhir2cdm/f2c_sink.h) and its CSV sink
 * (lib/cdm/f2c_sink_csv.c), through a real transaction of the commit protocol (f2c_commit.h).
 *
 * Why it is shaped so: the sink's contract is about what becomes visible and when, so the test
 * looks at the folder, not at the sink's state: before the commit nothing is published; a
 * finished partition is published with exactly the expected bytes (header record, quoting, CRLF,
 * a cell larger than the writer's buffer, an empty row); an aborted one and one whose open failed
 * leave nothing, neither staged nor published; errors name the file; an unknown format is
 * refused.  Expected bytes are written out literally, never produced by the code under test.
 * Usage: test_sink <work folder>
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_sink_csv.h"
#include "fhir2cdm/f2c_table.h"

#include "f2c_check.h"
#include "f2c_testfs.h"

static f2c_column note_cols[] = {
    {.name = "id", .type = F2C_T_STRING},
    {.name = "note", .type = F2C_T_STRING},
    {.name = "n", .type = F2C_T_INTEGER},
};

/* A view table: no reserved columns, so the header is exactly the three names above. */
static const f2c_table notes = {.name = "Notes",
                                .entity = "LocalNotes",
                                .resource_type = "Patient",
                                .columns = note_cols,
                                .ncolumns = 3,
                                .view = 1};

#define PART_DIR "data/LocalNotes"
#define BIG (300u * 1024u) /* more than f2c_csv's 256 KiB buffer: written unbuffered */

/* ---- helpers ------------------------------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Writes one row of three cells given as NUL-terminated strings. */
static f2c_status row3(f2c_sink_part *p, const char *a, const char *b, const char *c)
{
    const char *cells[3] = {a, b, c};
    size_t lens[3] = {strlen(a), strlen(b), strlen(c)};
    f2c_error e;
    f2c_status st = f2c_sink_row(p, 3, cells, lens, &e);
    CHECK(st == F2C_OK, "row: %s", e.message);
    return st;
}

/* ---- the checks ---------------------------------------------------------------------------- */

static void check_find(void)
{
    f2c_sink s;
    f2c_error e;
    f2c_error_clear(&e);
    CHECK(f2c_sink_new(&(f2c_sink_options){.format = "csv"}, &s, &e) == F2C_OK && s.ops &&
              !strcmp(s.ops->format, "csv") && !strcmp(f2c_sink_extension(&s), ".csv"),
          "csv sink not found");
    f2c_sink_free(&s);
    CHECK(f2c_sink_new(&(f2c_sink_options){.format = "orc"}, &s, &e) == F2C_EUSAGE &&
              strstr(e.message, "\"orc\"") && strstr(e.message, "known: csv, parquet"),
          "unknown format: %s", e.message);
}

/* The big cell: BIG bytes of "ab\"" repeated, so it must be quoted with every quote doubled. */
static void big_cell(f2c_buf *cell, f2c_buf *quoted)
{
    f2c_buf_reset(cell);
    if (f2c_buf_appendc(quoted, '"') != 0) abort();
    for (size_t i = 0; i < BIG; i++) {
        char ch = "ab\""[i % 3];
        if (f2c_buf_appendc(cell, ch) != 0) abort();
        if ((ch == '"' && f2c_buf_appendc(quoted, '"') != 0) || f2c_buf_appendc(quoted, ch) != 0)
            abort();
    }
    if (f2c_buf_appendc(quoted, '"') != 0) abort();
}

/* The partition that is finished: returns the bytes it must have, in want. */
static void write_kept(const f2c_sink *s, f2c_commit *tx, f2c_buf *want)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_sink_part *p = NULL;
    CHECK(f2c_sink_open(s, tx, PART_DIR, "kept.csv", &notes, NULL, NULL, &p, &e) == F2C_OK && p,
          "open kept: %s", e.message);
    if (!p) return;
    CHECK(p->width == 3, "width %zu", p->width);
    CHECK(f2c_sink_header(p, &e) == F2C_OK, "header: %s", e.message);
    row3(p, "1", "plain", "7");
    row3(p, "2", "comma, \"quote\"\r\nline", "");
    row3(p, "", "", "");
    f2c_buf cell = {0}, quoted = {0};
    big_cell(&cell, &quoted);
    const char *cells[3] = {"3", cell.data, "-1"};
    size_t lens[3] = {1, cell.len, 2};
    CHECK(f2c_sink_row(p, 3, cells, lens, &e) == F2C_OK, "big row: %s", e.message);
    CHECK(f2c_sink_finish(p, &e) == F2C_OK, "finish: %s", e.message);
    f2c_buf_reset(want);
    if (f2c_buf_appends(want, "id,note,n\r\n"
                              "1,plain,7\r\n"
                              "2,\"comma, \"\"quote\"\"\r\nline\",\r\n"
                              ",,\r\n"
                              "3,") != 0 ||
        f2c_buf_append(want, quoted.data, quoted.len) != 0 || f2c_buf_appends(want, ",-1\r\n"))
        abort();
    f2c_buf_free(&cell);
    f2c_buf_free(&quoted);
}

/* Partitions that must leave nothing: aborted with rows, and a second open of a staged name. */
static void write_dropped(const f2c_sink *s, f2c_commit *tx)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_sink_part *p = NULL;
    CHECK(f2c_sink_open(s, tx, PART_DIR, "dropped.csv", &notes, NULL, NULL, &p, &e) == F2C_OK && p,
          "open dropped: %s", e.message);
    if (p) {
        CHECK(f2c_sink_header(p, &e) == F2C_OK, "header: %s", e.message);
        row3(p, "9", "never seen", "9");
        f2c_sink_abort(p);
    }
    f2c_sink_abort(NULL); /* allowed */
    static f2c_sink_part junk;
    f2c_sink_part *twice = &junk; /* must be reset to NULL */
    f2c_status st = f2c_sink_open(s, tx, PART_DIR, "kept.csv", &notes, NULL, NULL, &twice, &e);
    CHECK(st == F2C_EIO && twice == NULL, "staging kept.csv twice gave %s", f2c_status_name(st));
    CHECK(strstr(e.file, "kept.csv") || strstr(e.message, "kept.csv"),
          "error names no file: file \"%s\", message \"%s\"", e.file, e.message);
}

/* Before the commit: only the finished partition is staged, and the aborted one's file is gone
 * from the staging folder too (not merely left out of the commit). */
static void check_staged(f2c_commit *tx, const char *out)
{
    const char *const *paths;
    size_t n = f2c_commit_staged(tx, &paths);
    CHECK(n == 1 && !strcmp(paths[0], PART_DIR "/kept.csv"), "%zu staged files, first %s", n,
          n ? paths[0] : "-");
    f2c_buf ctl = {0}, dir = {0};
    if (f2c_buf_printf(&ctl, "%s/" F2C_COMMIT_DIR, out) != 0) abort();
    DIR *d = opendir(ctl.data);
    CHECK(d != NULL, "no control folder %s", ctl.data);
    struct dirent *de;
    size_t stages = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "stage-", 6) != 0) continue;
        stages++;
        f2c_buf_reset(&dir);
        if (f2c_buf_printf(&dir, "%s/%s/" PART_DIR, ctl.data, de->d_name) != 0) abort();
        f2c_buf file = {0};
        if (f2c_buf_printf(&file, "%s/dropped.csv", dir.data) != 0) abort();
        CHECK(!exists(file.data), "aborted partition still staged: %s", file.data);
        f2c_buf_reset(&file);
        if (f2c_buf_printf(&file, "%s/kept.csv", dir.data) != 0) abort();
        CHECK(exists(file.data), "finished partition not staged: %s", file.data);
        f2c_buf_free(&file);
    }
    if (d) closedir(d);
    CHECK(stages == 1, "%zu staging folders", stages);
    f2c_buf_free(&ctl);
    f2c_buf_free(&dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_sink WORK_FOLDER\n");
        return 2;
    }
    f2c_buf out = {0}, path = {0}, got = {0}, want = {0};
    if (f2c_buf_printf(&out, "%s/out", argv[1]) != 0) abort();
    f2c_test_remove_tree(out.data);
    mkdir(argv[1], 0777);
    check_find();

    f2c_commit *tx = NULL;
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_commit_begin(out.data, stderr, &tx, &e) != F2C_OK) {
        fprintf(stderr, "FAIL cannot begin: %s\n", e.message);
        return 1;
    }
    f2c_sink s;
    f2c_error se;
    if (f2c_sink_csv_new(NULL, &s, &se) != F2C_OK) abort();
    write_kept(&s, tx, &want);
    write_dropped(&s, tx);
    check_staged(tx, out.data);
    if (f2c_buf_printf(&path, "%s/" PART_DIR, out.data) != 0) abort();
    CHECK(!exists(path.data), "%s visible before the commit", path.data);

    const char record[] = "{}\n";
    CHECK(f2c_commit_finish(tx, "model.json", record, sizeof record - 1, NULL, NULL, 0, &e) ==
              F2C_OK,
          "commit: %s", e.message);
    f2c_buf_reset(&path);
    if (f2c_buf_printf(&path, "%s/" PART_DIR "/kept.csv", out.data) != 0) abort();
    CHECK(f2c_test_read_file(path.data, &got) == 0, "%s missing after the commit", path.data);
    size_t at = 0;
    while (at < got.len && at < want.len && got.data[at] == want.data[at])
        at++;
    CHECK(got.len == want.len && at == want.len,
          "%s: %zu bytes, expected %zu (first difference at byte %zu)", path.data, got.len,
          want.len, at);
    f2c_buf_reset(&path);
    if (f2c_buf_printf(&path, "%s/" PART_DIR "/dropped.csv", out.data) != 0) abort();
    CHECK(!exists(path.data), "aborted partition %s published", path.data);

    f2c_buf_free(&out);
    f2c_buf_free(&path);
    f2c_buf_free(&got);
    f2c_buf_free(&want);
    return f2c_check_report("sink");
}
