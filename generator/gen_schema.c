/*
 * gen_schema: `fhir2cdm show-schema`, the local schema viewer — its command line: options,
 * loading the configuration, and writing the chosen format; the view model lives in
 * gen_schema_model.c, the formats in gen_schema_text.c (text, markdown), gen_schema_json.c and
 * gen_schema_html.c.
 *
 * Why it exists: the original tool's viewer re-implemented the column expansion in JavaScript,
 * so what it showed could drift from what the transformer wrote.  Here the configuration is
 * loaded through f2c_schema_load (f2c_tablecfg_load) and every column name, order and type comes
 * from f2c_table_* — the same calls the CSV header and model.json use — so the viewer shows exactly
 * the columns fhir2cdm-transform writes.  What is added on top (element paths, parent tables and
 * join columns) is derived from the same table model.
 *
 * Output goes to stdout, or with -o to FILE by the generator's one output rule (gen_write_output:
 * a regular FILE is replaced atomically when complete, so a failed run never leaves a
 * half-written file; a FIFO or device is written into, never replaced).  Exit status: 0 ok, 2
 * usage, configuration or output error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "gen.h"
#include "gen_schema_int.h"

#define PROG "fhir2cdm show-schema"
#define EXIT_OK 0
#define EXIT_ERR 2

/* ---- command line -------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm show-schema -d DIR [-t TABLE] [--max-depth N]\n"
          "                            [--format text|json|markdown|html] [-o FILE]\n"
          "\n"
          "Shows the tables of a table configuration folder and their columns exactly as\n"
          "fhir2cdm-transform writes them: names, order, FHIR type, CDM dataType, the element\n"
          "each column reads, and how unroll tables join to their parents.\n"
          "\n"
          "  -d, --config DIR     table configuration folder (<Table>.json + PropertiesGroup/)\n"
          "  -t, --table NAME     show this table's columns; without it, text lists all tables\n"
          "                       and their relationships, and json/markdown/html show every\n"
          "                       table with its columns\n"
          "  -m, --max-depth N    property-group expansion depth, as given to the transformer\n"
          "                       (1..64, default 3; also spelled --maxDepth)\n"
          "  -f, --format FMT     text (default), json, markdown or html (a self-contained page)\n"
          "  -o, --output FILE    write to FILE instead of stdout: a regular or missing FILE is\n"
          "                       replaced atomically when complete (a symbolic link: the\n"
          "                       file it points to); an existing FIFO or device (/dev/stdout)\n"
          "                       is written into, never replaced\n"
          "  -h, --help           this help\n"
          "No option is repeatable: each may be given once (twice is a usage error).\n"
          "\n"
          "Exit status: 0 ok; 2 usage error, configuration errors (all listed) or write error.\n",
          f);
}

typedef enum fmt { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_HTML } fmt;

static int parse_format(const char *s, fmt *out)
{
    static const struct {
        const char *name;
        fmt f;
    } names[] = {{"text", FMT_TEXT},
                 {"json", FMT_JSON},
                 {"markdown", FMT_MARKDOWN},
                 {"md", FMT_MARKDOWN},
                 {"html", FMT_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    return -1;
}

static int write_all(FILE *f, const gs_schema *s, fmt format)
{
    switch (format) {
    case FMT_TEXT:
        return gs_write_text(f, s);
    case FMT_JSON:
        return gs_write_json(f, s);
    case FMT_MARKDOWN:
        return gs_write_markdown(f, s);
    case FMT_HTML:
        return gs_write_html(f, s);
    }
    return -1;
}

/* Writes to stdout, or produces the whole output in memory and hands it to gen_write_output
 * (the -o FILE rule: a special file is written into, a regular one replaced atomically). */
static int emit(const gs_schema *s, fmt format, const char *out)
{
    if (!out) {
        int rc = write_all(stdout, s, format);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
            return EXIT_ERR;
        }
        if (rc != 0) fprintf(stderr, PROG ": out of memory\n");
        return rc ? EXIT_ERR : EXIT_OK;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = f ? write_all(f, s, format) : -1;
    if (f && (fclose(f) != 0 || !buf)) rc = -1;
    if (rc != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        free(buf);
        return EXIT_ERR;
    }
    rc = gen_write_output(PROG, out, buf, len) == 0 ? EXIT_OK : EXIT_ERR;
    free(buf);
    return rc;
}

static int parse_depth(const char *s, int *out)
{
    long v;
    if (gen_parse_range(PROG, "--max-depth", s, 1, 64, &v) != 0) return -1;
    *out = (int)v;
    return 0;
}

/* Index of the table named `name`: exact, else ignoring case (the loader rejects names that
 * differ only in case, so that is unambiguous), else -1. */
static long find_table(const f2c_tableset *set, const char *name)
{
    long i = f2c_tableset_find(set, name);
    for (size_t k = 0; i < 0 && k < set->count; k++)
        if (strcasecmp(set->tables[k].name, name) == 0) i = (long)k;
    return i;
}

int gen_show_schema_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'd'},
        {"dir", required_argument, NULL, 'd'},
        {"table", required_argument, NULL, 't'},
        {"max-depth", required_argument, NULL, 'm'},
        {"maxDepth", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *table = NULL, *out = NULL;
    int depth = F2C_DEFAULT_MAX_DEPTH;
    fmt format = FMT_TEXT;
    int c;
    int given[GEN_OPT_CODES] = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:t:m:f:o:h", opts, NULL)) != -1) {
        if (gen_once_opt(PROG, opts, NULL, c, given) != 0) goto bad;
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 't':
            table = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'm':
            if (parse_depth(optarg, &depth) != 0) goto bad;
            break;
        case 'f':
            if (parse_format(optarg, &format) != 0) {
                fprintf(stderr,
                        PROG ": --format must be text, json, markdown or html, got \"%s\"\n",
                        optarg);
                goto bad;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            goto bad;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
        goto bad;
    }
    if (!dir) {
        fprintf(stderr, PROG ": -d DIR (the table configuration folder) is required\n");
        goto bad;
    }

    f2c_tableset set;
    f2c_diags diags = {0};
    /* show-schema reads table configurations only; the tables, not the plan. */
    f2c_schema_input src = {.config_dir = dir, .max_depth = depth};
    f2c_status st = f2c_schema_load(&src, &set, NULL, &diags);
    if (st != F2C_OK) {
        f2c_schema_print_diags(stderr, "error: ", &diags);
        if (st == F2C_ENOMEM)
            fprintf(stderr, PROG ": out of memory\n");
        else
            fprintf(stderr, PROG ": %zu error%s in the table configuration %s; nothing shown\n",
                    diags.count, diags.count == 1 ? "" : "s", dir);
        f2c_diags_free(&diags);
        return EXIT_ERR;
    }
    f2c_diags_free(&diags);

    gs_schema s;
    if (gs_build(&s, &set, dir, depth) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        f2c_tableset_free(&set);
        return EXIT_ERR;
    }
    int rc = EXIT_OK;
    if (table) {
        s.only = find_table(&set, table);
        if (s.only < 0) {
            fprintf(stderr, PROG ": no table named \"%s\" in %s; its tables are:", table, dir);
            for (size_t i = 0; i < set.count; i++)
                fprintf(stderr, " %s", set.tables[i].name);
            fputc('\n', stderr);
            rc = EXIT_ERR;
        }
    }
    if (rc == EXIT_OK) rc = emit(&s, format, out);
    gs_free(&s);
    f2c_tableset_free(&set);
    return rc;
bad:
    fprintf(stderr, "Try 'fhir2cdm show-schema --help'.\n");
    return EXIT_ERR;
}
