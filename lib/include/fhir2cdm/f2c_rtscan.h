/*
 * f2c_rtscan: a line's resource type, and a Bulk Data file name's, found without parsing.
 *
 * Why it exists: a job reads only the resource types its tables and views read (docs/transform.md,
 * "Reading only what the job needs").  A line of any other type is skipped, and deciding that by
 * building its JSON tree (or even validating it) costs most of what reading it in full costs.
 * Every Bulk Data export and Synthea write "resourceType" as the first member of each line, so a
 * narrow scanner of that first member answers for nearly every line; anything it is not sure of is
 * "don't know", and the line is parsed in full as always.  This is not a JSON parser: it never
 * looks past the first member, and says nothing about whether the rest of the line is valid.
 */
#ifndef FHIR2CDM_F2C_RTSCAN_H
#define FHIR2CDM_F2C_RTSCAN_H

#include <stddef.h>

/* Longest type name either function gives (longer ones are "don't know"). */
#define F2C_RTSCAN_TYPE_MAX 127

/*
 * The type of one NDJSON line s[0..n) (no line break; s need not be NUL-terminated, and may hold
 * NUL bytes): when the line is, after optional JSON whitespace, `{`, optional whitespace, the key
 * "resourceType" spelt without escapes, `:`, and a string value of the shape of a resource type
 * name ([A-Z][A-Za-z]*, at most F2C_RTSCAN_TYPE_MAX letters, no escapes) followed by whitespace
 * and `,` or `}`.  Returns the name's length and sets *type to its first letter (inside s); 0
 * ("don't know") otherwise, *type untouched.  Promise (fuzz target fuzz_rtscan): whenever a JSON
 * parser accepts the line as an object, its top-level "resourceType" (the first, if repeated) is
 * exactly that string.  A UTF-8 byte order mark is "don't know".
 */
size_t f2c_rtscan_line(const char *s, size_t n, const char **type);

/*
 * The resource type a Bulk Data file stem names: stem is a file name without its ".ndjson" or
 * ".ndjson.gz", of the form <Type>, <Type>.<n> or <Type>-<n> (n: one or more digits; Type as
 * above).  Returns Type's length (a prefix of stem), or 0 when stem is not of that form.
 */
size_t f2c_rtscan_stem(const char *stem);

#endif
