/*
 * f2c_http_get: streamed, resumable GET of a plain file URL with an optional bearer token
 * (public contract in f2c_http.h).
 *
 * Why apart from the transport (f2c_http.c): resuming a download -- Range / If-Range on the
 * bytes already delivered, splicing a server's full 200 answer, noticing that the file changed
 * in between -- is this one request's business; the transport only offers the hooks (per-try
 * headers, the body, the retry decision) that make it possible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir2cdm/f2c_http.h"
#include "fhir2cdm/f2c_redact.h"
#include "fhir2cdm/f2c_token.h"

typedef struct get_state {
    f2c_http_chunk_fn fn;
    void *ud;
    const f2c_http_get_opts *o;
    char bad_type[128];  /* the refused Content-Type ("" when none was) */
    int encoded;         /* the first full answer had a content coding (validator: Last-Modified) */
    char validator[256]; /* ETag or Last-Modified of the first full response, for If-Range */
    uint64_t delivered;  /* bytes handed to fn over all tries */
    uint64_t skip;       /* bytes of this response to drop (a 200 to a ranged retry) */
    uint64_t from;       /* first byte asked for in this try (Range), 0 for the whole file */
    int checked;         /* the current response's first body bytes were vetted */
    int changed;         /* a resumed response is of another version or range */
} get_state;

/* Prepare hook: on a retry after delivered bytes, asks for the rest only, and only of the same
 * version of the file (If-Range makes a changed file come back whole as 200, detected below). */
static f2c_status prepare(void *ud, f2c_http_try *t, f2c_error *e)
{
    (void)e;
    get_state *s = ud;
    s->from = s->delivered;
    s->skip = 0;
    s->checked = 0;
    if (s->delivered > 0) {
        t->identity = 1; /* Range counts the bytes of the coding sent: ask for the decoded ones */
        f2c_http_add_header(t->headers, "Range: bytes=%llu-", (unsigned long long)s->delivered);
        if (s->validator[0]) f2c_http_add_header(t->headers, "If-Range: %s", s->validator);
    }
    return F2C_OK;
}

/* Non-zero when the answer's Content-Type is not one of s->o->media_types (s->bad_type set). */
static int refused_type(get_state *s, const f2c_http_response *r)
{
    const char *ct = f2c_http_header(r, "content-type");
    if (!s->o->media_types || !ct) return 0;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (const char *const *m = s->o->media_types; *m; m++)
        if (strlen(*m) == n && strncasecmp(ct, *m, n) == 0) return 0;
    snprintf(s->bad_type, sizeof s->bad_type, "%.*s", (int)(n < 100 ? n : 100), ct);
    if (!s->bad_type[0]) snprintf(s->bad_type, sizeof s->bad_type, "(empty)");
    return 1;
}

/* Vets the first body bytes of a response: non-zero when it cannot be spliced onto what was
 * delivered (s->changed set) or has a refused Content-Type (s->bad_type set). */
static int vet_response(get_state *s, const f2c_http_response *r)
{
    if (refused_type(s, r)) return 1;
    const char *ce = f2c_http_header(r, "content-encoding");
    if (r->status == 200 && s->from == 0) s->encoded = ce && *ce && strcasecmp(ce, "identity") != 0;
    /* A coded answer's ETag names that coding's bytes (RFC 9110 §8.8.3): a resumed identity
     * answer would never match it, so the version is told by Last-Modified then. */
    const char *etag = s->encoded ? NULL : f2c_http_header(r, "etag");
    const char *lm = f2c_http_header(r, "last-modified");
    const char *now = etag ? etag : lm ? lm : "";
    if (r->status == 200 && !s->validator[0])
        snprintf(s->validator, sizeof s->validator, "%s", now);
    if (s->from > 0 && r->status == 206) {
        /* "bytes <first>-<last>/<size>" (RFC 9110 §14.4) */
        const char *cr = f2c_http_header(r, "content-range");
        const char *b = cr ? strstr(cr, "bytes ") : NULL;
        if (!b || strtoull(b + 6, NULL, 10) != s->from) return s->changed = 1;
    }
    if (s->from > 0 && r->status == 200) {
        /* The whole body again: either the server ignores Range, or If-Range failed because
         * the file changed.  Only the first is safe to splice (drop what was delivered). */
        if (s->validator[0] && strcmp(now, s->validator) != 0) return s->changed = 1;
        s->skip = s->from;
    }
    return 0;
}

/* Body hook: 200 and 206 bodies are the file; other 2xx bodies are dropped. */
static int on_body(void *ud, const f2c_http_response *r, const void *data, size_t len)
{
    get_state *s = ud;
    if (r->status != 200 && r->status != 206) return 0;
    if (!s->checked) {
        s->checked = 1;
        if (vet_response(s, r)) return 1;
    }
    const char *d = data;
    if (s->skip > 0) {
        size_t k = s->skip < len ? (size_t)s->skip : len;
        s->skip -= k;
        d += k;
        len -= k;
    }
    if (len > 0) {
        if (s->fn(s->ud, d, len) != 0) return 1;
        s->delivered += len;
    }
    return 0;
}

