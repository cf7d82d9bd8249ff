/* SPDX-License-Identifier: Apache-2.0 */
/* help.c - --help text generated from the command table. */
#include <stdio.h>
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
		printf("\nAvailable Commands:\n");
		for (const struct cli_command *c = cmd->subcommands; c->name; c++)
			if (!(c->flags & CLI_HIDDEN))
				printf("  %-14s %s\n", c->name, c->summary ? c->summary : "");
	}
	if (cmd == &cli_root_command)
		print_options("Options", cli_global_options);
	else
		print_options("Options", cmd->options);
}
