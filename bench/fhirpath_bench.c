/*
 * fhirpath_bench: evaluations per second of FHIRPath expressions, each compiled once and then
 * evaluated over every resource of an NDJSON file (parsed once, kept in memory), repeatedly for
 * at least a second.  Measures the engine alone: no I/O, no JSON parsing, no CSV.
 *
 * Usage: fhirpath_bench FILE.ndjson EXPRESSION [EXPRESSION...]
 * Prints one line per expression: expression, resources, evaluations, seconds, evaluations/s,
 * items returned per evaluation on average.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fhirpath_bench FILE.ndjson EXPRESSION...\n");
        return 2;
    }
    f2c_ndjson *r;
    f2c_error err;
    if (f2c_ndjson_open(argv[1], 0, &r, &err) != F2C_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    /* Each document keeps its own copy of the line it was parsed from. */
    size_t n = 0, cap = 0;
    f2c_doc **docs = NULL;
    char **texts = NULL;
    const char *line;
    size_t len;
    long lineno;
    f2c_status st;
    while ((st = f2c_ndjson_next(r, &line, &len, &lineno, &err)) != F2C_EEOF) {
        if (st != F2C_OK) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            docs = realloc(docs, cap * sizeof *docs);
            texts = realloc(texts, cap * sizeof *texts);
            if (!docs || !texts) return 2;
        }
        texts[n] = malloc(len + 1);
        memcpy(texts[n], line, len + 1);
        docs[n] = f2c_doc_new();
        if (f2c_doc_parse(docs[n], texts[n], len, &err) != F2C_OK) {
            f2c_doc_free(docs[n]);
            free(texts[n]);
            continue;
        }
        n++;
    }
    f2c_ndjson_close(r);
    if (n == 0) {
        fprintf(stderr, "no resources in %s\n", argv[1]);
        return 2;
    }
    f2c_fp_ctx *ctx = f2c_fp_ctx_new();
    int rc = 0;
    printf("expression\tresources\tevaluations\tseconds\tevals_per_s\titems_per_eval\n");
    for (int a = 2; a < argc; a++) {
        f2c_fp_expr *e;
        if (f2c_fp_compile(argv[a], NULL, &e, &err) != F2C_OK) {
            fprintf(stderr, "%s: %ld: %s\n", argv[a], err.column, err.message);
            rc = 2;
            continue;
        }
        unsigned long long evals = 0, items = 0, errors = 0;
        double t0 = now(), t;
        do {
            for (size_t i = 0; i < n; i++) {
                const cJSON *root = f2c_doc_root(docs[i]);
                f2c_fp_result res;
                if (f2c_fp_eval(ctx, e, docs[i], root, NULL, root, NULL, 0, &res, &err) != F2C_OK)
                    errors++;
                else
                    items += res.count;
                evals++;
            }
            t = now() - t0;
        } while (t < 1.0);
        printf("%s\t%zu\t%llu\t%.3f\t%.0f\t%.2f\n", argv[a], n, evals, t, (double)evals / t,
               (double)items / (double)evals);
        if (errors) fprintf(stderr, "%s: %llu evaluations failed\n", argv[a], errors);
        f2c_fp_free(e);
    }
    f2c_fp_ctx_free(ctx);
    for (size_t i = 0; i < n; i++) {
        f2c_doc_free(docs[i]);
        free(texts[i]);
    }
    free(docs);
    free(texts);
    return rc;
}
