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

/*
 * Parses s, the value of option flag, as a whole decimal number from min to max (digits only:
 * no sign, no spaces, nothing after).  Returns 0 with *out set, or -1 after printing
 * "<prog>: <flag> expects a whole number from <min> to <max>, got "<s>"" to stderr (prog e.g.
 * "fhir2cdm show-schema"); *out is then unchanged.  No argument may be NULL (gen_util.c).
 */
int gen_parse_range(const char *prog, const char *flag, const char *s, long min, long max,
                    long *out);

/*
 * The "given twice" rule of single-value options: *seen counts how often flag was given (start
 * at 0; one counter per option, shared by its spellings).  Returns 0 the first time, or -1 after
 * printing "<prog>: <flag> given twice (it takes one value; ...)" to stderr.  No argument may be
 * NULL (gen_util.c).
 */
int gen_once(const char *prog, const char *flag, int *seen);

struct option;

/* Size of the `seen` array of gen_once_opt: option codes (getopt_long's val) are below it. */
#define GEN_OPT_CODES 1024 /* = F2C_CLI_OPT_CODES */

/*
 * gen_once for getopt_long: call it with every option code c getopt_long returns.  An option of
 * opts that takes a value (required_argument) and whose code is not in repeatable (a list ending
 * with 0; NULL for none) may be given once; the second time, whichever spelling, it prints the
 * gen_once message naming the option's first spelling in opts and returns -1.  Other options
 * and codes not in opts (or outside 0..GEN_OPT_CODES-1) return 0.  seen: GEN_OPT_CODES
 * counters, zeroed before the parse, owned by the caller.  prog and opts must not be NULL.
 */
int gen_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                 int *seen);

#endif
