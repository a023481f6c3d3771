#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "client/client.h"
#include "normalize/normalize.h"
#include "tinyindex.h"

#define SHARED (1u << 31)

static char dir[256], idxdir[300], keypath[300], otherkey[300];
static const uint8_t seed[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t seed2[32] = { 42 };

static const char catalogue[] =
	"[{\"id\": 3, \"name\": \"labs\", \"title\": \"Lab leak\", \"breach_date\": \"2021-02-23\","
	"  \"is_sensitive\": true, \"controller\": \"Biolab Exemple\", \"dpo_contact\": "
	"  \"dpo@example.org\", \"complaint_url\": \"https://www.cnil.fr/fr/plaintes\","
	"  \"sources\": [\"LAB A\", \"LAB B\"]},"
	" {\"id\": 9, \"name\": \"clinic\", \"title\": \"Clinic\", \"breach_date\": \"2019-06-01\","
	"  \"is_sensitive\": false, \"sources\": [\"LAB A\", \"LAB B\", \"LAB C\"]}]";

/* public tier of a sensitive breach: classes only */
static const struct tiny_token tokens[] = {
	{ "bc1|nir|2550814168025", 3, { 1, 1, 0, 0x0C67, 0, 0, 0xFFFF, 0xFFFF } },
	{ "bc1|namedob|MARTINDUPONT|HELENE|1985-07-03", 3, { 1, 2, 0, 0x0C07, 0, 0, 0xFFFF, 0xFFFF } },
	{ "bc1|namedob|DUPONT|HELENE|1985-07-03", 3, { 1, 2, 0, 0x0C17, 0, 0, 0xFFFF, 0xFFFF } },
	{ "bc1|email|famille.dupont@example.fr", 3, { 1, 3, 0, (1u << 5) | SHARED, 0, 0, 0xFFFF, 0xFFFF } },
	{ "bc1|phone|+262639981234", 9, { 1, 4, 4, 0x0C43, 219, 239, 2, 0 } },
	{ "bc1|nir|1850775123000", 9, { 1, 1, 1, 0x0003, 230, 230, 1, 0xFFFF } },
};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bc-test-client.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(idxdir, sizeof(idxdir), "%s/index", dir);
	snprintf(keypath, sizeof(keypath), "%s/key", dir);
	snprintf(otherkey, sizeof(otherkey), "%s/otherkey", dir);
	if (tiny_key_write(keypath, seed) || tiny_key_write(otherkey, seed2))
		return -1;
	return tiny_index_build(idxdir, seed, tokens, sizeof(tokens) / sizeof(tokens[0]),
				catalogue);
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_prepare_tokens(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { .nir = "2 55 08 14 168 025 38",
			      .last_names = { "Martin-Dupont", "dupont" }, .n_last_names = 2,
			      .first_name = "Hélène-Marie", .dob = "3/7/1985",
			      .email = " Famille.Dupont@EXAMPLE.fr ", .phone = "06 39 98 12 34" };

	(void)state;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.t[0].input, "bc1|nir|2550814168025");
	assert_string_equal(t.t[1].input, "bc1|namedob|MARTINDUPONT|HELENE|1985-07-03");
	assert_string_equal(t.t[2].input, "bc1|namedob|DUPONT|HELENE|1985-07-03");
	assert_string_equal(t.t[3].input, "bc1|email|famille.dupont@example.fr");
	assert_string_equal(t.t[4].input, "bc1|phone|+262639981234");
	assert_int_equal(t.t[1].kind, BC_TOKEN_NAMEDOB);
	assert_int_equal(t.t[1].len, strlen(t.t[1].input));
	assert_int_equal(t.incomplete_namedob, 0);
	assert_int_equal(t.checked, BC_TOKEN_BIT(1) | BC_TOKEN_BIT(2) | BC_TOKEN_BIT(3) | BC_TOKEN_BIT(4));

	/* the same last name twice (case, accents) gives one namedob token */
	q.last_names[1] = "MARTIN DUPONT";
	q.nir = NULL;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.t[0].input, "bc1|namedob|MARTINDUPONT|HELENE|1985-07-03");
}

