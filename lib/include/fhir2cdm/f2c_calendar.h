/*
 * f2c_calendar: proleptic Gregorian calendar arithmetic -- leap years, month lengths, and the
 * day number of a civil date -- the one copy used by cell rendering (zone offsets that move the
 * date), FHIRPath date/time values and Parquet DATE/TIMESTAMP values.
 *
 * Day numbers count days since 1970-01-01 (negative before it), the convention of Parquet's
 * DATE logical type and of Unix time.  Algorithms: H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms" (days_from_civil, civil_from_days), exact for every int64 year whose day
 * number fits int64.  Pure functions: no state, no allocation.
 */
#ifndef FHIR2CDM_F2C_CALENDAR_H
#define FHIR2CDM_F2C_CALENDAR_H

#include <stdint.h>

/* 1 when y is a leap year of the proleptic Gregorian calendar, else 0. */
int f2c_cal_is_leap(int64_t y);

/* Days in month m (1..12, asserted) of year y: 28..31. */
int f2c_cal_days_in_month(int64_t y, int m);

/* Day number (days since 1970-01-01) of y-m-d; m 1..12, d 1..31 (not checked against the
 * month: 1970-02-31 is 1970-03-03). */
int64_t f2c_cal_days_from_civil(int64_t y, int m, int d);

/* The civil date of day number z into *y, *m (1..12), *d (1..31): inverse of the above. */
void f2c_cal_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
