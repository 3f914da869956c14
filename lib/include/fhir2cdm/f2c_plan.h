/*
 * f2c_plan: the one execution engine that turns a FHIR resource into table rows.  Both input
 * formats compile to it: a table configuration (f2c_tablecfg_plan.h: f2c_tablecfg_compile) and a
 * SQL on FHIR v2 ViewDefinition (f2c_view.h).  Every optimisation and fix of the executor therefore
 * serves both, and the two formats cannot drift apart in how they navigate, iterate or render.
 *
 * A plan holds, per table of a tableset, a tree of selects (SQL on FHIR v2 ViewDefinition
 * §select).  A select has
 *  - an optional iteration over its context: forEach (§forEach: one context per item),
 *    forEachOrNull (§forEachOrNull: the same, or when there is none, once over an empty
 *    context, so its paths give null and %rowIndex 0, as the reference implementation does),
 *    repeat
 *    (§repeat: every node reached by applying the expressions recursively, depth first, in
 *    pre-order) or steps (a table configuration's unrollPath, or a ViewDefinition's forEach
 *    over a plain element name leading to a fhir2cdm-reserved column: member names, arrays
 *    flattened at every step, the element's location "Patient.contact[0].telecom[1]" tracked for
 *    the FhirPath and ParentPath columns; nested steps selects extend their parent's location);
 *  - where-clauses (§where: all must give true, a single Boolean; empty is false);
 *  - columns, evaluated once per context;
 *  - nested selects, combined with the columns by cross product (§select);
 *  - unionAll branches (§unionAll): the rows of each branch one after the other, all writing the
 *    same output slots.
 * A row is emitted for each combination; its cells are the output slots, in table column order
 * (f2c_table_width).  %rowIndex (§rowIndex) is the 0-based index of the context within its
 * nearest enclosing iteration (forEach, forEachOrNull, repeat; 0 at the resource level and for
 * forEachOrNull's null row); a select without iteration inherits it.
 *
 * Column kinds: a FHIRPath expression over the context (ViewDefinition column); a step path
 * with first-element semantics and choice-type alternatives, optionally followed by a FHIRPath
 * expression evaluated at the node it reaches (table-configuration path / fhirExpression
 * columns; these share a prefix tree so common prefixes are looked up once per row); and the
 * reserved RowId, ResourceId, FhirPath, ParentPath.
 *
 * Cells are rendered in one of two modes: CSV (by the column's declared type, f2c_render.h; an
 * absent value is an empty cell) or JSON (each cell is a JSON value: null, a number, a boolean,
 * a string, an object or, for collection columns, an array; used by the SQL on FHIR conformance
 * runner).
 *
 * Ownership and threads: a plan owns its select trees and everything they hold (compiled
 * expressions, prefix trees) and borrows the tableset it was made for, including the f2c_step
 * arrays of its columns and the unroll steps (keep the tableset alive longer than the plan).  A
 * finished plan is immutable; one plan may serve many threads, each with its own f2c_plan_ctx
 * (which reuses its buffers across rows, so rows do not allocate in steady state).
 */
#ifndef FHIR2CDM_F2C_PLAN_H
#define FHIR2CDM_F2C_PLAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_table.h"

/* `column` argument of f2c_row_sink.warn for a problem that is not about one column (a where
 * clause, a forEach expression). */
#define F2C_ROW_NO_COLUMN ((size_t)-1)

/* The constant name under which evaluation supplies %rowIndex: compile expressions that may use
 * it with this name among their constant names (f2c_fp_compile). */
#define F2C_PLAN_ROWINDEX "rowIndex"

