/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_restart.c - restart policies after each exit (see container_restart.h).
 */
#include "engine/container_restart.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/container_pause.h"
#include "store/events.h"
#include "util/fileio.h"
#include "util/macro.h"

#define STOPPED_FILE "stopped"
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

int ctr_restart_policy_parse(const char *spec, const char **ret_name, int *ret_max,
			     berth_error *err)
{
	static const char *const names[] = { "no", "always", "unless-stopped", "on-failure" };

	if (ret_max)
		*ret_max = 0;
	if (!spec)
		spec = "no";
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(spec, names[i], n) != 0)
			continue;
		if (spec[n] == '\0') {
			if (ret_name)
				*ret_name = names[i];
			return 0;
		}
		if (i == 3 && spec[n] == ':') {
			char *end;
			errno = 0;
			long v = strtol(spec + n + 1, &end, 10);
			if (errno || end == spec + n + 1 || *end || v < 0 || v > 1000000)
				return berr(err, EINVAL,
					    "invalid restart policy %s: the retry count must be a "
					    "number from 0 to 1000000", spec);
			if (ret_max)
				*ret_max = (int)v;
			if (ret_name)
				*ret_name = names[i];
			return 0;
		}
	}
	return berr(err, EINVAL,
		    "invalid restart policy \"%s\": use no, on-failure[:max_retries], always or "
		    "unless-stopped", spec);
}

const char *ctr_restart_policy(const struct store_container *c)
{
	json_t *cfg = ctr_config(c);
	const char *name = "no";

	ctr_restart_policy_parse(json_string_value(json_object_get(cfg, "restart")), &name, NULL,
				 NULL);
	json_decref(cfg);
	return name;
}

void ctr_restart_mark_stopped(const struct berth_ctx *ctx, const struct store_container *c)
{
	_cleanup_free_ char *dir = ctr_rundir_path(ctx, c->id);
	_cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, c->started_at);

	if (dfd >= 0)
		write_file_atomic_at(dfd, STOPPED_FILE, buf, (size_t)n, 0600, NULL);
}

/* whether the run that started at @started_at was ended by `stop` */
static bool stopped_by_user(const struct berth_ctx *ctx, const struct store_container *c)
{
	_cleanup_free_ char *dir = ctr_rundir_path(ctx, c->id), *data = NULL;
	_cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (dfd < 0 || read_file_at(dfd, STOPPED_FILE, 64, &data, NULL, NULL) < 0)
		return false;
	return strtoll(data, NULL, 10) == c->started_at;
}

static bool wants_restart(const struct berth_ctx *ctx, const struct store_container *c)
{
	_cleanup_(json_decrefp) json_t *cfg = ctr_config(c);
	const char *name = "no";
	int max = 0;

	if (strcmp(c->state, "exited") != 0 || json_is_true(json_object_get(cfg, "rm")))
		return false;
	if (ctr_restart_policy_parse(json_string_value(json_object_get(cfg, "restart")), &name,
				     &max, NULL) < 0 ||
	    strcmp(name, "no") == 0)
		return false;
	if (stopped_by_user(ctx, c))
		return false;
	if (strcmp(name, "on-failure") == 0)
		return c->exit_code != 0 && (max == 0 || c->restart_count < max);
	return true;
}

int ctr_restart_after_exit(struct berth_ctx *ctx, struct store *s, const char *id,
			   berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	struct ctr_start_opts so = { 0 };
	int r = store_container_get(s, id, &c, NULL);

	if (r < 0 || strcmp(c->state, "exited") == 0)
		ctr_pause_cleanup(id); /* also after rm -f: the record is gone by now */
	if (r < 0 || !wants_restart(ctx, c))
		return 0;
	long ms = BACKOFF_FIRST_MS;
	for (int i = 0; i < c->restart_count && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	{
		_cleanup_close_ int lock = -1;
		store_container_free(c);
		c = NULL;
		r = store_container_lock(s, id, &lock, err);
		if (r < 0)
			return r;
		r = store_container_get(s, id, &c, NULL);
		/* removed, started or stopped by someone else meanwhile */
		if (r < 0 || !wants_restart(ctx, c))
			return 0;
		c->restart_count++;
		r = store_container_update(s, c, err);
		if (r < 0)
			return r;
	}
	{
		struct store_event ev = { .type = "container", .action = "restart", .id = c->id,
					  .name = c->name, .image = c->image_name };
		store_event_emit(ctx->runroot, &ev, NULL);
	}
	r = ctr_start(ctx, s, id, &so, NULL, err);
	if (r < 0)
		return r;
	return 1;
}
