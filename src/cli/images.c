/* SPDX-License-Identifier: Apache-2.0 */
/*
 * images.c - the local image commands: images / image ls, image inspect, history, tag, untag,
 * rmi / image rm, image prune, image exists. Output follows podman's columns and JSON fields.
 */
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/image_format.h"
#include "cli/image_sort.h"
#include "engine/container.h"
#include "engine/image_ops.h"
#include "store/events.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/macro.h"

int cli_open_store(struct berth_ctx *ctx, struct store **ret)
{
	berth_error err = { 0 };

	if (store_open(ctx->root, ctx->runroot, ret, &err) < 0)
		return cli_fail(&err);
	return 0;
}


/* ---- images ---- */

const struct cli_option cmd_images_options[] = {
	{ "all", 'a', CLI_BOOL, "Show all images (default hides intermediate images)", NULL },
	{ "digests", 0, CLI_BOOL, "Show digests", NULL },
	{ "filter", 'f', CLI_LIST, "Filter output based on conditions provided (reference=, dangling=, label=, before=, since=, until=, id=, digest=, containers=, readonly=, intermediate=)", NULL },
	{ "format", 0, CLI_STRING, "Change the output format to JSON or a Go template", NULL },
	{ "noheading", 'n', CLI_BOOL, "Do not print column headings", NULL },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate output", NULL },
	{ "quiet", 'q', CLI_BOOL, "Display only image IDs", NULL },
	{ "sort", 0, CLI_STRING, "Sort by created, id, repository, size, tag", "created" },
	{ NULL, 0, 0, NULL, NULL },
};

struct image_filter {
	char **reference;
	int dangling;   /* -1 unset */
	int containers; /* -1 unset: used by a container (1) or not (0) */
	bool none;      /* readonly=true, intermediate=true: berth has neither kind of image */
	int64_t before, since, until;
	char **ids, **digests;
	char **labels; /* "key" or "key=value", all must match */
	struct store *s;
};

static bool name_matches(const char *pattern, const char *name)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL, *p2 = NULL;

	if (fnmatch(pattern, name, 0) == 0)
		return true;
	if (store_name_split(name, &repo, &tag) < 0)
		return false;
	if (fnmatch(pattern, repo, 0) == 0)
		return true;
	if (asprintf(&p2, "*/%s", pattern) < 0)
		return false;
	return fnmatch(p2, name, 0) == 0 || fnmatch(p2, repo, 0) == 0;
}

static bool labels_match(const struct image_filter *f, const struct store_image *img)
{
	json_auto_t *config = engine_image_config_json(f->s, img);
	json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");

	for (char **l = f->labels; *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *key = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
		const char *v = key ? json_string_value(json_object_get(labels, key)) : NULL;
		if (!v || (eq && strcmp(v, eq + 1) != 0))
			return false;
	}
	return true;
}

static bool filter_keep(const struct image_filter *f, const struct store_image *img)
{
	if (f->dangling >= 0 && (int)img->dangling != f->dangling)
		return false;
	if (f->before && img->created >= f->before)
		return false;
	if (f->since && img->created <= f->since)
		return false;
	if (f->until && img->created >= f->until)
		return false;
	if (f->none)
		return false;
	if (f->digests) {
		bool any = false;
		for (char **p = f->digests; *p && !any; p++)
			any = img->digest && strcmp(img->digest, *p) == 0;
		if (!any)
			return false;
	}
	if (f->containers >= 0 && (store_image_in_use(f->s, img->id, NULL, NULL) > 0) != f->containers)
		return false;
	if (f->reference) {
		bool any = false;
		for (char **p = f->reference; *p && !any; p++)
			for (char **n = img->names; n && *n && !any; n++)
				any = name_matches(*p, *n);
		if (!any)
			return false;
	}
	if (f->ids) {
		bool any = false;
		for (char **p = f->ids; *p && !any; p++)
			any = strncmp(img->id, *p, strlen(*p)) == 0;
		if (!any)
			return false;
	}
	if (f->labels && !labels_match(f, img))
		return false;
	return true;
}

static int strv_append(char ***v, const char *s)
{
	size_t n = 0;
	char **nv;

	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : -ENOMEM;
}

static void image_filter_done(struct image_filter *f)
{
	strv_free(f->reference);
	strv_free(f->ids);
	strv_free(f->digests);
	strv_free(f->labels);
}

/* bool_filter() - "true" 1, "false" 0, else -1. */
static int bool_filter(const char *v)
{
	return strcmp(v, "true") == 0 ? 1 : strcmp(v, "false") == 0 ? 0 : -1;
}

