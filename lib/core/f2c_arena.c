/*
 * f2c_arena: see f2c_arena.h.  The bump allocator behind FHIRPath expressions and evaluation
 * contexts, and behind parsed JSON documents (f2c_json.c).
 *
 * Why: an evaluation creates many short-lived collections and strings that all die together
 * when the next evaluation starts.  Allocating them from chunks that are rewound (not freed)
 * between evaluations makes the steady state malloc-free and makes "free everything" one
 * pointer reset.  Chunks grow geometrically; a request larger than the default chunk size gets
 * a chunk of its own size.  Single-threaded by design: each context owns its arena.  The arena
 * also counts the bytes it hands out between resets and refuses requests beyond a limit: that is
 * the byte budget of an evaluation (f2c_fp_ctx_set_limits), enforced where memory is taken, so
 * no string-building or collection-growing path can bypass it.
 */
#include "fhir2cdm/f2c_arena.h"

#include <stdlib.h>
#include <string.h>

#define F2C_ARENA_ALIGN 16
#define F2C_ARENA_CHUNK 16384

struct f2c_arena_chunk {
    f2c_arena_chunk *next;
    size_t cap, used;
    _Alignas(F2C_ARENA_ALIGN) unsigned char data[];
};

static f2c_arena_chunk *chunk_new(size_t cap)
{
    f2c_arena_chunk *c = malloc(sizeof(f2c_arena_chunk) + cap);
    if (!c) return NULL;
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

void *f2c_arena_alloc(f2c_arena *a, size_t n)
{
    if (n == 0) n = 1;
    if (n > (size_t)-1 / 2) return NULL;
    n = (n + F2C_ARENA_ALIGN - 1) & ~(size_t)(F2C_ARENA_ALIGN - 1);
    if (a->limit && n > a->limit - a->total) {
        a->over = 1;
        return NULL;
    }
    a->total += n;
    f2c_arena_chunk *c = a->cur;
    while (c) {
        if (c->cap - c->used >= n) {
            void *p = c->data + c->used;
            c->used += n;
            a->cur = c;
            return p;
        }
        if (!c->next) break;
        /* A rewound later chunk: start using it from scratch. */
        c = c->next;
        c->used = 0;
    }
    size_t cap = F2C_ARENA_CHUNK;
    if (c && c->cap * 2 > cap) cap = c->cap * 2 > 1048576 ? 1048576 : c->cap * 2;
    if (n > cap) cap = n;
    f2c_arena_chunk *nc = chunk_new(cap);
    if (!nc) return NULL;
    if (c) {
        nc->next = c->next;
        c->next = nc;
    } else {
        a->first = nc;
    }
    nc->used = n;
    a->cur = nc;
    return nc->data;
}

void f2c_arena_reset(f2c_arena *a)
{
    if (a->first) a->first->used = 0;
    a->cur = a->first;
    a->total = 0;
    a->over = 0;
}

void f2c_arena_trim(f2c_arena *a, size_t keep)
{
    f2c_arena_chunk **at = &a->first;
    for (size_t have = 0; *at && have + (*at)->cap <= keep; at = &(*at)->next)
        have += (*at)->cap;
    for (f2c_arena_chunk *c = *at; c;) {
        f2c_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    *at = NULL;
    f2c_arena_reset(a);
}

void f2c_arena_free(f2c_arena *a)
{
    f2c_arena_chunk *c = a->first;
    while (c) {
        f2c_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->first = a->cur = NULL;
    a->total = 0;
    a->over = 0;
}

char *f2c_arena_strndup(f2c_arena *a, const char *s, size_t n)
{
    char *p = f2c_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
