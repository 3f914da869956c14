/*
 * f2c_cdm: the CDM folder layout and its metadata: model.json for CSV folders (CDM folder
 * metadata format, version "1.0"), the CDM manifest for Parquet folders (CDM object model 1.x;
 * see docs/cdm-folder.md for the specification sections followed).
 *
 * Layout (the original tool's, kept so downstream pipelines keep working):
 *   <out>/model.json
 *   <out>/data/<entity>/partition-data-<input-file-stem>-<operationId>.csv
 * where <entity> is "Local" + table name.  A Parquet folder (f2c_cdm_manifest.c):
 *   <out>/model.manifest.cdm.json          the manifest: entities, partitions (the commit record)
 *   <out>/<entity>.cdm.json                one entity definition per entity (attributes, types)
 *   <out>/data/<entity>/partition-data-<input-file-stem>-<operationId>.parquet
 * A folder holds one format (f2c_cdm_publish refuses the other).
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
#include "fhir2cdm/f2c_sink.h"
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
/* The folder (below the CDM folder) of merge mode's resource index: directories named by the
 * record, segments named by the directories (docs/cdm-folder.md, "The resource index"). */
#define F2C_CDM_INDEX_DIR "fhir2cdm-index"

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
    char *data_type; /* "dataType", NULL when absent or not a string (CDM data type names) */
    int precision;   /* decimals read from an entity document (f2c_cdm_folder_read): the
                        "is.dataFormat.numeric.shaped" trait's precision; 0 otherwise */
    int scale;       /* likewise its scale; 0 when not a decimal */
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
    char *index; /* merge mode's resource index of the entity: the value of its annotation
                    "fhir2cdm:index" (a location relative to the folder), NULL when none */
} f2c_cdm_entity;

typedef struct f2c_cdm_model {
    f2c_cdm_entity *entities; /* "entities" in order (an element that is not an object: all NULL) */
    size_t nentities;
    int committed;      /* the commit marker is present: model.json's root annotation
                           {"name": "fhir2cdm:commit"}, or the same annotation in a manifest's
                           root trait "is.modelConversion.otherAnnotations" (docs/cdm-folder.md) */
    const char *format; /* static: "csv" (the text was model.json) or "parquet" (a manifest) */
} f2c_cdm_model;

/*
 * Reads model.json text[0..len) into *out (zeroed first; everything owned by *out, release with
 * f2c_cdm_model_free, also after a failure).  The text may also be a CDM manifest
 * (model.manifest.cdm.json, told apart by its root "manifestName"; docs/cdm-folder.md,
 * "Parquet folders: the CDM manifest"): then format is "parquet", entities are its "entities"
 * (name: "entityName"), partitions their "dataPartitions" ("location"), and attributes are left
 * empty (they live in the entity documents: f2c_cdm_folder_read).  Errors, with file "model.json"
 * (or "model.manifest.cdm.json" for a manifest; a manifest without "entities" says so):
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
    const char *format; /* static: "csv" (model.json) or "parquet" (a manifest) */
} f2c_cdm_record;

/* Parses a record text[0..len) -- model.json or a manifest (f2c_cdm_model_read tells them apart)
 * -- into *out (zeroed first), keeping the locations that are strings.  Errors: as
 * f2c_cdm_model_read. */
f2c_status f2c_cdm_record_parse(const char *text, size_t len, f2c_cdm_record *out, f2c_error *err);

/* Frees what f2c_cdm_record_parse filled (the struct itself is the caller's). */
void f2c_cdm_record_free(f2c_cdm_record *r);

/* Appends the CSV header record (without line break) that partitions of t start with, as
 * f2c_csv would write it.  Returns 0 or -1 (out of memory). */
int f2c_cdm_header_record(f2c_buf *out, const f2c_table *t);