/* Receives rows and cell warnings. */
typedef struct f2c_row_sink {
    void *ud;
    /* One row of table `table` (index in the tableset): f2c_table_width cells, cells[i] of
     * lens[i] bytes (valid only during the call).  A non-OK return stops the resource and is
     * returned by f2c_plan_resource. */
    f2c_status (*row)(void *ud, size_t table, const char *const *cells, const size_t *lens,
                      f2c_error *err);
    /* A value that did not match its column's type, or an expression that failed (the cell was
     * left empty, or for a where clause / iteration the rows of that context were left out);
     * column is the index in output order or F2C_ROW_NO_COLUMN; why is valid during the call;
     * fhir_path is the row's element location (the resource type for resource tables and views).
     * May be NULL. */
    void (*warn)(void *ud, size_t table, size_t column, const char *fhir_path, const char *why);
    /* A run-time error the specifications define, in a plan with f2c_plan_set_spec_errors
     * (views): more than one item in a column without `collection: true`, a where clause that
     * does not give a Boolean, a FHIRPath run-time error (an exceeded evaluation budget stays a
     * warning).  Called once per resource and table, after evaluating that table stopped: the
     * rows of `table` handed to `row` for this resource are void, the receiver drops them (the
     * resource's rows of other tables stand).  column and fhir_path as for warn.  May be NULL:
     * such errors are then warnings (reported to warn, the evaluation going on as for a table
     * configuration). */
    void (*error)(void *ud, size_t table, size_t column, const char *fhir_path, const char *why);
} f2c_row_sink;

typedef enum f2c_plan_col_kind {
    F2C_PLAN_COL_EXPR,  /* `expr` over the select's context (ViewDefinition §column.path) */
    F2C_PLAN_COL_STEPS, /* `steps` from the context, first element of each array; then `expr` at
                         * the node reached (table configuration path + fhirExpression) */
    F2C_PLAN_COL_ROWID, /* UUID-formatted XXH3-128 of (table name, identity, FhirPath) */
    F2C_PLAN_COL_RESOURCEID, /* the resource id */
    F2C_PLAN_COL_FHIRPATH,   /* location of the element of a steps iteration */
    F2C_PLAN_COL_PARENTPATH  /* FhirPath without its last step */
} f2c_plan_col_kind;

/* What a column does with a result of several items. */
typedef enum f2c_plan_card {
    F2C_PLAN_FIRST,  /* the first item is the cell (table-configuration rule); with type
                      * F2C_T_ARRAY every item, as a JSON array, empty cell when none */
    F2C_PLAN_SINGLE, /* more than one item is a warning and an empty cell
                      * (ViewDefinition §column.collection = false) */
    F2C_PLAN_ALL     /* the whole result as a JSON array, "[]" when empty
                      * (§column.collection = true) */
} f2c_plan_card;

typedef struct f2c_plan_column {
    f2c_plan_col_kind kind;
    size_t slot;        /* output cell index, < f2c_table_width of the table */
    f2c_type type;      /* CSV rendering type (f2c_render.h); F2C_T_ARRAY renders JSON arrays */
    f2c_plan_card card; /* EXPR and STEPS-with-expr columns */
    /* STEPS: the path (borrowed).  EXPR: optional fast path (borrowed), for an expression that
     * is a plain path of single-valued, non-choice elements (`subject.reference`): the executor
     * follows these steps instead of evaluating `expr`, unless a step meets a JSON array (data
     * repeating a single element), when `expr` decides; same result either way.  Only with
     * F2C_PLAN_SINGLE.  alt is not used. */
    const f2c_step *steps;
    size_t nsteps;
    f2c_fp_expr *expr; /* EXPR (required) or STEPS (optional); owned by the plan */
} f2c_plan_column;

typedef enum f2c_plan_iter {
    F2C_PLAN_ITER_NONE,
    F2C_PLAN_ITER_FOREACH,         /* iter_expr items */
    F2C_PLAN_ITER_FOREACH_OR_NULL, /* iter_expr items, or one row of nulls */
    F2C_PLAN_ITER_REPEAT,          /* repeat[] applied recursively */
    F2C_PLAN_ITER_STEPS            /* steps[] member names (table-configuration unroll) */
} f2c_plan_iter;

