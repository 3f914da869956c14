/*
 * tx_batch_export: the Bulk Data side of the Azure Batch task mode (docs/azure.md section 5):
 * the `bulk-export` subcommand's work (kick-off, polling, the manifest stored verbatim as a blob,
 * outputs.json for the Custom activity's customOutput), the manifest blob that transform-data and
 * finalize read (`exportManifest`), the export job's DELETE after finalize's commit, and the
 * bearer-token choice every request to the FHIR server (or its export files) of the Batch mode
 * makes.  Why a module of its own: Azure Data Factory's Web activity cannot carry the protocol
 * (it wants JSON bodies and caps its output at 4 MB), so the export runs in our binary, and the
 * manifest never passes through ADF; tx_batch.c keeps the option parsing and the storage steps.
 */
#ifndef FHIR2CDM_TX_BATCH_EXPORT_H
#define FHIR2CDM_TX_BATCH_EXPORT_H

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_error.h"

/* The folder of an operation's export records, relative to the CDM container (prefix ""):
 * <TX_BX_EXPORTS_DIR><operationId>/manifest.json and .../status.json. */
#define TX_BX_EXPORTS_DIR ".fhir2cdm/exports/"

/* The file bulk-export writes in the working directory; ADF copies it into the activity's output
 * as customOutput (documented limit 2 MB). */
#define TX_BX_OUTPUTS_FILE "outputs.json"

/* Who calls the FHIR server (docs/azure.md section 5); every string borrowed, NULL or "" when not
 * given. */
typedef struct tx_bx_caller {
    const char *audience;              /* the token's audience; NULL/"": no token provider */
    const char *client_id, *tenant_id; /* client credentials when both are given */
    const char *key_vault_uri;         /* where the client secret is, when the environment */
    const char *secret_name;           /* variable FHIR2CDM_FHIR_CLIENT_SECRET is not set */
    const char *mi_client_id;          /* the pool's identity (tokens, and Key Vault) */
} tx_bx_caller;

/* How requests carry a token: FHIR2CDM_FHIR_TOKEN when set, else f2c_blob's token provider for
 * the caller's audience (client credentials with client_id + tenant_id, the secret from
 * FHIR2CDM_FHIR_CLIENT_SECRET or else read from Key Vault with the managed identity; otherwise
 * the managed identity mi_client_id), else nobody (no Authorization header). */
typedef struct tx_bx_auth {
    const char *fixed;        /* FHIR2CDM_FHIR_TOKEN, or NULL */
    f2c_token_provider *prov; /* owned, or NULL */
    const char *source;       /* for logs: "FHIR2CDM_FHIR_TOKEN", ...; "none" */
    int storage;              /* the audience is Azure Storage (needs x-ms-version) */
    char *secret;             /* owned copy of a Key Vault secret (wiped at close), or NULL */
} tx_bx_auth;

/* Opens *out (zeroed first) for who as described above.  Errors: F2C_EUSAGE (client credentials
 * without a secret source), the Key Vault read's (f2c_keyvault.h: the secret is then never
 * printed), or f2c_token_provider_new's; no FHIR request is sent yet. */
f2c_status tx_bx_auth_open(const tx_bx_caller *who, tx_bx_auth *out, f2c_error *e);

/* Frees the provider and zeroes *a. */
void tx_bx_auth_close(tx_bx_auth *a);

/* What bulk-export needs; every string is borrowed, NULL or "" when not given. */
typedef struct tx_bx_opts {
    const char *cmd; /* "bulk-export", for messages */
    f2c_blob_client *blob;
    const char *cdm_fs, *operation_id;
    const char *fhir_url, *audience; /* audience: the token's; NULL = fhir_url */
    const char *export_types, *since, *group_id;
    tx_bx_caller who; /* who.audience: ignored, fhir_url/audience above decide */
    long max_wait_s;  /* total deadline of kick-off + polling */
} tx_bx_opts;

/*
 * bulk-export: kicks off the export, polls it (Retry-After, X-Progress; at most o->max_wait_s in
 * all), stores the complete-status body verbatim as <cdm_fs>/.fhir2cdm/exports/<op>/manifest.json
 * (one Put Blob, after f2c_bulk_manifest_parse accepted it) and its status URL as status.json
 * beside it, then writes TX_BX_OUTPUTS_FILE in the working directory atomically.  Prints a line
 * per step on stdout and errors on stderr.  Returns a TX_EXIT_* code (2: bad values, nothing
 * sent; 1: the export, the storage or the file failed).
 */
int tx_bx_export(const tx_bx_opts *o);

/* Appends "<TX_BX_EXPORTS_DIR><operation_id>/<file>" to out; 0 or -1 (out of memory). */
int tx_bx_record_blob(f2c_buf *out, const char *operation_id, const char *file);

/*
 * Reads container/blob (an export manifest stored by bulk-export) into *m (zeroed first; free
 * with f2c_bulk_manifest_free, also after a failure) with f2c_bulk_manifest_parse.  Errors:
 * F2C_EIO (HTTP/transport; a missing blob), F2C_EJSON / F2C_EIO (not a manifest), each message
 * naming the blob.
 */
f2c_status tx_bx_manifest_read(f2c_blob_client *b, const char *container, const char *blob,
                               f2c_bulk_manifest *m, f2c_error *e);

/*
 * finalize's last step ([BD "Bulk Data Delete Request"]: "the client should delete the job once
 * it has retrieved the files"): reads <container>/.fhir2cdm/exports/<operation_id>/status.json
 * and DELETEs its statusUrl as who (who->audience NULL or "": the record's).  Best effort: a
 * missing record is skipped silently, any other failure is one "warning: ..." line on stderr.
 */
void tx_bx_delete_job(f2c_blob_client *b, const char *container, const char *operation_id,
                      const tx_bx_caller *who, const char *cmd);

#endif
