/*
 * f2c_http: the library's one HTTP transport over libcurl -- handle set-up, one request with
 * retries, response headers, 401 token refresh, cancellation -- and, on top of it, the streamed
 * resumable GET of a plain file URL (f2c_http_get).
 *
 * Why one module: the Blob client (f2c_blob), the token provider (f2c_token), the Bulk Data
 * client (f2c_bulk) and the file downloads (f2c_http_get, f2c_keyvault) must agree on what is
 * retried, how long to wait, that redirects are not followed (a bearer token must not reach
 * another host), and that a cancelled run stops within a second; written once, they cannot
 * drift apart.  What differs between them (per-try headers such as a Shared Key signature,
 * which statuses are final, what a body is) is given as hooks of f2c_http_request.
 *
 * Specifications: RFC 9110 (HTTP Semantics): §15 status codes (408, 429 [RFC 6585 §4], 500, 502,
 * 503, 504 are transient), §10.2.3 Retry-After (delay-seconds or an HTTP-date), §14.2/§13.1.5
 * Range and If-Range (resumed downloads), §11.6.2 Authorization; RFC 6750 §2.1 (bearer token
 * in "Authorization: Bearer"), §3.1 (401 invalid_token: fetch a new token).
 *
 * Connection defaults (every request): redirects are not followed (unless the request asks);
 * TLS peer and host verification are libcurl's defaults (on, system CA store); the proxy comes
 * from the environment as libcurl reads it (http_proxy, https_proxy, no_proxy), unless the
 * request says no_proxy; signals are not used for timeouts (CURLOPT_NOSIGNAL), so the transport
 * is thread-safe as long as each f2c_http handle is used by one thread at a time.  libcurl's
 * global initialisation is f2c_blob_global_init's.
 *
 * Retry policy (f2c_http_retryable, used unless a request judges itself): curl timeouts,
 * connection failures, resets and cut-off bodies, and HTTP 408/429/500/502/503/504; at most
 * max_attempts tries; the delay before try n+1 is a random value in [d/2, d] with
 * d = min(max_delay, base * 2^(n-1)) ("equal jitter"), or the response's Retry-After capped at
 * max_delay.  A 401 answered to a request made with a token provider invalidates the provider's
 * token and is tried once more at once with a new token; that try does not count against
 * max_attempts.
 *
 * Secrets: a fixed bearer token is registered with the process-wide redactor (f2c_redact.h)
 * before the first request; the Authorization line is wiped from memory after each try.  No
 * message of this module contains a URL's query string (f2c_http_shown_url).
 */
#ifndef FHIR2CDM_F2C_HTTP_H
#define FHIR2CDM_F2C_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"

/* The token provider (f2c_token.h); declared here so that f2c_http_get_opts can name it. */
typedef struct f2c_token_provider f2c_token_provider;

/* ---- The transport ------------------------------------------------------------------------ */

/*
 * A source of bearer tokens for the transport: get returns in *token (owned by the source, valid
 * until its next call) a token to send, or an error (returned as is by f2c_http_perform);
 * invalidate forgets a token the server refused (401).  f2c_token_auth (f2c_token.h) makes one
 * from a token provider.
 */
typedef struct f2c_http_auth {
    f2c_status (*get)(void *ud, const char **token, f2c_error *e);
    void (*invalidate)(void *ud);
    void *ud;
} f2c_http_auth;

/* How one request ended (f2c_http_response.outcome). */
typedef enum f2c_http_outcome {
    F2C_HTTP_RESPONSE = 0, /* a complete HTTP response: see status */
    F2C_HTTP_TRANSPORT,    /* no (complete) response after the tries: see curl_code */
    F2C_HTTP_CANCELLED,    /* the cancel flag was set (before a try, during one, or a wait) */
    F2C_HTTP_ABORTED,      /* the body hook returned non-zero */
    F2C_HTTP_TOO_BIG       /* a captured body exceeded max_capture */
} f2c_http_outcome;

/* The last response of a request.  Zero it before the first f2c_http_perform into it; free its
 * body and headers with f2c_http_response_free (it may be reused: perform resets it). */
