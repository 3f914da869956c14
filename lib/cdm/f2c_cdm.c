/*
 * f2c_cdm: see f2c_cdm.h and docs/cdm-folder.md.
 *
 * Why it is shaped so:
 *  - model.json is built as a cJSON tree and printed once (cJSON_Print), never concatenated by
 *    hand, so escaping is always right; keys are added in one fixed order and partitions are
 *    sorted with strcmp, so the same folder and modified_time always give the same bytes (a
 *    rerun that changes nothing rewrites an identical file).
 *  - Partitions are discovered from the folder rather than remembered from this run, so
 *    partitions written by earlier runs (other operation ids) stay listed, and the file lists
 *    exactly what a consumer will find.  Each one's header record is compared with the header
 *    this table would write (f2c_cdm_header_record, quoting by f2c_csv_append_field), so a
 *    partition from another table configuration is never described with the wrong attributes.
 *  - f2c_cdm_model_json takes the partition list from the caller instead (the Batch finalize lists
 *    blobs, not files) and shares everything else with the folder scan, so a Batch run and a
 *    local run over the same partitions give the same bytes.
 *  - No per-partition "refreshTime": it would come from file timestamps, which change when a
 *    folder is copied and would make the output depend on the file system, not on the data.
 *  - The record is written by the commit (f2c_commit_finish: staged, fsynced, renamed over the
 *    old one after the partitions), so a reader sees the old or the new record, never a partial
 *    one.
 *  - No global or static mutable state: everything lives in locals and the caller's buffers.
 *  - One commit for both formats: f2c_cdm_publish writes the record of the sink's format
 *    (model.json, or the manifest and entity documents of f2c_cdm_manifest.c) with the same
 *    committed list, slots and checks; a committed partition still fits its table when the sink
 *    says so (ops->matches: CSV header, Parquet schema), called through the ops so this file does
 *    not depend on f2c_sink.c.
 */
#include "fhir2cdm/f2c_cdm.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_csv.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_type.h"

#include "f2c_cdm_internal.h"

#define PARTITION_PREFIX "partition-data-"
#define CSV_EXT ".csv"
#define TEMP_MARK ".tmp-"
#define SLOT1_MARK ".b" /* before the extension: the replacement slot */
#define COMMIT_ANNOTATION F2C_CDM_COMMIT_ANNOTATION
#define INDEX_ANNOTATION F2C_CDM_INDEX_ANNOTATION
#define MODEL_FILE F2C_CDM_MODEL_FILE

/* Fixed texts of model.json (docs/cdm-folder.md explains each). */
#define MODEL_VERSION "1.0"
#define MODEL_DESCRIPTION F2C_CDM_DESCRIPTION

/* Bytes kept as they are in an escaped stem; every other byte becomes %XX. */
static int stem_byte_plain(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_';
}

static int append_escaped_stem(f2c_buf *out, const char *stem)
{
    for (const unsigned char *p = (const unsigned char *)stem; *p; p++) {
        int r = stem_byte_plain(*p) ? f2c_buf_appendc(out, (char)*p)
                                    : f2c_buf_printf(out, "%%%02X", *p);
        if (r != 0) return -1;
    }
    return 0;
}

/* Extensions of every format's partition files (f2c_sink_extension), the longest last. */
static const char *const partition_exts[] = {".csv", ".parquet"};
#define NEXTS (sizeof partition_exts / sizeof partition_exts[0])

int f2c_cdm_partition_name(f2c_buf *out, const char *stem, const char *operation_id, int slot,
                           const char *ext)
{
    size_t start = out->len;
    assert(ext && ext[0] == '.');
    if (f2c_buf_appends(out, PARTITION_PREFIX) != 0 || append_escaped_stem(out, stem) != 0 ||
        f2c_buf_printf(out, "-%s%s%s", operation_id, slot ? SLOT1_MARK : "", ext) != 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
        return -1;
    }
    return 0;
}

int f2c_cdm_partition_name_fits(const char *stem, const char *operation_id)
{
    f2c_buf b = {0};
    int ok = f2c_cdm_partition_name(&b, stem, operation_id, 1, partition_exts[NEXTS - 1]) == 0 &&
             b.len <= F2C_CDM_NAME_MAX;
    f2c_buf_free(&b);
    return ok;
}

int f2c_cdm_partition_is_of(const char *name, const char *stem, const char *operation_id)
{
    f2c_buf b = {0};
    int is = 0;
    for (size_t x = 0; x < NEXTS && !is; x++)
        for (int slot = 0; slot < 2 && !is; slot++) {
            f2c_buf_reset(&b);
            is = f2c_cdm_partition_name(&b, stem, operation_id, slot, partition_exts[x]) == 0 &&
                 strcmp(b.data, name) == 0;
        }
    f2c_buf_free(&b);
    return is;
}

int f2c_cdm_partition_path(f2c_buf *out, const f2c_table *t, const char *stem,
                           const char *operation_id, const char *ext)
{
    size_t start = out->len;
    if (f2c_buf_printf(out, "data/%s/", t->entity) != 0 ||
        f2c_cdm_partition_name(out, stem, operation_id, 0, ext) != 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
        return -1;
    }
    return 0;
}

int f2c_cdm_header_record(f2c_buf *out, const f2c_table *t)
{
    size_t start = out->len;
    size_t width = f2c_table_width(t);
    for (size_t i = 0; i < width; i++) {
        const char *name = f2c_table_column_name(t, i);
        if ((i && f2c_buf_appendc(out, ',') != 0) ||
            f2c_csv_append_field(out, name, strlen(name)) != 0) {
            out->len = start; /* leave out as it was */
            if (out->data) out->data[start] = '\0';
            return -1;
        }
    }
    return 0;
}

/* ---- partition discovery ---------------------------------------------------------------- */

typedef f2c_cdmi_list name_list;

#define name_list_free f2c_cdmi_list_free
#define name_list_add f2c_cdmi_list_add

#define cmp_names f2c_cdmi_cmp_names

/*
 * Lists the regular files of folder dfd whose names are partition names of extension ext (or all
 * regular files, when ext is NULL), sorted by strcmp.  Links are not partitions (never followed).
 */
static f2c_status list_files(int dfd, const char *shown, const char *ext, name_list *out,
                             f2c_error *err)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return f2c_error_set(err, F2C_EIO, shown, 0, 0, NULL, "cannot list partition folder: %s",
                             strerror(errno));
    }
    f2c_status st = F2C_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0)
                st = f2c_error_set(err, F2C_EIO, shown, 0, 0, NULL,
                                   "cannot list partition folder: %s", strerror(errno));
            break;
        }
        if (e->d_name[0] == '.' || (ext && !f2c_cdmi_is_partition_name(e->d_name, ext))) continue;
        struct stat sb;
        if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (name_list_add(out, e->d_name) != 0) {
            st = f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
            break;
        }
    }
    closedir(d);
    if (st == F2C_OK && out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_names);
    return st;
}

