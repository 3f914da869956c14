/*
 * gen_sql: `fhir2cdm synapse-sql`, the SQL script that loads a CDM folder written by
 * fhir2cdm-transform -- CSV (model.json + CSV partitions) or Parquet (the CDM manifest, one entity
 * document per entity, Parquet partitions) -- into Azure Synapse (serverless or dedicated SQL
 * pool), PostgreSQL through psql's \copy (CSV only), or DuckDB (--dialect duckdb,
 * gen_sql_duckdb.c).  The Synapse scripts for Parquet folders are in gen_sql_parquet.c.
 *
 * Why generate from the folder's metadata rather than from the table configuration: it is what
 * actually sits next to the partitions (entities, column order, data types, partition paths), so
 * the script always matches the data it loads, including views and partitions of earlier runs.
 * The folder is read by the library's one reader (f2c_cdm_folder_read, or f2c_cdm_model_read for
 * a model.json file, f2c_cdm.h), the one the Blob publisher reads the commit record with; what
 * it leaves to callers (absent or mistyped members) is refused here, in this command's own words.
 *
 * Every identifier and path that reaches the script is validated first (column names: the
 * loaders' rule, f2c_table_column_name_check; entity, schema and pool names: [A-Za-z_]
 * [A-Za-z0-9_]*, at most 128 characters, 63 for PostgreSQL which would silently truncate them;
 * paths and URLs: no quotes, backslashes or control characters; listed one by one -- Parquet,
 * DuckDB -- also no file pattern character), so quoting can never be broken and nothing is
 * written when the model is unusable (exit 2).  Type mapping and the reasoning behind it:
 * docs/synapse.md (CSV folders), docs/loading.md (Parquet folders, DuckDB).
 */
/* realpath (the folder's absolute path for --dialect duckdb) is XSI in glibc's headers. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_table.h"
#include "gen.h"
#include "gen_sql.h"
#include "gen_sql_int.h"

static void sql_usage(FILE *f)
{
    fputs(
        "Usage: fhir2cdm synapse-sql --model <cdm folder or model.json>\n"
        "         --pool serverless|dedicated\n"
        "         --storage-url https://<account>.dfs.core.windows.net/<filesystem>[/<root>]\n"
        "         [--database D] [--schema S] [-o load.sql]\n"
        "       fhir2cdm synapse-sql --model <cdm folder or model.json> --dialect postgres\n"
        "         [--schema S] [-o load.sql]\n"
        "       fhir2cdm synapse-sql --model <cdm folder> --dialect duckdb\n"
        "         [--data-root PREFIX] [--create view|table] [--schema S] [-o load.sql]\n"
        "\n"
        "Writes the SQL that loads a CDM folder written by fhir2cdm-transform, CSV (model.json)\n"
        "or Parquet (model.manifest.cdm.json + <Entity>.cdm.json; --model is then the folder\n"
        "or the manifest):\n"
        "  serverless  external data source + CSV file format, one external table per entity\n"
        "              over its partition folder and one view per entity (idempotent)\n"
        "  dedicated   CREATE TABLE per entity (ROUND_ROBIN, clustered columnstore) and COPY INTO\n"
        "              from the entity's partition folder with the workspace managed identity\n"
        "  postgres    CREATE TABLE per entity and a psql \\copy per partition, paths relative to\n"
        "              the CDM folder: cd <cdm folder> && psql -f load.sql (CSV folders only)\n"
        "  duckdb      a view (--create table: a table) per entity over exactly its partitions:\n"
        "              read_csv with explicit column types, or read_parquet; each file is\n"
        "              PREFIX/<location>, PREFIX the folder's absolute path unless --data-root\n"
        "              (e.g. '.', s3://bucket/cdm): duckdb my.db < load.sql\n"
        "A Parquet folder: serverless views over OPENROWSET(BULK (<each partition>),\n"
        "FORMAT = 'PARQUET') WITH (typed columns); dedicated COPY INTO FROM <each partition URL>\n"
        "WITH (FILE_TYPE = 'PARQUET').  Details: docs/synapse.md, docs/loading.md.\n"
        "-o FILE: written to FILE instead of stdout; a regular or missing FILE is replaced\n"
        "atomically when complete (a symbolic link: the file it points to), an existing FIFO\n"
        "or device (/dev/stdout) is written into, never replaced.\n"
        "No option is repeatable: each may be given once (twice is a usage error).\n"
        "Exit status: 0 ok, 2 usage error, unusable model or write error (nothing written).\n",
        f);
}

/* A SQL identifier we can quote without escaping in both dialects. */
int gen_sql_valid_name(const char *s, size_t max)
{
    size_t n = 0;
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return n <= max;
}

