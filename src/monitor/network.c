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
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <jansson.h>

#include "network/pasta.h"
#include "network/ports.h"
#include "util/fileio.h"
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

/*
 * add_host_gateway() - with --map-gw the host's 127.0.0.1 answers on the default gateway's
 * address, which pasta copies into the namespace: name it host.containers.internal in the
 * container's /etc/hosts (bind-mounted from the bundle, so appended in place). Best effort.
 */
static void add_host_gateway(const char *bundle)
{
	_cleanup_free_ char *routes = NULL;
	char path[4096], line[160];
	unsigned int dest, gw, flags;
	const char *p;
	int fd;

	if (read_file_at(AT_FDCWD, "/proc/net/route", 1 << 20, &routes, NULL, NULL) < 0)
		return;
	for (p = strchr(routes, '\n'); p && *p; p = strchr(p + 1, '\n')) {
		if (sscanf(p + 1, "%*s %x %x %x", &dest, &gw, &flags) != 3 || dest != 0 ||
		    !(flags & 2 /* RTF_GATEWAY */))
			continue;
		/* /proc/net/route prints the address in host byte order (little-endian here) */
		snprintf(line, sizeof(line), "%u.%u.%u.%u\thost.containers.internal host.docker.internal\n",
			 gw & 0xff, (gw >> 8) & 0xff, (gw >> 16) & 0xff, gw >> 24);
		snprintf(path, sizeof(path), "%s/hosts", bundle);
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			(void)write_all(fd, line, strlen(line));
			close(fd);
		}
		return;
	}
}

int monitor_network_setup(const char *bundle, pid_t pid, const char *rundir, pid_t *ret_pasta,
			  berth_error *err)
{
	_cleanup_free_ struct port_mapping *ports = NULL;
	_cleanup_close_ int netns = -1, userns = -1;
	char path[4096], pidfile[4096], logfile[4096];
	json_error_t jerr;
	_cleanup_free_ char *mode = NULL;
	char *extra[32];
	json_t *cfg, *arr;
	const char *s;
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	cfg = json_load_file(path, 0, &jerr);
	if (!cfg)
		return berr(err, EINVAL, "%s: %s", path, jerr.text);
	/* "lo" of a new network namespace: the runtime brings it up in the container's process */
	s = json_string_value(json_object_get(json_object_get(cfg, "annotations"),
					      "io.berth.network.ports"));
	/* --network pasta[:OPT,...]: pasta for outbound traffic even without -p */
	if (json_string_value(json_object_get(json_object_get(cfg, "annotations"),
					      "io.berth.network.pasta")) &&
	    !(mode = strdup(json_string_value(json_object_get(json_object_get(cfg, "annotations"),
							       "io.berth.network.pasta"))))) {
		json_decref(cfg);
		return berr(err, ENOMEM, "out of memory");
	}
	if (!s && !mode) {
		json_decref(cfg);
		return 0;
	}
	if (s) {
		arr = json_loads(s, 0, &jerr);
		r = port_mappings_from_json(arr, &ports, &n, err);
		json_decref(arr);
		if (r < 0 || (n == 0 && !mode)) {
			json_decref(cfg);
			return r;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0) {
		json_decref(cfg);
		if (errno == ENOENT || errno == ESRCH)
			return 0; /* exited already: nothing to publish */
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
	if (mode) {
		/* podman's --map-gw is ours to apply (pasta maps the gateway unless told not to) */
		size_t k = 0;
		for (char *save = NULL, *t = strtok_r(mode, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (strcmp(t, "--map-gw") == 0)
				o.map_host_loopback = true;
			else if (k < ELEMENTSOF(extra) - 1)
				extra[k++] = t;
			else
				return berr(err, E2BIG, "--network pasta: too many options (at most "
							"%zu)",
					    ELEMENTSOF(extra) - 1);
		}
		extra[k] = NULL;
		o.extra = extra;
	}
	r = pasta_start(netns, userns, &o, ret_pasta, err);
	if (r >= 0 && o.map_host_loopback)
		add_host_gateway(bundle);
	return r;
}