/*
 * Reads up to `cap` bytes from the start of dfd/name (not following a link) into buf (reset
 * first).  Returns F2C_OK, F2C_EIO (err filled; errno kept: ENOENT for a missing file) or
 * F2C_ENOMEM.
 */
static f2c_status read_prefix(int dfd, const char *name, const char *shown, size_t cap,
                              f2c_buf *buf, f2c_error *err)
{
    f2c_buf_reset(buf);
    if (f2c_buf_reserve(buf, cap) != 0)
        return f2c_error_set(err, F2C_ENOMEM, shown, 0, 0, NULL, "out of memory");
    int fd = f2c_fs_open_read_at(dfd, name);
    if (fd < 0) {
        int e = errno;
        f2c_error_set(err, F2C_EIO, shown, 0, 0, NULL, "cannot read partition: %s", strerror(e));
        errno = e;
        return F2C_EIO;
    }
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf->data + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return f2c_error_set(err, F2C_EIO, shown, 0, 0, NULL, "cannot read partition: %s",
                                 strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    buf->len = n;
    buf->data[n] = '\0';
    return F2C_OK;
}

/* Appends s[0..n) to out for a message: printable ASCII kept, other bytes as \xNN.  Used only
 * for text that is ours (the header our configuration gives), never for a file's bytes. */
static int append_visible(f2c_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int r = (c >= 0x20 && c < 0x7f) ? f2c_buf_appendc(out, (char)c)
                                        : f2c_buf_printf(out, "\\x%02X", c);
        if (r != 0) return -1;
    }
    return 0;
}

/*
 * Checks that partition `path` starts with the record `header` followed by CRLF (our writer
 * ends every record with CRLF).  Sets *ok.  On a mismatch appends an F2C_ECONFIG diagnostic
 * naming the file, the record expected and the 1-based byte where the file first differs from
 * it.  The file's own bytes are never put in the message: a partition may be a link or a file
 * that is not ours (a symbolic link to /etc/passwd would otherwise print its first line).
 */
