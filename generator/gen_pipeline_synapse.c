/*
 * gen_pipeline_synapse: `fhir2cdm generate-pipeline --target synapse` — the Azure deployment that
 * loads a CDM folder into a Synapse dedicated SQL pool:
 *
 *   <out>/azuredeploy.json             ARM template: Data Factory, linked services (ADLS Gen2,
 *                                      dedicated pool), the model.json dataset and ONE pipeline
 *                                      (templates/synapse/azuredeploy.json + pipeline.json)
 *   <out>/azuredeploy.parameters.json  the command line's values
 *   <out>/fhir2cdm_load_entity.sql     the loader procedure, for review or manual install
 *   <out>/README.md                    deploy steps (templates/synapse/README.deploy.md)
 *
 * Why one parameterised pipeline driven by model.json: the original tool deployed one pipeline
 * per entity, generated from the configuration, so a changed configuration meant redeploying.
 * Here the pipeline reads model.json at run time (Lookup), and a ForEach calls one stored
 * procedure per entity with the entity's name and attributes; new entities and columns are
 * picked up by the next run without touching Azure.
 *
 * Why a stored procedure: Data Factory expressions cannot turn an attribute list into a column
 * list, T-SQL can (OPENJSON + STRING_AGG).  The procedure is generated here from the same type
 * mapping, table options and COPY INTO options as `fhir2cdm synapse-sql --pool dedicated`
 * (gen_sql.h), and loads the same way: into <Entity>_load, then RENAME OBJECT swaps, inside
 * TRY/CATCH (a dedicated pool allows no DDL inside a transaction; docs/synapse.md).  Names reach
 * dynamic SQL, so the procedure re-checks them with the rule synapse-sql applies.
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

typedef struct syn_options {
    const char *out_dir;
    const char *storage_url; /* validated; trailing slashes removed in `url` below */
    const char *workspace;
    const char *pool;
    const char *schema;
    const char *pipeline_name;
    const char *templates;
    int concurrency;
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
          "  --templates DIR          template skeletons (default: found beside the binary);\n"
          "                           the synapse/ folder in it is used\n"
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

/* The CREATE PROCEDURE statement (without GO).  Every name and type in it comes from gen_sql.h,
 * the schema is validated. */
