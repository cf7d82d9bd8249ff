/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - the container and exec-session records in the store's database (tables made by
 * the store's migrations). Pure CRUD: the engine (engine/container*.c) decides what the states
 * mean and takes the per-container lock (store_container_lock()) around every change.
 */
#ifndef BERTH_STORE_CONTAINER_H
#define BERTH_STORE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"
#include "util/error.h"

/**
 * struct store_container - one row of the containers table
 * @id:		64 hex digits
 * @name:	unique name
 * @image_id:	image it was made from (hex id)
 * @image_name:	the image name as the user gave it, normalized
 * @created:	unix ns
 * @config:	JSON of the create options (engine/spec.h)
 * @state:	configured|created|running|stopped|exited|paused|removing
 * @pid:	the container's init pid in the host pid namespace, 0 when none
 * @pid_start:	its start time (/proc/PID/stat field 22), so a reused pid never reads alive
 * @monitor_pid: the berth-monitor holding it
 * @started_at/@finished_at: unix ns of the last start and exit (0 = never)
 * @exit_code:	last exit code
 * @pod_id:	pod it belongs to, or NULL
 * @restart_count: restarts done by the restart policy
 */
struct store_container {
	char *id;
	char *name;
	char *image_id;
	char *image_name;
	int64_t created;
	char *config;
	char *state;
	pid_t pid;
	int64_t pid_start;
	pid_t monitor_pid;
	int64_t started_at;
	int64_t finished_at;
	int exit_code;
	char *pod_id;
	int restart_count;
};

/** store_container_free() - release; NULL is fine. */
void store_container_free(struct store_container *c);
static inline void store_container_freep(struct store_container **c)
{
	store_container_free(*c);
}
#define _cleanup_container_ _cleanup_(store_container_freep)
/** store_container_list_free() - release an array from store_container_list(). */
void store_container_list_free(struct store_container **list, size_t n);

/**
 * store_container_add() - insert @c. A taken name gives -EEXIST and podman's message ("the
 * container name "x" is already in use by ID. You have to remove that container ...").
 */
int store_container_add(struct store *s, const struct store_container *c, berth_error *err);

/** store_container_get() - the record with exactly @id; -ENOENT when there is none. */
int store_container_get(struct store *s, const char *id, struct store_container **ret,
			berth_error *err);

/**
 * store_container_lookup() - find by full id, exact name, or unique id prefix, as podman does.
 * -ENOENT: "no container with name or ID "x" found: no such container"; -EINVAL when a prefix
 * matches several.
 */
int store_container_lookup(struct store *s, const char *ref, struct store_container **ret,
			   berth_error *err);

/** store_container_list() - every container, newest first. */
int store_container_list(struct store *s, struct store_container ***ret, size_t *ret_n,
			 berth_error *err);

/**
 * store_container_update() - write the run-time fields of @c (state, pid, pid_start,
 * monitor_pid, started_at, finished_at, exit_code, restart_count) to its row.
 * -ENOENT when the row is gone.
 */
int store_container_update(struct store *s, const struct store_container *c, berth_error *err);

/**
 * store_container_rename() - give container @id the name @name and the create options @config
 * (which carry the name too), in one transaction; -EEXIST as store_container_add() when the
 * name is taken.
 */
int store_container_rename(struct store *s, const char *id, const char *name, const char *config,
			   berth_error *err);
/** store_container_delete() - delete the row and its exec sessions (missing is fine). */
int store_container_delete(struct store *s, const char *id, berth_error *err);

/**
 * struct store_exec_session - one row of exec_sessions
 * @config:	JSON of the exec options
 * @running:	true while its monitor runs it
 */
struct store_exec_session {
	char *id;
	char *container_id;
	char *config;
	pid_t pid;
	int exit_code;
	bool running;
};

void store_exec_session_free(struct store_exec_session *e);
/** store_exec_session_put() - insert or replace the row of @e. */
int store_exec_session_put(struct store *s, const struct store_exec_session *e,
			   berth_error *err);
/** store_exec_session_get() - -ENOENT "no exec session with ID x found" when missing. */
int store_exec_session_get(struct store *s, const char *id, struct store_exec_session **ret,
			   berth_error *err);
/** store_exec_session_delete() - delete one row (missing is fine). */
int store_exec_session_delete(struct store *s, const char *id, berth_error *err);

/**
 * struct store_volume - one row of the volumes table (named and anonymous volumes)
 * @name:	unique name (64 hex digits for anonymous ones)
 * @created:	unix ns
 * @driver:	"local"
 * @mountpoint:	<root>/volumes/<name>/_data
 * @labels:	JSON object text
 * @options:	JSON object text ({"anonymous":"true"} marks anonymous volumes)
 */
struct store_volume {
	char *name;
	int64_t created;
	char *driver;
	char *mountpoint;
	char *labels;
	char *options;
};

void store_volume_free(struct store_volume *v);
void store_volume_list_free(struct store_volume **list, size_t n);
/** store_volume_add() - insert; -EEXIST "volume with name X already exists: volume already exists". */
int store_volume_add(struct store *s, const struct store_volume *v, berth_error *err);
/** store_volume_get() - -ENOENT "no volume with name "X" found: no such volume". */
int store_volume_get(struct store *s, const char *name, struct store_volume **ret,
		     berth_error *err);
/** store_volume_list() - every volume, by name. */
int store_volume_list(struct store *s, struct store_volume ***ret, size_t *ret_n,
		      berth_error *err);
/** store_volume_delete() - delete the row (missing is fine). */
int store_volume_delete(struct store *s, const char *name, berth_error *err);

#endif
