/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - SQL for the containers and exec_sessions tables (see container.h).
 * Single-row writes are atomic statements on their own; the insert checks the name inside a
 * BEGIN IMMEDIATE transaction so that two `run --name x` racing get one success and one clear
 * "name in use" rather than a constraint error.
 */
#include "store/container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"
#include "util/macro.h"

#define CONTAINER_COLUMNS                                                                      \
	"id, name, image_id, image_name, created, config, state, pid, pid_start, monitor_pid, "    \
	"started_at, finished_at, exit_code, pod_id, restart_count"

void store_container_free(struct store_container *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image_name);
	free(c->config);
	free(c->state);
	free(c->pod_id);
	free(c);
}

void store_container_list_free(struct store_container **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		store_container_free(list[i]);
	free(list);
}

static struct store_container *row_to_container(sqlite3_stmt *st)
{
	struct store_container *c = calloc(1, sizeof(*c));
	bool oom = false;

	if (!c)
		return NULL;
	c->id = store_col_strdup(st, 0, &oom);
	c->name = store_col_strdup(st, 1, &oom);
	c->image_id = store_col_strdup(st, 2, &oom);
	c->image_name = store_col_strdup(st, 3, &oom);
	c->created = sqlite3_column_int64(st, 4);
	c->config = store_col_strdup(st, 5, &oom);
	c->state = store_col_strdup(st, 6, &oom);
	c->pid = (pid_t)sqlite3_column_int64(st, 7);
	c->pid_start = sqlite3_column_int64(st, 8);
	c->monitor_pid = (pid_t)sqlite3_column_int64(st, 9);
	c->started_at = sqlite3_column_int64(st, 10);
	c->finished_at = sqlite3_column_int64(st, 11);
	c->exit_code = sqlite3_column_int(st, 12);
	c->pod_id = store_col_strdup(st, 13, &oom);
	c->restart_count = sqlite3_column_int(st, 14);
	if (oom || !c->id || !c->name) {
		store_container_free(c);
		return NULL;
	}
	if (!c->state && !(c->state = strdup("configured"))) {
		store_container_free(c);
		return NULL;
	}
	return c;
}

/* inside a transaction: -EEXIST with podman's message when @name belongs to a container */
static int check_name_free(struct store *s, const char *name, berth_error *err)
{
	_cleanup_free_ char *owner = NULL;
	int r;

	r = store_name_owner(s, "containers", name, &owner, err);
	if (r <= 0)
		return r;
	return berr(err, EEXIST,
		    "the container name \"%s\" is already in use by %s. You have to remove that "
		    "container to be able to reuse that name: that name is already in use",
		    name, owner);
}

int store_container_add(struct store *s, const struct store_container *c, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *ins = NULL;
	int r;

	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	r = check_name_free(s, c->name, err);
	if (r < 0)
		goto fail;
	r = store_prepare(s,
			  "INSERT INTO containers (" CONTAINER_COLUMNS ") VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
			  &ins, err);
	if (r < 0)
		goto fail;
	store_bind_text(ins, 1, c->id);
	store_bind_text(ins, 2, c->name);
	store_bind_text(ins, 3, c->image_id);
	store_bind_text(ins, 4, c->image_name);
	sqlite3_bind_int64(ins, 5, c->created);
	store_bind_text(ins, 6, c->config);
	store_bind_text(ins, 7, c->state ? c->state : "created");
	sqlite3_bind_int64(ins, 8, c->pid);
	sqlite3_bind_int64(ins, 9, c->pid_start);
	sqlite3_bind_int64(ins, 10, c->monitor_pid);
	sqlite3_bind_int64(ins, 11, c->started_at);
	sqlite3_bind_int64(ins, 12, c->finished_at);
	sqlite3_bind_int(ins, 13, c->exit_code);
	store_bind_text(ins, 14, c->pod_id);
	sqlite3_bind_int(ins, 15, c->restart_count);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		r = store_sql_error(s, err, "insert container record");
		goto fail;
	}
	return store_tx_commit(s, err);
fail:
	store_tx_rollback(s);
	return r;
}

/* store_rows() converters */
static void *container_row(sqlite3_stmt *st)
{
	return row_to_container(st);
}

static void container_free_row(void *c)
{
	store_container_free(c);
}

/* The one row matching @where (one '?1' parameter) in *ret, NULL when none or two;
 * *ret_count says how many (up to two). */
static int get_where(struct store *s, const char *where, const char *arg,
		     struct store_container **ret, int *ret_count, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *sql = NULL;
	struct store_container **rows = NULL;
	size_t n = 0;
	int r;

	if (asprintf(&sql, "SELECT " CONTAINER_COLUMNS " FROM containers WHERE %s LIMIT 2", where) <
	    0)
		return berr(err, ENOMEM, "out of memory");
	r = store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, arg);
	r = store_rows(s, st, container_row, container_free_row, (void ***)&rows, &n,
		       "read container records", err);
	if (r < 0)
		return r;
	*ret_count = (int)n;
	*ret = n == 1 ? rows[0] : NULL;
	if (n != 1)
		store_container_list_free(rows, n);
	else
		free(rows);
	return 0;
}

