/*
 * fuzz_deleted: libFuzzer target for the Bulk Data deletion-file parser (f2c_deleted_parse_line,
 * lib/fhir/f2c_deleted.c): the input is split into lines at '\n' as the NDJSON reader splits a
 * file, and every line goes through the parser into one list, so keys and diagnostics of many
 * lines accumulate as they do over a real file.  Every key and diagnostic is read back so ASan
 * checks what the parser built; the invariants f2c_deleted.h promises (entries == count, lines ==
 * bundles + bad_lines, one diagnostic per bad line, valid key shapes) abort when broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_deleted.h"
#include "fhir2cdm/f2c_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless every key has a non-empty type and id as f2c_deleted.h promises. */
static size_t check_keys(const f2c_deleted *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++) {
        size_t t = strlen(d->keys[i].type), id = strlen(d->keys[i].id);
        if (t == 0 || t > 64 || id == 0 || id > 64 ||
            !(d->keys[i].type[0] >= 'A' && d->keys[i].type[0] <= 'Z'))
            abort();
        n += t + id;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The reader hands the parser lines without their '\n' (a copy, so ASan sees the bounds). */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    f2c_deleted d = {0};
    f2c_diags diags = {0};
    long lineno = 0;
    for (size_t start = 0; start <= size;) {
        const char *nl = memchr(text + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - text) : size;
        if (f2c_deleted_parse_line("fuzz", ++lineno, text + start, end - start, &d, &diags) !=
            F2C_OK)
            break; /* out of memory */
        start = end + 1;
    }
    size_t line_diags = 0, total = check_keys(&d);
    char buf[2048];
    for (size_t i = 0; i < diags.count; i++) {
        total += strlen(f2c_error_format(&diags.items[i], buf, sizeof buf));
        line_diags += diags.items[i].status != F2C_OK;
    }
    if (d.entries != d.count || d.lines != d.bundles + d.bad_lines || line_diags != d.bad_lines ||
        line_diags != diags.count)
        abort();
    (void)total;
    f2c_deleted_free(&d);
    f2c_diags_free(&diags);
    free(text);
    return 0;
}
