/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_session.h - exec sessions as records: every `exec` (CLI or API) is a row of the store's
 * exec_sessions table (id, container, config, pid, exit code, running) that outlives the
 * process that started it, as podman's do.
 *
 * Life of a session: created (pid 0, not running; the API's POST /containers/{id}/exec) →
 * running (ctr_exec(): pid set, an "exec" event) → exited. The exec's berth-monitor runs
 * `berth [globals] container cleanup --exec SESSION ID` as its exit command, podman's pattern:
 * ctr_exec_session_cleanup() records the exit code from the monitor's exit file, emits
 * "exec_died" and removes the session's run dir (<runroot>/containers/<id>/exec/<id:32>/).
 */
#ifndef BERTH_ENGINE_EXEC_SESSION_H
#define BERTH_ENGINE_EXEC_SESSION_H

#include <jansson.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

/**
 * ctr_exec_session_create() - record a session of container @ctr_id that is not started yet
 * (@config: the API's ExecConfig, borrowed). @ret_id gets its id (malloc'd).
 */
int ctr_exec_session_create(struct store *s, const char *ctr_id, json_t *config, char **ret_id,
			    berth_error *err);

/**
 * ctr_exec_session_exit_command() - the exit command of an exec monitor (NULL-terminated,
 * malloc'd; strv_free()), or NULL when out of memory.
 */
char **ctr_exec_session_exit_command(const struct berth_ctx *ctx, const char *ctr_id,
				     const char *session);

/** ctr_exec_session_started() - emit the "exec" event of @session in @c. */
void ctr_exec_session_started(const struct berth_ctx *ctx, const struct store_container *c,
			      const char *session);

/**
 * ctr_exec_session_cleanup() - the exec monitor's exit command: record the exit of @session
 * of container @ctr_ref, emit "exec_died", remove the run dir. A container or session that is
 * gone already is fine.
 */
int ctr_exec_session_cleanup(struct berth_ctx *ctx, struct store *s, const char *ctr_ref,
			     const char *session, berth_error *err);

/**
 * ctr_exec_session_inspect() - podman's GET /exec/{id}/json of @session: ID, ContainerID,
 * Running, ExitCode (null until it ended), Pid, OpenStdin, ProcessConfig {tty, entrypoint,
 * arguments}. -ENOENT "no such exec session" when there is none.
 */
int ctr_exec_session_inspect(struct store *s, const char *session, json_t **ret,
			     berth_error *err);

#endif
