/*
 * tx_util: small command-line helpers shared by the transformer's commands (tx_main's default
 * command, `export`, and the stream jobs of tx_job), so each rule has one copy.
 */
#ifndef FHIR2CDM_TX_UTIL_H
#define FHIR2CDM_TX_UTIL_H

/*
 * Parses s, the value of option flag (e.g. "--max-depth"), as a whole decimal number from min to
 * max: no sign, no spaces, nothing after the digits.  Returns 0 with *out set, or -1 after
 * printing "<prog>: <flag> expects a whole number from <min> to <max>, got "<s>"" to stderr
 * (prog is the message prefix, e.g. "fhir2cdm-transform export"), so every refused value names
 * the valid range; *out is then unchanged.  No argument may be NULL.
 */
/*
 * Sets the C library allocator's policy for a run of this process, before any thread starts:
 * freed memory is kept for reuse instead of returned to the kernel (M_TRIM_THRESHOLD 1 GiB), and
 * blocks up to 32 MiB come from the heap rather than from mmap (M_MMAP_THRESHOLD; 32 MiB is
 * glibc's maximum).  Why: a run allocates and frees large blocks again and again (a resource
 * index per entity, a partition's buffers, parse trees per file), and on a host where a page
 * fault is expensive (virtual machines) faulting fresh pages in dominated a merge: measured on
 * the 200 MB benchmark, a 1% merge took 0.36 s with glibc's defaults and 0.24 s with this policy
 * (docs/benchmarks.md, "Merge mode").  Peak memory is unchanged; memory is returned at exit.  A
 * no-op where the C library is not glibc.  Never fails (an option glibc refuses is left as it is).
 */
void tx_tune_allocator(void);

int tx_parse_range(const char *prog, const char *flag, const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out);

/* tx_parse_range with min 0. */
int tx_parse_count(const char *prog, const char *flag, const char *s, unsigned long long max,
                   unsigned long long *out);

/*
 * The "given twice" rule of single-value flags: *seen counts the times flag was given (start at
 * 0; one counter per flag, shared by its spellings, e.g. --max-depth and --maxDepth).  Returns 0
 * the first time, or -1 after printing "<prog>: <flag> given twice (it takes one value; the
 * repeatable flags are listed in --help)" to stderr: a repeated single-value flag is a usage
 * error, never "the last one wins".  No argument may be NULL.
 */
int tx_once(const char *prog, const char *flag, int *seen);

struct option;

/* Size of the `seen` array of tx_once_opt: option codes (getopt_long's val) are below it. */
#define TX_OPT_CODES 1024 /* = F2C_CLI_OPT_CODES */

/*
 * tx_once for getopt_long: call it for every option code c getopt_long returns.  An option of
 * opts that takes a value (required_argument) and whose code is not in repeatable (a list ending
 * with 0; NULL for none) may be given once: the second time, whichever spelling, prints the
 * tx_once message naming its first spelling in opts ("--max-depth" also for --maxDepth) and
 * returns -1.  Options without a value (--quiet), repeatable ones (--input) and codes not in
 * opts return 0.  seen is an array of TX_OPT_CODES counters, zeroed before the parse, owned by
 * the caller; c outside 0..TX_OPT_CODES-1 returns 0.  prog and opts must not be NULL.
 */
int tx_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                int *seen);

struct f2c_fp_limits;

/* getopt_long codes of the FHIRPath budget flags, the same in every command that takes them. */
enum { TX_OPT_FP_STEPS = 512, TX_OPT_FP_ITEMS, TX_OPT_FP_BYTES };

/* The option entries of the budget flags, for a command's getopt_long table. */
#define TX_FP_LIMIT_OPTIONS                                                                        \
    {"fhirpath-max-steps", required_argument, NULL, TX_OPT_FP_STEPS},                              \
        {"fhirpath-max-items", required_argument, NULL, TX_OPT_FP_ITEMS},                          \
    {                                                                                              \
        "fhirpath-max-bytes", required_argument, NULL, TX_OPT_FP_BYTES                             \
    }

/* The --help lines of the budget flags (docs/fhirpath.md, "Evaluation budgets"). */
#define TX_FP_LIMIT_HELP                                                                           \
    "      --fhirpath-max-steps N  budget of each FHIRPath evaluation in steps (default\n"         \
    "                          10000000; 0 = unlimited); exceeding it, or the two below,\n"        \
    "                          is a warning for that resource's cell or rows; the run\n"           \
    "                          goes on (docs/fhirpath.md, \"Evaluation budgets\")\n"               \
    "      --fhirpath-max-items N  collection items per evaluation (default 1000000)\n"            \
    "      --fhirpath-max-bytes N  memory per evaluation (default 268435456 = 256 MiB)\n"

/* If c is one of the budget codes, parses arg into *l (message with prog on error) and returns
 * 0 or -1; any other c returns 1 (not a budget flag). */
int tx_parse_fp_limit(const char *prog, int c, const char *arg, struct f2c_fp_limits *l);

/* getopt_long codes of the stream job's flags, shared by every command that runs a job (the
 * default command and `export`): one table entry list, one parser, one copy of each rule. */
