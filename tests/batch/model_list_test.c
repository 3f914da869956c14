/*
 * batch.model_list: f2c_cdm_model_json (model.json from a partition list, used by the Batch
 * finalize and the blob export, tx_publish.c) gives exactly the bytes a local folder's commit
 * writes (f2c_commit_begin / f2c_commit_stage / f2c_commit_close + f2c_cdm_publish) when the
 * folder's record lists the same partitions -- whatever the list's order, with partitions in
 * both slots (a rerun of an operation id writes the replacement slot) and stems that need
 * escaping -- and ignores entries that are not partitions of an entity's own folder.  The local
 * record also parses back (f2c_cdm_record_parse) to exactly those locations, with the commit
 * annotation.  Why: a Batch run and a local run over the same data must give the same model.json,
 * byte for byte, and both are the folder's commit record.  No network: runs everywhere.
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
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_check.h"

#define MTIME "2024-05-01T12:00:00Z"

/*
 * One local run through the commit protocol: stages, for the first two tables of ts, a partition
 * of (stem, opid) holding the table's header record and then `rows` (CSV records, may be ""), and
 * publishes with f2c_cdm_publish.
 * Returns 0, or -1 after counting the failure.
 */
static int local_run(const char *cdm, const f2c_tableset *ts, const char *stem, const char *opid,
                     const char *rows)
{
    f2c_commit *tx = NULL;
    f2c_error e;
    f2c_error_clear(&e);
    if (!CHECK_STATUS(f2c_commit_begin(cdm, NULL, &tx, &e), F2C_OK, e)) return -1;
    f2c_buf dir = {0}, name = {0}, header = {0};
    int rc = 0;
    for (size_t t = 0; t < 2 && rc == 0; t++) {
        f2c_buf_reset(&dir);
        f2c_buf_reset(&name);
        f2c_buf_reset(&header);
        int fd = -1;
        if (f2c_buf_printf(&dir, "data/%s", ts->tables[t].entity) != 0 ||
            f2c_cdm_partition_name(&name, stem, opid, 0, ".csv") != 0 ||
            f2c_cdm_header_record(&header, &ts->tables[t]) != 0 ||
            f2c_buf_appends(&header, "\r\n") != 0 || f2c_buf_appends(&header, rows) != 0) {
            rc = -1;
            CHECK_FAIL("out of memory");
        } else if (!CHECK_STATUS(f2c_commit_stage(tx, dir.data, name.data, &fd, &e), F2C_OK, e)) {
            rc = -1;
        } else if (f2c_fs_write_all(fd, header.data, header.len) != 0) {
            rc = -1;
            CHECK_FAIL("writing a staged file: %s", strerror(errno));
            f2c_commit_discard(tx, dir.data, name.data, fd);
        } else if (!CHECK_STATUS(f2c_commit_close(tx, dir.data, name.data, fd, &e), F2C_OK, e)) {
            rc = -1;
        }
    }
    f2c_buf_free(&dir);
    f2c_buf_free(&name);
    f2c_buf_free(&header);
    if (rc != 0) {
        f2c_commit_abort(tx);
        return -1;
    }
    f2c_diags d = {0};
    const char *stems[1] = {stem};
    if (!CHECK_STATUS(f2c_cdm_publish(tx, "fhir2cdm", ts, MTIME, stems, 1, opid, &d, NULL, &e),
                      F2C_OK, e) ||
        !CHECK(d.count == 0, "f2c_cdm_publish reported diagnostics: %s",
               d.count ? d.items[0].message : ""))
        rc = -1;
    f2c_diags_free(&d);
    return rc;
}

