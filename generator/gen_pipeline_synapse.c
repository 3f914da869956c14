/*
 * gen_pipeline_synapse: `fhir2cdm generate-pipeline --target synapse` — the Azure deployment that
 * loads a CDM folder into a Synapse dedicated SQL pool:
 *
 *   <out>/azuredeploy.json             ARM template: Data Factory, linked services (ADLS Gen2,
 *                                      dedicated pool), the model.json and model table datasets
 *                                      and ONE pipeline (templates/synapse/azuredeploy.json +
 *                                      pipeline.json)
 *   <out>/azuredeploy.parameters.json  the command line's values
 *   <out>/fhir2cdm_load_entity.sql     the model table and the loader procedure, for review or
 *                                      manual install
 *   <out>/README.md                    deploy steps (templates/synapse/README.deploy.md)
 *
 * Why one parameterised pipeline driven by model.json: the original tool deployed one pipeline
 * per entity, generated from the configuration, so a changed configuration meant redeploying.
 * Here the pipeline reads model.json at run time: a Copy activity (ReadModel) writes its entities
 * into the model table [schema].[fhir2cdm_model] (name, attributes and partitions as JSON text;
 * a Lookup of model.json would fail past 4 MB, which thousands of partitions reach), a Lookup
 * lists the entity names, and a ForEach calls one stored procedure per entity; new entities,
 * columns and partitions are picked up by the next run without touching Azure.
 *
 * Why a stored procedure: Data Factory expressions cannot turn an attribute list into a column
 * list, T-SQL can (OPENJSON + STRING_AGG).  The procedure is generated here from the same type
 * mapping, table options and COPY INTO options as `fhir2cdm synapse-sql --pool dedicated`
 * (gen_sql.h), and loads the same way: into <Entity>_load, then RENAME OBJECT swaps, inside
 * TRY/CATCH (a dedicated pool allows no DDL inside a transaction; docs/synapse.md).  It loads
 * exactly the partitions model.json lists (COPY INTO FROM a list of URLs, SYN_COPY_CHUNK per
 * statement), never a wildcard: model.json is the folder's commit record (docs/cdm-folder.md),
 * and the folder may hold files it does not list.  Names and locations reach dynamic SQL, so the
 * procedure re-checks them.
 *
 * Nothing is written until every option and template has been checked and every output built
 * in memory; -o must be a new or empty folder.  Exit status: 0 ok, 2 usage or template error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"

#include "fhir2cdm/f2c_fs.h"
#include "gen.h"
#include "gen_pipeline_int.h"
#include "gen_sql.h"

#define SYN_PROG "fhir2cdm generate-pipeline --target synapse"
#define SYN_PROC "fhir2cdm_load_entity"
/* The table ReadModel copies model.json's entities into (entity, attributes, partitions). */
#define SYN_MODEL "fhir2cdm_model"
#define SYN_MODEL_TABLE_OPTIONS "DISTRIBUTION = ROUND_ROBIN, HEAP"
/* Partition locations per COPY INTO statement (docs/synapse.md, "Data Factory pipeline"). */
#define SYN_COPY_CHUNK 1000
/* The Lookup activity returns at most this many rows (and fails past 4 MB). */
#define SYN_LOOKUP_ROWS 5000

typedef struct syn_options {
    const char *out_dir;
    const char *storage_url; /* validated; trailing slashes removed in `url` below */
    const char *workspace;
    const char *pool;
    const char *schema;
    const char *pipeline_name;
    const char *templates;
    int concurrency;
    int parquet; /* --format parquet: the folder's record is the CDM manifest (gen_pipeline_pq) */
} syn_options;

/* The storage URL split into what the template's parameters need. */
typedef struct syn_storage {
    char *account_url; /* https://<account>.dfs.core.windows.net */
    char *filesystem;
    char *root; /* "" for the file system's root */
    char *url;  /* the whole URL without trailing slashes */
} syn_storage;

static void syn_usage(FILE *f)
{
    fputs("Usage: fhir2cdm generate-pipeline --target synapse -o DIR\n"
          "           --storage-url https://<account>.dfs.core.windows.net/<filesystem>[/<root>]\n"
          "           --synapse-workspace NAME --sql-pool NAME [options]\n"
          "\n"
          "Writes an Azure Resource Manager deployment (azuredeploy.json, its parameters file,\n"
          "the loader procedure fhir2cdm_load_entity.sql and a README) for ONE Data Factory\n"
          "pipeline that reads the CDM folder's model.json and loads every entity it lists into\n"
          "a Synapse dedicated SQL pool (COPY INTO a staging table, then RENAME OBJECT swap).\n"
          "\n"
          "  -o, --output DIR         output folder; must be new or empty (a\n"
          "                           symbolic link in it is refused)\n"
          "  --storage-url URL        the CDM folder (where model.json is), ADLS Gen2 dfs URL\n"
          "  --synapse-workspace NAME existing Synapse workspace (<name>.sql.azuresynapse.net)\n"
          "  --sql-pool NAME          existing dedicated SQL pool (its database)\n"
          "  --schema NAME            schema of the tables and of the procedure (default dbo)\n"
          "  --pipeline-name NAME     Data Factory pipeline name (default fhir2cdm-synapse)\n"
          "  --concurrency N          entities loaded at once (ForEach batchCount), 1..50\n"
          "                           (default 4)\n"
          "  --format csv|parquet     the CDM folder's format: csv (model.json, default) or\n"
          "                           parquet (model.manifest.cdm.json + <Entity>.cdm.json;\n"
          "                           COPY INTO FILE_TYPE = 'PARQUET')\n"
          "  --templates DIR          read the template skeletons from DIR (its synapse/\n"
          "                           folder); default: $FHIR2CDM_TEMPLATES if set, else the\n"
          "                           copy built into this binary\n"
          "  -h, --help               this help\n"
          "No option is repeatable: each may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 ok; 2 usage or template error (nothing written).\n",
          f);
}

/* Synapse workspace names: lowercase letters, digits and hyphens, 1..50, not starting or ending
 * with a hyphen. */
