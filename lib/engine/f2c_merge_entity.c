/*
 * f2c_merge_entity: one entity of a merge (f2c_merge_int.h): which committed partitions hold
 * replaced or deleted resources (the resource index, f2c_merge_index.h), their copy-on-write
 * rewrites, this run's partitions placed, compaction, and the entity's new index.  Why a file of
 * its own: this is the part of a merge whose cost is the change (docs/cdm-folder.md, "Merge
 * mode"), and it runs on several threads at once, each on its own entity -- nothing here touches
 * another entity's state.
 */
#include "f2c_merge_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "f2c_merge_index.h"
#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"

static f2c_status nomem(ctx *c)
{
    return f2c_error_set(c->err, F2C_ENOMEM, c->shown, 0, 0, NULL, "out of memory");
}

/* Appends a copy of s to list *v (n, cap); 0 or -1. */
static int list_add(char ***v, size_t *n, size_t *cap, const char *s)
{
    char *copy = strdup(s);
    if (!copy || f2c_merge_grow((void **)v, cap, *n, sizeof **v) != 0) {
        free(copy);
        return -1;
    }
    (*v)[(*n)++] = copy;
    return 0;
}

static int add_remove(ctx *c, const char *loc)
{
    return list_add(&c->out->removes, &c->out->nremoves, &c->cap_removes, loc);
}

/* Staged partition `staged` is published at `target`. */
static int add_staged(ctx *c, const char *staged, const char *target)
{
    size_t n = c->out->nstaged, cap = c->cap_staged;
    if (list_add(&c->out->staged, &c->out->nstaged, &c->cap_staged, staged) != 0) return -1;
    return list_add(&c->out->targets, &n, &cap, target);
}

/* The entity's partitions in the record: sorted, each a file of data/<entity>/. */
typedef struct locs {
    char **v;
    size_t n, cap;
} locs;

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has(const locs *l, const char *s)
{
    return l->n && bsearch(&s, l->v, l->n, sizeof *l->v, str_cmp) != NULL;
}

/* What the new index of an entity is made of: its partitions and entries (y), the names its
 * partitions take. */
/* The cut (superseded or deleted) entries of one committed partition, and once sorted by first
 * row their prefix sums: rows[k] / bytes[k] cut before cut k. */
typedef struct cuts {
    mi_entry **v;
    size_t n, cap;
    unsigned long long *rows, *bytes;
} cuts;

typedef struct entity_job {
    const f2c_table *t;
    locs old, taken;
    mi_index x, y;  /* the committed index; the new one */
    mi_index fresh; /* entries of this run's partitions (then merged into y) */
    char **ystaged; /* per partition of y: its path in the staging folder, NULL if committed */
    cuts *cuts;     /* per partition of x */
    size_t *newidx; /* per partition of x: its partition in y, NO_PART when dropped */
    unsigned long long hdr; /* bytes of the header record (formats whose rows are byte ranges) */
} entity_job;

/* A stretch of a partition's rows (one resource's): rows [first, first + n), bytes [off,
 * off + len) when the format's rows are byte ranges; cut: left out of the rewrite.  A
 * partition's segments, in row order, are its whole content after the header. */
typedef struct seg {
    unsigned long long first, n, off, len;
    int cut;
    const char *id; /* the resource (borrowed) */
} seg;

/* Cut rows are left out while rows are copied through a new partition (the row path). */
typedef struct row_copy {
    f2c_sink_part *out;
    const seg *s;
    size_t ns, k;
    unsigned long long row, kept;
} row_copy;

static f2c_status copy_row(void *ud, size_t n, const char *const *cells, const size_t *lens,
                           f2c_error *err)
{
    row_copy *r = ud;
    unsigned long long i = r->row++;
    while (r->k < r->ns && i >= r->s[r->k].first + r->s[r->k].n)
        r->k++;
    if (r->k < r->ns && i >= r->s[r->k].first && r->s[r->k].cut) return F2C_OK;
    r->kept++;
    return f2c_sink_row(r->out, n, cells, lens, err);
}

/* The row path: src's rows read back by the format and written again except the cut ones. */
static f2c_status rewrite_rows(ctx *c, const f2c_table *t, int src, const char *src_shown,
                               const seg *s, size_t ns, const char *dir, const char *name,
                               unsigned long long *kept)
{
    row_copy r = {.s = s, .ns = ns};
    f2c_status st = f2c_sink_open(c->a->sink, c->a->tx, dir, name, t, NULL, NULL, &r.out, c->err);
    if (st == F2C_OK) st = f2c_sink_header(r.out, c->err);
    if (st == F2C_OK) st = f2c_sink_read(c->a->sink, src, t, src_shown, copy_row, &r, c->err);
    if (st != F2C_OK || r.kept == 0) {
        f2c_sink_abort(r.out);
        *kept = 0;
        return st;
    }
    *kept = r.kept;
    return f2c_sink_finish(r.out, c->err);
}

/* Copies src's header (its bytes before the first segment) and the kept segments' bytes to fd:
 * runs of adjacent kept segments as one range each, all gathered into a few writes. */
static int copy_kept(int src, int fd, const seg *s, size_t ns, unsigned long long *pending)
{
    f2c_fs_range *r = malloc((ns + 1) * sizeof *r);
    if (!r) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = 0;
    if (s[0].off) r[n++] = (f2c_fs_range){0, s[0].off};
    for (size_t i = 0; i < ns;) {
        if (s[i].cut) {
            i++;
            continue;
        }
        unsigned long long off = s[i].off, end = s[i].off + s[i].len;
        while (++i < ns && !s[i].cut)
            end = s[i].off + s[i].len; /* tiled: s[i].off is the previous end */
        if (n && r[n - 1].off + r[n - 1].len == off)
            r[n - 1].len += end - off; /* the header and a first kept run */
        else
            r[n++] = (f2c_fs_range){off, end - off};
    }
    int rc = f2c_fs_copy_ranges(src, r, n, fd, pending);
    int e = errno;
    free(r);
    errno = e;
    return rc;
}

/* The byte path (CSV): the header and the kept segments' bytes copied as they are, no row parsed;
 * the segments must tile the file after the header exactly (else the index does not describe it:
 * F2C_EIO, nothing staged). */
