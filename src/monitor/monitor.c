/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor.c - berth-monitor: the one process that stays with a running container.
 *
 * Theory of operation. The CLI (`run`, `start`) forks and execs us with a sync pipe and,
 * when it wants to see the output, one end of a SOCK_SEQPACKET socketpair (the first attached
 * client). We then:
 *   1. setsid() and fork once more; the first process exits at once, so the CLI that waits for
 *      it never holds a monitor as a child and can exit (`run -d` leaves no berth process);
 *   2. become a child subreaper, point our own stdio at /dev/null, block SIGCHLD (signalfd);
 *   3. bind <rundir>/attach, make the container's stdio pipes, and call
 *      runtime_create_and_start_hooked(), whose hooks set up the network (pasta or slirp4netns and
 *      its ports) before the container's process is released, so it never runs without its
 *      network and a taken port fails the start; a failure goes back over the sync pipe as
 *      "err EXIT-CODE message" (125/126/127), success as "ok PID PID-START MONITOR-PID";
 *   4. loop: container output → k8s-file log + every attached client; clients' stdin → the
 *      container; new clients accepted; SIGCHLD reaps everything (we are the subreaper);
 *   5. when the container's pid is reaped: drain the pipes, write <rundir>/exit
 *      ("EXIT-CODE FINISHED-NS", atomically), send the exit packet to the clients, remove the
 *      cgroup, and exec the exit command (`berth [globals] container cleanup ID`), which
 *      records the exit in the store and handles --rm.
 * No SQLite here: the store is the CLI's business, through the exit command.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <termios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container_attach.h"
#include "engine/container_log.h"
#include "engine/container_proc.h"
#include "engine/container_status.h"
#include "monitor/health.h"
#include "monitor/network.h"
#include "monitor/notify_proxy.h"
#include "runtime/runtime.h"
#include "util/fileio.h"
#include "util/sd_notify.h"
#include "util/macro.h"

#define MAX_CLIENTS 16
#define READ_CHUNK (32 * 1024)

/**
 * struct monitor - everything the event loop works on
 * @clients:	attached client sockets (-1 = free slot)
 * @out/@errp:	read ends of the container's stdout/stderr pipes (-1 once at EOF)
 * @in:		write end of its stdin pipe, or -1
 */
struct monitor {
	const char *id;
	const char *bundle;
	const char *rundir;
	const char *log_path;
	const char *log_driver;
	unsigned long long log_max;
	int sync_fd;
	int attach_fd;
	bool want_stdin;
	char **exit_cmd;
	pid_t exec_pid;		/* exec mode: the container's init pid ... */
	long long exec_start;	/* ... and its start time */
	const char *exec_spec;	/* exec mode: JSON with args, env, cwd, uid, gid */

	struct ctr_log_writer *log;
	int listen_fd;
	int clients[MAX_CLIENTS];
	int out, errp, in;
	int sigfd;
	pid_t pid;
	struct monitor_net net; /* pasta publishes ports; holds the netns open, so ended when the
				   container exits */
	bool pty;
	bool exited;
	int exit_code;
	struct monitor_health health; /* health.c: the --health-cmd timer */
	bool owner; /* clients[0] is still the CLI that started the container (--attach-fd) */
	bool sdnotify_container; /* --sdnotify=container: relay the container's messages */
	int notify_fd;		 /* ... from this socket (notify_proxy.h), or -1 */
};

static void sync_reply(struct monitor *m, const char *fmt, ...) _printf_(2, 3);
static void sync_reply(struct monitor *m, const char *fmt, ...)
{
	char buf[BERTH_ERROR_MAX + 64];
	va_list ap;
	int n;

	if (m->sync_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write_all(m->sync_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	close(m->sync_fd);
	m->sync_fd = -1;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "berth-monitor: %s\n"
			"berth-monitor is started by berth run/start; it is not meant to be run by hand.\n",
		msg);
	return 125;
}

static int parse_args(struct monitor *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "log-driver", required_argument, NULL, 'd' },
		{ "log-max-size", required_argument, NULL, 'm' },
		{ "sync-fd", required_argument, NULL, 's' },
		{ "attach-fd", required_argument, NULL, 'a' },
		{ "stdin", no_argument, NULL, 'I' },
		{ "exec-pid", required_argument, NULL, 'P' },
		{ "exec-start", required_argument, NULL, 'S' },
		{ "exec-spec", required_argument, NULL, 'E' },
		{ "seccomp-cache", required_argument, NULL, 'C' },
		{ "sdnotify-container", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	m->sync_fd = m->attach_fd = -1;
	m->log_driver = "k8s-file";
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'i': m->id = optarg; break;
		case 'b': m->bundle = optarg; break;
		case 'r': m->rundir = optarg; break;
		case 'l': m->log_path = optarg; break;
		case 'd': m->log_driver = optarg; break;
		case 'm': m->log_max = strtoull(optarg, NULL, 10); break;
		case 's': m->sync_fd = atoi(optarg); break;
		case 'a': m->attach_fd = atoi(optarg); break;
		case 'I': m->want_stdin = true; break;
		case 'P': m->exec_pid = (pid_t)atoi(optarg); break;
		case 'S': m->exec_start = strtoll(optarg, NULL, 10); break;
		case 'E': m->exec_spec = optarg; break;
		case 'C': runtime_seccomp_cache(optarg); break;
		case 'N': m->sdnotify_container = true; break;
		default: return -1;
		}
	}
	if (!m->id || !m->bundle || !m->rundir)
		return -1;
	m->exit_cmd = optind < argc ? argv + optind : NULL;
	return 0;
}

