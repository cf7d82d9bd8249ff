/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mounts.c - the container's filesystem, built inside its own mount namespace.
 *
 * Theory of operation. The child makes "/" recursively private, then mounts the rootfs on
 * root.path: an overlay built with the new mount API (fsopen + one "lowerdir+" per layer, so the
 * layer count is not capped by the one-page option string) or a bind of the directory itself.
 * The rootfs is opened once; every destination inside it is resolved with
 * openat2(RESOLVE_IN_ROOT), so a symlink planted in the image cannot send a mount outside the
 * root (CVE-2021-30465 class). Missing mount points are created one component at a time relative
 * to an fd of their resolved parent. Mounts then go onto the resolved fd: bind mounts as a
 * detached tree (open_tree + mount_setattr + move_mount), filesystems through /proc/self/fd/N.
 * /dev gets its nodes (mknod as real root, bind-mounted host nodes in a user namespace), masked
 * and read-only paths are applied as podman does, and finally pivot_root + detach the old root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "util/log.h"

struct mount_ctx {
	const struct runtime_config *cfg;
	bool in_userns;
	int rootfd;
};

static int resolve_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static void fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/*
 * ensure_path() - resolve @path inside the root, creating what is missing (directories, and
 * the last component as an empty file when @dir is false). A dangling symlink on the way is
 * followed inside the root, as runc's MkdirAll does: its target is created there instead.
 * Returns an O_PATH fd or -errno.
 */
static int ensure_path_depth(int rootfd, const char *path, bool dir, int depth, berth_error *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	int fd;

	fd = resolve_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || fd != -ENOENT)
		return fd >= 0 ? fd : berr_errno(err, -fd, "resolve %s in the container", path);
	if (depth > 16)
		return berr(err, ELOOP, "mount point %s: too many levels of symbolic links", path);
	if (len >= sizeof(buf))
		return berr(err, ENAMETOOLONG, "mount point %s is too long", path);
	memcpy(buf, path, len + 1);
	/* Walk each prefix: create the missing one under its resolved parent. */
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		bool last = *p == '\0';
		char save = *p;
		*p = '\0';
		fd = resolve_in_root(rootfd, buf, O_PATH);
		if (fd == -ENOENT) {
			char *slash = strrchr(buf, '/');
			_cleanup_close_ int parent = -1;
			const char *name = slash + 1;
			int r = 0;

			*slash = '\0';
			parent = resolve_in_root(rootfd, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
			*slash = '/';
			if (parent < 0)
				return berr_errno(err, -parent,
						  "resolve the parent of %s in the container", buf);
			if (!last || dir) {
				r = mkdirat(parent, name, 0755) < 0 ? -errno : 0;
			} else {
				/* An O_PATH parent cannot create files: reopen it as a directory.
				 */
				_cleanup_close_ int pdir =
				    openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				int f = pdir < 0 ? -1
						 : openat(pdir, name,
							  O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
							      O_CLOEXEC,
							  0644);
				r = f < 0 ? -errno : 0;
				if (f >= 0)
					close(f);
			}
			if (r == -EEXIST) {
				/* It exists but does not resolve: a dangling symlink. Create its
				 * target. */
				char target[PATH_MAX], next[PATH_MAX];
				ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);
				int k;

				if (n < 0)
					return berr_errno(err, errno,
							  "mount point %s in the container", buf);
				target[n] = '\0';
				*slash = '\0';
				k = target[0] == '/'
					? snprintf(next, sizeof(next), "%s%s%s", target,
						   last ? "" : "/", last ? "" : p + 1)
					: snprintf(next, sizeof(next), "%s/%s%s%s", buf, target,
						   last ? "" : "/", last ? "" : p + 1);
				if (k < 0 || (size_t)k >= sizeof(next))
					return berr(err, ENAMETOOLONG, "mount point %s is too long",
						    path);
				return ensure_path_depth(rootfd, next, dir, depth + 1, err);
			}
			if (r < 0)
				return berr_errno(err, -r, "create mount point %s in the container",
						  buf);
			fd = resolve_in_root(rootfd, buf, O_PATH);
		}
		if (fd < 0)
			return berr_errno(err, -fd, "resolve %s in the container", buf);
		*p = save;
		if (last)
			return fd;
		close(fd);
	}
}

