/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_extract.c - safe unpacking of image layers.
 *
 * Theory of operation
 * -------------------
 * Two libarchive readers are chained. The first ("decompressor") reads the blob from the caller's
 * fd, hashing every byte (the blob digest), detects gzip/zstd/none and hands out the
 * decompressed stream through the "raw" format. The second ("tar") pulls from the first through
 * a read callback that hashes the decompressed bytes (the diff_id) and enforces the size limit.
 * Both digests therefore come out of one sequential pass, with no temp file and no thread.
 *
 * Each tar entry's name is cleaned lexically (leading "/" and "." dropped, ".." refused, length
 * and depth limits), its parent directory is opened with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) relative to the layer root, so symlinks inside the layer resolve as
 * they would inside the container and can never climb out, and the leaf is created with a
 * *at() call that does not follow a final symlink (O_CREAT|O_EXCL|O_NOFOLLOW, mkdirat,
 * symlinkat, linkat without AT_SYMLINK_FOLLOW, mknodat). An existing leaf is removed first, so
 * data is never written through a hardlink or symlink left by an earlier entry.
 *
 * Directory modes and times are applied at the end, children first: creating entries inside a
 * directory changes its mtime, and a read-only directory must stay writable while it fills.
 */
#include "store/layer_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/log.h"
#include "util/sha256.h"

#define READ_CHUNK	  (128u << 10)
#define MAX_XATTRS	  128 /* per entry */
#define WH_PREFIX	  ".wh."
#define WH_PREFIX_LEN	  4
#define WH_OPAQUE	  ".wh..wh..opq"
#define WH_META_PREFIX	  ".wh..wh." /* aufs metadata (.wh..wh.plnk, .wh..wh.aufs): ignored */
#define OPAQUE_XATTR_ROOT "trusted.overlay.opaque"
#define OPAQUE_XATTR_USER "user.overlay.opaque"

/* A set of strings (open addressing, FNV-1a), for "written by this layer" and "dir done". */
struct strset {
	char **slots;
	size_t cap;
	size_t n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void strset_clear(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	*s = (struct strset){0};
}

static bool strset_has(const struct strset *s, const char *str)
{
	if (s->cap == 0)
		return false;
	for (size_t i = str_hash(str) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i])
			return false;
		if (strcmp(s->slots[i], str) == 0)
			return true;
	}
}

/* Return 1 if added, 0 if present, -ENOMEM. */
static int strset_add(struct strset *s, const char *str)
{
	if (strset_has(s, str))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		char **n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t j = str_hash(s->slots[i]) & (ncap - 1);
			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = n;
		s->cap = ncap;
	}
	char *dup = strdup(str);
	if (!dup)
		return -ENOMEM;
	size_t i = str_hash(str) & (s->cap - 1);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = dup;
	s->n++;
	return 1;
}

/* Deferred metadata of one directory entry. */
struct dir_meta {
	char *path;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
};

struct extract_ctx {
	const struct layer_extract_opts *opts;
	const char *what;
	int dest;
	int src_fd;

	struct archive *decomp;
	struct archive *tar;
	bool decomp_eof;
	char *inbuf;
	char *midbuf;

	struct sha256 *h_comp;
	struct sha256 *h_tar;
	uint64_t comp_size;
	uint64_t tar_size;
	uint64_t max_bytes;
	uint64_t max_entries;

	/* first failure inside a read callback, reported instead of libarchive's generic one */
	int src_code;
	char src_msg[256];

	/* one cached parent directory: most entries share their predecessor's parent */
	char *cached_parent;
	int cached_fd;

	struct strset written; /* LAYER_WHITEOUT_APPLY: paths this layer wrote */
	struct dir_meta *dirs;
	size_t n_dirs, cap_dirs;
	bool xattr_warned;

	struct layer_extract_stats st;
};

const char *layer_compression_name(enum layer_compression c)
{
	switch (c) {
	case LAYER_COMPRESSION_NONE:
		return "none";
	case LAYER_COMPRESSION_GZIP:
		return "gzip";
	case LAYER_COMPRESSION_ZSTD:
		return "zstd";
	default:
		return "other";
	}
}

