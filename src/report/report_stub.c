/* placeholder until the module lands */
int bc_report_placeholder(void);
int bc_report_placeholder(void) { return 0; }
