/*
 * f2c_bulk: the Bulk Data $export protocol client (kick-off, status polling, manifest, DELETE).
 * Public contract and section tags in f2c_bulk.h.  Requests, retries and header parsing are the
 * HTTP transport's (f2c_http.h), shared with the Blob client, the token provider and
 * f2c_http_get, so all HTTP clients of the library treat transient failures alike; this file
 * adds the protocol: its headers, which answers are final, and the polling.
 */
#include "fhir2cdm/f2c_bulk.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h> /* the URL API only (resolve_url) */

#include "fhir2cdm/f2c_redact.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_type.h"
#include "fhir2cdm/f2c_token.h"
#include "f2c_retry.h"

/* A manifest for a very large export lists some thousands of files; error bodies are small. */
#define MAX_BODY (64u << 20)
#define CANCEL_SLICE_MS 100

/* ---- small helpers ------------------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *r = malloc(n);
    if (r) memcpy(r, s, n);
    return r;
}

int f2c_bulk_cancelled(const f2c_bulk_opts *o)
{
    return o && o->cancel && *o->cancel;
}

static int is_http_url(const char *s)
{
    return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) &&
           s[strcspn(s, ":") + 3] != '\0';
}

/* Percent-encodes s for a query value: RFC 3986 unreserved characters kept (plus keep, e.g.
 * "," for _type lists), everything else %XX ('+' in an instant's offset must not become ' '). */
static int append_query_value(f2c_buf *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
            (keep && strchr(keep, ch))) {
            if (f2c_buf_appendc(b, (char)ch) != 0) return -1;
        } else {
            char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            if (f2c_buf_append(b, t, 3) != 0) return -1;
        }
    }
    return 0;
}

/* Sleeps ms in slices, returning early (1) when the cancel flag is set. */
static int sleep_cancellable(const f2c_bulk_opts *o, long ms)
{
    while (ms > 0) {
        if (f2c_bulk_cancelled(o)) return 1;
        long slice = ms < CANCEL_SLICE_MS ? ms : CANCEL_SLICE_MS;
        f2c_retry_sleep_ms(slice);
        ms -= slice;
    }
    return f2c_bulk_cancelled(o);
}

/* ---- OperationOutcome text ---------------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long f2c_bulk_outcome_issues(const char *json, size_t len, f2c_bulk_issue_fn fn, void *ud)
{
    cJSON *doc = json && len ? cJSON_ParseWithLength(json, len) : NULL;
    const char *rt = doc ? jstr(doc, "resourceType") : NULL;
    if (!cJSON_IsObject(doc) || !rt || strcmp(rt, "OperationOutcome") != 0) {
        cJSON_Delete(doc);
        return -1;
    }
    long n = 0;
    const cJSON *issues = cJSON_GetObjectItemCaseSensitive(doc, "issue");
    if (!cJSON_IsArray(issues)) issues = NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, issues)
    {
        if (!cJSON_IsObject(it)) continue;
        const char *sev = jstr(it, "severity"), *code = jstr(it, "code");
        const char *text = jstr(it, "diagnostics");
        const cJSON *details = cJSON_GetObjectItemCaseSensitive(it, "details");
        if (!text && cJSON_IsObject(details)) text = jstr(details, "text");
        if (!text && cJSON_IsObject(details)) {
            const cJSON *coding = cJSON_GetObjectItemCaseSensitive(details, "coding");
            const cJSON *c0 = cJSON_IsArray(coding) ? cJSON_GetArrayItem(coding, 0) : NULL;
            if (cJSON_IsObject(c0))
                text = jstr(c0, "display") ? jstr(c0, "display") : jstr(c0, "code");
        }
        n++;
        if (fn) fn(ud, sev ? sev : "", code ? code : "", text ? text : "");
    }
    cJSON_Delete(doc);
    return n;
}

typedef struct oo_text {
    f2c_buf *b;
    int transient; /* some issue has code "transient" */
    int count;
} oo_text;

