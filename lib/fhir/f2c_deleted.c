/*
 * f2c_deleted: see f2c_deleted.h.
 *
 * Why it is built this way: a line is checked as the transformer checks one (UTF-8, then
 * f2c_json_check with its memory estimate, then the tree), so a deletion file gets the same
 * refusals, columns and bounds as a data file.  Keys are appended to the caller's list as an entry
 * is accepted and cut back when a later entry of the same line is refused: all or nothing per line
 * without a second pass.  The same cut-back, at the level of a whole call, undoes a call that
 * fails, so a caller never sees half of a path's deletions.  Columns of semantic problems come from
 * the document's source spans (f2c_doc_source), computed only for bad lines.
 */
#include "fhir2cdm/f2c_deleted.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_ndjson.h"
#include "fhir2cdm/f2c_type.h"
#include "fhir2cdm/f2c_utf8.h"

/* A line may take at most 3 times its length plus this once parsed (as f2c_job_work.c). */
#define LINE_SLACK (64u << 20)
#define NOT_APPLIED "; the whole line was not applied"
#define MAX_NAME 64 /* longest type name and id (FHIR R4 `id`) */

enum { LINE_OK, LINE_BAD, LINE_NOMEM };

/* ---- keys ---------------------------------------------------------------------------------- */

/* Appends the key of url "<type>/<id>" whose '/' is at url[slash].  0, or -1 out of memory. */
static int key_add(f2c_deleted *d, const char *url, size_t slash)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        f2c_deleted_key *keys = realloc(d->keys, cap * sizeof *keys);
        if (!keys) return -1;
        d->keys = keys;
        d->cap = cap;
    }
    char *type = strndup(url, slash), *id = strdup(url + slash + 1);
    if (!type || !id) {
        free(type);
        free(id);
        return -1;
    }
    d->keys[d->count++] = (f2c_deleted_key){type, id};
    return 0;
}

/* Removes the keys after the first `count`. */
static void keys_truncate(f2c_deleted *d, size_t count)
{
    while (d->count > count) {
        d->count--;
        free(d->keys[d->count].type);
        free(d->keys[d->count].id);
    }
}

void f2c_deleted_free(f2c_deleted *d)
{
    if (!d) return;
    keys_truncate(d, 0);
    free(d->keys);
    f2c_doc_free(d->doc);
    memset(d, 0, sizeof *d);
}

/* ---- one line ------------------------------------------------------------------------------ */

typedef struct line_ctx {
    const char *file;
    long lineno;
    const char *text;
    size_t len;
    f2c_doc *doc;
    f2c_error e; /* the diag of a bad line */
} line_ctx;

/* s as a JSON string literal for a message: at most 60 bytes of it (cut at a character
 * boundary, "..." added), control characters escaped.  Returns buf. */
