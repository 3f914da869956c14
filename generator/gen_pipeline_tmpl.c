/*
 * gen_pipeline_tmpl: fills the skeletons in templates/ for `fhir2cdm generate-pipeline`.
 *
 * Why templates plus cJSON: the ARM template and the Data Factory pipeline are long, and people
 * who know Azure should be able to review and change them as JSON without reading C.  The C
 * side only sets what depends on the command line — parameter defaults, the exported resource
 * types, the configuration kind — and assembles the pieces (pipeline.json becomes the pipeline
 * resource's properties; keyvault.json is merged in when a client secret is used).  Every value
 * goes through cJSON, so no user-given string can break the JSON.
 *
 * Values from the command line become ARM *parameter defaults* (and the parameters file), not
 * literals inside resources: the template then deploys unchanged with other values
 * (`--parameters concurrency=8`), and the pipeline reads them through ARM expressions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_fs.h"
#include "gen_pipeline_int.h"

static int has_deploy_template(const char *dir)
{
    f2c_buf p = {0};
    struct stat st;
    int ok = f2c_buf_printf(&p, "%s/azuredeploy.json", dir) == 0 && stat(p.data, &st) == 0 &&
             S_ISREG(st.st_mode);
    f2c_buf_free(&p);
    return ok;
}

/* Precedence: --templates, then $FHIR2CDM_TEMPLATES, then the embedded copy.  An override that
 * is wrong is an error, never a silent fallback: whoever set it expects their edits used. */
int gp_templates_open(const char *opt, gp_templates *t)
{
    t->dir = NULL;
    const char *env = getenv("FHIR2CDM_TEMPLATES");
    const char *dir = opt ? opt : (env && *env ? env : NULL);
    if (!dir) return 0;
    if (!*dir || !has_deploy_template(dir)) {
        fprintf(stderr, GP_PROG ": %s%s: no azuredeploy.json there\n",
                opt ? "--templates " : "FHIR2CDM_TEMPLATES=", dir);
        return -1;
    }
    if (!(t->dir = strdup(dir))) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    return 0;
}

void gp_templates_close(gp_templates *t)
{
    free(t->dir);
    t->dir = NULL;
}

static const gp_embedded_file *find_embedded(const char *relpath)
{
    for (size_t i = 0; i < gp_embedded_templates_count; i++)
        if (strcmp(gp_embedded_templates[i].path, relpath) == 0) return &gp_embedded_templates[i];
    return NULL;
}

