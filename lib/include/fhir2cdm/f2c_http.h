/*
 * f2c_http: streamed HTTP(S) GET of a plain file URL with an optional bearer token, for Bulk Data
 * `$export` output files whose manifest says `requiresAccessToken: true` (FHIR Bulk Data Access
 * IG, "Response - Complete Status": the client then sends "Authorization: Bearer <token>" with
 * the token it used for the kick-off request).
 *
 * Why a separate module: f2c_blob speaks the Blob REST API (account/container/blob, x-ms-*
 * headers, Shared Key); an export file URL is any server's URL.  The bearer tokens come from
 * the same sources as f2c_blob's (a fixed token, or an f2c_blob_token_provider, whose cache and
 * refresh are reused as they are), and the retry policy is f2c_blob's (see f2c_blob.h, "Retry
 * policy"): curl timeouts / connection failures / resets and HTTP 408/429/500/502/503/504, at
 * most max_attempts tries, equal-jitter exponential backoff, Retry-After (seconds or HTTP-date)
 * honoured up to max_delay.  A 401 invalidates a provider's cached token and is retried once
 * with a new one.  After a failure mid-body the retry asks for the remaining bytes only (Range,
 * with If-Range on the first response's ETag or Last-Modified); a server that answers 200 to it
 * resends the whole body, whose already delivered prefix is skipped, so the callback sees every
 * byte exactly once and in order.
 *
 * Secrets: the token is sent only in the Authorization header and never appears in an error
 * message; error messages name the URL without its query string (which may carry a signature).
 */
#ifndef FHIR2CDM_F2C_HTTP_H
#define FHIR2CDM_F2C_HTTP_H

#include <signal.h>
#include <stdint.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_error.h"

typedef struct f2c_http_get_opts {
    /* Bearer token: a fixed token (e.g. from an environment variable), or a provider, or
     * neither (no Authorization header).  Not both. */
    const char *bearer_token;
    f2c_blob_token_provider *token_provider;
    /* Extra request header lines ("Name: value"), NULL-terminated, or NULL; e.g. the
     * "x-ms-version" Azure Storage requires with a bearer token [OAUTH]. */
    const char *const *headers;
    int max_attempts;        /* total tries, >= 1; 0 selects 6 */
    long base_delay_ms;      /* first backoff delay; 0 selects 500 */
    long max_delay_ms;       /* cap on one delay and on Retry-After; 0 selects 30000 */
    long connect_timeout_ms; /* 0 selects 10000 */
    long stall_timeout_s;    /* abort a transfer slower than 1 byte/s for this long; 0: 60 */
    /* Cancel flag, or NULL (never cancelled): when *cancel becomes non-zero (e.g. set by the
     * caller's SIGINT/SIGTERM handler, or by another thread) the GET stops within about a second
     * even while the server sends nothing -- libcurl's progress callback, which checks the
     * flag, runs about once a second also on an idle connection -- and at once during a retry
     * wait (slept in 50 ms slices) or before the next try.  It then fails with F2C_EIO and the
     * message "GET <url without query>: cancelled" (bytes delivered before stay delivered).
     * Only read, never written. */
    volatile sig_atomic_t *cancel;
} f2c_http_get_opts;

/*
 * GETs url (http or https; redirects are not followed, so a token is never sent to another
 * host) and delivers the body to fn in order (f2c_blob_chunk_fn: non-zero aborts).  *total (may
 * be NULL) receives the number of bytes delivered.  *http_status (may be NULL) receives the
 * last HTTP status (0 when none).  Errors: F2C_EUSAGE (not an http(s) URL, both token sources
 * given), F2C_ENOMEM, F2C_EIO "GET <url without query>: HTTP <status> (after N tries)" or the
 * transport error, F2C_EIO "GET <url without query>: cancelled" (o->cancel was set; see there),
 * or the provider's token error.  o->bearer_token is registered with the process-wide redactor
 * first (f2c_redact.h; F2C_ENOMEM if that fails) and error messages are redacted through it.
 */
f2c_status f2c_http_get(const char *url, const f2c_http_get_opts *o, f2c_blob_chunk_fn fn, void *ud,
                        uint64_t *total, int *http_status, f2c_error *e);

#endif
