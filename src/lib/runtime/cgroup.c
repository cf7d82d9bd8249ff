/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup.c - the container's cgroup on cgroup v2 (unified), v1, and the hybrid layout of these
 * machines (v1 controllers under /sys/fs/cgroup/<controller>, a cgroup2 at
 * /sys/fs/cgroup/unified holding no useful controller). The runtime uses v1 whenever
 * /sys/fs/cgroup is not itself a cgroup2 mount.
 *
 * linux.cgroupsPath ("berth/<id>") is taken relative to each hierarchy's root. Without it no
 * cgroup is made. Rootless on v1 gets no cgroup (the hierarchies are root's), with a warning, as
 * podman does; rootless on v2 uses the path only when the user may write there (delegation).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "runtime/runtime-internal.h"
#include "util/fileio.h"
#include "util/log.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* cpuacct and blkio only for `stats` (no limits are written there) */
static const char *const v1_controllers[] = {"memory", "cpu", "pids", "devices", "cpuacct", "blkio"};

/*
 * The devices a container may always use (runc's list): mknod of any node, and read/write of
 * null zero full tty random urandom console ptmx, the ptys and /dev/net/tun. Everything else is
 * denied first, so a container holding CAP_MKNOD cannot open the host's disks.
 */
static const char *const default_devices[] = {
    "c *:* m",	 "b *:* m",   "c 1:3 rwm", "c 1:5 rwm",	  "c 1:7 rwm", "c 5:0 rwm",
    "c 1:8 rwm", "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
};

static int write_value(const char *dir, const char *file, const char *value, berth_error *err);

static int apply_devices_v1(const struct runtime_config *cfg, const char *dir, berth_error *err)
{
	int r;

	/* As runc: deny all, the bundle's rules in order, then the defaults on top. */
	if ((r = write_value(dir, "devices.deny", "a", err)) < 0)
		return r;
	for (char **rule = cfg->device_rules; rule && *rule; rule++)
		if ((r = write_value(dir, (*rule)[0] == 'A' ? "devices.allow" : "devices.deny",
				     *rule + 2, err)) < 0)
			return r;
	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++)
		if ((r = write_value(dir, "devices.allow", default_devices[i], err)) < 0)
			return r;
	return 0;
}

static bool cgroup_is_v2(void)
{
	struct statfs fs;

	return statfs(CGROUP_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static const char *rel_path(const struct runtime_config *cfg)
{
	const char *p = cfg->cgroups_path;

	while (p && *p == '/')
		p++;
	return p && *p ? p : NULL;
}

static int write_value(const char *dir, const char *file, const char *value, berth_error *err)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return berr(err, ENAMETOOLONG, "cgroup path %s is too long", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_errno(err, errno, "cgroup: open %s", path);
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		return berr_errno(err, errno, "cgroup: write \"%s\" to %s", value, path);
	return 0;
}

static int prepare_v2(const struct runtime_config *cfg, const char *rel, char ***ret,
		      berth_error *err)
{
	_cleanup_free_ char *dir = NULL;
	char buf[64];
	int r;

	if (asprintf(&dir, CGROUP_ROOT "/%s", rel) < 0)
		return -ENOMEM;
	/* Enable the controllers on every ancestor so the leaf gets memory.max etc. */
	for (char *p = dir + strlen(CGROUP_ROOT); p;) {
		char *next = strchr(p + 1, '/');

		*p = '\0';
		(void)write_value(dir, "cgroup.subtree_control", "+memory +cpu +pids", NULL);
		*p = '/';
		if (next)
			*next = '\0';
		r = mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
		if (r < 0 && geteuid() != 0 && (r == -EACCES || r == -EPERM || r == -EROFS)) {
			log_warn("cgroup %s cannot be created rootless (no delegation): resource "
				 "limits are not applied",
				 dir);
			*ret = NULL;
			return 0;
		}
		if (r < 0)
			return berr_errno(err, -r, "create cgroup %s", dir);
		if (next)
			*next = '/';
		p = next;
	}
	if (cfg->memory_limit > 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, cfg->memory_limit);
		if ((r = write_value(dir, "memory.max", buf, err)) < 0)
			return r;
	}
	if (cfg->cpu_quota > 0 || cfg->cpu_period > 0) {
		if (cfg->cpu_quota > 0)
			snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, cfg->cpu_quota,
				 cfg->cpu_period ? cfg->cpu_period : 100000);
		else
			snprintf(buf, sizeof(buf), "max %" PRIu64, cfg->cpu_period);
		if ((r = write_value(dir, "cpu.max", buf, err)) < 0)
			return r;
	}
	if (cfg->pids_limit > 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, cfg->pids_limit);
		if ((r = write_value(dir, "pids.max", buf, err)) < 0)
			return r;
	}
	*ret = calloc(2, sizeof(char *));
	if (!*ret)
		return -ENOMEM;
	(*ret)[0] = TAKE_PTR(dir);
	return 0;
}

