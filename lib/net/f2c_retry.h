/*
 * f2c_retry (internal): the HTTP retry policy of the transport (f2c_http.c, which every client of
 * the library goes through): which failures are transient, how long to wait, how to read
 * Retry-After (RFC 9110 §10.2.3).  Kept apart from the transport so the policy documented in
 * f2c_http.h ("Retry policy") reads as one page.  Pure functions; the jitter state is the
 * caller's (no global RNG).
 */
#ifndef FHIR2CDM_F2C_RETRY_H
#define FHIR2CDM_F2C_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* Non-zero for transport failures worth another try (timeouts, resets, cut-off bodies). */
int f2c_retry_curl(CURLcode rc);

/* Non-zero for HTTP statuses worth another try: 408, 429, 500, 502, 503, 504. */
int f2c_retry_status(long status);

/* Sleeps ms milliseconds (restarting after signals). */
void f2c_retry_sleep_ms(long ms);

/* Delay before try attempt+1 (attempt >= 1): retry_after_ms when >= 0 (capped at max_ms), else
 * equal-jitter exponential backoff from base_ms, capped at max_ms; *rng is the caller's xorshift64
 * state (never 0). */
long f2c_retry_backoff_ms(uint64_t *rng, long base_ms, long max_ms, int attempt,
                          long retry_after_ms);

/* A Retry-After header value (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in milliseconds
 * from now, or -1 when it is neither. */
long f2c_retry_after_ms(const char *value);

#endif