static f2c_status rewrite_bytes(ctx *c, int src, const char *src_shown, const seg *s, size_t ns,
                                const char *dir, const char *name, unsigned long long *kept)
{
    struct stat sb;
    int tiled = ns > 0 && fstat(src, &sb) == 0;
    for (size_t i = 1; tiled && i < ns; i++)
        tiled =
            s[i].off == s[i - 1].off + s[i - 1].len && s[i].first == s[i - 1].first + s[i - 1].n;
    if (!tiled || s[ns - 1].off + s[ns - 1].len != (unsigned long long)sb.st_size || s[0].first)
        return f2c_error_set(c->err, F2C_EIO, src_shown, 0, 0, NULL,
                             "the resource index does not describe this partition's rows; "
                             "nothing written");
    *kept = 0;
    for (size_t i = 0; i < ns; i++)
        *kept += s[i].cut ? 0 : s[i].n;
    if (*kept == 0) return F2C_OK;
    int fd;
    f2c_status st = f2c_commit_stage(c->a->tx, dir, name, &fd, c->err);
    if (st != F2C_OK) return st;
    unsigned long long pending = 0;
    if (copy_kept(src, fd, s, ns, &pending) != 0) {
        int e = errno;
        f2c_commit_discard(c->a->tx, dir, name, fd);
        return f2c_error_set(c->err, F2C_EIO, src_shown, 0, 0, NULL, "cannot copy rows: %s",
                             strerror(e));
    }
    return f2c_commit_close(c->a->tx, dir, name, fd, c->err);
}

/* Stages dir/name holding src's rows except the cut segments' (nothing when no row is kept);
 * *kept rows, *bytes the staged file's size. */
static f2c_status rewrite(ctx *c, const f2c_table *t, int src, const char *src_shown, const seg *s,
                          size_t ns, const char *dir, const char *name, unsigned long long *kept,
                          unsigned long long *bytes)
{
    f2c_status st = c->a->sink->ops->offset
                        ? rewrite_bytes(c, src, src_shown, s, ns, dir, name, kept)
                        : rewrite_rows(c, t, src, src_shown, s, ns, dir, name, kept);
    *bytes = 0;
    if (st != F2C_OK || !*kept) return st;
    f2c_buf rel = {0};
    struct stat sb;
    int fd = f2c_buf_printf(&rel, "%s/%s", dir, name) == 0
                 ? f2c_commit_open_staged(c->a->tx, rel.data)
                 : -1;
    *bytes = fd >= 0 && fstat(fd, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
    if (fd >= 0) close(fd);
    f2c_buf_free(&rel);
    return st;
}

/* Opens committed partition loc for reading (no link followed); -1 with errno.  Only its header
 * or footer may be read: in a mirror of a remote folder the rest may not be there yet. */
static int open_head(ctx *c, const char *loc)
{
    const char *slash = strrchr(loc, '/');
    char dir[4096];
    size_t dl = (size_t)(slash - loc);
    if (!slash || dl >= sizeof dir) return -1;
    memcpy(dir, loc, dl);
    dir[dl] = '\0';
    int dfd = f2c_fs_dir_at(c->outfd, dir, 0, 0);
    int fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, slash + 1) : -1;
    int e = errno;
    if (dfd >= 0) close(dfd);
    errno = e;
    return fd;
}

/* Opens committed partition loc for reading in full: fetched first when the folder is a mirror
 * of a remote one (f2c_merge_args.fetch); -1 with errno (EIO: the fetch failed, said on the
 * log). */
static int open_committed(ctx *c, const char *loc)
{
    char why[512];
    if (f2c_fs_fetch(c->a->fetch, loc, why, sizeof why) != 0) {
        if (c->a->log) fprintf(c->a->log, "error: %s\n", why);
        errno = EIO;
        return -1;
    }
    return open_head(c, loc);
}

#define PREFIX "partition-data-"

/* The name of the rewrite of committed partition `file` of e (mark 'm'), or of a compaction (file
 * NULL, stem "compacted", mark 'c'): its escaped stem, this run's operation id and ".<mark><k>",
 * k the smallest giving a name no committed or staged partition of the entity has
 * ("partition-data-Patient.000-<opid>.m1.csv").  0, -1 (out of memory) or -2 (no name fits 255
 * bytes). */
static int rewrite_name(ctx *c, entity_job *e, const char *file, char mark, f2c_buf *name,
                        f2c_buf *loc)
{
    const char *stem = file, *end = NULL;
    if (file && strncmp(file, PREFIX, strlen(PREFIX)) == 0) {
        stem = file + strlen(PREFIX);
        end = strchr(stem, '-');
    }
    size_t sl = end ? (size_t)(end - stem) : 0;
    for (unsigned k = 1; k < 1000000; k++) {
        f2c_buf_reset(name);
        f2c_buf_reset(loc);
        if (f2c_buf_appends(name, PREFIX) != 0 ||
            (sl ? f2c_buf_append(name, stem, sl) : f2c_buf_appends(name, "compacted")) != 0 ||
            f2c_buf_printf(name, "-%s.%c%u%s", c->a->opid, mark, k, c->ext) != 0 ||
            f2c_buf_printf(loc, "data/%s/%s", e->t->entity, name->data) != 0)
            return -1;
        int used = has(&e->old, loc->data);
        for (size_t i = 0; !used && i < e->taken.n; i++)
            used = strcmp(e->taken.v[i], loc->data) == 0;
        if (used) continue;
        if (name->len > F2C_CDM_NAME_MAX) return -2;
        return list_add(&e->taken.v, &e->taken.n, &e->taken.cap, loc->data);
    }
    return -2;
}

/* Appends partition loc (published location; staged: its staging path, NULL when committed) to
 * e->y; its index there in *at.  from: the committed partition it is, carried as it is (its
 * segment kept), else NULL (a new partition: its entries are e->y's).  0 or -1. */
static int add_part(entity_job *e, const char *loc, const char *staged, unsigned long long rows,
                    unsigned long long bytes, const mi_part *from, size_t *at)
{
    mi_part *p = realloc(e->y.parts, (e->y.nparts + 1) * sizeof *p);
    if (p) e->y.parts = p;
    char **sp = p ? realloc(e->ystaged, (e->y.nparts + 1) * sizeof *sp) : NULL;
    if (sp) e->ystaged = sp;
    char *copy = sp ? strdup(loc) : NULL, *scopy = staged && copy ? strdup(staged) : NULL;
    if (!copy || (staged && !scopy)) {
        free(copy);
        return -1;
    }
    p[e->y.nparts] = (mi_part){.loc = copy, .rows = rows, .bytes = bytes, .loaded = 1};
    if (from) {
        memcpy(p[e->y.nparts].seg, from->seg, sizeof from->seg);
        memcpy(p[e->y.nparts].filter, from->filter, sizeof from->filter);
        p[e->y.nparts].loaded = from->loaded;
    }
    sp[e->y.nparts] = scopy;
    *at = e->y.nparts++;
    return 0;
}

