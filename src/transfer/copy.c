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

/* side_for() - registry options for @n (docker:// only), with the flags of one side. */
static int side_for(struct xfer_side *s, const oci_image_name *n, const struct cli_args *args,
		    bool src, berth_error *err)
{
	const char *host = n->transport == OCI_TRANSPORT_DOCKER ? n->ref->domain : NULL;
	const char *af = cli_str(args, src ? "src-authfile" : "dest-authfile");
	int r = xfer_side_init(s, xfer_client(), args, src ? "src-tls-verify" : "dest-tls-verify",
			       src ? "src-creds" : "dest-creds",
			       src ? "src-cert-dir" : "dest-cert-dir", NULL, "copy", err);
	if (r < 0 || !host || s->username)
		return r;
	_cleanup_free_ char *path = af ? strdup(af) : xfer_auth_file(args, false);
	r = xfer_auth_lookup(path, host, &s->username, &s->password, err);
	if (r < 0)
		return r;
	s->img.reg.username = s->username;
	s->img.reg.password = s->password;
	return 0;
}

int cmd_copy(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(oci_image_name_freep) oci_image_name *sn = NULL, *dn = NULL;
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_(img_dst_freep) struct img_dst *dst = NULL;
	struct xfer_side ss = { 0 }, ds = { 0 };
	struct xfer_printer pr = { .out = stdout, .quiet = cli_flag(args, "quiet") };
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
		.event = xfer_print_event,
		.ud = &pr,
	};
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
	return r < 0 ? cli_fail(&err) : 0;
}
