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
 *  - The file is written with f2c_fs_write_atomic (a "model.json.tmp-<pid>-<n>" file next to the
 *    final name, flushed, fsynced and renamed), so a reader sees the old or the new model.json
 *    and never a partial one.
 *  - No global or static mutable state: everything lives in locals and the caller's buffers.
 */
#include "fhir2cdm/f2c_cdm.h"

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
#include "fhir2cdm/f2c_type.h"

#define PARTITION_PREFIX "partition-data-"
#define PARTITION_SUFFIX ".csv"
#define TEMP_MARK ".tmp-"
#define MODEL_FILE "model.json"

/* Fixed texts of model.json (docs/cdm-folder.md explains each). */
#define MODEL_VERSION "1.0"
#define MODEL_DESCRIPTION "FHIR R4 resources as tables (written by fhir2cdm)"

int f2c_cdm_partition_path(f2c_buf *out, const f2c_table *t, const char *stem,
                           const char *operation_id)
{
    return f2c_buf_printf(out, "data/%s/" PARTITION_PREFIX "%s-%s" PARTITION_SUFFIX, t->entity,
                          stem, operation_id);
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

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* A file name our CSV writer publishes: "partition-data-*.csv", and not one of its temp files
 * ("<final>.tmp-<pid>" never ends in ".csv", but a ".tmp-" anywhere is excluded as well). */
static int is_partition_name(const char *name)
{
    return strncmp(name, PARTITION_PREFIX, strlen(PARTITION_PREFIX)) == 0 &&
           ends_with(name, PARTITION_SUFFIX) && strstr(name, TEMP_MARK) == NULL;
}

typedef struct name_list {
    char **items;
    size_t count, cap;
} name_list;

static void name_list_free(name_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

static int name_list_add(name_list *l, const char *s)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) return -1;
        l->items = items;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy) return -1;
    l->items[l->count++] = copy;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists the partition files of folder `dir`, sorted by strcmp.  A missing folder is an empty
 * list (the table got no rows in any run yet).  Regular files only (stat follows symlinks, so
 * a link to a regular file counts).
 */
static f2c_status list_partitions(const char *dir, name_list *out, f2c_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return F2C_OK;
        return f2c_error_set(err, F2C_EIO, dir, 0, 0, NULL, "cannot list partition folder: %s",
                             strerror(errno));
    }
    f2c_status st = F2C_OK;
    f2c_buf path = {0};
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0)
                st = f2c_error_set(err, F2C_EIO, dir, 0, 0, NULL,
                                   "cannot list partition folder: %s", strerror(errno));
            break;
        }
        if (!is_partition_name(e->d_name)) continue;
        f2c_buf_reset(&path);
        if (f2c_buf_printf(&path, "%s/%s", dir, e->d_name) != 0) {
            st = f2c_error_set(err, F2C_ENOMEM, dir, 0, 0, NULL, "out of memory");
            break;
        }
        struct stat sb;
        if (stat(path.data, &sb) != 0) {
            if (errno == ENOENT) continue; /* removed meanwhile (or a dangling link) */
            st = f2c_error_set(err, F2C_EIO, path.data, 0, 0, NULL, "cannot stat partition: %s",
                               strerror(errno));
            break;
        }
        if (!S_ISREG(sb.st_mode)) continue;
        if (name_list_add(out, e->d_name) != 0) {
            st = f2c_error_set(err, F2C_ENOMEM, dir, 0, 0, NULL, "out of memory");
            break;
        }
    }
    closedir(d);
    f2c_buf_free(&path);
    if (st == F2C_OK && out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_names);
    return st;
}

/*
 * Reads up to `cap` bytes from the start of `path` into buf (reset first).
 * Returns F2C_OK, F2C_EIO (err filled) or F2C_ENOMEM.
 */
