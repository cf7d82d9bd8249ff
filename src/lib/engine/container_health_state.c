/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_health_state.c - health-check configuration and the state file (see
 * container_health.h). No store here: berth-monitor links this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container_health.h"
#include "engine/container_log.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/macro.h"

#define LOCK_FILE "health.lock"
#define STATE_MAX (64u << 10)

int ctr_health_duration_parse(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 },
		      { "s", 1e9 },  { "m", 60e9 }, { "h", 3600e9 } };
	double total = 0;

	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	while (*s) {
		char *end;
		double v;
		size_t best = 0, best_len = 0;

		if (*s == '-' || *s == '+')
			return -EINVAL; /* negative durations mean nothing here */
		errno = 0;
		v = strtod(s, &end);
		if (errno || end == s || !isfinite(v))
			return -EINVAL;
		/* the longest unit that matches: "ms" before "m" */
		for (size_t i = 0; i < ELEMENTSOF(units); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, l) == 0 && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return -EINVAL;
		total += v * units[best].ns;
		s = end + best_len;
	}
	if (total > 9.2e18)
		return -EINVAL;
	*ret_ns = (int64_t)total;
	return 0;
}

json_t *ctr_health_test_from_cmd(const char *cmd)
{
	json_t *arr = json_loads(cmd, JSON_DECODE_ANY, NULL), *test;
	const char *first;
	size_t i;
	json_t *v;

	if (json_is_array(arr)) {
		json_array_foreach (arr, i, v)
			if (!json_is_string(v)) {
				json_decref(arr);
				return NULL;
			}
	} else {
		json_decref(arr);
		arr = NULL;
	}
	if (!arr) {
		if (!*cmd)
			return NULL;
		if (strcmp(cmd, "none") == 0)
			return json_pack("[s]", "NONE");
		return json_pack("[s,s]", "CMD-SHELL", cmd);
	}
	if (!json_array_size(arr)) {
		json_decref(arr);
		return NULL;
	}
	first = json_string_value(json_array_get(arr, 0));
	if (strcmp(first, "CMD") == 0 || strcmp(first, "CMD-SHELL") == 0)
		return arr;
	if (strcmp(first, "none") == 0 || strcmp(first, "NONE") == 0) {
		json_decref(arr);
		return json_pack("[s]", "NONE");
	}
	test = json_pack("[s]", "CMD");
	json_array_extend(test, arr);
	json_decref(arr);
	return test;
}

bool ctr_health_on_failure_valid(const char *action)
{
	return strcmp(action, "none") == 0 || strcmp(action, "kill") == 0 ||
	       strcmp(action, "restart") == 0 || strcmp(action, "stop") == 0;
}

json_t *ctr_health_config(json_t *cfg)
{
	json_t *hc = json_object_get(cfg, "healthcheck");
	json_t *test = json_object_get(hc, "Test");
	const char *first = json_string_value(json_array_get(test, 0));

	if (!first || !*first || strcmp(first, "NONE") == 0)
		return NULL;
	return hc;
}

/* fill in podman's defaults for what the image (or the flags) left at 0 */
static void set_default(json_t *hc, const char *key, json_int_t dflt)
{
	if (json_integer_value(json_object_get(hc, key)) <= 0)
		json_object_set_new(hc, key, json_integer(dflt));
}

int ctr_health_prepare(json_t *create, json_t *imgcfg, const char *userdata, berth_error *err)
{
	json_t *img = json_object_get(imgcfg, "Healthcheck"), *hc;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;

	/* The flags give a complete check (`--health-interval disable` is an Interval of 0); the
	 * image's 0s mean podman's defaults. */
	if (!json_object_get(create, "healthcheck") && json_array_size(json_object_get(img, "Test"))) {
		hc = json_deep_copy(img);
		set_default(hc, "Interval", CTR_HEALTH_DEFAULT_INTERVAL_NS);
		set_default(hc, "Timeout", CTR_HEALTH_DEFAULT_TIMEOUT_NS);
		set_default(hc, "Retries", CTR_HEALTH_DEFAULT_RETRIES);
		json_object_set_new(create, "healthcheck", hc);
	}
	hc = ctr_health_config(create);
	if (!hc)
		return 0;
	text = json_dumps(hc, JSON_COMPACT);
	dfd = open(userdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!text || dfd < 0)
		return berr_errno(err, text ? errno : ENOMEM, "write the health check of the bundle %s",
				  userdata);
	return write_file_atomic_at(dfd, CTR_HEALTH_BUNDLE_FILE, text, strlen(text), 0600, err);
}

