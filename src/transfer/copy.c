/* SPDX-License-Identifier: Apache-2.0 */
/* copy.c - `berth copy SRC DEST`: skopeo's copy between docker://, oci: and dir:. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "oci/reference.h"
#include "transfer/transfer.h"
#include "util/macro.h"

/* side_for() - registry options for one side of the copy (docker:// only). */
static int side_for(struct xfer_side *s, const oci_image_name *n, const struct cli_args *args,
		    bool src, berth_error *err)
{
	static const struct xfer_flags sf = { "src-tls-verify", "src-creds", "src-cert-dir",
					      "src-authfile" };
	static const struct xfer_flags df = { "dest-tls-verify", "dest-creds", "dest-cert-dir",
					      "dest-authfile" };
	_cleanup_free_ char *ref = n->transport == OCI_TRANSPORT_DOCKER ? img_docker_repo_string(n)
									  : NULL;

	if (n->transport == OCI_TRANSPORT_DOCKER && !ref)
		return berr(err, ENOMEM, "out of memory");
	return xfer_side_init(s, xfer_client(), args, src ? &sf : &df, ref, "copy", src, err);
}

int cmd_copy(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(oci_image_name_freep) oci_image_name *sn = NULL, *dn = NULL;
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_(img_dst_freep) struct img_dst *dst = NULL;
	struct xfer_side ss = { 0 }, ds = { 0 };
	struct xfer_printer pr;
	berth_error err = { 0 };
	int r;

	(void)ctx;
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
	xfer_printer_init(&pr, stdout, cli_flag(args, "quiet"), &o);
	r = side_for(&ss, sn, args, true, &err);
	if (r == 0)
		r = side_for(&ds, dn, args, false, &err);
	if (r == 0)
		r = img_src_open(sn, &ss.img, &src, &err);
	if (r == 0)
		r = img_dst_open(dn, &ds.img, &dst, &err);
	if (r == 0 && !pr.quiet)
		printf("Getting image source signatures\n");
	if (r == 0)
		r = img_copy(src, dst, &o, NULL, &err);
	xfer_side_done(&ss);
	xfer_side_done(&ds);
	xfer_printer_done(&pr);
	return r < 0 ? cli_fail(&err) : 0;
}
