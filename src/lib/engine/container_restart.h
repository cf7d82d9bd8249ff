/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_restart.h - restart policies (--restart no|on-failure[:N]|always|unless-stopped),
 * kept in the create options as "restart" and carried out by `berth container cleanup` after
 * each exit: with a backoff (100 ms doubling per restart, at most 5 s) and restart_count in
 * the record. An explicit `stop` leaves a marker (<runroot>/containers/<id>/stopped holding the
 * start time it stopped) so that this exit is not restarted.
 */
#ifndef BERTH_ENGINE_CONTAINER_RESTART_H
#define BERTH_ENGINE_CONTAINER_RESTART_H

#include <stdbool.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

/**
 * ctr_restart_policy_parse() - check a --restart value; @ret_max gets N of on-failure:N
 * (0: unlimited). @ret_name (may be NULL) points into a static string.
 */
int ctr_restart_policy_parse(const char *spec, const char **ret_name, int *ret_max,
			     berth_error *err);

/** ctr_restart_policy() - the policy name of @c ("no" when none was given). */
const char *ctr_restart_policy(const struct store_container *c);

/** ctr_restart_mark_stopped() - `stop` was asked for container @c (called by ctr_stop). */
void ctr_restart_mark_stopped(const struct berth_ctx *ctx, const struct store_container *c);

/**
 * ctr_restart_after_exit() - after `container cleanup` of @id recorded an exit: start the
 * container again when its policy asks for it. Returns 1 when restarted, 0 when not.
 */
int ctr_restart_after_exit(struct berth_ctx *ctx, struct store *s, const char *id,
			   berth_error *err);

#endif