typedef struct f2c_http_response {
    f2c_http_outcome outcome;
    long status;           /* of the last status line received; 0 when none */
    long retry_after_ms;   /* Retry-After (RFC 9110 §10.2.3) in ms from now; -1 when absent */
    int curl_code;         /* CURLcode of the last try (0 for success) */
    char curl_detail[256]; /* libcurl's error buffer of the last try ("" when none) */
    int attempts;          /* tries counted against max_attempts */
    int tries;             /* requests sent, the 401 re-try included */
    /* Body bytes received over the network in all tries (libcurl's CURLINFO_SIZE_DOWNLOAD_T):
     * with a compressed transfer (f2c_http_request.accept_encoding) the encoded bytes, fewer
     * than the decoded ones the body hooks get. */
    unsigned long long received;
    f2c_buf body;    /* the captured body (see f2c_http_request.max_capture) */
    f2c_buf headers; /* the last header set, as "name\0value\0" pairs; f2c_http_header */
} f2c_http_response;

/* Per-try header lines (opaque; f2c_http_add_header). */
typedef struct f2c_http_headers f2c_http_headers;

/* Appends one request header line, printf-style ("Name: value"; "Name:" removes a libcurl
 * default such as Expect).  Returns 0, or -1 out of memory (the request then fails F2C_ENOMEM). */
