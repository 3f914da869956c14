/*
 * f2c_job_run: the job over input files given by path (f2c_job_run, see f2c_job.h) -- the
 * reader's side of the engine (f2c_job_int.h).
 *
 * Why a file of its own: everything here is about files on disk and their order -- which
 * inputs a folder holds and in what order they are read (by stem, so the output never depends
 * on the file system's listing), the operation id derived from their names and bytes, the
 * modifiedTime of model.json -- while f2c_job.c knows only bytes fed to a file of the job, by
 * whichever reader (this one, or the export command's downloads).  Files are read one after the
 * other on the calling thread and their chunks joined to one sequence, so they are committed in
 * input order; the workers transform what was read meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <xxhash.h>
#include <zlib.h>
#if defined(__x86_64__) || defined(__i386__)
/* XXH3 through libxxhash's run-time dispatch: the widest vector unit the CPU has (SSE2, AVX2,
 * AVX-512), the same hash values.  The reader hashes every input byte on the run's one feeding
 * thread, which is what limits a run over a file no table reads (docs/benchmarks.md). */
#include <xxh_x86dispatch.h>
#endif

#include "f2c_job_int.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_type.h"

typedef f2c_job job;

/* ---- inputs ----------------------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

static int add_input(job *j, const char *path, const struct stat *st)
{
    input *in = realloc(j->inputs, (j->ninputs + 1) * sizeof *in);
    if (!in) return -1;
    j->inputs = in;
    input *x = &in[j->ninputs];
    x->path = strdup(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    x->stem = strdup(base);
    if (!x->path || !x->stem) {
        free(x->path);
        free(x->stem);
        return -1;
    }
    size_t n = strlen(x->stem);
    x->ndjson = 1;
    x->skip = 0;
    if (has_suffix(x->stem, ".ndjson.gz"))
        x->stem[n - 10] = '\0';
    else if (has_suffix(x->stem, ".ndjson"))
        x->stem[n - 7] = '\0';
    else
        x->ndjson = 0;
    x->size = (unsigned long long)st->st_size;
    x->mtime = st->st_mtime;
    j->ninputs++;
    return 0;
}

static int inputcmp(const void *a, const void *b)
{
    return strcmp(((const input *)a)->stem, ((const input *)b)->stem);
}

/* Expands folders; returns 0 or an exit code. */
static int collect_inputs(job *j)
{
    for (size_t i = 0; i < j->o.ninputs; i++) {
        const char *p = j->o.inputs[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            job_sayf(j, "error: input %s: %s\n", p, strerror(errno));
            return F2C_JOB_USAGE;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (add_input(j, p, &st) != 0) return F2C_JOB_USAGE;
            continue;
        }
        DIR *d = opendir(p);
        if (!d) {
            job_sayf(j, "error: input folder %s: %s\n", p, strerror(errno));
            return F2C_JOB_USAGE;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue;
            if (!has_suffix(de->d_name, ".ndjson") && !has_suffix(de->d_name, ".ndjson.gz"))
                continue;
            char **nn = realloc(names, (n + 1) * sizeof *nn);
            if (!nn) break;
            names = nn;
            names[n] = strdup(de->d_name);
            if (names[n]) n++;
        }
        closedir(d);
        if (n > 1) qsort(names, n, sizeof *names, job_strptrcmp);
        size_t before = j->ninputs;
        for (size_t k = 0; k < n; k++) {
            char *full = malloc(strlen(p) + strlen(names[k]) + 2);
            if (full) {
                sprintf(full, "%s%s%s", p, has_suffix(p, "/") ? "" : "/", names[k]);
                struct stat fst;
                if (stat(full, &fst) != 0) {
                    job_sayf(j, "error: input %s: %s\n", full, strerror(errno));
                    j->files_failed++;
                } else if (S_ISREG(fst.st_mode) && add_input(j, full, &fst) != 0) {
                    job_sayf(j, "error: out of memory\n");
                    j->files_failed++;
                }
                free(full);
            }
            free(names[k]);
        }
        free(names);
        if (j->ninputs == before) {
            job_sayf(j, "error: input folder %s has no *.ndjson or *.ndjson.gz files\n", p);
            return F2C_JOB_USAGE;
        }
    }
    /* compact reads no input; a merge may apply deletion files alone */
    if (j->ninputs == 0 && !j->o.compact && !(j->o.merge && j->o.ndeleted)) {
        job_sayf(j, "error: no input files\n");
        return F2C_JOB_USAGE;
    }
    /* Sorted by stem: the processing order, and the order the operation id hashes them in. */
    if (j->ninputs) qsort(j->inputs, j->ninputs, sizeof *j->inputs, inputcmp);
    for (size_t i = 1; i < j->ninputs; i++)
        if (strcmp(j->inputs[i - 1].stem, j->inputs[i].stem) == 0) {
            job_sayf(j,
                     "error: inputs %s and %s would both write partitions named \"%s\"; "
                     "transform them in separate runs or rename one\n",
                     j->inputs[i - 1].path, j->inputs[i].path, j->inputs[i].stem);
            return F2C_JOB_USAGE;
        }
    return 0;
}

