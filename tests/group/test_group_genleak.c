/*
 * Patient grouping on a generated leak with dependants (bc-genleak
 * --dependants 0.6 --row-owners): read with the leak reader, group, and
 * compare with the owner of every row. No patient may hold rows of two
 * people; a dependant's rows never join its parent; rows left unlinked and
 * people split in several patients stay rare. BC_GROUP_ROWS overrides the
 * row count (default 20000).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "group/group.h"
#include "leak/reader.h"

static void test_genleak_grouping(void **state)
{
	const char *build = getenv("BC_BUILD"), *rows_env = getenv("BC_GROUP_ROWS");
	char leak[256], truthp[256], ownp[256], cmd[1024];
	unsigned long rows = rows_env ? strtoul(rows_env, NULL, 10) : 20000, line, id, maxline = 0;
	uint32_t *owner_of_line, *who, *parent, *first_patient, n, np;
	size_t nrec = 0, r, split = 0, persons = 0, dependants = 0, with_sex = 0, with_contact = 0;
	uint32_t *rec_owner;
	struct leak_reader rd;
	struct bc_record rec;
	struct bc_group *g;
	struct bc_error err = BC_ERROR_INIT;
	struct timespec t0, t1;
	json_error_t jerr;
	FILE *f;
	int rc;
	char buf[8192];

	(void)state;
	assert_non_null(build);
	snprintf(leak, sizeof(leak), "/tmp/bc-group-%d.csv", (int)getpid());
	snprintf(truthp, sizeof(truthp), "/tmp/bc-group-%d.jsonl", (int)getpid());
	snprintf(ownp, sizeof(ownp), "/tmp/bc-group-%d.own", (int)getpid());
	snprintf(cmd, sizeof(cmd), "'%s/bc-genleak' --quiet --seed 7 --rows %lu --dependants 0.6 --out %s "
		 "--truth %s --row-owners %s", build, rows, leak, truthp, ownp);
	assert_int_equal(system(cmd), 0);

	/* owners by line */
	owner_of_line = calloc(rows * 2 + 16, sizeof(*owner_of_line));
	assert_non_null(owner_of_line);
	f = fopen(ownp, "r");
	assert_non_null(f);
	while (fscanf(f, "%lu %lu", &line, &id) == 2) {
		assert_true(line < rows * 2 + 16);
		owner_of_line[line] = (uint32_t)id;
		maxline = line > maxline ? line : maxline;
	}
	fclose(f);

	/* truth: who is whose dependant */
	parent = calloc(rows + 2, sizeof(*parent));
	assert_non_null(parent);
	f = fopen(truthp, "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		json_t *o = json_loads(buf, 0, &jerr), *ins;
		json_int_t pid;

		assert_non_null(o);
		pid = json_integer_value(json_object_get(o, "id"));
		assert_true(pid > 0 && (unsigned long)pid <= rows + 1);
		ins = json_object_get(o, "insured_by");
		if (json_is_integer(ins)) {
			parent[pid] = (uint32_t)json_integer_value(ins);
			dependants++;
		}
		persons++;
		json_decref(o);
	}
	fclose(f);
	assert_true(dependants > rows / 200); /* the file has dependants to catch */

	rec_owner = calloc(rows + 1, sizeof(*rec_owner));
	assert_non_null(rec_owner);
	assert_int_equal(bc_group_new(&g, NULL, 0, &err), 0);
	assert_int_equal(leak_reader_init(&rd, leak, NULL, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = leak_reader_next(&rd, &rec, &err)) > 0) {
		assert_true(rec.line <= maxline);
		assert_true(nrec < rows);
		rec_owner[nrec++] = owner_of_line[rec.line];
		assert_int_not_equal(rec_owner[nrec - 1], 0);
		assert_int_equal(bc_group_add(g, &rec, &err), 0);
		with_sex += rec.sex != BC_SEX_UNKNOWN;
		with_contact += rec.postcode[0] && rec.city[0] && rec.street[0] && rec.display_last[0] &&
				rec.display_first[0];
	}
	/* the generator leaves a cell out on 1-2 % of rows */
	assert_true(with_sex * 100 > nrec * 97);
	assert_true(with_contact * 100 > nrec * 90);
	assert_int_equal(rc, 0);
	assert_int_equal(bc_group_finish(g, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	leak_reader_release(&rd);
	assert_int_equal(nrec, rows);

	np = bc_group_patients(g);
	who = calloc(np, sizeof(*who));
	first_patient = calloc(rows + 2, sizeof(*first_patient));
	assert_non_null(who);
	assert_non_null(first_patient);
	for (r = 0; r < nrec; r++) {
		uint32_t p = bc_group_row_patient(g, r), o = rec_owner[r];

		if (p == BC_GROUP_UNLINKED)
			continue;
		if (!who[p])
			who[p] = o;
		if (who[p] != o)
			fail_msg("patient %u holds rows of people %u and %u (row %zu)", p, who[p], o, r);
		if (parent[o])
			assert_true(who[p] != parent[o]);
		if (!first_patient[o])
			first_patient[o] = p + 1;
		else if (first_patient[o] != p + 1 && first_patient[o] != UINT32_MAX) {
			first_patient[o] = UINT32_MAX; /* person split in several patients */
			split++;
		}
	}
	n = 0;
	for (r = 1; r <= persons; r++)
		n += first_patient[r] != 0;
	print_message("rows %zu, people %zu (%zu dependants), patients %u, people in a patient %u, "
		      "people split %zu, rows unlinked %lu (two NIRs %lu, two sexes %lu, NIR only %lu, "
		      "no identity %lu); read + group %.2f s\n",
		      nrec, persons, dependants, np, n, split, bc_group_stats(g)->rows_unlinked,
		      bc_group_stats(g)->unlinked[BC_GROUP_TWO_NIRS], bc_group_stats(g)->unlinked[BC_GROUP_TWO_SEXES],
		      bc_group_stats(g)->unlinked[BC_GROUP_NIR_ONLY], bc_group_stats(g)->unlinked[BC_GROUP_NO_IDENTITY],
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* few rows nobody can be told from, few people split (typos, a second birth name) */
	assert_true(bc_group_stats(g)->rows_unlinked * 100 < nrec);
	assert_true(split * 50 < persons);
	assert_true((size_t)n * 100 > persons * 99);
	bc_group_free(g);
	free(who);
	free(first_patient);
	free(rec_owner);
	free(parent);
	free(owner_of_line);
	unlink(leak);
	unlink(truthp);
	unlink(ownp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genleak_grouping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