/* Appends "data/<entity of table t>/<name of (stem, opid, slot)>" to *list (owned strings). */
static void expect_location(char **list, size_t *n, const f2c_tableset *ts, size_t t,
                            const char *stem, const char *opid, int slot)
{
    f2c_buf b = {0};
    if (f2c_buf_printf(&b, "data/%s/", ts->tables[t].entity) != 0 ||
        f2c_cdm_partition_name(&b, stem, opid, slot, ".csv") != 0) {
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
    snprintf(cdm, sizeof cdm, "%s/cdm", work);

    /* Four committed runs: op-b, op-a, a stem that needs escaping, and op-b again with other
     * rows (a rerun: its partitions go to the replacement slot and replace the first ones). */
    static const char *const odd = "Patient-2024 x%";
    if (local_run(cdm, &ts, "File", "op-b", "") == 0 &&
        local_run(cdm, &ts, "File", "op-a", "") == 0 && local_run(cdm, &ts, odd, "op-a", "") == 0)
        local_run(cdm, &ts, "File", "op-b", "\"x\"\r\n");

    char *expected[16];
    size_t nexp = 0;
    for (size_t t = 0; t < 2; t++) {
        expect_location(expected, &nexp, &ts, t, "File", "op-a", 0);
        expect_location(expected, &nexp, &ts, t, "File", "op-b", 1);
        expect_location(expected, &nexp, &ts, t, odd, "op-a", 0);
    }

    /* The list f2c_cdm_model_json gets: the expected locations and entries that are not
     * partitions of an entity's own folder, reversed so the function's own sorting matters. */
    const char *given[32];
    size_t ngiven = 0;
    char *noise[8];
    size_t nnoise = 0;
    static const char *const noise_fmt[] = {"model.json", "other/partition-data-x-op.csv",
                                            "data/LocalNoSuchEntity/partition-data-x-op.csv",
                                            "data/%s/sub/partition-data-x-op.csv",
                                            "data/%s/notes.txt"};
    for (size_t i = 0; i < sizeof noise_fmt / sizeof noise_fmt[0]; i++) {
        f2c_buf b = {0};
        f2c_buf_printf(&b, noise_fmt[i], ts.tables[0].entity);
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

    f2c_error e;
    f2c_error_clear(&e);
    f2c_buf listed = {0}, path = {0};
    size_t disk_len = 0;
    f2c_buf_printf(&path, "%s/model.json", cdm);
    char *disk = f2c_fs_read(path.data, 0, &disk_len);
    CHECK(disk != NULL, "cannot read the local model.json");
    CHECK_STATUS(f2c_cdm_model_json("fhir2cdm", &ts, MTIME, given, ngiven, &listed, &e), F2C_OK, e);
    CHECK(disk && disk_len != 0 && disk_len == listed.len &&
              memcmp(disk, listed.data, disk_len) == 0,
          "model.json differs: local commit %zu bytes, list %zu bytes", disk_len, listed.len);
    CHECK(strstr(listed.data ? listed.data : "", "fhir2cdm:commit") != NULL,
          "no commit annotation");

    /* The local record lists exactly the expected locations, as a commit record. */
    f2c_cdm_record rec = {0};
    if (disk && CHECK_STATUS(f2c_cdm_record_parse(disk, disk_len, &rec, &e), F2C_OK, e)) {
        int same = rec.committed && rec.count == nexp;
        if (same) {
            qsort(rec.locations, rec.count, sizeof *rec.locations, cmp_str);
            qsort(expected, nexp, sizeof *expected, cmp_str);
            for (size_t i = 0; i < nexp && same; i++)
                same = strcmp(rec.locations[i], expected[i]) == 0;
        }
        if (!CHECK(same, "the record lists %zu locations (committed %d), expected %zu:", rec.count,
                   rec.committed, nexp)) {
            for (size_t i = 0; i < rec.count; i++)
                fprintf(stderr, "  %s\n", rec.locations[i]);
        }
    }
    printf("%zu bytes, %zu list entries, %zu partitions\n", listed.len, ngiven, nexp);

    f2c_cdm_record_free(&rec);
    free(disk);
    for (size_t i = 0; i < nexp; i++)
        free(expected[i]);
    for (size_t i = 0; i < nnoise; i++)
        free(noise[i]);
    if (f2c_fs_remove_tree(work) != 0) fprintf(stderr, "warning: could not remove %s\n", work);
    f2c_buf_free(&listed);
    f2c_buf_free(&path);
    f2c_diags_free(&diags);
    f2c_tableset_free(&ts);
    return f2c_check_report("batch.model_list");
}
