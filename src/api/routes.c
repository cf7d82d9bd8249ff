/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - the requests libmicrohttpd serves: the body is gathered (API_BODY_MAX at most),
 * the path stripped of its version and /libpod prefixes, then dispatched on the method and
 * path. Each request takes a store handle from the pool (store_pool.c); errors come back as
 * libpod's {"cause","message","response"} or Docker's {"message"} with the status the errno
 * maps to.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>
#include "api/api.h"
#include "engine/container.h"
#include "engine/container_health.h"
#include "engine/container_json.h"
#include "engine/container_logs.h"
#include "engine/container_rename.h"
#include "engine/container_stats.h"
#include "engine/create_conf.h"
#include "engine/container_status.h"
#include "engine/image_ops.h"
#include "network/ports.h"
#include "store/events.h"
#include "store/store.h"
#include "util/log.h"
#include "util/macro.h"

struct call {
	struct MHD_Connection *conn;
	const char *method;
	struct api_path path;
	const char *body;
	size_t len;
	struct req_body *defer; /* run off the connection's thread: the reply is kept here */
	int wake_fd;		/* the worker's eventfd (see resume()) */
};

/*
 * struct req_body - one request's state across libmicrohttpd's calls: its body, and for a
 * deferred call (run in a thread of its own while the connection is suspended) the reply
 * it left for the next call to queue.
 */
struct req_body {
	char *data;
	size_t len;
	bool too_big;
	bool deferred; /* the call thread runs or ran */
	atomic_bool replied;
	struct MHD_Response *resp;
	unsigned status;
	struct call call;
};

/* deferred calls and streams not finished yet: the daemons stop only when none is left */
static atomic_int inflight;

int api_inflight(void)
{
	return atomic_load(&inflight);
}

/*
 * Resume @conn and wake its worker: libmicrohttpd's own signal does not reach a daemon run
 * from outside (its epoll fd stays quiet), so the worker also polls @wake_fd.
 */
static void resume(struct MHD_Connection *conn, int wake_fd)
{
	MHD_resume_connection(conn);
	if (wake_fd >= 0)
		eventfd_write(wake_fd, 1);
}

/* ---- replies ---- */

/* Queue @r (taken) on @c's connection, or keep it for the connection's thread to queue. */
static enum MHD_Result respond(struct call *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (c->defer) {
		if (c->defer->resp)
			MHD_destroy_response(c->defer->resp);
		c->defer->resp = r;
		c->defer->status = status;
		return MHD_YES;
	}
	ret = MHD_queue_response(c->conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct call *c, unsigned status, char *text, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(text ? strlen(text) : 0, text,
								 MHD_RESPMEM_MUST_FREE);

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Api-Version", API_VERSION_DOCKER);
	MHD_add_response_header(r, "Libpod-Api-Version", API_VERSION_LIBPOD);
	MHD_add_response_header(r, "Server", "Libpod/" API_VERSION_LIBPOD " (linux)");
	return respond(c, status, r);
}

/* Steals @j. */
static enum MHD_Result reply_json(struct call *c, unsigned status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (!text)
		return reply_text(c, 500, strdup("{\"message\":\"out of memory\"}"),
				  "application/json");
	size_t l = strlen(text);
	char *nl = realloc(text, l + 2);
	if (nl) {
		text = nl;
		strcpy(text + l, "\n");
	}
	return reply_text(c, status, text, "application/json");
}

static enum MHD_Result reply_error(struct call *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum MHD_Result reply_error(struct call *c, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path.libpod)
		return reply_json(c, status, json_pack("{s:s, s:s, s:i}", "cause", msg, "message",
						       msg, "response", (int)status));
	return reply_json(c, status, json_pack("{s:s}", "message", msg));
}

static unsigned errno_status(int r)
{
	switch (-r) {
	case ENOENT:
	case ESRCH:
		return 404;
	case EEXIST:
	case EBUSY:
	case ENOTEMPTY:
		return 409;
	case EINVAL:
	case E2BIG:
	case ENAMETOOLONG:
		return 400;
	case EPERM:
	case EACCES:
		return 403;
	default:
		return 500;
	}
}

static enum MHD_Result reply_berr(struct call *c, int r, const berth_error *err)
{
	return reply_error(c, errno_status(r), "%s", err->msg[0] ? err->msg : strerror(-r));
}

static enum MHD_Result reply_empty(struct call *c, unsigned status)
{
	return reply_text(c, status, NULL, "text/plain");
}

static const char *query(struct call *c, const char *key)
{
	return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
}

static bool query_bool(struct call *c, const char *key)
{
	const char *v = query(c, key);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "True") == 0);
}

static long query_long(struct call *c, const char *key, long def)
{
	const char *v = query(c, key);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	return *end ? def : n;
}

/* ---- paths ---- */

void api_path_parse(const char *url, struct api_path *ret)
{
	const char *p = url;

	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		const char *q = p + 2;
		while ((*q >= '0' && *q <= '9') || *q == '.')
			q++;
		if (*q == '/' || *q == '\0')
			p = q;
	}
	ret->libpod = strncmp(p, "/libpod/", 8) == 0 || strcmp(p, "/libpod") == 0;
	if (ret->libpod)
		p += 7;
	ret->rest = *p ? p : "/";
}

bool api_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 512 || strstr(name, "..") || name[0] == '/' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\\' || *p == '"' || *p == '%')
			return false;
	return true;
}

/* "/containers/ID/start" with prefix "/containers/": ID into @id, "start" into @ret_op. */
static bool split_object(const char *rest, const char *prefix, char *id, size_t size,
			 const char **ret_op)
{
	size_t pl = strlen(prefix);
	const char *s, *slash;

	if (strncmp(rest, prefix, pl) != 0)
		return false;
	s = rest + pl;
	slash = strchr(s, '/');
	if ((size_t)(slash ? slash - s : (ptrdiff_t)strlen(s)) >= size)
		return false;
	snprintf(id, size, "%.*s", (int)(slash ? slash - s : (ptrdiff_t)strlen(s)), s);
	*ret_op = slash ? slash + 1 : "";
	return true;
}

/* Images names hold slashes: the operation is the last segment when it is one we know. */
static void split_image(const char *s, char *name, size_t size, const char **ret_op)
{
	static const char *const ops[] = { "json", "history", "exists", "tag", "untag", "get",
					   "push", NULL };
	const char *slash = strrchr(s, '/');

	*ret_op = "";
	if (slash)
		for (const char *const *o = ops; *o; o++)
			if (strcmp(slash + 1, *o) == 0) {
				*ret_op = *o;
				snprintf(name, size, "%.*s", (int)(slash - s), s);
				return;
			}
	snprintf(name, size, "%s", s);
}

/* ---- system ---- */

static enum MHD_Result h_ping(struct call *c)
{
	struct MHD_Response *r;
	char *body = strdup("OK");

	r = MHD_create_response_from_buffer(2, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Api-Version", API_VERSION_DOCKER);
	MHD_add_response_header(r, "Libpod-Api-Version", API_VERSION_LIBPOD);
	MHD_add_response_header(r, "Libpod-Buildah-Version", "1.28.0");
	MHD_add_response_header(r, "Builder-Version", "");
	MHD_add_response_header(r, "Docker-Experimental", "false");
	MHD_add_response_header(r, "Ostype", "linux");
	MHD_add_response_header(r, "Cache-Control", "no-cache, no-store, must-revalidate");
	return respond(c, 200, r);
}

static enum MHD_Result h_version(struct call *c)
{
	json_t *comp = json_pack("[{s:s, s:s, s:{s:s, s:s}}]", "Name", "Podman Engine", "Version",
				 API_VERSION_LIBPOD, "Details", "APIVersion", API_VERSION_LIBPOD,
				 "MinAPIVersion", "4.0.0");
	return reply_json(c, 200,
			  json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}",
				    "Components", comp, "Version", API_VERSION_LIBPOD, "ApiVersion",
				    c->path.libpod ? API_VERSION_LIBPOD : API_VERSION_DOCKER,
				    "MinAPIVersion", API_VERSION_DOCKER_MIN, "GitCommit", "",
				    "GoVersion", "n/a (berth " BERTH_VERSION ", C)", "Os", "linux",
				    "Arch", "amd64", "KernelVersion", "", "BuildTime", "",
				    "Platform", "Name", "berth"));
}

static enum MHD_Result h_info(struct call *c)
{
	_cleanup_api_store_ struct store *s = NULL;
	struct store_container **list = NULL;
	struct store_image **imgs = NULL;
	size_t n = 0, ni = 0, running = 0, stopped = 0, paused = 0;
	berth_error err = { 0 };
	char host[256] = "";
	int r;

	if ((r = api_store_get(&s, &err)) < 0)
		return reply_berr(c, r, &err);
	if (store_container_list(s, &list, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(&api_ctx, s, list[i], NULL);
			if (strcmp(list[i]->state, "running") == 0)
				running++;
			else if (strcmp(list[i]->state, "paused") == 0)
				paused++;
			else
				stopped++;
		}
	store_container_list_free(list, n);
	if (store_image_list(s, &imgs, &ni, NULL) == 0)
		store_image_list_free(imgs, ni);
	gethostname(host, sizeof(host) - 1);
	if (c->path.libpod)
		return reply_json(
			c, 200,
			json_pack("{s:{s:s, s:s, s:b, s:s, s:{s:s}, s:s, s:I, s:I}, s:{s:s, s:s, s:s, "
				  "s:{s:I, s:I, s:I, s:I}, s:{s:I}}, s:{s:s, s:s, s:s}, s:{}}",
				  "host", "arch", "amd64", "os", "linux", "rootless", api_ctx.rootless,
				  "hostname", host, "remoteSocket", "exists", "true", "cgroupVersion",
				  "v1", "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "memTotal",
				  (json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE),
				  "store", "graphRoot", api_ctx.root, "runRoot", api_ctx.runroot,
				  "graphDriverName", api_ctx.storage_driver, "containerStore",
				  "number", (json_int_t)n, "running", (json_int_t)running, "paused",
				  (json_int_t)paused, "stopped", (json_int_t)stopped, "imageStore",
				  "number", (json_int_t)ni, "version", "APIVersion",
				  API_VERSION_LIBPOD, "Version", API_VERSION_LIBPOD, "OsArch",
				  "linux/amd64", "registries"));
	return reply_json(
		c, 200,
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, "
			  "s:s, s:s, s:s, s:b, s:[]}",
			  "ID", "berth", "Containers", (json_int_t)n, "ContainersRunning",
			  (json_int_t)running, "ContainersPaused", (json_int_t)paused,
			  "ContainersStopped", (json_int_t)stopped, "Images", (json_int_t)ni,
			  "Driver", api_ctx.storage_driver, "DockerRootDir", api_ctx.root,
			  "OperatingSystem", "berth", "OSType", "linux", "Architecture", "x86_64",
			  "Name", host, "NCPU", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal",
			  (json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE), "ServerVersion",
			  API_VERSION_LIBPOD, "CgroupVersion", "1", "CgroupDriver", "cgroupfs",
			  "Debug", 0, "Warnings"));
}

