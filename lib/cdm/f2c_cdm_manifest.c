/*
 * f2c_cdm_manifest: the metadata of a Parquet CDM folder -- the CDM manifest
 * model.manifest.cdm.json (the folder's commit record) and one entity document <Entity>.cdm.json
 * per entity -- and reading them back (f2c_cdm.h; docs/cdm-folder.md, "Manifest").
 *
 * Why a manifest and not model.json: the CDM folder format (model.json) describes CSV partitions
 * only; Parquet partitions are described by the CDM object model's manifest format, where a data
 * partition names its format with a trait ("is.partition.format.parquet", defined in the CDM
 * standard document foundations.cdm.json).  References (Microsoft Learn, Common Data Model):
 *   [MF] "Common Data Model metadata: Introducing manifest"
 *        https://learn.microsoft.com/en-us/common-data-model/cdm-manifest
 *   [MO] "The Manifest object" https://learn.microsoft.com/en-us/common-data-model/sdk/manifest
 *   [LE] "Local Entity Declaration" (entityName, entityPath, dataPartitions)
 *        https://learn.microsoft.com/en-us/common-data-model/1.0om/api-reference/cdm/localentitydeclaration
 *   [PR] the standard documents primitives.cdm.json / meanings.measurement.cdm.json (data types
 *        string, integer, bigInteger, boolean, decimal, date, dateTime, time; the decimal trait
 *        "is.dataFormat.numeric.shaped" with arguments precision and scale) and
 * foundations.cdm.json (is.partition.format.parquet, is.modelConversion.otherAnnotations), as
 * shipped with the object model (../shared/cdm-sdk, cdm.objectmodel.cdmstandards).
 *
 * Why it is shaped so:
 *  - The same tree-then-print as model.json (cJSON, keys in one fixed order, partitions listed by
 *    f2c_cdmi_entity_files: tableset order, file names sorted), so the bytes depend only on the
 *    tableset, the partitions and modified_time.
 *  - Column types come from f2c_sink_parquet_column, the one FHIR type -> Parquet kind mapping the
 *    Parquet sink writes, so the entity documents describe the files as they are.
 *  - The commit marker is model.json's annotation {"name": "fhir2cdm:commit", "value": "1"} carried
 *    in the root trait "is.modelConversion.otherAnnotations" -- the very trait Microsoft's object
 *    model uses for model.json annotations when it converts a model.json into a manifest, so the
 *    SDK resolves it without a warning (a trait of our own would be an unresolved reference).
 *  - Entity documents hold no time stamp: their bytes depend on the table and the decimal choice
 *    only, so a rerun does not rewrite them (f2c_cdm_publish stages only changed ones).
 *  - This file is the lower of the two CDM sources: it also holds what both records share (the
 *    listing of an entity's partitions, f2c_cdm_internal.h), and f2c_cdm.c -- model.json, the
 *    commit (f2c_cdm_publish), f2c_cdm_documents, f2c_cdm_folder_read -- calls it, never the
 *    reverse, so the sources stay acyclic (tests/architecture).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink_parquet.h"

#include "f2c_cdm_internal.h"

#define SCHEMA_VERSION "1.0.0" /* jsonSchemaSemanticVersion: nothing newer is used */
#define FOUNDATIONS "cdm:/foundations.cdm.json"
#define PARQUET_EXT ".parquet"
#define PARTITION_PREFIX "partition-data-"
#define TEMP_MARK ".tmp-"
#define PARQUET_TRAIT "is.partition.format.parquet"
#define ANNOTATIONS_TRAIT "is.modelConversion.otherAnnotations"
#define DECIMAL_TRAIT "is.dataFormat.numeric.shaped"

const char *f2c_cdm_record_name(const char *format)
{
    if (!format || strcmp(format, "csv") == 0) return F2C_CDM_MODEL_FILE;
    if (strcmp(format, "parquet") == 0) return F2C_CDM_MANIFEST_FILE;
    return NULL;
}

