/*
 * blob_auth_tool: drives the Blob client's bearer-token auth for run_auth_tests.py, which runs a
 * loopback server playing the Entra token endpoint, IMDS and a fake Blob endpoint that checks
 * the Authorization header (Azurite accepts OAuth only over HTTPS, so it cannot be used here).
 *
 * Settings come from the environment, so no secret appears on a command line:
 *   F2C_AUTH_KIND        secret | imds
 *   F2C_AUTH_AUTHORITY   token authority base URL (secret)     F2C_AUTH_TENANT  tenant (secret)
 *   F2C_AUTH_CLIENT_ID   client id (secret: required; imds: optional)
 *   F2C_AUTH_SECRET      the secret, passed as client_secret   -- or --
 *   F2C_AUTH_SECRET_ENV  name of the variable holding it, passed as client_secret_env
 *   F2C_AUTH_IMDS        IMDS base URL (imds)
 *   F2C_BLOB_ENDPOINT, F2C_BLOB_ACCOUNT  the fake Blob endpoint (blob subcommand)
 *
 * Subcommands (exit 0 on success, 1 on failure with the library's message on stderr):
 *   unit                 argument checks, no network
 *   token MS...          for each MS: sleep MS milliseconds, then get a token and print
 *                        "token=<value>"; finally "fetches=N"
 *   blob C NAME MS       create container C, Put Blob NAME, Get it back and compare, sleep MS,
 *                        Put and Get again, list C; prints "fetches=N" and "retries=N"
 *   keyvault URI NAME    reads secret NAME from the vault at URI with the managed identity
 *                        (F2C_AUTH_IMDS, F2C_AUTH_CLIENT_ID); prints "secret matches" when it
 *                        equals F2C_EXPECT_SECRET (the secret itself is never printed), then
 *                        reports a message that contains it, to show the redaction
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir2cdm/f2c_blob.h"
#include "fhir2cdm/f2c_keyvault.h"
#include "fhir2cdm/f2c_redact.h"

#include "f2c_check.h"

static int fail(const char *what, const f2c_error *e)
{
    fprintf(stderr, "blob_auth_tool: %s: %s: %s\n", what, f2c_status_name(e->status), e->message);
    return 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static f2c_token_opts opts_from_env(void)
{
    const char *kind = getenv("F2C_AUTH_KIND");
    f2c_token_opts o = {
        .kind = kind && strcmp(kind, "imds") == 0 ? F2C_TOKEN_MANAGED_IDENTITY
                                                  : F2C_TOKEN_CLIENT_SECRET,
        .authority = getenv("F2C_AUTH_AUTHORITY"),
        .tenant_id = getenv("F2C_AUTH_TENANT"),
        .client_id = getenv("F2C_AUTH_CLIENT_ID"),
        .client_secret = getenv("F2C_AUTH_SECRET"),
        .client_secret_env = getenv("F2C_AUTH_SECRET_ENV"),
        .imds_endpoint = getenv("F2C_AUTH_IMDS"),
        .timeout_ms = 10000,
    };
    return o;
}

/* Expects creation to fail with F2C_EUSAGE and, when want is not NULL, a message containing it. */
static void expect_usage(const char *what, const f2c_token_opts *o, const char *want)
{
    f2c_token_provider *p = NULL;
    f2c_error e;
    if (!CHECK(f2c_token_provider_new(o, &p, &e) != F2C_OK, "%s: should fail", what)) {
        f2c_token_provider_free(p);
        return;
    }
    CHECK(e.status == F2C_EUSAGE && (!want || strstr(e.message, want)), "%s: got %s: %s", what,
          f2c_status_name(e.status), e.message);
}

static int unit(void)
{
    f2c_token_opts none = {0};
    expect_usage("no kind", &none, NULL);
    f2c_token_opts no_tenant = {
        .kind = F2C_TOKEN_CLIENT_SECRET, .client_id = "app", .client_secret = "s3cr3t"};
    expect_usage("no tenant", &no_tenant, "tenant");
    f2c_token_opts no_secret = {
        .kind = F2C_TOKEN_CLIENT_SECRET, .tenant_id = "t", .client_id = "app"};
    expect_usage("no secret", &no_secret, "client secret");
    /* The variable's name is reported so a user can fix the deployment. */
    f2c_token_opts unset_env = {.kind = F2C_TOKEN_CLIENT_SECRET,
                                .tenant_id = "t",
                                .client_id = "app",
                                .client_secret_env = "F2C_AUTH_TEST_SURELY_UNSET_VAR"};
    expect_usage("unset env", &unset_env, "F2C_AUTH_TEST_SURELY_UNSET_VAR");

    /* Exactly one credential per client. */
    f2c_token_opts mi = {.kind = F2C_TOKEN_MANAGED_IDENTITY};
    f2c_blob_opts both = {.endpoint = "http://127.0.0.1:1/acct",
                          .account = "acct",
                          .sas = "sv=x&sig=y",
                          .token = &mi};
    f2c_blob_client *c = NULL;
    f2c_error e;
    if (!CHECK(f2c_blob_client_new(&both, &c, &e) != F2C_OK && e.status == F2C_EUSAGE,
               "SAS + token should be refused"))
        f2c_blob_client_free(c);
    /* Creating a token client makes no request (the IMDS default is never contacted here). */
    f2c_blob_opts ok = {.endpoint = "http://127.0.0.1:1/acct", .account = "acct", .token = &mi};
    if (CHECK_STATUS(f2c_blob_client_new(&ok, &c, &e), F2C_OK, e)) {
        CHECK(f2c_blob_client_token_provider(c) &&
                  f2c_token_fetch_count(f2c_blob_client_token_provider(c)) == 0,
              "token provider missing or already used");
        f2c_blob_client_free(c);
    }
    return f2c_check_report("blob_auth_tool unit");
}