typedef struct f2c_plan_select f2c_plan_select;
struct f2c_plan_select {
    f2c_plan_iter iter;
    f2c_fp_expr *iter_expr; /* FOREACH, FOREACH_OR_NULL; owned */
    f2c_fp_expr **repeat;   /* REPEAT; owned */
    size_t nrepeat;
    const char *const *steps; /* STEPS: borrowed (f2c_table.unroll), or &own_step */
    size_t nsteps;
    /* STEPS compiled from a ViewDefinition's forEach over a plain element name (f2c_view.h,
     * "fhir2cdm-reserved"): the one member name, owned here (steps points at it) because a view
     * has no f2c_table.unroll to borrow from; NULL otherwise. */
    char *own_step;
    /* STEPS: FHIR type of the elements the last step reaches, given to the columns' expressions
     * as their context's type, as a forEach's items carry theirs; NULL: inferred (table
     * configurations).  A static string (f2c_fhirmodel.h). */
    const char *steps_type;
    f2c_fp_expr **where; /* owned */
    size_t nwhere;
    f2c_plan_column *columns;
    size_t ncolumns;
    f2c_plan_select **selects; /* nested selects (cross product); owned */
    size_t nselects;
    f2c_plan_select **unions; /* unionAll branches; owned */
    size_t nunions;
    void *internal; /* executor data built by f2c_plan_set_table; do not touch */
};

typedef struct f2c_plan f2c_plan;
typedef struct f2c_plan_ctx f2c_plan_ctx;

/* ---- building ------------------------------------------------------------------------------ */

/* A new empty select (iteration NONE), or NULL when out of memory.  Free with
 * f2c_plan_select_free unless ownership passed to a parent or a plan. */
f2c_plan_select *f2c_plan_select_new(void);

/* Releases s, its children and everything it owns.  NULL is allowed. */
void f2c_plan_select_free(f2c_plan_select *s);

/* Appends a copy of *c to s->columns; s then owns c->expr (also when the call fails, in which case
 * the expression is freed).  Returns F2C_OK or F2C_ENOMEM. */
f2c_status f2c_plan_select_add_column(f2c_plan_select *s, const f2c_plan_column *c);

/* Appends child to s's nested selects (union = 0) or unionAll branches (union = 1); s then owns
 * child (also on failure, when child is freed).  Returns F2C_OK or F2C_ENOMEM. */
f2c_status f2c_plan_select_add_child(f2c_plan_select *s, f2c_plan_select *child, int union_branch);

/* Appends a where clause (owned by s from now on, freed on failure).  F2C_OK or F2C_ENOMEM. */
f2c_status f2c_plan_select_add_where(f2c_plan_select *s, f2c_fp_expr *e);

/* Appends a repeat expression (owned by s from now on, freed on failure); does not change
 * s->iter.  F2C_OK or F2C_ENOMEM. */
f2c_status f2c_plan_select_add_repeat(f2c_plan_select *s, f2c_fp_expr *e);

/*
 * A plan for tableset ts with no program yet for any table (a table without one gives no rows).
 * ts is borrowed: keep it alive and unchanged longer than the plan.  F2C_OK or F2C_ENOMEM.
 */
f2c_status f2c_plan_new(const f2c_tableset *ts, f2c_plan **out);

/*
 * Installs root as the program of table `table` (the plan owns root from now on, also on
 * failure) and prepares it for execution (prefix trees of step columns).  Every slot of the table
 * must be written by the tree: each column's slot < f2c_table_width, and every unionAll branch
 * writes the same slots as the first.  Errors: F2C_ENOMEM; F2C_ECONFIG (err says why) for a tree
 * that breaks those rules.  Call before any f2c_plan_ctx_new on this plan.
 */
f2c_status f2c_plan_set_table(f2c_plan *p, size_t table, f2c_plan_select *root, f2c_error *err);

/* Releases the plan and every select tree it owns.  NULL is allowed. */
void f2c_plan_free(f2c_plan *p);

/* ---- running ------------------------------------------------------------------------------- */

/* The tableset the plan was made for. */
const f2c_tableset *f2c_plan_tableset(const f2c_plan *p);

/* Number of tables whose resourceType is rt (0: the resource type has no table). */
size_t f2c_plan_tables_for(const f2c_plan *p, const char *rt);

/* An evaluation context for one thread (NULL when out of memory).  CSV mode.  FHIRPath now(),
 * today() and timeOfDay() give the instant the context was created (f2c_fp_ctx_set_now), the
 * same for every row it evaluates, unless f2c_plan_ctx_set_now gives another. */
