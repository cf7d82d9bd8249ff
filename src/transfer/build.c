/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"
#include "cli/commands.h"

TRANSFER_HANDLER int cmd_build(struct berth_ctx *ctx, struct cli_args *args)
{
	(void)ctx;
	(void)args;
	return cli_error("build: not implemented yet");
}
