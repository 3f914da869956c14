/*
 * f2c_job: the stream-job engine, see f2c_job.h; moved here from the transformer so front ends
 * and tests link it, with console output left to the caller (f2c_job_ui).
 *
 * Order of work, and why:
 *  1. Everything that can make the whole run pointless is checked before any input is read:
 *     the table configuration or the ViewDefinitions (all their errors at once; both compile
 *     to the same plan, f2c_plan.h), the output format and folder (can we create files there);
 *     f2c_job_run adds the input list (f2c_job_run.c).  Failing here exits 2 and writes nothing.
 *  2. Bytes are fed to a file of the job (by f2c_job_run's reader, or the export command's
 *     downloads), split into lines by f2c_ndjson's push splitter on the feeding thread (gzip
 *     inflated there) and gathered into chunks; workers turn chunks into rows and messages
 *     (f2c_job_work.c), and chunks are committed in input order (f2c_pool.c: per file, or one
 *     sequence for all files of f2c_job_run), so partitions, messages and counts are the same
 *     for every thread count (docs/transform.md, "Threads").  A bad line is reported with
 *     file:line (and column), counted and skipped; every other row is kept.  Each table gets a
 *     partition for the file only if the file gives it a row, staged in the job's transaction.
 *  3. The commit record (model.json or the manifest) is written last, listing the partitions that
 *     exist, so it never names a file that is missing or incomplete.
 *
 * One engine for files and downloads: the golden tests of f2c_job_run cover the code the
 * streaming path runs (gzip included).  Shared read-only state (options, tableset, plan, sink,
 * now()) is f2c_job's; a file (f2c_job_file) has its splitter and chunk on the feeding side, its
 * partitions and counts on the commit side.  The only shared mutable state (the job's totals,
 * the "first 100 messages" counters, the caller's ui, the worker and chunk pools) is behind one
 * mutex taken per message, per chunk and per file end -- never per row.  A file's counts are its
 * own until it ends; they are added to the job only when its partitions are committed, so a
 * failed download leaves neither rows nor counts behind.
 *
 * Partitions are written only through the row-sink interface (f2c_sink.h: open, header, row,
 * finish, abort; staged in the job's transaction), never by a format's own API, so the output
 * format is the sink's business: this file decides which rows go to which partition and when a
 * partition is complete or dropped.
 */
#include "fhir2cdm/f2c_job.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>
#include <zlib.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_resource.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_sink.h"

#include "f2c_job_int.h"

typedef f2c_job job;

/* ---- the caller's ui -------------------------------------------------------------------- */

static void no_progress_begin(void *ud, unsigned long long total)
{
    (void)ud, (void)total;
}

static void no_progress(void *ud, unsigned long long done, unsigned long long resources,
                        const char *path)
{
    (void)ud, (void)done, (void)resources, (void)path;
}

static void no_ud(void *ud)
{
    (void)ud;
}

static void no_summary(void *ud, const f2c_job_stats *s)
{
    (void)ud, (void)s;
}

static int never(void *ud)
{
    (void)ud;
    return 0;
}

static void no_hold(void *ud, int on)
{
    (void)ud, (void)on;
}

/* *to = *from (NULL: all defaults) with every NULL member replaced by its default, so the engine
 * calls them without checks (say stays NULL: vsay_ui writes to stderr). */
static void ui_defaults(f2c_job_ui *to, const f2c_job_ui *from)
{
    *to = from ? *from : (f2c_job_ui){0};
    if (!to->progress_begin) to->progress_begin = no_progress_begin;
    if (!to->progress) to->progress = no_progress;
    if (!to->progress_end) to->progress_end = no_ud;
    if (!to->summary) to->summary = no_summary;
    if (!to->interrupted) to->interrupted = never;
    if (!to->hold_signals) to->hold_signals = no_hold;
}

/* Monotonic seconds (the summary's duration). */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int f2c_job_valid_operation_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* ---- messages --------------------------------------------------------------------------- */

void job_lock(job *j)
{
    pthread_mutex_lock(&j->mu);
}

void job_unlock(job *j)
{
    pthread_mutex_unlock(&j->mu);
}

/* Formats a message and hands it to ui->say (NULL: stderr). */
static void vsay_ui(const f2c_job_ui *ui, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[1024], *text = small;
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !text) return;
    if (ui && ui->say)
        ui->say(ui->ud, text);
    else
        fputs(text, stderr);
    if (text != small) free(text);
}

void job_say_ui(const f2c_job_ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay_ui(ui, fmt, ap);
    va_end(ap);
}

/* A message, under mu. */
__attribute__((format(printf, 2, 3))) static void sayf_locked(job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay_ui(&j->ui, fmt, ap);
    va_end(ap);
}

/* A message, taking mu. */
void job_sayf(job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&j->mu);
    vsay_ui(&j->ui, fmt, ap);
    pthread_mutex_unlock(&j->mu);
    va_end(ap);
}

static void say_error_locked(job *j, const f2c_error *e)
{
    char buf[2048];
    sayf_locked(j, "error: %s\n", f2c_error_format(e, buf, sizeof buf));
}

void job_say_error(job *j, const f2c_error *e)
{
    job_lock(j);
    say_error_locked(j, e);
    job_unlock(j);
}

/* Load diagnostics: errors, and warnings (code F2C_OK: the configuration still loads). */
static void say_diags(job *j, const f2c_diags *d)
{
    char buf[2048];
    job_lock(j);
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].status == F2C_OK)
            sayf_locked(j, "warning: %s\n", f2c_error_format(&d->items[i], buf, sizeof buf));
        else
            say_error_locked(j, &d->items[i]);
    job_unlock(j);
}

/* The errors among d's diagnostics. */
static size_t count_errors(const f2c_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].status != F2C_OK;
    return n;
}

int job_strptrcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- output folder ---------------------------------------------------------------------- */

/* Opens the output folder's transaction: lock, recovery of an interrupted run, staging folder.
 * Nothing is written to the published state before job_finish. */
int job_prepare_output(job *j)
{
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_commit_begin(j->o.output_dir, stderr, &j->tx, &e) == F2C_OK) return 0;
    job_say_error(j, &e);
    return F2C_JOB_USAGE;
}

