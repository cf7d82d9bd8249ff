/* SPDX-License-Identifier: Apache-2.0 */
/* network.h - publishing a started container's ports (see network.c). */
#ifndef BERTH_MONITOR_NETWORK_H
#define BERTH_MONITOR_NETWORK_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/**
 * struct monitor_net - a container's network helper
 * @pasta:		pasta's (or slirp4netns') pid, our child: end it when the container exits;
 *			0 when there is none
 * @pasta_pending:	pasta started, not yet known to be ready (monitor_network_finish())
 * @map_gw:		name the gateway host.containers.internal once pasta is ready
 * @local_forward:	root: the socket owning the kernel path of the host's own connections
 *			(network/local_forward.h); closed when the container exits; -1 for none
 */
struct monitor_net {
	pid_t pasta;
	bool pasta_pending;
	bool map_gw;
	int local_forward;
};

/**
 * monitor_network_setup() - start publishing the ports in @bundle's config.json for container
 * process @pid (and its --network helper). @net->pasta receives the helper's pid, or stays
 * untouched when there is no helper.
 */
int monitor_network_setup(const char *bundle, pid_t pid, const char *rundir, struct monitor_net *net,
			  berth_error *err);

/**
 * monitor_network_finish() - wait until the helper monitor_network_setup() started is ready;
 * on failure it has exited (@net->pasta is 0) and @err says why (a taken port...).
 */
int monitor_network_finish(const char *bundle, const char *rundir, struct monitor_net *net,
			   berth_error *err);

#endif
