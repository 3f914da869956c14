/*
 * f2c_table: the table model, the one description of an output table that every part of the
 * project reads (the transformer's row builder, the CSV header, model.json, and later the
 * schema viewer), so the columns and their order can never disagree between them.
 *
 * A table is either a resource table (one row per resource; first column ResourceId), an
 * unroll table (one row per element reached by its unrollPath; first columns RowId, ResourceId,
 * FhirPath, ParentPath) or a view (a SQL on FHIR ViewDefinition, f2c_view.h; no reserved
 * columns).  Its user columns come after the reserved ones, in declaration order, with property
 * groups already expanded (see f2c_tablecfg.h).
 *
 * Ownership: an f2c_tableset owns everything reachable from it (all strings and arrays are
 * heap-allocated and released by f2c_tableset_free).  A loaded tableset is immutable and may be
 * read from several threads at once.
 */
#ifndef FHIR2CDM_F2C_TABLE_H
#define FHIR2CDM_F2C_TABLE_H

#include <stddef.h>

#include "fhir2cdm/f2c_type.h"

/* Reserved column names (the original tool's). */
#define F2C_COL_ROWID "RowId"
#define F2C_COL_RESOURCEID "ResourceId"
#define F2C_COL_FHIRPATH "FhirPath"
#define F2C_COL_PARENTPATH "ParentPath"

/* One step of a column path: an element name, and the choice-type spelling to try when the
 * element itself is absent (e.g. step "deceased" with alt "deceasedDateTime"); alt may be NULL. */
typedef struct f2c_step {
    char *name;
    char *alt;
} f2c_step;

typedef struct f2c_column {
    char *name;            /* column (CDM attribute) name, e.g. "NamePeriodStart" */
    f2c_type type;         /* declared type; never F2C_T_NONE */
    f2c_step *path;        /* element steps from the row's node: group paths, then the property's */
    size_t npath;          /* 0: the row's node itself */
    char *fhir_expression; /* FHIRPath evaluated with the node at `path` as context; or NULL */
    char *origin;          /* where it was declared: "file#/json/pointer" (for messages) */
    /* A decimal column's DECIMAL(precision, scale) when the column asks for its own (a view
     * column tagged ansi/type DECIMAL(p,s)); 0: the run's (--decimal, the Parquet default). */
    int precision, scale;
} f2c_column;

typedef struct f2c_table {
    char *name;          /* table name as configured, e.g. "PatientName" */
    char *entity;        /* CDM entity name: "Local" + name */
    char *resource_type; /* e.g. "Patient" */
    char *unroll_path; /* as configured, e.g. "Patient.contact.telecom"; NULL for resource tables */
    char **unroll;     /* unroll steps after the resource type: {"contact","telecom"} */
    size_t nunroll;    /* 0 for a resource table */
    f2c_column *columns; /* user columns in declaration order */
    size_t ncolumns;
    char *file; /* configuration file the table came from */
    /* 1: a SQL on FHIR ViewDefinition (f2c_view.h): no reserved columns, `columns` are the view's
     * columns in its column order (fhir_expression the column's FHIRPath; path its steps when
     * it is a plain path of single-valued elements, which the plan follows directly);
     * 0: a configured table. */
    int view;
} f2c_table;

typedef struct f2c_tableset {
    f2c_table *tables; /* sorted by name (byte order) so output order never depends on readdir */
    size_t count;
} f2c_tableset;

/* Number of reserved columns of t: 1 (resource table), 4 (unroll table) or 0 (view). */
size_t f2c_table_reserved_count(const f2c_table *t);

/* Total columns: reserved + user. */
size_t f2c_table_width(const f2c_table *t);

/* Name of column i (0 <= i < width) in output order: reserved first, then user columns. */
const char *f2c_table_column_name(const f2c_table *t, size_t i);

/* Type of column i: reserved columns are F2C_T_STRING. */
f2c_type f2c_table_column_type(const f2c_table *t, size_t i);

/* Longest table or view name accepted: the name becomes an entity folder name and part of file
 * names, which file systems limit (255 bytes per component). */
#define F2C_TABLE_NAME_MAX 128

/* What is wrong with a table or view name (f2c_table_name_check). */
typedef enum f2c_name_problem {
    F2C_NAME_OK = 0,
    F2C_NAME_EMPTY,    /* "" */
    F2C_NAME_TOO_LONG, /* more than F2C_TABLE_NAME_MAX characters */
    F2C_NAME_BAD_CHAR, /* a character other than A-Z, a-z, 0-9 and _ */
    F2C_NAME_BAD_START /* (column names only) the first character is not a letter */
} f2c_name_problem;

