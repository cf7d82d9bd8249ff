/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_archive.h - between image_archive.c (both archive transports) and
 * image_docker_archive.c (what is particular to docker-archive's manifest.json).
 */
#ifndef BERTH_TRANSPORT_IMAGE_ARCHIVE_H
#define BERTH_TRANSPORT_IMAGE_ARCHIVE_H

#include <stddef.h>

#include "oci/reference.h"
#include "util/error.h"

#define ARC_MAX_JSON   (4u << 20) /* manifest.json, index.json, a config */
#define ARC_MAX_IMAGES 256	  /* entries of one manifest.json */

/**
 * img_docker_archive_import() - turn the unpacked docker-archive in @in_dirfd (untrusted: every
 * name its manifest.json gives is resolved inside it) into an OCI layout in @layout_dirfd
 * holding the image @n names (RepoTags match, ":@N", or the only one) with a synthesized
 * Docker schema2 manifest. Uncompressed layers must hash to the config's diff_ids.
 */
int img_docker_archive_import(int in_dirfd, int layout_dirfd, const oci_image_name *n,
			      const char *what, berth_error *err);

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
