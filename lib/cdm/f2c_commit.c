/*
 * f2c_commit: see f2c_commit.h and docs/cdm-folder.md ("Commit protocol").
 *
 * Why it is shaped so:
 *  - The record (model.json) is the commit point, so everything before its rename must be
 *    invisible to readers and everything after it must be finishable by someone else: files
 *    are staged in a folder readers never look at, and the journal -- written, fsynced and
 *    renamed into place before the first rename into the published tree -- names every step
 *    left, so a crash at any instant is finished (roll forward) by the next writer.  Without a
 *    journal a staging folder is garbage (roll back).  Both directions are idempotent: a rename
 *    whose source is gone was done.
 *  - Every check that can refuse the commit (a link or non-regular file at a target, a link
 *    where a data folder must be) runs before the journal, so a refused commit leaves the
 *    published tree byte-identical.
 *  - One writer at a time through flock on .fhir2cdm/lock: the kernel drops the lock when the
 *    holder dies (kill -9 included), so a stale lock needs no detection; the pid written into
 *    the file only names the holder in the message.  Recovery runs under the lock, so it never
 *    removes a live run's staging folder.
 *  - Names are opened relative to descriptors with O_NOFOLLOW at every component
 *    (f2c_fs_dir_at), so no path below the output folder can lead elsewhere.
 *  - The fault points are read from the environment into the transaction at begin: no global
 *    state.  They kill the process with SIGKILL, which is exactly what a crash does to us.
 *  - A staged file's fsync is not skipped but taken off the caller's path: close hands the
 *    descriptor to the transaction's syncer threads (SYNCERS, started with the first close),
 *    which fsync and close staged files in the background, oldest first -- several at once,
 *    because a file system commits concurrent fsyncs together (one journal commit for many
 *    files: a merge stages a hundred small files, and one at a time they took 30 ms more); finish
 * waits for it before the journal, so the journal still names only durable files, while the
 * transformer does not stall on the disk at every input file's end (about 14% of a 2-thread run
 * waited in fsync before).  At most SYNC_PENDING_MAX files wait (close blocks beyond: descriptors
 * are bounded).  The descriptor stays open until its fsync because a write-back error is reported
 * only to descriptors open when it happened.  Any failed fsync poisons the transaction: later
 * closes and finish fail (nothing published).
 */
#define _GNU_SOURCE /* renameat2 */
#include "fhir2cdm/f2c_commit.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"

#define LOCK_NAME "lock"
#define JOURNAL_NAME "journal"
#define SYNC_PENDING_MAX 64 /* staged files closed whose fsync is still to come */
#define SYNCERS 4           /* syncer threads */
#define STAGE_PREFIX "stage-"
#define JOURNAL_MAX (64u << 20)

struct f2c_commit {
    char *path;                   /* the output folder as given */
    int outfd, ctlfd, lockfd;     /* output folder, control folder, lock file */
    int stagefd;                  /* this run's staging folder */
    char stage[64];               /* its name inside the control folder */
    int created_out, created_ctl; /* made by begin: removed again by abort when empty */
    int locked;                   /* the flock is ours */
    FILE *log;
    pthread_mutex_t mu;
    char **staged; /* "<dir>/<name>" of closed staged files */
    size_t nstaged, cap;
    char fault[32]; /* FHIR2CDM_FAULT point, "" when none */
    long fault_k, nclosed, nrenamed;
    /* Closed staged files whose fsync is still to come, oldest first (see the top); a failed
     * fsync's errno and file (sync_errno != 0 poisons the transaction). */
    struct pending_sync {
        int fd;
        char *rel;
    } pend[SYNC_PENDING_MAX];
    size_t npend;
    int sync_errno;
    char *sync_rel;
    /* The syncer (see the top): pend is its queue; sync_busy while it holds one entry; cv
     * signals a change of either (under mu). */
    pthread_t syncer[SYNCERS];
    int syncer_on, sync_busy, sync_quit; /* syncer_on: threads started; sync_busy: fsyncing */
    pthread_cond_t sync_cv;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static f2c_status io_error(f2c_error *err, const f2c_commit *c, const char *rel, int e,
                           const char *what)
{
    f2c_buf p = {0};
    f2c_buf_printf(&p, "%s/%s", c->path, rel);
    const char *why = e == ELOOP ? "is a symbolic link (refused: never followed)" : strerror(e);
    f2c_error_set(err, e == ENOMEM ? F2C_ENOMEM : F2C_EIO, p.data ? p.data : c->path, 0, 0, NULL,
                  "%s: %s", what, why);
    f2c_buf_free(&p);
    return e == ENOMEM ? F2C_ENOMEM : F2C_EIO;
}

/* FHIR2CDM_FAULT=<point>[:<k>]: dies here as a crash would. */
static void fault(const f2c_commit *c, const char *point, long k)
{
    if (!c->fault[0] || strcmp(c->fault, point) != 0) return;
    if (c->fault_k && c->fault_k != k) return;
    kill(getpid(), SIGKILL);
    pause();
}

static void read_fault(f2c_commit *c)
{
    const char *f = getenv("FHIR2CDM_FAULT");
    if (!f || !*f) return;
    snprintf(c->fault, sizeof c->fault, "%s", f);
    char *colon = strchr(c->fault, ':');
    if (colon) {
        *colon = '\0';
        c->fault_k = strtol(colon + 1, NULL, 10);
    }
}

/* A relative path of ours: no leading '/', no empty, "." or ".." component. */
static int safe_rel(const char *p)
{
    if (!p || !*p || *p == '/') return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
        s += n + (e ? 1 : 0);
        if (e && !*s) return 0;
    }
    return 1;
}

