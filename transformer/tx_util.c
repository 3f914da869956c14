/*
 * tx_util: see tx_util.h.  The option rules were written once per command (the default
 * command, export, the stream job) and had started to differ (one accepted NULL, one did not);
 * here they are decided once, and each command keeps its own message prefix.
 */
#include "tx_util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tx_parse_count(const char *prog, const char *flag, const char *s, unsigned long long max,
                   unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || errno || v > max) {
        fprintf(stderr, "%s: %s expects a whole number up to %llu, got \"%s\"\n", prog, flag, max,
                s);
        return -1;
    }
    *out = v;
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
