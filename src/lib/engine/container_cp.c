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
#include "engine/container_cp_root.h"
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
	/* "..": the kernel answers EAGAIN when any mount or rename raced the lookup; try again */
	for (int tries = 0; tries < 64; tries++) {
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
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

struct open_job {
	const char *path;
	int flags;
	ctr_cp_root_fn fn;
	void *data;
};

static int open_in_root(int root, const char *name, void *data, berth_error *err)
{
	struct open_job *j = data;
	_cleanup_close_ int fd = open_at(root, j->path, j->flags, true);

	if (fd < 0)
		return berr_errno(err, -fd, "%s in container %s", j->path, name);
	return j->fn(fd, name, j->data, err);
}

int ctr_cp_at(struct berth_ctx *ctx, struct store *s, const char *ref, const char *path,
	      int flags, ctr_cp_root_fn fn, void *data, berth_error *err)
{
	struct open_job j = { .path = path, .flags = flags, .fn = fn, .data = data };

	if (!*path)
		return berr(err, EINVAL, "an empty path was given: use CONTAINER:/path");
	return ctr_cp_in_root(ctx, s, ref, open_in_root, &j, err);
}

char *ctr_cp_split(const char *arg, const char **ret_path)
{
	return split_ref(arg, ret_path);
}

struct cp_job {
	const char *spath, *dpath;
	bool src_in, dst_in; /* which side is inside the container */
};

static int cp_run(int root, const char *name, void *data, berth_error *err)
{
	struct cp_job *j = data;
	_cleanup_close_ int sdir = -1, ddir = -1, probe = -1;
	_cleanup_free_ char *s1 = NULL, *s2 = NULL, *d1 = NULL, *d2 = NULL;

	(void)name;
	/* the source's parent directory, and the source's own name */
	if (!(s1 = strdup(j->spath)) || !(s2 = strdup(j->spath)) || !(d1 = strdup(j->dpath)) ||
	    !(d2 = strdup(j->dpath)))
		return berr(err, ENOMEM, "out of memory");
	const char *sbase = basename(s1), *sparent = dirname(s2);
	if (strcmp(sbase, "/") == 0 || strcmp(sbase, "..") == 0)
		sbase = ".";
	sdir = open_at(root, sparent, O_RDONLY | O_DIRECTORY, j->src_in);
	if (sdir < 0)
		return berr_errno(err, -sdir, "%s: no such directory", sparent);
	struct stat st;
	if (fstatat(sdir, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "could not find %s", j->spath);
	/* destination: an existing directory receives the source under its name */
	probe = open_at(root, j->dpath, O_RDONLY | O_DIRECTORY, j->dst_in);
	if (probe >= 0) {
		ddir = TAKE_FD(probe);
		return copy_tree(sdir, sbase, ddir, strcmp(sbase, ".") == 0 ? "." : sbase, 0, err);
	}
	const char *dbase = basename(d1), *dparent = dirname(d2);
	ddir = open_at(root, dparent, O_RDONLY | O_DIRECTORY, j->dst_in);
	if (ddir < 0)
		return berr_errno(err, -ddir, "%s: no such directory", dparent);
	return copy_tree(sdir, sbase, ddir, dbase, 0, err);
}

int ctr_cp(struct berth_ctx *ctx, struct store *s, const char *src, const char *dst,
	   berth_error *err)
{
	const char *spath = src, *dpath = dst;
	_cleanup_free_ char *sref = split_ref(src, &spath), *dref = split_ref(dst, &dpath);

	if (!!sref == !!dref)
		return berr(err, EINVAL, "copying %s: exactly one of source and destination must "
					 "be CONTAINER:PATH", sref ? "between containers" : "on the host");
	if (!*spath || !*dpath)
		return berr(err, EINVAL, "an empty path was given: use CONTAINER:/path");
	struct cp_job j = { .spath = spath, .dpath = dpath, .src_in = sref != NULL,
			    .dst_in = dref != NULL };
	return ctr_cp_in_root(ctx, s, sref ? sref : dref, cp_run, &j, err);
}
