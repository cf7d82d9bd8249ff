/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_manifest.c - libFuzzer target for manifests, indexes and image configs. Any input must
 * parse or fail with a message; what parses must serialize, re-parse and serialize to the same
 * bytes, convert between OCI and Docker without crashing, and survive platform selection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/image_config.h"
#include "oci/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
    NULL, OCI_MT_MANIFEST, OCI_MT_INDEX, DOCKER_MT_MANIFEST, DOCKER_MT_MANIFEST_LIST,
};

static void check_manifest(const uint8_t *data, size_t size, const char *ct)
{
	oci_manifest *m = NULL, *again = NULL, *conv = NULL;
	berth_error err = {0};
	const oci_descriptor *d;
	char *j1 = NULL, *j2 = NULL;
	size_t l1, l2;

	if (oci_manifest_parse(data, size, ct, &m, &err) < 0) {
		if (!err.msg[0])
			abort();
		return;
	}
	if (oci_manifest_to_json(m, &j1, &l1, NULL) < 0 ||
	    oci_manifest_parse(j1, l1, oci_manifest_kind_media_type(m->kind), &again, NULL) < 0 ||
	    oci_manifest_to_json(again, &j2, &l2, NULL) < 0 || l1 != l2 || memcmp(j1, j2, l1) != 0)
		abort();
	for (oci_manifest_kind k = OCI_KIND_OCI_MANIFEST; k <= OCI_KIND_DOCKER_LIST; k++) {
		char *j = NULL;

		if (oci_manifest_convert(m, k, &conv, NULL) < 0)
			continue;
		if (conv->kind != k || oci_manifest_to_json(conv, &j, NULL, NULL) < 0)
			abort();
		free(j);
		conv = oci_manifest_free(conv);
	}
	if (oci_manifest_kind_is_index(m->kind)) {
		(void)oci_index_select(m, NULL, NULL, NULL, &d, NULL);
		(void)oci_index_select(m, "linux", "arm", "v7", &d, NULL);
	}
	free(j1);
	free(j2);
	oci_manifest_free(again);
	oci_manifest_free(m);
}

static void check_config(const uint8_t *data, size_t size)
{
	oci_image_config *c = NULL, *again = NULL;
	berth_error err = {0};
	char *j1 = NULL, *j2 = NULL;
	size_t l1, l2;

	if (oci_image_config_parse(data, size, &c, &err) < 0) {
		if (!err.msg[0])
			abort();
		return;
	}
	if (oci_image_config_to_json(c, &j1, &l1, NULL) < 0 ||
	    oci_image_config_parse(j1, l1, &again, NULL) < 0 ||
	    oci_image_config_to_json(again, &j2, &l2, NULL) < 0 || l1 != l2 ||
	    memcmp(j1, j2, l1) != 0)
		abort();
	free(j1);
	free(j2);
	oci_image_config_free(again);
	oci_image_config_free(c);
}

static void check_change(const uint8_t *data, size_t size)
{
	oci_image_config *c = oci_image_config_new();
	char *s = malloc(size + 1), *j = NULL;

	if (!c || !s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	/* whatever a --change does, the config must still serialize */
	if (oci_image_config_apply_change(c, s, NULL) == 0 &&
	    oci_image_config_to_json(c, &j, NULL, NULL) < 0)
		abort();
	free(j);
	free(s);
	oci_image_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
		check_manifest(data, size, content_types[i]);
	check_config(data, size);
	check_change(data, size);
	return 0;
}
