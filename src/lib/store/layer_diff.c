/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_diff.c - a diff directory back into an OCI layer tar stream.
 *
 * Theory of operation: a libarchive writer (pax, no filter, no block padding) receives the
 * entries of a sorted depth-first walk done entirely with *at() calls and O_NOFOLLOW, so a
 * symlink inside the tree is archived as a symlink and never followed. Its write callback hashes
 * the uncompressed tar (diff_id) and passes the bytes on, either straight to the output fd or
 * through a second libarchive writer in "raw" format with a gzip/zstd filter; the output's own
 * callback hashes what reaches the fd (the blob digest). Gzip headers carry no timestamp, so
 * equal trees give equal blobs.
 */
#include "store/layer_diff.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/sha256.h"

#define COPY_CHUNK (128u << 10)
#define NAME_BUF   (LAYER_MAX_PATH + 16)

/* (dev, ino) → first archived name, for hardlinks. */
struct link_slot {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct diff_ctx {
	const struct layer_diff_opts *opts;
	int out_fd;
	struct archive *tw; /* tar writer */
	struct archive *cw; /* compressor (raw format), NULL when uncompressed */
	struct sha256 *h_tar;
	struct sha256 *h_out;
	uint64_t tar_size;
	uint64_t out_size;
	int out_errno;
	struct link_slot *links;
	size_t links_cap, links_n;
	char *buf;
	char *name; /* NAME_BUF bytes for whiteout names: kept off the recursion's stack */
	struct layer_diff_stats st;
};

static int write_out(struct diff_ctx *c, const void *data, size_t len)
{
	int r = write_all(c->out_fd, data, len);

	if (r < 0) {
		c->out_errno = -r;
		return r;
	}
	sha256_update(c->h_out, data, len);
	c->out_size += len;
	return 0;
}

static la_ssize_t out_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	(void)a;
	return write_out(data, buf, len) < 0 ? -1 : (la_ssize_t)len;
}

static la_ssize_t tar_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct diff_ctx *c = data;

	(void)a;
	sha256_update(c->h_tar, buf, len);
	c->tar_size += len;
	if (!c->cw)
		return write_out(c, buf, len) < 0 ? -1 : (la_ssize_t)len;
	la_ssize_t w = archive_write_data(c->cw, buf, len);
	if (w < 0 || (size_t)w != len)
		return -1;
	return (la_ssize_t)len;
}

static uint64_t link_hash(dev_t dev, ino_t ino)
{
	return ((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)dev;
}

/* The first name archived for (dev, ino), or NULL after remembering @path for it. */
static int link_lookup(struct diff_ctx *c, const struct stat *s, const char *path,
		       const char **ret_first)
{
	*ret_first = NULL;
	if (c->links_cap) {
		for (size_t i = link_hash(s->st_dev, s->st_ino) & (c->links_cap - 1);
		     c->links[i].path; i = (i + 1) & (c->links_cap - 1)) {
			if (c->links[i].dev == s->st_dev && c->links[i].ino == s->st_ino) {
				*ret_first = c->links[i].path;
				return 0;
			}
		}
	}
	if ((c->links_n + 1) * 2 > c->links_cap) {
		size_t ncap = c->links_cap ? c->links_cap * 2 : 64;
		struct link_slot *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < c->links_cap; i++) {
			if (!c->links[i].path)
				continue;
			size_t j = link_hash(c->links[i].dev, c->links[i].ino) & (ncap - 1);
			while (n[j].path)
				j = (j + 1) & (ncap - 1);
			n[j] = c->links[i];
		}
		free(c->links);
		c->links = n;
		c->links_cap = ncap;
	}
	size_t i = link_hash(s->st_dev, s->st_ino) & (c->links_cap - 1);
	while (c->links[i].path)
		i = (i + 1) & (c->links_cap - 1);
	c->links[i] = (struct link_slot){.dev = s->st_dev, .ino = s->st_ino, .path = strdup(path)};
	if (!c->links[i].path)
		return -ENOMEM;
	c->links_n++;
	return 0;
}

static bool xattr_exported(const char *key)
{
	if (strncmp(key, "user.overlay.", 13) == 0)
		return false;
	return strncmp(key, "user.", 5) == 0 || strcmp(key, "security.capability") == 0;
}

