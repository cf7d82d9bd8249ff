/* SPDX-License-Identifier: Apache-2.0 */
#include "network/pasta.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network/helper.h"
#include "util/fileio.h"
#include "util/macro.h"

#define PASTA_MAX_ARGS 64

static const char *find_pasta(void)
{
	static const char *const candidates[] = { "/usr/bin/pasta", "/usr/local/bin/pasta",
						  "/usr/sbin/pasta", NULL };
	return net_helper_find(candidates);
}

/*
 * The program to exec: pasta re-execs itself as pasta.avx2 where the CPU has AVX2 (Debian
 * ships both); going there directly saves an exec on every start.
 */
static const char *pasta_program(const char *pasta, char *buf, size_t len)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || (size_t)snprintf(buf, len, "%s.avx2", pasta) >= len ||
	    access(buf, X_OK) != 0)
		return pasta;
	return buf;
}

bool pasta_available(void)
{
	return find_pasta() != NULL;
}

/* "-t 5000:5000,8080:80" style lists, one per protocol; pasta wants HOST:CTR pairs. */
static void port_list(const struct pasta_opts *o, const char *proto, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nports; i++) {
		const struct port_mapping *m = &o->ports[i];
		char one[128];
		if (strcmp(m->protocol, proto) != 0)
			continue;
		if (m->range > 1)
			snprintf(one, sizeof(one), "%s%s%u-%u:%u-%u", m->host_ip, m->host_ip[0] ? "/" : "",
				 m->host_port, m->host_port + m->range - 1, m->container_port,
				 m->container_port + m->range - 1);
		else
			snprintf(one, sizeof(one), "%s%s%u:%u", m->host_ip, m->host_ip[0] ? "/" : "",
				 m->host_port, m->container_port);
		used += (size_t)snprintf(buf + used, len > used ? len - used : 0, "%s%s", used ? "," : "", one);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* Turns pasta's own words into one line that says what to do. */
static int explain_failure(const char *out, int status, berth_error *err)
{
	const char *line = out && *out ? out : "no output";
	char first[512];
	size_t n;

	/* pasta also complains that it has no syslog: skip to the line that says what failed. */
	while (strstr(line, "syslog") && strchr(line, '\n') && strchr(line, '\n')[1])
		line = strchr(line, '\n') + 1;
	n = strcspn(line, "\n");
	snprintf(first, sizeof(first), "%.*s", (int)(n < 400 ? n : 400), line);
	if (strstr(out, "Address already in use") || strstr(out, "Failed to bind"))
		return berr(err, EADDRINUSE,
			    "cannot publish the port: it is already in use on the host (%s); choose another host port",
			    first);
	if (strstr(out, "/dev/net/tun"))
		return berr(err, EACCES,
			    "pasta cannot open /dev/net/tun (%s); it must be mode 0666 (chmod 0666 /dev/net/tun, "
			    "as scripts/install-deps does)",
			    first);
	return berr(err, EIO, "pasta failed (exit status %d): %s", status, first);
}

/* Waits until pasta wrote its pid file (namespace configured, ports bound) or died. */
static int wait_ready(pid_t pid, const char *pidfile, int *ret_status)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	for (int i = 0; i < 2000; i++) { /* 10 s */
		int status;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			*ret_status = status;
			return -1;
		}
		if (access(pidfile, F_OK) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, ret_status, 0);
	return -1;
}

int pasta_spawn(int netns_fd, int userns_fd, const struct pasta_opts *opts, pid_t *ret_pid,
		berth_error *err)
{
	const char *pasta = find_pasta();
	char tcp[2048], udp[2048], prog[4096];
	const char *argv[PASTA_MAX_ARGS];
	_cleanup_close_ int logfd = -1;
	size_t n = 0;

	if (!pasta)
		return berr(err, ENOENT,
			    "publishing ports needs pasta, which is not installed: apt-get install passt");
	if (!opts->pidfile || !opts->logfile)
		return berr(err, EINVAL, "pasta_start: a pid file and a log file are required");
	port_list(opts, "tcp", tcp, sizeof(tcp));
	port_list(opts, "udp", udp, sizeof(udp));
	argv[n++] = "pasta";
	argv[n++] = "--foreground";
	argv[n++] = "--quiet";
	argv[n++] = "--config-net";
	if (geteuid() == 0) {
		/* As root pasta would switch to nobody and lose access to our namespace fds. */
		argv[n++] = "--runas";
		argv[n++] = "0";
	}
	argv[n++] = "--netns";
	argv[n++] = "/proc/self/fd/3" /* NET_HELPER_NETNS_FD */;
	if (userns_fd >= 0) {
		argv[n++] = "--userns";
		argv[n++] = "/proc/self/fd/4" /* NET_HELPER_USERNS_FD */;
	}
	argv[n++] = "-t";
	argv[n++] = tcp;
	argv[n++] = "-u";
	argv[n++] = udp;
	argv[n++] = "-T";
	argv[n++] = "none";
	argv[n++] = "-U";
	argv[n++] = "none";
	if (!opts->map_host_loopback)
		argv[n++] = "--no-map-gw";
	argv[n++] = "--pid";
	argv[n++] = opts->pidfile;
	for (char *const *e = opts->extra; e && *e && n < PASTA_MAX_ARGS - 1; e++)
		argv[n++] = *e;
	argv[n] = NULL;

	unlink(opts->pidfile);
	logfd = open(opts->logfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		return berr_errno(err, errno, "create %s", opts->logfile);
	return net_helper_spawn(pasta_program(pasta, prog, sizeof(prog)), argv, NULL, netns_fd,
				userns_fd, -1, logfd, ret_pid, err);
}

int pasta_wait(pid_t pid, const struct pasta_opts *opts, berth_error *err)
{
	_cleanup_free_ char *out = NULL;
	int status = 0;

	if (wait_ready(pid, opts->pidfile, &status) == 0)
		return 0;
	(void)read_file_at(AT_FDCWD, opts->logfile, 64 * 1024, &out, NULL, NULL);
	return explain_failure(out ? out : "", WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
}
