/*
 * f2c_pq_value: the exact conversions from a cell's text (as f2c_render.h renders it) to the
 * value of a typed Parquet column -- booleans, 32-bit integers, decimals as unscaled 128-bit
 * integers, dates as days, timestamps and times as microseconds -- and from such a value back
 * to the canonical text that converts to it again (reading partitions back for merge mode).
 *
 * Why a module of its own (internal to lib/cdm): the Parquet sink (f2c_sink_parquet.c) must turn
 * every cell into its column's value without ever passing through binary floating point, and
 * with every change it makes (rounding) or value it drops (out of range, unparseable) reported,
 * never silent.  Keeping the conversions pure -- text in, value and verdict out, no allocation,
 * no locale, no printf -- lets tests/parquet-values check each rule from a case file, apart from
 * the writer.
 *
 * Every function reads s[0..n) (not NUL-terminated; n > 0: the empty cell is a null and never
 * reaches these) and returns an f2c_pqv verdict; the value out-parameters are set only on
 * F2C_PQV_OK and F2C_PQV_ROUNDED.  Calendar: proleptic Gregorian, years 0001..9999 (FHIR R4
 * §2.24.0.1 date/dateTime/instant/time regexes bound the fields).  Threads: pure functions.
 */
#ifndef FHIR2CDM_F2C_PQ_VALUE_H
#define FHIR2CDM_F2C_PQ_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum f2c_pqv {
    F2C_PQV_OK = 0,  /* the exact value */
    F2C_PQV_ROUNDED, /* the value rounded half-even to the column's resolution (warn) */
    F2C_PQV_RANGE,   /* well-formed but not representable in the column: leave null (warn) */
    F2C_PQV_BAD,     /* not text of the column's kind: leave null (warn) */
    F2C_PQV_DROPPED  /* date: a time of day other than midnight was dropped (warn) */
} f2c_pqv;

/* "true" -> 1, "false" -> 0; anything else F2C_PQV_BAD. */
f2c_pqv f2c_pqv_bool(const char *s, size_t n, int *out);

/* Optional sign ('-' or '+') and decimal digits (leading zeros allowed) -> *out; F2C_PQV_RANGE
 * when the value is outside the 32-bit signed range, F2C_PQV_BAD when not of that shape. */
f2c_pqv f2c_pqv_int32(const char *s, size_t n, int32_t *out);

/* As f2c_pqv_int32, for the 64-bit signed range (integer64 / BIGINT columns). */
f2c_pqv f2c_pqv_int64(const char *s, size_t n, int64_t *out);

/*
 * A JSON number (RFC 8259 §6, leniently: optional '+', leading zeros allowed, digits required
 * before and after a '.': [+-]?D+(.D+)?([eE][+-]?D+)?) -> the unscaled value v = value *
 * 10^scale of DECIMAL(precision, scale) (1 <= precision <= 38, 0 <= scale <= precision) as a
 * signed 128-bit two's complement number *hi:*lo.  The exponent is applied by shifting digits;
 * digits beyond the scale are rounded half-even (F2C_PQV_ROUNDED, only when a dropped digit is
 * non-zero); |v| >= 10^precision after rounding is F2C_PQV_RANGE.  Negative zero gives 0.
 */
f2c_pqv f2c_pqv_decimal(const char *s, size_t n, int precision, int scale, int64_t *hi,
                        uint64_t *lo);

/* "YYYY-MM-DD", optionally followed by the renderer's "Thh:mm:ss[.f...]Z" -> days since
 * 1970-01-01 (negative before).  A time other than midnight (a leap second included) is
 * dropped: F2C_PQV_DROPPED with *out set to the date's days. */
f2c_pqv f2c_pqv_date(const char *s, size_t n, int32_t *out);

/* "YYYY-MM-DDThh:mm:ss[.f...]Z" (UTC, as rendered) -> microseconds since 1970-01-01T00:00:00Z;
 * more than 6 fractional digits are rounded half-even (F2C_PQV_ROUNDED; may carry into the next
 * second, minute, day); a leap second (ss = 60) is F2C_PQV_RANGE. */
f2c_pqv f2c_pqv_timestamp(const char *s, size_t n, int64_t *out);

/* "YYYY-MM-DDThh:mm:ss[.f...]" (no zone: a timestamp not adjusted to UTC, as an SQL TIMESTAMP
 * column is rendered) -> microseconds since 1970-01-01T00:00:00 of that clock; rounding and
 * ranges as f2c_pqv_timestamp. */
f2c_pqv f2c_pqv_timestamp_local(const char *s, size_t n, int64_t *out);

/* "hh:mm:ss[.f...]" -> microseconds since midnight (0 <= v < 86400000000); rounding as for
 * timestamps; a leap second or a value rounding up to 24:00:00 is F2C_PQV_RANGE. */
f2c_pqv f2c_pqv_time(const char *s, size_t n, int64_t *out);

/*
 * Back to text (the Parquet reader, f2c_parquet_read.c, gives merge mode cells to write again):
 * each function writes into out (at least F2C_PQV_TEXT_MAX bytes; not NUL-terminated) the one
 * canonical text that the matching parser above reads back to exactly v with verdict
 * F2C_PQV_OK, and returns its length; 0 (nothing to rely on in out) when no text parses to v:
 * a date or timestamp outside years 0001..9999, a time outside one day, a decimal with
 * |v| >= 10^precision or precision/scale out of range.  Canonical forms: integers as their
 * digits with '-' when negative; decimals with exactly `scale` fraction digits ("-0.50" at scale
 * 2, "7" at scale 0); clocks "hh:mm:ss" plus ".f" up to the last non-zero microsecond digit.
 */
#define F2C_PQV_TEXT_MAX 48

/* int32 and int64 values (f2c_pqv_int32, f2c_pqv_int64); never 0. */
size_t f2c_pqv_int_text(int64_t v, char *out);

/* The unscaled value hi:lo (signed 128-bit two's complement) of DECIMAL(precision, scale). */
size_t f2c_pqv_decimal_text(int64_t hi, uint64_t lo, int precision, int scale, char *out);

/* Days since 1970-01-01 -> "YYYY-MM-DD" (f2c_pqv_date). */
size_t f2c_pqv_date_text(int32_t days, char *out);

/* Microseconds since 1970-01-01T00:00:00 -> "YYYY-MM-DDThh:mm:ss[.f]" followed by 'Z' when utc
 * (f2c_pqv_timestamp), without when not (f2c_pqv_timestamp_local). */
size_t f2c_pqv_timestamp_text(int64_t us, int utc, char *out);

/* Microseconds since midnight -> "hh:mm:ss[.f]" (f2c_pqv_time). */
size_t f2c_pqv_time_text(int64_t us, char *out);

#endif
