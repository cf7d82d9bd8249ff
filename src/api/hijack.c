/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hijack.c - attach and exec start: the connections that turn into raw streams.
 *
 * The accept loop hands over every POST to .../containers/{id}/attach and .../exec/{id}/start
 * (libmicrohttpd 0.9.75 refuses the HTTP/1.0 upgrade cockpit sends). Here a thread reads the
 * request head and body (bounded), answers "101 UPGRADED" (or 200 when no upgrade was asked
 * for) and copies between the client and the container's monitor (engine/container_attach.h):
 * output as Docker's 8-byte-header frames without a tty, raw with one; input as stdin packets.
 *
 * docker run attaches before it starts the container: such an attach registers itself as
 * pending, and the start request (routes.c) starts the container with an attach socket and
 * hands it over, so not a byte of early output is lost.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "api/api.h"
#include "engine/container.h"
#include "engine/container_attach.h"
#include "engine/exec_session.h"
#include "store/store.h"
#include "util/macro.h"

static atomic_int hijacks;

bool api_hijack_active(void)
{
	return atomic_load(&hijacks) > 0;
}

/* ---- pending attaches ---- */

struct pending {
	char id[80];
	bool stdin;
	bool given;
	int sock;
	int err;
	struct pending *next;
};

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pending_cond = PTHREAD_COND_INITIALIZER;
static struct pending *pendings;

bool api_pending_attach(const char *id, bool *ret_stdin)
{
	bool found = false;

	pthread_mutex_lock(&pending_lock);
	for (struct pending *p = pendings; p; p = p->next)
		if (!p->given && strcmp(p->id, id) == 0) {
			*ret_stdin = p->stdin;
			found = true;
			break;
		}
	pthread_mutex_unlock(&pending_lock);
	return found;
}

void api_pending_attach_give(const char *id, int sock, int err_code)
{
	bool taken = false;

	pthread_mutex_lock(&pending_lock);
	for (struct pending *p = pendings; p; p = p->next)
		if (!p->given && strcmp(p->id, id) == 0) {
			p->given = true;
			p->sock = sock;
			p->err = err_code;
			taken = true;
			break;
		}
	pthread_cond_broadcast(&pending_cond);
	pthread_mutex_unlock(&pending_lock);
	if (!taken && sock >= 0)
		close(sock);
}

