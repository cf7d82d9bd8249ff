/* SPDX-License-Identifier: Apache-2.0 */
/* system.c - version, info and the system command group. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/cli.h"
#include "cli/commands.h"

const struct cli_option cmd_version_options[] = {
	{ "format", 'f', CLI_STRING, "Change the output format to JSON or a Go template", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_version(struct berth_ctx *ctx, struct cli_args *args)
{
	struct utsname u;

	(void)ctx;
	(void)args;
	uname(&u);
	printf("Client:       berth\nVersion:      %s\nAPI Version:  %s\nOS/Arch:      linux/%s\n",
	       BERTH_VERSION, BERTH_VERSION, strcmp(u.machine, "x86_64") == 0 ? "amd64" : u.machine);
	return 0;
}
