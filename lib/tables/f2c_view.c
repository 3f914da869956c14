/*
 * f2c_view: see f2c_view.h.
 *
 * Why constants are folded into the expressions as literals: the FHIRPath engine's %constants
 * are JSON nodes of unknown FHIR type (a JSON string is a System String), but a ViewDefinition
 * constant has a type -- valueDate "1978-03-12" must compare equal to a FHIR date, which a
 * String never does (no implicit String -> Date conversion).  A FHIRPath literal of the right
 * kind (@1978-03-12, @2016-11-12T, @T18:12:00, 1.2, true, 'text') has exactly the constant's
 * value and type, costs nothing at run time, and needs no engine change.  Expressions are first
 * compiled as written, with the constant names declared, so a syntax error's character offset
 * is the user's; the folded text is compiled afterwards for execution.
 *
 * Why output slots are assigned while walking the view: the column order of the spec (a
 * select's columns, its nested selects', its unionAll's) is a depth-first walk, so each
 * subtree writes a contiguous range of slots and every unionAll branch after the first is
 * matched, column by column, against the first branch's range.  The executor (f2c_plan.c)
 * then never needs names.
 */
#include "fhir2cdm/f2c_view.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirmodel.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_table.h"

typedef struct vconst {
    char *name;
    char *literal; /* FHIRPath literal in parentheses, e.g. "(@1978-03-12)" */
} vconst;

typedef struct colspec {
    char *name;
    f2c_type type;
    char *path;
    char *origin;
    f2c_step *steps; /* fast path (f2c_plan_column.steps), or NULL */
    size_t nsteps;
    int precision, scale; /* an ansi/type DECIMAL(p,s), else 0 */
} colspec;

/* Where the next column's slot comes from: appended (NEW), or the next of a unionAll's first
 * branch (MATCH). */
typedef struct alloc {
    int match;
    size_t base, n, i;
} alloc;

typedef struct vcomp {
    f2c_doc *doc;
    const char *file;
    f2c_buf ptr; /* JSON pointer of the element being compiled */
    vconst *consts;
    size_t nconsts;
    const char **names; /* constant names + rowIndex + NULL, for the first compile */
    colspec *cols;
    size_t ncols;
    alloc al;
    const char *ctx_type; /* FHIR type of the current select's context when known statically
                           * (the resource, outside any iteration), else NULL */
    /* The "fhir2cdm-reserved" chain (see compile_select): 0 outside any iteration, 1 when every
     * iteration around the current select is a forEach over a plain element name, -1 when some
     * other iteration encloses it; chain_type is the FHIR type of the chain's current element
     * when the model knows it; ntagged counts the reserved columns compiled so far. */
    int chain;
    const char *chain_type;
    size_t ntagged;
    f2c_diags *diags;
    int bad, oom;
} vcomp;

static const char *const reserved_names[] = {"resource", "rootResource", "context", "ucum",
                                             "sct",      "loinc",        "rowIndex"};

/* ---- messages and pointers ---------------------------------------------------------------- */

/* A diagnostic of status st at the current JSON pointer (plus suffix) into vc->diags. */
__attribute__((format(printf, 3, 0))) static void
vdiag(vcomp *vc, f2c_status st, const char *suffix, const char *fmt, va_list ap)
{
    f2c_error e;
    char msg[sizeof e.message];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t mark = vc->ptr.len;
    if (suffix && f2c_buf_appends(&vc->ptr, suffix) != 0) vc->oom = 1;
    f2c_error_set(&e, st, vc->file, 0, 0, vc->ptr.data ? vc->ptr.data : "", "%s", msg);
    vc->ptr.len = mark;
    if (vc->ptr.data) vc->ptr.data[mark] = '\0';
    if (f2c_diags_add(vc->diags, &e) != F2C_OK) vc->oom = 1;
}

/* An error of the view: it does not load (F2C_ECONFIG). */
__attribute__((format(printf, 3, 4))) static void fail(vcomp *vc, const char *suffix,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(vc, F2C_ECONFIG, suffix, fmt, ap);
    va_end(ap);
    vc->bad = 1;
}

/* A warning about the view (status F2C_OK in diags: the view still loads; f2c_error.h). */
__attribute__((format(printf, 3, 4))) static void note(vcomp *vc, const char *suffix,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(vc, F2C_OK, suffix, fmt, ap);
    va_end(ap);
}

static size_t push(vcomp *vc, const char *key, long index)
{
    size_t mark = vc->ptr.len;
    int r = index >= 0 ? f2c_buf_printf(&vc->ptr, "/%s/%ld", key, index)
                       : f2c_buf_printf(&vc->ptr, "/%s", key);
    if (r != 0) vc->oom = 1;
    return mark;
}

static void pop(vcomp *vc, size_t mark)
{
    vc->ptr.len = mark;
    if (vc->ptr.data) vc->ptr.data[mark] = '\0';
}

static int sql_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int fp_identifier(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

/* Reports keys of obj not in allowed (NULL-terminated); BackboneElement keys always allowed. */
static void check_keys(vcomp *vc, const cJSON *obj, const char *what, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string;
        int ok = !strcmp(k, "id") || !strcmp(k, "extension") || !strcmp(k, "modifierExtension");
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = !strcmp(k, allowed[i]);
        if (ok) continue;
        f2c_buf list = {0};
        for (size_t i = 0; allowed[i]; i++)
            if (f2c_buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]) != 0) vc->oom = 1;
        size_t mark = push(vc, k, -1);
        fail(vc, NULL, "unknown element \"%s\" in a %s (known: %s)", k, what,
             list.data ? list.data : "");
        pop(vc, mark);
        f2c_buf_free(&list);
    }
}

/* ---- constants ---------------------------------------------------------------------------- */

static int fp_string_literal(f2c_buf *b, const char *s)
{
    if (f2c_buf_appendc(b, '\'') != 0) return -1;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int r;
        switch (ch) {
        case '\'':
            r = f2c_buf_appends(b, "\\'");
            break;
        case '\\':
            r = f2c_buf_appends(b, "\\\\");
            break;
        case '\n':
            r = f2c_buf_appends(b, "\\n");
            break;
        case '\r':
            r = f2c_buf_appends(b, "\\r");
            break;
        case '\t':
            r = f2c_buf_appends(b, "\\t");
            break;
        case '\f':
            r = f2c_buf_appends(b, "\\f");
            break;
        default:
            r = ch < 0x20 ? f2c_buf_printf(b, "\\u%04x", ch) : f2c_buf_appendc(b, (char)ch);
        }
        if (r != 0) return -1;
    }
    return f2c_buf_appendc(b, '\'');
}

/* Text of a JSON number: its exact source when available. */
static int number_text(vcomp *vc, const cJSON *v, f2c_buf *out)
{
    const char *p;
    size_t n;
    if (vc->doc && f2c_doc_source(vc->doc, v, &p, &n) == 0) return f2c_buf_append(out, p, n);
    return f2c_buf_printf(out, "%.17g", v->valuedouble);
}