static void pending_remove(struct pending *p)
{
	for (struct pending **pp = &pendings; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

/* Register an attach that waits for its container's start. Before the client hears the 101:
 * docker sends start as soon as it does, and a start that finds no pending attach runs the
 * container without one (its output lost to the client). */
static void pending_add(struct pending *p, const char *id, bool want_stdin)
{
	*p = (struct pending){ .stdin = want_stdin, .sock = -1 };
	snprintf(p->id, sizeof(p->id), "%s", id);
	pthread_mutex_lock(&pending_lock);
	p->next = pendings;
	pendings = p;
	pthread_mutex_unlock(&pending_lock);
}

/* Wait until start hands the socket over, or the client goes away (client < 0: do not wait). */
static int pending_wait(struct pending *p, int client)
{
	int sock = -1;

	pthread_mutex_lock(&pending_lock);
	while (!p->given && client >= 0) {
		struct timespec ts;
		/* not POLLRDHUP: docker half-closes its side when it sends no stdin */
		struct pollfd pf = { .fd = client, .events = 0 };
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&pending_cond, &pending_lock, &ts);
		if (!p->given && poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
			break;
	}
	pending_remove(p);
	if (p->given)
		sock = p->sock;
	pthread_mutex_unlock(&pending_lock);
	return sock;
}

/* ---- exit codes seen by attaches: wait?condition=removed needs them once the record is gone */

struct exit_note {
	char id[80];
	int code;
};
static struct exit_note exit_notes[64];
static unsigned exit_next;

static void exit_note(const char *id, int code)
{
	pthread_mutex_lock(&pending_lock);
	snprintf(exit_notes[exit_next % 64].id, sizeof(exit_notes[0].id), "%s", id);
	exit_notes[exit_next % 64].code = code;
	exit_next++;
	pthread_mutex_unlock(&pending_lock);
}

bool api_exit_lookup(const char *id, int *ret_code)
{
	bool found = false;

	pthread_mutex_lock(&pending_lock);
	for (unsigned i = 0; i < 64; i++)
		if (strcmp(exit_notes[i].id, id) == 0) {
			*ret_code = exit_notes[i].code;
			found = true;
		}
	pthread_mutex_unlock(&pending_lock);
	return found;
}

/* ---- exec sessions: records in the store (engine/exec_session.h) ---- */

/* serializes "is it started yet?" and marking it started among this server's threads */
static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;

char *api_exec_create(const char *ctr_id, json_t *cfg)
{
	_cleanup_api_store_ struct store *s = NULL;
	char *id = NULL;

	if (api_store_get(&s, NULL) < 0 ||
	    ctr_exec_session_create(s, ctr_id, cfg, &id, NULL) < 0)
		return NULL;
	return id;
}

json_t *api_exec_inspect(const char *id)
{
	_cleanup_api_store_ struct store *s = NULL;
	json_t *j = NULL;

	if (api_store_get(&s, NULL) < 0 ||
	    ctr_exec_session_inspect(s, id, &j, NULL) < 0)
		return NULL;
	return j;
}

/*
 * exec_claim() - mark created session @id of this store as starting; its config (the API's
 * ExecConfig) and container go to @ret_cfg/@ret_ctr. Return: 0, 404 or 409.
 */
static int exec_claim(struct store *s, const char *id, json_t **ret_cfg, char *ret_ctr,
		      size_t size)
{
	struct store_exec_session *e = NULL;
	int code = 0;

	pthread_mutex_lock(&exec_lock);
	if (store_exec_session_get(s, id, &e, NULL) < 0)
		code = 404;
	else if (e->running || e->pid > 0)
		code = 409;
	else {
		e->running = true;
		if (store_exec_session_put(s, e, NULL) < 0)
			code = 409;
	}
	pthread_mutex_unlock(&exec_lock);
	if (!code) {
		*ret_cfg = e->config ? json_loads(e->config, 0, NULL) : NULL;
		snprintf(ret_ctr, size, "%s", e->container_id ? e->container_id : "");
		if (!*ret_cfg)
			code = 404;
	}
	store_exec_session_free(e);
	return code;
}

/*
 * Sessions this server starts: a resize (another HTTP request) reaches the session's monitor
 * through the attach socket its start holds; one that comes before the socket is kept for it.
 */
struct exec_attached {
	char id[65];
	int sock;
	unsigned rows, cols;
	struct exec_attached *next;
};
static struct exec_attached *attached;

static void exec_attached_add(struct exec_attached *a)
{
	pthread_mutex_lock(&exec_lock);
	a->next = attached;
	attached = a;
	pthread_mutex_unlock(&exec_lock);
}

static void exec_attached_set_sock(struct exec_attached *a, int sock)
{
	pthread_mutex_lock(&exec_lock);
	a->sock = sock;
	if (a->rows || a->cols)
		ctr_attach_resize(sock, a->rows, a->cols);
	pthread_mutex_unlock(&exec_lock);
}

static void exec_attached_drop(struct exec_attached *a)
{
	pthread_mutex_lock(&exec_lock);
	for (struct exec_attached **p = &attached; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			break;
		}
	pthread_mutex_unlock(&exec_lock);
}

int api_exec_resize(const char *id, unsigned rows, unsigned cols)
{
	int r = -ENOENT;

	pthread_mutex_lock(&exec_lock);
	for (struct exec_attached *a = attached; a; a = a->next)
		if (strcmp(a->id, id) == 0) {
			a->rows = rows;
			a->cols = cols;
			/* one SEQPACKET packet: atomic beside the pump's own traffic */
			r = a->sock >= 0 ? ctr_attach_resize(a->sock, rows, cols) : 0;
			break;
		}
	pthread_mutex_unlock(&exec_lock);
	return r;
}

/* exec_unclaim() - the start failed: the session may be started again */
static void exec_unclaim(struct store *s, const char *id)
{
	struct store_exec_session *e = NULL;

	if (store_exec_session_get(s, id, &e, NULL) < 0)
		return;
	e->running = false;
	e->pid = 0;
	store_exec_session_put(s, e, NULL);
	store_exec_session_free(e);
}

/* ---- the connection ---- */

struct hijack {
	int fd;
	char *head;
	char *body;
	size_t body_len;
};

static bool header_value(const char *head, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1, *e = strstr(v, "\r\n");
			while (*v == ' ' || *v == '\t')
				v++;
			snprintf(out, size, "%.*s", (int)(e ? e - v : (ptrdiff_t)strlen(v)), v);
			return true;
		}
	}
	return false;
}

