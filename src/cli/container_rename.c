/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_rename.c (living) - `rename CONTAINER NAME` (also `container rename`).
 */
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container_rename.h"
#include "store/store.h"

int cmd_rename(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	int rc = cli_open_store(ctx, &s);

	if (rc)
		return rc;
	if (ctr_rename(ctx, s, cli_argv(args)[0], cli_argv(args)[1], &err) < 0)
		rc = cli_fail(&err);
	store_close(s);
	return rc;
}
