/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_private.h - run a function where the store's files are ours and mounts stay private:
 * rootless in a short-lived child inside the store's user namespace (which has its own mount
 * namespace), as root in a forked child with its own mount namespace. A mount made there dies
 * with the child, so nothing can be left mounted on the host.
 */
#ifndef BERTH_ENGINE_RUN_PRIVATE_H
#define BERTH_ENGINE_RUN_PRIVATE_H

#include <stdbool.h>

#include "engine/context.h"
#include "util/error.h"

/**
 * ctr_run_private() - run @fn(@data) with the store's ownership: in a child inside the user
 * namespace when rootless (with a new mount namespace), else in a forked child that has its own
 * mount namespace (/ made private) when @mount_ns, else directly. @err carries the child's
 * message. Return: @fn's result, or a negative errno when the child could not run it.
 */
int ctr_run_private(struct berth_ctx *ctx, bool mount_ns, int (*fn)(void *data, berth_error *err),
		    void *data, berth_error *err);

#endif
