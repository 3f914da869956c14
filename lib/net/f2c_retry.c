/*
 * f2c_retry: see f2c_retry.h.  Lives apart from the transport (f2c_http.c) so that the policy --
 * what is retried and how long to wait -- is one short file, whatever the transport grows into.
 */
#include "f2c_retry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int f2c_retry_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

int f2c_retry_status(long s)
{
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

void f2c_retry_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

long f2c_retry_backoff_ms(uint64_t *rng, long base, long max, int attempt, long retry_after_ms)
{
    if (retry_after_ms >= 0) return retry_after_ms < max ? retry_after_ms : max;
    long d = base;
    for (int i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max) d = max;
    uint64_t x = *rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    return d / 2 + (long)(x % (uint64_t)(d / 2 + 1));
}

long f2c_retry_after_ms(const char *v)
{
    char *end;
    long s = strtol(v, &end, 10);
    if (end != v && *end == '\0' && s >= 0) return s * 1000;
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1) return -1;
    double d = difftime(t, time(NULL));
    return d > 0 ? (long)(d * 1000) : 0;
}
