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

/*
 * Replaces the file at path with data[0..len) so that readers see the old content or the new
 * one, never a part: the bytes go to a temporary file in the same folder (named
 * "<path>.tmp-<pid>-<n>", unique per process and call, so concurrent writers never share
 * one), which is flushed to disk (fsync) and renamed over path; the folder is then synced,
 * best effort.  data may be NULL when len is 0.  The folder must exist.  Returns 0, or -1
 * with errno set; the temporary file is removed on failure and path is left as it was.
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

/*
 * rm -r: removes path, and everything under it when it is a folder.  Symbolic links are
 * removed themselves, never followed (lstat), so nothing outside the tree is touched.  A
 * missing path is fine.  Goes on after an error, removing what it can.  Returns 0, or -1 with
 * errno set to the first error.
 */
int f2c_fs_remove_tree(const char *path);

#endif