/* ---- containers ---- */

static const char *state_of(const struct store_container *sc)
{
	return strcmp(sc->state, "configured") == 0 ? "created" : sc->state;
}

/* Docker's shape of a ps row, built on the CLI's. */
static json_t *docker_ps_item(json_t *row, const struct store_container *sc)
{
	_cleanup_free_ char *name = NULL;
	json_t *j;

	if (asprintf(&name, "/%s", sc->name) < 0)
		return NULL;
	j = json_pack("{s:s, s:[s], s:s, s:s, s:O, s:I, s:[], s:O, s:s, s:O, s:{s:s}, s:{s:{}}, "
		      "s:[]}",
		      "Id", sc->id, "Names", name, "Image", sc->image_name ? sc->image_name : "",
		      "ImageID", sc->image_id ? sc->image_id : "", "Command",
		      json_object_get(row, "Command"), "Created",
		      (json_int_t)(sc->created / 1000000000), "Ports", "Labels",
		      json_object_get(row, "Labels"), "State", state_of(sc), "Status",
		      json_object_get(row, "Status"), "HostConfig", "NetworkMode", "default",
		      "NetworkSettings", "Networks", "Mounts");
	return j;
}

static json_t *libpod_ps_item(json_t *row, const struct store_container *sc)
{
	json_t *j = json_deep_copy(row);

	if (!j)
		return NULL;
	json_object_set_new(j, "Id", json_string(sc->id));
	json_object_set_new(j, "Names", json_pack("[s]", sc->name));
	json_object_set(j, "Command", json_object_get(row, "CommandArgs"));
	/* libpod's ListContainer.Created is a time.Time (cockpit Date.parse()s it) */
	char when[64];
	json_object_set_new(j, "Created",
			    json_string(ctr_json_rfc3339(sc->created, when, sizeof(when))));
	json_object_set_new(j, "CreatedAt", json_string(""));
	json_object_set_new(j, "Ports", json_null());
	json_object_set_new(j, "Mounts", json_array());
	json_object_set_new(j, "Networks", json_array());
	json_object_set_new(j, "Namespaces", json_object());
	json_object_set_new(j, "Pod", json_string(sc->pod_id ? sc->pod_id : ""));
	json_object_set_new(j, "PodName", json_string(""));
	json_object_set_new(j, "Size", json_null());
	json_object_del(j, "ID");
	json_object_del(j, "FullID");
	json_object_del(j, "CommandArgs");
	json_object_del(j, "RunningFor");
	return j;
}

static enum MHD_Result h_containers_list(struct call *c)
{
	_cleanup_api_store_ struct store *s = NULL;
	struct store_container **list = NULL;
	berth_error err = { 0 };
	bool all = query_bool(c, "all");
	int64_t now = ctr_now_ns();
	json_t *out = json_array();
	size_t n = 0;
	int r;

	if ((r = api_store_get(&s, &err)) < 0 || (r = store_container_list(s, &list, &n, &err)) < 0) {
		json_decref(out);
		return reply_berr(c, r, &err);
	}
	for (size_t i = 0; i < n; i++) {
		struct store_container *sc = list[i];
		json_t *cfg, *row;

		ctr_refresh(&api_ctx, s, sc, NULL);
		if (!all && strcmp(sc->state, "running") != 0 && strcmp(sc->state, "paused") != 0)
			continue;
		cfg = ctr_config(sc);
		ctr_health_annotate(&api_ctx, sc, cfg); /* Status "Up ... (healthy)" */
		row = ctr_json_ps_item(sc, cfg, true, now);
		json_array_append_new(out, c->path.libpod ? libpod_ps_item(row, sc)
							 : docker_ps_item(row, sc));
		json_decref(row);
		json_decref(cfg);
	}
	store_container_list_free(list, n);
	return reply_json(c, 200, out);
}

static json_t *docker_inspect(json_t *j, const struct store_container *sc)
{
	_cleanup_free_ char *name = NULL, *image = NULL;
	json_t *cfg = json_object_get(j, "Config"), *hc = json_object_get(j, "HostConfig");

	if (asprintf(&name, "/%s", sc->name) < 0 ||
	    asprintf(&image, "sha256:%s", sc->image_id ? sc->image_id : "") < 0)
		return j;
	json_object_set_new(j, "Name", json_string(name));
	json_object_set_new(j, "Image", json_string(image));
	json_object_set_new(j, "NetworkSettings",
			    json_pack("{s:{}, s:{}, s:s, s:s}", "Ports", "Networks", "IPAddress",
				      "", "Gateway", ""));
	json_object_set_new(cfg, "AttachStdin", json_false());
	json_object_set_new(cfg, "AttachStdout", json_true());
	json_object_set_new(cfg, "AttachStderr", json_true());
	json_object_set_new(cfg, "StdinOnce", json_false());
	/* Docker's types: Tmpfs is a map, Ulimits {Name,Soft,Hard} */
	json_object_set_new(hc, "Tmpfs", json_object());
	json_object_set_new(hc, "Ulimits", json_array());
	json_object_set_new(hc, "RestartPolicy", json_pack("{s:s, s:i}", "Name", "no",
							   "MaximumRetryCount", 0));
	json_object_set_new(hc, "LogConfig", json_pack("{s:s, s:{}}", "Type", "json-file",
						       "Config"));
	return j;
}

/* libpod's inspect: what the CLI prints plus the sections cockpit reads unconditionally. */
static json_t *libpod_inspect(json_t *j)
{
	if (!json_object_get(j, "NetworkSettings"))
		json_object_set_new(j, "NetworkSettings",
				    json_pack("{s:{}, s:{}, s:s, s:s, s:s}", "Ports", "Networks",
					      "IPAddress", "", "Gateway", "", "MacAddress", ""));
	return j;
}

/* Look up a container by the name in the path (validated first). */
static int get_container(struct call *c, struct store *s, const char *ref,
			 struct store_container **ret, berth_error *err)
{
	if (!api_name_ok(ref))
		return berr(err, -EINVAL, "invalid container name \"%s\": use a name or an id", ref);
	return ctr_get(&api_ctx, s, ref, ret, err);
}

static enum MHD_Result h_container_inspect(struct call *c, struct store *s, const char *ref)
{
	_cleanup_container_ struct store_container *sc = NULL;
	berth_error err = { 0 };
	json_t *j;
	int r;

	if ((r = get_container(c, s, ref, &sc, &err)) < 0)
		return reply_berr(c, r, &err);
	j = ctr_json_inspect(&api_ctx, sc);
	if (!j)
		return reply_error(c, 500, "container %s: cannot build its description", ref);
	return reply_json(c, 200, c->path.libpod ? libpod_inspect(j) : docker_inspect(j, sc));
}

static int signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = { { "HUP", SIGHUP },	  { "INT", SIGINT },   { "QUIT", SIGQUIT },
		     { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		     { "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		     { "WINCH", SIGWINCH }, { "ALRM", SIGALRM } };
	char *end;
	long n;

	if (!s || !*s)
		return SIGKILL;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < 65 ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return -EINVAL;
}

static int start_container(struct store *s, const char *id, berth_error *err)
{
	struct ctr_start_opts opts = { 0 };
	int sock = -1, r;

	if (api_pending_attach(id, &opts.stdin)) {
		opts.attach = true;
		r = ctr_start(&api_ctx, s, id, &opts, &sock, err);
		api_pending_attach_give(id, r < 0 ? -1 : sock, r);
		return r;
	}
	return ctr_start(&api_ctx, s, id, &opts, NULL, err);
}

static bool is_running(const struct store_container *sc)
{
	return strcmp(sc->state, "running") == 0 || strcmp(sc->state, "paused") == 0;
}

/*
 * Sleep until the store's database (its WAL, beside it) is written or @ms pass: a container's
 * exit and removal are recorded there by its monitor's cleanup, so a waiter wakes as they
 * happen instead of at its next poll. @ifd < 0: just sleep.
 */
static void store_changed_wait(int ifd, int ms)
{
	char buf[4096];
	struct pollfd p = { .fd = ifd, .events = POLLIN };

	if (ifd < 0) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		return;
	}
	if (poll(&p, 1, ms) > 0)
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
}

/* Wait for the container to leave "running" after @since_finished changed (next-exit), or to
 * disappear (removed); reads the store whenever it changes (polls it as well, as any client
 * of a daemonless engine must: a monitor killed records nothing). */
static int wait_condition(struct store *s, const char *id, const char *cond, int *ret_code,
			  berth_error *err)
{
	bool removed = cond && strcmp(cond, "removed") == 0;
	bool next = removed || (cond && strcmp(cond, "next-exit") == 0);
	int64_t first_finished = -1;
	_cleanup_close_ int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (ifd >= 0 && inotify_add_watch(ifd, api_ctx.root, IN_MODIFY | IN_CLOSE_WRITE |
							       IN_MOVED_TO | IN_DELETE) < 0) {
		close(ifd);
		ifd = -1;
	}
	for (;;) {
		_cleanup_container_ struct store_container *sc = NULL;
		int r = ctr_get(&api_ctx, s, id, &sc, err);

		if (r == -ENOENT && removed && first_finished >= 0) {
			/* the record is gone with its exit code: an attach may have seen it */
			for (int i = 0; i < 10 && !api_exit_lookup(id, ret_code); i++) {
				struct timespec w = { 0, 50 * 1000 * 1000 };
				nanosleep(&w, NULL);
			}
			return 0;
		}
		if (r < 0)
			return r;
		if (first_finished < 0)
			first_finished = sc->finished_at;
		*ret_code = sc->exit_code;
		if (!is_running(sc) && (!next || sc->finished_at != first_finished) && !removed)
			return 0;
		store_changed_wait(ifd, 250);
	}
}

/* ---- streamed bodies: logs and events come from a writer thread through pipes ---- */

struct stream {
	int out[2];
	int err[2];
	bool mux;
	bool done_out, done_err;
	pthread_t thread;
	char *log_path;
	struct ctr_logs_opts opts;
	pid_t pid;
	int64_t pid_start_unused;
	bool events_follow;
	bool libpod;
	const char *wait_cond;
	char cond[32];
	char **argv; /* a child command's arguments (pull, push) */
	bool docker_progress;
	long stats_interval_ms; /* containers/stats: between readings; 0: one reading */
	bool stats_prime;	/* one reading first, not sent: the answer's precpu_stats */
	/* the writer thread and the response each hold a reference: a writer blocked on a
	 * quiet source (events, logs -f) must not keep the connection's thread, or a stop,
	 * waiting; it ends at its next write (EPIPE) or wake-up (@cancelled) */
	atomic_int refs;
	atomic_bool cancelled;
	void *(*fn)(void *);
	/* stream_read() never blocks the connection's thread: with nothing to send it suspends
	 * the connection, and the waker thread resumes it when a pipe has data or ends */
	struct MHD_Connection *conn;
	int wake_fd;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool suspended; /* under @lock */
	bool closed;	/* the response is gone (under @lock) */
};

static atomic_bool streams_stopped;

void api_stop_streams(void)
{
	atomic_store(&streams_stopped, true);
}

static void stream_unref(struct stream *st)
{
	if (atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->wake);
	free(st->log_path);
	strv_free(st->argv);
	free(st);
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	atomic_store(&st->cancelled, true);
	pthread_mutex_lock(&st->lock);
	st->closed = true;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->lock);
	if (st->out[0] >= 0)
		close(st->out[0]);
	if (st->err[0] >= 0)
		close(st->err[0]);
	atomic_fetch_sub(&inflight, 1);
	stream_unref(st);
}

