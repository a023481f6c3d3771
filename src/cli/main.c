#include <stdio.h>
#include <string.h>

#include "bc_config.h"
#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "keygen", cmd_keygen, "create a server key file (secret, mode 0600)" },
	{ "profile", cmd_profile, "describe what a leak file holds, without any identifier" },
	{ "ingest", cmd_ingest, "turn a leak file into a publishable index (or one shard of it)" },
	{ "publish", cmd_publish, "join the shards of a sharded ingest and publish the index" },
	{ "serve", cmd_serve, "serve the index, the OPRF evaluator and the check page" },
	{ "check", cmd_check, "am I in it, and what of mine leaked?" },
	{ "export", cmd_export, "write an index's immutable files for a static host or CDN" },
	{ "notify", cmd_notify, "the notification campaign: letters, emails, export (docs/notify.md)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: breachcheck <command> [options]\n"
		   "       breachcheck --help | --version\n\n"
		   "Private breach notification: check whether you are in a leaked file,\n"
		   "and which of your data were exposed, without revealing who you are.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'breachcheck <command> --help' for a command's options.\n"
		   "Exit status: 0 success (check: found), 1 check: not found,\n"
		   "2 bad input or usage, 3 any other failure.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return BC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return BC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("breachcheck %s\n", BC_VERSION);
		return BC_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "breachcheck: unknown command '%.32s'; run 'breachcheck --help'\n", argv[1]);
	return BC_EXIT_USAGE;
}
