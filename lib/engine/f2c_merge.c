/*
 * f2c_merge: see f2c_merge.h.  Why sorting rather than hash tables: every decision -- the winner
 * of a resource's versions, whether a committed row is superseded or deleted -- is a lookup of a
 * (type, id) in a set built once per run; sorted arrays and bsearch give that deterministically
 * (the same input gives the same partitions, names and index bytes) with no code of our own to
 * keep balanced.  The cost is O(n log n) in the run's resources, plus per touched entity its
 * index's filters and the segments and partitions holding affected rows (f2c_merge_entity.c).
 * This file is the run's side: recording, winners, deletions, the entities run and joined.
 */
#include "f2c_merge_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "f2c_merge_index.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_deleted.h"
#include "fhir2cdm/f2c_fs.h"

struct f2c_merge_file {
    size_t nt;
    occ *occ;
    size_t nocc, capocc;
    runs *r; /* per table */
};

/* ---- recording (the commit side of a file) ------------------------------------------------ */

f2c_merge *f2c_merge_new(void)
{
    return calloc(1, sizeof(f2c_merge));
}

static void occ_free(occ *o)
{
    free(o->type);
    free(o->id);
    free(o->lu);
}

void f2c_merge_free(f2c_merge *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nocc; i++)
        occ_free(&m->occ[i]);
    free(m->occ);
    for (size_t i = 0; i < m->nparts; i++) {
        free(m->parts[i].stem);
        free(m->parts[i].r.v);
    }
    free(m->parts);
    free(m);
}

f2c_merge_file *f2c_merge_file_new(size_t ntables)
{
    f2c_merge_file *mf = calloc(1, sizeof *mf);
    if (mf && !(mf->r = calloc(ntables ? ntables : 1, sizeof *mf->r))) {
        free(mf);
        return NULL;
    }
    if (mf) mf->nt = ntables;
    return mf;
}

static void file_clear(f2c_merge_file *mf, int free_strings)
{
    for (size_t i = 0; free_strings && i < mf->nocc; i++)
        occ_free(&mf->occ[i]);
    mf->nocc = 0;
    for (size_t t = 0; t < mf->nt; t++) {
        free(mf->r[t].v);
        mf->r[t] = (runs){0};
    }
}

void f2c_merge_file_free(f2c_merge_file *mf)
{
    if (!mf) return;
    file_clear(mf, 1);
    free(mf->occ);
    free(mf->r);
    free(mf);
}

int f2c_merge_file_resource(f2c_merge_file *mf, const char *type, const char *id, const char *lu,
                            long line)
{
    if (f2c_merge_grow((void **)&mf->occ, &mf->capocc, mf->nocc, sizeof *mf->occ) != 0) return -1;
    occ o = {.type = strdup(type), .id = strdup(id), .lu = lu ? strdup(lu) : NULL, .line = line};
    if (!o.type || !o.id || (lu && !o.lu)) {
        occ_free(&o);
        return -1;
    }
    mf->occ[mf->nocc++] = o;
    return 0;
}

int f2c_merge_file_row(f2c_merge_file *mf, size_t t, unsigned long long off, unsigned long long len)
{
    assert(mf->nocc > 0 && t < mf->nt);
    runs *r = &mf->r[t];
    size_t o = mf->nocc - 1;
    if (r->n && r->v[r->n - 1].o == o) {
        r->v[r->n - 1].n++;
        r->v[r->n - 1].len += len;
    } else {
        if (f2c_merge_grow((void **)&r->v, &r->cap, r->n, sizeof *r->v) != 0) return -1;
        r->v[r->n++] = (run){.o = o, .first = r->rows, .n = 1, .off = off, .len = len};
    }
    r->rows++;
    return 0;
}

int f2c_merge_add_file(f2c_merge *m, f2c_merge_file *mf, unsigned long ordinal, const char *stem,
                       const unsigned char *committed)
{
    size_t base = m->nocc;
    for (size_t i = 0; i < mf->nocc; i++) {
        if (f2c_merge_grow((void **)&m->occ, &m->capocc, m->nocc, sizeof *m->occ) != 0) return -1;
        m->occ[m->nocc] = mf->occ[i];
        m->occ[m->nocc++].file = ordinal;
    }
    mf->nocc = 0; /* the strings are m's now */
    for (size_t t = 0; t < mf->nt; t++) {
        if (!committed[t] || !mf->r[t].n) continue;
        if (f2c_merge_grow((void **)&m->parts, &m->capparts, m->nparts, sizeof *m->parts) != 0)
            return -1;
        part *p = &m->parts[m->nparts];
        *p = (part){.t = t, .stem = strdup(stem), .r = mf->r[t]};
        mf->r[t] = (runs){0};
        if (!p->stem) return -1;
        for (size_t k = 0; k < p->r.n; k++)
            p->r.v[k].o += base;
        m->nparts++;
    }
    file_clear(mf, 1);
    return 0;
}

