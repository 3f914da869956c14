/*
 * gen_sql.h: what `fhir2cdm synapse-sql` (gen_sql.c) shares with `fhir2cdm generate-pipeline
 * --target synapse` (gen_pipeline_synapse.c): the CDM -> T-SQL type mapping, the name rule and
 * the dedicated pool's table and COPY INTO options.  One copy, so the loader script and the Data
 * Factory pipeline's loader procedure create the same tables (docs/synapse.md).
 */
#ifndef FHIR2CDM_GEN_SQL_H
#define FHIR2CDM_GEN_SQL_H

#include <stddef.h>

/* The T-SQL column type of a CDM dataType ("string", "int64", "decimal", "boolean",
 * "dateTime") in a serverless (serverless != 0) or dedicated pool; NULL for any other dataType.
 * Static strings. */
const char *gen_sql_tsql_type(const char *cdm_type, int serverless);

/* 1 when s is an identifier that needs no escaping in brackets or double quotes:
 * [A-Za-z_][A-Za-z0-9_]*, at most max characters; 0 otherwise (NULL included). */
int gen_sql_valid_name(const char *s, size_t max);

/* 1 when u is https://<account>.dfs.core.windows.net/<filesystem>[/<root>] (the ADLS Gen2
 * endpoint external data sources and COPY INTO accept) with no quote, backslash, blank or
 * control character; 0 otherwise. */
int gen_sql_valid_storage_url(const char *u);

/* Dedicated pool tables (reasons in docs/synapse.md, "Dedicated SQL pool"). */
#define GEN_SQL_DEDICATED_TABLE_OPTIONS "DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX"
/* COPY INTO options for the transformer's CSV: header row, '"' quoting, UTF-8, read with the
 * workspace's managed identity. */
#define GEN_SQL_COPY_OPTIONS                                                                       \
    "FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '\"', FIELDTERMINATOR = ',',\n"                 \
    "          ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity')"
/* COPY INTO options for Parquet partitions (a Parquet folder, gen_sql_parquet.c): the files carry
 * their schema and encoding; read with the workspace's managed identity. */
#define GEN_SQL_COPY_PARQUET_OPTIONS                                                               \
    "FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity')"
/* The dedicated pool's column type of a Parquet folder's attribute kinds (docs/loading.md):
 * dataType of an entity document ("string", "integer", "bigInteger", "boolean", "date", "time",
 * "dateTime"; "decimal" is decimal(p,s) of its trait) -> T-SQL; NULL for others.  Static. */
const char *gen_sql_tsql_parquet_type(const char *cdm_type);

/* The staging table a dedicated load fills before it is renamed to the entity's name, and the
 * name the previous table has while it is being replaced. */
#define GEN_SQL_LOAD_SUFFIX "_load"
#define GEN_SQL_OLD_SUFFIX "_old"

#endif
