/* SPDX-License-Identifier: Apache-2.0 */
/* tar_writer.c - a pax tar written to a temp file and renamed into place on commit. */
#include "transport/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

#define TAR_CHUNK (256u << 10)

struct tar_writer {
	struct archive *a;
	char *path, *tmp, *what;
	char *buf;
	int fd;
	int out_errno;
	bool committed;
};

static la_ssize_t write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct tar_writer *w = data;
	int r = write_all(w->fd, buf, len);

	(void)a;
	if (r < 0) {
		w->out_errno = -r;
		return -1;
	}
	return (la_ssize_t)len;
}

static int fail(struct tar_writer *w, const char *name, berth_error *err)
{
	if (w->out_errno)
		return berr_errno(err, w->out_errno, "%s: cannot write %s", w->what, w->path);
	return berr(err, EIO, "%s: %s: %s", w->what, name,
		    archive_error_string(w->a) ?: "cannot write to the archive");
}

int tar_writer_open(const char *path, const char *what, struct tar_writer **ret, berth_error *err)
{
	struct tar_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return berr(err, ENOMEM, "out of memory");
	w->fd = -1;
	if (!(w->path = strdup(path)) || !(w->what = strdup(what)) ||
	    !(w->buf = malloc(TAR_CHUNK)) ||
	    asprintf(&w->tmp, "%s.berth-tmp-%d", path, (int)getpid()) < 0) {
		w->tmp = NULL;
		tar_writer_free(w);
		return berr(err, ENOMEM, "out of memory");
	}
	(void)unlink(w->tmp);
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (w->fd < 0) {
		int e = errno;
		free(w->tmp);
		w->tmp = NULL;
		tar_writer_free(w);
		return berr_errno(err, e, "%s: cannot create %s", what, path);
	}
	w->a = archive_write_new();
	if (!w->a || archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open(w->a, w, NULL, write_cb, NULL) != ARCHIVE_OK) {
		tar_writer_free(w);
		return berr(err, ENOMEM, "%s: cannot start the tar stream", what);
	}
	*ret = w;
	return 0;
}

static int header(struct tar_writer *w, const char *name, mode_t type, mode_t perm, int64_t size,
		  berth_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return berr(err, ENOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, type == AE_IFREG ? size : 0);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? fail(w, name, err) : 0;
}

int tar_writer_dir(struct tar_writer *w, const char *name, berth_error *err)
{
	return header(w, name, AE_IFDIR, 0755, 0, err);
}

int tar_writer_buf(struct tar_writer *w, const char *name, const void *data, size_t len,
		   berth_error *err)
{
	int r = header(w, name, AE_IFREG, 0644, (int64_t)len, err);

	if (r == 0 && len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		r = fail(w, name, err);
	return r;
}

int tar_writer_fd(struct tar_writer *w, const char *name, int fd, berth_error *err)
{
	struct stat st;
	off_t off = 0;
	int r;

	if (fstat(fd, &st) < 0)
		return berr_errno(err, errno, "%s: %s", w->what, name);
	r = header(w, name, AE_IFREG, 0644, st.st_size, err);
	while (r == 0 && off < st.st_size) {
		size_t want = (size_t)(st.st_size - off) < TAR_CHUNK ? (size_t)(st.st_size - off)
								     : TAR_CHUNK;
		ssize_t n = pread(fd, w->buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return berr_errno(err, n < 0 ? errno : EIO, "%s: %s changed while written",
					  w->what, name);
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return fail(w, name, err);
		off += n;
	}
	return r;
}

int tar_writer_commit(struct tar_writer *w, berth_error *err)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return fail(w, "end of archive", err);
	if (fsync(w->fd) < 0 || rename(w->tmp, w->path) < 0)
		return berr_errno(err, errno, "%s: cannot put %s in place", w->what, w->path);
	w->committed = true;
	return 0;
}

void tar_writer_free(struct tar_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp && !w->committed)
		(void)unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	free(w->what);
	free(w->buf);
	free(w);
}