/* ---- the winner of each resource ---------------------------------------------------------- */

/* Compares two UTC instants of f2c_render_datetime's form ("YYYY-MM-DDThh:mm:ss[.f...]Z"):
 * the seconds, then the fractions digit by digit (a missing digit is 0).  NULL is earliest. */
static int lu_cmp(const char *a, const char *b)
{
    if (!a || !b) return (a != NULL) - (b != NULL);
    int c = strncmp(a, b, 19);
    if (c || strlen(a) < 19 || strlen(b) < 19) return c;
    const char *x = a[19] == '.' ? a + 20 : "", *y = b[19] == '.' ? b + 20 : "";
    for (;;) {
        char dx = *x >= '0' && *x <= '9' ? *x++ : '0', dy = *y >= '0' && *y <= '9' ? *y++ : '0';
        if (dx != dy) return dx < dy ? -1 : 1;
        if (!(*x >= '0' && *x <= '9') && !(*y >= '0' && *y <= '9')) return 0;
    }
}

static int key_cmp(const char *ta, const char *ia, const char *tb, const char *ib)
{
    int c = strcmp(ta, tb);
    return c ? c : strcmp(ia, ib);
}

/* Versions of one resource together, the winner last: latest lastUpdated, then input order. */
static int occ_order(const void *a, const void *b)
{
    const occ *x = *(const occ *const *)a, *y = *(const occ *const *)b;
    int c = key_cmp(x->type, x->id, y->type, y->id);
    if (!c) c = lu_cmp(x->lu, y->lu);
    if (!c) c = x->file < y->file ? -1 : x->file > y->file;
    if (!c) c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

/* Marks the losers; *win (sorted by key, the caller frees) holds the winners. */
static int decide(f2c_merge *m, occ ***win, size_t *nwin, f2c_merge_counts *c)
{
    occ **v = malloc((m->nocc ? m->nocc : 1) * sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < m->nocc; i++)
        v[i] = &m->occ[i];
    if (m->nocc) qsort(v, m->nocc, sizeof *v, occ_order);
    size_t n = 0;
    for (size_t i = 0; i < m->nocc; i++) {
        int last = i + 1 == m->nocc || key_cmp(v[i]->type, v[i]->id, v[i + 1]->type, v[i + 1]->id);
        if (last)
            v[n++] = v[i];
        else {
            v[i]->loser = 1;
            c->duplicates++;
        }
    }
    c->resources = n;
    *win = v;
    *nwin = n;
    return 0;
}

/* ---- deletions ---------------------------------------------------------------------------- */

static int del_cmp(const void *a, const void *b)
{
    const f2c_deleted_key *x = a, *y = b;
    return key_cmp(x->type, x->id, y->type, y->id);
}

static int win_find_cmp(const void *key, const void *elem)
{
    const f2c_deleted_key *k = key;
    const occ *o = *(const occ *const *)elem;
    return key_cmp(k->type, k->id, o->type, o->id);
}

/* Reads every deletion file into all; d gets its keys sorted, unique, without those the run
 * keeps (shallow copies: the strings stay all's). */
static f2c_status read_deletions(const f2c_merge_args *a, occ **win, size_t nwin, f2c_deleted *all,
                                 delset *d, f2c_merge_counts *c, f2c_diags *diags, f2c_error *err)
{
    for (size_t i = 0; i < a->ndeleted; i++) {
        f2c_status st = f2c_deleted_read(a->deleted[i], a->max_line, all, diags, err);
        if (st != F2C_OK) return st;
    }
    if (all->count) qsort(all->keys, all->count, sizeof *all->keys, del_cmp);
    d->k = malloc((all->count ? all->count : 1) * sizeof *d->k);
    d->hit = calloc(all->count ? all->count : 1, 1);
    if (!d->k || !d->hit) return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t i = 0; i < all->count; i++) {
        if (i && del_cmp(&all->keys[i - 1], &all->keys[i]) == 0) continue;
        c->deletions++;
        if (nwin && bsearch(&all->keys[i], win, nwin, sizeof *win, win_find_cmp))
            c->deleted_kept++; /* in the run's input too: the output is the later state */
        else
            d->k[d->n++] = all->keys[i];
    }
    return F2C_OK;
}

static f2c_status nomem(ctx *c)
{
    return f2c_error_set(c->err, F2C_ENOMEM, c->shown, 0, 0, NULL, "out of memory");
}

/* ---- entities in parallel ------------------------------------------------------------------ */

