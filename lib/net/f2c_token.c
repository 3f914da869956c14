/*
 * f2c_token: bearer tokens -- OAuth 2.0 client credentials against a Microsoft Entra authority or
 * any token URL [CC], SMART Backend Services private_key_jwt [SMART] (the JWT itself is
 * f2c_jwt.c's), and managed identity through IMDS [MI] -- cached and refreshed before expiry.
 * Public contract and section tags in f2c_token.h.
 *
 * Why the requests are built here but sent by f2c_http: the form (with the secret or a freshly
 * signed assertion per try) and the reading of the answer are OAuth's; timeouts, retries and
 * redirects (never followed: a redirected POST would carry the secret to another host) are the
 * transport's, like every other request of the library.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h> /* CURLcode values only: which failures are final */
#include <openssl/crypto.h>

#include "fhir2cdm/f2c_token.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_redact.h"
#include "f2c_jwt.h"

/* The storage resource: [CC] asks for "<resource>/.default" (the app's statically granted
 * permissions), [MI] for the resource URI itself. */
#define STORAGE_SCOPE "https://storage.azure.com/.default"
#define STORAGE_RESOURCE "https://storage.azure.com/"
#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define DEFAULT_IMDS "http://169.254.169.254"
/* [SMART]: the scope a Bulk Data client needs when the caller names none (SMART v1 syntax, which
 * v2 servers also accept). */
#define SMART_DEFAULT_SCOPE F2C_SMART_DEFAULT_SCOPE
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
/* Token responses are a few KiB; anything far larger is not a token endpoint. */
#define MAX_RESPONSE (256u << 10)
#define TOKEN_ATTEMPTS 3
/* Short backoff: a token endpoint that is briefly overloaded or an IMDS whose identity is still
 * being provisioned usually recovers within a second or two. */
#define TOKEN_BASE_DELAY_MS 250
#define TOKEN_MAX_DELAY_MS 500

struct f2c_token_provider {
    f2c_http *http; /* own connections: token hosts differ from the storage host */
    f2c_token_kind kind;
    char *url;        /* full token URL ([MI]: with the query) */
    char *form;       /* [CC] request body (holds the secret); [SMART] the body up to the assertion;
                         NULL for [MI] */
    f2c_jwt_key *key; /* [SMART] */
    char *client_id, *key_id, *aud; /* [SMART]: assertion claims (aud = the token URL) */
    long margin_s, timeout_ms;
    char *token; /* cached access token, or NULL */
    time_t expires_at, refresh_at;
    unsigned long fetches;
};

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *r = malloc(n);
    if (r) memcpy(r, s, n);
    return r;
}

/* Frees a string that held a secret or a token, wiping it first so it does not linger in freed
 * heap memory (core dumps, later allocations). */
static void free_secret(char *s)
{
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* application/x-www-form-urlencoded value [CC]: unreserved characters kept, the rest %XX (also
 * used for URL query values, where the same set is safe). */
static int append_form(f2c_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            if (f2c_buf_appendc(b, (char)ch) != 0) return -1;
        } else {
            char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            if (f2c_buf_append(b, t, 3) != 0) return -1;
        }
    }
    return 0;
}

static int nonempty(const char *s)
{
    return s && *s;
}

/* Base URL without trailing slashes, so "<authority>/" and "<authority>" give the same URL. */
static int append_base(f2c_buf *b, const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return f2c_buf_append(b, base, n);
}

void f2c_token_provider_free(f2c_token_provider *p)
{
    if (!p) return;
    f2c_http_free(p->http);
    free(p->url);
    free_secret(p->form);
    free_secret(p->token);
    f2c_jwt_key_free(p->key);
    free(p->client_id);
    free(p->key_id);
    free(p->aud);
    free(p);
}

/* Non-zero when url's host is a Microsoft Entra login host (then the Azure ".default" scope
 * convention applies and Entra wants client_id beside an assertion). */
static int entra_host(const char *url)
{
    static const char *const hosts[] = {"login.microsoftonline.com", "login.microsoftonline.us",
                                        "login.chinacloudapi.cn",
                                        "login.partner.microsoftonline.cn"};
    const char *h = strstr(url, "://");
    if (!h) return 0;
    h += 3;
    size_t n = strcspn(h, ":/?#");
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
        if (n == strlen(hosts[i]) && strncasecmp(h, hosts[i], n) == 0) return 1;
    return 0;
}

