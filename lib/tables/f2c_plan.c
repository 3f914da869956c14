/*
 * f2c_plan: see f2c_plan.h.
 *
 * Why rows are produced by continuation frames: a select's rows are the cross product of its
 * columns, its nested selects and its unionAll, each of which may iterate.  Materialising the
 * partial rows of every factor (as the JavaScript reference does) allocates per row; instead the
 * executor enumerates depth first: a factor writes its output slots, then runs "the rest" -- the
 * remaining factors of its select, then those of the enclosing selects -- described by a chain of
 * frames on the C stack.  When the chain is exhausted every slot holds the current combination
 * and the row is emitted.  Cells stay valid while inner factors vary, so nothing is copied.
 *
 * Why step columns keep a prefix tree: a generated table has a hundred or more path columns
 * sharing prefixes (NameFamily, NameGiven, NamePeriodStart all start at `name`); the tree looks
 * each element up once per row and renders every column attached to it.  Output positions come
 * from the slots, independent of the tree's shape or evaluation order.
 *
 * Why iteration items are copied out of FHIRPath results: an evaluation rewinds the FHIRPath
 * context's arena, so results of an enclosing forEach would die when an inner expression runs.
 * Each active iteration keeps (node, type) pairs in its own vector, indexed by the number of
 * iterations active around it (siblings in a cross product are nested at run time too, so they
 * get different vectors).  This relies on the types of items read from the document being
 * static strings or strings of the document/expression, which the FHIRPath engine gives today.
 * Items without a JSON node (computed values: `forEach: "name.given.select(lower())"`) are
 * contexts too (SQL on FHIR v2 "Processing Algorithm": foci = fhirpath(S.forEach, N), whatever
 * they are); they are copied, text and unit included, into the context's item arena, which
 * lives until the next resource, and evaluated over with f2c_fp_eval_item.
 *
 * Why no allocation per row: cell texts go into per-context buffers that are reset, not freed;
 * the FhirPath of an unrolled element is built in one buffer that grows and is truncated back
 * as the traversal returns.
 *
 * Why evaluation budgets need nothing special here: the FHIRPath engine reports an exceeded
 * budget as F2C_EEVAL (never F2C_ENOMEM), so it takes the path of every run-time expression
 * error -- a warning naming the expression, an empty cell or the context's rows left out -- and
 * a hostile expression costs one resource its rows, not the run.
 */
#include "fhir2cdm/f2c_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_arena.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_render.h"

/* ---- structures --------------------------------------------------------------------------- */

typedef struct pnode {
    const char *name; /* element name; NULL at the root */
    const char *alt;  /* choice-type spelling to try when name is absent, or NULL */
    struct pnode **kids;
    size_t nkids;
    size_t *leaves; /* indices into the select's columns */
    size_t nleaves;
} pnode;

/* Executor data of one select (f2c_plan_select.internal). */
typedef struct selx {
    pnode tree;     /* STEPS columns */
    size_t *direct; /* indices of non-STEPS columns, in declaration order */
    size_t ndirect;
    size_t *slots; /* every slot written by this subtree (unionAll: the first branch's),
                    * to check that a table's tree writes each of its cells once */
    size_t nslots;
    size_t nfactors; /* nested selects, plus one for the unionAll group if any */
} selx;

typedef struct ptable {
    const f2c_table *t;
    f2c_plan_select *root;
    size_t width;
    size_t niters; /* iterating selects in the tree: bound on nested active iterations */
} ptable;

typedef struct rtentry {
    const char *rt;
    size_t *tables; /* tableset indices, in tableset order */
    size_t n;
} rtentry;

struct f2c_plan {
    const f2c_tableset *ts;
    ptable *tables;
    rtentry *rts; /* sorted by rt */
    size_t nrts;
    size_t max_width;
    size_t max_iters;
    int spec_errors; /* f2c_plan_set_spec_errors */
};

typedef struct citem {
    const cJSON *node;
    const char *type;       /* FHIR type when known, else NULL */
    const f2c_fp_item *val; /* a computed value (node NULL), in the item arena; else NULL */
} citem;

typedef struct cvec {
    citem *v;
    size_t n, cap;
} cvec;

struct f2c_plan_ctx {
    const f2c_plan *p;
    f2c_buf *cells; /* max_width buffers */
    /* per slot: a string cell borrowed from the document instead of copied into cells[slot]
     * (NULL: cells[slot] holds the cell), so a huge string value is not held twice */
    const char **borrowed;
    const char **ptrs;
    size_t *lens;
    f2c_buf path; /* FhirPath of the current element */
    f2c_buf key;  /* RowId hash input */
    f2c_buf msg;  /* warning text */
    f2c_buf fail; /* the run-time error that voids a table's rows of the resource (spec_error) */
    f2c_fp_ctx *fp;
    cvec *vecs;      /* max_iters + 1 */
    cvec stack;      /* repeat traversal */
    f2c_arena items; /* computed iteration items (citem.val) of the current resource */
    cJSON *rowindex;
    f2c_fp_constant rowconst;
    int json;
    char rowid[40];
};

/* ---- building ----------------------------------------------------------------------------- */

f2c_plan_select *f2c_plan_select_new(void)
{
    return calloc(1, sizeof(f2c_plan_select));
}

static void pnode_free(pnode *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        pnode_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    free(n->leaves);
    memset(n, 0, sizeof *n);
}

static void selx_free(selx *x)
{
    if (!x) return;
    pnode_free(&x->tree);
    free(x->direct);
    free(x->slots);
    free(x);
}

void f2c_plan_select_free(f2c_plan_select *s)
{
    if (!s) return;
    f2c_fp_free(s->iter_expr);
    free(s->own_step);
    for (size_t i = 0; i < s->nrepeat; i++)
        f2c_fp_free(s->repeat[i]);
    free(s->repeat);
    for (size_t i = 0; i < s->nwhere; i++)
        f2c_fp_free(s->where[i]);
    free(s->where);
    for (size_t i = 0; i < s->ncolumns; i++)
        f2c_fp_free(s->columns[i].expr);
    free(s->columns);
    for (size_t i = 0; i < s->nselects; i++)
        f2c_plan_select_free(s->selects[i]);
    free(s->selects);
    for (size_t i = 0; i < s->nunions; i++)
        f2c_plan_select_free(s->unions[i]);
    free(s->unions);
    selx_free(s->internal);
    free(s);
}

