/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_health.h - health checks (--health-cmd & co., the image's HEALTHCHECK).
 *
 * Theory of operation. podman schedules `podman healthcheck run ID` with a systemd timer; there
 * is no systemd here, so the container's berth-monitor keeps the timer (monitor/health.c) and
 * runs `berth [globals] healthcheck run ID` every interval. That command (ctr_health_run())
 * execs the test into the container through the ordinary exec path (ctr_exec()), with the
 * timeout, records the result and emits a health_status event, and carries out
 * --health-on-failure when the container turns unhealthy.
 *
 * Files:
 *   the create options:  "healthcheck" (Docker's object: Test, Interval, Timeout, StartPeriod,
 *                        Retries; durations in ns) and "health_on_failure"
 *   <bundle>/healthcheck.json   the same object, for the monitor (which has no store)
 *   <runroot>/containers/<id>/health.json   the state, podman's State.Health:
 *                        {"Status":"starting|healthy|unhealthy","FailingStreak":N,
 *                         "Log":[{"Start","End","ExitCode","Output"}]} (last 5 results),
 *                        replaced atomically under the flock of health.lock beside it
 */
#ifndef BERTH_ENGINE_CONTAINER_HEALTH_H
#define BERTH_ENGINE_CONTAINER_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/context.h"
#include "store/container.h"
#include "store/store.h"
#include "util/error.h"

#define CTR_HEALTH_BUNDLE_FILE "healthcheck.json"
#define CTR_HEALTH_STATE_FILE "health.json"
#define CTR_HEALTH_DEFAULT_INTERVAL_NS 30000000000LL
#define CTR_HEALTH_DEFAULT_TIMEOUT_NS 30000000000LL
#define CTR_HEALTH_DEFAULT_RETRIES 3
#define CTR_HEALTH_LOG_MAX 5		/* podman's MaxHealthCheckNumberLogs */
#define CTR_HEALTH_OUTPUT_MAX 500	/* podman's MaxHealthCheckLogLength */

/**
 * ctr_health_duration_parse() - a Go duration ("30s", "1m30s", "500ms", "0") into ns.
 * Return: 0, or -EINVAL when @s is not one.
 */
int ctr_health_duration_parse(const char *s, int64_t *ret_ns);

/**
 * ctr_health_test_from_cmd() - podman's reading of --health-cmd: a JSON array is taken as
 * given ("CMD"/"CMD-SHELL" first, or prefixed with "CMD"); a plain string becomes
 * ["CMD-SHELL", string]; "none" becomes ["NONE"]. Returns a new array, NULL when empty.
 */
json_t *ctr_health_test_from_cmd(const char *cmd);

/** ctr_health_on_failure_valid() - whether @action is none, kill, restart or stop. */
bool ctr_health_on_failure_valid(const char *action);

/**
 * ctr_health_config() - the healthcheck of create options @cfg (borrowed), or NULL when the
 * container has none (no test, or ["NONE"]).
 */
json_t *ctr_health_config(json_t *cfg);

/**
 * ctr_health_prepare() - at create: without --health-cmd/--no-healthcheck take the image's
 * HEALTHCHECK (@imgcfg is the image config's "config"), fill in podman's defaults, and write
 * <@userdata>/healthcheck.json for the monitor when there is a check.
 */
int ctr_health_prepare(json_t *create, json_t *imgcfg, const char *userdata, berth_error *err);

/**
 * ctr_health_state_load() - the state in @rundir (a new object; "starting" with an empty log
 * when there is no file yet).
 */
json_t *ctr_health_state_load(const char *rundir);

/** ctr_health_state_reset() - the container (re)started: Status "starting", streak 0. */
int ctr_health_state_reset(const char *rundir, berth_error *err);

/**
 * struct ctr_health_result - one finished check
 * @start_ns/@end_ns: when it ran
 * @exit_code:	the test's exit code (-1: it timed out)
 * @output:	what it printed (cut to CTR_HEALTH_OUTPUT_MAX)
 * @in_start_period: a failure does not count yet
 */
struct ctr_health_result {
	int64_t start_ns;
	int64_t end_ns;
	int exit_code;
	const char *output;
	bool in_start_period;
};

/**
 * ctr_health_state_record() - add @res to the state in @rundir as podman does (a pass makes it
 * healthy, @retries failures in a row make it unhealthy) and copy the new status into
 * @ret_status (at least 16 bytes).
 */
int ctr_health_state_record(const char *rundir, const struct ctr_health_result *res,
			    int retries, char *ret_status, size_t size, berth_error *err);

/**
 * ctr_health_annotate() - put the current health status of @c into @cfg (its parsed create
 * options) as "health_status", for `ps` (STATUS "Up ... (healthy)", --filter health=...).
 * Nothing is added for containers without a check or not running.
 */
void ctr_health_annotate(const struct berth_ctx *ctx, const struct store_container *c,
			 json_t *cfg);

/**
 * ctr_health_inspect() - add State.Health (and its older name State.Healthcheck),
 * Config.Healthcheck and Config.HealthcheckOnFailureAction to inspect object @j of @c.
 */
void ctr_health_inspect(const struct berth_ctx *ctx, const struct store_container *c,
			json_t *cfg, json_t *j);

/**
 * ctr_health_run() - run @ref's health check once (`berth healthcheck run`): exec the test with
 * its timeout, record it, emit health_status, act on --health-on-failure.
 * @ret_healthy: whether this check passed
 * Return: 0, or a negative errno with podman's messages ("container ID is not running",
 * "container ID has no defined healthcheck").
 */
int ctr_health_run(struct berth_ctx *ctx, struct store *s, const char *ref, bool *ret_healthy,
		   berth_error *err);

#endif
