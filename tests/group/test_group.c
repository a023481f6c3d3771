/* Patient grouping (src/group, DESIGN.md §10): dependants under a parent's
 * NIR, twins, homonyms, name + DOB collisions, unverified rows, stable keys,
 * and a randomised check that no patient ever spans two people. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "group/group.h"

static void rec(struct bc_record *r, const char *nir, const char *last, const char *first, const char *dob,
		int sex)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nir, sizeof(r->nir), "%s", nir);
	snprintf(r->last_names[0], sizeof(r->last_names[0]), "%s", last);
	r->n_last_names = last[0] != 0;
	snprintf(r->first_name, sizeof(r->first_name), "%s", first);
	snprintf(r->dob, sizeof(r->dob), "%s", dob);
	r->sex = sex;
	snprintf(r->postcode, sizeof(r->postcode), "75001"); /* one town unless a test says otherwise */
}

static struct bc_group *g_new(const uint8_t *key, unsigned flags)
{
	struct bc_group *g;
	struct bc_error err = BC_ERROR_INIT;

	assert_int_equal(bc_group_new(&g, key, flags, &err), 0);
	return g;
}

static void add(struct bc_group *g, const char *nir, const char *last, const char *first, const char *dob, int sex)
{
	struct bc_record r;
	struct bc_error err = BC_ERROR_INIT;

	rec(&r, nir, last, first, dob, sex);
	assert_int_equal(bc_group_add(g, &r, &err), 0);
}

static void finish(struct bc_group *g)
{
	struct bc_error err = BC_ERROR_INIT;

	assert_int_equal(bc_group_finish(g, &err), 0);
}

#define P(i) bc_group_row_patient(g, (i))
#define M BC_SEX_MALE
#define F BC_SEX_FEMALE
#define U BC_SEX_UNKNOWN

static void test_agrees(void **state)
{
	(void)state;
	assert_int_equal(bc_group_nir_agrees("2850375056000", "1985-03-12", F), 1);
	assert_int_equal(bc_group_nir_agrees("2850375056000", "1985-03-12", U), 1);
	assert_int_equal(bc_group_nir_agrees("2850375056000", "1985-03-12", M), 0);  /* sex */
	assert_int_equal(bc_group_nir_agrees("2850375056000", "1985-04-12", F), 0);  /* month */
	assert_int_equal(bc_group_nir_agrees("2850375056000", "1995-03-12", F), 0);  /* year */
	assert_int_equal(bc_group_nir_agrees("2850375056000", "2012-06-01", M), 0);  /* a child */
	assert_int_equal(bc_group_nir_agrees("2850375056000", "", F), -1);           /* unverified */
	assert_int_equal(bc_group_nir_agrees("2850375056000", "", M), 0);
	/* month 20-42 or 50-99: unknown month, the year alone decides */
	assert_int_equal(bc_group_nir_agrees("1854299056000", "1985-11-02", M), 1);
	assert_int_equal(bc_group_nir_agrees("1859975056000", "1986-11-02", M), 0);
	/* temporary numbers 7 and 8 keep the parity rule */
	assert_int_equal(bc_group_nir_agrees("8850375056000", "1985-03-12", F), 1);
	assert_int_equal(bc_group_nir_agrees("2A50375056000", "1985-03-12", F), 0); /* not a body */
}

/* A parent and two children under the parent's NIR: three patients. */
static void test_dependants(void **state)
{
	struct bc_group *g = g_new(NULL, 0);
	const char *mum = "2850375056000";

	(void)state;
	add(g, mum, "DUPONT", "JEANNE", "1985-03-12", F);   /* 0 parent */
	add(g, mum, "DUPONT", "LUCAS", "2012-06-01", M);    /* 1 child under mum's NIR */
	add(g, mum, "DUPONT", "JEANNE", "1985-03-12", U);   /* 2 parent */
	add(g, mum, "DUPONT", "EMMA", "2015-09-30", F);     /* 3 second child, same sex as mum */
	add(g, "", "DUPONT", "LUCAS", "2012-06-01", M);     /* 4 child, no NIR */
	add(g, mum, "DUPONT", "LUCAS", "2012-06-01", U);    /* 5 child, no sex */
	add(g, "", "DUPONT", "JEANNE", "1985-03-12", U);    /* 6 parent, no NIR */
	finish(g);
	assert_int_equal(bc_group_patients(g), 3);
	assert_int_equal(P(0), P(2));
	assert_int_equal(P(0), P(6));
	assert_int_equal(P(1), P(4));
	assert_int_equal(P(1), P(5));
	assert_int_not_equal(P(0), P(1));
	assert_int_not_equal(P(0), P(3));
	assert_int_not_equal(P(1), P(3));
	assert_int_equal(bc_group_patient_kind(g, P(0)), BC_GROUP_BY_NIR);
	assert_int_equal(bc_group_patient_kind(g, P(1)), BC_GROUP_BY_NAMEDOB);
	assert_int_equal(bc_group_stats(g)->rows_nir_disagree, 3);
	assert_int_equal(bc_group_stats(g)->rows_unlinked, 0);
	bc_group_free(g);
}