static f2c_status read_prefix(const char *path, size_t cap, f2c_buf *buf, f2c_error *err)
{
    f2c_buf_reset(buf);
    if (f2c_buf_reserve(buf, cap) != 0)
        return f2c_error_set(err, F2C_ENOMEM, path, 0, 0, NULL, "out of memory");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return f2c_error_set(err, F2C_EIO, path, 0, 0, NULL, "cannot read partition: %s",
                             strerror(errno));
    size_t n = fread(buf->data, 1, cap, fp);
    int bad = ferror(fp);
    int e = errno;
    fclose(fp);
    if (bad)
        return f2c_error_set(err, F2C_EIO, path, 0, 0, NULL, "cannot read partition: %s",
                             strerror(e));
    buf->len = n;
    buf->data[n] = '\0';
    return F2C_OK;
}

/* Appends s[0..n) to out for a message: printable ASCII kept, other bytes as \xNN. */
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
 * ends every record with CRLF).  Sets *ok.  On a mismatch appends an F2C_ECONFIG diagnostic.
 */
static f2c_status check_header(const char *path, const char *entity, const f2c_buf *header,
                               f2c_buf *scratch, f2c_diags *diags, int *ok, f2c_error *err)
{
    /* Enough for the expected record and its CRLF, and for a readable excerpt otherwise. */
    size_t cap = header->len + 2 < 200 ? 200 : header->len + 2;
    f2c_status st = read_prefix(path, cap, scratch, err);
    if (st != F2C_OK) return st;
    *ok = scratch->len >= header->len + 2 &&
          memcmp(scratch->data, header->data, header->len) == 0 &&
          scratch->data[header->len] == '\r' && scratch->data[header->len + 1] == '\n';
    if (*ok || !diags) return F2C_OK;

    /* The first record as found: up to the first CRLF (or what was read), shortened. */
    const char *crlf = NULL;
    for (size_t i = 0; i + 1 < scratch->len && !crlf; i++)
        if (scratch->data[i] == '\r' && scratch->data[i + 1] == '\n') crlf = scratch->data + i;
    size_t found = crlf ? (size_t)(crlf - scratch->data) : scratch->len;
    const char *more = "";
    if (found > 160) found = 160, more = "...";

    f2c_buf msg = {0};
    int r = f2c_buf_printf(&msg,
                           "partition header does not match the attributes of entity %s; "
                           "left out of model.json. found: \"",
                           entity);
    if (r == 0) r = append_visible(&msg, scratch->data, found);
    if (r == 0) r = f2c_buf_printf(&msg, "\"%s%s; expected: \"", more, crlf ? "" : " (no CRLF)");
    if (r == 0) r = append_visible(&msg, header->data, header->len);
    if (r == 0) r = f2c_buf_appends(&msg, "\\r\\n\"");
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
    int r = t->view ? f2c_buf_printf(scratch, "Rows of the SQL on FHIR view %s over %s resources",
                                     t->name, t->resource_type)
            : t->unroll_path ? f2c_buf_printf(scratch, "One row per element at %s", t->unroll_path)
                             : f2c_buf_printf(scratch, "One row per %s resource", t->resource_type);
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
    const char *out_dir; /* folder scan mode: partitions are found (and checked) here */
    /* list mode (out_dir NULL): the caller's partition locations, relative to the CDM folder */
    const char *const *given;
    size_t ngiven;
    f2c_diags *diags;
    f2c_error *err;
    f2c_buf header;  /* expected header record of the current table */
    f2c_buf path;    /* scratch: file paths */
    f2c_buf scratch; /* scratch: partition prefixes, texts */
} model_ctx;