/* Make an entry name safe to print in a one-line message. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (!s)
		return "(no name)";
	for (; *s && o + 4 < size; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s && o + 4 >= size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int entry_err(struct extract_ctx *c, berth_error *err, int code, const char *name,
		     const char *what_wrong)
{
	char pb[160];

	return berr(err, code, "%s: entry \"%s\": %s", c->what, printable(name, pb, sizeof(pb)),
		    what_wrong);
}

static int entry_errno(struct extract_ctx *c, berth_error *err, int code, const char *name,
		       const char *action)
{
	char pb[160];

	return berr_errno(err, code, "%s: entry \"%s\": %s", c->what,
			  printable(name, pb, sizeof(pb)), action);
}

/*
 * Clean a tar name into "a/b/c" ("" for the root): leading "/" and "." components dropped,
 * ".." refused (-EXDEV), limits on component length, depth and total length (-ENAMETOOLONG).
 */
static int path_clean(const char *in, char *out, size_t outsz, const char **ret_reason)
{
	size_t o = 0, depth = 0;
	const char *p = in;

	if (strlen(in) > LAYER_MAX_PATH) {
		*ret_reason = "name is longer than the limit of 4096 bytes";
		return -ENAMETOOLONG;
	}
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			p = *e ? e + 1 : e;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			*ret_reason = "the name contains \"..\", which could leave the layer; the "
				      "layer is refused";
			return -EXDEV;
		}
		if (len > LAYER_MAX_COMPONENT) {
			*ret_reason = "a path component is longer than 255 bytes";
			return -ENAMETOOLONG;
		}
		if (++depth > LAYER_MAX_DEPTH) {
			*ret_reason = "the path is nested deeper than the limit of 256 directories";
			return -ENAMETOOLONG;
		}
		if (o + len + 2 > outsz) {
			*ret_reason = "name is longer than the limit of 4096 bytes";
			return -ENAMETOOLONG;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p = *e ? e + 1 : e;
	}
	out[o] = '\0';
	return 0;
}

static int openat2_in_root(int root, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long r;

	do
		r = syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
	while (r < 0 && errno == EAGAIN);
	return r < 0 ? -errno : (int)r;
}

static void parent_cache_drop(struct extract_ctx *c)
{
	free(c->cached_parent);
	c->cached_parent = NULL;
	closep(&c->cached_fd);
	c->cached_fd = -1;
}

/*
 * Open directory @parent ("a/b", "" = root) inside the layer, creating missing components
 * (0755) when @create. Returns a borrowed fd owned by the cache.
 */
static int open_parent(struct extract_ctx *c, const char *parent, bool create, const char *name,
		       berth_error *err)
{
	int fd;

	if (c->cached_parent && strcmp(c->cached_parent, parent) == 0)
		return c->cached_fd;
	parent_cache_drop(c);

	fd = openat2_in_root(c->dest, parent, O_RDONLY | O_DIRECTORY);
	if (fd == -ENOENT && create) {
		/* Walk down, creating each missing component below its (resolved) parent. */
		_cleanup_free_ char *prefix = strdup(parent);
		_cleanup_close_ int prev = -1;
		char *p;

		if (!prefix)
			return berr(err, ENOMEM, "out of memory");
		prev = openat2_in_root(c->dest, "", O_RDONLY | O_DIRECTORY);
		if (prev < 0)
			return entry_errno(c, err, -prev, name, "open the layer directory");
		p = prefix;
		for (;;) {
			char *slash = strchr(p, '/');
			int next;

			if (slash)
				*slash = '\0';
			next = openat2_in_root(c->dest, prefix, O_RDONLY | O_DIRECTORY);
			if (next == -ENOENT) {
				if (mkdirat(prev, p, 0755) < 0 && errno != EEXIST)
					return entry_errno(c, err, errno, name,
							   "create a parent directory");
				next = openat2_in_root(c->dest, prefix, O_RDONLY | O_DIRECTORY);
			}
			if (next < 0) {
				fd = next;
				break;
			}
			closep(&prev);
			prev = next;
			if (!slash) {
				fd = TAKE_FD(prev);
				break;
			}
			*slash = '/';
			p = slash + 1;
		}
	}
	if (fd < 0) {
		if (fd == -ENOTDIR || fd == -ENOENT)
			return entry_err(c, err, -fd, name,
					 "its parent is missing or is not a directory");
		if (fd == -ELOOP)
			return entry_err(c, err, ELOOP, name,
					 "its parent path runs into a symlink loop");
		return entry_errno(c, err, -fd, name, "open its parent directory");
	}
	c->cached_parent = strdup(parent);
	if (!c->cached_parent) {
		close(fd);
		return berr(err, ENOMEM, "out of memory");
	}
	c->cached_fd = fd;
	return fd;
}

