/* SPDX-License-Identifier: Apache-2.0 */
/* pod_top.h - `pod top`: the processes of every running container of a pod, in one table. */
#ifndef BERTH_ENGINE_POD_TOP_H
#define BERTH_ENGINE_POD_TOP_H

#include <stddef.h>

#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/**
 * pod_top() - as ctr_top() (same descriptors, same rows; free them with ctr_top_free()) for
 * each running container of pod @ref, the infra first, under one header. A pod with no running
 * container is refused.
 */
int pod_top(struct berth_ctx *ctx, struct store *s, const char *ref, char *const *descs,
	    char ****ret_rows, size_t *ret_cols, berth_error *err);

#endif
