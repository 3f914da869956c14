/*
 * f2c_blob: a small Azure Blob Storage client over libcurl (Blob service REST API).
 *
 * Works against Azure Storage accounts (including ADLS Gen2 accounts, whose data is also reachable
 * through the Blob endpoint) and against the Azurite emulator.  Implemented operations: Create
 * Container, List Blobs (prefix + paging marker), Get Blob (ranged, streamed to a callback),
 * Put Blob, Put Block, Put Block List, a block writer on top of the last two, and Delete Blob.
 *
 * Specification sections cited below are from the Azure Storage REST API reference
 * (learn.microsoft.com/rest/api/storageservices/):
 *   [SK]   "Authorize with Shared Key": "Specifying the Date header", "Blob, Queue, and File
 *          services (Shared Key authorization)", "Constructing the canonicalized headers string",
 *          "Shared Key format for 2009-09-19 and later" (canonicalized resource).
 *   [SAS]  "Create a service SAS" (the token is appended to the request URL as given).
 *   [LIST] "List Blobs" (EnumerationResults XML, marker / NextMarker paging).
 *   [GET]  "Get Blob" and "Specifying the range header for Blob service operations" (x-ms-range).
 *   [PUT]  "Put Blob"; [BLK] "Put Block"; [BL] "Put Block List" (uncommitted blocks are not
 *          visible; the blob appears only when the list is committed).
 *   [DEL]  "Delete Blob" (202 Accepted; 404 BlobNotFound when there is no such blob).
 *   [ERR]  "Status and error codes" (x-ms-error-code header and the <Error><Code> body).
 *   [NAME] "Naming and referencing containers, blobs, and metadata" (account/container/blob
 *          URLs, and the path-style URL form the emulator uses).
 *   [OAUTH] "Authorize with Microsoft Entra ID" (Authorization: Bearer, x-ms-version 2017-11-09
 *          or later, HTTPS only on Azure).
 * Bearer tokens (see "Bearer-token auth" below) follow:
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
 *
 * Errors: every fallible function returns an f2c_status and fills the caller's f2c_error.
 * F2C_EUSAGE means bad arguments (e.g. an unparsable address); F2C_ENOMEM allocation failure;
 * F2C_EIO a transport failure or an HTTP error status.  For HTTP errors the message reads
 * "<operation> <container>/<blob>: HTTP <status> <ErrorCode>: <service message>" and the same
 * status and code are available from f2c_blob_last_http_status / f2c_blob_last_error_code.
 *
 * Threading: no global state besides libcurl's own; call f2c_blob_global_init once before any
 * thread uses a client.  A client is used by one thread at a time.
 */
#ifndef FHIR2CDM_F2C_BLOB_H
#define FHIR2CDM_F2C_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "fhir2cdm/f2c_error.h"

/*
 * Initialises libcurl (curl_global_init(CURL_GLOBAL_DEFAULT)).  Call once per process, before
 * creating any client and before other threads exist (libcurl requires it).  Returns F2C_EIO if
 * libcurl cannot be initialised.
 */
f2c_status f2c_blob_global_init(f2c_error *e);

/* Releases what f2c_blob_global_init acquired; call once, after every client is freed. */
void f2c_blob_global_cleanup(void);

/* ---- Addresses ([NAME]) ------------------------------------------------------------------- */

/* A parsed blob address.  All strings are heap-allocated, owned by the struct. */
typedef struct f2c_blob_addr {
    char *endpoint;  /* Blob service base URL without trailing '/', e.g.
                        "https://acct.blob.core.windows.net" or, path-style,
                        "http://127.0.0.1:10000/devstoreaccount1" */
    char *account;   /* storage account name */
    char *container; /* container (ADLS Gen2: file system) */
    char *path;      /* blob name or prefix inside the container; "" when absent */
} f2c_blob_addr;

/*
 * Parses one of:
 *   https://<account>.blob.<suffix>/<container>[/<path>]        (suffix e.g. core.windows.net)
 *   abfs[s]://<filesystem>@<account>.dfs.<suffix>[/<path>]      (mapped to the Blob endpoint
 *                                                                https://<account>.blob.<suffix>)
 *   http[s]://<host>[:port]/<account>/<container>[/<path>]      (custom / emulator endpoint,
 *                                                                path-style: any host whose first
 *                                                                label is not followed by
 *                                                                ".blob." or ".dfs.")
 * The path is taken as written (not percent-decoded); a query string or fragment is rejected.
 * On success *out owns new strings (free with f2c_blob_addr_free); on failure *out is zeroed
 * and F2C_EUSAGE or F2C_ENOMEM is returned.
 */