/* Checks o and finds the client secret ([CC]: given, or read from the environment). */
static f2c_status check_opts(const f2c_token_opts *o, const char **secret_out, f2c_error *e)
{
    *secret_out = NULL;
    if (!o || (o->kind != F2C_TOKEN_CLIENT_SECRET && o->kind != F2C_TOKEN_MANAGED_IDENTITY &&
               o->kind != F2C_TOKEN_PRIVATE_KEY_JWT))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "token auth needs a kind: client secret, private key or managed "
                             "identity");
    const char *secret = NULL;
    if (o->kind == F2C_TOKEN_PRIVATE_KEY_JWT &&
        ((!nonempty(o->tenant_id) && !nonempty(o->token_url)) || !nonempty(o->client_id) ||
         !nonempty(o->private_key)))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "private-key auth needs a token URL (or tenant id), a client id and "
                             "a private key");
    if (o->kind == F2C_TOKEN_CLIENT_SECRET) {
        if ((!nonempty(o->tenant_id) && !nonempty(o->token_url)) || !nonempty(o->client_id))
            return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                 "client-secret auth needs a tenant id (or a token URL) and a "
                                 "client id");
        secret = o->client_secret;
        if (!secret && nonempty(o->client_secret_env)) {
            secret = getenv(o->client_secret_env);
            if (!nonempty(secret))
                return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                     "client secret: environment variable %s is not set or empty",
                                     o->client_secret_env);
        }
        if (!nonempty(secret))
            return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                 "client-secret auth needs a client secret (or the name of an "
                                 "environment variable holding it)");
    }
    *secret_out = secret;
    return F2C_OK;
}

/* The scope to ask for ([CC], [SMART]; see f2c_token_opts.scope); left empty for [MI] and for
 * Azure Storage's default. */
static int token_scope(const f2c_token_opts *o, f2c_buf *scope)
{
    int bad = 0;
    if (nonempty(o->scope)) {
        bad = f2c_buf_appends(scope, o->scope);
    } else if (nonempty(o->resource)) {
        /* [CC]: a v2.0 scope is the resource's ID URI followed by "/.default". */
        size_t n = strlen(o->resource);
        while (n > 0 && o->resource[n - 1] == '/')
            n--;
        bad = f2c_buf_append(scope, o->resource, n) || f2c_buf_appends(scope, "/.default");
    } else if (nonempty(o->token_url) && !entra_host(o->token_url)) {
        bad = f2c_buf_appends(scope, SMART_DEFAULT_SCOPE);
    }
    return bad ? -1 : 0;
}

/* Builds p's token URL and request form (the secret goes into the form; [SMART]: the form up to
 * the assertion, and the assertion's claims).  -1 out of memory. */
