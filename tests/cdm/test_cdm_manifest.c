/*
 * test_cdm_manifest: the metadata of a Parquet CDM folder (lib/cdm/f2c_cdm_manifest.c) -- the
 * manifest model.manifest.cdm.json as the commit record and one <Entity>.cdm.json per entity --
 * published through the commit protocol by f2c_cdm_publish with the real Parquet sink.
 *
 * Why it is shaped so: the manifest and entity documents are a contract with every CDM consumer,
 * so they are pinned byte for byte against reviewed golden files (manifest-golden/, argv[1])
 * for a tableset built in code holding a column of every FHIR type.  Partitions are real Parquet
 * files written by the Parquet sink (f2c_sink_open/row/finish), so "a committed partition still
 * fits its table" is the sink's own schema check (f2c_sink_matches).  Then the commit rules the
 * CSV folder has are checked for Parquet: reruns go to the other slot or stay put when their
 * bytes are unchanged, replaced pairs are removed, entity documents are not rewritten when
 * unchanged, a schema change leaves old partitions out with a diagnostic, planted files are
 * never adopted, and a folder holds one format.  f2c_cdm_documents (the Batch/Blob path) must
 * give the very bytes publish wrote, and f2c_cdm_folder_read must read the folder back.  The
 * last folder is left in argv[2] for Microsoft's CDM object model (test_manifest_sdk.py).
 * Usage: test_cdm_manifest <manifest-golden dir> <folder left for the SDK oracle>
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_sink_parquet.h"
#include "fhir2cdm/f2c_table.h"

#include "f2c_check.h"
#include "f2c_testfs.h"

#define MODIFIED_TIME "2024-05-06T07:08:09.123Z"
#define MANIFEST "model.manifest.cdm.json"

static f2c_sink pq_sink, pq_sink_10_2, csv_sink;

/* ---- the tableset: a column of every FHIR type --------------------------------------------- */

static f2c_column obs_cols[] = {
    {.name = "Flag", .type = F2C_T_BOOLEAN},      {.name = "Count", .type = F2C_T_INTEGER},
    {.name = "Rank", .type = F2C_T_POSITIVEINT},  {.name = "Seen", .type = F2C_T_UNSIGNEDINT},
    {.name = "Value", .type = F2C_T_DECIMAL},     {.name = "Note", .type = F2C_T_STRING},
    {.name = "Status", .type = F2C_T_CODE},       {.name = "LogicalId", .type = F2C_T_ID},
    {.name = "Text", .type = F2C_T_MARKDOWN},     {.name = "System", .type = F2C_T_URI},
    {.name = "Link", .type = F2C_T_URL},          {.name = "Profile", .type = F2C_T_CANONICAL},
    {.name = "Oid", .type = F2C_T_OID},           {.name = "Uuid", .type = F2C_T_UUID},
    {.name = "Data", .type = F2C_T_BASE64BINARY}, {.name = "Div", .type = F2C_T_XHTML},
    {.name = "Day", .type = F2C_T_DATE},          {.name = "Effective", .type = F2C_T_DATETIME},
    {.name = "Issued", .type = F2C_T_INSTANT},    {.name = "At", .type = F2C_T_TIME},
    {.name = "Codes", .type = F2C_T_ARRAY},
};

static f2c_column comp_cols[] = {
    {.name = "Code", .type = F2C_T_CODE},
    {.name = "Quantity", .type = F2C_T_DECIMAL},
};

static f2c_column pr_cols[] = {{.name = "Family", .type = F2C_T_STRING}};

static char *comp_unroll[] = {"component"};

static f2c_table tables[] = {
    {.name = "Observation",
     .entity = "LocalObservation",
     .resource_type = "Observation",
     .columns = obs_cols,
     .ncolumns = sizeof obs_cols / sizeof obs_cols[0]},
    {.name = "ObservationComponent",
     .entity = "LocalObservationComponent",
     .resource_type = "Observation",
     .unroll_path = "Observation.component",
     .unroll = comp_unroll,
     .nunroll = 1,
     .columns = comp_cols,
     .ncolumns = sizeof comp_cols / sizeof comp_cols[0]},
    {.name = "Practitioner", /* no partitions: dataPartitions [] */
     .entity = "LocalPractitioner",
     .resource_type = "Practitioner",
     .columns = pr_cols,
     .ncolumns = 1},
};