/* Text that goes between single quotes (URLs, relative paths): printable ASCII without quotes
 * or backslashes, so neither T-SQL nor psql's \copy can misread it. */
static int valid_literal(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e || c == '\'' || c == '"' || c == '\\') return 0;
    }
    return 1;
}

/* https://<account>.dfs.core.windows.net/<filesystem>[/<root>]: ADLS Gen2 (dfs) endpoint, the one
 * Synapse external data sources and COPY INTO both accept for hierarchical namespaces. */
int gen_sql_valid_storage_url(const char *u)
{
    static const char scheme[] = "https://";
    static const char host[] = ".dfs.core.windows.net/";
    if (!valid_literal(u) || strncmp(u, scheme, sizeof scheme - 1) != 0) return 0;
    const char *h = strstr(u, host);
    if (!h || h == u + sizeof scheme - 1) return 0;
    for (const char *a = u + sizeof scheme - 1; a < h; a++)
        if (!((*a >= 'a' && *a <= 'z') || (*a >= '0' && *a <= '9'))) return 0;
    const char *fs = h + sizeof host - 1;
    return *fs && *fs != '/';
}

/* A partition location from model.json: relative, inside the CDM folder. */
static int valid_location(const char *p)
{
    if (!valid_literal(p) || p[0] == '/' || strstr(p, "://")) return 0;
    for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0')) return 0;
    return 1;
}

const char *gen_sql_tsql_type(const char *cdm, int serverless)
{
    if (strcmp(cdm, "int64") == 0) return "bigint";
    if (strcmp(cdm, "decimal") == 0) return "decimal(38,18)";
    if (strcmp(cdm, "boolean") == 0) return "bit";
    if (strcmp(cdm, "dateTime") == 0) return "datetime2(7)";
    if (strcmp(cdm, "string") == 0)
        return serverless ? "varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8" : "nvarchar(4000)";
    return NULL;
}

static const char *pg_type(const char *cdm)
{
    if (strcmp(cdm, "int64") == 0) return "bigint";
    if (strcmp(cdm, "decimal") == 0) return "numeric";
    if (strcmp(cdm, "boolean") == 0) return "boolean";
    if (strcmp(cdm, "dateTime") == 0) return "timestamptz";
    if (strcmp(cdm, "string") == 0) return "text";
    return NULL;
}

static const char *col_type(const char *cdm, enum sql_target t)
{
    return t == SQL_POSTGRES ? pg_type(cdm) : gen_sql_tsql_type(cdm, t == SQL_SERVERLESS);
}

/* The entity's partition folder relative to the CDM folder, with a trailing slash, into out:
 * the folder of its first partition (the transformer writes them all to data/<Entity>/), or
 * data/<Entity>/ when model.json lists none yet.  Returns 0, or -1 if a location is unusable. */
static int entity_folder(const f2c_cdm_entity *ent, char *out, size_t cap)
{
    const char *loc = ent->npartitions ? ent->partitions[0].location : NULL;
    if (!loc) return snprintf(out, cap, "data/%s/", ent->name) < (int)cap ? 0 : -1;
    const char *slash = strrchr(loc, '/');
    if (!slash) return -1;
    int n = (int)(slash - loc) + 1;
    return snprintf(out, cap, "%.*s", n, loc) < (int)cap ? 0 : -1;
}

