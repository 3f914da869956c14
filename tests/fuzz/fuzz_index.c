/*
 * fuzz_index: libFuzzer target for merge mode's resource index reader (mi_load,
 * lib/engine/f2c_merge_index.c): the index file is read from the folder, where anyone may have
 * edited or truncated it, and it is never trusted blindly (its name must be its hash, it must list
 * the record's partitions with their sizes; otherwise it is rebuilt from the partitions).
 *
 * Why through a real folder: mi_load reads files relative to the folder's descriptor, so the
 * fixture is a merge-mode folder written once per process by the real job (f2c_job_run, two
 * small NDJSON files into a private temporary folder, table configuration
 * tests/transform/configs/basic).  Each input is written as the index of entity LocalPatient --
 * under the name its own XXH3 hash gives (so the parser runs), or, when its first byte is odd,
 * under the committed index's name (so the name check refuses it) -- and loaded.  A load that
 * succeeds must give what f2c_merge_index.h promises: entries sorted by id without duplicates,
 * each in a listed partition and within its rows and bytes; a refused index must be rebuilt to
 * the committed one's entries.  Any broken promise aborts.
 * Seeds: tests/fuzz/corpus/index/ (the committed index of the fixture, and damaged copies).
 * FUZZ_INDEX_SEED=PATH writes the fixture's committed index to PATH (to refresh the seed).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_job.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "f2c_merge_index.h" /* lib/engine internal: the reader under test */

#ifndef FUZZ_CONFIG_DIR
#error "FUZZ_CONFIG_DIR must name the table configuration folder"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const NDJSON[2] = {
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\"}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"A\"}]}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"birthDate\":\"1970-01-01\"}\n",
    "{\"resourceType\":\"Patient\",\"id\":\"q1\",\"gender\":\"male\"}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"q2\",\"active\":true}\n"};

static struct {
    int ready, outfd;
    char dir[256];
    f2c_tableset ts;
    const f2c_table *t;
    f2c_sink sink;
    char **locs; /* the record's partitions of t, sorted */
    size_t nlocs;
    char *index_loc; /* the committed index */
    mi_index ref;    /* its entries, as loaded */
} fx;

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(text, 1, strlen(text), f) == strlen(text);
    return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record's partitions and index of fx.t. */
static void read_record(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out/model.json", fx.dir);
    size_t len = 0;
    char *text = f2c_fs_read(path, 0, &len);
    f2c_cdm_model m = {0};
    f2c_error e;
    if (!text || f2c_cdm_model_read(text, len, &m, &e) != F2C_OK) abort();
    for (size_t i = 0; i < m.nentities; i++) {
        const f2c_cdm_entity *en = &m.entities[i];
        if (!en->name || strcmp(en->name, fx.t->entity) != 0) continue;
        fx.locs = calloc(en->npartitions + 1, sizeof *fx.locs);
        for (size_t k = 0; fx.locs && k < en->npartitions; k++)
            fx.locs[fx.nlocs++] = strdup(en->partitions[k].location);
        fx.index_loc = en->index ? strdup(en->index) : NULL;
    }
    if (!fx.locs || fx.nlocs != 2 || !fx.index_loc) abort();
    qsort(fx.locs, fx.nlocs, sizeof *fx.locs, by_str);
    f2c_cdm_model_free(&m);
    free(text);
}

