/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - read and validate an OCI runtime-spec config.json into struct runtime_config.
 *
 * Everything is checked here, in the caller's process, so that the container's child only acts:
 * types, absolute paths, known namespace/rlimit/capability names, mapping sanity, limits on sizes.
 * Unknown keys are ignored (the spec allows extensions); known keys with a wrong type are errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "runtime/runtime-internal.h"
#include "util/fileio.h"
#include "util/json_scan.h"

static const struct {
	const char *name;
	int flag;
} ns_table[] = {
    {"user", CLONE_NEWUSER},	 {"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
    {"uts", CLONE_NEWUTS},	 {"ipc", CLONE_NEWIPC},	 {"network", CLONE_NEWNET},
    {"cgroup", CLONE_NEWCGROUP},
};

int rt_ns_index(int flag)
{
	for (size_t i = 0; i < ELEMENTSOF(ns_table); i++)
		if (ns_table[i].flag == flag)
			return (int)i;
	return -1;
}

static const struct {
	const char *name;
	int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

/* Mount options that are flags; everything else is passed to the filesystem as data. */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
	uint64_t attr;
} mount_opts[] = {
    {"ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY},
    {"rw", true, MS_RDONLY, 0},
    {"nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID},
    {"suid", true, MS_NOSUID, 0},
    {"nodev", false, MS_NODEV, MOUNT_ATTR_NODEV},
    {"dev", true, MS_NODEV, 0},
    {"noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {"exec", true, MS_NOEXEC, 0},
    {"sync", false, MS_SYNCHRONOUS, 0},
    {"async", true, MS_SYNCHRONOUS, 0},
    {"dirsync", false, MS_DIRSYNC, 0},
    {"remount", false, MS_REMOUNT, 0},
    {"mand", false, MS_MANDLOCK, 0},
    {"nomand", true, MS_MANDLOCK, 0},
    {"atime", true, MS_NOATIME, 0},
    {"noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME},
    {"diratime", true, MS_NODIRATIME, 0},
    {"nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {"relatime", false, MS_RELATIME, 0},
    {"norelatime", true, MS_RELATIME, 0},
    {"strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME, 0},
    {"bind", false, MS_BIND, 0},
    {"rbind", false, MS_BIND | MS_REC, 0},
};

const char *rt_rlimit_name(int resource)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
		if (rlimit_table[i].resource == resource)
			return rlimit_table[i].name;
	return "RLIMIT_?";
}

static const struct {
	const char *name;
	unsigned long flag;
} propagation_opts[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void mounts_free(struct rt_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].destination);
		free(m[i].type);
		free(m[i].source);
		free(m[i].data);
	}
	free(m);
}

void runtime_config_free(struct runtime_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->bundle);
	strv_free(cfg->args);
	strv_free(cfg->env);
	free(cfg->cwd);
	free(cfg->additional_gids);
	free(cfg->rlimits);
	free(cfg->root_path);
	free(cfg->hostname);
	mounts_free(cfg->mounts, cfg->n_mounts);
	for (size_t i = 0; i < ELEMENTSOF(cfg->ns_path); i++)
		free(cfg->ns_path[i]);
	free(cfg->cgroups_path);
	strv_free(cfg->device_rules);
	for (size_t i = 0; i < cfg->n_devices; i++)
		free(cfg->devices[i].path);
	free(cfg->devices);
	rt_seccomp_free(cfg->seccomp);
	strv_free(cfg->masked_paths);
	strv_free(cfg->readonly_paths);
	strv_free(cfg->sysctl);
	strv_free(cfg->lowerdirs);
	free(cfg->upperdir);
	free(cfg->workdir);
	free(cfg);
}

static void runtime_config_freep(struct runtime_config **p)
{
	runtime_config_free(*p);
}

/* A field of the wrong type is an error; a missing one is NULL. */
static int get_typed(json_t *obj, const char *where, const char *key, json_type type, json_t **ret,
		     berth_error *err)
{
	static const char *const names[] = {"an object",     "an array", "a string",
					    "an integer",    "a number", "true or false",
					    "true or false", "null"};
	json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v)
		return 0;
	bool ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v));
	if (!ok)
		return berr(err, EINVAL, "%s%s must be %s", where, key, names[type]);
	*ret = v;
	return 0;
}