static void collect_issue(void *ud, const char *sev, const char *code, const char *text)
{
    oo_text *t = ud;
    if (strcmp(code, "transient") == 0) t->transient = 1;
    if (t->count++ >= 5) return; /* a message line, not a report */
    if (t->b->len) f2c_buf_appends(t->b, "; ");
    f2c_buf_printf(t->b, "%s%s%s%s%s", sev, *sev ? " " : "", code, *sev || *code ? ": " : "",
                   *text ? text : "(no diagnostics)");
}

/* Summarises an error body: its OperationOutcome issues, else its first line of text (whole: it
 * is redacted before it is cut, so a cut cannot leave part of a secret).  Returns 1 when it was
 * an OperationOutcome; *transient set when an issue's code is "transient". */
static int outcome_summary(const f2c_buf *body, f2c_buf *out, int *transient)
{
    oo_text t = {.b = out};
    *transient = 0;
    long n = body->len ? f2c_bulk_outcome_issues(body->data, body->len, collect_issue, &t) : -1;
    if (n >= 0) {
        *transient = t.transient;
        if (n == 0) f2c_buf_appends(out, "OperationOutcome without issues");
        return 1;
    }
    /* Not an OperationOutcome: a printable prefix of the body helps more than nothing. */
    size_t l = 0;
    while (l < body->len && body->data[l] != '\n' && body->data[l] != '\r' &&
           (unsigned char)body->data[l] >= 0x20)
        l++;
    if (l) f2c_buf_append(out, body->data, l);
    return 0;
}

/* ---- one request -------------------------------------------------------------------------- */

typedef enum req_kind { REQ_KICKOFF = 2, REQ_STATUS = 1, REQ_DELETE = 0 } req_kind;

/* Judge hook: the transport's policy, except that [BD "Response - Error Status"] a 5xx whose
 * OperationOutcome is not marked transient reports a failed job: only unmarked or transient ones
 * are retried. */
static int judge(void *ud, const f2c_http_response *r)
{
    (void)ud;
    int retry = f2c_http_retryable(r);
    if (retry && r->outcome == F2C_HTTP_RESPONSE && r->status >= 500) {
        f2c_buf tmp = {0};
        int transient = 0;
        if (outcome_summary(&r->body, &tmp, &transient) && !transient) retry = 0;
        f2c_buf_free(&tmp);
    }
    return retry;
}

/*
 * One logical request (GET, POST with body, or DELETE) with the Bulk Data headers, the bearer
 * token and the transport's retries.  Returns F2C_OK with the final response in *r when a
 * response arrived (any status, the caller judges it; a retried status that ran out of tries
 * too), or an error for transport failures after retries, token failures and interruptions.
 */
