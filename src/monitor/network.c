/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network.c - the monitor's part of networking: once the container's namespaces exist (the
 * runtime's first hook), start pasta or slirp4netns for outbound traffic and the ports its
 * config.json asks for; pasta comes up while the container builds its rootfs, and the
 * runtime's second hook waits for it before the container's process runs.
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

#include "network/local_forward.h"
#include "network/pasta.h"
#include "network/slirp.h"
#include "network/ports.h"
#include "util/fileio.h"
#include "util/log.h"
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

static void add_hosts_line(const char *bundle, const char *line)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/hosts", bundle);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		(void)write_all(fd, line, strlen(line));
		close(fd);
	}
}

/*
 * add_host_gateway() - with --map-gw the host's 127.0.0.1 answers on the default gateway's
 * address, which pasta copies into the namespace: name it host.containers.internal in the
 * container's /etc/hosts (bind-mounted from the bundle, so appended in place). Best effort.
 */
static void add_host_gateway(const char *bundle)
{
	_cleanup_free_ char *routes = NULL;
	char line[160];
	unsigned int dest, gw, flags;
	const char *p;

	if (read_file_at(AT_FDCWD, "/proc/net/route", 1 << 20, &routes, NULL, NULL) < 0)
		return;
	for (p = strchr(routes, '\n'); p && *p; p = strchr(p + 1, '\n')) {
		if (sscanf(p + 1, "%*s %x %x %x", &dest, &gw, &flags) != 3 || dest != 0 ||
		    !(flags & 2 /* RTF_GATEWAY */))
			continue;
		/* /proc/net/route prints the address in host byte order (little-endian here) */
		snprintf(line, sizeof(line), "%u.%u.%u.%u\thost.containers.internal host.docker.internal\n",
			 gw & 0xff, (gw >> 8) & 0xff, (gw >> 16) & 0xff, gw >> 24);
		add_hosts_line(bundle, line);
		return;
	}
}

/* The host's nameservers are unreachable through slirp4netns (127.0.0.53 least of all): its
 * own DNS forwarder replaces them in the container's resolv.conf (bind-mounted: in place). */
static void use_slirp_dns(const char *bundle)
{
	_cleanup_free_ char *old = NULL, *text = NULL;
	char path[4096];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/resolv.conf", bundle);
	if (read_file_at(AT_FDCWD, path, 1 << 20, &old, NULL, NULL) < 0)
		return;
	text = malloc(strlen(old) + 64);
	if (!text)
		return;
	len = (size_t)sprintf(text, "nameserver %s\n", SLIRP_DNS);
	for (char *save = NULL, *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "nameserver", 10) != 0)
			len += (size_t)sprintf(text + len, "%s\n", l);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		(void)write_all(fd, text, len);
		close(fd);
	}
}

/* --network slirp4netns[:OPTIONS], or published ports without pasta. */
static int start_slirp(const char *bundle, const char *options, int netns, int userns,
		       const struct port_mapping *ports, size_t n, const char *rundir,
		       pid_t *ret_pid, berth_error *err)
{
	struct slirp_opts o = {.ports = ports, .nports = n, .rundir = rundir};
	int r = slirp_parse_options(options, &o, err);

	if (r >= 0)
		r = slirp_start(netns, userns, &o, ret_pid, err);
	if (r < 0)
		return r;
	use_slirp_dns(bundle);
	if (o.allow_host_loopback)
		add_hosts_line(bundle, SLIRP_GATEWAY "\thost.containers.internal host.docker.internal\n");
	return 0;
}

static void pasta_files(const char *rundir, char *pidfile, char *logfile, size_t len)
{
	snprintf(pidfile, len, "%s/pasta.pid", rundir);
	snprintf(logfile, len, "%s/pasta.log", rundir);
}

/* --network pasta[:OPT,...], or published ports (pasta being installed): started here,
 * waited for in monitor_network_finish(). */
