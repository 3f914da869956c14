/*
 * fuzz_rtscan: libFuzzer oracle for the first-member scanner (f2c_rtscan_line,
 * lib/core/f2c_rtscan.c) by which a job skips lines of types it does not read without parsing
 * them (docs/transform.md, "Reading only what the job needs").  For every input: when the scanner
 * gives a type T and cJSON parses the input (up to its first NUL, nothing after the value) as an
 * object, that object's top-level "resourceType" must be the string T; the scanner must not
 * read outside the input (ASan) nor give a type longer than F2C_RTSCAN_TYPE_MAX or not of the
 * shape [A-Z][A-Za-z]*.  A line the scanner gives a type for but cJSON rejects is allowed: a
 * skipped line is not validated.  The input's first line, as a file stem, goes through
 * f2c_rtscan_stem too (no oracle: it must only not misread).  tests/rtscan is the same oracle
 * on named cases and their one-byte changes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_rtscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, const char *t, size_t tl)
{
    fprintf(stderr, "fuzz_rtscan: %s (scanner: \"%.*s\")\n", why, (int)tl, t);
    abort();
}

static void check_stem(const uint8_t *data, size_t size)
{
    char stem[64];
    size_t n = size < sizeof stem - 1 ? size : sizeof stem - 1;
    memcpy(stem, data, n);
    stem[n] = '\0';
    size_t tl = f2c_rtscan_stem(stem);
    if (tl > strlen(stem)) fail("stem type longer than the stem", stem, strlen(stem));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *t = NULL;
    check_stem(data, size);
    size_t tl = f2c_rtscan_line(s, size, &t);
    if (tl == 0) return 0;
    if (tl > F2C_RTSCAN_TYPE_MAX || t < s || t + tl > s + size) fail("type out of bounds", "", 0);
    for (size_t i = 0; i < tl; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (i && t[i] >= 'a' && t[i] <= 'z')))
            fail("type not of the shape [A-Z][A-Za-z]*", t, tl);
    char *z = malloc(size + 1);
    if (!z) return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    cJSON *root = cJSON_ParseWithOpts(z, NULL, 1);
    if (root && cJSON_IsObject(root)) {
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
        if (!cJSON_IsString(rt) || strlen(rt->valuestring) != tl ||
            memcmp(rt->valuestring, t, tl) != 0)
            fail("cJSON reads another resourceType", t, tl);
    }
    cJSON_Delete(root);
    free(z);
    return 0;
}
