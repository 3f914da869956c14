/*
 * gen_util: the generator's usage-error rules, one copy for every subcommand (the transformer
 * has the same rules in transformer/tx_util.c; the two binaries share no command-line code, and
 * the messages are worded identically so a user sees one convention): a refused number names
 * its valid range, and a single-value option given twice is an error, never "the last wins".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen.h"

int gen_parse_range(const char *prog, const char *flag, const char *s, long min, long max,
                    long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || *end || errno || v < min || v > max) {
        fprintf(stderr, "%s: %s expects a whole number from %ld to %ld, got \"%s\"\n", prog, flag,
                min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

int gen_once(const char *prog, const char *flag, int *seen)
{
    if ((*seen)++ == 0) return 0;
    fprintf(stderr,
            "%s: %s given twice (it takes one value; the repeatable options are listed in "
            "-h)\n",
            prog, flag);
    return -1;
}

int gen_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                 int *seen)
{
    if (c < 0 || c >= GEN_OPT_CODES) return 0;
    for (size_t i = 0; repeatable && repeatable[i]; i++)
        if (repeatable[i] == c) return 0;
    for (; opts->name; opts++) {
        if (opts->val != c || opts->flag) continue;
        if (opts->has_arg != required_argument) return 0;
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", opts->name);
        return gen_once(prog, flag, &seen[c]);
    }
    return 0;
}
