#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "leak/profile.h"
#include "leak/reader.h"

static void set_rec(struct bc_record *r, const char *nir, const char *last, const char *first,
		    const char *dob, uint32_t flags, int year, int month, const char *src)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nir, sizeof(r->nir), "%s", nir);
	r->nir_status = nir[0] ? BC_NORM_OK : BC_NORM_EMPTY;
	r->nir_had_key = nir[0] != 0;
	snprintf(r->last_names[0], sizeof(r->last_names[0]), "%s", last);
	r->n_last_names = last[0] != 0;
	snprintf(r->first_name, sizeof(r->first_name), "%s", first);
	snprintf(r->dob, sizeof(r->dob), "%s", dob);
	r->dob_status = dob[0] ? BC_NORM_OK : BC_NORM_EMPTY;
	r->flags = flags | BC_BIT(BC_CLASS_LAB_VISIT);
	r->sample_year = year;
	r->sample_month = year ? (uint16_t)((year - 2000) * 12 + month) : 0;
	snprintf(r->source, sizeof(r->source), "%s", src);
}

static void add(struct leak_profile *p, const struct bc_record *r)
{
	struct bc_error err = BC_ERROR_INIT;

	assert_int_equal(leak_profile_add(p, r, &err), 0);
}

static uint32_t from_table(const void *ctx, size_t row)
{
	return ((const uint32_t *)ctx)[row];
}

/* Grouped counting (issue 17): the patients are the caller's grouping, the
 * per-class, per-lab and first-year counts follow it; unlinked rows count once. */
static void test_grouped(void **state)
{
	static const uint32_t owner[] = { 1, 0, 1, UINT32_MAX, 0 };
	struct leak_profile p;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record r;

	(void)state;
	assert_int_equal(leak_profile_init_grouped(&p, &err), 0);
	set_rec(&r, "", "DUPONT", "JEANNE", "1985-03-12", BC_BIT(BC_CLASS_HIV), 2017, 5, "LAB-A");
	add(&p, &r);
	set_rec(&r, "2850375056000", "DUPONT", "JEANNE", "1985-03-12", 0, 2018, 1, "LAB-B");
	add(&p, &r);
	set_rec(&r, "", "MARTIN", "PAUL", "1960-01-01", 0, 2016, 2, "LAB-B");
	add(&p, &r);
	set_rec(&r, "", "", "ANNE", "", BC_BIT(BC_CLASS_HIV), 2019, 1, "LAB-A");
	add(&p, &r);
	set_rec(&r, "", "DUPONT", "JEANNE", "1985-03-12", 0, 2019, 1, "LAB-A");
	add(&p, &r);
	/* the caller's grouping says: rows 1 and 4 are patient 0; rows 0 and 2 patient 1 */
	assert_int_equal(leak_profile_finish_grouped(&p, from_table, owner, 2, &err), 0);
	assert_int_equal(p.rows, 5);
	assert_int_equal(p.patients, 2);
	assert_int_equal(p.rows_unlinked, 1);
	assert_int_equal(p.class_rows[BC_CLASS_HIV], 2);
	assert_int_equal(p.class_patients[BC_CLASS_HIV], 1);
	assert_int_equal(p.source_patients[0], 2); /* LAB-A: patients 0 (row 4) and 1 (row 0) */
	assert_int_equal(p.source_patients[1], 2); /* LAB-B: rows 1 and 2 */
	assert_int_equal(p.first_year_patients[2016 - LEAK_PROFILE_YEAR_MIN], 1);
	assert_int_equal(p.first_year_patients[2018 - LEAK_PROFILE_YEAR_MIN], 1);
	assert_int_equal(p.first_year_patients[2017 - LEAK_PROFILE_YEAR_MIN], 0);
	leak_profile_release(&p);

	/* an ungrouped profile refuses */
	assert_int_equal(leak_profile_init(&p, &err), 0);
	assert_int_equal(leak_profile_finish_grouped(&p, from_table, owner, 2, &err), -1);
	assert_string_equal(err.code, "usage");
	leak_profile_release(&p);
}

