/*
 * f2c_merge_int: what the two halves of merge mode share (internal to lib/engine): f2c_merge.c
 * records the run's resources, decides the winners, reads the deletion files, runs the entities
 * (on the job's threads) and joins their results; f2c_merge_entity.c merges one entity -- its
 * committed index loaded, its partitions carried or rewritten, this run's added, compaction, its
 * new index written.  One entity's work touches only its own ctx.out and ctx.del.hit.
 */
#ifndef FHIR2CDM_F2C_MERGE_INT_H
#define FHIR2CDM_F2C_MERGE_INT_H

#include <stdlib.h>

#include "f2c_merge.h"
#include "fhir2cdm/f2c_deleted.h"

/* One version of a resource read by the run. */
typedef struct occ {
    char *type, *id, *lu; /* owned; lu NULL without meta.lastUpdated */
    unsigned long file;   /* input order: the file's ordinal, then the line */
    long line;
    int loser; /* another version of the same resource wins */
} occ;

/* Rows [first, first + n) of a partition belong to occurrence o; bytes [off, off + len) when
 * the format's rows are byte ranges (f2c_sink_offset), else 0. */
typedef struct run {
    size_t o;
    unsigned long long first, n, off, len;
} run;

typedef struct runs {
    run *v;
    size_t n, cap;
    unsigned long long rows;
} runs;

/* A partition this run staged: table, the file's stem, its runs. */
typedef struct part {
    size_t t;
    char *stem;
    runs r;
} part;

struct f2c_merge {
    occ *occ;
    size_t nocc, capocc;
    part *parts;
    size_t nparts, capparts;
};

typedef struct delset {
    f2c_deleted_key *k; /* sorted by key, unique, without those the run keeps */
    size_t n;
    unsigned char *hit; /* per key: rows were removed */
} delset;

/* The merge of one run: the arguments, the run's winners (sorted by type, then id), the
 * deletions; out and err are one entity's when entities run on threads (f2c_merge.c). */
typedef struct ctx {
    const f2c_merge_args *a;
    f2c_merge *m;
    int outfd;
    const char *shown, *ext;
    occ **win;
    size_t nwin;
    delset del;
    f2c_merge_out *out;
    f2c_error *err;
    size_t cap_removes, cap_staged;
} ctx;

/* Grows array *v of *cap elements of size sz to hold n + 1; 0 or -1. */
static inline int f2c_merge_grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap) return 0;
    size_t c = *cap ? 2 * *cap : 16;
    void *p = realloc(*v, c * sz);
    if (!p) return -1;
    *v = p;
    *cap = c;
    return 0;
}

/* Merges entity ti of c->a->ts into the folder (its record rec): stages its rewrites, this run's
 * partitions of it, compactions and its new index, lists them in c->out (c->out->indexes[ti]:
 * its index), marks the deletions it applied in c->del.hit.  F2C_OK, or F2C_EUSAGE, F2C_EIO,
 * F2C_ENOMEM as f2c_merge_prepare (c->err says why). */
f2c_status f2c_merge_entity(ctx *c, const f2c_cdm_model *rec, size_t ti);

#endif
