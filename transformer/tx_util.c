/*
 * tx_util: see tx_util.h.  The option rules were written once per command (the default
 * command, export, the stream job) and had started to differ (one accepted NULL, one did not);
 * here they are decided once, and each command keeps its own message prefix.  The usage-error
 * rules themselves (ranges, "given twice") are the library's f2c_cli, shared with the generator;
 * these wrappers only say where the transformer lists its repeatable flags (--help).
 */
#include "tx_util.h"
#include "tx_job.h"

#include "fhir2cdm/f2c_cli.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_job.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tx_parse_range(const char *prog, const char *flag, const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out)
{
    return f2c_cli_range(prog, flag, s, min, max, out);
}

int tx_parse_count(const char *prog, const char *flag, const char *s, unsigned long long max,
                   unsigned long long *out)
{
    return f2c_cli_range(prog, flag, s, 0, max, out);
}

int tx_once(const char *prog, const char *flag, int *seen)
{
    return f2c_cli_once(prog, flag, "--help", seen);
}

int tx_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                int *seen)
{
    return f2c_cli_once_opt(prog, opts, repeatable, c, "--help", seen);
}

int tx_parse_fp_limit(const char *prog, int c, const char *arg, struct f2c_fp_limits *l)
{
    if (c != TX_OPT_FP_STEPS && c != TX_OPT_FP_ITEMS && c != TX_OPT_FP_BYTES) return 1;
    unsigned long long v;
    const char *flag = c == TX_OPT_FP_STEPS   ? "--fhirpath-max-steps"
                       : c == TX_OPT_FP_ITEMS ? "--fhirpath-max-items"
                                              : "--fhirpath-max-bytes";
    if (f2c_cli_range(prog, flag, arg, 0, UINT64_MAX, &v) != 0) return -1;
    *(c == TX_OPT_FP_STEPS   ? &l->max_steps
      : c == TX_OPT_FP_ITEMS ? &l->max_items
                             : &l->max_bytes) = v;
    return 0;
}

/* arg is one of the words of list (NULL-terminated); else a message naming them. */
static int one_of(const char *prog, const char *flag, const char *arg, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(arg, list[i]) == 0) return 0;
    fprintf(stderr, "%s: %s expects one of", prog, flag);
    for (size_t i = 0; list[i]; i++)
        fprintf(stderr, "%s %s", i ? "," : "", list[i]);
    fprintf(stderr, ", got \"%s\"\n", arg);
    return -1;
}

/* --decimal P,S: 1 <= P <= 38, 0 <= S <= P. */
static int parse_decimal(const char *prog, const char *arg, f2c_sink_options *so)
{
    unsigned p = 0, s = 0;
    int n = -1;
    if (sscanf(arg, "%2u,%2u%n", &p, &s, &n) != 2 || n < 0 || arg[n] ||
        !isdigit((unsigned char)*arg) || p < 1 || p > 38 || s > p || strchr(arg, ' ') ||
        strchr(arg, '+')) {
        fprintf(stderr,
                "%s: --decimal expects P,S with 1 <= P <= 38 and 0 <= S <= P (e.g. 38,18), "
                "got \"%s\"\n",
                prog, arg);
        return -1;
    }
    so->decimal_precision = (int)p;
    so->decimal_scale = (int)s;
    return 0;
}

/* --memory BYTES[K|M|G]: 1 MiB to 1 TiB. */
static int parse_memory(const char *prog, const char *arg, f2c_sink_options *so)
{
    size_t n = strlen(arg);
    unsigned shift = 0;
    char digits[32];
    if (n && strchr("KMG", arg[n - 1])) shift = arg[--n] == 'K' ? 10 : arg[n] == 'M' ? 20 : 30;
    unsigned long long v = 0, lo = 1ULL << 20, hi = 1ULL << 40;
    if (n == 0 || n >= sizeof digits) {
        fprintf(stderr,
                "%s: --memory expects bytes (suffix K, M or G) from 1M to 1024G, got \"%s\"\n",
                prog, arg);
        return -1;
    }
    memcpy(digits, arg, n);
    digits[n] = '\0';
    if (tx_parse_range(prog, "--memory (before its K/M/G suffix)", digits, 1, hi >> shift, &v) != 0)
        return -1;
    v <<= shift;
    if (v < lo) {
        fprintf(stderr, "%s: --memory must be at least 1M (1048576 bytes), got \"%s\"\n", prog,
                arg);
        return -1;
    }
    so->memory_bytes = (size_t)v;
    return 0;
}