static int add_xattrs(struct diff_ctx *c, int fd, struct archive_entry *e, const char *path,
		      berth_error *err)
{
	char list[4096];
	ssize_t n = flistxattr(fd, list, sizeof(list));

	if (n < 0) {
		if (errno == EOPNOTSUPP)
			return 0;
		return berr_errno(err, errno, "layer diff: %s: list extended attributes", path);
	}
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		if (!xattr_exported(k))
			continue;
		ssize_t v = fgetxattr(fd, k, c->buf, COPY_CHUNK);
		if (v < 0) {
			if (errno == ENODATA)
				continue;
			return berr_errno(err, errno, "layer diff: %s: read attribute %s", path, k);
		}
		archive_entry_xattr_add_entry(e, k, c->buf, (size_t)v);
	}
	return 0;
}

static struct archive_entry *new_entry(struct diff_ctx *c, const char *name, const struct stat *s)
{
	struct archive_entry *e = archive_entry_new();
	int64_t mtime = s->st_mtim.tv_sec;

	if (!e)
		return NULL;
	if (c->opts->clamp_mtime && mtime > c->opts->clamp_mtime)
		mtime = c->opts->clamp_mtime;
	archive_entry_set_pathname(e, name);
	archive_entry_set_perm(e, s->st_mode & 07777);
	archive_entry_set_uid(e, s->st_uid);
	archive_entry_set_gid(e, s->st_gid);
	archive_entry_set_mtime(e, mtime, 0);
	return e;
}

static int put_header(struct diff_ctx *c, struct archive_entry *e, const char *path,
		      berth_error *err)
{
	int r = archive_write_header(c->tw, e);

	archive_entry_free(e);
	if (r < ARCHIVE_WARN) {
		if (c->out_errno)
			return berr_errno(err, c->out_errno, "layer diff: write the layer stream");
		return berr(err, EIO, "layer diff: %s: %s", path,
			    archive_error_string(c->tw) ?: "cannot archive");
	}
	c->st.entries++;
	return 0;
}

/* An empty regular file: whiteouts and opaque markers. */
static int put_marker(struct diff_ctx *c, const char *name, const struct stat *s, berth_error *err)
{
	struct archive_entry *e = new_entry(c, name, s);

	if (!e)
		return berr(err, ENOMEM, "out of memory");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	return put_header(c, e, name, err);
}

