/*
 * gen_config: the command lines of `fhir2cdm generate-config` and
 * `fhir2cdm generate-config-unrollpath` — replacements for the original Node.js generator's
 * generate_from_yaml.js (YAML mode) and index.js generate-config / generate-config-unrollpath
 * (schema modes), with their flags.
 *
 * Why one command for two original scripts: both wrote the same table configuration folder;
 * what differs is only where the tables come from.  The two scripts gave -r different meanings
 * (a YAML file; a list of resource types), so -r is read as resource types only when it is
 * followed by resource type names and no file of that name exists; --resources is the
 * unambiguous spelling (docs/config-reference.md).
 *
 * Each mode builds a gc_config, checks it (every problem reported, with YAML file:line:column),
 * and publishes it all-or-nothing (gen_config_out.c), or with --emit view-definitions as SQL on
 * FHIR ViewDefinitions (gen_config_views.c).  Exit status: 0 written; 2 usage or
 * configuration error; 1 I/O error; in both error cases nothing is written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "fhir2cdm/f2c_type.h"
#include "gen.h"
#include "gen_config_int.h"

static void usage_config(FILE *f)
{
    fputs(
        "Usage: fhir2cdm generate-config [-r resourcesConfig.yml] [-p propertiesGroupConfig.yml]\n"
        "                                -o FOLDER\n"
        "       fhir2cdm generate-config --resources [TYPE ...] -o FOLDER [-a first|as_json]\n"
        "                                [-w] [-v]\n"
        "\n"
        "Compiles the YAML resource and property-group configuration into a table\n"
        "configuration folder for fhir2cdm-transform; with --resources, generates one for every\n"
        "element of the named FHIR R4 resource types (all of them when none is named).\n"
        "\n"
        "  -r, --resourcesConfigFile FILE   resources YAML (default ./resourcesConfig.yml)\n"
        "  -p, --propertiesConfigFile FILE  property groups YAML (default\n"
        "                                   ./propertiesGroupConfig.yml)\n"
        "  -o, --output FOLDER              output folder (required); created, or added to:\n"
        "                                   files already there are kept unless regenerated;\n"
        "                                   a symbolic link in it is refused, never followed\n"
        "      --resources [TYPE ...]       schema mode: every element of these resource types\n"
        "                                   (-r TYPE ... also, when no file TYPE exists)\n"
        "  -a, --array first|as_json        schema mode: an array element gives its first item\n"
        "                                   (default) or the whole array as JSON text\n"
        "  -w, --overwrite                  schema mode: replace existing property group files\n"
        "  -v, --validate                   schema mode: leave out resource properties that an\n"
        "                                   existing unroll table covers\n"
        "      --max-depth N                group expansion depth used to check the result,\n"
        "                                   1 to 64 (default 3, as fhir2cdm-transform)\n"
        "      --emit table-config|view-definitions\n"
        "                                   what to write: the table configuration (default),\n"
        "                                   or one SQL on FHIR ViewDefinition per table, for\n"
        "                                   fhir2cdm-transform --view (same rows and columns;\n"
        "                                   RowId/FhirPath/ParentPath via the fhir2cdm-reserved\n"
        "                                   column tag, docs/views.md)\n"
        "  -h, --help                       this help\n"
        "--resources and -r take lists of types; every other option that takes a value may be\n"
        "given once (twice is a usage error).\n"
        "\n"
        "Every problem is reported (file:line:column for YAML) and nothing is written unless\n"
        "the whole configuration loads as fhir2cdm-transform would load it.\n"
        "Exit status: 0 written; 2 usage or configuration error; 1 I/O error.\n"
        "Reference: docs/config-reference.md\n",
        f);
}

static void usage_unroll(FILE *f)
{
    fputs(
        "Usage: fhir2cdm generate-config-unrollpath -u Resource.path [...] -o FOLDER\n"
        "                                           [-a first|as_json] [-w] [-v]\n"
        "\n"
        "Adds an unroll table (one row per element the path reaches) to a table configuration\n"
        "folder, with a property group for every complex type reached from the element.\n"
        "\n"
        "  -u, --unroll PATH ...       unroll path(s), e.g. Patient.name, Patient.contact.telecom\n"
        "  -o, --output FOLDER         output folder (required); created, or added to (a\n"
        "                              symbolic link in it is refused, never followed)\n"
        "  -a, --array first|as_json   in generated groups, an array element gives its first\n"
        "                              item (default) or the whole array as JSON text\n"
        "  -w, --overwrite             replace existing property group files\n"
        "  -v, --validate              remove the element from the resource table of the same\n"
        "                              resource in FOLDER (for Resource.element paths)\n"
        "      --max-depth N           group expansion depth used to check the result, 1 to 64\n"
        "                              (default 3)\n"
        "  -h, --help                  this help\n"
        "-u takes a list of paths and may be repeated; every other option that takes a value\n"
        "may be given once (twice is a usage error).\n"
        "\n"
        "Exit status: 0 written; 2 usage or configuration error; 1 I/O error.\n",
        f);
}

/* The options that take one value, each counted in opts.seen (-r may list resource types; its
 * file form counts with --resourcesConfigFile).  -u, --resources and their lists repeat. */
