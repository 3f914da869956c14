/*
 * fuzz_fhirpath: libFuzzer target for the FHIRPath engine: the input is an expression, a newline,
 * and a JSON resource (both arbitrary bytes).  The expression is compiled (every syntax and
 * arity check) and, when it compiles and the resource parses, evaluated with the resource as
 * context and %resource, and the result serialised as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t elen = nl ? (size_t)(nl - data) : size;
    char *expr = malloc(elen + 1);
    if (!expr) return 0;
    memcpy(expr, data, elen);
    expr[elen] = '\0';
    if (memchr(expr, '\0', elen)) { /* the compiler takes a C string */
        free(expr);
        return 0;
    }
    const char *json = nl ? (const char *)nl + 1 : "{\"resourceType\":\"Patient\"}";
    size_t jlen = nl ? size - elen - 1 : strlen(json);

    f2c_fp_expr *e = NULL;
    f2c_error err;
    if (f2c_fp_compile(expr, NULL, &e, &err) == F2C_OK) {
        f2c_doc *doc = f2c_doc_new();
        f2c_fp_ctx *ctx = f2c_fp_ctx_new();
        if (doc && ctx && f2c_doc_parse(doc, json, jlen, &err) == F2C_OK) {
            const cJSON *root = f2c_doc_root(doc);
            f2c_fp_result r;
            if (f2c_fp_eval(ctx, e, doc, root, NULL, root, NULL, 0, &r, &err) == F2C_OK) {
                f2c_buf out = {0};
                f2c_fp_result_json(doc, &r, &out);
                f2c_buf_free(&out);
            }
        }
        f2c_fp_ctx_free(ctx);
        f2c_doc_free(doc);
        f2c_fp_free(e);
    }
    free(expr);
    return 0;
}
