/* SPDX-License-Identifier: Apache-2.0 */
#include "network/slirp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "network/helper.h"
#include "util/fileio.h"
#include "util/macro.h"

#define SLIRP_API_SOCKET   "slirp4netns.sock"
#define SLIRP_LOG	   "slirp4netns.log"
#define SLIRP_READY_MS	   10000
#define SLIRP_REPLY_MAX	   4096
#define SLIRP_DEFAULT_MTU  65520

static const char *find_slirp(void)
{
	static const char *const candidates[] = {"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns",
						 NULL};
	return net_helper_find(candidates);
}

bool slirp_available(void)
{
	return find_slirp() != NULL;
}

static int parse_bool(const char *key, const char *v, bool *ret, berth_error *err)
{
	if (strcmp(v, "true") == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0)
		*ret = false;
	else
		return berr(err, EINVAL, "--network slirp4netns: %s must be true or false, not \"%s\"",
			    key, v);
	return 0;
}

int slirp_parse_options(const char *text, struct slirp_opts *ret, berth_error *err)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	char *save = NULL;
	int r = 0;

	if (!copy)
		return berr(err, ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t && r >= 0; t = strtok_r(NULL, ",", &save)) {
		char *v = strchr(t, '=');
		if (!v)
			return berr(err, EINVAL, "--network slirp4netns: option \"%s\" needs a value "
						 "(NAME=VALUE)", t);
		*v++ = '\0';
		if (strcmp(t, "allow_host_loopback") == 0) {
			r = parse_bool(t, v, &ret->allow_host_loopback, err);
		} else if (strcmp(t, "enable_ipv6") == 0) {
			r = parse_bool(t, v, &ret->enable_ipv6, err);
		} else if (strcmp(t, "mtu") == 0) {
			char *end;
			unsigned long m = strtoul(v, &end, 10);
			if (*end || m < 68 || m > 65521)
				return berr(err, EINVAL,
					    "--network slirp4netns: mtu must be 68..65521, not \"%s\"", v);
			ret->mtu = (unsigned int)m;
		} else if (strcmp(t, "port_handler") == 0) {
			if (strcmp(v, "slirp4netns") != 0 && strcmp(v, "rootlessport") != 0)
				return berr(err, EINVAL, "--network slirp4netns: port_handler must be "
							 "slirp4netns or rootlessport, not \"%s\"", v);
		} else {
			return berr(err, EINVAL,
				    "--network slirp4netns: unknown option \"%s\" (berth knows "
				    "allow_host_loopback, enable_ipv6, mtu, port_handler)", t);
		}
	}
	return r;
}

/* Waits for slirp4netns's byte on the ready pipe; false if it died or took too long. */
static bool wait_ready(int ready_fd)
{
	struct pollfd p = {.fd = ready_fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, SLIRP_READY_MS) <= 0)
		return false;
	return read(ready_fd, &c, 1) == 1;
}

