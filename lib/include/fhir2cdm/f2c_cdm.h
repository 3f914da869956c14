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
 * (f2c_table_column_name / f2c_type_cdm_datatype, the same order as the CSV header) and the
 * partitions of every committed run (sorted by file name), so partitions of earlier runs with
 * other operation ids stay listed.  A partition whose header record differs from the entity's
 * attributes (written by another configuration) is left out and reported.  model.json is the
 * folder's commit record
 * (f2c_cdm_publish, f2c_commit.h): it lists exactly the partitions of committed runs.
 */
#ifndef FHIR2CDM_F2C_CDM_H
#define FHIR2CDM_F2C_CDM_H

#include <stdio.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

/*
 * Partition file names (docs/cdm-folder.md, "Partition names"):
 *   partition-data-<escaped stem>-<operation id><ext>      slot 0
 *   partition-data-<escaped stem>-<operation id>.b<ext>    slot 1 (replacement slot)
 * where <ext> is the format's extension (".csv", ".parquet").
 * The escaped stem is the stem with every byte outside [A-Za-z0-9._] written as %XX (upper-case
 * hex), so it holds no '-': the first '-' after the prefix ends it, and the operation id
 * ([A-Za-z0-9_-]{1,64}, no '.') ends at the first '.'.  Names of different (stem, operation id,
 * slot) never coincide, whatever the stem holds (".tmp-", '/', '%', control bytes).  A rerun with
 * the same operation id writes into the slot the committed model.json does not list, so a listed
 * file never changes content (f2c_cdm_publish).
 */
#define F2C_CDM_NAME_MAX 255 /* longest file name we write (NAME_MAX of Linux file systems) */

/* Appends the partition file name of (stem, operation_id) in slot 0 or 1 with extension ext (the
 * format's, f2c_sink_extension: ".csv", ".parquet") to out.  Returns 0, or -1 when out of
 * memory. */
int f2c_cdm_partition_name(f2c_buf *out, const char *stem, const char *operation_id, int slot,
                           const char *ext);

/* 1 when every name of (stem, operation_id), in every format, fits F2C_CDM_NAME_MAX bytes. */
int f2c_cdm_partition_name_fits(const char *stem, const char *operation_id);

/* 1 when file name `name` is a partition name of (stem, operation_id), either slot, any format's
 * extension, else 0. */
int f2c_cdm_partition_is_of(const char *name, const char *stem, const char *operation_id);

/* Appends "data/<entity>/<slot 0 name with extension ext>" (relative to the CDM folder) to out.
 * Returns 0 or -1 (out of memory). */
int f2c_cdm_partition_path(f2c_buf *out, const f2c_table *t, const char *stem,
                           const char *operation_id, const char *ext);

/*
 * The one model.json reader: what every reader of a CDM folder needs from its model.json (the
 * Blob publisher's commit record, f2c_cdm_record_parse; `fhir2cdm synapse-sql`), in document
 * order.  It reads what f2c_cdm_model_json writes ([MJ] "Entity", "Attribute", "Partition") and
 * is lenient about everything else, as consumers of the format are: unknown members are ignored,
 * and a member that is absent or not of the expected JSON type comes out as NULL (strings) or
 * empty (arrays), so each caller decides what it refuses and says so in its own words.
 */
typedef struct f2c_cdm_attribute {
    char *name;      /* "name", NULL when absent or not a string */
    char *data_type; /* "dataType", NULL when absent or not a string */
} f2c_cdm_attribute;

typedef struct f2c_cdm_partition {
    char *location; /* "location" (relative to the CDM folder), NULL when absent or not a string */
} f2c_cdm_partition;

typedef struct f2c_cdm_entity {
    char *name;                    /* "name", NULL when absent or not a string */
    f2c_cdm_attribute *attributes; /* "attributes" in order; none when absent or not an array */
    size_t nattributes;
    f2c_cdm_partition *partitions; /* "partitions" in order; none when absent or not an array */
    size_t npartitions;
} f2c_cdm_entity;

typedef struct f2c_cdm_model {
    f2c_cdm_entity *entities; /* "entities" in order (an element that is not an object: all NULL) */
    size_t nentities;
    int committed; /* the root annotation "fhir2cdm:commit" is present (f2c_cdm_model_json) */
} f2c_cdm_model;

