/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "util/error.h"

static void test_berr_fills_and_returns_negative(void **state)
{
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(berr(&err, ENOENT, "image %s not found", "x"), -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_string_equal(err.msg, "image x not found");
	assert_int_equal(berr(NULL, -EINVAL, "ignored"), -EINVAL);
}

static void test_berr_errno_and_prefix(void **state)
{
	berth_error err = { 0 };

	(void)state;
	berr_errno(&err, EACCES, "open %s", "/x");
	assert_string_equal(err.msg, "open /x: Permission denied");
	assert_int_equal(berr_prefix(&err, "pull %s", "busybox"), -EACCES);
	assert_string_equal(err.msg, "pull busybox: open /x: Permission denied");
	berr_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_berr_fills_and_returns_negative),
		cmocka_unit_test(test_berr_errno_and_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