/* "data/<entity>" of table t, into p (reset first); 0 or -1 (out of memory). */
static int entity_dir(f2c_buf *p, const f2c_table *t)
{
    f2c_buf_reset(p);
    return f2c_buf_printf(p, "data/%s", t->entity);
}

/* ---- commit: rows and messages into place, in input order ------------------------------- */

/* Under mu: counts one more message of `kind` said or not; returns its number (SAY_ALWAYS: 1). */
static unsigned long long bump_locked(job *j, int kind)
{
    if (kind == SAY_ALWAYS) return 1;
    return atomic_fetch_add(&j->seen[kind], 1) + 1;
}

/* Under mu: after the MAX_SHOWN-th message of a kind, says that the rest are only counted. */
static void note_locked(job *j, int kind, unsigned long long n)
{
    if (n != MAX_SHOWN) return;
    if (kind == SAY_REJECT)
        sayf_locked(j, "note: further rejected lines are counted but not shown\n");
    else if (kind == SAY_WARNING)
        sayf_locked(j, "note: further warnings are counted but not shown\n");
}

/* A worker's message (chunk_replay.say), said unless MAX_SHOWN of its kind were. */
static void commit_say(void *ud, int kind, const char *text, size_t len)
{
    job *j = ((f2c_job_file *)ud)->j;
    job_lock(j);
    unsigned long long n = bump_locked(j, kind);
    if (n <= MAX_SHOWN) sayf_locked(j, "%.*s", (int)len, text);
    note_locked(j, kind, n);
    job_unlock(j);
}

/* Remembers a partition staged as dir/name under OPID_TBD, of input `stem`; 0 or -1. */
static int add_tbd(job *j, const char *dir, const char *name, const char *stem)
{
    job_lock(j);
    tbd_entry *t = realloc(j->tbd, (j->ntbd + 1) * sizeof *t);
    int rc = -1;
    if (t) {
        j->tbd = t;
        f2c_buf from = {0};
        char *st = strdup(stem);
        if (st && f2c_buf_printf(&from, "%s/%s", dir, name) == 0) {
            t[j->ntbd++] = (tbd_entry){.from = from.data, .stem = st};
            rc = 0;
        } else {
            free(st);
            f2c_buf_free(&from);
        }
    }
    job_unlock(j);
    return rc;
}

/* Once the derived operation id is known: every partition staged under OPID_TBD gets its name
 * (f2c_commit_rename_staged).  0, or F2C_JOB_USAGE (said; nothing will be published). */
int job_rename_tbd(job *j)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_buf to = {0}, name = {0};
    int rc = 0;
    for (size_t i = 0; i < j->ntbd && rc == 0; i++) {
        const char *slash = strrchr(j->tbd[i].from, '/');
        f2c_buf_reset(&to);
        f2c_buf_reset(&name);
        if (!slash ||
            f2c_cdm_partition_name(&name, j->tbd[i].stem, j->opid, 0,
                                   f2c_sink_extension(&j->sink)) != 0 ||
            f2c_buf_append(&to, j->tbd[i].from, (size_t)(slash + 1 - j->tbd[i].from)) != 0 ||
            f2c_buf_appends(&to, name.data) != 0) {
            job_sayf(j, "error: out of memory\n");
            rc = F2C_JOB_USAGE;
        } else if (f2c_commit_rename_staged(j->tx, j->tbd[i].from, to.data, &e) != F2C_OK) {
            job_say_error(j, &e);
            rc = F2C_JOB_USAGE;
        }
    }
    f2c_buf_free(&to);
    f2c_buf_free(&name);
    return rc;
}

static void on_sink_warn(void *ud, size_t col, const char *why);

/* Opens table t's partition of file f through the job's sink (staged in its transaction) and
 * writes its header. */
static f2c_status open_partition(f2c_job_file *f, size_t t, f2c_error *err)
{
    const job *j = f->j;
    const f2c_table *tb = &j->ts.tables[t];
    f2c_buf *p = &f->pathbuf, name = {0};
    if (!j->tx) /* the job was finished: nothing more can be published */
        return f2c_error_set(err, F2C_EIO, j->o.output_dir, 0, 0, NULL,
                             "the job's output was already committed");
    /* While the derived operation id is still being hashed, the partition is staged under a
     * name of its own and renamed before the commit (rename_tbd): rows never wait for the hash. */
    job_lock((job *)j);
    int tbd = j->opid_pending;
    job_unlock((job *)j);
    f2c_status st;
    if (entity_dir(p, tb) != 0 || f2c_cdm_partition_name(&name, f->stem, tbd ? OPID_TBD : j->opid,
                                                         0, f2c_sink_extension(&j->sink)) != 0)
        st = f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    else
        st = f2c_sink_open(&j->sink, j->tx, p->data, name.data, tb, on_sink_warn, &f->warn_ctx[t],
                           &f->parts[t], err);
    if (st == F2C_OK && tbd && add_tbd((job *)j, p->data, name.data, f->stem) != 0)
        st = f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    f2c_buf_free(&name);
    return st == F2C_OK ? f2c_sink_header(f->parts[t], err) : st;
}

/* A worker's row (chunk_replay.row): into table t's partition of the file. */
static f2c_status commit_row(void *ud, size_t t, long line, const char *const *cells,
                             const size_t *lens, f2c_error *err)
{
    f2c_job_file *f = ud;
    f->line = line;
    if (!f->parts[t]) {
        f2c_status st = open_partition(f, t, err);
        if (st != F2C_OK) return st;
    }
    f->c.rows[t]++;
    if (!f->mf)
        return f2c_sink_row(f->parts[t], f2c_table_width(&f->j->ts.tables[t]), cells, lens, err);
    /* merge mode: where the row is (f2c_merge.h) */
    unsigned long long off = f2c_sink_offset(f->parts[t]);
    f2c_status st =
        f2c_sink_row(f->parts[t], f2c_table_width(&f->j->ts.tables[t]), cells, lens, err);
    if (st == F2C_OK && f2c_merge_file_row(f->mf, t, off, f2c_sink_offset(f->parts[t]) - off) != 0)
        st = f2c_error_set(err, F2C_ENOMEM, f->label, line, 0, NULL, "out of memory");
    return st;
}

