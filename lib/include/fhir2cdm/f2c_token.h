/*
 * f2c_token: the OAuth 2.0 / SMART Backend Services / managed-identity token provider -- it gets
 * bearer tokens for the Blob client, the Bulk Data client, file downloads and Key Vault, caches
 * them and refreshes them before they expire.
 *
 * Why its own module: the same provider serves Azure Storage (audience storage.azure.com), a
 * FHIR server (its own audience or a SMART token endpoint) and Key Vault; it is not part of any
 * one of those clients.  Its token requests go through the HTTP transport (f2c_http.h), with
 * the token endpoints' own retry rule (below, f2c_token_get).
 *
 * Specifications, cited as tags below:
 *   [RFC6749] OAuth 2.0: §4.4 client credentials grant, §2.3.1 client_id / client_secret in the
 *          form body, §5.1 successful response (access_token, expires_in), §5.2 error response
 *          (error, error_description).
 *   [RFC7523] JWT profile for OAuth 2.0 client authentication (§2.2: client_assertion_type
 *          urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion).
 *   [CC]   Microsoft identity platform, "OAuth 2.0 client credentials flow"
 *          (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-credentials-grant):
 *          "First case: Access token request with a shared secret" (POST
 *          <authority>/<tenant>/oauth2/v2.0/token, form body client_id, scope, client_secret,
 *          grant_type=client_credentials), "Successful response" (access_token, token_type,
 *          expires_in seconds), "Error response" (error, error_description, error_codes).
 *   [MI]   "How to use managed identities for Azure resources on an Azure VM to acquire an
 *          access token" (learn.microsoft.com/entra/identity/managed-identities-azure-resources/
 *          how-to-use-vm-token): "Get a token using HTTP" (GET /metadata/identity/oauth2/token
 *          ?api-version=2018-02-01&resource=<url-encoded>[&client_id=], header Metadata: true;
 *          response access_token, expires_in, expires_on as seconds since the epoch),
 *          "Token caching", "Error handling" (error, error_description; retry 429 and 5xx).
 *   [SMART] SMART App Launch 2.x, "SMART Backend Services" and "Client Authentication:
 *          Asymmetric (public key)" (hl7.org/fhir/smart-app-launch/).
 *
 * Errors: every fallible function returns an f2c_status and fills the caller's f2c_error; no
 * message ever contains the secret, an assertion or a token (see f2c_token_opts.client_secret).
 * Threading: a provider is used by one thread at a time; libcurl must be initialised first
 * (f2c_blob_global_init).
 */
#ifndef FHIR2CDM_F2C_TOKEN_H
#define FHIR2CDM_F2C_TOKEN_H

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_http.h"

/*
 * SMART Backend Services ([SMART]: SMART App Launch 2.x, "SMART Backend Services" and "Client
 * Authentication: Asymmetric (public key)", hl7.org/fhir/smart-app-launch/): OAuth 2.0 client
 * credentials where the client authenticates with a JWT signed by its private key (RFC 7523
 * "private_key_jwt"): POST <token_url> with grant_type=client_credentials, scope,
 * client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer and
 * client_assertion=<a new RS384/ES384 JWT per request: iss = sub = client_id, aud = token URL,
 * exp = now + 300 s, random jti>.  The response is read as for [CC] (access_token, expires_in).
 * The same token URL / scope options also let the client-secret kind talk to any OAuth 2.0
 * token endpoint (SMART "Client Authentication: Symmetric" uses HTTP Basic instead; this
 * provider sends client_id and client_secret in the form body, RFC 6749 §2.3.1, which most
 * servers accept as well).
 */
typedef enum f2c_token_kind {
    F2C_TOKEN_CLIENT_SECRET = 1, /* OAuth 2.0 client credentials with a secret [CC] */
    F2C_TOKEN_MANAGED_IDENTITY,  /* Azure Instance Metadata Service [MI] */
    F2C_TOKEN_PRIVATE_KEY_JWT    /* client credentials with a signed JWT [SMART] */
} f2c_token_kind;

/* The scope asked for by default at a non-Entra token URL (SMART v1 syntax; v2 servers accept
 * it too). */
#define F2C_SMART_DEFAULT_SCOPE "system/*.read"

