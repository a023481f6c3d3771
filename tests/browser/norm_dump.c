/*
 * Differential-test helper for the page: reads lines "kind<TAB>input" on
 * stdin (kind: nir, last_name, first_name, dob, email, phone) and prints, per
 * line, the C normaliser's answer: "OK<TAB>canonical" or "ERROR<TAB>reason".
 * Two-digit years are read with today fixed at 2026-11-29, as in
 * vectors/normalize.tsv. Test tool only; its output holds synthetic data.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "normalize/normalize.h"

static int run(const char *kind, const char *in, size_t len, char *out, size_t outsize)
{
	struct tm ref;

	memset(&ref, 0, sizeof(ref));
	ref.tm_year = 2026 - 1900;
	ref.tm_mon = 10;
	ref.tm_mday = 29;
	if (!strcmp(kind, "nir"))
		return bc_norm_nir(in, len, out, outsize, NULL);
	if (!strcmp(kind, "last_name"))
		return bc_norm_last_name(in, len, out, outsize);
	if (!strcmp(kind, "first_name"))
		return bc_norm_first_name(in, len, out, outsize);
	if (!strcmp(kind, "dob"))
		return bc_norm_dob(in, len, &ref, out, outsize);
	if (!strcmp(kind, "email"))
		return bc_norm_email(in, len, out, outsize);
	if (!strcmp(kind, "phone"))
		return bc_norm_phone(in, len, out, outsize);
	return 1;
}

int main(void)
{
	static char line[8192];
	char out[BC_EMAIL_MAX + 1];

	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strlen(line);
		char *tab;
		int st;

		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		tab = strchr(line, '\t');
		if (!tab) {
			puts("ERROR\tbad_line");
			continue;
		}
		*tab = '\0';
		/* names use BC_NAME_MAX, emails BC_EMAIL_MAX, as the ingest does */
		st = run(line, tab + 1, len - (size_t)(tab + 1 - line), out,
			 !strcmp(line, "email") ? BC_EMAIL_MAX : BC_NAME_MAX);
		if (st == 1)
			puts("ERROR\tbad_kind");
		else if (st == BC_NORM_OK)
			printf("OK\t%s\n", out);
		else
			printf("ERROR\t%s\n", bc_norm_reason(st));
	}
	return 0;
}
