/*
 * f2c_flatten: evaluates the tables of a table configuration over one FHIR resource and hands
 * out the rows (the "resource -> rows" stage; it knows nothing of files or CSV).
 *
 * Semantics (the original FHIR-to-CDM tool's, issue 2):
 *  - resource table: one row per resource; cells: ResourceId, then the user columns.
 *  - unroll table: one row per element reached by unrollPath, at any depth (arrays at every step
 *    are flattened, as FHIRPath navigation does); cells RowId, ResourceId, FhirPath
 *    ("Patient.contact[0].telecom[1]"; a non-array element is "[0]", as the original writes),
 *    ParentPath (FhirPath without its last step, so child rows join to their parent row), then
 *    the user columns evaluated relative to that element.
 *  - a column path step over an array takes the array's first element; the last step of an
 *    `array` column keeps the whole array; a step that is absent is retried with its choice-type
 *    spelling (f2c_step.alt); JSON null counts as absent.
 *  - a column with a fhirExpression evaluates it (FHIRPath N1) with the node at the column's path
 *    as context and the resource as %resource; the first result item is rendered by the column's
 *    type (f2c_render_fp_item), or the whole result as a JSON array for `array` columns; a
 *    run-time error leaves the cell empty and is reported as a warning.
 *  - RowId: a UUID-formatted XXH3-128 hash of (table name, resource identity, FhirPath), so it is
 *    the same on every run over the same data and unique as long as resource identities are.
 *
 * Columns are compiled into a prefix tree of path steps, so elements shared by many columns
 * (meta, subject, code.coding...) are looked up once per row, not once per column.
 *
 * Ownership and threads: f2c_flatten_new builds an immutable plan that borrows the tableset (keep
 * it alive longer than the plan); one plan may serve many threads, each with its own
 * f2c_flatten_ctx (cell buffers reused across rows, so rows do not allocate in steady state).
 */
#ifndef FHIR2CDM_F2C_FLATTEN_H
#define FHIR2CDM_F2C_FLATTEN_H

#include <stddef.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_table.h"

typedef struct f2c_flatten f2c_flatten;
typedef struct f2c_flatten_ctx f2c_flatten_ctx;

/* Receives rows and cell warnings. */
typedef struct f2c_row_sink {
    void *ud;
    /* One row of table `table` (index in the tableset): f2c_table_width cells, cells[i] of
     * lens[i] bytes (valid only during the call).  A non-OK return stops the resource and is
     * returned by f2c_flatten_resource. */
    f2c_status (*row)(void *ud, size_t table, const char *const *cells, const size_t *lens,
                      f2c_error *err);
    /* A value that did not match its column's type (the cell was left empty); column is the
     * index in output order; why is valid during the call; fhir_path is the row's element location
     * (the resource type for resource tables). May be NULL. */
    void (*warn)(void *ud, size_t table, size_t column, const char *fhir_path, const char *why);
} f2c_row_sink;

/*
 * Compiles the plan, including every column's fhirExpression (f2c_fhirpath.h).  An expression
 * that does not compile is reported to *diags (F2C_ECONFIG, with the column's file and JSON
 * pointer, naming table, column, expression and the character offset) and the call fails with
 * F2C_ECONFIG after checking all of them.  Other errors: F2C_ENOMEM.
 */
f2c_status f2c_flatten_new(const f2c_tableset *ts, f2c_flatten **out, f2c_diags *diags);
void f2c_flatten_free(f2c_flatten *f);

/* Number of tables whose resourceType is rt (0: the resource type has no table). */
size_t f2c_flatten_tables_for(const f2c_flatten *f, const char *rt);

f2c_flatten_ctx *f2c_flatten_ctx_new(const f2c_flatten *f); /* NULL when out of memory */
void f2c_flatten_ctx_free(f2c_flatten_ctx *c);

/*
 * Evaluates every table of the resource's type over the resource `root` (a node of doc).
 * identity names the resource for RowIds: "<resourceType>/<id>" normally; callers pass a
 * location such as "<file>:<line>" for resources without id.  resource_id may be NULL (empty
 * ResourceId cell).  Returns F2C_OK, F2C_ENOMEM or the sink's error.
 */
f2c_status f2c_flatten_resource(f2c_flatten_ctx *c, f2c_doc *doc, const cJSON *root,
                                const char *resource_type, const char *resource_id,
                                const char *identity, const f2c_row_sink *sink, f2c_error *err);

#endif
