/*
 * f2c_case.h: the case context of the data-file driven C tests (tests/fhirmodel and tests/render,
 * whose fixtures hold one case per line; tests/fhirpath's driver keeps its own run context, whose
 * fail() reports the same way).
 *
 * ctx names the fixture file and line being run and counts its cases and failures; fail()
 * reports a broken case through f2c_check.h (the one assertion header): it prints
 * "FAIL <fixture>:<line>: <message>" (the fixture's place, not the driver's), counts the failure
 * in ctx and in f2c_check_failures, and goes on.  Include it once per program.
 */
#ifndef FHIR2CDM_TESTS_F2C_CASE_H
#define FHIR2CDM_TESTS_F2C_CASE_H

#include <stdarg.h>
#include <stdio.h>

#include "f2c_check.h"

typedef struct ctx {
    const char *file;
    long line;
    int cases, failures;
} ctx;

static void fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));

static void fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    f2c_check_vfail_at(c->file, c->line, fmt, ap);
    va_end(ap);
    c->failures++;
}

#endif