/* The kept segments (this run's runs) become entries of partition `to` in e->fresh: rows and
 * bytes shifted down by the cut ones before them. */
static int carry_segs(entity_job *e, const seg *s, size_t ns, size_t to)
{
    unsigned long long rows = 0, bytes = 0;
    for (size_t i = 0; i < ns; i++) {
        if (s[i].cut) {
            rows += s[i].n;
            bytes += s[i].len;
        } else if (mi_add(&e->fresh, s[i].id, to, s[i].first - rows, s[i].n,
                          s[i].len ? s[i].off - bytes : 0, s[i].len) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Stages the rewrite of src (a committed partition or this run's staged one, shown as src_shown)
 * at dir/name = loc without its cut segments as partition `target` of e->y (*at; staged: its
 * staging path); with carry, the kept segments become its entries in e->fresh.  *kept rows stay
 * (0: nothing staged, *at unset). */
static f2c_status rewrite_into(ctx *c, entity_job *e, int src, const char *src_shown, const seg *s,
                               size_t ns, const char *loc, const char *staged, const char *target,
                               int carry, unsigned long long *kept, size_t *at)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "data/%s", e->t->entity);
    unsigned long long bytes = 0;
    f2c_status st =
        rewrite(c, e->t, src, src_shown, s, ns, dir, strrchr(loc, '/') + 1, kept, &bytes);
    if (st == F2C_OK && *kept &&
        (add_part(e, target, staged, *kept, bytes, NULL, at) != 0 ||
         (carry && carry_segs(e, s, ns, *at) != 0)))
        st = nomem(c);
    return st;
}

#define NO_PART ((size_t)-1)

static int by_first(const void *a, const void *b)
{
    const mi_entry *x = *(const mi_entry *const *)a, *y = *(const mi_entry *const *)b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* The segments of committed partition p with cuts pc (sorted by first row): the kept stretches
 * between the cuts and the cuts themselves, tiling rows [0, rows) and bytes [hdr, bytes). */
static seg *old_segs(const entity_job *e, const mi_part *p, const cuts *pc, size_t *ns)
{
    seg *s = malloc((2 * pc->n + 1) * sizeof *s);
    unsigned long long row = 0, off = e->hdr;
    *ns = 0;
    for (size_t k = 0; s && k <= pc->n; k++) {
        const mi_entry *x = k < pc->n ? pc->v[k] : NULL;
        unsigned long long first = x ? x->first : p->rows, at = x ? x->off : p->bytes;
        if (first > row)
            s[(*ns)++] = (seg){row, first - row, e->hdr ? off : 0, e->hdr ? at - off : 0, 0, NULL};
        if (!x) break;
        s[(*ns)++] = (seg){x->first, x->n, x->off, x->len, 1, x->id};
        row = x->first + x->n;
        off = x->off + x->len;
    }
    return s;
}

/* One committed partition (index i of e->x): carried as it is when none of its resources is
 * cut, else rewritten without the cut rows into a new partition (and removed after the commit);
 * e->newidx[i] is where it went in e->y (NO_PART: nothing kept). */
/* Whether committed partition loc still fits table t as the sink writes it now (f2c_sink_matches:
 * CSV its header record, Parquet its schema): 1, 0, or -1 (cannot be read). */
static int still_fits(ctx *c, const f2c_table *t, const char *loc)
{
    int fd = open_head(c, loc);
    int m = fd >= 0 ? f2c_sink_matches(c->a->sink, fd, t) : -1;
    if (fd >= 0) close(fd);
    return m;
}

static f2c_status old_part(ctx *c, entity_job *e, size_t i)
{
    const mi_part *p = &e->x.parts[i];
    cuts *pc = &e->cuts[i];
    e->newidx[i] = NO_PART;
    /* A partition written for other columns (the configuration changed) is neither kept in the
     * index nor rewritten: the publish leaves it out of the record and says so, as in append
     * mode (docs/cdm-folder.md, "model.json is the commit record"); its resources' rows are gone
     * from the entity until their next version. */
    if (still_fits(c, e->t, p->loc) == 0) return F2C_OK;
    if (pc->n == 0) /* untouched: neither read nor rewritten */
        return add_part(e, p->loc, NULL, p->rows, p->bytes, p, &e->newidx[i]) == 0 ? F2C_OK
                                                                                   : nomem(c);
    qsort(pc->v, pc->n, sizeof *pc->v, by_first);
    pc->rows = malloc((pc->n + 1) * sizeof *pc->rows);
    pc->bytes = malloc((pc->n + 1) * sizeof *pc->bytes);
    size_t ns = 0;
    seg *s = pc->rows && pc->bytes ? old_segs(e, p, pc, &ns) : NULL;
    if (!s) return nomem(c);
    pc->rows[0] = pc->bytes[0] = 0;
    for (size_t k = 0; k < pc->n; k++) {
        pc->rows[k + 1] = pc->rows[k] + pc->v[k]->n;
        pc->bytes[k + 1] = pc->bytes[k] + pc->v[k]->len;
    }
    c->out->counts.rows_removed += pc->rows[pc->n];
    f2c_buf name = {0}, loc = {0}, shown = {0};
    f2c_status st = F2C_OK;
    int r = rewrite_name(c, e, strrchr(p->loc, '/') + 1, 'm', &name, &loc);
    if (r != 0 || f2c_buf_printf(&shown, "%s/%s", c->shown, p->loc) != 0)
        st = r == -2 ? f2c_error_set(c->err, F2C_EUSAGE, p->loc, 0, 0, NULL,
                                     "no name of 255 bytes or less is left for its rewrite")
                     : nomem(c);
    int fd = st == F2C_OK ? open_committed(c, p->loc) : -1;
    if (st == F2C_OK && fd < 0)
        st = f2c_error_set(c->err, F2C_EIO, shown.data, 0, 0, NULL, "cannot read partition: %s",
                           strerror(errno));
    unsigned long long kept = 0;
    if (st == F2C_OK)
        st = rewrite_into(c, e, fd, shown.data, s, ns, loc.data, loc.data, loc.data, 0, &kept,
                          &e->newidx[i]);
    if (fd >= 0) close(fd);
    c->out->counts.rewritten++;
    if (st == F2C_OK &&
        (add_remove(c, p->loc) != 0 || (kept && add_staged(c, loc.data, loc.data) != 0)))
        st = nomem(c);
    free(s);
    f2c_buf_free(&name);
    f2c_buf_free(&loc);
    f2c_buf_free(&shown);
    return st;
}

/* Entry x of e->x is superseded by the run or deleted: marked, and a cut of its partition. */
static int cut(entity_job *e, mi_entry *x)
{
    cuts *pc = &e->cuts[x->part];
    if (x->removed) return 0;
    x->removed = 1;
    return f2c_merge_grow((void **)&pc->v, &pc->cap, pc->n, sizeof *pc->v) == 0
               ? (pc->v[pc->n++] = x, 0)
               : -1;
}

/* Marks the committed entries of e superseded by the run or deleted. */
static int mark(ctx *c, entity_job *e)
{
    const char *type = e->t->resource_type;
    for (size_t i = 0; i < c->nwin; i++) {
        if (strcmp(c->win[i]->type, type) != 0) continue;
        mi_entry *x = mi_find(&e->x, c->win[i]->id);
        if (x && cut(e, x) != 0) return -1;
    }
    for (size_t i = 0; i < c->del.n; i++) {
        if (strcmp(c->del.k[i].type, type) != 0) continue;
        mi_entry *x = mi_find(&e->x, c->del.k[i].id);
        if (x && cut(e, x) != 0) return -1;
        if (x) c->del.hit[i] = 1;
    }
    return 0;
}

/* 1 when a committed entry of e was cut. */
static int any_cut(const entity_job *e)
{
    for (size_t i = 0; e->cuts && i < e->x.nparts; i++)
        if (e->cuts[i].n) return 1;
    return 0;
}

/* Every committed partition of e: carried or rewritten. */
static f2c_status old_parts(ctx *c, entity_job *e)
{
    size_t n = e->x.nparts ? e->x.nparts : 1;
    e->cuts = calloc(n, sizeof *e->cuts);
    e->newidx = calloc(n, sizeof *e->newidx);
    if (!e->cuts || !e->newidx || mark(c, e) != 0) return nomem(c);
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < e->x.nparts; i++)
        st = old_part(c, e, i);
    return st;
}

/* The committed entries that stay, in e->x's order (by id): in their new partition, shifted past
 * the cut rows before them; their ids move to *out. */
static int carried_entries(entity_job *e, mi_index *out)
{
    for (size_t i = 0; i < e->x.nents; i++) {
        mi_entry x = e->x.ents[i];
        if (x.removed) continue;
        const cuts *pc = &e->cuts[x.part];
        size_t lo = 0, hi = pc->n; /* cuts before x: first rows below x's */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (pc->v[mid]->first < x.first)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (e->newidx[x.part] == NO_PART) continue; /* left out: it no longer fits its entity */
        x.part = e->newidx[x.part];
        if (lo) {
            x.first -= pc->rows[lo];
            if (x.len) x.off -= pc->bytes[lo];
        }
        if (f2c_merge_grow((void **)&out->ents, &out->cap, out->nents, sizeof *out->ents) != 0)
            return -1;
        x.borrowed = 1; /* the id stays e->x's (its text, or its copy), which outlives e->y */
        out->ents[out->nents++] = x;
    }
    return 0;
}

/* e->y's entries: the carried ones merged (by id) with this run's (e->fresh, sorted here).  1 when
 * an id is in both (cannot happen: a winner's committed entry is cut), -1 out of memory, 0. */
static int build_entries(entity_job *e, const char **dup)
{
    mi_index kept = {0};
    if (carried_entries(e, &kept) != 0 || mi_sort(&e->fresh, dup)) {
        mi_free(&kept);
        return *dup ? 1 : -1;
    }
    size_t n = kept.nents + e->fresh.nents, i = 0, k = 0;
    mi_entry *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        mi_free(&kept);
        return -1;
    }
    for (size_t o = 0; o < n; o++) {
        int take_kept = k >= e->fresh.nents ||
                        (i < kept.nents && strcmp(kept.ents[i].id, e->fresh.ents[k].id) < 0);
        if (!take_kept && i < kept.nents && strcmp(kept.ents[i].id, e->fresh.ents[k].id) == 0)
            *dup = e->fresh.ents[k].id;
        v[o] = take_kept ? kept.ents[i++] : e->fresh.ents[k++];
    }
    free(kept.ents);
    free(e->fresh.ents); /* the ids moved to v */
    e->fresh.ents = NULL;
    e->fresh.nents = e->fresh.cap = 0;
    free(e->y.ents);
    e->y.ents = v;
    e->y.nents = e->y.cap = n;
    return *dup ? 1 : 0;
}

/* Where this run's partition of e staged at loc (slot 0) is published: that name, or the
 * replacement slot when the record lists it (docs/cdm-folder.md, "Reruns"). */
static f2c_status new_target(ctx *c, entity_job *e, const part *p, f2c_buf *loc, f2c_buf *target)
{
    for (int slot = 0; slot < 2; slot++) {
        f2c_buf_reset(target);
        if (f2c_buf_printf(target, "data/%s/", e->t->entity) != 0 ||
            f2c_cdm_partition_name(target, p->stem, c->a->opid, slot, c->ext) != 0)
            return nomem(c);
        if (slot == 0) {
            f2c_buf_reset(loc);
            if (f2c_buf_appends(loc, target->data) != 0) return nomem(c);
        }
        if (!has(&e->old, target->data))
            return list_add(&e->taken.v, &e->taken.n, &e->taken.cap, target->data) == 0 ? F2C_OK
                                                                                        : nomem(c);
    }
    return f2c_error_set(c->err, F2C_EUSAGE, loc->data, 0, 0, NULL,
                         "both slots of this partition name are listed in the record; merge "
                         "again with another --operation-id");
}

/* Rewrites this run's staged partition loc in place (through a staged copy) without the cut
 * segments. */
static f2c_status rewrite_staged(ctx *c, entity_job *e, const char *loc, const char *target,
                                 const seg *s, size_t ns, unsigned long long *kept)
{
    f2c_buf tmp = {0};
    f2c_status st = f2c_buf_printf(&tmp, "%s.t", loc) == 0 ? F2C_OK : nomem(c);
    int fd = st == F2C_OK ? f2c_commit_open_staged(c->a->tx, loc) : -1;
    if (st == F2C_OK && fd < 0)
        st = f2c_error_set(c->err, F2C_EIO, loc, 0, 0, NULL, "cannot read staged file: %s",
                           strerror(errno));
    size_t at;
    if (st == F2C_OK) st = rewrite_into(c, e, fd, loc, s, ns, tmp.data, loc, target, 1, kept, &at);
    if (fd >= 0) close(fd);
    if (st == F2C_OK) {
        char dir[4096];
        snprintf(dir, sizeof dir, "data/%s", e->t->entity);
        f2c_commit_discard(c->a->tx, dir, strrchr(loc, '/') + 1, -1);
    }
    if (st == F2C_OK && *kept) st = f2c_commit_rename_staged(c->a->tx, tmp.data, loc, c->err);
    f2c_buf_free(&tmp);
    return st;
}

/* Bytes of staged file rel. */
static unsigned long long staged_size(ctx *c, const char *rel)
{
    struct stat sb;
    int fd = f2c_commit_open_staged(c->a->tx, rel);
    unsigned long long n = fd >= 0 && fstat(fd, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
    if (fd >= 0) close(fd);
    return n;
}

/* One partition this run staged for e: its losing versions' rows cut, published at its slot;
 * its winners' runs become the index entries. */
static f2c_status new_part(ctx *c, entity_job *e, const part *p)
{
    f2c_buf loc = {0}, target = {0};
    seg *s = malloc((p->r.n ? p->r.n : 1) * sizeof *s);
    size_t ncut = 0, at;
    for (size_t k = 0; s && k < p->r.n; k++) {
        const run *r = &p->r.v[k];
        s[k] = (seg){r->first, r->n, r->off, r->len, c->m->occ[r->o].loser, c->m->occ[r->o].id};
        ncut += s[k].cut;
    }
    f2c_status st = s ? new_target(c, e, p, &loc, &target) : nomem(c);
    unsigned long long kept = p->r.rows;
    if (st == F2C_OK && ncut)
        st = rewrite_staged(c, e, loc.data, target.data, s, p->r.n, &kept);
    else if (st == F2C_OK &&
             (add_part(e, target.data, loc.data, kept, staged_size(c, loc.data), NULL, &at) != 0 ||
              carry_segs(e, s, p->r.n, at) != 0))
        st = nomem(c);
    if (st == F2C_OK && kept && add_staged(c, loc.data, target.data) != 0) st = nomem(c);
    free(s);
    f2c_buf_free(&loc);
    f2c_buf_free(&target);
    return st;
}

/* ---- compaction ------------------------------------------------------------------------------ */

/* An entity is compacted when more than COMPACT_MAX_SMALL of its partitions are small (under
 * COMPACT_SMALL bytes): its small partitions are concatenated, in the index's order, into
 * partitions of up to COMPACT_TARGET bytes (docs/cdm-folder.md, "Compaction").  Why a count of
 * small files and not a share: a split export (<Type>.<n>.ndjson) gives many small partitions
 * that are each a fine unit of rewriting; only when a month of daily merges has piled up small
 * files is their number a cost to readers.  `fhir2cdm-transform compact` compacts any entity
 * with two small partitions or more. */
#define COMPACT_SMALL (16ull << 20)
#define COMPACT_TARGET (128ull << 20)
#define COMPACT_MAX_SMALL 32

static size_t small_parts(const entity_job *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->y.nparts; i++)
        n += e->y.parts[i].bytes < COMPACT_SMALL;
    return n;
}

static int wants_compaction(const entity_job *e, int force)
{
    size_t small = small_parts(e);
    return small >= 2 && (force || small > COMPACT_MAX_SMALL);
}

/* Opens partition i of e->y for reading: staged (this run's) or committed. */
static int open_part(ctx *c, const entity_job *e, size_t i)
{
    return e->ystaged[i] ? f2c_commit_open_staged(c->a->tx, e->ystaged[i])
                         : open_committed(c, e->y.parts[i].loc);
}

typedef struct row_sink_copy {
    f2c_sink_part *out;
} row_sink_copy;

static f2c_status copy_all(void *ud, size_t n, const char *const *cells, const size_t *lens,
                           f2c_error *err)
{
    return f2c_sink_row(((row_sink_copy *)ud)->out, n, cells, lens, err);
}

/* Appends the rows of members g[0..ng) of e->y to the staged file dir/name, moving their entries
 * to partition `to` (rows and bytes shifted).  Bytes path (CSV): the first member's header, then
 * every member's records as they are; row path: through the sink. */
static f2c_status concat(ctx *c, entity_job *e, const size_t *g, size_t ng, const char *dir,
                         const char *name, size_t to, unsigned long long *rows)
{
    int bytes = c->a->sink->ops->offset != NULL, fd = -1;
    row_sink_copy rc = {0};
    f2c_status st =
        bytes ? f2c_commit_stage(c->a->tx, dir, name, &fd, c->err)
              : f2c_sink_open(c->a->sink, c->a->tx, dir, name, e->t, NULL, NULL, &rc.out, c->err);
    if (st == F2C_OK && !bytes) st = f2c_sink_header(rc.out, c->err);
    unsigned long long base = 0, hdr0 = 0;
    *rows = 0;
    for (size_t k = 0; st == F2C_OK && k < ng; k++) {
        const mi_part *p = &e->y.parts[g[k]];
        unsigned long long hdr = e->hdr;
        int src = open_part(c, e, g[k]);
        if (src < 0) {
            st = f2c_error_set(c->err, F2C_EIO, p->loc, 0, 0, NULL, "cannot read: %s",
                               strerror(errno));
            break;
        }
        if (k == 0) hdr0 = hdr;
        unsigned long long pending = 0;
        if (bytes && ((k == 0 && f2c_fs_copy_range(src, 0, hdr, fd, &pending) != 0) ||
                      f2c_fs_copy_range(src, hdr, p->bytes - hdr, fd, &pending) != 0))
            st = f2c_error_set(c->err, F2C_EIO, p->loc, 0, 0, NULL, "cannot copy rows: %s",
                               strerror(errno));
        else if (!bytes)
            st = f2c_sink_read(c->a->sink, src, e->t, p->loc, copy_all, &rc, c->err);
        close(src);
        for (size_t x = 0; st == F2C_OK && x < e->y.nents; x++) {
            mi_entry *en = &e->y.ents[x];
            if (en->part != g[k]) continue;
            en->part = to;
            en->first += *rows;
            if (en->len) en->off = hdr0 + base + (en->off - hdr);
        }
        *rows += p->rows;
        base += p->bytes - hdr;
    }
    if (bytes && fd >= 0 && st == F2C_OK) return f2c_commit_close(c->a->tx, dir, name, fd, c->err);
    if (bytes && fd >= 0) f2c_commit_discard(c->a->tx, dir, name, fd);
    if (!bytes && st == F2C_OK) return f2c_sink_finish(rc.out, c->err);
    if (!bytes) f2c_sink_abort(rc.out);
    return st;
}

/* Drops staged partition `staged` of this run: discarded and no longer placed. */
static void unstage(ctx *c, const char *staged)
{
    const char *slash = strrchr(staged, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - staged), staged);
    f2c_commit_discard(c->a->tx, dir, slash + 1, -1);
    for (size_t i = 0; i < c->out->nstaged; i++)
        if (strcmp(c->out->staged[i], staged) == 0) {
            free(c->out->staged[i]);
            free(c->out->targets[i]);
            c->out->staged[i] = c->out->staged[--c->out->nstaged];
            c->out->targets[i] = c->out->targets[c->out->nstaged];
            return;
        }
}