static const char *show(char *buf, size_t n, const char *s)
{
    size_t len = strlen(s), take = len > 60 ? 60 : len, k = 0;
    while (take < len && take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
        take--;
    size_t i = 0;
    buf[k++] = '"';
    for (; i < take && k + 8 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            k += (size_t)snprintf(buf + k, n - k, "\\%c", c);
        else if (c < 0x20)
            k += (size_t)snprintf(buf + k, n - k, "\\u%04x", c);
        else
            buf[k++] = (char)c;
    }
    snprintf(buf + k, n - k, "%s\"", i < len ? "..." : "");
    return buf;
}

/* 1-based column of node's source text in the line, 0 when unknown. */
static long column_of(line_ctx *c, const cJSON *node)
{
    const char *p;
    size_t n;
    if (!node || f2c_doc_source(c->doc, node, &p, &n) != 0) return 0;
    return (long)(p - c->text) + 1;
}

/* Fills the line's diag: status s at node `at` (its column), pointer, message + NOT_APPLIED.
 * Returns LINE_BAD. */
__attribute__((format(printf, 5, 6))) static int bad(line_ctx *c, f2c_status s, const cJSON *at,
                                                     const char *pointer, const char *fmt, ...)
{
    char msg[sizeof c->e.message - sizeof NOT_APPLIED];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f2c_error_set(&c->e, s, c->file, c->lineno, column_of(c, at), pointer, "%s%s", msg,
                  NOT_APPLIED);
    return LINE_BAD;
}

/* A JSON syntax refusal in c->e (column, pointer, message from f2c_json) as the line's diag. */
static int bad_json(line_ctx *c, f2c_status st, int bad_string)
{
    char what[sizeof c->e.message - sizeof NOT_APPLIED - 20], ptr[sizeof c->e.pointer];
    snprintf(what, sizeof what, "%.*s", (int)sizeof what - 1, c->e.message);
    memcpy(ptr, c->e.pointer, sizeof ptr);
    /* A string with a control character FHIR excludes is well-formed JSON: its message is
     * complete (as the transformer says it). */
    f2c_error_set(&c->e, st, c->file, c->lineno, c->e.column, ptr, "%s%s%s",
                  bad_string ? "" : "malformed JSON: ", what, NOT_APPLIED);
    return LINE_BAD;
}

/* UTF-8, syntax, memory bound, then the tree in c->doc. */
static int parse_doc(line_ctx *c)
{
    const uint8_t *u = (const uint8_t *)c->text, *b = f2c_utf8_check(u, c->len);
    if (b) {
        bad(c, F2C_EUTF8, NULL, NULL, "invalid UTF-8 (byte 0x%02X)", *b);
        c->e.column = (long)(b - u) + 1; /* as f2c_ndjson_check_line says it */
        return LINE_BAD;
    }
    f2c_json_peek peek;
    f2c_status st = f2c_json_check(c->text, c->len, &peek, &c->e);
    if (st != F2C_OK) return bad_json(c, st, peek.bad_string);
    size_t tree = f2c_json_tree_bytes(&peek, c->len);
    if (tree + c->len > 3 * c->len + LINE_SLACK)
        return bad(c, F2C_ETOOLONG, NULL, NULL,
                   "%zu JSON values in %zu bytes: parsed they would take about %zu MiB, more than "
                   "3 times the line plus %u MiB",
                   peek.values, c->len, (tree + c->len) >> 20, LINE_SLACK >> 20);
    st = f2c_doc_parse_checked(c->doc, c->text, c->len, &c->e);
    if (st == F2C_ENOMEM) return LINE_NOMEM;
    return st == F2C_OK ? LINE_OK : bad_json(c, st, 0);
}

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* Member `name` of obj (at `ptr`) must be the string `want`.  what: how messages call it. */
static int want_string(line_ctx *c, const cJSON *obj, const char *name, const char *ptr,
                       const char *what, const char *want)
{
    const cJSON *v = member(obj, name);
    char shown[96];
    if (!v)
        return bad(c, F2C_ERESOURCE, obj, ptr, "no \"%s\": %s must be \"%s\"", name, what, want);
    if (!cJSON_IsString(v))
        return bad(c, F2C_ERESOURCE, v, ptr, "%s is a JSON %s, not the string \"%s\"", what,
                   f2c_json_kind(v), want);
    if (strcmp(v->valuestring, want) != 0)
        return bad(c, F2C_ERESOURCE, v, ptr, "%s is %s, not \"%s\"", what,
                   show(shown, sizeof shown, v->valuestring), want);
    return LINE_OK;
}

/* The root must be a transaction Bundle; *entries is its entry array or NULL when absent. */
static int check_bundle(line_ctx *c, const cJSON *root, const cJSON **entries)
{
    if (!cJSON_IsObject(root))
        return bad(c, F2C_ENOTOBJECT, root, NULL,
                   "line is a JSON %s, not an object (a deletion line is a Bundle)",
                   f2c_json_kind(root));
    int r = want_string(c, root, "resourceType", "/resourceType", "resourceType", "Bundle");
    if (r == LINE_OK) r = want_string(c, root, "type", "/type", "Bundle.type", "transaction");
    if (r != LINE_OK) return r;
    *entries = member(root, "entry");
    if (*entries && !cJSON_IsArray(*entries))
        return bad(c, F2C_ERESOURCE, *entries, "/entry", "Bundle.entry is a JSON %s, not an array",
                   f2c_json_kind(*entries));
    return LINE_OK;
}

static int is_id_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.';
}

