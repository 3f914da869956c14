/*
 * f2c_merge_index: merge mode's committed resource index of one entity (internal to the engine):
 * which partitions of the entity hold which rows of which resource (docs/cdm-folder.md, "The
 * resource index").
 *
 * Why a file of its own, committed with the record: a merge must find the partitions that hold
 * the resources it replaces without reading the others, and a view has no key column to find
 * them by.  The index is one text file per entity, fhir2cdm-index/<Entity>.<XXH3-64 of its
 * bytes>.idx, named by the entity's annotation "fhir2cdm:index" in the record; a new index gets a
 * new name, so the record switches indexes atomically with the partitions.  It is never trusted
 * blindly: its name must be its hash, and it must list exactly the record's partitions of the
 * entity with their current sizes; otherwise it is rebuilt from the partitions (a table's
 * ResourceId column), with a notice.
 *
 * Format (lines end in LF):
 *   fhir2cdm-index 1
 *   entity <Entity>
 *   partitions <P>
 *   <rows> <bytes> <location>                      P lines, sorted by location (byte order)
 *   resources <R>
 *   <partition> <first row> <rows> <offset> <bytes> <id>
 *                                                  R lines, sorted by id (byte order); partition
 *                                                  counts from 0 in the list above, first row from
 *                                                  0 after the header; offset and bytes: where the
 *                                                  rows are in the file when the format's rows are
 *                                                  byte ranges (CSV records), else 0 0
 * Every resource has its rows of the entity in one partition, contiguous: a merged folder holds
 * one version of it.
 */
#ifndef FHIR2CDM_F2C_MERGE_INDEX_H
#define FHIR2CDM_F2C_MERGE_INDEX_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

#define F2C_MERGE_INDEX_DIR "fhir2cdm-index"

typedef struct mi_part {
    char *loc; /* "data/<entity>/<file>", owned */
    unsigned long long rows, bytes;
} mi_part;

typedef struct mi_entry {
    char *id; /* owned */
    size_t part;
    unsigned long long first, n;
    unsigned long long off, len; /* byte range of the rows (CSV), else 0 */
    unsigned char removed;
    unsigned char borrowed;
        /* id points into another index's text: not freed with this one */ /* f2c_merge's mark:
                                                                              superseded or deleted
                                                                            */
} mi_entry;

typedef struct mi_index {
    mi_part *parts;
    size_t nparts;
    mi_entry *ents;
    size_t nents, cap;
    char *text; /* a loaded index's text: the ids of its entries point into it (owned) */
} mi_index;

void mi_free(mi_index *x);

/* Appends an entry (id copied); 0 or -1. */
int mi_add(mi_index *x, const char *id, size_t part, unsigned long long first, unsigned long long n,
           unsigned long long off, unsigned long long len);

/* Sorts the entries by id; 1 when two entries have the same id (*dup then names it), else 0. */
int mi_sort(mi_index *x, const char **dup);

/* The entry of id, or NULL (entries sorted by mi_sort). */
mi_entry *mi_find(const mi_index *x, const char *id);

/* The index text of x (parts sorted by location, entries by id) for entity t, appended to out,
 * and its location "fhir2cdm-index/<Entity>.<16 hex>.idx" to loc.  0 or -1 (out of memory). */
int mi_format(const mi_index *x, const f2c_table *t, f2c_buf *out, f2c_buf *loc);

/* 1 when FHIR id rule ([A-Za-z0-9\-\.]{1,64}, FHIR R4 datatypes "id") holds for s. */
int mi_is_fhir_id(const char *s);

/*
 * The committed index of entity t: locs[0..nlocs) are the record's partitions of t (sorted),
 * index_loc the entity's annotation (NULL: none).  Reads it relative to outfd (no links followed)
 * and checks it; when it is missing, unreadable, altered or stale, rebuilds it from the partitions
 * (their ResourceId column, through sink's reader) and says so on log ("note: ...", shown: the
 * folder's path), incrementing *rebuilt.  *out is zeroed first (mi_free it in every case).
 * Returns F2C_OK, F2C_EUSAGE (cannot be rebuilt: a view without a ResourceId column, a row
 * without a ResourceId, a resource with rows in two places -- the message says what to do),
 * F2C_EIO (a partition cannot be read), F2C_ENOMEM.  fetch (NULL for a local folder) is called
 * before the index file or a partition is read: the folder may be a mirror of a remote one
 * (f2c_fs_fetcher); an index that cannot be fetched is rebuilt, a partition that cannot be
 * fetched is F2C_EIO.
 */
f2c_status mi_load(int outfd, const char *shown, const f2c_table *t, const char *index_loc,
                   const char *const *locs, size_t nlocs, const f2c_sink *sink,
                   const f2c_fs_fetcher *fetch, FILE *log, unsigned long long *rebuilt,
                   mi_index *out, f2c_error *err);

#endif
