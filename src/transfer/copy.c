/* SPDX-License-Identifier: Apache-2.0 */
/* copy.c - `berth copy SRC DEST`: skopeo's copy between docker://, oci: and dir:. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli/commands.h"
#include "oci/mediatype.h"
#include "oci/reference.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

static const struct xfer_flags SRC_FLAGS = {"src-tls-verify", "src-creds", "src-cert-dir",
					     "src-authfile"};

/* side_for() - registry options for one side of the copy (docker:// only). */
static int side_for(struct xfer_side *s, const oci_image_name *n, const struct cli_args *args,
		    bool src, berth_error *err)
{
	static const struct xfer_flags df = {"dest-tls-verify", "dest-creds", "dest-cert-dir",
					     "dest-authfile"};
	_cleanup_free_ char *ref =
	    n->transport == OCI_TRANSPORT_DOCKER ? img_docker_repo_string(n) : NULL;

	if (n->transport == OCI_TRANSPORT_DOCKER && !ref)
		return berr(err, ENOMEM, "out of memory");
	return xfer_side_init(s, xfer_client(), args, src ? &SRC_FLAGS : &df, ref, "copy", src,
			      err);
}

/* open_src()/open_dst() - a side of the copy; containers-storage: is berth's store. */
static int open_src(struct berth_ctx *ctx, struct store **st, const oci_image_name *n,
		    struct xfer_side *side, struct img_src **ret, berth_error *err)
{
	if (n->transport != OCI_TRANSPORT_CONTAINERS_STORAGE)
		return img_src_open(n, &side->img, ret, err);
	if (!*st && store_open(ctx->root, ctx->runroot, st, err) < 0)
		return err ? err->code : -EIO;
	_cleanup_free_ char *ref = n->id ? strdup(n->id) : n->ref ? oci_ref_string(n->ref) : NULL;
	if (!ref)
		return berr(err, EINVAL, "copy: name the image of containers-storage:");
	return img_store_src_open(*st, ref, ret, err);
}

static int open_dst(struct berth_ctx *ctx, struct store **st, const oci_image_name *n,
		    struct xfer_side *side, struct img_dst **ret, berth_error *err)
{
	if (n->transport != OCI_TRANSPORT_CONTAINERS_STORAGE)
		return img_dst_open(n, &side->img, ret, err);
	if (!*st && store_open(ctx->root, ctx->runroot, st, err) < 0)
		return err ? err->code : -EIO;
	_cleanup_free_ char *name = n->ref ? oci_ref_string(n->ref) : NULL;
	return img_store_dst_open(*st, name, ret, err);
}

/* layout_path() - the directory an oci:/dir: destination would create, when it does not exist. */
static char *new_layout_path(const oci_image_name *n)
{
	if ((n->transport != OCI_TRANSPORT_OCI && n->transport != OCI_TRANSPORT_DIR) ||
	    access(n->path, F_OK) == 0)
		return NULL;
	return strdup(n->path);
}


/*
 * dest_compress() - --dest-compress-format recompresses the layers not in that format; without
 * it, the uncompressed layers of a docker-archive are gzip'd on their way to a registry, as
 * skopeo does.
 */
static int dest_compress(struct img_src **src, const oci_image_name *dn, const char *format,
			 berth_error *err)
{
	if (format && strcmp(format, "gzip") != 0 && strcmp(format, "zstd") != 0)
		return berr(err, EINVAL, "unsupported --dest-compress-format %s: use gzip or zstd",
			    format);
	if (format)
		return img_recompress_src_open(TAKE_PTR(*src), format, false, src, err);
	if ((*src)->transport == OCI_TRANSPORT_DOCKER_ARCHIVE &&
	    dn->transport == OCI_TRANSPORT_DOCKER)
		return img_recompress_src_open(TAKE_PTR(*src), "gzip", true, src, err);
	return 0;
}

int cmd_copy(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(oci_image_name_freep) oci_image_name *sn = NULL, *dn = NULL;
	_cleanup_store_ struct store *st = NULL;
	_cleanup_free_ char *created = NULL;
	struct img_src *src = NULL;
	struct img_dst *dst = NULL;
	struct xfer_side ss = {0}, ds = {0};
	struct xfer_printer pr;
	berth_error err = {0};
	int r;

	if (!xfer_client())
		return cli_error("copy: cannot initialise libcurl");
	if (oci_image_name_parse(cli_argv(args)[0], &sn, &err) < 0 ||
	    oci_image_name_parse(cli_argv(args)[1], &dn, &err) < 0)
		return cli_fail(&err);
	struct img_copy_opts o = {
	    .all = cli_flag(args, "all"),
	    .os = cli_str(args, "override-os"),
	    .arch = cli_str(args, "override-arch"),
	    .variant = cli_str(args, "override-variant"),
	};
	/* as skopeo: an OCI layout holds OCI manifests, the only ones other tools read there */
	if (!o.all &&
	    (dn->transport == OCI_TRANSPORT_OCI || dn->transport == OCI_TRANSPORT_OCI_ARCHIVE))
		o.manifest_type = OCI_MT_MANIFEST;
	xfer_printer_init(&pr, stdout, cli_flag(args, "quiet"), &o);
	created = new_layout_path(dn);
	if (sn->transport == OCI_TRANSPORT_DOCKER) {
		r = xfer_open_remote_src(args, &SRC_FLAGS, "copy", &sn, &ss, &src, &err);
	} else {
		r = side_for(&ss, sn, args, true, &err);
		if (r == 0)
			r = open_src(ctx, &st, sn, &ss, &src, &err);
	}
	if (r == 0)
		r = side_for(&ds, dn, args, false, &err);
	if (r == 0)
		r = dest_compress(&src, dn, cli_str(args, "dest-compress-format"), &err);
	if (r == 0)
		r = open_dst(ctx, &st, dn, &ds, &dst, &err);
	if (r == 0 && !pr.quiet)
		printf("Getting image source signatures\n");
	if (r == 0)
		r = img_copy(src, dst, &o, NULL, &err);
	if (r == 0 && !pr.quiet)
		printf("Storing signatures\n"); /* skopeo's last line */
	/* the store's lock goes with the destination: free both before the store closes */
	img_dst_free(dst);
	img_src_free(src);
	xfer_side_done(&ss);
	xfer_side_done(&ds);
	xfer_printer_done(&pr);
	/* a failed copy leaves no half-written layout behind */
	if (r < 0 && created)
		(void)rm_rf_at(AT_FDCWD, created, NULL);
	return r < 0 ? cli_fail(&err) : 0;
}
