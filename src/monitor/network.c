/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network.c - the monitor's part of networking: once the container's process exists (and so
 * its network namespace), publish the ports its config.json asks for through pasta.
 *
 * The ports travel in the "io.berth.network.ports" annotation (network/ports.h JSON form).
 * pasta gets the namespaces as fds, and for a rootless container also the user namespace
 * that owns the network namespace.
 */
#include "monitor/network.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "network/pasta.h"
#include "network/ports.h"
#include "util/macro.h"

static bool has_user_namespace(json_t *cfg)
{
	json_t *ns = json_object_get(json_object_get(cfg, "linux"), "namespaces"), *it;
	size_t i;

	json_array_foreach(ns, i, it)
		if (strcmp(json_string_value(json_object_get(it, "type")) ?: "", "user") == 0)
			return true;
	return false;
}

int monitor_network_setup(const char *bundle, pid_t pid, const char *rundir, pid_t *ret_pasta,
			  berth_error *err)
{
	_cleanup_free_ struct port_mapping *ports = NULL;
	_cleanup_close_ int netns = -1, userns = -1;
	char path[4096], pidfile[4096], logfile[4096];
	json_error_t jerr;
	json_t *cfg, *arr;
	const char *s;
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	cfg = json_load_file(path, 0, &jerr);
	if (!cfg)
		return berr(err, EINVAL, "%s: %s", path, jerr.text);
	s = json_string_value(json_object_get(json_object_get(cfg, "annotations"),
					      "io.berth.network.ports"));
	if (!s) {
		json_decref(cfg);
		return 0;
	}
	arr = json_loads(s, 0, &jerr);
	r = port_mappings_from_json(arr, &ports, &n, err);
	json_decref(arr);
	if (r < 0 || n == 0) {
		json_decref(cfg);
		return r;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0) {
		json_decref(cfg);
		return berr_errno(err, errno, "open the container's network namespace");
	}
	if (has_user_namespace(cfg)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0) {
			json_decref(cfg);
			return berr_errno(err, errno, "open the container's user namespace");
		}
	}
	json_decref(cfg);
	snprintf(pidfile, sizeof(pidfile), "%s/pasta.pid", rundir);
	snprintf(logfile, sizeof(logfile), "%s/pasta.log", rundir);
	struct pasta_opts o = { .ports = ports, .nports = n, .pidfile = pidfile, .logfile = logfile };
	return pasta_start(netns, userns, &o, ret_pasta, err);
}
