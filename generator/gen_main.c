/*
 * fhir2cdm: the generator's command line.  Only dispatch lives here; each subcommand is its own
 * file (gen.h), so the original Node.js tool's modes map one to one.
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"


static void usage(FILE *f)
{
    fputs("Usage: fhir2cdm COMMAND [options]\n"
          "\n"
          "Commands:\n"
          "  generate-config             compile resourcesConfig.yml + propertiesGroupConfig.yml\n"
          "                              into a table configuration folder (or, with --resources,\n"
          "                              every element of the named resources)\n"
          "  generate-config-unrollpath  table configuration for unroll paths (-u Patient.name)\n"
          "  show-schema                 show a table's columns and types, exactly as\n"
          "                              fhir2cdm-transform writes them (text, json, markdown, "
          "html)\n"
          "  generate-pipeline           Azure deployment (ARM template: Data Factory pipeline\n"
          "                              running fhir2cdm-transform on Azure Batch)\n"
          "  synapse-sql                 SQL loading a CDM folder into Azure Synapse (serverless\n"
          "                              or dedicated pool) or, --dialect postgres, PostgreSQL\n"
          "\n"
          "Run 'fhir2cdm COMMAND -h' for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("fhir2cdm %s\n", FHIR2CDM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "generate-config") == 0) return gen_config_main(argc - 1, argv + 1);
    if (strcmp(cmd, "generate-config-unrollpath") == 0)
        return gen_config_unrollpath_main(argc - 1, argv + 1);
    if (strcmp(cmd, "show-schema") == 0) return gen_show_schema_main(argc - 1, argv + 1);
    if (strcmp(cmd, "generate-pipeline") == 0) return gen_pipeline_main(argc - 1, argv + 1);
    if (strcmp(cmd, "synapse-sql") == 0) return gen_sql_main(argc - 1, argv + 1);
    fprintf(stderr, "fhir2cdm: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