static int get_string(json_t *obj, const char *where, const char *key, bool required, char **ret,
		      berth_error *err)
{
	json_t *v;
	int r = get_typed(obj, where, key, JSON_STRING, &v, err);

	if (r < 0)
		return r;
	if (!v) {
		if (required)
			return berr(err, EINVAL, "%s%s is missing", where, key);
		*ret = NULL;
		return 0;
	}
	if (strlen(json_string_value(v)) != json_string_length(v))
		return berr(err, EINVAL, "%s%s contains a NUL byte", where, key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int get_bool(json_t *obj, const char *where, const char *key, bool *ret, berth_error *err)
{
	json_t *v;
	int r = get_typed(obj, where, key, JSON_TRUE, &v, err);

	if (r < 0)
		return r;
	*ret = v ? json_is_true(v) : false;
	return 0;
}

static int get_int(json_t *obj, const char *where, const char *key, json_int_t min, json_int_t max,
		   bool *ret_present, json_int_t *ret, berth_error *err)
{
	json_t *v;
	int r = get_typed(obj, where, key, JSON_INTEGER, &v, err);

	if (r < 0)
		return r;
	if (ret_present)
		*ret_present = v != NULL;
	if (!v)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return berr(err, ERANGE, "%s%s is out of range (%lld)", where, key,
			    (long long)json_integer_value(v));
	*ret = json_integer_value(v);
	return 0;
}

/* An array of strings into a NULL-terminated vector (NULL if absent). */
static int get_strv(json_t *obj, const char *where, const char *key, size_t max, char ***ret,
		    berth_error *err)
{
	_cleanup_strv_free_ char **v = NULL;
	json_t *arr, *e;
	size_t i;
	int r = get_typed(obj, where, key, JSON_ARRAY, &arr, err);

	*ret = NULL;
	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > max)
		return berr(err, E2BIG, "%s%s has more than %zu entries", where, key, max);
	v = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	json_array_foreach(arr, i, e)
	{
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e))
			return berr(err, EINVAL, "%s%s[%zu] must be a string", where, key, i);
		v[i] = strdup(json_string_value(e));
		if (!v[i])
			return -ENOMEM;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static int check_abs_paths(char **v, const char *what, berth_error *err)
{
	for (size_t i = 0; v && v[i]; i++)
		if (v[i][0] != '/')
			return berr(err, EINVAL, "%s entry \"%s\" is not an absolute path", what,
				    v[i]);
	return 0;
}

static int parse_caps(json_t *proc, struct runtime_config *cfg, berth_error *err)
{
	static const char *const set_names[RT_CAP_NSETS] = {"bounding", "effective", "inheritable",
							    "permitted", "ambient"};
	json_t *caps;
	int r = get_typed(proc, "process.", "capabilities", JSON_OBJECT, &caps, err);

	if (r < 0 || !caps)
		return r;
	cfg->has_caps = true;
	for (int s = 0; s < RT_CAP_NSETS; s++) {
		json_t *arr, *e;
		size_t i;

		r = get_typed(caps, "process.capabilities.", set_names[s], JSON_ARRAY, &arr, err);
		if (r < 0)
			return r;
		json_array_foreach(arr, i, e)
		{
			char lower[64];
			cap_value_t cap;
			const char *name = json_string_value(e);

			if (!name || strlen(name) >= sizeof(lower))
				return berr(
				    err, EINVAL,
				    "process.capabilities.%s[%zu] must be a capability name",
				    set_names[s], i);
			for (size_t k = 0; k <= strlen(name); k++)
				lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32
										   : name[k]);
			if (strncmp(lower, "cap_", 4) != 0 || cap_from_name(lower, &cap) < 0 ||
			    cap < 0 || cap > 63)
				return berr(err, EINVAL,
					    "process.capabilities.%s: unknown capability \"%s\"; "
					    "use names like CAP_CHOWN",
					    set_names[s], name);
			/* Capabilities this kernel does not know are skipped, as runc and crun do.
			 */
			if (!CAP_IS_SUPPORTED(cap))
				continue;
			cfg->caps[s] |= UINT64_C(1) << cap;
		}
	}
	return 0;
}

static int parse_rlimits(json_t *proc, struct runtime_config *cfg, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(proc, "process.", "rlimits", JSON_ARRAY, &arr, err);

	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > ELEMENTSOF(rlimit_table) * 2)
		return berr(err, E2BIG, "process.rlimits has too many entries");
	cfg->rlimits = calloc(json_array_size(arr) + 1, sizeof(*cfg->rlimits));
	if (!cfg->rlimits)
		return -ENOMEM;
	json_array_foreach(arr, i, e)
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *soft = json_object_get(e, "soft"), *hard = json_object_get(e, "hard");
		size_t k;

		if (!json_is_object(e) || !type)
			return berr(err, EINVAL, "process.rlimits[%zu] needs a string \"type\"", i);
		for (k = 0; k < ELEMENTSOF(rlimit_table); k++)
			if (strcmp(rlimit_table[k].name, type) == 0)
				break;
		if (k == ELEMENTSOF(rlimit_table))
			return berr(err, EINVAL, "process.rlimits: unknown type \"%s\"", type);
		/* jansson reads values above INT64_MAX as reals; anything else is an error. */
		if (!json_is_number(soft) || !json_is_number(hard) || json_number_value(soft) < 0 ||
		    json_number_value(hard) < 0)
			return berr(err, EINVAL,
				    "process.rlimits %s needs non-negative soft and hard numbers",
				    type);
		uint64_t s =
		    json_is_integer(soft) ? (uint64_t)json_integer_value(soft) : RLIM_INFINITY;
		uint64_t h =
		    json_is_integer(hard) ? (uint64_t)json_integer_value(hard) : RLIM_INFINITY;
		if (s > h)
			return berr(err, EINVAL,
				    "process.rlimits %s: soft limit %llu is above hard limit %llu",
				    type, (unsigned long long)s, (unsigned long long)h);
		cfg->rlimits[cfg->n_rlimits++] = (struct rt_rlimit){rlimit_table[k].resource, s, h};
	}
	return 0;
}

