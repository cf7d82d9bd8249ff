/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_more.c (living) - more container commands: pause, unpause, top, port, attach; and the
 * SIGWINCH watcher that carries terminal resizes to an attached container.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/container_attach.h"
#include "engine/container_cp.h"
#include "engine/container_pause.h"
#include "engine/container_restart.h"
#include "engine/container_top.h"
#include "engine/pod_top.h"
#include "network/ports.h"
#include "store/store.h"
#include "util/macro.h"

const struct cli_option cmd_pause_options[] = {
	{ "all", 'a', CLI_BOOL, "Pause all running containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
const struct cli_option cmd_unpause_options[] = {
	{ "all", 'a', CLI_BOOL, "Unpause all paused containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* run @fn on the named containers, or with --all on every running one; print what worked */
static int each(struct berth_ctx *ctx, struct cli_args *args, bool want_paused,
		int (*fn)(struct berth_ctx *, struct store *, const char *, berth_error *))
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool all = cli_flag(args, "all");
	int rc = 0;

	if (!all && cli_argc(args) == 0)
		return cli_error("%s requires at least one argument\nSee '%s --help'",
				 cli_command_path(args), cli_command_path(args));
	if (all && cli_argc(args) > 0)
		return cli_error("--all and container names cannot be given together");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (all) {
		struct store_container **list = NULL;
		size_t n = 0;
		if (store_container_list(s, &list, &n, &err) < 0) {
			store_close(s);
			return cli_fail(&err);
		}
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(ctx, s, list[i], NULL);
			if (strcmp(list[i]->state, "running") != 0 ||
			    ctr_paused(list[i]->id) != want_paused)
				continue;
			if (fn(ctx, s, list[i]->id, &err) < 0)
				rc = cli_fail(&err);
			else
				printf("%s\n", list[i]->id);
		}
		store_container_list_free(list, n);
	} else {
		for (int i = 0; i < cli_argc(args); i++) {
			if (fn(ctx, s, cli_argv(args)[i], &err) < 0)
				rc = cli_fail(&err);
			else
				printf("%s\n", cli_argv(args)[i]);
		}
	}
	store_close(s);
	return rc;
}

int cmd_pause(struct berth_ctx *ctx, struct cli_args *args)
{
	return each(ctx, args, false, ctr_pause);
}

int cmd_unpause(struct berth_ctx *ctx, struct cli_args *args)
{
	return each(ctx, args, true, ctr_unpause);
}

typedef int (*top_fn)(struct berth_ctx *ctx, struct store *s, const char *ref,
		      char *const *descs, char ****ret_rows, size_t *ret_cols, berth_error *err);

static int top_table(struct berth_ctx *ctx, struct cli_args *args, top_fn top);

/* `top CONTAINER [DESCRIPTOR...]`: descriptors may also come comma-separated, as ps -o. */
int cmd_top(struct berth_ctx *ctx, struct cli_args *args)
{
	return top_table(ctx, args, ctr_top);
}

/* `pod top POD [DESCRIPTOR...]`: the same table for every running container of the pod. */
int cmd_pod_top(struct berth_ctx *ctx, struct cli_args *args)
{
	return top_table(ctx, args, pod_top);
}

static int top_table(struct berth_ctx *ctx, struct cli_args *args, top_fn top)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	char ***rows = NULL;
	size_t ncols = 0, nd = 0;
	_cleanup_strv_free_ char **descs = calloc((size_t)cli_argc(args) * 32 + 1, sizeof(char *));
	int rc;

	if (!descs)
		return cli_error("out of memory");
	for (int i = 1; i < cli_argc(args); i++) {
		_cleanup_free_ char *dup = strdup(cli_argv(args)[i]);
		if (!dup)
			return cli_error("out of memory");
		for (char *save = NULL, *t = strtok_r(dup, ", ", &save); t;
		     t = strtok_r(NULL, ", ", &save)) {
			if (nd >= (size_t)cli_argc(args) * 32)
				return cli_error("too many format descriptors");
			if (ctr_top_valid(t) < 0)
				return cli_error("unknown descriptor: %s (known: user, pid, ppid, pcpu, "
						 "etime, tty, time, args, comm, group, nice, pgid, "
						 "vsz, rss, state, hpid, huser)", t);
			if (!(descs[nd++] = strdup(t)))
				return cli_error("out of memory");
		}
	}
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (top(ctx, s, cli_argv(args)[0], descs, &rows, &ncols, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	store_close(s);
	_cleanup_free_ size_t *w = calloc(ncols + 1, sizeof(size_t));
	if (!w) {
		ctr_top_free(rows);
		return cli_error("out of memory");
	}
	for (size_t i = 0; rows[i]; i++)
		for (size_t j = 0; j < ncols; j++)
			if (strlen(rows[i][j]) > w[j])
				w[j] = strlen(rows[i][j]);
	for (size_t i = 0; rows[i]; i++) {
		for (size_t j = 0; j < ncols; j++) {
			if (j + 1 == ncols)
				printf("%s\n", rows[i][j]);
			else
				printf("%-*s   ", (int)w[j], rows[i][j]);
		}
	}
	ctr_top_free(rows);
	return 0;
}

const struct cli_option cmd_port_options[] = {
	{ "all", 'a', CLI_BOOL, "Display port information for all containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* print the mappings of @c, for every port or only "PORT[/PROTO]" @filter */
static int print_ports(const struct store_container *c, const char *filter, bool with_id,
		       berth_error *err)
{
	json_t *cfg = ctr_config(c);
	struct port_mapping *m = NULL;
	size_t n = 0;
	unsigned long fport = 0;
	char fproto[8] = "tcp";
	int found = 0;

	if (filter) {
		char *end;
		fport = strtoul(filter, &end, 10);
		if (fport == 0 || fport > 65535 || (*end && (*end != '/' || strlen(end + 1) >= sizeof(fproto)))) {
			json_decref(cfg);
			return berr(err, EINVAL, "invalid port %s: use PORT or PORT/PROTOCOL", filter);
		}
		if (*end)
			snprintf(fproto, sizeof(fproto), "%s", end + 1);
	}
	json_t *arr = json_object_get(cfg, "ports");
	if (arr && json_array_size(arr) > 0 && port_mappings_from_json(arr, &m, &n, err) < 0) {
		json_decref(cfg);
		return -EINVAL;
	}
	json_decref(cfg);
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < m[i].range; k++) {
			unsigned cp = m[i].container_port + k;
			unsigned hp = (m[i].host_port ? m[i].host_port : m[i].container_port) + k;
			const char *ip = m[i].host_ip[0] ? m[i].host_ip : "0.0.0.0";
			if (filter && (cp != fport || strcmp(fproto, m[i].protocol) != 0))
				continue;
			found++;
			if (filter)
				printf("%s:%u\n", ip, hp);
			else if (with_id)
				printf("%.12s\t%u/%s -> %s:%u\n", c->id, cp, m[i].protocol, ip, hp);
			else
				printf("%u/%s -> %s:%u\n", cp, m[i].protocol, ip, hp);
		}
	}
	free(m);
	if (filter && !found)
		return berr(err, ENOENT, "failed to find published port \"%s\"", filter);
	return 0;
}

int cmd_port(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool all = cli_flag(args, "all");
	int rc;

	if (!all && cli_argc(args) == 0)
		return cli_error("you must supply a running container name or id");
	if (all && cli_argc(args) > 1)
		return cli_error("the 'all' option cannot be used with a container name");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (all) {
		struct store_container **list = NULL;
		size_t n = 0;
		if (store_container_list(s, &list, &n, &err) < 0) {
			store_close(s);
			return cli_fail(&err);
		}
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(ctx, s, list[i], NULL);
			if (strcmp(list[i]->state, "running") == 0 &&
			    print_ports(list[i], cli_argc(args) ? cli_argv(args)[0] : NULL, true,
					&err) < 0)
				rc = cli_fail(&err);
		}
		store_container_list_free(list, n);
	} else {
		struct store_container *c = NULL;
		if (ctr_get(ctx, s, cli_argv(args)[0], &c, &err) < 0 ||
		    print_ports(c, cli_argc(args) > 1 ? cli_argv(args)[1] : NULL, false, &err) < 0)
			rc = cli_fail(&err);
		store_container_free(c);
	}
	store_close(s);
	return rc;
}

/* ---- terminal resizes: SIGWINCH → a resize packet on the attach socket ---- */

static volatile sig_atomic_t winch_sock = -1;
static struct sigaction winch_saved;

static size_t put_uint(char *p, unsigned v)
{
	char tmp[12];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	while (n)
		p[i++] = tmp[--n];
	return i;
}

/* async-signal-safe: ioctl, send and plain arithmetic only */
static void on_winch(int sig)
{
	int saved_errno = errno, sock = winch_sock;
	struct winsize ws;
	char buf[32];
	size_t n = 0;

	(void)sig;
	if (sock >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		buf[n++] = (char)CTR_ATTACH_RESIZE;
		n += put_uint(buf + n, ws.ws_row);
		buf[n++] = ' ';
		n += put_uint(buf + n, ws.ws_col);
		(void)!send(sock, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	errno = saved_errno;
}

void cli_tty_watch_resize(int sock)
{
	struct sigaction sa = { 0 };

	winch_sock = sock;
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &winch_saved);
}

void cli_tty_unwatch_resize(void)
{
	if (winch_sock < 0)
		return;
	sigaction(SIGWINCH, &winch_saved, NULL);
	winch_sock = -1;
}

/* ---- attach ---- */

const struct cli_option cmd_attach_options[] = {
	{ "detach-keys", 0, CLI_STRING,
	  "Select the key sequence for detaching a container; an empty string disables it",
	  "ctrl-p,ctrl-q" },
	{ "no-stdin", 0, CLI_BOOL, "Do not attach STDIN", NULL },
	{ "sig-proxy", 0, CLI_BOOL, "Proxy received signals to the process (without a terminal)",
	  NULL },
	{ NULL, 0, 0, NULL, NULL },
};

#define DETACH_MAX 16

/* "ctrl-p,ctrl-q" → "\x10\x11"; -1 on a bad spelling */
static int parse_detach_keys(const char *spec, char *keys, size_t *ret_n)
{
	size_t n = 0;

	*ret_n = 0;
	if (!spec || !*spec)
		return 0;
	for (const char *p = spec; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n >= DETACH_MAX)
			return -1;
		if (len == 1) {
			keys[n++] = *p;
		} else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
			char c = p[5];
			if (c >= 'a' && c <= 'z')
				keys[n++] = (char)(c - 'a' + 1);
			else if (c == '@')
				keys[n++] = 0;
			else if (c >= '[' && c <= '_')
				keys[n++] = (char)(c - '[' + 27);
			else
				return -1;
		} else {
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*ret_n = n;
	return 0;
}

enum { PUMP_EXITED, PUMP_DETACHED };

static int send_pkt(int sock, int type, const char *data, size_t len)
{
	char buf[CTR_ATTACH_PACKET_MAX];

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = (char)type;
	if (len) /* an EOF packet carries no data (and may pass NULL) */
		memcpy(buf + 1, data, len);
	while (send(sock, buf, len + 1, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void write_out(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* pump like ctr_attach_pump(), watching stdin for the detach sequence @keys */
static int attach_pump(int sock, bool in, const char *keys, size_t nkeys, int *ret_exit,
		       berth_error *err)
{
	_cleanup_free_ char *buf = malloc(CTR_ATTACH_PACKET_MAX + 1);
	char out[CTR_ATTACH_PACKET_MAX + DETACH_MAX];
	size_t matched = 0;
	bool stdin_open = in;

	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = POLLIN } };
		if (poll(p, stdin_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berr_errno(err, errno, "poll");
		}
		if (p[0].revents) {
			ssize_t len = recv(sock, buf, CTR_ATTACH_PACKET_MAX, 0);
			if (len < 0 && errno == EINTR)
				continue;
			if (len <= 0)
				return berr(err, EPIPE, "the container's monitor went away without "
							"reporting an exit code");
			if (buf[0] == CTR_ATTACH_STDOUT)
				write_out(STDOUT_FILENO, buf + 1, (size_t)len - 1);
			else if (buf[0] == CTR_ATTACH_STDERR)
				write_out(STDERR_FILENO, buf + 1, (size_t)len - 1);
			else if (buf[0] == CTR_ATTACH_EXIT) {
				buf[len] = '\0';
				*ret_exit = atoi(buf + 1);
				return PUMP_EXITED;
			}
		}
		if (stdin_open && p[1].revents) {
			ssize_t len = read(STDIN_FILENO, buf, CTR_ATTACH_PACKET_MAX - 1);
			size_t o = 0;
			if (len < 0 && errno == EINTR)
				continue;
			if (len <= 0) {
				/* a real EOF ends the container's input; a terminal that went away
				 * (EIO) only ends this client's */
				if (len == 0)
					send_pkt(sock, CTR_ATTACH_STDIN_EOF, NULL, 0);
				stdin_open = false;
				continue;
			}
			for (ssize_t i = 0; i < len; i++) {
				if (nkeys && buf[i] == keys[matched]) {
					if (++matched == nkeys)
						return PUMP_DETACHED;
					continue;
				}
				/* a partial match that failed goes through as typed */
				memcpy(out + o, keys, matched);
				o += matched;
				matched = 0;
				if (nkeys && buf[i] == keys[0]) {
					matched = 1;
					if (matched == nkeys)
						return PUMP_DETACHED;
					continue;
				}
				out[o++] = buf[i];
			}
			if (o && send_pkt(sock, CTR_ATTACH_STDIN, out, o) < 0)
				stdin_open = false;
		}
	}
}

int cli_detach_keys_check(struct cli_args *args)
{
	char keys[DETACH_MAX];
	size_t n;

	if (parse_detach_keys(cli_str(args, "detach-keys"), keys, &n) < 0)
		return cli_error("invalid detach keys \"%s\": use a comma-separated list of "
				 "single characters or ctrl-<a-z@[\\]^_>",
				 cli_str(args, "detach-keys"));
	return 0;
}

int cli_attach_pump(int sock, const char *detach_keys, int *ret_exit, berth_error *err)
{
	char keys[DETACH_MAX];
	size_t n = 0;

	if (parse_detach_keys(detach_keys, keys, &n) < 0)
		n = 0;
	return attach_pump(sock, true, keys, n, ret_exit, err);
}

int cmd_attach(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_free_ char *rundir = NULL;
	_cleanup_close_ int sock = -1;
	char keys[DETACH_MAX];
	size_t nkeys = 0;
	struct termios saved, raw;
	bool restore = false, tty, in;
	int code = 0, r;

	if (cli_detach_keys_check(args))
		return 125;
	parse_detach_keys(cli_str(args, "detach-keys"), keys, &nkeys);
	r = cli_open_store(ctx, &s);
	if (r)
		return r;
	if (ctr_get(ctx, s, cli_argv(args)[0], &c, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	store_close(s);
	if (strcmp(c->state, "running") != 0)
		return cli_error("you can only attach to running containers");
	json_t *cfg = ctr_config(c);
	tty = json_is_true(json_object_get(cfg, "tty"));
	in = json_is_true(json_object_get(cfg, "interactive")) && !cli_flag(args, "no-stdin");
	json_decref(cfg);
	rundir = ctr_rundir_path(ctx, c->id);
	if (!rundir)
		return cli_error("out of memory");
	sock = ctr_attach_connect(rundir, &err);
	if (sock < 0)
		return cli_fail(&err);
	if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ctr_attach_resize(sock, ws.ws_row, ws.ws_col);
		cli_tty_watch_resize(sock);
		if (in) {
			raw = saved;
			cfmakeraw(&raw);
			restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		}
	}
	r = attach_pump(sock, in, keys, nkeys, &code, &err);
	cli_tty_unwatch_resize();
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (r < 0)
		return cli_fail(&err);
	if (r == PUMP_DETACHED) {
		if (restore)
			write_out(STDOUT_FILENO, "\r\n", 2);
		return 0;
	}
	return code;
}

/* ---- start --all [--filter restart-policy=P|status=S] (the reboot path) ---- */

static bool filter_match(struct store_container *c, char *const *filters, berth_error *err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		if (!eq)
			return berr(err, EINVAL, "invalid filter \"%s\": use KEY=VALUE", f), false;
		if (strncmp(f, "restart-policy=", 15) == 0) {
			if (strcmp(ctr_restart_policy(c), eq + 1) != 0)
				return false;
		} else if (strncmp(f, "status=", 7) == 0) {
			if (strcmp(c->state, eq + 1) != 0)
				return false;
		} else if (strncmp(f, "name=", 5) == 0) {
			if (!strstr(c->name, eq + 1))
				return false;
		} else if (strncmp(f, "id=", 3) == 0) {
			if (strncmp(c->id, eq + 1, strlen(eq + 1)) != 0)
				return false;
		} else {
			berr(err, EINVAL, "invalid filter \"%s\": start --all filters on "
					  "restart-policy, status, name or id", f);
			return false;
		}
	}
	return true;
}

int cli_start_all(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	struct store_container **list = NULL;
	size_t n = 0;
	char *const *filters = cli_list(args, "filter");
	int rc;

	if (cli_argc(args) > 0)
		return cli_error("--all and container names cannot be given together");
	if (cli_flag(args, "attach"))
		return cli_error("you cannot start and attach multiple containers at once");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (store_container_list(s, &list, &n, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++) {
		struct ctr_start_opts so = { 0 };
		ctr_refresh(ctx, s, list[i], NULL);
		if (strcmp(list[i]->state, "running") == 0)
			continue;
		err = (berth_error){ 0 };
		if (!filter_match(list[i], filters, &err)) {
			if (err.code) {
				rc = cli_fail(&err);
				break;
			}
			continue;
		}
		if (ctr_start(ctx, s, list[i]->id, &so, NULL, &err) < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", list[i]->id);
	}
	store_container_list_free(list, n);
	store_close(s);
	return rc;
}

/* ---- cp ---- */

int cmd_cp(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	int rc;

	/* tar archives need libarchive: berth-transfer links cli_cp_archive */
	if (strcmp(cli_argv(args)[0], "-") == 0 || strcmp(cli_argv(args)[1], "-") == 0)
		return cli_cp_archive ? cli_cp_archive(ctx, args) : cli_exec_transfer(ctx, args);
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (ctr_cp(ctx, s, cli_argv(args)[0], cli_argv(args)[1], &err) < 0)
		rc = cli_fail(&err);
	store_close(s);
	return rc;
}
