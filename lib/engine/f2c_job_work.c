/*
 * f2c_job_work: a worker's side of the stream job (see f2c_job_int.h): the lines of one chunk ->
 * events (rows and messages), in line order.
 *
 * Why events and not writes: a worker must not touch anything whose order a user sees, so that
 * the output is the same for every thread count.  It writes each row it makes, and each message
 * it would say, into the chunk's event buffer; the commit (f2c_job.c) replays them in input order
 * into the partitions and the job's message counts.  Counts that do not depend on order (lines,
 * resources, warnings per column...) are kept in the chunk and added at commit.  A message of a
 * kind the job has already said MAX_SHOWN of is recorded without its text (only counted): the
 * job's counts only grow, so it could never be said.
 *
 * Buffers are reused across chunks (a chunk is recycled, not freed), so the per-row cost is a
 * copy of the cells into the event buffer.  Records and events are a fixed header (memcpy'd: no
 * alignment assumed) followed by their bytes.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f2c_job_int.h"
#include "f2c_merge_index.h"
#include "fhir2cdm/f2c_render.h"
#include "fhir2cdm/f2c_resource.h"
#include "fhir2cdm/f2c_table.h"

/* A line may take at most 3 times its length plus this once parsed (issue 13, "Bounded
 * resources"; docs/transform.md "Bad input"). */
#define LINE_SLACK (64u << 20)

enum { REC_LINE, REC_REJECTED, REC_SAY };
typedef struct rec {
    int kind;
    long lineno;
    size_t len; /* bytes after the header (a line: plus one spare byte for check_line's NUL) */
} rec;

enum { EV_ROW, EV_SAY, EV_RES };
typedef struct ev {
    int kind;
    int sub;   /* EV_ROW: -; EV_SAY: SAY_* */
    size_t t;  /* EV_ROW: table; EV_SAY: text length; EV_RES: "type\0id\0lu\0" length */
    long line; /* EV_ROW: the row's line */
} ev;

/* ---- records (the feeding side) ---------------------------------------------------------- */

static int add_rec(chunk *ch, int kind, long lineno, const void *p, size_t n, size_t spare)
{
    rec r = {kind, lineno, n};
    if (f2c_buf_reserve(&ch->in, sizeof r + n + spare) != 0) return -1;
    memcpy(ch->in.data + ch->in.len, &r, sizeof r);
    memcpy(ch->in.data + ch->in.len + sizeof r, p, n);
    ch->in.len += sizeof r + n + spare;
    return 0;
}

int f2c_chunk_add_line(chunk *ch, const char *s, size_t n, long lineno)
{
    return add_rec(ch, REC_LINE, lineno, s, n, 1);
}

int f2c_chunk_add_rejected(chunk *ch, const f2c_error *e)
{
    return add_rec(ch, REC_REJECTED, e->line, e, sizeof *e, 0);
}

int f2c_chunk_add_say(chunk *ch, const char *text)
{
    return add_rec(ch, REC_SAY, 0, text, strlen(text), 0);
}

/* A raw line whose first member says it is of a type nothing reads (f2c_rtscan_line): counted
 * by type and skipped on the feeding side, neither copied, checked nor parsed (docs/transform.md,
 * "Reading only what the job needs").  A type name the engine would reject goes the normal way. */
int f2c_chunk_skip_unread(chunk *ch, const char *s, size_t n)
{
    f2c_job_file *f = ch->f;
    const char *t;
    size_t tl = f2c_rtscan_line(s, n, &t);
    if (tl == 0) return 0;
    if (tl != f->last_len || memcmp(t, f->last_type, tl) != 0) {
        memcpy(f->last_type, t, tl);
        f->last_type[tl] = '\0';
        f->last_len = tl;
        f->last_unread = f2c_is_resource_type_name(f->last_type) &&
                         f2c_plan_tables_for(f->j->plan, f->last_type) == 0;
    }
    if (!f->last_unread) return 0;
    ch->c.lines++;
    ch->file_lines++;
    f2c_counts_skipped(&ch->c, f->last_type, 1);
    return 1;
}

/* ---- events ------------------------------------------------------------------------------ */

static int add_say(chunk *ch, int kind, const char *text, size_t n)
{
    ev e = {EV_SAY, kind, n, ch->line};
    if (f2c_buf_reserve(&ch->ev, sizeof e + n) != 0) return -1;
    memcpy(ch->ev.data + ch->ev.len, &e, sizeof e);
    memcpy(ch->ev.data + ch->ev.len + sizeof e, text, n);
    ch->ev.len += sizeof e + n;
    return 0;
}

