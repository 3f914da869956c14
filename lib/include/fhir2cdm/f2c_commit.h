/*
 * f2c_commit: one writer's transaction on an output folder -- the commit protocol that makes a
 * run appear all at once or not at all (docs/cdm-folder.md, "Commit protocol", has the table of
 * what a reader can see at every instant).
 *
 * The folder <out> holds the published state (data files and a record document, model.json for a
 * CDM folder) and a hidden control folder <out>/.fhir2cdm/:
 *   lock             advisory lock (flock) of the one writer; holds "pid <n>\n" while held
 *                    (for a second writer's message), emptied before release
 *   stage-<random>/  the running transaction's staging folder (mode 0700): <dir>/<file> for
 *                    every staged file, and the new record
 *   journal          exists only while a commit is under way: names every rename, the record
 *                    and every removal, so that a run finding it finishes that commit
 * Protocol: begin (lock; finish a journaled commit = roll forward; remove staging folders without
 * a journal = roll back) -> stage files (fsynced when closed) -> finish: write and fsync the new
 * record in the staging folder, check every target, write the journal, rename the staged files
 * into place, rename the record over the old one, remove what the new record no longer lists,
 * fsync the folders, remove the staging folder and the journal.  Any failure before the journal
 * leaves the published state byte-identical (abort removes the staging folder); a crash after it
 * is finished by the next begin.
 *
 * Link safety: every name below <out> is opened relative to directory descriptors without
 * following links; files are created with O_CREAT|O_EXCL|O_NOFOLLOW inside the unpredictable
 * staging folder; a symbolic link at any name the protocol writes (control folder, lock, journal,
 * a data folder, a target file, the record) is an error, never followed.  <out> itself may be a
 * link (the user's choice).
 *
 * Fault points (tests only, undocumented for users): FHIR2CDM_FAULT=<point>[:<k>] makes the process
 * kill itself with SIGKILL at that point, as a crash would: "staged:<k>" after the k-th staged
 * file is closed, "journal" after the journal is durable, "rename:<j>" after the j-th rename,
 * "before-record" / "after-record" around the record's rename, "cleanup" before the staging folder
 * is removed.
 *
 * Threads: f2c_commit_stage / _close / _discard may be called from several threads at once; begin,
 * finish, abort and the lists from one thread while no file is staged or open.
 */
#ifndef FHIR2CDM_F2C_COMMIT_H
#define FHIR2CDM_F2C_COMMIT_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_error.h"

typedef struct f2c_commit f2c_commit;

/* The control folder's name inside the output folder. */
#define F2C_COMMIT_DIR ".fhir2cdm"

/*
 * Opens (creating it and its parents when missing) the output folder out_dir, takes the writer's
 * lock and recovers from an interrupted run: a journaled commit is finished, staging folders
 * without a journal are removed (each said on `log`, when not NULL, as "note: ..." lines), then a
 * new staging folder is made.  Returns F2C_OK with *out set, or: F2C_EBUSY (another live process
 * holds the lock; the message names its pid), F2C_EIO (the folder cannot be created or opened, a
 * symbolic link or non-folder where the control folder, lock or staging folder must be, recovery
 * failed; message names the path and cause), F2C_ENOMEM.  On error nothing of out_dir changed
 * except a folder created here, removed again when still empty.
 */
f2c_status f2c_commit_begin(const char *out_dir, FILE *log, f2c_commit **out, f2c_error *err);

/* The output folder's descriptor (O_DIRECTORY), valid until finish/abort: for reading the published
 * state (the old record, listed files) without following links. */
int f2c_commit_dirfd(const f2c_commit *c);

/* The output folder's path as given to begin (for messages). */
const char *f2c_commit_path(const f2c_commit *c);

/*
 * Creates staged file `dir`/`name` (dir: a relative folder inside the output folder such as
 * "data/LocalPatient", one or more components; name: a file name) and returns its descriptor,
 * open for writing.  The file goes to <staging>/<dir>/<name> with O_CREAT|O_EXCL|O_NOFOLLOW.
 * Hand the descriptor back with f2c_commit_close (keep) or f2c_commit_discard (drop).  Staging the
 * same dir/name twice without discarding is EEXIST.  Errors: F2C_EIO (names the file: ENOSPC,
 * EEXIST, ENAMETOOLONG...), F2C_ENOMEM.
 */
f2c_status f2c_commit_stage(f2c_commit *c, const char *dir, const char *name, int *fd,
                            f2c_error *err);

/* Flushes (fsync) and closes a staged file's descriptor; the file will be published by finish.
 * Errors: F2C_EIO (fsync/close failed: ENOSPC, EIO, EDQUOT; the file is then discarded). */
f2c_status f2c_commit_close(f2c_commit *c, const char *dir, const char *name, int fd,
                            f2c_error *err);

/* Closes fd (when >= 0) and removes the staged file; it will not be published. */
void f2c_commit_discard(f2c_commit *c, const char *dir, const char *name, int fd);

/* Renames staged file `from` to `to` (both "<dir>/<name>", one dir) inside the staging folder,
 * open or closed, so it is published under the new name: for a name that is known only after
 * the file was written (the transformer's derived operation id, computed while it runs).
 * Errors: F2C_EIO (no such staged file, `to` already staged, different folders: EXDEV; the
 * message names `from`), F2C_ENOMEM; the file then keeps its name. */
f2c_status f2c_commit_rename_staged(f2c_commit *c, const char *from, const char *to,
                                    f2c_error *err);

/* Staged (closed) files, sorted by dir then name: "<dir>/<name>" strings borrowed from c, valid
 * until the next stage/discard/finish/abort. */
size_t f2c_commit_staged(f2c_commit *c, const char *const **paths);

/* Opens staged (closed) file rel ("<dir>/<name>") for reading (O_NOFOLLOW); the descriptor is the
 * caller's.  -1 with errno when it cannot. */
int f2c_commit_open_staged(f2c_commit *c, const char *rel);

/*
 * Publishes: writes record[0..len) as the new record file `record_name` (e.g. "model.json"),
 * renames every staged file to the same relative path in the output folder, except where
 * `rename_to` (may be NULL) gives another target for the staged path at the same index of
 * f2c_commit_staged ("" = not published: the staged file is dropped with the staging folder);
 * removes removes[0..nremoves) (relative paths of published files the new record no longer lists)
 * after the record is in place.  Then frees c (the lock is released).  Returns F2C_OK, or: F2C_EIO
 * before the journal (nothing published: the staging folder is removed, the published state is as
 * it was; a symbolic link or non-regular file at a target, the record or a data folder is refused
 * so), F2C_EIO after the journal (what could not be done is finished by the next begin; message
 * says so), F2C_ENOMEM.  c is freed in every case.
 */
f2c_status f2c_commit_finish(f2c_commit *c, const char *record_name, const char *record, size_t len,
                             const char *const *rename_to, const char *const *removes,
                             size_t nremoves, f2c_error *err);

/* Removes the staging folder and frees c (NULL allowed): the published state is as before begin;
 * an output folder created by begin is removed again when nothing else is in it. */
void f2c_commit_abort(f2c_commit *c);

#endif