/* "POST /v1.44/containers/ID/attach?stream=1 HTTP/1.1": which endpoint and whose id. */
static bool parse_target(const char *head, char *kind, size_t ksize, char *id, size_t isize,
			 char *q, size_t qsize, bool *ret_libpod)
{
	char path[1024];
	struct api_path ap;
	const char *sp, *sp2, *qm, *rest, *slash;

	if (strncmp(head, "POST ", 5) != 0)
		return false;
	sp = head + 5;
	sp2 = strchr(sp, ' ');
	if (!sp2 || (size_t)(sp2 - sp) >= sizeof(path))
		return false;
	snprintf(path, sizeof(path), "%.*s", (int)(sp2 - sp), sp);
	qm = strchr(path, '?');
	snprintf(q, qsize, "%s", qm ? qm + 1 : "");
	if (qm)
		path[qm - path] = '\0';
	api_path_parse(path, &ap);
	*ret_libpod = ap.libpod;
	rest = ap.rest;
	if (strncmp(rest, "/containers/", 12) == 0) {
		rest += 12;
		slash = strchr(rest, '/');
		if (!slash || strcmp(slash, "/attach") != 0)
			return false;
		snprintf(kind, ksize, "attach");
	} else if (strncmp(rest, "/exec/", 6) == 0) {
		rest += 6;
		slash = strchr(rest, '/');
		if (!slash || strcmp(slash, "/start") != 0)
			return false;
		snprintf(kind, ksize, "exec");
	} else {
		return false;
	}
	if ((size_t)(slash - rest) >= isize || slash == rest)
		return false;
	snprintf(id, isize, "%.*s", (int)(slash - rest), rest);
	return true;
}

bool api_hijack_wanted(const char *head)
{
	char kind[16], id[600], q[1024];
	bool libpod;

	return parse_target(head, kind, sizeof(kind), id, sizeof(id), q, sizeof(q), &libpod);
}