/* Why url is not "<type>/<id>", or NULL when it is (*slash then is the index of its '/'). */
static const char *url_problem(const char *url, size_t *slash)
{
    if (!*url) return "it is empty";
    if (strchr(url, '?')) return "a query or conditional delete ('?') names no single resource";
    if (strstr(url, "://") || strncmp(url, "urn:", 4) == 0)
        return "an absolute URL; only the resource type and id are read, as the IG says";
    if (strstr(url, "/_history/")) return "it names a version (/_history/), not a resource";
    const char *s = strchr(url, '/');
    if (!s) return "it has no '/' between type and id";
    if (s == url) return "it starts with '/' (no type)";
    if (strchr(s + 1, '/')) return "it has more than one '/'";
    size_t tn = (size_t)(s - url), in = strlen(s + 1);
    char type[MAX_NAME + 1];
    if (tn > MAX_NAME) return "the type is longer than 64 characters";
    memcpy(type, url, tn);
    type[tn] = '\0';
    if (!f2c_is_resource_type_name(type))
        return "the type is not a resource type name ([A-Z][A-Za-z]{0,63})";
    if (in == 0 || in > MAX_NAME) return "the id is not 1 to 64 characters";
    for (size_t i = 0; i < in; i++)
        if (!is_id_char(s[1 + i])) return "the id is not a FHIR id ([A-Za-z0-9-.]{1,64})";
    *slash = tn;
    return NULL;
}

/* request.url of entry i: the key's url and its '/' index, or a bad line. */
static int check_url(line_ctx *c, const cJSON *req, size_t i, const char **url, size_t *slash)
{
    char ptr[64], shown[96];
    snprintf(ptr, sizeof ptr, "/entry/%zu/request/url", i);
    const cJSON *u = member(req, "url");
    if (!u)
        return bad(c, F2C_ERESOURCE, req, ptr,
                   "no \"url\": request.url must name the deleted resource as \"<type>/<id>\"");
    if (!cJSON_IsString(u))
        return bad(c, F2C_ERESOURCE, u, ptr, "request.url is a JSON %s, not a string",
                   f2c_json_kind(u));
    const char *why = url_problem(u->valuestring, slash);
    if (why)
        return bad(c, F2C_ERESOURCE, u, ptr, "request.url %s is not \"<type>/<id>\": %s",
                   show(shown, sizeof shown, u->valuestring), why);
    *url = u->valuestring;
    return LINE_OK;
}

/* Entry i must be {"request": {"method": "DELETE", "url": "<type>/<id>"}, ...}. */
static int check_entry(line_ctx *c, const cJSON *entry, size_t i, const char **url, size_t *slash)
{
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/entry/%zu", i);
    if (!cJSON_IsObject(entry))
        return bad(c, F2C_ERESOURCE, entry, ptr, "entry is a JSON %s, not an object",
                   f2c_json_kind(entry));
    const cJSON *req = member(entry, "request");
    snprintf(ptr, sizeof ptr, "/entry/%zu/request", i);
    if (!req)
        return bad(c, F2C_ERESOURCE, entry, ptr,
                   "entry has no \"request\" (a deletion is request.method DELETE, request.url)");
    if (!cJSON_IsObject(req))
        return bad(c, F2C_ERESOURCE, req, ptr, "request is a JSON %s, not an object",
                   f2c_json_kind(req));
    snprintf(ptr, sizeof ptr, "/entry/%zu/request/method", i);
    int r = want_string(c, req, "method", ptr, "request.method", "DELETE");
    return r == LINE_OK ? check_url(c, req, i, url, slash) : r;
}