/* One entity's part of the merge: merge_entity writes only here (its removals, staged files,
 * index and counts; the deletions its index found), so entities run on several threads, and the
 * slots are joined in table order: the result does not depend on the thread count. */
typedef struct ent_slot {
    f2c_merge_out out;
    f2c_error err;
    f2c_status st;
    unsigned char *hit;
    int ran;
} ent_slot;

typedef struct ent_pool {
    const ctx *base;
    const f2c_cdm_model *rec;
    ent_slot *slots;
    size_t n, next;
    int stop; /* an entity failed: no more are started */
    pthread_mutex_t mu;
} ent_pool;

static void run_entity(ent_pool *p, size_t ti)
{
    ent_slot *s = &p->slots[ti];
    ctx c = *p->base;
    c.out = &s->out;
    c.err = &s->err;
    c.del.hit = s->hit;
    c.cap_removes = c.cap_staged = 0;
    f2c_error_clear(&s->err);
    s->out.ntables = p->n;
    s->out.indexes = calloc(p->n ? p->n : 1, sizeof *s->out.indexes);
    s->st = s->out.indexes ? f2c_merge_entity(&c, p->rec, ti) : nomem(&c);
    s->ran = 1;
}

static void *entity_worker(void *arg)
{
    ent_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t ti = p->stop ? p->n : p->next++;
        pthread_mutex_unlock(&p->mu);
        if (ti >= p->n) return NULL;
        run_entity(p, ti);
        if (p->slots[ti].st != F2C_OK) {
            pthread_mutex_lock(&p->mu);
            p->stop = 1;
            pthread_mutex_unlock(&p->mu);
        }
    }
}

/* Moves slot s's lists, index and counts into c->out (after those of the slots before it). */
static int join_slot(ctx *c, ent_slot *s, size_t ti)
{
    f2c_merge_out *o = c->out, *x = &s->out;
    size_t nr = o->nremoves + x->nremoves, ns = o->nstaged + x->nstaged;
    char **r = realloc(o->removes, (nr ? nr : 1) * sizeof *r);
    if (r) o->removes = r;
    char **st = r ? realloc(o->staged, (ns ? ns : 1) * sizeof *st) : NULL;
    if (st) o->staged = st;
    char **tg = st ? realloc(o->targets, (ns ? ns : 1) * sizeof *tg) : NULL;
    if (!tg) return -1;
    o->targets = tg;
    if (x->nremoves) memcpy(o->removes + o->nremoves, x->removes, x->nremoves * sizeof *r);
    if (x->nstaged) {
        memcpy(o->staged + o->nstaged, x->staged, x->nstaged * sizeof *st);
        memcpy(o->targets + o->nstaged, x->targets, x->nstaged * sizeof *tg);
    }
    o->nremoves = nr;
    o->nstaged = ns;
    x->nremoves = x->nstaged = 0; /* the strings moved */
    o->indexes[ti] = x->indexes[ti];
    x->indexes[ti] = NULL;
    o->counts.rows_removed += x->counts.rows_removed;
    o->counts.rewritten += x->counts.rewritten;
    o->counts.indexes_rebuilt += x->counts.indexes_rebuilt;
    o->counts.compacted += x->counts.compacted;
    for (size_t i = 0; i < c->del.n; i++)
        c->del.hit[i] |= s->hit[i];
    return 0;
}

/* Every entity merged, on up to a->threads threads (one with a fetcher: a mirror's downloads
 * share its client); the first failing entity (in table order) gives the error. */
