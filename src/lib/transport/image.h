/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h - image sources and destinations behind one interface, one implementation per
 * transport: docker:// (a registry), oci:DIR[:REF] (an OCI image layout), dir:PATH (skopeo's
 * directory layout). copy.h moves an image between any two of them.
 *
 * A source hands out manifests (verified against their digest when one is asked for) and blobs as
 * regular-file fds positioned at offset 0 whose content was verified against digest and size; a
 * destination takes blobs from such fds and manifests from memory. Blobs are streamed as they
 * are, never unpacked or recompressed, so digests survive every copy.
 */
#ifndef BERTH_TRANSPORT_IMAGE_H
#define BERTH_TRANSPORT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/reference.h"
#include "transport/registry_client.h"
#include "util/error.h"

/**
 * struct img_opts - how to reach one side of a copy
 * @reg:	registry options (TLS, credentials, verb for messages) for docker://
 * @client:	the process's registry client (docker:// only)
 */
struct img_opts {
	struct reg_opts reg;
	struct reg_client *client;
};

/** progress callback: bytes of blob @digest done out of @total (-1 unknown). */
typedef void (*img_progress_fn)(void *ud, const char *digest, int64_t done, int64_t total);

struct img_src;
struct img_dst;

struct img_src_ops {
	/* the manifest @digest, or the image's own (top) manifest when @digest is NULL */
	int (*get_manifest)(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_media_type, berth_error *err);
	/* blob @digest as a verified fd at offset 0; temporary files go to @tmpdir_fd */
	int (*get_blob)(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			img_progress_fn progress, void *ud, int *ret_fd, berth_error *err);
	void (*free)(struct img_src *s);
};

struct img_dst_ops {
	/* 1 when blob @digest is there already, 0 when not */
	int (*has_blob)(struct img_dst *d, const char *digest, int64_t size, berth_error *err);
	/* optional: 1 when the blob could be had without transferring it (cross-repository mount) */
	int (*mount_blob)(struct img_dst *d, const struct img_src *from, const char *digest,
			  berth_error *err);
	int (*put_blob)(struct img_dst *d, const char *digest, int64_t size, int fd,
			img_progress_fn progress, void *ud, berth_error *err);
	/*
	 * optional: put_blob() for an fd whose content this process has just hashed to @digest
	 * (the source's blobs_verified), made in tmpdir_fd: taken without copying or hashing it
	 */
	int (*put_verified_blob)(struct img_dst *d, const char *digest, int64_t size, int fd,
				 berth_error *err);
	/* @top: the image's own manifest (tagged); otherwise a child of an index (by digest) */
	int (*put_manifest)(struct img_dst *d, const void *body, size_t len, const char *media_type,
			    const char *digest, bool top, berth_error *err);
	int (*commit)(struct img_dst *d, berth_error *err);
	/*
	 * optional: a lock (an fd to close) held while blob @digest is fetched, so that two copies
	 * into the same destination fetch a blob once; NULL when the destination needs none
	 */
	int (*lock_blob)(struct img_dst *d, const char *digest, int *ret_fd, berth_error *err);
	/* optional with lock_blob: release the lock @fd it returned (closes @fd) */
	void (*unlock_blob)(struct img_dst *d, const char *digest, int fd);
	/* directory fd where a source should create temporary blob files (-1: $TMPDIR) */
	int (*tmpdir_fd)(struct img_dst *d);
	void (*free)(struct img_dst *d);
};

/**
 * struct img_src - an open image source
 * @name:	the image as the user named it (for messages)
 * @transport:	which transport
 * @repo:	docker: the open registry repository, else NULL
 * @consumer_verifies: set by img_copy() when the destination hashes every byte it takes: local
 *		files are then not hashed twice (network data always is)
 * @blobs_verified: every fd get_blob() returns is a private temp file whose bytes it hashed to
 *		the digest as they were written (a registry's blobs)
 */
struct img_src {
	const struct img_src_ops *ops;
	char *name;
	oci_transport transport;
	struct reg_repo *repo;
	bool consumer_verifies;
	bool blobs_verified;
};

/**
 * struct img_dst - an open image destination
 * @verifies:	it hashes every blob it takes and refuses a mismatch itself (a registry upload,
 *		the store's ingest)
 */
struct img_dst {
	const struct img_dst_ops *ops;
	char *name;
	oci_transport transport;
	struct reg_repo *repo;
	bool verifies;
};

/** img_src_open() - open @n as a source; -ENOTSUP for transports not written yet. */
int img_src_open(const oci_image_name *n, const struct img_opts *o, struct img_src **ret,
		 berth_error *err);
