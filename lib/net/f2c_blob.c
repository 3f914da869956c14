/*
 * f2c_blob: Azure Blob service REST client.  Public contract in f2c_blob.h; the section tags
 * ([SK], [LIST], ...) refer to the list there.  What is the Blob service's is here (URLs,
 * x-ms-* headers, the Shared Key signature, error codes, List Blobs XML, block uploads); sending,
 * retrying and token refresh are the HTTP transport's (f2c_http.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <expat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_redact.h"

/* The REST API version sent in x-ms-version.  2021-08-06 is supported by Azure and by Azurite
 * 3.35; from 2015-02-21 on, a zero Content-Length is signed as the empty string [SK]. */
#define F2C_BLOB_API_VERSION "2021-08-06"

/* Error bodies and List Blobs pages are buffered; a page of 5000 entries is about 2 MiB. */
#define F2C_BLOB_MAX_CAPTURE (64u << 20)

struct f2c_blob_client {
    f2c_http *http;      /* the transport handle: one connection cache per client */
    char *endpoint;      /* no trailing '/' */
    const char *ep_path; /* points into endpoint: its path part ("" or "/account") */
    char *account;
    unsigned char *key; /* decoded Shared Key, or NULL */
    size_t key_len;
    char *sas;               /* without leading '?', or NULL */
    f2c_token_provider *tok; /* bearer-token auth [OAUTH], or NULL */
    int max_attempts;
    long base_delay_ms, max_delay_ms, connect_timeout_ms, stall_timeout_s;
    int last_status;
    char last_code[128];
    unsigned long retries;
};

f2c_status f2c_blob_global_init(f2c_error *e)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "curl_global_init: %s",
                             curl_easy_strerror(rc));
    return F2C_OK;
}

void f2c_blob_global_cleanup(void)
{
    curl_global_cleanup();
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *r = malloc(n);
    if (r) memcpy(r, s, n);
    return r;
}

/* ---- base64 / HMAC ([SK]: Signature = Base64(HMAC-SHA256(key, UTF8(StringToSign)))) ------- */

/* Decodes standard base64; returns a heap buffer and its length, or NULL if invalid. */
static unsigned char *b64_decode(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    if (n == 0 || n % 4 != 0) return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out) return NULL;
    int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (r < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the '=' padding as zero bytes; drop them. */
    size_t len = (size_t)r;
    if (s[n - 1] == '=') len--;
    if (s[n - 2] == '=') len--;
    *out_len = len;
    return out;
}

/* base64 of n bytes into out (size >= 4*ceil(n/3)+1). */
static void b64_encode(const void *p, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* ---- percent-encoding --------------------------------------------------------------------- */

/* Appends s percent-encoded (RFC 3986 unreserved kept; '/' kept when keep_slash). */
static int append_encoded(f2c_buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
            (keep_slash && ch == '/')) {
            if (f2c_buf_appendc(b, (char)ch) != 0) return -1;
        } else {
            char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            if (f2c_buf_append(b, t, 3) != 0) return -1;
        }
    }
    return 0;
}

/* ---- client ------------------------------------------------------------------------------- */

