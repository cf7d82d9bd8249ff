/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_mount.c - `mount`/`unmount` (see container_mount.h).
 */
#include "engine/container_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "runtime/runtime.h"
#include "store/container.h"
#include "util/fileio.h"
#include "util/macro.h"

#define COUNT_FILE "mounts"

static long count_read(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *dir = ctr_rundir_path(ctx, id), *text = NULL;
	_cleanup_close_ int dfd = -1;

	if (!dir || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if (read_file_at(dfd, COUNT_FILE, 64, &text, NULL, NULL) < 0)
		return 0;
	return strtol(text, NULL, 10) > 0 ? strtol(text, NULL, 10) : 0;
}

static int count_write(struct berth_ctx *ctx, const char *id, long n, berth_error *err)
{
	_cleanup_free_ char *dir = ctr_rundir_path(ctx, id);
	_cleanup_close_ int dfd = -1;
	char buf[32];
	int r;

	if (!dir)
		return berr(err, ENOMEM, "out of memory");
	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_errno(err, errno, "open %s", dir);
	if (n <= 0) {
		if (unlinkat(dfd, COUNT_FILE, 0) < 0 && errno != ENOENT)
			return berr_errno(err, errno, "remove %s/%s", dir, COUNT_FILE);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%ld\n", n);
	return write_file_atomic_at(dfd, COUNT_FILE, buf, strlen(buf), 0600, err);
}

/* whether something is mounted on @path (it sits on another device than its parent) */
static bool is_mount_point(const char *path)
{
	_cleanup_free_ char *parent = NULL;
	struct stat a, b;

	if (asprintf(&parent, "%s/..", path) < 0)
		return false;
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int lookup_locked(struct berth_ctx *ctx, struct store *s, const char *ref,
			 struct store_container **ret, int *ret_lock, char **ret_path,
			 berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	int r;

	if (ctx->rootless)
		return berr(err, EPERM,
			    "cannot run command \"berth mount\" in rootless mode, must execute "
			    "`berth unshare` first");
	if ((r = store_container_lookup(s, ref, &c, err)) < 0 ||
	    (r = store_container_lock(s, c->id, ret_lock, err)) < 0)
		return r;
	if ((r = store_container_dir_path(s, c->id, "merged", ret_path, err)) < 0) {
		close(*ret_lock);
		return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int ctr_mount(struct berth_ctx *ctx, struct store *s, const char *ref, char **ret_path,
	      berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *path = NULL;
	long n;
	int r;

	if ((r = lookup_locked(ctx, s, ref, &c, &lock, &path, err)) < 0)
		return r;
	n = count_read(ctx, c->id);
	if (n == 0 || !is_mount_point(path)) {
		_cleanup_free_ char *bundle = ctr_userdata_path(ctx, c->id);
		struct runtime_config *cfg = NULL;
		if (!bundle)
			return berr(err, ENOMEM, "out of memory");
		if ((r = runtime_config_load(bundle, &cfg, err)) < 0)
			return r;
		r = runtime_rootfs_mount(cfg, err);
		runtime_config_free(cfg);
		if (r < 0)
			return berr_prefix(err, "mount container %s", c->name), r;
		n = 0;
	}
	if ((r = count_write(ctx, c->id, n + 1, err)) < 0) {
		if (n == 0)
			umount2(path, MNT_DETACH);
		return r;
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

int ctr_unmount(struct berth_ctx *ctx, struct store *s, const char *ref, bool force,
		berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *path = NULL;
	long n;
	int r;

	if ((r = lookup_locked(ctx, s, ref, &c, &lock, &path, err)) < 0)
		return r;
	n = count_read(ctx, c->id);
	if (n == 0)
		return 0;
	n = force ? 0 : n - 1;
	if (n == 0 && is_mount_point(path) && umount2(path, 0) < 0)
		return berr_errno(err, errno, "unmount container %s from %s", c->name, path);
	return count_write(ctx, c->id, n, err);
}

char *ctr_mount_path(struct berth_ctx *ctx, struct store *s, const char *id)
{
	char *path = NULL;

	if (count_read(ctx, id) == 0 || store_container_dir_path(s, id, "merged", &path, NULL) < 0)
		return NULL;
	if (!is_mount_point(path)) {
		free(path);
		return NULL;
	}
	return path;
}

void ctr_mount_release(struct berth_ctx *ctx, struct store *s, const char *id)
{
	_cleanup_free_ char *path = NULL;

	if (count_read(ctx, id) == 0)
		return;
	if (store_container_dir_path(s, id, "merged", &path, NULL) == 0 && is_mount_point(path))
		umount2(path, MNT_DETACH);
	count_write(ctx, id, 0, NULL);
}