static f2c_status request(f2c_http *h, const f2c_bulk_opts *o, req_kind kind, const char *method,
                          const char *url, const char *body, const char *what, f2c_http_response *r,
                          f2c_error *e)
{
    /* [BD "Bulk Data Kick-off Request"]: Prefer only on the kick-off. */
    const char *headers[4] = {"Accept: application/fhir+json"};
    size_t nh = 1;
    if (kind == REQ_KICKOFF) headers[nh++] = "Prefer: respond-async";
    if (body) headers[nh++] = "Content-Type: application/fhir+json";
    long timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 300000;
    long max_delay = o->max_delay_ms > 0 ? o->max_delay_ms : 30000;
    if (kind == REQ_DELETE) {
        /* A DELETE is small, not interruptible and often sent while the user waits: short. */
        if (timeout_ms > 30000) timeout_ms = 30000;
        if (max_delay > 2000) max_delay = 2000;
    }
    f2c_http_auth auth = o->token_provider ? f2c_token_auth(o->token_provider) : (f2c_http_auth){0};
    f2c_http_request rq = {.method = method,
                           .url = url,
                           .headers = headers,
                           .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .bearer_token = o->bearer_token,
                           .auth = o->token_provider ? &auth : NULL,
                           .connect_timeout_ms =
                               o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000,
                           .timeout_ms = timeout_ms,
                           .max_attempts = kind == REQ_DELETE    ? 2
                                           : o->max_attempts > 0 ? o->max_attempts
                                                                 : 6,
                           .base_delay_ms = o->base_delay_ms > 0 ? o->base_delay_ms : 500,
                           .max_delay_ms = max_delay,
                           .cancel = kind == REQ_DELETE ? NULL : o->cancel,
                           .max_capture = MAX_BODY,
                           .accept_encoding = "", /* manifests and outcomes compress well */
                           .judge = judge};
    f2c_status st = f2c_http_perform(h, &rq, r, e);
    if (st != F2C_OK) return st;
    char shown[512];
    f2c_http_shown_url(url, shown, sizeof shown);
    int n = r->attempts;
    switch (r->outcome) {
    case F2C_HTTP_RESPONSE:
        return F2C_OK;
    case F2C_HTTP_CANCELLED:
    case F2C_HTTP_ABORTED:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s: interrupted", what, shown);
    case F2C_HTTP_TOO_BIG:
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s: response larger than %u MiB",
                             what, shown, MAX_BODY >> 20);
    case F2C_HTTP_TRANSPORT:
        break;
    }
    return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s: %s (after %d tr%s)", what, shown,
                         f2c_http_strerror(r->curl_code), n, n == 1 ? "y" : "ies");
}

/* The X-Progress header of r ("" when absent), redacted before it is cut to n bytes: it is
 * shown to the user. */
static void x_progress(const f2c_http_response *r, char *out, size_t n)
{
    const char *v = f2c_http_header(r, "x-progress");
    out[0] = '\0';
    if (!v) return;
    f2c_buf red = {0};
    if (f2c_redact_server_text(NULL, v, strlen(v), &red) == 0 && red.data)
        snprintf(out, n, "%s", red.data);
    f2c_buf_free(&red);
}

void f2c_bulk_error_text(const char *body, size_t len, f2c_buf *out)
{
    f2c_buf t = {0}, whole = {.data = (char *)body, .len = len};
    int transient;
    outcome_summary(&whole, &t, &transient);
    /* The body may echo our request (Authorization header, token): redacted, or withheld while a
     * secret too short to search for is in play (f2c_redact.h); then cut to a message's size. */
    size_t at = out->len;
    if (t.len && f2c_redact_server_text(NULL, t.data, t.len, out) != 0) out->len = at;
    if (out->len > at + 600) {
        out->len = at + 600;
        out->data[out->len] = '\0';
    }
    f2c_buf_free(&t);
}

/* The error for an HTTP answer the caller did not expect. */
static f2c_status http_error(const char *what, const char *url, const f2c_http_response *r,
                             f2c_error *e)
{
    char shown[512];
    f2c_http_shown_url(url, shown, sizeof shown);
    f2c_buf red = {0};
    f2c_bulk_error_text(r->body.data, r->body.len, &red);
    f2c_status st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s %s: HTTP %ld%s%s", what, shown,
                                  r->status, red.len ? ": " : "", red.len ? red.data : "");
    f2c_buf_free(&red);
    f2c_redact_error(NULL, e);
    return st;
}

/* ---- kick-off ----------------------------------------------------------------------------- */

static int valid_fhir_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.') return 0;
    return 1;
}

static int add_param(cJSON *params, const char *name, const char *vtype, const char *value)
{
    cJSON *p = cJSON_CreateObject();
    if (!p) return -1;
    if (!cJSON_AddStringToObject(p, "name", name) || !cJSON_AddStringToObject(p, vtype, value)) {
        cJSON_Delete(p);
        return -1;
    }
    return cJSON_AddItemToArray(params, p) ? 0 : -1;
}

