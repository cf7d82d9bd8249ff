/* SPDX-License-Identifier: Apache-2.0 */
/* network.h - publishing a started container's ports (see network.c). */
#ifndef BERTH_MONITOR_NETWORK_H
#define BERTH_MONITOR_NETWORK_H

#include <sys/types.h>

#include "util/error.h"

/**
 * monitor_network_setup() - publish the ports in @bundle's config.json for container process
 * @pid. @ret_pasta receives pasta's pid (our child: end it when the container exits), or stays
 * untouched when no port is published.
 */
int monitor_network_setup(const char *bundle, pid_t pid, const char *rundir, pid_t *ret_pasta,
			  berth_error *err);

#endif