/* One group of small partitions g[0..ng) concatenated into a new partition; the members leave:
 * committed ones removed after the commit, staged ones discarded.  dead[] marks them. */
static f2c_status compact_group(ctx *c, entity_job *e, const size_t *g, size_t ng,
                                unsigned char *dead)
{
    f2c_buf name = {0}, loc = {0};
    size_t at;
    unsigned long long rows = 0;
    int r = rewrite_name(c, e, NULL, 'c', &name, &loc);
    f2c_status st = r == 0    ? F2C_OK
                    : r == -1 ? nomem(c)
                              : f2c_error_set(c->err, F2C_EUSAGE, e->t->entity, 0, 0, NULL,
                                              "no name for a compacted partition fits 255 bytes");
    if (st == F2C_OK && add_part(e, loc.data, loc.data, 0, 0, NULL, &at) != 0) st = nomem(c);
    /* a member carried as it is has its entries in its segment, not in e->y: they move too */
    for (size_t k = 0; st == F2C_OK && k < ng; k++)
        if (!e->y.parts[g[k]].loaded)
            st = mi_load_part(c->outfd, c->shown, e->t, c->a->sink, c->a->fetch, c->a->log, &e->y,
                              g[k], c->err);
    char dir[4096];
    snprintf(dir, sizeof dir, "data/%s", e->t->entity);
    if (st == F2C_OK) st = concat(c, e, g, ng, dir, name.data, at, &rows);
    if (st == F2C_OK) {
        e->y.parts[at].rows = rows;
        e->y.parts[at].bytes = staged_size(c, loc.data);
        if (add_staged(c, loc.data, loc.data) != 0) st = nomem(c);
    }
    for (size_t k = 0; st == F2C_OK && k < ng; k++) {
        dead[g[k]] = 1;
        if (e->ystaged[g[k]])
            unstage(c, e->ystaged[g[k]]);
        else if (add_remove(c, e->y.parts[g[k]].loc) != 0)
            st = nomem(c);
    }
    c->out->counts.compacted += st == F2C_OK ? ng : 0;
    f2c_buf_free(&name);
    f2c_buf_free(&loc);
    return st;
}

