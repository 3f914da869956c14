/*
 * f2c_blob_addr: parsing of blob addresses into endpoint / account / container / path.
 * See f2c_blob.h for the accepted forms ([NAME] section of the Storage REST reference).
 */
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_blob.h"

static char *dup_n(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

void f2c_blob_addr_free(f2c_blob_addr *a)
{
    if (!a) return;
    free(a->endpoint);
    free(a->account);
    free(a->container);
    free(a->path);
    memset(a, 0, sizeof *a);
}

/* Account names are 3-24 lowercase letters and digits; the emulator's devstoreaccount1 fits.
 * Checking this catches swapped parts (e.g. a container where the account should be). */
static int valid_account(const char *s, size_t n)
{
    if (n < 3 || n > 24) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) return 0;
    return 1;
}

/* Fills out from the pieces; the path is everything after "<container>/" (may be empty). */
static f2c_status fill(f2c_blob_addr *out, const char *endpoint, size_t endpoint_len,
                       const char *account, size_t account_len, const char *container,
                       size_t container_len, const char *path, f2c_error *e)
{
    out->endpoint = dup_n(endpoint, endpoint_len);
    out->account = dup_n(account, account_len);
    out->container = dup_n(container, container_len);
    out->path = dup_n(path, strlen(path));
    if (!out->endpoint || !out->account || !out->container || !out->path) {
        f2c_blob_addr_free(out);
        return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    return F2C_OK;
}

f2c_status f2c_blob_addr_parse(const char *address, f2c_blob_addr *out, f2c_error *e)
{
    memset(out, 0, sizeof *out);
#define BAD(why)                                                                                   \
    f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "invalid blob address '%s': %s", address, why)
    if (!address) return f2c_error_set(e, F2C_EUSAGE, NULL, 0, 0, NULL, "no blob address");
    if (strpbrk(address, "?#"))
        return BAD("query strings and fragments are not part of an address (pass a SAS "
                   "separately)");
    const char *p;
    int abfs = 0, https = 0;
    if (strncmp(address, "abfss://", 8) == 0)
        abfs = 1, https = 1, p = address + 8;
    else if (strncmp(address, "abfs://", 7) == 0)
        abfs = 1, p = address + 7;
    else if (strncmp(address, "https://", 8) == 0)
        https = 1, p = address + 8;
    else if (strncmp(address, "http://", 7) == 0)
        p = address + 7;
    else
        return BAD("expected https://, http://, abfss:// or abfs://");

    const char *slash = strchr(p, '/');
    size_t auth_len = slash ? (size_t)(slash - p) : strlen(p);
    const char *rest = slash ? slash + 1 : "";
    if (auth_len == 0) return BAD("no host");

    if (abfs) {
        /* abfss://<filesystem>@<account>.dfs.<suffix>/<path>: the file system is the container,
         * and the same data is served by https://<account>.blob.<suffix> (ADLS Gen2 accounts
         * expose both endpoints). */
        const char *at = memchr(p, '@', auth_len);
        if (!at || at == p) return BAD("abfs address needs <filesystem>@<account>.dfs.<suffix>");
        const char *host = at + 1;
        size_t host_len = auth_len - (size_t)(host - p);
        const char *dot = memchr(host, '.', host_len);
        if (!dot || (size_t)(host + host_len - dot) < 6 || strncmp(dot, ".dfs.", 5) != 0)
            return BAD("abfs host must be <account>.dfs.<suffix>");
        size_t acc_len = (size_t)(dot - host);
        if (!valid_account(host, acc_len))
            return BAD("account name must be 3-24 lowercase letters or digits");
        const char *suffix = dot + 5;
        size_t suffix_len = (size_t)(host + host_len - suffix);
        size_t ep_len = 8 + acc_len + 6 + suffix_len;
        char *ep = malloc(ep_len + 1);
        if (!ep) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        memcpy(ep, https ? "https://" : "http://", https ? 8 : 7);
        size_t o = https ? 8 : 7;
        memcpy(ep + o, host, acc_len);
        o += acc_len;
        memcpy(ep + o, ".blob.", 6);
        o += 6;
        memcpy(ep + o, suffix, suffix_len);
        o += suffix_len;
        f2c_status st = fill(out, ep, o, host, acc_len, p, (size_t)(at - p), rest, e);
        free(ep);
        return st;
    }

    /* Virtual-hosted style: <account>.blob.<suffix> (or .dfs., mapped to .blob.). */
    const char *dot = memchr(p, '.', auth_len);
    if (dot && (size_t)(p + auth_len - dot) > 6 &&
        (strncmp(dot, ".blob.", 6) == 0 || strncmp(dot, ".dfs.", 5) == 0)) {
        size_t acc_len = (size_t)(dot - p);
        if (!valid_account(p, acc_len))
            return BAD("account name must be 3-24 lowercase letters or digits");
        const char *cslash = strchr(rest, '/');
        size_t clen = cslash ? (size_t)(cslash - rest) : strlen(rest);
        if (clen == 0) return BAD("no container");
        int dfs = strncmp(dot, ".dfs.", 5) == 0;
        const char *suffix = dot + (dfs ? 5 : 6);
        size_t suffix_len = (size_t)(p + auth_len - suffix);
        size_t scheme_len = https ? 8 : 7;
        char *ep = malloc(scheme_len + acc_len + 6 + suffix_len + 1);
        if (!ep) return f2c_error_set(e, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        size_t o = 0;
        memcpy(ep, address, scheme_len), o = scheme_len;
        memcpy(ep + o, p, acc_len), o += acc_len;
        memcpy(ep + o, ".blob.", 6), o += 6;
        memcpy(ep + o, suffix, suffix_len), o += suffix_len;
        f2c_status st = fill(out, ep, o, p, acc_len, rest, clen, cslash ? cslash + 1 : "", e);
        free(ep);
        return st;
    }

    /* Path-style custom endpoint (Azurite, IP-style URLs): /<account>/<container>/<path>. */
    const char *aslash = strchr(rest, '/');
    if (!aslash) return BAD("custom endpoint address needs /<account>/<container>");
    size_t acc_len = (size_t)(aslash - rest);
    if (!valid_account(rest, acc_len))
        return BAD("account name must be 3-24 lowercase letters or digits");
    const char *cont = aslash + 1;
    const char *cslash = strchr(cont, '/');
    size_t clen = cslash ? (size_t)(cslash - cont) : strlen(cont);
    if (clen == 0) return BAD("no container");
    return fill(out, address, (size_t)(aslash - address), rest, acc_len, cont, clen,
                cslash ? cslash + 1 : "", e);
#undef BAD
}