enum { ONCE_OUT, ONCE_ARRAY, ONCE_DEPTH, ONCE_RES, ONCE_GRP, ONCE_EMIT, OPT_ONCE_COUNT };

typedef struct opts {
    const char *res_file, *grp_file, *out;
    int schema_mode;    /* --resources */
    const char **names; /* resource types (--resources) or unroll paths (-u) */
    size_t nnames;
    int as_json, overwrite, validate, max_depth;
    int res_given, grp_given, array_given;
    int emit_views;           /* --emit view-definitions */
    int seen[OPT_ONCE_COUNT]; /* how often each single-value option was given (gen_once) */
} opts;

/* A single-value option given a second time: the message, and 1 (an error) -- else 0. */
static int twice(opts *o, const char *cmd, int which, const char *flag)
{
    char prog[64];
    snprintf(prog, sizeof prog, "fhir2cdm %s", cmd);
    return gen_once(prog, flag, &o->seen[which]) != 0;
}

/* ---- command lines ------------------------------------------------------------------------ */

/* Option codes beyond the short letters.  -r, --resources and -u take a list of words (every
 * following argument not starting with '-', as the original index.js read them), so getopt_long
 * sees them without a value and collect_words takes the list. */
enum { L_RES_FILE = 256, L_RESOURCES, L_EMIT, L_MAXDEPTH };

/* The options both commands take.  --overwrite and --validate ignore a "=value", as the
 * original did. */
#define GC_COMMON_OPTIONS                                                                          \
    {"output", required_argument, NULL, 'o'}, {"array", required_argument, NULL, 'a'},             \
        {"overwrite", optional_argument, NULL, 'w'}, {"validate", optional_argument, NULL, 'v'},   \
        {"max-depth", required_argument, NULL, L_MAXDEPTH},                                        \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

static const struct option config_opts[] = {
    GC_COMMON_OPTIONS,
    {"resourcesConfigFile", required_argument, NULL, L_RES_FILE},
    {"propertiesConfigFile", required_argument, NULL, 'p'},
    {"resources", no_argument, NULL, L_RESOURCES},
    {"emit", required_argument, NULL, L_EMIT},
    {NULL, 0, NULL, 0},
};

static const struct option unroll_opts[] = {
    GC_COMMON_OPTIONS,
    {"unroll", optional_argument, NULL, 'u'},
    {NULL, 0, NULL, 0},
};

/* What next_opt returns besides an option code: the end of the options, an argument that is no
 * option of the command, an option without its value. */
enum { NEXT_END = -1, NEXT_UNEXPECTED = -2, NEXT_NO_VALUE = -3 };

/* Non-zero when arg ("--name" or "--name=value") spells long option name in full: the
 * commands take no abbreviations, as before getopt_long read them. */
static int full_long_name(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg + 2, name, n) == 0 && (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

/* The next option of argv by getopt_long ("+:": stops at the first word; no messages of its
 * own): its code with *val its value (or NULL), or a NEXT_* code.  *elem is the argument it
 * read, for messages.  Only the forms the commands always took are accepted: "-o X",
 * "--output X", "--output=X"; not "-oX", "-wv", "--out" or "--". */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                    const char **val, const char **elem)
{
    int at = optind ? optind : 1; /* optind 0: the first call */
    *val = NULL;
    *elem = at < argc ? argv[at] : NULL;
    if (!*elem) return NEXT_END;
    const char *e = *elem;
    if (strcmp(e, "--") == 0 || (e[0] == '-' && e[1] && e[1] != '-' && e[2]))
        return NEXT_UNEXPECTED;
    int idx = -1;
    int c = getopt_long(argc, argv, shortopts, longopts, &idx);
    *val = optarg;
    if (c == -1) {
        *elem = optind < argc ? argv[optind] : NULL; /* a word where an option may stand */
        return *elem ? NEXT_UNEXPECTED : NEXT_END;
    }
    if (c == ':') return NEXT_NO_VALUE;
    if (c == '?') return NEXT_UNEXPECTED;
    if (e[1] == '-' && (idx < 0 || !full_long_name(e, longopts[idx].name))) return NEXT_UNEXPECTED;
    return c;
}