static int is_integer_text(const char *s)
{
    if (*s == '-') s++;
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* The FHIRPath literal of constant value `v` of FHIR type suffix `t` into lit; returns NULL on
 * success or the reason it is not valid. */
static const char *constant_literal(vcomp *vc, const char *t, const cJSON *v, f2c_buf *lit)
{
    static const char *const strings[] = {"Base64Binary", "Canonical", "Code", "Id",  "Markdown",
                                          "Oid",          "String",    "Uri",  "Url", "Uuid"};
    int oom = 0;
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (!strcmp(t, strings[i])) {
            if (!cJSON_IsString(v)) return "expected a JSON string";
            oom = fp_string_literal(lit, v->valuestring);
            return oom ? "out of memory" : NULL;
        }
    if (!strcmp(t, "Boolean")) {
        if (!cJSON_IsBool(v)) return "expected a JSON boolean";
        return f2c_buf_appends(lit, cJSON_IsTrue(v) ? "true" : "false") ? "out of memory" : NULL;
    }
    if (!strcmp(t, "Date") || !strcmp(t, "DateTime") || !strcmp(t, "Instant") ||
        !strcmp(t, "Time")) {
        if (!cJSON_IsString(v)) return "expected a JSON string";
        const char *s = v->valuestring;
        for (const char *q = s; *q; q++)
            if (!((*q >= '0' && *q <= '9') || *q == '-' || *q == ':' || *q == 'T' || *q == 'Z' ||
                  *q == '+' || *q == '.'))
                return "not a valid value of its type";
        if (!strcmp(t, "Date") && strchr(s, 'T')) return "a date has no time part";
        if (!strcmp(t, "Time"))
            oom = f2c_buf_printf(lit, "@T%s", s);
        else if (!strcmp(t, "Date"))
            oom = f2c_buf_printf(lit, "@%s", s);
        else /* a dateTime without time is still a DateTime: @2016-11-12T */
            oom = f2c_buf_printf(lit, "@%s%s", s, strchr(s, 'T') ? "" : "T");
        return oom ? "out of memory" : NULL;
    }
    if (!strcmp(t, "Integer") || !strcmp(t, "PositiveInt") || !strcmp(t, "UnsignedInt") ||
        !strcmp(t, "Integer64") || !strcmp(t, "Decimal")) {
        f2c_buf num = {0};
        const char *why = NULL;
        if (cJSON_IsNumber(v)) {
            if (number_text(vc, v, &num) != 0) why = "out of memory";
        } else if (!strcmp(t, "Integer64") && cJSON_IsString(v)) {
            /* FHIR R5 JSON writes integer64 as a string */
            if (f2c_buf_appends(&num, v->valuestring) != 0) why = "out of memory";
        } else {
            why = "expected a JSON number";
        }
        if (!why && strcmp(t, "Decimal") != 0) {
            if (!is_integer_text(num.data))
                why = "expected an integer";
            else if (!strcmp(t, "PositiveInt") && (num.data[0] == '-' || v->valuedouble < 1))
                why = "a positiveInt is at least 1";
            else if (!strcmp(t, "UnsignedInt") && num.data[0] == '-')
                why = "an unsignedInt is not negative";
        }
        if (!why && !strcmp(t, "Decimal") && strpbrk(num.data, "eE")) {
            /* FHIRPath has no exponent notation: write the value out in full. */
            f2c_buf_reset(&num);
            if (f2c_buf_printf(&num, "%.17f", v->valuedouble) != 0) why = "out of memory";
            while (!why && num.len > 2 && num.data[num.len - 1] == '0' &&
                   num.data[num.len - 2] != '.')
                num.data[--num.len] = '\0';
        }
        if (!why && f2c_buf_append(lit, num.data, num.len) != 0) why = "out of memory";
        f2c_buf_free(&num);
        return why;
    }
    return "not a supported constant type";
}

static void load_constants(vcomp *vc, const cJSON *arr)
{
    if (!arr) return;
    size_t mark = push(vc, "constant", -1);
    if (!cJSON_IsArray(arr)) {
        fail(vc, NULL, "constant must be an array, found a JSON %s", f2c_json_kind(arr));
        pop(vc, mark);
        return;
    }
    pop(vc, mark);
    long i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        size_t m = push(vc, "constant", i);
        if (!cJSON_IsObject(c)) {
            fail(vc, NULL, "a constant must be an object, found a JSON %s", f2c_json_kind(c));
            pop(vc, m);
            continue;
        }
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *value = NULL;
        const char *vkey = NULL;
        int nvalues = 0;
        for (const cJSON *k = c->child; k; k = k->next) {
            if (!strncmp(k->string, "value", 5) && k->string[5] >= 'A' && k->string[5] <= 'Z') {
                nvalues++;
                value = k;
                vkey = k->string;
            } else if (strcmp(k->string, "name") && strcmp(k->string, "id") &&
                       strcmp(k->string, "extension")) {
                size_t mk = push(vc, k->string, -1);
                fail(vc, NULL, "unknown element \"%s\" in a constant (name, value[x])", k->string);
                pop(vc, mk);
            }
        }
        int ok = 1;
        if (!cJSON_IsString(name) || !fp_identifier(name->valuestring)) {
            fail(vc, "/name",
                 "a constant needs a name usable as %%name in FHIRPath ([A-Za-z_][A-Za-z0-9_]*)");
            ok = 0;
        } else {
            for (size_t r = 0; r < sizeof reserved_names / sizeof *reserved_names; r++)
                if (!strcmp(name->valuestring, reserved_names[r])) {
                    fail(vc, "/name", "constant name \"%s\" is reserved (%%%s is built in)",
                         name->valuestring, name->valuestring);
                    ok = 0;
                }
            for (size_t k = 0; k < vc->nconsts && ok; k++)
                if (!strcmp(vc->consts[k].name, name->valuestring)) {
                    fail(vc, "/name", "constant \"%s\" is defined twice", name->valuestring);
                    ok = 0;
                }
        }
        if (nvalues != 1) {
            fail(vc, NULL,
                 "a constant needs exactly one value[x] (valueString, valueInteger, "
                 "valueDate, ...), found %d",
                 nvalues);
            ok = 0;
        }
        f2c_buf lit = {0};
        if (ok) {
            size_t mk = push(vc, vkey, -1);
            f2c_buf_appendc(&lit, '(');
            const char *why = constant_literal(vc, vkey + 5, value, &lit);
            if (why && !strcmp(why, "out of memory")) vc->oom = 1;
            if (!why && f2c_buf_appendc(&lit, ')') != 0) vc->oom = 1;
            if (!why) {
                /* The literal must be valid FHIRPath of its type (e.g. no month 13). */
                f2c_fp_expr *e = NULL;
                f2c_error ce;
                f2c_error_clear(&ce);
                f2c_status st = f2c_fp_compile(lit.data, NULL, &e, &ce);
                f2c_fp_free(e);
                if (st == F2C_ENOMEM) vc->oom = 1;
                if (st == F2C_ECONFIG) {
                    char shown[128];
                    snprintf(shown, sizeof shown, "%s",
                             cJSON_IsString(value) ? value->valuestring : lit.data);
                    fail(vc, NULL, "%s \"%s\" is not valid: %s", vkey, shown, ce.message);
                    ok = 0;
                }
            } else {
                fail(vc, NULL, "%s: %s", vkey, why);
                ok = 0;
            }
            pop(vc, mk);
        }
        if (ok) {
            vconst *d = realloc(vc->consts, (vc->nconsts + 1) * sizeof *d);
            char *nm = strdup(name->valuestring);
            if (!d || !nm) {
                if (d) vc->consts = d;
                free(nm);
                f2c_buf_free(&lit);
                vc->oom = 1;
                pop(vc, m);
                return;
            }
            vc->consts = d;
            d[vc->nconsts].name = nm;
            d[vc->nconsts].literal = lit.data; /* moved */
            vc->nconsts++;
        } else {
            f2c_buf_free(&lit);
        }
        pop(vc, m);
    }
}

/* The constant named name[0..n), or NULL. */
static const vconst *find_const(const vcomp *vc, const char *name, size_t n)
{
    for (size_t i = 0; i < vc->nconsts; i++)
        if (strlen(vc->consts[i].name) == n && !memcmp(vc->consts[i].name, name, n))
            return &vc->consts[i];
    return NULL;
}

/* Copies a quoted token (string literal or delimited identifier) starting at s[i] into out;
 * returns the index after it. */
