/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-internal.h - typed field readers and writers over jansson shared by the oci/ parsers.
 * Each reader checks the JSON type and a length limit and names the field in its error:
 * "<ctx>: \"<key>\" must be a string".
 */
#ifndef BERTH_OCI_JSON_INTERNAL_H
#define BERTH_OCI_JSON_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/kv.h"
#include "util/error.h"

/** oci_json_load() - parse @data (rejecting duplicate keys) into an object; names @what. */
int oci_json_load(const void *data, size_t len, const char *what, json_t **ret, berth_error *err);

/** oci_json_str() - read optional (or @required) string @key, at most @max bytes; NULL if absent
 * or JSON null. */
int oci_json_str(json_t *obj, const char *key, bool required, size_t max, char **ret,
		 const char *ctx, berth_error *err);

/** oci_json_strv() - read an array of strings (NULL-terminated); absent/null gives NULL, [] an
 * empty vector. */
int oci_json_strv(json_t *obj, const char *key, size_t max_items, size_t max_len, char ***ret,
		  const char *ctx, berth_error *err);

/** oci_json_set_keys() - read the keys of an object whose values are {} (ExposedPorts, Volumes)
 * into a vector; absent/null gives NULL. */
int oci_json_set_keys(json_t *obj, const char *key, size_t max_items, size_t max_len, char ***ret,
		      const char *ctx, berth_error *err);

/** oci_json_kvs() - read an object of strings into @ret (which must be empty). */
int oci_json_kvs(json_t *obj, const char *key, size_t max_items, size_t max_key, size_t max_value,
		 oci_kvs *ret, const char *ctx, berth_error *err);

/** oci_json_int() - read an optional integer; @ret untouched when absent. Returns 1 when found. */
int oci_json_int(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		 const char *ctx, berth_error *err);

/* Writers: return 0 or -ENOMEM; a NULL value writes nothing. */
int oci_json_put_str(json_t *obj, const char *key, const char *value);
int oci_json_put_strv(json_t *obj, const char *key, char *const *v);
int oci_json_put_set(json_t *obj, const char *key, char *const *v);
int oci_json_put_kvs(json_t *obj, const char *key, const oci_kvs *kvs);
int oci_json_put_int(json_t *obj, const char *key, int64_t v);

/** oci_json_dump() - compact serialization; 0 or -ENOMEM. */
int oci_json_dump(json_t *root, char **ret, size_t *ret_len, berth_error *err);

/** oci_strv_len() / oci_strv_dup() - vector helpers; the dup of NULL is NULL (0 or -ENOMEM). */
size_t oci_strv_len(char *const *v);
int oci_strv_dup(char *const *v, char ***ret);

/** oci_utf8_valid() - true when @s (NULL is fine) is valid UTF-8 without overlongs or
 * surrogates: jansson refuses to hold anything else. */
bool oci_utf8_valid(const char *s);
/** oci_utf8_valid_strv() / oci_utf8_valid_kvs() - every string valid UTF-8. */
bool oci_utf8_valid_strv(char *const *v);
bool oci_utf8_valid_kvs(const oci_kvs *kvs);

static inline void oci_json_decrefp(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ _cleanup_(oci_json_decrefp)

#endif