/* The dataType of a: one the target maps (the five of model.json for the CSV loaders of Synapse
 * and PostgreSQL; every kind gen_sql_kind knows for a Parquet folder and for DuckDB), and for a
 * decimal a precision and scale DECIMAL(p, s) accepts in T-SQL and DuckDB (1 <= p <= 38,
 * 0 <= s <= p).  0 or 2 (printed). */
static int check_type(const char *ent, const f2c_cdm_attribute *a, const struct sql_opts *op)
{
    int any = op->parquet || op->target == SQL_DUCKDB;
    int ok = a->data_type && (any ? gen_sql_kind(a->data_type) != GS_UNKNOWN
                                  : col_type(a->data_type, op->target) != NULL);
    if (!ok) {
        fprintf(stderr, "fhir2cdm synapse-sql: %s.%s: unsupported dataType '%s' (%s)\n", ent,
                a->name, a->data_type ? a->data_type : "(missing)",
                any ? "string, integer, bigInteger, int64, decimal, boolean, date, time, dateTime"
                    : "string, int64, decimal, boolean, dateTime");
        return 2;
    }
    int p, sc;
    gen_sql_decimal(a, &p, &sc);
    if (gen_sql_kind(a->data_type) == GS_DECIMAL && (p < 1 || p > 38 || sc < 0 || sc > p)) {
        fprintf(stderr, "fhir2cdm synapse-sql: %s.%s: unusable decimal precision %d, scale %d\n",
                ent, a->name, p, sc);
        return 2;
    }
    return 0;
}

/* One attribute of entity `ent`: the loaders' column rule and a known dataType.  0 or 2 (printed).
 */
static int check_attribute(const char *ent, const f2c_cdm_attribute *a, const struct sql_opts *op)
{
    /* The loaders' own column rule (f2c_table.h), so a name the transformer wrote is never
     * refused here, and one it refuses never gets here. */
    f2c_name_problem np = a->name ? f2c_table_column_name_check(a->name) : F2C_NAME_EMPTY;
    if (np != F2C_NAME_OK) {
        char shown[128];
        fprintf(stderr, "fhir2cdm synapse-sql: entity %s: column name \"%s\" %s\n", ent,
                a->name ? f2c_table_name_shown(shown, sizeof shown, a->name) : "(missing)",
                f2c_table_column_problem(np));
        return 2;
    }
    return check_type(ent, a, op);
}

/* The attributes (each valid, no two the same), the partition locations and folder of one
 * entity whose name is valid.  0 or 2 (printed). */
static int check_entity(const f2c_cdm_entity *ent, const struct sql_opts *op)
{
    if (ent->nattributes == 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: entity %s has no attributes\n", ent->name);
        return 2;
    }
    for (size_t i = 0; i < ent->nattributes; i++)
        if (check_attribute(ent->name, &ent->attributes[i], op) != 0) return 2;
    /* Column names are compared case-insensitively by both engines (unquoted in queries), and
     * PostgreSQL keeps 63 bytes of them: the loaders' uniqueness rule (f2c_table.h). */
    for (size_t i = 0; i < ent->nattributes; i++)
        for (size_t k = i + 1; k < ent->nattributes; k++) {
            const char *x = ent->attributes[i].name, *y = ent->attributes[k].name;
            if (f2c_table_column_same(x, y)) {
                fprintf(stderr,
                        "fhir2cdm synapse-sql: entity %s: duplicate column %s (as %s: column "
                        "names must differ ignoring case, within their first %d characters)\n",
                        ent->name, y, x, F2C_COLUMN_NAME_UNIQUE);
                return 2;
            }
        }
    for (size_t i = 0; i < ent->npartitions; i++) {
        const char *loc = ent->partitions[i].location;
        /* Listed one by one (Parquet, DuckDB): a pattern character would match other files. */
        int listed = op->parquet || op->target == SQL_DUCKDB;
        if (!loc || !valid_location(loc) || (listed && !gen_sql_duckdb_path_ok(loc))) {
            fprintf(stderr, "fhir2cdm synapse-sql: entity %s: unusable partition location '%s'\n",
                    ent->name, loc ? loc : "(missing)");
            return 2;
        }
    }
    char folder[4096];
    if (entity_folder(ent, folder, sizeof folder) != 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: entity %s: no partition folder\n", ent->name);
        return 2;
    }
    return 0;
}