static const f2c_tableset tableset = {.tables = tables, .count = 3};

static const char *const obs1[] = {"o1",
                                   "true",
                                   "-7",
                                   "1",
                                   "0",
                                   "0.0006122107609236168",
                                   "a \"note\", with comma",
                                   "final",
                                   "id-1",
                                   "# md",
                                   "urn:x",
                                   "http://example.org/x",
                                   "http://example.org/StructureDefinition/p",
                                   "urn:oid:1.2.3",
                                   "urn:uuid:0f3a0000-0000-4000-8000-000000000000",
                                   "aGk=",
                                   "<div>x</div>",
                                   "2020-01-02",
                                   "2020-01-02T03:04:05Z",
                                   "2020-01-02T03:04:05.123Z",
                                   "07:30:00",
                                   "[\"a\",\"b\"]"};
static const char *const obs2[] = {"o2", "", "", "", "", "12.5", "", "", "", "", "",
                                   "",   "", "", "", "", "",     "", "", "", "", ""};
static const char *const *const obs_a[] = {obs1, obs2};
static const char *const *const obs_b[] = {obs2};
static const char *const comp1[] = {"r1",          "o1", "Observation.component[0]",
                                    "Observation", "x",  "3.25"};
static const char *const *const comp_a[] = {comp1};

/* ---- helpers ------------------------------------------------------------------------------ */

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
    if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) abort();
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

static ino_t inode(const char *dir, const char *rel)
{
    char *p = join(dir, rel);
    struct stat sb;
    ino_t r = stat(p, &sb) == 0 ? sb.st_ino : 0;
    free(p);
    return r;
}

/* Compares dir/name with golden gdir/name byte for byte; reports where they differ. */
static int same_as_golden(const char *dir, const char *gdir, const char *name)
{
    char *a = join(dir, name), *g = join(gdir, name);
    f2c_buf x = {0}, y = {0};
    int ok = f2c_test_read_file(a, &x) == 0 && f2c_test_read_file(g, &y) == 0 && x.len == y.len &&
             memcmp(x.data, y.data, x.len) == 0;
    if (!ok) {
        size_t i = 0;
        while (i < x.len && i < y.len && x.data[i] == y.data[i])
            i++;
        fprintf(stderr,
                "%s differs from golden %s at byte %zu (sizes %zu, %zu)\n--- actual ---\n%s\n", a,
                g, i, x.len, y.len, x.data ? x.data : "(unreadable)");
    }
    f2c_buf_free(&x);
    f2c_buf_free(&y);
    free(a);
    free(g);
    return ok;
}

/* Stages t's partition of (stem, opid) with rows through sink s (the real sink path). */
static void stage(f2c_commit *tx, const f2c_sink *s, const f2c_table *t, const char *stem,
                  const char *opid, const char *const *const *rows, size_t nrows)
{
    f2c_buf dir = {0}, name = {0};
    f2c_error err;
    f2c_sink_part *part = NULL;
    size_t w = f2c_table_width(t), lens[32];
    if (w > 32 || f2c_buf_printf(&dir, "data/%s", t->entity) != 0 ||
        f2c_cdm_partition_name(&name, stem, opid, 0, f2c_sink_extension(s)) != 0)
        abort();
    f2c_status st = f2c_sink_open(s, tx, dir.data, name.data, t, NULL, NULL, &part, &err);
    if (st == F2C_OK) st = f2c_sink_header(part, &err);
    for (size_t r = 0; st == F2C_OK && r < nrows; r++) {
        for (size_t i = 0; i < w; i++)
            lens[i] = strlen(rows[r][i]);
        st = f2c_sink_row(part, w, rows[r], lens, &err);
    }
    if (st == F2C_OK) {
        st = f2c_sink_finish(part, &err);
    } else {
        f2c_sink_abort(part);
    }
    if (st != F2C_OK) {
        fprintf(stderr, "stage %s/%s: %s\n", dir.data, name.data, err.message);
        abort();
    }
    f2c_buf_free(&dir);
    f2c_buf_free(&name);
}