/* Split clean path "a/b/c" into parent "a/b" (written into @parent) and leaf "c". */
static const char *split_leaf(const char *path, char *parent, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		parent[0] = '\0';
		return path;
	}
	size_t n = (size_t)(slash - path);
	if (n >= size)
		n = size - 1;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return slash + 1;
}

static int chown_entry(struct extract_ctx *c, int dirfd, const char *leaf, int flags,
		       struct archive_entry *e, const char *name, berth_error *err)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (c->opts->no_chown)
		return 0;
	if (uid < 0 || gid < 0 || uid >= UINT32_MAX || gid >= UINT32_MAX)
		return entry_err(c, err, EINVAL, name, "owner id is out of range");
	if (fchownat(dirfd, leaf, (uid_t)uid, (gid_t)gid, flags) == 0)
		return 0;
	if (c->opts->rootless && (errno == EINVAL || errno == EPERM)) {
		c->st.chown_skipped++;
		return 0;
	}
	return entry_errno(c, err, errno, name, "set its owner");
}

static bool xattr_allowed(const char *key)
{
	/* Overlay's own metadata must never come from a layer: it would redirect lookups. */
	if (strncmp(key, "trusted.overlay.", 16) == 0 || strncmp(key, "user.overlay.", 13) == 0)
		return false;
	return strncmp(key, "user.", 5) == 0 || strcmp(key, "security.capability") == 0;
}

static int set_xattrs(struct extract_ctx *c, int fd, struct archive_entry *e, const char *name,
		      berth_error *err)
{
	const char *key;
	const void *val;
	size_t size;
	int n = 0;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &key, &val, &size) == ARCHIVE_OK) {
		if (++n > MAX_XATTRS)
			return entry_err(c, err, E2BIG, name,
					 "has more than 128 extended attributes");
		if (!key || !xattr_allowed(key))
			continue;
		if (size > LAYER_MAX_XATTR_VALUE)
			return entry_err(c, err, E2BIG, name,
					 "has an extended attribute larger than 64 KiB");
		if (fsetxattr(fd, key, val, size, 0) == 0)
			continue;
		if (errno == EOPNOTSUPP || (c->opts->rootless && errno == EPERM)) {
			if (!c->xattr_warned)
				log_warn("%s: extended attribute %s not supported here; dropped",
					 c->what, key);
			c->xattr_warned = true;
			continue;
		}
		return entry_errno(c, err, errno, name, "set an extended attribute");
	}
	return 0;
}

static struct timespec entry_mtime(struct archive_entry *e)
{
	struct timespec t = {.tv_sec = 0, .tv_nsec = 0};

	if (archive_entry_mtime_is_set(e)) {
		t.tv_sec = archive_entry_mtime(e);
		t.tv_nsec = archive_entry_mtime_nsec(e);
		if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
			t.tv_nsec = 0;
	}
	return t;
}

static int stream_err(struct extract_ctx *c, struct archive *a, berth_error *err)
{
	if (c->src_code)
		return berr(err, c->src_code, "%s: %s", c->what, c->src_msg);
	return berr(err, EBADMSG,
		    "%s: not a valid tar stream (%s); berth reads tar layers compressed with gzip, "
		    "zstd or none",
		    c->what, archive_error_string(a) ?: "unknown error");
}

/*
 * Remove whatever sits at @leaf so a new entry can take its place. A directory gives way only
 * to another directory (merged) or, in apply mode, when a lower layer wrote it.
 */
