/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci/manifest.h"

#define D1 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D2 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D3 "sha256:3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"

static const char oci_manifest_doc[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7023},"
    "\"layers\":[{\"mediaType\":\"" OCI_MT_LAYER_GZIP "\",\"digest\":\"" D2 "\",\"size\":32654},"
    "{\"mediaType\":\"" OCI_MT_LAYER_ZSTD "\",\"digest\":\"" D3 "\",\"size\":16724,"
    "\"annotations\":{\"a\":\"b\"}}],"
    "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" DOCKER_MT_CONFIG "\",\"size\":1457,\"digest\":\"" D1 "\"},"
    "\"layers\":[{\"mediaType\":\"" DOCKER_MT_LAYER_GZIP "\",\"size\":2,\"digest\":\"" D2 "\"},"
    "{\"mediaType\":\"" DOCKER_MT_LAYER_FOREIGN_GZIP "\",\"size\":3,\"digest\":\"" D3 "\","
    "\"urls\":[\"https://example.com/l\"]}]}";

static const char oci_index[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":2,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":3,"
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":4,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":5,"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}"
    "]}";

static oci_manifest *parse_ok(const char *doc, const char *ct)
{
	oci_manifest *m = NULL;
	berth_error err = {0};

	if (oci_manifest_parse(doc, strlen(doc), ct, &m, &err) < 0)
		fail_msg("parse: %s", err.msg);
	return m;
}

static void parse_bad(const char *doc, const char *ct, int code, const char *msg)
{
	oci_manifest *m = NULL;
	berth_error err = {0};
	int r = oci_manifest_parse(doc, strlen(doc), ct, &m, &err);

	if (r != code)
		fail_msg("parse %s: got %d (%s), want %d", doc, r, err.msg, code);
	if (!strstr(err.msg, msg))
		fail_msg("parse %s: message \"%s\" lacks \"%s\"", doc, err.msg, msg);
	assert_null(m);
}

static void test_parse_oci(void **state)
{
	oci_manifest *m;

	(void)state;
	m = parse_ok(oci_manifest_doc, OCI_MT_MANIFEST "; charset=utf-8");
	assert_int_equal(m->kind, OCI_KIND_OCI_MANIFEST);
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 7023);
	assert_int_equal(m->n_layers, 2);
	assert_string_equal(m->layers[1].media_type, OCI_MT_LAYER_ZSTD);
	assert_string_equal(oci_kvs_get(&m->layers[1].annotations, "a"), "b");
	assert_string_equal(oci_kvs_get(&m->annotations, "org.opencontainers.image.created"),
			    "2024-01-01T00:00:00Z");
	oci_manifest_free(m);
	assert_null(oci_manifest_free(NULL));
}

static void test_parse_docker(void **state)
{
	oci_manifest *m;

	(void)state;
	m = parse_ok(docker_manifest, DOCKER_MT_MANIFEST);
	assert_int_equal(m->kind, OCI_KIND_DOCKER_MANIFEST);
	assert_int_equal(m->n_layers, 2);
	assert_string_equal(m->layers[1].urls[0], "https://example.com/l");
	assert_null(m->layers[1].urls[1]);
	oci_manifest_free(m);
}

