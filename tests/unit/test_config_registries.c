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
#include "config/registries_conf.h"
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-cr-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", at("home/.config"), 1);
	unsetenv("CONTAINERS_REGISTRIES_CONF");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void test_paths(void **state)
{
	_cleanup_free_ char *main = NULL;
	_cleanup_strv_free_ char **dropins = NULL;

	(void)state;
	put("etc/containers/registries.conf.d/shortnames.conf", "[aliases]\n");
	put("etc/containers/registries.conf.d/00-first.conf", "");
	put("home/.config/containers/registries.conf.d/mine.conf", "");
	assert_int_equal(registries_conf_paths(tmpdir, &main, &dropins, NULL), 0);
	assert_string_equal(main, at("etc/containers/registries.conf"));
	assert_int_equal(conf_strv_len(dropins), 3);
	assert_string_equal(dropins[0], at("etc/containers/registries.conf.d/00-first.conf"));
	assert_string_equal(dropins[1], at("etc/containers/registries.conf.d/shortnames.conf"));
	assert_string_equal(dropins[2], at("home/.config/containers/registries.conf.d/mine.conf"));
	free(TAKE_PTR(main));
	strv_free(TAKE_PTR(dropins));

	/* as podman: $CONTAINERS_REGISTRIES_CONF replaces the main file only */
	put("test.conf", "");
	setenv("CONTAINERS_REGISTRIES_CONF", at("test.conf"), 1);
	assert_int_equal(registries_conf_paths(tmpdir, &main, &dropins, NULL), 0);
	assert_string_equal(main, at("test.conf"));
	assert_int_equal(conf_strv_len(dropins), 3);
	free(TAKE_PTR(main));
	strv_free(TAKE_PTR(dropins));
	setenv("CONTAINERS_REGISTRIES_CONF", at("missing.conf"), 1);
	assert_int_equal(registries_conf_paths(tmpdir, &main, &dropins, NULL), -ENOENT);
	unsetenv("CONTAINERS_REGISTRIES_CONF");

	/* the user's registries.conf hides the system file and system drop-ins */
	put("home/.config/containers/registries.conf", "");
	assert_int_equal(registries_conf_paths(tmpdir, &main, &dropins, NULL), 0);
	assert_string_equal(main, at("home/.config/containers/registries.conf"));
	assert_int_equal(conf_strv_len(dropins), 1);
	assert_string_equal(dropins[0], at("home/.config/containers/registries.conf.d/mine.conf"));
}

static struct registries_conf *load_main(const char *content, char *const *dropins)
{
	struct registries_conf *c = NULL;
	berth_error err = {0};

	put("main.conf", content);
	if (registries_conf_load_files(at("main.conf"), false, dropins, &c, &err) < 0)
		fail_msg("load failed: %s", err.msg);
	return c;
}