static size_t copy_quoted(const char *s, size_t i, f2c_buf *out, int *oom)
{
    char q = s[i];
    size_t j = i + 1;
    while (s[j] && s[j] != q)
        j += s[j] == '\\' && s[j + 1] ? 2 : 1;
    if (s[j]) j++;
    if (f2c_buf_append(out, s + i, j - i) != 0) *oom = 1;
    return j;
}

/* src with every %constant of the view replaced by its literal; *changed says if any was. */
static char *fold_constants(const vcomp *vc, const char *src, int *changed, int *oom)
{
    f2c_buf out = {0};
    *changed = 0;
    size_t i = 0;
    while (src[i]) {
        char ch = src[i];
        if (ch == '\'' || ch == '`') {
            i = copy_quoted(src, i, &out, oom);
        } else if (ch == '/' && src[i + 1] == '/') {
            size_t j = i;
            while (src[j] && src[j] != '\n')
                j++;
            if (f2c_buf_append(&out, src + i, j - i) != 0) *oom = 1;
            i = j;
        } else if (ch == '/' && src[i + 1] == '*') {
            const char *end = strstr(src + i + 2, "*/");
            size_t j = end ? (size_t)(end - src) + 2 : strlen(src);
            if (f2c_buf_append(&out, src + i, j - i) != 0) *oom = 1;
            i = j;
        } else if (ch == '%') {
            const char *name = NULL;
            size_t n = 0, j = i + 1;
            if (src[j] == '`' || src[j] == '\'') {
                char q = src[j];
                const char *end = strchr(src + j + 1, q);
                if (end) {
                    name = src + j + 1;
                    n = (size_t)(end - name);
                    j = (size_t)(end - src) + 1;
                }
            } else {
                name = src + j;
                while ((src[j] >= 'A' && src[j] <= 'Z') || (src[j] >= 'a' && src[j] <= 'z') ||
                       (src[j] >= '0' && src[j] <= '9') || src[j] == '_')
                    j++;
                n = (size_t)(src + j - name);
            }
            const vconst *c = name && n ? find_const(vc, name, n) : NULL;
            if (c) {
                if (f2c_buf_appends(&out, c->literal) != 0) *oom = 1;
                *changed = 1;
                i = j;
            } else {
                if (f2c_buf_appendc(&out, '%') != 0) *oom = 1;
                i++;
            }
        } else {
            if (f2c_buf_appendc(&out, ch) != 0) *oom = 1;
            i++;
        }
    }
    if (!out.data && f2c_buf_appends(&out, "") != 0) *oom = 1;
    return out.data;
}

/* Compiles the FHIRPath at the current pointer + "/key" (key NULL: the pointer itself); NULL
 * (reported) when it does not compile. */
static f2c_fp_expr *compile_path(vcomp *vc, const char *key, const char *what, const char *src)
{
    size_t mark = key ? push(vc, key, -1) : vc->ptr.len;
    f2c_fp_expr *e = NULL;
    f2c_error ce;
    f2c_error_clear(&ce);
    f2c_status st = f2c_fp_compile(src, vc->names, &e, &ce);
    if (st == F2C_ENOMEM) vc->oom = 1;
    if (st == F2C_ECONFIG)
        fail(vc, NULL, "%s \"%s\" at character %ld: %s", what, src, ce.column, ce.message);
    if (st != F2C_OK) {
        pop(vc, mark);
        return NULL;
    }
    int changed = 0, oom = 0;
    char *folded = fold_constants(vc, src, &changed, &oom);
    if (oom) vc->oom = 1;
    if (changed && folded) {
        f2c_fp_free(e);
        e = NULL;
        static const char *const rowindex[] = {F2C_PLAN_ROWINDEX, NULL};
        f2c_error_clear(&ce);
        st = f2c_fp_compile(folded, (const char **)rowindex, &e, &ce);
        if (st == F2C_ENOMEM) vc->oom = 1;
        if (st == F2C_ECONFIG)
            fail(vc, NULL,
                 "%s \"%s\" with its constants substituted (\"%s\"), at character %ld: %s", what,
                 src, folded, ce.column, ce.message);
    }
    free(folded);
    pop(vc, mark);
    return st == F2C_OK ? e : NULL;
}

/* ---- selects ------------------------------------------------------------------------------ */

static void compile_select(vcomp *vc, const cJSON *sel, f2c_plan_select **out);

/* Slot for a column named name (NEW: appended; MATCH: the first unionAll branch's). */
static long column_slot(vcomp *vc, const char *name, f2c_type type, const char *path,
                        int collection)
{
    if (vc->al.match) {
        if (vc->al.i >= vc->al.n) {
            fail(vc, "/name",
                 "column \"%s\": this unionAll branch has more columns than the first (%zu)", name,
                 vc->al.n);
            return -1;
        }
        const colspec *want = &vc->cols[vc->al.base + vc->al.i];
        if (strcmp(want->name, name) != 0) {
            fail(vc, "/name",
                 "column \"%s\": every unionAll branch must have the columns of the first, in "
                 "the same order; expected \"%s\" here",
                 name, want->name);
            vc->al.i++;
            return -1;
        }
        return (long)(vc->al.base + vc->al.i++);
    }
    for (size_t i = 0; i < vc->ncols; i++)
        if (f2c_table_column_same(vc->cols[i].name, name)) {
            char shown[128], first[128];
            if (!strcmp(vc->cols[i].name, name))
                fail(vc, "/name", "column name \"%s\" is used twice in the view",
                     f2c_table_name_shown(shown, sizeof shown, name));
            else
                fail(vc, "/name",
                     "column name \"%s\" is used twice in the view (first as \"%s\"; column "
                     "names must differ ignoring case, within their first 63 characters)",
                     f2c_table_name_shown(shown, sizeof shown, name),
                     f2c_table_name_shown(first, sizeof first, vc->cols[i].name));
            return -1;
        }
    colspec *d = realloc(vc->cols, (vc->ncols + 1) * sizeof *d);
    if (!d) {
        vc->oom = 1;
        return -1;
    }
    vc->cols = d;
    colspec *c = &d[vc->ncols];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->path = strdup(path);
    c->type = collection ? F2C_T_ARRAY : type;
    f2c_buf o = {0};
    if (f2c_buf_printf(&o, "%s#%s", vc->file ? vc->file : "", vc->ptr.data ? vc->ptr.data : "") !=
        0)
        vc->oom = 1;
    c->origin = o.data;
    if (!c->name || !c->path || !c->origin) vc->oom = 1;
    return (long)vc->ncols++;
}

/* The steps of `path` when it is a plain path of single-valued, non-choice elements of `type`
 * (FHIR R4 model, f2c_fhirmodel.h): `status`, `subject.reference`, `period.start`.  Such a
 * path gives at most one item, the node it reaches, so the executor can follow it without the
 * FHIRPath engine.  NULL otherwise (or out of memory, which only loses the fast path). */
