/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.h - streaming SHA-256 (OpenSSL's, which uses the CPU's SHA extensions). Heavy: links
 * libcrypto, so only berth-transfer and berth-registry use it (DESIGN.md, "Programs").
 */
#ifndef BERTH_UTIL_SHA256_H
#define BERTH_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256;

/** sha256_new() - a fresh hashing context, or NULL when out of memory. */
struct sha256 *sha256_new(void);
/** sha256_update() - feed @len bytes. */
void sha256_update(struct sha256 *h, const void *data, size_t len);
/** sha256_final_hex() - finish and write 64 lowercase hex digits + NUL into @hex. */
void sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);
/** sha256_free() - release; NULL is fine. */
void sha256_free(struct sha256 *h);
static inline void sha256_freep(struct sha256 **h)
{
	sha256_free(*h);
}
/** sha256_hex_of() - one-shot digest of a buffer. */
void sha256_hex_of(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif
