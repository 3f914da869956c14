/*
 * fuzz_index: libFuzzer target for merge mode's resource index reader (mi_load,
 * lib/engine/f2c_merge_index.c): the index files -- an entity's directory and its partitions'
 * segments -- are read from the folder, where anyone may have edited or truncated them, and they
 * are never trusted blindly (every file's name must be its hash, the directory must list the
 * record's partitions with their sizes, a segment must describe its partition; otherwise the
 * index is rebuilt from the partitions).
 *
 * Why through a real folder: mi_load reads files relative to the folder's descriptor, so the
 * fixture is a merge-mode folder written once per process by the real job (f2c_job_run, two
 * small NDJSON files into a private temporary folder, table configuration
 * tests/transform/configs/basic): entity LocalPatient has two partitions, each with a segment.
 * The first byte of an input chooses what the rest is:
 *   bit 0-1  0: the directory, written under the name its own hash gives (so the parser runs);
 *            1: the directory, written under the committed directory's name (refused);
 *            2: the segment of the first partition, under its own hash's name, with a directory
 *               naming it (and, when the input's filter line can be found, its filter's hash);
 *            3: that segment under the committed segment's name (refused when read whole);
 *   bit 2    the run asks about ids p2 and zz (the filters decide what is read), else about none
 *            (every segment read).
 * A load that succeeds must give what f2c_merge_index.h promises: entries sorted by id without
 * duplicates, each in a loaded, listed partition and within its rows and bytes; a rebuilt index
 * must hold the committed one's entries.  Any broken promise aborts.
 * Seeds: tests/fuzz/corpus/index/ (the committed directory and segment, and damaged copies).
 * FUZZ_INDEX_SEED=DIR writes the fixture's committed directory and segment there as seeds
 * (dir.committed, seg.committed) to refresh them.
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
    char *index_loc; /* the committed directory */
    mi_index ref;    /* its entries, every segment loaded */
    char seg0[600];  /* the path of the first partition's committed segment */
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
    if (mi_load(fx.outfd, "fuzz", fx.t, fx.index_loc, (const char *const *)fx.locs, fx.nlocs, NULL,
                0, &fx.sink, NULL, NULL, &rebuilt, &fx.ref, &e) != F2C_OK ||
        rebuilt != 0 || fx.ref.nents != 5 || !fx.ref.parts[0].seg[0])
        abort();
    snprintf(fx.seg0, sizeof fx.seg0, "%s/out/fhir2cdm-index/%s.%s.seg", fx.dir, fx.t->entity,
             fx.ref.parts[0].seg);
    const char *seed = getenv("FUZZ_INDEX_SEED");
    if (seed) {
        char path[600], to[600];
        const char *what[2][2] = {{"dir.committed", path}, {"seg.committed", fx.seg0}};
        snprintf(path, sizeof path, "%s/%s", out, fx.index_loc);
        for (int k = 0; k < 2; k++) {
            size_t n = 0;
            char *text = f2c_fs_read(what[k][1], 0, &n);
            snprintf(to, sizeof to, "%s/%s", seed, what[k][0]);
            FILE *f = fopen(to, "wb");
            unsigned char sel = k ? 2 : 0;
            if (!text || !f || fwrite(&sel, 1, 1, f) != 1 || fwrite(text, 1, n, f) != n ||
                fclose(f) != 0)
                abort();
            free(text);
        }
    }
    f2c_diags_free(&d);
    fx.ready = 1;
}

/* What f2c_merge_index.h promises of a loaded index; aborts otherwise. */
static void check(const mi_index *x)
{
    if (x->nparts != fx.nlocs) abort();
    for (size_t i = 0; i < x->nparts; i++)
        if (strcmp(x->parts[i].loc, fx.locs[i]) != 0) abort();
    for (size_t i = 0; i < x->nents; i++) {
        const mi_entry *en = &x->ents[i];
        if (!mi_is_fhir_id(en->id) || en->part >= x->nparts || !x->parts[en->part].loaded ||
            en->n == 0 || en->first > x->parts[en->part].rows ||
            en->n > x->parts[en->part].rows - en->first || en->off > x->parts[en->part].bytes ||
            en->len > x->parts[en->part].bytes - en->off ||
            (i && strcmp(x->ents[i - 1].id, en->id) >= 0))
            abort();
    }
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

/* Writes data[0..size) to path (created or replaced); aborts on failure. */
static void put(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
}

/* The hash (16 hex) of the filter of segment text data[0..size), when its "filter <F> <K>" line
 * and F bytes after it are there; else the committed filter's. */
static void filter_hash(const uint8_t *data, size_t size, char out[17])
{
    snprintf(out, 17, "%s", fx.ref.parts[0].filter);
    char head[8192];
    size_t n = size < sizeof head - 1 ? size : sizeof head - 1;
    memcpy(head, data, n);
    head[n] = '\0';
    char *l = strstr(head, "\nfilter ");
    unsigned long long fb = 0;
    char *nl = l ? strchr(l + 1, '\n') : NULL;
    if (!nl || sscanf(l + 8, "%llu", &fb) != 1) return;
    size_t at = (size_t)(nl + 1 - head);
    if (fb > size - at) return;
    snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits(data + at, (size_t)fb));
}

