/*
 * gen_config_util: small pieces every generate-config step uses — diagnostics, allocation,
 * the original's CamelCase rule, closest-name suggestions and the gc_config containers.
 *
 * Suggestions use the optimal-string-alignment edit distance (Levenshtein plus adjacent
 * transpositions) with letter case ignored, because the misspellings people make in element
 * names are mostly a swapped pair ("nmae"), a wrong case ("multiplebirth") or one letter.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen_config_int.h"

_Noreturn void gc_oom(void)
{
    fputs("fhir2cdm: out of memory\n", stderr);
    exit(1);
}

void *gc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) gc_oom();
    return p;
}

void *gc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) gc_oom();
    return q;
}

char *gc_xstrdup(const char *s)
{
    return gc_xstrndup(s, strlen(s));
}

char *gc_xstrndup(const char *s, size_t n)
{
    char *p = gc_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *vxprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) gc_oom();
    char *p = gc_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

void gc_puts(f2c_buf *b, const char *s)
{
    if (f2c_buf_appends(b, s) != 0) gc_oom();
}

void gc_putc(f2c_buf *b, char c)
{
    if (f2c_buf_appendc(b, c) != 0) gc_oom();
}

void gc_bprintf(f2c_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vxprintf(fmt, ap);
    va_end(ap);
    gc_puts(b, s);
    free(s);
}

char *gc_xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vxprintf(fmt, ap);
    va_end(ap);
    return p;
}

static void add_line(gc_diags *d, gc_loc loc, const char *fmt, va_list ap)
{
    char *msg = vxprintf(fmt, ap);
    char *line;
    if (loc.file && loc.line > 0)
        line = gc_xprintf("%s:%ld:%ld: %s", loc.file, loc.line, loc.col, msg);
    else if (loc.file)
        line = gc_xprintf("%s: %s", loc.file, msg);
    else
        line = gc_xstrdup(msg);
    free(msg);
    if (d->count == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->msgs = gc_xrealloc(d->msgs, d->cap * sizeof *d->msgs);
    }
    d->msgs[d->count++] = line;
}

void gc_diag(gc_diags *d, gc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(d, loc, fmt, ap);
    va_end(ap);
}

void gc_note(gc_diags *d, gc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(d, loc, fmt, ap);
    va_end(ap);
    d->notes++;
}

void gc_diags_print(const gc_diags *d, const char *cmd)
{
    for (size_t i = 0; i < d->count; i++)
        fprintf(stderr, "%s\n", d->msgs[i]);
    size_t n = d->count - d->notes;
    if (d->count)
        fprintf(stderr, "fhir2cdm %s: %zu error%s; nothing written\n", cmd, n, n == 1 ? "" : "s");
}

void gc_diags_free(gc_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof *d);
}

char *gc_camel(const char *dotted)
{
    char *out = gc_xstrdup(dotted);
    size_t o = 0;
    int start = 1;
    for (const char *s = dotted; *s; s++) {
        if (*s == '.') {
            start = 1;
            continue;
        }
        /* JavaScript's toUpperCase on the first UTF-16 unit; FHIR element names are ASCII. */
        out[o++] = start ? (char)toupper((unsigned char)*s) : *s;
        start = 0;
    }
    out[o] = '\0';
    return out;
}

/* Optimal string alignment distance, case-insensitive (ASCII). */
static size_t osa_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *d = gc_xmalloc((la + 1) * (lb + 1) * sizeof *d);
#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++)
        D(i, 0) = i;
    for (size_t j = 0; j <= lb; j++)
        D(0, j) = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca != cb;
            size_t v = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < v) v = D(i, j - 1) + 1;
            if (D(i - 1, j - 1) + cost < v) v = D(i - 1, j - 1) + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && D(i - 2, j - 2) + 1 < v)
                v = D(i - 2, j - 2) + 1;
            D(i, j) = v;
        }
    }
    size_t r = D(la, lb);
#undef D
    free(d);
    return r;
}

typedef struct cand {
    size_t dist;
    const char *name;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return strcmp(x->name, y->name);
}

size_t gc_suggest(const char *word, const char *const *cands, size_t n, f2c_buf *out)
{
    size_t len = strlen(word);
    /* Close enough to be a plausible misspelling: 2 edits, or a third of a long name. */
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    cand *c = gc_xmalloc((n ? n : 1) * sizeof *c);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t dist = osa_distance(word, cands[i]);
        if (dist <= limit) c[m++] = (cand){dist, cands[i]};
    }
    qsort(c, m, sizeof *c, cmp_cand);
    size_t k = m < 3 ? m : 3;
    for (size_t i = 0; i < k; i++) {
        if (i) gc_puts(out, ", ");
        gc_puts(out, c[i].name);
    }
    free(c);
    return k;
}

gc_table *gc_add_table(gc_config *c, gc_diags *d, int is_group, const char *name,
                       const char *resource_type, const char *unroll_path, gc_loc loc)
{
    char *file =
        is_group ? gc_xprintf("PropertiesGroup/%s.json", name) : gc_xprintf("%s.json", name);
    /* One file per table: two definitions of one file (or of two names that differ only in
     * case, which the loader refuses and a case-insensitive file system would merge). */
    for (size_t i = 0; i < c->count; i++) {
        gc_table *o = &c->tables[i];
        if (o->is_group != is_group || strcasecmp(o->name, name) != 0) continue;
        if (o->loc.file && o->loc.line)
            gc_diag(d, loc, "%s '%s' is generated twice (first at %s:%ld:%ld)",
                    is_group ? "property group" : "table", name, o->loc.file, o->loc.line,
                    o->loc.col);
        else
            gc_diag(d, loc, "%s '%s' is generated twice", is_group ? "property group" : "table",
                    name);
        free(file);
        return NULL;
    }
    if (c->count == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 32;
        c->tables = gc_xrealloc(c->tables, c->cap * sizeof *c->tables);
    }
    gc_table *t = &c->tables[c->count++];
    memset(t, 0, sizeof *t);
    t->is_group = is_group;
    t->name = gc_xstrdup(name);
    t->resource_type = resource_type ? gc_xstrdup(resource_type) : NULL;
    t->unroll_path = unroll_path ? gc_xstrdup(unroll_path) : NULL;
    t->file = file;
    t->loc = loc;
    return t;
}

gc_prop *gc_add_prop(gc_table *t, gc_prop_kind kind, gc_loc loc)
{
    if (t->nprops == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->props = gc_xrealloc(t->props, t->cap * sizeof *t->props);
    }
    gc_prop *p = &t->props[t->nprops++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->loc = loc;
    return p;
}

gc_table *gc_find_table(const gc_config *c, const char *file)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->tables[i].file, file) == 0) return &c->tables[i];
    return NULL;
}

void gc_config_free(gc_config *c)
{
    for (size_t i = 0; i < c->count; i++) {
        gc_table *t = &c->tables[i];
        for (size_t k = 0; k < t->nprops; k++) {
            gc_prop *p = &t->props[k];
            free(p->path);
            free(p->name);
            free(p->type);
            free(p->group);
            free(p->expr);
        }
        free(t->props);
        free(t->name);
        free(t->resource_type);
        free(t->unroll_path);
        free(t->file);
    }
    free(c->tables);
    memset(c, 0, sizeof *c);
}
