/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slirp.h - slirp4netns (Debian's slirp4netns package): outbound traffic and published ports
 * when pasta is missing, or when asked for with --network slirp4netns[:OPTIONS].
 *
 * slirp4netns gets the namespaces as inherited fds (as pasta does), configures tap0 with
 * 10.0.2.100/24 (gateway 10.0.2.2, DNS 10.0.2.3), reports on --ready-fd, and publishes ports
 * through its API socket (add_hostfwd: podman's port_handler=slirp4netns). The host's loopback
 * stays unreachable unless allow_host_loopback=true; then 10.0.2.2 reaches it.
 */
#ifndef BERTH_NETWORK_SLIRP_H
#define BERTH_NETWORK_SLIRP_H

#include <stdbool.h>
#include <sys/types.h>

#include "network/ports.h"
#include "util/error.h"

#define SLIRP_GATEWAY "10.0.2.2"
#define SLIRP_DNS     "10.0.2.3"

/**
 * struct slirp_opts - what to ask slirp4netns for
 * @ports/@nports:		published ports
 * @allow_host_loopback:	the container reaches the host's 127.0.0.1 at SLIRP_GATEWAY
 * @enable_ipv6:		enable_ipv6=true
 * @mtu:			mtu=N (0: 65520, as podman)
 * @rundir:			where the API socket and the log go (the helper's cwd)
 */
struct slirp_opts {
	const struct port_mapping *ports;
	size_t nports;
	bool allow_host_loopback;
	bool enable_ipv6;
	unsigned int mtu;
	const char *rundir;
};

/** slirp_available() - whether slirp4netns is installed. */
bool slirp_available(void);

/**
 * slirp_parse_options() - podman's --network slirp4netns:OPT=VAL,... (allow_host_loopback,
 * enable_ipv6, mtu, port_handler=slirp4netns|rootlessport: both publish through the API).
 * Unknown options are refused. @ret keeps its other fields.
 */
int slirp_parse_options(const char *text, struct slirp_opts *ret, berth_error *err);

/**
 * slirp_start() - configure the namespace behind @netns_fd and publish @opts->ports
 * @userns_fd:	the namespace's owning user namespace (rootless), or -1
 * @ret_pid:	slirp4netns's pid (the caller's child: end and reap it when the container exits)
 * Return: 0 once configured and every port is published; a negative errno with a message
 * otherwise (slirp4netns is then ended).
 */
int slirp_start(int netns_fd, int userns_fd, const struct slirp_opts *opts, pid_t *ret_pid,
		berth_error *err);

#endif
