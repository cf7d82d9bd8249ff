/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_volume.c - `berth volume create|ls|inspect|rm|prune|exists`, podman's flags and
 * output, over engine/container_volume.h.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_format.h"
#include "engine/container_log.h"
#include "engine/container_volume.h"
#include "store/container.h"
#include "store/store.h"
#include "util/macro.h"

static json_t *volume_json(const struct store_volume *v)
{
	char created[48];
	json_t *labels = v->labels ? json_loads(v->labels, 0, NULL) : NULL;
	json_t *opts = v->options ? json_loads(v->options, 0, NULL) : NULL;

	ctr_log_format_time(v->created, created, sizeof(created));
	if (opts)
		json_object_del(opts, "anonymous");
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:b, s:i, s:i}", "Name", v->name,
			 "Driver", v->driver ? v->driver : "local", "Mountpoint",
			 v->mountpoint ? v->mountpoint : "", "CreatedAt", created, "Labels",
			 json_is_object(labels) ? labels : json_object(), "Scope", "local",
			 "Options", json_is_object(opts) ? opts : json_object(), "Anonymous",
			 v->options && strstr(v->options, "anonymous") != NULL, "UID", 0, "GID", 0);
}

const struct cli_option cmd_volume_create_options[] = {
	{ "driver", 'd', CLI_STRING, "Specify volume driver name", "local" },
	{ "label", 'l', CLI_LIST, "Set metadata for a volume (e.g. --label mykey=value)", NULL },
	{ "opt", 'o', CLI_LIST, "Set driver specific options (none supported yet)", NULL },
	{ "ignore", 0, CLI_BOOL, "Don't fail if volume already exists", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_volume_create(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *labels = json_object();
	const char *driver = cli_str(args, "driver");
	struct store_volume *v = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	const char *name = cli_argc(args) ? cli_argv(args)[0] : NULL;
	int r;

	if (driver && strcmp(driver, "local") != 0)
		return cli_error("volume driver \"%s\" is not supported: use local", driver);
	if (cli_list(args, "opt")[0])
		return cli_error("volume options (-o %s) are not supported yet", cli_list(args, "opt")[0]);
	for (char *const *l = cli_list(args, "label"); *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = strndup(*l, eq ? (size_t)(eq - *l) : strlen(*l));
		if (!k || !*k)
			return cli_error("invalid --label \"%s\": use KEY=VALUE", *l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	r = ctr_volume_create(ctx, s, name, labels, false, &v, &err);
	if (r == -EEXIST && cli_flag(args, "ignore")) {
		store_close(s);
		printf("%s\n", name);
		return 0;
	}
	if (r < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	printf("%s\n", v->name);
	store_volume_free(v);
	store_close(s);
	return 0;
}

const struct cli_option cmd_volume_ls_options[] = {
	{ "quiet", 'q', CLI_BOOL, "Print volume output in quiet mode", NULL },
	{ "format", 0, CLI_STRING, "Format volume output using Go template", NULL },
	{ "filter", 'f', CLI_LIST, "Filter volume output (name=, label=, dangling=)", NULL },
	{ "noheading", 'n', CLI_BOOL, "Do not print headers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static bool volume_matches(struct store *s, json_t *v, char *const *filters)
{
	for (; *filters; filters++) {
		const char *f = *filters, *eq = strchr(f, '=');
		const char *val = eq ? eq + 1 : "";
		const char *name = json_string_value(json_object_get(v, "Name"));
		if (strncmp(f, "name=", 5) == 0) {
			if (!strstr(name, val))
				return false;
		} else if (strncmp(f, "label=", 6) == 0) {
			const char *eq2 = strchr(val, '=');
			_cleanup_free_ char *k = strndup(val, eq2 ? (size_t)(eq2 - val) : strlen(val));
			json_t *lv = k ? json_object_get(json_object_get(v, "Labels"), k) : NULL;
			if (!lv || (eq2 && strcmp(json_string_value(lv) ?: "", eq2 + 1) != 0))
				return false;
		} else if (strncmp(f, "dangling=", 9) == 0) {
			bool want = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
			bool dangling = ctr_volume_users(s, name, NULL, NULL) == 0;
			if (want != dangling)
				return false;
		} else if (strncmp(f, "driver=", 7) == 0) {
			if (strcmp(val, "local") != 0)
				return false;
		}
	}
	return true;
}

int cmd_volume_ls(struct berth_ctx *ctx, struct cli_args *args)
{
	static const char *const headers[] = { "Driver=DRIVER", "Name=VOLUME NAME",
					       "Mountpoint=MOUNTPOINT", "CreatedAt=CREATED", NULL };
	struct store_volume **list = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	const char *fmt = cli_str(args, "format");
	json_t *items = json_array();
	size_t n = 0;
	int rc = 0;

	for (char *const *f = cli_list(args, "filter"); *f; f++)
		if (strncmp(*f, "name=", 5) && strncmp(*f, "label=", 6) && strncmp(*f, "dangling=", 9) &&
		    strncmp(*f, "driver=", 7)) {
			json_decref(items);
			return cli_error("invalid filter \"%s\": use name=, label=, dangling= or driver=",
					 *f);
		}
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0 ||
	    store_volume_list(s, &list, &n, &err) < 0) {
		store_close(s);
		json_decref(items);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = volume_json(list[i]);
		if (v && volume_matches(s, v, cli_list(args, "filter")))
			json_array_append_new(items, v);
		else
			json_decref(v);
	}
	store_volume_list_free(list, n);
	store_close(s);
	if (cli_flag(args, "quiet")) {
		size_t i;
		json_t *v;
		json_array_foreach (items, i, v)
			printf("%s\n", json_string_value(json_object_get(v, "Name")));
	} else if (fmt && *fmt) {
		if (ifmt_print(fmt, items, headers, stdout) < 0)
			rc = 125;
	} else {
		const char *tmpl = cli_flag(args, "noheading") ? "{{.Driver}}\t{{.Name}}"
							       : "table {{.Driver}}\t{{.Name}}";
		if (ifmt_print(tmpl, items, headers, stdout) < 0)
			rc = 125;
	}
	json_decref(items);
	return rc;
}

const struct cli_option cmd_volume_inspect_options[] = {
	{ "format", 'f', CLI_STRING, "Format volume output using Go template", "json" },
	{ "all", 'a', CLI_BOOL, "Inspect all volumes", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_volume_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	const char *fmt = cli_str(args, "format");
	json_t *items = json_array();
	int rc = 0;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0) {
		json_decref(items);
		return cli_fail(&err);
	}
	if (cli_flag(args, "all")) {
		struct store_volume **list = NULL;
		size_t n = 0;
		if (store_volume_list(s, &list, &n, &err) < 0)
			rc = cli_fail(&err);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(items, volume_json(list[i]));
		store_volume_list_free(list, n);
	}
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_volume *v = NULL;
		if (store_volume_get(s, cli_argv(args)[i], &v, &err) < 0) {
			rc = cli_fail(&err);
			continue;
		}
		json_array_append_new(items, volume_json(v));
		store_volume_free(v);
	}
	store_close(s);
	if (!fmt || strcmp(fmt, "json") == 0) {
		char *out = json_dumps(items, JSON_INDENT(4));
		printf("%s\n", out ? out : "[]");
		free(out);
	} else if (ifmt_print(fmt, items, NULL, stdout) < 0) {
		rc = 125;
	}
	json_decref(items);
	return rc;
}

const struct cli_option cmd_volume_rm_options[] = {
	{ "force", 'f', CLI_BOOL, "Remove a volume by force, and the containers using it", NULL },
	{ "all", 'a', CLI_BOOL, "Remove all volumes", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_volume_rm(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool force = cli_flag(args, "force");
	int rc = 0;

	if (!cli_flag(args, "all") && cli_argc(args) == 0)
		return cli_error("choose either one or more volumes or all");
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (cli_flag(args, "all")) {
		struct store_volume **list = NULL;
		size_t n = 0;
		if (store_volume_list(s, &list, &n, &err) < 0)
			rc = cli_fail(&err);
		for (size_t i = 0; i < n; i++) {
			if (ctr_volume_remove(ctx, s, list[i]->name, force, &err) < 0)
				rc = cli_fail(&err);
			else
				printf("%s\n", list[i]->name);
		}
		store_volume_list_free(list, n);
	}
	for (int i = 0; i < cli_argc(args); i++) {
		if (ctr_volume_remove(ctx, s, cli_argv(args)[i], force, &err) < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", cli_argv(args)[i]);
	}
	store_close(s);
	return rc;
}

const struct cli_option cmd_volume_prune_options[] = {
	{ "force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cli_prune_volumes(struct berth_ctx *ctx)
{
	struct store_volume **list = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	size_t n = 0;
	int rc = 0;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0 ||
	    store_volume_list(s, &list, &n, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++) {
		if (ctr_volume_users(s, list[i]->name, NULL, NULL) != 0)
			continue;
		if (ctr_volume_remove(ctx, s, list[i]->name, false, &err) < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", list[i]->name);
	}
	store_volume_list_free(list, n);
	store_close(s);
	return rc;
}

int cmd_volume_prune(struct berth_ctx *ctx, struct cli_args *args)
{
	if (!cli_flag(args, "force") && isatty(STDIN_FILENO) &&
	    !cli_confirm("WARNING! This will remove all volumes not used by at least one container."))
		return 0;
	return cli_prune_volumes(ctx);
}

int cmd_volume_exists(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store_volume *v = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	int r;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	r = store_volume_get(s, cli_argv(args)[0], &v, &err);
	store_volume_free(v);
	store_close(s);
	if (r == -ENOENT)
		return 1;
	return r < 0 ? cli_fail(&err) : 0;
}
