/*
 * tx_export_opts: the options of `fhir2cdm-transform export` — the help text, the command line
 * (getopt_long) into xopts, and every check that needs no network: required flags, the output
 * (folder or Blob / ADLS address), the export level, --since, and one consistent auth source.
 *
 * Why a file of its own: everything here runs before anything is created or contacted, so a
 * usage error (exit 2) never leaves a trace; the later phases (tx_export.c, tx_export_run.c,
 * tx_export_publish.c) can take the options as checked.  Secrets given as flags are only
 * stored, never printed (docs/export.md, "Secrets").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_type.h"

#include "tx_export_int.h"
#include "tx_publish.h"

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm-transform export --fhir-url URL (--config DIR | --view PATH...)\n"
          "           --output DIR|URL [options]\n"
          "\n"
          "Runs a FHIR Bulk Data $export (kick-off, status polling, download), transforms the\n"
          "NDJSON files while they download, and publishes the CDM folder (partitions under\n"
          "OUTPUT/data/, OUTPUT/model.json -- Parquet: OUTPUT/model.manifest.cdm.json and\n"
          "OUTPUT/<Entity>.cdm.json --, OUTPUT/" STATE_FILE ") only when everything arrived.\n"
          "\n"
          "Required:\n"
          "      --fhir-url URL        FHIR base URL of the server (http or https)\n"
          "  -c, --config DIR          table configuration folder, or\n"
          "      --view PATH           SQL on FHIR v2 ViewDefinition file or folder (repeatable)\n"
          "  -o, --output DIR|URL      CDM folder (created if missing), or an Azure Blob / ADLS\n"
          "                            URL of one (https://ACCOUNT.blob.core.windows.net/\n"
          "                            CONTAINER[/PATH], abfss://..., or an emulator's\n"
          "                            http://HOST:PORT/ACCOUNT/CONTAINER[/PATH])\n"
          "\n"
          "Export:\n"
          "      --level L             system (default), patient, or group:ID\n"
          "      --type T1,T2          resource types (_type; repeatable); default: the types the\n"
          "                            configuration reads\n"
          "      --type-filter Q       _typeFilter, e.g. 'Observation?status=final' (repeatable)\n"
          "      --since INSTANT|last  _since: a FHIR instant, or `last`: the transactionTime in\n"
          "                            OUTPUT/" STATE_FILE " (full export when it is missing)\n"
          "      --output-format F     _outputFormat: application/fhir+ndjson, application/ndjson\n"
          "                            or ndjson (default: not sent, the server's NDJSON);\n"
          "                            the CDM folder's format is --format below\n"
          "      --post                kick off with POST and a Parameters body instead of GET\n"
          "      --mode M              append (default): every run adds its partitions, and the\n"
          "                            manifest's deleted[] is ignored; merge: the folder keeps\n"
          "                            one current version of every resource -- the exported\n"
          "                            resources replace their rows, and the resources listed in\n"
          "                            the deletion files of deleted[] (downloaded like the\n"
          "                            output files) lose theirs unless exported again; local\n"
          "                            --output only (docs/export.md, \"Incremental runs\")\n"
          "\n"
          "Auth (at most one; none: no Authorization header):\n"
          "      --bearer-token T      a fixed access token\n"
          "      --token-url URL --client-id ID --client-secret S\n"
          "                            OAuth 2.0 client credentials (secret also from the\n"
          "                            environment variable " SECRET_ENV ")\n"
          "      --token-url URL --client-id ID --private-key PEM [--key-id KID]\n"
          "                            SMART Backend Services: a JWT signed RS384 (RSA key) or\n"
          "                            ES384 (EC P-384 key)\n"
          "      --scope S             scope to ask for (default system/"
          "*.read)\n"
          "\n"
          "Other:\n"
          "      --parallel N          concurrent downloads, 1 to 64 (default 4)\n"
          "      --keep-ndjson DIR     also keep a copy of each output file as DIR/<name>.ndjson\n"
          "      --operation-id ID     partition name suffix (default: a hash of the export's\n"
          "                            transactionTime and request)\n"
          "      --max-depth N, --max-errors N, --max-line-bytes N,\n"
          "      --fhirpath-max-steps N, --fhirpath-max-items N, --fhirpath-max-bytes N\n"
          "                            as for a local run\n" TX_FORMAT_HELP
          "      --managed-identity-client-id ID\n"
          "                            blob output: the user-assigned managed identity to use\n"
          "  -q, --quiet               no progress and no summary (errors still shown)\n"
          "  -h, --help                this help\n"
          "--view, --type and --type-filter may be repeated; every other flag that takes a value\n"
          "may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 ok; 1 data errors (rejected lines beyond --max-errors or issues in the\n"
          "export's error files: CDM folder updated, state not advanced); 2 usage or\n"
          "configuration (nothing contacted); 3 export or network failure (CDM folder unchanged);\n"
          "130 interrupted (export job deleted, CDM folder unchanged).  See docs/export.md.\n"
          "\n"
          "Blob output credentials, from the environment only: FHIR2CDM_STORAGE_KEY (Shared\n"
          "Key) or FHIR2CDM_STORAGE_SAS, else the managed identity (FHIR2CDM_IMDS_ENDPOINT\n"
          "overrides the IMDS address).\n",
          f);
}

const char *const tx_export_ndjson_formats[] = {"application/fhir+ndjson", "application/ndjson",
                                                "ndjson", NULL};

const char *const tx_export_file_media_types[] = {
    "application/fhir+ndjson",  "application/ndjson",  "application/x-ndjson", "ndjson",
    "application/octet-stream", "binary/octet-stream", "text/plain",           NULL};

/* Non-zero when s is one of the NDJSON spellings of _outputFormat. */
static int ndjson_format(const char *s)
{
    for (const char *const *f = tx_export_ndjson_formats; *f; f++)
        if (strcmp(s, *f) == 0) return 1;
    return 0;
}