/* Merge mode: the resource whose rows follow (chunk_replay.resource). */
static f2c_status commit_resource(void *ud, long line, const char *type, const char *id,
                                  const char *lu, f2c_error *err)
{
    f2c_job_file *f = ud;
    if (f->mf && f2c_merge_file_resource(f->mf, type, id, lu, line) != 0)
        return f2c_error_set(err, F2C_ENOMEM, f->label, line, 0, NULL, "out of memory");
    return F2C_OK;
}

/* A partition's sink changed or left out a value of column col (f2c_sink_warn_fn): counted as a
 * warning of that column, said the first MAX_SHOWN times. */
static void on_sink_warn(void *ud, size_t col, const char *why)
{
    sink_warn_ctx *c = ud;
    f2c_job_file *f = c->f;
    job *j = f->j;
    f->c.warnings++;
    f->c.colsw[j->col_off[c->t] + col]++;
    job_lock(j);
    unsigned long long n = bump_locked(j, SAY_WARNING);
    if (n <= MAX_SHOWN) /* why says what became of the value */
        sayf_locked(j, "warning: %s:%ld: table %s column %s: %s\n", f->label, f->line,
                    j->ts.tables[c->t].name, f2c_table_column_name(&j->ts.tables[c->t], col), why);
    note_locked(j, SAY_WARNING, n);
    job_unlock(j);
}

/* Output of f cannot be written (or the input cannot be read on: feed_fatal): its partitions
 * will be dropped; a run by path (f2c_job_run) stops. */
static void set_fatal(f2c_job_file *f, f2c_status st)
{
    job *j = f->j;
    if (f->fatal == F2C_OK) f->fatal = st;
    atomic_store(&f->fatal_any, (int)f->fatal);
    if (f->seq != j->run_seq) return;
    job_lock(j);
    if (j->fatal == F2C_OK) j->fatal = st;
    job_unlock(j);
    atomic_store(&j->stop, 1);
}

/* ---- workers and chunks ----------------------------------------------------------------- */

static void worker_free(worker *w)
{
    if (!w) return;
    f2c_doc_free(w->doc);
    f2c_plan_ctx_free(w->ctx);
    free(w);
}

/* A worker from the pool, or a new one (NULL when out of memory). */
static worker *worker_get(job *j)
{
    job_lock(j);
    worker *w = j->idle;
    if (w) j->idle = w->next;
    job_unlock(j);
    if (w) return w;
    w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->ctx = f2c_plan_ctx_new(j->plan);
    w->doc = f2c_doc_new();
    if (!w->ctx || !w->doc) {
        worker_free(w);
        return NULL;
    }
    f2c_plan_ctx_set_fp_limits(w->ctx, j->o.fp_limits); /* NULL: the defaults */
    /* One instant for the whole job, whichever worker evaluates the row. */
    if (j->now[0]) f2c_plan_ctx_set_now(w->ctx, j->now);
    return w;
}

static void worker_put(job *j, worker *w)
{
    if (!w) return;
    job_lock(j);
    w->next = j->idle;
    j->idle = w;
    job_unlock(j);
}

static void chunk_free(chunk *ch)
{
    if (!ch) return;
    f2c_buf_free(&ch->in);
    f2c_buf_free(&ch->ev);
    f2c_counts_free(&ch->c);
    free(ch);
}

/* An empty chunk of file f, recycled or new (NULL when out of memory). */
static chunk *chunk_get(job *j, f2c_job_file *f)
{
    job_lock(j);
    chunk *ch = j->free_chunks;
    if (ch) j->free_chunks = ch->next_free;
    job_unlock(j);
    if (!ch &&
        (!(ch = calloc(1, sizeof *ch)) || f2c_counts_init(j->ts.count, j->ncols, &ch->c) != 0)) {
        chunk_free(ch);
        return NULL;
    }
    ch->f = f;
    ch->trailing_at = -1;
    return ch;
}

/* Back to the free list, emptied; buffers that grew past a few chunks' size (a huge line) are
 * released rather than kept. */
static void chunk_put(job *j, chunk *ch)
{
    f2c_buf in = ch->in, ev = ch->ev;
    counts c = ch->c;
    f2c_buf *bufs[2] = {&in, &ev};
    for (int i = 0; i < 2; i++)
        if (bufs[i]->cap > 4 * CHUNK_BYTES)
            f2c_buf_free(bufs[i]);
        else
            f2c_buf_reset(bufs[i]);
    f2c_counts_reset(&c);
    memset(ch, 0, sizeof *ch);
    ch->in = in;
    ch->ev = ev;
    ch->c = c;
    job_lock(j);
    ch->next_free = j->free_chunks;
    j->free_chunks = ch;
    job_unlock(j);
}

/* f2c_pool_process_fn: a chunk's lines into events, with a worker lent for the chunk. */
static void process_chunk(void *ud, f2c_pool_task *t)
{
    job *j = ud;
    chunk *ch = (chunk *)t;
    ch->w = worker_get(j);
    if (!ch->w) {
        ch->fatal = F2C_ENOMEM;
        ch->no_worker = 1;
        return;
    }
    f2c_chunk_process(j, ch);
    worker_put(j, ch->w);
    ch->w = NULL;
}

static void file_finish(f2c_job_file *f, const chunk *ch);

/* The chunk's events into the file's partitions and the job's messages. */
static void replay_chunk(f2c_job_file *f, chunk *ch)
{
    job *j = f->j;
    f2c_error e;
    f2c_error_clear(&e);
    chunk_replay r = {.ud = f, .row = commit_row, .say = commit_say, .resource = commit_resource};
    f2c_status st = f2c_chunk_replay(j, ch, &r, &e);
    if (st != F2C_OK) {
        job_say_error(j, &e);
        set_fatal(f, st);
    }
    f2c_counts_add(&f->c, &ch->c);
    f->file_lines += ch->file_lines;
    if (ch->no_worker) job_sayf(j, "error: out of memory\n");
    if (ch->fatal != F2C_OK) set_fatal(f, ch->fatal);
}

