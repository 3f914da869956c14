/* f2c_parquet: the Parquet writer (lib/include/fhir2cdm/f2c_parquet.h); being written. */
#include "fhir2cdm/f2c_parquet.h"
