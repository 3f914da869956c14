/* f2c_sink_parquet: being written (issue 17); refuses until the writer lands. */
#include "fhir2cdm/f2c_sink_parquet.h"

f2c_status f2c_sink_parquet_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err)
{
    (void)o, (void)out;
    return f2c_error_set(err, F2C_EUSAGE, NULL, 0, 0, NULL, "parquet output is not built yet");
}
