/*
 * gen_schema_int: the output formats of `fhir2cdm show-schema` (text and markdown:
 * gen_schema_text.c, json: gen_schema_json.c, html: gen_schema_html.c), as the command line
 * (gen_schema.c) calls them.
 *
 * Why a header of its own: the formats read the view model (gen_schema_model.h) and the command
 * line calls the formats, so the dependency goes one way, command line -> formats -> model;
 * with model and writers declared together, the model's file and the formats used each other.
 */
#ifndef FHIR2CDM_GEN_SCHEMA_INT_H
#define FHIR2CDM_GEN_SCHEMA_INT_H

#include <stdio.h>

#include "gen_schema_model.h"

/* Writers.  Each returns 0, or -1 when out of memory (the stream's own errors are checked by the
 * caller). */
int gs_write_text(FILE *f, const gs_schema *s);
int gs_write_markdown(FILE *f, const gs_schema *s);
int gs_write_json(FILE *f, const gs_schema *s);
int gs_write_html(FILE *f, const gs_schema *s);

/* Writes s to f with the five HTML special characters (& < > " ') escaped: safe in element
 * content and in quoted attribute values.  The one escaping function for config strings. */
void gs_html_escape(FILE *f, const char *s);

#endif