/* f2c_pool_commit_fn: in input order, per file (f2c_job_file_begin) or per run (f2c_job_run). */
static void commit_chunk(void *ud, f2c_pool_task *t)
{
    job *j = ud;
    chunk *ch = (chunk *)t;
    f2c_job_file *f = ch->f;
    if (!atomic_load(&j->stop) && f->fatal == F2C_OK) replay_chunk(f, ch);
    if (j->inputs) {
        job_lock(j);
        j->progress_bytes += ch->raw_bytes;
        j->ui.progress(j->ui.ud, j->progress_bytes, j->c.resources + f->c.resources, f->label);
        job_unlock(j);
    }
    if (ch->last) file_finish(f, ch); /* may free f */
    chunk_put(j, ch);
}

/* ---- one file: the feeding side ---------------------------------------------------------- */

/* Submits f's current chunk and starts the next one; F2C_OK or F2C_ENOMEM. */
static f2c_status submit_chunk(f2c_job_file *f, f2c_error *err)
{
    job *j = f->j;
    chunk *next = chunk_get(j, f), *ch = f->cur;
    if (!next) return f2c_error_set(err, F2C_ENOMEM, f->label, 0, 0, NULL, "out of memory");
    ch->raw_bytes = f->fed - f->fed_submitted;
    f->fed_submitted = f->fed;
    f->cur = next;
    f2c_pool_submit(j->pool, f->seq, &ch->task, 1 + ch->in.len / CHUNK_BYTES);
    return F2C_OK;
}

/* A file named for a type (f->name_type): its first line that is not blank decides whether lines
 * of types nothing reads may be skipped (its type is the name's) or every line is read (another
 * type, or one f2c_rtscan_line cannot tell, or a line already rejected).  docs/transform.md,
 * "Reading only what the job needs". */
static void first_line(f2c_job_file *f, f2c_status status, const char *line, size_t len,
                       long lineno)
{
    if (status == F2C_OK) {
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3; /* a byte order mark */
            len -= 3;
        }
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == len) return; /* blank: the next line decides */
    }
    const char *t = NULL;
    size_t n = status == F2C_OK ? f2c_rtscan_line(line, len, &t) : 0;
    int same = n && n == strlen(f->name_type) && memcmp(t, f->name_type, n) == 0;
    f->lines = same ? LINES_SKIP : LINES_ALL;
}

/* f2c_ndjson_line_cb (F2C_NDJSON_PUSH_RAW): every line of every file comes here, to be checked
 * and transformed by a worker, or skipped here when it is of a type nothing reads. */
static f2c_status on_raw_line(void *ud, f2c_status status, const char *line, size_t len,
                              long lineno, f2c_error *err)
{
    f2c_job_file *f = ud;
    if (f->lines == LINES_PENDING) first_line(f, status, line, len, lineno);
    /* A full chunk is submitted here, before the next line, or when the feed call returns: never
     * while the splitter still holds the line just copied (a huge line would be held twice while
     * a thread parses it). */
    if (f->cur->in.len >= CHUNK_BYTES) {
        f2c_status st = submit_chunk(f, err);
        if (st != F2C_OK) return st;
    }
    if (status == F2C_OK && f->lines == LINES_SKIP && f2c_chunk_skip_unread(f->cur, line, len))
        return F2C_OK;
    int rc = status == F2C_OK ? f2c_chunk_add_line(f->cur, line, len, lineno)
                              : f2c_chunk_add_rejected(f->cur, err);
    if (rc != 0) return f2c_error_set(err, F2C_ENOMEM, f->label, lineno, 0, NULL, "out of memory");
    return F2C_OK;
}

/* Forgets table t's partition of file f: aborted through the sink (staged file removed). */
static void drop_partition(f2c_job_file *f, size_t t)
{
    /* A partition exists only while the job's transaction does: open_partition refuses without
     * one, and the job is finished only after every file has ended. */
    assert(!f->parts[t] || f->j->tx);
    f2c_sink_abort(f->parts[t]);
    f->parts[t] = NULL;
}

static void file_free(f2c_job_file *f)
{
    if (!f) return;
    job *j = f->j;
    for (size_t t = 0; f->parts && t < j->ts.count; t++)
        drop_partition(f, t);
    free(f->parts);
    free(f->warn_ctx);
    if (f->cur) chunk_put(j, f->cur);
    if (f->seq && f->seq != j->run_seq) f2c_pool_seq_free(f->seq);
    f2c_merge_file_free(f->mf);
    f2c_ndjson_push_free(f->push);
    f2c_buf_free(&f->pathbuf);
    f2c_counts_free(&f->c);
    if (!f->named) free(f->stem); /* else j->names owns it */
    free(f->label);
    free(f);
}

/* Registers f's stem in j->names, or says why it cannot be used; 0 or -1. */
static int name_file(f2c_job_file *f, const char *name)
{
    job *j = f->j;
    /* Two files with one stem would write (and rename over) the same partitions. */
    const char *why = NULL;
    job_lock(j);
    if (!*name || strchr(name, '/')) why = "is not a file name";
    if (!why && !f2c_cdm_partition_name_fits(name, j->opid))
        why = "gives partition file names longer than 255 bytes";
    for (size_t i = 0; !why && i < j->nnames; i++)
        if (strcmp(j->names[i], name) == 0) why = "is already used by another input of this job";
    char **nn = why ? NULL : realloc(j->names, (j->nnames + 1) * sizeof *nn);
    if (nn) {
        j->names = nn;
        j->names[j->nnames++] = f->stem;
        f->named = 1;
        f->ordinal = j->nbegun++;
    } else if (why) {
        sayf_locked(j, "error: %s: partition name \"%s\" %s\n", f->label, name, why);
    }
    job_unlock(j);
    return f->named ? 0 : -1;
}

/* A file of j: its chunks go to seq (NULL: a sequence of its own, and f2c_job_file_end waits
 * for its commit). */