/* Resume @st's connection whenever stream_read() suspended it and a pipe became readable
 * (or the service stops). Holds a reference; ends with the response (stream_free). */
static void *stream_waker(void *arg)
{
	struct stream *st = arg;

	pthread_mutex_lock(&st->lock);
	while (!st->closed) {
		struct pollfd p[2];
		int pr;

		if (!st->suspended) {
			pthread_cond_wait(&st->wake, &st->lock);
			continue;
		}
		/* the fds stay open while !closed: stream_free closes them after setting it */
		p[0] = (struct pollfd){ .fd = st->done_out ? -1 : st->out[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = st->done_err ? -1 : st->err[0], .events = POLLIN };
		pthread_mutex_unlock(&st->lock);
		pr = poll(p, 2, 500);
		pthread_mutex_lock(&st->lock);
		if (st->closed || !st->suspended)
			continue;
		if (pr != 0 || atomic_load(&streams_stopped)) {
			st->suspended = false;
			resume(st->conn, st->wake_fd);
		}
	}
	pthread_mutex_unlock(&st->lock);
	stream_unref(st);
	return NULL;
}

static void *stream_main(void *arg)
{
	struct stream *st = arg;

	st->fn(st);
	stream_unref(st);
	return NULL;
}

/*
 * One NDJSON line to the stream's body, @j stolen, in one write: clients that split the
 * stream per read (python3-docker) fail on a lone "\n" left at the end. Return: 0, -EPIPE.
 */
static int stream_json(struct stream *st, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	size_t l = text ? strlen(text) : 0;
	char *nl = text ? realloc(text, l + 2) : NULL;
	ssize_t w = -1;

	json_decref(j);
	if (!nl) {
		free(text);
		return 0;
	}
	nl[l] = '\n';
	nl[l + 1] = '\0';
	w = write(st->out[1], nl, l + 1);
	free(nl);
	return w < 0 ? -EPIPE : 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct pollfd p[2];
	int pr;

	(void)pos;
	for (;;) {
		if (st->done_out && st->done_err)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (atomic_load(&streams_stopped))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		p[0] = (struct pollfd){ .fd = st->done_out ? -1 : st->out[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = st->done_err ? -1 : st->err[0], .events = POLLIN };
		pr = poll(p, 2, 0);
		if (pr < 0 && errno != EINTR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (pr <= 0)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			size_t off = st->mux ? 8 : 0;
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)) || max <= off)
				continue;
			n = read(p[i].fd, buf + off, max - off);
			if (n <= 0) {
				*(i ? &st->done_err : &st->done_out) = true;
				continue;
			}
			if (st->mux) {
				memset(buf, 0, 8);
				buf[0] = (char)(i + 1);
				buf[4] = (char)((n >> 24) & 0xff);
				buf[5] = (char)((n >> 16) & 0xff);
				buf[6] = (char)((n >> 8) & 0xff);
				buf[7] = (char)(n & 0xff);
			}
			return (ssize_t)off + n;
		}
	}
	/* nothing yet: leave the connection's thread to the others until the waker resumes us */
	pthread_mutex_lock(&st->lock);
	MHD_suspend_connection(st->conn);
	st->suspended = true;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static bool pid_alive(void *userdata)
{
	struct stream *st = userdata;
	return !atomic_load(&st->cancelled) && st->pid > 0 && kill(st->pid, 0) == 0;
}

static void *logs_thread(void *arg)
{
	struct stream *st = arg;

	ctr_logs_print(st->log_path, &st->opts, st->out[1], st->err[1], NULL);
	close(st->out[1]);
	close(st->err[1]);
	return NULL;
}

/* containers/{id}/wait: @log_path holds the container id here. */
static void *wait_thread(void *arg)
{
	struct stream *st = arg;
	struct store *s = NULL;
	berth_error err = { 0 };
	json_t *j;
	int code = -1, r;

	r = api_store_get(&s, &err);
	if (r == 0)
		r = wait_condition(s, st->log_path, st->cond[0] ? st->cond : NULL, &code, &err);
	api_store_put(s);
	if (st->libpod)
		j = r < 0 ? json_pack("{s:s, s:s, s:i}", "cause", err.msg, "message", err.msg,
				      "response", 500)
			  : json_integer(code);
	else
		j = r < 0 ? json_pack("{s:i, s:{s:s}}", "StatusCode", -1, "Error", "Message", err.msg)
			  : json_pack("{s:i, s:n}", "StatusCode", code, "Error");
	stream_json(st, j);
	close(st->out[1]);
	return NULL;
}

static enum MHD_Result reply_stream(struct call *c, struct stream *st, void *(*fn)(void *),
				    const char *type)
{
	struct MHD_Response *r;
	pthread_t waker;

	st->fn = fn;
	st->conn = c->conn;
	st->wake_fd = c->wake_fd;
	atomic_store(&st->refs, 3);
	if (pthread_create(&st->thread, NULL, stream_main, st) != 0) {
		close(st->out[0]);
		close(st->out[1]);
		close(st->err[0]);
		close(st->err[1]);
		free(st->log_path);
		strv_free(st->argv);
		free(st);
		return reply_error(c, 500, "cannot start a thread for the stream");
	}
	pthread_detach(st->thread);
	atomic_fetch_add(&inflight, 1);
	if (pthread_create(&waker, NULL, stream_waker, st) != 0) {
		stream_free(st); /* (its writer ends at its next write) */
		stream_unref(st);
		return reply_error(c, 500, "cannot start a thread for the stream");
	}
	pthread_detach(waker);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, st,
					      stream_free);
	if (!r) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Api-Version", API_VERSION_DOCKER);
	return respond(c, 200, r);
}

static struct stream *stream_new(void)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->wake, NULL);
	if (pipe2(st->out, O_CLOEXEC) < 0) {
		free(st);
		return NULL;
	}
	if (pipe2(st->err, O_CLOEXEC) < 0) {
		close(st->out[0]);
		close(st->out[1]);
		free(st);
		return NULL;
	}
	return st;
}

static enum MHD_Result h_container_logs(struct call *c, struct store_container *sc)
{
	_cleanup_(json_decrefp) json_t *cfg = ctr_config(sc);
	_cleanup_free_ char *userdata = ctr_userdata_path(&api_ctx, sc->id);
	struct stream *st;
	const char *tail = query(c, "tail");

	if (!query_bool(c, "stdout") && !query_bool(c, "stderr"))
		return reply_error(c, 400, "container %s logs: ask for stdout=true and/or "
					   "stderr=true", sc->name);
	st = stream_new();
	if (!st || !userdata || asprintf(&st->log_path, "%s/ctr.log", userdata) < 0)
		return reply_error(c, 500, "out of memory");
	st->mux = !json_is_true(json_object_get(cfg, "tty"));
	st->opts.tail = tail && strcmp(tail, "all") != 0 ? query_long(c, "tail", -1) : -1;
	st->opts.timestamps = query_bool(c, "timestamps");
	st->opts.since_ns = query_long(c, "since", 0) * 1000000000LL;
	st->opts.until_ns = query_long(c, "until", 0) * 1000000000LL;
	st->opts.follow = query_bool(c, "follow") && is_running(sc);
	st->opts.still_running = pid_alive;
	st->opts.userdata = st;
	st->pid = sc->pid;
	if (!query_bool(c, "stdout")) {
		close(st->out[0]);
		st->out[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		st->done_out = true;
	}
	if (!query_bool(c, "stderr")) {
		close(st->err[0]);
		st->err[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		st->done_err = true;
	}
	return reply_stream(c, st, logs_thread,
			    st->mux ? "application/vnd.docker.multiplexed-stream"
				    : "application/vnd.docker.raw-stream");
}

/* libpod's GET containers/{id}/healthcheck: run the check once, answer the health state */
static enum MHD_Result h_container_healthcheck(struct call *c, struct store *s,
					       struct store_container *sc)
{
	_cleanup_free_ char *rundir = ctr_rundir_path(&api_ctx, sc->id);
	berth_error err = { 0 };
	bool healthy = false;
	int r = ctr_health_run(&api_ctx, s, sc->id, &healthy, &err);

	if (r < 0)
		return reply_error(c, r == -ENOENT ? 404 : 409, "%s", err.msg);
	return reply_json(c, 200, rundir ? ctr_health_state_load(rundir) : json_object());
}

/* The container's processes: its pid and every descendant, from /proc. */
static enum MHD_Result h_container_top(struct call *c, struct store_container *sc)
{
	json_t *procs = json_array();
	pid_t set[1024];
	size_t nset = 0;
	bool grew = true;

	if (!is_running(sc) || sc->pid <= 0) {
		json_decref(procs);
		return reply_error(c, 409, "container %s is not running: start it first", sc->name);
	}
	set[nset++] = sc->pid;
	while (grew && nset < 1024) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		grew = false;
		while (d && (de = readdir(d)) && nset < 1024) {
			char path[64], buf[512], *rp;
			pid_t pid = (pid_t)atoi(de->d_name), ppid;
			bool have = false;
			int fd;
			ssize_t n;
			if (pid <= 0)
				continue;
			for (size_t i = 0; i < nset; i++)
				have |= set[i] == pid;
			if (have)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			rp = strrchr(buf, ')');
			if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
				continue;
			for (size_t i = 0; i < nset; i++)
				if (set[i] == ppid) {
					set[nset++] = pid;
					grew = true;
					break;
				}
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < nset; i++) {
		char path[64], cmd[4096] = "";
		int fd;
		ssize_t n = 0;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", set[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, cmd, sizeof(cmd) - 1);
			close(fd);
		}
		for (ssize_t k = 0; k + 1 < n; k++)
			if (!cmd[k])
				cmd[k] = ' ';
		cmd[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "%d", set[i]);
		json_array_append_new(procs, json_pack("[s, s]", path, cmd));
	}
	return reply_json(c, 200, json_pack("{s:[s, s], s:o}", "Titles", "PID", "COMMAND",
					    "Processes", procs));
}

/* POST containers/{id}/exec: Docker's ExecConfig (libpod's is the same shape). */
static enum MHD_Result h_exec_create(struct call *c, struct store_container *sc)
{
	_cleanup_(json_decrefp) json_t *body = NULL;
	_cleanup_free_ char *id = NULL;
	json_t *cmd, *v;
	size_t i;

