/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_transport_copy.c - manifest parsing limits, platform choice and OCI ↔ schema2 conversion
 * of the copy engine, and copies between real oci: and dir: layouts in a temp directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/digest.h"
#include "oci/mediatype.h"
#include "transport/copy.h"
#include "util/fileio.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char manifest[] = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST
			       "\",\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" D1
			       "\",\"size\":10},\"layers\":[{\"mediaType\":\"" OCI_MT_LAYER_GZIP
			       "\",\"digest\":\"" D2 "\",\"size\":20}]}";

static void test_parse_manifest(void **state)
{
	struct img_manifest m = {0};
	berth_error err = {0};
	(void)state;
	assert_int_equal(
	    img_manifest_parse(manifest, strlen(manifest), OCI_MT_MANIFEST, "x", &m, &err), 0);
	assert_false(m.is_index);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.descs[0].size, 20);
	img_manifest_done(&m);
}

static void test_parse_refuses(void **state)
{
	struct img_manifest m = {0};
	berth_error err = {0};
	(void)state;
	const char *bad_digest =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}";
	assert_int_equal(img_manifest_parse(bad_digest, strlen(bad_digest), NULL, "x", &m, &err),
			 -EBADMSG);
	const char *neg =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}";
	assert_int_equal(img_manifest_parse(neg, strlen(neg), NULL, "x", &m, &err), -EBADMSG);
	assert_int_equal(img_manifest_parse("{}", 2, DOCKER_MT_MANIFEST_V1_SIGNED, "x", &m, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "schema 1"));
	assert_int_equal(img_manifest_parse("nope", 4, NULL, "x", &m, &err), -EBADMSG);
	/* more layers than the limit */
	json_t *root = json_loads(manifest, 0, NULL), *layers = json_array();
	for (int i = 0; i <= IMG_MAX_LAYERS; i++)
		json_array_append(layers, json_array_get(json_object_get(root, "layers"), 0));
	json_object_set_new(root, "layers", layers);
	char *big = json_dumps(root, JSON_COMPACT);
	assert_int_equal(img_manifest_parse(big, strlen(big), NULL, "x", &m, &err), -E2BIG);
	free(big);
	json_decref(root);
}

static void test_pick_platform(void **state)
{
	const char *idx =
	    "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D1
	    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":"
	    "\"arm\",\"variant\":\"v7\"}},"
	    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2
	    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	struct img_manifest m = {0};
	berth_error err = {0};
	(void)state;
	assert_int_equal(img_manifest_parse(idx, strlen(idx), OCI_MT_INDEX, "x", &m, &err), 0);
	assert_true(m.is_index);
	assert_int_equal(img_pick_platform(&m, "linux", "amd64", NULL, "x", &err), 1);
	assert_int_equal(img_pick_platform(&m, "linux", "arm", "v7", "x", &err), 0);
	assert_int_equal(img_pick_platform(&m, "linux", "arm", "v6", "x", &err), -ENOENT);
	assert_string_equal(err.msg, "x: no image for linux/arm/v6 in the manifest list (it has: "
				     "linux/arm/v7, linux/amd64)");
	img_manifest_done(&m);
}

static void test_convert(void **state)
{
	char *out = NULL, *back = NULL;
	size_t len, blen;
	berth_error err = {0};
	(void)state;
	assert_int_equal(img_manifest_convert(manifest, strlen(manifest), DOCKER_MT_MANIFEST, "x",
					      &out, &len, &err),
			 0);
	json_t *j = json_loadb(out, len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "mediaType")), DOCKER_MT_MANIFEST);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "config"), "mediaType")),
	    DOCKER_MT_CONFIG);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(j, "layers"), 0), "mediaType")),
			    DOCKER_MT_LAYER_GZIP);
	json_decref(j);
	assert_int_equal(img_manifest_convert(out, len, OCI_MT_MANIFEST, "x", &back, &blen, &err),
			 0);
	j = json_loadb(back, blen, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(j, "layers"), 0), "mediaType")),
			    OCI_MT_LAYER_GZIP);
	json_decref(j);
	free(out);
	free(back);
	/* zstd layers have no schema2 name */
	char *z = strdup(manifest);
	char *p = strstr(z, "+gzip");
	memcpy(p, "+zstd", 5);
	assert_int_equal(
	    img_manifest_convert(z, strlen(z), DOCKER_MT_MANIFEST, "x", &out, &len, &err),
	    -ENOTSUP);
	free(z);
}

/* write_blob() - put @data into the layout's blobs/sha256; returns its digest (static buffer). */
static const char *write_blob(const char *dir, const char *data, size_t len)
{
	static char d[OCI_DIGEST_SHA256_LEN + 1];
	char path[4096];
	oci_digest_of_buffer(data, len, d);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, d + 7);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, data, len, 0644, NULL), 0);
	return d;
}

