/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_volume.c - volumes (see container_volume.h). The record is written after the
 * directory exists and removed before the directory goes, so a crash leaves at worst a directory
 * without a record, never a record without its data.
 */
#include "engine/container_volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/container_status.h"
#include "engine/names.h"
#include "store/layer_merge.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/userns.h"

bool ctr_volume_valid_name(const char *name)
{
	return names_valid(name);
}

static char *volume_dir(const struct berth_ctx *ctx, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/volumes/%s", ctx->root, name) < 0 ? NULL : p;
}

int ctr_volume_create(struct berth_ctx *ctx, struct store *s, const char *name, json_t *labels,
		      bool anonymous, struct store_volume **ret, berth_error *err)
{
	_cleanup_free_ char *dir = NULL, *data = NULL, *labtext = NULL;
	struct store_volume v = { 0 }, *got = NULL;
	char anon[65];
	int r;

	if (!name) {
		unsigned char raw[32];
		if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
			return berr(err, EIO, "cannot read random bytes for a volume name");
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(anon + 2 * i, 3, "%02x", raw[i]);
		name = anon;
	} else if (!ctr_volume_valid_name(name)) {
		return berr(err, EINVAL,
			    "invalid volume name \"%s\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
			    name);
	}
	if (store_volume_get(s, name, &got, NULL) == 0) {
		store_volume_free(got);
		return berr(err, EEXIST, "volume with name %s already exists: volume already exists",
			    name);
	}
	dir = volume_dir(ctx, name);
	if (!dir || asprintf(&data, "%s/_data", dir) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(data, 0755, err);
	if (r < 0)
		return r;
	labtext = labels && json_is_object(labels) ? json_dumps(labels, JSON_COMPACT) : strdup("{}");
	if (!labtext)
		return berr(err, ENOMEM, "out of memory");
	v.name = (char *)name;
	v.created = ctr_now_ns();
	v.driver = "local";
	v.mountpoint = data;
	v.labels = labtext;
	v.options = anonymous ? "{\"anonymous\":\"true\"}" : "{}";
	r = store_volume_add(s, &v, err);
	if (r < 0) {
		rm_rf_at(AT_FDCWD, dir, NULL);
		return r;
	}
	if (ret)
		return store_volume_get(s, name, ret, err);
	return 0;
}

static bool mounts_volume(json_t *cfg, const char *name)
{
	size_t i;
	json_t *m;

	json_array_foreach (json_object_get(cfg, "mounts"), i, m) {
		const char *v = json_string_value(json_object_get(m, "volume"));
		if (v && strcmp(v, name) == 0)
			return true;
	}
	return false;
}

int ctr_volume_users(struct store *s, const char *name, char **ret_first, berth_error *err)
{
	struct store_container **list = NULL;
	size_t n = 0;
	int users = 0, r;

	r = store_container_list(s, &list, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		json_t *cfg = ctr_config(list[i]);
		if (mounts_volume(cfg, name)) {
			if (users++ == 0 && ret_first)
				*ret_first = strdup(list[i]->id);
		}
		json_decref(cfg);
	}
	store_container_list_free(list, n);
	return users;
}

int ctr_volume_remove(struct berth_ctx *ctx, struct store *s, const char *name, bool force,
		      berth_error *err)
{
	_cleanup_free_ char *first = NULL, *dir = NULL;
	struct store_volume *v = NULL;
	int r;

	r = store_volume_get(s, name, &v, err);
	if (r < 0)
		return r;
	store_volume_free(v);
	for (;;) {
		free(first);
		first = NULL;
		r = ctr_volume_users(s, name, &first, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (!force)
			return berr(err, EBUSY,
				    "volume %s is being used by the following container(s): %s: volume "
				    "is being used; remove them first or use -f",
				    name, first ? first : "?");
		r = ctr_remove(ctx, s, first, true, false, err);
		if (r < 0)
			return r;
	}
	r = store_volume_delete(s, name, err);
	if (r < 0)
		return r;
	dir = volume_dir(ctx, name);
	if (!dir)
		return berr(err, ENOMEM, "out of memory");
	r = rm_rf_at(AT_FDCWD, dir, err);
	return r == -ENOENT ? 0 : r;
}

static bool has_destination(json_t *mounts, const char *dest)
{
	size_t i;
	json_t *m;

	json_array_foreach (mounts, i, m) {
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (d && strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

int ctr_volumes_resolve(struct berth_ctx *ctx, struct store *s, json_t *create,
			json_t *image_volumes, json_t *made, berth_error *err)
{
	json_t *mounts = json_object_get(create, "mounts"), *m, *tmpfs;
	const char *dest;
	size_t i;
	int r;

	if (!json_is_array(mounts)) {
		mounts = json_array();
		json_object_set_new(create, "mounts", mounts);
	}
	json_array_foreach (mounts, i, m) {
		const char *name = json_string_value(json_object_get(m, "volume"));
		struct store_volume *v = NULL;
		if (!name)
			continue;
		r = store_volume_get(s, name, &v, NULL);
		if (r == -ENOENT) {
			r = ctr_volume_create(ctx, s, name, NULL, false, &v, err);
			if (r == 0)
				json_array_append_new(made, json_string(name));
		}
		if (r < 0)
			return r;
		json_object_set_new(m, "source", json_string(v->mountpoint));
		store_volume_free(v);
	}
	tmpfs = json_object_get(create, "tmpfs");
	json_object_foreach (image_volumes, dest, m) {
		struct store_volume *v = NULL;
		if (dest[0] != '/' || has_destination(mounts, dest) || has_destination(tmpfs, dest))
			continue;
		r = ctr_volume_create(ctx, s, NULL, NULL, true, &v, err);
		if (r < 0)
			return r;
		json_array_append_new(made, json_string(v->name));
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:s, s:b, s:[s, s]}", "type", "bind",
						"source", v->mountpoint, "destination", dest, "volume",
						v->name, "anonymous", 1, "options", "rbind",
						"rprivate"));
		store_volume_free(v);
	}
	return 0;
}

/* ---- copy-up ---- */

struct layers_copy {
	char *const *layers;
	const char *subpath;
	const char *dst;
};

static int layers_copy_fn(void *data, berth_error *err)
{
	const struct layers_copy *c = data;
	int r = layer_merge(c->layers, c->subpath, c->dst, err);

	return r < 0 ? r : 0;
}

int ctr_layers_copy(struct berth_ctx *ctx, char *const *layers, const char *subpath,
		    const char *dst, berth_error *err)
{
	struct layers_copy c = { layers, subpath, dst };
	struct userns_mapping map;
	int r;

	if (!ctx->rootless)
		return layers_copy_fn(&c, err);
	/* The layers' files carry subordinate ids: copy where those are ours. */
	r = userns_mapping_for_user(ctx->uid, ctx->gid, NULL, "/etc/subuid", "/etc/subgid", &map,
				    err);
	return r < 0 ? r : userns_run(&map, layers_copy_fn, &c, err);
}

static bool json_strv_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach (a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* podman's NeedsCopyUp: a volume made for this container, or an empty one nobody mounts yet. */
static bool needs_copy_up(struct store *s, json_t *made, const char *name, const char *data)
{
	if (json_strv_has(made, name))
		return true;
	return layer_merge_dir_empty(data) == 1 && ctr_volume_users(s, name, NULL, NULL) == 0;
}

int ctr_volumes_copy_up(struct berth_ctx *ctx, struct store *s, const char *image_id,
			json_t *create, json_t *made, berth_error *err)
{
	_cleanup_strv_free_ char **layers = NULL;
	size_t i;
	json_t *m;
	int r;

	json_array_foreach (json_object_get(create, "mounts"), i, m) {
		const char *name = json_string_value(json_object_get(m, "volume"));
		const char *dest = json_string_value(json_object_get(m, "destination"));
		const char *data = json_string_value(json_object_get(m, "source"));
		if (!name || !dest || !data || !needs_copy_up(s, made, name, data))
			continue;
		if (!layers && (r = store_image_lower_dirs(s, image_id, &layers, err)) < 0)
			return r;
		r = ctr_layers_copy(ctx, layers, dest, data, err);
		if (r < 0)
			return berr_prefix(err, "copy the image's %s into volume %.12s", dest, name);
	}
	return 0;
}
