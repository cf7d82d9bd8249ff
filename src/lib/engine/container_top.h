/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_top.h - `top`: the processes of a running container (those in its pid namespace),
 * with ps-style format descriptors read from /proc: pid, ppid, user, group, comm, args, etime,
 * time, pcpu, tty, nice, pgid, vsz, rss, state, hpid (host pid), huser (host uid).
 * Users and groups are named from the container's /etc/passwd and /etc/group.
 */
#ifndef BERTH_ENGINE_CONTAINER_TOP_H
#define BERTH_ENGINE_CONTAINER_TOP_H

#include <stddef.h>

#include "engine/context.h"
#include "store/store.h"
#include "util/error.h"

/** ctr_top_valid() - whether @desc is a known descriptor. */
int ctr_top_valid(const char *desc);

/**
 * ctr_top() - rows of the table for @descs (NULL-terminated; the default set when NULL or
 * empty): row 0 is the header. *@ret_rows is NULL-terminated arrays of @ret_cols strings;
 * free it with ctr_top_free().
 */
int ctr_top(struct berth_ctx *ctx, struct store *s, const char *ref, char *const *descs,
	    char ****ret_rows, size_t *ret_cols, berth_error *err);

void ctr_top_free(char ***rows);

#endif