static int parse_process(json_t *root, struct runtime_config *cfg, berth_error *err)
{
	json_t *proc, *user, *gids, *e;
	json_int_t v;
	size_t i;
	int r;

	r = get_typed(root, "", "process", JSON_OBJECT, &proc, err);
	if (r < 0)
		return r;
	if (!proc)
		return berr(err, EINVAL, "process is missing");
	if ((r = get_bool(proc, "process.", "terminal", &cfg->terminal, err)) < 0 ||
	    (r = get_strv(proc, "process.", "args", RT_MAX_ARGS, &cfg->args, err)) < 0 ||
	    (r = get_strv(proc, "process.", "env", RT_MAX_ARGS, &cfg->env, err)) < 0 ||
	    (r = get_string(proc, "process.", "cwd", true, &cfg->cwd, err)) < 0 ||
	    (r = get_bool(proc, "process.", "noNewPrivileges", &cfg->no_new_privileges, err)) < 0)
		return r;
	if (!cfg->args || !cfg->args[0] || !cfg->args[0][0])
		return berr(err, EINVAL, "process.args is empty; give the command to run");
	if (cfg->cwd[0] != '/')
		return berr(err, EINVAL, "process.cwd \"%s\" is not an absolute path", cfg->cwd);
	if (!cfg->env && !(cfg->env = calloc(1, sizeof(char *))))
		return -ENOMEM;
	for (i = 0; cfg->env[i]; i++)
		if (!strchr(cfg->env[i], '=') || cfg->env[i][0] == '=')
			return berr(err, EINVAL, "process.env entry \"%s\" is not NAME=VALUE",
				    cfg->env[i]);

	r = get_typed(proc, "process.", "user", JSON_OBJECT, &user, err);
	if (r < 0)
		return r;
	cfg->umask = 022;
	if (user) {
		bool have;
		v = 0;
		if ((r = get_int(user, "process.user.", "umask", 0, 0777, &have, &v, err)) < 0)
			return r;
		if (have)
			cfg->umask = (mode_t)v;
		v = 0;
		if ((r = get_int(user, "process.user.", "uid", 0, UINT32_MAX - 1, NULL, &v, err)) <
		    0)
			return r;
		cfg->uid = (uid_t)v;
		v = 0;
		if ((r = get_int(user, "process.user.", "gid", 0, UINT32_MAX - 1, NULL, &v, err)) <
		    0)
			return r;
		cfg->gid = (gid_t)v;
		if ((r = get_typed(user, "process.user.", "additionalGids", JSON_ARRAY, &gids,
				   err)) < 0)
			return r;
		if (gids && json_array_size(gids) > 0) {
			if (json_array_size(gids) > NGROUPS_MAX)
				return berr(err, E2BIG,
					    "process.user.additionalGids has too many entries");
			cfg->additional_gids = calloc(json_array_size(gids), sizeof(gid_t));
			if (!cfg->additional_gids)
				return -ENOMEM;
			json_array_foreach(gids, i, e)
			{
				if (!json_is_integer(e) || json_integer_value(e) < 0 ||
				    json_integer_value(e) >= UINT32_MAX)
					return berr(err, EINVAL,
						    "process.user.additionalGids[%zu] is not a gid",
						    i);
				cfg->additional_gids[cfg->n_additional_gids++] =
				    (gid_t)json_integer_value(e);
			}
		}
	}
	if ((r = parse_caps(proc, cfg, err)) < 0)
		return r;
	return parse_rlimits(proc, cfg, err);
}