/* Checks the parsed line and appends its keys (the caller cuts them back unless LINE_OK). */
static int read_bundle(line_ctx *c, f2c_deleted *out)
{
    const cJSON *entries = NULL, *entry;
    int r = check_bundle(c, f2c_doc_root(c->doc), &entries);
    size_t i = 0;
    if (r != LINE_OK) return r;
    cJSON_ArrayForEach(entry, entries)
    {
        const char *url = NULL;
        size_t slash = 0;
        if ((r = check_entry(c, entry, i++, &url, &slash)) != LINE_OK) return r;
        if (key_add(out, url, slash) != 0) return LINE_NOMEM;
    }
    return LINE_OK;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

/* Counts a bad line and adds its diag e.  F2C_OK or F2C_ENOMEM (nothing counted). */
static f2c_status add_bad(f2c_deleted *out, f2c_diags *diags, const f2c_error *e)
{
    if (f2c_diags_add(diags, e) != F2C_OK) return F2C_ENOMEM;
    out->lines++;
    out->bad_lines++;
    return F2C_OK;
}

f2c_status f2c_deleted_parse_line(const char *file, long lineno, const char *line, size_t len,
                                  f2c_deleted *out, f2c_diags *diags)
{
    if (blank(line, len)) return F2C_OK;
    if (!out->doc && !(out->doc = f2c_doc_new())) return F2C_ENOMEM;
    line_ctx c = {.file = file, .lineno = lineno, .text = line, .len = len, .doc = out->doc};
    f2c_error_clear(&c.e);
    size_t before = out->count;
    int r = parse_doc(&c);
    if (r == LINE_OK) r = read_bundle(&c, out);
    if (r == LINE_OK) {
        out->lines++;
        out->bundles++;
        out->entries += out->count - before;
        return F2C_OK;
    }
    keys_truncate(out, before);
    return r == LINE_NOMEM ? F2C_ENOMEM : add_bad(out, diags, &c.e);
}

/* ---- files and folders --------------------------------------------------------------------- */

/* What the reader gave for one line (st, with e for its per-line problems): the line parsed, a
 * bad line counted, or the failure of the call worded in e.  F2C_OK to go on. */
static f2c_status take_line(const char *path, f2c_status st, const char *line, size_t len,
                            long lineno, f2c_deleted *out, f2c_diags *diags, f2c_error *e)
{
    if (st == F2C_OK) {
        st = f2c_deleted_parse_line(path, lineno, line, len, out, diags);
        return st == F2C_OK ? st : f2c_error_set(e, st, path, lineno, 0, NULL, "out of memory");
    }
    if (st == F2C_EUTF8) {
        size_t n = strlen(e->message);
        snprintf(e->message + n, sizeof e->message - n, "%s", NOT_APPLIED);
        st = add_bad(out, diags, e);
        return st == F2C_OK ? st : f2c_error_set(e, st, path, lineno, 0, NULL, "out of memory");
    }
    if (st == F2C_ETOOLONG) {
        char m[sizeof e->message - 64];
        snprintf(m, sizeof m, "%.*s", (int)sizeof m - 1, e->message);
        f2c_error_set(e, st, path, e->line, 0, NULL,
                      "%s; no deletion of this file or folder was read", m);
    }
    return st; /* F2C_ETOOLONG, F2C_EIO, F2C_ENOMEM: e says why */
}

/* Reads the deletion file at path (not a folder) line by line into out. */
static f2c_status read_file(const char *path, size_t max_line, f2c_deleted *out, f2c_diags *diags,
                            f2c_error *err)
{
    f2c_ndjson *r;
    f2c_status st = f2c_ndjson_open(path, max_line, &r, err);
    if (st != F2C_OK) return st;
    out->files++;
    const char *line = NULL;
    size_t len = 0;
    long lineno = 0;
    f2c_error e;
    f2c_error_clear(&e);
    while ((st = f2c_ndjson_next(r, &line, &len, &lineno, &e)) != F2C_EEOF &&
           (st = take_line(path, st, line, len, lineno, out, diags, &e)) == F2C_OK)
        ;
    f2c_ndjson_close(r);
    if (st == F2C_EEOF) return F2C_OK;
    if (err) *err = e;
    return st;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

static int namecmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The names of folder dir that may be deletion files, sorted.  F2C_OK, F2C_EIO, F2C_ENOMEM. */
static f2c_status list_folder(const char *dir, char ***names, size_t *n, f2c_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return f2c_error_set(err, F2C_EIO, dir, 0, 0, NULL, "cannot open deletion folder: %s",
                             strerror(errno));
    f2c_status st = F2C_OK;
    struct dirent *de;
    errno = 0;
    while (st == F2C_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (nm[0] == '.' || (!has_suffix(nm, ".ndjson") && !has_suffix(nm, ".ndjson.gz"))) continue;
        char **more = realloc(*names, (*n + 1) * sizeof *more);
        if (more) *names = more;
        if (!more || !((*names)[*n] = strdup(nm)))
            st = f2c_error_set(err, F2C_ENOMEM, dir, 0, 0, NULL, "out of memory");
        else
            ++*n;
        errno = 0;
    }
    if (st == F2C_OK && errno)
        st = f2c_error_set(err, F2C_EIO, dir, 0, 0, NULL, "cannot read deletion folder: %s",
                           strerror(errno));
    closedir(d);
    if (st == F2C_OK && *n > 1) qsort(*names, *n, sizeof **names, namecmp);
    return st;
}

/* A diag about `file` (status s): skipped, or a warning. */
static f2c_status note(f2c_diags *diags, f2c_status s, const char *file, const char *msg)
{
    f2c_error e;
    f2c_error_set(&e, s, file, 0, 0, NULL, "%s", msg);
    return f2c_diags_add(diags, &e);
}

/* One name of a folder: read when it is a regular file, else skipped with a diag. */
static f2c_status read_entry(const char *full, size_t max_line, f2c_deleted *out, f2c_diags *diags,
                             f2c_error *err)
{
    struct stat st;
    if (lstat(full, &st) != 0)
        return f2c_error_set(err, F2C_EIO, full, 0, 0, NULL, "cannot read deletion file: %s",
                             strerror(errno));
    f2c_status s = F2C_OK;
    if (S_ISLNK(st.st_mode))
        s = note(diags, F2C_EIO, full,
                 "is a symbolic link; skipped (links inside a deletion folder are not followed): "
                 "its deletions were not read");
    else if (!S_ISREG(st.st_mode))
        s = note(diags, F2C_EIO, full,
                 "is not a regular file; skipped: its deletions were not read");
    else
        return read_file(full, max_line, out, diags, err);
    return s == F2C_OK ? F2C_OK : f2c_error_set(err, s, full, 0, 0, NULL, "out of memory");
}

/* Every deletion file of folder dir, in name order. */
static f2c_status read_folder(const char *dir, size_t max_line, f2c_deleted *out, f2c_diags *diags,
                              f2c_error *err)
{
    char **names;
    size_t n;
    f2c_status st = list_folder(dir, &names, &n, err);
    if (st == F2C_OK && n == 0 &&
        note(diags, F2C_OK, dir,
             "no *.ndjson or *.ndjson.gz file in this deletion folder; no deletions read") !=
            F2C_OK)
        st = f2c_error_set(err, F2C_ENOMEM, dir, 0, 0, NULL, "out of memory");
    const char *sep = has_suffix(dir, "/") ? "" : "/";
    for (size_t i = 0; st == F2C_OK && i < n; i++) {
        size_t sz = strlen(dir) + strlen(names[i]) + 2;
        char *full = malloc(sz);
        if (!full) {
            st = f2c_error_set(err, F2C_ENOMEM, dir, 0, 0, NULL, "out of memory");
            break;
        }
        snprintf(full, sz, "%s%s%s", dir, sep, names[i]);
        st = read_entry(full, max_line, out, diags, err);
        free(full);
    }
    free_names(names, n);
    return st;
}

f2c_status f2c_deleted_read(const char *path, size_t max_line, f2c_deleted *out, f2c_diags *diags,
                            f2c_error *err)
{
    f2c_deleted before = *out;
    struct stat st;
    f2c_status s;
    if (stat(path, &st) != 0)
        s = f2c_error_set(err, F2C_EIO, path, 0, 0, NULL, "cannot read deletion file or folder: %s",
                          strerror(errno));
    else if (S_ISDIR(st.st_mode))
        s = read_folder(path, max_line, out, diags, err);
    else
        s = read_file(path, max_line, out, diags, err);
    if (s == F2C_OK) return s;
    /* all or nothing per call: undo this call's keys and counts */
    keys_truncate(out, before.count);
    out->files = before.files;
    out->lines = before.lines;
    out->bundles = before.bundles;
    out->entries = before.entries;
    out->bad_lines = before.bad_lines;
    return s;
}
