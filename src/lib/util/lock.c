/* SPDX-License-Identifier: Apache-2.0 */
#include "util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/macro.h"

int lock_fd(int fd, bool exclusive, bool wait)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	for (;;) {
		if (flock(fd, op) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

void lock_release(int fd)
{
	if (fd >= 0)
		(void)flock(fd, LOCK_UN);
}

int lock_open_at(int dirfd, const char *path, bool exclusive, bool wait, int *ret_fd,
		 berth_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "open lock file %s", path);
	r = lock_fd(fd, exclusive, wait);
	if (r == -EWOULDBLOCK)
		return berr(err, EWOULDBLOCK, "%s is locked by another berth process; try again", path);
	if (r < 0)
		return berr_errno(err, -r, "lock %s", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

bool lock_is_held_at(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return false;
	return lock_fd(fd, true, false) == -EWOULDBLOCK;
}