/* Splits "a/b/c" into folder "a/b" (dir, caller frees) and the last component (returned,
 * pointing into p).  A path without '/' gives dir "". */
static const char *split(const char *p, char **dir)
{
    const char *slash = strrchr(p, '/');
    *dir = slash ? strndup(p, (size_t)(slash - p)) : strdup("");
    return slash ? slash + 1 : p;
}

/* ---- lock --------------------------------------------------------------------------------- */

static f2c_status take_lock(f2c_commit *c, f2c_error *err)
{
    c->lockfd = openat(c->ctlfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (c->lockfd < 0) return io_error(err, c, F2C_COMMIT_DIR "/" LOCK_NAME, errno, "lock file");
    struct stat st;
    if (fstat(c->lockfd, &st) != 0 || !S_ISREG(st.st_mode))
        return io_error(err, c, F2C_COMMIT_DIR "/" LOCK_NAME, EINVAL, "lock file is not a file");
    if (flock(c->lockfd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return io_error(err, c, F2C_COMMIT_DIR "/" LOCK_NAME, errno, "lock");
        char text[64] = "";
        ssize_t n = pread(c->lockfd, text, sizeof text - 1, 0);
        long pid = n > 4 && strncmp(text, "pid ", 4) == 0 ? strtol(text + 4, NULL, 10) : 0;
        f2c_error_set(err, F2C_EBUSY, c->path, 0, 0, NULL,
                      "output folder is being written by another run (pid %ld); "
                      "one writer at a time",
                      pid);
        return F2C_EBUSY;
    }
    c->locked = 1;
    char text[64];
    int n = snprintf(text, sizeof text, "pid %ld\n", (long)getpid());
    if (ftruncate(c->lockfd, 0) != 0 || pwrite(c->lockfd, text, (size_t)n, 0) != n)
        return io_error(err, c, F2C_COMMIT_DIR "/" LOCK_NAME, errno, "lock file");
    return F2C_OK;
}

/* ---- roll forward ------------------------------------------------------------------------- */

/* Renames stage-relative `from` to output-relative `to` unless already done; fsyncs the target
 * folder when `sync` (the record's rename). */
static int move_one(f2c_commit *c, int stagefd, const char *from, const char *to, int sync,
                    f2c_error *err)
{
    char *fdir = NULL, *tdir = NULL;
    const char *fname = split(from, &fdir), *tname = split(to, &tdir);
    int rc = -1;
    int sfd = fdir ? f2c_fs_dir_at(stagefd, fdir, 0, 0) : -1;
    int serr = errno;
    int tfd = tdir ? f2c_fs_dir_at(c->outfd, tdir, 1, 0777) : -1;
    if (!fdir || !tdir) {
        io_error(err, c, to, ENOMEM, "cannot publish");
    } else if (tfd < 0) {
        io_error(err, c, tdir, errno, "cannot open folder");
    } else if (sfd < 0 && serr != ENOENT) {
        io_error(err, c, to, serr, "cannot open the staged folder of");
    } else if (sfd >= 0 && renameat(sfd, fname, tfd, tname) != 0 && errno != ENOENT) {
        io_error(err, c, to, errno, "cannot rename the staged file into place");
    } else if (sync && f2c_fs_sync_fd(tfd) != 0) {
        io_error(err, c, tdir, errno, "fsync");
    } else {
        rc = 0;
    }
    if (sfd >= 0) close(sfd);
    if (tfd >= 0) close(tfd);
    free(fdir);
    free(tdir);
    return rc;
}

/* 1 when output-relative rel is a folder (never followed). */
static int is_folder(f2c_commit *c, const char *rel)
{
    struct stat st;
    return fstatat(c->outfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* fsync of the output-relative folder rel itself; 0 or -1 (err set). */
static int sync_path(f2c_commit *c, const char *rel, f2c_error *err)
{
    int fd = f2c_fs_dir_at(c->outfd, rel, 0, 0);
    int rc = fd >= 0 && f2c_fs_sync_fd(fd) == 0 ? 0 : -1;
    if (rc != 0) io_error(err, c, rel, errno, fd < 0 ? "cannot open folder" : "fsync");
    if (fd >= 0) close(fd);
    return rc;
}

/* fsync of the folder of output-relative `to` (after every rename into it), and of each folder
 * above it below the output folder (the record's fsync covers that one): a folder the renames
 * created (data/<Entity> of a new table) must be durable in its parent too.  *above: the folder
 * above the previous call's (owned; NULL at first), whose chain is not synced twice. */
static int sync_folder_of(f2c_commit *c, const char *to, char **above, f2c_error *err)
{
    char *tdir = NULL;
    (void)split(to, &tdir);
    if (!tdir) {
        io_error(err, c, to, ENOMEM, "cannot publish");
        return -1;
    }
    char *prev = *above;
    *above = NULL;
    int rc = 0, first = 1;
    while (rc == 0 && *tdir && (first || !prev || strcmp(tdir, prev) != 0)) {
        rc = sync_path(c, tdir, err);
        char *up = strrchr(tdir, '/');
        *(up ? up : tdir) = '\0';         /* the folder above; "" is the output folder itself */
        if (first) *above = strdup(tdir); /* NULL (no memory): the next call syncs its chain */
        first = 0;
    }
    free(prev);
    free(tdir);
    return rc;
}

/* Unlinks output-relative rel (gone already: fine); its folder is fsynced by sync_removed. */
static int remove_one(f2c_commit *c, const char *rel)
{
    char *dir = NULL;
    const char *name = split(rel, &dir);
    int dfd = dir ? f2c_fs_dir_at(c->outfd, dir, 0, 0) : -1;
    int rc = 0;
    if (dfd >= 0) {
        if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT) rc = -1;
        close(dfd);
    }
    free(dir);
    return rc;
}

/* fsync of every folder a removal of the journal's list was in, once each (a merge removes many
 * files from one folder: one fsync per file cost a journal commit each).  Best effort, as the
 * removals: a removal lost in a crash leaves a file no record lists. */
static void sync_removed(f2c_commit *c, const cJSON *removes)
{
    const cJSON *r, *q;
    cJSON_ArrayForEach(r, removes)
    {
        if (!cJSON_IsString(r) || !safe_rel(r->valuestring)) continue;
        const char *s = strrchr(r->valuestring, '/');
        size_t dl = s ? (size_t)(s - r->valuestring) : 0;
        int seen = 0; /* an earlier removal in the same folder: synced with it */
        for (q = removes->child; !seen && q != r; q = q->next) {
            const char *qs = cJSON_IsString(q) ? strrchr(q->valuestring, '/') : NULL;
            size_t ql = qs ? (size_t)(qs - q->valuestring) : 0;
            seen = cJSON_IsString(q) && safe_rel(q->valuestring) && ql == dl &&
                   memcmp(q->valuestring, r->valuestring, dl) == 0;
        }
        if (seen) continue;
        char *dir = strndup(r->valuestring, dl);
        int dfd = dir ? f2c_fs_dir_at(c->outfd, dir, 0, 0) : -1;
        if (dfd >= 0) {
            (void)f2c_fs_sync_fd(dfd);
            close(dfd);
        }
        free(dir);
    }
}

static const char *pair_item(const cJSON *pair, int i)
{
    const cJSON *x = cJSON_GetArrayItem(pair, i);
    return cJSON_IsString(x) && safe_rel(x->valuestring) ? x->valuestring : NULL;
}

/* 1 unless rename r and the next one target the same folder. */
static int last_into_folder(const cJSON *r)
{
    const char *a = pair_item(r, 1), *b = r->next ? pair_item(r->next, 1) : NULL;
    if (!a || !b) return 1;
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;
    return la != lb || memcmp(a, b, la) != 0;
}

/* Carries out journal j: renames, the record, removals, clean-up.  Idempotent. */
static f2c_status roll_forward(f2c_commit *c, const cJSON *j, f2c_error *err)
{
    const cJSON *stage = cJSON_GetObjectItemCaseSensitive(j, "stage");
    const cJSON *renames = cJSON_GetObjectItemCaseSensitive(j, "renames");
    const cJSON *record = cJSON_GetObjectItemCaseSensitive(j, "record");
    const cJSON *removes = cJSON_GetObjectItemCaseSensitive(j, "removes");
    if (!cJSON_IsString(stage) || strncmp(stage->valuestring, STAGE_PREFIX, 6) != 0 ||
        strchr(stage->valuestring, '/') || !cJSON_IsArray(renames) || !cJSON_IsArray(record) ||
        !pair_item(record, 0) || !pair_item(record, 1) || !cJSON_IsArray(removes)) {
        f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL,
                      "%s/" JOURNAL_NAME " is not a journal of this tool; not touched",
                      F2C_COMMIT_DIR);
        return F2C_EIO;
    }
    int sfd = f2c_fs_dir_at(c->ctlfd, stage->valuestring, 0, 0);
    if (sfd < 0 && errno != ENOENT) return io_error(err, c, F2C_COMMIT_DIR, errno, "staging");
    if (sfd < 0) sfd = dup(c->ctlfd); /* gone: every rename was done (clean-up had begun) */
    f2c_status st = F2C_OK;
    const cJSON *r;
    /* Every rename first, then the fsyncs: one per target folder and one per folder above it
     * (sync_folder_of), so they do not alternate with the renames, and a folder the renames
     * created is durable in its parent before the record names its files.  A crash between
     * the renames and their fsyncs is the journal's to finish, as any crash before the
     * record. */
    cJSON_ArrayForEach(r, renames)
    {
        const char *from = pair_item(r, 0), *to = pair_item(r, 1);
        if (!from || !to || move_one(c, sfd, from, to, 0, err) != 0) {
            if (!from || !to) f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL, "bad journal entry");
            st = F2C_EIO;
            break;
        }
        fault(c, "rename", ++c->nrenamed);
    }
    char *above = NULL;
    cJSON_ArrayForEach(r, renames)
    {
        if (st != F2C_OK) break;
        /* a folder renamed whole (whole_folder): its own entries too */
        if (is_folder(c, pair_item(r, 1)) && sync_path(c, pair_item(r, 1), err) != 0) st = F2C_EIO;
        if (st == F2C_OK && last_into_folder(r) &&
            sync_folder_of(c, pair_item(r, 1), &above, err) != 0)
            st = F2C_EIO;
    }
    free(above);
    if (st == F2C_OK) {
        fault(c, "before-record", 0);
        if (move_one(c, sfd, pair_item(record, 0), pair_item(record, 1), 1, err) != 0) st = F2C_EIO;
        if (st == F2C_OK) fault(c, "after-record", 0);
    }
    cJSON_ArrayForEach(r, removes)
    {
        if (st != F2C_OK) break;
        if (cJSON_IsString(r) && safe_rel(r->valuestring) && remove_one(c, r->valuestring) != 0)
            st = io_error(err, c, r->valuestring, errno, "cannot remove a replaced partition");
    }
    if (st == F2C_OK) sync_removed(c, removes);
    close(sfd);
    if (st != F2C_OK) return st;
    if (f2c_fs_sync_fd(c->outfd) != 0) return io_error(err, c, "", errno, "fsync");
    fault(c, "cleanup", 0);
    if (f2c_fs_remove_tree_at(c->ctlfd, stage->valuestring) != 0 ||
        unlinkat(c->ctlfd, JOURNAL_NAME, 0) != 0 || f2c_fs_sync_fd(c->ctlfd) != 0)
        return io_error(err, c, F2C_COMMIT_DIR, errno, "cannot clean up after the commit");
    return F2C_OK;
}

/* ---- recovery ----------------------------------------------------------------------------- */

static void note(f2c_commit *c, const char *fmt, const char *a)
{
    if (!c->log) return;
    fprintf(c->log, "note: %s: ", c->path);
    fprintf(c->log, fmt, a);
    fputc('\n', c->log);
}

static f2c_status finish_journal(f2c_commit *c, f2c_error *err)
{
    struct stat st;
    if (fstatat(c->ctlfd, JOURNAL_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT
                   ? F2C_OK
                   : io_error(err, c, F2C_COMMIT_DIR "/" JOURNAL_NAME, errno, "journal");
    int fd = f2c_fs_open_read_at(c->ctlfd, JOURNAL_NAME);
    if (fd < 0) return io_error(err, c, F2C_COMMIT_DIR "/" JOURNAL_NAME, errno, "journal");
    f2c_buf b = {0};
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0 && b.len < JOURNAL_MAX)
        if (f2c_buf_append(&b, chunk, (size_t)n) != 0) break;
    close(fd);
    cJSON *j = b.data ? cJSON_ParseWithLength(b.data, b.len) : NULL;
    f2c_buf_free(&b);
    f2c_status s;
    if (!j) {
        f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL,
                      "%s/" JOURNAL_NAME " cannot be read as a journal; not touched",
                      F2C_COMMIT_DIR);
        return F2C_EIO;
    }
    note(c, "finishing the commit of an interrupted run (%s)", "journal found");
    s = roll_forward(c, j, err);
    cJSON_Delete(j);
    return s;
}

/* Removes staging folders without a journal and temporary files of ours (roll back). */
static f2c_status remove_leftovers(f2c_commit *c, f2c_error *err)
{
    int fd = openat(c->ctlfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return io_error(err, c, F2C_COMMIT_DIR, errno, "cannot list");
    }
    f2c_status st = F2C_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int stage = strncmp(de->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0;
        int tmp = strncmp(de->d_name, "." JOURNAL_NAME ".tmp-", 13) == 0;
        if (!stage && !tmp) continue;
        if (f2c_fs_remove_tree_at(c->ctlfd, de->d_name) != 0) {
            st =
                io_error(err, c, F2C_COMMIT_DIR, errno, "cannot remove an interrupted run's files");
            break;
        }
        if (stage)
            note(c, "removed the staging folder of an interrupted run (" F2C_COMMIT_DIR "/%s)",
                 de->d_name);
    }
    closedir(d);
    return st;
}

/* ---- begin / abort ------------------------------------------------------------------------ */

static void syncer_stop(f2c_commit *c);

static void commit_free(f2c_commit *c)
{
    syncer_stop(c);
    for (size_t i = 0; i < c->npend; i++) {
        close(c->pend[i].fd);
        free(c->pend[i].rel);
    }
    free(c->sync_rel);
    if (c->stagefd >= 0) close(c->stagefd);
    if (c->lockfd >= 0) {
        /* Held: emptied before release, so a folder at rest is the same bytes whoever wrote it
         * (the pid is only for a second writer's message).  Never unlinked: a waiting opener of
         * the old inode and a creator of a new one could both "hold" the lock. */
        if (c->locked) (void)ftruncate(c->lockfd, 0);
        close(c->lockfd); /* releases the flock */
    }
    if (c->ctlfd >= 0) close(c->ctlfd);
    if (c->outfd >= 0) close(c->outfd);
    for (size_t i = 0; i < c->nstaged; i++)
        free(c->staged[i]);
    free(c->staged);
    pthread_cond_destroy(&c->sync_cv);
    pthread_mutex_destroy(&c->mu);
    free(c->path);
    free(c);
}

void f2c_commit_abort(f2c_commit *c)
{
    if (!c) return;
    if (c->stagefd >= 0) (void)f2c_fs_remove_tree_at(c->ctlfd, c->stage);
    if (c->created_ctl && c->ctlfd >= 0) {
        unlinkat(c->ctlfd, LOCK_NAME, 0);
        unlinkat(c->outfd, F2C_COMMIT_DIR, AT_REMOVEDIR); /* only when empty */
    }
    if (c->created_out) rmdir(c->path); /* only when empty */
    commit_free(c);
}

static f2c_status open_out(f2c_commit *c, f2c_error *err)
{
    struct stat st;
    if (stat(c->path, &st) != 0) {
        if (errno != ENOENT || f2c_fs_mkdirs(c->path, 0777) != 0)
            return f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL,
                                 "cannot create the output folder: %s", strerror(errno));
        c->created_out = 1;
    }
    c->outfd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->outfd < 0)
        return f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL, "cannot open the output folder: %s",
                             strerror(errno));
    if (faccessat(c->outfd, ".", W_OK, AT_EACCESS) != 0)
        return f2c_error_set(err, F2C_EIO, c->path, 0, 0, NULL, "output folder is not writable: %s",
                             strerror(errno));
    c->created_ctl = fstatat(c->outfd, F2C_COMMIT_DIR, &st, AT_SYMLINK_NOFOLLOW) != 0;
    c->ctlfd = f2c_fs_dir_at(c->outfd, F2C_COMMIT_DIR, 1, 0777);
    if (c->ctlfd < 0) return io_error(err, c, F2C_COMMIT_DIR, errno, "control folder");
    return F2C_OK;
}

