/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_archive.h - between image_archive.c (both archive transports) and
 * image_docker_archive.c (what is particular to docker-archive's manifest.json).
 */
#ifndef BERTH_TRANSPORT_IMAGE_ARCHIVE_H
#define BERTH_TRANSPORT_IMAGE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "oci/digest.h"
#include "oci/reference.h"
#include "transport/tar_index.h"
#include "util/error.h"

#define ARC_MAX_JSON   (4u << 20) /* manifest.json, index.json, a config */
#define ARC_MAX_IMAGES 256	  /* entries of one manifest.json */

/**
 * struct arc_blob - a blob read in place from the archive: @size bytes at @off, already hashed
 * to @digest when the archive was opened
 */
struct arc_blob {
	char digest[OCI_DIGEST_SHA256_LEN + 1];
	int64_t off, size;
};

struct arc_blobs {
	struct arc_blob *v;
	size_t n;
};

/**
 * img_docker_archive_import() - turn the docker-archive @arc_fd (untrusted, indexed in @idx:
 * every name its manifest.json gives is resolved inside it) into an OCI layout in
 * @layout_dirfd holding the image @n names (RepoTags match, ":@N", or the only one) with a
 * synthesized Docker schema2 manifest and its config; the layers stay in the archive and are
 * listed in @ret_blobs. Uncompressed layers must hash to the config's diff_ids.
 */
int img_docker_archive_import(const struct tar_index *idx, int arc_fd, int layout_dirfd,
			      const oci_image_name *n, const char *what, struct arc_blobs *ret_blobs,
			      berth_error *err);

/**
 * img_archive_member() - the regular file @name (from the archive's JSON: untrusted) leads to
 * in the indexed archive, symlinks followed inside it and ".." stopped at its top.
 */
int img_archive_member(const struct tar_index *idx, const char *name, const char *what,
		       const struct tar_member **ret, berth_error *err);

/**
 * img_archive_read_member() - the file @name of the indexed archive (symlinks followed inside
 * it), at most @max bytes (-EFBIG beyond), -ENOENT when it has none.
 */
int img_archive_read_member(const struct tar_index *idx, int arc_fd, const char *name, size_t max,
			    const char *what, char **ret, size_t *ret_len, berth_error *err);

/**
 * img_docker_archive_export() - write the image whose top manifest is @manifest (blobs in
 * @blobs_fd) as a docker-archive at @path: layers decompressed to "<diff_id hex>.tar" (each
 * checked against the config's diff_ids), "<config hex>.json", manifest.json naming @ref (may be
 * NULL). Decompressed layers are staged in @tmp_dirfd.
 */
int img_docker_archive_export(int blobs_fd, const char *manifest, size_t len,
			      const char *media_type, const char *ref, int tmp_dirfd,
			      const char *path, const char *what, berth_error *err);

/** img_archive_open_in() - open @name inside @dirfd (RESOLVE_IN_ROOT), a regular file. */
int img_archive_open_in(int dirfd, const char *name, const char *what, int *ret_fd,
			berth_error *err);

#endif
