/*
 * f2c_pool: worker threads that process tasks in any order and commit them in the order they
 * were submitted (internal to the engine; owned by one f2c_job).
 *
 * A task belongs to a sequence (f2c_pool_seq): tasks of one sequence are committed one at a time,
 * in submission order, whatever order the threads finish them in; tasks of different sequences
 * are independent.  This is what makes the transformer's output byte-identical for every thread
 * count (docs/transform.md, "Threads"): the expensive, pure work (parse, evaluate, render) runs
 * in parallel in `process`, and everything whose order is visible (rows into a partition,
 * messages, counts) happens in `commit`, in input order.
 *
 * With 0 threads the pool is inline: f2c_pool_submit processes and commits the task on the
 * caller's thread before it returns (the single-threaded behaviour).  With N threads, N workers
 * process tasks; the worker that finishes the task a sequence waits for commits it and every
 * following one already done, so no extra thread is needed.  The tasks submitted and not yet
 * committed weigh at most `max_inflight` (each task its weight, e.g. its size in units), except
 * that one task heavier than that may go alone: f2c_pool_submit blocks until it fits
 * (backpressure; bounded memory).
 */
#ifndef FHIR2CDM_F2C_POOL_H
#define FHIR2CDM_F2C_POOL_H

#include <stddef.h>

typedef struct f2c_pool f2c_pool;
typedef struct f2c_pool_seq f2c_pool_seq;

/* Embed as the first member of a task; the pool owns the fields between submit and commit. */
typedef struct f2c_pool_task {
    struct f2c_pool_task *next;
    f2c_pool_seq *seq;
    unsigned long long n; /* position in its sequence, from 0 */
    size_t weight;        /* its share of max_inflight (at least 1) */
} f2c_pool_task;

/* Called on a worker thread (or the submitting thread when inline), concurrently for different
 * tasks.  Must not block on other tasks. */
typedef void (*f2c_pool_process_fn)(void *ud, f2c_pool_task *t);
/* Called once per task, in submission order within its sequence, never concurrently for tasks
 * of one sequence (possibly concurrently for different sequences).  The task is the callee's
 * again afterwards (free or recycle it). */
typedef void (*f2c_pool_commit_fn)(void *ud, f2c_pool_task *t);

/* A pool of `threads` workers (0: inline).  Returns NULL when out of memory or when a thread
 * cannot be created. */
f2c_pool *f2c_pool_new(unsigned threads, size_t max_inflight, f2c_pool_process_fn process,
                       f2c_pool_commit_fn commit, void *ud);

/* A new sequence (NULL: out of memory); free it with f2c_pool_seq_free once all its tasks were
 * committed (f2c_pool_seq_wait). */
f2c_pool_seq *f2c_pool_seq_new(f2c_pool *p);
void f2c_pool_seq_free(f2c_pool_seq *s);

/* Submits t, of `weight` (0 counts as 1), as the next task of s; may block (see above).  Inline
 * pools process and commit it before returning. */
void f2c_pool_submit(f2c_pool *p, f2c_pool_seq *s, f2c_pool_task *t, size_t weight);

/* Waits until every task submitted to s so far is committed. */
void f2c_pool_seq_wait(f2c_pool *p, f2c_pool_seq *s);

/* Waits until every task submitted so far is committed. */
void f2c_pool_wait(f2c_pool *p);

/* Waits for every task, stops the workers and frees p.  NULL is allowed. */
void f2c_pool_free(f2c_pool *p);

/* Number of worker threads (0: inline). */
unsigned f2c_pool_threads(const f2c_pool *p);

#endif
