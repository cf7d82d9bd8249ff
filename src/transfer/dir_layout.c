/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dir_layout.c - images as directories, as podman's save and load know them:
 * `save --format oci-dir|docker-dir -o DIR IMAGE` writes one image as an OCI image layout (OCI
 * manifest) or as skopeo's dir: layout (Docker schema2 manifest), by the same copy that
 * `berth copy containers-storage:IMAGE oci:DIR` runs; a failed save removes the directory it
 * created. `load -i DIR` of a dir: layout comes here too (an OCI layout is read by load's
 * own oci-archive code).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/json-internal.h"
#include "oci/mediatype.h"
#include "oci/reference.h"
#include "store/events.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

/* An OCI layout names the image as podman's does (org.opencontainers.image.ref.name): the
 * image's name that @image means, none when it was given by id. */
static int layout_name(struct store *s, const char *image, bool oci, oci_image_name *dn,
		       berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	_cleanup_json_ json_t *names = NULL;
	int r;

	if (!oci)
		return 0;
	r = store_image_lookup(s, image, &img, err);
	if (r < 0)
		return r;
	names = save_image_names(img, image);
	if (!names)
		return berr(err, ENOMEM, "out of memory");
	if (json_array_size(names) &&
	    !(dn->layout_ref = strdup(json_string_value(json_array_get(names, 0)))))
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int save_dir(struct berth_ctx *ctx, struct cli_args *args, bool oci)
{
	_cleanup_(oci_image_name_freep) oci_image_name *dn = calloc(1, sizeof(*dn));
	_cleanup_store_ struct store *s = NULL;
	const char *output = cli_str(args, "output"), *image = cli_argv(args)[0];
	struct img_copy_opts o = {.manifest_type = oci ? OCI_MT_MANIFEST : DOCKER_MT_MANIFEST};
	struct img_opts io = {0};
	struct img_src *src = NULL;
	struct img_dst *dst = NULL;
	struct xfer_printer pr;
	berth_error err = {0};
	bool created;
	int r;

	if (!output)
		return cli_error("save: --format %s needs -o DIRECTORY", cli_str(args, "format"));
	if (cli_argc(args) != 1)
		return cli_error("save: --format %s takes one image", cli_str(args, "format"));
	if (!dn || !(dn->path = strdup(output)))
		return cli_error("out of memory");
	dn->transport = oci ? OCI_TRANSPORT_OCI : OCI_TRANSPORT_DIR;
	dn->source_index = -1;
	created = access(output, F_OK) != 0;
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	/* a shared lock: rmi and gc wait until every blob is out */
	r = store_lock(s, false, &err);
	if (r < 0)
		return cli_fail(&err);
	xfer_printer_init(&pr, stderr, cli_flag(args, "quiet"), &o);
	r = layout_name(s, image, oci, dn, &err);
	if (r == 0)
		r = img_store_src_open(s, image, &src, &err);
	if (r == 0)
		r = img_dst_open(dn, &io, &dst, &err);
	if (r == 0 && !pr.quiet)
		fprintf(stderr, "Getting image source signatures\n");
	if (r == 0)
		r = img_copy(src, dst, &o, NULL, &err);
	img_dst_free(dst);
	img_src_free(src);
	xfer_printer_done(&pr);
	store_unlock(s);
	if (r < 0) {
		if (created)
			(void)rm_rf_at(AT_FDCWD, output, NULL);
		berr_prefix(&err, "save");
		return cli_fail(&err);
	}
	if (!pr.quiet)
		fprintf(stderr, "Storing signatures\n");
	struct store_event ev = {.type = "image", .action = "save", .name = image};
	(void)store_event_emit(ctx->runroot, &ev, NULL);
	return 0;
}

int load_dir_layout(struct berth_ctx *ctx, const char *input, bool quiet)
{
	_cleanup_(oci_image_name_freep) oci_image_name *sn = calloc(1, sizeof(*sn));
	_cleanup_store_ struct store *s = NULL;
	struct img_copy_opts o = {0};
	struct img_opts io = {0};
	struct img_src *src = NULL;
	struct img_dst *dst = NULL;
	struct xfer_printer pr;
	berth_error err = {0};
	char id[80] = "";
	int r;

	if (!sn || !(sn->path = strdup(input)))
		return cli_error("out of memory");
	sn->transport = OCI_TRANSPORT_DIR;
	sn->source_index = -1;
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	xfer_printer_init(&pr, stderr, quiet, &o);
	r = img_src_open(sn, &io, &src, &err);
	if (r == 0)
		r = img_store_dst_open(s, NULL, &dst, &err);
	if (r == 0 && !pr.quiet)
		fprintf(stderr, "Getting image source signatures\n");
	if (r == 0)
		r = img_copy(src, dst, &o, NULL, &err);
	if (r == 0)
		snprintf(id, sizeof(id), "sha256:%s", img_store_dst_image_id(dst));
	img_dst_free(dst);
	img_src_free(src);
	xfer_printer_done(&pr);
	if (r < 0) {
		berr_prefix(&err, "load %s", input);
		return cli_fail(&err);
	}
	if (!pr.quiet)
		fprintf(stderr, "Storing signatures\n");
	struct store_event ev = {.type = "image", .action = "loadfromarchive", .id = id + 7};
	(void)store_event_emit(ctx->runroot, &ev, NULL);
	printf("Loaded image: %s\n", id);
	return 0;
}