	body = json_loadb(c->body ? c->body : "", c->len, 0, NULL);
	cmd = json_object_get(body, "Cmd");
	if (!json_is_object(body) || !json_array_size(cmd))
		return reply_error(c, 400, "exec %s: the body must be a JSON object with a non-empty "
					   "\"Cmd\" array", sc->name);
	json_array_foreach (cmd, i, v)
		if (!json_is_string(v))
			return reply_error(c, 400, "exec %s: \"Cmd\" must hold strings", sc->name);
	json_array_foreach (json_object_get(body, "Env"), i, v)
		if (!json_is_string(v))
			return reply_error(c, 400, "exec %s: \"Env\" must hold strings", sc->name);
	if (!is_running(sc))
		return reply_error(c, 409, "container %s is not running: start it first", sc->name);
	id = api_exec_create(sc->id, body);
	if (!id)
		return reply_error(c, 500, "out of memory");
	return reply_json(c, 201, json_pack("{s:s}", "Id", id));
}

static enum MHD_Result exec_op(struct call *c, const char *id, const char *op)
{
	json_t *j = NULL;

	if (strcmp(op, "resize") == 0 && strcmp(c->method, "POST") == 0) {
		if (api_exec_resize(id, (unsigned)query_long(c, "h", 0), (unsigned)query_long(c, "w", 0)) < 0 &&
		    !(j = api_exec_inspect(id)))
			return reply_error(c, 404, "no such exec session: %s", id);
		json_decref(j);
		return reply_json(c, 201, json_object());
	}
	if (strcmp(op, "json") != 0 || strcmp(c->method, "GET") != 0)
		return reply_error(c, 404, "no such endpoint: %s %s", c->method, c->path.rest);
	j = api_exec_inspect(id);
	if (!j)
		return reply_error(c, 404, "no such exec session: %s", id);
	return reply_json(c, 200, j);
}

static enum MHD_Result h_stats(struct call *c, const char *ref);

static enum MHD_Result container_op(struct call *c, const char *ref, const char *op)
{
	_cleanup_api_store_ struct store *s = NULL;
	_cleanup_container_ struct store_container *sc = NULL;
	berth_error err = { 0 };
	bool get = strcmp(c->method, "GET") == 0, post = strcmp(c->method, "POST") == 0;
	int r, code = 0;

	if ((r = api_store_get(&s, &err)) < 0)
		return reply_berr(c, r, &err);
	if (strcmp(c->method, "DELETE") == 0 && !*op) {
		if ((r = get_container(c, s, ref, &sc, &err)) < 0)
			return reply_berr(c, r, &err);
		if (is_running(sc) && !query_bool(c, "force"))
			return reply_error(c, 409, "container %s is running: stop it first or "
						   "remove it with force=true", ref);
		if ((r = ctr_remove(&api_ctx, s, sc->id, query_bool(c, "force"),
				    query_bool(c, "v"), &err)) < 0)
			return reply_berr(c, r, &err);
		if (c->path.libpod)
			return reply_json(c, 200, json_pack("[{s:s, s:n}]", "Id", sc->id, "Err"));
		return reply_empty(c, 204);
	}
	if (get && strcmp(op, "json") == 0)
		return h_container_inspect(c, s, ref);
	if ((r = get_container(c, s, ref, &sc, &err)) < 0) {
		if (get && strcmp(op, "exists") == 0 && r == -ENOENT)
			return reply_empty(c, 404);
		return reply_berr(c, r, &err);
	}
	if (get && strcmp(op, "exists") == 0)
		return reply_empty(c, 204);
	if (get && strcmp(op, "logs") == 0)
		return h_container_logs(c, sc);
	if (get && strcmp(op, "top") == 0)
		return h_container_top(c, sc);
	if (get && strcmp(op, "healthcheck") == 0)
		return h_container_healthcheck(c, s, sc);
	if (get && strcmp(op, "stats") == 0)
		return h_stats(c, sc->id);
	if (!post)
		return reply_error(c, 404, "no such endpoint: %s %s", c->method, c->path.rest);
	if (strcmp(op, "resize") == 0)
		return reply_json(c, 200, json_object());
	if (strcmp(op, "exec") == 0)
		return h_exec_create(c, sc);
	if (strcmp(op, "start") == 0) {
		if (is_running(sc))
			return reply_empty(c, 304);
		if ((r = start_container(s, sc->id, &err)) < 0)
			return reply_berr(c, r, &err);
		return reply_empty(c, 204);
	}
	if (strcmp(op, "stop") == 0 || strcmp(op, "restart") == 0) {
		long t = query_long(c, "t", query_long(c, "timeout", CTR_DEFAULT_STOP_TIMEOUT));
		bool restart = strcmp(op, "restart") == 0;
		if (!restart && !is_running(sc))
			return reply_empty(c, 304);
		if ((r = ctr_stop(&api_ctx, s, sc->id, (int)t, &err)) < 0)
			return reply_berr(c, r, &err);
		if (restart && (r = start_container(s, sc->id, &err)) < 0)
			return reply_berr(c, r, &err);
		return reply_empty(c, 204);
	}
	if (strcmp(op, "kill") == 0) {
		int sig = signal_parse(query(c, "signal"));
		if (sig < 0)
			return reply_error(c, 400, "invalid signal \"%s\": use a name such as "
						   "SIGTERM or a number", query(c, "signal"));
		if (!is_running(sc))
			return reply_error(c, 409, "container %s is not running", ref);
		if ((r = ctr_kill(&api_ctx, s, sc->id, sig, &err)) < 0)
			return reply_berr(c, r, &err);
		return reply_empty(c, 204);
	}
	if (strcmp(op, "wait") == 0) {
		/* docker run waits for the headers of wait before it starts the container: they go
		 * out now, the body when the condition is met */
		const char *cond = query(c, "condition");
		struct stream *st = stream_new();
		(void)code;
		if (!st)
			return reply_error(c, 500, "out of memory");
		close(st->err[0]);
		close(st->err[1]);
		st->err[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		st->err[1] = -1;
		st->done_err = true;
		st->libpod = c->path.libpod;
		st->log_path = strdup(sc->id);
		st->wait_cond = cond && strlen(cond) < sizeof(st->wait_cond) ? cond : "";
		snprintf(st->cond, sizeof(st->cond), "%s", st->wait_cond);
		return reply_stream(c, st, wait_thread, "application/json");
	}
	if (strcmp(op, "pause") == 0 || strcmp(op, "unpause") == 0) {
		bool pause = strcmp(op, "pause") == 0;
		if (!is_running(sc))
			return reply_error(c, 409, "container %s is not running", ref);
		if ((r = ctr_kill(&api_ctx, s, sc->id, pause ? SIGSTOP : SIGCONT, &err)) < 0)
			return reply_berr(c, r, &err);
		return reply_empty(c, 204);
	}
	if (strcmp(op, "rename") == 0) {
		const char *name = query(c, "name");
		if (!name || !*name)
			return reply_error(c, 400, "rename %s: the query parameter name is required",
					   ref);
		if ((r = ctr_rename(&api_ctx, s, sc->id, name, &err)) < 0)
			return reply_berr(c, r, &err);
		return reply_empty(c, 204);
	}
	return reply_error(c, 404, "no such endpoint: %s %s", c->method, c->path.rest);
}

/* ---- create ---- */

static int copy_key(json_t *to, const char *tkey, json_t *from, const char *fkey, json_type t)
{
	json_t *v = json_object_get(from, fkey);

	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != t && !(t == JSON_TRUE && json_is_boolean(v)))
		return -EINVAL;
	json_object_set(to, tkey, v);
	return 0;
}

static int ports_from_docker(json_t *bindings, json_t *create, berth_error *err)
{
	struct port_mapping m[64];
	size_t n = 0;
	const char *key;
	json_t *list;
	int r;

	json_object_foreach (bindings, key, list) {
		size_t i;
		json_t *b;
		json_array_foreach (list, i, b) {
			char spec[256];
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			if (n >= 64)
				return berr(err, -E2BIG, "too many port bindings (64 at most)");
			snprintf(spec, sizeof(spec), "%s%s%s:%s", ip && *ip ? ip : "",
				 ip && *ip ? ":" : "", hp ? hp : "", key);
			if ((r = port_mapping_parse(spec, &m[n], err)) < 0)
				return r;
			n++;
		}
	}
	if (n)
		json_object_set_new(create, "ports", port_mappings_to_json(m, n));
	return 0;
}

static int create_from_docker(json_t *body, json_t *create, berth_error *err)
{
	json_t *hc = json_object_get(body, "HostConfig");
	const char *net = json_string_value(json_object_get(hc, "NetworkMode"));

	if (copy_key(create, "image", body, "Image", JSON_STRING) < 0 ||
	    copy_key(create, "command", body, "Cmd", JSON_ARRAY) < 0 ||
	    copy_key(create, "entrypoint", body, "Entrypoint", JSON_ARRAY) < 0 ||
	    copy_key(create, "env", body, "Env", JSON_ARRAY) < 0 ||
	    copy_key(create, "workdir", body, "WorkingDir", JSON_STRING) < 0 ||
	    copy_key(create, "user", body, "User", JSON_STRING) < 0 ||
	    copy_key(create, "hostname", body, "Hostname", JSON_STRING) < 0 ||
	    copy_key(create, "tty", body, "Tty", JSON_TRUE) < 0 ||
	    copy_key(create, "interactive", body, "OpenStdin", JSON_TRUE) < 0 ||
	    copy_key(create, "labels", body, "Labels", JSON_OBJECT) < 0 ||
	    copy_key(create, "stop_signal", body, "StopSignal", JSON_STRING) < 0 ||
	    copy_key(create, "rm", hc, "AutoRemove", JSON_TRUE) < 0 ||
	    copy_key(create, "privileged", hc, "Privileged", JSON_TRUE) < 0 ||
	    copy_key(create, "read_only", hc, "ReadonlyRootfs", JSON_TRUE) < 0 ||
	    copy_key(create, "cap_add", hc, "CapAdd", JSON_ARRAY) < 0 ||
	    copy_key(create, "cap_drop", hc, "CapDrop", JSON_ARRAY) < 0)
		return berr(err, -EINVAL, "container create: a field has the wrong JSON type; "
					  "check the request against the Docker API");
	if (json_string_value(json_object_get(create, "workdir")) &&
	    !*json_string_value(json_object_get(create, "workdir")))
		json_object_del(create, "workdir");
	if (json_string_value(json_object_get(create, "user")) &&
	    !*json_string_value(json_object_get(create, "user")))
		json_object_del(create, "user");
	if (json_string_value(json_object_get(create, "hostname")) &&
	    !*json_string_value(json_object_get(create, "hostname")))
		json_object_del(create, "hostname");
	if (net && (strcmp(net, "host") == 0 || strcmp(net, "none") == 0))
		json_object_set_new(create, "network", json_string(net));
	if (json_is_object(json_object_get(hc, "PortBindings")))
		return ports_from_docker(json_object_get(hc, "PortBindings"), create, err);
	return 0;
}

/* libpod's SpecGenerator: the fields cockpit and podman-remote send; unknown ones refused. */
static int create_from_libpod(json_t *body, json_t *create, berth_error *err)
{
	static const char *const known[] = {
		"image", "name", "command", "entrypoint", "env", "terminal", "stdin", "labels",
		"remove", "work_dir", "user", "hostname", "portmappings", "netns", "privileged",
		"cap_add", "cap_drop", "read_only_filesystem", "stop_signal", "pod", "restart_policy",
		"healthconfig", "mounts", "volumes", "resource_limits", "publish_image_ports",
		"image_volume_mode", "systemd", "oci_runtime", "cgroups_mode", "annotations", NULL,
	};
	const char *key, *k2;
	json_t *v, *env, *pm;
	size_t i;

	json_object_foreach (body, key, v) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, key) == 0;
		if (!ok)
			return berr(err, -EINVAL, "container create: unknown field \"%s\"; remove it",
				    key);
	}
	if (copy_key(create, "image", body, "image", JSON_STRING) < 0 ||
	    copy_key(create, "command", body, "command", JSON_ARRAY) < 0 ||
	    copy_key(create, "entrypoint", body, "entrypoint", JSON_ARRAY) < 0 ||
	    copy_key(create, "tty", body, "terminal", JSON_TRUE) < 0 ||
	    copy_key(create, "interactive", body, "stdin", JSON_TRUE) < 0 ||
	    copy_key(create, "labels", body, "labels", JSON_OBJECT) < 0 ||
	    copy_key(create, "rm", body, "remove", JSON_TRUE) < 0 ||
	    copy_key(create, "workdir", body, "work_dir", JSON_STRING) < 0 ||
	    copy_key(create, "user", body, "user", JSON_STRING) < 0 ||
	    copy_key(create, "hostname", body, "hostname", JSON_STRING) < 0 ||
	    copy_key(create, "privileged", body, "privileged", JSON_TRUE) < 0 ||
	    copy_key(create, "cap_add", body, "cap_add", JSON_ARRAY) < 0 ||
	    copy_key(create, "cap_drop", body, "cap_drop", JSON_ARRAY) < 0 ||
	    copy_key(create, "read_only", body, "read_only_filesystem", JSON_TRUE) < 0 ||
	    copy_key(create, "stop_signal", body, "stop_signal", JSON_STRING) < 0)
		return berr(err, -EINVAL, "container create: a field has the wrong JSON type");
	env = json_object_get(body, "env");
	if (json_is_object(env)) {
		json_t *arr = json_array();
		json_object_foreach (env, k2, v) {
			char *kv = NULL;
			if (!json_is_string(v) || asprintf(&kv, "%s=%s", k2, json_string_value(v)) < 0)
				continue;
			json_array_append_new(arr, json_string(kv));
			free(kv);
		}
		json_object_set_new(create, "env", arr);
	}
	const char *nsmode = json_string_value(json_object_get(json_object_get(body, "netns"),
							      "nsmode"));
	if (nsmode && (strcmp(nsmode, "host") == 0 || strcmp(nsmode, "none") == 0))
		json_object_set_new(create, "network", json_string(nsmode));
	pm = json_object_get(body, "portmappings");
	if (json_array_size(pm)) {
		struct port_mapping m[64];
		size_t n = 0;
		int r;
		json_array_foreach (pm, i, v) {
			char spec[256];
			const char *ip = json_string_value(json_object_get(v, "host_ip"));
			json_int_t cp = json_integer_value(json_object_get(v, "container_port"));
			json_int_t hp = json_integer_value(json_object_get(v, "host_port"));
			const char *proto = json_string_value(json_object_get(v, "protocol"));
			if (n >= 64)
				return berr(err, -E2BIG, "too many port mappings (64 at most)");
			snprintf(spec, sizeof(spec), "%s%s%lld:%lld/%s", ip && *ip ? ip : "",
				 ip && *ip ? ":" : "", (long long)(hp ? hp : cp), (long long)cp,
				 proto && *proto ? proto : "tcp");
			if ((r = port_mapping_parse(spec, &m[n], err)) < 0)
				return r;
			n++;
		}
		json_object_set_new(create, "ports", port_mappings_to_json(m, n));
	}
	return 0;
}

