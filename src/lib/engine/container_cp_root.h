/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_cp_root.h - running a `cp` with a container's root directory, running or not.
 *
 * A running (or paused) container's root is /proc/<pid>/root and the copy runs in the caller.
 * A created or stopped container has no mounted root: the copy runs in a short-lived child
 * (run_private.h) with a private mount namespace (as root) or inside the store's user namespace
 * (rootless), which mounts the overlay there; the mount dies with the child, so neither an error
 * nor a kill -9 can leave it behind on the host. Files written land in the container's upper dir
 * and are seen when it starts again. The container's lock is held meanwhile so that it cannot
 * start (and mount the same upper dir) during the copy. A container that root mounted with
 * `berth mount` is copied through that mount (a second overlay on one upper dir is unsafe).
 */
#ifndef BERTH_ENGINE_CONTAINER_CP_ROOT_H
#define BERTH_ENGINE_CONTAINER_CP_ROOT_H

#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/** ctr_cp_root_fn - the copy: @root is an O_PATH fd of the root, @name the container's name. */
typedef int (*ctr_cp_root_fn)(int root, const char *name, void *data, berth_error *err);

/**
 * ctr_cp_in_root() - run @fn(root, name, @data) with the root of container @ref.
 * Return: @fn's result or a negative errno.
 */
int ctr_cp_in_root(struct berth_ctx *ctx, struct store *s, const char *ref, ctr_cp_root_fn fn,
		   void *data, berth_error *err);

#endif