static int valid_workspace(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 50 || s[0] == '-' || s[n - 1] == '-') return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* Data Factory pipeline names: letters, digits, '_' and '-', starting with a letter or digit. */
static int valid_pipeline_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 140 || s[0] == '_' || s[0] == '-') return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static void storage_free(syn_storage *s)
{
    free(s->account_url);
    free(s->filesystem);
    free(s->root);
    free(s->url);
}

/* Splits a URL gen_sql_valid_storage_url accepted.  -1 when out of memory. */
static int split_storage(const char *u, syn_storage *s)
{
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    const char *host_end = strstr(u, ".dfs.core.windows.net/") + strlen(".dfs.core.windows.net");
    const char *fs = host_end + 1;
    const char *end = u + n;
    const char *slash = memchr(fs, '/', (size_t)(end - fs));
    const char *fs_end = slash ? slash : end;
    const char *root = slash ? slash + 1 : end;
    s->url = strndup(u, n);
    s->account_url = strndup(u, (size_t)(host_end - u));
    s->filesystem = strndup(fs, (size_t)(fs_end - fs));
    s->root = strndup(root, (size_t)(end - root));
    return s->url && s->account_url && s->filesystem && s->root ? 0 : -1;
}

/* Appends s with every ' doubled (a T-SQL N'...' literal's content). */
static int put_quoted(f2c_buf *b, const char *s)
{
    for (; *s; s++)
        if ((*s == '\'' ? f2c_buf_append(b, "''", 2) : f2c_buf_append(b, s, 1)) != 0) return -1;
    return 0;
}

/* The procedure's header, declarations and the checks of its two parameters. */
static int proc_head(const syn_options *o, f2c_buf *b)
{
    const char *sch = o->schema;
    return f2c_buf_printf(
        b,
        "CREATE PROCEDURE [%s].[" SYN_PROC "]\n"
        "    @entity nvarchar(128),\n"
        "    @storage_url nvarchar(4000)%s\n"
        "AS\n"
        "BEGIN\n"
        "    -- Generated by fhir2cdm generate-pipeline --target synapse.  Loads one entity of a\n"
        "    -- CDM folder: its attributes and partitions are read from [%s].[" SYN_MODEL "]\n"
        "    -- (one row per entity of model.json, attributes and partitions as JSON text, copied\n"
        "    -- there by the pipeline's ReadModel activity); @storage_url is the URL of the CDM\n"
        "    -- folder.  Exactly the partitions model.json lists are loaded, each from\n"
        "    -- <storage_url>/<location>: model.json is the folder's commit record, and a file it\n"
        "    -- does not list (a killed run's, a replaced slot's) is never read.\n"
        "    -- The table is built in [%s].[<Entity>" GEN_SQL_LOAD_SUFFIX "] and swapped in only "
        "when\n"
        "    -- COPY INTO succeeded: a dedicated pool allows no DDL inside a transaction.\n"
        "    SET NOCOUNT ON;\n"
        "    DECLARE @n int, @bad int, @chunk int, @attributes nvarchar(max), "
        "@partitions nvarchar(max);\n"
        "    DECLARE @cols nvarchar(max), @from nvarchar(max), @sql nvarchar(max);\n"
        "    DECLARE @t nvarchar(300), @load nvarchar(300), @old nvarchar(300);\n"
        "    -- Names reach dynamic SQL: accept only what fhir2cdm synapse-sql accepts.\n"
        "    IF @entity IS NULL OR LEN(@entity) = 0 OR LEN(@entity) > %d\n"
        "       OR @entity COLLATE Latin1_General_100_BIN2 LIKE N'%%[^A-Za-z0-9_]%%'\n"
        "       OR @entity COLLATE Latin1_General_100_BIN2 LIKE N'[0-9]%%'\n"
        "        THROW 50001, N'" SYN_PROC ": invalid entity name', 1;\n"
        "    IF @storage_url IS NULL OR @storage_url NOT LIKE N'https://_%%'\n"
        "       OR CHARINDEX(N'''', @storage_url) > 0\n"
        "        THROW 50002, N'" SYN_PROC ": invalid storage URL', 1;\n",
        sch,
        o->parquet
            ? ",\n    @entity_attributes nvarchar(max) -- the entity document's hasAttributes"
            : "",
        sch, sch, 128 - (int)(sizeof GEN_SQL_LOAD_SUFFIX - 1));
}

/* The entity's row of the model table: exactly one, else 50005. */
static int proc_read_model(const syn_options *o, f2c_buf *b)
{
    const char *sch = o->schema;
    return f2c_buf_printf(
        b,
        "    -- The entity's row, compared byte for byte.\n"
        "    SET @n = (SELECT COUNT(*) FROM [%s].[" SYN_MODEL "]\n"
        "              WHERE [entity] COLLATE Latin1_General_100_BIN2 = @entity);\n"
        "    IF @n <> 1\n"
        "        THROW 50005, N'" SYN_PROC ": the entity is not listed exactly once in "
        "[%s].[" SYN_MODEL "]', 1;\n"
        "%s%s%s"
        "    -- No partitions in model.json (NULL): the table is created empty.\n"
        "    SET @partitions = (SELECT ISNULL([partitions], N'[]') FROM [%s].[" SYN_MODEL "]\n"
        "                       WHERE [entity] COLLATE Latin1_General_100_BIN2 = @entity);\n",
        sch, sch,
        o->parquet ? "    -- Attributes: the entity document's, read by the ReadEntity activity.\n"
                     "    SET @attributes = @entity_attributes;\n"
                   : "    SET @attributes = (SELECT [attributes] FROM [",
        o->parquet ? "" : sch,
        o->parquet ? ""
                   : "]."
                     "[" SYN_MODEL "]\n"
                     "                       WHERE [entity] COLLATE Latin1_General_100_BIN2 = "
                     "@entity);\n",
        sch);
}

/* The start of the attributes' check (50003) shared by both formats: JSON, names, and the data
 * types the loader accepts (lead, when not NULL, then types[0..n)), ending inside the NOT IN
 * list's parentheses. */
