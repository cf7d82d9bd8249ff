/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_rename.h - `rename`: a new name for a container, running or not. Only the record
 * changes (as podman: /etc/hosts and the hostname inside stay as they were).
 */
#ifndef BERTH_ENGINE_CONTAINER_RENAME_H
#define BERTH_ENGINE_CONTAINER_RENAME_H

#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/**
 * ctr_rename() - rename container @ref to @name and emit a "rename" event.
 * Return: 0; -EINVAL for a name podman would refuse; -EEXIST when another container has it;
 * -ENOENT when @ref does not exist.
 */
int ctr_rename(struct berth_ctx *ctx, struct store *s, const char *ref, const char *name,
	       berth_error *err);

#endif