static f2c_commit *begin(const char *out)
{
    f2c_commit *tx = NULL;
    f2c_error err;
    if (f2c_commit_begin(out, NULL, &tx, &err) != F2C_OK) {
        CHECK_FAIL("begin %s: %s", out, err.message);
        return NULL;
    }
    return tx;
}

/* f2c_cdm_publish with sink s (DECIMAL as s was made); the error into *err. */
static f2c_status publish(f2c_commit *tx, const f2c_sink *s, int prec, int scale,
                          const char *const *stems, size_t nstems, const char *opid,
                          f2c_diags *diags, FILE *log, f2c_error *err)
{
    f2c_error_clear(err);
    return f2c_cdm_publish(tx, "fhir2cdm", &tableset, s, prec, scale, MODIFIED_TIME, stems, nstems,
                           opid, NULL, diags, log, err);
}

/* The record's locations joined with '\n'; "" when unreadable. */
static char *listed(const char *out)
{
    f2c_buf text = {0}, all = {0};
    char *rec_path = join(out, MANIFEST);
    f2c_cdm_record rec;
    f2c_error err;
    if (f2c_test_read_file(rec_path, &text) == 0 &&
        f2c_cdm_record_parse(text.data, text.len, &rec, &err) == F2C_OK) {
        for (size_t i = 0; i < rec.count; i++)
            if (f2c_buf_printf(&all, "%s\n", rec.locations[i]) != 0) abort();
        f2c_cdm_record_free(&rec);
    }
    if (!all.data && f2c_buf_appends(&all, "") != 0) abort();
    f2c_buf_free(&text);
    free(rec_path);
    return all.data;
}

static const char *listed_now(const char *out)
{
    static char *last;
    free(last);
    last = listed(out);
    return last;
}

