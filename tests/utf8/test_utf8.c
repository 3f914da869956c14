/*
 * test_utf8: f2c_utf8_check (lib/core/f2c_utf8.c) must answer exactly as libunistring's
 * u8_check, which it replaces on the hot path: same NULL, or the same offset of the first bad
 * sequence.  Why exhaustive rather than a handful of cases: the validator's per-sequence checks
 * are a few comparisons on byte ranges, and an off-by-one in any of them (0xC1/0xC2, 0x9F/0xA0
 * after 0xE0 or 0xED, 0x8F/0x90 after 0xF0 or 0xF4) shows up only for particular byte values.
 * So every 1-, 2- and 3-byte input is compared, and every 4-byte input whose first two bytes are
 * anything and last two are taken from the bytes at the edges of those ranges; each one both
 * alone (the per-sequence path) and behind 13 ASCII bytes and before 5 (through the word-at-a-time
 * ASCII path, and cut short at every length).  A few named cases document the contract.
 */
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "fhir2cdm/f2c_utf8.h"

#include "f2c_check.h"

/* offset of the result, or -1 for NULL */
static long off_of(const uint8_t *r, const uint8_t *s)
{
    return r ? (long)(r - s) : -1;
}

static long ours(const uint8_t *s, size_t n)
{
    return off_of(f2c_utf8_check(s, n), s);
}

static long theirs(const uint8_t *s, size_t n)
{
    return off_of(u8_check(s, n), s);
}

/* Compares both on s[0..n) alone and padded with ASCII on both sides; counts one check per
 * input (the failure count is what matters; printing stops after a few). */
static unsigned long compared;

static void compare(const uint8_t *s, size_t n)
{
    uint8_t pad[32];
    compared++;
    memset(pad, 'a', sizeof pad);
    memcpy(pad + 13, s, n);
    long a = ours(s, n), b = theirs(s, n);
    long pa = ours(pad, 13 + n + 5), pb = theirs(pad, 13 + n + 5);
    if (a == b && pa == pb) return;
    char hex[3 * 8 + 1] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02X ", s[i]);
    CHECK_FAIL("%sours %ld u8_check %ld; padded: ours %ld u8_check %ld", hex, a, b, pa, pb);
}

static void exhaustive_short(void)
{
    uint8_t s[3];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        compare(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            compare(s, 2);
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (uint8_t)c;
                compare(s, 3);
            }
        }
    }
}

static void sampled_four(void)
{
    static const uint8_t edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                   0xBF, 0xC0, 0xC1, 0xC2, 0xE0, 0xED, 0xF4, 0xFF};
    size_t ne = sizeof edge;
    uint8_t s[4];
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t c = 0; c < ne; c++)
                for (size_t d = 0; d < ne; d++) {
                    s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = edge[c], s[3] = edge[d];
                    compare(s, 4);
                }
}

/* A long mixed text, and every prefix of it, so sequences straddle the 8- and 16-byte words. */
static void long_text(void)
{
    const char *t = "{\"name\":\"Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80 M\xC3\xBCller\","
                    "\"text\":\"plain ascii for a while, then \xE4\xB8\xAD\xE6\x96\x87 and a bad "
                    "\xE2\x82 byte\"}";
    size_t n = strlen(t);
    for (size_t k = 0; k <= n; k++) {
        long a = ours((const uint8_t *)t, k), b = theirs((const uint8_t *)t, k);
        CHECK(a == b, "prefix %zu: ours %ld u8_check %ld", k, a, b);
    }
}

static void named(void)
{
    CHECK(f2c_utf8_check(NULL, 0) == NULL);
    CHECK_INT_EQ(ours((const uint8_t *)"", 0), -1);
    CHECK_INT_EQ(ours((const uint8_t *)"a\0b", 3), -1);             /* NUL is U+0000 */
    CHECK_INT_EQ(ours((const uint8_t *)"\xE2\x82\xAC", 3), -1);     /* U+20AC */
    CHECK_INT_EQ(ours((const uint8_t *)"\xF4\x8F\xBF\xBF", 4), -1); /* U+10FFFF */
    CHECK_INT_EQ(ours((const uint8_t *)"a\xE2\x82", 3), 1);         /* cut short: the lead */
    CHECK_INT_EQ(ours((const uint8_t *)"\xC0\x80", 2), 0);          /* overlong NUL */
    CHECK_INT_EQ(ours((const uint8_t *)"\xE0\x9F\xBF", 3), 0);      /* overlong U+07FF */
    CHECK_INT_EQ(ours((const uint8_t *)"\xED\xA0\x80", 3), 0);      /* surrogate U+D800 */
    CHECK_INT_EQ(ours((const uint8_t *)"\xF4\x90\x80\x80", 4), 0);  /* U+110000 */
    CHECK_INT_EQ(ours((const uint8_t *)"abcdefghijklmnop\x80", 17), 16);
}

int main(void)
{
    f2c_check_print_limit = 20;
    named();
    long_text();
    exhaustive_short();
    sampled_four();
    printf("utf8.oracle: %lu inputs compared with u8_check\n", compared);
    return f2c_check_report("utf8.oracle");
}
