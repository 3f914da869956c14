/*
 * batch.model_list: f2c_cdm_documents (a CDM folder's metadata documents from a partition list,
 * used by the Batch finalize and the blob export, tx_publish.c) gives exactly the files a local
 * folder's commit writes (f2c_commit_begin, partitions written by the format's sink, then
 * f2c_cdm_publish) when the folder's record lists the same partitions -- whatever the list's
 * order, with partitions in both slots (a rerun of an operation id writes the replacement slot)
 * and stems that need escaping -- and ignores entries that are not partitions of an entity's own
 * folder.  For both formats: CSV (one document, model.json, equal to f2c_cdm_model_json's bytes)
 * and Parquet (the <Entity>.cdm.json entity documents, then the manifest model.manifest.cdm.json
 * LAST: the commit record, uploaded last).  The local record also parses back
 * (f2c_cdm_record_parse) to exactly those locations, with the commit marker and its format.
 * Why: a Batch run and a local run over the same data must give the same documents, byte for
 * byte, and the record is the folder's commit record in both.  No network: runs everywhere.
 *
 * Usage: model_list_test CONFIG_DIR PARENT_DIR   (works in a fresh PARENT_DIR/model-list-XXXXXX,
 * removed at the end)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_check.h"

#define MTIME "2024-05-01T12:00:00Z"

/* Writes one partition of table t as dir/name through sink s: the header and, when row is not
 * NULL, one row whose first cell is row (the others empty).  Returns 0, or -1 after counting the
 * failure. */
static int write_partition(const f2c_sink *s, f2c_commit *tx, const char *dir, const char *name,
                           const f2c_table *t, const char *row)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_sink_part *p = NULL;
    if (!CHECK_STATUS(f2c_sink_open(s, tx, dir, name, t, NULL, NULL, &p, &e), F2C_OK, e)) return -1;
    size_t w = f2c_table_width(t);
    const char **cells = calloc(w, sizeof *cells);
    size_t *lens = calloc(w, sizeof *lens);
    f2c_status st = cells && lens ? f2c_sink_header(p, &e) : F2C_ENOMEM;
    if (st == F2C_OK && row) {
        for (size_t i = 0; i < w; i++)
            cells[i] = "";
        cells[0] = row;
        lens[0] = strlen(row);
        st = f2c_sink_row(p, w, cells, lens, &e);
    }
    free(cells);
    free(lens);
    if (st != F2C_OK) {
        f2c_sink_abort(p);
        CHECK_FAIL("writing %s/%s: %s", dir, name, e.message);
        return -1;
    }
    return CHECK_STATUS(f2c_sink_finish(p, &e), F2C_OK, e) ? 0 : -1;
}

/*
 * One local run through the commit protocol in the format of sink s: stages, for the first two
 * tables of ts, a partition of (stem, opid) (the header, and a row `row` unless NULL), and
 * publishes with f2c_cdm_publish.  Returns 0, or -1 after counting the failure.
 */
static int local_run(const char *cdm, const f2c_tableset *ts, const f2c_sink *s, const char *stem,
                     const char *opid, const char *row)
{
    f2c_commit *tx = NULL;
    f2c_error e;
    f2c_error_clear(&e);
    if (!CHECK_STATUS(f2c_commit_begin(cdm, NULL, &tx, &e), F2C_OK, e)) return -1;
    f2c_buf dir = {0}, name = {0};
    int rc = 0;
    for (size_t t = 0; t < 2 && rc == 0; t++) {
        f2c_buf_reset(&dir);
        f2c_buf_reset(&name);
        if (f2c_buf_printf(&dir, "data/%s", ts->tables[t].entity) != 0 ||
            f2c_cdm_partition_name(&name, stem, opid, 0, f2c_sink_extension(s)) != 0) {
            rc = -1;
            CHECK_FAIL("out of memory");
        } else
            rc = write_partition(s, tx, dir.data, name.data, &ts->tables[t], row);
    }
    f2c_buf_free(&dir);
    f2c_buf_free(&name);
    if (rc != 0) {
        f2c_commit_abort(tx);
        return -1;
    }
    f2c_diags d = {0};
    const char *stems[1] = {stem};
    if (!CHECK_STATUS(
            f2c_cdm_publish(tx, "fhir2cdm", ts, s, 0, 0, MTIME, stems, 1, opid, NULL, &d, NULL, &e),
            F2C_OK, e) ||
        !CHECK(d.count == 0, "f2c_cdm_publish reported diagnostics: %s",
               d.count ? d.items[0].message : ""))
        rc = -1;
    f2c_diags_free(&d);
    return rc;
}

