/*
 * tx_publish: CDM folder publishing into Blob Storage, shared by Batch mode and export.
 * Public contract in tx_publish.h.
 *
 * Why it is shaped so:
 *  - One copy of each step.  The Batch task mode (transform-data, finalize, generate-schema) and
 *    `export --output <blob URL>` publish the same way: partitions with the block writer (a blob
 *    appears only when complete) into the slot the committed model.json does not list, then
 *    model.json -- the commit record -- built with f2c_cdm_model_json (the bytes a local folder
 *    gets) and uploaded with one Put Blob, then the incremental-run state.  Keeping these here
 *    means the two commands cannot drift apart.
 *  - model.json is the commit record, as in a local folder (f2c_cdm_publish): the new one is the
 *    committed one's partitions, minus those of the pairs this run replaces, plus this run's.
 *    Blob storage has no rename, so instead of a staging folder a run writes into the *other*
 *    slot of its (stem, operation id) pair: what a reader of the committed model.json reads never
 *    changes, and a blob of an unfinished attempt is listed by nobody.  A listing never decides
 *    what is published (only what is reported as left alone, and the one-time migration of an
 *    earlier release's folder, whose model.json did not carry the record annotation).
 *  - A Batch operation is spread over tasks that Batch may kill and retry, so each task says
 *    what it committed with a task record written last (one Put Blob: it exists only when the
 *    attempt succeeded) and finalize reads only records.  The record is deleted before the
 *    attempt uploads anything, so a record never names a blob a later, unfinished attempt
 *    rewrote.  Export runs in one process and passes its uploads directly.
 *  - A carried partition whose header is not the one its table writes now (written under another
 *    configuration) is left out of model.json, as the local folder does; checking costs one
 *    ranged GET of a few hundred bytes per partition.
 *  - Deleting replaced partitions and consumed records happens after the commit and is best
 *    effort: a blob left over is unreferenced, never listed again.
 *  - Two formats, one protocol (issue 17): CSV partitions are committed by model.json, Parquet
 *    partitions by the CDM manifest (model.json may only describe CSV partitions, CDM folder
 *    specification; the manifest format: https://learn.microsoft.com/en-us/common-data-model/
 *    sdk/manifest), whose entity documents are uploaded before it.  The documents come from
 *    f2c_cdm_documents, the code that writes a local folder's, and the record is uploaded last,
 *    so it stays the one commit point.  A container holds one format: mixing them would leave
 *    one record listing partitions another describes, so a run of the other format is refused
 *    before it uploads anything, and finalize refuses task records of the other format.
 *  - A carried Parquet partition is checked like a CSV one, by the sink's own test
 *    (f2c_sink_matches) on its footer: the footer and the leading magic are fetched with ranged
 *    GETs into a sparse temporary file of the blob's size, so the check reads a few kilobytes,
 *    not the partition.
 *  - Nothing here prints a credential; the environment is read only in tx_pub_client_new and for
 *    the test fault point.
 */
#include "tx_publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"

#define PARTITION_PREFIX "partition-data-"

const char *tx_pub_extension(const char *format)
{
    return format && strcmp(format, "parquet") == 0 ? ".parquet" : ".csv";
}

const char *tx_pub_format_label(const char *format)
{
    return format && strcmp(format, "parquet") == 0 ? "Parquet" : "CSV";
}

/* 1 when format is "parquet". */
static int is_parquet(const char *format)
{
    return format && strcmp(format, "parquet") == 0;
}

/* The format whose partitions file name `file` has: its extension ends it (".b.parquet" too). */
static const char *format_of_file(const char *file)
{
    size_t n = strlen(file), k = strlen(".parquet");
    return n >= k && strcmp(file + n - k, ".parquet") == 0 ? "parquet" : "csv";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static f2c_status nomem(f2c_error *e)
{
    return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

/* Appends s (taken: freed on failure) to v[0..*n); 0, or -1 when out of memory. */
static int push_owned(char ***v, size_t *n, size_t *cap, char *s)
{
    if (!s) return -1;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **grown = realloc(*v, nc * sizeof *grown);
        if (!grown) {
            free(s);
            return -1;
        }
        *v = grown;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return 0;
}

static int push_copy(char ***v, size_t *n, size_t *cap, const char *s)
{
    return push_owned(v, n, cap, strdup(s));
}

/* Index of s in sorted v[0..n), or -1. */
static long find_sorted(char *const *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid], s);
        if (c == 0) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Sorts v[0..*n) and drops duplicates (freeing them). */
static void sort_unique(char **v, size_t *n)
{
    if (*n > 1) qsort(v, *n, sizeof *v, cmp_names);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0)
            free(v[i]);
        else
            v[k++] = v[i];
    }
    *n = k;
}

/* The table of ts whose entity folder holds location loc ("data/<entity>/<file>", file without
 * '/'), or NULL. */
static const f2c_table *entity_of(const f2c_tableset *ts, const char *loc)
{
    if (strncmp(loc, "data/", 5) != 0) return NULL;
    const char *ent = loc + 5, *slash = strchr(ent, '/');
    if (!slash || slash == ent || strchr(slash + 1, '/') || !slash[1]) return NULL;
    for (size_t k = 0; k < ts->count; k++)
        if (strlen(ts->tables[k].entity) == (size_t)(slash - ent) &&
            strncmp(ts->tables[k].entity, ent, (size_t)(slash - ent)) == 0)
            return &ts->tables[k];
    return NULL;
}

/* 1 when loc is "data/<entity>/partition-data-*.csv" without ".tmp-" (what an earlier
 * release's finalize listed), else 0. */
static int old_partition_location(const char *loc)
{
    if (strncmp(loc, "data/", 5) != 0) return 0;
    const char *ent = loc + 5, *slash = strchr(ent, '/');
    if (!slash || slash == ent || strchr(slash + 1, '/')) return 0;
    const char *file = slash + 1;
    size_t n = strlen(file);
    return strncmp(file, PARTITION_PREFIX, strlen(PARTITION_PREFIX)) == 0 && n > 4 &&
           strcmp(file + n - 4, ".csv") == 0 && !strstr(file, ".tmp-");
}

/* FHIR2CDM_FAULT=upload:<k>: SIGKILL right after the k-th partition blob (tests only). */
void tx_pub_fault(const char *point)
{
    const char *f = getenv("FHIR2CDM_FAULT");
    if (!f || strcmp(f, point) != 0) return;
    fflush(stdout);
    fflush(stderr);
    raise(SIGKILL);
}