/* Removes the dead partitions from e->y (their entries were moved). */
static void drop_dead(entity_job *e, const unsigned char *dead)
{
    size_t n = 0, *rank = malloc((e->y.nparts ? e->y.nparts : 1) * sizeof *rank);
    assert(rank); /* small; on failure the caller's order_parts fails too */
    for (size_t i = 0; rank && i < e->y.nparts; i++) {
        if (dead[i]) {
            free(e->y.parts[i].loc);
            free(e->ystaged[i]);
            continue;
        }
        rank[i] = n;
        e->y.parts[n] = e->y.parts[i];
        e->ystaged[n++] = e->ystaged[i];
    }
    for (size_t i = 0; rank && i < e->y.nents; i++)
        e->y.ents[i].part = rank[e->y.ents[i].part];
    if (rank) e->y.nparts = n;
    free(rank);
}

/* Compacts e's small partitions when it wants it (or force). */
static f2c_status compact_entity(ctx *c, entity_job *e, int force)
{
    if (!wants_compaction(e, force)) return F2C_OK;
    size_t n = e->y.nparts, ng = 0, *g = malloc((n ? n : 1) * sizeof *g);
    unsigned char *dead = calloc(n + 1, 1);
    f2c_status st = g && dead ? F2C_OK : nomem(c);
    unsigned long long size = 0;
    for (size_t i = 0; st == F2C_OK && i <= n; i++) {
        int small = i < n && e->y.parts[i].bytes < COMPACT_SMALL;
        if (ng && (!small || size + e->y.parts[i].bytes > COMPACT_TARGET)) {
            if (ng > 1) st = compact_group(c, e, g, ng, dead);
            ng = 0;
            size = 0;
        }
        if (small && st == F2C_OK) {
            g[ng++] = i;
            size += e->y.parts[i].bytes;
        }
    }
    if (st == F2C_OK) drop_dead(e, dead);
    free(g);
    free(dead);
    return st;
}

