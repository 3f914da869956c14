/*
 * gen_sql_parquet: `fhir2cdm synapse-sql --pool serverless|dedicated` for a Parquet CDM folder
 * (the CDM manifest, one entity document per entity, Parquet partitions under data/<Entity>/;
 * issue 17 item 5).
 *
 * Both scripts read exactly the partitions the manifest lists -- the folder's commit record, so
 * never a folder or a wildcard, which would also pick up a run in progress or a replaced slot
 * (docs/cdm-folder.md, "Commit") -- and type every column from the entity documents, the same
 * source the Parquet writer typed the files from (issue 17 item 2):
 *
 *   CDM type      Parquet column            serverless (OPENROWSET WITH)   dedicated table
 *   string        BYTE_ARRAY STRING         varchar(8000) UTF-8 collation  nvarchar(4000)
 *   integer       INT32                     int                            int
 *   bigInteger    INT64                     bigint                         bigint
 *   decimal       DECIMAL(p, s)             decimal(p,s)                   decimal(p,s)
 *   boolean       BOOLEAN                   bit                            bit
 *   date          INT32 DATE                date                           date
 *   time          INT64 TIME(MICROS)        time(6)                        time(6)
 *   dateTime      INT64 TIMESTAMP(MICROS,   datetime2(6)                   datetime2(6)
 *                 adjusted to UTC)
 *
 * Serverless: one view per entity, SELECT * FROM OPENROWSET(BULK ('<location>', ...),
 * DATA_SOURCE = '<the folder>', FORMAT = 'PARQUET') WITH (<typed columns>) -- an external table
 * takes a single LOCATION (a folder or pattern), a view over OPENROWSET takes the list.  The WITH
 * clause pins the schema (OPENROWSET otherwise infers it from the first file) and the UTF-8
 * collation Microsoft asks for Parquet strings: "Query Parquet files using serverless SQL pool in
 * Azure Synapse Analytics" (learn.microsoft.com/azure/synapse-analytics/sql/query-parquet-files);
 * a list of paths in BULK: "Query storage files with serverless SQL pool" (.../sql/
 * query-data-storage, "Query multiple files or folders").
 *
 * Dedicated: per entity, the staging table, COPY INTO ... FROM '<url>', '<url>', ... WITH
 * (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity')) in chunks of
 * GEN_SQL_COPY_CHUNK locations, and the same swap as the CSV script: "COPY INTO (Transact-SQL)"
 * (learn.microsoft.com/sql/t-sql/statements/copy-into-transact-sql: FILE_TYPE = 'PARQUET',
 * comma-separated external locations in one account and container).
 *
 * Locations become URL paths with every '%' written "%25" (partition names hold %XX escapes of
 * their input's stem; RFC 3986 section 2.4), as the Data Factory loader does (docs/synapse.md).
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "gen_sql.h"
#include "gen_sql_int.h"

/* Locations per COPY INTO statement (docs/synapse.md, "Chunks of 1000 locations"). */
#define GEN_SQL_COPY_CHUNK 1000

const char *gen_sql_tsql_parquet_type(const char *cdm)
{
    static const char *const names[][2] = {
        {"string", "nvarchar(4000)"}, {"integer", "int"}, {"bigInteger", "bigint"},
        {"boolean", "bit"},           {"date", "date"},   {"time", "time(6)"},
        {"dateTime", "datetime2(6)"}};
    for (size_t i = 0; cdm && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cdm, names[i][0]) == 0) return names[i][1];
    return NULL;
}

/* The T-SQL type of attribute a (a known kind, checked) into buf. */
static const char *tsql_type(const f2c_cdm_attribute *a, int serverless, char *buf, size_t cap)
{
    int p, s;
    switch (gen_sql_kind(a->data_type)) {
    case GS_INT32:
        return "int";
    case GS_INT64:
        return "bigint";
    case GS_DECIMAL:
        gen_sql_decimal(a, &p, &s);
        snprintf(buf, cap, "decimal(%d,%d)", p, s);
        return buf;
    case GS_BOOLEAN:
        return "bit";
    case GS_DATE:
        return "date";
    case GS_TIME:
        return "time(6)";
    case GS_DATETIME:
        return "datetime2(6)";
    default:
        return serverless ? "varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8" : "nvarchar(4000)";
    }
}

/* "    [a] <type> NULL,\n" per attribute (dedicated) or without NULL (an OPENROWSET WITH list). */
static void put_columns(FILE *o, const f2c_cdm_entity *ent, int serverless, const char *indent)
{
    char buf[32];
    for (size_t i = 0; i < ent->nattributes; i++) {
        const f2c_cdm_attribute *a = &ent->attributes[i];
        fprintf(o, "%s[%s] %s%s%s\n", indent, a->name, tsql_type(a, serverless, buf, sizeof buf),
                serverless ? "" : " NULL", i + 1 < ent->nattributes ? "," : "");
    }
}