static int attributes_check(f2c_buf *b, const char *lead, const char *const *types, size_t n)
{
    int rc = f2c_buf_appends(
        b,
        "    IF @attributes IS NULL OR ISJSON(@attributes) = 0\n"
        "        THROW 50003, N'" SYN_PROC ": attributes is not JSON', 1;\n"
        "    SELECT @n = COUNT(*),\n"
        "           @bad = SUM(CASE WHEN a.name IS NULL OR LEN(a.name) = 0 OR LEN(a.name) > 128\n"
        "                  OR a.name COLLATE Latin1_General_100_BIN2 LIKE N'%[^A-Za-z0-9_]%'\n"
        "                  OR a.name COLLATE Latin1_General_100_BIN2 LIKE N'[0-9]%'\n"
        "                  OR a.dataType IS NULL\n"
        "                  OR a.dataType COLLATE Latin1_General_100_BIN2 NOT IN (");
    if (lead) rc |= f2c_buf_printf(b, "N'%s'", lead);
    for (size_t i = 0; i < n; i++)
        rc |= f2c_buf_printf(b, "%sN'%s'", i || lead ? ", " : "", types[i]);
    return rc;
}

/* The attributes' check (50003, 50004) and the column list, typed by gen_sql_tsql_type. */
static int proc_columns(f2c_buf *b)
{
    static const char *const cdm_types[] = {"string", "int64", "decimal", "boolean", "dateTime"};
    int rc = attributes_check(b, NULL, cdm_types, sizeof cdm_types / sizeof cdm_types[0]);
    rc |= f2c_buf_appends(
        b, ")\n"
           "                  THEN 1 ELSE 0 END)\n"
           "    FROM OPENJSON(@attributes) WITH (name nvarchar(256) '$.name',\n"
           "                                     dataType nvarchar(64) '$.dataType') AS a;\n"
           "    IF @n = 0 OR @bad > 0\n"
           "        THROW 50004, N'" SYN_PROC
           ": attributes must be a non-empty array of {name, dataType} with valid names and CDM "
           "data types', 1;\n"
           "    -- Column order is the attributes' order: COPY INTO maps CSV fields by position.\n"
           "    SELECT @cols = STRING_AGG(CAST(N'    [' + a.name + N'] ' +\n"
           "               CASE a.dataType COLLATE Latin1_General_100_BIN2\n");
    for (size_t i = 0; i < sizeof cdm_types / sizeof cdm_types[0]; i++)
        rc |= f2c_buf_printf(b, "                   WHEN N'%s' THEN N'%s'\n", cdm_types[i],
                             gen_sql_tsql_type(cdm_types[i], 0));
    rc |= f2c_buf_appends(
        b, "               END + N' NULL' AS nvarchar(max)), N',' + NCHAR(10))\n"
           "           WITHIN GROUP (ORDER BY CAST(j.[key] AS int))\n"
           "    FROM OPENJSON(@attributes) AS j\n"
           "    CROSS APPLY OPENJSON(j.value) WITH (name nvarchar(256) '$.name',\n"
           "                                        dataType nvarchar(64) '$.dataType') AS a;\n");
    return rc ? -1 : 0;
}

/* --format parquet: each attribute's decimal precision and scale, the arguments of its trait
 * "is.dataFormat.numeric.shaped" in the entity document (what the transformer's manifest writer
 * puts there, f2c_cdm_folder_read reads; docs/loading.md), 38 and 18 when absent; NULL when not
 * a whole number (then refused: they reach dynamic SQL). */
static const char pq_decimal_apply[] =
    "    OUTER APPLY (SELECT TRY_CAST(ISNULL(MAX(CASE WHEN g.name = N'precision' THEN g.value "
    "END), N'38') AS int) AS p,\n"
    "                        TRY_CAST(ISNULL(MAX(CASE WHEN g.name = N'scale' THEN g.value END), "
    "N'18') AS int) AS s\n"
    "                 FROM OPENJSON(j.value, N'$.appliedTraits')\n"
    "                     WITH (ref nvarchar(256) '$.traitReference', args nvarchar(max) "
    "'$.arguments' AS JSON) AS t\n"
    "                 CROSS APPLY OPENJSON(t.args)\n"
    "                     WITH (name nvarchar(64) '$.name', value nvarchar(64) '$.value') AS g\n"
    "                 WHERE t.ref = N'is.dataFormat.numeric.shaped') AS d";

/* --format parquet: the attributes' check (50003, 50004) and the column list, typed by
 * gen_sql_tsql_parquet_type (the types `synapse-sql --pool dedicated` gives a Parquet folder),
 * decimals decimal(p,s) of their trait. */
static int proc_columns_parquet(f2c_buf *b)
{
    static const char *const types[] = {"string", "integer", "bigInteger", "boolean",
                                        "date",   "time",    "dateTime"};
    int rc = attributes_check(b, "decimal", types, sizeof types / sizeof types[0]);
    rc |= f2c_buf_appends(
        b, ")\n"
           "                  OR (a.dataType COLLATE Latin1_General_100_BIN2 = N'decimal'\n"
           "                      AND (d.p IS NULL OR d.s IS NULL OR d.p < 1 OR d.p > 38\n"
           "                           OR d.s < 0 OR d.s > d.p))\n"
           "                  THEN 1 ELSE 0 END)\n"
           "    FROM OPENJSON(@attributes) AS j\n"
           "    CROSS APPLY OPENJSON(j.value) WITH (name nvarchar(256) '$.name',\n"
           "                                        dataType nvarchar(64) '$.dataType') AS a\n");
    rc |= f2c_buf_appends(b, pq_decimal_apply);
    rc |= f2c_buf_appends(
        b, ";\n"
           "    IF @n = 0 OR @bad > 0\n"
           "        THROW 50004, N'" SYN_PROC
           ": attributes must be a non-empty array of {name, dataType} with valid names, CDM "
           "data types and decimal precision and scale', 1;\n"
           "    -- Column order is the attributes' order, as in the Parquet files.\n"
           "    SELECT @cols = STRING_AGG(CAST(N'    [' + a.name + N'] ' +\n"
           "               CASE a.dataType COLLATE Latin1_General_100_BIN2\n");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        rc |= f2c_buf_printf(b, "                   WHEN N'%s' THEN N'%s'\n", types[i],
                             gen_sql_tsql_parquet_type(types[i]));
    rc |= f2c_buf_appends(
        b, "                   WHEN N'decimal' THEN N'decimal(' + CAST(d.p AS nvarchar(2)) + "
           "N',' + CAST(d.s AS nvarchar(2)) + N')'\n"
           "               END + N' NULL' AS nvarchar(max)), N',' + NCHAR(10))\n"
           "           WITHIN GROUP (ORDER BY CAST(j.[key] AS int))\n"
           "    FROM OPENJSON(@attributes) AS j\n"
           "    CROSS APPLY OPENJSON(j.value) WITH (name nvarchar(256) '$.name',\n"
           "                                        dataType nvarchar(64) '$.dataType') AS a\n");
    rc |= f2c_buf_appends(b, pq_decimal_apply);
    rc |= f2c_buf_appends(b, ";\n");
    return rc ? -1 : 0;
}

