/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_cp_root.c - a container's root for `cp` (see container_cp_root.h).
 */
#include "engine/container_cp_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/container_mount.h"
#include "engine/run_private.h"
#include "runtime/runtime.h"
#include "store/container.h"
#include "util/macro.h"

struct mount_job {
	const struct runtime_config *cfg;
	const char *merged; /* where runtime_rootfs_mount() mounts it */
	const char *name;
	ctr_cp_root_fn fn;
	void *data;
};

/* in the child's private mount namespace: mount the overlay, then copy */
static int mount_and_run(void *data, berth_error *err)
{
	struct mount_job *j = data;
	_cleanup_close_ int fd = -1;
	int r;

	if ((r = runtime_rootfs_mount(j->cfg, err)) < 0)
		return berr_prefix(err, "mount container %s to copy files", j->name), r;
	fd = open(j->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berr_errno(err, errno, "open %s", j->merged);
	return j->fn(fd, j->name, j->data, err);
}

static int run_mounted(struct berth_ctx *ctx, struct store *s, const struct store_container *c,
		       ctr_cp_root_fn fn, void *data, berth_error *err)
{
	_cleanup_free_ char *bundle = ctr_userdata_path(ctx, c->id), *merged = NULL;
	struct runtime_config *cfg = NULL;
	int r;

	if (!bundle)
		return berr(err, ENOMEM, "out of memory");
	if ((r = store_container_dir_path(s, c->id, "merged", &merged, err)) < 0 ||
	    (r = runtime_config_load(bundle, &cfg, err)) < 0)
		return r;
	struct mount_job j = {
	    .cfg = cfg, .merged = merged, .name = c->name, .fn = fn, .data = data};
	r = ctr_run_private(ctx, true, mount_and_run, &j, err);
	runtime_config_free(cfg);
	return r;
}

static bool is_live(const struct store_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
	       strcmp(c->state, "stopping") == 0;
}

int ctr_cp_in_root(struct berth_ctx *ctx, struct store *s, const char *ref, ctr_cp_root_fn fn,
		   void *data, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int lock = -1, fd = -1;
	_cleanup_free_ char *mounted = NULL;
	int r;

	if ((r = ctr_get(ctx, s, ref, &c, err)) < 0)
		return r;
	if (!is_live(c)) {
		/* under the lock it cannot start; read its state again now that we hold it */
		_cleanup_free_ char *id = strdup(c->id);
		if (!id)
			return berr(err, ENOMEM, "out of memory");
		if ((r = store_container_lock(s, id, &lock, err)) < 0)
			return r;
		store_container_free(TAKE_PTR(c));
		if ((r = store_container_lookup(s, id, &c, err)) < 0)
			return r;
	}
	if (is_live(c)) {
		char proot[64];
		close(TAKE_FD(lock));
		snprintf(proot, sizeof(proot), "/proc/%d/root", (int)c->pid);
		fd = open(proot, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return berr_errno(err, errno, "open the root of container %s", c->name);
		return fn(fd, c->name, data, err);
	}
	if (!ctx->rootless && (mounted = ctr_mount_path(ctx, s, c->id))) {
		fd = open(mounted, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return berr_errno(err, errno, "open %s", mounted);
		return fn(fd, c->name, data, err);
	}
	return run_mounted(ctx, s, c, fn, data, err);
}