/* Grows *arr (of *n elements of size sz) by one; returns the new element or NULL. */
static void *grow(void *arr_p, size_t *n, size_t sz)
{
    void **arr = arr_p;
    void *a = realloc(*arr, (*n + 1) * sz);
    if (!a) return NULL;
    *arr = a;
    return (char *)a + (*n)++ * sz;
}

f2c_status f2c_plan_select_add_column(f2c_plan_select *s, const f2c_plan_column *c)
{
    f2c_plan_column *d = grow(&s->columns, &s->ncolumns, sizeof *d);
    if (!d) {
        f2c_fp_free(c->expr);
        return F2C_ENOMEM;
    }
    *d = *c;
    return F2C_OK;
}

f2c_status f2c_plan_select_add_child(f2c_plan_select *s, f2c_plan_select *child, int union_branch)
{
    f2c_plan_select **d = union_branch ? grow(&s->unions, &s->nunions, sizeof *d)
                                       : grow(&s->selects, &s->nselects, sizeof *d);
    if (!d) {
        f2c_plan_select_free(child);
        return F2C_ENOMEM;
    }
    *d = child;
    return F2C_OK;
}

f2c_status f2c_plan_select_add_where(f2c_plan_select *s, f2c_fp_expr *e)
{
    f2c_fp_expr **d = grow(&s->where, &s->nwhere, sizeof *d);
    if (!d) {
        f2c_fp_free(e);
        return F2C_ENOMEM;
    }
    *d = e;
    return F2C_OK;
}

f2c_status f2c_plan_select_add_repeat(f2c_plan_select *s, f2c_fp_expr *e)
{
    f2c_fp_expr **d = grow(&s->repeat, &s->nrepeat, sizeof *d);
    if (!d) {
        f2c_fp_free(e);
        return F2C_ENOMEM;
    }
    *d = e;
    return F2C_OK;
}

static int rtcmp(const void *a, const void *b)
{
    return strcmp(((const rtentry *)a)->rt, ((const rtentry *)b)->rt);
}

f2c_status f2c_plan_new(const f2c_tableset *ts, f2c_plan **out)
{
    *out = NULL;
    f2c_plan *p = calloc(1, sizeof *p);
    if (!p) return F2C_ENOMEM;
    p->ts = ts;
    size_t n = ts->count ? ts->count : 1;
    p->tables = calloc(n, sizeof *p->tables);
    p->rts = calloc(n, sizeof *p->rts);
    if (!p->tables || !p->rts) goto oom;
    for (size_t i = 0; i < ts->count; i++) {
        const f2c_table *t = &ts->tables[i];
        p->tables[i].t = t;
        p->tables[i].width = f2c_table_width(t);
        if (p->tables[i].width > p->max_width) p->max_width = p->tables[i].width;
        rtentry *e = NULL;
        for (size_t k = 0; k < p->nrts; k++)
            if (strcmp(p->rts[k].rt, t->resource_type) == 0) e = &p->rts[k];
        if (!e) {
            e = &p->rts[p->nrts++];
            e->rt = t->resource_type;
        }
        size_t *d = grow(&e->tables, &e->n, sizeof *d);
        if (!d) goto oom;
        *d = i;
    }
    qsort(p->rts, p->nrts, sizeof *p->rts, rtcmp);
    *out = p;
    return F2C_OK;
oom:
    f2c_plan_free(p);
    return F2C_ENOMEM;
}

void f2c_plan_free(f2c_plan *p)
{
    if (!p) return;
    if (p->tables)
        for (size_t i = 0; i < p->ts->count; i++)
            f2c_plan_select_free(p->tables[i].root);
    if (p->rts)
        for (size_t i = 0; i < p->nrts; i++)
            free(p->rts[i].tables);
    free(p->tables);
    free(p->rts);
    free(p);
}

static int streq_null(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static pnode *pnode_child(pnode *n, const f2c_step *s)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (strcmp(n->kids[i]->name, s->name) == 0 && streq_null(n->kids[i]->alt, s->alt))
            return n->kids[i];
    pnode **slot = grow(&n->kids, &n->nkids, sizeof *slot);
    if (!slot) return NULL;
    pnode *k = calloc(1, sizeof *k);
    if (!k) {
        n->nkids--;
        return NULL;
    }
    k->name = s->name;
    k->alt = s->alt;
    *slot = k;
    return k;
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Prepares s and its subtree; counts iterating selects into *iters. */
static f2c_status prepare(f2c_plan_select *s, size_t width, size_t *iters, f2c_error *err)
{
    selx *x = calloc(1, sizeof *x);
    if (!x) return F2C_ENOMEM;
    selx_free(s->internal);
    s->internal = x;
    if (s->iter == F2C_PLAN_ITER_FOREACH || s->iter == F2C_PLAN_ITER_FOREACH_OR_NULL ||
        s->iter == F2C_PLAN_ITER_REPEAT)
        ++*iters;
    if ((s->iter == F2C_PLAN_ITER_FOREACH || s->iter == F2C_PLAN_ITER_FOREACH_OR_NULL) &&
        !s->iter_expr)
        return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL, "forEach without expression");
    for (size_t i = 0; i < s->ncolumns; i++) {
        const f2c_plan_column *c = &s->columns[i];
        if (c->slot >= width)
            return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL,
                                 "column slot %zu outside the table's %zu columns", c->slot, width);
        if (c->kind == F2C_PLAN_COL_EXPR && !c->expr)
            return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL,
                                 "expression column without expression");
        size_t *d = grow(&x->slots, &x->nslots, sizeof *d);
        if (!d) return F2C_ENOMEM;
        *d = c->slot;
        if (c->kind == F2C_PLAN_COL_STEPS) {
            pnode *n = &x->tree;
            for (size_t k = 0; k < c->nsteps && n; k++)
                n = pnode_child(n, &c->steps[k]);
            if (!n) return F2C_ENOMEM;
            size_t *l = grow(&n->leaves, &n->nleaves, sizeof *l);
            if (!l) return F2C_ENOMEM;
            *l = i;
        } else {
            size_t *l = grow(&x->direct, &x->ndirect, sizeof *l);
            if (!l) return F2C_ENOMEM;
            *l = i;
        }
    }
    f2c_status st;
    for (size_t i = 0; i < s->nselects; i++) {
        if ((st = prepare(s->selects[i], width, iters, err)) != F2C_OK) return st;
        const selx *cx = s->selects[i]->internal;
        for (size_t k = 0; k < cx->nslots; k++) {
            size_t *d = grow(&x->slots, &x->nslots, sizeof *d);
            if (!d) return F2C_ENOMEM;
            *d = cx->slots[k];
        }
    }
    for (size_t i = 0; i < s->nunions; i++) {
        if ((st = prepare(s->unions[i], width, iters, err)) != F2C_OK) return st;
        const selx *first = s->unions[0]->internal, *cx = s->unions[i]->internal;
        /* Every branch writes the same slots (ViewDefinition §unionAll: same columns). */
        size_t *a = malloc((first->nslots + 1) * sizeof *a);
        size_t *b = malloc((cx->nslots + 1) * sizeof *b);
        int same = a && b && first->nslots == cx->nslots;
        if (same && first->nslots) { /* no slots: nothing to copy (slots may be NULL) */
            memcpy(a, first->slots, first->nslots * sizeof *a);
            memcpy(b, cx->slots, cx->nslots * sizeof *b);
            qsort(a, first->nslots, sizeof *a, size_cmp);
            qsort(b, cx->nslots, sizeof *b, size_cmp);
            same = memcmp(a, b, first->nslots * sizeof *a) == 0;
        }
        int oom = !a || !b;
        free(a);
        free(b);
        if (oom) return F2C_ENOMEM;
        if (!same)
            return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL,
                                 "unionAll branch %zu does not write the same columns as the "
                                 "first",
                                 i);
    }
    if (s->nunions) {
        const selx *first = s->unions[0]->internal;
        for (size_t k = 0; k < first->nslots; k++) {
            size_t *d = grow(&x->slots, &x->nslots, sizeof *d);
            if (!d) return F2C_ENOMEM;
            *d = first->slots[k];
        }
    }
    x->nfactors = s->nselects + (s->nunions ? 1 : 0);
    return F2C_OK;
}

