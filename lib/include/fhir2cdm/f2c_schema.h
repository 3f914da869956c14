/*
 * f2c_schema: the one front door from "what the user gave" (a table configuration folder or SQL on
 * FHIR ViewDefinitions) to the table set, its compiled plan and the diagnostics.
 *
 * Every command that reads a configuration (fhir2cdm-transform, its Batch and export modes,
 * fhir2cdm show-schema, generate-pipeline) goes through f2c_schema_load, so they accept and refuse
 * exactly the same inputs, and a new input kind is added here once.
 *
 * Inputs and the specifications they follow:
 *  - a table configuration folder, read by f2c_tablecfg_load (f2c_tablecfg.h: the original
 *    FHIR-to-CDM tool's format, <dir>/NAME.json tables and <dir>/PropertiesGroup/NAME.json
 *    groups) and compiled by f2c_tablecfg_compile (f2c_tablecfg_plan.h: the original tool's
 * semantics);
 *  - ViewDefinitions, read and compiled by f2c_view_load (f2c_view.h: SQL on FHIR v2,
 *    https://sql-on-fhir.org/ig/, "ViewDefinition", §constant, §where, §select, §"Column
 *    ordering").
 * Both end in the same f2c_tableset + f2c_plan (f2c_plan.h); nothing after this knows which.
 */
#ifndef FHIR2CDM_F2C_SCHEMA_H
#define FHIR2CDM_F2C_SCHEMA_H

#include <stddef.h>
#include <stdio.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"

/*
 * What to load; exactly one of the two kinds:
 *  - config_dir: a table configuration folder, expanded max_depth levels deep (1..64;
 *    F2C_DEFAULT_MAX_DEPTH of f2c_tablecfg.h is the original tool's default);
 *  - views[0..nviews): ViewDefinition paths, each a file (one ViewDefinition) or a folder (every
 *    *.json in it, in byte order of their names); max_depth is not used.
 * The strings are borrowed for the call only.
 */
typedef struct f2c_schema_input {
    const char *config_dir;
    int max_depth;
    const char *const *views;
    size_t nviews;
} f2c_schema_input;

/*
 * Loads `in` into *ts (zeroed first) and, when plan is not NULL, *plan (the compiled plan,
 * borrowing *ts).  A caller that needs only the tables passes plan = NULL: a configuration's
 * fhirExpressions are then not compiled (ViewDefinitions are always compiled, as checking them
 * needs it, and the plan is dropped).
 *
 * Every problem found is appended to *diags (each an f2c_error with file, line/column for JSON
 * syntax errors, and JSON pointer; all of them, not only the first).  Returns:
 *  - F2C_OK;
 *  - F2C_EUSAGE: neither or both kinds given, or nviews > 0 with views NULL (one diagnostic,
 *    status F2C_EUSAGE, no file);
 *  - F2C_ECONFIG: the input is invalid; diags->count > 0.  Each diagnostic's own status says
 *    what: F2C_ECONFIG for a configuration folder missing or unreadable, malformed JSON (with line
 *    and column) and everything else f2c_tablecfg_load and f2c_tablecfg_compile report, and for a
 *    ViewDefinition with malformed JSON, no *.json in a folder, or anything f2c_view_compile
 *    reports; F2C_EIO for a ViewDefinition file or folder that cannot be read (strerror text);
 *  - F2C_ENOMEM: out of memory (diags may be incomplete).
 * On failure *ts is empty and *plan NULL.  Ownership: the caller frees both with f2c_schema_free
 * (or f2c_plan_free before f2c_tableset_free: the plan borrows the tables) and *diags with
 * f2c_diags_free, in every case.
 */
f2c_status f2c_schema_load(const f2c_schema_input *in, f2c_tableset *ts, f2c_plan **plan,
                           f2c_diags *diags);

/* Frees plan (may be NULL), then *ts (may be NULL), in that order; leaves *ts empty. */
void f2c_schema_free(f2c_tableset *ts, f2c_plan *plan);

/*
 * Prints every diagnostic of d to f, one line each: prefix (may be NULL: none), then
 * f2c_error_format's "file:line:column: pointer: message".  Every command prints its load
 * errors with prefix "error: "; the summary line after them stays the command's own.
 */
void f2c_schema_print_diags(FILE *f, const char *prefix, const f2c_diags *d);

#endif
