/*
 * f2c_tablecfg: reads a table configuration folder in the original FHIR-to-CDM tool's format
 * into the table model (f2c_table.h).
 *
 * Folder layout: <dir>/NAME.json files, one table each ({"name", "resourceType", optional
 * "unrollPath", "properties"}), and <dir>/PropertiesGroup/NAME.json files, one property group each
 * ({"propertiesGroupName", "properties"}).  A property is {"name", "path" (dot path, optional,
 * default ""), and either "type" (FHIR primitive type name or "array") or "propertiesGroupRef"},
 * with optional "fhirExpression".
 *
 * Expansion (matches the original tool's loader): a group reference inlines the group's
 * properties with the reference's path prepended; a column's name is the CamelCased path
 * segments of every enclosing group reference followed by the property's own name (Name ->
 * HumanName.period -> Period.start gives "NamePeriodStart"); expansion stops max_depth levels
 * deep (the table's own properties are level 1; the original's default is 3), silently, as the
 * original does.  Group reference cycles through a non-empty path (Identifier.assigner ->
 * Reference.identifier -> Identifier) are the ordinary recursion of FHIR types and are cut by
 * max_depth; a cycle in which every reference has an empty path would expand one node into
 * itself and is an error.  Choice types: the last step of a typed column gets alt = step +
 * type suffix ("deceased" + dateTime -> "deceasedDateTime"); the last step of a group reference
 * path gets alt = step + group name ("value" + "Quantity" -> "valueQuantity").
 *
 * Errors (each with file and JSON pointer, all of them collected, not only the first): folder
 * missing or unreadable; no table files; a file that is not valid JSON (with line and column);
 * missing or mistyped keys; unknown type name; both or neither of type/propertiesGroupRef;
 * unknown propertiesGroupRef; two groups or two tables with one name; a column name (after
 * group expansion) against the column rule (f2c_table_column_name_check: a letter, then letters,
 * digits or underscores, at most 128); two columns of one table equal ignoring case within
 * their first 63 characters, reserved names included (f2c_table_column_same); an unrollPath that
 * does not start with the table's resourceType; an empty-path group cycle; max_depth < 1. Also (see
 * f2c_tablecfg.c): max_depth > 64; a file that is not UTF-8 or holds a NUL byte; a key repeated in
 * one object; a table name that is not [A-Za-z0-9_]{1,128} or that differs from another only in
 * case; a resourceType that is not [A-Z][A-Za-z]*; an empty property name; fhirExpression on a
 * propertiesGroupRef; an unrollPath without steps after the resourceType or with a step that is not
 * an element name; a table whose expansion exceeds a work budget. null counts as absent for
 * optional keys; unrollPath "" means none; unknown keys are ignored.
 */
#ifndef FHIR2CDM_F2C_TABLECFG_H
#define FHIR2CDM_F2C_TABLECFG_H

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_table.h"

#define F2C_DEFAULT_MAX_DEPTH 3

/*
 * Loads the configuration in `dir` into *out (zeroed first).  Returns F2C_OK, or F2C_ECONFIG
 * with every problem appended to *diags (each an F2C_ECONFIG error with file, line/column for
 * JSON syntax errors, and JSON pointer), or F2C_ENOMEM.  On any failure *out is left empty.
 */
f2c_status f2c_tablecfg_load(const char *dir, int max_depth, f2c_tableset *out, f2c_diags *diags);

#endif