f2c_status f2c_commit_begin(const char *out_dir, FILE *log, f2c_commit **out, f2c_error *err)
{
    *out = NULL;
    f2c_commit *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(out_dir)) || pthread_mutex_init(&c->mu, NULL) != 0) {
        if (c) free(c->path);
        free(c);
        return f2c_error_set(err, F2C_ENOMEM, out_dir, 0, 0, NULL, "out of memory");
    }
    pthread_cond_init(&c->sync_cv, NULL);
    c->outfd = c->ctlfd = c->lockfd = c->stagefd = -1;
    c->log = log;
    read_fault(c);
    f2c_status st = open_out(c, err);
    if (st == F2C_OK) st = take_lock(c, err);
    if (st == F2C_OK) st = finish_journal(c, err);
    if (st == F2C_OK) st = remove_leftovers(c, err);
    if (st == F2C_OK) {
        if (f2c_fs_tempdir_at(c->ctlfd, STAGE_PREFIX, c->stage, sizeof c->stage) != 0 ||
            (c->stagefd = f2c_fs_dir_at(c->ctlfd, c->stage, 0, 0)) < 0)
            st = io_error(err, c, F2C_COMMIT_DIR, errno, "cannot create the staging folder");
    }
    if (st != F2C_OK) {
        if (st == F2C_EBUSY) c->created_ctl = 0; /* the holder's */
        f2c_commit_abort(c);
        return st;
    }
    *out = c;
    return F2C_OK;
}