/* the options the body set, which containers.conf does not override */
static unsigned create_given(json_t *create)
{
	static const struct {
		const char *key;
		unsigned bit;
	} keys[] = { { "init", CREATE_GIVEN_INIT },
		     { "pids_limit", CREATE_GIVEN_PIDS_LIMIT },
		     { "log_driver", CREATE_GIVEN_LOG_DRIVER },
		     { "read_only", CREATE_GIVEN_READ_ONLY },
		     { "stop_timeout", CREATE_GIVEN_STOP_TIMEOUT } };
	unsigned given = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(create, keys[i].key))
			given |= keys[i].bit;
	return given;
}

static enum MHD_Result h_container_create(struct call *c)
{
	_cleanup_api_store_ struct store *s = NULL;
	_cleanup_(json_decrefp) json_t *body = NULL;
	_cleanup_(json_decrefp) json_t *create = json_object();
	_cleanup_free_ char *id = NULL;
	berth_error err = { 0 };
	json_error_t jerr;
	const char *name, *image;
	int r;

	body = json_loadb(c->body ? c->body : "", c->len, 0, &jerr);
	if (!json_is_object(body))
		return reply_error(c, 400, "container create: the body is not a JSON object (%s)",
				   jerr.text);
	r = c->path.libpod ? create_from_libpod(body, create, &err)
			   : create_from_docker(body, create, &err);
	if (r < 0)
		return reply_berr(c, r, &err);
	name = c->path.libpod ? json_string_value(json_object_get(body, "name")) : query(c, "name");
	if (name && *name) {
		if (!api_name_ok(name) || strchr(name, '/') || strchr(name, ':'))
			return reply_error(c, 400, "container create: invalid name \"%s\"; use "
						   "letters, digits, '_', '.' and '-'", name);
		json_object_set_new(create, "name", json_string(name));
	}
	image = json_string_value(json_object_get(create, "image"));
	if (!image || !api_name_ok(image))
		return reply_error(c, 400, "container create: give a valid image name");
	/* containers.conf under what the body gave, as the CLI's create */
	if ((r = create_apply_conf(&api_ctx, create_given(create), create, &err)) < 0)
		return reply_berr(c, r, &err);
	if ((r = api_store_get(&s, &err)) < 0 || (r = ctr_create(&api_ctx, s, image, create, &id,
							      &err)) < 0) {
		if (r == -ENOENT && !c->path.libpod)
			return reply_error(c, 404, "No such image: %s", image);
		return reply_berr(c, r, &err);
	}
	return reply_json(c, 201, json_pack("{s:s, s:[]}", "Id", id, "Warnings"));
}

/* ---- images ---- */

static enum MHD_Result h_images_list(struct call *c)
{
	_cleanup_api_store_ struct store *s = NULL;
	struct store_image **imgs = NULL;
	berth_error err = { 0 };
	json_t *out = json_array();
	size_t n = 0;
	int r;

	if ((r = api_store_get(&s, &err)) < 0 || (r = store_image_list(s, &imgs, &n, &err)) < 0) {
		json_decref(out);
		return reply_berr(c, r, &err);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *j = engine_image_summary_json(s, imgs[i]);
		if (j && !c->path.libpod) {
			char *id = NULL;
			if (asprintf(&id, "sha256:%s", imgs[i]->id) >= 0)
				json_object_set_new(j, "Id", json_string(id));
			free(id);
			if (!json_array_size(json_object_get(j, "RepoTags")))
				json_object_set_new(j, "RepoTags", json_array());
		}
		json_array_append_new(out, j);
	}
	store_image_list_free(imgs, n);
	return reply_json(c, 200, out);
}

static enum MHD_Result image_op(struct call *c, const char *name, const char *op)
{
	_cleanup_api_store_ struct store *s = NULL;
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	berth_error err = { 0 };
	int r;

