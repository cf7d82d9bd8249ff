/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_mount.h - `mount`/`unmount` for root: the container's overlay rootfs mounted on the
 * host at <root>/overlay-containers/<id>/merged, counted (each mount needs an unmount, as in
 * podman's storage). The count lives in <runroot>/containers/<id>/mounts, on tmpfs, so a
 * reboot (which drops the mount) also drops the count. Rootless mounts would be invisible
 * outside a user namespace, so they are refused as podman refuses them.
 */
#ifndef BERTH_ENGINE_CONTAINER_MOUNT_H
#define BERTH_ENGINE_CONTAINER_MOUNT_H

#include <stdbool.h>

#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/** ctr_mount() - mount container @ref (or count one more mount); *@ret_path: the mount point. */
int ctr_mount(struct berth_ctx *ctx, struct store *s, const char *ref, char **ret_path,
	      berth_error *err);

/**
 * ctr_unmount() - count one mount less, unmounting at zero; @force unmounts at once.
 * Unmounting a container that is not mounted is not an error (podman).
 */
int ctr_unmount(struct berth_ctx *ctx, struct store *s, const char *ref, bool force,
		berth_error *err);

/** ctr_mount_path() - the mount point of @id if berth mounted it, else NULL (malloc'd). */
char *ctr_mount_path(struct berth_ctx *ctx, struct store *s, const char *id);

/** ctr_mount_release() - drop every mount of container @id (before it is removed). */
void ctr_mount_release(struct berth_ctx *ctx, struct store *s, const char *id);

#endif