static int build_request(f2c_token_provider *p, const f2c_token_opts *o, const char *secret)
{
    f2c_buf url = {0}, form = {0}, scope = {0};
    int bad = 0;
    if (o->kind != F2C_TOKEN_MANAGED_IDENTITY && nonempty(o->token_url))
        bad = f2c_buf_appends(&url, o->token_url);
    else if (o->kind != F2C_TOKEN_MANAGED_IDENTITY)
        /* [CC "First case: Access token request with a shared secret"] */
        bad = append_base(&url, nonempty(o->authority) ? o->authority : DEFAULT_AUTHORITY) ||
              f2c_buf_appendc(&url, '/') || append_form(&url, o->tenant_id) ||
              f2c_buf_appends(&url, "/oauth2/v2.0/token");
    if (!bad) bad = token_scope(o, &scope);
    if (bad) {
    } else if (o->kind == F2C_TOKEN_PRIVATE_KEY_JWT) {
        /* [SMART "Protocol details"]: the assertion is appended per request (fresh jti/exp).
         * Entra also wants client_id beside it; SMART servers take it from iss/sub. */
        bad = f2c_buf_appends(&form, "grant_type=client_credentials&scope=") ||
              append_form(&form, scope.data ? scope.data : STORAGE_SCOPE) ||
              (entra_host(url.data) &&
               (f2c_buf_appends(&form, "&client_id=") || append_form(&form, o->client_id))) ||
              f2c_buf_appends(&form, "&client_assertion_type=") || append_form(&form, JWT_BEARER) ||
              f2c_buf_appends(&form, "&client_assertion=");
        if (!bad) {
            p->client_id = xstrdup(o->client_id);
            p->aud = xstrdup(url.data);
            /* the key's own kid (a JWK's) unless one is given */
            const char *kid = nonempty(o->key_id) ? o->key_id : f2c_jwt_key_kid(p->key);
            p->key_id = kid ? xstrdup(kid) : NULL;
            bad = !p->client_id || !p->aud || (kid && !p->key_id);
        }
    } else if (o->kind == F2C_TOKEN_CLIENT_SECRET) {
        bad = bad || f2c_buf_appends(&form, "grant_type=client_credentials&client_id=") ||
              append_form(&form, o->client_id) || f2c_buf_appends(&form, "&client_secret=") ||
              append_form(&form, secret) || f2c_buf_appends(&form, "&scope=") ||
              append_form(&form, scope.data ? scope.data : STORAGE_SCOPE);
    } else {
        /* [MI "Get a token using HTTP"] */
        bad = append_base(&url, nonempty(o->imds_endpoint) ? o->imds_endpoint : DEFAULT_IMDS) ||
              f2c_buf_appends(&url,
                              "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=") ||
              append_form(&url, nonempty(o->resource) ? o->resource : STORAGE_RESOURCE);
        if (!bad && nonempty(o->client_id))
            bad = f2c_buf_appends(&url, "&client_id=") || append_form(&url, o->client_id);
    }
    if (!bad) {
        p->url = url.data; /* f2c_buf keeps its data NUL-terminated */
        url.data = NULL;
        if (form.data) {
            p->form = form.data;
            form.data = NULL;
        }
    }
    f2c_buf_free(&url);
    f2c_buf_free(&scope);
    if (form.data) OPENSSL_cleanse(form.data, form.len);
    f2c_buf_free(&form);
    return bad || !p->url ? -1 : 0;
}

f2c_status f2c_token_provider_new(const f2c_token_opts *o, f2c_token_provider **out, f2c_error *e)
{
    *out = NULL;
    const char *secret = NULL;
    f2c_status st = check_opts(o, &secret, e);
    if (st != F2C_OK) return st;
    /* A service may echo request fields (error_description), and our messages end up in logs
     * (Batch's stderr.txt): the redactor learns the secret before any request is made. */
    f2c_status rst = f2c_redactor_add(NULL, secret, "the client secret", e);
    if (rst != F2C_OK) return rst;
    f2c_token_provider *p = calloc(1, sizeof *p);
    if (!p) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    p->kind = o->kind;
    p->margin_s = o->refresh_margin_s > 0 ? o->refresh_margin_s : 300;
    p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    if (o->kind == F2C_TOKEN_PRIVATE_KEY_JWT) {
        f2c_status kst = f2c_jwt_key_load(o->private_key, &p->key, e);
        /* [SMART "Authentication JWT Header Values"]: kid is required; a server cannot pick
         * the key to verify with otherwise (the reference server refuses the assertion). */
        if (kst == F2C_OK && !nonempty(o->key_id) && !f2c_jwt_key_kid(p->key))
            kst = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                "the client assertion needs a key id (its \"kid\" header, required "
                                "by SMART Backend Services): the key has none and none was given");
        if (kst != F2C_OK) {
            f2c_token_provider_free(p);
            return kst;
        }
    }
    if (build_request(p, o, secret) != 0) {
        f2c_token_provider_free(p);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    f2c_status hst = f2c_http_new(&p->http, e);
    if (hst != F2C_OK) {
        f2c_token_provider_free(p);
        return hst;
    }
    *out = p;
    return F2C_OK;
}

void f2c_token_invalidate(f2c_token_provider *p)
{
    free_secret(p->token);
    p->token = NULL;
}

unsigned long f2c_token_fetch_count(const f2c_token_provider *p)
{
    return p->fetches;
}

/* A JSON number or a numeric string (IMDS sends expires_in/expires_on as strings [MI]). */
static int json_seconds(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == '\0') {
            *out = d;
            return 1;
        }
    }
    return 0;
}