static int build_procedure(const syn_options *o, f2c_buf *b)
{
    static const char *const cdm_types[] = {"string", "int64", "decimal", "boolean", "dateTime"};
    const char *sch = o->schema;
    int rc = 0;
    rc |= f2c_buf_printf(
        b,
        "CREATE PROCEDURE [%s].[" SYN_PROC "]\n"
        "    @entity nvarchar(128),\n"
        "    @attributes nvarchar(max),\n"
        "    @location nvarchar(4000),\n"
        "    @partitions int\n"
        "AS\n"
        "BEGIN\n"
        "    -- Generated by fhir2cdm generate-pipeline --target synapse.  Loads one entity of a\n"
        "    -- CDM folder: @entity and @attributes are the entity's name and attributes array\n"
        "    -- from model.json, @location the URL of its CSV files (data/<Entity>/*.csv),\n"
        "    -- @partitions how many partitions model.json lists (0: create the table empty).\n"
        "    -- The table is built in [%s].[<Entity>" GEN_SQL_LOAD_SUFFIX
        "] and swapped in only when\n"
        "    -- COPY INTO succeeded: a dedicated pool allows no DDL inside a transaction.\n"
        "    SET NOCOUNT ON;\n"
        "    DECLARE @n int, @bad int, @cols nvarchar(max), @sql nvarchar(max);\n"
        "    DECLARE @t nvarchar(300), @load nvarchar(300), @old nvarchar(300);\n"
        "    -- Names reach dynamic SQL: accept only what fhir2cdm synapse-sql accepts.\n"
        "    IF @entity IS NULL OR LEN(@entity) = 0 OR LEN(@entity) > %d\n"
        "       OR @entity COLLATE Latin1_General_100_BIN2 LIKE N'%%[^A-Za-z0-9_]%%'\n"
        "       OR @entity COLLATE Latin1_General_100_BIN2 LIKE N'[0-9]%%'\n"
        "        THROW 50001, N'" SYN_PROC ": invalid entity name', 1;\n"
        "    IF @location IS NULL OR @location NOT LIKE N'https://%%' OR CHARINDEX(N'''', "
        "@location) > 0\n"
        "        THROW 50002, N'" SYN_PROC ": invalid location', 1;\n"
        "    IF @attributes IS NULL OR ISJSON(@attributes) = 0\n"
        "        THROW 50003, N'" SYN_PROC ": attributes is not JSON', 1;\n"
        "    SELECT @n = COUNT(*),\n"
        "           @bad = SUM(CASE WHEN a.name IS NULL OR LEN(a.name) = 0 OR LEN(a.name) > 128\n"
        "                  OR a.name COLLATE Latin1_General_100_BIN2 LIKE N'%%[^A-Za-z0-9_]%%'\n"
        "                  OR a.name COLLATE Latin1_General_100_BIN2 LIKE N'[0-9]%%'\n"
        "                  OR a.dataType IS NULL\n"
        "                  OR a.dataType COLLATE Latin1_General_100_BIN2 NOT IN (",
        sch, sch, 128 - (int)(sizeof GEN_SQL_LOAD_SUFFIX - 1));
    for (size_t i = 0; i < sizeof cdm_types / sizeof cdm_types[0]; i++)
        rc |= f2c_buf_printf(b, "%sN'%s'", i ? ", " : "", cdm_types[i]);
    rc |= f2c_buf_printf(
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
    rc |= f2c_buf_printf(
        b,
        "               END + N' NULL' AS nvarchar(max)), N',' + NCHAR(10))\n"
        "           WITHIN GROUP (ORDER BY CAST(j.[key] AS int))\n"
        "    FROM OPENJSON(@attributes) AS j\n"
        "    CROSS APPLY OPENJSON(j.value) WITH (name nvarchar(256) '$.name',\n"
        "                                        dataType nvarchar(64) '$.dataType') AS a;\n"
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
        "        EXEC(@sql);\n"
        "        IF @partitions > 0\n"
        "        BEGIN\n"
        "            SET @sql = N'COPY INTO ' + @load + N' FROM ''' + @location + N''' WITH (",
        sch, sch, sch);
    /* The COPY options inside an N'...' literal: quotes doubled, line break kept. */
    rc |= put_quoted(b, GEN_SQL_COPY_OPTIONS);
    rc |= f2c_buf_printf(
        b,
        ");';\n"
        "            EXEC(@sql);\n"
        "        END\n"
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
    return rc ? -1 : 0;
}

/* The statements before CREATE PROCEDURE: schema, and the previous procedure dropped. */
static int build_prelude(const syn_options *o, f2c_buf *b, const char *sep)
{
    return f2c_buf_printf(b,
                          "IF SCHEMA_ID(N'%s') IS NULL\n    EXEC(N'CREATE SCHEMA [%s]');\n%s"
                          "IF OBJECT_ID(N'[%s].[" SYN_PROC "]', N'P') IS NOT NULL\n"
                          "    DROP PROCEDURE [%s].[" SYN_PROC "];\n%s",
                          o->schema, o->schema, sep, o->schema, o->schema, sep);
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

/* Fills pipeline.json (the procedure's text and name) and puts it into the template's pipeline
 * resource. */
static int fill_template(cJSON *deploy, cJSON *pipe, const syn_options *o, const char *script)
{
    cJSON *acts = child(pipe, "activities", "pipeline.json");
    cJSON *create = acts ? find_activity(acts, "CreateLoader") : NULL;
    cJSON *loop = acts ? find_activity(acts, "LoadEntities") : NULL;
    if (!create || !loop) return -1;
    cJSON *tp = child(create, "typeProperties", "CreateLoader");
    cJSON *scripts = tp ? child(tp, "scripts", "CreateLoader") : NULL;
    cJSON *first = scripts ? cJSON_GetArrayItem(scripts, 0) : NULL;
    if (!first || set_string(first, "text", script, "CreateLoader scripts[0]") != 0) return -1;
    cJSON *ltp = child(loop, "typeProperties", "LoadEntities");
    cJSON *inner = ltp ? child(ltp, "activities", "LoadEntities") : NULL;
    cJSON *load = inner ? find_activity(inner, "LoadEntity") : NULL;
    cJSON *etp = load ? child(load, "typeProperties", "LoadEntity") : NULL;
    f2c_buf name = {0};
    if (!etp || f2c_buf_printf(&name, "[%s].[" SYN_PROC "]", o->schema) != 0) return -1;
    /* "[schema].[proc]" starts with '[' and ends with ']': ARM would read it as an expression;
     * "[[" is ARM's escape for a literal leading bracket. */
    f2c_buf esc = {0};
    int rc = f2c_buf_printf(&esc, "[%s", name.data) != 0 ||
                     set_string(etp, "storedProcedureName", esc.data, "LoadEntity") != 0
                 ? -1
                 : 0;
    f2c_buf_free(&name);
    f2c_buf_free(&esc);
    if (rc != 0) return -1;

    cJSON *res = child(deploy, "resources", "azuredeploy.json");
    cJSON *r, *target = NULL;
    cJSON_ArrayForEach(r, res)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "type");
        if (cJSON_IsString(t) &&
            strcmp(t->valuestring, "Microsoft.DataFactory/factories/pipelines") == 0)
            target = r;
    }
    if (!target) {
        fprintf(stderr, SYN_PROG ": template: azuredeploy.json has no pipeline resource\n");
        return -1;
    }
    cJSON *copy = cJSON_Duplicate(pipe, 1);
    if (!copy || !child(target, "properties", "the pipeline resource")) {
        cJSON_Delete(copy);
        return -1;
    }
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
    f2c_buf proc = {0};
    if (f2c_buf_printf(&proc, "[%s].[" SYN_PROC "]", o->schema) != 0) return -1;
    const char *keys[][2] = {
        {"COMMAND", command},           {"FACTORY_NOTE", "(parameter factoryName)"},
        {"PIPELINE", o->pipeline_name}, {"PROCEDURE", proc.data},
        {"STORAGE_URL", s->url},        {"CONCURRENCY", conc},
        {"FILESYSTEM", s->filesystem},  {"POOL", o->pool},
        {"SCHEMA", o->schema}};
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
    char *tdir = NULL;
    f2c_buf sdir = {0}, proc = {0}, sqlfile = {0}, script = {0}, deploy_txt = {0}, params_txt = {0},
            readme = {0}, path = {0};
    cJSON *deploy = NULL, *pipe = NULL, *pfile = NULL;
    char *readme_tmpl = NULL;

    if (gp_check_output(o->out_dir) != 0) goto done;
    if (split_storage(o->storage_url, &s) != 0) goto oom;
    if (!(tdir = gp_find_templates(o->templates))) goto done;
    if (f2c_buf_printf(&sdir, "%s/synapse", tdir) != 0) goto oom;
    f2c_buf_reset(&path);
    if (f2c_buf_printf(&path, "%s/azuredeploy.json", sdir.data) != 0) goto oom;
    if (!(deploy = gp_load_json(path.data))) goto done;
    f2c_buf_reset(&path);
    if (f2c_buf_printf(&path, "%s/pipeline.json", sdir.data) != 0) goto oom;
    if (!(pipe = gp_load_json(path.data))) goto done;
    f2c_buf_reset(&path);
    if (f2c_buf_printf(&path, "%s/README.deploy.md", sdir.data) != 0) goto oom;
    size_t rlen;
    if (!(readme_tmpl = f2c_fs_read(path.data, 0, &rlen))) {
        fprintf(stderr, SYN_PROG ": cannot read %s: %s\n", path.data, strerror(errno));
        goto done;
    }
    if (build_procedure(o, &proc) != 0 || build_sql_file(o, &proc, &sqlfile) != 0 ||
        build_script_text(o, &proc, &script) != 0)
        goto oom;
    pfile = cJSON_Parse("{\"$schema\": \"https://schema.management.azure.com/schemas/"
                        "2019-04-01/deploymentParameters.json#\", \"contentVersion\": "
                        "\"1.0.0.0\", \"parameters\": {}}");
    if (!pfile) goto oom;
    if (fill_template(deploy, pipe, o, script.data) != 0 ||
        set_parameters(deploy, pfile, o, &s) != 0 ||
        build_readme(readme_tmpl, o, &s, command, &readme) != 0)
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
           ".sql and README.md; pipeline %s loads %s/model.json into [%s] of pool %s\n",
           o->out_dir, o->pipeline_name, s.url, o->schema, o->pool);
    rc = 0;
    goto done;
oom:
    fprintf(stderr, SYN_PROG ": out of memory\n");
done:
    if (dfd >= 0) close(dfd);
    cJSON_Delete(deploy);
    cJSON_Delete(pipe);
    cJSON_Delete(pfile);
    free(readme_tmpl);
    free(tdir);
    storage_free(&s);
    f2c_buf_free(&sdir);
    f2c_buf_free(&proc);
    f2c_buf_free(&sqlfile);
    f2c_buf_free(&script);
    f2c_buf_free(&deploy_txt);
    f2c_buf_free(&params_txt);
    f2c_buf_free(&readme);
    f2c_buf_free(&path);
    return rc;
}