f2c_plan_ctx *f2c_plan_ctx_new(const f2c_plan *p);
void f2c_plan_ctx_free(f2c_plan_ctx *c);

/* Size of the buffer f2c_plan_clock_now fills. */
#define F2C_PLAN_NOW_SIZE 40

/* The clock's current instant as FHIRPath now() takes it ("2024-01-31T12:00:00.123Z": UTC,
 * milliseconds) into now; 0, or -1 when the clock cannot be read. */
int f2c_plan_clock_now(char now[F2C_PLAN_NOW_SIZE]);

/* Makes now(), today() and timeOfDay() of every evaluation of c give `now` (f2c_fp_ctx_set_now:
 * an ISO 8601 dateTime with seconds and a zone), so that the contexts of several threads of one
 * run agree (docs/transform.md, "Threads").  Returns 0, or -1 when `now` is not such a dateTime
 * (the setting is unchanged). */
int f2c_plan_ctx_set_now(f2c_plan_ctx *c, const char *now);

/* Selects JSON cell mode (on != 0) or CSV mode (on == 0); see the top of this file. */
void f2c_plan_ctx_set_json(f2c_plan_ctx *c, int on);

/*
 * Makes the run-time errors the specifications define errors of the resource and table
 * (f2c_row_sink.error) instead of warnings: the view loader (f2c_view.h) sets it, SQL on FHIR
 * v2 defining them as errors; table configurations keep the original tool's warnings.  Set it
 * before making contexts.  Never fails.
 */
void f2c_plan_set_spec_errors(f2c_plan *p, int on);

/*
 * Sets the budgets of every FHIRPath evaluation this context makes (columns, where clauses,
 * forEach / forEachOrNull / repeat expressions, fhirExpression columns): copied; NULL restores
 * the defaults (f2c_fp_limits_default), which a new context has.  An evaluation that exceeds a
 * limit is a run-time error of that expression, handled like any other (f2c_plan_resource):
 * warned through sink->warn with the limit named, the cell left empty or the context's rows
 * left out; the run goes on.  Never fails.
 */
void f2c_plan_ctx_set_fp_limits(f2c_plan_ctx *c, const f2c_fp_limits *l);

/* The FHIRPath usage of this context's evaluations so far (f2c_fp_ctx_usage's *peak: the
 * largest steps / items / bytes of any one evaluation, evaluations made, and how many exceeded
 * a limit), for benchmarks.  *peak must not be NULL.  Never fails. */
void f2c_plan_ctx_fp_usage(const f2c_plan_ctx *c, f2c_fp_usage *peak);

/*
 * Evaluates every table of the resource's type over the resource `root` (a node of doc), in
 * tableset order, and hands each row to sink->row.  identity names the resource for RowIds:
 * "<resourceType>/<id>" normally; callers pass a location such as "<file>:<line>" for resources
 * without id.  resource_id may be NULL (empty ResourceId cell).  Expressions that fail at run
 * time, values that do not match their column type, more than one item in a single-valued
 * column, and where clauses that do not give a Boolean are reported to sink->warn (the row is
 * still written with the cell empty, except for a failing where clause or iteration, whose rows
 * are left out); an evaluation that exceeds its budget (f2c_plan_ctx_set_fp_limits) is such a
 * failing expression, its warning saying "evaluation budget exceeded: ...".  In a plan with
 * f2c_plan_set_spec_errors (views) and a sink with `error`, the failing expressions, several
 * items in a single-valued column and non-Boolean where clauses are instead errors of the
 * resource and table (sink->error, after which that table's rows of the resource are void);
 * mismatched values and exceeded budgets stay warnings.  Returns F2C_OK, F2C_ENOMEM (malloc
 * failed outside any budget) or the sink's error.
 */
f2c_status f2c_plan_resource(f2c_plan_ctx *c, f2c_doc *doc, const cJSON *root,
                             const char *resource_type, const char *resource_id,
                             const char *identity, const f2c_row_sink *sink, f2c_error *err);

#endif
