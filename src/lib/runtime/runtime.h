/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.h - berth's built-in OCI runtime: creates a container from a standard OCI bundle
 * (config.json, runtime-spec 1.x), as crun or runc would, but in-process so the monitor can hold
 * the container's pidfd and stdio directly.
 *
 * The contract between the engine (which writes config.json from the image and the CLI flags)
 * and this layer is the OCI runtime spec plus these annotations:
 *   "io.berth.rootfs.lowerdirs"  JSON array of absolute layer dirs, top-most first: root.path
 *                                is then an empty mount point and the overlay (upper/work below)
 *                                is mounted there inside the container's own mount namespace
 *   "io.berth.rootfs.upperdir", "io.berth.rootfs.workdir"   the container's writable layer
 *   "io.berth.rootfs.userxattr"  "true" when the overlay is mounted in a user namespace
 * Without the lowerdirs annotation root.path is used as is (vfs driver, plain directories).
 *
 * What the runtime expects of config.json beyond the spec:
 *   - a new "mount" namespace (always); joining a "pid" namespace by path is not supported;
 *     joining a "user" namespace by path makes the new namespaces owned by it (rootless pods);
 *     a "user" namespace needs uidMappings/gidMappings (rootless: 0 -> own id and subordinate
 *     ranges through newuidmap, or only the own id, then setgroups is denied);
 *   - linux.cgroupsPath "berth/<id>" relative to each hierarchy (v1: memory, cpu, pids; v2: the
 *     unified root); none when absent. Rootless on v1: no cgroup, a log_warn(). Remove it with
 *     runtime_cgroup_remove() after the container exited;
 *   - mounts of type "cgroup" show the host's hierarchy read-only (hybrid hosts cannot have a
 *     namespaced one); a tmpfs at /dev gets null zero full tty random urandom (mknod as root,
 *     bind-mounted host nodes in a user namespace), fd/stdin/stdout/stderr/core/ptmx links;
 *   - rlimits above the caller's hard limit are lowered to it, with a log_warn();
 *   - with no process.capabilities, uid 0 keeps every capability and other uids none.
 * Warnings go through util/log (stderr of the calling process), errors into berth_error.
 *
 * Must be called from a single-threaded process (setns/unshare into user namespaces fails in
 * threaded ones): the monitor, never the API server.
 */
#ifndef BERTH_RUNTIME_RUNTIME_H
#define BERTH_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

struct runtime_config; /* parsed config.json, opaque */

/** runtime_config_load() - read and validate @bundle/config.json. */
int runtime_config_load(const char *bundle, struct runtime_config **ret, berth_error *err);
void runtime_config_free(struct runtime_config *cfg);

/**
 * runtime_config_parse() - as runtime_config_load() for config.json text already in memory
 * @bundle:	the bundle directory (a relative root.path is taken relative to it)
 */
int runtime_config_parse(const char *bundle, const char *text, struct runtime_config **ret,
			 berth_error *err);

/**
 * runtime_seccomp_from_containers_json() - convert a containers-common seccomp profile
 * (/usr/share/containers/seccomp.json: defaultAction, defaultErrnoRet, archMap, syscalls with
 * includes/excludes on caps, arches and minKernel) into an OCI linux.seccomp object for this
 * machine's architecture, this kernel and the capability set @caps (bit n = capability n; the
 * container's bounding set).
 * @ret:	a new jansson json_t * (cast to void * so this header needs no jansson)
 */
int runtime_seccomp_from_containers_json(const char *path, unsigned long long caps, void **ret,
					 berth_error *err);

/**
 * runtime_seccomp_profile_text() - runtime_seccomp_from_containers_json() as compact JSON text,
 * kept in @cache (a directory of the caller's own, created on demand; NULL: no cache) keyed by
 * the profile file's identity and contents, @caps, the architecture and the kernel, so that the
 * next container skips reading the profile as JSON. A cached copy that is not the caller's
 * alone, stale, torn or changed is ignored and rewritten.
 * @ret:	the object's text (free())
 */
