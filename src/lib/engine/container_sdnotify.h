/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_sdnotify.h - `--sdnotify=container`: the container's process gets a $NOTIFY_SOCKET
 * of its own, /run/notify/notify.sock, bind-mounted from <rundir>/notify where berth-monitor
 * binds the socket it relays to systemd (src/monitor/notify_proxy.h).
 */
#ifndef BERTH_ENGINE_CONTAINER_SDNOTIFY_H
#define BERTH_ENGINE_CONTAINER_SDNOTIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/context.h"
#include "util/error.h"

/** ctr_sdnotify_container() - whether create options @create asked for --sdnotify=container. */
bool ctr_sdnotify_container(json_t *create);

/**
 * ctr_sdnotify_spec() - for such a container, add the /run/notify bind mount and
 * NOTIFY_SOCKET=/run/notify/notify.sock to the OCI @spec of container @id; otherwise nothing.
 */
int ctr_sdnotify_spec(struct berth_ctx *ctx, const char *id, json_t *create, json_t *spec,
		      berth_error *err);

#endif
