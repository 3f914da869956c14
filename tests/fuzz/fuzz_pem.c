/*
 * fuzz_pem: libFuzzer target for private-key loading (f2c_jwt_key_load, used by `export
 * --private-key` for SMART Backend Services and by the Blob token provider): the input is the
 * PEM or JWK text itself (the loader takes inline text when it starts with "-----BEGIN" or "{";
 * input that does not is skipped, since the loader would take it as a file path).  A key that
 * loads signs one client assertion, so what the loader kept is used as the token provider uses
 * it; a JWK's kid is read back.  JWKs are read by f2c_jwk.c (cJSON, OpenSSL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "f2c_jwt.h"
#include "fhir2cdm/f2c_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int pem_text = size >= 10 && memcmp(data, "-----BEGIN", 10) == 0;
    if ((!pem_text && (size < 1 || data[0] != '{')) || memchr(data, '\0', size)) return 0;
    char *pem = malloc(size + 1);
    if (!pem) return 0;
    memcpy(pem, data, size);
    pem[size] = '\0';
    f2c_jwt_key *k = NULL;
    f2c_error e;
    if (f2c_jwt_key_load(pem, &k, &e) == F2C_OK) {
        char *jwt = NULL;
        (void)f2c_jwt_key_alg(k);
        const char *kid = f2c_jwt_key_kid(k);
        if (kid && !*kid) abort(); /* an empty kid is never kept */
        if (f2c_jwt_client_assertion(k, "kid-1", "client-1", "https://auth.example.org/token",
                                     1700000000, 300, &jwt, &e) == F2C_OK)
            free(jwt);
        f2c_jwt_key_free(k);
    } else {
        char line[1024];
        (void)f2c_error_format(&e, line, sizeof line);
    }
    free(pem);
    return 0;
}
