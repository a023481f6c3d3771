#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

int cli_not_implemented(const char *sub)
{
	fprintf(stderr, "breachcheck %s: not implemented yet\n", sub);
	return BC_EXIT_USAGE;
}

void cli_print_error(const struct bc_error *err)
{
	char buf[512];

	fprintf(stderr, "breachcheck: %s\n", bc_error_format(err, buf, sizeof(buf)));
}
