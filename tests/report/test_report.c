#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

/*
 * Golden outputs: tests/report/golden/<case>.<lang>.{txt,json}, compared byte
 * for byte. Regenerate on purpose with BC_UPDATE_GOLDEN=1.
 */

static const char *const lab_names[] = { "LABO BIOMEDICAL DU PARC", "LABORATOIRE DES ALPES",
				    "BIOLOGIE SAINT-ROCH" };

static const struct bc_breach catalogue[] = {
	{ .id = 1, .name = "labs-2021", .title = "Fuite de laboratoires d'analyses médicales",
	  .breach_date = "2021-02-23", .description = "Fichier de patients de 27 laboratoires",
	  .title_en = "Leak of medical-lab patient records",
	  .description_en = "Patient file of 27 labs",
	  /* the breach holds medical categories (issue 17: blackmail advice on every result) */
	  .data_classes = 0x0FFF | (1u << 12) | (1u << 16) | (1u << 17),
	  .is_sensitive = 1, .controller = "Groupement Biolab Exemple",
	  .dpo_contact = "dpo@example.org", .complaint_url = "https://www.cnil.fr/fr/plaintes",
	  .sources = lab_names, .n_sources = 3, .public_tier = BC_TIER_CLASSES },
	{ .id = 2, .name = "clinic-2019", .title = "Clinic appointment export",
	  .breach_date = "2019-06-01", .description = NULL, .is_sensitive = 0,
	  .controller = "Clinique Exemple SAS", .dpo_contact = NULL, .complaint_url = NULL,
	  .sources = lab_names, .n_sources = 3, .public_tier = BC_TIER_FULL },
	/* public tier none: listed on every result with the ways to check it (DESIGN §6) */
	{ .id = 3, .name = "labs-2022", .title = "Fuite d'un centre de dépistage",
	  .breach_date = "2022-03-01", .is_sensitive = 1, .controller = "Centre Exemple",
	  .dpo_contact = "dpo@example.net", .sources = lab_names, .n_sources = 0,
	  .public_tier = BC_TIER_NONE },
};

static char *render(const struct bc_report *r, enum bc_report_lang lang, int json)
{
	struct bc_error err = BC_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(bc_report_write_json(r, lang, f, &err), 0);
	else
		assert_int_equal(bc_report_write_text(r, lang, f, &err), 0);
	fclose(f);
	return buf;
}

