/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c - `healthcheck run` and the --health-* flags of run/create (podman's meaning and
 * messages; the work is in engine/container_health.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/health.h"
#include "engine/container_health.h"
#include "store/store.h"
#include "util/macro.h"

/* duration() - a --health-* duration flag, podman's message when it is not one */
static int duration(struct cli_args *args, const char *flag, const char *what, const char *dflt,
		    int64_t *ret, berth_error *err)
{
	const char *v = cli_str(args, flag) ?: dflt;

	if (strcmp(flag, "health-interval") == 0 && strcmp(v, "disable") == 0)
		v = "0";
	if (ctr_health_duration_parse(v, ret) < 0)
		return berr(err, EINVAL, "invalid %s: time: invalid duration \"%s\" (use one such as "
					 "30s, 1m30s or 500ms)", what, v);
	return 0;
}

int cli_health_create(struct cli_args *args, json_t *create, berth_error *err)
{
	const char *cmd = cli_str(args, "health-cmd"), *action = cli_str(args, "health-on-failure");
	int64_t interval, timeout, start_period;
	long retries = cli_int(args, "health-retries", CTR_HEALTH_DEFAULT_RETRIES);
	json_t *test;
	int r;

	if (action) {
		if (!ctr_health_on_failure_valid(action))
			return berr(err, EINVAL, "invalid on-failure action \"%s\" for health check: "
						 "supported actions are none,kill,restart,stop", action);
		json_object_set_new(create, "health_on_failure", json_string(action));
	}
	if (cli_flag(args, "no-healthcheck")) {
		if (cmd)
			return berr(err, EINVAL, "cannot specify both --no-healthcheck and --health-cmd");
		json_object_set_new(create, "healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return 0;
	}
	if (!cmd)
		return 0; /* the image's HEALTHCHECK, if any (ctr_health_prepare()) */
	test = ctr_health_test_from_cmd(cmd);
	if (!test)
		return berr(err, EINVAL, "must define a healthcheck command for all healthchecks");
	json_object_set_new(create, "healthcheck", json_pack("{s:o}", "Test", test));
	if ((r = duration(args, "health-interval", "healthcheck-interval", "30s", &interval, err)) < 0 ||
	    (r = duration(args, "health-timeout", "healthcheck-timeout", "30s", &timeout, err)) < 0 ||
	    (r = duration(args, "health-start-period", "healthcheck-start-period", "0s",
			  &start_period, err)) < 0)
		return r;
	if (retries < 1)
		return berr(err, EINVAL, "healthcheck-retries must be greater than 0");
	if (timeout < 1000000000)
		return berr(err, EINVAL, "healthcheck-timeout must be at least 1 second");
	json_t *hc = json_object_get(create, "healthcheck");
	if (interval) /* podman leaves a disabled interval out */
		json_object_set_new(hc, "Interval", json_integer(interval));
	json_object_set_new(hc, "Timeout", json_integer(timeout));
	if (start_period)
		json_object_set_new(hc, "StartPeriod", json_integer(start_period));
	json_object_set_new(hc, "Retries", json_integer(retries));
	return 0;
}

/* ---- healthcheck run ---- */

int cmd_healthcheck_run(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool healthy = false;
	int r;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	r = ctr_health_run(ctx, s, cli_argv(args)[0], &healthy, &err);
	store_close(s);
	if (r < 0)
		return cli_fail(&err);
	if (healthy)
		return 0;
	/* podman prints the word only when the check failed, and exits 1 */
	printf("unhealthy\n");
	return 1;
}
