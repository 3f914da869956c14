/*
 * f2c_job_int: the stream job's internal types, shared by its two sides (internal to the engine):
 *
 *   f2c_job.c       the job: files, the feeding of bytes, the in-order commit of chunks (rows
 *                   into partitions, messages, counts), the publication, the summary;
 *   f2c_job_run.c   f2c_job_run: input files by path, read one after the other (the reader),
 *                   the derived operation id, modifiedTime;
 *   f2c_job_work.c  a worker's side: one chunk of lines -> events (rows and messages), with no
 *                   shared mutable state touched.
 *
 * Why two sides (docs/transform.md, "Threads"): everything whose order a user can see -- the rows
 * of a partition, which 100 messages are said, line numbers, counts -- is decided at commit, in
 * input order; everything expensive and pure -- UTF-8 check, JSON parse, evaluation, rendering --
 * is done by workers in any order.  A chunk carries the work from one side to the other.
 */
#ifndef FHIR2CDM_F2C_JOB_INT_H
#define FHIR2CDM_F2C_JOB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "f2c_merge.h"
#include "f2c_pool.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_job.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_rtscan.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_sink.h"

#define MAX_SHOWN 100 /* messages of one kind said before only counting */

/* Kinds of message, each with its own MAX_SHOWN count (SAY_ALWAYS: always said). */
enum { SAY_REJECT, SAY_WARNING, SAY_NO_ID, SAY_KINDS, SAY_ALWAYS = SAY_KINDS };

typedef struct input {
    char *path;
    char *stem; /* file name without .ndjson / .ndjson.gz */
    int ndjson; /* the name ends .ndjson or .ndjson.gz */
    int skip;   /* named for a type nothing reads, and its first line agrees: not read */
    unsigned long long size;
    time_t mtime;
} input;

typedef f2c_job_typecount typecount;

/* A plan context and a document: what evaluating a line needs besides the shared plan. */
typedef struct worker {
    f2c_plan_ctx *ctx;
    f2c_doc *doc;
    struct worker *next;
} worker;

/* Counts of a chunk, a file, or the job (the files ended so far). */
typedef struct counts {
    unsigned long long *rows;   /* per table */
    unsigned long long *colw;   /* per table and output column, at col_off[table] */
    unsigned long long *colsw;  /* the same, values the sink changed or left null */
    unsigned long long *tablew; /* per table: where clauses and iterations that failed */
    unsigned long long lines, resources, rejected, warnings, no_id;
    unsigned long long eval_errors; /* a view's rows of a resource left out (f2c_row_sink.error) */
    typecount *untabled;
    size_t nuntabled;
    typecount *skipped; /* lines of a type nothing reads, skipped unparsed (f2c_rtscan.h) */
    size_t nskipped;
    size_t nt, nc; /* sizes of the per-table and per-column arrays (at least 1) */
} counts;

typedef struct chunk chunk;
typedef struct tbd_entry tbd_entry;

struct f2c_job {
    f2c_job_options o; /* copy; o.output_dir points at output_dir */
    char *output_dir;  /* owned */
    f2c_tableset ts;
    f2c_plan *plan;  /* the tables' programs (f2c_plan.h), from either input format */
    size_t *col_off; /* per table: first index in counts.colw */
    size_t ncols;
    char opid[65];
    int opid_derived;
    const char **types; /* sorted, unique; borrowed from ts */
    size_t ntypes;
    f2c_sink sink; /* the output format: how partitions are written (f2c_sink.h) */
    double t0;
    char now[F2C_PLAN_NOW_SIZE]; /* FHIRPath now() of every context of the job (one instant) */

    /* f2c_job_run only */
    input *inputs;
    size_t ninputs;
    /* Inputs not read (input.skip): files and bytes by the type their names give. */
    typecount *skipped_files;
    size_t nskipped_files;
    unsigned long long skipped_bytes;
    f2c_pool_seq *run_seq; /* every file's chunks, in input order */
    /* A derived operation id: the hash the reader adds every input to (run_file); the partitions
     * opened while it is pending are named OPID_TBD (opid_pending: under mu). */
    struct XXH3_state_s *opid_hash;
    int opid_pending;
    /* Partitions staged while the id was pending: "<dir>/<name>" and input stem (under mu). */
    struct tbd_entry {
        char *from, *stem;
    } * tbd;
    size_t ntbd;

    f2c_pool *pool; /* workers (f2c_pool.h); inline for one thread */

    /* Shared mutable state: only under mu. */
    pthread_mutex_t mu;
    f2c_job_ui ui; /* the caller's, members never NULL (defaults filled in) */
    worker *idle;
    chunk *free_chunks;
    counts c;
    unsigned long long *partitions; /* per table, written by this job */
    unsigned long long files, files_failed, bytes;
    unsigned long long progress_bytes; /* f2c_job_run: input bytes committed */
    char **names; /* stems of files begun and not aborted: each may write its partitions once */
    size_t nnames;
    unsigned long nbegun; /* files begun: the next one's place in input order */
    f2c_merge *merge;     /* merge mode: the run's resources and row runs (else NULL) */
    int merge_failed;     /* under mu: a file's resources could not be kept (out of memory) */

