/* SPDX-License-Identifier: Apache-2.0 */
/*
 * push.c - `berth push IMAGE [DESTINATION]`: an image of the local store to a registry (or any
 * transport). Blobs go up exactly as stored (no recompression), each skipped when the registry
 * has it; --format converts the manifest between OCI and Docker schema2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "oci/mediatype.h"
#include "oci/reference.h"
#include "store/events.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

/* destination() - "transport:details" for DEST (default: the image's own name). */
static int destination(const char *image, const char *dest, char **ret, berth_error *err)
{
	_cleanup_(oci_ref_freep) oci_ref *ref = NULL;
	const char *d = dest ? dest : image;
	int r;

	if (oci_image_name_has_transport(d)) {
		*ret = strdup(d);
		return *ret ? 0 : berr(err, ENOMEM, "out of memory");
	}
	r = oci_ref_parse(d, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG, &ref, err);
	if (r < 0)
		return r;
	if (strcmp(ref->domain, "localhost") == 0)
		return berr(
		    err, EINVAL,
		    "push %s: localhost/ names a local image, not a registry; give a destination "
		    "such as HOST:PORT/%s",
		    d, ref->path);
	_cleanup_free_ char *s = oci_ref_string(ref);
	if (!s || asprintf(ret, "docker://%s", s) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

static int manifest_format(const char *f, const char **ret, berth_error *err)
{
	*ret = NULL;
	if (!f)
		return 0;
	if (strcmp(f, "oci") == 0)
		*ret = OCI_MT_MANIFEST;
	else if (strcmp(f, "v2s2") == 0 || strcmp(f, "docker") == 0)
		*ret = DOCKER_MT_MANIFEST;
	else
		return berr(err, EINVAL, "unsupported --format %s: use oci or v2s2", f);
	return 0;
}

/*
 * compression() - --compression-format: the layers not in that format are recompressed (the
 * source is wrapped); layers already in it are pushed as stored.
 */
static int compression(struct img_src **src, const char *want, berth_error *err)
{
	if (!want)
		return 0;
	if (strcmp(want, "gzip") != 0 && strcmp(want, "zstd") != 0)
		return berr(err, EINVAL, "unsupported --compression-format %s: use gzip or zstd",
			    want);
	return img_recompress_src_open(TAKE_PTR(*src), want, false, src, err);
}

int cmd_push(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_(img_dst_freep) struct img_dst *dst = NULL;
	_cleanup_(oci_image_name_freep) oci_image_name *dn = NULL;
	_cleanup_free_ char *dest = NULL, *ref = NULL, *digest = NULL;
	const char *image = cli_argv(args)[0];
	struct xfer_printer pr;
	struct img_copy_opts o = {0};
	struct xfer_side side = {0};
	berth_error err = {0};
	int r;

	if (!xfer_client())
		return cli_error("push: cannot initialise libcurl");
	xfer_printer_init(&pr, stderr, cli_flag(args, "quiet"), &o);
	r = manifest_format(cli_str(args, "format"), &o.manifest_type, &err);
	if (r == 0)
		r = destination(image, cli_argc(args) > 1 ? cli_argv(args)[1] : NULL, &dest, &err);
	if (r == 0)
		r = oci_image_name_parse(dest, &dn, &err);
	if (r == 0)
		r = store_open(ctx->root, ctx->runroot, &s, &err);
	if (r == 0)
		r = img_store_src_open(s, image, &src, &err);
	if (r == 0)
		r = compression(&src, cli_str(args, "compression-format"), &err);
	if (r == 0 && dn->transport == OCI_TRANSPORT_DOCKER && !(ref = img_docker_repo_string(dn)))
		r = berr(&err, ENOMEM, "out of memory");
	if (r == 0)
		r = xfer_side_init(&side, xfer_client(), args, &XFER_FLAGS, ref, "push", false,
				   &err);
	if (r == 0) {
		/* messages name the image as the user wrote the destination */
		if (dn->transport == OCI_TRANSPORT_DOCKER)
			r = img_docker_dst_open(dn, &side.img, &dst, &err);
		else
			r = img_dst_open(dn, &side.img, &dst, &err);
	}
	if (r == 0) {
		if (!pr.quiet)
			fprintf(stderr, "Getting image source signatures\n");
		r = img_copy(src, dst, &o, &digest, &err);
		if (r == 0 && !pr.quiet)
			fprintf(stderr, "Storing signatures\n"); /* podman's last line */
	}
	xfer_side_done(&side);
	xfer_printer_done(&pr);
	if (r == 0 && cli_str(args, "digestfile"))
		r = write_file_atomic_at(AT_FDCWD, cli_str(args, "digestfile"), digest,
					 strlen(digest), 0644, &err);
	if (r < 0)
		return cli_fail(&err);
	struct store_event ev = {.type = "image", .action = "push", .name = dest};
	(void)store_event_emit(ctx->runroot, &ev, NULL);
	return 0;
}