json_t *ctr_health_state_load(const char *rundir)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *st = NULL;

	if (dfd >= 0 && read_file_at(dfd, CTR_HEALTH_STATE_FILE, STATE_MAX, &text, NULL, NULL) == 0)
		st = json_loads(text, 0, NULL);
	if (!json_is_object(st)) {
		json_decref(st);
		st = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	}
	if (!json_is_array(json_object_get(st, "Log")))
		json_object_set_new(st, "Log", json_array());
	return st;
}

/* update() - load, change with @fn, write back; all under the lock of <rundir>/health.lock */
static int update(const char *rundir, void (*fn)(json_t *st, const void *arg), const void *arg,
		  json_t **ret_state, berth_error *err)
{
	_cleanup_close_ int dfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), lock = -1;
	_cleanup_free_ char *text = NULL;
	json_t *st;
	int r;

	if (dfd < 0)
		return berr_errno(err, errno, "open %s", rundir);
	r = lock_open_at(dfd, LOCK_FILE, true, true, &lock, err);
	if (r < 0)
		return r;
	st = ctr_health_state_load(rundir);
	fn(st, arg);
	text = json_dumps(st, JSON_COMPACT);
	if (!text) {
		json_decref(st);
		return berr(err, ENOMEM, "out of memory");
	}
	/* write_file_atomic_at() also fsyncs: cheap next to the exec, and the state is small */
	r = write_file_atomic_at(dfd, CTR_HEALTH_STATE_FILE, text, strlen(text), 0600, err);
	if (r < 0 || !ret_state)
		json_decref(st);
	else
		*ret_state = st;
	return r;
}

static void reset_fn(json_t *st, const void *arg)
{
	(void)arg;
	json_object_set_new(st, "Status", json_string("starting"));
	json_object_set_new(st, "FailingStreak", json_integer(0));
}

int ctr_health_state_reset(const char *rundir, berth_error *err)
{
	return update(rundir, reset_fn, NULL, NULL, err);
}

struct record_arg {
	const struct ctr_health_result *res;
	int retries;
};

static void record_fn(json_t *st, const void *arg)
{
	const struct record_arg *a = arg;
	const struct ctr_health_result *res = a->res;
	json_t *log = json_object_get(st, "Log");
	char start[48], end[48], out[CTR_HEALTH_OUTPUT_MAX + 1];
	json_int_t streak = json_integer_value(json_object_get(st, "FailingStreak"));
	json_t *out_text;

	if (res->exit_code == 0) {
		json_object_set_new(st, "Status", json_string("healthy"));
		streak = 0;
	} else if (!res->in_start_period && ++streak >= a->retries) {
		json_object_set_new(st, "Status", json_string("unhealthy"));
	}
	json_object_set_new(st, "FailingStreak", json_integer(streak));
	snprintf(out, sizeof(out), "%s", res->output ? res->output : "");
	out_text = json_string(out);
	/* the cut may split a UTF-8 sequence: drop its start */
	for (size_t n = strlen(out); !out_text && n > 0 && n + 4 > strlen(out); n--) {
		out[n - 1] = '\0';
		out_text = json_string(out);
	}
	ctr_log_format_time(res->start_ns, start, sizeof(start));
	ctr_log_format_time(res->end_ns, end, sizeof(end));
	json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:o}", "Start", start, "End", end,
					     "ExitCode", res->exit_code, "Output",
					     out_text ?: json_string("")));
	while (json_array_size(log) > CTR_HEALTH_LOG_MAX)
		json_array_remove(log, 0);
}

int ctr_health_state_record(const char *rundir, const struct ctr_health_result *res,
			    int retries, char *ret_status, size_t size, berth_error *err)
{
	struct record_arg a = { res, retries > 0 ? retries : CTR_HEALTH_DEFAULT_RETRIES };
	json_t *st = NULL;
	int r = update(rundir, record_fn, &a, &st, err);

	if (r < 0)
		return r;
	snprintf(ret_status, size, "%s", json_string_value(json_object_get(st, "Status")) ?: "");
	json_decref(st);
	return 0;
}