/* Judge hook: a complete 200/206 is done; the rest follows the transport's policy. */
static int judge(void *ud, const f2c_http_response *r)
{
    (void)ud;
    if (r->outcome == F2C_HTTP_RESPONSE && (r->status == 200 || r->status == 206)) return 0;
    return f2c_http_retryable(r);
}

/* The refused Content-Type's message. */
static f2c_status type_error(const get_state *s, const char *shown, f2c_error *e)
{
    f2c_buf list = {0};
    for (const char *const *m = s->o->media_types; *m; m++)
        f2c_buf_printf(&list, "%s%s", list.len ? ", " : "", *m);
    f2c_status st =
        f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: Content-Type \"%s\" is not one of %s",
                      shown, s->bad_type, list.data ? list.data : "");
    f2c_buf_free(&list);
    return st;
}

/* The message of an HTTP error status, with the body's words when a describe hook gave some. */
static f2c_status status_error(const f2c_http_response *r, const get_state *s, const char *shown,
                               f2c_error *e)
{
    f2c_buf text = {0};
    if (s->o->describe && r->outcome == F2C_HTTP_RESPONSE && r->body.len)
        s->o->describe(r->body.data, r->body.len, &text);
    int n = r->attempts;
    f2c_status st = f2c_error_set(
        e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: HTTP %ld (after %d tr%s)%s%s", shown, r->status, n,
        n == 1 ? "y" : "ies", text.len ? ": " : "", text.len ? text.data : "");
    f2c_buf_free(&text);
    return st;
}

/* The message for the request's outcome (F2C_OK for a complete 200/206). */
static f2c_status outcome_error(const f2c_http_response *r, const get_state *s, const char *shown,
                                f2c_error *e)
{
    int n = r->attempts;
    if (r->outcome == F2C_HTTP_TOO_BIG && (r->status < 200 || r->status >= 300) && r->status)
        return status_error(r, s, shown, e); /* an error body larger than we read */
    switch (r->outcome) {
    case F2C_HTTP_CANCELLED:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: cancelled", shown);
    case F2C_HTTP_ABORTED:
        if (s->bad_type[0]) return type_error(s, shown, e);
        if (s->changed)
            return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                                 "GET %s: the file changed while it was being read", shown);
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: aborted by callback", shown);
    case F2C_HTTP_TRANSPORT:
    case F2C_HTTP_TOO_BIG:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "GET %s: %s (after %d tr%s)", shown,
                             r->curl_detail[0] ? r->curl_detail : f2c_http_strerror(r->curl_code),
                             n, n == 1 ? "y" : "ies");
    case F2C_HTTP_RESPONSE:
        break;
    }
    if (r->status == 200 || r->status == 206) return F2C_OK;
    return status_error(r, s, shown, e);
}

f2c_status f2c_http_get(const char *url, const f2c_http_get_opts *o, f2c_http_chunk_fn fn, void *ud,
                        uint64_t *total, int *http_status, f2c_error *e)
{
    f2c_http_get_opts d = {0};
    if (!o) o = &d;
    char shown[512];
    f2c_http_shown_url(url ? url : "", shown, sizeof shown);
    if (total) *total = 0;
    if (http_status) *http_status = 0;
    if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "GET %s: not an http(s) URL", shown);
    if (o->bearer_token && o->token_provider)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "GET %s: both a fixed token and a token provider given", shown);
    get_state s = {.fn = fn, .ud = ud, .o = o};
    f2c_http_auth auth = o->token_provider ? f2c_token_auth(o->token_provider) : (f2c_http_auth){0};
    f2c_http_request rq = {.method = "GET",
                           .url = url,
                           .headers = o->headers,
                           .bearer_token = o->bearer_token,
                           .auth = o->token_provider ? &auth : NULL,
                           .connect_timeout_ms =
                               o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000,
                           .stall_timeout_s = o->stall_timeout_s > 0 ? o->stall_timeout_s : 60,
                           .max_attempts = o->max_attempts > 0 ? o->max_attempts : 6,
                           .base_delay_ms = o->base_delay_ms > 0 ? o->base_delay_ms : 500,
                           .max_delay_ms = o->max_delay_ms > 0 ? o->max_delay_ms : 30000,
                           .cancel = o->cancel,
                           .accept_encoding = o->compressed ? "" : NULL,
                           /* error bodies are not data: read only for the describe hook's words */
                           .max_capture = o->describe ? 64u << 10 : 0,
                           .ud = &s,
                           .prepare = prepare,
                           .body_fn = on_body,
                           .judge = judge};
    f2c_http_response r = {0};
    f2c_status st = f2c_http_perform(NULL, &rq, &r, e);
    if (http_status) *http_status = (int)r.status;
    if (o->received) *o->received = r.received;
    if (st == F2C_OK) st = outcome_error(&r, &s, shown, e);
    f2c_http_response_free(&r);
    if (st == F2C_OK && total) *total = s.delivered;
    if (st != F2C_OK) f2c_redact_error(NULL, e);
    return st;
}
