/*
 * f2c_fs: the small file helpers the tools share — read a whole file, replace a file atomically,
 * mkdir -p, rm -r.  One copy for the library, the transformer and the generator.
 *
 * All paths are ordinary NUL-terminated strings, used as given (relative to the working
 * folder when not absolute).  Every function reports failure through its return value with
 * errno set to the cause (ENOMEM when memory ran out); none prints anything: callers word
 * their own messages.  The functions are safe to call from several threads at once.
 */
#ifndef FHIR2CDM_F2C_FS_H
#define FHIR2CDM_F2C_FS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads the whole file at path into a new NUL-terminated buffer (malloc'd; the caller frees
 * it).  The NUL is not counted in *len (len may be NULL); the content may itself hold NUL
 * bytes.  An empty file gives "" with *len 0.  max is the largest size accepted in bytes, 0
 * for no limit.  Returns NULL with errno set on any error: the open or read error (ENOENT,
 * EACCES, EISDIR...), EFBIG when the file is larger than max, ENOMEM.  *len is only written
 * on success.
 */
char *f2c_fs_read(const char *path, size_t max, size_t *len);

/* f2c_fs_read of a file that must be a regular one -- one of the tool's own files in an output
 * folder (model.json, a manifest, the export state), where anyone may have planted a FIFO or a
 * device: opened without blocking, and refused with EINVAL when it is not a regular file
 * (f2c_fs_read would wait for a FIFO's writer).  Links are followed, as by f2c_fs_read. */
char *f2c_fs_read_regular(const char *path, size_t max, size_t *len);

/*
 * Writes data[0..len) to the output file at path, the way every output FILE named by a user is
 * written (docs/schema-viewer.md, "Output files"):
 *   - path exists and is not a regular file (/dev/stdout, a FIFO, a character device): the
 *     bytes are written into it (opened O_WRONLY without O_CREAT or O_TRUNC), the node is never
 *     replaced.  A FIFO blocks until a reader opens it.  A folder is refused (EISDIR).
 *   - otherwise (missing, or a regular file) it is replaced atomically, so readers see the old
 *     content or the new one, never a part: f2c_fs_replace_at in path's folder (a new file
 *     created O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name, written, fsynced,
 *     renamed over the target with renameat; the folder fsynced).
 * Symbolic links in path are followed (path is the caller's, i.e. the user's choice): when the
 * last component is a link to a regular file, that file is replaced and the link stays; a link
 * to nothing is refused (ENOENT), nothing is created through it.  The folder must exist.  data
 * may be NULL when len is 0.  Safe from several threads, also for one path.
 * Returns 0, or -1 with errno set: the open/write/close error of a non-regular target (ENOSPC
 * for /dev/full, EPIPE, ...; bytes may have reached it), else f2c_fs_replace_at's error or the
 * folder's open error (ENOENT, ENOTDIR, EACCES), EISDIR, ENOMEM; a regular target is then left
 * as it was and no temporary file remains.
 */
int f2c_fs_write_atomic(const char *path, const void *data, size_t len);

/*
 * mkdir -p: creates path and every missing folder above it, with mode (less the umask).
 * Folders that already exist are fine (also when another thread or process creates them at
 * the same time).  Returns 0, or -1 with errno set: the mkdir error of the first folder that
 * could not be created, ENOTDIR when path (or a folder above it) exists but is not a folder,
 * ENOMEM.
 */
int f2c_fs_mkdirs(const char *path, mode_t mode);

/* ---- link-safe operations relative to a folder descriptor -----------------------------------
 * What the CDM folder's commit protocol (f2c_commit.h, docs/cdm-folder.md "Commit protocol") is
 * built from: no function below follows a symbolic link in the name it is given (O_NOFOLLOW,
 * AT_SYMLINK_NOFOLLOW), every file it creates is new (O_CREAT|O_EXCL), and names are relative to
 * the descriptor dirfd (or AT_FDCWD), so nothing is written outside the folder dirfd names.
 * `name` is one path component (no '/') unless a function says otherwise.  Errors set errno and
 * return -1; ELOOP means "a symbolic link where a file or folder of ours was expected". */

