/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c - the monitor's health-check timer (see health.h). A check runs as its own
 * `berth healthcheck run` process, so the exec, the store and --health-on-failure stay the
 * CLI's business and the monitor's event loop never waits on a check.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "engine/container_health.h"
#include "monitor/health.h"
#include "util/fileio.h"
#include "util/macro.h"

/* check_argv() - `berth [globals] container cleanup ID` → `berth [globals] healthcheck run ID` */
static char **check_argv(char *const *exit_cmd)
{
	size_t n = 0;
	char **v;

	while (exit_cmd && exit_cmd[n])
		n++;
	if (n < 3 || strcmp(exit_cmd[n - 3], "container") != 0 ||
	    strcmp(exit_cmd[n - 2], "cleanup") != 0)
		return NULL;
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return NULL;
	memcpy(v, exit_cmd, n * sizeof(char *)); /* borrowed: argv outlives us */
	v[n - 3] = (char *)"healthcheck";
	v[n - 2] = (char *)"run";
	return v;
}

static void arm(struct monitor_health *h)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = h->interval_ns / 1000000000;
	its.it_value.tv_nsec = h->interval_ns % 1000000000;
	timerfd_settime(h->timer_fd, 0, &its, NULL);
}

void monitor_health_init(struct monitor_health *h, const char *bundle, const char *rundir,
			 char *const *exit_cmd)
{
	_cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	json_t *hc;

	h->timer_fd = -1;
	h->pid = 0;
	if (dfd < 0 || read_file_at(dfd, CTR_HEALTH_BUNDLE_FILE, 1u << 20, &text, NULL, NULL) < 0)
		return;
	ctr_health_state_reset(rundir, NULL);
	hc = json_loads(text, 0, NULL);
	h->interval_ns = json_integer_value(json_object_get(hc, "Interval"));
	json_decref(hc);
	/* `--health-interval disable`: only `berth healthcheck run` by hand */
	if (h->interval_ns <= 0 || !(h->argv = check_argv(exit_cmd)))
		return;
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->timer_fd >= 0)
		arm(h);
}

void monitor_health_fire(struct monitor_health *h)
{
	uint64_t ticks;
	sigset_t none;
	pid_t p;

	while (read(h->timer_fd, &ticks, sizeof(ticks)) < 0 && errno == EINTR)
		;
	if (h->pid > 0)
		return;
	p = fork();
	if (p == 0) {
		/* the monitor blocks SIGCHLD for its signalfd and ignores SIGPIPE: undo both */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execv(h->argv[0], h->argv);
		_exit(127);
	}
	if (p > 0)
		h->pid = p;
	else
		arm(h); /* try again next time */
}

void monitor_health_reaped(struct monitor_health *h, pid_t pid)
{
	if (h->pid <= 0 || pid != h->pid)
		return;
	h->pid = 0;
	if (h->timer_fd >= 0)
		arm(h);
}

void monitor_health_done(struct monitor_health *h)
{
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	h->timer_fd = -1;
	free(h->argv);
	h->argv = NULL;
}