static void test_detect(void **state)
{
	oci_manifest_kind k = OCI_KIND_UNKNOWN;
	berth_error err = {0};
	const char *bare_index = "{\"schemaVersion\":2,\"manifests\":[]}";
	const char *bare_manifest = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
	const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\"}";

	(void)state;
	assert_int_equal(oci_manifest_detect(oci_index, strlen(oci_index), NULL, &k, NULL), 0);
	assert_int_equal(k, OCI_KIND_OCI_INDEX);
	assert_int_equal(oci_manifest_detect(bare_index, strlen(bare_index), NULL, &k, NULL), 0);
	assert_int_equal(k, OCI_KIND_OCI_INDEX);
	assert_int_equal(oci_manifest_detect(bare_manifest, strlen(bare_manifest), NULL, &k, NULL),
			 0);
	assert_int_equal(k, OCI_KIND_OCI_MANIFEST);
	/* the Content-Type decides when the field is absent */
	assert_int_equal(
	    oci_manifest_detect(bare_index, strlen(bare_index), OCI_MT_INDEX, &k, NULL), 0);
	assert_int_equal(oci_manifest_detect(s1, strlen(s1), NULL, &k, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "Docker schema 1"));
	assert_int_equal(oci_manifest_detect("[]", 2, NULL, &k, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "must be a JSON object"));

	assert_int_equal(oci_manifest_kind_from_media_type(DOCKER_MT_MANIFEST_LIST),
			 OCI_KIND_DOCKER_LIST);
	assert_int_equal(oci_manifest_kind_from_media_type("text/html"), OCI_KIND_UNKNOWN);
	assert_int_equal(oci_manifest_kind_from_media_type(NULL), OCI_KIND_UNKNOWN);
	assert_string_equal(oci_manifest_kind_media_type(OCI_KIND_OCI_INDEX), OCI_MT_INDEX);
	assert_null(oci_manifest_kind_media_type(OCI_KIND_UNKNOWN));
	assert_true(oci_manifest_kind_is_index(OCI_KIND_DOCKER_LIST));
	assert_false(oci_manifest_kind_is_index(OCI_KIND_OCI_MANIFEST));
}

static void test_media_types(void **state)
{
	(void)state;
	assert_true(oci_media_type_is_valid(OCI_MT_LAYER_GZIP));
	assert_true(oci_media_type_is_valid("application/vnd.in-toto+json"));
	assert_false(oci_media_type_is_valid(NULL));
	assert_false(oci_media_type_is_valid("application"));
	assert_false(oci_media_type_is_valid("/json"));
	assert_false(oci_media_type_is_valid("application/"));
	assert_false(oci_media_type_is_valid("application/js on"));
	assert_false(oci_media_type_is_valid("a/b/c"));
	assert_int_equal(oci_layer_compression(OCI_MT_LAYER), OCI_COMPRESSION_NONE);
	assert_int_equal(oci_layer_compression(DOCKER_MT_LAYER_GZIP), OCI_COMPRESSION_GZIP);
	assert_int_equal(oci_layer_compression(OCI_MT_LAYER_ND_ZSTD), OCI_COMPRESSION_ZSTD);
	assert_int_equal(oci_layer_compression(OCI_MT_CONFIG), OCI_COMPRESSION_UNKNOWN);
	assert_true(oci_media_type_is_layer(DOCKER_MT_LAYER_FOREIGN_GZIP));
	assert_false(oci_media_type_is_layer(NULL));
}

#define CFG	 "\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" D1 "\",\"size\":1}"
#define LAYER(x) "{\"mediaType\":\"" OCI_MT_LAYER "\",\"digest\":\"" D2 "\",\"size\":" x "}"

