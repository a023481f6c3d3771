/*
 * End to end: generate a synthetic leak with bc-genleak (both dialects),
 * profile it with the leak reader, and compare with the generator's ground
 * truth: distinct patients, patients per data class, per lab and by first
 * sample year within 0.5 %, and sensitive categories per patient with
 * precision and recall >= 95 %. BC_E2E_ROWS overrides the row count
 * (default 491839, the size of the real case).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "leak/profile.h"
#include "leak/reader.h"

#define NCAT 4
static const char *const cat_names[NCAT] = { "pregnancy", "hiv", "hepatitis", "other_medical" };
static const unsigned cat_bits[NCAT] = { BC_CLASS_PREGNANCY, BC_CLASS_HIV, BC_CLASS_HEPATITIS,
					 BC_CLASS_OTHER_MEDICAL };

struct kv {
	uint64_t h;
	uint32_t id;
};

struct truth {
	size_t n;                 /* patients; ids 1..n */
	uint32_t *classes;        /* per id: data-class bits */
	unsigned char *cats;      /* per id: bit c for cat_names[c] */
	unsigned char *pred;      /* per id: categories seen by the reader */
	struct kv *keys;          /* nir and namedob keys, sorted */
	size_t nkeys, capkeys;
	unsigned long lab_patients[64];
	char lab_names[64][BC_SOURCE_MAX];
	unsigned nlabs;
	unsigned long first_year[LEAK_PROFILE_YEAR_MAX - LEAK_PROFILE_YEAR_MIN + 1];
};