static int parse_filters(struct store *s, char *const *list, struct image_filter *f)
{
	f->dangling = -1;
	f->containers = -1;
	f->s = s;
	for (; list && *list; list++) {
		const char *eq = strchr(*list, '=');
		const char *v = eq ? eq + 1 : "";
		size_t kl = eq ? (size_t)(eq - *list) : strlen(*list);
		if (kl == 5 && strncmp(*list, "label", 5) == 0) {
			if (!*v)
				return cli_error("invalid filter %s: use label=KEY or label=KEY=VALUE", *list);
			if (strv_append(&f->labels, v) < 0)
				return cli_error("out of memory");
		} else if (kl == 9 && strncmp(*list, "reference", 9) == 0) {
			if (strv_append(&f->reference, v) < 0)
				return cli_error("out of memory");
		} else if (kl == 2 && strncmp(*list, "id", 2) == 0) {
			if (strv_append(&f->ids, strncmp(v, "sha256:", 7) == 0 ? v + 7 : v) < 0)
				return cli_error("out of memory");
		} else if (kl == 8 && strncmp(*list, "dangling", 8) == 0) {
			if (strcmp(v, "true") == 0)
				f->dangling = 1;
			else if (strcmp(v, "false") == 0)
				f->dangling = 0;
			else
				return cli_error("invalid filter %s: dangling takes true or false", *list);
		} else if ((kl == 6 && strncmp(*list, "before", 6) == 0) ||
			   (kl == 5 && strncmp(*list, "since", 5) == 0) ||
			   (kl == 5 && strncmp(*list, "after", 5) == 0)) {
			_cleanup_(store_image_freep) struct store_image *ref = NULL;
			berth_error err = { 0 };
			if (store_image_lookup(s, v, &ref, &err) < 0)
				return cli_fail(&err);
			if (kl == 6)
				f->before = ref->created;
			else
				f->since = ref->created;
		} else if (kl == 5 && strncmp(*list, "until", 5) == 0) {
			if (cli_parse_when(v, &f->until) < 0)
				return cli_error("invalid filter %s: give an RFC 3339 time, unix seconds or a duration such as 10m", *list);
		} else if (kl == 6 && strncmp(*list, "digest", 6) == 0) {
			if (strv_append(&f->digests, v) < 0)
				return cli_error("out of memory");
		} else if (kl == 10 && strncmp(*list, "containers", 10) == 0) {
			if ((f->containers = bool_filter(v)) < 0)
				return cli_error("invalid filter %s: containers takes true or false", *list);
		} else if ((kl == 8 && strncmp(*list, "readonly", 8) == 0) ||
			   (kl == 12 && strncmp(*list, "intermediate", 12) == 0)) {
			int b = bool_filter(v);
			if (b < 0)
				return cli_error("invalid filter %s: use true or false", *list);
			f->none |= b == 1; /* no read-only stores; images record no parents */
		} else
			return cli_error("invalid filter \"%s\": use reference=, dangling=, label=, before=, since=, until=, id=, digest=, containers=, readonly= or intermediate=",
					 *list);
	}
	return 0;
}

