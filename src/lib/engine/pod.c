/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod.c - pods (see pod.h for the model). Theory of operation:
 *   create: pods row, then the infra container (a record and an OCI bundle whose root is the
 *           shared pause rootfs; no image, no writable layer), then the row's infra_id.
 *   start:  infra first (its monitor starts pasta for the pod's ports), then the members; a
 *           member started alone starts the infra itself (pod_join_resolve()).
 *   stop:   members first, the infra last, so that nothing holds the pod's netns afterwards.
 */
#include "engine/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/container_pause.h"
#include "engine/container_status.h"
#include "engine/spec.h"
#include "store/store-time.h"
#include "util/fileio.h"
#include "util/macro.h"

#define _cleanup_json_	  _cleanup_(json_decrefp) /* jansson's own helper */
#define POD_PAUSE_IMAGE	  "localhost/berth-pause:builtin"
#define POD_MAX_CATATONIT (16u << 20)

static int random_hex(char out[65])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int write_at(int dfd, const char *name, const char *text, mode_t mode, berth_error *err)
{
	return write_file_atomic_at(dfd, name, text, strlen(text), mode, err);
}

/*
 * ensure_pause_rootfs() - <root>/pause/rootfs: the mount points the runtime needs and a copy of
 * catatonit (a copy, not a bind mount, so the infra keeps working if the package is upgraded).
 */
static int ensure_pause_rootfs(struct berth_ctx *ctx, char **ret, berth_error *err)
{
	static const char *const dirs[] = {"proc", "sys", "dev", "etc", "run", "tmp"};
	static const char *const files[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf",
					    "run/.containerenv"};
	_cleanup_free_ char *path = NULL, *bin = NULL;
	_cleanup_close_ int dfd = -1;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/pause/rootfs", ctx->root) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(path, 0755, err);
	if (r < 0)
		return r;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_errno(err, errno, "open %s", path);
	if (faccessat(dfd, "catatonit", X_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
			if (mkdirat(dfd, dirs[i], 0755) < 0 && errno != EEXIST)
				return berr_errno(err, errno, "create %s/%s", path, dirs[i]);
		for (size_t i = 0; i < ELEMENTSOF(files); i++)
			if ((r = write_at(dfd, files[i], "", 0644, err)) < 0)
				return r;
		r = read_file_at(AT_FDCWD, SPEC_CATATONIT, POD_MAX_CATATONIT, &bin, &len, err);
		if (r < 0) {
			berr_prefix(err,
				    "the infra container of a pod runs %s; install Debian's "
				    "catatonit package",
				    SPEC_CATATONIT);
			return r;
		}
		r = write_file_atomic_at(dfd, "catatonit", bin, len, 0755, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(path);
	return 0;
}

static int write_infra_etc(const char *userdata, const char *id, const char *name,
			   const char *hostname, bool rootless, berth_error *err)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *env = NULL, *hn = NULL;
	_cleanup_close_ int dfd = open(userdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd < 0)
		return berr_errno(err, errno, "open %s", userdata);
	if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &resolv, NULL, NULL) < 0)
		resolv = strdup("");
	if (asprintf(
		&hosts,
		"127.0.0.1 localhost localhost.localdomain localhost4 localhost4.localdomain4\n"
		"::1 localhost localhost.localdomain localhost6 localhost6.localdomain6\n"
		"127.0.1.1 %s %s\n",
		hostname, name) < 0)
		hosts = NULL;
	if (asprintf(&env, "engine=\"berth\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\nrootless=%d\n",
		     name, id, POD_PAUSE_IMAGE, rootless ? 1 : 0) < 0)
		env = NULL;
	if (asprintf(&hn, "%s\n", hostname) < 0)
		hn = NULL;
	if (!hosts || !resolv || !env || !hn)
		return berr(err, ENOMEM, "out of memory");
	if ((r = write_at(dfd, "hosts", hosts, 0644, err)) < 0 ||
	    (r = write_at(dfd, "resolv.conf", resolv, 0644, err)) < 0 ||
	    (r = write_at(dfd, ".containerenv", env, 0644, err)) < 0 ||
	    (r = write_at(dfd, "hostname", hn, 0644, err)) < 0)
		return r;
	return 0;
}

/* create_infra() - the infra container of pod @pod_id (record + bundle); @ret_id its id. */
static int create_infra(struct berth_ctx *ctx, struct store *s, const char *pod_id, json_t *opts,
			char **ret_id, berth_error *err)
{
	_cleanup_free_ char *rootfs = NULL, *userdata = NULL, *text = NULL, *cfgtext = NULL;
	_cleanup_json_ json_t *create = NULL, *spec = NULL, *uid_map = NULL, *gid_map = NULL;
	const char *hostname = json_string_value(json_object_get(opts, "hostname"));
	struct spec_input in = {0};
	struct store_container rec = {0};
	char id[65], name[64];
	_cleanup_close_ int dfd = -1;
	int r;

	if (!hostname || !*hostname)
		hostname = json_string_value(json_object_get(opts, "name"));
	r = ensure_pause_rootfs(ctx, &rootfs, err);
	if (r < 0)
		return r;
	if (random_hex(id) < 0)
		return berr(err, EIO, "cannot read random bytes for a container id");
	snprintf(name, sizeof(name), "%.12s-infra", pod_id);
	create = json_pack("{s:s, s:[s,s], s:[], s:s, s:b, s:s, s:s, s:b}", "name", name,
			   "entrypoint", "/catatonit", "-P", "command", "hostname", hostname,
			   "read_only", 1, "image", POD_PAUSE_IMAGE, "pod", pod_id, "infra", 1);
	if (!create)
		return berr(err, ENOMEM, "out of memory");
	if (json_array_size(json_object_get(opts, "ports")) > 0)
		json_object_set(create, "ports", json_object_get(opts, "ports"));
	userdata = ctr_userdata_path(ctx, id);
	if (!userdata)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(userdata, 0700, err);
	if (r < 0)
		return r;
	r = write_infra_etc(userdata, id, name, hostname, ctx->rootless, err);
	if (r < 0)
		goto fail;
	in.id = id;
	in.create = create;
	in.rootfs = rootfs;
	in.userdata = userdata;
	snprintf(in.user.home, sizeof(in.user.home), "/");
	if (ctx->rootless) {
		r = spec_rootless_maps(ctx->uid, ctx->gid, &uid_map, &gid_map, err);
		if (r < 0)
			goto fail;
		in.uid_map = uid_map;
		in.gid_map = gid_map;
	}
	r = spec_generate(&in, &spec, err);
	if (r < 0)
		goto fail;
	text = json_dumps(spec, JSON_INDENT(2));
	cfgtext = json_dumps(create, JSON_COMPACT);
	if (!text || !cfgtext) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	dfd = open(userdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = berr_errno(err, errno, "open %s", userdata);
		goto fail;
	}
	r = write_at(dfd, "config.json", text, 0600, err);
	if (r < 0)
		goto fail;
	rec.id = id;
	rec.name = name;
	rec.image_name = (char *)POD_PAUSE_IMAGE;
	rec.created = ctr_now_ns();
	rec.config = cfgtext;
	rec.state = (char *)"created";
	rec.pod_id = (char *)pod_id;
	r = store_container_add(s, &rec, err);
	if (r < 0)
		goto fail;
	*ret_id = strdup(id);
	return *ret_id ? 0 : berr(err, ENOMEM, "out of memory");
fail:
	rm_rf_at(AT_FDCWD, userdata, NULL);
	return r;
}

int pod_create(struct berth_ctx *ctx, struct store *s, json_t *opts, char **ret_id,
	       berth_error *err)
{
	_cleanup_free_ char *cfgtext = NULL, *infra = NULL, *name = NULL;
	json_t *infra_opt = json_object_get(opts, "infra");
	struct store_pod rec = {0};
	char id[65];
	int r;

	if (random_hex(id) < 0)
		return berr(err, EIO, "cannot read random bytes for a pod id");
	if (json_string_value(json_object_get(opts, "name")))
		name = strdup(json_string_value(json_object_get(opts, "name")));
	else if (asprintf(&name, "pod_%.8s", id) < 0)
		name = NULL;
	if (!name)
		return berr(err, ENOMEM, "out of memory");
	json_object_set_new(opts, "name", json_string(name));
	if (!json_object_get(opts, "share"))
		json_object_set_new(opts, "share", json_pack("[s,s,s]", "ipc", "net", "uts"));
	cfgtext = json_dumps(opts, JSON_COMPACT);
	if (!cfgtext)
		return berr(err, ENOMEM, "out of memory");
	rec.id = id;
	rec.name = name;
	rec.created = ctr_now_ns();
	rec.config = cfgtext;
	r = store_pod_add(s, &rec, err);
	if (r < 0)
		return r;
	if (!infra_opt || json_is_true(infra_opt)) {
		r = create_infra(ctx, s, id, opts, &infra, err);
		if (r >= 0)
			r = store_pod_set_infra(s, id, infra, err);
		if (r < 0) {
			if (infra)
				ctr_remove(ctx, s, infra, true, false, NULL);
			store_pod_delete(s, id, NULL);
			return r;
		}
	}
	*ret_id = strdup(id);
	return *ret_id ? 0 : berr(err, ENOMEM, "out of memory");
}

/* The namespaces a pod's "share" list names, as OCI namespace types. */
static bool pod_shares(json_t *cfg, const char *what)
{
	json_t *v;
	size_t i;

	json_array_foreach (json_object_get(cfg, "share"), i, v) {
		if (strcmp(json_string_value(v) ?: "", what) == 0)
			return true;
	}
	return false;
}

int pod_join_container(struct berth_ctx *ctx, struct store *s, const char *ref, json_t *create,
		       char **ret_pod_id, berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	static const struct {
		const char *share, *type;
	} map[] = {{"net", "network"}, {"uts", "uts"}, {"ipc", "ipc"}};
	json_t *join;
	char target[80];
	int r;

	r = store_pod_lookup(s, ref, &p, err);
	if (r < 0)
		return r;
	cfg = json_loads(p->config ? p->config : "{}", 0, NULL);
	json_object_set_new(create, "pod", json_string(p->id));
	if (p->infra_id) {
		snprintf(target, sizeof(target), "container:%s", p->infra_id);
		join = json_object();
		for (size_t i = 0; i < ELEMENTSOF(map); i++)
			if (pod_shares(cfg, map[i].share))
				json_object_set_new(join, map[i].type, json_string(target));
		/* Rootless: the shared namespaces belong to the infra's user namespace, so the
		 * member joins that too (the runtime joins it first, then creates the rest). */
		if (ctx->rootless && json_object_size(join) > 0)
			json_object_set_new(join, "user", json_string(target));
		json_object_set_new(create, "join", join);
		if (json_object_get(join, "uts"))
			json_object_del(create, "hostname");
	}
	*ret_pod_id = strdup(p->id);
	return *ret_pod_id ? 0 : berr(err, ENOMEM, "out of memory");
}

static const char *proc_ns_name(const char *type)
{
	return strcmp(type, "network") == 0 ? "net" : type;
}

/* The pid to join for "container:<id>": start a stopped pod infra, refuse anything else. */
static int join_target_pid(struct berth_ctx *ctx, struct store *s, const char *ref,
			   const struct store_container *self, pid_t *ret, berth_error *err)
{
	_cleanup_(store_container_freep) struct store_container *t = NULL;
	int r;

	r = ctr_get(ctx, s, ref, &t, err);
	if (r < 0)
		return r;
	if (strcmp(t->state, "running") != 0 && strcmp(t->state, "paused") != 0) {
		if (!self->pod_id || !t->pod_id || strcmp(self->pod_id, t->pod_id) != 0)
			return berr(err, EINVAL,
				    "container %s shares the namespaces of container "
				    "%s, which is not running; start %s first",
				    self->name, t->name, t->name);
		struct ctr_start_opts o = {0};
		r = ctr_start(ctx, s, t->id, &o, NULL, err);
		if (r < 0) {
			berr_prefix(err, "start the infra container of the pod");
			return r;
		}
		store_container_free(t);
		t = NULL;
		r = ctr_get(ctx, s, ref, &t, err);
		if (r < 0)
			return r;
	}
	if (t->pid <= 0)
		return berr(err, ESRCH, "container %s has no process to join", t->name);
	*ret = t->pid;
	return 0;
}

int pod_join_resolve(struct berth_ctx *ctx, struct store *s, const struct store_container *c,
		     berth_error *err)
{
	_cleanup_json_ json_t *create = ctr_config(c), *spec = NULL;
	_cleanup_free_ char *userdata = NULL, *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_t *join = json_object_get(create, "join"), *nss, *v, *e;
	const char *type;
	json_error_t jerr;
	size_t i;
	int r;

	if (!json_is_object(join) || json_object_size(join) == 0)
		return 0;
	userdata = ctr_userdata_path(ctx, c->id);
	if (!userdata)
		return berr(err, ENOMEM, "out of memory");
	dfd = open(userdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_errno(err, errno, "open %s", userdata);
	r = read_file_at(dfd, "config.json", 4 << 20, &text, NULL, err);
	if (r < 0)
		return r;
	spec = json_loads(text, 0, &jerr);
	if (!spec)
		return berr(err, EINVAL, "%s/config.json: %s", userdata, jerr.text);
	nss = json_object_get(json_object_get(spec, "linux"), "namespaces");
	if (!json_is_array(nss))
		return berr(err, EINVAL, "%s/config.json has no linux.namespaces", userdata);
	json_object_foreach (join, type, v)
	{
		const char *want = json_string_value(v);
		char path[4096];
		pid_t pid = 0;

		if (!want)
			continue;
		if (strncmp(want, "container:", 10) == 0) {
			r = join_target_pid(ctx, s, want + 10, c, &pid, err);
			if (r < 0)
				return r;
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
				 proc_ns_name(type));
		} else {
			snprintf(path, sizeof(path), "%s", want);
		}
		if (access(path, F_OK) != 0)
			return berr_errno(err, errno, "container %s: cannot join %s namespace %s",
					  c->name, type, path);
		e = NULL;
		json_array_foreach (nss, i, e) {
			if (strcmp(json_string_value(json_object_get(e, "type")) ?: "", type) == 0)
				break;
		}
		if (i == json_array_size(nss)) {
			e = json_pack("{s:s}", "type", type);
			json_array_append_new(nss, e);
		}
		json_object_set_new(e, "path", json_string(path));
	}
	if (json_object_get(join, "uts"))
		json_object_del(spec, "hostname");
	if (json_object_get(join, "user")) {
		json_object_del(json_object_get(spec, "linux"), "uidMappings");
		json_object_del(json_object_get(spec, "linux"), "gidMappings");
	}
	free(text);
	text = json_dumps(spec, JSON_INDENT(2));
	if (!text)
		return berr(err, ENOMEM, "out of memory");
	return write_at(dfd, "config.json", text, 0600, err);
}

/* The pod's container ids with the infra first; NULL-terminated. */
static int pod_members(struct store *s, const struct store_pod *p, char ***ret, berth_error *err)
{
	char **ids = NULL;
	int r;

	r = store_pod_container_ids(s, p->id, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; p->infra_id && ids[i]; i++)
		if (strcmp(ids[i], p->infra_id) == 0 && i > 0) {
			char *t = ids[0];
			ids[0] = ids[i];
			ids[i] = t;
		}
	*ret = ids;
	return 0;
}

/* the pod @ref (*@ret_pod) and its members' ids (*@ret_ids, as pod_members() gives them) */
static int pod_lookup_members(struct store *s, const char *ref, struct store_pod **ret_pod,
			      char ***ret_ids, berth_error *err)
{
	int r = store_pod_lookup(s, ref, ret_pod, err);

	return r < 0 ? r : pod_members(s, *ret_pod, ret_ids, err);
}

int pod_start(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	struct ctr_start_opts o = {0};
	int r;

	r = pod_lookup_members(s, ref, &p, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		r = ctr_start(ctx, s, ids[i], &o, NULL, err);
		if (r < 0) {
			berr_prefix(err, "start pod %s", p->name);
			return r;
		}
	}
	return 0;
}

int pod_stop(struct berth_ctx *ctx, struct store *s, const char *ref, int timeout, berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	size_t n = 0;
	int r, first = 0;

	r = pod_lookup_members(s, ref, &p, &ids, err);
	if (r < 0)
		return r;
	while (ids[n])
		n++;
	for (size_t i = n; i-- > 0;) {
		r = ctr_stop(ctx, s, ids[i], timeout, err);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

int pod_kill(struct berth_ctx *ctx, struct store *s, const char *ref, int sig, berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	int r, sent = 0;

	r = pod_lookup_members(s, ref, &p, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(store_container_freep) struct store_container *c = NULL;
		if (ctr_get(ctx, s, ids[i], &c, NULL) < 0 || strcmp(c->state, "running") != 0)
			continue;
		r = ctr_kill(ctx, s, ids[i], sig, err);
		if (r < 0)
			return r;
		sent++;
	}
	if (sent == 0)
		return berr(err, EINVAL,
			    "pod %s has no running containers to signal; start it "
			    "first",
			    p->name);
	return 0;
}

int pod_remove(struct berth_ctx *ctx, struct store *s, const char *ref, bool force,
	       berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	size_t n = 0;
	int r;

	r = pod_lookup_members(s, ref, &p, &ids, err);
	if (r < 0)
		return r;
	while (ids[n])
		n++;
	if (!force) {
		for (size_t i = 0; i < n; i++) {
			_cleanup_(store_container_freep) struct store_container *c = NULL;
			bool infra = p->infra_id && strcmp(ids[i], p->infra_id) == 0;
			if (infra || ctr_get(ctx, s, ids[i], &c, NULL) < 0)
				continue;
			/* podman removes stopped members (and the infra) along with the pod */
			if (strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0)
				return berr(err, EBUSY,
					    "pod %s has running containers (%s); stop the pod "
					    "first or use --force",
					    p->name, c->name);
		}
	}
	/* members first: the infra holds the namespaces they joined */
	for (size_t i = n; i-- > 0;) {
		r = ctr_remove(ctx, s, ids[i], true, false, err);
		if (r < 0 && r != -ENOENT) {
			berr_prefix(err, "remove pod %s", p->name);
			return r;
		}
	}
	return store_pod_delete(s, p->id, err);
}

int pod_status(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
	       const char **ret_status, size_t *ret_count, berth_error *err)
{
	_cleanup_strv_free_ char **ids = NULL;
	size_t n = 0, running = 0, paused = 0, created = 0;
	int r;

	r = store_pod_container_ids(s, p->id, &ids, err);
	if (r < 0)
		return r;
	for (; ids[n]; n++) {
		_cleanup_(store_container_freep) struct store_container *c = NULL;
		if (ctr_get(ctx, s, ids[n], &c, NULL) < 0)
			continue;
		if (strcmp(c->state, "running") == 0 && !ctr_paused(c->id))
			running++;
		else if (strcmp(c->state, "paused") == 0 || strcmp(c->state, "running") == 0)
			paused++;
		else if (strcmp(c->state, "created") == 0 || strcmp(c->state, "configured") == 0)
			created++;
	}
	if (n == 0 || created == n)
		*ret_status = "Created";
	else if (running == n)
		*ret_status = "Running";
	else if (paused == n)
		*ret_status = "Paused";
	else if (running + paused > 0)
		*ret_status = "Degraded";
	else
		*ret_status = "Exited";
	*ret_count = n;
	return 0;
}

int pod_inspect_json(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
		     json_t **ret, berth_error *err)
{
	_cleanup_json_ json_t *cfg = json_loads(p->config ? p->config : "{}", 0, NULL);
	_cleanup_strv_free_ char **ids = NULL;
	const char *status;
	size_t n;
	json_t *o, *ctrs, *share = json_array(), *v;
	char created[64];
	size_t i;
	int r;

	r = pod_status(ctx, s, p, &status, &n, err);
	if (r >= 0)
		r = store_pod_container_ids(s, p->id, &ids, err);
	if (r < 0) {
		json_decref(share);
		return r;
	}
	json_array_foreach (json_object_get(cfg, "share"), i, v) {
		json_array_append(share, v);
	}
	store_time_format_local(p->created, created, sizeof(created));
	ctrs = json_array();
	for (i = 0; ids[i]; i++) {
		_cleanup_(store_container_freep) struct store_container *c = NULL;
		if (ctr_get(ctx, s, ids[i], &c, NULL) < 0)
			continue;
		json_array_append_new(ctrs, json_pack("{s:s, s:s, s:s}", "Id", c->id, "Name",
						      c->name, "State", c->state));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:s?, s:o, s:I, s:o}", "Id", p->id,
		      "Name", p->name, "Created", created, "State", status, "Hostname",
		      json_string_value(json_object_get(cfg, "hostname")) ?: p->name, "Labels",
		      json_object_get(cfg, "labels") ? json_incref(json_object_get(cfg, "labels"))
						     : json_object(),
		      "CreateInfra",
		      p->infra_id != NULL, "InfraContainerID", p->infra_id, "SharedNamespaces",
		      share, "NumContainers", (json_int_t)n, "Containers", ctrs);
	if (!o)
		return berr(err, ENOMEM, "out of memory");
	if (json_object_get(cfg, "ports"))
		json_object_set_new(o, "InfraConfig",
				json_pack("{s:O}", "PortBindings", json_object_get(cfg, "ports")));
	*ret = o;
	return 0;
}

int pod_prepare_create(struct berth_ctx *ctx, struct store *s, json_t *create, berth_error *err)
{
	const char *pod = json_string_value(json_object_get(create, "pod_ref"));
	const char *net = json_string_value(json_object_get(create, "network"));
	_cleanup_free_ char *pod_id = NULL, *made = NULL;
	int r;

	if (net && strncmp(net, "container:", 10) == 0) {
		_cleanup_(store_container_freep) struct store_container *t = NULL;
		char target[80];
		if (pod)
			return berr(err, EINVAL,
				    "--network %s cannot be combined with --pod: a pod's "
				    "containers share the pod's network",
				    net);
		r = ctr_get(ctx, s, net + 10, &t, err);
		if (r < 0)
			return r;
		snprintf(target, sizeof(target), "container:%s", t->id);
		json_object_set_new(create, "join", json_pack("{s:s}", "network", target));
		/* rootless: the netns belongs to the other container's user namespace */
		if (ctx->rootless)
			json_object_set_new(json_object_get(create, "join"), "user",
					    json_string(target));
	} else if (net && strncmp(net, "ns:", 3) == 0) {
		if (net[3] != '/')
			return berr(err, EINVAL,
				    "--network %s: the namespace path must be absolute "
				    "(ns:/run/netns/NAME)",
				    net);
		if (access(net + 3, F_OK) != 0)
			return berr_errno(err, errno, "--network %s: cannot use namespace %s", net,
					  net + 3);
		json_object_set_new(create, "join", json_pack("{s:s}", "network", net + 3));
	}
	if (!pod)
		return 0;
	if (json_array_size(json_object_get(create, "ports")) > 0)
		return berr(err, EINVAL,
			    "a container in a pod cannot publish ports: publish them "
			    "with `berth pod create -p` instead");
	if (strncmp(pod, "new:", 4) == 0) {
		_cleanup_json_ json_t *opts = json_pack("{s:s}", "name", pod + 4);
		if (!pod[4])
			return berr(err, EINVAL, "--pod new: needs a pod name (new:NAME)");
		r = pod_create(ctx, s, opts, &made, err);
		if (r < 0)
			return r;
		pod = made;
	}
	r = pod_join_container(ctx, s, pod, create, &pod_id, err);
	if (r < 0) {
		if (made)
			pod_remove(ctx, s, made, true, NULL);
		return r;
	}
	json_object_del(create, "pod_ref");
	return 0;
}

int pod_pause(struct berth_ctx *ctx, struct store *s, const char *ref, bool pause,
	      berth_error *err)
{
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	int r;

	r = pod_lookup_members(s, ref, &p, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(store_container_freep) struct store_container *c = NULL;
		/* the freezer, not the record, says whether a running container is paused */
		if (ctr_get(ctx, s, ids[i], &c, NULL) < 0 || strcmp(c->state, "running") != 0 ||
		    ctr_paused(c->id) == pause)
			continue;
		r = pause ? ctr_pause(ctx, s, ids[i], err) : ctr_unpause(ctx, s, ids[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
