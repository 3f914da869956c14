/*
 * f2c_tablecfg: see f2c_tablecfg.h.
 *
 * Why it is shaped this way:
 *
 * - A configuration is written by hand, so the loader's job is as much to explain what is wrong
 *   as to build tables.  It therefore runs in passes that each look at everything (all group
 *   files, then all table files, then group cycles, then column expansion) and reports every
 *   problem with the file, line:column (syntax errors only) and RFC 6901 pointer of the value
 *   at fault, instead of stopping at the first one.  The output tableset is built during the
 *   last pass and thrown away if anything at all was reported, so a caller never sees a
 *   partially valid model.
 * - Folder listings are sorted (strcmp) before use: which of two duplicate definitions is "the
 *   first", the order of diagnostics and the order of tables must not depend on readdir.
 * - The parsed cJSON documents stay alive until the end and the intermediate model (cfg_prop,
 *   cfg_group, cfg_table) borrows their strings; only the final f2c_table owns copies.  That
 *   keeps the validation passes free of ownership bookkeeping.
 * - Files are parsed with the project's one JSON module (f2c_json: a strict RFC 8259 check with
 *   exact error offsets, then cJSON), the same one that reads NDJSON lines; its byte offsets are
 *   converted to 1-based line and character column here, where the text is known.  Files must
 *   be UTF-8 (f2c_utf8_check, libunistring u8_check's contract) without NUL bytes: their
 *   strings become folder, CSV and model.json names.
 * - Column names follow the header's rule literally: CamelCased path segments of the enclosing
 *   group references, then the property's own name verbatim.  (The original tool also folded in
 *   the leaf's own leading path segments, and, for a leaf without a path, dropped the last
 *   enclosing one; neither reaches its TestSchema, whose expected headers we match exactly.)
 * - Expansion of property groups is a recursion bounded by max_depth (the original tool's
 *   rule).  Two extra bounds protect against configurations that would otherwise recurse
 *   without end or explode exponentially: a cycle of group references that all have empty paths
 *   is rejected up front (it expands a node into itself), and a per-table work budget stops a
 *   runaway expansion with an error instead of exhausting memory.
 * - No global or static mutable state: everything lives in one cfg_loader on the caller's stack,
 *   so loads may run concurrently.
 */
#include "fhir2cdm/f2c_tablecfg.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_utf8.h"

#define GROUP_FOLDER "PropertiesGroup"
/* max_depth above this is refused: real FHIR nesting is far shallower, and the expansion is a
 * recursion whose depth is max_depth. */
#define MAX_DEPTH_LIMIT 64
/* Expansion work budget per table: properties visited plus path steps copied into columns
 * (see top comment).  The original's TestSchema needs about 10^4 at the default depth. */
#define EXPANSION_BUDGET 1000000

/* A configuration file read into memory and parsed. */
typedef struct cfg_file {
    char *path; /* dir "/" name, as shown in diagnostics and origins */
    char *text;
    size_t len;
    f2c_doc *json;    /* the parsed document (f2c_json), kept alive with text */
    const cJSON *doc; /* its root; NULL when unreadable or not JSON (already reported) */
} cfg_file;

/* One entry of a "properties" array, validated.  Strings are borrowed from the document. */
typedef struct cfg_prop {
    size_t index;     /* position in the properties array */
    const char *name; /* NULL when invalid */
    const char *path; /* "" when absent */
    f2c_type type;    /* F2C_T_NONE for a group reference */
    const char *ref;  /* group reference, or NULL */
    long group;       /* index of the referenced group, -1 when unresolved */
    const char *expr; /* fhirExpression or NULL */
    int ok;           /* usable for expansion */
} cfg_prop;

typedef struct cfg_props {
    cfg_prop *items;
    size_t count;
    int ok; /* the "properties" array itself was present and an array */
} cfg_props;

typedef struct cfg_group {
    const char *name; /* borrowed; NULL when the file did not define one */
    const cfg_file *file;
    cfg_props props;
    int registered; /* the name is the first definition of that group */
    int in_cycle;   /* on an empty-path reference cycle: never expanded */
    int mark;       /* DFS colour for cycle detection: 0 new, 1 on stack, 2 done */
} cfg_group;

typedef struct cfg_table {
    const char *name;
    const char *resource_type;
    const char *unroll_path;
    const cfg_file *file;
    cfg_props props;
    int usable; /* root is an object with a name; worth expanding to check columns */
} cfg_table;

typedef struct cfg_loader {
    const char *dir;
    int max_depth;
    f2c_diags *diags;
    size_t nerrors;
    int nomem;

    cfg_file *gfiles, *tfiles;
    size_t ngfiles, ntfiles;
    cfg_group *groups;        /* one per group file, same order */
    cfg_table *tables;        /* one per table file, same order */
    const char **group_names; /* registered group names, sorted: for "groups defined: ..." */
    size_t ngroup_names;
} cfg_loader;

/* ---------------------------------------------------------------------------------------- */
/* Diagnostics                                                                               */

