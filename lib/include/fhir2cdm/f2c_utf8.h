/*
 * f2c_utf8: UTF-8 validation, a drop-in for libunistring's u8_check on the per-line hot path
 * (every NDJSON line and every table-configuration file is checked before it is parsed).
 *
 * The contract is u8_check's, byte for byte (tests/utf8 and the fuzz target fuzz_utf8 compare
 * the two on every input): well-formed UTF-8 as RFC 3629 defines it -- sequences of 1 to 4
 * bytes, no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 * U+0000 is a valid character (a NUL byte is not an error here).  Pure function: no state, no
 * allocation, safe from any thread.
 */
#ifndef FHIR2CDM_F2C_UTF8_H
#define FHIR2CDM_F2C_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Checks the n bytes at s (s may be NULL when n is 0; no terminator is needed or read).
 * Returns NULL when all of s[0..n) is well-formed UTF-8, else a pointer to the first byte of
 * the first sequence that is invalid or cut short by the end -- for "a\xE2\x82" that is s + 1,
 * the lead byte, not the missing continuation -- exactly what u8_check returns.
 */
const uint8_t *f2c_utf8_check(const uint8_t *s, size_t n);

#endif