int cmd_images(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	struct store_image **imgs = NULL;
	_cleanup_(image_filter_done) struct image_filter f = { 0 };
	size_t n = 0;
	berth_error err = { 0 };
	const char *fmt = cli_str(args, "format");
	bool notrunc = cli_flag(args, "no-trunc"), digests = cli_flag(args, "digests");
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if ((rc = parse_filters(s, cli_list(args, "filter"), &f)) != 0)
		return rc;
	if (cli_argc(args) == 1 && strv_append(&f.reference, cli_argv(args)[0]) < 0)
		return cli_error("out of memory");
	if (!image_sort_valid(cli_str(args, "sort")))
		return cli_error("\"%s\" is not a valid value for sorting images; must be one of: "
				 "created, id, repository, size, tag", cli_str(args, "sort"));
	if (store_image_list(s, &imgs, &n, &err) < 0)
		return cli_fail(&err);
	image_sort(imgs, n, cli_str(args, "sort"));

	if (cli_flag(args, "quiet")) {
		for (size_t i = 0; i < n; i++)
			if (filter_keep(&f, imgs[i]))
				printf("%s%.*s\n", notrunc ? "sha256:" : "", notrunc ? 64 : 12, imgs[i]->id);
		store_image_list_free(imgs, n);
		return 0;
	}
	if (fmt && strcmp(fmt, "json") == 0) {
		json_auto_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			if (filter_keep(&f, imgs[i]))
				json_array_append_new(arr, engine_image_summary_json(s, imgs[i]));
		store_image_list_free(imgs, n);
		return ifmt_print("json", arr, NULL, stdout) < 0 ? 125 : 0;
	}

	json_auto_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct store_image *img = imgs[i];
		char since[64], size[32], at[48], id[80];
		char *none[] = { NULL };
		char **names = img->names && img->names[0] ? img->names : none;
		if (!filter_keep(&f, img))
			continue;
		ifmt_since(img->created, since, sizeof(since));
		ifmt_size(img->size, size, sizeof(size));
		store_time_format_local(img->created, at, sizeof(at));
		snprintf(id, sizeof(id), "%s%.*s", notrunc ? "sha256:" : "", notrunc ? 64 : 12, img->id);
		for (size_t k = 0; k == 0 || names[k]; k++) {
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			json_t *o;
			if (names[k] && store_name_split(names[k], &repo, &tag) < 0)
				return cli_error("out of memory");
			o = json_object();
			json_object_set_new(o, "Repository", json_string(repo ? repo : "<none>"));
			json_object_set_new(o, "Tag", json_string(tag ? tag : "<none>"));
			json_object_set_new(o, "ID", json_string(id));
			json_object_set_new(o, "Id", json_string(img->id));
			json_object_set_new(o, "Digest", json_string(img->digest));
			json_object_set_new(o, "Created", json_string(since));
			json_object_set_new(o, "CreatedSince", json_string(since));
			json_object_set_new(o, "CreatedAt", json_string(at));
			json_object_set_new(o, "CreatedTime", json_string(at));
			json_object_set_new(o, "Size", json_string(size));
			json_object_set_new(o, "VirtualSize", json_string(size));
			json_object_set_new(o, "Names", engine_strv_json(img->names));
			json_object_set_new(o, "Dangling", json_boolean(img->dangling));
			json_object_set_new(o, "ReadOnly", json_false());
			json_array_append_new(rows, o);
			if (!names[k])
				break;
		}
	}
	store_image_list_free(imgs, n);
	if (image_sort_rows(rows, cli_str(args, "sort")) < 0)
		return cli_error("out of memory");
	{
		static const char *const headers[] = {
			"ID=IMAGE ID", "Id=IMAGE ID", "CreatedSince=CREATED", "CreatedAt=CREATED AT",
			"Created=CREATED", "VirtualSize=SIZE", NULL,
		};
		const char *def = digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
					  : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
		if (fmt_print(stdout, fmt, def, rows, headers,
			      cli_flag(args, "noheading") ? FMT_NO_HEADING : 0, &err) < 0)
			return cli_fail(&err);
		return 0;
	}
}

/* ---- image inspect ---- */

const struct cli_option cmd_image_inspect_options[] = {
	{ "format", 'f', CLI_STRING, "Format the output to a Go template or json", "json" },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_image_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	json_auto_t *arr = json_array();
	berth_error err = { 0 }, first = { 0 };
	const char *fmt = cli_str(args, "format");
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	for (int i = 0; i < cli_argc(args); i++) {
		_cleanup_(store_image_freep) struct store_image *img = NULL;
		if (store_image_lookup(s, cli_argv(args)[i], &img, &err) < 0) {
			if (!first.code)
				first = err;
			continue;
		}
		json_array_append_new(arr, engine_image_inspect_json(s, img));
	}
	if (!fmt || strcmp(fmt, "json") == 0 || strcmp(fmt, "{{json .}}") == 0) {
		_cleanup_free_ char *d = json_dumps(arr, JSON_INDENT(4));
		printf("%s\n", d ? d : "[]");
	} else if (ifmt_print(fmt, arr, NULL, stdout) < 0)
		return 125;
	if (first.code) {
		fflush(stdout);
		berr_prefix(&first, "inspecting object");
		return cli_fail(&first);
	}
	return 0;
}

/* ---- history ---- */

