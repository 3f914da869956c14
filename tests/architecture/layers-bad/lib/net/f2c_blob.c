int f2c_blob(void) { return 0; }