static f2c_status check_header(int dfd, const char *name, const char *path, const char *entity,
                               const f2c_buf *header, f2c_buf *scratch, f2c_diags *diags, int *ok,
                               f2c_error *err)
{
    size_t want = header->len + 2; /* the record and its CRLF */
    f2c_status st = read_prefix(dfd, name, path, want, scratch, err);
    if (st != F2C_OK) return st;
    size_t same = 0; /* bytes equal to the expected record + CRLF */
    while (same < scratch->len && same < want &&
           scratch->data[same] == (same < header->len    ? header->data[same]
                                   : same == header->len ? '\r'
                                                         : '\n'))
        same++;
    *ok = same == want;
    if (*ok || !diags) return F2C_OK;

    f2c_buf msg = {0};
    int r = f2c_buf_printf(&msg,
                           "partition header does not match the attributes of entity %s; "
                           "left out of model.json. expected the first record \"",
                           entity);
    if (r == 0) r = append_visible(&msg, header->data, header->len);
    if (r == 0)
        r = same < scratch->len
                ? f2c_buf_printf(&msg, "\\r\\n\" (%zu bytes); the file differs from byte %zu", want,
                                 same + 1)
                : f2c_buf_printf(&msg, "\\r\\n\" (%zu bytes); the file ends after %zu byte%s", want,
                                 same, same == 1 ? "" : "s");
    if (r != 0) {
        f2c_buf_free(&msg);
        return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    f2c_error d;
    f2c_error_set(&d, F2C_ECONFIG, path, 0, 0, NULL, "%s", msg.data);
    f2c_buf_free(&msg);
    if (f2c_diags_add(diags, &d) != F2C_OK)
        return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    return F2C_OK;
}

/* ---- model.json tree ---------------------------------------------------------------------- */

/* Adds the CSV settings every partition shares (see docs/cdm-folder.md, "CSV format"). */
static int add_csv_settings(cJSON *partition)
{
    cJSON *s = cJSON_AddObjectToObject(partition, "fileFormatSettings");
    return s && cJSON_AddStringToObject(s, "$type", "CsvFormatSettings") &&
                   cJSON_AddTrueToObject(s, "columnHeaders") &&
                   cJSON_AddStringToObject(s, "delimiter", ",") &&
                   cJSON_AddStringToObject(s, "quoteStyle", "QuoteStyle.Csv") &&
                   cJSON_AddStringToObject(s, "csvStyle", "CsvStyle.QuoteAlways") &&
                   cJSON_AddStringToObject(s, "encoding", "UTF-8")
               ? 0
               : -1;
}

static int add_entity_description(cJSON *entity, const f2c_table *t, f2c_buf *scratch)
{
    f2c_buf_reset(scratch);
    int r = f2c_cdmi_entity_description(scratch, t);
    return r == 0 && cJSON_AddStringToObject(entity, "description", scratch->data) ? 0 : -1;
}

static int add_attributes(cJSON *entity, const f2c_table *t)
{
    cJSON *attrs = cJSON_AddArrayToObject(entity, "attributes");
    if (!attrs) return -1;
    size_t width = f2c_table_width(t);
    for (size_t i = 0; i < width; i++) {
        cJSON *a = cJSON_CreateObject();
        if (!a) return -1;
        if (!cJSON_AddItemToArray(attrs, a)) {
            cJSON_Delete(a);
            return -1;
        }
        if (!cJSON_AddStringToObject(a, "name", f2c_table_column_name(t, i)) ||
            !cJSON_AddStringToObject(a, "dataType",
                                     f2c_type_cdm_datatype(f2c_table_column_type(t, i))))
            return -1;
    }
    return 0;
}

typedef struct model_ctx {
    /* the partition locations to list, relative to the CDM folder */
    const char *const *given;
    size_t ngiven;
    const char *const *indexes; /* per table: the entity's index annotation, or NULL */
    f2c_error *err;
    f2c_buf scratch; /* texts */
} model_ctx;

static f2c_status nomem(model_ctx *c, const char *file)
{
    return f2c_error_set(c->err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

/* Adds "partitions" of table t (the given locations in its folder) to entity. */
static f2c_status add_partitions(model_ctx *c, cJSON *entity, const f2c_table *t)
{
    cJSON *parts = cJSON_AddArrayToObject(entity, "partitions");
    if (!parts) return nomem(c, NULL);
    name_list names = {0};
    f2c_status st = f2c_cdmi_entity_files(c->given, c->ngiven, t, CSV_EXT, &names, c->err);
    for (size_t i = 0; st == F2C_OK && i < names.count; i++) {
        const char *file = names.items[i];
        cJSON *p = cJSON_CreateObject();
        if (!p || !cJSON_AddItemToArray(parts, p)) {
            cJSON_Delete(p);
            st = nomem(c, file);
            break;
        }
        /* name: the file name without ".csv"; location: relative to the CDM folder. */
        f2c_buf_reset(&c->scratch);
        int r = f2c_buf_append(&c->scratch, file, strlen(file) - strlen(CSV_EXT));
        if (r == 0 && !cJSON_AddStringToObject(p, "name", c->scratch.data)) r = -1;
        f2c_buf_reset(&c->scratch);
        if (r == 0) r = f2c_buf_printf(&c->scratch, "data/%s/%s", t->entity, file);
        if (r == 0 && !cJSON_AddStringToObject(p, "location", c->scratch.data)) r = -1;
        if (r == 0) r = add_csv_settings(p);
        if (r != 0) st = nomem(c, file);
    }
    name_list_free(&names);
    return st;
}

/* An "annotations" array of obj holding one name/value pair ([MJ]: annotations are
 * name/value pairs consumers may ignore, at the root and on entities). */
static int add_annotation(cJSON *obj, const char *name, const char *value)
{
    cJSON *list = cJSON_AddArrayToObject(obj, "annotations");
    cJSON *a = list ? cJSON_CreateObject() : NULL;
    if (!a || !cJSON_AddItemToArray(list, a)) {
        cJSON_Delete(a);
        return -1;
    }
    return cJSON_AddStringToObject(a, "name", name) && cJSON_AddStringToObject(a, "value", value)
               ? 0
               : -1;
}

/* The root annotation that marks a model.json as a commit record ([MJ] "Root properties"). */
static int add_commit_annotation(cJSON *root)
{
    return add_annotation(root, COMMIT_ANNOTATION, "1");
}

static f2c_status build_model(model_ctx *c, cJSON *root, const char *model_name,
                              const f2c_tableset *ts, const char *modified_time)
{
    if (!cJSON_AddStringToObject(root, "name", model_name) ||
        !cJSON_AddStringToObject(root, "description", MODEL_DESCRIPTION) ||
        !cJSON_AddStringToObject(root, "version", MODEL_VERSION) ||
        (modified_time && !cJSON_AddStringToObject(root, "modifiedTime", modified_time)) ||
        add_commit_annotation(root) != 0)
        return nomem(c, NULL);
    cJSON *entities = cJSON_AddArrayToObject(root, "entities");
    if (!entities) return nomem(c, NULL);
    for (size_t i = 0; i < ts->count; i++) {
        const f2c_table *t = &ts->tables[i];
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(entities, e)) {
            cJSON_Delete(e);
            return nomem(c, NULL);
        }
        if (!cJSON_AddStringToObject(e, "$type", "LocalEntity") ||
            !cJSON_AddStringToObject(e, "name", t->entity) ||
            add_entity_description(e, t, &c->scratch) != 0 || add_attributes(e, t) != 0)
            return nomem(c, NULL);
        f2c_status st = add_partitions(c, e, t);
        if (st != F2C_OK) return st;
        if (c->indexes && c->indexes[i] && add_annotation(e, INDEX_ANNOTATION, c->indexes[i]) != 0)
            return nomem(c, NULL);
    }
    return F2C_OK;
}

f2c_status f2c_cdm_model_json(const char *model_name, const f2c_tableset *ts,
                              const char *modified_time, const char *const *partitions, size_t n,
                              f2c_buf *out, f2c_error *err)
{
    return f2c_cdm_model_json_indexed(model_name, ts, modified_time, partitions, n, NULL, out, err);
}

f2c_status f2c_cdm_model_json_indexed(const char *model_name, const f2c_tableset *ts,
                                      const char *modified_time, const char *const *partitions,
                                      size_t n, const char *const *indexes, f2c_buf *out,
                                      f2c_error *err)
{
    model_ctx c = {.given = partitions, .ngiven = n, .indexes = indexes, .err = err};
    cJSON *root = cJSON_CreateObject();
    f2c_status st = root ? build_model(&c, root, model_name, ts, modified_time) : nomem(&c, NULL);
    char *text = st == F2C_OK ? cJSON_Print(root) : NULL;
    if (st == F2C_OK && !text) st = nomem(&c, NULL);
    cJSON_Delete(root);
    f2c_buf_free(&c.scratch);
    /* the printed tree plus a final line break */
    if (st == F2C_OK && (f2c_buf_appends(out, text) != 0 || f2c_buf_appendc(out, '\n') != 0))
        st = nomem(&c, NULL);
    if (text) cJSON_free(text);
    return st;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* The record's modified time: model.json "modifiedTime", a manifest's "lastFileModifiedTime". */
static int read_modified_time(const char *out_dir, const char *file, const char *key, f2c_buf *out)
{
    f2c_buf path = {0};
    char *text = NULL;
    size_t len = 0;
    int result = 0;
    if (f2c_buf_printf(&path, "%s/%s", out_dir, file) != 0) {
        result = -1;
        goto done;
    }
    /* No model.json (or unreadable, or empty): nothing usable. */
    if (!(text = f2c_fs_read_regular(path.data, 0, &len))) {
        if (errno == ENOMEM) result = -1;
        goto done;
    }
    if (len == 0) goto done;

    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) goto done; /* not JSON (cJSON does not tell a parse error from no memory) */
    const cJSON *mt = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, key) : NULL;
    if (mt && cJSON_IsString(mt) && mt->valuestring && mt->valuestring[0])
        result = f2c_buf_appends(out, mt->valuestring) == 0 ? 1 : -1;
    cJSON_Delete(root);
done:
    f2c_buf_free(&path);
    free(text);
    return result;
}

int f2c_cdm_read_modified_time(const char *out_dir, f2c_buf *out)
{
    int r = read_modified_time(out_dir, MODEL_FILE, "modifiedTime", out);
    return r != 0 ? r
                  : read_modified_time(out_dir, F2C_CDM_MANIFEST_FILE, "lastFileModifiedTime", out);
}

/* ---- the model.json reader ---------------------------------------------------------------- */

static void entity_free(f2c_cdm_entity *e)
{
    free(e->name);
    for (size_t i = 0; i < e->nattributes; i++) {
        free(e->attributes[i].name);
        free(e->attributes[i].data_type);
    }
    free(e->attributes);
    for (size_t i = 0; i < e->npartitions; i++)
        free(e->partitions[i].location);
    free(e->partitions);
    free(e->index);
}

void f2c_cdm_model_free(f2c_cdm_model *m)
{
    for (size_t i = 0; i < m->nentities; i++)
        entity_free(&m->entities[i]);
    free(m->entities);
    memset(m, 0, sizeof *m);
}

static int has_commit_annotation(const cJSON *root)
{
    const cJSON *a, *list = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    if (!cJSON_IsArray(list)) return 0;
    cJSON_ArrayForEach(a, list)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, COMMIT_ANNOTATION) == 0) return 1;
    }
    return 0;
}

/* A copy of member `key` of obj when it is a string: 0 (*out NULL when absent or not a string),
 * or -1 when out of memory. */
static int member_string(const cJSON *obj, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    return cJSON_IsString(v) && !*out ? -1 : 0;
}

