/*
 * f2c_fs: see f2c_fs.h.
 *
 * Why a module for four small functions: each tool had grown its own read-a-whole-file loop,
 * its own mkdir -p, rm -r and write-then-rename, seven copies of the first alone, and they
 * had drifted: some set errno on a read error and some did not, one mkdir -p accepted a file
 * where a folder was wanted, temporary names were unique per process only, and one rm -r
 * followed no links while another could not report errors.  One copy decides these once.
 *
 * Design decisions:
 *   - Reads keep the error of the failed call in errno (EISDIR for a folder opened as a file)
 *     rather than a blanket EIO, so messages say why.
 *   - An atomic write's temporary file is created by f2c_fs_replace_at: O_CREAT|O_EXCL|
 *     O_NOFOLLOW under a random name in the target's folder (same file system, so the rename
 *     is atomic), so two writers (threads or processes) never share one and a link planted at
 *     a predictable name cannot redirect the write.
 *   - A target that exists and is not a regular file (/dev/stdout, a FIFO, a device) is
 *     written into, never replaced: replacing /dev/full by a regular file, or a FIFO someone
 *     reads from, is never what the user meant.  Links in the path the user gave are followed
 *     (their choice); a link as the last component makes its target the file replaced.
 *   - fsync before the rename: after a crash the new name must not point to an empty file.
 *     EINVAL from fsync (file systems that cannot sync, e.g. some FUSE mounts) is ignored.
 *   - rm -r never follows a symbolic link (lstat), so a link inside an output tree cannot
 *     make us delete user data elsewhere.
 */
/* realpath (a link named as an output file: f2c_fs_write_atomic) is XSI in glibc's headers. */
#define _GNU_SOURCE /* sync_file_range; includes _XOPEN_SOURCE 700 */

#include "fhir2cdm/f2c_fs.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fhir2cdm/f2c_buf.h"

/* Reads the open stream f whole (f2c_fs_read's contract) and closes it. */
static char *read_stream(FILE *f, size_t max, size_t *len)
{
    f2c_buf b = {0};
    char chunk[65536];
    size_t n;
    int e = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (max && n > max - b.len) {
            e = EFBIG;
            break;
        }
        if (f2c_buf_append(&b, chunk, n) != 0) {
            e = ENOMEM;
            break;
        }
    }
    if (!e && ferror(f)) e = errno ? errno : EIO;
    fclose(f);
    if (!e && !b.data && f2c_buf_reserve(&b, 0) != 0) e = ENOMEM;
    if (e) {
        f2c_buf_free(&b);
        errno = e;
        return NULL;
    }
    b.data[b.len] = '\0';
    if (len) *len = b.len;
    return b.data;
}

char *f2c_fs_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    return f ? read_stream(f, max, len) : NULL;
}

char *f2c_fs_read_regular(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    if (fd < 0) return NULL;
    int got = fstat(fd, &sb) == 0, e = errno;
    FILE *f = got && S_ISREG(sb.st_mode) ? fdopen(fd, "rb") : NULL;
    if (!f) {
        e = !got ? e : S_ISREG(sb.st_mode) ? errno : EINVAL;
        close(fd);
        errno = e;
        return NULL;
    }
    return read_stream(f, max, len);
}

/* Writes data into an existing node that is not a regular file (a FIFO, a device, /dev/stdout):
 * opened without O_CREAT or O_TRUNC, so the node itself is never replaced.  1 when path turned
 * out to be a regular file after all (replaced in the meantime: the caller replaces it), else 0
 * or -1 with errno. */
