/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_merge.c - the union view of unpacked layers copied into a directory (see layer_merge.h).
 * Layers are applied bottom-up: a whiteout removes what lower layers put there, an opaque
 * directory is emptied before its own entries are copied, and anything else replaces.
 */
#include "store/layer_merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

#define MERGE_MAX_DEPTH 256

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd)
{
	char v[2] = { 0 };

	return (fgetxattr(dirfd, "trusted.overlay.opaque", v, 1) == 1 ||
		fgetxattr(dirfd, "user.overlay.opaque", v, 1) == 1) &&
	       v[0] == 'y';
}

/* Removes every entry of directory @fd. */
static int empty_dir(int fd, berth_error *err)
{
	_cleanup_close_ int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (dup < 0 || !(d = fdopendir(dup)))
		return berr_errno(err, errno, "read a directory to empty it");
	TAKE_FD(dup);
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			r = rm_rf_at(fd, de->d_name, err);
	closedir(d);
	return r == -ENOENT ? 0 : r;
}

static int copy_meta(int dfd, const char *name, const struct stat *st, berth_error *err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	/* Owner first: chown clears set-id bits that the chmod then restores. An id that is not
	 * ours (EINVAL: unmapped) leaves the copier's, as podman's copy-up does. */
	if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EINVAL && errno != EPERM)
		return berr_errno(err, errno, "set the owner of %s", name);
	if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return berr_errno(err, errno, "set the mode of %s", name);
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "set the times of %s", name);
	return 0;
}

static int copy_file(int sfd, int dfd, const char *name, berth_error *err)
{
	_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return berr_errno(err, errno, "open %s in a layer", name);
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berr_errno(err, errno, "create %s", name);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return berr_errno(err, errno, "write %s", name);
	if (n < 0)
		return berr_errno(err, errno, "read %s in a layer", name);
	return 0;
}

static int merge_dir(int sfd, int dfd, int depth, berth_error *err);

/* Applies entry @name of layer directory @sfd onto @dfd. */
static int merge_entry(int sfd, int dfd, const char *name, int depth, berth_error *err)
{
	struct stat st, dst;
	bool exists;
	int r = 0;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "stat %s in a layer", name);
	exists = fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && (!S_ISDIR(st.st_mode) || !S_ISDIR(dst.st_mode))) {
		r = rm_rf_at(dfd, name, err);
		if (r < 0 && r != -ENOENT)
			return r;
		exists = false;
	}
	if (is_whiteout(&st))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		if (!exists && mkdirat(dfd, name, 0700) < 0)
			return berr_errno(err, errno, "create directory %s", name);
		s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return berr_errno(err, errno, "open directory %s", name);
		if (exists && is_opaque(s) && (r = empty_dir(d, err)) < 0)
			return r;
		r = merge_dir(s, d, depth + 1, err);
		if (r < 0)
			return r;
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(sfd, dfd, name, err);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4097];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_errno(err, errno, "read link %s", name);
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return berr_errno(err, errno, "create link %s", name);
	} else if (mknodat(dfd, name, st.st_mode, st.st_rdev) < 0) {
		/* Device nodes cannot be made in a user namespace; /dev is mounted anyway. */
		if (errno != EPERM)
			return berr_errno(err, errno, "create node %s", name);
		return 0;
	}
	if (r < 0 || (r = copy_meta(dfd, name, &st, err)) < 0)
		return r;
	return 1;
}

static int merge_dir(int sfd, int dfd, int depth, berth_error *err)
{
	_cleanup_close_ int dup = -1;
	DIR *d;
	struct dirent *de;
	int r = 0, n = 0;

	if (depth > MERGE_MAX_DEPTH)
		return berr(err, ELOOP, "layer directories nested deeper than %d", MERGE_MAX_DEPTH);
	dup = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0 || !(d = fdopendir(dup)))
		return berr_errno(err, errno, "read a layer directory");
	TAKE_FD(dup);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = merge_entry(sfd, dfd, de->d_name, depth, err);
		if (r < 0)
			break;
		n += r;
	}
	closedir(d);
	return r < 0 ? r : n;
}

/*
 * Opens @subpath in one layer as a directory: 1 with *ret set, 0 when the layer has nothing
 * there, 2 when the layer hides everything lower (a whiteout, a non-directory or an opaque
 * directory on the way; *ret is set for an opaque directory at @subpath itself).
 */
static int open_in_layer(const char *layer, const char *subpath, int *ret)
{
	_cleanup_free_ char *copy = strdup(subpath);
	_cleanup_close_ int fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *save = NULL;
	int hidden = 0;

	*ret = -1;
	if (!copy)
		return -ENOMEM;
	if (fd < 0)
		return 0;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct stat st;
		int next;
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return -EINVAL;
		if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hidden ? 2 : 0;
		if (!S_ISDIR(st.st_mode))
			return 2;
		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return -errno;
		close(fd);
		fd = next;
		if (is_opaque(fd))
			hidden = 1;
	}
	*ret = TAKE_FD(fd);
	return hidden ? 2 : 1;
}

int layer_merge(char *const *layers, const char *subpath, const char *dst, berth_error *err)
{
	_cleanup_close_ int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t n = 0;
	int total = 0;

	if (dfd < 0)
		return berr_errno(err, errno, "open %s", dst);
	while (layers && layers[n])
		n++;
	while (n-- > 0) {
		_cleanup_close_ int sfd = -1;
		int found = open_in_layer(layers[n], subpath, &sfd), r;
		if (found < 0)
			return berr_errno(err, -found, "look up %s in layer %s", subpath, layers[n]);
		if (found == 2) {
			r = empty_dir(dfd, err);
			if (r < 0)
				return r;
			total = 0;
		}
		if (sfd < 0)
			continue;
		r = merge_dir(sfd, dfd, 0, err);
		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

int layer_merge_dir_empty(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int empty = 1;

	if (fd < 0 || !(d = fdopendir(fd)))
		return -errno;
	TAKE_FD(fd);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}