f2c_status f2c_plan_set_table(f2c_plan *p, size_t table, f2c_plan_select *root, f2c_error *err)
{
    if (table >= p->ts->count) {
        f2c_plan_select_free(root);
        return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL, "no table %zu", table);
    }
    ptable *pt = &p->tables[table];
    f2c_plan_select_free(pt->root);
    pt->root = root;
    pt->niters = 0;
    f2c_status st = prepare(root, pt->width, &pt->niters, err);
    if (st == F2C_ENOMEM) return f2c_error_set(err, st, NULL, 0, 0, NULL, "out of memory");
    if (st != F2C_OK) return st;
    /* Every output slot written exactly once on every path through the tree. */
    const selx *x = root->internal;
    int ok = x->nslots == pt->width;
    if (ok) {
        size_t *s = malloc((x->nslots + 1) * sizeof *s);
        if (!s) return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        memcpy(s, x->slots, x->nslots * sizeof *s);
        qsort(s, x->nslots, sizeof *s, size_cmp);
        for (size_t i = 0; i < x->nslots && ok; i++)
            ok = s[i] == i;
        free(s);
    }
    if (!ok)
        return f2c_error_set(err, F2C_ECONFIG, NULL, 0, 0, NULL,
                             "table \"%s\": the plan writes %zu cells, not each of its %zu "
                             "columns once",
                             pt->t->name, x->nslots, pt->width);
    if (pt->niters > p->max_iters) p->max_iters = pt->niters;
    return F2C_OK;
}

const f2c_tableset *f2c_plan_tableset(const f2c_plan *p)
{
    return p->ts;
}

static const rtentry *find_rt(const f2c_plan *p, const char *rt)
{
    rtentry key = {.rt = rt};
    return bsearch(&key, p->rts, p->nrts, sizeof *p->rts, rtcmp);
}

size_t f2c_plan_tables_for(const f2c_plan *p, const char *rt)
{
    const rtentry *e = find_rt(p, rt);
    return e ? e->n : 0;
}

/* ---- contexts ----------------------------------------------------------------------------- */

void f2c_plan_set_spec_errors(f2c_plan *p, int on)
{
    p->spec_errors = on != 0;
}

f2c_plan_ctx *f2c_plan_ctx_new(const f2c_plan *p)
{
    f2c_plan_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->p = p;
    size_t w = p->max_width ? p->max_width : 1;
    c->cells = calloc(w, sizeof *c->cells);
    c->ptrs = calloc(w, sizeof *c->ptrs);
    c->borrowed = calloc(w, sizeof *c->borrowed);
    c->lens = calloc(w, sizeof *c->lens);
    c->vecs = calloc(p->max_iters + 1, sizeof *c->vecs);
    c->fp = f2c_fp_ctx_new();
    c->rowindex = cJSON_CreateNumber(0);
    if (!c->cells || !c->ptrs || !c->borrowed || !c->lens || !c->vecs || !c->fp || !c->rowindex) {
        f2c_plan_ctx_free(c);
        return NULL;
    }
    c->rowconst.name = F2C_PLAN_ROWINDEX;
    c->rowconst.value = c->rowindex;
    /* now()/today()/timeOfDay() give one instant per context (the run), read here once: the
     * engine would otherwise read and convert the clock on every evaluation (about 8% of a
     * view run), and rows of one run should not disagree about "now". */
    char now[F2C_PLAN_NOW_SIZE];
    if (f2c_plan_clock_now(now) == 0) f2c_fp_ctx_set_now(c->fp, now);
    return c;
}

int f2c_plan_clock_now(char now[F2C_PLAN_NOW_SIZE])
{
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm)) return -1;
    int n = snprintf(now, F2C_PLAN_NOW_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(ts.tv_nsec / 1000000) % 1000);
    return n > 0 && n < F2C_PLAN_NOW_SIZE ? 0 : -1;
}

int f2c_plan_ctx_set_now(f2c_plan_ctx *c, const char *now)
{
    return f2c_fp_ctx_set_now(c->fp, now);
}

void f2c_plan_ctx_free(f2c_plan_ctx *c)
{
    if (!c) return;
    if (c->cells)
        for (size_t i = 0; i < (c->p->max_width ? c->p->max_width : 1); i++)
            f2c_buf_free(&c->cells[i]);
    if (c->vecs)
        for (size_t i = 0; i < c->p->max_iters + 1; i++)
            free(c->vecs[i].v);
    free(c->vecs);
    free(c->stack.v);
    f2c_arena_free(&c->items);
    free(c->cells);
    free(c->ptrs);
    free(c->borrowed);
    free(c->lens);
    f2c_buf_free(&c->path);
    f2c_buf_free(&c->fail);
    f2c_buf_free(&c->key);
    f2c_buf_free(&c->msg);
    f2c_fp_ctx_free(c->fp);
    cJSON_Delete(c->rowindex);
    free(c);
}

