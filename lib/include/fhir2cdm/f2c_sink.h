/*
 * f2c_sink: the row-sink interface -- how the stream job writes one output partition (open,
 * header, rows, finish or abort) without knowing the file format.
 *
 * Why: the engine (lib/engine/f2c_job.c) decides which rows go to which partition and when a
 * partition is complete; the bytes of a partition are the format's business.  Keeping the two
 * apart behind this small vtable means a second output format (Parquet, issue 17) is one new
 * file implementing f2c_sink_ops plus one line in f2c_sink_new, not edits across the engine.
 * The CSV sink (f2c_sink_csv.c, over f2c_csv's descriptor API) and the Parquet sink
 * (f2c_sink_parquet.c, over f2c_parquet) implement it.
 *
 * Life of a partition (one per table and input file):
 *   f2c_sink_open      stage "<dir>/<name>" in the output folder's transaction (f2c_commit_stage)
 *   f2c_sink_header    the table's column names (CSV: the header record; a columnar format:
 *                      its schema), once, before any row
 *   f2c_sink_row       one row, any number of times
 *   then exactly one of
 *   f2c_sink_finish    flush, fsync, close: the file is complete and waits in the staging folder;
 *                      f2c_commit_finish (f2c_cdm_publish) publishes it with the transaction
 *   f2c_sink_abort     drop it: the staged file is removed, nothing of it will ever be visible
 * finish and abort free the partition in every case.
 *
 * What every sink must guarantee (the engine and the tests rely on it):
 *  - Bytes visible only after commit: a sink writes nothing but the file it staged with
 *    f2c_commit_stage (through the descriptor it returns), hands it back with f2c_commit_close
 *    (finish) or f2c_commit_discard (abort, and every failure of open or finish), and never
 *    creates, renames or removes anything in the output folder itself.
 *  - Deterministic output: the file's bytes depend only on the table and the rows given, in
 *    order (no time stamps, host names, random numbers, thread or buffer sizes), so re-running a
 *    job gives byte-identical partitions (the golden tests compare bytes).
 *  - Errors carry file context: every error names the partition as "<output folder>/<dir>/<name>"
 *    in f2c_error.file, so a user knows which file could not be written.
 *  - Threads: ops and state are shared by every file of a job, so open may be called from several
 *    threads at once (state is immutable after creation, or the sink locks it); one partition is
 *    used by one thread at a time.  No work per cell beyond the format's own encoding: the row
 *    call is the only indirect call per row.
 *
 * Cells: a row of table t is f2c_table_width(t) cells in output column order; cell i is the text
 * rendering of column i's type (f2c_table_column_type, rendered by f2c_render.h: numbers,
 * booleans, dates as text; JSON text for arrays), lens[i] bytes, not NUL-terminated, and an
 * empty cell means the value is absent (null).  A typed format parses the text by the column's
 * type, which the partition knows from its table.
 */
#ifndef FHIR2CDM_F2C_SINK_H
#define FHIR2CDM_F2C_SINK_H

#include <stddef.h>

#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

typedef struct f2c_sink_ops f2c_sink_ops;

/* One row read back from a partition (f2c_sink_read): cells[0..n) with lens, in the form
 * f2c_sink_row takes them (see "Cells" above), valid during the call only.  A non-OK return stops
 * the reading and is returned by f2c_sink_read. */
typedef f2c_status (*f2c_sink_read_fn)(void *ud, size_t n, const char *const *cells,
                                       const size_t *lens, f2c_error *err);

/* How a sink reports a value it had to change or leave out (e.g. Parquet: a decimal rounded to
 * the column's scale, a value that does not fit the column's type left null): column col (output
 * order) of the row being written, why a static English reason.  The engine counts it as a
 * warning of that column, like a rendering mismatch. */
typedef void (*f2c_sink_warn_fn)(void *ud, size_t col, const char *why);

/* One open partition.  Implementations embed this as the first member of their own struct and
 * set ops; f2c_sink_open sets width, warn and warn_ud.  The engine only ever holds the pointer. */
typedef struct f2c_sink_part {
    const f2c_sink_ops *ops;
    size_t width;          /* cells per row: f2c_table_width of the partition's table */
    f2c_sink_warn_fn warn; /* never NULL (a no-op when the caller gave none) */
    void *warn_ud;
} f2c_sink_part;

/* A format's operations.  The f2c_sink_* functions below check their arguments and call these;
 * an implementation may assume what those functions assert (row: p->width cells). */
struct f2c_sink_ops {
    const char *format;    /* the name f2c_sink_new knows it by, e.g. "csv" */
    const char *extension; /* of its partition files, e.g. ".csv" */
    f2c_status (*open)(void *state, f2c_commit *tx, const char *dir, const char *name,
                       const f2c_table *t, f2c_sink_part **out, f2c_error *err);
    f2c_status (*header)(f2c_sink_part *p, f2c_error *err);
    f2c_status (*row)(f2c_sink_part *p, const char *const *cells, const size_t *lens,
                      f2c_error *err);
    f2c_status (*finish)(f2c_sink_part *p, f2c_error *err);
    void (*abort)(f2c_sink_part *p);
    /* Whether the published partition file behind fd (read with pread) still fits table t as
     * this format writes it now (CSV: starts with t's header record; Parquet: has t's schema).
     * 1 yes, 0 no, -1 read error (errno set). */
    int (*matches)(void *state, int fd, const f2c_table *t);
    /* Reads a partition file of table t that this format wrote (fd open for reading, read from
     * offset 0 with pread; not closed) and calls fn once per row, in file order, with cells that
     * give the same stored values when written again through a partition of t (merge mode
     * rewrites partitions so: docs/cdm-folder.md, "Merge mode").  `shown` names the file in
     * messages.  Returns F2C_OK, fn's non-OK status, F2C_EIO (read error, or the file is not
     * one this format writes for t: wrong header or schema, truncated, corrupt; message names
     * `shown` and what is wrong), F2C_ENOMEM.  NULL when the format cannot read its files back. */
    f2c_status (*read)(void *state, int fd, const f2c_table *t, const char *shown,
                       f2c_sink_read_fn fn, void *ud, f2c_error *err);
    /* Where the next row's bytes start in the file (every row so far counted, buffered or
     * not), for a format whose rows are contiguous byte ranges that can be copied as they are
     * (CSV records); NULL for a format whose rows are not (Parquet's columns). */
    unsigned long long (*offset)(const f2c_sink_part *p);
    void (*free_state)(void *state); /* NULL when the format has no state */
};