/* Checks the whole model before anything is written.  Returns 0 or 2 (message printed). */
static int check_model(const f2c_cdm_model *m, const struct sql_opts *op)
{
    enum sql_target t = op->target;
    if (op->parquet && t == SQL_POSTGRES) {
        fputs("fhir2cdm synapse-sql: a Parquet folder (CDM manifest) cannot be loaded with psql's "
              "\\copy; use --dialect duckdb, or transform with --format csv (docs/loading.md)\n",
              stderr);
        return 2;
    }
    /* T-SQL allows 128 characters; the serverless external table and the dedicated staging
     * table add a suffix (the staging suffix is the longer of _load and _old); PostgreSQL
     * truncates identifiers beyond NAMEDATALEN-1 = 63 bytes, which could merge two columns. */
    size_t max = t == SQL_POSTGRES ? 63 : 128;
    size_t ent_max = t == SQL_SERVERLESS  ? max - (sizeof SQL_EXT_SUFFIX - 1)
                     : t == SQL_DEDICATED ? max - (sizeof GEN_SQL_LOAD_SUFFIX - 1)
                                          : max;
    if (m->nentities == 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: %s has no entities\n",
                op->parquet ? "the manifest" : "model.json");
        return 2;
    }
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        if (!gen_sql_valid_name(ent->name, ent_max)) {
            fprintf(stderr,
                    "fhir2cdm synapse-sql: invalid entity name '%s' (want [A-Za-z_][A-Za-z0-9_]*, "
                    "at most %zu characters)\n",
                    ent->name ? ent->name : "(missing)", ent_max);
            return 2;
        }
        if (check_entity(ent, op) != 0) return 2;
    }
    return 0;
}

static void put_columns(FILE *o, const f2c_cdm_entity *ent, enum sql_target t)
{
    const char *l = t == SQL_POSTGRES ? "\"" : "[";
    const char *r = t == SQL_POSTGRES ? "\"" : "]";
    for (size_t i = 0; i < ent->nattributes; i++) {
        const f2c_cdm_attribute *a = &ent->attributes[i];
        fprintf(o, "    %s%s%s %s NULL%s\n", l, a->name, r, col_type(a->data_type, t),
                i + 1 < ent->nattributes ? "," : "");
    }
}

static void write_serverless(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- Serverless SQL pool: external tables over the CDM folder's CSV partitions.\n"
          "-- Idempotent: drops and recreates only the objects it creates.\n",
          o);
    gen_sql_serverless_drops(o, op, m);
    /* No CREDENTIAL: serverless then reads with the caller's Azure AD identity (passthrough). */
    fprintf(o, "CREATE EXTERNAL DATA SOURCE [%s]\n    WITH (LOCATION = '%.*s');\n", SQL_DATA_SOURCE,
            gen_sql_url_len(op->storage_url), op->storage_url);
    /* The transformer writes a header row, quotes with '"' and encodes UTF-8; parser 2.0 is
     * the faster parser that also handles quoted newlines. */
    fprintf(o,
            "CREATE EXTERNAL FILE FORMAT [%s]\n"
            "    WITH (FORMAT_TYPE = DELIMITEDTEXT,\n"
            "          FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '\"', "
            "FIRST_ROW = 2,\n"
            "                          USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8', "
            "PARSER_VERSION = '2.0'));\nGO\n",
            SQL_FILE_FORMAT);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        const char *n = ent->name;
        char folder[4096];
        entity_folder(ent, folder, sizeof folder);
        fputs("\nCREATE EXTERNAL TABLE ", o);
        gen_sql_put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fprintf(o, ") WITH (LOCATION = '%s*.csv', DATA_SOURCE = [%s], FILE_FORMAT = [%s]);\nGO\n",
                folder, SQL_DATA_SOURCE, SQL_FILE_FORMAT);
        fputs("CREATE VIEW ", o);
        gen_sql_put_qname(o, op, n, "");
        fputs(" AS SELECT * FROM ", o);
        gen_sql_put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(";\nGO\n", o);
    }
}