void tx_pub_fault_after_upload(size_t k)
{
    const char *f = getenv("FHIR2CDM_FAULT");
    if (!f || strncmp(f, "upload:", 7) != 0) return;
    char *end;
    unsigned long long want = strtoull(f + 7, &end, 10);
    if (end == f + 7 || *end || want != k) return;
    fflush(stdout);
    fflush(stderr);
    raise(SIGKILL);
}

f2c_status tx_pub_client_new(const char *endpoint, const char *account, const char *mi_client_id,
                             f2c_blob_client **out, f2c_error *e)
{
    const char *key = getenv("FHIR2CDM_STORAGE_KEY");
    const char *sas = getenv("FHIR2CDM_STORAGE_SAS");
    f2c_token_opts tok = {.kind = F2C_TOKEN_MANAGED_IDENTITY,
                          .client_id = mi_client_id,
                          .imds_endpoint = getenv("FHIR2CDM_IMDS_ENDPOINT")};
    f2c_blob_opts bo = {.endpoint = endpoint, .account = account};
    if (key && *key)
        bo.shared_key_b64 = key;
    else if (sas && *sas)
        bo.sas = sas;
    else
        bo.token = &tok;
    return f2c_blob_client_new(&bo, out, e);
}

const char *tx_pub_auth_name(void)
{
    const char *key = getenv("FHIR2CDM_STORAGE_KEY");
    const char *sas = getenv("FHIR2CDM_STORAGE_SAS");
    return key && *key ? "shared key" : sas && *sas ? "SAS" : "managed identity";
}

int tx_pub_prefix(const char *path, f2c_buf *out)
{
    f2c_buf_reset(out);
    if (f2c_buf_reserve(out, 1) != 0) return -1;
    out->data[0] = '\0';
    for (const char *p = path ? path : ""; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0) break;
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return -1;
        if (f2c_buf_append(out, p, n) != 0 || f2c_buf_appendc(out, '/') != 0) return -1;
        p += n;
    }
    return 0;
}

f2c_status tx_pub_upload_file(f2c_blob_client *b, const char *container, const char *blob,
                              const char *path, const char *content_type, f2c_error *e)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
    f2c_blob_writer *w = NULL;
    f2c_status st = f2c_blob_writer_open(b, container, blob, 0, content_type, &w, e);
    char chunk[65536];
    size_t n;
    while (st == F2C_OK && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        st = f2c_blob_writer_write(w, chunk, n, e);
    if (st == F2C_OK && ferror(fp))
        st = f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
    fclose(fp);
    if (st == F2C_OK) return f2c_blob_writer_commit(w, e);
    f2c_blob_writer_abort(w);
    return st;
}

f2c_status tx_pub_list(f2c_blob_client *b, const char *container, const char *prefix, char ***names,
                       uint64_t **sizes, size_t *count, f2c_error *e)
{
    f2c_status st = F2C_OK;
    char *marker = NULL;
    size_t cap = 0;
    *names = NULL;
    if (sizes) *sizes = NULL;
    *count = 0;
    do {
        f2c_blob_list page = {0};
        st = f2c_blob_list_page(b, container, prefix, marker, 0, &page, e);
        free(marker);
        marker = NULL;
        for (size_t i = 0; st == F2C_OK && i < page.count; i++) {
            if (*count == cap) {
                cap = cap ? cap * 2 : 64;
                char **grown = realloc(*names, cap * sizeof *grown);
                if (!grown) {
                    st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                    break;
                }
                *names = grown;
                if (sizes) {
                    uint64_t *gs = realloc(*sizes, cap * sizeof *gs);
                    if (!gs) {
                        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                        break;
                    }
                    *sizes = gs;
                }
            }
            if (sizes) (*sizes)[*count] = page.items[i].size;
            if (!((*names)[*count] = strdup(page.items[i].name)))
                st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            else
                (*count)++;
        }
        if (st == F2C_OK && page.next_marker && !(marker = strdup(page.next_marker)))
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        f2c_blob_list_free(&page);
    } while (st == F2C_OK && marker);
    free(marker);
    return st;
}

void tx_pub_free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static int to_buf(void *ud, const void *data, size_t len)
{
    return f2c_buf_append((f2c_buf *)ud, data, len) != 0;
}

f2c_status tx_pub_get_text(f2c_blob_client *b, const char *container, const char *blob,
                           uint64_t offset, uint64_t length, f2c_buf *out, f2c_error *e)
{
    return f2c_blob_get(b, container, blob, offset, length, to_buf, out, NULL, e);
}

/* ---- the published state -------------------------------------------------------------------- */

typedef struct sized_name {
    char *name;
    uint64_t size;
} sized_name;

static int cmp_sized(const void *a, const void *b)
{
    return strcmp(((const sized_name *)a)->name, ((const sized_name *)b)->name);
}

/* Lists <prefix>data/ into p->blobs (locations, sorted) and p->sizes. */
static f2c_status list_data(f2c_blob_client *b, const char *container, const char *prefix,
                            tx_pub_published *p, f2c_error *e)
{
    f2c_buf where = {0};
    if (f2c_buf_printf(&where, "%sdata/", prefix) != 0) return nomem(e);
    f2c_status st = tx_pub_list(b, container, where.data, &p->blobs, &p->sizes, &p->nblobs, e);
    f2c_buf_free(&where);
    if (st != F2C_OK) return st;
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < p->nblobs; i++)
        memmove(p->blobs[i], p->blobs[i] + plen, strlen(p->blobs[i] + plen) + 1);
    if (p->nblobs > 1) {
        sized_name *v = malloc(p->nblobs * sizeof *v);
        if (!v) return nomem(e);
        for (size_t i = 0; i < p->nblobs; i++)
            v[i] = (sized_name){p->blobs[i], p->sizes[i]};
        qsort(v, p->nblobs, sizeof *v, cmp_sized);
        for (size_t i = 0; i < p->nblobs; i++) {
            p->blobs[i] = v[i].name;
            p->sizes[i] = v[i].size;
        }
        free(v);
    }
    p->listed = 1;
    return F2C_OK;
}

/* A format mismatch: the container's record `record` (full blob name) is of format `have`, the
 * run writes `want`. */
static f2c_status mismatch(f2c_error *e, const char *container, const char *record,
                           const char *have, const char *want)
{
    return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                         "%s/%s holds %s partitions; this run writes %s: a CDM folder holds one "
                         "format, so write into another container or folder, or use --format %s",
                         container, record, tx_pub_format_label(have), tx_pub_format_label(want),
                         is_parquet(have) ? "parquet" : "csv");
}

