/*
 * Ingest groups its rows with bc_group_add_ids, keyed by its own token ids
 * (docs/grouping.md); profile groups the same records with bc_group_add.
 * The two must agree row by row (patient, reason), patient by patient
 * (kind, key, claim identity) and in every count, on the leaks that test
 * the id contract most: dependants under a parent's NIR, repaired rows
 * (short, long, comment rejoined), HPRIM, and a headerless file read with
 * --mapping auto. Ingest's grouping is read in process through the
 * after_read hook; the reference reads the file with ingest's own reader
 * options and the same grouping key.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "group/group.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"
#include "leak/reader.h"
#include "oprf/keyfile.h"
#include "testutil.h"

static char root[256], key[300];

/* What a finished grouping says of every row and patient. */
struct grouping {
	size_t rows;
	uint32_t np, *patient;
	uint8_t *reason, *kind, (*pkey)[BC_GROUP_KEY_BYTES];
	char (*nir)[BC_NIR_BYTES], (*dob)[BC_DOB_BYTES];
	struct bc_group_stats st;
};

static void take(struct bc_group *g, struct grouping *s)
{
	size_t i;

	s->rows = bc_group_rows(g);
	s->np = bc_group_patients(g);
	s->patient = calloc(s->rows + 1, sizeof(*s->patient));
	s->reason = calloc(s->rows + 1, 1);
	s->kind = calloc(s->np + 1, 1);
	s->pkey = calloc(s->np + 1, sizeof(*s->pkey));
	s->nir = calloc(s->np + 1, sizeof(*s->nir));
	s->dob = calloc(s->np + 1, sizeof(*s->dob));
	assert_true(s->patient && s->reason && s->kind && s->pkey && s->nir && s->dob);
	for (i = 0; i < s->rows; i++) {
		s->patient[i] = bc_group_row_patient(g, i);
		s->reason[i] = (uint8_t)bc_group_row_reason(g, i);
	}
	for (i = 0; i < s->np; i++) {
		s->kind[i] = (uint8_t)bc_group_patient_kind(g, (uint32_t)i);
		bc_group_patient_key(g, (uint32_t)i, s->pkey[i]);
		assert_int_equal(bc_group_patient_ids(g, (uint32_t)i, s->nir[i], s->dob[i]), 0);
	}
	s->st = *bc_group_stats(g);
}

static void drop(struct grouping *s)
{
	free(s->patient);
	free(s->reason);
	free(s->kind);
	free(s->pkey);
	sodium_memzero(s->nir, (s->np + 1) * sizeof(*s->nir));
	sodium_memzero(s->dob, (s->np + 1) * sizeof(*s->dob));
	free(s->nir);
	free(s->dob);
}

static int after_read(void *arg, const struct leak_reader *r, struct bc_group *grp, struct bc_error *err)
{
	(void)r;
	assert_non_null(grp);
	if (bc_group_finish(grp, err) != 0)
		return -1;
	take(grp, arg);
	return 0;
}

static void same_grouping(const char *genleak_args, const char *mapping)
{
	const char *build = getenv("BC_BUILD");
	char leak[400], idx[400], cmd[1200];
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	struct grouping ing, ref;
	struct leak_options lo;
	struct leak_mapping map;
	struct leak_reader rd;
	struct bc_record rec;
	struct bc_group *g;
	struct bc_key *k;
	uint8_t gk[BC_GROUP_KEY_BYTES];
	size_t i;
	int rc;

	assert_non_null(build);
	snprintf(leak, sizeof(leak), "%s/leak", root);
	snprintf(idx, sizeof(idx), "%s/idx", root);
	snprintf(cmd, sizeof(cmd), "'%s/bc-genleak' --quiet %s --out '%s'", build, genleak_args, leak);
	assert_int_equal(system(cmd), 0);
	memset(&o, 0, sizeof(o));
	memset(&ing, 0, sizeof(ing));
	o.input = leak;
	o.index_dir = idx;
	o.key_path = key;
	o.breach = "ids";
	o.mapping = mapping;
	o.anonymity = 4;
	o.quiet = 1;
	o.after_read = after_read;
	o.hook_arg = &ing;
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("ingest: %s: %s", err.code, err.msg);
	assert_int_equal(st.patients, ing.np);

	/* the reference: the same records through bc_group_add, under the same key */
	assert_int_equal(bc_key_load(key, &k, &err), 0);
	bc_ingest_grouping_key(k->seed, gk);
	bc_key_free(k);
	assert_int_equal(bc_ingest_reader_options(&o, &lo, &map, &err), 0);
	assert_int_equal(leak_reader_init(&rd, leak, &lo, &err), 0);
	assert_int_equal(bc_group_new(&g, gk, BC_GROUP_KEEP_IDS, &err), 0);
	sodium_memzero(gk, sizeof(gk));
	while ((rc = leak_reader_next(&rd, &rec, &err)) > 0)
		assert_int_equal(bc_group_add(g, &rec, &err), 0);
	assert_int_equal(rc, 0);
	sodium_memzero(&rec, sizeof(rec));
	leak_reader_release(&rd);
	assert_int_equal(bc_group_finish(g, &err), 0);
	take(g, &ref);
	bc_group_free(g);

	print_message("%s: %zu rows, %u patients, %lu unlinked\n", genleak_args, ref.rows, ref.np,
		      ref.st.rows_unlinked);
	assert_true(ref.rows > 1000);
	assert_true(ref.np > 500);
	assert_int_equal(ing.rows, ref.rows);
	assert_int_equal(ing.np, ref.np);
	assert_memory_equal(&ing.st, &ref.st, sizeof(ref.st));
	for (i = 0; i < ref.rows; i++) {
		if (ing.patient[i] != ref.patient[i] || ing.reason[i] != ref.reason[i])
			fail_msg("row %zu: ingest patient %u (reason %u), profile %u (reason %u)", i, ing.patient[i],
				 ing.reason[i], ref.patient[i], ref.reason[i]);
	}
	for (i = 0; i < ref.np; i++) {
		assert_int_equal(ing.kind[i], ref.kind[i]);
		assert_memory_equal(ing.pkey[i], ref.pkey[i], BC_GROUP_KEY_BYTES);
		assert_string_equal(ing.nir[i], ref.nir[i]);
		assert_string_equal(ing.dob[i], ref.dob[i]);
	}
	drop(&ing);
	drop(&ref);
}

static void test_dependants_and_repaired_rows(void **state)
{
	(void)state;
	same_grouping("--seed 31 --rows 6000 --dependants 0.6 --short-rows 0.03 --long-rows 0.03 "
		      "--comment-delimiter 0.03", NULL);
}

static void test_hprim(void **state)
{
	(void)state;
	same_grouping("--seed 32 --rows 4000 --dialect hprim --dependants 0.4", NULL);
}

static void test_headerless_auto(void **state)
{
	(void)state;
	same_grouping("--seed 33 --rows 4000 --no-header --shuffle-columns --dependants 0.4", "auto");
}

static int setup(void **state)
{
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/bc-test-group-ids-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s/k.key", root);
	return bc_key_generate(key, &err);
}

static int teardown(void **state)
{
	(void)state;
	test_rm_rf(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dependants_and_repaired_rows),
		cmocka_unit_test(test_hprim),
		cmocka_unit_test(test_headerless_auto),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
