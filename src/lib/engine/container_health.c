/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_health.c - running a health check and showing the state (see container_health.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/container_attach.h"
#include "engine/container_health.h"
#include "engine/container_json.h"
#include "engine/container_status.h"
#include "store/events.h"
#include "util/macro.h"

/* after a timeout kill, how long the exec's monitor gets to report the exit */
#define KILL_GRACE_MS 5000

void ctr_health_annotate(const struct berth_ctx *ctx, const struct store_container *c,
			 json_t *cfg)
{
	_cleanup_free_ char *rundir = NULL;
	json_t *st;

	if (strcmp(c->state, "running") != 0 || !ctr_health_config(cfg) ||
	    !(rundir = ctr_rundir_path(ctx, c->id)))
		return;
	st = ctr_health_state_load(rundir);
	json_object_set(cfg, "health_status", json_object_get(st, "Status"));
	json_decref(st);
}

void ctr_health_inspect(const struct berth_ctx *ctx, const struct store_container *c,
			json_t *cfg, json_t *j)
{
	_cleanup_free_ char *rundir = ctr_rundir_path(ctx, c->id);
	json_t *config = json_object_get(j, "Config"), *state = json_object_get(j, "State");
	json_t *hc = json_object_get(cfg, "healthcheck"), *st;
	const char *action = json_string_value(json_object_get(cfg, "health_on_failure"));

	if (hc)
		json_object_set(config, "Healthcheck", hc);
	json_object_set_new(config, "HealthcheckOnFailureAction", json_string(action ?: "none"));
	if (!ctr_health_config(cfg) || !rundir) {
		json_object_set_new(state, "Healthcheck", json_pack("{s:s, s:i, s:n}", "Status", "",
								     "FailingStreak", 0, "Log"));
		return;
	}
	st = ctr_health_state_load(rundir);
	/* podman 4.3 calls it Healthcheck; Docker (and later podman) Health */
	json_object_set(state, "Health", st);
	json_object_set_new(state, "Healthcheck", st);
}

/* test_args() - the argv of a Test: CMD args..., CMD-SHELL "line" (through /bin/sh -c) */
static char **test_args(json_t *test)
{
	const char *first = json_string_value(json_array_get(test, 0));
	size_t n = json_array_size(test), i;
	char **v = calloc(n + 3, sizeof(char *));
	json_t *e;

	if (!v)
		return NULL;
	if (strcmp(first, "CMD-SHELL") == 0) {
		_cleanup_(json_decrefp) json_t *rest = json_array();
		for (i = 1; i < n; i++)
			json_array_append(rest, json_array_get(test, i));
		if (!(v[0] = strdup("/bin/sh")) || !(v[1] = strdup("-c")) ||
		    !(v[2] = ctr_json_join_args(rest))) {
			strv_free(v);
			return NULL;
		}
		return v;
	}
	json_array_foreach (test, i, e) {
		if (i == 0 && strcmp(first, "CMD") == 0)
			continue;
		if (!(v[i - (strcmp(first, "CMD") == 0)] = strdup(json_string_value(e)))) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

/* kill_session() - the test outlived its timeout: SIGKILL its process */
static void kill_session(struct store *s, const char *session)
{
	struct store_exec_session *e = NULL;

	if (store_exec_session_get(s, session, &e, NULL) < 0)
		return;
	if (e->pid > 0)
		kill(e->pid, SIGKILL);
	store_exec_session_free(e);
}

/*
 * collect() - read the exec's output (the first CTR_HEALTH_OUTPUT_MAX bytes) and exit code
 * from @sock until the exit packet; past @timeout_ns the test is killed and its code is -1.
 */
static int collect(struct store *s, const char *session, int sock, int64_t timeout_ns,
		   char *out, size_t size, int *ret_code, berth_error *err)
{
	_cleanup_free_ char *buf = malloc(CTR_ATTACH_PACKET_MAX + 1);
	int64_t deadline = ctr_now_ns() + timeout_ns;
	size_t used = strlen(out);
	bool timed_out = false;

	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		int64_t left = deadline - ctr_now_ns();
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t len;
		int r;

		if (left <= 0 && !timed_out) {
			kill_session(s, session);
			timed_out = true;
			deadline = ctr_now_ns() + (int64_t)KILL_GRACE_MS * 1000000;
			continue;
		}
		if (left <= 0)
			return berr(err, ETIMEDOUT, "the health check's exec session did not end");
		r = poll(&p, 1, (int)(left / 1000000 + 1));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		len = recv(sock, buf, CTR_ATTACH_PACKET_MAX, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			return berr(err, EPIPE, "the health check's exec session ended without an exit code");
		if (buf[0] == CTR_ATTACH_EXIT) {
			buf[len] = '\0';
			*ret_code = timed_out ? -1 : atoi(buf + 1);
			return 0;
		}
		if ((buf[0] == CTR_ATTACH_STDOUT || buf[0] == CTR_ATTACH_STDERR) && used + 1 < size) {
			size_t take = (size_t)len - 1 < size - 1 - used ? (size_t)len - 1 : size - 1 - used;
			memcpy(out + used, buf + 1, take);
			used += take;
			out[used] = '\0';
		}
	}
}

/* exec_test() - run @args in @c like `exec`, with the timeout of @hc */
static int exec_test(struct berth_ctx *ctx, struct store *s, const struct store_container *c,
		     json_t *hc, char *out, size_t size, int *ret_code, berth_error *err)
{
	_cleanup_strv_free_ char **args = test_args(json_object_get(hc, "Test"));
	_cleanup_free_ char *session = NULL;
	_cleanup_close_ int sock = -1;
	struct ctr_exec_opts o = { 0 };
	int64_t timeout = json_integer_value(json_object_get(hc, "Timeout"));
	int r;

	if (!args || !args[0])
		return berr(err, EINVAL, "container %s has no defined healthcheck", c->id);
	o.args = args;
	r = ctr_exec(ctx, s, c->id, &o, &sock, &session, err);
	if (r < 0 && err && (err->exit_code == 126 || err->exit_code == 127)) {
		/* the test cannot run: a failed check (podman's), not an error */
		snprintf(out, size, "%.*s", (int)(size - 1), err->msg);
		*ret_code = 1;
		err->exit_code = 0;
		return 0;
	}
	if (r < 0)
		return r;
	r = collect(s, session, sock, timeout > 0 ? timeout : CTR_HEALTH_DEFAULT_TIMEOUT_NS, out,
		    size, ret_code, err);
	/* a check is not an exec session anyone asked for: podman removes it too */
	store_exec_session_delete(s, session, NULL);
	if (r == 0 && *ret_code == -1 && !out[0])
		snprintf(out, size, "healthcheck command exceeded timeout of %llds",
			 (long long)(timeout / 1000000000));
	return r;
}

static void emit_status(const struct berth_ctx *ctx, const struct store_container *c,
			const char *status)
{
	json_t *attrs = json_pack("{s:s}", "health_status", status);
	struct store_event ev = { .type = "container", .action = "health_status", .id = c->id,
				  .name = c->name, .image = c->image_name, .attributes = attrs };

	store_event_emit(ctx->runroot, &ev, NULL);
	json_decref(attrs);
}

/* on_failure() - --health-on-failure, once the container turned unhealthy */
static int on_failure(struct berth_ctx *ctx, struct store *s, const struct store_container *c,
		      json_t *cfg, berth_error *err)
{
	const char *action = json_string_value(json_object_get(cfg, "health_on_failure")) ?: "none";
	json_t *t = json_object_get(cfg, "stop_timeout");
	int timeout = t ? (int)json_integer_value(t) : CTR_DEFAULT_STOP_TIMEOUT, r;
	struct ctr_start_opts so = { 0 };

	if (strcmp(action, "kill") == 0)
		return ctr_kill(ctx, s, c->id, SIGKILL, err);
	if (strcmp(action, "stop") != 0 && strcmp(action, "restart") != 0)
		return 0;
	r = ctr_stop(ctx, s, c->id, timeout, err);
	if (r < 0 || strcmp(action, "restart") != 0)
		return r;
	return ctr_start(ctx, s, c->id, &so, NULL, err);
}

int ctr_health_run(struct berth_ctx *ctx, struct store *s, const char *ref, bool *ret_healthy,
		   berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_(json_decrefp) json_t *cfg = NULL;
	_cleanup_free_ char *rundir = NULL;
	struct ctr_health_result res = { 0 };
	char out[CTR_HEALTH_OUTPUT_MAX + 1] = "", status[32];
	int64_t start_period;
	json_t *hc;
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	if (strcmp(c->state, "running") != 0)
		return berr(err, EINVAL, "container %s is not running", c->id);
	cfg = ctr_config(c);
	hc = ctr_health_config(cfg);
	if (!hc)
		return berr(err, EINVAL, "container %s has no defined healthcheck", c->id);
	rundir = ctr_rundir_path(ctx, c->id);
	if (!rundir)
		return berr(err, ENOMEM, "out of memory");
	res.start_ns = ctr_now_ns();
	r = exec_test(ctx, s, c, hc, out, sizeof(out), &res.exit_code, err);
	if (r < 0)
		return r;
	res.end_ns = ctr_now_ns();
	res.output = out;
	start_period = json_integer_value(json_object_get(hc, "StartPeriod"));
	res.in_start_period = start_period > 0 && res.start_ns < c->started_at + start_period;
	r = ctr_health_state_record(rundir, &res,
				    (int)json_integer_value(json_object_get(hc, "Retries")), status,
				    sizeof(status), err);
	if (r < 0)
		return r;
	emit_status(ctx, c, status);
	if (strcmp(status, "unhealthy") == 0) {
		r = on_failure(ctx, s, c, cfg, err);
		if (r < 0)
			return r;
	}
	*ret_healthy = res.exit_code == 0;
	return 0;
}
