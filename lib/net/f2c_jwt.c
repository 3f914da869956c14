/*
 * f2c_jwt: JWS signing of OAuth client assertions with OpenSSL 3's EVP API.  Contract and
 * specification tags in f2c_jwt.h.  Kept apart from the token provider so the token code never
 * touches key material directly and the signer can be checked against `openssl dgst -verify`.
 */
#include "f2c_jwt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "f2c_jwk.h"

/* ES384: each of R and S is the 384-bit curve order's size [JWA §3.4]. */
#define ES384_HALF 48
/* Key files are a few KiB; refuse anything absurd rather than reading it into memory. */
#define MAX_PEM (1u << 20)

struct f2c_jwt_key {
    EVP_PKEY *pkey;
    int ec;    /* 1: ES384, 0: RS384 */
    char *kid; /* a JWK's "kid", or NULL */
};

/* The most recent OpenSSL error reason, for messages (never contains key material). */
static const char *ossl_reason(void)
{
    unsigned long err = ERR_peek_last_error();
    const char *r = err ? ERR_reason_error_string(err) : NULL;
    return r ? r : "unknown OpenSSL error";
}

static f2c_status ossl_fail(f2c_error *e, const char *what)
{
    f2c_status st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "%s: %s", what, ossl_reason());
    ERR_clear_error();
    return st;
}

/* Reads the whole PEM file into a buffer that the caller wipes and frees. */
static f2c_status read_pem(const char *path, f2c_buf *b, f2c_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "private key %s: %s", path,
                             strerror(errno));
    char chunk[4096];
    size_t n;
    f2c_status st = F2C_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b->len + n > MAX_PEM) {
            st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                               "private key %s: larger than 1 MiB, not a PEM key", path);
            break;
        }
        if (f2c_buf_append(b, chunk, n) != 0) {
            st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            break;
        }
    }
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (st == F2C_OK && ferror(f))
        st = f2c_error_set(e, F2C_EIO, NULL, 0, 0, NULL, "private key %s: read error", path);
    fclose(f);
    return st;
}

/* Non-zero when text (a key file's bytes) is a JSON object: a JWK, not PEM. */
static int is_json(const f2c_buf *text)
{
    size_t i = 0;
    while (i < text->len && (text->data[i] == ' ' || text->data[i] == '\n' ||
                             text->data[i] == '\r' || text->data[i] == '\t'))
        i++;
    return i < text->len && text->data[i] == '{';
}