static int make_room(struct extract_ctx *c, int pfd, const char *leaf, const char *path,
		     bool new_is_dir, bool *ret_exists_dir, const char *name, berth_error *err)
{
	struct stat s;

	*ret_exists_dir = false;
	if (fstatat(pfd, leaf, &s, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return entry_errno(c, err, errno, name, "inspect the existing entry");
	}
	if (S_ISDIR(s.st_mode)) {
		if (new_is_dir) {
			*ret_exists_dir = true;
			return 0;
		}
		if (c->opts->whiteouts != LAYER_WHITEOUT_APPLY || strset_has(&c->written, path))
			return entry_err(c, err, EEXIST, name,
					 "would replace a directory of the same layer with a "
					 "non-directory; the layer is malformed");
		return 1; /* apply mode: the caller removes the lower layer's directory */
	}
	if (unlinkat(pfd, leaf, 0) < 0 && errno != ENOENT)
		return entry_errno(c, err, errno, name, "replace the existing entry");
	/* a file of this layer given twice: only the last copy's size is content (system check
	 * compares the sum with the files on disk); a hardlinked one keeps its data */
	if (c->opts->whiteouts != LAYER_WHITEOUT_APPLY && S_ISREG(s.st_mode) && s.st_nlink == 1)
		c->st.content_size -= (uint64_t)s.st_size < c->st.content_size
					      ? (uint64_t)s.st_size
					      : c->st.content_size;
	return 0;
}

static int write_regular(struct extract_ctx *c, int pfd, const char *leaf, struct archive_entry *e,
			 const char *name, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	la_int64_t size = archive_entry_size(e);
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (size < 0 || (uint64_t)size > LAYER_MAX_UNPACKED_BYTES)
		return entry_err(c, err, EFBIG, name, "declares an impossible file size");
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	if (fd < 0)
		return entry_errno(c, err, errno, name, "create the file");
	while ((r = archive_read_data_block(c->tar, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off + len > (uint64_t)size)
			return entry_err(c, err, EBADMSG, name,
					 "has data beyond its declared size");
		const char *p = buf;
		while (len > 0) {
			ssize_t w = pwrite(fd, p, len, off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return entry_errno(c, err, errno, name, "write the file");
			}
			p += w;
			off += w;
			len -= (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return stream_err(c, c->tar, err);
	if (ftruncate(fd, size) < 0)
		return entry_errno(c, err, errno, name, "size the file");
	c->st.content_size += (uint64_t)size;

	r = chown_entry(c, fd, "", AT_EMPTY_PATH, e, name, err);
	if (r < 0)
		return r;
	/* After chown, which clears set-id bits: they stay exactly as the tar says. */
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return entry_errno(c, err, errno, name, "set its mode");
	r = set_xattrs(c, fd, e, name, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = {entry_mtime(e), entry_mtime(e)};
	if (futimens(fd, ts) < 0)
		return entry_errno(c, err, errno, name, "set its times");
	return 0;
}

static int add_dir_meta(struct extract_ctx *c, const char *path, struct archive_entry *e)
{
	if (c->n_dirs == c->cap_dirs) {
		size_t ncap = c->cap_dirs ? c->cap_dirs * 2 : 64;
		struct dir_meta *n = realloc(c->dirs, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->dirs = n;
		c->cap_dirs = ncap;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	c->dirs[c->n_dirs++] = (struct dir_meta){
	    .path = p,
	    .mode = archive_entry_perm(e) & 07777,
	    .mtime = entry_mtime(e),
	};
	return 0;
}

static int make_dir(struct extract_ctx *c, int pfd, const char *leaf, const char *path, bool exists,
		    struct archive_entry *e, const char *name, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!*path) {
		fd = openat2_in_root(c->dest, "", O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return entry_errno(c, err, -fd, name, "open the layer directory");
	} else {
		if (!exists && mkdirat(pfd, leaf, 0700) < 0)
			return entry_errno(c, err, errno, name, "create the directory");
		fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return entry_errno(c, err, errno, name, "open the directory");
	}
	r = chown_entry(c, fd, "", AT_EMPTY_PATH, e, name, err);
	if (r < 0)
		return r;
	r = set_xattrs(c, fd, e, name, err);
	if (r < 0)
		return r;
	if (add_dir_meta(c, path, e) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

static int make_hardlink(struct extract_ctx *c, int pfd, const char *leaf, struct archive_entry *e,
			 const char *name, berth_error *err)
{
	char target[LAYER_MAX_PATH + 2], tparent[LAYER_MAX_PATH + 2];
	const char *reason = NULL, *tleaf;
	_cleanup_close_ int tfd = -1;
	struct stat s;
	int r;

	r = path_clean(archive_entry_hardlink(e), target, sizeof(target), &reason);
	if (r < 0)
		return entry_err(c, err, -r, name,
				 r == -EXDEV ? "is a hardlink whose target leaves the layer; the "
					       "layer is refused"
					     : reason);
	if (!*target)
		return entry_err(c, err, EXDEV, name, "is a hardlink to the layer root");
	tleaf = split_leaf(target, tparent, sizeof(tparent));
	tfd = openat2_in_root(c->dest, tparent, O_RDONLY | O_DIRECTORY);
	if (tfd < 0 || fstatat(tfd, tleaf, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_err(c, err, ENOENT, name,
				 "is a hardlink to an entry that is not in the layer; the layer is "
				 "refused");
	if (S_ISDIR(s.st_mode))
		return entry_err(c, err, EPERM, name, "is a hardlink to a directory");
	if (linkat(tfd, tleaf, pfd, leaf, 0) < 0)
		return entry_errno(c, err, errno, name, "create the hardlink");
	return 0;
}

static int make_symlink(struct extract_ctx *c, int pfd, const char *leaf, struct archive_entry *e,
			const char *name, berth_error *err)
{
	const char *target = archive_entry_symlink(e);
	int r;

	if (!target || !*target)
		return entry_err(c, err, EINVAL, name, "is a symlink without a target");
	if (strlen(target) > LAYER_MAX_PATH)
		return entry_err(c, err, ENAMETOOLONG, name,
				 "symlink target is longer than 4096 bytes");
	/* The target is stored verbatim: resolving through it happens IN_ROOT. */
	if (symlinkat(target, pfd, leaf) < 0)
		return entry_errno(c, err, errno, name, "create the symlink");
	r = chown_entry(c, pfd, leaf, AT_SYMLINK_NOFOLLOW, e, name, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = {entry_mtime(e), entry_mtime(e)};
	if (utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_errno(c, err, errno, name, "set its times");
	return 0;
}

/* Returns 1 when the node was skipped (rootless device node). */
static int make_node(struct extract_ctx *c, int pfd, const char *leaf, struct archive_entry *e,
		     const char *name, berth_error *err)
{
	mode_t type = archive_entry_filetype(e);
	dev_t dev = 0;
	int r;

	if (type == AE_IFCHR || type == AE_IFBLK) {
		dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		bool whiteout = type == AE_IFCHR && dev == makedev(0, 0);
		if (c->opts->rootless && !whiteout) {
			c->st.skipped_devices++;
			return 1;
		}
	}
	if (mknodat(pfd, leaf, type | (archive_entry_perm(e) & 0777), dev) < 0) {
		if (errno == EPERM)
			return entry_err(c, err, EPERM, name,
					 "is a device node and this process may not create device "
					 "nodes; unpack as root or use a rootless store");
		return entry_errno(c, err, errno, name, "create the node");
	}
	r = chown_entry(c, pfd, leaf, AT_SYMLINK_NOFOLLOW, e, name, err);
	if (r < 0)
		return r;
	if (fchmodat(pfd, leaf, archive_entry_perm(e) & 07777, 0) < 0)
		return entry_errno(c, err, errno, name, "set its mode");
	struct timespec ts[2] = {entry_mtime(e), entry_mtime(e)};
	if (utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_errno(c, err, errno, name, "set its times");
	return 0;
}

/* Apply-mode opaque directory: drop every child that this layer did not write. */
static int apply_opaque(struct extract_ctx *c, int pfd, const char *parent, const char *name,
			berth_error *err)
{
	int dfd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (dfd < 0)
		return entry_errno(c, err, errno, name, "read the opaque directory");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return entry_errno(c, err, errno, name, "read the opaque directory");
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		char child[LAYER_MAX_PATH + LAYER_MAX_COMPONENT + 2];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s%s%s", parent, *parent ? "/" : "", de->d_name);
		if (strset_has(&c->written, child))
			continue;
		r = rm_rf_at(pfd, de->d_name, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? berr_prefix(err, "%s: opaque directory \"%s\"", c->what, parent) : 0;
}

static int handle_whiteout(struct extract_ctx *c, const char *parent, const char *leaf,
			   const char *name, berth_error *err)
{
	const char *target = leaf + WH_PREFIX_LEN;
	char tpath[LAYER_MAX_PATH + 2];
	int pfd, r;

	c->st.whiteouts++;
	if (c->dest < 0)
		return 0;
	pfd = open_parent(c, parent, true, name, err);
	if (pfd < 0)
		return pfd;

	if (strcmp(leaf, WH_OPAQUE) == 0) {
		if (c->opts->whiteouts == LAYER_WHITEOUT_APPLY)
			return apply_opaque(c, pfd, parent, name, err);
		const char *key = c->opts->rootless ? OPAQUE_XATTR_USER : OPAQUE_XATTR_ROOT;
		if (fsetxattr(pfd, key, "y", 1, 0) < 0)
			return entry_errno(c, err, errno, name, "mark the directory opaque");
		return 0;
	}
	if (strncmp(leaf, WH_META_PREFIX, strlen(WH_META_PREFIX)) == 0)
		return 0;
	if (!*target || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
		return entry_err(c, err, EINVAL, name, "is a whiteout without a valid name");

	snprintf(tpath, sizeof(tpath), "%s%s%s", parent, *parent ? "/" : "", target);
	/* A whiteout hides lower layers only; an entry of this layer with that name wins. */
	if (c->opts->whiteouts == LAYER_WHITEOUT_APPLY) {
		if (strset_has(&c->written, tpath))
			return 0;
		parent_cache_drop(c);
		pfd = open_parent(c, parent, false, name, err);
		if (pfd < 0)
			return pfd;
		r = rm_rf_at(pfd, target, err);
		parent_cache_drop(c);
		return r < 0 ? berr_prefix(err, "%s: whiteout \"%s\"", c->what, tpath) : 0;
	}
	struct stat s;
	if (fstatat(pfd, target, &s, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
		return entry_errno(c, err, errno, name, "create the overlay whiteout");
	return 0;
}

static int process_entry(struct extract_ctx *c, struct archive_entry *e, berth_error *err)
{
	const char *name = archive_entry_pathname(e);
	char path[LAYER_MAX_PATH + 2], parent[LAYER_MAX_PATH + 2];
	const char *reason = NULL, *leaf;
	mode_t type = archive_entry_filetype(e);
	bool is_link = archive_entry_hardlink(e) != NULL;
	bool exists_dir = false;
	int pfd, r;

	if (!name)
		return berr(err, EBADMSG, "%s: an entry has no readable name", c->what);
	r = path_clean(name, path, sizeof(path), &reason);
	if (r < 0)
		return entry_err(c, err, -r, name, reason);
	leaf = split_leaf(path, parent, sizeof(parent));

	if (*path && c->opts->whiteouts != LAYER_WHITEOUT_KEEP &&
	    strncmp(leaf, WH_PREFIX, WH_PREFIX_LEN) == 0 && !is_link)
		return handle_whiteout(c, parent, leaf, name, err);

	if (!*path && (is_link || type != AE_IFDIR))
		return entry_err(c, err, EINVAL, name,
				 "names the layer root but is not a directory");
	if (is_link && !*archive_entry_hardlink(e))
		return entry_err(c, err, EINVAL, name, "is a hardlink without a target");
	if (c->dest < 0) {
		const char *t = archive_entry_hardlink(e);
		char tbuf[LAYER_MAX_PATH + 2];
		if (t && path_clean(t, tbuf, sizeof(tbuf), &reason) < 0)
			return entry_err(c, err, EXDEV, name,
					 "hardlink target: the target leaves the layer");
		if (type == AE_IFREG && !is_link)
			c->st.content_size += (uint64_t)archive_entry_size(e);
		return 0;
	}

	if (!is_link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
	    type != AE_IFCHR && type != AE_IFBLK && type != AE_IFIFO) {
		log_debug("%s: entry %s: sockets and unknown types are skipped", c->what, path);
		return 0;
	}
	if (!is_link && (type == AE_IFCHR || type == AE_IFBLK) && c->opts->rootless &&
	    makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e)) != makedev(0, 0)) {
		c->st.skipped_devices++;
		return 0;
	}

	pfd = open_parent(c, parent, true, name, err);
	if (pfd < 0)
		return pfd;
	if (*path) {
		r = make_room(c, pfd, leaf, path, !is_link && type == AE_IFDIR, &exists_dir, name,
			      err);
		if (r < 0)
			return r;
		if (r == 1) {
			/* apply mode: a lower layer's directory gives way to a non-directory */
			pfd = open_parent(c, parent, false, name, err);
			if (pfd < 0)
				return pfd;
			r = rm_rf_at(pfd, leaf, err);
			if (r < 0)
				return berr_prefix(err, "%s: entry \"%s\"", c->what, path);
			parent_cache_drop(c);
			pfd = open_parent(c, parent, false, name, err);
			if (pfd < 0)
				return pfd;
		}
	}

	if (is_link)
		r = make_hardlink(c, pfd, leaf, e, name, err);
	else if (type == AE_IFREG)
		r = write_regular(c, pfd, leaf, e, name, err);
	else if (type == AE_IFDIR)
		r = make_dir(c, pfd, leaf, path, exists_dir || !*path, e, name, err);
	else if (type == AE_IFLNK)
		r = make_symlink(c, pfd, leaf, e, name, err);
	else
		r = make_node(c, pfd, leaf, e, name, err);
	if (r < 0)
		return r;
	if (c->opts->whiteouts == LAYER_WHITEOUT_APPLY && strset_add(&c->written, path) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

/* Apply deferred directory modes and times, latest entry first wins, children before parents. */
static int finish_dirs(struct extract_ctx *c, berth_error *err)
{
	struct strset done = {0};
	int r = 0;

	for (size_t i = c->n_dirs; i-- > 0;) {
		struct dir_meta *d = &c->dirs[i];
		int fd;

		r = strset_add(&done, d->path);
		if (r < 0) {
			r = berr(err, ENOMEM, "out of memory");
			break;
		}
		if (r == 0)
			continue;
		r = 0;
		/* O_NOFOLLOW: an apply-mode layer may have replaced it since; skip then. */
		fd = openat2_in_root(c->dest, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0)
			continue;
		struct timespec ts[2] = {d->mtime, d->mtime};
		if (fchmod(fd, d->mode) < 0 || futimens(fd, ts) < 0) {
			r = entry_errno(c, err, errno, d->path,
					"set the directory's mode and times");
			close(fd);
			break;
		}
		close(fd);
	}
	strset_clear(&done);
	return r;
}

/* libarchive callback: compressed bytes from the caller's fd, hashed on the way. */
static la_ssize_t read_compressed(struct archive *a, void *data, const void **ret_buf)
{
	struct extract_ctx *c = data;
	ssize_t n;

	(void)a;
	do
		n = read(c->src_fd, c->inbuf, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->src_code = errno;
		snprintf(c->src_msg, sizeof(c->src_msg), "read the layer stream: %s",
			 strerror(errno));
		return -1;
	}
	sha256_update(c->h_comp, c->inbuf, (size_t)n);
	c->comp_size += (uint64_t)n;
	*ret_buf = c->inbuf;
	return n;
}

/* libarchive callback: decompressed tar bytes, hashed (diff_id) and size-limited. */
static la_ssize_t read_decompressed(struct archive *a, void *data, const void **ret_buf)
{
	struct extract_ctx *c = data;
	la_ssize_t n;

	(void)a;
	if (c->decomp_eof)
		return 0;
	n = archive_read_data(c->decomp, c->midbuf, READ_CHUNK);
	if (n < 0) {
		if (!c->src_code) {
			c->src_code = EBADMSG;
			snprintf(c->src_msg, sizeof(c->src_msg),
				 "the compressed stream is corrupt or truncated (%s)",
				 archive_error_string(c->decomp) ?: "decompression failed");
		}
		return -1;
	}
	if (n == 0) {
		c->decomp_eof = true;
		return 0;
	}
	c->tar_size += (uint64_t)n;
	if (c->tar_size > c->max_bytes) {
		c->src_code = EFBIG;
		snprintf(c->src_msg, sizeof(c->src_msg),
			 "the uncompressed layer is larger than the limit of %llu bytes",
			 (unsigned long long)c->max_bytes);
		return -1;
	}
	sha256_update(c->h_tar, c->midbuf, (size_t)n);
	*ret_buf = c->midbuf;
	return n;
}

static int open_readers(struct extract_ctx *c, berth_error *err)
{
	struct archive_entry *raw;
	int r;

	c->decomp = archive_read_new();
	c->tar = archive_read_new();
	c->inbuf = malloc(READ_CHUNK);
	c->midbuf = malloc(READ_CHUNK);
	c->h_comp = sha256_new();
	c->h_tar = sha256_new();
	if (!c->decomp || !c->tar || !c->inbuf || !c->midbuf || !c->h_comp || !c->h_tar)
		return berr(err, ENOMEM, "out of memory");

	archive_read_support_filter_gzip(c->decomp);
	archive_read_support_filter_zstd(c->decomp);
	archive_read_support_format_raw(c->decomp);
	archive_read_support_format_empty(c->decomp);
	if (archive_read_open(c->decomp, c, NULL, read_compressed, NULL) != ARCHIVE_OK)
		return stream_err(c, c->decomp, err);
	r = archive_read_next_header(c->decomp, &raw);
	if (r == ARCHIVE_EOF)
		c->decomp_eof = true;
	else if (r < ARCHIVE_WARN)
		return stream_err(c, c->decomp, err);
	switch (archive_filter_code(c->decomp, 0)) {
	case ARCHIVE_FILTER_NONE:
		c->st.compression = LAYER_COMPRESSION_NONE;
		break;
	case ARCHIVE_FILTER_GZIP:
		c->st.compression = LAYER_COMPRESSION_GZIP;
		break;
	case ARCHIVE_FILTER_ZSTD:
		c->st.compression = LAYER_COMPRESSION_ZSTD;
		break;
	default:
		c->st.compression = LAYER_COMPRESSION_OTHER;
		break;
	}

	archive_read_support_format_tar(c->tar);
	archive_read_support_format_empty(c->tar);
	if (archive_read_open(c->tar, c, NULL, read_decompressed, NULL) != ARCHIVE_OK)
		return stream_err(c, c->tar, err);
	return 0;
}

/* After the tar end marker: hash the rest of both streams so the digests cover every byte. */
static int drain(struct extract_ctx *c, berth_error *err)
{
	const void *buf;

	while (!c->decomp_eof) {
		la_ssize_t n = read_decompressed(c->tar, c, &buf);
		if (n < 0)
			return stream_err(c, c->tar, err);
		if (n == 0)
			break;
	}
	for (;;) {
		la_ssize_t n = read_compressed(c->decomp, c, &buf);
		if (n < 0)
			return stream_err(c, c->decomp, err);
		if (n == 0)
			break;
	}
	return 0;
}

static int check_digest(struct extract_ctx *c, const char *expect, const char *hex,
			const char *kind, berth_error *err)
{
	if (!expect)
		return 0;
	if (strncmp(expect, "sha256:", 7) != 0 || strcmp(expect + 7, hex) != 0)
		return berr(err, EBADMSG,
			    "%s: %s mismatch: expected %s, the data hashes to sha256:%s; the blob "
			    "is corrupt or was tampered with, pull it again",
			    c->what, kind, expect, hex);
	return 0;
}

static void ctx_done(struct extract_ctx *c)
{
	if (c->tar)
		archive_read_free(c->tar);
	if (c->decomp)
		archive_read_free(c->decomp);
	free(c->inbuf);
	free(c->midbuf);
	sha256_free(c->h_comp);
	sha256_free(c->h_tar);
	parent_cache_drop(c);
	strset_clear(&c->written);
	for (size_t i = 0; i < c->n_dirs; i++)
		free(c->dirs[i].path);
	free(c->dirs);
}

int layer_extract(int dest_dirfd, int tar_fd, const struct layer_extract_opts *opts,
		  struct layer_extract_stats *ret_stats, berth_error *err)
{
	static const struct layer_extract_opts defaults = {0};
	struct extract_ctx c = {
	    .opts = opts ?: &defaults,
	    .dest = dest_dirfd,
	    .src_fd = tar_fd,
	    .cached_fd = -1,
	};
	struct archive_entry *e;
	int r;

	c.what = c.opts->what ?: "layer";
	c.max_bytes = c.opts->max_bytes ?: LAYER_MAX_UNPACKED_BYTES;
	c.max_entries = c.opts->max_entries ?: LAYER_MAX_ENTRIES;

	r = open_readers(&c, err);
	if (r < 0)
		goto out;
	for (;;) {
		r = archive_read_next_header(c.tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			r = stream_err(&c, c.tar, err);
			goto out;
		}
		if (++c.st.entries > c.max_entries) {
			r = berr(err, E2BIG, "%s: more than %llu entries; the layer is refused",
				 c.what, (unsigned long long)c.max_entries);
			goto out;
		}
		r = process_entry(&c, e, err);
		if (r < 0)
			goto out;
	}
	r = drain(&c, err);
	if (r < 0)
		goto out;
	if (c.dest >= 0) {
		r = finish_dirs(&c, err);
		if (r < 0)
			goto out;
	}

	sha256_final_hex(c.h_comp, c.st.digest);
	sha256_final_hex(c.h_tar, c.st.diff_id);
	c.st.compressed_size = c.comp_size;
	c.st.size = c.tar_size;
	r = check_digest(&c, c.opts->expect_digest, c.st.digest, "digest", err);
	if (r < 0)
		goto out;
	r = check_digest(&c, c.opts->expect_diff_id, c.st.diff_id, "diff_id", err);
	if (r < 0)
		goto out;
	if (ret_stats)
		*ret_stats = c.st;
	r = 0;
out:
	ctx_done(&c);
	return r;
}
