/* SPDX-License-Identifier: Apache-2.0 */
/* pod_top.c - the processes of a pod's containers (see pod_top.h). */
#include "engine/pod_top.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container.h"
#include "engine/container_top.h"
#include "store/pod.h"
#include "util/macro.h"

/* Moves the rows of one container's table (@rows) to @all, whose first table gave the header. */
static int append_rows(char ****all, size_t *n, char ***rows, berth_error *err)
{
	size_t k = 0, start = *n ? 1 : 0;
	char ***grown;

	while (rows[k])
		k++;
	grown = realloc(*all, (*n + k + 1) * sizeof(char **));
	if (!grown) {
		ctr_top_free(rows);
		return berr(err, ENOMEM, "out of memory");
	}
	*all = grown;
	for (size_t i = start; i < k; i++)
		grown[(*n)++] = rows[i];
	grown[*n] = NULL;
	if (start && k > 0) { /* a header we already have */
		for (size_t j = 0; rows[0][j]; j++)
			free(rows[0][j]);
		free(rows[0]);
	}
	free(rows);
	return 0;
}

int pod_top(struct berth_ctx *ctx, struct store *s, const char *ref, char *const *descs,
	    char ****ret_rows, size_t *ret_cols, berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	char ***all = NULL;
	size_t n = 0, ncols = 0;
	int r;

	r = store_pod_lookup(s, ref, &p, err);
	if (r >= 0)
		r = store_pod_container_ids(s, p->id, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(store_container_freep) struct store_container *c = NULL;
		char ***rows = NULL;
		if (ctr_get(ctx, s, ids[i], &c, NULL) < 0 || strcmp(c->state, "running") != 0)
			continue;
		r = ctr_top(ctx, s, ids[i], descs, &rows, &ncols, err);
		if (r == -ESRCH)
			continue; /* exited meanwhile */
		if (r < 0 || (r = append_rows(&all, &n, rows, err)) < 0) {
			ctr_top_free(all);
			return r;
		}
	}
	if (!all)
		return berr(err, EINVAL, "pod %s has no running containers; start it first",
			    p->name);
	*ret_rows = all;
	*ret_cols = ncols;
	return 0;
}
