#ifndef BC_CLI_H
#define BC_CLI_H

/*
 * Subcommands of the breachcheck binary. Each takes argv as given after the
 * subcommand name (argv[0] is the subcommand) and returns the process exit
 * status: 0 success (check: found), 1 check: not found, 2 bad input or usage,
 * 3 any other failure.
 */

#include <stdio.h>

#include "util/error.h"

enum {
	BC_EXIT_OK = 0,
	BC_EXIT_NOT_FOUND = 1,
	BC_EXIT_USAGE = 2,
	BC_EXIT_FAILURE = 3,
};

int cmd_keygen(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_notify(int argc, char **argv);

/* True if argv holds -h or --help (before any "--"). */
int cli_wants_help(int argc, char **argv);

/* Print "breachcheck SUB: not implemented yet" to stderr; returns BC_EXIT_USAGE. */
int cli_not_implemented(const char *sub);

/*
 * Read one line typed by the person into buf (size bytes, NUL-terminated,
 * line end removed): on a terminal after prompt (on stderr) without echo;
 * with from_stdin, the next line of standard input (no prompt). Never from
 * argv: secrets do not belong in the process list or the shell history.
 * Returns the length, -1 at end of input or for a line of size bytes or
 * more (buf wiped), -2 when standard input is not a terminal and from_stdin
 * is 0 (say: use --stdin).
 */
int cli_read_secret(const char *prompt, int from_stdin, char *buf, size_t size);

/* The same, with the typed text echoed when echo is 1 (an email address, a
 * name: not secret from someone looking at the screen, unlike a NIR). */
int cli_read_input(const char *prompt, int from_stdin, int echo, char *buf, size_t size);

/* Print "breachcheck: <formatted error>" to stderr. */
void cli_print_error(const struct bc_error *err);

struct leak_profile;
struct bc_group;

/*
 * The profile's patients from the grouping of DESIGN §10 (issue #17: one
 * count for profile, ingest, pwn_count and the notices): finishes grp, fills
 * prof's patient counts (prof from leak_profile_init_grouped, fed the same
 * records in the same order as grp) and its rows not linkable by reason.
 * Both borrowed. Returns 0, or -1 with err ("out_of_memory").
 */
int cli_profile_patients(struct leak_profile *prof, struct bc_group *grp, struct bc_error *err);

#endif
