/*
 * f2c_cli: see f2c_cli.h.  The transformer and the generator each grew the same two rules
 * (range messages, "given twice") in their own util file, worded alike on purpose; here they
 * are one copy, and the binaries keep only their wording of where --help is.
 */
#include "fhir2cdm/f2c_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int f2c_cli_range(const char *prog, const char *flag, const char *s, unsigned long long min,
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

int f2c_cli_once(const char *prog, const char *flag, const char *help, int *seen)
{
    if ((*seen)++ == 0) return 0;
    fprintf(stderr,
            "%s: %s given twice (it takes one value; the repeatable options are listed in %s)\n",
            prog, flag, help);
    return -1;
}

int f2c_cli_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                     const char *help, int *seen)
{
    if (c < 0 || c >= F2C_CLI_OPT_CODES) return 0;
    for (size_t i = 0; repeatable && repeatable[i]; i++)
        if (repeatable[i] == c) return 0;
    for (; opts->name; opts++) {
        if (opts->val != c || opts->flag) continue;
        if (opts->has_arg != required_argument) return 0;
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", opts->name);
        return f2c_cli_once(prog, flag, help, &seen[c]);
    }
    return 0;
}