/* Reads <dir>/<relpath>; errors name that path. */
static int read_from_folder(const char *dir, const char *relpath, f2c_buf *out)
{
    f2c_buf p = {0};
    if (f2c_buf_printf(&p, "%s/%s", dir, relpath) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    size_t len = 0;
    char *text = f2c_fs_read(p.data, 0, &len);
    int rc = text ? f2c_buf_append(out, text, len) : -1;
    if (!text)
        fprintf(stderr, GP_PROG ": cannot read %s: %s\n", p.data, strerror(errno));
    else if (rc != 0)
        fprintf(stderr, GP_PROG ": out of memory\n");
    free(text);
    f2c_buf_free(&p);
    return rc;
}

int gp_template_read(const gp_templates *t, const char *relpath, f2c_buf *out)
{
    /* An empty file still yields a NUL-terminated (empty) string. */
    if (f2c_buf_reserve(out, 1) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    out->data[out->len] = '\0';
    if (t->dir) return read_from_folder(t->dir, relpath, out);
    const gp_embedded_file *f = find_embedded(relpath);
    if (!f) {
        fprintf(stderr, GP_PROG ": no template %s built into this binary\n", relpath);
        return -1;
    }
    if (f2c_buf_append(out, f->data, f->len) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    return 0;
}

cJSON *gp_template_json(const gp_templates *t, const char *relpath)
{
    f2c_buf text = {0}, name = {0};
    cJSON *doc = NULL;
    if (gp_template_read(t, relpath, &text) != 0) goto done;
    if (f2c_buf_printf(&name, "%s/%s", t->dir ? t->dir : "built-in templates", relpath) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        goto done;
    }
    doc = gp_parse_json(text.data, text.len, name.data);
    if (doc && !cJSON_IsObject(doc)) {
        fprintf(stderr, GP_PROG ": %s: not a JSON object\n", name.data);
        cJSON_Delete(doc);
        doc = NULL;
    }
done:
    f2c_buf_free(&text);
    f2c_buf_free(&name);
    return doc;
}

/* The template must already declare what the generator fills: a template edited out of step
 * with the generator is reported, not silently extended. */
static cJSON *need(cJSON *obj, const char *key, const char *where)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) fprintf(stderr, GP_PROG ": template: %s has no \"%s\"\n", where, key);
    return v;
}

static int replace(cJSON *obj, const char *key, cJSON *value)
{
    if (!value) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
    return 0;
}

static int set_param_default(cJSON *params, const char *name, cJSON *value)
{
    cJSON *p = need(params, name, "parameters");
    if (!p) {
        cJSON_Delete(value);
        return -1;
    }
    return replace(p, "defaultValue", value);
}

/* Every member of src (an object) copied into dst; a key already in dst is a template error,
 * since the fragment would silently change the base template. */
static int merge_object(cJSON *dst, const cJSON *src, const char *where)
{
    for (const cJSON *c = src ? src->child : NULL; c; c = c->next) {
        if (cJSON_GetObjectItemCaseSensitive(dst, c->string)) {
            fprintf(stderr, GP_PROG ": template: keyvault.json redefines %s \"%s\"\n", where,
                    c->string);
            return -1;
        }
        if (replace(dst, c->string, cJSON_Duplicate(c, 1)) != 0) return -1;
    }
    return 0;
}

static int append_all(cJSON *dst, const cJSON *src)
{
    for (const cJSON *c = src ? src->child : NULL; c; c = c->next) {
        cJSON *copy = cJSON_Duplicate(c, 1);
        if (!copy) {
            fprintf(stderr, GP_PROG ": out of memory\n");
            return -1;
        }
        cJSON_AddItemToArray(dst, copy);
    }
    return 0;
}

typedef struct fill_ctx {
    const char *config_kind;
    const cJSON *kv;    /* keyvault.json, or NULL */
    const char *format; /* --format: "csv" or "parquet" */
    const char *mode;   /* --mode: "append" or "merge" */
    int ncustom, nweb;
    int nformat; /* task commands given --format / --mode */
} fill_ctx;

/* --format parquet and --mode merge: the three Batch tasks that write the CDM folder
 * (generate-schema the record before the fan-out, transform-data the partitions, finalize the
 * record that commits them; each refuses a container of the other format, and finalize task
 * records of the other mode) get "--format parquet" and "--mode merge" at the end of their
 * command line, inside the bash -c "..." quotes.  CSV and append, the transformer's defaults,
 * leave the commands exactly as the template has them (so such a deployment runs with any
 * release).  0, or -1 (printed). */
static int add_format(cJSON *tp, fill_ctx *ctx)
{
    cJSON *cmd = cJSON_GetObjectItemCaseSensitive(tp, "command");
    const char *c = cJSON_GetStringValue(cmd);
    int pq = strcmp(ctx->format, "csv") != 0, merge = strcmp(ctx->mode, "merge") == 0;
    if ((!pq && !merge) || !c ||
        (!strstr(c, "fhir2cdm-transform transform-data ") &&
         !strstr(c, "fhir2cdm-transform finalize ") &&
         !strstr(c, "fhir2cdm-transform generate-schema ")))
        return 0;
    size_t n = strlen(c);
    if (n == 0 || c[n - 1] != '"') {
        fprintf(stderr, GP_PROG ": template: a task command does not end with '\"': %s\n", c);
        return -1;
    }
    f2c_buf b = {0};
    if (f2c_buf_printf(&b, "%.*s%s%s%s\"", (int)(n - 1), c, pq ? " --format " : "",
                       pq ? ctx->format : "", merge ? " --mode merge" : "") != 0 ||
        replace(tp, "command", cJSON_CreateString(b.data)) != 0) {
        f2c_buf_free(&b);
        return -1;
    }
    f2c_buf_free(&b);
    ctx->nformat++;
    return 0;
}

/* Walks a pipeline's activities, nested ones (ForEach, If Condition branches) included. */
static int fill_activities(cJSON *activities, fill_ctx *ctx)
{
    cJSON *a;
    cJSON_ArrayForEach(a, activities)
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "type"));
        cJSON *tp = cJSON_GetObjectItemCaseSensitive(a, "typeProperties");
        if (!type || !tp) continue;
        if (strcmp(type, "Custom") == 0) {
            cJSON *ext = need(tp, "extendedProperties", "a Custom activity");
            if (!ext) return -1;
            if (replace(ext, "configurationKind", cJSON_CreateString(ctx->config_kind)) != 0)
                return -1;
            if (ctx->kv &&
                merge_object(ext, cJSON_GetObjectItemCaseSensitive(ctx->kv, "extendedProperties"),
                             "extendedProperties") != 0)
                return -1;
            if (add_format(tp, ctx) != 0) return -1;
            ctx->ncustom++;
        } else if (strcmp(type, "WebActivity") == 0) {
            ctx->nweb++;
        }
        static const char *const nested[] = {"activities", "ifTrueActivities", "ifFalseActivities"};
        for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++) {
            cJSON *inner = cJSON_GetObjectItemCaseSensitive(tp, nested[i]);
            if (cJSON_IsArray(inner) && fill_activities(inner, ctx) != 0) return -1;
        }
    }
    return 0;
}

