/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest_compute.c - computing and verifying sha256 digests (heavy: libcrypto through
 * util/sha256). Everything that enters the store passes an oci_verifier: the byte count is
 * checked while data streams in, the digest once it has all arrived.
 */
#include "oci/digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/oci-internal.h"
#include "util/sha256.h"

#define READ_CHUNK (64 * 1024)

struct oci_verifier {
	struct sha256 *hash;
	char *what;
	char expected[OCI_DIGEST_SHA256_LEN + 1];
	int64_t expected_size;
	uint64_t size;
	bool finished;
};

void oci_digest_of_buffer(const void *data, size_t len, char ret[OCI_DIGEST_SHA256_LEN + 1])
{
	memcpy(ret, "sha256:", 7);
	sha256_hex_of(data, len, ret + 7);
}

int oci_digest_of_fd(int fd, uint64_t max, char ret[OCI_DIGEST_SHA256_LEN + 1], uint64_t *ret_size,
		     berth_error *err)
{
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	_cleanup_free_ char *buf = malloc(READ_CHUNK);
	uint64_t total = 0;

	if (!h || !buf)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_errno(err, errno, "read content to digest");
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (max && total > max)
			return berr(err, EFBIG,
				    "content to digest is larger than the limit of %llu bytes",
				    (unsigned long long)max);
		sha256_update(h, buf, (size_t)n);
	}
	memcpy(ret, "sha256:", 7);
	sha256_final_hex(h, ret + 7);
	if (ret_size)
		*ret_size = total;
	return 0;
}

int oci_verifier_new(const char *what, const char *expected_digest, int64_t expected_size,
		     oci_verifier **ret, berth_error *err)
{
	oci_verifier *v;
	oci_digest_algo algo;
	int r;

	r = oci_digest_parse(expected_digest, &algo, NULL, err);
	if (r < 0)
		return oci_err_prefix(r, err, "verify %s", what ? what : "blob");
	if (algo != OCI_DIGEST_SHA256)
		return berr(err, ENOTSUP,
			    "verify %s: berth can only verify sha256 digests, not \"%.20s...\"",
			    what ? what : "blob", expected_digest);
	if (expected_size < -1)
		return berr(err, EINVAL, "verify %s: invalid expected size %lld",
			    what ? what : "blob", (long long)expected_size);
	v = calloc(1, sizeof(*v));
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	v->hash = sha256_new();
	v->what = strdup(what ? what : "blob");
	if (!v->hash || !v->what) {
		oci_verifier_free(v);
		return berr(err, ENOMEM, "out of memory");
	}
	memcpy(v->expected, expected_digest, OCI_DIGEST_SHA256_LEN + 1);
	v->expected_size = expected_size;
	*ret = v;
	return 0;
}

int oci_verifier_update(oci_verifier *v, const void *data, size_t len, berth_error *err)
{
	if (v->finished)
		return berr(err, EINVAL, "verify %s: content fed after the check finished",
			    v->what);
	if (v->expected_size >= 0 && len > (uint64_t)v->expected_size - v->size)
		return berr(err, EFBIG,
			    "verify %s: content is larger than the %lld bytes its descriptor "
			    "promised; the source is corrupt or hostile",
			    v->what, (long long)v->expected_size);
	v->size += len;
	sha256_update(v->hash, data, len);
	return 0;
}

ssize_t oci_verifier_read(oci_verifier *v, int fd, void *buf, size_t len, berth_error *err)
{
	ssize_t n;
	int r;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berr_errno(err, errno, "verify %s: read", v->what);
	r = oci_verifier_update(v, buf, (size_t)n, err);
	if (r < 0)
		return r;
	return n;
}

int oci_verifier_finish(oci_verifier *v, char ret_digest[OCI_DIGEST_SHA256_LEN + 1],
			berth_error *err)
{
	char got[OCI_DIGEST_SHA256_LEN + 1];

	if (v->finished)
		return berr(err, EINVAL, "verify %s: already finished", v->what);
	v->finished = true;
	memcpy(got, "sha256:", 7);
	sha256_final_hex(v->hash, got + 7);
	if (v->expected_size >= 0 && v->size != (uint64_t)v->expected_size)
		return berr(err, ENODATA,
			    "verify %s: got %llu bytes but its descriptor promised %lld; the "
			    "transfer was cut short or the source is corrupt",
			    v->what, (unsigned long long)v->size, (long long)v->expected_size);
	if (strcmp(got, v->expected) != 0)
		return berr(err, EBADMSG,
			    "verify %s: content has digest %s, expected %s; the source is corrupt "
			    "or was tampered with",
			    v->what, got, v->expected);
	if (ret_digest)
		memcpy(ret_digest, got, sizeof(got));
	return 0;
}

uint64_t oci_verifier_size(const oci_verifier *v)
{
	return v->size;
}

oci_verifier *oci_verifier_free(oci_verifier *v)
{
	if (!v)
		return NULL;
	sha256_free(v->hash);
	free(v->what);
	free(v);
	return NULL;
}
