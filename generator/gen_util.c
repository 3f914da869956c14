/*
 * gen_util: the generator's usage-error rules for every subcommand: the library's f2c_cli (the
 * transformer uses the same), with the generator's word for where options are listed (-h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "fhir2cdm/f2c_cli.h"
#include "gen.h"

int gen_parse_range(const char *prog, const char *flag, const char *s, long min, long max,
                    long *out)
{
    unsigned long long v;
    if (min < 0 || max < min) return -1; /* a caller's mistake: ranges here are never negative */
    if (f2c_cli_range(prog, flag, s, (unsigned long long)min, (unsigned long long)max, &v) != 0)
        return -1;
    *out = (long)v;
    return 0;
}

int gen_once(const char *prog, const char *flag, int *seen)
{
    return f2c_cli_once(prog, flag, "-h", seen);
}

int gen_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                 int *seen)
{
    return f2c_cli_once_opt(prog, opts, repeatable, c, "-h", seen);
}
