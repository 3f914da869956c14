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
 * Bearer tokens come from the token provider (f2c_token.h: OAuth 2.0 client credentials, managed
 * identity, SMART Backend Services); requests go through the HTTP transport (f2c_http.h).
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
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_token.h"

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
    const f2c_token_opts *token;
} f2c_blob_opts;

typedef struct f2c_blob_client f2c_blob_client;

/*
 * Creates a client.  The option strings are copied (the caller keeps ownership of *opts).
 * Returns F2C_EUSAGE when endpoint/account is missing, when not exactly one credential is given,
 * when the key is not valid base64 or the token options are incomplete (see
 * f2c_token_provider_new); F2C_ENOMEM / F2C_EIO (curl handle) otherwise.  With token auth,
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
f2c_token_provider *f2c_blob_client_token_provider(f2c_blob_client *c);

/* Number of retries (attempts beyond the first) the client has made since creation. */
unsigned long f2c_blob_retry_count(const f2c_blob_client *c);

/*
 * Retry policy (all operations): the transport's (f2c_http.h, "Retry policy"): curl timeouts,
 * connection failures and resets, HTTP 408/429/500/502/503/504, at most opts.max_attempts tries
 * in all, equal-jitter exponential backoff, Retry-After (seconds or HTTP-date) honoured up to
 * max_delay.  With token auth a 401 fetches a new token and repeats the request once.
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
 * GET then fails with F2C_EIO "aborted by callback").  The transport's f2c_http_chunk_fn.
 */
typedef f2c_http_chunk_fn f2c_blob_chunk_fn;

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