/* Nothing of a transaction left: no staging folder or journal, no "cdm-entities" folder. */
static int leftovers(const char *out)
{
    int n = exists(out, "cdm-entities");
    char *control = join(out, F2C_COMMIT_DIR);
    DIR *d = opendir(control);
    struct dirent *e;
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

#define O "data/LocalObservation/partition-data-"
#define C "data/LocalObservationComponent/partition-data-"

static const char *const entity_docs[] = {"LocalObservation.cdm.json",
                                          "LocalObservationComponent.cdm.json",
                                          "LocalPractitioner.cdm.json"};

/* ---- tests -------------------------------------------------------------------------------- */

/* A fresh folder: two stems, two tables; the golden manifest and entity documents. */
static void publish_fresh(const char *out)
{
    f2c_commit *tx = begin(out);
    if (!tx) return;
    stage(tx, &pq_sink, &tables[0], "Obs.001", "op1", obs_b, 1);
    stage(tx, &pq_sink, &tables[0], "Obs.000", "op1", obs_a, 2);
    stage(tx, &pq_sink, &tables[1], "Obs.000", "op1", comp_a, 1);
    const char *stems[] = {"Obs.000", "Obs.001"};
    f2c_diags diags = {0};
    f2c_error err;
    CHECK(publish(tx, &pq_sink, 0, 0, stems, 2, "op1", &diags, NULL, &err) == F2C_OK, "%s",
          err.message);
    CHECK(diags.count == 0);
    f2c_diags_free(&diags);
}

static void test_golden(const char *out, const char *golden)
{
    publish_fresh(out);
    CHECK(same_as_golden(out, golden, MANIFEST));
    for (size_t i = 0; i < 3; i++)
        CHECK(same_as_golden(out, golden, entity_docs[i]));
    CHECK(!exists(out, "model.json"));
    CHECK(leftovers(out) == 0);
    CHECK_STR_EQ(listed_now(out),
                 O "Obs.000-op1.parquet\n" O "Obs.001-op1.parquet\n" C "Obs.000-op1.parquet\n");
    f2c_buf mt = {0};
    CHECK(f2c_cdm_read_modified_time(out, &mt) == 1 && mt.data &&
          strcmp(mt.data, MODIFIED_TIME) == 0);
    f2c_buf_free(&mt);
}

/* f2c_cdm_documents gives the bytes publish wrote, the manifest last. */
static void test_documents(const char *out)
{
    f2c_buf rec_text = {0}, disk = {0};
    char *mpath = join(out, MANIFEST);
    f2c_cdm_record rec = {0};
    f2c_error err;
    CHECK(f2c_test_read_file(mpath, &rec_text) == 0);
    CHECK(f2c_cdm_record_parse(rec_text.data, rec_text.len, &rec, &err) == F2C_OK);
    CHECK(rec.committed == 1 && rec.count == 3 && strcmp(rec.format, "parquet") == 0);
    f2c_cdm_docs docs;
    CHECK(f2c_cdm_documents("parquet", 0, 0, "fhir2cdm", &tableset, MODIFIED_TIME,
                            (const char *const *)rec.locations, rec.count, &docs, &err) == F2C_OK);
    CHECK(docs.count == 4);
    for (size_t i = 0; i < docs.count && i < 4; i++) {
        CHECK_STR_EQ(docs.items[i].name, i < 3 ? entity_docs[i] : MANIFEST);
        char *p = join(out, docs.items[i].name);
        CHECK(f2c_test_read_file(p, &disk) == 0 && disk.len == docs.items[i].text.len &&
                  memcmp(disk.data, docs.items[i].text.data, disk.len) == 0,
              "f2c_cdm_documents: %s differs from what publish wrote", docs.items[i].name);
        free(p);
    }
    f2c_cdm_docs_free(&docs);
    CHECK(docs.count == 0 && docs.items == NULL);

    /* CSV: one document, model.json, the bytes of f2c_cdm_model_json. */
    static const char *const csv_locs[] = {"data/LocalObservation/partition-data-a-b.csv"};
    f2c_buf mj = {0};
    CHECK(f2c_cdm_documents("csv", 0, 0, "fhir2cdm", &tableset, MODIFIED_TIME, csv_locs, 1, &docs,
                            &err) == F2C_OK);
    CHECK(f2c_cdm_model_json("fhir2cdm", &tableset, MODIFIED_TIME, csv_locs, 1, &mj, &err) ==
          F2C_OK);
    CHECK(docs.count == 1 && strcmp(docs.items[0].name, "model.json") == 0 &&
          docs.items[0].text.len == mj.len &&
          memcmp(docs.items[0].text.data, mj.data, mj.len) == 0);
    f2c_cdm_docs_free(&docs);
    CHECK(f2c_cdm_documents("orc", 0, 0, "fhir2cdm", &tableset, NULL, NULL, 0, &docs, &err) ==
          F2C_EUSAGE);
    f2c_cdm_docs_free(&docs);
    CHECK_STR_EQ(f2c_cdm_record_name("csv"), "model.json");
    CHECK_STR_EQ(f2c_cdm_record_name("parquet"), MANIFEST);
    CHECK(f2c_cdm_record_name("orc") == NULL);

    f2c_buf_free(&mj);
    f2c_cdm_record_free(&rec);
    f2c_buf_free(&rec_text);
    f2c_buf_free(&disk);
    free(mpath);
}

/* f2c_cdm_folder_read: the manifest's entities and partitions, the entity documents' attributes
 * with the CDM data type of the Parquet column the sink writes. */
static void test_folder_read(const char *out)
{
    static const char *const kinds[] = {"",     "boolean",  "integer", "bigInteger", "decimal",
                                        "date", "dateTime", "time",    "string"};
    f2c_cdm_model m;
    f2c_error err;
    CHECK(f2c_cdm_folder_read(out, &m, &err) == F2C_OK, "%s", err.message);
    CHECK(m.nentities == 3 && m.committed && m.format && strcmp(m.format, "parquet") == 0);
    for (size_t e = 0; e < m.nentities && e < 3; e++) {
        const f2c_table *t = &tables[e];
        CHECK_STR_EQ(m.entities[e].name, t->entity);
        CHECK(m.entities[e].nattributes == f2c_table_width(t));
        for (size_t i = 0; i < m.entities[e].nattributes && i < f2c_table_width(t); i++) {
            const f2c_cdm_attribute *a = &m.entities[e].attributes[i];
            f2c_pq_column c;
            f2c_sink_parquet_column(t, i, 38, 18, &c);
            CHECK_STR_EQ(a->name, f2c_table_column_name(t, i));
            CHECK_STR_EQ(a->data_type, kinds[c.kind]);
            CHECK(a->precision == c.precision && a->scale == c.scale, "%s: %d,%d", a->name,
                  a->precision, a->scale);
        }
    }
    if (m.nentities == 3) CHECK(m.entities[0].npartitions == 2 && m.entities[2].npartitions == 0);
    f2c_cdm_model_free(&m);
    CHECK(f2c_cdm_folder_read("/nonexistent-f2c", &m, &err) == F2C_EIO);
    CHECK(strstr(err.message, "not a CDM folder") != NULL, "%s", err.message);
}

/* Reruns: slots, unchanged partitions and entity documents kept, replaced pairs removed. */
static void test_reruns(const char *out)
{
    const char *stems[] = {"Obs.000"};
    f2c_diags diags = {0};
    f2c_error err;
    f2c_commit *tx;
    ino_t doc_ino = inode(out, entity_docs[0]), man_ino = inode(out, MANIFEST);

    /* (Obs.000, op1) again with other rows, only for LocalObservation: the other slot; the
     * component partition of the pair is removed (no rows this time). */
    if (!(tx = begin(out))) return;
    stage(tx, &pq_sink, &tables[0], "Obs.000", "op1", obs_b, 1);
    CHECK(publish(tx, &pq_sink, 0, 0, stems, 1, "op1", &diags, NULL, &err) == F2C_OK, "%s",
          err.message);
    CHECK_STR_EQ(listed_now(out), O "Obs.000-op1.b.parquet\n" O "Obs.001-op1.parquet\n");
    CHECK(!exists(out, O "Obs.000-op1.parquet") && !exists(out, C "Obs.000-op1.parquet"));
    CHECK(inode(out, entity_docs[0]) == doc_ino, "an unchanged entity document was rewritten");
    CHECK(inode(out, MANIFEST) != man_ino);
    CHECK(leftovers(out) == 0);

    /* The same rows again: the listed file stays (same inode), the folder unchanged. */
    ino_t b_ino = inode(out, O "Obs.000-op1.b.parquet");
    if (!(tx = begin(out))) return;
    stage(tx, &pq_sink, &tables[0], "Obs.000", "op1", obs_b, 1);
    CHECK(publish(tx, &pq_sink, 0, 0, stems, 1, "op1", &diags, NULL, &err) == F2C_OK);
    CHECK_STR_EQ(listed_now(out), O "Obs.000-op1.b.parquet\n" O "Obs.001-op1.parquet\n");
    CHECK(inode(out, O "Obs.000-op1.b.parquet") == b_ino);
    CHECK(!exists(out, O "Obs.000-op1.parquet"));

    /* Changed rows: back to slot 0, .b removed. */
    if (!(tx = begin(out))) return;
    stage(tx, &pq_sink, &tables[0], "Obs.000", "op1", obs_a, 2);
    stage(tx, &pq_sink, &tables[1], "Obs.000", "op1", comp_a, 1);
    CHECK(publish(tx, &pq_sink, 0, 0, stems, 1, "op1", &diags, NULL, &err) == F2C_OK);
    CHECK_STR_EQ(listed_now(out),
                 O "Obs.000-op1.parquet\n" O "Obs.001-op1.parquet\n" C "Obs.000-op1.parquet\n");
    CHECK(!exists(out, O "Obs.000-op1.b.parquet"));
    CHECK(diags.count == 0);
    CHECK(leftovers(out) == 0);
    f2c_diags_free(&diags);
}

/* Planted files are said and left alone; a listed partition that vanished is left out. */
static void test_planted_and_missing(const char *out)
{
    char *dir = join(out, "data/LocalObservation");
    write_bytes(dir, "partition-data-X.009-op9.parquet", "PAR1", 4);
    write_bytes(dir, "partition-data-X.009-op9.csv", "a\r\n", 3);
    char *gone = join(out, O "Obs.001-op1.parquet");
    unlink(gone);
    f2c_diags diags = {0};
    f2c_error err;
    char *text = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&text, &len);
    f2c_commit *tx = begin(out);
    if (tx) CHECK(publish(tx, &pq_sink, 0, 0, NULL, 0, "op9", &diags, log, &err) == F2C_OK);
    fclose(log);
    CHECK(strstr(text, "partition-data-X.009-op9.parquet: not listed in " MANIFEST) != NULL, "%s",
          text);
    CHECK(strstr(text, "partition-data-X.009-op9.csv: not listed in " MANIFEST) != NULL);
    CHECK(diags.count == 1 && strstr(diags.items[0].message, "partition listed in " MANIFEST
                                                             " is missing; left out of " MANIFEST));
    CHECK_STR_EQ(listed_now(out), O "Obs.000-op1.parquet\n" C "Obs.000-op1.parquet\n");
    CHECK(exists(out, O "X.009-op9.parquet"));
    free(text);
    free(gone);
    free(dir);
    f2c_diags_free(&diags);
}

