/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.h - the --health-* flags that run and create share (health.c).
 */
#ifndef BERTH_CLI_HEALTH_H
#define BERTH_CLI_HEALTH_H

#include <jansson.h>

#include "cli/cli.h"
#include "util/error.h"

#define CLI_HEALTH_OPTIONS                                                                       \
	{ "health-cmd", 0, CLI_STRING, "Set a healthcheck command for the container ('none' disables the existing healthcheck)", NULL }, \
	{ "health-interval", 0, CLI_STRING, "Set an interval for the healthcheck (a value of disable results in no automatic timer setup)", "30s" }, \
	{ "health-retries", 0, CLI_INT, "The number of retries allowed before a healthcheck is considered to be unhealthy", "3" }, \
	{ "health-start-period", 0, CLI_STRING, "The initialization time needed for a container to bootstrap", "0s" }, \
	{ "health-timeout", 0, CLI_STRING, "The maximum time allowed to complete the healthcheck before an interval is considered failed", "30s" }, \
	{ "health-on-failure", 0, CLI_STRING, "Action to take once the container turns unhealthy (none, kill, restart, stop)", "none" }, \
	{ "no-healthcheck", 0, CLI_BOOL, "Disable healthchecks on container", NULL }

/**
 * cli_health_create() - put the health check of the --health-* flags into the create options
 * @create ("healthcheck", "health_on_failure"); without --health-cmd nothing but the action
 * is set, and the image's HEALTHCHECK applies.
 */
int cli_health_create(struct cli_args *args, json_t *create, berth_error *err);

#endif