static bool query_flag(const char *q, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return p[kl + 1] == '1' || p[kl + 1] == 't' || p[kl + 1] == 'T';
	return false;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_status(int fd, bool http10, int status, const char *reason, const char *msg)
{
	char buf[1400];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.%d %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n%s",
		     http10 ? 0 : 1, status, reason, strlen(msg), msg);
	return write_all(fd, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
}

static int send_error(int fd, bool http10, bool libpod, int status, const char *msg)
{
	json_t *j = libpod ? json_pack("{s:s, s:s, s:i}", "cause", msg, "message", msg, "response",
				       status)
			   : json_pack("{s:s}", "message", msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int r;

	json_decref(j);
	r = send_status(fd, http10, status,
			status == 404 ? "Not Found" : status == 400 ? "Bad Request" : status == 409 ? "Conflict" : "Internal Server Error",
			text ? text : "{}");
	free(text);
	return r;
}

static int send_upgrade_head(int fd, const char *head, bool http10)
{
	char upgrade[64], buf[512];
	int n;

	if (header_value(head, "Upgrade", upgrade, sizeof(upgrade)))
		n = snprintf(buf, sizeof(buf),
			     "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
			     "Connection: Upgrade\r\nUpgrade: %s\r\n\r\n",
			     upgrade);
	else
		n = snprintf(buf, sizeof(buf),
			     "HTTP/1.%d 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n",
			     http10 ? 0 : 1);
	return write_all(fd, buf, (size_t)n);
}

/*
 * Copy the monitor's packets to the client (framed unless @tty) and the client's bytes to
 * the monitor as stdin when @want_stdin. Return: the exit code, or -1 when unknown.
 */
static int pump(int client, int sock, bool tty, bool want_stdin)
{
	static __thread char pkt[CTR_ATTACH_PACKET_MAX + 8];
	bool client_open = want_stdin;
	int code = -1;

	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = client_open ? client : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			ssize_t n = recv(sock, pkt + 7, CTR_ATTACH_PACKET_MAX, 0);
			uint32_t len;
			if (n <= 0)
				break;
			len = (uint32_t)(n - 1);
			if (pkt[7] == CTR_ATTACH_EXIT) {
				pkt[7 + n] = '\0';
				code = atoi(pkt + 8);
				break;
			}
			if (pkt[7] != CTR_ATTACH_STDOUT && pkt[7] != CTR_ATTACH_STDERR)
				continue;
			if (tty) {
				if (write_all(client, pkt + 8, len) < 0)
					break;
				continue;
			}
			pkt[0] = pkt[7];
			pkt[1] = pkt[2] = pkt[3] = 0;
			pkt[4] = (char)(len >> 24);
			pkt[5] = (char)(len >> 16);
			pkt[6] = (char)(len >> 8);
			pkt[7] = (char)len;
			if (write_all(client, pkt, len + 8) < 0)
				break;
		}
		if (client_open && p[1].revents) {
			char in[CTR_ATTACH_PACKET_MAX];
			ssize_t n = read(client, in + 1, sizeof(in) - 1);
			if (n <= 0) {
				in[0] = CTR_ATTACH_STDIN_EOF;
				send(sock, in, 1, MSG_NOSIGNAL);
				client_open = false;
				continue;
			}
			in[0] = CTR_ATTACH_STDIN;
			if (send(sock, in, (size_t)n + 1, MSG_NOSIGNAL) < 0)
				break;
		}
	}
	return code;
}