/* detach() - setsid + fork: the CLI's child exits now; the grandchild carries on. */
static int detach(void)
{
	pid_t p;

	if (setsid() < 0)
		return -errno;
	p = fork();
	if (p < 0)
		return -errno;
	if (p > 0)
		_exit(0);
	return 0;
}

static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (i != fd)
			(void)dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void client_drop(struct monitor *m, int i)
{
	if (i == 0)
		m->owner = false;
	close(m->clients[i]);
	m->clients[i] = -1;
}

static void client_add(struct monitor *m, int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			return;
		}
	close(fd);
}

static void broadcast(struct monitor *m, int type, const char *data, size_t len)
{
	char buf[CTR_ATTACH_PACKET_MAX];

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = (char)type;
	memcpy(buf + 1, data, len);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (m->clients[i] < 0)
			continue;
		/* Blocking on purpose: an attached client must see all the output. */
		while (send(m->clients[i], buf, len + 1, MSG_NOSIGNAL) < 0) {
			if (errno != EINTR) {
				client_drop(m, i);
				break;
			}
		}
	}
}

/* pump_output() - move what is readable on @fd to the log and the clients; false at EOF. */
static bool pump_output(struct monitor *m, int fd, bool is_stderr)
{
	char buf[READ_CHUNK];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		if (m->log)
			ctr_log_write(m->log, is_stderr ? "stderr" : "stdout", buf, (size_t)n, 0);
		broadcast(m, is_stderr ? CTR_ATTACH_STDERR : CTR_ATTACH_STDOUT, buf, (size_t)n);
		if ((size_t)n < sizeof(buf))
			return true;
	}
}

static void close_stdin(struct monitor *m)
{
	if (m->in >= 0) {
		close(m->in);
		m->in = -1;
	}
}

static void client_input(struct monitor *m, int i)
{
	char buf[CTR_ATTACH_PACKET_MAX];
	ssize_t n = recv(m->clients[i], buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_drop(m, i);
		return;
	}
	if (buf[0] == CTR_ATTACH_STDIN && m->in >= 0) {
		if (write_all(m->in, buf + 1, (size_t)n - 1) < 0)
			close_stdin(m);
	} else if (buf[0] == CTR_ATTACH_STDIN_EOF) {
		/* on a terminal, EOF is the EOT character; the terminal itself stays open */
		if (m->pty && m->in >= 0)
			write_all(m->in, "\004", 1);
		else
			close_stdin(m);
	} else if (buf[0] == CTR_ATTACH_RESIZE && m->pty) {
		struct winsize ws = { 0 };
		unsigned rows = 0, cols = 0;
		buf[n < (ssize_t)sizeof(buf) ? n : (ssize_t)sizeof(buf) - 1] = '\0';
		if (sscanf(buf + 1, "%u %u", &rows, &cols) == 2) {
			ws.ws_row = (unsigned short)rows;
			ws.ws_col = (unsigned short)cols;
			ioctl(m->out, TIOCSWINSZ, &ws);
		}
	}
}