static int prepare_v1(const struct runtime_config *cfg, const char *rel, char ***ret,
		      berth_error *err)
{
	_cleanup_strv_free_ char **dirs = calloc(ELEMENTSOF(v1_controllers) + 1, sizeof(char *));
	size_t n = 0;
	char buf[64];
	int r;

	if (!dirs)
		return -ENOMEM;
	if (geteuid() != 0) {
		log_warn("cgroups v1: rootless containers get no cgroup, so memory, cpu and pids "
			 "limits are not applied");
		*ret = NULL;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
		char *dir;
		struct stat st;
		char hier[64];

		snprintf(hier, sizeof(hier), CGROUP_ROOT "/%s", v1_controllers[i]);
		if (stat(hier, &st) < 0) {
			bool wanted = (i == 0 && cfg->memory_limit) ||
				      (i == 1 && (cfg->cpu_quota || cfg->cpu_period)) ||
				      (i == 2 && cfg->pids_limit) || i == 3;
			if (wanted)
				log_warn("cgroups v1: no %s controller mounted; its limit is not "
					 "applied",
					 v1_controllers[i]);
			continue;
		}
		if (asprintf(&dir, "%s/%s", hier, rel) < 0)
			return -ENOMEM;
		dirs[n++] = dir;
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		if (i == 0 && cfg->memory_limit > 0) {
			snprintf(buf, sizeof(buf), "%" PRId64, cfg->memory_limit);
			if ((r = write_value(dir, "memory.limit_in_bytes", buf, err)) < 0)
				return r;
		}
		if (i == 1 && cfg->cpu_period > 0) {
			snprintf(buf, sizeof(buf), "%" PRIu64, cfg->cpu_period);
			if ((r = write_value(dir, "cpu.cfs_period_us", buf, err)) < 0)
				return r;
		}
		if (i == 1 && cfg->cpu_quota > 0) {
			snprintf(buf, sizeof(buf), "%" PRId64, cfg->cpu_quota);
			if ((r = write_value(dir, "cpu.cfs_quota_us", buf, err)) < 0)
				return r;
		}
		if (i == 2 && cfg->pids_limit > 0) {
			snprintf(buf, sizeof(buf), "%" PRId64, cfg->pids_limit);
			if ((r = write_value(dir, "pids.max", buf, err)) < 0)
				return r;
		}
		if (i == 3 && (r = apply_devices_v1(cfg, dir, err)) < 0)
			return r;
	}
	*ret = n ? TAKE_PTR(dirs) : NULL;
	return 0;
}

int rt_cgroup_prepare(const struct runtime_config *cfg, char ***ret_paths, berth_error *err)
{
	const char *rel = rel_path(cfg);

	*ret_paths = NULL;
	if (!rel) {
		if (cfg->memory_limit || cfg->cpu_quota || cfg->pids_limit)
			log_warn("linux.resources are set but linux.cgroupsPath is not: limits not "
				 "applied");
		return 0;
	}
	return cgroup_is_v2() ? prepare_v2(cfg, rel, ret_paths, err)
			      : prepare_v1(cfg, rel, ret_paths, err);
}

int rt_cgroup_lookup(const struct runtime_config *cfg, char ***ret_paths)
{
	_cleanup_strv_free_ char **dirs = calloc(ELEMENTSOF(v1_controllers) + 1, sizeof(char *));
	const char *rel = rel_path(cfg);
	bool v2 = cgroup_is_v2();
	size_t n = 0;

	*ret_paths = NULL;
	if (!dirs)
		return -ENOMEM;
	if (!rel)
		return 0;
	for (size_t i = 0; i < (v2 ? 1 : ELEMENTSOF(v1_controllers)); i++) {
		struct stat st;
		char *dir;
		int k = v2 ? asprintf(&dir, CGROUP_ROOT "/%s", rel)
			   : asprintf(&dir, CGROUP_ROOT "/%s/%s", v1_controllers[i], rel);

		if (k < 0)
			return -ENOMEM;
		if (stat(dir, &st) < 0) {
			free(dir);
			continue;
		}
		dirs[n++] = dir;
	}
	*ret_paths = n ? TAKE_PTR(dirs) : NULL;
	return 0;
}

int rt_cgroup_enter(char **paths, pid_t pid, berth_error *err)
{
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; paths && paths[i]; i++)
		if ((r = write_value(paths[i], "cgroup.procs", buf, err)) < 0)
			return r;
	return 0;
}

int runtime_cgroup_remove(const struct runtime_config *cfg, berth_error *err)
{
	const char *rel = rel_path(cfg);
	char path[PATH_MAX];

	if (!rel)
		return 0;
	if (cgroup_is_v2()) {
		snprintf(path, sizeof(path), CGROUP_ROOT "/%s", rel);
		if (rmdir(path) < 0 && errno != ENOENT)
			return berr_errno(err, errno, "remove cgroup %s", path);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
		snprintf(path, sizeof(path), CGROUP_ROOT "/%s/%s", v1_controllers[i], rel);
		if (rmdir(path) < 0 && errno != ENOENT)
			return berr_errno(err, errno, "remove cgroup %s", path);
	}
	return 0;
}