/* One API request on a fresh connection; @ret_reply gets slirp4netns's JSON answer. */
static int api_call(int dirfd, const char *request, json_t **ret_reply, berth_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[SLIRP_REPLY_MAX + 1];
	size_t used = 0;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, SLIRP_API_SOCKET);
	if (sk < 0 || connect(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berr_errno(err, errno, "connect to slirp4netns's API socket");
	if (write_all(sk, request, strlen(request)) < 0 || shutdown(sk, SHUT_WR) < 0)
		return berr_errno(err, errno, "send a request to slirp4netns");
	while (used < SLIRP_REPLY_MAX && (n = read(sk, buf + used, SLIRP_REPLY_MAX - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	*ret_reply = json_loads(buf, 0, NULL);
	return *ret_reply ? 0 : berr(err, EIO, "slirp4netns answered \"%.200s\"", buf);
}

/* add_hostfwd for every port of @m (a range is one request per port). */
static int publish(int dirfd, const struct port_mapping *m, berth_error *err)
{
	for (unsigned int i = 0; i < m->range; i++) {
		unsigned int hp = (m->host_port ? m->host_port : m->container_port) + i;
		json_t *req = json_pack("{s:s, s:{s:s, s:s, s:i, s:i}}", "execute", "add_hostfwd",
					"arguments", "proto", m->protocol, "host_addr",
					m->host_ip[0] ? m->host_ip : "0.0.0.0", "host_port", (int)hp,
					"guest_port", (int)(m->container_port + i));
		_cleanup_free_ char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_t *reply = NULL;
		int r;

		json_decref(req);
		if (!text)
			return berr(err, ENOMEM, "out of memory");
		r = api_call(dirfd, text, &reply, err);
		if (r < 0)
			return r;
		if (!json_object_get(reply, "return")) {
			const char *desc = json_string_value(
			    json_object_get(json_object_get(reply, "error"), "desc"));
			r = berr(err, EADDRINUSE,
				 "cannot publish port %u/%s through slirp4netns (%s): the host port "
				 "is probably in use; choose another host port",
				 hp, m->protocol, desc ? desc : "no reason given");
			json_decref(reply);
			return r;
		}
		json_decref(reply);
	}
	return 0;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int slirp_start(int netns_fd, int userns_fd, const struct slirp_opts *opts, pid_t *ret_pid,
		berth_error *err)
{
	const char *slirp = find_slirp();
	_cleanup_close_ int logfd = -1, dirfd = -1;
	int ready[2] = {-1, -1}, r;
	char mtu[32];
	const char *argv[16];
	size_t n = 0;
	pid_t pid;

	if (!slirp)
		return berr(err, ENOENT, "--network slirp4netns needs slirp4netns, which is not "
					 "installed: apt-get install slirp4netns");
	dirfd = open(opts->rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berr_errno(err, errno, "open %s", opts->rundir);
	unlinkat(dirfd, SLIRP_API_SOCKET, 0);
	logfd = openat(dirfd, SLIRP_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		       0600);
	if (logfd < 0)
		return berr_errno(err, errno, "create %s/%s", opts->rundir, SLIRP_LOG);
	snprintf(mtu, sizeof(mtu), "--mtu=%u", opts->mtu ? opts->mtu : SLIRP_DEFAULT_MTU);
	argv[n++] = "slirp4netns";
	argv[n++] = "--configure";
	argv[n++] = mtu;
	argv[n++] = "--ready-fd=5"; /* NET_HELPER_EXTRA_FD */
	argv[n++] = "--api-socket=" SLIRP_API_SOCKET; /* relative to its cwd: short enough */
	argv[n++] = "--netns-type=path";
	if (userns_fd >= 0)
		argv[n++] = "--userns-path=/proc/self/fd/4"; /* NET_HELPER_USERNS_FD */
	if (!opts->allow_host_loopback)
		argv[n++] = "--disable-host-loopback";
	if (opts->enable_ipv6)
		argv[n++] = "--enable-ipv6";
	argv[n++] = "/proc/self/fd/3"; /* NET_HELPER_NETNS_FD */
	argv[n++] = "tap0";
	argv[n] = NULL;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return berr_errno(err, errno, "pipe");
	r = net_helper_spawn(slirp, argv, opts->rundir, netns_fd, userns_fd, ready[1], logfd, &pid,
			     err);
	close(ready[1]);
	if (r < 0) {
		close(ready[0]);
		return r;
	}
	if (!wait_ready(ready[0])) {
		_cleanup_free_ char *out = NULL;
		close(ready[0]);
		stop(pid);
		(void)read_file_at(dirfd, SLIRP_LOG, 64 * 1024, &out, NULL, NULL);
		if (out && strstr(out, "/dev/net/tun"))
			return berr(err, EACCES, "slirp4netns cannot open /dev/net/tun; it must be "
						 "mode 0666 (chmod 0666 /dev/net/tun, as "
						 "scripts/install-deps does)");
		if (!out || !*out)
			return berr(err, EIO, "slirp4netns failed without a message; see %s/%s",
				    opts->rundir, SLIRP_LOG);
		return berr(err, EIO, "slirp4netns failed: %.*s", (int)strcspn(out, "\n"), out);
	}
	close(ready[0]);
	for (size_t i = 0; i < opts->nports; i++) {
		r = publish(dirfd, &opts->ports[i], err);
		if (r < 0) {
			stop(pid);
			return r;
		}
	}
	*ret_pid = pid;
	return 0;
}