/* The arguments following the current option that do not start with '-', appended to
 * o->names. */
static void collect_words(opts *o, int argc, char **argv)
{
    while (optind < argc && argv[optind][0] != '-') {
        o->names = gc_xrealloc(o->names, (o->nnames + 1) * sizeof *o->names);
        o->names[o->nnames++] = argv[optind++];
    }
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* -r's argument(s): a YAML file, or resource type names (index.js's -r <Resources...>). */
static int take_r(opts *o, const char *cmd, int argc, char **argv)
{
    size_t first = o->nnames;
    collect_words(o, argc, argv);
    size_t n = o->nnames - first;
    if (n == 0) {
        fprintf(stderr, "fhir2cdm %s: option -r needs a value\n", cmd);
        return -1;
    }
    int all_types = 1;
    for (size_t k = first; k < o->nnames; k++)
        if (!f2c_is_resource_type_name(o->names[k]) || file_exists(o->names[k])) all_types = 0;
    if (all_types) {
        o->schema_mode = 1;
        return 0;
    }
    if (n > 1) {
        fprintf(stderr,
                "fhir2cdm %s: -r takes one YAML file, or resource type names (use "
                "--resources TYPE ...)\n",
                cmd);
        return -1;
    }
    if (twice(o, cmd, ONCE_RES, "-r/--resourcesConfigFile")) return -1;
    o->res_file = o->names[first];
    o->res_given = 1;
    o->nnames = first;
    return 0;
}

/* Options common to both commands: c with value v.  Returns 1 if c was one, 0 if not, -1 on
 * error (printed). */
static int common_opt(opts *o, const char *cmd, int c, const char *v)
{
    switch (c) {
    case 'o':
        if (twice(o, cmd, ONCE_OUT, "-o/--output")) return -1;
        o->out = v;
        return 1;
    case 'a':
        if (twice(o, cmd, ONCE_ARRAY, "-a/--array")) return -1;
        if (strcmp(v, "first") && strcmp(v, "as_json")) {
            fprintf(stderr, "fhir2cdm %s: --array must be first or as_json, not '%s'\n", cmd, v);
            return -1;
        }
        o->as_json = strcmp(v, "as_json") == 0;
        o->array_given = 1;
        return 1;
    case 'w':
        o->overwrite = 1;
        return 1;
    case 'v':
        o->validate = 1;
        return 1;
    case L_MAXDEPTH: {
        if (twice(o, cmd, ONCE_DEPTH, "--max-depth")) return -1;
        char prog[64];
        long n;
        snprintf(prog, sizeof prog, "fhir2cdm %s", cmd);
        if (gen_parse_range(prog, "--max-depth", v, 1, 64, &n) != 0) return -1;
        o->max_depth = (int)n;
        return 1;
    }
    default:
        return 0;
    }
}

/* The result of a NEXT_* code of next_opt for argument elem: the message, and -1 (NEXT_END:
 * 0). */
static int next_problem(const char *cmd, int c, const char *elem)
{
    if (c == NEXT_END) return 0;
    if (c == NEXT_NO_VALUE)
        fprintf(stderr, "fhir2cdm %s: option %s needs a value\n", cmd, elem);
    else
        fprintf(stderr, "fhir2cdm %s: unexpected argument '%s'\n", cmd, elem);
    return -1;
}

/* Checks, publishes and reports; returns the exit status. */
static int finish(gc_config *c, const opts *o, const char *cmd, gc_diags *d, int built)
{
    int rc = 2;
    /* Expressions are checked even when building found problems, so all are listed at once. */
    int exprs = gc_check_expressions(c, d);
    gc_publish_opts po = {.out_dir = o->out, .max_depth = o->max_depth, .validate = o->validate};
    if (built == 0 && exprs == 0)
        rc = o->emit_views ? gc_publish_views(c, &po, d) : gc_publish(c, &po, d);
    if (rc == 0 && o->emit_views) {
        printf("fhir2cdm %s: %zu ViewDefinition%s written to %s\n", cmd, po.written_views,
               po.written_views == 1 ? "" : "s", o->out);
    } else if (rc == 0) {
        printf("fhir2cdm %s: %zu table%s and %zu property group%s written to %s", cmd,
               po.written_tables, po.written_tables == 1 ? "" : "s", po.written_groups,
               po.written_groups == 1 ? "" : "s", o->out);
        if (po.kept_groups)
            printf(" (%zu existing property group%s kept; --overwrite replaces them)",
                   po.kept_groups, po.kept_groups == 1 ? "" : "s");
        putchar('\n');
    } else {
        gc_diags_print(d, cmd);
    }
    gc_config_free(c);
    gc_diags_free(d);
    return rc;
}

