/*
 * f2c_bulk: a FHIR Bulk Data Access ($export) client over libcurl: kick-off, status polling,
 * the completion manifest, and cancellation.  Downloading the files the manifest lists is
 * f2c_http_get's job (f2c_http.h); turning them into a CDM folder is the transformer's.
 *
 * Why its own module: the protocol's state machine (202 + Content-Location, 202 + Retry-After +
 * X-Progress, 200 + manifest, 4xx/5xx + OperationOutcome, DELETE) is independent of what the
 * caller does with the files, and the manifest parser deserves tests of its own.
 *
 * Specification: HL7 FHIR Bulk Data Access IG v2.0.0 (STU 2, hl7.org/fhir/uv/bulkdata/),
 * page "Export" (export.html), sections cited as [BD "<section>"]:
 *   "Bulk Data Kick-off Request" (endpoints: [base]/$export, [base]/Patient/$export,
 *   [base]/Group/[id]/$export; headers Accept: application/fhir+json and Prefer: respond-async;
 *   GET with query parameters or POST with a FHIR Parameters resource), "Query Parameters"
 *   (_outputFormat, _since, _type, _typeFilter), "Response - Success" (202 Accepted with
 *   Content-Location: the status URL), "Response - Error" (4xx/5xx with an OperationOutcome),
 *   "Bulk Data Delete Request" (DELETE on the status URL; 202 Accepted),
 *   "Bulk Data Status Request", "Response - In-Progress Status" (202 Accepted, optional
 *   X-Progress, Retry-After; clients should follow Retry-After and 429 Too Many Requests),
 *   "Response - Error Status" (4xx/5xx with an OperationOutcome: the job failed; a transient
 *   polling failure is marked with an issue code "transient"), "Response - Complete Status"
 *   (200 OK, JSON manifest: transactionTime, request, requiresAccessToken, output[] {type, url,
 *   count}, error[] {type: OperationOutcome, url}, deleted[] {type: Bundle, url}; "the client
 *   should delete the job once it has retrieved the files"), "File Request" (Authorization:
 *   Bearer when requiresAccessToken).
 * Retry-After: RFC 9110 §10.2.3 (delay-seconds or HTTP-date).  Auth: a fixed bearer token or an
 * f2c_token_provider (OAuth client credentials with a secret, SMART Backend Services
 * private_key_jwt, managed identity; f2c_token.h).  Requests go through the HTTP transport
 * (f2c_http.h: no redirects, timeouts, retries, 401 refresh, cancellation).
 *
 * Errors: every fallible function returns an f2c_status and fills the caller's f2c_error.
 * F2C_EUSAGE: bad options (nothing was sent).  F2C_ENOMEM.  F2C_EIO: transport failure after
 * retries, an HTTP error (message "<what> <url without query>: HTTP <status>: <OperationOutcome
 * issue text>"), a malformed response, a token failure, or an interruption through the cancel
 * flag (message "... interrupted").  URLs in messages never carry their query string; tokens
 * never appear in messages: o->bearer_token is registered with the process-wide redactor
 * (f2c_redact.h) before the first request (F2C_ENOMEM if that fails), and every message with
 * server text is redacted through it, or the text withheld ("(server response not shown: it could
 * contain ...)") while a secret shorter than 8 characters is in play.
 *
 * Threading: no global state besides libcurl's (f2c_blob_global_init first).  The functions
 * use the options' token provider, which is one-thread-at-a-time: do not call them while other
 * threads use the same provider.
 */
#ifndef FHIR2CDM_F2C_BULK_H
#define FHIR2CDM_F2C_BULK_H

#include <signal.h>
#include <stddef.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_token.h"

typedef enum f2c_bulk_level {
    F2C_BULK_SYSTEM = 0, /* [base]/$export */
    F2C_BULK_PATIENT,    /* [base]/Patient/$export */
    F2C_BULK_GROUP       /* [base]/Group/[group_id]/$export */
} f2c_bulk_level;

