/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.c - OCI/Docker manifests and indexes.
 *
 * Theory of operation: a document is loaded with jansson (duplicate keys refused: two parsers
 * reading different values from one manifest is how signature checks get bypassed), its kind is
 * decided from the mediaType field, the Content-Type and its shape, which must all agree, and
 * then each field is copied into plain C structs through typed readers with limits. Writing
 * goes the other way and re-parses its own output as a self-check.
 */
#include "oci/manifest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "oci/digest.h"
#include "oci/json-internal.h"
#include "oci/oci-internal.h"

#define CTX_MAX 96

static int oom(berth_error *err)
{
	return berr(err, ENOMEM, "out of memory");
}

/* ---- media types ---- */

static const struct {
	const char *media_type;
	oci_manifest_kind kind;
} kinds[] = {
    {OCI_MT_MANIFEST, OCI_KIND_OCI_MANIFEST},
    {OCI_MT_INDEX, OCI_KIND_OCI_INDEX},
    {DOCKER_MT_MANIFEST, OCI_KIND_DOCKER_MANIFEST},
    {DOCKER_MT_MANIFEST_LIST, OCI_KIND_DOCKER_LIST},
};

oci_manifest_kind oci_manifest_kind_from_media_type(const char *media_type)
{
	for (size_t i = 0; media_type && i < ELEMENTSOF(kinds); i++)
		if (strcasecmp(media_type, kinds[i].media_type) == 0)
			return kinds[i].kind;
	return OCI_KIND_UNKNOWN;
}

const char *oci_manifest_kind_media_type(oci_manifest_kind kind)
{
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].media_type;
	return NULL;
}

bool oci_manifest_kind_is_index(oci_manifest_kind kind)
{
	return kind == OCI_KIND_OCI_INDEX || kind == OCI_KIND_DOCKER_LIST;
}

/* RFC 6838 restricted-name characters */
static bool is_mt_char(char c)
{
	return isalnum((unsigned char)c) || strchr("!#$&-^_.+", c);
}

bool oci_media_type_is_valid(const char *mt)
{
	const char *slash;
	size_t len;

	if (!mt)
		return false;
	len = strnlen(mt, OCI_MEDIA_TYPE_MAX + 1);
	slash = strchr(mt, '/');
	if (len > OCI_MEDIA_TYPE_MAX || !slash || slash == mt || !slash[1])
		return false;
	if (!isalnum((unsigned char)mt[0]) || !isalnum((unsigned char)slash[1]))
		return false;
	for (const char *p = mt; *p; p++)
		if (p != slash && !is_mt_char(*p))
			return false;
	return true;
}

static const struct {
	const char *media_type;
	oci_compression compression;
} layer_types[] = {
    {OCI_MT_LAYER, OCI_COMPRESSION_NONE},
    {OCI_MT_LAYER_GZIP, OCI_COMPRESSION_GZIP},
    {OCI_MT_LAYER_ZSTD, OCI_COMPRESSION_ZSTD},
    {OCI_MT_LAYER_ND, OCI_COMPRESSION_NONE},
    {OCI_MT_LAYER_ND_GZIP, OCI_COMPRESSION_GZIP},
    {OCI_MT_LAYER_ND_ZSTD, OCI_COMPRESSION_ZSTD},
    {DOCKER_MT_LAYER, OCI_COMPRESSION_NONE},
    {DOCKER_MT_LAYER_GZIP, OCI_COMPRESSION_GZIP},
    {DOCKER_MT_LAYER_FOREIGN_GZIP, OCI_COMPRESSION_GZIP},
};

oci_compression oci_layer_compression(const char *media_type)
{
	for (size_t i = 0; media_type && i < ELEMENTSOF(layer_types); i++)
		if (strcmp(media_type, layer_types[i].media_type) == 0)
			return layer_types[i].compression;
	return OCI_COMPRESSION_UNKNOWN;
}

bool oci_media_type_is_layer(const char *media_type)
{
	return oci_layer_compression(media_type) != OCI_COMPRESSION_UNKNOWN;
}

/* ---- freeing and copying ---- */

void oci_platform_clear(oci_platform *p)
{
	if (!p)
		return;
	free(p->architecture);
	free(p->os);
	free(p->variant);
	free(p->os_version);
	strv_free(p->os_features);
	memset(p, 0, sizeof(*p));
}

void oci_descriptor_clear(oci_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	strv_free(d->urls);
	oci_kvs_clear(&d->annotations);
	oci_platform_clear(d->platform);
	free(d->platform);
	free(d->artifact_type);
	memset(d, 0, sizeof(*d));
}

