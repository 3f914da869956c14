/*
 * bulk_unit: unit tests of the Bulk Data client's pure parts (f2c_bulk.h: manifest parser,
 * kick-off request builder, OperationOutcome reader), of the HTTP transport's pure parts
 * (f2c_http.h: header lines, shown URLs, the retry rule) and a driver for the JWT signer
 * (f2c_jwt.h) that run_jwt_tests.py checks with the openssl command line.
 *
 * Why a separate check of the signer: a JWS that our own code verifies proves nothing if both
 * sides share a mistake (DER vs r||s, padding, the signing input); `openssl dgst -verify` is an
 * independent verifier.
 *
 * Subcommands:
 *   unit                       manifest / kick-off / OperationOutcome / base64url / http cases;
 *                              exit 0 when all pass, 1 otherwise (each failure printed)
 *   sign KEY CLIENT AUD [KID]  prints a client assertion signed with KEY (kid: KID, else a JWK
 *                              key's own), exit 0, or the load
 *                              error as "error: <STATUS>: <message>" (exit 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir2cdm/f2c_bulk.h"
#include "fhir2cdm/f2c_http.h"
#include "f2c_jwt.h"

#include "f2c_check.h"

/* Expects parse failure with status st and a message containing want. */
static void manifest_bad(const char *json, f2c_status st, const char *want)
{
    f2c_bulk_manifest m;
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status got = f2c_bulk_manifest_parse(json, strlen(json), &m, &e);
    char what[1400];
    snprintf(what, sizeof what, "manifest rejected with %s \"%s\" (got %s \"%s\")",
             f2c_status_name(st), want, f2c_status_name(got), e.message);
    CHECK(got == st && strstr(e.message, want) != NULL && m.noutput == 0 && !m.output &&
              !m.transaction_time,
          "%s", what);
    f2c_bulk_manifest_free(&m);
}

static void test_manifest(void)
{
    const char *good =
        "{\"transactionTime\":\"2024-05-01T12:00:00.123+02:00\","
        "\"request\":\"https://h/fhir/$export?_type=Patient\",\"requiresAccessToken\":true,"
        "\"output\":[{\"type\":\"Patient\",\"url\":\"https://h/f/Patient.000.ndjson\",\"count\":3},"
        "{\"type\":\"Observation\",\"url\":\"http://h/f/o.ndjson?sig=x\"}],"
        "\"error\":[{\"type\":\"OperationOutcome\",\"url\":\"https://h/f/err.ndjson\"}],"
        "\"deleted\":[],\"extension\":{\"x\":1}}";
    f2c_bulk_manifest m;
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status st = f2c_bulk_manifest_parse(good, strlen(good), &m, &e);
    CHECK(st == F2C_OK, "good manifest parses");
    if (st == F2C_OK) {
        CHECK(strcmp(m.transaction_time, "2024-05-01T12:00:00.123+02:00") == 0,
              "transactionTime kept as sent");
        CHECK(strcmp(m.request, "https://h/fhir/$export?_type=Patient") == 0, "request");
        CHECK(m.requires_access_token == 1, "requiresAccessToken true");
        CHECK(m.noutput == 2 && strcmp(m.output[0].type, "Patient") == 0 &&
                  m.output[0].count == 3 && m.output[1].count == -1 &&
                  strcmp(m.output[1].url, "http://h/f/o.ndjson?sig=x") == 0,
              "output[] type/url/count (absent count -1)");
        CHECK(m.nerror == 1 && strcmp(m.error[0].type, "OperationOutcome") == 0, "error[]");
    }
    f2c_bulk_manifest_free(&m);
    const char *minimal = "{\"transactionTime\":\"2024-05-01T12:00:00Z\","
                          "\"requiresAccessToken\":false,\"output\":[]}";
    st = f2c_bulk_manifest_parse(minimal, strlen(minimal), &m, &e);
    CHECK(st == F2C_OK && m.noutput == 0 && m.nerror == 0 && strcmp(m.request, "") == 0 &&
              m.requires_access_token == 0,
          "minimal manifest (no request, no error[]) parses");
    f2c_bulk_manifest_free(&m);
    f2c_bulk_manifest_free(&m); /* twice is fine */

    manifest_bad("", F2C_EJSON, "not JSON");
    manifest_bad("{\"transactionTime\":", F2C_EJSON, "not JSON");
    manifest_bad("[]", F2C_EIO, "(root)");
    manifest_bad("{\"requiresAccessToken\":true,\"output\":[]}", F2C_EIO,
                 "transactionTime: missing");
    manifest_bad("{\"transactionTime\":5,\"requiresAccessToken\":true,\"output\":[]}", F2C_EIO,
                 "transactionTime: expected a string");
    manifest_bad("{\"transactionTime\":\"2024-05-01\",\"requiresAccessToken\":true,"
                 "\"output\":[]}",
                 F2C_EIO, "transactionTime: expected a FHIR instant");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"output\":[]}", F2C_EIO,
                 "requiresAccessToken: missing");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":\"true\","
                 "\"output\":[]}",
                 F2C_EIO, "requiresAccessToken: expected a boolean");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true}",
                 F2C_EIO, "output: missing");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":{}}",
                 F2C_EIO, "output: expected an array");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"type\":\"Patient\",\"url\":\"https://h/a\"},5]}",
                 F2C_EIO, "output[1]: expected an object");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"url\":\"https://h/a\"}]}",
                 F2C_EIO, "output[0].type: expected a string");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"type\":\"patient\",\"url\":\"https://h/a\"}]}",
                 F2C_EIO, "output[0].type: expected a resource type name");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"type\":\"Patient\",\"url\":\"/files/a.ndjson\"}]}",
                 F2C_EIO, "output[0].url: expected an absolute http(s) URL");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"type\":\"Patient\",\"url\":\"https://h/a\",\"count\":-1}]}",
                 F2C_EIO, "output[0].count: expected a whole number");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[{\"type\":\"Patient\",\"url\":\"https://h/a\",\"count\":\"3\"}]}",
                 F2C_EIO, "output[0].count: expected a whole number");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[],\"error\":{}}",
                 F2C_EIO, "error: expected an array");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":true,"
                 "\"output\":[],\"error\":[{\"type\":\"OperationOutcome\"}]}",
                 F2C_EIO, "error[0].url");
    manifest_bad("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"request\":1,"
                 "\"requiresAccessToken\":true,\"output\":[]}",
                 F2C_EIO, "request: expected a string");
}

