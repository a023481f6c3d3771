/* breachcheck notify DIR (--export | --destroy | --letters | --email ...): docs/notify.md. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "notices/notices.h"
#include "notify/notify.h"

static const char usage[] =
	"usage: breachcheck notify DIR --export\n"
	"       breachcheck notify DIR --destroy\n"
	"DIR is the notices directory of ingest --notices DIR (secret: names, addresses, codes).\n"
	"  --export     write the notices, decrypted, as JSON lines to standard output\n"
	"               (the mail-merge file for a mailing house; keep it as secret as DIR)\n"
	"  --destroy    delete the notices key and the rendered letters: the notices can no\n"
	"               longer be read (the codes already sent keep working)\n"
	"See docs/notify.md.\n";

int cmd_notify(int argc, char **argv)
{
	struct bc_error err = BC_ERROR_INIT;
	const char *dir = NULL;
	int export_ = 0, destroy = 0, i;
	size_t n;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--export")) {
			export_ = 1;
		} else if (!strcmp(a, "--destroy")) {
			destroy = 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "breachcheck notify: unknown option %s\n%s", a, usage);
			return BC_EXIT_USAGE;
		} else if (!dir) {
			dir = a;
		} else {
			fprintf(stderr, "breachcheck notify: expected one DIR\n%s", usage);
			return BC_EXIT_USAGE;
		}
	}
	if (!dir || export_ + destroy != 1) {
		fprintf(stderr, "breachcheck notify: give DIR and one action\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (export_) {
		if (bc_notify_export(dir, stdout, &n, &err) != 0) {
			cli_print_error(&err);
			return BC_EXIT_FAILURE;
		}
		fprintf(stderr, "notify: %zu notices exported\n", n);
		return BC_EXIT_OK;
	}
	if (bc_notices_destroy(dir, &err) != 0) {
		cli_print_error(&err);
		return BC_EXIT_FAILURE;
	}
	fprintf(stderr, "notify: the notices key of %s is destroyed; notices.jsonl can no longer be read. "
		"Copies given to a mailing house must be deleted too (docs/notify.md).\n", dir);
	return BC_EXIT_OK;
}
