/*
 * f2c_redact: the one place that keeps secrets out of messages.
 *
 * Why: every HTTP client of the library (Blob, token endpoint, Bulk Data, downloads) builds
 * messages from what a server answered, and servers echo what they received: our Authorization
 * header, our token-request form, sometimes the token they issued.  Scrubbing ad hoc in each
 * client missed encodings (a percent-encoded client secret) and mangled messages (a one-letter
 * secret).  Here a redactor is told every secret in play and redacts text two ways:
 *
 *  - by structure, whatever the secrets: the value of an `Authorization` (or
 *    `Proxy-Authorization`) header in any scheme, form fields and JSON (or Python-repr) members
 *    named client_secret, client_assertion, access_token, refresh_token, id_token, and a SAS
 *    `sig` query field;
 *  - by substring, for each secret of at least F2C_REDACT_MIN_LEN characters: its raw text, its
 *    percent-encodings (upper- and lower-case hex, space as %20 or +, '/' kept or encoded, the
 *    encodeURIComponent set), its JSON-escaped forms and its base64 and base64url encodings
 *    (with and without padding).
 *
 * Shorter secrets are never searched for (a one-letter secret would blank every such letter and
 * reveal the secret by the gaps); instead f2c_redact_server_text() withholds server text entirely
 * while one is known.  Every match becomes F2C_REDACT_MARKER.
 *
 * Thread safety: a redactor is internally locked (a mutex).  Secrets keep arriving while the
 * export downloads run on several threads (each access token the token provider receives, each
 * new client assertion), so "immutable after set-up" would not hold; every function below may be
 * called from any thread on the same redactor.
 *
 * The process-wide redactor (f2c_redactor_global()) is the one the library's HTTP clients
 * register their secrets with and redact their messages through; callers add the secrets the
 * library never sees (e.g. environment variables they read themselves).
 */
#ifndef FHIR2CDM_F2C_REDACT_H
#define FHIR2CDM_F2C_REDACT_H

#include <stddef.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_error.h"

/* What replaces every redacted value. */
#define F2C_REDACT_MARKER "<redacted>"
/* Secrets shorter than this are not redacted by substring; server text is withheld instead. */
#define F2C_REDACT_MIN_LEN 8

typedef struct f2c_redactor f2c_redactor;

/* A new, empty redactor (structural redaction only), or NULL when out of memory.  Free with
 * f2c_redactor_free. */
f2c_redactor *f2c_redactor_new(void);

/* Frees r (NULL allowed), wiping every secret it holds first.  Never pass the global redactor. */
void f2c_redactor_free(f2c_redactor *r);

/*
 * The process-wide redactor, created on first use (never freed; NULL only when that first
 * allocation failed, and every function below then treats NULL as "the global one" and fails
 * safe: f2c_redact_server_text withholds, f2c_redact_error blanks the message).
 */
f2c_redactor *f2c_redactor_global(void);

/*
 * Tells r (NULL: the global redactor) about a secret.  secret is copied (with its derived
 * forms); NULL or "" is ignored; adding a secret already known does nothing.  what names the
 * kind of secret for the withheld-text notice, e.g. "the client secret" (copied; NULL: "a
 * secret").  Returns F2C_OK, or F2C_ENOMEM (then *e is set and r is unchanged, except that it
 * now withholds all server text, so a secret it failed to learn cannot leak).
 */
f2c_status f2c_redactor_add(f2c_redactor *r, const char *secret, const char *what, f2c_error *e);

/*
 * Non-zero when r (NULL: global) knows a secret shorter than F2C_REDACT_MIN_LEN (or failed to
 * learn one), so server text must not be shown; then *what (if what is not NULL) points to a
 * static or r-owned name of that secret, valid while r lives.
 */
int f2c_redactor_withholds(f2c_redactor *r, const char **what);

/*
 * Appends text[0..len) to out with every secret and structural value replaced by
 * F2C_REDACT_MARKER (r NULL: global).  The input may hold any bytes (a NUL ends nothing: len
 * counts).  Returns 0, or -1 when out of memory (out may then hold a prefix of the redacted
 * text, never an unredacted byte).
 */
int f2c_redact_append(f2c_redactor *r, const char *text, size_t len, f2c_buf *out);

/*
 * Like f2c_redact_append, for text that came from a server (a response body, a field of one):
 * when r withholds (see f2c_redactor_withholds), appends instead "(server response not shown:
 * it could contain <what>)".  The text is for one message line: control characters (line breaks,
 * tabs, NUL) become spaces.  Returns 0 or -1 (out of memory).
 */
int f2c_redact_server_text(f2c_redactor *r, const char *text, size_t len, f2c_buf *out);

/*
 * Redacts the NUL-terminated text in buf (capacity cap bytes) in place, cutting the result to
 * cap - 1 bytes when it grew (a cut may split the marker, never reveal a secret).  r NULL:
 * global.  When out of memory the whole text is replaced by "(message withheld: out of
 * memory)".  Does nothing when buf is NULL or cap is 0.
 */
void f2c_redact_inplace(f2c_redactor *r, char *buf, size_t cap);

/* f2c_redact_inplace on e->message (e NULL allowed). */
void f2c_redact_error(f2c_redactor *r, f2c_error *e);

#endif
