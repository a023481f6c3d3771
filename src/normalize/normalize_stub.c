/* placeholder until the module lands */
int bc_normalize_placeholder(void);
int bc_normalize_placeholder(void) { return 0; }
