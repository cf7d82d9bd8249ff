/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - berth-api: options, the listening socket (a unix:// or tcp://127.0.0.1 URI, or the
 * sockets systemd passes), the worker threads that accept connections and sort them between
 * their libmicrohttpd daemon and the hijack handler, and the --time idle exit.
 *
 * Usage: berth-api [--root DIR] [--runroot DIR] [--storage-driver D] [--log-level L]
 *                  [--time SECONDS] [URI]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "api/api.h"
#include "util/log.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sd_notify.h"

struct berth_ctx api_ctx;
static _Atomic int64_t last_activity;
static volatile sig_atomic_t stop_requested;

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void api_activity(void)
{
	atomic_store(&last_activity, now_s());
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "Error: system service: %s\n", msg);
	return 125;
}

/* mkdir -p of the socket's folder (mode 0700 for folders we create). */
static int make_parent(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *p;

	if (!dir)
		return -ENOMEM;
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "Error: system service: socket path %s is longer than %zu bytes; "
				"choose a shorter one\n", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if ((r = make_parent(path)) < 0) {
		fprintf(stderr, "Error: system service: cannot create the folder of %s: %s\n", path,
			strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* never world-accessible, not even for an instant */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		r = -errno;
		fprintf(stderr, "Error: system service: cannot listen on %s: %s\n", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

static int listen_tcp(const char *hostport)
{
	_cleanup_free_ char *host = strdup(hostport);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char *colon, *end;
	long port;
	int fd, one = 1;

	if (!host)
		return -ENOMEM;
	colon = strrchr(host, ':');
	if (!colon)
		return usage_error("a tcp:// URI needs a port: tcp://127.0.0.1:8080"), -EINVAL;
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, *host ? host : "127.0.0.1",
							    &sa.sin_addr) != 1)
		return usage_error("bad tcp:// URI; use tcp://127.0.0.1:PORT"), -EINVAL;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		int r = -errno;
		fprintf(stderr, "Error: system service: cannot listen on tcp://%s: %s\n", hostport,
			strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

static int open_listener(const char *uri, bool *ret_is_unix, char **ret_path)
{
	_cleanup_free_ char *def = NULL;

	if (!uri) {
		if (asprintf(&def, "unix://%s/berth.sock", api_ctx.runroot) < 0)
			return -ENOMEM;
		/* rootless runroot is $XDG_RUNTIME_DIR/berth: the socket lands where the issue says */
		uri = def;
	}
	if (strncmp(uri, "unix://", 7) == 0) {
		*ret_is_unix = true;
		*ret_path = strdup(uri + 7);
		return listen_unix(uri + 7);
	}
	if (strncmp(uri, "unix:", 5) == 0) {
		*ret_is_unix = true;
		*ret_path = strdup(uri + 5);
		return listen_unix(uri + 5);
	}
	if (strncmp(uri, "tcp://", 6) == 0)
		return listen_tcp(uri + 6);
	fprintf(stderr, "Error: system service: unsupported URI \"%s\": use unix:///PATH or "
			"tcp://127.0.0.1:PORT\n", uri);
	return -EINVAL;
}

/*
 * Workers: each accepts on the (non-blocking) listening socket, peeks at the request head
 * and either hijacks the connection or adds it to its own libmicrohttpd daemon, which it then
 * runs itself. A plain request is thus read, served and answered by the thread that accepted
 * it, with no hand-over to another thread.
 */
#define API_WORKERS 2
#define PEEK_PENDING_MAX 32
#define PEEK_WAIT_MS 2000

struct peek_pending {
	int fd;
	int64_t deadline_ms;
};

struct worker {
	struct MHD_Daemon *mhd;
	int epoll_fd;
	int wake_fd; /* written when one of its suspended connections is resumed */
	int accept_fd; /* an epoll set holding the listening socket, EPOLLEXCLUSIVE */
	pthread_t thread;
	struct peek_pending pend[PEEK_PENDING_MAX];
	size_t npend;
};

static int listen_fd = -1;
static atomic_bool workers_quit;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hand @fd, whose head @head (NUL-terminated, possibly empty) was peeked, to its server. */
static void dispatch(struct worker *w, int fd, const char *head)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (*head && api_hijack_wanted(head)) {
		if (api_hijack_serve(fd) < 0)
			close(fd);
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 || sl < sizeof(sa_family_t)) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNIX;
		sl = sizeof(sa_family_t);
	}
	if (MHD_add_connection(w->mhd, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
		close(fd);
}

/* Peek at @fd's head: dispatch it, close it (the client left), or keep it until it speaks. */
static void peek(struct worker *w, int fd, bool last_chance)
{
	char head[2048];
	ssize_t n = recv(fd, head, sizeof(head) - 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !last_chance &&
	    w->npend < PEEK_PENDING_MAX) {
		w->pend[w->npend++] = (struct peek_pending){ fd, now_ms() + PEEK_WAIT_MS };
		return;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(fd);
		return;
	}
	head[n > 0 ? n : 0] = '\0';
	dispatch(w, fd, head);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&workers_quit)) {
		struct pollfd p[3 + PEEK_PENDING_MAX];
		struct peek_pending pend[PEEK_PENDING_MAX];
		MHD_UNSIGNED_LONG_LONG mt;
		int timeout = 500, pr;
		int64_t now = now_ms();
		size_t np = w->npend;

		if (MHD_get_timeout(w->mhd, &mt) == MHD_YES && mt < (MHD_UNSIGNED_LONG_LONG)timeout)
			timeout = (int)mt;
		p[0] = (struct pollfd){ .fd = w->accept_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = w->epoll_fd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
		for (size_t i = 0; i < np; i++) {
			int64_t left = w->pend[i].deadline_ms - now;
			p[3 + i] = (struct pollfd){ .fd = w->pend[i].fd, .events = POLLIN };
			if (left < timeout)
				timeout = left > 0 ? (int)left : 0;
		}
		pr = poll(p, 3 + np, timeout);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0 && (p[2].revents & POLLIN)) {
			eventfd_t v;
			eventfd_read(w->wake_fd, &v);
		}
		/* the pending ones that spoke, hung up or waited too long go on; the rest wait */
		memcpy(pend, w->pend, np * sizeof(pend[0]));
		w->npend = 0;
		now = now_ms();
		for (size_t i = 0; i < np; i++) {
			if (pr > 0 && p[3 + i].revents)
				peek(w, pend[i].fd, false);
			else if (now >= pend[i].deadline_ms)
				peek(w, pend[i].fd, true);
			else
				w->pend[w->npend++] = pend[i];
		}
		if (pr > 0 && (p[0].revents & POLLIN)) {
			/* a few at a time: the other worker takes its share */
			for (int k = 0; k < 8; k++) {
				int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					break;
				api_activity();
				peek(w, fd, false);
			}
		}
		MHD_run(w->mhd);
	}
	for (size_t i = 0; i < w->npend; i++)
		close(w->pend[i].fd);
	w->npend = 0;
	return NULL;
}

static int workers_start(struct worker *ws, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const union MHD_DaemonInfo *info;

		/* a new connection wakes one worker, not all of them */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };

		ws[i].accept_fd = epoll_create1(EPOLL_CLOEXEC);
		if (ws[i].accept_fd < 0 ||
		    epoll_ctl(ws[i].accept_fd, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
			return -errno;
		ws[i].wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ws[i].wake_fd < 0)
			return -errno;
		ws[i].mhd = api_routes_start(ws[i].wake_fd);
		if (!ws[i].mhd)
			return -ENOMEM;
		info = MHD_get_daemon_info(ws[i].mhd, MHD_DAEMON_INFO_EPOLL_FD);
		if (!info)
			return -EINVAL;
		ws[i].epoll_fd = info->epoll_fd;
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
			MHD_stop_daemon(ws[i].mhd);
			ws[i].mhd = NULL;
			return -EAGAIN;
		}
	}
	return 0;
}