static int parse_mount_options(json_t *opts, struct rt_mount *m, size_t idx, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t datalen = 0;
	json_t *e;
	size_t i;

	json_array_foreach(opts, i, e)
	{
		const char *o = json_string_value(e);
		bool known = false;

		if (!o)
			return berr(err, EINVAL, "mounts[%zu].options[%zu] must be a string", idx,
				    i);
		for (size_t k = 0; k < ELEMENTSOF(mount_opts) && !known; k++) {
			if (strcmp(o, mount_opts[k].name) != 0)
				continue;
			known = true;
			if (mount_opts[k].clear) {
				m->flags &= ~mount_opts[k].flag;
			} else {
				m->flags |= mount_opts[k].flag;
				m->attr_set |= mount_opts[k].attr;
			}
		}
		for (size_t k = 0; k < ELEMENTSOF(propagation_opts) && !known; k++)
			if (strcmp(o, propagation_opts[k].name) == 0) {
				known = true;
				m->propagation = propagation_opts[k].flag;
			}
		/* SELinux relabel and idmap requests are podman-level; tolerate as crun does. */
		if (known || strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 ||
		    strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0 ||
		    strcmp(o, "copy-symlink") == 0)
			continue;
		if (strchr(o, ','))
			return berr(err, EINVAL, "mounts[%zu] option \"%s\" contains a comma", idx,
				    o);
		char *nd = realloc(data, datalen + strlen(o) + 2);
		if (!nd)
			return -ENOMEM;
		data = nd;
		if (datalen)
			data[datalen++] = ',';
		memcpy(data + datalen, o, strlen(o) + 1);
		datalen += strlen(o);
	}
	m->data = TAKE_PTR(data);
	return 0;
}

static int parse_mounts(json_t *root, struct runtime_config *cfg, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(root, "", "mounts", JSON_ARRAY, &arr, err);

	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > RT_MAX_MOUNTS)
		return berr(err, E2BIG, "mounts has more than %d entries", RT_MAX_MOUNTS);
	cfg->mounts = calloc(json_array_size(arr) + 1, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return -ENOMEM;
	json_array_foreach(arr, i, e)
	{
		struct rt_mount *m = &cfg->mounts[cfg->n_mounts++];
		json_t *opts;
		char where[32];

		snprintf(where, sizeof(where), "mounts[%zu].", i);
		if (!json_is_object(e))
			return berr(err, EINVAL, "mounts[%zu] must be an object", i);
		if ((r = get_string(e, where, "destination", true, &m->destination, err)) < 0 ||
		    (r = get_string(e, where, "type", false, &m->type, err)) < 0 ||
		    (r = get_string(e, where, "source", false, &m->source, err)) < 0 ||
		    (r = get_typed(e, where, "options", JSON_ARRAY, &opts, err)) < 0)
			return r;
		if (m->destination[0] != '/')
			return berr(err, EINVAL,
				    "mounts[%zu].destination \"%s\" is not an absolute path", i,
				    m->destination);
		if (opts && (r = parse_mount_options(opts, m, i, err)) < 0)
			return r;
		if (!m->type && !(m->flags & MS_BIND))
			return berr(err, EINVAL,
				    "mounts[%zu] (%s) has no type and is not a bind mount", i,
				    m->destination);
		if (m->type && strcmp(m->type, "bind") == 0)
			m->flags |= MS_BIND;
		if (m->flags & MS_BIND) {
			if (!m->source || m->source[0] != '/')
				return berr(
				    err, EINVAL,
				    "mounts[%zu] (%s): a bind mount needs an absolute source path",
				    i, m->destination);
		}
	}
	return 0;
}

static int parse_idmap(json_t *linux_, const char *key, struct userns_idmap *ret, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(linux_, "linux.", key, JSON_ARRAY, &arr, err);

	ret->n = 0;
	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > USERNS_MAX_RANGES)
		return berr(err, E2BIG, "linux.%s has more than %d entries", key,
			    USERNS_MAX_RANGES);
	json_array_foreach(arr, i, e)
	{
		json_int_t c = -1, h = -1, s = -1;
		char where[48];

		snprintf(where, sizeof(where), "linux.%s[%zu].", key, i);
		if ((r = get_int(e, where, "containerID", 0, UINT32_MAX, NULL, &c, err)) < 0 ||
		    (r = get_int(e, where, "hostID", 0, UINT32_MAX, NULL, &h, err)) < 0 ||
		    (r = get_int(e, where, "size", 1, UINT32_MAX, NULL, &s, err)) < 0)
			return r;
		if (c < 0 || h < 0 || s < 0)
			return berr(err, EINVAL, "%s needs containerID, hostID and size", where);
		ret->ranges[ret->n++] =
		    (struct userns_range){(uint32_t)c, (uint32_t)h, (uint32_t)s};
	}
	return userns_idmap_validate(ret, key, err);
}

