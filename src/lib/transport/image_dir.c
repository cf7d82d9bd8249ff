/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_dir.c - dir:PATH, skopeo's directory layout: manifest.json (the image's manifest),
 * HEX.manifest.json (the instances of an index), one file HEX per blob, and a "version" file.
 * A destination directory must be empty or an earlier dir: image (whose files are replaced).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/digest.h"
#include "transport/image.h"
#include "util/fileio.h"
#include "util/macro.h"

#define DIR_VERSION "Directory Transport Version: 1.1\n"

struct dir_img {
	struct img_src src;
	struct img_dst dst;
	int dirfd;
};

#define SRC_DIR(s) ((struct dir_img *)((char *)(s)-offsetof(struct dir_img, src)))
#define DST_DIR(t) ((struct dir_img *)((char *)(t)-offsetof(struct dir_img, dst)))

static void dir_free(struct dir_img *d)
{
	free(d->src.name);
	free(d->dst.name);
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d);
}

static void dir_src_free(struct img_src *s)
{
	dir_free(SRC_DIR(s));
}

static void dir_dst_free(struct img_dst *t)
{
	dir_free(DST_DIR(t));
}

static int manifest_file(const char *digest, char *buf, size_t size, berth_error *err)
{
	if (!digest) {
		snprintf(buf, size, "manifest.json");
		return 0;
	}
	if (!oci_digest_is_sha256(digest))
		return berr(err, EINVAL, "invalid digest \"%s\"", digest);
	snprintf(buf, size, "%s.manifest.json", digest + 7);
	return 0;
}

static int dir_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_media_type, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	char file[128], got[OCI_DIGEST_SHA256_LEN + 1];
	size_t len;
	int r;

	r = manifest_file(digest, file, sizeof(file), err);
	if (r < 0)
		return berr_prefix(err, "%s", s->name);
	r = read_file_at(SRC_DIR(s)->dirfd, file, REG_MAX_MANIFEST, &data, &len, err);
	if (r < 0)
		return berr_prefix(err, "%s: %s", s->name, file);
	if (digest) {
		oci_digest_of_buffer(data, len, got);
		if (strcmp(got, digest) != 0)
			return berr(err, EBADMSG, "%s: %s is corrupted (its content hashes to %s)",
				    s->name, file, got);
	}
	const char *mt = img_guess_media_type(data, len);
	if (!mt)
		return berr(err, EBADMSG, "%s: %s is not an OCI or Docker manifest", s->name, file);
	if (!(*ret_media_type = strdup(mt)))
		return berr(err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

static int dir_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	return img_file_get_blob(s, SRC_DIR(s)->dirfd, digest, size, progress, ud, ret_fd, err);
}

static const struct img_src_ops dir_src_ops = {
    .get_manifest = dir_get_manifest,
    .get_blob = dir_get_blob,
    .free = dir_src_free,
};

static int dir_new(const oci_image_name *n, bool dst, struct dir_img **ret, berth_error *err)
{
	struct dir_img *d = calloc(1, sizeof(*d));
	char *name = NULL;

	if (!d)
		return berr(err, ENOMEM, "out of memory");
	d->dirfd = -1;
	if (asprintf(&name, "dir:%s", n->path) < 0) {
		free(d);
		return berr(err, ENOMEM, "out of memory");
	}
	if (dst)
		d->dst.name = name;
	else
		d->src.name = name;
	*ret = d;
	return 0;
}

int img_dir_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err)
{
	struct dir_img *d = NULL;
	int r = dir_new(n, false, &d, err);

	if (r < 0)
		return r;
	d->src.ops = &dir_src_ops;
	d->src.transport = OCI_TRANSPORT_DIR;
	d->dirfd = open(n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		r = berr_errno(err, errno, "%s: cannot open the directory", d->src.name);
	else if (faccessat(d->dirfd, "manifest.json", R_OK, 0) < 0)
		r = berr(err, ENOENT, "%s: not an image directory (no manifest.json)", d->src.name);
	if (r < 0) {
		dir_free(d);
		return r;
	}
	*ret = &d->src;
	return 0;
}

/* ---- destination ------------------------------------------------------------------------- */

static int dir_has_blob(struct img_dst *t, const char *digest, int64_t size, berth_error *err)
{
	return img_file_has_blob(t, DST_DIR(t)->dirfd, digest, size, err);
}

static int dir_put_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
			img_progress_fn progress, void *ud, berth_error *err)
{
	return img_file_put_digest(t, DST_DIR(t)->dirfd, digest, fd, err);
}

static int dir_put_manifest(struct img_dst *t, const void *body, size_t len, const char *media_type,
			    const char *digest, bool top, berth_error *err)
{
	char file[128];
	int r = manifest_file(top ? NULL : digest, file, sizeof(file), err);
	if (r == 0)
		r = write_file_atomic_at(DST_DIR(t)->dirfd, file, body, len, 0644, err);
	return r < 0 ? berr_prefix(err, "%s", t->name) : 0;
}

static int dir_commit(struct img_dst *t, berth_error *err)
{
	int r = write_file_atomic_at(DST_DIR(t)->dirfd, "version", DIR_VERSION, strlen(DIR_VERSION),
				     0644, err);
	return r < 0 ? berr_prefix(err, "%s", t->name) : 0;
}

static int dir_tmpdir_fd(struct img_dst *t)
{
	return DST_DIR(t)->dirfd;
}

static const struct img_dst_ops dir_dst_ops = {
    .has_blob = dir_has_blob,
    .put_blob = dir_put_blob,
    .put_manifest = dir_put_manifest,
    .commit = dir_commit,
    .tmpdir_fd = dir_tmpdir_fd,
    .free = dir_dst_free,
};

/* empty_dir() - an earlier dir: image is emptied; any other non-empty directory refused. */
static int empty_dir(struct dir_img *d, berth_error *err)
{
	bool ours = faccessat(d->dirfd, "version", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	int fd = dup(d->dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return berr_errno(err, errno, "%s: cannot read the directory", d->dst.name);
	}
	while ((de = readdir(dir)) && r == 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!ours)
			r = berr(
			    err, EEXIST,
			    "%s: the directory is not empty and holds no dir: image; choose an "
			    "empty or new directory",
			    d->dst.name);
		else
			r = rm_rf_at(d->dirfd, de->d_name, err);
	}
	closedir(dir);
	return r;
}

int img_dir_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err)
{
	struct dir_img *d = NULL;
	int r = dir_new(n, true, &d, err);

	if (r < 0)
		return r;
	d->dst.ops = &dir_dst_ops;
	d->dst.transport = OCI_TRANSPORT_DIR;
	r = mkdir_p(n->path, 0755, err);
	if (r == 0 && (d->dirfd = open(n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = berr_errno(err, errno, "%s: cannot open the directory", d->dst.name);
	if (r == 0)
		r = empty_dir(d, err);
	if (r < 0) {
		dir_free(d);
		return r;
	}
	*ret = &d->dst;
	return 0;
}