static unsigned workers_connections(struct worker *ws, size_t n)
{
	unsigned total = 0;

	for (size_t i = 0; i < n; i++) {
		const union MHD_DaemonInfo *info =
			ws[i].mhd ? MHD_get_daemon_info(ws[i].mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)
				  : NULL;
		total += info ? info->num_connections : 0;
	}
	return total;
}

/*
 * Streams end at their next wake-up and deferred calls when they return; the daemons stop
 * once none is left (a call still running after a while, a stop's long timeout say, is left
 * to the process's exit: its thread would resume a connection of a stopped daemon).
 */
static void workers_stop(struct worker *ws, size_t n)
{
	bool drained;

	api_stop_streams();
	for (int i = 0; i < 40 && api_inflight() > 0; i++) {
		struct timespec t = { 0, 50 * 1000 * 1000 };
		nanosleep(&t, NULL);
	}
	drained = api_inflight() == 0;
	atomic_store(&workers_quit, true);
	for (size_t i = 0; i < n; i++)
		if (ws[i].mhd) {
			pthread_join(ws[i].thread, NULL);
			if (drained)
				MHD_stop_daemon(ws[i].mhd);
		}
}

static int parse_args(int argc, char **argv, long *ret_time, const char **ret_uri)
{
	static const char *const globals[] = { "--root", "--runroot", "--storage-driver",
					       "--log-level", NULL };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char *end;
		bool global = false;

		for (const char *const *g = globals; *g; g++) {
			size_t l = strlen(*g);
			if (strncmp(a, *g, l) == 0 && (a[l] == '=' || a[l] == '\0')) {
				global = true;
				val = a[l] == '=' ? a + l + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!val)
					return usage_error("option needs a value");
				if (strcmp(*g, "--root") == 0)
					api_ctx.root = realpath(val, NULL) ?: strdup(val);
				else if (strcmp(*g, "--runroot") == 0)
					api_ctx.runroot = realpath(val, NULL) ?: strdup(val);
				else if (strcmp(*g, "--storage-driver") == 0)
					api_ctx.storage_driver = strdup(val);
				else if (log_set_level_name(val) < 0)
					return usage_error("--log-level: use error, warn, info, "
							   "debug or trace");
				else
					api_ctx.log_level = strdup(val);
				api_ctx.explicit_root |= strcmp(*g, "--root") == 0 ||
							 strcmp(*g, "--runroot") == 0;
			}
		}
		if (global)
			continue;
		if (strcmp(a, "--time") == 0 || strcmp(a, "-t") == 0) {
			if (i + 1 >= argc)
				return usage_error("--time needs a number of seconds");
			val = argv[++i];
		} else if (strncmp(a, "--time=", 7) == 0) {
			val = a + 7;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "Error: system service: unknown flag %s\n", a);
			return 125;
		} else if (!*ret_uri) {
			*ret_uri = a;
			continue;
		} else {
			return usage_error("accepts at most one URI");
		}
		*ret_time = strtol(val, &end, 10);
		if (*end || *ret_time < 0)
			return usage_error("--time needs a number of seconds (0 = never exit)");
	}
	return 0;
}

