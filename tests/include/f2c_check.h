/*
 * f2c_check.h: the assertion macro of the C unit tests (one copy for the C test programs under
 * tests/).
 *
 * CHECK(cond, fmt, ...) counts a failure and prints "FAIL file:line: <message>" when cond is
 * false, and goes on: a test reports every broken expectation in one run, then returns
 * non-zero from main when f2c_check_failures is non-zero.  Include it once per test program.
 */
#ifndef FHIR2CDM_TESTS_F2C_CHECK_H
#define FHIR2CDM_TESTS_F2C_CHECK_H

#include <stdio.h>

static int f2c_check_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            f2c_check_failures++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#endif