int tx_export_valid_instant(const char *s)
{
    f2c_buf b = {0};
    const char *why;
    int ok = f2c_render_datetime(s, strlen(s), F2C_T_INSTANT, &b, &why) == F2C_RENDER_OK;
    f2c_buf_free(&b);
    return ok;
}

/* ---- command line ------------------------------------------------------------------------- */

enum {
    OPT_FHIR_URL = 256,
    OPT_VIEW,
    OPT_LEVEL,
    OPT_TYPE,
    OPT_TYPE_FILTER,
    OPT_SINCE,
    OPT_OUTPUT_FORMAT,
    OPT_POST,
    OPT_BEARER,
    OPT_TOKEN_URL,
    OPT_CLIENT_ID,
    OPT_CLIENT_SECRET,
    OPT_PRIVATE_KEY,
    OPT_KEY_ID,
    OPT_SCOPE,
    OPT_PARALLEL,
    OPT_KEEP,
    OPT_MODE,
    OPT_MI
};

static const struct option export_opts[] = {
    {"fhir-url", required_argument, NULL, OPT_FHIR_URL},
    {"config", required_argument, NULL, 'c'},
    {"view", required_argument, NULL, OPT_VIEW},
    {"output", required_argument, NULL, 'o'},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"type", required_argument, NULL, OPT_TYPE},
    {"type-filter", required_argument, NULL, OPT_TYPE_FILTER},
    {"since", required_argument, NULL, OPT_SINCE},
    {"output-format", required_argument, NULL, OPT_OUTPUT_FORMAT},
    {"post", no_argument, NULL, OPT_POST},
    {"bearer-token", required_argument, NULL, OPT_BEARER},
    {"token-url", required_argument, NULL, OPT_TOKEN_URL},
    {"client-id", required_argument, NULL, OPT_CLIENT_ID},
    {"client-secret", required_argument, NULL, OPT_CLIENT_SECRET},
    {"private-key", required_argument, NULL, OPT_PRIVATE_KEY},
    {"key-id", required_argument, NULL, OPT_KEY_ID},
    {"scope", required_argument, NULL, OPT_SCOPE},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"keep-ndjson", required_argument, NULL, OPT_KEEP},
    {"mode", required_argument, NULL, OPT_MODE},
    TX_JOB_OPTIONS,
    {"managed-identity-client-id", required_argument, NULL, OPT_MI},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Sets an auth option; 0, or 1 when c is not one. */
