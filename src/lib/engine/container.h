/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - containers' life without a daemon: create, start (through berth-monitor),
 * stop, kill, wait, remove, cleanup, and keeping the records truthful.
 *
 * Files of a container:
 *   <root>/containers/<id>/userdata/   the OCI bundle: config.json, ctr.log, hostname, hosts,
 *                                      resolv.conf, .containerenv
 *   <root>/overlay-containers/<id>/    upper/, work/, merged/ (the store's)
 *   <runroot>/containers/<id>/         attach socket, exit file ("CODE FINISHED-NS")
 *
 * States: created → running → exited (→ running again on start) → removing → gone.
 * Every change holds the container's flock (store_container_lock()). A record that says
 * "running" is checked against /proc on every read (ctr_refresh()): a dead pid or a pid reused
 * by another process (start time differs) turns it into "exited", with the code the monitor left
 * in the exit file, or -1 when the monitor itself was killed.
 */
#ifndef BERTH_ENGINE_CONTAINER_H
#define BERTH_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

#define CTR_DEFAULT_STOP_TIMEOUT 10

/** ctr_userdata_path()/ctr_rundir_path() - malloc'd paths of a container's dirs (above). */
char *ctr_userdata_path(const struct berth_ctx *ctx, const char *id);
char *ctr_rundir_path(const struct berth_ctx *ctx, const char *id);

/**
 * ctr_create() - make a container from @image_ref with the create options @create
 * (engine/spec.h; "name" may be set, else a random one is drawn). Writes the bundle and the
 * record; on failure nothing is left behind.
 * @ret_id:	receives the new id (malloc'd)
 */
int ctr_create(struct berth_ctx *ctx, struct store *s, const char *image_ref, json_t *create,
	       char **ret_id, berth_error *err);

/**
 * struct ctr_start_opts - how start hands the container's stdio over
 * @attach:	get an attach socket connected from the first byte of output
 * @stdin:	keep the container's stdin open for the attached client (-i)
 */
struct ctr_start_opts {
	bool attach;
	bool stdin;
};

/**
 * ctr_start() - start container @ref through a new berth-monitor; returns when the container's
 * process runs (or failed: @err->exit_code is then 125, 126 or 127).
 * @ret_attach:	with @opts->attach, receives the attach socket (see container_attach.h)
 */
int ctr_start(struct berth_ctx *ctx, struct store *s, const char *ref,
	      const struct ctr_start_opts *opts, int *ret_attach, berth_error *err);

/** ctr_refresh() - bring @c's state up to date with /proc and the exit file (locks if needed). */
int ctr_refresh(struct berth_ctx *ctx, struct store *s, struct store_container *c,
		berth_error *err);

/** ctr_get() - look up @ref (name, id, id prefix) and refresh it. */
int ctr_get(struct berth_ctx *ctx, struct store *s, const char *ref,
	    struct store_container **ret, berth_error *err);

/**
 * ctr_stop() - send the stop signal, wait @timeout seconds, then SIGKILL; returns once the
 * exit is recorded. Stopping a container that is not running is not an error.
 */
int ctr_stop(struct berth_ctx *ctx, struct store *s, const char *ref, int timeout,
	     berth_error *err);

/** ctr_kill() - send @sig to a running container's process. */
int ctr_kill(struct berth_ctx *ctx, struct store *s, const char *ref, int sig, berth_error *err);

/** ctr_wait() - wait until the container is not running; @ret_exit gets its exit code. */
int ctr_wait(struct berth_ctx *ctx, struct store *s, const char *ref, int *ret_exit,
	     berth_error *err);

/**
 * ctr_remove() - remove container @ref: its record, bundle, writable layer and run dir.
 * A running container is refused unless @force (then killed first). With @volumes its
 * anonymous volumes go too.
 */
int ctr_remove(struct berth_ctx *ctx, struct store *s, const char *ref, bool force, bool volumes,
	       berth_error *err);

/**
 * ctr_cleanup() - what the monitor's exit command does: record the exit from the exit file
 * and, for --rm containers, remove the container. A missing container is fine.
 */
int ctr_cleanup(struct berth_ctx *ctx, struct store *s, const char *id, berth_error *err);

/**
 * struct ctr_exec_opts - a process to run in a running container (`exec`)
 * @args:	command and arguments
 * @env:	extra "K=V" entries over the container's environment, NULL-terminated or NULL
 * @user:	"name|uid[:group|gid]" or NULL for the container's user
 * @workdir:	absolute directory or NULL for the container's
 * @detach:	do not attach (exec -d)
 * @stdin:	forward stdin (exec -i)
 * @tty:	allocate a terminal (exec -t)
 * @session:	start this created session (ctr_exec_session_create()) instead of a new one
 */
struct ctr_exec_opts {
	char *const *args;
	char *const *env;
	const char *user;
	const char *workdir;
	bool detach;
	bool stdin;
	bool tty;
	const char *session;
};

/**
 * ctr_exec() - start @opts->args in running container @ref through an exec-mode monitor;
 * the session is recorded in exec_sessions.
 * @ret_attach:	without @opts->detach, the attach socket (exit code arrives on it)
 * @ret_session: the session id (malloc'd)
 */
int ctr_exec(struct berth_ctx *ctx, struct store *s, const char *ref,
	     const struct ctr_exec_opts *opts, int *ret_attach, char **ret_session,
	     berth_error *err);

/**
 * ctr_exec_finish() - the client of an attached exec session saw its exit: record the code,
 * emit exec_died, remove its run dir (engine/exec_session.h).
 */
int ctr_exec_finish(struct store *s, const char *session, int exit_code, berth_error *err);

/**
 * ctr_read_layered() - read @path (relative, e.g. "etc/passwd") as a container of the layer dirs
 * @dirs (top first) sees it, each lookup confined to its layer. Return: 0, -ENOENT.
 */
int ctr_read_layered(char *const *dirs, const char *path, char **ret);

/** ctr_config() - the parsed create options of @c (new reference; {} when unparsable). */
json_t *ctr_config(const struct store_container *c);

/**
 * ctr_config_pick() - like ctr_config(), with only the members named in @keys (NULL-ended):
 * the other values are skipped, not parsed. For listings (ps), which read a few keys of many.
 */
json_t *ctr_config_pick(const struct store_container *c, const char *const *keys);

#endif
