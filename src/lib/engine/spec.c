/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.c - config.json generation (see spec.h).
 *
 * Theory of operation: start from podman's defaults (mounts, masked paths, capabilities,
 * rlimits), lay the image config over them (env, workdir, user), then the create options
 * (command, env, mounts, limits, security). Every value that comes from the user has been
 * validated by the CLI when it was recorded; here only shapes are checked, so that a store
 * record edited by hand gives an error rather than a crash.
 */
#include "engine/spec.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/macro.h"
#include "util/userns.h"

const char *const spec_default_capabilities[] = {
	"CAP_CHOWN",	"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",	 "CAP_KILL", "CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP",	"CAP_SETGID",	    "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", NULL,
};

/* Every capability the kernel knows, for --privileged and --cap-add ALL. */
static const char *const all_capabilities[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
	"CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON",
	"CAP_BPF", "CAP_CHECKPOINT_RESTORE", NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
	"/sys/dev/block", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	NULL,
};

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },	{ "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },   { "ABRT", SIGABRT },	{ "IOT", SIGIOT },     { "BUS", SIGBUS },
	{ "FPE", SIGFPE },     { "KILL", SIGKILL },	{ "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },	{ "ALRM", SIGALRM },   { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },	{ "CONT", SIGCONT },   { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },	{ "TTOU", SIGTTOU },   { "URG", SIGURG },
	{ "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },		{ "POLL", SIGPOLL },   { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static json_t *idmap_json(const struct userns_idmap *m)
{
	json_t *a = json_array();

	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "containerID",
						   (json_int_t)m->ranges[i].inside, "hostID",
						   (json_int_t)m->ranges[i].outside, "size",
						   (json_int_t)m->ranges[i].count));
	return a;
}

int spec_rootless_maps(uid_t uid, gid_t gid, json_t **ret_uid_map, json_t **ret_gid_map,
		       berth_error *err)
{
	struct userns_mapping map;
	int r = userns_mapping_for_user(uid, gid, NULL, "/etc/subuid", "/etc/subgid", &map, err);

	if (r < 0)
		return r;
	*ret_uid_map = idmap_json(&map.uid);
	*ret_gid_map = idmap_json(&map.gid);
	return 0;
}

int spec_signal_parse(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].num;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool max = strncasecmp(s, "RTMAX", 5) == 0;
		long off = 0;
		if (s[5]) {
			errno = 0;
			off = strtol(s + 5, &end, 10);
			if (errno || *end)
				return -EINVAL;
		}
		n = max ? SIGRTMAX + off : SIGRTMIN + off;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	return -EINVAL;
}

/* ---- small JSON helpers ---- */

