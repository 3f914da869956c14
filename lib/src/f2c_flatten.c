/*
 * f2c_flatten: see f2c_flatten.h.
 *
 * Why a prefix tree: a generated table has a hundred or more columns whose paths share
 * prefixes (NameFamily, NameGiven, NamePeriodStart all start at `name`).  Evaluating column by
 * column would look `name` up once per column; the tree looks each element up once per row and
 * then renders every column attached to it.  Column output positions are fixed by declaration
 * order (f2c_table), independent of the tree's shape.
 *
 * Why no allocation per row: cell texts go into per-context buffers that are reset, not freed,
 * between rows; the FhirPath of an unrolled element is built in one buffer that grows and is
 * truncated back as the traversal returns.
 */
#include "fhir2cdm/f2c_flatten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_render.h"

typedef struct pnode {
    const char *name; /* element name; NULL at the root */
    const char *alt;  /* choice-type spelling to try when name is absent, or NULL */
    struct pnode **kids;
    size_t nkids;
    size_t *leaves; /* user column indices attached here */
    size_t nleaves;
} pnode;

typedef struct tplan {
    const f2c_table *t;
    pnode root;
    f2c_fp_expr **exprs; /* per user column: the compiled fhirExpression, or NULL */
} tplan;

typedef struct rtentry {
    const char *rt;
    size_t *tables; /* tableset indices, in tableset order */
    size_t n;
} rtentry;

struct f2c_flatten {
    const f2c_tableset *ts;
    tplan *plans;
    rtentry *rts; /* sorted by rt */
    size_t nrts;
    size_t max_width;
};

struct f2c_flatten_ctx {
    const f2c_flatten *f;
    f2c_buf *cells; /* max_width buffers */
    const char **ptrs;
    size_t *lens;
    f2c_buf path; /* FhirPath of the current element */
    f2c_buf key;  /* RowId hash input */
    f2c_fp_ctx *fp; /* FHIRPath evaluation arena */
    char rowid[40];
};

/* ---- plan building ---------------------------------------------------------------------- */

static int streq_null(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static void pnode_free(pnode *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        pnode_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    free(n->leaves);
}

static pnode *pnode_child(pnode *n, const f2c_step *s)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (strcmp(n->kids[i]->name, s->name) == 0 && streq_null(n->kids[i]->alt, s->alt))
            return n->kids[i];
    pnode **kids = realloc(n->kids, (n->nkids + 1) * sizeof *kids);
    if (!kids) return NULL;
    n->kids = kids;
    pnode *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->name = s->name;
    k->alt = s->alt;
    n->kids[n->nkids++] = k;
    return k;
}

static int pnode_add_leaf(pnode *n, size_t col)
{
    size_t *l = realloc(n->leaves, (n->nleaves + 1) * sizeof *l);
    if (!l) return -1;
    n->leaves = l;
    n->leaves[n->nleaves++] = col;
    return 0;
}

static int rtcmp(const void *a, const void *b)
{
    return strcmp(((const rtentry *)a)->rt, ((const rtentry *)b)->rt);
}