f2c_status f2c_bulk_kickoff_request(const f2c_bulk_opts *o, char **url, char **body, f2c_error *e)
{
    *url = NULL;
    if (body) *body = NULL;
    if (!o || !is_http_url(o->fhir_url))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "the FHIR base URL must be an http(s) URL");
    if (strchr(o->fhir_url, '?') || strchr(o->fhir_url, '#'))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "the FHIR base URL must not have a query or fragment");
    if (o->level == F2C_BULK_GROUP && !valid_fhir_id(o->group_id))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "group id must be a FHIR id (1 to 64 of A-Z a-z 0-9 - .)");
    if (o->level != F2C_BULK_SYSTEM && o->level != F2C_BULK_PATIENT && o->level != F2C_BULK_GROUP)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "unknown export level");
    for (size_t i = 0; i < o->ntypes; i++)
        if (!o->types[i] || !*o->types[i] || strchr(o->types[i], ','))
            return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                                 "_type: empty type or a type with a comma");
    for (size_t i = 0; i < o->ntype_filters; i++)
        if (!o->type_filters[i] || !*o->type_filters[i])
            return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "_typeFilter: empty filter");
    if (o->post && !body)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "POST kick-off needs a body");

    f2c_buf u = {0}, types = {0};
    size_t n = strlen(o->fhir_url);
    while (n > 0 && o->fhir_url[n - 1] == '/')
        n--;
    int bad = f2c_buf_append(&u, o->fhir_url, n) != 0;
    if (o->level == F2C_BULK_PATIENT)
        bad = bad || f2c_buf_appends(&u, "/Patient") != 0;
    else if (o->level == F2C_BULK_GROUP)
        bad = bad || f2c_buf_appends(&u, "/Group/") != 0 || f2c_buf_appends(&u, o->group_id) != 0;
    bad = bad || f2c_buf_appends(&u, "/$export") != 0;
    for (size_t i = 0; i < o->ntypes && !bad; i++)
        bad = (i && f2c_buf_appendc(&types, ',') != 0) || f2c_buf_appends(&types, o->types[i]);
    if (!bad && !o->post) {
        char sep = '?';
#define QPARAM(name, value, keep)                                                                  \
    bad = bad || f2c_buf_appendc(&u, sep) != 0 || f2c_buf_appends(&u, name "=") != 0 ||            \
          append_query_value(&u, value, keep) != 0;                                                \
    sep = '&'
        if (o->output_format && *o->output_format) {
            QPARAM("_outputFormat", o->output_format, NULL);
        }
        if (o->since && *o->since) {
            QPARAM("_since", o->since, ":");
        }
        if (o->ntypes) {
            QPARAM("_type", types.data, ",");
        }
        for (size_t i = 0; i < o->ntype_filters; i++) {
            QPARAM("_typeFilter", o->type_filters[i], NULL);
        }
#undef QPARAM
    }
    char *b = NULL;
    if (!bad && o->post) {
        /* [BD "Bulk Data Kick-off Request"]: POST body is a FHIR Parameters resource. */
        cJSON *doc = cJSON_CreateObject();
        cJSON *params = NULL;
        if (doc && cJSON_AddStringToObject(doc, "resourceType", "Parameters"))
            params = cJSON_AddArrayToObject(doc, "parameter");
        bad = !params;
        if (!bad && o->output_format && *o->output_format)
            bad = add_param(params, "_outputFormat", "valueString", o->output_format) != 0;
        if (!bad && o->since && *o->since)
            bad = add_param(params, "_since", "valueInstant", o->since) != 0;
        if (!bad && o->ntypes) bad = add_param(params, "_type", "valueString", types.data) != 0;
        for (size_t i = 0; i < o->ntype_filters && !bad; i++)
            bad = add_param(params, "_typeFilter", "valueString", o->type_filters[i]) != 0;
        if (!bad) b = cJSON_PrintUnformatted(doc);
        bad = bad || !b;
        cJSON_Delete(doc);
    }
    f2c_buf_free(&types);
    if (bad) {
        free(b);
        f2c_buf_free(&u);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    *url = u.data;
    if (body) *body = b;
    return F2C_OK;
}

