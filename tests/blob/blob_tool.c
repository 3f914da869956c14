/*
 * blob_tool: drives f2c_blob for the tests in this folder.  run_blob_tests.py starts Azurite and
 * a fault-injecting proxy and calls one subcommand per step, so every step's exit status and
 * message are checked separately.
 *
 * Connection settings come from the environment (so no key appears on a command line):
 *   F2C_BLOB_ENDPOINT  e.g. http://127.0.0.1:PORT/devstoreaccount1
 *   F2C_BLOB_ACCOUNT   devstoreaccount1
 *   F2C_BLOB_KEY       account key (base64)  -- or --  F2C_BLOB_SAS  SAS token
 *   F2C_BLOB_ATTEMPTS  max attempts (default 6); F2C_BLOB_BASE_MS backoff base (default 50)
 *
 * Subcommands (exit 0 on success, 1 on failure with a message on stderr):
 *   unit                                   address parsing and block ids, no network
 *   mkcontainer C                          create container (existing is fine)
 *   put C NAME SIZE SEED                   Put Blob of SIZE pattern bytes
 *   upload C NAME SIZE SEED BLOCK          block writer; checks the blob is not listed before
 *                                          the commit and is listed with SIZE bytes after
 *   get C NAME OFFSET LENGTH SEED          streamed ranged GET, compares with the pattern
 *   list C PREFIX EXPECT PAGE              pages through the listing PAGE entries at a time,
 *                                          expects EXPECT blobs
 *   absent C NAME                          succeeds when NAME is not in the listing
 * After a network subcommand, "retries=N" is printed on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_blob.h"

#include "f2c_check.h"

/* The deterministic content of every test blob: byte i depends on i and the seed, and does not
 * repeat with any short period, so a misplaced range is detected. */
static unsigned char pattern(uint64_t i, unsigned seed)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull + seed;
    x ^= x >> 29;
    return (unsigned char)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static int fail(const char *what, const f2c_error *e)
{
    fprintf(stderr, "blob_tool: %s: %s: %s\n", what, f2c_status_name(e->status), e->message);
    return 1;
}

/* The unit checks (blob.unit) use f2c_check.h; each names the address it parsed. */
static void expect_addr(const char *in, const char *ep, const char *acc, const char *cont,
                        const char *path)
{
    f2c_blob_addr a;
    f2c_error e;
    if (!CHECK_STATUS(f2c_blob_addr_parse(in, &a, &e), F2C_OK, e)) return;
    CHECK(strcmp(a.endpoint, ep) == 0, "%s: endpoint %s, expected %s", in, a.endpoint, ep);
    CHECK(strcmp(a.account, acc) == 0, "%s: account %s, expected %s", in, a.account, acc);
    CHECK(strcmp(a.container, cont) == 0, "%s: container %s, expected %s", in, a.container, cont);
    CHECK(strcmp(a.path, path) == 0, "%s: path %s, expected %s", in, a.path, path);
    f2c_blob_addr_free(&a);
}

static void expect_bad_addr(const char *in)
{
    f2c_blob_addr a;
    f2c_error e;
    if (!CHECK(f2c_blob_addr_parse(in, &a, &e) != F2C_OK, "'%s' should not parse", in)) {
        f2c_blob_addr_free(&a);
        return;
    }
    CHECK(e.status == F2C_EUSAGE, "%s: wrong status %s", in, f2c_status_name(e.status));
}

static int unit(void)
{
    expect_addr("https://acct1.blob.core.windows.net/raw/fhir/Patient.ndjson",
                "https://acct1.blob.core.windows.net", "acct1", "raw", "fhir/Patient.ndjson");
    expect_addr("https://acct1.blob.core.windows.net/raw", "https://acct1.blob.core.windows.net",
                "acct1", "raw", "");
    expect_addr("abfss://cdm@lake2.dfs.core.windows.net/out/Patient",
                "https://lake2.blob.core.windows.net", "lake2", "cdm", "out/Patient");
    expect_addr("https://lake2.dfs.core.chinacloudapi.cn/cdm/x",
                "https://lake2.blob.core.chinacloudapi.cn", "lake2", "cdm", "x");
    expect_addr("http://127.0.0.1:10000/devstoreaccount1/c1/a/b.csv",
                "http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1", "c1", "a/b.csv");
    expect_bad_addr("ftp://x/y");
    expect_bad_addr("https://acct1.blob.core.windows.net/");
    expect_bad_addr("https://acct1.blob.core.windows.net/c/x?sv=1");
    expect_bad_addr("abfss://acct.dfs.core.windows.net/x");
    expect_bad_addr("http://127.0.0.1:10000/devstoreaccount1");
    expect_bad_addr("https://Bad_Account.blob.core.windows.net/c");
    char id[17];
    f2c_blob_block_id(7, id);
    CHECK_STR_EQ(id, "MDAwMDAwMDAwMDA3");
    f2c_blob_client *c;
    f2c_error e;
    f2c_blob_opts o = {.endpoint = "http://127.0.0.1:1/devstoreaccount1",
                       .account = "a",
                       .shared_key_b64 = "not base64!"};
    CHECK(f2c_blob_client_new(&o, &c, &e) == F2C_EUSAGE, "bad key accepted");
    o.shared_key_b64 = NULL;
    CHECK(f2c_blob_client_new(&o, &c, &e) == F2C_EUSAGE, "no credential accepted");
    return f2c_check_report("blob_tool unit");
}