/* The partitions' check (50006).  Plain text: the LIKE patterns hold '%'. */
static int proc_locations(f2c_buf *b)
{
    return f2c_buf_appends(
        b,
        "    -- Partition locations reach dynamic SQL and become URLs: each must be relative to\n"
        "    -- the CDM folder and inside data/, made only of A-Z a-z 0-9 . _ - / and '%' (so no\n"
        "    -- quote, blank, backslash or COPY INTO wildcard * ?), with no segment starting\n"
        "    -- with '.' (no . or .. segment), no empty segment, and name a file, not a folder.\n"
        "    IF ISJSON(@partitions) = 0 OR LEFT(@partitions, 1) <> N'['\n"
        "        THROW 50006, N'" SYN_PROC ": partitions is not a JSON array', 1;\n"
        "    SET @bad = (SELECT COUNT(*) FROM OPENJSON(@partitions) AS j\n"
        "                CROSS APPLY OPENJSON(CASE WHEN j.type = 5 THEN j.value ELSE N'{}' END)\n"
        "                    WITH (location nvarchar(max) '$.location') AS p\n"
        "                WHERE p.location IS NULL\n"
        "                   OR p.location COLLATE Latin1_General_100_BIN2 NOT LIKE N'data/_%'\n"
        "                   OR p.location COLLATE Latin1_General_100_BIN2 LIKE "
        "N'%[^A-Za-z0-9._%/-]%'\n"
        "                   OR p.location COLLATE Latin1_General_100_BIN2 LIKE N'%/.%'\n"
        "                   OR p.location COLLATE Latin1_General_100_BIN2 LIKE N'%//%'\n"
        "                   OR p.location COLLATE Latin1_General_100_BIN2 LIKE N'%/');\n"
        "    IF @bad > 0\n"
        "        THROW 50006, N'" SYN_PROC ": a partition location is not a file under data/ "
        "of the CDM folder', 1;\n"
        "    SET @n = (SELECT COUNT(*) FROM OPENJSON(@partitions));\n");
}

/* The staging table: dropped if left over, created with the column list. */
static int proc_create_load(const syn_options *o, f2c_buf *b)
{
    const char *sch = o->schema;
    return f2c_buf_printf(
        b,
        "    SET @t = N'[%s].[' + @entity + N']';\n"
        "    SET @load = N'[%s].[' + @entity + N'" GEN_SQL_LOAD_SUFFIX "]';\n"
        "    SET @old = N'[%s].[' + @entity + N'" GEN_SQL_OLD_SUFFIX "]';\n"
        "    BEGIN TRY\n"
        "        IF OBJECT_ID(@load, N'U') IS NOT NULL\n"
        "        BEGIN\n"
        "            SET @sql = N'DROP TABLE ' + @load;\n"
        "            EXEC(@sql);\n"
        "        END\n"
        "        SET @sql = N'CREATE TABLE ' + @load + N' (' + NCHAR(10) + @cols + NCHAR(10) +\n"
        "                   N') WITH (" GEN_SQL_DEDICATED_TABLE_OPTIONS ");';\n"
        "        EXEC(@sql);\n",
        sch, sch, sch);
}

/* COPY INTO the staging table from exactly the listed partitions, SYN_COPY_CHUNK locations per
 * statement ('%' written %25: a file name's literal '%' in a URL). */
static int proc_copy(f2c_buf *b, int parquet)
{
    int rc = f2c_buf_printf(
        b,
        "        -- COPY INTO from the listed partitions, in model.json's order, %d locations per\n"
        "        -- statement (docs/synapse.md); none: the table stays empty.\n"
        "        SET @chunk = 0;\n"
        "        WHILE @chunk * %d < @n\n"
        "        BEGIN\n"
        "            SET @from = (SELECT STRING_AGG(CAST(N'''' + @storage_url + N'/' +\n",
        SYN_COPY_CHUNK, SYN_COPY_CHUNK);
    rc |= f2c_buf_appends(b, "                             REPLACE(p.location, N'%', N'%25') + "
                             "N'''' AS nvarchar(max)), N', ')\n");
    rc |= f2c_buf_printf(
        b,
        "                             WITHIN GROUP (ORDER BY CAST(j.[key] AS int))\n"
        "                         FROM OPENJSON(@partitions) AS j\n"
        "                         CROSS APPLY OPENJSON(j.value)\n"
        "                             WITH (location nvarchar(max) '$.location') AS p\n"
        "                         WHERE CAST(j.[key] AS int) / %d = @chunk);\n"
        "            SET @sql = N'COPY INTO ' + @load + N' FROM ' + @from + N' WITH (",
        SYN_COPY_CHUNK);
    /* The COPY options inside an N'...' literal: quotes doubled, line break kept. */
    rc |= put_quoted(b, parquet ? GEN_SQL_COPY_PARQUET_OPTIONS : GEN_SQL_COPY_OPTIONS);
    rc |= f2c_buf_appends(b, ");';\n"
                             "            EXEC(@sql);\n"
                             "            SET @chunk = @chunk + 1;\n"
                             "        END\n");
    return rc ? -1 : 0;
}