/* Appends "data/<entity of table t>/<name of (stem, opid, slot)>" with extension ext to *list
 * (owned strings). */
static void expect_location(char **list, size_t *n, const f2c_tableset *ts, size_t t,
                            const char *stem, const char *opid, int slot, const char *ext)
{
    f2c_buf b = {0};
    if (f2c_buf_printf(&b, "data/%s/", ts->tables[t].entity) != 0 ||
        f2c_cdm_partition_name(&b, stem, opid, slot, ext) != 0) {
        CHECK_FAIL("out of memory");
        f2c_buf_free(&b);
        return;
    }
    list[(*n)++] = b.data;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks that the local record in cdm lists exactly expected[0..nexp) as a commit record of
 * format fmt. */
static void check_record(const char *cdm, const char *fmt, char **expected, size_t nexp)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_buf path = {0};
    size_t len = 0;
    f2c_buf_printf(&path, "%s/%s", cdm, f2c_cdm_record_name(fmt));
    char *disk = f2c_fs_read(path.data, 0, &len);
    f2c_cdm_record rec = {0};
    if (CHECK(disk != NULL, "cannot read %s", path.data) &&
        CHECK_STATUS(f2c_cdm_record_parse(disk, len, &rec, &e), F2C_OK, e)) {
        int same = rec.committed && rec.count == nexp && rec.format && !strcmp(rec.format, fmt);
        if (same) {
            qsort(rec.locations, rec.count, sizeof *rec.locations, cmp_str);
            qsort(expected, nexp, sizeof *expected, cmp_str);
            for (size_t i = 0; i < nexp && same; i++)
                same = strcmp(rec.locations[i], expected[i]) == 0;
        }
        if (!CHECK(same,
                   "%s: the record lists %zu locations (committed %d, format %s), expected %zu:",
                   fmt, rec.count, rec.committed, rec.format ? rec.format : "-", nexp)) {
            for (size_t i = 0; i < rec.count; i++)
                fprintf(stderr, "  %s\n", rec.locations[i]);
        }
    }
    f2c_cdm_record_free(&rec);
    free(disk);
    f2c_buf_free(&path);
}

/* Every document of docs equals the file of its name in cdm; the last one is fmt's record.
 * Returns the bytes compared. */
static size_t check_documents(const char *cdm, const char *fmt, const f2c_cdm_docs *docs)
{
    size_t bytes = 0;
    CHECK(docs->count > 0 &&
              strcmp(docs->items[docs->count - 1].name, f2c_cdm_record_name(fmt)) == 0,
          "%s: the last document is the record %s", fmt, f2c_cdm_record_name(fmt));
    for (size_t i = 0; i < docs->count; i++) {
        const f2c_cdm_doc *d = &docs->items[i];
        f2c_buf path = {0};
        size_t len = 0;
        f2c_buf_printf(&path, "%s/%s", cdm, d->name);
        char *disk = f2c_fs_read(path.data, 0, &len);
        CHECK(disk && len == d->text.len && memcmp(disk, d->text.data, len) == 0,
              "%s: %s differs: local commit %zu bytes, from the list %zu bytes", fmt, d->name,
              disk ? len : 0, d->text.len);
        bytes += d->text.len;
        free(disk);
        f2c_buf_free(&path);
    }
    return bytes;
}