static f2c_status merge_entities(ctx *c, const f2c_cdm_model *rec)
{
    size_t n = c->a->ts->count;
    ent_pool p = {.base = c, .rec = rec, .n = n};
    p.slots = calloc(n ? n : 1, sizeof *p.slots);
    f2c_status st = p.slots ? F2C_OK : nomem(c);
    for (size_t i = 0; st == F2C_OK && i < n; i++)
        if (!(p.slots[i].hit = calloc(c->del.n + 1, 1))) st = nomem(c);
    unsigned want = c->a->fetch ? 1 : c->a->threads ? c->a->threads : 1, started = 0;
    pthread_t th[16];
    if (want > 16) want = 16;
    if (want > n) want = (unsigned)n;
    if (st == F2C_OK && pthread_mutex_init(&p.mu, NULL) != 0)
        st = nomem(c);
    else if (st == F2C_OK) {
        while (started + 1 < want && pthread_create(&th[started], NULL, entity_worker, &p) == 0)
            started++;
        entity_worker(&p); /* this thread too */
        for (unsigned i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        pthread_mutex_destroy(&p.mu);
    }
    for (size_t ti = 0; p.slots && ti < n; ti++) {
        ent_slot *s = &p.slots[ti];
        if (st == F2C_OK && s->ran && s->st != F2C_OK) {
            *c->err = s->err;
            st = s->st;
        }
        if (st == F2C_OK && s->ran && join_slot(c, s, ti) != 0) st = nomem(c);
        f2c_merge_out_free(&s->out);
        free(s->hit);
    }
    free(p.slots);
    return st;
}

/* ---- the merge ------------------------------------------------------------------------------ */

void f2c_merge_out_free(f2c_merge_out *o)
{
    for (size_t i = 0; i < o->nremoves; i++)
        free(o->removes[i]);
    for (size_t i = 0; i < o->nstaged; i++) {
        free(o->staged[i]);
        free(o->targets[i]);
    }
    for (size_t i = 0; o->indexes && i < o->ntables; i++)
        free(o->indexes[i]);
    free(o->removes);
    free(o->staged);
    free(o->targets);
    free(o->indexes);
    memset(o, 0, sizeof *o);
}

static int part_order(const void *a, const void *b)
{
    const part *x = a, *y = b;
    return x->t != y->t ? (x->t < y->t ? -1 : 1) : strcmp(x->stem, y->stem);
}

/* The committed record of the folder (its format's), parsed into rec; none: empty. */
static f2c_status read_record(ctx *c, f2c_cdm_model *rec)
{
    memset(rec, 0, sizeof *rec);
    const char *name = f2c_cdm_record_name(c->a->sink->ops->format);
    int fd = f2c_fs_open_read_at(c->outfd, name);
    if (fd < 0 && errno == ENOENT) return F2C_OK;
    f2c_buf text = {0};
    char chunk[65536];
    ssize_t n = 0;
    while (fd >= 0 && (n = read(fd, chunk, sizeof chunk)) > 0)
        if (f2c_buf_append(&text, chunk, (size_t)n) != 0) break;
    if (fd >= 0) close(fd);
    if (fd < 0 || n < 0) {
        f2c_buf_free(&text);
        return f2c_error_set(c->err, F2C_EIO, name, 0, 0, NULL, "cannot read: %s", strerror(errno));
    }
    f2c_status st = f2c_cdm_model_read(text.data ? text.data : "", text.len, rec, c->err);
    f2c_buf_free(&text);
    int parts = 0;
    for (size_t i = 0; st == F2C_OK && i < rec->nentities; i++)
        parts |= rec->entities[i].npartitions > 0;
    if (st == F2C_OK && !rec->committed && parts)
        st = f2c_error_set(c->err, F2C_EUSAGE, name, 0, 0, NULL,
                           "written by an earlier release (no commit marker); merge mode needs a "
                           "folder this release wrote: run once in append mode first, or merge "
                           "into a new folder");
    return st;
}

f2c_status f2c_merge_prepare(f2c_merge *m, const f2c_merge_args *a, f2c_merge_out *out,
                             f2c_diags *diags, f2c_error *err)
{
    memset(out, 0, sizeof *out);
    ctx c = {.a = a,
             .m = m,
             .outfd = f2c_commit_dirfd(a->tx),
             .shown = f2c_commit_path(a->tx),
             .ext = f2c_sink_extension(a->sink),
             .out = out,
             .err = err};
    f2c_deleted all = {0};
    f2c_cdm_model rec = {0};
    out->ntables = a->ts->count;
    out->indexes = calloc(out->ntables ? out->ntables : 1, sizeof *out->indexes);
    /* this run's partitions in (table, stem) order whatever order their files ended in (the
     * stream API ends files concurrently): names and compaction groups never depend on it */
    if (m->nparts) qsort(m->parts, m->nparts, sizeof *m->parts, part_order);
    f2c_status st =
        out->indexes && decide(m, &c.win, &c.nwin, &out->counts) == 0 ? F2C_OK : nomem(&c);
    if (st == F2C_OK) st = read_deletions(a, c.win, c.nwin, &all, &c.del, &out->counts, diags, err);
    if (st == F2C_OK) st = read_record(&c, &rec);
    if (st == F2C_OK) st = merge_entities(&c, &rec);
    for (size_t i = 0; i < c.del.n; i++)
        if (c.del.hit[i])
            out->counts.deleted++;
        else
            out->counts.deleted_absent++;
    out->plan = (f2c_cdm_merge){.removes = (const char *const *)out->removes,
                                .nremoves = out->nremoves,
                                .staged = (const char *const *)out->staged,
                                .targets = (const char *const *)out->targets,
                                .nstaged = out->nstaged,
                                .indexes = (const char *const *)out->indexes};
    f2c_cdm_model_free(&rec);
    f2c_deleted_free(&all);
    free(c.del.k);
    free(c.del.hit);
    free(c.win);
    return st;
}