/* Rows without NIR join the NIR patient with the same name + dob, whatever the order. */
static void test_patients(void **state)
{
	struct leak_profile p;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record r;
	const uint32_t preg = BC_BIT(BC_CLASS_MEDICAL_COMMENT) | BC_BIT(BC_CLASS_PREGNANCY);

	(void)state;
	assert_int_equal(leak_profile_init(&p, &err), 0);
	/* patient 1: a row without NIR first (with a sensitive comment), then with NIR */
	set_rec(&r, "", "DUPONT", "JEANNE", "1985-03-12", preg, 2017, 5, "LAB-A");
	add(&p, &r);
	set_rec(&r, "2850375056000", "DUPONT", "JEANNE", "1985-03-12", BC_BIT(BC_CLASS_NIR), 2018, 1, "LAB-B");
	add(&p, &r);
	/* patient 2: two rows without NIR, same name and dob */
	set_rec(&r, "", "MARTIN", "PAUL", "1960-01-01", BC_BIT(BC_CLASS_EMAIL), 2019, 2, "LAB-A");
	add(&p, &r);
	add(&p, &r);
	/* patient 3: a homonym (same name, other dob) */
	set_rec(&r, "", "MARTIN", "PAUL", "1961-01-01", 0, 2019, 3, "LAB-A");
	add(&p, &r);
	/* patient 4 and 5: twins with the same name and dob but two NIRs */
	set_rec(&r, "1900175056000", "ROUX", "ALEX", "1990-01-01", 0, 2020, 1, "LAB-C");
	add(&p, &r);
	set_rec(&r, "2900175056000", "ROUX", "ALEX", "1990-01-01", 0, 2020, 1, "LAB-C");
	add(&p, &r);
	/* not linkable */
	set_rec(&r, "", "", "ANNE", "", 0, 0, 0, "");
	add(&p, &r);
	leak_profile_finish(&p);

	assert_int_equal(p.rows, 8);
	assert_int_equal(p.patients, 5);
	assert_int_equal(p.rows_unlinked, 1);
	assert_int_equal(p.class_patients[BC_CLASS_PREGNANCY], 1);
	assert_int_equal(p.class_rows[BC_CLASS_PREGNANCY], 1);
	assert_int_equal(p.class_patients[BC_CLASS_EMAIL], 1);
	/* patient 1's no-NIR row carried the comment: merged into the NIR patient */
	assert_int_equal(p.class_patients[BC_CLASS_NIR], 1);
	assert_int_equal(p.class_patients[BC_CLASS_LAB_VISIT], 5);
	assert_int_equal(p.n_sources, 3);
	assert_string_equal(p.source_name[0], "LAB-A");
	assert_int_equal(p.source_rows[0], 4);
	assert_int_equal(p.source_patients[0], 3);
	assert_int_equal(p.source_patients[1], 1);
	assert_int_equal(p.source_patients[2], 2);
	assert_int_equal(p.source_none, 1);
	assert_int_equal(p.first_year_patients[2017 - LEAK_PROFILE_YEAR_MIN], 1);
	assert_int_equal(p.first_year_patients[2018 - LEAK_PROFILE_YEAR_MIN], 0);
	assert_int_equal(p.first_year_patients[2019 - LEAK_PROFILE_YEAR_MIN], 2);
	assert_int_equal(p.first_year_patients[2020 - LEAK_PROFILE_YEAR_MIN], 2);
	assert_int_equal(p.year_rows[2019 - LEAK_PROFILE_YEAR_MIN], 3);
	assert_int_equal(p.year_unknown, 1);
	assert_int_equal(p.nir_valid, 3);
	assert_int_equal(p.nir_absent, 5);
	leak_profile_release(&p);
}

/* The set grows past its first size and keeps every patient apart. */
static void test_growth(void **state)
{
	struct leak_profile p;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record r;
	char nir[16], name[32];
	unsigned i, n = 500000; /* about 830,000 keys: the set grows once */

	(void)state;
	assert_int_equal(leak_profile_init(&p, &err), 0);
	for (i = 0; i < n; i++) {
		snprintf(nir, sizeof(nir), "1%012u", i);
		snprintf(name, sizeof(name), "NAME%u", i);
		set_rec(&r, i % 3 ? nir : "", name, "FIRST", "1950-01-01", 0, 2018, 1, "L");
		add(&p, &r);
		if (i % 3 == 1) {
			/* the same person again without NIR */
			set_rec(&r, "", name, "FIRST", "1950-01-01", 0, 2018, 1, "L");
			add(&p, &r);
		}
	}
	leak_profile_finish(&p);
	assert_int_equal(p.patients, n);
	leak_profile_release(&p);
}

static void test_json_and_text(void **state)
{
	struct leak_reader r;
	struct leak_profile p;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	json_t *j;
	char *s;
	const char *src = getenv("BC_SOURCE");
	char path[1024];
	FILE *out;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/leak/fixtures/fr_comma_utf8.csv", src ? src : ".");
	assert_int_equal(leak_reader_init(&r, path, NULL, &err), 0);
	assert_int_equal(leak_profile_init(&p, &err), 0);
	while (leak_reader_next(&r, &rec, &err) > 0)
		assert_int_equal(leak_profile_add(&p, &rec, &err), 0);
	leak_profile_finish(&p);
	j = leak_profile_to_json(&p, &r, "x.csv");
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "rows")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "patients")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "nir"), "wrong_key")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "unmapped_columns")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "sensitive"),
									  "pregnancy"), "patients")), 1);
	s = json_dumps(j, 0);
	assert_non_null(s);
	assert_null(strstr(s, "1850375056000"));
	assert_null(strstr(s, "DUPONT"));
	assert_null(strstr(s, "example"));
	free(s);
	json_decref(j);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(leak_profile_write_text(&p, &r, "x.csv", out), 0);
	fclose(out);
	assert_non_null(strstr(buf, "distinct patients                    5"));
	assert_null(strstr(buf, "DUPONT"));
	free(buf);
	leak_profile_release(&p);
	leak_reader_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patients),
		cmocka_unit_test(test_grouped),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_json_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
