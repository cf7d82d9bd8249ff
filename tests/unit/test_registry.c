/* SPDX-License-Identifier: Apache-2.0 */
/* berth-registry's modules: name/tag/digest validation, manifest checks, the storage layout and
 * the configuration. The HTTP side is covered by tests/system/registry.bats. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/registry.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

static void test_names(void **state)
{
	char longest[REG_NAME_MAX + 2];

	(void)state;
	assert_true(reg_name_valid("busybox"));
	assert_true(reg_name_valid("library/busybox"));
	assert_true(reg_name_valid("a.b_c__d---e/f0/9"));
	assert_false(reg_name_valid(""));
	assert_false(reg_name_valid("Upper"));
	assert_false(reg_name_valid("a/../b"));
	assert_false(reg_name_valid(".."));
	assert_false(reg_name_valid("a//b"));
	assert_false(reg_name_valid("/a"));
	assert_false(reg_name_valid("a/"));
	assert_false(reg_name_valid("a___b"));
	assert_false(reg_name_valid("-a"));
	assert_false(reg_name_valid("a."));
	assert_false(reg_name_valid("a b"));
	memset(longest, 'a', REG_NAME_MAX);
	longest[REG_NAME_MAX] = '\0';
	assert_true(reg_name_valid(longest));
	longest[REG_NAME_MAX] = 'a';
	longest[REG_NAME_MAX + 1] = '\0';
	assert_false(reg_name_valid(longest));
}

static void test_tags_digests_uuids(void **state)
{
	char hex[65];
	char tag[REG_TAG_MAX + 2];

	(void)state;
	assert_true(reg_tag_valid("latest"));
	assert_true(reg_tag_valid("v1.2-rc_3"));
	assert_true(reg_tag_valid("_x"));
	assert_false(reg_tag_valid(".hidden"));
	assert_false(reg_tag_valid("-x"));
	assert_false(reg_tag_valid("a/b"));
	assert_false(reg_tag_valid(""));
	memset(tag, 'a', REG_TAG_MAX);
	tag[REG_TAG_MAX] = '\0';
	assert_true(reg_tag_valid(tag));
	tag[REG_TAG_MAX] = 'a';
	tag[REG_TAG_MAX + 1] = '\0';
	assert_false(reg_tag_valid(tag));

	assert_true(reg_digest_parse(
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex));
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_false(reg_digest_valid(
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
	assert_false(reg_digest_valid("sha256:e3b0"));
	assert_false(reg_digest_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(reg_digest_valid(
		"sha256:../0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));

	assert_true(reg_uuid_valid("8c3a6a4e-5b1e-4c2a-9d9e-0123456789ab"));
	assert_false(reg_uuid_valid("../x"));
	assert_false(reg_uuid_valid(""));
}

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void test_manifest_image(void **state)
{
	const char *m = "{\"schemaVersion\":2,\"mediaType\":\"" REG_MT_OCI_MANIFEST "\","
			"\"config\":{\"mediaType\":\"application/x.cfg\",\"digest\":\"" D1 "\",\"size\":2},"
			"\"layers\":[{\"mediaType\":\"l\",\"digest\":\"" D2 "\",\"size\":5},"
			"{\"mediaType\":\"l\",\"digest\":\"" D3 "\",\"size\":5,\"urls\":[\"http://x\"]}],"
			"\"subject\":{\"mediaType\":\"m\",\"digest\":\"" D3 "\",\"size\":1},"
			"\"annotations\":{\"a\":\"b\"}}";
	struct reg_manifest mf;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(reg_manifest_parse(m, strlen(m), NULL, &mf, &err), 0);
	assert_string_equal(mf.media_type, REG_MT_OCI_MANIFEST);
	assert_false(mf.is_index);
	/* the foreign layer (urls) is not required to be in the repository */
	assert_int_equal(mf.n_refs, 2);
	assert_string_equal(mf.refs[0], D1 + 7);
	assert_string_equal(mf.refs[1], D2 + 7);
	assert_string_equal(mf.subject, D3 + 7);
	assert_string_equal(mf.artifact_type, "application/x.cfg");
	assert_string_equal(mf.annotations, "{\"a\":\"b\"}");
	reg_manifest_done(&mf);

	/* Content-Type with parameters that matches */
	assert_int_equal(reg_manifest_parse(m, strlen(m), REG_MT_OCI_MANIFEST "; charset=utf-8", &mf,
					    &err),
			 0);
	reg_manifest_done(&mf);
	/* and one that contradicts mediaType */
	assert_int_equal(reg_manifest_parse(m, strlen(m), REG_MT_DOCKER_MANIFEST, &mf, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "does not match"));
}

