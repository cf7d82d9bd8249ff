/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - create, start, stop, kill, wait, remove and cleanup (see container.h).
 *
 * Start: fork → exec berth-monitor with a sync pipe (fd 3) and optionally one end of an attach
 * socketpair (fd 4); the monitor's first process exits at once (it double-forks), so waitpid()
 * here returns quickly; then the sync pipe says "ok PID START MONITOR" or "err CODE message".
 * The record is updated under the container lock, which the monitor's exit command
 * (`berth container cleanup ID`) also takes: a container that exits before we recorded
 * "running" is still recorded in the right order.
 */
#include "engine/container.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/container_proc.h"
#include "engine/container_status.h"
#include "engine/names.h"
#include "engine/spec.h"
#include "runtime/runtime.h"
#include "store/events.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/macro.h"

#define SECCOMP_DEFAULT_PROFILE "/usr/share/containers/seccomp.json"
#define PASSWD_MAX (4u << 20)
#define SYNC_MAX 4096

#define _cleanup_json_ _cleanup_(json_decrefp) /* jansson's own helper */

char *ctr_userdata_path(const struct berth_ctx *ctx, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/containers/%s/userdata", ctx->root, id) < 0 ? NULL : p;
}

char *ctr_rundir_path(const struct berth_ctx *ctx, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/containers/%s", ctx->runroot, id) < 0 ? NULL : p;
}

static char *ctr_topdir_path(const struct berth_ctx *ctx, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/containers/%s", ctx->root, id) < 0 ? NULL : p;
}

json_t *ctr_config(const struct store_container *c)
{
	json_t *j = c->config ? json_loads(c->config, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

static void emit(const struct berth_ctx *ctx, const struct store_container *c, const char *action,
		 int exit_code)
{
	json_t *attrs = NULL;
	char code[16];

	if (exit_code >= 0 && strcmp(action, "died") == 0) {
		snprintf(code, sizeof(code), "%d", exit_code);
		attrs = json_pack("{s:s}", "containerExitCode", code);
	}
	struct store_event ev = { .type = "container", .action = action, .id = c->id,
				  .name = c->name, .image = c->image_name, .attributes = attrs };
	store_event_emit(ctx->runroot, &ev, NULL);
	json_decref(attrs);
}

/* ---- create ---- */

static int random_id(char out[65])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/*
 * read_layered() - read @path (relative) as the container will see it, looking in the upper
 * layer then each lower one; each lookup is confined to its layer by RESOLVE_IN_ROOT. A
 * whiteout (char device 0:0) hides the file. Cross-layer symlinks are not followed (rare for
 * /etc/passwd; the user then needs a numeric -u).
 */
static int read_layered(char *const *dirs, const char *path, char **ret)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_close_ int dfd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (dfd < 0)
			continue;
		if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
		    st.st_rdev == 0)
			return -ENOENT;
		fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return -ENOENT;
		return read_fd_all(fd, PASSWD_MAX, ret, NULL, NULL);
	}
	return -ENOENT;
}

static int write_text(const char *dir, const char *name, const char *text, berth_error *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return berr_errno(err, errno, "open %s", dir);
	return write_file_atomic_at(dfd, name, text, strlen(text), 0644, err);
}

static int write_etc_files(const char *userdata, const char *id, const char *name,
			   const char *hostname, const char *image, const char *image_id,
			   bool host_net, bool rootless, berth_error *err)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *env = NULL, *hn = NULL;
	int r;

	if (host_net) {
		if (read_file_at(AT_FDCWD, "/etc/hosts", 1 << 20, &hosts, NULL, NULL) < 0)
			hosts = strdup("127.0.0.1 localhost\n::1 localhost\n");
	} else if (asprintf(&hosts,
			    "127.0.0.1 localhost localhost.localdomain localhost4 "
			    "localhost4.localdomain4\n"
			    "::1 localhost localhost.localdomain localhost6 localhost6.localdomain6\n"
			    "127.0.1.1 %s %s\n",
			    hostname, name) < 0) {
		hosts = NULL;
	}
	if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &resolv, NULL, NULL) < 0)
		resolv = strdup("");
	if (asprintf(&env,
		     "engine=\"berth-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\nimageid=\"%s\"\n"
		     "rootless=%d\n",
		     BERTH_VERSION, name, id, image, image_id, rootless ? 1 : 0) < 0)
		env = NULL;
	if (asprintf(&hn, "%s\n", hostname) < 0)
		hn = NULL;
	if (!hosts || !resolv || !env || !hn)
		return berr(err, ENOMEM, "out of memory");
	if ((r = write_text(userdata, "hosts", hosts, err)) < 0 ||
	    (r = write_text(userdata, "resolv.conf", resolv, err)) < 0 ||
	    (r = write_text(userdata, ".containerenv", env, err)) < 0 ||
	    (r = write_text(userdata, "hostname", hn, err)) < 0)
		return r;
	return 0;
}

