/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileio.h - small file helpers: whole-file reads with a size cap, atomic writes (temp file in
 * the same directory, fsync, rename), and mkdir -p. Every fd is O_CLOEXEC.
 */
#ifndef BERTH_UTIL_FILEIO_H
#define BERTH_UTIL_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/**
 * read_file_at() - read a whole file into a NUL-terminated buffer
 * @dirfd:	directory fd or AT_FDCWD
 * @path:	file path relative to @dirfd
 * @max:	refuse files larger than this (-EFBIG)
 * @ret_data:	receives the malloc'd buffer on success
 * @ret_len:	receives the length (may be NULL)
 * Return: 0 or a negative errno
 */
int read_file_at(int dirfd, const char *path, size_t max, char **ret_data, size_t *ret_len,
		 berth_error *err);

/** read_fd_all() - read an fd to EOF, up to @max bytes. */
int read_fd_all(int fd, size_t max, char **ret_data, size_t *ret_len, berth_error *err);

/**
 * write_file_atomic_at() - replace @path under @dirfd with @data, atomically and durably
 * @mode:	file mode of the new file
 */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 berth_error *err);

/**
 * write_file_replace_at() - write_file_atomic_at() without the fsyncs: readers see the old or
 * the new content, but a crash may lose the update. For caches and hints only.
 */
int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			  berth_error *err);

/** write_all() - write every byte, retrying on EINTR and short writes. */
int write_all(int fd, const void *data, size_t len);

/** mkdir_p() - create @path and its parents with @mode; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, berth_error *err);

/** rm_rf_at() - remove @name under @dirfd recursively, never following symlinks. */
int rm_rf_at(int dirfd, const char *name, berth_error *err);

/** fsync_dir_at() - fsync the directory that holds a renamed entry. */
int fsync_dir_at(int dirfd);

#endif