/* A child seen under a parent's NIR and under its own: one patient, the own NIR's. */
static void test_dependant_with_own_nir(void **state)
{
	struct bc_group *g = g_new(NULL, 0);

	(void)state;
	add(g, "1800175056000", "MARTIN", "PAUL", "1980-01-05", M);  /* 0 father */
	add(g, "1800175056000", "MARTIN", "ZOE", "2005-02-02", F);   /* 1 daughter under father */
	add(g, "2050275056000", "MARTIN", "ZOE", "2005-02-02", F);   /* 2 daughter, own NIR */
	add(g, "", "MARTIN", "ZOE", "2005-02-02", U);                /* 3 daughter, no NIR */
	finish(g);
	assert_int_equal(bc_group_patients(g), 2);
	assert_int_equal(P(1), P(2));
	assert_int_equal(P(1), P(3));
	assert_int_not_equal(P(0), P(1));
	assert_int_equal(bc_group_patient_kind(g, P(1)), BC_GROUP_BY_NIR);
	bc_group_free(g);
}

/* A child under its mother's NIR at one lab and its father's at another: never merged. */
static void test_child_under_two_parents(void **state)
{
	struct bc_group *g = g_new(NULL, 0);

	(void)state;
	add(g, "2850375056000", "ROUX", "LEA", "2010-04-04", F);  /* 0 under mum */
	add(g, "1830175056000", "ROUX", "LEA", "2010-04-04", F);  /* 1 under dad */
	add(g, "2850375056000", "ROUX", "LEA", "2010-04-04", F);  /* 2 under mum */
	add(g, "", "ROUX", "LEA", "2010-04-04", F);               /* 3 no NIR: whose? */
	finish(g);
	assert_int_equal(P(0), P(2));
	assert_int_not_equal(P(0), P(1));
	assert_int_equal(P(3), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_row_reason(g, 3), BC_GROUP_TWO_NIRS);
	assert_int_equal(bc_group_patient_kind(g, P(0)), BC_GROUP_BY_NAMEDOB_NIR);
	assert_int_equal(bc_group_stats(g)->namedob_two_nirs, 1);
	assert_int_equal(bc_group_stats(g)->unlinked[BC_GROUP_TWO_NIRS], 1);
	bc_group_free(g);
}

/* Twins: same DOB. Different first names, or compound names reducing to one (JEAN). */
static void test_twins(void **state)
{
	struct bc_group *g = g_new(NULL, 0);
	const char *dad = "1750175056000";

	(void)state;
	add(g, dad, "PETIT", "HUGO", "2011-07-07", M);           /* 0 twin under dad */
	add(g, dad, "PETIT", "LINA", "2011-07-07", F);           /* 1 twin under dad */
	add(g, "1110775056000", "BLANC", "JEAN", "2011-07-07", M); /* 2 Jean-Pierre, own NIR */
	add(g, "1110775057000", "BLANC", "JEAN", "2011-07-07", M); /* 3 Jean-Marc, own NIR */
	add(g, "", "BLANC", "JEAN", "2011-07-07", M);            /* 4 one of them */
	add(g, "1110775056000", "BLANC", "JEAN", "2011-07-07", U); /* 5 Jean-Pierre */
	finish(g);
	assert_int_not_equal(P(0), P(1));
	assert_int_not_equal(P(2), P(3));
	assert_int_equal(P(2), P(5));
	assert_int_equal(P(4), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_patients(g), 4);
	bc_group_free(g);
}