/* Called before each wait between status requests while the job runs ([BD "Response -
 * In-Progress Status"]): x_progress is the X-Progress header ("" when absent), next_poll_ms the
 * wait before the next status request.  Runs on the calling thread. */
typedef void (*f2c_bulk_progress_fn)(void *ud, const char *x_progress, long next_poll_ms);

typedef struct f2c_bulk_opts {
    const char *fhir_url; /* required: FHIR base URL (http or https), trailing '/' allowed */
    f2c_bulk_level level;
    const char *group_id; /* F2C_BULK_GROUP: a FHIR id ([A-Za-z0-9.-]{1,64}) */
    /* [BD "Query Parameters"]; each optional. */
    const char *const *types; /* _type: resource type names, sent comma-separated */
    size_t ntypes;
    const char *const *type_filters; /* _typeFilter: each sent as its own parameter */
    size_t ntype_filters;
    const char *since;         /* _since: a FHIR instant */
    const char *output_format; /* _outputFormat, e.g. "application/fhir+ndjson" */
    int post; /* kick off with POST and a Parameters body instead of GET with a query */
    /* Auth for kick-off, status and delete: a fixed token, a provider, or neither (not both).
     * A 401 with a provider invalidates its token and is retried once. */
    const char *bearer_token;
    f2c_token_provider *token_provider;
    /* Retries of transient failures (curl timeouts/resets, 408/429/500/502/503/504 whose body is
     * not a non-transient OperationOutcome; the transport's policy, f2c_http.h, consecutive
     * failures). */
    int max_attempts;        /* 0 selects 6 */
    long base_delay_ms;      /* 0 selects 500 */
    long max_delay_ms;       /* cap on a retry backoff and its Retry-After; 0 selects 30000 */
    long connect_timeout_ms; /* 0 selects 10000 */
    long timeout_ms;         /* one whole request, including the manifest body; 0: 300000 */
    /* Polling ([BD "Response - In-Progress Status"]): the wait is Retry-After when the 202 has
     * one, capped at max_poll_wait_ms (0 selects 120000), at least 50 ms; without Retry-After it
     * starts at 1 s and grows by half per poll up to the cap. */
    long max_poll_wait_ms;
    /* Set by the caller's SIGINT/SIGTERM handler: waits stop within ~100 ms and transfers are
     * aborted; the function then fails with F2C_EIO "... interrupted".  NULL: never. */
    volatile sig_atomic_t *cancel;
    f2c_bulk_progress_fn progress; /* may be NULL */
    void *progress_ud;
    /* f2c_bulk_wait: when not NULL, receives (reset first) the body of the 200 complete-status
     * answer exactly as the server sent it, also when it is not a valid manifest, for callers
     * that keep the manifest verbatim (the Batch bulk-export stores it as a blob). */
    f2c_buf *manifest_body;
} f2c_bulk_opts;

/* One manifest entry ([BD "Response - Complete Status"]).  Strings are owned by the manifest. */
typedef struct f2c_bulk_file {
    char *type;      /* resource type ("OperationOutcome" in error[]) */
    char *url;       /* absolute http(s) URL */
    long long count; /* output[].count, -1 when absent */
} f2c_bulk_file;

typedef struct f2c_bulk_manifest {
    char *transaction_time; /* as sent (a FHIR instant) */
    char *request;          /* the kick-off URL the server records; "" when absent */
    int requires_access_token;
    f2c_bulk_file *output; /* noutput entries (may be 0) */
    size_t noutput;
    f2c_bulk_file *error; /* nerror entries; an absent error[] is read as empty */
    size_t nerror;
    /* deleted[] (type "Bundle"), filled only by f2c_bulk_manifest_read_deleted: 0 and NULL after
     * f2c_bulk_manifest_parse, which ignores the member. */
    f2c_bulk_file *deleted;
    size_t ndeleted;
} f2c_bulk_manifest;

