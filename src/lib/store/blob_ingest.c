/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob_ingest.c - [heavy] receiving blobs: bytes go to a temp file in <root>/tmp (flock'ed, so
 * store_gc() knows it is in use) while being hashed; only when the digest matches is the file
 * fsync'ed and renamed to blobs/sha256/<hex>. A kill -9 leaves at most an unlocked temp file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/macro.h"
#include "util/sha256.h"

#define BUF_SIZE (1u << 16)

struct store_blob_writer {
	struct store *s;
	struct sha256 *h;
	int tmp_dirfd;
	int fd;
	char name[64];
	uint64_t size;
	uint64_t max;
};

/* A new temp file in <root>/tmp, flock'ed for as long as it is open (store_gc() skips it). */
static int tmp_file(struct store *s, const char *prefix, int *ret_dirfd, int *ret_fd,
		    char name[64], berth_error *err)
{
	_cleanup_close_ int dfd = openat(store_root_fd(s), "tmp",
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int fd = -1;

	if (dfd < 0)
		return berr_errno(err, errno, "open %s/tmp", store_root(s));
	for (int i = 0; i < 100; i++) {
		unsigned rnd = (unsigned)random() ^ ((unsigned)getpid() << 8) ^ (unsigned)i;
		snprintf(name, 64, "%s-%d-%08x", prefix, (int)getpid(), rnd);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return berr_errno(err, errno, "create temp file in %s/tmp", store_root(s));
	}
	if (fd < 0)
		return berr(err, EEXIST, "create temp file in %s/tmp: too many collisions", store_root(s));
	if (lock_fd(fd, true, false) < 0) {
		unlinkat(dfd, name, 0);
		return berr(err, EIO, "lock temp file %s/tmp/%s", store_root(s), name);
	}
	*ret_dirfd = TAKE_FD(dfd);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int store_blob_writer_new(struct store *s, uint64_t max_size, struct store_blob_writer **ret,
			  berth_error *err)
{
	struct store_blob_writer *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return berr(err, ENOMEM, "out of memory");
	w->s = s;
	w->max = max_size;
	w->fd = w->tmp_dirfd = -1;
	w->h = sha256_new();
	if (!w->h) {
		free(w);
		return berr(err, ENOMEM, "out of memory");
	}
	r = tmp_file(s, "blob", &w->tmp_dirfd, &w->fd, w->name, err);
	if (r < 0) {
		sha256_free(w->h);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int store_blob_writer_write(struct store_blob_writer *w, const void *data, size_t len,
			    berth_error *err)
{
	int r;

	if (w->max && w->size + len > w->max)
		return berr(err, EFBIG, "blob is larger than the limit of %llu bytes",
			    (unsigned long long)w->max);
	r = write_all(w->fd, data, len);
	if (r < 0)
		return berr_errno(err, -r, "write %s/tmp/%s", store_root(w->s), w->name);
	sha256_update(w->h, data, len);
	w->size += len;
	return 0;
}

void store_blob_writer_abort(struct store_blob_writer *w)
{
	if (!w)
		return;
	if (w->tmp_dirfd >= 0) {
		unlinkat(w->tmp_dirfd, w->name, 0);
		close(w->tmp_dirfd);
	}
	if (w->fd >= 0)
		close(w->fd);
	sha256_free(w->h);
	free(w);
}

int store_blob_writer_commit(struct store_blob_writer *w, const char *expect_digest,
			     char ret_digest[STORE_DIGEST_LEN + 1], uint64_t *ret_size,
			     berth_error *err)
{
	char hex[SHA256_HEX_LEN + 1], digest[STORE_DIGEST_LEN + 1], dst[96];
	_cleanup_close_ int blobs = -1;
	int r = 0;

	sha256_final_hex(w->h, hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if (expect_digest && strcmp(expect_digest, digest) != 0) {
		r = berr(err, EBADMSG, "blob content does not match its digest: expected %s, got %s",
			 expect_digest, digest);
		goto out;
	}
	if (fsync(w->fd) < 0) {
		r = berr_errno(err, errno, "fsync blob %s", digest);
		goto out;
	}
	store_crash_point("blob-before-rename");
	snprintf(dst, sizeof(dst), "blobs/sha256/%s", hex);
	if (fchmod(w->fd, 0644) < 0 ||
	    renameat(w->tmp_dirfd, w->name, store_root_fd(w->s), dst) < 0) {
		r = berr_errno(err, errno, "store blob %s", digest);
		goto out;
	}
	w->name[0] = '\0';
	store_crash_point("blob-after-rename");
	blobs = openat(store_root_fd(w->s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (blobs >= 0)
		(void)fsync(blobs);
	if (ret_digest)
		memcpy(ret_digest, digest, sizeof(digest));
	if (ret_size)
		*ret_size = w->size;
out:
	if (w->name[0] == '\0') {
		/* renamed: nothing to unlink */
		close(w->tmp_dirfd);
		w->tmp_dirfd = -1;
	}
	store_blob_writer_abort(w);
	return r;
}

int store_blob_ingest_fd(struct store *s, int fd, const char *expect_digest, uint64_t max_size,
			 char ret_digest[STORE_DIGEST_LEN + 1], uint64_t *ret_size,
			 berth_error *err)
{
	struct store_blob_writer *w = NULL;
	_cleanup_free_ char *buf = malloc(BUF_SIZE);
	int r;

	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	r = store_blob_writer_new(s, max_size, &w, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = berr_errno(err, errno, "read blob");
			break;
		}
		if (n == 0)
			return store_blob_writer_commit(w, expect_digest, ret_digest, ret_size, err);
		r = store_blob_writer_write(w, buf, (size_t)n, err);
		if (r < 0)
			break;
	}
	store_blob_writer_abort(w);
	return r;
}

int store_blob_adopt_fd(struct store *s, int fd, const char *digest, berth_error *err)
{
	_cleanup_close_ int dfd = openat(store_root_fd(s), "tmp",
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int blobs = -1;
	char name[64], proc[64], dst[96];
	struct stat st, tst;

	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != STORE_DIGEST_LEN ||
	    strspn(digest + 7, "0123456789abcdef") != SHA256_HEX_LEN)
		return berr(err, EINVAL, "invalid digest \"%s\"", digest ? digest : "");
	/* only an unnamed file on the store's own file system can be linked in */
	if (dfd < 0 || fstat(fd, &st) < 0 || fstat(dfd, &tst) < 0 || st.st_nlink != 0 ||
	    st.st_dev != tst.st_dev || !S_ISREG(st.st_mode))
		return -EXDEV;
	if (lock_fd(fd, true, false) < 0)
		return -EXDEV;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int i = 0;; i++) {
		unsigned rnd = (unsigned)random() ^ ((unsigned)getpid() << 8) ^ (unsigned)i;
		snprintf(name, sizeof(name), "blob-%d-%08x", (int)getpid(), rnd);
		if (linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST || i == 100)
			return -EXDEV;
	}
	snprintf(dst, sizeof(dst), "blobs/sha256/%s", digest + 7);
	if (fsync(fd) < 0 || fchmod(fd, 0644) < 0 ||
	    renameat(dfd, name, store_root_fd(s), dst) < 0) {
		int e = errno;
		unlinkat(dfd, name, 0);
		return berr_errno(err, e, "store blob %s", digest);
	}
	blobs = openat(store_root_fd(s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (blobs >= 0)
		(void)fsync(blobs);
	return 0;
}

int store_blob_ingest_buf(struct store *s, const void *data, size_t len,
			  const char *expect_digest, char ret_digest[STORE_DIGEST_LEN + 1],
			  berth_error *err)
{
	struct store_blob_writer *w = NULL;
	int r = store_blob_writer_new(s, 0, &w, err);

	if (r < 0)
		return r;
	r = store_blob_writer_write(w, data, len, err);
	if (r < 0) {
		store_blob_writer_abort(w);
		return r;
	}
	return store_blob_writer_commit(w, expect_digest, ret_digest, NULL, err);
}

int store_blob_verify(const struct store *s, const char *digest, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	char hex[SHA256_HEX_LEN + 1];
	_cleanup_free_ char *buf = malloc(BUF_SIZE);
	int r;

	if (!h || !buf)
		return berr(err, ENOMEM, "out of memory");
	r = store_blob_open(s, digest, &fd, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_errno(err, errno, "read blob %s", digest);
		if (n == 0)
			break;
		sha256_update(h, buf, (size_t)n);
	}
	sha256_final_hex(h, hex);
	if (strcmp(hex, digest + 7) != 0)
		return berr(err, EBADMSG, "blob %s is corrupt: its content hashes to sha256:%s", digest,
			    hex);
	return 0;
}