static void test_v2_and_lookup(void **state)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	const struct registry_entry *e;
	_cleanup_free_ char *rw = NULL;

	(void)state;
	c = load_main("unqualified-search-registries = [\"registry.example.org\", "
		      "\"127.0.0.1:5000\"]\n"
		      "short-name-mode = \"enforcing\"\n"
		      "credential-helpers = [\"containers-auth.json\"]\n"
		      "[[registry]]\n"
		      "location = \"127.0.0.1:5000/\"\n"
		      "insecure = true\n"
		      "[[registry]]\n"
		      "prefix = \"example.com/foo\"\n"
		      "location = \"internal.example.com/bar\"\n"
		      "[[registry.mirror]]\n"
		      "location = \"mirror-1.local/bar\"\n"
		      "[[registry.mirror]]\n"
		      "location = \"mirror-2.local\"\n"
		      "insecure = true\n"
		      "pull-from-mirror = \"digest-only\"\n"
		      "[[registry]]\n"
		      "location = \"example.com\"\n"
		      "blocked = true\n"
		      "[[registry]]\n"
		      "prefix = \"*.wild.org\"\n"
		      "insecure = true\n"
		      "[aliases]\n"
		      "\"busybox\" = \"docker.io/library/busybox\"\n"
		      "\"app\" = \"127.0.0.1:5000/team/app\"\n",
		      NULL);
	assert_int_equal(conf_strv_len(c->search), 2);
	assert_string_equal(c->search[1], "127.0.0.1:5000");
	assert_string_equal(c->search_origin, at("main.conf"));
	assert_int_equal(c->short_name_mode, SHORT_NAME_ENFORCING);
	assert_string_equal(short_name_mode_to_string(c->short_name_mode), "enforcing");
	assert_int_equal(c->n_registries, 4);
	/* sorted by prefix */
	assert_string_equal(c->registries[0].prefix, "*.wild.org");
	assert_string_equal(c->registries[1].prefix, "127.0.0.1:5000");

	e = registries_conf_find(c, "127.0.0.1:5000/app:latest");
	assert_non_null(e);
	assert_true(e->insecure);
	assert_null(registries_conf_find(c, "127.0.0.1:50001/app"));
	assert_null(registries_conf_find(c, "docker.io/library/busybox"));
	/* longest prefix wins */
	e = registries_conf_find(c, "example.com/foo/img@sha256:abc");
	assert_string_equal(e->prefix, "example.com/foo");
	assert_int_equal(e->n_mirrors, 2);
	assert_string_equal(e->mirrors[1].pull_from_mirror, "digest-only");
	assert_true(e->mirrors[1].insecure);
	assert_int_equal(registries_conf_rewrite(e, e->location, "example.com/foo/img:1", &rw), 0);
	assert_string_equal(rw, "internal.example.com/bar/img:1");
	free(TAKE_PTR(rw));
	assert_int_equal(
	    registries_conf_rewrite(e, e->mirrors[0].location, "example.com/foo/img", &rw), 0);
	assert_string_equal(rw, "mirror-1.local/bar/img");
	assert_int_equal(registries_conf_rewrite(e, e->location, "other.com/x", &rw), -EINVAL);
	{
		struct registry_pull_source *src = NULL;
		size_t n = 0;

		/* tag pull: mirror-1 (no restriction), not the digest-only mirror-2, then the
		 * registry */
		assert_int_equal(
		    registries_conf_pull_sources(e, "example.com/foo/img:1", false, &src, &n), 0);
		assert_int_equal(n, 2);
		assert_string_equal(src[0].ref, "mirror-1.local/bar/img:1");
		assert_true(src[0].mirror);
		assert_string_equal(src[1].ref, "internal.example.com/bar/img:1");
		assert_false(src[1].mirror);
		registry_pull_sources_free(src, n);
		assert_int_equal(registries_conf_pull_sources(e, "example.com/foo/img@sha256:ab",
							      true, &src, &n),
				 0);
		assert_int_equal(n, 3);
		assert_string_equal(src[1].ref, "mirror-2.local/img@sha256:ab");
		assert_true(src[1].insecure);
		registry_pull_sources_free(src, n);
		assert_int_equal(registries_conf_pull_sources(e, "other.io/x", false, &src, &n),
				 -EINVAL);
	}
	e = registries_conf_find(c, "example.com/foobar/x");
	assert_string_equal(e->prefix, "example.com");
	assert_true(e->blocked);
	/* wildcards match subdomains only on the host part */
	e = registries_conf_find(c, "a.b.wild.org/img");
	assert_non_null(e);
	assert_string_equal(e->prefix, "*.wild.org");
	assert_null(e->location);
	{
		struct registry_pull_source *src = NULL;
		size_t n = 0;

		assert_int_equal(
		    registries_conf_pull_sources(e, "a.b.wild.org/img:2", false, &src, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(src[0].ref, "a.b.wild.org/img:2");
		assert_true(src[0].insecure);
		registry_pull_sources_free(src, n);
	}
	assert_null(registries_conf_find(c, "wild.org/img"));
	assert_null(registries_conf_find(c, "x.org/a.wild.org"));
	assert_null(registries_conf_find(c, "a.wild.orgx/img"));

	{
		const char *v, *origin;
		assert_int_equal(registries_conf_alias(c, "busybox", &v, &origin), 0);
		assert_string_equal(v, "docker.io/library/busybox");
		assert_string_equal(origin, at("main.conf"));
		assert_int_equal(registries_conf_alias(c, "nginx", &v, &origin), -ENOENT);
	}
}

static void test_dropins_merge(void **state)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	char *dropins[3];
	const char *v;

	(void)state;
	put("d/10.conf", "unqualified-search-registries = [\"quay.io\"]\n"
			 "[[registry]]\n"
			 "location = \"127.0.0.1:5000\"\n"
			 "insecure = false\n"
			 "[aliases]\n"
			 "busybox = \"\"\n"
			 "alpine = \"docker.io/library/alpine\"\n");
	put("d/20.conf", "short-name-mode = \"disabled\"\n"
			 "[aliases]\n"
			 "alpine = \"quay.io/libpod/alpine\"\n");
	dropins[0] = strdup(at("d/10.conf"));
	dropins[1] = strdup(at("d/20.conf"));
	dropins[2] = NULL;
	c = load_main("unqualified-search-registries = [\"docker.io\"]\n"
		      "[[registry]]\n"
		      "location = \"127.0.0.1:5000\"\n"
		      "insecure = true\n"
		      "[aliases]\n"
		      "busybox = \"docker.io/library/busybox\"\n",
		      dropins);
	free(dropins[0]);
	free(dropins[1]);
	assert_int_equal(conf_strv_len(c->search), 1);
	assert_string_equal(c->search[0], "quay.io");
	assert_int_equal(c->short_name_mode, SHORT_NAME_DISABLED);
	assert_int_equal(c->n_registries, 1);
	assert_false(registries_conf_find(c, "127.0.0.1:5000/x")->insecure);
	assert_int_equal(registries_conf_alias(c, "busybox", &v, NULL), -ENOENT);
	assert_int_equal(registries_conf_alias(c, "alpine", &v, NULL), 0);
	assert_string_equal(v, "quay.io/libpod/alpine");
	assert_int_equal(conf_strv_len(c->files), 3);
}

