/*
 * The vocabulary (src/vocab): the numbers and names of DESIGN.md §4 (token
 * kinds) and §7 (data-class and flag bits), written out here by hand from
 * DESIGN.md so that a slip in the one table fails, and the 16-byte payload
 * encoding of §5 against bytes worked out by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vocab/vocab.h"

static void test_token_kinds(void **state)
{
	static const char *const want[] = { NULL, "nir", "namedob", "email", "phone", "verified",
					    "claim" };
	int k;

	(void)state;
	for (k = 1; k <= 6; k++) {
		assert_string_equal(bc_token_kind_name(k), want[k]);
		assert_non_null(bc_token_kind_entry(k)->en);
		assert_non_null(bc_token_kind_entry(k)->fr);
	}
	assert_int_equal(BC_TOKEN_KIND_MAX, 6);
	assert_null(bc_token_kind_name(0));
	assert_null(bc_token_kind_name(7));
	assert_null(bc_token_kind_name(-1));
	assert_null(bc_token_kind_entry(7));
	assert_string_equal(bc_token_kind_entry(BC_TOKEN_NAMEDOB)->fr, "nom et date de naissance");
}

static void test_class_bits(void **state)
{
	static const struct {
		unsigned bit;
		const char *name;
	} want[] = {
		{ 0, "name" }, { 1, "nir" }, { 2, "dob" }, { 3, "sex" }, { 4, "address" },
		{ 5, "email" }, { 6, "phone" }, { 7, "blood_group" }, { 8, "doctor" },
		{ 9, "insurer" }, { 10, "lab_visit" }, { 11, "sample_date" },
		{ 12, "medical_comment" }, { 16, "pregnancy" }, { 17, "hiv" }, { 18, "hepatitis" },
		{ 19, "other_medical" }, { 30, "more_sources" }, { 31, "shared" },
	};
	uint32_t seen = 0;
	size_t i;
	unsigned b;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(bc_class_name(want[i].bit), want[i].name);
		assert_int_equal(bc_class_bit_of(want[i].name), (int)want[i].bit);
		seen |= BC_BIT(want[i].bit);
	}
	for (b = 0; b < 40; b++) {
		const struct bc_vocab_entry *e = bc_class_entry(b);

		if (b >= 32 || !(seen & BC_BIT(b))) {
			assert_null(bc_class_name(b));
			assert_null(e);
			continue;
		}
		/* a data class has a name a person reads in both languages; a flag has none */
		if (b < 30) {
			assert_non_null(e->en);
			assert_non_null(e->fr);
		} else {
			assert_null(e->en);
			assert_null(e->fr);
		}
	}
	assert_int_equal(bc_class_bit_of("Name"), -1);
	assert_int_equal(bc_class_bit_of(NULL), -1);
	assert_int_equal(BC_PUBLIC_CLASS_MASK, 0x00000FFFu);
	assert_int_equal(BC_MEDICAL_MASK, 0x000F1000u);
	assert_int_equal(BC_CLASS_MASK, 0x000F1FFFu);
	assert_int_equal(BC_MEDICAL_CATEGORY_MASK, 0x000F0000u);
	assert_string_equal(bc_class_entry(BC_CLASS_HIV)->fr, "statut VIH");
}

static void test_payload_bytes(void **state)
{
	/* version 1, kind 3, rows 0x0102, flags 0x80001021 (name, email, medical_comment, shared),
	 * months 219 and 239, sources 0 and none: little-endian (DESIGN.md §5) */
	static const uint8_t want[BC_PAYLOAD_BYTES] = {
		0x01, 0x03, 0x02, 0x01, 0x21, 0x10, 0x00, 0x80,
		0xdb, 0x00, 0xef, 0x00, 0x00, 0x00, 0xff, 0xff,
	};
	struct bc_payload p = { BC_PAYLOAD_VERSION, BC_TOKEN_EMAIL, 0x0102, 0x80001021u, 219, 239,
				0, BC_SOURCE_NONE }, q;
	uint8_t raw[BC_PAYLOAD_BYTES];

	(void)state;
	bc_payload_pack(&p, raw);
	assert_memory_equal(raw, want, sizeof(want));
	assert_int_equal(bc_payload_unpack(raw, &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
	raw[1] = BC_TOKEN_CLAIM;
	assert_int_equal(bc_payload_unpack(raw, &q), 0);
	raw[1] = 7;
	assert_int_equal(bc_payload_unpack(raw, &q), -1);
	raw[1] = 0;
	assert_int_equal(bc_payload_unpack(raw, &q), -1);
	raw[1] = 1;
	raw[0] = 2;
	assert_int_equal(bc_payload_unpack(raw, &q), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_kinds),
		cmocka_unit_test(test_class_bits),
		cmocka_unit_test(test_payload_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
