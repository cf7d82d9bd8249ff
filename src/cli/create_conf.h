/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_conf.h - containers.conf's [containers] and [engine] defaults laid under the options
 * of `create`/`run`, with podman's precedence: a flag given on the command line wins, then
 * containers.conf, then berth's built-in default. Also the option parsers create and the
 * defaults share (containers.c).
 */
#ifndef BERTH_CLI_CREATE_CONF_H
#define BERTH_CLI_CREATE_CONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "engine/context.h"
#include "util/error.h"

/** add_env_entry() - append "K=V" (or K with the host's value, when set) to @env. */
int add_env_entry(json_t *env, const char *e);
/** parse_volume() - append -v SRC:DST[:OPTS] to @mounts. */
int parse_volume(json_t *mounts, const char *spec, berth_error *err);
/**
 * parse_device() - append --device HOST[:CTR][:PERMS] to @devices as {"source",
 * "destination", "permissions"}; HOST must be a character or block device.
 */
int parse_device(json_t *devices, const char *spec, berth_error *err);
/** parse_size() - "512m", "1g", "100k", "1024" → bytes (powers of 1024, as podman's). */
int parse_size(const char *s, int64_t *ret);
/**
 * parse_ulimit() - append --ulimit NAME=SOFT[:HARD] to @list. Without @clamp, a nofile hard
 * limit above the host's is an error; with it the caller lowers the values itself.
 */
int parse_ulimit(json_t *list, const char *spec, bool clamp, berth_error *err);

/**
 * create_apply_conf() - fill @create (build_create()'s options) from containers.conf where
 * @args left the option unset: env (under the image's), default_ulimits (clamped to the hard
 * limits this process holds), default_capabilities, pids_limit (root), log_size_max,
 * log_driver, seccomp_profile, init/init_path, tz, umask, no_hosts, dns_servers,
 * default_sysctls, read_only, volumes, devices, shm_size, annotations and [engine]
 * stop_timeout.
 */
int create_apply_conf(struct berth_ctx *ctx, struct cli_args *args, json_t *create,
		      berth_error *err);

#endif