/* Twins Jean-Pierre and Jean-Gabriel, both under their father's NIR: apart by their second given name. */
static void test_twins_compound(void **state)
{
	static const char *const given[] = { "Jean-Pierre", "Jean Gabriel", "Jean", "JEAN PIERRE", "Jean-Gabriel" };
	struct bc_group *g = g_new(NULL, 0);
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record r;
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++) {
		rec(&r, "1690799341000", "JOUAN", "JEAN", "2007-01-21", M);
		snprintf(r.display_first, sizeof(r.display_first), "%s", given[i]);
		assert_int_equal(bc_group_add(g, &r, &err), 0);
	}
	finish(g);
	assert_int_equal(P(0), P(3));
	assert_int_equal(P(1), P(4));
	assert_int_not_equal(P(0), P(1));
	assert_int_equal(P(2), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_row_reason(g, 2), BC_GROUP_TWO_GIVEN);
	assert_int_equal(bc_group_patient_kind(g, P(0)), BC_GROUP_BY_NAMEDOB_GIVEN);
	bc_group_free(g);
}

/* Homonyms of both sexes (Camille): split by sex; a row without sex is nobody's. */
static void test_two_sexes(void **state)
{
	struct bc_group *g = g_new(NULL, 0);

	(void)state;
	add(g, "", "MOREAU", "CAMILLE", "1990-10-10", M);  /* 0 */
	add(g, "", "MOREAU", "CAMILLE", "1990-10-10", F);  /* 1 */
	add(g, "", "MOREAU", "CAMILLE", "1990-10-10", M);  /* 2 */
	add(g, "", "MOREAU", "CAMILLE", "1990-10-10", U);  /* 3 */
	add(g, "2901075056000", "MOREAU", "CAMILLE", "1990-10-10", U); /* 4 she, with NIR */
	finish(g);
	assert_int_equal(P(0), P(2));
	assert_int_not_equal(P(0), P(1));
	assert_int_not_equal(P(1), P(4));  /* two sexes: never merged, even with her NIR */
	assert_int_equal(P(3), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_row_reason(g, 3), BC_GROUP_TWO_SEXES);
	assert_int_equal(bc_group_patient_kind(g, P(0)), BC_GROUP_BY_NAMEDOB_SEX);
	assert_int_equal(bc_group_stats(g)->namedob_two_sexes, 1);
	bc_group_free(g);
}

/* Unrelated homonyms: same name, sex and DOB, two NIRs. */
static void test_namedob_collision(void **state)
{
	struct bc_group *g = g_new(NULL, 0);

	(void)state;
	add(g, "1700175056000", "BERNARD", "LUC", "1970-01-15", M);  /* 0 */
	add(g, "1700113055000", "BERNARD", "LUC", "1970-01-15", M);  /* 1 */
	add(g, "", "BERNARD", "LUC", "1970-01-15", M);               /* 2 */
	add(g, "", "BERNARD", "LUC", "1970-01-16", M);               /* 3 another DOB */
	finish(g);
	assert_int_not_equal(P(0), P(1));
	assert_int_equal(P(2), BC_GROUP_UNLINKED);
	assert_int_not_equal(P(3), BC_GROUP_UNLINKED);
	assert_int_not_equal(P(3), P(0));
	assert_int_equal(bc_group_patients(g), 3);
	bc_group_free(g);
}

/* A row without NIR joins the one NIR of its namedob only with evidence: postcode or email. */
static void test_homonym_elsewhere(void **state)
{
	struct bc_group *g = g_new(NULL, 0);
	struct bc_record r;
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	add(g, "1860794059000", "LECORRE", "JOSEPH", "1986-07-04", M);  /* 0 in 75001 */
	rec(&r, "", "LECORRE", "JOSEPH", "1986-07-04", M);               /* 1 a homonym in Lille */
	snprintf(r.postcode, sizeof(r.postcode), "59000");
	assert_int_equal(bc_group_add(g, &r, &err), 0);
	rec(&r, "", "LECORRE", "JOSEPH", "1986-07-04", M);               /* 2 no postcode, no email */
	r.postcode[0] = '\0';
	assert_int_equal(bc_group_add(g, &r, &err), 0);
	add(g, "", "LECORRE", "JOSEPH", "1986-07-04", U);                /* 3 same town: him */
	rec(&r, "1860794059000", "LECORRE", "JOSEPH", "1986-07-04", M);  /* 4 him, with an email */
	r.postcode[0] = '\0';
	snprintf(r.emails[0], sizeof(r.emails[0]), "j.lecorre@example.org");
	r.n_emails = 1;
	assert_int_equal(bc_group_add(g, &r, &err), 0);
	rec(&r, "", "LECORRE", "JOSEPH", "1986-07-04", M);               /* 5 moved, same email: him */
	snprintf(r.postcode, sizeof(r.postcode), "13001");
	snprintf(r.emails[0], sizeof(r.emails[0]), "j.lecorre@example.org");
	r.n_emails = 1;
	assert_int_equal(bc_group_add(g, &r, &err), 0);
	finish(g);
	assert_int_equal(P(0), P(3));
	assert_int_equal(P(0), P(4));
	assert_int_equal(P(0), P(5));
	assert_int_not_equal(P(0), P(1));
	assert_int_equal(P(1), P(2)); /* the rows without evidence: one namedob patient */
	assert_int_equal(bc_group_patient_kind(g, P(1)), BC_GROUP_BY_NAMEDOB);
	assert_int_equal(bc_group_patients(g), 2);
	bc_group_free(g);
}