static void reap(struct monitor *m)
{
	struct signalfd_siginfo si;
	int status;
	pid_t p;

	while (read(m->sigfd, &si, sizeof(si)) > 0)
		;
	while ((p = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (p != m->pid) {
			monitor_health_reaped(&m->health, p);
			continue;
		}
		m->exited = true;
		if (WIFEXITED(status))
			m->exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			m->exit_code = 128 + WTERMSIG(status);
	}
}

static void loop(struct monitor *m)
{
	while (!m->exited) {
		struct pollfd p[6 + MAX_CLIENTS];
		int n = 0, idx_out = -1, idx_err = -1, idx_listen = -1, idx_health = -1,
		    idx_notify = -1, first_client;

		p[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
		if (m->out >= 0) {
			idx_out = n;
			p[n++] = (struct pollfd){ .fd = m->out, .events = POLLIN };
		}
		if (m->errp >= 0) {
			idx_err = n;
			p[n++] = (struct pollfd){ .fd = m->errp, .events = POLLIN };
		}
		if (m->listen_fd >= 0) {
			idx_listen = n;
			p[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		}
		if (m->health.timer_fd >= 0) {
			idx_health = n;
			p[n++] = (struct pollfd){ .fd = m->health.timer_fd, .events = POLLIN };
		}
		if (m->notify_fd >= 0) {
			idx_notify = n;
			p[n++] = (struct pollfd){ .fd = m->notify_fd, .events = POLLIN };
		}
		first_client = n;
		for (int i = 0; i < MAX_CLIENTS; i++)
			p[n++] = (struct pollfd){ .fd = m->clients[i], .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (idx_out >= 0 && p[idx_out].revents && !pump_output(m, m->out, false)) {
			close(m->out);
			m->out = -1;
		}
		if (idx_err >= 0 && p[idx_err].revents && !pump_output(m, m->errp, true)) {
			close(m->errp);
			m->errp = -1;
		}
		if (idx_listen >= 0 && p[idx_listen].revents) {
			int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0)
				client_add(m, c);
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (m->clients[i] >= 0 && p[first_client + i].revents)
				client_input(m, i);
		if (idx_health >= 0 && p[idx_health].revents)
			monitor_health_fire(&m->health);
		if (idx_notify >= 0 && p[idx_notify].revents)
			notify_proxy_relay(m->notify_fd, (int)getpid());
		if (p[0].revents)
			reap(m);
	}
	/* The container is gone: what its pipes still hold is its last output. */
	if (m->out >= 0)
		pump_output(m, m->out, false);
	if (m->errp >= 0)
		pump_output(m, m->errp, true);
}

/*
 * owner_done() - after the exit packet, wait for the CLI that started the container (run,
 * start -a) to record the exit: its DONE, or its socket closing if it died. Running the exit
 * command meanwhile would only queue on the container's lock behind it. True when the CLI
 * removed the container itself (--rm), so that there is nothing left to clean up.
 */
static bool owner_done(struct monitor *m)
{
	char buf[16];
	struct pollfd p = { .fd = m->clients[0], .events = POLLIN };

	if (!m->owner)
		return false;
	for (;;) {
		/* bounded: a stopped CLI must not keep a --restart policy from acting */
		int r = poll(&p, 1, 30 * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		ssize_t n = recv(m->clients[0], buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		if (buf[0] == CTR_ATTACH_DONE)
			return n == 8 && memcmp(buf + 1, "removed", 7) == 0;
		/* late stdin or resize packets: the container is gone, drop them */
	}
}

static int write_exit_file(struct monitor *m)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%d %lld\n", m->exit_code, (long long)ctr_now_ns());
	_cleanup_close_ int dirfd = open(m->rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	_cleanup_close_ int fd = -1;

	if (dirfd < 0)
		return -errno;
	/* Atomic (temp + rename) but not fsync'ed: the run dir does not outlive a reboot. */
	fd = openat(dirfd, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_all(fd, buf, (size_t)n) < 0)
		return -errno;
	return renameat(dirfd, "exit.tmp", dirfd, "exit") < 0 ? -errno : 0;
}

static int make_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
}

static char **json_strv(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	char **v = calloc(n + 1, sizeof(char *));
	json_t *e;

	if (!v)
		return NULL;
	json_array_foreach (arr, i, e) {
		if (!json_is_string(e) || !(v[i] = strdup(json_string_value(e)))) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

/*
 * exec_in_container() - exec mode: join the running container whose init is --exec-pid (checked
 * against --exec-start, so a reused pid is refused) and start the process of --exec-spec.
 */
static int exec_in_container(struct monitor *m, struct runtime_config *cfg,
			     const struct runtime_stdio *io, struct runtime_process *proc,
			     berth_error *err)
{
	_cleanup_strv_free_ char **args = NULL, **env = NULL;
	_cleanup_close_ int pidfd = -1;
	json_t *spec = json_load_file(m->exec_spec, 0, NULL);
	struct runtime_exec_opts o = { 0 };
	int r;

	if (!json_is_object(spec)) {
		json_decref(spec);
		return berr(err, EINVAL, "exec: cannot read %s", m->exec_spec);
	}
	args = json_strv(json_object_get(spec, "args"));
	if (json_is_array(json_object_get(spec, "env")))
		env = json_strv(json_object_get(spec, "env"));
	o.args = args;
	o.env = env;
	o.cwd = json_string_value(json_object_get(spec, "cwd"));
	o.uid = (uid_t)json_integer_value(json_object_get(spec, "uid"));
	o.gid = (gid_t)json_integer_value(json_object_get(spec, "gid"));
	o.terminal = json_is_true(json_object_get(spec, "terminal"));
	pidfd = (int)syscall(SYS_pidfd_open, m->exec_pid, 0);
	if (pidfd < 0 || !ctr_proc_alive(m->exec_pid, m->exec_start)) {
		json_decref(spec);
		return berr(err, ESRCH, "the container is not running any more");
	}
	r = runtime_exec(cfg, pidfd, &o, io, proc, err);
	json_decref(spec);
	return r;
}

/*
 * write_pid_file() - <rundir>/pid "PID START MONITOR-PID": lets the engine find a container
 * whose CLI was killed before it recorded the start (see ctr_refresh()).
 */
static void write_pid_file(struct monitor *m, int64_t start)
{
	_cleanup_close_ int dirfd = open(m->rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%d %lld %d\n", (int)m->pid, (long long)start,
			 (int)getpid());

	if (dirfd < 0)
		return;
	fd = openat(dirfd, "pid.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_all(fd, buf, (size_t)n) < 0)
		return;
	renameat(dirfd, "pid.tmp", dirfd, "pid");
}

/* The runtime's hooks: the network helper starts as soon as the namespaces exist and is
 * ready before the container's process runs. */
static int network_hook(pid_t pid, void *data, berth_error *err)
{
	struct monitor *m = data;

	return monitor_network_setup(m->bundle, pid, m->rundir, &m->net, err);
}

static int network_ready_hook(void *data, berth_error *err)
{
	struct monitor *m = data;

	return monitor_network_finish(m->bundle, m->rundir, &m->net, err);
}

/* pasta (or slirp4netns), and the kernel path's owner socket: their rules go with it */
static void stop_network_helpers(struct monitor *m)
{
	if (m->net.pasta > 0) {
		kill(m->net.pasta, SIGTERM);
		waitpid(m->net.pasta, NULL, 0);
		m->net.pasta = 0;
	}
	if (m->net.local_forward >= 0) {
		close(m->net.local_forward);
		m->net.local_forward = -1;
	}
}

static int start_container(struct monitor *m, struct runtime_config *cfg)
{
	struct runtime_hooks hooks = { .namespaces_ready = network_hook,
				       .before_exec = network_ready_hook,
				       .data = m };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	struct runtime_stdio io = { .fds = { -1, -1, -1 } };
	struct runtime_process proc = { .pid = 0, .pidfd = -1, .pty_master = -1 };
	berth_error err = { 0 };
	int64_t start = 0;
	int r;

	if (make_pipe(outp) < 0 || make_pipe(errp) < 0 || (m->want_stdin && make_pipe(inp) < 0)) {
		sync_reply(m, "err 125 create the container's stdio pipes: %s\n", strerror(errno));
		return -1;
	}
	io.fds[0] = inp[0];
	io.fds[1] = outp[1];
	io.fds[2] = errp[1];
	r = m->exec_spec ? exec_in_container(m, cfg, &io, &proc, &err)
			 : runtime_create_and_start_hooked(cfg, &io, &hooks, &proc, &err);
	close(outp[1]);
	close(errp[1]);
	if (inp[0] >= 0)
		close(inp[0]);
	if (r < 0) {
		/* A port that cannot be published fails the start: no half-started container. */
		stop_network_helpers(m);
		sync_reply(m, "err %d %s\n", err.exit_code ? err.exit_code : 125,
			   err.msg[0] ? err.msg : strerror(-r));
		return -1;
	}
	if (proc.pidfd >= 0)
		close(proc.pidfd);
	m->pid = proc.pid;
	if (proc.pty_master >= 0) {
		/* -t: the terminal carries output (as "stdout") and, with -i, input */
		close(outp[0]);
		close(errp[0]);
		if (inp[1] >= 0)
			close(inp[1]);
		m->out = proc.pty_master;
		m->in = m->want_stdin ? fcntl(proc.pty_master, F_DUPFD_CLOEXEC, 3) : -1;
		m->pty = true;
	} else {
		m->out = outp[0];
		m->errp = errp[0];
		m->in = inp[1];
		fcntl(m->errp, F_SETFL, O_NONBLOCK);
	}
	fcntl(m->out, F_SETFL, O_NONBLOCK);
	ctr_proc_start_time(m->pid, &start);
	if (!m->exec_spec)
		write_pid_file(m, start);
	sync_reply(m, "ok %d %lld %d\n", (int)m->pid, (long long)start, (int)getpid());
	/* Under systemd (Type=notify units): we are the service's main process. With
	 * --sdnotify=container the container says when it is ready (notify_proxy_relay()). */
	if (!m->exec_spec && !m->sdnotify_container) {
		char state[64];
		snprintf(state, sizeof(state), "MAINPID=%d\nREADY=1", (int)getpid());
		sd_notify_send(NULL, state);
		unsetenv("NOTIFY_SOCKET");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct monitor m = { .listen_fd = -1, .out = -1, .errp = -1, .in = -1, .sigfd = -1,
			     .health.timer_fd = -1, .notify_fd = -1, .net.local_forward = -1 };
	struct runtime_config *cfg = NULL;
	berth_error err = { 0 };
	sigset_t mask;
	int r;

	if (parse_args(&m, argc, argv) < 0)
		return usage_error("missing or unknown arguments");
	for (int i = 0; i < MAX_CLIENTS; i++)
		m.clients[i] = -1;
	if (m.sync_fd >= 0)
		fcntl(m.sync_fd, F_SETFD, FD_CLOEXEC);
	if (m.attach_fd >= 0) {
		fcntl(m.attach_fd, F_SETFD, FD_CLOEXEC);
		m.clients[0] = m.attach_fd;
		m.owner = true;
	}
	if (detach() < 0) {
		sync_reply(&m, "err 125 detach the monitor: %s\n", strerror(errno));
		return 125;
	}
	null_stdio();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	m.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	if (mkdir(m.rundir, 0700) < 0 && errno != EEXIST) {
		sync_reply(&m, "err 125 create %s: %s\n", m.rundir, strerror(errno));
		return 125;
	}
	if (m.sdnotify_container && (m.notify_fd = notify_proxy_open(m.rundir)) < 0) {
		sync_reply(&m, "err 125 create the notify socket in %s: %s\n", m.rundir,
			   strerror(errno));
		return 125;
	}
	r = runtime_config_load(m.bundle, &cfg, &err);
	if (r < 0) {
		sync_reply(&m, "err 125 %s\n", err.msg);
		return 125;
	}
	if (m.log_path && strcmp(m.log_driver, "none") != 0 &&
	    ctr_log_writer_open(m.log_path, m.log_max, &m.log, &err) < 0) {
		sync_reply(&m, "err 125 %s\n", err.msg);
		runtime_config_free(cfg);
		return 125;
	}
	/* exec sessions are attached only through the socketpair they were started with */
	if (!m.exec_spec && (m.listen_fd = ctr_attach_listen(m.rundir, &err)) < 0) {
		sync_reply(&m, "err 125 %s\n", err.msg);
		runtime_config_free(cfg);
		ctr_log_writer_close(m.log);
		return 125;
	}
	if (start_container(&m, cfg) < 0) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", m.rundir, CTR_ATTACH_SOCKET);
		unlink(path);
		runtime_config_free(cfg);
		ctr_log_writer_close(m.log);
		return 125;
	}
	if (!m.exec_spec)
		monitor_health_init(&m.health, m.bundle, m.rundir, m.exit_cmd);
	loop(&m);
	monitor_health_done(&m.health);
	stop_network_helpers(&m);
	write_exit_file(&m);
	if (m.listen_fd >= 0)
		close(m.listen_fd);
	{
		char path[4096], code[16];
		snprintf(path, sizeof(path), "%s/%s", m.rundir, CTR_ATTACH_SOCKET);
		unlink(path);
		snprintf(code, sizeof(code), "%d", m.exit_code);
		broadcast(&m, CTR_ATTACH_EXIT, code, strlen(code));
	}
	if (m.exec_spec == NULL && owner_done(&m))
		m.exit_cmd = NULL; /* removed by the CLI already */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m.clients[i] >= 0)
			client_drop(&m, i);
	if (!m.exec_spec)
		runtime_cgroup_remove(cfg, NULL);
	runtime_config_free(cfg);
	ctr_log_writer_close(m.log);
	close_stdin(&m);
	if (m.exit_cmd) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		execv(m.exit_cmd[0], m.exit_cmd);
		return 125;
	}
	return 0;
}