static json_t *strv_to_json(const char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool jbool(json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_true(v);
}

static json_t *jarr(json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_array(v) ? v : NULL;
}

/* env_set() - set KEY=VALUE in the array @env, replacing an earlier KEY. */
static void env_set(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t i;
	json_t *v;

	json_array_foreach (env, i, v) {
		const char *s = json_string_value(v);
		if (s && strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

void spec_env_set(json_t *env, const char *kv)
{
	env_set(env, kv);
}

static bool env_has(json_t *env, const char *key)
{
	size_t klen = strlen(key), i;
	json_t *v;

	json_array_foreach (env, i, v) {
		const char *s = json_string_value(v);
		if (s && strncmp(s, key, klen) == 0 && s[klen] == '=')
			return true;
	}
	return false;
}

int spec_process_args(json_t *create, json_t *image, json_t **ret, berth_error *err)
{
	json_t *ep = jarr(create, "entrypoint"), *cmd = jarr(create, "command");
	json_t *args = json_array(), *v;
	size_t i;

	if (!args)
		return berr(err, ENOMEM, "out of memory");
	if (!ep)
		ep = jarr(image, "Entrypoint");
	else if (!cmd || json_array_size(cmd) == 0)
		cmd = NULL; /* --entrypoint drops the image's Cmd, as podman does */
	if (!cmd && !jarr(create, "entrypoint"))
		cmd = jarr(image, "Cmd");
	json_array_foreach (ep, i, v)
		json_array_append(args, v);
	json_array_foreach (cmd, i, v)
		json_array_append(args, v);
	if (json_array_size(args) == 0) {
		json_decref(args);
		return berr(err, EINVAL,
			    "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
	}
	*ret = args;
	return 0;
}

/* ---- users ---- */

/* find_entry() - the line of an /etc/passwd-style file whose field 0 (or field 2) matches. */
static bool find_entry(const char *content, const char *key, bool by_id, char fields[7][256],
		       int nfields)
{
	for (const char *line = content; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		int f = 0;
		size_t start = 0;

		for (int k = 0; k < nfields; k++)
			fields[k][0] = '\0';
		for (size_t i = 0; i <= len && f < nfields; i++) {
			if (i == len || line[i] == ':') {
				size_t fl = i - start;
				if (fl >= 256)
					fl = 255;
				memcpy(fields[f], line + start, fl);
				fields[f][fl] = '\0';
				f++;
				start = i + 1;
			}
		}
		if (f >= 3 && strcmp(fields[by_id ? 2 : 0], key) == 0)
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool parse_id(const char *s, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xfffffffeUL)
		return false;
	*ret = v;
	return true;
}

int spec_user_lookup(const char *spec, const char *passwd, const char *group,
		     struct spec_user *ret, berth_error *err)
{
	char user[256], fields[7][256];
	const char *colon, *grp;
	struct spec_user u = { 0 };
	unsigned long id;
	bool have_gid = false;

	if (!spec || !*spec)
		spec = "0";
	colon = strchr(spec, ':');
	grp = colon ? colon + 1 : NULL;
	snprintf(user, sizeof(user), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (!*user)
		snprintf(user, sizeof(user), "0");
	if (parse_id(user, &id)) {
		u.uid = (uid_t)id;
		if (passwd && find_entry(passwd, user, true, fields, 7)) {
			if (parse_id(fields[3], &id)) {
				u.gid = (gid_t)id;
				have_gid = true;
			}
			snprintf(u.home, sizeof(u.home), "%s", fields[5]);
		} else {
			u.unlisted = passwd != NULL;
		}
	} else {
		if (!passwd || !find_entry(passwd, user, false, fields, 7) ||
		    !parse_id(fields[2], &id))
			return berr(err, ENOENT,
				    "unable to find user %s: no matching entries in passwd file", user);
		u.uid = (uid_t)id;
		if (parse_id(fields[3], &id)) {
			u.gid = (gid_t)id;
			have_gid = true;
		}
		snprintf(u.home, sizeof(u.home), "%s", fields[5]);
	}
	if (grp && *grp) {
		if (parse_id(grp, &id)) {
			u.gid = (gid_t)id;
		} else if (group && find_entry(group, grp, false, fields, 4) &&
			   parse_id(fields[2], &id)) {
			u.gid = (gid_t)id;
		} else {
			return berr(err, ENOENT,
				    "unable to find group %s: no matching entries in group file", grp);
		}
	} else if (!have_gid) {
		u.gid = 0;
	}
	if (!u.home[0])
		snprintf(u.home, sizeof(u.home), "%s", u.uid == 0 ? "/root" : "/");
	*ret = u;
	return 0;
}

/* ---- mounts ---- */

static json_t *mount_new(const char *dest, const char *type, const char *src,
			 const char *const *opts)
{
	json_t *m = json_object();

	json_object_set_new(m, "destination", json_string(dest));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", json_string(src));
	json_object_set_new(m, "options", strv_to_json(opts));
	return m;
}

static bool mount_has_dest(json_t *mounts, const char *dest)
{
	size_t i;
	json_t *m;

	json_array_foreach (mounts, i, m) {
		const char *d = jstr(m, "destination");
		if (d && strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

static json_t *default_mounts(const struct spec_input *in, bool host_net)
{
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
					     NULL };
	static const char *const pts_o[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
					     "mode=0620", "gid=5", NULL };
	static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cg_o[] = { "rprivate", "nosuid", "noexec", "nodev", "relatime",
					    "ro", NULL };
	char shm_size[40];
	const char *shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL };
	static const char *const bind_o[] = { "rbind", "rprivate", "nosuid", "noexec", "nodev",
					      NULL };
	static const char *const bind_ro[] = { "rbind", "rprivate", "nosuid", "noexec", "nodev",
					       "ro", NULL };
	static const char *const rsys_o[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
	static const struct {
		const char *dest, *file;
	} etc[] = {
		{ "/etc/hostname", "hostname" },
		{ "/etc/hosts", "hosts" },
		{ "/etc/resolv.conf", "resolv.conf" },
		{ "/run/.containerenv", ".containerenv" },
	};
	json_t *m = json_array(), *shm = json_object_get(in->create, "shm_size");
	char path[4096];

	/* podman's default 64m; --shm-size 0 is tmpfs's "size=0": no limit */
	snprintf(shm_size, sizeof(shm_size), "size=%lld",
		 json_is_integer(shm) ? (long long)json_integer_value(shm) : 64LL << 20);
	json_array_append_new(m, mount_new("/proc", "proc", "proc", proc_o));
	json_array_append_new(m, mount_new("/dev", "tmpfs", "tmpfs", dev_o));
	json_array_append_new(m, mount_new("/dev/pts", "devpts", "devpts", pts_o));
	json_array_append_new(m, mount_new("/dev/mqueue", "mqueue", "mqueue", mq_o));
	/* A rootless container in the host's netns cannot mount sysfs: bind the host's. */
	if (in->uid_map && host_net)
		json_array_append_new(m, mount_new("/sys", "bind", "/sys", rsys_o));
	else
		json_array_append_new(m, mount_new("/sys", "sysfs", "sysfs", sys_o));
	json_array_append_new(m, mount_new("/sys/fs/cgroup", "cgroup", "cgroup", cg_o));
	json_array_append_new(m, mount_new("/dev/shm", "tmpfs", "shm", shm_o));
	for (size_t i = 0; in->userdata && i < ELEMENTSOF(etc); i++) {
		if (i == 1 && jbool(in->create, "no_hosts"))
			continue; /* containers.conf no_hosts: the image's own /etc/hosts */
		snprintf(path, sizeof(path), "%s/%s", in->userdata, etc[i].file);
		json_array_append_new(m, mount_new(etc[i].dest, "bind", path,
						    i == 3 ? bind_ro : bind_o));
	}
	if (in->userdata && in->user.unlisted) {
		snprintf(path, sizeof(path), "%s/passwd", in->userdata);
		json_array_append_new(m, mount_new("/etc/passwd", "bind", path, bind_o));
	}
	return m;
}

static int add_user_mounts(json_t *mounts, json_t *create, berth_error *err)
{
	json_t *list = jarr(create, "mounts"), *tmpfs = jarr(create, "tmpfs"), *v;
	size_t i;

	json_array_foreach (list, i, v) {
		const char *dest = jstr(v, "destination");
		if (!dest || dest[0] != '/' || !jstr(v, "source"))
			return berr(err, EINVAL, "mount %zu of the container record is malformed", i);
	}
	json_array_foreach (tmpfs, i, v) {
		const char *dest = jstr(v, "destination");
		if (!dest || dest[0] != '/')
			return berr(err, EINVAL, "tmpfs %zu of the container record is malformed", i);
	}
	/* User mounts replace defaults at the same destination. */
	for (size_t k = json_array_size(mounts); k-- > 0;) {
		const char *d = jstr(json_array_get(mounts, k), "destination");
		if (mount_has_dest(list, d) || mount_has_dest(tmpfs, d))
			json_array_remove(mounts, k);
	}
	json_array_foreach (tmpfs, i, v) {
		json_t *o = jarr(v, "options");
		json_t *m = json_object();
		json_object_set_new(m, "destination", json_string(jstr(v, "destination")));
		json_object_set_new(m, "type", json_string("tmpfs"));
		json_object_set_new(m, "source", json_string("tmpfs"));
		json_object_set_new(m, "options", o ? json_deep_copy(o) : json_array());
		json_array_append_new(mounts, m);
	}
	json_array_foreach (list, i, v) {
		json_t *m = json_deep_copy(v);
		if (!json_object_get(m, "type"))
			json_object_set_new(m, "type", json_string("bind"));
		if (!jarr(m, "options"))
			json_object_set_new(m, "options", json_array());
		json_array_append_new(mounts, m);
	}
	return 0;
}

/* ---- devices ---- */

/*
 * add_devices() - --device and containers.conf devices. Real root: a linux.devices node
 * (made with mknod, owner and mode of the host's) and a cgroup rule allowing it. In a user
 * namespace mknod is refused, so the host's node is bind-mounted instead, as podman does.
 */
static int add_devices(const struct spec_input *in, json_t *mounts, json_t *linux_,
		       berth_error *err)
{
	static const char *const bind_o[] = { "rbind", "rprivate", "nosuid", "noexec", NULL };
	static const char *const bind_ro[] = { "rbind", "rprivate", "nosuid", "noexec", "ro",
					       NULL };
	json_t *list = jarr(in->create, "devices"), *v;
	json_t *res = json_object_get(linux_, "resources"), *nodes, *rules;
	size_t i;

	if (json_array_size(list) == 0)
		return 0;
	nodes = json_array();
	json_object_set_new(linux_, "devices", nodes);
	rules = json_object_get(res, "devices");
	json_array_foreach (list, i, v) {
		const char *src = jstr(v, "source"), *dst = jstr(v, "destination");
		const char *perms = jstr(v, "permissions") ?: "rwm";
		struct stat st;

		if (!src || !dst || dst[0] != '/')
			return berr(err, EINVAL, "device %zu of the container record is malformed", i);
		if (stat(src, &st) < 0)
			return berr_errno(err, errno, "device %s", src);
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return berr(err, EINVAL, "device %s is not a device node", src);
		if (in->uid_map) {
			for (size_t k = json_array_size(mounts); k-- > 0;)
				if (strcmp(jstr(json_array_get(mounts, k), "destination") ?: "", dst) == 0)
					json_array_remove(mounts, k);
			json_array_append_new(mounts, mount_new(dst, "bind", src,
								 strchr(perms, 'w') ? bind_o : bind_ro));
			continue;
		}
		const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
		json_array_append_new(
		    nodes, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", dst, "type", type,
				     "major", (json_int_t)major(st.st_rdev), "minor",
				     (json_int_t)minor(st.st_rdev), "fileMode",
				     (json_int_t)(st.st_mode & 07777), "uid", (json_int_t)st.st_uid,
				     "gid", (json_int_t)st.st_gid));
		if (!rules) {
			rules = json_array();
			json_object_set_new(res, "devices", rules);
		}
		json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
						       type, "major", (json_int_t)major(st.st_rdev),
						       "minor", (json_int_t)minor(st.st_rdev),
						       "access", perms));
	}
	return 0;
}

/* ---- capabilities ---- */

static bool cap_in(json_t *list, const char *cap)
{
	size_t i;
	json_t *v;

	json_array_foreach (list, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (strcasecmp(s, "ALL") == 0 || strcasecmp(s, cap) == 0 ||
		    (strncasecmp(cap, "CAP_", 4) == 0 && strcasecmp(s, cap + 4) == 0))
			return true;
	}
	return false;
}

static json_t *capabilities(json_t *create)
{
	json_t *add = jarr(create, "cap_add"), *drop = jarr(create, "cap_drop");
	json_t *set = json_array(), *caps = json_object();
	json_t *defaults = jarr(create, "default_caps"); /* containers.conf's, replacing ours */
	bool priv = jbool(create, "privileged");

	for (const char *const *c = all_capabilities; *c; c++) {
		bool on = priv || (defaults && cap_in(defaults, *c));
		for (const char *const *d = spec_default_capabilities; !defaults && !on && *d; d++)
			on = strcmp(*d, *c) == 0;
		if (cap_in(add, *c))
			on = true;
		if (!priv && cap_in(drop, *c))
			on = false;
		if (on)
			json_array_append_new(set, json_string(*c));
	}
	json_object_set(caps, "bounding", set);
	json_object_set(caps, "effective", set);
	json_object_set(caps, "permitted", set);
	json_object_set_new(caps, "inheritable", json_array());
	json_object_set_new(caps, "ambient", json_array());
	json_decref(set);
	return caps;
}

/* ---- rlimits and resources ---- */

static json_t *rlimit_new(const char *type, uint64_t soft, uint64_t hard)
{
	return json_pack("{s:s, s:I, s:I}", "type", type, "soft", (json_int_t)soft, "hard",
			 (json_int_t)hard);
}

static json_t *rlimits(json_t *create)
{
	json_t *out = json_array(), *user = jarr(create, "ulimits"), *v;
	struct rlimit rl;
	size_t i;

	/* podman raises nofile and nproc to the maximum; never above the hard limit we hold. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		uint64_t h = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
		if (h > 1048576)
			h = 1048576;
		json_array_append_new(out, rlimit_new("RLIMIT_NOFILE", h, h));
	}
	if (getrlimit(RLIMIT_NPROC, &rl) == 0) {
		uint64_t h = rl.rlim_max == RLIM_INFINITY ? 4194304 : rl.rlim_max;
		json_array_append_new(out, rlimit_new("RLIMIT_NPROC", h, h));
	}
	json_array_foreach (user, i, v) {
		const char *type = jstr(v, "type");
		if (!type)
			continue;
		for (size_t k = json_array_size(out); k-- > 0;)
			if (strcmp(jstr(json_array_get(out, k), "type"), type) == 0)
				json_array_remove(out, k);
		json_array_append(out, v);
	}
	return out;
}

static json_t *resources(json_t *create)
{
	json_t *r = json_object(), *v;

	if ((v = json_object_get(create, "memory")) && json_integer_value(v) > 0)
		json_object_set_new(r, "memory", json_pack("{s:I}", "limit", json_integer_value(v)));
	if ((v = json_object_get(create, "cpus")) && json_number_value(v) > 0) {
		json_int_t period = 100000;
		json_int_t quota = (json_int_t)(json_number_value(v) * (double)period + 0.5);
		json_object_set_new(r, "cpu", json_pack("{s:I, s:I}", "quota", quota, "period",
							 period));
	}
	if ((v = json_object_get(create, "pids_limit")) && json_integer_value(v) != 0)
		json_object_set_new(r, "pids", json_pack("{s:I}", "limit", json_integer_value(v)));
	return r;
}

/*
 * sysctls() - containers.conf's default_sysctls. As podman, net.* ones are left out when the
 * container shares another network namespace (the host's, a pod's, another container's): it
 * is not the container's to change, and a rootless one could not.
 */
static json_t *sysctls(json_t *create)
{
	json_t *out = json_object(), *v, *in = json_object_get(create, "sysctls");
	const char *net = jstr(create, "network"), *k;
	bool shared = json_object_get(create, "pod") || json_object_get(create, "join") ||
		      (net && (strcmp(net, "host") == 0 || strncmp(net, "container:", 10) == 0 ||
			       strncmp(net, "ns:", 3) == 0));

	json_object_foreach (in, k, v) {
		if (shared && strncmp(k, "net.", 4) == 0)
			continue;
		json_object_set(out, k, v);
	}
	return out;
}

/* ---- the whole document ---- */

static json_t *process_env(const struct spec_input *in, json_t *create, const char *hostname)
{
	json_t *env = json_array(), *v;
	char buf[512];
	size_t i;

	env_set(env, SPEC_DEFAULT_PATH_ENV);
	if (jbool(create, "tty"))
		env_set(env, "TERM=xterm");
	/* "podman" so software that knows podman (systemd's detection) treats berth the same. */
	env_set(env, "container=podman");
	json_array_foreach (jarr(create, "base_env"), i, v) /* containers.conf's, under the image's */
		if (json_is_string(v))
			env_set(env, json_string_value(v));
	json_array_foreach (jarr(in->image, "Env"), i, v)
		if (json_is_string(v))
			env_set(env, json_string_value(v));
	json_array_foreach (jarr(create, "env"), i, v)
		if (json_is_string(v))
			env_set(env, json_string_value(v));
	if (!env_has(env, "HOME")) {
		snprintf(buf, sizeof(buf), "HOME=%s", in->user.home[0] ? in->user.home : "/root");
		env_set(env, buf);
	}
	if (!env_has(env, "HOSTNAME")) {
		snprintf(buf, sizeof(buf), "HOSTNAME=%s", hostname);
		env_set(env, buf);
	}
	return env;
}

static json_t *namespaces(json_t *create, bool userns)
{
	const char *net = jstr(create, "network");
	json_t *ns = json_array();
	static const char *const types[] = { "pid", "ipc", "uts", "mount", "cgroup" };

	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		json_array_append_new(ns, json_pack("{s:s}", "type", types[i]));
	if (!net || strcmp(net, "host") != 0)
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	if (userns)
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
	return ns;
}

static json_t *annotations(const struct spec_input *in, json_t *create)
{
	json_t *a = json_object(), *user = json_object_get(create, "annotations");

	if (json_is_object(user))
		json_object_update(a, user);
	if (in->lowerdirs) {
		json_t *ld = strv_to_json((const char *const *)in->lowerdirs);
		char *s = json_dumps(ld, JSON_COMPACT);
		json_object_set_new(a, "io.berth.rootfs.lowerdirs", json_string(s ? s : "[]"));
		free(s);
		json_decref(ld);
		if (in->upperdir)
			json_object_set_new(a, "io.berth.rootfs.upperdir", json_string(in->upperdir));
		if (in->workdir)
			json_object_set_new(a, "io.berth.rootfs.workdir", json_string(in->workdir));
		if (in->userxattr)
			json_object_set_new(a, "io.berth.rootfs.userxattr", json_string("true"));
	}
	/* --network pasta[:OPTIONS]: the monitor runs pasta for outbound traffic (engine/pod.h) */
	if (jstr(create, "network") && strncmp(jstr(create, "network"), "pasta", 5) == 0)
		json_object_set_new(a, "io.berth.network.pasta",
				    json_string(jstr(create, "network")[5] == ':'
							? jstr(create, "network") + 6
							: ""));
	/* --network slirp4netns[:OPTIONS]: slirp4netns instead of pasta (network/slirp.h) */
	if (jstr(create, "network") && strncmp(jstr(create, "network"), "slirp4netns", 11) == 0)
		json_object_set_new(a, "io.berth.network.slirp4netns",
				    json_string(jstr(create, "network")[11] == ':'
							? jstr(create, "network") + 12
							: ""));
	/* The monitor publishes these through pasta once the network namespace exists. */
	if (json_array_size(json_object_get(create, "ports")) > 0) {
		char *ports = json_dumps(json_object_get(create, "ports"), JSON_COMPACT);
		json_object_set_new(a, "io.berth.network.ports", json_string(ports ? ports : "[]"));
		free(ports);
	}
	return a;
}

int spec_generate(const struct spec_input *in, json_t **ret, berth_error *err)
{
	json_t *create = in->create;
	json_t *args = NULL, *mounts = NULL, *caps, *process, *linux_, *spec;
	const char *hostname = jstr(create, "hostname"), *cwd = jstr(create, "workdir");
	const char *net = jstr(create, "network");
	char short_id[13];
	bool priv = jbool(create, "privileged"), host_net = net && strcmp(net, "host") == 0;
	int r;

	r = spec_process_args(create, in->image, &args, err);
	if (r < 0)
		return r;
	if (jbool(create, "init")) {
		json_array_insert_new(args, 0, json_string("--"));
		json_array_insert_new(args, 0, json_string(SPEC_INIT_PATH));
	}
	snprintf(short_id, sizeof(short_id), "%.12s", in->id);
	if (!hostname || !*hostname)
		hostname = host_net ? NULL : short_id;
	if (!cwd || !*cwd)
		cwd = jstr(in->image, "WorkingDir");
	if (!cwd || !*cwd)
		cwd = "/";

	mounts = default_mounts(in, host_net);
	r = add_user_mounts(mounts, create, err);
	if (r < 0) {
		json_decref(args);
		json_decref(mounts);
		return r;
	}
	if (jbool(create, "init")) {
		static const char *const init_o[] = { "bind", "ro", "nosuid", "nodev", NULL };
		const char *init = jstr(create, "init_path");
		json_array_append_new(mounts, mount_new(SPEC_INIT_PATH, "bind",
							 init ? init : SPEC_CATATONIT, init_o));
	}

	if (jstr(create, "localtime") && !mount_has_dest(mounts, "/etc/localtime")) {
		static const char *const tz_o[] = { "rbind", "ro", "nosuid", "nodev", NULL };
		json_array_append_new(mounts, mount_new("/etc/localtime", "bind",
							 jstr(create, "localtime"), tz_o));
	}

	caps = capabilities(create);
	process = json_pack("{s:b, s:{s:I, s:I}, s:o, s:o, s:s, s:o, s:o, s:b}",
			    "terminal", jbool(create, "tty"), "user", "uid", (json_int_t)in->user.uid,
			    "gid", (json_int_t)in->user.gid, "args", args, "env",
			    process_env(in, create, hostname ? hostname : short_id), "cwd", cwd,
			    "capabilities", caps, "rlimits", rlimits(create), "noNewPrivileges",
			    jbool(create, "no_new_privileges"));
	if (!process) {
		json_decref(mounts);
		return berr(err, ENOMEM, "out of memory building config.json");
	}
	if (json_is_integer(json_object_get(create, "umask")))
		json_object_set(json_object_get(process, "user"), "umask",
				json_object_get(create, "umask"));

	linux_ = json_pack("{s:o, s:o}", "namespaces", namespaces(create, in->uid_map != NULL),
			   "resources", resources(create));
	if (json_object_size(json_object_get(create, "sysctls")) > 0)
		json_object_set_new(linux_, "sysctl", sysctls(create));
	if ((r = add_devices(in, mounts, linux_, err)) < 0) {
		json_decref(mounts);
		json_decref(process);
		json_decref(linux_);
		return r;
	}
	if (!priv) {
		json_object_set_new(linux_, "maskedPaths", strv_to_json(masked_paths));
		json_object_set_new(linux_, "readonlyPaths", strv_to_json(readonly_paths));
	}
	/*
	 * Root's containers always get a cgroup: it carries the limits and the devices
	 * allow-list, without which CAP_MKNOD would open the host's devices. Rootless
	 * containers get one where the runtime can delegate it (it warns where it cannot).
	 */
	if (!in->uid_map) {
		char cg[96];
		snprintf(cg, sizeof(cg), "berth/%s", in->id);
		json_object_set_new(linux_, "cgroupsPath", json_string(cg));
	}
	if (in->uid_map && in->gid_map) {
		json_object_set(linux_, "uidMappings", in->uid_map);
		json_object_set(linux_, "gidMappings", in->gid_map);
	}
	{
		const char *sc = jstr(create, "seccomp");
		bool unconfined = priv || (sc && strcmp(sc, "unconfined") == 0);
		if (!unconfined && in->seccomp)
			json_object_set(linux_, "seccomp", in->seccomp);
	}

	spec = json_pack("{s:s, s:{s:s, s:b}, s:o, s:o, s:o, s:o}", "ociVersion", "1.0.2-dev",
			 "root", "path", in->rootfs ? in->rootfs : "rootfs", "readonly",
			 jbool(create, "read_only"), "process", process, "mounts", mounts,
			 "annotations", annotations(in, create), "linux", linux_);
	if (!spec)
		return berr(err, ENOMEM, "out of memory building config.json");
	if (hostname)
		json_object_set_new(spec, "hostname", json_string(hostname));
	*ret = spec;
	return 0;
}