/* Rows with a NIR and no full DOB: tied by name to an agreeing row, else apart. */
static void test_unverified(void **state)
{
	struct bc_group *g = g_new(NULL, 0);
	const char *mum = "2850375056000";

	(void)state;
	add(g, mum, "DUPONT", "JEANNE", "1985-03-12", F);  /* 0 */
	add(g, mum, "DUPONT", "JEANNE", "", U);            /* 1 same name: her */
	add(g, mum, "DUPONT", "LUCAS", "", U);             /* 2 her son, no DOB */
	add(g, mum, "DUPONT", "LUCAS", "", M);             /* 3 him again (disagrees by sex) */
	add(g, mum, "", "", "", U);                        /* 4 NIR alone: cannot tell */
	add(g, mum, "DUPONT", "LUCAS", "", F);             /* 5 sex disagrees with nothing known: LUCAS F? */
	add(g, "", "", "", "", U);                         /* 6 nothing */
	add(g, "", "DUPONT", "JEANNE", "", F);             /* 7 name without DOB or NIR */
	finish(g);
	assert_int_equal(P(0), P(1));
	assert_int_equal(P(2), P(3));
	assert_int_not_equal(P(0), P(2));
	assert_int_equal(bc_group_patient_kind(g, P(2)), BC_GROUP_BY_NIR_NAME);
	assert_int_equal(P(4), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_row_reason(g, 4), BC_GROUP_NIR_ONLY);
	assert_int_equal(P(5), P(2)); /* female sex agrees with the NIR: same unverified key */
	assert_int_equal(P(6), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_row_reason(g, 6), BC_GROUP_NO_IDENTITY);
	assert_int_equal(P(7), BC_GROUP_UNLINKED);
	assert_int_equal(bc_group_stats(g)->rows_unlinked, 3);
	assert_int_equal(bc_group_stats(g)->unlinked[BC_GROUP_NO_IDENTITY], 2);
	assert_string_equal(bc_group_reason_name(BC_GROUP_NIR_ONLY), "nir_only");
	bc_group_free(g);
}

/* A married name on one row links a row whose only name is the married one. */
static void test_usage_name(void **state)
{
	struct bc_group *g = g_new(NULL, 0);
	struct bc_record r;
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	rec(&r, "2850375056000", "DUPONT", "JEANNE", "1985-03-12", F);
	snprintf(r.last_names[1], sizeof(r.last_names[1]), "MARTIN");
	r.n_last_names = 2;
	assert_int_equal(bc_group_add(g, &r, &err), 0);
	add(g, "", "MARTIN", "JEANNE", "1985-03-12", U);
	finish(g);
	assert_int_equal(bc_group_patients(g), 1);
	assert_int_equal(P(0), P(1));
	bc_group_free(g);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, BC_GROUP_KEY_BYTES);
}

