/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pull.c - `berth pull`: an image from a registry (or any transport) into the local store.
 *
 * Names resolve as podman resolves them: a transport-prefixed name is used as given; a fully
 * qualified reference names its registry; a short name goes through registries.conf's
 * [aliases], then each unqualified-search registry in turn (short-name-mode "enforcing"
 * refuses to guess among several without a terminal). Layers download in parallel and are
 * verified twice (while streaming, and by the store on ingest); the image exists only once
 * every layer is unpacked, so a failed pull leaves no image behind. The image id goes to
 * stdout at the end, progress to stderr, as podman does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/registries_conf.h"
#include "oci/reference.h"
#include "store/events.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "util/macro.h"

/* platform() - --platform os/arch[/variant], overridden by --os, --arch, --variant. */
static int platform(const struct cli_args *args, struct img_copy_opts *o, char **buf,
		    berth_error *err)
{
	const char *p = cli_str(args, "platform");

	if (p && *p) {
		if (!(*buf = strdup(p)))
			return berr(err, ENOMEM, "out of memory");
		char *arch = strchr(*buf, '/'), *variant;
		if (!arch || !arch[1])
			return berr(err, EINVAL, "invalid --platform %s: use OS/ARCH[/VARIANT]", p);
		*arch++ = 0;
		if ((variant = strchr(arch, '/')))
			*variant++ = 0;
		o->os = *buf;
		o->arch = arch;
		o->variant = variant;
	}
	if (cli_str(args, "os"))
		o->os = cli_str(args, "os");
	if (cli_str(args, "arch"))
		o->arch = cli_str(args, "arch");
	if (cli_str(args, "variant"))
		o->variant = cli_str(args, "variant");
	return 0;
}

/*
 * candidates() - the fully-qualified references to try for @arg, normalized ("docker.io/library/
 * busybox:latest"), in order. With several search registries and a terminal the user picks one
 * (short-name-mode enforcing or permissive), and *@ret_chosen says so; enforcing without a
 * terminal is an error, as in podman. *@ret_searched: the search registries were used unasked.
 */