static int parse_namespaces(json_t *linux_, struct runtime_config *cfg, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(linux_, "linux.", "namespaces", JSON_ARRAY, &arr, err);

	if (r < 0 || !arr)
		return r;
	json_array_foreach(arr, i, e)
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		_cleanup_free_ char *path = NULL;
		char where[40];
		size_t k;

		snprintf(where, sizeof(where), "linux.namespaces[%zu].", i);
		if (!type)
			return berr(err, EINVAL, "%stype must be a string", where);
		for (k = 0; k < ELEMENTSOF(ns_table); k++)
			if (strcmp(ns_table[k].name, type) == 0)
				break;
		if (k == ELEMENTSOF(ns_table))
			return berr(err, EINVAL, "linux.namespaces: unknown type \"%s\"", type);
		if ((cfg->ns_new | cfg->ns_join) & ns_table[k].flag)
			return berr(err, EINVAL, "linux.namespaces: \"%s\" is listed twice", type);
		if ((r = get_string(e, where, "path", false, &path, err)) < 0)
			return r;
		if (path && path[0]) {
			if (path[0] != '/')
				return berr(err, EINVAL, "%spath \"%s\" is not absolute", where,
					    path);
			cfg->ns_join |= ns_table[k].flag;
			cfg->ns_path[k] = TAKE_PTR(path);
		} else {
			cfg->ns_new |= ns_table[k].flag;
		}
	}
	return 0;
}

