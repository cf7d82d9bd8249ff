/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commands.h - every command handler and option table, one block per command-group file.
 * Handlers of CLI_TRANSFER commands are weak: berth does not link them and execs
 * berth-transfer instead (see main.c).
 */
#ifndef BERTH_CLI_COMMANDS_H
#define BERTH_CLI_COMMANDS_H

#include "cli/cli.h"

#define TRANSFER_HANDLER __attribute__((weak))

/* system.c */
extern const struct cli_option cmd_version_options[];
int cmd_version(struct berth_ctx *ctx, struct cli_args *args);

#endif