/* Read the head (up to the blank line) and a Content-Length body, both bounded. */
static int read_request(struct hijack *h)
{
	size_t used = 0, cap = API_HEAD_MAX;
	char *buf = malloc(cap + 1), *end = NULL, clen[32];
	long want = 0;

	if (!buf)
		return -ENOMEM;
	while (!end) {
		ssize_t n;
		if (used == cap) {
			free(buf);
			return -E2BIG;
		}
		n = recv(h->fd, buf + used, cap - used, 0);
		if (n <= 0) {
			free(buf);
			return -EPIPE;
		}
		used += (size_t)n;
		buf[used] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	*end = '\0';
	h->head = buf;
	if (header_value(buf, "Content-Length", clen, sizeof(clen)))
		want = strtol(clen, NULL, 10);
	if (want < 0 || want > (long)API_BODY_MAX)
		return -E2BIG;
	h->body = calloc(1, (size_t)want + 1);
	if (!h->body)
		return -ENOMEM;
	h->body_len = used - (size_t)(end + 4 - buf);
	if (h->body_len > (size_t)want)
		h->body_len = (size_t)want;
	memcpy(h->body, end + 4, h->body_len);
	while (h->body_len < (size_t)want) {
		ssize_t n = recv(h->fd, h->body + h->body_len, (size_t)want - h->body_len, 0);
		if (n <= 0)
			return -EPIPE;
		h->body_len += (size_t)n;
	}
	return 0;
}

static void serve_attach(struct hijack *h, const char *ref, const char *q, bool http10,
			 bool libpod)
{
	_cleanup_api_store_ struct store *s = NULL;
	_cleanup_container_ struct store_container *sc = NULL;
	_cleanup_(json_decrefp) json_t *cfg = NULL;
	_cleanup_free_ char *rundir = NULL;
	berth_error err = { 0 };
	bool want_stdin = query_flag(q, "stdin"), tty, running;
	char id[80];
	int sock, r;

	if (!api_name_ok(ref)) {
		send_error(h->fd, http10, libpod, 400, "invalid container name");
		return;
	}
	if ((r = api_store_get(&s, &err)) < 0 ||
	    (r = ctr_get(&api_ctx, s, ref, &sc, &err)) < 0) {
		send_error(h->fd, http10, libpod, r == -ENOENT ? 404 : 500, err.msg);
		return;
	}
	cfg = ctr_config(sc);
	tty = json_is_true(json_object_get(cfg, "tty"));
	running = strcmp(sc->state, "running") == 0 || strcmp(sc->state, "paused") == 0;
	snprintf(id, sizeof(id), "%s", sc->id);
	rundir = ctr_rundir_path(&api_ctx, sc->id);
	api_store_put(TAKE_PTR(s));
	if (running) {
		sock = rundir ? ctr_attach_connect(rundir, &err) : -ENOMEM;
		if (sock < 0) {
			send_error(h->fd, http10, libpod, 409, err.msg[0] ? err.msg : "cannot attach");
			return;
		}
		if (send_upgrade_head(h->fd, h->head, http10) < 0) {
			close(sock);
			return;
		}
	} else {
		struct pending p;

		pending_add(&p, id, want_stdin);
		r = send_upgrade_head(h->fd, h->head, http10);
		sock = pending_wait(&p, r < 0 ? -1 : h->fd);
		if (r < 0 || sock < 0) {
			if (sock >= 0)
				close(sock);
			return;
		}
	}
	r = pump(h->fd, sock, tty, want_stdin);
	close(sock);
	if (r >= 0)
		exit_note(id, r);
}

/* What ctr_exec() would refuse before starting anything: no such container, not running. */
static int exec_target_ok(struct store *s, const char *ctr, berth_error *err)
{
	_cleanup_container_ struct store_container *sc = NULL;
	int r = ctr_get(&api_ctx, s, ctr, &sc, err);

	if (r < 0)
		return r;
	ctr_refresh(&api_ctx, s, sc, NULL);
	if (strcmp(sc->state, "running") != 0)
		return berr(err, -EBUSY, "container %s is not running: start it first", sc->name);
	return 0;
}

static void serve_exec(struct hijack *h, const char *exec_id, bool http10, bool libpod)
{
	_cleanup_api_store_ struct store *s = NULL;
	_cleanup_(json_decrefp) json_t *body = NULL, *cfg = NULL;
	_cleanup_free_ char *session = NULL;
	_cleanup_free_ char **args = NULL, **env = NULL;
	struct ctr_exec_opts opts = { 0 };
	berth_error err = { 0 };
	char ctr[65];
	json_t *v;
	size_t i;
	int sock = -1, r, code;
	bool detach;

	if ((r = api_store_get(&s, &err)) < 0) {
		send_error(h->fd, http10, libpod, 500, err.msg);
		return;
	}
	code = exec_claim(s, exec_id, &cfg, ctr, sizeof(ctr));
	if (code) {
		send_error(h->fd, http10, libpod, code,
			   code == 409 ? "exec session already started" : "no such exec session");
		return;
	}
	struct exec_attached a = { .sock = -1 };
	snprintf(a.id, sizeof(a.id), "%.64s", exec_id);
	exec_attached_add(&a);
	body = h->body_len ? json_loadb(h->body, h->body_len, 0, NULL) : json_object();
	detach = json_is_true(json_object_get(body, "Detach"));
	args = calloc(json_array_size(json_object_get(cfg, "Cmd")) + 1, sizeof(char *));
	env = calloc(json_array_size(json_object_get(cfg, "Env")) + 1, sizeof(char *));
	if (!args || !env)
		goto fail;
	json_array_foreach (json_object_get(cfg, "Cmd"), i, v)
		args[i] = (char *)json_string_value(v);
	json_array_foreach (json_object_get(cfg, "Env"), i, v)
		env[i] = (char *)json_string_value(v);
	opts.args = args;
	opts.env = env;
	opts.user = json_string_value(json_object_get(cfg, "User"));
	if (opts.user && !*opts.user)
		opts.user = NULL;
	opts.workdir = json_string_value(json_object_get(cfg, "WorkingDir"));
	if (opts.workdir && !*opts.workdir)
		opts.workdir = NULL;
	opts.tty = json_is_true(json_object_get(cfg, "Tty"));
	opts.stdin = json_is_true(json_object_get(cfg, "AttachStdin"));
	opts.detach = detach;
	opts.session = exec_id;
	if (detach) {
		if ((r = ctr_exec(&api_ctx, s, ctr, &opts, NULL, &session, &err)) < 0) {
			send_error(h->fd, http10, libpod, r == -ENOENT ? 404 : 409, err.msg);
			goto fail;
		}
		exec_attached_drop(&a);
		send_status(h->fd, http10, 200, "OK", "");
		return;
	}
	if ((r = exec_target_ok(s, ctr, &err)) < 0) {
		send_error(h->fd, http10, libpod, r == -ENOENT ? 404 : 409, err.msg);
		goto fail;
	}
	/*
	 * The head goes out before the process starts, as Docker's daemon does: clients that
	 * parse the head through a buffered reader (python3-docker) and then read the raw
	 * socket lose whatever arrived together with it.
	 */
	if (send_upgrade_head(h->fd, h->head, http10) < 0)
		goto fail;
	if ((r = ctr_exec(&api_ctx, s, ctr, &opts, &sock, &session, &err)) < 0) {
		dprintf(h->fd, "Error: %s\n", err.msg);
		goto fail;
	}
	exec_attached_set_sock(&a, sock);
	code = pump(h->fd, sock, opts.tty, opts.stdin);
	exec_attached_drop(&a);
	close(sock);
	ctr_exec_finish(s, session, code, NULL);
	return;
fail:
	exec_attached_drop(&a);
	exec_unclaim(s, exec_id);
}

/*
 * End the client's stream and close @fd once the client has closed its side (at most
 * @LINGER_MS): a unix or TCP socket closed with unread input resets the connection, and a
 * client still sending stdin or a resize when the container exits (docker run -it) would
 * read ECONNRESET instead of the end of its output.
 */
#define LINGER_MS 2000
static void close_lingering(int fd)
{
	struct timespec t0, t;
	char sink[4096];

	shutdown(fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = LINGER_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0 || read(fd, sink, sizeof(sink)) <= 0)
			break;
	}
	close(fd);
}