int gp_synapse_main(int argc, char **argv)
{
    enum { O_TARGET = 256, O_STORAGE, O_WS, O_POOL, O_SCHEMA, O_NAME, O_CONC, O_TEMPLATES };
    static const struct option longopts[] = {{"target", required_argument, NULL, O_TARGET},
                                             {"output", required_argument, NULL, 'o'},
                                             {"storage-url", required_argument, NULL, O_STORAGE},
                                             {"synapse-workspace", required_argument, NULL, O_WS},
                                             {"sql-pool", required_argument, NULL, O_POOL},
                                             {"schema", required_argument, NULL, O_SCHEMA},
                                             {"pipeline-name", required_argument, NULL, O_NAME},
                                             {"concurrency", required_argument, NULL, O_CONC},
                                             {"templates", required_argument, NULL, O_TEMPLATES},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    syn_options o = {.schema = "dbo", .pipeline_name = "fhir2cdm-synapse", .concurrency = 4};
    optind = 1;
    opterr = 1;
    int c;
    int given[GEN_OPT_CODES] = {0};
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (gen_once_opt(SYN_PROG, longopts, NULL, c, given) != 0) goto bad;
        switch (c) {
        case O_TARGET:
            if (strcmp(optarg, "synapse") != 0) {
                fprintf(stderr, SYN_PROG ": --target %s conflicts with --target synapse\n", optarg);
                goto bad;
            }
            break;
        case 'o':
            o.out_dir = optarg;
            break;
        case O_STORAGE:
            o.storage_url = optarg;
            break;
        case O_WS:
            o.workspace = optarg;
            break;
        case O_POOL:
            o.pool = optarg;
            break;
        case O_SCHEMA:
            o.schema = optarg;
            break;
        case O_NAME:
            o.pipeline_name = optarg;
            break;
        case O_CONC: {
            char *end = NULL;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            /* 50 is Data Factory's limit for a ForEach batchCount. */
            if (errno || !*optarg || *end || optarg[0] == '+' || optarg[0] == ' ' || v < 1 ||
                v > 50) {
                fprintf(stderr,
                        SYN_PROG ": --concurrency must be a whole number from 1 to 50, got "
                                 "\"%s\"\n",
                        optarg);
                goto bad;
            }
            o.concurrency = (int)v;
            break;
        }
        case O_TEMPLATES:
            o.templates = optarg;
            break;
        case 'h':
            syn_usage(stdout);
            return 0;
        default:
            goto bad;
        }
    }
    if (optind < argc) {
        fprintf(stderr, SYN_PROG ": unexpected argument \"%s\"\n", argv[optind]);
        goto bad;
    }
    if (!o.out_dir || !*o.out_dir) {
        fprintf(stderr, SYN_PROG ": -o DIR (the output folder) is required\n");
        goto bad;
    }
    if (!o.storage_url || !gen_sql_valid_storage_url(o.storage_url)) {
        fprintf(stderr, SYN_PROG ": --storage-url must be https://<account>.dfs.core.windows.net/"
                                 "<filesystem>[/<root>] without quotes or blanks\n");
        goto bad;
    }
    if (!o.workspace || !valid_workspace(o.workspace)) {
        fprintf(stderr, SYN_PROG ": --synapse-workspace must be 1-50 lowercase letters, digits "
                                 "or hyphens (the workspace name)\n");
        goto bad;
    }
    /* Dedicated pool names: letters, digits and underscores, at most 60. */
    if (!o.pool || !gen_sql_valid_name(o.pool, 60)) {
        fprintf(stderr, SYN_PROG ": --sql-pool must be [A-Za-z_][A-Za-z0-9_]*, at most 60 "
                                 "characters\n");
        goto bad;
    }
    if (!gen_sql_valid_name(o.schema, 128)) {
        fprintf(stderr, SYN_PROG ": --schema must be [A-Za-z_][A-Za-z0-9_]*, at most 128 "
                                 "characters\n");
        goto bad;
    }
    if (!valid_pipeline_name(o.pipeline_name)) {
        fprintf(stderr, SYN_PROG ": --pipeline-name must be letters, digits, '_' or '-', "
                                 "starting with a letter or digit, at most 140\n");
        goto bad;
    }
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