f2c_status f2c_blob_client_new(const f2c_blob_opts *o, f2c_blob_client **out, f2c_error *e)
{
    *out = NULL;
    if (!o || !o->endpoint || !*o->endpoint || !o->account || !*o->account)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "blob client needs an endpoint and an account name");
    if ((o->shared_key_b64 != NULL) + (o->sas != NULL) + (o->token != NULL) != 1)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "blob client needs exactly one of a Shared Key, a SAS token and "
                             "token auth");
    /* The service may echo request headers (our Authorization: SharedKey signature is keyed,
     * but a SAS travels in the URL): the redactor learns both before any request. */
    f2c_status rst = f2c_redactor_add(NULL, o->shared_key_b64, "the storage account key", e);
    if (rst == F2C_OK) rst = f2c_redactor_add(NULL, o->sas, "the SAS token", e);
    if (rst == F2C_OK && o->sas && strstr(o->sas, "sig=")) {
        /* The signature alone, as it appears in a URL a service echoes. */
        const char *sig = strstr(o->sas, "sig=") + 4;
        char *v = strndup(sig, strcspn(sig, "&#"));
        rst = v ? f2c_redactor_add(NULL, v, "the SAS token", e)
                : f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        free(v);
    }
    if (rst != F2C_OK) return rst;
    f2c_blob_client *c = calloc(1, sizeof *c);
    if (!c) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    c->endpoint = xstrdup(o->endpoint);
    c->account = xstrdup(o->account);
    if (o->sas) c->sas = xstrdup(o->sas[0] == '?' ? o->sas + 1 : o->sas);
    if (!c->endpoint || !c->account || (o->sas && !c->sas)) {
        f2c_blob_client_free(c);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    size_t n = strlen(c->endpoint);
    while (n > 0 && c->endpoint[n - 1] == '/')
        c->endpoint[--n] = '\0';
    const char *host = strstr(c->endpoint, "://");
    host = host ? host + 3 : c->endpoint;
    const char *slash = strchr(host, '/');
    c->ep_path = slash ? slash : c->endpoint + n;
    if (o->shared_key_b64) {
        c->key = b64_decode(o->shared_key_b64, &c->key_len);
        if (!c->key) {
            f2c_blob_client_free(c);
            return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                 "the storage account key is not valid base64");
        }
    }
    if (o->token) {
        f2c_status ts = f2c_token_provider_new(o->token, &c->tok, e);
        if (ts != F2C_OK) {
            f2c_blob_client_free(c);
            return ts;
        }
    }
    c->max_attempts = o->max_attempts > 0 ? o->max_attempts : 6;
    c->base_delay_ms = o->base_delay_ms > 0 ? o->base_delay_ms : 500;
    c->max_delay_ms = o->max_delay_ms > 0 ? o->max_delay_ms : 30000;
    c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    c->stall_timeout_s = o->stall_timeout_s > 0 ? o->stall_timeout_s : 60;
    f2c_status hst = f2c_http_new(&c->http, e);
    if (hst != F2C_OK) {
        f2c_blob_client_free(c);
        return hst;
    }
    *out = c;
    return F2C_OK;
}

void f2c_blob_client_free(f2c_blob_client *c)
{
    if (!c) return;
    f2c_http_free(c->http);
    if (c->key) {
        OPENSSL_cleanse(c->key, c->key_len);
        free(c->key);
    }
    free(c->endpoint);
    free(c->account);
    free(c->sas);
    f2c_token_provider_free(c->tok);
    free(c);
}

int f2c_blob_last_http_status(const f2c_blob_client *c)
{
    return c->last_status;
}
const char *f2c_blob_last_error_code(const f2c_blob_client *c)
{
    return c->last_code;
}
f2c_token_provider *f2c_blob_client_token_provider(f2c_blob_client *c)
{
    return c->tok;
}
unsigned long f2c_blob_retry_count(const f2c_blob_client *c)
{
    return c->retries;
}

/* ---- one request, with retries ------------------------------------------------------------ */

typedef struct qparam {
    const char *name, *value; /* unencoded; given in lexicographic order of name */
} qparam;

typedef struct request {
    const char *op; /* for messages, e.g. "Put Block" */
    const char *verb;
    const char *container, *blob; /* blob may be NULL (container-level operation) */
    qparam q[6];
    size_t nq;
    const void *body;
    size_t body_len;
    const char *content_type;
    const char *blob_type;         /* x-ms-blob-type */
    const char *blob_content_type; /* x-ms-blob-content-type (Put Block List) */
    /* streamed GET */
    f2c_blob_chunk_fn sink;
    void *ud;
    uint64_t range_start, range_len; /* range_len 0: to end; both 0 and !ranged: no header */
    int ranged;
} request;

/* Date for x-ms-date in RFC 1123 form [SK "Specifying the Date header"]; built by hand so the
 * process locale cannot change the day and month names. */
static void http_date(char out[40])
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Builds the Shared Key signature [SK "Blob, Queue, and File services (Shared Key
 * authorization)"]: StringToSign = VERB \n Content-Encoding \n Content-Language \n
 * Content-Length \n Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
 * If-None-Match \n If-Unmodified-Since \n Range \n CanonicalizedHeaders CanonicalizedResource.
 * We send no Date (x-ms-date instead), no Range (x-ms-range instead), so those lines are empty.
 * CanonicalizedHeaders [SK "Constructing the canonicalized headers string"]: the x-ms-* headers,
 * lowercase, sorted by name, "name:value\n" each; `xms` is given already in that form.
 * CanonicalizedResource [SK "Shared Key format for 2009-09-19 and later"]: "/" account, the
 * encoded URI path, then "\nname:value" per query parameter, names lowercase and sorted, values
 * unencoded.
 */
