/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - berth-api, the REST service behind `berth system service`: the libpod API (cockpit)
 * and the Docker Engine API (the docker client) over one socket.
 *
 * main.c runs a few worker threads; each accepts connections itself and peeks at each
 * request head: attach and exec-start requests that ask for an upgrade are hijacked
 * (hijack.c, a thread each) and everything else goes to the worker's own libmicrohttpd
 * daemon (routes.c), which the same thread runs: a plain request is served by the thread
 * that accepted it. Calls that may take long run in a thread of their own while their
 * connection is suspended; streams never block the worker. Requests take a store handle from
 * a pool (store_pool.c) and give it back.
 */
#ifndef BERTH_API_H
#define BERTH_API_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "engine/container_stats.h"
#include "engine/context.h"
#include "store/store.h"

/** API_BODY_MAX - the largest request body accepted (container specs are small). */
#define API_BODY_MAX (1u << 20)
/** API_HEAD_MAX - the largest request head a hijacked connection may send. */
#define API_HEAD_MAX (16u << 10)
/** API_VERSION_DOCKER/API_VERSION_DOCKER_MIN - the Docker API versions served. */
#define API_VERSION_DOCKER "1.44"
#define API_VERSION_DOCKER_MIN "1.24"
/** API_VERSION_LIBPOD - the libpod API version advertised (podman's). */
#define API_VERSION_LIBPOD "4.3.1"

/** api_ctx - the engine context every request shares (read-only after start-up). */
extern struct berth_ctx api_ctx;

/**
 * api_store_get() - a store handle for this thread's use: an idle one kept open, or a new one.
 * Give it back with api_store_put() (or declare it _cleanup_api_store_).
 */
int api_store_get(struct store **ret, berth_error *err);
/** api_store_put() - return @s to the pool (closed when it cannot be kept); NULL is fine. */
void api_store_put(struct store *s);
static inline void api_store_putp(struct store **s)
{
	api_store_put(*s);
}
#define _cleanup_api_store_ _cleanup_(api_store_putp)
/** api_store_pool_done() - close the idle handles (at exit). */
void api_store_pool_done(void);

/** api_stop_streams() - end every open stream (events, logs) at its next wake-up. */
void api_stop_streams(void);

/** api_activity() - note that a request is being served (keeps --time from expiring). */
void api_activity(void);

/**
 * struct api_path - a request path split up
 * @libpod:	under /libpod (else the Docker API)
 * @rest:	the path after the version and /libpod prefixes, starting with '/'
 */
struct api_path {
	bool libpod;
	const char *rest;
};

/** api_path_parse() - strip "/vX.Y[.Z]" and "/libpod" from @url. */
void api_path_parse(const char *url, struct api_path *ret);

/** api_name_ok() - whether @name is a safe container/image reference (no "..", no control). */
bool api_name_ok(const char *name);

/**
 * api_routes_start() - a libmicrohttpd daemon without a listen socket or threads of its own:
 * its worker feeds it connections (MHD_add_connection) and runs it (MHD_run) when its epoll
 * fd or @wake_fd (an eventfd written when a suspended connection is resumed) is readable.
 * NULL on failure.
 */
struct MHD_Daemon *api_routes_start(int wake_fd);

/** api_inflight() - deferred calls and streams still running (see routes.c). */
int api_inflight(void);

/**
 * api_hijack_wanted() - whether the request head @head (NUL-terminated) is an attach or exec
 * start that asks for a raw stream (Upgrade header, or cockpit's HTTP/1.0 upgrade).
 */
bool api_hijack_wanted(const char *head);

/** api_hijack_active() - whether a hijacked connection is still being served. */
bool api_hijack_active(void);

/** api_hijack_serve() - serve one hijacked connection @fd in a new detached thread. */
int api_hijack_serve(int fd);

/**
 * api_pending_attach() - whether a hijacked attach waits for container @id's start (docker
 * run attaches before it starts). start then starts with an attach socket and hands it over
 * with api_pending_attach_give() (@sock -1 and @err_code set when the start failed).
 */
bool api_pending_attach(const char *id, bool *ret_stdin);
void api_pending_attach_give(const char *id, int sock, int err_code);

/** api_exit_lookup() - the exit code an attach saw for container @id (full id). */
bool api_exit_lookup(const char *id, int *ret_code);

/**
 * api_exec_create() - record an exec session with config @cfg (Docker's ExecConfig: Cmd, Env,
 * User, WorkingDir, Tty, AttachStdin) for container @ctr_id in the store, not started yet
 * (engine/exec_session.h). Return: a new id (malloc'd), NULL on failure.
 */
char *api_exec_create(const char *ctr_id, json_t *cfg);

/**
 * api_exec_resize() - pass a terminal size to session @id when this server holds its attach
 * socket; -ENOENT otherwise.
 */
int api_exec_resize(const char *id, unsigned rows, unsigned cols);

/** api_exec_inspect() - Docker's ExecInspect of session @id (new reference), NULL if unknown. */
json_t *api_exec_inspect(const char *id);

/** api_system_cpu_ns() - the host's CPU time (/proc/stat), Docker's system_cpu_usage. */
uint64_t api_system_cpu_ns(void);

/** api_stats_unsupported() - whether stats cannot be measured (rootless on cgroups v1). */
bool api_stats_unsupported(void);

/**
 * api_stats_libpod() - podman's ContainerStats of container @c for reading @now; CPU is
 * measured since @prev (NULL: since the start). Return: a new object, NULL without memory.
 */
json_t *api_stats_libpod(const struct store_container *c, const struct ctr_stats *now,
			 const struct ctr_stats *prev);

/**
 * api_stats_docker() - Docker's StatsJSON of container @c: @now with the host CPU time
 * @sys_ns, @prev (NULL: none yet) as precpu_stats. Return: a new object, NULL without memory.
 */
json_t *api_stats_docker(const struct store_container *c, const struct ctr_stats *now,
			 uint64_t sys_ns, const struct ctr_stats *prev, uint64_t prev_sys_ns);

/** API_CHILD_OUTPUT_MAX - the most output kept from a child command (search results, ids). */
#define API_CHILD_OUTPUT_MAX (8u << 20)

/**
 * api_child_spawn() - start `berth GLOBALS @args...` (NULL-terminated) with stdin from
 * /dev/null, stdout on @out_fd and stderr on @err_fd. Return: 0 and *@ret_pid, or -errno.
 */
int api_child_spawn(const char *const *args, int out_fd, int err_fd, pid_t *ret_pid);

/** api_child_wait() - reap @pid. Return: its exit code (128+signal if killed), or -errno. */
int api_child_wait(pid_t pid);

/**
 * api_child_run() - run `berth @args...` to its end. *@ret_out: its stdout; *@ret_err: the
 * last line of its stderr without "Error: " (both malloc'd). Return: its exit code or -errno.
 */
int api_child_run(const char *const *args, char **ret_out, char **ret_err);
#endif