/* The manifest m of `json` (must parse) with its deleted[] read: the status, and the message
 * when want is not NULL. */
static f2c_status read_deleted(const char *json, f2c_bulk_manifest *m, const char *want)
{
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status st = f2c_bulk_manifest_parse(json, strlen(json), m, &e);
    CHECK(st == F2C_OK, "deleted[] case: the manifest parses (%s)", e.message);
    st = f2c_bulk_manifest_read_deleted(json, strlen(json), m, &e);
    if (want)
        CHECK(st == F2C_EIO && strstr(e.message, want) && !m->deleted && m->ndeleted == 0,
              "deleted[] refused with \"%s\" and left empty (got %s \"%s\")", want,
              f2c_status_name(st), e.message);
    return st;
}

/* deleted[] ([BD "Response - Complete Status"]): ignored by the parse, read on request.  Whole
 * literals (no macro), so tests/fuzz/make_corpus.py takes them as fuzz_bulk seeds. */
static void test_manifest_deleted(void)
{
    f2c_bulk_manifest m;
    CHECK(read_deleted(
              "{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
              "\"output\":[],\"deleted\":[{\"type\":\"Bundle\",\"url\":\"https://h/d/1.ndjson\"},"
              "{\"type\":\"Bundle\",\"url\":\"http://h/d/2.ndjson?s=1\",\"count\":4}]}",
              &m, NULL) == F2C_OK &&
              m.ndeleted == 2 && strcmp(m.deleted[0].type, "Bundle") == 0 &&
              strcmp(m.deleted[1].url, "http://h/d/2.ndjson?s=1") == 0 &&
              m.deleted[0].count == -1 && m.deleted[1].count == 4,
          "deleted[]: two Bundle files with url and count");
    f2c_bulk_manifest_free(&m);
    CHECK(
        read_deleted("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
                     "\"output\":[]}",
                     &m, NULL) == F2C_OK &&
            m.ndeleted == 0 && !m.deleted,
        "deleted[] absent: no deletion files");
    f2c_bulk_manifest_free(&m);
    CHECK(
        read_deleted("{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
                     "\"output\":[],\"deleted\":[]}",
                     &m, NULL) == F2C_OK &&
            m.ndeleted == 0,
        "deleted[] empty: no deletion files");
    f2c_bulk_manifest_free(&m);
    /* Malformed: the manifest itself still parses (an append-only client is unaffected). */
    static const char *const bad[][2] = {
        {"{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
         "\"output\":[],\"deleted\":{}}",
         "deleted: expected an array"},
        {"{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
         "\"output\":[],\"deleted\":[{\"type\":\"Patient\",\"url\":\"https://h/d\"}]}",
         "deleted[0].type: expected \"Bundle\""},
        {"{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
         "\"output\":[],\"deleted\":[{\"type\":\"Bundle\",\"url\":\"https://h/d\"},"
         "{\"type\":\"Bundle\"}]}",
         "deleted[1].url: expected an absolute http(s) URL"},
        {"{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
         "\"output\":[],\"deleted\":[{\"type\":\"Bundle\",\"url\":\"https://h/d\",\"count\":-2}]}",
         "deleted[0].count: expected a whole number"},
        {"{\"transactionTime\":\"2024-05-01T12:00:00Z\",\"requiresAccessToken\":false,"
         "\"output\":[],\"deleted\":[7]}",
         "deleted[0]: expected an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        read_deleted(bad[i][0], &m, bad[i][1]);
        f2c_bulk_manifest_free(&m);
    }
}

static void test_kickoff(void)
{
    const char *types[] = {"Patient", "Observation"};
    const char *filters[] = {"Observation?status=final&code=1234-5", "Patient?gender=female"};
    f2c_bulk_opts o = {.fhir_url = "https://h.example/fhir/",
                       .types = types,
                       .ntypes = 2,
                       .type_filters = filters,
                       .ntype_filters = 2,
                       .since = "2024-01-01T00:00:00+01:00",
                       .output_format = "application/fhir+ndjson"};
    char *url = NULL, *body = NULL;
    f2c_error e;
    f2c_status st = f2c_bulk_kickoff_request(&o, &url, &body, &e);
    CHECK(st == F2C_OK && body == NULL, "GET kick-off request builds");
    if (url)
        CHECK(strcmp(url, "https://h.example/fhir/$export?_outputFormat=application%2Ffhir%2Bndjson"
                          "&_since=2024-01-01T00:00:00%2B01:00&_type=Patient,Observation"
                          "&_typeFilter=Observation%3Fstatus%3Dfinal%26code%3D1234-5"
                          "&_typeFilter=Patient%3Fgender%3Dfemale") == 0,
              "GET URL: system level, values percent-encoded ('+' too), _typeFilter repeated");
    free(url);
    o.level = F2C_BULK_GROUP;
    o.group_id = "cohort-7";
    o.post = 1;
    st = f2c_bulk_kickoff_request(&o, &url, &body, &e);
    CHECK(st == F2C_OK && url && strcmp(url, "https://h.example/fhir/Group/cohort-7/$export") == 0,
          "POST URL: group level, no query");
    CHECK(body && strcmp(body, "{\"resourceType\":\"Parameters\",\"parameter\":["
                               "{\"name\":\"_outputFormat\",\"valueString\":"
                               "\"application/fhir+ndjson\"},"
                               "{\"name\":\"_since\",\"valueInstant\":"
                               "\"2024-01-01T00:00:00+01:00\"},"
                               "{\"name\":\"_type\",\"valueString\":\"Patient,Observation\"},"
                               "{\"name\":\"_typeFilter\",\"valueString\":"
                               "\"Observation?status=final&code=1234-5\"},"
                               "{\"name\":\"_typeFilter\",\"valueString\":"
                               "\"Patient?gender=female\"}]}") == 0,
          "POST body: a Parameters resource");
    free(url);
    free(body);
    f2c_bulk_opts p = {.fhir_url = "http://h/fhir", .level = F2C_BULK_PATIENT};
    st = f2c_bulk_kickoff_request(&p, &url, NULL, &e);
    CHECK(st == F2C_OK && url && strcmp(url, "http://h/fhir/Patient/$export") == 0,
          "patient level, no parameters");
    free(url);
    f2c_bulk_opts bad = {.fhir_url = "ftp://h/fhir"};
    CHECK(f2c_bulk_kickoff_request(&bad, &url, NULL, &e) == F2C_EUSAGE && !url,
          "non-http base URL rejected");
    bad.fhir_url = "http://h/fhir";
    bad.level = F2C_BULK_GROUP;
    bad.group_id = "a/b";
    CHECK(f2c_bulk_kickoff_request(&bad, &url, NULL, &e) == F2C_EUSAGE, "bad group id rejected");
}

static void on_issue(void *ud, const char *sev, const char *code, const char *text)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "[%s|%s|%s]", sev, code, text);
}

