/*
 * gen_pipeline_synapse_pq: `fhir2cdm generate-pipeline --target synapse --format parquet` -- the
 * same pipeline for a Parquet CDM folder (issue 17 items 1 and 5), made from the CSV one by the
 * edits templates/synapse/parquet.json describes, so both variants share everything else.
 *
 * Why these edits: a Parquet folder's record is the CDM manifest, model.manifest.cdm.json
 * (docs/cdm-folder.md), which lists the entities ("entityName") and their partitions
 * ("dataPartitions"), while the attributes live in one entity document per entity,
 * <Entity>.cdm.json.  ReadModel therefore copies the manifest (names, partitions) into the model
 * table, and inside the ForEach a Lookup (ReadEntity) reads the entity's document -- small, far
 * below a Lookup's 4 MB -- whose hasAttributes the loader procedure receives as a parameter
 * (@entity_attributes; gen_pipeline_synapse.c builds the procedure's Parquet variant: types from
 * gen_sql_tsql_parquet_type, decimals decimal(p,s) of their trait, COPY INTO FILE_TYPE =
 * 'PARQUET').  The document is named <entity>.cdm.json, the name fhir2cdm's manifest writer gives
 * it (the manifest's entityPath "<Entity>.cdm.json/<Entity>").
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gen_pipeline_int.h"

#define PQ_PROG GP_PROG " --target synapse"

/* obj[key], or NULL with a message naming where. */
static cJSON *need(cJSON *obj, const char *key, const char *where)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) fprintf(stderr, PQ_PROG ": template: %s has no \"%s\"\n", where, key);
    return v;
}

/* Replaces (or adds) obj[key] with a copy of value.  -1 when value is NULL or out of memory. */
static int put_copy(cJSON *obj, const char *key, const cJSON *value)
{
    cJSON *c = value ? cJSON_Duplicate(value, 1) : NULL;
    if (!c || !obj) {
        cJSON_Delete(c);
        return -1;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, c);
    else
        cJSON_AddItemToObject(obj, key, c);
    return 0;
}

/* The element of array arr whose member key is the string value, or NULL with a message. */
static cJSON *find_by(cJSON *arr, const char *key, const char *value, const char *where)
{
    cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, key));
        if (s && strcmp(s, value) == 0) return e;
    }
    fprintf(stderr, PQ_PROG ": template: %s has no %s \"%s\"\n", where, key, value);
    return NULL;
}

/* The model dataset reads the manifest; the entity-document dataset is added, and the
 * pipeline resource depends on it. */
static int edit_resources(cJSON *deploy, const cJSON *pq)
{
    cJSON *res = need(deploy, "resources", "azuredeploy.json");
    cJSON *model =
        res ? find_by(res, "name", "[concat(parameters('factoryName'), '/CdmModelJson')]",
                      "azuredeploy.json resources")
            : NULL;
    cJSON *props = model ? need(model, "properties", "CdmModelJson") : NULL;
    cJSON *tp = props ? need(props, "typeProperties", "CdmModelJson") : NULL;
    cJSON *loc = tp ? need(tp, "location", "CdmModelJson") : NULL;
    cJSON *mds = cJSON_GetObjectItemCaseSensitive(pq, "modelDataset");
    if (!loc || put_copy(loc, "fileName", cJSON_GetObjectItemCaseSensitive(mds, "fileName")) ||
        put_copy(props, "description", cJSON_GetObjectItemCaseSensitive(mds, "description")))
        return -1;
    cJSON *ds = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pq, "entityDataset"), 1);
    cJSON *pipe = find_by(res, "type", "Microsoft.DataFactory/factories/pipelines",
                          "azuredeploy.json resources");
    cJSON *deps = pipe ? need(pipe, "dependsOn", "the pipeline resource") : NULL;
    cJSON *dep = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pq, "pipelineDependsOn"), 1);
    if (!ds || !deps || !dep) {
        cJSON_Delete(ds);
        cJSON_Delete(dep);
        return -1;
    }
    /* Appended: ARM orders deployment by dependsOn, not by position. */
    cJSON_AddItemToArray(deps, dep);
    cJSON_AddItemToArray(res, ds);
    return 0;
}

/* ReadModel maps the manifest's entityName and dataPartitions; the ForEach reads each entity's
 * document first and passes its attributes to the procedure. */
static int edit_pipeline(cJSON *pipe, const cJSON *pq)
{
    cJSON *acts = need(pipe, "activities", "pipeline.json");
    cJSON *rm = acts ? find_by(acts, "name", "ReadModel", "pipeline.json activities") : NULL;
    cJSON *tr =
        rm ? need(need(rm, "typeProperties", "ReadModel"), "translator", "ReadModel") : NULL;
    const cJSON *prm = cJSON_GetObjectItemCaseSensitive(pq, "readModel");
    if (!tr ||
        put_copy(pipe, "description",
                 cJSON_GetObjectItemCaseSensitive(pq, "pipelineDescription")) ||
        put_copy(rm, "description", cJSON_GetObjectItemCaseSensitive(prm, "description")) ||
        put_copy(tr, "mappings", cJSON_GetObjectItemCaseSensitive(prm, "mappings")))
        return -1;
    cJSON *loop = find_by(acts, "name", "LoadEntities", "pipeline.json activities");
    cJSON *inner =
        loop ? need(need(loop, "typeProperties", "LoadEntities"), "activities", "LoadEntities")
             : NULL;
    cJSON *load = inner ? find_by(inner, "name", "LoadEntity", "LoadEntities") : NULL;
    cJSON *sp = load ? need(need(load, "typeProperties", "LoadEntity"), "storedProcedureParameters",
                            "LoadEntity")
                     : NULL;
    cJSON *read = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pq, "readEntity"), 1);
    if (!sp || !read ||
        put_copy(load, "dependsOn", cJSON_GetObjectItemCaseSensitive(pq, "loadEntityDependsOn")) ||
        put_copy(sp, "entity_attributes",
                 cJSON_GetObjectItemCaseSensitive(pq, "attributesParameter"))) {
        cJSON_Delete(read);
        return -1;
    }
    /* After LoadEntity, which depends on it: Data Factory orders activities by dependsOn. */
    cJSON_AddItemToArray(inner, read);
    return 0;
}

int gp_synapse_parquet(const gp_templates *t, cJSON *deploy, cJSON *pipe)
{
    cJSON *pq = gp_template_json(t, "synapse/parquet.json");
    if (!pq) return -1;
    int rc = edit_resources(deploy, pq) || edit_pipeline(pipe, pq) ? -1 : 0;
    if (rc) fprintf(stderr, PQ_PROG ": template: synapse/parquet.json could not be applied\n");
    cJSON_Delete(pq);
    return rc;
}