void f2c_cdmi_decimal(int precision, int scale, int *p, int *s)
{
    *p = precision ? precision : F2C_CDM_DECIMAL_PRECISION;
    *s = precision ? scale : F2C_CDM_DECIMAL_SCALE;
}

/* ---- what both records share ------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* A file name a sink of extension ext publishes: "partition-data-*<ext>", and not a temp file
 * ("<final>.tmp-<pid>" never ends in ext, but a ".tmp-" anywhere is excluded as well). */
int f2c_cdmi_is_partition_name(const char *name, const char *ext)
{
    return strncmp(name, PARTITION_PREFIX, strlen(PARTITION_PREFIX)) == 0 && ends_with(name, ext) &&
           strstr(name, TEMP_MARK) == NULL;
}

void f2c_cdmi_list_free(f2c_cdmi_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

int f2c_cdmi_list_add(f2c_cdmi_list *l, const char *s)
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

int f2c_cdmi_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file name of location "data/<entity>/<file>" when it belongs to entity, else NULL. */
const char *f2c_cdmi_file_of(const char *loc, const char *entity)
{
    size_t elen = strlen(entity);
    if (strncmp(loc, "data/", 5) != 0 || strncmp(loc + 5, entity, elen) != 0 ||
        loc[5 + elen] != '/')
        return NULL;
    const char *file = loc + 5 + elen + 1;
    return *file && !strchr(file, '/') ? file : NULL;
}

f2c_status f2c_cdmi_entity_files(const char *const *given, size_t n, const f2c_table *t,
                                 const char *ext, f2c_cdmi_list *out, f2c_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *file = f2c_cdmi_file_of(given[i], t->entity);
        if (!file || !f2c_cdmi_is_partition_name(file, ext)) continue;
        if (f2c_cdmi_list_add(out, file) != 0)
            return f2c_error_set(err, F2C_ENOMEM, given[i], 0, 0, NULL, "out of memory");
    }
    if (out->count > 1) qsort(out->items, out->count, sizeof *out->items, f2c_cdmi_cmp_names);
    size_t w = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (w && strcmp(out->items[w - 1], out->items[i]) == 0) {
            free(out->items[i]);
            continue;
        }
        out->items[w++] = out->items[i];
    }
    out->count = w;
    return F2C_OK;
}

int f2c_cdmi_entity_description(f2c_buf *out, const f2c_table *t)
{
    return t->view ? f2c_buf_printf(out, "Rows of the SQL on FHIR view %s over %s resources",
                                    t->name, t->resource_type)
           : t->unroll_path ? f2c_buf_printf(out, "One row per element at %s", t->unroll_path)
                            : f2c_buf_printf(out, "One row per %s resource", t->resource_type);
}

/* ---- writing ------------------------------------------------------------------------------ */

static f2c_status nomem(f2c_error *err, const char *file)
{
    return f2c_error_set(err, F2C_ENOMEM, file, 0, 0, NULL, "out of memory");
}

/* The CDM data type of a Parquet kind ([PR]; docs/cdm-folder.md, "Entity documents"). */
static const char *cdm_data_type(f2c_pq_kind k)
{
    switch (k) {
    case F2C_PQ_BOOLEAN:
        return "boolean";
    case F2C_PQ_INT32:
        return "integer";
    case F2C_PQ_INT64:
        return "bigInteger";
    case F2C_PQ_DECIMAL:
        return "decimal";
    case F2C_PQ_DATE:
        return "date";
    case F2C_PQ_TIMESTAMP:
    case F2C_PQ_TIMESTAMP_LOCAL:
        return "dateTime";
    case F2C_PQ_TIME:
        return "time";
    case F2C_PQ_STRING:
        break;
    }
    return "string";
}

/* {"name": name, "value": value} appended to array arr; 0 or -1. */
static int add_argument(cJSON *arr, const char *name, cJSON *value)
{
    cJSON *a = cJSON_CreateObject();
    if (!a || !value || !cJSON_AddItemToArray(arr, a)) {
        cJSON_Delete(a);
        cJSON_Delete(value);
        return -1;
    }
    return cJSON_AddStringToObject(a, "name", name) && cJSON_AddItemToObject(a, "value", value)
               ? 0
               : (cJSON_Delete(value), -1);
}

