/*
 * redact_unit: checks f2c_redact (lib/core/f2c_redact.c) against a data file of cases, so a new
 * encoding or a new false positive is one line in cases.txt, then hammers one redactor from
 * several threads while secrets are added (the export downloads do exactly that).
 *
 * cases.txt, one directive a line, fields separated by a TAB, with the escapes \t \n \r \\ and
 * \xHH inside fields; '#' lines and blank lines are skipped:
 *   new                      start over with an empty redactor
 *   secret <what> <value>    add a secret
 *   redact <input> <output>  f2c_redact_append(input) must give exactly output
 *   server <input> <output>  f2c_redact_server_text(input) must give exactly output
 *   withholds <0|1>          f2c_redactor_withholds must say so
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_redact.h"

#include "f2c_check.h"

static const char *cases_path = "cases.txt"; /* failures name the case file and line */

/* Decodes the escapes of one field in place; returns its length. */
static size_t unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        if (*r == 't')
            *w++ = '\t';
        else if (*r == 'n')
            *w++ = '\n';
        else if (*r == 'r')
            *w++ = '\r';
        else if (*r == 'x' && r[1] && r[2]) {
            char h[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(h, NULL, 16);
            r += 2;
        } else
            *w++ = *r;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void check_case(const char *kind, int lineno, const char *in, size_t inlen, const char *want,
                       f2c_redactor *r)
{
    f2c_buf out = {0};
    int rc = strcmp(kind, "server") == 0 ? f2c_redact_server_text(r, in, inlen, &out)
                                         : f2c_redact_append(r, in, inlen, &out);
    const char *got = out.data ? out.data : "";
    f2c_check_at(rc == 0 && strcmp(got, want) == 0, cases_path, lineno,
                 "%s\n  input: %s\n  want:  %s\n  got:   %s", kind, in, want, got);
    f2c_buf_free(&out);
}

static int run_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[8192];
    int lineno = 0, ncases = 0;
    f2c_redactor *r = f2c_redactor_new();
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        char *fields[3] = {line, NULL, NULL};
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = '\0';
            fields[1] = tab + 1;
            tab = strchr(fields[1], '\t');
            if (tab) {
                *tab = '\0';
                fields[2] = tab + 1;
            }
        }
        const char *d = fields[0];
        if (strcmp(d, "new") == 0) {
            f2c_redactor_free(r);
            r = f2c_redactor_new();
        } else if (strcmp(d, "secret") == 0 && fields[2]) {
            unescape(fields[2]);
            f2c_error e;
            f2c_status st = f2c_redactor_add(r, fields[2], fields[1], &e);
            f2c_check_at(st == F2C_OK, cases_path, lineno, "add failed: %s",
                         st == F2C_OK ? "" : e.message);
        } else if ((strcmp(d, "redact") == 0 || strcmp(d, "server") == 0) && fields[2]) {
            size_t n = unescape(fields[1]);
            unescape(fields[2]);
            check_case(d, lineno, fields[1], n, fields[2], r);
            ncases++;
        } else if (strcmp(d, "withholds") == 0 && fields[1]) {
            int want = atoi(fields[1]);
            f2c_check_at(!!f2c_redactor_withholds(r, NULL) == want, cases_path, lineno,
                         "withholds: want %d", want);
        } else {
            f2c_check_fail_at(cases_path, lineno, "bad directive");
        }
    }
    fclose(f);
    f2c_redactor_free(r);
    printf("redact.unit: %d cases from %s\n", ncases, path);
    return 0;
}

/* ---- concurrent use ------------------------------------------------------------------------ */

typedef struct worker {
    f2c_redactor *r;
    int id, bad;
} worker;

static void *work(void *ud)
{
    worker *w = ud;
    char tok[64], text[256];
    for (int i = 0; i < 100; i++) {
        snprintf(tok, sizeof tok, "token-%d-%06d-abcdef", w->id, i);
        if (f2c_redactor_add(w->r, tok, "an access token", NULL) != F2C_OK) w->bad++;
        snprintf(text, sizeof text, "echo: %s and Authorization: Bearer %s", tok, tok);
        f2c_buf out = {0};
        if (f2c_redact_append(w->r, text, strlen(text), &out) != 0 ||
            strcmp(out.data, "echo: <redacted> and Authorization: <redacted>") != 0)
            w->bad++;
        f2c_buf_free(&out);
    }
    return NULL;
}

static void run_threads(void)
{
    f2c_redactor *r = f2c_redactor_new();
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.r = r, .id = i};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].bad == 0, "threads: worker %d: %d wrong results", i, w[i].bad);
    }
    f2c_redactor_free(r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: redact_unit cases.txt\n");
        return 2;
    }
    cases_path = argv[1];
    if (run_cases(argv[1]) != 0) return 1;
    run_threads();
    return f2c_check_report("redact.unit");
}