/* The output-format flags into o->sink; 1 when c is not one of them. */
static int parse_format_option(const char *prog, int c, const char *arg, f2c_sink_options *so)
{
    static const char *const formats[] = {"csv", "parquet", NULL};
    static const char *const codecs[] = {"zstd", "snappy", "none", NULL};
    switch (c) {
    case TX_OPT_FORMAT:
        if (one_of(prog, "--format", arg, formats) != 0) return -1;
        so->format = arg;
        return 0;
    case TX_OPT_COMPRESSION:
        if (one_of(prog, "--compression", arg, codecs) != 0) return -1;
        so->compression = arg;
        return 0;
    case TX_OPT_DECIMAL:
        return parse_decimal(prog, arg, so);
    case TX_OPT_MEMORY:
        return parse_memory(prog, arg, so);
    default:
        return 1;
    }
}

int tx_parse_job_option(const char *prog, int c, const char *arg, struct tx_options *o,
                        struct f2c_fp_limits *l)
{
    int r = parse_format_option(prog, c, arg, &o->sink);
    if (r != 1) return r;
    unsigned long long v;
    switch (c) {
    case TX_OPT_MAXDEPTH:
        if (tx_parse_range(prog, "--max-depth", arg, 1, 64, &v) != 0) return -1;
        o->max_depth = (int)v;
        return 0;
    case TX_OPT_OPID:
        if (!tx_valid_opid(arg)) {
            fprintf(stderr,
                    "%s: --operation-id must be 1 to 64 characters of A-Z a-z 0-9 _ -, got "
                    "\"%s\"\n",
                    prog, arg);
            return -1;
        }
        o->operation_id = arg;
        return 0;
    case TX_OPT_MAXERR:
        return tx_parse_count(prog, "--max-errors", arg, (unsigned long long)-1 / 2,
                              &o->max_errors);
    case TX_OPT_MAXLINE:
        if (tx_parse_range(prog, "--max-line-bytes", arg, 1, (unsigned long long)1 << 40, &v) != 0)
            return -1;
        o->max_line = (size_t)v;
        return 0;
    case 'q':
        o->quiet = 1;
        return 0;
    case TX_OPT_THREADS:
        if (tx_parse_range(prog, "--threads", arg, 1, F2C_JOB_MAX_THREADS, &v) != 0) return -1;
        o->threads = (unsigned)v;
        return 0;
    default:
        return tx_parse_fp_limit(prog, c, arg, l);
    }
}

int tx_valid_opid(const char *s)
{
    return f2c_job_valid_operation_id(s);
}

/* ---- interruption ------------------------------------------------------------------------- */

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

void tx_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int tx_interrupted(void)
{
    return (int)g_signal;
}

volatile sig_atomic_t *tx_cancel_flag(void)
{
    return &g_signal;
}

void tx_signals_block(int block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* The last path segment of url (without query/fragment), as a new string (NULL: out of
 * memory). */
char *tx_url_file_name(const char *url)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;
    while (start > 0 && url[start - 1] != '/')
        start--;
    char *s = malloc(end - start + 1);
    if (s) {
        memcpy(s, url + start, end - start);
        s[end - start] = '\0';
    }
    return s;
}

/* Non-zero when s can name a file as is: 1 to 200 of [A-Za-z0-9._-], not starting with '.'. */
int tx_safe_file_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200 || s[0] == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

void tx_tune_allocator(void)
{
#if defined(__GLIBC__)
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}