/*
 * The one rule for table and view names (the loaders of table configurations and of
 * ViewDefinitions both apply it before anything is written): 1 to F2C_TABLE_NAME_MAX characters
 * of [A-Za-z0-9_], so the name is a safe folder and file name everywhere (no '/', no '.', no
 * "..", nothing a file system or a SQL identifier would refuse).  name must not be NULL.
 * Returns F2C_NAME_OK or the problem, checked in the order empty, too long, bad character
 * (callers word the message).
 */
f2c_name_problem f2c_table_name_check(const char *name);

/*
 * Whether two table or view names collide as folder names: equal ignoring ASCII case (two
 * folders that differ only in case are one folder on case-insensitive file systems).  Neither
 * may be NULL; any bytes are compared (only A-Z are folded).  Returns 1 or 0.
 */
int f2c_table_name_same(const char *a, const char *b);

/*
 * Longest column name accepted: 128 characters, what T-SQL (Synapse serverless and dedicated
 * pools) allows.  PostgreSQL keeps only the first 63 bytes (NAMEDATALEN-1) of an identifier,
 * silently, in CREATE TABLE and in every query alike, so a longer name still works there as long
 * as no two columns of a table share those 63 bytes: hence F2C_COLUMN_NAME_UNIQUE.  (63 as the
 * length limit would refuse real names: generate-config --resources over all of R4 produces a
 * 64-character one, MedicinalProduct's
 * ManufacturingBusinessOperationAuthorisationReferenceNumberSystem.)
 */
#define F2C_COLUMN_NAME_MAX 128

/* Column names of one table or view must differ, ignoring ASCII case, within their first
 * F2C_COLUMN_NAME_UNIQUE characters (f2c_table_column_same). */
#define F2C_COLUMN_NAME_UNIQUE 63

/* The column rule in words, for messages (keep in step with the two limits above). */
#define F2C_COLUMN_NAME_RULE                                                                       \
    "a column name is 1 to 128 characters: a letter, then letters, digits or underscores"

/*
 * The one rule for column names, of table configurations (after property-group expansion) and
 * of ViewDefinitions alike, applied when they are loaded (the transformer, generate-config and
 * synapse-sql all use it): 1 to F2C_COLUMN_NAME_MAX characters, a letter (A-Z, a-z) then letters,
 * digits and underscores -- the SQL on FHIR v2 column-name rule ^[A-Za-z][A-Za-z0-9_]*$, which is
 * a plain identifier in PostgreSQL and T-SQL and needs no escaping in a CSV header, model.json or
 * generated SQL.  name must not be NULL.  Returns F2C_NAME_OK or the first problem in the order
 * empty, too long, bad character, bad start (the wording: f2c_table_column_problem).
 * Uniqueness (case-insensitive, reserved columns included) is checked with f2c_table_column_same.
 */
f2c_name_problem f2c_table_column_name_check(const char *name);

/*
 * Whether two column names collide: equal ignoring ASCII case (SQL engines compare unquoted
 * names so) within their first F2C_COLUMN_NAME_UNIQUE characters (PostgreSQL truncates
 * identifiers there).  The loaders refuse a table or view with two such columns, or with a user
 * column that collides with one of its reserved columns (ResourceId, RowId, FhirPath,
 * ParentPath).  Neither may be NULL.  Returns 1 or 0.
 */
int f2c_table_column_same(const char *a, const char *b);

/*
 * What is wrong with a column name, as words that follow the name in a message ("is longer than
 * 63 characters"); each ends with the rule, so a message always says what is valid.  Returns a
 * static string (never NULL; "" for F2C_NAME_OK).
 */
const char *f2c_table_column_problem(f2c_name_problem p);

/*
 * Writes name as it is shown in a message into out[cap] (cap >= 16; always NUL-terminated):
 * printable ASCII other than '"' and '\\' as is, every other byte as \xNN, cut after 80 bytes of
 * the name with "..." -- so a refused name (a newline, a quote, 300 characters) can never break
 * the one-line diagnostic that quotes it.  name must not be NULL.  Returns out.
 */
char *f2c_table_name_shown(char *out, size_t cap, const char *name);

/* Index of the table named `name`, or -1. */
long f2c_tableset_find(const f2c_tableset *s, const char *name);

/* Releases everything owned by table t (not t itself) and zeroes it, for a table not (yet) in a
 * tableset.  NULL is allowed. */
void f2c_table_clear(f2c_table *t);

/* Releases everything owned by s and zeroes it.  NULL is allowed. */
void f2c_tableset_free(f2c_tableset *s);

#endif
