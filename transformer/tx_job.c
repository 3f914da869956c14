/*
 * tx_job: the main job on the console, see tx_job.h.  The engine (f2c_job.h) decides what is
 * written, counted and reported; this file decides how a person sees it: messages on stderr with
 * the progress bar cleared first, the bar itself (tx_progress.h), the summary on stdout, and
 * signals (tx_util.h) for interruption and around the commit.
 *
 * Why a thin layer: the engine lives in the library so tests and front ends link it without the
 * transformer; every console concern is one f2c_job_ui callback here, and the tx_* API the
 * transformer's commands call maps one to one onto f2c_job_*.
 */
#include "tx_job.h"

#include <stdio.h>
#include <stdlib.h>

#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_table.h"
#include "fhir2cdm/f2c_type.h"

#include "tx_progress.h"
#include "tx_util.h"

_Static_assert(TX_EXIT_OK == F2C_JOB_OK && TX_EXIT_DATA == F2C_JOB_DATA &&
                   TX_EXIT_USAGE == F2C_JOB_USAGE,
               "the transformer's exit codes are the engine's results");

/* The console's state: the progress bar.  The engine calls every callback but summary under its
 * lock, so this needs none of its own. */
typedef struct console {
    tx_progress prog;
} console;

struct tx_stream_job {
    f2c_job *j;
    console con;
    f2c_job_ui ui; /* points at con */
};

/* ---- f2c_job_ui on the console --------------------------------------------------------------- */

static void con_say(void *ud, const char *text)
{
    console *c = ud;
    tx_progress_clear(&c->prog);
    fputs(text, stderr);
}

static void con_progress_begin(void *ud, unsigned long long total)
{
    tx_progress_init(&((console *)ud)->prog, 1, total);
}

static void con_progress(void *ud, unsigned long long done, unsigned long long resources,
                         const char *path)
{
    tx_progress_update(&((console *)ud)->prog, done, resources, path);
}

static void con_progress_end(void *ud)
{
    tx_progress_finish(&((console *)ud)->prog);
}

static int con_interrupted(void *ud)
{
    (void)ud;
    return tx_interrupted();
}

static void con_hold_signals(void *ud, int on)
{
    (void)ud;
    tx_signals_block(on);
}

/* One table's lines of the summary. */
static void summary_table(const f2c_job_stats *s, size_t t)
{
    const f2c_table *tb = &s->ts->tables[t];
    printf("  %s: %llu rows in %llu partition%s -> %s/data/%s/\n", tb->entity, s->rows[t],
           s->partitions[t], s->partitions[t] == 1 ? "" : "s", s->dir, tb->entity);
    if (s->tablew[t])
        printf("    %llu context%s left out (where clause or iteration failed)\n", s->tablew[t],
               s->tablew[t] == 1 ? "" : "s");
    for (size_t col = 0; col < f2c_table_width(tb); col++) {
        unsigned long long n = s->colw[s->col_off[t] + col];
        if (n)
            printf("    column %s: %llu cell%s left empty (not of type %s, or the "
                   "expression failed: see the warnings)\n",
                   f2c_table_column_name(tb, col), n, n == 1 ? "" : "s",
                   f2c_type_name(f2c_table_column_type(tb, col)));
        n = s->colsw[s->col_off[t] + col];
        if (n)
            printf("    column %s: %llu value%s rounded or left null by the output format's "
                   "type (see the warnings)\n",
                   f2c_table_column_name(tb, col), n, n == 1 ? "" : "s");
    }
}

/* " (Observation 5, Encounter 7)": a list of types with their counts. */
static void print_types(const f2c_job_typecount *l, size_t n)
{
    printf(" (");
    for (size_t i = 0; i < n; i++)
        printf("%s%s %llu", i ? ", " : "", l[i].type, l[i].n);
    printf(")");
}

/* Input no table or view reads, skipped unread (docs/transform.md, "Reading only what the job
 * needs"): files by the type their names give, lines by their type. */
static void summary_skipped(const f2c_job_stats *s)
{
    unsigned long long files = 0, lines = 0;
    for (size_t i = 0; i < s->nskipped_files; i++)
        files += s->skipped_files[i].n;
    for (size_t i = 0; i < s->nskipped_lines; i++)
        lines += s->skipped_lines[i].n;
    if (!files && !lines) return;
    printf("  skipped, not read by any table or view:");
    if (files) {
        printf(" %llu file%s, %.1f MB", files, files == 1 ? "" : "s",
               (double)s->skipped_bytes / 1e6);
        print_types(s->skipped_files, s->nskipped_files);
    }
    if (lines) {
        printf("%s %llu line%s", files ? "," : "", lines, lines == 1 ? "" : "s");
        print_types(s->skipped_lines, s->nskipped_lines);
    }
    printf("\n");
}

