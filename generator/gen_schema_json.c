/*
 * gen_schema_json: `fhir2cdm show-schema --format json`, the schema as one JSON document for
 * scripts and other tools (built with cJSON, so every string is escaped by one JSON writer).
 *
 * Why this shape: one object per table with the same facts the other formats show, in output
 * column order, plus what only a program needs — the raw path steps with their choice-type
 * alternatives and each column's origin — so a consumer never has to re-expand property groups
 * (which is how the original viewer drifted from the transformer).  Document:
 *
 *   {"configFolder", "maxDepth", "tables": [{"name", "entity", "kind": "resource"|"unroll",
 *     "resourceType", "unrollPath" (null), "file", "parent" (null), "join": null | {"kind":
 *     "resource"|"parentPath"|"prefix", "condition", "on": [{"column", "parentColumn", "op":
 *     "="|"startsWith"}]}, "children": [...], "columns": [{"name", "fhirType", "cdmDataType",
 *     "reserved", "description" | "elementPath", "path": [{"name", "alt"}], "fhirExpression",
 *     "origin"}]}]}
 *
 * With -t, "tables" holds only that table.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_tablecfg.h"

#include "gen_schema_int.h"

/* Adds a string member (NULL gives null).  Returns 0, or -1 out of memory. */
static int add_str(cJSON *o, const char *key, const char *v)
{
    return (v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)) ? 0 : -1;
}

static int add_on(cJSON *on, const char *col, const char *pcol, const char *op)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(on, o)) {
        cJSON_Delete(o);
        return -1;
    }
    return add_str(o, "column", col) | add_str(o, "parentColumn", pcol) | add_str(o, "op", op);
}

static int add_join(cJSON *o, const gs_schema *s, const gs_table *t)
{
    if (t->parent < 0 || t->join == GS_JOIN_NONE) return cJSON_AddNullToObject(o, "join") ? 0 : -1;
    cJSON *j = cJSON_AddObjectToObject(o, "join");
    if (!j) return -1;
    static const char *const kinds[] = {"", "resource", "parentPath", "prefix"};
    char *cond = gs_join_text(s, t);
    int rc = cond ? 0 : -1;
    rc |= add_str(j, "kind", kinds[t->join]);
    rc |= add_str(j, "condition", cond);
    free(cond);
    cJSON *on = cJSON_AddArrayToObject(j, "on");
    if (!on) return -1;
    rc |= add_on(on, F2C_COL_RESOURCEID, F2C_COL_RESOURCEID, "=");
    if (t->join == GS_JOIN_PARENTPATH) rc |= add_on(on, F2C_COL_PARENTPATH, F2C_COL_FHIRPATH, "=");
    if (t->join == GS_JOIN_PREFIX)
        rc |= add_on(on, F2C_COL_FHIRPATH, F2C_COL_FHIRPATH, "startsWith");
    return rc;
}

static int add_column(cJSON *cols, const gs_col *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(cols, o)) {
        cJSON_Delete(o);
        return -1;
    }
    int rc = add_str(o, "name", c->name);
    rc |= add_str(o, "fhirType", f2c_type_name(c->type));
    rc |= add_str(o, "cdmDataType", f2c_type_cdm_datatype(c->type));
    rc |= cJSON_AddBoolToObject(o, "reserved", c->col == NULL) ? 0 : -1;
    if (!c->col) return rc | add_str(o, "description", c->element);
    rc |= add_str(o, "elementPath", c->element);
    cJSON *path = cJSON_AddArrayToObject(o, "path");
    if (!path) return -1;
    for (size_t k = 0; k < c->col->npath; k++) {
        cJSON *st = cJSON_CreateObject();
        if (!st || !cJSON_AddItemToArray(path, st)) {
            cJSON_Delete(st);
            return -1;
        }
        rc |= add_str(st, "name", c->col->path[k].name);
        rc |= add_str(st, "alt", c->col->path[k].alt);
    }
    rc |= add_str(o, "fhirExpression", c->col->fhir_expression);
    rc |= add_str(o, "origin", c->origin);
    return rc;
}

static int add_table(cJSON *tables, const gs_schema *s, const gs_table *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(tables, o)) {
        cJSON_Delete(o);
        return -1;
    }
    int rc = add_str(o, "name", t->t->name);
    rc |= add_str(o, "entity", t->t->entity);
    rc |= add_str(o, "kind", gs_kind(t));
    rc |= add_str(o, "resourceType", t->t->resource_type);
    rc |= add_str(o, "unrollPath", t->unroll ? t->t->unroll_path : NULL);
    rc |= add_str(o, "file", t->file);
    rc |= add_str(o, "parent", t->parent >= 0 ? s->tables[t->parent].t->name : NULL);
    rc |= add_join(o, s, t);
    cJSON *ch = cJSON_AddArrayToObject(o, "children");
    if (!ch) return -1;
    for (size_t k = 0; k < t->nchildren; k++) {
        cJSON *n = cJSON_CreateString(s->tables[t->children[k]].t->name);
        if (!n || !cJSON_AddItemToArray(ch, n)) {
            cJSON_Delete(n);
            return -1;
        }
    }
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    if (!cols) return -1;
    for (size_t i = 0; i < t->ncols; i++)
        rc |= add_column(cols, &t->cols[i]);
    return rc;
}

int gs_write_json(FILE *f, const gs_schema *s)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return -1;
    int rc = add_str(root, "configFolder", s->dir);
    rc |= cJSON_AddNumberToObject(root, "maxDepth", s->max_depth) ? 0 : -1;
    cJSON *tables = cJSON_AddArrayToObject(root, "tables");
    if (!tables) rc = -1;
    /* Tree order (each resource table followed by its unroll tables), as in the other formats. */
    for (size_t n = 0; rc == 0 && n < s->count; n++)
        if (gs_shown(s, s->order[n])) rc |= add_table(tables, s, &s->tables[s->order[n]]);
    char *text = rc == 0 ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) return -1;
    /* cJSON_Print indents with tabs and puts one after each colon; raw tabs never occur inside
     * its strings (it escapes them), so every tab is layout: two spaces of indent, or one space
     * after a colon. */
    for (const char *p = text; *p; p++) {
        if (*p != '\t')
            fputc(*p, f);
        else
            fputs(p > text && p[-1] == ':' ? " " : "  ", f);
    }
    fputc('\n', f);
    cJSON_free(text);
    return 0;
}
