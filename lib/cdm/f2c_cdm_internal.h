/*
 * f2c_cdm_internal: what f2c_cdm.c (model.json, the commit) and f2c_cdm_manifest.c (the CDM
 * manifest and its entity documents) share.  Not installed, not part of the API.
 *
 * Why a header of its own: the two records of a CDM folder must list the same partitions in the
 * same order (tableset order, each entity's files sorted by name), so the one listing function
 * (f2c_cdmi_entity_files) lives in f2c_cdm.c and the manifest writer calls it, instead of a
 * second copy that could drift.
 */
#ifndef FHIR2CDM_F2C_CDM_INTERNAL_H
#define FHIR2CDM_F2C_CDM_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

#define F2C_CDM_MODEL_FILE "model.json"
#define F2C_CDM_MANIFEST_FILE "model.manifest.cdm.json"
#define F2C_CDM_COMMIT_ANNOTATION "fhir2cdm:commit"
#define F2C_CDM_INDEX_ANNOTATION "fhir2cdm:index"
#define F2C_CDM_DESCRIPTION "FHIR R4 resources as tables (written by fhir2cdm)"

/* Default DECIMAL(p, s) of Parquet decimal columns (f2c_sink_options: precision 0 means these). */
#define F2C_CDM_DECIMAL_PRECISION 38
#define F2C_CDM_DECIMAL_SCALE 18

/* Implemented in f2c_cdm_manifest.c, the lower of the two files (f2c_cdm.c uses it, never the
 * reverse, so the sources stay acyclic: tests/architecture). */

/* A growable list of owned strings. */
typedef struct f2c_cdmi_list {
    char **items;
    size_t count, cap;
} f2c_cdmi_list;

/* Appends a copy of s; 0 or -1 (out of memory). */
int f2c_cdmi_list_add(f2c_cdmi_list *l, const char *s);

/* Frees every item and the array; zeroes l. */
void f2c_cdmi_list_free(f2c_cdmi_list *l);

/* qsort comparison of two char * by strcmp. */
int f2c_cdmi_cmp_names(const void *a, const void *b);

/* 1 when name is a partition file name of extension ext: "partition-data-*<ext>" holding no
 * ".tmp-" (a writer's temp file is never a partition). */
int f2c_cdmi_is_partition_name(const char *name, const char *ext);

/* The file name of location "data/<entity>/<file>" when it belongs to entity (no deeper folder),
 * else NULL. */
const char *f2c_cdmi_file_of(const char *loc, const char *entity);

/*
 * The file names of given[0..n) that are "data/<entity of t>/<partition name ending in ext>" (no
 * deeper folder, no temp file), sorted by strcmp, each once, into *out (appended; owned).
 * Errors: F2C_ENOMEM.
 */
f2c_status f2c_cdmi_entity_files(const char *const *given, size_t n, const f2c_table *t,
                                 const char *ext, f2c_cdmi_list *out, f2c_error *err);

/* The entity description model.json and the entity documents share. */
int f2c_cdmi_entity_description(f2c_buf *out, const f2c_table *t);

/* The decimal precision/scale in force for (precision, scale) as the sink options give them:
 * precision 0 means the defaults (38, 18). */
void f2c_cdmi_decimal(int precision, int scale, int *p, int *s);

/*
 * The manifest text (model.manifest.cdm.json) for ts listing partitions[0..n) (".parquet" files
 * of each entity's folder), appended to out; indexes (NULL, or per table of ts a location or
 * NULL) as the entity declarations' annotation "fhir2cdm:index" (merge mode).  Errors: F2C_ENOMEM.
 */
f2c_status f2c_cdmi_manifest(const char *model_name, const f2c_tableset *ts,
                             const char *modified_time, const char *const *partitions, size_t n,
                             const char *const *indexes, f2c_buf *out, f2c_error *err);

/* The entity document <entity>.cdm.json of t (no time stamp: its bytes depend on t and the
 * decimal choice only), appended to out.  Errors: F2C_ENOMEM. */
f2c_status f2c_cdmi_entity_doc(const f2c_table *t, int precision, int scale, f2c_buf *out,
                               f2c_error *err);

/* 1 when root (a parsed document) is a manifest: an object with a string "manifestName". */
int f2c_cdmi_is_manifest(const cJSON *root);

/* Fills e's attributes from the definition named e->name in the parsed entity document root:
 * name, dataType, and for "decimal" the precision/scale of its is.dataFormat.numeric.shaped
 * trait.  Errors (shown names the file): F2C_EJSON (no such definition), F2C_ENOMEM. */
f2c_status f2c_cdmi_entity_doc_read(const cJSON *root, f2c_cdm_entity *e, const char *shown,
                                    f2c_error *err);

/* Fills *out (zeroed by the caller) from manifest root: entities, partitions, committed, format.
 * Returns F2C_OK, F2C_EJSON (no "entities" array), F2C_ENOMEM; *out is then the caller's to
 * free. */
f2c_status f2c_cdmi_manifest_read(const cJSON *root, f2c_cdm_model *out, f2c_error *err);

#endif
