/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.h - a fast 64-bit hash for cache keys and checksums of berth's own cache files (not
 * collision-proof against an adversary: every cache that uses it also compares the full key
 * text, or is written only by its owner). SHA-256 (sha256.h) needs libcrypto, which the light
 * programs do not load.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/**
 * hash64() - hash @len bytes at @data, 8 bytes per step
 * @seed: mixed in first (0 for plain use; chain calls by passing the previous result)
 * Return: the 64-bit hash
 */
uint64_t hash64(const void *data, size_t len, uint64_t seed);
