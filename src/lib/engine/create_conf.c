/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_conf.c - containers.conf's defaults under a container's create options (the CLI's
 * create/run and the REST API's create), and the env, volume and ulimit parsers they share.
 */
#include "engine/create_conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config/containers_conf.h"
#include "engine/container_volume.h"
#include "engine/spec.h"
#include "util/log.h"
#include "util/macro.h"

static const struct {
	const char *type;
	int resource;
} rlimit_types[] = {
	{ "RLIMIT_CORE", RLIMIT_CORE },	    { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },	    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },   { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },	    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },   { "RLIMIT_AS", RLIMIT_AS },
};

int create_env_add(json_t *env, const char *e)
{
	if (!*e || *e == '=')
		return -EINVAL;
	if (strchr(e, '=')) {
		json_array_append_new(env, json_string(e));
	} else {
		const char *v = getenv(e);
		if (v) {
			_cleanup_free_ char *kv = NULL;
			if (asprintf(&kv, "%s=%s", e, v) < 0)
				return -ENOMEM;
			json_array_append_new(env, json_string(kv));
		}
	}
	return 0;
}

int create_volume_parse(json_t *mounts, const char *spec, berth_error *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *parts[3] = { NULL, NULL, NULL }, *save = NULL;
	json_t *opts;
	int n = 0;

	if (!copy)
		return berr(err, ENOMEM, "out of memory");
	for (char *p = strtok_r(copy, ":", &save); p && n < 3; p = strtok_r(NULL, ":", &save))
		parts[n++] = p;
	if (n < 2)
		return berr(err, EINVAL,
			    "invalid volume \"%s\": use HOST-DIR:CONTAINER-DIR[:OPTIONS]", spec);
	if (parts[0][0] != '/' && !ctr_volume_valid_name(parts[0]))
		return berr(err, EINVAL,
			    "invalid volume \"%s\": the source must be an absolute host path or a "
			    "volume name",
			    spec);
	if (parts[1][0] != '/')
		return berr(err, EINVAL,
			    "invalid volume \"%s\": the container path %s must be absolute", spec,
			    parts[1]);
	opts = json_pack("[s, s]", "rbind", "rprivate");
	if (parts[2]) {
		char *osave = NULL;
		for (char *o = strtok_r(parts[2], ",", &osave); o; o = strtok_r(NULL, ",", &osave)) {
			if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
				json_array_append_new(opts, json_string(o));
			else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
				continue; /* SELinux relabel: nothing to do without SELinux */
			else {
				json_decref(opts);
				return berr(err, EINVAL,
					    "invalid volume \"%s\": unknown option %s (use ro, rw, z "
					    "or Z)",
					    spec, o);
			}
		}
	}
	if (parts[0][0] != '/')
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}", "type", "bind",
							"volume", parts[0], "destination",
							parts[1], "options", opts));
	else
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}", "type", "bind",
							"source", parts[0], "destination",
							parts[1], "options", opts));
	return 0;
}

static const struct {
	const char *name;
	const char *type;
} ulimit_names[] = {
	{ "core", "RLIMIT_CORE" },     { "cpu", "RLIMIT_CPU" },	      { "data", "RLIMIT_DATA" },
	{ "fsize", "RLIMIT_FSIZE" },   { "locks", "RLIMIT_LOCKS" },   { "memlock", "RLIMIT_MEMLOCK" },
	{ "msgqueue", "RLIMIT_MSGQUEUE" }, { "nice", "RLIMIT_NICE" }, { "nofile", "RLIMIT_NOFILE" },
	{ "nproc", "RLIMIT_NPROC" },   { "rss", "RLIMIT_RSS" },	      { "rtprio", "RLIMIT_RTPRIO" },
	{ "rttime", "RLIMIT_RTTIME" }, { "sigpending", "RLIMIT_SIGPENDING" }, { "stack", "RLIMIT_STACK" },
	{ "as", "RLIMIT_AS" },
};

