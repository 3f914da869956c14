/*
 * f2c_sink_file: the staged file of one partition -- what every row sink (f2c_sink.h) writes
 * into: staged in the run's transaction, then exactly one of close or discard.  Internal to
 * lib/cdm (the sink implementations include it); a file of its own so the sinks depend on it and
 * not on the format switch in f2c_sink.c, which depends on them.
 */
#ifndef FHIR2CDM_F2C_SINK_FILE_H
#define FHIR2CDM_F2C_SINK_FILE_H

#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_error.h"

/* Every sink writes one file staged in the run's transaction; these three calls are the one copy
 * of that life, so each sink only encodes. */
typedef struct f2c_sink_file {
    f2c_commit *tx;              /* borrowed */
    char *dir, *name;            /* as given to f2c_commit_stage (owned) */
    char *label;                 /* "<output folder>/<dir>/<name>": the file in messages (owned) */
    int fd;                      /* the staged file's descriptor; -1 when none */
    unsigned long long unsynced; /* bytes written since the last early write-back (f2c_fs.h) */
} f2c_sink_file;

/* Stages dir/name in tx (f2c_commit_stage) into *f.  Returns F2C_OK, or as f2c_commit_stage
 * (F2C_EIO, F2C_ENOMEM) with nothing staged and *f holding nothing. */
f2c_status f2c_sink_file_stage(f2c_sink_file *f, f2c_commit *tx, const char *dir, const char *name,
                               f2c_error *err);

/* Hands the complete file back (f2c_commit_close: fsync, close; on failure the file is
 * discarded) and frees *f's strings.  Returns F2C_OK or F2C_EIO. */
f2c_status f2c_sink_file_close(f2c_sink_file *f, f2c_error *err);

/* Drops the staged file (f2c_commit_discard) and frees *f's strings.  Never fails; a file never
 * staged (fd -1) is only freed. */
void f2c_sink_file_discard(f2c_sink_file *f);

#endif
