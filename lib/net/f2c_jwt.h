/*
 * f2c_jwt (internal): signed JSON Web Tokens for OAuth 2.0 "private_key_jwt" client
 * authentication, as SMART Backend Services uses it to get a token for a Bulk Data $export.
 *
 * Why a module of its own: the token provider (f2c_token.c) only needs "give me a fresh
 * client assertion"; key loading, the JWS signing input, the ECDSA signature format and base64url
 * are easy to get subtly wrong and deserve a unit test of their own (tests/bulk) that checks the
 * signature with the openssl command line, independently of this code.
 *
 * Specifications (cited as [tag] below):
 *   [JWS]    RFC 7515 JSON Web Signature: §5.1 (signing input = base64url(header) "."
 *            base64url(payload)), §2 (base64url without padding), Appendix C.
 *   [JWA]    RFC 7518 §3.3 (RS384: RSASSA-PKCS1-v1_5 with SHA-384) and §3.4 (ES384: ECDSA P-384
 *            with SHA-384; the signature is the 48-byte big-endian R followed by the 48-byte S,
 *            NOT the DER ECDSA-Sig-Value OpenSSL produces).
 *   [SMART]  SMART App Launch 2.x, "SMART Backend Services" and "Client Authentication:
 *            Asymmetric (public key)" (hl7.org/fhir/smart-app-launch/client-confidential-
 *            asymmetric.html): "Authentication JWT Header Values" (alg RS384 or ES384, typ "JWT",
 *            kid required: the id of the signing key in the client's JWK Set),
 *            "Authentication JWT Claims" (iss = sub = client_id, aud = the
 *            token URL, exp at most five minutes ahead, jti unique per assertion).
 *   [RFC7523] JWT Profile for OAuth 2.0 Client Authentication, §2.2 (client_assertion_type
 *            urn:ietf:params:oauth:client-assertion-type:jwt-bearer), §3 (claims).
 *
 * Keys: an unencrypted PEM private key (PKCS#8 "BEGIN PRIVATE KEY", or the traditional "BEGIN
 * RSA PRIVATE KEY" / "BEGIN EC PRIVATE KEY"), or a private JWK [RFC 7517, RFC 7518 §6] (a JSON
 * object with "d"; its "kid" is the assertion's default kid; f2c_jwk.h), RSA of at least 2048
 * bits (RS384) or EC on curve P-384 (ES384).  Key material is never printed; error
 * messages name the file only.
 */
#ifndef FHIR2CDM_F2C_JWT_H
#define FHIR2CDM_F2C_JWT_H

#include <stddef.h>
#include <time.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"

typedef struct f2c_jwt_key f2c_jwt_key;

/*
 * Loads a signing key.  pem is either a file path or, when it starts with "-----BEGIN" or "{",
 * the PEM or JWK text itself; a file whose first non-blank byte is "{" is a JWK.  Errors: F2C_EIO
 * (file unreadable: "private key <path>: <strerror>"), F2C_EUSAGE (not a PEM private key, an
 * encrypted one, not a private JWK, RSA shorter than 2048 bits, EC not on P-384, another key
 * type), F2C_ENOMEM.  *out owns the key (f2c_jwt_key_free).
 */
f2c_status f2c_jwt_key_load(const char *pem, f2c_jwt_key **out, f2c_error *e);

/* The "kid" of a JWK key, or NULL (a PEM key has none) [RFC 7517 §4.5]. */
const char *f2c_jwt_key_kid(const f2c_jwt_key *k);

/* "RS384" or "ES384" [JWA]. */
const char *f2c_jwt_key_alg(const f2c_jwt_key *k);

/* Frees k (NULL allowed); OpenSSL wipes the private key material. */
void f2c_jwt_key_free(f2c_jwt_key *k);

/* Appends the unpadded base64url encoding of p[0..n) to out [JWS §2].  0, or -1 out of memory. */
int f2c_base64url_append(f2c_buf *out, const void *p, size_t n);

/*
 * Signs a compact JWS [JWS §5.1, §7.1]: base64url(header_json) "." base64url(payload_json) "."
 * base64url(signature), with the key's algorithm (ES384 signatures converted to R||S [JWA
 * §3.4]).  header_json and payload_json are used byte for byte.  *out is a new NUL-terminated
 * string (free()).  Errors: F2C_ENOMEM, F2C_EIO (OpenSSL failure, with its reason).
 */
f2c_status f2c_jwt_sign(const f2c_jwt_key *k, const char *header_json, const char *payload_json,
                        char **out, f2c_error *e);

/*
 * Makes a client assertion [SMART "Authentication JWT Claims", RFC7523 §3]: header {"alg",
 * "typ":"JWT", "kid" when kid is non-empty}; claims iss = sub = client_id, aud = token_url,
 * exp = now + lifetime_s (lifetime_s <= 0 selects 300, the SMART maximum), jti = 32 hex digits
 * from RAND_bytes.  *out as for f2c_jwt_sign.  Errors: those of f2c_jwt_sign, F2C_EIO when the
 * random generator fails.
 */
f2c_status f2c_jwt_client_assertion(const f2c_jwt_key *k, const char *kid, const char *client_id,
                                    const char *token_url, time_t now, long lifetime_s, char **out,
                                    f2c_error *e);

#endif