int create_ulimit_parse(json_t *list, const char *spec, bool clamp, berth_error *err)
{
	const char *eq = strchr(spec, '=');
	long long soft, hard;
	char *end;
	const char *type = NULL;

	if (!eq)
		return berr(err, EINVAL, "invalid --ulimit %s: use NAME=SOFT[:HARD]", spec);
	for (size_t i = 0; i < ELEMENTSOF(ulimit_names); i++)
		if (strlen(ulimit_names[i].name) == (size_t)(eq - spec) &&
		    strncmp(spec, ulimit_names[i].name, (size_t)(eq - spec)) == 0)
			type = ulimit_names[i].type;
	if (!type)
		return berr(err, EINVAL, "invalid --ulimit %s: unknown limit name", spec);
	errno = 0;
	soft = strtoll(eq + 1, &end, 10);
	if (errno || end == eq + 1 || (*end && *end != ':'))
		return berr(err, EINVAL, "invalid --ulimit %s: use NAME=SOFT[:HARD]", spec);
	hard = soft;
	if (*end == ':') {
		const char *h = end + 1;
		hard = strtoll(h, &end, 10);
		if (errno || end == h || *end)
			return berr(err, EINVAL, "invalid --ulimit %s: use NAME=SOFT[:HARD]", spec);
	}
	if (soft == -1)
		soft = (long long)RLIM_INFINITY;
	if (hard == -1)
		hard = (long long)RLIM_INFINITY;
	if ((unsigned long long)soft > (unsigned long long)hard)
		return berr(err, EINVAL, "invalid --ulimit %s: the soft limit exceeds the hard one",
			    spec);
	if (!clamp && strcmp(type, "RLIMIT_NOFILE") == 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
		    (unsigned long long)hard > rl.rlim_max)
			return berr(err, EPERM,
				    "invalid --ulimit %s: the hard limit is above this host's %llu, "
				    "which berth cannot raise; use a value up to %llu",
				    spec, (unsigned long long)rl.rlim_max,
				    (unsigned long long)rl.rlim_max);
	}
	json_array_append_new(list, json_pack("{s:s, s:I, s:I}", "type", type, "soft",
					      (json_int_t)soft, "hard", (json_int_t)hard));
	return 0;
}

/* The file a bad value most likely came from: the last one read. */
static const char *conf_file(const struct containers_conf *c)
{
	size_t n = 0;

	while (c->files && c->files[n])
		n++;
	return n ? c->files[n - 1] : "containers.conf";
}

static bool has_type(json_t *list, const char *type)
{
	size_t i;
	json_t *v;

	json_array_foreach (list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")) ?: "", type) == 0)
			return true;
	return false;
}

/* Never above the hard limit this process holds: without CAP_SYS_RESOURCE it cannot be raised. */
static void clamp_ulimit(json_t *u)
{
	const char *type = json_string_value(json_object_get(u, "type"));
	struct rlimit rl;

	for (size_t i = 0; i < ELEMENTSOF(rlimit_types); i++) {
		if (strcmp(type, rlimit_types[i].type) != 0 ||
		    getrlimit(rlimit_types[i].resource, &rl) < 0 || rl.rlim_max == RLIM_INFINITY)
			continue;
		const char *keys[] = { "soft", "hard" };
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			json_t *v = json_object_get(u, keys[k]);
			if ((unsigned long long)json_integer_value(v) > rl.rlim_max) {
				log_debug("containers.conf ulimit %s %s lowered to the hard limit %llu",
					  type, keys[k], (unsigned long long)rl.rlim_max);
				json_object_set_new(u, keys[k], json_integer((json_int_t)rl.rlim_max));
			}
		}
	}
}

static int apply_ulimits(const struct containers_conf *c, json_t *create, berth_error *err)
{
	json_t *user = json_object_get(create, "ulimits"), *list = json_array(), *v;
	size_t i;
	int r;

	for (char **u = c->default_ulimits; u && *u; u++) {
		if ((r = create_ulimit_parse(list, *u, true, err)) < 0) {
			json_decref(list);
			return berr_prefix(err, "%s: default_ulimits", conf_file(c));
		}
	}
	json_array_foreach (list, i, v) {
		if (has_type(user, json_string_value(json_object_get(v, "type"))))
			continue; /* --ulimit wins */
		clamp_ulimit(v);
		json_array_append(user, v);
	}
	json_decref(list);
	return 0;
}

