/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/confutil.h"
#include "config/auth.h"
#include "config/certs.h"
#include "util/fileio.h"
#include "util/macro.h"

static char tmpdir[64];

static void put(const char *rel, const char *content)
{
	char path[512], dir[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	assert_int_equal(mkdir_p(dirname(dir), 0755, NULL), 0);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, content, strlen(content), 0644, NULL),
			 0);
}

static char *at(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, rel);
	return buf[i];
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-ca-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", at("home/.config"), 1);
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	setenv("HOME", at("home"), 1);
	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("DOCKER_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void test_base64(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",	      "Zg==",	  "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(plain); i++) {
		char *e = auth_base64_encode(plain[i], strlen(plain[i]));
		size_t n = 99;
		char *d = auth_base64_decode(enc[i], &n);
		assert_string_equal(e, enc[i]);
		assert_string_equal(d, plain[i]);
		assert_int_equal(n, strlen(plain[i]));
		free(e);
		free(d);
	}
	assert_null(auth_base64_decode("Zm9", NULL));
	assert_null(auth_base64_decode("Zm9*", NULL));
	assert_null(auth_base64_decode("Z=9v", NULL));
}

static void check(const char *authfile, const char *key, const char *user, const char *pass)
{
	_cleanup_free_ char *u = NULL, *p = NULL;
	berth_error err = {0};
	int r = auth_lookup(authfile, key, &u, &p, &err);

	if (!user) {
		if (r != -ENOENT)
			fail_msg("%s: expected no credentials, got %d (%s)", key, r, err.msg);
		return;
	}
	if (r < 0)
		fail_msg("%s: lookup failed: %s", key, err.msg);
	assert_string_equal(u, user);
	assert_string_equal(p, pass);
}