/* A message of `kind`, formatted only when the job may still say it. */
__attribute__((format(printf, 3, 4))) static void sayf(chunk *ch, int kind, const char *fmt, ...)
{
    const f2c_job *j = ch->f->j;
    if (kind != SAY_ALWAYS &&
        atomic_load_explicit(&((f2c_job *)j)->seen[kind], memory_order_relaxed) >= MAX_SHOWN) {
        add_say(ch, kind, "", 0);
        return;
    }
    char small[1024], *text = small;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (n >= 0 && text) add_say(ch, kind, text, (size_t)n);
    if (text != small) free(text);
}

static void say_error(chunk *ch, int kind, const f2c_error *e)
{
    char buf[2048];
    sayf(ch, kind, "error: %s\n", f2c_error_format(e, buf, sizeof buf));
}

static void reject(chunk *ch, const f2c_error *e)
{
    ch->c.rejected++;
    say_error(ch, SAY_REJECT, e);
}

static f2c_status on_row(void *ud, size_t t, const char *const *cells, const size_t *lens,
                         f2c_error *err)
{
    chunk *ch = ud;
    size_t w = f2c_table_width(&ch->f->j->ts.tables[t]), bytes = sizeof(ev) + w * sizeof(size_t);
    for (size_t i = 0; i < w; i++)
        bytes += lens[i];
    if (f2c_buf_reserve(&ch->ev, bytes) != 0)
        return f2c_error_set(err, F2C_ENOMEM, ch->f->label, ch->line, 0, NULL, "out of memory");
    if (!ch->has_mark || ch->mark_line != ch->line || ch->mark_t != t) {
        ch->has_mark = 1;
        ch->mark_line = ch->line;
        ch->mark_t = t;
        ch->row_mark = ch->ev.len;
    }
    ev e = {EV_ROW, 0, t, ch->line};
    char *p = ch->ev.data + ch->ev.len;
    memcpy(p, &e, sizeof e);
    p += sizeof e;
    for (size_t i = 0; i < w; i++) {
        memcpy(p, &lens[i], sizeof lens[i]);
        p += sizeof lens[i];
        memcpy(p, cells[i], lens[i]);
        p += lens[i];
    }
    ch->ev.len += bytes;
    return F2C_OK;
}

/* A warning of table t (column col, or F2C_ROW_NO_COLUMN) at `fhir_path` with the reason why and
 * the consequence: counted, and said the first MAX_SHOWN times. */
static void on_warn(void *ud, size_t t, size_t col, const char *fhir_path, const char *why)
{
    chunk *ch = ud;
    const f2c_job *j = ch->f->j;
    const char *tn = j->ts.tables[t].name, *path = fhir_path ? fhir_path : "?";
    ch->c.warnings++;
    if (col == F2C_ROW_NO_COLUMN) {
        ch->c.tablew[t]++;
        /* a where clause or an iteration (views): the rows of that context are left out */
        sayf(ch, SAY_WARNING, "warning: %s:%ld: table %s at %s: %s; rows left out\n", ch->f->label,
             ch->line, tn, path, why);
        return;
    }
    ch->c.colw[j->col_off[t] + col]++;
    sayf(ch, SAY_WARNING, "warning: %s:%ld: table %s column %s at %s: %s; cell left empty\n",
         ch->f->label, ch->line, tn, f2c_table_column_name(&j->ts.tables[t], col), path, why);
}

/* The rows of table t given for the current line's resource are dropped from ev; messages said
 * meanwhile stay. */
static void drop_rows(chunk *ch, size_t t)
{
    if (!ch->has_mark || ch->mark_line != ch->line || ch->mark_t != t) return; /* none given */
    const f2c_job *j = ch->f->j;
    size_t w = f2c_table_width(&j->ts.tables[t]), in = ch->row_mark, out = ch->row_mark;
    while (in < ch->ev.len) {
        ev e;
        memcpy(&e, ch->ev.data + in, sizeof e);
        size_t n = sizeof e;
        if (e.kind == EV_SAY) {
            n += e.t;
        } else {
            assert(e.kind == EV_ROW); /* a resource's event comes before its rows */
            for (size_t i = 0; i < w; i++) {
                size_t len;
                memcpy(&len, ch->ev.data + in + n, sizeof len);
                n += sizeof len + len;
            }
        }
        assert(e.kind == EV_SAY || e.t == t); /* rows of one resource and table are contiguous */
        if (e.kind == EV_SAY) memmove(ch->ev.data + out, ch->ev.data + in, n);
        out += e.kind == EV_SAY ? n : 0;
        in += n;
    }
    ch->ev.len = out;
    ch->has_mark = 0;
}