static void test_outcome(void)
{
    char got[512] = "";
    const char *oo =
        "{\"resourceType\":\"OperationOutcome\",\"issue\":["
        "{\"severity\":\"error\",\"code\":\"exception\",\"diagnostics\":\"disk full\"},"
        "{\"severity\":\"warning\",\"code\":\"processing\",\"details\":{\"text\":\"t\"}},"
        "{\"severity\":\"error\",\"details\":{\"coding\":[{\"code\":\"c1\"}]}}]}";
    long n = f2c_bulk_outcome_issues(oo, strlen(oo), on_issue, got);
    CHECK(n == 3 &&
              strcmp(got, "[error|exception|disk full][warning|processing|t][error||c1]") == 0,
          "OperationOutcome issues: diagnostics, details.text, details.coding");
    const char *patient = "{\"resourceType\":\"Patient\"}";
    CHECK(f2c_bulk_outcome_issues(patient, strlen(patient), NULL, NULL) == -1,
          "not an OperationOutcome: -1");
    CHECK(f2c_bulk_outcome_issues("nope", 4, NULL, NULL) == -1, "not JSON: -1");
}

/* The types of a CapabilityStatement (f2c_bulk_capability_types): rest entries of mode server
 * (or none), a type marked operation-not-supported left out; refusals. */