/* Writes all of data[0..len) to fd (retrying short writes and EINTR).  0, or -1 with errno
 * (ENOSPC, EDQUOT, EIO...). */
int f2c_fs_write_all(int fd, const void *data, size_t len);

/* Early write-back of a file being written: `n` more bytes were written to fd; once *pending
 * (the caller's counter, start at 0) reaches F2C_FS_WRITE_BACK_BYTES, the kernel is asked to
 * start writing fd's dirty pages to the device now (Linux sync_file_range with
 * SYNC_FILE_RANGE_WRITE: it starts the write-out, it does not wait for it) and *pending restarts.
 * Why: the fsync that makes the file durable then finds most pages already on the device
 * instead of flushing the whole file at once, at the end of a run.  A hint only: it never fails
 * (errors, or a file system without it, are ignored; the later fsync reports any write error). */
#define F2C_FS_WRITE_BACK_BYTES (2u << 20)
void f2c_fs_write_back(int fd, size_t n, unsigned long long *pending);

/* Appends bytes [off, off + len) of file src to dst (at its current offset): copy_file_range(2)
 * where the kernel can (no copy through user space), else through a buffer; the early
 * write-back hint (f2c_fs_write_back, with *pending) as it goes.  0, or -1 with errno (EIO when
 * src is shorter than the range). */
int f2c_fs_copy_range(int src, unsigned long long off, unsigned long long len, int dst,
                      unsigned long long *pending);

/* One byte range of a file: [off, off + len). */
typedef struct f2c_fs_range {
    unsigned long long off, len;
} f2c_fs_range;

/* Appends the byte ranges r[0..n) of file src, in that order, to dst (at its current offset);
 * the ranges must be in ascending order and not overlap.  Each window of src that holds ranges
 * is read once (pread into a buffer of F2C_FS_GATHER_BYTES) and the pieces in it are written with
 * writev(2): many short ranges (a partition without its cut rows) cost a few system calls each
 * window, where copy_file_range costs one per range.  The early write-back hint as it goes.
 * 0, or -1 with errno (EIO when src is shorter than a range, ENOMEM, the pread/writev error). */
#define F2C_FS_GATHER_BYTES (1u << 20)
int f2c_fs_copy_ranges(int src, const f2c_fs_range *r, size_t n, int dst,
                       unsigned long long *pending);

/* fsync of a folder descriptor, so renames and creations in it survive a power loss.  EINVAL
 * (file systems that cannot sync a folder) counts as success.  0, or -1 with errno. */
int f2c_fs_sync_fd(int fd);

/*
 * Opens folder `name` below dirfd with O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC; when `create` is
 * non-zero a missing folder is created first (mkdirat, mode `mode` less the umask).  `name` may
 * have several components ("data/LocalPatient"); each is opened the same way, so a link anywhere
 * in it is refused.  Returns the descriptor (close it), or -1 with errno: ELOOP or ENOTDIR (a
 * link or a non-folder in the way), ENOENT (missing and create is 0), the mkdirat error.
 */
int f2c_fs_dir_at(int dirfd, const char *name, int create, mode_t mode);

/* Opens file dirfd/name for reading, without following a link (ELOOP) and without blocking: a
 * name that is not a regular file -- a FIFO, a device or a socket planted where a file of ours
 * is expected -- is refused with EINVAL instead of waiting for a writer (an open of a FIFO for
 * reading blocks).  The descriptor has O_NONBLOCK, which does not change reads of a regular
 * file.  A descriptor (close it), or -1 with errno (ENOENT, ELOOP, EINVAL, EACCES...). */
int f2c_fs_open_read_at(int dirfd, const char *name);