/* A sink: a format's operations and its state (NULL for CSV, which needs none).  Made by
 * f2c_sink_new, released by f2c_sink_free. */
typedef struct f2c_sink {
    const f2c_sink_ops *ops;
    void *state;
} f2c_sink;

/* What the user chose about the output format (transformer options --format, --compression,
 * --decimal, --memory; docs/parquet.md). */
typedef struct f2c_sink_options {
    const char *format;      /* "csv" (also for NULL) or "parquet" */
    const char *compression; /* parquet: "zstd" (also for NULL), "snappy" or "none" */
    int decimal_precision;   /* parquet decimal columns: DECIMAL(precision, scale); 0: 38 */
    int decimal_scale;       /* 0..precision; used only when decimal_precision is set, else 18 */
    size_t memory_bytes;     /* parquet: buffered row-group bytes of the partitions of one input
                                file together (divided evenly among the table set's tables);
                                0: 64 MiB */
    size_t ntables;          /* tables in the job's table set (for the division); 0: 1 */
    const char *created_by;  /* parquet footer created_by / key-value metadata; NULL: none */
} f2c_sink_options;

/* The sink of output format o->format ("csv": f2c_sink_csv.h; "parquet": f2c_sink_parquet.h).
 * Returns F2C_OK with *out set (release with f2c_sink_free), or F2C_EUSAGE for a format this
 * build does not write or a bad option (message lists the known formats or names the option),
 * F2C_ENOMEM. */
f2c_status f2c_sink_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err);

/* Releases what f2c_sink_new made (the struct itself is the caller's); zeroes it.  Every
 * partition must have been finished or aborted. */
void f2c_sink_free(f2c_sink *s);

/*
 * Opens a partition of table t in transaction tx: stages dir/name (dir: a relative folder of the
 * output folder such as "data/LocalPatient"; name: a file name, e.g. from f2c_cdm_partition_name)
 * and prepares the format's writer.  warn (may be NULL: warnings are then dropped) is called with
 * warn_ud for every value the sink changes or leaves out.  tx and t are borrowed and must outlive
 * the partition (finish or abort it before f2c_commit_finish / f2c_commit_abort); dir and name are
 * copied.  Returns F2C_OK with *out set, or (with *out NULL and nothing left staged): F2C_EIO (the
 * file cannot be staged: ENOSPC, EEXIST when dir/name is already staged, ENAMETOOLONG, a symbolic
 * link in the way...; message names the path), F2C_ENOMEM.
 */
f2c_status f2c_sink_open(const f2c_sink *s, f2c_commit *tx, const char *dir, const char *name,
                         const f2c_table *t, f2c_sink_warn_fn warn, void *warn_ud,
                         f2c_sink_part **out, f2c_error *err);

/* Writes the header (the table's column names); call once, right after open.  Errors: F2C_EIO
 * (write failed: ENOSPC, EIO, EDQUOT), F2C_ENOMEM; the partition must then be aborted. */
f2c_status f2c_sink_header(f2c_sink_part *p, f2c_error *err);

/* Writes one row: f2c_table_width(t) cells (see "Cells" above), n must equal that width; cells
 * are valid during the call only.  Output may be buffered until finish.  Errors: F2C_EIO,
 * F2C_ENOMEM (nothing of the row is kept); the partition must then be aborted. */
f2c_status f2c_sink_row(f2c_sink_part *p, size_t n, const char *const *cells, const size_t *lens,
                        f2c_error *err);

/* Completes and frees p: writes what is buffered, then f2c_commit_close (fsync, close); the file
 * is published by the transaction's finish.  Errors (p is then discarded: nothing of it will be
 * published, and p is freed all the same): F2C_EIO (write, fsync or close failed: ENOSPC, EIO,
 * EDQUOT), F2C_ENOMEM. */
f2c_status f2c_sink_finish(f2c_sink_part *p, f2c_error *err);

/* Drops p: the staged file is removed and p freed.  NULL is allowed.  Never fails. */
void f2c_sink_abort(f2c_sink_part *p);

/* The extension of s's partition files (".csv", ".parquet"). */
const char *f2c_sink_extension(const f2c_sink *s);

/* s->ops->read (see f2c_sink_ops); F2C_EUSAGE when the format has no reader. */
f2c_status f2c_sink_read(const f2c_sink *s, int fd, const f2c_table *t, const char *shown,
                         f2c_sink_read_fn fn, void *ud, f2c_error *err);

/* p->ops->offset(p) (see f2c_sink_ops), or 0 when the format has none. */
unsigned long long f2c_sink_offset(const f2c_sink_part *p);

/* s->ops->matches (see f2c_sink_ops): 1, 0 or -1. */
int f2c_sink_matches(const f2c_sink *s, int fd, const f2c_table *t);

#endif
