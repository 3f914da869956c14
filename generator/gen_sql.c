/*
 * gen_sql: `fhir2cdm synapse-sql`, the SQL script that loads a CDM folder (model.json + CSV
 * partitions written by fhir2cdm-transform) into Azure Synapse (serverless or dedicated SQL pool)
 * or, with --dialect postgres, into PostgreSQL through psql's \copy.
 *
 * Why generate from model.json rather than from the table configuration: model.json is what
 * actually sits next to the CSV files (entities, column order, data types, partition paths), so
 * the script always matches the data it loads, including views and partitions of earlier runs.
 * model.json is read by the library's one reader (f2c_cdm_model_read, f2c_cdm.h), the one the
 * Blob publisher reads the commit record with; what it leaves to callers (absent or mistyped
 * members) is refused here, in this command's own words.
 *
 * Every identifier and path that reaches the script is validated first (column names: the
 * loaders' rule, f2c_table_column_name_check; entity, schema and pool names: [A-Za-z_]
 * [A-Za-z0-9_]*, at most 128 characters, 63 for PostgreSQL which would silently truncate them;
 * paths and URLs: no quotes, backslashes or control characters), so quoting can never be broken
 * and nothing is written when the model is unusable (exit 2).  Type mapping and the reasoning
 * behind it: docs/synapse.md.
 */
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

enum sql_target { SQL_SERVERLESS, SQL_DEDICATED, SQL_POSTGRES };

struct sql_opts {
    const char *model;
    const char *pool;
    const char *storage_url;
    const char *database;
    const char *schema;
    const char *output;
    const char *dialect;
    enum sql_target target;
};

/* Names the serverless script gives the objects it shares between entities; fixed so re-running
 * the script drops and recreates exactly these (idempotence) and nothing else. */
#define SQL_DATA_SOURCE "fhir2cdm_cdm_folder"
#define SQL_FILE_FORMAT "fhir2cdm_csv"
#define SQL_EXT_SUFFIX "_external"