/*
 * Publishes a transformer run through transaction tx (f2c_commit.h) in the record of sink's
 * format (sink->ops->format): "csv" writes model.json, "parquet" the CDM manifest
 * model.manifest.cdm.json (the commit record) plus one entity document <Entity>.cdm.json per
 * entity of ts, staged in tx so they appear with the record (an entity document whose bytes do
 * not change is not staged again: docs/cdm-folder.md, "Commit rules of a Parquet folder").
 * decimal_precision/_scale are the sink's DECIMAL(p, s) (precision 0: the defaults 38, 18), used by
 * the entity documents only.  The files staged in tx under "data/<entity>/<slot 0 name>" become
 * partitions, and the new record lists exactly:
 *   - the partitions the committed record lists for the entities of ts (an earlier release's
 *     model.json, without the "fhir2cdm:commit" annotation, is migrated: the partition files on
 *     disk, as that release listed them, are the committed set once), except those of this run's
 *     (stem, operation_id) pairs, stems[0..nstems) (a rerun replaces its own, in every table, also
 *     where it now gives no rows); each is kept only while its file exists and still fits its
 *     table (f2c_sink_matches: CSV its header record, Parquet its schema; else an F2C_ECONFIG
 *     diagnostic in *diags names it, and it is left out);
 *   - the staged files, each renamed into the slot of its (stem, operation id) that the committed
 *     record does not list (so no listed file ever changes content) -- except a staged file
 *     whose bytes equal the committed partition it replaces: that one stays listed as it is and
 *     the staged copy is dropped, so an idempotent rerun (a Batch retry, a recovery) leaves the
 *     folder byte-identical.
 * Partition files of replaced pairs are removed after the commit.  Files under data/<entity>/ that
 * the new record does not list are reported on log ("note: ... not listed in <record> (not
 * from a committed run); left alone") and never adopted.  A folder holds one format: when the
 * committed record is the other format's (model.json for a Parquet run, a manifest for a CSV
 * run), nothing is published and F2C_EUSAGE says "output folder X holds CSV partitions
 * (model.json); write Parquet into another folder" (or the reverse).  model_name and
 * modified_time as for f2c_cdm_model_json.  tx is finished (freed) in every case.  Returns F2C_OK
 * (callers check diags->count), F2C_EUSAGE (format mismatch), or as f2c_commit_finish (F2C_EIO:
 * nothing published when it failed before the journal; the message says which), F2C_ENOMEM.
 */
typedef struct f2c_cdm_merge f2c_cdm_merge;
f2c_status f2c_cdm_publish(f2c_commit *tx, const char *model_name, const f2c_tableset *ts,
                           const f2c_sink *sink, int decimal_precision, int decimal_scale,
                           const char *modified_time, const char *const *stems, size_t nstems,
                           const char *operation_id, const f2c_cdm_merge *merge, f2c_diags *diags,
                           FILE *log, f2c_error *err);

/*
 * What a merge-mode run (docs/cdm-folder.md, "Merge mode") changes in the publish above, made by
 * the engine's merge (lib/engine/f2c_merge.c); all borrowed.  With it, f2c_cdm_publish lists:
 * the committed partitions except removes[] (no (stem, operation id) replacement, no slots, no
 * same-bytes check), plus every staged partition at the location targets[] gives it (staged[i]
 * -> targets[i]; every staged file under data/ must be in staged[]); any other staged file (an
 * index) is published at its own path.  removes[] (partitions and superseded index files) are
 * removed after the commit.  indexes[t] (per table of ts, NULL for none) is written as entity
 * t's annotation "fhir2cdm:index".
 */
struct f2c_cdm_merge {
    const char *const *removes;
    size_t nremoves;
    const char *const *staged;
    const char *const *targets;
    size_t nstaged;
    const char *const *indexes;
};

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

/* f2c_cdm_model_json with each entity t's annotation "fhir2cdm:index" = indexes[t] (indexes or
 * an element NULL: none), as a merge-mode publish writes it. */
