/*
 * gen_config_model: the generator's questions to the FHIR R4 type model that are about lists
 * rather than single lookups — which resource types a table can be about, and the closest
 * valid names to suggest ("did you mean") for a misspelt resource, element or property group.
 *
 * Built only on f2c_fhirmodel.h (its lookups and its enumeration API), so the generator, the
 * transformer and the FHIRPath engine read one model.  Names come in the model's order (byte
 * order of names).  Returned names are the model's static strings.
 */
#ifndef FHIR2CDM_GEN_CONFIG_MODEL_H
#define FHIR2CDM_GEN_CONFIG_MODEL_H

#include <stddef.h>

#include "fhir2cdm/f2c_buf.h"

/* Non-zero for a resource type a table can be about: a resource that is not one of the
 * abstract bases Resource and DomainResource (NULL and unknown names: 0). */
int gcm_is_concrete_resource(const char *type);

/* The concrete resource types (the 146 of R4) in name order, as a gc_xmalloc'ed array of
 * static names (free the array, not the names); *n is set to their number. */
const char **gcm_concrete_resources(size_t *n);

/* Each appends "; did you mean: A, B" (gc_suggest's closest names) to out, or nothing when no
 * name is close:
 *   gcm_suggest_resource  among the concrete resource types;
 *   gcm_suggest_element   among the elements and choice bases ("deceased") of `type`;
 *   gcm_suggest_group     among the types a property group can describe (neither primitive
 *                         nor resource: complex datatypes and backbone elements). */
void gcm_suggest_resource(const char *word, f2c_buf *out);
void gcm_suggest_element(const char *type, const char *word, f2c_buf *out);
void gcm_suggest_group(const char *word, f2c_buf *out);

#endif
