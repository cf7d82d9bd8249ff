/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/kv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *oci_kvs_get(const oci_kvs *kvs, const char *key)
{
	for (size_t i = 0; kvs && i < kvs->n; i++)
		if (strcmp(kvs->items[i].key, key) == 0)
			return kvs->items[i].value;
	return NULL;
}

int oci_kvs_set(oci_kvs *kvs, const char *key, const char *value)
{
	char *v = strdup(value);
	char *k;
	oci_kv *items;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < kvs->n; i++) {
		if (strcmp(kvs->items[i].key, key) == 0) {
			free(kvs->items[i].value);
			kvs->items[i].value = v;
			return 0;
		}
	}
	k = strdup(key);
	items = k ? realloc(kvs->items, (kvs->n + 1) * sizeof(*items)) : NULL;
	if (!items) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	items[kvs->n].key = k;
	items[kvs->n].value = v;
	kvs->items = items;
	kvs->n++;
	return 0;
}

int oci_kvs_unset(oci_kvs *kvs, const char *key)
{
	for (size_t i = 0; i < kvs->n; i++) {
		if (strcmp(kvs->items[i].key, key) == 0) {
			free(kvs->items[i].key);
			free(kvs->items[i].value);
			memmove(&kvs->items[i], &kvs->items[i + 1],
				(kvs->n - i - 1) * sizeof(kvs->items[0]));
			kvs->n--;
			return 1;
		}
	}
	return 0;
}

int oci_kvs_copy(oci_kvs *dst, const oci_kvs *src)
{
	for (size_t i = 0; src && i < src->n; i++) {
		if (oci_kvs_set(dst, src->items[i].key, src->items[i].value) < 0) {
			oci_kvs_clear(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

void oci_kvs_clear(oci_kvs *kvs)
{
	if (!kvs)
		return;
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->items[i].key);
		free(kvs->items[i].value);
	}
	free(kvs->items);
	kvs->items = NULL;
	kvs->n = 0;
}