/* The directory of the fixture with the first partition's segment and filter hashes replaced,
 * written under its hash's name into dir_loc (output-relative) and path. */
static void put_dir(const char *seg, const char *filter, char *dir_loc, size_t cap, char *path,
                    size_t pcap)
{
    mi_index x = fx.ref; /* shallow: only parts' hashes are changed, in a copy of the parts */
    mi_part parts[2];
    memcpy(parts, fx.ref.parts, sizeof parts);
    snprintf(parts[0].seg, sizeof parts[0].seg, "%s", seg);
    snprintf(parts[0].filter, sizeof parts[0].filter, "%s", filter);
    x.parts = parts;
    f2c_buf text = {0}, loc = {0};
    if (mi_format(&x, fx.t, &text, &loc) != 0) abort();
    snprintf(dir_loc, cap, "%s", loc.data);
    snprintf(path, pcap, "%s/out/%s", fx.dir, loc.data);
    put(path, (const uint8_t *)text.data, text.len);
    f2c_buf_free(&text);
    f2c_buf_free(&loc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fx.ready) setup();
    if (size == 0) return 0;
    unsigned sel = data[0];
    data++, size--;
    char name[600], path[600], seg_path[600] = "", saved[700] = "", dir_path[600] = "";
    char hash[17], filter[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)XXH3_64bits(data, size));
    switch (sel & 3) {
    case 0: /* the directory under its own hash's name */
        snprintf(name, sizeof name, "fhir2cdm-index/%s.%s.idx", fx.t->entity, hash);
        if (strcmp(name, fx.index_loc) == 0) return 0; /* the committed bytes: nothing new */
        snprintf(dir_path, sizeof dir_path, "%s/out/%s", fx.dir, name);
        break;
    case 1: /* the directory under the committed one's name */
        snprintf(name, sizeof name, "%s", fx.index_loc);
        snprintf(path, sizeof path, "%s/out/%s", fx.dir, name);
        snprintf(saved, sizeof saved, "%s.saved", path);
        if (rename(path, saved) != 0) abort();
        snprintf(dir_path, sizeof dir_path, "%s", path);
        break;
    case 2: /* the first segment under its own hash's name, and a directory naming it */
        filter_hash(data, size, filter);
        snprintf(seg_path, sizeof seg_path, "%s/out/fhir2cdm-index/%s.%s.seg", fx.dir, fx.t->entity,
                 hash);
        if (strcmp(seg_path, fx.seg0) == 0) return 0; /* the committed bytes: nothing new */
        put_dir(hash, filter, name, sizeof name, path, sizeof path);
        break;
    default: /* the first segment under the committed one's name */
        snprintf(name, sizeof name, "%s", fx.index_loc);
        snprintf(saved, sizeof saved, "%s.saved", fx.seg0);
        if (rename(fx.seg0, saved) != 0) abort();
        snprintf(seg_path, sizeof seg_path, "%s", fx.seg0);
        break;
    }
    if ((sel & 3) < 2)
        put(dir_path, data, size);
    else
        put(seg_path, data, size);
    const char *ids[2] = {"p2", "zz"};
    mi_index x;
    f2c_error e;
    unsigned long long rebuilt = 0;
    f2c_status st =
        mi_load(fx.outfd, "fuzz", fx.t, name, (const char *const *)fx.locs, fx.nlocs,
                (sel & 4) ? ids : NULL, (sel & 4) ? 2 : 0, &fx.sink, NULL, NULL, &rebuilt, &x, &e);
    /* The partitions are intact: whatever the index holds, a load or a rebuild succeeds. */
    if (st != F2C_OK) abort();
    check(&x);
    if (rebuilt && x.nents != fx.ref.nents) abort();
    if (rebuilt) same_as_ref(&x);
    mi_free(&x);
    switch (sel & 3) {
    case 0:
        if (unlink(dir_path) != 0) abort();
        break;
    case 1:
        if (rename(saved, dir_path) != 0) abort();
        break;
    case 2:
        if (unlink(seg_path) != 0 || unlink(path) != 0) abort();
        break;
    default:
        if (rename(saved, seg_path) != 0) abort();
        break;
    }
    return 0;
}