static int sign(f2c_blob_client *c, const request *rq, const char *path, const char *xms,
                const char *if_match, char *auth, size_t auth_size)
{
    f2c_buf s = {0};
    char clen[32] = "";
    if (rq->body_len > 0) snprintf(clen, sizeof clen, "%zu", rq->body_len);
    int bad = f2c_buf_printf(&s, "%s\n\n\n%s\n\n%s\n\n\n%s\n\n\n\n%s/%s%s", rq->verb, clen,
                             rq->content_type ? rq->content_type : "", if_match ? if_match : "",
                             xms, c->account, path);
    for (size_t i = 0; i < rq->nq && !bad; i++)
        bad = f2c_buf_printf(&s, "\n%s:%s", rq->q[i].name, rq->q[i].value);
    if (bad) {
        f2c_buf_free(&s);
        return -1;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *ok =
        HMAC(EVP_sha256(), c->key, (int)c->key_len, (unsigned char *)s.data, s.len, mac, &mac_len);
    f2c_buf_free(&s);
    if (!ok) return -1;
    char sig[64];
    b64_encode(mac, mac_len, sig);
    snprintf(auth, auth_size, "Authorization: SharedKey %s:%s", c->account, sig);
    return 0;
}

/* Minimal extraction of <Error><Code>/<Message> [ERR] from a captured body, for messages. */
typedef struct err_parse {
    int depth, in;
    f2c_buf code, msg;
} err_parse;

static void XMLCALL err_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    err_parse *p = ud;
    p->depth++;
    p->in = p->depth == 2 ? (strcmp(name, "Code") == 0      ? 1
                             : strcmp(name, "Message") == 0 ? 2
                                                            : 0)
                          : 0;
}
static void XMLCALL err_end(void *ud, const XML_Char *name)
{
    (void)name;
    err_parse *p = ud;
    p->depth--;
    p->in = 0;
}
static void XMLCALL err_text(void *ud, const XML_Char *s, int len)
{
    err_parse *p = ud;
    if (p->in == 1)
        f2c_buf_append(&p->code, s, (size_t)len);
    else if (p->in == 2 && p->msg.len < 65536) /* redacted before it is cut to size */
        f2c_buf_append(&p->msg, s, (size_t)len);
}

static f2c_status http_error(f2c_blob_client *c, const request *rq, const f2c_http_response *r,
                             int attempts, f2c_error *e)
{
    err_parse p = {0};
    if (r->body.len > 0) {
        XML_Parser x = XML_ParserCreate(NULL);
        if (x) {
            XML_SetUserData(x, &p);
            XML_SetElementHandler(x, err_start, err_end);
            XML_SetCharacterDataHandler(x, err_text);
            XML_Parse(x, r->body.data, (int)r->body.len, 1);
            XML_ParserFree(x);
        }
    }
    const char *code = f2c_http_header(r, "x-ms-error-code");
    if ((!code || !*code) && p.code.len) code = p.code.data;
    snprintf(c->last_code, sizeof c->last_code, "%s", code ? code : "");
    /* The service message spans lines (RequestId, Time); keep the first.  It may echo what we
     * sent (f2c_redact.h): redacted whole, or withheld, and only then cut to 300 bytes. */
    size_t ml = p.msg.data ? strcspn(p.msg.data, "\n") : 0;
    f2c_buf msg = {0};
    if (ml && f2c_redact_server_text(NULL, p.msg.data, ml, &msg) != 0) f2c_buf_reset(&msg);
    if (msg.len > 300) {
        msg.len = 300;
        msg.data[300] = '\0';
    }
    f2c_status st = f2c_error_set(
        e, F2C_EIO, NULL, 0, 0, NULL, "%s %s%s%s: HTTP %ld %s%s%s (after %d attempt%s)", rq->op,
        rq->container, rq->blob ? "/" : "", rq->blob ? rq->blob : "", r->status,
        c->last_code[0] ? c->last_code : "(no error code)", msg.len ? ": " : "",
        msg.data ? msg.data : "", attempts, attempts == 1 ? "" : "s");
    f2c_buf_free(&p.code);
    f2c_buf_free(&p.msg);
    f2c_buf_free(&msg);
    f2c_redact_error(NULL, e);
    return st;
}

/* The state of one perform: the request, and what its tries have delivered so far. */
typedef struct blob_call {
    f2c_blob_client *c;
    const request *rq;
    const char *path; /* the encoded URI path, for the signature */
    char etag[128];   /* of the first 2xx response of a streamed GET, for If-Match */
    uint64_t delivered;
} blob_call;

