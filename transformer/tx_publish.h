/*
 * tx_publish: publishing a CDM folder into Azure Blob Storage / ADLS Gen2 (one container, an
 * optional folder prefix inside it).  Shared by the Batch task mode (tx_batch.c: transform-data
 * uploads, finalize writes model.json and the state) and `export --output <blob URL>`
 * (tx_export.c), so both publish with the same code: the same blob names, the same model.json
 * bytes as a local folder, the same state document.
 *
 * Names: `prefix` is "" (the CDM folder is the container's root) or a folder path ending in '/'
 * ("cdm/run/"); see tx_pub_prefix.  Partitions are <prefix>data/<Entity>/<file>, model.json is
 * <prefix>model.json, the incremental-run state is <prefix>fhir2cdm-state.json.
 *
 * Errors: functions returning f2c_status fill the caller's f2c_error (the blob client's messages
 * name the operation and blob); they print nothing unless a FILE * is passed for progress lines,
 * except tx_pub_write_model's header warnings (stderr).  Credentials are never printed.
 */
#ifndef FHIR2CDM_TX_PUBLISH_H
#define FHIR2CDM_TX_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

/* The incremental-run state blob/file written beside model.json (docs/azure.md section 5,
 * docs/export.md). */
#define TX_STATE_NAME "fhir2cdm-state.json"

/*
 * Creates a storage client for account at endpoint (f2c_blob_addr.endpoint form) with the
 * credentials of the environment: FHIR2CDM_STORAGE_KEY (Shared Key), else FHIR2CDM_STORAGE_SAS,
 * else the managed identity (user-assigned when mi_client_id is not NULL; IMDS at
 * FHIR2CDM_IMDS_ENDPOINT when set).  Free *out with f2c_blob_client_free.  Errors as
 * f2c_blob_client_new.
 */
f2c_status tx_pub_client_new(const char *endpoint, const char *account, const char *mi_client_id,
                             f2c_blob_client **out, f2c_error *e);

/* "shared key", "SAS" or "managed identity": which credential tx_pub_client_new uses now. */
const char *tx_pub_auth_name(void);

/*
 * Normalises a folder path inside a container into *out (reset first): "" stays "", otherwise
 * leading and repeated '/' are dropped and one '/' ends it ("a//b/" -> "a/b/").  Returns 0, or
 * -1 when out of memory or a segment is "." or "..".
 */
int tx_pub_prefix(const char *path, f2c_buf *out);

/*
 * Uploads local file `path` as container/blob with the block writer (Put Block + Put Block List):
 * the blob appears, or is replaced, only when the whole file was sent.  Errors: F2C_EIO (cannot
 * read the file, HTTP/transport), F2C_ENOMEM.
 */
f2c_status tx_pub_upload_file(f2c_blob_client *b, const char *container, const char *blob,
                              const char *path, const char *content_type, f2c_error *e);

/*
 * Uploads every file of <cdm_dir>/data/<entity>/ (names not starting with '.') to
 * container/<prefix>data/<entity>/<file> with tx_pub_upload_file, in byte order of entity, then
 * file name (a fixed order, so what a failure leaves behind does not depend on readdir).  A missing
 * <cdm_dir>/data is nothing to upload.  When log is not NULL, prints "uploaded
 * <container>/<blob>" per blob.  *count (required) is incremented per uploaded blob.  Stops at
 * the first failure: the blobs uploaded before it stay (each complete).  Errors: F2C_EIO (a
 * folder cannot be read, an upload failed), F2C_ENOMEM.
 */
f2c_status tx_pub_upload_partitions(f2c_blob_client *b, const char *container, const char *prefix,
                                    const char *cdm_dir, FILE *log, size_t *count, f2c_error *e);

/*
 * Lists every blob of container whose name starts with prefix (NULL: all), all pages.  *names
 * (each string and the array owned by the caller: tx_pub_free_names(*names, *count)) and, when
 * sizes is not NULL, *sizes (free()) at the same index.  On failure what was listed so far is
 * returned too (free it the same way).  Errors: as f2c_blob_list_page, F2C_ENOMEM.
 */
f2c_status tx_pub_list(f2c_blob_client *b, const char *container, const char *prefix, char ***names,
                       uint64_t **sizes, size_t *count, f2c_error *e);

/* Frees names[0..n) and names (NULL allowed). */
void tx_pub_free_names(char **names, size_t n);

/*
 * Appends bytes [offset, offset+length) of container/blob (length 0: to the end) to *out.
 * Errors: as f2c_blob_get (a missing blob is F2C_EIO with f2c_blob_last_http_status 404).
 */
f2c_status tx_pub_get_text(f2c_blob_client *b, const char *container, const char *blob,
                           uint64_t offset, uint64_t length, f2c_buf *out, f2c_error *e);

/*
 * Writes container/<prefix>model.json for tableset ts: lists every blob under <prefix>data/
 * (earlier operations' partitions included), keeps a partition of a known entity only if its
 * first record is the header ts's table writes now (a ranged GET of header + CRLF; a mismatch is
 * warned about on stderr, "warning: <container>/<blob>: partition header does not match ...;
 * left out of model.json", and counted in *left_out), builds the text with f2c_cdm_model_json
 * (model name "fhir2cdm", modifiedTime modified_time as given: the same bytes a local folder
 * with these partitions gets) and uploads it with one Put Blob (readers see the old or the new
 * document).  *listed (may be NULL): blobs listed under <prefix>data/; *left_out (may be NULL).
 * Errors: listing, reading a header or the upload failed (F2C_EIO; model.json is then left as it
 * was), F2C_ENOMEM.
 */
f2c_status tx_pub_write_model(f2c_blob_client *b, const char *container, const char *prefix,
                              const f2c_tableset *ts, const char *modified_time, size_t *listed,
                              size_t *left_out, f2c_error *e);

/*
 * Uploads container/<prefix>fhir2cdm-state.json = {"transactionTime": transaction_time,
 * "operationId": operation_id} (cJSON_Print, the same bytes the local export writes) with one
 * Put Blob.  Call only after model.json lists the data of that transactionTime.  Errors: F2C_EIO,
 * F2C_ENOMEM.
 */
f2c_status tx_pub_write_state(f2c_blob_client *b, const char *container, const char *prefix,
                              const char *transaction_time, const char *operation_id, f2c_error *e);

/* The state document's text for (transaction_time, operation_id), malloc'ed; NULL when out of
 * memory.  The one format both the blob and the local-folder state use. */
char *tx_pub_state_text(const char *transaction_time, const char *operation_id);

#endif