static const char *json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- one token request, through the transport --------------------------------------------- */

/* The state of one f2c_token_get's request: the form of the current try. */
typedef struct token_req {
    f2c_token_provider *p;
    f2c_buf jwt_form; /* [SMART]: p->form + a new assertion, per try */
} token_req;

static void wipe_buf(f2c_buf *b)
{
    if (b->data) OPENSSL_cleanse(b->data, b->len);
    f2c_buf_free(b);
}

/* Prepare hook: [SMART "Authentication JWT Claims"]: a new assertion per request (fresh jti and
 * exp).  A signing failure ends the request (not retried). */
static f2c_status prepare_assertion(void *ud, f2c_http_try *t, f2c_error *e)
{
    token_req *q = ud;
    f2c_token_provider *p = q->p;
    char *jwt = NULL;
    f2c_status st =
        f2c_jwt_client_assertion(p->key, p->key_id, p->client_id, p->aud, time(NULL), 300, &jwt, e);
    if (st != F2C_OK) return st;
    /* The assertion is a credential for its lifetime: never shown, in any encoding. */
    f2c_redactor_add(NULL, jwt, "the client assertion", NULL);
    wipe_buf(&q->jwt_form);
    int bad = f2c_buf_appends(&q->jwt_form, p->form) || f2c_buf_appends(&q->jwt_form, jwt);
    OPENSSL_cleanse(jwt, strlen(jwt));
    free(jwt);
    if (bad) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    t->body = q->jwt_form.data;
    t->body_len = q->jwt_form.len;
    return F2C_OK;
}

/* Judge hook: the token endpoints' retry rule (f2c_token_get): transport failures but those
 * that cannot heal, 429 and 5xx, and IMDS's 404 while the identity is being set up [MI]. */
static int judge_token(void *ud, const f2c_http_response *r)
{
    token_req *q = ud;
    if (r->outcome == F2C_HTTP_TRANSPORT)
        return r->curl_code != CURLE_WRITE_ERROR && r->curl_code != CURLE_URL_MALFORMAT &&
               r->curl_code != CURLE_UNSUPPORTED_PROTOCOL;
    return r->status == 429 || r->status >= 500 || (r->status == 404 && !q->p->form);
}

/* The error for a non-2xx answer: [CC "Error response"], [MI "Error handling"], RFC 6749 §5.2:
 * error + error_description, redacted (services echo the request: the secret, the assertion). */
static f2c_status answer_error(const f2c_token_provider *p, const f2c_http_response *r,
                               const cJSON *j, f2c_error *e)
{
    const char *code = j ? json_str(j, "error") : NULL;
    const char *desc = j ? json_str(j, "error_description") : NULL;
    f2c_buf shown = {0};
    if (code || desc) {
        f2c_buf_printf(&shown, "%s: %s", code ? code : "(no error code)",
                       desc ? desc : "(no description)");
        f2c_buf red = {0};
        int rbad = f2c_redact_server_text(NULL, shown.data ? shown.data : "", shown.len, &red);
        f2c_buf_free(&shown);
        shown = red;
        if (rbad) f2c_buf_reset(&shown);
    }
    f2c_status st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "token request to %s: HTTP %ld %s",
                                  p->url, r->status, shown.len ? shown.data : "(no error code)");
    f2c_buf_free(&shown);
    f2c_redact_error(NULL, e);
    return st;
}

/* Takes the token of a 2xx answer j (RFC 6749 §5.1: access_token, expires_in; [MI] also
 * expires_on) into the cache; body is the raw answer, wiped with the token's other copies. */
