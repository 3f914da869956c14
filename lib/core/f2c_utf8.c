/*
 * f2c_utf8: UTF-8 validation (f2c_utf8.h).
 *
 * Why our own validator: every input byte is validated once before it is parsed, and
 * libunistring's u8_check, which did it before, looks at one byte at a time -- about a tenth of
 * the transformer's instructions.  No C library on Debian 12 (bookworm) offers a fast one:
 * libunistring's u8_check is the slow one above, glib's g_utf8_validate and utf8proc are
 * byte-at-a-time too, and simdutf is not packaged for C/C++ in bookworm (only the Rust crate
 * simdutf8 is).  Input is mostly ASCII (JSON syntax, codes, identifiers), so a plain C
 * fast path is enough: 16 or 8 bytes are tested at once for a byte with the high bit set
 * (memcpy into uint64_t, so no alignment or aliasing assumption), and only a non-ASCII byte
 * takes the per-sequence checks, which are u8_check's own conditions in the same order so the
 * pointer returned for a bad sequence is the same (its lead byte).
 */
#include "fhir2cdm/f2c_utf8.h"

#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

static uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Skips ASCII from p (< end) a word at a time; returns the first position that may not be
 * ASCII (at most 7 bytes before end when every byte was ASCII). */
static const uint8_t *skip_ascii(const uint8_t *p, const uint8_t *end)
{
    while (end - p >= 16 && ((load64(p) | load64(p + 8)) & HIGH_BITS) == 0)
        p += 16;
    while (end - p >= 8 && (load64(p) & HIGH_BITS) == 0)
        p += 8;
    return p;
}

static int is_cont(uint8_t c)
{
    return (c ^ 0x80) < 0x40;
}

/* Length of the well-formed sequence whose lead byte c (>= 0x80) is at p, or 0 when it is
 * invalid or cut short by end.  Conditions as u8_check (libunistring 1.0, u8-check.c). */
static size_t sequence_len(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = p[0];
    size_t room = (size_t)(end - p);
    if (c < 0xC2) return 0; /* continuation byte, or overlong 2-byte lead */
    if (c < 0xE0) return room >= 2 && is_cont(p[1]) ? 2 : 0;
    if (c < 0xF0) {
        if (room < 3 || !is_cont(p[1]) || !is_cont(p[2])) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (room < 4 || !is_cont(p[1]) || !is_cont(p[2]) || !is_cont(p[3])) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

const uint8_t *f2c_utf8_check(const uint8_t *s, size_t n)
{
    if (n == 0) return NULL;
    const uint8_t *p = s, *end = s + n;
    while (p < end) {
        p = skip_ascii(p, end);
        if (p == end) break;
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t k = sequence_len(p, end);
        if (k == 0) return p;
        p += k;
    }
    return NULL;
}