void f2c_plan_ctx_set_json(f2c_plan_ctx *c, int on)
{
    c->json = on != 0;
}

void f2c_plan_ctx_set_fp_limits(f2c_plan_ctx *c, const f2c_fp_limits *l)
{
    f2c_fp_ctx_set_limits(c->fp, l);
}

void f2c_plan_ctx_fp_usage(const f2c_plan_ctx *c, f2c_fp_usage *peak)
{
    f2c_fp_ctx_usage(c->fp, NULL, peak);
}

/* ---- evaluation --------------------------------------------------------------------------- */

typedef struct job {
    f2c_plan_ctx *c;
    f2c_doc *doc;
    const ptable *pt;
    size_t table;
    const f2c_row_sink *sink;
    const cJSON *root; /* the resource (%resource) */
    const char *resource_type;
    const char *resource_id;
    const char *identity;
    size_t depth; /* active iterations */
    int nomem;
    int failed;       /* spec_error: this table's rows of the resource are void */
    size_t fail_slot; /* its column, or F2C_ROW_NO_COLUMN */
} job;

/* A point to continue from: factor `next` of select s at context (item, rowidx), then `up`. */
typedef struct frame {
    const f2c_plan_select *s;
    size_t next;
    citem item;
    int64_t rowidx;
    const struct frame *up;
} frame;

