/*
 * tx_mirror: merge mode into a CDM folder in Blob Storage (`export --output <blob URL> --mode
 * merge`, docs/export.md) -- a sparse local mirror of the folder that the local stream job merges
 * into, then published back with the container's record as the commit point.
 *
 * Why a mirror and not a second merge engine: the merge (which rows each resource has, which
 * partitions to rewrite, the resource index, compaction: lib/engine/f2c_merge.h) is one code path,
 * tested on local folders; running it on a mirror keeps it one.  The mirror costs what the change
 * costs: every committed partition is a local file of its blob's size that holds only the bytes
 * the commit's header check reads (a CSV partition's first 64 KiB, a Parquet partition's first
 * 64 KiB and its footer), the rest a hole; a partition or resource index the merge reads in full
 * is downloaded first, through the job's fetcher (f2c_fs_fetcher, f2c_job_options.fetch).  An
 * untouched entity's partitions and index are never downloaded.
 *
 * Publishing (tx_mirror_publish) compares the mirror after the local commit with what was
 * mirrored: files the commit created (new and rewritten partitions, new indexes, changed entity
 * documents) are uploaded with the block writer under their own names, which no committed record
 * lists, then the record (model.json, or the CDM manifest after its entity documents) with one Put
 * Blob -- the commit point -- and last the committed blobs the local commit removed are deleted.
 * A reader of the container sees the old record or the new one, each listing only complete blobs
 * that never change.  A kill before the record's Put leaves the old state (the uploaded blobs are
 * listed by nobody); the next run starts from it.
 *
 * Ownership: a tx_mirror owns its client-independent state (entries, the folder's descriptor);
 * the blob client and the folder on disk are the caller's.  One thread uses it at a time (the
 * merge fetches from the publishing thread).
 */
#ifndef FHIR2CDM_TX_MIRROR_H
#define FHIR2CDM_TX_MIRROR_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"

typedef struct tx_mirror tx_mirror;

/*
 * Mirrors the CDM folder container/prefix (prefix "" or ending in '/', tx_pub_prefix) of format
 * `format` ("csv"/NULL or "parquet") into dir, an existing empty private folder: the committed
 * record (tx_pub_read_published: its format must be `format`), for Parquet the entity documents
 * <Entity>.cdm.json beside it, a placeholder per committed partition (its size; its head, and for
 * Parquet its footer) and per resource index the record names (its size only).  Nothing when the
 * folder has no record yet.  A location the record names that is not inside the folder
 * ("data/<entity>/<file>", "fhir2cdm-index/<file>"; no "." or ".." part) is not mirrored: a
 * warning on log (may be NULL), counted in tx_mirror_outcome.refused, and the local commit leaves
 * it out as a missing file.  *out (free with tx_mirror_free) is set on success.  Errors:
 * F2C_EUSAGE (the container holds the other format; its record is not one this release wrote
 * with the commit protocol), F2C_EJSON (the record cannot be read), F2C_EIO (HTTP/transport, a
 * listed partition or index missing, a local write), F2C_ENOMEM.  Prints nothing.
 */
f2c_status tx_mirror_open(f2c_blob_client *b, const char *container, const char *prefix,
                          const char *format, const char *dir, FILE *log, tx_mirror **out,
                          f2c_error *e);

/* The fetcher to give the job (f2c_job_options.fetch): downloads a mirrored file in full (into a
 * temporary file renamed over the placeholder) the first time it is asked for; a file that is not
 * mirrored needs nothing.  Fails when the blob's size is not the listed one (the folder changed
 * under the run). */
const f2c_fs_fetcher *tx_mirror_fetcher(tx_mirror *m);

/* What tx_mirror_publish did. */
typedef struct tx_mirror_outcome {
    size_t uploaded; /* partition and index blobs uploaded */
    size_t deleted;  /* committed blobs the new record no longer needs, deleted after it */
    size_t fetched;  /* mirrored files downloaded in full by the merge */
    size_t refused;  /* record locations outside the folder, left out (a data error: exit 1) */
} tx_mirror_outcome;

/*
 * Publishes the mirror after the local job committed into it (see the top of this file): uploads,
 * in byte order of location, every partition and resource index the new record lists that the
 * local commit created, then (Parquet) the entity documents it changed, then the record with one
 * Put Blob; then deletes the committed partitions and indexes the local commit removed (a failure
 * there is a warning on log: the blob is listed by nobody).  Honours FHIR2CDM_FAULT=upload:<k>
 * (tx_pub_fault_after_upload) after each partition or index blob, and the points "mirror-record"
 * and "mirror-cleanup" (tx_pub_fault) before and after the record's Put.  *out is zeroed first.
 * Errors, each with the record unchanged: F2C_EUSAGE (the local commit replaced a committed
 * partition under its own name -- a rerun with the operation id of a committed run -- which a
 * reader of the committed record may be reading: nothing uploaded; the message says to use another
 * --operation-id), F2C_EIO (an upload failed, the mirror cannot be read), F2C_ENOMEM.
 */
f2c_status tx_mirror_publish(tx_mirror *m, f2c_blob_client *b, FILE *log, tx_mirror_outcome *out,
                             f2c_error *e);

/* Frees m (NULL allowed); the folder on disk stays (the caller removes it). */
void tx_mirror_free(tx_mirror *m);

#endif
