/*
 * gen_pipeline: `fhir2cdm generate-pipeline` — writes the Azure deployment of the scale-out path
 * (FHIR $export -> Data Factory -> Azure Batch running fhir2cdm-transform -> CDM folder in ADLS
 * Gen2) for one table configuration (--config) or set of ViewDefinitions (--view):
 *
 *   <out>/azuredeploy.json             ARM template (templates/azuredeploy.json + pipeline.json,
 *                                      + keyvault.json with --client-id)
 *   <out>/azuredeploy.parameters.json  the command line's values
 *   <out>/config/                      the configuration files, byte for byte, to upload
 *   <out>/README.md                    the deploy steps (templates/README.deploy.md)
 *
 * The configuration is loaded through the transformer's own front door (f2c_schema_load:
 * f2c_tablecfg_load, f2c_view_load) for two reasons: a configuration the transformer would reject
 * is refused here, before anything is deployed, and the export's _type list is exactly the resource
 * types the loaded tables read — asking the server for fewer would lose rows, for more would export
 * data nobody reads.
 *
 * Nothing is written until every input, option and template has been checked and every output
 * built in memory; -o must be a new or empty folder, so a run never mixes with an older one
 * (stale configuration files would otherwise be uploaded too).  Exit status: 0 ok, 2 usage,
 * configuration, template or output error.  See docs/azure.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "gen.h"
#include "fhir2cdm/f2c_fs.h"
#include "gen_pipeline_int.h"

#define EXIT_OK 0
#define EXIT_ERR 2

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm generate-pipeline [--target batch] (--config DIR | --view PATH...)\n"
          "           -o DIR --fhir-url URL [options]\n"
          "       fhir2cdm generate-pipeline --target synapse ...   (CDM folder -> Synapse\n"
          "           dedicated SQL pool; see --target synapse --help)\n"
          "\n"
          "Writes an Azure Resource Manager deployment (azuredeploy.json, its parameters file,\n"
          "the configuration to upload and a README) for the Data Factory + Azure Batch\n"
          "pipeline that exports from a FHIR server and runs fhir2cdm-transform.\n"
          "\n"
          "  --config DIR          table configuration folder (as fhir2cdm-transform --config)\n"
          "  --view PATH           SQL on FHIR ViewDefinition file or folder (repeatable)\n"
          "  -o, --output DIR      output folder; must be new or empty (a\n"
          "                        symbolic link in it is refused)\n"
          "  --fhir-url URL        FHIR server base URL (https), also the token audience\n"
          "  --package-url URL     https URL of the fhir2cdm release tarball the pool installs;\n"
          "                        default: packages/fhir2cdm.tar.gz in the deployment's own\n"
          "                        storage, read with the pool's managed identity\n"
          "  --pipeline-name NAME  Data Factory pipeline name (default fhir2cdm)\n"
          "  --since INSTANT|last  _since of the export (FHIR instant, e.g.\n"
          "                        2024-01-01T00:00:00Z), or last: the transactionTime the\n"
          "                        previous successful run recorded in fhir2cdm-state.json\n"
          "                        (none yet: full export); default: full export\n"
          "  --group ID            Group export (/Group/ID/$export); default: system export\n"
          "  --batch-vm-size SIZE  pool VM size (default Standard_D4s_v5)\n"
          "  --batch-nodes N       most pool dedicated nodes, 1..1000 (default 2); the pool\n"
          "                        autoscales from 0 on pending tasks\n"
          "  --concurrency N       files transformed at once (ForEach batchCount), 1..50\n"
          "                        (default 8)\n"
          "  --max-depth N         property group expansion depth, 1..64 (default 3)\n"
          "  --format csv|parquet  the CDM folder's format: CSV partitions + model.json\n"
          "                        (default) or Parquet partitions + the CDM manifest;\n"
          "                        passed to the generate-schema, transform-data and\n"
          "                        finalize tasks\n"
          "  --mode append|merge   append (default): every run adds its partitions; merge:\n"
          "                        the folder keeps one current version of every resource\n"
          "                        (the export's deletions applied; finalize merges, see\n"
          "                        docs/azure.md section 5); passed to the same three tasks\n"
          "  --client-id ID        call the FHIR server as this application (client secret in\n"
          "  --tenant-id ID        Key Vault, given at deployment); default: the Batch pool's\n"
          "                        managed identity\n"
          "  --templates DIR       read the template skeletons from DIR (a copy of the\n"
          "                        sources' templates/ to edit); default: $FHIR2CDM_TEMPLATES\n"
          "                        if set, else the copy built into this binary\n"
          "  -h, --help            this help\n"
          "--view may be repeated; every other option may be given once (twice is a usage\n"
          "error).\n",
          f);
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !*s || *end || s[0] == '+' || s[0] == ' ' || v < lo || v > hi) {
        fprintf(stderr, GP_PROG ": %s must be a whole number from %d to %d, got \"%s\"\n", opt, lo,
                hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Characters allowed in a name-like option: letters, digits and the given extras; length
 * 1..max.  Kept strict because the values end up in resource names and URLs. */
