/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_cp.c - copies between a container's root and the host (see container_cp.h).
 */
#include "engine/container_cp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/container.h"
#include "util/macro.h"

#define CP_MAX_DEPTH 128

/* open @path under @root: inside the root when @in_root, else a host path */
static int open_at(int root, const char *path, int flags, bool in_root)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
				.resolve = in_root ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS : 0 };
	int fd;

	if (!in_root) {
		fd = open(path, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static int copy_data(int in, int out, const char *name, berth_error *err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_errno(err, errno, "read %s", name);
		if (n == 0)
			return 0;
		for (ssize_t o = 0; o < n;) {
			ssize_t w = write(out, buf + o, (size_t)(n - o));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return berr_errno(err, errno, "write %s", name);
			o += w;
		}
	}
}

/* copy the object @name of directory @sfd into directory @dfd as @dname (no symlinks followed) */
static int copy_tree(int sfd, const char *name, int dfd, const char *dname, int depth,
		     berth_error *err)
{
	struct stat st;

	if (depth > CP_MAX_DEPTH)
		return berr(err, ELOOP, "copy %s: directories nested too deep", name);
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "stat %s", name);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_errno(err, errno, "read link %s", name);
		target[n] = '\0';
		unlinkat(dfd, dname, 0);
		if (symlinkat(target, dfd, dname) < 0)
			return berr_errno(err, errno, "create link %s", dname);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = -1;
		if (in < 0)
			return berr_errno(err, errno, "open %s", name);
		out = openat(dfd, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			     st.st_mode & 07777);
		if (out < 0)
			return berr_errno(err, errno, "create %s", dname);
		fchmod(out, st.st_mode & 07777);
		return copy_data(in, out, name, err);
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = -1;
		if (in < 0)
			return berr_errno(err, errno, "open %s", name);
		if (mkdirat(dfd, dname, st.st_mode & 07777) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "create directory %s", dname);
		out = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out < 0)
			return berr_errno(err, errno, "open directory %s", dname);
		int lfd = dup(in);
		DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
		if (!d) {
			if (lfd >= 0)
				close(lfd);
			return berr_errno(err, errno, "list %s", name);
		}
		int r = 0;
		for (struct dirent *de; r == 0 && (de = readdir(d));) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = copy_tree(in, de->d_name, out, de->d_name, depth + 1, err);
		}
		closedir(d);
		return r;
	}
	return berr(err, ENOTSUP, "copy %s: only files, directories and links can be copied", name);
}

/* split "CONTAINER:PATH"; NULL when @arg is a host path */
static char *split_ref(const char *arg, const char **ret_path)
{
	const char *colon = strchr(arg, ':');

	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
		return NULL;
	*ret_path = colon + 1;
	return strndup(arg, (size_t)(colon - arg));
}

/* running container @ref and an O_PATH fd of its root (/proc/PID/root) */
static int container_root(struct berth_ctx *ctx, struct store *s, const char *ref,
			  struct store_container **ret, int *ret_root, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	char proot[64];
	int r, root;

	if ((r = ctr_get(ctx, s, ref, &c, err)) < 0)
		return r;
	if (strcmp(c->state, "running") != 0)
		return berr(err, EINVAL, "container %s is not running: start it to copy files "
					 "(copying from stopped containers is not supported yet)", c->name);
	snprintf(proot, sizeof(proot), "/proc/%d/root", (int)c->pid);
	root = open(proot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berr_errno(err, errno, "open the root of container %s", c->name);
	*ret = TAKE_PTR(c);
	*ret_root = root;
	return 0;
}

int ctr_cp_open(struct berth_ctx *ctx, struct store *s, const char *ref, const char *path,
		int flags, int *ret_fd, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int root = -1;
	int r, fd;

	if ((r = container_root(ctx, s, ref, &c, &root, err)) < 0)
		return r;
	if (!*path)
		return berr(err, EINVAL, "an empty path was given: use CONTAINER:/path");
	fd = open_at(root, path, flags, true);
	if (fd < 0)
		return berr_errno(err, -fd, "%s in container %s", path, c->name);
	*ret_fd = fd;
	return 0;
}

char *ctr_cp_split(const char *arg, const char **ret_path)
{
	return split_ref(arg, ret_path);
}

int ctr_cp(struct berth_ctx *ctx, struct store *s, const char *src, const char *dst,
	   berth_error *err)
{
	const char *spath = src, *dpath = dst;
	_cleanup_free_ char *sref = split_ref(src, &spath), *dref = split_ref(dst, &dpath);
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int root = -1, sdir = -1, ddir = -1, probe = -1;
	_cleanup_free_ char *s1 = NULL, *s2 = NULL, *d1 = NULL, *d2 = NULL;
	int r;

	if (!!sref == !!dref)
		return berr(err, EINVAL, "copying %s: exactly one of source and destination must "
					 "be CONTAINER:PATH", sref ? "between containers" : "on the host");
	r = container_root(ctx, s, sref ? sref : dref, &c, &root, err);
	if (r < 0)
		return r;
	if (!*spath || !*dpath)
		return berr(err, EINVAL, "an empty path was given: use CONTAINER:/path");
	/* the source's parent directory, and the source's own name */
	if (!(s1 = strdup(spath)) || !(s2 = strdup(spath)) || !(d1 = strdup(dpath)) ||
	    !(d2 = strdup(dpath)))
		return berr(err, ENOMEM, "out of memory");
	const char *sbase = basename(s1), *sparent = dirname(s2);
	if (strcmp(sbase, "/") == 0 || strcmp(sbase, "..") == 0)
		sbase = ".";
	sdir = open_at(root, sparent, O_RDONLY | O_DIRECTORY, sref != NULL);
	if (sdir < 0)
		return berr_errno(err, -sdir, "%s: no such directory", sparent);
	struct stat st;
	if (fstatat(sdir, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "could not find %s", spath);
	/* destination: an existing directory receives the source under its name */
	probe = open_at(root, dpath, O_RDONLY | O_DIRECTORY, dref != NULL);
	if (probe >= 0) {
		ddir = TAKE_FD(probe);
		return copy_tree(sdir, sbase, ddir, strcmp(sbase, ".") == 0 ? "." : sbase, 0, err);
	}
	const char *dbase = basename(d1), *dparent = dirname(d2);
	ddir = open_at(root, dparent, O_RDONLY | O_DIRECTORY, dref != NULL);
	if (ddir < 0)
		return berr_errno(err, -ddir, "%s: no such directory", dparent);
	return copy_tree(sdir, sbase, ddir, dbase, 0, err);
}
