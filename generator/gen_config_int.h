/*
 * gen_config_int: what the generate-config files share.  The generator works in three steps,
 * one file each, so that every check can run before anything touches the disk:
 *
 *   1. build a gc_config (tables and property groups, each property remembering the YAML
 *      line:column it came from) — from YAML (gen_config_yaml.c) or from the FHIR R4 type
 *      model (gen_config_r4.c, the --resources and unroll-path modes); both resolve element
 *      paths through gen_config_path.c;
 *   2. print each table as the original tool did, JSON.stringify(x, null, 4)
 *      (gen_config_json.c);
 *   3. publish (gen_config_out.c): write into a temporary folder beside the target, load it
 *      with the transformer's own loader (f2c_tablecfg_load) so its rules decide what a valid
 *      configuration is, and only then move it into place.  With --emit view-definitions
 *      (gen_config_views.c) the loaded configuration -- property groups expanded exactly as
 *      the transformer expands them -- is translated into one SQL on FHIR ViewDefinition per
 *      table, which is loaded with the transformer's view loader (f2c_view_load) before it is
 *      moved into place the same way.
 *
 * Diagnostics are collected (never the first one only) as ready-to-print lines
 * "file:line:column: message".
 *
 * Memory: the generator is a short-lived command; running out of memory ends it with exit
 * status 1 and a message (gc_xmalloc and friends), before or after its folder swap, never in
 * the middle of one.
 */
#ifndef FHIR2CDM_GEN_CONFIG_INT_H
#define FHIR2CDM_GEN_CONFIG_INT_H

#include <stddef.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_table.h"

/* Where something was written: file and 1-based line and column (0 when unknown). */
typedef struct gc_loc {
    const char *file; /* as given on the command line; NULL when not from a file */
    long line, col;
} gc_loc;

/* Collected diagnostics, each one printable line. */
typedef struct gc_diags {
    char **msgs;
    size_t count, cap;
    size_t notes; /* lines among msgs that sum up others and are not errors themselves */
} gc_diags;