f2c_job_file *job_file_begin(job *j, const char *name, const char *label, int flags,
                             f2c_pool_seq *seq)
{
    f2c_job_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->j = j;
    f->stem = strdup(name);
    f->label = strdup(label ? label : name);
    f->parts = calloc(j->ts.count ? j->ts.count : 1, sizeof *f->parts);
    f->warn_ctx = calloc(j->ts.count ? j->ts.count : 1, sizeof *f->warn_ctx);
    for (size_t t = 0; f->warn_ctx && t < j->ts.count; t++)
        f->warn_ctx[t] = (sink_warn_ctx){.f = f, .t = t};
    f->waited = seq == NULL;
    f->seq = seq ? seq : f2c_pool_seq_new(j->pool);
    size_t nt = f2c_rtscan_stem(name); /* a Bulk Data name: its first line must agree */
    memcpy(f->name_type, name, nt);
    f->name_type[nt] = '\0';
    f->lines = nt ? LINES_PENDING : LINES_SKIP;
    if (j->merge) f->mf = f2c_merge_file_new(j->ts.count);
    f2c_error e;
    if (!f->stem || !f->label || !f->parts || !f->warn_ctx || !f->seq || (j->merge && !f->mf) ||
        f2c_counts_init(j->ts.count, j->ncols, &f->c) != 0 ||
        f2c_ndjson_push_new(f->label, j->o.max_line, flags | F2C_NDJSON_PUSH_RAW, &f->push, &e) !=
            F2C_OK ||
        !(f->cur = chunk_get(j, f)) || name_file(f, name) != 0) {
        file_free(f);
        return NULL;
    }
    return f;
}

/* Under mu: forgets f's stem (its partitions were aborted; the name may be used again). */
static void unname_locked(f2c_job_file *f)
{
    job *j = f->j;
    for (size_t i = 0; f->named && i < j->nnames; i++)
        if (j->names[i] == f->stem) {
            j->names[i] = j->names[--j->nnames];
            break;
        }
    f->named = 0;
}

/* An error met while feeding, said in order with the file's lines (through its chunk). */
void job_feed_error(f2c_job_file *f, const f2c_error *e)
{
    char buf[2048], text[2100];
    snprintf(text, sizeof text, "error: %s\n", f2c_error_format(e, buf, sizeof buf));
    if (f2c_chunk_add_say(f->cur, text) != 0) f->feed_fatal = F2C_ENOMEM;
}

/* Feeds bytes (writable: mut == data, lines handed out in place; or mut NULL); returns F2C_OK,
 * or a fatal status after which the file can only be ended.  Undecodable input (gzip errors) is
 * reported and ends the file's reading, not the job. */
f2c_status job_file_feed(f2c_job_file *f, const void *data, char *mut, size_t len)
{
    if (f->feed_fatal != F2C_OK) return (f2c_status)f->feed_fatal;
    int known = atomic_load(&f->fatal_any);
    if (known != F2C_OK) return (f2c_status)known;
    if (f->feed_failed) return F2C_OK;
    f->fed += len;
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status st = mut ? f2c_ndjson_push_feed_inplace(f->push, mut, len, on_raw_line, f, &e)
                        : f2c_ndjson_push_feed(f->push, data, len, on_raw_line, f, &e);
    if (st == F2C_OK && f->cur->in.len >= CHUNK_BYTES) st = submit_chunk(f, &e);
    if (st == F2C_OK) return F2C_OK;
    job_feed_error(f, &e);
    if (st == F2C_EIO) {
        f->feed_failed = 1;
        return F2C_OK;
    }
    f->feed_fatal = st;
    return st;
}

/* Ends the feeding of f: its last chunk is submitted, and its commit ends the file
 * (file_finish).  A file with its own sequence is waited for and freed here, returning F2C_OK or
 * its fatal status (said); otherwise the commit frees it and F2C_OK is returned. */
f2c_status job_file_end(f2c_job_file *f, int mode)
{
    job *j = f->j;
    if (mode == END_FLUSH && f->feed_fatal == F2C_OK && !f->feed_failed) {
        f2c_error e;
        f2c_error_clear(&e);
        f2c_status st = f2c_ndjson_push_end(f->push, on_raw_line, f, &e);
        if (st != F2C_OK) {
            job_feed_error(f, &e);
            if (st == F2C_EIO)
                f->feed_failed = 1;
            else
                f->feed_fatal = st;
        }
    }
    chunk *ch = f->cur;
    f->cur = NULL;
    ch->last = 1;
    ch->end_mode = mode;
    ch->input_failed = f->feed_failed || mode == END_KEEP;
    ch->feed_fatal = f->feed_fatal;
    ch->trailing_at = f2c_ndjson_push_trailing(f->push, &ch->trailing_bytes);
    ch->raw_bytes = f->fed - f->fed_submitted;
    f->bytes = f->fed;
    int waited = f->waited; /* once submitted, f may be freed by its commit */
    f2c_pool_submit(j->pool, f->seq, &ch->task, 1 + ch->in.len / CHUNK_BYTES);
    if (!waited) return F2C_OK;
    f2c_pool_seq_wait(j->pool, f->seq);
    f2c_status rc = f->result;
    file_free(f);
    return rc;
}

/* ---- one file: its end, committed -------------------------------------------------------- */

/* Says the file's end-of-input warnings (under no lock). */
static void end_warnings(f2c_job_file *f, const chunk *ch, int mode)
{
    job *j = f->j;
    job_lock(j);
    if (mode == END_FLUSH && ch->trailing_at >= 0 && f->fatal == F2C_OK && !ch->input_failed)
        /* files and downloads alike: bytes after the last gzip member are not data */
        sayf_locked(j,
                    "warning: %s: %llu byte%s after the end of the gzip data (from byte offset "
                    "%lld) ignored: not a gzip member; the rows before them are kept\n",
                    f->label, ch->trailing_bytes, ch->trailing_bytes == 1 ? "" : "s",
                    ch->trailing_at);
    if (mode != END_ABORT && f->file_lines == 0 && f->fatal == F2C_OK)
        sayf_locked(j, "warning: %s: no resources in this file\n", f->label);
    job_unlock(j);
}