/* x-ms-range of this try ("" for none) [GET]: a streamed GET resumes after what it delivered. */
static void try_range(const blob_call *k, char *range, size_t n)
{
    const request *rq = k->rq;
    range[0] = '\0';
    if (!rq->sink || (!rq->ranged && k->delivered == 0)) return;
    uint64_t from = rq->range_start + k->delivered;
    if (rq->range_len)
        snprintf(range, n, "bytes=%llu-%llu", (unsigned long long)from,
                 (unsigned long long)(rq->range_start + rq->range_len - 1));
    else
        snprintf(range, n, "bytes=%llu-", (unsigned long long)from);
}

/* Prepare hook: the headers of one try (a new x-ms-date, range and signature each time). */
static f2c_status prepare(void *ud, f2c_http_try *t, f2c_error *e)
{
    blob_call *k = ud;
    const request *rq = k->rq;
    char date[40], range[96], xms[512], auth[256];
    http_date(date);
    try_range(k, range, sizeof range);
    /* x-ms-* headers in sorted order, as they must appear in CanonicalizedHeaders. */
    snprintf(xms, sizeof xms, "%s%s%s%s%s%sx-ms-date:%s\n%s%s%sx-ms-version:%s\n",
             rq->blob_content_type ? "x-ms-blob-content-type:" : "",
             rq->blob_content_type ? rq->blob_content_type : "", rq->blob_content_type ? "\n" : "",
             rq->blob_type ? "x-ms-blob-type:" : "", rq->blob_type ? rq->blob_type : "",
             rq->blob_type ? "\n" : "", date, range[0] ? "x-ms-range:" : "", range,
             range[0] ? "\n" : "", F2C_BLOB_API_VERSION);
    const char *if_match = k->delivered > 0 && k->etag[0] ? k->etag : NULL;
    f2c_http_headers *h = t->headers;
    f2c_http_add_header(h, "x-ms-date: %s", date);
    f2c_http_add_header(h, "x-ms-version: %s", F2C_BLOB_API_VERSION);
    if (rq->blob_content_type)
        f2c_http_add_header(h, "x-ms-blob-content-type: %s", rq->blob_content_type);
    if (rq->blob_type) f2c_http_add_header(h, "x-ms-blob-type: %s", rq->blob_type);
    if (range[0]) f2c_http_add_header(h, "x-ms-range: %s", range);
    if (if_match) f2c_http_add_header(h, "If-Match: %s", if_match);
    if (rq->content_type) f2c_http_add_header(h, "Content-Type: %s", rq->content_type);
    f2c_http_add_header(h, "Expect:"); /* no 100-continue round trip; errors come anyway */
    if (k->c->key) {
        if (sign(k->c, rq, k->path, xms, if_match, auth, sizeof auth) != 0)
            return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        f2c_http_add_header(h, "%s", auth);
    }
    return F2C_OK;
}

/* Body hook of a streamed GET: straight through to the caller's sink, never accumulated. */
static int on_sink(void *ud, const f2c_http_response *r, const void *data, size_t len)
{
    (void)r;
    blob_call *k = ud;
    if (k->rq->sink(k->rq->ud, data, len) != 0) return 1;
    k->delivered += len;
    return 0;
}

/* Judge hook: the transport's policy; a clean end of a short 2xx body (e.g. a proxy that closed
 * after a Content-Length it made up) is a truncated transfer, retried too. */
static int judge(void *ud, const f2c_http_response *r)
{
    blob_call *k = ud;
    int ok = r->outcome == F2C_HTTP_RESPONSE && r->status >= 200 && r->status < 300;
    if (k->rq->sink && r->status >= 200 && r->status < 300 && !k->etag[0]) {
        /* Remember what the first response was, for If-Match. */
        const char *etag = f2c_http_header(r, "etag");
        snprintf(k->etag, sizeof k->etag, "%s", etag ? etag : "");
    }
    if (!ok) return f2c_http_retryable(r);
    return k->rq->sink && k->rq->range_len && k->delivered < k->rq->range_len;
}

/* The blob's full size from the last response: Content-Range's "/<size>", else a 200's
 * Content-Length. */
static uint64_t blob_total(const f2c_http_response *r)
{
    const char *cr = f2c_http_header(r, "content-range");
    const char *s = cr ? strchr(cr, '/') : NULL;
    if (s && s[1] != '*') return strtoull(s + 1, NULL, 10);
    const char *cl = f2c_http_header(r, "content-length");
    return cl && r->status == 200 ? strtoull(cl, NULL, 10) : 0;
}