static void test_prepare_errors(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { .nir = "2550814168025 39" };

	(void)state;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.code, "bad_input");
	assert_string_equal(err.field, "--nir");
	assert_non_null(strstr(err.msg, "read the last two digits again"));
	assert_null(strstr(err.msg, "2550814168025"));

	q = (struct bc_query){ .email = "a@example.fr", .dob = "31/02/1985",
			       .last_names = { "Dupont" }, .n_last_names = 1, .first_name = "Jo" };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.field, "--dob");
	assert_non_null(strstr(err.msg, "DD/MM/YYYY"));

	/* part of name + dob: a note when something else is checked, an error otherwise */
	q = (struct bc_query){ .email = "a@example.fr", .last_names = { "Dupont" }, .n_last_names = 1 };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.incomplete_namedob, 1);
	assert_string_equal(t.missing, "--first-name --dob");
	q.email = NULL;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.code, "incomplete_namedob");
	assert_non_null(strstr(err.msg, "--first-name --dob"));

	q = (struct bc_query){ 0 };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.code, "no_identifier");

	q = (struct bc_query){ .phone = "not a phone" };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.field, "--phone");
}

static void expect_dob(const char *typed, const char *want)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { .last_names = { "Dupont" }, .n_last_names = 1, .first_name = "Helene",
			      .dob = typed };
	char input[128];

	if (bc_client_prepare(&q, NULL, "en", &t, &err))
		fail_msg("dob '%s' refused: %s", typed, err.msg);
	snprintf(input, sizeof(input), "bc1|namedob|DUPONT|HELENE|%s", want);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.t[0].input, input);
}

static void expect_dob_error(const char *typed, const char *msg_part)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { .last_names = { "Dupont" }, .n_last_names = 1, .first_name = "Helene",
			      .dob = typed };

	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.code, "bad_input");
	assert_string_equal(err.field, "--dob");
	if (!strstr(err.msg, msg_part))
		fail_msg("dob '%s': message '%s' lacks '%s'", typed, err.msg, msg_part);
	assert_non_null(strstr(err.msg, "DD/MM/YYYY"));
	assert_null(strstr(err.msg, typed));
}

/* What people type: name fields holding two names, dates in words or with spaces. */
static void test_prepare_typed_forms(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { .last_names = { "DUPONT épouse MARTIN" }, .n_last_names = 1,
			      .first_name = "Hélène", .dob = "03/07/1985" };

	(void)state;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.t[0].input, "bc1|namedob|DUPONT|HELENE|1985-07-03");
	assert_string_equal(t.t[1].input, "bc1|namedob|MARTIN|HELENE|1985-07-03");
	q.last_names[0] = "Martin née Dupont";
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.t[0].input, "bc1|namedob|DUPONT|HELENE|1985-07-03");
	assert_string_equal(t.t[1].input, "bc1|namedob|MARTIN|HELENE|1985-07-03");
	/* the usage name given again on its own is not a third name */
	q.last_names[0] = "Dupont ép. Martin";
	q.last_names[1] = "MARTIN";
	q.n_last_names = 2;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 2);
	q.last_names[1] = "Durand";
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.field, "--last-name");
	assert_null(strstr(err.msg, "DURAND"));
	assert_null(strstr(err.msg, "Durand"));
	/* hyphenated names stay one name */
	q = (struct bc_query){ .last_names = { "Martin-Dupont" }, .n_last_names = 1,
			       .first_name = "Hélène", .dob = "03/07/1985" };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_int_equal(t.n, 1);

	/* one phone number per --phone: a second one is refused, not dropped */
	q = (struct bc_query){ .phone = "06 39 98 12 34 ou 07 16 48 14 62" };
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_string_equal(err.field, "--phone");
	assert_non_null(strstr(err.msg, "one phone number at a time"));
	assert_null(strstr(err.msg, "39 98"));
	q.phone = "0033 (0)6 39 98 12 34 (portable)";
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_string_equal(t.t[0].input, "bc1|phone|+262639981234");

	expect_dob("03 07 1985", "1985-07-03");
	expect_dob("3 7 1985", "1985-07-03");
	expect_dob("03 / 07 / 1985", "1985-07-03");
	expect_dob("3 juillet 1985", "1985-07-03");
	expect_dob("3 JUILLET 1985", "1985-07-03");
	expect_dob("3 juil. 1985", "1985-07-03");
	expect_dob("3 July 1985", "1985-07-03");
	expect_dob("1er juillet 1985", "1985-07-01");
	expect_dob("1ER JUILLET 1985", "1985-07-01");
	expect_dob("15 août 1985", "1985-08-15");
	expect_dob("15 AOÛT 1985", "1985-08-15");
	expect_dob("2 février 1985", "1985-02-02");
	expect_dob("2 décembre 1985", "1985-12-02");
	expect_dob("3-juillet-85", "1985-07-03");
	expect_dob("1985 07 03", "1985-07-03");
	expect_dob("1985/07/03", "1985-07-03");
	expect_dob("3/7/85", "1985-07-03");
	expect_dob("03.07.1985", "1985-07-03");
	expect_dob("1985-07-03", "1985-07-03");
	expect_dob_error("31 février 1985", "no such date");
	expect_dob_error("31/02/1985", "no such date");
	expect_dob_error("03/07/2999", "no such date");
	expect_dob_error("03/07/1789", "no such date");
	expect_dob_error("7/30/1985", "no such date");
	expect_dob_error("3 jullet 1985", "not understood");
	expect_dob_error("3 7 19 85", "not understood");
	expect_dob_error("juillet 1985", "not understood");
}

