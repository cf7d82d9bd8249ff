/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service.c - `berth system service [--time SECONDS] [URI]`: the REST API lives in its own
 * program (berth-api links libmicrohttpd and threads), so this only execs it next to berth,
 * passing the global options (the store) and the service's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/macro.h"

const struct cli_option cmd_system_service_options[] = {
	{ "time", 't', CLI_INT, "Time until the service exits when idle, in seconds (0 = never)",
	  "5" },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_system_service(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_free_ char *path = berth_ctx_helper_path(ctx, "berth-api");
	_cleanup_free_ char **argv = NULL;
	size_t n = 0, g = 0;
	long t = cli_int(args, "time", 5);
	char tbuf[32];

	if (!path)
		return cli_error("out of memory");
	if (t < 0)
		return cli_error("system service: --time must be 0 (never exit) or more seconds");
	while (ctx->global_argv && ctx->global_argv[g])
		g++;
	argv = calloc(g + 6, sizeof(char *));
	if (!argv)
		return cli_error("out of memory");
	argv[n++] = path;
	for (size_t i = 0; i < g; i++)
		argv[n++] = ctx->global_argv[i];
	snprintf(tbuf, sizeof(tbuf), "--time=%ld", t);
	argv[n++] = tbuf;
	if (cli_argc(args) > 0)
		argv[n++] = cli_argv(args)[0];
	execv(path, argv);
	return cli_error("cannot run %s: %s; reinstall berth", path, strerror(errno));
}
