/*
 * f2c_redact: secrets kept out of messages, by structure and by every encoded form of each known
 * secret.  One copy for every HTTP client of the library (the contract, the 8-character rule and
 * the locking decision are in f2c_redact.h).
 */
#include "fhir2cdm/f2c_redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

typedef struct secret {
    char **forms; /* raw first, then the derived encodings; each NUL-terminated */
    size_t *lens;
    size_t nforms;
} secret;

struct f2c_redactor {
    pthread_mutex_t mu;
    secret *secrets;
    size_t nsecrets, cap;
    char *withheld_what; /* name of the first short secret, or NULL */
    int withhold;        /* a short secret is known, or learning one failed */
};

/* ---- secrets and their forms ------------------------------------------------------------- */

static void forms_free(secret *s)
{
    for (size_t i = 0; i < s->nforms; i++) {
        OPENSSL_cleanse(s->forms[i], s->lens[i]);
        free(s->forms[i]);
    }
    free(s->forms);
    free(s->lens);
    memset(s, 0, sizeof *s);
}

/* Adds b's text as a form of s unless empty or already there; b is consumed (wiped). */
static int add_form(secret *s, f2c_buf *b)
{
    int rc = 0;
    if (b->len == 0) goto out;
    for (size_t i = 0; i < s->nforms; i++)
        if (s->lens[i] == b->len && memcmp(s->forms[i], b->data, b->len) == 0) goto out;
    char **f = realloc(s->forms, (s->nforms + 1) * sizeof *f);
    if (!f) {
        rc = -1;
        goto out;
    }
    s->forms = f;
    size_t *l = realloc(s->lens, (s->nforms + 1) * sizeof *l);
    if (!l) {
        rc = -1;
        goto out;
    }
    s->lens = l;
    char *copy = malloc(b->len + 1);
    if (!copy) {
        rc = -1;
        goto out;
    }
    memcpy(copy, b->data, b->len);
    copy[b->len] = '\0';
    s->forms[s->nforms] = copy;
    s->lens[s->nforms++] = b->len;
out:
    if (b->data) OPENSSL_cleanse(b->data, b->len);
    f2c_buf_free(b);
    return rc;
}

/* Percent-encoding: RFC 3986 unreserved kept, plus the characters in keep; space as "+" when
 * plus (application/x-www-form-urlencoded); hex digits upper- or lower-case. */
static int pct(f2c_buf *b, const char *s, const char *keep, int plus, int upper)
{
    const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int r;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
            (keep && strchr(keep, ch)))
            r = f2c_buf_appendc(b, (char)ch);
        else if (ch == ' ' && plus)
            r = f2c_buf_appendc(b, '+');
        else {
            char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            r = f2c_buf_append(b, t, 3);
        }
        if (r != 0) return -1;
    }
    return 0;
}

/* JSON string escaping (RFC 8259 §7), '/' escaped as "\/" when slash. */
static int json_esc(f2c_buf *b, const char *s, int slash)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int r;
        if (ch == '"' || ch == '\\' || (slash && ch == '/')) {
            char t[2] = {'\\', (char)ch};
            r = f2c_buf_append(b, t, 2);
        } else if (ch < 0x20) {
            r = f2c_buf_printf(b, "\\u%04x", ch);
        } else {
            r = f2c_buf_appendc(b, (char)ch);
        }
        if (r != 0) return -1;
    }
    return 0;
}

static int b64(f2c_buf *b, const char *s, int url, int pad)
{
    const char *al = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                         : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        char t[4] = {al[(v >> 18) & 63], al[(v >> 12) & 63], al[(v >> 6) & 63], al[v & 63]};
        size_t k = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
        if (f2c_buf_append(b, t, k) != 0) return -1;
        if (pad && k < 4 && f2c_buf_append(b, "==", 4 - k) != 0) return -1;
    }
    return 0;
}

/* Fills s with the raw secret and every derived form. */
static int derive(secret *s, const char *raw)
{
    f2c_buf b = {0};
    if (f2c_buf_appends(&b, raw) || add_form(s, &b)) return -1;
    /* Percent-encodings: '/' encoded (RFC 3986 components) or kept (Python's quote()), space as
     * %20 or '+' (forms, quote_plus), upper- or lower-case hex; then encodeURIComponent's set. */
    for (int slash = 0; slash < 2; slash++)
        for (int plus = 0; plus < 2; plus++)
            for (int upper = 0; upper < 2; upper++)
                if (pct(&b, raw, slash ? "/" : NULL, plus, upper) || add_form(s, &b)) return -1;
    if (pct(&b, raw, "!'()*", 0, 1) || add_form(s, &b)) return -1;
    for (int slash = 0; slash < 2; slash++)
        if (json_esc(&b, raw, slash) || add_form(s, &b)) return -1;
    for (int url = 0; url < 2; url++)
        for (int pad = 0; pad < 2; pad++)
            if (b64(&b, raw, url, pad) || add_form(s, &b)) return -1;
    return 0;
}

