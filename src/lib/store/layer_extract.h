/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_extract.h - unpack one image layer (a tar stream, gzip/zstd/uncompressed, auto-detected)
 * into a directory, safely. Heavy: links libarchive and libcrypto (berth-transfer only).
 *
 * Safety contract: nothing is ever written outside @dest_dirfd. Every entry is created by
 * resolving its parent with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below the layer
 * directory and then calling mkdirat/openat/symlinkat/linkat/mknodat on the leaf name alone; no
 * path string ever reaches the host filesystem. Leading "/" is stripped, ".." components that
 * would climb above the root are refused, hardlinks must name an existing non-directory inside
 * the layer, symlink targets are stored verbatim (resolving *through* them stays inside the root).
 *
 * Whiteouts (OCI image spec, "Representing Changes"):
 *   LAYER_WHITEOUT_OVERLAY  ".wh.NAME" becomes an overlayfs whiteout (char device 0:0) NAME;
 *                           ".wh..wh..opq" sets the opaque xattr on its directory
 *                           (trusted.overlay.opaque=y as root, user.overlay.opaque=y rootless).
 *                           The destination should be a fresh, empty directory.
 *   LAYER_WHITEOUT_APPLY    for the vfs driver: the destination already holds the parent layers'
 *                           merged tree; ".wh.NAME" deletes NAME, ".wh..wh..opq" empties the
 *                           directory of everything not written by this layer.
 *   LAYER_WHITEOUT_KEEP     ".wh.*" entries are written as ordinary empty files (for tooling that
 *                           wants the raw layer content).
 *
 * On failure the destination is left partially written: the caller removes it (rm_rf_at()).
 */
#ifndef BERTH_STORE_LAYER_EXTRACT_H
#define BERTH_STORE_LAYER_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Hard limits on untrusted layer content (0 in the options means "use these"). */
#define LAYER_MAX_ENTRIES	 (1u << 20)    /* entries per layer */
#define LAYER_MAX_UNPACKED_BYTES (64ull << 30) /* 64 GiB of decompressed tar stream */
#define LAYER_MAX_PATH		 4096	       /* bytes in an entry name or link target */
#define LAYER_MAX_COMPONENT	 255	       /* bytes in one path component */
#define LAYER_MAX_DEPTH		 256	       /* directory depth */
#define LAYER_MAX_XATTR_VALUE	 (64u << 10)   /* bytes of one xattr value */
#define LAYER_DIGEST_HEX_LEN	 64

/** enum layer_whiteout_mode - what OCI ".wh." entries turn into; see the file comment. */
enum layer_whiteout_mode {
	LAYER_WHITEOUT_OVERLAY = 0,
	LAYER_WHITEOUT_APPLY,
	LAYER_WHITEOUT_KEEP,
};

/** enum layer_compression - the compression layer_extract() detected on the input stream. */
enum layer_compression {
	LAYER_COMPRESSION_NONE = 0,
	LAYER_COMPRESSION_GZIP,
	LAYER_COMPRESSION_ZSTD,
	LAYER_COMPRESSION_OTHER,
};

/**
 * struct layer_extract_opts - how to unpack (a zeroed struct is "root, overlay, default limits")
 * @rootless:	     running inside the store's user namespace (or as a plain user): device
 *		     nodes other than whiteouts are skipped (counted in skipped_devices), a chown
 *		     the kernel refuses (owner outside the mapping) keeps the unpacking user as
 *		     owner (counted in chown_skipped), and opaque dirs use user.overlay.opaque.
 *		     As root (false) every chown and device node must succeed.
 * @no_chown:	     never chown (e.g. a single-uid rootless store without subuids).
 * @whiteouts:	     see enum layer_whiteout_mode.
 * @max_entries:     0 = LAYER_MAX_ENTRIES.
 * @max_bytes:	     limit on the decompressed stream; 0 = LAYER_MAX_UNPACKED_BYTES.
 * @expect_digest:   if non-NULL, "sha256:<hex>" the compressed stream must hash to (-EBADMSG).
 * @expect_diff_id:  if non-NULL, "sha256:<hex>" the uncompressed tar must hash to (-EBADMSG).
 * @what:	     names the layer in error messages ("layer sha256:ab12..."); NULL = "layer".
 */
struct layer_extract_opts {
	bool rootless;
	bool no_chown;
	enum layer_whiteout_mode whiteouts;
	uint64_t max_entries;
	uint64_t max_bytes;
	const char *expect_digest;
	const char *expect_diff_id;
	const char *what;
};

/**
 * struct layer_extract_stats - what layer_extract() saw
 * @digest:	      sha256 hex of the bytes read from @tar_fd (the blob digest)
 * @diff_id:	      sha256 hex of the decompressed tar stream (the config's rootfs.diff_ids)
 * @compressed_size:  bytes read from @tar_fd
 * @size:	      bytes of decompressed tar stream
 * @content_size:     sum of regular files' sizes (what `images` reports as SIZE)
 * @compression:      detected compression
 * @entries:	      tar entries processed
 * @whiteouts:	      whiteouts and opaque markers handled
 * @skipped_devices:  device nodes / fifos skipped (rootless)
 * @chown_skipped:    entries whose owner could not be set (rootless)
 */
struct layer_extract_stats {
	char digest[LAYER_DIGEST_HEX_LEN + 1];
	char diff_id[LAYER_DIGEST_HEX_LEN + 1];
	uint64_t compressed_size;
	uint64_t size;
	uint64_t content_size;
	enum layer_compression compression;
	uint64_t entries;
	uint64_t whiteouts;
	uint64_t skipped_devices;
	uint64_t chown_skipped;
};

/**
 * layer_extract() - unpack the layer read from @tar_fd into the directory @dest_dirfd
 * @dest_dirfd:	the layer's root directory (O_DIRECTORY|O_PATH or O_RDONLY); -1 = read, hash and
 *		validate the stream only, writing nothing (diff_id of an import, a check)
 * @tar_fd:	the layer blob, read sequentially to EOF (a pipe is fine)
 * @opts:	options; NULL = all defaults
 * @ret_stats:	filled on success (may be NULL)
 * Return: 0; -EBADMSG for a corrupt or truncated stream or a digest mismatch; -EXDEV for an
 *	   entry that would escape the root; -EFBIG/-E2BIG over a limit; -EPERM for a device node
 *	   as root that the kernel refuses; other negative errnos from the filesystem. @err names
 *	   the offending entry ("layer sha256:ab12: entry "../x": path leaves the layer; ...").
 */
int layer_extract(int dest_dirfd, int tar_fd, const struct layer_extract_opts *opts,
		  struct layer_extract_stats *ret_stats, berth_error *err);

/** layer_compression_name() - "gzip", "zstd", "none" or "other". */
const char *layer_compression_name(enum layer_compression c);

#endif
