#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "group/group.h"
#include "leak/profile.h"

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

static uint32_t row_patient(const void *ctx, size_t row)
{
	return bc_group_row_patient(ctx, row);
}

/*
 * The patients of DESIGN §10, counted as ingest, the catalogue's pwn_count
 * and the notices count them (issue #17): src/group groups the rows, the
 * profile counts its classes, labs and years per group. src/leak cannot call
 * src/group (two modules of floor 3, docs/architecture.md), so profile and
 * ingest feed each record to both. Unlinkable rows are listed by reason.
 */
int cli_profile_patients(struct leak_profile *prof, struct bc_group *grp, struct bc_error *err)
{
	const struct bc_group_stats *st;
	unsigned i;

	if (bc_group_finish(grp, err) != 0 ||
	    leak_profile_finish_grouped(prof, row_patient, grp, bc_group_patients(grp), err) != 0)
		return -1;
	st = bc_group_stats(grp);
	for (i = 1; i < BC_GROUP_REASONS && prof->n_unlinked_reasons < LEAK_PROFILE_REASONS; i++) {
		prof->unlinked_name[prof->n_unlinked_reasons] = bc_group_reason_name((enum bc_group_reason)i);
		prof->unlinked_text[prof->n_unlinked_reasons] = bc_group_reason_text((enum bc_group_reason)i);
		prof->unlinked_rows[prof->n_unlinked_reasons++] = st->unlinked[i];
	}
	return 0;
}
