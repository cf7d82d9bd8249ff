/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pasta.h - publishing ports and outbound traffic through pasta (Debian's passt package), for
 * root and rootless containers alike.
 *
 * pasta is handed the container's network (and, rootless, user) namespace as inherited fds and
 * told to open /proc/self/fd/N: opening another process's namespace files would need ptrace
 * rights that pasta, which drops its capabilities first, does not have. It daemonizes once the
 * namespace is configured and every port is bound (so a taken port is reported before the
 * container runs), and exits by itself when the namespace goes away: nothing to clean up.
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
};

/**
 * pasta_start() - configure the namespace behind @netns_fd and forward ports into it
 * @userns_fd:	the namespace's owning user namespace (rootless), or -1
 * Return: 0 once pasta is running in the background, or a negative errno with a message that
 * names the cause (port taken, helper missing, /dev/net/tun unusable).
 */
int pasta_start(int netns_fd, int userns_fd, const struct pasta_opts *opts, berth_error *err);

#endif
