/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.h - OCI image manifests and indexes, Docker schema 2 manifests and manifest lists:
 * parsing with validation and hard limits, platform selection, building and conversion.
 *
 * Manifests come from registries and archives, so every field is checked on the way in: the
 * document size, duplicate JSON keys, schemaVersion, the agreement of the mediaType field with
 * the Content-Type and with the document's shape (a manifest with "manifests" is refused, as is
 * an index with "layers": confusing the two is a known attack), every descriptor's media type,
 * digest and size, and the number of layers, entries and annotations.
 */
#ifndef BERTH_OCI_MANIFEST_H
#define BERTH_OCI_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/kv.h"
#include "oci/mediatype.h"
#include "util/error.h"

#define OCI_MANIFEST_MAX_SIZE	  (4 * 1024 * 1024)
#define OCI_MANIFEST_MAX_LAYERS	  1024
#define OCI_INDEX_MAX_ENTRIES	  1024
#define OCI_ANNOTATIONS_MAX	  256
#define OCI_ANNOTATION_KEY_MAX	  1024
#define OCI_ANNOTATION_VALUE_MAX  (64 * 1024)
#define OCI_MEDIA_TYPE_MAX	  255
#define OCI_DESCRIPTOR_URLS_MAX	  16
#define OCI_URL_MAX		  4096
#define OCI_PLATFORM_FIELD_MAX	  128
#define OCI_PLATFORM_FEATURES_MAX 32

/** enum oci_manifest_kind - what a manifest document is */
typedef enum oci_manifest_kind {
	OCI_KIND_UNKNOWN = 0,
	OCI_KIND_OCI_MANIFEST,
	OCI_KIND_OCI_INDEX,
	OCI_KIND_DOCKER_MANIFEST,
	OCI_KIND_DOCKER_LIST,
} oci_manifest_kind;

/** enum oci_compression - how a layer blob is compressed, from its media type */
typedef enum oci_compression {
	OCI_COMPRESSION_UNKNOWN = 0,
	OCI_COMPRESSION_NONE,
	OCI_COMPRESSION_GZIP,
	OCI_COMPRESSION_ZSTD,
} oci_compression;

/**
 * struct oci_platform - where an index entry runs; every string owned
 * @architecture, @os:	required ("amd64", "linux")
 * @variant:		"v7", "v8", ... or NULL
 * @os_version:		or NULL
 * @os_features:	NULL-terminated, or NULL
 */
typedef struct oci_platform {
	char *architecture;
	char *os;
	char *variant;
	char *os_version;
	char **os_features;
} oci_platform;

/**
 * struct oci_descriptor - a content descriptor; every string owned
 * @media_type:	required
 * @digest:	required, "sha256:<hex>" (or sha512)
 * @size:	bytes, >= 0
 * @urls:	NULL-terminated foreign-layer URLs, or NULL
 * @annotations: may be empty
 * @platform:	index entries only, or NULL
 * @artifact_type: or NULL
 */
typedef struct oci_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	char **urls;
	oci_kvs annotations;
	oci_platform *platform;
	char *artifact_type;
} oci_descriptor;

/**
 * struct oci_manifest - a parsed manifest or index
 * @kind:	what it is
 * @media_type:	the "mediaType" field as written, or NULL (OCI allows omitting it)
 * @artifact_type: or NULL (OCI only)
 * @config:	image manifests: the config descriptor
 * @layers, @n_layers:		image manifests: the layers, base first
 * @manifests, @n_manifests:	indexes and lists: the entries
 * @subject:	or NULL (OCI only)
 * @annotations: may be empty (OCI only)
 */
typedef struct oci_manifest {
	oci_manifest_kind kind;
	char *media_type;
	char *artifact_type;
	oci_descriptor config;
	oci_descriptor *layers;
	size_t n_layers;
	oci_descriptor *manifests;
	size_t n_manifests;
	oci_descriptor *subject;
	oci_kvs annotations;
} oci_manifest;

/** oci_manifest_kind_from_media_type() - the kind a media type names, or OCI_KIND_UNKNOWN. */
oci_manifest_kind oci_manifest_kind_from_media_type(const char *media_type);

/** oci_manifest_kind_media_type() - the media type of @kind (NULL for UNKNOWN). */
const char *oci_manifest_kind_media_type(oci_manifest_kind kind);

/** oci_manifest_kind_is_index() - true for OCI indexes and Docker manifest lists. */
bool oci_manifest_kind_is_index(oci_manifest_kind kind);

/** oci_media_type_is_valid() - "type/subtype[+suffix]" within RFC 6838's characters and size. */
bool oci_media_type_is_valid(const char *media_type);

/** oci_layer_compression() - compression of a layer media type (OCI or Docker). */
oci_compression oci_layer_compression(const char *media_type);

/** oci_media_type_is_layer() - true for OCI and Docker layer media types (incl. foreign). */
bool oci_media_type_is_layer(const char *media_type);

/**
 * oci_manifest_detect() - the kind of a manifest document
 * @content_type: the Content-Type it came with (parameters after ';' ignored), or NULL
 * Return: 0 and *@ret, or a negative errno (bad JSON, schema 1: -ENOTSUP, unknown: -EINVAL)
 */
int oci_manifest_detect(const void *data, size_t len, const char *content_type,
			oci_manifest_kind *ret, berth_error *err);