static void test_capabilities(void)
{
    const char *cs =
        "{\"resourceType\":\"CapabilityStatement\",\"rest\":["
        "{\"mode\":\"client\",\"resource\":[{\"type\":\"Basic\"}]},"
        "{\"mode\":\"server\",\"resource\":[{\"type\":\"Patient\"},{\"type\":\"\"},"
        "{\"type\":\"Location\",\"extension\":[{\"url\":\"http://hl7.org/fhir/uv/bulkdata/"
        "StructureDefinition/operation-not-supported\"}]},{\"type\":7},{\"type\":\"Condition\"}]},"
        "{\"resource\":[{\"type\":\"Encounter\"}]}]}";
    char **t = NULL;
    size_t n = 0;
    f2c_error e;
    f2c_status st = f2c_bulk_capability_types(cs, strlen(cs), &t, &n, &e);
    CHECK(st == F2C_OK && n == 3 && strcmp(t[0], "Patient") == 0 &&
              strcmp(t[1], "Condition") == 0 && strcmp(t[2], "Encounter") == 0,
          "CapabilityStatement: the server's types, not the client's, not the one marked "
          "operation-not-supported (%zu)",
          n);
    f2c_bulk_types_free(t, n);
    const char *none = "{\"resourceType\":\"CapabilityStatement\",\"rest\":[]}";
    const char *other = "{\"resourceType\":\"OperationOutcome\",\"issue\":[]}";
    CHECK(f2c_bulk_capability_types(none, strlen(none), &t, &n, &e) == F2C_EIO && !t && !n &&
              strstr(e.message, "no resource type"),
          "a CapabilityStatement without types: F2C_EIO (%s)", e.message);
    CHECK(f2c_bulk_capability_types(other, strlen(other), &t, &n, &e) == F2C_EIO &&
              strstr(e.message, "not a CapabilityStatement"),
          "another resource: F2C_EIO");
    CHECK(f2c_bulk_capability_types("[1", 2, &t, &n, &e) == F2C_EIO, "not JSON: F2C_EIO");
}