/* The fixture's folder goes with the process (libFuzzer ends with exit()). */
static void remove_fixture(void)
{
    (void)f2c_fs_remove_tree(fx.dir);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(fx.dir, sizeof fx.dir, "%s/fuzz-index-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char in[300], out[300], a[320], b[320];
    f2c_diags d = {0};
    f2c_error e;
    if (!mkdtemp(fx.dir) || atexit(remove_fixture) != 0) abort();
    snprintf(in, sizeof in, "%s/in", fx.dir);
    snprintf(out, sizeof out, "%s/out", fx.dir);
    snprintf(a, sizeof a, "%s/Patient.1.ndjson", in);
    snprintf(b, sizeof b, "%s/Patient.2.ndjson", in);
    const char *inputs[1] = {in};
    f2c_job_options o = {.config_dir = FUZZ_CONFIG_DIR,
                         .output_dir = out,
                         .inputs = inputs,
                         .ninputs = 1,
                         .max_depth = 3,
                         .operation_id = "fuzz",
                         .max_line = 1 << 20,
                         .quiet = 1,
                         .threads = 1,
                         .merge = 1};
    if (f2c_fs_mkdirs(in, 0700) != 0 || write_file(a, NDJSON[0]) != 0 ||
        write_file(b, NDJSON[1]) != 0 || f2c_job_run(&o) != F2C_JOB_OK ||
        f2c_tablecfg_load(FUZZ_CONFIG_DIR, 3, &fx.ts, &d) != F2C_OK ||
        f2c_sink_new(&(f2c_sink_options){.format = "csv"}, &fx.sink, &e) != F2C_OK)
        abort();
    for (size_t i = 0; i < fx.ts.count; i++)
        if (strcmp(fx.ts.tables[i].entity, "LocalPatient") == 0) fx.t = &fx.ts.tables[i];
    if (!fx.t || (fx.outfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) abort();
    read_record();
    unsigned long long rebuilt = 0;
    if (mi_load(fx.outfd, "fuzz", fx.t, fx.index_loc, (const char *const *)fx.locs, fx.nlocs,
                &fx.sink, NULL, NULL, &rebuilt, &fx.ref, &e) != F2C_OK ||
        rebuilt != 0 || fx.ref.nents != 5)
        abort();
    const char *seed = getenv("FUZZ_INDEX_SEED");
    if (seed) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", out, fx.index_loc);
        size_t n = 0;
        char *text = f2c_fs_read(path, 0, &n);
        if (!text || write_file(seed, text) != 0) abort();
        free(text);
    }
    f2c_diags_free(&d);
    fx.ready = 1;
}

/* What f2c_merge_index.h promises of a loaded index; aborts otherwise. */
static void check(const mi_index *x)
{
    for (size_t i = 0; i < x->nents; i++) {
        const mi_entry *en = &x->ents[i];
        if (!mi_is_fhir_id(en->id) || en->part >= x->nparts || en->n == 0 ||
            en->first > x->parts[en->part].rows || en->n > x->parts[en->part].rows - en->first ||
            en->off > x->parts[en->part].bytes || en->len > x->parts[en->part].bytes - en->off ||
            (i && strcmp(x->ents[i - 1].id, en->id) >= 0))
            abort();
    }
    if (x->nparts != fx.nlocs) abort();
    for (size_t i = 0; i < x->nparts; i++)
        if (strcmp(x->parts[i].loc, fx.locs[i]) != 0) abort();
}

/* A rebuilt index holds the committed one's entries. */
static void same_as_ref(const mi_index *x)
{
    if (x->nents != fx.ref.nents) abort();
    for (size_t i = 0; i < x->nents; i++) {
        const mi_entry *p = &x->ents[i], *q = &fx.ref.ents[i];
        if (strcmp(p->id, q->id) != 0 || p->part != q->part || p->first != q->first ||
            p->n != q->n || p->off != q->off || p->len != q->len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fx.ready) setup();
    char name[160], path[600];
    int misnamed = size && (data[0] & 1);
    if (misnamed)
        snprintf(name, sizeof name, "%s", fx.index_loc);
    else
        snprintf(name, sizeof name, "fhir2cdm-index/%s.%016llx.idx", fx.t->entity,
                 (unsigned long long)XXH3_64bits(data, size));
    int fresh = strcmp(name, fx.index_loc) != 0;
    snprintf(path, sizeof path, "%s/out/%s", fx.dir, name);
    char saved[600];
    snprintf(saved, sizeof saved, "%s/out/%s.saved", fx.dir, fx.index_loc);
    if (!fresh && rename(path, saved) != 0) abort(); /* keep the committed one aside */
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
    mi_index x;
    f2c_error e;
    unsigned long long rebuilt = 0;
    f2c_status st = mi_load(fx.outfd, "fuzz", fx.t, name, (const char *const *)fx.locs, fx.nlocs,
                            &fx.sink, NULL, NULL, &rebuilt, &x, &e);
    /* The partitions are intact: whatever the index holds, a load or a rebuild succeeds. */
    if (st != F2C_OK) abort();
    check(&x);
    if (rebuilt) same_as_ref(&x);
    mi_free(&x);
    if (fresh ? unlink(path) != 0 : rename(saved, path) != 0) abort();
    return 0;
}