/* Resolves a possibly relative reference against base (RFC 3986 §5) with libcurl's URL API. */
static char *resolve_url(const char *base, const char *ref)
{
    CURLU *h = curl_url();
    char *out = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(h, CURLUPART_URL, ref, 0) == CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK && s) {
            out = xstrdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(h);
    return out;
}

f2c_status f2c_bulk_kickoff(const f2c_bulk_opts *o, char **status_url, f2c_error *e)
{
    *status_url = NULL;
    if (o && o->bearer_token && o->token_provider)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "both a fixed token and a token provider given");
    char *url = NULL, *body = NULL;
    f2c_status st = f2c_bulk_kickoff_request(o, &url, &body, e);
    if (st != F2C_OK) return st;
    f2c_http_response r = {0};
    st = request(NULL, o, REQ_KICKOFF, o->post ? "POST" : "GET", url, body, "kick-off", &r, e);
    if (st != F2C_OK) goto done;
    if (r.status != 202) {
        /* [BD "Response - Error"]; a 200 would be a synchronous answer we did not ask for. */
        st = http_error("kick-off", url, &r, e);
        if (r.status >= 200 && r.status < 400)
            f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                          "kick-off: expected 202 Accepted, got HTTP %ld (does the server support "
                          "$export at this level?)",
                          r.status);
        goto done;
    }
    const char *location = f2c_http_header(&r, "content-location");
    if (!location || !*location) {
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                           "kick-off: 202 Accepted without a Content-Location header");
        goto done;
    }
    *status_url = resolve_url(url, location);
    if (!*status_url || !is_http_url(*status_url)) {
        free(*status_url);
        *status_url = NULL;
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                           "kick-off: Content-Location is not a usable URL");
    }
done:
    f2c_http_response_free(&r);
    free(url);
    free(body);
    return st;
}

/* ---- status ------------------------------------------------------------------------------- */

f2c_status f2c_bulk_wait(const f2c_bulk_opts *o, const char *status_url, f2c_bulk_manifest *m,
                         f2c_error *e)
{
    memset(m, 0, sizeof *m);
    if (!o || !is_http_url(status_url))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "status URL must be http(s)");
    if (o->bearer_token && o->token_provider)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "both a fixed token and a token provider given");
    long cap = o->max_poll_wait_ms > 0 ? o->max_poll_wait_ms : 120000;
    long backoff = 1000;
    f2c_http *h = NULL;
    f2c_status st = f2c_http_new(&h, e);
    if (st != F2C_OK) return st;
    f2c_http_response r = {0};
    for (;;) {
        st = request(h, o, REQ_STATUS, "GET", status_url, NULL, "export job", &r, e);
        if (st != F2C_OK) break;
        if (r.status == 202) {
            long wait;
            if (r.retry_after_ms >= 0) {
                wait = r.retry_after_ms;
            } else {
                wait = backoff;
                backoff += backoff / 2;
            }
            if (wait > cap) wait = cap;
            if (wait < 50) wait = 50;
            if (backoff > cap) backoff = cap;
            char progress[512];
            x_progress(&r, progress, sizeof progress);
            if (o->progress) o->progress(o->progress_ud, progress, wait);
            if (sleep_cancellable(o, wait)) {
                char shown[512];
                f2c_http_shown_url(status_url, shown, sizeof shown);
                st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "export job %s: interrupted",
                                   shown);
                break;
            }
            continue;
        }
        if (r.status == 200) {
            if (o->manifest_body) {
                f2c_buf_reset(o->manifest_body);
                if (r.body.len && f2c_buf_append(o->manifest_body, r.body.data, r.body.len) != 0) {
                    st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                    break;
                }
            }
            st = f2c_bulk_manifest_parse(r.body.data ? r.body.data : "", r.body.len, m, e);
            break;
        }
        st = http_error("export job", status_url, &r, e);
        if (r.status < 400)
            f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL,
                          "export job: unexpected HTTP %ld to a status request", r.status);
        break;
    }
    f2c_http_free(h);
    f2c_http_response_free(&r);
    return st;
}