static int ensure_path(int rootfd, const char *path, bool dir, berth_error *err)
{
	return ensure_path_depth(rootfd, path, dir, 0, err);
}

static int mount_tree_onto(int tree, int target, uint64_t attr_set, unsigned long propagation,
			   bool recursive, const char *what, berth_error *err)
{
	if (attr_set || propagation) {
		struct mount_attr attr = {.attr_set = attr_set};

		if (propagation)
			attr.propagation = propagation & ~(unsigned long)MS_REC;
		if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
				  sizeof(attr)) < 0)
			return berr_errno(err, errno, "set mount options on %s", what);
	}
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berr_errno(err, errno, "mount %s", what);
	return 0;
}

/* Bind @source (a host path, or @srcfd when >= 0) onto @target (an fd in the container). */
static int bind_onto(const char *source, int srcfd, int target, bool recursive, uint64_t attr,
		     unsigned long propagation, const char *what, berth_error *err)
{
	_cleanup_close_ int tree = -1;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);

	tree = srcfd >= 0 ? open_tree(srcfd, "", flags | AT_EMPTY_PATH)
			  : open_tree(AT_FDCWD, source, flags);
	if (tree < 0)
		return berr_errno(err, errno, "bind mount source %s for %s",
				  source ? source : "(fd)", what);
	return mount_tree_onto(tree, target, attr, propagation, recursive, what, err);
}

static int mount_fs_at(int target, const char *source, const char *type, unsigned long flags,
		       const char *data, berth_error *err, const char *what)
{
	char p[32];

	fd_path(target, p);
	if (mount(source, p, type, flags, data) < 0)
		return berr_errno(err, errno, "mount %s on %s", type, what);
	return 0;
}

/* data without the "gid=N" option, for devpts in a namespace where gid 5 is not mapped */
static char *strip_gid_option(const char *data)
{
	char *out = strdup(data ? data : ""), *w = out;

	if (!out)
		return NULL;
	for (const char *s = data ? data : ""; *s;) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (strncmp(s, "gid=", 4) != 0) {
			if (w != out)
				*w++ = ',';
			memcpy(w, s, l);
			w += l;
		}
		s += l + (e ? 1 : 0);
	}
	*w = '\0';
	return out;
}

