/*
 * f2c_jwk: a private JWK imported into OpenSSL (contract in f2c_jwk.h).  Each member is decoded
 * into an OSSL_PARAM and the key is built with EVP_PKEY_fromdata, then checked as a pair.
 */
#include "f2c_jwk.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

/* 8192-bit numbers are the largest an RSA key here needs; anything longer is not a key. */
#define MAX_NUMBER 1024

/* Decodes the base64url string member name of jwk [RFC 7515 §2] into out (MAX_NUMBER bytes);
 * its length, or -1 when absent, empty, not base64url or too long. */
static int member(const cJSON *jwk, const char *name, unsigned char *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, name);
    size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
    if (n == 0 || n % 4 == 1 || n > MAX_NUMBER * 4 / 3 + 2) return -1;
    char std[MAX_NUMBER * 4 / 3 + 8];
    for (size_t i = 0; i < n; i++) {
        char c = v->valuestring[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -1;
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t pad = (4 - n % 4) % 4;
    memset(std + n, '=', pad);
    /* EVP_DecodeBlock counts the padding's zero bytes too */
    int k = EVP_DecodeBlock(out, (const unsigned char *)std, (int)(n + pad));
    OPENSSL_cleanse(std, sizeof std);
    return k < 0 ? -1 : k - (int)pad;
}

/* Adds member name of jwk as the big-endian number param; 0, or -1 (bad member, no memory). */
static int add_number(OSSL_PARAM_BLD *b, const cJSON *jwk, const char *name, const char *param,
                      BIGNUM **keep)
{
    unsigned char buf[MAX_NUMBER];
    int n = member(jwk, name, buf);
    BIGNUM *bn = n > 0 ? BN_bin2bn(buf, n, NULL) : NULL;
    OPENSSL_cleanse(buf, sizeof buf);
    if (!bn || !OSSL_PARAM_BLD_push_BN(b, param, bn)) {
        BN_clear_free(bn);
        return -1;
    }
    *keep = bn; /* the builder refers to it until the params are made */
    return 0;
}

/* RSA [RFC 7518 §6.3]: n, e, d, and all or none of p, q, dp, dq, qi. */
static int rsa_params(OSSL_PARAM_BLD *b, const cJSON *jwk, BIGNUM **bn)
{
    static const char *const names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    static const char *const params[] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    int crt = 0;
    for (size_t i = 3; i < 8; i++)
        crt += cJSON_GetObjectItemCaseSensitive(jwk, names[i]) != NULL;
    if (crt != 0 && crt != 5) return -1;
    for (size_t i = 0; i < (crt ? 8u : 3u); i++)
        if (add_number(b, jwk, names[i], params[i], &bn[i]) != 0) return -1;
    return 0;
}

/* EC [RFC 7518 §6.2]: crv, x, y (the point 04 || x || y, each padded to the field's size), d. */
static int ec_params(OSSL_PARAM_BLD *b, const cJSON *jwk, BIGNUM **bn, unsigned char *point)
{
    const cJSON *crv = cJSON_GetObjectItemCaseSensitive(jwk, "crv");
    static const char *const crvs[][2] = {
        {"P-256", "prime256v1"}, {"P-384", "secp384r1"}, {"P-521", "secp521r1"}};
    static const int sizes[] = {32, 48, 66};
    int c = -1;
    for (int i = 0; i < 3 && cJSON_IsString(crv); i++)
        if (strcmp(crv->valuestring, crvs[i][0]) == 0) c = i;
    if (c < 0) return -1;
    unsigned char x[MAX_NUMBER], y[MAX_NUMBER];
    int nx = member(jwk, "x", x), ny = member(jwk, "y", y), size = sizes[c];
    int ok = nx > 0 && nx <= size && ny > 0 && ny <= size;
    if (ok) {
        memset(point, 0, 1 + 2 * (size_t)size);
        point[0] = 4; /* uncompressed (SEC 1 §2.3.3) */
        memcpy(point + 1 + size - nx, x, (size_t)nx);
        memcpy(point + 1 + 2 * size - ny, y, (size_t)ny);
    }
    ok =
        ok && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, crvs[c][1], 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * (size_t)size) &&
        add_number(b, jwk, "d", OSSL_PKEY_PARAM_PRIV_KEY, &bn[0]) == 0;
    return ok ? 0 : -1;
}

/* The key from params, checked as a pair when pair (OpenSSL 3.0 checks an RSA pair only with its
 * factors); NULL when OpenSSL refuses it. */
static EVP_PKEY *from_params(const char *kind, OSSL_PARAM *params, int pair)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, kind, NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_CTX *check = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    if (pkey && pair && (!check || EVP_PKEY_pairwise_check(check) != 1)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(check);
    return pkey;
}

EVP_PKEY *f2c_jwk_private_key(const char *text, size_t len, char **kid)
{
    *kid = NULL;
    cJSON *jwk = cJSON_ParseWithLength(text, len);
    const cJSON *kty = cJSON_GetObjectItemCaseSensitive(jwk, "kty");
    const char *t = cJSON_IsString(kty) ? kty->valuestring : "";
    int rsa = strcmp(t, "RSA") == 0, ec = strcmp(t, "EC") == 0;
    BIGNUM *bn[8] = {0};
    unsigned char point[1 + 2 * 66];
    OSSL_PARAM_BLD *b = (rsa || ec) && cJSON_IsObject(jwk) ? OSSL_PARAM_BLD_new() : NULL;
    OSSL_PARAM *params = NULL;
    if (b && (rsa ? rsa_params(b, jwk, bn) : ec_params(b, jwk, bn, point)) == 0)
        params = OSSL_PARAM_BLD_to_param(b);
    int pair = ec || cJSON_GetObjectItemCaseSensitive(jwk, "p") != NULL;
    EVP_PKEY *pkey = params ? from_params(rsa ? "RSA" : "EC", params, pair) : NULL;
    OSSL_PARAM_free(params); /* its copies of the numbers: freed unwiped (OpenSSL 3.0 has no
                              * OSSL_PARAM_clear_free) */
    OSSL_PARAM_BLD_free(b);
    for (size_t i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    OPENSSL_cleanse(point, sizeof point);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(jwk, "kid");
    if (pkey && cJSON_IsString(k) && *k->valuestring) *kid = strdup(k->valuestring);
    cJSON_Delete(jwk);
    return pkey;
}