static cJSON *find_resource(cJSON *resources, const char *type)
{
    cJSON *r;
    cJSON_ArrayForEach(r, resources)
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "type"));
        if (t && strcmp(t, type) == 0) return r;
    }
    return NULL;
}

static char *join_types(const gp_inputs *in)
{
    f2c_buf b = {0};
    for (size_t i = 0; i < in->ntypes; i++)
        if (f2c_buf_printf(&b, "%s%s", i ? "," : "", in->types[i]) != 0) {
            f2c_buf_free(&b);
            return NULL;
        }
    if (!b.data && f2c_buf_reserve(&b, 1) != 0) return NULL;
    return b.data;
}

static int build_deploy(cJSON *deploy, cJSON *pipeline, const cJSON *kv, const gp_options *o,
                        const char *types)
{
    cJSON *params = need(deploy, "parameters", "azuredeploy.json");
    cJSON *vars = need(deploy, "variables", "azuredeploy.json");
    cJSON *resources = need(deploy, "resources", "azuredeploy.json");
    if (!params || !vars || !resources) return -1;

    if (kv) {
        if (merge_object(params, cJSON_GetObjectItemCaseSensitive(kv, "parameters"), "parameter") !=
                0 ||
            merge_object(vars, cJSON_GetObjectItemCaseSensitive(kv, "variables"), "variable") !=
                0 ||
            append_all(resources, cJSON_GetObjectItemCaseSensitive(kv, "resources")) != 0)
            return -1;
    }
    if (set_param_default(params, "pipelineName", cJSON_CreateString(o->pipeline_name)) ||
        set_param_default(params, "fhirUrl", cJSON_CreateString(o->fhir_url)) ||
        set_param_default(params, "since", cJSON_CreateString(o->since)) ||
        set_param_default(params, "groupId", cJSON_CreateString(o->group)) ||
        set_param_default(params, "batchVmSize", cJSON_CreateString(o->batch_vm_size)) ||
        set_param_default(params, "batchNodes", cJSON_CreateNumber(o->batch_nodes)) ||
        set_param_default(params, "concurrency", cJSON_CreateNumber(o->concurrency)) ||
        set_param_default(params, "maxDepth", cJSON_CreateNumber(o->max_depth)) ||
        (o->package_url &&
         set_param_default(params, "packageUrl", cJSON_CreateString(o->package_url))))
        return -1;
    if (kv && (set_param_default(params, "fhirClientId", cJSON_CreateString(o->client_id)) ||
               set_param_default(params, "fhirTenantId", cJSON_CreateString(o->tenant_id))))
        return -1;
    if (!need(vars, "exportTypes", "variables") ||
        replace(vars, "exportTypes", cJSON_CreateString(types)) != 0)
        return -1;

    fill_ctx ctx = {o->config_dir ? "tables" : "views", kv, o->format, o->mode, 0, 0, 0};
    cJSON *acts = need(pipeline, "activities", "pipeline.json");
    if (!acts || fill_activities(acts, &ctx) != 0) return -1;
    if ((strcmp(o->format, "csv") != 0 || strcmp(o->mode, "merge") == 0) && ctx.nformat != 3) {
        fprintf(stderr,
                GP_PROG ": template: --format %s --mode %s found %d of the 3 task commands "
                        "(generate-schema, transform-data, finalize) to pass them to\n",
                o->format, o->mode, ctx.nformat);
        return -1;
    }
    if (ctx.ncustom != 4 || ctx.nweb != 0) {
        /* bulk-export, generate-schema, transform-data, finalize; a template that lost one
         * would deploy a pipeline that cannot work, and a Web activity would call the FHIR
         * server with an identity no Batch task is given (docs/azure.md, section 3). */
        fprintf(stderr,
                GP_PROG ": template: pipeline.json has %d Custom and %d Web activities, "
                        "expected 4 and 0\n",
                ctx.ncustom, ctx.nweb);
        return -1;
    }
    if (gp_package_source(deploy, pipeline, o) != 0) return -1;

    cJSON *res = find_resource(resources, "Microsoft.DataFactory/factories/pipelines");
    if (!res) {
        fprintf(stderr, GP_PROG ": template: no Microsoft.DataFactory/factories/pipelines "
                                "resource in azuredeploy.json\n");
        return -1;
    }
    cJSON *deps = need(res, "dependsOn", "the pipeline resource");
    if (!deps) return -1;
    if (kv && append_all(deps, cJSON_GetObjectItemCaseSensitive(kv, "pipelineDependsOn")) != 0)
        return -1;
    cJSON *copy = cJSON_Duplicate(pipeline, 1);
    return replace(res, "properties", copy);
}