static void sql_usage(FILE *f)
{
    fputs(
        "Usage: fhir2cdm synapse-sql --model <cdm folder or model.json>\n"
        "         --pool serverless|dedicated\n"
        "         --storage-url https://<account>.dfs.core.windows.net/<filesystem>[/<root>]\n"
        "         [--database D] [--schema S] [-o load.sql]\n"
        "       fhir2cdm synapse-sql --model <cdm folder or model.json> --dialect postgres\n"
        "         [--schema S] [-o load.sql]\n"
        "\n"
        "Writes the SQL that loads a CDM folder written by fhir2cdm-transform:\n"
        "  serverless  external data source + CSV file format, one external table per entity\n"
        "              over its partition folder and one view per entity (idempotent)\n"
        "  dedicated   CREATE TABLE per entity (ROUND_ROBIN, clustered columnstore) and COPY INTO\n"
        "              from the entity's partition folder with the workspace managed identity\n"
        "  postgres    CREATE TABLE per entity and a psql \\copy per partition, paths relative to\n"
        "              the CDM folder: cd <cdm folder> && psql -f load.sql\n"
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

/* One attribute of entity `ent`: the loaders' column rule and a known dataType.  0 or 2 (printed).
 */
static int check_attribute(const char *ent, const f2c_cdm_attribute *a, enum sql_target t)
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
    if (!a->data_type || !col_type(a->data_type, t)) {
        fprintf(stderr,
                "fhir2cdm synapse-sql: %s.%s: unsupported dataType '%s' (string, int64, "
                "decimal, boolean, dateTime)\n",
                ent, a->name, a->data_type ? a->data_type : "(missing)");
        return 2;
    }
    return 0;
}

/* The attributes (each valid, no two the same), the partition locations and folder of one
 * entity whose name is valid.  0 or 2 (printed). */
static int check_entity(const f2c_cdm_entity *ent, enum sql_target t)
{
    if (ent->nattributes == 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: entity %s has no attributes\n", ent->name);
        return 2;
    }
    for (size_t i = 0; i < ent->nattributes; i++)
        if (check_attribute(ent->name, &ent->attributes[i], t) != 0) return 2;
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
        if (!loc || !valid_location(loc)) {
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
static int check_model(const f2c_cdm_model *m, enum sql_target t)
{
    /* T-SQL allows 128 characters; the serverless external table and the dedicated staging
     * table add a suffix (the staging suffix is the longer of _load and _old); PostgreSQL
     * truncates identifiers beyond NAMEDATALEN-1 = 63 bytes, which could merge two columns. */
    size_t max = t == SQL_POSTGRES ? 63 : 128;
    size_t ent_max = t == SQL_SERVERLESS  ? max - (sizeof SQL_EXT_SUFFIX - 1)
                     : t == SQL_DEDICATED ? max - (sizeof GEN_SQL_LOAD_SUFFIX - 1)
                                          : max;
    if (m->nentities == 0) {
        fputs("fhir2cdm synapse-sql: model.json has no entities\n", stderr);
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
        if (check_entity(ent, t) != 0) return 2;
    }
    return 0;
}

/* Writes "<q>schema<q>." (when a schema is given) then the quoted name and suffix. */
static void put_qname(FILE *o, const struct sql_opts *op, const char *name, const char *suffix)
{
    const char *l = op->target == SQL_POSTGRES ? "\"" : "[";
    const char *r = op->target == SQL_POSTGRES ? "\"" : "]";
    if (op->schema)
        fprintf(o, "%s%s%s.", l, op->schema, r);
    else if (op->target != SQL_POSTGRES)
        fputs("[dbo].", o);
    fprintf(o, "%s%s%s%s", l, name, suffix, r);
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

/* The storage URL without a trailing slash, so "<url>/<folder>" never doubles it. */
static int url_len(const char *u)
{
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    return (int)n;
}

static void write_serverless(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- Serverless SQL pool: external tables over the CDM folder's CSV partitions.\n"
          "-- Idempotent: drops and recreates only the objects it creates.\n",
          o);
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
        put_qname(o, op, n, "");
        fputs("', N'V') IS NOT NULL\n    DROP VIEW ", o);
        put_qname(o, op, n, "");
        fputs(";\nIF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'", o);
        put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs("'))\n    DROP EXTERNAL TABLE ", o);
        put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(";\n", o);
    }
    fprintf(o,
            "IF EXISTS (SELECT * FROM sys.external_file_formats WHERE name = N'%s')\n"
            "    DROP EXTERNAL FILE FORMAT [%s];\n"
            "IF EXISTS (SELECT * FROM sys.external_data_sources WHERE name = N'%s')\n"
            "    DROP EXTERNAL DATA SOURCE [%s];\nGO\n\n",
            SQL_FILE_FORMAT, SQL_FILE_FORMAT, SQL_DATA_SOURCE, SQL_DATA_SOURCE);
    /* No CREDENTIAL: serverless then reads with the caller's Azure AD identity (passthrough). */
    fprintf(o, "CREATE EXTERNAL DATA SOURCE [%s]\n    WITH (LOCATION = '%.*s');\n", SQL_DATA_SOURCE,
            url_len(op->storage_url), op->storage_url);
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
        put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fprintf(o, ") WITH (LOCATION = '%s*.csv', DATA_SOURCE = [%s], FILE_FORMAT = [%s]);\nGO\n",
                folder, SQL_DATA_SOURCE, SQL_FILE_FORMAT);
        fputs("CREATE VIEW ", o);
        put_qname(o, op, n, "");
        fputs(" AS SELECT * FROM ", o);
        put_qname(o, op, n, SQL_EXT_SUFFIX);
        fputs(";\nGO\n", o);
    }
}

/* Writes "IF OBJECT_ID(N'<qname>', N'U') IS NOT NULL\n<indent>    DROP TABLE <qname>;\n". */
static void put_drop_table(FILE *o, const struct sql_opts *op, const char *n, const char *suffix,
                           const char *indent)
{
    fprintf(o, "%sIF OBJECT_ID(N'", indent);
    put_qname(o, op, n, suffix);
    fprintf(o, "', N'U') IS NOT NULL\n%s    DROP TABLE ", indent);
    put_qname(o, op, n, suffix);
    fputs(";\n", o);
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
static void write_dedicated(FILE *o, const struct sql_opts *op, const f2c_cdm_model *m)
{
    fputs("-- Dedicated SQL pool: one table per entity, loaded with COPY INTO into <Entity>_load\n"
          "-- and swapped in with RENAME OBJECT only when the load succeeded (a dedicated pool\n"
          "-- allows no DDL inside a transaction).  Idempotent: re-running replaces each table.\n",
          o);
    if (op->database)
        /* A dedicated pool is its own database and has no USE: connect to it instead. */
        fprintf(o, "-- Run connected to the dedicated SQL pool database [%s].\n", op->database);
    if (op->schema)
        fprintf(o, "IF SCHEMA_ID(N'%s') IS NULL\n    EXEC(N'CREATE SCHEMA [%s]');\nGO\n",
                op->schema, op->schema);
    for (size_t i = 0; i < m->nentities; i++) {
        const f2c_cdm_entity *ent = &m->entities[i];
        const char *n = ent->name;
        char folder[4096];
        entity_folder(ent, folder, sizeof folder);
        fputs("\n", o);
        put_drop_table(o, op, n, GEN_SQL_LOAD_SUFFIX, "");
        fputs("CREATE TABLE ", o);
        put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fputs(") WITH (" GEN_SQL_DEDICATED_TABLE_OPTIONS ");\nGO\nBEGIN TRY\n    COPY INTO ", o);
        put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
        fprintf(o, "\n    FROM '%.*s/%s*.csv'\n    WITH (" GEN_SQL_COPY_OPTIONS ");\n",
                url_len(op->storage_url), op->storage_url, folder);
        put_drop_table(o, op, n, GEN_SQL_OLD_SUFFIX, "    ");
        fputs("    IF OBJECT_ID(N'", o);
        put_qname(o, op, n, "");
        fputs("', N'U') IS NOT NULL\n        RENAME OBJECT ", o);
        put_qname(o, op, n, "");
        fprintf(o, " TO [%s" GEN_SQL_OLD_SUFFIX "];\n    RENAME OBJECT ", n);
        put_qname(o, op, n, GEN_SQL_LOAD_SUFFIX);
        fprintf(o, " TO [%s];\n", n);
        put_drop_table(o, op, n, GEN_SQL_OLD_SUFFIX, "    ");
        fputs("END TRY\nBEGIN CATCH\n    THROW;\nEND CATCH\nGO\n", o);
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
        put_qname(o, op, n, "");
        fputs(";\nCREATE TABLE ", o);
        put_qname(o, op, n, "");
        fputs(" (\n", o);
        put_columns(o, ent, op->target);
        fputs(");\n", o);
        for (size_t k = 0; k < ent->npartitions; k++) {
            fputs("\\copy ", o);
            put_qname(o, op, n, "");
            fprintf(o, " FROM '%s' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')\n",
                    ent->partitions[k].location);
        }
        fputs("COMMIT;\n", o);
    }
}

static int parse_args(int argc, char **argv, struct sql_opts *op)
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
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "fhir2cdm synapse-sql: %s '%s'\n",
                    dst ? "missing value for" : "unknown option", a);
            return 2;
        }
        int once = *dst != NULL; /* every option of synapse-sql takes one value */
        if (gen_once("fhir2cdm synapse-sql", a, &once) != 0) return 2;
        *dst = argv[++i];
    }
    if (!op->model) {
        fputs("fhir2cdm synapse-sql: --model is required\n", stderr);
        return 2;
    }
    if (op->dialect && strcmp(op->dialect, "postgres") != 0 && strcmp(op->dialect, "tsql") != 0) {
        fprintf(stderr, "fhir2cdm synapse-sql: unknown --dialect '%s' (tsql, postgres)\n",
                op->dialect);
        return 2;
    }
    if (op->dialect && strcmp(op->dialect, "postgres") == 0) {
        op->target = SQL_POSTGRES;
        if (op->pool || op->storage_url || op->database) {
            fputs("fhir2cdm synapse-sql: --pool, --storage-url and --database are for Synapse; "
                  "with --dialect postgres choose the database with psql -d\n",
                  stderr);
            return 2;
        }
    } else {
        if (!op->pool ||
            (strcmp(op->pool, "serverless") != 0 && strcmp(op->pool, "dedicated") != 0)) {
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
    }
    if (op->schema && !gen_sql_valid_name(op->schema, op->target == SQL_POSTGRES ? 63 : 128)) {
        fprintf(stderr, "fhir2cdm synapse-sql: invalid --schema '%s'\n", op->schema);
        return 2;
    }
    return -1;
}

/* Reads the model.json of --model (a CDM folder or the file itself) into *m with the library's
 * one reader (f2c_cdm_model_read).  Returns 0 or 2 (message printed). */
static int read_model(const char *model, f2c_cdm_model *m)
{
    char path[4096];
    struct stat st;
    int n = stat(model, &st) == 0 && S_ISDIR(st.st_mode)
                ? snprintf(path, sizeof path, "%s/model.json", model)
                : snprintf(path, sizeof path, "%s", model);
    if (n < 0 || (size_t)n >= sizeof path) {
        fputs("fhir2cdm synapse-sql: --model path too long\n", stderr);
        return 2;
    }
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
    if (op->target == SQL_SERVERLESS)
        write_serverless(o, op, m);
    else if (op->target == SQL_DEDICATED)
        write_dedicated(o, op, m);
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
    rc = read_model(op.model, &m);
    if (rc == 0) rc = check_model(&m, op.target);
    if (rc == 0) rc = write_script(&op, &m);
    f2c_cdm_model_free(&m);
    return rc;
}