static void test_default_path(void **state)
{
	_cleanup_free_ char *p = NULL;

	(void)state;
	assert_int_equal(auth_default_path(&p, NULL), 0);
	if (geteuid() == 0)
		assert_string_equal(p, "/run/containers/0/auth.json");
	else
		assert_string_equal(p, at("containers/auth.json"));
	free(TAKE_PTR(p));
	setenv("REGISTRY_AUTH_FILE", at("x.json"), 1);
	assert_int_equal(auth_default_path(&p, NULL), 0);
	assert_string_equal(p, at("x.json"));
	unsetenv("REGISTRY_AUTH_FILE");

	/* as root, also check the user's default in a child that drops to nobody */
	if (geteuid() == 0) {
		pid_t pid;
		int status;

		assert_int_equal(chmod(tmpdir, 0777), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			_cleanup_free_ char *path = NULL, *u = NULL, *pw = NULL;
			struct stat st;
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
				_exit(10);
			if (auth_default_path(&path, NULL) < 0 ||
			    strcmp(path, at("containers/auth.json")) != 0)
				_exit(11);
			if (auth_store(NULL, "127.0.0.1:5000", "nob", "ody", NULL) < 0)
				_exit(12);
			if (stat(at("containers"), &st) < 0 || (st.st_mode & 0777) != 0700)
				_exit(13);
			if (auth_lookup(NULL, "127.0.0.1:5000/x", &u, &pw, NULL) < 0 ||
			    strcmp(u, "nob") != 0)
				_exit(14);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void test_store_lookup_remove(void **state)
{
	const char *f = at("sub/dir/auth.json");
	berth_error err = {0};
	_cleanup_free_ char *data = NULL;
	struct stat st;

	(void)state;
	check(f, "127.0.0.1:5000", NULL, NULL);
	assert_int_equal(auth_store(f, "127.0.0.1:5000", "alice", "s3cr:et", &err), 0);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(at("sub/dir"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(read_file_at(AT_FDCWD, f, 4096, &data, NULL, NULL), 0);
	assert_non_null(strstr(data, "\"127.0.0.1:5000\""));
	assert_non_null(strstr(data, "YWxpY2U6czNjcjpldA==")); /* alice:s3cr:et */

	check(f, "127.0.0.1:5000", "alice", "s3cr:et");
	check(f, "127.0.0.1:5000/team/app", "alice", "s3cr:et");
	check(f, "127.0.0.1:5000/team/app:v1", "alice", "s3cr:et");
	check(f, "127.0.0.1:5000/team/app@sha256:0123", "alice", "s3cr:et");
	check(f, "127.0.0.1", NULL, NULL);
	check(f, "127.0.0.1:50000", NULL, NULL);

	/* the most specific key wins */
	assert_int_equal(auth_store(f, "127.0.0.1:5000/team", "bob", "pw", &err), 0);
	assert_int_equal(auth_store(f, "127.0.0.1:5000/team/app", "carol", "pw2", &err), 0);
	check(f, "127.0.0.1:5000/team/app:latest", "carol", "pw2");
	check(f, "127.0.0.1:5000/team/other", "bob", "pw");
	check(f, "127.0.0.1:5000/teams/x", "alice", "s3cr:et");
	check(f, "127.0.0.1:5000", "alice", "s3cr:et");

	/* logout */
	assert_int_equal(auth_remove(f, "127.0.0.1:5000/team", &err), 0);
	check(f, "127.0.0.1:5000/team/other", "alice", "s3cr:et");
	assert_int_equal(auth_remove(f, "127.0.0.1:5000/team", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not logged into 127.0.0.1:5000/team"));
	assert_int_equal(auth_remove_all(f, &err), 0);
	check(f, "127.0.0.1:5000/team/app", NULL, NULL);
	assert_int_equal(auth_remove_all(at("none.json"), &err), 0);
	assert_int_equal(auth_store(f, "x.io", "a:b", "c", &err), -EINVAL);
}

static void test_keeps_other_content(void **state)
{
	const char *f = at("auth.json");
	_cleanup_free_ char *data = NULL;

	(void)state;
	put("auth.json", "{\"auths\": {\"quay.io\": {\"auth\": \"dTpw\"}}, \"credHelpers\": {}}");
	assert_int_equal(auth_store(f, "docker.io", "u2", "p2", NULL), 0);
	check(f, "quay.io/x/y", "u", "p");
	check(f, "docker.io/library/busybox", "u2", "p2");
	assert_int_equal(read_file_at(AT_FDCWD, f, 4096, &data, NULL, NULL), 0);
	assert_non_null(strstr(data, "credHelpers"));
}

static void test_search_order(void **state)
{
	(void)state;
	/* default (runtime) file, then $XDG_CONFIG_HOME, then ~/.docker/config.json */
	put("home/.docker/config.json",
	    "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"ZDpk\"},"
	    " \"http://old.io/v1/\": {\"auth\": \"bzpv\"},"
	    " \"only.io\": {\"auth\": \"ZDpk\"}}}");
	put("home/.config/containers/auth.json",
	    "{\"auths\": {\"only.io\": {\"auth\": \"eDp4\"}, \"empty.io\": {\"auth\": \"\"}}}");
	if (geteuid() != 0) {
		put("containers/auth.json", "{\"auths\": {\"only.io/ns\": {\"auth\": \"cjpy\"}}}");
		check(NULL, "only.io/ns/img", "r", "r");
	}
	check(NULL, "only.io/other", "x", "x");
	check(NULL, "docker.io/library/alpine", "d", "d");
	check(NULL, "old.io/img", "o", "o");
	check(NULL, "empty.io/img", NULL, NULL);
	put("home/.dockercfg", "{\"https://legacy.io/v1/\": {\"auth\": \"bDps\"}}");
	check(NULL, "legacy.io/img", "l", "l");
	setenv("DOCKER_CONFIG", at("nowhere"), 1);
	check(NULL, "docker.io/library/alpine", NULL, NULL);
	unsetenv("DOCKER_CONFIG");
	/* an explicit file is the only one read */
	put("explicit.json", "{\"auths\": {}}");
	check(at("explicit.json"), "only.io/other", NULL, NULL);
	setenv("REGISTRY_AUTH_FILE", at("explicit.json"), 1);
	check(NULL, "only.io/other", NULL, NULL);
	unsetenv("REGISTRY_AUTH_FILE");
}

static void test_bad_files(void **state)
{
	_cleanup_free_ char *u = NULL, *p = NULL;
	berth_error err = {0};

	(void)state;
	put("bad.json", "{\"auths\": ");
	assert_int_equal(auth_lookup(at("bad.json"), "x.io", &u, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad.json:1: invalid JSON"));
	assert_int_equal(auth_store(at("bad.json"), "x.io", "u", "p", &err), -EINVAL);
	put("bad.json", "{\"auths\": []}");
	assert_int_equal(auth_lookup(at("bad.json"), "x.io", &u, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not an auth file"));
	put("bad.json", "{\"auths\": {\"x.io\": {\"auth\": \"bm9jb2xvbg==\"}}}"); /* "nocolon" */
	assert_int_equal(auth_lookup(at("bad.json"), "x.io", &u, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not base64 of \"user:password\""));
}

static void test_certs(void **state)
{
	_cleanup_(certs_info_freep) struct certs_info *c = NULL;
	berth_error err = {0};

	(void)state;
	assert_int_equal(certs_lookup(tmpdir, NULL, "reg.io:5000", &c, &err), 0);
	assert_null(c->dir);
	assert_int_equal(conf_strv_len(c->ca_files), 0);
	certs_info_free(TAKE_PTR(c));

	put("etc/docker/certs.d/reg.io:5000/ca.crt", "x");
	assert_int_equal(certs_lookup(tmpdir, NULL, "reg.io:5000", &c, &err), 0);
	assert_string_equal(c->dir, at("etc/docker/certs.d/reg.io:5000"));
	certs_info_free(TAKE_PTR(c));

	put("etc/containers/certs.d/reg.io:5000/b.crt", "x");
	put("etc/containers/certs.d/reg.io:5000/a.crt", "x");
	put("etc/containers/certs.d/reg.io:5000/client.cert", "x");
	put("etc/containers/certs.d/reg.io:5000/client.key", "x");
	put("etc/containers/certs.d/reg.io:5000/README", "x");
	assert_int_equal(certs_lookup(tmpdir, NULL, "reg.io:5000", &c, &err), 0);
	assert_string_equal(c->dir, at("etc/containers/certs.d/reg.io:5000"));
	assert_int_equal(conf_strv_len(c->ca_files), 2);
	assert_string_equal(c->ca_files[0], at("etc/containers/certs.d/reg.io:5000/a.crt"));
	assert_string_equal(c->client_cert, at("etc/containers/certs.d/reg.io:5000/client.cert"));
	assert_string_equal(c->client_key, at("etc/containers/certs.d/reg.io:5000/client.key"));
	certs_info_free(TAKE_PTR(c));

	/* the user's directory comes first; --cert-dir replaces the search */
	put("home/.config/containers/certs.d/reg.io:5000/mine.crt", "x");
	assert_int_equal(certs_lookup(tmpdir, NULL, "reg.io:5000", &c, &err), 0);
	assert_string_equal(c->ca_files[0],
			    at("home/.config/containers/certs.d/reg.io:5000/mine.crt"));
	certs_info_free(TAKE_PTR(c));
	put("mycerts/x.crt", "x");
	assert_int_equal(certs_lookup(tmpdir, at("mycerts"), "reg.io:5000", &c, &err), 0);
	assert_string_equal(c->ca_files[0], at("mycerts/x.crt"));
	assert_null(c->client_cert);
	certs_info_free(TAKE_PTR(c));
	assert_int_equal(certs_lookup(tmpdir, at("nope"), "reg.io:5000", &c, &err), -ENOENT);

	/* unpaired files and bad hosts */
	put("mycerts/lonely.cert", "x");
	assert_int_equal(certs_lookup(tmpdir, at("mycerts"), "reg.io", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lonely.cert: client certificate without its key"));
	unlink(at("mycerts/lonely.cert"));
	put("mycerts/orphan.key", "x");
	assert_int_equal(certs_lookup(tmpdir, at("mycerts"), "reg.io", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "orphan.key: key without its client certificate"));
	assert_int_equal(certs_lookup(tmpdir, NULL, "../../etc", &c, &err), -EINVAL);
	assert_int_equal(certs_lookup(tmpdir, NULL, "..", &c, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_lookup_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keeps_other_content, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