/* Reads container/<prefix><record> into *text (name: its blob name); *found 0 when missing. */
static f2c_status get_record(f2c_blob_client *b, const char *container, const char *prefix,
                             const char *record, f2c_buf *name, f2c_buf *text, int *found,
                             f2c_error *e)
{
    f2c_buf_reset(name);
    f2c_buf_reset(text);
    *found = 0;
    if (f2c_buf_printf(name, "%s%s", prefix, record) != 0) return nomem(e);
    f2c_status st = tx_pub_get_text(b, container, name->data, 0, 0, text, e);
    if (st != F2C_OK && f2c_blob_last_http_status(b) == 404) return F2C_OK; /* none yet */
    *found = st == F2C_OK;
    return st;
}

/* Parses the record text of format fmt (blob name) into out->committed. */
static f2c_status take_record(const char *container, const char *name, const f2c_buf *text,
                              const char *fmt, tx_pub_published *out, size_t *cap, f2c_error *e)
{
    f2c_cdm_record rec = {0};
    f2c_error pe;
    f2c_error_clear(&pe);
    out->have_model = 1;
    out->format = fmt;
    f2c_status st = f2c_cdm_record_parse(text->data ? text->data : "", text->len, &rec, &pe);
    if (st == F2C_ENOMEM)
        nomem(e);
    else if (st != F2C_OK)
        st = f2c_error_set(e, F2C_EJSON, NULL, 0, 0, NULL,
                           "%s/%s: not a record this program can read (%s); nothing is "
                           "published over it",
                           container, name, pe.message);
    else if (rec.format && strcmp(rec.format, fmt) != 0)
        st = mismatch(e, container, name, rec.format, fmt);
    /* Only CSV folders of an earlier release lack the commit annotation. */
    out->migrated = st == F2C_OK && !rec.committed && !is_parquet(fmt);
    for (size_t i = 0; st == F2C_OK && !out->migrated && i < rec.count; i++)
        if (push_copy(&out->committed, &out->ncommitted, cap, rec.locations[i]) != 0) st = nomem(e);
    f2c_cdm_record_free(&rec);
    return st;
}

f2c_status tx_pub_read_published(f2c_blob_client *b, const char *container, const char *prefix,
                                 const char *format, int list, tx_pub_published *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
    prefix = prefix ? prefix : "";
    const char *fmt = is_parquet(format) ? "parquet" : "csv";
    const char *other = is_parquet(format) ? "csv" : "parquet";
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "parquet") != 0)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "output format \"%.64s\" is not known (known: csv, parquet)", format);
    f2c_buf name = {0}, text = {0};
    size_t cap = 0;
    int found = 0;
    f2c_status st =
        get_record(b, container, prefix, f2c_cdm_record_name(fmt), &name, &text, &found, e);
    if (st == F2C_OK && found)
        st = take_record(container, name.data, &text, fmt, out, &cap, e);
    else if (st == F2C_OK &&
             (st = get_record(b, container, prefix, f2c_cdm_record_name(other), &name, &text,
                              &found, e)) == F2C_OK &&
             found)
        st = mismatch(e, container, name.data, other, fmt); /* one format per folder */
    if (st == F2C_OK && (list || out->migrated)) st = list_data(b, container, prefix, out, e);
    /* An earlier release's folder: its partition blobs are the committed set, once. */
    for (size_t i = 0; st == F2C_OK && out->migrated && i < out->nblobs; i++)
        if (old_partition_location(out->blobs[i]) &&
            push_copy(&out->committed, &out->ncommitted, &cap, out->blobs[i]) != 0)
            st = nomem(e);
    sort_unique(out->committed, &out->ncommitted);
    f2c_buf_free(&name);
    f2c_buf_free(&text);
    return st;
}

void tx_pub_published_free(tx_pub_published *p)
{
    if (!p) return;
    tx_pub_free_names(p->committed, p->ncommitted);
    tx_pub_free_names(p->blobs, p->nblobs);
    free(p->sizes);
    memset(p, 0, sizeof *p);
}

/* ---- tasks ---------------------------------------------------------------------------------- */

tx_pub_task *tx_pub_tasks_add(tx_pub_tasks *t, const char *stem, const char *operation_id)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].stem, stem) == 0 &&
            strcmp(t->items[i].operation_id, operation_id) == 0)
            return &t->items[i];
    if (t->count == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        tx_pub_task *grown = realloc(t->items, nc * sizeof *grown);
        if (!grown) return NULL;
        t->items = grown;
        t->cap = nc;
    }
    tx_pub_task *x = &t->items[t->count];
    memset(x, 0, sizeof *x);
    x->stem = strdup(stem);
    x->operation_id = strdup(operation_id);
    if (!x->stem || !x->operation_id) {
        free(x->stem);
        free(x->operation_id);
        return NULL;
    }
    t->count++;
    return x;
}

void tx_pub_tasks_free(tx_pub_tasks *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) {
        free(t->items[i].stem);
        free(t->items[i].operation_id);
        tx_pub_free_names(t->items[i].locations, t->items[i].count);
    }
    free(t->items);
    tx_pub_free_names(t->records, t->nrecords);
    memset(t, 0, sizeof *t);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The slot and extension of a name's tail after the operation id: ".csv" (0), ".b.csv" (1), the
 * same with ".parquet"; -1 for anything else. */
static int tail_slot(const char *tail, const char **ext)
{
    static const char *const exts[] = {".csv", ".parquet"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        *ext = exts[i];
        if (strcmp(tail, exts[i]) == 0) return 0;
        if (strncmp(tail, ".b", 2) == 0 && strcmp(tail + 2, exts[i]) == 0) return 1;
    }
    return -1;
}