/* podman's base environment: containers.conf env, then the host's proxy variables. */
static int apply_env(const struct containers_conf *c, json_t *create, berth_error *err)
{
	static const char *const proxies[] = { "http_proxy", "https_proxy", "ftp_proxy",
					       "no_proxy",   "HTTP_PROXY",  "HTTPS_PROXY",
					       "FTP_PROXY",  "NO_PROXY",    NULL };
	json_t *base = json_array();

	json_object_set_new(create, "base_env", base);
	for (char **e = c->env; e && *e; e++)
		if (create_env_add(base, *e) < 0)
			return berr(err, EINVAL, "%s: env: invalid entry \"%s\"", conf_file(c), *e);
	for (const char *const *p = proxies; c->http_proxy && *p; p++)
		if (getenv(*p))
			create_env_add(base, *p);
	return 0;
}

static json_t *caps_json(char **caps)
{
	json_t *a = json_array();
	char buf[64];

	for (; caps && *caps; caps++) {
		snprintf(buf, sizeof(buf), "CAP_%s", *caps);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static int apply_sysctls(const struct containers_conf *c, json_t *create, berth_error *err)
{
	json_t *obj = json_object();

	json_object_set_new(create, "sysctls", obj);
	for (char **s = c->default_sysctls; s && *s; s++) {
		const char *eq = strchr(*s, '=');
		_cleanup_free_ char *k = eq ? strndup(*s, (size_t)(eq - *s)) : NULL;
		if (!k || !*k)
			return berr(err, EINVAL, "%s: default_sysctls: invalid entry \"%s\": use "
						 "NAME=VALUE", conf_file(c), *s);
		json_object_set_new(obj, k, json_string(eq + 1));
	}
	return 0;
}

static bool mount_dest_taken(json_t *mounts, json_t *m)
{
	const char *d = json_string_value(json_object_get(m, "destination"));
	size_t i;
	json_t *v;

	json_array_foreach (mounts, i, v)
		if (strcmp(json_string_value(json_object_get(v, "destination")) ?: "", d ?: "") == 0)
			return true;
	return false;
}

static int apply_volumes(const struct containers_conf *c, json_t *create, berth_error *err)
{
	json_t *mounts = json_object_get(create, "mounts"), *list = json_array(), *v;
	size_t i;
	int r;

	for (char **m = c->volumes; m && *m; m++) {
		if ((r = create_volume_parse(list, *m, err)) < 0) {
			json_decref(list);
			return berr_prefix(err, "%s: volumes", conf_file(c));
		}
	}
	json_array_foreach (list, i, v)
		if (!mount_dest_taken(mounts, v)) /* -v at the same destination wins */
			json_array_append(mounts, v);
	json_decref(list);
	return 0;
}

int create_size_parse(const char *s, int64_t *ret)
{
	char *end;
	double v;
	int64_t mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'b': mult = 1; break;
	case 'k': mult = 1024; break;
	case 'm': mult = 1024 * 1024; break;
	case 'g': mult = 1024LL * 1024 * 1024; break;
	case 't': mult = 1024LL * 1024 * 1024 * 1024; break;
	default: return -EINVAL;
	}
	if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && end[2] == '\0'))
		return -EINVAL;
	*ret = (int64_t)(v * (double)mult);
	return 0;
}

/* containers.conf devices: under --device, which wins at the same container path. */
static int apply_devices(const struct containers_conf *c, json_t *create, berth_error *err)
{
	json_t *devices = json_object_get(create, "devices"), *list = json_array(), *v;
	size_t i;
	int r;

	if (!devices) {
		devices = json_array();
		json_object_set_new(create, "devices", devices);
	}
	for (char **d = c->devices; d && *d; d++) {
		if ((r = create_device_parse(list, *d, err)) < 0) {
			json_decref(list);
			return berr_prefix(err, "%s: devices", conf_file(c));
		}
	}
	json_array_foreach (list, i, v)
		if (!mount_dest_taken(devices, v))
			json_array_append(devices, v);
	json_decref(list);
	return 0;
}

