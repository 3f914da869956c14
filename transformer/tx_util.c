/*
 * tx_util: see tx_util.h.  The option rules were written once per command (the default
 * command, export, the stream job) and had started to differ (one accepted NULL, one did not);
 * here they are decided once, and each command keeps its own message prefix.  The same goes for
 * usage errors: every refused number names its valid range (tx_parse_range) and every
 * single-value flag given twice is refused the same way (tx_once), in every command.
 */
#include "tx_util.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tx_parse_range(const char *prog, const char *flag, const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || !(s[0] >= '0' && s[0] <= '9') || errno || v < min || v > max) {
        fprintf(stderr, "%s: %s expects a whole number from %llu to %llu, got \"%s\"\n", prog, flag,
                min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

int tx_parse_count(const char *prog, const char *flag, const char *s, unsigned long long max,
                   unsigned long long *out)
{
    return tx_parse_range(prog, flag, s, 0, max, out);
}

int tx_once(const char *prog, const char *flag, int *seen)
{
    if ((*seen)++ == 0) return 0;
    fprintf(stderr,
            "%s: %s given twice (it takes one value; the repeatable flags are listed in "
            "--help)\n",
            prog, flag);
    return -1;
}

int tx_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                int *seen)
{
    if (c < 0 || c >= TX_OPT_CODES) return 0;
    for (size_t i = 0; repeatable && repeatable[i]; i++)
        if (repeatable[i] == c) return 0;
    for (; opts->name; opts++) {
        if (opts->val != c || opts->flag) continue;
        if (opts->has_arg != required_argument) return 0;
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", opts->name);
        return tx_once(prog, flag, &seen[c]);
    }
    return 0;
}

int tx_valid_opid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
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