int tx_pub_parse_partition(const char *name, char **stem, char **operation_id, int *slot,
                           const char **ext)
{
    size_t pl = strlen(PARTITION_PREFIX);
    if (strncmp(name, PARTITION_PREFIX, pl) != 0) return 0;
    const char *esc = name + pl, *dash = strchr(esc, '-');
    if (!dash) return 0;
    const char *op = dash + 1;
    size_t ol = strcspn(op, ".");
    const char *x = NULL;
    int sl = tail_slot(op + ol, &x);
    if (sl < 0 || ol == 0) return 0;
    f2c_buf s = {0}, again = {0};
    int rc = 1;
    for (const char *p = esc; p < dash && rc == 1; p++) {
        if (*p == '%') {
            int hi = dash - p > 2 ? hexval(p[1]) : -1, lo = hi >= 0 ? hexval(p[2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                rc = 0;
                break;
            }
            if (f2c_buf_appendc(&s, (char)(hi * 16 + lo)) != 0) rc = -1;
            p += 2;
        } else if (f2c_buf_appendc(&s, *p) != 0)
            rc = -1;
    }
    if (rc == 1 && f2c_buf_reserve(&s, 1) != 0) rc = -1;
    if (rc == 1 && s.data) s.data[s.len] = '\0';
    char *o = rc == 1 ? strndup(op, ol) : NULL;
    if (rc == 1 && !o) rc = -1;
    /* The name must be exactly what f2c_cdm_partition_name gives for what was read. */
    if (rc == 1 && f2c_cdm_partition_name(&again, s.data ? s.data : "", o, sl, x) != 0) rc = -1;
    if (rc == 1 && strcmp(again.data ? again.data : "", name) != 0) rc = 0;
    if (rc == 1) {
        *stem = s.data ? s.data : strdup("");
        *operation_id = o;
        *slot = sl;
        *ext = x;
        if (!*stem) {
            free(o);
            rc = -1;
        }
    } else {
        free(o);
        f2c_buf_free(&s);
    }
    f2c_buf_free(&again);
    return rc;
}

/* ---- upload --------------------------------------------------------------------------------- */

/* The names in folder path not starting with '.', sorted by strcmp (so uploads go in a fixed
 * order, whatever readdir gives): *names owned by the caller (tx_pub_free_names). */
static f2c_status sorted_names(const char *path, char ***names, size_t *n, f2c_error *e)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d) return f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot list: %s", strerror(errno));
    size_t cap = 0;
    f2c_status st = F2C_OK;
    struct dirent *de;
    while (st == F2C_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (push_copy(names, n, &cap, de->d_name) != 0) st = nomem(e);
    }
    closedir(d);
    if (st == F2C_OK && *n > 1) qsort(*names, *n, sizeof **names, cmp_names);
    return st;
}

/* Compares a blob's body with a local file as it streams in. */
typedef struct cmp_ctx {
    FILE *fp;
    int differs;
} cmp_ctx;

static int cmp_chunk(void *ud, const void *data, size_t len)
{
    cmp_ctx *c = ud;
    char buf[16384];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (fread(buf, 1, n, c->fp) != n || memcmp(buf, (const char *)data + done, n) != 0) {
            c->differs = 1;
            return 1; /* stop the transfer */
        }
        done += n;
    }
    return 0;
}

/*
 * *same = 1 when container/blob holds exactly the bytes of local file path (a rerun that gives
 * the same partition keeps the committed blob, as a local folder keeps its file), else 0.  A size
 * probe (a 1-byte range) first, so a different blob is not downloaded.
 */
