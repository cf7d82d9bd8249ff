/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar_writer.h - write a plain (pax) tar file of regular files and directories, as the
 * docker-archive: and oci-archive: destinations need: to a temp file beside the target, renamed
 * over it only when everything was written, so a failed copy leaves no half archive.
 */
#ifndef BERTH_TRANSPORT_TAR_WRITER_H
#define BERTH_TRANSPORT_TAR_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct tar_writer;

/** tar_writer_open() - start the archive that will become @path; @what names it in messages. */
int tar_writer_open(const char *path, const char *what, struct tar_writer **ret, berth_error *err);

/** tar_writer_dir() - a directory entry @name (ending without "/"). */
int tar_writer_dir(struct tar_writer *w, const char *name, berth_error *err);

/** tar_writer_buf() - a regular file @name holding @len bytes of @data. */
int tar_writer_buf(struct tar_writer *w, const char *name, const void *data, size_t len,
		   berth_error *err);

/** tar_writer_fd() - a regular file @name with the content of @fd (from offset 0 to its size). */
int tar_writer_fd(struct tar_writer *w, const char *name, int fd, berth_error *err);

/** tar_writer_commit() - finish the archive and rename it into place. */
int tar_writer_commit(struct tar_writer *w, berth_error *err);

/** tar_writer_free() - release; an archive not committed is removed. NULL is fine. */
void tar_writer_free(struct tar_writer *w);
static inline void tar_writer_freep(struct tar_writer **w)
{
	tar_writer_free(*w);
}

#endif
