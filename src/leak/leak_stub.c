/* placeholder until the module lands */
int bc_leak_placeholder(void);
int bc_leak_placeholder(void) { return 0; }