/* Keys: the same for one grouping key whatever the row order; others for another key. */
static void test_keys(void **state)
{
	static const struct {
		const char *nir, *last, *first, *dob;
		int sex;
	} rows[] = {
		{ "2850375056000", "DUPONT", "JEANNE", "1985-03-12", F },
		{ "2850375056000", "DUPONT", "LUCAS", "2012-06-01", M },
		{ "", "MOREAU", "CAMILLE", "1990-10-10", M },
		{ "", "MOREAU", "CAMILLE", "1990-10-10", F },
		{ "2850375056000", "DUPONT", "EMMA", "", F },
		{ "1800175056000", "ROUX", "LEA", "2010-04-04", F },
		{ "2850375056000", "ROUX", "LEA", "2010-04-04", F },
	};
	enum { N = sizeof(rows) / sizeof(rows[0]) };
	uint8_t key[BC_GROUP_KEY_BYTES], k1[N][BC_GROUP_KEY_BYTES], k2[N][BC_GROUP_KEY_BYTES],
		k3[N][BC_GROUP_KEY_BYTES];
	char nir[BC_NIR_BYTES], dob[BC_DOB_BYTES];
	struct bc_group *g;
	uint32_t i, n;

	(void)state;
	memset(key, 7, sizeof(key));
	g = g_new(key, BC_GROUP_KEEP_IDS);
	for (i = 0; i < N; i++)
		add(g, rows[i].nir, rows[i].last, rows[i].first, rows[i].dob, rows[i].sex);
	finish(g);
	n = bc_group_patients(g);
	assert_int_equal(n, N);
	for (i = 0; i < n; i++)
		bc_group_patient_key(g, i, k1[i]);
	assert_int_equal(bc_group_patient_ids(g, P(0), nir, dob), 0);
	assert_string_equal(nir, "2850375056000");
	assert_string_equal(dob, "");
	assert_int_equal(bc_group_patient_ids(g, P(1), nir, dob), 0);
	assert_string_equal(nir, "");
	assert_string_equal(dob, "2012-06-01");
	assert_int_equal(bc_group_patient_ids(g, P(4), nir, dob), 0);
	assert_string_equal(nir, "2850375056000"); /* NIR + name: the NIR */
	bc_group_free(g);

	g = g_new(key, 0);
	for (i = N; i-- > 0;)
		add(g, rows[i].nir, rows[i].last, rows[i].first, rows[i].dob, rows[i].sex);
	finish(g);
	assert_int_equal(bc_group_patients(g), n);
	assert_int_equal(bc_group_patient_ids(g, 0, nir, dob), -1);
	for (i = 0; i < n; i++)
		bc_group_patient_key(g, i, k2[i]);
	bc_group_free(g);
	qsort(k1, n, BC_GROUP_KEY_BYTES, cmp_key);
	qsort(k2, n, BC_GROUP_KEY_BYTES, cmp_key);
	assert_memory_equal(k1, k2, sizeof(k1));
	for (i = 1; i < n; i++)
		assert_memory_not_equal(k1[i - 1], k1[i], BC_GROUP_KEY_BYTES);

	key[0] ^= 1;
	g = g_new(key, 0);
	for (i = 0; i < N; i++)
		add(g, rows[i].nir, rows[i].last, rows[i].first, rows[i].dob, rows[i].sex);
	finish(g);
	for (i = 0; i < n; i++) {
		uint32_t j;

		bc_group_patient_key(g, i, k3[i]);
		for (j = 0; j < n; j++)
			assert_memory_not_equal(k3[i], k1[j], BC_GROUP_KEY_BYTES);
	}
	bc_group_free(g);
}

/*
 * Randomised families from tiny name pools (many collisions): parents with
 * their NIR, children under a parent's NIR, twins, missing DOBs, sexes and
 * NIRs. Whatever the rules decide, a patient never holds rows of two people,
 * and a row with its own NIR and DOB is always linked.
 */
