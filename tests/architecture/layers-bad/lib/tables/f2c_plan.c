int f2c_plan(void) { return 0; }
