/*
 * gen_schema_model: the view model behind `fhir2cdm show-schema` (gen_schema_model.c), shared
 * by its output formats.
 *
 * Why a view model: every format (text, markdown, json, html) must show the same facts — the
 * columns the transformer writes (taken from f2c_table_* only, never recomputed), each column's
 * FHIR and CDM type and element path, and which table an unroll table joins to and on which
 * columns.  Those facts are derived once here (gen_schema_model.c) and the formats only lay them
 * out, so they cannot disagree with each other either.
 */
#ifndef FHIR2CDM_GEN_SCHEMA_MODEL_H
#define FHIR2CDM_GEN_SCHEMA_MODEL_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_table.h"

/* How an unroll table's rows find their parent row (see docs/transform.md "Tables"). */
typedef enum gs_join {
    GS_JOIN_NONE,       /* resource table, or unroll table whose resource has no table here */
    GS_JOIN_RESOURCE,   /* child.ResourceId = parent.ResourceId (parent is the resource table) */
    GS_JOIN_PARENTPATH, /* ... and child.ParentPath = parent.FhirPath (parent one step up) */
    GS_JOIN_PREFIX      /* ... and child.FhirPath starts with parent.FhirPath + "." (parent
                           more than one step up: the tables in between are not configured) */
} gs_join;

typedef struct gs_col {
    const char *name;      /* f2c_table_column_name */
    f2c_type type;         /* f2c_table_column_type */
    const f2c_column *col; /* the user column, or NULL for a reserved column */
    char *element;         /* user column: element path from the resource ("Patient.name.family",
                              choice steps spelled as read, e.g. "Observation.valueQuantity");
                              reserved column: what it holds, one line */
    char *origin;          /* user column: "file#/pointer" relative to the folder; else NULL */
} gs_col;

typedef struct gs_table {
    const f2c_table *t;
    char *file;       /* configuration file relative to the folder */
    int unroll;       /* 1 for an unroll table */
    long parent;      /* index of the parent table, or -1 */
    gs_join join;     /* how it joins the parent */
    size_t level;     /* depth in the relationship tree (roots 0) */
    size_t *children; /* indexes of the tables whose parent this is, by name */
    size_t nchildren;
    gs_col *cols; /* every column in output order (reserved first) */
    size_t ncols;
    int has_expression; /* some column has a fhirExpression */
} gs_table;

typedef struct gs_schema {
    const char *dir; /* configuration folder as given */
    int max_depth;
    gs_table *tables; /* same order as the tableset (by name) */
    size_t count;
    size_t *order; /* table indexes in tree order: each root by name, then its subtree */
    long only;     /* -t: the one table to show, or -1 for all */
} gs_schema;

/* Builds s from a loaded tableset (which must outlive s).  Returns 0, or -1 out of memory. */
int gs_build(gs_schema *s, const f2c_tableset *set, const char *dir, int max_depth);
void gs_free(gs_schema *s);

/* Non-zero if table i is shown (all tables, or the -t one). */
int gs_shown(const gs_schema *s, size_t i);

/* "resource" or "unroll". */
const char *gs_kind(const gs_table *t);

/* The join condition as one line of SQL-like text, e.g. "PatientName.ResourceId =
 * Patient.ResourceId AND PatientName.ParentPath = ..." ("" for GS_JOIN_NONE).  Returns a heap
 * string or NULL (out of memory). */
char *gs_join_text(const gs_schema *s, const gs_table *t);

/* What the parent relation means in words ("one row per element at Patient.name; parent row in
 * PatientName", ...).  Static text for the join kind. */
const char *gs_join_words(gs_join j);

#endif
