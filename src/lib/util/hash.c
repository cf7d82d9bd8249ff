// SPDX-License-Identifier: Apache-2.0
/*
 * hash.c - hash64(): a word-at-a-time multiply-xorshift hash (the mixing steps of
 * splitmix64/murmur3's finaliser). A byte-wise FNV-1a over a 50 KB seccomp profile costs
 * ~250k instructions; this costs ~40k.
 */
#include <string.h>

#include "util/hash.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (len + 1));
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ mix(w)) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
	}
	w = 0;
	memcpy(&w, p, len);
	h ^= mix(w ^ ((uint64_t)len << 56));
	return mix(h);
}