static f2c_step *simple_steps(const char *type, const char *path, size_t *n)
{
    *n = 0;
    for (const char *p = path; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.'))
            return NULL;
    size_t count = 1;
    for (const char *p = path; *p; p++)
        count += *p == '.';
    f2c_step *steps = calloc(count, sizeof *steps);
    if (!steps) return NULL;
    const char *p = path;
    for (size_t i = 0; i < count; i++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int is_array = 1;
        /* a leading upper-case name is a type (`Patient.id`), not an element */
        if (len == 0 || !(*p >= 'a' && *p <= 'z') || !(steps[i].name = strndup(p, len)) ||
            !(type = f2c_fm_element_type(type, steps[i].name, &is_array)) || is_array) {
            for (size_t k = 0; k <= i; k++)
                free(steps[k].name);
            free(steps);
            return NULL;
        }
        p += len + 1;
    }
    *n = count;
    return steps;
}

/* The tag name that marks a reserved column (docs/views.md, "fhir2cdm-reserved"). */
#define RESERVED_TAG "fhir2cdm-reserved"
#define ANSI_TAG "ansi/type" /* SQL on FHIR, "Overriding Default Type Mappings" */

/*
 * The reserved kind a column asks for with a tag {"name": "fhir2cdm-reserved", "value": V}
 * (SQL on FHIR v2 column.tag: implementation-specific annotations, ignored by other engines,
 * which evaluate the column's path instead).  Other tags are not ours and are not read.
 * Returns 1 with *kind set, 0 without such a tag, -1 after reporting a misuse (an unknown value,
 * the tag twice, a column outside a forEach chain over plain element names).
 */
static int reserved_tag(vcomp *vc, const cJSON *col, f2c_plan_col_kind *kind)
{
    static const struct {
        const char *value;
        f2c_plan_col_kind kind;
    } kinds[] = {{F2C_COL_ROWID, F2C_PLAN_COL_ROWID},
                 {F2C_COL_FHIRPATH, F2C_PLAN_COL_FHIRPATH},
                 {F2C_COL_PARENTPATH, F2C_PLAN_COL_PARENTPATH}};
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(col, "tag");
    if (!cJSON_IsArray(tags)) return 0;
    int found = 0, bad = 0;
    long i = 0;
    for (const cJSON *t = tags->child; t; t = t->next, i++) {
        const cJSON *nm = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "name") : NULL;
        if (!cJSON_IsString(nm) || strcmp(nm->valuestring, RESERVED_TAG) != 0) continue;
        size_t m = push(vc, "tag", i);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "value");
        size_t k = 0, nk = sizeof kinds / sizeof kinds[0];
        while (k < nk && !(cJSON_IsString(v) && !strcmp(v->valuestring, kinds[k].value)))
            k++;
        if (found) {
            fail(vc, NULL, "a column has at most one " RESERVED_TAG " tag");
            bad = 1;
        } else if (k == nk) {
            fail(vc, "/value",
                 "the value of a " RESERVED_TAG " tag is \"" F2C_COL_ROWID "\", \"" F2C_COL_FHIRPATH
                 "\" or \"" F2C_COL_PARENTPATH "\"");
            bad = 1;
        } else if (vc->chain != 1) {
            /* Only a chain of member steps has a location (what the table configuration's
             * unroll tracks); an expression's items have none. */
            fail(vc, NULL,
                 "a column tagged " RESERVED_TAG " (%s) must be inside forEach selects over "
                 "plain element names (\"forEach\": \"contact\"), with no other forEach, "
                 "forEachOrNull or repeat around it",
                 kinds[k].value);
            bad = 1;
        } else {
            *kind = kinds[k].kind;
        }
        found = 1;
        pop(vc, m);
    }
    return bad ? -1 : found;
}

f2c_type f2c_view_column_type(f2c_type t)
{
    switch (t) {
    case F2C_T_BOOLEAN:
    case F2C_T_INTEGER:
    case F2C_T_POSITIVEINT:
    case F2C_T_UNSIGNEDINT:
    case F2C_T_INTEGER64:
    case F2C_T_INSTANT:
        return t;
    case F2C_T_NONE:
    case F2C_T_ARRAY:
    case F2C_T_DATE:
    case F2C_T_DATETIME:
    case F2C_T_TIME:
    case F2C_T_DECIMAL:
        return F2C_T_STRING;
    default:
        return f2c_type_is_stringlike(t) ? t : F2C_T_STRING;
    }
}

/* A column's rendering type from its `type` (NULL: none): f2c_view_column_type. */
static f2c_type view_type(const char *name)
{
    return f2c_view_column_type(f2c_type_from_name(name));
}

