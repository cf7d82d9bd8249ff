/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/**
 * json_scan_cb - called by json_scan_object() for each member of the top-level object
 * @key: the key as written (no escapes: a key with a backslash fails the scan)
 * @klen: its length
 * @val: the value's text (not validated: parse it to use it)
 * @vlen: its length
 * @data: the caller's pointer
 */
typedef void (*json_scan_cb)(const char *key, size_t klen, const char *val, size_t vlen,
			     void *data);

/**
 * json_scan_object() - walk the members of the JSON object @text without parsing their values,
 * so that a reader who needs a few keys of a large object parses only those
 * @text: the document, @len: its length
 * @cb: called per member, in order; @data: passed to it
 *
 * Return: 0, or -EINVAL if @text is not an object this scanner can walk (the caller then
 * parses the whole document, which reports the error).
 */
int json_scan_object(const char *text, size_t len, json_scan_cb cb, void *data);

/**
 * json_loads_keys() - parse only the members named in @keys (NULL-ended) of the JSON object
 * @text; the other values are skipped, not parsed
 * Return: a new object with those of @keys that @text has (values that do not parse are left
 * out), or NULL if @text is not an object json_scan_object() can walk or memory ran out.
 */
json_t *json_loads_keys(const char *text, const char *const *keys);

/**
 * json_scan_member() - find the member @key of the JSON object @text without parsing the values
 * @text: the object's text, @len: its length
 * @ret_val: set to the first @key's value text (not validated), @ret_vlen: to its length
 *
 * Return: 0, -ENOENT when the object has no @key, or -EINVAL when @text is not an object
 * json_scan_object() can walk.
 */
int json_scan_member(const char *text, size_t len, const char *key, const char **ret_val,
		     size_t *ret_vlen);