static void test_base64url(void)
{
    /* RFC 4648 §10 vectors, in the URL-safe alphabet without padding. */
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    int ok = 1;
    for (size_t i = 0; i < 7; i++) {
        f2c_buf b = {0};
        f2c_base64url_append(&b, in[i], strlen(in[i]));
        if (b.len != strlen(out[i]) || (b.len && strcmp(b.data, out[i]) != 0)) ok = 0;
        f2c_buf_free(&b);
    }
    unsigned char bin[] = {0xfb, 0xff, 0xfe};
    f2c_buf b = {0};
    f2c_base64url_append(&b, bin, 3);
    CHECK(ok && b.data && strcmp(b.data, "-__-") == 0, "base64url: RFC 4648 vectors, - and _");
    f2c_buf_free(&b);
}

static int sign(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bulk_unit sign KEY CLIENT AUD [KID]\n");
        return 2;
    }
    f2c_jwt_key *k = NULL;
    f2c_error e;
    f2c_error_clear(&e);
    if (f2c_jwt_key_load(argv[2], &k, &e) != F2C_OK) {
        printf("error: %s: %s\n", f2c_status_name(e.status), e.message);
        return 3;
    }
    char *jwt = NULL;
    /* no KID: the key's own (a JWK's "kid"), as the token provider does */
    const char *kid = argc > 5 ? argv[5] : f2c_jwt_key_kid(k);
    if (f2c_jwt_client_assertion(k, kid, argv[3], argv[4], time(NULL), 0, &jwt, &e) != F2C_OK) {
        printf("error: %s: %s\n", f2c_status_name(e.status), e.message);
        f2c_jwt_key_free(k);
        return 3;
    }
    printf("%s\n", jwt);
    free(jwt);
    f2c_jwt_key_free(k);
    return 0;
}

/* The transport's pure parts (f2c_http.h): header lines, URLs in messages, the retry rule. */
static void test_http(void)
{
    char buf[64];
    long status = 0;
    const char *name = NULL, *value = NULL;
    static const char st[] = "HTTP/1.1 503 Service Unavailable\r\n";
    CHECK(f2c_http_header_line(st, strlen(st), buf, sizeof buf, &status, &name, &value) == 1 &&
              status == 503,
          "http: a status line starts a header set");
    static const char h[] = "Retry-After: \t 20\r\n";
    CHECK(f2c_http_header_line(h, strlen(h), buf, sizeof buf, &status, &name, &value) == 2 &&
              strcmp(name, "Retry-After") == 0 && strcmp(value, "20") == 0,
          "http: a field is split, the value without leading blanks or CRLF");
    CHECK(f2c_http_header_line("\r\n", 2, buf, sizeof buf, &status, &name, &value) == 0,
          "http: the blank line ending the set is neither");
    char shown[512];
    f2c_http_shown_url("https://h/file.ndjson?sig=SECRET#x", shown, sizeof shown);
    CHECK(strcmp(shown, "https://h/file.ndjson") == 0, "http: messages drop query and fragment");
    f2c_http_response r = {.outcome = F2C_HTTP_RESPONSE, .status = 429};
    int ok = f2c_http_retryable(&r);
    r.status = 404;
    ok = ok && !f2c_http_retryable(&r);
    r.outcome = F2C_HTTP_TRANSPORT;
    r.curl_code = 28; /* CURLE_OPERATION_TIMEDOUT */
    ok = ok && f2c_http_retryable(&r);
    r.curl_code = 60; /* CURLE_PEER_FAILED_VERIFICATION: not transient */
    CHECK(ok && !f2c_http_retryable(&r), "http: 429 and timeouts retried, 404 and TLS not");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sign") == 0) return sign(argc, argv);
    if (argc < 2 || strcmp(argv[1], "unit") != 0) {
        fprintf(stderr, "usage: bulk_unit unit | sign KEY CLIENT AUD [KID]\n");
        return 2;
    }
    f2c_check_verbose = 1; /* the log lists every check */
    test_manifest();
    test_manifest_deleted();
    test_kickoff();
    test_outcome();
    test_capabilities();
    test_base64url();
    test_http();
    return f2c_check_report("bulk.unit");
}
