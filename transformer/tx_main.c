/*
 * fhir2cdm-transform: command line of the transformer.
 *
 * The flags are the original FHIR-to-CDM local tool's (--config, --input, --output, --maxDepth)
 * so existing scripts keep working, with kebab-case spellings beside them and the additions this
 * tool needs (--view: SQL on FHIR v2 ViewDefinitions instead of a table configuration).  Parsing
 * only: the job itself is tx_job.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_tablecfg.h"

#include "tx_batch.h"
#include "tx_export.h"
#include "tx_fhirpath.h"
#include "tx_sof.h"
#include "tx_job.h"
#include "tx_util.h"

static void usage(FILE *f)
{
    fputs(
        "Usage: fhir2cdm-transform --config DIR --input PATH [PATH...] --output DIR [options]\n"
        "       fhir2cdm-transform --view PATH [--view PATH...] --input PATH... --output DIR\n"
        "                          [options]   (SQL on FHIR v2 ViewDefinitions instead of a\n"
        "                          table configuration)\n"
        "       fhir2cdm-transform compact --config DIR | --view PATH... --output DIR [options]\n"
        "                          (a merge-mode folder: concatenate every entity's small\n"
        "                          partitions; rows and values unchanged)\n"
        "       fhir2cdm-transform fhirpath [--ndjson] EXPRESSION [FILE]   (try an expression;\n"
        "                          see fhir2cdm-transform fhirpath --help)\n"
        "       fhir2cdm-transform export --fhir-url URL --config DIR --output DIR (Bulk Data)\n"
        "       fhir2cdm-transform sql-on-fhir-test [--report FILE] PATH...   (run the SQL on\n"
        "                          FHIR v2 conformance suite; see sql-on-fhir-test --help)\n"
        "       fhir2cdm-transform bulk-export|transform-data|finalize|generate-schema\n"
        "                          --adf-activity activity.json   (Azure Batch tasks of the\n"
        "                          Data Factory pipeline; see SUBCOMMAND --help)\n"
        "\n"
        "Flattens FHIR R4 NDJSON (a Bulk Data $export result) into a CDM folder: one CSV (or\n"
        "Parquet, --format parquet) partition per table per input file under\n"
        "OUTPUT/data/Local<Table>/, and OUTPUT/model.json (CDM folder metadata; Parquet: the CDM\n"
        "manifest OUTPUT/model.manifest.cdm.json), the commit record listing the partitions of\n"
        "every committed run.\n"
        "\n"
        "Required:\n"
        "  -c, --config DIR        table configuration folder: one <Table>.json per table and\n"
        "                          PropertiesGroup/<Group>.json (the original tool's format)\n"
        "  or\n"
        "      --view PATH         SQL on FHIR v2 ViewDefinition: a JSON file, or a folder (every\n"
        "                          *.json in it); repeat for more.  Each view is one entity,\n"
        "                          named as the view, its columns typed by their `type`\n"
        "  -i, --input PATH        NDJSON input: a folder (all *.ndjson and *.ndjson.gz in it,\n"
        "                          sorted by name) or a file; repeat the flag or list more paths\n"
        "                          after the options\n"
        "  -o, --output DIR        CDM folder to write (created if missing); committed partitions\n"
        "                          of other operations are kept and listed in model.json; one\n"
        "                          run at a time (lock and staging in DIR/.fhir2cdm/)\n"
        "\n"
        "Options:\n"
        "      --max-depth N       how many levels of property groups to expand, 1 to 64\n"
        "                          (default 3; also spelled --maxDepth)\n"
        "      --operation-id ID   suffix of this run's partition file names ([A-Za-z0-9_-],\n"
        "                          at most 64); default: a hash of the input files' names and\n"
        "                          contents (computed as they are read), so re-running on the\n"
        "                          same data replaces its own partitions\n"
        "      --mode M            append (default): every run adds its partitions; merge: the\n"
        "                          folder holds one current version of every resource -- a\n"
        "                          resource in the input replaces all its rows (every table,\n"
        "                          unroll table and view), the latest meta.lastUpdated winning\n"
        "                          within a run; committed partitions holding replaced rows\n"
        "                          are rewritten, the others left as they are "
        "(docs/cdm-folder.md,\n"
        "                          \"Merge mode\")\n"
        "      --deleted PATH      merge mode: Bulk Data deletion file or folder (NDJSON of\n"
        "                          transaction Bundles of DELETE entries, url Type/id); every\n"
        "                          row of a listed resource is removed, unless the input has\n"
        "                          it too; repeatable\n"
        "      --max-errors N      rejected lines (and, with --view, resources left out of a\n"
        "                          view by a run-time error) tolerated before the exit status\n"
        "                          becomes 1 (default 0); every good row is written either way\n"
        "      --max-line-bytes N  longest accepted NDJSON line, 1 to 1099511627776 (default\n"
        "                          67108864 = 64 MiB); longer lines are rejected without\n"
        "                          being held in memory\n" TX_FORMAT_HELP TX_FP_LIMIT_HELP
        "  -q, --quiet             no progress and no summary (errors and warnings still shown)\n"
        "  -h, --help              this help\n"
        "      --version           print the version\n"
        "--input, --view and --deleted may be repeated; every other flag that takes a value may be "
        "given\n"
        "once (twice is a usage error).\n"
        "\n"
        "Bad input never stops the run: a malformed line, a line that is not a JSON object, a\n"
        "missing or invalid resourceType, a line over the length limit or with invalid UTF-8\n"
        "is reported as FILE:LINE[:COLUMN] and skipped; a value that does not match its column's\n"
        "type leaves the cell empty and is counted as a warning; resources of types without a\n"
        "table are counted.  With --view, a run-time error the specifications define (several\n"
        "items in a column without collection: true, a where clause that is not a Boolean, a\n"
        "FHIRPath error) leaves that resource's rows of that view out and is counted as an\n"
        "error.\n"
        "\n"
        "A run appears all at once or not at all: partitions are staged in DIR/.fhir2cdm/ and\n"
        "published together with model.json when every input was read.  A run killed at any\n"
        "instant leaves the old state; the next run finishes or removes what it left, and says\n"
        "so.  Files under data/ that no committed model.json lists are never adopted.\n"
        "\n"
        "Exit status:\n"
        "  0  success (rejected lines, if any, within --max-errors)\n"
        "  1  data errors: lines rejected (or view evaluation errors) beyond --max-errors,\n"
        "     unreadable input files, or\n"
        "     existing partitions that do not match the configuration; all good rows written\n"
        "  2  usage, configuration (or ViewDefinition) or output-folder error (another run\n"
        "     holds the folder, a symbolic link where we would write, disk full): nothing\n"
        "     written\n"
        "  130, 143, 129  interrupted by SIGINT, SIGTERM, SIGHUP: nothing written\n",
        f);
}

enum { OPT_VERSION = 256, OPT_VIEW, OPT_MODE, OPT_DELETED };

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"view", required_argument, NULL, OPT_VIEW},
        {"mode", required_argument, NULL, OPT_MODE},
        {"deleted", required_argument, NULL, OPT_DELETED},
        {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        TX_JOB_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    /* Subcommands. */
    /* cJSON's allocation hooks and the allocator's policy, before any subcommand starts a
     * thread (f2c_json.h, tx_util.h). */
    f2c_json_init();
    tx_tune_allocator();
    if (argc > 1 && strcmp(argv[1], "fhirpath") == 0) return tx_fhirpath_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "export") == 0) return tx_export_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "sql-on-fhir-test") == 0)
        return tx_sof_main(argc - 1, argv + 1);
    if (argc > 1 &&
        (strcmp(argv[1], "transform-data") == 0 || strcmp(argv[1], "finalize") == 0 ||
         strcmp(argv[1], "generate-schema") == 0 || strcmp(argv[1], "bulk-export") == 0))
        return tx_batch_main(argc - 1, argv + 1);

    tx_options o = {.max_depth = F2C_DEFAULT_MAX_DEPTH, .max_line = F2C_NDJSON_DEFAULT_MAX_LINE};
    /* `compact`: a merge-mode run without input that compacts every entity's small partitions
     * (docs/cdm-folder.md, "Compaction"); the other flags as for a run. */
    if (argc > 1 && strcmp(argv[1], "compact") == 0) {
        o.merge = o.compact = 1;
        o.operation_id = "compact";
        argc--;
        argv++;
    }
    f2c_fp_limits fplim;
    f2c_fp_limits_default(&fplim);
    o.fp_limits = &fplim;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    const char **views = calloc((size_t)argc + 1, sizeof *views);
    const char **deleted = calloc((size_t)argc + 1, sizeof *deleted);
    if (!inputs || !views || !deleted) {
        free(inputs);
        free(views);
        free(deleted);
        return TX_EXIT_USAGE;
    }
    int c;
    int seen[TX_OPT_CODES] = {0};
    static const int repeatable[] = {'i', OPT_VIEW, OPT_DELETED, 0};
    while ((c = getopt_long(argc, argv, "c:i:o:qh", opts, NULL)) != -1) {
        if (tx_once_opt("fhir2cdm-transform", opts, repeatable, c, seen) != 0) goto bad;
        switch (c) {
        case 'c':
            o.config_dir = optarg;
            break;
        case OPT_VIEW:
            views[o.nviews++] = optarg;
            break;
        case 'i':
            inputs[o.ninputs++] = optarg;
            break;
        case OPT_MODE:
            if (strcmp(optarg, "append") != 0 && strcmp(optarg, "merge") != 0) {
                fprintf(stderr, "fhir2cdm-transform: --mode must be append or merge, not \"%s\"\n",
                        optarg);
                goto bad;
            }
            o.merge = strcmp(optarg, "merge") == 0;
            break;
        case OPT_DELETED:
            deleted[o.ndeleted++] = optarg;
            break;
        case 'o':
            o.output_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            free(inputs);
            free(views);
            free(deleted);
            return TX_EXIT_OK;
        case OPT_VERSION:
            printf("fhir2cdm-transform %s\n", FHIR2CDM_VERSION);
            free(inputs);
            free(views);
            free(deleted);
            return TX_EXIT_OK;
        default: /* the job flags; getopt_long reported an unknown one ('?': not a job flag) */
            if (tx_parse_job_option("fhir2cdm-transform", c, optarg, &o, &fplim) != 0) goto bad;
            break;
        }
    }
    while (optind < argc)
        inputs[o.ninputs++] = argv[optind++];
    if (o.config_dir && o.nviews) {
        fprintf(stderr, "fhir2cdm-transform: give --config or --view, not both\n");
        goto bad;
    }
    if (o.compact && (o.ninputs || o.ndeleted)) {
        fprintf(stderr, "fhir2cdm-transform compact: takes no --input and no --deleted\n");
        goto bad;
    }
    if (o.ndeleted && !o.merge) {
        fprintf(stderr, "fhir2cdm-transform: --deleted needs --mode merge\n");
        goto bad;
    }
    if ((!o.config_dir && !o.nviews) || !o.output_dir || (o.ninputs == 0 && !o.compact)) {
        fprintf(stderr, "fhir2cdm-transform: %s is required\n",
                !o.config_dir && !o.nviews ? "--config (or --view)"
                : !o.output_dir            ? "--output"
                                           : "--input");
        goto bad;
    }
    o.inputs = inputs;
    o.views = views;
    o.deleted = deleted;
    int rc = tx_run(&o);
    free(inputs);
    free(views);
    free(deleted);
    return rc;
bad:
    fprintf(stderr, "Try 'fhir2cdm-transform --help'.\n");
    free(inputs);
    free(views);
    free(deleted);
    return TX_EXIT_USAGE;
}