static void test_v1_and_defaults(void **state)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	berth_error err = {0};

	(void)state;
	c = load_main("[registries.search]\n"
		      "registries = [\"docker.io\", \"quay.io\"]\n"
		      "[registries.insecure]\n"
		      "registries = [\"127.0.0.1:5000\"]\n"
		      "[registries.block]\n"
		      "registries = [\"evil.com\", \"127.0.0.1:5000\"]\n",
		      NULL);
	assert_int_equal(conf_strv_len(c->search), 2);
	assert_int_equal(c->short_name_mode, SHORT_NAME_PERMISSIVE);
	assert_true(registries_conf_find(c, "127.0.0.1:5000/x")->insecure);
	assert_true(registries_conf_find(c, "127.0.0.1:5000/x")->blocked);
	assert_true(registries_conf_find(c, "evil.com/x")->blocked);
	registries_conf_free(TAKE_PTR(c));

	/* a missing optional main file gives the empty defaults */
	assert_int_equal(registries_conf_load_files(at("none.conf"), true, NULL, &c, &err), 0);
	assert_int_equal(conf_strv_len(c->search), 0);
	assert_int_equal(c->n_registries, 0);
	registries_conf_free(TAKE_PTR(c));
	assert_int_equal(registries_conf_load_files(at("none.conf"), false, NULL, &c, &err),
			 -ENOENT);

	/* load() through the environment */
	put("env.conf", "unqualified-search-registries = [\"127.0.0.1:5000\"]\n"
			"[aliases]\nfoo = \"quay.io/a/foo\"\nbar = \"quay.io/a/bar\"\n");
	setenv("CONTAINERS_REGISTRIES_CONF", at("env.conf"), 1);
	assert_int_equal(registries_conf_load(&c, &err), 0);
	assert_string_equal(c->search[0], "127.0.0.1:5000");
	registries_conf_free(TAKE_PTR(c));

	/* the machine-written alias file wins over registries.conf */
	{
		_cleanup_free_ char *path = NULL;
		const char *v, *origin;

		setenv("XDG_CACHE_HOME", at("cache"), 1);
		assert_int_equal(registries_conf_aliases_path(&path, &err), 0);
		if (geteuid() != 0)
			assert_string_equal(path, at("cache/containers/short-name-aliases.conf"));
		else
			assert_string_equal(path, "/var/cache/containers/short-name-aliases.conf");
		put("cache/containers/short-name-aliases.conf",
		    "[aliases]\nfoo = \"docker.io/library/foo\"\n");
		assert_int_equal(registries_conf_load_files(at("env.conf"), false, NULL, &c, &err),
				 0);
		assert_int_equal(registries_conf_merge_alias_file(
				     c, at("cache/containers/short-name-aliases.conf"), &err),
				 0);
		assert_int_equal(registries_conf_alias(c, "foo", &v, &origin), 0);
		assert_string_equal(v, "docker.io/library/foo");
		assert_string_equal(origin, at("cache/containers/short-name-aliases.conf"));
		assert_int_equal(registries_conf_alias(c, "bar", &v, &origin), 0);
		assert_string_equal(v, "quay.io/a/bar");
		assert_int_equal(registries_conf_merge_alias_file(c, at("cache/none.conf"), &err),
				 0);
		put("cache/bad.conf", "[aliases]\nfoo = 1\n");
		assert_int_equal(registries_conf_merge_alias_file(c, at("cache/bad.conf"), &err),
				 -EINVAL);
		unsetenv("XDG_CACHE_HOME");
	}
	unsetenv("CONTAINERS_REGISTRIES_CONF");
}

