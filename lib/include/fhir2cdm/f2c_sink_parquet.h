/*
 * f2c_sink_parquet: the Parquet implementation of the row-sink interface (f2c_sink.h) -- one
 * staged partition file per table and input file, written by f2c_parquet with column types from
 * the table's FHIR types.
 *
 * Why a file of its own: the engine hands every sink the text rendering of each cell
 * (f2c_render.h); this file turns that text into the typed Parquet value of the column's FHIR
 * type (docs/parquet.md, "Column types"), exactly -- decimals from their digits, never through
 * binary floating point -- and reports every value it must change or leave out through the
 * partition's warn callback.
 */
#ifndef FHIR2CDM_F2C_SINK_PARQUET_H
#define FHIR2CDM_F2C_SINK_PARQUET_H

#include "fhir2cdm/f2c_parquet.h"
#include "fhir2cdm/f2c_sink.h"
#include "fhir2cdm/f2c_table.h"

/* The Parquet sink for options o (compression, decimal precision/scale, memory budget, table
 * count, created_by; see f2c_sink_options; NULL: all defaults).  Files end in ".parquet".  Each
 * partition's row groups close at memory_bytes / ntables buffered bytes, but at least 64 KiB, so
 * one input file's partitions buffer about max(memory_bytes, ntables * 64 KiB) of row groups
 * (the writer counts pages, open pages and dictionaries; a group closes after the row reaching
 * its size).  The footer's created_by is o->created_by; its key/value
 * metadata "fhir2cdm.version" (created_by's last word), "fhir2cdm.entity" and "fhir2cdm.table"
 * (the table's entity and name).  Values the sink changes or leaves null are reported through
 * the partition's warn callback (docs/parquet.md lists the reasons).  Returns F2C_OK with *out
 * set (state owned by the sink: f2c_sink_free), F2C_EUSAGE (unknown compression; decimal
 * precision outside 1..38 or scale outside 0..precision; message names the option), F2C_ENOMEM. */
f2c_status f2c_sink_parquet_new(const f2c_sink_options *o, f2c_sink *out, f2c_error *err);

/* The Parquet column of column i of table t under decimal precision/scale (the one mapping from
 * FHIR types to Parquet kinds, also used for the schema check and by the CDM manifest writer):
 * fills *out (name borrowed from t). */
void f2c_sink_parquet_column(const f2c_table *t, size_t i, int precision, int scale,
                             f2c_pq_column *out);

#endif