/* The swap: <Entity> -> <Entity>_old, <Entity>_load -> <Entity>, <Entity>_old dropped. */
static int proc_swap(f2c_buf *b)
{
    return f2c_buf_appends(
        b,
        "        IF OBJECT_ID(@old, N'U') IS NOT NULL\n"
        "        BEGIN\n"
        "            SET @sql = N'DROP TABLE ' + @old;\n"
        "            EXEC(@sql);\n"
        "        END\n"
        "        IF OBJECT_ID(@t, N'U') IS NOT NULL\n"
        "        BEGIN\n"
        "            SET @sql = N'RENAME OBJECT ' + @t + N' TO [' + @entity + N'" GEN_SQL_OLD_SUFFIX
        "]';\n"
        "            EXEC(@sql);\n"
        "        END\n"
        "        SET @sql = N'RENAME OBJECT ' + @load + N' TO [' + @entity + N']';\n"
        "        EXEC(@sql);\n"
        "        IF OBJECT_ID(@old, N'U') IS NOT NULL\n"
        "        BEGIN\n"
        "            SET @sql = N'DROP TABLE ' + @old;\n"
        "            EXEC(@sql);\n"
        "        END\n"
        "    END TRY\n"
        "    BEGIN CATCH\n"
        "        THROW;\n"
        "    END CATCH\n"
        "END\n");
}

/* The CREATE PROCEDURE statement (without GO).  Every name and type in it comes from gen_sql.h,
 * the schema is validated. */
static int build_procedure(const syn_options *o, f2c_buf *b)
{
    return proc_head(o, b) || proc_read_model(o, b) ||
                   (o->parquet ? proc_columns_parquet(b) : proc_columns(b)) || proc_locations(b) ||
                   proc_create_load(o, b) || proc_copy(b, o->parquet) || proc_swap(b)
               ? -1
               : 0;
}

/* The statements before CREATE PROCEDURE: the schema, the previous procedure dropped, and the
 * model table (re)created, empty, for ReadModel to fill.  A heap: nvarchar(max) columns, a few
 * rows, each read once by key. */
static int build_prelude(const syn_options *o, f2c_buf *b, const char *sep)
{
    const char *s = o->schema;
    return f2c_buf_printf(b,
                          "IF SCHEMA_ID(N'%s') IS NULL\n    EXEC(N'CREATE SCHEMA [%s]');\n%s"
                          "IF OBJECT_ID(N'[%s].[" SYN_PROC "]', N'P') IS NOT NULL\n"
                          "    DROP PROCEDURE [%s].[" SYN_PROC "];\n%s"
                          "IF OBJECT_ID(N'[%s].[" SYN_MODEL "]', N'U') IS NOT NULL\n"
                          "    DROP TABLE [%s].[" SYN_MODEL "];\n"
                          "EXEC(N'CREATE TABLE [%s].[" SYN_MODEL "] (\n"
                          "    [entity] nvarchar(128) NULL,\n"
                          "    [attributes] nvarchar(max) NULL,\n"
                          "    [partitions] nvarchar(max) NULL\n"
                          ") WITH (" SYN_MODEL_TABLE_OPTIONS ");');\n%s",
                          s, s, sep, s, s, sep, s, s, s, sep);
}

/* fhir2cdm_load_entity.sql: GO-separated batches, for sqlcmd or a query editor. */
static int build_sql_file(const syn_options *o, const f2c_buf *proc, f2c_buf *b)
{
    return f2c_buf_printf(b,
                          "-- Loader procedure of the Data Factory pipeline %s (generated by "
                          "fhir2cdm generate-pipeline --target synapse).\n",
                          o->pipeline_name) ||
                   build_prelude(o, b, "GO\n") || f2c_buf_append(b, proc->data, proc->len) ||
                   f2c_buf_append(b, "GO\n", 3)
               ? -1
               : 0;
}

/* The Script activity's text: one batch, so CREATE PROCEDURE (which must start a batch) runs
 * through EXEC(N'...'). */
static int build_script_text(const syn_options *o, const f2c_buf *proc, f2c_buf *b)
{
    return build_prelude(o, b, "") || f2c_buf_append(b, "EXEC(N'", 7) ||
                   put_quoted(b, proc->data) || f2c_buf_append(b, "');\n", 4)
               ? -1
               : 0;
}

static cJSON *child(cJSON *obj, const char *key, const char *where)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) fprintf(stderr, SYN_PROG ": template: %s has no \"%s\"\n", where, key);
    return v;
}

static cJSON *find_activity(cJSON *acts, const char *name)
{
    cJSON *a;
    cJSON_ArrayForEach(a, acts)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return a;
    }
    fprintf(stderr, SYN_PROG ": template: pipeline.json has no activity %s\n", name);
    return NULL;
}

static int set_string(cJSON *obj, const char *key, const char *value, const char *where)
{
    if (!child(obj, key, where)) return -1;
    cJSON *v = cJSON_CreateString(value);
    if (!v) return -1;
    cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
    return 0;
}

/* The typeProperties of activity `name` of acts, or NULL with a message. */
static cJSON *activity_props(cJSON *acts, const char *name)
{
    cJSON *a = find_activity(acts, name);
    return a ? child(a, "typeProperties", name) : NULL;
}

/* Sets obj[key][sub] to value ("where" names obj in messages). */
static int set_nested(cJSON *obj, const char *key, const char *sub, const char *value,
                      const char *where)
{
    cJSON *inner = obj ? child(obj, key, where) : NULL;
    return inner ? set_string(inner, sub, value, where) : -1;
}

/* CreateLoader's script; LoadEntity's procedure name. */
static int fill_loader(cJSON *acts, const syn_options *o, const char *script)
{
    cJSON *tp = activity_props(acts, "CreateLoader");
    cJSON *scripts = tp ? child(tp, "scripts", "CreateLoader") : NULL;
    cJSON *first = scripts ? cJSON_GetArrayItem(scripts, 0) : NULL;
    if (!first || set_string(first, "text", script, "CreateLoader scripts[0]") != 0) return -1;
    cJSON *ltp = activity_props(acts, "LoadEntities");
    cJSON *inner = ltp ? child(ltp, "activities", "LoadEntities") : NULL;
    cJSON *etp = inner ? activity_props(inner, "LoadEntity") : NULL;
    /* "[schema].[proc]" starts with '[' and ends with ']': ARM would read it as an expression;
     * "[[" is ARM's escape for a literal leading bracket. */
    f2c_buf esc = {0};
    int rc = !etp || f2c_buf_printf(&esc, "[[%s].[" SYN_PROC "]", o->schema) != 0 ||
                     set_string(etp, "storedProcedureName", esc.data, "LoadEntity") != 0
                 ? -1
                 : 0;
    f2c_buf_free(&esc);
    return rc;
}