static int check_chars(const char *opt, const char *s, const char *extra, size_t max)
{
    size_t n = strlen(s);
    int ok = n >= 1 && n <= max;
    for (size_t i = 0; ok && i < n; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (c && strchr(extra, c));
    }
    if (!ok)
        fprintf(stderr,
                GP_PROG ": %s must be 1 to %zu characters of letters, digits%s%s, got \"%s\"\n",
                opt, max, *extra ? " and " : "", extra, s);
    return ok ? 0 : -1;
}

/* An https URL with a host, without characters that would need quoting anywhere it is used
 * (ARM expression, ADF expression, shell in the start task). */
static int check_url(const char *opt, const char *s)
{
    int ok = strncmp(s, "https://", 8) == 0 && s[8] && s[8] != '/';
    for (const char *p = s; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && !strchr("\"'`\\<>{}|^ ", *p);
    if (!ok) fprintf(stderr, GP_PROG ": %s must be an https:// URL, got \"%s\"\n", opt, s);
    return ok ? 0 : -1;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* FHIR instant: YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm), what _since takes. */
static int check_instant(const char *s)
{
    int ok = strlen(s) >= 20 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
             digits(s + 8, 2) && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' &&
             digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2);
    const char *p = s + 19;
    if (ok && *p == '.') {
        p++;
        if (*p < '0' || *p > '9') ok = 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (ok) {
        if (*p == 'Z')
            ok = p[1] == '\0';
        else
            ok = (*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
                 digits(p + 4, 2);
    }
    if (ok) {
        int mon = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
        int hour = (s[11] - '0') * 10 + (s[12] - '0'), min = (s[14] - '0') * 10 + (s[15] - '0');
        int sec = (s[17] - '0') * 10 + (s[18] - '0');
        ok = mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour <= 23 && min <= 59 && sec <= 60;
    }
    if (!ok)
        fprintf(stderr,
                GP_PROG
                ": --since must be last or a FHIR instant such as 2024-01-01T00:00:00Z, got "
                "\"%s\"\n",
                s);
    return ok ? 0 : -1;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Resource types of the tables, sorted and unique. */
static int collect_types(const f2c_tableset *ts, gp_inputs *in)
{
    in->types = calloc(ts->count ? ts->count : 1, sizeof *in->types);
    if (!in->types) return -1;
    for (size_t i = 0; i < ts->count; i++) {
        const char *t = ts->tables[i].resource_type;
        size_t j = 0;
        while (j < in->ntypes && strcmp(in->types[j], t) != 0)
            j++;
        if (j < in->ntypes) continue;
        if (!(in->types[in->ntypes] = strdup(t))) return -1;
        in->ntypes++;
    }
    qsort(in->types, in->ntypes, sizeof *in->types, by_str);
    return 0;
}

static void print_diags(const f2c_diags *d, f2c_status st, const char *what)
{
    f2c_schema_print_diags(stderr, "error: ", d);
    if (st == F2C_ENOMEM)
        fprintf(stderr, GP_PROG ": out of memory\n");
    else
        fprintf(stderr, GP_PROG ": %zu error%s in %s; nothing written\n", d->count,
                d->count == 1 ? "" : "s", what);
}

/* Loads the configuration as the transformer would, for its resource types. */
static int load_inputs(const gp_options *o, gp_inputs *in)
{
    f2c_tableset ts = {0};
    f2c_diags diags = {0};
    f2c_schema_input src =
        o->config_dir ? (f2c_schema_input){.config_dir = o->config_dir, .max_depth = o->max_depth}
                      : (f2c_schema_input){.views = o->views, .nviews = o->nviews};
    /* Only the tables (their resource types); the views are compiled anyway, as checking needs. */
    f2c_status st = f2c_schema_load(&src, &ts, NULL, &diags);
    if (st != F2C_OK)
        print_diags(&diags, st, o->config_dir ? "the table configuration" : "the ViewDefinitions");
    f2c_diags_free(&diags);
    if (st != F2C_OK) return -1;
    int rc = 0;
    if (collect_types(&ts, in) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        rc = -1;
    } else if (in->ntypes == 0) {
        fprintf(stderr, GP_PROG ": the configuration has no tables; nothing to export\n");
        rc = -1;
    }
    f2c_schema_free(&ts, NULL);
    if (rc == 0)
        rc = o->config_dir ? gp_collect_config_files(o->config_dir, in)
                           : gp_collect_view_files(o->views, o->nviews, in);
    return rc;
}

static int write_outputs(const gp_options *o, const gp_inputs *in, const gp_outputs *out,
                         char **contents, const size_t *lens)
{
    int dfd = gp_open_output(o->out_dir);
    if (dfd < 0) return -1;
    f2c_buf name = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->nfiles; i++) {
        f2c_buf_reset(&name);
        rc = f2c_buf_printf(&name, "config/%s", in->files[i].dst);
        if (rc == 0) rc = gp_write_in(dfd, o->out_dir, name.data, contents[i], lens[i]);
    }
    f2c_buf_free(&name);
    if (rc == 0)
        rc = gp_write_in(dfd, o->out_dir, "azuredeploy.json", out->deploy.data, out->deploy.len);
    if (rc == 0)
        rc = gp_write_in(dfd, o->out_dir, "azuredeploy.parameters.json", out->parameters.data,
                         out->parameters.len);
    if (rc == 0) rc = gp_write_in(dfd, o->out_dir, "README.md", out->readme.data, out->readme.len);
    close(dfd);
    return rc;
}

static int run(const gp_options *o)
{
    gp_inputs in = {0};
    gp_outputs out = {0};
    gp_templates tpl = {0};
    char **contents = NULL;
    size_t *lens = NULL;
    int rc = EXIT_ERR;

    if (gp_check_output(o->out_dir) != 0) goto done;
    if (load_inputs(o, &in) != 0) goto done;
    if (gp_templates_open(o->templates, &tpl) != 0) goto done;
    if (gp_build(&tpl, o, &in, &out) != 0) goto done;
    /* Read the files to copy before writing anything, so an unreadable one writes nothing. */
    contents = calloc(in.nfiles + 1, sizeof *contents);
    lens = calloc(in.nfiles + 1, sizeof *lens);
    if (!contents || !lens) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < in.nfiles; i++) {
        if (!(contents[i] = f2c_fs_read(in.files[i].src, 0, &lens[i]))) {
            fprintf(stderr, GP_PROG ": cannot read %s: %s\n", in.files[i].src, strerror(errno));
            goto done;
        }
    }
    if (write_outputs(o, &in, &out, contents, lens) != 0) goto done;
    printf("%s: wrote azuredeploy.json, azuredeploy.parameters.json, README.md and %zu "
           "configuration file%s; export _type=",
           o->out_dir, in.nfiles, in.nfiles == 1 ? "" : "s");
    for (size_t i = 0; i < in.ntypes; i++)
        printf("%s%s", i ? "," : "", in.types[i]);
    putchar('\n');
    rc = EXIT_OK;
done:
    for (size_t i = 0; contents && i < in.nfiles; i++)
        free(contents[i]);
    free(contents);
    free(lens);
    gp_outputs_free(&out);
    gp_inputs_free(&in);
    gp_templates_close(&tpl);
    return rc;
}

/* --target VALUE / --target=VALUE anywhere in argv: NULL when absent. */
static const char *find_target(int argc, char **argv)
{
    const char *t = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
            t = argv[++i];
        else if (strncmp(argv[i], "--target=", 9) == 0)
            t = argv[i] + 9;
    }
    return t;
}

