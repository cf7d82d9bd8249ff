/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.c - `berth export` / `container export CONTAINER [-o FILE]`: a tar of the container's
 * whole root filesystem as it sees it. A child in its own mount namespace (inside the store's
 * user namespace when rootless) mounts a read-only overlay of the container's upper dir over its
 * image's layers (no upper dir, so nothing can change) and hands the merged tree to
 * layer_diff_write() (uncompressed); the mount dies with the child's namespace. With -o, the tar
 * goes to a temp file next to FILE that is renamed over it only when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "store/container.h"
#include "transfer/build_copy.h"
#include "transfer/commit_image.h"
#include "util/macro.h"


struct export_job {
	char **layers; /* the upper dir, then the image's layers */
	const char *mnt;
	bool userxattr;
	int out;
};

static size_t strv_len_(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int export_run(void *data, berth_error *err)
{
	struct export_job *j = data;
	_cleanup_close_ int root = -1;
	struct layer_diff_opts o = { .skip_empty = cimg_mount_points };
	int r;

	r = bcopy_mount_layers(j->layers, j->mnt, j->userxattr, err);
	if (r < 0)
		return berr_prefix(err, "export");
	root = open(j->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berr_errno(err, errno, "export: open %s", j->mnt);
	return layer_diff_write(root, j->out, &o, NULL, err);
}

static int do_export(struct berth_ctx *ctx, struct store *s, const char *ref, int out,
		     berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_free_ char *upper = NULL, *mnt = NULL;
	_cleanup_strv_free_ char **lowers = NULL;
	struct export_job j = { .out = out, .userxattr = ctx->rootless };
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	r = store_container_dir_path(s, c->id, "upper", &upper, err);
	if (r < 0)
		return r;
	r = store_image_lower_dirs(s, c->image_id, &lowers, err);
	if (r < 0)
		return r;
	if (asprintf(&mnt, "%s/tmp/export-XXXXXX", store_root(s)) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (!mkdtemp(mnt))
		return berr_errno(err, errno, "create %s", mnt);
	j.layers = calloc(strv_len_(lowers) + 2, sizeof(char *));
	if (!j.layers)
		return berr(err, ENOMEM, "out of memory");
	j.layers[0] = upper;
	memcpy(j.layers + 1, lowers, strv_len_(lowers) * sizeof(char *));
	j.mnt = mnt;
	r = cimg_run_in_root(ctx, true, export_run, &j, err);
	free(j.layers);
	(void)rmdir(mnt);
	return r;
}

TRANSFER_HANDLER int cmd_export(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *path = cli_str(args, "output");
	berth_error err = { 0 };
	int r;

	if (!path && isatty(STDOUT_FILENO))
		return cli_error("refusing to export to terminal. Use -o flag or redirect");
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (path) {
		if (asprintf(&tmp, "%s.berth-tmp-XXXXXX", path) < 0)
			return cli_error("out of memory");
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return cli_error("export: create %s: %s", path, strerror(errno));
		(void)fchmod(fd, 0644);
	}
	r = do_export(ctx, s, cli_argv(args)[0], path ? fd : STDOUT_FILENO, &err);
	if (r >= 0 && path && (fsync(fd) < 0 || rename(tmp, path) < 0))
		r = berr_errno(&err, errno, "export: write %s", path);
	if (r < 0) {
		if (tmp)
			(void)unlink(tmp);
		return cli_fail(&err);
	}
	return 0;
}