int f2c_commit_dirfd(const f2c_commit *c)
{
    return c->outfd;
}

const char *f2c_commit_path(const f2c_commit *c)
{
    return c->path;
}

/* ---- staging ------------------------------------------------------------------------------ */

f2c_status f2c_commit_stage(f2c_commit *c, const char *dir, const char *name, int *fd,
                            f2c_error *err)
{
    /* Staging needs a live transaction: begin succeeded, the lock and staging folder are ours. */
    assert(c && c->locked && c->stagefd >= 0 && c->ctlfd >= 0);
    *fd = -1;
    f2c_buf rel = {0};
    if (f2c_buf_printf(&rel, "%s/%s", dir, name) != 0)
        return f2c_error_set(err, F2C_ENOMEM, c->path, 0, 0, NULL, "out of memory");
    f2c_status st = F2C_OK;
    int dfd = safe_rel(rel.data) && !strchr(name, '/') ? f2c_fs_dir_at(c->stagefd, dir, 1, 0777)
                                                       : (errno = EINVAL, -1);
    if (dfd < 0 ||
        (*fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
        st = io_error(err, c, rel.data, errno, "cannot create partition (staging)");
    if (dfd >= 0) close(dfd);
    f2c_buf_free(&rel);
    return st;
}

static int add_staged(f2c_commit *c, char *rel)
{
    assert(c->nstaged <= c->cap);
    if (c->nstaged == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        char **s = realloc(c->staged, cap * sizeof *s);
        if (!s) return -1;
        c->staged = s;
        c->cap = cap;
    }
    c->staged[c->nstaged++] = rel;
    return 0;
}

/* fsync and close of a pending staged file; a failure poisons c (under mu, held).  Takes
 * ownership of ps. */
static void sync_pending_locked(f2c_commit *c, struct pending_sync ps)
{
    pthread_mutex_unlock(&c->mu);
    int e = fsync(ps.fd) != 0 && errno != EINVAL ? errno : 0;
    if (close(ps.fd) != 0 && !e) e = errno;
    pthread_mutex_lock(&c->mu);
    if (e && !c->sync_errno) {
        c->sync_errno = e;
        c->sync_rel = ps.rel;
        ps.rel = NULL;
    }
    free(ps.rel);
}

/* The syncer thread: oldest pending file first, until told to quit. */
static void *syncer_main(void *arg)
{
    f2c_commit *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->npend && !c->sync_quit)
            pthread_cond_wait(&c->sync_cv, &c->mu);
        if (c->sync_quit) break; /* what is left is closed by commit_free */
        struct pending_sync ps = c->pend[0];
        memmove(c->pend, c->pend + 1, --c->npend * sizeof *c->pend);
        c->sync_busy++;
        sync_pending_locked(c, ps);
        c->sync_busy--;
        pthread_cond_broadcast(&c->sync_cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void syncer_stop(f2c_commit *c)
{
    if (!c->syncer_on) return;
    pthread_mutex_lock(&c->mu);
    c->sync_quit = 1;
    pthread_cond_broadcast(&c->sync_cv);
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < c->syncer_on; i++)
        pthread_join(c->syncer[i], NULL);
    c->syncer_on = 0;
}

/* The transaction's failed fsync, as an error (F2C_OK when none). */
static f2c_status sync_status(f2c_commit *c, f2c_error *err)
{
    pthread_mutex_lock(&c->mu);
    int e = c->sync_errno;
    pthread_mutex_unlock(&c->mu);
    return e ? io_error(err, c, c->sync_rel, e, "cannot write partition") : F2C_OK;
}

/* Every staged file durable (finish, before the journal); F2C_OK or the first failure. */
static f2c_status sync_all(f2c_commit *c, f2c_error *err)
{
    pthread_mutex_lock(&c->mu);
    if (!c->syncer_on) /* no thread (none could be started): fsync here */
        while (c->npend) {
            struct pending_sync ps = c->pend[0];
            memmove(c->pend, c->pend + 1, --c->npend * sizeof *c->pend);
            sync_pending_locked(c, ps);
        }
    while (c->npend || c->sync_busy)
        pthread_cond_wait(&c->sync_cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    return sync_status(c, err);
}

/* Under mu: queues (fd, rel) for the syncer, waiting while SYNC_PENDING_MAX files do (or, with
 * no syncer, fsyncing the oldest here). */
static void queue_sync_locked(f2c_commit *c, int fd, char *rel)
{
    while (c->syncer_on < SYNCERS && !c->sync_quit &&
           pthread_create(&c->syncer[c->syncer_on], NULL, syncer_main, c) == 0)
        c->syncer_on++;
    while (c->npend == SYNC_PENDING_MAX) {
        if (!c->syncer_on) {
            struct pending_sync ps = c->pend[0];
            memmove(c->pend, c->pend + 1, --c->npend * sizeof *c->pend);
            sync_pending_locked(c, ps);
        } else {
            pthread_cond_wait(&c->sync_cv, &c->mu);
        }
    }
    c->pend[c->npend++] = (struct pending_sync){fd, rel};
    pthread_cond_broadcast(&c->sync_cv);
}

f2c_status f2c_commit_close(f2c_commit *c, const char *dir, const char *name, int fd,
                            f2c_error *err)
{
    f2c_buf rel = {0};
    char *mine = NULL;
    if (f2c_buf_printf(&rel, "%s/%s", dir, name) != 0 || !(mine = strdup(rel.data))) {
        close(fd);
        f2c_buf_free(&rel);
        f2c_commit_discard(c, dir, name, -1);
        return f2c_error_set(err, F2C_ENOMEM, c->path, 0, 0, NULL, "out of memory");
    }
    pthread_mutex_lock(&c->mu);
    int r = add_staged(c, rel.data);
    long k = ++c->nclosed;
    if (r == 0) queue_sync_locked(c, fd, mine); /* rel.data is c->staged's now */
    pthread_mutex_unlock(&c->mu);
    if (r != 0) {
        close(fd);
        free(mine);
        f2c_buf_free(&rel);
        f2c_commit_discard(c, dir, name, -1);
        return f2c_error_set(err, F2C_ENOMEM, c->path, 0, 0, NULL, "out of memory");
    }
    fault(c, "staged", k);
    return sync_status(c, err);
}

void f2c_commit_discard(f2c_commit *c, const char *dir, const char *name, int fd)
{
    if (fd >= 0) close(fd);
    size_t dl0 = strlen(dir);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->npend; i++) {
        const char *s = c->pend[i].rel;
        if (strncmp(s, dir, dl0) == 0 && s[dl0] == '/' && strcmp(s + dl0 + 1, name) == 0) {
            close(c->pend[i].fd);
            free(c->pend[i].rel);
            memmove(c->pend + i, c->pend + i + 1, (--c->npend - i) * sizeof *c->pend);
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    int dfd = f2c_fs_dir_at(c->stagefd, dir, 0, 0);
    if (dfd >= 0) {
        unlinkat(dfd, name, 0);
        close(dfd);
    }
    size_t dl = strlen(dir);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nstaged; i++) {
        const char *s = c->staged[i];
        if (strncmp(s, dir, dl) == 0 && s[dl] == '/' && strcmp(s + dl + 1, name) == 0) {
            free(c->staged[i]);
            c->staged[i] = c->staged[--c->nstaged];
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t f2c_commit_staged(f2c_commit *c, const char *const **paths)
{
    if (c->nstaged > 1) qsort(c->staged, c->nstaged, sizeof *c->staged, cmp_str);
    *paths = (const char *const *)c->staged;
    return c->nstaged;
}

int f2c_commit_open_staged(f2c_commit *c, const char *rel)
{
    char *dir = NULL;
    const char *name = split(rel, &dir);
    int dfd = dir ? f2c_fs_dir_at(c->stagefd, dir, 0, 0) : -1;
    int fd = dfd >= 0 ? f2c_fs_open_read_at(dfd, name) : -1;
    int e = errno;
    if (dfd >= 0) close(dfd);
    free(dir);
    errno = e;
    return fd;
}

/* Under mu: the entry of list[0..n) equal to rel, replaced by to (owned); 0, or -1 when none. */
static int replace_entry(char **list, size_t n, const char *rel, char *to)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], rel) == 0) {
            free(list[i]);
            list[i] = to;
            return 0;
        }
    return -1;
}

f2c_status f2c_commit_rename_staged(f2c_commit *c, const char *from, const char *to, f2c_error *err)
{
    char *fdir = NULL, *tdir = NULL;
    const char *fname = split(from, &fdir), *tname = split(to, &tdir);
    char *to1 = strdup(to), *to2 = strdup(to);
    int e = !fdir || !tdir || !to1 || !to2 ? ENOMEM : strcmp(fdir, tdir) ? EXDEV : 0;
    int dfd = e ? -1 : f2c_fs_dir_at(c->stagefd, fdir, 0, 0);
    if (!e && dfd < 0) e = errno;
    /* RENAME_NOREPLACE: two staged files never become one. */
    if (!e && renameat2(dfd, fname, dfd, tname, RENAME_NOREPLACE) != 0) e = errno;
    if (dfd >= 0) close(dfd);
    free(fdir);
    free(tdir);
    if (!e) {
        pthread_mutex_lock(&c->mu);
        if (replace_entry(c->staged, c->nstaged, from, to1) == 0) to1 = NULL;
        for (size_t i = 0; i < c->npend; i++)
            if (strcmp(c->pend[i].rel, from) == 0) {
                free(c->pend[i].rel);
                c->pend[i].rel = to2;
                to2 = NULL;
                break;
            }
        pthread_mutex_unlock(&c->mu);
    }
    free(to1);
    free(to2);
    return e ? io_error(err, c, from, e, "cannot rename the staged file") : F2C_OK;
}

/* ---- finish ------------------------------------------------------------------------------- */

/* A target must be missing or a regular file, under folders that are missing or real folders. */
static int check_target(f2c_commit *c, const char *rel, f2c_error *err)
{
    struct stat st;
    char *p = strdup(rel);
    if (!p) return io_error(err, c, rel, ENOMEM, "cannot publish"), -1;
    int rc = 0;
    for (char *s = strchr(p, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (fstatat(c->outfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = -1, io_error(err, c, p, S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR, "refused");
        } else if (errno != ENOENT) {
            rc = -1, io_error(err, c, p, errno, "refused");
        }
        *s = '/';
    }
    if (rc == 0 && fstatat(c->outfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
        rc = -1,
        io_error(err, c, p, S_ISLNK(st.st_mode) ? ELOOP : EEXIST, "refused: not a regular file");
    free(p);
    return rc;
}

static cJSON *pair(const char *a, const char *b)
{
    cJSON *p = cJSON_CreateArray();
    if (!p) return NULL;
    cJSON_AddItemToArray(p, cJSON_CreateString(a));
    cJSON_AddItemToArray(p, cJSON_CreateString(b));
    if (cJSON_GetArraySize(p) != 2) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

/* Length of the folder part of rel ("data/LocalPatient" of "data/LocalPatient/x.csv"); 0 when
 * rel has none. */
static size_t folder_len(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    return slash ? (size_t)(slash - rel) : 0;
}

/* Number of entries (files, folders) in the staging folder rel[0..n); -1 when it cannot be read. */
static long stage_entries(f2c_commit *c, const char *rel, size_t n)
{
    char *dir = strndup(rel, n);
    int fd = dir ? f2c_fs_dir_at(c->stagefd, dir, 0, 0) : -1;
    free(dir);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return -1;
    }
    long count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) count++;
    closedir(d);
    return count;
}

/* The staged files staged[i..*end) that share staged[i]'s folder (staged is sorted, so they
 * are consecutive); returns that folder's length, 0 when staged[i] has none. */
static size_t folder_group(const f2c_commit *c, size_t i, size_t *end)
{
    const char *first = c->staged[i];
    size_t n = folder_len(first), k = i + 1;
    while (n && k < c->nstaged && folder_len(c->staged[k]) == n &&
           memcmp(c->staged[k], first, n) == 0)
        k++;
    *end = k;
    return n;
}

/*
 * 1 when the group staged[i..end) of folder staged[i][0..n) can be published by one rename of
 * the folder itself: a folder below a top-level one (data/<Entity>, never data itself), every
 * file keeps its path (target = staged path), the output has nothing at the folder's path (a
 * table's first partitions there), and the staging folder holds exactly these files.  One rename
 * instead of a folder created plus one rename per file: fewer steps at the end of a run, when
 * nothing else can overlap them.  Called before the journal and under the lock, so the output
 * cannot change in between.
 */
static int whole_folder(f2c_commit *c, const char *const *rename_to, size_t i, size_t end, size_t n)
{
    const char *first = c->staged[i];
    if (n == 0 || strchr(first, '/') == first + n) return 0;
    for (size_t k = i; k < end; k++)
        if (rename_to && rename_to[k] && strcmp(rename_to[k], c->staged[k]) != 0) return 0;
    struct stat st;
    char *dir = strndup(first, n);
    int absent = dir && fstatat(c->outfd, dir, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
    free(dir);
    return absent && stage_entries(c, first, n) == (long)(end - i);
}

static cJSON *journal(f2c_commit *c, const char *record_name, const char *const *rename_to,
                      const char *const *removes, size_t nremoves)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *rn = j ? cJSON_AddArrayToObject(j, "renames") : NULL;
    cJSON *rm = j ? cJSON_AddArrayToObject(j, "removes") : NULL;
    int ok = j && rn && rm && cJSON_AddStringToObject(j, "stage", c->stage);
    for (size_t i = 0, end; ok && i < c->nstaged; i = end) {
        size_t n = folder_group(c, i, &end);
        if (whole_folder(c, rename_to, i, end, n)) {
            char *dir = strndup(c->staged[i], n);
            cJSON *p = dir ? pair(dir, dir) : NULL;
            free(dir);
            ok = p && cJSON_AddItemToArray(rn, p);
            continue;
        }
        for (size_t k = i; ok && k < end; k++) {
            if (rename_to && rename_to[k] && !rename_to[k][0]) continue; /* not published */
            cJSON *p = pair(c->staged[k], rename_to && rename_to[k] ? rename_to[k] : c->staged[k]);
            ok = p && cJSON_AddItemToArray(rn, p);
        }
    }
    cJSON *rec = ok ? pair(record_name, record_name) : NULL;
    ok = rec && cJSON_AddItemToObject(j, "record", rec);
    for (size_t i = 0; ok && i < nremoves; i++)
        ok = cJSON_AddItemToArray(rm, cJSON_CreateString(removes[i])) != 0;
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* Writes the record into the staging folder and checks every target; 0 or -1 (err set). */
static int prepare(f2c_commit *c, const char *record_name, const char *record, size_t len,
                   const char *const *rename_to, f2c_error *err)
{
    int fd =
        openat(c->stagefd, record_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return io_error(err, c, record_name, errno, "cannot stage"), -1;
    int e = f2c_fs_write_all(fd, record, len) != 0 ? errno : 0;
    if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (e) return io_error(err, c, record_name, e, "cannot write"), -1;
    if (check_target(c, record_name, err) != 0) return -1;
    for (size_t i = 0; i < c->nstaged; i++) {
        const char *to = rename_to && rename_to[i] ? rename_to[i] : c->staged[i];
        if (*to && check_target(c, to, err) != 0) return -1;
    }
    return 0;
}

f2c_status f2c_commit_finish(f2c_commit *c, const char *record_name, const char *record, size_t len,
                             const char *const *rename_to, const char *const *removes,
                             size_t nremoves, f2c_error *err)
{
    /* The commit record is what makes the run visible: it must be given, and a live
     * transaction must hold the lock (the one-writer rule of the protocol). */
    assert(c && c->locked && record_name && *record_name && (record || len == 0));
    if (c->nstaged > 1 && !rename_to) qsort(c->staged, c->nstaged, sizeof *c->staged, cmp_str);
    if (sync_all(c, err) != F2C_OK || prepare(c, record_name, record, len, rename_to, err) != 0) {
        f2c_status st = err->status;
        f2c_commit_abort(c);
        return st;
    }
    cJSON *j = journal(c, record_name, rename_to, removes, nremoves);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    f2c_status st = F2C_OK;
    if (!text) {
        st = f2c_error_set(err, F2C_ENOMEM, c->path, 0, 0, NULL, "out of memory");
    } else if (f2c_fs_replace_at(c->ctlfd, JOURNAL_NAME, text, strlen(text)) != 0) {
        st = io_error(err, c, F2C_COMMIT_DIR "/" JOURNAL_NAME, errno, "cannot write the journal");
        unlinkat(c->ctlfd, JOURNAL_NAME, 0);
    }
    if (text) cJSON_free(text);
    if (st != F2C_OK) {
        cJSON_Delete(j);
        f2c_commit_abort(c);
        return st;
    }
    /* From here on the commit happens: what fails now is finished by the next begin. */
    fault(c, "journal", 0);
    close(c->stagefd);
    c->stagefd = -1;
    st = roll_forward(c, j, err);
    cJSON_Delete(j);
    if (st != F2C_OK) {
        f2c_buf m = {0};
        f2c_buf_printf(&m, "%s (the commit is journaled: the next run finishes it)", err->message);
        if (m.data) snprintf(err->message, sizeof err->message, "%s", m.data);
        f2c_buf_free(&m);
    }
    commit_free(c);
    return st;
}