/* ---- command line (--target batch) --------------------------------------------------------- */

enum {
    O_CONFIG = 256,
    O_VIEW,
    O_NAME,
    O_FHIR,
    O_SINCE,
    O_GROUP,
    O_VM,
    O_NODES,
    O_CONC,
    O_DEPTH,
    O_PKG,
    O_CLIENT,
    O_TENANT,
    O_TEMPLATES,
    O_TARGET,
    O_FORMAT,
    O_MODE
};

static const struct option batch_opts[] = {{"config", required_argument, NULL, O_CONFIG},
                                           {"view", required_argument, NULL, O_VIEW},
                                           {"output", required_argument, NULL, 'o'},
                                           {"pipeline-name", required_argument, NULL, O_NAME},
                                           {"fhir-url", required_argument, NULL, O_FHIR},
                                           {"since", required_argument, NULL, O_SINCE},
                                           {"group", required_argument, NULL, O_GROUP},
                                           {"batch-vm-size", required_argument, NULL, O_VM},
                                           {"batch-nodes", required_argument, NULL, O_NODES},
                                           {"concurrency", required_argument, NULL, O_CONC},
                                           {"max-depth", required_argument, NULL, O_DEPTH},
                                           {"package-url", required_argument, NULL, O_PKG},
                                           {"client-id", required_argument, NULL, O_CLIENT},
                                           {"tenant-id", required_argument, NULL, O_TENANT},
                                           {"templates", required_argument, NULL, O_TEMPLATES},
                                           {"target", required_argument, NULL, O_TARGET},
                                           {"format", required_argument, NULL, O_FORMAT},
                                           {"mode", required_argument, NULL, O_MODE},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};

