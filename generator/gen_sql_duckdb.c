/*
 * gen_sql_duckdb: `fhir2cdm synapse-sql --dialect duckdb`, the script that makes a CSV or Parquet
 * CDM folder queryable from DuckDB, the embedded analytics engine a user reaches for first on a
 * laptop (issue 17 item 5).
 *
 * One view per entity (--create table: a table, copied in) over exactly the partitions the
 * folder's commit record lists -- never a folder or a glob: data/<Entity>/ may hold files of a
 * run in progress or a replaced slot (docs/cdm-folder.md, "Commit").  DuckDB expands glob
 * characters in every entry of a file list, so a path holding one is refused (gen_sql.c).
 *
 * CSV partitions are read with read_csv and the format we write spelled out (RFC 4180 as in
 * docs/cdm-folder.md: header record, ',' delimiter, '"' quote doubled inside quotes, CRLF) with
 * auto-detection off and every column typed from model.json, so nothing depends on sniffing:
 * string VARCHAR, int64 BIGINT, boolean BOOLEAN, dateTime TIMESTAMPTZ (our cells are UTC
 * instants "YYYY-MM-DDThh:mm:ss[.f]Z"; DuckDB keeps microseconds, a longer fraction is cut to
 * microseconds), decimal DECIMAL(38, 18): the same type as the Parquet writer's default, so
 * both formats of a folder give the same column types; a cell with more than 18 fractional
 * digits is rounded to 18 by DuckDB's cast, a cell whose integer part exceeds 20 digits makes
 * the read fail (an error, never a silent NULL).  DuckDB has no exact decimal wider than 38
 * digits, so no DuckDB type keeps every JSON number; docs/loading.md says so.
 * Parquet partitions are read with read_parquet: the types are the files' own (issue 17 item 2).
 *
 * Paths: <root>/<location>, root the folder's absolute path by default, so the script runs from
 * anywhere on the machine that wrote it; --data-root replaces it ('.' to run from inside the
 * folder, s3://... or az://... where the folder was uploaded, with DuckDB's httpfs / azure
 * extensions).  Reference: DuckDB documentation, "CSV Import" (read_csv parameters header, delim,
 * quote, escape, new_line, columns, auto_detect, hive_partitioning) and "Reading and Writing
 * Parquet Files" (read_parquet over a list of files).
 */
#include <stdio.h>
#include <string.h>

#include "gen_sql_int.h"

int gen_sql_duckdb_path_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || strchr("*?[]{}", c)) return 0;
    }
    return 1;
}

/* The DuckDB type of attribute a (checked: a known kind) into buf. */
static const char *duck_type(const f2c_cdm_attribute *a, char *buf, size_t cap)
{
    int p, s;
    switch (gen_sql_kind(a->data_type)) {
    case GS_INT32:
        return "INTEGER";
    case GS_INT64:
        return "BIGINT";
    case GS_DECIMAL:
        gen_sql_decimal(a, &p, &s);
        snprintf(buf, cap, "DECIMAL(%d,%d)", p, s);
        return buf;
    case GS_BOOLEAN:
        return "BOOLEAN";
    case GS_DATE:
        return "DATE";
    case GS_TIME:
        return "TIME";
    case GS_DATETIME:
        return "TIMESTAMPTZ";
    default:
        return "VARCHAR";
    }
}

/* n bytes of s with every ' doubled, for inside a single-quoted string (DuckDB string literals
 * have no backslash escapes). */
static void put_escaped(FILE *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') fputc('\'', o);
        fputc(s[i], o);
    }
}

/* '<root>/<location>' for every partition of ent, one per line, as a DuckDB list. */
static void put_files(FILE *o, const struct sql_opts *op, const f2c_cdm_entity *ent)
{
    const char *root = op->data_root ? op->data_root : op->folder;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    fputs("[\n", o);
    for (size_t i = 0; i < ent->npartitions; i++) {
        const char *loc = ent->partitions[i].location;
        fputs("    '", o);
        put_escaped(o, root, n);
        if (root[n - 1] != '/') fputc('/', o);
        put_escaped(o, loc, strlen(loc));
        fputs(i + 1 < ent->npartitions ? "',\n" : "'\n", o);
    }
    fputs("  ]", o);
}

/* The explicit column list "a", "b", ... (the view's columns, in attribute order). */
static void put_select(FILE *o, const f2c_cdm_entity *ent)
{
    fputs("SELECT ", o);
    for (size_t i = 0; i < ent->nattributes; i++)
        fprintf(o, "%s\"%s\"", i ? ", " : "", ent->attributes[i].name);
}

/* read_csv's columns struct: {'a': 'VARCHAR', ...}. */
static void put_csv_columns(FILE *o, const f2c_cdm_entity *ent)
{
    char buf[32];
    fputs("{", o);
    for (size_t i = 0; i < ent->nattributes; i++) {
        const f2c_cdm_attribute *a = &ent->attributes[i];
        fprintf(o, "%s'%s': '%s'", i ? ", " : "", a->name, duck_type(a, buf, sizeof buf));
    }
    fputs("}", o);
}

/* The query of one entity: over its partitions, or a typed empty row set when it has none
 * (read_csv and read_parquet refuse an empty list). */
static void put_query(FILE *o, const struct sql_opts *op, const f2c_cdm_entity *ent)
{
    char buf[32];
    if (ent->npartitions == 0) {
        fputs("SELECT ", o);
        for (size_t i = 0; i < ent->nattributes; i++) {
            const f2c_cdm_attribute *a = &ent->attributes[i];
            fprintf(o, "%sCAST(NULL AS %s) AS \"%s\"", i ? ", " : "", duck_type(a, buf, sizeof buf),
                    a->name);
        }
        fputs(" WHERE false", o);
        return;
    }
    put_select(o, ent);
    if (op->parquet) {
        fputs("\nFROM read_parquet(", o);
        put_files(o, op, ent);
        fputs(", hive_partitioning = false)", o);
        return;
    }
    fputs("\nFROM read_csv(", o);
    put_files(o, op, ent);
    fputs(",\n  header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"',\n"
          "  new_line = '\\r\\n', hive_partitioning = false,\n  columns = ",
          o);
    put_csv_columns(o, ent);
    fputs(")", o);
}

void gen_sql_write_duckdb(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    int table = op->create && strcmp(op->create, "table") == 0;
    fprintf(o,
            "-- DuckDB: one %s per entity over exactly the %s partitions %s lists.\n"
            "-- Run: duckdb my.duckdb < load.sql (or any DuckDB API).  One transaction: all or\n"
            "-- nothing.  Idempotent: CREATE OR REPLACE.\n",
            table ? "table" : "view", op->parquet ? "Parquet" : "CSV",
            op->parquet ? "model.manifest.cdm.json" : "model.json");
    fputs("BEGIN TRANSACTION;\n", o);
    if (op->schema) fprintf(o, "CREATE SCHEMA IF NOT EXISTS \"%s\";\n", op->schema);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        fprintf(o, "\nCREATE OR REPLACE %s ", table ? "TABLE" : "VIEW");
        gen_sql_put_qname(o, op, ent->name, "");
        fputs(" AS\n", o);
        put_query(o, op, ent);
        fputs(";\n", o);
    }
    fputs("\nCOMMIT;\n", o);
}
