/* placeholder until the module lands */
int bc_index_placeholder(void);
int bc_index_placeholder(void) { return 0; }