/* {"traitReference": trait[, "arguments": []]} appended to array list; the arguments array (or
 * the trait object when args is 0), NULL when out of memory. */
static cJSON *add_trait(cJSON *list, const char *trait, int args)
{
    cJSON *t = cJSON_CreateObject();
    if (!t || !cJSON_AddItemToArray(list, t)) {
        cJSON_Delete(t);
        return NULL;
    }
    if (!cJSON_AddStringToObject(t, "traitReference", trait)) return NULL;
    return args ? cJSON_AddArrayToObject(t, "arguments") : t;
}

static int add_header(cJSON *root)
{
    cJSON *imports = cJSON_AddStringToObject(root, "jsonSchemaSemanticVersion", SCHEMA_VERSION)
                         ? cJSON_AddArrayToObject(root, "imports")
                         : NULL;
    cJSON *imp = imports ? cJSON_CreateObject() : NULL;
    if (!imp || !cJSON_AddItemToArray(imports, imp)) {
        cJSON_Delete(imp);
        return -1;
    }
    return cJSON_AddStringToObject(imp, "corpusPath", FOUNDATIONS) ? 0 : -1;
}

/* One attribute of an entity document: name, dataType and, for a decimal, its shape. */
static int add_attribute(cJSON *attrs, const f2c_pq_column *c)
{
    cJSON *a = cJSON_CreateObject();
    if (!a || !cJSON_AddItemToArray(attrs, a)) {
        cJSON_Delete(a);
        return -1;
    }
    if (!cJSON_AddStringToObject(a, "name", c->name) ||
        !cJSON_AddStringToObject(a, "dataType", cdm_data_type(c->kind)))
        return -1;
    if (c->kind != F2C_PQ_DECIMAL) return 0;
    /* [PR]: decimal exhibits is.dataFormat.numeric.shaped(precision, scale); applied here with
     * this column's values (strings, as the standard documents write them). */
    char p[16], s[16];
    snprintf(p, sizeof p, "%d", c->precision);
    snprintf(s, sizeof s, "%d", c->scale);
    cJSON *traits = cJSON_AddArrayToObject(a, "appliedTraits");
    cJSON *args = traits ? add_trait(traits, DECIMAL_TRAIT, 1) : NULL;
    return args && add_argument(args, "precision", cJSON_CreateString(p)) == 0 &&
                   add_argument(args, "scale", cJSON_CreateString(s)) == 0
               ? 0
               : -1;
}

static int build_entity_doc(cJSON *root, const f2c_table *t, int precision, int scale,
                            f2c_buf *scratch)
{
    cJSON *defs = add_header(root) == 0 ? cJSON_AddArrayToObject(root, "definitions") : NULL;
    cJSON *e = defs ? cJSON_CreateObject() : NULL;
    if (!e || !cJSON_AddItemToArray(defs, e)) {
        cJSON_Delete(e);
        return -1;
    }
    f2c_buf_reset(scratch);
    if (!cJSON_AddStringToObject(e, "entityName", t->entity) ||
        f2c_cdmi_entity_description(scratch, t) != 0 ||
        !cJSON_AddStringToObject(e, "description", scratch->data))
        return -1;
    cJSON *attrs = cJSON_AddArrayToObject(e, "hasAttributes");
    if (!attrs) return -1;
    size_t width = f2c_table_width(t);
    for (size_t i = 0; i < width; i++) {
        f2c_pq_column c;
        f2c_sink_parquet_column(t, i, precision, scale, &c);
        if (add_attribute(attrs, &c) != 0) return -1;
    }
    return 0;
}

/* Prints root (cJSON_Print, as model.json) plus a final line break to out, and frees root. */
static f2c_status print_doc(cJSON *root, int built, f2c_buf *out, const char *file, f2c_error *err)
{
    char *text = built ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    int ok = text && f2c_buf_appends(out, text) == 0 && f2c_buf_appendc(out, '\n') == 0;
    if (text) cJSON_free(text);
    return ok ? F2C_OK : nomem(err, file);
}

