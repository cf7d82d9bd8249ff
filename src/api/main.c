/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - berth-api: options, the listening socket (a unix:// or tcp://127.0.0.1 URI, or the
 * sockets systemd passes), the accept loop that sorts connections between libmicrohttpd and
 * the hijack handler, and the --time idle exit.
 *
 * Usage: berth-api [--root DIR] [--runroot DIR] [--storage-driver D] [--log-level L]
 *                  [--time SECONDS] [URI]
 */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Read the request head without consuming it; decides hijack or libmicrohttpd. */
static void dispatch(struct MHD_Daemon *mhd, int fd)
{
	char head[2048];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = 0;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	/* the head arrives in one segment from every client we know; wait briefly for it */
	if (poll(&p, 1, 2000) > 0)
		n = recv(fd, head, sizeof(head) - 1, MSG_PEEK);
	head[n > 0 ? n : 0] = '\0';
	if (n > 0 && api_hijack_wanted(head)) {
		if (api_hijack_serve(fd) < 0)
			close(fd);
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 || sl < sizeof(sa_family_t)) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNIX;
		sl = sizeof(sa_family_t);
	}
	if (MHD_add_connection(mhd, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
		close(fd);
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
	struct MHD_Daemon *mhd;
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
	mhd = api_routes_start();
	if (!mhd) {
		fprintf(stderr, "Error: system service: cannot start the HTTP server\n");
		return 125;
	}
	api_activity();
	while (!stop_requested) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int pr = poll(&p, 1, 500);

		if (pr > 0) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				api_activity();
				dispatch(mhd, fd);
			}
			continue;
		}
		if (idle > 0) {
			const union MHD_DaemonInfo *info =
				MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if (info && info->num_connections > 0)
				api_activity();
			else if (now_s() - atomic_load(&last_activity) >= idle &&
				 !api_hijack_active())
				break;
		}
	}
	api_stop_streams();
	MHD_stop_daemon(mhd);
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
