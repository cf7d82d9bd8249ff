/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.c - parse and check the manifests clients push: OCI image manifests and indexes,
 * Docker schema2 manifests and manifest lists. The server stores the exact bytes; this only
 * extracts what it must check (the referenced digests) and what the referrers API reports.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "util/macro.h"

static bool known_type(const char *t)
{
	return strcmp(t, REG_MT_OCI_MANIFEST) == 0 || strcmp(t, REG_MT_OCI_INDEX) == 0 ||
	       strcmp(t, REG_MT_DOCKER_MANIFEST) == 0 || strcmp(t, REG_MT_DOCKER_LIST) == 0;
}

/* Content-Type may carry parameters ("...; charset=utf-8"): compare the type alone. */
static char *bare_type(const char *ct)
{
	size_t n = strcspn(ct, "; \t");
	return strndup(ct, n);
}

static int check_descriptor(json_t *d, const char *what, char hex[65], berth_error *err)
{
	json_t *digest = json_object_get(d, "digest"), *size = json_object_get(d, "size"),
	       *mt = json_object_get(d, "mediaType");

	if (!json_is_object(d))
		return berr(err, EINVAL, "%s is not a JSON object", what);
	if (!json_is_string(digest) || !reg_digest_parse(json_string_value(digest), hex))
		return berr(err, EINVAL, "%s has no valid sha256 digest", what);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return berr(err, EINVAL, "%s has no valid size", what);
	if (mt && !json_is_string(mt))
		return berr(err, EINVAL, "%s has a mediaType that is not a string", what);
	return 0;
}

static int add_ref(struct reg_manifest *m, const char *hex)
{
	char **n = realloc(m->refs, (m->n_refs + 2) * sizeof(char *));

	if (!n)
		return -ENOMEM;
	m->refs = n;
	m->refs[m->n_refs] = strdup(hex);
	if (!m->refs[m->n_refs])
		return -ENOMEM;
	m->refs[++m->n_refs] = NULL;
	return 0;
}

static int parse_json(json_t *root, const char *content_type, struct reg_manifest *m,
		      berth_error *err)
{
	json_t *sv = json_object_get(root, "schemaVersion"), *mt = json_object_get(root, "mediaType");
	json_t *config = json_object_get(root, "config"), *layers = json_object_get(root, "layers");
	json_t *manifests = json_object_get(root, "manifests"), *v;
	_cleanup_free_ char *ct = content_type ? bare_type(content_type) : NULL;
	const char *type = NULL;
	char hex[65], what[64];
	size_t i;
	int r;

	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return berr(err, EINVAL, "schemaVersion must be 2 (schema1 manifests are not supported)");
	if (mt && !json_is_string(mt))
		return berr(err, EINVAL, "mediaType is not a string");
	if (mt)
		type = json_string_value(mt);
	if (type && ct && known_type(ct) && strcmp(type, ct) != 0)
		return berr(err, EINVAL, "mediaType %s does not match the Content-Type %s", type, ct);
	if (!type && ct && known_type(ct))
		type = ct;
	if (!type)
		type = manifests ? REG_MT_OCI_INDEX : REG_MT_OCI_MANIFEST;
	if (!known_type(type))
		return berr(err, EINVAL, "unsupported manifest media type %s", type);
	m->media_type = strdup(type);
	if (!m->media_type)
		return -ENOMEM;
	m->is_index = strcmp(type, REG_MT_OCI_INDEX) == 0 || strcmp(type, REG_MT_DOCKER_LIST) == 0;

	if (m->is_index) {
		if (!json_is_array(manifests))
			return berr(err, EINVAL, "an index needs a \"manifests\" array");
		json_array_foreach(manifests, i, v) {
			snprintf(what, sizeof(what), "manifests[%zu]", i);
			r = check_descriptor(v, what, hex, err);
			if (r < 0)
				return r;
			if (add_ref(m, hex) < 0)
				return -ENOMEM;
		}
	} else {
		if (!json_is_object(config))
			return berr(err, EINVAL, "an image manifest needs a \"config\" descriptor");
		r = check_descriptor(config, "config", hex, err);
		if (r < 0)
			return r;
		if (add_ref(m, hex) < 0)
			return -ENOMEM;
		if (!json_is_array(layers))
			return berr(err, EINVAL, "an image manifest needs a \"layers\" array");
		json_array_foreach(layers, i, v) {
			snprintf(what, sizeof(what), "layers[%zu]", i);
			r = check_descriptor(v, what, hex, err);
			if (r < 0)
				return r;
			/* Foreign (non-distributable) layers live elsewhere: not required here. */
			if (json_array_size(json_object_get(v, "urls")) > 0)
				continue;
			if (add_ref(m, hex) < 0)
				return -ENOMEM;
		}
		json_t *cmt = json_object_get(config, "mediaType");
		if (json_is_string(cmt)) {
			m->artifact_type = strdup(json_string_value(cmt));
			if (!m->artifact_type)
				return -ENOMEM;
		}
	}

	json_t *at = json_object_get(root, "artifactType");
	if (at) {
		if (!json_is_string(at))
			return berr(err, EINVAL, "artifactType is not a string");
		free(m->artifact_type);
		m->artifact_type = strdup(json_string_value(at));
		if (!m->artifact_type)
			return -ENOMEM;
	}
	json_t *subject = json_object_get(root, "subject");
	if (subject) {
		r = check_descriptor(subject, "subject", m->subject, err);
		if (r < 0)
			return r;
	}
	json_t *ann = json_object_get(root, "annotations");
	if (ann) {
		if (!json_is_object(ann))
			return berr(err, EINVAL, "annotations is not an object");
		m->annotations = json_dumps(ann, JSON_COMPACT);
		if (!m->annotations)
			return -ENOMEM;
	}
	return 0;
}

int reg_manifest_parse(const char *data, size_t len, const char *content_type,
		       struct reg_manifest *m, berth_error *err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	json_error_t jerr;
	int r;

	memset(m, 0, sizeof(*m));
	if (len > REG_MANIFEST_MAX)
		return berr(err, EFBIG, "manifest is larger than %u bytes", REG_MANIFEST_MAX);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return berr(err, EINVAL, "manifest is not valid JSON: %s (line %d)", jerr.text,
			    jerr.line);
	if (!json_is_object(root))
		return berr(err, EINVAL, "manifest is not a JSON object");
	r = parse_json(root, content_type, m, err);
	if (r < 0) {
		reg_manifest_done(m);
		if (r == -ENOMEM)
			return berr(err, ENOMEM, "out of memory");
	}
	return r;
}

void reg_manifest_done(struct reg_manifest *m)
{
	free(m->media_type);
	strv_free(m->refs);
	free(m->artifact_type);
	free(m->annotations);
	memset(m, 0, sizeof(*m));
}
