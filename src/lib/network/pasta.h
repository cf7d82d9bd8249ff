/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pasta.h - publishing ports and outbound traffic through pasta (Debian's passt package), for
 * root and rootless containers alike.
 *
 * pasta is handed the container's network (and, rootless, user) namespace as inherited fds and
 * told to open /proc/self/fd/N: opening another process's namespace files would need ptrace
 * rights that pasta, which drops its capabilities first, does not have. pasta runs in the
 * foreground as the caller's child: it writes its pid file once the namespace is configured and
 * every port is bound (so a taken port is reported as an error), and since its fd keeps the
 * namespace alive, the caller ends it when the container exits (PR_SET_PDEATHSIG ends it should
 * the caller die first).
 */
#ifndef BERTH_NETWORK_PASTA_H
#define BERTH_NETWORK_PASTA_H

#include <stdbool.h>
#include <sys/types.h>

#include "network/ports.h"
#include "util/error.h"

/**
 * struct pasta_opts - what to ask pasta for
 * @ports/@nports:	published ports
 * @map_host_loopback:	let the container reach the host's 127.0.0.1 through the gateway
 *			address (--network pasta:--map-gw); off by default, as in podman
 * @extra:		further pasta options from --network pasta:OPT,OPT (NULL-terminated)
 * @pidfile:		where pasta writes its pid (may be NULL)
 */
struct pasta_opts {
	const struct port_mapping *ports;
	size_t nports;
	bool map_host_loopback;
	char *const *extra;
	const char *pidfile;
	const char *logfile;
};

/** pasta_available() - whether pasta is installed. */
bool pasta_available(void);

/**
 * pasta_spawn() - start pasta to configure the namespace behind @netns_fd and forward ports
 * into it; pasta_wait() then waits until it is ready. In between the caller may do other work
 * (the monitor lets the container build its rootfs): pasta needs a few hundred milliseconds.
 * @userns_fd:	the namespace's owning user namespace (rootless), or -1
 * @ret_pid:	pasta's pid (a child of the caller, which must end and reap it, also when
 *		pasta_wait() fails)
 * Return: 0 or a negative errno (helper missing).
 */
int pasta_spawn(int netns_fd, int userns_fd, const struct pasta_opts *opts, pid_t *ret_pid,
		berth_error *err);

/**
 * pasta_wait() - wait until pasta @pid (from pasta_spawn() with the same @opts) is ready
 * Return: 0, or a negative errno with a message that names the cause (port taken,
 * /dev/net/tun unusable); pasta has then exited and been reaped.
 */
int pasta_wait(pid_t pid, const struct pasta_opts *opts, berth_error *err);

#endif