/* No passphrase prompt: an encrypted key must fail instead of blocking on the terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

f2c_status f2c_jwt_key_load(const char *pem, f2c_jwt_key **out, f2c_error *e)
{
    *out = NULL;
    if (!pem || !*pem)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "no private key given");
    int inline_pem = strncmp(pem, "-----BEGIN", 10) == 0, inline_jwk = pem[0] == '{';
    const char *name = inline_pem ? "(inline PEM)" : inline_jwk ? "(inline JWK)" : pem;
    f2c_buf text = {0};
    f2c_status st = F2C_OK;
    if (inline_pem || inline_jwk) {
        if (f2c_buf_appends(&text, pem) != 0)
            return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    } else if ((st = read_pem(pem, &text, e)) != F2C_OK) {
        if (text.data) OPENSSL_cleanse(text.data, text.len);
        f2c_buf_free(&text);
        return st;
    }
    EVP_PKEY *pkey = NULL;
    char *kid = NULL;
    int jwk = is_json(&text);
    BIO *bio = text.len && !jwk ? BIO_new_mem_buf(text.data, (int)text.len) : NULL;
    if (bio) pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    if (jwk) pkey = f2c_jwk_private_key(text.data, text.len, &kid);
    BIO_free(bio);
    if (text.data) OPENSSL_cleanse(text.data, text.len);
    f2c_buf_free(&text);
    ERR_clear_error();
    if (!pkey)
        return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                             jwk ? "private key %s: not a private JWK (RSA or EC P-384 with \"d\")"
                                 : "private key %s: not an unencrypted PEM private key",
                             name);
    int ec = 0;
    int id = EVP_PKEY_get_base_id(pkey);
    if (id == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(pkey) < 2048)
            st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                               "private key %s: RSA key of %d bits; RS384 needs at least 2048",
                               name, EVP_PKEY_get_bits(pkey));
    } else if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            &glen) ||
            (strcmp(group, "secp384r1") != 0 && strcmp(group, "P-384") != 0))
            st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                               "private key %s: EC key on curve %s; ES384 needs P-384 "
                               "(secp384r1)",
                               name, group[0] ? group : "(unknown)");
        ec = 1;
    } else {
        st = f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL,
                           "private key %s: neither RSA (RS384) nor EC P-384 (ES384)", name);
    }
    ERR_clear_error();
    f2c_jwt_key *k = st == F2C_OK ? calloc(1, sizeof *k) : NULL;
    if (!k) {
        EVP_PKEY_free(pkey);
        free(kid);
        return st != F2C_OK ? st : f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    k->pkey = pkey;
    k->ec = ec;
    k->kid = kid;
    *out = k;
    return F2C_OK;
}

const char *f2c_jwt_key_alg(const f2c_jwt_key *k)
{
    return k->ec ? "ES384" : "RS384";
}

const char *f2c_jwt_key_kid(const f2c_jwt_key *k)
{
    return k->kid;
}

void f2c_jwt_key_free(f2c_jwt_key *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    free(k->kid);
    free(k);
}

int f2c_base64url_append(f2c_buf *out, const void *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *s = p;
    if (f2c_buf_reserve(out, (n + 2) / 3 * 4 + 1) != 0) return -1;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        char q[4] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
        if (f2c_buf_append(out, q, 4) != 0) return -1;
    }
    if (n - i == 1) {
        unsigned v = (unsigned)s[i] << 16;
        char q[2] = {a[v >> 18], a[(v >> 12) & 63]};
        if (f2c_buf_append(out, q, 2) != 0) return -1;
    } else if (n - i == 2) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
        char q[3] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63]};
        if (f2c_buf_append(out, q, 3) != 0) return -1;
    }
    return 0;
}

/* DER ECDSA-Sig-Value -> fixed-size R||S [JWA §3.4]. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char raw[2 * ES384_HALF])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (!sig) return -1;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = r && s && BN_bn2binpad(r, raw, ES384_HALF) == ES384_HALF &&
             BN_bn2binpad(s, raw + ES384_HALF, ES384_HALF) == ES384_HALF;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

f2c_status f2c_jwt_sign(const f2c_jwt_key *k, const char *header_json, const char *payload_json,
                        char **out, f2c_error *e)
{
    *out = NULL;
    f2c_buf b = {0};
    if (f2c_base64url_append(&b, header_json, strlen(header_json)) != 0 ||
        f2c_buf_appendc(&b, '.') != 0 ||
        f2c_base64url_append(&b, payload_json, strlen(payload_json)) != 0) {
        f2c_buf_free(&b);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    size_t signing_len = b.len;
    f2c_status st = F2C_OK;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* [JWA §3.3]: RSA keys sign with PKCS#1 v1.5 padding, OpenSSL's default for RSA. */
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)b.data, signing_len) != 1) {
        st = ossl_fail(e, "signing the client assertion");
        goto done;
    }
    sig = malloc(siglen ? siglen : 1);
    if (!sig) {
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)b.data, signing_len) != 1) {
        st = ossl_fail(e, "signing the client assertion");
        goto done;
    }
    unsigned char raw[2 * ES384_HALF];
    const unsigned char *final = sig;
    size_t final_len = siglen;
    if (k->ec) {
        if (der_to_raw(sig, siglen, raw) != 0) {
            st = ossl_fail(e, "converting the ES384 signature");
            goto done;
        }
        final = raw;
        final_len = sizeof raw;
    }
    if (f2c_buf_appendc(&b, '.') != 0 || f2c_base64url_append(&b, final, final_len) != 0) {
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    *out = b.data;
    b.data = NULL;
done:
    EVP_MD_CTX_free(md);
    free(sig);
    f2c_buf_free(&b);
    return st;
}

f2c_status f2c_jwt_client_assertion(const f2c_jwt_key *k, const char *kid, const char *client_id,
                                    const char *token_url, time_t now, long lifetime_s, char **out,
                                    f2c_error *e)
{
    *out = NULL;
    unsigned char rnd[16];
    char jti[2 * sizeof rnd + 1];
    if (RAND_bytes(rnd, (int)sizeof rnd) != 1) return ossl_fail(e, "random jti");
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
    if (lifetime_s <= 0 || lifetime_s > 300) lifetime_s = 300;
    cJSON *h = cJSON_CreateObject(), *c = cJSON_CreateObject();
    char *hs = NULL, *cs = NULL;
    int ok = h && c && cJSON_AddStringToObject(h, "alg", f2c_jwt_key_alg(k)) &&
             cJSON_AddStringToObject(h, "typ", "JWT") &&
             (!kid || !*kid || cJSON_AddStringToObject(h, "kid", kid)) &&
             cJSON_AddStringToObject(c, "iss", client_id) &&
             cJSON_AddStringToObject(c, "sub", client_id) &&
             cJSON_AddStringToObject(c, "aud", token_url) &&
             cJSON_AddNumberToObject(c, "exp", (double)(now + lifetime_s)) &&
             cJSON_AddStringToObject(c, "jti", jti);
    if (ok) {
        hs = cJSON_PrintUnformatted(h);
        cs = cJSON_PrintUnformatted(c);
    }
    cJSON_Delete(h);
    cJSON_Delete(c);
    f2c_status st;
    if (!hs || !cs)
        st = f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    else
        st = f2c_jwt_sign(k, hs, cs, out, e);
    free(hs);
    free(cs);
    return st;
}