static f2c_status same_content(f2c_blob_client *b, const char *container, const char *blob,
                               const char *path, int *same, f2c_error *e)
{
    *same = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
    uint64_t total = 0;
    f2c_buf probe = {0};
    f2c_status st = sb.st_size > 0 ? tx_pub_get_text(b, container, blob, 0, 1, &probe, e)
                                   : F2C_OK; /* an empty file never matches a partition */
    if (st != F2C_OK && f2c_blob_last_http_status(b) == 404) {
        f2c_buf_free(&probe); /* listed but gone: not the same (the other slot is written) */
        return F2C_OK;
    }
    if (st == F2C_OK && sb.st_size > 0) {
        f2c_buf_free(&probe);
        FILE *fp = fopen(path, "rb");
        if (!fp)
            return f2c_error_set(e, F2C_EIO, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
        cmp_ctx c = {.fp = fp};
        f2c_error tmp;
        f2c_error_clear(&tmp);
        st = f2c_blob_get(b, container, blob, 0, 0, cmp_chunk, &c, &total, &tmp);
        if (c.differs)
            st = F2C_OK; /* our callback stopped it: not the same */
        else if (st == F2C_OK)
            *same = total == (uint64_t)sb.st_size && fgetc(fp) == EOF;
        else if (e)
            *e = tmp;
        fclose(fp);
    }
    f2c_buf_free(&probe);
    return st;
}

/* Where one local partition file goes (entity ent, slot-0 name file, a run writing format). */
typedef struct upload_item {
    const char *container, *prefix, *local, *ent, *file, *format;
} upload_item;

/* Uploads one local partition file into its free slot. */
static f2c_status upload_one(f2c_blob_client *b, const upload_item *u, const tx_pub_published *cur,
                             FILE *log, tx_pub_tasks *out, f2c_error *e)
{
    const char *container = u->container, *prefix = u->prefix, *local = u->local, *ent = u->ent,
               *file = u->file;
    char *stem = NULL, *op = NULL;
    const char *ext = NULL;
    int slot = 0;
    int got = tx_pub_parse_partition(file, &stem, &op, &slot, &ext);
    if (got < 0) return nomem(e);
    const char *why = got == 0 || slot != 0 ? "not a partition file name of this release"
                      : strcmp(ext, tx_pub_extension(u->format)) != 0
                          ? "a partition of another format than this run's"
                          : NULL;
    if (why) {
        if (got) {
            free(stem);
            free(op);
        }
        return f2c_error_set(e, F2C_ECONFIG, local, 0, 0, NULL, "%s; not uploaded", why);
    }
    f2c_buf loc0 = {0}, loc1 = {0}, blob = {0};
    f2c_status st = F2C_OK;
    if (f2c_buf_printf(&loc0, "data/%s/%s", ent, file) != 0 ||
        f2c_buf_printf(&loc1, "data/%s/", ent) != 0 ||
        f2c_cdm_partition_name(&loc1, stem, op, 1, ext) != 0)
        st = nomem(e);
    int l0 = st == F2C_OK && find_sorted(cur->committed, cur->ncommitted, loc0.data) >= 0;
    int l1 = st == F2C_OK && find_sorted(cur->committed, cur->ncommitted, loc1.data) >= 0;
    const char *target = l0 ? loc1.data : loc0.data;
    int same = 0;
    if (st == F2C_OK && l0 && l1)
        st = f2c_error_set(e, F2C_ECONFIG, NULL, 0, 0, NULL,
                           "%s/%s%s and %s/%s%s are both listed in model.json: no free slot "
                           "for this partition (a listed blob is never rewritten)",
                           container, prefix, loc0.data, container, prefix, loc1.data);
    /* The committed partition of the pair already holds these bytes: keep it (no upload). */
    if (st == F2C_OK && (l0 || l1) &&
        f2c_buf_printf(&blob, "%s%s", prefix, l0 ? loc0.data : loc1.data) != 0)
        st = nomem(e);
    if (st == F2C_OK && (l0 || l1) &&
        (st = same_content(b, container, blob.data, local, &same, e)) == F2C_OK && same) {
        target = l0 ? loc0.data : loc1.data;
        if (log) fprintf(log, "unchanged %s/%s (committed; kept)\n", container, blob.data);
    }
    f2c_buf_reset(&blob);
    if (st == F2C_OK && !same && f2c_buf_printf(&blob, "%s%s", prefix, target) != 0) st = nomem(e);
    if (st == F2C_OK && !same)
        st = tx_pub_upload_file(
            b, container, blob.data, local,
            is_parquet(u->format) ? "application/vnd.apache.parquet" : "text/csv", e);
    if (st == F2C_OK && !same && log) fprintf(log, "uploaded %s/%s\n", container, blob.data);
    tx_pub_task *t = st == F2C_OK ? tx_pub_tasks_add(out, stem, op) : NULL;
    if (st == F2C_OK && (!t || push_copy(&t->locations, &t->count, &t->cap, target) != 0))
        st = nomem(e);
    free(stem);
    free(op);
    f2c_buf_free(&loc0);
    f2c_buf_free(&loc1);
    f2c_buf_free(&blob);
    return st;
}

f2c_status tx_pub_upload_run(f2c_blob_client *b, const char *container, const char *prefix,
                             const char *format, const char *cdm_dir, const tx_pub_published *cur,
                             FILE *log, tx_pub_tasks *out, size_t *count, f2c_error *e)
{
    prefix = prefix ? prefix : "";
    f2c_buf data = {0};
    if (f2c_buf_printf(&data, "%s/data", cdm_dir) != 0) return nomem(e);
    struct stat sb;
    if (stat(data.data, &sb) != 0 && errno == ENOENT) {
        f2c_buf_free(&data); /* no table got rows: nothing to upload */
        return F2C_OK;
    }
    char **ents = NULL;
    size_t nents = 0, done = 0;
    f2c_status st = sorted_names(data.data, &ents, &nents, e);
    for (size_t i = 0; st == F2C_OK && i < nents; i++) {
        f2c_buf edir = {0};
        char **files = NULL;
        size_t nfiles = 0;
        if (f2c_buf_printf(&edir, "%s/%s", data.data, ents[i]) != 0)
            st = nomem(e);
        else
            st = sorted_names(edir.data, &files, &nfiles, e);
        for (size_t k = 0; st == F2C_OK && k < nfiles; k++) {
            f2c_buf local = {0};
            if (f2c_buf_printf(&local, "%s/%s", edir.data, files[k]) != 0)
                st = nomem(e);
            else {
                upload_item u = {container, prefix, local.data, ents[i], files[k], format};
                st = upload_one(b, &u, cur, log, out, e);
            }
            f2c_buf_free(&local);
            if (st == F2C_OK) {
                (*count)++;
                tx_pub_fault_after_upload(++done);
            }
        }
        tx_pub_free_names(files, nfiles);
        f2c_buf_free(&edir);
    }
    tx_pub_free_names(ents, nents);
    f2c_buf_free(&data);
    return st;
}

/* ---- task records --------------------------------------------------------------------------- */

int tx_pub_task_blob(f2c_buf *out, const char *prefix, const char *stem, const char *operation_id)
{
    /* The record's name is the pair's escaped stem, whatever the format: the ".csv" name is only
     * the way to that escaping (one record per pair, so a pair has one format). */
    f2c_buf n = {0};
    size_t pl = strlen(PARTITION_PREFIX), tail = 1 + strlen(operation_id) + 4; /* -<op>.csv */
    int rc = f2c_cdm_partition_name(&n, stem, operation_id, 0, ".csv") != 0 || n.len < pl + tail
                 ? -1
                 : f2c_buf_printf(out, "%s" TX_PUB_TASKS_DIR "%s/%.*s.json", prefix ? prefix : "",
                                  operation_id, (int)(n.len - pl - tail), n.data + pl);
    f2c_buf_free(&n);
    return rc;
}

f2c_status tx_pub_task_forget(f2c_blob_client *b, const char *container, const char *prefix,
                              const char *stem, const char *operation_id, f2c_error *e)
{
    f2c_buf name = {0};
    f2c_status st = tx_pub_task_blob(&name, prefix, stem, operation_id) == 0
                        ? f2c_blob_delete(b, container, name.data, NULL, e)
                        : nomem(e);
    f2c_buf_free(&name);
    return st;
}

f2c_status tx_pub_task_put(f2c_blob_client *b, const char *container, const char *prefix,
                           const tx_pub_task *t, f2c_error *e)
{
    cJSON *doc = cJSON_CreateObject(), *parts = NULL;
    char *text = NULL;
    int ok = doc && cJSON_AddStringToObject(doc, "operationId", t->operation_id) &&
             cJSON_AddStringToObject(doc, "stem", t->stem) &&
             (parts = cJSON_AddArrayToObject(doc, "partitions")) != NULL;
    for (size_t i = 0; ok && i < t->count; i++) {
        cJSON *s = cJSON_CreateString(t->locations[i]);
        ok = s && cJSON_AddItemToArray(parts, s);
        if (s && !ok) cJSON_Delete(s);
    }
    if (ok) text = cJSON_Print(doc);
    cJSON_Delete(doc);
    f2c_buf name = {0};
    f2c_status st;
    if (!text || tx_pub_task_blob(&name, prefix, t->stem, t->operation_id) != 0)
        st = nomem(e);
    else
        st = f2c_blob_put(b, container, name.data, text, strlen(text), "application/json", e);
    free(text);
    f2c_buf_free(&name);
    return st;
}

/* Reads one task record blob `name` of operation_id into out. */
static f2c_status read_task(f2c_blob_client *b, const char *container, const char *prefix,
                            const char *name, const char *operation_id, tx_pub_tasks *out,
                            f2c_error *e)
{
    f2c_buf text = {0}, want = {0};
    f2c_status st = tx_pub_get_text(b, container, name, 0, 0, &text, e);
    if (st != F2C_OK) return st;
    cJSON *doc = cJSON_ParseWithLength(text.data ? text.data : "", text.len);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(doc, "operationId");
    const cJSON *stem = cJSON_GetObjectItemCaseSensitive(doc, "stem");
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(doc, "partitions");
    const char *why = NULL;
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(doc, "mode");
    if (cJSON_IsString(mode) && strcmp(mode->valuestring, "merge") == 0) {
        st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                           "task record %s/%s was written by transform-data --mode merge: run "
                           "finalize with --mode merge",
                           container, name);
    } else if (!cJSON_IsString(op) || !cJSON_IsString(stem) || !cJSON_IsArray(parts))
        why = "not a task record (operationId, stem, partitions)";
    else if (strcmp(op->valuestring, operation_id) != 0)
        why = "names another operation id";
    else if (tx_pub_task_blob(&want, prefix, stem->valuestring, operation_id) != 0)
        st = nomem(e);
    else if (strcmp(want.data, name) != 0)
        why = "its stem does not give its name";
    tx_pub_task *t = NULL;
    if (!why && st == F2C_OK && !(t = tx_pub_tasks_add(out, stem->valuestring, operation_id)))
        st = nomem(e);
    const cJSON *p;
    if (t) {
        cJSON_ArrayForEach(p, parts)
        {
            const char *loc = cJSON_IsString(p) ? p->valuestring : "";
            const char *file = strrchr(loc, '/');
            if (strncmp(loc, "data/", 5) != 0 || !file || strchr(loc + 5, '/') != file ||
                file == loc + 5 || !f2c_cdm_partition_is_of(file + 1, t->stem, operation_id)) {
                why = "lists a location that is not a partition of its stem and operation id";
                break;
            }
            if (push_copy(&t->locations, &t->count, &t->cap, loc) != 0) {
                st = nomem(e);
                break;
            }
        }
    }
    if (why && st == F2C_OK)
        st = f2c_error_set(e, F2C_EJSON, NULL, 0, 0, NULL, "task record %s/%s: %s", container, name,
                           why);
    if (st == F2C_OK && push_copy(&out->records, &out->nrecords, &out->rcap, name) != 0)
        st = nomem(e);
    cJSON_Delete(doc);
    f2c_buf_free(&text);
    f2c_buf_free(&want);
    return st;
}

