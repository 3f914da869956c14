/*
 * gen: the `fhir2cdm` command (the generator): subcommands, one file each.
 *   generate-config            gen_config.c   YAML resource + property-group configs -> table
 *                                             configuration folder (also --resources mode)
 *   generate-config-unrollpath gen_config.c   unroll tables for given paths
 *   show-schema                gen_schema.c   the local schema viewer (text/json/markdown/html)
 *   generate-pipeline          gen_pipeline.c the Azure deployment (ARM template with the Data
 *                                             Factory + Batch pipeline), see docs/azure.md
 *   synapse-sql                gen_sql.c      SQL loading a CDM folder into Synapse (serverless
 *                                             or dedicated pool) or PostgreSQL, docs/synapse.md
 * Each entry point gets argv with argv[0] = the subcommand name and returns the exit status:
 * 0 ok, 2 usage or configuration error (nothing written).
 */
#ifndef FHIR2CDM_GEN_H
#define FHIR2CDM_GEN_H

#include <stddef.h>

int gen_config_main(int argc, char **argv);
int gen_config_unrollpath_main(int argc, char **argv);
int gen_show_schema_main(int argc, char **argv);
int gen_pipeline_main(int argc, char **argv);
int gen_sql_main(int argc, char **argv);

/*
 * Writes data[0..len) to the output FILE `path` a user named with -o (gen_out.c), by the one
 * rule of f2c_fs_write_atomic: an existing non-regular file (/dev/stdout, a FIFO, a device) is
 * written into, never replaced; a missing or regular file is replaced atomically.  prog
 * ("fhir2cdm show-schema") prefixes the message.  Returns 0, or 2 (the exit status) after
 * printing why to stderr; a regular target is then left as it was.
 */
int gen_write_output(const char *prog, const char *path, const void *data, size_t len);

#endif