/*
 * Creates a new file in dirfd named "<prefix><16 random hex digits><suffix>" (getrandom) with
 * O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and mode 0666 less the umask, retrying on EEXIST.
 * The name is written to name[0..cap).  Returns the descriptor, or -1 with errno
 * (ENAMETOOLONG when the name does not fit cap; the openat error).
 */
int f2c_fs_temp_at(int dirfd, const char *prefix, const char *suffix, char *name, size_t cap);

/* The same for a new folder (mkdirat, mode 0700): 0, or -1 with errno. */
int f2c_fs_tempdir_at(int dirfd, const char *prefix, char *name, size_t cap);

/*
 * Replaces dirfd/name with data[0..len) atomically: a temporary file from f2c_fs_temp_at
 * (".<name>.tmp-<random>") is written, fsynced and renamed over name (renameat), then dirfd is
 * fsynced.  An existing dirfd/name that is a symbolic link or not a regular file is refused with
 * ELOOP (link) or EEXIST (anything else) and left alone.  Returns 0, or -1 with errno; the
 * temporary file is removed on failure and name is left as it was.
 */
int f2c_fs_replace_at(int dirfd, const char *name, const void *data, size_t len);

/*
 * f2c_fs_replace_at in two steps, for a writer that streams: _begin refuses an existing dirfd/name
 * that is a symbolic link (ELOOP) or not a regular file (EEXIST), then creates the temporary file
 * (f2c_fs_temp_at, ".<name>.tmp-<random>", name written to tmp[0..cap)) and returns its descriptor,
 * or -1 with errno.  The caller writes, fsyncs and closes it, then calls _finish with failed
 * non-zero when any of that failed (errno set): _finish renames tmp over name and fsyncs dirfd, or
 * on failure removes tmp; 0, or -1 with errno (name is then left as it was).
 */
int f2c_fs_replace_begin(int dirfd, const char *name, char *tmp, size_t cap);
int f2c_fs_replace_finish(int dirfd, const char *tmp, const char *name, int failed);

/*
 * f2c_fs_replace_at for a name that may have folder components ("config/PropertiesGroup/X.json"):
 * the folders are opened, and created when missing (0777 less the umask), by f2c_fs_dir_at, so
 * a symbolic link at any component of name is refused (ELOOP or ENOTDIR) rather than followed;
 * the file is then replaced as f2c_fs_replace_at does (ELOOP for a link, EEXIST for a non-regular
 * file).  Returns 0, or -1 with errno; folders created before a failure stay.
 */
int f2c_fs_write_at(int dirfd, const char *name, const void *data, size_t len);

/*
 * A folder whose files may be placeholders: a sparse local mirror of a remote folder
 * (transformer/tx_mirror.h) holds, for each remote file, a local file of the right size whose
 * bytes are only partly there (a partition's header or footer) until it is fetched.  Code that
 * reads a file of such a folder beyond what a header check needs calls f2c_fs_fetch first.
 * fn(ud, loc, why, cap) makes the file at `loc` (relative to the folder, "data/<Entity>/<file>")
 * complete; it returns 0, or -1 with a one-line reason in why[0..cap).
 */
typedef struct f2c_fs_fetcher {
    int (*fn)(void *ud, const char *loc, char *why, size_t cap);
    void *ud;
} f2c_fs_fetcher;

/* f->fn(f->ud, loc, why, cap) when f is not NULL (a local folder: nothing to do, 0). */
int f2c_fs_fetch(const f2c_fs_fetcher *f, const char *loc, char *why, size_t cap);

/* rm -r of dirfd/name, never following a link (a link is removed itself).  Missing is fine.
 * 0, or -1 with errno (the first error; goes on removing what it can). */
int f2c_fs_remove_tree_at(int dirfd, const char *name);

/*
 * rm -r: removes path, and everything under it when it is a folder.  Symbolic links are
 * removed themselves, never followed (lstat), so nothing outside the tree is touched.  A
 * missing path is fine.  Goes on after an error, removing what it can.  Returns 0, or -1 with
 * errno set to the first error.
 */
int f2c_fs_remove_tree(const char *path);

#endif