/* Weak until the runtime layer links it everywhere; absent means we cannot build a profile. */
extern int runtime_seccomp_from_containers_json(const char *path, unsigned long long caps,
						void **ret, berth_error *err)
	__attribute__((weak));

static int seccomp_for(json_t *create, json_t *spec, json_t **ret, berth_error *err)
{
	const char *sc = json_string_value(json_object_get(create, "seccomp"));
	const char *path = SECCOMP_DEFAULT_PROFILE;
	json_t *bounding = json_object_get(
		json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
	unsigned long long caps = 0;
	void *obj = NULL;
	size_t i;
	json_t *v;
	int r;

	*ret = NULL;
	if (json_is_true(json_object_get(create, "privileged")) ||
	    (sc && strcmp(sc, "unconfined") == 0))
		return 0;
	if (sc && strcmp(sc, "default") != 0)
		path = sc;
	json_array_foreach (bounding, i, v) {
		cap_value_t cv;
		if (cap_from_name(json_string_value(v), &cv) == 0 && cv < 64)
			caps |= 1ULL << cv;
	}
	if (!runtime_seccomp_from_containers_json)
		return berr(err, ENOSYS,
			    "this berth was built without seccomp support; use --security-opt "
			    "seccomp=unconfined");
	r = runtime_seccomp_from_containers_json(path, caps, &obj, err);
	if (r < 0)
		return berr_prefix(err, "seccomp profile %s", path);
	*ret = obj;
	return 0;
}

static int check_volume_sources(json_t *create, berth_error *err)
{
	size_t i;
	json_t *m;
	struct stat st;

	json_array_foreach (json_object_get(create, "mounts"), i, m) {
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *type = json_string_value(json_object_get(m, "type"));
		if (type && strcmp(type, "bind") != 0)
			continue;
		if (!src || stat(src, &st) < 0)
			return berr(err, ENOENT,
				    "invalid volume source %s: no such file or directory; create it "
				    "first or fix the -v argument",
				    src ? src : "(null)");
	}
	return 0;
}

struct create_state {
	char id[65];
	char *name;
	char *userdata;
	bool dirs_made;
};

static void create_undo(struct berth_ctx *ctx, struct store *s, struct create_state *st)
{
	_cleanup_free_ char *top = ctr_topdir_path(ctx, st->id);

	if (st->dirs_made)
		store_container_dirs_remove(s, st->id, NULL);
	if (top)
		rm_rf_at(AT_FDCWD, top, NULL);
}

static int pick_name(struct store *s, json_t *create, char **ret, berth_error *err)
{
	const char *name = json_string_value(json_object_get(create, "name"));
	char buf[64];

	if (name) {
		if (!names_valid(name))
			return berr(err, EINVAL,
				    "invalid container name \"%s\": names must match "
				    "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
				    name);
		*ret = strdup(name);
		return *ret ? 0 : berr(err, ENOMEM, "out of memory");
	}
	for (int tries = 0; tries < 20; tries++) {
		struct store_container *c = NULL;
		names_generate(buf, sizeof(buf));
		if (store_container_lookup(s, buf, &c, NULL) == -ENOENT) {
			*ret = strdup(buf);
			return *ret ? 0 : berr(err, ENOMEM, "out of memory");
		}
		store_container_free(c);
	}
	return berr(err, EEXIST, "could not find a free random container name; use --name");
}

static int build_bundle(struct berth_ctx *ctx, struct store *s, struct store_image *img,
			json_t *imgcfg, json_t *create, struct create_state *st, berth_error *err)
{
	_cleanup_free_ char *layer = NULL, *upper = NULL, *work = NULL, *merged = NULL;
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_strv_free_ char **lowers = NULL, **search = NULL;
	_cleanup_json_ json_t *spec = NULL, *seccomp = NULL;
	_cleanup_free_ char *text = NULL;
	struct spec_input in = { 0 };
	const char *user = json_string_value(json_object_get(create, "user"));
	const char *net = json_string_value(json_object_get(create, "network"));
	const char *hostname = json_string_value(json_object_get(create, "hostname"));
	char short_id[13];
	size_t n = 0;
	int r;

	r = store_image_lower_dirs(s, img->id, &lowers, err);
	if (r < 0)
		return r;
	r = store_container_dirs_create(s, st->id, &layer, err);
	if (r < 0)
		return r;
	st->dirs_made = true;
	if (asprintf(&upper, "%s/upper", layer) < 0 || asprintf(&work, "%s/work", layer) < 0 ||
	    asprintf(&merged, "%s/merged", layer) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(st->userdata, 0700, err);
	if (r < 0)
		return r;

	if (!user || !*user)
		user = json_string_value(json_object_get(imgcfg, "User"));
	while (lowers[n])
		n++;
	search = calloc(n + 2, sizeof(char *));
	if (!search || !(search[0] = strdup(upper)))
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (!(search[i + 1] = strdup(lowers[i])))
			return berr(err, ENOMEM, "out of memory");
	read_layered(search, "etc/passwd", &passwd);
	read_layered(search, "etc/group", &group);
	r = spec_user_lookup(user, passwd, group, &in.user, err);
	if (r < 0)
		return r;

	memcpy(short_id, st->id, 12);
	short_id[12] = '\0';
	if (!hostname || !*hostname)
		hostname = short_id;
	r = write_etc_files(st->userdata, st->id, st->name, hostname, img->names && img->names[0] ? img->names[0] : img->id, img->id,
			    net && strcmp(net, "host") == 0, ctx->rootless, err);
	if (r < 0)
		return r;

	in.id = st->id;
	in.create = create;
	in.image = imgcfg;
	in.rootfs = merged;
	in.lowerdirs = lowers;
	in.upperdir = upper;
	in.workdir = work;
	in.userxattr = ctx->rootless;
	in.userdata = st->userdata;
	r = spec_generate(&in, &spec, err);
	if (r < 0)
		return r;
	r = seccomp_for(create, spec, &seccomp, err);
	if (r < 0)
		return r;
	if (seccomp)
		json_object_set(json_object_get(spec, "linux"), "seccomp", seccomp);
	text = json_dumps(spec, JSON_INDENT(2));
	if (!text)
		return berr(err, ENOMEM, "out of memory");
	return write_text(st->userdata, "config.json", text, err);
}

int ctr_create(struct berth_ctx *ctx, struct store *s, const char *image_ref, json_t *create,
	       char **ret_id, berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	_cleanup_free_ char *cfgtext = NULL, *createtext = NULL;
	_cleanup_json_ json_t *imgdoc = NULL, *args = NULL;
	struct create_state st = { 0 };
	struct store_container rec = { 0 };
	json_t *imgcfg;
	int r;

	r = store_image_lookup(s, image_ref, &img, err);
	if (r < 0)
		return r;
	r = store_image_config(s, img, &cfgtext, err);
	if (r < 0)
		return r;
	imgdoc = json_loads(cfgtext, 0, NULL);
	imgcfg = json_object_get(imgdoc, "config");
	r = spec_process_args(create, imgcfg, &args, err);
	if (r < 0)
		return r;
	r = check_volume_sources(create, err);
	if (r < 0)
		return r;
	/* The image's stop signal, unless --stop-signal said otherwise. */
	if (!json_object_get(create, "stop_signal") && json_string_value(json_object_get(imgcfg, "StopSignal")))
		json_object_set(create, "stop_signal", json_object_get(imgcfg, "StopSignal"));
	if (!json_object_get(create, "image"))
		json_object_set_new(create, "image", json_string(image_ref));

	r = pick_name(s, create, &st.name, err);
	if (r < 0)
		return r;
	if (random_id(st.id) < 0) {
		free(st.name);
		return berr(err, EIO, "cannot read random bytes for a container id");
	}
	st.userdata = ctr_userdata_path(ctx, st.id);
	if (!st.userdata) {
		free(st.name);
		return berr(err, ENOMEM, "out of memory");
	}
	r = build_bundle(ctx, s, img, imgcfg, create, &st, err);
	if (r < 0)
		goto fail;
	json_object_set_new(create, "name", json_string(st.name));
	createtext = json_dumps(create, JSON_COMPACT);
	if (!createtext) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	rec.id = st.id;
	rec.name = st.name;
	rec.image_id = img->id;
	rec.image_name = img->names && img->names[0] ? img->names[0] : (char *)image_ref;
	rec.created = ctr_now_ns();
	rec.config = createtext;
	rec.state = "created";
	r = store_container_add(s, &rec, err);
	if (r < 0)
		goto fail;
	emit(ctx, &rec, "create", -1);
	*ret_id = strdup(st.id);
	free(st.name);
	free(st.userdata);
	return *ret_id ? 0 : berr(err, ENOMEM, "out of memory");
fail:
	create_undo(ctx, s, &st);
	free(st.name);
	free(st.userdata);
	return r;
}

/* ---- state ---- */

static int read_exit_file(const struct berth_ctx *ctx, const char *id, int *ret_code,
			  int64_t *ret_when)
{
	_cleanup_free_ char *dir = ctr_rundir_path(ctx, id), *text = NULL;
	_cleanup_close_ int dfd = -1;
	long long when = 0;
	int code = 0;

	if (!dir)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || read_file_at(dfd, "exit", 256, &text, NULL, NULL) < 0)
		return -ENOENT;
	if (sscanf(text, "%d %lld", &code, &when) != 2)
		return -EINVAL;
	*ret_code = code;
	*ret_when = when;
	return 0;
}

static bool is_active(const struct store_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
	       strcmp(c->state, "stopping") == 0;
}

/* mark_exited() - under the lock: record the exit of an active container whose pid is gone. */
static int mark_exited(const struct berth_ctx *ctx, struct store *s, struct store_container *c,
		       berth_error *err)
{
	int code = -1;
	int64_t when = 0;
	char *st;

	if (read_exit_file(ctx, c->id, &code, &when) < 0) {
		code = -1;
		when = ctr_now_ns();
	}
	st = strdup("exited");
	if (!st)
		return berr(err, ENOMEM, "out of memory");
	free(c->state);
	c->state = st;
	c->exit_code = code;
	c->finished_at = when;
	c->pid = 0;
	c->pid_start = 0;
	c->monitor_pid = 0;
	emit(ctx, c, "died", code);
	return store_container_update(s, c, err);
}

static int reload(struct store *s, struct store_container *c, berth_error *err)
{
	struct store_container *fresh = NULL;
	int r = store_container_get(s, c->id, &fresh, err);

	if (r < 0)
		return r;
	free(c->state);
	c->state = TAKE_PTR(fresh->state);
	c->pid = fresh->pid;
	c->pid_start = fresh->pid_start;
	c->monitor_pid = fresh->monitor_pid;
	c->started_at = fresh->started_at;
	c->finished_at = fresh->finished_at;
	c->exit_code = fresh->exit_code;
	c->restart_count = fresh->restart_count;
	store_container_free(fresh);
	return 0;
}

int ctr_refresh(struct berth_ctx *ctx, struct store *s, struct store_container *c,
		berth_error *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	if (!is_active(c) || ctr_proc_alive(c->pid, c->pid_start))
		return 0;
	r = store_container_lock(s, c->id, &lock, err);
	if (r < 0)
		return r;
	r = reload(s, c, err);
	if (r < 0)
		return r;
	if (!is_active(c) || ctr_proc_alive(c->pid, c->pid_start))
		return 0;
	return mark_exited(ctx, s, c, err);
}

int ctr_get(struct berth_ctx *ctx, struct store *s, const char *ref,
	    struct store_container **ret, berth_error *err)
{
	struct store_container *c = NULL;
	int r = store_container_lookup(s, ref, &c, err);

	if (r < 0)
		return r;
	r = ctr_refresh(ctx, s, c, err);
	if (r < 0) {
		store_container_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

/* ---- start ---- */

/* exit_command() - `berth --root R --runroot RR container cleanup ID` for the monitor. */
static char **exit_command(const struct berth_ctx *ctx, const char *id)
{
	char **v = calloc(10, sizeof(char *));
	size_t n = 0;

	if (!v)
		return NULL;
	if (!(v[n++] = berth_ctx_helper_path(ctx, "berth")) || !(v[n++] = strdup("--root")) ||
	    !(v[n++] = strdup(ctx->root)) || !(v[n++] = strdup("--runroot")) ||
	    !(v[n++] = strdup(ctx->runroot)) || !(v[n++] = strdup("container")) ||
	    !(v[n++] = strdup("cleanup")) || !(v[n++] = strdup(id))) {
		strv_free(v);
		return NULL;
	}
	return v;
}

static int spawn_monitor(struct berth_ctx *ctx, const struct store_container *c, json_t *cfg,
			 const char *rundir, int sync_w, int attach_child, bool want_stdin,
			 berth_error *err)
{
	_cleanup_free_ char *monitor = berth_ctx_helper_path(ctx, "berth-monitor");
	_cleanup_free_ char *userdata = ctr_userdata_path(ctx, c->id), *logpath = NULL;
	_cleanup_strv_free_ char **exitcmd = exit_command(ctx, c->id);
	const char *driver = json_string_value(json_object_get(cfg, "log_driver"));
	char maxsz[32];
	const char *argv[40];
	size_t n = 0;
	pid_t pid;
	int status;

	if (!monitor || !userdata || !exitcmd || asprintf(&logpath, "%s/ctr.log", userdata) < 0)
		return berr(err, ENOMEM, "out of memory");
	snprintf(maxsz, sizeof(maxsz), "%lld",
		 (long long)json_integer_value(json_object_get(cfg, "log_max_size")));
	argv[n++] = monitor;
	argv[n++] = "--id";
	argv[n++] = c->id;
	argv[n++] = "--bundle";
	argv[n++] = userdata;
	argv[n++] = "--rundir";
	argv[n++] = rundir;
	argv[n++] = "--log-path";
	argv[n++] = logpath;
	argv[n++] = "--log-driver";
	argv[n++] = driver ? driver : "k8s-file";
	argv[n++] = "--log-max-size";
	argv[n++] = maxsz;
	argv[n++] = "--sync-fd";
	argv[n++] = "3";
	if (attach_child >= 0) {
		argv[n++] = "--attach-fd";
		argv[n++] = "4";
	}
	if (want_stdin)
		argv[n++] = "--stdin";
	argv[n++] = "--";
	for (size_t i = 0; exitcmd[i] && n < ELEMENTSOF(argv) - 1; i++)
		argv[n++] = exitcmd[i];
	argv[n] = NULL;

	pid = fork();
	if (pid < 0)
		return berr_errno(err, errno, "fork the container monitor");
	if (pid == 0) {
		/* Move the two fds to 3 and 4 without clobbering each other. */
		int a = attach_child >= 0 ? fcntl(attach_child, F_DUPFD_CLOEXEC, 10) : -1;
		int sfd = fcntl(sync_w, F_DUPFD_CLOEXEC, 10);
		if (sfd < 0 || dup2(sfd, 3) < 0)
			_exit(125);
		if (a >= 0 && dup2(a, 4) < 0)
			_exit(125);
		execv(monitor, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return berr(err, ENOENT, "cannot run %s: reinstall berth", monitor);
	return 0;
}

static int parse_sync(const char *text, struct store_container *c, berth_error *err)
{
	int pid = 0, mon = 0, code = 125, off = 0;
	long long start = 0;

	if (sscanf(text, "ok %d %lld %d", &pid, &start, &mon) == 3) {
		c->pid = pid;
		c->pid_start = start;
		c->monitor_pid = mon;
		return 0;
	}
	if (sscanf(text, "err %d %n", &code, &off) >= 1 && off > 0) {
		char msg[BERTH_ERROR_MAX];
		snprintf(msg, sizeof(msg), "%s", text + off);
		msg[strcspn(msg, "\n")] = '\0';
		berr(err, EIO, "%s", msg);
		if (err)
			err->exit_code = code;
		return -EIO;
	}
	return berr(err, EIO, "the container monitor of %s died before starting it; run with "
			      "--log-level=debug for details",
		    c->name);
}

int ctr_start(struct berth_ctx *ctx, struct store *s, const char *ref,
	      const struct ctr_start_opts *opts, int *ret_attach, berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_free_ char *rundir = NULL, *sync_text = NULL;
	_cleanup_close_ int lock = -1, sync_r = -1, sync_w = -1, att_parent = -1, att_child = -1;
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_close_ int rundfd = -1;
	int fds[2], r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	r = store_container_lock(s, c->id, &lock, err);
	if (r < 0)
		return r;
	r = reload(s, c, err);
	if (r < 0)
		return r;
	if (is_active(c) && ctr_proc_alive(c->pid, c->pid_start)) {
		if (opts->attach)
			return berr(err, EBUSY, "container %s is already running; use berth attach",
				    c->name);
		return 0;
	}
	if (strcmp(c->state, "removing") == 0)
		return berr(err, EBUSY, "container %s is being removed", c->name);
	cfg = ctr_config(c);
	rundir = ctr_rundir_path(ctx, c->id);
	if (!rundir)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(rundir, 0700, err);
	if (r < 0)
		return r;
	rundfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rundfd >= 0)
		unlinkat(rundfd, "exit", 0);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return berr_errno(err, errno, "create a pipe");
	sync_r = fds[0];
	sync_w = fds[1];
	if (opts->attach) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
			return berr_errno(err, errno, "create the attach socket");
		att_parent = fds[0];
		att_child = fds[1];
	}
	r = spawn_monitor(ctx, c, cfg, rundir, sync_w, att_child, opts->attach && opts->stdin,
			  err);
	if (r < 0)
		return r;
	close(TAKE_FD(sync_w));
	close(TAKE_FD(att_child));
	r = read_fd_all(sync_r, SYNC_MAX, &sync_text, NULL, err);
	if (r < 0)
		return r;
	r = parse_sync(sync_text, c, err);
	if (r < 0)
		return r;
	free(c->state);
	c->state = strdup("running");
	if (!c->state)
		return berr(err, ENOMEM, "out of memory");
	c->started_at = ctr_now_ns();
	c->finished_at = 0;
	c->exit_code = 0;
	r = store_container_update(s, c, err);
	if (r < 0)
		return r;
	emit(ctx, c, "start", -1);
	if (ret_attach)
		*ret_attach = TAKE_FD(att_parent);
	return 0;
}

/* ---- signals, stop, wait ---- */

static int pidfd_for(const struct store_container *c)
{
	int fd = (int)syscall(SYS_pidfd_open, c->pid, 0);

	if (fd < 0)
		return -errno;
	/* The pid might have been reused between the record and pidfd_open: check again. */
	if (!ctr_proc_alive(c->pid, c->pid_start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* wait_pidfd() - wait up to @ms (-1 = forever) for the process to exit; 1 = exited, 0 = not. */
static int wait_pidfd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		return r > 0;
	}
}

/* wait_exit_file() - the monitor writes it right after reaping; give it a moment. */
static void wait_exit_file(const struct berth_ctx *ctx, const struct store_container *c, int ms)
{
	int code;
	int64_t when;

	for (int waited = 0; waited < ms; waited += 5) {
		if (read_exit_file(ctx, c->id, &code, &when) == 0)
			return;
		struct timespec ts = { 0, 5 * 1000000 };
		nanosleep(&ts, NULL);
	}
}

static int stop_signal(json_t *cfg)
{
	json_t *v = json_object_get(cfg, "stop_signal");
	int sig = -1;

	if (json_is_string(v))
		sig = spec_signal_parse(json_string_value(v));
	else if (json_is_integer(v))
		sig = (int)json_integer_value(v);
	return sig > 0 ? sig : SIGTERM;
}

int ctr_stop(struct berth_ctx *ctx, struct store *s, const char *ref, int timeout,
	     berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_close_ int lock = -1, pfd = -1;
	_cleanup_json_ json_t *cfg = NULL;
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	r = store_container_lock(s, c->id, &lock, err);
	if (r < 0)
		return r;
	r = reload(s, c, err);
	if (r < 0)
		return r;
	if (!is_active(c))
		return 0;
	pfd = pidfd_for(c);
	if (pfd >= 0) {
		cfg = ctr_config(c);
		if (timeout < 0)
			timeout = CTR_DEFAULT_STOP_TIMEOUT;
		if (timeout > 0) {
			syscall(SYS_pidfd_send_signal, pfd, stop_signal(cfg), NULL, 0);
			r = wait_pidfd(pfd, timeout * 1000);
		} else {
			r = 0;
		}
		if (r == 0) {
			syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
			r = wait_pidfd(pfd, 10000);
			if (r == 0)
				return berr(err, ETIMEDOUT,
					    "container %s did not die after SIGKILL; check its "
					    "process %d",
					    c->name, (int)c->pid);
		}
		wait_exit_file(ctx, c, 2000);
	}
	r = mark_exited(ctx, s, c, err);
	if (r < 0)
		return r;
	return 0;
}

int ctr_kill(struct berth_ctx *ctx, struct store *s, const char *ref, int sig, berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_close_ int pfd = -1;
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	if (!is_active(c) || (pfd = pidfd_for(c)) < 0)
		return berr(err, EINVAL,
			    "can only kill running containers. %s is in state %s: container state "
			    "improper",
			    c->id, c->state);
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		return berr_errno(err, errno, "send signal %d to container %s", sig, c->name);
	return 0;
}

int ctr_wait(struct berth_ctx *ctx, struct store *s, const char *ref, int *ret_exit,
	     berth_error *err)
{
	struct store_container *c = NULL;
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	for (;;) {
		if (is_active(c)) {
			int pfd = pidfd_for(c);
			if (pfd >= 0) {
				wait_pidfd(pfd, -1);
				close(pfd);
				wait_exit_file(ctx, c, 2000);
			}
		} else if (strcmp(c->state, "created") != 0 &&
			   strcmp(c->state, "configured") != 0) {
			break;
		} else {
			struct timespec ts = { 0, 100 * 1000000 };
			nanosleep(&ts, NULL);
		}
		r = reload(s, c, err);
		if (r == 0)
			r = ctr_refresh(ctx, s, c, err);
		if (r < 0) {
			store_container_free(c);
			return r;
		}
	}
	*ret_exit = c->exit_code;
	store_container_free(c);
	return 0;
}

/* ---- remove, cleanup ---- */

static int remove_locked(struct berth_ctx *ctx, struct store *s, struct store_container *c,
			 berth_error *err)
{
	_cleanup_free_ char *top = ctr_topdir_path(ctx, c->id), *run = ctr_rundir_path(ctx, c->id);
	char *st = strdup("removing");
	int r;

	if (!top || !run || !st) {
		free(st);
		return berr(err, ENOMEM, "out of memory");
	}
	free(c->state);
	c->state = st;
	r = store_container_update(s, c, err);
	if (r < 0)
		return r;
	r = store_container_dirs_remove(s, c->id, err);
	if (r < 0)
		return r;
	r = rm_rf_at(AT_FDCWD, top, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = rm_rf_at(AT_FDCWD, run, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = store_container_delete(s, c->id, err);
	if (r < 0)
		return r;
	emit(ctx, c, "remove", -1);
	return 0;
}

int ctr_remove(struct berth_ctx *ctx, struct store *s, const char *ref, bool force,
	       berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	if (is_active(c)) {
		if (!force)
			return berr(err, EBUSY,
				    "cannot remove container %s as it is running - running or paused "
				    "containers cannot be removed without force: container state "
				    "improper",
				    c->id);
		r = ctr_stop(ctx, s, c->id, 0, err);
		if (r < 0)
			return r;
	}
	r = store_container_lock(s, c->id, &lock, err);
	if (r < 0)
		return r;
	r = reload(s, c, err);
	if (r == -ENOENT)
		return 0; /* removed meanwhile (its --rm cleanup) */
	if (r < 0)
		return r;
	if (is_active(c) && ctr_proc_alive(c->pid, c->pid_start))
		return berr(err, EBUSY, "container %s was started again while being removed",
			    c->name);
	return remove_locked(ctx, s, c, err);
}

int ctr_cleanup(struct berth_ctx *ctx, struct store *s, const char *id, berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_json_ json_t *cfg = NULL;
	int r;

	r = store_container_lookup(s, id, &c, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berr(err, -r, "look up container %s", id);
	r = store_container_lock(s, c->id, &lock, err);
	if (r < 0)
		return r;
	r = reload(s, c, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berr(err, -r, "read container %s", id);
	if (is_active(c)) {
		if (ctr_proc_alive(c->pid, c->pid_start))
			return 0; /* started again already */
		r = mark_exited(ctx, s, c, err);
		if (r < 0)
			return r;
	}
	cfg = ctr_config(c);
	if (json_is_true(json_object_get(cfg, "rm")) && strcmp(c->state, "created") != 0)
		return remove_locked(ctx, s, c, err);
	return 0;
}
