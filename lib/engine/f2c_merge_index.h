/*
 * f2c_merge_index: merge mode's committed resource index of one entity (internal to the engine):
 * which partitions of the entity hold which rows of which resource (docs/cdm-folder.md, "The
 * resource index").
 *
 * Why files of their own, committed with the record: a merge must find the partitions that hold
 * the resources it replaces without reading the others, and a view has no key column to find
 * them by.  Why a segment per partition under a small directory: a merge must cost what changed,
 * not what the folder holds -- it reads the directory and each partition's filter, then only the
 * segments whose filter admits a resource of the run, and writes segments only for the
 * partitions it creates; a partition it leaves alone keeps its segment (same file, same bytes).
 *
 * Every file is named by the XXH3-64 of its bytes (16 hex): a new file gets a new name, so the
 * record switches indexes atomically with the partitions, and an edited or truncated file is
 * detected.  The directory, fhir2cdm-index/<Entity>.<hash>.idx, is named by the entity's
 * annotation "fhir2cdm:index" in the record:
 *   fhir2cdm-index 2
 *   entity <Entity>
 *   partitions <P>
 *   <rows> <bytes> <segment hash> <filter hash> <location>     P lines, sorted by location
 * A segment, fhir2cdm-index/<Entity>.<segment hash>.seg, describes one partition:
 *   fhir2cdm-segment 1
 *   entity <Entity>
 *   partition <location>
 *   rows <rows>
 *   bytes <bytes>
 *   resources <R>
 *   filter <F> <K>
 *   <F bytes: a Bloom filter of the R ids, K probes>LF
 *   <first row> <rows> <offset> <bytes> <id>      R lines, sorted by id (byte order); first row
 *                                                  from 0 after the header; offset and bytes:
 *                                                  where the rows are in the file when the
 *                                                  format's rows are byte ranges (CSV records),
 *                                                  else 0 0
 * The filter's hash (XXH3-64 of its F bytes) is in the directory, so a filter is checked without
 * reading its whole segment.  Probe i of id sets bit (h1 + i * h2) mod 8F, where h1, h2 are the
 * low and high halves of XXH3-128 of the id (h2 with its low bit set), bit b being bit b % 8 of
 * byte b / 8.
 * It is never trusted blindly: the directory must be named by its hash and list exactly the
 * record's partitions of the entity with their current sizes; each filter must have its hash; a
 * segment read whole must be named by its hash and describe its partition; otherwise the index
 * is rebuilt from the partitions (a table's ResourceId column), with a notice.  Every resource
 * has its rows of the entity in one partition, contiguous: a merged folder holds one version.
 */
#ifndef FHIR2CDM_F2C_MERGE_INDEX_H
#define FHIR2CDM_F2C_MERGE_INDEX_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

#define F2C_MERGE_INDEX_DIR F2C_CDM_INDEX_DIR

typedef struct mi_part {
    char *loc; /* "data/<entity>/<file>", owned */
    unsigned long long rows, bytes;
    char seg[17];    /* its committed segment's hash (16 hex), "" when it has none yet */
    char filter[17]; /* the hash of that segment's filter */
    int loaded;      /* its entries are in the index's entries */
} mi_part;

typedef struct mi_entry {
    char *id; /* owned */
    size_t part;
    unsigned long long first, n;
    unsigned long long off, len; /* byte range of the rows (CSV), else 0 */
    unsigned char removed;       /* f2c_merge's mark: superseded or deleted */
    unsigned char borrowed;      /* id points into an index's text: not freed with this one */
} mi_entry;

typedef struct mi_index {
    mi_part *parts;
    size_t nparts;
    mi_entry *ents;
    size_t nents, cap;
    char **texts; /* loaded segments' texts: the ids of their entries point into them (owned) */
    size_t ntexts;
} mi_index;

void mi_free(mi_index *x);

/* Appends an entry (id copied); 0 or -1. */
int mi_add(mi_index *x, const char *id, size_t part, unsigned long long first, unsigned long long n,
           unsigned long long off, unsigned long long len);

/* Sorts the entries by id; 1 when two entries have the same id (*dup then names it), else 0. */
int mi_sort(mi_index *x, const char **dup);

/* The entry of id, or NULL (entries sorted by mi_sort). */
mi_entry *mi_find(const mi_index *x, const char *id);

/* The segment of partition p of entity t -- its entries ents[0..n), sorted by id -- appended
 * to out; its hash to seg and its filter's hash to filter (16 hex and a NUL each).  0 or -1 (out
 * of memory). */
int mi_format_segment(const f2c_table *t, const mi_part *p, const mi_entry *const *ents, size_t n,
                      f2c_buf *out, char seg[17], char filter[17]);

/* The directory of x (parts sorted by location, each with its segment) for entity t, appended to
 * out, and its location "fhir2cdm-index/<Entity>.<16 hex>.idx" to loc.  0 or -1 (out of memory).
 */
int mi_format(const mi_index *x, const f2c_table *t, f2c_buf *out, f2c_buf *loc);

/* The location of segment `seg` (16 hex) of entity t, "fhir2cdm-index/<Entity>.<seg>.seg",
 * appended to loc; 0 or -1. */
int mi_segment_loc(const f2c_table *t, const char *seg, f2c_buf *loc);

/* 1 when FHIR id rule ([A-Za-z0-9\-\.]{1,64}, FHIR R4 datatypes "id") holds for s. */
int mi_is_fhir_id(const char *s);

/*
 * The committed index of entity t: locs[0..nlocs) are the record's partitions of t (sorted),
 * index_loc the entity's annotation (NULL: none).  Reads the directory relative to outfd (no
 * links followed), checks it and every partition's filter, and loads the entries of the
 * partitions whose filter admits one of ids[0..nids) (the resources the run replaces or deletes;
 * ids NULL: every partition).  When a file is missing, unreadable, altered or stale, the whole
 * index is rebuilt from the partitions (their ResourceId column, through sink's reader; every
 * partition then loaded, none with a segment) and log says so ("note: ...", shown: the folder's
 * path), incrementing *rebuilt.  The loaded entries are sorted by id (mi_find).  *out is zeroed
 * first (mi_free it in every case).  Returns F2C_OK, F2C_EUSAGE (cannot be rebuilt: a view
 * without a ResourceId column, a row without a ResourceId, a resource with rows in two places --
 * the message says what to do), F2C_EIO (a partition cannot be read), F2C_ENOMEM.  fetch (NULL
 * for a local folder) is called before an index file or a partition is read: the folder may be
 * a mirror of a remote one (f2c_fs_fetcher); an index file that cannot be fetched is a reason to
 * rebuild, a partition that cannot be fetched is F2C_EIO.
 */
f2c_status mi_load(int outfd, const char *shown, const f2c_table *t, const char *index_loc,
                   const char *const *locs, size_t nlocs, const char *const *ids, size_t nids,
                   const f2c_sink *sink, const f2c_fs_fetcher *fetch, FILE *log,
                   unsigned long long *rebuilt, mi_index *out, f2c_error *err);

/*
 * Loads the entries of partition i of x (not loaded, with a segment): from its segment, or when
 * that is not usable from the partition itself, with a notice on log.  The entries are appended
 * (x's entries are then no longer sorted by id).  Returns F2C_OK, F2C_EUSAGE, F2C_EIO or
 * F2C_ENOMEM as mi_load.
 */
f2c_status mi_load_part(int outfd, const char *shown, const f2c_table *t, const f2c_sink *sink,
                        const f2c_fs_fetcher *fetch, FILE *log, mi_index *x, size_t i,
                        f2c_error *err);

#endif
