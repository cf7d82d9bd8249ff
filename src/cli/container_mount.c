/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_mount.c (living) - `mount [CONTAINER...]` (no container: list the mounted ones) and
 * `unmount`/`umount` (also under `container`), for root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/container_mount.h"
#include "store/store.h"

const struct cli_option cmd_mount_options[] = {
	{ "all", 'a', CLI_BOOL, "Mount all containers", NULL },
	{ "format", 0, CLI_STRING, "Print the mounted containers in specified format (json)", NULL },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate output", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
const struct cli_option cmd_unmount_options[] = {
	{ "all", 'a', CLI_BOOL, "Unmount all of the currently mounted containers", NULL },
	{ "force", 'f', CLI_BOOL, "Force the complete unmount of the specified mounted containers",
	  NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* no container named: "ID  MOUNTPOINT" of every mounted one, or podman's json */
static int mount_list(struct berth_ctx *ctx, struct store *s, struct cli_args *args)
{
	struct store_container **list = NULL;
	berth_error err = { 0 };
	const char *fmt = cli_str(args, "format");
	bool json = fmt && strcmp(fmt, "json") == 0;
	json_t *arr = json_array();
	size_t n = 0;

	if (fmt && !json)
		return cli_error("unknown --format \"%s\": mount lists as a table or json", fmt);
	if (!arr || store_container_list(s, &list, &n, &err) < 0) {
		json_decref(arr);
		return err.code ? cli_fail(&err) : cli_error("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		char *path = ctr_mount_path(ctx, s, list[i]->id);
		if (!path)
			continue;
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:[s], s:s}", "ID", list[i]->id,
							     "Names", list[i]->name,
							     "Mountpoint", path));
		else
			printf("%.*s  %s\n", cli_flag(args, "no-trunc") ? 64 : 12, list[i]->id, path);
		free(path);
	}
	store_container_list_free(list, n);
	if (json) {
		char *text = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
	}
	json_decref(arr);
	return 0;
}

/* the named containers, or with --all every one (mount) / every mounted one (unmount) */
static int each(struct berth_ctx *ctx, struct store *s, struct cli_args *args, bool mounting)
{
	struct store_container **list = NULL;
	berth_error err = { 0 };
	size_t n = 0;
	int rc = 0;

	if (!cli_flag(args, "all")) {
		for (int i = 0; i < cli_argc(args); i++) {
			char *path = NULL;
			const char *ref = cli_argv(args)[i];
			if (mounting ? ctr_mount(ctx, s, ref, &path, &err) < 0
				     : ctr_unmount(ctx, s, ref, cli_flag(args, "force"), &err) < 0) {
				rc = cli_fail(&err);
				continue;
			}
			/* one container prints its path alone; several print "ID PATH" lines */
			if (!mounting)
				printf("%s\n", ref);
			else if (cli_argc(args) == 1)
				printf("%s\n", path);
			else
				printf("%s %s\n", ref, path);
			free(path);
		}
		return rc;
	}
	if (store_container_list(s, &list, &n, &err) < 0)
		return cli_fail(&err);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (!mounting && !(path = ctr_mount_path(ctx, s, list[i]->id)))
			continue;
		free(path);
		path = NULL;
		if (mounting ? ctr_mount(ctx, s, list[i]->id, &path, &err) < 0
			     : ctr_unmount(ctx, s, list[i]->id, cli_flag(args, "force"), &err) < 0)
			rc = cli_fail(&err);
		else if (mounting)
			printf("%s %s\n", list[i]->id, path);
		else
			printf("%s\n", list[i]->id);
		free(path);
	}
	store_container_list_free(list, n);
	return rc;
}

static int run(struct berth_ctx *ctx, struct cli_args *args, bool mounting)
{
	struct store *s = NULL;
	int rc;

	if (ctx->rootless)
		return cli_error("cannot run command \"%s\" in rootless mode, must execute `berth "
				 "unshare` first",
				 cli_command_path(args));
	if (!mounting && !cli_flag(args, "all") && cli_argc(args) == 0)
		return cli_error("you must provide at least one name or id");
	if (cli_flag(args, "all") && cli_argc(args) > 0)
		return cli_error("when using the \"all\" flag, you may not pass any containers "
				 "names or IDs");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	rc = mounting && !cli_flag(args, "all") && cli_argc(args) == 0 ? mount_list(ctx, s, args)
								      : each(ctx, s, args, mounting);
	store_close(s);
	return rc;
}

int cmd_mount(struct berth_ctx *ctx, struct cli_args *args)
{
	return run(ctx, args, true);
}

int cmd_unmount(struct berth_ctx *ctx, struct cli_args *args)
{
	return run(ctx, args, false);
}