f2c_status f2c_cdm_model_json_indexed(const char *model_name, const f2c_tableset *ts,
                                      const char *modified_time, const char *const *partitions,
                                      size_t n, const char *const *indexes, f2c_buf *out,
                                      f2c_error *err);

/* The record file of format ("csv": "model.json"; "parquet": "model.manifest.cdm.json"), or NULL
 * for another format. */
const char *f2c_cdm_record_name(const char *format);

/*
 * The one-format rule, checked early (before a run writes anything; f2c_cdm_publish checks it
 * again under the writer's lock): F2C_OK when out_dir (which need not exist) holds no record of
 * a format other than `format` ("csv" / "parquet"), else F2C_EUSAGE with the message
 * f2c_cdm_publish gives ("output folder X holds CSV partitions (model.json); write Parquet into
 * another folder", or the reverse).  The other record is looked for with lstat (a link counts).
 */
f2c_status f2c_cdm_check_format(const char *out_dir, const char *format, f2c_error *err);

/* One metadata document of a CDM folder: name relative to the folder ("model.json",
 * "LocalPatient.cdm.json", "model.manifest.cdm.json") and its bytes.  Both owned. */
typedef struct f2c_cdm_doc {
    char *name;
    f2c_buf text;
} f2c_cdm_doc;

typedef struct f2c_cdm_docs {
    f2c_cdm_doc *items;
    size_t count;
} f2c_cdm_docs;

/*
 * The metadata documents of format `format` for tableset ts listing partitions[0..n)
 * ("data/<entity>/<file>", e.g. blob names; as f2c_cdm_model_json: each entity lists the entries
 * of its own folder, sorted by file name, others are ignored, files are not checked): "csv": one
 * item, model.json (the bytes of f2c_cdm_model_json); "parquet": the entity documents in tableset
 * order, then the manifest LAST -- upload in this order, the last one is the commit record.  The
 * bytes are exactly what f2c_cdm_publish writes for a folder listing the same partitions.
 * decimal_precision/_scale as for f2c_cdm_publish.  *out is zeroed first and owned by the caller
 * (f2c_cdm_docs_free, also after a failure).  Errors: F2C_EUSAGE (format not "csv"/"parquet"),
 * F2C_ENOMEM.
 */
f2c_status f2c_cdm_documents(const char *format, int decimal_precision, int decimal_scale,
                             const char *model_name, const f2c_tableset *ts,
                             const char *modified_time, const char *const *partitions, size_t n,
                             f2c_cdm_docs *out, f2c_error *err);

/* Frees what f2c_cdm_documents filled (the struct itself is the caller's) and zeroes it. */
void f2c_cdm_docs_free(f2c_cdm_docs *d);

/*
 * Reads the CDM folder `dir`: model.json, or (when there is no model.json) the manifest
 * model.manifest.cdm.json and the entity document each entity's "entityPath" names; fills *out
 * as f2c_cdm_model_read does, plus, for a manifest, each entity's attributes from its entity
 * document: name, data_type (CDM data type names: "string", "integer", "bigInteger",
 * "boolean", "decimal", "date", "dateTime", "time") and, for decimals, precision and scale
 * (from the trait "is.dataFormat.numeric.shaped"; 0 for other types).  *out is zeroed first;
 * release with f2c_cdm_model_free (also after a failure).  Errors: F2C_EIO (neither record
 * exists, a file cannot be read; names the path), F2C_EJSON (a document is not JSON or lacks
 * its "entities"/"definitions"; names the file), F2C_ENOMEM.
 */
f2c_status f2c_cdm_folder_read(const char *dir, f2c_cdm_model *out, f2c_error *err);

/*
 * Reads the record's modified time into out (appended): "modifiedTime" of <out_dir>/model.json,
 * else "lastFileModifiedTime" of <out_dir>/model.manifest.cdm.json.  Returns 1 if found, 0 if
 * there is no record or no usable time, -1 when out of memory.
 */
int f2c_cdm_read_modified_time(const char *out_dir, f2c_buf *out);

#endif