const struct cli_option cmd_history_options[] = {
	{ "format", 0, CLI_STRING, "Change the output to JSON or a Go template", NULL },
	{ "human", 'H', CLI_BOOL, "Display sizes and dates in human readable format", "true" },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate the output", NULL },
	{ "quiet", 'q', CLI_BOOL, "Display the numeric IDs only", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_history(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	berth_error err = { 0 };
	json_auto_t *config = NULL, *rows = json_array(), *jrows = json_array();
	json_t *hist, *h;
	const char *fmt = cli_str(args, "format");
	bool notrunc = cli_flag(args, "no-trunc");
	size_t i, layer = 0, n_hist;
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (store_image_lookup(s, cli_argv(args)[0], &img, &err) < 0)
		return cli_fail(&err);
	config = engine_image_config_json(s, img);
	hist = json_object_get(config, "history");
	n_hist = json_array_size(hist);
	/* Newest first, as podman prints it; sizes pair non-empty entries with the layers. */
	int64_t *sizes = calloc(n_hist + 1, sizeof(int64_t));
	if (!sizes)
		return cli_error("out of memory");
	json_array_foreach(hist, i, h) {
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (layer < img->n_layers) {
			_cleanup_(store_layer_freep) struct store_layer *l = NULL;
			if (store_layer_get(s, img->layers[layer], &l, NULL) >= 0)
				sizes[i] = l->size;
		}
		layer++;
	}
	for (size_t k = n_hist; k-- > 0;) {
		json_t *e = json_array_get(hist, k), *o = json_object(), *jo = json_object();
		const char *created = json_string_value(json_object_get(e, "created"));
		const char *by = json_string_value(json_object_get(e, "created_by")) ?: "";
		const char *comment = json_string_value(json_object_get(e, "comment")) ?: "";
		int64_t t = 0;
		char since[64], size[32], id[80], byt[64];
		if (created)
			(void)store_time_parse(created, &t);
		ifmt_since(t, since, sizeof(since));
		ifmt_size(sizes[k], size, sizeof(size));
		if (k == n_hist - 1)
			snprintf(id, sizeof(id), "%.*s", notrunc ? 64 : 12, img->id);
		else
			snprintf(id, sizeof(id), "<missing>");
		if (!notrunc && strlen(by) > 45)
			snprintf(byt, sizeof(byt), "%.42s...", by);
		else
			snprintf(byt, sizeof(byt), "%.60s", by);
		json_object_set_new(o, "ID", json_string(id));
		json_object_set_new(o, "Created", json_string(since));
		json_object_set_new(o, "CreatedSince", json_string(since));
		json_object_set_new(o, "CreatedBy", json_string(notrunc ? by : byt));
		json_object_set_new(o, "Size", json_string(size));
		json_object_set_new(o, "Comment", json_string(comment));
		json_array_append_new(rows, o);
		json_object_set_new(jo, "id", json_string(k == n_hist - 1 ? img->id : "<missing>"));
		json_object_set_new(jo, "created", json_string(created ? created : ""));
		json_object_set_new(jo, "CreatedBy", json_string(by));
		json_object_set_new(jo, "size", json_integer(sizes[k]));
		json_object_set_new(jo, "comment", json_string(comment));
		json_array_append_new(jrows, jo);
	}
	free(sizes);
	if (cli_flag(args, "quiet")) {
		json_array_foreach(rows, i, h)
			printf("%s\n", json_string_value(json_object_get(h, "ID")));
		return 0;
	}
	if (fmt && strcmp(fmt, "json") == 0)
		return ifmt_print("json", jrows, NULL, stdout) < 0 ? 125 : 0;
	{
		static const char *const headers[] = { "CreatedBy=CREATED BY", "CreatedSince=CREATED", NULL };
		return ifmt_print(fmt ? fmt : "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
				  rows, headers, stdout) < 0
			       ? 125
			       : 0;
	}
}

/* ---- tag, untag ---- */

int cmd_tag(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	berth_error err = { 0 };
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (store_image_lookup(s, cli_argv(args)[0], &img, &err) < 0)
		return cli_fail(&err);
	for (int i = 1; i < cli_argc(args); i++) {
		_cleanup_free_ char *name = NULL;
		if (store_name_normalize(cli_argv(args)[i], &name, &err) < 0)
			return cli_fail(&err);
		if (strchr(name, '@'))
			return cli_error("%s: tag by digest is not supported: give NAME[:TAG]", cli_argv(args)[i]);
		if (store_image_add_name(s, img->id, name, &err) < 0)
			return cli_fail(&err);
		engine_image_event(ctx->runroot, "tag", img->id, name);
	}
	return 0;
}

int cmd_untag(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	berth_error err = { 0 };
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (store_image_lookup(s, cli_argv(args)[0], &img, &err) < 0)
		return cli_fail(&err);
	if (cli_argc(args) == 1) {
		for (char **n = img->names; n && *n; n++) {
			if (store_image_remove_name(s, img->id, *n, &err) < 0)
				return cli_fail(&err);
			engine_image_event(ctx->runroot, "untag", img->id, *n);
		}
		return 0;
	}
	for (int i = 1; i < cli_argc(args); i++) {
		_cleanup_free_ char *name = NULL;
		if (store_name_normalize(cli_argv(args)[i], &name, &err) < 0)
			return cli_fail(&err);
		if (store_image_remove_name(s, img->id, name, &err) < 0)
			return cli_fail(&err);
		engine_image_event(ctx->runroot, "untag", img->id, name);
	}
	return 0;
}

/* ---- rmi, prune, exists ---- */

const struct cli_option cmd_rmi_options[] = {
	{ "all", 'a', CLI_BOOL, "Remove all images", NULL },
	{ "force", 'f', CLI_BOOL, "Force removal: remove the containers that use the image, and every name", NULL },
	{ "ignore", 'i', CLI_BOOL, "Ignore errors if a specified image does not exist", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* podman's rmi -f: the containers that use @id are removed (killed first) before the image. */
static int remove_image_users(struct berth_ctx *ctx, struct store *s, const char *id,
			      berth_error *err)
{
	for (;;) {
		_cleanup_free_ char *user = NULL;
		int r = store_image_in_use(s, id, &user, err);
		if (r <= 0)
			return r;
		r = ctr_remove(ctx, s, user, true, false, err);
		if (r < 0)
			return r;
	}
}

/* Deletes @img, printing podman's Untagged:/Deleted: lines. Returns podman's rmi exit code. */
static int remove_image(struct berth_ctx *ctx, struct store *s, const struct store_image *img,
			bool force)
{
	berth_error err = { 0 };

	if ((force && remove_image_users(ctx, s, img->id, &err) < 0) ||
	    store_image_delete(s, img->id, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "Error: %s\n", err.msg);
		return err.code == -EBUSY ? 2 : err.code == -ENOENT ? 1 : 125;
	}
	for (char **n = img->names; n && *n; n++) {
		printf("Untagged: %s\n", *n);
		engine_image_event(ctx->runroot, "untag", img->id, *n);
	}
	printf("Deleted: %s\n", img->id);
	engine_image_event(ctx->runroot, "remove", img->id, img->names && img->names[0] ? img->names[0] : "");
	return 0;
}

int cmd_rmi(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	berth_error err = { 0 };
	int rc, result = 0;

	if (cli_flag(args, "all") == (cli_argc(args) > 0))
		return cli_error(cli_flag(args, "all") ? "when using the --all switch, you may not pass any images names or IDs"
						       : "image name or ID must be specified");
	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	/* Exclusive: no import in flight may lose a blob this removal frees (store.h). */
	if (store_lock(s, true, &err) < 0)
		return cli_fail(&err);
	if (cli_flag(args, "all")) {
		struct store_image **imgs = NULL;
		size_t n = 0;
		if (store_image_list(s, &imgs, &n, &err) < 0)
			return cli_fail(&err);
		for (size_t i = 0; i < n; i++) {
			int r = remove_image(ctx, s, imgs[i], cli_flag(args, "force"));
			if (r)
				result = r;
		}
		store_image_list_free(imgs, n);
		return result;
	}
	for (int i = 0; i < cli_argc(args); i++) {
		_cleanup_(store_image_freep) struct store_image *img = NULL;
		const char *ref = cli_argv(args)[i];
		int r;
		if (store_image_lookup(s, ref, &img, &err) < 0) {
			if (cli_flag(args, "ignore") && err.code == -ENOENT)
				continue;
			fflush(stdout);
			fprintf(stderr, "Error: %s\n", err.msg);
			result = err.code == -ENOENT ? 1 : 125;
			continue;
		}
		/* A name of an image with several names only untags that name (podman). */
		if (img->names && img->names[0] && img->names[1] && !cli_flag(args, "force") &&
		    strncmp(img->id, strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref, strlen(ref)) != 0) {
			for (char **n = img->names; *n; n++) {
				_cleanup_(store_image_freep) struct store_image *by = NULL;
				if (store_image_lookup(s, *n, &by, NULL) < 0)
					continue;
				_cleanup_free_ char *norm = NULL;
				if (store_name_normalize(ref, &norm, NULL) >= 0 && strcmp(norm, *n) == 0) {
					if (store_image_remove_name(s, img->id, *n, &err) < 0)
						return cli_fail(&err);
					printf("Untagged: %s\n", *n);
					engine_image_event(ctx->runroot, "untag", img->id, *n);
					goto next;
				}
			}
			/* A short name matched by suffix: untag the first name that resolves to it. */
			if (store_image_remove_name(s, img->id, img->names[0], &err) < 0)
				return cli_fail(&err);
			printf("Untagged: %s\n", img->names[0]);
			engine_image_event(ctx->runroot, "untag", img->id, img->names[0]);
			goto next;
		}
		r = remove_image(ctx, s, img, cli_flag(args, "force"));
		if (r)
			result = r;
next:;
	}
	return result;
}

const struct cli_option cmd_image_prune_options[] = {
	{ "all", 'a', CLI_BOOL, "Remove all images not in use by containers, not just dangling ones", NULL },
	{ "force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL },
	{ "filter", 0, CLI_LIST, "Provide filter values (until=, label=, ... as images --filter)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

bool cli_confirm(const char *question)
{
	char line[16] = { 0 };

	fprintf(stdout, "%s\nAre you sure you want to continue? [y/N] ", question);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Removes unused images (dangling only unless @all) that @filters keep; prints their ids. */
int cli_prune_images(struct berth_ctx *ctx, struct store *s, bool all, char *const *filters,
		     int64_t *ret_reclaimed)
{
	struct image_filter f = { 0 };
	berth_error err = { 0 };
	bool removed_any;
	int64_t reclaimed = 0;
	int rc;

	if ((rc = parse_filters(s, filters, &f)) != 0) {
		image_filter_done(&f);
		return rc;
	}
	if (store_lock(s, true, &err) < 0) {
		image_filter_done(&f);
		return cli_fail(&err);
	}
	/* Removing an image can leave another one unused only through names; one pass suffices,
	 * but loop in case removing layers made nothing else eligible. */
	do {
		struct store_image **imgs = NULL;
		size_t n = 0;
		removed_any = false;
		if (store_image_list(s, &imgs, &n, &err) < 0) {
			image_filter_done(&f);
			return cli_fail(&err);
		}
		for (size_t i = 0; i < n; i++) {
			if ((!all && !imgs[i]->dangling) || !filter_keep(&f, imgs[i]))
				continue;
			if (store_image_in_use(s, imgs[i]->id, NULL, NULL) != 0)
				continue;
			if (store_image_delete(s, imgs[i]->id, &err) < 0) {
				store_image_list_free(imgs, n);
				image_filter_done(&f);
				return cli_fail(&err);
			}
			printf("%s\n", imgs[i]->id);
			reclaimed += imgs[i]->size;
			engine_image_event(ctx->runroot, "remove", imgs[i]->id, "");
			removed_any = true;
		}
		store_image_list_free(imgs, n);
	} while (removed_any && all);
	image_filter_done(&f);
	if (ret_reclaimed)
		*ret_reclaimed = reclaimed;
	return 0;
}

int cmd_image_prune(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	bool all = cli_flag(args, "all");
	int rc;

	if (!cli_flag(args, "force") &&
	    !cli_confirm(all ? "WARNING! This command removes all images without at least one container associated with them."
			 : "WARNING! This command removes all dangling images."))
		return 0;
	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	return cli_prune_images(ctx, s, all, cli_list(args, "filter"), NULL);
}

int cmd_image_exists(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	berth_error err = { 0 };
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (store_image_lookup(s, cli_argv(args)[0], &img, &err) < 0)
		return err.code == -ENOENT ? 1 : cli_fail(&err);
	return 0;
}

/* Option tables of the image commands berth-transfer runs (src/transfer/import.c). */
const struct cli_option cmd_import_options[] = {
	{ "change", 'c', CLI_LIST, "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | USER | VOLUME | WORKDIR", NULL },
	{ "message", 'm', CLI_STRING, "Set commit message for imported image", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress output", NULL },
	{ "arch", 0, CLI_STRING, "Set the architecture of the imported image", NULL },
	{ "os", 0, CLI_STRING, "Set the OS of the imported image", NULL },
	{ "variant", 0, CLI_STRING, "Set the variant of the imported image", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

const struct cli_option cmd_system_check_options[] = {
	{ "repair", 'r', CLI_BOOL, "Remove inconsistent images", NULL },
	{ "force", 'f', CLI_BOOL, "Remove inconsistent images and the containers that use them", NULL },
	{ "quick", 'q', CLI_BOOL, "Skip time-consuming checks (accepted; every check is done)", NULL },
	{ "max", 'm', CLI_STRING, "Maximum allowed age of unreferenced layers (accepted for podman compatibility)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