static int write_into_node(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : 0;
    if (e || S_ISREG(st.st_mode)) {
        close(fd);
        errno = e;
        return e ? -1 : 1;
    }
    if (len && f2c_fs_write_all(fd, data, len) != 0) e = errno;
    if (close(fd) != 0 && !e && errno != EINTR) e = errno;
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

/* Replaces the regular file (or missing entry) `path` in its folder, which is opened following
 * links (the path is the user's); the entry itself is handled by f2c_fs_replace_at. */
static int replace_in_folder(const char *path, const void *data, size_t len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        errno = EISDIR; /* "dir/": names a folder */
        return -1;
    }
    f2c_buf dir = {0};
    int r = !slash          ? f2c_buf_appends(&dir, ".")
            : slash == path ? f2c_buf_appends(&dir, "/")
                            : f2c_buf_append(&dir, path, (size_t)(slash - path));
    if (r != 0) {
        f2c_buf_free(&dir);
        errno = ENOMEM;
        return -1;
    }
    int dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    f2c_buf_free(&dir);
    if (dfd < 0) return -1;
    int rc = f2c_fs_replace_at(dfd, base, data, len);
    int e = errno;
    close(dfd);
    errno = e;
    return rc;
}

int f2c_fs_write_atomic(const char *path, const void *data, size_t len)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            int r = write_into_node(path, data, len);
            if (r <= 0) return r;
        }
    } else if (errno != ENOENT) {
        return -1;
    }
    /* A regular file or nothing.  When the last component is a symbolic link, the file it
     * leads to is replaced (the link stays); a link that leads nowhere is refused (ENOENT)
     * rather than followed to create a file. */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL);
        if (!real) return -1;
        int rc = replace_in_folder(real, data, len);
        int e = errno;
        free(real);
        errno = e;
        return rc;
    }
    return replace_in_folder(path, data, len);
}

/* mkdir that accepts an existing folder; ENOTDIR for an existing non-folder. */
static int mkdir_one(const char *p, mode_t mode)
{
    if (mkdir(p, mode) == 0) return 0;
    int e = errno;
    struct stat st;
    if (e == EEXIST) {
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        e = ENOTDIR;
    }
    errno = e;
    return -1;
}

int f2c_fs_mkdirs(const char *path, mode_t mode)
{
    if (!*path) {
        errno = ENOENT;
        return -1;
    }
    char *p = strdup(path);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/' || s[-1] == '/') continue;
        *s = '\0';
        rc = mkdir_one(p, mode);
        *s = '/';
    }
    if (rc == 0) rc = mkdir_one(p, mode);
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

int f2c_fs_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    DIR *d = opendir(path);
    if (!d) return -1;
    int e = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        f2c_buf p = {0};
        if (f2c_buf_printf(&p, "%s/%s", path, de->d_name) != 0) {
            if (!e) e = ENOMEM;
        } else if (f2c_fs_remove_tree(p.data) != 0 && !e) {
            e = errno;
        }
        f2c_buf_free(&p);
    }
    closedir(d);
    if (rmdir(path) != 0 && !e) e = errno;
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

/* ---- link-safe operations relative to a folder descriptor --------------------------------- */

int f2c_fs_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

void f2c_fs_write_back(int fd, size_t n, unsigned long long *pending)
{
    *pending += n;
    if (*pending < F2C_FS_WRITE_BACK_BYTES) return;
    *pending = 0;
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* 0, 0: the whole file */
}

/* The portable copy: through a buffer. */
static int copy_by_buffer(int src, unsigned long long off, unsigned long long len, int dst)
{
    char buf[1 << 17];
    while (len) {
        size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
        ssize_t n = pread(src, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO; /* the source is shorter than the range */
            return -1;
        }
        if (f2c_fs_write_all(dst, buf, (size_t)n) != 0) return -1;
        off += (unsigned long long)n;
        len -= (unsigned long long)n;
    }
    return 0;
}

int f2c_fs_copy_range(int src, unsigned long long off, unsigned long long len, int dst,
                      unsigned long long *pending)
{
    while (len) {
        off_t at = (off_t)off;
        size_t want = len < (1u << 30) ? (size_t)len : (1u << 30);
        ssize_t n = copy_file_range(src, &at, dst, NULL, want, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
                      errno == EBADF))
            return copy_by_buffer(src, off, len, dst) == 0
                       ? (f2c_fs_write_back(dst, (size_t)len, pending), 0)
                       : -1;
        if (n <= 0) {
            if (n == 0) errno = EIO; /* the source is shorter than the range */
            return -1;
        }
        off += (unsigned long long)n;
        len -= (unsigned long long)n;
        f2c_fs_write_back(dst, (size_t)n, pending);
    }
    return 0;
}