/*
 * Builds the kick-off request of o ([BD "Bulk Data Kick-off Request", "Query Parameters"]):
 * *url (new string, free()) is the endpoint with, for GET, the query (values percent-encoded;
 * _type comma-separated; one _typeFilter per filter); for POST (o->post), *body (new string) is
 * the Parameters resource (valueString for _outputFormat/_type/_typeFilter, valueInstant for
 * _since) and the URL has no query.  body may be NULL for GET.  Errors: F2C_EUSAGE (no or
 * non-http(s) fhir_url, bad group id, an empty type or filter), F2C_ENOMEM.
 */
f2c_status f2c_bulk_kickoff_request(const f2c_bulk_opts *o, char **url, char **body, f2c_error *e);

/*
 * Sends the kick-off request and returns in *status_url (new string, free()) the absolute status
 * URL from Content-Location of the 202 Accepted answer (a relative one is resolved against the
 * request URL).  Errors (F2C_EIO): a 4xx/5xx answer ("kick-off <url>: HTTP <status>: <issue
 * text>" from the OperationOutcome's issue[].diagnostics / details.text, after retries for
 * transient ones), another 2xx/3xx than 202, a 202 without Content-Location, transport failure
 * after retries, token failure, interruption; F2C_EUSAGE as f2c_bulk_kickoff_request.
 */
f2c_status f2c_bulk_kickoff(const f2c_bulk_opts *o, char **status_url, f2c_error *e);

/*
 * Polls status_url until the job completes ([BD "Bulk Data Status Request"]) and parses the
 * manifest into *m (overwritten; free it with f2c_bulk_manifest_free, also after a failure).
 * 202: calls o->progress, waits (see max_poll_wait_ms), polls again.  200: the manifest
 * (f2c_bulk_manifest_parse).  Errors (F2C_EIO): a 4xx/5xx answer: the job failed ("export job
 * <url>: HTTP <status>: <issue text>"; 429 and 5xx without a non-transient OperationOutcome are
 * retried first), another status, a malformed manifest, transport failure after retries, token
 * failure, interruption.
 */
f2c_status f2c_bulk_wait(const f2c_bulk_opts *o, const char *status_url, f2c_bulk_manifest *m,
                         f2c_error *e);

/*
 * DELETEs status_url ([BD "Bulk Data Delete Request"]): cancels a running job or lets the server
 * remove a finished job's files.  2xx and 404 (already gone) are success.  Not interrupted by
 * o->cancel (it is what an interruption sends); at most 30 s per try and one retry (after at
 * most 2 s) for transient failures.  Errors:
 * F2C_EIO (HTTP status / transport), token failure.
 */
f2c_status f2c_bulk_delete(const f2c_bulk_opts *o, const char *status_url, f2c_error *e);

/*
 * Parses a complete-status manifest [BD "Response - Complete Status"].  Required:
 * transactionTime (string, a FHIR instant), requiresAccessToken (boolean), output (array of
 * objects with string type (a resource type name) and string url (absolute http(s)), optional
 * number count >= 0).  Optional: request (string), error (array of {type, url} as output).
 * Unknown members (extension, ...) and deleted (f2c_bulk_manifest_read_deleted reads it) are
 * ignored.  Errors: F2C_EJSON (not JSON), F2C_EIO with a message naming the member, e.g.
 * "manifest: output[2].url: expected an absolute http(s) URL"; F2C_ENOMEM.  *m is zeroed first
 * and left zeroed on failure.
 */
f2c_status f2c_bulk_manifest_parse(const char *text, size_t len, f2c_bulk_manifest *m,
                                   f2c_error *e);

