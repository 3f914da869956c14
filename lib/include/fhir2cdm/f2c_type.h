/*
 * f2c_type: the FHIR R4 primitive type names a column can be declared with, and how each maps
 * to a CDM attribute data type.
 *
 * FHIR R4 §2.24.0.1 "Primitive Types" (datatypes.html#primitive) lists the names; the table
 * configuration also accepts "array" (the whole JSON array as text).  This is the one list of
 * those names in the project: the table-configuration loader, the renderer, the CDM writer and
 * (later) the generator all use it.  All data here is static; nothing is allocated.
 */
#ifndef FHIR2CDM_F2C_TYPE_H
#define FHIR2CDM_F2C_TYPE_H

typedef enum f2c_type {
    F2C_T_NONE = 0, /* not a known type name */
    F2C_T_BOOLEAN,
    F2C_T_INTEGER,
    F2C_T_POSITIVEINT,
    F2C_T_UNSIGNEDINT,
    F2C_T_DECIMAL,
    F2C_T_STRING,
    F2C_T_CODE,
    F2C_T_ID,
    F2C_T_MARKDOWN,
    F2C_T_URI,
    F2C_T_URL,
    F2C_T_CANONICAL,
    F2C_T_OID,
    F2C_T_UUID,
    F2C_T_BASE64BINARY,
    F2C_T_XHTML,
    F2C_T_DATE,
    F2C_T_DATETIME,
    F2C_T_INSTANT,
    F2C_T_TIME,
    F2C_T_ARRAY, /* not a FHIR type: the element's JSON array, written as JSON text */
    /* FHIR R5 integer64 (SQL on FHIR: BIGINT): a 64-bit signed integer, a JSON number (or, as R5
     * writes it, a JSON string of digits). */
    F2C_T_INTEGER64,
    /* Not a FHIR type and no name: a view column tagged ansi/type DATE (SQL DATE), a date of
     * day precision YYYY-MM-DD (from a FHIR date, or the date part of a dateTime). */
    F2C_T_SQL_DATE,
    /* Not a FHIR type and no name: a view column tagged ansi/type TIMESTAMP (without time
     * zone): a dateTime with a time, as the UTC clock without zone YYYY-MM-DDThh:mm:ss[.f]. */
    F2C_T_SQL_TIMESTAMP,
    F2C_T__COUNT
} f2c_type;

/* The type named exactly `name` (FHIR spelling, case-sensitive, e.g. "dateTime"), or
 * F2C_T_NONE.  name may be NULL. */
f2c_type f2c_type_from_name(const char *name);

/* FHIR spelling of t ("dateTime"); "" for F2C_T_NONE. */
const char *f2c_type_name(f2c_type t);

/* Suffix that names t in a choice-type element (FHIR R4 §2.24.0.3 "Choice of Data Types"):
 * "Boolean", "DateTime", "Base64Binary"...; "" for F2C_T_NONE and F2C_T_ARRAY. */
const char *f2c_type_choice_suffix(f2c_type t);

/* CDM model.json attribute dataType for t: "string", "int64", "decimal", "boolean" or
 * "dateTime" (date/dateTime/instant are normalised to UTC instants when rendered). */
const char *f2c_type_cdm_datatype(f2c_type t);

/* Non-zero for types whose rendered cell is the JSON string value verbatim (string, code, id,
 * markdown, uri, url, canonical, oid, uuid, base64Binary, xhtml). */
int f2c_type_is_stringlike(f2c_type t);

/* Non-zero if s has the shape of a FHIR resource type name: an upper-case ASCII letter followed
 * by ASCII letters (FHIR R4 §2.1.1 naming; e.g. "Patient", "MedicationRequest"). */
int f2c_is_resource_type_name(const char *s);

#endif
