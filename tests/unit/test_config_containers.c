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
#include "config/containers_conf.h"
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-cc-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	unsetenv("CONTAINERS_CONF");
	unsetenv("CONTAINERS_CONF_OVERRIDE");
	setenv("XDG_CONFIG_HOME", at("home/.config"), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void test_defaults_equal_podman(void **state)
{
	_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
	char *none[] = {NULL};

	(void)state;
	assert_int_equal(containers_conf_load_files(none, &c, NULL), 0);
	assert_int_equal(conf_strv_len(c->default_capabilities), 11);
	assert_string_equal(c->default_capabilities[0], "CHOWN");
	assert_string_equal(c->default_capabilities[10], "SYS_CHROOT");
	assert_true(conf_strv_contains(c->default_capabilities, "NET_BIND_SERVICE"));
	assert_false(conf_strv_contains(c->default_capabilities, "NET_RAW"));
	assert_int_equal(c->stop_timeout, 10);
	assert_int_equal(c->log_size_max, -1);
	assert_int_equal(c->pids_limit, 2048);
	assert_string_equal(c->seccomp_profile, "/usr/share/containers/seccomp.json");
	assert_string_equal(c->log_driver, "k8s-file");
	assert_string_equal(c->umask, "0022");
	assert_string_equal(c->image_default_transport, "docker://");
	assert_string_equal(c->default_rootless_network_cmd, "pasta");
	assert_string_equal(c->events_logger, "file");
	assert_null(c->runtime);
	assert_null(c->infra_image);
	assert_int_equal(conf_strv_len(c->default_ulimits), 0);
	assert_int_equal(conf_strv_len(c->files), 0);
	assert_true(strncmp(c->env[0], "PATH=", 5) == 0);
	assert_string_equal(c->env[1], "TERM=xterm");
	assert_null(c->env[2]);
	assert_string_equal(c->shm_size, "65536k");
	assert_true(c->http_proxy);
	assert_false(c->init);
	assert_false(c->read_only);
	assert_int_equal(conf_strv_len(c->default_sysctls), 0);
	assert_true(conf_strv_contains(c->helper_binaries_dir, "/usr/libexec/podman"));
}

/* This host's own /usr/share/containers/containers.conf (Debian's) must load. */
static void test_debian_file(void **state)
{
	_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
	char *files[] = {"/usr/share/containers/containers.conf", NULL};
	berth_error err = {0};

	(void)state;
	if (access(files[0], R_OK) < 0)
		skip();
	if (containers_conf_load_files(files, &c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(conf_strv_contains(c->default_capabilities, "CHOWN"));
}

static void test_search_order_and_merge(void **state)
{
	_cleanup_strv_free_ char **files = NULL;
	_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
	berth_error err = {0};

	(void)state;
	put("usr/share/containers/containers.conf",
	    "[containers]\n"
	    "default_capabilities = [\"CHOWN\", \"cap_kill\"]\n"
	    "pids_limit = 100\n"
	    "tz = \"UTC\"\n"
	    "[engine]\n"
	    "runtime = \"runc\"\n"
	    "stop_timeout = 5\n"
	    "remote = true\n" /* ignored */
	    "[engine.runtimes]\n"
	    "runc = [\"/usr/bin/runc\"]\n"
	    "[machine]\n"
	    "cpus = 2\n");
	put("etc/containers/containers.conf",
	    "[containers]\npids_limit = 200\nno_hosts = true\n"
	    "default_sysctls = [\"net.ipv4.ping_group_range=0 0\"]\ninit = true\n"
	    "volumes = [\"/a:/b:ro\"]\n[engine]\nhelper_binaries_dir = [\"/opt/h\"]\n");
	put("etc/containers/containers.conf.d/20-b.conf", "[engine]\nstop_timeout = 20\n");
	put("etc/containers/containers.conf.d/10-a.conf",
	    "[engine]\nstop_timeout = 15\ninfra_image = \"localhost/pause\"\n");
	put("etc/containers/containers.conf.d/ignored.txt", "garbage [[[");
	put("home/.config/containers/containers.conf",
	    "[containers]\nenv = [\"A=1\"]\ndefault_ulimits = [\"nofile=1024:2048\"]\n"
	    "[network]\npasta_options = [\"--mtu\", \"1500\"]\n");
	put("home/.config/containers/containers.conf.d/x.conf",
	    "[containers]\nlog_size_max = 1048576\numask = \"0077\"\n");

	assert_int_equal(containers_conf_paths(tmpdir, false, &files, &err), 0);
	assert_int_equal(conf_strv_len(files), 4);
	assert_string_equal(files[0], at("usr/share/containers/containers.conf"));
	assert_string_equal(files[1], at("etc/containers/containers.conf"));
	assert_string_equal(files[2], at("etc/containers/containers.conf.d/10-a.conf"));
	assert_string_equal(files[3], at("etc/containers/containers.conf.d/20-b.conf"));
	strv_free(files);
	files = NULL;

	assert_int_equal(containers_conf_paths(tmpdir, true, &files, &err), 0);
	assert_int_equal(conf_strv_len(files), 6);
	assert_string_equal(files[4], at("home/.config/containers/containers.conf"));
	assert_string_equal(files[5], at("home/.config/containers/containers.conf.d/x.conf"));

	assert_int_equal(containers_conf_load_files(files, &c, &err), 0);
	assert_int_equal(conf_strv_len(c->default_capabilities), 2);
	assert_string_equal(c->default_capabilities[1], "KILL");
	assert_int_equal(c->pids_limit, 200);
	assert_true(c->no_hosts);
	assert_true(c->init);
	assert_string_equal(c->default_sysctls[0], "net.ipv4.ping_group_range=0 0");
	assert_string_equal(c->volumes[0], "/a:/b:ro");
	assert_string_equal(c->helper_binaries_dir[0], "/opt/h");
	assert_null(c->helper_binaries_dir[1]);
	assert_string_equal(c->tz, "UTC");
	assert_string_equal(c->runtime, "runc");
	assert_int_equal(c->stop_timeout, 20);
	assert_string_equal(c->infra_image, "localhost/pause");
	assert_int_equal(conf_strv_len(c->env), 1);
	assert_string_equal(c->env[0], "A=1");
	assert_string_equal(c->default_ulimits[0], "nofile=1024:2048");
	assert_string_equal(c->pasta_options[1], "1500");
	assert_int_equal(c->log_size_max, 1048576);
	assert_string_equal(c->umask, "0077");
	assert_int_equal(conf_strv_len(c->files), 6);
}

static void test_env_overrides(void **state)
{
	_cleanup_strv_free_ char **files = NULL;
	_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
	berth_error err = {0};

	(void)state;
	put("etc/containers/containers.conf", "[containers]\npids_limit = 200\n");
	put("only.conf", "[containers]\npids_limit = 7\n");
	put("over.conf", "[engine]\nstop_timeout = 3\n");
	setenv("CONTAINERS_CONF", at("only.conf"), 1);
	setenv("CONTAINERS_CONF_OVERRIDE", at("over.conf"), 1);
	assert_int_equal(containers_conf_paths(tmpdir, true, &files, &err), 0);
	assert_int_equal(conf_strv_len(files), 2);
	assert_int_equal(containers_conf_load_files(files, &c, &err), 0);
	assert_int_equal(c->pids_limit, 7);
	assert_int_equal(c->stop_timeout, 3);
	containers_conf_free(TAKE_PTR(c));
	assert_int_equal(containers_conf_load(&c, &err), 0);
	assert_int_equal(c->pids_limit, 7);

	setenv("CONTAINERS_CONF", at("missing.conf"), 1);
	strv_free(TAKE_PTR(files));
	assert_int_equal(containers_conf_paths(tmpdir, true, &files, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "CONTAINERS_CONF="));
	assert_non_null(strstr(err.msg, "missing.conf"));
	unsetenv("CONTAINERS_CONF");
	unsetenv("CONTAINERS_CONF_OVERRIDE");
}

static void expect_bad(const char *content, const char *want)
{
	_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
	berth_error err = {0};
	char *files[] = {at("bad.conf"), NULL};

	put("bad.conf", content);
	assert_true(containers_conf_load_files(files, &c, &err) < 0);
	assert_null(c);
	if (!strstr(err.msg, want) || !strstr(err.msg, "bad.conf"))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_bad("[containers]\npids_limit = \"many\"\n",
		   "[containers] pids_limit must be an integer");
	expect_bad("[containers]\nenv = \"A=1\"\n", "env must be an array of strings");
	expect_bad("[containers]\nno_hosts = 1\n", "no_hosts must be true or false");
	expect_bad("[containers]\numask = \"0999\"\n", "umask \"0999\" is not an octal mode");
	expect_bad(
	    "[containers]\nlog_driver = \"syslog\"\n",
	    "log_driver = \"syslog\" is not supported; use one of: k8s-file, journald, none, "
	    "passthrough");
	expect_bad("[containers]\nlog_size_max = 100\n", "at least 8192");
	expect_bad("[containers]\ndefault_ulimits = [\"nofile\"]\n", "NAME=SOFT");
	expect_bad("[engine]\ncgroup_manager = \"magic\"\n", "use one of: cgroupfs, systemd");
	expect_bad("[engine]\nstop_timeout = -1\n", "stop_timeout");
	expect_bad("[network]\ndefault_rootless_network_cmd = \"vpnkit\"\n", "pasta, slirp4netns");
	expect_bad("containers = 1\n", "\"containers\" must be a table");
	expect_bad("[containers]\ndefault_sysctls = [\"x\"]\n", "is not NAME=VALUE");
	expect_bad("[containers]\ninit = \"yes\"\n", "init must be true or false");
	expect_bad("[containers]\npids_limit = 1\npids_limit = 2\n", ":3:1: duplicate key");
	expect_bad("[engine]\nevents_logfile_max_size = \"lots\"\n", "invalid size \"lots\"");
	expect_bad("[engine]\nevents_logfile_max_size = -5\n", "events_logfile_max_size must be >= 0");
}

static void test_events_logfile_max_size(void **state)
{
	static const struct {
		const char *text;
		int64_t want;
	} cases[] = {
		{ "", 1000000 }, { "= 4096", 4096 }, { "= \"500k\"", 500000 }, { "= \"1m\"", 1000000 },
		{ "= \"2MB\"", 2000000 }, { "= \"1.5 g\"", 1500000000 }, { "= 0", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_(containers_conf_freep) struct containers_conf *c = NULL;
		berth_error err = {0};
		char text[128], *files[] = {at("ev.conf"), NULL};
		snprintf(text, sizeof(text), "[engine]\n%s%s\n", cases[i].text[0] ? "events_logfile_max_size " : "", cases[i].text);
		put("ev.conf", text);
		assert_int_equal(containers_conf_load_files(files, &c, &err), 0);
		assert_int_equal(c->events_logfile_max_size, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults_equal_podman, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_order_and_merge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_env_overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events_logfile_max_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_debian_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
