/*
 * tx_job: the main job, see tx_job.h.
 *
 * Order of work, and why:
 *  1. Everything that can make the whole run pointless is checked before any input is read:
 *     the table configuration or the ViewDefinitions (all their errors at once; both compile
 *     to the same plan, f2c_plan.h), the input list (missing paths, empty
 *     folders, two inputs that would write the same partition name), the output folder (can we
 *     create files there).  Failing here exits 2 and writes nothing.
 *  2. The operation id, unless given, is a hash of the inputs' names and bytes, so re-running
 *     the same job replaces its own partitions instead of adding duplicates, and the same input
 *     always gives byte-identical output.
 *  3. Input files are processed one at a time, lines in order.  A bad line is reported with
 *     file:line (and column), counted and skipped; every other row is kept.  Each table gets a
 *     partition for the file only if the file gives it a row; partitions are written under a
 *     temporary name and renamed when the file is done.
 *  4. model.json is written last, listing the partitions that exist, so it never names a file
 *     that is missing or incomplete.
 */
#include "tx_job.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_flatten.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_view.h"

#include "tx_progress.h"

#define MAX_SHOWN 100 /* messages of one kind printed before only counting */

typedef struct input {
    char *path;
    char *stem; /* file name without .ndjson / .ndjson.gz */
    unsigned long long size;
    time_t mtime;
} input;

typedef struct typecount {
    char *type;
    unsigned long long n;
} typecount;

typedef struct job {
    const tx_options *o;
    f2c_tableset ts;
    f2c_plan *plan; /* the tables' programs (f2c_plan.h), from either input format */
    f2c_plan_ctx *ctx;
    f2c_doc *doc;
    input *inputs;
    size_t ninputs;
    char opid[65];
    int opid_derived;
    tx_progress prog;

    /* per file */
    const input *cur;
    long line;
    f2c_csv **writers; /* one per table, opened lazily */
    f2c_buf pathbuf;
    int fatal;

    /* counts */
    unsigned long long *rows;           /* per table, this run */
    unsigned long long *partitions;     /* per table, written this run */
    unsigned long long **col_warnings;  /* per table, per output column */
    unsigned long long *table_warnings; /* per table: where clauses and iterations that failed */
    unsigned long long lines, resources, rejected, warnings, files_failed, no_id;
    unsigned long long bytes_before; /* bytes of files finished */
    typecount *untabled;
    size_t nuntabled;
} job;

/* ---- messages --------------------------------------------------------------------------- */

static void say_error(job *j, const f2c_error *e)
{
    char buf[2048];
    tx_progress_clear(&j->prog);
    fprintf(stderr, "error: %s\n", f2c_error_format(e, buf, sizeof buf));
}

static void say_diags(job *j, const f2c_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        say_error(j, &d->items[i]);
}

static void reject(job *j, const f2c_error *e)
{
    j->rejected++;
    if (j->rejected <= MAX_SHOWN) say_error(j, e);
    if (j->rejected == MAX_SHOWN)
        fprintf(stderr, "note: further rejected lines are counted but not shown\n");
}

