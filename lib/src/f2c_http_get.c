/*
 * f2c_http_get: streamed GET of a plain file URL with an optional bearer token and f2c_blob's
 * retry policy.  Public contract in f2c_http.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_redact.h"
#include "f2c_retry.h"

typedef struct get_state {
    f2c_blob_chunk_fn fn;
    void *ud;
    long status;         /* of the current response (last status line) */
    long retry_after_ms; /* -1 when absent */
    char validator[256]; /* ETag or Last-Modified of the first full response, for If-Range */
    char etag[256], last_modified[256];
    uint64_t delivered;   /* bytes handed to fn over all tries */
    uint64_t skip;        /* bytes of this response to drop (a 200 to a ranged retry) */
    uint64_t from;        /* first byte asked for in this try (Range), 0 for the whole file */
    uint64_t range_start; /* first byte of a 206 response */
    int have_range;
    int checked; /* the current response's first body bytes were vetted */
    int aborted; /* fn returned non-zero */
    int changed; /* a resumed response is of another version or range */
} get_state;

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    get_state *s = ud;
    size_t len = size * n;
    char line[512];
    const char *v;
    const char *name;
    long status;
    int kind = f2c_http_header_line(p, len, line, sizeof line, &status, &name, &v);
    if (kind == 1) {
        /* A new status line (after 100 Continue) starts a new header set. */
        s->status = status;
        s->retry_after_ms = -1;
        s->checked = 0;
        s->etag[0] = s->last_modified[0] = '\0';
        s->have_range = 0;
        return len;
    }
    if (kind != 2) return len;
    if (strcasecmp(name, "etag") == 0)
        snprintf(s->etag, sizeof s->etag, "%s", v);
    else if (strcasecmp(name, "last-modified") == 0)
        snprintf(s->last_modified, sizeof s->last_modified, "%s", v);
    else if (strcasecmp(name, "retry-after") == 0) {
        s->retry_after_ms = f2c_retry_after_ms(v);
    } else if (strcasecmp(name, "content-range") == 0) {
        /* "bytes <first>-<last>/<size>" */
        const char *b = strstr(v, "bytes ");
        if (b) {
            s->range_start = strtoull(b + 6, NULL, 10);
            s->have_range = 1;
        }
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    get_state *s = ud;
    size_t len = size * n;
    /* Error bodies are not data; they are dropped (the status makes the message). */
    if (s->status != 200 && s->status != 206) return len;
    if (!s->checked) {
        s->checked = 1;
        if (s->from > 0 && s->status == 206 && (!s->have_range || s->range_start != s->from)) {
            s->changed = 1;
            return 0;
        }
        if (s->from > 0 && s->status == 200) {
            /* The whole body again: either the server ignores Range, or If-Range failed because
             * the file changed.  Only the first is safe to splice (drop what was delivered). */
            const char *now = s->etag[0] ? s->etag : s->last_modified;
            if (s->validator[0] && strcmp(now, s->validator) != 0) {
                s->changed = 1;
                return 0;
            }
            s->skip = s->from;
        }
    }
    const char *d = p;
    size_t m = len;
    if (s->skip > 0) {
        size_t k = s->skip < m ? (size_t)s->skip : m;
        s->skip -= k;
        d += k;
        m -= k;
    }
    if (m > 0) {
        if (s->fn(s->ud, d, m) != 0) {
            s->aborted = 1;
            return 0;
        }
        s->delivered += m;
    }
    return len;
}

/* libcurl's progress callback: about once a second even while nothing arrives, so a cancel
 * flag is noticed on a stalled connection too.  Non-zero aborts (CURLE_ABORTED_BY_CALLBACK). */
static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    volatile sig_atomic_t *cancel = ud;
    return *cancel != 0;
}

static int cancelled(const f2c_http_get_opts *o)
{
    return o->cancel && *o->cancel;
}

/* Sleeps ms in 50 ms slices; returns 1 as soon as the cancel flag is set. */
static int sleep_cancellable(const f2c_http_get_opts *o, long ms)
{
    if (!o->cancel) {
        f2c_retry_sleep_ms(ms);
        return 0;
    }
    while (ms > 0 && !cancelled(o)) {
        long slice = ms < 50 ? ms : 50;
        f2c_retry_sleep_ms(slice);
        ms -= slice;
    }
    return cancelled(o);
}

/* The URL for messages: without query or fragment, which may carry a signature. */
static void url_for_message(const char *url, char *out, size_t n)
{
    size_t l = strcspn(url, "?#");
    snprintf(out, n, "%.*s", (int)(l < 400 ? l : 400), url);
}

