/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/container_log.h"
#include "util/fileio.h"

#define T0 1704067200000000000LL /* 2024-01-01T00:00:00Z */

static char dir[] = "/tmp/berth-test-log.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rm_rf_at(AT_FDCWD, dir, NULL);
}

static char *slurp(const char *path)
{
	char *data = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &data, NULL, NULL), 0);
	return data;
}

static void test_time_roundtrip(void **state)
{
	char buf[64];
	int64_t ns;

	(void)state;
	ctr_log_format_time(T0 + 123456789, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01T00:00:00.123456789Z");
	assert_int_equal(ctr_log_parse_time(buf, strlen(buf), &ns), 0);
	assert_true(ns == T0 + 123456789);
	assert_int_equal(ctr_log_parse_time("2024-01-01T02:00:00.5+02:00", 27, &ns), 0);
	assert_true(ns == T0 + 500000000);
	assert_int_equal(ctr_log_parse_time("2024-01-01T00:00:00", 19, &ns), -EINVAL);
	assert_int_equal(ctr_log_parse_time("2024-13-01T00:00:00Z", 20, &ns), -EINVAL);
	assert_int_equal(ctr_log_parse_time("2024-01-01T00:00:00Zx", 21, &ns), -EINVAL);
}

static void test_write_lines_and_partials(void **state)
{
	struct ctr_log_writer *w = NULL;
	char path[128];
	char *data;

	(void)state;
	snprintf(path, sizeof(path), "%s/ctr.log", dir);
	assert_int_equal(ctr_log_writer_open(path, 0, &w, NULL), 0);
	assert_int_equal(ctr_log_write(w, "stdout", "one\ntwo\nthr", 11, T0), 0);
	assert_int_equal(ctr_log_write(w, "stderr", "ee\n", 3, T0 + 1), 0);
	assert_int_equal(ctr_log_write(w, "stdout", "\n", 1, T0 + 2), 0);
	ctr_log_writer_close(w);
	data = slurp(path);
	assert_string_equal(data, "2024-01-01T00:00:00.000000000Z stdout F one\n"
				  "2024-01-01T00:00:00.000000000Z stdout F two\n"
				  "2024-01-01T00:00:00.000000000Z stdout P thr\n"
				  "2024-01-01T00:00:00.000000001Z stderr F ee\n"
				  "2024-01-01T00:00:00.000000002Z stdout F \n");
	free(data);
	unlink(path);
}

static void test_long_line_is_split(void **state)
{
	struct ctr_log_writer *w = NULL;
	char path[128];
	size_t n = CTR_LOG_LINE_MAX + 10;
	char *big = malloc(n + 1), *data;

	(void)state;
	memset(big, 'x', n);
	big[n] = '\n';
	snprintf(path, sizeof(path), "%s/long.log", dir);
	assert_int_equal(ctr_log_writer_open(path, 0, &w, NULL), 0);
	assert_int_equal(ctr_log_write(w, "stdout", big, n + 1, T0), 0);
	ctr_log_writer_close(w);
	data = slurp(path);
	size_t first = strcspn(data, "\n");
	assert_true(data[first] == '\n');
	assert_non_null(strstr(data, " stdout P xxx"));
	assert_non_null(strstr(data + first, " stdout F xxxxxxxxxx\n"));
	free(data);
	free(big);
	unlink(path);
}

static void test_rotation(void **state)
{
	struct ctr_log_writer *w = NULL;
	char path[128];
	struct stat a, b;
	char *data;

	(void)state;
	snprintf(path, sizeof(path), "%s/rot.log", dir);
	assert_int_equal(ctr_log_writer_open(path, 100, &w, NULL), 0);
	assert_int_equal(ctr_log_write(w, "stdout", "first\n", 6, T0), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(ctr_log_write(w, "stdout", "second\n", 7, T0), 0);
	assert_int_equal(ctr_log_write(w, "stdout", "third\n", 6, T0), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino != b.st_ino);
	assert_true(b.st_size <= 100);
	ctr_log_writer_close(w);
	data = slurp(path);
	assert_null(strstr(data, "first"));
	assert_non_null(strstr(data, "third"));
	free(data);
	unlink(path);
}

static void test_parse_record(void **state)
{
	struct ctr_log_record r;
	const char *l1 = "2024-01-01T00:00:00.000000000Z stderr P hello world";
	const char *l2 = "2024-01-01T00:00:00.000000000Z stdout F";

	(void)state;
	assert_int_equal(ctr_log_parse_record(l1, strlen(l1), &r), 0);
	assert_true(r.is_stderr);
	assert_true(r.partial);
	assert_int_equal(r.body_len, 11);
	assert_memory_equal(r.body, "hello world", 11);
	assert_true(r.time_ns == T0);
	assert_int_equal(ctr_log_parse_record(l2, strlen(l2), &r), 0);
	assert_int_equal(r.body_len, 0);
	assert_false(r.partial);
	assert_int_equal(ctr_log_parse_record("garbage", 7, &r), -EINVAL);
	assert_int_equal(ctr_log_parse_record("2024-01-01T00:00:00Z stdin F x", 30, &r), -EINVAL);
	assert_int_equal(ctr_log_parse_record("2024-01-01T00:00:00Z stdout X x", 31, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_roundtrip),
		cmocka_unit_test(test_write_lines_and_partials),
		cmocka_unit_test(test_long_line_is_split),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_parse_record),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
