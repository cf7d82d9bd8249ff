/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commands.c - the one table of berth's commands. Parsing, --help and completion all read it.
 * Handlers live in one file per command group (images.c, containers.c, ...); the options of a
 * command are declared next to its handler and referenced here.
 */
#include <stddef.h>

#include "cli/cli.h"
#include "cli/commands.h"

const struct cli_option cli_global_options[] = {
	{ "root", 0, CLI_STRING, "Path to the root directory in which data, including images, is stored", NULL },
	{ "runroot", 0, CLI_STRING, "Path to the 'run directory' where all state information is stored", NULL },
	{ "storage-driver", 0, CLI_STRING, "Select which storage driver is used to manage storage of images and containers (overlay, vfs)", NULL },
	{ "storage-opt", 0, CLI_LIST, "Used to pass an option to the storage driver", NULL },
	{ "log-level", 0, CLI_STRING, "Log messages above specified level (trace, debug, info, warn, error)", "warn" },
	{ "cgroup-manager", 0, CLI_STRING, "Cgroup manager to use (cgroupfs; accepted for podman compatibility)", NULL },
	{ "events-backend", 0, CLI_STRING, "Events backend to use (file; accepted for podman compatibility)", NULL },
	{ "runtime", 0, CLI_STRING, "Path to an external OCI runtime (default: berth's built-in runtime)", NULL },
	{ "help", 'h', CLI_BOOL, "Help for berth", NULL },
	{ "version", 'v', CLI_BOOL, "Version of berth", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_command top_commands[] = {
	{ "version", NULL, "Display the berth version information", "[options]", cmd_version_options,
	  cmd_version, NULL, 0, 0, 0, NULL },
	{ "completion", NULL, "Generate shell autocompletions", "bash", NULL, cli_completion, NULL, 1, 1,
	  0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

const struct cli_command cli_root_command = {
	"berth", NULL, "Manage pods, containers and images, without a daemon", "[options] [command]",
	cli_global_options, NULL, top_commands, 0, -1, 0, NULL,
};