f2c_status f2c_bulk_delete(const f2c_bulk_opts *o, const char *status_url, f2c_error *e)
{
    if (!o || !is_http_url(status_url))
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "status URL must be http(s)");
    if (o->bearer_token && o->token_provider)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             "both a fixed token and a token provider given");
    f2c_http_response r = {0};
    f2c_status st = request(NULL, o, REQ_DELETE, "DELETE", status_url, NULL, "delete", &r, e);
    if (st == F2C_OK && !(r.status >= 200 && r.status < 300) && r.status != 404)
        st = http_error("delete", status_url, &r, e);
    f2c_http_response_free(&r);
    return st;
}

/* ---- manifest ----------------------------------------------------------------------------- */

/* Frees n file entries and the array. */
static void files_free(f2c_bulk_file *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].type);
        free(f[i].url);
    }
    free(f);
}

void f2c_bulk_manifest_free(f2c_bulk_manifest *m)
{
    if (!m) return;
    files_free(m->output, m->noutput);
    files_free(m->error, m->nerror);
    files_free(m->deleted, m->ndeleted);
    free(m->transaction_time);
    free(m->request);
    memset(m, 0, sizeof *m);
}

static f2c_status bad_member(f2c_error *e, const char *member, const char *why)
{
    return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "manifest: %s: %s", member, why);
}

/* The file items of the array `name` into *out / *nout (both set even on failure, so the
 * caller frees what was made).  Each item's type must be a resource type name when
 * need_resource_type, and exactly only_type when that is not NULL. */
static f2c_status parse_files(const cJSON *arr, const char *name, int need_resource_type,
                              const char *only_type, f2c_bulk_file **out, size_t *nout,
                              f2c_error *e)
{
    char member[96];
    size_t n = (size_t)cJSON_GetArraySize(arr);
    *out = NULL;
    *nout = 0;
    if (n == 0) return F2C_OK;
    f2c_bulk_file *f = calloc(n, sizeof *f);
    if (!f) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    *out = f;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(member, sizeof member, "%s[%zu]", name, i);
        if (!cJSON_IsObject(it)) return bad_member(e, member, "expected an object");
        const char *type = jstr(it, "type"), *url = jstr(it, "url");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(it, "count");
        snprintf(member, sizeof member, "%s[%zu].type", name, i);
        if (!type) return bad_member(e, member, "expected a string");
        if (need_resource_type && !f2c_is_resource_type_name(type))
            return bad_member(e, member, "expected a resource type name");
        if (only_type && strcmp(type, only_type) != 0) {
            char want[64];
            snprintf(want, sizeof want, "expected \"%s\"", only_type);
            return bad_member(e, member, want);
        }
        snprintf(member, sizeof member, "%s[%zu].url", name, i);
        if (!url || !is_http_url(url))
            return bad_member(e, member, "expected an absolute http(s) URL");
        snprintf(member, sizeof member, "%s[%zu].count", name, i);
        /* range first: casting a double beyond long long's range is undefined behaviour */
        if (count && (!cJSON_IsNumber(count) || !(count->valuedouble >= 0) ||
                      count->valuedouble >= 9223372036854775808.0 ||
                      count->valuedouble != (double)(long long)count->valuedouble))
            return bad_member(e, member, "expected a whole number >= 0");
        f[i].type = xstrdup(type);
        f[i].url = xstrdup(url);
        f[i].count = count ? (long long)count->valuedouble : -1;
        *nout = i + 1;
        if (!f[i].type || !f[i].url)
            return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        i++;
    }
    return F2C_OK;
}

