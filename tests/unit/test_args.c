/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"

static const struct cli_option opts[] = {
	{ "detach", 'd', CLI_BOOL, "", NULL },
	{ "interactive", 'i', CLI_BOOL, "", NULL },
	{ "tty", 't', CLI_BOOL, "", NULL },
	{ "name", 0, CLI_STRING, "", NULL },
	{ "env", 'e', CLI_LIST, "", NULL },
	{ "publish", 'p', CLI_LIST, "", NULL },
	{ "time", 0, CLI_INT, "", "10" },
	{ NULL, 0, 0, NULL, NULL },
};

static void test_run_style_parsing(void **state)
{
	const struct cli_option *tables[] = { opts, NULL };
	struct cli_args a = { 0 };
	char *argv[] = { "--name", "web", "-it", "-e", "A=1", "--env=B=2", "-p5000:5000",
			 "busybox", "sh", "-c", "echo -d" };
	berth_error err = { 0 };

	(void)state;
	a.cmd = NULL;
	assert_true(cli_args_parse(&a, tables, 11, argv, true, &err) == 8);
	assert_string_equal(cli_str(&a, "name"), "web");
	assert_true(cli_flag(&a, "interactive"));
	assert_true(cli_flag(&a, "tty"));
	assert_false(cli_flag(&a, "detach"));
	assert_string_equal(cli_list(&a, "env")[0], "A=1");
	assert_string_equal(cli_list(&a, "env")[1], "B=2");
	assert_null(cli_list(&a, "env")[2]);
	assert_string_equal(cli_list(&a, "publish")[0], "5000:5000");
	assert_int_equal(cli_argc(&a), 1);
	assert_string_equal(cli_argv(&a)[0], "busybox");
	cli_args_free(&a);
}

static void test_unknown_flag_and_missing_value(void **state)
{
	const struct cli_option *tables[] = { opts, NULL };
	struct cli_args a = { 0 };
	char *bad[] = { "--nope" };
	char *missing[] = { "--name" };
	char *badbool[] = { "--detach=maybe" };
	berth_error err = { 0 };

	(void)state;
	strcpy(a.path, "berth run");
	assert_true(cli_args_parse(&a, tables, 1, bad, false, &err) < 0);
	assert_non_null(strstr(err.msg, "unknown flag: --nope"));
	assert_true(cli_args_parse(&a, tables, 1, missing, false, &err) < 0);
	assert_non_null(strstr(err.msg, "flag needs an argument"));
	assert_true(cli_args_parse(&a, tables, 1, badbool, false, &err) < 0);
	assert_non_null(strstr(err.msg, "expected true or false"));
	cli_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_style_parsing),
		cmocka_unit_test(test_unknown_flag_and_missing_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
