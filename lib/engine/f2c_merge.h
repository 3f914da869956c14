/*
 * f2c_merge: merge mode of the stream job (internal to the engine) -- the folder holds one
 * current version of every resource, and a run replaces the rows of the resources it reads and
 * removes those of deleted ones (docs/cdm-folder.md, "Merge mode").
 *
 * Why here and not in the commit: which rows belong to which resource is known only while rows
 * are made (a view has no key column), so the job records it -- per staged partition, the runs of
 * rows of each resource (f2c_merge_file, on the commit side of a file, in input order) -- and,
 * before the publish, f2c_merge_prepare turns the run's resources, the deletion files and the
 * folder's committed resource index (f2c_merge_index.h) into copy-on-write changes staged in the
 * same transaction: partitions holding superseded or deleted rows rewritten without them, this
 * run's partitions rewritten without the losers of duplicates, a new index per changed entity.
 * f2c_cdm_publish then commits all of it with the record (f2c_cdm_merge), so a reader sees the
 * folder before or after the merge, never between.
 *
 * Ownership: f2c_merge is the job's (one per job, filled under the job's lock by
 * f2c_merge_add_file); f2c_merge_file is one file's, used by the thread committing that file.
 */
#ifndef FHIR2CDM_F2C_MERGE_H
#define FHIR2CDM_F2C_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

typedef struct f2c_merge f2c_merge;
typedef struct f2c_merge_file f2c_merge_file;

/* An empty merge (NULL when out of memory); free with f2c_merge_free. */
f2c_merge *f2c_merge_new(void);
void f2c_merge_free(f2c_merge *m);

/* One input file's resources and rows, for a tableset of ntables tables (NULL: out of memory). */
f2c_merge_file *f2c_merge_file_new(size_t ntables);
void f2c_merge_file_free(f2c_merge_file *mf);

/* The next resource of the file (at `line`): type and id (copied), lu its meta.lastUpdated as an
 * UTC instant (f2c_render_datetime's form) or NULL.  The rows that follow are its rows.  0, or -1
 * when out of memory. */
int f2c_merge_file_resource(f2c_merge_file *mf, const char *type, const char *id, const char *lu,
                            long line);

/* One row of table t for the current resource (f2c_merge_file_resource was called): its bytes
 * [off, off + len) in the partition when the format's rows are byte ranges (f2c_sink_offset),
 * else 0, 0.  0 or -1. */
int f2c_merge_file_row(f2c_merge_file *mf, size_t t, unsigned long long off,
                       unsigned long long len);

/* Moves the resources and row runs of a file whose partitions were finished into m (the caller
 * holds the job's lock): ordinal is the file's place in input order, stem its partition stem
 * (copied), committed[t] 1 for the tables whose partition was staged.  mf is emptied.  0 or -1. */
int f2c_merge_add_file(f2c_merge *m, f2c_merge_file *mf, unsigned long ordinal, const char *stem,
                       const unsigned char *committed);

/* What a merge did, for the summary. */
typedef struct f2c_merge_counts {
    unsigned long long resources;       /* distinct resources in the input */
    unsigned long long duplicates;      /* versions of them that lost (same run) */
    unsigned long long deletions;       /* distinct resources listed in the deletion files */
    unsigned long long deleted;         /* ... whose rows were removed */
    unsigned long long deleted_absent;  /* ... that had no rows in the folder (counted only) */
    unsigned long long deleted_kept;    /* ... also in the input: kept (the input's version) */
    unsigned long long rows_removed;    /* rows of earlier versions and deleted resources */
    unsigned long long rewritten;       /* committed partitions rewritten (or dropped: empty) */
    unsigned long long indexes_rebuilt; /* entities whose index was missing or stale */
    unsigned long long compacted;       /* partitions concatenated into larger ones */
} f2c_merge_counts;

/* What f2c_merge_prepare hands to f2c_cdm_publish; f2c_merge_out_free releases it. */
typedef struct f2c_merge_out {
    f2c_cdm_merge plan; /* points into the lists below */
    char **removes, **staged, **targets, **indexes;
    size_t nremoves, nstaged, ntables;
    f2c_merge_counts counts;
} f2c_merge_out;

void f2c_merge_out_free(f2c_merge_out *o);

typedef struct f2c_merge_args {
    f2c_commit *tx; /* the job's transaction: the folder is read and changes are staged in it */
    const f2c_tableset *ts;
    const f2c_sink *sink;
    const char *opid;           /* this run's operation id (names of rewritten partitions) */
    const char *const *deleted; /* --deleted paths (files or folders), ndeleted of them */
    size_t ndeleted;
    size_t max_line;             /* longest deletion-file line */
    FILE *log;                   /* notes ("note: ...") */
    const f2c_fs_fetcher *fetch; /* f2c_job_options.fetch: NULL for a local folder */
    int compact;      /* compact every entity with two small partitions or more (`fhir2cdm-transform
                         compact`), not only past the thresholds */
    unsigned threads; /* entities merged at once (at least 1; 1 when fetch is set: a mirror's
                         downloads share one client) */
} f2c_merge_args;

/*
 * Prepares the merge of the job's run into the folder of a->tx: reads the deletion files (a bad
 * line is added to diags and nothing of it applied), decides the winner of every resource (the
 * latest meta.lastUpdated, then the later in input order), loads (or rebuilds) the committed index
 * of every entity, stages the rewritten partitions and the new indexes, and fills *out (zeroed
 * first; free with f2c_merge_out_free in every case).  Returns F2C_OK, or with nothing published
 * (the caller aborts the transaction): F2C_EUSAGE (the folder cannot be merged into: an index that
 * cannot be rebuilt, a resource with rows in two places, a record of an earlier release; the
 * message says what to do), F2C_EIO (a partition or deletion file cannot be read or staged),
 * F2C_ENOMEM.
 */
f2c_status f2c_merge_prepare(f2c_merge *m, const f2c_merge_args *a, f2c_merge_out *out,
                             f2c_diags *diags, f2c_error *err);

#endif