/* global_argv: what monitors and their cleanup commands need to find the same store */
static int keep_globals(void)
{
	const char *pairs[][2] = { { "--root", api_ctx.root }, { "--runroot", api_ctx.runroot },
				   { "--storage-driver", api_ctx.storage_driver } };
	size_t n = 0;

	api_ctx.global_argv = calloc(7, sizeof(char *));
	if (!api_ctx.global_argv)
		return -ENOMEM;
	if (!api_ctx.explicit_root)
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (pairs[i][1]) {
			api_ctx.global_argv[n++] = strdup(pairs[i][0]);
			api_ctx.global_argv[n++] = strdup(pairs[i][1]);
		}
	return 0;
}

/*
 * containers.conf is read once, now: requests then only read it (no lazy load racing between
 * threads); a bad file fails each create as it fails the CLI's.
 */
static void load_conf(void)
{
	const struct containers_conf *conf;
	berth_error err = { 0 };

	if (berth_ctx_conf(&api_ctx, &conf, &err) < 0)
		log_warn("system service: %s", err.msg);
}

int main(int argc, char **argv)
{
	berth_error err = { 0 };
	long idle = 5;
	const char *uri = NULL;
	_cleanup_free_ char *path = NULL;
	bool is_unix = false;
	struct stat bound = { 0 };
	static struct worker workers[API_WORKERS];
	int lfd, n, r;

	api_ctx.rootless = geteuid() != 0;
	api_ctx.uid = geteuid();
	api_ctx.gid = getegid();
	if ((r = parse_args(argc, argv, &idle, &uri)) != 0)
		return r;
	if (berth_ctx_init(&api_ctx, &err) < 0 || keep_globals() < 0) {
		fprintf(stderr, "Error: system service: %s\n", err.msg[0] ? err.msg : "out of memory");
		return 125;
	}
	load_conf();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	n = sd_listen_fds();
	/*
	 * A long-lived server keeps no fd it did not ask for (a caller's pipe held open would
	 * make the caller wait for us forever); socket activation's fds start at 3.
	 */
	close_range(3 + (unsigned)(n > 0 ? n : 0), ~0U, 0);
	if (n > 0) {
		lfd = 3; /* SD_LISTEN_FDS_START; further sockets are ignored */
	} else {
		lfd = open_listener(uri, &is_unix, &path);
		if (lfd < 0)
			return 125;
	}
	/* (a socket fd's fstat names sockfs, not the file: remember the file itself) */
	if (is_unix && path && stat(path, &bound) < 0)
		memset(&bound, 0, sizeof(bound));
	listen_fd = lfd;
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0 ||
	    workers_start(workers, API_WORKERS) < 0) {
		fprintf(stderr, "Error: system service: cannot start the HTTP server\n");
		return 125;
	}
	api_activity();
	while (!stop_requested) {
		struct timespec t = { 0, 250 * 1000 * 1000 };

		nanosleep(&t, NULL);
		if (idle <= 0)
			continue;
		if (workers_connections(workers, API_WORKERS) > 0 || api_inflight() > 0)
			api_activity();
		else if (now_s() - atomic_load(&last_activity) >= idle && !api_hijack_active())
			break;
	}
	workers_stop(workers, API_WORKERS);
	/* unlink only our own socket: a successor may already listen at the same path */
	if (is_unix && path && n <= 0) {
		struct stat st_path;
		if (stat(path, &st_path) == 0 && st_path.st_ino == bound.st_ino &&
		    st_path.st_dev == bound.st_dev)
			unlink(path);
	}
	close(lfd);
	api_store_pool_done();
	berth_ctx_done(&api_ctx);
	return 0;
}
