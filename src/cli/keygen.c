#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "oprf/keyfile.h"

static const char usage[] =
	"usage: breachcheck keygen KEYFILE\n"
	"\n"
	"Create a new server key file KEYFILE (a 32-byte random seed, mode 0600).\n"
	"Refuses to overwrite an existing file. Prints the two public keys\n"
	"(base64url, no padding), never the secret:\n"
	"  public_key           pkS, VOPRF (mode 0x01), info \"breachcheck v1\"\n"
	"  verified_public_key  pkV, POPRF (mode 0x02), info \"breachcheck v1 verified\"\n"
	"Keep KEYFILE secret and backed up: losing it makes every index unreadable.\n"
	"public_key goes in /v1/config (serve publishes it) and can be pinned in the page\n"
	"(-Dpage_public_key); verified_public_key is for the proof by email\n"
	"(-Dpage_verified_public_key). On standard error, keygen says so again.\n";

static void print_key(const char *name, const uint8_t pk[OPRF_ELEMENT_BYTES])
{
	char b64[sodium_base64_ENCODED_LEN(OPRF_ELEMENT_BYTES,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	sodium_bin2base64(b64, sizeof(b64), pk, OPRF_ELEMENT_BYTES,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	printf("%s %s\n", name, b64);
}

int cmd_keygen(int argc, char **argv)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;
	const char *path = NULL;
	int i, ret = BC_EXIT_FAILURE;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc && !path) {
			path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "breachcheck keygen: unknown option %s\n%s", argv[i], usage);
			return BC_EXIT_USAGE;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "breachcheck keygen: expected one KEYFILE\n%s", usage);
			return BC_EXIT_USAGE;
		}
	}
	if (!path || !*path) {
		fprintf(stderr, "breachcheck keygen: missing KEYFILE\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (!strcmp(path, "-")) {
		fprintf(stderr, "breachcheck keygen: KEYFILE cannot be - (standard output): the seed "
			"is only ever written to a new file (use ./- for a file named -)\n");
		return BC_EXIT_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "breachcheck keygen: libsodium could not be initialised\n");
		return BC_EXIT_FAILURE;
	}
	if (bc_key_generate(path, &err) != 0) {
		cli_print_error(&err);
		ret = strcmp(err.code, "exists") == 0 ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
		goto out;
	}
	if (bc_key_load(path, &key, &err) != 0) {
		cli_print_error(&err);
		goto out;
	}
	print_key("public_key", key->pk_s);
	print_key("verified_public_key", key->pk_v);
	/* what each key is for and where it goes (issue 17); stdout stays the
	 * two machine-readable lines */
	fprintf(stderr,
		"breachcheck keygen: %s written (mode 0600). Keep it secret and backed up: it\n"
		"  unlocks every index made with it, and without it no index can be read.\n"
		"  public_key: every search is proved against it. serve publishes it in /v1/config,\n"
		"    where the page and breachcheck check read it. To pin it in the page (a server\n"
		"    then cannot give a visitor another key), build with\n"
		"    meson configure build -Dpage_public_key=<public_key>.\n"
		"  verified_public_key: the same, for the proof by email (/v1/verify/evaluate);\n"
		"    also in /v1/config; pin it with -Dpage_verified_public_key=<verified_public_key>.\n"
		"  Nothing else to copy: ingest and serve read %s; its state directory\n"
		"  %s.state/ (as secret) appears beside it at the first ingest.\n",
		path, path, path);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "breachcheck keygen: cannot write to standard output\n");
		goto out;
	}
	ret = BC_EXIT_OK;
out:
	bc_key_free(key);
	return ret;
}
