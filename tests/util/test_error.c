#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "util/error.h"

static void test_format_position(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	char buf[128];

	(void)state;
	assert_int_equal(bc_error_set(&err, bc_err_row_too_long, "expected %d fields, found %d", 19, 7), -1);
	err.file = "leak.csv";
	err.line = 12;
	err.column = 3;
	assert_string_equal(err.code, "row_too_long");
	assert_string_equal(bc_error_format(&err, buf, sizeof(buf)),
			    "leak.csv:12:3: expected 19 fields, found 7");
	err.column = 0;
	assert_string_equal(bc_error_format(&err, buf, sizeof(buf)),
			    "leak.csv:12: expected 19 fields, found 7");
}

static void test_field_and_truncation(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	char small[8];

	(void)state;
	bc_error_set_field(&err, bc_err_bad_field, "blinded_elements", "must be an array");
	assert_string_equal(err.field, "blinded_elements");
	assert_string_equal(bc_error_format(&err, small, sizeof(small)), "must be");
	bc_error_clear(&err);
	assert_string_equal(err.code, "");
	assert_string_equal(err.field, "");
}

/* The codes are declared once, sorted, and spelled as their names. */
static void test_codes(void **state)
{
	size_t i;

	(void)state;
	assert_string_equal(bc_err_out_of_memory, "out_of_memory");
	assert_string_equal(bc_err_io, "io");
	for (i = 0; bc_error_codes[i + 1]; i++)
		assert_true(strcmp(bc_error_codes[i], bc_error_codes[i + 1]) < 0);
	assert_true(i > 40);
}

/* retry_after is set by the caller after bc_error_set, and reset by the next one. */
static void test_retry_after(void **state)
{
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	assert_int_equal(err.retry_after, 0);
	bc_error_set(&err, bc_err_rate_limited, "retry in 30 seconds");
	err.retry_after = 30;
	bc_error_set(&err, bc_err_io, "other");
	assert_int_equal(err.retry_after, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_position),
		cmocka_unit_test(test_field_and_truncation),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_retry_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
