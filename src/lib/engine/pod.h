/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod.h - pods: a group of containers that share the network, uts and ipc namespaces (and,
 * rootless, the user namespace) of one "infra" container, which does nothing but hold them.
 *
 * The infra needs no image: its root is <root>/pause/rootfs, a read-only directory that holds
 * only a copy of Debian's static catatonit, run as `catatonit -P` (pause mode: it waits for a
 * signal and reaps nothing else). Published ports of the pod (-p on `pod create`) belong to the
 * infra, so the monitor's pasta serves them in the shared network namespace.
 *
 * Joining is resolved when a container starts, not when it is created: the infra gets a new pid
 * each time it starts. A container's create options may hold
 *   "pod": "<pod id>",
 *   "join": {"network": "container:<id>" | "/path/to/ns", "uts": ..., "ipc": ..., "user": ...}
 * and pod_join_resolve() turns them into linux.namespaces[].path entries of /proc/<pid>/ns/<type>
 * in config.json (starting the infra first when it is not running). `--network container:NAME`
 * and `--network ns:PATH` use the same "join" key.
 *
 * Pod create options (the pods table's config column): "name", "hostname", "labels": {..},
 * "share": ["net","uts","ipc"], "infra": bool, "ports": [..] (network/ports.h JSON form).
 */
#ifndef BERTH_ENGINE_POD_H
#define BERTH_ENGINE_POD_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/pod.h"
#include "store/store.h"
#include "util/error.h"

/** pod_create() - make the pod described by @opts (above) and its infra; @ret_id gets its id. */
int pod_create(struct berth_ctx *ctx, struct store *s, json_t *opts, char **ret_id,
	       berth_error *err);

/**
 * pod_join_container() - fill @create's "pod" and "join" keys so that a container made from it
 * joins pod @ref's shared namespaces. -ENOENT when there is no such pod.
 * @ret_pod_id:	the pod's full id (malloc'd)
 */
int pod_join_container(struct berth_ctx *ctx, struct store *s, const char *ref, json_t *create,
		       char **ret_pod_id, berth_error *err);

/**
 * pod_prepare_create() - what ctr_create() does first with @create: "pod_ref" (--pod NAME or
 * new:NAME, which makes the pod) becomes "pod" and "join"; "network": "container:NAME" and
 * "ns:PATH" become "join" entries. No-op for other create options.
 */
int pod_prepare_create(struct berth_ctx *ctx, struct store *s, json_t *create, berth_error *err);

/**
 * pod_join_resolve() - before container @c starts: write the namespace paths its "join" option
 * asks for into its config.json (starting a pod's infra when it is stopped). No-op without one.
 */
int pod_join_resolve(struct berth_ctx *ctx, struct store *s, const struct store_container *c,
		     berth_error *err);

/** pod_start() - start the infra, then every other container of pod @ref. */
int pod_start(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err);

/** pod_stop() - stop the pod's containers, the infra last (@timeout as for ctr_stop). */
int pod_stop(struct berth_ctx *ctx, struct store *s, const char *ref, int timeout,
	     berth_error *err);

/** pod_pause() - freeze (@pause) or thaw every running (paused) container of pod @ref. */
int pod_pause(struct berth_ctx *ctx, struct store *s, const char *ref, bool pause,
	      berth_error *err);

/** pod_kill() - send @sig to every running container of the pod. */
int pod_kill(struct berth_ctx *ctx, struct store *s, const char *ref, int sig, berth_error *err);

/**
 * pod_remove() - remove the pod, its infra and (with @force) its other containers, which are
 * stopped first. Without @force a pod with containers or a running infra is refused.
 */
int pod_remove(struct berth_ctx *ctx, struct store *s, const char *ref, bool force,
	       berth_error *err);

/**
 * pod_status() - podman's pod status from its containers: "Created", "Running", "Degraded"
 * (some running), "Exited", "Paused". @ret_count gets the number of containers (infra included).
 */
int pod_status(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
	       const char **ret_status, size_t *ret_count, berth_error *err);

/** pod_inspect_json() - podman's `pod inspect` object for @p (new reference). */
int pod_inspect_json(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
		     json_t **ret, berth_error *err);

#endif
