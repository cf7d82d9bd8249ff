/* SPDX-License-Identifier: Apache-2.0 */
#include "util/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int read_fd_all(int fd, size_t max, char **ret_data, size_t *ret_len, berth_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *n = realloc(buf, ncap + 1);
			if (!n)
				return berr(err, ENOMEM, "out of memory");
			buf = n;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return berr_errno(err, errno, "read");
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			return berr(err, EFBIG, "input is larger than the limit of %zu bytes", max);
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return berr(err, ENOMEM, "out of memory");
	}
	buf[len] = '\0';
	*ret_data = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret_data, size_t *ret_len,
		 berth_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "open %s", path);
	r = read_fd_all(fd, max, ret_data, ret_len, err);
	if (r < 0)
		return berr_prefix(err, "%s", path);
	return 0;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fsync_dir_at(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

static int write_file_renamed_at(int dirfd, const char *path, const void *data, size_t len,
				 mode_t mode, bool durable, berth_error *err)
{
	char tmp[4096];
	_cleanup_close_ int fd = -1;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return berr(err, ENAMETOOLONG, "path too long: %s", path);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return berr_errno(err, errno, "create %s", tmp);
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return berr_errno(err, r, "write %s", path);
	}
	/* The rename is durable only once the directory entry is on disk. */
	if (durable)
		(void)fsync_dir_at(dirfd);
	return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 berth_error *err)
{
	return write_file_renamed_at(dirfd, path, data, len, mode, true, err);
}

int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			  berth_error *err)
{
	return write_file_renamed_at(dirfd, path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, berth_error *err)
{
	_cleanup_free_ char *copy = strdup(path);
	struct stat st;

	if (!copy)
		return berr(err, ENOMEM, "out of memory");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0; /* the common case: one call rather than a mkdir per component */
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "create directory %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return berr_errno(err, errno, "create directory %s", copy);
	if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode))
		return berr(err, ENOTDIR, "%s exists and is not a directory", copy);
	return 0;
}

static int rm_children(int fd, berth_error *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd);
		return berr_errno(err, errno, "opendir");
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int q = rm_rf_at(dirfd(d), de->d_name, err);
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	return r;
}

int rm_rf_at(int dirfd, const char *name, berth_error *err)
{
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return berr_errno(err, errno, "remove %s", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : berr_errno(err, errno, "open %s", name);
	int r = rm_children(fd, err);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = berr_errno(err, errno, "remove directory %s", name);
	return r;
}
