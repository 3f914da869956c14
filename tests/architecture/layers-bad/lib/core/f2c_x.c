/* fixture: core must not use tables */
#include "fhir2cdm/f2c_plan.h"
int f2c_x(void) { return 0; }
