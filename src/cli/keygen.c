#include <stdio.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: breachcheck keygen KEYFILE\n";

int cmd_keygen(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	return cli_not_implemented("keygen");
}