static void report(cfg_loader *L, const char *file, long line, long column, const char *pointer,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(cfg_loader *L, const char *file, long line, long column, const char *pointer,
                   const char *fmt, ...)
{
    f2c_error e;
    char msg[sizeof e.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f2c_error_set(&e, F2C_ECONFIG, file, line, column, pointer, "%s", msg);
    L->nerrors++;
    if (L->diags && f2c_diags_add(L->diags, &e) != F2C_OK) L->nomem = 1;
}

/* Writes base + "/" + escaped(key) (RFC 6901: "~" -> "~0", "/" -> "~1") into out[n]. */
static void pointer_key(char *out, size_t n, const char *base, const char *key)
{
    size_t o = (size_t)snprintf(out, n, "%s/", base);
    for (const char *k = key; *k && o + 3 < n; k++) {
        if (*k == '~' || *k == '/') {
            out[o++] = '~';
            out[o++] = *k == '~' ? '0' : '1';
        } else {
            out[o++] = *k;
        }
    }
    if (o < n) out[o] = '\0';
}

static void pointer_index(char *out, size_t n, const char *base, size_t i)
{
    snprintf(out, n, "%s/%zu", base, i);
}

/* 1-based line and column (in UTF-8 characters) of byte offset pos in text. */
static void text_position(const char *text, size_t pos, long *line, long *column)
{
    long l = 1, c = 1;
    for (size_t i = 0; i < pos; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* ---------------------------------------------------------------------------------------- */
/* Folders and files                                                                         */

static char *xstrdup(cfg_loader *L, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) {
        L->nomem = 1;
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

static char *join_path(cfg_loader *L, const char *dir, const char *name)
{
    f2c_buf b = {0};
    size_t dl = strlen(dir);
    if (f2c_buf_append(&b, dir, dl) ||
        ((dl == 0 || dir[dl - 1] != '/') && f2c_buf_appendc(&b, '/')) ||
        f2c_buf_appends(&b, name)) {
        f2c_buf_free(&b);
        L->nomem = 1;
        return NULL;
    }
    return b.data;
}

static void errno_text(int err, char *buf, size_t n)
{
    if (strerror_r(err, buf, n) != 0) snprintf(buf, n, "error %d", err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/*
 * Lists the regular files named *.json in dir (symbolic links followed; names starting with "."
 * skipped), sorted with strcmp.  Returns 0, or the errno of opendir (nothing reported), or -1
 * when memory ran out.
 */
static int list_json(cfg_loader *L, const char *dir, char ***names_out, size_t *n_out)
{
    *names_out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d && errno == ENOMEM) L->nomem = 1;
    if (!d) return L->nomem ? -1 : errno ? errno : EIO;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *nm = ent->d_name;
        size_t len = strlen(nm);
        if (nm[0] == '.' || len <= 5 || strcmp(nm + len - 5, ".json") != 0) continue;
        char *full = join_path(L, dir, nm);
        if (!full) break;
        struct stat st;
        int regular = stat(full, &st) == 0 && S_ISREG(st.st_mode);
        free(full);
        if (!regular) continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **p = realloc(names, ncap * sizeof *p);
            if (!p) {
                L->nomem = 1;
                break;
            }
            names = p;
            cap = ncap;
        }
        if (!(names[n] = xstrdup(L, nm))) break;
        n++;
    }
    closedir(d);
    if (L->nomem) {
        free_names(names, n);
        return -1;
    }
    if (n) qsort(names, n, sizeof *names, cmp_str);
    *names_out = names;
    *n_out = n;
    return 0;
}

/* Reads f->path into f->text; reports and leaves text NULL when it cannot be read ("cannot
 * open" for the errors of opening a file, "cannot read" for the others). */
static void read_file(cfg_loader *L, cfg_file *f)
{
    char eb[128];
    f->text = f2c_fs_read(f->path, 0, &f->len);
    if (f->text) return;
    int err = errno;
    if (err == ENOMEM) {
        L->nomem = 1;
        return;
    }
    int opening = err == ENOENT || err == EACCES || err == EPERM || err == ELOOP ||
                  err == ENAMETOOLONG || err == ENOTDIR || err == EMFILE || err == ENFILE;
    errno_text(err, eb, sizeof eb);
    report(L, f->path, 0, 0, NULL, opening ? "cannot open file: %s" : "cannot read file: %s", eb);
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses f->text into f->doc with the project's JSON module (f2c_json: strict RFC 8259, exact
 * error offsets), reporting syntax errors with line:column. */
static void parse_file(cfg_loader *L, cfg_file *f)
{
    if (!f->text) return;
    long line, col;
    const uint8_t *bad = f2c_utf8_check((const uint8_t *)f->text, f->len);
    if (bad) {
        text_position(f->text, (size_t)((const char *)bad - f->text), &line, &col);
        report(L, f->path, line, col, NULL, "file is not valid UTF-8 (byte 0x%02X)", *bad);
        return;
    }
    const char *nul = memchr(f->text, '\0', f->len);
    if (nul) {
        text_position(f->text, (size_t)(nul - f->text), &line, &col);
        report(L, f->path, line, col, NULL, "file contains a NUL byte");
        return;
    }
    size_t start = 0;
    if (f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0) start = 3; /* UTF-8 BOM */
    while (start < f->len && is_json_space(f->text[start]))
        start++;
    if (start == f->len) {
        report(L, f->path, 0, 0, NULL, "file is empty (expected a JSON object)");
        return;
    }
    f->json = f2c_doc_new();
    if (!f->json) {
        L->nomem = 1;
        return;
    }
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status st = f2c_doc_parse(f->json, f->text, f->len, &e);
    if (st == F2C_ENOMEM) {
        L->nomem = 1;
        return;
    }
    if (st != F2C_OK) {
        size_t pos = e.column > 0 ? (size_t)e.column - 1 : 0;
        text_position(f->text, pos, &line, &col);
        report(L, f->path, line, col, NULL, "invalid JSON: %s", e.message);
        return;
    }
    f->doc = f2c_doc_root(f->json);
}

/* Builds files[] for names in dir; reads and parses each. */
static cfg_file *load_files(cfg_loader *L, const char *dir, char **names, size_t n)
{
    if (n == 0) return NULL;
    cfg_file *files = calloc(n, sizeof *files);
    if (!files) {
        L->nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < n && !L->nomem; i++) {
        files[i].path = join_path(L, dir, names[i]);
        if (!files[i].path) break;
        read_file(L, &files[i]);
        parse_file(L, &files[i]);
    }
    return files;
}

static void free_files(cfg_file *files, size_t n)
{
    if (!files) return;
    for (size_t i = 0; i < n; i++) {
        free(files[i].path);
        f2c_doc_free(files[i].json);
        free(files[i].text);
    }
    free(files);
}

/* ---------------------------------------------------------------------------------------- */
/* Key access                                                                                */

/* Reports every key of obj that repeats an earlier key (parsers disagree on which one wins). */
static void check_duplicate_keys(cfg_loader *L, const cJSON *obj, const char *file,
                                 const char *base)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        for (const cJSON *p = obj->child; p != c; p = p->next) {
            if (c->string && p->string && strcmp(c->string, p->string) == 0) {
                char ptr[256];
                pointer_key(ptr, sizeof ptr, base, c->string);
                report(L, file, 0, 0, ptr, "duplicate key \"%s\"", c->string);
                break;
            }
        }
    }
}

/* Result of get_string. */
enum { KEY_ABSENT = 0, KEY_OK = 1, KEY_BAD = -1 };

/*
 * Looks up obj[key] as a string.  Absent (and null, when optional) gives KEY_ABSENT, reported
 * only when required; a value of another type is reported and gives KEY_BAD.
 */
static int get_string(cfg_loader *L, const cJSON *obj, const char *key, int required,
                      const char *file, const char *base, const char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || (!required && cJSON_IsNull(v))) {
        if (required) report(L, file, 0, 0, base, "missing required key \"%s\"", key);
        return KEY_ABSENT;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        char ptr[256];
        pointer_key(ptr, sizeof ptr, base, key);
        report(L, file, 0, 0, ptr, "\"%s\" must be a string (got %s)", key, f2c_json_kind(v));
        return KEY_BAD;
    }
    *out = v->valuestring;
    return KEY_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Validation                                                                                */

static long find_group(const cfg_loader *L, const char *name)
{
    for (size_t i = 0; i < L->ngfiles; i++)
        if (L->groups[i].registered && strcmp(L->groups[i].name, name) == 0) return (long)i;
    return -1;
}

static void report_unknown_group(cfg_loader *L, const char *file, const char *ptr, const char *ref)
{
    f2c_buf list = {0};
    int fail = 0;
    if (L->ngroup_names == 0) {
        fail |= f2c_buf_appends(&list, "no property groups are defined");
    } else {
        fail |= f2c_buf_appends(&list, "groups defined: ");
        for (size_t i = 0; i < L->ngroup_names && !fail; i++) {
            if (list.len > 600) {
                fail |= f2c_buf_printf(&list, ", ... (%zu more)", L->ngroup_names - i);
                break;
            }
            fail |= f2c_buf_printf(&list, "%s%s", i ? ", " : "", L->group_names[i]);
        }
    }
    if (fail) {
        L->nomem = 1;
    } else {
        report(L, file, 0, 0, ptr, "unknown propertiesGroupRef \"%s\" (%s)", ref, list.data);
    }
    f2c_buf_free(&list);
}

/* Validates obj["properties"] of a table or group file into *out. */
static void load_props(cfg_loader *L, const cJSON *root, const char *file, cfg_props *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "properties");
    if (!arr) {
        report(L, file, 0, 0, NULL, "missing required key \"properties\"");
        return;
    }
    if (!cJSON_IsArray(arr)) {
        report(L, file, 0, 0, "/properties", "\"properties\" must be an array (got %s)",
               f2c_json_kind(arr));
        return;
    }
    out->ok = 1;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0) return;
    out->items = calloc(n, sizeof *out->items);
    if (!out->items) {
        L->nomem = 1;
        return;
    }
    out->count = n;
    size_t i = 0;
    for (const cJSON *p = arr->child; p && i < n; p = p->next, i++) {
        cfg_prop *cp = &out->items[i];
        char base[64], ptr[256];
        pointer_index(base, sizeof base, "/properties", i);
        cp->index = i;
        cp->group = -1;
        cp->path = "";
        if (!cJSON_IsObject(p)) {
            report(L, file, 0, 0, base, "property must be an object (got %s)", f2c_json_kind(p));
            continue;
        }
        check_duplicate_keys(L, p, file, base);
        int ok = 1;
        const char *name, *path, *type, *ref, *expr;
        int rn = get_string(L, p, "name", 1, file, base, &name);
        if (rn == KEY_OK && name[0] == '\0') {
            pointer_key(ptr, sizeof ptr, base, "name");
            report(L, file, 0, 0, ptr, "\"name\" must not be empty");
            rn = KEY_BAD;
        }
        ok &= rn == KEY_OK;
        int rp = get_string(L, p, "path", 0, file, base, &path);
        ok &= rp != KEY_BAD;
        int rt = get_string(L, p, "type", 0, file, base, &type);
        int rr = get_string(L, p, "propertiesGroupRef", 0, file, base, &ref);
        int re = get_string(L, p, "fhirExpression", 0, file, base, &expr);
        ok &= re != KEY_BAD;
        if (rt != KEY_ABSENT && rr != KEY_ABSENT) {
            report(L, file, 0, 0, base, "property has both \"type\" and \"propertiesGroupRef\"");
            ok = 0;
        } else if (rt == KEY_ABSENT && rr == KEY_ABSENT) {
            report(L, file, 0, 0, base, "property has neither \"type\" nor \"propertiesGroupRef\"");
            ok = 0;
        } else if (rt == KEY_OK) {
            cp->type = f2c_type_from_name(type);
            if (cp->type == F2C_T_NONE) {
                pointer_key(ptr, sizeof ptr, base, "type");
                report(L, file, 0, 0, ptr, "unknown type \"%s\"", type);
                ok = 0;
            }
        } else if (rr == KEY_OK) {
            if (re == KEY_OK && expr[0]) {
                /* The original tool silently ignored it; a group has no value to apply it to. */
                pointer_key(ptr, sizeof ptr, base, "fhirExpression");
                report(L, file, 0, 0, ptr,
                       "\"fhirExpression\" cannot be used with \"propertiesGroupRef\" (only on "
                       "a property with a \"type\")");
                ok = 0;
            }
            cp->group = find_group(L, ref);
            if (cp->group < 0) {
                pointer_key(ptr, sizeof ptr, base, "propertiesGroupRef");
                report_unknown_group(L, file, ptr, ref);
                ok = 0;
            }
        } else {
            ok = 0; /* the mistyped one was reported */
        }
        cp->name = rn == KEY_OK ? name : NULL;
        if (rp == KEY_OK) cp->path = path;
        cp->ref = rr == KEY_OK ? ref : NULL;
        cp->expr = re == KEY_OK && expr[0] ? expr : NULL;
        cp->ok = ok;
    }
}

