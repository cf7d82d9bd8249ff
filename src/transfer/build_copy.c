/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build_copy.c - COPY/ADD sources into a staging tree (see build_copy.h).
 *
 * Sources are checked twice: lexically (a path whose ".." climbs above the context root is
 * refused with a message naming it, rather than quietly clamped), then opened with openat2
 * RESOLVE_BENEATH from the context fd, so a symlink in the context that points outside fails
 * too (EXDEV). For COPY --from the source root is an earlier stage's layers mounted read-only,
 * and paths resolve with RESOLVE_IN_ROOT, as inside that image. Everything below a source is
 * walked with *at() calls and O_NOFOLLOW; the staging tree is created the same way, so the
 * destination path cannot be redirected either. Owners are set with fchown (the caller runs
 * this inside the store's user namespace when rootless).
 */
#include "transfer/build_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/layer_extract.h"
#include "util/fileio.h"
#include "util/macro.h"

#define COPY_MAX_DEPTH 256

static int openat2_beneath(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .resolve = resolve };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* ---- .containerignore ------------------------------------------------------------------- */

int bcopy_read_ignore(int ctxfd, char ***ret, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	char **v;
	size_t len = 0, n = 0;
	int r;

	r = read_file_at(ctxfd, ".containerignore", 1u << 20, &data, &len, NULL);
	if (r == -ENOENT)
		r = read_file_at(ctxfd, ".dockerignore", 1u << 20, &data, &len, NULL);
	v = calloc(len / 2 + 2, sizeof(char *));
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	if (r >= 0) {
		for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			size_t e = strlen(l);
			while (*l == ' ' || *l == '\t')
				l++;
			e = strlen(l);
			while (e && (l[e - 1] == ' ' || l[e - 1] == '\t' || l[e - 1] == '\r'))
				l[--e] = '\0';
			if (!*l || *l == '#')
				continue;
			v[n++] = strdup(l);
		}
	}
	*ret = v;
	return 0;
}

static bool ignored(char *const *pats, const char *path)
{
	bool r = false;

	for (char *const *p = pats; p && *p; p++) {
		const char *pat = *p;
		bool neg = *pat == '!';
		size_t pl;
		if (neg)
			pat++;
		while (*pat == '/' || (pat[0] == '.' && pat[1] == '/'))
			pat += *pat == '/' ? 1 : 2;
		pl = strlen(pat);
		if (fnmatch(pat, path, strstr(pat, "**") ? 0 : FNM_PATHNAME) == 0 ||
		    (strncmp(path, pat, pl) == 0 && path[pl] == '/'))
			r = !neg;
	}
	return r;
}

/* ---- copying -------------------------------------------------------------------------------- */

static int copy_entry(const struct bcopy *b, int sdir, const char *leaf, int ddir, const char *dleaf,
		      char *rel, size_t rlen, unsigned depth, berth_error *err);