int gc_check_expressions(const gc_config *c, gc_diags *d)
{
    size_t before = d->count;
    for (size_t i = 0; i < c->count; i++) {
        for (size_t k = 0; k < c->tables[i].nprops; k++) {
            const gc_prop *p = &c->tables[i].props[k];
            if (!p->expr) continue;
            f2c_fp_expr *e = NULL;
            f2c_error err;
            f2c_error_clear(&err);
            f2c_status s = f2c_fp_compile(p->expr, NULL, &e, &err);
            if (s == F2C_ENOMEM) gc_oom();
            if (s != F2C_OK)
                gc_diag(d, p->expr_loc, "expression '%s' does not compile: at character %ld: %s",
                        p->expr, err.column, err.message);
            f2c_fp_free(e);
        }
    }
    return d->count == before ? 0 : -1;
}

/* --emit's value. */
static int set_emit(opts *o, const char *cmd, const char *v)
{
    if (twice(o, cmd, ONCE_EMIT, "--emit")) return -1;
    if (strcmp(v, "view-definitions") != 0 && strcmp(v, "table-config") != 0) {
        fprintf(stderr, "fhir2cdm %s: --emit must be table-config or view-definitions, not '%s'\n",
                cmd, v);
        return -1;
    }
    o->emit_views = !strcmp(v, "view-definitions");
    return 0;
}

/* generate-config's own options: c with value v.  0, or -1 (printed). */
static int config_opt(opts *o, const char *cmd, int c, const char *v, int argc, char **argv)
{
    switch (c) {
    case 'r':
        return take_r(o, cmd, argc, argv);
    case L_RES_FILE:
        if (twice(o, cmd, ONCE_RES, "-r/--resourcesConfigFile")) return -1;
        o->res_file = v;
        o->res_given = 1;
        return 0;
    case 'p':
        if (twice(o, cmd, ONCE_GRP, "-p/--propertiesConfigFile")) return -1;
        o->grp_file = v;
        o->grp_given = 1;
        return 0;
    case L_RESOURCES:
        o->schema_mode = 1;
        collect_words(o, argc, argv);
        return 0;
    default: /* L_EMIT */
        return set_emit(o, cmd, v);
    }
}

/* What differs between the two commands' command lines. */
typedef struct cmdline {
    const char *optstring;
    const struct option *opts;
    void (*usage)(FILE *f);
    /* The command's own options (after the common ones and -h): 0, or -1 (printed). */
    int (*own)(opts *o, const char *cmd, int c, const char *v, const char *elem, int argc,
               char **argv);
} cmdline;

/* Parses a generate-config* command line into *o: 0, 1 (-h: usage shown), or -1 (printed). */
static int parse_args(opts *o, const char *cmd, const cmdline *cl, int argc, char **argv)
{
    const char *v, *elem;
    int c, rc = 0;
    optind = 0; /* 0, not 1: re-reads optstring, so its "+" holds in every call */
    opterr = 0;
    while (rc == 0) {
        c = next_opt(argc, argv, cl->optstring, cl->opts, &v, &elem);
        if (c < 0) {
            rc = next_problem(cmd, c, elem);
            break;
        }
        int r = common_opt(o, cmd, c, v);
        if (r != 0) {
            rc = r < 0 ? -1 : 0;
        } else if (c == 'h') {
            cl->usage(stdout);
            rc = 1;
        } else {
            rc = cl->own(o, cmd, c, v, elem, argc, argv);
        }
    }
    opterr = 1;
    return rc;
}

static int config_own(opts *o, const char *cmd, int c, const char *v, const char *elem, int argc,
                      char **argv)
{
    (void)elem;
    return config_opt(o, cmd, c, v, argc, argv);
}

/* Parses generate-config's command line into *o: 0, 1 (-h: usage shown), or -1 (printed). */
static int parse_config_args(opts *o, const char *cmd, int argc, char **argv)
{
    static const cmdline cl = {"+:o:a:wvhrp:", config_opts, usage_config, config_own};
    return parse_args(o, cmd, &cl, argc, argv);
}