/* Writes iov[0..n) to fd whole (writev may write less than asked). */
static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        for (; n > 0 && (size_t)w >= iov->iov_len; n--, iov++)
            w -= (ssize_t)iov->iov_len;
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* Reads [off, off + want) of src into buf whole; -1 with EIO when src is shorter. */
static int pread_all(int src, char *buf, size_t want, unsigned long long off)
{
    for (size_t got = 0; got < want;) {
        ssize_t k = pread(src, buf + got, want - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = EIO;
            return -1;
        }
        got += (size_t)k;
    }
    return 0;
}

/* The gathered copy's state: a window of src in buf, the pieces of it queued for one writev. */
typedef struct gather {
    int src, dst;
    char *buf;
    unsigned long long win, wlen; /* buf holds src bytes [win, win + wlen) */
    struct iovec iov[64];
    int niov;
    size_t queued;
    unsigned long long *pending;
} gather;

static int gather_flush(gather *g)
{
    if (g->niov && writev_all(g->dst, g->iov, g->niov) != 0) return -1;
    f2c_fs_write_back(g->dst, g->queued, g->pending);
    g->niov = 0;
    g->queued = 0;
    return 0;
}

/* Queues [off, off + len) of src, reading windows as needed. */
static int gather_range(gather *g, unsigned long long off, unsigned long long len,
                        unsigned long long last)
{
    while (len) {
        if (off < g->win || off >= g->win + g->wlen) {
            if (gather_flush(g) != 0) return -1;
            g->wlen = last - off < F2C_FS_GATHER_BYTES ? last - off : F2C_FS_GATHER_BYTES;
            g->win = off;
            if (pread_all(g->src, g->buf, (size_t)g->wlen, off) != 0) return -1;
        }
        size_t piece = (size_t)(len < g->win + g->wlen - off ? len : g->win + g->wlen - off);
        if (g->niov == (int)(sizeof g->iov / sizeof g->iov[0]) && gather_flush(g) != 0) return -1;
        g->iov[g->niov++] = (struct iovec){g->buf + (off - g->win), piece};
        g->queued += piece;
        off += piece;
        len -= piece;
    }
    return 0;
}

int f2c_fs_copy_ranges(int src, const f2c_fs_range *r, size_t n, int dst,
                       unsigned long long *pending)
{
    if (n == 0) return 0;
    gather g = {.src = src, .dst = dst, .pending = pending, .buf = malloc(F2C_FS_GATHER_BYTES)};
    if (!g.buf) {
        errno = ENOMEM;
        return -1;
    }
    unsigned long long last = r[n - 1].off + r[n - 1].len;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        assert(i == 0 || r[i].off >= r[i - 1].off + r[i - 1].len);
        bad = gather_range(&g, r[i].off, r[i].len, last) != 0;
    }
    if (!bad) bad = gather_flush(&g) != 0;
    int e = errno;
    free(g.buf);
    errno = e;
    return bad ? -1 : 0;
}

int f2c_fs_sync_fd(int fd)
{
    if (fsync(fd) == 0 || errno == EINVAL || errno == EROFS) return 0;
    return -1;
}

/* One component: opened without following a link, created first when asked. */
static int dir_one_at(int dirfd, const char *name, int create, mode_t mode)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && create && errno == ENOENT) {
        if (mkdirat(dirfd, name, mode) != 0 && errno != EEXIST) return -1;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0 && errno == ENOTDIR) {
        /* O_DIRECTORY reports a link as ENOTDIR: say what it is */
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            errno = ELOOP;
        else
            errno = ENOTDIR;
    }
    return fd;
}

int f2c_fs_open_read_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct stat sb;
    int got = fstat(fd, &sb) == 0, e = errno;
    if (got && S_ISREG(sb.st_mode)) return fd;
    close(fd);
    errno = got ? EINVAL : e;
    return -1;
}