/* ---- inputs ----------------------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

static int add_input(job *j, const char *path, const struct stat *st)
{
    input *in = realloc(j->inputs, (j->ninputs + 1) * sizeof *in);
    if (!in) return -1;
    j->inputs = in;
    input *x = &in[j->ninputs];
    x->path = strdup(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    x->stem = strdup(base);
    if (!x->path || !x->stem) {
        free(x->path);
        free(x->stem);
        return -1;
    }
    size_t n = strlen(x->stem);
    if (has_suffix(x->stem, ".ndjson.gz"))
        x->stem[n - 10] = '\0';
    else if (has_suffix(x->stem, ".ndjson"))
        x->stem[n - 7] = '\0';
    x->size = (unsigned long long)st->st_size;
    x->mtime = st->st_mtime;
    j->ninputs++;
    return 0;
}

static int strptrcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int inputcmp(const void *a, const void *b)
{
    return strcmp(((const input *)a)->stem, ((const input *)b)->stem);
}

/* Expands folders; returns 0 or an exit code. */
static int collect_inputs(job *j)
{
    for (size_t i = 0; i < j->o->ninputs; i++) {
        const char *p = j->o->inputs[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            fprintf(stderr, "error: input %s: %s\n", p, strerror(errno));
            return TX_EXIT_USAGE;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (add_input(j, p, &st) != 0) return TX_EXIT_USAGE;
            continue;
        }
        DIR *d = opendir(p);
        if (!d) {
            fprintf(stderr, "error: input folder %s: %s\n", p, strerror(errno));
            return TX_EXIT_USAGE;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue;
            if (!has_suffix(de->d_name, ".ndjson") && !has_suffix(de->d_name, ".ndjson.gz"))
                continue;
            char **nn = realloc(names, (n + 1) * sizeof *nn);
            if (!nn) break;
            names = nn;
            names[n] = strdup(de->d_name);
            if (names[n]) n++;
        }
        closedir(d);
        qsort(names, n, sizeof *names, strptrcmp);
        size_t before = j->ninputs;
        for (size_t k = 0; k < n; k++) {
            char *full = malloc(strlen(p) + strlen(names[k]) + 2);
            if (full) {
                sprintf(full, "%s%s%s", p, has_suffix(p, "/") ? "" : "/", names[k]);
                struct stat fst;
                if (stat(full, &fst) != 0) {
                    fprintf(stderr, "error: input %s: %s\n", full, strerror(errno));
                    j->files_failed++;
                } else if (S_ISREG(fst.st_mode) && add_input(j, full, &fst) != 0) {
                    fprintf(stderr, "error: out of memory\n");
                    j->files_failed++;
                }
                free(full);
            }
            free(names[k]);
        }
        free(names);
        if (j->ninputs == before) {
            fprintf(stderr, "error: input folder %s has no *.ndjson or *.ndjson.gz files\n", p);
            return TX_EXIT_USAGE;
        }
    }
    if (j->ninputs == 0) {
        fprintf(stderr, "error: no input files\n");
        return TX_EXIT_USAGE;
    }
    /* Sorted by stem: the processing order, and the order the operation id hashes them in. */
    qsort(j->inputs, j->ninputs, sizeof *j->inputs, inputcmp);
    for (size_t i = 1; i < j->ninputs; i++)
        if (strcmp(j->inputs[i - 1].stem, j->inputs[i].stem) == 0) {
            fprintf(stderr,
                    "error: inputs %s and %s would both write partitions named \"%s\"; "
                    "transform them in separate runs or rename one\n",
                    j->inputs[i - 1].path, j->inputs[i].path, j->inputs[i].stem);
            return TX_EXIT_USAGE;
        }
    return 0;
}

/* XXH3-64 over every input's stem and bytes, in stem order. */
static int derive_operation_id(job *j)
{
    XXH3_state_t *h = XXH3_createState();
    char *buf = malloc(1 << 20);
    if (!h || !buf) {
        XXH3_freeState(h);
        free(buf);
        return -1;
    }
    XXH3_64bits_reset(h);
    for (size_t i = 0; i < j->ninputs; i++) {
        XXH3_64bits_update(h, j->inputs[i].stem, strlen(j->inputs[i].stem) + 1);
        FILE *f = fopen(j->inputs[i].path, "rb");
        if (!f) continue; /* reported when the file is processed */
        size_t n;
        while ((n = fread(buf, 1, 1 << 20, f)) > 0)
            XXH3_64bits_update(h, buf, n);
        fclose(f);
    }
    snprintf(j->opid, sizeof j->opid, "%016" PRIx64, (uint64_t)XXH3_64bits_digest(h));
    XXH3_freeState(h);
    free(buf);
    return 0;
}

/* ---- output folder ---------------------------------------------------------------------- */

