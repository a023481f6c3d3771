/* Format v1 against tests/vectors/index-v1.txt (read from the file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "index/index.h"
#include "index/index_internal.h"
#include "oprf/oprf.h"
#include "util/base64url.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
	size_t len = 0;

	assert_int_equal(sodium_hex2bin(out, n, s, strlen(s), NULL, &len, NULL), 0);
	assert_int_equal(len, n);
}

static uint32_t hex32(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 16);
}

struct counts {
	int tokens, breaches, entries, inputs;
};

/* Walk the file; every value line is checked against what we compute. */
static void run_vectors(struct counts *c)
{
	const char *dir = getenv("BC_VECTORS");
	char path[1024], line[1024], input[512] = "", info[512] = "";
	uint8_t salt[32], y[64], tag[16], k[32], payload[16], entry[48], buf[64];
	uint8_t sk_s[32], sk_v[32], out48[48], dec[16];
	unsigned bits = 0;
	uint32_t breach = 0, b32 = 0;
	int kind = 0, have_y = 0;
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/index-v1.txt", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		char *eq, *val;

		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "## token", 8)) {
			char *kn = strstr(line, "kind ");

			assert_non_null(kn);
			for (kind = 1; kind <= 5; kind++)
				if (!strcmp(kn + 5, bc_token_kind_name(kind)))
					break;
			assert_true(kind <= 5);
			info[0] = '\0';
			have_y = 0;
			c->tokens++;
			continue;
		}
		if (line[0] == '#' || (eq = strstr(line, " = ")) == NULL)
			continue;
		*eq = '\0';
		val = eq + 3;
		if (!strcmp(line, "Salt")) {
			hex(val, salt, 32);
		} else if (!strcmp(line, "skS")) {
			hex(val, sk_s, 32);
		} else if (!strcmp(line, "skV")) {
			hex(val, sk_v, 32);
		} else if (!strcmp(line, "BucketBits")) {
			bits = (unsigned)atoi(val);
		} else if (!strcmp(line, "Input")) {
			char parts[5][128] = { "", "", "", "", "" }, built[512];
			char *p = val, *bar;
			int n = 0;

			snprintf(input, sizeof(input), "%s", val);
			while (n < 4 && (bar = strchr(p, '|')) != NULL) {
				snprintf(parts[n++], sizeof(parts[0]), "%.*s", (int)(bar - p), p);
				p = bar + 1;
			}
			snprintf(parts[n++], sizeof(parts[0]), "%s", p);
			assert_string_equal(parts[0], "bc1");
			if (kind == 2) {
				/* namedob has 5 parts: bc1|namedob|LAST|FIRST|dob */
				char *q = strrchr(val, '|');

				assert_non_null(q);
				assert_int_equal(bc_token_input(kind, parts[2], parts[3], q + 1, built,
								sizeof(built)),
						 (int)strlen(val));
			} else {
				assert_int_equal(bc_token_input(kind, parts[2], NULL, NULL, built,
								sizeof(built)),
						 (int)strlen(val));
			}
			assert_string_equal(built, val);
			c->inputs++;
		} else if (!strcmp(line, "Info")) {
			snprintf(info, sizeof(info), "%s", val);
		} else if (!strcmp(line, "y")) {
			hex(val, y, 64);
			have_y = 1;
			/* The OPRF output itself, when the oprf module evaluates. */
			if (kind == BC_TOKEN_VERIFIED) {
				const uint8_t *pi = (const uint8_t *)input, *pf = (const uint8_t *)info;
				size_t li = strlen(input), lf = strlen(info);

				assert_int_equal(oprf_evaluate_poprf_batch(sk_v, 1, &pi, &li, &pf, &lf, buf), 0);
				assert_memory_equal(buf, y, 64);
				assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk_v, (const uint8_t *)input,
							       strlen(input), (const uint8_t *)info,
							       strlen(info), buf), 0);
			}
			else
				assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, sk_s, (const uint8_t *)input,
							       strlen(input), NULL, 0, buf), 0);
			assert_memory_equal(buf, y, 64);
		} else if (!strcmp(line, "bucket32")) {
			assert_true(have_y);
			b32 = hex32(val);
			assert_int_equal(bc_index_bucket32(y, salt), b32);
		} else if (!strcmp(line, "bucket")) {
			assert_int_equal(bc_index_bucket(y, salt, bits), (uint32_t)atoi(val));
			assert_int_equal(bc_index_bucket_of(b32, bits), (uint32_t)atoi(val));
			assert_int_equal(bc_index_bucket_of(b32, 0), 0);
		} else if (!strcmp(line, "BreachId")) {
			breach = (uint32_t)atoi(val);
			c->breaches++;
		} else if (!strcmp(line, "tag")) {
			hex(val, tag, 16);
			bc_index_tag(y, salt, breach, buf);
			assert_memory_equal(buf, tag, 16);
		} else if (!strcmp(line, "k")) {
			hex(val, k, 32);
			bc_index_key(y, salt, breach, buf);
			assert_memory_equal(buf, k, 32);
		} else if (!strcmp(line, "payload")) {
			struct bc_payload p;

			hex(val, payload, 16);
			assert_int_equal(bc_payload_unpack(payload, &p), 0);
			assert_int_equal(p.kind, kind);
			bc_payload_pack(&p, buf);
			assert_memory_equal(buf, payload, 16);
		} else if (!strcmp(line, "entry")) {
			hex(val, entry, 48);
			bc_entry_seal(k, payload, tag, out48);
			assert_memory_equal(out48, entry, 48);
			assert_int_equal(bc_entry_open(k, entry, dec), 0);
			assert_memory_equal(dec, payload, 16);
			entry[20] ^= 1;
			assert_int_equal(bc_entry_open(k, entry, dec), -1);
			c->entries++;
		}
	}
	fclose(f);
}

