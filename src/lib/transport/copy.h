/* SPDX-License-Identifier: Apache-2.0 */
/*
 * copy.h - copy an image from any source to any destination of image.h, as `skopeo copy` does:
 * blobs first (in parallel; those the destination has are skipped, those on the same registry
 * are mounted), then the manifest. An index is narrowed to the host's platform unless every
 * instance is wanted (--all). Blobs and manifests are copied byte for byte, so the digests
 * the destination ends up with are the source's.
 */
#ifndef BERTH_TRANSPORT_COPY_H
#define BERTH_TRANSPORT_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "transport/image.h"

#define IMG_MAX_LAYERS	  500  /* layers in one manifest */
#define IMG_MAX_INSTANCES 1000 /* manifests in one index */
#define IMG_DEFAULT_JOBS  6    /* blobs transferred at once */

enum img_copy_event {
	IMG_COPY_BLOB,	       /* a blob transfer starts */
	IMG_COPY_BLOB_DONE,    /* and ended */
	IMG_COPY_BLOB_SKIPPED, /* the destination has it */
	IMG_COPY_BLOB_MOUNTED, /* the registry mounted it from the source repository */
	IMG_COPY_CONFIG,       /* the config blob (after the layers) */
	IMG_COPY_MANIFEST,     /* writing a manifest */
};

/**
 * struct img_copy_opts - how to copy
 * @all:	copy every instance of an index (--all)
 * @os/@arch/@variant: the platform to pick from an index (NULL: the host's)
 * @jobs:	parallel blob transfers (0: IMG_DEFAULT_JOBS)
 * @event:	called (from any thread, serialised) for each step, or NULL
 * @progress:	called with bytes done while blobs move, or NULL
 * @ud:		passed to both
 * @manifest_type: write the manifest as this type (OCI_MT_MANIFEST or DOCKER_MT_MANIFEST),
 *		converting media types where needed (push --format), or NULL to copy it as is
 */
struct img_copy_opts {
	bool all;
	const char *manifest_type;
	const char *os;
	const char *arch;
	const char *variant;
	int jobs;
	void (*event)(void *ud, enum img_copy_event ev, const char *digest, int64_t size);
	img_progress_fn progress;
	void *ud;
};

/**
 * img_copy() - copy the image @src names to @dst and commit it
 * @ret_digest:	receives the digest of the manifest written as the image (malloc'd), may be NULL
 */
int img_copy(struct img_src *src, struct img_dst *dst, const struct img_copy_opts *o,
	     char **ret_digest, berth_error *err);

/**
 * struct img_desc - a descriptor from a manifest or index
 */
struct img_desc {
	char *media_type;
	char *digest;
	int64_t size;
	char *os, *arch, *variant; /* index entries' platform */
};

/**
 * struct img_manifest - what copying needs from a manifest or index
 * @is_index:	an OCI index or Docker manifest list
 * @config:	the config descriptor (single manifests)
 * @descs/@n:	layers (single manifests) or instances (indexes)
 */
struct img_manifest {
	bool is_index;
	struct img_desc config;
	struct img_desc *descs;
	size_t n;
};
void img_manifest_done(struct img_manifest *m);

/**
 * img_manifest_parse() - the descriptors of @body (@media_type from the transport); refuses
 * schema 1, invalid digests, negative sizes, more than IMG_MAX_LAYERS layers or
 * IMG_MAX_INSTANCES instances.
 */
int img_manifest_parse(const char *body, size_t len, const char *media_type, const char *what,
		       struct img_manifest *ret, berth_error *err);

/**
 * img_pick_platform() - the index entry for @os/@arch/@variant (NULL: the host's)
 * Return: its position, or -ENOENT with a message listing what the index offers.
 */
int img_pick_platform(const struct img_manifest *index, const char *os, const char *arch,
		      const char *variant, const char *what, berth_error *err);

/**
 * img_manifest_convert() - @body rewritten as a @to manifest (OCI ↔ Docker schema2: the
 * manifest's, config's and layers' media types), malloc'd in *@ret; -ENOTSUP for layers the
 * target format cannot name (zstd in schema2).
 */
int img_manifest_convert(const char *body, size_t len, const char *to, const char *what, char **ret,
			 size_t *ret_len, berth_error *err);

/** img_host_arch() - the host's architecture in OCI's words ("amd64", "arm64", ...). */
const char *img_host_arch(void);

#endif