/* Another DECIMAL choice: the entity documents change (restaged), and committed partitions
 * whose schema no longer fits are left out with a diagnostic. */
static void test_schema_change(const char *out)
{
    ino_t pr_ino = inode(out, entity_docs[2]), obs_ino = inode(out, entity_docs[0]);
    f2c_diags diags = {0};
    f2c_error err;
    f2c_commit *tx = begin(out);
    if (tx) CHECK(publish(tx, &pq_sink_10_2, 10, 2, NULL, 0, "op9", &diags, NULL, &err) == F2C_OK);
    CHECK(diags.count == 2);
    for (size_t i = 0; i < diags.count; i++)
        CHECK(strstr(diags.items[i].message, "partition schema does not match the attributes of "
                                             "entity LocalObservation") != NULL,
              "%s", diags.items[i].message);
    CHECK_STR_EQ(listed_now(out), "");
    CHECK(inode(out, entity_docs[2]) == pr_ino); /* no decimal column: unchanged */
    CHECK(inode(out, entity_docs[0]) != obs_ino);
    f2c_buf doc = {0};
    char *p = join(out, entity_docs[0]);
    CHECK(f2c_test_read_file(p, &doc) == 0 && strstr(doc.data, "\"value\":\t\"10\"") &&
          strstr(doc.data, "\"value\":\t\"2\""));
    f2c_buf_free(&doc);
    free(p);
    f2c_diags_free(&diags);
}