f2c_status f2c_bulk_manifest_parse(const char *text, size_t len, f2c_bulk_manifest *m, f2c_error *e)
{
    memset(m, 0, sizeof *m);
    cJSON *doc = len ? cJSON_ParseWithLength(text, len) : NULL;
    if (!doc)
        return f2c_error_set(e, F2C_EJSON, NULL, 0, 0, NULL,
                             "manifest: the complete-status body is not JSON");
    f2c_status st = F2C_OK;
    const cJSON *tt = cJSON_GetObjectItemCaseSensitive(doc, "transactionTime");
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(doc, "request");
    const cJSON *rat = cJSON_GetObjectItemCaseSensitive(doc, "requiresAccessToken");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(doc, "output");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
    f2c_buf norm = {0};
    const char *why = NULL;
    if (!cJSON_IsObject(doc)) {
        st = bad_member(e, "(root)", "expected a JSON object");
    } else if (!cJSON_IsString(tt)) {
        st = bad_member(e, "transactionTime", tt ? "expected a string" : "missing");
    } else if (f2c_render_datetime(tt->valuestring, strlen(tt->valuestring), F2C_T_INSTANT, &norm,
                                   &why) != F2C_RENDER_OK) {
        st = bad_member(e, "transactionTime", "expected a FHIR instant");
    } else if (rq && !cJSON_IsString(rq)) {
        st = bad_member(e, "request", "expected a string");
    } else if (!cJSON_IsBool(rat)) {
        st = bad_member(e, "requiresAccessToken", rat ? "expected a boolean" : "missing");
    } else if (!cJSON_IsArray(out)) {
        st = bad_member(e, "output", out ? "expected an array" : "missing");
    } else if (err && !cJSON_IsArray(err)) {
        st = bad_member(e, "error", "expected an array");
    } else {
        m->transaction_time = xstrdup(tt->valuestring);
        m->request = xstrdup(rq ? rq->valuestring : "");
        m->requires_access_token = cJSON_IsTrue(rat);
        if (!m->transaction_time || !m->request)
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        if (st == F2C_OK) st = parse_files(out, "output", 1, NULL, &m->output, &m->noutput, e);
        if (st == F2C_OK && err) st = parse_files(err, "error", 0, NULL, &m->error, &m->nerror, e);
    }
    f2c_buf_free(&norm);
    cJSON_Delete(doc);
    if (st != F2C_OK) f2c_bulk_manifest_free(m);
    return st;
}

f2c_status f2c_bulk_manifest_read_deleted(const char *text, size_t len, f2c_bulk_manifest *m,
                                          f2c_error *e)
{
    files_free(m->deleted, m->ndeleted);
    m->deleted = NULL;
    m->ndeleted = 0;
    cJSON *doc = len ? cJSON_ParseWithLength(text, len) : NULL;
    if (!doc)
        return f2c_error_set(e, F2C_EJSON, NULL, 0, 0, NULL,
                             "manifest: the complete-status body is not JSON");
    const cJSON *del = cJSON_GetObjectItemCaseSensitive(doc, "deleted");
    f2c_status st = F2C_OK;
    if (!cJSON_IsObject(doc))
        st = bad_member(e, "(root)", "expected a JSON object");
    else if (del && !cJSON_IsArray(del))
        st = bad_member(e, "deleted", "expected an array");
    else if (del) /* the IG: "the same structure as the output array", of Bundle files */
        st = parse_files(del, "deleted", 0, "Bundle", &m->deleted, &m->ndeleted, e);
    cJSON_Delete(doc);
    if (st != F2C_OK) {
        files_free(m->deleted, m->ndeleted);
        m->deleted = NULL;
        m->ndeleted = 0;
    }
    return st;
}