int store_container_get(struct store *s, const char *id, struct store_container **ret,
			berth_error *err)
{
	struct store_container *c = NULL;
	int n = 0, r;

	r = get_where(s, "id = ?1", id, &c, &n, err);
	if (r < 0)
		return r;
	if (!c)
		return berr(err, ENOENT, "no container with ID \"%s\" found: no such container", id);
	*ret = c;
	return 0;
}

static bool is_hex_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int store_container_lookup(struct store *s, const char *ref, struct store_container **ret,
			   berth_error *err)
{
	struct store_container *c = NULL;
	_cleanup_free_ char *pattern = NULL;
	int n = 0, r;

	if (!ref || !*ref)
		return berr(err, EINVAL, "a container name or ID is required");
	r = get_where(s, "id = ?1", ref, &c, &n, err);
	if (r < 0)
		return r;
	if (!c) {
		r = get_where(s, "name = ?1", ref, &c, &n, err);
		if (r < 0)
			return r;
	}
	if (!c && is_hex_prefix(ref)) {
		if (asprintf(&pattern, "%s*", ref) < 0)
			return berr(err, ENOMEM, "out of memory");
		r = get_where(s, "id GLOB ?1", pattern, &c, &n, err);
		if (r < 0)
			return r;
		if (n > 1)
			return berr(err, EINVAL,
				    "more than one result for container ID \"%s\": give more digits",
				    ref);
	}
	if (!c)
		return berr(err, ENOENT, "no container with name or ID \"%s\" found: no such container",
			    ref);
	*ret = c;
	return 0;
}

int store_container_list(struct store *s, struct store_container ***ret, size_t *ret_n,
			 berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "SELECT " CONTAINER_COLUMNS " FROM containers ORDER BY created DESC",
			  &st, err);
	if (r < 0)
		return r;
	return store_rows(s, st, container_row, container_free_row, (void ***)ret, ret_n,
			  "list containers", err);
}

int store_container_update(struct store *s, const struct store_container *c, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s,
			  "UPDATE containers SET state = ?2, pid = ?3, pid_start = ?4, "
			  "monitor_pid = ?5, started_at = ?6, finished_at = ?7, exit_code = ?8, "
			  "restart_count = ?9 WHERE id = ?1",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, c->id);
	store_bind_text(st, 2, c->state);
	sqlite3_bind_int64(st, 3, c->pid);
	sqlite3_bind_int64(st, 4, c->pid_start);
	sqlite3_bind_int64(st, 5, c->monitor_pid);
	sqlite3_bind_int64(st, 6, c->started_at);
	sqlite3_bind_int64(st, 7, c->finished_at);
	sqlite3_bind_int(st, 8, c->exit_code);
	sqlite3_bind_int(st, 9, c->restart_count);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "update container record");
	if (sqlite3_changes(store_db(s)) == 0)
		return berr(err, ENOENT, "no container with ID \"%s\" found: no such container",
			    c->id);
	return 0;
}

int store_container_rename(struct store *s, const char *id, const char *name, const char *config,
			   berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *up = NULL;
	int r;

	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	if ((r = check_name_free(s, name, err)) < 0 ||
	    (r = store_prepare(s, "UPDATE containers SET name = ?2, config = ?3 WHERE id = ?1", &up,
			       err)) < 0)
		goto fail;
	store_bind_text(up, 1, id);
	store_bind_text(up, 2, name);
	store_bind_text(up, 3, config);
	if (sqlite3_step(up) != SQLITE_DONE) {
		r = store_sql_error(s, err, "rename container record");
		goto fail;
	}
	if (sqlite3_changes(store_db(s)) == 0) {
		r = berr(err, ENOENT, "no container with ID \"%s\" found: no such container", id);
		goto fail;
	}
	return store_tx_commit(s, err);
fail:
	store_tx_rollback(s);
	return r;
}

int store_container_delete(struct store *s, const char *id, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *a = NULL, *b = NULL;
	int r;

	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	if ((r = store_prepare(s, "DELETE FROM exec_sessions WHERE container_id = ?1", &a, err)) < 0 ||
	    (r = store_prepare(s, "DELETE FROM containers WHERE id = ?1", &b, err)) < 0)
		goto fail;
	store_bind_text(a, 1, id);
	store_bind_text(b, 1, id);
	if (sqlite3_step(a) != SQLITE_DONE || sqlite3_step(b) != SQLITE_DONE) {
		r = store_sql_error(s, err, "delete container record");
		goto fail;
	}
	return store_tx_commit(s, err);
fail:
	store_tx_rollback(s);
	return r;
}