f2c_status tx_pub_read_tasks(f2c_blob_client *b, const char *container, const char *prefix,
                             const char *operation_id, tx_pub_tasks *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
    prefix = prefix ? prefix : "";
    f2c_buf where = {0};
    char **names = NULL;
    size_t n = 0;
    f2c_status st = f2c_buf_printf(&where, "%s" TX_PUB_TASKS_DIR "%s/", prefix, operation_id) == 0
                        ? tx_pub_list(b, container, where.data, &names, NULL, &n, e)
                        : nomem(e);
    for (size_t i = 0; st == F2C_OK && i < n; i++) {
        size_t len = strlen(names[i]);
        if (len > 5 && strcmp(names[i] + len - 5, ".json") == 0 &&
            !strchr(names[i] + where.len, '/'))
            st = read_task(b, container, prefix, names[i], operation_id, out, e);
    }
    tx_pub_free_names(names, n);
    f2c_buf_free(&where);
    return st;
}

/* ---- the commit ----------------------------------------------------------------------------- */

/* What one commit works with: the target, the format and its lazily made sink (Parquet's
 * schema check), the listing made after the run's uploads. */
typedef struct commit_ctx {
    f2c_blob_client *b;
    const char *container, *prefix;
    const f2c_tableset *ts;
    const f2c_sink_options *so;
    const char *format, *record; /* "csv"/"parquet"; "model.json"/"model.manifest.cdm.json" */
    f2c_sink sink;
    int have_sink;
    tx_pub_published now;
} commit_ctx;

/* CSV: *ok = container/blob starts with t's header record and CRLF. */
static f2c_status csv_fits(commit_ctx *c, const f2c_table *t, const char *blob, uint64_t size,
                           int *ok, f2c_error *e)
{
    f2c_buf header = {0}, got = {0};
    f2c_status st = F2C_OK;
    if (f2c_cdm_header_record(&header, t) != 0) st = nomem(e);
    /* A blob shorter than the header cannot match (and a range past its end fails). */
    else if (size >= header.len + 2 &&
             (st = tx_pub_get_text(c->b, c->container, blob, 0, header.len + 2, &got, e)) == F2C_OK)
        *ok = got.len == header.len + 2 && memcmp(got.data, header.data, header.len) == 0 &&
              got.data[header.len] == '\r' && got.data[header.len + 1] == '\n';
    f2c_buf_free(&header);
    f2c_buf_free(&got);
    return st;
}

/* Writes the fetched pieces at their offsets into a new sparse temporary file of size bytes and
 * returns it opened read-only and already removed; -1 with errno.  The file lives in a private
 * folder (mkdtemp: mode 0700) of TMPDIR, removed with it: a footer holds column statistics
 * (min/max values of the data), which no other user of a shared /tmp may read. */
static int sparse_copy(uint64_t size, const f2c_buf *head, const f2c_buf *tail, uint64_t tail_at)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], name[128];
    if (snprintf(dir, sizeof dir, "%s/fhir2cdm-footer-XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
        (int)sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!mkdtemp(dir)) return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int fd = dfd >= 0 ? f2c_fs_temp_at(dfd, "footer-", "", name, sizeof name) : -1;
    int ok = fd >= 0 && ftruncate(fd, (off_t)size) == 0 &&
             pwrite(fd, head->data, head->len, 0) == (ssize_t)head->len &&
             pwrite(fd, tail->data, tail->len, (off_t)tail_at) == (ssize_t)tail->len;
    int rfd = ok ? f2c_fs_open_read_at(dfd, name) : -1;
    int saved = errno;
    if (fd >= 0) {
        close(fd);
        unlinkat(dfd, name, 0);
    }
    if (dfd >= 0) close(dfd);
    rmdir(dir);
    errno = saved;
    return rfd;
}

/*
 * Parquet: *ok = container/blob still has t's schema, by the sink's own check.  A Parquet file
 * ends with its footer: the FileMetaData (parquet.thrift struct FileMetaData, field 2 schema), a
 * 4-byte little-endian length of it and the magic "PAR1", and starts with "PAR1" (Apache Parquet
 * format, "File Format"); those pieces are fetched (two ranged GETs after the length) into a
 * sparse temporary file of the blob's size, read by f2c_sink_matches as a local file would be.
 */
