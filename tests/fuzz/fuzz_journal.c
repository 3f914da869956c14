/*
 * fuzz_journal: libFuzzer target for the commit protocol's recovery (f2c_commit_begin finishing a
 * journaled commit): the input is written as .fhir2cdm/journal of a fresh output folder that also
 * holds a staging folder with one staged file, then the folder is opened.  Whatever the journal
 * says, recovery must stay inside the folder (a sentinel file beside it must survive), never
 * crash, and either finish or refuse with an error.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_commit.h"
#include "fhir2cdm/f2c_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (len && fwrite(data, 1, len, f) != len) abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char root[] = "/tmp/fuzz-journal-XXXXXX";
    if (!mkdtemp(root)) abort();
    char out[256], p[512];
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(p, sizeof p, "%s/sentinel", root);
    put(p, "keep", 4);
    snprintf(p, sizeof p, "%s/.fhir2cdm/stage-0123456789abcdef/data/E", out);
    if (f2c_fs_mkdirs(p, 0777) != 0) abort();
    snprintf(p, sizeof p, "%s/.fhir2cdm/stage-0123456789abcdef/data/E/f.csv", out);
    put(p, "a\r\n", 3);
    snprintf(p, sizeof p, "%s/.fhir2cdm/stage-0123456789abcdef/model.json", out);
    put(p, "{}", 2);
    snprintf(p, sizeof p, "%s/.fhir2cdm/journal", out);
    put(p, data, size);

    f2c_commit *c = NULL;
    f2c_error e;
    if (f2c_commit_begin(out, NULL, &c, &e) == F2C_OK) f2c_commit_abort(c);

    snprintf(p, sizeof p, "%s/sentinel", root);
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 4) abort(); /* escaped */
    if (f2c_fs_remove_tree(root) != 0) abort();
    return 0;
}