static void write_dedicated(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- Dedicated SQL pool: one table per entity, loaded with COPY INTO into <Entity>_load\n"
          "-- and swapped in with RENAME OBJECT only when the load succeeded (a dedicated pool\n"
          "-- allows no DDL inside a transaction).  Idempotent: re-running replaces each table.\n",
          o);
    gen_sql_dedicated_prologue(o, op);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        const char *n = ent->name;
        char folder[4096];
        entity_folder(ent, folder, sizeof folder);
        fputs("\n", o);
        gen_sql_put_drop_table(o, op, n, GEN_SQL_LOAD_SUFFIX, "");
        fputs("CREATE TABLE ", o);
        gen_sql_put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fputs(") WITH (" GEN_SQL_DEDICATED_TABLE_OPTIONS ");\nGO\nBEGIN TRY\n    COPY INTO ", o);
        gen_sql_put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
        fprintf(o, "\n    FROM '%.*s/%s*.csv'\n    WITH (" GEN_SQL_COPY_OPTIONS ");\n",
                gen_sql_url_len(op->storage_url), op->storage_url, folder);
        gen_sql_put_swap(o, op, n);
    }
}

static void write_postgres(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- PostgreSQL: one table per entity, each partition loaded with psql's \\copy.\n"
          "-- Run from the CDM folder (partition paths are relative): psql -f load.sql\n"
          "\\set ON_ERROR_STOP on\n",
          o);
    if (op->schema) fprintf(o, "CREATE SCHEMA IF NOT EXISTS \"%s\";\n", op->schema);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        const char *n = ent->name;
        /* One transaction per entity: a failed partition leaves no half-loaded table. */
        fputs("\nBEGIN;\nDROP TABLE IF EXISTS ", o);
        gen_sql_put_qname(o, op, n, "");
        fputs(";\nCREATE TABLE ", o);
        gen_sql_put_qname(o, op, n, "");
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fputs(");\n", o);
        for (size_t k = 0; k < ent->npartitions; k++) {
            fputs("\\copy ", o);
            gen_sql_put_qname(o, op, n, "");
            fprintf(o, " FROM '%s' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')\n",
                    ent->partitions[k].location);
        }
        fputs("COMMIT;\n", o);
    }
}

/* The DuckDB options: no Synapse option, --create view|table, a --data-root DuckDB can list
 * files under.  0 or 2 (printed). */
static int parse_duckdb(struct sql_opts *op)
{
    op->target = SQL_DUCKDB;
    if (op->pool || op->storage_url || op->database) {
        fputs("fhir2cdm synapse-sql: --pool, --storage-url and --database are for Synapse; with "
              "--dialect duckdb choose the database file with the duckdb CLI or API\n",
              stderr);
        return 2;
    }
    if (op->create && strcmp(op->create, "view") != 0 && strcmp(op->create, "table") != 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: --create must be view or table (got '%s')\n",
                op->create);
        return 2;
    }
    if (op->data_root && (!*op->data_root || !gen_sql_duckdb_path_ok(op->data_root))) {
        fprintf(stderr,
                "fhir2cdm synapse-sql: --data-root '%s' is empty or holds a control character "
                "or a file pattern character (* ? [ ] { })\n",
                op->data_root);
        return 2;
    }
    return 0;
}

static int parse_synapse(struct sql_opts *op);

/* The options' values into op (each at most once).  -1 to go on, or the exit status (0 after
 * --help, 2 after a message). */
