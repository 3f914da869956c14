/*
 * f2c_error: status codes and error records carrying their context.
 *
 * Every fallible function in libfhir2cdm returns an f2c_status and, when it fails, fills an
 * f2c_error the caller owns (caller-allocated, never heap-allocated by the library) with the
 * file, line, column and JSON pointer the problem is about, so a user can find it.  Functions
 * that can find several problems at once (the table-configuration loader) append to an
 * f2c_diags list instead.
 */
#ifndef FHIR2CDM_F2C_ERROR_H
#define FHIR2CDM_F2C_ERROR_H

#include <stddef.h>

typedef enum f2c_status {
    F2C_OK = 0,
    F2C_ENOMEM,       /* allocation failed */
    F2C_EIO,          /* open/read/write/rename failed; message has strerror(errno) */
    F2C_ECONFIG,      /* table configuration invalid */
    F2C_EJSON,        /* text is not well-formed JSON (RFC 8259) */
    F2C_EUTF8,        /* text is not valid UTF-8 */
    F2C_ETOOLONG,     /* an NDJSON line is longer than the configured limit */
    F2C_ENOTOBJECT,   /* an NDJSON line is JSON but not an object */
    F2C_ERESOURCE,    /* a resource has no string "resourceType" */
    F2C_EUSAGE,       /* bad command-line usage */
    F2C_EUNSUPPORTED, /* a feature this build cannot evaluate */
    F2C_EEOF,         /* end of input (not an error; returned by readers) */
    F2C_EEVAL,        /* a FHIRPath expression failed at run time (e.g. singleton expected) */
    F2C_EBUSY         /* another live process holds the output folder's writer lock */
} f2c_status;

typedef struct f2c_error {
    f2c_status status;
    char file[512];    /* file the problem is in, "" when none */
    long line;         /* 1-based line, 0 when not applicable */
    long column;       /* 1-based column (characters), 0 when not applicable */
    char pointer[256]; /* RFC 6901 JSON pointer inside the file's document, "" when none */
    char message[1024];
} f2c_error;

/* Short stable name of a status, e.g. "ECONFIG".  Never NULL. */
const char *f2c_status_name(f2c_status s);

/* Resets *e to F2C_OK with empty context. */
void f2c_error_clear(f2c_error *e);

/*
 * Fills *e (if not NULL) and returns s.  file/pointer may be NULL; line/column 0 when unknown.
 * The message is printf-formatted and truncated to fit.
 */
f2c_status f2c_error_set(f2c_error *e, f2c_status s, const char *file, long line, long column,
                         const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * Formats e as one line: "file:line:column: pointer: message" (absent parts omitted) into buf
 * of size n (always NUL-terminated when n > 0).  Returns buf.
 */
char *f2c_error_format(const f2c_error *e, char *buf, size_t n);

/* A growable list of errors; zero-initialise, free with f2c_diags_free. */
typedef struct f2c_diags {
    f2c_error *items;
    size_t count, cap;
} f2c_diags;

/* Appends a copy of *e; returns F2C_ENOMEM if the list cannot grow (the error is then lost).
 * An entry whose status is F2C_OK is a warning (the thing still loads, e.g. a ViewDefinition
 * with an ansi/type tag this runner does not implement); every other one is an error. */
f2c_status f2c_diags_add(f2c_diags *d, const f2c_error *e);
void f2c_diags_free(f2c_diags *d);

#endif