static f2c_status parquet_fits(commit_ctx *c, const f2c_table *t, const char *blob, uint64_t size,
                               int *ok, f2c_error *e)
{
    if (!c->have_sink) {
        f2c_sink_options so = c->so ? *c->so : (f2c_sink_options){0};
        so.format = "parquet";
        f2c_status st = f2c_sink_new(&so, &c->sink, e);
        if (st != F2C_OK) return st;
        c->have_sink = 1;
    }
    if (size < 12) return F2C_OK; /* magic, length, magic: shorter is no Parquet file */
    f2c_buf head = {0}, tail = {0};
    f2c_status st = tx_pub_get_text(c->b, c->container, blob, size - 8, 8, &tail, e);
    uint64_t flen = 0;
    for (int i = 3; st == F2C_OK && tail.len == 8 && i >= 0; i--)
        flen = flen * 256 + (unsigned char)tail.data[i];
    int plausible = st == F2C_OK && tail.len == 8 && flen <= size - 12;
    f2c_buf_reset(&tail);
    if (plausible && (st = tx_pub_get_text(c->b, c->container, blob, size - 8 - flen, flen + 8,
                                           &tail, e)) == F2C_OK)
        st = tx_pub_get_text(c->b, c->container, blob, 0, 4, &head, e);
    if (plausible && st == F2C_OK) {
        int fd = sparse_copy(size, &head, &tail, size - 8 - flen);
        int r = fd >= 0 ? f2c_sink_matches(&c->sink, fd, t) : -1;
        if (r < 0)
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                               "%s/%s: cannot check its Parquet schema (temporary file: %s)",
                               c->container, blob, strerror(errno));
        *ok = r == 1;
        if (fd >= 0) close(fd);
    }
    f2c_buf_free(&head);
    f2c_buf_free(&tail);
    return st;
}

/* 1 in *ok when the carried partition container/<prefix><loc> of table t still fits it (the
 * format's check), 0 when not (warned about on stderr); an error status when it cannot be read. */
static f2c_status still_fits(commit_ctx *c, const f2c_table *t, const char *loc, uint64_t size,
                             int *ok, f2c_error *e)
{
    f2c_buf blob = {0};
    *ok = 0;
    f2c_status st = f2c_buf_printf(&blob, "%s%s", c->prefix, loc) != 0 ? nomem(e)
                    : is_parquet(c->format) ? parquet_fits(c, t, blob.data, size, ok, e)
                                            : csv_fits(c, t, blob.data, size, ok, e);
    if (st == F2C_OK && !*ok)
        fprintf(stderr,
                "warning: %s/%s: partition %s does not match the attributes of entity %s; "
                "left out of %s\n",
                c->container, blob.data, is_parquet(c->format) ? "schema" : "header", t->entity,
                c->record);
    f2c_buf_free(&blob);
    return st;
}

/* The names of both slots of every pair of the run, sorted: a committed partition with one of
 * them is replaced (a rerun replaces its own, in every table). */
static f2c_status run_pairs(const commit_ctx *c, const tx_pub_tasks *run, char ***pairs,
                            size_t *npairs, f2c_error *e)
{
    size_t cap = 0;
    f2c_buf name = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; run && i < run->count && st == F2C_OK; i++)
        for (int slot = 0; slot < 2 && st == F2C_OK; slot++) {
            f2c_buf_reset(&name);
            if (f2c_cdm_partition_name(&name, run->items[i].stem, run->items[i].operation_id, slot,
                                       tx_pub_extension(c->format)) != 0 ||
                push_copy(pairs, npairs, &cap, name.data) != 0)
                st = nomem(e);
        }
    f2c_buf_free(&name);
    sort_unique(*pairs, npairs);
    return st;
}

/* The committed partitions carried over into keep, the replaced ones into replaced. */
static f2c_status carry(commit_ctx *c, const tx_pub_published *cur, char **pairs, size_t npairs,
                        tx_pub_outcome *out, char ***keep, size_t *nkeep, char ***replaced,
                        size_t *nrep, f2c_error *e)
{
    size_t ckeep = *nkeep, crep = 0;
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < cur->ncommitted; i++) {
        const char *loc = cur->committed[i];
        const f2c_table *t = entity_of(c->ts, loc);
        if (!t) continue; /* not an entity of the configuration: the record does not describe it */
        long at = find_sorted(c->now.blobs, c->now.nblobs, loc);
        if (find_sorted(pairs, npairs, strrchr(loc, '/') + 1) >= 0) {
            if (at >= 0 && push_copy(replaced, nrep, &crep, loc) != 0) st = nomem(e);
            continue;
        }
        if (at < 0) {
            fprintf(stderr, "warning: %s/%s%s: listed in %s but missing; left out of %s\n",
                    c->container, c->prefix, loc, c->record, c->record);
            out->left_out++;
            continue;
        }
        int ok = 0;
        st = still_fits(c, t, loc, c->now.sizes[at], &ok, e);
        if (st == F2C_OK && !ok) out->left_out++;
        if (st == F2C_OK && ok && push_copy(keep, nkeep, &ckeep, loc) != 0) st = nomem(e);
    }
    return st;
}

/* The run's partitions into keep: each must exist (a record names only committed uploads) and be
 * of the commit's format (finalize and its tasks must agree). */
static f2c_status add_run(const commit_ctx *c, const tx_pub_tasks *run, char ***keep, size_t *nkeep,
                          f2c_error *e)
{
    size_t ckeep = *nkeep;
    f2c_status st = F2C_OK;
    for (size_t i = 0; run && st == F2C_OK && i < run->count; i++)
        for (size_t k = 0; st == F2C_OK && k < run->items[i].count; k++) {
            const tx_pub_task *t = &run->items[i];
            const char *loc = t->locations[k], *has = format_of_file(strrchr(loc, '/') + 1);
            if (strcmp(has, c->format) != 0)
                st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                   "the partitions of stem \"%s\" (operation %s) are %s (%s/%s%s) "
                                   "but this commit writes %s: give finalize the tasks' format "
                                   "(--format %s); %s left as it was",
                                   t->stem, t->operation_id, tx_pub_format_label(has), c->container,
                                   c->prefix, loc, tx_pub_format_label(c->format), has, c->record);
            else if (find_sorted(c->now.blobs, c->now.nblobs, loc) < 0)
                st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                                   "%s/%s%s (stem \"%s\", operation %s) does not exist although "
                                   "its task reported it uploaded; %s left as it was",
                                   c->container, c->prefix, loc, t->stem, t->operation_id,
                                   c->record);
            else if (push_copy(keep, nkeep, &ckeep, loc) != 0)
                st = nomem(e);
        }
    return st;
}

