/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.h - generating a container's OCI runtime config.json from three inputs: the image's
 * config (Env, Cmd, Entrypoint, WorkingDir, User, StopSignal, Volumes), the container's create
 * options as recorded in the store (a JSON object, see "create options" below), and berth's
 * defaults (podman's: capabilities, masked paths, /dev, rlimits).
 *
 * Create options (the `config` column of the containers table; every key optional):
 *   "image": name as given, "command": [..] (user's, after the image), "entrypoint": [..]
 *   (--entrypoint; [] clears the image's), "env": ["K=V"], "workdir", "user", "hostname",
 *   "read_only", "tty", "interactive", "init", "privileged", "no_new_privileges",
 *   "seccomp": "default" | "unconfined" | "/path/profile.json", "network": "private" | "none" |
 *   "host", "mounts": [{"type":"bind","source","destination","options":[..]}],
 *   "tmpfs": [{"destination","options":[..]}], "ulimits": [{"type":"RLIMIT_NOFILE","soft","hard"}],
 *   "cap_add": [..], "cap_drop": [..], "memory": bytes, "cpus": float, "pids_limit": n,
 *   "labels": {..}, "annotations": {..}, "log_driver", "log_max_size", "rm", "stop_signal",
 *   "stop_timeout", "shm_size": bytes of /dev/shm (0: no limit), "devices":
 *   [{"source","destination","permissions"}] (host device nodes, --device).
 * From containers.conf (engine/create_conf.h): "base_env": ["K=V"] (under the image's Env),
 *   "default_caps": [..] (replaces spec_default_capabilities), "sysctls": {..}, "init_path",
 *   "localtime": zoneinfo file bound at /etc/localtime, "umask": n, "no_hosts", "dns": [..].
 */
#ifndef BERTH_ENGINE_SPEC_H
#define BERTH_ENGINE_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/** SPEC_CATATONIT - the init --init binds into the container, at SPEC_INIT_PATH. */
#define SPEC_CATATONIT "/usr/bin/catatonit"
#define SPEC_INIT_PATH "/run/berth-init"
/** SPEC_MOUNT_POINT_FILES - files a container's upper dir holds only as bind-mount targets
 * (relative, NULL-terminated initializer): commit, diff and export leave them out. */
#define SPEC_MOUNT_POINT_FILES { "etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv", NULL }
#define SPEC_DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/**
 * struct spec_user - a resolved container user
 * @uid/@gid:	numeric ids inside the container
 * @home:	home directory from passwd; "" when unknown ("/root" for root is assumed then)
 * @unlisted:	a numeric uid that the image's /etc/passwd lacks: the container gets a copy
 *		with an entry added (USERDATA/passwd, bound at /etc/passwd), as podman does
 */
struct spec_user {
	uid_t uid;
	gid_t gid;
	char home[256];
	bool unlisted;
};

/**
 * struct spec_input - everything spec_generate() combines
 * @id:		container id (default hostname: its first 12 characters)
 * @create:	create options (above)
 * @image:	the image config's "config" object, or NULL
 * @rootfs:	root.path: the overlay mount point (or the vfs directory)
 * @lowerdirs:	NULL-terminated layer dirs, top-most first (NULL for vfs)
 * @upperdir/@workdir: the writable layer (overlay only)
 * @userxattr:	overlay mounted inside a user namespace
 * @userdata:	the bundle dir holding hostname, hosts, resolv.conf, .containerenv
 * @user:	resolved process user
 * @seccomp:	the linux.seccomp object for the default profile (borrowed), or NULL
 * @uid_map/@gid_map: rootless id mappings (linux.uidMappings objects, borrowed) or NULL
 */
struct spec_input {
	const char *id;
	json_t *create;
	json_t *image;
	const char *rootfs;
	char *const *lowerdirs;
	const char *upperdir;
	const char *workdir;
	bool userxattr;
	const char *userdata;
	struct spec_user user;
	json_t *seccomp;
	json_t *uid_map;
	json_t *gid_map;
};

/**
 * spec_rootless_maps() - the store's one fixed mapping for the rootless user @uid/@gid
 * (DESIGN.md, "Rootless"; from /etc/subuid and /etc/subgid) as new linux.uidMappings and
 * linux.gidMappings arrays for spec_input's @uid_map/@gid_map; the caller frees them.
 */
int spec_rootless_maps(uid_t uid, gid_t gid, json_t **ret_uid_map, json_t **ret_gid_map,
		       berth_error *err);

/** spec_env_set() - set "KEY=VALUE" in the Env array @env, replacing an earlier KEY. */
void spec_env_set(json_t *env, const char *kv);

/** spec_generate() - build config.json; the caller dumps it into the bundle. */
int spec_generate(const struct spec_input *in, json_t **ret, berth_error *err);

/**
 * spec_process_args() - the command a container runs: --entrypoint or the image's Entrypoint,
 * then the user's command or (without --entrypoint) the image's Cmd. -EINVAL with podman's
 * message when both are empty. Returns a new JSON array.
 */
int spec_process_args(json_t *create, json_t *image, json_t **ret, berth_error *err);

/**
 * spec_user_lookup() - resolve "name|uid[:group|gid]" against passwd/group file contents
 * (either may be NULL when the image has none: only numeric ids resolve then).
 */
int spec_user_lookup(const char *spec, const char *passwd, const char *group,
		     struct spec_user *ret, berth_error *err);

/**
 * spec_signal_parse() - a signal number from "SIGTERM", "TERM" or "15"; -EINVAL if unknown.
 */
int spec_signal_parse(const char *s);

/** spec_default_capabilities - podman's default set, NULL-terminated. */
extern const char *const spec_default_capabilities[];

#endif
