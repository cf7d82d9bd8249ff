/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_config.h - the OCI image configuration (and Docker's superset of it): what a container
 * made from the image runs by default, and the diff_ids of its layers.
 *
 * Parsed with validation and limits, built for import/commit/build, serialized compactly, and
 * changed with podman's --change instructions:
 *   CMD, ENTRYPOINT	JSON array (exec form) or a string run by /bin/sh -c (shell form)
 *   ENV		KEY=VALUE ... (quotes group) or KEY VALUE
 *   LABEL		KEY=VALUE ... (quotes group)
 *   EXPOSE		PORT[/tcp|udp|sctp] ...
 *   VOLUME		JSON array or space-separated paths (added to the image's)
 *   USER, WORKDIR	WORKDIR relative to the previous one
 *   STOPSIGNAL		a name (SIGTERM, TERM) or number, stored as its number as podman does
 *   ONBUILD		kept for Docker-format images
 * The instruction is separated from its value by a space or "=" ("CMD=/bin/sh"); an instruction
 * alone has an empty value: "ENTRYPOINT" clears the entrypoint, "CMD" leaves ["/bin/sh", "-c"]
 * (podman's behaviour).
 */
#ifndef BERTH_OCI_IMAGE_CONFIG_H
#define BERTH_OCI_IMAGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/kv.h"
#include "util/error.h"

#define OCI_CONFIG_MAX_SIZE    (4 * 1024 * 1024)
#define OCI_CONFIG_MAX_ITEMS   4096 /* Env, Cmd, Labels, ports, volumes, ... each */
#define OCI_CONFIG_MAX_STRING  (256 * 1024)
#define OCI_CONFIG_MAX_HISTORY 4096

/**
 * struct oci_healthcheck - Docker's HEALTHCHECK; durations in nanoseconds, 0 = default
 * @test:	["NONE"], ["CMD", args...] or ["CMD-SHELL", command]; NULL = inherit
 */
typedef struct oci_healthcheck {
	char **test;
	int64_t interval;
	int64_t timeout;
	int64_t start_period;
	int64_t start_interval;
	int64_t retries;
} oci_healthcheck;

/** struct oci_history - one history entry; strings owned or NULL */
typedef struct oci_history {
	char *created;
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
} oci_history;

/**
 * struct oci_image_config - a parsed image config; strings owned or NULL, vectors
 * NULL-terminated or NULL (absent; an empty vector is an explicit [])
 * @exposed_ports: "80/tcp" ... (the keys of ExposedPorts)
 * @volumes:	the keys of Volumes
 * @diff_ids:	rootfs.diff_ids, base layer first (never NULL after parse or new)
 */
typedef struct oci_image_config {
	char *created;
	char *author;
	char *architecture;
	char *os;
	char *variant;
	char *os_version;
	char *user;
	char **env;
	char **entrypoint;
	char **cmd;
	char *working_dir;
	char **exposed_ports;
	char **volumes;
	oci_kvs labels;
	char *stop_signal;
	oci_healthcheck *healthcheck;
	char **shell;
	char **on_build;
	char **diff_ids;
	oci_history *history;
	size_t n_history;
} oci_image_config;

/**
 * oci_image_config_parse() - parse and validate an image config blob
 * Return: 0 and a new *@ret; -EINVAL naming the field; -EFBIG above OCI_CONFIG_MAX_SIZE
 */
int oci_image_config_parse(const void *data, size_t len, oci_image_config **ret, berth_error *err);

/**
 * oci_image_config_new() - an empty config for this machine (os linux, its architecture and
 * variant, no layers), or NULL when out of memory
 */
oci_image_config *oci_image_config_new(void);

/** oci_image_config_dup() - deep copy through JSON; NULL when out of memory. */
oci_image_config *oci_image_config_dup(const oci_image_config *c);

/**
 * oci_image_config_to_json() - serialize compactly; the result is re-parsed as a self-check
 * Return: 0 and malloc'd *@ret (length in *@ret_len, may be NULL), or a negative errno
 */
int oci_image_config_to_json(const oci_image_config *c, char **ret, size_t *ret_len,
			     berth_error *err);

/** oci_image_config_add_layer() - append a diff_id ("sha256:<hex>" of the uncompressed tar). */
int oci_image_config_add_layer(oci_image_config *c, const char *diff_id, berth_error *err);

/**
 * oci_image_config_add_history() - append a history entry (strings may be NULL)
 */
int oci_image_config_add_history(oci_image_config *c, const char *created, const char *created_by,
				 const char *comment, bool empty_layer, berth_error *err);

/** oci_image_config_set_env() - set "KEY=VALUE" (replacing KEY's earlier value); 0, -EINVAL
 * (empty KEY or one with '='), -ENOMEM. */
int oci_image_config_set_env(oci_image_config *c, const char *key, const char *value);

/** oci_image_config_get_env() - the value of @key in Env, or NULL. */
const char *oci_image_config_get_env(const oci_image_config *c, const char *key);

/**
 * oci_image_config_apply_change() - apply one --change instruction (see the top of this file)
 * Return: 0, or -EINVAL with "invalid change \"...\": ..." naming what is wrong
 */
int oci_image_config_apply_change(oci_image_config *c, const char *change, berth_error *err);

/** oci_image_config_apply_changes() - apply a NULL-terminated list in order; stops at the
 * first error. */
int oci_image_config_apply_changes(oci_image_config *c, char *const *changes, berth_error *err);

/**
 * oci_signal_parse() - a signal name ("SIGTERM", "term", "RTMIN+3") or number to its number
 * Return: the signal number (1..64), or -EINVAL
 */
int oci_signal_parse(const char *s, berth_error *err);

/** oci_image_config_free() - release; NULL is fine. Returns NULL. */
oci_image_config *oci_image_config_free(oci_image_config *c);
static inline void oci_image_config_freep(oci_image_config **c)
{
	oci_image_config_free(*c);
}

#endif
