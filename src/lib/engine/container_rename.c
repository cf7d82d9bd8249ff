/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_rename.c - `rename` (see container_rename.h).
 */
#include "engine/container_rename.h"

#include <errno.h>
#include <stdlib.h>

#include "engine/container.h"
#include "engine/names.h"
#include "store/container.h"
#include "store/events.h"
#include "util/macro.h"

int ctr_rename(struct berth_ctx *ctx, struct store *s, const char *ref, const char *name,
	       berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *text = NULL;
	json_t *cfg;
	int r;

	if (!names_valid(name))
		return berr(err, EINVAL,
			    "invalid container name \"%s\": names must match "
			    "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
			    name);
	if ((r = store_container_lookup(s, ref, &c, err)) < 0)
		return r;
	if ((r = store_container_lock(s, c->id, &lock, err)) < 0)
		return r;
	cfg = ctr_config(c);
	json_object_set_new(cfg, "name", json_string(name));
	text = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	if (!text)
		return berr(err, ENOMEM, "out of memory");
	if ((r = store_container_rename(s, c->id, name, text, err)) < 0)
		return r;
	struct store_event ev = { .type = "container", .action = "rename", .id = c->id,
				  .name = name, .image = c->image_name };
	store_event_emit(ctx->runroot, &ev, NULL);
	return 0;
}
