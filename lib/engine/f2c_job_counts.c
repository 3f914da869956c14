/*
 * f2c_job_counts: what a chunk, a file and the job count (see f2c_job_int.h).
 *
 * Why its own file: both sides of the job count -- workers into their chunk, the commit into the
 * file and the job -- so the arithmetic lives below both, once.  Counts are plain sums, so adding
 * chunks' counts in input order gives what one thread counting line by line gives; the list of
 * types without a table (and of lines skipped unread) keeps first-seen order for the same
 * reason.
 */
#include <stdlib.h>
#include <string.h>

#include "f2c_job_int.h"

int f2c_counts_init(size_t nt, size_t nc, counts *c)
{
    memset(c, 0, sizeof *c);
    c->nt = nt ? nt : 1;
    c->nc = nc ? nc : 1;
    c->rows = calloc(c->nt, sizeof *c->rows);
    c->tablew = calloc(c->nt, sizeof *c->tablew);
    c->colw = calloc(c->nc, sizeof *c->colw);
    c->colsw = calloc(c->nc, sizeof *c->colsw);
    return c->rows && c->tablew && c->colw && c->colsw ? 0 : -1;
}

void f2c_counts_free(counts *c)
{
    free(c->rows);
    free(c->tablew);
    free(c->colw);
    free(c->colsw);
    f2c_typelist_free(c->untabled, c->nuntabled);
    f2c_typelist_free(c->skipped, c->nskipped);
    memset(c, 0, sizeof *c);
}

void f2c_counts_reset(counts *c)
{
    memset(c->rows, 0, c->nt * sizeof *c->rows);
    memset(c->tablew, 0, c->nt * sizeof *c->tablew);
    memset(c->colw, 0, c->nc * sizeof *c->colw);
    memset(c->colsw, 0, c->nc * sizeof *c->colsw);
    f2c_typelist_free(c->untabled, c->nuntabled);
    f2c_typelist_free(c->skipped, c->nskipped);
    c->untabled = c->skipped = NULL;
    c->nuntabled = c->nskipped = 0;
    c->lines = c->resources = c->rejected = c->warnings = c->no_id = c->eval_errors = 0;
}

void f2c_typelist_add(typecount **list, size_t *n, const char *rt, unsigned long long k)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i].type, rt) == 0) {
            (*list)[i].n += k;
            return;
        }
    typecount *u = realloc(*list, (*n + 1) * sizeof *u);
    if (!u) return;
    *list = u;
    u[*n].type = strdup(rt);
    if (!u[*n].type) return;
    u[(*n)++].n = k;
}

void f2c_typelist_free(typecount *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].type);
    free(list);
}

void f2c_counts_untabled(counts *c, const char *rt, unsigned long long n)
{
    f2c_typelist_add(&c->untabled, &c->nuntabled, rt, n);
}

void f2c_counts_skipped(counts *c, const char *rt, unsigned long long n)
{
    f2c_typelist_add(&c->skipped, &c->nskipped, rt, n);
}

void f2c_counts_add(counts *to, const counts *from)
{
    for (size_t t = 0; t < to->nt && t < from->nt; t++) {
        to->rows[t] += from->rows[t];
        to->tablew[t] += from->tablew[t];
    }
    for (size_t i = 0; i < to->nc && i < from->nc; i++) {
        to->colw[i] += from->colw[i];
        to->colsw[i] += from->colsw[i];
    }
    to->lines += from->lines;
    to->resources += from->resources;
    to->rejected += from->rejected;
    to->eval_errors += from->eval_errors;
    to->warnings += from->warnings;
    to->no_id += from->no_id;
    for (size_t i = 0; i < from->nuntabled; i++)
        f2c_counts_untabled(to, from->untabled[i].type, from->untabled[i].n);
    for (size_t i = 0; i < from->nskipped; i++)
        f2c_counts_skipped(to, from->skipped[i].type, from->skipped[i].n);
}
