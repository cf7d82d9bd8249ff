/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc.c - garbage collection (what interrupted operations left), disk usage and reset.
 *
 * Under the exclusive store lock no import, pull or rmi is in flight, so anything in tmp/ whose
 * flock nobody holds, any dir in overlay/ without a layer record, any layer no image uses and
 * any blob no record names is garbage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store-names.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/macro.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Calls @fn for every entry of @sub (a dir under the store root) except "." and "..". */
static int foreach_entry(struct store *s, const char *sub,
			 int (*fn)(struct store *s, int dirfd, const char *name, void *ud, berth_error *err),
			 void *ud, berth_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	int fd = openat(store_root_fd(s), sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	struct dirent *de;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return berr_errno(err, errno, "open %s/%s", store_root(s), sub);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berr_errno(err, errno, "open %s/%s", store_root(s), sub);
	}
	while ((errno = 0, de = readdir(d))) {
		int r;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = fn(s, dirfd(d), de->d_name, ud, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int gc_tmp(struct store *s, int dirfd, const char *name, void *ud, berth_error *err)
{
	size_t *removed = ud;
	int r;

	if (lock_is_held_at(dirfd, name))
		return 0;
	r = store_rm_rf_at(s, dirfd, name, err);
	if (r < 0 && r != -ENOENT)
		return r;
	(*removed)++;
	return 0;
}

static int row_exists(struct store *s, const char *sql, const char *arg, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s, sql, &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	return store_sql_error(s, err, "query");
}

static int gc_overlay(struct store *s, int dirfd, const char *name, void *ud, berth_error *err)
{
	size_t *removed = ud;
	int r = row_exists(s, "SELECT 1 FROM layers WHERE id = ?", name, err);

	if (r != 0)
		return r < 0 ? r : 0;
	r = store_layer_dir_remove(s, name, err);
	if (r < 0)
		return r;
	(*removed)++;
	return 0;
}

static int gc_blob(struct store *s, int dirfd, const char *name, void *ud, berth_error *err)
{
	size_t *removed = ud;
	char digest[8 + 256];
	int r;

	snprintf(digest, sizeof(digest), "sha256:%s", name);
	if (!store_digest_valid(digest)) {
		/* Not a blob name at all: nothing berth writes; leave it to system check to report. */
		return 0;
	}
	r = store_blob_remove_if_unused(s, digest, err);
	if (r > 0)
		(*removed)++;
	return r < 0 ? r : 0;
}

int store_gc(struct store *s, size_t *ret_removed, berth_error *err)
{
	_cleanup_strv_free_ char **dead = NULL;
	size_t n_dead = 0, removed = 0;
	int r;

	r = store_lock(s, true, err);
	if (r < 0)
		return r;
	r = foreach_entry(s, "tmp", gc_tmp, &removed, err);
	if (r < 0)
		goto out;
	/* Layers no image uses (an import killed between unpacking and recording the image). */
	r = store_tx_begin(s, err);
	if (r < 0)
		goto out;
	r = store_delete_unused_layers_tx(s, &dead, &n_dead, err);
	if (r < 0) {
		store_tx_rollback(s);
		goto out;
	}
	r = store_tx_commit(s, err);
	if (r < 0)
		goto out;
	removed += n_dead;
	r = foreach_entry(s, "overlay", gc_overlay, &removed, err);
	if (r < 0)
		goto out;
	r = foreach_entry(s, "blobs/sha256", gc_blob, &removed, err);
	if (r < 0)
		goto out;
	if (ret_removed)
		*ret_removed = removed;
out:
	store_unlock(s);
	return r;
}

static int64_t single_int(struct store *s, const char *sql)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, sql, &st, NULL) < 0 || sqlite3_step(st) != SQLITE_ROW)
		return 0;
	return sqlite3_column_int64(st, 0);
}

int store_df(struct store *s, struct store_df *ret, berth_error *err)
{
	struct store_df d = { 0 };

	d.images = (size_t)single_int(s, "SELECT count(*) FROM images");
	d.images_active =
		(size_t)single_int(s, "SELECT count(DISTINCT image_id) FROM containers WHERE image_id IS NOT NULL");
	/* Shared layers count once: the sum over distinct layers. */
	d.images_size = single_int(s, "SELECT coalesce(sum(size), 0) FROM layers");
	d.images_reclaimable = single_int(
		s, "SELECT coalesce(sum(size), 0) FROM layers l WHERE NOT EXISTS (SELECT 1 FROM"
		   " image_layers il JOIN containers c ON c.image_id = il.image_id WHERE il.layer_id = l.id)");
	d.containers = (size_t)single_int(s, "SELECT count(*) FROM containers");
	d.containers_active = (size_t)single_int(
		s, "SELECT count(*) FROM containers WHERE state IN ('running', 'paused')");
	d.volumes = (size_t)single_int(s, "SELECT count(*) FROM volumes");
	(void)err;
	*ret = d;
	return 0;
}

int store_reset(const char *root, const char *runroot, berth_error *err)
{
	static const char *const root_items[] = { "overlay-containers", "overlay", "blobs",
						  "tmp", "volumes", "berth.db-wal", "berth.db-shm",
						  "berth.db", "store.lock" };
	static const char *const run_items[] = { "events", "locks", "containers", "exec",
						 "pods", "networks" };
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int rrfd = open(runroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	/* Only what berth itself makes: a --root pointing at the wrong dir must not wipe it. */
	for (size_t i = 0; rfd >= 0 && i < ELEMENTSOF(root_items); i++) {
		r = rm_rf_at(rfd, root_items[i], err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	for (size_t i = 0; rrfd >= 0 && i < ELEMENTSOF(run_items); i++) {
		r = rm_rf_at(rrfd, run_items[i], err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}
