/*
 * fuzz_bulk: libFuzzer target for what a FHIR server sends back to `fhir2cdm-transform export`
 * and that we parse: the Bulk Data completion manifest (f2c_bulk_manifest_parse, and its
 * deleted[] with f2c_bulk_manifest_read_deleted), OperationOutcome bodies and error-file lines
 * (f2c_bulk_outcome_issues) and the server's CapabilityStatement (f2c_bulk_capability_types).  The
 * input is the body's bytes; both parsers read every input (a manifest is no OperationOutcome and
 * the reverse, so each input exercises one parser's success path and the other's refusal).  Every
 * string a parsed manifest holds is read back so ASan checks what the parser built.
 */
#include <stdint.h>
#include <string.h>

#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_issue(void *ud, const char *severity, const char *code, const char *text)
{
    size_t *n = ud;
    *n += strlen(severity) + strlen(code) + strlen(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    f2c_bulk_manifest m;
    f2c_error e;
    size_t n = 0;
    if (f2c_bulk_manifest_parse((const char *)data, size, &m, &e) == F2C_OK) {
        n += m.transaction_time ? strlen(m.transaction_time) : 0;
        for (size_t i = 0; i < m.noutput; i++)
            n += strlen(m.output[i].type) + strlen(m.output[i].url);
        for (size_t i = 0; i < m.nerror; i++)
            n += strlen(m.error[i].type) + strlen(m.error[i].url);
        if (f2c_bulk_manifest_read_deleted((const char *)data, size, &m, &e) == F2C_OK)
            for (size_t i = 0; i < m.ndeleted; i++)
                n += strlen(m.deleted[i].type) + strlen(m.deleted[i].url);
    } else {
        char line[1024];
        (void)f2c_error_format(&e, line, sizeof line);
    }
    f2c_bulk_manifest_free(&m);
    char **types = NULL;
    size_t ntypes = 0;
    if (f2c_bulk_capability_types((const char *)data, size, &types, &ntypes, &e) == F2C_OK)
        for (size_t i = 0; i < ntypes; i++)
            n += strlen(types[i]);
    f2c_bulk_types_free(types, ntypes);
    (void)f2c_bulk_outcome_issues((const char *)data, size, on_issue, &n);
    (void)f2c_bulk_outcome_issues((const char *)data, size, NULL, NULL);
    return 0;
}
