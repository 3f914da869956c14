/*
 * fuzz_utf8: libFuzzer oracle for the UTF-8 validator (f2c_utf8_check, lib/core/f2c_utf8.c),
 * which replaces libunistring's u8_check on the per-line hot path: on every input, and on the
 * input starting at each of its first 16 bytes (so each sequence meets the word-at-a-time ASCII
 * path at every alignment), both must return the same answer -- NULL, or the same offset of the
 * first bad sequence.  A mismatch aborts, printing both offsets.  tests/utf8 compares them
 * exhaustively on short inputs; this target covers long and mixed ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <unistr.h>

#include "fhir2cdm/f2c_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long off_of(const uint8_t *r, const uint8_t *s)
{
    return r ? (long)(r - s) : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t skip = 0; skip < 16 && skip <= size; skip++) {
        const uint8_t *s = data + skip;
        size_t n = size - skip;
        long ours = off_of(f2c_utf8_check(s, n), s);
        long theirs = off_of(u8_check(s, n), s);
        if (ours != theirs) {
            fprintf(stderr,
                    "fuzz_utf8: %zu bytes from offset %zu: f2c_utf8_check %ld, u8_check %ld\n", n,
                    skip, ours, theirs);
            abort();
        }
    }
    return 0;
}
