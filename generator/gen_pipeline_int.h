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
    const char *templates; /* --templates, or NULL (see gp_templates_open) */
    const char *pipeline_name;
    const char *fhir_url;
    const char *since; /* "" when not given */
    const char *group; /* "" when not given */
    const char *batch_vm_size;
    const char *package_url; /* NULL: packages/fhir2cdm.tar.gz of the deployment's storage */
    const char *client_id;   /* NULL: the factory's managed identity calls the FHIR server */
    const char *tenant_id;
    const char *format; /* --format: "csv" (default) or "parquet", passed to the Batch tasks */
    const char *mode;   /* --mode: "append" (default) or "merge", passed to the same tasks */
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

/* ---- gen_pipeline_pkg.c ---- */

/* Makes deploy (azuredeploy.json) and pipeline (pipeline.json, not yet merged into deploy) get
 * the release tarball from o->package_url, or, when it is NULL, from the deployment's own
 * storage with the pool's managed identity (the skeleton's variant; the unused packageUrl
 * parameter is removed).  Returns 0, or -1 after a message when the template lacks what it
 * edits or memory runs out. */
int gp_package_source(cJSON *deploy, cJSON *pipeline, const gp_options *o);

/* README.deploy.md's {{packageStep}}: the upload step for the tarball in the deployment's own
 * storage, or the note for --package-url. */
extern const char gp_package_step_own[];
extern const char gp_package_step_url[];

/* ---- gen_pipeline_io.c ---- */

/* Parses text[0..len) (NUL at text[len]) as JSON; on failure prints why (name, and the line of
 * cJSON's error position) and returns NULL.  name is what messages call the text. */
cJSON *gp_parse_json(const char *text, size_t len, const char *name);

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

/* --target synapse --format parquet (gen_pipeline_synapse_pq.c): applies
 * templates/synapse/parquet.json to the loaded templates -- the model dataset reads the CDM
 * manifest, an entity-document dataset is added, ReadModel maps the manifest's members and the
 * ForEach reads each entity's document before calling the loader procedure with its attributes.
 * Call before the pipeline is copied into deploy.  -1 with a message printed. */
struct gp_templates;
int gp_synapse_parquet(const struct gp_templates *t, cJSON *deploy, cJSON *pipe);

/* Collects the files of a table configuration folder (NAME.json, PropertiesGroup/NAME.json) or
 * of view paths (files, or folders' *.json) into in->files.  -1 with a message printed. */
int gp_collect_config_files(const char *dir, gp_inputs *in);
int gp_collect_view_files(const char *const *paths, size_t n, gp_inputs *in);

/* ---- gen_pipeline_tmpl.c ---- */

/* Where every template file is read from: a folder given by --templates or
 * $FHIR2CDM_TEMPLATES (overrides, for editing a copy), else the copy embedded in the binary at
 * build time (generator/embed_templates.cmake), so a binary copied anywhere works. */
typedef struct gp_templates {
    char *dir; /* the override folder (malloc'd), or NULL: the embedded copy */
} gp_templates;

/* One embedded file: its path relative to templates/ and its bytes (data[len] is 0). */
typedef struct gp_embedded_file {
    const char *path;
    const unsigned char *data;
    size_t len;
} gp_embedded_file;

/* Generated into the build tree (gen_templates_embedded.c); sorted by path. */
extern const gp_embedded_file gp_embedded_templates[];
extern const size_t gp_embedded_templates_count;

/* Chooses the source: opt (--templates) if non-NULL, else $FHIR2CDM_TEMPLATES if set and not
 * empty, else the embedded copy.  A folder must hold azuredeploy.json.  -1 with a message. */
int gp_templates_open(const char *opt, gp_templates *t);
void gp_templates_close(gp_templates *t);

/* Appends the template file relpath ("pipeline.json", "synapse/README.deploy.md") to out
 * (NUL-terminated).  -1 with a message naming the file (its path under a folder). */
int gp_template_read(const gp_templates *t, const char *relpath, f2c_buf *out);

/* gp_template_read + gp_parse_json; the document must be a JSON object.  NULL with a message. */
cJSON *gp_template_json(const gp_templates *t, const char *relpath);

/* The three generated documents, built in memory. */
typedef struct gp_outputs {
    f2c_buf deploy;     /* azuredeploy.json */
    f2c_buf parameters; /* azuredeploy.parameters.json */
    f2c_buf readme;     /* README.md */
} gp_outputs;

/* Fills the templates of t.  -1 with a message printed. */
int gp_build(const gp_templates *t, const gp_options *o, const gp_inputs *in, gp_outputs *out);

void gp_outputs_free(gp_outputs *out);

#endif
