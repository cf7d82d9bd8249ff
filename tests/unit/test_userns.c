/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fileio.h"
#include "util/userns.h"

static void test_subid_parse_by_name_and_id(void **state)
{
	const char *text = "# comment\n"
			   "\n"
			   "alice:100000:65536\n"
			   "bob:165536:65536\n"
			   "1000:300000:10\r\n"
			   "  alice:400000:5  \n";
	struct userns_idmap m;
	berth_error err = {0};

	(void)state;
	assert_int_equal(userns_subid_parse(text, "alice", 1000, &m, &err), 3);
	assert_int_equal(m.ranges[0].outside, 100000);
	assert_int_equal(m.ranges[0].count, 65536);
	assert_int_equal(m.ranges[1].outside, 300000);
	assert_int_equal(m.ranges[1].count, 10);
	assert_int_equal(m.ranges[2].outside, 400000);
	assert_int_equal(userns_subid_parse(text, "carol", 2000, &m, &err), 0);
	assert_int_equal(userns_subid_parse(text, NULL, 1000, &m, &err), 1);
	/* "alic" must not match "alice" */
	assert_int_equal(userns_subid_parse(text, "alic", 5, &m, &err), 0);
}

static void test_subid_parse_rejects_bad_lines(void **state)
{
	struct userns_idmap m;
	berth_error err = {0};

	(void)state;
	assert_int_equal(userns_subid_parse("alice:100000\n", "alice", 1, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(userns_subid_parse("x:1:1\nalice:1x:5\n", "alice", 1, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(userns_subid_parse("alice:0:5\n", "alice", 1, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "id 0"));
	assert_int_equal(userns_subid_parse("alice:4294967290:100\n", "alice", 1, &m, &err),
			 -ERANGE);
	assert_int_equal(userns_subid_parse("alice:100:100\nalice:150:10\n", "alice", 1, &m, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "overlaps"));
	assert_int_equal(userns_subid_parse("alice:99999999999:1\n", "alice", 1, &m, &err),
			 -EINVAL);
}

static void write_tmp(char *tmpl, const char *text)
{
	size_t l = strlen(tmpl);
	int fd = l > 6 && strcmp(tmpl + l - 6, "XXXXXX") == 0
		     ? mkstemp(tmpl)
		     : open(tmpl, O_WRONLY | O_TRUNC | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static void test_mapping_for_user(void **state)
{
	char su[] = "/tmp/test_userns_subuidXXXXXX", sg[] = "/tmp/test_userns_subgidXXXXXX";
	struct userns_mapping m;
	berth_error err = {0};

	(void)state;
	write_tmp(su, "alice:100000:65536\nalice:200000:10\n");
	write_tmp(sg, "alice:300000:1000\n");
	assert_int_equal(userns_mapping_for_user(1000, 1001, "alice", su, sg, &m, &err), 0);
	assert_int_equal(m.uid.n, 3);
	assert_int_equal(m.uid.ranges[0].inside, 0);
	assert_int_equal(m.uid.ranges[0].outside, 1000);
	assert_int_equal(m.uid.ranges[0].count, 1);
	assert_int_equal(m.uid.ranges[1].inside, 1);
	assert_int_equal(m.uid.ranges[1].outside, 100000);
	assert_int_equal(m.uid.ranges[2].inside, 65537);
	assert_int_equal(m.uid.ranges[2].outside, 200000);
	assert_int_equal(m.gid.n, 2);
	assert_int_equal(m.gid.ranges[0].outside, 1001);
	assert_int_equal(m.gid.ranges[1].count, 1000);

	/* No range (and missing files): the single-id fallback. */
	assert_int_equal(
	    userns_mapping_for_user(1000, 1000, "bob", su, "/nonexistent/subgid", &m, &err), 0);
	assert_int_equal(m.uid.n, 1);
	assert_int_equal(m.gid.n, 1);

	/* A broken file is an error naming it. */
	write_tmp(su, "broken\n");
	assert_true(userns_mapping_for_user(1000, 1000, "alice", su, sg, &m, &err) < 0);
	assert_non_null(strstr(err.msg, su));
	unlink(su);
	unlink(sg);
}

static void test_format_parse_roundtrip(void **state)
{
	struct userns_mapping m = {.uid = {.ranges = {{0, 1000, 1}, {1, 100000, 65536}}, .n = 2},
				   .gid = {.ranges = {{0, 1000, 1}}, .n = 1}};
	struct userns_mapping back;
	berth_error err = {0};
	char *s = userns_mapping_format(&m);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "uid=0:1000:1,1:100000:65536;gid=0:1000:1");
	assert_int_equal(userns_mapping_parse(s, &back, &err), 0);
	assert_true(userns_mapping_equal(&m, &back));
	back.uid.ranges[1].count = 5;
	assert_false(userns_mapping_equal(&m, &back));
	free(s);

	assert_int_equal(userns_mapping_parse("uid=0:1:1", &back, &err), -EINVAL);
	assert_int_equal(userns_mapping_parse("uid=0:1:1,;gid=0:1:1", &back, &err), -EINVAL);
	assert_int_equal(userns_mapping_parse("uid=0:1;gid=0:1:1", &back, &err), -EINVAL);
	assert_int_equal(userns_mapping_parse("uid=0:1:1,0:5:1;gid=0:1:1", &back, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "overlap"));
	assert_int_equal(userns_mapping_parse("uid=0:1:0;gid=0:1:1", &back, &err), -EINVAL);
}

static int in_ns(void *data, berth_error *err)
{
	char *text = NULL;
	int r;

	(void)data;
	if (getuid() != 0 || getgid() != 0)
		return berr(err, EPERM, "not root in the namespace (uid %u)", getuid());
	r = read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &text, NULL, err);
	if (r < 0)
		return r;
	/* "         0       1000          1" */
	unsigned in, out, count;
	r = sscanf(text, "%u %u %u", &in, &out, &count) == 3 && in == 0 &&
		    out == (unsigned)geteuid()
		? 42
		: -1;
	free(text);
	if (r < 0)
		return berr(err, EINVAL, "unexpected uid_map");
	return r;
}

static int failing(void *data, berth_error *err)
{
	int r;

	(void)data;
	r = berr(err, ENOENT, "layer %s missing", "abc");
	err->exit_code = 7;
	return r;
}

static void test_run_in_userns(void **state)
{
	struct userns_mapping m = {.uid = {.ranges = {{0, 0, 1}}, .n = 1},
				   .gid = {.ranges = {{0, 0, 1}}, .n = 1}};
	berth_error err = {0};

	(void)state;
	m.uid.ranges[0].outside = geteuid();
	m.gid.ranges[0].outside = getegid();
	/* in_ns compares against its own euid (0 in the namespace): only meaningful for root. */
	if (geteuid() == 0)
		assert_int_equal(userns_run(&m, in_ns, NULL, &err), 42);
	assert_int_equal(userns_run(&m, failing, NULL, &err), -ENOENT);
	assert_string_equal(err.msg, "layer abc missing");
	assert_int_equal(err.exit_code, 7);

	/* An impossible mapping fails in the parent, with a message. */
	m.uid.ranges[0].count = 0;
	assert_true(userns_run(&m, failing, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "size 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subid_parse_by_name_and_id),
	    cmocka_unit_test(test_subid_parse_rejects_bad_lines),
	    cmocka_unit_test(test_mapping_for_user),
	    cmocka_unit_test(test_format_parse_roundtrip),
	    cmocka_unit_test(test_run_in_userns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
