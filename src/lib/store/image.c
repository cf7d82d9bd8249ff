/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.c - image records: listing, lookup as podman resolves names, creation, tags, deletion,
 * and the light (no hashing) blob and layer accessors.
 *
 * Deletion runs in one transaction (image row, its names and layer list cascade; then every
 * layer no image and no child layer uses); files go afterwards, under the exclusive store lock so
 * no import in flight can lose a blob it just ingested. A kill between the two leaves only
 * unreferenced files, which store_gc() collects.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store-names.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/macro.h"

/* ---- blobs (light part) ---- */

int store_blob_path(const struct store *s, const char *digest, char **ret, berth_error *err)
{
	if (!store_digest_valid(digest))
		return berr(err, EINVAL, "invalid digest \"%s\": expected sha256:<64 hex digits>",
			    digest ? digest : "");
	if (asprintf(ret, "%s/blobs/sha256/%s", store_root(s), digest + 7) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

static void blob_rel(const char *digest, char buf[96])
{
	snprintf(buf, 96, "blobs/sha256/%s", digest + 7);
}

bool store_blob_exists(const struct store *s, const char *digest)
{
	char rel[96];

	if (!store_digest_valid(digest))
		return false;
	blob_rel(digest, rel);
	return faccessat(store_root_fd(s), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int store_blob_open(const struct store *s, const char *digest, int *ret_fd, berth_error *err)
{
	char rel[96];
	int fd;

	if (!store_digest_valid(digest))
		return berr(err, EINVAL, "invalid digest \"%s\": expected sha256:<64 hex digits>",
			    digest ? digest : "");
	blob_rel(digest, rel);
	fd = openat(store_root_fd(s), rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return berr(err, ENOENT, "blob %s is missing from the store; run berth system check",
				    digest);
		return berr_errno(err, errno, "open blob %s", digest);
	}
	*ret_fd = fd;
	return 0;
}

int store_blob_read(const struct store *s, const char *digest, size_t max, char **ret,
		    size_t *ret_len, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	int r = store_blob_open(s, digest, &fd, err);

	if (r < 0)
		return r;
	r = read_fd_all(fd, max, ret, ret_len, err);
	if (r < 0)
		berr_prefix(err, "blob %s", digest);
	return r;
}

/* ---- layers (light part) ---- */

void store_layer_free(struct store_layer *l)
{
	if (!l)
		return;
	free(l->id);
	free(l->parent);
	free(l->diff_id);
	free(l->compressed_digest);
	free(l->media_type);
	free(l);
}

int store_layer_get(struct store *s, const char *id, struct store_layer **ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct store_layer *l;
	bool oom = false;
	int r = store_prepare(s,
			      "SELECT id, parent, diff_id, compressed_digest, media_type, compressed_size,"
			      " size, content_size, created FROM layers WHERE id = ?",
			      &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return berr(err, ENOENT, "layer %s not known", id);
	if (r != SQLITE_ROW)
		return store_sql_error(s, err, "read layer");
	l = calloc(1, sizeof(*l));
	if (!l)
		return berr(err, ENOMEM, "out of memory");
	l->id = store_col_strdup(st, 0, &oom);
	l->parent = store_col_strdup(st, 1, &oom);
	l->diff_id = store_col_strdup(st, 2, &oom);
	l->compressed_digest = store_col_strdup(st, 3, &oom);
	l->media_type = store_col_strdup(st, 4, &oom);
	l->compressed_size = sqlite3_column_int64(st, 5);
	l->size = sqlite3_column_int64(st, 6);
	l->content_size = sqlite3_column_int64(st, 7);
	l->created = sqlite3_column_int64(st, 8);
	if (oom) {
		store_layer_free(l);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret = l;
	return 0;
}

int store_layer_diff_path(const struct store *s, const char *id, char **ret, berth_error *err)
{
	if (!store_hex_prefix(id, STORE_ID_LEN))
		return berr(err, EINVAL, "invalid layer id \"%s\"", id);
	if (asprintf(ret, "%s/overlay/%s/diff", store_root(s), id) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

/* ---- image records ---- */

void store_image_free(struct store_image *img)
{
	if (!img)
		return;
	free(img->id);
	strv_free(img->names);
	free(img->digest);
	free(img->manifest_media_type);
	free(img->config_digest);
	strv_free(img->layers);
	free(img);
}

void store_image_list_free(struct store_image **imgs, size_t n)
{
	if (!imgs)
		return;
	for (size_t i = 0; i < n; i++)
		store_image_free(imgs[i]);
	free(imgs);
}

static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* Column order of IMAGE_COLS, shared by every query that builds a struct store_image. */
#define IMAGE_COLS "id, digest, manifest_media_type, config_digest, created, added, size"

struct image_stmts {
	sqlite3_stmt *names;
	sqlite3_stmt *layers;
};

static void image_stmts_done(struct image_stmts *q)
{
	if (q->names)
		sqlite3_finalize(q->names);
	if (q->layers)
		sqlite3_finalize(q->layers);
}

static int image_from_row(struct store *s, sqlite3_stmt *st, struct image_stmts *q,
			  struct store_image **ret, berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = calloc(1, sizeof(*img));
	size_t nn = 0;
	bool oom = false;
	int r;

	if (!img)
		return berr(err, ENOMEM, "out of memory");
	if (!q->names) {
		r = store_prepare(s, "SELECT name FROM image_names WHERE image_id = ? ORDER BY seq",
				  &q->names, err);
		if (r < 0)
			return r;
		r = store_prepare(s,
				  "SELECT layer_id FROM image_layers WHERE image_id = ? ORDER BY idx",
				  &q->layers, err);
		if (r < 0)
			return r;
	}
	img->id = store_col_strdup(st, 0, &oom);
	img->digest = store_col_strdup(st, 1, &oom);
	img->manifest_media_type = store_col_strdup(st, 2, &oom);
	img->config_digest = store_col_strdup(st, 3, &oom);
	img->created = sqlite3_column_int64(st, 4);
	img->added = sqlite3_column_int64(st, 5);
	img->size = sqlite3_column_int64(st, 6);
	if (oom || !img->id)
		return berr(err, ENOMEM, "out of memory");
	img->names = calloc(1, sizeof(char *));
	img->layers = calloc(1, sizeof(char *));
	if (!img->names || !img->layers)
		return berr(err, ENOMEM, "out of memory");

	sqlite3_reset(q->names);
	sqlite3_bind_text(q->names, 1, img->id, -1, SQLITE_TRANSIENT);
	while ((r = sqlite3_step(q->names)) == SQLITE_ROW) {
		char *n = store_col_strdup(q->names, 0, &oom);
		if (!n || strv_push(&img->names, &nn, n) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	if (r != SQLITE_DONE)
		return store_sql_error(s, err, "read image names");
	sqlite3_reset(q->layers);
	sqlite3_bind_text(q->layers, 1, img->id, -1, SQLITE_TRANSIENT);
	while ((r = sqlite3_step(q->layers)) == SQLITE_ROW) {
		char *l = store_col_strdup(q->layers, 0, &oom);
		if (!l || strv_push(&img->layers, &img->n_layers, l) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	if (r != SQLITE_DONE)
		return store_sql_error(s, err, "read image layers");
	img->dangling = nn == 0;
	*ret = TAKE_PTR(img);
	return 0;
}

int store_image_list(struct store *s, struct store_image ***ret, size_t *ret_n, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_(image_stmts_done) struct image_stmts q = { 0 };
	struct store_image **v = NULL;
	size_t n = 0;
	int r;

	r = store_prepare(s, "SELECT " IMAGE_COLS " FROM images ORDER BY created DESC, added DESC",
			  &st, err);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_image *img = NULL, **nv;
		r = image_from_row(s, st, &q, &img, err);
		if (r < 0)
			goto fail;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			store_image_free(img);
			r = berr(err, ENOMEM, "out of memory");
			goto fail;
		}
		v = nv;
		v[n++] = img;
	}
	if (r != SQLITE_DONE) {
		r = store_sql_error(s, err, "list images");
		goto fail;
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	store_image_list_free(v, n);
	return r;
}

/* Loads the image whose id is @id exactly; 0 / -ENOENT (no message) / other errors. */
static int image_by_id(struct store *s, const char *id, struct store_image **ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_(image_stmts_done) struct image_stmts q = { 0 };
	int r = store_prepare(s, "SELECT " IMAGE_COLS " FROM images WHERE id = ?", &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return -ENOENT;
	if (r != SQLITE_ROW)
		return store_sql_error(s, err, "read image");
	return image_from_row(s, st, &q, ret, err);
}

/*
 * Runs @sql (one text parameter, @arg, selecting image ids) and reports the single id found:
 * 0 with *ret set, -ENOENT for none, -EINVAL (message) when several images match.
 */
static int unique_id(struct store *s, const char *sql, const char *arg, const char *ref,
		     char **ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *found = NULL;
	bool oom = false;
	int r = store_prepare(s, sql, &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (found && strcmp(found, id) != 0)
			return berr(err, EINVAL,
				    "%s: more than one image matches (%.12s, %.12s); give a full name or id",
				    ref, found, id);
		if (!found && !(found = store_col_strdup(st, 0, &oom)))
			return berr(err, ENOMEM, "out of memory");
	}
	if (r != SQLITE_DONE)
		return store_sql_error(s, err, "look up image");
	if (!found)
		return -ENOENT;
	*ret = TAKE_PTR(found);
	return 0;
}

static int lookup_by_name(struct store *s, const char *ref, char **ret_id, berth_error *err)
{
	struct store_ref p = { 0 };
	_cleanup_free_ char *full = NULL, *suffix = NULL, *repo = NULL;
	berth_error perr = { 0 };
	int r;

	if (store_ref_parse(ref, &p, &perr) < 0)
		return -ENOENT;
	if (p.digest) {
		/* repo@digest: an image with that manifest digest and a name in that repository. */
		r = store_ref_format(&p, p.domain ? NULL : "localhost", false, &full, err);
		if (r >= 0)
			r = unique_id(s, "SELECT image_id FROM image_names WHERE name = ?", full, ref,
				      ret_id, err);
		if (r == -ENOENT) {
			char *at = strchr(full, '@');
			if (asprintf(&repo, "%.*s", (int)(at - full), full) < 0) {
				store_ref_done(&p);
				return berr(err, ENOMEM, "out of memory");
			}
			_cleanup_stmt_ sqlite3_stmt *st = NULL;
			r = store_prepare(s,
					  "SELECT DISTINCT i.id FROM images i JOIN image_names n ON n.image_id = i.id"
					  " WHERE i.digest = ?1 AND (substr(n.name, 1, length(?2) + 1) = ?2 || ':'"
					  " OR (?3 AND substr(n.name, -length(?2) - 1) = '/' || ?2 ))",
					  &st, err);
			if (r >= 0) {
				sqlite3_bind_text(st, 1, p.digest, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, p.domain ? repo : p.path, -1, SQLITE_STATIC);
				sqlite3_bind_int(st, 3, p.domain ? 0 : 1);
				r = sqlite3_step(st);
				if (r == SQLITE_ROW) {
					bool oom = false;
					*ret_id = store_col_strdup(st, 0, &oom);
					r = *ret_id ? 0 : berr(err, ENOMEM, "out of memory");
				} else
					r = r == SQLITE_DONE ? -ENOENT : store_sql_error(s, err, "look up image");
			}
		}
		store_ref_done(&p);
		return r;
	}
	if (p.domain) {
		r = store_ref_format(&p, NULL, true, &full, err);
		if (r >= 0)
			r = unique_id(s, "SELECT image_id FROM image_names WHERE name = ?", full, ref,
				      ret_id, err);
		store_ref_done(&p);
		return r;
	}
	/* Unqualified: localhost/NAME first, then any repository ending in /NAME. */
	r = store_ref_format(&p, "localhost", true, &full, err);
	if (r >= 0)
		r = unique_id(s, "SELECT image_id FROM image_names WHERE name = ?", full, ref, ret_id,
			      err);
	if (r == -ENOENT) {
		if (asprintf(&suffix, "/%s:%s", p.path, p.tag ? p.tag : "latest") < 0)
			r = berr(err, ENOMEM, "out of memory");
		else
			r = unique_id(s,
				      "SELECT image_id FROM image_names WHERE length(name) > length(?1)"
				      " AND substr(name, -length(?1)) = ?1",
				      suffix, ref, ret_id, err);
	}
	store_ref_done(&p);
	return r;
}

int store_image_lookup(struct store *s, const char *ref, struct store_image **ret,
		       berth_error *err)
{
	_cleanup_free_ char *id = NULL;
	const char *hex = ref;
	int r;

	if (!ref || !*ref)
		return berr(err, EINVAL, "no image name or id given");
	if (strncmp(ref, "sha256:", 7) == 0)
		hex = ref + 7;
	if (hex == ref) {
		r = lookup_by_name(s, ref, &id, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (!id && store_hex_prefix(hex, hex == ref ? 3 : 1)) {
		r = unique_id(s, "SELECT id FROM images WHERE substr(id, 1, length(?1)) = ?1", hex, ref,
			      &id, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (!id)
		return berr(err, ENOENT, "%s: image not known", ref);
	r = image_by_id(s, id, ret, err);
	if (r == -ENOENT)
		return berr(err, ENOENT, "%s: image not known", ref);
	return r;
}

/* name_ending() - the first of @names equal to @full, or else ending in @suffix (either may be NULL). */
static const char *name_ending(char *const *names, const char *full, const char *suffix)
{
	for (size_t i = 0; full && names[i]; i++)
		if (strcmp(names[i], full) == 0)
			return names[i];
	for (size_t i = 0; suffix && names[i]; i++) {
		size_t n = strlen(names[i]), k = strlen(suffix);
		if (n > k && strcmp(names[i] + n - k, suffix) == 0)
			return names[i];
	}
	return NULL;
}

const char *store_image_resolved_name(const struct store_image *img, const char *ref)
{
	struct store_ref p = { 0 };
	_cleanup_free_ char *full = NULL, *suffix = NULL;
	const char *found = NULL;

	if (!img->names || !img->names[0])
		return NULL;
	if (ref && store_ref_parse(ref, &p, NULL) == 0) {
		if (!p.digest &&
		    store_ref_format(&p, p.domain ? NULL : "localhost", true, &full, NULL) >= 0 &&
		    (p.domain || asprintf(&suffix, "/%s:%s", p.path, p.tag ? p.tag : "latest") >= 0))
			found = name_ending(img->names, full, suffix);
		store_ref_done(&p);
	}
	return found ? found : img->names[0];
}

/* ---- creation and names ---- */

/* Sets @name on image @id inside an open transaction (moving it from any other image). */
static int set_name_tx(struct store *s, const char *id, const char *name, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *del = NULL, *ins = NULL;
	int r;

	r = store_prepare(s, "DELETE FROM image_names WHERE name = ?", &del, err);
	if (r < 0)
		return r;
	sqlite3_bind_text(del, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(del) != SQLITE_DONE)
		return store_sql_error(s, err, "tag image");
	r = store_prepare(s,
			  "INSERT INTO image_names(name, image_id, seq) VALUES (?1, ?2,"
			  " (SELECT coalesce(max(seq), 0) + 1 FROM image_names WHERE image_id = ?2))",
			  &ins, err);
	if (r < 0)
		return r;
	sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return store_sql_error(s, err, "tag image");
	return 0;
}

static int64_t config_created(const char *config)
{
	json_t *root = json_loads(config, 0, NULL);
	int64_t t = 0;

	if (root) {
		const char *c = json_string_value(json_object_get(root, "created"));
		if (c)
			(void)store_time_parse(c, &t);
		json_decref(root);
	}
	return t;
}

int store_image_create(struct store *s, const struct store_image_spec *spec,
		       char ret_id[STORE_ID_LEN + 1], berth_error *err)
{
	_cleanup_free_ char *config = NULL;
	_cleanup_stmt_ sqlite3_stmt *ins = NULL, *lay = NULL, *sz = NULL, *exists = NULL;
	const char *id;
	int64_t size = 0;
	bool found;
	int r;

	if (!store_digest_valid(spec->config_digest) || !store_digest_valid(spec->manifest_digest))
		return berr(err, EINVAL, "image record: invalid config or manifest digest");
	if (spec->n_layers > STORE_MAX_LAYERS)
		return berr(err, E2BIG, "image has %zu layers, more than the limit of %d",
			    spec->n_layers, STORE_MAX_LAYERS);
	id = spec->config_digest + 7;
	r = store_blob_read(s, spec->config_digest, STORE_MAX_CONFIG_SIZE, &config, NULL, err);
	if (r < 0)
		return r;
	if (!store_blob_exists(s, spec->manifest_digest))
		return berr(err, ENOENT, "image %.12s: manifest blob %s is not in the store", id,
			    spec->manifest_digest);

	store_crash_point("image-before-record");
	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare(s, "SELECT 1 FROM images WHERE id = ?", &exists, err);
	if (r < 0)
		goto fail;
	sqlite3_bind_text(exists, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(exists) == SQLITE_ROW;
	if (!found) {
		r = store_prepare(s, "SELECT size, compressed_digest FROM layers WHERE id = ?", &sz, err);
		if (r < 0)
			goto fail;
		r = store_prepare(s,
				  "INSERT INTO image_layers(image_id, idx, layer_id, blob_digest)"
				  " VALUES (?, ?, ?, ?)",
				  &lay, err);
		if (r < 0)
			goto fail;
		r = store_prepare(s,
				  "INSERT INTO images(id, digest, manifest_media_type, config_digest, created,"
				  " added, size) VALUES (?, ?, ?, ?, ?, ?, 0)",
				  &ins, err);
		if (r < 0)
			goto fail;
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, spec->manifest_digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3,
				  spec->manifest_media_type ? spec->manifest_media_type
							    : "application/vnd.oci.image.manifest.v1+json",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, spec->config_digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, config_created(config));
		sqlite3_bind_int64(ins, 6, store_now_ns());
		if (sqlite3_step(ins) != SQLITE_DONE) {
			r = store_sql_error(s, err, "record image");
			goto fail;
		}
		for (size_t i = 0; i < spec->n_layers; i++) {
			const char *blob;
			sqlite3_reset(sz);
			sqlite3_bind_text(sz, 1, spec->layers[i], -1, SQLITE_STATIC);
			if (sqlite3_step(sz) != SQLITE_ROW) {
				r = berr(err, ENOENT, "image %.12s: layer %s is not in the store", id,
					 spec->layers[i]);
				goto fail;
			}
			size += sqlite3_column_int64(sz, 0);
			blob = spec->blob_digests && spec->blob_digests[i]
				       ? spec->blob_digests[i]
				       : (const char *)sqlite3_column_text(sz, 1);
			sqlite3_reset(lay);
			sqlite3_bind_text(lay, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(lay, 2, (int64_t)i);
			sqlite3_bind_text(lay, 3, spec->layers[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(lay, 4, blob ? blob : "", -1, SQLITE_TRANSIENT);
			if (sqlite3_step(lay) != SQLITE_DONE) {
				r = store_sql_error(s, err, "record image layers");
				goto fail;
			}
		}
		{
			_cleanup_stmt_ sqlite3_stmt *up = NULL;
			r = store_prepare(s, "UPDATE images SET size = ? WHERE id = ?", &up, err);
			if (r < 0)
				goto fail;
			sqlite3_bind_int64(up, 1, size);
			sqlite3_bind_text(up, 2, id, -1, SQLITE_STATIC);
			if (sqlite3_step(up) != SQLITE_DONE) {
				r = store_sql_error(s, err, "record image");
				goto fail;
			}
		}
	}
	for (char *const *n = spec->names; n && *n; n++) {
		r = set_name_tx(s, id, *n, err);
		if (r < 0)
			goto fail;
	}
	r = store_tx_commit(s, err);
	if (r < 0)
		return r;
	if (ret_id)
		snprintf(ret_id, STORE_ID_LEN + 1, "%s", id);
	return 0;
fail:
	store_tx_rollback(s);
	return r;
}

int store_image_add_name(struct store *s, const char *id, const char *name, berth_error *err)
{
	int r = store_tx_begin(s, err);

	if (r < 0)
		return r;
	r = set_name_tx(s, id, name, err);
	if (r < 0) {
		store_tx_rollback(s);
		return r;
	}
	return store_tx_commit(s, err);
}

int store_image_remove_name(struct store *s, const char *id, const char *name, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s, "DELETE FROM image_names WHERE image_id = ? AND name = ?", &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "untag image");
	if (sqlite3_changes(store_db(s)) == 0)
		return berr(err, ENOENT, "%s: tag not known", name);
	return 0;
}

int store_image_in_use(struct store *s, const char *id, char **ret_container, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s, "SELECT id FROM containers WHERE image_id = ?", &st, err);
	int n = 0;

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0 && ret_container) {
			bool oom = false;
			*ret_container = store_col_strdup(st, 0, &oom);
			if (oom)
				return berr(err, ENOMEM, "out of memory");
		}
	}
	if (r != SQLITE_DONE)
		return store_sql_error(s, err, "look up containers");
	return n;
}

/* Deletes every layer row no image and no other layer uses; their ids go into @dead. */
int store_delete_unused_layers_tx(struct store *s, char ***dead, size_t *n_dead, berth_error *err)
{
	for (;;) {
		_cleanup_stmt_ sqlite3_stmt *sel = NULL, *del = NULL;
		size_t before = *n_dead;
		bool oom = false;
		int r = store_prepare(s,
				      "SELECT id FROM layers l WHERE NOT EXISTS (SELECT 1 FROM image_layers"
				      " WHERE layer_id = l.id) AND NOT EXISTS (SELECT 1 FROM layers c WHERE"
				      " c.parent = l.id)",
				      &sel, err);
		if (r < 0)
			return r;
		while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
			char *id = store_col_strdup(sel, 0, &oom);
			if (!id || strv_push(dead, n_dead, id) < 0)
				return berr(err, ENOMEM, "out of memory");
		}
		if (r != SQLITE_DONE)
			return store_sql_error(s, err, "find unused layers");
		if (*n_dead == before)
			return 0;
		r = store_prepare(s, "DELETE FROM layers WHERE id = ?", &del, err);
		if (r < 0)
			return r;
		for (size_t i = before; i < *n_dead; i++) {
			sqlite3_reset(del);
			sqlite3_bind_text(del, 1, (*dead)[i], -1, SQLITE_STATIC);
			if (sqlite3_step(del) != SQLITE_DONE)
				return store_sql_error(s, err, "delete layer");
		}
	}
}

int store_layer_dir_remove(struct store *s, const char *id, berth_error *err)
{
	_cleanup_close_ int ov = -1, tmp = -1;
	char trash[128];
	int r;

	if (!*id || strchr(id, '/') || id[0] == '.')
		return berr(err, EINVAL, "invalid layer dir \"%s\"", id);
	ov = openat(store_root_fd(s), "overlay", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	tmp = openat(store_root_fd(s), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ov < 0 || tmp < 0)
		return berr_errno(err, errno, "open %s/overlay", store_root(s));
	/* Move it out of the way first: a half-removed layer never sits under its real name. */
	snprintf(trash, sizeof(trash), "rm-%.64s-%d", id, (int)getpid());
	if (renameat(ov, id, tmp, trash) < 0) {
		if (errno == ENOENT)
			return 0;
		return berr_errno(err, errno, "remove layer %s", id);
	}
	store_crash_point("layer-remove-after-rename");
	r = store_rm_rf_at(s, tmp, trash, err);
	return r == -ENOENT ? 0 : r;
}

int store_blob_remove_if_unused(struct store *s, const char *digest, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char rel[96];
	int r;

	if (!store_digest_valid(digest))
		return 0;
	r = store_prepare(s,
			  "SELECT 1 FROM images WHERE digest = ?1 OR config_digest = ?1 UNION ALL"
			  " SELECT 1 FROM image_layers WHERE blob_digest = ?1 UNION ALL"
			  " SELECT 1 FROM layers WHERE compressed_digest = ?1 LIMIT 1",
			  &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return store_sql_error(s, err, "look up blob");
	blob_rel(digest, rel);
	if (unlinkat(store_root_fd(s), rel, 0) < 0 && errno != ENOENT)
		return berr_errno(err, errno, "remove blob %s", digest);
	return 1;
}

int store_image_delete(struct store *s, const char *id, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *blobs = NULL, *del = NULL;
	_cleanup_strv_free_ char **dead = NULL, **digests = NULL;
	_cleanup_free_ char *user = NULL;
	size_t n_dead = 0, n_dig = 0;
	bool oom = false;
	int r;

	r = store_image_in_use(s, id, &user, err);
	if (r < 0)
		return r;
	if (r > 0)
		return berr(err, EBUSY, "image is in use by a container: %s; remove it first with berth rm",
			    user);
	store_crash_point("rmi-before-delete");
	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare(s,
			  "SELECT digest FROM images WHERE id = ?1 UNION SELECT config_digest FROM images"
			  " WHERE id = ?1 UNION SELECT blob_digest FROM image_layers WHERE image_id = ?1",
			  &blobs, err);
	if (r < 0)
		goto fail;
	sqlite3_bind_text(blobs, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(blobs)) == SQLITE_ROW) {
		char *d = store_col_strdup(blobs, 0, &oom);
		if (!d || strv_push(&digests, &n_dig, d) < 0) {
			r = berr(err, ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (r != SQLITE_DONE) {
		r = store_sql_error(s, err, "delete image");
		goto fail;
	}
	r = store_prepare(s, "DELETE FROM images WHERE id = ?", &del, err);
	if (r < 0)
		goto fail;
	sqlite3_bind_text(del, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(del) != SQLITE_DONE) {
		r = store_sql_error(s, err, "delete image");
		if (r == -EEXIST) {
			/* A container took it between our check and now (the foreign key held). */
			r = berr(err, EBUSY, "image is in use by a container; remove it first with berth rm");
		}
		goto fail;
	}
	if (sqlite3_changes(store_db(s)) == 0) {
		r = berr(err, ENOENT, "%s: image not known", id);
		goto fail;
	}
	r = store_delete_unused_layers_tx(s, &dead, &n_dead, err);
	if (r < 0)
		goto fail;
	r = store_tx_commit(s, err);
	if (r < 0)
		return r;

	/* Files, after the records: whatever a kill here leaves behind, store_gc() collects. */
	store_crash_point("rmi-after-commit");
	for (size_t i = 0; i < n_dead; i++) {
		r = store_layer_dir_remove(s, dead[i], err);
		if (r < 0)
			return r;
	}
	store_crash_point("rmi-after-layers");
	for (size_t i = 0; i < n_dig; i++) {
		r = store_blob_remove_if_unused(s, digests[i], err);
		if (r < 0)
			return r;
	}
	return 0;
fail:
	store_tx_rollback(s);
	return r;
}

int store_image_config(struct store *s, const struct store_image *img, char **ret,
		       berth_error *err)
{
	return store_blob_read(s, img->config_digest, STORE_MAX_CONFIG_SIZE, ret, NULL, err);
}

int store_image_manifest(struct store *s, const struct store_image *img, char **ret,
			 berth_error *err)
{
	return store_blob_read(s, img->digest, STORE_MAX_MANIFEST_SIZE, ret, NULL, err);
}

int store_image_lower_dirs(struct store *s, const char *image_id, char ***ret, berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	_cleanup_strv_free_ char **v = NULL;
	int r = image_by_id(s, image_id, &img, err);

	if (r == -ENOENT)
		return berr(err, ENOENT, "%s: image not known", image_id);
	if (r < 0)
		return r;
	v = calloc(img->n_layers + 1, sizeof(char *));
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->n_layers; i++) {
		r = store_layer_diff_path(s, img->layers[img->n_layers - 1 - i], &v[i], err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(v);
	return 0;
}