/* Uploads the format's documents listing keep[0..nkeep), the record last (the commit point). */
static f2c_status put_documents(commit_ctx *c, const char *modified_time, char **keep, size_t nkeep,
                                f2c_error *e)
{
    f2c_cdm_docs docs = {0};
    f2c_buf name = {0};
    int dp = c->so ? c->so->decimal_precision : 0, ds = c->so ? c->so->decimal_scale : 0;
    f2c_status st = f2c_cdm_documents(c->format, dp, ds, "fhir2cdm", c->ts, modified_time,
                                      (const char *const *)keep, nkeep, &docs, e);
    for (size_t i = 0; st == F2C_OK && i < docs.count; i++) {
        f2c_buf_reset(&name);
        const f2c_cdm_doc *d = &docs.items[i];
        if (f2c_buf_printf(&name, "%s%s", c->prefix, d->name) != 0)
            st = nomem(e);
        else
            st = f2c_blob_put(c->b, c->container, name.data, d->text.data ? d->text.data : "",
                              d->text.len, "application/json", e);
    }
    f2c_cdm_docs_free(&docs);
    f2c_buf_free(&name);
    return st;
}

/* After the commit: what no committed record lists is reported and left alone; what this commit
 * replaced, and the records it consumed, are garbage now. */
static f2c_status sort_out(const commit_ctx *c, const tx_pub_published *cur,
                           const tx_pub_tasks *run, char **keep, size_t nkeep, char **replaced,
                           size_t nrep, FILE *log, tx_pub_outcome *out, f2c_error *e)
{
    size_t cgarb = 0;
    f2c_buf name = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < c->now.nblobs; i++) {
        const char *loc = c->now.blobs[i];
        int is_kept = find_sorted(keep, nkeep, loc) >= 0;
        if (find_sorted(replaced, nrep, loc) >= 0 && !is_kept) {
            f2c_buf_reset(&name);
            if (f2c_buf_printf(&name, "%s%s", c->prefix, loc) != 0 ||
                push_copy(&out->garbage, &out->ngarbage, &cgarb, name.data) != 0)
                st = nomem(e);
        } else if (!is_kept && find_sorted(cur->committed, cur->ncommitted, loc) < 0) {
            out->unlisted++;
            if (log)
                fprintf(log,
                        "note: %s/%s%s: not listed in %s (not from a committed run); left "
                        "alone\n",
                        c->container, c->prefix, loc, c->record);
        }
    }
    for (size_t i = 0; run && st == F2C_OK && i < run->nrecords; i++)
        if (push_copy(&out->garbage, &out->ngarbage, &cgarb, run->records[i]) != 0) st = nomem(e);
    f2c_buf_free(&name);
    return st;
}

f2c_status tx_pub_commit(f2c_blob_client *b, const char *container, const char *prefix,
                         const f2c_tableset *ts, const f2c_sink_options *so,
                         const char *modified_time, const tx_pub_published *cur,
                         const tx_pub_tasks *run, FILE *log, tx_pub_outcome *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
    const char *format = so && is_parquet(so->format) ? "parquet" : "csv";
    commit_ctx c = {.b = b,
                    .container = container,
                    .prefix = prefix ? prefix : "",
                    .ts = ts,
                    .so = so,
                    .format = format,
                    .record = f2c_cdm_record_name(format)};
    char **keep = NULL, **replaced = NULL, **pairs = NULL;
    size_t nkeep = 0, nrep = 0, npairs = 0;
    f2c_status st = F2C_OK;
    if (so && so->format && strcmp(so->format, "csv") != 0 && !is_parquet(so->format))
        st =
            f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                          "output format \"%.64s\" is not known (known: csv, parquet)", so->format);
    else if (cur->format && strcmp(cur->format, format) != 0)
        st = mismatch(e, container, c.record, cur->format, format);
    /* What exists now (the run's uploads included). */
    if (st == F2C_OK) st = list_data(b, container, c.prefix, &c.now, e);
    if (st == F2C_OK) st = run_pairs(&c, run, &pairs, &npairs, e);
    if (st == F2C_OK) st = carry(&c, cur, pairs, npairs, out, &keep, &nkeep, &replaced, &nrep, e);
    if (st == F2C_OK) st = add_run(&c, run, &keep, &nkeep, e);
    sort_unique(keep, &nkeep);
    for (size_t i = 0; i < nkeep; i++)
        out->listed += entity_of(ts, keep[i]) != NULL;
    if (st == F2C_OK) st = put_documents(&c, modified_time, keep, nkeep, e);
    if (st == F2C_OK) st = sort_out(&c, cur, run, keep, nkeep, replaced, nrep, log, out, e);
    if (c.have_sink) f2c_sink_free(&c.sink);
    tx_pub_published_free(&c.now);
    tx_pub_free_names(keep, nkeep);
    tx_pub_free_names(replaced, nrep);
    tx_pub_free_names(pairs, npairs);
    return st;
}

size_t tx_pub_cleanup(f2c_blob_client *b, const char *container, const tx_pub_outcome *out,
                      FILE *log)
{
    size_t n = 0;
    for (size_t i = 0; i < out->ngarbage; i++) {
        f2c_error e;
        f2c_error_clear(&e);
        int deleted = 0;
        if (f2c_blob_delete(b, container, out->garbage[i], &deleted, &e) != F2C_OK) {
            if (log)
                fprintf(log,
                        "warning: %s/%s: could not delete (%s); left alone, listed by no "
                        "model.json\n",
                        container, out->garbage[i], e.message);
        } else
            n += deleted != 0;
    }
    return n;
}

void tx_pub_outcome_free(tx_pub_outcome *out)
{
    if (!out) return;
    tx_pub_free_names(out->garbage, out->ngarbage);
    memset(out, 0, sizeof *out);
}

/* ---- state ---------------------------------------------------------------------------------- */

char *tx_pub_state_text(const char *transaction_time, const char *operation_id)
{
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;
    if (doc && cJSON_AddStringToObject(doc, "transactionTime", transaction_time) &&
        cJSON_AddStringToObject(doc, "operationId", operation_id ? operation_id : ""))
        text = cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}

f2c_status tx_pub_write_state(f2c_blob_client *b, const char *container, const char *prefix,
                              const char *transaction_time, const char *operation_id, f2c_error *e)
{
    char *text = tx_pub_state_text(transaction_time, operation_id);
    f2c_buf name = {0};
    f2c_status st;
    if (!text || f2c_buf_printf(&name, "%s" TX_STATE_NAME, prefix ? prefix : "") != 0)
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    else
        st = f2c_blob_put(b, container, name.data, text, strlen(text), "application/json", e);
    free(text);
    f2c_buf_free(&name);
    return st;
}