/* ---- the redactor ------------------------------------------------------------------------- */

f2c_redactor *f2c_redactor_new(void)
{
    f2c_redactor *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void f2c_redactor_free(f2c_redactor *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nsecrets; i++)
        forms_free(&r->secrets[i]);
    free(r->secrets);
    free(r->withheld_what);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static f2c_redactor *g_redactor;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    g_redactor = f2c_redactor_new();
}

f2c_redactor *f2c_redactor_global(void)
{
    pthread_once(&g_once, global_init);
    return g_redactor;
}

static f2c_redactor *pick(f2c_redactor *r)
{
    return r ? r : f2c_redactor_global();
}

f2c_status f2c_redactor_add(f2c_redactor *r, const char *raw, const char *what, f2c_error *e)
{
    if (!raw || !*raw) return F2C_OK;
    r = pick(r);
    if (!r) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    f2c_status st = F2C_OK;
    pthread_mutex_lock(&r->mu);
    if (strlen(raw) < F2C_REDACT_MIN_LEN) {
        /* Not searched for: withhold server text instead (f2c_redact.h). */
        if (!r->withheld_what) {
            free(r->withheld_what);
            r->withheld_what = strdup(what ? what : "a secret");
        }
        r->withhold = 1;
        goto out;
    }
    for (size_t i = 0; i < r->nsecrets; i++)
        if (strcmp(r->secrets[i].forms[0], raw) == 0) goto out;
    if (r->nsecrets == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        secret *s = realloc(r->secrets, cap * sizeof *s);
        if (!s) goto oom;
        r->secrets = s;
        r->cap = cap;
    }
    secret s = {0};
    if (derive(&s, raw) != 0) {
        forms_free(&s);
        goto oom;
    }
    r->secrets[r->nsecrets++] = s;
    goto out;
oom:
    r->withhold = 1;
    st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
out:
    pthread_mutex_unlock(&r->mu);
    return st;
}

int f2c_redactor_withholds(f2c_redactor *r, const char **what)
{
    r = pick(r);
    if (!r) {
        if (what) *what = "a secret";
        return 1;
    }
    pthread_mutex_lock(&r->mu);
    int w = r->withhold;
    if (what) *what = r->withheld_what ? r->withheld_what : "a secret";
    pthread_mutex_unlock(&r->mu);
    return w;
}

/* ---- structural redaction ----------------------------------------------------------------- */

/* Names whose value is a credential wherever they appear as a header, form field or member.
 * hdr: the value runs to the end of the line (a header value has spaces: "Bearer x"). */
static const struct {
    const char *name;
    int hdr;
} NAMES[] = {{"authorization", 1},
             {"client_secret", 0},
             {"client_assertion", 0},
             {"access_token", 0},
             {"refresh_token", 0},
             {"id_token", 0},
             {"sig", 0}};

static int name_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

/*
 * If a credential name starts at t[i] (and not inside a longer word), sets [*vs, *ve) to its
 * value and returns 1.  Accepts `name: v`, `name=v`, `"name": "v"`, `'name': 'v'` and the
 * backslash-escaped `\"name\":\"v\"` of JSON inside a JSON string.
 */
static int credential_at(const char *t, size_t n, size_t i, size_t *vs, size_t *ve)
{
    if (i > 0 && name_char((unsigned char)t[i - 1])) return 0;
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
        size_t nl = strlen(NAMES[k].name);
        if (n - i < nl || strncasecmp(t + i, NAMES[k].name, nl) != 0) continue;
        size_t j = i + nl;
        if (j < n && name_char((unsigned char)t[j])) continue;
        while (j < n && (t[j] == '"' || t[j] == '\'' || t[j] == '\\'))
            j++;
        while (j < n && (t[j] == ' ' || t[j] == '\t'))
            j++;
        if (j >= n || (t[j] != ':' && t[j] != '=')) continue;
        j++;
        while (j < n && (t[j] == ' ' || t[j] == '\t'))
            j++;
        int escaped = 0;
        char quote = 0;
        if (j + 1 < n && t[j] == '\\' && (t[j + 1] == '"' || t[j + 1] == '\'')) {
            escaped = 1;
            j++;
        }
        if (j < n && (t[j] == '"' || t[j] == '\'')) quote = t[j++];
        size_t s = j;
        if (quote) {
            while (j < n && t[j] != '\n' && t[j] != '\r' &&
                   !(t[j] == quote && (!escaped || t[j - 1] == '\\')))
                j++;
            if (escaped && j > s && j < n && t[j] == quote) j--; /* keep the backslash */
        } else if (NAMES[k].hdr) {
            while (j < n && !strchr("\r\n\"'&,;{}[]", t[j]) && t[j] != '\0')
                j++;
        } else {
            while (j < n && !isspace((unsigned char)t[j]) && !strchr("\"'&,;<>{}[]\\", t[j]) &&
                   t[j] != '\0')
                j++;
        }
        while (j > s && (t[j - 1] == ' ' || t[j - 1] == '\t'))
            j--;
        if (j == s) continue;
        *vs = s;
        *ve = j;
        return 1;
    }
    return 0;
}