/* A location as a URL path: '%' -> "%25" (the only character of a checked location a URL path
 * does not take as it is). */
static void put_location(FILE *o, const char *loc)
{
    for (; *loc; loc++)
        if (*loc == '%')
            fputs("%25", o);
        else
            fputc(*loc, o);
}

/* The view's query when the entity has no partition yet: typed columns, no rows (OPENROWSET
 * needs at least one path). */
static void put_empty(FILE *o, const f2c_cdm_entity *ent)
{
    char buf[32];
    fputs("SELECT ", o);
    for (size_t i = 0; i < ent->nattributes; i++) {
        const f2c_cdm_attribute *a = &ent->attributes[i];
        fprintf(o, "%sCAST(NULL AS %s) AS [%s]", i ? ", " : "", tsql_type(a, 1, buf, sizeof buf),
                a->name);
    }
    fputs(" WHERE 1 = 0", o);
}

static void put_view(FILE *o, const struct sql_opts *op, const f2c_cdm_entity *ent)
{
    fputs("\nCREATE VIEW ", o);
    gen_sql_put_qname(o, op, ent->name, "");
    fputs(" AS\n", o);
    if (ent->npartitions == 0) {
        put_empty(o, ent);
        fputs(";\nGO\n", o);
        return;
    }
    fputs("SELECT * FROM OPENROWSET(\n    BULK (", o);
    for (size_t k = 0; k < ent->npartitions; k++) {
        fputs(k ? ",\n          '" : "'", o);
        put_location(o, ent->partitions[k].location);
        fputc('\'', o);
    }
    fprintf(o, "),\n    DATA_SOURCE = '%s', FORMAT = 'PARQUET')\n  WITH (\n", SQL_DATA_SOURCE);
    put_columns(o, ent, 1, "    ");
    fputs("  ) AS [rows];\nGO\n", o);
}

void gen_sql_write_serverless_parquet(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs(
        "-- Serverless SQL pool: one view per entity over OPENROWSET(FORMAT = 'PARQUET') listing\n"
        "-- exactly the partitions model.manifest.cdm.json lists, columns typed from the entity\n"
        "-- documents.  Idempotent: drops and recreates only the objects it creates.\n",
        o);
    gen_sql_serverless_drops(o, op, m);
    /* No CREDENTIAL: serverless then reads with the caller's Azure AD identity (passthrough). */
    fprintf(o, "CREATE EXTERNAL DATA SOURCE [%s]\n    WITH (LOCATION = '%.*s');\nGO\n",
            SQL_DATA_SOURCE, gen_sql_url_len(op->storage_url), op->storage_url);
    for (size_t i = 0; i < m->nentities; i++)
        put_view(o, op, &m->entities[i]);
}

/* COPY INTO [<n>_load] FROM the URLs of partitions [from, to). */
static void put_copy(FILE *o, const struct sql_opts *op, const f2c_cdm_entity *ent, size_t from,
                     size_t to)
{
    fputs("    COPY INTO ", o);
    gen_sql_put_qname(o, op, ent->name, GEN_SQL_LOAD_SUFFIX);
    fputs("\n    FROM ", o);
    for (size_t k = from; k < to; k++) {
        fprintf(o, "%s'%.*s/", k > from ? ",\n         " : "", gen_sql_url_len(op->storage_url),
                op->storage_url);
        put_location(o, ent->partitions[k].location);
        fputc('\'', o);
    }
    fputs("\n    WITH (" GEN_SQL_COPY_PARQUET_OPTIONS ");\n", o);
}

void gen_sql_write_dedicated_parquet(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- Dedicated SQL pool: one table per entity, loaded with COPY INTO (FILE_TYPE =\n"
          "-- 'PARQUET') from exactly the partitions model.manifest.cdm.json lists into\n"
          "-- <Entity>_load, swapped in with RENAME OBJECT only when the load succeeded.\n"
          "-- Idempotent: re-running replaces each table.\n",
          o);
    gen_sql_dedicated_prologue(o, op);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        fputs("\n", o);
        gen_sql_put_drop_table(o, op, ent->name, GEN_SQL_LOAD_SUFFIX, "");
        fputs("CREATE TABLE ", o);
        gen_sql_put_qname(o, op, ent->name, GEN_SQL_LOAD_SUFFIX);
        fputs(" (\n", o);
        put_columns(o, ent, 0, "    ");
        fputs(") WITH (" GEN_SQL_DEDICATED_TABLE_OPTIONS ");\nGO\nBEGIN TRY\n", o);
        /* An entity without partitions: an empty table, swapped in like a loaded one. */
        for (size_t k = 0; k < ent->npartitions; k += GEN_SQL_COPY_CHUNK)
            put_copy(o, op, ent, k,
                     k + GEN_SQL_COPY_CHUNK < ent->npartitions ? k + GEN_SQL_COPY_CHUNK
                                                               : ent->npartitions);
        gen_sql_put_swap(o, op, ent->name);
    }
}