static f2c_status accept_token(f2c_token_provider *p, long status, cJSON *j, f2c_buf *body,
                               f2c_error *e)
{
    const char *tok = j ? json_str(j, "access_token") : NULL;
    double in = 0, on = 0;
    int have_in = j && json_seconds(cJSON_GetObjectItemCaseSensitive(j, "expires_in"), &in);
    int have_on = j && json_seconds(cJSON_GetObjectItemCaseSensitive(j, "expires_on"), &on);
    if (!nonempty(tok) || (!have_in && !have_on))
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                             "token request to %s: HTTP %ld response without %s", p->url, status,
                             !nonempty(tok) ? "access_token" : "expires_in/expires_on");
    /* Servers echo tokens back (an OperationOutcome quoting our Authorization header): the
     * redactor learns every token we receive before it is used. */
    f2c_redactor_add(NULL, tok, "an access token", NULL);
    char *copy = xstrdup(tok);
    OPENSSL_cleanse((char *)tok, strlen(tok));
    OPENSSL_cleanse(body->data, body->len);
    if (!copy) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    /* Prefer the relative expires_in: it does not depend on our clock agreeing with the
     * service's.  expires_on (absolute, [MI]) is the fallback. */
    time_t now = time(NULL);
    double life = have_in ? in : on - (double)now;
    if (life < 0) life = 0;
    double margin = (double)p->margin_s;
    if (margin * 2 > life) margin = life / 2;
    free_secret(p->token);
    p->token = copy;
    p->expires_at = now + (time_t)life;
    p->refresh_at = now + (time_t)(life - margin);
    p->fetches++;
    return F2C_OK;
}

/* Reads the transport's last response r of a token request. */
static f2c_status read_answer(f2c_token_provider *p, f2c_http_response *r, f2c_error *e)
{
    if (r->outcome != F2C_HTTP_RESPONSE) {
        f2c_status st =
            f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "token request to %s: %s (curl error %d)",
                          p->url, f2c_http_strerror(r->curl_code), r->curl_code);
        f2c_redact_error(NULL, e);
        return st;
    }
    cJSON *j = r->body.data ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
    f2c_status st = r->status < 200 || r->status >= 300
                        ? answer_error(p, r, j, e)
                        : accept_token(p, r->status, j, &r->body, e);
    cJSON_Delete(j);
    return st;
}

/* One token request with the endpoints' retries (TOKEN_ATTEMPTS tries). */
static f2c_status fetch(f2c_token_provider *p, f2c_error *e)
{
    static const char *const form_headers[] = {
        "Accept: application/json", "Content-Type: application/x-www-form-urlencoded", NULL};
    /* [MI]: the header proves the request is not a forwarded one (SSRF protection); IMDS is
     * link-local and must never be reached through an HTTP proxy. */
    static const char *const imds_headers[] = {"Accept: application/json", "Metadata: true", NULL};
    token_req q = {.p = p};
    f2c_http_request rq = {.method = p->form ? "POST" : "GET",
                           .url = p->url,
                           .headers = p->form ? form_headers : imds_headers,
                           .body = p->form,
                           .body_len = p->form ? strlen(p->form) : 0,
                           .timeout_ms = p->timeout_ms,
                           .max_attempts = TOKEN_ATTEMPTS,
                           .base_delay_ms = TOKEN_BASE_DELAY_MS,
                           .max_delay_ms = TOKEN_MAX_DELAY_MS,
                           .no_proxy = !p->form,
                           .max_capture = MAX_RESPONSE,
                           .ud = &q,
                           .prepare = p->key ? prepare_assertion : NULL,
                           .judge = judge_token};
    f2c_http_response r = {0};
    f2c_status st = f2c_http_perform(p->http, &rq, &r, e);
    if (st == F2C_OK) st = read_answer(p, &r, e);
    wipe_buf(&r.body);
    f2c_http_response_free(&r);
    wipe_buf(&q.jwt_form);
    return st;
}

f2c_status f2c_token_get(f2c_token_provider *p, const char **token, f2c_error *e)
{
    *token = NULL;
    time_t now = time(NULL);
    if (p->token && now < p->refresh_at) {
        *token = p->token;
        return F2C_OK;
    }
    f2c_status st = fetch(p, e);
    if (st != F2C_OK) {
        /* A token that is in its refresh window but not yet expired is still usable. */
        if (p->token && time(NULL) < p->expires_at) {
            *token = p->token;
            return F2C_OK;
        }
        f2c_token_invalidate(p);
        return st;
    }
    *token = p->token;
    return F2C_OK;
}

static f2c_status auth_get(void *ud, const char **token, f2c_error *e)
{
    return f2c_token_get(ud, token, e);
}

static void auth_invalidate(void *ud)
{
    f2c_token_invalidate(ud);
}

f2c_http_auth f2c_token_auth(f2c_token_provider *p)
{
    return (f2c_http_auth){.get = auth_get, .invalidate = auth_invalidate, .ud = p};
}
