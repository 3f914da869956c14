/*
 * gen_pipeline_pkg: where the Batch pool's start task gets the fhir2cdm release tarball.
 *
 * Why two sources, chosen here and not by a template parameter: by default the tarball is the
 * blob packages/fhir2cdm.tar.gz of the deployment's own (private) storage account, read with
 * the pool's managed identity (the resourceFiles entry's identityReference), and the pipeline's
 * first steps check that the blob exists.  With --package-url the tarball comes from that
 * https URL (a release page, or a SAS URL); the entry then has no identityReference, because
 * Batch would send a Storage token for the pool's identity to whatever host the URL names, and
 * the own-storage check is removed.  A deploy-time parameter could not drop the identity from
 * the request, so the generator decides, and each variant validates against the ARM schemas
 * (tests/pipeline/test_arm_schemas.py).
 *
 * The skeleton (templates/azuredeploy.json + pipeline.json) holds the own-storage variant; the
 * URL variant is derived from it by the edits below, each of which must find what it edits (a
 * template out of step with this file is an error, not a silent no-op).
 */
#include <stdio.h>
#include <string.h>

#include "gen_pipeline_int.h"

static cJSON *named(cJSON *array, const char *key, const char *value)
{
    cJSON *it;
    cJSON_ArrayForEach(it, array)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, key));
        if (v && strcmp(v, value) == 0) return it;
    }
    return NULL;
}

/* Removes the element of array whose member key equals value; -1 (after a message) if none. */
static int drop_named(cJSON *array, const char *key, const char *value, const char *where)
{
    cJSON *it = named(array, key, value);
    if (!it) {
        fprintf(stderr, GP_PROG ": template: %s has no %s \"%s\"\n", where, key, value);
        return -1;
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(array, it));
    return 0;
}

/* Removes the string element of array that contains needle; -1 (after a message) if none. */
static int drop_string(cJSON *array, const char *needle, const char *where)
{
    cJSON *it;
    cJSON_ArrayForEach(it, array)
    {
        const char *v = cJSON_GetStringValue(it);
        if (v && strstr(v, needle)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(array, it));
            return 0;
        }
    }
    fprintf(stderr, GP_PROG ": template: %s has no entry naming %s\n", where, needle);
    return -1;
}

static cJSON *pool_resource_file(cJSON *resources)
{
    cJSON *pool = named(resources, "type", "Microsoft.Batch/batchAccounts/pools");
    cJSON *st = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(pool, "properties"), "startTask");
    cJSON *rf = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "resourceFiles"), 0);
    if (!rf || !cJSON_GetObjectItemCaseSensitive(rf, "identityReference"))
        fprintf(stderr, GP_PROG ": template: the pool's startTask has no resourceFiles entry "
                                "with an identityReference\n");
    return rf && cJSON_GetObjectItemCaseSensitive(rf, "identityReference") ? rf : NULL;
}

/* --package-url: the pool downloads parameters('packageUrl') anonymously (or by its SAS). */
static int use_url(cJSON *deploy, cJSON *pipeline)
{
    cJSON *resources = cJSON_GetObjectItemCaseSensitive(deploy, "resources");
    cJSON *acts = cJSON_GetObjectItemCaseSensitive(pipeline, "activities");
    cJSON *rf = pool_resource_file(resources);
    if (!rf) return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(rf, "identityReference");
    cJSON *url = cJSON_CreateString("[parameters('packageUrl')]");
    if (!url || !cJSON_ReplaceItemInObjectCaseSensitive(rf, "httpUrl", url)) {
        cJSON_Delete(url);
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    cJSON *bulk = named(acts, "name", "BulkExport");
    cJSON *pipe_res = named(resources, "type", "Microsoft.DataFactory/factories/pipelines");
    if (!bulk || !pipe_res) {
        fprintf(stderr, GP_PROG ": template: no BulkExport activity or pipeline resource\n");
        return -1;
    }
    return drop_named(acts, "name", "PackageExists", "pipeline.json") ||
                   drop_named(acts, "name", "CheckPackage", "pipeline.json") ||
                   drop_named(cJSON_GetObjectItemCaseSensitive(bulk, "dependsOn"), "activity",
                              "CheckPackage", "BulkExport's dependsOn") ||
                   drop_named(resources, "name", "[concat(variables('factoryName'), '/Package')]",
                              "azuredeploy.json") ||
                   drop_string(cJSON_GetObjectItemCaseSensitive(pipe_res, "dependsOn"),
                               "'Package')", "the pipeline resource's dependsOn")
               ? -1
               : 0;
}

int gp_package_source(cJSON *deploy, cJSON *pipeline, const gp_options *o)
{
    cJSON *params = cJSON_GetObjectItemCaseSensitive(deploy, "parameters");
    if (!cJSON_GetObjectItemCaseSensitive(params, "packageUrl")) {
        fprintf(stderr, GP_PROG ": template: parameters has no \"packageUrl\"\n");
        return -1;
    }
    if (o->package_url) return use_url(deploy, pipeline);
    /* Own storage: the URL parameter would be unused; the identity entry stays. */
    cJSON_DeleteItemFromObjectCaseSensitive(params, "packageUrl");
    return pool_resource_file(cJSON_GetObjectItemCaseSensitive(deploy, "resources")) ? 0 : -1;
}

const char gp_package_step_own[] =
    "The pool's start task installs `packages/fhir2cdm.tar.gz` of the storage account, read with\n"
    "the pool's managed identity; the pipeline fails with `PackageMissing` before queuing any\n"
    "task while it is absent. Upload the release tarball (built with `cpack`, see docs/azure.md)\n"
    "under that name:\n"
    "\n"
    "```sh\n"
    "az storage blob upload --auth-mode login --account-name <storage-account> \\\n"
    "  --container-name packages --name fhir2cdm.tar.gz \\\n"
    "  --file fhir2cdm-<version>-linux-x86_64.tar.gz --overwrite\n"
    "```\n"
    "\n"
    "A node installs the tarball when it starts; after uploading a new release, nodes that are\n"
    "running keep the old one until the pool scales down to 0 or they are rebooted.";

const char gp_package_step_url[] =
    "The pool's start task downloads the release tarball from the `packageUrl` parameter (the\n"
    "`--package-url` given to the generator), without credentials: it must be readable there\n"
    "(a public release, or a URL with a read SAS that outlives the pool's nodes).";