/* The whole check for one format, in folder cdm. */
static void check_format(const char *cdm, const f2c_tableset *ts, const char *fmt)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_sink sink;
    f2c_sink_options so = {.format = fmt};
    if (!CHECK_STATUS(f2c_sink_new(&so, &sink, &e), F2C_OK, e)) return;
    const char *ext = f2c_sink_extension(&sink);
    /* Four committed runs: op-b, op-a, a stem that needs escaping, and op-b again with a row
     * (a rerun: its partitions go to the replacement slot and replace the first ones). */
    static const char *const odd = "Patient-2024 x%";
    if (local_run(cdm, ts, &sink, "File", "op-b", NULL) == 0 &&
        local_run(cdm, ts, &sink, "File", "op-a", NULL) == 0 &&
        local_run(cdm, ts, &sink, odd, "op-a", NULL) == 0)
        local_run(cdm, ts, &sink, "File", "op-b", "x");
    f2c_sink_free(&sink);

    char *expected[16];
    size_t nexp = 0;
    for (size_t t = 0; t < 2; t++) {
        expect_location(expected, &nexp, ts, t, "File", "op-a", 0, ext);
        expect_location(expected, &nexp, ts, t, "File", "op-b", 1, ext);
        expect_location(expected, &nexp, ts, t, odd, "op-a", 0, ext);
    }
    /* The list the documents are made from: the expected locations and entries that are not
     * partitions of an entity's own folder, reversed so the function's own sorting matters. */
    const char *given[32];
    size_t ngiven = 0;
    char *noise[8];
    size_t nnoise = 0;
    static const char *const noise_fmt[] = {
        "model.json", "other/partition-data-x-op%s", "data/LocalNoSuchEntity/partition-data-x-op%s",
        "data/%s/sub/partition-data-x-op%s", "data/%s/notes.txt"};
    for (size_t i = 0; i < sizeof noise_fmt / sizeof noise_fmt[0]; i++) {
        f2c_buf b = {0};
        if (strstr(noise_fmt[i], "data/%s"))
            f2c_buf_printf(&b, noise_fmt[i], ts->tables[0].entity, ext);
        else
            f2c_buf_printf(&b, noise_fmt[i], ext);
        noise[nnoise++] = b.data;
    }
    for (size_t i = 0; i < nexp; i++)
        given[ngiven++] = expected[i];
    for (size_t i = 0; i < nnoise; i++)
        given[ngiven++] = noise[i];
    for (size_t i = 0; i < ngiven / 2; i++) {
        const char *x = given[i];
        given[i] = given[ngiven - 1 - i];
        given[ngiven - 1 - i] = x;
    }
    f2c_cdm_docs docs = {0};
    size_t bytes = 0;
    if (CHECK_STATUS(f2c_cdm_documents(fmt, 0, 0, "fhir2cdm", ts, MTIME, given, ngiven, &docs, &e),
                     F2C_OK, e))
        bytes = check_documents(cdm, fmt, &docs);
    if (!strcmp(fmt, "csv")) {
        /* CSV: the one document is f2c_cdm_model_json's text. */
        f2c_buf listed = {0};
        CHECK_STATUS(f2c_cdm_model_json("fhir2cdm", ts, MTIME, given, ngiven, &listed, &e), F2C_OK,
                     e);
        CHECK(docs.count == 1 && listed.len == docs.items[0].text.len &&
                  memcmp(listed.data, docs.items[0].text.data, listed.len) == 0,
              "csv: f2c_cdm_documents is f2c_cdm_model_json's model.json");
        CHECK(strstr(listed.data ? listed.data : "", "fhir2cdm:commit") != NULL,
              "no commit annotation");
        f2c_buf_free(&listed);
    } else {
        CHECK(docs.count == ts->count + 1,
              "parquet: %zu documents, expected %zu entity documents "
              "and the manifest",
              docs.count, ts->count + 1);
    }
    check_record(cdm, fmt, expected, nexp);
    printf("%s: %zu documents, %zu bytes, %zu list entries, %zu partitions\n", fmt, docs.count,
           bytes, ngiven, nexp);
    f2c_cdm_docs_free(&docs);
    for (size_t i = 0; i < nexp; i++)
        free(expected[i]);
    for (size_t i = 0; i < nnoise; i++)
        free(noise[i]);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: model_list_test CONFIG_DIR WORK_DIR\n");
        return 2;
    }
    f2c_tableset ts = {0};
    f2c_diags diags = {0};
    if (f2c_tablecfg_load(argv[1], 3, &ts, &diags) != F2C_OK || ts.count < 2) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    char work[4096], cdm[4200];
    snprintf(work, sizeof work, "%s/model-list-XXXXXX", argv[2]);
    if (!mkdtemp(work)) {
        fprintf(stderr, "cannot create a folder in %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    static const char *const formats[] = {"csv", "parquet"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(cdm, sizeof cdm, "%s/cdm-%s", work, formats[i]);
        check_format(cdm, &ts, formats[i]);
    }
    if (f2c_fs_remove_tree(work) != 0) fprintf(stderr, "warning: could not remove %s\n", work);
    f2c_diags_free(&diags);
    f2c_tableset_free(&ts);
    return f2c_check_report("batch.model_list");
}
