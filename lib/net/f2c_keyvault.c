/*
 * f2c_keyvault: one Key Vault "Get Secret" with a managed-identity token (contract in
 * f2c_keyvault.h).
 *
 * Why so small: the only Key Vault operation fhir2cdm needs is reading the FHIR client secret
 * on a Batch node.  The transport is f2c_http_get (its retry policy, no redirects, so the token
 * never reaches another host) and the token comes from f2c_token's managed-identity provider
 * with Key Vault's audience; the answer is parsed with cJSON.  The secret is registered with
 * the process-wide redactor before it is handed out.
 */
#include "fhir2cdm/f2c_keyvault.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_redact.h"
#include "fhir2cdm/f2c_token.h"

#define KV_AUDIENCE "https://vault.azure.net"
#define KV_API_VERSION "7.4"
#define KV_MAX_BODY (256u * 1024u) /* a SecretBundle: a secret is at most 25 KB */

static int valid_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > 127) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* https://, or http:// to a loopback host (test servers only). */
static int valid_uri(const char *u)
{
    if (!u) return 0;
    if (strncmp(u, "https://", 8) == 0) return u[8] != '\0' && u[8] != '/';
    return strncmp(u, "http://127.0.0.1", 16) == 0 || strncmp(u, "http://localhost", 16) == 0;
}

static int collect(void *ud, const void *data, size_t len)
{
    f2c_buf *b = ud;
    if (b->len + len > KV_MAX_BODY) return 1;
    return f2c_buf_append(b, data, len) != 0;
}

/* *value from a SecretBundle body; F2C_EIO when it is not one. */
static f2c_status parse_bundle(const f2c_buf *body, const char *where, char **value, f2c_error *e)
{
    cJSON *doc = cJSON_ParseWithLength(body->data ? body->data : "", body->len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "value");
    f2c_status st = F2C_OK;
    if (!cJSON_IsString(v) || !v->valuestring)
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                           "Key Vault %s: the answer is not a secret (no string \"value\")", where);
    else if (!(*value = strdup(v->valuestring)))
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    cJSON_Delete(doc);
    return st;
}

f2c_status f2c_keyvault_secret(const f2c_keyvault_opts *o, char **value, f2c_error *e)
{
    *value = NULL;
    if (!valid_uri(o->vault_uri) || !valid_name(o->secret_name))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "Key Vault: need an https vault URI and a secret name of 1-127 "
                             "letters, digits and '-'");
    size_t ulen = strlen(o->vault_uri);
    const char *sep = o->vault_uri[ulen - 1] == '/' ? "" : "/";
    f2c_buf url = {0}, where = {0}, body = {0};
    f2c_token_provider *prov = NULL;
    f2c_token_opts to = {.kind = F2C_TOKEN_MANAGED_IDENTITY,
                         .client_id = o->mi_client_id && *o->mi_client_id ? o->mi_client_id : NULL,
                         .imds_endpoint = o->imds_endpoint,
                         .timeout_ms = o->timeout_ms,
                         .resource = KV_AUDIENCE};
    f2c_status st = F2C_ENOMEM;
    if (f2c_buf_printf(&where, "%s%ssecrets/%s", o->vault_uri, sep, o->secret_name) != 0 ||
        f2c_buf_printf(&url, "%s?api-version=" KV_API_VERSION, where.data) != 0) {
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    if ((st = f2c_token_provider_new(&to, &prov, e)) != F2C_OK) goto done;
    f2c_http_get_opts ho = {.token_provider = prov, .max_attempts = 4};
    st = f2c_http_get(url.data, &ho, collect, &body, NULL, NULL, e);
    if (st == F2C_OK) st = parse_bundle(&body, where.data, value, e);
    if (st == F2C_OK &&
        (st = f2c_redactor_add(f2c_redactor_global(), *value, "Key Vault secret", e)) != F2C_OK) {
        free(*value);
        *value = NULL;
    }
done:
    if (body.data) memset(body.data, 0, body.len); /* the bundle holds the secret */
    f2c_buf_free(&body);
    f2c_buf_free(&url);
    f2c_buf_free(&where);
    f2c_token_provider_free(prov);
    return st;
}