/**
 * oci_manifest_parse() - parse and validate a manifest or index
 * @data, @len:	the document (at most OCI_MANIFEST_MAX_SIZE bytes: -EFBIG)
 * @content_type: the Content-Type it came with, or NULL; "application/json" and
 *		"application/octet-stream" count as NULL
 * Return: 0 and a new *@ret, -EINVAL with a message naming the field, -ENOTSUP for Docker
 * schema 1, -EFBIG, -ENOMEM
 */
int oci_manifest_parse(const void *data, size_t len, const char *content_type, oci_manifest **ret,
		       berth_error *err);

/** oci_manifest_new() - an empty manifest of @kind, or NULL when out of memory. */
oci_manifest *oci_manifest_new(oci_manifest_kind kind);

/**
 * oci_descriptor_init() - fill an empty descriptor (validating what it is given)
 * Return: 0, -EINVAL, -ENOMEM; @d is left empty on failure
 */
int oci_descriptor_init(oci_descriptor *d, const char *media_type, const char *digest, int64_t size,
			berth_error *err);

/** oci_descriptor_copy() - deep copy @src into empty @dst; 0 or -ENOMEM. */
int oci_descriptor_copy(oci_descriptor *dst, const oci_descriptor *src);

/** oci_descriptor_clear() - free what @d owns and zero it; NULL is fine. */
void oci_descriptor_clear(oci_descriptor *d);

/** oci_platform_set() - give @d a platform (@variant may be NULL); 0 or -ENOMEM. */
int oci_descriptor_set_platform(oci_descriptor *d, const char *os, const char *architecture,
				const char *variant);

/**
 * oci_manifest_add_layer() - append a layer descriptor (image manifests)
 * Return: 0, -EINVAL (bad field, or more than OCI_MANIFEST_MAX_LAYERS), -ENOMEM
 */
int oci_manifest_add_layer(oci_manifest *m, const char *media_type, const char *digest,
			   int64_t size, berth_error *err);

/**
 * oci_manifest_add_entry() - append a copy of @d to an index or list
 * Return: 0, -EINVAL (more than OCI_INDEX_MAX_ENTRIES), -ENOMEM
 */
int oci_manifest_add_entry(oci_manifest *m, const oci_descriptor *d, berth_error *err);

/**
 * oci_manifest_to_json() - serialize compactly (fields in the spec's order), then check the
 * result with oci_manifest_parse(), so nothing berth writes is something it would refuse.
 * Return: 0 and a malloc'd *@ret (not NUL-counted in *@ret_len), or a negative errno
 */
int oci_manifest_to_json(const oci_manifest *m, char **ret, size_t *ret_len, berth_error *err);

/**
 * oci_manifest_convert() - the same manifest in another format (push --format, save)
 * @to:	OCI_KIND_OCI_MANIFEST / OCI_KIND_DOCKER_MANIFEST for manifests,
 *	OCI_KIND_OCI_INDEX / OCI_KIND_DOCKER_LIST for indexes
 *
 * Media types of the manifest, config, layers and entries are mapped. Docker schema 2 has no
 * annotations, subject or artifactType: annotations are dropped, the others refused, as are
 * zstd layers and non-image configs (-ENOTSUP, naming the field).
 * Return: 0 and a new *@ret, or a negative errno
 */
int oci_manifest_convert(const oci_manifest *m, oci_manifest_kind to, oci_manifest **ret,
			 berth_error *err);

/**
 * oci_platform_host() - the platform of the running machine in OCI terms: os "linux",
 * architecture from uname (x86_64 → amd64, aarch64 → arm64, armv7l → arm + v7, ...).
 * Return: 0 or -ENOMEM; fill an empty @ret
 */
int oci_platform_host(oci_platform *ret);

/**
 * oci_platform_normalize_arch() - GOARCH name for a uname/Debian/Docker architecture name
 * ("x86_64" → "amd64", "aarch64" → "arm64", "armhf" → "arm"); other names unchanged.
 * @ret_variant: receives the implied variant ("armhf" → "v7") or NULL (may be NULL)
 */
const char *oci_platform_normalize_arch(const char *arch, const char **ret_variant);

/**
 * oci_index_select() - choose the entry of an index for a platform
 * @os, @arch, @variant: what is wanted; NULL means the running machine's
 * Return: 0 and a pointer into @index->manifests, or -ENOENT with a message listing the
 * platforms the index offers
 */
int oci_index_select(const oci_manifest *index, const char *os, const char *arch,
		     const char *variant, const oci_descriptor **ret, berth_error *err);

/**
 * oci_platform_parse() - split a --platform value "OS/ARCH[/VARIANT]" (ARCH normalized as by
 * oci_platform_normalize_arch(), its implied variant used when none is given)
 * Return: 0 and a filled empty @ret, -EINVAL with a message, -ENOMEM
 */
int oci_platform_parse(const char *s, oci_platform *ret, berth_error *err);

/** oci_platform_clear() - free what @p owns; NULL is fine. */
void oci_platform_clear(oci_platform *p);

/** oci_manifest_free() - release; NULL is fine. Returns NULL. */
oci_manifest *oci_manifest_free(oci_manifest *m);
static inline void oci_manifest_freep(oci_manifest **m)
{
	oci_manifest_free(*m);
}

#endif
