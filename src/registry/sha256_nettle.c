/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256_nettle.c - util/sha256.h for berth-registry through nettle instead of libcrypto.
 * libmicrohttpd already maps nettle (through GnuTLS); libcrypto's initialisation alone added
 * about 3.4 MB to the server's resident memory. Same speed: both use the CPU's SHA extensions.
 */
/* nettle first: its sha2.h #defines sha256_update and friends, which util/sha256.h declares */
#include <nettle/sha2.h>
#undef sha256_init
#undef sha256_update
#undef sha256_digest

#include "util/sha256.h"

#include <stdlib.h>

struct sha256 {
	struct sha256_ctx ctx;
};

struct sha256 *sha256_new(void)
{
	struct sha256 *h = calloc(1, sizeof(*h));

	if (h)
		nettle_sha256_init(&h->ctx);
	return h;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	nettle_sha256_update(&h->ctx, len, data);
}

void sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_SIZE];

	nettle_sha256_digest(&h->ctx, sizeof(md), md);
	for (unsigned int i = 0; i < sizeof(md); i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

void sha256_free(struct sha256 *h)
{
	free(h);
}

void sha256_hex_of(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	nettle_sha256_init(&h.ctx);
	nettle_sha256_update(&h.ctx, len, data);
	sha256_final_hex(&h, hex);
}
