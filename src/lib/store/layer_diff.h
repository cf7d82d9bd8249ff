/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_diff.h - the reverse of layer_extract(): turn a layer's diff directory (an overlay upper
 * dir, or an unpacked layer) back into an OCI layer tar stream, for commit, push and save.
 * Heavy: libarchive and libcrypto (berth-transfer only).
 *
 * overlayfs whiteouts (char device 0:0) become empty ".wh.NAME" files; directories marked opaque
 * (trusted.overlay.opaque or user.overlay.opaque = "y") get a ".wh..wh..opq" entry right after
 * their own. Entries are written in sorted order with names relative to the layer root
 * ("etc/passwd", directories with a trailing "/"), owners numeric, pax format, hardlinks as tar
 * links to the first name seen, and the xattrs layer_extract() restores (security.capability,
 * user.* except user.overlay.*). The same tree always gives the same bytes.
 */
#ifndef BERTH_STORE_LAYER_DIFF_H
#define BERTH_STORE_LAYER_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "store/layer_extract.h"
#include "util/error.h"

/** enum layer_diff_compression - how layer_diff_write() compresses its output. */
enum layer_diff_compression {
	LAYER_DIFF_NONE = 0,
	LAYER_DIFF_GZIP,
	LAYER_DIFF_ZSTD,
};

/**
 * struct layer_diff_opts - options (a zeroed struct: uncompressed, real mtimes)
 * @compression:   output compression
 * @clamp_mtime:   when non-zero, no mtime is written later than this (reproducible builds;
 *		   SOURCE_DATE_EPOCH)
 * @skip_devices:  leave device nodes out (rootless diffs hold none worth keeping)
 * @skip_empty:    NULL-terminated relative paths ("etc/hosts") left out when they are empty
 *		   regular files: the mount points a container's upper dir gets (commit, export)
 */
struct layer_diff_opts {
	enum layer_diff_compression compression;
	int64_t clamp_mtime;
	bool skip_devices;
	const char *const *skip_empty;
};

/**
 * struct layer_diff_stats - what layer_diff_write() produced
 * @digest:	    sha256 hex of the bytes written to the output (the blob digest)
 * @diff_id:	    sha256 hex of the uncompressed tar
 * @compressed_size: bytes written to the output
 * @size:	    bytes of uncompressed tar
 * @entries:	    entries written
 */
struct layer_diff_stats {
	char digest[LAYER_DIGEST_HEX_LEN + 1];
	char diff_id[LAYER_DIGEST_HEX_LEN + 1];
	uint64_t compressed_size;
	uint64_t size;
	uint64_t entries;
};

/**
 * layer_diff_write() - write the directory @diff_dirfd as an OCI layer tar to @out_fd
 * @diff_dirfd:	the diff directory (O_RDONLY|O_DIRECTORY); symlinks inside are never followed
 * @out_fd:	where the (maybe compressed) stream goes; a pipe is fine
 * @opts:	options; NULL = defaults
 * @ret_stats:	digests and sizes on success (may be NULL)
 * Return: 0 or a negative errno; @err names the file that failed.
 */
int layer_diff_write(int diff_dirfd, int out_fd, const struct layer_diff_opts *opts,
		     struct layer_diff_stats *ret_stats, berth_error *err);

#endif