static int set_auth_option(xopts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_BEARER:
        o->bearer = arg;
        break;
    case OPT_TOKEN_URL:
        o->token_url = arg;
        break;
    case OPT_CLIENT_ID:
        o->client_id = arg;
        break;
    case OPT_CLIENT_SECRET:
        o->client_secret = arg;
        break;
    case OPT_PRIVATE_KEY:
        o->private_key = arg;
        break;
    case OPT_KEY_ID:
        o->key_id = arg;
        break;
    case OPT_SCOPE:
        o->scope = arg;
        break;
    default:
        return 1;
    }
    return 0;
}

/* Sets an option of the export request or its auth (strings kept as given; --type kept
 * NUL-separated in typebuf and split after parsing).  0, 1 when c is not one of them, or -1 out
 * of memory. */
static int set_request_option(xopts *o, int c, const char *arg, const char **views,
                              f2c_buf *typebuf, size_t *ntypeargs)
{
    switch (c) {
    case OPT_FHIR_URL:
        o->fhir_url = arg;
        break;
    case 'c':
        o->tx.config_dir = arg;
        break;
    case OPT_VIEW:
        views[o->tx.nviews++] = arg;
        break;
    case 'o':
        o->output = arg;
        break;
    case OPT_LEVEL:
        o->level_arg = arg;
        break;
    case OPT_TYPE:
        if (f2c_buf_append(typebuf, arg, strlen(arg) + 1) != 0) return -1;
        (*ntypeargs)++;
        break;
    case OPT_TYPE_FILTER:
        o->filters[o->nfilters++] = arg;
        break;
    case OPT_SINCE:
        o->since_arg = arg;
        break;
    case OPT_OUTPUT_FORMAT:
        o->output_format = arg;
        break;
    case OPT_POST:
        o->post = 1;
        break;
    default:
        return set_auth_option(o, c, arg);
    }
    return 0;
}

/* Sets an option of the run (downloads, transformer, storage); 0, or -1 (usage error printed;
 * also for an unknown option, which getopt_long reported). */
static int set_run_option(xopts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_PARALLEL:
        return tx_parse_range(ME, "--parallel", arg, 1, 64, &o->parallel);
    case OPT_KEEP:
        o->keep_dir = arg;
        return 0;
    case OPT_MODE:
        if (strcmp(arg, "append") != 0 && strcmp(arg, "merge") != 0) {
            fprintf(stderr, ME ": --mode must be append or merge, not \"%s\"\n", arg);
            return -1;
        }
        o->tx.merge = strcmp(arg, "merge") == 0;
        return 0;
    case OPT_MI:
        o->mi_client_id = arg;
        return 0;
    default: /* the job flags; getopt_long reported an unknown one ('?': not a job flag) */
        return tx_parse_job_option(ME, c, arg, &o->tx, &o->fp_limits) != 0 ? -1 : 0;
    }
}

/* Splits every --type argument (NUL-separated in typebuf, which o takes over) at commas into
 * o->types, without duplicates; each piece must be a resource type name.  0, -1 (usage error
 * printed) or -2 out of memory. */
static int split_types(xopts *o, f2c_buf *typebuf, size_t ntypeargs)
{
    size_t cap = typebuf->len + 1;
    o->types = calloc(cap, sizeof *o->types);
    if (!o->types) return -2;
    o->typebuf = typebuf->data;
    typebuf->data = NULL;
    char *p = o->typebuf;
    for (size_t a = 0; a < ntypeargs; a++) {
        size_t len = strlen(p);
        char *next = p + len + 1;
        for (char *tok = p;;) {
            char *comma = strchr(tok, ',');
            if (comma) *comma = '\0';
            if (!f2c_is_resource_type_name(tok)) {
                fprintf(stderr, ME ": --type: \"%s\" is not a resource type name\n", tok);
                return -1;
            }
            int seen = 0;
            for (size_t k = 0; k < o->ntypes && !seen; k++)
                seen = strcmp(o->types[k], tok) == 0;
            if (!seen) o->types[o->ntypes++] = tok;
            if (!comma) break;
            tok = comma + 1;
        }
        p = next;
    }
    return 0;
}

