/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/context.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/containers_conf.h"
#include "config/paths.h"
#include "config/storage_conf.h"
#include "util/macro.h"

static char *self_bindir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return strdup("/usr/bin");
	buf[n] = '\0';
	return strdup(dirname(buf));
}

static int take_str(char **dst, const char *src)
{
	if (*dst || !src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/*
 * What storage.conf says fills what the command line left open. A user's store comes from
 * rootless_storage_path; graphroot and runroot are root's (storage_conf.h says which files
 * may set them) unless the file was named by $CONTAINERS_STORAGE_CONF, as for podman.
 */
static int apply_storage_conf(struct berth_ctx *ctx, berth_error *err)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = NULL;
	const char *env = getenv("CONTAINERS_STORAGE_CONF");
	bool named = env && *env;
	int r;

	r = storage_conf_load(&c, err);
	if (r < 0)
		return r;
	const char *root = ctx->rootless ? c->rootless_storage_path : c->graphroot;
	if (ctx->rootless && !root && named)
		root = c->graphroot;
	const char *runroot = !ctx->rootless || named ? c->runroot : NULL;
	if (take_str(&ctx->root, root) < 0 || take_str(&ctx->runroot, runroot) < 0 ||
	    take_str(&ctx->storage_driver, c->driver) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int berth_ctx_init(struct berth_ctx *ctx, berth_error *err)
{
	int r;

	ctx->uid = getuid();
	ctx->gid = getgid();
	ctx->rootless = ctx->uid != 0;
	if (ctx->root || ctx->runroot)
		ctx->explicit_root = true;
	if (!ctx->root || !ctx->runroot || !ctx->storage_driver) {
		r = apply_storage_conf(ctx, err);
		if (r < 0)
			return r;
	}
	if (!ctx->root) {
		r = paths_default_storage_root(ctx->rootless, &ctx->root, err);
		if (r < 0)
			return r;
	}
	if (!ctx->runroot) {
		r = paths_default_run_root(ctx->rootless, &ctx->runroot, err);
		if (r < 0)
			return r;
	}
	if (!ctx->storage_driver)
		ctx->storage_driver = strdup("overlay");
	if (!ctx->bindir)
		ctx->bindir = self_bindir();
	if (!ctx->storage_driver || !ctx->bindir)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

void berth_ctx_done(struct berth_ctx *ctx)
{
	free(ctx->root);
	free(ctx->runroot);
	free(ctx->storage_driver);
	free(ctx->log_level);
	free(ctx->bindir);
	strv_free(ctx->global_argv);
	memset(ctx, 0, sizeof(*ctx));
}

char *berth_ctx_helper_path(const struct berth_ctx *ctx, const char *program)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", ctx->bindir, program) < 0)
		return NULL;
	return p;
}

int berth_ctx_conf(const struct berth_ctx *ctx, const struct containers_conf **ret,
		   berth_error *err)
{
	(void)ctx; /* one file set per process: containers_conf_get() caches it */
	return containers_conf_get(ret, err);
}
