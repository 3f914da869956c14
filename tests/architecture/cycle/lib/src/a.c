/* Fixture for architecture.include_cycles_detected: uses b.c, which uses this file. */
#include "a.h"
#include "b.h"
int a_one(void)
{
    return b_two() - 1;
}