void img_src_free(struct img_src *s);
static inline void img_src_freep(struct img_src **s)
{
	img_src_free(*s);
}

/** img_dst_open() - open @n as a destination (creates layout directories). */
int img_dst_open(const oci_image_name *n, const struct img_opts *o, struct img_dst **ret,
		 berth_error *err);
void img_dst_free(struct img_dst *d);
static inline void img_dst_freep(struct img_dst **d)
{
	img_dst_free(*d);
}

/* Shared by the implementations. */

/** img_tmpfile() - an unnamed O_TMPFILE in @dirfd (or $TMPDIR, /var/tmp when -1). */
int img_tmpfile(int dirfd, int *ret_fd, berth_error *err);

/**
 * img_verify_fd() - hash @fd from offset 0 to EOF against @digest and @size (-1: any), then
 * rewind it. -EBADMSG with a message naming @what on mismatch.
 */
int img_verify_fd(int fd, const char *digest, int64_t size, const char *what, berth_error *err);

/**
 * img_file_get_blob() - blob @digest of source @s as the file HEX in @dirfd (oci: and dir:
 * layouts): opened without following symlinks, verified unless @s->consumer_verifies.
 */
int img_file_get_blob(const struct img_src *s, int dirfd, const char *digest, int64_t size,
		      img_progress_fn progress, void *ud, int *ret_fd, berth_error *err);

/** img_file_has_blob() - 1 when HEX of @digest in @dirfd is a regular file of @size (-1: any). */
int img_file_has_blob(const struct img_dst *t, int dirfd, const char *digest, int64_t size,
		      berth_error *err);

/** img_file_put_digest() - img_file_put_blob() as HEX of @digest, messages naming @t. */
int img_file_put_digest(const struct img_dst *t, int dirfd, const char *digest, int fd,
			berth_error *err);

/**
 * img_file_put_blob() - place the verified content of @fd as @name under @dirfd atomically:
 * an unlinked temp file is linked in, anything else is copied (copy_file_range) to a temp name
 * and renamed.
 */
int img_file_put_blob(int dirfd, const char *name, int fd, berth_error *err);

struct archive;
/**
 * img_decompressor() - a libarchive reader of @fd's content decompressed (gzip, zstd or none),
 * ready for archive_read_data(); free it with archive_read_free(). @what names the blob.
 */
int img_decompressor(int fd, const char *what, struct archive **ret, berth_error *err);

/**
 * img_guess_media_type() - the media type of a manifest from its content ("mediaType", or the
 * shape: "manifests" → OCI index, a Docker config type → Docker schema2): a static string, or
 * NULL when @body is not a manifest berth understands.
 */
const char *img_guess_media_type(const char *body, size_t len);

/* image_docker.c, image_oci.c, image_dir.c */
int img_docker_src_open(const oci_image_name *n, const struct img_opts *o, struct img_src **ret,
			berth_error *err);
int img_docker_dst_open(const oci_image_name *n, const struct img_opts *o, struct img_dst **ret,
			berth_error *err);
int img_oci_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err);
int img_oci_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err);
int img_dir_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err);
int img_dir_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err);
/*
 * img_recompress_src_open() - @inner (taken over) seen through a filter that hands out its
 * layers compressed as @format ("zstd" or "gzip"): the layers not in that format (with
 * @uncompressed_only: those not compressed at all) are decompressed and recompressed into
 * temp files at open, and the top manifest becomes an OCI manifest naming them; when none
 * needs it, the manifest passes through untouched. For push --compression-format, copy
 * --dest-compress-format, and uncompressed layers on their way to a registry.
 */
int img_recompress_src_open(struct img_src *inner, const char *format, bool uncompressed_only,
			    struct img_src **ret, berth_error *err);
/* image_archive.c: oci-archive: and docker-archive: */
int img_archive_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err);
int img_archive_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err);

struct store;
/** img_store_src_open() - image @ref of the local store (store_image_lookup()'s rules). */
int img_store_src_open(struct store *s, const char *ref, struct img_src **ret, berth_error *err);
/**
 * img_store_dst_open() - the local store as a destination; the image gets @name (normalized,
 * may be NULL). Holds the store lock shared until freed.
 */
int img_store_dst_open(struct store *s, const char *name, struct img_dst **ret, berth_error *err);
/** img_store_dst_image_id() - after a successful commit: the new image's id (64 hex). */
const char *img_store_dst_image_id(const struct img_dst *t);

/** img_docker_ref_string() - "host/repo" of a docker:// name (malloc'd). */
char *img_docker_repo_string(const oci_image_name *n);

#endif