static int add_value(cJSON *params, const char *name, cJSON *v)
{
    cJSON *p = cJSON_CreateObject();
    if (!p || !v) {
        cJSON_Delete(p);
        cJSON_Delete(v);
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    cJSON_AddItemToObject(p, "value", v);
    cJSON_AddItemToObject(params, name, p);
    return 0;
}

/* The parameters file repeats the command line's values, so `az deployment group create
 * --parameters @azuredeploy.parameters.json` deploys what was asked and the values are easy to
 * change in one place.  The client secret is never written: it is given at deployment. */
static int build_parameters(cJSON *doc, const gp_options *o)
{
    cJSON *params = need(doc, "parameters", "azuredeploy.parameters.json");
    if (!params) return -1;
    if (add_value(params, "pipelineName", cJSON_CreateString(o->pipeline_name)) ||
        add_value(params, "fhirUrl", cJSON_CreateString(o->fhir_url)) ||
        add_value(params, "since", cJSON_CreateString(o->since)) ||
        add_value(params, "groupId", cJSON_CreateString(o->group)) ||
        add_value(params, "batchVmSize", cJSON_CreateString(o->batch_vm_size)) ||
        add_value(params, "batchNodes", cJSON_CreateNumber(o->batch_nodes)) ||
        add_value(params, "concurrency", cJSON_CreateNumber(o->concurrency)) ||
        add_value(params, "maxDepth", cJSON_CreateNumber(o->max_depth)) ||
        (o->package_url && add_value(params, "packageUrl", cJSON_CreateString(o->package_url))))
        return -1;
    if (o->client_id && (add_value(params, "fhirClientId", cJSON_CreateString(o->client_id)) ||
                         add_value(params, "fhirTenantId", cJSON_CreateString(o->tenant_id))))
        return -1;
    return 0;
}

/* README placeholders are {{name}}; an unknown one is a template error. */
static int build_readme(const char *text, const gp_options *o, const char *types, f2c_buf *out)
{
    const int kv = o->client_id != NULL;
    const struct {
        const char *key, *value;
    } subst[] = {
        {"pipelineName", o->pipeline_name},
        {"fhirUrl", o->fhir_url},
        {"exportTypes", types},
        {"configKind", o->config_dir ? "table configuration" : "ViewDefinitions"},
        {"keyVaultItem", kv ? ", Key Vault holding the FHIR client secret" : ""},
        {"keyVaultRoles", kv ? ", and both *Key Vault Secrets User* on the Key Vault" : ""},
        {"secretArg", kv ? " \\\n  --parameters fhirClientSecret=\"$FHIR_CLIENT_SECRET\"" : ""},
        {"fhirCaller", kv ? "the application given by `--client-id`"
                          : "the pool's managed identity (`f2c-pool-...` in the resource group)"},
        {"packageStep", o->package_url ? gp_package_step_url : gp_package_step_own},
    };
    const char *p = text;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) return f2c_buf_appends(out, p);
        if (f2c_buf_append(out, p, (size_t)(open - p)) != 0) return -1;
        const char *close = strstr(open + 2, "}}");
        size_t klen = close ? (size_t)(close - open - 2) : 0;
        size_t i = 0;
        for (; close && i < sizeof subst / sizeof subst[0]; i++)
            if (strlen(subst[i].key) == klen && strncmp(open + 2, subst[i].key, klen) == 0) break;
        if (!close || i == sizeof subst / sizeof subst[0]) {
            fprintf(stderr, GP_PROG ": template: README.deploy.md: unknown placeholder %.40s\n",
                    open);
            return -2;
        }
        if (f2c_buf_appends(out, subst[i].value) != 0) return -1;
        p = close + 2;
    }
    return 0;
}