static void test_random_no_span(void **state)
{
	static const char *const lasts[] = { "MARTIN", "BERNARD", "DUBOIS" };
	static const char *const firsts[] = { "LEA", "LUCAS", "CAMILLE", "JEAN" };
	enum { PEOPLE = 3000, MAXROWS = 6 };
	struct person {
		char nir[14], last[16], first[16], dob[11];
		int sex, parent;
	} *pp = calloc(PEOPLE, sizeof(*pp));
	uint32_t *owner = calloc(PEOPLE, sizeof(*owner)), *row_person = malloc(PEOPLE * MAXROWS * sizeof(uint32_t));
	unsigned char *own = calloc(PEOPLE * MAXROWS, 1);
	uint64_t x = 12345;
	static const uint8_t gkey[BC_GROUP_KEY_BYTES] = { 7 };
	struct bc_group *g = g_new(gkey, 0), *g2 = g_new(gkey, 0);
	size_t nrows = 0, i;
	int pi;

	(void)state;
	assert_non_null(pp);
	assert_non_null(owner);
	assert_non_null(row_person);
	/* g2: the same rows in a table sized up front (bc_group_presize, as
	 * ingest does from the file size): the same patients, row by row */
	bc_group_presize(g2, (uint64_t)64 << 20);
#define RND() (x = x * 6364136223846793005ULL + 1442695040888963407ULL, (unsigned)(x >> 33))
	for (pi = 0; pi < PEOPLE; pi++) {
		struct person *p = &pp[pi];
		int y = 1950 + (int)(RND() % 3) * 30, m = 1 + (int)(RND() % 2), d = 1 + (int)(RND() % 2);

		p->sex = 1 + (int)(RND() % 2);
		snprintf(p->last, sizeof(p->last), "%s", lasts[RND() % 3]);
		snprintf(p->first, sizeof(p->first), "%s", firsts[RND() % 4]);
		snprintf(p->dob, sizeof(p->dob), "%04d-%02d-%02d", y, m, d);
		/* own NIR: unique order number */
		snprintf(p->nir, sizeof(p->nir), "%d%02d%02d75%03d%03d", p->sex, y % 100, m, pi / 1000, pi % 1000);
		/* an insured parent born 30 years or more earlier (a NIR never covers a peer) */
		p->parent = -1;
		if (pi > 10 && RND() % 3 == 0) {
			int q = (int)(RND() % (unsigned)pi);

			if (atoi(pp[q].dob) < y)
				p->parent = q;
		}
		if (RND() % 5 == 0)
			p->nir[0] = '\0';
	}
	for (pi = 0; pi < PEOPLE; pi++) {
		const struct person *p = &pp[pi];
		int k, nr = 1 + (int)(RND() % MAXROWS);

		for (k = 0; k < nr; k++) {
			unsigned u = RND() % 10;
			const char *nir = u < 5 ? p->nir : u < 8 && p->parent >= 0 ? pp[p->parent].nir : "";
			const char *dob = RND() % 8 ? p->dob : "";
			const char *first = RND() % 10 ? p->first : "";
			int sex = RND() % 3 ? p->sex : U;

			struct bc_record rr;
			struct bc_error err = BC_ERROR_INIT;

			rec(&rr, nir, p->last, first, dob, sex);
			/* each person at their own address (a homonym at the same one is not told apart) */
			snprintf(rr.postcode, sizeof(rr.postcode), "%05d", 10000 + pi);
			assert_int_equal(bc_group_add(g, &rr, &err), 0);
			assert_int_equal(bc_group_add(g2, &rr, &err), 0);
			own[nrows] = nir[0] && nir == p->nir && dob[0];
			row_person[nrows++] = (uint32_t)pi + 1;
		}
	}
	finish(g);
	finish(g2);
	assert_int_equal(bc_group_patients(g2), bc_group_patients(g));
	for (i = 0; i < nrows; i++)
		assert_int_equal(bc_group_row_patient(g2, (uint32_t)i), bc_group_row_patient(g, (uint32_t)i));
	bc_group_free(g2);
	{
		uint32_t n = bc_group_patients(g);
		uint32_t *who = calloc(n, sizeof(*who));
		size_t linked = 0;

		assert_non_null(who);
		for (i = 0; i < nrows; i++) {
			uint32_t p = P(i);

			if (own[i])
				assert_int_not_equal(p, BC_GROUP_UNLINKED); /* rule 1 always links */
			if (p == BC_GROUP_UNLINKED)
				continue;
			linked++;
			assert_true(p < n);
			if (!who[p])
				who[p] = row_person[i];
			assert_int_equal(who[p], row_person[i]); /* no patient spans two people */
		}
		assert_int_equal(bc_group_stats(g)->rows_unlinked, nrows - linked);
		free(who);
	}
	bc_group_free(g);
	free(pp);
	free(owner);
	free(row_person);
	free(own);
}

/* A test-side interning of identifier strings ("N|nir", "D|name|first|dob",
 * "E|email") to dense numbers, as ingest's token table gives them. */
struct numbering {
	char (*s)[128];
	uint32_t *slot; /* number + 1, 0 = empty */
	size_t n, cap;
};