f2c_status f2c_blob_addr_parse(const char *address, f2c_blob_addr *out, f2c_error *e);

/* Frees the strings of *a and zeroes it; a may be NULL or already freed. */
void f2c_blob_addr_free(f2c_blob_addr *a);

/* ---- Client ------------------------------------------------------------------------------- */

/* ---- Bearer-token auth ([OAUTH], [CC], [MI], [SMART]) ---------------------------------------- */

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
typedef enum f2c_blob_token_kind {
    F2C_BLOB_TOKEN_CLIENT_SECRET = 1, /* OAuth 2.0 client credentials with a secret [CC] */
    F2C_BLOB_TOKEN_MANAGED_IDENTITY,  /* Azure Instance Metadata Service [MI] */
    F2C_BLOB_TOKEN_PRIVATE_KEY_JWT    /* client credentials with a signed JWT [SMART] */
} f2c_blob_token_kind;

/* The scope asked for by default at a non-Entra token URL (SMART v1 syntax; v2 servers accept
 * it too). */
#define F2C_SMART_DEFAULT_SCOPE "system/*.read"

typedef struct f2c_blob_token_opts {
    f2c_blob_token_kind kind;
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
    /* [SMART]: the private key, a PEM file path (or the PEM text itself when it starts with
     * "-----BEGIN"): RSA >= 2048 bits signs RS384, EC P-384 signs ES384.  Loaded when the
     * provider is created; never printed.  (Microsoft Entra's certificate credentials want an
     * "x5t" thumbprint header, which is not sent: this kind targets SMART servers.) */
    const char *private_key;
    const char *key_id; /* [SMART]: JWT header "kid", or NULL for none */
} f2c_blob_token_opts;

/* Caches one access token for one resource (Azure Storage unless f2c_blob_token_opts.resource
 * names another) and fetches a new one when it is missing or about to expire.  One thread at a
 * time, like a client. */
typedef struct f2c_blob_token_provider f2c_blob_token_provider;

/*
 * Creates a provider; option strings are copied.  F2C_EUSAGE when a required option is missing
 * ([CC]: client id, secret, tenant id or token_url; [SMART]: client id, private key, token_url or
 * tenant id), when kind is unknown, when the secret's environment variable is unset or empty
 * (the message names the variable, never a value), or when the private key is not a usable PEM
 * key (see f2c_jwt.h); F2C_EIO when the key file cannot be read; F2C_ENOMEM, also when the
 * secret cannot be registered with the redactor (f2c_redact.h).  No request is made until the
 * first f2c_blob_token_get.
 */
f2c_status f2c_blob_token_provider_new(const f2c_blob_token_opts *o, f2c_blob_token_provider **out,
                                       f2c_error *e);

/* Frees p (NULL allowed), wiping the secret and the token from memory first. */
void f2c_blob_token_provider_free(f2c_blob_token_provider *p);

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
f2c_status f2c_blob_token_get(f2c_blob_token_provider *p, const char **token, f2c_error *e);

/* Forgets the cached token (e.g. after the service answered 401), so the next get fetches. */
void f2c_blob_token_invalidate(f2c_blob_token_provider *p);

/* Number of token responses received with a token since creation (for tests and logs). */
unsigned long f2c_blob_token_fetch_count(const f2c_blob_token_provider *p);

typedef struct f2c_blob_opts {
    const char *endpoint;       /* required; see f2c_blob_addr.endpoint */
    const char *account;        /* required; account name used in the Shared Key signature */
    const char *shared_key_b64; /* account key (base64) for Shared Key auth [SK], or NULL */
    const char *sas;            /* SAS token ("sv=...&sig=...", leading '?' allowed) [SAS], or
                                   NULL.  Exactly one of shared_key_b64 / sas must be set. */
    int max_attempts;           /* total tries per request, >= 1; 0 selects 6 */
    long base_delay_ms;         /* first backoff delay; 0 selects 500 */
    long max_delay_ms;          /* cap on one backoff delay, also on Retry-After; 0: 30000 */
    long connect_timeout_ms;    /* 0 selects 10000 */
    long stall_timeout_s;       /* abort a transfer slower than 1 byte/s for this long; 0: 60 */
    /* Bearer-token auth [OAUTH], or NULL: the client creates its own token provider from these
     * options and sends "Authorization: Bearer <token>" on every request.  Exactly one of
     * shared_key_b64 / sas / token must be set.  Azure accepts bearer tokens only over HTTPS. */
    const f2c_blob_token_opts *token;
} f2c_blob_opts;