static uint64_t fnv(const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = { a, b, c, d };
	uint64_t h = UINT64_C(1469598103934665603);
	const unsigned char *p;
	int i;

	for (i = 0; i < 4; i++) {
		if (!parts[i])
			continue;
		for (p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * UINT64_C(1099511628211);
		h = (h ^ 0xFF) * UINT64_C(1099511628211);
	}
	return h;
}

static void add_key(struct truth *t, uint64_t h, uint32_t id)
{
	if (t->nkeys == t->capkeys) {
		t->capkeys = t->capkeys ? t->capkeys * 2 : 1024;
		t->keys = realloc(t->keys, t->capkeys * sizeof(*t->keys));
		assert_non_null(t->keys);
	}
	t->keys[t->nkeys].h = h;
	t->keys[t->nkeys++].id = id;
}

static int cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

static uint32_t find_key(const struct truth *t, uint64_t h)
{
	size_t lo = 0, hi = t->nkeys;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->keys[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nkeys && t->keys[lo].h == h ? t->keys[lo].id : 0;
}

static unsigned lab_index(struct truth *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->nlabs; i++)
		if (!strcmp(t->lab_names[i], name))
			return i;
	assert_true(t->nlabs < 64);
	snprintf(t->lab_names[t->nlabs], BC_SOURCE_MAX, "%s", name);
	return t->nlabs++;
}

static void load_truth(struct truth *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t len;
	json_t *p, *a, *v;
	json_error_t jerr;
	uint32_t id;
	unsigned b;
	const char *last[2], *first, *dob, *nir;
	int y;

	assert_non_null(f);
	memset(t, 0, sizeof(*t));
	while ((len = getline(&line, &cap, f)) > 0) {
		p = json_loadb(line, (size_t)len, 0, &jerr);
		assert_non_null(p);
		id = (uint32_t)json_integer_value(json_object_get(p, "id"));
		assert_int_equal(id, t->n + 1);
		t->n++;
		t->classes = realloc(t->classes, (t->n + 1) * sizeof(*t->classes));
		t->cats = realloc(t->cats, t->n + 1);
		assert_non_null(t->classes);
		assert_non_null(t->cats);
		t->classes[id] = 0;
		t->cats[id] = 0;
		json_array_foreach(json_object_get(p, "data_classes"), i, v)
			for (b = 0; b < 32; b++)
				if (bc_class_name(b) && !strcmp(bc_class_name(b), json_string_value(v)))
					t->classes[id] |= BC_BIT(b);
		json_array_foreach(json_object_get(p, "categories"), i, v)
			for (b = 0; b < NCAT; b++)
				if (!strcmp(cat_names[b], json_string_value(v)))
					t->cats[id] |= (unsigned char)(1u << b);
		json_array_foreach(json_object_get(p, "labs"), i, v)
			t->lab_patients[lab_index(t, json_string_value(v))]++;
		y = atoi(json_string_value(json_object_get(p, "first_sample")));
		if (y >= LEAK_PROFILE_YEAR_MIN && y <= LEAK_PROFILE_YEAR_MAX)
			t->first_year[y - LEAK_PROFILE_YEAR_MIN]++;
		nir = json_string_value(json_object_get(p, "nir13"));
		if (nir)
			add_key(t, fnv("nir", nir, NULL, NULL), id);
		a = json_object_get(p, "last_names");
		last[0] = json_string_value(json_object_get(a, "birth"));
		last[1] = json_string_value(json_object_get(a, "usage"));
		first = json_string_value(json_object_get(p, "first_name"));
		dob = json_string_value(json_object_get(p, "dob"));
		for (b = 0; b < 2; b++)
			if (last[b] && first && dob)
				add_key(t, fnv("namedob", last[b], first, dob), id);
		json_decref(p);
	}
	free(line);
	fclose(f);
	qsort(t->keys, t->nkeys, sizeof(*t->keys), cmp_kv);
	t->pred = calloc(t->n + 1, 1);
	assert_non_null(t->pred);
}

static void free_truth(struct truth *t)
{
	free(t->classes);
	free(t->cats);
	free(t->pred);
	free(t->keys);
}

static void assert_close(const char *what, unsigned long got, unsigned long want)
{
	double d = (double)got - (double)want;

	if (d < 0)
		d = -d;
	print_message("  %-24s profile %8lu  truth %8lu\n", what, got, want);
	if (d > 0.005 * (double)want && d > 2)
		fail_msg("%s: profile %lu, ground truth %lu (more than 0.5 %% apart)", what, got, want);
}

static void run_case(const char *dialect, int seed)
{
	const char *build = getenv("BC_BUILD"), *rows_env = getenv("BC_E2E_ROWS");
	char leak[256], truthp[256], cmd[1024];
	struct truth t;
	struct leak_reader r;
	struct leak_profile prof;
	struct bc_record rec;
	struct bc_error err = BC_ERROR_INIT;
	unsigned long tp[NCAT] = { 0 }, fp[NCAT] = { 0 }, fn[NCAT] = { 0 }, unmatched = 0, want;
	uint32_t id;
	size_t i;
	unsigned b, k;
	int rc;

	assert_non_null(build);
	snprintf(leak, sizeof(leak), "/tmp/bc-e2e-leak-%d-%s.csv", (int)getpid(), dialect);
	snprintf(truthp, sizeof(truthp), "/tmp/bc-e2e-truth-%d-%s.jsonl", (int)getpid(), dialect);
	snprintf(cmd, sizeof(cmd), "'%s/bc-genleak' --quiet --seed %d --rows %s --dialect %s --out %s --truth %s",
		 build, seed, rows_env ? rows_env : "491839", dialect, leak, truthp);
	assert_int_equal(system(cmd), 0);
	load_truth(&t, truthp);

	assert_int_equal(leak_reader_init(&r, leak, NULL, &err), 0);
	assert_int_equal(leak_profile_init(&prof, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0) {
		assert_int_equal(leak_profile_add(&prof, &rec, &err), 0);
		id = 0;
		if (rec.nir[0])
			id = find_key(&t, fnv("nir", rec.nir, NULL, NULL));
		for (k = 0; !id && k < (unsigned)rec.n_last_names && rec.first_name[0] && rec.dob[0]; k++)
			id = find_key(&t, fnv("namedob", rec.last_names[k], rec.first_name, rec.dob));
		if (!id) {
			unmatched++;
			for (b = 0; b < NCAT; b++)
				fp[b] += !!(rec.flags & BC_BIT(cat_bits[b]));
			continue;
		}
		for (b = 0; b < NCAT; b++)
			if (rec.flags & BC_BIT(cat_bits[b]))
				t.pred[id] |= (unsigned char)(1u << b);
	}
	assert_int_equal(rc, 0);
	leak_profile_finish(&prof);
	print_message("%s, seed %d: %lu rows, %lu not matched to a truth patient\n", dialect, seed,
		      r.stats.rows, unmatched);

	assert_close("patients", prof.patients, (unsigned long)t.n);
	for (b = 0; b < 12; b++) {
		want = 0;
		for (i = 1; i <= t.n; i++)
			want += !!(t.classes[i] & BC_BIT(b));
		assert_close(bc_class_name(b), prof.class_patients[b], want);
	}
	want = 0;
	for (i = 1; i <= t.n; i++)
		want += !!(t.classes[i] & BC_BIT(BC_CLASS_MEDICAL_COMMENT));
	assert_close("medical_comment", prof.class_patients[BC_CLASS_MEDICAL_COMMENT], want);
	assert_int_equal(prof.n_sources, t.nlabs);
	for (k = 0; k < prof.n_sources && k < 32; k++)
		assert_close(prof.source_name[k], prof.source_patients[k],
			     t.lab_patients[lab_index(&t, prof.source_name[k])]);
	for (k = 0; k <= LEAK_PROFILE_YEAR_MAX - LEAK_PROFILE_YEAR_MIN; k++) {
		char y[32];

		if (!t.first_year[k] && !prof.first_year_patients[k])
			continue;
		snprintf(y, sizeof(y), "first sample %u", k + LEAK_PROFILE_YEAR_MIN);
		assert_close(y, prof.first_year_patients[k], t.first_year[k]);
	}
	for (i = 1; i <= t.n; i++)
		for (b = 0; b < NCAT; b++) {
			int truth = !!(t.cats[i] & (1u << b)), pred = !!(t.pred[i] & (1u << b));

			tp[b] += truth && pred;
			fp[b] += !truth && pred;
			fn[b] += truth && !pred;
		}
	for (b = 0; b < NCAT; b++) {
		double prec = tp[b] + fp[b] ? (double)tp[b] / (double)(tp[b] + fp[b]) : 1.0;
		double rec_ = tp[b] + fn[b] ? (double)tp[b] / (double)(tp[b] + fn[b]) : 1.0;

		print_message("  %-24s precision %.4f recall %.4f (tp %lu fp %lu fn %lu)\n", cat_names[b],
			      prec, rec_, tp[b], fp[b], fn[b]);
		assert_true(tp[b] > 0);
		assert_true(prec >= 0.95);
		assert_true(rec_ >= 0.95);
	}
	leak_profile_release(&prof);
	leak_reader_release(&r);
	free_truth(&t);
	unlink(leak);
	unlink(truthp);
}

static void test_comma_utf8(void **state)
{
	(void)state;
	run_case("fr-comma-utf8", 1);
}

static void test_semicolon_cp1252(void **state)
{
	(void)state;
	run_case("fr-semicolon-cp1252", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comma_utf8),
		cmocka_unit_test(test_semicolon_cp1252),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
