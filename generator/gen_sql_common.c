/*
 * gen_sql_common: the pieces every `fhir2cdm synapse-sql` writer shares (gen_sql.c for CSV
 * folders, gen_sql_parquet.c for Parquet folders in Synapse, gen_sql_duckdb.c for DuckDB): the
 * CDM type kinds, decimal precision and scale, quoted names, and the T-SQL fragments both
 * Synapse scripts of a format write the same (the serverless drops, the dedicated swap).  Kept
 * apart so the writers depend on it and gen_sql.c on them, never the other way round (the
 * source graph has no cycle: tests/architecture).
 */
#include <stdio.h>
#include <string.h>

#include "gen_sql.h"
#include "gen_sql_int.h"

gs_kind gen_sql_kind(const char *cdm)
{
    /* model.json's names (docs/cdm-folder.md, "dataType") and the entity documents' CDM data
     * type names (f2c_cdm_folder_read, f2c_cdm.h). */
    static const struct {
        const char *name;
        gs_kind kind;
    } names[] = {{"string", GS_STRING},
                 {"int64", GS_INT64},
                 {"bigInteger", GS_INT64},
                 {"int32", GS_INT32},
                 {"integer", GS_INT32},
                 {"decimal", GS_DECIMAL},
                 {"boolean", GS_BOOLEAN},
                 {"date", GS_DATE},
                 {"time", GS_TIME},
                 {"dateTime", GS_DATETIME},
                 {"dateTimeOffset", GS_DATETIME}};
    for (size_t i = 0; cdm && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cdm, names[i].name) == 0) return names[i].kind;
    return GS_UNKNOWN;
}

void gen_sql_decimal(const f2c_cdm_attribute *a, int *precision, int *scale)
{
    *precision = a->precision > 0 ? a->precision : 38;
    *scale = a->precision > 0 ? a->scale : 18;
}

void gen_sql_put_qname(FILE *o, const struct sql_opts *op, const char *name, const char *suffix)
{
    int tsql = op->target == SQL_SERVERLESS || op->target == SQL_DEDICATED;
    const char *l = tsql ? "[" : "\"";
    const char *r = tsql ? "]" : "\"";
    if (op->schema)
        fprintf(o, "%s%s%s.", l, op->schema, r);
    else if (tsql)
        fputs("[dbo].", o);
    fprintf(o, "%s%s%s%s", l, name, suffix, r);
}

int gen_sql_url_len(const char *u)
{
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    return (int)n;
}

void gen_sql_put_drop_table(FILE *o, const struct sql_opts *op, const char *n, const char *suffix,
                            const char *indent)
{
    fprintf(o, "%sIF OBJECT_ID(N'", indent);
    gen_sql_put_qname(o, op, n, suffix);
    fprintf(o, "', N'U') IS NOT NULL\n%s    DROP TABLE ", indent);
    gen_sql_put_qname(o, op, n, suffix);
    fputs(";\n", o);
}

void gen_sql_serverless_drops(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    if (op->database) {
        fprintf(o, "IF DB_ID(N'%s') IS NULL\n    CREATE DATABASE [%s];\nGO\nUSE [%s];\nGO\n",
                op->database, op->database, op->database);
        /* External objects need a UTF-8 aware database; the columns also carry it. */
    }
    if (op->schema)
        fprintf(o, "IF SCHEMA_ID(N'%s') IS NULL\n    EXEC(N'CREATE SCHEMA [%s]');\nGO\n",
                op->schema, op->schema);
    /* Views depend on external tables, which depend on the data source and file format:
     * drop in that order before recreating anything. */
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        const char *n = ent->name;
        fputs("IF OBJECT_ID(N'", o);
        gen_sql_put_qname(o, op, n, "");
        fputs("', N'V') IS NOT NULL\n    DROP VIEW ", o);
        gen_sql_put_qname(o, op, n, "");
        fputs(";\nIF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'", o);
        gen_sql_put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs("'))\n    DROP EXTERNAL TABLE ", o);
        gen_sql_put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(";\n", o);
    }
    fprintf(o,
            "IF EXISTS (SELECT * FROM sys.external_file_formats WHERE name = N'%s')\n"
            "    DROP EXTERNAL FILE FORMAT [%s];\n"
            "IF EXISTS (SELECT * FROM sys.external_data_sources WHERE name = N'%s')\n"
            "    DROP EXTERNAL DATA SOURCE [%s];\nGO\n\n",
            SQL_FILE_FORMAT, SQL_FILE_FORMAT, SQL_DATA_SOURCE, SQL_DATA_SOURCE);
}

/*
 * Dedicated pool, per entity: load into <Entity>_load, then swap it in with RENAME OBJECT.
 * Why not a transaction: a dedicated pool does not allow DDL (CREATE TABLE, RENAME OBJECT)
 * inside a user-defined transaction, and COPY INTO into a freshly created table would leave an
 * empty table behind on failure.  Loading a staging table and swapping names only after COPY
 * INTO succeeded gives the same all-or-nothing view per entity: readers see the previous table
 * until the new one is complete.  TRY/CATCH because a failed statement does not end a T-SQL
 * batch by itself; THROW re-raises so the client (sqlcmd, Data Factory) sees the failure.
 */
void gen_sql_put_swap(FILE *o, const struct sql_opts *op, const char *n)
{
    gen_sql_put_drop_table(o, op, n, GEN_SQL_OLD_SUFFIX, "    ");
    fputs("    IF OBJECT_ID(N'", o);
    gen_sql_put_qname(o, op, n, "");
    fputs("', N'U') IS NOT NULL\n        RENAME OBJECT ", o);
    gen_sql_put_qname(o, op, n, "");
    fprintf(o, " TO [%s" GEN_SQL_OLD_SUFFIX "];\n    RENAME OBJECT ", n);
    gen_sql_put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
    fprintf(o, " TO [%s];\n", n);
    gen_sql_put_drop_table(o, op, n, GEN_SQL_OLD_SUFFIX, "    ");
    fputs("END TRY\nBEGIN CATCH\n    THROW;\nEND CATCH\nGO\n", o);
}

void gen_sql_dedicated_prologue(FILE *o, const struct sql_opts *op)
{
    if (op->database)
        /* A dedicated pool is its own database and has no USE: connect to it instead. */
        fprintf(o, "-- Run connected to the dedicated SQL pool database [%s].\n", op->database);
    if (op->schema)
        fprintf(o, "IF SCHEMA_ID(N'%s') IS NULL\n    EXEC(N'CREATE SCHEMA [%s]');\nGO\n",
                op->schema, op->schema);
}
