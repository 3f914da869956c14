/*
 * batch.model_list: f2c_cdm_model_json (model.json from a partition list, used by the Batch
 * finalize) gives exactly the bytes f2c_cdm_write_model (folder scan, used by a local run) writes
 * for a folder holding the same partitions, whatever the list's order, and ignores entries that
 * are not partitions of an entity's own folder.  No network: runs everywhere.
 *
 * Usage: model_list_test CONFIG_DIR PARENT_DIR   (works in a fresh PARENT_DIR/model-list-XXXXXX,
 * removed at the end)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_tablecfg.h"

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return -1;
    int bad = fwrite(data, 1, len, fp) != len;
    return fclose(fp) != 0 || bad ? -1 : 0;
}

static int read_all(const char *path, f2c_buf *out)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (f2c_buf_append(out, chunk, n) != 0) break;
    int bad = ferror(fp);
    fclose(fp);
    return bad ? -1 : 0;
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
    char work[4096];
    snprintf(work, sizeof work, "%s/model-list-XXXXXX", argv[2]);
    if (!mkdtemp(work)) {
        fprintf(stderr, "cannot create a folder in %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    f2c_buf path = {0}, rel = {0}, header = {0}, disk = {0}, listed = {0};
    /* Partitions for the first two tables (two operation ids each, so sorting matters) and
     * none for the rest; noise a folder scan also ignores. */
    const char *given[16];
    size_t ngiven = 0;
    char *owned[16];
    size_t nowned = 0;
    int fails = 0;
    for (size_t t = 0; t < 2; t++) {
        f2c_buf_reset(&path);
        f2c_buf_printf(&path, "%s/data", work);
        mkdir(path.data, 0700);
        f2c_buf_printf(&path, "/%s", ts.tables[t].entity);
        mkdir(path.data, 0700);
        const char *ops[2] = {"op-b", "op-a"};
        for (size_t k = 0; k < 2; k++) {
            f2c_buf_reset(&rel);
            f2c_buf_reset(&header);
            f2c_cdm_partition_path(&rel, &ts.tables[t], "File", ops[k]);
            f2c_cdm_header_record(&header, &ts.tables[t]);
            f2c_buf_appends(&header, "\r\n");
            f2c_buf_reset(&path);
            f2c_buf_printf(&path, "%s/%s", work, rel.data);
            if (write_file(path.data, header.data, header.len) != 0) {
                fprintf(stderr, "cannot write %s: %s\n", path.data, strerror(errno));
                return 1;
            }
            owned[nowned] = strdup(rel.data);
            given[ngiven++] = owned[nowned++];
        }
    }
    /* Not partitions of an entity's own folder: each must be ignored by the list mode. */
    static const char *const noise[] = {"model.json",
                                        "other/partition-data-x-op.csv",
                                        "data/LocalNoSuchEntity/partition-data-x-op.csv",
                                        "data/%s/sub/partition-data-x-op.csv",
                                        "data/%s/partition-data-x-op.csv.tmp-12",
                                        "data/%s/notes.txt"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        f2c_buf_reset(&rel);
        f2c_buf_printf(&rel, noise[i], ts.tables[0].entity);
        owned[nowned] = strdup(rel.data);
        given[ngiven++] = owned[nowned++];
    }
    /* Reverse the list so the function's own sorting is exercised. */
    for (size_t i = 0; i < ngiven / 2; i++) {
        const char *x = given[i];
        given[i] = given[ngiven - 1 - i];
        given[ngiven - 1 - i] = x;
    }
    f2c_error e;
    f2c_diags d2 = {0};
    if (f2c_cdm_write_model(work, "fhir2cdm", &ts, "2024-05-01T12:00:00Z", &d2, &e) != F2C_OK ||
        d2.count != 0) {
        fprintf(stderr, "f2c_cdm_write_model failed: %s\n", e.message);
        fails++;
    }
    f2c_buf_reset(&path);
    f2c_buf_printf(&path, "%s/model.json", work);
    if (read_all(path.data, &disk) != 0) fails++;
    if (f2c_cdm_model_json("fhir2cdm", &ts, "2024-05-01T12:00:00Z", given, ngiven, &listed, &e) !=
        F2C_OK) {
        fprintf(stderr, "f2c_cdm_model_json failed: %s\n", e.message);
        fails++;
    }
    if (disk.len == 0 || disk.len != listed.len || memcmp(disk.data, listed.data, disk.len) != 0) {
        fprintf(stderr, "model.json differs: folder scan %zu bytes, list %zu bytes\n", disk.len,
                listed.len);
        fails++;
    }
    if (!strstr(listed.data ? listed.data : "", "partition-data-File-op-a")) {
        fprintf(stderr, "the listed partitions are missing from model.json\n");
        fails++;
    }
    printf("%s: %zu bytes, %zu list entries\n", fails ? "FAIL" : "ok", listed.len, ngiven);
    /* Clean up what was created: the four partitions, their folders, model.json, the folder. */
    for (size_t i = 0; i < 4; i++) {
        f2c_buf_reset(&path);
        f2c_buf_printf(&path, "%s/%s", work, owned[i]);
        unlink(path.data);
    }
    for (size_t t = 0; t < 2; t++) {
        f2c_buf_reset(&path);
        f2c_buf_printf(&path, "%s/data/%s", work, ts.tables[t].entity);
        rmdir(path.data);
    }
    f2c_buf_reset(&path);
    f2c_buf_printf(&path, "%s/model.json", work);
    unlink(path.data);
    f2c_buf_reset(&path);
    f2c_buf_printf(&path, "%s/data", work);
    rmdir(path.data);
    rmdir(work);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    f2c_buf_free(&path);
    f2c_buf_free(&rel);
    f2c_buf_free(&header);
    f2c_buf_free(&disk);
    f2c_buf_free(&listed);
    f2c_diags_free(&diags);
    f2c_diags_free(&d2);
    f2c_tableset_free(&ts);
    return fails ? 1 : 0;
}