/* s (at most 63 bytes) upper-cased, blanks collapsed and trimmed, into out[64]; 0 if too long. */
static int sql_type_text(const char *s, char out[64])
{
    size_t n = 0;
    for (; *s; s++) {
        char c = *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s;
        if (c == ' ' && (n == 0 || out[n - 1] == ' ')) continue;
        if (n == 63) return 0;
        out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return 1;
}

/* Whether t is name or name(N) with N digits (VARCHAR(255)). */
static int sql_type_is(const char *t, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(t, name, n) != 0) return 0;
    if (!t[n]) return 1;
    const char *p = t + n + (t[n] == ' ');
    if (*p++ != '(' || !(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return p[0] == ')' && !p[1];
}

/* Reads digits at *q into *v (at most 2 digits: precisions are <= 38); 0 if none. */
static int small_number(const char **q, int *v)
{
    const char *s = *q;
    int n = 0, k = 0;
    while (*s >= '0' && *s <= '9' && k < 3) {
        n = n * 10 + (*s++ - '0');
        k++;
    }
    if (!k || (*s >= '0' && *s <= '9')) return 0;
    *v = n;
    *q = s;
    return 1;
}

/* t (normalised by sql_type_text) is DECIMAL, NUMERIC or DEC, optionally with (p) or (p,s) with
 * 1 <= p <= 38 and 0 <= s <= p: 1 with *p, *sc set (0, 0 without them). */
static int sql_decimal(const char *t, int *p, int *sc)
{
    static const char *const names[] = {"DECIMAL", "NUMERIC", "DEC"};
    size_t k = 0;
    while (k < 3 && strncmp(t, names[k], strlen(names[k])) != 0)
        k++;
    if (k == 3) return 0;
    const char *q = t + strlen(names[k]);
    int pp = 0, ss = 0;
    if (*q == ' ') q++;
    if (*q == '(') {
        q++;
        if (*q == ' ') q++;
        if (!small_number(&q, &pp)) return 0;
        if (*q == ' ') q++;
        if (*q == ',') {
            q++;
            if (*q == ' ') q++;
            if (!small_number(&q, &ss)) return 0;
            if (*q == ' ') q++;
        }
        if (*q++ != ')' || pp < 1 || pp > 38 || ss > pp) return 0;
    }
    if (*q) return 0;
    *p = pp;
    *sc = ss;
    return 1;
}

/*
 * The type an `ansi/type` tag asks for ("Overriding Default Type Mappings": the tag's value is
 * "the desired ISO/IEC 9075 SQL type"; "behavior is undefined and left to the runner if the
 * type hint tag contains a value that is unknown or incompatible").  Honoured: CHARACTER
 * VARYING / VARCHAR [(n)] (text as written), BOOLEAN, INTEGER / INT, BIGINT, DATE (a date of
 * day precision; a dateTime's date as written; a year or year-month is null with a warning),
 * TIME, TIMESTAMP WITH TIME ZONE (the instant in UTC; a value without a time and zone -- a
 * date, a partial date -- is null with a warning), DECIMAL / NUMERIC / DEC [(p[,s])] (the
 * decimal as written; its Parquet column and manifest attribute DECIMAL(p,s), 1 <= p <= 38,
 * 0 <= s <= p; without (p,s) the run's --decimal), TIMESTAMP [WITHOUT TIME ZONE] (a dateTime
 * with a time as its UTC clock without zone: a FHIR time always has an offset, and UTC is the
 * one zone every value can be put in; a date is null with a warning).  Any other value is a
 * warning when the view is loaded and the default mapping applies.  Returns 1
 * with *t (and for a decimal *p, *sc, 0 for the run's) set, 0 without (usable) tag, -1 after
 * an error (the tag twice, a value that is not a string).
 */
static int ansi_type(vcomp *vc, const cJSON *col, f2c_type *t, int *p, int *sc)
{
    static const struct {
        const char *name;
        f2c_type t;
    } known[] = {{"CHARACTER VARYING", F2C_T_STRING},
                 {"VARCHAR", F2C_T_STRING},
                 {"BOOLEAN", F2C_T_BOOLEAN},
                 {"INTEGER", F2C_T_INTEGER},
                 {"INT", F2C_T_INTEGER},
                 {"BIGINT", F2C_T_INTEGER64},
                 {"DATE", F2C_T_SQL_DATE},
                 {"TIME", F2C_T_TIME},
                 {"TIMESTAMP WITH TIME ZONE", F2C_T_INSTANT},
                 {"TIMESTAMP WITHOUT TIME ZONE", F2C_T_SQL_TIMESTAMP},
                 {"TIMESTAMP", F2C_T_SQL_TIMESTAMP}};
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(col, "tag");
    if (!cJSON_IsArray(tags)) return 0;
    int found = 0, r = 0;
    long i = 0;
    for (const cJSON *g = tags->child; g; g = g->next, i++) {
        const cJSON *nm = cJSON_IsObject(g) ? cJSON_GetObjectItemCaseSensitive(g, "name") : NULL;
        if (!cJSON_IsString(nm) || strcmp(nm->valuestring, ANSI_TAG) != 0) continue;
        size_t m = push(vc, "tag", i);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, "value");
        char want[64];
        size_t k = 0, nk = sizeof known / sizeof known[0];
        if (found) {
            fail(vc, NULL, "a column has at most one " ANSI_TAG " tag");
            r = -1;
        } else if (!cJSON_IsString(v)) {
            fail(vc, "/value", "the value of an " ANSI_TAG " tag is an ISO/IEC 9075 SQL type name");
            r = -1;
        } else {
            int ok = sql_type_text(v->valuestring, want);
            while (ok && k < nk && !sql_type_is(want, known[k].name))
                k++;
            if (ok && k < nk) {
                *t = known[k].t;
                r = 1;
            } else if (ok && sql_decimal(want, p, sc)) {
                *t = F2C_T_DECIMAL;
                r = 1;
            } else {
                note(vc, "/value",
                     ANSI_TAG
                     " \"%.64s\" is not a type this runner implements (CHARACTER "
                     "VARYING, VARCHAR, BOOLEAN, INTEGER, INT, BIGINT, DECIMAL(p,s), DATE, "
                     "TIME, TIMESTAMP, TIMESTAMP WITH TIME ZONE); the column keeps its default "
                     "type mapping",
                     v->valuestring);
            }
        }
        found = 1;
        pop(vc, m);
    }
    return r;
}

static void compile_column(vcomp *vc, const cJSON *col, f2c_plan_select *s)
{
    static const char *const keys[] = {"name",        "path", "type", "collection",
                                       "description", "tag",  NULL};
    if (!cJSON_IsObject(col)) {
        fail(vc, NULL, "a column must be an object, found a JSON %s", f2c_json_kind(col));
        return;
    }
    check_keys(vc, col, "column", keys);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(col, "name");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(col, "path");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(col, "type");
    const cJSON *coll = cJSON_GetObjectItemCaseSensitive(col, "collection");
    int ok = 1;
    f2c_name_problem np =
        cJSON_IsString(name) ? f2c_table_column_name_check(name->valuestring) : F2C_NAME_EMPTY;
    if (!cJSON_IsString(name)) {
        fail(vc, "/name", "a column needs a name (" F2C_COLUMN_NAME_RULE ")");
        ok = 0;
    } else if (np != F2C_NAME_OK) {
        char shown[128];
        fail(vc, "/name", "column name \"%s\" %s",
             f2c_table_name_shown(shown, sizeof shown, name->valuestring),
             f2c_table_column_problem(np));
        ok = 0;
    }
    if (!cJSON_IsString(path) || !path->valuestring[0]) {
        fail(vc, "/path", "a column needs a path (a FHIRPath expression)");
        ok = 0;
    }
    if (type && !cJSON_IsString(type)) {
        fail(vc, "/type", "type must be a string (a FHIR type name), found a JSON %s",
             f2c_json_kind(type));
        ok = 0;
    }
    if (coll && !cJSON_IsBool(coll)) {
        fail(vc, "/collection", "collection must be true or false, found a JSON %s",
             f2c_json_kind(coll));
        ok = 0;
    }
    f2c_type t = view_type(type && cJSON_IsString(type) ? type->valuestring : NULL);
    int collection = coll && cJSON_IsTrue(coll);
    /* A collection column is JSON array text whatever its items' type: the tag is not read. */
    int dec_p = 0, dec_s = 0;
    if (!collection && ansi_type(vc, col, &t, &dec_p, &dec_s) < 0) ok = 0;
    f2c_plan_col_kind kind = F2C_PLAN_COL_EXPR;
    int rt = reserved_tag(vc, col, &kind);
    if (rt < 0) ok = 0;
    if (rt > 0 && (collection || t != F2C_T_STRING)) {
        /* The cell is always one string, as in a table configuration. */
        fail(vc, collection ? "/collection" : "/type",
             "a column tagged " RESERVED_TAG " is a string: no collection, type \"string\" or "
             "none");
        ok = 0;
    }
    /* A reserved column's path is compiled too: other engines evaluate it, so it must be a
     * valid expression, although this one computes the column itself. */
    f2c_fp_expr *e = ok ? compile_path(vc, "path", "path", path->valuestring) : NULL;
    long slot = cJSON_IsString(name)
                    ? column_slot(vc, name->valuestring, t,
                                  cJSON_IsString(path) ? path->valuestring : "", collection)
                    : -1;
    if (!e || slot < 0) {
        f2c_fp_free(e);
        return;
    }
    if (!vc->al.match) { /* a unionAll branch after the first has the first's column */
        vc->cols[slot].precision = dec_p;
        vc->cols[slot].scale = dec_s;
    }
    if (kind != F2C_PLAN_COL_EXPR) {
        f2c_fp_free(e);
        f2c_plan_column r = {.kind = kind, .slot = (size_t)slot, .type = F2C_T_STRING};
        if (f2c_plan_select_add_column(s, &r) != F2C_OK) vc->oom = 1;
        vc->ntagged++;
        return;
    }
    f2c_plan_column c = {.kind = F2C_PLAN_COL_EXPR,
                         .slot = (size_t)slot,
                         .type = t,
                         .card = collection ? F2C_PLAN_ALL : F2C_PLAN_SINGLE,
                         .expr = e};
    /* The fast path's steps live in the table column of this slot (moved there with it); a
     * unionAll branch after the first shares the slot and so goes without. */
    colspec *cs = &vc->cols[slot];
    if (!collection && vc->ctx_type && !vc->al.match && !cs->steps) {
        cs->steps = simple_steps(vc->ctx_type, path->valuestring, &cs->nsteps);
        c.steps = cs->steps;
        c.nsteps = cs->nsteps;
    }
    if (f2c_plan_select_add_column(s, &c) != F2C_OK) vc->oom = 1;
}

/* Compiles every element of array `arr` (at key) with fn. */
static int want_array(vcomp *vc, const cJSON *arr, const char *key, int nonempty)
{
    if (!cJSON_IsArray(arr)) {
        size_t m = push(vc, key, -1);
        fail(vc, NULL, "%s must be an array, found a JSON %s", key, f2c_json_kind(arr));
        pop(vc, m);
        return 0;
    }
    if (nonempty && !arr->child) {
        size_t m = push(vc, key, -1);
        fail(vc, NULL, "%s must not be empty", key);
        pop(vc, m);
        return 0;
    }
    return 1;
}

static void compile_union(vcomp *vc, const cJSON *arr, f2c_plan_select *s)
{
    if (!want_array(vc, arr, "unionAll", 1)) return;
    alloc outer = vc->al;
    size_t start = outer.match ? outer.base + outer.i : vc->ncols;
    size_t end = start;
    long i = 0;
    for (const cJSON *b = arr->child; b; b = b->next, i++) {
        size_t m = push(vc, "unionAll", i);
        if (i == 0) {
            vc->al = outer;
        } else {
            vc->al = (alloc){1, start, end - start, 0};
        }
        f2c_plan_select *child = NULL;
        compile_select(vc, b, &child);
        if (i == 0) {
            end = vc->al.match ? vc->al.base + vc->al.i : vc->ncols;
        } else if (vc->al.i < vc->al.n) {
            fail(vc, NULL,
                 "this unionAll branch has %zu columns, the first has %zu (every branch needs "
                 "the same columns in the same order)",
                 vc->al.i, vc->al.n);
        }
        if (child && f2c_plan_select_add_child(s, child, 1) != F2C_OK) vc->oom = 1;
        pop(vc, m);
    }
    vc->al = outer;
    if (outer.match) vc->al.i = end - outer.base;
}

/* A forEach expression that is one element name (`contact`, `telecom`): what a table
 * configuration's unroll step is, so it can be followed as a JSON member (f2c_plan STEPS) with
 * the element's location tracked.  Type names (`Patient`) and keywords are not element names. */
static int plain_member(const char *s)
{
    static const char *const kw[] = {"and",   "or", "xor", "implies",  "div", "mod", "true",
                                     "false", "as", "is",  "contains", "in",  NULL};
    if (!fp_identifier(s) || !(*s >= 'a' && *s <= 'z')) return 0;
    for (size_t i = 0; kw[i]; i++)
        if (!strcmp(s, kw[i])) return 0;
    return 1;
}

/* Reports reserved columns in more than one factor of a select's cross product (nested selects,
 * the unionAll group): the executor tracks one location, which the rows of the first factor's
 * chain would still hold while the second's are built. */
static void check_tagged_factors(vcomp *vc, size_t tagged_factors)
{
    if (tagged_factors > 1)
        fail(vc, NULL,
             "columns tagged " RESERVED_TAG " are in %zu sibling selects (or a select and a "
             "unionAll) whose rows are combined: they must all be in one chain of nested forEach "
             "selects",
             tagged_factors);
}

static void compile_select(vcomp *vc, const cJSON *sel, f2c_plan_select **out)
{
    static const char *const keys[] = {"column", "select",   "forEach", "forEachOrNull",
                                       "repeat", "unionAll", NULL};
    *out = NULL;
    if (!cJSON_IsObject(sel)) {
        fail(vc, NULL, "a select must be an object, found a JSON %s", f2c_json_kind(sel));
        return;
    }
    check_keys(vc, sel, "select", keys);
    f2c_plan_select *s = f2c_plan_select_new();
    if (!s) {
        vc->oom = 1;
        return;
    }
    const cJSON *fe = cJSON_GetObjectItemCaseSensitive(sel, "forEach");
    const cJSON *fon = cJSON_GetObjectItemCaseSensitive(sel, "forEachOrNull");
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(sel, "repeat");
    const char *outer_type = vc->ctx_type;
    if (fe || fon || rep) vc->ctx_type = NULL; /* items of an iteration: type not known here */
    /* The fhir2cdm-reserved chain: a forEach over a plain element name continues it (and knows
     * its element's type when the enclosing one's is known), any other iteration breaks it. */
    int outer_chain = vc->chain;
    const char *outer_chain_type = vc->chain_type;
    size_t tagged_before = vc->ntagged, tagged_factors = 0;
    int plain = fe && cJSON_IsString(fe) && plain_member(fe->valuestring);
    if (fe || fon || rep) {
        int is_array = 0;
        vc->chain = plain && outer_chain >= 0 ? 1 : -1;
        vc->chain_type = plain && outer_chain >= 0 && outer_chain_type
                             ? f2c_fm_element_type(outer_chain_type, fe->valuestring, &is_array)
                             : NULL;
    }
    if (!!fe + !!fon + !!rep > 1)
        fail(vc, NULL, "a select has at most one of forEach, forEachOrNull and repeat");
    if (fe || fon) {
        const cJSON *it = fe ? fe : fon;
        const char *key = fe ? "forEach" : "forEachOrNull";
        if (!cJSON_IsString(it)) {
            size_t m = push(vc, key, -1);
            fail(vc, NULL, "%s must be a string (a FHIRPath expression), found a JSON %s", key,
                 f2c_json_kind(it));
            pop(vc, m);
        } else {
            s->iter_expr = compile_path(vc, key, key, it->valuestring);
            s->iter = fe ? F2C_PLAN_ITER_FOREACH : F2C_PLAN_ITER_FOREACH_OR_NULL;
            if (!s->iter_expr) s->iter = F2C_PLAN_ITER_NONE;
        }
    } else if (rep && want_array(vc, rep, "repeat", 1)) {
        long i = 0;
        s->iter = F2C_PLAN_ITER_REPEAT;
        for (const cJSON *r = rep->child; r; r = r->next, i++) {
            size_t m = push(vc, "repeat", i);
            if (!cJSON_IsString(r)) {
                fail(vc, NULL, "a repeat element must be a string (a FHIRPath expression)");
            } else {
                f2c_fp_expr *e = compile_path(vc, NULL, "repeat", r->valuestring);
                if (e && f2c_plan_select_add_repeat(s, e) != F2C_OK) vc->oom = 1;
            }
            pop(vc, m);
        }
    }
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(sel, "column");
    if (cols && want_array(vc, cols, "column", 0)) {
        long i = 0;
        for (const cJSON *c = cols->child; c; c = c->next, i++) {
            size_t m = push(vc, "column", i);
            compile_column(vc, c, s);
            pop(vc, m);
        }
    }
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(sel, "select");
    if (subs && want_array(vc, subs, "select", 0)) {
        long i = 0;
        for (const cJSON *c = subs->child; c; c = c->next, i++) {
            size_t m = push(vc, "select", i);
            f2c_plan_select *child = NULL;
            size_t before = vc->ntagged;
            compile_select(vc, c, &child);
            tagged_factors += vc->ntagged > before;
            if (child && f2c_plan_select_add_child(s, child, 0) != F2C_OK) vc->oom = 1;
            pop(vc, m);
        }
    }
    const cJSON *un = cJSON_GetObjectItemCaseSensitive(sel, "unionAll");
    if (un) {
        size_t before = vc->ntagged;
        compile_union(vc, un, s);
        tagged_factors += vc->ntagged > before;
    }
    check_tagged_factors(vc, tagged_factors);
    if (vc->ntagged > tagged_before && s->iter == F2C_PLAN_ITER_FOREACH && plain) {
        /* A reserved column lies in this forEach's subtree, and every iteration around it is a
         * plain-name forEach (reserved_tag checked): run it as the table configuration's unroll
         * step, which tracks the element's location ("Patient.contact[0]") for RowId, FhirPath
         * and ParentPath.  Same elements, same order: the items of a member step. */
        s->own_step = strdup(fe->valuestring);
        if (!s->own_step) vc->oom = 1;
        f2c_fp_free(s->iter_expr);
        s->iter_expr = NULL;
        s->iter = s->own_step ? F2C_PLAN_ITER_STEPS : F2C_PLAN_ITER_NONE;
        s->steps = (const char *const *)&s->own_step;
        s->nsteps = 1;
        s->steps_type = vc->chain_type;
    }
    vc->chain = outer_chain;
    vc->chain_type = outer_chain_type;
    vc->ctx_type = outer_type;
    *out = s;
}

/* ---- views -------------------------------------------------------------------------------- */

static void vcomp_free(vcomp *vc)
{
    f2c_buf_free(&vc->ptr);
    for (size_t i = 0; i < vc->nconsts; i++) {
        free(vc->consts[i].name);
        free(vc->consts[i].literal);
    }
    free(vc->consts);
    free(vc->names);
    for (size_t i = 0; i < vc->ncols; i++) {
        free(vc->cols[i].name);
        free(vc->cols[i].path);
        free(vc->cols[i].origin);
        for (size_t k = 0; k < vc->cols[i].nsteps; k++)
            free(vc->cols[i].steps[k].name);
        free(vc->cols[i].steps);
    }
    free(vc->cols);
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

f2c_status f2c_view_compile(f2c_doc *doc, const cJSON *view, const char *file,
                            const char *pointer_base, const char *default_name, f2c_table *table,
                            f2c_plan_select **root, f2c_diags *diags)
{
    memset(table, 0, sizeof *table);
    *root = NULL;
    vcomp vc = {.doc = doc, .file = file, .diags = diags};
    if (f2c_buf_appends(&vc.ptr, pointer_base ? pointer_base : "") != 0) return F2C_ENOMEM;
    f2c_plan_select *s = NULL;
    const char *name = default_name, *rt = NULL;
    if (!cJSON_IsObject(view)) {
        fail(&vc, NULL, "a ViewDefinition must be a JSON object, found a JSON %s",
             view ? f2c_json_kind(view) : "nothing");
        goto done;
    }
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(view, "resourceType");
    if (r && (!cJSON_IsString(r) || strcmp(r->valuestring, "ViewDefinition") != 0))
        fail(&vc, "/resourceType", "resourceType must be \"ViewDefinition\"");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(view, "resource");
    if (!res)
        fail(&vc, "/resource",
             "a ViewDefinition needs \"resource\", the FHIR resource type it "
             "flattens (e.g. \"Patient\")");
    else if (!cJSON_IsString(res) || !f2c_fm_is_resource(res->valuestring))
        fail(&vc, "/resource", "resource must name a FHIR R4 resource type (e.g. \"Patient\")");
    else
        rt = res->valuestring;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(view, "name");
    if (nm) {
        /* The table names' rule (f2c_table_name_check: length, characters) plus a leading
         * letter (a SQL name): the name becomes the entity's folder and a SQL table name. */
        if (cJSON_IsString(nm) && f2c_table_name_check(nm->valuestring) == F2C_NAME_TOO_LONG)
            fail(&vc, "/name",
                 "name \"%.40s...\" is longer than %d characters (it names the table and its "
                 "folder)",
                 nm->valuestring, F2C_TABLE_NAME_MAX);
        else if (!cJSON_IsString(nm) || !sql_name(nm->valuestring) ||
                 f2c_table_name_check(nm->valuestring) != F2C_NAME_OK)
            fail(&vc, "/name",
                 "name must be a SQL name ^[A-Za-z][A-Za-z0-9_]*$ (it names the "
                 "table)");
        else
            name = nm->valuestring;
    } else if (!default_name) {
        fail(&vc, "/name", "a ViewDefinition needs a \"name\" (it names the table)");
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(view, "status");
    if (st && !cJSON_IsString(st)) fail(&vc, "/status", "status must be a string");

    vc.ctx_type = rt;
    vc.chain_type = rt;
    load_constants(&vc, cJSON_GetObjectItemCaseSensitive(view, "constant"));
    vc.names = calloc(vc.nconsts + 2, sizeof *vc.names);
    if (!vc.names) {
        vc.oom = 1;
        goto done;
    }
    for (size_t i = 0; i < vc.nconsts; i++)
        vc.names[i] = vc.consts[i].name;
    vc.names[vc.nconsts] = F2C_PLAN_ROWINDEX;

    s = f2c_plan_select_new();
    if (!s) {
        vc.oom = 1;
        goto done;
    }
    const cJSON *wh = cJSON_GetObjectItemCaseSensitive(view, "where");
    if (wh && want_array(&vc, wh, "where", 0)) {
        long i = 0;
        for (const cJSON *w = wh->child; w; w = w->next, i++) {
            size_t m = push(&vc, "where", i);
            const cJSON *p = cJSON_IsObject(w) ? cJSON_GetObjectItemCaseSensitive(w, "path") : NULL;
            if (!cJSON_IsString(p)) {
                fail(&vc, NULL, "a where element needs a path (a FHIRPath expression)");
            } else {
                static const char *const keys[] = {"path", "description", NULL};
                check_keys(&vc, w, "where", keys);
                f2c_fp_expr *e = compile_path(&vc, "path", "where", p->valuestring);
                if (e && f2c_plan_select_add_where(s, e) != F2C_OK) vc.oom = 1;
            }
            pop(&vc, m);
        }
    }
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(view, "select");
    if (!sel) {
        fail(&vc, "/select", "a ViewDefinition needs \"select\" (its columns)");
    } else if (want_array(&vc, sel, "select", 1)) {
        long i = 0;
        size_t tagged_factors = 0;
        for (const cJSON *c = sel->child; c; c = c->next, i++) {
            size_t m = push(&vc, "select", i);
            f2c_plan_select *child = NULL;
            size_t before = vc.ntagged;
            compile_select(&vc, c, &child);
            tagged_factors += vc.ntagged > before;
            if (child && f2c_plan_select_add_child(s, child, 0) != F2C_OK) vc.oom = 1;
            pop(&vc, m);
        }
        size_t m = push(&vc, "select", -1);
        check_tagged_factors(&vc, tagged_factors);
        pop(&vc, m);
        if (vc.ncols == 0 && !vc.bad) fail(&vc, "/select", "the view has no columns");
    }
done:;
    f2c_status rc = vc.oom ? F2C_ENOMEM : vc.bad ? F2C_ECONFIG : F2C_OK;
    if (rc == F2C_OK) {
        int oom = 0;
        table->view = 1;
        table->name = dup_or_null(name, &oom);
        /* The entity is the view's name (SQL on FHIR: a view is a table of that name). */
        table->entity = dup_or_null(name, &oom);
        table->resource_type = dup_or_null(rt, &oom);
        table->file = dup_or_null(file ? file : "", &oom);
        table->columns = calloc(vc.ncols, sizeof *table->columns);
        if (!table->entity || !table->columns) oom = 1;
        for (size_t i = 0; i < vc.ncols && !oom; i++) {
            f2c_column *c = &table->columns[i];
            c->name = vc.cols[i].name;
            c->type = vc.cols[i].type;
            c->precision = vc.cols[i].precision;
            c->scale = vc.cols[i].scale;
            c->fhir_expression = vc.cols[i].path;
            c->origin = vc.cols[i].origin;
            c->path = vc.cols[i].steps; /* the plan's fast path points here */
            c->npath = vc.cols[i].nsteps;
            vc.cols[i].name = vc.cols[i].path = vc.cols[i].origin = NULL;
            vc.cols[i].steps = NULL;
            vc.cols[i].nsteps = 0;
            table->ncolumns++;
        }
        if (oom) {
            f2c_table_clear(table);
            rc = F2C_ENOMEM;
        }
    }
    if (rc == F2C_ENOMEM) {
        f2c_error e;
        f2c_error_set(&e, F2C_ENOMEM, file, 0, 0, NULL, "out of memory compiling the view");
        f2c_diags_add(diags, &e);
    }
    if (rc == F2C_OK) {
        *root = s;
    } else {
        f2c_plan_select_free(s);
    }
    vcomp_free(&vc);
    return rc;
}

/* ---- assembling plans --------------------------------------------------------------------- */

typedef struct compiled {
    f2c_table t;
    f2c_plan_select *root;
} compiled;

static int compiled_cmp(const void *a, const void *b)
{
    return strcmp(((const compiled *)a)->t.name, ((const compiled *)b)->t.name);
}

/* Moves n compiled views (sorted here) into *ts and a plan; frees them on failure. */
static f2c_status assemble(compiled *cv, size_t n, f2c_tableset *ts, f2c_plan **plan,
                           f2c_error *err)
{
    qsort(cv, n, sizeof *cv, compiled_cmp);
    memset(ts, 0, sizeof *ts);
    *plan = NULL;
    ts->tables = calloc(n ? n : 1, sizeof *ts->tables);
    if (!ts->tables) {
        for (size_t i = 0; i < n; i++) {
            f2c_table_clear(&cv[i].t);
            f2c_plan_select_free(cv[i].root);
        }
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        ts->tables[ts->count++] = cv[i].t;
    f2c_status st = f2c_plan_new(ts, plan);
    if (st == F2C_OK) f2c_plan_set_spec_errors(*plan, 1);
    size_t i = 0;
    for (; i < n && st == F2C_OK; i++)
        st = f2c_plan_set_table(*plan, i, cv[i].root, err);
    if (st == F2C_ENOMEM) f2c_error_set(err, st, NULL, 0, 0, NULL, "out of memory");
    if (st != F2C_OK) {
        for (; i < n; i++)
            f2c_plan_select_free(cv[i].root);
        f2c_plan_free(*plan);
        *plan = NULL;
        f2c_tableset_free(ts);
    }
    return st;
}

f2c_status f2c_view_plan_one(f2c_table *table, f2c_plan_select *root, f2c_tableset *ts,
                             f2c_plan **plan, f2c_error *err)
{
    compiled one = {*table, root};
    memset(table, 0, sizeof *table);
    return assemble(&one, 1, ts, plan, err);
}

static int has_json_suffix(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && strcmp(s + n - 5, ".json") == 0;
}

static int strptrcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a copy of s to a string list. */
static int add_str(char ***list, size_t *n, const char *s)
{
    char **d = realloc(*list, (*n + 1) * sizeof *d);
    if (!d) return -1;
    *list = d;
    d[*n] = strdup(s);
    if (!d[*n]) return -1;
    ++*n;
    return 0;
}

static void diag(f2c_diags *diags, f2c_status s, const char *file, long line, long col,
                 const char *msg, const char *detail)
{
    f2c_error e;
    f2c_error_set(&e, s, file, line, col, NULL, "%s%s", msg, detail ? detail : "");
    f2c_diags_add(diags, &e);
}

/* Lists the view files named by paths (folders expanded); 0 or -1 (reported). */
static int list_files(const char *const *paths, size_t n, char ***files, size_t *nfiles,
                      f2c_diags *diags)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            diag(diags, F2C_EIO, paths[i], 0, 0,
                 "cannot read the ViewDefinition: ", strerror(errno));
            bad = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (add_str(files, nfiles, paths[i]) != 0) return -1;
            continue;
        }
        DIR *d = opendir(paths[i]);
        if (!d) {
            diag(diags, F2C_EIO, paths[i], 0, 0, "cannot read the folder: ", strerror(errno));
            bad = 1;
            continue;
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *de;
        int oom = 0;
        while ((de = readdir(d)) != NULL)
            if (de->d_name[0] != '.' && has_json_suffix(de->d_name) &&
                add_str(&names, &nn, de->d_name) != 0)
                oom = 1;
        closedir(d);
        if (nn > 1) qsort(names, nn, sizeof *names, strptrcmp);
        const char *dir = paths[i];
        size_t dl = strlen(dir);
        for (size_t k = 0; k < nn; k++) {
            char *full = malloc(dl + strlen(names[k]) + 2);
            if (full) {
                sprintf(full, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[k]);
                if (add_str(files, nfiles, full) != 0) oom = 1;
            } else {
                oom = 1;
            }
            free(full);
            free(names[k]);
        }
        free(names);
        if (oom) return -1;
        if (nn == 0) {
            diag(diags, F2C_ECONFIG, paths[i], 0, 0, "folder has no *.json ViewDefinitions", NULL);
            bad = 1;
        }
    }
    return bad ? 1 : 0;
}

f2c_status f2c_view_load(const char *const *paths, size_t n, f2c_tableset *ts, f2c_plan **plan,
                         f2c_diags *diags)
{
    memset(ts, 0, sizeof *ts);
    *plan = NULL;
    char **files = NULL;
    size_t nfiles = 0;
    compiled *cv = NULL;
    size_t ncv = 0;
    f2c_status rc = F2C_OK;
    int lr = list_files(paths, n, &files, &nfiles, diags);
    if (lr < 0) rc = F2C_ENOMEM;
    if (lr > 0) rc = F2C_ECONFIG;
    if (rc == F2C_OK && nfiles == 0) {
        diag(diags, F2C_ECONFIG, "", 0, 0, "no ViewDefinitions given", NULL);
        rc = F2C_ECONFIG;
    }
    if (rc == F2C_OK) {
        cv = calloc(nfiles, sizeof *cv);
        if (!cv) rc = F2C_ENOMEM;
    }
    f2c_doc *doc = rc == F2C_OK ? f2c_doc_new() : NULL;
    if (rc == F2C_OK && !doc) rc = F2C_ENOMEM;
    for (size_t i = 0; rc != F2C_ENOMEM && doc && i < nfiles; i++) {
        size_t len = 0;
        char *text = f2c_fs_read(files[i], 0, &len);
        if (!text) {
            int en = errno;
            if (en == ENOMEM) {
                rc = F2C_ENOMEM;
                break;
            }
            diag(diags, F2C_EIO, files[i], 0, 0, "cannot read the ViewDefinition: ", strerror(en));
            rc = F2C_ECONFIG;
            continue;
        }
        f2c_error e;
        f2c_error_clear(&e);
        f2c_status ps = f2c_doc_parse(doc, text, len, &e);
        if (ps == F2C_ENOMEM) {
            free(text);
            rc = F2C_ENOMEM;
            break;
        }
        if (ps != F2C_OK) {
            /* err->column is a byte offset: turn it into line and column */
            long line = 1, col = 1;
            for (long k = 0; k + 1 < e.column && (size_t)k < len; k++) {
                if (text[k] == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            diag(diags, F2C_ECONFIG, files[i], line, col, "malformed JSON: ", e.message);
            free(text);
            rc = F2C_ECONFIG;
            continue;
        }
        f2c_status cs = f2c_view_compile(doc, f2c_doc_root(doc), files[i], "", NULL, &cv[ncv].t,
                                         &cv[ncv].root, diags);
        free(text); /* the compiled view keeps nothing of the document */
        if (cs == F2C_ENOMEM) {
            rc = F2C_ENOMEM;
            break;
        }
        if (cs != F2C_OK) {
            rc = F2C_ECONFIG;
            continue;
        }
        /* Case-insensitive, as table names: each view's name is its entity's folder, and two
         * folders differing only in case are one on case-insensitive file systems. */
        for (size_t k = 0; k < ncv; k++)
            if (f2c_table_name_same(cv[k].t.name, cv[ncv].t.name)) {
                f2c_error e2;
                if (!strcmp(cv[k].t.name, cv[ncv].t.name))
                    f2c_error_set(&e2, F2C_ECONFIG, files[i], 0, 0, "/name",
                                  "view name \"%s\" is also the name of %s (each view writes "
                                  "the entity of that name)",
                                  cv[ncv].t.name, cv[k].t.file);
                else
                    f2c_error_set(&e2, F2C_ECONFIG, files[i], 0, 0, "/name",
                                  "view name \"%s\" differs only in case from \"%s\" of %s, "
                                  "and view names become folder names",
                                  cv[ncv].t.name, cv[k].t.name, cv[k].t.file);
                f2c_diags_add(diags, &e2);
                rc = F2C_ECONFIG;
            }
        ncv++;
    }
    f2c_doc_free(doc);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    if (rc == F2C_OK) {
        f2c_error e;
        f2c_error_clear(&e);
        rc = assemble(cv, ncv, ts, plan, &e);
        if (rc != F2C_OK) f2c_diags_add(diags, &e);
    } else {
        for (size_t i = 0; i < ncv; i++) {
            f2c_table_clear(&cv[i].t);
            f2c_plan_select_free(cv[i].root);
        }
        if (rc == F2C_ENOMEM) diag(diags, F2C_ENOMEM, "", 0, 0, "out of memory", NULL);
    }
    free(cv);
    return rc;
}