/* The URI path (encoded, for the signature) and the full URL of rq, SAS appended [NAME]. */
static int build_url(const f2c_blob_client *c, const request *rq, f2c_buf *path, f2c_buf *url)
{
    int bad = f2c_buf_appends(path, c->ep_path) || f2c_buf_appendc(path, '/') ||
              append_encoded(path, rq->container, 0);
    if (!bad && rq->blob) bad = f2c_buf_appendc(path, '/') || append_encoded(path, rq->blob, 1);
    bad = bad || f2c_buf_append(url, c->endpoint, (size_t)(c->ep_path - c->endpoint)) ||
          f2c_buf_appends(url, path->data);
    for (size_t i = 0; i < rq->nq && !bad; i++)
        bad = f2c_buf_appendc(url, i ? '&' : '?') || f2c_buf_appends(url, rq->q[i].name) ||
              f2c_buf_appendc(url, '=') || append_encoded(url, rq->q[i].value, 0);
    if (!bad && c->sas)
        bad = f2c_buf_appendc(url, rq->nq ? '&' : '?') || f2c_buf_appends(url, c->sas);
    return bad ? -1 : 0;
}

/* The error (or F2C_OK) for how the request ended. */
static f2c_status outcome_error(f2c_blob_client *c, const blob_call *k, f2c_http_response *r,
                                f2c_error *e)
{
    const request *rq = k->rq;
    int n = r->attempts;
    switch (r->outcome) {
    case F2C_HTTP_ABORTED:
    case F2C_HTTP_CANCELLED:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s/%s: aborted by callback", rq->op,
                             rq->container, rq->blob ? rq->blob : "");
    case F2C_HTTP_TOO_BIG:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s: response larger than %u bytes",
                             rq->op, rq->container, F2C_BLOB_MAX_CAPTURE);
    case F2C_HTTP_TRANSPORT:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                             "%s %s%s%s: %s (curl error %d, after %d attempt%s)", rq->op,
                             rq->container, rq->blob ? "/" : "", rq->blob ? rq->blob : "",
                             f2c_http_strerror(r->curl_code), r->curl_code, n, n == 1 ? "" : "s");
    case F2C_HTTP_RESPONSE:
        break;
    }
    if (r->status < 200 || r->status >= 300) return http_error(c, rq, r, n, e);
    if (rq->sink && rq->range_len && k->delivered < rq->range_len)
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                             "%s %s/%s: body ended after %llu of %llu bytes", rq->op, rq->container,
                             rq->blob, (unsigned long long)k->delivered,
                             (unsigned long long)rq->range_len);
    return F2C_OK;
}

/*
 * Performs rq with the transport's retry policy.  On success the last response (status,
 * headers, captured body) is left in *r for the caller, who frees it with
 * f2c_http_response_free (also after a failure).  For a streamed GET the range is advanced past
 * the bytes already delivered before each retry.
 */