static int candidates(const char *arg, char ***ret, bool *ret_chosen, bool *ret_searched,
		      berth_error *err)
{
	_cleanup_(registries_conf_freep) struct registries_conf *conf = NULL;
	_cleanup_(oci_ref_freep) oci_ref *ref = NULL;
	_cleanup_strv_free_ char **v = NULL;
	const char *alias = NULL;
	size_t n = 0;
	int r;

	r = oci_ref_parse(arg, 0, &ref, err);
	if (r < 0)
		return r;
	if (ref->domain) {
		oci_ref_free(ref);
		ref = NULL;
		r = oci_ref_parse(arg, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG, &ref, err);
		if (r < 0)
			return r;
		if (!(v = calloc(2, sizeof(char *))) || !(v[0] = oci_ref_string(ref)))
			return berr(err, ENOMEM, "out of memory");
		*ret = TAKE_PTR(v);
		return 0;
	}
	r = registries_conf_load(&conf, err);
	if (r < 0)
		return r;
	const char *suffix_tag = ref->tag ? ref->tag : ref->digest ? NULL : "latest";
	if (registries_conf_alias(conf, ref->path, &alias, NULL) == 0) {
		_cleanup_free_ char *full = NULL;
		if (asprintf(&full, "%s%s%s%s%s", alias, suffix_tag ? ":" : "",
			     suffix_tag ? suffix_tag : "", ref->digest ? "@" : "",
			     ref->digest ? ref->digest : "") < 0)
			return berr(err, ENOMEM, "out of memory");
		oci_ref_free(ref);
		ref = NULL;
		r = oci_ref_parse(full, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG, &ref, err);
		if (r < 0)
			return berr_prefix(err, "the alias of %s in registries.conf", arg);
		if (!(v = calloc(2, sizeof(char *))) || !(v[0] = oci_ref_string(ref)))
			return berr(err, ENOMEM, "out of memory");
		*ret = TAKE_PTR(v);
		return 0;
	}
	for (char **h = conf->search; *h; h++)
		n++;
	if (n == 0)
		return berr(
		    err, ENOENT,
		    "short-name \"%s\" did not resolve to an alias and no unqualified-search "
		    "registries are defined in registries.conf; use a full name such as "
		    "docker.io/%s",
		    arg, arg);
	bool prompt = n > 1 && conf->short_name_mode != SHORT_NAME_DISABLED && xfer_can_prompt();
	if (n > 1 && conf->short_name_mode == SHORT_NAME_ENFORCING && !prompt)
		return berr(err, EINVAL,
			    "short-name resolution enforced but cannot prompt without a TTY (pulling "
			    "\"%s\"; use a full name or an alias in registries.conf)",
			    arg);
	if (!(v = calloc(n + 1, sizeof(char *))))
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		_cleanup_(oci_ref_freep) oci_ref *c = NULL;
		r = oci_ref_new(conf->search[i], ref->path,
				ref->tag      ? ref->tag
				: ref->digest ? NULL
					      : "latest",
				ref->digest, &c, err);
		if (r == 0 && strcmp(conf->search[i], "docker.io") == 0 &&
		    !strchr(ref->path, '/')) {
			/* docker.io's official images live under library/ */
			oci_ref_free(c);
			c = NULL;
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "library/%s", ref->path) < 0)
				return berr(err, ENOMEM, "out of memory");
			r = oci_ref_new(conf->search[i], p,
					ref->tag      ? ref->tag
					: ref->digest ? NULL
						      : "latest",
					ref->digest, &c, err);
		}
		if (r < 0)
			return r;
		if (!(v[i] = oci_ref_string(c)))
			return berr(err, ENOMEM, "out of memory");
	}
	if (prompt) {
		size_t k;
		r = xfer_short_name_choose(v, n, &k, err);
		if (r < 0)
			return r;
		char *keep = TAKE_PTR(v[k]);
		strv_free(v);
		if (!(v = calloc(2, sizeof(char *)))) {
			free(keep);
			return berr(err, ENOMEM, "out of memory");
		}
		v[0] = keep;
		if (ret_chosen)
			*ret_chosen = true;
	} else if (ret_searched) {
		*ret_searched = true;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* remember() - a chosen short name goes into the alias cache (its repository, no tag). */
static void remember(const char *arg, const char *chosen)
{
	_cleanup_(oci_ref_freep) oci_ref *a = NULL, *c = NULL;
	_cleanup_free_ char *value = NULL;
	berth_error err = {0};

	if (oci_ref_parse(arg, 0, &a, NULL) < 0 || oci_ref_parse(chosen, 0, &c, NULL) < 0 ||
	    !(value = oci_ref_name(c)))
		return;
	if (xfer_short_name_record(a->path, value, &err) < 0)
		fprintf(stderr, "Warning: %s\n", err.msg);
}

struct puller {
	struct berth_ctx *ctx;
	struct cli_args *args;
	struct store *store;
	struct img_copy_opts o;
	struct xfer_printer pr;
};

/*
 * pull_one() - copy @src_name (transport:details) into the store as @local_name; @from, when
 * not NULL, is the registries.conf pull source @src_name stands for (its insecure setting).
 */
static int pull_one(struct puller *p, const char *src_name,
		    const struct registry_pull_source *from, const char *local_name,
		    char ret_id[STORE_ID_LEN + 1], berth_error *err)
{
	_cleanup_(oci_image_name_freep) oci_image_name *n = NULL;
	_cleanup_(img_src_freep) struct img_src *src = NULL;
	_cleanup_(img_dst_freep) struct img_dst *dst = NULL;
	_cleanup_free_ char *ref = NULL;
	struct xfer_side side = {0};
	int r;

	r = oci_image_name_parse(src_name, &n, err);
	if (r < 0)
		return r;
	if (n->transport == OCI_TRANSPORT_DOCKER && !(ref = img_docker_repo_string(n)))
		return berr(err, ENOMEM, "out of memory");
	r = xfer_side_init(&side, xfer_client(), p->args, &XFER_FLAGS, ref, "pull", true, err);
	if (r == 0 && from)
		xfer_side_source(&side, p->args, &XFER_FLAGS, from);
	if (r == 0)
		r = img_src_open(n, &side.img, &src, err);
	if (r == 0)
		r = img_store_dst_open(p->store, local_name, &dst, err);
	if (r == 0) {
		if (!p->pr.quiet)
			fprintf(stderr, "Getting image source signatures\n");
		r = img_copy(src, dst, &p->o, NULL, err);
		if (r == 0 && !p->pr.quiet)
			fprintf(stderr, "Storing signatures\n");
	}
	if (r == 0) {
		memcpy(ret_id, img_store_dst_image_id(dst), STORE_ID_LEN + 1);
		struct store_event ev = {
		    .type = "image", .action = "pull", .id = ret_id, .name = local_name};
		(void)store_event_emit(p->ctx->runroot, &ev, NULL);
	}
	xfer_side_done(&side);
	return r;
}

/* pull_resolved() - try each candidate in turn, as podman does for search registries. */
static int pull_resolved(struct puller *p, const char *arg, char ret_id[STORE_ID_LEN + 1],
			 berth_error *err)
{
	_cleanup_strv_free_ char **cands = NULL;
	bool chosen = false, searched = false;
	int r = candidates(arg, &cands, &chosen, &searched, err);

	if (r < 0)
		return r;
	if (searched && !p->pr.quiet) {
		_cleanup_free_ char *conf = NULL;
		_cleanup_strv_free_ char **dropins = NULL;
		if (registries_conf_paths(NULL, &conf, &dropins, NULL) == 0 && conf)
			fprintf(stderr, "Resolving \"%s\" using unqualified-search registries (%s)\n",
				arg, conf);
	}
	for (char **c = cands; *c; c++) {
		struct registry_pull_source *sources = NULL;
		size_t n_sources = 0;
		berth_error e1 = {0};
		if (!p->pr.quiet)
			fprintf(stderr, "Trying to pull %s...\n", *c);
		/* Mirrors first, then the registry itself; the image keeps the name asked for. */
		int rs = xfer_pull_sources(*c, "pull", &sources, &n_sources, &e1);
		r = rs;
		/* each source in turn until one works; the last one's error is reported */
		for (size_t i = 0; rs == 0 && i < n_sources; i++) {
			_cleanup_free_ char *src = NULL;
			berr_clear(&e1);
			if (asprintf(&src, "docker://%s", sources[i].ref) < 0) {
				r = berr(&e1, ENOMEM, "out of memory");
				break;
			}
			r = pull_one(p, src, &sources[i], *c, ret_id, &e1);
			if (r == 0)
				break;
		}
		registry_pull_sources_free(sources, n_sources);
		if (r == 0 && chosen)
			remember(arg, *c);
		if (r == 0)
			return 0;
		*err = e1;
		if (c[1] && !p->pr.quiet)
			fprintf(stderr, "Error: %s\n", e1.msg);
	}
	return r;
}

static int pull_all_tags(struct puller *p, const char *arg, berth_error *err)
{
	_cleanup_strv_free_ char **cands = NULL, **tags = NULL;
	_cleanup_(oci_ref_freep) oci_ref *ref = NULL;
	_cleanup_(reg_repo_freep) struct reg_repo *repo = NULL;
	_cleanup_free_ char *name = NULL;
	struct xfer_side side = {0};
	int r;

	r = candidates(arg, &cands, NULL, NULL, err);
	if (r == 0)
		r = oci_ref_parse(cands[0], OCI_REF_NORMALIZE, &ref, err);
	if (r < 0)
		return r;
	if (ref->digest || (ref->tag && strchr(arg, ':') && strrchr(arg, ':') > strrchr(arg, '/')))
		return berr(err, EINVAL,
			    "pull --all-tags %s: give a repository without tag or digest", arg);
	if (!(name = oci_ref_name(ref)))
		return berr(err, ENOMEM, "out of memory");
	r = xfer_side_init(&side, xfer_client(), p->args, &XFER_FLAGS, name, "pull", true, err);
	if (r == 0)
		r = reg_repo_open(xfer_client(), ref->domain, ref->path, &side.img.reg, name, &repo,
				  err);
	if (r == 0)
		r = reg_tags_list(repo, &tags, err);
	xfer_side_done(&side);
	for (char **t = tags; r == 0 && t && *t; t++) {
		_cleanup_free_ char *full = NULL, *src = NULL;
		char id[STORE_ID_LEN + 1];
		if (asprintf(&full, "%s:%s", name, *t) < 0 ||
		    asprintf(&src, "docker://%s", full) < 0)
			return berr(err, ENOMEM, "out of memory");
		r = pull_one(p, src, NULL, full, id, err);
		if (r == 0)
			printf("%s\n", id);
	}
	return r;
}

int cmd_pull(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *pbuf = NULL;
	const char *arg = cli_argv(args)[0];
	char id[STORE_ID_LEN + 1];
	berth_error err = {0};
	int r;

	struct puller p = {
	    .ctx = ctx,
	    .args = args,
	};
	xfer_printer_init(&p.pr, stderr, cli_flag(args, "quiet"), &p.o);
	if (!xfer_client())
		return cli_error("pull: cannot initialise libcurl");
	r = platform(args, &p.o, &pbuf, &err);
	if (r == 0)
		r = store_open(ctx->root, ctx->runroot, &s, &err);
	if (r < 0)
		return cli_fail(&err);
	p.store = s;
	if (cli_flag(args, "all-tags"))
		r = pull_all_tags(&p, arg, &err);
	else if (oci_image_name_has_transport(arg)) {
		_cleanup_(oci_image_name_freep) oci_image_name *n = NULL;
		_cleanup_free_ char *local = NULL;
		r = oci_image_name_parse(arg, &n, &err);
		if (r == 0 && n->ref)
			local = oci_ref_string(n->ref);
		else if (r == 0 && n->layout_ref)
			r = store_name_normalize(n->layout_ref, &local, &err);
		if (r == 0)
			r = pull_one(&p, arg, NULL, local, id, &err);
		if (r == 0)
			printf("%s\n", id);
	} else {
		r = pull_resolved(&p, arg, id, &err);
		if (r == 0)
			printf("%s\n", id);
	}
	xfer_printer_done(&p.pr);
	return r < 0 ? cli_fail(&err) : 0;
}
