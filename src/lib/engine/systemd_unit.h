/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd_unit.h - the text of systemd units that start berth containers and pods at boot
 * (berth generate systemd), in podman's shape: container-NAME.service / pod-NAME.service,
 * Type=notify with NotifyAccess=all (the monitor itself sends MAINPID= and READY=1).
 *
 * Every Exec line carries the absolute path of berth and the store options (--root,
 * --runroot) the container lives in, and the config-file environment it was generated with,
 * so a container in a non-default store is managed by its unit.
 */
#ifndef BERTH_ENGINE_SYSTEMD_UNIT_H
#define BERTH_ENGINE_SYSTEMD_UNIT_H

#include <stdbool.h>

#include "engine/context.h"
#include "util/error.h"

/**
 * struct unit_opts - podman's `generate systemd` flags
 * @new_container:	--new: the unit creates the container (run --replace) and removes it
 * @use_name:		--name: refer to the container by name, not id
 * @restart_policy:	--restart-policy (default "on-failure")
 * @restart_sec:	--restart-sec, or -1
 * @stop_timeout:	-t/--stop-timeout, or -1 for the container's own (default 10)
 * @start_timeout:	--start-timeout, or -1
 * @container_prefix/@pod_prefix/@separator: unit name parts ("container", "pod", "-")
 * @no_header:		--no-header
 * @wants/@after/@requires/@env: NULL-terminated extra lines, or NULL
 */
struct unit_opts {
	bool new_container;
	bool use_name;
	const char *restart_policy;
	long restart_sec;
	long stop_timeout;
	long start_timeout;
	const char *container_prefix;
	const char *pod_prefix;
	const char *separator;
	bool no_header;
	char *const *wants;
	char *const *after;
	char *const *requires;
	char *const *env;
};

/**
 * struct unit_container - what the generator needs to know about one container
 * @id/@name:		the container
 * @create_args:	for --new: the arguments given to `berth run`/`create` after the command
 *			word (NULL-terminated), as recorded at creation
 * @stop_timeout:	the container's own stop timeout
 * @pod_unit:		the unit of the pod this container belongs to, or NULL
 */
struct unit_container {
	const char *id;
	const char *name;
	char *const *create_args;
	long stop_timeout;
	const char *pod_unit;
};

/** unit_valid_restart_policy() - whether @policy is one systemd's Restart= accepts. */
bool unit_valid_restart_policy(const char *policy);

/**
 * unit_for_container() - build a container's unit
 * @ret_name:	"container-NAME.service" (malloc'd)
 * @ret_text:	the unit file (malloc'd)
 */
int unit_for_container(const struct berth_ctx *ctx, const struct unit_container *c,
		       const struct unit_opts *opts, char **ret_name, char **ret_text,
		       berth_error *err);

/**
 * unit_for_pod() - build a pod's unit, which Wants= and Before= its containers' units
 * @container_units: NULL-terminated unit names of the pod's containers
 */
int unit_for_pod(const struct berth_ctx *ctx, const char *pod_id, const char *pod_name,
		 char *const *container_units, const struct unit_opts *opts, char **ret_name,
		 char **ret_text, berth_error *err);

#endif
