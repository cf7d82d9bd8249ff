/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cp_archive.c - `cp CTR:PATH -` (a tar of PATH on stdout) and `cp - CTR:DIR` (a tar from stdin
 * unpacked into DIR). They run in berth-transfer because reading every tar dialect users hand
 * over (GNU long names, pax, compressed) is libarchive's job; plain berth execs this program
 * (cmd_cp in src/cli/container_more.c). Unpacking goes through layer_extract(), whose contract
 * keeps every entry inside the destination directory (".." climbing out is refused; symlinks
 * are resolved below it); the destination itself is opened inside the container's root with
 * RESOLVE_IN_ROOT. Writing walks the tree with *at() calls and O_NOFOLLOW.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container_cp.h"
#include "store/layer_extract.h"
#include "store/store.h"
#include "util/macro.h"

#define CP_TAR_MAX_DEPTH 128

static void entry_freep(struct archive_entry **e)
{
	archive_entry_free(*e);
}

static int tar_error(struct archive *a, const char *what, berth_error *err)
{
	return berr(err, EIO, "write the archive (%s): %s", what, archive_error_string(a));
}

/* add @name of directory @dfd to @a as @path (recursively) */
static int tar_add(struct archive *a, int dfd, const char *name, const char *path, int depth,
		   berth_error *err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r = 0;

	if (!e)
		return berr(err, ENOMEM, "out of memory");
	if (depth > CP_TAR_MAX_DEPTH)
		return berr(err, ELOOP, "%s: directories nested too deep", path);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "stat %s", path);
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, path);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_errno(err, errno, "read link %s", path);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_errno(err, errno, "open %s", path);
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return tar_error(a, path, err);
	if (S_ISREG(st.st_mode)) {
		char buf[65536];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (archive_write_data(a, buf, (size_t)n) < 0)
				return tar_error(a, path, err);
		if (n < 0)
			return berr_errno(err, errno, "read %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		int lfd = dup(fd);
		DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
		if (!d) {
			if (lfd >= 0)
				close(lfd);
			return berr_errno(err, errno, "list %s", path);
		}
		for (struct dirent *de; r == 0 && (de = readdir(d));) {
			_cleanup_free_ char *child = NULL;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (asprintf(&child, "%s/%s", path, de->d_name) < 0) {
				r = berr(err, ENOMEM, "out of memory");
				break;
			}
			r = tar_add(a, fd, de->d_name, strcmp(path, ".") == 0 ? de->d_name : child,
				    depth + 1, err);
		}
		closedir(d);
	}
	return r;
}

struct out_job {
	const char *base, *path;
};

/* the tar of base name @data->base below directory @dir on stdout */
static int archive_write_out(int dir, const char *name, void *data, berth_error *err)
{
	const struct out_job *j = data;
	const char *base = j->base;
	struct archive *a;
	int r;

	if (faccessat(dir, base, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "could not find %s in container %s", j->path, name);
	a = archive_write_new();
	if (!a)
		return berr(err, ENOMEM, "out of memory");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, STDOUT_FILENO) != ARCHIVE_OK)
		r = tar_error(a, "open", err);
	else
		r = tar_add(a, dir, base, base, 0, err);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = tar_error(a, "close", err);
	archive_write_free(a);
	return r;
}

/* `cp CTR:PATH -`: PATH (a file, a link or a tree) as a pax tar on stdout, named by its base */
static int archive_out(struct berth_ctx *ctx, struct store *s, const char *ref,
		       const char *path, berth_error *err)
{
	_cleanup_free_ char *p1 = strdup(path), *p2 = strdup(path);
	const char *base, *parent;

	if (!p1 || !p2)
		return berr(err, ENOMEM, "out of memory");
	base = basename(p1);
	parent = dirname(p2);
	/* "/" and "dir/." copy the contents, without a top directory */
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0) {
		parent = path;
		base = ".";
	}
	if (strcmp(base, "..") == 0)
		return berr(err, EINVAL, "%s: name the directory itself, not \"..\"", path);
	struct out_job j = { .base = base, .path = path };
	return ctr_cp_at(ctx, s, ref, parent, O_RDONLY | O_DIRECTORY, archive_write_out, &j, err);
}

static int archive_extract(int dir, const char *name, void *data, berth_error *err)
{
	(void)name;
	return layer_extract(dir, STDIN_FILENO, data, NULL, err);
}

/* `cp - CTR:DIR`: the tar on stdin unpacked into DIR, every entry kept inside DIR */
static int archive_in(struct berth_ctx *ctx, struct store *s, const char *ref, const char *path,
		      berth_error *err)
{
	struct layer_extract_opts opts = { .rootless = ctx->rootless,
					   .whiteouts = LAYER_WHITEOUT_KEEP,
					   .what = "archive from stdin" };
	int r;

	if (isatty(STDIN_FILENO))
		return berr(err, EINVAL, "cp -: stdin is a terminal: pipe a tar archive into it");
	r = ctr_cp_at(ctx, s, ref, path, O_RDONLY | O_DIRECTORY, archive_extract, &opts, err);
	if (r == -ENOTDIR)
		return berr(err, ENOTDIR, "destination %s in container %s must be a directory "
					  "when copying from stdin", path, ref);
	return r;
}

int cli_cp_archive(struct berth_ctx *ctx, struct cli_args *args)
{
	const char *src = cli_argv(args)[0], *dst = cli_argv(args)[1], *path = NULL;
	bool out = strcmp(dst, "-") == 0;
	_cleanup_free_ char *ref = ctr_cp_split(out ? src : dst, &path);
	struct store *s = NULL;
	berth_error err = { 0 };
	int rc;

	if (strcmp(src, "-") == 0 && out)
		return cli_error("\"-\" cannot be both source and destination");
	if (!ref)
		return cli_error("copying %s \"-\": the other side must be CONTAINER:PATH",
				 out ? "to" : "from");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if ((out ? archive_out(ctx, s, ref, path, &err) : archive_in(ctx, s, ref, path, &err)) < 0)
		rc = cli_fail(&err);
	store_close(s);
	return rc;
}