typedef struct f2c_token_opts {
    f2c_token_kind kind;
    /* [CC]: authority base URL without tenant, e.g. "https://login.microsoftonline.com" (the
     * default when NULL) or a sovereign cloud's / a test server's; the token URL is
     * <authority>/<tenant_id>/oauth2/v2.0/token. */
    const char *authority;
    const char *tenant_id; /* [CC] required: tenant id or domain */
    const char *client_id; /* [CC] required; [MI] optional (user-assigned identity) */
    /* [CC]: the secret itself, or NULL to read it from the environment variable named by
     * client_secret_env when the provider is created.  It is sent only in the token request
     * body and never appears in an error message: the provider registers it, every access
     * token it receives and every client assertion it signs with the process-wide redactor
     * (f2c_redact.h), through which its messages go. */
    const char *client_secret;
    const char *client_secret_env;
    /* [MI]: IMDS base URL, default "http://169.254.169.254" (also e.g. a test server). */
    const char *imds_endpoint;
    /* Refresh a cached token this many seconds before it expires; 0 selects 300.  For a token
     * whose whole lifetime is shorter than twice the margin, half its lifetime is used instead
     * so that a short-lived token is still reused for a while instead of on every request. */
    long refresh_margin_s;
    long timeout_ms; /* whole token request; 0 selects 30000 */
    /* The resource (audience) the token is for, as an application ID URI, e.g. a FHIR server's
     * "https://myworkspace-fhir.fhir.azurehealthcareapis.com"; NULL or "" selects Azure Storage
     * ("https://storage.azure.com/").  [CC] asks for scope "<resource>/.default", [MI] for
     * resource=<resource>. */
    const char *resource;
    /* [CC] and [SMART]: the full token endpoint URL, used instead of <authority>/<tenant_id>/...
     * (tenant_id is then not needed), e.g. a SMART server's token_endpoint from its
     * .well-known/smart-configuration.  Required for [SMART] unless tenant_id is given. */
    const char *token_url;
    /* [CC] and [SMART]: the scope to ask for, sent as given, e.g. SMART v1's "system/" + "*.read"
     * (written apart here only because C comments cannot hold it) or v2's "system/" + "*.rs".
     * NULL or "": "<resource>/.default" when resource is set; else, with a token_url whose host
     * is not a Microsoft Entra login host (login.microsoftonline.com, login.microsoftonline.us,
     * login.chinacloudapi.cn, login.partner.microsoftonline.cn), SMART v1's "all resources,
     * read" system scope (F2C_SMART_DEFAULT_SCOPE); else Azure Storage's scope. */
    const char *scope;
    /* [SMART]: the private key, a PEM or JWK file path (or the PEM or JWK text itself when it
     * starts with "-----BEGIN" or "{"): RSA >= 2048 bits signs RS384, EC P-384 signs ES384.  Loaded
     * when the provider is created; never printed.  (Microsoft Entra's certificate credentials want
     * an "x5t" thumbprint header, which is not sent: this kind targets SMART servers.) */
    const char *private_key;
    /* [SMART]: JWT header "kid" (required by SMART Backend Services), or NULL for a JWK key's
     * own "kid"; a key with neither is refused (F2C_EUSAGE). */
    const char *key_id;
} f2c_token_opts;

/* Caches one access token for one resource (Azure Storage unless f2c_token_opts.resource
 * names another) and fetches a new one when it is missing or about to expire.  One thread at a
 * time, like a client. */
typedef struct f2c_token_provider f2c_token_provider;

/*
 * Creates a provider; option strings are copied.  F2C_EUSAGE when a required option is missing
 * ([CC]: client id, secret, tenant id or token_url; [SMART]: client id, private key, token_url or
 * tenant id), when kind is unknown, when the secret's environment variable is unset or empty
 * (the message names the variable, never a value), when the private key is not a usable PEM or
 * JWK key (see f2c_jwt.h), or when [SMART] neither key_id nor the key gives a "kid"; F2C_EIO when
 * the key file cannot be read; F2C_ENOMEM, also when the secret cannot be registered with the
 * redactor (f2c_redact.h).  No request is made until the first f2c_token_get.
 */
f2c_status f2c_token_provider_new(const f2c_token_opts *o, f2c_token_provider **out, f2c_error *e);

/* Frees p (NULL allowed), wiping the secret and the token from memory first. */
void f2c_token_provider_free(f2c_token_provider *p);

/*
 * Returns in *token (owned by p, valid until the next call on p) a token valid for at least the
 * refresh margin, from the cache or from a new request.  The request is tried up to 3 times on
 * transport errors, 429 and 5xx (IMDS also answers 404 while its identity is being set up, also
 * retried) [MI "Error handling"].  Errors: F2C_EIO "token request to <url>: HTTP <status>
 * <error>: <error_description>" (the service's error code in the message), or transport error;
 * F2C_EIO also for a 2xx response without access_token or expiry.  The cached token is kept
 * after a failure only if it has not expired.  [SMART]: every request carries a newly signed
 * assertion (fresh jti and exp); a signing failure is F2C_EIO and is not retried.
 */
f2c_status f2c_token_get(f2c_token_provider *p, const char **token, f2c_error *e);

/* Forgets the cached token (e.g. after the service answered 401), so the next get fetches. */
void f2c_token_invalidate(f2c_token_provider *p);

/* Number of token responses received with a token since creation (for tests and logs). */
unsigned long f2c_token_fetch_count(const f2c_token_provider *p);

/* The provider as the transport's token source (f2c_http_request.auth): get is f2c_token_get,
 * invalidate f2c_token_invalidate.  p must outlive the requests made with it. */
f2c_http_auth f2c_token_auth(f2c_token_provider *p);

#endif