/*
 * Reads model.json text[0..len) into *out (zeroed first; everything owned by *out, release with
 * f2c_cdm_model_free, also after a failure).  Errors, with file "model.json":
 *  - F2C_EJSON "model.json is not JSON (parsing stopped at byte N of LEN)": a syntax error (or
 *    no memory to parse: cJSON does not tell them apart); line and column (1-based, bytes) of
 *    where parsing stopped;
 *  - F2C_EJSON "model.json has no \"entities\" array": pointer "/entities" (also when the root
 *    is not an object);
 *  - F2C_ENOMEM.
 */
f2c_status f2c_cdm_model_read(const char *text, size_t len, f2c_cdm_model *out, f2c_error *err);

/* Frees what f2c_cdm_model_read filled (the struct itself is the caller's) and zeroes it. */
void f2c_cdm_model_free(f2c_cdm_model *m);

/*
 * The partitions a model.json lists (its commit record): every "location" of every entity's
 * partitions, in document order, and whether the document was written by the commit protocol
 * (root annotation "fhir2cdm:commit", written by f2c_cdm_model_json) or by an earlier release
 * (committed = 0: the partitions on disk are then the committed set once, see f2c_cdm_publish).
 */
typedef struct f2c_cdm_record {
    char **locations; /* "data/<entity>/<file>", owned */
    size_t count;
    int committed;
} f2c_cdm_record;

/* Parses model.json text[0..len) into *out (zeroed first): f2c_cdm_model_read, keeping the
 * locations that are strings.  Errors: as f2c_cdm_model_read. */
f2c_status f2c_cdm_record_parse(const char *text, size_t len, f2c_cdm_record *out, f2c_error *err);

/* Frees what f2c_cdm_record_parse filled (the struct itself is the caller's). */
void f2c_cdm_record_free(f2c_cdm_record *r);

/* Appends the CSV header record (without line break) that partitions of t start with, as
 * f2c_csv would write it.  Returns 0 or -1 (out of memory). */
int f2c_cdm_header_record(f2c_buf *out, const f2c_table *t);

/*
 * Publishes a transformer run through transaction tx (f2c_commit.h): the files staged in tx under
 * "data/<entity>/<slot 0 name>" become partitions, and the new model.json -- the commit record --
 * lists exactly:
 *   - the partitions the committed model.json lists for the entities of ts (an earlier release's
 *     model.json, without the "fhir2cdm:commit" annotation, is migrated: the partition files on
 *     disk, as that release listed them, are the committed set once), except those of this run's
 *     (stem, operation_id) pairs, stems[0..nstems) (a rerun replaces its own, in every table, also
 *     where it now gives no rows); each is kept only while its file exists and starts with the
 *     header its table writes now (else an F2C_ECONFIG diagnostic in *diags names it, and it is
 *     left out);
 *   - the staged files, each renamed into the slot of its (stem, operation id) that the committed
 *     model.json does not list (so no listed file ever changes content) -- except a staged file
 *     whose bytes equal the committed partition it replaces: that one stays listed as it is and
 *     the staged copy is dropped, so an idempotent rerun (a Batch retry, a recovery) leaves the
 *     folder byte-identical.
 * Partition files of replaced pairs are removed after the commit.  Files under data/<entity>/ that
 * the new model.json does not list are reported on log ("note: ... not listed in model.json (not
 * from a committed run); left alone") and never adopted.  model_name and modified_time as for
 * f2c_cdm_model_json.  tx is finished (freed) in every case.  Returns F2C_OK (callers check
 * diags->count), or as f2c_commit_finish (F2C_EIO: nothing published when it failed before the
 * journal; the message says which), F2C_ENOMEM.
 */
f2c_status f2c_cdm_publish(f2c_commit *tx, const char *model_name, const f2c_tableset *ts,
                           const char *modified_time, const char *const *stems, size_t nstems,
                           const char *operation_id, f2c_diags *diags, FILE *log, f2c_error *err);

/*
 * Appends to out the text of model.json for tableset ts, listing the given partitions instead of
 * scanning a folder: partitions[0..n) are locations relative to the CDM folder
 * ("data/<entity>/partition-data-*.csv", e.g. blob names under a CDM container).  Each entity
 * lists the entries in its own folder, sorted by file name; other entries are ignored.  Header
 * records are not checked (the files may be remote; the caller vouches for them).  The bytes are
 * exactly what f2c_cdm_publish writes for a folder whose record lists the same partitions (the
 * same code builds both), including the root annotation {"name": "fhir2cdm:commit", "value":
 * "1"} that marks the document as a commit record.  Errors: F2C_ENOMEM.
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
