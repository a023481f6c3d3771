#include <stdio.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: breachcheck serve --index DIR --key KEYFILE [--listen ADDR:PORT] [--metrics-listen ADDR:PORT]\n";

int cmd_serve(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	return cli_not_implemented("serve");
}