int tx_export_parse_args(int argc, char **argv, xopts *o, const char **views)
{
    f2c_buf typebuf = {0};
    size_t ntypeargs = 0;
    int c, rc = 0;
    int given[TX_OPT_CODES] = {0};
    static const int repeatable[] = {OPT_VIEW, OPT_TYPE, OPT_TYPE_FILTER, 0};
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "c:o:qh", export_opts, NULL)) != -1) {
        if (tx_once_opt(ME, export_opts, repeatable, c, given) != 0) {
            rc = -1;
        } else if (c == 'h') {
            usage(stdout);
            f2c_buf_free(&typebuf);
            return 1;
        } else {
            int set = set_request_option(o, c, optarg, views, &typebuf, &ntypeargs);
            rc = set == 1 ? (set_run_option(o, c, optarg) != 0 ? -1 : 0) : set < 0 ? -2 : 0;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, ME ": unexpected argument \"%s\"\n", argv[optind]);
        rc = -1;
    }
    if (rc == 0 && ntypeargs) rc = split_types(o, &typebuf, ntypeargs);
    if (rc == -2) fprintf(stderr, ME ": out of memory\n");
    f2c_buf_free(&typebuf);
    return rc < 0 ? -1 : 0;
}

/* ---- checks ------------------------------------------------------------------------------- */

/* The required flags, and --output: a folder, or a Blob / ADLS address (o->remote, o->addr,
 * o->prefix).  0, or -1 (printed). */
static int check_output(xopts *o)
{
    if (!o->fhir_url || !o->output || (!o->tx.config_dir && !o->tx.nviews)) {
        fprintf(stderr, ME ": %s is required\n",
                !o->fhir_url ? "--fhir-url"
                : !o->output ? "--output"
                             : "--config (or --view)");
        return -1;
    }
    if (o->tx.config_dir && o->tx.nviews) {
        fprintf(stderr, ME ": give --config or --view, not both\n");
        return -1;
    }
    if (!strstr(o->output, "://")) {
        if (!o->mi_client_id) return 0;
        fprintf(stderr, ME ": --managed-identity-client-id is for a blob --output only\n");
        return -1;
    }
    /* A Blob / ADLS address of the CDM folder (f2c_blob_addr_parse's forms).  A query would be a
     * SAS: refused without echoing it (credentials come from the environment). */
    if (strpbrk(o->output, "?#")) {
        fprintf(stderr, ME ": --output: a blob address takes no query string or fragment "
                           "(give a SAS in FHIR2CDM_STORAGE_SAS)\n");
        return -1;
    }
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_blob_addr_parse(o->output, &o->addr, &e) != F2C_OK) {
        fprintf(stderr, ME ": --output: %s\n", e.message);
        return -1;
    }
    if (!*o->addr.container || tx_pub_prefix(o->addr.path, &o->prefix) != 0) {
        fprintf(stderr,
                ME ": --output %s: needs a container and a folder path without \".\" or "
                   "\"..\" segments\n",
                o->output);
        return -1;
    }
    o->remote = 1;
    return 0;
}

/* The request: --fhir-url, --level (into b), --since, --output-format.  0, or -1 (printed). */
static int check_request(const xopts *o, f2c_bulk_opts *b)
{
    if (strncasecmp(o->fhir_url, "http://", 7) != 0 &&
        strncasecmp(o->fhir_url, "https://", 8) != 0) {
        fprintf(stderr, ME ": --fhir-url must be an http(s) URL\n");
        return -1;
    }
    b->fhir_url = o->fhir_url;
    if (!o->level_arg || strcmp(o->level_arg, "system") == 0) {
        b->level = F2C_BULK_SYSTEM;
    } else if (strcmp(o->level_arg, "patient") == 0) {
        b->level = F2C_BULK_PATIENT;
    } else if (strncmp(o->level_arg, "group:", 6) == 0) {
        b->level = F2C_BULK_GROUP;
        b->group_id = o->level_arg + 6;
    } else {
        fprintf(stderr, ME ": --level must be system, patient or group:ID, got \"%s\"\n",
                o->level_arg);
        return -1;
    }
    if (o->since_arg && strcmp(o->since_arg, "last") != 0 &&
        !tx_export_valid_instant(o->since_arg)) {
        fprintf(stderr,
                ME ": --since must be a FHIR instant (e.g. 2024-01-31T12:00:00Z) or `last`, got "
                   "\"%s\"\n",
                o->since_arg);
        return -1;
    }
    if (o->output_format && !ndjson_format(o->output_format)) {
        /* [BD "Query Parameters", _outputFormat]: the three NDJSON spellings every server must
         * take; anything else (text/csv, which a server may honour) would reach the transform
         * as lines that are not JSON. */
        fprintf(stderr,
                ME ": --output-format must be NDJSON: application/fhir+ndjson, "
                   "application/ndjson or ndjson, got \"%s\"\n",
                o->output_format);
        return -1;
    }
    return 0;
}

