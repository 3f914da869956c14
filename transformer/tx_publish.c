/*
 * tx_publish: CDM folder publishing into Blob Storage, shared by Batch mode and export.
 * Public contract in tx_publish.h.
 *
 * Why it is shaped so:
 *  - One copy of each step.  The Batch task mode (transform-data, finalize) and `export
 *    --output <blob URL>` publish the same way: partitions with the block writer (a blob appears
 *    only when complete), model.json built from the listing of every partition blob with
 *    f2c_cdm_model_json (the bytes a local folder gets) and uploaded with one Put Blob, then the
 *    incremental-run state.  Keeping these here means the two commands cannot drift apart.
 *  - model.json is built from the listing, not from what this run uploaded, so partitions of
 *    earlier runs stay listed, as in a local folder.
 *  - A partition whose header is not the one its table writes now (written under another
 *    configuration) is left out of model.json, as the local folder scan does; checking costs one
 *    ranged GET of a few hundred bytes per partition.
 *  - Nothing here prints a credential; the environment is read only in tx_pub_client_new.
 */
#include "tx_publish.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_cdm.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

f2c_status tx_pub_client_new(const char *endpoint, const char *account, const char *mi_client_id,
                             f2c_blob_client **out, f2c_error *e)
{
    const char *key = getenv("FHIR2CDM_STORAGE_KEY");
    const char *sas = getenv("FHIR2CDM_STORAGE_SAS");
    f2c_blob_token_opts tok = {.kind = F2C_BLOB_TOKEN_MANAGED_IDENTITY,
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
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(*names, cap * sizeof *grown);
            if (!grown) {
                st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                break;
            }
            *names = grown;
        }
        if (!((*names)[*n] = strdup(de->d_name)))
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        else
            (*n)++;
    }
    closedir(d);
    if (st == F2C_OK && *n > 1) qsort(*names, *n, sizeof **names, cmp_names);
    return st;
}

