/*
 * f2c_pool: see f2c_pool.h.
 *
 * Why it is shaped this way: ordering is the whole point, so it is decided in one place.  One
 * mutex guards the queue, the in-flight count and every sequence's list of finished tasks; it is
 * taken twice per task (pop, finish), never per row.  A sequence has a `committing` flag: the
 * worker that finds the next task of a sequence ready becomes its committer and commits every
 * consecutive ready task, then clears the flag; the ready check and the clearing happen under
 * one lock, so a task finished meanwhile is never left behind.  Commits run without the lock.
 */
#include "f2c_pool.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

struct f2c_pool_seq {
    unsigned long long submitted, committed;
    f2c_pool_task *done; /* finished, not committed; sorted by n */
    int committing;
};

struct f2c_pool {
    unsigned nthreads;
    size_t max_inflight, inflight; /* submitted, not committed */
    f2c_pool_process_fn process;
    f2c_pool_commit_fn commit;
    void *ud;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* queue not empty, or quit */
    pthread_cond_t space; /* a task was committed (inflight fell; a sequence may be done) */
    f2c_pool_task *head, *tail;
    int quit;
    pthread_t *threads;
    unsigned started;
};

/* Under mu: t joins s's finished tasks in order of n. */
static void insert_done(f2c_pool_seq *s, f2c_pool_task *t)
{
    f2c_pool_task **at = &s->done;
    while (*at && (*at)->n < t->n)
        at = &(*at)->next;
    t->next = *at;
    *at = t;
}

/* Under mu (held on return): commits every ready task of s unless another thread does. */
static void commit_ready(f2c_pool *p, f2c_pool_seq *s)
{
    if (s->committing) return;
    s->committing = 1;
    while (s->done && s->done->n == s->committed) {
        f2c_pool_task *t = s->done;
        size_t t_weight = t->weight;
        s->done = t->next;
        pthread_mutex_unlock(&p->mu);
        p->commit(p->ud, t); /* t is the callee's from here on */
        pthread_mutex_lock(&p->mu);
        s->committed++;
        assert(p->inflight >= t_weight);
        p->inflight -= t_weight;
        pthread_cond_broadcast(&p->space);
    }
    s->committing = 0;
}

static void *worker_main(void *arg)
{
    f2c_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->quit)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->head) break; /* quit, and nothing left */
        f2c_pool_task *t = p->head;
        p->head = t->next;
        if (!p->head) p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        p->process(p->ud, t);
        pthread_mutex_lock(&p->mu);
        f2c_pool_seq *s = t->seq;
        insert_done(s, t);
        commit_ready(p, s);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

f2c_pool *f2c_pool_new(unsigned threads, size_t max_inflight, f2c_pool_process_fn process,
                       f2c_pool_commit_fn commit, void *ud)
{
    f2c_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->nthreads = threads;
    p->max_inflight = max_inflight ? max_inflight : 1;
    p->process = process;
    p->commit = commit;
    p->ud = ud;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->space, NULL);
    if (threads && !(p->threads = calloc(threads, sizeof *p->threads))) {
        f2c_pool_free(p);
        return NULL;
    }
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            f2c_pool_free(p);
            return NULL;
        }
        p->started++;
    }
    return p;
}

f2c_pool_seq *f2c_pool_seq_new(f2c_pool *p)
{
    (void)p;
    return calloc(1, sizeof(f2c_pool_seq));
}

void f2c_pool_seq_free(f2c_pool_seq *s)
{
    assert(!s || (s->committed == s->submitted && !s->done));
    free(s);
}

void f2c_pool_submit(f2c_pool *p, f2c_pool_seq *s, f2c_pool_task *t, size_t weight)
{
    t->seq = s;
    t->next = NULL;
    t->weight = weight ? weight : 1;
    if (p->nthreads == 0) {
        /* Inline: this thread is the only one feeding s, so it is also its committer. */
        t->n = s->submitted++;
        p->process(p->ud, t);
        p->commit(p->ud, t);
        s->committed++;
        return;
    }
    pthread_mutex_lock(&p->mu);
    while (p->inflight > 0 && p->inflight + t->weight > p->max_inflight)
        pthread_cond_wait(&p->space, &p->mu);
    t->n = s->submitted++;
    p->inflight += t->weight;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void f2c_pool_seq_wait(f2c_pool *p, f2c_pool_seq *s)
{
    if (p->nthreads == 0) return; /* inline: committed on submit */
    pthread_mutex_lock(&p->mu);
    while (s->committed < s->submitted)
        pthread_cond_wait(&p->space, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void f2c_pool_wait(f2c_pool *p)
{
    if (p->nthreads == 0) return;
    pthread_mutex_lock(&p->mu);
    while (p->inflight > 0)
        pthread_cond_wait(&p->space, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void f2c_pool_free(f2c_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    assert(p->inflight == 0);
    free(p->threads);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->space);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

unsigned f2c_pool_threads(const f2c_pool *p)
{
    return p->nthreads;
}