/* The elements of member `key` of obj when it is an array (*n of them, zeroed, each `size`
 * bytes), else none.  Returns 0 or -1 (out of memory). */
static int member_array(const cJSON *obj, const char *key, const cJSON **arr, void **items,
                        size_t *n, size_t size)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    int count = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    *arr = a;
    *items = NULL;
    *n = 0;
    if (count <= 0) return 0;
    if (!(*items = calloc((size_t)count, size))) return -1;
    *n = (size_t)count;
    return 0;
}

/* The value of annotation `name` in obj's "annotations" when it is a string: 0 (*out NULL when
 * absent), or -1 when out of memory. */
static int annotation_value(const cJSON *obj, const char *name, char **out)
{
    const cJSON *a, *list = cJSON_GetObjectItemCaseSensitive(obj, "annotations");
    *out = NULL;
    if (!cJSON_IsArray(list)) return 0;
    cJSON_ArrayForEach(a, list)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return member_string(a, "value", out);
    }
    return 0;
}

static int read_entity(const cJSON *j, f2c_cdm_entity *e)
{
    const cJSON *arr, *x;
    void *items;
    if (member_string(j, "name", &e->name) != 0) return -1;
    if (annotation_value(j, INDEX_ANNOTATION, &e->index) != 0) return -1;
    if (member_array(j, "attributes", &arr, &items, &e->nattributes, sizeof *e->attributes) != 0)
        return -1;
    e->attributes = items;
    size_t i = 0;
    const cJSON *list = e->nattributes ? arr : NULL;
    cJSON_ArrayForEach(x, list)
    {
        f2c_cdm_attribute *a = &e->attributes[i++];
        if (member_string(x, "name", &a->name) != 0 ||
            member_string(x, "dataType", &a->data_type) != 0)
            return -1;
    }
    if (member_array(j, "partitions", &arr, &items, &e->npartitions, sizeof *e->partitions) != 0)
        return -1;
    e->partitions = items;
    i = 0;
    list = e->npartitions ? arr : NULL;
    cJSON_ArrayForEach(x, list)
    {
        if (member_string(x, "location", &e->partitions[i++].location) != 0) return -1;
    }
    return 0;
}

/* The 1-based line and column (bytes) of text + off. */
static void position(const char *text, size_t off, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static f2c_status syntax_error(const char *text, size_t len, const char *end, f2c_error *err)
{
    long line = 0, col = 0;
    /* cJSON sets where it stopped (the last byte when the text ended early); it cannot tell a
     * syntax error from running out of memory, as f2c_cdm_read_modified_time notes. */
    size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    position(text, off, &line, &col);
    return f2c_error_set(err, F2C_EJSON, MODEL_FILE, line, col, NULL,
                         "model.json is not JSON (parsing stopped at byte %zu of %zu)", off, len);
}

f2c_status f2c_cdm_model_read(const char *text, size_t len, f2c_cdm_model *out, f2c_error *err)
{
    assert(out && (text || len == 0));
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text ? text : "", len, &end, 0);
    if (!root) return syntax_error(text ? text : "", len, end, err);
    if (f2c_cdmi_is_manifest(root)) {
        f2c_status st = f2c_cdmi_manifest_read(root, out, err);
        cJSON_Delete(root);
        if (st != F2C_OK) f2c_cdm_model_free(out);
        return st;
    }
    out->format = "csv";
    const cJSON *ents = cJSON_GetObjectItemCaseSensitive(root, "entities");
    if (!cJSON_IsArray(ents)) {
        cJSON_Delete(root);
        return f2c_error_set(err, F2C_EJSON, MODEL_FILE, 0, 0, "/entities",
                             "model.json has no \"entities\" array");
    }
    out->committed = has_commit_annotation(root);
    int n = cJSON_GetArraySize(ents);
    int bad = n > 0 && !(out->entities = calloc((size_t)n, sizeof *out->entities));
    const cJSON *e, *list = bad ? NULL : ents;
    cJSON_ArrayForEach(e, list)
    {
        if (read_entity(e, &out->entities[out->nentities++]) != 0) {
            bad = 1;
            break;
        }
    }
    cJSON_Delete(root);
    if (!bad) return F2C_OK;
    f2c_cdm_model_free(out);
    return f2c_error_set(err, F2C_ENOMEM, MODEL_FILE, 0, 0, NULL, "out of memory");
}

/* ---- the commit record (over the reader) -------------------------------------------------- */

void f2c_cdm_record_free(f2c_cdm_record *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->locations[i]);
    free(r->locations);
    memset(r, 0, sizeof *r);
}

f2c_status f2c_cdm_record_parse(const char *text, size_t len, f2c_cdm_record *out, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    f2c_cdm_model m;
    f2c_status st = f2c_cdm_model_read(text, len, &m, err);
    if (st != F2C_OK) return st;
    out->committed = m.committed;
    out->format = m.format;
    name_list l = {0};
    for (size_t i = 0; st == F2C_OK && i < m.nentities; i++) {
        const f2c_cdm_entity *e = &m.entities[i];
        for (size_t k = 0; k < e->npartitions; k++) {
            const char *loc = e->partitions[k].location;
            if (loc && name_list_add(&l, loc) != 0) {
                st = f2c_error_set(err, F2C_ENOMEM, MODEL_FILE, 0, 0, NULL, "out of memory");
                break;
            }
        }
    }
    f2c_cdm_model_free(&m);
    if (st != F2C_OK) {
        name_list_free(&l);
        return st;
    }
    out->locations = l.items;
    out->count = l.count;
    return F2C_OK;
}

static f2c_status enomem(f2c_error *err, const char *file)
{
    return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

/* ---- the documents of a folder (Batch/Blob: f2c_cdm_documents) ----------------------------- */

void f2c_cdm_docs_free(f2c_cdm_docs *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].name);
        f2c_buf_free(&d->items[i].text);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

/* A new item named name (copied) at the end of d; NULL when out of memory. */
static f2c_cdm_doc *add_doc(f2c_cdm_docs *d, const char *name)
{
    f2c_cdm_doc *items = realloc(d->items, (d->count + 1) * sizeof *items);
    if (!items) return NULL;
    d->items = items;
    f2c_cdm_doc *doc = &items[d->count];
    memset(doc, 0, sizeof *doc);
    if (!(doc->name = strdup(name))) return NULL;
    d->count++;
    return doc;
}

