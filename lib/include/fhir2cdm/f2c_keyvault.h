/*
 * f2c_keyvault: reads one secret from Azure Key Vault with a managed identity.
 *
 * Why: with `generate-pipeline --client-id`, the FHIR client secret lives only in Key Vault
 * (never in the template, the parameters file, activity.json or a command line); the Batch
 * tasks (bulk-export, transform-data) read it with the pool's managed identity, which the
 * template makes a *Key Vault Secrets User* of that vault.  One GET, no SDK.
 *
 * Specification: Azure Key Vault REST API 7.4, "Get Secret" (GET
 * {vaultBaseUrl}/secrets/{secret-name}?api-version=7.4 without a version: the current one;
 * 200 with a SecretBundle whose "value" is the secret), authenticated with an access token for
 * the resource "https://vault.azure.net" (Key Vault authentication: managed identity through
 * IMDS, f2c_token_provider [MI]).  Secret names: 1-127 characters of [0-9A-Za-z-].
 */
#ifndef FHIR2CDM_F2C_KEYVAULT_H
#define FHIR2CDM_F2C_KEYVAULT_H

#include "fhir2cdm/f2c_error.h"

typedef struct f2c_keyvault_opts {
    /* Required: the vault URI as ARM's vaultUri gives it, "https://<name>.vault.azure.net/"
     * (trailing '/' optional); http:// only for loopback test servers (127.0.0.1, localhost). */
    const char *vault_uri;
    const char *secret_name; /* required: [0-9A-Za-z-]{1,127} */
    /* The managed identity: client id of a user-assigned identity (NULL or "": the node's
     * system-assigned one) and the IMDS base URL (NULL: the platform's 169.254.169.254). */
    const char *mi_client_id;
    const char *imds_endpoint;
    long timeout_ms; /* whole request, token included; 0 selects 30000 */
} f2c_keyvault_opts;

/*
 * Reads the current value of o->secret_name into *value (new string, free() it after wiping it
 * if you care; NULL on failure).  The value is registered with the process-wide redactor
 * (f2c_redact.h) before this returns, so no later message can show it; it is never printed.
 * Errors: F2C_EUSAGE (missing or malformed vault URI or name: nothing sent), F2C_ENOMEM,
 * F2C_EIO: the token request failed (the provider's message), the GET failed (f2c_http_get's
 * "GET <vault>secrets/<name>: HTTP <status> (after N tries)" or transport error; 401/403 mean
 * the identity lacks Key Vault Secrets User), or the answer is not a SecretBundle with a string
 * "value" ("Key Vault <vault>secrets/<name>: the answer is not a secret").  Thread-safe; uses
 * libcurl (f2c_blob_global_init first).
 */
f2c_status f2c_keyvault_secret(const f2c_keyvault_opts *o, char **value, f2c_error *e);

#endif
