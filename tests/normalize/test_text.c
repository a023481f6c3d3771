/* Mojibake repair and two-name fields (src/normalize/text.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "normalize/normalize.h"
#include "normalize/text.h"
#include "testlib.h"

/* Test-side encoder: UTF-8 bytes read as Windows-1252, written back as UTF-8. */
static size_t make_mojibake(const char *in, char *out, size_t outsize)
{
	return bc_test_cp1252_to_utf8(in, strlen(in), out, outsize);
}

static void test_mojibake_examples(void **state)
{
	char out[256], once[256], twice[256];
	size_t n;

	(void)state;
	assert_int_equal(bc_repair_mojibake("HÃ©lÃ¨ne", strlen("HÃ©lÃ¨ne"), out, sizeof out, &n), 1);
	assert_string_equal(out, "Hélène");
	assert_int_equal(n, strlen("Hélène"));

	make_mojibake("Cœur D’Aubigné Müller", once, sizeof once);
	make_mojibake(once, twice, sizeof twice);
	assert_int_equal(bc_repair_mojibake(once, strlen(once), out, sizeof out, NULL), 1);
	assert_string_equal(out, "Cœur D’Aubigné Müller");
	assert_int_equal(bc_repair_mojibake(twice, strlen(twice), out, sizeof out, NULL), 2);
	assert_string_equal(out, "Cœur D’Aubigné Müller");

	/* correct text is left alone */
	assert_int_equal(bc_repair_mojibake("Hélène", strlen("Hélène"), out, sizeof out, NULL), 0);
	assert_string_equal(out, "Hélène");
	assert_int_equal(bc_repair_mojibake("MARTIN", 6, out, sizeof out, &n), 0);
	assert_string_equal(out, "MARTIN");
	assert_int_equal(bc_repair_mojibake("Ã", strlen("Ã"), out, sizeof out, NULL), 0);
	assert_string_equal(out, "Ã");
	assert_int_equal(bc_repair_mojibake("€ 12", strlen("€ 12"), out, sizeof out, NULL), 0);
	assert_int_equal(bc_repair_mojibake("Nguyễn", strlen("Nguyễn"), out, sizeof out, NULL), 0);
	assert_string_equal(out, "Nguyễn");
	/* correct text whose bytes happen to re-encode as valid UTF-8: "É" then a
	 * no-break space is C9 A0 as CP1252, which is U+0260 in UTF-8 */
	assert_int_equal(bc_repair_mojibake("TRAOR\xc3\x89\xc2\xa0", 9, out, sizeof out, NULL), 0);
	assert_string_equal(out, "TRAOR\xc3\x89\xc2\xa0");
	/* only when the whole string is consistent */
	assert_int_equal(bc_repair_mojibake("HÃ©lÃ¨ne Hélène", strlen("HÃ©lÃ¨ne Hélène"), out, sizeof out,
					    NULL), 0);
	assert_string_equal(out, "HÃ©lÃ¨ne Hélène");
	/* invalid UTF-8 is copied as is */
	assert_int_equal(bc_repair_mojibake("a\xff", 2, out, sizeof out, NULL), 0);
	assert_memory_equal(out, "a\xff", 3);

	/* in place, and buffer too small */
	snprintf(once, sizeof once, "%s", "LefÃ¨vre");
	assert_int_equal(bc_repair_mojibake(once, strlen(once), once, sizeof once, &n), 1);
	assert_string_equal(once, "Lefèvre");
	assert_int_equal(bc_repair_mojibake("HÃ©lÃ¨ne", strlen("HÃ©lÃ¨ne"), out, 4, NULL), -1);
	assert_string_equal(out, "");
	assert_int_equal(bc_repair_mojibake("", 0, out, 1, &n), 0);
	assert_int_equal(n, 0);
}