/* linux.resources.devices into "A c 1:3 rwm" / "D a *:* rwm" lines (allow/deny + v1 syntax). */
static int parse_device_rules(json_t *res, struct runtime_config *cfg, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(res, "linux.resources.", "devices", JSON_ARRAY, &arr, err);

	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > RT_MAX_PATHS)
		return berr(err, E2BIG, "linux.resources.devices has too many entries");
	cfg->device_rules = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!cfg->device_rules)
		return -ENOMEM;
	json_array_foreach(arr, i, e)
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *access = json_string_value(json_object_get(e, "access"));
		json_t *allow = json_object_get(e, "allow"), *maj = json_object_get(e, "major"),
		       *min = json_object_get(e, "minor");
		char smaj[24] = "*", smin[24] = "*";

		if (!json_is_object(e) || !json_is_boolean(allow))
			return berr(err, EINVAL,
				    "linux.resources.devices[%zu] needs \"allow\": true|false", i);
		if (!type || !type[0])
			type = "a";
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return berr(err, EINVAL,
				    "linux.resources.devices[%zu]: type must be a, c or b", i);
		if (!access || !access[0])
			access = "rwm";
		if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return berr(err, EINVAL,
				    "linux.resources.devices[%zu]: access must be made of r, w, m",
				    i);
		if (maj && !json_is_null(maj)) {
			if (!json_is_integer(maj) || json_integer_value(maj) < -1)
				return berr(err, EINVAL, "linux.resources.devices[%zu]: bad major",
					    i);
			if (json_integer_value(maj) >= 0)
				snprintf(smaj, sizeof(smaj), "%lld",
					 (long long)json_integer_value(maj));
		}
		if (min && !json_is_null(min)) {
			if (!json_is_integer(min) || json_integer_value(min) < -1)
				return berr(err, EINVAL, "linux.resources.devices[%zu]: bad minor",
					    i);
			if (json_integer_value(min) >= 0)
				snprintf(smin, sizeof(smin), "%lld",
					 (long long)json_integer_value(min));
		}
		if (asprintf(&cfg->device_rules[i], "%c %s %s:%s %s",
			     json_is_true(allow) ? 'A' : 'D', type, smaj, smin, access) < 0) {
			cfg->device_rules[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* linux.devices: the nodes to create; their cgroup rules come with linux.resources.devices. */
static int parse_devices(json_t *linux_, struct runtime_config *cfg, berth_error *err)
{
	json_t *arr, *e;
	size_t i;
	int r = get_typed(linux_, "linux.", "devices", JSON_ARRAY, &arr, err);

	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > RT_MAX_PATHS)
		return berr(err, E2BIG, "linux.devices has too many entries");
	cfg->devices = calloc(json_array_size(arr) + 1, sizeof(*cfg->devices));
	if (!cfg->devices)
		return -ENOMEM;
	json_array_foreach(arr, i, e)
	{
		struct rt_device *d = &cfg->devices[cfg->n_devices++];
		_cleanup_free_ char *type = NULL;
		json_int_t maj = 0, min = 0, mode = 0666, uid = 0, gid = 0;
		char where[48];

		snprintf(where, sizeof(where), "linux.devices[%zu].", i);
		if (!json_is_object(e))
			return berr(err, EINVAL, "linux.devices[%zu] must be an object", i);
		if ((r = get_string(e, where, "path", true, &d->path, err)) < 0 ||
		    (r = get_string(e, where, "type", true, &type, err)) < 0 ||
		    (r = get_int(e, where, "major", 0, 4095, NULL, &maj, err)) < 0 ||
		    (r = get_int(e, where, "minor", 0, 1048575, NULL, &min, err)) < 0 ||
		    (r = get_int(e, where, "fileMode", 0, 07777, NULL, &mode, err)) < 0 ||
		    (r = get_int(e, where, "uid", 0, UINT32_MAX - 1, NULL, &uid, err)) < 0 ||
		    (r = get_int(e, where, "gid", 0, UINT32_MAX - 1, NULL, &gid, err)) < 0)
			return r;
		if (d->path[0] != '/' || strstr(d->path, "/../") || strcmp(d->path, "/") == 0)
			return berr(err, EINVAL, "%spath \"%s\" must be an absolute path of a file",
				    where, d->path);
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return berr(err, EINVAL, "%stype must be c, b, u or p", where);
		d->type = type[0] == 'u' ? 'c' : type[0];
		d->major = (unsigned)maj;
		d->minor = (unsigned)min;
		d->mode = (mode_t)mode;
		d->uid = (uid_t)uid;
		d->gid = (gid_t)gid;
	}
	return 0;
}

static int parse_resources(json_t *linux_, struct runtime_config *cfg, berth_error *err)
{
	json_t *res, *mem, *cpu, *pids;
	json_int_t v;
	bool have;
	int r = get_typed(linux_, "linux.", "resources", JSON_OBJECT, &res, err);

	if (r < 0 || !res)
		return r;
	if ((r = parse_device_rules(res, cfg, err)) < 0)
		return r;
	if ((r = get_typed(res, "linux.resources.", "memory", JSON_OBJECT, &mem, err)) < 0 ||
	    (r = get_typed(res, "linux.resources.", "cpu", JSON_OBJECT, &cpu, err)) < 0 ||
	    (r = get_typed(res, "linux.resources.", "pids", JSON_OBJECT, &pids, err)) < 0)
		return r;
	if (mem) {
		if ((r = get_int(mem, "linux.resources.memory.", "limit", -1, INT64_MAX, &have, &v,
				 err)) < 0)
			return r;
		if (have && v > 0)
			cfg->memory_limit = v;
	}
	if (cpu) {
		if ((r = get_int(cpu, "linux.resources.cpu.", "quota", -1, INT64_MAX, &have, &v,
				 err)) < 0)
			return r;
		if (have && v > 0)
			cfg->cpu_quota = v;
		if ((r = get_int(cpu, "linux.resources.cpu.", "period", 0, 1000000, &have, &v,
				 err)) < 0)
			return r;
		if (have && v > 0) {
			if (v < 1000)
				return berr(
				    err, EINVAL,
				    "linux.resources.cpu.period must be at least 1000 (us)");
			cfg->cpu_period = (uint64_t)v;
		}
	}
	if (pids) {
		if ((r = get_int(pids, "linux.resources.pids.", "limit", -1, INT64_MAX, &have, &v,
				 err)) < 0)
			return r;
		if (have && v > 0)
			cfg->pids_limit = v;
	}
	return 0;
}

static int parse_sysctl(json_t *linux_, struct runtime_config *cfg, berth_error *err)
{
	json_t *obj, *v;
	const char *key;
	size_t n = 0;
	int r = get_typed(linux_, "linux.", "sysctl", JSON_OBJECT, &obj, err);

	if (r < 0 || !obj)
		return r;
	if (json_object_size(obj) > RT_MAX_PATHS)
		return berr(err, E2BIG, "linux.sysctl has too many entries");
	cfg->sysctl = calloc(2 * json_object_size(obj) + 1, sizeof(char *));
	if (!cfg->sysctl)
		return -ENOMEM;
	json_object_foreach(obj, key, v)
	{
		if (!json_is_string(v))
			return berr(err, EINVAL, "linux.sysctl \"%s\" must be a string", key);
		if (!key[0] || strstr(key, "..") || key[0] == '.' || key[0] == '/' ||
		    strchr(key, '/'))
			return berr(err, EINVAL, "linux.sysctl key \"%s\" is not a sysctl name",
				    key);
		cfg->sysctl[n++] = strdup(key);
		cfg->sysctl[n++] = strdup(json_string_value(v));
		if (!cfg->sysctl[n - 2] || !cfg->sysctl[n - 1])
			return -ENOMEM;
	}
	return 0;
}

static int parse_linux(json_t *root, struct runtime_config *cfg, berth_error *err)
{
	json_t *linux_, *sec;
	int r = get_typed(root, "", "linux", JSON_OBJECT, &linux_, err);

	if (r < 0)
		return r;
	if (!linux_)
		return berr(err, EINVAL, "linux is missing; berth runs Linux containers only");
	if ((r = parse_namespaces(linux_, cfg, err)) < 0 ||
	    (r = parse_idmap(linux_, "uidMappings", &cfg->idmap.uid, err)) < 0 ||
	    (r = parse_idmap(linux_, "gidMappings", &cfg->idmap.gid, err)) < 0 ||
	    (r = parse_resources(linux_, cfg, err)) < 0 || (r = parse_devices(linux_, cfg, err)) < 0 ||
	    (r = get_string(linux_, "linux.", "cgroupsPath", false, &cfg->cgroups_path, err)) < 0 ||
	    (r = get_strv(linux_, "linux.", "maskedPaths", RT_MAX_PATHS, &cfg->masked_paths, err)) <
		0 ||
	    (r = get_strv(linux_, "linux.", "readonlyPaths", RT_MAX_PATHS, &cfg->readonly_paths,
			  err)) < 0 ||
	    (r = check_abs_paths(cfg->masked_paths, "linux.maskedPaths", err)) < 0 ||
	    (r = check_abs_paths(cfg->readonly_paths, "linux.readonlyPaths", err)) < 0 ||
	    (r = parse_sysctl(linux_, cfg, err)) < 0)
		return r;
	if ((cfg->idmap.uid.n > 0) != (cfg->idmap.gid.n > 0))
		return berr(err, EINVAL,
			    "linux.uidMappings and linux.gidMappings must be given together");
	cfg->has_idmap = cfg->idmap.uid.n > 0;
	if (cfg->has_idmap && !(cfg->ns_new & CLONE_NEWUSER))
		return berr(err, EINVAL,
			    "linux.uidMappings are given but no new user namespace is asked for; "
			    "add {\"type\": \"user\"} to linux.namespaces");
	if ((cfg->ns_new & CLONE_NEWUSER) && !cfg->has_idmap)
		return berr(err, EINVAL,
			    "a new user namespace needs linux.uidMappings and linux.gidMappings");
	if (cfg->cgroups_path &&
	    (strstr(cfg->cgroups_path, "..") || strchr(cfg->cgroups_path, ':')))
		return berr(err, EINVAL,
			    "linux.cgroupsPath \"%s\" must be a plain path (no \"..\", no systemd "
			    "slice syntax)",
			    cfg->cgroups_path);
	if (json_is_null(json_object_get(linux_, "seccomp")))
		return 0; /* cut out by split_seccomp(): runtime_config_parse() reads it */
	if ((r = get_typed(linux_, "linux.", "seccomp", JSON_OBJECT, &sec, err)) < 0)
		return r;
	if (sec && (r = rt_seccomp_parse(sec, &cfg->seccomp, err)) < 0)
		return berr_prefix(err, "linux.seccomp");
	return 0;
}

static int parse_annotations(json_t *root, struct runtime_config *cfg, berth_error *err)
{
	json_t *ann, *v;
	const char *lower, *up, *work, *ux;
	json_error_t jerr;
	_cleanup_(json_decrefp_) json_t *arr = NULL;
	int r = get_typed(root, "", "annotations", JSON_OBJECT, &ann, err);

	if (r < 0 || !ann)
		return r;
	json_object_foreach(ann, lower, v) if (!json_is_string(v)) return berr(
	    err, EINVAL, "annotation \"%s\" must be a string", lower);
	lower = json_string_value(json_object_get(ann, "io.berth.rootfs.lowerdirs"));
	up = json_string_value(json_object_get(ann, "io.berth.rootfs.upperdir"));
	work = json_string_value(json_object_get(ann, "io.berth.rootfs.workdir"));
	ux = json_string_value(json_object_get(ann, "io.berth.rootfs.userxattr"));
	cfg->userxattr = ux && strcmp(ux, "true") == 0;
	if (!lower)
		return 0;
	arr = json_loads(lower, 0, &jerr);
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return berr(err, EINVAL,
			    "annotation io.berth.rootfs.lowerdirs must be a non-empty JSON array "
			    "of directories");
	if (json_array_size(arr) > RT_MAX_LAYERS)
		return berr(err, E2BIG, "the image has more than %d layers", RT_MAX_LAYERS);
	json_t *wrap = json_pack("{sO}", "l", arr);
	if (!wrap)
		return -ENOMEM;
	r = get_strv(wrap, "annotation io.berth.rootfs.", "l", RT_MAX_LAYERS, &cfg->lowerdirs, err);
	json_decref(wrap);
	if (r < 0)
		return r;
	for (size_t i = 0; cfg->lowerdirs[i]; i++)
		if (cfg->lowerdirs[i][0] != '/' || strchr(cfg->lowerdirs[i], ','))
			return berr(err, EINVAL,
				    "annotation io.berth.rootfs.lowerdirs entry \"%s\" must be an "
				    "absolute path without commas",
				    cfg->lowerdirs[i]);
	if ((up != NULL) != (work != NULL))
		return berr(
		    err, EINVAL,
		    "annotations io.berth.rootfs.upperdir and .workdir must be given together");
	if (up && (up[0] != '/' || work[0] != '/'))
		return berr(err, EINVAL,
			    "annotations io.berth.rootfs.upperdir/workdir must be absolute");
	if (up && (!(cfg->upperdir = strdup(up)) || !(cfg->workdir = strdup(work))))
		return -ENOMEM;
	return 0;
}

static int parse_root(json_t *root, struct runtime_config *cfg, berth_error *err)
{
	json_t *r_;
	_cleanup_free_ char *path = NULL;
	int r = get_typed(root, "", "root", JSON_OBJECT, &r_, err);

	if (r < 0)
		return r;
	if (!r_)
		return berr(err, EINVAL, "root is missing");
	if ((r = get_string(r_, "root.", "path", true, &path, err)) < 0 ||
	    (r = get_bool(r_, "root.", "readonly", &cfg->root_readonly, err)) < 0)
		return r;
	if (!path[0])
		return berr(err, EINVAL, "root.path is empty");
	if (path[0] == '/') {
		cfg->root_path = TAKE_PTR(path);
	} else if (asprintf(&cfg->root_path, "%s/%s", cfg->bundle, path) < 0) {
		cfg->root_path = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* split_seccomp() - linux.seccomp is most of a config.json (Debian's default profile: ~75%).
 * Its text is the key of the compiled-filter cache, so it is cut out here and parsed only when
 * the cache misses (rt_seccomp_from_text()); the rest, with `null` in its place, goes to
 * jansson. A document the scanner cannot walk is left whole (@ret_rest NULL). */
static int split_seccomp(const char *text, char **ret_rest, const char **ret_sec,
			 size_t *ret_slen)
{
	size_t len = strlen(text), llen, slen, off;
	const char *lin, *sec;
	char *rest;

	if (json_scan_member(text, len, "linux", &lin, &llen) < 0 || *lin != '{' ||
	    json_scan_member(lin, llen, "seccomp", &sec, &slen) < 0 || *sec != '{')
		return 0;
	off = (size_t)(sec - text);
	rest = malloc(len - slen + 5);
	if (!rest)
		return -ENOMEM;
	memcpy(rest, text, off);
	memcpy(rest + off, "null", 4);
	memcpy(rest + off + 4, sec + slen, len - off - slen + 1);
	*ret_rest = rest;
	*ret_sec = sec;
	*ret_slen = slen;
	return 0;
}

int runtime_config_parse(const char *bundle, const char *text, struct runtime_config **ret,
			 berth_error *err)
{
	_cleanup_(runtime_config_freep) struct runtime_config *cfg = NULL;
	_cleanup_(json_decrefp_) json_t *root = NULL;
	_cleanup_free_ char *version = NULL;
	_cleanup_free_ char *rest = NULL;
	const char *sec = NULL;
	size_t slen = 0;
	json_error_t jerr;
	int r;

	r = split_seccomp(text, &rest, &sec, &slen);
	if (r < 0)
		return r;
	root = json_loads(rest ? rest : text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return berr(err, EINVAL, "%s/config.json: line %d: %s", bundle, jerr.line,
			    jerr.text);
	if (!json_is_object(root))
		return berr(err, EINVAL, "%s/config.json is not a JSON object", bundle);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->bundle = strdup(bundle)))
		return -ENOMEM;
	if ((r = get_string(root, "", "ociVersion", true, &version, err)) < 0 ||
	    (strncmp(version, "1.", 2) != 0 &&
	     (r = berr(err, EINVAL, "ociVersion \"%s\" is not a 1.x runtime spec", version)) < 0) ||
	    (r = parse_process(root, cfg, err)) < 0 || (r = parse_root(root, cfg, err)) < 0 ||
	    (r = get_string(root, "", "hostname", false, &cfg->hostname, err)) < 0 ||
	    (r = parse_mounts(root, cfg, err)) < 0 || (r = parse_linux(root, cfg, err)) < 0 ||
	    (r = parse_annotations(root, cfg, err)) < 0 ||
	    (sec && (r = rt_seccomp_from_text(sec, slen, &cfg->seccomp, err)) < 0 &&
	     (r = berr_prefix(err, "linux.seccomp")) < 0))
		return berr_prefix(err, "%s/config.json", bundle);
	if (cfg->hostname && cfg->hostname[0] && !(cfg->ns_new & CLONE_NEWUTS))
		return berr(err, EINVAL,
			    "%s/config.json: hostname is set but no new uts namespace is asked for",
			    bundle);
	if (cfg->lowerdirs && !(cfg->ns_new & CLONE_NEWNS))
		return berr(err, EINVAL,
			    "%s/config.json: an overlay rootfs needs a new mount namespace",
			    bundle);
	*ret = TAKE_PTR(cfg);
	return 0;
}

int runtime_config_load(const char *bundle, struct runtime_config **ret, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_errno(err, errno, "bundle %s", bundle);
	r = read_file_at(dfd, "config.json", RT_CONFIG_MAX_SIZE, &text, NULL, err);
	if (r < 0)
		return berr_prefix(err, "bundle %s", bundle);
	return runtime_config_parse(bundle, text, ret, err);
}