/* Finishes (or drops) the file's partitions; committed[t] set for those now staged. */
static void end_partitions(f2c_job_file *f, int mode, unsigned char *committed)
{
    job *j = f->j;
    f2c_error e;
    f2c_error_clear(&e);
    for (size_t t = 0; t < j->ts.count; t++) {
        if (!f->parts[t]) continue;
        if (mode == END_ABORT || f->fatal != F2C_OK) {
            drop_partition(f, t);
            continue;
        }
        /* Complete (flushed, fsynced, closed): the partition waits in the staging folder for the
         * job's commit; on failure the sink has dropped it. */
        f2c_status st = f2c_sink_finish(f->parts[t], &e);
        f->parts[t] = NULL;
        if (st != F2C_OK) {
            job_say_error(j, &e);
            set_fatal(f, st);
        } else {
            committed[t] = 1;
        }
    }
}

/* The commit of f's last chunk: end-of-input warnings, partitions finished (or dropped when the
 * input is incomplete, the output failed or the run stopped), the file's counts into the job's. */
static void file_finish(f2c_job_file *f, const chunk *ch)
{
    job *j = f->j;
    int mode = ch->end_mode;
    if (ch->feed_fatal != F2C_OK) set_fatal(f, ch->feed_fatal);
    if (atomic_load(&j->stop) && mode != END_ABORT && f->fatal == F2C_OK)
        mode = END_ABORT; /* another file's failure or a signal stopped the run */
    end_warnings(f, ch, mode);
    size_t nt = j->ts.count;
    unsigned char *committed = calloc(nt ? nt : 1, 1);
    if (!committed && mode != END_ABORT && f->fatal == F2C_OK) {
        job_sayf(j, "error: out of memory\n");
        set_fatal(f, F2C_ENOMEM);
    }
    end_partitions(f, mode, committed);
    job_lock(j);
    j->files++;
    j->bytes += f->bytes;
    if (mode == END_ABORT || ch->input_failed) j->files_failed++;
    if (mode == END_ABORT) unname_locked(f);
    if (mode != END_ABORT) {
        f2c_counts_add(&j->c, &f->c);
        for (size_t t = 0; committed && t < nt; t++)
            j->partitions[t] += committed[t];
    }
    /* merge mode: the file's resources count only when its partitions were staged */
    if (f->mf && mode != END_ABORT && f->fatal == F2C_OK && committed &&
        f2c_merge_add_file(j->merge, f->mf, f->ordinal, f->stem, committed) != 0) {
        sayf_locked(j, "error: %s: out of memory\n", f->label);
        j->merge_failed = 1; /* nothing will be published */
    }
    job_unlock(j);
    free(committed);
    f->result = f->fatal;
    if (!f->waited) file_free(f);
}

/* ---- summary ---------------------------------------------------------------------------- */

/* Under no lock: called when no file is being fed any more. */
static void summary(job *j, size_t nfiles, unsigned long long bytes, double secs, int wrote_model)
{
    const counts *c = &j->c;
    f2c_job_stats s = {.opid = j->opid,
                       .opid_derived = j->opid_derived,
                       .files = nfiles,
                       .bytes = bytes,
                       .seconds = secs,
                       .lines = c->lines,
                       .resources = c->resources,
                       .rejected = c->rejected,
                       .eval_errors = c->eval_errors,
                       .warnings = c->warnings,
                       .no_id = c->no_id,
                       .files_failed = j->files_failed,
                       .untabled = c->untabled,
                       .nuntabled = c->nuntabled,
                       .skipped_files = j->skipped_files,
                       .nskipped_files = j->nskipped_files,
                       .skipped_bytes = j->skipped_bytes,
                       .skipped_lines = c->skipped,
                       .nskipped_lines = c->nskipped,
                       .ts = &j->ts,
                       .rows = c->rows,
                       .partitions = j->partitions,
                       .tablew = c->tablew,
                       .colw = c->colw,
                       .colsw = c->colsw,
                       .col_off = j->col_off,
                       .dir = j->o.summary_dir ? j->o.summary_dir : j->o.output_dir,
                       .wrote_model = wrote_model,
                       .record = f2c_cdm_record_name(j->sink.ops ? j->sink.ops->format : "csv")};
    j->ui.summary(j->ui.ud, &s);
}

/* ---- the job ---------------------------------------------------------------------------- */

job *job_new(const f2c_job_options *o)
{
    f2c_json_init(); /* cJSON's hooks, before any worker starts (f2c_json.h) */
    job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->o = *o;
    j->output_dir = strdup(o->output_dir ? o->output_dir : "");
    if (!j->output_dir || pthread_mutex_init(&j->mu, NULL) != 0) {
        free(j->output_dir);
        free(j);
        return NULL;
    }
    j->o.output_dir = j->output_dir;
    j->o.inputs = NULL;
    j->o.ninputs = 0;
    j->t0 = now_seconds();
    ui_defaults(&j->ui, o->ui);
    if (o->merge && !(j->merge = f2c_merge_new())) {
        pthread_mutex_destroy(&j->mu);
        free(j->output_dir);
        free(j);
        return NULL;
    }
    return j;
}

void f2c_job_free(f2c_job *j)
{
    if (!j) return;
    f2c_pool_free(j->pool); /* every chunk committed, the workers joined */
    f2c_merge_free(j->merge);
    if (j->opid_hash) XXH3_freeState(j->opid_hash);
    f2c_pool_seq_free(j->run_seq);
    for (size_t i = 0; i < j->ntbd; i++) {
        free(j->tbd[i].from);
        free(j->tbd[i].stem);
    }
    free(j->tbd);
    while (j->free_chunks) {
        chunk *ch = j->free_chunks;
        j->free_chunks = ch->next_free;
        chunk_free(ch);
    }
    f2c_commit_abort(j->tx); /* not finished: nothing of this job is published */
    while (j->idle) {
        worker *w = j->idle;
        j->idle = w->next;
        worker_free(w);
    }
    f2c_counts_free(&j->c);
    free(j->partitions);
    free(j->col_off);
    free(j->types);
    for (size_t i = 0; i < j->nnames; i++)
        free(j->names[i]);
    free(j->names);
    for (size_t i = 0; i < j->ninputs; i++) {
        free(j->inputs[i].path);
        free(j->inputs[i].stem);
    }
    free(j->inputs);
    f2c_typelist_free(j->skipped_files, j->nskipped_files);
    f2c_schema_free(&j->ts, j->plan);
    f2c_sink_free(&j->sink);
    pthread_mutex_destroy(&j->mu);
    free(j->output_dir);
    free(j);
}