/* Corsican NIRs in any case, the key checked and a wrong key said clearly. */
static void test_prepare_nir_corsica(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { 0 };
	char typed[64];
	int key = bc_nir_key("185072A123000");

	(void)state;
	assert_true(key >= 1 && key <= 97);
	snprintf(typed, sizeof(typed), "1 85 07 2a 123 000 %02d", key);
	q.nir = typed;
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), 0);
	assert_string_equal(t.t[0].input, "bc1|nir|185072A123000");
	snprintf(typed, sizeof(typed), "185072B123000%02d", key);   /* 2B: another key */
	assert_int_equal(bc_client_prepare(&q, NULL, "fr", &t, &err), -1);
	assert_non_null(strstr(err.msg, "deux derniers chiffres"));
	assert_null(strstr(err.msg, "123000"));
	snprintf(typed, sizeof(typed), "185072A123000%02d", key % 97 + 1);
	assert_int_equal(bc_client_prepare(&q, NULL, "en", &t, &err), -1);
	assert_non_null(strstr(err.msg, "read the last two digits again"));
}

/* Messages in the chosen language, also those of the client itself. */
static void test_prepare_french(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;
	struct bc_query q = { 0 };

	(void)state;
	assert_int_equal(bc_client_prepare(&q, NULL, "fr", &t, &err), -1);
	assert_non_null(strstr(err.msg, "au moins un identifiant"));
	/* the same language names as bc_norm_message */
	assert_int_equal(bc_client_prepare(&q, NULL, "fr_FR", &t, &err), -1);
	assert_non_null(strstr(err.msg, "au moins un identifiant"));
	assert_int_equal(bc_client_prepare(&q, NULL, NULL, &t, &err), -1);
	assert_non_null(strstr(err.msg, "at least one identifier"));
	q.last_names[0] = "Dupont";
	q.n_last_names = 1;
	assert_int_equal(bc_client_prepare(&q, NULL, "fr", &t, &err), -1);
	assert_non_null(strstr(err.msg, "ajoutez --first-name --dob"));
	q.first_name = "Jo";
	q.dob = "31/02/1985";
	assert_int_equal(bc_client_prepare(&q, NULL, "fr", &t, &err), -1);
	assert_non_null(strstr(err.msg, "JJ/MM/AAAA"));
}