static f2c_status perform(f2c_blob_client *c, const request *rq, f2c_http_response *r, f2c_error *e)
{
    f2c_buf url = {0}, path = {0};
    c->last_status = 0;
    c->last_code[0] = '\0';
    if (build_url(c, rq, &path, &url) != 0) {
        f2c_buf_free(&url);
        f2c_buf_free(&path);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    blob_call k = {.c = c, .rq = rq, .path = path.data};
    f2c_http_auth auth = c->tok ? f2c_token_auth(c->tok) : (f2c_http_auth){0};
    f2c_http_request hr = {.method = rq->verb,
                           .url = url.data,
                           .body = rq->body,
                           .body_len = rq->body_len,
                           .auth = c->tok ? &auth : NULL,
                           .connect_timeout_ms = c->connect_timeout_ms,
                           .stall_timeout_s = c->stall_timeout_s,
                           .max_attempts = c->max_attempts,
                           .base_delay_ms = c->base_delay_ms,
                           .max_delay_ms = c->max_delay_ms,
                           .max_capture = F2C_BLOB_MAX_CAPTURE,
                           .ud = &k,
                           .prepare = prepare,
                           .body_fn = rq->sink ? on_sink : NULL,
                           .judge = judge};
    f2c_status st = f2c_http_perform(c->http, &hr, r, e);
    c->last_status = (int)r->status;
    if (r->tries > 1) c->retries += (unsigned long)(r->tries - 1);
    if (st == F2C_OK) st = outcome_error(c, &k, r, e);
    if (st != F2C_OK) f2c_http_response_free(r);
    f2c_buf_free(&url);
    f2c_buf_free(&path);
    return st;
}

/* ---- operations --------------------------------------------------------------------------- */

f2c_status f2c_blob_create_container(f2c_blob_client *c, const char *container, int *created,
                                     f2c_error *e)
{
    request rq = {.op = "Create Container",
                  .verb = "PUT",
                  .container = container,
                  .q = {{"restype", "container"}},
                  .nq = 1};
    f2c_http_response r = {0};
    f2c_error tmp;
    f2c_status st = perform(c, &rq, &r, &tmp);
    if (st == F2C_OK) {
        if (created) *created = 1;
    } else if (c->last_status == 409 && strcmp(c->last_code, "ContainerAlreadyExists") == 0) {
        if (created) *created = 0;
        st = F2C_OK;
    } else if (e) {
        *e = tmp;
    }
    f2c_http_response_free(&r);
    return st;
}

f2c_status f2c_blob_put(f2c_blob_client *c, const char *container, const char *blob,
                        const void *data, size_t len, const char *content_type, f2c_error *e)
{
    request rq = {.op = "Put Blob",
                  .verb = "PUT",
                  .container = container,
                  .blob = blob,
                  .body = data,
                  .body_len = len,
                  .blob_type = "BlockBlob",
                  .content_type = content_type ? content_type : "application/octet-stream"};
    f2c_http_response r = {0};
    f2c_status st = perform(c, &rq, &r, e);
    f2c_http_response_free(&r);
    return st;
}

f2c_status f2c_blob_delete(f2c_blob_client *c, const char *container, const char *blob,
                           int *deleted, f2c_error *e)
{
    request rq = {.op = "Delete Blob", .verb = "DELETE", .container = container, .blob = blob};
    f2c_http_response r = {0};
    f2c_error tmp;
    f2c_status st = perform(c, &rq, &r, &tmp);
    if (st == F2C_OK) {
        if (deleted) *deleted = 1;
    } else if (c->last_status == 404 && strcmp(c->last_code, "BlobNotFound") == 0) {
        if (deleted) *deleted = 0; /* already gone (or our retried request's first try did it) */
        st = F2C_OK;
    } else if (e) {
        *e = tmp;
    }
    f2c_http_response_free(&r);
    return st;
}

void f2c_blob_block_id(size_t index, char buf[17])
{
    char raw[13];
    snprintf(raw, sizeof raw, "%012zu", index % 1000000000000u);
    b64_encode(raw, 12, buf);
}

f2c_status f2c_blob_put_block(f2c_blob_client *c, const char *container, const char *blob,
                              const char *block_id, const void *data, size_t len, f2c_error *e)
{
    request rq = {.op = "Put Block",
                  .verb = "PUT",
                  .container = container,
                  .blob = blob,
                  .q = {{"blockid", block_id}, {"comp", "block"}},
                  .nq = 2,
                  .body = data,
                  .body_len = len};
    f2c_http_response r = {0};
    f2c_status st = perform(c, &rq, &r, e);
    f2c_http_response_free(&r);
    return st;
}

f2c_status f2c_blob_put_block_list(f2c_blob_client *c, const char *container, const char *blob,
                                   const char *const *ids, size_t n, const char *content_type,
                                   f2c_error *e)
{
    f2c_buf x = {0};
    int bad = f2c_buf_appends(&x, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for (size_t i = 0; i < n && !bad; i++)
        bad = f2c_buf_printf(&x, "<Latest>%s</Latest>", ids[i]); /* base64: no XML escaping */
    bad = bad || f2c_buf_appends(&x, "</BlockList>");
    if (bad) {
        f2c_buf_free(&x);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    /* The blob's type travels in x-ms-blob-content-type; the request's own body is XML. */
    request rq = {.op = "Put Block List",
                  .verb = "PUT",
                  .container = container,
                  .blob = blob,
                  .q = {{"comp", "blocklist"}},
                  .nq = 1,
                  .body = x.data,
                  .body_len = x.len,
                  .content_type = "application/xml",
                  .blob_content_type = content_type};
    f2c_http_response r = {0};
    f2c_status st = perform(c, &rq, &r, e);
    f2c_http_response_free(&r);
    f2c_buf_free(&x);
    return st;
}

f2c_status f2c_blob_get(f2c_blob_client *c, const char *container, const char *blob,
                        uint64_t offset, uint64_t length, f2c_blob_chunk_fn fn, void *ud,
                        uint64_t *total, f2c_error *e)
{
    request rq = {.op = "Get Blob",
                  .verb = "GET",
                  .container = container,
                  .blob = blob,
                  .sink = fn,
                  .ud = ud,
                  .range_start = offset,
                  .range_len = length,
                  .ranged = offset > 0 || length > 0};
    f2c_http_response r = {0};
    f2c_status st = perform(c, &rq, &r, e);
    if (st == F2C_OK && total) *total = blob_total(&r);
    f2c_http_response_free(&r);
    return st;
}

/* ---- List Blobs XML ([LIST]: EnumerationResults/Blobs/Blob/{Name,Properties/Content-Length},
 *      EnumerationResults/NextMarker) ---------------------------------------------------------- */

typedef struct list_parse {
    f2c_blob_list *out;
    const char *stack[8];
    int depth;
    f2c_buf text;
    int oom;
    int dup; /* a Blob with two Names, or two NextMarkers */
} list_parse;

static int at(const list_parse *p, int n, ...)
{
    if (p->depth != n) return 0;
    va_list ap;
    va_start(ap, n);
    int ok = 1;
    for (int i = 0; i < n && ok; i++)
        ok = strcmp(p->stack[i], va_arg(ap, const char *)) == 0;
    va_end(ap);
    return ok;
}

static void XMLCALL list_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    list_parse *p = ud;
    /* Element names are compared against literals only, so storing a static "" beyond the
     * depth we care about is enough (and name lives only during this call). */
    static const char *const known[] = {"EnumerationResults", "Blobs",          "Blob",      "Name",
                                        "Properties",         "Content-Length", "NextMarker"};
    const char *k = "";
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(name, known[i]) == 0) k = known[i];
    if (p->depth < 8) p->stack[p->depth] = k;
    p->depth++;
    f2c_buf_reset(&p->text);
    if (at(p, 3, "EnumerationResults", "Blobs", "Blob")) {
        f2c_blob_list *l = p->out;
        f2c_blob_item *n = realloc(l->items, (l->count + 1) * sizeof *n);
        if (!n) {
            p->oom = 1;
            return;
        }
        l->items = n;
        memset(&l->items[l->count++], 0, sizeof *n);
    }
}

static void XMLCALL list_text(void *ud, const XML_Char *s, int len)
{
    list_parse *p = ud;
    if (f2c_buf_append(&p->text, s, (size_t)len) != 0) p->oom = 1;
}

static void XMLCALL list_end(void *ud, const XML_Char *name)
{
    (void)name;
    list_parse *p = ud;
    f2c_blob_list *l = p->out;
    const char *t = p->text.data ? p->text.data : "";
    if (l->count && at(p, 4, "EnumerationResults", "Blobs", "Blob", "Name")) {
        f2c_blob_item *it = &l->items[l->count - 1];
        if (it->name) { /* a second <Name>: malformed (reported), never leaked */
            p->dup = 1;
            free(it->name);
        }
        if (!(it->name = xstrdup(t))) p->oom = 1;
    } else if (l->count &&
               at(p, 5, "EnumerationResults", "Blobs", "Blob", "Properties", "Content-Length")) {
        l->items[l->count - 1].size = strtoull(t, NULL, 10);
    } else if (at(p, 2, "EnumerationResults", "NextMarker") && *t) {
        if (l->next_marker) {
            p->dup = 1;
            free(l->next_marker);
        }
        if (!(l->next_marker = xstrdup(t))) p->oom = 1;
    }
    p->depth--;
    f2c_buf_reset(&p->text);
}

void f2c_blob_list_free(f2c_blob_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].name);
    free(l->items);
    free(l->next_marker);
    memset(l, 0, sizeof *l);
}

