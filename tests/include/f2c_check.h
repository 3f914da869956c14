/*
 * f2c_check.h: the one assertion header of the C test programs under tests/ (issue 16, part 6).
 *
 * Every check counts, and a broken one prints "FAIL <file>:<line>: <message>" on stderr and goes
 * on, so a run reports every broken expectation at once; main ends with
 * `return f2c_check_report("name");`, which prints the tally and returns the exit status (0 when
 * nothing failed, 1 otherwise).  Include it once per test program (everything is static).
 *
 *   CHECK(cond)                  fails with the condition as written.
 *   CHECK(cond, fmt, ...)        fails with the printf message (format-checked).
 *   CHECK_STR_EQ(actual, want)   strings equal (NULL-safe): prints both values.
 *   CHECK_INT_EQ(actual, want)   integers equal (as long long): prints both values.
 *   CHECK_STATUS(expr, want, err) an f2c_status call returned `want`: prints both status names
 *                                and err's message (err: an f2c_error, the call's out-parameter;
 *                                include fhir2cdm/f2c_error.h before this header).
 *   CHECK_FAIL(fmt, ...)         a failure here, without a condition (a step that cannot go on).
 *   f2c_check_at(ok, file, line, fmt, ...)
 *                                CHECK at another place: a fixture's file and line (the
 *                                data-driven tests; f2c_case.h's fail() reports that way).
 *   f2c_check_fail_at(file, line, fmt, ...)
 *                                a failure at such a place, without a condition.
 *   f2c_check_failures, f2c_check_count
 *                                failures and checks so far.
 *   f2c_check_print_limit        when > 0, failures after that many are counted, not printed
 *                                (tests over big inputs, where one bug fails thousands of rows).
 *   f2c_check_verbose            set to 1 to list passing checks too ("ok   <file>:<line>:
 *                                <message>" on stdout): for tests whose log is a checklist.
 *   f2c_check_report(name)       "name: N of M check(s) failed" or "name: M check(s) passed";
 *                                the exit status.
 *
 * CHECK, CHECK_STR_EQ, CHECK_INT_EQ and CHECK_STATUS are expressions worth 1 when the check held,
 * 0 when it failed, so a test can stop early: `if (!CHECK(p != NULL)) return;`.
 */
#ifndef FHIR2CDM_TESTS_F2C_CHECK_H
#define FHIR2CDM_TESTS_F2C_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int f2c_check_failures;
static int f2c_check_count;
static int f2c_check_verbose;
static int f2c_check_print_limit;

/* __FILE__ is absolute in a CMake build: from "tests/" on, as the repository names it. */
static const char *f2c_check_where(const char *file) __attribute__((unused));
static const char *f2c_check_where(const char *file)
{
    const char *t = strstr(file, "/tests/");
    return t ? t + 1 : file;
}

static void f2c_check_vfail_at(const char *file, long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0), unused));
static void f2c_check_vfail_at(const char *file, long line, const char *fmt, va_list ap)
{
    f2c_check_failures++;
    if (f2c_check_print_limit > 0 && f2c_check_failures > f2c_check_print_limit) {
        if (f2c_check_failures == f2c_check_print_limit + 1)
            fprintf(stderr, "(more failures are counted, not shown)\n");
        return;
    }
    fflush(stdout); /* keep stdout progress lines and stderr failures in order */
    fprintf(stderr, "FAIL %s:%ld: ", f2c_check_where(file), line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static void f2c_check_fail_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), unused));
static void f2c_check_fail_at(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    f2c_check_vfail_at(file, line, fmt, ap);
    va_end(ap);
}

static int f2c_check_at(int ok, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int f2c_check_at(int ok, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    f2c_check_count++;
    va_start(ap, fmt);
    if (!ok) {
        f2c_check_vfail_at(file, line, fmt, ap);
    } else if (f2c_check_verbose) {
        printf("ok   %s:%ld: ", f2c_check_where(file), line);
        vprintf(fmt, ap);
        putchar('\n');
        fflush(stdout);
    }
    va_end(ap);
    return ok;
}

static int f2c_check_str_at(const char *actual, const char *want, const char *file, long line,
                            const char *expr) __attribute__((unused));
static int f2c_check_str_at(const char *actual, const char *want, const char *file, long line,
                            const char *expr)
{
    int ok = actual && want ? strcmp(actual, want) == 0 : actual == want;
    return f2c_check_at(ok, file, line, "%s is \"%s\", expected \"%s\"", expr,
                        actual ? actual : "(null)", want ? want : "(null)");
}

static int f2c_check_int_at(long long actual, long long want, const char *file, long line,
                            const char *expr) __attribute__((unused));
static int f2c_check_int_at(long long actual, long long want, const char *file, long line,
                            const char *expr)
{
    return f2c_check_at(actual == want, file, line, "%s is %lld, expected %lld", expr, actual,
                        want);
}

static int f2c_check_report(const char *name) __attribute__((unused));
static int f2c_check_report(const char *name)
{
    if (f2c_check_failures) {
        fflush(stdout);
        fprintf(stderr, "%s: %d of %d check(s) failed\n", name, f2c_check_failures,
                f2c_check_count);
        return 1;
    }
    printf("%s: %d check(s) passed\n", name, f2c_check_count);
    return 0;
}

/* CHECK(cond) or CHECK(cond, fmt, ...): dispatch on the number of arguments (up to 24). */
#define F2C_CHECK_CAT_(a, b) a##b
#define F2C_CHECK_CAT(a, b) F2C_CHECK_CAT_(a, b)
#define F2C_CHECK_NTH_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, \
                       _18, _19, _20, _21, _22, _23, _24, N, ...)                                  \
    N
#define F2C_CHECK_ARITY_(...)                                                                      \
    F2C_CHECK_NTH_(__VA_ARGS__, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG,   \
                   MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, MSG, BARE, BARE)
/* The condition is stringified here, before any dispatch expands its macros (NULL stays NULL). */
#define F2C_CHECK_BARE(text, cond) f2c_check_at(!!(cond), __FILE__, __LINE__, "%s", text)
#define F2C_CHECK_MSG(text, cond, ...) f2c_check_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK(...)                                                                                 \
    F2C_CHECK_CAT(F2C_CHECK_, F2C_CHECK_ARITY_(__VA_ARGS__))(#__VA_ARGS__, __VA_ARGS__)

#define CHECK_FAIL(...) f2c_check_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR_EQ(actual, want) f2c_check_str_at((actual), (want), __FILE__, __LINE__, #actual)
#define CHECK_INT_EQ(actual, want)                                                                 \
    f2c_check_int_at((long long)(actual), (long long)(want), __FILE__, __LINE__, #actual)
#ifdef FHIR2CDM_F2C_ERROR_H /* CHECK_STATUS: include fhir2cdm/f2c_error.h before this header */
static int f2c_check_status_at(f2c_status got, f2c_status want, const f2c_error *err,
                               const char *file, long line, const char *expr)
    __attribute__((unused));
static int f2c_check_status_at(f2c_status got, f2c_status want, const f2c_error *err,
                               const char *file, long line, const char *expr)
{
    return f2c_check_at(got == want, file, line, "%s is %s, expected %s (message: %s)", expr,
                        f2c_status_name(got), f2c_status_name(want),
                        got == F2C_OK || !err ? "none" : err->message);
}
#define CHECK_STATUS(expr, want, err)                                                              \
    f2c_check_status_at((expr), (want), &(err), __FILE__, __LINE__, #expr)
#endif

#endif