enum {
    TX_OPT_MAXDEPTH = 540,
    TX_OPT_OPID,
    TX_OPT_MAXERR,
    TX_OPT_MAXLINE,
    TX_OPT_FORMAT,
    TX_OPT_COMPRESSION,
    TX_OPT_DECIMAL,
    TX_OPT_MEMORY,
    TX_OPT_THREADS
};

/* The --help lines of the output-format flags (docs/parquet.md). */
#define TX_FORMAT_HELP                                                                             \
    "      --format F          partition format: csv (default; model.json) or parquet (typed,\n"   \
    "                          compressed; a CDM manifest; docs/parquet.md)\n"                     \
    "      --compression C     parquet pages: zstd (default), snappy or none\n"                    \
    "      --decimal P,S       parquet decimal columns as DECIMAL(P,S), 1 <= P <= 38,\n"           \
    "                          0 <= S <= P (default 38,18); more fractional digits are\n"          \
    "                          rounded half-even, too large values left null (warnings)\n"         \
    "      --memory BYTES      parquet row-group buffer of one input file's partitions\n"          \
    "                          together (suffix K, M or G; default 64M)\n"                         \
    "      --threads N         worker threads, 1 to 256 (default: the online CPUs); the\n"         \
    "                          output is byte-identical for every N (docs/transform.md)\n"

/* The option entries of the job flags (--max-depth/--maxDepth, --operation-id/--operationId,
 * --max-errors, --max-line-bytes, -q/--quiet, the output format flags --format, --compression,
 * --decimal, --memory, and the FHIRPath budgets), for a getopt_long table;
 * the short option 'q' must be in the command's optstring. */
// clang-format off
#define TX_JOB_OPTIONS                                                   \
    {"max-depth", required_argument, NULL, TX_OPT_MAXDEPTH},             \
    {"maxDepth", required_argument, NULL, TX_OPT_MAXDEPTH},              \
    {"operation-id", required_argument, NULL, TX_OPT_OPID},              \
    {"operationId", required_argument, NULL, TX_OPT_OPID},               \
    {"max-errors", required_argument, NULL, TX_OPT_MAXERR},              \
    {"max-line-bytes", required_argument, NULL, TX_OPT_MAXLINE},         \
    {"quiet", no_argument, NULL, 'q'},                                   \
    {"format", required_argument, NULL, TX_OPT_FORMAT},                  \
    {"compression", required_argument, NULL, TX_OPT_COMPRESSION},        \
    {"decimal", required_argument, NULL, TX_OPT_DECIMAL},                \
    {"memory", required_argument, NULL, TX_OPT_MEMORY},                  \
    {"threads", required_argument, NULL, TX_OPT_THREADS},                \
    TX_FP_LIMIT_OPTIONS
// clang-format on

struct tx_options;

/*
 * If c is one of the job flags (TX_JOB_OPTIONS), checks arg and sets it in *o (max_depth 1..64,
 * operation_id by tx_valid_opid and borrowed, max_errors, max_line 1..2^40 bytes, quiet; the
 * output format in o->sink: format csv|parquet and compression zstd|snappy|none borrowed,
 * decimal "P,S" with 1 <= P <= 38 and 0 <= S <= P, memory 1M..1T bytes with an optional K/M/G
 * suffix (powers of 1024); threads 1..F2C_JOB_MAX_THREADS) or *l
 * (the budgets), and returns 0, or -1 after a message with prog ("<prog>: --max-depth expects a
 * whole number from 1 to 64, got "x""); any other c returns 1 (not a job flag).
 */
int tx_parse_job_option(const char *prog, int c, const char *arg, struct tx_options *o,
                        struct f2c_fp_limits *l);

/* 1 when s (may be NULL) is a valid operation id: 1 to 64 characters of A-Z a-z 0-9 _ -, so it
 * can name files and blobs as is; else 0.  Prints nothing. */
int tx_valid_opid(const char *s);

#include <signal.h>

/*
 * Interruption (docs/transform.md, "Interruption"): installs one handler for SIGINT, SIGTERM and
 * SIGHUP that records the signal's number (SA_RESETHAND: a second signal stops the process the
 * usual way).  The work loops poll tx_interrupted() between chunks and stop cleanly: nothing
 * published, exit 128 + the signal's number (130, 143, 129).  The flag is the one mutable global
 * of the transformer: a signal handler can reach nothing else; it is written only by the handler
 * and read, never on a per-row path.
 */
void tx_signals_install(void);

/* The number of the signal received since tx_signals_install, 0 when none. */
int tx_interrupted(void);

/* The flag itself, for the libraries' cancel options (f2c_http_opts.cancel, f2c_bulk_opts). */
volatile sig_atomic_t *tx_cancel_flag(void);

/* Blocks (block=1) or unblocks (block=0) the three signals for the calling thread, so a commit
 * is never cut in two by our own handler (a signal received meanwhile is delivered after). */
void tx_signals_block(int block);

/* The last path segment of url (without query/fragment), as a new string (NULL: out of
 * memory). */
char *tx_url_file_name(const char *url);

/* Non-zero when s can name a file as is: 1 to 200 of [A-Za-z0-9._-], not starting with '.'. */
int tx_safe_file_name(const char *s);

#endif