/* One format per folder, both ways: refused before anything is published. */
static void test_one_format(const char *dir)
{
    char *csv = join(dir, "csvdir"), *pq = join(dir, "pqdir");
    f2c_diags diags = {0};
    f2c_error err;
    f2c_commit *tx = begin(csv);
    if (tx) CHECK(publish(tx, &csv_sink, 0, 0, NULL, 0, "a", &diags, NULL, &err) == F2C_OK);
    if ((tx = begin(csv)) != NULL) {
        stage(tx, &pq_sink, &tables[0], "Obs.000", "a", obs_b, 1);
        CHECK(publish(tx, &pq_sink, 0, 0, NULL, 0, "a", &diags, NULL, &err) == F2C_EUSAGE);
    }
    f2c_buf want = {0};
    if (f2c_buf_printf(&want,
                       "output folder %s holds CSV partitions (model.json); write Parquet into "
                       "another folder",
                       csv) != 0)
        abort();
    CHECK_STR_EQ(err.message, want.data);
    CHECK(!exists(csv, MANIFEST) && !exists(csv, entity_docs[0]) &&
          !exists(csv, O "Obs.000-a.parquet") && leftovers(csv) == 0);

    if ((tx = begin(pq)) != NULL)
        CHECK(publish(tx, &pq_sink, 0, 0, NULL, 0, "a", &diags, NULL, &err) == F2C_OK);
    if ((tx = begin(pq)) != NULL)
        CHECK(publish(tx, &csv_sink, 0, 0, NULL, 0, "a", &diags, NULL, &err) == F2C_EUSAGE);
    f2c_buf_reset(&want);
    if (f2c_buf_printf(&want,
                       "output folder %s holds Parquet partitions (" MANIFEST "); write CSV into "
                       "another folder",
                       pq) != 0)
        abort();
    CHECK_STR_EQ(err.message, want.data);
    CHECK(!exists(pq, "model.json") && leftovers(pq) == 0);
    CHECK(diags.count == 0);

    /* The early check gives the same answers and messages. */
    CHECK(f2c_cdm_check_format(csv, "parquet", &err) == F2C_EUSAGE &&
          strstr(err.message, "holds CSV partitions (model.json)") != NULL);
    CHECK(f2c_cdm_check_format(pq, "csv", &err) == F2C_EUSAGE &&
          strstr(err.message, "holds Parquet partitions (" MANIFEST ")") != NULL);
    CHECK(f2c_cdm_check_format(csv, "csv", &err) == F2C_OK);
    CHECK(f2c_cdm_check_format(pq, "parquet", &err) == F2C_OK);
    CHECK(f2c_cdm_check_format("/nonexistent-f2c", "parquet", &err) == F2C_OK);

    /* f2c_cdm_folder_read of a CSV folder: model.json's attributes, format "csv". */
    f2c_cdm_model m;
    CHECK(f2c_cdm_folder_read(csv, &m, &err) == F2C_OK, "%s", err.message);
    CHECK(m.format && strcmp(m.format, "csv") == 0 && m.committed && m.nentities == 3);
    if (m.nentities == 3 && m.entities[0].nattributes == f2c_table_width(&tables[0])) {
        CHECK_STR_EQ(m.entities[0].attributes[5].name, "Value");
        CHECK_STR_EQ(m.entities[0].attributes[5].data_type, "decimal");
        CHECK(m.entities[0].attributes[5].precision == 0);
    }
    f2c_cdm_model_free(&m);
    f2c_buf_free(&want);
    free(csv);
    free(pq);
}