static bool is_dir_path(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int do_mount(struct mount_ctx *c, const struct rt_mount *m, berth_error *err)
{
	_cleanup_close_ int target = -1;
	const char *type = m->type ? m->type : "bind";
	unsigned long flags = m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
	bool bind = m->flags & MS_BIND;
	int r;

	target = ensure_path(c->rootfd, m->destination, bind ? is_dir_path(m->source) : true, err);
	if (target < 0)
		return target;
	if (bind)
		return bind_onto(m->source, -1, target, m->flags & MS_REC, m->attr_set,
				 m->propagation, m->destination, err);

	if (strcmp(type, "sysfs") == 0) {
		r = mount_fs_at(target, "sysfs", "sysfs", flags, m->data, NULL, m->destination);
		/* Without a network namespace of our own a fresh sysfs is refused: bind the host's.
		 */
		if (r == -EPERM || r == -EACCES)
			return bind_onto("/sys", -1, target, true,
					 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC,
					 MS_PRIVATE, m->destination, err);
		return r < 0 ? mount_fs_at(target, "sysfs", "sysfs", flags, m->data, err,
					   m->destination)
			     : 0;
	}
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		/* A pure v2 host: a namespaced cgroup2. v1 and hybrid hierarchies cannot be
		 * recreated in a namespace: show the host's, read-only. */
		struct statfs fs;
		if ((c->cfg->ns_new & CLONE_NEWCGROUP) && statfs("/sys/fs/cgroup", &fs) == 0 &&
		    fs.f_type == CGROUP2_SUPER_MAGIC &&
		    mount_fs_at(target, "cgroup2", "cgroup2", flags, NULL, NULL, m->destination) ==
			0)
			return 0;
		return bind_onto("/sys/fs/cgroup", -1, target, true,
				 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				     MOUNT_ATTR_NOEXEC,
				 MS_PRIVATE, m->destination, err);
	}
	if (strcmp(type, "mqueue") == 0) {
		r = mount_fs_at(target, m->source ? m->source : "mqueue", "mqueue", flags, m->data,
				NULL, m->destination);
		if (r == -EPERM || r == -EACCES)
			return bind_onto("/dev/mqueue", -1, target, true,
					 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
					 MS_PRIVATE, m->destination, err);
		return r < 0 ? mount_fs_at(target, "mqueue", "mqueue", flags, m->data, err,
					   m->destination)
			     : 0;
	}
	if (strcmp(type, "devpts") == 0) {
		r = mount_fs_at(target, m->source ? m->source : "devpts", "devpts", flags, m->data,
				NULL, m->destination);
		if (r == -EINVAL && c->in_userns) {
			_cleanup_free_ char *d = strip_gid_option(m->data);
			if (!d)
				return -ENOMEM;
			return mount_fs_at(target, "devpts", "devpts", flags, d, err,
					   m->destination);
		}
		return r < 0 ? mount_fs_at(target, "devpts", "devpts", flags, m->data, err,
					   m->destination)
			     : 0;
	}
	if (strcmp(type, "proc") == 0 && !(c->cfg->ns_new & CLONE_NEWPID) &&
	    !(c->cfg->ns_join & CLONE_NEWPID)) {
		r = mount_fs_at(target, "proc", "proc", flags, m->data, NULL, m->destination);
		if (r == -EPERM)
			return bind_onto("/proc", -1, target, true,
					 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
					 MS_PRIVATE, m->destination, err);
		if (r == 0)
			return 0;
	}
	/* New mounts under the rprivate root are private already; propagation options only
	 * matter for bind mounts, where mount_setattr() applies them. */
	return mount_fs_at(target, m->source ? m->source : type, type, flags, m->data, err,
			   m->destination);
}

static const struct {
	const char *name;
	unsigned maj, min;
} dev_nodes[] = {
    {"null", 1, 3}, {"zero", 1, 5},   {"full", 1, 7},
    {"tty", 5, 0},  {"random", 1, 8}, {"urandom", 1, 9},
};

