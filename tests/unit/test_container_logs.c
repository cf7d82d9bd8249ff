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
#include <unistd.h>

#include <cmocka.h>

#include "engine/container_log.h"
#include "engine/container_logs.h"
#include "util/fileio.h"

#define T0 1704067200000000000LL

static char dir[] = "/tmp/berth-test-logs.XXXXXX";
static char path[128];

static int setup(void **state)
{
	struct ctr_log_writer *w = NULL;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/ctr.log", dir);
	if (ctr_log_writer_open(path, 0, &w, NULL) < 0)
		return -1;
	ctr_log_write(w, "stdout", "one\ntw", 6, T0);
	ctr_log_write(w, "stdout", "o\n", 2, T0 + 1000000000LL);
	ctr_log_write(w, "stderr", "oops\n", 5, T0 + 2000000000LL);
	ctr_log_write(w, "stdout", "three\nfour\n", 11, T0 + 3000000000LL);
	ctr_log_writer_close(w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return rm_rf_at(AT_FDCWD, dir, NULL);
}

/* capture() - run ctr_logs_print with stdout and stderr going to two temp files. */
static void capture(const struct ctr_logs_opts *o, char **out, char **errout)
{
	char po[160], pe[160];
	int fo, fe;

	snprintf(po, sizeof(po), "%s/out", dir);
	snprintf(pe, sizeof(pe), "%s/err", dir);
	fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open(pe, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fo >= 0 && fe >= 0);
	assert_int_equal(ctr_logs_print(path, o, fo, fe, NULL), 0);
	close(fo);
	close(fe);
	assert_int_equal(read_file_at(AT_FDCWD, po, 1 << 20, out, NULL, NULL), 0);
	assert_int_equal(read_file_at(AT_FDCWD, pe, 1 << 20, errout, NULL, NULL), 0);
}

static void test_all_and_partials(void **state)
{
	struct ctr_logs_opts o = { .tail = -1 };
	char *out, *err;

	(void)state;
	capture(&o, &out, &err);
	assert_string_equal(out, "one\ntwo\nthree\nfour\n");
	assert_string_equal(err, "oops\n");
	free(out);
	free(err);
}

static void test_tail(void **state)
{
	struct ctr_logs_opts o = { .tail = 2 };
	char *out, *err;

	(void)state;
	capture(&o, &out, &err);
	assert_string_equal(out, "three\nfour\n");
	assert_string_equal(err, "");
	free(out);
	free(err);
	o.tail = 4; /* "two" is two records but one line */
	capture(&o, &out, &err);
	assert_string_equal(out, "two\nthree\nfour\n");
	assert_string_equal(err, "oops\n");
	free(out);
	free(err);
	o.tail = 0;
	capture(&o, &out, &err);
	assert_string_equal(out, "");
	free(out);
	free(err);
}

static void test_since_until_timestamps(void **state)
{
	struct ctr_logs_opts o = { .tail = -1, .since_ns = T0 + 2000000000LL };
	char *out, *err;

	(void)state;
	capture(&o, &out, &err);
	assert_string_equal(out, "three\nfour\n");
	assert_string_equal(err, "oops\n");
	free(out);
	free(err);
	o.since_ns = 0;
	o.until_ns = T0;
	o.timestamps = true;
	capture(&o, &out, &err);
	assert_string_equal(out, "2024-01-01T00:00:00.000000000Z one\n"
				 "2024-01-01T00:00:00.000000000Z tw");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_and_partials),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_since_until_timestamps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
