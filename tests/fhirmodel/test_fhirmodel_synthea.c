/*
 * test_fhirmodel_synthea: every property of every resource in real bulk-export data must be
 * known to the type model, with the right shape.
 *
 *   test_fhirmodel_synthea <folder of *.ndjson>
 *
 * Why: the expectations in cases.txt are samples; this walks ~8 MB of Synthea FHIR R4 output
 * (../shared/data/synthea-10) the way the FHIRPath engine will — descending by
 * f2c_fm_element_type from each resourceType, into backbone elements, extensions and contained
 * resources — and requires each JSON member to be a known element, an array exactly when the
 * model says it repeats, a JSON primitive of a compatible kind for primitives, and an object
 * otherwise.  Exits 77 (CTest SKIP_RETURN_CODE) when the folder is absent.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_fhirmodel.h"

#include "f2c_check.h"

#define SKIP 77

static long members;

/* The NDJSON line a member is on: failures are reported there (f2c_check.h). */
typedef struct place {
    const char *file;
    long line;
} place;

static void fail(const place *where, const char *path, const char *msg)
{
    f2c_check_fail_at(where->file, where->line, "%s: %s", path, msg);
}

/* Whether JSON item `v` can hold a primitive whose FHIRPath System type is `sys`. */
static int primitive_fits(const cJSON *v, const char *sys)
{
    if (strcmp(sys, "Boolean") == 0) return cJSON_IsBool(v);
    if (strcmp(sys, "Integer") == 0 || strcmp(sys, "Decimal") == 0) return cJSON_IsNumber(v);
    return cJSON_IsString(v);
}

static void walk(const place *where, const char *path, const char *type, const cJSON *obj);

static void walk_item(const place *where, const char *path, const char *type, const cJSON *v)
{
    if (strcmp(type, "Resource") == 0) { /* contained, Bundle.entry.resource */
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(v, "resourceType");
        if (!cJSON_IsString(rt) || !f2c_fm_is_resource(rt->valuestring))
            fail(where, path, "not a resource");
        else
            walk(where, path, rt->valuestring, v);
        return;
    }
    const char *sys = f2c_fm_primitive_system_type(type);
    if (sys) {
        if (!primitive_fits(v, sys)) fail(where, path, "JSON kind does not fit the primitive");
    } else if (!cJSON_IsObject(v)) {
        fail(where, path, "complex element is not a JSON object");
    } else {
        walk(where, path, type, v);
    }
}

static void walk(const place *where, const char *path, const char *type, const cJSON *obj)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, m->string);
        members++;
        if (f2c_fm_is_resource(type) && strcmp(m->string, "resourceType") == 0) {
            if (!cJSON_IsString(m) || strcmp(m->valuestring, type) != 0)
                fail(where, sub, "resourceType differs");
            continue;
        }
        int arr = 0;
        const char *t = f2c_fm_element_type(type, m->string, &arr);
        if (!t) {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown element of %s", type);
            fail(where, sub, msg);
            continue;
        }
        if (arr != cJSON_IsArray(m)) {
            fail(where, sub,
                 arr ? "repeating element is not an array" : "single element is an array");
            continue;
        }
        if (!arr) {
            walk_item(where, sub, t, m);
            continue;
        }
        for (const cJSON *it = m->child; it; it = it->next)
            if (!cJSON_IsNull(it)) walk_item(where, sub, t, it); /* null pads "_given" arrays */
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int main(int argc, char **argv)
{
    f2c_check_print_limit = 30;
    if (argc != 2) {
        fprintf(stderr, "usage: %s <folder of *.ndjson>\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        printf("SKIP: Synthea data not found: %s (set FHIR2CDM_SHARED_DIR to the shared folder; "
               "this test did NOT run)\n",
               argv[1]);
        return SKIP;
    }
    long resources = 0, files = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (!ends_with(de->d_name, ".ndjson")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            perror(path);
            return 2;
        }
        files++;
        char *line = NULL;
        size_t cap = 0;
        long lineno = 0;
        while (getline(&line, &cap, f) >= 0) {
            lineno++;
            if (line[0] == '\n' || line[0] == '\0') continue;
            place at = {de->d_name, lineno}, *where = &at;
            cJSON *doc = cJSON_Parse(line);
            const cJSON *rt = cJSON_GetObjectItemCaseSensitive(doc, "resourceType");
            if (!cJSON_IsString(rt) || !f2c_fm_is_resource(rt->valuestring))
                fail(where, "", "not a JSON resource");
            else
                walk(where, rt->valuestring, rt->valuestring, doc);
            cJSON_Delete(doc);
            resources++;
        }
        free(line);
        fclose(f);
    }
    closedir(dir);
    printf("%ld files, %ld resources, %ld JSON members checked\n", files, resources, members);
    f2c_check_count += (int)members; /* each member checked is one check */
    CHECK(resources > 0, "no resource found in %s", argv[1]);
    return f2c_check_report("fhirmodel_synthea");
}