/* ReadModel's pre-copy script (empties the model table: a retried copy must not add its rows
 * twice) and ListEntities' query, which fails rather than let the Lookup activity drop rows past
 * its limit. */
static int fill_model_sql(cJSON *acts, const syn_options *o)
{
    const char *s = o->schema;
    f2c_buf pre = {0}, query = {0};
    int rc = f2c_buf_printf(&pre, "TRUNCATE TABLE [%s].[" SYN_MODEL "];", s) ||
             f2c_buf_printf(&query,
                            "IF (SELECT COUNT(*) FROM [%s].[" SYN_MODEL "]) > %d\n"
                            "    THROW 50007, N'fhir2cdm ListEntities: model.json lists more "
                            "than %d entities, the rows a Lookup activity returns', 1;\n"
                            "SELECT [entity] FROM [%s].[" SYN_MODEL "] ORDER BY [entity];",
                            s, SYN_LOOKUP_ROWS, SYN_LOOKUP_ROWS, s);
    if (rc == 0)
        rc = set_nested(activity_props(acts, "ReadModel"), "sink", "preCopyScript", pre.data,
                        "ReadModel") ||
             set_nested(activity_props(acts, "ListEntities"), "source", "sqlReaderQuery",
                        query.data, "ListEntities");
    f2c_buf_free(&pre);
    f2c_buf_free(&query);
    return rc ? -1 : 0;
}

/* The first resource of azuredeploy.json of type `type` (and, when kind is not NULL, whose
 * properties.type is kind), or NULL with a message. */
static cJSON *find_resource(cJSON *deploy, const char *type, const char *kind)
{
    cJSON *res = child(deploy, "resources", "azuredeploy.json");
    cJSON *r;
    cJSON_ArrayForEach(r, res)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "type");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "properties");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(p, "type");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 &&
            (!kind || (cJSON_IsString(k) && strcmp(k->valuestring, kind) == 0)))
            return r;
    }
    fprintf(stderr, SYN_PROG ": template: azuredeploy.json has no %s resource%s%s\n", type,
            kind ? " of type " : "", kind ? kind : "");
    return NULL;
}

/* The model table's dataset: schema and table. */
static int fill_model_dataset(cJSON *deploy, const syn_options *o)
{
    cJSON *ds =
        find_resource(deploy, "Microsoft.DataFactory/factories/datasets", "AzureSqlDWTable");
    cJSON *p = ds ? child(ds, "properties", "the AzureSqlDWTable dataset") : NULL;
    cJSON *tp = p ? child(p, "typeProperties", "the AzureSqlDWTable dataset") : NULL;
    return tp && set_string(tp, "schema", o->schema, "the AzureSqlDWTable dataset") == 0 &&
                   set_string(tp, "table", SYN_MODEL, "the AzureSqlDWTable dataset") == 0
               ? 0
               : -1;
}

/* Fills pipeline.json (SQL texts, names) and the model table's dataset, and puts the pipeline
 * into the template's pipeline resource. */
static int fill_template(cJSON *deploy, cJSON *pipe, const syn_options *o, const char *script)
{
    cJSON *acts = child(pipe, "activities", "pipeline.json");
    if (!acts || fill_loader(acts, o, script) != 0 || fill_model_sql(acts, o) != 0 ||
        fill_model_dataset(deploy, o) != 0)
        return -1;
    cJSON *target = find_resource(deploy, "Microsoft.DataFactory/factories/pipelines", NULL);
    if (!target || !child(target, "properties", "the pipeline resource")) return -1;
    cJSON *copy = cJSON_Duplicate(pipe, 1);
    if (!copy) return -1;
    cJSON_ReplaceItemInObjectCaseSensitive(target, "properties", copy);
    return 0;
}

static int add_param(cJSON *values, const char *name, cJSON *v)
{
    cJSON *p = cJSON_CreateObject();
    if (!p || !v) {
        cJSON_Delete(p);
        cJSON_Delete(v);
        return -1;
    }
    cJSON_AddItemToObject(p, "value", v);
    cJSON_AddItemToObject(values, name, p);
    return 0;
}

/* Sets the template parameters' values: in the parameters file, and as defaults in the
 * template so it also deploys on its own. */
static int set_parameters(cJSON *deploy, cJSON *pfile, const syn_options *o, const syn_storage *s)
{
    struct {
        const char *name;
        const char *str;
        int num;
    } v[] = {{"pipelineName", o->pipeline_name, 0}, {"storageAccountUrl", s->account_url, 0},
             {"fileSystem", s->filesystem, 0},      {"cdmRoot", s->root, 0},
             {"synapseWorkspace", o->workspace, 0}, {"sqlPool", o->pool, 0},
             {"concurrency", NULL, o->concurrency}};
    cJSON *params = child(deploy, "parameters", "azuredeploy.json");
    cJSON *values = child(pfile, "parameters", "azuredeploy.parameters.json");
    if (!params || !values) return -1;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cJSON *p = child(params, v[i].name, "parameters");
        if (!p) return -1;
        cJSON *d = v[i].str ? cJSON_CreateString(v[i].str) : cJSON_CreateNumber(v[i].num);
        if (!d) return -1;
        if (cJSON_GetObjectItemCaseSensitive(p, "defaultValue"))
            cJSON_ReplaceItemInObjectCaseSensitive(p, "defaultValue", d);
        else
            cJSON_AddItemToObject(p, "defaultValue", d);
        if (add_param(values, v[i].name,
                      v[i].str ? cJSON_CreateString(v[i].str) : cJSON_CreateNumber(v[i].num)) != 0)
            return -1;
    }
    return 0;
}