f2c_status f2c_cdm_documents(const char *format, int decimal_precision, int decimal_scale,
                             const char *model_name, const f2c_tableset *ts,
                             const char *modified_time, const char *const *partitions, size_t n,
                             f2c_cdm_docs *out, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    const char *record = format ? f2c_cdm_record_name(format) : NULL;
    if (!record)
        return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "no CDM metadata for output format %s (known: csv, parquet)",
                             format ? format : "(none)");
    int parquet = strcmp(record, F2C_CDM_MANIFEST_FILE) == 0, p, s;
    f2c_cdmi_decimal(decimal_precision, decimal_scale, &p, &s);
    f2c_buf name = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; parquet && st == F2C_OK && i < ts->count; i++) {
        const f2c_table *t = &ts->tables[i];
        f2c_buf_reset(&name);
        f2c_cdm_doc *doc =
            f2c_buf_printf(&name, "%s.cdm.json", t->entity) == 0 ? add_doc(out, name.data) : NULL;
        st = doc ? f2c_cdmi_entity_doc(t, p, s, &doc->text, err) : enomem(err, t->entity);
    }
    f2c_buf_free(&name);
    f2c_cdm_doc *rec = st == F2C_OK ? add_doc(out, record) : NULL;
    if (st == F2C_OK && !rec) st = enomem(err, record);
    if (st == F2C_OK)
        st = parquet ? f2c_cdmi_manifest(model_name, ts, modified_time, partitions, n, NULL,
                                         &rec->text, err)
                     : f2c_cdm_model_json(model_name, ts, modified_time, partitions, n, &rec->text,
                                          err);
    return st;
}

/* ---- reading a folder (f2c_cdm_folder_read) ----------------------------------------------- */

/* Reads and parses dir/name into *root.  F2C_OK, F2C_EIO (errno ENOENT: missing), F2C_EJSON,
 * F2C_ENOMEM; err names the path. */
static f2c_status read_json(const char *dir, const char *name, cJSON **root, f2c_buf *path,
                            f2c_error *err)
{
    *root = NULL;
    f2c_buf_reset(path);
    if (f2c_buf_printf(path, "%s/%s", dir, name) != 0) return enomem(err, name);
    size_t len = 0;
    char *text = f2c_fs_read_regular(path->data, 0, &len);
    if (!text) {
        int e = errno;
        if (e == ENOMEM) return enomem(err, path->data);
        f2c_error_set(err, F2C_EIO, path->data, 0, 0, NULL, "cannot read: %s", strerror(e));
        errno = e;
        return F2C_EIO;
    }
    *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!*root)
        return f2c_error_set(err, F2C_EJSON, path->data, 0, 0, NULL,
                             "%s is not JSON (or no memory to parse it)", name);
    return F2C_OK;
}

/* The entity document "<file>" of entityPath "<file>/<entity>" (relative to the folder). */
static f2c_status read_entity_doc(const char *dir, const cJSON *decl, f2c_cdm_entity *e,
                                  f2c_buf *path, f2c_error *err)
{
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(decl, "entityPath");
    const char *slash = cJSON_IsString(ep) ? strrchr(ep->valuestring, '/') : NULL;
    if (!slash || slash == ep->valuestring || ep->valuestring[0] == '/' ||
        strstr(ep->valuestring, ".."))
        return f2c_error_set(err, F2C_EJSON, F2C_CDM_MANIFEST_FILE, 0, 0, "/entities",
                             "entity %s has no usable \"entityPath\" (\"<file>/<entity>\")",
                             e->name ? e->name : "(unnamed)");
    char *file = strndup(ep->valuestring, (size_t)(slash - ep->valuestring));
    if (!file) return enomem(err, F2C_CDM_MANIFEST_FILE);
    cJSON *root;
    f2c_status st = read_json(dir, file, &root, path, err);
    if (st == F2C_OK) st = f2c_cdmi_entity_doc_read(root, e, path->data, err);
    cJSON_Delete(root);
    free(file);
    return st;
}

f2c_status f2c_cdm_folder_read(const char *dir, f2c_cdm_model *out, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    f2c_buf path = {0};
    cJSON *root;
    f2c_status st = read_json(dir, F2C_CDM_MODEL_FILE, &root, &path, err);
    int manifest = st == F2C_EIO && errno == ENOENT;
    if (manifest) st = read_json(dir, F2C_CDM_MANIFEST_FILE, &root, &path, err);
    if (st == F2C_EIO && errno == ENOENT)
        snprintf(err->message, sizeof err->message,
                 "not a CDM folder: neither model.json nor model.manifest.cdm.json is there");
    char *text = st == F2C_OK ? cJSON_PrintUnformatted(root) : NULL;
    if (st == F2C_OK && !text) st = enomem(err, path.data);
    if (st == F2C_OK) st = f2c_cdm_model_read(text, strlen(text), out, err);
    if (text) cJSON_free(text);
    const cJSON *decl, *ents = cJSON_GetObjectItemCaseSensitive(root, "entities");
    if (st != F2C_OK || !manifest || !cJSON_IsArray(ents)) ents = NULL;
    size_t i = 0;
    cJSON_ArrayForEach(decl, ents)
    {
        st = read_entity_doc(dir, decl, &out->entities[i++], &path, err);
        if (st != F2C_OK) break;
    }
    cJSON_Delete(root);
    f2c_buf_free(&path);
    if (st != F2C_OK) f2c_cdm_model_free(out);
    return st;
}
/* ---- publishing a run (f2c_cdm_publish) --------------------------------------------------- */

typedef struct pub {
    f2c_commit *tx;
    int outfd;
    const f2c_sink *sink;
    int parquet;        /* the sink writes Parquet: the record is the manifest */
    const char *ext;    /* the sink's partition extension */
    const char *record; /* the record's file name */
    int prec, scale;    /* DECIMAL(prec, scale) of the entity documents (Parquet) */
    const f2c_tableset *ts;
    const char *const *stems;
    size_t nstems;
    const char *opid;
    const f2c_cdm_merge *merge; /* merge mode's plan, or NULL (append) */
    f2c_diags *diags;
    FILE *log;
    f2c_error *err;
    name_list old;     /* committed locations (of the entities of ts) */
    name_list keep;    /* carried + new: what the new model.json lists */
    name_list removes; /* replaced partitions, removed after the commit */
    name_list targets; /* per staged file, its published location */
    name_list flagged; /* locations already reported (header mismatch) */
    f2c_buf a, b;      /* scratch */
} pub;

static int list_has(const name_list *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0) return 1;
    return 0;
}

static const f2c_table *table_of(const pub *p, const char *loc, const char **file)
{
    for (size_t i = 0; i < p->ts->count; i++)
        if ((*file = f2c_cdmi_file_of(loc, p->ts->tables[i].entity)) != NULL)
            return &p->ts->tables[i];
    return NULL;
}

static int replaced(const pub *p, const char *loc, const char *file)
{
    if (p->merge) {
        for (size_t i = 0; i < p->merge->nremoves; i++)
            if (strcmp(p->merge->removes[i], loc) == 0) return 1;
        return 0;
    }
    for (size_t i = 0; i < p->nstems; i++)
        if (f2c_cdm_partition_is_of(file, p->stems[i], p->opid)) return 1;
    return 0;
}

/* The one-format refusal: folder `shown` holds the other format's record. */
static f2c_status other_format(const char *shown, int parquet, f2c_error *err)
{
    return f2c_error_set(err, F2C_EUSAGE, shown, 0, 0, NULL,
                         "output folder %s holds %s partitions (%s); write %s into another folder",
                         shown, parquet ? "CSV" : "Parquet",
                         parquet ? MODEL_FILE : F2C_CDM_MANIFEST_FILE, parquet ? "Parquet" : "CSV");
}