/* A run-time error of table t (a view) for this line's resource (f2c_row_sink.error): its rows
 * of that view are left out, the error counted (with rejected lines, against --max-errors) and
 * said the first MAX_SHOWN times among rejections. */
static void on_error(void *ud, size_t t, size_t col, const char *fhir_path, const char *why)
{
    chunk *ch = ud;
    const f2c_job *j = ch->f->j;
    const char *tn = j->ts.tables[t].name, *path = fhir_path ? fhir_path : "?";
    drop_rows(ch, t);
    ch->c.eval_errors++;
    if (col == F2C_ROW_NO_COLUMN)
        sayf(ch, SAY_REJECT,
             "error: %s:%ld: view %s at %s: %s; the resource's rows of view %s left out\n",
             ch->f->label, ch->line, tn, path, why, tn);
    else
        sayf(ch, SAY_REJECT,
             "error: %s:%ld: view %s column %s at %s: %s; the resource's rows of view %s left "
             "out\n",
             ch->f->label, ch->line, tn, f2c_table_column_name(&j->ts.tables[t], col), path, why,
             tn);
}

/* A resource of a table's type without a (non-empty string) id. */
static void warn_no_id(chunk *ch, const cJSON *root, const char *rt)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    ch->c.no_id++;
    sayf(ch, SAY_NO_ID, "warning: %s:%ld: %s resource has %s; %s\n", ch->f->label, ch->line, rt,
         cJSON_IsString(id) ? "an empty \"id\"" : "no string \"id\"",
         ch->f->j->o.nviews ? "getResourceKey() gives nothing" : "ResourceId left empty");
}

/* ---- merge mode: the resource whose rows follow ----------------------------------------- */

/* meta.lastUpdated of root as an UTC instant into out (empty when absent; a value that is not a
 * FHIR instant is warned about and taken as absent). */
static void last_updated(chunk *ch, const cJSON *root, f2c_buf *out)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    const cJSON *lu = cJSON_GetObjectItemCaseSensitive(meta, "lastUpdated");
    const char *why = "not a string";
    if (!lu) return;
    if (cJSON_IsString(lu) && f2c_render_datetime(lu->valuestring, strlen(lu->valuestring),
                                                  F2C_T_INSTANT, out, &why) == F2C_RENDER_OK)
        return;
    f2c_buf_reset(out);
    ch->c.warnings++;
    sayf(ch, SAY_WARNING,
         "warning: %s:%ld: meta.lastUpdated is not a FHIR instant (%s); this version counts as "
         "the oldest of its resource in this run\n",
         ch->f->label, ch->line, why);
}

/* Merge mode: the resource's identity and version as an event before its rows; 0, or 1 when the
 * line was rejected (no FHIR id: nothing to merge it by), or -1 (out of memory). */
static int merge_resource(chunk *ch, const cJSON *root, const char *rt, const char *id)
{
    if (!id || !mi_is_fhir_id(id)) {
        f2c_error e;
        f2c_error_set(&e, F2C_ERESOURCE, ch->f->label, ch->line, 0, "/id",
                      "%s resource has %s; merge mode replaces resources by their id, so the "
                      "line is rejected",
                      rt, id ? "an id that is not a FHIR id ([A-Za-z0-9-.]{1,64})" : "no id");
        reject(ch, &e);
        return 1;
    }
    f2c_buf lu = {0};
    last_updated(ch, root, &lu);
    size_t tl = strlen(rt) + 1, il = strlen(id) + 1, n = tl + il + lu.len + 1;
    ev e = {EV_RES, 0, n, ch->line};
    int r = f2c_buf_reserve(&ch->ev, sizeof e + n);
    if (r == 0) {
        char *p = ch->ev.data + ch->ev.len;
        memcpy(p, &e, sizeof e);
        memcpy(p + sizeof e, rt, tl);
        memcpy(p + sizeof e + tl, id, il);
        memcpy(p + sizeof e + tl + il, lu.data ? lu.data : "", lu.len + 1);
        ch->ev.len += sizeof e + n;
    }
    f2c_buf_free(&lu);
    return r;
}

/* ---- one line ---------------------------------------------------------------------------- */

