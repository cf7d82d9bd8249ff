/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_conf.h - containers.conf's [containers] and [engine] defaults laid under a container's
 * create options (engine/spec.h) with podman's precedence: what the caller gave (a flag of
 * `create`/`run`, a field of the REST API's create body) wins, then containers.conf, then
 * berth's built-in default. Also the option parsers the CLI and the defaults share.
 */
#ifndef BERTH_ENGINE_CREATE_CONF_H
#define BERTH_ENGINE_CREATE_CONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/context.h"
#include "util/error.h"

/** create_env_add() - append "K=V" (or K with the host's value, when set) to @env. */
int create_env_add(json_t *env, const char *e);
/** create_volume_parse() - append -v SRC:DST[:OPTS] to @mounts. */
int create_volume_parse(json_t *mounts, const char *spec, berth_error *err);
/**
 * create_ulimit_parse() - append --ulimit NAME=SOFT[:HARD] to @list. Without @clamp, a nofile hard
 * limit above the host's is an error; with it the caller lowers the values itself.
 */
int create_ulimit_parse(json_t *list, const char *spec, bool clamp, berth_error *err);

/**
 * create_device_parse() - append --device HOST[:CTR][:PERMS] to @devices as {"source",
 * "destination", "permissions"}; HOST must be a character or block device.
 */
int create_device_parse(json_t *devices, const char *spec, berth_error *err);
/** create_size_parse() - "512m", "1g", "100k", "1024" → bytes (powers of 1024, as podman's). */
int create_size_parse(const char *s, int64_t *ret);

/* Bits of create_apply_conf()'s @given: options the caller set, which containers.conf does
 * not override (the others are told apart by their presence in @create). */
#define CREATE_GIVEN_INIT	  0x01
#define CREATE_GIVEN_PIDS_LIMIT	  0x02
#define CREATE_GIVEN_LOG_DRIVER	  0x04
#define CREATE_GIVEN_READ_ONLY	  0x08
#define CREATE_GIVEN_STOP_TIMEOUT 0x10
#define CREATE_GIVEN_SHM_SIZE	  0x20

/**
 * create_apply_conf() - fill @create (create options) from containers.conf where the caller
 * left the option unset (@given: CREATE_GIVEN_* bits): env (under the image's), default_ulimits (clamped to the hard
 * limits this process holds), default_capabilities, pids_limit (root), log_size_max,
 * log_driver, seccomp_profile, init/init_path, tz, umask, no_hosts, dns_servers,
 * default_sysctls, read_only, volumes, devices, shm_size, annotations and [engine]
 * stop_timeout.
 */
int create_apply_conf(struct berth_ctx *ctx, unsigned given, json_t *create, berth_error *err);

#endif