/* Appends "file:line:col: message" (location parts omitted when unknown). */
void gc_diag(gc_diags *d, gc_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a summary line that is not counted as one more error. */
void gc_note(gc_diags *d, gc_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void gc_diags_print(const gc_diags *d, const char *cmd);
void gc_diags_free(gc_diags *d);

/* How a property is written (the original tool's key orders differ by origin). */
typedef enum gc_prop_kind {
    GC_P_DEFAULT, /* propertiesByDefault / --resources: path, name, type|propertiesGroupRef */
    GC_P_CUSTOM,  /* customProperties: [path,] name, [fhirExpression,] type */
    GC_P_UNROLL   /* the element of an unroll table: name, path "", type|propertiesGroupRef */
} gc_prop_kind;

typedef struct gc_prop {
    gc_prop_kind kind;
    char *path; /* NULL: absent (a custom property without path) */
    char *name;
    char *type;      /* FHIR primitive or "array"; NULL when group is set */
    char *group;     /* propertiesGroupRef */
    char *expr;      /* fhirExpression, or NULL */
    gc_loc loc;      /* the YAML node that declared it */
    gc_loc expr_loc; /* the expression's YAML node */
} gc_prop;

typedef struct gc_table {
    int is_group;        /* a property group (PropertiesGroup/<name>.json) */
    char *name;          /* table name, or property group name */
    char *resource_type; /* tables only */
    char *unroll_path;   /* unroll tables only: "Patient.contact.telecom" */
    char *file;          /* relative file: "Patient.json", "PropertiesGroup/HumanName.json" */
    int keep_existing;   /* do not replace a file of that name already in the output folder */
    gc_prop *props;
    size_t nprops, cap;
    gc_loc loc;
} gc_table;

typedef struct gc_config {
    gc_table *tables;
    size_t count, cap;
} gc_config;

/* Allocation that ends the program on failure (see top comment). */
_Noreturn void gc_oom(void);
void *gc_xmalloc(size_t n);
void *gc_xrealloc(void *p, size_t n);
char *gc_xstrdup(const char *s);
char *gc_xstrndup(const char *s, size_t n);
char *gc_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* f2c_buf appends that end the program when memory runs out (see top comment). */
void gc_puts(f2c_buf *b, const char *s);
void gc_putc(f2c_buf *b, char c);
void gc_bprintf(f2c_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The original's toCamelCaseString: each dot-separated segment with its first character
 * upper-cased, joined ("name.use" -> "NameUse"; "" -> ""). */
char *gc_camel(const char *dotted);

/*
 * Names among `cands` (n of them) closest to `word` (edit distance with transpositions,
 * letter case ignored), at most 3, appended to out as "a, b, c"; nothing when none is close.
 * Returns the number appended.
 */
size_t gc_suggest(const char *word, const char *const *cands, size_t n, f2c_buf *out);

/* Config building. */
gc_table *gc_add_table(gc_config *c, gc_diags *d, int is_group, const char *name,
                       const char *resource_type, const char *unroll_path, gc_loc loc);
gc_prop *gc_add_prop(gc_table *t, gc_prop_kind kind, gc_loc loc);
gc_table *gc_find_table(const gc_config *c, const char *file);
void gc_config_free(gc_config *c);

/*
 * Element paths (gen_config_path.c).  A path is dot-separated element names from `base` (a
 * resource, datatype or backbone definition name).
 */
typedef enum gc_path_use {
    GC_PATH_ELEMENT, /* every step an element (propertiesByDefault) */
    GC_PATH_CUSTOM,  /* the last step may be a choice base (deceased + type) */
    GC_PATH_UNROLL   /* every step an element; the last one must repeat */
} gc_path_use;

typedef struct gc_path_info {
    const char *type;         /* FHIR type of the last element; NULL for a choice base or "" path */
    const char *choice_owner; /* choice base: the definition that has it */
    const char *choice_base;  /* choice base: its name ("deceased") */
    int is_array;             /* the last element repeats */
} gc_path_info;

/* Resolves `path` from `base`; returns 0, or -1 after adding a diagnostic at `loc`
 * (`what` names the YAML key, e.g. "propertiesByDefault", for messages). */
int gc_resolve_path(const char *base, const char *path, gc_path_use use, gc_loc loc, gc_diags *d,
                    gc_path_info *out);

/* Fills property p (type or group) for an element of FHIR type `type`: primitive -> type,
 * a resource type -> group "Reference", anything else -> group named as the type. */
void gc_set_prop_type(gc_prop *p, const char *type);

/* Checks that a choice base has a variant of primitive type `type_name` or of the group type
 * `group`; returns 0 or -1 after a diagnostic. */
int gc_check_choice_variant(const gc_path_info *pi, const char *type_name, gc_loc loc, gc_diags *d);

/* JSON (gen_config_json.c): the table as JSON.stringify(x, null, 4) prints it (no final
 * newline), into out (reset first). */
void gc_table_json(const gc_table *t, f2c_buf *out);
/* Any cJSON tree (cJSON *) printed the same way; used to rewrite existing files (-v). */
void gc_json_print(const void *cjson, f2c_buf *out);

/* Publishing (gen_config_out.c). */
typedef struct gc_publish_opts {
    const char *out_dir;
    int max_depth; /* loader expansion depth for the validation load */
    int validate;  /* -v: drop resource-table properties that an unroll table covers */
    size_t written_tables, written_groups, kept_groups; /* out: what was written */
    /* out, --emit view-definitions: views written, and how many unroll tables' RowId, FhirPath
     * and ParentPath columns were left out of the views: 0 since the views carry them as
     * fhir2cdm-reserved columns (gen_config_views.c); kept for the summary line */
    size_t written_views;
} gc_publish_opts;

/* Returns 0 (written), 2 (configuration errors, reported in d; nothing written) or 1 (I/O
 * error, reported in d; nothing written). */
int gc_publish(const gc_config *c, gc_publish_opts *o, gc_diags *d);

/* The same for --emit view-definitions (gen_config_views.c): one ViewDefinition per table of
 * c, written as <table name>.json into o->out_dir (created, or added to: other *.json files
 * there are kept), all or nothing, after the whole folder loads with f2c_view_load. */
int gc_publish_views(const gc_config *c, gc_publish_opts *o, gc_diags *d);

/* The steps both publishers share (gen_config_out.c). */
typedef struct gc_target {
    const char *path;    /* as given */
    char *parent, *base; /* its folder and last component */
    int exists;          /* it exists (a folder: anything else is refused) */
    unsigned mode;       /* its permission bits, when it exists */
} gc_target;

/* Checks the output folder (not a link, not a file, not '.'); 0, or 1/2 after a diagnostic. */
int gc_target_check(const char *target, gc_target *t, gc_diags *d);
void gc_target_free(gc_target *t);
/* A fresh folder beside the target, or NULL after a diagnostic. */
char *gc_make_new_dir(const gc_target *t, gc_diags *d);
/* Copies the target's files into tmp: a table configuration folder's (refusal NULL: files and
 * PropertiesGroup/), or only files, refusing anything else with the message `refusal`.
 * 0; -1 I/O error; -2 refused. */
int gc_copy_existing(const char *src, const char *dst, const char *refusal, gc_diags *d);
/* Writes c's tables and groups into tmp (written[i] set for each file written; counters
 * incremented); 0 or 1 after a diagnostic. */
int gc_write_tables(const gc_config *c, const char *tmp, const char *target, unsigned char *written,
                    size_t *tables, size_t *groups, size_t *kept, gc_diags *d);
/* Loads tmp with f2c_tablecfg_load into *ts (free it in any case); the loader's diagnostics
 * are reported about target, at the YAML location for generated files.  0 or 2. */
int gc_load_tables(const gc_config *c, const unsigned char *written, const char *tmp,
                   const char *target, int max_depth, f2c_tableset *ts, gc_diags *d);
/* Moves tmp into the target's place (replacing the old folder); 0 or 1 after a diagnostic. */
int gc_swap_into_place(const gc_target *t, const char *tmp, gc_diags *d);
/* Writes data to dir/name (name may hold "PropertiesGroup/"; the folder is created) through
 * f2c_fs_write_at: dir is a folder this run created, opened O_NOFOLLOW; a symbolic link (or a
 * node of the wrong kind) at name or at a folder in it is refused, never followed.  shown is
 * the path reported.  0, or after a diagnostic 2 (refused: a link or special file in the way)
 * or 1 (I/O error). */
int gc_write_file(const char *dir, const char *name, const char *data, size_t len,
                  const char *shown, gc_diags *d);

/* Building from YAML (gen_config_yaml.c); returns 0 or -1 (diagnostics in d). */
int gc_build_from_yaml(const char *resources_file, const char *groups_file, gc_config *c,
                       gc_diags *d);

/* Building from the type model (gen_config_r4.c). array_as_json: --array as_json. */
int gc_build_resources(const char *const *types, size_t ntypes, int array_as_json, int overwrite,
                       gc_config *c, gc_diags *d);
int gc_build_unroll(const char *const *paths, size_t npaths, int array_as_json, int overwrite,
                    gc_config *c, gc_diags *d);

/* Checks every fhirExpression of c compiles (FHIRPath); returns 0 or -1. */
int gc_check_expressions(const gc_config *c, gc_diags *d);

#endif