f2c_status f2c_cdm_check_format(const char *out_dir, const char *format, f2c_error *err)
{
    int parquet = format && strcmp(format, "parquet") == 0;
    f2c_buf path = {0};
    if (f2c_buf_printf(&path, "%s/%s", out_dir, parquet ? MODEL_FILE : F2C_CDM_MANIFEST_FILE) != 0)
        return f2c_error_set(err, F2C_ENOMEM, out_dir, 0, 0, NULL, "out of memory");
    struct stat sb;
    int found = lstat(path.data, &sb) == 0;
    f2c_buf_free(&path);
    return found ? other_format(out_dir, parquet, err) : F2C_OK;
}

/* A folder holds one format: the other format's record (whatever it is, even a link) refuses the
 * run before anything is published. */
static f2c_status check_one_format(pub *p)
{
    const char *other = p->parquet ? MODEL_FILE : F2C_CDM_MANIFEST_FILE;
    struct stat sb;
    if (fstatat(p->outfd, other, &sb, AT_SYMLINK_NOFOLLOW) != 0) return F2C_OK;
    return other_format(f2c_commit_path(p->tx), p->parquet, p->err);
}

/* The committed locations: the record's list, or (an earlier release's model.json) the
 * partition files on disk once.  A missing record: nothing committed. */
static f2c_status read_old(pub *p)
{
    f2c_status st = check_one_format(p);
    if (st != F2C_OK) return st;
    int fd = f2c_fs_open_read_at(p->outfd, p->record);
    if (fd < 0 && errno == ENOENT) return F2C_OK;
    if (fd < 0)
        return f2c_error_set(p->err, F2C_EIO, p->record, 0, 0, NULL, "cannot read: %s",
                             errno == ELOOP ? "a symbolic link (refused: never followed)"
                                            : strerror(errno));
    f2c_buf_reset(&p->a);
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (f2c_buf_append(&p->a, chunk, (size_t)n) != 0) break;
    close(fd);
    f2c_cdm_record rec;
    st = f2c_cdm_record_parse(p->a.data ? p->a.data : "", p->a.len, &rec, p->err);
    if (st == F2C_OK && strcmp(rec.format, p->parquet ? "parquet" : "csv") != 0) {
        f2c_cdm_record_free(&rec);
        st = f2c_error_set(p->err, F2C_EJSON, p->record, 0, 0, NULL, "wrong kind of document");
    }
    if (st != F2C_OK) {
        snprintf(p->err->message, sizeof p->err->message,
                 p->parquet ? "the existing %s cannot be read as a CDM manifest; refusing to "
                              "replace it"
                            : "the existing %s cannot be read as a CDM model.json; refusing to "
                              "replace it",
                 p->record);
        return st;
    }
    for (size_t i = 0; st == F2C_OK && i < rec.count; i++) {
        const char *file;
        if (rec.committed && table_of(p, rec.locations[i], &file) &&
            name_list_add(&p->old, rec.locations[i]) != 0)
            st = f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    }
    int legacy = !rec.committed;
    f2c_cdm_record_free(&rec);
    for (size_t t = 0; st == F2C_OK && legacy && t < p->ts->count; t++) {
        const char *entity = p->ts->tables[t].entity;
        f2c_buf_reset(&p->b);
        if (f2c_buf_printf(&p->b, "data/%s", entity) != 0) return F2C_ENOMEM;
        int dfd = f2c_fs_dir_at(p->outfd, p->b.data, 0, 0);
        if (dfd < 0) continue; /* no partitions, or not a folder: nothing committed there */
        name_list files = {0};
        st = list_files(dfd, p->b.data, p->ext, &files, p->err);
        close(dfd);
        for (size_t i = 0; st == F2C_OK && i < files.count; i++) {
            f2c_buf_reset(&p->b);
            if (f2c_buf_printf(&p->b, "data/%s/%s", entity, files.items[i]) != 0 ||
                name_list_add(&p->old, p->b.data) != 0)
                st = f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
        }
        name_list_free(&files);
    }
    return st;
}

/*
 * Whether committed partition dfd/file (path: shown) still fits table t as the sink writes it now
 * (f2c_sink_matches: CSV its header record, Parquet its schema): sets *ok; a mismatch is added to
 * diags (CSV: check_header's message, as before the sink interface; Parquet: the schema).
 * Returns F2C_OK, F2C_EIO (errno ENOENT when the file is gone), F2C_ENOMEM.
 */