/*
 * Reads the `deleted` array of the complete-status manifest text into m->deleted / m->ndeleted
 * (replacing what they held) -- [BD "Response - Complete Status"]: "deleted: array of deleted file
 * items following the same structure as the output array", each file NDJSON of transaction
 * Bundles of DELETE entries (read them with f2c_deleted_read, f2c_deleted.h).  Each item: type
 * the string "Bundle", url an absolute http(s) URL, optional count as in output[].  An absent
 * member or [] gives none.  m is a manifest f2c_bulk_manifest_parse filled from the same text.
 *
 * Why apart from f2c_bulk_manifest_parse: only a client that applies deletions needs the member,
 * and one that does not (an append-only CDM folder) must keep accepting every manifest it
 * accepted before, a malformed `deleted` too.
 *
 * Errors (m->deleted then NULL and m->ndeleted 0): F2C_EJSON (not JSON), F2C_EIO with a message
 * naming the member ("manifest: deleted: expected an array", "manifest: deleted[1].type:
 * expected \"Bundle\"", "manifest: deleted[0].url: expected an absolute http(s) URL"),
 * F2C_ENOMEM.
 */
f2c_status f2c_bulk_manifest_read_deleted(const char *text, size_t len, f2c_bulk_manifest *m,
                                          f2c_error *e);

/* Frees what *m owns and zeroes it (NULL and zeroed manifests allowed). */
void f2c_bulk_manifest_free(f2c_bulk_manifest *m);

/* One OperationOutcome issue: severity, code ("" when absent) and text (diagnostics, else
 * details.text, else details.coding[0].display/code, else ""). */
typedef void (*f2c_bulk_issue_fn)(void *ud, const char *severity, const char *code,
                                  const char *text);

/*
 * Calls fn for each issue of the OperationOutcome in json[0..len) (an NDJSON line of an error[]
 * file, or an error response body).  Returns the number of issues, or -1 when the text is not a
 * JSON object with resourceType "OperationOutcome" (fn is then not called).  fn may be NULL.
 * The texts are the server's, unredacted: pass them through f2c_redact_server_text before
 * showing them.
 */
long f2c_bulk_outcome_issues(const char *json, size_t len, f2c_bulk_issue_fn fn, void *ud);

/*
 * The resource types the server at o->fhir_url serves (FHIR R4 RESTful API, "capabilities":
 * GET [base]/metadata): CapabilityStatement.rest.resource.type of every rest entry whose mode is
 * "server" (or absent), in the document's order (a type listed twice is returned twice).  Uses
 * o's token (fixed or provider), retries (o->max_attempts, else 3) and cancel flag; asks for a
 * compressed answer.  *types: *ntypes new strings (free with f2c_bulk_types_free).  Errors:
 * F2C_EIO (the GET failed: f2c_http_get's message with the server's OperationOutcome; the body
 * is not a CapabilityStatement, or lists no type), F2C_EUSAGE (not an http(s) URL), F2C_ENOMEM.
 */
f2c_status f2c_bulk_server_types(const f2c_bulk_opts *o, char ***types, size_t *ntypes,
                                 f2c_error *e);

/*
 * The parsing half of f2c_bulk_server_types: the types a CapabilityStatement's text json[0..len)
 * lists (same rules), as *ntypes new strings.  Errors: F2C_EIO "not a CapabilityStatement" (not
 * JSON, or another resource), "the CapabilityStatement lists no resource type", F2C_ENOMEM.
 */
f2c_status f2c_bulk_capability_types(const char *json, size_t len, char ***types, size_t *ntypes,
                                     f2c_error *e);

/* Frees what f2c_bulk_server_types or f2c_bulk_capability_types returned (NULL allowed). */
void f2c_bulk_types_free(char **types, size_t n);

/*
 * The words of an error answer's body for a message, appended to out: the issues of its
 * OperationOutcome ([BD "Response - Error"]; "severity code: diagnostics", at most five, "; "
 * between them), else its first line of text; redacted through the process-wide redactor
 * (f2c_redact_server_text: withheld while a secret too short to search for is known) and cut to
 * 600 bytes.  Appends nothing for an empty body or out of memory.  Fits
 * f2c_http_get_opts.describe.
 */
void f2c_bulk_error_text(const char *body, size_t len, f2c_buf *out);

/* Non-zero when o->cancel is set. */
int f2c_bulk_cancelled(const f2c_bulk_opts *o);

#endif