typedef struct f2c_blob_client f2c_blob_client;

/*
 * Creates a client.  The option strings are copied (the caller keeps ownership of *opts).
 * Returns F2C_EUSAGE when endpoint/account is missing, when not exactly one credential is given,
 * when the key is not valid base64 or the token options are incomplete (see
 * f2c_blob_token_provider_new); F2C_ENOMEM / F2C_EIO (curl handle) otherwise.  With token auth,
 * a failure to obtain a token fails the operation that needed it with the provider's error.
 * The account key, the SAS token and its sig are registered with the process-wide redactor
 * (f2c_redact.h; F2C_ENOMEM if that fails) and every error message of the client, with the
 * service's <Message>, is redacted through it.
 */
f2c_status f2c_blob_client_new(const f2c_blob_opts *opts, f2c_blob_client **out, f2c_error *e);

/* Frees the client (NULL allowed); wipes the decoded key from memory first. */
void f2c_blob_client_free(f2c_blob_client *c);

/* HTTP status of the last response received (0 if none, e.g. connection failure). */
int f2c_blob_last_http_status(const f2c_blob_client *c);

/* The service's error code of the last failed response ([ERR], e.g. "BlobNotFound"); "" if none. */
const char *f2c_blob_last_error_code(const f2c_blob_client *c);

/* The client's token provider (token auth), or NULL. */
f2c_blob_token_provider *f2c_blob_client_token_provider(f2c_blob_client *c);

/* Number of retries (attempts beyond the first) the client has made since creation. */
unsigned long f2c_blob_retry_count(const f2c_blob_client *c);

/*
 * Retry policy (all operations): a request is retried on curl timeouts, connection failures and
 * resets, and on HTTP 408/429/500/502/503/504, at most opts.max_attempts tries in all.  The
 * delay before try n+1 is a random value in [d/2, d] with d = min(max_delay, base * 2^(n-1))
 * ("equal jitter"), unless the response carried Retry-After (seconds or HTTP-date), which is
 * honoured (capped at max_delay).
 */

/* ---- Operations --------------------------------------------------------------------------- */

/*
 * Create Container.  *created (may be NULL) is set to 1 when created, 0 when it already existed
 * (409 ContainerAlreadyExists is not an error).  Errors: F2C_EIO (HTTP/transport).
 */
f2c_status f2c_blob_create_container(f2c_blob_client *c, const char *container, int *created,
                                     f2c_error *e);

/*
 * Put Blob [PUT]: uploads len bytes from data as a whole BlockBlob in one request (for small
 * files such as model.json; the service limit is 5000 MiB, keep it to a few MiB).  content_type
 * may be NULL ("application/octet-stream").  data is only read.  Errors: F2C_EIO.
 */
f2c_status f2c_blob_put(f2c_blob_client *c, const char *container, const char *blob,
                        const void *data, size_t len, const char *content_type, f2c_error *e);

/*
 * Delete Blob [DEL]: deletes container/blob (no x-ms-delete-snapshots: a blob with snapshots is
 * refused by the service, 409).  A missing blob (404 BlobNotFound, also when a retried request
 * finds its own earlier delete done) is not an error: *deleted (may be NULL) is set to 1 when
 * this call deleted it, else 0.  Errors: F2C_EIO (HTTP/transport).
 */
f2c_status f2c_blob_delete(f2c_blob_client *c, const char *container, const char *blob,
                           int *deleted, f2c_error *e);

/*
 * Put Block [BLK]: stages len bytes under block_id (base64 text, all ids of one blob the same
 * length; see f2c_blob_block_id).  The block is not visible until Put Block List commits it.
 */
f2c_status f2c_blob_put_block(f2c_blob_client *c, const char *container, const char *blob,
                              const char *block_id, const void *data, size_t len, f2c_error *e);

/*
 * Put Block List [BL]: commits the n staged blocks ids[0..n-1] (as <Latest>) in that order; the
 * blob becomes visible atomically with exactly that content.  content_type (may be NULL: the
 * service default) becomes the blob's Content-Type via x-ms-blob-content-type.  ids are only read.
 */