/* Sorts e->y's partitions by location (the index's order) and renumbers its entries. */
static int order_parts(entity_job *e)
{
    size_t n = e->y.nparts;
    size_t *order = malloc((n ? n : 1) * sizeof *order), *rank = malloc((n ? n : 1) * sizeof *rank);
    mi_part *sorted = malloc((n ? n : 1) * sizeof *sorted);
    char **ssorted = malloc((n ? n : 1) * sizeof *ssorted);
    if (!order || !rank || !sorted || !ssorted) {
        free(order), free(rank), free(sorted), free(ssorted);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort of indices: few partitions per entity */
        for (size_t k = i;
             k > 0 && strcmp(e->y.parts[order[k - 1]].loc, e->y.parts[order[k]].loc) > 0; k--) {
            size_t s = order[k];
            order[k] = order[k - 1];
            order[k - 1] = s;
        }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = e->y.parts[order[i]];
        ssorted[i] = e->ystaged[order[i]];
        rank[order[i]] = i;
    }
    for (size_t i = 0; i < e->y.nents; i++)
        e->y.ents[i].part = rank[e->y.ents[i].part];
    free(e->y.parts);
    e->y.parts = sorted;
    free(e->ystaged);
    e->ystaged = ssorted;
    free(order);
    free(rank);
    return 0;
}