static f2c_status nomem_err(f2c_error *err)
{
    return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

static const char *location(const job *j)
{
    return j->c->path.len ? j->c->path.data : j->resource_type;
}

static void warn(job *j, size_t slot, const char *why)
{
    if (j->sink->warn) j->sink->warn(j->sink->ud, j->table, slot, location(j), why);
}

/* Formats a warning into the context's message buffer (valid until the next one). */
static const char *say(job *j, const char *fmt, const char *expr, const char *detail)
{
    f2c_buf *m = &j->c->msg;
    f2c_buf_reset(m);
    if (f2c_buf_printf(m, fmt, expr, detail) != 0) return "expression failed";
    return m->data;
}

/*
 * A run-time error the specifications define, in a plan with f2c_plan_set_spec_errors (views):
 * SQL on FHIR v2 "Processing Algorithm" (Process(S, N), step 2.2: "Multiple values found but
 * not expected for column"), a where clause that does not give a Boolean (ViewDefinition.where:
 * "FHIRPath expression[s] ... that must evaluate to true or false"), and FHIRPath N1 run-time
 * errors (a singleton expected, an operand of the wrong type: "signal an error to the calling
 * environment", N1 "Singleton Evaluation of Collections").  The rows of this table for this
 * resource are void: evaluation of the table stops (F2C_EEVAL up to f2c_plan_resource, which
 * reports the first such error to sink->error).  Otherwise (table configurations, a sink
 * without `error`) it is a warning and the evaluation goes on.  Returns 1 for an error.
 */
static int spec_error(job *j, size_t slot, const char *why)
{
    if (!j->c->p->spec_errors || !j->sink->error) {
        warn(j, slot, why);
        return 0;
    }
    if (!j->failed) {
        j->failed = 1;
        j->fail_slot = slot;
        f2c_buf_reset(&j->c->fail);
        if (f2c_buf_appends(&j->c->fail, why) != 0) j->nomem = 1;
    }
    return 1;
}

/* An expression that failed at run time (ee from the engine): a spec_error, except an exceeded
 * evaluation budget (our bound, not the language's), which stays a warning. */
static int eval_failed(job *j, size_t slot, const char *why)
{
    f2c_fp_usage last;
    f2c_fp_ctx_usage(j->c->fp, &last, NULL);
    if (last.exceeded_count) {
        warn(j, slot, why);
        return 0;
    }
    return spec_error(j, slot, why);
}

static void set_null(job *j, size_t slot)
{
    f2c_buf *cell = &j->c->cells[slot];
    f2c_buf_reset(cell);
    if (j->c->json && f2c_buf_append(cell, "null", 4) != 0) j->nomem = 1;
}

static f2c_status eval(job *j, const f2c_fp_expr *e, citem ctx, int64_t rowidx, f2c_fp_result *res,
                       f2c_error *ee)
{
    /* Not f2c_error_clear: zeroing 2 KB per evaluation shows in profiles; the engine fills
     * the error when it fails, and only then is it read. */
    ee->message[0] = '\0';
    cJSON_SetNumberValue(j->c->rowindex, (double)rowidx);
    if (ctx.val)
        return f2c_fp_eval_item(j->c->fp, e, j->doc, ctx.val, j->root, &j->c->rowconst, 1, res, ee);
    return f2c_fp_eval(j->c->fp, e, j->doc, ctx.node, ctx.type, j->root, &j->c->rowconst, 1, res,
                       ee);
}

/* Renders one FHIRPath result into a cell by the column's rules; warns on mismatch. */
static void render_result(job *j, const f2c_plan_column *cd, const f2c_fp_result *res)
{
    f2c_buf *cell = &j->c->cells[cd->slot];
    const char *why = NULL;
    f2c_render_result r;
    /* A table-configuration `array` column keeps every item too. */
    int all = cd->card == F2C_PLAN_ALL || (cd->card == F2C_PLAN_FIRST && cd->type == F2C_T_ARRAY);
    if (cd->card == F2C_PLAN_SINGLE && res->count > 1) {
        char n[32];
        snprintf(n, sizeof n, "%zu", res->count);
        spec_error(j, cd->slot,
                   say(j,
                       "column expression \"%s\" gives %s items where one is expected "
                       "(declare the column with collection: true to keep them all)",
                       f2c_fp_source(cd->expr), n));
        set_null(j, cd->slot);
        return;
    }
    /* Copies without the foreign %rowIndex node (rarely more than a few items). */
    f2c_fp_item local[8];
    f2c_fp_item *items = local;
    size_t count = all ? res->count : (res->count ? 1 : 0);
    if (count > 8) {
        items = malloc(count * sizeof *items);
        if (!items) {
            j->nomem = 1;
            return;
        }
    }
    for (size_t i = 0; i < count; i++) {
        items[i] = res->items[i];
        if (items[i].node == j->c->rowindex) items[i].node = NULL;
    }
    f2c_fp_result mine = {items, count};
    if (count == 0 && cd->card == F2C_PLAN_ALL) {
        /* An empty collection is "[]", not null (SQL on FHIR suite, fhirpath.json). */
        r = f2c_buf_append(cell, "[]", 2) == 0 ? F2C_RENDER_OK : F2C_RENDER_NOMEM;
    } else if (j->c->json) {
        if (all) {
            r = f2c_render_fp_collection(j->doc, &mine, cell);
        } else if (!count) {
            r = F2C_RENDER_EMPTY;
        } else {
            /* One JSON value: the collection's rendering without its brackets. */
            size_t mark = cell->len;
            r = f2c_render_fp_collection(j->doc, &mine, cell);
            if (r == F2C_RENDER_OK) {
                memmove(cell->data + mark, cell->data + mark + 1, cell->len - mark - 2);
                cell->len -= 2;
                cell->data[cell->len] = '\0';
            }
        }
    } else if (all) {
        r = f2c_render_fp_collection(j->doc, &mine, cell);
    } else {
        r = f2c_render_fp_item(j->doc, count ? &items[0] : NULL, cd->type, cell, &why);
    }
    if (items != local) free(items);
    if (r == F2C_RENDER_NOMEM) j->nomem = 1;
    if (r == F2C_RENDER_MISMATCH)
        warn(j, cd->slot, why ? why : "value does not match the column type");
    if (r != F2C_RENDER_OK) set_null(j, cd->slot);
}

/* cJSON's type tests (cJSON_IsNull, ...), inline: the library's are out-of-line calls, made
 * several times per path step. */
static int is_type(const cJSON *v, int type)
{
    return v && (v->type & 0xFF) == type;
}

/* Evaluates an expression column (or the expression of a step column) at ctx. */
/* JSON mode cell of a node: its exact source text, or null. */
static void render_json_node(job *j, const cJSON *node, f2c_buf *cell)
{
    const char *p;
    size_t n;
    if (!node || is_type(node, cJSON_NULL)) {
        set_null(j, (size_t)(cell - j->c->cells));
        return;
    }
    if (f2c_doc_source(j->doc, node, &p, &n) != 0 || f2c_buf_append(cell, p, n) != 0) j->nomem = 1;
}

/* The first member of object obj named name, as cJSON_GetObjectItemCaseSensitive finds it (first
 * match wins), or NULL.  Why not that function: it calls strcmp on every member before the one
 * sought, and this lookup runs for every path step of every column of every resource; comparing
 * the first byte first leaves strcmp to the (usually one) member that can match. */
static const cJSON *find_member(const cJSON *obj, const char *name)
{
    if (!name) return NULL;
    const cJSON *e = obj->child;
    for (; e && e->string; e = e->next)
        if (e->string[0] == name[0] && strcmp(e->string, name) == 0) return e;
    return NULL;
}

/* Fast path of an expression column (f2c_plan_column.steps): follows the single-valued steps.
 * Returns 1 with *out the node reached (NULL: absent), or 0 when a step meets a JSON array (the
 * data repeats an element the model says is single: the expression decides). */
static int follow_single(const cJSON *n, const f2c_step *steps, size_t nsteps, const cJSON **out)
{
    for (size_t k = 0; k < nsteps && n; k++) {
        if (!is_type(n, cJSON_Object)) {
            n = NULL;
            break;
        }
        const cJSON *m = find_member(n, steps[k].name);
        if (is_type(m, cJSON_Array)) return 0;
        n = m && !is_type(m, cJSON_NULL) ? m : NULL;
    }
    *out = n;
    return 1;
}

static void eval_expr_column(job *j, const f2c_plan_column *cd, citem ctx, int64_t rowidx)
{
    const cJSON *node;
    if (cd->kind == F2C_PLAN_COL_EXPR && cd->steps && cd->card == F2C_PLAN_SINGLE && !ctx.val &&
        follow_single(ctx.node, cd->steps, cd->nsteps, &node)) {
        /* What the expression gives for such a path: that node as the only item, or nothing;
         * rendered as render_result renders an item read from the document. */
        f2c_buf *cell = &j->c->cells[cd->slot];
        if (j->c->json) {
            render_json_node(j, node, cell);
            return;
        }
        if (f2c_type_is_stringlike(cd->type) && is_type(node, cJSON_String) && !cell->len) {
            /* rendered as the string itself (f2c_render_value): borrowed, not copied */
            j->c->borrowed[cd->slot] = node->valuestring;
            return;
        }
        const char *why = NULL;
        f2c_render_result r = f2c_render_value(j->doc, node, cd->type, cell, &why);
        if (r == F2C_RENDER_NOMEM) j->nomem = 1;
        if (r == F2C_RENDER_MISMATCH)
            warn(j, cd->slot, why ? why : "value does not match the column type");
        return;
    }
    f2c_fp_result res;
    f2c_error ee;
    f2c_status st = eval(j, cd->expr, ctx, rowidx, &res, &ee);
    if (st == F2C_ENOMEM) {
        j->nomem = 1;
        return;
    }
    if (st != F2C_OK) {
        /* The table-configuration wording is kept for step columns (golden output). */
        eval_failed(j, cd->slot,
                    cd->kind == F2C_PLAN_COL_STEPS ? ee.message
                                                   : say(j, "column expression \"%s\": %s",
                                                         f2c_fp_source(cd->expr), ee.message));
        set_null(j, cd->slot);
        return;
    }
    render_result(j, cd, &res);
}

/* The member name (else alt when name is absent or null) of obj; NULL for absent or null, or
 * when obj is no object. */
static const cJSON *member(const cJSON *obj, const char *name, const char *alt)
{
    if (!is_type(obj, cJSON_Object)) return NULL;
    const cJSON *m = find_member(obj, name);
    if ((!m || is_type(m, cJSON_NULL)) && alt) m = find_member(obj, alt);
    if (m && is_type(m, cJSON_NULL)) return NULL;
    return m;
}

static const cJSON *first(const cJSON *v)
{
    if (is_type(v, cJSON_Array)) {
        v = v->child;
        while (v && is_type(v, cJSON_NULL))
            v = v->next;
    }
    return v;
}

/* raw: the element as found (an array for repeating elements), or NULL. */
static void eval_node(job *j, const f2c_plan_select *s, const pnode *n, const cJSON *raw,
                      int64_t rowidx)
{
    const cJSON *val = first(raw);
    for (size_t i = 0; i < n->nleaves; i++) {
        const f2c_plan_column *cd = &s->columns[n->leaves[i]];
        if (cd->expr) {
            /* fhirExpression: evaluated with the node at the column's path as context (the
             * original tool's rule); the first result is the cell, or all of them for `array`. */
            citem ctx = {val, NULL, NULL};
            eval_expr_column(j, cd, ctx, rowidx);
            continue;
        }
        f2c_buf *cell = &j->c->cells[cd->slot];
        const cJSON *node = cd->type == F2C_T_ARRAY ? raw : val;
        if (j->c->json) {
            render_json_node(j, node, cell);
            continue;
        }
        if (f2c_type_is_stringlike(cd->type) && is_type(node, cJSON_String) && !cell->len) {
            /* rendered as the string itself (f2c_render_value): borrowed, not copied */
            j->c->borrowed[cd->slot] = node->valuestring;
            continue;
        }
        const char *why = NULL;
        f2c_render_result r = f2c_render_value(j->doc, node, cd->type, cell, &why);
        if (r == F2C_RENDER_NOMEM) j->nomem = 1;
        if (r == F2C_RENDER_MISMATCH)
            warn(j, cd->slot, why ? why : "value does not match the column type");
    }
    for (size_t i = 0; i < n->nkids; i++) {
        const pnode *k = n->kids[i];
        eval_node(j, s, k, val ? member(val, k->name, k->alt) : NULL, rowidx);
    }
}

static void set_text(job *j, size_t slot, const char *s, size_t n)
{
    f2c_buf *cell = &j->c->cells[slot];
    f2c_buf_reset(cell);
    if (f2c_buf_append(cell, s, n) != 0) j->nomem = 1;
}

/* Writes the low 4*k bits of v as k lower-case hex digits at p; returns p + k. */
static char *put_hex(char *p, uint64_t v, int k)
{
    for (int i = k - 1; i >= 0; i--, v >>= 4)
        p[i] = "0123456789abcdef"[v & 0xf];
    return p + k;
}

static const char *make_rowid(job *j)
{
    f2c_plan_ctx *c = j->c;
    f2c_buf_reset(&c->key);
    if (f2c_buf_appends(&c->key, j->pt->t->name) || f2c_buf_appendc(&c->key, '\0') ||
        f2c_buf_appends(&c->key, j->identity) || f2c_buf_appendc(&c->key, '\0') ||
        f2c_buf_append(&c->key, c->path.data, c->path.len)) {
        j->nomem = 1;
        return "";
    }
    XXH128_hash_t h = XXH3_128bits(c->key.data, c->key.len);
    /* "%08x-%04x-%04x-%04x-%012llx" of high64's 32/16/16 bits and low64's 16/48, written
     * without snprintf (once per row). */
    char *p = c->rowid;
    p = put_hex(p, h.high64 >> 32, 8);
    *p++ = '-';
    p = put_hex(p, h.high64 >> 16, 4);
    *p++ = '-';
    p = put_hex(p, h.high64, 4);
    *p++ = '-';
    p = put_hex(p, h.low64 >> 48, 4);
    *p++ = '-';
    p = put_hex(p, h.low64, 12);
    *p = '\0';
    return c->rowid;
}

/* JSON mode: a reserved column's text as a JSON string. */
static void set_reserved(job *j, size_t slot, const char *s, size_t n)
{
    if (!j->c->json) {
        set_text(j, slot, s, n);
        return;
    }
    f2c_buf *cell = &j->c->cells[slot];
    f2c_buf_reset(cell);
    f2c_fp_item it = {.kind = F2C_FP_STRING, .type = "String", .text = s, .len = n};
    f2c_fp_result one = {&it, 1};
    if (f2c_render_fp_collection(j->doc, &one, cell) != F2C_RENDER_OK) {
        j->nomem = 1;
        return;
    }
    memmove(cell->data, cell->data + 1, cell->len - 2);
    cell->len -= 2;
    cell->data[cell->len] = '\0';
}

/* Evaluates the columns of s at ctx into their slots. */
static void eval_columns(job *j, const f2c_plan_select *s, citem ctx, int64_t rowidx)
{
    const selx *x = s->internal;
    f2c_plan_ctx *c = j->c;
    for (size_t i = 0; i < s->ncolumns; i++) {
        f2c_buf_reset(&c->cells[s->columns[i].slot]);
        c->borrowed[s->columns[i].slot] = NULL;
    }
    for (size_t i = 0; i < x->ndirect; i++) {
        const f2c_plan_column *cd = &s->columns[x->direct[i]];
        switch (cd->kind) {
        case F2C_PLAN_COL_EXPR:
            eval_expr_column(j, cd, ctx, rowidx);
            break;
        case F2C_PLAN_COL_RESOURCEID: {
            const char *rid = j->resource_id ? j->resource_id : "";
            if (j->resource_id || !c->json)
                set_reserved(j, cd->slot, rid, strlen(rid));
            else
                set_null(j, cd->slot);
            break;
        }
        case F2C_PLAN_COL_ROWID: {
            const char *rowid = make_rowid(j);
            set_reserved(j, cd->slot, rowid, strlen(rowid));
            break;
        }
        case F2C_PLAN_COL_FHIRPATH:
            set_reserved(j, cd->slot, c->path.data ? c->path.data : "", c->path.len);
            break;
        case F2C_PLAN_COL_PARENTPATH: {
            size_t parent = c->path.len;
            while (parent > 0 && c->path.data[parent - 1] != '.')
                parent--;
            set_reserved(j, cd->slot, c->path.data ? c->path.data : "", parent ? parent - 1 : 0);
            break;
        }
        case F2C_PLAN_COL_STEPS:
            break;
        }
    }
    if (x->tree.nleaves || x->tree.nkids) eval_node(j, s, &x->tree, ctx.node, rowidx);
}

static f2c_status emit(job *j, f2c_error *err)
{
    f2c_plan_ctx *c = j->c;
    if (j->nomem) return nomem_err(err);
    if (j->failed) return F2C_EEVAL; /* spec_error: no more rows of this table */
    for (size_t i = 0; i < j->pt->width; i++) {
        if (c->borrowed[i]) {
            c->ptrs[i] = c->borrowed[i];
            c->lens[i] = strlen(c->borrowed[i]);
            continue;
        }
        c->ptrs[i] = c->cells[i].data ? c->cells[i].data : "";
        c->lens[i] = c->cells[i].len;
    }
    return j->sink->row(j->sink->ud, j->table, c->ptrs, c->lens, err);
}

static f2c_status run_select(job *j, const f2c_plan_select *s, citem item, int64_t rowidx,
                             const frame *k, f2c_error *err);

static f2c_status factors(job *j, const f2c_plan_select *s, size_t f, citem item, int64_t rowidx,
                          const frame *k, f2c_error *err);

/* After a select's rows: the rest of the enclosing selects' factors (k), or the row. */
static f2c_status resume(job *j, const frame *k, f2c_error *err)
{
    if (!k) return emit(j, err);
    return factors(j, k->s, k->next, k->item, k->rowidx, k->up, err);
}

/* Enumerates factors f.. of s at (item, rowidx), then continues with k. */
static f2c_status factors(job *j, const f2c_plan_select *s, size_t f, citem item, int64_t rowidx,
                          const frame *k, f2c_error *err)
{
    const selx *x = s->internal;
    if (f == x->nfactors) return resume(j, k, err);
    frame next = {s, f + 1, item, rowidx, k};
    if (f < s->nselects) return run_select(j, s->selects[f], item, rowidx, &next, err);
    for (size_t b = 0; b < s->nunions; b++) {
        f2c_status st = run_select(j, s->unions[b], item, rowidx, &next, err);
        if (st != F2C_OK) return st;
    }
    return F2C_OK;
}

/* The columns, then the nested selects and unionAll, of s at one context. */
static f2c_status body(job *j, const f2c_plan_select *s, citem item, int64_t rowidx, const frame *k,
                       f2c_error *err)
{
    eval_columns(j, s, item, rowidx);
    return factors(j, s, 0, item, rowidx, k, err);
}

/* A copy of computed item it (text and unit too) in the context's item arena, or NULL. */
static const f2c_fp_item *keep_item(f2c_plan_ctx *c, const f2c_fp_item *it)
{
    f2c_fp_item *k = f2c_arena_alloc(&c->items, sizeof *k);
    if (!k) return NULL;
    *k = *it;
    k->node = NULL;
    if (it->text && !(k->text = f2c_arena_strndup(&c->items, it->text, it->len))) return NULL;
    if (it->unit && !(k->unit = f2c_arena_strndup(&c->items, it->unit, strlen(it->unit))))
        return NULL;
    return k;
}

/* Appends the items of a result to v as contexts: nodes of the document as they are, computed
 * values (and the %rowIndex constant's node, which is not the document's) as kept copies. */
static int push_items(f2c_plan_ctx *c, cvec *v, const f2c_fp_result *res)
{
    for (size_t i = 0; i < res->count; i++) {
        if (v->n == v->cap) {
            size_t cap = v->cap ? v->cap * 2 : 16;
            citem *a = realloc(v->v, cap * sizeof *a);
            if (!a) return -1;
            v->v = a;
            v->cap = cap;
        }
        const f2c_fp_item *it = &res->items[i];
        if (!it->node || it->node == c->rowindex) {
            const f2c_fp_item *k = keep_item(c, it);
            if (!k) return -1;
            v->v[v->n++] = (citem){NULL, NULL, k};
            continue;
        }
        const char *type = it->type;
        /* "Element" (unknown object type) adds nothing over inference. */
        if (type && strcmp(type, "Element") == 0) type = NULL;
        v->v[v->n++] = (citem){it->node, type, NULL};
    }
    return 0;
}

/* Every node reached by applying s->repeat recursively from ctx, in pre-order, into *out. */
static f2c_status collect_repeat(job *j, const f2c_plan_select *s, citem ctx, cvec *out,
                                 f2c_error *err)
{
    cvec *st = &j->c->stack;
    st->n = 0;
    citem cur = ctx;
    int have = 1, top = 1;
    while (have) {
        if (!top) {
            /* visit */
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 16;
                citem *a = realloc(out->v, cap * sizeof *a);
                if (!a) return nomem_err(err);
                out->v = a;
                out->cap = cap;
            }
            out->v[out->n++] = cur;
        }
        top = 0;
        size_t mark = st->n;
        for (size_t i = 0; i < s->nrepeat; i++) {
            f2c_fp_result res;
            f2c_error ee;
            f2c_status rs = eval(j, s->repeat[i], cur, 0, &res, &ee);
            if (rs == F2C_ENOMEM) return nomem_err(err);
            if (rs != F2C_OK) {
                eval_failed(j, F2C_ROW_NO_COLUMN,
                            say(j, "repeat expression \"%s\": %s", f2c_fp_source(s->repeat[i]),
                                ee.message));
                return F2C_EEVAL;
            }
            if (push_items(j->c, st, &res) != 0) return nomem_err(err);
        }
        /* children were pushed in order; reverse them so the first is popped first */
        for (size_t a = mark, b = st->n; a + 1 < b; a++, b--) {
            citem t = st->v[a];
            st->v[a] = st->v[b - 1];
            st->v[b - 1] = t;
        }
        have = st->n > 0;
        if (have) cur = st->v[--st->n];
        /* a JSON tree cannot cycle, and cJSON bounds its depth, so this terminates */
    }
    return F2C_OK;
}