static uint32_t number_of(struct numbering *nb, const char *kind, const char *a, const char *b, const char *c)
{
	char key[128];
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	snprintf(key, sizeof(key), "%s|%s|%s|%s", kind, a, b ? b : "", c ? c : "");
	for (i = 0; key[i]; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
	i = (size_t)h & (nb->cap - 1);
	while (nb->slot[i] && strcmp(nb->s[nb->slot[i] - 1], key))
		i = (i + 1) & (nb->cap - 1);
	if (!nb->slot[i]) {
		assert_true(nb->n * 2 < nb->cap);
		snprintf(nb->s[nb->n], sizeof(nb->s[0]), "%s", key);
		nb->slot[i] = (uint32_t)++nb->n;
	}
	return nb->slot[i] - 1;
}

static unsigned rnd(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(*x >> 33);
}

/*
 * bc_group_add_ids (ingest's token ids) and bc_group_add group alike:
 * randomised rows from tiny pools (homonyms, twins with compound given
 * names, both sexes, parents' NIRs, rows without DOB or NIR, second last
 * names, shared postcodes and emails as evidence) give row by row the same
 * patient and reason, patient by patient the same kind, key and claim
 * identity, and the same counts.
 */
static void test_ids_same_grouping(void **state)
{
	static const char *const lasts[] = { "MARTIN", "BERNARD", "DUBOIS" };
	static const char *const firsts[] = { "CAMILLE", "JEAN", "LEA" };
	static const char *const given[] = { "", "Jean-Pierre", "Jean Gabriel" };
	static const uint8_t gkey[BC_GROUP_KEY_BYTES] = { 9 };
	enum { PEOPLE = 4000, MAXROWS = 5 };
	struct numbering nb = { NULL, NULL, 0, (size_t)1 << 16 };
	struct bc_group *g = g_new(gkey, BC_GROUP_KEEP_IDS), *g2 = g_new(gkey, BC_GROUP_KEEP_IDS);
	char (*nirs)[14] = calloc(PEOPLE, sizeof(*nirs));
	uint64_t x = 99;
	size_t nrows = 0, i;
	int pi, k;

	(void)state;
	nb.s = calloc(nb.cap / 2, sizeof(*nb.s));
	nb.slot = calloc(nb.cap, sizeof(*nb.slot));
	assert_non_null(nb.s);
	assert_non_null(nb.slot);
	assert_non_null(nirs);
	bc_group_presize(g2, (uint64_t)8 << 20);
	for (pi = 0; pi < PEOPLE; pi++) {
		/* a third of the people share a few dates of birth (collisions), the others rarely */
		int narrow = rnd(&x) % 3 == 0, sex = 1 + (int)(rnd(&x) % 2);
		int y = narrow ? 1950 + (int)(rnd(&x) % 2) * 40 : 1940 + (int)(rnd(&x) % 60);
		int m = 1 + (int)(rnd(&x) % (narrow ? 2 : 12)), d = 1 + (int)(rnd(&x) % (narrow ? 2 : 28));
		int nr = 1 + (int)(rnd(&x) % MAXROWS);
		char dob[11], pc[6], mail[40];
		const char *last = lasts[rnd(&x) % 3], *first = firsts[rnd(&x) % 3];

		snprintf(dob, sizeof(dob), "%04d-%02d-%02d", y, m, d);
		snprintf(nirs[pi], sizeof(nirs[pi]), "%d%02d%02d75%03d%03d", sex, y % 100, m, pi / 1000, pi % 1000);
		if (rnd(&x) % 4 == 0)
			nirs[pi][0] = '\0'; /* a person whose rows carry no NIR of theirs */
		snprintf(pc, sizeof(pc), "%05u", 75001 + rnd(&x) % 4);
		snprintf(mail, sizeof(mail), "p%u@example.org", rnd(&x) % 50);
		for (k = 0; k < nr; k++) {
			struct bc_record r;
			struct bc_group_ids ids;
			struct bc_error err = BC_ERROR_INIT;
			unsigned u = rnd(&x) % 10;
			const char *nir = u < 6 ? nirs[pi] : u < 7 && pi > 0 ? nirs[rnd(&x) % (unsigned)pi] : "";

			const char *f = rnd(&x) % 12 ? first : "", *bd = rnd(&x) % 9 ? dob : "";
			int sx = rnd(&x) % 4 ? sex : U;

			rec(&r, nir, last, f, bd, sx);
			if (rnd(&x) % 5 == 0) {
				snprintf(r.last_names[1], sizeof(r.last_names[1]), "%s", lasts[rnd(&x) % 3]);
				r.n_last_names = strcmp(r.last_names[1], r.last_names[0]) ? 2 : 1;
			}
			snprintf(r.display_first, sizeof(r.display_first), "%s", given[rnd(&x) % 3]);
			snprintf(r.postcode, sizeof(r.postcode), "%s", rnd(&x) % 6 ? pc : "");
			if (rnd(&x) % 3) {
				snprintf(r.emails[0], sizeof(r.emails[0]), "%s", rnd(&x) % 4 ? mail : "x@example.net");
				r.n_emails = 1;
			}
			ids.nir = r.nir[0] ? number_of(&nb, "N", r.nir, NULL, NULL) : BC_GROUP_NO_ID;
			for (i = 0; i < BC_RECORD_MAX_NAMES; i++)
				ids.namedob[i] = (int)i < r.n_last_names && r.first_name[0] && r.dob[0]
					? number_of(&nb, "D", r.last_names[i], r.first_name, r.dob) : BC_GROUP_NO_ID;
			ids.email = r.n_emails ? number_of(&nb, "E", r.emails[0], NULL, NULL) : BC_GROUP_NO_ID;
			assert_int_equal(bc_group_add(g, &r, &err), 0);
			assert_int_equal(bc_group_add_ids(g2, &r, &ids, &err), 0);
			nrows++;
		}
	}
	finish(g);
	finish(g2);
	assert_int_equal(bc_group_patients(g2), bc_group_patients(g));
	assert_memory_equal(bc_group_stats(g2), bc_group_stats(g), sizeof(struct bc_group_stats));
	for (i = 0; i < nrows; i++) {
		assert_int_equal(bc_group_row_patient(g2, i), bc_group_row_patient(g, i));
		assert_int_equal(bc_group_row_reason(g2, i), bc_group_row_reason(g, i));
	}
	for (i = 0; i < bc_group_patients(g); i++) {
		uint8_t k1[BC_GROUP_KEY_BYTES], k2[BC_GROUP_KEY_BYTES];
		char n1[BC_NIR_BYTES], n2[BC_NIR_BYTES], d1[BC_DOB_BYTES], d2[BC_DOB_BYTES];

		assert_int_equal(bc_group_patient_kind(g2, (uint32_t)i), bc_group_patient_kind(g, (uint32_t)i));
		bc_group_patient_key(g, (uint32_t)i, k1);
		bc_group_patient_key(g2, (uint32_t)i, k2);
		assert_memory_equal(k1, k2, sizeof(k1));
		assert_int_equal(bc_group_patient_ids(g, (uint32_t)i, n1, d1), 0);
		assert_int_equal(bc_group_patient_ids(g2, (uint32_t)i, n2, d2), 0);
		assert_string_equal(n1, n2);
		assert_string_equal(d1, d2);
	}
	/* the pools are small enough that every rule is exercised */
	assert_true(bc_group_stats(g)->patients_by_kind[BC_GROUP_BY_NIR] > 100);
	assert_true(bc_group_stats(g)->patients_by_kind[BC_GROUP_BY_NIR_NAME] > 0);
	assert_true(bc_group_stats(g)->patients_by_kind[BC_GROUP_BY_NAMEDOB] > 0);
	assert_true(bc_group_stats(g)->patients_by_kind[BC_GROUP_BY_NAMEDOB_NIR] > 0);
	assert_true(bc_group_stats(g)->rows_nir_disagree > 0);
	assert_true(bc_group_stats(g)->rows_nir_unverified > 0);
	print_message("%zu rows, %u patients (by kind %lu %lu %lu %lu %lu %lu), %lu unlinked\n", nrows,
		      bc_group_patients(g), bc_group_stats(g)->patients_by_kind[1], bc_group_stats(g)->patients_by_kind[2],
		      bc_group_stats(g)->patients_by_kind[3], bc_group_stats(g)->patients_by_kind[4],
		      bc_group_stats(g)->patients_by_kind[5], bc_group_stats(g)->patients_by_kind[6],
		      bc_group_stats(g)->rows_unlinked);
	bc_group_free(g);
	bc_group_free(g2);
	free(nb.s);
	free(nb.slot);
	free(nirs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees),
		cmocka_unit_test(test_dependants),
		cmocka_unit_test(test_dependant_with_own_nir),
		cmocka_unit_test(test_child_under_two_parents),
		cmocka_unit_test(test_twins),
		cmocka_unit_test(test_twins_compound),
		cmocka_unit_test(test_two_sexes),
		cmocka_unit_test(test_namedob_collision),
		cmocka_unit_test(test_homonym_elsewhere),
		cmocka_unit_test(test_unverified),
		cmocka_unit_test(test_usage_name),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_random_no_span),
		cmocka_unit_test(test_ids_same_grouping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