/* Every name of the reference data survives a round trip and is never "repaired" itself. */
static void round_trip_file(const char *name, int *checked)
{
	char *buf = bc_test_read_env_file("BC_DATA", name, NULL), *cur = buf, *line;
	int header = 0;

	assert_non_null(buf);
	while ((line = bc_test_next_line(&cur)) != NULL) {
		char moj[512], out[512];
		char *tab;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!header++)
			continue;
		tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		assert_int_equal(bc_repair_mojibake(line, strlen(line), out, sizeof out, NULL), 0);
		assert_string_equal(out, line);
		make_mojibake(line, moj, sizeof moj);
		bc_repair_mojibake(moj, strlen(moj), out, sizeof out, NULL);
		if (strcmp(out, line) != 0)
			fail_msg("%s: round trip of a row failed", name);
		(*checked)++;
	}
	free(buf);
}

static void test_mojibake_reference_names(void **state)
{
	int checked = 0;

	(void)state;
	round_trip_file("fr_surnames.tsv", &checked);
	round_trip_file("fr_given_names.tsv", &checked);
	round_trip_file("fr_streets.tsv", &checked);
	assert_true(checked > 2500);
}

static void expect_split(const char *in, int want_ret, const char *birth, const char *usage)
{
	struct bc_span b, u;
	int r = bc_split_name_field(in, strlen(in), &b, &u);

	if (r != want_ret || b.len != strlen(birth) || strncmp(in + b.off, birth, b.len) != 0 ||
	    u.len != strlen(usage) || strncmp(in + u.off, usage, u.len) != 0)
		fail_msg("split '%s': got %d birth '%.*s' usage '%.*s'", in, r, (int)b.len, in + b.off,
			 (int)u.len, in + u.off);
}

static void test_split_name_field(void **state)
{
	(void)state;
	expect_split("DUPONT épouse MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT ÉPOUSE MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT EPOUSE MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT ép. MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT Ép. MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT ep MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT épse MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("DUPONT, épouse MARTIN-DURAND", 1, "DUPONT", "MARTIN-DURAND");
	expect_split("MARTIN née DUPONT", 1, "DUPONT", "MARTIN");
	expect_split("MARTIN nee DUPONT", 1, "DUPONT", "MARTIN");
	expect_split("MARTIN NÉE DUPONT", 1, "DUPONT", "MARTIN");
	expect_split("MARTIN (née DUPONT)", 1, "DUPONT", "MARTIN");
	expect_split("Le Goff née Da Silva", 1, "Da Silva", "Le Goff");
	expect_split("Vve MARTIN", 1, "", "MARTIN");
	expect_split("veuve MARTIN", 1, "", "MARTIN");
	expect_split("VVE. MARTIN", 1, "", "MARTIN");
	expect_split("DUPONT veuve MARTIN", 1, "DUPONT", "MARTIN");
	expect_split("née DUPONT", 1, "DUPONT", "");
	/* not split */
	expect_split("DUPONT-MARTIN", 0, "DUPONT-MARTIN", "");
	expect_split("  Le Goff ", 0, "Le Goff", "");
	expect_split("NEEL", 0, "NEEL", "");
	expect_split("DEPOUSE", 0, "DEPOUSE", "");
	expect_split("Vve", 0, "Vve", "");
	expect_split("", 0, "", "");
}

/* The shared-mailbox rule's key (DESIGN.md §6): spellings of one mailbox give one key. */
static void test_mailbox_key(void **state)
{
	static const char *const cases[][2] = {
		{"victim+1@example.org", "victim@example.org"},
		{"victim@example.org", "victim@example.org"},
		{"v.ictim+t6@gmail.com", "victim@gmail.com"},
		{"v.i.c.t.i.m@googlemail.com", "victim@gmail.com"},
		{"v.ictim@example.org", "v.ictim@example.org"}, /* dots only matter at Gmail */
		{"élodie+labo@example.fr", "élodie@example.fr"},
		{"+tag@example.org", "@example.org"},
	};
	char out[BC_EMAIL_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = bc_norm_mailbox_key(cases[i][0], strlen(cases[i][0]), out);
		assert_int_equal(n, strlen(cases[i][1]));
		assert_memory_equal(out, cases[i][1], n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mojibake_examples),
		cmocka_unit_test(test_mojibake_reference_names),
		cmocka_unit_test(test_split_name_field),
		cmocka_unit_test(test_mailbox_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
