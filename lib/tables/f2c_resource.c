/*
 * f2c_resource: see f2c_resource.h -- the one place a resource's id and RowId identity are
 * formed.  Why so small: it is the rule that must not drift between callers, not an algorithm.
 */
#include "fhir2cdm/f2c_resource.h"

#include <assert.h>
#include <stdio.h>

int f2c_resource_key_of(f2c_resource_key *k, const cJSON *resource, const char *resource_type,
                        const char *where, long line)
{
    assert(k && resource && resource_type && where);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(resource, "id");
    k->id = cJSON_IsString(id) && id->valuestring[0] ? id->valuestring : NULL;
    if (k->id)
        snprintf(k->identity, sizeof k->identity, "%s/%s", resource_type, k->id);
    else
        snprintf(k->identity, sizeof k->identity, "%s:%ld", where, line);
    return k->id != NULL;
}