int f2c_http_add_header(f2c_http_headers *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What the prepare hook may set for one try: headers to add, and the body to send (preset from
 * the request's body; the hook may point it elsewhere, e.g. at a form with a fresh assertion,
 * which must stay valid until the next prepare or the end of the request). */
typedef struct f2c_http_try {
    f2c_http_headers *headers;
    const void *body;
    size_t body_len;
    int attempt;  /* 1 for the first try */
    int identity; /* the hook may set it: no Accept-Encoding on this try (a resumed download,
                   * whose Range counts decoded bytes, must get the identity coding) */
} f2c_http_try;

typedef struct f2c_http_request {
    const char *method;         /* "GET", "POST", "PUT", "DELETE" (any other: sent as given) */
    const char *url;            /* absolute http(s) URL, query included */
    const char *const *headers; /* fixed header lines ("Name: value"), NULL-terminated, or NULL */
    /* The body of POST (as a form or JSON: give Content-Type in headers) and PUT (uploaded; a
     * PUT without body sends Content-Length: 0).  Only read; must outlive the request. */
    const void *body;
    size_t body_len;
    /* Auth: a fixed bearer token, or a token source, or neither (not both). */
    const char *bearer_token;
    const f2c_http_auth *auth;
    /* Limits; 0 leaves libcurl's default (no total timeout, 300 s to connect, no stall limit). */
    long connect_timeout_ms;
    long timeout_ms;      /* the whole try, body included */
    long stall_timeout_s; /* abort a try slower than 1 byte/s for this long */
    int max_attempts;     /* tries in all, >= 1; 0 means 1 */
    long base_delay_ms;   /* first backoff delay (see the retry policy above) */
    long max_delay_ms;    /* cap on one delay and on Retry-After */
    int no_proxy;         /* never through a proxy (e.g. a link-local metadata service) */
    int follow_redirects; /* follow 3xx Location (never with credentials: the caller's risk) */
    /* Content codings to accept (RFC 9110 §12.5.3): NULL sends no Accept-Encoding; "" every
     * coding libcurl decodes (gzip, deflate, and br and zstd where built in).  A coded body is
     * decoded as it streams: body_fn and the captured body get the decoded bytes. */
    const char *accept_encoding;
    /* Cancel flag, or NULL: checked before each try and in 50 ms slices of each wait, and by
     * libcurl's progress callback about once a second during a try (also on an idle
     * connection); when set, the request ends with outcome F2C_HTTP_CANCELLED.  Only read. */
    volatile sig_atomic_t *cancel;
    /* Response bodies not given to body_fn are kept in the response's body up to max_capture
     * bytes (more ends the request with F2C_HTTP_TOO_BIG); 0 drops them unread. */
    size_t max_capture;
    /* Hooks, each optional; ud is passed to each. */
    void *ud;
    /* Before each try: adds per-try headers / sets the body (f2c_http_try).  Non-OK ends the
     * request with that status (the hook fills e). */
    f2c_status (*prepare)(void *ud, f2c_http_try *t, f2c_error *e);
    /* Receives the body of a 2xx response, in order, in chunks; the response's status and
     * headers are complete.  Non-zero stops the request (F2C_HTTP_ABORTED). */
    int (*body_fn)(void *ud, const f2c_http_response *r, const void *data, size_t len);
    /* After each try that ended in a response or a transport failure: non-zero to try again
     * (if tries remain).  NULL: f2c_http_retryable.  Not called for the 401 re-try. */
    int (*judge)(void *ud, const f2c_http_response *r);
} f2c_http_request;

/* One connection cache (a libcurl easy handle) for consecutive requests of one thread. */
typedef struct f2c_http f2c_http;

/* Creates a handle.  Errors: F2C_EIO "curl_easy_init failed", F2C_ENOMEM. */
f2c_status f2c_http_new(f2c_http **out, f2c_error *e);

/* Frees h (NULL allowed), closing its connections. */
void f2c_http_free(f2c_http *h);

/*
 * Performs rq with the retry policy (see above) on h (NULL: a handle for this call only) and
 * leaves the last try's response in *r (reset first; free with f2c_http_response_free, also
 * after an error).  Returns F2C_OK whenever the request ran to an outcome -- including an HTTP
 * error status, a transport failure after the tries, a cancellation, a body abort or an
 * oversized body: r->outcome says which, and the caller words the message (f2c_http_shown_url,
 * f2c_http_strerror).  Errors (r->outcome then meaningless): F2C_EUSAGE (no method or URL, both a
 * fixed token and a token source), F2C_ENOMEM (also when the fixed token cannot be registered
 * with the redactor), F2C_EIO "curl_easy_init failed", and whatever the auth source's get or the
 * prepare hook returned.
 */
f2c_status f2c_http_perform(f2c_http *h, const f2c_http_request *rq, f2c_http_response *r,
                            f2c_error *e);

/* Frees what r owns and zeroes it (NULL allowed). */
void f2c_http_response_free(f2c_http_response *r);

/* The value of response header name (case-insensitive; the first of repeated ones), from the
 * last header set of r, or NULL. */
const char *f2c_http_header(const f2c_http_response *r, const char *name);

/* The default retry decision for r: a transport failure worth another try (timeouts, connection
 * failures, resets, cut-off bodies), or HTTP 408, 429, 500, 502, 503, 504 (RFC 9110 §15.5.9,
 * RFC 6585 §4, RFC 9110 §15.6.1/.3/.4/.5). */
int f2c_http_retryable(const f2c_http_response *r);

/* libcurl's text for a curl code (r->curl_code); never NULL. */
const char *f2c_http_strerror(int curl_code);

/* url for messages: without its query and fragment (which may carry a signature), at most 400
 * bytes, into out (n bytes). */
void f2c_http_shown_url(const char *url, char *out, size_t n);

/*
 * Splits one header line p[0..len) (as libcurl's CURLOPT_HEADERFUNCTION gets it, with its CRLF)
 * into buf (n >= 1 bytes; longer lines are cut).  Returns 1 for a status line ("HTTP/1.1 503
 * ...", *status set: a new header set begins, e.g. after 100 Continue), 2 for a "name: value"
 * field (RFC 9110 §5; *name and *value point into buf, the value without leading blanks), 0 for
 * anything else (the blank line ending the set, obsolete line folding).
 */
int f2c_http_header_line(const char *p, size_t len, char *buf, size_t n, long *status,
                         const char **name, const char **value);

/* ---- Streamed GET of a file URL (FHIR Bulk Data output files, Key Vault) ------------------- */

/*
 * Receives consecutive chunks of a body, in order, each at most a few tens of KiB; data is valid
 * only during the call.  Return 0 to continue, non-zero to abort.  (f2c_blob_chunk_fn is this.)
 */
typedef int (*f2c_http_chunk_fn)(void *ud, const void *data, size_t len);

/*
 * Options of f2c_http_get.  The bearer token is for Bulk Data output files whose manifest says
 * requiresAccessToken: true (FHIR Bulk Data Access IG, "Response - Complete Status": the client
 * then sends "Authorization: Bearer <token>" with the token it used for the kick-off request).
 */
typedef struct f2c_http_get_opts {
    /* Bearer token: a fixed token (e.g. from an environment variable), or a provider, or
     * neither (no Authorization header).  Not both.  With a provider a 401 invalidates its
     * cached token and is retried once with a new one. */
    const char *bearer_token;
    f2c_token_provider *token_provider;
    /* Extra request header lines ("Name: value"), NULL-terminated, or NULL; e.g. the
     * "x-ms-version" Azure Storage requires with a bearer token. */
    const char *const *headers;
    int max_attempts;        /* total tries, >= 1; 0 selects 6 */
    long base_delay_ms;      /* first backoff delay; 0 selects 500 */
    long max_delay_ms;       /* cap on one delay and on Retry-After; 0 selects 30000 */
    long connect_timeout_ms; /* 0 selects 10000 */
    long stall_timeout_s;    /* abort a transfer slower than 1 byte/s for this long; 0: 60 */
    /* Cancel flag, or NULL (never cancelled): when *cancel becomes non-zero (e.g. set by the
     * caller's SIGINT/SIGTERM handler, or by another thread) the GET stops within about a second
     * even while the server sends nothing, and at once during a retry wait (50 ms slices) or
     * before the next try.  It then fails with F2C_EIO and the message "GET <url without
     * query>: cancelled" (bytes delivered before stay delivered).  Only read, never written. */
    volatile sig_atomic_t *cancel;
    /* Media types the body may have (Content-Type up to any ';', blanks trimmed, compared
     * case-insensitively), NULL-terminated, or NULL for any.  A 200/206 answer with another
     * Content-Type fails the GET before a byte reaches fn, without a retry: F2C_EIO "GET <url>:
     * Content-Type \"<type>\" is not one of <list>".  An answer without Content-Type is taken. */
    const char *const *media_types;
    /* Non-zero: ask for a compressed transfer (Accept-Encoding: every coding libcurl decodes,
     * RFC 9110 §12.5.3); fn gets the decoded bytes as they stream (no copy is kept) and *total
     * counts them.  A try that resumes (Range) asks for the identity coding, since Range counts
     * the bytes of the coding sent, and validates with Last-Modified, not with the ETag of the
     * other coding (RFC 9110 §8.8.3). */
    int compressed;
    /* Words an error answer's body for the message, e.g. a FHIR OperationOutcome's diagnostics
     * (f2c_bulk_error_text); the text is appended as ": <text>" and redacted with the message.
     * Bodies up to 64 KiB are read; NULL: none is. */
    void (*describe)(const char *body, size_t len, f2c_buf *out);
    /* Output, or NULL: the bytes received over the network in all tries (encoded: fewer than
     * *total with a compressed transfer; f2c_http_response.received). */
    unsigned long long *received;
} f2c_http_get_opts;

/*
 * GETs url (http or https; redirects are not followed, so a token is never sent to another
 * host) with the retry policy above and delivers the body to fn in order (non-zero aborts).
 * After a failure mid-body the retry asks for the remaining bytes only (Range, with If-Range on
 * the first response's ETag or Last-Modified, RFC 9110 §13.1.5); a server that answers 200 to it
 * resends the whole body, whose already delivered prefix is skipped, so fn sees every byte
 * exactly once and in order.  *total (may be NULL) receives the number of bytes delivered.
 * *http_status (may be NULL) receives the last HTTP status (0 when none).  Errors: F2C_EUSAGE
 * (not an http(s) URL, both token sources given), F2C_ENOMEM, F2C_EIO "GET <url without query>:
 * HTTP <status> (after N tries)" or "GET <url>: <transport error> (after N tries)", "GET <url>:
 * cancelled" (o->cancel), "GET <url>: aborted by callback", "GET <url>: the file changed while it
 * was being read", or the provider's token error.  o->bearer_token is registered with the
 * process-wide redactor first (f2c_redact.h; F2C_ENOMEM if that fails) and error messages are
 * redacted through it.
 */
f2c_status f2c_http_get(const char *url, const f2c_http_get_opts *o, f2c_http_chunk_fn fn, void *ud,
                        uint64_t *total, int *http_status, f2c_error *e);

#endif