int f2c_fs_dir_at(int dirfd, const char *name, int create, mode_t mode)
{
    char *p = strdup(name);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    int cur = dirfd, e = 0;
    char *save = NULL;
    for (char *s = strtok_r(p, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        int next = dir_one_at(cur, s, create, mode);
        if (next < 0) e = errno;
        if (cur != dirfd) close(cur);
        cur = next;
        if (next < 0) break;
    }
    free(p);
    if (cur == dirfd) cur = e ? -1 : dup(dirfd); /* "" names dirfd itself */
    if (e) errno = e;
    return cur;
}

/* "<prefix><16 hex><suffix>" into name; -1 (ENAMETOOLONG) when it does not fit. */
static int random_name(const char *prefix, const char *suffix, char *name, size_t cap)
{
    unsigned char r[8];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        got += (size_t)n;
    }
    int n = snprintf(name, cap, "%s%02x%02x%02x%02x%02x%02x%02x%02x%s", prefix, r[0], r[1], r[2],
                     r[3], r[4], r[5], r[6], r[7], suffix);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int f2c_fs_temp_at(int dirfd, const char *prefix, const char *suffix, char *name, size_t cap)
{
    for (int tries = 0; tries < 100; tries++) {
        if (random_name(prefix, suffix, name, cap) != 0) return -1;
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

int f2c_fs_tempdir_at(int dirfd, const char *prefix, char *name, size_t cap)
{
    for (int tries = 0; tries < 100; tries++) {
        if (random_name(prefix, "", name, cap) != 0) return -1;
        if (mkdirat(dirfd, name, 0700) == 0) return 0;
        if (errno != EEXIST) return -1;
    }
    return -1;
}

int f2c_fs_replace_begin(int dirfd, const char *name, char *tmp, size_t cap)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
            errno = S_ISLNK(st.st_mode) ? ELOOP : EEXIST;
            return -1;
        }
    } else if (errno != ENOENT) {
        return -1;
    }
    f2c_buf prefix = {0};
    if (f2c_buf_printf(&prefix, ".%.200s.tmp-", name) != 0) {
        errno = ENOMEM;
        return -1;
    }
    int fd = f2c_fs_temp_at(dirfd, prefix.data, "", tmp, cap);
    f2c_buf_free(&prefix);
    return fd;
}

int f2c_fs_replace_finish(int dirfd, const char *tmp, const char *name, int failed)
{
    int e = failed ? (errno ? errno : EIO) : 0;
    if (!e && renameat(dirfd, tmp, dirfd, name) != 0) e = errno;
    if (e) {
        unlinkat(dirfd, tmp, 0);
        errno = e;
        return -1;
    }
    return f2c_fs_sync_fd(dirfd);
}

int f2c_fs_replace_at(int dirfd, const char *name, const void *data, size_t len)
{
    char tmp[512];
    int fd = f2c_fs_replace_begin(dirfd, name, tmp, sizeof tmp);
    if (fd < 0) return -1;
    int e = 0;
    if (len && f2c_fs_write_all(fd, data, len) != 0) e = errno;
    if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    errno = e;
    return f2c_fs_replace_finish(dirfd, tmp, name, e != 0);
}

int f2c_fs_remove_tree_at(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int e = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (f2c_fs_remove_tree_at(fd, de->d_name) != 0 && !e) e = errno;
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && !e) e = errno;
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

int f2c_fs_write_at(int dirfd, const char *name, const void *data, size_t len)
{
    const char *slash = strrchr(name, '/');
    if (!slash) return f2c_fs_replace_at(dirfd, name, data, len);
    char *dir = strndup(name, (size_t)(slash - name));
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    int sub = f2c_fs_dir_at(dirfd, dir, 1, 0777);
    int e = errno;
    free(dir);
    if (sub < 0) {
        errno = e;
        return -1;
    }
    int rc = f2c_fs_replace_at(sub, slash + 1, data, len);
    e = errno;
    close(sub);
    errno = e;
    return rc;
}

int f2c_fs_fetch(const f2c_fs_fetcher *f, const char *loc, char *why, size_t cap)
{
    if (cap) why[0] = '\0';
    return f && f->fn ? f->fn(f->ud, loc, why, cap) : 0;
}
