/* SPDX-License-Identifier: Apache-2.0 */
/* help.c - --help text generated from the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void print_options(const char *title, const struct cli_option *opts)
{
	if (!opts || !opts->name)
		return;
	printf("\n%s:\n", title);
	for (const struct cli_option *o = opts; o->name; o++) {
		char left[64];
		const char *arg = o->type == CLI_BOOL ? "" : o->type == CLI_INT ? " int" : " string";
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s", o->short_name, o->name, arg);
		else
			snprintf(left, sizeof(left), "    --%s%s", o->name, arg);
		printf("  %-28s %s", left, o->help ? o->help : "");
		if (o->def)
			printf(" (default \"%s\")", o->def);
		putchar('\n');
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct cli_command *const *)a)->name,
		      (*(const struct cli_command *const *)b)->name);
}

void cli_print_help(const struct cli_command *cmd, const char *path)
{
	printf("%s\n\nUsage:\n  %s", cmd->summary ? cmd->summary : "", path);
	if (cmd->subcommands && !cmd->handler)
		printf(" [command]\n");
	else
		printf(" %s\n", cmd->usage ? cmd->usage : "[options]");
	if (cmd->aliases)
		printf("\nAliases:\n  %s, %s\n", cmd->name, cmd->aliases);
	if (cmd->subcommands) {
		/* Alphabetical, as podman lists them. */
		const struct cli_command *list[256];
		size_t n = 0;
		for (const struct cli_command *c = cmd->subcommands; c->name && n < 256; c++)
			if (!(c->flags & CLI_HIDDEN))
				list[n++] = c;
		qsort(list, n, sizeof(list[0]), by_name);
		printf("\nAvailable Commands:\n");
		for (size_t i = 0; i < n; i++)
			printf("  %-14s %s\n", list[i]->name, list[i]->summary ? list[i]->summary : "");
	}
	if (cmd == &cli_root_command)
		print_options("Options", cli_global_options);
	else
		print_options("Options", cmd->options);
}
