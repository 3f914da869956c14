/*
 * gen_out: how every subcommand writes an output FILE the user named (-o of show-schema and
 * synapse-sql).
 *
 * Why one function: the rule (docs/schema-viewer.md, "Output files") lives in
 * f2c_fs_write_atomic -- a non-regular target such as /dev/stdout, a FIFO or /dev/full is
 * written into and never replaced, anything else is replaced atomically through a new file
 * with an unpredictable name -- and the subcommands must also agree on the message and the exit
 * status (2) when that fails, so they all come here.  The output is produced in memory first
 * (it is small: a schema page, a SQL script), so a failure while producing it never reaches
 * the file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_fs.h"
#include "gen.h"

int gen_write_output(const char *prog, const char *path, const void *data, size_t len)
{
    if (f2c_fs_write_atomic(path, data, len) == 0) return 0;
    int e = errno;
    struct stat st;
    if (e == ENOMEM)
        fprintf(stderr, "%s: out of memory\n", prog);
    else if (e == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        fprintf(stderr,
                "%s: cannot write %s: a symbolic link to a missing file; refusing to create "
                "a file through it\n",
                prog, path);
    else if (e == ENOENT || e == ENOTDIR)
        fprintf(stderr, "%s: cannot create %s: %s (its folder must exist)\n", prog, path,
                strerror(e));
    else if (e == ELOOP || e == EEXIST)
        fprintf(stderr,
                "%s: cannot write %s: it was replaced by a symbolic link or a special "
                "file while being written; nothing written\n",
                prog, path);
    else
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(e));
    return 2;
}