	if (!api_name_ok(name))
		return reply_error(c, 400, "invalid image name \"%s\": use a reference such as "
					   "localhost/busybox:latest", name);
	if ((r = api_store_get(&s, &err)) < 0)
		return reply_berr(c, r, &err);
	r = store_image_lookup(s, name, &img, &err);
	if (r < 0) {
		if (strcmp(op, "exists") == 0 && r == -ENOENT)
			return reply_empty(c, 404);
		if (r == -ENOENT)
			return reply_error(c, 404, "No such image: %s", name);
		return reply_berr(c, r, &err);
	}
	if (strcmp(c->method, "GET") == 0) {
		if (strcmp(op, "exists") == 0)
			return reply_empty(c, 204);
		if (strcmp(op, "json") == 0) {
			json_t *j = engine_image_inspect_json(s, img);
			if (j && !c->path.libpod) {
				char *id = NULL;
				if (asprintf(&id, "sha256:%s", img->id) >= 0)
					json_object_set_new(j, "Id", json_string(id));
				free(id);
			}
			return reply_json(c, 200, j);
		}
		if (strcmp(op, "history") == 0) {
			json_t *cfgj = engine_image_config_json(s, img), *h, *out = json_array();
			size_t i;
			h = json_object_get(cfgj, "history");
			json_array_foreach (h, i, h) {
				(void)h;
			}
			h = json_object_get(cfgj, "history");
			for (i = json_array_size(h); i-- > 0;) {
				json_t *e = json_array_get(h, i);
				json_array_append_new(
					out, json_pack("{s:s, s:I, s:s, s:[], s:I, s:s}", "Id",
						       i + 1 == json_array_size(h) ? img->id : "<missing>",
						       "Created", (json_int_t)(img->created / 1000000000),
						       "CreatedBy",
						       json_string_value(json_object_get(e, "created_by")) ?: "",
						       "Tags", "Size", (json_int_t)0, "Comment",
						       json_string_value(json_object_get(e, "comment")) ?: ""));
			}
			json_decref(cfgj);
			return reply_json(c, 200, out);
		}
	}
	if (strcmp(c->method, "POST") == 0 && strcmp(op, "tag") == 0) {
		const char *repo = query(c, "repo"), *tag = query(c, "tag");
		_cleanup_free_ char *full = NULL, *norm = NULL;
		if (!repo || !api_name_ok(repo) || (tag && *tag && !api_name_ok(tag)))
			return reply_error(c, 400, "tag %s: give ?repo=NAME and optionally ?tag=TAG",
					   name);
		if (asprintf(&full, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
			return reply_error(c, 500, "out of memory");
		if ((r = store_name_normalize(full, &norm, &err)) < 0 ||
		    (r = store_image_add_name(s, img->id, norm, &err)) < 0)
			return reply_berr(c, r, &err);
		engine_image_event(api_ctx.runroot, "tag", img->id, norm);
		return reply_empty(c, 201);
	}
	if (strcmp(c->method, "POST") == 0 && strcmp(op, "untag") == 0 && c->path.libpod) {
		/* ?repo=&tag= removes one name; without repo, every name */
		const char *repo = query(c, "repo"), *tag = query(c, "tag");
		_cleanup_free_ char *full = NULL, *norm = NULL;
		if ((repo && *repo && !api_name_ok(repo)) || (tag && *tag && !api_name_ok(tag)))
			return reply_error(c, 400, "untag %s: give ?repo=NAME and optionally ?tag=TAG",
					   name);
		if (repo && *repo) {
			if (asprintf(&full, "%s:%s", repo, tag && *tag ? tag : "latest") < 0)
				return reply_error(c, 500, "out of memory");
			if ((r = store_name_normalize(full, &norm, &err)) < 0 ||
			    (r = store_image_remove_name(s, img->id, norm, &err)) < 0)
				return reply_berr(c, r, &err);
			engine_image_event(api_ctx.runroot, "untag", img->id, norm);
			return reply_empty(c, 201);
		}
		for (char **nm = img->names; nm && *nm; nm++) {
			if ((r = store_image_remove_name(s, img->id, *nm, &err)) < 0)
				return reply_berr(c, r, &err);
			engine_image_event(api_ctx.runroot, "untag", img->id, *nm);
		}
		return reply_empty(c, 201);
	}
	if (strcmp(c->method, "DELETE") == 0 && !*op) {
		_cleanup_free_ char *user = NULL, *norm = NULL;
		json_t *out = json_array();
		bool by_name = strncmp(img->id, name, strlen(name)) != 0;
		if (by_name && store_name_normalize(name, &norm, NULL) == 0 && img->names &&
		    img->names[0] && img->names[1]) {
			if ((r = store_image_remove_name(s, img->id, norm, &err)) < 0) {
				json_decref(out);
				return reply_berr(c, r, &err);
			}
			engine_image_event(api_ctx.runroot, "untag", img->id, norm);
			json_array_append_new(out, json_pack("{s:s}", "Untagged", norm));
			return reply_json(c, 200, out);
		}
		if (store_image_in_use(s, img->id, &user, NULL) > 0 && !query_bool(c, "force")) {
			json_decref(out);
			return reply_error(c, 409, "image %s is in use by container %s: remove the "
						   "container first", name, user ? user : "?");
		}
		if ((r = store_image_delete(s, img->id, &err)) < 0) {
			json_decref(out);
			return reply_berr(c, r, &err);
		}
		engine_image_event(api_ctx.runroot, "remove", img->id, name);
		for (char **nm = img->names; nm && *nm; nm++)
			json_array_append_new(out, json_pack("{s:s}", "Untagged", *nm));
		json_array_append_new(out, json_pack("{s:s}", "Deleted", img->id));
		if (c->path.libpod)
			return reply_json(c, 200, json_pack("{s:o, s:[s], s:[], s:i}", "Untagged",
							    json_array(), "Deleted", img->id,
							    "Errors", "ExitCode", 0));
		return reply_json(c, 200, out);
	}
	return reply_error(c, 404, "no such endpoint: %s %s", c->method, c->path.rest);
}

/* ---- images through child commands: pull, push, search, prune, commit ---- */


/*
 * Runs `berth pull|push ...` and turns each line it prints into progress: libpod's
 * {"stream"} lines then {"id","images"} or {"error"}; Docker's {"status"} lines then
 * {"error","errorDetail"}. @log_path holds the reference whose id a pull reports.
 */
static void *child_stream_thread(void *arg)
{
	struct stream *st = arg;
	char line[4096], last[4096] = "";
	int p[2], code = -1;
	pid_t pid;
	FILE *f;

	if (pipe2(p, O_CLOEXEC) < 0 ||
	    api_child_spawn((const char *const *)st->argv, p[1], p[1], &pid) < 0) {
		snprintf(last, sizeof(last), "cannot run berth %s: %s", st->argv[0], strerror(errno));
		goto done;
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *shown = strncmp(line, "Error: ", 7) == 0 ? line + 7 : line;
		snprintf(last, sizeof(last), "%.*s", (int)strcspn(shown, "\n"), shown);
		if (st->docker_progress)
			stream_json(st, json_pack("{s:s}", "status", last));
		else
			stream_json(st, json_pack("{s:s}", "stream", line));
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	code = api_child_wait(pid);
done:
	if (code != 0) {
		if (st->docker_progress)
			stream_json(st, json_pack("{s:s, s:{s:s}}", "error", last, "errorDetail",
						  "message", last));
		else
			stream_json(st, json_pack("{s:s}", "error", last));
	} else if (!st->docker_progress && st->log_path) {
		_cleanup_api_store_ struct store *s = NULL;
		_cleanup_(store_image_freep) struct store_image *img = NULL;
		if (api_store_get(&s, NULL) == 0 && store_image_lookup(s, st->log_path, &img, NULL) == 0)
			stream_json(st, json_pack("{s:s, s:[s]}", "id", img->id, "images", img->id));
		else
			stream_json(st, json_pack("{s:s}", "error", "the pulled image is not in the store"));
	}
	close(st->out[1]);
	close(st->err[1]);
	return NULL;
}

/* NULL-terminated copy of @args (@n entries). */
static char **strv_make(const char *const *args, size_t n)
{
	char **v = calloc(n + 1, sizeof(char *));

	for (size_t i = 0; v && i < n; i++)
		if (args[i] && !(v[i] = strdup(args[i]))) {
			strv_free(v);
			return NULL;
		}
	return v;
}

static bool tls_off(struct call *c)
{
	const char *v = query(c, "tlsVerify");
	return v && (strcmp(v, "false") == 0 || strcmp(v, "0") == 0);
}

static enum MHD_Result reply_child_stream(struct call *c, const char *const *args, size_t n,
					  const char *ref)
{
	struct stream *st = stream_new();

	if (!st || !(st->argv = strv_make(args, n)) || (ref && !(st->log_path = strdup(ref)))) {
		if (st) {
			close(st->out[0]);
			close(st->out[1]);
			close(st->err[0]);
			close(st->err[1]);
			strv_free(st->argv);
			free(st);
		}
		return reply_error(c, 500, "out of memory");
	}
	st->docker_progress = !c->path.libpod;
	/* no stderr stream here: the body is the NDJSON the thread writes */
	close(st->err[0]);
	st->err[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	st->done_err = true;
	return reply_stream(c, st, child_stream_thread, "application/json");
}

/* libpod POST images/pull?reference=; Docker POST images/create?fromImage=&tag= */
static enum MHD_Result h_images_pull(struct call *c)
{
	_cleanup_free_ char *ref = NULL;
	const char *from = query(c, c->path.libpod ? "reference" : "fromImage");
	const char *tag = c->path.libpod ? NULL : query(c, "tag");
	const char *args[6];
	size_t n = 0;

	if (!c->path.libpod && query(c, "fromSrc"))
		return reply_error(c, 501, "images/create: importing (fromSrc) is not served; use "
					   "berth import");
	if (!from || !api_name_ok(from) || (tag && *tag && !api_name_ok(tag)))
		return reply_error(c, 400, "images pull: give a valid image reference, such as "
					   "?reference=registry.example/busybox:latest");
	/* Docker sends a digest or tag separately */
	if (asprintf(&ref, "%s%s%s", from, tag && *tag ? (strncmp(tag, "sha256:", 7) ? ":" : "@") : "",
		     tag && *tag ? tag : "") < 0)
		return reply_error(c, 500, "out of memory");
	args[n++] = "pull";
	if (tls_off(c))
		args[n++] = "--tls-verify=false";
	if (query_bool(c, "allTags"))
		args[n++] = "--all-tags";
	args[n++] = ref;
	return reply_child_stream(c, args, n, ref);
}

/* POST images/{name}/push: libpod ?destination=&tlsVerify=; Docker ?tag= */
static enum MHD_Result h_image_push(struct call *c, const char *name)
{
	_cleanup_free_ char *src = NULL;
	const char *tag = c->path.libpod ? NULL : query(c, "tag");
	const char *dest = c->path.libpod ? query(c, "destination") : NULL;
	const char *args[5];
	size_t n = 0;

	if (!api_name_ok(name) || (tag && *tag && !api_name_ok(tag)) || (dest && !api_name_ok(dest)))
		return reply_error(c, 400, "push %s: give a valid image name (and tag)", name);
	if (asprintf(&src, "%s%s%s", name, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
		return reply_error(c, 500, "out of memory");
	args[n++] = "push";
	if (tls_off(c))
		args[n++] = "--tls-verify=false";
	args[n++] = src;
	if (dest && *dest)
		args[n++] = dest;
	return reply_child_stream(c, args, n, NULL);
}

/* GET images/search?term=&limit=&tlsVerify= (`berth search --format json` is libpod's shape) */
static enum MHD_Result h_images_search(struct call *c)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	const char *term = query(c, "term"), *args[7];
	char limit[24];
	json_t *j;
	size_t n = 0;
	int r;

	if (!term || !api_name_ok(term))
		return reply_error(c, 400, "images search: give ?term=NAME or ?term=HOST/NAME");
	args[n++] = "search";
	args[n++] = "--format=json";
	if (query_long(c, "limit", 0) > 0) {
		snprintf(limit, sizeof(limit), "--limit=%ld", query_long(c, "limit", 0));
		args[n++] = limit;
	}
	if (tls_off(c))
		args[n++] = "--tls-verify=false";
	if (query_bool(c, "listTags"))
		args[n++] = "--list-tags";
	args[n++] = term;
	args[n] = NULL;
	r = api_child_run(args, &out, &err);
	if (r < 0)
		return reply_error(c, 500, "images search %s: cannot run berth search: %s", term,
				   strerror(-r));
	if (r != 0)
		return reply_error(c, 500, "%s", err);
	j = json_loads(out, 0, NULL);
	if (!json_is_array(j)) {
		json_decref(j);
		j = json_array();
	}
	if (!c->path.libpod) {
		size_t i;
		json_t *e;
		json_array_foreach (j, i, e) {
			json_object_set_new(e, "is_official", json_boolean(*json_string_value(
						 json_object_get(e, "Official")) != '\0'));
			json_object_set(e, "name", json_object_get(e, "Name"));
			json_object_set(e, "description", json_object_get(e, "Description"));
			json_object_set(e, "star_count", json_object_get(e, "Stars"));
		}
	}
	return reply_json(c, 200, j);
}

/* POST images/prune?all=: what `berth image prune -f` removes, listed as libpod/Docker do. */
static enum MHD_Result h_images_prune(struct call *c)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	const char *args[5] = { "image", "prune", "--force", NULL, NULL };
	json_t *list = json_array();
	char *save = NULL;
	int r;

	if (query_bool(c, "all"))
		args[3] = "--all";
	r = api_child_run(args, &out, &err);
	if (r != 0) {
		json_decref(list);
		return reply_error(c, 500, "images prune: %s", r < 0 ? strerror(-r) : err);
	}
	for (char *id = strtok_r(out, "\n", &save); id; id = strtok_r(NULL, "\n", &save))
		json_array_append_new(list, c->path.libpod ? json_pack("{s:s, s:i}", "Id", id,
								       "Size", 0)
							   : json_pack("{s:s}", "Deleted", id));
	if (c->path.libpod)
		return reply_json(c, 200, list);
	return reply_json(c, 200, json_pack("{s:o, s:i}", "ImagesDeleted", list,
					    "SpaceReclaimed", 0));
}

/* POST commit?container=&repo=&tag=&comment=&author=&pause=&changes= (`berth commit`) */
static enum MHD_Result h_commit(struct call *c)
{
	_cleanup_free_ char *out = NULL, *err = NULL, *image = NULL, *author = NULL,
			    *msg = NULL, *change = NULL;
	const char *ctr = query(c, "container"), *repo = query(c, "repo"), *tag = query(c, "tag");
	const char *args[10], *last;
	size_t n = 0;
	int r;

	if (!ctr || !api_name_ok(ctr) || (repo && *repo && !api_name_ok(repo)) ||
	    (tag && *tag && !api_name_ok(tag)))
		return reply_error(c, 400, "commit: give ?container=NAME and optionally "
					   "?repo=NAME&tag=TAG");
	args[n++] = "commit";
	if (query(c, "author") && asprintf(&author, "--author=%s", query(c, "author")) >= 0)
		args[n++] = author;
	if (query(c, "comment") && asprintf(&msg, "--message=%s", query(c, "comment")) >= 0)
		args[n++] = msg;
	if (query(c, "changes") && asprintf(&change, "--change=%s", query(c, "changes")) >= 0)
		args[n++] = change;
	if (c->path.libpod && query(c, "pause") && !query_bool(c, "pause"))
		args[n++] = "--pause=false";
	args[n++] = ctr;
	if (repo && *repo) {
		if (asprintf(&image, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
			return reply_error(c, 500, "out of memory");
		args[n++] = image;
	}
	args[n] = NULL;
	r = api_child_run(args, &out, &err);
	if (r != 0)
		return reply_error(c, r == 125 && strstr(err, "no such container") ? 404 : 500,
				   "commit %s: %s", ctr, r < 0 ? strerror(-r) : err);
	/* the id is the last line berth commit prints */
	while (*out && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = '\0';
	last = strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out;
	return reply_json(c, 201, json_pack("{s:s}", "Id", last));
}

/* ---- pods, through the pod commands (libpod only) ---- */

/* Reply with the child's JSON stdout, or its error (404 when it names no such pod). */
static enum MHD_Result reply_child_json(struct call *c, const char *const *args, const char *what)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	json_t *j;
	int r = api_child_run(args, &out, &err);

	if (r != 0)
		return reply_error(c, r > 0 && strstr(err, "no such pod") ? 404 : 500, "%s: %s", what,
				   r < 0 ? strerror(-r) : err);
	j = json_loads(out, 0, NULL);
	return j ? reply_json(c, 200, j) : reply_error(c, 500, "%s: unreadable output", what);
}

static enum MHD_Result h_pods_create(struct call *c)
{
	_cleanup_(json_decrefp) json_t *body = json_loadb(c->body ? c->body : "", c->len, 0, NULL);
	_cleanup_free_ char *out = NULL, *err = NULL, *name_opt = NULL;
	const char *name = json_string_value(json_object_get(body, "name"));
	const char *args[4] = { "pod", "create", NULL, NULL };

	if (!json_is_object(body))
		return reply_error(c, 400, "pod create: the body must be a JSON object");
	if (name && *name) {
		if (!api_name_ok(name) || strchr(name, '/') || strchr(name, ':'))
			return reply_error(c, 400, "pod create: invalid name \"%s\"; use letters, "
						   "digits, '_', '.' and '-'", name);
		if (asprintf(&name_opt, "--name=%s", name) < 0)
			return reply_error(c, 500, "out of memory");
		args[2] = name_opt;
	}
	int r = api_child_run(args, &out, &err);
	if (r != 0)
		return reply_error(c, r > 0 && strstr(err, "already") ? 409 : 500, "pod create: %s",
				   r < 0 ? strerror(-r) : err);
	out[strcspn(out, "\n")] = '\0';
	return reply_json(c, 201, json_pack("{s:s}", "Id", out));
}

/* pods/{id}/start|stop|restart|pause|unpause|kill|json|exists, DELETE pods/{id} */
static enum MHD_Result pod_op(struct call *c, const char *id, const char *op)
{
	static const char *const verbs[] = { "start", "stop", "restart", "pause", "unpause", "kill",
					     NULL };
	_cleanup_free_ char *out = NULL, *err = NULL;
	bool post = strcmp(c->method, "POST") == 0, del = strcmp(c->method, "DELETE") == 0;
	const char *args[6] = { "pod", NULL, NULL, NULL, NULL, NULL };
	int r;

	if (!api_name_ok(id))
		return reply_error(c, 400, "invalid pod name \"%s\": use a name or an id", id);
	if (strcmp(op, "json") == 0 && !post && !del) {
		const char *a[] = { "pod", "inspect", id, NULL };
		return reply_child_json(c, a, "pod inspect");
	}
	if (strcmp(op, "exists") == 0 && !post && !del) {
		const char *a[] = { "pod", "exists", id, NULL };
		r = api_child_run(a, &out, &err);
		return r < 0 ? reply_error(c, 500, "pod exists: %s", strerror(-r))
			     : reply_empty(c, r == 0 ? 204 : 404);
	}
	if (del && !*op) {
		args[1] = "rm";
		args[2] = query_bool(c, "force") ? "--force" : id;
		args[3] = query_bool(c, "force") ? id : NULL;
	} else if (post) {
		for (const char *const *v = verbs; *v && !args[1]; v++)
			if (strcmp(op, *v) == 0)
				args[1] = *v;
		args[2] = id;
	}
	if (!args[1])
		return reply_error(c, 404, "no such endpoint: %s %s", c->method, c->path.rest);
	r = api_child_run(args, &out, &err);
	if (r != 0)
		return reply_error(c, r > 0 && strstr(err, "no such pod") ? 404 : r > 0 ? 409 : 500,
				   "pod %s %s: %s", args[1], id, r < 0 ? strerror(-r) : err);
	out[strcspn(out, "\n")] = '\0';
	if (del)
		return reply_json(c, 200, json_pack("[{s:s, s:{}, s:n}]", "Id", *out ? out : id,
						    "RemovedCtrs", "Err"));
	return reply_json(c, 200, json_pack("{s:s, s:[]}", "Id", *out ? out : id, "Errs"));
}

/* ---- events ---- */

static int event_cb(json_t *ev, void *userdata)
{
	struct stream *st = userdata;
	const char *status = json_string_value(json_object_get(ev, "Status"));
	const char *type = json_string_value(json_object_get(ev, "Type"));
	const char *id = json_string_value(json_object_get(ev, "ID"));
	json_t *attrs = json_object();
	json_t *out;

	if (json_object_get(ev, "Name"))
		json_object_set(attrs, "name", json_object_get(ev, "Name"));
	if (json_object_get(ev, "Image"))
		json_object_set(attrs, "image", json_object_get(ev, "Image"));
	json_object_update(attrs, json_object_get(ev, "Attributes"));
	out = json_pack("{s:s, s:s, s:{s:s, s:o}, s:O, s:O, s:s, s:s}", "Type", type ? type : "",
			"Action", status ? status : "", "Actor", "ID", id ? id : "", "Attributes",
			attrs, "time", json_object_get(ev, "time"), "timeNano",
			json_object_get(ev, "timeNano"), "status", status ? status : "", "id",
			id ? id : "");
	return stream_json(st, out);
}

static void *events_thread(void *arg)
{
	struct stream *st = arg;

	store_events_read(api_ctx.runroot, st->opts.since_ns, st->opts.until_ns, st->events_follow,
			  event_cb, st, NULL);
	close(st->out[1]);
	close(st->err[1]);
	return NULL;
}

static enum MHD_Result h_events(struct call *c)
{
	struct stream *st = stream_new();
	const char *stream = query(c, "stream");

	if (!st)
		return reply_error(c, 500, "out of memory");
	st->opts.since_ns = query_long(c, "since", 0) * 1000000000LL;
	st->opts.until_ns = query_long(c, "until", 0) * 1000000000LL;
	st->events_follow = !(stream && (strcmp(stream, "false") == 0 || strcmp(stream, "0") == 0)) &&
			    !st->opts.until_ns;
	/* a stream without since starts now, as docker's and podman's: docker stats follows the
	 * start events, and old ones would add rows for containers long gone */
	if (st->events_follow && !query(c, "since"))
		st->opts.since_ns = ctr_now_ns();
	return reply_stream(c, st, events_thread, "application/json");
}

/* ---- stats: a reading of each container every interval, as NDJSON ---- */

struct stats_prev {
	char id[65];
	struct ctr_stats st;
	uint64_t sys_ns;
};

/* wait @ms; false when the client left or the server stops meanwhile */
static bool stream_sleep(struct stream *st, long ms)
{
	for (; ms > 0; ms -= 100) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		if (atomic_load(&st->cancelled) || atomic_load(&streams_stopped))
			return false;
		nanosleep(&ts, NULL);
	}
	return !atomic_load(&st->cancelled) && !atomic_load(&streams_stopped);
}

/* one round's containers: the ids in @st->argv that still exist, or every running one */
static size_t stats_select(struct stream *st, struct store *s, struct store_container ***ret)
{
	struct store_container **list = NULL;
	size_t n = 0, k = 0;

	if (st->argv) {
		for (; st->argv[n]; n++)
			;
		list = calloc(n + 1, sizeof(*list));
		for (size_t i = 0; list && i < n; i++)
			if (ctr_get(&api_ctx, s, st->argv[i], &list[k], NULL) == 0)
				k++;
		*ret = list;
		return list ? k : 0;
	}
	if (store_container_list(s, &list, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		ctr_refresh(&api_ctx, s, list[i], NULL);
		if (strcmp(list[i]->state, "running") == 0)
			list[k++] = list[i];
		else
			store_container_free(list[i]);
	}
	*ret = list;
	return k;
}

/* read every selected container, against its reading of the round before in @prev */
static json_t *stats_round(struct stream *st, struct stats_prev **prev, size_t *nprev)
{
	_cleanup_api_store_ struct store *s = NULL;
	struct store_container **list = NULL;
	struct stats_prev *next;
	json_t *arr = json_array(), *doc = NULL;
	uint64_t sys = api_system_cpu_ns();
	size_t n = api_store_get(&s, NULL) == 0 ? stats_select(st, s, &list) : 0;

	next = calloc(n + 1, sizeof(*next));
	for (size_t i = 0; next && arr && i < n; i++) {
		const struct stats_prev *p = NULL;
		for (size_t j = 0; j < *nprev; j++)
			if (strcmp((*prev)[j].id, list[i]->id) == 0)
				p = &(*prev)[j];
		snprintf(next[i].id, sizeof(next[i].id), "%s", list[i]->id);
		next[i].sys_ns = sys;
		ctr_stats_read(list[i], &next[i].st, NULL);
		if (!st->libpod && !doc)
			doc = api_stats_docker(list[i], &next[i].st, sys, p ? &p->st : NULL,
					       p ? p->sys_ns : 0);
		if (st->libpod)
			json_array_append_new(arr, api_stats_libpod(list[i], &next[i].st,
								    p ? &p->st : NULL));
	}
	store_container_list_free(list, n);
	free(*prev);
	*prev = next;
	*nprev = next ? n : 0;
	if (!st->libpod) {
		json_decref(arr);
		return doc;
	}
	return json_pack("{s:n, s:o*}", "Error", "Stats", arr);
}

static void *stats_thread(void *arg)
{
	struct stream *st = arg;
	struct stats_prev *prev = NULL;
	size_t nprev = 0;

	close(st->err[1]);
	/* as dockerd's stream=false: docker stats --no-stream computes CPU % against precpu */
	if (st->stats_prime) {
		json_decref(stats_round(st, &prev, &nprev));
		if (!stream_sleep(st, 1000))
			goto out;
	}
	for (;;) {
		json_t *doc = stats_round(st, &prev, &nprev);
		/* a Docker stream ends with its container */
		if (!doc || stream_json(st, doc) < 0 || !st->stats_interval_ms ||
		    !stream_sleep(st, st->stats_interval_ms))
			break;
	}
out:
	free(prev);
	close(st->out[1]);
	return NULL;
}

#define STATS_REFS_MAX 128

struct stats_refs {
	const char *refs[STATS_REFS_MAX];
	size_t n;
	bool too_many;
};

static enum MHD_Result stats_ref_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct stats_refs *q = cls;

	(void)kind;
	if (strcmp(key, "containers") != 0 || !value || !*value)
		return MHD_YES;
	if (q->n == STATS_REFS_MAX)
		q->too_many = true;
	else
		q->refs[q->n++] = value;
	return MHD_YES;
}

/*
 * /libpod/containers/stats?containers=...&stream=&interval= (every running container without
 * containers=), and a container's /containers/{id}/stats (@ref; Docker's body, every second).
 */
static enum MHD_Result h_stats(struct call *c, const char *ref)
{
	_cleanup_api_store_ struct store *s = NULL;
	struct stats_refs q = { .n = 0 };
	const char *stream = query(c, "stream");
	long interval = ref ? 1 : query_long(c, "interval", 5);
	berth_error err = { 0 };
	struct stream *st;
	char **ids;
	int r;

	if (ref)
		q.refs[q.n++] = ref;
	else
		MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, stats_ref_cb, &q);
	if (q.too_many)
		return reply_error(c, 400, "containers/stats: %d containers at most", STATS_REFS_MAX);
	/* podman's refusal, word for word: cockpit recognises it and leaves the columns empty */
	if (api_stats_unsupported())
		return reply_error(c, 409, c->path.libpod
				? "Container stats resource only available for cgroup v2"
				: "container stats are not available in rootless mode without "
				  "cgroups v2: run the service as root or on a cgroups v2 host");
	if (interval < 1)
		return reply_error(c, 400, "invalid interval %ld: must be a positive number of "
					   "seconds", interval);
	if ((r = api_store_get(&s, &err)) < 0)
		return reply_berr(c, r, &err);
	/* the containers are resolved now: an unknown one is a 404, not an empty stream */
	ids = calloc(q.n + 1, sizeof(char *));
	for (size_t i = 0; ids && i < q.n; i++) {
		_cleanup_container_ struct store_container *sc = NULL;
		if ((r = get_container(c, s, q.refs[i], &sc, &err)) < 0) {
			strv_free(ids);
			return reply_berr(c, r, &err);
		}
		ids[i] = TAKE_PTR(sc->id);
	}
	if (!ids || !(st = stream_new())) {
		strv_free(ids);
		return reply_error(c, 500, "out of memory");
	}
	if (q.n)
		st->argv = ids;
	else
		free(ids);
	st->libpod = c->path.libpod && !ref;
	st->stats_interval_ms =
		stream && (strcasecmp(stream, "false") == 0 || strcmp(stream, "0") == 0) ? 0
										    : interval * 1000;
	st->stats_prime = !st->libpod && !st->stats_interval_ms && !query_bool(c, "one-shot");
	return reply_stream(c, st, stats_thread, "application/json");
}

/* ---- dispatch ---- */

static enum MHD_Result route(struct call *c)
{
	const char *p = c->path.rest, *op;
	bool get = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
	bool post = strcmp(c->method, "POST") == 0;
	char id[600];

	if (strcmp(p, "/_ping") == 0 && get)
		return h_ping(c);
	if (strcmp(p, "/version") == 0 && get)
		return h_version(c);
	if (strcmp(p, "/info") == 0 && get)
		return h_info(c);
	if (strcmp(p, "/events") == 0 && get)
		return h_events(c);
	if (strcmp(p, "/containers/json") == 0 && get)
		return h_containers_list(c);
	if (strcmp(p, "/containers/create") == 0 && post)
		return h_container_create(c);
	if (strcmp(p, "/images/json") == 0 && get)
		return h_images_list(c);
	if (strcmp(p, c->path.libpod ? "/images/pull" : "/images/create") == 0 && post)
		return h_images_pull(c);
	if (strcmp(p, "/images/search") == 0 && get)
		return h_images_search(c);
	if (strcmp(p, "/images/prune") == 0 && post)
		return h_images_prune(c);
	if (strcmp(p, "/commit") == 0 && post)
		return h_commit(c);
	if (strcmp(p, "/pods/json") == 0 && get && c->path.libpod) {
		const char *a[] = { "pod", "ps", "--format", "json", NULL };
		return reply_child_json(c, a, "pod ps");
	}
	if (strcmp(p, "/pods/create") == 0 && post && c->path.libpod)
		return h_pods_create(c);
	if (c->path.libpod && split_object(p, "/pods/", id, sizeof(id), &op))
		return pod_op(c, id, op);
	if (strcmp(p, "/containers/stats") == 0 && get)
		return h_stats(c, NULL);
	if (split_object(p, "/containers/", id, sizeof(id), &op))
		return container_op(c, id, op);
	if (split_object(p, "/exec/", id, sizeof(id), &op))
		return exec_op(c, id, op);
	if (strncmp(p, "/images/", 8) == 0 && strlen(p + 8) < sizeof(id)) {
		split_image(p + 8, id, sizeof(id), &op);
		if (strcmp(op, "push") == 0 && post)
			return h_image_push(c, id);
		return image_op(c, id, op);
	}
	log_debug("api: no route for %s %s", c->method, p);
	return reply_error(c, 404, "no such endpoint: %s %s", c->method, p);
}

/*
 * Requests that only read the store (or start a stream, whose writer has a thread of its own)
 * run on the connection's thread, at once. Every other one may take long (a start, a stop's
 * timeout, a child command) and runs in a thread of its own while the connection is suspended,
 * so the thread's other connections go on being served.
 */
static bool runs_inline(const struct call *c)
{
	static const char *const whole[] = { "/_ping", "/version", "/info", "/events",
					     "/containers/json", "/images/json", "/containers/stats",
					     NULL };
	static const char *const ends[] = { "/json", "/exists", "/logs", "/history", "/stats",
					    "/healthcheck", NULL };
	const char *p = c->path.rest, *last;

	if (strcmp(c->method, "GET") != 0 && strcmp(c->method, "HEAD") != 0)
		return false;
	for (const char *const *w = whole; *w; w++)
		if (strcmp(p, *w) == 0)
			return true;
	if (strncmp(p, "/containers/", 12) != 0 && strncmp(p, "/images/", 8) != 0 &&
	    strncmp(p, "/exec/", 6) != 0)
		return false;
	last = strrchr(p, '/');
	for (const char *const *e = ends; *e; e++)
		if (strcmp(last, *e) == 0)
			return true;
	return false;
}

static void *deferred_main(void *arg)
{
	struct req_body *b = arg;

	if (route(&b->call) != MHD_YES && b->resp) {
		MHD_destroy_response(b->resp);
		b->resp = NULL;
	}
	atomic_store(&b->replied, true);
	resume(b->call.conn, b->call.wake_fd);
	atomic_fetch_sub(&inflight, 1);
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct req_body *b = *con_cls;
	struct call c = { .conn = conn, .method = method, .wake_fd = (int)(intptr_t)cls };
	pthread_t t;

	(void)version;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (b->deferred) {
		/* resumed: the call thread has left its reply (none: close the connection) */
		enum MHD_Result ret = MHD_NO;
		if (!atomic_load(&b->replied))
			return MHD_YES;
		if (b->resp) {
			ret = MHD_queue_response(conn, b->status, b->resp);
			MHD_destroy_response(b->resp);
			b->resp = NULL;
		}
		return ret;
	}
	if (*upload_size) {
		if (b->len + *upload_size > API_BODY_MAX) {
			b->too_big = true;
		} else if (!b->too_big) {
			char *nb = realloc(b->data, b->len + *upload_size + 1);
			if (!nb)
				return MHD_NO;
			b->data = nb;
			memcpy(b->data + b->len, upload, *upload_size);
			b->len += *upload_size;
			b->data[b->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	api_activity();
	log_debug("api: %s %s", method, url);
	api_path_parse(url, &c.path);
	c.body = b->data;
	c.len = b->len;
	if (b->too_big)
		return reply_error(&c, 413, "request body larger than %u bytes", API_BODY_MAX);
	if (runs_inline(&c))
		return route(&c);
	b->call = c;
	b->call.defer = b;
	b->deferred = true;
	atomic_fetch_add(&inflight, 1);
	MHD_suspend_connection(conn);
	if (pthread_create(&t, NULL, deferred_main, b) != 0)
		deferred_main(b); /* here, then: its reply is queued when MHD calls again */
	else
		pthread_detach(t);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_body *b = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (b) {
		if (b->resp)
			MHD_destroy_response(b->resp);
		free(b->data);
		free(b);
		*con_cls = NULL;
	}
	api_activity();
}

struct MHD_Daemon *api_routes_start(int wake_fd)
{
	/* driven by its worker thread (main.c): MHD_run() on its epoll fd */
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC |
					MHD_ALLOW_SUSPEND_RESUME,
				0, NULL, NULL, on_request, (void *)(intptr_t)wake_fd,
				MHD_OPTION_NOTIFY_COMPLETED,
				on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
				MHD_OPTION_END);
}