/* The record reader on manifest texts: marker, legacy, errors. */
static void test_record_parse(void)
{
    f2c_cdm_record r;
    f2c_error err;
    static const char committed[] =
        "{\"manifestName\":\"m\",\"exhibitsTraits\":[{\"traitReference\":\"is.modelConversion."
        "otherAnnotations\",\"arguments\":[{\"name\":\"annotations\",\"value\":[{\"name\":"
        "\"fhir2cdm:commit\",\"value\":\"1\"}]}]}],\"entities\":[{\"entityName\":\"LocalA\","
        "\"dataPartitions\":[{\"location\":\"data/LocalA/p1.parquet\"},{\"location\":7}]},"
        "{\"entityName\":\"LocalB\"}]}";
    CHECK(f2c_cdm_record_parse(committed, sizeof committed - 1, &r, &err) == F2C_OK);
    CHECK(r.committed == 1 && r.count == 1 && strcmp(r.format, "parquet") == 0);
    if (r.count == 1) CHECK_STR_EQ(r.locations[0], "data/LocalA/p1.parquet");
    f2c_cdm_record_free(&r);
    static const char unmarked[] = "{\"manifestName\":\"m\",\"entities\":[]}";
    CHECK(f2c_cdm_record_parse(unmarked, sizeof unmarked - 1, &r, &err) == F2C_OK);
    CHECK(r.committed == 0 && r.count == 0 && strcmp(r.format, "parquet") == 0);
    f2c_cdm_record_free(&r);
    static const char none[] = "{\"manifestName\":\"m\"}";
    CHECK(f2c_cdm_record_parse(none, sizeof none - 1, &r, &err) == F2C_EJSON);
    CHECK(strstr(err.message, "\"entities\"") != NULL);
    CHECK(f2c_cdm_record_parse("{\"entities\":[]}", 15, &r, &err) == F2C_OK);
    CHECK(strcmp(r.format, "csv") == 0);
    f2c_cdm_record_free(&r);
}

