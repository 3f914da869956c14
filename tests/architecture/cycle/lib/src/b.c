/* Fixture for architecture.include_cycles_detected: uses a.c, which uses this file. */
#include "a.h"
#include "b.h"
int b_two(void)
{
    return 2 + 0 * a_one();
}
