/* Claim codes (src/claim, DESIGN.md §6) against tests/vectors/claim.tsv, plus
 * the properties the check symbol promises, generation and the OPRF input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "claim/claim.h"
#include "normalize/normalize.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void test_vectors(void **state)
{
	char path[1024], line[512], out[BC_CLAIM_CANON_BYTES];
	const char *dir = getenv("BC_VECTORS");
	unsigned valid = 0, errors = 0, inputs = 0;
	FILE *f;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/claim.tsv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *kind, *input, *want, *save = NULL;
		int st;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		kind = strtok_r(line, "\t", &save);
		input = strtok_r(NULL, "\t", &save);
		want = strtok_r(NULL, "\t", &save);
		assert_non_null(want);
		if (!strcmp(kind, "oprf_input")) {
			/* "CODE + NIR <as typed>" or "CODE + DOB <as typed> (no NIR)" */
			char *plus = strstr(input, " + "), canon_id[BC_NIR_BYTES > BC_DOB_BYTES ? BC_NIR_BYTES : BC_DOB_BYTES],
			     buf[BC_CLAIM_INPUT_MAX];
			const char *id;
			int is_nir;

			assert_non_null(plus);
			*plus = '\0';
			assert_int_equal(bc_claim_canon(input, strlen(input), out), BC_CLAIM_OK);
			is_nir = !strncmp(plus + 3, "NIR ", 4);
			id = plus + 7;
			if (is_nir) {
				assert_int_equal(bc_norm_nir(id, strlen(id), canon_id, sizeof(canon_id), NULL), BC_NORM_OK);
				assert_true(bc_claim_oprf_input(out, canon_id, NULL, buf, sizeof(buf)) > 0);
			} else {
				assert_int_equal(strncmp(plus + 3, "DOB ", 4), 0);
				assert_int_equal(bc_norm_dob(id, strcspn(id, " "), NULL, canon_id, sizeof(canon_id)),
						 BC_NORM_OK);
				assert_true(bc_claim_oprf_input(out, NULL, canon_id, buf, sizeof(buf)) > 0);
			}
			assert_string_equal(buf, want);
			inputs++;
			continue;
		}
		st = bc_claim_canon(input, strlen(input), out);
		if (!strcmp(kind, "valid")) {
			assert_int_equal(st, BC_CLAIM_OK);
			assert_string_equal(out, want);
			valid++;
		} else {
			assert_string_equal(kind, "error");
			assert_string_equal(bc_claim_status_name(st), want);
			assert_string_equal(out, "");
			errors++;
		}
	}
	fclose(f);
	assert_true(valid >= 19);
	assert_true(errors >= 7);
	assert_int_equal(inputs, 2);
}

/* Generated codes are valid; every single-symbol change and adjacent transposition is caught. */
static void test_properties(void **state)
{
	char code[BC_CLAIM_CANON_BYTES], bad[BC_CLAIM_CANON_BYTES], out[BC_CLAIM_CANON_BYTES],
		printed[BC_CLAIM_PRINTED_BYTES];
	int n, i, k, seen_sym[32] = { 0 };

	(void)state;
	assert_true(sodium_init() >= 0);
	for (n = 0; n < 200; n++) {
		bc_claim_generate(code);
		assert_int_equal(strlen(code), 16);
		assert_int_equal(bc_claim_canon(code, 16, out), BC_CLAIM_OK);
		assert_string_equal(out, code);
		assert_int_equal(bc_claim_check_symbol(code), code[15]);
		bc_claim_format(code, printed);
		assert_int_equal(strlen(printed), 19);
		assert_int_equal(printed[4], '-');
		assert_int_equal(bc_claim_canon(printed, 19, out), BC_CLAIM_OK);
		assert_string_equal(out, code);
		for (i = 0; i < 15; i++)
			seen_sym[strchr(alphabet, code[i]) - alphabet] = 1;
		for (i = 0; i < 16; i++) {
			for (k = 0; k < 32; k++) {
				if (alphabet[k] == code[i])
					continue;
				memcpy(bad, code, sizeof(bad));
				bad[i] = alphabet[k];
				assert_int_equal(bc_claim_canon(bad, 16, out), BC_CLAIM_BAD_CHECK);
			}
			if (i < 15 && code[i] != code[i + 1]) {
				memcpy(bad, code, sizeof(bad));
				bad[i] = code[i + 1];
				bad[i + 1] = code[i];
				assert_int_equal(bc_claim_canon(bad, 16, out), BC_CLAIM_BAD_CHECK);
			}
		}
	}
	for (i = 0; i < 32; i++)
		assert_true(seen_sym[i]); /* the generator uses the whole alphabet */
	assert_int_equal(bc_claim_canon("", 0, out), BC_CLAIM_BAD_LENGTH);
	assert_int_equal(bc_claim_canon("0T11-SWB6\0-4G91", 15, out), BC_CLAIM_BAD_SYMBOL);
	assert_string_equal(bc_claim_status_name(BC_CLAIM_BAD_CHECK), "bad_check");
	assert_non_null(strstr(bc_claim_status_message(BC_CLAIM_BAD_CHECK, "en"), "typo"));
}

static void test_oprf_input(void **state)
{
	char buf[BC_CLAIM_INPUT_MAX];

	(void)state;
	assert_int_equal(bc_claim_oprf_input("0T11SWB64G91SVS8", "2850375056000", NULL, buf, sizeof(buf)), 39);
	assert_string_equal(buf, "bc1|claim|0T11SWB64G91SVS|2850375056000");
	assert_int_equal(bc_claim_oprf_input("0T11SWB64G91SVS8", "", "2012-06-01", buf, sizeof(buf)), 40);
	assert_string_equal(buf, "bc1|claim|0T11SWB64G91SVS|dob|2012-06-01");
	assert_int_equal(bc_claim_oprf_input("0T11SWB64G91SVS8", NULL, "2012-06", buf, sizeof(buf)), -1);
	assert_int_equal(bc_claim_oprf_input("0T11SWB64G91SVS8", "28503", NULL, buf, sizeof(buf)), -1);
	assert_int_equal(bc_claim_oprf_input("0T11SWB64G91SVS8", "2850375056000", NULL, buf, 20), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_oprf_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
