/*
 * f2c_calendar: proleptic Gregorian calendar arithmetic (f2c_calendar.h).  Why a module: three
 * layers (rendering, FHIRPath, Parquet) turn dates into day numbers and back; one copy of the
 * arithmetic keeps them agreeing on every date, including those before 1970 and year 0001.
 */
#include "fhir2cdm/f2c_calendar.h"

#include <assert.h>

int f2c_cal_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int f2c_cal_days_in_month(int64_t y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(m >= 1 && m <= 12);
    return m == 2 && f2c_cal_is_leap(y) ? 29 : dim[m - 1];
}

/* Hinnant, days_from_civil: years counted from March, in 400-year eras. */
int64_t f2c_cal_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                            /* [0, 399] */
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Hinnant, civil_from_days. */
void f2c_cal_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + yoe + (*m <= 2);
}
