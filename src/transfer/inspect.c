/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inspect.c - `berth inspect docker://REF` (skopeo inspect: --raw, --config) and
 * `berth manifest inspect REF` (podman's: the manifest or manifest list, indented).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "oci/digest.h"
#include "oci/reference.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

static int open_source(const struct cli_args *args, const char *arg, const char *op,
		       struct xfer_side *side, struct img_src **ret, berth_error *err)
{
	_cleanup_(oci_image_name_freep) oci_image_name *n = NULL;
	int r;

	if (!xfer_client())
		return berr(err, ENOMEM, "%s: cannot initialise libcurl", op);
	r = oci_image_name_parse(arg, &n, err);
	if (r < 0)
		return r;
	if (n->transport == OCI_TRANSPORT_DOCKER)
		return xfer_open_remote_src(args, &XFER_FLAGS, op, &n, side, ret, err);
	r = xfer_side_init(side, xfer_client(), args, &XFER_FLAGS, NULL, op, true, err);
	return r < 0 ? r : img_src_open(n, &side->img, ret, err);
}

/* image_manifest() - the image's manifest, narrowed to one platform when it is an index. */
static int image_manifest(struct img_src *src, const struct cli_args *args, char **body,
			  size_t *len, char **mt, struct img_manifest *ret, berth_error *err)
{
	struct img_manifest m = {0};
	int r;

	r = img_manifest_parse(*body, *len, *mt, src->name, &m, err);
	if (r < 0 || !m.is_index) {
		if (r == 0)
			*ret = m;
		return r;
	}
	r = img_pick_platform(&m, cli_str(args, "override-os"), cli_str(args, "override-arch"),
			      cli_str(args, "override-variant"), src->name, err);
	if (r >= 0) {
		_cleanup_free_ char *dg = strdup(m.descs[r].digest);
		free(*body);
		free(*mt);
		*body = *mt = NULL;
		r = dg ? src->ops->get_manifest(src, dg, body, len, mt, err)
		       : berr(err, ENOMEM, "out of memory");
	}
	img_manifest_done(&m);
	if (r < 0)
		return r;
	r = img_manifest_parse(*body, *len, *mt, src->name, &m, err);
	if (r == 0 && m.is_index) {
		img_manifest_done(&m);
		return berr(err, EBADMSG, "%s: nested manifest lists are not supported", src->name);
	}
	if (r == 0)
		*ret = m;
	return r;
}

static int read_config(struct img_src *src, const struct img_desc *d, char **ret, size_t *ret_len,
		       berth_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (d->size > (int64_t)REG_MAX_CONFIG)
		return berr(err, EFBIG, "%s: the image config is larger than %u bytes", src->name,
			    REG_MAX_CONFIG);
	r = src->ops->get_blob(src, d->digest, d->size, -1, NULL, NULL, &fd, err);
	if (r < 0)
		return r;
	return read_fd_all(fd, REG_MAX_CONFIG, ret, ret_len, err);
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (s) {
		printf("%s\n", s);
		free(s);
	}
}

static json_t *copy_or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

int cmd_inspect_remote(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_free_ char *body = NULL, *mt = NULL, *cfg = NULL, *name = NULL;
	struct xfer_side side = {0};
	struct img_manifest m = {0};
	char top_digest[OCI_DIGEST_SHA256_LEN + 1];
	berth_error err = {0};
	size_t len = 0, cfg_len = 0;
	const char *arg = cli_argv(args)[0];
	bool raw = cli_flag(args, "raw"), want_config = cli_flag(args, "config");
	json_t *config = NULL, *out = NULL, *cc, *tags, *layers, *ldata, *dv;
	const char *fmt;
	int r;

	(void)ctx;
	if (!oci_image_name_has_transport(arg))
		return cli_error("inspect %s: name a remote image with a transport, such as "
				 "docker://%s; local images are shown by berth image inspect",
				 arg, arg);
	r = open_source(args, arg, "inspect", &side, &src, &err);
	if (r == 0)
		r = src->ops->get_manifest(src, NULL, &body, &len, &mt, &err);
	if (r < 0)
		goto fail;
	oci_digest_of_buffer(body, len, top_digest);
	if (raw && !want_config) {
		fwrite(body, 1, len, stdout);
		goto done;
	}
	r = image_manifest(src, args, &body, &len, &mt, &m, &err);
	if (r == 0)
		r = read_config(src, &m.config, &cfg, &cfg_len, &err);
	if (r < 0)
		goto fail;
	if (raw) {
		fwrite(cfg, 1, cfg_len, stdout);
		goto done;
	}
	config = json_loadb(cfg, cfg_len, 0, NULL);
	if (!json_is_object(config)) {
		r = berr(&err, EBADMSG, "%s: the image config is not a JSON object", src->name);
		goto fail;
	}
	if (want_config) {
		print_json(config);
		goto done;
	}
	cc = json_object_get(config, "config");
	tags = json_array(), layers = json_array(), ldata = json_array();
	if (src->transport == OCI_TRANSPORT_DOCKER && !cli_flag(args, "no-tags")) {
		_cleanup_strv_free_ char **tv = NULL;
		r = reg_tags_list(src->repo, &tv, &err);
		if (r < 0) {
			json_decref(tags), json_decref(layers), json_decref(ldata);
			goto fail;
		}
		for (char **t = tv; t && *t; t++)
			json_array_append_new(tags, json_string(*t));
	}
	for (size_t i = 0; i < m.n; i++) {
		json_array_append_new(layers, json_string(m.descs[i].digest));
		json_array_append_new(ldata,
				      json_pack("{s:s,s:s,s:I,s:n}", "MIMEType",
						m.descs[i].media_type ? m.descs[i].media_type : "",
						"Digest", m.descs[i].digest, "Size",
						(json_int_t)m.descs[i].size, "Annotations"));
	}
	if (src->transport == OCI_TRANSPORT_DOCKER &&
	    asprintf(&name, "%s/%s", reg_repo_host(src->repo), reg_repo_name(src->repo)) < 0)
		name = NULL;
	out = json_object();
	json_object_set_new(out, "Name", json_string(name ? name : ""));
	json_object_set_new(out, "Digest", json_string(top_digest));
	json_object_set_new(out, "RepoTags", tags);
	json_object_set_new(out, "Created", copy_or_null(json_object_get(config, "created")));
	dv = json_object_get(config, "docker_version");
	json_object_set_new(out, "DockerVersion", dv ? json_incref(dv) : json_string(""));
	json_object_set_new(out, "Labels", copy_or_null(json_object_get(cc, "Labels")));
	json_object_set_new(out, "Architecture",
			    copy_or_null(json_object_get(config, "architecture")));
	json_object_set_new(out, "Os", copy_or_null(json_object_get(config, "os")));
	json_object_set_new(out, "Layers", layers);
	json_object_set_new(out, "LayersData", ldata);
	json_object_set_new(out, "Env", copy_or_null(json_object_get(cc, "Env")));
	fmt = cli_str(args, "format");
	if (fmt) {
		_cleanup_free_ char *line = xfer_render(fmt, out);
		if (!line) {
			r = berr(&err, EINVAL, "inspect: invalid --format template %s", fmt);
			goto fail;
		}
		printf("%s\n", line);
	} else
		print_json(out);
done:
	json_decref(out);
	json_decref(config);
	img_manifest_done(&m);
	xfer_side_done(&side);
	return 0;
fail:
	json_decref(out);
	json_decref(config);
	img_manifest_done(&m);
	xfer_side_done(&side);
	return cli_fail(&err);
}

int cmd_manifest_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_free_ char *body = NULL, *mt = NULL, *arg = NULL;
	struct xfer_side side = {0};
	berth_error err = {0};
	size_t len = 0;
	int r;

	(void)ctx;
	/* podman accepts a plain reference here and means the registry's copy */
	const char *a = cli_argv(args)[0];
	if (oci_image_name_has_transport(a))
		arg = strdup(a);
	else if (asprintf(&arg, "docker://%s", a) < 0)
		arg = NULL;
	if (!arg)
		return cli_error("out of memory");
	r = open_source(args, arg, "manifest inspect", &side, &src, &err);
	if (r == 0)
		r = src->ops->get_manifest(src, NULL, &body, &len, &mt, &err);
	xfer_side_done(&side);
	if (r < 0)
		return cli_fail(&err);
	if (cli_flag(args, "raw")) {
		fwrite(body, 1, len, stdout);
		return 0;
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	if (!j)
		return cli_error("manifest inspect %s: the manifest is not valid JSON", a);
	print_json(j);
	json_decref(j);
	return 0;
}