static f2c_status still_fits(pub *p, const f2c_table *t, int dfd, const char *file,
                             const char *path, int *ok)
{
    int fd = f2c_fs_open_read_at(dfd, file);
    /* f2c_sink_matches, called through the ops so that this file does not depend on f2c_sink.c
     * (which depends on the CSV sink, which uses f2c_cdm_header_record: an include cycle) */
    int m = fd >= 0 ? p->sink->ops->matches(p->sink->state, fd, t) : -1, e = errno;
    if (fd >= 0) close(fd);
    if (m < 0) {
        f2c_error_set(p->err, F2C_EIO, path, 0, 0, NULL, "cannot read partition: %s", strerror(e));
        errno = e;
        return F2C_EIO;
    }
    *ok = m;
    if (m) return F2C_OK;
    if (!p->parquet) {
        f2c_buf header = {0};
        f2c_status st =
            f2c_cdm_header_record(&header, t) != 0
                ? f2c_error_set(p->err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory")
                : check_header(dfd, file, path, t->entity, &header, &p->b, p->diags, ok, p->err);
        f2c_buf_free(&header);
        return st;
    }
    f2c_error d;
    f2c_error_set(&d, F2C_ECONFIG, path, 0, 0, NULL,
                  "partition schema does not match the attributes of entity %s; left out of %s",
                  t->entity, p->record);
    if (f2c_diags_add(p->diags, &d) != F2C_OK)
        return f2c_error_set(p->err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    return F2C_OK;
}

/* Committed partitions stay listed unless this run replaces them or their file changed. */
static f2c_status carry_old(pub *p)
{
    f2c_status st = F2C_OK;
    f2c_buf path = {0};
    for (size_t i = 0; st == F2C_OK && i < p->old.count; i++) {
        const char *loc = p->old.items[i], *file;
        const f2c_table *t = table_of(p, loc, &file);
        if (replaced(p, loc, file)) {
            if (!p->merge && name_list_add(&p->removes, loc) != 0) st = F2C_ENOMEM;
            continue; /* merge mode: its removes were all taken by place_merged */
        }
        f2c_buf_reset(&p->a);
        f2c_buf_reset(&path);
        if (f2c_buf_printf(&p->a, "data/%s", t->entity) != 0 ||
            f2c_buf_printf(&path, "%s/%s", f2c_commit_path(p->tx), loc) != 0) {
            st = F2C_ENOMEM;
            break;
        }
        int dfd = f2c_fs_dir_at(p->outfd, p->a.data, 0, 0);
        int ok = 0;
        if (dfd >= 0) st = still_fits(p, t, dfd, file, path.data, &ok);
        if (dfd < 0 || (st == F2C_EIO && errno == ENOENT)) {
            /* listed but gone (or not a file any more): left out, said */
            f2c_error d;
            f2c_error_set(&d, F2C_ECONFIG, path.data, 0, 0, NULL,
                          "partition listed in %s is missing; left out of %s", p->record,
                          p->record);
            st = f2c_diags_add(p->diags, &d);
        }
        if (dfd >= 0) close(dfd);
        if (st == F2C_OK && name_list_add(ok ? &p->keep : &p->flagged, loc) != 0) st = F2C_ENOMEM;
    }
    f2c_buf_free(&path);
    if (st == F2C_ENOMEM) f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    return st;
}

/* 1 when descriptors a and b (both read from the start, both closed here) hold the same bytes. */
static int same_bytes(int a, int b)
{
    struct stat sa, sb;
    int same =
        a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_size == sb.st_size;
    char x[65536], y[65536];
    while (same) {
        ssize_t n = read(a, x, sizeof x), m = n > 0 ? read(b, y, (size_t)n) : 0;
        if (n < 0 || m != n || memcmp(x, y, (size_t)(n > 0 ? n : 0)) != 0) same = 0;
        if (n <= 0) break;
    }
    if (a >= 0) close(a);
    if (b >= 0) close(b);
    return same;
}

/* The committed partition of the same (entity, stem, operation id) as staged location loc with
 * the same bytes, or NULL. */
static const char *unchanged(pub *p, const char *loc, const f2c_buf *other)
{
    const char *cands[2] = {loc, other->data};
    for (int i = 0; i < 2; i++) {
        if (!list_has(&p->removes, cands[i])) continue;
        char *slash = strrchr(cands[i], '/');
        f2c_buf dir = {0};
        if (f2c_buf_append(&dir, cands[i], (size_t)(slash - cands[i])) != 0) return NULL;
        int dfd = f2c_fs_dir_at(p->outfd, dir.data, 0, 0);
        f2c_buf_free(&dir);
        int old = dfd >= 0 ? f2c_fs_open_read_at(dfd, slash + 1) : -1;
        if (dfd >= 0) close(dfd);
        if (same_bytes(old, f2c_commit_open_staged(p->tx, loc))) return cands[i];
    }
    return NULL;
}

static void list_drop(name_list *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0) {
            free(l->items[i]);
            l->items[i] = l->items[--l->count];
            return;
        }
}

/* Each staged "data/<entity>/<slot 0 name>" goes to the slot the committed record does not list,
 * or nowhere when the committed partition it replaces has the same bytes. */
static f2c_status place_staged(pub *p, const char *const *staged, size_t n)
{
    f2c_buf other = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < n; i++) {
        const char *loc = staged[i];
        size_t cut = strlen(loc) - strlen(p->ext);
        f2c_buf_reset(&other);
        if (f2c_buf_append(&other, loc, cut) != 0 || f2c_buf_appends(&other, SLOT1_MARK) != 0 ||
            f2c_buf_appends(&other, p->ext) != 0) {
            st = F2C_ENOMEM;
            break;
        }
        const char *same = unchanged(p, loc, &other), *target = "";
        if (same) {
            char *keep = strdup(same);
            if (!keep) {
                st = F2C_ENOMEM;
                break;
            }
            list_drop(&p->removes, keep);
            if (name_list_add(&p->keep, keep) != 0) st = F2C_ENOMEM;
            free(keep);
        } else {
            target = list_has(&p->old, loc) ? other.data : loc;
            struct stat sb;
            if (fstatat(p->outfd, target, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                !list_has(&p->old, target)) {
                /* not ours to replace: a file no committed model.json lists */
                f2c_buf_reset(&p->a);
                f2c_buf_printf(&p->a, "%s/%s", f2c_commit_path(p->tx), target);
                f2c_buf_free(&other);
                return f2c_error_set(p->err, F2C_EIO, p->a.data ? p->a.data : target, 0, 0, NULL,
                                     "a file that %s does not list is where this run's "
                                     "partition goes; nothing written (move it away)",
                                     p->record);
            }
            if (name_list_add(&p->keep, target) != 0) st = F2C_ENOMEM;
        }
        if (st == F2C_OK && name_list_add(&p->targets, target) != 0) st = F2C_ENOMEM;
    }
    f2c_buf_free(&other);
    if (st != F2C_OK) f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    return st;
}

/* Merge mode: every staged partition goes where the merge placed it, any other staged file (an
 * index) to its own path; the merge's removes are removed after the commit. */
static f2c_status place_merged(pub *p, const char *const *staged, size_t n)
{
    const f2c_cdm_merge *m = p->merge;
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < m->nremoves; i++)
        if (name_list_add(&p->removes, m->removes[i]) != 0) st = F2C_ENOMEM;
    for (size_t i = 0; st == F2C_OK && i < n; i++) {
        const char *target = staged[i];
        int part = strncmp(staged[i], "data/", 5) == 0, found = 0;
        for (size_t k = 0; part && k < m->nstaged && !found; k++)
            if (strcmp(m->staged[k], staged[i]) == 0) {
                target = m->targets[k];
                found = 1;
            }
        if (part && !found) {
            assert(!"every staged partition is placed by the merge");
            return f2c_error_set(p->err, F2C_EIO, staged[i], 0, 0, NULL,
                                 "staged partition not placed by the merge; nothing written");
        }
        if (name_list_add(&p->targets, target) != 0 ||
            (part && name_list_add(&p->keep, target) != 0))
            st = F2C_ENOMEM;
    }
    if (st != F2C_OK) f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    return st;
}

/* Files of the entities' folders the new record does not list: said, never adopted. */
static void report_unlisted(pub *p)
{
    for (size_t t = 0; p->log && t < p->ts->count; t++) {
        const char *entity = p->ts->tables[t].entity;
        f2c_buf_reset(&p->a);
        if (f2c_buf_printf(&p->a, "data/%s", entity) != 0) return;
        int dfd = f2c_fs_dir_at(p->outfd, p->a.data, 0, 0);
        if (dfd < 0) continue;
        name_list files = {0};
        f2c_error ignored;
        if (list_files(dfd, p->a.data, NULL, &files, &ignored) == F2C_OK)
            for (size_t i = 0; i < files.count; i++) {
                f2c_buf_reset(&p->b);
                if (f2c_buf_printf(&p->b, "data/%s/%s", entity, files.items[i]) != 0) break;
                if (list_has(&p->keep, p->b.data) || list_has(&p->removes, p->b.data) ||
                    list_has(&p->flagged, p->b.data))
                    continue;
                fprintf(p->log,
                        "note: %s/%s: not listed in %s (not from a committed run); left alone\n",
                        f2c_commit_path(p->tx), p->b.data, p->record);
            }
        name_list_free(&files);
        close(dfd);
    }
}