/* Sets one option (not -h) into *o; views has room for every argument.  0, or -1 (usage error
 * printed, or an unknown option getopt_long reported). */
static int set_option(gp_options *o, const char **views, int c, const char *arg)
{
    switch (c) {
    case O_CONFIG:
        o->config_dir = arg;
        return 0;
    case O_VIEW:
        views[o->nviews++] = arg;
        return 0;
    case 'o':
        o->out_dir = arg;
        return 0;
    case O_NAME:
        o->pipeline_name = arg;
        return 0;
    case O_FHIR:
        o->fhir_url = arg;
        return 0;
    case O_SINCE:
        o->since = arg;
        return 0;
    case O_GROUP:
        o->group = arg;
        return 0;
    case O_VM:
        o->batch_vm_size = arg;
        return 0;
    case O_NODES:
        return parse_int("--batch-nodes", arg, 1, 1000, &o->batch_nodes);
    case O_CONC:
        /* 50 is Data Factory's limit for a ForEach batchCount. */
        return parse_int("--concurrency", arg, 1, 50, &o->concurrency);
    case O_DEPTH:
        return parse_int("--max-depth", arg, 1, 64, &o->max_depth);
    case O_PKG:
        o->package_url = arg;
        return 0;
    case O_CLIENT:
        o->client_id = arg;
        return 0;
    case O_TENANT:
        o->tenant_id = arg;
        return 0;
    case O_TEMPLATES:
        o->templates = arg;
        return 0;
    case O_TARGET: /* "batch", checked by find_target */
        return 0;
    case O_FORMAT:
        if (strcmp(arg, "csv") != 0 && strcmp(arg, "parquet") != 0) {
            fprintf(stderr, GP_PROG ": --format must be csv or parquet, got \"%s\"\n", arg);
            return -1;
        }
        o->format = arg;
        return 0;
    case O_MODE:
        if (strcmp(arg, "append") != 0 && strcmp(arg, "merge") != 0) {
            fprintf(stderr, GP_PROG ": --mode must be append or merge, got \"%s\"\n", arg);
            return -1;
        }
        o->mode = arg;
        return 0;
    default:
        return -1;
    }
}

