/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod.c - SQL for the pods table (see pod.h). The insert checks the name inside a BEGIN
 * IMMEDIATE transaction so that two racing `pod create --name x` get one clear "already exists".
 */
#include "store/pod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"
#include "util/macro.h"

#define POD_COLUMNS "id, name, created, config, infra_id"

void store_pod_free(struct store_pod *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->name);
	free(p->config);
	free(p->infra_id);
	free(p);
}

void store_pod_list_free(struct store_pod **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		store_pod_free(list[i]);
	free(list);
}

static struct store_pod *row_to_pod(sqlite3_stmt *st)
{
	struct store_pod *p = calloc(1, sizeof(*p));
	bool oom = false;

	if (!p)
		return NULL;
	p->id = store_col_strdup(st, 0, &oom);
	p->name = store_col_strdup(st, 1, &oom);
	p->created = sqlite3_column_int64(st, 2);
	p->config = store_col_strdup(st, 3, &oom);
	p->infra_id = store_col_strdup(st, 4, &oom);
	if (oom || !p->id || !p->name) {
		store_pod_free(p);
		return NULL;
	}
	return p;
}

int store_pod_add(struct store *s, const struct store_pod *p, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *ins = NULL;
	_cleanup_free_ char *owner = NULL;
	int r;

	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	r = store_name_owner(s, "pods", p->name, &owner, err);
	if (r < 0)
		goto fail;
	if (r > 0) {
		r = berr(err, EEXIST,
			 "pod %s already exists (ID %.12s); remove it or choose another "
			 "--name: pod already exists",
			 p->name, owner);
		goto fail;
	}
	r = store_prepare(s, "INSERT INTO pods (" POD_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5)", &ins,
			  err);
	if (r < 0)
		goto fail;
	store_bind_text(ins, 1, p->id);
	store_bind_text(ins, 2, p->name);
	sqlite3_bind_int64(ins, 3, p->created);
	store_bind_text(ins, 4, p->config);
	store_bind_text(ins, 5, p->infra_id);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		r = store_sql_error(s, err, "insert pod record");
		goto fail;
	}
	return store_tx_commit(s, err);
fail:
	store_tx_rollback(s);
	return r;
}

/* store_rows() converters */
static void *pod_row(sqlite3_stmt *st)
{
	return row_to_pod(st);
}

static void pod_free_row(void *p)
{
	store_pod_free(p);
}

/* Rows matching @where (one '?1' parameter): the first in *ret (when there is one), up to two
 * read, *ret_count says how many. */
static int get_where(struct store *s, const char *where, const char *arg, struct store_pod **ret,
		     int *ret_count, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *sql = NULL;
	struct store_pod **rows = NULL;
	size_t n = 0;
	int r;

	if (asprintf(&sql, "SELECT " POD_COLUMNS " FROM pods WHERE %s LIMIT 2", where) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, arg);
	r = store_rows(s, st, pod_row, pod_free_row, (void ***)&rows, &n, "read pod record", err);
	if (r < 0)
		return r;
	if (n > 0) {
		*ret = rows[0];
		rows[0] = NULL;
	}
	store_pod_list_free(rows, n);
	*ret_count = (int)n;
	return 0;
}

int store_pod_lookup(struct store *s, const char *ref, struct store_pod **ret, berth_error *err)
{
	struct store_pod *p = NULL;
	_cleanup_free_ char *prefix = NULL;
	int r, n = 0;

	if (!ref || !*ref)
		return berr(err, EINVAL, "a pod name or ID is required");
	r = get_where(s, "id = ?1 OR name = ?1", ref, &p, &n, err);
	if (r < 0)
		return r;
	if (n == 0 && strspn(ref, "0123456789abcdef") == strlen(ref)) {
		if (asprintf(&prefix, "%s%%", ref) < 0)
			return berr(err, ENOMEM, "out of memory");
		r = get_where(s, "id LIKE ?1", prefix, &p, &n, err);
		if (r < 0)
			return r;
		if (n > 1) {
			store_pod_free(p);
			return berr(err, EINVAL,
				    "more than one pod matches ID prefix %s; give more "
				    "of the ID",
				    ref);
		}
	}
	if (n == 0)
		return berr(err, ENOENT, "no pod with name or ID %s found: no such pod", ref);
	*ret = p;
	return 0;
}

int store_pod_list(struct store *s, struct store_pod ***ret, size_t *ret_n, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "SELECT " POD_COLUMNS " FROM pods ORDER BY created DESC", &st, err);
	if (r < 0)
		return r;
	return store_rows(s, st, pod_row, pod_free_row, (void ***)ret, ret_n, "list pods", err);
}

static int exec1(struct store *s, const char *sql, const char *a, const char *b, const char *what,
		 berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, a);
	if (b != (const char *)-1)
		store_bind_text(st, 2, b);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, what);
	return 0;
}

int store_pod_set_infra(struct store *s, const char *id, const char *infra_id, berth_error *err)
{
	return exec1(s, "UPDATE pods SET infra_id = ?2 WHERE id = ?1", id, infra_id,
		     "update pod record", err);
}

int store_pod_delete(struct store *s, const char *id, berth_error *err)
{
	return exec1(s, "DELETE FROM pods WHERE id = ?1", id, (const char *)-1, "delete pod record",
		     err);
}

int store_pod_container_ids(struct store *s, const char *id, char ***ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char **list = NULL;
	size_t n = 0;
	int r, rc;

	r = store_prepare(s, "SELECT id FROM containers WHERE pod_id = ?1 ORDER BY created, rowid",
			  &st, err);
	if (r < 0)
		return r;
	store_bind_text(st, 1, id);
	list = calloc(1, sizeof(char *));
	if (!list)
		return berr(err, ENOMEM, "out of memory");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **grown = realloc(list, (n + 2) * sizeof(char *));
		if (!grown)
			goto oom;
		list = grown;
		list[n] = strdup((const char *)sqlite3_column_text(st, 0));
		list[n + 1] = NULL;
		if (!list[n])
			goto oom;
		n++;
	}
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			free(list[i]);
		free(list);
		return store_sql_error(s, err, "list the pod's containers");
	}
	*ret = list;
	return 0;
oom:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return berr(err, ENOMEM, "out of memory");
}
