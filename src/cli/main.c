/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - entry point of the berth CLI (and of berth-transfer, which links the same table).
 *
 * Flow: global options → walk the command table to the deepest matching (sub)command → parse
 * that command's options (global options are accepted there too) → run its handler. Commands
 * flagged CLI_TRANSFER whose handler is not linked into this program (libcurl and libarchive
 * live only in berth-transfer) are handed over by exec'ing berth-transfer with the same argv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/log.h"

static bool word_matches(const struct cli_command *c, const char *word)
{
	size_t wl = strlen(word);

	if (strcmp(c->name, word) == 0)
		return true;
	for (const char *p = c->aliases; p && *p;) {
		size_t l = strcspn(p, ",");
		if (l == wl && strncmp(p, word, l) == 0)
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

static const struct cli_command *find_child(const struct cli_command *parent, const char *word)
{
	for (const struct cli_command *c = parent->subcommands; c && c->name; c++)
		if (word_matches(c, word))
			return c;
	return NULL;
}

static int exec_transfer(struct berth_ctx *ctx, char **argv)
{
	_cleanup_free_ char *path = berth_ctx_helper_path(ctx, "berth-transfer");

	if (!path)
		return cli_error("out of memory");
	/* GnuTLS comes in with libcurl (through librtmp) but berth never uses it: without this its
	 * constructor would read its configuration and start p11-kit at every start (~3 ms) */
	setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
	fflush(stdout);
	execv(path, argv);
	return cli_error("cannot run %s: %s; reinstall berth", path, strerror(errno));
}

int cli_exec_transfer(struct berth_ctx *ctx, struct cli_args *args)
{
	return exec_transfer(ctx, args->argv0);
}

static int keep_global_argv(struct berth_ctx *ctx, char **argv, int n)
{
	ctx->global_argv = calloc((size_t)n + 1, sizeof(char *));
	if (!ctx->global_argv)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (!(ctx->global_argv[i] = strdup(argv[i])))
			return -ENOMEM;
	return 0;
}

static int dup_path(const char *v, char **ret, berth_error *err)
{
	if (v[0] != '/')
		return berr(err, EINVAL, "%s must be an absolute path", v);
	*ret = strdup(v);
	return *ret ? 0 : berr(err, ENOMEM, "out of memory");
}

static int apply_globals(struct berth_ctx *ctx, const struct cli_args *g, berth_error *err)
{
	const char *v;
	int r;

	if ((v = cli_str(g, "log-level")) && log_set_level_name(v) < 0)
		return berr(err, EINVAL, "invalid --log-level %s: use error, warn, info, debug or trace", v);
	if ((v = cli_str(g, "root")) && (r = dup_path(v, &ctx->root, err)) < 0)
		return berr_prefix(err, "--root");
	if ((v = cli_str(g, "runroot")) && (r = dup_path(v, &ctx->runroot, err)) < 0)
		return berr_prefix(err, "--runroot");
	if ((v = cli_str(g, "storage-driver"))) {
		if (strcmp(v, "overlay") != 0 && strcmp(v, "vfs") != 0)
			return berr(err, EINVAL, "unsupported --storage-driver %s: use overlay or vfs", v);
		if (!(ctx->storage_driver = strdup(v)))
			return berr(err, ENOMEM, "out of memory");
	}
	return berth_ctx_init(ctx, err);
}

static int run_command(const struct cli_command *cmd, struct cli_args *args, struct cli_args *g,
		       int argc, char **argv)
{
	static const struct cli_option help_opt[] = {
		{ "help", 'h', CLI_BOOL, "Help for this command", NULL }, { NULL, 0, 0, NULL, NULL }
	};
	const struct cli_option *tables[] = { cmd->options ? cmd->options : help_opt, help_opt,
					      cli_global_options, NULL };
	struct berth_ctx ctx = { 0 };
	berth_error err = { 0 };
	int rc;

	args->cmd = cmd;
	bool stops = (cmd->flags & CLI_POSITIONAL_STOPS) != 0;
	int used = 0;
	if (cmd->flags & CLI_RAW_ARGS) {
		for (int i = 0; i < argc; i++)
			if (cli_args_push_positional(args, argv[i]) < 0)
				return cli_error("out of memory");
		used = argc;
	} else
		used = cli_args_parse(args, tables, argc, argv, stops, &err);
	if (used >= 0 && stops && used < argc) {
		/* run/create/exec: everything after the image is the container's command */
		char **rest = calloc((size_t)(argc - used) + 2, sizeof(char *));
		if (!rest)
			return cli_error("out of memory");
		rest[0] = (char *)"--";
		memcpy(rest + 1, argv + used, (size_t)(argc - used) * sizeof(char *));
		used = cli_args_parse(args, tables, argc - used + 1, rest, false, &err);
		free(rest);
	}
	if (used < 0 || cli_args_merge_globals(g, args, &err) < 0)
		return cli_fail(&err);
	if (cli_flag(args, "help") || (!cmd->handler && !(cmd->flags & CLI_TRANSFER))) {
		cli_print_help(cmd, args->path);
		return cli_flag(args, "help") ? 0 : 125;
	}
	if (cmd->min_args >= 0 && cli_argc(args) < cmd->min_args)
		return cli_error("%s requires at least %d argument%s\nSee '%s --help'", args->path,
				 cmd->min_args, cmd->min_args == 1 ? "" : "s", args->path);
	if (cmd->max_args >= 0 && cli_argc(args) > cmd->max_args)
		return cli_error("%s accepts at most %d argument%s\nSee '%s --help'", args->path,
				 cmd->max_args, cmd->max_args == 1 ? "" : "s", args->path);
	if (keep_global_argv(&ctx, args->argv0 + 1, args->global_end - 1) < 0)
		return cli_error("out of memory");
	if (apply_globals(&ctx, g, &err) < 0) {
		berth_ctx_done(&ctx);
		return cli_fail(&err);
	}
	if (!cmd->handler)
		rc = exec_transfer(&ctx, args->argv0);
	else
		rc = cmd->handler(&ctx, args);
	berth_ctx_done(&ctx);
	return rc;
}

int cli_main(int argc, char **argv)
{
	static const struct cli_option *const global_tables[] = { cli_global_options, NULL };
	struct cli_args g = { .cmd = &cli_root_command }, args = { 0 };
	const struct cli_command *cmd = &cli_root_command;
	berth_error err = { 0 };
	int i = 1, rc;

	strcpy(g.path, "berth");
	strcpy(args.path, "berth");
	args.argv0 = argv;
	/* Global options come before the first command word (and may come after it). */
	while (i < argc && argv[i][0] == '-') {
		int take = 1;
		const char *a = argv[i];
		for (const struct cli_option *x = cli_global_options; x->name; x++)
			if (x->type != CLI_BOOL && a[1] == '-' && strcmp(a + 2, x->name) == 0)
				take = 2;
		if (i + take > argc)
			take = argc - i;
		if (cli_args_parse(&g, global_tables, take, argv + i, false, &err) < 0) {
			cli_args_free(&g);
			return cli_fail(&err);
		}
		i += take;
	}
	args.global_end = i;
	if (cli_flag(&g, "version")) {
		printf("berth version %s\n", BERTH_VERSION);
		cli_args_free(&g);
		return 0;
	}
	while (i < argc && cmd->subcommands) {
		const struct cli_command *c = find_child(cmd, argv[i]);
		if (!c)
			break;
		cmd = c;
		size_t len = strlen(args.path);
		snprintf(args.path + len, sizeof(args.path) - len, " %s", c->name);
		i++;
	}
	if (cmd == &cli_root_command) {
		if (i < argc)
			rc = cli_error("unrecognized command `berth %s`\nTry 'berth --help' for more information",
				       argv[i]);
		else {
			cli_print_help(cmd, "berth");
			rc = cli_flag(&g, "help") ? 0 : 125;
		}
	} else
		rc = run_command(cmd, &args, &g, argc - i, argv + i);
	cli_args_free(&args);
	cli_args_free(&g);
	return rc;
}