/* README: {{NAME}} placeholders of templates/synapse/README.deploy.md. */
static int build_readme(const char *text, const syn_options *o, const syn_storage *s,
                        const char *command, f2c_buf *out)
{
    char conc[16];
    snprintf(conc, sizeof conc, "%d", o->concurrency);
    f2c_buf proc = {0}, model = {0};
    if (f2c_buf_printf(&proc, "[%s].[" SYN_PROC "]", o->schema) != 0 ||
        f2c_buf_printf(&model, "[%s].[" SYN_MODEL "]", o->schema) != 0) {
        f2c_buf_free(&proc);
        return -1;
    }
    const char *keys[][2] = {
        {"COMMAND", command},
        {"FACTORY_NOTE", "(parameter factoryName)"},
        {"PIPELINE", o->pipeline_name},
        {"PROCEDURE", proc.data},
        {"STORAGE_URL", s->url},
        {"CONCURRENCY", conc},
        {"FILESYSTEM", s->filesystem},
        {"POOL", o->pool},
        {"SCHEMA", o->schema},
        {"MODEL_TABLE", model.data},
        {"RECORD", o->parquet ? "model.manifest.cdm.json" : "model.json"},
        {"ENTITY_DOCUMENTS",
         o->parquet
             ? "\n  With `--format parquet` (a Parquet folder) the model table gets the "
               "manifest's\n"
               "  entity names and partitions, and the dataset of the entity documents\n"
               "  `<Entity>.cdm.json` is read per entity (activity `ReadEntity` in the loop) for\n"
               "  the attributes; `COPY INTO` reads the partitions with `FILE_TYPE = 'PARQUET'`."
             : ""}};
    int rc = 0;
    for (const char *p = text; *p && rc == 0;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            rc = f2c_buf_append(out, p, strlen(p));
            break;
        }
        const char *close = strstr(open, "}}");
        if (!close) {
            fprintf(stderr, SYN_PROG ": template: README.deploy.md: unclosed {{\n");
            rc = -1;
            break;
        }
        rc = f2c_buf_append(out, p, (size_t)(open - p));
        size_t k = 0, nk = sizeof keys / sizeof keys[0];
        while (k < nk && !(strlen(keys[k][0]) == (size_t)(close - open - 2) &&
                           strncmp(keys[k][0], open + 2, (size_t)(close - open - 2)) == 0))
            k++;
        if (k == nk) {
            fprintf(stderr, SYN_PROG ": template: README.deploy.md: unknown placeholder %.*s\n",
                    (int)(close - open + 2), open);
            rc = -1;
            break;
        }
        if (rc == 0) rc = f2c_buf_append(out, keys[k][1], strlen(keys[k][1]));
        p = close + 2;
    }
    f2c_buf_free(&proc);
    f2c_buf_free(&model);
    return rc;
}