/* Appends ".name[i]" to path, as f2c_buf_printf(".%s[%zu]") would but without its two
 * vsnprintf passes (this runs for every unrolled element). */
static int append_step(f2c_buf *path, const char *name, size_t i)
{
    char idx[24]; /* "[" 20 digits "]" at most */
    size_t k = sizeof idx;
    idx[--k] = ']';
    do {
        idx[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    idx[--k] = '[';
    size_t n = strlen(name);
    if (f2c_buf_reserve(path, 1 + n + sizeof idx - k) != 0) return -1;
    f2c_buf_appendc(path, '.');
    f2c_buf_append(path, name, n);
    f2c_buf_append(path, idx + k, sizeof idx - k);
    return 0;
}

/* Table-configuration unroll: member steps from `step`, arrays flattened, location tracked. */
static f2c_status unroll(job *j, const f2c_plan_select *s, const cJSON *node, size_t step,
                         int64_t rowidx, const frame *k, f2c_error *err)
{
    if (step == s->nsteps) return body(j, s, (citem){node, s->steps_type, NULL}, rowidx, k, err);
    const char *name = s->steps[step];
    const cJSON *m = member(node, name, NULL);
    if (!m) return F2C_OK;
    f2c_buf *path = &j->c->path;
    size_t mark = path->len;
    size_t i = 0;
    const cJSON *e = is_type(m, cJSON_Array) ? m->child : m;
    for (; e; e = is_type(m, cJSON_Array) ? e->next : NULL, i++) {
        if (is_type(e, cJSON_NULL)) continue;
        if (append_step(path, name, i) != 0) return nomem_err(err);
        f2c_status st = unroll(j, s, e, step + 1, (int64_t)i, k, err);
        path->len = mark;
        path->data[mark] = '\0';
        if (st != F2C_OK) return st;
    }
    return F2C_OK;
}

/*
 * The row of a forEachOrNull over nothing, SQL on FHIR v2 "Processing Algorithm", Process(S, N)
 * step 3: every column of the select's subtree (its own, its nested selects', its unionAll's)
 * bound to null, "except for columns with path %rowIndex, which should be bound to 0"; one row,
 * whatever the subtree iterates.  (The JavaScript reference implementation instead evaluates
 * the select over an empty context, so a nested forEach gives no row at all, and a column
 * whose path does not read its context -- a literal, getResourceKey() -- keeps its value;
 * docs/views.md.)
 */
static void null_row(job *j, const f2c_plan_select *s)
{
    for (size_t i = 0; i < s->ncolumns; i++) {
        const f2c_plan_column *cd = &s->columns[i];
        const char *src = cd->expr ? f2c_fp_source(cd->expr) : NULL;
        j->c->borrowed[cd->slot] = NULL;
        if (src && strcmp(src, "%" F2C_PLAN_ROWINDEX) == 0)
            set_text(j, cd->slot, "0", 1);
        else
            set_null(j, cd->slot);
    }
    for (size_t i = 0; i < s->nselects; i++)
        null_row(j, s->selects[i]);
    if (s->nunions) null_row(j, s->unions[0]); /* every branch writes the first's slots */
}

static f2c_status run_select(job *j, const f2c_plan_select *s, citem item, int64_t rowidx,
                             const frame *k, f2c_error *err)
{
    f2c_status st;
    for (size_t i = 0; i < s->nwhere; i++) {
        f2c_fp_result res;
        f2c_error ee;
        st = eval(j, s->where[i], item, rowidx, &res, &ee);
        if (st == F2C_ENOMEM) return nomem_err(err);
        if (st != F2C_OK)
            return eval_failed(j, F2C_ROW_NO_COLUMN,
                               say(j, "where \"%s\": %s", f2c_fp_source(s->where[i]), ee.message))
                       ? F2C_EEVAL
                       : F2C_OK;
        if (res.count == 0) return F2C_OK;
        if (res.count > 1 || res.items[0].kind != F2C_FP_BOOLEAN)
            return spec_error(j, F2C_ROW_NO_COLUMN,
                              say(j, "where \"%s\" must give a single Boolean, got %s",
                                  f2c_fp_source(s->where[i]),
                                  res.count > 1 ? "several items" : res.items[0].type))
                       ? F2C_EEVAL
                       : F2C_OK;
        if (!res.items[0].i) return F2C_OK;
    }
    switch (s->iter) {
    case F2C_PLAN_ITER_NONE:
        return body(j, s, item, rowidx, k, err);
    case F2C_PLAN_ITER_STEPS: {
        f2c_buf *path = &j->c->path;
        size_t mark = path->len;
        if (mark == 0 && f2c_buf_appends(path, j->resource_type) != 0) return nomem_err(err);
        st = unroll(j, s, item.node, 0, rowidx, k, err);
        path->len = mark;
        if (path->data) path->data[mark] = '\0';
        return st;
    }
    case F2C_PLAN_ITER_FOREACH:
    case F2C_PLAN_ITER_FOREACH_OR_NULL:
    case F2C_PLAN_ITER_REPEAT:
        break;
    }
    cvec *v = &j->c->vecs[j->depth];
    v->n = 0;
    if (s->iter == F2C_PLAN_ITER_REPEAT) {
        st = collect_repeat(j, s, item, v, err);
        if (st == F2C_EEVAL) return j->failed ? F2C_EEVAL : F2C_OK;
        if (st != F2C_OK) return st;
    } else {
        f2c_fp_result res;
        f2c_error ee;
        st = eval(j, s->iter_expr, item, rowidx, &res, &ee);
        if (st == F2C_ENOMEM) return nomem_err(err);
        if (st != F2C_OK)
            return eval_failed(
                       j, F2C_ROW_NO_COLUMN,
                       say(j, "forEach \"%s\": %s", f2c_fp_source(s->iter_expr), ee.message))
                       ? F2C_EEVAL
                       : F2C_OK;
        if (push_items(j->c, v, &res) != 0) return nomem_err(err);
    }
    if (v->n == 0) {
        if (s->iter != F2C_PLAN_ITER_FOREACH_OR_NULL) return F2C_OK;
        null_row(j, s);
        return resume(j, k, err);
    }
    j->depth++;
    st = F2C_OK;
    for (size_t i = 0; i < v->n && st == F2C_OK; i++)
        st = body(j, s, v->v[i], (int64_t)i, k, err);
    j->depth--;
    return st;
}

f2c_status f2c_plan_resource(f2c_plan_ctx *c, f2c_doc *doc, const cJSON *root,
                             const char *resource_type, const char *resource_id,
                             const char *identity, const f2c_row_sink *sink, f2c_error *err)
{
    const rtentry *e = find_rt(c->p, resource_type);
    if (!e) return F2C_OK;
    f2c_arena_reset(&c->items); /* the previous resource's computed items */
    for (size_t k = 0; k < e->n; k++) {
        size_t ti = e->tables[k];
        const ptable *pt = &c->p->tables[ti];
        if (!pt->root) continue;
        job j = {.c = c,
                 .doc = doc,
                 .pt = pt,
                 .table = ti,
                 .sink = sink,
                 .root = root,
                 .resource_type = resource_type,
                 .resource_id = resource_id,
                 .identity = identity ? identity : ""};
        f2c_buf_reset(&c->path);
        f2c_status st = run_select(&j, pt->root, (citem){root, NULL, NULL}, 0, NULL, err);
        if ((st == F2C_OK || st == F2C_EEVAL) && j.failed && !j.nomem) {
            /* spec_error: reported once; the rows given for this table are void */
            sink->error(sink->ud, ti, j.fail_slot, resource_type, c->fail.data);
            continue;
        }
        if (st == F2C_EEVAL) st = nomem_err(err); /* failed, but its message was not kept */
        if (st != F2C_OK) return st;
    }
    return F2C_OK;
}