static int parse_values(int argc, char **argv, struct sql_opts *op)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            sql_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--model") == 0 || strcmp(a, "-m") == 0)
            dst = &op->model;
        else if (strcmp(a, "--pool") == 0)
            dst = &op->pool;
        else if (strcmp(a, "--storage-url") == 0)
            dst = &op->storage_url;
        else if (strcmp(a, "--database") == 0)
            dst = &op->database;
        else if (strcmp(a, "--schema") == 0)
            dst = &op->schema;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            dst = &op->output;
        else if (strcmp(a, "--dialect") == 0)
            dst = &op->dialect;
        else if (strcmp(a, "--data-root") == 0)
            dst = &op->data_root;
        else if (strcmp(a, "--create") == 0)
            dst = &op->create;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "fhir2cdm synapse-sql: %s '%s'\n",
                    dst ? "missing value for" : "unknown option", a);
            return 2;
        }
        int once = *dst != NULL; /* every option of synapse-sql takes one value */
        if (gen_once("fhir2cdm synapse-sql", a, &once) != 0) return 2;
        *dst = argv[++i];
    }
    return -1;
}

static int parse_args(int argc, char **argv, struct sql_opts *op)
{
    int rc = parse_values(argc, argv, op);
    if (rc >= 0) return rc;
    if (!op->model) {
        fputs("fhir2cdm synapse-sql: --model is required\n", stderr);
        return 2;
    }
    if (op->dialect && strcmp(op->dialect, "postgres") != 0 && strcmp(op->dialect, "tsql") != 0 &&
        strcmp(op->dialect, "duckdb") != 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: unknown --dialect '%s' (tsql, postgres, duckdb)\n",
                op->dialect);
        return 2;
    }
    int duck = op->dialect && strcmp(op->dialect, "duckdb") == 0;
    if ((op->data_root || op->create) && !duck) {
        fputs("fhir2cdm synapse-sql: --data-root and --create are for --dialect duckdb\n", stderr);
        return 2;
    }
    if (duck) {
        if (parse_duckdb(op) != 0) return 2;
    } else if (op->dialect && strcmp(op->dialect, "postgres") == 0) {
        op->target = SQL_POSTGRES;
        if (op->pool || op->storage_url || op->database) {
            fputs("fhir2cdm synapse-sql: --pool, --storage-url and --database are for Synapse; "
                  "with --dialect postgres choose the database with psql -d\n",
                  stderr);
            return 2;
        }
    } else if (parse_synapse(op) != 0) {
        return 2;
    }
    if (op->schema && !gen_sql_valid_name(op->schema, op->target == SQL_POSTGRES ? 63 : 128)) {
        fprintf(stderr, "fhir2cdm synapse-sql: invalid --schema '%s'\n", op->schema);
        return 2;
    }
    return -1;
}

/* The Synapse options: a pool, a usable storage URL, a valid database name.  0 or 2 (printed). */
static int parse_synapse(struct sql_opts *op)
{
    if (!op->pool || (strcmp(op->pool, "serverless") != 0 && strcmp(op->pool, "dedicated") != 0)) {
        fputs("fhir2cdm synapse-sql: --pool serverless|dedicated is required\n", stderr);
        return 2;
    }
    op->target = strcmp(op->pool, "serverless") == 0 ? SQL_SERVERLESS : SQL_DEDICATED;
    if (!op->storage_url || !gen_sql_valid_storage_url(op->storage_url)) {
        fprintf(stderr,
                "fhir2cdm synapse-sql: --storage-url must be "
                "https://<account>.dfs.core.windows.net/<filesystem>[/<root>] (got '%s')\n",
                op->storage_url ? op->storage_url : "");
        return 2;
    }
    if (op->database && !gen_sql_valid_name(op->database, 128)) {
        fprintf(stderr, "fhir2cdm synapse-sql: invalid --database '%s'\n", op->database);
        return 2;
    }
    return 0;
}

/* Reads model.json text (a file given to --model) with the library's one reader,
 * f2c_cdm_model_read.  Returns 0 or 2 (message printed). */
