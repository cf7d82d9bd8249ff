/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reference.h - image references as docker/distribution defines them, and the transport-prefixed
 * image names skopeo and podman accept.
 *
 *   reference := [domain "/"] path-component ("/" path-component)* [":" tag] ["@" digest]
 *   domain    := host [":" port]        host: DNS name or "[" IPv6 "]"
 *   component := [a-z0-9]+ (([._] | "__" | "-"+) [a-z0-9]+)*
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The first component is the domain only when it contains '.' or ':', is "localhost", or has an
 * uppercase letter (Docker's rule); otherwise the name is a "short name". The whole name
 * (domain + "/" + path) may not exceed 255 characters.
 */
#ifndef BERTH_OCI_REFERENCE_H
#define BERTH_OCI_REFERENCE_H

#include <stdbool.h>

#include "util/error.h"

#define OCI_REF_NAME_MAX 255
#define OCI_REF_TAG_MAX	 128
/* longest input string considered at all (name + tag + digest + transport + path) */
#define OCI_REF_INPUT_MAX	 4096
#define OCI_REF_DEFAULT_DOMAIN	 "docker.io"
#define OCI_REF_LEGACY_DOMAIN	 "index.docker.io"
#define OCI_REF_OFFICIAL_PREFIX	 "library/"
#define OCI_REF_LOCAL_DOMAIN	 "localhost"
#define OCI_REF_DEFAULT_TAG_NAME "latest"

/**
 * struct oci_ref - a parsed image reference; every string is owned
 * @domain:	registry "host[:port]", or NULL when the input named none and was not normalized
 * @path:	repository path below the domain ("library/busybox")
 * @tag:	the tag, or NULL
 * @digest:	"sha256:<hex>" (or sha512), or NULL
 */
typedef struct oci_ref {
	char *domain;
	char *path;
	char *tag;
	char *digest;
} oci_ref;

/** enum oci_ref_flags - how oci_ref_parse() completes a reference */
enum oci_ref_flags {
	/* a name without domain gets docker.io; a single docker.io component gets library/;
	 * index.docker.io becomes docker.io; a bare 64-hex name is refused (it is an id) */
	OCI_REF_NORMALIZE = 1 << 0,
	/* a name without domain gets localhost/ (tag, import, commit: podman's rule) */
	OCI_REF_LOCAL = 1 << 1,
	/* no tag and no digest: tag "latest" */
	OCI_REF_DEFAULT_TAG = 1 << 2,
	/* refuse "@digest" (a name given to tag, import, save's docker-archive) */
	OCI_REF_NO_DIGEST = 1 << 3,
};

/**
 * oci_ref_parse() - parse and validate an image reference
 * @s:		the reference as typed
 * @flags:	enum oci_ref_flags (OCI_REF_NORMALIZE and OCI_REF_LOCAL exclude each other)
 * @ret:	receives a new oci_ref
 * Return: 0, -EINVAL with a message naming @s and the broken rule, -ENOTSUP for a well-formed
 * digest of an algorithm berth does not know, or -ENOMEM
 */
int oci_ref_parse(const char *s, unsigned flags, oci_ref **ret, berth_error *err);

/**
 * oci_ref_new() - build a reference from parts, validating each
 * @domain:	may be NULL; @path: required; @tag, @digest: may be NULL
 */
int oci_ref_new(const char *domain, const char *path, const char *tag, const char *digest,
		oci_ref **ret, berth_error *err);

/** oci_ref_dup() - deep copy; NULL on allocation failure. */
oci_ref *oci_ref_dup(const oci_ref *r);

/** oci_ref_free() - release; NULL is fine. Returns NULL. */
oci_ref *oci_ref_free(oci_ref *r);
static inline void oci_ref_freep(oci_ref **r)
{
	oci_ref_free(*r);
}

/** oci_ref_set_tag() - replace the tag (NULL removes it) after validating it. */
int oci_ref_set_tag(oci_ref *r, const char *tag, berth_error *err);

/** oci_ref_set_digest() - replace the digest (NULL removes it) after validating it. */
int oci_ref_set_digest(oci_ref *r, const char *digest, berth_error *err);

/** oci_ref_string() - "[domain/]path[:tag][@digest]", malloc'd; NULL when out of memory. */
char *oci_ref_string(const oci_ref *r);

/** oci_ref_name() - "[domain/]path" (the repository), malloc'd; NULL when out of memory. */
char *oci_ref_name(const oci_ref *r);

/**
 * oci_ref_familiar() - the form Docker users read: without "docker.io/" and, for official
 * images, without "library/" ("busybox:latest"); malloc'd, NULL when out of memory.
 */
char *oci_ref_familiar(const oci_ref *r);

/** oci_ref_is_short_name() - true when @s is a valid reference that names no domain. */
bool oci_ref_is_short_name(const char *s);

/** oci_ref_tag_is_valid() - true when @tag matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool oci_ref_tag_is_valid(const char *tag);

/** oci_ref_path_is_valid() - true when @path is valid lowercase path-components. */
bool oci_ref_path_is_valid(const char *path);

/** oci_ref_domain_is_valid() - true when @domain is a valid "host[:port]". */
bool oci_ref_domain_is_valid(const char *domain);

/* ---- transport-prefixed names (skopeo's "transport:details") ---- */

/** enum oci_transport - the image transports of containers/image that berth speaks */
typedef enum oci_transport {
	OCI_TRANSPORT_DOCKER,		  /* docker://REF */
	OCI_TRANSPORT_OCI,		  /* oci:DIR[:REF] */
	OCI_TRANSPORT_OCI_ARCHIVE,	  /* oci-archive:PATH[:REF] */
	OCI_TRANSPORT_DIR,		  /* dir:PATH */
	OCI_TRANSPORT_DOCKER_ARCHIVE,	  /* docker-archive:PATH[:REF | :@INDEX] */
	OCI_TRANSPORT_CONTAINERS_STORAGE, /* containers-storage:[STORE]REF (berth's local store) */
	OCI_TRANSPORT_DOCKER_DAEMON,	  /* docker-daemon:REF */
} oci_transport;

/**
 * struct oci_image_name - a parsed "transport:details" name; every string is owned
 * @transport:	which transport
 * @ref:	docker, docker-daemon: the reference (normalized, "latest" when untagged);
 *		docker-archive, containers-storage: the same, or NULL when none was given
 * @path:	oci, oci-archive, dir, docker-archive: the file system path (never empty)
 * @layout_ref:	oci, oci-archive: the image's name inside the layout
 *		(org.opencontainers.image.ref.name), or NULL
 * @source_index: oci, oci-archive, docker-archive ":@N": the N-th image, or -1
 * @id:		containers-storage: the 64-hex image id when given, or NULL
 * @store_spec:	containers-storage: the text inside a leading "[...]" (driver@root+runroot),
 *		or NULL
 */
typedef struct oci_image_name {
	oci_transport transport;
	oci_ref *ref;
	char *path;
	char *layout_ref;
	int source_index;
	char *id;
	char *store_spec;
} oci_image_name;

/**
 * oci_image_name_parse() - parse "transport:details" as skopeo does
 * @s:		e.g. "docker://busybox", "oci:/tmp/layout:v1", "docker-archive:/tmp/x.tar"
 * Return: 0, -EINVAL (unknown transport, missing path, bad reference: the message says which),
 * -ENOMEM
 */
int oci_image_name_parse(const char *s, oci_image_name **ret, berth_error *err);

/**
 * oci_image_name_has_transport() - true when @s starts with a transport berth knows
 * ("docker://", "oci:", ...). podman's pull treats anything else as a plain reference, so
 * "localhost:5000/x" is not mistaken for a transport.
 */
bool oci_image_name_has_transport(const char *s);

/** oci_image_name_string() - format back to "transport:details"; malloc'd, NULL on ENOMEM. */
char *oci_image_name_string(const oci_image_name *n);

/** oci_transport_name() - "docker", "oci", "oci-archive", ... */
const char *oci_transport_name(oci_transport t);

/** oci_image_name_free() - release; NULL is fine. Returns NULL. */
oci_image_name *oci_image_name_free(oci_image_name *n);
static inline void oci_image_name_freep(oci_image_name **n)
{
	oci_image_name_free(*n);
}

#endif
