/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-internal.h - what the store/ C files share and nothing outside store/ may include: the
 * SQLite handle and the transaction helpers, so that container.c, pod.c, volume.c ... add their
 * own queries on the same database.
 *
 * Writes: store_tx_begin() (BEGIN IMMEDIATE, so the busy timeout applies at the start rather
 * than failing at the first write), then store_tx_commit() or store_tx_rollback(). Reads need
 * no transaction. Prepared statements are the caller's (sqlite3_finalize them).
 */
#ifndef BERTH_STORE_INTERNAL_H
#define BERTH_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

/** store_db() - the store's SQLite connection (owned by the store; never across fork). */
sqlite3 *store_db(struct store *s);

/** store_tx_begin() - BEGIN IMMEDIATE (waits up to the busy timeout). */
int store_tx_begin(struct store *s, berth_error *err);
/** store_tx_commit() - COMMIT; on failure the transaction is rolled back. */
int store_tx_commit(struct store *s, berth_error *err);
/** store_tx_rollback() - ROLLBACK; harmless when no transaction is open. */
void store_tx_rollback(struct store *s);

/**
 * store_sql_error() - fill @err from the connection's last error: "@what: <sqlite message>";
 * returns -EBUSY for SQLITE_BUSY/LOCKED, -EEXIST for constraint violations, -EIO otherwise.
 */
int store_sql_error(struct store *s, berth_error *err, const char *what);

/**
 * store_name_owner() - the id of the row of @table ("containers" or "pods") named @name:
 * 1 with *@ret_id set (malloc'd), 0 when the name is free, or a negative errno.
 */
int store_name_owner(struct store *s, const char *table, const char *name, char **ret_id,
		     berth_error *err);

/** store_exec() - run SQL without results (no parameters). */
int store_exec(struct store *s, const char *sql, berth_error *err);

/**
 * store_prepare() - sqlite3_prepare_v3 with error reporting; finalize with sqlite3_finalize
 * (or declare _cleanup_(sqlite3_stmt_finalizep)).
 */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret, berth_error *err);

static inline void sqlite3_stmt_finalizep(sqlite3_stmt **st)
{
	if (*st)
		sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(sqlite3_stmt_finalizep)

/** store_col_strdup() - strdup of a text column, NULL for SQL NULL (sets *oom on failure). */
char *store_col_strdup(sqlite3_stmt *st, int col, bool *oom);

/** store_bind_text() - bind @v to parameter @idx of @st, SQL NULL for a NULL @v. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *v);

/**
 * store_rows() - every row @st gives, made a record each by @conv (NULL: out of memory), into a
 * new array *@ret of *@ret_n. On failure nothing is kept (@free_row frees what was made); an SQL
 * error names @what. Callers pass their typed list as (void ***) and their typed converters
 * through small wrappers.
 */
int store_rows(struct store *s, sqlite3_stmt *st, void *(*conv)(sqlite3_stmt *st),
	       void (*free_row)(void *row), void ***ret, size_t *ret_n, const char *what,
	       berth_error *err);

/** store_now_ns() - CLOCK_REALTIME in unix ns. */
int64_t store_now_ns(void);

/**
 * store_layer_dir_remove() - remove <root>/overlay/@name (renamed into tmp/ first, then removed
 * recursively); a missing dir is fine.
 */
int store_layer_dir_remove(struct store *s, const char *name, berth_error *err);

/** store_blob_remove_if_unused() - unlink blob @digest when no record names it; 1 if removed. */
int store_blob_remove_if_unused(struct store *s, const char *digest, berth_error *err);

/**
 * store_delete_unused_layers_tx() - inside an open transaction, delete every layer row that no
 * image and no child layer uses (repeatedly); their ids are appended to @dead / @n_dead.
 */
int store_delete_unused_layers_tx(struct store *s, char ***dead, size_t *n_dead,
				  berth_error *err);

struct userns_mapping;


/** store_is_rootless() - whether store changes must run inside the store's user namespace. */
bool store_is_rootless(const struct store *s);

/**
 * store_idmap() - the store's fixed id mapping (rootless): recorded in the meta table ("idmap")
 * on first use; -EPERM with a pointer to `berth system migrate` when /etc/subuid changed since.
 */
int store_idmap(struct store *s, struct userns_mapping *ret, berth_error *err);

/**
 * store_rm_rf_at() - rm_rf_at(), run inside the store's user namespace when rootless (files
 * owned by subordinate ids cannot be removed from outside it).
 */
int store_rm_rf_at(struct store *s, int dirfd, const char *name, berth_error *err);

/**
 * store_crash_point() - for the crash tests: when $BERTH_STORE_CRASH_AT equals @name, the process
 * SIGKILLs itself here, as a kill -9 or power cut at this point would. No-op otherwise.
 */
void store_crash_point(const char *name);

#endif