f2c_status tx_pub_upload_partitions(f2c_blob_client *b, const char *container, const char *prefix,
                                    const char *cdm_dir, FILE *log, size_t *count, f2c_error *e)
{
    f2c_buf data = {0};
    if (f2c_buf_printf(&data, "%s/data", cdm_dir) != 0)
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    struct stat sb;
    if (stat(data.data, &sb) != 0 && errno == ENOENT) {
        f2c_buf_free(&data); /* no table got rows: nothing to upload */
        return F2C_OK;
    }
    char **ents = NULL;
    size_t nents = 0;
    f2c_status st = sorted_names(data.data, &ents, &nents, e);
    for (size_t i = 0; st == F2C_OK && i < nents; i++) {
        f2c_buf edir = {0};
        char **files = NULL;
        size_t nfiles = 0;
        if (f2c_buf_printf(&edir, "%s/%s", data.data, ents[i]) != 0)
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        else
            st = sorted_names(edir.data, &files, &nfiles, e);
        for (size_t k = 0; st == F2C_OK && k < nfiles; k++) {
            f2c_buf local = {0}, blob = {0};
            if (f2c_buf_printf(&local, "%s/%s", edir.data, files[k]) != 0 ||
                f2c_buf_printf(&blob, "%sdata/%s/%s", prefix ? prefix : "", ents[i], files[k]) !=
                    0) {
                st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            } else if ((st = tx_pub_upload_file(b, container, blob.data, local.data, "text/csv",
                                                e)) == F2C_OK) {
                if (log) fprintf(log, "uploaded %s/%s\n", container, blob.data);
                (*count)++;
            }
            f2c_buf_free(&local);
            f2c_buf_free(&blob);
        }
        tx_pub_free_names(files, nfiles);
        f2c_buf_free(&edir);
    }
    tx_pub_free_names(ents, nents);
    f2c_buf_free(&data);
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

/*
 * Keeps in names[0..*n) only the partitions whose first record is the header their entity's
 * table writes now (as the local folder scan does).  names are full blob names starting with
 * prefix ("<prefix>data/<entity>/...").  Names of unknown entities are left for
 * f2c_cdm_model_json to ignore.  *left_out counts the dropped ones.
 */
static f2c_status check_headers(f2c_blob_client *b, const char *container, const char *prefix,
                                const f2c_tableset *ts, char **names, const uint64_t *sizes,
                                size_t *n, size_t *left_out, f2c_error *e)
{
    f2c_buf header = {0}, got = {0};
    size_t kept = 0, done = 0, skip = strlen(prefix) + 5; /* "<prefix>data/" */
    f2c_status st = F2C_OK;
    for (size_t i = 0; i < *n && st == F2C_OK; i++) {
        const f2c_table *t = NULL;
        size_t len = strlen(names[i]);
        int partition = len > skip && strstr(names[i] + skip, "/partition-data-") && len > 4 &&
                        strcmp(names[i] + len - 4, ".csv") == 0;
        for (size_t k = 0; partition && k < ts->count && !t; k++) {
            size_t el = strlen(ts->tables[k].entity);
            if (strncmp(names[i] + skip, ts->tables[k].entity, el) == 0 &&
                names[i][skip + el] == '/')
                t = &ts->tables[k];
        }
        int ok = 1;
        if (t) {
            f2c_buf_reset(&header);
            f2c_buf_reset(&got);
            if (f2c_cdm_header_record(&header, t) != 0) {
                st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                break;
            }
            /* A blob shorter than the header cannot match (and a range past its end fails). */
            if (sizes[i] < header.len + 2) {
                ok = 0;
            } else if ((st = tx_pub_get_text(b, container, names[i], 0, header.len + 2, &got, e)) !=
                       F2C_OK) {
                break;
            } else
                ok = got.len == header.len + 2 && memcmp(got.data, header.data, header.len) == 0 &&
                     got.data[header.len] == '\r' && got.data[header.len + 1] == '\n';
            if (!ok) {
                fprintf(stderr,
                        "warning: %s/%s: partition header does not match the attributes of "
                        "entity %s; left out of model.json\n",
                        container, names[i], t->entity);
                (*left_out)++;
            }
        }
        if (ok)
            names[kept++] = names[i];
        else
            free(names[i]);
        done = i + 1;
    }
    /* After a failure the unchecked rest is kept too, so the caller frees every name once. */
    for (size_t i = done; i < *n; i++)
        names[kept++] = names[i];
    *n = kept;
    f2c_buf_free(&header);
    f2c_buf_free(&got);
    return st;
}

f2c_status tx_pub_write_model(f2c_blob_client *b, const char *container, const char *prefix,
                              const f2c_tableset *ts, const char *modified_time, size_t *listed,
                              size_t *left_out, f2c_error *e)
{
    char **names = NULL;
    uint64_t *sizes = NULL;
    size_t n = 0, dropped = 0;
    f2c_buf where = {0}, text = {0};
    prefix = prefix ? prefix : "";
    size_t plen = strlen(prefix);
    if (listed) *listed = 0;
    f2c_status st = f2c_buf_printf(&where, "%sdata/", prefix) == 0
                        ? F2C_OK
                        : f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (st == F2C_OK) st = tx_pub_list(b, container, where.data, &names, &sizes, &n, e);
    if (st == F2C_OK && listed) *listed = n;
    if (st == F2C_OK) st = check_headers(b, container, prefix, ts, names, sizes, &n, &dropped, e);
    if (st == F2C_OK) {
        /* Locations relative to the CDM folder: the names without the prefix. */
        for (size_t i = 0; i < n; i++)
            memmove(names[i], names[i] + plen, strlen(names[i] + plen) + 1);
        st = f2c_cdm_model_json("fhir2cdm", ts, modified_time, (const char *const *)names, n, &text,
                                e);
    }
    f2c_buf_reset(&where);
    if (st == F2C_OK && f2c_buf_printf(&where, "%smodel.json", prefix) != 0)
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (st == F2C_OK)
        st = f2c_blob_put(b, container, where.data, text.data, text.len, "application/json", e);
    if (left_out) *left_out = dropped;
    tx_pub_free_names(names, n);
    free(sizes);
    f2c_buf_free(&where);
    f2c_buf_free(&text);
    return st;
}

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