static void test_manifest_index_and_errors(void **state)
{
	const char *idx = "{\"schemaVersion\":2,\"artifactType\":\"x/y\",\"manifests\":[{\"mediaType\":\"m\","
			  "\"digest\":\"" D1 "\",\"size\":3}]}";
	struct reg_manifest mf;
	berth_error err = { 0 };
	static const char *const bad[] = {
		"",
		"[]",
		"{\"schemaVersion\":1}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1}}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"config\":{},\"layers\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"" REG_MT_OCI_INDEX "\"}",
		"{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}",
		"{\"schemaVersion\":2,\"manifests\":[],\"annotations\":[]}",
	};

	(void)state;
	/* no mediaType: guessed from the content */
	assert_int_equal(reg_manifest_parse(idx, strlen(idx), NULL, &mf, &err), 0);
	assert_true(mf.is_index);
	assert_string_equal(mf.media_type, REG_MT_OCI_INDEX);
	assert_int_equal(mf.n_refs, 1);
	assert_string_equal(mf.artifact_type, "x/y");
	assert_string_equal(mf.subject, "");
	reg_manifest_done(&mf);

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		berr_clear(&err);
		assert_int_equal(reg_manifest_parse(bad[i], strlen(bad[i]), NULL, &mf, &err), -EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(reg_manifest_parse("{}", REG_MANIFEST_MAX + 1, NULL, &mf, &err), -EFBIG);
}

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/berth-test-registry.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void test_storage_layout(void **state)
{
	_cleanup_free_ char *root = make_tmpdir();
	_cleanup_strv_free_ char **tags = NULL, **repos = NULL, **revs = NULL;
	struct reg_store s = { .v2 = -1 };
	char hex[65], got[65], path[512], uuid[37];
	_cleanup_free_ char *data = NULL;
	size_t len;
	off_t size;
	int fd;

	(void)state;
	assert_int_equal(reg_store_open(&s, root, true, NULL), 0);
	sha256_hex_of("manifest", 8, hex);
	assert_int_equal(reg_blob_put(&s, hex, "manifest", 8), 0);
	assert_true(reg_blob_exists(&s, hex, &size));
	assert_int_equal(size, 8);
	assert_int_equal(reg_blob_read(&s, hex, 100, &data, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "manifest", 8);

	assert_int_equal(reg_repo_link_revision(&s, "a/b", hex), 0);
	assert_true(reg_repo_has_revision(&s, "a/b", hex));
	assert_int_equal(reg_repo_tag_set(&s, "a/b", "v1", hex), 0);
	assert_int_equal(reg_repo_tag_set(&s, "a/b", "latest", hex), 0);
	assert_int_equal(reg_repo_tag_resolve(&s, "a/b", "v1", got), 0);
	assert_string_equal(got, hex);
	/* the link files are exactly distribution's */
	snprintf(path, sizeof(path), "%s/docker/registry/v2/repositories/a/b/_manifests/tags/v1/index/sha256/%s/link",
		 root, hex);
	_cleanup_free_ char *link = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, path, 100, &link, &len, NULL), 0);
	assert_int_equal(len, REG_DIGEST_LEN);
	assert_memory_equal(link, "sha256:", 7);

	assert_int_equal(reg_repo_tags(&s, "a/b", &tags), 0);
	assert_string_equal(tags[0], "latest");
	assert_string_equal(tags[1], "v1");
	assert_null(tags[2]);
	assert_int_equal(reg_repo_tags(&s, "nothere", &repos), -ENOENT);

	/* nested repositories: "a/b" and "a/b/c" */
	assert_int_equal(reg_repo_link_revision(&s, "a/b/c", hex), 0);
	assert_int_equal(reg_catalog(&s, &repos), 0);
	assert_string_equal(repos[0], "a/b");
	assert_string_equal(repos[1], "a/b/c");
	assert_null(repos[2]);

	assert_int_equal(reg_repo_delete_revision(&s, "a/b", hex), 0);
	assert_false(reg_repo_has_revision(&s, "a/b", hex));
	assert_int_not_equal(reg_repo_tag_resolve(&s, "a/b", "v1", got), 0);
	assert_int_equal(reg_repo_revisions(&s, "a/b", &revs), 0);
	assert_null(revs[0]);

	/* an upload becomes a blob only through commit */
	assert_int_equal(reg_upload_create(&s, "up", uuid), 0);
	assert_true(reg_uuid_valid(uuid));
	fd = reg_upload_open(&s, "up", uuid, &size);
	assert_true(fd >= 0);
	assert_int_equal(size, 0);
	assert_int_equal(write_all(fd, "layer", 5), 0);
	assert_int_equal(reg_upload_hash(fd, got), 0);
	sha256_hex_of("layer", 5, hex);
	assert_string_equal(got, hex);
	assert_false(reg_blob_exists(&s, hex, NULL));
	assert_int_equal(reg_upload_commit(&s, "up", uuid, fd, hex), 0);
	close(fd);
	assert_true(reg_blob_exists(&s, hex, NULL));
	assert_true(reg_repo_has_layer(&s, "up", hex));
	assert_int_equal(reg_upload_open(&s, "up", uuid, NULL), -ENOENT);
	assert_int_equal(reg_repo_unlink_layer(&s, "up", hex), 0);
	assert_false(reg_repo_has_layer(&s, "up", hex));

	reg_store_close(&s);
	assert_int_equal(rm_rf_at(AT_FDCWD, root, NULL), 0);
}

