/*
 * tablecfg_dump: loads a table configuration folder and prints the table model in a stable
 * text form, or every diagnostic (one per line, f2c_error_format) and exits 2.
 *
 * It exists so the loader can be tested by comparing whole outputs against golden files: one
 * line per fact, nothing that depends on the machine (paths are printed as given), every field
 * of f2c_table and f2c_column shown, so any change in the model shows up as a diff.
 *
 *   tablecfg_dump <dir> [max_depth]
 *
 * Exit status: 0 loaded, 1 usage, 2 configuration errors, 3 out of memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fhir2cdm/f2c_tablecfg.h"

/* Prints s double-quoted with \" \\ and control characters escaped. */
static void print_quoted(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F)
            printf("\\x%02X", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_table(const f2c_table *t)
{
    printf("table %s\n", t->name);
    printf("  entity %s\n", t->entity);
    printf("  resourceType %s\n", t->resource_type);
    if (t->unroll_path) {
        printf("  unroll %s [", t->unroll_path);
        for (size_t i = 0; i < t->nunroll; i++)
            printf("%s%s", i ? " " : "", t->unroll[i]);
        printf("]\n");
    } else {
        printf("  unroll -\n");
    }
    printf("  file %s\n", t->file);
    size_t nres = f2c_table_reserved_count(t);
    printf("  width %zu (reserved %zu)\n", f2c_table_width(t), nres);
    for (size_t i = 0; i < f2c_table_width(t); i++) {
        printf("  col %zu %s %s", i, f2c_table_column_name(t, i),
               f2c_type_name(f2c_table_column_type(t, i)));
        if (i < nres) {
            printf(" reserved\n");
            continue;
        }
        const f2c_column *c = &t->columns[i - nres];
        printf(" path=");
        if (c->npath == 0) printf("-");
        for (size_t k = 0; k < c->npath; k++) {
            printf("%s%s", k ? "." : "", c->path[k].name);
            if (c->path[k].alt) printf("(%s)", c->path[k].alt);
        }
        if (c->fhir_expression) {
            printf(" expr=");
            print_quoted(c->fhir_expression);
        }
        printf(" origin=%s\n", c->origin);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s <config-dir> [max_depth]\n", argv[0]);
        return 1;
    }
    int depth = F2C_DEFAULT_MAX_DEPTH;
    if (argc == 3) {
        char *end;
        errno = 0;
        long v = strtol(argv[2], &end, 10);
        if (errno || end == argv[2] || *end || v < -1000000 || v > 1000000) {
            fprintf(stderr, "%s: max_depth must be an integer: %s\n", argv[0], argv[2]);
            return 1;
        }
        depth = (int)v;
    }
    f2c_tableset set;
    f2c_diags diags = {0};
    f2c_status st = f2c_tablecfg_load(argv[1], depth, &set, &diags);
    if (st != F2C_OK) {
        char line[2048];
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "%s\n", f2c_error_format(&diags.items[i], line, sizeof line));
        if (st == F2C_ENOMEM) fprintf(stderr, "%s: out of memory\n", argv[0]);
        f2c_diags_free(&diags);
        return st == F2C_ENOMEM ? 3 : 2;
    }
    printf("tables %zu\n", set.count);
    for (size_t i = 0; i < set.count; i++) {
        print_table(&set.tables[i]);
        if (f2c_tableset_find(&set, set.tables[i].name) != (long)i) {
            fprintf(stderr, "f2c_tableset_find(%s) is wrong\n", set.tables[i].name);
            f2c_tableset_free(&set);
            return 4;
        }
    }
    if (f2c_tableset_find(&set, "NoSuchTable") != -1) {
        fprintf(stderr, "f2c_tableset_find found a table that does not exist\n");
        f2c_tableset_free(&set);
        return 4;
    }
    f2c_tableset_free(&set);
    f2c_diags_free(&diags);
    return 0;
}