/* The output format's sink (o.sink; after job_load: the table count divides the Parquet
 * memory budget), and the output folder of no other format; 0 or F2C_JOB_USAGE (printed). */
int job_sink(job *j)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_sink_options so = j->o.sink;
    so.ntables = j->ts.count;
    /* One format per folder: refused here, before anything is read (f2c_cdm_publish checks it
     * again under the lock). */
    if (f2c_sink_new(&so, &j->sink, &e) == F2C_OK &&
        (!j->o.output_dir ||
         f2c_cdm_check_format(j->o.output_dir, j->sink.ops->format, &e) == F2C_OK))
        return 0;
    job_say_error(j, &e);
    return F2C_JOB_USAGE;
}

/* Loads the table configuration or the ViewDefinitions; 0 or F2C_JOB_USAGE (printed). */
int job_load(job *j, const f2c_job_options *o)
{
    /* Both input formats end as a tableset and its plan; nothing after this knows which. */
    f2c_diags diags = {0};
    f2c_schema_input in = {.config_dir = o->nviews ? NULL : o->config_dir,
                           .max_depth = o->max_depth,
                           .views = o->nviews ? o->views : NULL,
                           .nviews = o->nviews};
    f2c_status st = f2c_schema_load(&in, &j->ts, &j->plan, &diags);
    say_diags(j, &diags); /* warnings only, when it loaded */
    if (st == F2C_OK) {
        f2c_diags_free(&diags);
        return 0;
    }
    size_t nerr = count_errors(&diags);
    if (o->nviews) {
        if (nerr == 0)
            job_sayf(j, "error: cannot load the ViewDefinitions (%s)\n", f2c_status_name(st));
        job_sayf(j,
                 "fhir2cdm-transform: ViewDefinitions have %zu error%s; nothing "
                 "written\n",
                 nerr, nerr == 1 ? "" : "s");
    } else {
        if (nerr == 0)
            job_sayf(j, "error: %s: cannot load the table configuration (%s)\n", o->config_dir,
                     f2c_status_name(st));
        job_sayf(j, "fhir2cdm-transform: configuration %s has %zu error%s; nothing written\n",
                 o->config_dir, nerr, nerr == 1 ? "" : "s");
    }
    f2c_diags_free(&diags);
    return F2C_JOB_USAGE;
}

/* The number of worker threads: o->threads, or (0) the number of online CPUs. */
static unsigned job_threads(const f2c_job_options *o)
{
    if (o->threads) return o->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > F2C_JOB_MAX_THREADS ? F2C_JOB_MAX_THREADS : (unsigned)n;
}

/* Counters, the list of resource types and the workers; 0 or F2C_JOB_USAGE (printed). */
int job_alloc(job *j)
{
    size_t nt = j->ts.count;
    j->col_off = calloc(nt ? nt : 1, sizeof *j->col_off);
    j->partitions = calloc(nt ? nt : 1, sizeof *j->partitions);
    j->types = calloc(nt ? nt : 1, sizeof *j->types);
    if (!j->col_off || !j->partitions || !j->types) goto oom;
    for (size_t t = 0; t < nt; t++) {
        j->col_off[t] = j->ncols;
        j->ncols += f2c_table_width(&j->ts.tables[t]);
        j->types[t] = j->ts.tables[t].resource_type;
    }
    if (f2c_counts_init(j->ts.count, j->ncols, &j->c) != 0) goto oom;
    if (f2c_plan_clock_now(j->now) != 0) j->now[0] = '\0'; /* each context reads the clock */
    /* One thread: the pool is inline (today's single-threaded behaviour, same code). */
    unsigned n = job_threads(&j->o);
    if (!(j->pool = f2c_pool_new(n > 1 ? n : 0, 4 * (size_t)n, process_chunk, commit_chunk, j)))
        goto oom;
    qsort(j->types, nt, sizeof *j->types, job_strptrcmp);
    for (size_t t = 0; t < nt; t++)
        if (j->types[t] && (j->ntypes == 0 || strcmp(j->types[j->ntypes - 1], j->types[t]) != 0))
            j->types[j->ntypes++] = j->types[t];
    return 0;
oom:
    job_sayf(j, "error: out of memory\n");
    return F2C_JOB_USAGE;
}

int f2c_job_open(const f2c_job_options *o, const char *opid, f2c_job **out)
{
    *out = NULL;
    const char *why = !f2c_job_valid_operation_id(opid)   ? "opid"
                      : !o->output_dir || !*o->output_dir ? "no output folder"
                                                          : NULL;
    job *j = why ? NULL : job_new(o);
    if (!j) {
        f2c_commit_abort(o->commit); /* ours in every case */
        if (why && *why == 'o')
            job_say_ui(o->ui,
                       "error: operation id \"%s\" must be 1 to 64 characters of A-Z a-z 0-9 _ -\n",
                       opid ? opid : "");
        else
            job_say_ui(o->ui, "error: %s\n", why ? why : "out of memory");
        return F2C_JOB_USAGE;
    }
    j->tx = o->commit;
    j->o.commit = NULL;
    snprintf(j->opid, sizeof j->opid, "%s", opid);
    int rc = job_load(j, o);
    if (rc == 0) rc = job_sink(j);
    if (rc == 0 && !j->tx) rc = job_prepare_output(j);
    if (rc == 0) rc = job_alloc(j);
    if (rc != 0) {
        f2c_job_free(j);
        return rc;
    }
    *out = j;
    return F2C_JOB_OK;
}

size_t f2c_job_types(const f2c_job *j, const char *const **types)
{
    *types = j->types;
    return j->ntypes;
}

f2c_job_file *f2c_job_file_begin(f2c_job *j, const char *name, const char *label)
{
    return job_file_begin(j, name, label, F2C_NDJSON_PUSH_GUNZIP, NULL);
}