/* A crash after the journal (FHIR2CDM_FAULT=journal, SIGKILL in a child) is finished by the next
 * begin: the entity documents and the manifest appear together, as a clean publish writes them. */
static void test_crash_roll_forward(const char *dir, const char *golden)
{
    char *out = join(dir, "crash");
    pid_t pid = fork();
    if (pid == 0) {
        setenv("FHIR2CDM_FAULT", "journal", 1);
        publish_fresh(out); /* killed inside f2c_commit_finish */
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
              WTERMSIG(status) == SIGKILL,
          "the child was not killed at the fault point (status %d)", status);
    CHECK(!exists(out, MANIFEST)); /* nothing visible yet */
    f2c_commit *tx = begin(out);   /* rolls the journaled commit forward */
    f2c_commit_abort(tx);
    CHECK(same_as_golden(out, golden, MANIFEST));
    for (size_t i = 0; i < 3; i++)
        CHECK(same_as_golden(out, golden, entity_docs[i]));
    CHECK(leftovers(out) == 0);
    free(out);
}

static int make_sinks(void)
{
    f2c_error err;
    f2c_sink_options pq = {.format = "parquet"},
                     pq10 = {.format = "parquet", .decimal_precision = 10, .decimal_scale = 2},
                     csv = {.format = "csv"};
    if (f2c_sink_new(&pq, &pq_sink, &err) != F2C_OK ||
        f2c_sink_new(&pq10, &pq_sink_10_2, &err) != F2C_OK ||
        f2c_sink_new(&csv, &csv_sink, &err) != F2C_OK) {
        fprintf(stderr, "cannot make the sinks: %s\n", err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <manifest-golden dir> <folder for the SDK oracle>\n", argv[0]);
        return 2;
    }
    if (make_sinks() != 0) return 1;
    const char *tmp = getenv("TMPDIR");
    f2c_buf root = {0};
    if (f2c_buf_printf(&root, "%s/f2c-manifest-XXXXXX", tmp && tmp[0] ? tmp : "/tmp") != 0 ||
        !mkdtemp(root.data))
        return 2;
    char *out = join(root.data, "out");

    test_record_parse();
    test_golden(out, argv[1]);
    test_documents(out);
    test_folder_read(out);
    test_reruns(out);
    test_planted_and_missing(out);
    test_schema_change(out);
    test_one_format(root.data);
    test_crash_roll_forward(root.data, argv[1]);

    /* The folder for Microsoft's CDM object model: a fresh publish (test_manifest_sdk.py). */
    f2c_test_remove_tree(argv[2]);
    publish_fresh(argv[2]);

    if (f2c_check_failures)
        fprintf(stderr, "test_cdm_manifest: folders kept in %s\n", root.data);
    else
        f2c_test_remove_tree(root.data);
    free(out);
    f2c_buf_free(&root);
    f2c_sink_free(&pq_sink);
    f2c_sink_free(&pq_sink_10_2);
    f2c_sink_free(&csv_sink);
    return f2c_check_report("test_cdm_manifest");
}
