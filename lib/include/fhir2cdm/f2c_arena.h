/*
 * f2c_arena: a bump allocator for things that all die together (FHIRPath expressions and
 * evaluations; a parsed JSON document's nodes and strings, f2c_json.h).
 *
 * Ownership: the arena owns every block it hands out; f2c_arena_reset takes them all back at
 * once (the memory is kept for reuse), f2c_arena_free releases it.  Not thread-safe: one arena
 * per owner (a context, a document), used by one thread at a time.
 */
#ifndef FHIR2CDM_F2C_ARENA_H
#define FHIR2CDM_F2C_ARENA_H

#include <stddef.h>

typedef struct f2c_arena_chunk f2c_arena_chunk;

/* Zero-initialise (f2c_arena a = {0}).  Chunks are kept across resets, so a steady state does
 * not call malloc. */
typedef struct f2c_arena {
    f2c_arena_chunk *first, *cur;
    /* Bytes handed out since the last reset (after alignment), and the most that may be
     * (0: unlimited).  A request beyond it returns NULL and sets `over`: the FHIRPath evaluator
     * then reports its byte budget (f2c_fp_ctx_set_limits) instead of running out of memory. */
    size_t total, limit;
    int over;
} f2c_arena;

/* n bytes (0 counts as 1), 16-byte aligned, valid until the next reset or free; NULL when out
 * of memory or beyond the limit (then `over` is set). */
void *f2c_arena_alloc(f2c_arena *a, size_t n);

/* A NUL-terminated copy of s[0..n) in the arena; NULL as f2c_arena_alloc. */
char *f2c_arena_strndup(f2c_arena *a, const char *s, size_t n);

/* Takes every block back (they stay allocated for reuse); `total` and `over` are cleared. */
void f2c_arena_reset(f2c_arena *a);

/* As reset, and releases every chunk after the leading ones whose capacities add up to at most
 * `keep` bytes (so one huge input does not pin its memory for the rest of the run). */
void f2c_arena_trim(f2c_arena *a, size_t keep);

/* Releases everything; a is empty (reusable) afterwards.  NULL-safe for an unused arena. */
void f2c_arena_free(f2c_arena *a);

#endif
