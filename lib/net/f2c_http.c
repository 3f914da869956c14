/*
 * f2c_http: the HTTP transport -- one libcurl set-up and one retry loop for every client of the
 * library (contract in f2c_http.h).
 *
 * Why here and nowhere else: before, the Blob client, the token provider, the Bulk Data client
 * and the file downloader each configured libcurl, parsed headers and retried on their own, and
 * the copies had begun to differ; the policy itself (what is transient, how long to wait) stays
 * in f2c_retry.c, and this file is the only one that calls curl_easy_perform.
 */
#include "fhir2cdm/f2c_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "fhir2cdm/f2c_redact.h"
#include "f2c_retry.h"

#define CANCEL_SLICE_MS 50
#define HEADER_LINE_MAX 8192

struct f2c_http {
    CURL *curl;
    uint64_t rng; /* jitter state (xorshift64, never 0) */
};

struct f2c_http_headers {
    struct curl_slist *list;
    int bad; /* an append failed */
};

/* What the libcurl callbacks of one try share. */
typedef struct try_state {
    const f2c_http_request *rq;
    f2c_http_response *r;
    const void *body;
    size_t body_len, read_pos;
    int aborted, too_big;
} try_state;

f2c_status f2c_http_new(f2c_http **out, f2c_error *e)
{
    *out = NULL;
    f2c_http *h = calloc(1, sizeof *h);
    if (!h) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "curl_easy_init failed");
    }
    /* Jitter only has to decorrelate clients, not be unpredictable: time and address suffice. */
    h->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)h << 17) ^ 0x9e3779b97f4a7c15ull;
    *out = h;
    return F2C_OK;
}

void f2c_http_free(f2c_http *h)
{
    if (!h) return;
    curl_easy_cleanup(h->curl);
    free(h);
}

void f2c_http_response_free(f2c_http_response *r)
{
    if (!r) return;
    f2c_buf_free(&r->body);
    f2c_buf_free(&r->headers);
    memset(r, 0, sizeof *r);
}

int f2c_http_add_header(f2c_http_headers *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *line = n >= 0 ? malloc((size_t)n + 1) : NULL;
    struct curl_slist *t = NULL;
    if (line) {
        va_start(ap, fmt);
        vsnprintf(line, (size_t)n + 1, fmt, ap);
        va_end(ap);
        t = curl_slist_append(h->list, line);
        /* The line may hold a credential (Authorization): curl copied it, ours is wiped. */
        OPENSSL_cleanse(line, (size_t)n);
        free(line);
    }
    if (!t) {
        h->bad = 1;
        return -1;
    }
    h->list = t;
    return 0;
}

const char *f2c_http_header(const f2c_http_response *r, const char *name)
{
    const char *p = r->headers.data, *end = p ? p + r->headers.len : NULL;
    while (p && p < end) {
        const char *v = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0) return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

int f2c_http_retryable(const f2c_http_response *r)
{
    if (r->outcome == F2C_HTTP_TRANSPORT) return f2c_retry_curl((CURLcode)r->curl_code);
    return r->outcome == F2C_HTTP_RESPONSE && f2c_retry_status(r->status);
}

const char *f2c_http_strerror(int curl_code)
{
    return curl_easy_strerror((CURLcode)curl_code);
}

void f2c_http_shown_url(const char *url, char *out, size_t n)
{
    size_t l = strcspn(url, "?#");
    snprintf(out, n, "%.*s", (int)(l < 400 ? l : 400), url);
}

int f2c_http_header_line(const char *p, size_t len, char *buf, size_t n, long *status,
                         const char **name, const char **value)
{
    size_t l = len < n - 1 ? len : n - 1;
    memcpy(buf, p, l);
    buf[l] = '\0';
    while (l > 0 && (buf[l - 1] == '\r' || buf[l - 1] == '\n'))
        buf[--l] = '\0';
    if (strncmp(buf, "HTTP/", 5) == 0) {
        const char *sp = strchr(buf, ' ');
        *status = sp ? strtol(sp + 1, NULL, 10) : 0;
        return 1;
    }
    char *colon = strchr(buf, ':');
    if (!colon) return 0;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    *name = buf;
    *value = v;
    return 2;
}

/* ---- libcurl callbacks -------------------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    try_state *s = ud;
    f2c_http_response *r = s->r;
    size_t len = size * n;
    char line[HEADER_LINE_MAX];
    const char *name, *v;
    long status;
    int kind = f2c_http_header_line(p, len, line, sizeof line, &status, &name, &v);
    if (kind == 1) {
        /* A new status line (after 100 Continue, or a redirect) starts a new header set. */
        r->status = status;
        r->retry_after_ms = -1;
        f2c_buf_reset(&r->headers);
    } else if (kind == 2) {
        if (strcasecmp(name, "retry-after") == 0) r->retry_after_ms = f2c_retry_after_ms(v);
        if (f2c_buf_append(&r->headers, name, strlen(name) + 1) != 0 ||
            f2c_buf_append(&r->headers, v, strlen(v) + 1) != 0)
            return 0; /* out of memory: the try fails (CURLE_WRITE_ERROR) */
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    try_state *s = ud;
    const f2c_http_request *rq = s->rq;
    f2c_http_response *r = s->r;
    size_t len = size * n;
    if (rq->body_fn && r->status >= 200 && r->status < 300) {
        if (rq->body_fn(rq->ud, r, p, len) != 0) {
            s->aborted = 1;
            return 0;
        }
        return len;
    }
    if (rq->max_capture == 0) return len; /* not wanted: dropped */
    if (r->body.len + len > rq->max_capture) {
        s->too_big = 1;
        return 0;
    }
    return f2c_buf_append(&r->body, p, len) == 0 ? len : 0;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    try_state *s = ud;
    size_t left = s->body_len - s->read_pos;
    size_t k = size * n < left ? size * n : left;
    if (k) {
        memcpy(p, (const char *)s->body + s->read_pos, k);
        s->read_pos += k;
    }
    return k;
}