static void con_summary(void *ud, const f2c_job_stats *s)
{
    (void)ud;
    double secs = s->seconds;
    printf("fhir2cdm-transform: operation %s%s\n", s->opid,
           s->opid_derived ? " (derived from the inputs)" : "");
    printf("  input: %zu file%s, %.1f MB, %llu lines, %llu resources in %.2f s (%.1f MB/s)\n",
           s->files, s->files == 1 ? "" : "s", (double)s->bytes / 1e6, s->lines, s->resources, secs,
           secs > 0 ? (double)s->bytes / 1e6 / secs : 0.0);
    printf("  rejected lines: %llu; unreadable files: %llu; warnings: %llu\n", s->rejected,
           s->files_failed, s->warnings + s->no_id);
    if (s->eval_errors)
        printf("  view evaluation errors: %llu (a resource's rows of a view left out)\n",
               s->eval_errors);
    if (s->nuntabled) {
        printf("  resources without a table:");
        for (size_t i = 0; i < s->nuntabled; i++)
            printf("%s %s %llu", i ? "," : "", s->untabled[i].type, s->untabled[i].n);
        printf("\n");
    }
    summary_skipped(s);
    for (size_t t = 0; t < s->ts->count; t++)
        summary_table(s, t);
    if (s->wrote_model) printf("  wrote %s/%s (%zu entities)\n", s->dir, s->record, s->ts->count);
}

/* The console ui over c (progress disabled until the engine begins it). */
static f2c_job_ui console_ui(console *c)
{
    tx_progress_init(&c->prog, 0, 0);
    return (f2c_job_ui){.ud = c,
                        .say = con_say,
                        .progress_begin = con_progress_begin,
                        .progress = con_progress,
                        .progress_end = con_progress_end,
                        .summary = con_summary,
                        .interrupted = con_interrupted,
                        .hold_signals = con_hold_signals};
}

/* The engine's options for o, said through ui. */
/* The output format options with the writer's name for Parquet footers. */
static f2c_sink_options sink_options(const tx_options *o)
{
    f2c_sink_options so = o->sink;
    so.created_by = "fhir2cdm " FHIR2CDM_VERSION;
    return so;
}

static f2c_job_options job_options(const tx_options *o, const f2c_job_ui *ui)
{
    return (f2c_job_options){.config_dir = o->config_dir,
                             .views = o->views,
                             .nviews = o->nviews,
                             .output_dir = o->output_dir,
                             .inputs = o->inputs,
                             .ninputs = o->ninputs,
                             .max_depth = o->max_depth,
                             .operation_id = o->operation_id,
                             .max_errors = o->max_errors,
                             .max_line = o->max_line,
                             .quiet = o->quiet,
                             .fp_limits = o->fp_limits,
                             .summary_dir = o->summary_dir,
                             .commit = o->commit,
                             .sink = sink_options(o),
                             .ui = ui,
                             .threads = o->threads,
                             .merge = o->merge,
                             .deleted = o->deleted,
                             .ndeleted = o->ndeleted,
                             .compact = o->compact,
                             .fetch = o->fetch,
                             .modified_time = o->modified_time};
}

/* ---- the tx_* API ------------------------------------------------------------------------------
 */

int tx_run(const tx_options *o)
{
    console con;
    f2c_job_ui ui = console_ui(&con);
    f2c_job_options fo = job_options(o, &ui);
    tx_signals_install();
    return f2c_job_run(&fo);
}

int tx_stream_job_open(const tx_options *o, const char *opid, tx_stream_job **out)
{
    *out = NULL;
    tx_stream_job *w = calloc(1, sizeof *w);
    if (!w) {
        f2c_commit_abort(o->commit); /* ours in every case */
        fprintf(stderr, "error: out of memory\n");
        return TX_EXIT_USAGE;
    }
    w->ui = console_ui(&w->con);
    f2c_job_options fo = job_options(o, &w->ui);
    int rc = f2c_job_open(&fo, opid, &w->j);
    if (rc != F2C_JOB_OK) {
        free(w);
        return rc;
    }
    *out = w;
    return TX_EXIT_OK;
}

size_t tx_stream_job_types(const tx_stream_job *w, const char *const **types)
{
    return f2c_job_types(w->j, types);
}

tx_stream_file *tx_stream_file_begin(tx_stream_job *w, const char *name, const char *label)
{
    return f2c_job_file_begin(w->j, name, label);
}

int tx_stream_file_feed(tx_stream_file *f, const void *data, size_t len)
{
    return f2c_job_file_feed(f, data, len);
}

int tx_stream_file_end(tx_stream_file *f, int ok)
{
    return f2c_job_file_end(f, ok);
}

int tx_stream_job_finish(tx_stream_job *w, const char *modified_time)
{
    return f2c_job_finish(w->j, modified_time);
}

unsigned long long tx_stream_job_rejected(const tx_stream_job *w)
{
    return f2c_job_rejected(w->j);
}

void tx_stream_job_free(tx_stream_job *w)
{
    if (!w) return;
    f2c_job_free(w->j);
    free(w);
}