/* XDG_CACHE_HOME when absolute, else HOME, else the password database. */
static void test_default_cache_dir(void **state)
{
	char buf[512], *home = getenv("HOME"), *xdg = getenv("XDG_CACHE_HOME");
	char save_home[256] = "", save_xdg[256] = "";

	(void)state;
	if (home)
		snprintf(save_home, sizeof(save_home), "%s", home);
	if (xdg)
		snprintf(save_xdg, sizeof(save_xdg), "%s", xdg);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	assert_int_equal(bc_client_default_cache_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/cache/breachcheck");
	setenv("XDG_CACHE_HOME", "relative", 1);
	setenv("HOME", "/home/someone", 1);
	assert_int_equal(bc_client_default_cache_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/someone/.cache/breachcheck");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_int_equal(bc_client_default_cache_dir(buf, sizeof(buf)), 0);
	assert_true(buf[0] == '/');
	assert_non_null(strstr(buf, "/.cache/breachcheck"));
	assert_int_equal(bc_client_default_cache_dir(buf, 8), -1);
	if (save_home[0])
		setenv("HOME", save_home, 1);
	if (save_xdg[0])
		setenv("XDG_CACHE_HOME", save_xdg, 1);
}

static int run(struct bc_client_backend *be, const struct bc_query *q, struct bc_report *r,
	       struct bc_error *err)
{
	struct bc_client_tokens t;

	assert_int_equal(bc_client_prepare(q, NULL, "en", &t, err), 0);
	return bc_client_check(be, &t, r, err);
}

static void test_local_found(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_report r;
	struct bc_query q = { .nir = "255081416802538", .email = "famille.dupont@example.fr",
			      .last_names = { "Dupont" }, .n_last_names = 1,
			      .first_name = "helene", .dob = "1985-07-03",
			      .phone = "+33 6 39 98 12 34" };

	(void)state;
	assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
	assert_int_equal(be.n_breaches, 2);
	assert_int_equal(run(&be, &q, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 2);
	/* breach 3: nir + namedob(usage name) + shared email */
	assert_int_equal(r.hits[0].breach->id, 3);
	assert_int_equal(r.hits[0].matched, BC_TOKEN_BIT(1) | BC_TOKEN_BIT(2) | BC_TOKEN_BIT(3));
	assert_int_equal(r.hits[0].shared, BC_TOKEN_BIT(3));
	assert_int_equal(r.hits[0].flags, 0x0C67 | 0x0C17 | (1u << 5));
	assert_int_equal(r.hits[0].rows, 0);
	/* breach 9: the phone, full tier */
	assert_int_equal(r.hits[1].breach->id, 9);
	assert_int_equal(r.hits[1].matched, BC_TOKEN_BIT(4));
	assert_int_equal(r.hits[1].rows, 4);
	assert_int_equal(r.hits[1].first_month, 219);
	assert_int_equal(r.hits[1].last_month, 239);
	assert_int_equal(r.hits[1].n_sources, 2);
	assert_string_equal(r.hits[1].breach->sources[r.hits[1].sources[0]], "LAB A");
	assert_string_equal(r.hits[1].breach->sources[r.hits[1].sources[1]], "LAB C");
	bc_report_release(&r);

	/* not found: a one-letter-different name, another NIR with a valid key */
	q = (struct bc_query){ .nir = "1850775123001", .last_names = { "Dupond" },
			       .n_last_names = 1, .first_name = "Helene", .dob = "03/07/1985" };
	assert_int_equal(run(&be, &q, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 0);
	assert_int_equal(r.checked, BC_TOKEN_BIT(1) | BC_TOKEN_BIT(2));
	bc_report_release(&r);
	bc_client_backend_release(&be);
}

static void test_key_mismatch(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;

	(void)state;
	assert_int_equal(bc_client_open_local(&be, idxdir, otherkey, &err), -1);
	assert_string_equal(err.code, "key_mismatch");
}

static int bad_proof_evaluate(struct bc_client_backend *be, const uint8_t *blinded, size_t n,
			      uint8_t *evaluated, uint8_t proof[OPRF_PROOF_BYTES],
			      struct bc_error *err)
{
	const struct bc_client_ops *real = *(const struct bc_client_ops **)be->ctx;
	int ret;

	be->ctx = ((void **)be->ctx)[1];
	ret = real->evaluate(be, blinded, n, evaluated, proof, err);
	proof[5] ^= 1;
	return ret;
}

static void test_bad_proof(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_client_ops ops;
	struct bc_report r;
	struct bc_query q = { .nir = "2550814168025" };
	void *wrap[2];

	(void)state;
	assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
	ops = *be.ops;
	wrap[0] = (void *)be.ops;
	wrap[1] = be.ctx;
	ops.evaluate = bad_proof_evaluate;
	be.ops = &ops;
	be.ctx = wrap;
	assert_int_equal(run(&be, &q, &r, &err), -1);
	assert_string_equal(err.code, "bad_proof");
	/* bad_proof_evaluate restored ctx to the key before failing */
	bc_client_backend_release(&be);
}

static void test_tampered_bucket(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_report r;
	struct bc_query q = { .nir = "2550814168025" };
	char path[400];
	FILE *f;
	int c;
	long i;

	(void)state;
	/* flip one ciphertext byte of every entry, so every bucket is wrong */
	snprintf(path, sizeof(path), "%s/buckets.bin", idxdir);
	f = fopen(path, "r+b");
	assert_non_null(f);
	for (i = 0;; i++) {
		if (fseek(f, i * 48 + 20, SEEK_SET) || (c = fgetc(f)) == EOF)
			break;
		fseek(f, i * 48 + 20, SEEK_SET);
		fputc(c ^ 0x40, f);
	}
	fclose(f);
	assert_true(i > 0);
	assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
	assert_int_equal(run(&be, &q, &r, &err), -1);
	assert_string_equal(err.code, "bad_hash");
	bc_client_backend_release(&be);
}

static uint32_t reads_seen[64];
static size_t n_reads_seen;
static const struct bc_client_ops *real_ops;

static int counting_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			   struct bc_error *err)
{
	if (n_reads_seen < 64)
		reads_seen[n_reads_seen++] = i;
	return real_ops->bucket(be, i, data, err);
}

static size_t distinct_reads(void)
{
	size_t i, j, d = 0;

	for (i = 0; i < n_reads_seen; i++) {
		for (j = 0; j < i && reads_seen[j] != reads_seen[i]; j++)
			;
		d += j == i;
	}
	return d;
}

/* Multiset intersection size of two read logs. */
static size_t common_reads(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	int used[64] = { 0 };
	size_t i, j, c = 0;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (!used[j] && b[j] == a[i]) {
				used[j] = 1;
				c++;
				break;
			}
	return c;
}

/*
 * Bucket reads: unpadded, each distinct bucket once; with pad_reads (fetch
 * mode) exactly BC_CLIENT_PAD_READS reads whatever the number of
 * identifiers, and the same answer.
 */
static void test_bucket_reads(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_client_ops ops;
	struct bc_report r;
	struct bc_query one = { .phone = "+262639981234" };
	struct bc_query all = { .nir = "2550814168025", .email = "famille.dupont@example.fr",
				.last_names = { "Dupont", "Martin-Dupont" }, .n_last_names = 2,
				.first_name = "Helene", .dob = "03/07/1985", .phone = "0639981234" };

	(void)state;
	assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
	real_ops = be.ops;
	ops = *be.ops;
	ops.bucket = counting_bucket;
	be.ops = &ops;

	/* no padding: five tokens, each distinct bucket read once */
	n_reads_seen = 0;
	assert_int_equal(run(&be, &all, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 2);
	bc_report_release(&r);
	assert_true(n_reads_seen >= 1 && n_reads_seen <= 5);
	assert_int_equal(distinct_reads(), n_reads_seen);

	/* padded: one identifier or five, the same number of reads */
	ops.pad_reads = BC_CLIENT_PAD_READS;
	n_reads_seen = 0;
	assert_int_equal(run(&be, &one, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 1);
	assert_int_equal(r.hits[0].rows, 4);
	bc_report_release(&r);
	assert_int_equal(n_reads_seen, BC_CLIENT_PAD_READS);
	n_reads_seen = 0;
	assert_int_equal(run(&be, &all, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 2);
	bc_report_release(&r);
	assert_int_equal(n_reads_seen, BC_CLIENT_PAD_READS);
	be.ops = real_ops;
	bc_client_backend_release(&be);
}

/*
 * #14 item 5: the padding does not depend on the real buckets, and two
 * checks of one session that share an identifier (NIR, then NIR + email)
 * have at least 5 of their 6 reads in common: the shared real bucket is one
 * of those 5, not the only common read (with padding drawn per check, or
 * seeded by the real buckets, it was). Another person in the same session
 * changes only the reads of the slots they fill. A new session (a new
 * backend, a new page) draws new padding.
 */
static void test_padding_session(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_client_ops ops;
	struct bc_report r;
	struct bc_query nir = { .nir = "2550814168025" };
	struct bc_query nir_email = { .nir = "2550814168025", .email = "famille.dupont@example.fr" };
	struct bc_query other = { .phone = "0199001234" };
	uint32_t a[BC_CLIENT_PAD_READS], b[BC_CLIENT_PAD_READS], c[BC_CLIENT_PAD_READS];
	uint32_t first[BC_CLIENT_PAD_READS];
	int session, changed = 0;
	uint32_t nb = 0;

	(void)state;
	for (session = 0; session < 4; session++) {
		assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
		nb = bc_index_n_buckets(be.idx);
		real_ops = be.ops;
		ops = *be.ops;
		ops.bucket = counting_bucket;
		ops.pad_reads = BC_CLIENT_PAD_READS;
		be.ops = &ops;
		n_reads_seen = 0;
		assert_int_equal(run(&be, &nir, &r, &err), 0);
		bc_report_release(&r);
		memcpy(a, reads_seen, sizeof(a));
		n_reads_seen = 0;
		assert_int_equal(run(&be, &nir_email, &r, &err), 0);
		assert_int_equal(bc_report_found(&r), 1);   /* both in breach 3 */
		bc_report_release(&r);
		memcpy(b, reads_seen, sizeof(b));
		n_reads_seen = 0;
		assert_int_equal(run(&be, &other, &r, &err), 0);
		bc_report_release(&r);
		memcpy(c, reads_seen, sizeof(c));
		assert_true(common_reads(a, BC_CLIENT_PAD_READS, b, BC_CLIENT_PAD_READS) >= 5);
		/* NIR alone vs phone alone: only their two slots differ */
		assert_true(common_reads(a, BC_CLIENT_PAD_READS, c, BC_CLIENT_PAD_READS) >= 4);
		if (session == 0)
			memcpy(first, a, sizeof(a));
		else if (common_reads(first, BC_CLIENT_PAD_READS, a, BC_CLIENT_PAD_READS) <
			 BC_CLIENT_PAD_READS)
			changed = 1;
		be.ops = real_ops;
		bc_client_backend_release(&be);
	}
	/* 4 sessions, 6 slots: the same padding each time has probability
	 * nb^-15 (at most 2^-15 with 2 buckets) */
	if (nb > 1)
		assert_true(changed);
}

static size_t evaluated_seen;

static int counting_evaluate(struct bc_client_backend *be, const uint8_t *blinded, size_t n,
			     uint8_t *evaluated, uint8_t proof[OPRF_PROOF_BYTES],
			     struct bc_error *err)
{
	evaluated_seen += n;
	return real_ops->evaluate(be, blinded, n, evaluated, proof, err);
}

/*
 * The evaluator sees BC_CLIENT_BATCH blinded elements per check, however
 * many identifiers were typed, and the answer is the same.
 */
static void test_padded_batch(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be;
	struct bc_client_ops ops;
	struct bc_report r;
	struct bc_query one = { .phone = "+262639981234" };
	struct bc_query all = { .nir = "2550814168025", .email = "famille.dupont@example.fr",
				.last_names = { "Dupont", "Martin-Dupont" }, .n_last_names = 2,
				.first_name = "Helene", .dob = "03/07/1985", .phone = "0639981234" };

	(void)state;
	assert_int_equal(bc_client_open_local(&be, idxdir, keypath, &err), 0);
	real_ops = be.ops;
	ops = *be.ops;
	ops.evaluate = counting_evaluate;
	be.ops = &ops;
	evaluated_seen = 0;
	assert_int_equal(run(&be, &one, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 1);
	bc_report_release(&r);
	assert_int_equal(evaluated_seen, BC_CLIENT_BATCH);
	evaluated_seen = 0;
	assert_int_equal(run(&be, &all, &r, &err), 0);
	assert_int_equal(bc_report_found(&r), 2);
	bc_report_release(&r);
	assert_int_equal(evaluated_seen, BC_CLIENT_BATCH);
	be.ops = real_ops;
	bc_client_backend_release(&be);
}

/* test_client --build DIR: write DIR/index and DIR/key (for the CLI test). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare_tokens),
		cmocka_unit_test(test_prepare_errors),
		cmocka_unit_test(test_prepare_typed_forms),
		cmocka_unit_test(test_prepare_nir_corsica),
		cmocka_unit_test(test_prepare_french),
		cmocka_unit_test(test_default_cache_dir),
		cmocka_unit_test(test_local_found),
		cmocka_unit_test(test_bucket_reads),
		cmocka_unit_test(test_padded_batch),
		cmocka_unit_test(test_padding_session),
		cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_bad_proof),
		cmocka_unit_test(test_tampered_bucket), /* last: it damages the index */
	};

	if (argc == 3 && !strcmp(argv[1], "--build")) {
		snprintf(idxdir, sizeof(idxdir), "%s/index", argv[2]);
		snprintf(keypath, sizeof(keypath), "%s/key", argv[2]);
		return tiny_key_write(keypath, seed) ||
		       tiny_index_build(idxdir, seed, tokens,
					sizeof(tokens) / sizeof(tokens[0]), catalogue);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