f2c_status f2c_cdmi_entity_doc(const f2c_table *t, int precision, int scale, f2c_buf *out,
                               f2c_error *err)
{
    f2c_buf scratch = {0};
    cJSON *root = cJSON_CreateObject();
    int built = root && build_entity_doc(root, t, precision, scale, &scratch) == 0;
    f2c_buf_free(&scratch);
    return print_doc(root, built, out, t->entity, err);
}

/* The data partitions of t: the given ".parquet" files of its folder, in name order ([LE]). */
static f2c_status add_data_partitions(cJSON *decl, const f2c_table *t, const char *const *given,
                                      size_t n, f2c_buf *scratch, f2c_error *err)
{
    cJSON *parts = cJSON_AddArrayToObject(decl, "dataPartitions");
    if (!parts) return nomem(err, F2C_CDM_MANIFEST_FILE);
    f2c_cdmi_list names = {0};
    f2c_status st = f2c_cdmi_entity_files(given, n, t, PARQUET_EXT, &names, err);
    for (size_t i = 0; st == F2C_OK && i < names.count; i++) {
        const char *file = names.items[i];
        cJSON *p = cJSON_CreateObject();
        int ok = p && cJSON_AddItemToArray(parts, p);
        if (!ok) cJSON_Delete(p);
        f2c_buf_reset(scratch);
        /* name: the file name without ".parquet" (as model.json names CSV partitions) */
        ok = ok && f2c_buf_append(scratch, file, strlen(file) - strlen(PARQUET_EXT)) == 0 &&
             cJSON_AddStringToObject(p, "name", scratch->data);
        f2c_buf_reset(scratch);
        ok = ok && f2c_buf_printf(scratch, "data/%s/%s", t->entity, file) == 0 &&
             cJSON_AddStringToObject(p, "location", scratch->data);
        cJSON *traits = ok ? cJSON_AddArrayToObject(p, "exhibitsTraits") : NULL;
        if (!traits || !add_trait(traits, PARQUET_TRAIT, 0)) st = nomem(err, file);
    }
    f2c_cdmi_list_free(&names);
    return st;
}

/* A model.json annotation name/value on obj (the manifest's root, an entity declaration), in the
 * trait the object model uses for model.json annotations. */
static int add_annotation_trait(cJSON *obj, const char *name, const char *value)
{
    cJSON *traits = cJSON_AddArrayToObject(obj, "exhibitsTraits");
    cJSON *args = traits ? add_trait(traits, ANNOTATIONS_TRAIT, 1) : NULL;
    cJSON *list = args ? cJSON_CreateArray() : NULL, *a = list ? cJSON_CreateObject() : NULL;
    if (!a || !cJSON_AddItemToArray(list, a)) {
        cJSON_Delete(a);
        cJSON_Delete(list);
        return -1;
    }
    if (!cJSON_AddStringToObject(a, "name", name) || !cJSON_AddStringToObject(a, "value", value)) {
        cJSON_Delete(list);
        return -1;
    }
    return add_argument(args, "annotations", list);
}

/* The commit marker: model.json's annotation, in the trait the object model uses for it. */
static int add_commit_marker(cJSON *root)
{
    return add_annotation_trait(root, F2C_CDM_COMMIT_ANNOTATION, "1");
}

