/*
 * tx_batch_int: what the Batch subcommands share inside the transformer (tx_batch.c: options,
 * dispatch, append mode; tx_batch_merge.c: merge mode; tx_batch_io.c: storage and the local job,
 * below both) -- the options, the task's context, and tx_batch_io.c's steps.  Not a public
 * interface.
 */
#ifndef FHIR2CDM_TX_BATCH_INT_H
#define FHIR2CDM_TX_BATCH_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_sink.h"

#include "tx_batch_export.h"

#define ME "fhir2cdm-transform"
/* The incremental-run state finalize writes beside model.json (docs/azure.md section 5). */
#define STATE_BLOB TX_STATE_NAME

/* Everything the subcommands read: flags first, then --adf-activity values for what is unset. */
typedef struct bopts {
    const char *cmd;
    const char *input_uri, *account, *suffix, *cdm_fs, *config_container, *config_kind;
    const char *operation_id, *max_depth, *mi_client_id, *requires_token, *transaction_time;
    const char *fhir_url, *fhir_audience, *client_id, *tenant_id; /* requiresAccessToken inputs */
    const char *key_vault_uri, *secret_name; /* where the client secret is (Key Vault) */
    const char *export_types, *since, *group_id, *max_wait; /* bulk-export */
    const char *export_manifest, *file_index, *file_count;  /* the manifest bulk-export stored */
    const char *endpoint; /* custom Blob endpoint (emulator, sovereign cloud) */
    const char *activity; /* --adf-activity FILE */
    const char *format, *compression, *decimal; /* output format (--format ...) */
    const char *threads_arg;                    /* --threads / "threads" */
    const char *mode_arg;                       /* --mode / "mode": append|merge */
    int merge;                                  /* mode_arg is "merge" */
    int depth;                                  /* maxDepth, validated */
    unsigned threads;                           /* validated; 0: the online CPUs */
    f2c_sink_options sink; /* format, compression, decimal, validated (csv when none given) */
    cJSON *activity_doc;   /* owns the strings taken from the activity file */
} bopts;

typedef struct ctx {
    bopts o;
    f2c_blob_client *blob;
    char tmp[4096];             /* the task's temporary folder, "" when none */
    f2c_bulk_manifest manifest; /* exportManifest, when read: owns o's values taken from it */
    f2c_error e;
} ctx;

/* ---- storage and the local job (tx_batch_io.c) ------------------------------------------ */

/* A whole decimal number from 0 to max (no sign, no spaces); 0 with *out, or -1. */
int tx_batch_parse_index(const char *s, unsigned long long max, unsigned long long *out);

/* Reads c->o.export_manifest (a blob of the CDM container, as bulk-export stored it) into
 * c->manifest; 0, or a TX_EXIT_* code after the message. */
int tx_batch_read_manifest(ctx *c);

/* "<cmd>: error: <what>: <c->e>" on stderr; returns TX_EXIT_DATA. */
int tx_batch_fail(ctx *c, const char *what);

/* The storage client of c->o's account (once); 0, or -1 after the message. */
int tx_batch_open_storage(ctx *c);

/* Copies every *.json blob of the configuration container to <tmp>/config/ (dir); 0 or -1. */
int tx_batch_fetch_config(ctx *c, f2c_buf *dir);

/* configurationKind is views. */
int tx_batch_is_views(const bopts *o);

/* Who calls the FHIR server, from the options (the audience is set by the caller). */
tx_bx_caller tx_batch_caller(const bopts *o);

/* Streams container/blob to the new local file path (O_EXCL|O_NOFOLLOW); *size its bytes. */
f2c_status tx_batch_download(f2c_blob_client *b, const char *container, const char *blob,
                             const char *path, uint64_t *size, f2c_error *e);

/* Streams plain http(s) url to the new local file path with a bearer token (requiresAccessToken:
 * the token source of the FHIR server calls); a TX_EXIT_* code, the token never printed. */
int tx_batch_download_bearer(ctx *c, const char *url, const char *path, uint64_t *size);

/* A relative name without "." or ".." parts. */
int tx_batch_safe_name(const char *name);

/* The record's modified time (finalize: the export's transactionTime) into *mtime; 0 or a
 * TX_EXIT_* code after the message. */
int tx_batch_commit_time(ctx *c, int schema_only, char *now, size_t n, const char **mtime);

/* The configuration's tables from the configuration container copied into cfg; 0 or a TX_EXIT_*
 * code after the message. */
int tx_batch_load_tables(ctx *c, f2c_buf *cfg, f2c_tableset *ts, f2c_diags *diags);

/* fhir2cdm-state.json after the record (nothing without a transactionTime); 0 or -1. */
int tx_batch_write_state(ctx *c);

/* The local job over the downloaded input into <tmp>/cdm (out_dir), in c->o's mode; a TX_EXIT_*
 * code (nothing is uploaded after a failure). */
int tx_batch_run_local(ctx *c, const char *cfg, const char *input, f2c_buf *out_dir);

/* ---- merge mode (tx_batch_merge.c; docs/azure.md section 5, "Merge mode") ---------------- */

/* transform-data --mode merge, after the local job checked the input (tx_batch_run_local):
 * uploads the input as the task's copy and then, last, its task record naming it.  base is the
 * input's file name, input its local path.  A TX_EXIT_* code. */
int tx_batch_merge_task(ctx *c, const char *base, const char *input);

/* finalize --mode merge: the whole merge of the operation's task inputs and the export's
 * deletion files into the container's folder, through a mirror (tx_mirror.h).  A TX_EXIT_*
 * code. */
int tx_batch_merge_finalize(ctx *c);

#endif