static const cJSON *root_object(cfg_loader *L, const cfg_file *f)
{
    if (!f->doc) return NULL;
    if (!cJSON_IsObject(f->doc)) {
        report(L, f->path, 0, 0, NULL, "top-level value must be an object (got %s)",
               f2c_json_kind(f->doc));
        return NULL;
    }
    check_duplicate_keys(L, f->doc, f->path, "");
    return f->doc;
}

/* Pass A: group names. */
static void register_groups(cfg_loader *L)
{
    for (size_t i = 0; i < L->ngfiles; i++) {
        cfg_group *g = &L->groups[i];
        g->file = &L->gfiles[i];
        const cJSON *root = root_object(L, g->file);
        if (!root) continue;
        const char *name;
        if (get_string(L, root, "propertiesGroupName", 1, g->file->path, "", &name) != KEY_OK)
            continue;
        if (name[0] == '\0') {
            report(L, g->file->path, 0, 0, "/propertiesGroupName",
                   "\"propertiesGroupName\" must not be empty");
            continue;
        }
        g->name = name;
        long first = find_group(L, name);
        if (first >= 0) {
            report(L, g->file->path, 0, 0, "/propertiesGroupName",
                   "duplicate property group \"%s\" (first defined in %s)", name,
                   L->groups[first].file->path);
            continue;
        }
        g->registered = 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < L->ngfiles; i++)
        n += L->groups[i].registered;
    if (n == 0) return;
    L->group_names = malloc(n * sizeof *L->group_names);
    if (!L->group_names) {
        L->nomem = 1;
        return;
    }
    for (size_t i = 0; i < L->ngfiles; i++)
        if (L->groups[i].registered) L->group_names[L->ngroup_names++] = L->groups[i].name;
    qsort(L->group_names, n, sizeof *L->group_names, cmp_str);
}

