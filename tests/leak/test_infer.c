/*
 * Files without a header (issue 11): bc-genleak writes leaks with no header
 * and their columns shuffled (both CSV dialects, several seeds), and the
 * mapping it used; the columns inferred from the content must be exactly
 * that mapping, column by column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "leak/reader.h"
#include "testlib.h"

static void infer_one(const char *dialect, int seed)
{
	const char *build = getenv("BC_BUILD");
	char *dir = bc_test_tmpdir("infer"), cmd[2048], leak[512], map[512];
	struct leak_options opt = { NULL, 0, 1, 0 };
	struct leak_mapping truth;
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	unsigned i, wrong = 0;

	assert_non_null(build);
	assert_non_null(dir);
	snprintf(leak, sizeof(leak), "%s/leak.csv", dir);
	snprintf(map, sizeof(map), "%s/truth.map", dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s/bc-genleak' --quiet --seed %d --rows 20000 --dialect %s --no-header --shuffle-columns "
		 "--out %s --mapping-truth %s",
		 build, seed, dialect, leak, map);
	assert_int_equal(system(cmd), 0);
	leak_mapping_init(&truth);
	assert_int_equal(leak_mapping_load(&truth, map, &err), 0);
	assert_int_equal(leak_reader_init(&r, leak, &opt, &err), 0);
	assert_int_equal(r.dialect.header, 0);
	assert_int_equal(r.columns.n, 19);
	assert_true(r.inference.applied);
	assert_int_equal(r.inference.rows, LEAK_INFER_SAMPLE_ROWS);
	for (i = 0; i < r.columns.n; i++) {
		if (r.columns.field[i] == truth.by_index[i])
			continue;
		fprintf(stderr, "%s seed %d: column %u inferred %s (%s), written %s\n", dialect, seed, i + 1,
			leak_field_name(r.columns.field[i]), r.inference.evidence[i], leak_field_name(truth.by_index[i]));
		wrong++;
	}
	assert_int_equal(wrong, 0);
	/* the evidence of the NIR column is a share of valid keys */
	for (i = 0; i < r.columns.n; i++)
		if (r.columns.field[i] == LEAK_FIELD_NIR)
			assert_non_null(strstr(r.inference.evidence[i], "% valid NIR keys"));
	leak_reader_release(&r);
	assert_int_equal(bc_test_rmtree(dir), 0);
	free(dir);
}

static void test_shuffled_comma(void **state)
{
	(void)state;
	infer_one("fr-comma-utf8", 1);
	infer_one("fr-comma-utf8", 7);
}

static void test_shuffled_semicolon(void **state)
{
	(void)state;
	infer_one("fr-semicolon-cp1252", 2);
	infer_one("fr-semicolon-cp1252", 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shuffled_comma),
		cmocka_unit_test(test_shuffled_semicolon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
