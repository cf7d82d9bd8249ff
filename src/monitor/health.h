/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.h - the monitor's health-check timer: podman leaves it to a systemd timer; here the
 * monitor runs `berth [globals] healthcheck run ID` every interval (engine/container_health.h).
 */
#ifndef BERTH_MONITOR_HEALTH_H
#define BERTH_MONITOR_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * struct monitor_health - the timer of one container
 * @timer_fd:	timerfd that fires when the next check is due, or -1 (no check, or no interval)
 * @pid:	the running `healthcheck run`, 0 when none
 * @interval_ns: time from the end of one check to the start of the next
 * @argv:	the command that runs a check
 */
struct monitor_health {
	int timer_fd;
	pid_t pid;
	int64_t interval_ns;
	char **argv;
};

/**
 * monitor_health_init() - read <@bundle>/healthcheck.json; when the container has a check,
 * mark it "starting" in @rundir and arm the timer. The check command is @exit_cmd (`berth
 * [globals] container cleanup ID`) with its last words made `healthcheck run ID`.
 */
void monitor_health_init(struct monitor_health *h, const char *bundle, const char *rundir,
			 char *const *exit_cmd);

/** monitor_health_fire() - the timer fired: start a check unless one still runs. */
void monitor_health_fire(struct monitor_health *h);

/** monitor_health_reaped() - @pid was reaped; when it was the check, arm the next one. */
void monitor_health_reaped(struct monitor_health *h, pid_t pid);

/** monitor_health_done() - the container exited: no more checks. */
void monitor_health_done(struct monitor_health *h);

#endif
