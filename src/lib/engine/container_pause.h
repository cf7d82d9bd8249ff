/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_pause.h - `pause`/`unpause`: freeze every process of a running container with the
 * cgroup freezer (v2: cgroup.freeze of berth/<id>; v1: a berth/<id> cgroup in the freezer
 * hierarchy, which the runtime does not create, so the container's processes are moved into it
 * from its pids cgroup first). The record keeps saying "running"; ctr_paused() tells.
 * Containers without a cgroup (rootless on v1) cannot be paused.
 */
#ifndef BERTH_ENGINE_CONTAINER_PAUSE_H
#define BERTH_ENGINE_CONTAINER_PAUSE_H

#include <stdbool.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

/** ctr_pause() - freeze running container @ref; -EINVAL when it is not running or paused. */
int ctr_pause(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err);

/** ctr_unpause() - thaw paused container @ref; -EINVAL when it is not paused. */
int ctr_unpause(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err);

/** ctr_paused() - whether the container with full @id is frozen now. */
bool ctr_paused(const char *id);

/**
 * ctr_state_now() - the state users see for @c: podman's "created" for a configured record and
 * "paused" for a running one whose cgroup is frozen (the record itself says "running").
 */
const char *ctr_state_now(const struct store_container *c);

/** ctr_pause_thaw() - thaw @id if it is frozen (before stop/kill: frozen processes don't die). */
void ctr_pause_thaw(const char *id);

/** ctr_pause_cleanup() - remove the v1 freezer cgroup of exited container @id (missing: fine). */
void ctr_pause_cleanup(const char *id);

#endif
