/*
 * f2c_tablecfg_plan: compiles the tables of a table configuration to the execution plan
 * (f2c_plan.h) and, for callers that only have a table configuration, runs it over one FHIR
 * resource (the "resource -> rows" stage; it knows nothing of files or CSV).
 *
 * Semantics (the original FHIR-to-CDM tool's, issue 2), and how each maps to the plan:
 *  - resource table: one row per resource; cells: ResourceId, then the user columns.  Plan: one
 *    select without iteration; a RESOURCEID column, then a STEPS column per user column.
 *  - unroll table: one row per element reached by unrollPath, at any depth (arrays at every step
 *    are flattened, as FHIRPath navigation does); cells RowId, ResourceId, FhirPath
 *    ("Patient.contact[0].telecom[1]"; a non-array element is "[0]", as the original writes),
 *    ParentPath (FhirPath without its last step, so child rows join to their parent row), then
 *    the user columns evaluated relative to that element.  Plan: one select iterating the unroll
 *    steps (F2C_PLAN_ITER_STEPS, the forEach that tracks the element's location), with ROWID,
 *    RESOURCEID, FHIRPATH, PARENTPATH columns, then the user columns.
 *  - a column path step over an array takes the array's first element; the last step of an
 *    `array` column keeps the whole array; a step that is absent is retried with its choice-type
 *    spelling (f2c_step.alt); JSON null counts as absent (STEPS columns).
 *  - a column with a fhirExpression evaluates it (FHIRPath N1) with the node at the column's path
 *    as context and the resource as %resource; the first result item is rendered by the column's
 *    type (f2c_render_fp_item), or the whole result as a JSON array for `array` columns; a
 *    run-time error leaves the cell empty and is reported as a warning (STEPS column with an
 *    expression, cardinality F2C_PLAN_FIRST, which keeps every item for `array`).
 *  - RowId: a UUID-formatted XXH3-128 hash of (table name, resource identity, FhirPath), so it is
 *    the same on every run over the same data and unique as long as resource identities are.
 *
 * Ownership and threads: the plan borrows the tableset (keep it alive longer than the plan); one
 * plan may serve many threads, each with its own context (cell buffers reused across rows, so
 * rows do not allocate in steady state).
 */
#ifndef FHIR2CDM_F2C_TABLECFG_PLAN_H
#define FHIR2CDM_F2C_TABLECFG_PLAN_H

#include <stddef.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"

/*
 * Compiles every table of ts to a new plan (*out, free with f2c_plan_free), including every
 * column's fhirExpression (f2c_fhirpath.h).  An expression that does not compile is reported to
 * *diags (F2C_ECONFIG, with the column's file and JSON pointer, naming table, column, expression
 * and the character offset) and the call fails with F2C_ECONFIG after checking all of them.
 * Other errors: F2C_ENOMEM (also reported to diags).
 */
f2c_status f2c_tablecfg_compile(const f2c_tableset *ts, f2c_plan **out, f2c_diags *diags);

/* ---- convenience wrappers over f2c_plan for table configurations ---------------------------- */

typedef struct f2c_tablecfg_plan f2c_tablecfg_plan;
typedef struct f2c_tablecfg_plan_ctx f2c_tablecfg_plan_ctx;

/* f2c_tablecfg_compile wrapped; same errors.  Free with f2c_tablecfg_plan_free. */
f2c_status f2c_tablecfg_plan_new(const f2c_tableset *ts, f2c_tablecfg_plan **out, f2c_diags *diags);
void f2c_tablecfg_plan_free(f2c_tablecfg_plan *f);

/* The plan inside f (owned by f). */
const f2c_plan *f2c_tablecfg_plan_of(const f2c_tablecfg_plan *f);

/* Number of tables whose resourceType is rt (0: the resource type has no table). */
size_t f2c_tablecfg_plan_tables_for(const f2c_tablecfg_plan *f, const char *rt);

f2c_tablecfg_plan_ctx *
f2c_tablecfg_plan_ctx_new(const f2c_tablecfg_plan *f); /* NULL when out of memory */
void f2c_tablecfg_plan_ctx_free(f2c_tablecfg_plan_ctx *c);

/*
 * Evaluates every table of the resource's type over the resource `root` (a node of doc); see
 * f2c_plan_resource for the arguments and errors.
 */
f2c_status f2c_tablecfg_plan_resource(f2c_tablecfg_plan_ctx *c, f2c_doc *doc, const cJSON *root,
                                      const char *resource_type, const char *resource_id,
                                      const char *identity, const f2c_row_sink *sink,
                                      f2c_error *err);

#endif