int gp_build(const gp_templates *t, const gp_options *o, const gp_inputs *in, gp_outputs *out)
{
    memset(out, 0, sizeof *out);
    int rc = -1;
    cJSON *deploy = gp_template_json(t, "azuredeploy.json");
    cJSON *pipeline = deploy ? gp_template_json(t, "pipeline.json") : NULL;
    cJSON *params = pipeline ? gp_template_json(t, "azuredeploy.parameters.json") : NULL;
    cJSON *kv = NULL;
    f2c_buf readme = {0};
    char *types = join_types(in);
    if (!params) goto done;
    if (!types) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        goto done;
    }
    if (o->client_id && !(kv = gp_template_json(t, "keyvault.json"))) goto done;
    if (gp_template_read(t, "README.deploy.md", &readme) != 0) goto done;

    if (build_deploy(deploy, pipeline, kv, o, types) != 0) goto done;
    if (build_parameters(params, o) != 0) goto done;
    int r = build_readme(readme.data, o, types, &out->readme);
    if (r == -1) fprintf(stderr, GP_PROG ": out of memory\n");
    if (r != 0) goto done;
    if (gp_json_print(deploy, &out->deploy) != 0 || gp_json_print(params, &out->parameters) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) gp_outputs_free(out);
    cJSON_Delete(deploy);
    cJSON_Delete(pipeline);
    cJSON_Delete(params);
    cJSON_Delete(kv);
    f2c_buf_free(&readme);
    free(types);
    return rc;
}

void gp_outputs_free(gp_outputs *out)
{
    f2c_buf_free(&out->deploy);
    f2c_buf_free(&out->parameters);
    f2c_buf_free(&out->readme);
}
