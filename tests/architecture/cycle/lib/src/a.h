/* Fixture for architecture.include_cycles_detected: a.c and b.c use each other. */
int a_one(void);