    /* Written under mu, read by workers without it (a stale value only costs a formatted
     * message that is then not said). */
    _Atomic unsigned long long seen[SAY_KINDS]; /* messages of each kind committed */
    /* f2c_job_run: non-OK once a commit failed (output cannot be written); the reader stops and
     * later commits skip their work. */
    _Atomic int stop;
    f2c_status fatal; /* under mu: the status that stopped the run */

    /* The output folder's transaction (f2c_commit.h): partitions are staged in it and published
     * all at once by job_finish; NULL after it was finished or aborted. */
    f2c_commit *tx;
};

/* What a partition's sink warning needs to be counted where a rendering warning is. */
typedef struct sink_warn_ctx {
    f2c_job_file *f;
    size_t t;
} sink_warn_ctx;

struct f2c_job_file {
    f2c_job *j;
    char *stem, *label;
    f2c_pool_seq *seq; /* j->run_seq, or the file's own (owned) */
    int waited;        /* f2c_job_file_end waits for the last commit and frees the file */

    /* The feeding side (one thread at a time). */
    f2c_ndjson_push *push;
    /* Lines of a type nothing reads (f2c_rtscan_line) are skipped unparsed as they are fed
     * while this is LINES_SKIP; LINES_PENDING: the file's name gives a type (name_type) its
     * first line must confirm, else every line is read (LINES_ALL). */
    int lines;
    char name_type[F2C_RTSCAN_TYPE_MAX + 1];
    /* The type of the last line f2c_chunk_skip_unread recognised (last_len bytes) and whether
     * nothing reads it: lines of one type come in runs, so most need no look-up. */
    char last_type[F2C_RTSCAN_TYPE_MAX + 1];
    size_t last_len;
    int last_unread;
    chunk *cur;                            /* being filled */
    unsigned long long fed, fed_submitted; /* input bytes */
    int feed_failed;                       /* the input could not be read to its end */
    int feed_fatal;                        /* non-OK: a fatal status met while feeding */

    /* The commit side (one commit of the file at a time). */
    long line;               /* of the row being written (sink warnings) */
    f2c_sink_part **parts;   /* per table: the staged partition, opened lazily; NULL when none */
    sink_warn_ctx *warn_ctx; /* per table: the warn_ud of its partition */
    f2c_buf pathbuf;
    counts c;
    unsigned long long file_lines, bytes;
    int named;             /* stem registered in j->names */
    unsigned long ordinal; /* place in input order (merge mode) */
    f2c_merge_file *mf;    /* merge mode: the file's resources and row runs, else NULL */
    f2c_status fatal;      /* output cannot be written: the file's partitions are aborted */
    _Atomic int fatal_any; /* fatal, for the feeding side */
    f2c_status result;     /* set by the last commit, for a waiting f2c_job_file_end */
};

enum { LINES_SKIP, LINES_PENDING, LINES_ALL }; /* f2c_job_file.lines */

enum {
    END_FLUSH, /* the input ended: deliver the last line, commit */
    END_KEEP,  /* the input could not be read to its end (reported): commit what was read */
    END_ABORT  /* the input is incomplete and must leave nothing */
};

/* One stretch of a file's lines (about CHUNK_BYTES): filled by the feeding thread, turned into
 * events by a worker, committed in order (f2c_pool). */
struct chunk {
    f2c_pool_task task; /* first member */
    f2c_job_file *f;
    chunk *next_free;
    f2c_buf in;                   /* records (f2c_job_work.c): lines, rejected lines, messages */
    unsigned long long raw_bytes; /* input bytes fed for it (progress) */
    /* The file's last chunk: its commit ends the file. */
    int last, end_mode, input_failed;
    f2c_status feed_fatal;
    long long trailing_at; /* gzip: first byte after the last member, or -1 */
    unsigned long long trailing_bytes;

    /* Filled by the worker. */
    f2c_buf ev; /* events: rows and messages, in line order */
    counts c;   /* rows are counted at commit; lines skipped unread by the feeding side */
    unsigned long long file_lines;
    f2c_status fatal; /* processing stopped: output cannot be made (said in ev) */
    long line;        /* the line being processed */
    /* Where the rows of (mark_line, mark_t) start in ev: a run-time error of that resource and
     * table voids them (f2c_job_work.c, on_error). */
    int has_mark;
    long mark_line;
    size_t mark_t, row_mark;
    worker *w;
    int no_worker; /* no worker could be made (out of memory) */
};

#define CHUNK_BYTES (1u << 20) /* a chunk is submitted once its lines reach this size */

#define CHUNK (256u * 1024u) /* f2c_job_run's read size (as f2c_ndjson's pull reader) */
/* The operation id in the names of partitions staged before the derived one is known: 16
 * characters like a derived id (so names are checked with the right length), never one. */
