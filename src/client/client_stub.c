/* placeholder until the module lands */
int bc_client_placeholder(void);
int bc_client_placeholder(void) { return 0; }
