/* SPDX-License-Identifier: Apache-2.0 */
/* image.c - opening sources and destinations by transport, and the file helpers they share. */
#include "transport/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/digest.h"
#include "oci/mediatype.h"
#include "util/fileio.h"
#include "util/macro.h"

int img_src_open(const oci_image_name *n, const struct img_opts *o, struct img_src **ret,
		 berth_error *err)
{
	switch (n->transport) {
	case OCI_TRANSPORT_DOCKER:
		return img_docker_src_open(n, o, ret, err);
	case OCI_TRANSPORT_OCI:
		return img_oci_src_open(n, ret, err);
	case OCI_TRANSPORT_DIR:
		return img_dir_src_open(n, ret, err);
	case OCI_TRANSPORT_OCI_ARCHIVE:
	case OCI_TRANSPORT_DOCKER_ARCHIVE:
		return img_archive_src_open(n, ret, err);
	default:
		return berr(err, ENOTSUP, "%s: images cannot be read from the %s transport yet",
			    n->path ? n->path : "image", oci_transport_name(n->transport));
	}
}

int img_dst_open(const oci_image_name *n, const struct img_opts *o, struct img_dst **ret,
		 berth_error *err)
{
	switch (n->transport) {
	case OCI_TRANSPORT_DOCKER:
		return img_docker_dst_open(n, o, ret, err);
	case OCI_TRANSPORT_OCI:
		return img_oci_dst_open(n, ret, err);
	case OCI_TRANSPORT_DIR:
		return img_dir_dst_open(n, ret, err);
	case OCI_TRANSPORT_OCI_ARCHIVE:
	case OCI_TRANSPORT_DOCKER_ARCHIVE:
		return img_archive_dst_open(n, ret, err);
	default:
		return berr(err, ENOTSUP, "%s: images cannot be written to the %s transport yet",
			    n->path ? n->path : "image", oci_transport_name(n->transport));
	}
}

void img_src_free(struct img_src *s)
{
	if (s)
		s->ops->free(s);
}

void img_dst_free(struct img_dst *d)
{
	if (d)
		d->ops->free(d);
}

int img_tmpfile(int dirfd, int *ret_fd, berth_error *err)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dirfd >= 0)
		fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	else
		fd = open(dir && *dir ? dir : "/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_errno(err, errno, "cannot create a temporary file in %s",
				  dirfd >= 0 ? "the destination"
					     : (dir && *dir ? dir : "/var/tmp"));
	*ret_fd = fd;
	return 0;
}

int img_verify_fd(int fd, const char *digest, int64_t size, const char *what, berth_error *err)
{
	_cleanup_(oci_verifier_freep) oci_verifier *v = NULL;
	char buf[256 * 1024];
	off_t off = 0;
	int r;

	r = oci_verifier_new(what, digest, size, &v, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_errno(err, errno, "%s: read failed", what);
		if (n == 0)
			break;
		r = oci_verifier_update(v, buf, (size_t)n, err);
		if (r < 0)
			return r;
		off += n;
	}
	r = oci_verifier_finish(v, NULL, err);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_errno(err, errno, "%s: cannot rewind", what);
	return 0;
}

int img_file_put_blob(int dirfd, const char *name, int fd, berth_error *err)
{
	_cleanup_close_ int out = -1;
	char tmp[256], proc[64];
	loff_t in_off = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return berr_errno(err, errno, "blob %s: cannot stat", name);
	snprintf(tmp, sizeof(tmp), ".tmp-%d-%s", getpid(), name);
	(void)unlinkat(dirfd, tmp, 0);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	/*
	 * No fsync: a blob is named by its digest and verified whenever it is read, so one torn by
	 * a crash is refused, never trusted; syncing 100 MB layers would double a pull's time.
	 */
	if (st.st_nlink == 0 && linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW) == 0)
		goto place;
	out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return berr_errno(err, errno, "blob %s: cannot create a file in the destination",
				  name);
	while (in_off < st.st_size) {
		ssize_t n =
		    copy_file_range(fd, &in_off, out, NULL, (size_t)(st.st_size - in_off), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* copy_file_range may refuse some file systems: fall back to read/write */
			char buf[128 * 1024];
			ssize_t got = pread(fd, buf, sizeof(buf), in_off);
			if (got <= 0 || write_all(out, buf, (size_t)got) < 0) {
				int e = got < 0 ? errno : EIO;
				(void)unlinkat(dirfd, tmp, 0);
				return berr_errno(
				    err, e, "blob %s: cannot copy it to the destination", name);
			}
			in_off += got;
		}
	}
place:
	if (fchmodat(dirfd, tmp, 0644, 0) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		return berr_errno(err, e, "blob %s: cannot put it in place", name);
	}
	return 0;
}

int img_decompressor(int fd, const char *what, struct archive **ret, berth_error *err)
{
	struct archive *rd = archive_read_new();
	struct archive_entry *raw;

	if (!rd)
		return berr(err, ENOMEM, "out of memory");
	archive_read_support_filter_gzip(rd);
	archive_read_support_filter_zstd(rd);
	archive_read_support_format_raw(rd);
	archive_read_support_format_empty(rd);
	if (archive_read_open_fd(rd, fd, 256u << 10) != ARCHIVE_OK ||
	    archive_read_next_header(rd, &raw) < ARCHIVE_WARN) {
		int r = berr(err, EBADMSG, "%s: %s", what, archive_error_string(rd) ?: "unreadable");
		archive_read_free(rd);
		return r;
	}
	*ret = rd;
	return 0;
}

const char *img_guess_media_type(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	const char *mt = NULL, *ret = NULL;

	if (!root)
		return NULL;
	mt = json_string_value(json_object_get(root, "mediaType"));
	static const char *const known[] = {OCI_MT_MANIFEST, OCI_MT_INDEX, DOCKER_MT_MANIFEST,
					    DOCKER_MT_MANIFEST_LIST};
	for (size_t i = 0; mt && i < ELEMENTSOF(known); i++)
		if (strcmp(mt, known[i]) == 0)
			ret = known[i];
	if (mt) {
		/* a declared type decides: one we do not know means "not a manifest for us" */
	} else if (json_is_array(json_object_get(root, "manifests"))) {
		ret = OCI_MT_INDEX;
	} else if (json_is_object(json_object_get(root, "config"))) {
		const char *cmt = json_string_value(
		    json_object_get(json_object_get(root, "config"), "mediaType"));
		ret = cmt && strcmp(cmt, DOCKER_MT_CONFIG) == 0 ? DOCKER_MT_MANIFEST
								: OCI_MT_MANIFEST;
	}
	json_decref(root);
	return ret;
}
