/*
 * f2c_view: SQL on FHIR v2 ViewDefinitions (https://sql-on-fhir.org/ig/, "ViewDefinition")
 * loaded, validated and compiled to the shared execution plan (f2c_plan.h), plus the table
 * (f2c_table.h) that describes the view's output for the CSV header and model.json.
 *
 * What is read (every element of the logical model that affects rows):
 *  - resource (required; a FHIR R4 resource type), name (the table: entity "Local" + name, as
 *    configured tables are named; a SQL name ^[A-Za-z][A-Za-z0-9_]*$), status (not used);
 *  - constant[] (§constant): name + exactly one value[x] of base64Binary, boolean, canonical,
 *    code, date, dateTime, decimal, id, instant, integer, integer64, oid, positiveInt, string,
 *    time, unsignedInt, uri, url, uuid; used as %name.  Constants are folded into the
 *    expressions as FHIRPath literals of their type (a valueDate is a Date, so `birthDate = %bd`
 *    compares dates), which is why every expression is compiled per view;
 *  - where[] (§where): FHIRPath over the resource that must give true (a single Boolean); a
 *    non-Boolean result is a run-time error (warning, resource left out);
 *  - select[] (§select) with column[] (name, path, type, collection), nested select[],
 *    forEach, forEachOrNull, repeat[] and unionAll[]; %rowIndex (§rowIndex);
 *    getResourceKey() / getReferenceKey([type]) (f2c_fhirpath.h);
 *  - column.tag {"name": "fhir2cdm-reserved", "value": "RowId" | "FhirPath" | "ParentPath"}
 *    (other tags are not read): a reserved column, computed as a table configuration's unroll
 *    table computes it (f2c_plan.h), its path not evaluated.  It must sit inside forEach
 *    selects over plain element names only; that chain runs as F2C_PLAN_ITER_STEPS, which
 *    tracks the element's location (docs/views.md, "Reserved columns").
 * Column order (§"Column ordering"): a select's columns, then its nested selects' columns, then
 * those of its unionAll (the first branch's; every branch must have the same names in the same
 * order).  Column types: `type` named as f2c_type_from_name (FHIR primitive names); unknown or
 * absent -> string; collection: true -> the JSON array of all items (table type `array`).
 *
 * Validation, before anything runs (every problem reported, each with the file and the RFC 6901
 * JSON pointer of the offending element, e.g. "/select/0/forEach"): not an object; missing or
 * unknown resource; missing or invalid name; select missing or empty; an element of the wrong
 * JSON type; unknown keys in select and column objects (typos such as "forEachOrNul");
 * forEach, forEachOrNull and repeat combined; a FHIRPath expression that does not compile
 * (syntax, unknown function, unknown %constant); a constant without a name, with no value or
 * several values, or a value that is not valid for its type; duplicate constant names; a column
 * name against the column rule of every loader (f2c_table_column_name_check); two column names
 * equal ignoring case within their first 63 characters (f2c_table_column_same);
 * unionAll branches whose columns differ in names or order; a view without columns; a
 * fhir2cdm-reserved tag with an unknown value, twice on a column, on a column outside a chain
 * of plain-name forEach selects or of a type other than string, or in two sibling selects.
 *
 * Ownership: loaded views are returned as a tableset (owned by the caller, f2c_tableset_free)
 * and a plan (owned by the caller, f2c_plan_free) that borrows it.  Nothing here keeps the view
 * documents: constants and expressions are copied while compiling.
 */
#ifndef FHIR2CDM_F2C_VIEW_H
#define FHIR2CDM_F2C_VIEW_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_plan.h"
#include "fhir2cdm/f2c_table.h"

/*
 * The type a view column of FHIR type t is rendered and declared as (model.json / manifest
 * attribute, Parquet column, loaders): SQL on FHIR's "Default Type Mappings" (ViewDefinition
 * notes, "Type Hinting with Tags"; FHIR type to ISO/IEC 9075 SQL type; conformance statements
 * viewdef-6, viewdef-7 and viewdef-23 of the HL7 SQL on FHIR 3.0.0 ballot).  date, dateTime, time
 * and decimal map to CHARACTER VARYING, and "where the representation is CHARACTER VARYING,
 * the format SHALL comply with the string representation of that type within the FHIR spec":
 * the value exactly as the resource writes it (partial dates, offsets, fractions and trailing
 * zeros kept), so they become F2C_T_STRING -- not the table configurations' CDM rendering
 * (dates to UTC instants).  boolean (BOOLEAN), integer / positiveInt / unsignedInt (INT) and
 * instant (TIMESTAMP WITH TIME ZONE, written as its UTC instant) are kept; the string-like types
 * (base64Binary, BINARY in the spec, included: CSV carries its base64 text) are kept;
 * F2C_T_NONE (no or an unknown `type`) and F2C_T_ARRAY are F2C_T_STRING.  Never fails.
 */
f2c_type f2c_view_column_type(f2c_type t);

/*
 * Compiles one ViewDefinition `view` (a node of doc; doc gives decimal constants their exact
 * text, and may be NULL) into *table (filled; release with f2c_table_clear unless moved into a
 * tableset) and *root (the view's select tree; free with f2c_plan_select_free unless given to a
 * plan with f2c_plan_set_table).
 *  file:         named in messages (may be NULL);
 *  pointer_base: prefix of the JSON pointers in messages ("" when the view is the document,
 *                "/tests/3/view" inside a test file);
 *  default_name: the view's name when it has none (NULL: a name is required).
 * Errors go to diags (F2C_ECONFIG each); returns F2C_ECONFIG after reporting all of them,
 * F2C_ENOMEM, or F2C_OK.  On error *table and *root are left empty.
 */
f2c_status f2c_view_compile(f2c_doc *doc, const cJSON *view, const char *file,
                            const char *pointer_base, const char *default_name, f2c_table *table,
                            f2c_plan_select **root, f2c_diags *diags);

/*
 * Loads ViewDefinitions from paths (n of them): each a file (one ViewDefinition JSON object) or a
 * folder (every *.json in it, in byte order of their names).  Builds *ts (the views' tables,
 * sorted by name) and *plan (borrowing *ts).  Two views with the same name are an error (they
 * would write the same entity).  Every file is read and checked before returning; errors
 * (unreadable file, malformed JSON with line and column, everything f2c_view_compile reports)
 * go to diags and the call returns F2C_ECONFIG (F2C_ENOMEM when memory ran out) with *ts empty
 * and *plan NULL.
 */
f2c_status f2c_view_load(const char *const *paths, size_t n, f2c_tableset *ts, f2c_plan **plan,
                         f2c_diags *diags);

/*
 * Builds a one-table tableset and its plan from a compiled view (takes ownership of *table's
 * contents and of root, also on failure).  Used by the conformance runner.  F2C_OK, F2C_ENOMEM,
 * or F2C_ECONFIG (internal inconsistency, err set).
 */
f2c_status f2c_view_plan_one(f2c_table *table, f2c_plan_select *root, f2c_tableset *ts,
                             f2c_plan **plan, f2c_error *err);

#endif
