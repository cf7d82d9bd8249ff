/* SPDX-License-Identifier: Apache-2.0 */
/* test_container_health.c - health-check flags and the state file (container_health_state.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/container_health.h"
#include "util/fileio.h"

#define S 1000000000LL

static void test_durations(void **state)
{
	int64_t ns = -1;

	(void)state;
	assert_int_equal(ctr_health_duration_parse("30s", &ns), 0);
	assert_true(ns == 30 * S);
	assert_int_equal(ctr_health_duration_parse("1m30s", &ns), 0);
	assert_true(ns == 90 * S);
	assert_int_equal(ctr_health_duration_parse("500ms", &ns), 0);
	assert_true(ns == S / 2);
	assert_int_equal(ctr_health_duration_parse("1.5h", &ns), 0);
	assert_true(ns == 5400 * S);
	assert_int_equal(ctr_health_duration_parse("0", &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(ctr_health_duration_parse("10us", &ns), 0);
	assert_true(ns == 10000);
	/* Go refuses a number without a unit, units alone, and junk */
	assert_int_equal(ctr_health_duration_parse("5", &ns), -EINVAL);
	assert_int_equal(ctr_health_duration_parse("s", &ns), -EINVAL);
	assert_int_equal(ctr_health_duration_parse("", &ns), -EINVAL);
	assert_int_equal(ctr_health_duration_parse("5x", &ns), -EINVAL);
	assert_int_equal(ctr_health_duration_parse("-1s", &ns), -EINVAL);
	assert_int_equal(ctr_health_duration_parse("99999999999h", &ns), -EINVAL);
}

static void expect_test(const char *cmd, const char *json)
{
	json_t *t = ctr_health_test_from_cmd(cmd);
	char *text = t ? json_dumps(t, JSON_COMPACT) : NULL;

	assert_non_null(text);
	assert_string_equal(text, json);
	free(text);
	json_decref(t);
}

static void test_cmd(void **state)
{
	(void)state;
	expect_test("curl -f http://localhost/", "[\"CMD-SHELL\",\"curl -f http://localhost/\"]");
	expect_test("[\"CMD\",\"true\"]", "[\"CMD\",\"true\"]");
	expect_test("[\"CMD-SHELL\",\"exit 1\"]", "[\"CMD-SHELL\",\"exit 1\"]");
	expect_test("[\"ls\",\"/\"]", "[\"CMD\",\"ls\",\"/\"]");
	expect_test("none", "[\"NONE\"]");
	assert_null(ctr_health_test_from_cmd(""));
	assert_null(ctr_health_test_from_cmd("[]"));
	assert_null(ctr_health_test_from_cmd("[1,2]"));
	assert_true(ctr_health_on_failure_valid("kill"));
	assert_false(ctr_health_on_failure_valid("reboot"));
}

static const char *status_of(const char *dir)
{
	static char buf[32];
	json_t *st = ctr_health_state_load(dir);

	snprintf(buf, sizeof(buf), "%s %lld", json_string_value(json_object_get(st, "Status")),
		 (long long)json_integer_value(json_object_get(st, "FailingStreak")));
	json_decref(st);
	return buf;
}

static void test_state(void **state)
{
	char dir[] = "/tmp/test-health-XXXXXX", status[32];
	struct ctr_health_result fail = { .start_ns = S, .end_ns = 2 * S, .exit_code = 1,
					  .output = "no" };
	struct ctr_health_result pass = { .start_ns = S, .end_ns = 2 * S, .output = "yes\n" };
	json_t *st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_string_equal(status_of(dir), "starting 0");
	/* retries 2: the first failure keeps "starting", the second makes it unhealthy */
	assert_int_equal(ctr_health_state_record(dir, &fail, 2, status, sizeof(status), NULL), 0);
	assert_string_equal(status, "starting");
	assert_int_equal(ctr_health_state_record(dir, &fail, 2, status, sizeof(status), NULL), 0);
	assert_string_equal(status, "unhealthy");
	assert_string_equal(status_of(dir), "unhealthy 2");
	/* a pass makes it healthy and ends the streak; failures in the start period do not count */
	assert_int_equal(ctr_health_state_record(dir, &pass, 2, status, sizeof(status), NULL), 0);
	assert_string_equal(status_of(dir), "healthy 0");
	fail.in_start_period = true;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ctr_health_state_record(dir, &fail, 2, status, sizeof(status), NULL), 0);
	assert_string_equal(status_of(dir), "healthy 0");
	/* only the last 5 results are kept; reset keeps the log */
	st = ctr_health_state_load(dir);
	assert_int_equal(json_array_size(json_object_get(st, "Log")), 5);
	json_decref(st);
	assert_int_equal(ctr_health_state_reset(dir, NULL), 0);
	assert_string_equal(status_of(dir), "starting 0");
	st = ctr_health_state_load(dir);
	assert_int_equal(json_array_size(json_object_get(st, "Log")), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(st, "Log"), 0), "Start")),
			    "1970-01-01T00:00:01.000000000Z");
	json_decref(st);
	rm_rf_at(AT_FDCWD, dir, NULL);
}

static void test_prepare(void **state)
{
	char dir[] = "/tmp/test-health-XXXXXX", path[64];
	json_t *create = json_object();
	json_t *img = json_pack("{s:{s:[s,s], s:i}}", "Healthcheck", "Test", "CMD-SHELL", "true",
				"Retries", 5);
	char *text = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/healthcheck.json", dir);
	/* the image's check with podman's defaults for what it left at 0 */
	assert_int_equal(ctr_health_prepare(create, img, dir, NULL), 0);
	assert_int_equal(read_file_at(AT_FDCWD, path, 4096, &text, NULL, NULL), 0);
	assert_non_null(strstr(text, "\"Interval\":30000000000"));
	assert_non_null(strstr(text, "\"Timeout\":30000000000"));
	assert_non_null(strstr(text, "\"Retries\":5"));
	free(text);
	json_decref(create);
	unlink(path);
	/* --no-healthcheck wins over the image's: no check, no file for the monitor */
	create = json_pack("{s:{s:[s]}}", "healthcheck", "Test", "NONE");
	assert_int_equal(ctr_health_prepare(create, img, dir, NULL), 0);
	assert_null(ctr_health_config(create));
	assert_int_equal(access(path, F_OK), -1);
	rm_rf_at(AT_FDCWD, dir, NULL);
	json_decref(create);
	json_decref(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_prepare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