static int apply_shm_size(const struct containers_conf *c, unsigned given, json_t *create,
			  berth_error *err)
{
	int64_t bytes;

	if ((given & CREATE_GIVEN_SHM_SIZE) || json_object_get(create, "shm_size") || !c->shm_size)
		return 0;
	if (create_size_parse(c->shm_size, &bytes) < 0)
		return berr(err, EINVAL, "%s: shm_size \"%s\" is not a size such as 64m or 65536k",
			    conf_file(c), c->shm_size);
	json_object_set_new(create, "shm_size", json_integer(bytes));
	return 0;
}

/*
 * There is no journald on the hosts berth targets (no systemd): a containers.conf that asks
 * for it (distributions ship such files) must not stop every run, so its containers log to
 * k8s-file, with a warning saying so. --log-driver journald, asked for by hand, is refused.
 */
static void apply_log_driver(const struct containers_conf *c, unsigned given, json_t *create)
{
	if (given & CREATE_GIVEN_LOG_DRIVER)
		return;
	if (strcmp(c->log_driver, "none") == 0)
		json_object_set_new(create, "log_driver", json_string("none"));
	else if (strcmp(c->log_driver, "journald") == 0)
		log_warn("%s: log_driver \"journald\" is not supported by berth (no journald): "
			 "logging to k8s-file instead", conf_file(c));
}

static int apply_annotations(const struct containers_conf *c, json_t *create, berth_error *err)
{
	json_t *ann = json_object_get(create, "annotations");

	for (char **a = c->annotations; a && *a; a++) {
		const char *eq = strchr(*a, '=');
		_cleanup_free_ char *k = eq ? strndup(*a, (size_t)(eq - *a)) : NULL;
		if (!k || !*k)
			return berr(err, EINVAL, "%s: annotations: invalid entry \"%s\": use KEY=VALUE",
				    conf_file(c), *a);
		if (!json_object_get(ann, k))
			json_object_set_new(ann, k, json_string(eq + 1));
	}
	return 0;
}

/* --init: containers.conf's init_path when it exists, else Debian's catatonit. */
static int apply_init(const struct containers_conf *c, unsigned given, json_t *create,
		      berth_error *err)
{
	/* resolved: Debian's /usr/libexec/podman/catatonit is a symlink to /usr/bin/catatonit */
	_cleanup_free_ char *real = c->init_path ? realpath(c->init_path, NULL) : NULL;
	const char *path = real && access(real, X_OK) == 0 ? real : SPEC_CATATONIT;

	if (!(given & CREATE_GIVEN_INIT) && c->init)
		json_object_set_new(create, "init", json_true());
	if (!json_is_true(json_object_get(create, "init")))
		return 0;
	if (access(path, X_OK) < 0)
		return berr(err, ENOENT, "--init needs %s: install Debian's catatonit package", path);
	if (strcmp(path, SPEC_CATATONIT) != 0)
		json_object_set_new(create, "init_path", json_string(path));
	return 0;
}

static int apply_tz(const struct containers_conf *c, json_t *create, berth_error *err)
{
	_cleanup_free_ char *zone = NULL;

	if (!c->tz || !*c->tz)
		return 0;
	if (strcmp(c->tz, "local") == 0)
		zone = strdup("/etc/localtime");
	else if (c->tz[0] == '/' || strstr(c->tz, ".."))
		return berr(err, EINVAL, "%s: tz \"%s\" is not a time zone name such as "
					 "Europe/Berlin", conf_file(c), c->tz);
	else if (asprintf(&zone, "/usr/share/zoneinfo/%s", c->tz) < 0)
		zone = NULL;
	if (!zone)
		return berr(err, ENOMEM, "out of memory");
	/* resolved: the bind mount's source must not be a symlink (/etc/localtime usually is) */
	_cleanup_free_ char *real = realpath(zone, NULL);
	if (!real || access(real, R_OK) < 0)
		return berr_errno(err, errno, "%s: tz \"%s\": cannot read %s", conf_file(c), c->tz,
				  zone);
	json_object_set_new(create, "localtime", json_string(real));
	return 0;
}

