/*
 * f2c_bulk_caps: which resource types a FHIR server serves, from its CapabilityStatement (public
 * contract in f2c_bulk.h, f2c_bulk_server_types).
 *
 * Why: a Bulk Data server refuses a whole kick-off whose _type names one type it does not have
 * (the SMART reference server: HTTP 400 'The requested resource type "Location" is not available
 * on this server'), so the export's default _type -- every type the configuration reads -- must
 * first be cut to the types the server lists.  Apart from f2c_bulk.c because it is a plain GET
 * of a JSON document (f2c_http_get), not part of the asynchronous request pattern.
 *
 * Specifications: FHIR R4 RESTful API, "capabilities" interaction (http.html#capabilities: GET
 * [base]/metadata returns a CapabilityStatement); CapabilityStatement.rest (mode "server": what
 * the server offers), rest.resource.type (a resource type it supports).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_http.h"

/* A CapabilityStatement is small; a server that sends more is not answering the question. */
#define MAX_CAPS (16u << 20)

static int collect(void *ud, const void *data, size_t len)
{
    f2c_buf *b = ud;
    if (b->len + len > MAX_CAPS) return 1;
    return f2c_buf_append(b, data, len) != 0;
}

/* Non-zero when a rest.resource entry says it cannot be exported: the Bulk Data IG's extension
 * "operation-not-supported" (StructureDefinition-operation-not-supported, v2.0.0: on
 * CapabilityStatement.rest.resource, "the parent resource type ... is not supported for use in a
 * bulk data export operation"). */
static int not_exportable(const cJSON *res)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "extension"))
    {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(x, "url");
        const char *tail = "/StructureDefinition/operation-not-supported";
        size_t n = cJSON_IsString(url) ? strlen(url->valuestring) : 0, t = strlen(tail);
        if (n >= t && strcmp(url->valuestring + n - t, tail) == 0 &&
            strstr(url->valuestring, "bulkdata"))
            return 1;
    }
    return 0;
}

/* Appends rest[].resource[].type of the server's rest entries to *types; -1 out of memory. */
static int add_types(const cJSON *cs, char ***types, size_t *n)
{
    const cJSON *rest = cJSON_GetObjectItemCaseSensitive(cs, "rest"), *r, *res;
    cJSON_ArrayForEach(r, rest)
    {
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");
        if (cJSON_IsString(mode) && strcmp(mode->valuestring, "server") != 0) continue;
        cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(r, "resource"))
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(res, "type");
            if (!cJSON_IsString(t) || !*t->valuestring || not_exportable(res)) continue;
            char **grown = realloc(*types, (*n + 1) * sizeof *grown);
            if (!grown) return -1;
            *types = grown;
            if (!(grown[*n] = strdup(t->valuestring))) return -1;
            (*n)++;
        }
    }
    return 0;
}

/* [base]/metadata, without a doubled '/'. */
static int metadata_url(const char *base, f2c_buf *url)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return f2c_buf_printf(url, "%.*s/metadata", (int)n, base);
}

f2c_status f2c_bulk_capability_types(const char *json, size_t len, char ***types, size_t *ntypes,
                                     f2c_error *e)
{
    *types = NULL;
    *ntypes = 0;
    cJSON *cs = cJSON_ParseWithLength(json ? json : "", len);
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(cs, "resourceType");
    f2c_status st = F2C_OK;
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "CapabilityStatement") != 0)
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "not a CapabilityStatement");
    else if (add_types(cs, types, ntypes) != 0)
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    else if (*ntypes == 0)
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                           "the CapabilityStatement lists no resource type (rest.resource)");
    cJSON_Delete(cs);
    if (st != F2C_OK) {
        f2c_bulk_types_free(*types, *ntypes);
        *types = NULL;
        *ntypes = 0;
    }
    return st;
}

f2c_status f2c_bulk_server_types(const f2c_bulk_opts *o, char ***types, size_t *ntypes,
                                 f2c_error *e)
{
    *types = NULL;
    *ntypes = 0;
    f2c_buf url = {0}, body = {0};
    if (metadata_url(o->fhir_url, &url) != 0)
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    const char *accept[] = {"Accept: application/fhir+json", NULL};
    f2c_http_get_opts ho = {.bearer_token = o->bearer_token,
                            .token_provider = o->token_provider,
                            .headers = accept,
                            .max_attempts = o->max_attempts > 0 ? o->max_attempts : 3,
                            .cancel = o->cancel,
                            .compressed = 1,
                            .describe = f2c_bulk_error_text};
    f2c_status st = f2c_http_get(url.data, &ho, collect, &body, NULL, NULL, e);
    if (st == F2C_OK &&
        (st = f2c_bulk_capability_types(body.data, body.len, types, ntypes, e)) != F2C_OK) {
        char shown[512], why[sizeof e->message];
        f2c_http_shown_url(url.data, shown, sizeof shown);
        snprintf(why, sizeof why, "%s", e->message);
        f2c_error_set(e, st, NULL, 0, 0, NULL, "GET %s: %s", shown, why);
    }
    f2c_buf_free(&url);
    f2c_buf_free(&body);
    return st;
}

void f2c_bulk_types_free(char **types, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(types[i]);
    free(types);
}
