/*
 * f2c_render: turns one JSON value into the text of one CSV cell, by the column's FHIR type.
 *
 * The rules (issue 2, "Cell rendering"), chosen so every CDM consumer (Synapse, Spark, Power BI,
 * PostgreSQL) loads the cell with the attribute's dataType and nothing is lost:
 *  - string-like types: a JSON string verbatim; a JSON number or boolean as its JSON text; an
 *    object or array as its JSON source text (the original tool's behaviour, e.g. `meta` typed
 *    string gives the meta object as JSON).
 *  - boolean: JSON true/false -> "true"/"false".
 *  - integer/positiveInt/unsignedInt: a JSON number that is an integer in the type's range
 *    (FHIR R4 datatypes: 32-bit signed; positiveInt >= 1; unsignedInt >= 0), written as its digits.
 *  - decimal: a JSON number, exactly as its JSON text (no float round trip).
 *  - date, dateTime, instant: a JSON string matching the type's FHIR regex, written as an ISO 8601
 *    UTC instant "YYYY-MM-DDThh:mm:ss[.f...]Z": partial dates ("2012", "2012-06", "2012-06-05") are
 *    padded to their first instant; a value without zone is taken as UTC; a zone offset is
 *    applied (the date may change); fractional seconds are kept digit for digit.
 *  - time: a JSON string hh:mm:ss[.f...] written unchanged.
 *  - array: the JSON source text of the array; a non-array value is wrapped as a one-element
 *    array "[value]".
 * JSON null or an absent node gives an empty cell.  Anything else is a mismatch: empty cell,
 * and the caller counts a warning with the reason.
 *
 * All functions append to `out` (never reset it) and allocate only by growing `out`.
 */
#ifndef FHIR2CDM_F2C_RENDER_H
#define FHIR2CDM_F2C_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_fhirpath.h"
#include "fhir2cdm/f2c_json.h"
#include "fhir2cdm/f2c_type.h"

typedef enum f2c_render_result {
    F2C_RENDER_OK = 0,   /* cell text appended */
    F2C_RENDER_EMPTY,    /* no value (NULL node or JSON null): nothing appended */
    F2C_RENDER_MISMATCH, /* value does not match the type: nothing appended, *why set */
    F2C_RENDER_NOMEM     /* out of memory */
} f2c_render_result;

/*
 * Renders `node` (of document d, may be NULL) as type t into out.  On F2C_RENDER_MISMATCH,
 * *why (if why not NULL) points to a static English reason, e.g. "expected a JSON boolean".
 */
f2c_render_result f2c_render_value(f2c_doc *d, const cJSON *node, f2c_type t, f2c_buf *out,
                                   const char **why);

/*
 * Normalises a FHIR date/dateTime/instant string s[0..n) (t is F2C_T_DATE, F2C_T_DATETIME or
 * F2C_T_INSTANT; each accepts only its own FHIR R4 regex) to the UTC form described above.
 * Returns F2C_RENDER_OK or F2C_RENDER_MISMATCH (with *why) or F2C_RENDER_NOMEM.
 */
f2c_render_result f2c_render_datetime(const char *s, size_t n, f2c_type t, f2c_buf *out,
                                      const char **why);

/*
 * Renders one FHIRPath result item (a `fhirExpression` column's first result) as type t.  An item
 * read from the resource (item->node set) is rendered exactly as f2c_render_value renders that
 * node, so a path column and an expression column reaching the same element agree.  A computed
 * item is rendered by its System type: String in string-like columns verbatim and in date
 * columns normalised like a FHIR date; Boolean in boolean/string-like columns; Integer in integer
 * columns (range-checked), decimal and string-like columns; Decimal in decimal and string-like
 * columns; Date/DateTime in date columns (normalised to UTC) and string-like columns (FHIRPath
 * text); Time in time and string-like columns; Quantity as its value in decimal columns and as
 * "value 'unit'" in string-like ones.  Anything else is a mismatch (*why set).  t == array: the
 * item as a one-element JSON array.  NULL item: F2C_RENDER_EMPTY.
 */
f2c_render_result f2c_render_fp_item(f2c_doc *d, const f2c_fp_item *item, f2c_type t, f2c_buf *out,
                                     const char **why);

/*
 * Renders a whole FHIRPath result as a JSON array of values (for `array` columns with a
 * fhirExpression): items from the resource as their JSON source text, computed Booleans and
 * numbers as JSON literals, Quantities as {"value":v,"unit":u}, everything else as JSON strings.
 * Empty result: F2C_RENDER_EMPTY.
 */
f2c_render_result f2c_render_fp_collection(f2c_doc *d, const f2c_fp_result *r, f2c_buf *out);

#endif
