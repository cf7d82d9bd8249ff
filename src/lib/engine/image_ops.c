/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_ops.c - image operations shared by the CLI and the REST API: podman's JSON views of an
 * image (inspect, listing summary) and image events.
 */
#include "engine/image_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/events.h"
#include "store/store-time.h"
#include "util/macro.h"

void engine_image_event(const char *runroot, const char *action, const char *id, const char *name)
{
	struct store_event ev = { .type = "image", .action = action, .id = id, .name = name };

	/* An event that cannot be logged must not fail the operation that already happened. */
	(void)store_event_emit(runroot, &ev, NULL);
}


json_t *engine_strv_json(char **v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *repo_digests(const struct store_image *img)
{
	json_t *a = json_array();

	for (char **n = img->names; n && *n; n++) {
		char *repo = NULL, *tag = NULL, *d = NULL;
		if (store_name_split(*n, &repo, &tag) < 0)
			continue;
		if (asprintf(&d, "%s@%s", repo, img->digest) >= 0) {
			bool dup = false;
			size_t i;
			json_t *x;
			json_array_foreach(a, i, x) dup |= strcmp(json_string_value(x), d) == 0;
			if (!dup)
				json_array_append_new(a, json_string(d));
			free(d);
		}
		free(repo);
		free(tag);
	}
	return a;
}

json_t *engine_image_config_json(struct store *s, const struct store_image *img)
{
	_cleanup_free_ char *text = NULL;
	json_t *c;

	if (store_image_config(s, img, &text, NULL) < 0)
		return json_object();
	c = json_loads(text, 0, NULL);
	return json_is_object(c) ? c : (json_decref(c), json_object());
}

json_t *engine_image_inspect_json(struct store *s, const struct store_image *img)
{
	json_auto_t *config = engine_image_config_json(s, img);
	json_t *o = json_object(), *cc, *rootfs, *history, *labels, *hist_arr;
	char ts[48];
	const char *comment = "";
	_cleanup_free_ char *manifest = NULL;
	json_auto_t *mj = NULL;
	size_t i;
	json_t *h;

	store_time_format(img->created, ts, sizeof(ts));
	cc = json_object_get(config, "config");
	labels = json_object_get(cc, "Labels");
	history = json_object_get(config, "history");
	hist_arr = json_is_array(history) ? history : NULL;
	json_array_foreach(hist_arr, i, h)
		if (json_string_value(json_object_get(h, "comment")))
			comment = json_string_value(json_object_get(h, "comment"));
	rootfs = json_object();
	json_object_set_new(rootfs, "Type", json_string("layers"));
	{
		json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
		json_object_set_new(rootfs, "Layers", json_is_array(ids) ? json_incref(ids) : json_array());
	}
	if (store_image_manifest(s, img, &manifest, NULL) >= 0)
		mj = json_loads(manifest, 0, NULL);

	json_object_set_new(o, "Id", json_string(img->id));
	json_object_set_new(o, "Digest", json_string(img->digest));
	json_object_set_new(o, "RepoTags", engine_strv_json(img->names));
	json_object_set_new(o, "RepoDigests", repo_digests(img));
	json_object_set_new(o, "Parent", json_string(""));
	json_object_set_new(o, "Comment", json_string(comment));
	json_object_set_new(o, "Created", json_string(ts));
	json_object_set_new(o, "Config", json_is_object(cc) ? json_incref(cc) : json_object());
	json_object_set_new(o, "Version", json_string(json_string_value(json_object_get(config, "docker_version")) ?: ""));
	json_object_set_new(o, "Author", json_string(json_string_value(json_object_get(config, "author")) ?: ""));
	json_object_set_new(o, "Architecture", json_string(json_string_value(json_object_get(config, "architecture")) ?: ""));
	json_object_set_new(o, "Os", json_string(json_string_value(json_object_get(config, "os")) ?: ""));
	json_object_set_new(o, "Size", json_integer(img->size));
	json_object_set_new(o, "VirtualSize", json_integer(img->size));
	{
		json_t *gd = json_object(), *data = json_object();
		_cleanup_strv_free_ char **lower = NULL;
		json_object_set_new(gd, "Name", json_string("overlay"));
		if (store_image_lower_dirs(s, img->id, &lower, NULL) >= 0 && lower && lower[0]) {
			json_object_set_new(data, "UpperDir", json_string(lower[0]));
			if (lower[1]) {
				size_t len = 0;
				for (char **l = lower + 1; *l; l++)
					len += strlen(*l) + 1;
				char *joined = calloc(1, len + 1);
				for (char **l = lower + 1; joined && *l; l++) {
					if (l != lower + 1)
						strcat(joined, ":");
					strcat(joined, *l);
				}
				if (joined)
					json_object_set_new(data, "LowerDir", json_string(joined));
				free(joined);
			}
		}
		json_object_set_new(gd, "Data", data);
		json_object_set_new(o, "GraphDriver", gd);
	}
	json_object_set_new(o, "RootFS", rootfs);
	json_object_set(o, "Labels", json_is_object(labels) ? labels : json_null());
	json_object_set_new(o, "Annotations",
			    json_is_object(json_object_get(mj, "annotations"))
				    ? json_incref(json_object_get(mj, "annotations"))
				    : json_object());
	json_object_set_new(o, "ManifestType", json_string(img->manifest_media_type));
	json_object_set_new(o, "User", json_string(json_string_value(json_object_get(cc, "User")) ?: ""));
	json_object_set_new(o, "History", hist_arr ? json_incref(hist_arr) : json_array());
	json_object_set_new(o, "NamesHistory", engine_strv_json(img->names));
	return o;
}

json_t *engine_image_summary_json(struct store *s, const struct store_image *img)
{
	json_t *o = json_object();
	char ts[48];

	store_time_format(img->created - img->created % 1000000000LL, ts, sizeof(ts));
	json_object_set_new(o, "Id", json_string(img->id));
	json_object_set_new(o, "ParentId", json_string(""));
	json_object_set_new(o, "RepoTags", img->names && img->names[0] ? engine_strv_json(img->names) : json_null());
	json_object_set_new(o, "RepoDigests", repo_digests(img));
	json_object_set_new(o, "Size", json_integer(img->size));
	json_object_set_new(o, "SharedSize", json_integer(0));
	json_object_set_new(o, "VirtualSize", json_integer(img->size));
	{
		json_auto_t *config = engine_image_config_json(s, img);
		json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
		json_object_set(o, "Labels", json_is_object(labels) ? labels : json_null());
	}
	{
		int users = store_image_in_use(s, img->id, NULL, NULL);
		json_object_set_new(o, "Containers", json_integer(users > 0 ? users : 0));
	}
	json_object_set_new(o, "Names", img->names && img->names[0] ? engine_strv_json(img->names) : json_null());
	json_object_set_new(o, "Digest", json_string(img->digest));
	json_object_set_new(o, "History", img->names && img->names[0] ? engine_strv_json(img->names) : json_null());
	json_object_set_new(o, "Created", json_integer(img->created / 1000000000LL));
	json_object_set_new(o, "CreatedAt", json_string(ts));
	json_object_set_new(o, "Dangling", json_boolean(img->dangling));
	return o;
}

