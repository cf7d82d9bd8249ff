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

#include "engine/container_health.h"
#include "engine/container_mount.h"
#include "engine/container_proc.h"
#include "engine/container_pause.h"
#include "engine/container_restart.h"
#include "engine/container_status.h"
#include "engine/container_volume.h"
#include "engine/container_sdnotify.h"
#include "engine/exec_session.h"
#include "engine/names.h"
#include "engine/pod.h"
#include "engine/spec.h"
#include "network/ports.h"
#include "runtime/runtime.h"
#include "store/events.h"
#include "util/fileio.h"
#include "util/json_scan.h"
#include "util/lock.h"
#include "util/userns.h"
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

json_t *ctr_config_pick(const struct store_container *c, const char *const *keys)
{
	json_t *j = c->config ? json_loads_keys(c->config, keys) : json_object();

	return j ? j : ctr_config(c);
}

static void emit(const struct berth_ctx *ctx, const struct store_container *c, const char *action,
		 int exit_code)
{
	json_t *attrs = json_object();
	json_t *cfg = ctr_config_pick(c, (const char *const[]){ "labels", NULL });
	const char *key;
	json_t *v;
	char code[16];

	/* podman's attributes: the container's labels (events --filter label=) and exit code */
	json_object_foreach (json_object_get(cfg, "labels"), key, v)
		if (attrs && json_is_string(v))
			json_object_set(attrs, key, v);
	json_decref(cfg);
	if (attrs && exit_code >= 0 && strcmp(action, "died") == 0) {
		snprintf(code, sizeof(code), "%d", exit_code);
		json_object_set_new(attrs, "containerExitCode", json_string(code));
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

int ctr_read_layered(char *const *dirs, const char *path, char **ret)
{
	return read_layered(dirs, path, ret);
}

/*
 * write_text() - write a bundle file. No fsync: the bundle lives in a directory that only a
 * committed record makes reachable, and a crash before that leaves garbage for gc, not a
 * half-written file anybody reads. That saves several ms per fsync on `run`.
 */
static int write_text(const char *dir, const char *name, const char *text, berth_error *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	int r;

	if (dfd < 0)
		return berr_errno(err, errno, "open %s", dir);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return berr_errno(err, errno, "create %s/%s", dir, name);
	r = write_all(fd, text, strlen(text));
	if (r < 0)
		return berr_errno(err, r, "write %s/%s", dir, name);
	return 0;
}

/* resolv_with_servers() - @resolv (freed) with its nameservers replaced by @dns (--dns). */
static char *resolv_with_servers(char *resolv, json_t *dns)
{
	_cleanup_free_ char *old = resolv;
	char *out = NULL, *save = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	json_t *v;

	if (!f)
		return NULL;
	for (char *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "nameserver", 10) != 0)
			fprintf(f, "%s\n", l);
	json_array_foreach (dns, i, v)
		fprintf(f, "nameserver %s\n", json_string_value(v));
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int write_etc_files(const char *userdata, const char *id, const char *name,
			   const char *hostname, const char *image, const char *image_id,
			   bool host_net, bool rootless, json_t *dns, berth_error *err)
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
	if (resolv && json_array_size(dns) > 0)
		resolv = resolv_with_servers(resolv, dns);
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

/* seccomp_cache_path() - where compiled seccomp filters and converted profiles are kept
 * (runtime_seccomp_cache(), runtime_seccomp_profile_text()) */
static char *seccomp_cache_path(const struct berth_ctx *ctx)
{
	char *p = NULL;

	return asprintf(&p, "%s/seccomp", ctx->runroot) < 0 ? NULL : p;
}

/* seccomp_for() - the container's linux.seccomp as JSON text (NULL: unconfined). */
static int seccomp_for(const struct berth_ctx *ctx, json_t *create, json_t *spec, char **ret,
		       berth_error *err)
{
	const char *sc = json_string_value(json_object_get(create, "seccomp"));
	const char *path = SECCOMP_DEFAULT_PROFILE;
	json_t *bounding = json_object_get(
		json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
	_cleanup_free_ char *cache = seccomp_cache_path(ctx);
	unsigned long long caps = 0;
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
	r = runtime_seccomp_profile_text(path, caps, cache, ret, err);
	if (r < 0)
		return berr_prefix(err, "seccomp profile %s", path);
	return 0;
}

/* spec_dump() - @spec as compact text (as podman writes it) with @seccomp, the profile's own
 * text, as linux.seccomp: spliced in for a marker, so that the profile (three quarters of the
 * document) is neither parsed nor re-encoded. The marker holds the new container's random
 * @id, which no string of the spec can hold: the user gave them all before the id existed. */
static char *spec_dump(json_t *spec, const char *seccomp, const char *id)
{
	_cleanup_free_ char *text = NULL, *mark = NULL, *quoted = NULL;
	char *out, *at;
	size_t qlen, slen;

	if (!seccomp)
		return json_dumps(spec, JSON_COMPACT);
	if (asprintf(&mark, "berth:seccomp:%s", id) < 0 || asprintf(&quoted, "\"%s\"", mark) < 0 ||
	    json_object_set_new(json_object_get(spec, "linux"), "seccomp", json_string(mark)) < 0)
		return NULL;
	text = json_dumps(spec, JSON_COMPACT);
	json_object_del(json_object_get(spec, "linux"), "seccomp");
	if (!text || !(at = strstr(text, quoted)))
		return NULL;
	qlen = strlen(quoted);
	slen = strlen(seccomp);
	out = malloc(strlen(text) - qlen + slen + 1);
	if (!out)
		return NULL;
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), seccomp, slen);
	strcpy(out + (at - text) + slen, at + qlen);
	return out;
}

static int check_volume_sources(json_t *create, berth_error *err)
{
	size_t i;
	json_t *m;
	struct stat st;

	json_array_foreach (json_object_get(create, "mounts"), i, m) {
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *type = json_string_value(json_object_get(m, "type"));
		if ((type && strcmp(type, "bind") != 0) || json_object_get(m, "volume"))
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

/*
 * write_passwd_entry() - USERDATA/passwd: the image's /etc/passwd plus a line for the numeric
 * uid it lacks, so `id` and `whoami` name the user as they do under podman (home: the working
 * directory, as podman's entry).
 */
static int write_passwd_entry(const char *userdata, const char *passwd, const struct spec_user *u,
			      json_t *create, json_t *imgcfg, berth_error *err)
{
	const char *home = json_string_value(json_object_get(create, "workdir"));
	_cleanup_free_ char *text = NULL;
	size_t len = strlen(passwd);

	if (!home || !*home)
		home = json_string_value(json_object_get(imgcfg, "WorkingDir"));
	if (!home || !*home)
		home = "/";
	if (asprintf(&text, "%s%s%u:*:%u:%u:container user:%s:/bin/sh\n", passwd,
		     len && passwd[len - 1] != '\n' ? "\n" : "", (unsigned)u->uid, (unsigned)u->uid,
		     (unsigned)u->gid, home) < 0)
		return berr(err, ENOMEM, "out of memory");
	return write_text(userdata, "passwd", text, err);
}

static int build_bundle(struct berth_ctx *ctx, struct store *s, struct store_image *img,
			json_t *imgcfg, json_t *create, struct create_state *st, berth_error *err)
{
	_cleanup_free_ char *layer = NULL, *upper = NULL, *work = NULL, *merged = NULL;
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_strv_free_ char **lowers = NULL, **search = NULL;
	_cleanup_json_ json_t *spec = NULL, *uid_map = NULL, *gid_map = NULL;
	_cleanup_free_ char *text = NULL, *seccomp = NULL;
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
	if (in.user.unlisted) {
		r = write_passwd_entry(st->userdata, passwd, &in.user, create, imgcfg, err);
		if (r < 0)
			return r;
	}

	memcpy(short_id, st->id, 12);
	short_id[12] = '\0';
	if (!hostname || !*hostname)
		hostname = short_id;
	r = write_etc_files(st->userdata, st->id, st->name, hostname, img->names && img->names[0] ? img->names[0] : img->id, img->id,
			    net && strcmp(net, "host") == 0, ctx->rootless,
			    json_object_get(create, "dns"), err);
	if (r < 0)
		return r;

	in.id = st->id;
	in.create = create;
	in.image = imgcfg;
	in.rootfs = merged;
	if (ctx->storage_driver && strcmp(ctx->storage_driver, "vfs") == 0) {
		/* vfs: the rootfs is a full copy of the layers, a plain directory, no overlay. */
		r = ctr_layers_copy(ctx, lowers, "", merged, err);
		if (r < 0)
			return berr_prefix(err, "vfs: copy the image's layers");
	} else {
		in.lowerdirs = lowers;
		in.upperdir = upper;
		in.workdir = work;
	}
	in.userxattr = ctx->rootless;
	in.userdata = st->userdata;
	if (ctx->rootless) {
		/* DESIGN.md, "Rootless": the store's one fixed mapping, in a user namespace per container */
		r = spec_rootless_maps(ctx->uid, ctx->gid, &uid_map, &gid_map, err);
		if (r < 0)
			return r;
		in.uid_map = uid_map;
		in.gid_map = gid_map;
	}
	r = spec_generate(&in, &spec, err);
	if (r < 0)
		return r;
	r = ctr_sdnotify_spec(ctx, st->id, create, spec, err);
	if (r < 0)
		return r;
	r = seccomp_for(ctx, create, spec, &seccomp, err);
	if (r < 0)
		return r;
	text = spec_dump(spec, seccomp, st->id);
	if (!text)
		return berr(err, ENOMEM, "out of memory");
	return write_text(st->userdata, "config.json", text, err);
}


/* -P: the image's EXPOSE ports join the -p list, each on a free host port chosen now, so that
 * `port` and ps show them and every start uses the same ones (as podman). */
static int publish_exposed(json_t *create, json_t *imgcfg, berth_error *err)
{
	json_t *ports = json_object_get(create, "ports");

	if (!json_is_true(json_object_get(create, "publish_all")))
		return 0;
	json_object_del(create, "publish_all");
	if (!json_is_array(ports)) {
		ports = json_array();
		json_object_set_new(create, "ports", ports);
	}
	return port_mappings_add_exposed(ports, json_object_get(imgcfg, "ExposedPorts"), err);
}

int ctr_create(struct berth_ctx *ctx, struct store *s, const char *image_ref, json_t *create,
	       char **ret_id, berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	_cleanup_free_ char *cfgtext = NULL, *createtext = NULL;
	_cleanup_json_ json_t *imgdoc = NULL, *args = NULL, *made = NULL;
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
	json_object_set(create, "process_args", args);
	r = check_volume_sources(create, err);
	if (r < 0)
		return r;
	r = publish_exposed(create, imgcfg, err); /* -P */
	if (r < 0)
		return r;
	r = pod_prepare_create(ctx, s, create, err); /* --pod, --network container:|ns: */
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
	made = json_array();
	r = ctr_volumes_resolve(ctx, s, create, json_object_get(imgcfg, "Volumes"), made, err);
	if (r < 0)
		goto fail;
	r = ctr_volumes_copy_up(ctx, s, img->id, create, made, err);
	if (r < 0)
		goto fail;
	r = build_bundle(ctx, s, img, imgcfg, create, &st, err);
	if (r < 0)
		goto fail;
	r = ctr_health_prepare(create, imgcfg, st.userdata, err); /* --health-*, HEALTHCHECK */
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
	rec.image_name = (char *)store_image_resolved_name(img, image_ref);
	if (!rec.image_name)
		rec.image_name = (char *)image_ref;
	rec.created = ctr_now_ns();
	rec.config = createtext;
	rec.state = "created";
	rec.pod_id = (char *)json_string_value(json_object_get(create, "pod"));
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
	{
		size_t i;
		json_t *v;
		json_array_foreach (made, i, v)
			ctr_volume_remove(ctx, s, json_string_value(v), false, NULL);
	}
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
	{
		_cleanup_free_ char *dir = ctr_rundir_path(ctx, c->id);
		_cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (dfd >= 0)
			unlinkat(dfd, "pid", 0);
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

/* lock @c's record (*@lock, for the caller to close), then read it again under the lock */
static int lock_reload(struct store *s, struct store_container *c, int *lock, berth_error *err)
{
	int r = store_container_lock(s, c->id, lock, err);

	return r < 0 ? r : reload(s, c, err);
}

static int read_pid_file(const struct berth_ctx *ctx, const char *id, pid_t *ret_pid,
			 int64_t *ret_start, pid_t *ret_mon)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	long long start = 0;
	int pid = 0, mon = 0;

	/* one open by path: `ps` asks this of every container that is not running */
	if (asprintf(&path, "%s/containers/%s/pid", ctx->runroot, id) < 0)
		return -ENOMEM;
	if (read_file_at(AT_FDCWD, path, 256, &text, NULL, NULL) < 0)
		return -ENOENT;
	if (sscanf(text, "%d %lld %d", &pid, &start, &mon) != 3 || pid <= 0)
		return -EINVAL;
	*ret_pid = pid;
	*ret_start = start;
	*ret_mon = mon;
	return 0;
}

/*
 * adopt_unrecorded() - under the lock: a record that is not active although its monitor wrote
 * a pid file (the CLI was killed between starting the container and recording it). A live
 * process makes it running; a dead one with an exit file newer than the record, exited.
 */
static int adopt_unrecorded(const struct berth_ctx *ctx, struct store *s,
			    struct store_container *c, berth_error *err)
{
	pid_t pid, mon;
	int64_t start, when;
	int code;
	char *st;

	if (read_pid_file(ctx, c->id, &pid, &start, &mon) < 0)
		return 0;
	if (ctr_proc_alive(pid, start)) {
		if (c->pid == pid && c->pid_start == start)
			return 0;
		st = strdup("running");
		if (!st)
			return berr(err, ENOMEM, "out of memory");
		free(c->state);
		c->state = st;
		c->pid = pid;
		c->pid_start = start;
		c->monitor_pid = mon;
		c->started_at = ctr_now_ns();
		c->finished_at = 0;
		return store_container_update(s, c, err);
	}
	if (read_exit_file(ctx, c->id, &code, &when) < 0 || when <= c->finished_at ||
	    when <= c->started_at) {
		/* stale: nothing to adopt, and no reason to look again */
		_cleanup_free_ char *dir = ctr_rundir_path(ctx, c->id);
		_cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (dfd >= 0)
			unlinkat(dfd, "pid", 0);
		return 0;
	}
	c->started_at = c->started_at ? c->started_at : when;
	return mark_exited(ctx, s, c, err);
}

/* A pid file outlives only starts that were never recorded: mark_exited() removes it. */
static bool maybe_unrecorded(const struct berth_ctx *ctx, const struct store_container *c)
{
	pid_t pid, mon;
	int64_t start;

	return !is_active(c) && strcmp(c->state, "removing") != 0 &&
	       read_pid_file(ctx, c->id, &pid, &start, &mon) == 0;
}

int ctr_refresh(struct berth_ctx *ctx, struct store *s, struct store_container *c,
		berth_error *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	if (maybe_unrecorded(ctx, c)) {
		r = lock_reload(s, c, &lock, err);
		if (r < 0)
			return r;
		if (!is_active(c))
			return adopt_unrecorded(ctx, s, c, err);
		close(TAKE_FD(lock));
	}
	if (!is_active(c) || ctr_proc_alive(c->pid, c->pid_start))
		return 0;
	r = lock_reload(s, c, &lock, err);
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

/*
 * run_monitor() - fork and exec berth-monitor with @sync_w as fd 3 and @attach_child (or -1) as
 * fd 4; returns once its first process exited (the monitor proper runs on, detached).
 */
static int run_monitor(const char *monitor, const char *const *argv, int sync_w, int attach_child,
		       berth_error *err)
{
	pid_t pid;
	int status = 0;

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

static int spawn_monitor(struct berth_ctx *ctx, const struct store_container *c, json_t *cfg,
			 const char *rundir, int sync_w, int attach_child, bool want_stdin,
			 berth_error *err)
{
	_cleanup_free_ char *monitor = berth_ctx_helper_path(ctx, "berth-monitor");
	_cleanup_free_ char *userdata = ctr_userdata_path(ctx, c->id), *logpath = NULL;
	_cleanup_strv_free_ char **exitcmd = exit_command(ctx, c->id);
	_cleanup_free_ char *seccache = seccomp_cache_path(ctx);
	const char *driver = json_string_value(json_object_get(cfg, "log_driver"));
	char maxsz[32];
	const char *argv[40];
	size_t n = 0;

	if (!monitor || !userdata || !exitcmd || !seccache ||
	    asprintf(&logpath, "%s/ctr.log", userdata) < 0)
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
	argv[n++] = "--seccomp-cache";
	argv[n++] = seccache;
	if (attach_child >= 0) {
		argv[n++] = "--attach-fd";
		argv[n++] = "4";
	}
	if (want_stdin)
		argv[n++] = "--stdin";
	if (ctr_sdnotify_container(cfg))
		argv[n++] = "--sdnotify-container";
	argv[n++] = "--";
	for (size_t i = 0; exitcmd[i] && n < ELEMENTSOF(argv) - 1; i++)
		argv[n++] = exitcmd[i];
	argv[n] = NULL;

	return run_monitor(monitor, argv, sync_w, attach_child, err);
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
	r = lock_reload(s, c, &lock, err);
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
	r = pod_join_resolve(ctx, s, c, err); /* namespaces of a pod's infra or --network container: */
	if (r < 0)
		return r;
	rundir = ctr_rundir_path(ctx, c->id);
	if (!rundir)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(rundir, 0700, err);
	if (r < 0)
		return r;
	rundfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rundfd >= 0) {
		unlinkat(rundfd, "exit", 0);
		unlinkat(rundfd, "pid", 0);
	}
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
	/* -i keeps stdin open for later `attach` clients also when started detached (living) */
	r = spawn_monitor(ctx, c, cfg, rundir, sync_w, att_child,
			  (opts->attach && opts->stdin) ||
				  json_is_true(json_object_get(cfg, "interactive")),
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
	emit(ctx, c, "init", -1); /* podman's pair: the runtime set it up, then started it */
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
	r = lock_reload(s, c, &lock, err);
	if (r < 0)
		return r;
	if (!is_active(c)) {
		/* exited on its own, its policy's restart maybe waiting out the back-off: a stop
		 * now is an explicit stop all the same (the restart checks under this lock) */
		if (strcmp(c->state, "exited") == 0)
			ctr_restart_mark_stopped(ctx, c);
		return 0;
	}
	ctr_restart_mark_stopped(ctx, c); /* no restart policy for this exit */
	ctr_pause_thaw(c->id); /* a frozen process would not die (living) */
	pfd = pidfd_for(c);
	if (pfd >= 0) {
		cfg = ctr_config(c);
		if (timeout < 0)
			timeout = CTR_DEFAULT_STOP_TIMEOUT;
		/* The wait holds no lock, as podman's: a kill, an rm -f or a second stop goes on
		 * meanwhile. The pidfd names this process only, whatever happens to the record. */
		lock = (close(lock), -1);
		if (timeout > 0) {
			syscall(SYS_pidfd_send_signal, pfd, stop_signal(cfg), NULL, 0);
			r = wait_pidfd(pfd, timeout * 1000);
			if (r == 0) /* podman's warning, word for word */
				log_warn("StopSignal SIG%s failed to stop container %s in %d "
					 "seconds, resorting to SIGKILL",
					 sigabbrev_np(stop_signal(cfg)) ?: "TERM", c->name, timeout);
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
		r = lock_reload(s, c, &lock, err);
		if (r == -ENOENT) /* removed meanwhile (rm -f, --rm's cleanup): stopped all the same */
			return 0;
		if (r < 0)
			return r;
	}
	if (is_active(c)) {
		r = mark_exited(ctx, s, c, err);
		if (r < 0)
			return r;
	}
	emit(ctx, c, "stop", -1);
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
	emit(ctx, c, "kill", -1);
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

static int rm_tree_fn(void *data, berth_error *err)
{
	int r = rm_rf_at(AT_FDCWD, data, err);

	return r == -ENOENT ? 0 : r;
}

/*
 * remove_layer_rootless() - the writable layer of a rootless container holds files owned by
 * subordinate ids (and overlayfs' work/work, mode 000): remove it from inside a user namespace
 * with the store's mapping, where those ids are ours.
 */
static int remove_layer_rootless(struct berth_ctx *ctx, struct store *s, const char *id,
				 berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct userns_mapping map;
	int r;

	r = store_container_dir_path(s, id, NULL, &path, err);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return 0;
	r = userns_mapping_for_user(ctx->uid, ctx->gid, NULL, "/etc/subuid", "/etc/subgid", &map,
				    err);
	if (r < 0)
		return r;
	return userns_run(&map, rm_tree_fn, path, err);
}

static int remove_locked(struct berth_ctx *ctx, struct store *s, struct store_container *c,
			 bool volumes, berth_error *err)
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
	if (ctx->rootless) {
		r = remove_layer_rootless(ctx, s, c->id, err);
		if (r < 0)
			return r;
	}
	/* `berth mount` left it mounted: never let rm -rf walk into the image's layers */
	ctr_mount_release(ctx, s, c->id);
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
	if (volumes) {
		json_t *cfg = ctr_config(c), *m;
		size_t i;
		json_array_foreach (json_object_get(cfg, "mounts"), i, m) {
			const char *v = json_string_value(json_object_get(m, "volume"));
			if (v && json_is_true(json_object_get(m, "anonymous")))
				ctr_volume_remove(ctx, s, v, false, NULL);
		}
		json_decref(cfg);
	}
	return 0;
}

int ctr_remove(struct berth_ctx *ctx, struct store *s, const char *ref, bool force, bool volumes,
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
	r = lock_reload(s, c, &lock, err);
	if (r == -ENOENT)
		return 0; /* removed meanwhile (its --rm cleanup) */
	if (r < 0)
		return r;
	if (is_active(c) && ctr_proc_alive(c->pid, c->pid_start))
		return berr(err, EBUSY, "container %s was started again while being removed",
			    c->name);
	return remove_locked(ctx, s, c, volumes, err);
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
	} else {
		r = adopt_unrecorded(ctx, s, c, err); /* the CLI died before recording the start */
		if (r < 0)
			return r;
		if (is_active(c))
			return 0;
	}
	cfg = ctr_config(c);
	if (json_is_true(json_object_get(cfg, "rm")) && strcmp(c->state, "created") != 0)
		return remove_locked(ctx, s, c, true, err);
	return 0;
}

/* ---- exec ---- */

static int read_in_container(pid_t pid, const char *path, char **ret)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int root = -1, fd = -1;
	char proot[64];

	snprintf(proot, sizeof(proot), "/proc/%d/root", (int)pid);
	root = open(proot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return read_fd_all(fd, PASSWD_MAX, ret, NULL, NULL);
}

static void env_merge(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv), i;
	json_t *v;

	json_array_foreach (env, i, v) {
		const char *s = json_string_value(v);
		if (s && strncmp(s, kv, klen) == 0 && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static int exec_spec(struct berth_ctx *ctx, const struct store_container *c,
		     const struct ctr_exec_opts *opts, json_t **ret, berth_error *err)
{
	_cleanup_free_ char *userdata = ctr_userdata_path(ctx, c->id), *text = NULL;
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_json_ json_t *spec = NULL;
	json_t *process, *env, *args = json_array();
	json_int_t uid, gid;
	int r;

	for (char *const *a = opts->args; a && *a; a++)
		json_array_append_new(args, json_string(*a));
	if (!userdata) {
		json_decref(args);
		return berr(err, ENOMEM, "out of memory");
	}
	{
		_cleanup_close_ int dfd = open(userdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || read_file_at(dfd, "config.json", 64u << 20, &text, NULL, err) < 0) {
			json_decref(args);
			return berr(err, ENOENT, "container %s has no bundle: recreate it", c->name);
		}
	}
	/* only "process": the rest (the seccomp profile most of all) is skipped, not parsed */
	spec = json_loads_keys(text, (const char *const[]){ "process", NULL });
	process = json_object_get(spec, "process");
	env = json_deep_copy(json_object_get(process, "env"));
	if (!env)
		env = json_array();
	for (char *const *e = opts->env; e && *e; e++)
		env_merge(env, *e);
	uid = json_integer_value(json_object_get(json_object_get(process, "user"), "uid"));
	gid = json_integer_value(json_object_get(json_object_get(process, "user"), "gid"));
	if (opts->user && *opts->user) {
		struct spec_user u;
		read_in_container(c->pid, "etc/passwd", &passwd);
		read_in_container(c->pid, "etc/group", &group);
		r = spec_user_lookup(opts->user, passwd, group, &u, err);
		if (r < 0) {
			json_decref(args);
			json_decref(env);
			return r;
		}
		uid = u.uid;
		gid = u.gid;
	}
	if (opts->tty)
		env_merge(env, "TERM=xterm");
	*ret = json_pack("{s:o, s:o, s:s, s:I, s:I, s:b}", "args", args, "env", env, "cwd",
			 opts->workdir ? opts->workdir
				       : (json_string_value(json_object_get(process, "cwd")) ?: "/"),
			 "uid", uid, "gid", gid, "terminal", opts->tty);
	return *ret ? 0 : berr(err, ENOMEM, "out of memory");
}

int ctr_exec(struct berth_ctx *ctx, struct store *s, const char *ref,
	     const struct ctr_exec_opts *opts, int *ret_attach, char **ret_session,
	     berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *c = NULL;
	_cleanup_free_ char *monitor = berth_ctx_helper_path(ctx, "berth-monitor");
	_cleanup_free_ char *userdata = NULL, *rundir = NULL, *specpath = NULL, *sync_text = NULL;
	_cleanup_free_ char *spectext = NULL, *seccache = seccomp_cache_path(ctx);
	_cleanup_close_ int sync_r = -1, sync_w = -1, att_parent = -1, att_child = -1;
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_strv_free_ char **exitcmd = NULL;
	struct store_exec_session rec = { 0 };
	struct store_container tmp = { 0 };
	char sid[65], pidbuf[16], startbuf[32];
	const char *argv[48];
	size_t n = 0;
	int fds[2], r;

	if (!opts->args || !opts->args[0])
		return berr(err, EINVAL, "exec requires a command to run");
	r = ctr_get(ctx, s, ref, &c, err);
	if (r < 0)
		return r;
	if (strcmp(c->state, "running") != 0 || !ctr_proc_alive(c->pid, c->pid_start))
		return berr(err, EINVAL,
			    "can only create exec sessions on running containers: container state "
			    "improper");
	r = exec_spec(ctx, c, opts, &spec, err);
	if (r < 0)
		return r;
	if (opts->session)
		snprintf(sid, sizeof(sid), "%s", opts->session);
	else if (random_id(sid) < 0)
		return berr(err, EIO, "cannot read random bytes for a session id");
	userdata = ctr_userdata_path(ctx, c->id);
	/* detached: the monitor's exit command records the exit (attached: ctr_exec_finish()) */
	if (opts->detach && !(exitcmd = ctr_exec_session_exit_command(ctx, c->id, sid)))
		return berr(err, ENOMEM, "out of memory");
	if (!monitor || !userdata || !seccache ||
	    asprintf(&rundir, "%s/containers/%s/exec/%.32s", ctx->runroot, c->id, sid) < 0 ||
	    asprintf(&specpath, "%s/exec.json", rundir) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(rundir, 0700, err);
	if (r < 0)
		return r;
	spectext = json_dumps(spec, JSON_COMPACT);
	if (!spectext)
		return berr(err, ENOMEM, "out of memory");
	r = write_text(rundir, "exec.json", spectext, err);
	if (r < 0)
		return r;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return berr_errno(err, errno, "create a pipe");
	sync_r = fds[0];
	sync_w = fds[1];
	if (!opts->detach) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
			return berr_errno(err, errno, "create the attach socket");
		att_parent = fds[0];
		att_child = fds[1];
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)c->pid);
	snprintf(startbuf, sizeof(startbuf), "%lld", (long long)c->pid_start);
	argv[n++] = monitor;
	argv[n++] = "--id";
	argv[n++] = c->id;
	argv[n++] = "--bundle";
	argv[n++] = userdata;
	argv[n++] = "--rundir";
	argv[n++] = rundir;
	argv[n++] = "--log-driver";
	argv[n++] = "none";
	argv[n++] = "--exec-pid";
	argv[n++] = pidbuf;
	argv[n++] = "--exec-start";
	argv[n++] = startbuf;
	argv[n++] = "--exec-spec";
	argv[n++] = specpath;
	argv[n++] = "--seccomp-cache";
	argv[n++] = seccache;
	argv[n++] = "--sync-fd";
	argv[n++] = "3";
	if (att_child >= 0) {
		argv[n++] = "--attach-fd";
		argv[n++] = "4";
		if (opts->stdin)
			argv[n++] = "--stdin";
	}
	argv[n++] = "--";
	for (size_t i = 0; exitcmd && exitcmd[i] && n < ELEMENTSOF(argv) - 1; i++)
		argv[n++] = exitcmd[i];
	argv[n] = NULL;
	r = run_monitor(monitor, argv, sync_w, att_child, err);
	if (r < 0)
		return r;
	close(TAKE_FD(sync_w));
	close(TAKE_FD(att_child));
	r = read_fd_all(sync_r, SYNC_MAX, &sync_text, NULL, err);
	if (r < 0)
		return r;
	tmp.name = c->name;
	r = parse_sync(sync_text, &tmp, err);
	if (r < 0) {
		rm_rf_at(AT_FDCWD, rundir, NULL);
		return r;
	}
	rec.id = sid;
	rec.container_id = c->id;
	rec.config = spectext;
	rec.pid = tmp.pid;
	rec.running = true;
	r = store_exec_session_put(s, &rec, err);
	if (r < 0)
		return r;
	ctr_exec_session_started(ctx, c, sid);
	if (ret_session && !(*ret_session = strdup(sid)))
		return berr(err, ENOMEM, "out of memory");
	if (ret_attach)
		*ret_attach = TAKE_FD(att_parent);
	return 0;
}

int ctr_exec_finish(struct store *s, const char *session, int exit_code, berth_error *err)
{
	return ctr_exec_session_finish(s, session, exit_code, err);
}