static f2c_status nomem(f2c_diags *diags)
{
    f2c_error e;
    f2c_error_set(&e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory compiling the tables");
    if (diags) f2c_diags_add(diags, &e);
    return F2C_ENOMEM;
}

/* Splits a column origin "file#pointer" into its parts (pointer may be NULL). */
static void split_origin(const f2c_table *t, const f2c_column *c, char *file, size_t n,
                         const char **ptr)
{
    *ptr = NULL;
    snprintf(file, n, "%s", c->origin ? c->origin : t->file);
    char *hash = strchr(file, '#');
    if (hash && c->origin) {
        *hash = '\0';
        *ptr = c->origin + (hash - file) + 1;
    }
}

/* Compiles column c's fhirExpression; a compile error goes to diags with the column's origin. */
static f2c_status compile_expression(const f2c_table *t, const f2c_column *c, f2c_fp_expr **out,
                                     f2c_diags *diags)
{
    f2c_error ce;
    f2c_error_clear(&ce);
    f2c_status st = f2c_fp_compile(c->fhir_expression, NULL, out, &ce);
    if (st == F2C_OK || st == F2C_ENOMEM) return st;
    f2c_error e;
    char file[512];
    const char *ptr;
    split_origin(t, c, file, sizeof file, &ptr);
    f2c_error_set(&e, F2C_ECONFIG, file, 0, 0, ptr,
                  "table \"%s\" column \"%s\": fhirExpression \"%s\" at character %ld: %s",
                  t->name, c->name, c->fhir_expression, ce.column, ce.message);
    f2c_diags_add(diags, &e);
    return F2C_ECONFIG;
}

f2c_status f2c_flatten_new(const f2c_tableset *ts, f2c_flatten **out, f2c_diags *diags)
{
    *out = NULL;
    f2c_flatten *f = calloc(1, sizeof *f);
    if (!f) return nomem(diags);
    int bad = 0;
    f->ts = ts;
    f->plans = calloc(ts->count ? ts->count : 1, sizeof *f->plans);
    f->rts = calloc(ts->count ? ts->count : 1, sizeof *f->rts);
    if (!f->plans || !f->rts) goto oom;
    for (size_t i = 0; i < ts->count; i++) {
        const f2c_table *t = &ts->tables[i];
        tplan *p = &f->plans[i];
        p->t = t;
        size_t w = f2c_table_width(t);
        if (w > f->max_width) f->max_width = w;
        p->exprs = calloc(t->ncolumns ? t->ncolumns : 1, sizeof *p->exprs);
        if (!p->exprs) goto oom;
        for (size_t j = 0; j < t->ncolumns; j++) {
            if (!t->columns[j].fhir_expression) continue;
            f2c_status st = compile_expression(t, &t->columns[j], &p->exprs[j], diags);
            if (st == F2C_ENOMEM) goto oom;
            if (st != F2C_OK) bad = 1;
        }
        for (size_t j = 0; j < t->ncolumns; j++) {
            pnode *n = &p->root;
            for (size_t k = 0; k < t->columns[j].npath && n; k++)
                n = pnode_child(n, &t->columns[j].path[k]);
            if (!n || pnode_add_leaf(n, j) != 0) goto oom;
        }
        rtentry *e = NULL;
        for (size_t k = 0; k < f->nrts; k++)
            if (strcmp(f->rts[k].rt, t->resource_type) == 0) e = &f->rts[k];
        if (!e) {
            e = &f->rts[f->nrts++];
            e->rt = t->resource_type;
        }
        size_t *tabs = realloc(e->tables, (e->n + 1) * sizeof *tabs);
        if (!tabs) goto oom;
        e->tables = tabs;
        e->tables[e->n++] = i;
    }
    qsort(f->rts, f->nrts, sizeof *f->rts, rtcmp);
    if (bad) {
        f2c_flatten_free(f);
        return F2C_ECONFIG;
    }
    *out = f;
    return F2C_OK;
oom:
    f2c_flatten_free(f);
    return nomem(diags);
}

void f2c_flatten_free(f2c_flatten *f)
{
    if (!f) return;
    if (f->plans)
        for (size_t i = 0; i < f->ts->count; i++) {
            pnode_free(&f->plans[i].root);
            if (f->plans[i].exprs)
                for (size_t j = 0; j < f->ts->tables[i].ncolumns; j++)
                    f2c_fp_free(f->plans[i].exprs[j]);
            free(f->plans[i].exprs);
        }
    if (f->rts)
        for (size_t i = 0; i < f->nrts; i++) free(f->rts[i].tables);
    free(f->plans);
    free(f->rts);
    free(f);
}

static const rtentry *find_rt(const f2c_flatten *f, const char *rt)
{
    rtentry key = {.rt = rt};
    return bsearch(&key, f->rts, f->nrts, sizeof *f->rts, rtcmp);
}

size_t f2c_flatten_tables_for(const f2c_flatten *f, const char *rt)
{
    const rtentry *e = find_rt(f, rt);
    return e ? e->n : 0;
}

/* ---- evaluation ------------------------------------------------------------------------- */

f2c_flatten_ctx *f2c_flatten_ctx_new(const f2c_flatten *f)
{
    f2c_flatten_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->f = f;
    size_t w = f->max_width ? f->max_width : 1;
    c->cells = calloc(w, sizeof *c->cells);
    c->ptrs = calloc(w, sizeof *c->ptrs);
    c->lens = calloc(w, sizeof *c->lens);
    c->fp = f2c_fp_ctx_new();
    if (!c->cells || !c->ptrs || !c->lens || !c->fp) {
        f2c_flatten_ctx_free(c);
        return NULL;
    }
    return c;
}

void f2c_flatten_ctx_free(f2c_flatten_ctx *c)
{
    if (!c) return;
    if (c->cells)
        for (size_t i = 0; i < (c->f->max_width ? c->f->max_width : 1); i++)
            f2c_buf_free(&c->cells[i]);
    free(c->cells);
    free(c->ptrs);
    free(c->lens);
    f2c_buf_free(&c->path);
    f2c_buf_free(&c->key);
    f2c_fp_ctx_free(c->fp);
    free(c);
}

typedef struct rowjob {
    f2c_flatten_ctx *c;
    f2c_doc *doc;
    const tplan *p;
    size_t table;
    size_t reserved;
    const f2c_row_sink *sink;
    const cJSON *root; /* the resource (%resource) */
    const char *resource_type;
    const char *resource_id;
    const char *identity;
    int nomem;
} rowjob;

static const cJSON *member(const cJSON *obj, const char *name, const char *alt)
{
    if (!cJSON_IsObject(obj)) return NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    if ((!m || cJSON_IsNull(m)) && alt) m = cJSON_GetObjectItemCaseSensitive(obj, alt);
    if (m && cJSON_IsNull(m)) return NULL;
    return m;
}

static const cJSON *first(const cJSON *v)
{
    if (cJSON_IsArray(v)) {
        v = v->child;
        while (v && cJSON_IsNull(v)) v = v->next;
    }
    return v;
}

/* raw: the element as found (an array for repeating elements), or NULL. */
static void eval_node(rowjob *j, const pnode *n, const cJSON *raw)
{
    const cJSON *val = first(raw);
    for (size_t i = 0; i < n->nleaves; i++) {
        size_t col = n->leaves[i];
        const f2c_column *cd = &j->p->t->columns[col];
        f2c_buf *cell = &j->c->cells[j->reserved + col];
        const char *why = NULL;
        f2c_render_result r;
        const f2c_fp_expr *expr = j->p->exprs[col];
        f2c_error ee;
        if (expr) {
            /* fhirExpression: evaluated with the node at the column's path as context (the
             * original tool's rule); the first result is the cell, or all of them for `array`. */
            f2c_fp_result res;
            f2c_error_clear(&ee);
            f2c_status st = f2c_fp_eval(j->c->fp, expr, j->doc, val, NULL, j->root, NULL, 0,
                                        &res, &ee);
            if (st == F2C_ENOMEM) {
                r = F2C_RENDER_NOMEM;
            } else if (st != F2C_OK) {
                r = F2C_RENDER_MISMATCH;
                why = ee.message;
            } else if (cd->type == F2C_T_ARRAY) {
                r = f2c_render_fp_collection(j->doc, &res, cell);
            } else {
                r = f2c_render_fp_item(j->doc, res.count ? &res.items[0] : NULL, cd->type, cell,
                                       &why);
            }
        } else {
            r = f2c_render_value(j->doc, cd->type == F2C_T_ARRAY ? raw : val, cd->type, cell, &why);
        }
        if (r == F2C_RENDER_NOMEM) j->nomem = 1;
        if (r == F2C_RENDER_MISMATCH && j->sink->warn)
            j->sink->warn(j->sink->ud, j->table, j->reserved + col,
                          j->c->path.len ? j->c->path.data : j->resource_type,
                          why ? why : "value does not match the column type");
    }
    for (size_t i = 0; i < n->nkids; i++) {
        const pnode *k = n->kids[i];
        eval_node(j, k, val ? member(val, k->name, k->alt) : NULL);
    }
}

static void set_cell(f2c_flatten_ctx *c, size_t i, const char *s, size_t n)
{
    c->ptrs[i] = s;
    c->lens[i] = n;
}

static const char *make_rowid(rowjob *j)
{
    f2c_flatten_ctx *c = j->c;
    f2c_buf_reset(&c->key);
    if (f2c_buf_appends(&c->key, j->p->t->name) || f2c_buf_appendc(&c->key, '\0') ||
        f2c_buf_appends(&c->key, j->identity) || f2c_buf_appendc(&c->key, '\0') ||
        f2c_buf_append(&c->key, c->path.data, c->path.len)) {
        j->nomem = 1;
        return "";
    }
    XXH128_hash_t h = XXH3_128bits(c->key.data, c->key.len);
    snprintf(c->rowid, sizeof c->rowid, "%08x-%04x-%04x-%04x-%012llx",
             (unsigned)(h.high64 >> 32), (unsigned)(h.high64 >> 16) & 0xffffu,
             (unsigned)h.high64 & 0xffffu, (unsigned)(h.low64 >> 48),
             (unsigned long long)(h.low64 & 0xffffffffffffull));
    return c->rowid;
}

static f2c_status emit(rowjob *j, const cJSON *node, f2c_error *err)
{
    f2c_flatten_ctx *c = j->c;
    const f2c_table *t = j->p->t;
    size_t w = j->reserved + t->ncolumns;
    for (size_t i = j->reserved; i < w; i++) f2c_buf_reset(&c->cells[i]);
    eval_node(j, &j->p->root, node);
    const char *rid = j->resource_id ? j->resource_id : "";
    if (j->reserved == 1) {
        set_cell(c, 0, rid, strlen(rid));
    } else {
        const char *rowid = make_rowid(j);
        set_cell(c, 0, rowid, strlen(rowid));
        set_cell(c, 1, rid, strlen(rid));
        set_cell(c, 2, c->path.data, c->path.len);
        size_t parent = c->path.len;
        while (parent > 0 && c->path.data[parent - 1] != '.') parent--;
        set_cell(c, 3, c->path.data, parent ? parent - 1 : 0);
    }
    if (j->nomem) return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t i = j->reserved; i < w; i++) {
        c->ptrs[i] = c->cells[i].data ? c->cells[i].data : "";
        c->lens[i] = c->cells[i].len;
    }
    return j->sink->row(j->sink->ud, j->table, c->ptrs, c->lens, err);
}

