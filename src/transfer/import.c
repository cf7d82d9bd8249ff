/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import.c - `berth import TARBALL|- [NAME[:TAG]]` and `berth system check`, the two local
 * image commands that hash data (libcrypto) and so run in berth-transfer.
 *
 * Import flow: the tarball (or stdin) is streamed into a verified blob; the blob is unpacked as
 * a base layer (layer_extract() checks every entry stays inside the layer); a config (with the
 * --change instructions applied and a history entry carrying --message) and an OCI manifest are
 * written as blobs; the image record ties them together and takes the name. The whole import
 * holds the store lock shared, so gc/check never see it half done; a kill -9 at any point leaves
 * only unreferenced files for gc.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/image_ops.h"
#include "transfer/image_change.h"
#include "store/events.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/macro.h"

#define IMPORT_MAX_CHANGES 256

/* cmd_import_options and cmd_system_check_options live in src/cli/images.c (light). */

static const char *layer_media_type(struct store *s, const char *digest)
{
	_cleanup_close_ int fd = -1;
	unsigned char m[4] = { 0 };

	if (store_blob_open(s, digest, &fd, NULL) < 0 || read(fd, m, sizeof(m)) < 2)
		return "application/vnd.oci.image.layer.v1.tar";
	if (m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

static int import_image(struct berth_ctx *ctx, struct store *s, struct cli_args *args,
			char ret_id[STORE_ID_LEN + 1], char **ret_name, berth_error *err)
{
	const char *src = cli_argv(args)[0];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *name = NULL, *config_text = NULL, *manifest_text = NULL;
	_cleanup_(store_layer_freep) struct store_layer *layer = NULL;
	char blob[STORE_DIGEST_LEN + 1], cfg_digest[STORE_DIGEST_LEN + 1], man_digest[STORE_DIGEST_LEN + 1];
	char layer_id[STORE_ID_LEN + 1], created[48];
	const char *media;
	uint64_t blob_size = 0;
	json_auto_t *config = NULL, *manifest = NULL;
	json_t *cc, *hist, *h, *desc, *layers;
	struct utsname u;
	int r;

	if (cli_argc(args) > 1) {
		r = store_name_normalize(cli_argv(args)[1], &name, err);
		if (r < 0)
			return r;
		if (strchr(name, '@'))
			return berr(err, EINVAL, "%s: import to a digest is not supported: give NAME[:TAG]",
				    cli_argv(args)[1]);
	}
	cc = json_object();
	for (char *const *c = cli_list(args, "change"); *c; c++) {
		r = image_change_apply(cc, *c, err);
		if (r < 0) {
			json_decref(cc);
			return r;
		}
	}
	if (strcmp(src, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		json_decref(cc);
		return berr_errno(err, errno, "import %s: open the tarball", src);
	}

	r = store_lock(s, false, err);
	if (r < 0)
		goto fail_cc;
	r = store_blob_ingest_fd(s, fd, NULL, 0, blob, &blob_size, err);
	if (r < 0) {
		berr_prefix(err, "import %s", src);
		goto fail_cc;
	}
	media = layer_media_type(s, blob);
	r = store_layer_create_from_blob(s, NULL, blob, media, NULL, layer_id, err);
	if (r < 0) {
		berr_prefix(err, "import %s", src);
		goto fail_cc;
	}
	r = store_layer_get(s, layer_id, &layer, err);
	if (r < 0)
		goto fail_cc;

	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		store_time_format((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, created, sizeof(created));
	}
	uname(&u);
	config = json_object();
	json_object_set_new(config, "created", json_string(created));
	json_object_set_new(config, "architecture",
			    json_string(cli_str(args, "arch") ?: (strcmp(u.machine, "x86_64") == 0 ? "amd64"
						: strcmp(u.machine, "aarch64") == 0 ? "arm64" : u.machine)));
	json_object_set_new(config, "os", json_string(cli_str(args, "os") ?: "linux"));
	if (cli_str(args, "variant"))
		json_object_set_new(config, "variant", json_string(cli_str(args, "variant")));
	json_object_set_new(config, "config", cc);
	cc = NULL;
	{
		json_t *rootfs = json_object(), *ids = json_array();
		json_array_append_new(ids, json_string(layer->diff_id));
		json_object_set_new(rootfs, "type", json_string("layers"));
		json_object_set_new(rootfs, "diff_ids", ids);
		json_object_set_new(config, "rootfs", rootfs);
	}
	hist = json_array();
	h = json_object();
	{
		char by[160];
		snprintf(by, sizeof(by), "/bin/sh -c #(nop) ADD file:%s in /", layer->diff_id + 7);
		json_object_set_new(h, "created", json_string(created));
		json_object_set_new(h, "created_by", json_string(by));
		/* podman's words when there is no --message */
		json_object_set_new(h, "comment", json_string(cli_str(args, "message")
								  ? cli_str(args, "message")
								  : "imported from tarball"));
	}
	json_array_append_new(hist, h);
	json_object_set_new(config, "history", hist);
	config_text = json_dumps(config, JSON_COMPACT);
	if (!config_text) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	r = store_blob_ingest_buf(s, config_text, strlen(config_text), NULL, cfg_digest, err);
	if (r < 0)
		goto fail;

	manifest = json_object();
	json_object_set_new(manifest, "schemaVersion", json_integer(2));
	json_object_set_new(manifest, "mediaType", json_string("application/vnd.oci.image.manifest.v1+json"));
	desc = json_object();
	json_object_set_new(desc, "mediaType", json_string("application/vnd.oci.image.config.v1+json"));
	json_object_set_new(desc, "digest", json_string(cfg_digest));
	json_object_set_new(desc, "size", json_integer((json_int_t)strlen(config_text)));
	json_object_set_new(manifest, "config", desc);
	layers = json_array();
	desc = json_object();
	json_object_set_new(desc, "mediaType", json_string(media));
	json_object_set_new(desc, "digest", json_string(blob));
	json_object_set_new(desc, "size", json_integer((json_int_t)blob_size));
	json_array_append_new(layers, desc);
	json_object_set_new(manifest, "layers", layers);
	manifest_text = json_dumps(manifest, JSON_COMPACT);
	if (!manifest_text) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	r = store_blob_ingest_buf(s, manifest_text, strlen(manifest_text), NULL, man_digest, err);
	if (r < 0)
		goto fail;
	{
		char *layer_ids[] = { layer_id, NULL };
		char *blobs[] = { blob, NULL };
		char *names[] = { name, NULL };
		struct store_image_spec spec = {
			.config_digest = cfg_digest,
			.manifest_digest = man_digest,
			.manifest_media_type = "application/vnd.oci.image.manifest.v1+json",
			.layers = layer_ids,
			.blob_digests = blobs,
			.n_layers = 1,
			.names = name ? names : NULL,
		};
		r = store_image_create(s, &spec, ret_id, err);
		if (r < 0)
			goto fail;
	}
	store_unlock(s);
	*ret_name = TAKE_PTR(name);
	return 0;
fail_cc:
	json_decref(cc);
fail:
	store_unlock(s);
	return r;
}

TRANSFER_HANDLER int cmd_import(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *name = NULL;
	char id[STORE_ID_LEN + 1];
	berth_error err = { 0 };


	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (import_image(ctx, s, args, id, &name, &err) < 0)
		return cli_fail(&err);
	engine_image_event(ctx->runroot, "import", id, name ? name : "");
	if (!cli_flag(args, "quiet"))
		fprintf(stderr, "Getting image source signatures\nCopying blob done\nWriting manifest to image destination\n");
	printf("sha256:%s\n", id);
	return 0;
}


TRANSFER_HANDLER int cmd_system_check(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	struct store_check_report rep = { 0 };
	berth_error err = { 0 };
	bool repair = cli_flag(args, "repair") || cli_flag(args, "force");
	int rc = 0;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (store_check(s, repair, cli_flag(args, "force"), &rep, &err) < 0)
		return cli_fail(&err);
	if (rep.leftovers)
		printf("Removed %zu leftover item%s of interrupted operations\n", rep.leftovers,
		       rep.leftovers == 1 ? "" : "s");
	for (size_t i = 0; i < rep.n_errors; i++)
		printf("%s\n", rep.errors[i]);
	if (rep.n_errors == 0)
		printf("No errors found\n");
	else if (repair)
		printf("Repaired %zu problem%s\n", rep.repaired, rep.repaired == 1 ? "" : "s");
	else {
		fprintf(stderr, "Error: %zu problem%s found in the store; run berth system check --repair\n",
			rep.n_errors, rep.n_errors == 1 ? "" : "s");
		rc = 125;
	}
	store_check_report_done(&rep);
	return rc;
}