typedef struct get_state {
    uint64_t pos; /* absolute offset of the next byte expected */
    unsigned seed;
    size_t max_chunk;
    int mismatch;
} get_state;

static int on_chunk(void *ud, const void *data, size_t len)
{
    get_state *g = ud;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern(g->pos + i, g->seed)) {
            fprintf(stderr, "blob_tool: byte %llu differs\n", (unsigned long long)(g->pos + i));
            g->mismatch = 1;
            return 1;
        }
    g->pos += len;
    if (len > g->max_chunk) g->max_chunk = len;
    return 0;
}

/* Looks NAME up by listing with it as prefix; *size receives its size when found. */
static int find(f2c_blob_client *c, const char *cont, const char *name, int *found, uint64_t *size,
                f2c_error *e)
{
    f2c_blob_list l;
    *found = 0;
    char *marker = NULL;
    do {
        f2c_status st = f2c_blob_list_page(c, cont, name, marker, 0, &l, e);
        free(marker);
        marker = NULL;
        if (st != F2C_OK) {
            f2c_blob_list_free(&l);
            return -1;
        }
        for (size_t i = 0; i < l.count; i++)
            if (strcmp(l.items[i].name, name) == 0) {
                *found = 1;
                *size = l.items[i].size;
            }
        marker = l.next_marker;
        l.next_marker = NULL;
        f2c_blob_list_free(&l);
    } while (marker);
    return 0;
}

static unsigned char *make(uint64_t size, unsigned seed)
{
    unsigned char *b = malloc(size ? size : 1);
    if (b)
        for (uint64_t i = 0; i < size; i++)
            b[i] = pattern(i, seed);
    return b;
}

