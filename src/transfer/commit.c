/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commit.c - `berth commit [options] CONTAINER [IMAGE]`: the container's writable layer (its
 * overlay upper dir, mount-point placeholders left out) becomes a new layer on top of its
 * image; the new config is the image's with the container's command, entrypoint, environment,
 * working directory, user and labels (as podman commits them), then the --change instructions,
 * and a history entry with --message and --author. Options live in src/cli/build_commit.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/container_pause.h"
#include "engine/image_ops.h"
#include "engine/spec.h"
#include "store/container.h"
#include "transfer/commit_image.h"
#include "transfer/image_change.h"
#include "util/macro.h"

/* What `podman commit` takes from the container's own settings. */
static void apply_container(json_t *cc, json_t *create)
{
	json_t *v, *x;
	const char *k;
	size_t i;

	if (json_is_array(v = json_object_get(create, "command")) && json_array_size(v))
		json_object_set(cc, "Cmd", v);
	if (json_is_array(v = json_object_get(create, "entrypoint"))) {
		if (json_array_size(v))
			json_object_set(cc, "Entrypoint", v);
		else
			json_object_del(cc, "Entrypoint");
	}
	if (json_is_array(v = json_object_get(create, "env"))) {
		json_t *env = json_object_get(cc, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(cc, "Env", env);
		}
		json_array_foreach(v, i, x) if (json_is_string(x))
			spec_env_set(env, json_string_value(x));
	}
	if (json_is_string(v = json_object_get(create, "workdir")) && *json_string_value(v))
		json_object_set(cc, "WorkingDir", v);
	if (json_is_string(v = json_object_get(create, "user")) && *json_string_value(v))
		json_object_set(cc, "User", v);
	if (json_is_string(v = json_object_get(create, "stop_signal")))
		json_object_set(cc, "StopSignal", v);
	if (json_is_object(v = json_object_get(create, "labels")) && json_object_size(v)) {
		json_t *labels = json_object_get(cc, "Labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			json_object_set_new(cc, "Labels", labels);
		}
		json_object_foreach(v, k, x) json_object_set(labels, k, x);
	}
}

static char *created_by(json_t *create)
{
	json_t *cmd = json_object_get(create, "command"), *x;
	size_t i, len = 0;
	char *s;

	json_array_foreach(cmd, i, x) len += strlen(json_string_value(x) ?: "") + 1;
	s = calloc(1, len + 32);
	if (!s)
		return NULL;
	strcpy(s, "/bin/sh -c #(nop) commit");
	if (len) {
		strcpy(s, "");
		json_array_foreach(cmd, i, x) {
			if (i)
				strcat(s, " ");
			strcat(s, json_string_value(x) ?: "");
		}
	}
	return s;
}

static int do_commit(struct berth_ctx *ctx, struct store *s, struct cli_args *args,
		     const struct store_container *ctr, char ret_id[STORE_ID_LEN + 1],
		     berth_error *err)
{
	const char *name = cli_argc(args) > 1 ? cli_argv(args)[1] : NULL;
	const char *author = cli_str(args, "author");
	_cleanup_(cimg_done) struct cimg c = { 0 };
	_cleanup_free_ char *upper = NULL, *by = NULL;
	json_auto_t *create = ctr_config(ctr);
	struct layer_diff_opts o = { .skip_empty = cimg_mount_points, .skip_devices = ctx->rootless };
	const char *fmt = cli_str(args, "format");
	int r;

	if (fmt && strcmp(fmt, "oci") != 0 && strcmp(fmt, "docker") != 0)
		return berr(err, EINVAL, "unrecognized image type \"%s\": use oci or docker", fmt);
	if (cli_flag(args, "squash"))
		return berr(err, ENOTSUP, "commit --squash is not supported yet: commit without it");
	r = cimg_from_image(s, ctr->image_id, &c, err);
	if (r < 0)
		return r;
	apply_container(cimg_run_config(&c), create);
	for (char *const *ch = cli_list(args, "change"); ch && *ch; ch++) {
		r = image_change_apply(cimg_run_config(&c), *ch, err);
		if (r < 0)
			return r;
	}
	if (author && *author)
		json_object_set_new(c.config, "author", json_string(author));
	r = store_container_dir_path(s, ctr->id, "upper", &upper, err);
	if (r < 0)
		return r;
	by = created_by(create);
	r = cimg_add_dir(ctx, s, &c, upper, &o, by, cli_str(args, "message"), err);
	if (r < 0)
		return r;
	if (author && *author) {
		json_t *h = json_array_get(json_object_get(c.config, "history"),
					   json_array_size(json_object_get(c.config, "history")) - 1);
		json_object_set_new(h, "author", json_string(author));
	}
	return cimg_commit(s, &c, name, fmt && strcmp(fmt, "docker") == 0, ret_id, err);
}

TRANSFER_HANDLER int cmd_commit(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_container_ struct store_container *ctr = NULL;
	_cleanup_close_ int lock = -1;
	char id[STORE_ID_LEN + 1];
	berth_error err = { 0 };
	bool paused = false;
	int r;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (ctr_get(ctx, s, cli_argv(args)[0], &ctr, &err) < 0)
		return cli_fail(&err);
	if (cli_flag(args, "pause") && strcmp(ctr->state, "running") == 0) {
		if (ctr_pause(ctx, s, ctr->id, &err) < 0)
			return cli_fail(&err);
		paused = true;
	}
	/* the container cannot be removed while its layer is read */
	r = store_container_lock(s, ctr->id, &lock, &err);
	if (r >= 0) {
		r = store_lock(s, false, &err);
		if (r >= 0) {
			r = do_commit(ctx, s, args, ctr, id, &err);
			store_unlock(s);
		}
	}
	if (lock >= 0)
		close(TAKE_FD(lock));
	if (paused) {
		berth_error e2 = { 0 };
		if (ctr_unpause(ctx, s, ctr->id, &e2) < 0 && r >= 0)
			return cli_fail(&e2);
	}
	if (r < 0) {
		berr_prefix(&err, "commit %s", cli_argv(args)[0]);
		return cli_fail(&err);
	}
	engine_image_event(ctx->runroot, "commit", id,
			   cli_argc(args) > 1 ? cli_argv(args)[1] : "");
	if (!cli_flag(args, "quiet"))
		fprintf(stderr, "Getting image source signatures\nCopying blob done\n"
				"Copying config done\nWriting manifest to image destination\n");
	printf("%s\n", id);
	return 0;
}