static f2c_status nomem(model_ctx *c, const char *file)
{
    return f2c_error_set(c->err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

/*
 * List mode: the names of the given locations that are "data/<entity of t>/<partition name>"
 * (no deeper folder), sorted like a folder scan, so both modes order partitions the same way.
 */
static f2c_status given_partitions(model_ctx *c, const f2c_table *t, name_list *out)
{
    size_t elen = strlen(t->entity);
    for (size_t i = 0; i < c->ngiven; i++) {
        const char *loc = c->given[i];
        if (strncmp(loc, "data/", 5) != 0 || strncmp(loc + 5, t->entity, elen) != 0 ||
            loc[5 + elen] != '/')
            continue;
        const char *file = loc + 5 + elen + 1;
        if (strchr(file, '/') || !is_partition_name(file)) continue;
        if (name_list_add(out, file) != 0) return nomem(c, loc);
    }
    if (out->count > 1) qsort(out->items, out->count, sizeof *out->items, cmp_names);
    return F2C_OK;
}

/* Adds "partitions" of table t (every matching file of <out>/data/<entity>/) to entity. */
static f2c_status add_partitions(model_ctx *c, cJSON *entity, const f2c_table *t)
{
    cJSON *parts = cJSON_AddArrayToObject(entity, "partitions");
    if (!parts) return nomem(c, NULL);

    f2c_buf dir = {0};
    name_list names = {0};
    f2c_status st = F2C_OK;
    f2c_buf_reset(&c->header);
    if (f2c_buf_printf(&dir, "%s/data/%s", c->out_dir ? c->out_dir : ".", t->entity) != 0 ||
        f2c_cdm_header_record(&c->header, t) != 0) {
        st = nomem(c, NULL);
        goto done;
    }
    if (c->out_dir)
        st = list_partitions(dir.data, &names, c->err);
    else
        st = given_partitions(c, t, &names);
    for (size_t i = 0; st == F2C_OK && i < names.count; i++) {
        const char *file = names.items[i];
        if (c->out_dir) {
            /* Only a scanned folder is checked: in list mode the files are the caller's (e.g.
             * remote blobs), and it vouches for them. */
            f2c_buf_reset(&c->path);
            if (f2c_buf_printf(&c->path, "%s/%s", dir.data, file) != 0) {
                st = nomem(c, dir.data);
                break;
            }
            int ok = 0;
            st = check_header(c->path.data, t->entity, &c->header, &c->scratch, c->diags, &ok,
                              c->err);
            if (st != F2C_OK || !ok) continue;
        }

        cJSON *p = cJSON_CreateObject();
        if (!p || !cJSON_AddItemToArray(parts, p)) {
            cJSON_Delete(p);
            st = nomem(c, c->path.data);
            break;
        }
        /* name: the file name without ".csv"; location: relative to the CDM folder. */
        f2c_buf_reset(&c->scratch);
        int r = f2c_buf_append(&c->scratch, file, strlen(file) - strlen(PARTITION_SUFFIX));
        if (r == 0 && !cJSON_AddStringToObject(p, "name", c->scratch.data)) r = -1;
        f2c_buf_reset(&c->scratch);
        if (r == 0) r = f2c_buf_printf(&c->scratch, "data/%s/%s", t->entity, file);
        if (r == 0 && !cJSON_AddStringToObject(p, "location", c->scratch.data)) r = -1;
        if (r == 0) r = add_csv_settings(p);
        if (r != 0) st = nomem(c, c->path.data);
    }
done:
    name_list_free(&names);
    f2c_buf_free(&dir);
    return st;
}

static f2c_status build_model(model_ctx *c, cJSON *root, const char *model_name,
                              const f2c_tableset *ts, const char *modified_time)
{
    if (!cJSON_AddStringToObject(root, "name", model_name) ||
        !cJSON_AddStringToObject(root, "description", MODEL_DESCRIPTION) ||
        !cJSON_AddStringToObject(root, "version", MODEL_VERSION) ||
        (modified_time && !cJSON_AddStringToObject(root, "modifiedTime", modified_time)))
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
    }
    return F2C_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* model.json = text plus a final line break, replaced atomically (f2c_fs_write_atomic: a
 * temporary file named model.json.tmp-..., which partition listings skip, fsync, rename). */
static f2c_status write_atomically(const char *out_dir, const char *text, f2c_error *err)
{
    f2c_buf final_path = {0}, data = {0};
    f2c_status st = F2C_OK;
    if (f2c_buf_printf(&final_path, "%s/" MODEL_FILE, out_dir) != 0 ||
        f2c_buf_appends(&data, text) != 0 || f2c_buf_appendc(&data, '\n') != 0)
        st = f2c_error_set(err, F2C_ENOMEM, out_dir, 0, 0, NULL, "out of memory");
    else if (f2c_fs_write_atomic(final_path.data, data.data, data.len) != 0)
        st = f2c_error_set(err, errno == ENOMEM ? F2C_ENOMEM : F2C_EIO, final_path.data, 0, 0, NULL,
                           "cannot write: %s", strerror(errno));
    f2c_buf_free(&final_path);
    f2c_buf_free(&data);
    return st;
}

/* The one place model.json text is produced (both modes): the cJSON tree printed, plus the
 * final line break write_atomically has always added, so both files are byte-identical. */
static f2c_status model_text(model_ctx *c, const char *model_name, const f2c_tableset *ts,
                             const char *modified_time, char **text)
{
    *text = NULL;
    cJSON *root = cJSON_CreateObject();
    f2c_status st = root ? build_model(c, root, model_name, ts, modified_time) : nomem(c, NULL);
    if (st == F2C_OK && !(*text = cJSON_Print(root))) st = nomem(c, NULL);
    cJSON_Delete(root);
    f2c_buf_free(&c->header);
    f2c_buf_free(&c->path);
    f2c_buf_free(&c->scratch);
    return st;
}

f2c_status f2c_cdm_write_model(const char *out_dir, const char *model_name, const f2c_tableset *ts,
                               const char *modified_time, f2c_diags *diags, f2c_error *err)
{
    model_ctx c = {.out_dir = out_dir, .diags = diags, .err = err};
    char *text = NULL;
    f2c_status st = model_text(&c, model_name, ts, modified_time, &text);
    if (st == F2C_OK) st = write_atomically(out_dir, text, err);
    if (text) cJSON_free(text);
    return st;
}

f2c_status f2c_cdm_model_json(const char *model_name, const f2c_tableset *ts,
                              const char *modified_time, const char *const *partitions, size_t n,
                              f2c_buf *out, f2c_error *err)
{
    model_ctx c = {.given = partitions, .ngiven = n, .err = err};
    char *text = NULL;
    f2c_status st = model_text(&c, model_name, ts, modified_time, &text);
    if (st == F2C_OK && (f2c_buf_appends(out, text) != 0 || f2c_buf_appendc(out, '\n') != 0))
        st = nomem(&c, NULL);
    if (text) cJSON_free(text);
    return st;
}

/* ---- reading ------------------------------------------------------------------------------ */

int f2c_cdm_read_modified_time(const char *out_dir, f2c_buf *out)
{
    f2c_buf path = {0};
    char *text = NULL;
    size_t len = 0;
    int result = 0;
    if (f2c_buf_printf(&path, "%s/" MODEL_FILE, out_dir) != 0) {
        result = -1;
        goto done;
    }
    /* No model.json (or unreadable, or empty): nothing usable. */
    if (!(text = f2c_fs_read(path.data, 0, &len))) {
        if (errno == ENOMEM) result = -1;
        goto done;
    }
    if (len == 0) goto done;

    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) goto done; /* not JSON (cJSON does not tell a parse error from no memory) */
    const cJSON *mt =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "modifiedTime") : NULL;
    if (mt && cJSON_IsString(mt) && mt->valuestring && mt->valuestring[0])
        result = f2c_buf_appends(out, mt->valuestring) == 0 ? 1 : -1;
    cJSON_Delete(root);
done:
    f2c_buf_free(&path);
    free(text);
    return result;
}
