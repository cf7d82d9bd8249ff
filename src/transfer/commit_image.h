/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commit_image.h - putting a new image together on top of a local one: what `commit` and
 * `build` share. A struct cimg starts as a copy of the base image's config and manifest layers
 * (or empty, for scratch); each cimg_add_dir() turns a directory (a container's upper dir, or a
 * tree build staged) into a layer: layer_diff_write() into a temp file, a verified blob, an
 * unpacked layer on top of the previous one. cimg_commit() writes the config and the manifest
 * and records the image. Blobs and layers are put in place before any record references them
 * (store.h), so a failure or kill -9 at any point leaves only garbage for gc, never a
 * half-written image.
 */
#ifndef BERTH_TRANSFER_COMMIT_IMAGE_H
#define BERTH_TRANSFER_COMMIT_IMAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/context.h"
#include "store/layer_diff.h"
#include "store/store.h"
#include "util/error.h"

/**
 * struct cimg - an image being made
 * @config:	the whole image config (owned); its "config" object is what users change
 * @layers:	the manifest's layer descriptors, base first (owned)
 * @layer_ids:	chain ids, base first, NULL-terminated (owned)
 * @n:		number of layers
 */
struct cimg {
	json_t *config;
	json_t *layers;
	char **layer_ids;
	size_t n;
};

/** CIMG_MOUNT_POINTS - files a container's upper dir holds only as mount targets. */
extern const char *const cimg_mount_points[];

/**
 * cimg_from_image() - start from local image @ref, or from nothing when @ref is NULL or
 * "scratch". Fills @c (zeroed by the caller). Return: 0 or a negative errno.
 */
int cimg_from_image(struct store *s, const char *ref, struct cimg *c, berth_error *err);

/** cimg_done() - release what @c holds. */
void cimg_done(struct cimg *c);

/** cimg_run_config() - the "config" object of @c (created when missing; borrowed). */
json_t *cimg_run_config(struct cimg *c);

/**
 * cimg_add_dir() - add the directory @dir as a new top layer (gzip) and a history entry
 * @created_by (and @comment, may be NULL). Rootless, the directory is read inside the store's
 * user namespace so owners come out as the container sees them. Hold the store lock (shared).
 * @opts:	layer_diff options (compression is forced to gzip); may be NULL
 */
int cimg_add_dir(struct berth_ctx *ctx, struct store *s, struct cimg *c, const char *dir,
		 const struct layer_diff_opts *opts, const char *created_by, const char *comment,
		 berth_error *err);

/** cimg_add_history() - a history entry for a step that made no layer. */
void cimg_add_history(struct cimg *c, const char *created_by, const char *comment,
		      const char *author, bool empty_layer);

/**
 * cimg_commit() - write config and manifest (OCI, or Docker schema2 when @docker) and record
 * the image with @name (normalized; NULL for none). Hold the store lock (shared).
 * @ret_id:	receives the image id
 */
int cimg_commit(struct store *s, struct cimg *c, const char *name, bool docker,
		char ret_id[STORE_ID_LEN + 1], berth_error *err);

/**
 * cimg_run_in_root() - run @fn(@data) with the store's ownership: in a child inside the user
 * namespace when rootless (with a new mount namespace), else in a forked child that has its own
 * mount namespace when @mount_ns, else directly. @err carries the child's message.
 */
int cimg_run_in_root(struct berth_ctx *ctx, bool mount_ns, int (*fn)(void *data, berth_error *err),
		     void *data, berth_error *err);

#endif