static void test_copy_layouts(void **state)
{
	char tmpl[] = "/tmp/berth-copy-XXXXXX", src[4200], dst[4200], dirdst[4200], path[4300],
	     *sname, *dname;
	char layer_d[OCI_DIGEST_SHA256_LEN + 1], cfg_d[OCI_DIGEST_SHA256_LEN + 1],
	    man_d[OCI_DIGEST_SHA256_LEN + 1];
	berth_error err = {0};
	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(src, sizeof(src), "%s/src", tmpl);
	snprintf(dst, sizeof(dst), "%s/dst", tmpl);
	snprintf(dirdst, sizeof(dirdst), "%s/dir", tmpl);
	snprintf(path, sizeof(path), "%s/blobs/sha256", src);
	assert_int_equal(mkdir_p(path, 0755, NULL), 0);
	snprintf(layer_d, sizeof(layer_d), "%s", write_blob(src, "layer-bytes", 11));
	snprintf(cfg_d, sizeof(cfg_d), "%s", write_blob(src, "{\"rootfs\":{}}", 13));
	char *man = NULL;
	assert_true(asprintf(&man,
			     "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
			     "\"%s\",\"digest\":\"%s\",\"size\":13},\"layers\":[{\"mediaType\":\"%"
			     "s\",\"digest\":\"%s\",\"size\":11}]}",
			     OCI_MT_MANIFEST, OCI_MT_CONFIG, cfg_d, OCI_MT_LAYER_GZIP,
			     layer_d) > 0);
	snprintf(man_d, sizeof(man_d), "%s", write_blob(src, man, strlen(man)));
	char *index = NULL;
	assert_true(
	    asprintf(
		&index,
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
		"\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"t1\"}}]}",
		OCI_MT_MANIFEST, man_d, strlen(man)) > 0);
	snprintf(path, sizeof(path), "%s/index.json", src);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, index, strlen(index), 0644, NULL), 0);

	/* oci → oci → dir, the manifest digest survives */
	assert_true(asprintf(&sname, "oci:%s:t1", src) > 0);
	assert_true(asprintf(&dname, "oci:%s:copy", dst) > 0);
	oci_image_name *sn = NULL, *dn = NULL;
	struct img_src *s = NULL;
	struct img_dst *d = NULL;
	struct img_opts o = {0};
	struct img_copy_opts co = {0};
	char *digest = NULL;
	assert_int_equal(oci_image_name_parse(sname, &sn, &err), 0);
	assert_int_equal(oci_image_name_parse(dname, &dn, &err), 0);
	assert_int_equal(img_src_open(sn, &o, &s, &err), 0);
	assert_int_equal(img_dst_open(dn, &o, &d, &err), 0);
	assert_int_equal(img_copy(s, d, &co, &digest, &err), 0);
	assert_string_equal(digest, man_d);
	free(digest);
	img_src_free(s);
	img_dst_free(d);
	oci_image_name_free(sn);
	oci_image_name_free(dn);
	free(sname);
	free(dname);

	assert_true(asprintf(&sname, "oci:%s:copy", dst) > 0);
	assert_true(asprintf(&dname, "dir:%s", dirdst) > 0);
	assert_int_equal(oci_image_name_parse(sname, &sn, &err), 0);
	assert_int_equal(oci_image_name_parse(dname, &dn, &err), 0);
	assert_int_equal(img_src_open(sn, &o, &s, &err), 0);
	assert_int_equal(img_dst_open(dn, &o, &d, &err), 0);
	assert_int_equal(img_copy(s, d, &co, NULL, &err), 0);
	img_src_free(s);
	img_dst_free(d);
	snprintf(path, sizeof(path), "%s/%s", dirdst, layer_d + 7);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/manifest.json", dirdst);
	assert_int_equal(access(path, R_OK), 0);

	/* a damaged source blob is refused, and the destination gets no manifest */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", src, layer_d + 7);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, "LAYER-BYTES", 11, 0644, NULL), 0);
	oci_image_name_free(dn);
	free(dname);
	oci_image_name_free(sn);
	free(sname);
	assert_true(asprintf(&sname, "oci:%s:t1", src) > 0);
	assert_true(asprintf(&dname, "oci:%s/bad:x", tmpl) > 0);
	assert_int_equal(oci_image_name_parse(sname, &sn, &err), 0);
	assert_int_equal(oci_image_name_parse(dname, &dn, &err), 0);
	assert_int_equal(img_src_open(sn, &o, &s, &err), 0);
	assert_int_equal(img_dst_open(dn, &o, &d, &err), 0);
	assert_int_equal(img_copy(s, d, &co, NULL, &err), -EBADMSG);
	img_src_free(s);
	img_dst_free(d);
	snprintf(path, sizeof(path), "%s/bad/index.json", tmpl);
	assert_int_equal(access(path, F_OK), -1);

	oci_image_name_free(sn);
	oci_image_name_free(dn);
	free(sname);
	free(dname);
	free(man);
	free(index);
	assert_int_equal(rm_rf_at(AT_FDCWD, tmpl, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_manifest), cmocka_unit_test(test_parse_refuses),
	    cmocka_unit_test(test_pick_platform),  cmocka_unit_test(test_convert),
	    cmocka_unit_test(test_copy_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
