/*
 * gen_pipeline_int.h: what the files of `fhir2cdm generate-pipeline` share.
 *   gen_pipeline.c       command line, validation, orchestration (nothing written on error)
 *   gen_pipeline_tmpl.c  loads templates/ and fills them with cJSON (the ARM template, its
 *                        parameters file, the README)
 *   gen_pipeline_io.c    files: reading, the 2-space JSON printer, atomic writes, config copy
 */
#ifndef FHIR2CDM_GEN_PIPELINE_INT_H
#define FHIR2CDM_GEN_PIPELINE_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"

#define GP_PROG "fhir2cdm generate-pipeline"

/* Options after validation.  Strings borrow argv or are literals. */
typedef struct gp_options {
    const char *config_dir; /* --config, or NULL */
    const char **views;     /* --view (repeatable), or NULL */
    size_t nviews;
    const char *out_dir;   /* -o */
    const char *templates; /* --templates, or NULL (search, see gp_find_templates) */
    const char *pipeline_name;
    const char *fhir_url;
    const char *since; /* "" when not given */
    const char *group; /* "" when not given */
    const char *batch_vm_size;
    const char *package_url;
    const char *client_id; /* NULL: the factory's managed identity calls the FHIR server */
    const char *tenant_id;
    int batch_nodes;
    int concurrency;
    int max_depth;
} gp_options;

/* A file to place under <out>/config/: its source path and its name there. */
typedef struct gp_file {
    char *src;
    char *dst; /* relative, e.g. "Patient.json" or "PropertiesGroup/Address.json" */
} gp_file;

typedef struct gp_inputs {
    char **types; /* resource types the configuration reads, sorted, unique */
    size_t ntypes;
    gp_file *files; /* sorted by dst */
    size_t nfiles;
} gp_inputs;

void gp_inputs_free(gp_inputs *in);

/* ---- gen_pipeline_io.c ---- */

/* Parses a JSON file; on failure prints why (file, and cJSON's error position) and returns
 * NULL. */
cJSON *gp_load_json(const char *path);

/* Appends v printed with 2-space indentation and a final newline.  -1 when out of memory. */
int gp_json_print(const cJSON *v, f2c_buf *out);

/* mkdir -p.  -1 with a message printed. */
int gp_mkdirs(const char *path);

/* 0 when dir (the -o folder) does not exist or is an empty folder; -1 with a message printed
 * otherwise (naming an entry that is a symbolic link, if any): a run never mixes its files with
 * an older run's, nor writes through a link. */
int gp_check_output(const char *dir);

/* Creates dir (mkdir -p; links in the path the user gave are followed, their choice) and opens
 * it: the descriptor every output file is then written relative to (close it).  -1 with a
 * message printed. */
int gp_open_output(const char *dir);

/* Writes data to <dirfd>/<name> (name may contain '/': missing folders are created) with
 * f2c_fs_write_at: the file is replaced atomically, and a symbolic link at the file or at a
 * folder in name is refused, never followed.  dir is dirfd's path, for messages only.  -1 with
 * a message printed. */
int gp_write_in(int dirfd, const char *dir, const char *name, const char *data, size_t len);

/* `fhir2cdm generate-pipeline --target synapse` (gen_pipeline_synapse.c): argv as given to
 * gen_pipeline_main.  Returns the exit status (0, or 2 with nothing written). */
int gp_synapse_main(int argc, char **argv);

/* Collects the files of a table configuration folder (NAME.json, PropertiesGroup/NAME.json) or
 * of view paths (files, or folders' *.json) into in->files.  -1 with a message printed. */
int gp_collect_config_files(const char *dir, gp_inputs *in);
int gp_collect_view_files(const char *const *paths, size_t n, gp_inputs *in);

/* ---- gen_pipeline_tmpl.c ---- */

/* The templates folder: opt if given, else $FHIR2CDM_TEMPLATES, else beside the installed
 * binary (<bindir>/../share/fhir2cdm/templates), else the source tree's templates/ seen from
 * the build tree (<build>/generator/fhir2cdm -> <build>/../templates).  Malloc'd; NULL with a
 * message printed when none holds azuredeploy.json. */
char *gp_find_templates(const char *opt);

/* The three generated documents, built in memory. */
typedef struct gp_outputs {
    f2c_buf deploy;     /* azuredeploy.json */
    f2c_buf parameters; /* azuredeploy.parameters.json */
    f2c_buf readme;     /* README.md */
} gp_outputs;

/* Fills the templates in tdir.  -1 with a message printed. */
int gp_build(const char *tdir, const gp_options *o, const gp_inputs *in, gp_outputs *out);

void gp_outputs_free(gp_outputs *out);

#endif