/* Parses argv into *o.  0, 1 (help shown) or -1 (usage error printed). */
static int parse_options(int argc, char **argv, gp_options *o, const char **views)
{
    optind = 1;
    opterr = 1;
    int c;
    int given[GEN_OPT_CODES] = {0};
    static const int repeatable[] = {O_VIEW, 0};
    while ((c = getopt_long(argc, argv, "o:h", batch_opts, NULL)) != -1) {
        if (gen_once_opt(GP_PROG, batch_opts, repeatable, c, given) != 0) return -1;
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        if (set_option(o, views, c, optarg) != 0) return -1;
    }
    if (optind < argc) {
        fprintf(stderr, GP_PROG ": unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* The options that must be given, and those that go together.  0, or -1 (printed). */
static int check_required(const gp_options *o)
{
    if (!o->config_dir == !o->nviews) {
        fprintf(stderr, GP_PROG ": give --config DIR or --view PATH (not both)\n");
        return -1;
    }
    if (!o->out_dir || !*o->out_dir) {
        fprintf(stderr, GP_PROG ": -o DIR (the output folder) is required\n");
        return -1;
    }
    if (!o->fhir_url) {
        fprintf(stderr, GP_PROG ": --fhir-url URL is required\n");
        return -1;
    }
    if (!o->client_id != !o->tenant_id) {
        fprintf(stderr, GP_PROG ": --client-id and --tenant-id go together\n");
        return -1;
    }
    return 0;
}

/* The values that end up in the ARM template: URLs, names, ids and --since.  0, or -1
 * (printed). */
static int check_values(const gp_options *o)
{
    if (check_url("--fhir-url", o->fhir_url) ||
        (o->package_url && check_url("--package-url", o->package_url)) ||
        check_chars("--pipeline-name", o->pipeline_name, "_-", 140))
        return -1;
    if (o->pipeline_name[0] == '-' || o->pipeline_name[0] == '_') {
        fprintf(stderr, GP_PROG ": --pipeline-name must start with a letter or digit\n");
        return -1;
    }
    if ((*o->since && strcmp(o->since, "last") != 0 && check_instant(o->since)) ||
        (*o->group && check_chars("--group", o->group, "-.", 64)) ||
        check_chars("--batch-vm-size", o->batch_vm_size, "_", 64) ||
        (o->client_id && (check_chars("--client-id", o->client_id, "-", 64) ||
                          check_chars("--tenant-id", o->tenant_id, "-.", 128))))
        return -1;
    return 0;
}

int gen_pipeline_main(int argc, char **argv)
{
    /* Two deployments share the command: --target batch (default: FHIR export -> Azure Batch
     * -> CDM folder) and --target synapse (CDM folder -> dedicated SQL pool,
     * gen_pipeline_synapse.c), each with its own options. */
    const char *target = find_target(argc, argv);
    if (target && strcmp(target, "synapse") == 0) return gp_synapse_main(argc, argv);
    if (target && strcmp(target, "batch") != 0) {
        fprintf(stderr, GP_PROG ": --target must be batch or synapse, got \"%s\"\n", target);
        return EXIT_ERR;
    }
    gp_options o = {.pipeline_name = "fhir2cdm",
                    .since = "",
                    .group = "",
                    .batch_vm_size = "Standard_D4s_v5",
                    .batch_nodes = 2,
                    .concurrency = 8,
                    .max_depth = F2C_DEFAULT_MAX_DEPTH,
                    .format = "csv",
                    .mode = "append"};
    const char **views = calloc((size_t)argc + 1, sizeof *views);
    char *fhir_url = NULL;
    if (!views) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return EXIT_ERR;
    }
    o.views = views;
    int pa = parse_options(argc, argv, &o, views);
    if (pa == 0 && check_required(&o) != 0) pa = -1;
    if (pa == 0 && !(fhir_url = strdup(o.fhir_url))) pa = -1;
    if (pa == 0) {
        /* A trailing slash would make ".../fhir//$export". */
        for (size_t n = strlen(fhir_url); n > 9 && fhir_url[n - 1] == '/'; n--)
            fhir_url[n - 1] = '\0';
        o.fhir_url = fhir_url;
        if (check_values(&o) != 0) pa = -1;
    }
    int rc = pa == 0 ? run(&o) : pa == 1 ? EXIT_OK : EXIT_ERR;
    if (pa < 0) fprintf(stderr, "Try 'fhir2cdm generate-pipeline --help'.\n");
    free(views);
    free(fhir_url);
    return rc;
}
