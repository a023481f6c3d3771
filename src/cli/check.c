#include <stdio.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: breachcheck check (--server URL | --index DIR --key KEYFILE) [identifiers] [--json] [--lang fr|en]\n";

int cmd_check(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	return cli_not_implemented("check");
}
