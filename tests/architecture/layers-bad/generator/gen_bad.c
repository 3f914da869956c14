/* fixture: the generator must not use the network layer */
#include "fhir2cdm/f2c_blob.h"