static void *hijack_thread(void *arg)
{
	struct hijack *h = arg;
	char kind[16], id[600], q[1024];
	bool libpod = false, http10;
	int r = read_request(h);

	if (r < 0) {
		if (r == -E2BIG)
			send_error(h->fd, false, false, 400, "request head or body too large");
		goto out;
	}
	http10 = strstr(h->head, " HTTP/1.0\r\n") != NULL ||
		 (strstr(h->head, " HTTP/1.0") && !strchr(h->head, '\n'));
	if (!parse_target(h->head, kind, sizeof(kind), id, sizeof(id), q, sizeof(q), &libpod)) {
		send_error(h->fd, http10, libpod, 404, "no such endpoint");
		goto out;
	}
	if (strcmp(kind, "attach") == 0)
		serve_attach(h, id, q, http10, libpod);
	else
		serve_exec(h, id, http10, libpod);
out:
	close_lingering(h->fd);
	free(h->head);
	free(h->body);
	free(h);
	atomic_fetch_sub(&hijacks, 1);
	api_activity();
	return NULL;
}

int api_hijack_serve(int fd)
{
	struct hijack *h = calloc(1, sizeof(*h));
	pthread_attr_t attr;
	pthread_t t;
	int r;

	if (!h)
		return -ENOMEM;
	h->fd = fd;
	atomic_fetch_add(&hijacks, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, hijack_thread, h);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		atomic_fetch_sub(&hijacks, 1);
		free(h);
		return -r;
	}
	return 0;
}