static int run(f2c_blob_client *c, int argc, char **argv)
{
    f2c_error e;
    const char *cmd = argv[1];
    if (strcmp(cmd, "mkcontainer") == 0 && argc == 3) {
        int created;
        if (f2c_blob_create_container(c, argv[2], &created, &e) != F2C_OK)
            return fail("mkcontainer", &e);
        printf("created=%d\n", created);
        return 0;
    }
    if (strcmp(cmd, "put") == 0 && argc == 6) {
        uint64_t size = strtoull(argv[4], NULL, 10);
        unsigned char *b = make(size, (unsigned)atoi(argv[5]));
        if (!b) return 1;
        f2c_status st = f2c_blob_put(c, argv[2], argv[3], b, size, "text/plain", &e);
        free(b);
        return st == F2C_OK ? 0 : fail("put", &e);
    }
    if (strcmp(cmd, "upload") == 0 && argc == 7) {
        uint64_t size = strtoull(argv[4], NULL, 10);
        unsigned seed = (unsigned)atoi(argv[5]);
        f2c_blob_writer *w;
        if (f2c_blob_writer_open(c, argv[2], argv[3], strtoull(argv[6], NULL, 10), "text/csv", &w,
                                 &e) != F2C_OK)
            return fail("upload open", &e);
        /* Feed odd-sized pieces so block boundaries fall inside writes. */
        unsigned char piece[7777];
        for (uint64_t i = 0; i < size;) {
            size_t k = size - i < sizeof piece ? (size_t)(size - i) : sizeof piece;
            for (size_t j = 0; j < k; j++)
                piece[j] = pattern(i + j, seed);
            if (f2c_blob_writer_write(w, piece, k, &e) != F2C_OK) {
                f2c_blob_writer_abort(w);
                return fail("upload write", &e);
            }
            i += k;
        }
        int found;
        uint64_t got = 0;
        if (find(c, argv[2], argv[3], &found, &got, &e) != 0) {
            f2c_blob_writer_abort(w);
            return fail("list before commit", &e);
        }
        if (found) {
            fprintf(stderr, "blob_tool: %s is visible before Put Block List\n", argv[3]);
            f2c_blob_writer_abort(w);
            return 1;
        }
        printf("invisible-before-commit\n");
        if (f2c_blob_writer_commit(w, &e) != F2C_OK) return fail("upload commit", &e);
        if (find(c, argv[2], argv[3], &found, &got, &e) != 0) return fail("list after commit", &e);
        if (!found || got != size) {
            fprintf(stderr, "blob_tool: after commit found=%d size=%llu (want %llu)\n", found,
                    (unsigned long long)got, (unsigned long long)size);
            return 1;
        }
        printf("visible-after-commit size=%llu\n", (unsigned long long)got);
        return 0;
    }
    if (strcmp(cmd, "get") == 0 && argc == 7) {
        uint64_t off = strtoull(argv[4], NULL, 10), len = strtoull(argv[5], NULL, 10), total = 0;
        get_state g = {.pos = off, .seed = (unsigned)atoi(argv[6])};
        if (f2c_blob_get(c, argv[2], argv[3], off, len, on_chunk, &g, &total, &e) != F2C_OK)
            return fail("get", &e);
        uint64_t want_end = len ? off + len : total;
        if (g.mismatch || g.pos != want_end) {
            fprintf(stderr, "blob_tool: got bytes up to %llu, expected %llu\n",
                    (unsigned long long)g.pos, (unsigned long long)want_end);
            return 1;
        }
        printf("got %llu bytes, total %llu, largest chunk %zu\n", (unsigned long long)(g.pos - off),
               (unsigned long long)total, g.max_chunk);
        return 0;
    }
    if (strcmp(cmd, "list") == 0 && argc == 6) {
        size_t n = 0, pages = 0, want = strtoul(argv[4], NULL, 10);
        char *marker = NULL;
        do {
            f2c_blob_list l;
            f2c_status st =
                f2c_blob_list_page(c, argv[2], argv[3], marker, (unsigned)atoi(argv[5]), &l, &e);
            free(marker);
            marker = NULL;
            if (st != F2C_OK) {
                f2c_blob_list_free(&l);
                return fail("list", &e);
            }
            for (size_t i = 0; i < l.count; i++)
                printf("%s %llu\n", l.items[i].name, (unsigned long long)l.items[i].size);
            n += l.count;
            pages++;
            marker = l.next_marker;
            l.next_marker = NULL;
            f2c_blob_list_free(&l);
        } while (marker);
        printf("listed %zu in %zu pages\n", n, pages);
        if (n != want) {
            fprintf(stderr, "blob_tool: listed %zu, expected %zu\n", n, want);
            return 1;
        }
        return 0;
    }
    if (strcmp(cmd, "absent") == 0 && argc == 4) {
        int found;
        uint64_t size;
        if (find(c, argv[2], argv[3], &found, &size, &e) != 0) return fail("absent", &e);
        if (found) {
            fprintf(stderr, "blob_tool: %s exists (%llu bytes)\n", argv[3],
                    (unsigned long long)size);
            return 1;
        }
        printf("absent\n");
        return 0;
    }
    fprintf(stderr, "blob_tool: bad usage of '%s'\n", cmd);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: blob_tool unit | mkcontainer|put|upload|get|list|absent ...\n");
        return 2;
    }
    if (strcmp(argv[1], "unit") == 0) return unit();
    f2c_error e;
    if (f2c_blob_global_init(&e) != F2C_OK) return fail("init", &e);
    const char *att = getenv("F2C_BLOB_ATTEMPTS"), *base = getenv("F2C_BLOB_BASE_MS");
    f2c_blob_opts o = {.endpoint = getenv("F2C_BLOB_ENDPOINT"),
                       .account = getenv("F2C_BLOB_ACCOUNT"),
                       .shared_key_b64 = getenv("F2C_BLOB_KEY"),
                       .sas = getenv("F2C_BLOB_SAS"),
                       .max_attempts = att ? atoi(att) : 6,
                       .base_delay_ms = base ? atol(base) : 50,
                       .max_delay_ms = 5000,
                       .connect_timeout_ms = 5000,
                       .stall_timeout_s = 20};
    f2c_blob_client *c;
    if (f2c_blob_client_new(&o, &c, &e) != F2C_OK) {
        f2c_blob_global_cleanup();
        return fail("client", &e);
    }
    int rc = run(c, argc, argv);
    printf("retries=%lu\n", f2c_blob_retry_count(c));
    f2c_blob_client_free(c);
    f2c_blob_global_cleanup();
    return rc;
}