int runtime_seccomp_profile_text(const char *path, unsigned long long caps, const char *cache,
				 char **ret, berth_error *err);

/**
 * runtime_rootfs_mount() - mount @cfg's overlay rootfs on its root.path in the caller's mount
 * namespace (`berth mount`, as root). -ENOTSUP when the bundle has no overlay rootfs.
 */
int runtime_rootfs_mount(const struct runtime_config *cfg, berth_error *err);

/**
 * runtime_seccomp_cache() - keep compiled seccomp filters in @dir (created on demand; the
 * caller's own run directory), so that containers with the same profile skip libseccomp's
 * compilation. NULL (the default) compiles every time.
 */
void runtime_seccomp_cache(const char *dir);

/**
 * runtime_cgroup_remove() - remove the cgroup(s) runtime_create_and_start() made for @cfg
 * (after the container exited). Missing cgroups are fine.
 */
int runtime_cgroup_remove(const struct runtime_config *cfg, berth_error *err);

/**
 * struct runtime_stdio - what the container's process gets as fds 0, 1, 2
 * @fds:	three fds; -1 means /dev/null. With a terminal the runtime creates the pty inside
 *		the container's devpts and passes its master back through @ret_pty_master.
 */
struct runtime_stdio {
	int fds[3];
};

/**
 * struct runtime_process - a started container (or exec'd) process
 * @pid:	its pid in the caller's pid namespace
 * @pidfd:	a pidfd for it (poll for exit, send signals without pid-reuse races)
 * @pty_master:	the terminal's master side when process.terminal is true, else -1
 */
struct runtime_process {
	pid_t pid;
	int pidfd;
	int pty_master;
};

/**
 * runtime_create_and_start() - create namespaces, rootfs, mounts, cgroup, security setup and
 * exec process.args. Returns once the process has exec'd or failed.
 * @err->exit_code is 127 when the command was not found, 126 when it could not be run,
 * 125 for any other setup failure.
 */
int runtime_create_and_start(const struct runtime_config *cfg, const struct runtime_stdio *io,
			     struct runtime_process *ret, berth_error *err);

/**
 * struct runtime_hooks - the caller's say between namespace creation and exec
 * @namespaces_ready:	called with the container's pid once its namespaces exist (a new user
 *			namespace has its id maps) and before anything runs in them: the monitor
 *			starts the network helper here. A negative return (with @err filled)
 *			fails the start.
 * @before_exec:	(may be NULL) called once the process has built its rootfs, before it
 *			execs: helpers started by @namespaces_ready come up meanwhile, and the
 *			monitor waits for them here. A negative return fails the start.
 */
struct runtime_hooks {
	int (*namespaces_ready)(pid_t pid, void *data, berth_error *err);
	int (*before_exec)(void *data, berth_error *err);
	void *data;
};

/** runtime_create_and_start_hooked() - runtime_create_and_start() with @hooks (may be NULL). */
int runtime_create_and_start_hooked(const struct runtime_config *cfg,
				    const struct runtime_stdio *io,
				    const struct runtime_hooks *hooks, struct runtime_process *ret,
				    berth_error *err);

/**
 * struct runtime_exec_opts - a process to start inside a running container
 * @args/@env/@cwd:	as OCI process fields (NULL env or cwd: the container's)
 * @uid/@gid:		user inside the container
 * @terminal:		allocate a pty in the container's devpts
 */
struct runtime_exec_opts {
	char **args;
	char **env;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	bool terminal;
};

/**
 * runtime_exec() - join the namespaces, cgroup, capabilities, seccomp and rlimits of the
 * container whose init is @container_pidfd (config @cfg) and exec @opts->args there.
 * The new process is a child of the caller (wait for it with waitpid or its pidfd); its
 * supplementary groups are the container's only when @opts->uid is process.user.uid.
 * @err->exit_code: 127 not found, 126 not executable, 125 other failures.
 */
int runtime_exec(const struct runtime_config *cfg, int container_pidfd,
		 const struct runtime_exec_opts *opts, const struct runtime_stdio *io,
		 struct runtime_process *ret, berth_error *err);

#endif
