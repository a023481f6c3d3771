/* placeholder until the module lands */
int bc_oprf_placeholder(void);
int bc_oprf_placeholder(void) { return 0; }
