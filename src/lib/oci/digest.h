/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest.h - content digests ("algorithm:encoded") as the OCI image spec defines them.
 *
 * berth computes and verifies sha256 only; sha512 digests are accepted syntactically (a manifest
 * may carry them) and refused with a clear message where content must be verified. Parsing and
 * validation are light; computing digests needs libcrypto and lives in digest_compute.c
 * (oci_heavy_sources: berth-transfer and berth-registry only).
 */
#ifndef BERTH_OCI_DIGEST_H
#define BERTH_OCI_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define OCI_DIGEST_SHA256_HEX_LEN 64
#define OCI_DIGEST_SHA512_HEX_LEN 128
/* "sha256:" + 64 hex */
#define OCI_DIGEST_SHA256_LEN (7 + OCI_DIGEST_SHA256_HEX_LEN)
/* longest digest string berth accepts: "sha512:" + 128 hex */
#define OCI_DIGEST_MAX_LEN (7 + OCI_DIGEST_SHA512_HEX_LEN)
/* short image/layer ids as podman prints them */
#define OCI_SHORT_ID_LEN 12

/** enum oci_digest_algo - the digest algorithms berth recognises */
typedef enum oci_digest_algo {
	OCI_DIGEST_SHA256,
	OCI_DIGEST_SHA512,
} oci_digest_algo;

/**
 * oci_digest_parse() - validate @s as "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>"
 * @s:		the digest string (may be NULL: refused)
 * @ret_algo:	receives the algorithm (may be NULL)
 * @ret_hex:	receives a pointer into @s at the encoded part (may be NULL)
 * @err:	receives a message naming the digest and what is wrong
 * Return: 0, or -EINVAL for a malformed digest, -ENOTSUP for a well-formed digest of an
 * algorithm berth does not know.
 */
int oci_digest_parse(const char *s, oci_digest_algo *ret_algo, const char **ret_hex,
		     berth_error *err);

/** oci_digest_validate() - oci_digest_parse() without out-params. */
int oci_digest_validate(const char *s, berth_error *err);

/** oci_digest_is_sha256() - true when @s is a valid "sha256:<64 hex>" digest. */
bool oci_digest_is_sha256(const char *s);

/** oci_hex_is_id() - true when @s is exactly 64 lowercase hex digits (an image/layer id). */
bool oci_hex_is_id(const char *s);

/** oci_hex_is_prefix() - true when @s is 1..64 lowercase hex digits (an id prefix users type). */
bool oci_hex_is_prefix(const char *s);

/**
 * oci_digest_short_id() - the 12-hex-digit short form of a digest or a bare 64-hex id
 * @s:		"sha256:<hex>", "sha512:<hex>" or "<64 hex>"
 * @ret:	receives 12 hex digits and a NUL
 * Return: 0 or -EINVAL
 */
int oci_digest_short_id(const char *s, char ret[OCI_SHORT_ID_LEN + 1], berth_error *err);

/**
 * oci_digest_hex() - the encoded part of a valid digest (a pointer into @s), or NULL when @s is
 * not a valid digest.
 */
const char *oci_digest_hex(const char *s);

/**
 * oci_digest_from_hex() - "sha256:" + @hex into a new string
 * Return: 0, -EINVAL when @hex is not 64 lowercase hex digits, -ENOMEM
 */
int oci_digest_from_hex(const char *hex, char **ret, berth_error *err);

/* ---- heavy part (digest_compute.c, links libcrypto) ---- */

/**
 * oci_digest_of_buffer() - "sha256:<hex>" of @len bytes at @data, written into @ret.
 */
void oci_digest_of_buffer(const void *data, size_t len, char ret[OCI_DIGEST_SHA256_LEN + 1]);

/**
 * oci_digest_of_fd() - read @fd to EOF and digest what was read
 * @max:	refuse streams longer than this many bytes (-EFBIG); 0 for no limit
 * @ret:	receives "sha256:<hex>"
 * @ret_size:	receives the byte count (may be NULL)
 * Return: 0 or a negative errno
 */
int oci_digest_of_fd(int fd, uint64_t max, char ret[OCI_DIGEST_SHA256_LEN + 1], uint64_t *ret_size,
		     berth_error *err);

/**
 * struct oci_verifier - counts and hashes bytes as they stream by, then checks them against the
 * digest and size a descriptor promised. Opaque.
 */
typedef struct oci_verifier oci_verifier;

/**
 * oci_verifier_new() - start verifying a blob
 * @what:	names the object in error messages ("layer sha256:ab..", "config of busybox")
 *		(copied; NULL means "blob")
 * @expected_digest: the digest the content must have (sha256 only: -ENOTSUP for others)
 * @expected_size: the exact size the content must have, or -1 when unknown
 * Return: 0 or a negative errno; *@ret receives the verifier
 */
int oci_verifier_new(const char *what, const char *expected_digest, int64_t expected_size,
		     oci_verifier **ret, berth_error *err);

/**
 * oci_verifier_update() - feed @len more bytes
 * Return: 0, or -EFBIG as soon as the content grows past the expected size (so a hostile
 * server cannot make us store more than the descriptor promised).
 */
int oci_verifier_update(oci_verifier *v, const void *data, size_t len, berth_error *err);

/**
 * oci_verifier_read() - read(2) from @fd into @buf and feed what arrived; EINTR is retried
 * Return: the byte count (0 at EOF) or a negative errno.
 */
ssize_t oci_verifier_read(oci_verifier *v, int fd, void *buf, size_t len, berth_error *err);

/**
 * oci_verifier_finish() - compare size and digest once all content was fed
 * @ret_digest:	receives the computed "sha256:<hex>" (may be NULL)
 * Return: 0 when both match; -EBADMSG (digest mismatch) or -EFBIG/-ENODATA (size mismatch) with
 * a message naming @what, the expected and the actual value. May be called once.
 */
int oci_verifier_finish(oci_verifier *v, char ret_digest[OCI_DIGEST_SHA256_LEN + 1],
			berth_error *err);

/** oci_verifier_size() - bytes fed so far. */
uint64_t oci_verifier_size(const oci_verifier *v);

/** oci_verifier_free() - release; NULL is fine. Returns NULL. */
oci_verifier *oci_verifier_free(oci_verifier *v);
static inline void oci_verifier_freep(oci_verifier **v)
{
	oci_verifier_free(*v);
}

#endif
