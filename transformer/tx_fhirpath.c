/*
 * tx_fhirpath: see tx_fhirpath.h.  Same engine, same documents and same reader as the main job
 * (f2c_fhirpath over f2c_json documents read by f2c_ndjson), so what a user sees here is what a
 * fhirExpression column computes.  Output is JSON (f2c_fp_result_json), one array per resource,
 * so it can be piped into jq or compared with other engines.  Evaluations run under the same
 * budgets as the main job's (f2c_fp_ctx_set_limits, same --fhirpath-max-* flags), so an
 * expression that would hang or exhaust memory stops with its own exit status (3).
 */
#include "tx_fhirpath.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"

#include "tx_util.h"

static void usage(FILE *f)
{
    fputs(
        "Usage: fhir2cdm-transform fhirpath [--ndjson] EXPRESSION [FILE]\n"
        "\n"
        "Evaluates the FHIRPath expression with the resource in FILE (default: standard input)\n"
        "as context and %resource, and prints the result collection as JSON: an array of\n"
        "{\"type\": T, \"value\": V} (T the FHIR type when known, else the FHIRPath System type).\n"
        "\n"
        "  --ndjson   FILE holds one resource per line (plain or .gz); prints one array per line,\n"
        "             or {\"error\": MESSAGE} for a resource the expression fails on\n"
        "  --fhirpath-max-steps N  budget of one evaluation in steps (node evaluations and\n"
        "             function iterations; default 10000000; 0 = unlimited)\n"
        "  --fhirpath-max-items N  items added to collections per evaluation (default 1000000)\n"
        "  --fhirpath-max-bytes N  evaluation memory in bytes (default 268435456 = 256 MiB)\n"
        "  -h, --help this help\n"
        "  No flag is repeatable: each may be given once (twice is a usage error).\n"
        "\n"
        "Exit status: 0 ok; 1 the expression failed at run time on some resource; 2 usage error,\n"
        "expression does not compile, or input unreadable or not JSON; 3 an evaluation exceeded\n"
        "its budget (\"evaluation budget exceeded: ...\"; takes precedence over 1).\n"
        "Example: fhir2cdm-transform fhirpath \"name.where(use='official').given.first()\" "
        "patient.json\n",
        f);
}

/* Prints a compile error with a caret under the offending character. */
static void compile_error(const char *src, const f2c_error *e)
{
    fprintf(stderr, "error: %ld: %s\n  %s\n  ", e->column, e->message, src);
    /* Columns count characters; step over UTF-8 continuation bytes. */
    long col = 1;
    for (const char *p = src; *p && col < e->column; p++)
        if (((unsigned char)*p & 0xC0) != 0x80) {
            fputc(*p == '\t' ? '\t' : ' ', stderr);
            col++;
        }
    fputs("^\n", stderr);
}

static int read_all(FILE *f, f2c_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (f2c_buf_append(b, chunk, n) != 0) return -1;
    return ferror(f) ? -1 : 0;
}

/* Evaluates on one parsed document; prints the result line.  Returns 0, 1 on a run-time
 * error, or 3 when the evaluation exceeded its budget. */
static int eval_one(f2c_fp_ctx *ctx, const f2c_fp_expr *e, f2c_doc *doc, const char *where,
                    int ndjson, f2c_buf *out)
{
    const cJSON *root = f2c_doc_root(doc);
    f2c_fp_result r;
    f2c_error err;
    f2c_error_clear(&err);
    f2c_status st = f2c_fp_eval(ctx, e, doc, root, NULL, root, NULL, 0, &r, &err);
    f2c_buf_reset(out);
    if (st != F2C_OK) {
        fprintf(stderr, "error: %s: %ld: %s\n", where, err.column, err.message);
        if (ndjson) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "error", err.message);
            char *txt = cJSON_PrintUnformatted(o);
            if (txt) puts(txt);
            cJSON_free(txt);
            cJSON_Delete(o);
        }
        f2c_fp_usage last;
        f2c_fp_ctx_usage(ctx, &last, NULL);
        return last.exceeded != F2C_FP_LIMIT_NONE ? 3 : 1;
    }
    if (f2c_fp_result_json(doc, &r, out) != 0) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    fwrite(out->data, 1, out->len, stdout);
    fputc('\n', stdout);
    return 0;
}