static int cancelled(const f2c_http_request *rq)
{
    return rq->cancel && *rq->cancel;
}

/* libcurl's progress callback: about once a second even while nothing arrives, so the cancel
 * flag is noticed on a stalled connection too.  Non-zero aborts (CURLE_ABORTED_BY_CALLBACK). */
static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return cancelled(ud);
}

/* Sleeps ms in 50 ms slices; returns 1 as soon as the cancel flag is set. */
static int sleep_cancellable(const f2c_http_request *rq, long ms)
{
    if (!rq->cancel) {
        f2c_retry_sleep_ms(ms);
        return 0;
    }
    while (ms > 0 && !cancelled(rq)) {
        long slice = ms < CANCEL_SLICE_MS ? ms : CANCEL_SLICE_MS;
        f2c_retry_sleep_ms(slice);
        ms -= slice;
    }
    return cancelled(rq);
}

/* ---- one try ------------------------------------------------------------------------------ */

/* The header lines of one try: fixed ones, the prepare hook's, then Authorization. */
static f2c_status build_headers(const f2c_http_request *rq, f2c_http_try *t, f2c_error *e)
{
    for (const char *const *x = rq->headers; x && *x; x++)
        f2c_http_add_header(t->headers, "%s", *x);
    if (rq->prepare) {
        f2c_status st = rq->prepare(rq->ud, t, e);
        if (st != F2C_OK) return st;
    }
    const char *token = rq->bearer_token;
    if (rq->auth) {
        /* Asked for on every try: the source answers from its cache and refreshes a token about
         * to expire, so a long run of retries never sends an expired one. */
        f2c_status st = rq->auth->get(rq->auth->ud, &token, e);
        if (st != F2C_OK) return st;
    }
    if (token && *token) f2c_http_add_header(t->headers, "Authorization: Bearer %s", token);
    if (t->headers->bad) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    return F2C_OK;
}

static void set_options(CURL *k, const f2c_http_request *rq, try_state *s, struct curl_slist *hl,
                        char *errbuf, int identity)
{
    curl_easy_reset(k); /* keeps the connection cache, drops the previous request's options */
    curl_easy_setopt(k, CURLOPT_URL, rq->url);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(k, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, rq->follow_redirects ? 1L : 0L);
    if (rq->connect_timeout_ms > 0)
        curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
    if (rq->timeout_ms > 0) curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
    if (rq->stall_timeout_s > 0) {
        curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, rq->stall_timeout_s);
    }
    if (rq->no_proxy) curl_easy_setopt(k, CURLOPT_NOPROXY, "*");
    if (rq->accept_encoding && !identity)
        curl_easy_setopt(k, CURLOPT_ACCEPT_ENCODING, rq->accept_encoding);
    curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(k, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, s);
    if (rq->cancel) {
        curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, on_xfer);
        curl_easy_setopt(k, CURLOPT_XFERINFODATA, (void *)rq);
    }
    if (strcmp(rq->method, "PUT") == 0) {
        curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(k, CURLOPT_READDATA, s);
        curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->body_len);
    } else if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(k, CURLOPT_POSTFIELDS, s->body ? s->body : "");
        curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, rq->method);
    }
}