int f2c_job_file_feed(f2c_job_file *f, const void *data, size_t len)
{
    return job_file_feed(f, data, NULL, len) == F2C_OK ? 0 : -1;
}

int f2c_job_file_end(f2c_job_file *f, int ok)
{
    if (!f) return 0;
    return job_file_end(f, ok ? END_FLUSH : END_ABORT) == F2C_OK ? 0 : -1;
}

/* The commit: every staged partition and the new model.json at once (f2c_cdm_publish).  Returns
 * F2C_JOB_OK, F2C_JOB_DATA (committed partitions left out: header mismatch or missing; printed) or
 * F2C_JOB_USAGE (nothing published, or a journaled commit the next run finishes; printed). */
/* Merge mode's summary lines (stderr, as notes: the summary proper is the caller's). */
static void say_merge(job *j, const f2c_merge_counts *c)
{
    if (j->o.quiet) return;
    job_sayf(j,
             "merge: %llu resource%s in the input (%llu older duplicate version%s left out); "
             "%llu row%s of earlier versions and deleted resources removed; %llu committed "
             "partition%s rewritten\n",
             c->resources, c->resources == 1 ? "" : "s", c->duplicates,
             c->duplicates == 1 ? "" : "s", c->rows_removed, c->rows_removed == 1 ? "" : "s",
             c->rewritten, c->rewritten == 1 ? "" : "s");
    if (c->compacted)
        job_sayf(j, "merge: %llu small partition%s compacted\n", c->compacted,
                 c->compacted == 1 ? "" : "s");
    if (j->o.ndeleted)
        job_sayf(j,
                 "merge: %llu resource%s in the deletion files: %llu deleted, %llu not in the "
                 "folder, %llu kept (also in the input)\n",
                 c->deletions, c->deletions == 1 ? "" : "s", c->deleted, c->deleted_absent,
                 c->deleted_kept);
}

/* Merge mode: the copy-on-write changes staged before the publish (f2c_merge.h).  F2C_OK, or
 * the failure (said; the transaction aborted, nothing published). */
static f2c_status merge_prepare(job *j, f2c_merge_out *mo, f2c_diags *diags, f2c_error *e)
{
    f2c_merge_args a = {.tx = j->tx,
                        .ts = &j->ts,
                        .sink = &j->sink,
                        .opid = j->opid,
                        .deleted = j->o.deleted,
                        .ndeleted = j->o.ndeleted,
                        .max_line = j->o.max_line,
                        .log = stderr,
                        .fetch = j->o.fetch,
                        .compact = j->o.compact,
                        .threads = job_threads(&j->o)};
    f2c_status st = j->merge_failed
                        ? f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory")
                        : f2c_merge_prepare(j->merge, &a, mo, diags, e);
    if (st == F2C_OK) {
        say_merge(j, &mo->counts);
        return st;
    }
    f2c_commit_abort(j->tx);
    j->tx = NULL;
    job_say_error(j, e);
    return st;
}

static int publish(job *j, const char *modified_time)
{
    f2c_diags diags = {0};
    f2c_error e;
    f2c_error_clear(&e);
    f2c_merge_out mo = {0};
    if (j->merge && merge_prepare(j, &mo, &diags, &e) != F2C_OK) {
        say_diags(j, &diags);
        f2c_diags_free(&diags);
        f2c_merge_out_free(&mo);
        return F2C_JOB_USAGE;
    }
    f2c_commit *tx = j->tx;
    j->tx = NULL; /* finished by f2c_cdm_publish in every case */
    j->ui.hold_signals(j->ui.ud, 1);
    f2c_status st =
        f2c_cdm_publish(tx, "fhir2cdm", &j->ts, &j->sink, j->o.sink.decimal_precision,
                        j->o.sink.decimal_scale, modified_time, (const char *const *)j->names,
                        j->nnames, j->opid, j->merge ? &mo.plan : NULL, &diags, stderr, &e);
    j->ui.hold_signals(j->ui.ud, 0);
    f2c_merge_out_free(&mo);
    say_diags(j, &diags);
    int rc = F2C_JOB_OK;
    if (st != F2C_OK) {
        job_say_error(j, &e);
        rc = F2C_JOB_USAGE;
    } else if (count_errors(&diags)) { /* (warnings: a deletion folder without files) */
        rc = F2C_JOB_DATA;
    }
    f2c_diags_free(&diags);
    return rc;
}

/* model.json, summary and exit code, once every file has ended. */
int job_finish(job *j, const char *mtime, size_t nfiles, unsigned long long bytes)
{
    int mrc = publish(j, mtime);
    int rc = mrc;
    unsigned long long errors = j->c.rejected + j->c.eval_errors;
    if (rc == F2C_JOB_OK && (j->files_failed || errors > j->o.max_errors)) rc = F2C_JOB_DATA;
    if (!j->o.quiet) summary(j, nfiles, bytes, now_seconds() - j->t0, mrc != F2C_JOB_USAGE);
    if (rc == F2C_JOB_DATA && errors > j->o.max_errors && !j->c.eval_errors)
        job_sayf(j, "fhir2cdm-transform: %llu line%s rejected (--max-errors %llu)\n", j->c.rejected,
                 j->c.rejected == 1 ? "" : "s", j->o.max_errors);
    else if (rc == F2C_JOB_DATA && errors > j->o.max_errors)
        job_sayf(j,
                 "fhir2cdm-transform: %llu line%s rejected and %llu view evaluation error%s "
                 "(--max-errors %llu)\n",
                 j->c.rejected, j->c.rejected == 1 ? "" : "s", j->c.eval_errors,
                 j->c.eval_errors == 1 ? "" : "s", j->o.max_errors);
    return rc;
}

int f2c_job_finish(f2c_job *j, const char *modified_time)
{
    f2c_pool_wait(j->pool);
    job_lock(j);
    size_t nfiles = (size_t)j->files;
    unsigned long long bytes = j->bytes;
    job_unlock(j);
    return job_finish(j, modified_time, nfiles, bytes);
}

unsigned long long f2c_job_rejected(const f2c_job *cj)
{
    job *j = (job *)cj;
    job_lock(j);
    unsigned long long n = j->c.rejected;
    job_unlock(j);
    return n;
}