static int setup_dev(struct mount_ctx *c, berth_error *err)
{
	_cleanup_close_ int devpath = -1, dev = -1;
	static const char *const links[][2] = {
	    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
	    {"core", "/proc/kcore"},
	};

	devpath = resolve_in_root(c->rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (devpath < 0)
		return berr_errno(err, -devpath, "resolve /dev in the container");
	dev = openat(devpath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dev < 0)
		return berr_errno(err, errno, "open /dev in the container");
	for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
		const char *n = dev_nodes[i].name;

		if (!c->in_userns && geteuid() == 0) {
			if (mknodat(dev, n, S_IFCHR | 0666,
				    makedev(dev_nodes[i].maj, dev_nodes[i].min)) < 0 &&
			    errno != EEXIST)
				return berr_errno(err, errno, "create /dev/%s in the container", n);
			if (fchmodat(dev, n, 0666, 0) < 0)
				return berr_errno(err, errno, "chmod /dev/%s in the container", n);
			continue;
		}
		/* No mknod in a user namespace: bind the host's node onto an empty file. */
		char host[32];
		_cleanup_close_ int target = -1;
		int f = openat(dev, n, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);

		if (f < 0)
			return berr_errno(err, errno, "create /dev/%s in the container", n);
		close(f);
		target = openat(dev, n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (target < 0)
			return berr_errno(err, errno, "open /dev/%s in the container", n);
		snprintf(host, sizeof(host), "/dev/%s", n);
		int r = bind_onto(host, -1, target, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0,
				  host, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "create /dev/%s in the container",
					  links[i][0]);
	/* /dev/ptmx → the container's own devpts instance. */
	struct stat st;
	if (fstatat(dev, "pts/ptmx", &st, 0) == 0 && symlinkat("pts/ptmx", dev, "ptmx") < 0 &&
	    errno != EEXIST)
		return berr_errno(err, errno, "create /dev/ptmx in the container");
	return 0;
}

/* make_node() - mknod linux.devices entry @d under the directory @dir as @name (real root). */
static int make_node(int dir, const char *name, const struct rt_device *d, berth_error *err)
{
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

	/* podman replaces a node of the same name (--device /dev/null:/dev/zero) */
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return berr_errno(err, errno, "device %s: replace what is there", d->path);
	if (mknodat(dir, name, type | d->mode, makedev(d->major, d->minor)) < 0)
		return berr_errno(err, errno, "device %s: mknod", d->path);
	if (fchmodat(dir, name, d->mode, 0) < 0 ||
	    fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "device %s: set its owner and mode", d->path);
	return 0;
}

/*
 * create_devices() - linux.devices. As real root each is a new node; in a user namespace mknod
 * is refused, so the host's node at the same path is bind-mounted, as runc does.
 */
static int create_devices(struct mount_ctx *c, berth_error *err)
{
	for (size_t i = 0; i < c->cfg->n_devices; i++) {
		const struct rt_device *d = &c->cfg->devices[i];
		_cleanup_free_ char *parent = strdup(d->path);
		_cleanup_close_ int pfd = -1, dir = -1, target = -1;
		char *slash = parent ? strrchr(parent, '/') : NULL;

		if (!slash)
			return -ENOMEM;
		if (c->in_userns || geteuid() != 0) {
			target = ensure_path(c->rootfd, d->path, false, err);
			if (target < 0)
				return target;
			int r = bind_onto(d->path, -1, target, false,
					  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, d->path, err);
			if (r < 0)
				return r;
			continue;
		}
		*slash = '\0';
		pfd = ensure_path(c->rootfd, parent[0] ? parent : "/", true, err);
		if (pfd < 0)
			return pfd;
		dir = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return berr_errno(err, errno, "device %s: open its directory", d->path);
		int r = make_node(dir, slash + 1, d, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mask_paths(struct mount_ctx *c, berth_error *err)
{
	for (char **p = c->cfg->masked_paths; p && *p; p++) {
		_cleanup_close_ int fd = resolve_in_root(c->rootfd, *p, O_PATH | O_NOFOLLOW);
		struct stat st;
		int r;

		if (fd == -ENOENT || fd == -ELOOP)
			continue;
		if (fd < 0)
			return berr_errno(err, -fd, "masked path %s", *p);
		if (fstat(fd, &st) < 0)
			return berr_errno(err, errno, "masked path %s", *p);
		if (S_ISDIR(st.st_mode))
			r = mount_fs_at(fd, "tmpfs", "tmpfs",
					MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0", err,
					*p);
		else
			r = bind_onto("/dev/null", -1, fd, false, 0, 0, *p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * write_sysctls() - linux.sysctl, through the container's own /proc (already mounted, in its
 * namespaces) and before readonlyPaths makes /proc/sys read-only, as runc orders it.
 */
static int write_sysctls(struct mount_ctx *c, berth_error *err)
{
	for (char **s = c->cfg->sysctl; s && s[0]; s += 2) {
		char path[PATH_MAX];
		_cleanup_close_ int fd = -1;
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", s[0]);

		if (n < 0 || (size_t)n >= sizeof(path))
			return berr(err, ENAMETOOLONG, "sysctl %s", s[0]);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = resolve_in_root(c->rootfd, path, O_WRONLY | O_NOFOLLOW);
		if (fd < 0)
			return berr_errno(err, -fd, "sysctl %s=%s", s[0], s[1]);
		if (write(fd, s[1], strlen(s[1])) < 0)
			return berr_errno(err, errno, "sysctl %s=%s", s[0], s[1]);
	}
	return 0;
}

static int readonly_paths(struct mount_ctx *c, berth_error *err)
{
	for (char **p = c->cfg->readonly_paths; p && *p; p++) {
		_cleanup_close_ int fd = resolve_in_root(c->rootfd, *p, O_PATH | O_NOFOLLOW);
		int r;

		if (fd == -ENOENT || fd == -ELOOP)
			continue;
		if (fd < 0)
			return berr_errno(err, -fd, "read-only path %s", *p);
		r = bind_onto(NULL, fd, fd, true,
			      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				  MOUNT_ATTR_NOEXEC,
			      0, *p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fs_error(int fsfd, int code, const char *what, berth_error *err)
{
	char msg[256];
	ssize_t n = read(fsfd, msg, sizeof(msg) - 1);

	if (n > 2) {
		msg[n] = '\0';
		if (msg[n - 1] == '\n')
			msg[n - 1] = '\0';
		return berr(err, code, "overlay rootfs: %s: %s (%s)", what, strerror(code),
			    msg + 2);
	}
	return berr_errno(err, code, "overlay rootfs: %s", what);
}

static int mount_overlay(struct mount_ctx *c, berth_error *err)
{
	const struct runtime_config *cfg = c->cfg;
	_cleanup_close_ int fs = -1, mnt = -1;

	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return berr_errno(err, errno,
				  "overlay rootfs: fsopen (is the overlay module loaded?)");
	for (char **l = cfg->lowerdirs; *l; l++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0)
			return fs_error(fs, errno, *l, err);
	if (cfg->upperdir) {
		if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", cfg->upperdir, 0) < 0)
			return fs_error(fs, errno, cfg->upperdir, err);
		if (fsconfig(fs, FSCONFIG_SET_STRING, "workdir", cfg->workdir, 0) < 0)
			return fs_error(fs, errno, cfg->workdir, err);
	}
	if ((cfg->userxattr || c->in_userns) &&
	    fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return fs_error(fs, errno, "userxattr", err);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fs, errno, "create", err);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return fs_error(fs, errno, "fsmount", err);
	if (move_mount(mnt, "", AT_FDCWD, cfg->root_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berr_errno(err, errno, "overlay rootfs: mount on %s", cfg->root_path);
	return 0;
}

int runtime_rootfs_mount(const struct runtime_config *cfg, berth_error *err)
{
	struct mount_ctx c = {.cfg = cfg, .in_userns = false, .rootfd = -1};

	if (!cfg->lowerdirs)
		return berr(err, ENOTSUP, "%s has no overlay rootfs to mount", cfg->root_path);
	return mount_overlay(&c, err);
}

static int pivot(const char *root, berth_error *err)
{
	_cleanup_close_ int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fchdir(fd) < 0)
		return berr_errno(err, errno, "enter the rootfs %s", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berr_errno(err, errno, "pivot_root into %s", root);
	/* The old root is stacked under the new one at "."; detach it. */
	if (umount2(".", MNT_DETACH) < 0)
		return berr_errno(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return berr_errno(err, errno, "chdir /");
	return 0;
}

int rt_mounts_setup(const struct runtime_config *cfg, bool in_userns, berth_error *err)
{
	struct mount_ctx c = {.cfg = cfg, .in_userns = in_userns, .rootfd = -1};
	bool have_dev = false;
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return berr_errno(err, errno, "make / private in the container's mount namespace");
	if (cfg->lowerdirs) {
		r = mount_overlay(&c, err);
		if (r < 0)
			return r;
	} else {
		/* pivot_root needs a mount point: bind the directory onto itself. */
		_cleanup_close_ int tree = open_tree(
		    AT_FDCWD, cfg->root_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (tree < 0 ||
		    move_mount(tree, "", AT_FDCWD, cfg->root_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return berr_errno(err, errno, "rootfs %s", cfg->root_path);
	}
	c.rootfd = open(cfg->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.rootfd < 0)
		return berr_errno(err, errno, "open rootfs %s", cfg->root_path);

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		r = do_mount(&c, &cfg->mounts[i], err);
		if (r < 0)
			goto out;
		if (strcmp(cfg->mounts[i].destination, "/dev") == 0)
			have_dev = true;
	}
	if (have_dev && (r = setup_dev(&c, err)) < 0)
		goto out;
	if ((r = create_devices(&c, err)) < 0)
		goto out;
	if ((r = write_sysctls(&c, err)) < 0 || (r = mask_paths(&c, err)) < 0 ||
	    (r = readonly_paths(&c, err)) < 0)
		goto out;
	if ((r = pivot(cfg->root_path, err)) < 0)
		goto out;
	if (cfg->root_readonly) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
		if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
			r = berr_errno(err, errno, "make the rootfs read-only");
	}
out:
	close(c.rootfd);
	return r;
}
