/* SPDX-License-Identifier: Apache-2.0 */
/*
 * helper.h - start a network helper (pasta, slirp4netns) with a container's namespaces as
 * inherited fds: opening another process's /proc/PID/ns files would need ptrace rights the
 * helper, which drops its capabilities, does not have.
 */
#ifndef BERTH_NETWORK_HELPER_H
#define BERTH_NETWORK_HELPER_H

#include <sys/types.h>

#include "util/error.h"

#define NET_HELPER_NETNS_FD  3 /* the helper opens /proc/self/fd/3 ... */
#define NET_HELPER_USERNS_FD 4 /* ... and /proc/self/fd/4 */
#define NET_HELPER_EXTRA_FD  5 /* e.g. slirp4netns's --ready-fd */

/**
 * net_helper_find() - the first executable of @names (absolute paths, NULL-terminated), or NULL.
 */
const char *net_helper_find(const char *const *names);

/**
 * net_helper_spawn() - fork and exec @path with @argv; the child gets /dev/null as stdin,
 * @logfd as stdout and stderr, @netns_fd, @userns_fd (or -1) and @extra_fd (or -1) as the fds
 * above, nothing else, @cwd as working directory (NULL: ours), default signals, and SIGKILL should the caller die (the helper holds the
 * namespace open, so it must not outlive the container's monitor).
 * @ret_pid:	the helper's pid (the caller's child, to be ended and reaped)
 */
int net_helper_spawn(const char *path, const char *const *argv, const char *cwd, int netns_fd,
		     int userns_fd, int extra_fd, int logfd, pid_t *ret_pid, berth_error *err);

#endif