/* ---- redaction ---------------------------------------------------------------------------- */

/* Length of the longest known form matching at t[i], 0 when none.  Caller holds the lock. */
static size_t secret_at(const f2c_redactor *r, const char *t, size_t n, size_t i)
{
    size_t best = 0;
    for (size_t k = 0; k < r->nsecrets; k++)
        for (size_t f = 0; f < r->secrets[k].nforms; f++) {
            size_t l = r->secrets[k].lens[f];
            if (l > best && l <= n - i && memcmp(t + i, r->secrets[k].forms[f], l) == 0) best = l;
        }
    return best;
}

int f2c_redact_append(f2c_redactor *r, const char *text, size_t len, f2c_buf *out)
{
    r = pick(r);
    if (!r) return -1;
    if (!text) len = 0;
    /* Pass 1: every known form of every long secret.  Pass 2: structure, on pass 1's result (a
     * value already replaced is simply replaced again). */
    f2c_buf mid = {0};
    int bad = 0;
    pthread_mutex_lock(&r->mu);
    size_t i = 0;
    while (i < len && !bad) {
        size_t m = r->nsecrets ? secret_at(r, text, len, i) : 0;
        if (m) {
            bad = f2c_buf_appends(&mid, F2C_REDACT_MARKER) != 0;
            i += m;
        } else {
            bad = f2c_buf_appendc(&mid, text[i++]) != 0;
        }
    }
    pthread_mutex_unlock(&r->mu);
    const char *t = mid.data ? mid.data : "";
    size_t n = mid.len;
    for (i = 0; i < n && !bad;) {
        size_t vs, ve;
        if (credential_at(t, n, i, &vs, &ve)) {
            bad = f2c_buf_append(out, t + i, vs - i) != 0 ||
                  f2c_buf_appends(out, F2C_REDACT_MARKER) != 0;
            i = ve;
        } else {
            bad = f2c_buf_appendc(out, t[i++]) != 0;
        }
    }
    if (mid.data) OPENSSL_cleanse(mid.data, mid.len);
    f2c_buf_free(&mid);
    return bad ? -1 : 0;
}

int f2c_redact_server_text(f2c_redactor *r, const char *text, size_t len, f2c_buf *out)
{
    const char *what;
    if (f2c_redactor_withholds(r, &what)) {
        /* what stays valid: the name of a short secret is never replaced once set. */
        return f2c_buf_printf(out, "(server response not shown: it could contain %s)", what) != 0
                   ? -1
                   : 0;
    }
    size_t from = out->len;
    int rc = f2c_redact_append(r, text, len, out);
    /* One message line: a server's line breaks and tabs (and other controls) become spaces. */
    for (size_t i = from; i < out->len; i++)
        if ((unsigned char)out->data[i] < 0x20 || out->data[i] == 0x7f) out->data[i] = ' ';
    return rc;
}

void f2c_redact_inplace(f2c_redactor *r, char *buf, size_t cap)
{
    if (!buf || cap == 0) return;
    f2c_buf out = {0};
    if (f2c_redact_append(r, buf, strnlen(buf, cap), &out) != 0) {
        snprintf(buf, cap, "(message withheld: out of memory)");
    } else {
        size_t l = out.len < cap - 1 ? out.len : cap - 1;
        if (l) memcpy(buf, out.data, l);
        buf[l] = '\0';
    }
    if (out.data) OPENSSL_cleanse(out.data, out.len);
    f2c_buf_free(&out);
}

void f2c_redact_error(f2c_redactor *r, f2c_error *e)
{
    if (e) f2c_redact_inplace(r, e->message, sizeof e->message);
}
