/*
 * f2c_resource: a FHIR resource's identity -- its id, and the key that names it for RowIds
 * (f2c_plan_resource's `identity`).
 *
 * Why a module of its own: every caller of the plan (the stream job, the SQL on FHIR conformance
 * runner, the fuzz target) must name a resource the same way, or the same data gives different
 * RowIds depending on how it was read.  The rule is about the input resource, not about the
 * plan that consumes it nor the JSON parser that produced it, so it lives beside neither.
 *
 * The rule:
 *  - id: the resource's "id" member when it is a non-empty JSON string; otherwise none.  An empty
 *    id is no id: FHIR R4 ids are 1 to 64 characters (datatypes, "id"), and "Patient/" would make
 *    every such resource the same identity.
 *  - identity: "<resourceType>/<id>"; without an id, the resource's place in the input,
 *    "<where>:<line>" (e.g. the input file's stem and the line number), so RowIds stay unique
 *    and reproducible.  Cut to F2C_RESOURCE_IDENTITY_MAX - 1 bytes (RowIds of longer ones hash
 *    the first bytes only; FHIR ids are at most 64 characters).
 */
#ifndef FHIR2CDM_F2C_RESOURCE_H
#define FHIR2CDM_F2C_RESOURCE_H

#include <cjson/cJSON.h>

/* Bytes of an identity, its terminating NUL included. */
#define F2C_RESOURCE_IDENTITY_MAX 1024

typedef struct f2c_resource_key {
    const char *id; /* the resource's id (borrowed from the resource), or NULL when it has none */
    char identity[F2C_RESOURCE_IDENTITY_MAX];
} f2c_resource_key;

/*
 * Fills *k for resource `resource` (a JSON object) of type `resource_type` (its "resourceType"
 * string), found at `where`:`line` in the input.  k->id borrows from resource: valid while it
 * lives.  Returns 1 when the resource has an id, 0 when its identity is its place (the caller
 * may warn).  Never fails.
 */
int f2c_resource_key_of(f2c_resource_key *k, const cJSON *resource, const char *resource_type,
                        const char *where, long line);

#endif