/* A well-formed resource of a type no table reads is counted without building a tree (Bulk
 * Data exports are mostly such lines for a narrow configuration); 1 when it was. */
static int skip_untabled(chunk *ch, const f2c_json_peek *peek)
{
    if (!peek->is_object || !peek->resource_type || peek->resource_type_len >= 128) return 0;
    char rt[128];
    memcpy(rt, peek->resource_type, peek->resource_type_len);
    rt[peek->resource_type_len] = '\0';
    if (!f2c_is_resource_type_name(rt) || f2c_plan_tables_for(ch->f->j->plan, rt) != 0) return 0;
    ch->c.resources++;
    f2c_counts_untabled(&ch->c, rt, 1);
    return 1;
}

/* The root's resourceType, or NULL after rejecting the line. */
static const char *resource_type(chunk *ch, const cJSON *root, f2c_error *e)
{
    const char *file = ch->f->label;
    if (!cJSON_IsObject(root)) {
        f2c_error_set(e, F2C_ENOTOBJECT, file, ch->line, 0, NULL,
                      "line is a JSON %s, not an object (a FHIR resource)", f2c_json_kind(root));
        reject(ch, e);
        return NULL;
    }
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "resourceType");
    if (!rt)
        f2c_error_set(e, F2C_ERESOURCE, file, ch->line, 0, "/resourceType",
                      "resource has no \"resourceType\"");
    else if (!cJSON_IsString(rt))
        f2c_error_set(e, F2C_ERESOURCE, file, ch->line, 0, "/resourceType",
                      "\"resourceType\" must be a string, found a JSON %s", f2c_json_kind(rt));
    else if (!f2c_is_resource_type_name(rt->valuestring))
        f2c_error_set(e, F2C_ERESOURCE, file, ch->line, 0, "/resourceType",
                      "\"%.80s\" is not a resource type name (such as Patient)", rt->valuestring);
    else
        return rt->valuestring;
    reject(ch, e);
    return NULL;
}

/* Parses text; F2C_OK with the document parsed, 1 when the line was rejected, or a fatal
 * status (said). */
static int parse_line(chunk *ch, const char *text, size_t len, f2c_error *e)
{
    f2c_json_peek peek;
    f2c_status st = f2c_json_check(text, len, &peek, e);
    if (st == F2C_OK && skip_untabled(ch, &peek)) return 1;
    if (st == F2C_OK && f2c_json_tree_bytes(&peek, len) + len > 3 * len + LINE_SLACK) {
        /* Bounded memory: a line of millions of tiny values would take far more than its
         * length once parsed (about 80 bytes per value); refused before parsing. */
        f2c_error_set(e, F2C_ETOOLONG, ch->f->label, ch->line, 0, NULL,
                      "%zu JSON values in %zu bytes: parsed they would take about %zu MiB, more "
                      "than 3 times the line plus %u MiB; line rejected",
                      peek.values, len, (f2c_json_tree_bytes(&peek, len) + len) >> 20,
                      LINE_SLACK >> 20);
        reject(ch, e);
        return 1;
    }
    if (st == F2C_OK) st = f2c_doc_parse_checked(ch->w->doc, text, len, e);
    if (st == F2C_ENOMEM) {
        say_error(ch, SAY_ALWAYS, e);
        return st;
    }
    if (st != F2C_OK) {
        char what[sizeof e->message], ptr[sizeof e->pointer];
        memcpy(what, e->message, sizeof what);
        memcpy(ptr, e->pointer, sizeof ptr);
        /* A string with a control character FHIR excludes is well-formed JSON: its message is
         * complete and names the member (docs/transform.md, "Bad input"). */
        f2c_error_set(e, st, ch->f->label, ch->line, e->column, ptr, "%s%s",
                      peek.bad_string ? "" : "malformed JSON: ", what);
        reject(ch, e);
        return 1;
    }
    return F2C_OK;
}

