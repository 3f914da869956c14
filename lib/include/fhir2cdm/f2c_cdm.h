/*
 * f2c_cdm: the CDM folder layout and its metadata file, model.json (CDM folder metadata
 * format, version "1.0"; see docs/cdm-folder.md for the specification sections followed).
 *
 * Layout (the original tool's, kept so downstream pipelines keep working):
 *   <out>/model.json
 *   <out>/data/<entity>/partition-data-<input-file-stem>-<operationId>.csv
 * where <entity> is "Local" + table name.
 *
 * model.json lists, for every table of the configuration (in tableset order): its attributes
 * (f2c_table_column_name / f2c_type_cdm_datatype, the same order as the CSV header) and exactly
 * the partition files that exist in its folder when it is written (sorted by file name; temp
 * files and other names ignored), so partitions of earlier runs with other operation ids stay
 * listed.  A partition whose header record differs from the entity's attributes (written by
 * another configuration) is left out and reported.  The file is written to a temporary name
 * and renamed, so readers see the old or the new model.json, never a partial one.
 */
#ifndef FHIR2CDM_F2C_CDM_H
#define FHIR2CDM_F2C_CDM_H

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

/* Appends "data/<entity>/partition-data-<stem>-<operation_id>.csv" (relative to the CDM
 * folder) to out.  Returns 0 or -1 (out of memory). */
int f2c_cdm_partition_path(f2c_buf *out, const f2c_table *t, const char *stem,
                           const char *operation_id);

/* Appends the CSV header record (without line break) that partitions of t start with, as
 * f2c_csv would write it.  Returns 0 or -1 (out of memory). */
int f2c_cdm_header_record(f2c_buf *out, const f2c_table *t);

/*
 * Writes <out_dir>/model.json for tableset ts.  model_name is the CDM folder's "name";
 * modified_time an ISO 8601 UTC instant for "modifiedTime".  Partitions whose header does not
 * match are appended to *diags (F2C_ECONFIG, file = the partition) and left out; the function
 * still writes model.json and returns F2C_OK in that case (callers check diags->count).
 * Errors: F2C_EIO (cannot list a folder, read a listed partition, or write/rename model.json;
 * model.json is then left as it was), F2C_ENOMEM.
 */
f2c_status f2c_cdm_write_model(const char *out_dir, const char *model_name, const f2c_tableset *ts,
                               const char *modified_time, f2c_diags *diags, f2c_error *err);

/*
 * Appends to out the text of model.json for tableset ts, listing the given partitions instead of
 * scanning a folder: partitions[0..n) are locations relative to the CDM folder
 * ("data/<entity>/partition-data-*.csv", e.g. blob names under a CDM container).  Each entity
 * lists the entries in its own folder, sorted by file name; other entries are ignored.  Header
 * records are not checked (the files may be remote; the caller vouches for them).  The bytes are
 * exactly what f2c_cdm_write_model writes for a folder holding the same partitions (the same
 * code builds both).  Errors: F2C_ENOMEM.
 */
f2c_status f2c_cdm_model_json(const char *model_name, const f2c_tableset *ts,
                              const char *modified_time, const char *const *partitions, size_t n,
                              f2c_buf *out, f2c_error *err);

/*
 * Reads "modifiedTime" of an existing <out_dir>/model.json into out (appended).  Returns 1 if
 * found, 0 if there is no model.json or no usable modifiedTime, -1 when out of memory.
 */
int f2c_cdm_read_modified_time(const char *out_dir, f2c_buf *out);

#endif