static int cmd_token(int argc, char **argv)
{
    f2c_token_opts o = opts_from_env();
    f2c_token_provider *p;
    f2c_error e;
    if (f2c_token_provider_new(&o, &p, &e) != F2C_OK) return fail("provider", &e);
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        sleep_ms(atol(argv[i]));
        const char *tok;
        if (f2c_token_get(p, &tok, &e) != F2C_OK)
            rc = fail("token", &e);
        else
            printf("token=%s\n", tok);
    }
    printf("fetches=%lu\n", f2c_token_fetch_count(p));
    f2c_token_provider_free(p);
    return rc;
}

static int on_chunk(void *ud, const void *data, size_t len)
{
    char *buf = ud;
    size_t have = strlen(buf);
    if (have + len >= 256) return 1;
    memcpy(buf + have, data, len);
    buf[have + len] = '\0';
    return 0;
}

static int put_get(f2c_blob_client *c, const char *cont, const char *name, const char *text)
{
    f2c_error e;
    if (f2c_blob_put(c, cont, name, text, strlen(text), "text/plain", &e) != F2C_OK)
        return fail("put", &e);
    char got[256] = "";
    if (f2c_blob_get(c, cont, name, 0, 0, on_chunk, got, NULL, &e) != F2C_OK)
        return fail("get", &e);
    if (strcmp(got, text) != 0) {
        fprintf(stderr, "blob_auth_tool: get: '%s' instead of '%s'\n", got, text);
        return 1;
    }
    return 0;
}

static int cmd_blob(char **argv)
{
    f2c_token_opts to = opts_from_env();
    f2c_blob_opts o = {.endpoint = getenv("F2C_BLOB_ENDPOINT"),
                       .account = getenv("F2C_BLOB_ACCOUNT"),
                       .token = &to,
                       .max_attempts = 3,
                       .base_delay_ms = 20,
                       .connect_timeout_ms = 5000,
                       .stall_timeout_s = 20};
    f2c_blob_client *c;
    f2c_error e;
    if (f2c_blob_client_new(&o, &c, &e) != F2C_OK) return fail("client", &e);
    int rc = 0;
    if (f2c_blob_create_container(c, argv[2], NULL, &e) != F2C_OK) rc = fail("mkcontainer", &e);
    if (!rc) rc = put_get(c, argv[2], argv[3], "first version\n");
    if (!rc) sleep_ms(atol(argv[4]));
    if (!rc) rc = put_get(c, argv[2], argv[3], "second version\n");
    if (!rc) {
        f2c_blob_list l = {0};
        if (f2c_blob_list_page(c, argv[2], NULL, NULL, 0, &l, &e) != F2C_OK)
            rc = fail("list", &e);
        else if (l.count != 1 || strcmp(l.items[0].name, argv[3]) != 0) {
            fprintf(stderr, "blob_auth_tool: list: %zu items\n", l.count);
            rc = 1;
        }
        f2c_blob_list_free(&l);
    }
    printf("fetches=%lu\nretries=%lu\n", f2c_token_fetch_count(f2c_blob_client_token_provider(c)),
           f2c_blob_retry_count(c));
    f2c_blob_client_free(c);
    return rc;
}

static int cmd_keyvault(char **argv)
{
    f2c_keyvault_opts o = {.vault_uri = argv[2],
                           .secret_name = argv[3],
                           .mi_client_id = getenv("F2C_AUTH_CLIENT_ID"),
                           .imds_endpoint = getenv("F2C_AUTH_IMDS"),
                           .timeout_ms = 10000};
    char *secret = NULL;
    f2c_error e;
    if (f2c_keyvault_secret(&o, &secret, &e) != F2C_OK) return fail("keyvault", &e);
    const char *want = getenv("F2C_EXPECT_SECRET");
    int rc = want && strcmp(secret, want) == 0 ? 0 : 1;
    printf("%s\n", rc ? "secret differs" : "secret matches");
    /* A message that quotes the secret, as a careless server's error text might. */
    f2c_error_set(&e, F2C_EIO, NULL, 0, 0, NULL, "server said: bad credential %s", secret);
    f2c_redact_error(NULL, &e);
    fprintf(stderr, "blob_auth_tool: redacted: %s\n", e.message);
    free(secret);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: blob_auth_tool unit | token MS... | blob C NAME MS\n");
        return 2;
    }
    f2c_error e;
    if (f2c_blob_global_init(&e) != F2C_OK) return fail("init", &e);
    int rc;
    if (strcmp(argv[1], "unit") == 0)
        rc = unit();
    else if (strcmp(argv[1], "token") == 0)
        rc = cmd_token(argc, argv);
    else if (strcmp(argv[1], "blob") == 0 && argc == 5)
        rc = cmd_blob(argv);
    else if (strcmp(argv[1], "keyvault") == 0 && argc == 4)
        rc = cmd_keyvault(argv);
    else {
        fprintf(stderr, "blob_auth_tool: bad arguments\n");
        rc = 2;
    }
    f2c_blob_global_cleanup();
    return rc;
}