#define OPID_TBD "operation-id-tbd"

/* ---- f2c_job.c, used by f2c_job_run.c ------------------------------------------------------ */

void job_lock(f2c_job *j);
void job_unlock(f2c_job *j);
/* A message to the caller's ui (taking the lock), or of an error. */
__attribute__((format(printf, 2, 3))) void job_sayf(f2c_job *j, const char *fmt, ...);
void job_say_error(f2c_job *j, const f2c_error *e);
/* A message through ui (NULL: stderr) when there is no job to say it. */
__attribute__((format(printf, 2, 3))) void job_say_ui(const f2c_job_ui *ui, const char *fmt, ...);
int job_strptrcmp(const void *a, const void *b); /* qsort of char * by strcmp */

/* The job's life: new (o copied), load (configuration or views), sink, the output folder's
 * transaction, counters and workers; each 0 or F2C_JOB_USAGE (said).  job_finish publishes and
 * says the summary: an F2C_JOB_* code. */
f2c_job *job_new(const f2c_job_options *o);
int job_load(f2c_job *j, const f2c_job_options *o);
int job_sink(f2c_job *j);
int job_prepare_output(f2c_job *j);
int job_alloc(f2c_job *j);
int job_finish(f2c_job *j, const char *mtime, size_t nfiles, unsigned long long bytes);
/* Partitions staged under OPID_TBD renamed to the derived id's names; 0 or F2C_JOB_USAGE. */
int job_rename_tbd(f2c_job *j);

/* One file: begun (chunks to seq, NULL: its own, and job_file_end waits), fed, ended (END_*);
 * an error met while feeding is said in order with the file's lines (job_feed_error). */
f2c_job_file *job_file_begin(f2c_job *j, const char *name, const char *label, int flags,
                             f2c_pool_seq *seq);
f2c_status job_file_feed(f2c_job_file *f, const void *data, char *mut, size_t len);
f2c_status job_file_end(f2c_job_file *f, int mode);
void job_feed_error(f2c_job_file *f, const f2c_error *e);

/* ---- f2c_job_counts.c -------------------------------------------------------------------- */

/* Arrays for nt tables and nc output columns in all (0 counts as 1); 0 or -1 (out of memory:
 * free with f2c_counts_free all the same). */
int f2c_counts_init(size_t nt, size_t nc, counts *c);
void f2c_counts_free(counts *c);
/* Zeroes c for reuse (a recycled chunk), keeping its arrays. */
void f2c_counts_reset(counts *c);
/* n more resources of type rt, which no table reads (the list keeps first-seen order). */
void f2c_counts_untabled(counts *c, const char *rt, unsigned long long n);
/* n more lines of type rt skipped unparsed (nothing reads rt); first-seen order. */
void f2c_counts_skipped(counts *c, const char *rt, unsigned long long n);
/* k more of type rt in a list of *n (first-seen order; out of memory: not counted); and the
 * list's end (its type names freed with it). */
void f2c_typelist_add(typecount **list, size_t *n, const char *rt, unsigned long long k);
void f2c_typelist_free(typecount *list, size_t n);
/* to += from (same sizes); types without a table keep the order in which they were first met,
 * as when one file after the other adds to the same list. */
void f2c_counts_add(counts *to, const counts *from);

/* ---- f2c_job_work.c ---------------------------------------------------------------------- */

/* Records, added by the feeding side.  0, or -1 when out of memory. */
int f2c_chunk_add_line(chunk *ch, const char *s, size_t n, long lineno);
int f2c_chunk_add_rejected(chunk *ch, const f2c_error *e);
int f2c_chunk_add_say(chunk *ch, const char *text);
/* A raw line of a type nothing reads, recognised without parsing: counted in ch (lines, the
 * file's lines, skipped by type) and not added; 1 when it was, else 0 (add it). */
int f2c_chunk_skip_unread(chunk *ch, const char *s, size_t n);

/* Turns ch's records into events, with ch->w (a worker the caller lent it); sets ch->fatal when
 * processing had to stop (said in the events). */
void f2c_chunk_process(const f2c_job *j, chunk *ch);

/* Replays ch's events in order: row(ud, table, line, cells, lens) and say(ud, kind, text, len);
 * stops at the first non-OK status row returns. */
typedef struct chunk_replay {
    void *ud;
    f2c_status (*row)(void *ud, size_t t, long line, const char *const *cells, const size_t *lens,
                      f2c_error *err);
    void (*say)(void *ud, int kind, const char *text, size_t len);
    /* merge mode: the resource whose rows follow (type, id, meta.lastUpdated in UTC or NULL) */
    f2c_status (*resource)(void *ud, long line, const char *type, const char *id, const char *lu,
                           f2c_error *err);
} chunk_replay;
f2c_status f2c_chunk_replay(const f2c_job *j, const chunk *ch, const chunk_replay *r,
                            f2c_error *err);

#endif
