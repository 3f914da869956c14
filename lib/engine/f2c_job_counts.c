/*
 * f2c_job_counts: what a chunk, a file and the job count (see f2c_job_int.h).
 *
 * Why its own file: both sides of the job count -- workers into their chunk, the commit into the
 * file and the job -- so the arithmetic lives below both, once.  Counts are plain sums, so adding
 * chunks' counts in input order gives what one thread counting line by line gives; the list of
 * types without a table keeps first-seen order for the same reason.
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
    for (size_t i = 0; i < c->nuntabled; i++)
        free(c->untabled[i].type);
    free(c->untabled);
    memset(c, 0, sizeof *c);
}

void f2c_counts_reset(counts *c)
{
    memset(c->rows, 0, c->nt * sizeof *c->rows);
    memset(c->tablew, 0, c->nt * sizeof *c->tablew);
    memset(c->colw, 0, c->nc * sizeof *c->colw);
    memset(c->colsw, 0, c->nc * sizeof *c->colsw);
    for (size_t i = 0; i < c->nuntabled; i++)
        free(c->untabled[i].type);
    c->nuntabled = 0;
    c->lines = c->resources = c->rejected = c->warnings = c->no_id = c->eval_errors = 0;
}

void f2c_counts_untabled(counts *c, const char *rt, unsigned long long n)
{
    for (size_t i = 0; i < c->nuntabled; i++)
        if (strcmp(c->untabled[i].type, rt) == 0) {
            c->untabled[i].n += n;
            return;
        }
    typecount *u = realloc(c->untabled, (c->nuntabled + 1) * sizeof *u);
    if (!u) return;
    c->untabled = u;
    u[c->nuntabled].type = strdup(rt);
    if (!u[c->nuntabled].type) return;
    u[c->nuntabled++].n = n;
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
}
