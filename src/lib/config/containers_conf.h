/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers_conf.h - podman's containers.conf, read as podman reads it.
 *
 * Files, in the order they are merged (a later file overrides each key it sets; arrays are
 * replaced, not appended, as in podman 4):
 *   /usr/share/containers/containers.conf, /usr/share/containers/containers.conf.d/ *.conf,
 *   /etc/containers/containers.conf, /etc/containers/containers.conf.d/ *.conf,
 *   and for users (euid != 0) $XDG_CONFIG_HOME/containers/containers.conf and its .d dir.
 * $CONTAINERS_CONF, when set, replaces all of them; $CONTAINERS_CONF_OVERRIDE, when set, is
 * read last on top. Drop-in directories are read in file-name order. Missing files are
 * skipped, except the ones named by those two variables.
 *
 * Only the keys berth uses are kept; unknown keys and sections are ignored (podman's files
 * have many). A key of the wrong type is an error naming the file. Notably [engine] runtime
 * is kept as written but berth does not act on it: berth's built-in runtime stays the
 * default even when the file names podman's "runc" or "crun" (DESIGN.md).
 */
#ifndef BERTH_CONFIG_CONTAINERS_CONF_H
#define BERTH_CONFIG_CONTAINERS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define CONTAINERS_CONF_DEFAULT_SECCOMP "/usr/share/containers/seccomp.json"
#define CONTAINERS_CONF_DEFAULT_INIT	"/usr/libexec/podman/catatonit"

/**
 * struct containers_conf - the merged settings (strings never NULL unless noted)
 * @default_ulimits:	"nofile=1024:2048" entries (may be empty)
 * @default_capabilities: capability names without the CAP_ prefix, upper case
 * @env:		KEY=VALUE entries added to every container (PATH=..., TERM=xterm)
 * @log_driver:		"k8s-file" (default), "journald", "none" or "passthrough"
 * @log_size_max:	bytes before rotating a container log, -1 = unlimited
 * @pids_limit:		default pids limit, 0 or -1 = unlimited (podman's default 2048)
 * @seccomp_profile:	path of the default seccomp profile ("" = built-in/unconfined rules)
 * @init_path:		the init binary for --init
 * @tz:			default timezone ("" = the image's; "local" = the host's)
 * @umask:		default umask as text, "0022"
 * @no_hosts:		do not create /etc/hosts
 * @dns_servers:	extra DNS servers (may be empty)
 * @default_sysctls:	"name=value" sysctls for every container (Debian ships
 *			"net.ipv4.ping_group_range=0 0")
 * @shm_size:		size of /dev/shm as text ("65536k")
 * @init:		run an init (catatonit) in every container by default
 * @http_proxy:		pass the host's proxy variables (true)
 * @read_only:		read-only root file systems by default
 * @volumes:		"src:dst[:opts]" volumes for every container (may be empty)
 * @devices:		"src[:dst[:perms]]" devices for every container (may be empty)
 * @annotations:	"key=value" annotations for every container (may be empty)
 * @runtime:		[engine] runtime as written, or NULL; informational only
 * @cgroup_manager:	"cgroupfs" or "systemd" (default: systemd when PID 1 is systemd)
 * @events_logger:	"file" (default), "journald" or "none"
 * @events_logfile_max_size: bytes the events file may reach before it is rotated (podman's
 *			"1m" = 1000000 by default; 0: no limit). Written as a number or podman's
 *			human size ("500k", "1m", "2MB": decimal, as docker's FromHumanSize).
 * @infra_image:	the pod infra image, or NULL for berth's built-in choice
 * @stop_timeout:	seconds before SIGKILL on stop (10)
 * @image_default_transport: "docker://"
 * @helper_binaries_dir: where helper programs (catatonit, pasta) are looked for when a
 *			path names none that exists
 * @default_rootless_network_cmd: "pasta" (default) or "slirp4netns"
 * @pasta_options:	extra pasta arguments (may be empty)
 * @files:		the files that were read, in order
 */
struct containers_conf {
	char **default_ulimits;
	char **default_capabilities;
	char **env;
	char *log_driver;
	int64_t log_size_max;
	int64_t pids_limit;
	char *seccomp_profile;
	char *init_path;
	char *tz;
	char *umask;
	bool no_hosts;
	char **dns_servers;
	char **default_sysctls;
	char *shm_size;
	bool init;
	bool http_proxy;
	bool read_only;
	char **volumes;
	char **devices;
	char **annotations;

	char *runtime;
	char *cgroup_manager;
	char *events_logger;
	int64_t events_logfile_max_size;
	char *infra_image;
	int64_t stop_timeout;
	char *image_default_transport;
	char **helper_binaries_dir;

	char *default_rootless_network_cmd;
	char **pasta_options;

	char **files;
};

/**
 * containers_conf_paths() - the files containers_conf_load() reads, in order
 * @sysroot:	prefix for the system paths (/usr/share, /etc), NULL for "/"; for tests
 * @rootless:	whether to add the user's files
 * @ret:	receives a NULL-terminated vector of existing files (free with strv_free)
 * Return: 0, or -ENOENT when $CONTAINERS_CONF or $CONTAINERS_CONF_OVERRIDE names a missing
 * file, or another negative errno.
 */
int containers_conf_paths(const char *sysroot, bool rootless, char ***ret, berth_error *err);

/**
 * containers_conf_load_files() - defaults, then each of @files merged in order
 * Return: 0 and *@ret (free with containers_conf_free), or a negative errno with a message
 * naming the file ("FILE:LINE:COL: what" for syntax errors).
 */
int containers_conf_load_files(char *const *files, struct containers_conf **ret, berth_error *err);

/** containers_conf_load() - containers_conf_paths(NULL, euid != 0) + _load_files(). */
int containers_conf_load(struct containers_conf **ret, berth_error *err);

/**
 * containers_conf_get() - containers_conf_load() once per process; later calls return the
 * same settings (borrowed, never freed) or the same error again.
 */
int containers_conf_get(const struct containers_conf **ret, berth_error *err);

/** containers_conf_free() - free @c (NULL is fine); returns NULL. */
struct containers_conf *containers_conf_free(struct containers_conf *c);
static inline void containers_conf_freep(struct containers_conf **c)
{
	containers_conf_free(*c);
}

#endif
