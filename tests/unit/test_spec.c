/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/spec.h"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	assert_non_null(j);
	return j;
}

static char *args_str(json_t *a)
{
	return json_dumps(a, JSON_COMPACT);
}

static void check_args(const char *create, const char *image, const char *want)
{
	json_t *c = parse(create), *i = image ? parse(image) : NULL, *a = NULL;
	char *s;

	assert_int_equal(spec_process_args(c, i, &a, NULL), 0);
	s = args_str(a);
	assert_string_equal(s, want);
	free(s);
	json_decref(a);
	json_decref(c);
	json_decref(i);
}

static void test_process_args(void **state)
{
	berth_error err = { 0 };
	json_t *c, *a = NULL;

	(void)state;
	check_args("{}", "{\"Cmd\":[\"/bin/sh\"]}", "[\"/bin/sh\"]");
	check_args("{\"command\":[\"echo\",\"hi\"]}", "{\"Cmd\":[\"/bin/sh\"]}", "[\"echo\",\"hi\"]");
	check_args("{\"command\":[\"x\"]}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"d\"]}",
		   "[\"/ep\",\"x\"]");
	check_args("{}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"d\"]}", "[\"/ep\",\"d\"]");
	/* --entrypoint drops the image's Cmd */
	check_args("{\"entrypoint\":[\"/bin/true\"]}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"d\"]}",
		   "[\"/bin/true\"]");
	check_args("{\"entrypoint\":[\"/bin/echo\"],\"command\":[\"a\"]}", "{\"Cmd\":[\"d\"]}",
		   "[\"/bin/echo\",\"a\"]");
	c = parse("{}");
	assert_int_equal(spec_process_args(c, NULL, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no command or entrypoint provided"));
	json_decref(c);
}

static void test_user_lookup(void **state)
{
	const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "web:x:1000:1001:Web:/home/web:/bin/sh";
	const char *group = "root:x:0:\nstaff:x:50:\nweb:x:1001:";
	struct spec_user u;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(spec_user_lookup(NULL, passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/root");
	assert_int_equal(spec_user_lookup("web", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.home, "/home/web");
	assert_int_equal(spec_user_lookup("web:staff", passwd, group, &u, NULL), 0);
	assert_int_equal(u.gid, 50);
	assert_int_equal(spec_user_lookup("1:7", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 1);
	assert_int_equal(u.gid, 7);
	assert_string_equal(u.home, "/usr/sbin");
	assert_int_equal(spec_user_lookup("4242", NULL, NULL, &u, NULL), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
	assert_int_equal(spec_user_lookup("nobody", passwd, group, &u, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "unable to find user nobody"));
	assert_int_equal(spec_user_lookup("web:nogroup", passwd, group, &u, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "unable to find group nogroup"));
	/* a user named like a prefix of another must not match */
	assert_int_equal(spec_user_lookup("we", passwd, group, &u, NULL), -ENOENT);
}

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(spec_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(spec_signal_parse("term"), SIGTERM);
	assert_int_equal(spec_signal_parse("9"), SIGKILL);
	assert_int_equal(spec_signal_parse("SIGRTMIN+1"), SIGRTMIN + 1);
	assert_int_equal(spec_signal_parse("NOPE"), -EINVAL);
	assert_int_equal(spec_signal_parse("0"), -EINVAL);
	assert_int_equal(spec_signal_parse("999"), -EINVAL);
}

static bool has_str(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static json_t *find_mount(json_t *spec, const char *dest)
{
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(spec, "mounts"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
			return m;
	return NULL;
}

static void test_generate(void **state)
{
	json_t *create = parse("{\"command\":[\"echo\",\"hi\"],\"env\":[\"FOO=bar\",\"PATH=/x\"],"
			       "\"hostname\":\"box\",\"cap_add\":[\"NET_ADMIN\"],\"cap_drop\":[\"CHOWN\"],"
			       "\"mounts\":[{\"source\":\"/h\",\"destination\":\"/c\",\"options\":[\"rbind\",\"ro\"]}],"
			       "\"tmpfs\":[{\"destination\":\"/dev/shm\",\"options\":[\"size=1m\"]}],"
			       "\"memory\":1048576,\"cpus\":0.5,\"pids_limit\":100,\"init\":true,"
			       "\"ulimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":200}],"
			       "\"network\":\"none\",\"read_only\":true}");
	json_t *image = parse("{\"Env\":[\"PATH=/img\",\"LANG=C\"],\"WorkingDir\":\"/srv\"}");
	char *lowers[] = { "/l/2", "/l/1", NULL };
	struct spec_input in = {
		.id = "0123456789abcdef0123",
		.create = create,
		.image = image,
		.rootfs = "/r/merged",
		.lowerdirs = lowers,
		.upperdir = "/r/upper",
		.workdir = "/r/work",
		.userdata = "/b/userdata",
		.user = { .uid = 0, .gid = 0, .home = "/root" },
	};
	json_t *spec = NULL, *p, *caps, *env, *m, *rl;

	(void)state;
	assert_int_equal(spec_generate(&in, &spec, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(spec, "hostname")), "box");
	assert_true(json_is_true(json_object_get(json_object_get(spec, "root"), "readonly")));
	p = json_object_get(spec, "process");
	char *a = json_dumps(json_object_get(p, "args"), JSON_COMPACT);
	assert_string_equal(a, "[\"/run/berth-init\",\"--\",\"echo\",\"hi\"]");
	free(a);
	assert_string_equal(json_string_value(json_object_get(p, "cwd")), "/srv");
	env = json_object_get(p, "env");
	assert_true(has_str(env, "PATH=/x"));
	assert_false(has_str(env, "PATH=/img"));
	assert_true(has_str(env, "LANG=C"));
	assert_true(has_str(env, "FOO=bar"));
	assert_true(has_str(env, "HOME=/root"));
	assert_true(has_str(env, "container=podman"));
	caps = json_object_get(json_object_get(p, "capabilities"), "bounding");
	assert_true(has_str(caps, "CAP_NET_ADMIN"));
	assert_true(has_str(caps, "CAP_KILL"));
	assert_false(has_str(caps, "CAP_CHOWN"));
	assert_false(has_str(caps, "CAP_SYS_ADMIN"));
	rl = json_object_get(p, "rlimits");
	size_t i;
	json_t *v;
	int nofile = 0;
	json_array_foreach (rl, i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")), "RLIMIT_NOFILE") == 0) {
			nofile++;
			assert_int_equal(json_integer_value(json_object_get(v, "hard")), 200);
		}
	assert_int_equal(nofile, 1);
	m = find_mount(spec, "/c");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "type")), "bind");
	m = find_mount(spec, "/dev/shm");
	assert_string_equal(json_string_value(json_object_get(m, "type")), "tmpfs");
	assert_true(has_str(json_object_get(m, "options"), "size=1m"));
	assert_non_null(find_mount(spec, "/run/berth-init"));
	m = find_mount(spec, "/etc/hosts");
	assert_string_equal(json_string_value(json_object_get(m, "source")), "/b/userdata/hosts");
	json_t *lin = json_object_get(spec, "linux");
	json_t *res = json_object_get(lin, "resources");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")),
			 1048576);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 50000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")),
			 100);
	bool netns = false;
	json_array_foreach (json_object_get(lin, "namespaces"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")), "network") == 0)
			netns = true;
	assert_true(netns);
	assert_true(json_array_size(json_object_get(lin, "maskedPaths")) > 5);
	json_t *ann = json_object_get(spec, "annotations");
	assert_string_equal(json_string_value(json_object_get(ann, "io.berth.rootfs.lowerdirs")),
			    "[\"/l/2\",\"/l/1\"]");
	assert_string_equal(json_string_value(json_object_get(ann, "io.berth.rootfs.upperdir")),
			    "/r/upper");
	json_decref(spec);
	json_decref(create);
	json_decref(image);
}

static void test_generate_privileged_host(void **state)
{
	json_t *create = parse("{\"command\":[\"sh\"],\"privileged\":true,\"network\":\"host\","
			       "\"seccomp\":\"default\"}");
	json_t *seccomp = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
	struct spec_input in = { .id = "abc", .create = create, .rootfs = "/r", .seccomp = seccomp };
	json_t *spec = NULL, *lin, *v;
	size_t i;

	(void)state;
	assert_int_equal(spec_generate(&in, &spec, NULL), 0);
	lin = json_object_get(spec, "linux");
	json_array_foreach (json_object_get(lin, "namespaces"), i, v)
		assert_string_not_equal(json_string_value(json_object_get(v, "type")), "network");
	assert_null(json_object_get(lin, "maskedPaths"));
	assert_null(json_object_get(lin, "seccomp"));
	assert_null(json_object_get(spec, "hostname"));
	assert_true(has_str(json_object_get(json_object_get(json_object_get(spec, "process"),
							    "capabilities"),
					    "bounding"),
			    "CAP_SYS_ADMIN"));
	json_decref(spec);
	json_decref(create);

	create = parse("{\"command\":[\"sh\"]}");
	in.create = create;
	assert_int_equal(spec_generate(&in, &spec, NULL), 0);
	assert_non_null(json_object_get(json_object_get(spec, "linux"), "seccomp"));
	assert_string_equal(json_string_value(json_object_get(spec, "hostname")), "abc");
	json_decref(spec);
	json_decref(create);
	json_decref(seccomp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_args),
		cmocka_unit_test(test_user_lookup),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_generate_privileged_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