/* OAuth: token URL and client id, and exactly one of client secret and private key.  0, or -1
 * (printed). */
static int check_oauth(const xopts *o)
{
    if (!o->token_url || !o->client_id) {
        fprintf(stderr, ME ": OAuth needs both --token-url and --client-id\n");
        return -1;
    }
    if (strncasecmp(o->token_url, "http://", 7) != 0 &&
        strncasecmp(o->token_url, "https://", 8) != 0) {
        fprintf(stderr, ME ": --token-url must be an http(s) URL\n");
        return -1;
    }
    if (o->private_key && o->client_secret) {
        fprintf(stderr, ME ": give --client-secret or --private-key, not both\n");
        return -1;
    }
    if (o->key_id && !o->private_key) {
        fprintf(stderr, ME ": --key-id needs --private-key\n");
        return -1;
    }
    if (!o->private_key && !o->client_secret) {
        const char *env = getenv(SECRET_ENV);
        if (!env || !*env) {
            fprintf(stderr, ME ": --client-id needs --client-secret (or " SECRET_ENV
                               " in the environment) or --private-key\n");
            return -1;
        }
    }
    return 0;
}

/* Auth: one source (none, a bearer token, or OAuth).  0, or -1 (printed). */
static int check_auth(const xopts *o)
{
    int oauth = o->token_url || o->client_id || o->client_secret || o->private_key || o->key_id;
    if (o->bearer && oauth) {
        fprintf(stderr, ME ": give --bearer-token or --token-url/--client-id, not both\n");
        return -1;
    }
    if (o->bearer && !*o->bearer) {
        fprintf(stderr, ME ": --bearer-token is empty\n");
        return -1;
    }
    if (o->scope && !o->token_url) {
        fprintf(stderr, ME ": --scope needs --token-url\n");
        return -1;
    }
    return oauth ? check_oauth(o) : 0;
}

/* --type-filter values, and the group id of --level group:ID.  0, or -1 (printed). */
static int check_filters_group(const xopts *o, const f2c_bulk_opts *b)
{
    for (size_t i = 0; i < o->nfilters; i++)
        if (!*o->filters[i]) {
            fprintf(stderr, ME ": --type-filter must not be empty\n");
            return -1;
        }
    if (b->level != F2C_BULK_GROUP) return 0;
    const char *g = b->group_id;
    size_t n = strlen(g);
    int ok = n > 0 && n <= 64;
    for (; ok && *g; g++)
        ok = (*g >= 'A' && *g <= 'Z') || (*g >= 'a' && *g <= 'z') || (*g >= '0' && *g <= '9') ||
             *g == '-' || *g == '.';
    if (!ok) {
        fprintf(stderr, ME ": --level group:ID needs a FHIR id (1 to 64 of A-Z a-z 0-9 - .)\n");
        return -1;
    }
    return 0;
}

/* The output format options (--format, --compression, --decimal, --memory) as the stream job
 * will take them: a sink is made and dropped here, so a refused combination (--compression with
 * CSV, a format this build does not write) stops the command before the server is contacted,
 * not after a whole export.  0, or -1 (printed). */
static int check_format(const xopts *o)
{
    f2c_sink sink;
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_sink_new(&o->tx.sink, &sink, &e) != F2C_OK) {
        fprintf(stderr, ME ": %s\n", e.message);
        return -1;
    }
    f2c_sink_free(&sink);
    return 0;
}

int tx_export_validate(xopts *o, f2c_bulk_opts *b)
{
    if (check_output(o) != 0 || check_format(o) != 0 || check_request(o, b) != 0 ||
        check_auth(o) != 0)
        return -1;
    return check_filters_group(o, b);
}