f2c_status f2c_blob_list_page(f2c_blob_client *c, const char *container, const char *prefix,
                              const char *marker, unsigned max_results, f2c_blob_list *out,
                              f2c_error *e)
{
    memset(out, 0, sizeof *out);
    char maxr[16];
    snprintf(maxr, sizeof maxr, "%u", max_results);
    request rq = {.op = "List Blobs", .verb = "GET", .container = container};
    /* Query parameters in sorted order (they are signed in that order). */
    rq.q[rq.nq++] = (qparam){"comp", "list"};
    if (marker && *marker) rq.q[rq.nq++] = (qparam){"marker", marker};
    if (max_results) rq.q[rq.nq++] = (qparam){"maxresults", maxr};
    if (prefix && *prefix) rq.q[rq.nq++] = (qparam){"prefix", prefix};
    /* restype sorts last */
    rq.q[rq.nq++] = (qparam){"restype", "container"};
    f2c_http_response r = {0};
    f2c_status st = perform(c, &rq, &r, e);
    if (st != F2C_OK) return st;
    st = f2c_blob_list_parse(r.body.data ? r.body.data : "", r.body.len, container, out, e);
    f2c_http_response_free(&r);
    return st;
}

f2c_status f2c_blob_list_parse(const char *xml, size_t len, const char *container,
                               f2c_blob_list *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "List Blobs %s: answer too large",
                             container);
    list_parse p = {.out = out};
    XML_Parser x = XML_ParserCreate(NULL);
    if (!x) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    XML_SetUserData(x, &p);
    XML_SetElementHandler(x, list_start, list_end);
    XML_SetCharacterDataHandler(x, list_text);
    f2c_status st = F2C_OK;
    int ok = XML_Parse(x, xml, (int)len, 1) == XML_STATUS_OK;
    if (!ok)
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "List Blobs %s: malformed XML: %s",
                           container, XML_ErrorString(XML_GetErrorCode(x)));
    else if (p.oom)
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    else if (p.dup)
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                           "List Blobs %s: malformed listing: a <Blob> with two <Name>s or two "
                           "<NextMarker>s",
                           container);
    else
        for (size_t i = 0; i < out->count && st == F2C_OK; i++)
            if (!out->items[i].name)
                st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                                   "List Blobs %s: a <Blob> without <Name>", container);
    XML_ParserFree(x);
    f2c_buf_free(&p.text);
    return st;
}