/* One NDJSON line: parse, route, flatten.  Returns F2C_OK or a fatal status (said). */
static f2c_status do_line(chunk *ch, const char *text, size_t len)
{
    const f2c_job *j = ch->f->j;
    f2c_error e;
    f2c_error_clear(&e);
    int pr = parse_line(ch, text, len, &e);
    if (pr == 1) return F2C_OK;
    if (pr != F2C_OK) return (f2c_status)pr;
    const cJSON *root = f2c_doc_root(ch->w->doc);
    const char *rt = resource_type(ch, root, &e);
    if (!rt) return F2C_OK;
    ch->c.resources++;
    if (f2c_plan_tables_for(j->plan, rt) == 0) {
        f2c_counts_untabled(&ch->c, rt, 1);
        return F2C_OK;
    }
    /* Without an id the row's identity is its place in the input (f2c_resource.h). */
    f2c_resource_key key;
    int has_id = f2c_resource_key_of(&key, root, rt, ch->f->stem, ch->line);
    if (j->o.merge) {
        int mr = merge_resource(ch, root, rt, key.id);
        if (mr > 0) return F2C_OK;
        if (mr < 0) {
            sayf(ch, SAY_ALWAYS, "error: %s:%ld: out of memory\n", ch->f->label, ch->line);
            return F2C_ENOMEM;
        }
    } else if (!has_id) {
        warn_no_id(ch, root, rt);
    }
    f2c_row_sink sink = {.ud = ch, .row = on_row, .warn = on_warn, .error = on_error};
    f2c_status st =
        f2c_plan_resource(ch->w->ctx, ch->w->doc, root, rt, key.id, key.identity, &sink, &e);
    if (st != F2C_OK) say_error(ch, SAY_ALWAYS, &e);
    return st;
}

/* A raw line record: the per-line rules (f2c_ndjson_check_line), then do_line. */
static f2c_status do_record_line(chunk *ch, char *s, size_t n)
{
    f2c_error e;
    f2c_error_clear(&e);
    const char *line;
    size_t len;
    if (f2c_ndjson_check_line(ch->f->label, ch->line, s, n, &line, &len, &e) != F2C_OK) {
        reject(ch, &e);
        return F2C_OK;
    }
    ch->file_lines++;
    return do_line(ch, line, len);
}

void f2c_chunk_process(const f2c_job *j, chunk *ch)
{
    assert(ch->w && ch->ev.len == 0);
    if (atomic_load(&((f2c_job *)j)->stop) || atomic_load(&ch->f->fatal_any))
        return; /* skipped at commit */
    for (size_t off = 0; off < ch->in.len && ch->fatal == F2C_OK;) {
        rec r;
        memcpy(&r, ch->in.data + off, sizeof r);
        char *body = ch->in.data + off + sizeof r;
        off += sizeof r + r.len + (r.kind == REC_LINE);
        if (r.kind == REC_SAY) {
            if (add_say(ch, SAY_ALWAYS, body, r.len) != 0) ch->fatal = F2C_ENOMEM;
            continue;
        }
        ch->line = r.lineno;
        ch->c.lines++;
        if (r.kind == REC_REJECTED) {
            f2c_error e;
            memcpy(&e, body, sizeof e);
            reject(ch, &e);
            continue;
        }
        ch->fatal = do_record_line(ch, body, r.len);
    }
}

/* ---- replay (the commit side) ------------------------------------------------------------ */

f2c_status f2c_chunk_replay(const f2c_job *j, const chunk *ch, const chunk_replay *r,
                            f2c_error *err)
{
    size_t maxw = 1;
    for (size_t t = 0; t < j->ts.count; t++)
        if (f2c_table_width(&j->ts.tables[t]) > maxw) maxw = f2c_table_width(&j->ts.tables[t]);
    const char **cells = malloc(maxw * sizeof *cells);
    size_t *lens = malloc(maxw * sizeof *lens);
    f2c_status st =
        cells && lens ? F2C_OK : f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t off = 0; st == F2C_OK && off < ch->ev.len;) {
        ev e;
        memcpy(&e, ch->ev.data + off, sizeof e);
        const char *p = ch->ev.data + off + sizeof e;
        if (e.kind == EV_SAY) {
            r->say(r->ud, e.sub, p, e.t);
            off += sizeof e + e.t;
            continue;
        }
        if (e.kind == EV_RES) {
            const char *id = p + strlen(p) + 1, *lu = id + strlen(id) + 1;
            st = r->resource(r->ud, e.line, p, id, *lu ? lu : NULL, err);
            off += sizeof e + e.t;
            continue;
        }
        size_t w = f2c_table_width(&j->ts.tables[e.t]);
        for (size_t i = 0; i < w; i++) {
            memcpy(&lens[i], p, sizeof lens[i]);
            cells[i] = p + sizeof lens[i];
            p += sizeof lens[i] + lens[i];
        }
        off = (size_t)(p - ch->ev.data);
        st = r->row(r->ud, e.t, e.line, cells, lens, err);
    }
    free(cells);
    free(lens);
    return st;
}