/* Stages text as fhir2cdm-index/<name> (loc: its output-relative location, for messages). */
static f2c_status stage_index_file(ctx *c, const char *loc, const f2c_buf *text)
{
    int fd;
    const char *name = loc + strlen(F2C_MERGE_INDEX_DIR "/");
    f2c_status st = f2c_commit_stage(c->a->tx, F2C_MERGE_INDEX_DIR, name, &fd, c->err);
    if (st == F2C_OK && f2c_fs_write_all(fd, text->data, text->len) != 0) {
        int err = errno;
        f2c_commit_discard(c->a->tx, F2C_MERGE_INDEX_DIR, name, fd);
        return f2c_error_set(c->err, F2C_EIO, loc, 0, 0, NULL, "cannot stage: %s", strerror(err));
    }
    return st == F2C_OK ? f2c_commit_close(c->a->tx, F2C_MERGE_INDEX_DIR, name, fd, c->err) : st;
}

static int by_part_id(const void *a, const void *b)
{
    const mi_entry *x = *(const mi_entry *const *)a, *y = *(const mi_entry *const *)b;
    return x->part != y->part ? (x->part < y->part ? -1 : 1) : strcmp(x->id, y->id);
}

/* 1 when `hash` names one of x's committed segments. */
static int committed_seg(const mi_index *x, const char *hash)
{
    for (size_t i = 0; i < x->nparts; i++)
        if (x->parts[i].seg[0] && strcmp(x->parts[i].seg, hash) == 0) return 1;
    return 0;
}

/* A segment for every partition of e->y without one (new, rewritten, compacted, or all after a
 * rebuild), staged unless a committed segment has the same bytes. */
static f2c_status write_segments(ctx *c, entity_job *e)
{
    mi_entry **v = malloc((e->y.nents ? e->y.nents : 1) * sizeof *v);
    if (!v) return nomem(c);
    for (size_t i = 0; i < e->y.nents; i++)
        v[i] = &e->y.ents[i];
    if (e->y.nents) qsort(v, e->y.nents, sizeof *v, by_part_id);
    f2c_buf text = {0}, loc = {0};
    f2c_status st = F2C_OK;
    size_t k = 0;
    for (size_t i = 0; st == F2C_OK && i < e->y.nparts; i++) {
        size_t from = k;
        while (k < e->y.nents && v[k]->part == i)
            k++;
        mi_part *p = &e->y.parts[i];
        if (p->seg[0]) continue; /* carried as it is: its segment stays */
        assert(p->loaded);
        f2c_buf_reset(&text);
        f2c_buf_reset(&loc);
        if (mi_format_segment(e->t, p, (const mi_entry *const *)v + from, k - from, &text, p->seg,
                              p->filter) != 0 ||
            mi_segment_loc(e->t, p->seg, &loc) != 0)
            st = nomem(c);
        else if (!committed_seg(&e->x, p->seg))
            st = stage_index_file(c, loc.data, &text);
    }
    free(v);
    f2c_buf_free(&text);
    f2c_buf_free(&loc);
    return st;
}

/* The committed segments of e that e->y no longer uses: removed after the commit. */
static f2c_status remove_segments(ctx *c, entity_job *e)
{
    f2c_buf loc = {0};
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < e->x.nparts; i++) {
        const char *hash = e->x.parts[i].seg;
        int used = !hash[0];
        for (size_t k = 0; !used && k < e->y.nparts; k++)
            used = strcmp(e->y.parts[k].seg, hash) == 0;
        f2c_buf_reset(&loc);
        if (!used && (mi_segment_loc(e->t, hash, &loc) != 0 || add_remove(c, loc.data) != 0))
            st = nomem(c);
    }
    f2c_buf_free(&loc);
    return st;
}

/* The new index of e: its new segments, and its directory staged unless it equals the committed
 * one; the committed files it replaces are removed after the commit. */
static f2c_status write_index(ctx *c, entity_job *e, size_t ti, const char *old_loc, int old_ok,
                              int same_as_old)
{
    if (same_as_old) /* nothing of the entity changed: its index stays, not even formatted */
        return (c->out->indexes[ti] = strdup(old_loc)) ? F2C_OK : nomem(c);
    if (order_parts(e) != 0) return nomem(c);
    f2c_buf text = {0}, loc = {0};
    f2c_status st = e->y.nparts ? write_segments(c, e) : F2C_OK;
    if (st == F2C_OK && e->y.nparts && mi_format(&e->y, e->t, &text, &loc) != 0) st = nomem(c);
    /* the same bytes have the same name: staged again only when the file there was not usable
     * (missing, or altered) -- renamed over it by the commit */
    int same = st == F2C_OK && old_loc && loc.data && strcmp(old_loc, loc.data) == 0;
    if (st == F2C_OK && e->y.nparts && (!same || !old_ok))
        st = stage_index_file(c, loc.data, &text);
    if (st == F2C_OK && old_ok) st = remove_segments(c, e);
    /* only a location of this entity's index is ever removed (the record's text is not trusted) */
    f2c_buf prefix = {0};
    int ours = old_loc && f2c_buf_printf(&prefix, F2C_MERGE_INDEX_DIR "/%s.", e->t->entity) == 0 &&
               strncmp(old_loc, prefix.data, prefix.len) == 0 && !strchr(old_loc + prefix.len, '/');
    if (st == F2C_OK && ours && !same && add_remove(c, old_loc) != 0) st = nomem(c);
    if (st == F2C_OK && e->y.nparts && !(c->out->indexes[ti] = strdup(loc.data))) st = nomem(c);
    f2c_buf_free(&prefix);
    f2c_buf_free(&text);
    f2c_buf_free(&loc);
    return st;
}