static void test_vectors(void **state)
{
	struct counts c;

	(void)state;
	run_vectors(&c);
	assert_int_equal(c.tokens, 5);
	assert_int_equal(c.inputs, 5);
	assert_int_equal(c.breaches, 10);
	assert_int_equal(c.entries, 10);
}

/* The batched POPRF gives oprf_evaluate's outputs, whatever the batch size. */
static void test_poprf_batch(void **state)
{
	enum { N = OPRF_MAX_BATCH };
	char inputs[N][40], infos[N][40];
	const uint8_t *in[N], *info[N];
	size_t in_len[N], info_len[N], n, i;
	uint8_t sk[32], out[N * 64], want[64];

	(void)state;
	crypto_core_ristretto255_scalar_random(sk);
	for (i = 0; i < N; i++) {
		in_len[i] = (size_t)snprintf(inputs[i], sizeof(inputs[i]), "bc1|verified|28001751230%02zu", i);
		info_len[i] = (size_t)snprintf(infos[i], sizeof(infos[i]), "p%zu@example.org", i * 7);
		in[i] = (const uint8_t *)inputs[i];
		info[i] = (const uint8_t *)infos[i];
	}
	info_len[3] = 0; /* empty info is allowed */
	for (n = 1; n <= N; n += 21) {
		assert_int_equal(oprf_evaluate_poprf_batch(sk, n, in, in_len, info, info_len, out), 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, in[i], in_len[i], info[i],
						       info_len[i], want), 0);
			assert_memory_equal(out + i * 64, want, 64);
		}
	}
	assert_int_equal(oprf_evaluate_poprf_batch(sk, N + 1, in, in_len, info, info_len, out), -1);
	assert_int_equal(oprf_evaluate_poprf_batch(sk, 0, in, in_len, info, info_len, out), 0);
}

static void test_token_input_errors(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(bc_token_input(0, "x", NULL, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_token_input(6, "x", NULL, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_token_input(BC_TOKEN_NIR, "", NULL, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_token_input(BC_TOKEN_NAMEDOB, "A", "B", NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_token_input(BC_TOKEN_EMAIL, "a@example.fr", "x", NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_token_input(BC_TOKEN_NIR, "2550814168025", NULL, NULL, buf, 21), -1);
	assert_string_equal(buf, "");
	assert_int_equal(bc_token_input(BC_TOKEN_NIR, "2550814168025", NULL, NULL, buf, 22), 21);
	assert_string_equal(buf, "bc1|nir|2550814168025");
}

static void test_payload_unpack_rejects(void **state)
{
	uint8_t raw[16] = { 2, 1 };
	struct bc_payload p;

	(void)state;
	assert_int_equal(bc_payload_unpack(raw, &p), -1);
	raw[0] = 1;
	raw[1] = 7;
	assert_int_equal(bc_payload_unpack(raw, &p), -1);
	raw[1] = 0;
	assert_int_equal(bc_payload_unpack(raw, &p), -1);
	raw[1] = 5;
	assert_int_equal(bc_payload_unpack(raw, &p), 0);
	raw[1] = 6; /* claim (DESIGN.md §4, §6) */
	assert_int_equal(bc_payload_unpack(raw, &p), 0);
}

static void test_b64url(void **state)
{
	uint8_t in[40], out[40];
	char enc[64];
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(in); n++)
		in[n] = (uint8_t)(n * 37 + 5);
	for (n = 0; n <= sizeof(in); n++) {
		bc_b64url_encode(in, n, enc);
		assert_int_equal(strlen(enc), bc_b64url_len(n));
		assert_null(strchr(enc, '='));
		assert_int_equal(bc_b64url_decode(enc, strlen(enc), out, sizeof(out)), (int)n);
		assert_memory_equal(in, out, n);
	}
	bc_b64url_encode((const uint8_t *)"\xfb\xff", 2, enc);
	assert_string_equal(enc, "-_8");
	assert_int_equal(bc_b64url_decode("-_9", 3, out, sizeof(out)), -1); /* non-canonical */
	assert_int_equal(bc_b64url_decode("ab+c", 4, out, sizeof(out)), -1);
	assert_int_equal(bc_b64url_decode("abcde", 5, out, sizeof(out)), -1);
	assert_int_equal(bc_b64url_decode("abcd", 4, out, 2), -1);
}

static void test_lookup(void **state)
{
	uint8_t bucket[100 * 48], tag[16];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		memset(bucket + i * 48, 0, 48);
		bucket[i * 48] = (uint8_t)(i * 2 + 1); /* sorted, odd first bytes */
		bucket[i * 48 + 16] = (uint8_t)i;
	}
	memset(tag, 0, 16);
	for (i = 0; i < 100; i++) {
		tag[0] = (uint8_t)(i * 2 + 1);
		assert_ptr_equal(bc_index_lookup(bucket, 100, tag), bucket + i * 48);
		tag[0] = (uint8_t)(i * 2);
		assert_null(bc_index_lookup(bucket, 100, tag));
	}
	tag[0] = 255;
	assert_null(bc_index_lookup(bucket, 100, tag));
	assert_null(bc_index_lookup(bucket, 0, tag));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_poprf_batch),
		cmocka_unit_test(test_token_input_errors),
		cmocka_unit_test(test_payload_unpack_rejects),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_lookup),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
