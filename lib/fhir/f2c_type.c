/*
 * f2c_type: see f2c_type.h.  One static table so a type's FHIR name, choice suffix and CDM
 * data type are defined together and cannot drift apart.
 */
#include "fhir2cdm/f2c_type.h"

#include <string.h>

static const struct {
    const char *name;
    const char *suffix;
    const char *cdm;
    int stringlike;
} types[F2C_T__COUNT] = {
    [F2C_T_NONE] = {"", "", "string", 0},
    [F2C_T_BOOLEAN] = {"boolean", "Boolean", "boolean", 0},
    [F2C_T_INTEGER] = {"integer", "Integer", "int64", 0},
    [F2C_T_POSITIVEINT] = {"positiveInt", "PositiveInt", "int64", 0},
    [F2C_T_UNSIGNEDINT] = {"unsignedInt", "UnsignedInt", "int64", 0},
    [F2C_T_DECIMAL] = {"decimal", "Decimal", "decimal", 0},
    [F2C_T_STRING] = {"string", "String", "string", 1},
    [F2C_T_CODE] = {"code", "Code", "string", 1},
    [F2C_T_ID] = {"id", "Id", "string", 1},
    [F2C_T_MARKDOWN] = {"markdown", "Markdown", "string", 1},
    [F2C_T_URI] = {"uri", "Uri", "string", 1},
    [F2C_T_URL] = {"url", "Url", "string", 1},
    [F2C_T_CANONICAL] = {"canonical", "Canonical", "string", 1},
    [F2C_T_OID] = {"oid", "Oid", "string", 1},
    [F2C_T_UUID] = {"uuid", "Uuid", "string", 1},
    [F2C_T_BASE64BINARY] = {"base64Binary", "Base64Binary", "string", 1},
    [F2C_T_XHTML] = {"xhtml", "Xhtml", "string", 1},
    [F2C_T_DATE] = {"date", "Date", "dateTime", 0},
    [F2C_T_DATETIME] = {"dateTime", "DateTime", "dateTime", 0},
    [F2C_T_INSTANT] = {"instant", "Instant", "dateTime", 0},
    [F2C_T_TIME] = {"time", "Time", "string", 0},
    [F2C_T_ARRAY] = {"array", "", "string", 0},
    [F2C_T_INTEGER64] = {"integer64", "Integer64", "int64", 0},
    [F2C_T_SQL_DATE] = {"", "", "dateTime", 0}, /* CDM model.json has no date-only type */
    [F2C_T_SQL_TIMESTAMP] = {"", "", "dateTime", 0},
};

f2c_type f2c_type_from_name(const char *name)
{
    if (!name) return F2C_T_NONE;
    for (int t = F2C_T_NONE + 1; t < F2C_T__COUNT; t++)
        if (types[t].name[0] && strcmp(types[t].name, name) == 0) return (f2c_type)t;
    return F2C_T_NONE;
}

static int valid(f2c_type t)
{
    return (int)t >= 0 && t < F2C_T__COUNT;
}

const char *f2c_type_name(f2c_type t)
{
    return valid(t) ? types[t].name : "";
}

const char *f2c_type_choice_suffix(f2c_type t)
{
    return valid(t) ? types[t].suffix : "";
}

const char *f2c_type_cdm_datatype(f2c_type t)
{
    return valid(t) ? types[t].cdm : "string";
}

int f2c_type_is_stringlike(f2c_type t)
{
    return valid(t) && types[t].stringlike;
}

int f2c_is_resource_type_name(const char *s)
{
    if (!s || !(s[0] >= 'A' && s[0] <= 'Z')) return 0;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) return 0;
    return 1;
}
