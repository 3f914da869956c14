/*
 * tx_progress: see tx_progress.h.  The clock is read at most every 256 calls' worth of work by
 * the caller; redraws are limited to 10 per second so a fast run is not slowed by the terminal.
 */
#include "tx_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double tx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tx_progress_init(tx_progress *p, int enabled, unsigned long long total_bytes)
{
    p->enabled = enabled;
    p->tty = isatty(fileno(stderr));
    p->drawn = 0;
    p->total = total_bytes;
    p->done = 0;
    p->resources = 0;
    p->start = p->last = tx_now();
    p->label = "";
}

static void draw(tx_progress *p, double now)
{
    double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
    if (pct > 100.0) pct = 100.0;
    double el = now - p->start;
    double mbs = el > 0 ? (double)p->done / 1e6 / el : 0;
    if (p->tty) {
        char bar[31];
        int fill = (int)(pct * 30 / 100);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %5.1f%%  %llu resources  %.1f MB/s  %s\033[K", bar, pct,
                p->resources, mbs, p->label);
        p->drawn = 1;
    } else {
        fprintf(stderr, "progress: %.1f%% (%.1f of %.1f MB), %llu resources, %.1f MB/s, %s\n",
                pct, (double)p->done / 1e6, (double)p->total / 1e6, p->resources, mbs, p->label);
    }
    fflush(stderr);
}

void tx_progress_update(tx_progress *p, unsigned long long done, unsigned long long resources,
                        const char *label)
{
    if (!p->enabled) return;
    p->done = done;
    p->resources = resources;
    p->label = label;
    double now = tx_now();
    if (now - p->last < (p->tty ? 0.1 : 10.0)) return;
    p->last = now;
    draw(p, now);
}

void tx_progress_clear(tx_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        p->drawn = 0;
    }
}

void tx_progress_finish(tx_progress *p)
{
    if (p->enabled && p->tty && p->drawn) draw(p, tx_now());
    tx_progress_clear(p);
}