/* Pass B: group properties. */
static void load_groups(cfg_loader *L)
{
    for (size_t i = 0; i < L->ngfiles && !L->nomem; i++) {
        cfg_group *g = &L->groups[i];
        if (!g->file->doc || !cJSON_IsObject(g->file->doc)) continue;
        load_props(L, g->file->doc, g->file->path, &g->props);
    }
}

/* Checks unrollPath against resourceType (NULL when that is invalid or missing). */
static void check_unroll(cfg_loader *L, const char *file, const char *unroll, const char *rtype)
{
    const char *dot = strchr(unroll, '.');
    size_t head = dot ? (size_t)(dot - unroll) : strlen(unroll);
    if (rtype && (strlen(rtype) != head || strncmp(unroll, rtype, head) != 0)) {
        report(L, file, 0, 0, "/unrollPath",
               "unrollPath \"%s\" must start with the table's resourceType \"%s\" "
               "(e.g. \"%s.name\")",
               unroll, rtype, rtype);
        return;
    }
    if (!dot || dot[1] == '\0') {
        report(L, file, 0, 0, "/unrollPath",
               "unrollPath \"%s\" has no element after the resource type (expected "
               "\"%.*s.element\"; omit unrollPath for one row per resource)",
               unroll, (int)head, unroll);
        return;
    }
    for (const char *p = dot; *p; p++) {
        if (*p == '.' && (p[1] == '.' || p[1] == '\0')) {
            report(L, file, 0, 0, "/unrollPath", "unrollPath \"%s\" has an empty step", unroll);
            return;
        }
    }
    /* Steps are element names only: the original evaluated unrollPath as FHIRPath, and an
     * expression such as name.where(use='official') would otherwise silently match nothing. */
    for (const char *p = dot + 1; *p;) {
        const char *q = p;
        int ok = (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z');
        while (*q && *q != '.') {
            ok &= (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                  (*q >= '0' && *q <= '9') || *q == '_';
            q++;
        }
        if (!ok) {
            report(L, file, 0, 0, "/unrollPath",
                   "unrollPath \"%s\": step \"%.*s\" is not an element name (only a dot path of "
                   "element names is supported, not FHIRPath)",
                   unroll, (int)(q - p), p);
            return;
        }
        p = *q ? q + 1 : q;
    }
    if (head == 0)
        report(L, file, 0, 0, "/unrollPath",
               "unrollPath \"%s\" must start with the table's resourceType", unroll);
}

/* Pass C: table files. */
static void load_tables(cfg_loader *L)
{
    for (size_t i = 0; i < L->ntfiles && !L->nomem; i++) {
        cfg_table *t = &L->tables[i];
        t->file = &L->tfiles[i];
        const char *file = t->file->path;
        const cJSON *root = root_object(L, t->file);
        if (!root) continue;
        const char *name, *rtype, *unroll;
        int rn = get_string(L, root, "name", 1, file, "", &name);
        f2c_name_problem np = rn == KEY_OK ? f2c_table_name_check(name) : F2C_NAME_OK;
        if (np != F2C_NAME_OK) {
            if (np == F2C_NAME_EMPTY)
                report(L, file, 0, 0, "/name", "table name must not be empty");
            else if (np == F2C_NAME_TOO_LONG)
                report(L, file, 0, 0, "/name", "table name \"%s\" is longer than %d characters",
                       name, F2C_TABLE_NAME_MAX);
            else
                report(L, file, 0, 0, "/name",
                       "table name \"%s\" must contain only letters, digits and underscores "
                       "(it names a folder and a CSV file)",
                       name);
            rn = KEY_BAD;
        }
        if (rn == KEY_OK) {
            /* Names are compared ignoring ASCII case too: each becomes a folder name, and two
             * folders differing only in case collide on case-insensitive file systems. */
            for (size_t k = 0; k < i; k++) {
                const char *other = L->tables[k].name;
                if (!other || !f2c_table_name_same(other, name)) continue;
                if (strcmp(other, name) == 0)
                    report(L, file, 0, 0, "/name",
                           "duplicate table name \"%s\" (first defined in %s)", name,
                           L->tables[k].file->path);
                else
                    report(L, file, 0, 0, "/name",
                           "duplicate table name \"%s\": differs only in case from \"%s\" "
                           "(first defined in %s), and table names become folder names",
                           name, other, L->tables[k].file->path);
                rn = KEY_BAD;
                break;
            }
        }
        int rt = get_string(L, root, "resourceType", 1, file, "", &rtype);
        if (rt == KEY_OK && !f2c_is_resource_type_name(rtype)) {
            report(L, file, 0, 0, "/resourceType",
                   "resourceType \"%s\" is not a FHIR resource type name (an upper-case "
                   "letter followed by letters, e.g. \"Patient\")",
                   rtype);
            rt = KEY_BAD;
        }
        int ru = get_string(L, root, "unrollPath", 0, file, "", &unroll);
        if (ru == KEY_OK && unroll[0] == '\0') ru = KEY_ABSENT, unroll = NULL;
        if (ru == KEY_OK) check_unroll(L, file, unroll, rt == KEY_OK ? rtype : NULL);
        t->name = rn == KEY_OK ? name : NULL;
        t->resource_type = rt == KEY_OK ? rtype : NULL;
        t->unroll_path = ru == KEY_OK ? unroll : NULL;
        load_props(L, root, file, &t->props);
        t->usable = t->name != NULL && t->props.ok;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Empty-path cycles                                                                         */

/* Non-zero when path has no non-empty dot-separated segment. */
static int path_is_empty(const char *path)
{
    for (const char *p = path; *p; p++)
        if (*p != '.') return 0;
    return 1;
}

typedef struct cycle_stack {
    size_t *items;
    size_t count;
} cycle_stack;

static void cycle_visit(cfg_loader *L, size_t gi, cycle_stack *st)
{
    cfg_group *g = &L->groups[gi];
    g->mark = 1;
    st->items[st->count++] = gi;
    for (size_t k = 0; k < g->props.count && !L->nomem; k++) {
        const cfg_prop *p = &g->props.items[k];
        if (!p->ok || p->group < 0 || !path_is_empty(p->path)) continue;
        size_t hi = (size_t)p->group;
        cfg_group *h = &L->groups[hi];
        if (h->mark == 0) {
            cycle_visit(L, hi, st);
        } else if (h->mark == 1) {
            /* Back edge: the cycle is the stack from h to g, closed by this reference. */
            size_t from = st->count;
            while (from > 0 && st->items[from - 1] != hi)
                from--;
            from = from > 0 ? from - 1 : 0;
            f2c_buf chain = {0};
            int fail = 0;
            for (size_t s = from; s < st->count; s++) {
                L->groups[st->items[s]].in_cycle = 1;
                fail |= f2c_buf_printf(&chain, "%s -> ", L->groups[st->items[s]].name);
            }
            fail |= f2c_buf_appends(&chain, h->name);
            char ptr[256], base[64];
            pointer_index(base, sizeof base, "/properties", p->index);
            pointer_key(ptr, sizeof ptr, base, "propertiesGroupRef");
            if (fail)
                L->nomem = 1;
            else
                report(L, g->file->path, 0, 0, ptr,
                       "property groups reference each other in a cycle with empty paths (%s): "
                       "expansion would never reach a new element",
                       chain.data);
            f2c_buf_free(&chain);
        }
    }
    st->count--;
    g->mark = 2;
}

/* Pass D. */
static void find_cycles(cfg_loader *L)
{
    if (L->ngfiles == 0) return;
    cycle_stack st = {malloc(L->ngfiles * sizeof(size_t)), 0};
    if (!st.items) {
        L->nomem = 1;
        return;
    }
    for (size_t i = 0; i < L->ngfiles && !L->nomem; i++)
        if (L->groups[i].registered && L->groups[i].mark == 0) cycle_visit(L, i, &st);
    free(st.items);
}

/* ---------------------------------------------------------------------------------------- */
/* Expansion                                                                                 */

typedef struct expander {
    cfg_loader *L;
    const cfg_table *ct;
    f2c_table *t;
    size_t cap;
    size_t *top;     /* per output column: index of the table property it came from */
    f2c_buf prefix;  /* CamelCased enclosing group-reference path segments */
    f2c_step *steps; /* enclosing group-reference steps (owned) */
    size_t nsteps, capsteps;
    size_t work;
    int over_budget;
} expander;

static char *strndup_or_fail(expander *x, const char *s, size_t n, const char *suffix)
{
    size_t sl = suffix ? strlen(suffix) : 0;
    char *p = malloc(n + sl + 1);
    if (!p) {
        x->L->nomem = 1;
        return NULL;
    }
    memcpy(p, s, n);
    if (sl) memcpy(p + n, suffix, sl);
    p[n + sl] = '\0';
    return p;
}

/* Number of non-empty '.'-separated segments of path. */
static size_t count_segments(const char *path)
{
    size_t n = 0;
    for (const char *p = path; *p;) {
        while (*p == '.')
            p++;
        if (!*p) break;
        n++;
        while (*p && *p != '.')
            p++;
    }
    return n;
}

/* The k-th non-empty segment of path: start and length. */
static const char *segment(const char *path, size_t k, size_t *len)
{
    size_t n = 0;
    for (const char *p = path; *p;) {
        while (*p == '.')
            p++;
        if (!*p) break;
        const char *s = p;
        while (*p && *p != '.')
            p++;
        if (n++ == k) {
            *len = (size_t)(p - s);
            return s;
        }
    }
    *len = 0;
    return "";
}

static int push_step(expander *x, const char *name, size_t len, const char *alt_suffix)
{
    if (x->nsteps == x->capsteps) {
        size_t cap = x->capsteps ? x->capsteps * 2 : 16;
        f2c_step *s = realloc(x->steps, cap * sizeof *s);
        if (!s) {
            x->L->nomem = 1;
            return -1;
        }
        x->steps = s;
        x->capsteps = cap;
    }
    f2c_step *st = &x->steps[x->nsteps];
    st->name = strndup_or_fail(x, name, len, NULL);
    st->alt = alt_suffix && alt_suffix[0] ? strndup_or_fail(x, name, len, alt_suffix) : NULL;
    if (!st->name || (alt_suffix && alt_suffix[0] && !st->alt)) {
        free(st->name);
        free(st->alt);
        return -1;
    }
    x->nsteps++;
    return 0;
}

static void pop_steps(expander *x, size_t to)
{
    while (x->nsteps > to) {
        x->nsteps--;
        free(x->steps[x->nsteps].name);
        free(x->steps[x->nsteps].alt);
    }
}

static char *origin_of(expander *x, const cfg_file *f, size_t prop_index)
{
    f2c_buf b = {0};
    if (f2c_buf_printf(&b, "%s#/properties/%zu", f->path, prop_index)) {
        f2c_buf_free(&b);
        x->L->nomem = 1;
        return NULL;
    }
    return b.data;
}

static void add_column(expander *x, const cfg_file *f, const cfg_prop *p, size_t top)
{
    if (x->t->ncolumns == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        f2c_column *c = realloc(x->t->columns, cap * sizeof *c);
        if (!c) {
            x->L->nomem = 1;
            return;
        }
        x->t->columns = c;
        size_t *tp = realloc(x->top, cap * sizeof *tp);
        if (!tp) {
            x->L->nomem = 1;
            return;
        }
        x->top = tp;
        x->cap = cap;
    }
    /* Column steps: the enclosing ones, then the property's own (last one gets the type's
     * choice suffix as alt). */
    size_t base = x->nsteps, nseg = count_segments(p->path);
    for (size_t k = 0; k < nseg; k++) {
        size_t len;
        const char *s = segment(p->path, k, &len);
        if (push_step(x, s, len, k + 1 == nseg ? f2c_type_choice_suffix(p->type) : NULL)) {
            pop_steps(x, base);
            return;
        }
    }
    f2c_column *c = &x->t->columns[x->t->ncolumns];
    memset(c, 0, sizeof *c);
    c->type = p->type;
    f2c_buf nb = {0};
    if (f2c_buf_append(&nb, x->prefix.data ? x->prefix.data : "", x->prefix.len) ||
        f2c_buf_appends(&nb, p->name)) {
        f2c_buf_free(&nb);
        x->L->nomem = 1;
    } else {
        c->name = nb.data;
    }
    if (x->nsteps) {
        c->path = calloc(x->nsteps, sizeof *c->path);
        if (!c->path) x->L->nomem = 1;
        for (size_t k = 0; c->path && k < x->nsteps && !x->L->nomem; k++) {
            c->npath = k + 1;
            c->path[k].name = strndup_or_fail(x, x->steps[k].name, strlen(x->steps[k].name), NULL);
            if (x->steps[k].alt)
                c->path[k].alt = strndup_or_fail(x, x->steps[k].alt, strlen(x->steps[k].alt), NULL);
        }
    }
    if (p->expr) c->fhir_expression = strndup_or_fail(x, p->expr, strlen(p->expr), NULL);
    c->origin = origin_of(x, f, p->index);
    x->work += x->nsteps; /* the budget bounds memory too: steps are most of a column */
    x->top[x->t->ncolumns] = top;
    x->t->ncolumns++; /* counted even when incomplete so f2c_tableset_free releases it */
    pop_steps(x, base);
}

static void expand(expander *x, const cfg_file *f, const cfg_props *props, int level, long top)
{
    for (size_t i = 0; i < props->count && !x->L->nomem && !x->over_budget; i++) {
        const cfg_prop *p = &props->items[i];
        size_t ptop = top < 0 ? p->index : (size_t)top;
        if (!p->ok) continue;
        if (++x->work > EXPANSION_BUDGET) {
            x->over_budget = 1;
            return;
        }
        if (p->group < 0) {
            add_column(x, f, p, ptop);
            continue;
        }
        /* A group reference: its properties sit one level deeper. */
        if (level + 1 > x->L->max_depth) continue;
        const cfg_group *g = &x->L->groups[p->group];
        if (g->in_cycle) continue;
        size_t base_steps = x->nsteps, base_prefix = x->prefix.len;
        size_t nseg = count_segments(p->path);
        int fail = 0;
        for (size_t k = 0; k < nseg && !fail; k++) {
            size_t len;
            const char *s = segment(p->path, k, &len);
            fail |= push_step(x, s, len, k + 1 == nseg ? g->name : NULL) != 0;
            char first = s[0];
            if (first >= 'a' && first <= 'z') first = (char)(first - 'a' + 'A');
            fail |= f2c_buf_appendc(&x->prefix, first) != 0;
            fail |= f2c_buf_append(&x->prefix, s + 1, len - 1) != 0;
        }
        if (fail)
            x->L->nomem = 1;
        else
            expand(x, g->file, &g->props, level + 1, (long)ptop);
        pop_steps(x, base_steps);
        x->prefix.len = base_prefix;
        if (x->prefix.data) x->prefix.data[base_prefix] = '\0';
    }
}

/* strcmp ignoring ASCII case and all after F2C_COLUMN_NAME_UNIQUE characters: the order in which
 * colliding column names (f2c_table_column_same) are neighbours. */
static int fold_cmp(const char *a, const char *b)
{
    for (size_t i = 0; i < F2C_COLUMN_NAME_UNIQUE; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y - 'A' + 'a');
        if (x != y || !x) return x < y ? -1 : x > y;
    }
    return 0;
}

typedef struct name_ref {
    const char *name;
    size_t index;
} name_ref;

static int cmp_name_ref(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    int c = fold_cmp(x->name, y->name);
    if (c) return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_dup(const void *a, const void *b)
{
    const size_t *x = a, *y = b; /* pairs {dup, first}, ordered by dup */
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The declaration a column came from when that is not the table property itself (it came
 * through a group), else NULL. */
static const char *via_origin(const expander *x, size_t col)
{
    char top[64];
    pointer_index(top, sizeof top, "/properties", x->top[col]);
    const char *o = x->t->columns[col].origin, *f = x->ct->file->path;
    size_t fl = strlen(f);
    if (strncmp(o, f, fl) == 0 && o[fl] == '#' && strcmp(o + fl + 1, top) == 0) return NULL;
    return o;
}

/*
 * Reports user columns whose (expanded) name breaks the column rule (f2c_table_column_name_check),
 * user columns named like a reserved column of the table, and every user column whose name an
 * earlier one already produced -- names compared ignoring case and within their first 63
 * characters, as SQL engines do (f2c_table_column_same).  The error is placed on the table
 * property that produced the column; "via" names the group property when it came through one.
 */
#define SAME_RULE "column names must differ ignoring case, within their first 63 characters"

static void check_columns(expander *x)
{
    cfg_loader *L = x->L;
    f2c_table *t = x->t;
    const char *file = x->ct->file->path;
    size_t nres = f2c_table_reserved_count(t);
    char ptr[64];
    char shown[128];
    for (size_t i = 0; i < t->ncolumns; i++) {
        f2c_name_problem np = f2c_table_column_name_check(t->columns[i].name);
        if (np != F2C_NAME_OK && t->columns[i].name[0]) { /* "" is reported at its "name" */
            const char *via = via_origin(x, i);
            pointer_index(ptr, sizeof ptr, "/properties", x->top[i]);
            report(L, file, 0, 0, ptr, "column \"%s\" %s%s%s",
                   f2c_table_name_shown(shown, sizeof shown, t->columns[i].name),
                   f2c_table_column_problem(np), via ? "; produced via " : "", via ? via : "");
        }
        for (size_t r = 0; r < nres; r++) {
            const char *rn = f2c_table_column_name(t, r);
            if (!f2c_table_column_same(t->columns[i].name, rn)) continue;
            const char *via = via_origin(x, i);
            pointer_index(ptr, sizeof ptr, "/properties", x->top[i]);
            int cased = strcmp(t->columns[i].name, rn) != 0;
            report(L, file, 0, 0, ptr,
                   "duplicate column \"%s\" (reserved column %s%s%sof %s%s)%s%s",
                   f2c_table_name_shown(shown, sizeof shown, t->columns[i].name), cased ? "\"" : "",
                   cased ? rn : "", cased ? "\" " : "", nres == 1 ? "every table" : "unroll tables",
                   cased ? "; " SAME_RULE : "", via ? "; produced via " : "", via ? via : "");
        }
    }
    if (t->ncolumns < 2) return;
    name_ref *refs = malloc(t->ncolumns * sizeof *refs);
    size_t *dups = malloc(t->ncolumns * 2 * sizeof *dups);
    if (!refs || !dups) {
        free(refs);
        free(dups);
        L->nomem = 1;
        return;
    }
    for (size_t i = 0; i < t->ncolumns; i++)
        refs[i] = (name_ref){t->columns[i].name, i};
    qsort(refs, t->ncolumns, sizeof *refs, cmp_name_ref);
    size_t nd = 0;
    for (size_t i = 1, run = 0; i < t->ncolumns; i++) {
        if (fold_cmp(refs[i].name, refs[run].name) != 0) {
            run = i;
            continue;
        }
        dups[2 * nd] = refs[i].index;       /* a later producer of the name */
        dups[2 * nd + 1] = refs[run].index; /* its first producer */
        nd++;
    }
    if (nd > 1) qsort(dups, nd, 2 * sizeof *dups, cmp_dup);
    for (size_t k = 0; k < nd; k++) {
        size_t d = dups[2 * k], f = dups[2 * k + 1];
        const char *fvia = via_origin(x, f), *dvia = via_origin(x, d);
        pointer_index(ptr, sizeof ptr, "/properties", x->top[d]);
        int cased = strcmp(t->columns[d].name, t->columns[f].name) != 0;
        char first[128];
        report(L, file, 0, 0, ptr,
               "duplicate column \"%s\" (first produced by %s#/properties/%zu%s%s%s%s%s)%s%s",
               f2c_table_name_shown(shown, sizeof shown, t->columns[d].name), file, x->top[f],
               fvia ? " via " : "", fvia ? fvia : "", cased ? " as \"" : "",
               cased ? f2c_table_name_shown(first, sizeof first, t->columns[f].name) : "",
               cased ? "\"; " SAME_RULE : "", dvia ? "; again via " : "", dvia ? dvia : "");
    }
    free(refs);
    free(dups);
}

/* Fills the f2c_table's own fields (name, entity, resource type, unroll steps, file). */
static int fill_table(cfg_loader *L, const cfg_table *ct, f2c_table *t)
{
    f2c_buf ent = {0};
    if (f2c_buf_printf(&ent, "Local%s", ct->name)) {
        L->nomem = 1;
        return -1;
    }
    t->entity = ent.data;
    t->name = xstrdup(L, ct->name);
    t->resource_type = xstrdup(L, ct->resource_type ? ct->resource_type : "");
    t->file = xstrdup(L, ct->file->path);
    if (ct->unroll_path) {
        t->unroll_path = xstrdup(L, ct->unroll_path);
        size_t n = count_segments(ct->unroll_path);
        if (n > 1) {
            t->unroll = calloc(n - 1, sizeof *t->unroll);
            if (!t->unroll) L->nomem = 1;
            for (size_t k = 1; t->unroll && k < n && !L->nomem; k++) {
                size_t len;
                const char *s = segment(ct->unroll_path, k, &len);
                t->unroll[k - 1] = malloc(len + 1);
                if (!t->unroll[k - 1]) {
                    L->nomem = 1;
                    break;
                }
                memcpy(t->unroll[k - 1], s, len);
                t->unroll[k - 1][len] = '\0';
                t->nunroll = k;
            }
        }
    }
    return L->nomem ? -1 : 0;
}

/* Pass E: builds out->tables from the usable tables and checks their columns. */
static void build_tables(cfg_loader *L, f2c_tableset *out)
{
    if (L->ntfiles == 0) return;
    out->tables = calloc(L->ntfiles, sizeof *out->tables);
    if (!out->tables) {
        L->nomem = 1;
        return;
    }
    for (size_t i = 0; i < L->ntfiles && !L->nomem; i++) {
        const cfg_table *ct = &L->tables[i];
        if (!ct->usable) continue;
        f2c_table *t = &out->tables[out->count++];
        if (fill_table(L, ct, t)) break;
        expander x = {.L = L, .ct = ct, .t = t};
        if (L->max_depth >= 1 && L->max_depth <= MAX_DEPTH_LIMIT)
            expand(&x, ct->file, &ct->props, 1, -1);
        pop_steps(&x, 0);
        free(x.steps);
        f2c_buf_free(&x.prefix);
        if (x.over_budget)
            report(L, ct->file->path, 0, 0, NULL,
                   "table \"%s\" expands to too many columns at max_depth %d (work budget "
                   "of %d properties and path steps exceeded); lower max_depth",
                   ct->name, L->max_depth, EXPANSION_BUDGET);
        else if (!L->nomem)
            check_columns(&x);
        free(x.top);
    }
}

static int cmp_table(const void *a, const void *b)
{
    return strcmp(((const f2c_table *)a)->name, ((const f2c_table *)b)->name);
}

/* ---------------------------------------------------------------------------------------- */

static void loader_free(cfg_loader *L)
{
    for (size_t i = 0; L->groups && i < L->ngfiles; i++)
        free(L->groups[i].props.items);
    for (size_t i = 0; L->tables && i < L->ntfiles; i++)
        free(L->tables[i].props.items);
    free(L->groups);
    free(L->tables);
    free(L->group_names);
    free_files(L->gfiles, L->ngfiles);
    free_files(L->tfiles, L->ntfiles);
}

f2c_status f2c_tablecfg_load(const char *dir, int max_depth, f2c_tableset *out, f2c_diags *diags)
{
    if (!out) return F2C_ECONFIG;
    memset(out, 0, sizeof *out);
    cfg_loader L = {.dir = dir, .max_depth = max_depth, .diags = diags};
    char **tnames = NULL, **gnames = NULL;
    size_t ntn = 0, ngn = 0;
    char eb[128];

    if (max_depth < 1 || max_depth > MAX_DEPTH_LIMIT)
        report(&L, NULL, 0, 0, NULL, "max_depth must be between 1 and %d (got %d)", MAX_DEPTH_LIMIT,
               max_depth);
    if (!dir || !dir[0]) {
        report(&L, NULL, 0, 0, NULL, "no configuration folder given");
        goto done;
    }

    int err = list_json(&L, dir, &tnames, &ntn);
    if (err) {
        if (err > 0) {
            errno_text(err, eb, sizeof eb);
            report(&L, dir, 0, 0, NULL, "cannot open configuration folder: %s", eb);
        }
        goto done;
    }
    char *gdir = join_path(&L, dir, GROUP_FOLDER);
    if (!gdir) goto done;
    struct stat st;
    if (stat(gdir, &st) == 0) {
        err = list_json(&L, gdir, &gnames, &ngn);
        if (err > 0) {
            errno_text(err, eb, sizeof eb);
            report(&L, gdir, 0, 0, NULL, "cannot open property group folder: %s", eb);
        }
    } else if (errno != ENOENT) {
        errno_text(errno, eb, sizeof eb);
        report(&L, gdir, 0, 0, NULL, "cannot open property group folder: %s", eb);
    }
    if (!L.nomem && ntn == 0)
        report(&L, dir, 0, 0, NULL, "no table files (*.json) in the configuration folder");
    if (!L.nomem) {
        L.gfiles = load_files(&L, gdir, gnames, ngn);
        L.ngfiles = L.gfiles ? ngn : 0;
    }
    if (!L.nomem) {
        L.tfiles = load_files(&L, dir, tnames, ntn);
        L.ntfiles = L.tfiles ? ntn : 0;
    }
    free(gdir);
    if (L.nomem) goto done;

    if (L.ngfiles && !(L.groups = calloc(L.ngfiles, sizeof *L.groups))) L.nomem = 1;
    if (L.ntfiles && !(L.tables = calloc(L.ntfiles, sizeof *L.tables))) L.nomem = 1;
    if (!L.nomem) register_groups(&L);
    if (!L.nomem) load_groups(&L);
    if (!L.nomem) load_tables(&L);
    if (!L.nomem) find_cycles(&L);
    if (!L.nomem) build_tables(&L, out);

done:
    free_names(tnames, ntn);
    free_names(gnames, ngn);
    loader_free(&L);
    if (L.nomem || L.nerrors) {
        f2c_tableset_free(out);
        return L.nomem ? F2C_ENOMEM : F2C_ECONFIG;
    }
    if (out->count > 1) qsort(out->tables, out->count, sizeof *out->tables, cmp_table);
    return F2C_OK;
}