/* ---- block writer ------------------------------------------------------------------------- */

struct f2c_blob_writer {
    f2c_blob_client *c;
    char *container, *blob, *content_type;
    unsigned char *buf;
    size_t block_size, used;
    char (*ids)[17];
    size_t nids, cap;
    int failed;
};

void f2c_blob_writer_abort(f2c_blob_writer *w)
{
    if (!w) return;
    free(w->container);
    free(w->blob);
    free(w->content_type);
    free(w->buf);
    free(w->ids);
    free(w);
}

f2c_status f2c_blob_writer_open(f2c_blob_client *c, const char *container, const char *blob,
                                size_t block_size, const char *content_type, f2c_blob_writer **out,
                                f2c_error *e)
{
    *out = NULL;
    if (block_size == 0) block_size = 8u << 20;
    if (block_size > (size_t)4000 << 20)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "block size above 4000 MiB");
    f2c_blob_writer *w = calloc(1, sizeof *w);
    if (!w) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    w->c = c;
    w->block_size = block_size;
    w->container = xstrdup(container);
    w->blob = xstrdup(blob);
    w->content_type = content_type ? xstrdup(content_type) : NULL;
    w->buf = malloc(block_size);
    if (!w->container || !w->blob || (content_type && !w->content_type) || !w->buf) {
        f2c_blob_writer_abort(w);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    *out = w;
    return F2C_OK;
}

static f2c_status flush_block(f2c_blob_writer *w, f2c_error *e)
{
    if (w->nids == 50000) /* the service's limit on committed blocks per blob [BL] */
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "%s/%s: more than 50000 blocks; use a larger block size", w->container,
                             w->blob);
    if (w->nids == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        char(*n)[17] = realloc(w->ids, cap * sizeof *n);
        if (!n) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        w->ids = n;
        w->cap = cap;
    }
    f2c_blob_block_id(w->nids, w->ids[w->nids]);
    f2c_status st =
        f2c_blob_put_block(w->c, w->container, w->blob, w->ids[w->nids], w->buf, w->used, e);
    if (st != F2C_OK) return st;
    w->nids++;
    w->used = 0;
    return F2C_OK;
}

f2c_status f2c_blob_writer_write(f2c_blob_writer *w, const void *data, size_t len, f2c_error *e)
{
    if (w->failed)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "%s/%s: writer already failed",
                             w->container, w->blob);
    const unsigned char *p = data;
    while (len > 0) {
        size_t k = w->block_size - w->used;
        if (k > len) k = len;
        memcpy(w->buf + w->used, p, k);
        w->used += k;
        p += k;
        len -= k;
        if (w->used == w->block_size) {
            f2c_status st = flush_block(w, e);
            if (st != F2C_OK) {
                w->failed = 1;
                return st;
            }
        }
    }
    return F2C_OK;
}

f2c_status f2c_blob_writer_commit(f2c_blob_writer *w, f2c_error *e)
{
    f2c_status st = F2C_OK;
    if (w->failed)
        st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "%s/%s: writer already failed",
                           w->container, w->blob);
    if (st == F2C_OK && w->used > 0) st = flush_block(w, e);
    if (st == F2C_OK) {
        const char **ids = malloc((w->nids ? w->nids : 1) * sizeof *ids);
        if (!ids)
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        else {
            for (size_t i = 0; i < w->nids; i++)
                ids[i] = w->ids[i];
            st = f2c_blob_put_block_list(w->c, w->container, w->blob, ids, w->nids, w->content_type,
                                         e);
            free(ids);
        }
    }
    f2c_blob_writer_abort(w);
    return st;
}