static int copy_dir_contents(const struct bcopy *b, int sfd, int dfd, char *rel, size_t rlen,
			     unsigned depth, berth_error *err)
{
	struct dirent **list = NULL;
	int n, r = 0;

	if (depth > COPY_MAX_DEPTH)
		return berr(err, ELOOP, "%s: %s: nested too deep", b->what, rel);
	n = scandirat(sfd, ".", &list, NULL, alphasort);
	if (n < 0)
		return berr_errno(err, errno, "%s: read %s", b->what, *rel ? rel : ".");
	for (int i = 0; i < n && r >= 0; i++) {
		const char *leaf = list[i]->d_name;
		size_t ll = strlen(leaf);
		if (strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0)
			continue;
		if (rlen + ll + 2 >= PATH_MAX) {
			r = berr(err, ENAMETOOLONG, "%s: %s%s: path too long", b->what, rel, leaf);
			break;
		}
		if (rlen)
			rel[rlen] = '/';
		memcpy(rel + rlen + (rlen ? 1 : 0), leaf, ll + 1);
		if (!b->from_lowers && ignored(b->ignore, rel)) {
			rel[rlen] = '\0';
			continue;
		}
		r = copy_entry(b, sfd, leaf, dfd, leaf, rel, rlen + ll + (rlen ? 1 : 0), depth + 1, err);
		rel[rlen] = '\0';
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return r;
}

static int copy_file(const struct bcopy *b, int sdir, const char *leaf, int ddir, const char *dleaf,
		     const struct stat *st, const char *rel, berth_error *err)
{
	_cleanup_close_ int in = openat(sdir, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return berr_errno(err, errno, "%s: open %s", b->what, rel);
	(void)unlinkat(ddir, dleaf, 0);
	out = openat(ddir, dleaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berr_errno(err, errno, "%s: create %s", b->what, dleaf);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return berr_errno(err, errno, "%s: write %s", b->what, dleaf);
	if (n < 0)
		return berr_errno(err, errno, "%s: read %s", b->what, rel);
	if (fchown(out, b->uid, b->gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
		return berr_errno(err, errno, "%s: set the owner of %s", b->what, dleaf);
	(void)futimens(out, (struct timespec[]){ st->st_atim, st->st_mtim });
	return 0;
}

static int copy_entry(const struct bcopy *b, int sdir, const char *leaf, int ddir, const char *dleaf,
		      char *rel, size_t rlen, unsigned depth, berth_error *err)
{
	struct stat st;

	if (fstatat(sdir, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_errno(err, errno, "%s: stat %s", b->what, rel);
	if (S_ISREG(st.st_mode))
		return copy_file(b, sdir, leaf, ddir, dleaf, &st, rel, err);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t t = readlinkat(sdir, leaf, target, sizeof(target) - 1);
		if (t < 0)
			return berr_errno(err, errno, "%s: read link %s", b->what, rel);
		target[t] = '\0';
		(void)unlinkat(ddir, dleaf, 0);
		if (symlinkat(target, ddir, dleaf) < 0 ||
		    fchownat(ddir, dleaf, b->uid, b->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return berr_errno(err, errno, "%s: create link %s", b->what, dleaf);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sfd = openat(sdir, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int dfd = -1;
		if (sfd < 0)
			return berr_errno(err, errno, "%s: open %s", b->what, rel);
		if (mkdirat(ddir, dleaf, 0755) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "%s: create %s", b->what, dleaf);
		dfd = openat(ddir, dleaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 || fchown(dfd, b->uid, b->gid) < 0 || fchmod(dfd, st.st_mode & 07777) < 0)
			return berr_errno(err, errno, "%s: create %s", b->what, dleaf);
		return copy_dir_contents(b, sfd, dfd, rel, rlen, depth, err);
	}
	return 0; /* devices, fifos and sockets are not build input */
}

/* Opens (creating, root-owned 0755) the directory @path under @root; O_NOFOLLOW all the way. */
static int mkdir_beneath(int root, const char *path, berth_error *err)
{
	_cleanup_free_ char *copy = strdup(path);
	int fd = dup(root);

	if (!copy || fd < 0) {
		if (fd >= 0)
			close(fd);
		return berr(err, ENOMEM, "out of memory");
	}
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int nfd;
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			close(fd);
			return berr(err, EINVAL, "destination %s: \"..\" is not allowed", path);
		}
		bool made = mkdirat(fd, c, 0755) == 0;
		nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd >= 0 && made && fchown(nfd, 0, 0) < 0) {
			close(nfd);
			nfd = -1;
		}
		close(fd);
		if (nfd < 0)
			return berr_errno(err, errno, "create %s in the staging tree", path);
		fd = nfd;
	}
	return fd;
}

/* Refuses a path whose ".." climbs above the root; returns it without leading "/" and "./". */
static int check_inside(const struct bcopy *b, const char *src, const char **ret, berth_error *err)
{
	int depth = 0;
	const char *p = src;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return berr(err, EPERM, "%s: %s is outside the build context", b->what, src);
		} else if (l && !(l == 1 && p[0] == '.'))
			depth++;
		p += l + (e ? 1 : 0);
	}
	while (*src == '/' || (src[0] == '.' && src[1] == '/'))
		src += *src == '/' ? 1 : 2;
	*ret = *src ? src : ".";
	return 0;
}

static bool is_archive(int fd)
{
	unsigned char m[512];
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return true;
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return true;
	return n == 512 && memcmp(m + 257, "ustar", 5) == 0;
}

static int add_archive(const struct bcopy *b, int srcfd, int ddir, const char *rel, berth_error *err)
{
	struct layer_extract_opts o = { .rootless = b->userxattr, .whiteouts = LAYER_WHITEOUT_KEEP,
					.what = rel };
	int r = layer_extract(ddir, srcfd, &o, NULL, err);

	return r < 0 ? berr_prefix(err, "%s", b->what) : 0;
}

/* One source (no wildcards): @rel relative to @root. */
static int copy_one(const struct bcopy *b, int root, const char *rel, int destdir,
		    const char *destleaf, bool multi, berth_error *err)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	struct stat st;
	const char *slash;
	int r;

	if (!b->from_lowers && strcmp(rel, ".") != 0 && ignored(b->ignore, rel))
		return berr(err, ENOENT, "%s: %s is excluded by .containerignore", b->what, rel);
	fd = openat2_beneath(root, rel, O_PATH | O_NOFOLLOW,
			     b->from_lowers ? RESOLVE_IN_ROOT : RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && errno == ELOOP) /* the source itself is a symlink: copied as a link */
		fd = -2;
	if (fd == -1 && errno == EXDEV)
		return berr(err, EPERM, "%s: %s is outside the build context", b->what, rel);
	if (fd == -1)
		return berr_errno(err, errno, "%s: %s", b->what, rel);
	if (fd >= 0 && fstat(fd, &st) < 0)
		return berr_errno(err, errno, "%s: stat %s", b->what, rel);
	snprintf(path, sizeof(path), "%s", rel);
	if (fd >= 0 && S_ISDIR(st.st_mode)) {
		/* a directory's contents go into the destination directory */
		_cleanup_close_ int sfd = openat2_beneath(root, rel, O_RDONLY | O_DIRECTORY,
							  b->from_lowers ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
		_cleanup_close_ int dfd = -1;
		if (sfd < 0)
			return berr_errno(err, errno, "%s: open %s", b->what, rel);
		if (destleaf) {
			if (mkdirat(destdir, destleaf, 0755) < 0 && errno != EEXIST)
				return berr_errno(err, errno, "%s: create %s", b->what, destleaf);
			dfd = openat(destdir, destleaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else
			dfd = dup(destdir);
		if (dfd < 0)
			return berr_errno(err, errno, "%s: create the destination", b->what);
		if (strcmp(path, ".") == 0)
			path[0] = '\0';
		return copy_dir_contents(b, sfd, dfd, path, strlen(path), 0, err);
	}
	/* a file or link: copy it from its parent directory */
	slash = strrchr(rel, '/');
	{
		_cleanup_free_ char *parent = slash ? strndup(rel, (size_t)(slash - rel)) : strdup(".");
		_cleanup_close_ int pfd = -1;
		const char *leaf = slash ? slash + 1 : rel;
		if (!parent)
			return berr(err, ENOMEM, "out of memory");
		pfd = openat2_beneath(root, parent, O_RDONLY | O_DIRECTORY,
				      b->from_lowers ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
		if (pfd < 0)
			return berr_errno(err, errno == EXDEV ? EPERM : errno, "%s: %s", b->what, rel);
		if (b->add && fd >= 0 && S_ISREG(st.st_mode)) {
			_cleanup_close_ int rfd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (rfd >= 0 && is_archive(rfd)) {
				_cleanup_close_ int dfd = destleaf ? -1 : dup(destdir);
				if (destleaf) {
					if (mkdirat(destdir, destleaf, 0755) < 0 && errno != EEXIST)
						return berr_errno(err, errno, "%s: create %s", b->what, destleaf);
					dfd = openat(destdir, destleaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				}
				if (dfd < 0)
					return berr_errno(err, errno, "%s: create the destination", b->what);
				return add_archive(b, rfd, dfd, rel, err);
			}
		}
		(void)multi;
		r = copy_entry(b, pfd, leaf, destdir, destleaf ? destleaf : leaf, path, strlen(path), 0, err);
	}
	return r;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Expands a wildcard in the last component of @rel (sorted matches, NULL-terminated). */
static int expand_glob(const struct bcopy *b, int root, const char *rel, char ***ret, berth_error *err)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup(".");
	const char *pat = slash ? slash + 1 : rel;
	_cleanup_close_ int dfd = -1;
	struct dirent **list = NULL;
	char **v;
	int n;
	size_t k = 0;

	if (!dir)
		return berr(err, ENOMEM, "out of memory");
	if (has_glob(dir))
		return berr(err, EINVAL, "%s: %s: wildcards are supported in the last path component only", b->what, rel);
	dfd = openat2_beneath(root, dir, O_RDONLY | O_DIRECTORY,
			      b->from_lowers ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
	if (dfd < 0)
		return berr_errno(err, errno == EXDEV ? EPERM : errno, "%s: %s", b->what, rel);
	n = scandirat(dfd, ".", &list, NULL, alphasort);
	if (n < 0)
		return berr_errno(err, errno, "%s: read %s", b->what, dir);
	v = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		const char *leaf = list[i]->d_name;
		if (v && strcmp(leaf, ".") && strcmp(leaf, "..") && fnmatch(pat, leaf, FNM_PERIOD) == 0) {
			char *p = NULL;
			if (asprintf(&p, "%s%s%s", slash ? dir : "", slash ? "/" : "", leaf) >= 0 &&
			    (b->from_lowers || !ignored(b->ignore, p)))
				v[k++] = p;
			else
				free(p);
		}
		free(list[i]);
	}
	free(list);
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	if (k == 0) {
		free(v);
		return berr(err, ENOENT, "%s: no source files were specified (%s matches nothing)", b->what, rel);
	}
	*ret = v;
	return 0;
}

static int copy_from_root(const struct bcopy *b, int root, berth_error *err)
{
	_cleanup_close_ int stage = open(b->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int destdir = -1;
	_cleanup_free_ char *dparent = NULL;
	const char *dleaf = NULL;
	size_t nsrc = 0;
	bool dir_dest;
	int r;

	if (stage < 0)
		return berr_errno(err, errno, "open %s", b->stage);
	for (char *const *s = b->srcs; *s; s++)
		nsrc++;
	{
		size_t dl = strlen(b->dest);
		dir_dest = b->dest[dl - 1] == '/' || nsrc > 1 || has_glob(b->srcs[0]) ||
			   (dl >= 2 && strcmp(b->dest + dl - 2, "/.") == 0);
	}
	if (dir_dest) {
		destdir = mkdir_beneath(stage, b->dest, err);
	} else {
		const char *slash = strrchr(b->dest, '/');
		dparent = strndup(b->dest, (size_t)(slash - b->dest));
		dleaf = slash + 1;
		if (!dparent)
			return berr(err, ENOMEM, "out of memory");
		destdir = mkdir_beneath(stage, dparent, err);
	}
	if (destdir < 0)
		return destdir;
	for (char *const *s = b->srcs; *s; s++) {
		const char *rel = NULL;
		r = check_inside(b, *s, &rel, err);
		if (r < 0)
			return r;
		if (has_glob(rel)) {
			_cleanup_strv_free_ char **m = NULL;
			r = expand_glob(b, root, rel, &m, err);
			for (char **p = m; r >= 0 && p && *p; p++)
				r = copy_one(b, root, *p, destdir, NULL, true, err);
		} else
			r = copy_one(b, root, rel, destdir, dleaf, nsrc > 1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int bcopy_mount_layers(char *const *lowers, const char *mnt, bool userxattr, berth_error *err)
{
	_cleanup_close_ int fs = -1, m = -1;

	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return berr_errno(err, errno, "open an overlay");
	for (char *const *l = lowers; *l; l++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0)
			return berr_errno(err, errno, "overlay layer %s", *l);
	if (userxattr && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return berr_errno(err, errno, "overlay option userxattr");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berr_errno(err, errno, "create the overlay");
	m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	if (m < 0)
		return berr_errno(err, errno, "mount the overlay");
	if (move_mount(m, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berr_errno(err, errno, "mount the overlay on %s", mnt);
	return 0;
}

int bcopy_run(void *data, berth_error *err)
{
	const struct bcopy *b = data;
	_cleanup_free_ char *mnt = NULL;
	_cleanup_close_ int root = -1;
	int r;

	if (!b->from_lowers)
		return copy_from_root(b, b->ctxfd, err);
	if (!b->from_lowers[0])
		return berr(err, ENOENT, "%s: the stage has no files", b->what);
	if (!b->from_lowers[1]) {
		root = open(b->from_lowers[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (asprintf(&mnt, "%s.from", b->stage) < 0)
			return berr(err, ENOMEM, "out of memory");
		if (mkdir(mnt, 0700) < 0)
			return berr_errno(err, errno, "create %s", mnt);
		r = bcopy_mount_layers(b->from_lowers, mnt, b->userxattr, err);
		if (r < 0) {
			(void)rmdir(mnt);
			return r;
		}
		root = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (root < 0)
		r = berr_errno(err, errno, "open the stage's files");
	else
		r = copy_from_root(b, root, err);
	if (mnt) {
		(void)umount2(mnt, MNT_DETACH);
		(void)rmdir(mnt);
	}
	return r;
}

int bcopy_mkdir_run(void *data, berth_error *err)
{
	const struct bcopy *b = data;
	_cleanup_close_ int stage = open(b->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (stage < 0)
		return berr_errno(err, errno, "open %s", b->stage);
	fd = mkdir_beneath(stage, b->dest, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
