/*
 * f2c_parquet_dict: the dictionary of a BYTE_ARRAY column chunk (lib/cdm/f2c_parquet_int.h).
 * Entries are kept PLAIN-encoded back to back, so the dictionary page body (parquet.thrift
 * PageType DICTIONARY_PAGE, DictionaryPageHeader field 2 encoding PLAIN) is the buffer itself;
 * lookups go through an open-addressing table (linear probing, load <= 1/2) of XXH3 64-bit
 * hashes, so adding a value costs no allocation beyond geometric growth.
 */
#include "f2c_parquet_int.h"

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

int pq_bytes_grow(pq_bytes *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len) return -1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

int pq_bytes_put(pq_bytes *b, const void *p, size_t n)
{
    if (pq_bytes_reserve(b, n) != 0) return -1;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

void pq_bytes_free(pq_bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* A slot: entry number + 1 in the low 32 bits (0: empty), the hash's high 32 bits above, so a
 * probe compares hashes without touching the entry arrays. */
static inline uint64_t slot_of(uint64_t h, size_t i)
{
    return (h & 0xFFFFFFFF00000000ull) | (i + 1);
}

/* A zeroed slot table whose pages are already writable.  A large calloc is fresh mmap'd memory:
 * the first probe (a read) would map each page to the shared zero page and the insert that
 * follows take a write-protect fault, whose TLB flush interrupts every other core running the
 * process -- with two threads about 6% of a Parquet run went to those interrupts
 * (docs/benchmarks.md).  One volatile write per page faults each in once, writable (a memset
 * after malloc would be turned back into calloc by the compiler). */
static uint64_t *slots_new(size_t nslots)
{
    if (nslots > SIZE_MAX / sizeof(uint64_t)) return NULL;
    volatile uint8_t *p = calloc(nslots, sizeof(uint64_t));
    if (!p) return NULL;
    for (size_t i = 0; i < nslots * sizeof(uint64_t); i += 4096)
        p[i] = 0;
    return (uint64_t *)p;
}

static int dict_rehash(pq_dict *d, size_t nslots)
{
    uint64_t *slots = slots_new(nslots);
    if (!slots) return -1;
    for (size_t i = 0; i < d->n; i++) {
        size_t s = (size_t)d->hash[i] & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = slot_of(d->hash[i], i);
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

static int dict_room(pq_dict *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        uint32_t *off = realloc(d->off, cap * sizeof *off);
        if (!off) return -1;
        d->off = off;
        uint64_t *hash = realloc(d->hash, cap * sizeof *hash);
        if (!hash) return -1;
        d->hash = hash;
        d->cap = cap;
    }
    if ((d->n + 1) * 2 > d->nslots) return dict_rehash(d, d->nslots ? d->nslots * 2 : 1024);
    return 0;
}

static int dict_equal(const pq_dict *d, uint32_t i, const char *s, size_t len)
{
    const uint8_t *e = d->data.p + d->off[i];
    uint32_t elen =
        (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
    return elen == len && (len == 0 || memcmp(e + 4, s, len) == 0);
}

int64_t pq_dict_find_or_add(pq_dict *d, const char *s, size_t len, int *added)
{
    uint64_t h = XXH3_64bits(s, len);
    *added = 0;
    if (d->nslots) {
        size_t k = (size_t)h & (d->nslots - 1);
        for (uint64_t e; (e = d->slots[k]) != 0; k = (k + 1) & (d->nslots - 1))
            if ((e >> 32) == (h >> 32) && dict_equal(d, (uint32_t)e - 1, s, len))
                return (uint32_t)e - 1;
    }
    if (len > UINT32_MAX - 4 || d->data.len + len + 4 > UINT32_MAX) return -1;
    if (dict_room(d) != 0 || pq_bytes_reserve(&d->data, len + 4) != 0) return -1;
    size_t k = (size_t)h & (d->nslots - 1);
    while (d->slots[k])
        k = (k + 1) & (d->nslots - 1);
    d->slots[k] = slot_of(h, d->n);
    d->off[d->n] = (uint32_t)d->data.len;
    d->hash[d->n] = h;
    uint8_t *p = d->data.p + d->data.len;
    p[0] = (uint8_t)len, p[1] = (uint8_t)(len >> 8), p[2] = (uint8_t)(len >> 16);
    p[3] = (uint8_t)(len >> 24);
    if (len) memcpy(p + 4, s, len);
    d->data.len += len + 4;
    *added = 1;
    return (int64_t)d->n++;
}

void pq_dict_clear(pq_dict *d)
{
    if (d->nslots) memset(d->slots, 0, d->nslots * sizeof *d->slots);
    d->n = 0;
    d->data.len = 0;
}

void pq_dict_free(pq_dict *d)
{
    pq_bytes_free(&d->data);
    free(d->off);
    free(d->hash);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