static f2c_status build_manifest(cJSON *root, const char *model_name, const f2c_tableset *ts,
                                 const char *modified_time, const char *const *given, size_t n,
                                 const char *const *indexes, f2c_buf *scratch, f2c_error *err)
{
    if (add_header(root) != 0 || !cJSON_AddStringToObject(root, "manifestName", model_name) ||
        !cJSON_AddStringToObject(root, "explanation", F2C_CDM_DESCRIPTION) ||
        (modified_time && !cJSON_AddStringToObject(root, "lastFileModifiedTime", modified_time)) ||
        add_commit_marker(root) != 0)
        return nomem(err, F2C_CDM_MANIFEST_FILE);
    cJSON *entities = cJSON_AddArrayToObject(root, "entities");
    if (!entities) return nomem(err, F2C_CDM_MANIFEST_FILE);
    for (size_t i = 0; i < ts->count; i++) {
        const f2c_table *t = &ts->tables[i];
        cJSON *d = cJSON_CreateObject();
        if (!d || !cJSON_AddItemToArray(entities, d)) {
            cJSON_Delete(d);
            return nomem(err, F2C_CDM_MANIFEST_FILE);
        }
        f2c_buf_reset(scratch);
        int ok = cJSON_AddStringToObject(d, "type", "LocalEntity") &&
                 cJSON_AddStringToObject(d, "entityName", t->entity) &&
                 f2c_buf_printf(scratch, "%s.cdm.json/%s", t->entity, t->entity) == 0 &&
                 cJSON_AddStringToObject(d, "entityPath", scratch->data);
        if (!ok) return nomem(err, F2C_CDM_MANIFEST_FILE);
        f2c_status st = add_data_partitions(d, t, given, n, scratch, err);
        if (st != F2C_OK) return st;
        if (indexes && indexes[i] &&
            add_annotation_trait(d, F2C_CDM_INDEX_ANNOTATION, indexes[i]) != 0)
            return nomem(err, F2C_CDM_MANIFEST_FILE);
    }
    return F2C_OK;
}

f2c_status f2c_cdmi_manifest(const char *model_name, const f2c_tableset *ts,
                             const char *modified_time, const char *const *partitions, size_t n,
                             const char *const *indexes, f2c_buf *out, f2c_error *err)
{
    f2c_buf scratch = {0};
    cJSON *root = cJSON_CreateObject();
    f2c_status st = root ? build_manifest(root, model_name, ts, modified_time, partitions, n,
                                          indexes, &scratch, err)
                         : nomem(err, F2C_CDM_MANIFEST_FILE);
    f2c_buf_free(&scratch);
    if (st != F2C_OK) {
        cJSON_Delete(root);
        return st;
    }
    return print_doc(root, 1, out, F2C_CDM_MANIFEST_FILE, err);
}

/* ---- reading ------------------------------------------------------------------------------ */

int f2c_cdmi_is_manifest(const cJSON *root)
{
    return cJSON_IsObject(root) &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "manifestName"));
}

/* A copy of string member key of obj into *out (NULL when absent or not a string); 0 or -1. */
static int member_string(const cJSON *obj, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    return cJSON_IsString(v) && !*out ? -1 : 0;
}

/* The argument named name of trait object t (a "arguments" element), or NULL. */
static const cJSON *trait_argument(const cJSON *t, const char *name)
{
    const cJSON *a, *args = cJSON_GetObjectItemCaseSensitive(t, "arguments");
    if (!cJSON_IsArray(args)) args = NULL;
    cJSON_ArrayForEach(a, args)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return cJSON_GetObjectItemCaseSensitive(a, "value");
    }
    return NULL;
}

/* The trait named name in array member key of obj ("exhibitsTraits", "appliedTraits"), or NULL. */
static const cJSON *find_trait(const cJSON *obj, const char *key, const char *name)
{
    const cJSON *t, *list = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsArray(list)) list = NULL;
    cJSON_ArrayForEach(t, list)
    {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(t, "traitReference");
        if (cJSON_IsString(r) && strcmp(r->valuestring, name) == 0) return t;
    }
    return NULL;
}

/* The model.json annotation `name` carried in obj's annotations trait, or NULL. */
static const cJSON *annotation(const cJSON *obj, const char *name)
{
    const cJSON *t = find_trait(obj, "exhibitsTraits", ANNOTATIONS_TRAIT);
    const cJSON *a, *list = t ? trait_argument(t, "annotations") : NULL;
    if (!cJSON_IsArray(list)) list = NULL;
    cJSON_ArrayForEach(a, list)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return a;
    }
    return NULL;
}

static int has_commit_marker(const cJSON *root)
{
    return annotation(root, F2C_CDM_COMMIT_ANNOTATION) != NULL;
}

