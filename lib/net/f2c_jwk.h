/*
 * f2c_jwk (internal): a private JSON Web Key as an OpenSSL key, for the client assertion signer
 * (f2c_jwt.c: --private-key may be a JWK, the form SMART Backend Services clients register).
 *
 * Why our own import and not libjose: Debian 12's libjose 11 leaks the numbers it has decoded
 * when it refuses a key (found by fuzz_pem), and a key file is user input.  OpenSSL 3 imports
 * keys from their numbers (EVP_PKEY_fromdata), so what is left here is reading the JWK's
 * members: cJSON for the JSON, OpenSSL's base64 decoder for the values.
 *
 * Specifications: RFC 7517 (JWK; §4.5 "kid"), RFC 7518 §6.2 (EC: crv, x, y, d) and §6.3 (RSA:
 * n, e, d, and the CRT parameters p, q, dp, dq, qi: all five or none), RFC 7515 §2 (base64url
 * without padding).
 */
#ifndef FHIR2CDM_F2C_JWK_H
#define FHIR2CDM_F2C_JWK_H

#include <stddef.h>

#include <openssl/evp.h>

/*
 * The private RSA or EC key in the JWK text[0..len) (a JSON object with "d"), or NULL when it is
 * none: not a JSON object, another kty, a member missing, not base64url or longer than 1 KiB
 * decoded, an EC curve other than P-256/P-384/P-521, CRT parameters given in part, or numbers
 * that OpenSSL refuses or that do not form a key pair (EVP_PKEY_pairwise_check; an RSA key
 * without its CRT parameters is taken unchecked: OpenSSL 3.0 checks a pair from its factors).  *kid receives
 * a copy of a non-empty "kid" (free()), else NULL.  The decoded numbers are wiped.
 */
EVP_PKEY *f2c_jwk_private_key(const char *text, size_t len, char **kid);

#endif