static void test_parse_invalid(void **state)
{
	char *big;

	(void)state;
	parse_bad("{", NULL, -EINVAL, "manifest is not valid JSON");
	parse_bad("{\"schemaVersion\":2,\"schemaVersion\":2}", NULL, -EINVAL, "not valid JSON");
	parse_bad("{}", NULL, -EINVAL, "\"schemaVersion\" is missing");
	parse_bad("{\"schemaVersion\":\"2\"}", NULL, -EINVAL, "must be an integer");
	parse_bad("{\"schemaVersion\":3," CFG ",\"layers\":[]}", NULL, -EINVAL,
		  "schemaVersion 3 is not supported");
	parse_bad("{\"schemaVersion\":2}", NULL, -EINVAL, "says what kind");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL, -EINVAL,
		  "unsupported media type \"text/html\"");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":7}", NULL, -EINVAL,
		  "\"mediaType\" must be a string");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\"," CFG
		  ",\"layers\":[]}",
		  DOCKER_MT_MANIFEST, -EINVAL, "contradicts the Content-Type");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[]}", DOCKER_MT_MANIFEST, -EINVAL,
		  "must carry its \"mediaType\"");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\"," CFG
		  ",\"manifests\":[]}",
		  NULL, -EINVAL, "must not have \"config\"");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[],\"manifests\":[]}", OCI_MT_MANIFEST,
		  -EINVAL, "must not have \"manifests\"");
	parse_bad("{\"schemaVersion\":2,\"layers\":[]}", NULL, -EINVAL, "\"config\" is missing");
	parse_bad("{\"schemaVersion\":2," CFG "}", NULL, -EINVAL, "\"layers\" is missing");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":{}}", NULL, -EINVAL,
		  "\"layers\" must be an array");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("-1") "]}", NULL, -EINVAL,
		  "manifest: layers[0]: \"size\" is -1, outside 0..");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("1.5") "]}", NULL, -EINVAL,
		  "layers[0]: \"size\" must be an integer");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("1") ",{\"digest\":\"" D1
									 "\",\"size\":1}]}",
		  NULL, -EINVAL, "layers[1]: \"mediaType\" is missing");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D1
		  "\",\"size\":1}]}",
		  NULL, -EINVAL, "layers[0]: \"mediaType\" is not a valid media type");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":"
		  "\"sha256:00\",\"size\":1}]}",
		  NULL, -EINVAL, "layers[0]: invalid digest \"sha256:00\"");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"size\":1}]}",
		  NULL, -EINVAL, "layers[0]: \"digest\" is missing");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
		  "\"}]}",
		  NULL, -EINVAL, "layers[0]: \"size\" is missing");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[7]}", NULL, -EINVAL,
		  "layers[0] must be a descriptor object");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[],\"annotations\":{\"a\":1}}", NULL,
		  -EINVAL, "\"annotations\" value of \"a\" must be a string");
	parse_bad("{\"schemaVersion\":2," CFG ",\"layers\":[],\"subject\":{}}", NULL, -EINVAL,
		  "subject: \"mediaType\" is missing");
	parse_bad("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
		  "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
		  NULL, -EINVAL, "manifests[0]: \"architecture\" is missing");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST_LIST "\","
		  "\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1}]}",
		  NULL, -EINVAL, "lacks its \"platform\"");
	parse_bad("{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST_V1_SIGNED "\"}", NULL,
		  -ENOTSUP, "schema 1");

	/* hard limits */
	big = malloc(OCI_MANIFEST_MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, ' ', OCI_MANIFEST_MAX_SIZE + 1);
	big[OCI_MANIFEST_MAX_SIZE + 1] = '\0';
	parse_bad(big, NULL, -EFBIG, "more than the limit");
	strcpy(big, "{\"schemaVersion\":2," CFG ",\"layers\":[");
	for (int i = 0; i <= OCI_MANIFEST_MAX_LAYERS; i++)
		strcat(big + strlen(big) - 1, i ? "," LAYER("1") : LAYER("1"));
	strcat(big, "]}");
	parse_bad(big, NULL, -EINVAL, "\"layers\" has 1025 entries, more than the limit of 1024");
	free(big);
}

