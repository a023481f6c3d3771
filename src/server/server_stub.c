/* placeholder until the module lands */
int bc_server_placeholder(void);
int bc_server_placeholder(void) { return 0; }
