/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_volume.h - named and anonymous volumes (local driver): a directory
 * <root>/volumes/<name>/_data, as podman lays them out, bind-mounted into containers.
 * `-v NAME:/path` creates NAME on first use; an image's VOLUMEs not covered by a -v get an
 * anonymous volume (64 hex digits), removed with the container by `rm -v` and `run --rm`.
 */
#ifndef BERTH_ENGINE_CONTAINER_VOLUME_H
#define BERTH_ENGINE_CONTAINER_VOLUME_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

/**
 * ctr_volume_create() - make volume @name (NULL: an anonymous one) with @labels (borrowed, may
 * be NULL). -EEXIST when it exists already.
 * @ret:	the record (may be NULL)
 */
int ctr_volume_create(struct berth_ctx *ctx, struct store *s, const char *name, json_t *labels,
		      bool anonymous, struct store_volume **ret, berth_error *err);

/**
 * ctr_volume_users() - how many containers mount volume @name; @ret_first gets one's id
 * (malloc'd, may be NULL).
 */
int ctr_volume_users(struct store *s, const char *name, char **ret_first, berth_error *err);

/**
 * ctr_volume_remove() - remove volume @name and its data; refused while a container uses it,
 * unless @force (those containers are removed first).
 */
int ctr_volume_remove(struct berth_ctx *ctx, struct store *s, const char *name, bool force,
		      berth_error *err);

/**
 * ctr_volumes_resolve() - for ctr_create(): give every named-volume mount of @create its source
 * (creating missing volumes) and add anonymous volumes for @image_volumes (the image config's
 * "Volumes" object) not covered by a mount. Names of volumes made here are appended to
 * @made (a JSON array) so a failed create can remove them.
 */
int ctr_volumes_resolve(struct berth_ctx *ctx, struct store *s, json_t *create,
			json_t *image_volumes, json_t *made, berth_error *err);

/**
 * ctr_volumes_copy_up() - podman's copy-up: each volume mount of @create whose volume is new
 * (named in @made, or empty and used by no container) gets the content image @image_id has at
 * the mount's destination, owners and modes kept.
 */
int ctr_volumes_copy_up(struct berth_ctx *ctx, struct store *s, const char *image_id,
			json_t *create, json_t *made, berth_error *err);

/**
 * ctr_layers_copy() - copy the union of @layers (top-most first) at @subpath into directory
 * @dst (layer_merge()), inside the store's user namespace when rootless.
 */
int ctr_layers_copy(struct berth_ctx *ctx, char *const *layers, const char *subpath,
		    const char *dst, berth_error *err);

/** ctr_volume_valid_name() - podman's rule for volume names. */
bool ctr_volume_valid_name(const char *name);

#endif
