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
#include <unistd.h>

#include <cmocka.h>

#include "config/confutil.h"
#include "config/storage_conf.h"
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-cs-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", at("home/.config"), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void test_search_order(void **state)
{
	_cleanup_free_ char *p = NULL;

	(void)state;
	unsetenv("CONTAINERS_STORAGE_CONF");
	assert_int_equal(storage_conf_path(tmpdir, true, &p, NULL), 0);
	assert_null(p);
	put("usr/share/containers/storage.conf", "[storage]\ndriver = \"vfs\"\n");
	assert_int_equal(storage_conf_path(tmpdir, false, &p, NULL), 0);
	assert_string_equal(p, at("usr/share/containers/storage.conf"));
	free(TAKE_PTR(p));
	put("etc/containers/storage.conf", "[storage]\ndriver = \"overlay\"\n");
	assert_int_equal(storage_conf_path(tmpdir, true, &p, NULL), 0);
	assert_string_equal(p, at("etc/containers/storage.conf"));
	free(TAKE_PTR(p));
	put("home/.config/containers/storage.conf", "[storage]\n");
	assert_int_equal(storage_conf_path(tmpdir, true, &p, NULL), 0);
	assert_string_equal(p, at("home/.config/containers/storage.conf"));
	free(TAKE_PTR(p));
	assert_int_equal(storage_conf_path(tmpdir, false, &p, NULL), 0);
	assert_string_equal(p, at("etc/containers/storage.conf"));
	free(TAKE_PTR(p));
	put("mine.conf", "");
	setenv("CONTAINERS_STORAGE_CONF", at("mine.conf"), 1);
	assert_int_equal(storage_conf_path(tmpdir, true, &p, NULL), 0);
	assert_string_equal(p, at("mine.conf"));
	free(TAKE_PTR(p));
	setenv("CONTAINERS_STORAGE_CONF", at("nope.conf"), 1);
	assert_int_equal(storage_conf_path(tmpdir, true, &p, NULL), -ENOENT);
	unsetenv("CONTAINERS_STORAGE_CONF");
}

static void test_podman_graphroot_is_never_berths(void **state)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = NULL;

	(void)state;
	put("etc/containers/storage.conf",
	    "[storage]\n"
	    "driver = \"overlay\"\n"
	    "graphroot = \"/var/lib/containers/storage\"\n"
	    "runroot = \"/run/containers/storage\"\n"
	    "rootless_storage_path = \"$HOME/.local/share/containers/storage\"\n"
	    "[storage.options]\n"
	    "additionalimagestores = []\n"
	    "[storage.options.overlay]\n"
	    "mountopt = \"nodev\"\n");
	assert_int_equal(storage_conf_load_file(at("etc/containers/storage.conf"), false, &c, NULL),
			 0);
	assert_string_equal(c->driver, "overlay");
	assert_null(c->graphroot);
	assert_null(c->runroot);
	assert_null(c->rootless_storage_path);
	storage_conf_free(TAKE_PTR(c));

	/* the same file named by CONTAINERS_STORAGE_CONF is trusted */
	setenv("CONTAINERS_STORAGE_CONF", at("etc/containers/storage.conf"), 1);
	setenv("HOME", "/home/tester", 1);
	assert_int_equal(storage_conf_load(&c, NULL), 0);
	assert_string_equal(c->graphroot, "/var/lib/containers/storage");
	assert_string_equal(c->runroot, "/run/containers/storage");
	assert_string_equal(c->rootless_storage_path,
			    "/home/tester/.local/share/containers/storage");
	assert_string_equal(c->path, at("etc/containers/storage.conf"));
	unsetenv("CONTAINERS_STORAGE_CONF");
}

static void test_berth_section(void **state)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = NULL;
	char want[64];

	(void)state;
	put("s.conf", "[storage]\n"
		      "driver = \"vfs\"\n"
		      "graphroot = \"/var/lib/containers/storage\"\n"
		      "[storage.berth]\n"
		      "graphroot = \"/srv/berth\"\n"
		      "rootless_storage_path = \"/srv/berth-$UID\"\n");
	assert_int_equal(storage_conf_load_file(at("s.conf"), false, &c, NULL), 0);
	assert_string_equal(c->driver, "vfs");
	assert_string_equal(c->graphroot, "/srv/berth");
	assert_null(c->runroot);
	snprintf(want, sizeof(want), "/srv/berth-%u", (unsigned)getuid());
	assert_string_equal(c->rootless_storage_path, want);
	storage_conf_free(TAKE_PTR(c));
	assert_int_equal(storage_conf_load_file(NULL, false, &c, NULL), 0);
	assert_null(c->driver);
	assert_null(c->path);
}

static void expect_bad(const char *content, const char *want)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = NULL;
	berth_error err = {0};

	put("bad.conf", content);
	assert_true(storage_conf_load_file(at("bad.conf"), true, &c, &err) < 0);
	assert_null(c);
	if (!strstr(err.msg, want) || !strstr(err.msg, "bad.conf"))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_bad("[storage]\ndriver = \"btrfs\"\n", "driver = \"btrfs\" is not supported");
	expect_bad("[storage]\ndriver = 1\n", "[storage] driver must be a string");
	expect_bad("[storage]\ngraphroot = \"relative\"\n", "must be an absolute path");
	expect_bad("[storage.berth]\nrunroot = \"x\"\n", "[storage.berth] runroot");
	expect_bad("storage = 3\n", "\"storage\" must be a table");
	expect_bad("[storage\n", "bad.conf:1:9:");
}

/* podman's own file may name a driver berth lacks: berth keeps its default, no error */
static void test_foreign_driver_in_system_file(void **state)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = NULL;

	(void)state;
	put("sys.conf", "[storage]\ndriver = \"btrfs\"\n");
	assert_int_equal(storage_conf_load_file(at("sys.conf"), false, &c, NULL), 0);
	assert_null(c->driver);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_podman_graphroot_is_never_berths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_berth_section, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_driver_in_system_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