int tx_fhirpath_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ndjson", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        TX_FP_LIMIT_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int ndjson = 0, c;
    f2c_fp_limits lim;
    f2c_fp_limits_default(&lim);
    optind = 1;
    int given[TX_OPT_CODES] = {0};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (tx_once_opt("fhir2cdm-transform fhirpath", opts, NULL, c, given) != 0) return 2;
        int fp = tx_parse_fp_limit("fhir2cdm-transform fhirpath", c, optarg, &lim);
        if (fp < 0) return 2;
        if (fp == 0) continue;
        if (c == 'n') {
            ndjson = 1;
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "Try 'fhir2cdm-transform fhirpath --help'.\n");
            return 2;
        }
    }
    if (optind >= argc || argc - optind > 2) {
        usage(stderr);
        return 2;
    }
    const char *src = argv[optind];
    const char *file = optind + 1 < argc ? argv[optind + 1] : NULL;

    f2c_fp_expr *e = NULL;
    f2c_error err;
    f2c_error_clear(&err);
    if (f2c_fp_compile(src, NULL, &e, &err) != F2C_OK) {
        compile_error(src, &err);
        return 2;
    }
    int rc = 0;
    f2c_fp_ctx *ctx = f2c_fp_ctx_new();
    f2c_doc *doc = f2c_doc_new();
    f2c_buf out = {0};
    if (!ctx || !doc) {
        fprintf(stderr, "error: out of memory\n");
        rc = 2;
        goto done;
    }
    f2c_fp_ctx_set_limits(ctx, &lim);
    if (ndjson) {
        f2c_ndjson *r = NULL;
        const char *path = file ? file : "/dev/stdin";
        if (f2c_ndjson_open(path, 0, &r, &err) != F2C_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            rc = 2;
            goto done;
        }
        const char *line;
        size_t len;
        long lineno;
        f2c_status st;
        char where[600];
        while ((st = f2c_ndjson_next(r, &line, &len, &lineno, &err)) != F2C_EEOF) {
            snprintf(where, sizeof where, "%s:%ld", file ? file : "-", lineno);
            if (st == F2C_OK) st = f2c_doc_parse(doc, line, len, &err);
            if (st == F2C_OK) {
                int er = eval_one(ctx, e, doc, where, 1, &out);
                if (er > rc) rc = er;
                continue;
            }
            fprintf(stderr, "error: %s: %s\n", where, err.message);
            if (st == F2C_EIO || st == F2C_ENOMEM) {
                rc = 2;
                break;
            }
            printf("{\"error\":\"input line is not valid JSON\"}\n");
            rc = rc ? rc : 1;
        }
        f2c_ndjson_close(r);
    } else {
        FILE *f = file ? fopen(file, "rb") : stdin;
        f2c_buf in = {0};
        if (!f || read_all(f, &in) != 0) {
            fprintf(stderr, "error: %s: %s\n", file ? file : "stdin", strerror(errno));
            if (f && f != stdin) fclose(f);
            f2c_buf_free(&in);
            rc = 2;
            goto done;
        }
        if (f != stdin) fclose(f);
        if (f2c_doc_parse(doc, in.data ? in.data : "", in.len, &err) != F2C_OK) {
            fprintf(stderr, "error: %s: character %ld: %s\n", file ? file : "stdin", err.column,
                    err.message);
            rc = 2;
        } else {
            rc = eval_one(ctx, e, doc, file ? file : "stdin", 0, &out);
        }
        /* The document points into `in`: release the tree before the text. */
        f2c_doc_free(doc);
        doc = NULL;
        f2c_buf_free(&in);
    }
done:
    f2c_buf_free(&out);
    f2c_doc_free(doc);
    f2c_fp_ctx_free(ctx);
    f2c_fp_free(e);
    return rc;
}
