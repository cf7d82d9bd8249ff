/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/container_proc.h"

static void test_parse(void **state)
{
	/* a comm with ") " inside must not confuse the parser */
	const char *line = "1234 (evil) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			   "987654 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0";
	int64_t t = 0;

	(void)state;
	assert_int_equal(ctr_proc_parse_start_time(line, &t), 0);
	assert_true(t == 987654);
	assert_int_equal(ctr_proc_parse_start_time("garbage", &t), -EINVAL);
	assert_int_equal(ctr_proc_parse_start_time("1 (x) S 1 2", &t), -EINVAL);
}

static void test_alive(void **state)
{
	int64_t me = 0, child_start = 0;
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(ctr_proc_start_time(getpid(), &me), 0);
	assert_true(ctr_proc_alive(getpid(), me));
	assert_false(ctr_proc_alive(getpid(), me + 1));
	assert_false(ctr_proc_alive(0, 0));
	assert_int_equal(ctr_proc_start_time(-5, &me), -ENOENT);

	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	/* a zombie is not alive */
	while (ctr_proc_start_time(child, &child_start) < 0)
		;
	for (int i = 0; i < 1000 && ctr_proc_alive(child, child_start); i++)
		usleep(1000);
	assert_false(ctr_proc_alive(child, child_start));
	waitpid(child, &status, 0);
	assert_false(ctr_proc_alive(child, child_start));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_alive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
