/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c - [heavy] `system check`: collect garbage, then verify every blob's digest and every
 * record's references; with repair, remove the images (and, if asked, containers) whose data is
 * damaged, then collect again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/macro.h"

struct check {
	struct store *s;
	struct store_check_report *rep;
	char **damaged; /* image ids */
	size_t n_damaged;
	bool repair;
};

static int strv_add(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int problem(struct check *c, const char *fmt, ...) _printf_(2, 3);
static int problem(struct check *c, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return strv_add(&c->rep->errors, &c->rep->n_errors, line);
}

static int mark_damaged(struct check *c, const char *id)
{
	for (size_t i = 0; i < c->n_damaged; i++)
		if (strcmp(c->damaged[i], id) == 0)
			return 0;
	return strv_add(&c->damaged, &c->n_damaged, strdup(id));
}

/* Marks every image that references blob @digest as damaged. */
static int images_using_blob(struct check *c, const char *digest, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(c->s,
			      "SELECT id FROM images WHERE digest = ?1 OR config_digest = ?1 UNION"
			      " SELECT image_id FROM image_layers WHERE blob_digest = ?1 UNION"
			      " SELECT il.image_id FROM image_layers il JOIN layers l ON l.id = il.layer_id"
			      " WHERE l.compressed_digest = ?1",
			      &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (mark_damaged(c, (const char *)sqlite3_column_text(st, 0)) < 0)
			return berr(err, ENOMEM, "out of memory");
	return r == SQLITE_DONE ? 0 : store_sql_error(c->s, err, "check blobs");
}

static int check_blobs(struct check *c, berth_error *err)
{
	int fd = openat(store_root_fd(c->s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd < 0)
		return problem(c, "%s/blobs/sha256 is missing", store_root(c->s)) < 0
			       ? berr(err, ENOMEM, "out of memory")
			       : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berr_errno(err, errno, "open %s/blobs/sha256", store_root(c->s));
	}
	while ((de = readdir(d))) {
		char digest[8 + 256];
		berth_error e = { 0 };
		if (de->d_name[0] == '.')
			continue;
		snprintf(digest, sizeof(digest), "sha256:%s", de->d_name);
		if (!store_digest_valid(digest)) {
			r = problem(c, "%s/blobs/sha256/%s is not a blob name", store_root(c->s), de->d_name);
			if (r < 0)
				break;
			continue;
		}
		if (store_blob_verify(c->s, digest, &e) < 0) {
			r = problem(c, "%s", e.msg);
			if (r >= 0)
				r = images_using_blob(c, digest, err);
			if (r < 0)
				break;
			/* A corrupt blob is never useful: the images naming it go too (repair()). */
			if (c->repair && unlinkat(dirfd(d), de->d_name, 0) == 0)
				c->rep->repaired++;
		}
	}
	closedir(d);
	return r < 0 ? (r == -ENOMEM ? berr(err, ENOMEM, "out of memory") : r) : 0;
}

static int check_records(struct check *c, berth_error *err)
{
	static const struct {
		const char *sql;
		const char *fmt;
		bool blob;
	} q[] = {
		{ "SELECT id, config_digest FROM images", "image %.12s: config blob %s is missing", true },
		{ "SELECT id, digest FROM images", "image %.12s: manifest blob %s is missing", true },
		{ "SELECT image_id, blob_digest FROM image_layers", "image %.12s: layer blob %s is missing",
		  true },
		{ "SELECT il.image_id, l.id FROM image_layers il JOIN layers l ON l.id = il.layer_id",
		  "image %.12s: layer %s has no unpacked content", false },
		{ "SELECT image_id, layer_id FROM image_layers il WHERE NOT EXISTS (SELECT 1 FROM layers"
		  " WHERE id = il.layer_id)",
		  "image %.12s: layer %s is not in the store", false },
	};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(q); i++) {
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		r = store_prepare(c->s, q[i].sql, &st, err);
		if (r < 0)
			return r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			const char *img = (const char *)sqlite3_column_text(st, 0);
			const char *ref = (const char *)sqlite3_column_text(st, 1);
			bool ok;
			if (!ref)
				continue;
			if (q[i].blob)
				ok = store_blob_exists(c->s, ref);
			else if (i == 3) {
				char rel[128];
				struct stat sb;
				snprintf(rel, sizeof(rel), "overlay/%.64s/diff", ref);
				ok = fstatat(store_root_fd(c->s), rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				     S_ISDIR(sb.st_mode);
			} else
				ok = false;
			if (!ok && (problem(c, q[i].fmt, img, ref) < 0 || mark_damaged(c, img) < 0))
				return berr(err, ENOMEM, "out of memory");
		}
		if (r != SQLITE_DONE)
			return store_sql_error(c->s, err, "check records");
	}
	{
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		r = store_prepare(c->s,
				  "SELECT id, image_id FROM containers c WHERE image_id IS NOT NULL AND NOT"
				  " EXISTS (SELECT 1 FROM images WHERE id = c.image_id)",
				  &st, err);
		if (r < 0)
			return r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW)
			if (problem(c, "container %.12s: its image %.12s is not in the store",
				    (const char *)sqlite3_column_text(st, 0),
				    (const char *)sqlite3_column_text(st, 1)) < 0)
				return berr(err, ENOMEM, "out of memory");
		if (r != SQLITE_DONE)
			return store_sql_error(c->s, err, "check containers");
	}
	{
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		r = store_prepare(c->s, "PRAGMA integrity_check", &st, err);
		if (r < 0)
			return r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			const char *m = (const char *)sqlite3_column_text(st, 0);
			if (m && strcmp(m, "ok") != 0 && problem(c, "database: %s", m) < 0)
				return berr(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* Marks every image that uses layer @id as damaged. */
static int images_using_layer(struct check *c, const char *id, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(c->s, "SELECT image_id FROM image_layers WHERE layer_id = ?", &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (mark_damaged(c, (const char *)sqlite3_column_text(st, 0)) < 0)
			return berr(err, ENOMEM, "out of memory");
	return r == SQLITE_DONE ? 0 : store_sql_error(c->s, err, "check layers");
}

/*
 * check_layer_content() - each unpacked layer against its record: the files under diff/ must
 * hold the content size counted when it was unpacked (check_layers.c). Records of 0 bytes
 * are not compared: layers of an older store may lack the count.
 */
static int check_layer_content(struct check *c, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	_cleanup_free_ uint64_t *want = NULL, *have = NULL;
	size_t n = 0;
	int r = store_prepare(c->s, "SELECT id, content_size FROM layers WHERE content_size > 0",
			      &st, err);

	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t *nw = realloc(want, (n + 1) * sizeof(*want));
		if (!nw)
			return berr(err, ENOMEM, "out of memory");
		want = nw;
		want[n] = (uint64_t)sqlite3_column_int64(st, 1);
		if (strv_add(&ids, &n, strdup((const char *)sqlite3_column_text(st, 0))) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	if (r != SQLITE_DONE)
		return store_sql_error(c->s, err, "check layers");
	have = calloc(n + 1, sizeof(*have));
	if (!have)
		return berr(err, ENOMEM, "out of memory");
	if ((r = store_content_sizes(c->s, "overlay/%.64s/diff", ids, n, have, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (have[i] == STORE_LAYER_SIZE_UNKNOWN || have[i] == want[i])
			continue; /* an unreadable or missing diff/ is check_records()' to report */
		if (problem(c, "layer %.12s: its unpacked files hold %llu bytes, its record %llu: "
			       "the layer was changed or damaged after unpacking",
			    ids[i], (unsigned long long)have[i], (unsigned long long)want[i]) < 0)
			return berr(err, ENOMEM, "out of memory");
		if ((r = images_using_layer(c, ids[i], err)) < 0)
			return r;
	}
	return 0;
}

static int repair(struct check *c, bool repair_containers, berth_error *err)
{
	for (size_t i = 0; i < c->n_damaged; i++) {
		const char *id = c->damaged[i];
		_cleanup_free_ char *user = NULL;
		int r = store_image_in_use(c->s, id, &user, err);
		if (r < 0)
			return r;
		if (r > 0) {
			_cleanup_stmt_ sqlite3_stmt *st = NULL;
			if (!repair_containers) {
				if (problem(c, "image %.12s is damaged but container %.12s uses it; repair with --force to remove both",
					    id, user) < 0)
					return berr(err, ENOMEM, "out of memory");
				continue;
			}
			r = store_prepare(c->s, "DELETE FROM containers WHERE image_id = ?", &st, err);
			if (r < 0)
				return r;
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return store_sql_error(c->s, err, "remove containers");
		}
		r = store_image_delete(c->s, id, err);
		if (r < 0 && r != -ENOENT)
			return r;
		c->rep->repaired++;
	}
	return 0;
}

void store_check_report_done(struct store_check_report *r)
{
	strv_free(r->errors);
	memset(r, 0, sizeof(*r));
}

int store_check(struct store *s, bool do_repair, bool repair_containers,
		struct store_check_report *ret, berth_error *err)
{
	struct store_check_report rep = { 0 };
	struct check c = { .s = s, .rep = &rep, .repair = do_repair };
	int r;

	r = store_gc(s, &rep.leftovers, err);
	if (r < 0)
		return r;
	r = store_lock(s, true, err);
	if (r < 0)
		return r;
	r = check_blobs(&c, err);
	if (r >= 0)
		r = check_records(&c, err);
	if (r >= 0)
		r = check_layer_content(&c, err);
	if (r >= 0 && do_repair && c.n_damaged > 0)
		r = repair(&c, repair_containers, err);
	store_unlock(s);
	strv_free(c.damaged);
	if (r >= 0 && do_repair) {
		size_t more = 0;
		r = store_gc(s, &more, err);
	}
	if (r < 0) {
		store_check_report_done(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}
