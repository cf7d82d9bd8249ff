/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kv.h - an ordered string map (annotations, labels) small enough that a linear scan wins.
 */
#ifndef BERTH_OCI_KV_H
#define BERTH_OCI_KV_H

#include <stddef.h>

/** struct oci_kv - one owned key/value pair */
typedef struct oci_kv {
	char *key;
	char *value;
} oci_kv;

/** struct oci_kvs - ordered pairs with unique keys; zero-initialised is empty */
typedef struct oci_kvs {
	oci_kv *items;
	size_t n;
} oci_kvs;

/** oci_kvs_get() - the value for @key, or NULL. */
const char *oci_kvs_get(const oci_kvs *kvs, const char *key);

/** oci_kvs_set() - add or replace @key; 0 or -ENOMEM. */
int oci_kvs_set(oci_kvs *kvs, const char *key, const char *value);

/** oci_kvs_unset() - remove @key; returns 1 when it was there, else 0. */
int oci_kvs_unset(oci_kvs *kvs, const char *key);

/** oci_kvs_copy() - deep copy @src into empty @dst; 0 or -ENOMEM (dst left empty). */
int oci_kvs_copy(oci_kvs *dst, const oci_kvs *src);

/** oci_kvs_clear() - free every pair and leave @kvs empty; NULL is fine. */
void oci_kvs_clear(oci_kvs *kvs);

#endif