/* The staging folder of entity documents: renamed to the folder's root by the commit (a staged
 * file needs a folder: f2c_commit_stage). */
#define ENTITY_STAGE_DIR "cdm-entities"

/* 1 when dfd/name is a regular file (never followed) holding exactly b's bytes. */
static int file_equals(int dfd, const char *name, const f2c_buf *b)
{
    int fd = f2c_fs_open_read_at(dfd, name);
    struct stat sb;
    int same =
        fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == b->len;
    char chunk[65536];
    for (size_t off = 0; same && off < b->len;) {
        size_t want = b->len - off < sizeof chunk ? b->len - off : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR) continue;
        same = n > 0 && memcmp(chunk, b->data + off, (size_t)n) == 0;
        off += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0) close(fd);
    return same;
}

/* Stages the entity document of every table of ts whose bytes differ from the published one (an
 * unchanged document is not rewritten: no churn, its time stamps stay). */
static f2c_status stage_entity_docs(pub *p)
{
    f2c_buf doc = {0}, name = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < p->ts->count; i++) {
        const f2c_table *t = &p->ts->tables[i];
        f2c_buf_reset(&doc);
        f2c_buf_reset(&name);
        if (f2c_buf_printf(&name, "%s.cdm.json", t->entity) != 0) {
            st = f2c_error_set(p->err, F2C_ENOMEM, t->entity, 0, 0, NULL, "out of memory");
            break;
        }
        st = f2c_cdmi_entity_doc(t, p->prec, p->scale, &doc, p->err);
        if (st != F2C_OK || file_equals(p->outfd, name.data, &doc)) continue;
        int fd;
        st = f2c_commit_stage(p->tx, ENTITY_STAGE_DIR, name.data, &fd, p->err);
        if (st == F2C_OK && f2c_fs_write_all(fd, doc.data, doc.len) != 0) {
            int e = errno;
            f2c_commit_discard(p->tx, ENTITY_STAGE_DIR, name.data, fd);
            st = f2c_error_set(p->err, F2C_EIO, name.data, 0, 0, NULL,
                               "cannot stage the entity document: %s", strerror(e));
        } else if (st == F2C_OK) {
            st = f2c_commit_close(p->tx, ENTITY_STAGE_DIR, name.data, fd, p->err);
        }
    }
    f2c_buf_free(&doc);
    f2c_buf_free(&name);
    return st;
}

/* rename_to of f2c_commit_finish for every staged file: partition parts[i] goes to
 * p->targets[i], an entity document to the folder's root.  *out is the caller's (free). */
static f2c_status rename_list(pub *p, const name_list *parts, const char ***out)
{
    const char *const *staged;
    size_t n = f2c_commit_staged(p->tx, &staged);
    const size_t dl = strlen(ENTITY_STAGE_DIR "/");
    const char **r = calloc(n ? n : 1, sizeof *r);
    if (!r) return f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        r[i] = ""; /* not published: cannot happen (every staged file is one of the two) */
        if (strncmp(staged[i], ENTITY_STAGE_DIR "/", dl) == 0) r[i] = staged[i] + dl;
        for (size_t j = 0; j < parts->count; j++)
            if (strcmp(parts->items[j], staged[i]) == 0) r[i] = p->targets.items[j];
    }
    *out = r;
    return F2C_OK;
}

/* Everything before the commit: the committed list, the slots, the record's text; for Parquet the
 * entity documents staged and *rename (else rename stays NULL: p->targets is the list). */
static f2c_status prepare_publish(pub *p, const char *model_name, const char *modified_time,
                                  name_list *parts, f2c_buf *text, const char ***rename)
{
    const char *const *staged;
    size_t nstaged = f2c_commit_staged(p->tx, &staged);
    for (size_t i = 0; i < nstaged; i++)
        if (name_list_add(parts, staged[i]) != 0)
            return f2c_error_set(p->err, F2C_ENOMEM, p->record, 0, 0, NULL, "out of memory");
    f2c_status st = read_old(p);
    if (st == F2C_OK) st = carry_old(p);
    if (st == F2C_OK)
        st = (p->merge ? place_merged : place_staged)(p, (const char *const *)parts->items,
                                                      parts->count);
    const char *const *keep = (const char *const *)p->keep.items;
    const char *const *indexes = p->merge ? p->merge->indexes : NULL;
    if (st == F2C_OK)
        st = p->parquet ? f2c_cdmi_manifest(model_name, p->ts, modified_time, keep, p->keep.count,
                                            indexes, text, p->err)
                        : f2c_cdm_model_json_indexed(model_name, p->ts, modified_time, keep,
                                                     p->keep.count, indexes, text, p->err);
    if (st == F2C_OK && p->parquet) st = stage_entity_docs(p);
    if (st == F2C_OK && p->parquet) st = rename_list(p, parts, rename);
    return st;
}

f2c_status f2c_cdm_publish(f2c_commit *tx, const char *model_name, const f2c_tableset *ts,
                           const f2c_sink *sink, int decimal_precision, int decimal_scale,
                           const char *modified_time, const char *const *stems, size_t nstems,
                           const char *operation_id, const f2c_cdm_merge *merge, f2c_diags *diags,
                           FILE *log, f2c_error *err)
{
    assert(sink && sink->ops);
    const char *format = sink->ops->format;
    pub p = {.tx = tx,
             .outfd = f2c_commit_dirfd(tx),
             .sink = sink,
             .parquet = strcmp(format, "parquet") == 0,
             .ext = sink->ops->extension, /* f2c_sink_extension, without the dependency */
             .record = f2c_cdm_record_name(format),
             .ts = ts,
             .stems = stems,
             .nstems = nstems,
             .opid = operation_id,
             .merge = merge,
             .diags = diags,
             .log = log,
             .err = err};
    f2c_cdmi_decimal(decimal_precision, decimal_scale, &p.prec, &p.scale);
    name_list parts = {0};
    const char **rename = NULL;
    f2c_buf text = {0};
    f2c_status st = p.record
                        ? prepare_publish(&p, model_name, modified_time, &parts, &text, &rename)
                        : f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL,
                                        "no CDM record for output format %s", format);
    if (st == F2C_OK) {
        report_unlisted(&p);
        st = f2c_commit_finish(tx, p.record, text.data, text.len,
                               rename ? rename : (const char *const *)p.targets.items,
                               (const char *const *)p.removes.items, p.removes.count, err);
    } else {
        f2c_commit_abort(tx);
    }
    free(rename);
    f2c_buf_free(&text);
    name_list_free(&parts);
    name_list_free(&p.old);
    name_list_free(&p.keep);
    name_list_free(&p.removes);
    name_list_free(&p.targets);
    name_list_free(&p.flagged);
    f2c_buf_free(&p.a);
    f2c_buf_free(&p.b);
    return st;
}