static char *command_line(int argc, char **argv)
{
    f2c_buf b = {0};
    int rc = f2c_buf_printf(&b, "fhir2cdm generate-pipeline");
    for (int i = 1; i < argc && rc == 0; i++) {
        /* Only the flags that shape the output; -o and --templates are local paths. */
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0 ||
            strcmp(argv[i], "--templates") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--output=", 9) == 0 || strncmp(argv[i], "--templates=", 12) == 0)
            continue;
        rc = f2c_buf_printf(&b, " %s", argv[i]);
    }
    if (rc != 0) {
        f2c_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int run(const syn_options *o, const char *command)
{
    int rc = 2, dfd = -1;
    syn_storage s = {0};
    gp_templates tpl = {0};
    f2c_buf proc = {0}, sqlfile = {0}, script = {0}, deploy_txt = {0}, params_txt = {0},
            readme = {0}, readme_tmpl = {0};
    cJSON *deploy = NULL, *pipe = NULL, *pfile = NULL;

    if (gp_check_output(o->out_dir) != 0) goto done;
    if (split_storage(o->storage_url, &s) != 0) goto oom;
    if (gp_templates_open(o->templates, &tpl) != 0 ||
        !(deploy = gp_template_json(&tpl, "synapse/azuredeploy.json")) ||
        !(pipe = gp_template_json(&tpl, "synapse/pipeline.json")) ||
        gp_template_read(&tpl, "synapse/README.deploy.md", &readme_tmpl) != 0)
        goto done;
    if (build_procedure(o, &proc) != 0 || build_sql_file(o, &proc, &sqlfile) != 0 ||
        build_script_text(o, &proc, &script) != 0)
        goto oom;
    pfile = cJSON_Parse("{\"$schema\": \"https://schema.management.azure.com/schemas/"
                        "2019-04-01/deploymentParameters.json#\", \"contentVersion\": "
                        "\"1.0.0.0\", \"parameters\": {}}");
    if (!pfile) goto oom;
    if ((o->parquet && gp_synapse_parquet(&tpl, deploy, pipe) != 0) ||
        fill_template(deploy, pipe, o, script.data) != 0 ||
        set_parameters(deploy, pfile, o, &s) != 0 ||
        build_readme(readme_tmpl.data, o, &s, command, &readme) != 0)
        goto done;
    if (gp_json_print(deploy, &deploy_txt) != 0 || gp_json_print(pfile, &params_txt) != 0) goto oom;
    if ((dfd = gp_open_output(o->out_dir)) < 0 ||
        gp_write_in(dfd, o->out_dir, "azuredeploy.json", deploy_txt.data, deploy_txt.len) != 0 ||
        gp_write_in(dfd, o->out_dir, "azuredeploy.parameters.json", params_txt.data,
                    params_txt.len) != 0 ||
        gp_write_in(dfd, o->out_dir, SYN_PROC ".sql", sqlfile.data, sqlfile.len) != 0 ||
        gp_write_in(dfd, o->out_dir, "README.md", readme.data, readme.len) != 0)
        goto done;
    printf("%s: wrote azuredeploy.json, azuredeploy.parameters.json, " SYN_PROC
           ".sql and README.md; pipeline %s loads %s/%s into [%s] of pool %s\n",
           o->out_dir, o->pipeline_name, s.url,
           o->parquet ? "model.manifest.cdm.json" : "model.json", o->schema, o->pool);
    rc = 0;
    goto done;
oom:
    fprintf(stderr, SYN_PROG ": out of memory\n");
done:
    if (dfd >= 0) close(dfd);
    cJSON_Delete(deploy);
    cJSON_Delete(pipe);
    cJSON_Delete(pfile);
    f2c_buf_free(&readme_tmpl);
    gp_templates_close(&tpl);
    storage_free(&s);
    f2c_buf_free(&proc);
    f2c_buf_free(&sqlfile);
    f2c_buf_free(&script);
    f2c_buf_free(&deploy_txt);
    f2c_buf_free(&params_txt);
    f2c_buf_free(&readme);
    return rc;
}

/* The options of gp_synapse_main (getopt_long codes above any character). */
enum { O_TARGET = 256, O_STORAGE, O_WS, O_POOL, O_SCHEMA, O_NAME, O_CONC, O_TEMPLATES, O_FORMAT };
static const struct option syn_longopts[] = {{"target", required_argument, NULL, O_TARGET},
                                             {"output", required_argument, NULL, 'o'},
                                             {"storage-url", required_argument, NULL, O_STORAGE},
                                             {"synapse-workspace", required_argument, NULL, O_WS},
                                             {"sql-pool", required_argument, NULL, O_POOL},
                                             {"schema", required_argument, NULL, O_SCHEMA},
                                             {"pipeline-name", required_argument, NULL, O_NAME},
                                             {"concurrency", required_argument, NULL, O_CONC},
                                             {"templates", required_argument, NULL, O_TEMPLATES},
                                             {"format", required_argument, NULL, O_FORMAT},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};

/* Sets one option of gp_synapse_main (getopt_long's code c, its argument arg) into *o.  0, 1
 * (help shown) or -1 (usage error printed). */
static int syn_set_option(syn_options *o, int c, const char *arg)
{
    switch (c) {
    case O_TARGET:
        if (strcmp(arg, "synapse") != 0) {
            fprintf(stderr, SYN_PROG ": --target %s conflicts with --target synapse\n", arg);
            return -1;
        }
        break;
    case 'o':
        o->out_dir = arg;
        break;
    case O_STORAGE:
        o->storage_url = arg;
        break;
    case O_WS:
        o->workspace = arg;
        break;
    case O_POOL:
        o->pool = arg;
        break;
    case O_SCHEMA:
        o->schema = arg;
        break;
    case O_NAME:
        o->pipeline_name = arg;
        break;
    case O_CONC: {
        char *end = NULL;
        errno = 0;
        long v = strtol(arg, &end, 10);
        /* 50 is Data Factory's limit for a ForEach batchCount. */
        if (errno || !*arg || *end || arg[0] == '+' || arg[0] == ' ' || v < 1 || v > 50) {
            fprintf(stderr,
                    SYN_PROG ": --concurrency must be a whole number from 1 to 50, got "
                             "\"%s\"\n",
                    arg);
            return -1;
        }
        o->concurrency = (int)v;
        break;
    }
    case O_TEMPLATES:
        o->templates = arg;
        break;
    case O_FORMAT:
        if (strcmp(arg, "csv") != 0 && strcmp(arg, "parquet") != 0) {
            fprintf(stderr, SYN_PROG ": --format must be csv or parquet, got \"%s\"\n", arg);
            return -1;
        }
        o->parquet = strcmp(arg, "parquet") == 0;
        break;
    case 'h':
        syn_usage(stdout);
        return 1;
    default:
        return -1;
    }
    return 0;
}

/* The values gp_synapse_main needs and their rules.  0, or -1 (printed). */
static int syn_check(const syn_options *o)
{
    if (!o->out_dir || !*o->out_dir) {
        fprintf(stderr, SYN_PROG ": -o DIR (the output folder) is required\n");
        return -1;
    }
    if (!o->storage_url || !gen_sql_valid_storage_url(o->storage_url)) {
        fprintf(stderr, SYN_PROG ": --storage-url must be https://<account>.dfs.core.windows.net/"
                                 "<filesystem>[/<root>] without quotes or blanks\n");
        return -1;
    }
    if (!o->workspace || !valid_workspace(o->workspace)) {
        fprintf(stderr, SYN_PROG ": --synapse-workspace must be 1-50 lowercase letters, digits "
                                 "or hyphens (the workspace name)\n");
        return -1;
    }
    /* Dedicated pool names: letters, digits and underscores, at most 60. */
    if (!o->pool || !gen_sql_valid_name(o->pool, 60)) {
        fprintf(stderr, SYN_PROG ": --sql-pool must be [A-Za-z_][A-Za-z0-9_]*, at most 60 "
                                 "characters\n");
        return -1;
    }
    if (!gen_sql_valid_name(o->schema, 128)) {
        fprintf(stderr, SYN_PROG ": --schema must be [A-Za-z_][A-Za-z0-9_]*, at most 128 "
                                 "characters\n");
        return -1;
    }
    if (!valid_pipeline_name(o->pipeline_name)) {
        fprintf(stderr, SYN_PROG ": --pipeline-name must be letters, digits, '_' or '-', "
                                 "starting with a letter or digit, at most 140\n");
        return -1;
    }
    return 0;
}

int gp_synapse_main(int argc, char **argv)
{
    syn_options o = {.schema = "dbo", .pipeline_name = "fhir2cdm-synapse", .concurrency = 4};
    optind = 1;
    opterr = 1;
    int c;
    int given[GEN_OPT_CODES] = {0};
    while ((c = getopt_long(argc, argv, "o:h", syn_longopts, NULL)) != -1) {
        if (gen_once_opt(SYN_PROG, syn_longopts, NULL, c, given) != 0) goto bad;
        int set = syn_set_option(&o, c, optarg);
        if (set > 0) return 0;
        if (set < 0) goto bad;
    }
    if (optind < argc) {
        fprintf(stderr, SYN_PROG ": unexpected argument \"%s\"\n", argv[optind]);
        goto bad;
    }
    if (syn_check(&o) != 0) goto bad;
    char *command = command_line(argc, argv);
    if (!command) {
        fprintf(stderr, SYN_PROG ": out of memory\n");
        return 2;
    }
    int rc = run(&o, command);
    free(command);
    return rc;
bad:
    fprintf(stderr, "Try 'fhir2cdm generate-pipeline --target synapse --help'.\n");
    return 2;
}