static int read_declaration(const cJSON *j, f2c_cdm_entity *e)
{
    if (member_string(j, "entityName", &e->name) != 0) return -1;
    const cJSON *ix = annotation(j, F2C_CDM_INDEX_ANNOTATION);
    if (ix && member_string(ix, "value", &e->index) != 0) return -1;
    const cJSON *x, *parts = cJSON_GetObjectItemCaseSensitive(j, "dataPartitions");
    int n = cJSON_IsArray(parts) ? cJSON_GetArraySize(parts) : 0;
    if (n <= 0) return 0;
    if (!(e->partitions = calloc((size_t)n, sizeof *e->partitions))) return -1;
    cJSON_ArrayForEach(x, parts)
    {
        if (member_string(x, "location", &e->partitions[e->npartitions++].location) != 0) return -1;
    }
    return 0;
}

f2c_status f2c_cdmi_manifest_read(const cJSON *root, f2c_cdm_model *out, f2c_error *err)
{
    out->format = "parquet";
    out->committed = has_commit_marker(root);
    const cJSON *x, *ents = cJSON_GetObjectItemCaseSensitive(root, "entities");
    if (!cJSON_IsArray(ents))
        return f2c_error_set(err, F2C_EJSON, F2C_CDM_MANIFEST_FILE, 0, 0, "/entities",
                             "model.manifest.cdm.json has no \"entities\" array");
    int n = cJSON_GetArraySize(ents);
    if (n > 0 && !(out->entities = calloc((size_t)n, sizeof *out->entities)))
        return nomem(err, F2C_CDM_MANIFEST_FILE);
    if (n <= 0) ents = NULL;
    cJSON_ArrayForEach(x, ents)
    {
        if (read_declaration(x, &out->entities[out->nentities++]) != 0)
            return nomem(err, F2C_CDM_MANIFEST_FILE);
    }
    return F2C_OK;
}

/* ---- reading an entity document ---------------------------------------------------------- */

/* The precision and scale of a decimal attribute's is.dataFormat.numeric.shaped trait. */
static void read_shape(const cJSON *attr, f2c_cdm_attribute *a)
{
    const cJSON *t = find_trait(attr, "appliedTraits", DECIMAL_TRAIT);
    const cJSON *p = t ? trait_argument(t, "precision") : NULL;
    const cJSON *s = t ? trait_argument(t, "scale") : NULL;
    a->precision = cJSON_IsString(p) ? atoi(p->valuestring) : cJSON_IsNumber(p) ? p->valueint : 0;
    a->scale = cJSON_IsString(s) ? atoi(s->valuestring) : cJSON_IsNumber(s) ? s->valueint : 0;
}

f2c_status f2c_cdmi_entity_doc_read(const cJSON *root, f2c_cdm_entity *e, const char *shown,
                                    f2c_error *err)
{
    const cJSON *d, *defs = cJSON_GetObjectItemCaseSensitive(root, "definitions"), *def = NULL;
    if (!cJSON_IsArray(defs)) defs = NULL;
    cJSON_ArrayForEach(d, defs)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "entityName");
        if (cJSON_IsString(n) && e->name && strcmp(n->valuestring, e->name) == 0) def = d;
    }
    if (!def)
        return f2c_error_set(err, F2C_EJSON, shown, 0, 0, "/definitions",
                             "no definition of entity %s", e->name ? e->name : "(unnamed)");
    const cJSON *x, *attrs = cJSON_GetObjectItemCaseSensitive(def, "hasAttributes");
    int n = cJSON_IsArray(attrs) ? cJSON_GetArraySize(attrs) : 0;
    if (n > 0 && !(e->attributes = calloc((size_t)n, sizeof *e->attributes)))
        return nomem(err, shown);
    if (n <= 0) attrs = NULL;
    cJSON_ArrayForEach(x, attrs)
    {
        f2c_cdm_attribute *a = &e->attributes[e->nattributes++];
        if (member_string(x, "name", &a->name) != 0 ||
            member_string(x, "dataType", &a->data_type) != 0)
            return nomem(err, shown);
        if (a->data_type && strcmp(a->data_type, "decimal") == 0) read_shape(x, a);
    }
    return F2C_OK;
}