/* ---- inputs no table or view reads ------------------------------------------------------ */

#define PEEK (64u * 1024u) /* bytes of a file read to find its first line's type */

/* 1 when the first line of path that is not blank is, by f2c_rtscan_line, of resource type
 * `type`; 0 when it is of another, or cannot be told (unreadable, empty, not recognised).  Reads
 * at most PEEK bytes (inflated: zlib reads plain and gzip files alike). */
static int first_line_is(const char *path, const char *type)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    struct stat st;
    gzFile gz = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? gzdopen(fd, "rb") : NULL;
    if (!gz) {
        close(fd);
        return 0;
    }
    char *buf = malloc(PEEK);
    int got = buf ? gzread(gz, buf, PEEK) : -1;
    gzclose(gz);
    size_t n = got > 0 ? (size_t)got : 0, i = 0;
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3; /* a byte order mark */
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++; /* blank lines */
    const char *nl = i < n ? memchr(buf + i, '\n', n - i) : NULL, *t = NULL;
    size_t len = nl ? (size_t)(nl - (buf + i)) : n - i;
    size_t tl = n > i ? f2c_rtscan_line(buf + i, len, &t) : 0;
    int same = tl && tl == strlen(type) && memcmp(t, type, tl) == 0;
    free(buf);
    return same;
}

/* Marks the inputs not to read (input.skip), counted by type: named <Type>, <Type>.<n> or
 * <Type>-<n> (.ndjson, .ndjson.gz) for a type no table or view reads, and whose first line is of
 * that type.  A file whose first line says otherwise is read in full, every line the normal way
 * (f2c_job.c, first_line).  docs/transform.md, "Reading only what the job needs". */
static void skip_unread_inputs(job *j)
{
    for (size_t i = 0; i < j->ninputs; i++) {
        input *in = &j->inputs[i];
        size_t tl = in->ndjson ? f2c_rtscan_stem(in->stem) : 0;
        char type[F2C_RTSCAN_TYPE_MAX + 1];
        memcpy(type, in->stem, tl);
        type[tl] = '\0';
        if (!tl || !f2c_is_resource_type_name(type) || f2c_plan_tables_for(j->plan, type) != 0 ||
            !first_line_is(in->path, type))
            continue;
        in->skip = 1;
        f2c_typelist_add(&j->skipped_files, &j->nskipped_files, type, 1);
        j->skipped_bytes += in->size;
    }
}

/* ---- model.json ------------------------------------------------------------------------- */

static void utc_string(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_utc_seconds(const char *s)
{
    /* YYYY-MM-DDThh:mm:ssZ, the form this tool writes */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1) return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return 0;
    return 1;
}

/* modifiedTime: the newest input file's modification time, never older than the previous
 * model.json's, so the value depends only on the data (re-runs are byte-identical). */
static void modified_time(job *j, char *buf, size_t n)
{
    time_t newest = 0;
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].mtime > newest) newest = j->inputs[i].mtime;
    utc_string(newest, buf, n);
    f2c_buf prev = {0};
    if (f2c_cdm_read_modified_time(j->o.output_dir, &prev) == 1 && is_utc_seconds(prev.data) &&
        strcmp(prev.data, buf) > 0)
        snprintf(buf, n, "%s", prev.data);
    f2c_buf_free(&prev);
}

/* ---- f2c_job_run: files by path -------------------------------------------------------------- */

/*
 * Reads one input file and feeds its bytes as they are; the push splitter inflates gzip
 * (F2C_NDJSON_PUSH_GUNZIP: the export command's code, so both paths read gzip alike) on this
 * thread, while workers transform the lines already read.  It reads the file itself rather than
 * through gzread because gzread drops bytes after the last gzip member without a word: here they
 * are reported (once per file, with their offset) and the rows before them kept, the file not
 * counted as failed (docs/transform.md, "Bad input").  The file's chunks join the run's one
 * sequence, so files are committed one after the other, in input order; this returns once the
 * last chunk is submitted (the file ends at its commit).
 */