f2c_status f2c_blob_put_block_list(f2c_blob_client *c, const char *container, const char *blob,
                                   const char *const *ids, size_t n, const char *content_type,
                                   f2c_error *e);

/* Writes the block id for block number index into buf (>= 17 bytes): base64 of "%012zu". */
void f2c_blob_block_id(size_t index, char buf[17]);

/*
 * Receives consecutive chunks of a blob body, in order, each at most a few tens of KiB (curl's
 * buffer); data is valid only during the call.  Return 0 to continue, non-zero to abort (the
 * GET then fails with F2C_EIO "aborted by callback").
 */
typedef int (*f2c_blob_chunk_fn)(void *ud, const void *data, size_t len);

/*
 * Get Blob [GET], streamed: delivers bytes [offset, offset+length) (length 0: to the end) to fn,
 * never holding the whole body in memory.  If a try fails after some bytes were delivered, the
 * retry asks only for the remaining range, with If-Match on the ETag of the first response so a
 * blob replaced in between fails (412) instead of mixing two versions.  *total (may be NULL)
 * receives the blob's full size.  Errors: F2C_EIO (HTTP 404 BlobNotFound, 416, transport).
 */
f2c_status f2c_blob_get(f2c_blob_client *c, const char *container, const char *blob,
                        uint64_t offset, uint64_t length, f2c_blob_chunk_fn fn, void *ud,
                        uint64_t *total, f2c_error *e);

typedef struct f2c_blob_item {
    char *name;    /* blob name (owned) */
    uint64_t size; /* Content-Length property */
} f2c_blob_item;

typedef struct f2c_blob_list {
    f2c_blob_item *items;
    size_t count;
    char *next_marker; /* NextMarker of this page, NULL when it was the last page (owned) */
} f2c_blob_list;

/*
 * List Blobs [LIST]: one page of committed blobs of container whose names start with prefix
 * (NULL or "" for all), starting at marker (NULL for the first page), at most max_results
 * (0: service default, 5000).  *out is overwritten (call f2c_blob_list_free on it afterwards,
 * also after a failure).  Errors: F2C_EIO (HTTP, transport, malformed XML).
 */
f2c_status f2c_blob_list_page(f2c_blob_client *c, const char *container, const char *prefix,
                              const char *marker, unsigned max_results, f2c_blob_list *out,
                              f2c_error *e);

/*
 * Parses one List Blobs answer [LIST] (the EnumerationResults XML, xml[0..len), expat) into *out
 * (overwritten; call f2c_blob_list_free afterwards, also after a failure): every Blob's Name and
 * Properties/Content-Length, and NextMarker.  container only names the listing in messages.  What
 * f2c_blob_list_page does with the service's answer; public so the parser can be fuzzed alone.
 * Errors: F2C_EIO (malformed XML, a Blob without a Name or with two, two NextMarkers, more than
 * INT_MAX bytes), F2C_ENOMEM.
 */
f2c_status f2c_blob_list_parse(const char *xml, size_t len, const char *container,
                               f2c_blob_list *out, f2c_error *e);

/* Frees a page's items and marker and zeroes it. */
void f2c_blob_list_free(f2c_blob_list *l);

/* ---- Block writer (streamed upload, visible only when complete) --------------------------- */

typedef struct f2c_blob_writer f2c_blob_writer;

/*
 * Starts an upload of container/blob in blocks of block_size bytes (0: 8 MiB; at most 4000 MiB).
 * Only one block is buffered at a time.  The client must outlive the writer.
 */
f2c_status f2c_blob_writer_open(f2c_blob_client *c, const char *container, const char *blob,
                                size_t block_size, const char *content_type, f2c_blob_writer **out,
                                f2c_error *e);

/* Appends len bytes; each full block is sent with Put Block.  After a failure the writer only
 * accepts f2c_blob_writer_abort. */
f2c_status f2c_blob_writer_write(f2c_blob_writer *w, const void *data, size_t len, f2c_error *e);

/*
 * Sends the last partial block and commits all blocks with Put Block List, then frees w (also on
 * failure).  Until this returns F2C_OK no part of the upload is visible; if it fails, nothing new
 * was committed (staged blocks are discarded by the service after a week).
 */
f2c_status f2c_blob_writer_commit(f2c_blob_writer *w, f2c_error *e);

/* Frees w without committing (NULL allowed): the blob is left as it was before. */
void f2c_blob_writer_abort(f2c_blob_writer *w);

#endif
