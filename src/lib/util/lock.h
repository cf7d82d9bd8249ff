/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lock.h - flock(2) based locks on files (and directories). A lock lives as long as the open
 * file description: closing the fd (or the process dying, kill -9 included) releases it, so a
 * crashed berth never leaves a stale lock behind.
 */
#ifndef BERTH_UTIL_LOCK_H
#define BERTH_UTIL_LOCK_H

#include <stdbool.h>

#include "util/error.h"

/**
 * lock_open_at() - open (creating, mode 0600) the lock file @path under @dirfd and flock it
 * @exclusive:	LOCK_EX when true, LOCK_SH otherwise
 * @wait:	block until granted; when false, -EWOULDBLOCK if someone else holds it
 * @ret_fd:	receives the fd that holds the lock (O_CLOEXEC)
 */
int lock_open_at(int dirfd, const char *path, bool exclusive, bool wait, int *ret_fd,
		 berth_error *err);

/**
 * lock_fd() - flock an fd already open (a file or a directory); retries EINTR
 * Return: 0, -EWOULDBLOCK when !@wait and the lock is held elsewhere, other negative errnos.
 */
int lock_fd(int fd, bool exclusive, bool wait);

/** lock_release() - drop the flock on @fd (the fd stays open). */
void lock_release(int fd);

/**
 * lock_is_held_at() - true when someone holds a flock on @path under @dirfd (probed with a
 * non-blocking exclusive lock that is dropped at once). A missing file is "not held".
 */
bool lock_is_held_at(int dirfd, const char *path);

#endif
