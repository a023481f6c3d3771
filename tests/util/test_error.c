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
	assert_int_equal(bc_error_set(&err, "short_row", "expected %d fields, found %d", 19, 7), -1);
	err.file = "leak.csv";
	err.line = 12;
	err.column = 3;
	assert_string_equal(err.code, "short_row");
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
	bc_error_set_field(&err, "bad_field", "blinded_elements", "must be an array");
	assert_string_equal(err.field, "blinded_elements");
	assert_string_equal(bc_error_format(&err, small, sizeof(small)), "must be");
	bc_error_clear(&err);
	assert_string_equal(err.code, "");
	assert_string_equal(err.field, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_position),
		cmocka_unit_test(test_field_and_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
