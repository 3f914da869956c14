/*
 * f2c_sink_csv: the CSV row sink (f2c_sink.h), the first output format.  Its own header so that
 * the interface (f2c_sink.h) names no format and each format is one header + one source file.
 */
#ifndef FHIR2CDM_F2C_SINK_CSV_H
#define FHIR2CDM_F2C_SINK_CSV_H

#include "fhir2cdm/f2c_sink.h"

/* The CSV sink: each partition is RFC 4180 records exactly as f2c_csv writes them (fields quoted
 * only when needed, CRLF record ends), the header record of the table's column names first;
 * files end in ".csv"; a published partition matches a table when it starts with the header
 * record the table writes now (f2c_cdm_header_record) and CRLF.  Stateless (state NULL).  o may be
 * NULL; its Parquet options (compression, decimal_precision, memory_bytes) must be unset.
 * Returns F2C_OK, or F2C_EUSAGE when a Parquet option is set. */
f2c_status f2c_sink_csv_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err);

#endif
