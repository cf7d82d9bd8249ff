/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_pool.c - the store handles berth-api keeps open between requests. Opening a store per
 * request cost more than the request itself (folders checked, the database and its WAL index
 * opened, the WAL index rebuilt frame by frame). A handle is used by one thread at a time
 * (SQLite connections are opened without their own mutex); idle ones wait here.
 */
#include <errno.h>
#include <pthread.h>
#include "api/api.h"
#include "util/macro.h"

/* enough for the requests two cores serve at once, with streams holding theirs */
#define POOL_MAX 8

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store *idle[POOL_MAX];
static size_t nidle;

int api_store_get(struct store **ret, berth_error *err)
{
	for (;;) {
		struct store *s = NULL;

		pthread_mutex_lock(&pool_lock);
		if (nidle)
			s = idle[--nidle];
		pthread_mutex_unlock(&pool_lock);
		if (!s)
			break;
		/* checked again here: the store may have been replaced while the handle waited */
		if (store_recycle(s)) {
			*ret = s;
			return 0;
		}
		store_close(s);
	}
	return store_open(api_ctx.root, api_ctx.runroot, ret, err);
}

void api_store_put(struct store *s)
{
	if (!s)
		return;
	if (store_recycle(s)) {
		pthread_mutex_lock(&pool_lock);
		if (nidle < POOL_MAX)
			idle[nidle++] = TAKE_PTR(s);
		pthread_mutex_unlock(&pool_lock);
	}
	store_close(s);
}

void api_store_pool_done(void)
{
	pthread_mutex_lock(&pool_lock);
	while (nidle)
		store_close(idle[--nidle]);
	pthread_mutex_unlock(&pool_lock);
}
