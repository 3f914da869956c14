/*
 * fuzz_sqlmodel: libFuzzer target for `fhir2cdm synapse-sql` (generator/gen_sql.c) over the one
 * model.json reader, f2c_cdm_model_read: a CDM folder's model.json may come from anywhere (a shared
 * lake, an older tool) and is read to write SQL.  The input is the model.json bytes; it is written
 * to a scratch file and read by the command itself, once per SQL dialect (PostgreSQL, Synapse
 * serverless, Synapse dedicated, DuckDB), with the script written to /dev/null.
 *
 * The command's own messages about invalid models go to stderr; run with -close_fd_mask=2 to
 * silence them when they get in the way (sanitizer reports still reach the log).
 */
#include "fuzz_files.h"

#include <stdint.h>

#include "gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char model[512];
    snprintf(model, sizeof model, "%s/model.json", fuzz_scratch());
    fuzz_write(model, data, size);
    char *pg[] = {"synapse-sql", "--model", model,       "--dialect",
                  "postgres",    "-o",      "/dev/null", NULL};
    char *sl[] = {"synapse-sql",
                  "--model",
                  model,
                  "--pool",
                  "serverless",
                  "--storage-url",
                  "https://acct.dfs.core.windows.net/cdm/root",
                  "-o",
                  "/dev/null",
                  NULL};
    char *dd[] = {"synapse-sql",
                  "--model",
                  model,
                  "--pool",
                  "dedicated",
                  "--storage-url",
                  "https://acct.dfs.core.windows.net/cdm",
                  "--schema",
                  "fhir",
                  "-o",
                  "/dev/null",
                  NULL};
    char *dk[] = {"synapse-sql", "--model",   model, "--dialect", "duckdb",
                  "--data-root", "/data/cdm", "-o",  "/dev/null", NULL};
    (void)gen_sql_main(7, pg);
    (void)gen_sql_main(9, dk);
    (void)gen_sql_main(9, sl);
    (void)gen_sql_main(11, dd);
    return 0;
}