static void test_config(void **state)
{
	_cleanup_free_ char *dir = make_tmpdir();
	char path[512];
	struct reg_config cfg;
	berth_error err = { 0 };
	const char *yml = "version: 0.1\n"
			  "log:\n  accesslog:\n    disabled: true\n"
			  "storage:\n  filesystem:\n    rootdirectory: /srv/reg\n"
			  "  delete:\n    enabled: yes\n"
			  "http:\n  addr: 127.0.0.1:5001\n  tls:\n    certificate: /c.pem\n    key: /k.pem\n"
			  "auth:\n  htpasswd:\n    realm: r\n    path: /h\n";

	(void)state;
	unsetenv("REGISTRY_HTTP_ADDR");
	unsetenv("REGISTRY_STORAGE_DELETE_ENABLED");
	assert_int_equal(reg_config_load(&cfg, NULL, &err), 0);
	assert_string_equal(cfg.rootdir, "/var/lib/registry");
	assert_string_equal(cfg.addr, ":5000");
	assert_false(cfg.delete_enabled);
	assert_true(cfg.accesslog);
	reg_config_done(&cfg);

	snprintf(path, sizeof(path), "%s/config.yml", dir);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, yml, strlen(yml), 0644, NULL), 0);
	setenv("REGISTRY_HTTP_ADDR", ":6000", 1);
	setenv("REGISTRY_AUTH_FILE", "/ignored", 1);
	assert_int_equal(reg_config_load(&cfg, path, &err), 0);
	assert_string_equal(cfg.rootdir, "/srv/reg");
	assert_string_equal(cfg.addr, ":6000");
	assert_true(cfg.delete_enabled);
	assert_false(cfg.accesslog);
	assert_string_equal(cfg.tls_cert, "/c.pem");
	assert_string_equal(cfg.tls_key, "/k.pem");
	assert_string_equal(cfg.htpasswd_realm, "r");
	assert_string_equal(cfg.htpasswd_path, "/h");
	reg_config_done(&cfg);

	setenv("REGISTRY_STORAGE_DELETE_ENABLED", "perhaps", 1);
	assert_int_equal(reg_config_load(&cfg, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "REGISTRY_STORAGE_DELETE_ENABLED"));
	reg_config_done(&cfg);
	unsetenv("REGISTRY_STORAGE_DELETE_ENABLED");
	unsetenv("REGISTRY_HTTP_ADDR");
	unsetenv("REGISTRY_AUTH_FILE");

	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, "version: 2\n", 11, 0644, NULL), 0);
	assert_int_equal(reg_config_load(&cfg, path, &err), -EINVAL);
	reg_config_done(&cfg);
	assert_int_equal(rm_rf_at(AT_FDCWD, dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tags_digests_uuids),
		cmocka_unit_test(test_manifest_image),
		cmocka_unit_test(test_manifest_index_and_errors),
		cmocka_unit_test(test_storage_layout),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
