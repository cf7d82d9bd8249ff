/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_cp.h - `cp` between a container (running or not) and the host. Paths inside the
 * container are resolved with openat2(RESOLVE_IN_ROOT) under its root (container_cp_root.h),
 * so a symlink pointing outside ("/etc" → "/../../../etc") resolves inside the container's root, never to the host's
 * (CVE-2018-15664 class); every file below is opened relative to its parent's fd with
 * O_NOFOLLOW. Regular files, directories (recursively) and symlinks (copied as links) are
 * copied; modes are kept, ownership is not.
 */
#ifndef BERTH_ENGINE_CONTAINER_CP_H
#define BERTH_ENGINE_CONTAINER_CP_H

#include <stdbool.h>

#include "engine/container_cp_root.h"
#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/**
 * ctr_cp() - copy @src to @dst; exactly one of them is "CONTAINER:PATH". As cp(1): when the
 * destination is an existing directory the source goes inside it under its own name.
 */
int ctr_cp(struct berth_ctx *ctx, struct store *s, const char *src, const char *dst,
	   berth_error *err);

/**
 * ctr_cp_split() - "CONTAINER:PATH" → malloc'd "CONTAINER" and *@ret_path; NULL for a host path
 * (absolute, relative with "." or without a colon).
 */
char *ctr_cp_split(const char *arg, const char **ret_path);

/**
 * ctr_cp_at() - open @path inside the root of container @ref (running or not) with @flags
 * (O_CLOEXEC added), resolved with RESOLVE_IN_ROOT, and run @fn(fd, name, @data) on it; for `cp`
 * with archives (berth-transfer). For a stopped container @fn runs in a child process.
 */
int ctr_cp_at(struct berth_ctx *ctx, struct store *s, const char *ref, const char *path,
	      int flags, ctr_cp_root_fn fn, void *data, berth_error *err);

#endif