static int dup_opt(char **dst, const char *src)
{
	if (!src) {
		*dst = NULL;
		return 0;
	}
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int platform_copy(oci_platform *dst, const oci_platform *src)
{
	if (dup_opt(&dst->architecture, src->architecture) < 0 || dup_opt(&dst->os, src->os) < 0 ||
	    dup_opt(&dst->variant, src->variant) < 0 ||
	    dup_opt(&dst->os_version, src->os_version) < 0 ||
	    oci_strv_dup(src->os_features, &dst->os_features) < 0) {
		oci_platform_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

int oci_descriptor_copy(oci_descriptor *dst, const oci_descriptor *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->size = src->size;
	if (dup_opt(&dst->media_type, src->media_type) < 0 ||
	    dup_opt(&dst->digest, src->digest) < 0 || oci_strv_dup(src->urls, &dst->urls) < 0 ||
	    oci_kvs_copy(&dst->annotations, &src->annotations) < 0 ||
	    dup_opt(&dst->artifact_type, src->artifact_type) < 0)
		goto fail;
	if (src->platform) {
		dst->platform = calloc(1, sizeof(*dst->platform));
		if (!dst->platform || platform_copy(dst->platform, src->platform) < 0)
			goto fail;
	}
	return 0;
fail:
	oci_descriptor_clear(dst);
	return -ENOMEM;
}

static void descriptors_free(oci_descriptor *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		oci_descriptor_clear(&v[i]);
	free(v);
}

oci_manifest *oci_manifest_free(oci_manifest *m)
{
	if (!m)
		return NULL;
	free(m->media_type);
	free(m->artifact_type);
	oci_descriptor_clear(&m->config);
	descriptors_free(m->layers, m->n_layers);
	descriptors_free(m->manifests, m->n_manifests);
	oci_descriptor_clear(m->subject);
	free(m->subject);
	oci_kvs_clear(&m->annotations);
	free(m);
	return NULL;
}

oci_manifest *oci_manifest_new(oci_manifest_kind kind)
{
	oci_manifest *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->kind = kind;
	if (dup_opt(&m->media_type, oci_manifest_kind_media_type(kind)) < 0)
		return oci_manifest_free(m);
	return m;
}

/* ---- parsing ---- */

static int parse_platform(json_t *o, const char *ctx, oci_platform **ret, berth_error *err)
{
	oci_platform *p;
	int r;

	if (!json_is_object(o))
		return berr(err, EINVAL, "%s: \"platform\" must be an object", ctx);
	p = calloc(1, sizeof(*p));
	if (!p)
		return oom(err);
	if ((r = oci_json_str(o, "architecture", true, OCI_PLATFORM_FIELD_MAX, &p->architecture,
			      ctx, err)) < 0 ||
	    (r = oci_json_str(o, "os", true, OCI_PLATFORM_FIELD_MAX, &p->os, ctx, err)) < 0 ||
	    (r = oci_json_str(o, "variant", false, OCI_PLATFORM_FIELD_MAX, &p->variant, ctx, err)) <
		0 ||
	    (r = oci_json_str(o, "os.version", false, OCI_PLATFORM_FIELD_MAX, &p->os_version, ctx,
			      err)) < 0 ||
	    (r = oci_json_strv(o, "os.features", OCI_PLATFORM_FEATURES_MAX, OCI_PLATFORM_FIELD_MAX,
			       &p->os_features, ctx, err)) < 0) {
		oci_platform_clear(p);
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int parse_media_type(json_t *o, const char *key, bool required, char **ret, const char *ctx,
			    berth_error *err)
{
	int r = oci_json_str(o, key, required, OCI_MEDIA_TYPE_MAX, ret, ctx, err);

	if (r < 0)
		return r;
	if (*ret && !oci_media_type_is_valid(*ret)) {
		r = berr(err, EINVAL, "%s: \"%s\" is not a valid media type: \"%.100s\"", ctx, key,
			 *ret);
		free(*ret);
		*ret = NULL;
	}
	return r;
}

static int parse_descriptor(json_t *o, const char *ctx, oci_descriptor *d, berth_error *err)
{
	json_t *platform;
	int64_t size = -1;
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return berr(err, EINVAL, "%s must be a descriptor object", ctx);
	if ((r = parse_media_type(o, "mediaType", true, &d->media_type, ctx, err)) < 0)
		goto fail;
	if ((r = oci_json_str(o, "digest", true, OCI_DIGEST_MAX_LEN + 32, &d->digest, ctx, err)) <
	    0)
		goto fail;
	if ((r = oci_digest_validate(d->digest, err)) < 0) {
		berr_prefix(err, "%s", ctx);
		goto fail;
	}
	if ((r = oci_json_int(o, "size", 0, INT64_MAX, &size, ctx, err)) < 0)
		goto fail;
	if (r == 0) {
		r = berr(err, EINVAL, "%s: \"size\" is missing", ctx);
		goto fail;
	}
	d->size = size;
	if ((r = oci_json_strv(o, "urls", OCI_DESCRIPTOR_URLS_MAX, OCI_URL_MAX, &d->urls, ctx,
			       err)) < 0 ||
	    (r = oci_json_kvs(o, "annotations", OCI_ANNOTATIONS_MAX, OCI_ANNOTATION_KEY_MAX,
			      OCI_ANNOTATION_VALUE_MAX, &d->annotations, ctx, err)) < 0 ||
	    (r = parse_media_type(o, "artifactType", false, &d->artifact_type, ctx, err)) < 0)
		goto fail;
	platform = json_object_get(o, "platform");
	if (platform && !json_is_null(platform) &&
	    (r = parse_platform(platform, ctx, &d->platform, err)) < 0)
		goto fail;
	return 0;
fail:
	oci_descriptor_clear(d);
	return r;
}

static int parse_descriptor_array(json_t *root, const char *key, size_t max, oci_descriptor **ret,
				  size_t *ret_n, berth_error *err)
{
	json_t *arr = json_object_get(root, key);
	oci_descriptor *v;
	size_t n;

	if (!json_is_array(arr))
		return berr(err, EINVAL, "manifest: \"%s\" %s", key,
			    arr ? "must be an array" : "is missing");
	n = json_array_size(arr);
	if (n > max)
		return berr(err, EINVAL,
			    "manifest: \"%s\" has %zu entries, more than the limit of %zu", key, n,
			    max);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return oom(err);
	for (size_t i = 0; i < n; i++) {
		char ctx[CTX_MAX];
		int r;

		snprintf(ctx, sizeof(ctx), "manifest: %s[%zu]", key, i);
		r = parse_descriptor(json_array_get(arr, i), ctx, &v[i], err);
		if (r < 0) {
			descriptors_free(v, i);
			return r;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Content-Type without parameters, lowercased; NULL for generic types that say nothing. */
static void normalize_content_type(const char *ct, char out[OCI_MEDIA_TYPE_MAX + 1])
{
	size_t n = 0;

	out[0] = '\0';
	if (!ct)
		return;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t' && n < OCI_MEDIA_TYPE_MAX) {
		out[n] = (char)tolower((unsigned char)ct[n]);
		n++;
	}
	out[n] = '\0';
	if (strcmp(out, "application/json") == 0 || strcmp(out, "application/octet-stream") == 0 ||
	    strcmp(out, "text/plain") == 0)
		out[0] = '\0';
}

static bool is_schema1(const char *mt)
{
	return mt && (strcasecmp(mt, DOCKER_MT_MANIFEST_V1) == 0 ||
		      strcasecmp(mt, DOCKER_MT_MANIFEST_V1_SIGNED) == 0);
}

static int schema1_refused(berth_error *err)
{
	return berr(err, ENOTSUP,
		    "manifest is Docker schema 1, which berth does not support; ask the image's "
		    "publisher for a schema 2 or OCI image");
}

static int detect_kind(json_t *root, const char *content_type, oci_manifest_kind *ret,
		       berth_error *err)
{
	char ct[OCI_MEDIA_TYPE_MAX + 1];
	json_t *sv = json_object_get(root, "schemaVersion");
	json_t *jmt = json_object_get(root, "mediaType");
	const char *field = NULL, *mt;
	oci_manifest_kind kind;
	bool has_manifests = json_object_get(root, "manifests") != NULL;
	bool has_image = json_object_get(root, "config") || json_object_get(root, "layers");

	normalize_content_type(content_type, ct);
	if (!sv)
		return berr(err, EINVAL, "manifest: \"schemaVersion\" is missing");
	if (!json_is_integer(sv))
		return berr(err, EINVAL, "manifest: \"schemaVersion\" must be an integer");
	if (json_integer_value(sv) == 1 || is_schema1(ct))
		return schema1_refused(err);
	if (json_integer_value(sv) != 2)
		return berr(err, EINVAL,
			    "manifest: schemaVersion %lld is not supported; expected 2",
			    (long long)json_integer_value(sv));
	if (jmt && !json_is_null(jmt)) {
		if (!json_is_string(jmt))
			return berr(err, EINVAL, "manifest: \"mediaType\" must be a string");
		field = json_string_value(jmt);
	}
	if (field && ct[0] && strcasecmp(field, ct) != 0)
		return berr(err, EINVAL,
			    "manifest: its mediaType \"%.100s\" contradicts the Content-Type "
			    "\"%s\" it was served with",
			    field, ct);
	mt = field ? field : ct[0] ? ct : NULL;
	if (mt) {
		kind = oci_manifest_kind_from_media_type(mt);
		if (is_schema1(mt))
			return schema1_refused(err);
		if (kind == OCI_KIND_UNKNOWN)
			return berr(err, EINVAL,
				    "manifest: unsupported media type \"%.100s\"; berth reads OCI "
				    "manifests and indexes and Docker schema 2 manifests and lists",
				    mt);
		if (!field && (kind == OCI_KIND_DOCKER_MANIFEST || kind == OCI_KIND_DOCKER_LIST))
			return berr(err, EINVAL,
				    "manifest: a Docker schema 2 document must carry its "
				    "\"mediaType\" field");
	} else if (has_manifests) {
		kind = OCI_KIND_OCI_INDEX;
	} else if (has_image) {
		kind = OCI_KIND_OCI_MANIFEST;
	} else {
		return berr(
		    err, EINVAL,
		    "manifest: neither \"mediaType\", \"config\" nor \"manifests\" says what "
		    "kind of document this is");
	}
	if (oci_manifest_kind_is_index(kind) && has_image)
		return berr(err, EINVAL,
			    "manifest: an index (%s) must not have \"config\" or \"layers\"",
			    oci_manifest_kind_media_type(kind));
	if (!oci_manifest_kind_is_index(kind) && has_manifests)
		return berr(err, EINVAL,
			    "manifest: an image manifest (%s) must not have "
			    "\"manifests\"",
			    oci_manifest_kind_media_type(kind));
	*ret = kind;
	return 0;
}

int oci_manifest_detect(const void *data, size_t len, const char *content_type,
			oci_manifest_kind *ret, berth_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	int r;

	if (len > OCI_MANIFEST_MAX_SIZE)
		return berr(err, EFBIG, "manifest is %zu bytes, more than the limit of %d", len,
			    OCI_MANIFEST_MAX_SIZE);
	r = oci_json_load(data, len, "manifest", &root, err);
	if (r < 0)
		return r;
	return detect_kind(root, content_type, ret, err);
}

static bool is_oci(oci_manifest_kind kind)
{
	return kind == OCI_KIND_OCI_MANIFEST || kind == OCI_KIND_OCI_INDEX;
}

int oci_manifest_parse(const void *data, size_t len, const char *content_type, oci_manifest **ret,
		       berth_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_(oci_manifest_freep) oci_manifest *m = NULL;
	oci_manifest_kind kind;
	int r;

	if (len > OCI_MANIFEST_MAX_SIZE)
		return berr(err, EFBIG, "manifest is %zu bytes, more than the limit of %d", len,
			    OCI_MANIFEST_MAX_SIZE);
	if ((r = oci_json_load(data, len, "manifest", &root, err)) < 0)
		return r;
	if ((r = detect_kind(root, content_type, &kind, err)) < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return oom(err);
	m->kind = kind;
	if ((r = oci_json_str(root, "mediaType", false, OCI_MEDIA_TYPE_MAX, &m->media_type,
			      "manifest", err)) < 0)
		return r;
	if (oci_manifest_kind_is_index(kind)) {
		r = parse_descriptor_array(root, "manifests", OCI_INDEX_MAX_ENTRIES, &m->manifests,
					   &m->n_manifests, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < m->n_manifests; i++)
			if (kind == OCI_KIND_DOCKER_LIST && !m->manifests[i].platform)
				return berr(err, EINVAL,
					    "manifest: manifests[%zu] of a Docker manifest list "
					    "lacks its \"platform\"",
					    i);
	} else {
		json_t *cfg = json_object_get(root, "config");

		if (!cfg)
			return berr(err, EINVAL, "manifest: \"config\" is missing");
		if ((r = parse_descriptor(cfg, "manifest: config", &m->config, err)) < 0)
			return r;
		r = parse_descriptor_array(root, "layers", OCI_MANIFEST_MAX_LAYERS, &m->layers,
					   &m->n_layers, err);
		if (r < 0)
			return r;
	}
	if (is_oci(kind)) {
		json_t *subject = json_object_get(root, "subject");

		if ((r = parse_media_type(root, "artifactType", false, &m->artifact_type,
					  "manifest", err)) < 0 ||
		    (r = oci_json_kvs(root, "annotations", OCI_ANNOTATIONS_MAX,
				      OCI_ANNOTATION_KEY_MAX, OCI_ANNOTATION_VALUE_MAX,
				      &m->annotations, "manifest", err)) < 0)
			return r;
		if (subject && !json_is_null(subject)) {
			m->subject = calloc(1, sizeof(*m->subject));
			if (!m->subject)
				return oom(err);
			if ((r = parse_descriptor(subject, "manifest: subject", m->subject, err)) <
			    0)
				return r;
		}
	}
	*ret = TAKE_PTR(m);
	return 0;
}

/* ---- building ---- */

int oci_descriptor_init(oci_descriptor *d, const char *media_type, const char *digest, int64_t size,
			berth_error *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	if (!oci_media_type_is_valid(media_type))
		return berr(err, EINVAL, "descriptor: \"%.100s\" is not a valid media type",
			    media_type ? media_type : "");
	if ((r = oci_digest_validate(digest, err)) < 0)
		return oci_err_prefix(r, err, "descriptor");
	if (size < 0)
		return berr(err, EINVAL, "descriptor %s: size %lld is negative", digest,
			    (long long)size);
	d->media_type = strdup(media_type);
	d->digest = strdup(digest);
	d->size = size;
	if (!d->media_type || !d->digest) {
		oci_descriptor_clear(d);
		return oom(err);
	}
	return 0;
}

int oci_descriptor_set_platform(oci_descriptor *d, const char *os, const char *architecture,
				const char *variant)
{
	oci_platform *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (dup_opt(&p->os, os) < 0 || dup_opt(&p->architecture, architecture) < 0 ||
	    dup_opt(&p->variant, variant) < 0) {
		oci_platform_clear(p);
		free(p);
		return -ENOMEM;
	}
	oci_platform_clear(d->platform);
	free(d->platform);
	d->platform = p;
	return 0;
}

static int append_descriptor(oci_descriptor **v, size_t *n, size_t max, const char *what,
			     oci_descriptor *d, berth_error *err)
{
	oci_descriptor *nv;

	if (*n >= max) {
		oci_descriptor_clear(d);
		return berr(err, EINVAL, "manifest: more than %zu %s", max, what);
	}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		oci_descriptor_clear(d);
		return oom(err);
	}
	nv[*n] = *d;
	*v = nv;
	(*n)++;
	return 0;
}

int oci_manifest_add_layer(oci_manifest *m, const char *media_type, const char *digest,
			   int64_t size, berth_error *err)
{
	oci_descriptor d;
	int r;

	if (oci_manifest_kind_is_index(m->kind))
		return berr(err, EINVAL, "manifest: an index has no layers");
	r = oci_descriptor_init(&d, media_type, digest, size, err);
	if (r < 0)
		return r;
	return append_descriptor(&m->layers, &m->n_layers, OCI_MANIFEST_MAX_LAYERS, "layers", &d,
				 err);
}

int oci_manifest_add_entry(oci_manifest *m, const oci_descriptor *src, berth_error *err)
{
	oci_descriptor d;

	if (!oci_manifest_kind_is_index(m->kind))
		return berr(err, EINVAL, "manifest: an image manifest has no entries");
	if (oci_descriptor_copy(&d, src) < 0)
		return oom(err);
	return append_descriptor(&m->manifests, &m->n_manifests, OCI_INDEX_MAX_ENTRIES,
				 "index entries", &d, err);
}

static json_t *platform_to_json(const oci_platform *p)
{
	json_t *o = json_object();

	if (!o || oci_json_put_str(o, "architecture", p->architecture) < 0 ||
	    oci_json_put_str(o, "os", p->os) < 0 ||
	    oci_json_put_str(o, "os.version", p->os_version) < 0 ||
	    oci_json_put_strv(o, "os.features", p->os_features) < 0 ||
	    oci_json_put_str(o, "variant", p->variant) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *descriptor_to_json(const oci_descriptor *d, bool oci)
{
	json_t *o = json_object();

	if (!o || oci_json_put_str(o, "mediaType", d->media_type) < 0 ||
	    oci_json_put_str(o, "digest", d->digest) < 0 ||
	    oci_json_put_int(o, "size", d->size) < 0 || oci_json_put_strv(o, "urls", d->urls) < 0 ||
	    (oci && oci_json_put_kvs(o, "annotations", &d->annotations) < 0))
		goto fail;
	if (d->platform && json_object_set_new(o, "platform", platform_to_json(d->platform)) < 0)
		goto fail;
	if (oci && oci_json_put_str(o, "artifactType", d->artifact_type) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int put_descriptors(json_t *root, const char *key, const oci_descriptor *v, size_t n,
			   bool oci)
{
	json_t *arr = json_array();

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, descriptor_to_json(&v[i], oci)) < 0) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	return json_object_set_new(root, key, arr) < 0 ? -ENOMEM : 0;
}

static bool descriptor_utf8_valid(const oci_descriptor *d)
{
	const oci_platform *p = d->platform;

	return oci_utf8_valid(d->media_type) && oci_utf8_valid(d->digest) &&
	       oci_utf8_valid_strv(d->urls) && oci_utf8_valid_kvs(&d->annotations) &&
	       oci_utf8_valid(d->artifact_type) &&
	       (!p || (oci_utf8_valid(p->architecture) && oci_utf8_valid(p->os) &&
		       oci_utf8_valid(p->variant) && oci_utf8_valid(p->os_version) &&
		       oci_utf8_valid_strv(p->os_features)));
}

static bool manifest_utf8_valid(const oci_manifest *m)
{
	if (!oci_utf8_valid(m->artifact_type) || !oci_utf8_valid_kvs(&m->annotations) ||
	    !descriptor_utf8_valid(&m->config) ||
	    (m->subject && !descriptor_utf8_valid(m->subject)))
		return false;
	for (size_t i = 0; i < m->n_layers; i++)
		if (!descriptor_utf8_valid(&m->layers[i]))
			return false;
	for (size_t i = 0; i < m->n_manifests; i++)
		if (!descriptor_utf8_valid(&m->manifests[i]))
			return false;
	return true;
}

int oci_manifest_to_json(const oci_manifest *m, char **ret, size_t *ret_len, berth_error *err)
{
	_cleanup_json_ json_t *root = json_object();
	_cleanup_free_ char *s = NULL;
	oci_manifest *check = NULL;
	bool oci = is_oci(m->kind);
	size_t len;
	int r;

	if (m->kind == OCI_KIND_UNKNOWN)
		return berr(err, EINVAL, "manifest: cannot write a manifest of unknown kind");
	if (!manifest_utf8_valid(m))
		return berr(err, EINVAL,
			    "write manifest: a field or annotation is not valid UTF-8");
	if (!root || oci_json_put_int(root, "schemaVersion", 2) < 0 ||
	    oci_json_put_str(root, "mediaType", oci_manifest_kind_media_type(m->kind)) < 0 ||
	    (oci && oci_json_put_str(root, "artifactType", m->artifact_type) < 0))
		return oom(err);
	if (oci_manifest_kind_is_index(m->kind)) {
		if (put_descriptors(root, "manifests", m->manifests, m->n_manifests, oci) < 0)
			return oom(err);
	} else {
		if (json_object_set_new(root, "config", descriptor_to_json(&m->config, oci)) < 0 ||
		    put_descriptors(root, "layers", m->layers, m->n_layers, oci) < 0)
			return oom(err);
	}
	if (oci && m->subject &&
	    json_object_set_new(root, "subject", descriptor_to_json(m->subject, oci)) < 0)
		return oom(err);
	if (oci && oci_json_put_kvs(root, "annotations", &m->annotations) < 0)
		return oom(err);
	if ((r = oci_json_dump(root, &s, &len, err)) < 0)
		return r;
	r = oci_manifest_parse(s, len, NULL, &check, err);
	oci_manifest_free(check);
	if (r < 0)
		return oci_err_prefix(r, err, "write manifest");
	*ret = TAKE_PTR(s);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* ---- conversion ---- */

static const struct {
	const char *oci;
	const char *docker;
} mt_map[] = {
    {OCI_MT_MANIFEST, DOCKER_MT_MANIFEST}, {OCI_MT_INDEX, DOCKER_MT_MANIFEST_LIST},
    {OCI_MT_CONFIG, DOCKER_MT_CONFIG},	   {OCI_MT_LAYER_GZIP, DOCKER_MT_LAYER_GZIP},
    {OCI_MT_LAYER, DOCKER_MT_LAYER},	   {OCI_MT_LAYER_ND_GZIP, DOCKER_MT_LAYER_FOREIGN_GZIP},
};

/* the media type @mt in the other format; NULL when Docker has no equivalent */
static const char *map_media_type(const char *mt, bool to_docker)
{
	for (size_t i = 0; i < ELEMENTSOF(mt_map); i++) {
		if (strcmp(mt, to_docker ? mt_map[i].oci : mt_map[i].docker) == 0)
			return to_docker ? mt_map[i].docker : mt_map[i].oci;
		if (strcmp(mt, to_docker ? mt_map[i].docker : mt_map[i].oci) == 0)
			return mt;
	}
	return to_docker ? NULL : mt;
}

static int convert_descriptor(oci_descriptor *d, bool to_docker, const char *what, berth_error *err)
{
	const char *mt = map_media_type(d->media_type, to_docker);
	char *n;

	if (!mt)
		return berr(err, ENOTSUP,
			    "convert manifest: %s has media type %s, which a Docker schema 2 "
			    "manifest cannot carry; use the OCI format",
			    what, d->media_type);
	if (to_docker) {
		oci_kvs_clear(&d->annotations);
		free(d->artifact_type);
		d->artifact_type = NULL;
	}
	if (mt == d->media_type)
		return 0;
	n = strdup(mt);
	if (!n)
		return oom(err);
	free(d->media_type);
	d->media_type = n;
	return 0;
}

int oci_manifest_convert(const oci_manifest *m, oci_manifest_kind to, oci_manifest **ret,
			 berth_error *err)
{
	_cleanup_(oci_manifest_freep) oci_manifest *n = NULL;
	bool to_docker = !is_oci(to);
	char what[64];
	int r;

	if (to == OCI_KIND_UNKNOWN ||
	    oci_manifest_kind_is_index(to) != oci_manifest_kind_is_index(m->kind))
		return berr(err, EINVAL, "convert manifest: cannot turn %s into %s",
			    oci_manifest_kind_media_type(m->kind) ?: "an unknown document",
			    oci_manifest_kind_media_type(to) ?: "an unknown kind");
	if (to_docker && (m->subject || m->artifact_type))
		return berr(err, ENOTSUP,
			    "convert manifest: it has a subject or artifactType, which Docker "
			    "schema 2 cannot carry; use the OCI format");
	n = oci_manifest_new(to);
	if (!n)
		return oom(err);
	if (!to_docker) {
		if (oci_kvs_copy(&n->annotations, &m->annotations) < 0 ||
		    dup_opt(&n->artifact_type, m->artifact_type) < 0)
			return oom(err);
		if (m->subject) {
			n->subject = calloc(1, sizeof(*n->subject));
			if (!n->subject || oci_descriptor_copy(n->subject, m->subject) < 0)
				return oom(err);
		}
	}
	if (oci_manifest_kind_is_index(to)) {
		n->manifests = calloc(m->n_manifests ? m->n_manifests : 1, sizeof(*n->manifests));
		if (!n->manifests)
			return oom(err);
		for (size_t i = 0; i < m->n_manifests; i++) {
			if (oci_descriptor_copy(&n->manifests[i], &m->manifests[i]) < 0)
				return oom(err);
			n->n_manifests++;
			snprintf(what, sizeof(what), "manifests[%zu]", i);
			if (oci_manifest_kind_from_media_type(n->manifests[i].media_type) ==
			    OCI_KIND_UNKNOWN)
				return berr(err, ENOTSUP,
					    "convert manifest: %s is a %s, not an image manifest",
					    what, n->manifests[i].media_type);
			if (to_docker && !n->manifests[i].platform)
				return berr(err, ENOTSUP,
					    "convert manifest: %s has no platform, which a Docker "
					    "manifest list requires",
					    what);
			if ((r = convert_descriptor(&n->manifests[i], to_docker, what, err)) < 0)
				return r;
		}
		*ret = TAKE_PTR(n);
		return 0;
	}
	if (oci_descriptor_copy(&n->config, &m->config) < 0)
		return oom(err);
	if ((r = convert_descriptor(&n->config, to_docker, "the config", err)) < 0)
		return r;
	n->layers = calloc(m->n_layers ? m->n_layers : 1, sizeof(*n->layers));
	if (!n->layers)
		return oom(err);
	for (size_t i = 0; i < m->n_layers; i++) {
		if (oci_descriptor_copy(&n->layers[i], &m->layers[i]) < 0)
			return oom(err);
		n->n_layers++;
		snprintf(what, sizeof(what), "layer %zu", i);
		if ((r = convert_descriptor(&n->layers[i], to_docker, what, err)) < 0)
			return r;
	}
	*ret = TAKE_PTR(n);
	return 0;
}

/* ---- platforms ---- */

static const struct {
	const char *name;
	const char *arch;
	const char *variant;
} arch_map[] = {
    {"x86_64", "amd64", NULL},	  {"x86-64", "amd64", NULL}, {"i386", "386", NULL},
    {"i486", "386", NULL},	  {"i586", "386", NULL},     {"i686", "386", NULL},
    {"aarch64", "arm64", NULL},	  {"armhf", "arm", "v7"},    {"armel", "arm", "v6"},
    {"armv7l", "arm", "v7"},	  {"armv7", "arm", "v7"},    {"armv6l", "arm", "v6"},
    {"armv6", "arm", "v6"},	  {"armv5tel", "arm", "v5"}, {"armv5l", "arm", "v5"},
    {"ppc64el", "ppc64le", NULL},
};

const char *oci_platform_normalize_arch(const char *arch, const char **ret_variant)
{
	if (ret_variant)
		*ret_variant = NULL;
	for (size_t i = 0; arch && i < ELEMENTSOF(arch_map); i++) {
		if (strcasecmp(arch, arch_map[i].name) == 0) {
			if (ret_variant)
				*ret_variant = arch_map[i].variant;
			return arch_map[i].arch;
		}
	}
	return arch;
}

int oci_platform_host(oci_platform *ret)
{
	struct utsname u;
	const char *arch, *variant = NULL;

	memset(ret, 0, sizeof(*ret));
	if (uname(&u) < 0)
		strcpy(u.machine, "x86_64");
	arch = oci_platform_normalize_arch(u.machine, &variant);
	if (dup_opt(&ret->os, "linux") < 0 || dup_opt(&ret->architecture, arch) < 0 ||
	    dup_opt(&ret->variant, variant) < 0) {
		oci_platform_clear(ret);
		return -ENOMEM;
	}
	return 0;
}

static bool platform_part_is_valid(const char *s, size_t n)
{
	if (n == 0 || n > OCI_PLATFORM_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

int oci_platform_parse(const char *s, oci_platform *ret, berth_error *err)
{
	const char *parts[3] = {0};
	size_t lens[3] = {0}, n = 0;
	const char *p = s, *arch, *implied = NULL;
	_cleanup_free_ char *archbuf = NULL;
	oci_platform out = {0};

	if (!s || !*s)
		return berr(err, EINVAL,
			    "invalid platform \"\": expected OS/ARCH[/VARIANT], e.g. "
			    "linux/amd64");
	for (;;) {
		size_t len = strcspn(p, "/");

		if (n == 3 || !platform_part_is_valid(p, len))
			return berr(err, EINVAL,
				    "invalid platform \"%.100s\": expected OS/ARCH[/VARIANT], e.g. "
				    "linux/arm64 or linux/arm/v7",
				    s);
		parts[n] = p;
		lens[n++] = len;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (n < 2)
		return berr(err, EINVAL,
			    "invalid platform \"%.100s\": expected OS/ARCH[/VARIANT], e.g. "
			    "linux/amd64",
			    s);
	archbuf = strndup(parts[1], lens[1]);
	if (!archbuf)
		return oom(err);
	arch = oci_platform_normalize_arch(archbuf, &implied);
	out.os = strndup(parts[0], lens[0]);
	out.architecture = strdup(arch);
	if (n == 3)
		out.variant = strndup(parts[2], lens[2]);
	else if (implied)
		out.variant = strdup(implied);
	if (!out.os || !out.architecture || (n == 3 || implied ? !out.variant : false)) {
		oci_platform_clear(&out);
		return oom(err);
	}
	*ret = out;
	return 0;
}

/* "v7" → 7; 0 when not of that form */
static int variant_level(const char *v)
{
	if (!v || v[0] != 'v' || v[1] < '1' || v[1] > '9' || (v[2] && v[3]))
		return 0;
	if (v[2] && (v[2] < '0' || v[2] > '9'))
		return 0;
	return atoi(v + 1);
}

/* arm64's only variant is v8: treat "v8" and none alike */
static const char *canonical_variant(const char *arch, const char *variant)
{
	if (variant && !*variant)
		return NULL;
	if (variant && strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0)
		return NULL;
	return variant;
}

/* 0: unusable; higher is better */
static int platform_score(const oci_platform *p, const char *os, const char *arch,
			  const char *variant)
{
	const char *parch, *pvariant, *implied;

	if (!p || !p->os || !p->architecture || strcmp(p->os, os) != 0)
		return 0;
	parch = oci_platform_normalize_arch(p->architecture, &implied);
	if (strcmp(parch, arch) != 0)
		return 0;
	pvariant = canonical_variant(parch, p->variant ? p->variant : implied);
	if (!variant)
		return pvariant ? 2 : 3;
	if (!pvariant)
		return 1;
	if (strcmp(pvariant, variant) == 0)
		return 4;
	/* an ARMv7 machine runs ARMv6 and ARMv5 code */
	if (strcmp(arch, "arm") == 0 && variant_level(pvariant) &&
	    variant_level(pvariant) < variant_level(variant))
		return 2;
	return 0;
}

int oci_index_select(const oci_manifest *index, const char *os, const char *arch,
		     const char *variant, const oci_descriptor **ret, berth_error *err)
{
	oci_platform host = {0};
	const char *implied = NULL;
	const oci_descriptor *best = NULL;
	int best_score = 0;
	char offered[512] = "";
	size_t off = 0;
	int r = 0;

	if (!oci_manifest_kind_is_index(index->kind))
		return berr(err, EINVAL, "select platform: the manifest is not an index");
	if (oci_platform_host(&host) < 0)
		return oom(err);
	if (!os)
		os = host.os;
	if (arch) {
		arch = oci_platform_normalize_arch(arch, &implied);
		if (!variant)
			variant = implied;
	} else {
		arch = host.architecture;
		if (!variant)
			variant = host.variant;
	}
	variant = canonical_variant(arch, variant);
	for (size_t i = 0; i < index->n_manifests; i++) {
		const oci_descriptor *d = &index->manifests[i];
		int score = platform_score(d->platform, os, arch, variant);

		if (score > best_score) {
			best = d;
			best_score = score;
		}
		if (d->platform && d->platform->os && d->platform->architecture &&
		    off < sizeof(offered) - 1) {
			int w = snprintf(offered + off, sizeof(offered) - off, "%s%s/%s%s%s",
					 off ? ", " : "", d->platform->os,
					 d->platform->architecture, d->platform->variant ? "/" : "",
					 d->platform->variant ? d->platform->variant : "");
			off = w < 0 ? off : off + (size_t)w;
			if (off >= sizeof(offered))
				off = sizeof(offered) - 1;
		}
	}
	if (!best)
		r = berr(err, ENOENT,
			 "no image for %s/%s%s%s in the index (it offers: %s); choose one with "
			 "--platform, --os, --arch or --variant",
			 os, arch, variant ? "/" : "", variant ? variant : "",
			 offered[0] ? offered : "nothing usable");
	else
		*ret = best;
	oci_platform_clear(&host);
	return r;
}
