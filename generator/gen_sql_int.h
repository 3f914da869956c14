/*
 * gen_sql_int.h: what the files of `fhir2cdm synapse-sql` share.
 *   gen_sql.c          command line, reading and checking the CDM folder, the CSV loaders for
 *                      Synapse (serverless, dedicated) and PostgreSQL
 *   gen_sql_parquet.c  the Synapse loaders for a Parquet folder (OPENROWSET views, COPY INTO)
 *   gen_sql_duckdb.c   --dialect duckdb, for CSV and Parquet folders
 *   gen_sql_common.c   what the writers share: type kinds, quoted names, T-SQL fragments
 * Why split by dialect: each writer is a page of SQL templates; one file per target keeps each
 * readable and the checks (which every target relies on) in one place.
 */
#ifndef FHIR2CDM_GEN_SQL_INT_H
#define FHIR2CDM_GEN_SQL_INT_H

#include <stdio.h>

#include "fhir2cdm/f2c_cdm.h"

/* Names the serverless script gives the objects it shares between entities; fixed so re-running
 * the script drops and recreates exactly these (idempotence) and nothing else. */
#define SQL_DATA_SOURCE "fhir2cdm_cdm_folder"
#define SQL_FILE_FORMAT "fhir2cdm_csv"
#define SQL_EXT_SUFFIX "_external"

enum sql_target { SQL_SERVERLESS, SQL_DEDICATED, SQL_POSTGRES, SQL_DUCKDB };

/* Options after parse_args: strings borrow argv.  parquet and folder are filled by read_model. */
struct sql_opts {
    const char *model;
    const char *pool;
    const char *storage_url;
    const char *database;
    const char *schema;
    const char *output;
    const char *dialect;
    const char *data_root; /* --data-root (duckdb), or NULL: the folder's absolute path */
    const char *create;    /* --create view|table (duckdb), or NULL: view */
    enum sql_target target;
    int parquet;       /* the folder is a Parquet folder (a CDM manifest), else CSV (model.json) */
    char folder[4096]; /* the CDM folder's absolute path (realpath) */
};

/* The column types a CDM folder's attributes can have: the five model.json writes for CSV
 * folders (string, int64, decimal, boolean, dateTime) plus those a Parquet folder's entity
 * documents add (docs/cdm-folder.md; Parquet column types in issue 17 item 2). */
typedef enum gs_kind {
    GS_UNKNOWN = 0,
    GS_STRING,
    GS_INT32,
    GS_INT64,
    GS_DECIMAL,
    GS_BOOLEAN,
    GS_DATE,
    GS_TIME,
    GS_DATETIME
} gs_kind;

/* The kind of a CDM dataType name (case-sensitive, as the CDM writes them): "string",
 * "int64"/"bigInteger", "int32"/"integer", "decimal", "boolean", "date", "time",
 * "dateTime"/"dateTimeOffset"; GS_UNKNOWN for anything else (NULL included). */
gs_kind gen_sql_kind(const char *cdm_type);

/* The decimal precision and scale of attribute a: its own (a Parquet folder's entity document)
 * when given, else the transformer's default DECIMAL(38, 18) (issue 17 item 2). */
void gen_sql_decimal(const f2c_cdm_attribute *a, int *precision, int *scale);

/* Writes "<q>schema<q>." (when a schema is given; [dbo]. for T-SQL otherwise) then the quoted
 * name and suffix: [x] for T-SQL, "x" for PostgreSQL and DuckDB. */
void gen_sql_put_qname(FILE *o, const struct sql_opts *op, const char *name, const char *suffix);

/* The storage URL's length without trailing slashes, so "<url>/<location>" never doubles one. */
int gen_sql_url_len(const char *u);

/* Writes "IF OBJECT_ID(N'<qname>', N'U') IS NOT NULL\n<indent>    DROP TABLE <qname>;\n". */
void gen_sql_put_drop_table(FILE *o, const struct sql_opts *op, const char *n, const char *suffix,
                            const char *indent);

/* Serverless: the optional database and schema, then the drops (in dependency order) of every
 * object either serverless script creates -- views, the CSV script's external tables, its file
 * format, the data source -- so switching a folder's format and re-running works. */
void gen_sql_serverless_drops(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m);

/* Dedicated: the note naming the pool's database and the optional schema. */
void gen_sql_dedicated_prologue(FILE *o, const struct sql_opts *op);

/* Dedicated, inside the BEGIN TRY that loaded [<n>_load]: swaps it in (drop a leftover _old,
 * rename the table to _old, _load to the table, drop _old) and closes the TRY/CATCH batch. */
void gen_sql_put_swap(FILE *o, const struct sql_opts *op, const char *n);

/* The Synapse scripts for a Parquet folder (gen_sql_parquet.c); the model was checked. */
void gen_sql_write_serverless_parquet(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m);
void gen_sql_write_dedicated_parquet(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m);

/* The DuckDB script for a CSV or Parquet folder (gen_sql_duckdb.c); the model was checked. */
void gen_sql_write_duckdb(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m);

/* 1 when --data-root / a location may go into a DuckDB file list: no control character, and no
 * character DuckDB's file globbing reads as a pattern (* ? [ ] { }), so each entry names exactly
 * one file.  Quotes are escaped by the writer. */
int gen_sql_duckdb_path_ok(const char *s);

#endif
