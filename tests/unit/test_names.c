/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "engine/names.h"

static void test_generate_shape(void **state)
{
	char buf[64], first[64];
	bool differs = false;

	(void)state;
	assert_int_equal(names_generate(first, sizeof(first)), 0);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(names_generate(buf, sizeof(buf)), 0);
		char *us = strchr(buf, '_');
		assert_non_null(us);
		assert_null(strchr(us + 1, '_'));
		assert_true(us > buf && us[1] != '\0');
		assert_true(names_valid(buf));
		if (strcmp(buf, first) != 0)
			differs = true;
	}
	assert_true(differs);
	assert_int_equal(names_generate(buf, 4), -ENOBUFS);
}

static void test_valid(void **state)
{
	char big[300];

	(void)state;
	assert_true(names_valid("web"));
	assert_true(names_valid("a.b-c_d9"));
	assert_true(names_valid("9lives"));
	assert_false(names_valid(""));
	assert_false(names_valid("-x"));
	assert_false(names_valid("_x"));
	assert_false(names_valid("a/b"));
	assert_false(names_valid("a b"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(names_valid(big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_shape),
		cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