f2c_status f2c_http_get(const char *url, const f2c_http_get_opts *o, f2c_blob_chunk_fn fn, void *ud,
                        uint64_t *total, int *http_status, f2c_error *e)
{
    f2c_http_get_opts d = {0};
    if (!o) o = &d;
    char shown[512];
    url_for_message(url ? url : "", shown, sizeof shown);
    if (total) *total = 0;
    if (http_status) *http_status = 0;
    if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "GET %s: not an http(s) URL", shown);
    if (o->bearer_token && o->token_provider)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "GET %s: both a fixed token and a token provider given", shown);
    /* Error bodies are dropped here, but the redactor must know every token in play for the
     * other clients' messages (and this one's, redacted at the end like theirs). */
    f2c_status rst = f2c_redactor_add(NULL, o->bearer_token, "the bearer token", e);
    if (rst != F2C_OK) return rst;
    int max_attempts = o->max_attempts > 0 ? o->max_attempts : 6;
    long base = o->base_delay_ms > 0 ? o->base_delay_ms : 500;
    long max = o->max_delay_ms > 0 ? o->max_delay_ms : 30000;
    long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    long stall_s = o->stall_timeout_s > 0 ? o->stall_timeout_s : 60;

    CURL *curl = curl_easy_init();
    if (!curl) return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: no curl handle", shown);
    get_state s = {.fn = fn, .ud = ud, .retry_after_ms = -1};
    uint64_t rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s ^ 0x9e3779b97f4a7c15ull;
    f2c_status st = F2C_OK;
    int reauth_done = 0;
    char errbuf[CURL_ERROR_SIZE];
    for (int attempt = 1;; attempt++) {
        if (cancelled(o)) {
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: cancelled", shown);
            break;
        }
        f2c_buf auth = {0};
        char range[64];
        struct curl_slist *h = NULL;
        const char *token = o->bearer_token;
        if (o->token_provider && (st = f2c_blob_token_get(o->token_provider, &token, e)) != F2C_OK)
            break;
        int bad = 0;
        if (token && *token) {
            bad = f2c_buf_printf(&auth, "Authorization: Bearer %s", token) != 0;
            if (!bad) {
                struct curl_slist *t = curl_slist_append(h, auth.data);
                bad = !t;
                h = t ? t : h;
            }
        }
        for (const char *const *x = o->headers; !bad && x && *x; x++) {
            struct curl_slist *t = curl_slist_append(h, *x);
            bad = !t;
            h = t ? t : h;
        }
        if (!bad && s.delivered > 0) {
            /* Resume: only the rest, and only of the same version of the file (If-Range makes
             * a changed file come back whole as 200, which is then detected below). */
            snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)s.delivered);
            struct curl_slist *t = curl_slist_append(h, range);
            bad = !t;
            h = t ? t : h;
            if (!bad && s.validator[0]) {
                f2c_buf ir = {0};
                bad = f2c_buf_printf(&ir, "If-Range: %s", s.validator) != 0;
                if (!bad) {
                    t = curl_slist_append(h, ir.data);
                    bad = !t;
                    h = t ? t : h;
                }
                f2c_buf_free(&ir);
            }
        }
        if (bad) {
            curl_slist_free_all(h);
            if (auth.data) OPENSSL_cleanse(auth.data, auth.len);
            f2c_buf_free(&auth);
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            break;
        }
        curl_easy_reset(curl);
        errbuf[0] = '\0';
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &s);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_s);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        /* Redirects are not followed: the bearer token must not go to another host. */
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        if (o->cancel) {
            curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
            curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)o->cancel);
        }
        s.status = 0;
        s.retry_after_ms = -1;
        s.aborted = 0;
        s.have_range = 0;
        s.skip = 0;
        s.from = s.delivered;
        CURLcode rc = curl_easy_perform(curl);
        curl_slist_free_all(h);
        if (auth.data) OPENSSL_cleanse(auth.data, auth.len);
        f2c_buf_free(&auth);
        if (http_status) *http_status = (int)s.status;
        if (cancelled(o) && (rc == CURLE_ABORTED_BY_CALLBACK || s.aborted || rc != CURLE_OK ||
                             (s.status != 200 && s.status != 206))) {
            /* Cancelled mid-transfer (or the transfer failed anyway): no retry. */
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: cancelled", shown);
            break;
        }
        if (s.aborted) {
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: aborted by callback", shown);
            break;
        }
        if (s.changed) {
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                               "GET %s: the file changed while it was being read", shown);
            break;
        }
        if (s.status == 200 && !s.validator[0])
            snprintf(s.validator, sizeof s.validator, "%s", s.etag[0] ? s.etag : s.last_modified);
        if (rc == CURLE_OK && (s.status == 200 || s.status == 206)) {
            st = F2C_OK;
            break;
        }
        if (o->token_provider && s.status == 401 && !reauth_done) {
            /* A token revoked or expired early: one more try with a fresh one. */
            f2c_blob_token_invalidate(o->token_provider);
            reauth_done = 1;
            attempt--;
            continue;
        }
        int retry = rc != CURLE_OK ? f2c_retry_curl(rc) : f2c_retry_status(s.status);
        if (rc == CURLE_OK)
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: HTTP %ld (after %d tr%s)",
                               shown, s.status, attempt, attempt == 1 ? "y" : "ies");
        else
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: %s (after %d tr%s)", shown,
                               errbuf[0] ? errbuf : curl_easy_strerror(rc), attempt,
                               attempt == 1 ? "y" : "ies");
        if (!retry || attempt >= max_attempts) break;
        if (sleep_cancellable(o,
                              f2c_retry_backoff_ms(&rng, base, max, attempt, s.retry_after_ms))) {
            st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: cancelled", shown);
            break;
        }
    }
    curl_easy_cleanup(curl);
    if (st == F2C_OK && total) *total = s.delivered;
    if (st != F2C_OK) f2c_redact_error(NULL, e);
    return st;
}