static void check_golden(const char *name, const char *got)
{
	char path[1024];
	const char *src = getenv("BC_SOURCE");
	FILE *f;
	char *want;
	long n;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/tests/report/golden/%s", src, name);
	if (getenv("BC_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	f = fopen(path, "rb");
	if (!f)
		fail_msg("missing golden file %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)n + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(want, got))
		fail_msg("%s differs from the golden file (BC_UPDATE_GOLDEN=1 to regenerate)", name);
	free(want);
}

static void check_all(const struct bc_report *r, const char *base)
{
	static const char *const lang_names[] = { "en", "fr" };
	char name[128];
	char *s;
	int lang, json;

	for (lang = 0; lang < 2; lang++) {
		for (json = 0; json < 2; json++) {
			s = render(r, (enum bc_report_lang)lang, json);
			snprintf(name, sizeof(name), "%s.%s.%s", base, lang_names[lang],
				 json ? "json" : "txt");
			check_golden(name, s);
			free(s);
		}
	}
}

/* Public tier of a sensitive breach: classes only; a household email is shared. */
static void build_sensitive(struct bc_report *r)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_payload nir = { BC_PAYLOAD_VERSION, BC_TOKEN_NIR, 0, 0x0FFF & ~(1u << 9), 0, 0, 0xFFFF, 0xFFFF };
	struct bc_payload email = { BC_PAYLOAD_VERSION, BC_TOKEN_EMAIL, 0, (1u << 5) | (1u << 31), 0, 0,
					   0xFFFF, 0xFFFF };

	bc_report_init(r, catalogue, 2, BC_TOKEN_BIT(BC_TOKEN_NIR) | BC_TOKEN_BIT(BC_TOKEN_EMAIL) |
					    BC_TOKEN_BIT(BC_TOKEN_NAMEDOB));
	assert_int_equal(bc_report_add(r, 0, &email, &err), 0);
	assert_int_equal(bc_report_add(r, 0, &nir, &err), 0);
}

static void test_golden_sensitive(void **state)
{
	struct bc_report r;

	(void)state;
	build_sensitive(&r);
	assert_int_equal(bc_report_found(&r), 1);
	assert_int_equal(r.hits[0].shared, BC_TOKEN_BIT(BC_TOKEN_EMAIL));
	assert_int_equal(r.hits[0].flags, 0x0FFF & ~(1u << 9));
	check_all(&r, "sensitive");
	bc_report_release(&r);
}

/* Full tier (not sensitive), two identifiers merged, medical categories. */
static void test_golden_full(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_report r;
	/* 2018-03 .. 2019-05, and 2018-07 .. 2019-11: merged 2018-03 .. 2019-11 */
	struct bc_payload a = { BC_PAYLOAD_VERSION, BC_TOKEN_NAMEDOB, 2, 0x0D07 | (1u << 12) | (1u << 17), 219, 233,
				       1, 0xFFFF };
	struct bc_payload b = { BC_PAYLOAD_VERSION, BC_TOKEN_PHONE, 5, 0x0C47 | (1u << 30), 223, 239, 0, 2 };

	(void)state;
	bc_report_init(&r, catalogue, 3, BC_TOKEN_BIT(BC_TOKEN_NAMEDOB) | BC_TOKEN_BIT(BC_TOKEN_PHONE));
	assert_int_equal(bc_report_add(&r, 1, &a, &err), 0);
	assert_int_equal(bc_report_add(&r, 1, &b, &err), 0);
	assert_int_equal(r.hits[0].rows, 5);
	assert_int_equal(r.hits[0].first_month, 219);
	assert_int_equal(r.hits[0].last_month, 239);
	assert_int_equal(r.hits[0].n_sources, 3);
	check_all(&r, "full");
	bc_report_release(&r);
}

static void test_golden_not_found(void **state)
{
	struct bc_report r;

	(void)state;
	bc_report_init(&r, catalogue, 3, BC_TOKEN_BIT(BC_TOKEN_NIR) | BC_TOKEN_BIT(BC_TOKEN_PHONE));
	assert_int_equal(bc_report_found(&r), 0);
	check_all(&r, "not_found");
	bc_report_release(&r);
}

/* The medical sentence is the same with or without a comment, and ends each result. */
static void test_medical_notice_independent(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_report r1, r2;
	struct bc_payload p = { BC_PAYLOAD_VERSION, BC_TOKEN_NIR, 0, 0x3, 0, 0, 0xFFFF, 0xFFFF };
	char *s1, *s2;
	const char *notice = bc_report_medical_notice(BC_LANG_EN);
	size_t nl = strlen(notice);

	(void)state;
	bc_report_init(&r1, catalogue, 2, BC_TOKEN_BIT(BC_TOKEN_NIR));
	bc_report_init(&r2, catalogue, 2, BC_TOKEN_BIT(BC_TOKEN_NIR));
	assert_int_equal(bc_report_add(&r1, 1, &p, &err), 0);
	p.flags |= 1u << 12;
	assert_int_equal(bc_report_add(&r2, 1, &p, &err), 0);
	s1 = render(&r1, BC_LANG_EN, 0);
	s2 = render(&r2, BC_LANG_EN, 0);
	assert_true(strlen(s1) > nl + 1);
	assert_memory_equal(s1 + strlen(s1) - nl - 1, notice, nl);
	assert_memory_equal(s2 + strlen(s2) - nl - 1, notice, nl);
	assert_null(strstr(s1, "blackmail"));
	assert_non_null(strstr(s2, "blackmail"));
	free(s1);
	free(s2);
	bc_report_release(&r1);
	bc_report_release(&r2);
}

/*
 * A sensitive breach's public tier shows found and classes 0-11 only, even if
 * a payload of a public kind carried more (DESIGN.md §2 point 4); the
 * verified kind shows everything.
 */
static void test_sensitive_hides_tier(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_report r;
	struct bc_payload p = { BC_PAYLOAD_VERSION, BC_TOKEN_NIR, 7, 0x0FFF | (1u << 12) | (1u << 17) | (1u << 30),
				       219, 239, 0, 1 };
	json_t *j, *h;
	char *txt;

	(void)state;
	bc_report_init(&r, catalogue, 2, BC_TOKEN_BIT(BC_TOKEN_NIR));
	assert_int_equal(bc_report_add(&r, 0, &p, &err), 0);
	assert_int_equal(r.hits[0].rows, 0);
	assert_int_equal(r.hits[0].first_month, 0);
	assert_int_equal(r.hits[0].last_month, 0);
	assert_int_equal(r.hits[0].n_sources, 0);
	assert_int_equal(r.hits[0].flags, 0x0FFF);
	j = bc_report_to_json(&r, BC_LANG_EN);
	h = json_array_get(json_object_get(j, "breaches"), 0);
	assert_true(json_is_null(json_object_get(h, "rows")));
	/* the breaches checked are titled in the report's language too */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "breaches_checked"), 0),
								"title")), "Leak of medical-lab patient records");
	assert_true(json_is_null(json_object_get(h, "first_month")));
	assert_int_equal(json_array_size(json_object_get(h, "sources")), 0);
	assert_true(json_is_false(json_object_get(h, "more_sources")));
	json_decref(j);
	txt = render(&r, BC_LANG_EN, 0);
	assert_null(strstr(txt, "Records"));
	/* the breach holds medical categories: the advice is there, whatever this
	 * record holds, and says nothing about it (issue 17) */
	assert_non_null(strstr(txt, "blackmail"));
	assert_non_null(strstr(txt, "Leak of medical-lab patient records"));
	assert_null(strstr(txt, "LABO BIOMEDICAL"));
	assert_non_null(strstr(txt, "only shown with the code of your letter or after your email address is verified"));
	free(txt);
	bc_report_release(&r);

	p.kind = BC_TOKEN_VERIFIED;
	bc_report_init(&r, catalogue, 2, BC_TOKEN_BIT(BC_TOKEN_VERIFIED));
	assert_int_equal(bc_report_add(&r, 0, &p, &err), 0);
	assert_int_equal(r.hits[0].rows, 7);
	assert_int_equal(r.hits[0].n_sources, 2);
	assert_true(r.hits[0].flags & (1u << 17));
	bc_report_release(&r);
}