static f2c_status unroll(rowjob *j, const cJSON *node, size_t step, f2c_error *err)
{
    const f2c_table *t = j->p->t;
    if (step == t->nunroll) return emit(j, node, err);
    const char *name = t->unroll[step];
    const cJSON *m = member(node, name, NULL);
    if (!m) return F2C_OK;
    f2c_buf *path = &j->c->path;
    size_t mark = path->len;
    size_t i = 0;
    const cJSON *e = cJSON_IsArray(m) ? m->child : m;
    for (; e; e = cJSON_IsArray(m) ? e->next : NULL, i++) {
        if (cJSON_IsNull(e)) continue;
        if (f2c_buf_printf(path, ".%s[%zu]", name, i) != 0)
            return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        f2c_status st = unroll(j, e, step + 1, err);
        path->len = mark;
        path->data[mark] = '\0';
        if (st != F2C_OK) return st;
    }
    return F2C_OK;
}

f2c_status f2c_flatten_resource(f2c_flatten_ctx *c, f2c_doc *doc, const cJSON *root,
                                const char *resource_type, const char *resource_id,
                                const char *identity, const f2c_row_sink *sink, f2c_error *err)
{
    const rtentry *e = find_rt(c->f, resource_type);
    if (!e) return F2C_OK;
    for (size_t k = 0; k < e->n; k++) {
        size_t ti = e->tables[k];
        rowjob j = {.c = c,
                    .doc = doc,
                    .p = &c->f->plans[ti],
                    .table = ti,
                    .reserved = f2c_table_reserved_count(&c->f->ts->tables[ti]),
                    .sink = sink,
                    .root = root,
                    .resource_type = resource_type,
                    .resource_id = resource_id,
                    .identity = identity ? identity : ""};
        f2c_buf_reset(&c->path);
        f2c_status st;
        if (j.p->t->nunroll == 0) {
            st = emit(&j, root, err);
        } else {
            if (f2c_buf_appends(&c->path, resource_type) != 0)
                return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            st = unroll(&j, root, 0, err);
        }
        if (st != F2C_OK) return st;
    }
    return F2C_OK;
}
