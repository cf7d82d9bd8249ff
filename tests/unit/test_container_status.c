/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/container_status.h"

#define S 1000000000LL

static const char *dur(int64_t ns)
{
	static char buf[64];
	ctr_human_duration(ns, buf, sizeof(buf));
	return buf;
}

static void test_durations(void **state)
{
	(void)state;
	assert_string_equal(dur(S / 2), "Less than a second");
	assert_string_equal(dur(S), "1 second");
	assert_string_equal(dur(5 * S), "5 seconds");
	assert_string_equal(dur(59 * S), "59 seconds");
	assert_string_equal(dur(60 * S), "About a minute");
	assert_string_equal(dur(119 * S), "About a minute");
	assert_string_equal(dur(120 * S), "2 minutes");
	assert_string_equal(dur(59 * 60 * S), "59 minutes");
	assert_string_equal(dur(3600 * S), "About an hour");
	assert_string_equal(dur(3 * 3600 * S), "3 hours");
	assert_string_equal(dur(3 * 24 * 3600 * S), "3 days");
	assert_string_equal(dur(21 * 24 * 3600 * S), "3 weeks");
	assert_string_equal(dur(90 * 24 * 3600 * S), "3 months");
	assert_string_equal(dur(3 * 365 * 24 * 3600 * S), "3 years");
}

static void test_status(void **state)
{
	char buf[128];

	(void)state;
	ctr_status_text("running", 100 * S, 0, 0, 105 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Up 5 seconds ago");
	ctr_status_text("exited", 10 * S, 100 * S, 3, 220 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Exited (3) 2 minutes ago");
	ctr_status_text("stopped", 10 * S, 100 * S, 137, 100 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Exited (137) Less than a second ago");
	ctr_status_text("created", 0, 0, 0, 100 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Created");
	ctr_status_text("configured", 0, 0, 0, 100 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Created");
	ctr_status_text("paused", 0, 0, 0, 100 * S, buf, sizeof(buf));
	assert_string_equal(buf, "Paused");
	assert_true(ctr_now_ns() > 1600000000LL * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