/*
 * Nothing found in a breach where nothing is public: no "we did not find
 * these identifiers" (a person in the file gets the same answer), but the
 * page's neutral sentence and the ways to know, DPO included.
 */
static void test_all_private_not_found(void **state)
{
	struct bc_report r;
	json_t *j;
	char *txt;

	(void)state;
	bc_report_init(&r, catalogue + 2, 1, BC_TOKEN_BIT(BC_TOKEN_NIR));
	txt = render(&r, BC_LANG_EN, 0);
	assert_null(strstr(txt, "We did not find"));
	assert_null(strstr(txt, "This does not prove"));
	assert_non_null(strstr(txt, "Without a proof, a search by identifier shows nothing of this breach: "
				    "even if you are in the file, it answers \"not found\"."));
	assert_non_null(strstr(txt, "breachcheck check --claim"));
	assert_non_null(strstr(txt, "breachcheck check --verify-email"));
	assert_non_null(strstr(txt, "dpo@example.net"));
	free(txt);
	txt = render(&r, BC_LANG_FR, 0);
	assert_null(strstr(txt, "Nous n'avons pas trouvé"));
	assert_non_null(strstr(txt, "même si vous êtes dans le fichier, elle répond « non trouvé »"));
	free(txt);
	j = bc_report_to_json(&r, BC_LANG_EN);
	assert_true(json_is_false(json_object_get(j, "found")));
	assert_non_null(strstr(json_string_value(json_object_get(j, "not_found_notice")), "even if you are in the file"));
	json_decref(j);
	bc_report_release(&r);
	/* two breaches, nothing public in either: the plural (these breaches) */
	{
		struct bc_breach two[2];

		two[0] = catalogue[2];
		two[1] = catalogue[2];
		two[1].id = 4;
		two[1].name = "labs-2023";
		bc_report_init(&r, two, 2, BC_TOKEN_BIT(BC_TOKEN_NIR));
		txt = render(&r, BC_LANG_EN, 0);
		assert_non_null(strstr(txt, "shows nothing of these breaches: even if you are in their files"));
		assert_null(strstr(txt, "of this breach: even"));
		free(txt);
		txt = render(&r, BC_LANG_FR, 0);
		assert_non_null(strstr(txt, "ne montre rien de ces fuites : même si vous êtes dans leurs fichiers"));
		free(txt);
		bc_report_release(&r);
	}
	/* with a public breach besides, the usual not-found text */
	bc_report_init(&r, catalogue, 3, BC_TOKEN_BIT(BC_TOKEN_NIR));
	txt = render(&r, BC_LANG_EN, 0);
	assert_non_null(strstr(txt, "We did not find these identifiers in the 3 breaches searched."));
	free(txt);
	bc_report_release(&r);
}

/*
 * A proof-tier result (claim code, verified email; DESIGN.md §6) says neither
 * "only shown with the claim code..." nor the ways to prove of the breaches
 * where nothing is public: the person has already proved.
 */