static void expect_bad(const char *content, bool dropin, const char *want)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	berth_error err = {0};
	char *dropins[] = {at("bad.conf"), NULL};

	put("bad.conf", content);
	put("empty.conf", "");
	assert_true(registries_conf_load_files(dropin ? at("empty.conf") : at("bad.conf"), false,
					       dropin ? dropins : NULL, &c, &err) < 0);
	assert_null(c);
	if (!strstr(err.msg, want) || !strstr(err.msg, "bad.conf"))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_bad("[[registry]]\nlocation = \"https://x.io\"\n", false,
		   "URL schemes are not supported");
	expect_bad("[[registry]]\ninsecure = true\n", false, "neither location nor prefix");
	expect_bad("[[registry]]\nprefix = \"x.io/a\"\n", false, "has no location");
	expect_bad("[[registry]]\nprefix = \"*.x.io:5000\"\n", false, "*.example.com");
	expect_bad("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n",
		   false, "has no location");
	expect_bad("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"b\"\n"
		   "pull-from-mirror = \"sometimes\"\n",
		   false, "pull-from-mirror = \"sometimes\"");
	expect_bad("[[registry]]\nlocation = \"a.io\"\ninsecure = true\n"
		   "[[registry]]\nprefix = \"a.io/x\"\nlocation = \"a.io\"\n",
		   false, "conflicting 'insecure'");
	expect_bad("short-name-mode = \"lenient\"\n", false, "short-name-mode \"lenient\"");
	expect_bad("unqualified-search-registries = [\"docker.io/library\"]\n", false,
		   "is not a host[:port]");
	expect_bad("unqualified-search-registries = \"docker.io\"\n", false,
		   "must be an array of strings");
	expect_bad("[aliases]\n\"docker.io/busybox\" = \"docker.io/library/busybox\"\n", false,
		   "is not a short name");
	expect_bad("[aliases]\nbusybox = \"busybox\"\n", false, "must be registry/repository");
	expect_bad("[aliases]\nbusybox = \"docker.io/library/busybox:1\"\n", false, "without tag");
	expect_bad("[aliases]\nbusybox = 1\n", false, "must be a string");
	expect_bad("[registries.search]\nregistries = [\"docker.io\"]\n", true, "version 2");
	expect_bad("unqualified-search-registries = []\n[registries.search]\nregistries = []\n",
		   false, "mixes");
	expect_bad("registry = 1\n", false, "[[registry]]");
	expect_bad("[aliases\n", false, "bad.conf:1:9");
}

/* This host's Debian files (registries.conf and registries.conf.d/shortnames.conf) load. */
static void test_debian_files(void **state)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	char *dropins[] = {"/etc/containers/registries.conf.d/shortnames.conf", NULL};
	berth_error err = {0};
	const char *v;

	(void)state;
	if (access(dropins[0], R_OK) < 0)
		skip();
	if (registries_conf_load_files("/etc/containers/registries.conf", true, dropins, &c, &err) <
	    0)
		fail_msg("%s", err.msg);
	assert_int_equal(registries_conf_alias(c, "almalinux", &v, NULL), 0);
	assert_string_equal(v, "docker.io/library/almalinux");
	assert_true(c->n_aliases > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_and_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropins_merge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_and_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_debian_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
