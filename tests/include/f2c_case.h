/*
 * f2c_case.h: the case context of the data-file driven C tests (one copy for tests/fhirmodel and
 * tests/render, whose fixtures hold one case per line).
 *
 * ctx names the fixture file and line being run and counts cases and failures; fail() prints
 * "file:line: FAIL: <message>", counts the failure and goes on.  Include it once per program.
 */
#ifndef FHIR2CDM_TESTS_F2C_CASE_H
#define FHIR2CDM_TESTS_F2C_CASE_H

#include <stdarg.h>
#include <stdio.h>

typedef struct ctx {
    const char *file;
    long line;
    int cases, failures;
} ctx;

static void fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));

static void fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%ld: FAIL: ", c->file, c->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->failures++;
}

#endif
