/*
 * tx_util: see tx_util.h.  The option rules were written once per command (the default
 * command, export, the stream job) and had started to differ (one accepted NULL, one did not);
 * here they are decided once, and each command keeps its own message prefix.
 */
#include "tx_util.h"

#include <errno.h>
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