static int read_model_file(const char *path, f2c_cdm_model *m)
{
    size_t len = 0;
    char *text = f2c_fs_read(path, 0, &len);
    if (!text) {
        fprintf(stderr, "fhir2cdm synapse-sql: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status rc = f2c_cdm_model_read(text, len, m, &e);
    free(text);
    if (rc == F2C_ENOMEM)
        fputs("fhir2cdm synapse-sql: out of memory\n", stderr);
    else if (rc != F2C_OK)
        fprintf(stderr, "fhir2cdm synapse-sql: %s is not a model.json (no entities array)\n", path);
    return rc == F2C_OK ? 0 : 2;
}

/* Reads the CDM folder of --model into *m and fills op->folder (its absolute path) and
 * op->parquet.  --model is the folder (read by f2c_cdm_folder_read: model.json, or the manifest
 * and its entity documents), its model.json, or its model.manifest.cdm.json (then the folder
 * holding it is read).  Returns 0 or 2 (message printed). */
static int read_model(struct sql_opts *op, f2c_cdm_model *m)
{
    static const char manifest[] = "model.manifest.cdm.json";
    struct stat st;
    int dir = stat(op->model, &st) == 0 && S_ISDIR(st.st_mode);
    const char *base = strrchr(op->model, '/');
    base = base ? base + 1 : op->model;
    int rc = 0;
    char parent[4096];
    if (snprintf(parent, sizeof parent, "%.*s", (int)(base - op->model), op->model) >=
        (int)sizeof parent) {
        fputs("fhir2cdm synapse-sql: --model path too long\n", stderr);
        return 2;
    }
    const char *folder = dir ? op->model : *parent ? parent : ".";
    if (!dir && strcmp(base, manifest) != 0) {
        rc = read_model_file(op->model, m);
    } else {
        f2c_error e;
        f2c_error_clear(&e);
        f2c_status st2 = f2c_cdm_folder_read(folder, m, &e);
        if (st2 != F2C_OK) {
            char line[2048];
            fprintf(stderr, "fhir2cdm synapse-sql: cannot read the CDM folder %s: %s\n", folder,
                    f2c_error_format(&e, line, sizeof line));
            rc = 2;
        }
    }
    if (rc == 0 && !realpath(folder, op->folder)) {
        fprintf(stderr, "fhir2cdm synapse-sql: %s: %s\n", folder, strerror(errno));
        rc = 2;
    }
    op->parquet = rc == 0 && m->format && strcmp(m->format, "parquet") == 0;
    return rc;
}

/* Writes the script for m to -o or stdout.  Returns 0 or 2 (message printed). */
static int write_script(const struct sql_opts *op, const f2c_cdm_model *m)
{
    /* With -o the script is made in memory and written by the generator's one output rule
     * (gen_write_output): a regular file is replaced atomically, a FIFO or device written into. */
    char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    FILE *o = op->output ? open_memstream(&buf, &len) : stdout;
    if (!o) {
        fprintf(stderr, "fhir2cdm synapse-sql: out of memory\n");
        return 2;
    }
    if (op->target == SQL_DUCKDB)
        gen_sql_write_duckdb(o, op, m);
    else if (op->target == SQL_SERVERLESS)
        (op->parquet ? gen_sql_write_serverless_parquet : write_serverless)(o, op, m);
    else if (op->target == SQL_DEDICATED)
        (op->parquet ? gen_sql_write_dedicated_parquet : write_dedicated)(o, op, m);
    else
        write_postgres(o, op, m);
    if (o != stdout) {
        int bad = ferror(o);
        if (fclose(o) != 0 || !buf) bad = 1;
        rc = bad ? 2 : 0;
        if (rc) fprintf(stderr, "fhir2cdm synapse-sql: out of memory\n");
        if (!rc) rc = gen_write_output("fhir2cdm synapse-sql", op->output, buf, len);
        free(buf);
    } else if (ferror(o) || fflush(o) != 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: cannot write to standard output: %s\n",
                strerror(errno));
        rc = 2;
    }
    return rc;
}

int gen_sql_main(int argc, char **argv)
{
    struct sql_opts op = {0};
    int rc = parse_args(argc, argv, &op);
    if (rc >= 0) return rc;
    f2c_cdm_model m = {0}; /* freed in every case: read_model may fail before reading */
    rc = read_model(&op, &m);
    if (rc == 0) rc = check_model(&m, &op);
    if (rc == 0) rc = write_script(&op, &m);
    f2c_cdm_model_free(&m);
    return rc;
}