static void test_proof_tier_no_prompt_to_prove(void **state)
{
	static const uint32_t kinds[] = { BC_TOKEN_CLAIM, BC_TOKEN_VERIFIED };
	struct bc_error err = BC_ERROR_INIT;
	struct bc_report r;
	struct bc_payload p = { BC_PAYLOAD_VERSION, BC_TOKEN_CLAIM, 7, 0x0FFF | (1u << 12), 219, 239, 0, 1 };
	json_t *j, *h;
	char *txt;
	size_t k;
	int lang;

	(void)state;
	for (k = 0; k < 2; k++) {
		p.kind = (uint8_t)kinds[k];
		bc_report_init(&r, catalogue, 3, BC_TOKEN_BIT(kinds[k]));
		assert_int_equal(bc_report_add(&r, 0, &p, &err), 0);
		for (lang = 0; lang < 2; lang++) {
			txt = render(&r, (enum bc_report_lang)lang, 0);
			assert_null(strstr(txt, bc_report_medical_notice((enum bc_report_lang)lang)));
			assert_null(strstr(txt, "Breaches where nothing is public"));
			assert_null(strstr(txt, "Fuites dont rien n'est public"));
			assert_non_null(strstr(txt, lang ? "Fiches : 7" : "Records: 7"));
			free(txt);
		}
		j = bc_report_to_json(&r, BC_LANG_EN);
		h = json_array_get(json_object_get(j, "breaches"), 0);
		assert_true(json_is_null(json_object_get(h, "medical_notice")));
		assert_int_equal(json_array_size(json_object_get(j, "private_breaches")), 0);
		json_decref(j);
		bc_report_release(&r);
	}
	/* the public tier still says both */
	p.kind = BC_TOKEN_NIR;
	bc_report_init(&r, catalogue, 3, BC_TOKEN_BIT(BC_TOKEN_NIR));
	assert_int_equal(bc_report_add(&r, 0, &p, &err), 0);
	txt = render(&r, BC_LANG_EN, 0);
	assert_non_null(strstr(txt, bc_report_medical_notice(BC_LANG_EN)));
	assert_non_null(strstr(txt, "Breaches where nothing is public"));
	free(txt);
	bc_report_release(&r);
}

static void test_helpers(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_report r;
	struct bc_payload bad = { BC_PAYLOAD_VERSION, 9, 0, 0, 0, 0, 0, 0 };
	enum bc_report_lang lang;
	char m[16];

	(void)state;
	assert_string_equal(bc_report_month(219, m, sizeof(m)), "2018-03");
	assert_string_equal(bc_report_month(239, m, sizeof(m)), "2019-11");
	assert_string_equal(bc_report_month(12, m, sizeof(m)), "2000-12");
	assert_string_equal(bc_report_month(0, m, sizeof(m)), "");
	assert_string_equal(bc_class_name(7), "blood_group");
	assert_string_equal(bc_class_name(31), "shared");
	assert_null(bc_class_name(13));
	assert_string_equal(bc_token_kind_name(BC_TOKEN_NAMEDOB), "namedob");
	setenv("LC_ALL", "", 1);
	setenv("LC_MESSAGES", "fr_FR.UTF-8", 1);
	setenv("LANG", "en_US.UTF-8", 1);
	assert_int_equal(bc_report_lang_from_env(), BC_LANG_FR);
	setenv("LC_ALL", "C.UTF-8", 1);
	assert_int_equal(bc_report_lang_from_env(), BC_LANG_EN);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	assert_int_equal(bc_report_lang_from_env(), BC_LANG_EN);
	assert_int_equal(bc_report_lang_parse("FR", &lang), 0);
	assert_int_equal(lang, BC_LANG_FR);
	assert_int_equal(bc_report_lang_parse("de", &lang), -1);
	bc_report_init(&r, catalogue, 2, 0);
	assert_int_equal(bc_report_add(&r, 0, &bad, &err), -1);
	assert_string_equal(err.code, "bad_payload");
	bad.kind = 1;
	assert_int_equal(bc_report_add(&r, 5, &bad, &err), -1);
	assert_int_equal(bc_report_found(&r), 0);
	bc_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_sensitive),
		cmocka_unit_test(test_golden_full),
		cmocka_unit_test(test_golden_not_found),
		cmocka_unit_test(test_proof_tier_no_prompt_to_prove),
		cmocka_unit_test(test_all_private_not_found),
		cmocka_unit_test(test_medical_notice_independent),
		cmocka_unit_test(test_sensitive_hides_tier),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
