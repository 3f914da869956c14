/*
 * http_cancel_test: f2c_http_get's cancel flag (f2c_http_get_opts.cancel, f2c_http.h).
 *
 * Why: an export interrupted while a file server sends nothing must stop within about a second,
 * not after the 60 s stall timeout.  Loopback servers are made here (a listening socket that
 * never answers, and one that answers 503 with Retry-After: 20), the flag is set from another
 * thread 0.5 s into the GET, and the GET must return "cancelled" within 2.5 s.  Also: a flag
 * already set makes no request at all; without a flag the stalled GET is still waiting after
 * 2.5 s (so the first check can fail).  Only 127.0.0.1 is contacted.  Exit 0 pass, 1 fail.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_http.h"

#include "f2c_check.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A listening socket on 127.0.0.1, port into *port; -1 on failure. */
static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

typedef struct server {
    int fd;
    int answer_503;      /* 0: accept and never answer */
    atomic_int accepted; /* connections accepted */
} server;

/* Accepts connections; answers each with 503 + Retry-After: 20, or holds it open silently. */
static void *serve(void *arg)
{
    server *s = arg;
    int held[64];
    int nheld = 0;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) break; /* the listening socket was shut down */
        atomic_fetch_add(&s->accepted, 1);
        if (s->answer_503) {
            char buf[4096];
            (void)!read(c, buf, sizeof buf);
            static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 20\r\n"
                                       "Content-Length: 0\r\nConnection: close\r\n\r\n";
            (void)!write(c, resp, sizeof resp - 1);
            close(c);
        } else if (nheld < 64) {
            held[nheld++] = c;
        } else {
            close(c);
        }
    }
    for (int i = 0; i < nheld; i++)
        close(held[i]);
    return NULL;
}

static volatile sig_atomic_t flag;

static void *set_flag_later(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 500 * 1000000L};
    nanosleep(&ts, NULL);
    flag = 1;
    return NULL;
}

static int sink(void *ud, const void *data, size_t len)
{
    (void)ud;
    (void)data;
    (void)len;
    return 0;
}

typedef struct get_args {
    char url[128];
    f2c_http_get_opts o;
    f2c_status st;
    f2c_error e;
    atomic_int done;
} get_args;

static void *do_get(void *arg)
{
    get_args *g = arg;
    g->st = f2c_http_get(g->url, &g->o, sink, NULL, NULL, NULL, &g->e);
    atomic_store(&g->done, 1);
    return NULL;
}

/* GET url with cancel set 0.5 s in; returns the seconds it took; the result in *st and *e. */
static double get_cancelled(const char *url, f2c_status *st, f2c_error *e)
{
    flag = 0;
    pthread_t t;
    f2c_http_get_opts o = {.cancel = &flag, .max_delay_ms = 30000};
    double t0 = now_s();
    pthread_create(&t, NULL, set_flag_later, NULL);
    *st = f2c_http_get(url, &o, sink, NULL, NULL, NULL, e);
    double dt = now_s() - t0;
    pthread_join(t, NULL);
    return dt;
}

int main(void)
{
    f2c_check_verbose = 1; /* the log lists every check, with its timing */
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_blob_global_init(&e) != F2C_OK) {
        fprintf(stderr, "libcurl: %s\n", e.message);
        return 1;
    }
    char url[128], line[256];

    /* 1. A server that accepts and never answers. */
    server silent = {.answer_503 = 0};
    int port = 0;
    silent.fd = listen_loopback(&port);
    if (silent.fd < 0) {
        perror("listen");
        return 1;
    }
    pthread_t st1;
    pthread_create(&st1, NULL, serve, &silent);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/files/Patient.ndjson?sig=secret", port);
    f2c_status st;
    double dt = get_cancelled(url, &st, &e);
    snprintf(line, sizeof line,
             "silent server: cancel 0.5 s in stops the GET within 2.5 s (%.2f s)", dt);
    CHECK(st == F2C_EIO && dt < 2.5, "%s", line);
    CHECK(strstr(e.message, "cancelled") != NULL && strstr(e.message, "secret") == NULL,
          "the error says \"cancelled\" and shows no query");
    printf("      message: %s\n", e.message);

    /* Control: without a flag the same GET is still waiting after 2.5 s (stall timeout 60 s). */
    get_args g = {.o = {.stall_timeout_s = 60, .max_attempts = 1}};
    snprintf(g.url, sizeof g.url, "%s", url);
    pthread_t gt;
    pthread_create(&gt, NULL, do_get, &g);
    struct timespec wait = {2, 500 * 1000000L};
    nanosleep(&wait, NULL);
    CHECK(!atomic_load(&g.done), "control: without a cancel flag the silent GET is still waiting");
    /* End the control GET: shutting the listener down ends the server thread, which closes the
     * held connections; the GET (one try) then fails at once. */
    shutdown(silent.fd, SHUT_RDWR);
    pthread_join(st1, NULL);
    close(silent.fd);
    pthread_join(gt, NULL);

    /* 2. A server that answers 503 with Retry-After: 20: the cancel ends the retry wait. */
    server busy = {.answer_503 = 1};
    busy.fd = listen_loopback(&port);
    if (busy.fd < 0) {
        perror("listen");
        return 1;
    }
    pthread_t st2;
    pthread_create(&st2, NULL, serve, &busy);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/files/Observation.ndjson", port);
    dt = get_cancelled(url, &st, &e);
    snprintf(line, sizeof line,
             "503 + Retry-After 20: cancel during the wait returns within 2.5 s (%.2f s, %d "
             "request)",
             dt, atomic_load(&busy.accepted));
    CHECK(st == F2C_EIO && dt < 2.5 && strstr(e.message, "cancelled") != NULL &&
              atomic_load(&busy.accepted) == 1,
          "%s", line);

    /* 3. A flag already set: no request at all. */
    flag = 1;
    f2c_http_get_opts o = {.cancel = &flag};
    int before = atomic_load(&busy.accepted);
    st = f2c_http_get(url, &o, sink, NULL, NULL, NULL, &e);
    CHECK(st == F2C_EIO && strstr(e.message, "cancelled") != NULL &&
              atomic_load(&busy.accepted) == before,
          "a flag already set: \"cancelled\" without a request");

    /* 4. A NULL flag changes nothing: the 503 is retried as before (2 tries, short waits). */
    f2c_http_get_opts plain = {.max_attempts = 2, .max_delay_ms = 50};
    before = atomic_load(&busy.accepted);
    st = f2c_http_get(url, &plain, sink, NULL, NULL, NULL, &e);
    CHECK(st == F2C_EIO && strstr(e.message, "HTTP 503") != NULL &&
              atomic_load(&busy.accepted) == before + 2,
          "no flag: the 503 is retried and reported as before");

    shutdown(busy.fd, SHUT_RDWR);
    pthread_join(st2, NULL);
    close(busy.fd);
    f2c_blob_global_cleanup();
    return f2c_check_report("bulk.http_cancel");
}