/* The derived operation id, once every input was read (under mu: open_partition reads it). */
static void opid_done(job *j)
{
    if (!j->opid_hash) return;
    job_lock(j);
    snprintf(j->opid, sizeof j->opid, "%016" PRIx64, (uint64_t)XXH3_64bits_digest(j->opid_hash));
    j->opid_pending = 0;
    job_unlock(j);
}

/* Adds bytes to the derived operation id's hash (run_opid); nothing when the id was given. */
static void opid_add(job *j, const void *p, size_t n)
{
    if (j->opid_hash) XXH3_64bits_update(j->opid_hash, p, n);
}

/* The rest of fd into the operation id's hash only: a file whose reading stopped at data that
 * cannot be decoded (gzip) still counts in the id with all its bytes. */
static void opid_add_rest(job *j, int fd, char *buf)
{
    ssize_t n;
    while (j->opid_hash && ((n = read(fd, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) opid_add(j, buf, (size_t)n);
}

static void run_file(job *j, const input *in, char *buf)
{
    f2c_error e;
    f2c_error_clear(&e);
    opid_add(j, in->stem, strlen(in->stem) + 1);
    int fd = open(in->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        f2c_pool_seq_wait(j->pool, j->run_seq); /* said after the files before it */
        f2c_error_set(&e, F2C_EIO, in->path, 0, 0, NULL, "cannot open: %s", strerror(err));
        job_say_error(j, &e);
        job_lock(j);
        j->files_failed++;
        job_unlock(j);
        return;
    }
    f2c_job_file *f = job_file_begin(j, in->stem, in->path, F2C_NDJSON_PUSH_GUNZIP, j->run_seq);
    if (!f) {
        close(fd);
        f2c_pool_seq_wait(j->pool, j->run_seq);
        f2c_error_set(&e, F2C_ENOMEM, in->path, 0, 0, NULL, "out of memory");
        job_say_error(j, &e);
        job_lock(j);
        j->fatal = F2C_ENOMEM;
        job_unlock(j);
        atomic_store(&j->stop, 1);
        return;
    }
    int mode = END_FLUSH;
    for (;;) {
        if (j->ui.interrupted(j->ui.ud)) {
            mode = END_ABORT;
            break;
        }
        if (atomic_load(&j->stop)) break;
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            /* Rows read so far are kept; the rest of the file cannot be read. */
            long lineno = f2c_ndjson_push_lineno(f->push);
            f2c_error_set(&e, F2C_EIO, in->path, lineno + 1, 0, NULL,
                          "read failed after line %ld: %s", lineno, strerror(errno));
            job_feed_error(f, &e);
            mode = END_KEEP;
            break;
        }
        if (n == 0) break;
        opid_add(j, buf, (size_t)n); /* before the splitter writes NULs into buf */
        if (job_file_feed(f, buf, buf, (size_t)n) != F2C_OK) break;
        if (f->feed_failed) {
            opid_add_rest(j, fd, buf);
            break;
        }
    }
    close(fd);
    job_file_end(f, mode);
}

/* An input skipped unread (input.skip) still counts in a derived operation id with its stem and
 * bytes, as when it was read: the id depends on the input only, never on which types the job
 * reads, so a re-run after a change of configuration still replaces its own partitions.  The
 * bytes go to the hash only (never split into lines nor parsed); with --operation-id given the
 * file is not read beyond its first line (first_line_is). */
static void hash_skipped(job *j, const input *in, char *buf)
{
    if (!j->opid_hash) return;
    opid_add(j, in->stem, strlen(in->stem) + 1);
    int fd = open(in->path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : 0;
    while (fd >= 0 && ((n = read(fd, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) opid_add(j, buf, (size_t)n);
    int err = errno;
    if (fd >= 0) close(fd);
    if (n == 0) return;
    f2c_error e;
    f2c_pool_seq_wait(j->pool, j->run_seq); /* said after the files before it */
    f2c_error_set(&e, F2C_EIO, in->path, 0, 0, NULL, "cannot read: %s", strerror(err));
    job_say_error(j, &e);
    job_lock(j);
    j->files_failed++;
    job_unlock(j);
}

/* Reads every input, then waits for the last commit; 0, or the run's exit code when it was
 * stopped (said). */
static int run_inputs(job *j)
{
    char *buf = malloc(CHUNK);
    j->run_seq = f2c_pool_seq_new(j->pool);
    if (!buf || !j->run_seq) {
        free(buf);
        job_sayf(j, "error: out of memory\n");
        return F2C_JOB_USAGE;
    }
    int sig = 0;
    for (size_t i = 0; i < j->ninputs && !sig && !atomic_load(&j->stop); i++) {
        if (j->inputs[i].skip)
            hash_skipped(j, &j->inputs[i], buf);
        else
            run_file(j, &j->inputs[i], buf);
        if ((sig = j->ui.interrupted(j->ui.ud)) != 0) atomic_store(&j->stop, 1);
    }
    opid_done(j); /* every input read: a derived id is known */
    free(buf);
    f2c_pool_seq_wait(j->pool, j->run_seq);
    if (sig) {
        job_sayf(
            j, "fhir2cdm-transform: interrupted (signal %d); nothing published, %s is as it was\n",
            sig, j->o.output_dir);
        return 128 + sig;
    }
    if (atomic_load(&j->stop)) {
        job_sayf(j, "fhir2cdm-transform: stopped: output cannot be written (%s); %s not updated\n",
                 f2c_status_name(j->fatal), f2c_cdm_record_name(j->sink.ops->format));
        return F2C_JOB_USAGE;
    }
    return 0;
}

/* The operation id (given, or derived from the inputs) and every partition name checked before
 * the first write (exit 2: nothing written); 0 or F2C_JOB_USAGE (said).  A derived id is the
 * XXH3-64 of every input's stem (with its NUL) and bytes, in stem order (inputs skipped unread
 * too: hash_skipped): the reader adds each
 * file's bytes as it reads them (run_file), so the input is read once; until the last byte is
 * read the partitions are staged under OPID_TBD and renamed before the commit (rename_tbd).  A
 * derived id always has 16 characters, so the names can be checked before it is known. */
static int run_opid(job *j, const f2c_job_options *o)
{
    snprintf(j->opid, sizeof j->opid, "%s", o->operation_id ? o->operation_id : OPID_TBD);
    for (size_t i = 0; i < j->ninputs; i++)
        if (!f2c_cdm_partition_name_fits(j->inputs[i].stem, j->opid)) {
            job_sayf(j,
                     "error: input %s: its partition file names would be longer than %d bytes; "
                     "rename the file or use a shorter --operation-id\n",
                     j->inputs[i].path, F2C_CDM_NAME_MAX);
            return F2C_JOB_USAGE;
        }
    if (o->operation_id) return 0;
    if (!(j->opid_hash = XXH3_createState())) {
        job_sayf(j, "error: out of memory\n");
        return F2C_JOB_USAGE;
    }
    XXH3_64bits_reset(j->opid_hash);
    j->opid_derived = j->opid_pending = 1;
    return 0;
}

int f2c_job_run(const f2c_job_options *o)
{
    job *j = job_new(o);
    if (!j) {
        job_say_ui(o->ui, "error: out of memory\n");
        return F2C_JOB_USAGE;
    }
    j->o.inputs = o->inputs;
    j->o.ninputs = o->ninputs;
    int rc = job_load(j, o);
    if (rc == 0) rc = job_sink(j);
    if (rc == 0) rc = collect_inputs(j);
    if (rc == 0) skip_unread_inputs(j);
    if (rc == 0) rc = run_opid(j, o);
    if (rc == 0) rc = job_prepare_output(j);
    if (rc == 0) rc = job_alloc(j);
    if (rc != 0) goto done;

    unsigned long long total = 0; /* of the files read */
    size_t nread = 0;
    for (size_t i = 0; i < j->ninputs; i++)
        if (!j->inputs[i].skip) {
            total += j->inputs[i].size;
            nread++;
        }
    if (!o->quiet) j->ui.progress_begin(j->ui.ud, total);
    rc = run_inputs(j);
    if (rc == 0) rc = job_rename_tbd(j);
    if (rc != 0) goto done;
    if (!o->quiet) j->ui.progress_end(j->ui.ud);

    char mtime[32];
    if (o->modified_time)
        snprintf(mtime, sizeof mtime, "%s", o->modified_time);
    else
        modified_time(j, mtime, sizeof mtime);
    rc = job_finish(j, mtime, nread, total);
done:
    f2c_job_free(j);
    return rc;
}