/* Sends one try and sets r->outcome (never F2C_HTTP_CANCELLED before the try: see perform). */
static f2c_status one_try(CURL *k, const f2c_http_request *rq, int attempt, f2c_http_response *r,
                          f2c_error *e)
{
    f2c_http_headers hs = {0};
    f2c_http_try t = {
        .headers = &hs, .body = rq->body, .body_len = rq->body_len, .attempt = attempt};
    f2c_buf_reset(&r->body);
    f2c_buf_reset(&r->headers);
    r->status = 0;
    r->retry_after_ms = -1;
    r->curl_detail[0] = '\0';
    f2c_status st = build_headers(rq, &t, e);
    if (st != F2C_OK) {
        curl_slist_free_all(hs.list);
        return st;
    }
    try_state s = {.rq = rq, .r = r, .body = t.body, .body_len = t.body_len};
    char errbuf[CURL_ERROR_SIZE] = "";
    set_options(k, rq, &s, hs.list, errbuf, t.identity);
    CURLcode rc = curl_easy_perform(k);
    curl_off_t got = 0;
    if (curl_easy_getinfo(k, CURLINFO_SIZE_DOWNLOAD_T, &got) == CURLE_OK && got > 0)
        r->received += (unsigned long long)got;
    curl_slist_free_all(hs.list);
    curl_easy_setopt(k, CURLOPT_ERRORBUFFER, NULL); /* errbuf goes out of scope */
    r->curl_code = (int)rc;
    snprintf(r->curl_detail, sizeof r->curl_detail, "%s", errbuf);
    r->tries++;
    int ok2xx = rc == CURLE_OK && r->status >= 200 && r->status < 300;
    if (cancelled(rq) && !ok2xx)
        r->outcome = F2C_HTTP_CANCELLED; /* cancelled mid-transfer, or it failed anyway */
    else if (s.aborted)
        r->outcome = F2C_HTTP_ABORTED;
    else if (s.too_big)
        r->outcome = F2C_HTTP_TOO_BIG;
    else
        r->outcome = rc == CURLE_OK ? F2C_HTTP_RESPONSE : F2C_HTTP_TRANSPORT;
    return F2C_OK;
}

/* ---- the request with retries ------------------------------------------------------------- */

static f2c_status check_request(const f2c_http_request *rq, f2c_error *e)
{
    if (!rq || !rq->method || !rq->url)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "HTTP request without method or URL");
    if (rq->bearer_token && rq->auth)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "both a fixed token and a token provider given");
    /* Servers echo our Authorization header in error bodies: the redactor must know the token
     * before the first request (tokens from a source are registered by the source). */
    return f2c_redactor_add(NULL, rq->bearer_token, "the bearer token", e);
}

static f2c_status run_tries(f2c_http *h, const f2c_http_request *rq, f2c_http_response *r,
                            f2c_error *e)
{
    int max_attempts = rq->max_attempts > 0 ? rq->max_attempts : 1;
    int reauthed = 0;
    for (int attempt = 1;;) {
        if (cancelled(rq)) {
            r->outcome = F2C_HTTP_CANCELLED;
            return F2C_OK;
        }
        f2c_status st = one_try(h->curl, rq, attempt, r, e);
        if (st != F2C_OK) return st;
        r->attempts = attempt;
        if (r->outcome != F2C_HTTP_RESPONSE && r->outcome != F2C_HTTP_TRANSPORT) return F2C_OK;
        if (r->outcome == F2C_HTTP_RESPONSE && r->status == 401 && rq->auth && !reauthed) {
            /* A token revoked or expired early (RFC 6750 §3.1): once more with a fresh one. */
            rq->auth->invalidate(rq->auth->ud);
            reauthed = 1;
            continue;
        }
        int retry = rq->judge ? rq->judge(rq->ud, r) : f2c_http_retryable(r);
        if (!retry || attempt >= max_attempts) return F2C_OK;
        long wait = f2c_retry_backoff_ms(&h->rng, rq->base_delay_ms > 0 ? rq->base_delay_ms : 1,
                                         rq->max_delay_ms > 0 ? rq->max_delay_ms : 1, attempt,
                                         r->retry_after_ms);
        if (sleep_cancellable(rq, wait)) {
            r->outcome = F2C_HTTP_CANCELLED;
            return F2C_OK;
        }
        attempt++;
    }
}

f2c_status f2c_http_perform(f2c_http *h, const f2c_http_request *rq, f2c_http_response *r,
                            f2c_error *e)
{
    f2c_buf_reset(&r->body);
    f2c_buf_reset(&r->headers);
    f2c_buf body = r->body, headers = r->headers;
    memset(r, 0, sizeof *r);
    r->body = body;
    r->headers = headers;
    r->retry_after_ms = -1;
    f2c_status st = check_request(rq, e);
    if (st != F2C_OK) return st;
    f2c_http *mine = NULL;
    if (!h && (st = f2c_http_new(&mine, e)) != F2C_OK) return st;
    st = run_tries(h ? h : mine, rq, r, e);
    f2c_http_free(mine);
    return st;
}