void store_exec_session_free(struct store_exec_session *e)
{
	if (!e)
		return;
	free(e->id);
	free(e->container_id);
	free(e->config);
	free(e);
}

int store_exec_session_put(struct store *s, const struct store_exec_session *e,
			   berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s,
			  "INSERT OR REPLACE INTO exec_sessions (id, container_id, config, pid, "
			  "exit_code, running) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, e->id);
	store_bind_text(st, 2, e->container_id);
	store_bind_text(st, 3, e->config);
	sqlite3_bind_int64(st, 4, e->pid);
	sqlite3_bind_int(st, 5, e->exit_code);
	sqlite3_bind_int(st, 6, e->running);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "record exec session");
	return 0;
}

int store_exec_session_get(struct store *s, const char *id, struct store_exec_session **ret,
			   berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct store_exec_session *e;
	bool oom = false;
	int r, rc;

	r = store_prepare(s,
			  "SELECT id, container_id, config, pid, exit_code, running FROM "
			  "exec_sessions WHERE id = ?1",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return berr(err, ENOENT, "no exec session with ID %s found: no such exec session", id);
	if (rc != SQLITE_ROW)
		return store_sql_error(s, err, "read exec session");
	e = calloc(1, sizeof(*e));
	if (!e)
		return berr(err, ENOMEM, "out of memory");
	e->id = store_col_strdup(st, 0, &oom);
	e->container_id = store_col_strdup(st, 1, &oom);
	e->config = store_col_strdup(st, 2, &oom);
	e->pid = (pid_t)sqlite3_column_int64(st, 3);
	e->exit_code = sqlite3_column_int(st, 4);
	e->running = sqlite3_column_int(st, 5) != 0;
	if (oom) {
		store_exec_session_free(e);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret = e;
	return 0;
}

int store_exec_session_delete(struct store *s, const char *id, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "DELETE FROM exec_sessions WHERE id = ?1", &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "delete exec session");
	return 0;
}

/* ---- volumes ---- */

void store_volume_free(struct store_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->driver);
	free(v->mountpoint);
	free(v->labels);
	free(v->options);
	free(v);
}

void store_volume_list_free(struct store_volume **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		store_volume_free(list[i]);
	free(list);
}

int store_volume_add(struct store *s, const struct store_volume *v, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare(s,
			  "INSERT INTO volumes (name, created, driver, mountpoint, labels, options) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, v->name);
	sqlite3_bind_int64(st, 2, v->created);
	store_bind_text(st, 3, v->driver ? v->driver : "local");
	store_bind_text(st, 4, v->mountpoint);
	store_bind_text(st, 5, v->labels ? v->labels : "{}");
	store_bind_text(st, 6, v->options ? v->options : "{}");
	rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return berr(err, EEXIST, "volume with name %s already exists: volume already exists",
			    v->name);
	if (rc != SQLITE_DONE)
		return store_sql_error(s, err, "insert volume record");
	return 0;
}

static struct store_volume *row_to_volume(sqlite3_stmt *st)
{
	struct store_volume *v = calloc(1, sizeof(*v));
	bool oom = false;

	if (!v)
		return NULL;
	v->name = store_col_strdup(st, 0, &oom);
	v->created = sqlite3_column_int64(st, 1);
	v->driver = store_col_strdup(st, 2, &oom);
	v->mountpoint = store_col_strdup(st, 3, &oom);
	v->labels = store_col_strdup(st, 4, &oom);
	v->options = store_col_strdup(st, 5, &oom);
	if (oom || !v->name) {
		store_volume_free(v);
		return NULL;
	}
	return v;
}

static void *volume_row(sqlite3_stmt *st)
{
	return row_to_volume(st);
}

static void volume_free_row(void *v)
{
	store_volume_free(v);
}

int store_volume_get(struct store *s, const char *name, struct store_volume **ret,
		     berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare(s,
			  "SELECT name, created, driver, mountpoint, labels, options FROM volumes "
			  "WHERE name = ?1",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return berr(err, ENOENT, "no volume with name \"%s\" found: no such volume", name);
	if (rc != SQLITE_ROW)
		return store_sql_error(s, err, "read volume record");
	*ret = row_to_volume(st);
	return *ret ? 0 : berr(err, ENOMEM, "out of memory");
}

int store_volume_list(struct store *s, struct store_volume ***ret, size_t *ret_n,
		      berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s,
			  "SELECT name, created, driver, mountpoint, labels, options FROM volumes "
			  "ORDER BY name",
			  &st, err);
	if (r < 0)
		return r;
	return store_rows(s, st, volume_row, volume_free_row, (void ***)ret, ret_n,
			  "list volumes", err);
}

int store_volume_delete(struct store *s, const char *name, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "DELETE FROM volumes WHERE name = ?1", &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "delete volume record");
	return 0;
}
