/*
 * test_rtscan: the first-member scanner that lets a job skip lines of types it does not read
 * without parsing them (lib/core/f2c_rtscan.c; docs/transform.md, "Reading only what the job
 * needs").  Why an oracle and not only named cases: the scanner's promise is about what a JSON
 * parser would make of the same bytes -- whenever cJSON reads the line as an object, its
 * top-level "resourceType" is exactly the type the scanner gave -- so every named line is also
 * checked with each of its bytes replaced by a set of bytes that matter to JSON (quotes,
 * backslashes, braces, whitespace, NUL, non-ASCII), or removed: a scanner that accepted an escape,
 * a second key or a non-string value would fail here.  File stems (<Type>, <Type>.<n>,
 * <Type>-<n>) are named cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_rtscan.h"

#include "f2c_check.h"

static unsigned long compared;

/* The type the scanner gives s[0..n), or "" when it does not know. */
static const char *scan(const char *s, size_t n, char *out)
{
    const char *t = NULL;
    size_t tl = f2c_rtscan_line(s, n, &t);
    memcpy(out, t ? t : "", tl);
    out[tl] = '\0';
    return out;
}

/* The oracle on s[0..n): a type given must be what cJSON reads as the object's resourceType. */
static void oracle(const char *s, size_t n)
{
    char type[F2C_RTSCAN_TYPE_MAX + 1];
    compared++;
    if (!*scan(s, n, type)) return;
    char *z = malloc(n + 1);
    memcpy(z, s, n);
    z[n] = '\0';
    cJSON *root = cJSON_ParseWithOpts(z, NULL, 1);
    if (root && cJSON_IsObject(root)) {
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
        CHECK(cJSON_IsString(rt) && strcmp(rt->valuestring, type) == 0,
              "scanner says %s, cJSON reads %s in \"%.*s\"", type,
              cJSON_IsString(rt) ? rt->valuestring : "no string", (int)n, s);
    }
    cJSON_Delete(root);
    free(z);
}

static const char *const lines[] = {
    "{\"resourceType\":\"Patient\",\"id\":\"p1\"}",
    " \t{ \"resourceType\" : \"Condition\" , \"id\":\"c\"}\r",
    "{\"resourceType\":\"Basic\"}",
    "{\"resourceType\":\"Patient\",\"resourceType\":\"Condition\"}",
    "{\"id\":\"x\",\"resourceType\":\"Patient\"}",
    "{\"resourceType\":\"Pat\\u0069ent\"}",
    "{\"resource\\u0054ype\":\"Patient\"}",
    "{\"resourceType\":\"patient\"}",
    "{\"resourceType\":\"Patient1\"}",
    "{\"resourceType\":17}",
    "{\"resourceType\":\"Patient\"",
    "{\"resourceType\":\"Patient\" x}",
    "\xEF\xBB\xBF{\"resourceType\":\"Patient\"}",
    "[{\"resourceType\":\"Patient\"}]",
    "",
};

/* What the scanner gives for each of lines[] ("": don't know). */
static const char *const want[] = {
    "Patient", "Condition", "Basic", "Patient", "", "", "", "", "", "", "", "", "", "", "",
};

static void named(void)
{
    char type[F2C_RTSCAN_TYPE_MAX + 1];
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        CHECK(strcmp(scan(lines[i], strlen(lines[i]), type), want[i]) == 0,
              "line %zu: \"%s\", expected \"%s\"", i, type, want[i]);
    /* not NUL-terminated: a cut line is not read past its end */
    CHECK_STR_EQ(scan("{\"resourceType\":\"Patient\",", 17, type), "");
    CHECK_STR_EQ(scan("{\"resourceType\":\"Patient\"}", 26, type), "Patient");
    char big[200 + 40];
    int k = snprintf(big, sizeof big, "{\"resourceType\":\"A%0*d\"}", 150, 0);
    memset(big + 18, 'a', 150);
    CHECK_STR_EQ(scan(big, (size_t)k, type), ""); /* longer than F2C_RTSCAN_TYPE_MAX */

    CHECK_INT_EQ(f2c_rtscan_stem("Patient"), 7);
    CHECK_INT_EQ(f2c_rtscan_stem("Observation.000"), 11);
    CHECK_INT_EQ(f2c_rtscan_stem("Encounter-12"), 9);
    CHECK_INT_EQ(f2c_rtscan_stem("Encounter-"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem("Encounter.x"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem("Encounter.1.2"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem("patient"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem("mixed"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem("Patient_1"), 0);
    CHECK_INT_EQ(f2c_rtscan_stem(""), 0);
}

/* Every one-byte change (and removal) of every named line through the oracle. */
static void mutations(void)
{
    static const char bytes[] = "\"\\{}[],: \t\r\n\0aZ1\xC3\xFF";
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        size_t n = strlen(lines[i]);
        char *s = malloc(n + 1);
        oracle(lines[i], n);
        for (size_t at = 0; at < n; at++) {
            for (size_t b = 0; b < sizeof bytes - 1; b++) {
                memcpy(s, lines[i], n);
                s[at] = bytes[b];
                oracle(s, n);
            }
            memcpy(s, lines[i], at);
            memcpy(s + at, lines[i] + at + 1, n - at - 1);
            oracle(s, n - 1);
        }
        free(s);
    }
}

int main(void)
{
    f2c_check_print_limit = 20;
    named();
    mutations();
    printf("rtscan.oracle: %lu lines compared with cJSON\n", compared);
    return f2c_check_report("rtscan.oracle");
}