static int mkdirs(const char *path)
{
    char *p = strdup(path);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static int prepare_output(job *j)
{
    f2c_buf p = {0};
    int rc = 0;
    if (mkdirs(j->o->output_dir) != 0 || f2c_buf_printf(&p, "%s/data", j->o->output_dir) != 0 ||
        mkdirs(p.data) != 0) {
        fprintf(stderr, "error: output folder %s: cannot create: %s\n", j->o->output_dir,
                strerror(errno));
        rc = TX_EXIT_USAGE;
        goto out;
    }
    f2c_buf_reset(&p);
    f2c_buf_printf(&p, "%s/.fhir2cdm-probe-%ld", j->o->output_dir, (long)getpid());
    FILE *f = fopen(p.data, "wb");
    if (!f) {
        fprintf(stderr, "error: output folder %s is not writable: %s\n", j->o->output_dir,
                strerror(errno));
        rc = TX_EXIT_USAGE;
        goto out;
    }
    fclose(f);
    unlink(p.data);
out:
    f2c_buf_free(&p);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------- */

static f2c_status open_partition(job *j, size_t t, f2c_error *err)
{
    const f2c_table *tb = &j->ts.tables[t];
    f2c_buf *p = &j->pathbuf;
    f2c_buf_reset(p);
    if (f2c_buf_printf(p, "%s/data/%s", j->o->output_dir, tb->entity) != 0)
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (mkdirs(p->data) != 0)
        return f2c_error_set(err, F2C_EIO, p->data, 0, 0, NULL, "cannot create folder: %s",
                             strerror(errno));
    f2c_buf_reset(p);
    if (f2c_buf_printf(p, "%s/", j->o->output_dir) != 0 ||
        f2c_cdm_partition_path(p, tb, j->cur->stem, j->opid) != 0)
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    f2c_status st = f2c_csv_open(p->data, &j->writers[t], err);
    if (st != F2C_OK) return st;
    size_t w = f2c_table_width(tb);
    const char **names = malloc(w * sizeof *names);
    size_t *lens = malloc(w * sizeof *lens);
    if (!names || !lens) {
        free(names);
        free(lens);
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < w; i++) {
        names[i] = f2c_table_column_name(tb, i);
        lens[i] = strlen(names[i]);
    }
    st = f2c_csv_write_row(j->writers[t], w, names, lens, err);
    free(names);
    free(lens);
    return st;
}

static f2c_status on_row(void *ud, size_t t, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    job *j = ud;
    if (!j->writers[t]) {
        f2c_status st = open_partition(j, t, err);
        if (st != F2C_OK) return st;
    }
    j->rows[t]++;
    return f2c_csv_write_row(j->writers[t], f2c_table_width(&j->ts.tables[t]), cells, lens, err);
}

static void on_warn(void *ud, size_t t, size_t col, const char *fhir_path, const char *why)
{
    job *j = ud;
    j->warnings++;
    if (col == F2C_ROW_NO_COLUMN)
        j->table_warnings[t]++;
    else
        j->col_warnings[t][col]++;
    if (j->warnings <= MAX_SHOWN) {
        tx_progress_clear(&j->prog);
        if (col == F2C_ROW_NO_COLUMN)
            /* a where clause or an iteration (views): the rows of that context are left out */
            fprintf(stderr, "warning: %s:%ld: table %s at %s: %s; rows left out\n", j->cur->path,
                    j->line, j->ts.tables[t].name, fhir_path, why);
        else
            fprintf(stderr, "warning: %s:%ld: table %s column %s at %s: %s; cell left empty\n",
                    j->cur->path, j->line, j->ts.tables[t].name,
                    f2c_table_column_name(&j->ts.tables[t], col), fhir_path, why);
        if (j->warnings == MAX_SHOWN)
            fprintf(stderr, "note: further warnings are counted but not shown\n");
    }
}

static void count_untabled(job *j, const char *rt)
{
    for (size_t i = 0; i < j->nuntabled; i++)
        if (strcmp(j->untabled[i].type, rt) == 0) {
            j->untabled[i].n++;
            return;
        }
    typecount *u = realloc(j->untabled, (j->nuntabled + 1) * sizeof *u);
    if (!u) return;
    j->untabled = u;
    u[j->nuntabled].type = strdup(rt);
    if (!u[j->nuntabled].type) return;
    u[j->nuntabled++].n = 1;
}

/* One NDJSON line: parse, route, flatten.  Returns F2C_OK or a fatal status. */
static f2c_status do_line(job *j, const char *text, size_t len)
{
    f2c_error e;
    f2c_error_clear(&e);
    const char *file = j->cur->path;
    f2c_json_peek peek;
    f2c_status st = f2c_json_check(text, len, &peek, &e);
    if (st == F2C_OK && peek.is_object && peek.resource_type && peek.resource_type_len < 128) {
        /* A well-formed resource of a type no table reads: count it without building a tree
         * (Bulk Data exports are mostly such lines for a narrow configuration). */
        char rt[128];
        memcpy(rt, peek.resource_type, peek.resource_type_len);
        rt[peek.resource_type_len] = '\0';
        if (f2c_is_resource_type_name(rt) && f2c_plan_tables_for(j->plan, rt) == 0) {
            j->resources++;
            count_untabled(j, rt);
            return F2C_OK;
        }
    }
    if (st == F2C_OK) st = f2c_doc_parse_checked(j->doc, text, len, &e);
    if (st == F2C_ENOMEM) return st;
    if (st != F2C_OK) {
        char what[sizeof e.message];
        memcpy(what, e.message, sizeof what);
        f2c_error_set(&e, st, file, j->line, e.column, NULL, "malformed JSON: %s", what);
        reject(j, &e);
        return F2C_OK;
    }
    const cJSON *root = f2c_doc_root(j->doc);
    if (!cJSON_IsObject(root)) {
        f2c_error_set(&e, F2C_ENOTOBJECT, file, j->line, 0, NULL,
                      "line is a JSON %s, not an object (a FHIR resource)", f2c_json_kind(root));
        reject(j, &e);
        return F2C_OK;
    }
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
    if (!rt) {
        f2c_error_set(&e, F2C_ERESOURCE, file, j->line, 0, "/resourceType",
                      "resource has no \"resourceType\"");
        reject(j, &e);
        return F2C_OK;
    }
    if (!cJSON_IsString(rt)) {
        f2c_error_set(&e, F2C_ERESOURCE, file, j->line, 0, "/resourceType",
                      "\"resourceType\" must be a string, found a JSON %s", f2c_json_kind(rt));
        reject(j, &e);
        return F2C_OK;
    }
    if (!f2c_is_resource_type_name(rt->valuestring)) {
        f2c_error_set(&e, F2C_ERESOURCE, file, j->line, 0, "/resourceType",
                      "\"%.80s\" is not a resource type name (such as Patient)", rt->valuestring);
        reject(j, &e);
        return F2C_OK;
    }
    j->resources++;
    if (f2c_plan_tables_for(j->plan, rt->valuestring) == 0) {
        count_untabled(j, rt->valuestring);
        return F2C_OK;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const char *rid = cJSON_IsString(id) ? id->valuestring : NULL;
    char identity[1024];
    if (rid) {
        snprintf(identity, sizeof identity, "%s/%s", rt->valuestring, rid);
    } else {
        /* Without an id the row's identity is its place in the input. */
        snprintf(identity, sizeof identity, "%s:%ld", j->cur->stem, j->line);
        j->no_id++;
        if (j->no_id <= MAX_SHOWN) {
            tx_progress_clear(&j->prog);
            fprintf(stderr, "warning: %s:%ld: %s resource has no string \"id\"; %s\n", file,
                    j->line, rt->valuestring,
                    j->o->nviews ? "getResourceKey() gives nothing" : "ResourceId left empty");
        }
    }
    f2c_row_sink sink = {.ud = j, .row = on_row, .warn = on_warn};
    st = f2c_plan_resource(j->ctx, j->doc, root, rt->valuestring, rid, identity, &sink, &e);
    if (st != F2C_OK) {
        say_error(j, &e);
        return st;
    }
    return F2C_OK;
}

/* Processes one file; returns F2C_OK or a fatal status (output cannot be written). */
static f2c_status do_file(job *j, const input *in)
{
    j->cur = in;
    j->line = 0;
    f2c_error e;
    f2c_error_clear(&e);
    f2c_ndjson *r = NULL;
    f2c_status st = f2c_ndjson_open(in->path, j->o->max_line, &r, &e);
    if (st != F2C_OK) {
        say_error(j, &e);
        j->files_failed++;
        return st == F2C_ENOMEM ? st : F2C_OK;
    }
    unsigned long long file_lines = 0, tick = 0;
    f2c_status fatal = F2C_OK;
    for (;;) {
        const char *text;
        size_t len;
        st = f2c_ndjson_next(r, &text, &len, &j->line, &e);
        if (st == F2C_EEOF) break;
        if (st == F2C_ETOOLONG || st == F2C_EUTF8) {
            j->lines++;
            reject(j, &e);
            continue;
        }
        if (st == F2C_EIO) {
            /* Rows read so far are kept; the rest of the file cannot be read. */
            say_error(j, &e);
            j->files_failed++;
            break;
        }
        if (st != F2C_OK) {
            say_error(j, &e);
            fatal = st;
            break;
        }
        j->lines++;
        file_lines++;
        fatal = do_line(j, text, len);
        if (fatal != F2C_OK) break;
        if ((++tick & 255) == 0)
            tx_progress_update(&j->prog, j->bytes_before + f2c_ndjson_offset(r), j->resources,
                               in->path);
    }
    f2c_ndjson_close(r);
    if (file_lines == 0 && fatal == F2C_OK) {
        tx_progress_clear(&j->prog);
        fprintf(stderr, "warning: %s: no resources in this file\n", in->path);
    }
    for (size_t t = 0; t < j->ts.count; t++) {
        if (!j->writers[t]) continue;
        if (fatal != F2C_OK) {
            f2c_csv_abort(j->writers[t]);
        } else {
            st = f2c_csv_commit(j->writers[t], &e);
            if (st != F2C_OK) {
                say_error(j, &e);
                fatal = st;
            } else {
                j->partitions[t]++;
            }
        }
        j->writers[t] = NULL;
    }
    j->bytes_before += in->size;
    tx_progress_update(&j->prog, j->bytes_before, j->resources, in->path);
    return fatal;
}

/* ---- model.json ------------------------------------------------------------------------- */

static void utc_string(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_utc_seconds(const char *s)
{
    /* YYYY-MM-DDThh:mm:ssZ, the form this tool writes */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1) return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return 0;
    return 1;
}

/* modifiedTime: the newest input file's modification time, never older than the previous
 * model.json's, so the value depends only on the data (re-runs are byte-identical). */
static void modified_time(job *j, char *buf, size_t n)
{
    time_t newest = 0;
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].mtime > newest) newest = j->inputs[i].mtime;
    utc_string(newest, buf, n);
    f2c_buf prev = {0};
    if (f2c_cdm_read_modified_time(j->o->output_dir, &prev) == 1 && is_utc_seconds(prev.data) &&
        strcmp(prev.data, buf) > 0)
        snprintf(buf, n, "%s", prev.data);
    f2c_buf_free(&prev);
}

/* ---- summary ---------------------------------------------------------------------------- */

static void summary(job *j, double secs, int wrote_model)
{
    unsigned long long bytes = 0;
    for (size_t i = 0; i < j->ninputs; i++)
        bytes += j->inputs[i].size;
    printf("fhir2cdm-transform: operation %s%s\n", j->opid,
           j->opid_derived ? " (derived from the inputs)" : "");
    printf("  input: %zu file%s, %.1f MB, %llu lines, %llu resources in %.2f s (%.1f MB/s)\n",
           j->ninputs, j->ninputs == 1 ? "" : "s", (double)bytes / 1e6, j->lines, j->resources,
           secs, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    printf("  rejected lines: %llu; unreadable files: %llu; warnings: %llu\n", j->rejected,
           j->files_failed, j->warnings + j->no_id);
    if (j->nuntabled) {
        printf("  resources without a table:");
        for (size_t i = 0; i < j->nuntabled; i++)
            printf("%s %s %llu", i ? "," : "", j->untabled[i].type, j->untabled[i].n);
        printf("\n");
    }
    for (size_t t = 0; t < j->ts.count; t++) {
        const f2c_table *tb = &j->ts.tables[t];
        printf("  %s: %llu rows in %llu partition%s -> %s/data/%s/\n", tb->entity, j->rows[t],
               j->partitions[t], j->partitions[t] == 1 ? "" : "s", j->o->output_dir, tb->entity);
        if (j->table_warnings[t])
            printf("    %llu context%s left out (where clause or iteration failed)\n",
                   j->table_warnings[t], j->table_warnings[t] == 1 ? "" : "s");
        for (size_t c = 0; c < f2c_table_width(tb); c++)
            if (j->col_warnings[t][c])
                printf("    column %s: %llu value%s did not match type %s\n",
                       f2c_table_column_name(tb, c), j->col_warnings[t][c],
                       j->col_warnings[t][c] == 1 ? "" : "s",
                       f2c_type_name(f2c_table_column_type(tb, c)));
    }
    if (wrote_model)
        printf("  wrote %s/model.json (%zu entities)\n", j->o->output_dir, j->ts.count);
}

/* ---- the run ---------------------------------------------------------------------------- */

static void job_free(job *j)
{
    for (size_t t = 0; t < j->ts.count; t++) {
        if (j->writers) f2c_csv_abort(j->writers[t]);
        if (j->col_warnings) free(j->col_warnings[t]);
    }
    free(j->writers);
    free(j->rows);
    free(j->partitions);
    free(j->col_warnings);
    free(j->table_warnings);
    for (size_t i = 0; i < j->ninputs; i++) {
        free(j->inputs[i].path);
        free(j->inputs[i].stem);
    }
    free(j->inputs);
    for (size_t i = 0; i < j->nuntabled; i++)
        free(j->untabled[i].type);
    free(j->untabled);
    f2c_buf_free(&j->pathbuf);
    f2c_doc_free(j->doc);
    f2c_plan_ctx_free(j->ctx);
    f2c_plan_free(j->plan);
    f2c_tableset_free(&j->ts);
}

int tx_run(const tx_options *o)
{
    job j = {.o = o};
    int rc = TX_EXIT_OK;
    double t0 = tx_now();
    tx_progress_init(&j.prog, 0, 0);

    /* Both input formats end as a tableset and its plan; nothing after this knows which. */
    f2c_diags diags = {0};
    f2c_status st;
    if (o->nviews) {
        st = f2c_view_load(o->views, o->nviews, &j.ts, &j.plan, &diags);
    } else {
        st = f2c_tablecfg_load(o->config_dir, o->max_depth, &j.ts, &diags);
        if (st == F2C_OK) st = f2c_flatten_compile(&j.ts, &j.plan, &diags);
    }
    if (st != F2C_OK) {
        say_diags(&j, &diags);
        if (o->nviews) {
            if (diags.count == 0)
                fprintf(stderr, "error: cannot load the ViewDefinitions (%s)\n",
                        f2c_status_name(st));
            fprintf(stderr,
                    "fhir2cdm-transform: ViewDefinitions have %zu error%s; nothing "
                    "written\n",
                    diags.count, diags.count == 1 ? "" : "s");
            f2c_diags_free(&diags);
            rc = TX_EXIT_USAGE;
            goto done;
        }
        if (diags.count == 0)
            fprintf(stderr, "error: %s: cannot load the table configuration (%s)\n", o->config_dir,
                    f2c_status_name(st));
        fprintf(stderr, "fhir2cdm-transform: configuration %s has %zu error%s; nothing written\n",
                o->config_dir, diags.count, diags.count == 1 ? "" : "s");
        f2c_diags_free(&diags);
        rc = TX_EXIT_USAGE;
        goto done;
    }
    f2c_diags_free(&diags);

    if ((rc = collect_inputs(&j)) != 0) goto done;
    if ((rc = prepare_output(&j)) != 0) goto done;

    size_t nt = j.ts.count;
    j.ctx = f2c_plan_ctx_new(j.plan);
    j.doc = f2c_doc_new();
    j.writers = calloc(nt ? nt : 1, sizeof *j.writers);
    j.rows = calloc(nt ? nt : 1, sizeof *j.rows);
    j.partitions = calloc(nt ? nt : 1, sizeof *j.partitions);
    j.col_warnings = calloc(nt ? nt : 1, sizeof *j.col_warnings);
    j.table_warnings = calloc(nt ? nt : 1, sizeof *j.table_warnings);
    int oom = !j.ctx || !j.doc || !j.writers || !j.rows || !j.partitions || !j.col_warnings ||
              !j.table_warnings;
    for (size_t t = 0; t < nt && !oom; t++) {
        j.col_warnings[t] = calloc(f2c_table_width(&j.ts.tables[t]), sizeof **j.col_warnings);
        oom = !j.col_warnings[t];
    }
    if (oom) {
        fprintf(stderr, "error: out of memory\n");
        rc = TX_EXIT_USAGE;
        goto done;
    }

    if (o->operation_id) {
        snprintf(j.opid, sizeof j.opid, "%s", o->operation_id);
    } else {
        if (derive_operation_id(&j) != 0) {
            fprintf(stderr, "error: out of memory\n");
            rc = TX_EXIT_USAGE;
            goto done;
        }
        j.opid_derived = 1;
    }

    unsigned long long total = 0;
    for (size_t i = 0; i < j.ninputs; i++)
        total += j.inputs[i].size;
    tx_progress_init(&j.prog, !o->quiet, total);

    for (size_t i = 0; i < j.ninputs; i++) {
        st = do_file(&j, &j.inputs[i]);
        if (st != F2C_OK) {
            tx_progress_clear(&j.prog);
            fprintf(stderr,
                    "fhir2cdm-transform: stopped: output cannot be written (%s); "
                    "model.json not updated\n",
                    f2c_status_name(st));
            rc = TX_EXIT_USAGE;
            goto done;
        }
    }
    tx_progress_finish(&j.prog);

    char mtime[32];
    modified_time(&j, mtime, sizeof mtime);
    f2c_error e;
    f2c_error_clear(&e);
    st = f2c_cdm_write_model(o->output_dir, "fhir2cdm", &j.ts, mtime, &diags, &e);
    say_diags(&j, &diags);
    if (st != F2C_OK) {
        say_error(&j, &e);
        rc = TX_EXIT_USAGE;
    } else if (diags.count || j.files_failed || j.rejected > o->max_errors) {
        rc = TX_EXIT_DATA;
    }
    f2c_diags_free(&diags);
    if (!o->quiet) summary(&j, tx_now() - t0, st == F2C_OK);
    if (rc == TX_EXIT_DATA && j.rejected > o->max_errors)
        fprintf(stderr, "fhir2cdm-transform: %llu line%s rejected (--max-errors %llu)\n",
                j.rejected, j.rejected == 1 ? "" : "s", o->max_errors);
done:
    job_free(&j);
    return rc;
}