static void test_index_select(void **state)
{
	oci_manifest *m = parse_ok(oci_index, NULL);
	const oci_descriptor *d = NULL;
	oci_platform host = {0};
	berth_error err = {0};

	(void)state;
	assert_int_equal(m->kind, OCI_KIND_OCI_INDEX);
	assert_int_equal(m->n_manifests, 5);
	assert_int_equal(oci_index_select(m, "linux", "amd64", NULL, &d, NULL), 0);
	assert_int_equal(d->size, 2);
	assert_int_equal(oci_index_select(m, NULL, "x86_64", NULL, &d, NULL), 0);
	assert_int_equal(d->size, 2);
	assert_int_equal(oci_index_select(m, "linux", "arm", "v7", &d, NULL), 0);
	assert_int_equal(d->size, 3);
	assert_int_equal(oci_index_select(m, "linux", "armhf", NULL, &d, NULL), 0);
	assert_int_equal(d->size, 3);
	assert_int_equal(oci_index_select(m, "linux", "arm", "v6", &d, NULL), 0);
	assert_int_equal(d->size, 1);
	assert_int_equal(oci_index_select(m, "linux", "aarch64", NULL, &d, NULL), 0);
	assert_int_equal(d->size, 4);
	assert_int_equal(oci_index_select(m, "linux", "arm64", "v8", &d, NULL), 0);
	assert_int_equal(d->size, 4);
	assert_int_equal(oci_index_select(m, "linux", "arm", "v5", &d, &err), -ENOENT);
	assert_int_equal(oci_index_select(m, "windows", "amd64", NULL, &d, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no image for windows/amd64 in the index (it offers: "
					"linux/arm/v6, linux/amd64, linux/arm/v7"));

	/* the default is this machine */
	assert_int_equal(oci_platform_host(&host), 0);
	assert_string_equal(host.os, "linux");
	if (strcmp(host.architecture, "amd64") == 0) {
		assert_int_equal(oci_index_select(m, NULL, NULL, NULL, &d, NULL), 0);
		assert_int_equal(d->size, 2);
	}
	oci_platform_clear(&host);
	oci_platform_clear(NULL);
	oci_manifest_free(m);

	m = parse_ok(oci_manifest_doc, NULL);
	assert_int_equal(oci_index_select(m, NULL, NULL, NULL, &d, &err), -EINVAL);
	oci_manifest_free(m);
}

static void test_normalize_arch(void **state)
{
	const char *v = "x";

	(void)state;
	assert_string_equal(oci_platform_normalize_arch("x86_64", &v), "amd64");
	assert_null(v);
	assert_string_equal(oci_platform_normalize_arch("armv7l", &v), "arm");
	assert_string_equal(v, "v7");
	assert_string_equal(oci_platform_normalize_arch("aarch64", NULL), "arm64");
	assert_string_equal(oci_platform_normalize_arch("s390x", NULL), "s390x");
	assert_null(oci_platform_normalize_arch(NULL, NULL));
}

static void test_platform_parse(void **state)
{
	oci_platform p = {0};
	berth_error err = {0};

	(void)state;
	assert_int_equal(oci_platform_parse("linux/amd64", &p, NULL), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.architecture, "amd64");
	assert_null(p.variant);
	oci_platform_clear(&p);
	assert_int_equal(oci_platform_parse("linux/arm/v7", &p, NULL), 0);
	assert_string_equal(p.variant, "v7");
	oci_platform_clear(&p);
	assert_int_equal(oci_platform_parse("linux/x86_64", &p, NULL), 0);
	assert_string_equal(p.architecture, "amd64");
	oci_platform_clear(&p);
	assert_int_equal(oci_platform_parse("linux/armhf", &p, NULL), 0);
	assert_string_equal(p.architecture, "arm");
	assert_string_equal(p.variant, "v7");
	oci_platform_clear(&p);
	assert_int_equal(oci_platform_parse("linux", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid platform \"linux\": expected OS/ARCH[/VARIANT]"));
	assert_int_equal(oci_platform_parse("linux/", &p, &err), -EINVAL);
	assert_int_equal(oci_platform_parse("/amd64", &p, &err), -EINVAL);
	assert_int_equal(oci_platform_parse("linux/arm/v7/x", &p, &err), -EINVAL);
	assert_int_equal(oci_platform_parse("linux/am d64", &p, &err), -EINVAL);
	assert_int_equal(oci_platform_parse("", &p, &err), -EINVAL);
	assert_int_equal(oci_platform_parse(NULL, &p, &err), -EINVAL);
	assert_null(p.os);
}

static void test_kvs(void **state)
{
	oci_kvs a = {0}, b = {0};

	(void)state;
	assert_null(oci_kvs_get(&a, "x"));
	assert_int_equal(oci_kvs_set(&a, "x", "1"), 0);
	assert_int_equal(oci_kvs_set(&a, "y", "2"), 0);
	assert_int_equal(oci_kvs_set(&a, "x", "3"), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.items[0].key, "x");
	assert_string_equal(oci_kvs_get(&a, "x"), "3");
	assert_int_equal(oci_kvs_copy(&b, &a), 0);
	assert_int_equal(oci_kvs_unset(&a, "x"), 1);
	assert_int_equal(oci_kvs_unset(&a, "x"), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.items[0].key, "y");
	assert_string_equal(oci_kvs_get(&b, "x"), "3");
	oci_kvs_clear(&a);
	oci_kvs_clear(&b);
	oci_kvs_clear(NULL);
	assert_int_equal(a.n, 0);
	assert_null(a.items);
}

static void test_limits(void **state)
{
	oci_manifest *m = oci_manifest_new(OCI_KIND_OCI_INDEX);
	oci_descriptor d;
	berth_error err = {0};
	char *doc, *p;

	(void)state;
	assert_int_equal(oci_descriptor_init(&d, OCI_MT_MANIFEST, D1, 1, NULL), 0);
	for (int i = 0; i < OCI_INDEX_MAX_ENTRIES; i++)
		assert_int_equal(oci_manifest_add_entry(m, &d, NULL), 0);
	assert_int_equal(oci_manifest_add_entry(m, &d, &err), -EINVAL);
	assert_string_equal(err.msg, "manifest: more than 1024 index entries");
	oci_descriptor_clear(&d);
	oci_manifest_free(m);

	/* 257 annotations */
	doc = malloc(64 * 1024);
	assert_non_null(doc);
	p = doc + sprintf(doc, "{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{");
	for (int i = 0; i <= OCI_ANNOTATIONS_MAX; i++)
		p += sprintf(p, "%s\"k%d\":\"v\"", i ? "," : "", i);
	strcpy(p, "}}");
	parse_bad(doc, NULL, -EINVAL, "manifest: \"annotations\" has more than 256 entries");
	/* an annotation value above the size limit */
	free(doc);
	doc = malloc(OCI_ANNOTATION_VALUE_MAX + 128);
	assert_non_null(doc);
	p = doc + sprintf(doc, "{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"k\":\"");
	memset(p, 'a', OCI_ANNOTATION_VALUE_MAX + 1);
	strcpy(p + OCI_ANNOTATION_VALUE_MAX + 1, "\"}}");
	parse_bad(doc, NULL, -EINVAL, "entry \"k\" is too long");
	free(doc);
}

static void test_build_roundtrip(void **state)
{
	oci_manifest *m = oci_manifest_new(OCI_KIND_OCI_MANIFEST), *back = NULL;
	berth_error err = {0};
	char *json = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(oci_descriptor_init(&m->config, OCI_MT_CONFIG, D1, 10, NULL), 0);
	assert_int_equal(oci_manifest_add_layer(m, OCI_MT_LAYER_GZIP, D2, 20, NULL), 0);
	assert_int_equal(oci_manifest_add_layer(m, OCI_MT_LAYER_GZIP, "bad", 20, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "descriptor: invalid digest"));
	assert_int_equal(oci_manifest_add_layer(m, "bad", D2, 20, &err), -EINVAL);
	assert_int_equal(oci_manifest_add_layer(m, OCI_MT_LAYER, D2, -1, &err), -EINVAL);
	assert_int_equal(oci_manifest_add_entry(m, &m->config, &err), -EINVAL);
	assert_int_equal(oci_kvs_set(&m->annotations, "k", "v"), 0);
	assert_int_equal(oci_manifest_to_json(m, &json, &len, &err), 0);
	assert_string_equal(json,
			    "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\","
			    "\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" D1
			    "\",\"size\":10},"
			    "\"layers\":[{\"mediaType\":\"" OCI_MT_LAYER_GZIP "\",\"digest\":\"" D2
			    "\",\"size\":20}],\"annotations\":{\"k\":\"v\"}}");
	assert_int_equal(len, strlen(json));
	assert_int_equal(oci_manifest_parse(json, len, OCI_MT_MANIFEST, &back, NULL), 0);
	assert_int_equal(back->n_layers, 1);
	assert_int_equal(back->layers[0].size, 20);
	free(json);
	oci_manifest_free(back);

	/* text that JSON cannot hold */
	assert_int_equal(oci_kvs_set(&m->layers[0].annotations, "k", "\xfe"), 0);
	assert_int_equal(oci_manifest_to_json(m, &json, &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not valid UTF-8"));
	oci_kvs_clear(&m->layers[0].annotations);

	/* an unwritable manifest (config never filled) is refused by the self-check */
	oci_descriptor_clear(&m->config);
	assert_int_equal(oci_manifest_to_json(m, &json, &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "write manifest: manifest: config"));
	oci_manifest_free(m);

	/* an index */
	m = oci_manifest_new(OCI_KIND_DOCKER_LIST);
	{
		oci_descriptor d;

		assert_int_equal(oci_descriptor_init(&d, DOCKER_MT_MANIFEST, D3, 5, NULL), 0);
		assert_int_equal(oci_descriptor_set_platform(&d, "linux", "amd64", NULL), 0);
		assert_int_equal(oci_manifest_add_entry(m, &d, NULL), 0);
		assert_int_equal(oci_manifest_add_layer(m, OCI_MT_LAYER, D2, 1, &err), -EINVAL);
		oci_descriptor_clear(&d);
	}
	assert_int_equal(oci_manifest_to_json(m, &json, &len, NULL), 0);
	assert_non_null(strstr(json, "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}"));
	free(json);
	oci_manifest_free(m);
}

static void test_convert(void **state)
{
	oci_manifest *m = parse_ok(docker_manifest, NULL), *o = NULL, *d = NULL;
	berth_error err = {0};
	char *json = NULL;

	(void)state;
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_OCI_MANIFEST, &o, NULL), 0);
	assert_int_equal(o->kind, OCI_KIND_OCI_MANIFEST);
	assert_string_equal(o->media_type, OCI_MT_MANIFEST);
	assert_string_equal(o->config.media_type, OCI_MT_CONFIG);
	assert_string_equal(o->layers[0].media_type, OCI_MT_LAYER_GZIP);
	assert_string_equal(o->layers[1].media_type, OCI_MT_LAYER_ND_GZIP);
	assert_string_equal(o->layers[1].urls[0], "https://example.com/l");
	assert_int_equal(oci_manifest_to_json(o, &json, NULL, NULL), 0);
	free(json);
	/* and back */
	assert_int_equal(oci_manifest_convert(o, OCI_KIND_DOCKER_MANIFEST, &d, NULL), 0);
	assert_string_equal(d->config.media_type, DOCKER_MT_CONFIG);
	assert_string_equal(d->layers[1].media_type, DOCKER_MT_LAYER_FOREIGN_GZIP);
	oci_manifest_free(d);
	oci_manifest_free(o);
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_OCI_INDEX, &o, &err), -EINVAL);
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_UNKNOWN, &o, &err), -EINVAL);
	oci_manifest_free(m);

	/* zstd cannot go to Docker; annotations are dropped */
	m = parse_ok(oci_manifest_doc, NULL);
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_DOCKER_MANIFEST, &d, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "layer 1 has media type " OCI_MT_LAYER_ZSTD));
	free(m->layers[1].media_type);
	m->layers[1].media_type = strdup(OCI_MT_LAYER);
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_DOCKER_MANIFEST, &d, NULL), 0);
	assert_string_equal(d->layers[1].media_type, DOCKER_MT_LAYER);
	assert_int_equal(d->layers[1].annotations.n, 0);
	assert_int_equal(oci_manifest_to_json(d, &json, NULL, NULL), 0);
	assert_null(strstr(json, "annotations"));
	free(json);
	oci_manifest_free(d);
	oci_manifest_free(m);

	/* index → list keeps platforms; unknown entries refuse */
	m = parse_ok(oci_index, NULL);
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_DOCKER_LIST, &d, NULL), 0);
	assert_int_equal(d->n_manifests, 5);
	assert_string_equal(d->manifests[2].media_type, DOCKER_MT_MANIFEST);
	assert_string_equal(d->manifests[2].platform->variant, "v7");
	oci_manifest_free(d);
	free(m->manifests[0].media_type);
	m->manifests[0].media_type = strdup("application/vnd.in-toto+json");
	assert_int_equal(oci_manifest_convert(m, OCI_KIND_DOCKER_LIST, &d, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "manifests[0] is a application/vnd.in-toto+json"));
	oci_manifest_free(m);
}

static void test_descriptor_copy(void **state)
{
	oci_manifest *m = parse_ok(oci_index, NULL);
	oci_descriptor c;

	(void)state;
	assert_int_equal(oci_descriptor_copy(&c, &m->manifests[0]), 0);
	assert_string_equal(c.platform->variant, "v6");
	assert_string_equal(c.digest, D1);
	oci_descriptor_clear(&c);
	oci_descriptor_clear(NULL);
	oci_manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_oci),	   cmocka_unit_test(test_parse_docker),
	    cmocka_unit_test(test_detect),	   cmocka_unit_test(test_media_types),
	    cmocka_unit_test(test_parse_invalid),  cmocka_unit_test(test_index_select),
	    cmocka_unit_test(test_normalize_arch), cmocka_unit_test(test_build_roundtrip),
	    cmocka_unit_test(test_convert),	   cmocka_unit_test(test_descriptor_copy),
	    cmocka_unit_test(test_platform_parse), cmocka_unit_test(test_kvs),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
