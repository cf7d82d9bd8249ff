/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_ops.h - image operations shared by the CLI and the REST API: podman's JSON views of a
 * local image and image events.
 */
#ifndef BERTH_ENGINE_IMAGE_OPS_H
#define BERTH_ENGINE_IMAGE_OPS_H

#include <jansson.h>

#include "store/store.h"

/**
 * engine_image_inspect_json() - `podman image inspect`'s object for @img: Id, Digest, RepoTags,
 * RepoDigests, Parent, Comment, Created, Config, Version, Author, Architecture, Os, Size,
 * VirtualSize, GraphDriver, RootFS, Labels, Annotations, ManifestType, User, History,
 * NamesHistory. New reference.
 */
json_t *engine_image_inspect_json(struct store *s, const struct store_image *img);

/**
 * engine_image_summary_json() - `podman images --format json`'s object (libpod's ImageSummary:
 * Id, ParentId, RepoTags, RepoDigests, Size, SharedSize, VirtualSize, Labels, Containers, Names,
 * Digest, History, Created (unix s), CreatedAt, Dangling). New reference.
 */
json_t *engine_image_summary_json(struct store *s, const struct store_image *img);

/** engine_image_config_json() - the image's config blob parsed ({} when unreadable). */
json_t *engine_image_config_json(struct store *s, const struct store_image *img);

/** engine_strv_json() - a JSON array of the strings of a NULL-terminated vector. */
json_t *engine_strv_json(char **v);

/** engine_image_event() - log an image event ("tag", "untag", "remove", "import", ...). */
void engine_image_event(const char *runroot, const char *action, const char *id, const char *name);

#endif