/* The combinations generate-config refuses.  0, or -1 (printed). */
static int check_config_args(const opts *o, const char *cmd)
{
    if (!o->out) {
        fprintf(stderr, "fhir2cdm %s: -o FOLDER is required\n", cmd);
        return -1;
    }
    if (o->schema_mode && (o->res_given || o->grp_given)) {
        fprintf(stderr,
                "fhir2cdm %s: --resources generates from the FHIR model; it takes no "
                "YAML files\n",
                cmd);
        return -1;
    }
    if (o->emit_views && (o->overwrite || o->validate)) {
        fprintf(stderr,
                "fhir2cdm %s: --overwrite and --validate change a table configuration folder; "
                "they do not apply to --emit view-definitions\n",
                cmd);
        return -1;
    }
    if (!o->schema_mode && (o->array_given || o->overwrite || o->validate)) {
        fprintf(stderr, "fhir2cdm %s: --array, --overwrite and --validate apply to --resources\n",
                cmd);
        return -1;
    }
    return 0;
}

int gen_config_main(int argc, char **argv)
{
    const char *cmd = "generate-config";
    opts o = {.res_file = "./resourcesConfig.yml",
              .grp_file = "./propertiesGroupConfig.yml",
              .max_depth = F2C_DEFAULT_MAX_DEPTH};
    int pa = parse_config_args(&o, cmd, argc, argv);
    if (pa == 0) pa = check_config_args(&o, cmd);
    if (pa != 0) {
        if (pa < 0) fprintf(stderr, "Run 'fhir2cdm %s -h' for usage.\n", cmd);
        free(o.names);
        return pa < 0 ? 2 : 0;
    }
    gc_config c = {0};
    gc_diags d = {0};
    int built = o.schema_mode
                    ? gc_build_resources(o.names, o.nnames, o.as_json, o.overwrite, &c, &d)
                    : gc_build_from_yaml(o.res_file, o.grp_file, &c, &d);
    int rc = finish(&c, &o, cmd, &d, built);
    free(o.names);
    return rc;
}

/* -u/--unroll: "--unroll=P" and the words that follow; elem is the option as given. */
static int take_u(opts *o, const char *cmd, const char *v, const char *elem, int argc, char **argv)
{
    if (v) {
        o->names = gc_xrealloc(o->names, (o->nnames + 1) * sizeof *o->names);
        o->names[o->nnames++] = v;
    }
    size_t before = o->nnames;
    collect_words(o, argc, argv);
    if (o->nnames == before && !v) {
        fprintf(stderr, "fhir2cdm %s: option %s needs a value\n", cmd, elem);
        return -1;
    }
    return 0;
}

static int unroll_own(opts *o, const char *cmd, int c, const char *v, const char *elem, int argc,
                      char **argv)
{
    (void)c; /* only -u is left */
    return take_u(o, cmd, v, elem, argc, argv);
}

/* Parses generate-config-unrollpath's command line into *o: 0, 1 (-h: usage shown), or -1
 * (printed). */
static int parse_unroll_args(opts *o, const char *cmd, int argc, char **argv)
{
    static const cmdline cl = {"+:o:a:wvhu", unroll_opts, usage_unroll, unroll_own};
    int rc = parse_args(o, cmd, &cl, argc, argv);
    if (rc == 0 && !o->out) {
        fprintf(stderr, "fhir2cdm %s: -o FOLDER is required\n", cmd);
        rc = -1;
    }
    if (rc == 0 && o->nnames == 0) {
        fprintf(stderr, "fhir2cdm %s: -u Resource.path is required\n", cmd);
        rc = -1;
    }
    return rc;
}

int gen_config_unrollpath_main(int argc, char **argv)
{
    const char *cmd = "generate-config-unrollpath";
    opts o = {.max_depth = F2C_DEFAULT_MAX_DEPTH};
    int pa = parse_unroll_args(&o, cmd, argc, argv);
    if (pa != 0) {
        if (pa < 0) fprintf(stderr, "Run 'fhir2cdm %s -h' for usage.\n", cmd);
        free(o.names);
        return pa < 0 ? 2 : 0;
    }
    gc_config c = {0};
    gc_diags d = {0};
    int built = gc_build_unroll(o.names, o.nnames, o.as_json, o.overwrite, &c, &d);
    int rc = finish(&c, &o, cmd, &d, built);
    free(o.names);
    return rc;
}