/* The committed partitions of entity t in the record (sorted), and its index annotation. */
static f2c_status entity_locs(ctx *c, const f2c_cdm_model *rec, entity_job *e,
                              const char **index_loc)
{
    f2c_buf prefix = {0};
    if (f2c_buf_printf(&prefix, "data/%s/", e->t->entity) != 0) return nomem(c);
    *index_loc = NULL;
    f2c_status st = F2C_OK;
    for (size_t i = 0; st == F2C_OK && i < rec->nentities; i++) {
        const f2c_cdm_entity *en = &rec->entities[i];
        if (!en->name || strcmp(en->name, e->t->entity) != 0) continue;
        *index_loc = en->index;
        for (size_t k = 0; st == F2C_OK && k < en->npartitions; k++) {
            const char *l = en->partitions[k].location;
            if (l && strncmp(l, prefix.data, prefix.len) == 0 && !strchr(l + prefix.len, '/') &&
                l[prefix.len] && !has(&e->old, l) &&
                list_add(&e->old.v, &e->old.n, &e->old.cap, l) != 0)
                st = nomem(c);
            if (e->old.n > 1) qsort(e->old.v, e->old.n, sizeof *e->old.v, str_cmp);
        }
    }
    f2c_buf_free(&prefix);
    return st;
}

static void entity_free(entity_job *e)
{
    for (size_t i = 0; i < e->old.n; i++)
        free(e->old.v[i]);
    free(e->old.v);
    for (size_t i = 0; i < e->taken.n; i++)
        free(e->taken.v[i]);
    free(e->taken.v);
    for (size_t i = 0; e->ystaged && i < e->y.nparts; i++)
        free(e->ystaged[i]);
    free(e->ystaged);
    for (size_t i = 0; e->cuts && i < e->x.nparts; i++) {
        free(e->cuts[i].v);
        free(e->cuts[i].rows);
        free(e->cuts[i].bytes);
    }
    free(e->cuts);
    free(e->newidx);
    mi_free(&e->x);
    mi_free(&e->y);
    mi_free(&e->fresh);
}

/* The first of the run's winners of type `type` (c->nwin when none; the winners are sorted by
 * type, then id). */
static size_t first_win(const ctx *c, const char *type)
{
    size_t lo = 0, hi = c->nwin;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(c->win[mid]->type, type) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 1 when the run reads or deletes a resource of type `type`. */
static int touched(const ctx *c, const char *type)
{
    size_t lo = first_win(c, type);
    if (lo < c->nwin && strcmp(c->win[lo]->type, type) == 0) return 1;
    for (size_t i = 0; i < c->del.n; i++)
        if (strcmp(c->del.k[i].type, type) == 0) return 1;
    return 0;
}

/* The ids of the resources of type `type` the run replaces or deletes (borrowed; *n of them):
 * what the index's filters are asked about.  NULL when out of memory. */
static const char **run_ids(const ctx *c, const char *type, size_t *n)
{
    size_t lo = first_win(c, type), end = lo;
    while (end < c->nwin && strcmp(c->win[end]->type, type) == 0)
        end++;
    const char **v = malloc((end - lo + c->del.n + 1) * sizeof *v);
    *n = 0;
    for (size_t i = lo; v && i < end; i++)
        v[(*n)++] = c->win[i]->id;
    for (size_t i = 0; v && i < c->del.n; i++)
        if (strcmp(c->del.k[i].type, type) == 0) v[(*n)++] = c->del.k[i].id;
    return v;
}

/* One entity: its committed index loaded, its partitions carried or rewritten, this run's added,
 * its new index written. */
f2c_status f2c_merge_entity(ctx *c, const f2c_cdm_model *rec, size_t ti)
{
    entity_job e = {.t = &c->a->ts->tables[ti]};
    const char *index_loc = NULL;
    f2c_status st = entity_locs(c, rec, &e, &index_loc);
    if (st == F2C_OK && !c->a->compact && !touched(c, e.t->resource_type)) {
        /* no resource of its type in the run: its partitions and index stay, unread (an index
         * is checked when a merge uses it) */
        if (index_loc && e.old.n && !(c->out->indexes[ti] = strdup(index_loc))) st = nomem(c);
        entity_free(&e);
        return st;
    }
    unsigned long long rebuilt = c->out->counts.indexes_rebuilt, compacted;
    size_t nids = 0;
    const char **ids = st == F2C_OK ? run_ids(c, e.t->resource_type, &nids) : NULL;
    if (st == F2C_OK && !ids) st = nomem(c);
    if (st == F2C_OK)
        st = mi_load(c->outfd, c->shown, e.t, index_loc, (const char *const *)e.old.v, e.old.n, ids,
                     nids, c->a->sink, c->a->fetch, c->a->log, &c->out->counts.indexes_rebuilt,
                     &e.x, c->err);
    free(ids);
    int loaded = index_loc && e.old.n && c->out->counts.indexes_rebuilt == rebuilt;
    f2c_buf hdr = {0};
    if (st == F2C_OK && c->a->sink->ops->offset && f2c_cdm_header_record(&hdr, e.t) != 0)
        st = nomem(c);
    e.hdr = c->a->sink->ops->offset ? hdr.len + 2 : 0; /* the header record and its CRLF */
    f2c_buf_free(&hdr);
    if (st == F2C_OK) st = old_parts(c, &e);
    for (size_t i = 0; st == F2C_OK && i < c->m->nparts; i++)
        if (c->m->parts[i].t == ti) st = new_part(c, &e, &c->m->parts[i]);
    const char *dup = NULL;
    int b = st == F2C_OK ? build_entries(&e, &dup) : 0;
    if (b < 0) st = nomem(c);
    if (b > 0) /* cannot happen: a version is in one partition of a table */
        st = f2c_error_set(c->err, F2C_EIO, e.t->entity, 0, 0, NULL,
                           "resource %s would have rows in two places; nothing written", dup);
    compacted = c->out->counts.compacted;
    if (st == F2C_OK) st = compact_entity(c, &e, c->a->compact);
    int same = loaded && !e.fresh.nents && e.y.nents == e.x.nents &&
               c->out->counts.compacted == compacted && !any_cut(&e);
    if (st == F2C_OK) st = write_index(c, &e, ti, index_loc, loaded, same);
    entity_free(&e);
    return st;
}