static int put_file(struct diff_ctx *c, int dirfd, const char *leaf, const char *path,
		    const struct stat *s, berth_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct archive_entry *e;
	const char *first = NULL;
	uint64_t left = (uint64_t)s->st_size;
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "layer diff: open %s", path);
	if (s->st_nlink > 1) {
		r = link_lookup(c, s, path, &first);
		if (r < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	e = new_entry(c, path, s);
	if (!e)
		return berr(err, ENOMEM, "out of memory");
	archive_entry_set_filetype(e, AE_IFREG);
	if (first) {
		archive_entry_set_hardlink(e, first);
		archive_entry_set_size(e, 0);
		return put_header(c, e, path, err);
	}
	archive_entry_set_size(e, s->st_size);
	r = add_xattrs(c, fd, e, path, err);
	if (r < 0) {
		archive_entry_free(e);
		return r;
	}
	r = put_header(c, e, path, err);
	if (r < 0)
		return r;
	while (left > 0) {
		ssize_t n = read(fd, c->buf, left < COPY_CHUNK ? left : COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_errno(err, errno, "layer diff: read %s", path);
		if (n == 0)
			return berr(err, EIO, "layer diff: %s shrank while it was archived", path);
		if (archive_write_data(c->tw, c->buf, (size_t)n) != n)
			return c->out_errno ? berr_errno(err, c->out_errno,
							 "layer diff: write the layer stream")
					    : berr(err, EIO, "layer diff: %s: %s", path,
						   archive_error_string(c->tw) ?: "write failed");
		left -= (uint64_t)n;
	}
	return 0;
}

static int walk(struct diff_ctx *c, int dirfd, char *path, size_t plen, unsigned depth,
		berth_error *err);

static int put_dir(struct diff_ctx *c, int dirfd, const char *leaf, char *path, size_t plen,
		   const struct stat *s, unsigned depth, berth_error *err)
{
	_cleanup_close_ int fd =
	    openat(dirfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct archive_entry *e;
	char v[4];
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "layer diff: open directory %s", path);
	if (plen + 2 > LAYER_MAX_PATH)
		return berr(err, ENAMETOOLONG, "layer diff: %s: path too long", path);
	path[plen] = '/';
	path[plen + 1] = '\0';
	e = new_entry(c, path, s);
	if (!e)
		return berr(err, ENOMEM, "out of memory");
	archive_entry_set_filetype(e, AE_IFDIR);
	r = add_xattrs(c, fd, e, path, err);
	if (r < 0) {
		archive_entry_free(e);
		return r;
	}
	r = put_header(c, e, path, err);
	if (r < 0)
		return r;
	if ((fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y') ||
	    (fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')) {
		snprintf(c->name, NAME_BUF, "%s.wh..wh..opq", path);
		r = put_marker(c, c->name, s, err);
		if (r < 0)
			return r;
	}
	return walk(c, fd, path, plen + 1, depth + 1, err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Archive the children of @dirfd; @path holds "a/b/" (plen bytes), "" at the root. */
static bool skipped(const struct diff_ctx *c, const char *path, const struct stat *s)
{
	if (!c->opts->skip_empty || !S_ISREG(s->st_mode) || s->st_size != 0)
		return false;
	for (const char *const *p = c->opts->skip_empty; *p; p++)
		if (strcmp(*p, path) == 0)
			return true;
	return false;
}

static int walk(struct diff_ctx *c, int dirfd, char *path, size_t plen, unsigned depth,
		berth_error *err)
{
	struct dirent **list = NULL;
	int n, r = 0;

	if (depth > LAYER_MAX_DEPTH)
		return berr(err, ENAMETOOLONG, "layer diff: %s: nested too deep", path);
	n = scandirat(dirfd, ".", &list, skip_dots, by_name);
	if (n < 0)
		return berr_errno(err, errno, "layer diff: read directory %s", *path ? path : "/");
	for (int i = 0; i < n && r >= 0; i++) {
		const char *leaf = list[i]->d_name;
		size_t llen = strlen(leaf);
		struct stat s;

		if (plen + llen + 8 > LAYER_MAX_PATH) {
			r = berr(err, ENAMETOOLONG, "layer diff: %s%s: path too long", path, leaf);
			break;
		}
		memcpy(path + plen, leaf, llen + 1);
		if (fstatat(dirfd, leaf, &s, AT_SYMLINK_NOFOLLOW) < 0) {
			r = berr_errno(err, errno, "layer diff: stat %s", path);
			break;
		}
		if (skipped(c, path, &s))
			continue;
		if (S_ISCHR(s.st_mode) && s.st_rdev == 0) {
			snprintf(c->name, NAME_BUF, "%.*s.wh.%s", (int)plen, path, leaf);
			r = put_marker(c, c->name, &s, err);
		} else if (S_ISDIR(s.st_mode)) {
			r = put_dir(c, dirfd, leaf, path, plen + llen, &s, depth, err);
		} else if (S_ISREG(s.st_mode)) {
			r = put_file(c, dirfd, leaf, path, &s, err);
		} else if (S_ISLNK(s.st_mode)) {
			ssize_t t = readlinkat(dirfd, leaf, c->buf, LAYER_MAX_PATH + 1);
			if (t < 0 || t > LAYER_MAX_PATH) {
				r = berr_errno(err, t < 0 ? errno : ENAMETOOLONG,
					       "layer diff: read symlink %s", path);
				break;
			}
			c->buf[t] = '\0';
			struct archive_entry *e = new_entry(c, path, &s);
			if (!e) {
				r = berr(err, ENOMEM, "out of memory");
				break;
			}
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, c->buf);
			r = put_header(c, e, path, err);
		} else if (S_ISFIFO(s.st_mode) ||
			   ((S_ISCHR(s.st_mode) || S_ISBLK(s.st_mode)) && !c->opts->skip_devices)) {
			struct archive_entry *e = new_entry(c, path, &s);
			if (!e) {
				r = berr(err, ENOMEM, "out of memory");
				break;
			}
			archive_entry_set_filetype(e, s.st_mode & S_IFMT);
			archive_entry_set_rdev(e, s.st_rdev);
			r = put_header(c, e, path, err);
		}
		/* sockets (and devices with skip_devices) are not layer content */
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	path[plen] = '\0';
	return r;
}

static int open_writers(struct diff_ctx *c, berth_error *err)
{
	c->h_tar = sha256_new();
	c->h_out = sha256_new();
	c->buf = malloc(COPY_CHUNK);
	c->name = malloc(NAME_BUF);
	c->tw = archive_write_new();
	if (!c->h_tar || !c->h_out || !c->buf || !c->name || !c->tw)
		return berr(err, ENOMEM, "out of memory");

	if (c->opts->compression != LAYER_DIFF_NONE) {
		struct archive_entry *e;
		int r;

		c->cw = archive_write_new();
		if (!c->cw)
			return berr(err, ENOMEM, "out of memory");
		archive_write_set_format_raw(c->cw);
		if (c->opts->compression == LAYER_DIFF_GZIP) {
			r = archive_write_add_filter_gzip(c->cw);
			if (r == ARCHIVE_OK)
				r = archive_write_set_filter_option(c->cw, "gzip", "timestamp",
								    NULL);
		} else {
			r = archive_write_add_filter_zstd(c->cw);
		}
		if (r != ARCHIVE_OK)
			return berr(err, ENOTSUP, "layer diff: compression: %s",
				    archive_error_string(c->cw) ?: "not available");
		archive_write_set_bytes_per_block(c->cw, 0);
		if (archive_write_open2(c->cw, c, NULL, out_cb, NULL, NULL) != ARCHIVE_OK)
			return berr(err, EIO, "layer diff: %s", archive_error_string(c->cw));
		e = archive_entry_new();
		if (!e)
			return berr(err, ENOMEM, "out of memory");
		archive_entry_set_pathname(e, "layer.tar");
		archive_entry_set_filetype(e, AE_IFREG);
		r = archive_write_header(c->cw, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK)
			return berr(err, EIO, "layer diff: %s", archive_error_string(c->cw));
	}

	archive_write_set_format_pax_restricted(c->tw);
	archive_write_set_bytes_per_block(c->tw, 512);
	archive_write_set_bytes_in_last_block(c->tw, 1);
	if (archive_write_open2(c->tw, c, NULL, tar_cb, NULL, NULL) != ARCHIVE_OK)
		return berr(err, EIO, "layer diff: %s", archive_error_string(c->tw));
	return 0;
}

static int close_writers(struct diff_ctx *c, berth_error *err)
{
	if (archive_write_close(c->tw) != ARCHIVE_OK)
		goto fail;
	if (c->cw && archive_write_close(c->cw) != ARCHIVE_OK)
		goto fail;
	return 0;
fail:
	if (c->out_errno)
		return berr_errno(err, c->out_errno, "layer diff: write the layer stream");
	return berr(err, EIO, "layer diff: finish the layer stream: %s",
		    archive_error_string(c->tw) ?: "failed");
}

int layer_diff_write(int diff_dirfd, int out_fd, const struct layer_diff_opts *opts,
		     struct layer_diff_stats *ret_stats, berth_error *err)
{
	static const struct layer_diff_opts defaults = {0};
	struct diff_ctx c = {.opts = opts ?: &defaults, .out_fd = out_fd};
	char path[LAYER_MAX_PATH + 16] = "";
	int r;

	r = open_writers(&c, err);
	if (r >= 0)
		r = walk(&c, diff_dirfd, path, 0, 0, err);
	if (r >= 0)
		r = close_writers(&c, err);
	if (r >= 0) {
		sha256_final_hex(c.h_tar, c.st.diff_id);
		sha256_final_hex(c.h_out, c.st.digest);
		c.st.size = c.tar_size;
		c.st.compressed_size = c.out_size;
		if (ret_stats)
			*ret_stats = c.st;
		r = 0;
	}
	if (c.tw)
		archive_write_free(c.tw);
	if (c.cw)
		archive_write_free(c.cw);
	sha256_free(c.h_tar);
	sha256_free(c.h_out);
	for (size_t i = 0; i < c.links_cap; i++)
		free(c.links[i].path);
	free(c.links);
	free(c.buf);
	free(c.name);
	return r;
}