static int start_pasta(char *mode, int netns, int userns, const struct port_mapping *ports,
		       size_t n, const char *rundir, struct monitor_net *net, berth_error *err)
{
	char pidfile[4096], logfile[4096];
	char *extra[32];
	int r;

	pasta_files(rundir, pidfile, logfile, sizeof(pidfile));
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
	r = pasta_spawn(netns, userns, &o, &net->pasta, err);
	if (r < 0)
		return r;
	net->pasta_pending = true;
	net->map_gw = o.map_host_loopback;
	/* Root's default network: the host's own clients take the kernel path, as podman's
	 * bridge (pasta keeps the rest). --network pasta asked for pasta, so gets it whole. */
	if (!mode && userns < 0 && geteuid() == 0 && n > 0) {
		berth_error fwd_err = { 0 };
		r = local_forward_start(netns, ports, n, &fwd_err);
		if (r >= 0)
			net->local_forward = r;
		else if (r != -ENOENT)
			log_msg(LOG_LVL_DEBUG, "published ports stay with pasta alone: %s", fwd_err.msg);
	}
	return 0;
}

int monitor_network_finish(const char *bundle, const char *rundir, struct monitor_net *net,
			   berth_error *err)
{
	char pidfile[4096], logfile[4096];
	int r;

	if (!net->pasta_pending)
		return 0;
	net->pasta_pending = false;
	pasta_files(rundir, pidfile, logfile, sizeof(pidfile));
	r = pasta_wait(net->pasta, &(struct pasta_opts){ .pidfile = pidfile, .logfile = logfile }, err);
	if (r < 0) {
		net->pasta = 0; /* exited and reaped */
		return r;
	}
	if (net->map_gw)
		add_host_gateway(bundle);
	return 0;
}

static const char *annotation(json_t *cfg, const char *key)
{
	return json_string_value(json_object_get(json_object_get(cfg, "annotations"), key));
}

int monitor_network_setup(const char *bundle, pid_t pid, const char *rundir, struct monitor_net *net,
			  berth_error *err)
{
	_cleanup_free_ struct port_mapping *ports = NULL;
	_cleanup_close_ int netns = -1, userns = -1;
	_cleanup_free_ char *pasta = NULL, *slirp = NULL;
	char path[4096];
	json_error_t jerr;
	json_t *cfg, *arr;
	const char *s;
	bool rootless;
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	cfg = json_load_file(path, 0, &jerr);
	if (!cfg)
		return berr(err, EINVAL, "%s: %s", path, jerr.text);
	/* "lo" of a new network namespace: the runtime brings it up in the container's process */
	rootless = has_user_namespace(cfg);
	s = annotation(cfg, "io.berth.network.ports");
	if ((annotation(cfg, "io.berth.network.pasta") &&
	     !(pasta = strdup(annotation(cfg, "io.berth.network.pasta")))) ||
	    (annotation(cfg, "io.berth.network.slirp4netns") &&
	     !(slirp = strdup(annotation(cfg, "io.berth.network.slirp4netns"))))) {
		json_decref(cfg);
		return berr(err, ENOMEM, "out of memory");
	}
	if (s) {
		arr = json_loads(s, 0, &jerr);
		r = port_mappings_from_json(arr, &ports, &n, err);
		json_decref(arr);
		if (r < 0) {
			json_decref(cfg);
			return r;
		}
	}
	json_decref(cfg);
	if (n == 0 && !pasta && !slirp)
		return 0;
	/* Published ports without a chosen helper: pasta, else slirp4netns, as podman. */
	if (!pasta && !slirp && !pasta_available()) {
		if (!slirp_available())
			return berr(err, ENOENT,
				    "publishing ports needs pasta or slirp4netns, and neither is "
				    "installed: apt-get install passt (or slirp4netns)");
		slirp = strdup("");
		if (!slirp)
			return berr(err, ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return berr_errno(err, errno, "open the container's network namespace");
	if (rootless) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return berr_errno(err, errno, "open the container's user namespace");
	}
	if (slirp)
		return start_slirp(bundle, slirp, netns, userns, ports, n, rundir, &net->pasta, err);
	return start_pasta(pasta, netns, userns, ports, n, rundir, net, err);
}