static int apply_umask(const struct containers_conf *c, json_t *create, berth_error *err)
{
	char *end;
	long m;

	errno = 0;
	m = strtol(c->umask, &end, 8);
	if (errno || end == c->umask || *end || m < 0 || m > 0777)
		return berr(err, EINVAL, "%s: umask \"%s\" is not an octal mask such as 0022",
			    conf_file(c), c->umask);
	json_object_set_new(create, "umask", json_integer(m));
	return 0;
}

static int apply_dns(const struct containers_conf *c, json_t *create, berth_error *err)
{
	unsigned char addr[sizeof(struct in6_addr)];
	json_t *dns;

	if (!c->dns_servers || !c->dns_servers[0])
		return 0;
	dns = json_array();
	json_object_set_new(create, "dns", dns);
	for (char **d = c->dns_servers; *d; d++) {
		if (inet_pton(AF_INET, *d, addr) != 1 && inet_pton(AF_INET6, *d, addr) != 1)
			return berr(err, EINVAL, "%s: dns_servers: \"%s\" is not an IP address",
				    conf_file(c), *d);
		json_array_append_new(dns, json_string(*d));
	}
	return 0;
}

int create_apply_conf(struct berth_ctx *ctx, unsigned given, json_t *create, berth_error *err)
{
	const struct containers_conf *c;
	int r;

	if ((r = berth_ctx_conf(ctx, &c, err)) < 0)
		return r;
	/* the lists the defaults join (the CLI always has them; an API body may not) */
	if (!json_is_array(json_object_get(create, "ulimits")))
		json_object_set_new(create, "ulimits", json_array());
	if (!json_is_array(json_object_get(create, "mounts")))
		json_object_set_new(create, "mounts", json_array());
	if (!json_is_object(json_object_get(create, "annotations")))
		json_object_set_new(create, "annotations", json_object());
	if ((r = apply_env(c, create, err)) < 0 || (r = apply_ulimits(c, create, err)) < 0 ||
	    (r = apply_sysctls(c, create, err)) < 0 || (r = apply_volumes(c, create, err)) < 0 ||
	    (r = apply_annotations(c, create, err)) < 0 || (r = apply_init(c, given, create, err)) < 0 ||
	    (r = apply_tz(c, create, err)) < 0 || (r = apply_umask(c, create, err)) < 0 ||
	    (r = apply_devices(c, create, err)) < 0 || (r = apply_shm_size(c, given, create, err)) < 0)
		return r;
	apply_log_driver(c, given, create);
	json_object_set_new(create, "default_caps", caps_json(c->default_capabilities));
	/* podman leaves rootless containers without a pids limit under cgroupfs, as berth's. */
	if (!(given & CREATE_GIVEN_PIDS_LIMIT) && !ctx->rootless && c->pids_limit > 0)
		json_object_set_new(create, "pids_limit", json_integer(c->pids_limit));
	if (!json_object_get(create, "log_max_size") && c->log_size_max > 0)
		json_object_set_new(create, "log_max_size", json_integer(c->log_size_max));
	if (!json_object_get(create, "seccomp") && c->seccomp_profile && *c->seccomp_profile &&
	    strcmp(c->seccomp_profile, CONTAINERS_CONF_DEFAULT_SECCOMP) != 0)
		json_object_set_new(create, "seccomp", json_string(c->seccomp_profile));
	if (!(given & CREATE_GIVEN_READ_ONLY) && c->read_only)
		json_object_set_new(create, "read_only", json_true());
	if (!(given & CREATE_GIVEN_STOP_TIMEOUT))
		json_object_set_new(create, "stop_timeout", json_integer(c->stop_timeout));
	if (c->no_hosts)
		json_object_set_new(create, "no_hosts", json_true());
	return apply_dns(c, create, err);
}
