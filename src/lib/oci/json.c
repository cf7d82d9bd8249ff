/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/json-internal.h"
#include "util/macro.h"

#define QUOTE_MAX 100

int oci_json_load(const void *data, size_t len, const char *what, json_t **ret, berth_error *err)
{
	json_error_t jerr;
	json_t *root;

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return berr(err, EINVAL, "%s is not valid JSON: %s at line %d column %d", what,
			    jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return berr(err, EINVAL, "%s must be a JSON object", what);
	}
	*ret = root;
	return 0;
}

int oci_json_str(json_t *obj, const char *key, bool required, size_t max, char **ret,
		 const char *ctx, berth_error *err)
{
	json_t *v = json_object_get(obj, key);
	char *s;

	if (!v || json_is_null(v)) {
		if (required)
			return berr(err, EINVAL, "%s: \"%s\" is missing", ctx, key);
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return berr(err, EINVAL, "%s: \"%s\" must be a string", ctx, key);
	if (json_string_length(v) > max)
		return berr(err, EINVAL, "%s: \"%s\" is longer than %zu bytes", ctx, key, max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return berr(err, EINVAL, "%s: \"%s\" contains a NUL character", ctx, key);
	s = strdup(json_string_value(v));
	if (!s)
		return berr(err, ENOMEM, "out of memory");
	*ret = s;
	return 0;
}

static int strv_from_array(json_t *arr, size_t max_items, size_t max_len, char ***ret,
			   const char *ctx, const char *key, berth_error *err)
{
	size_t n = json_array_size(arr);
	char **v;

	if (n > max_items)
		return berr(err, EINVAL, "%s: \"%s\" has more than %zu entries", ctx, key,
			    max_items);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);

		if (!json_is_string(e) || json_string_length(e) > max_len ||
		    strlen(json_string_value(e)) != json_string_length(e)) {
			strv_free(v);
			return berr(err, EINVAL,
				    "%s: \"%s\"[%zu] must be a string of at most %zu bytes", ctx,
				    key, i, max_len);
		}
		v[i] = strdup(json_string_value(e));
		if (!v[i]) {
			strv_free(v);
			return berr(err, ENOMEM, "out of memory");
		}
	}
	*ret = v;
	return 0;
}

int oci_json_strv(json_t *obj, const char *key, size_t max_items, size_t max_len, char ***ret,
		  const char *ctx, berth_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return berr(err, EINVAL, "%s: \"%s\" must be an array of strings", ctx, key);
	return strv_from_array(v, max_items, max_len, ret, ctx, key, err);
}

int oci_json_set_keys(json_t *obj, const char *key, size_t max_items, size_t max_len, char ***ret,
		      const char *ctx, berth_error *err)
{
	json_t *v = json_object_get(obj, key);
	const char *k;
	json_t *val;
	char **out;
	size_t i = 0;

	if (!v || json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_object(v))
		return berr(err, EINVAL, "%s: \"%s\" must be an object", ctx, key);
	if (json_object_size(v) > max_items)
		return berr(err, EINVAL, "%s: \"%s\" has more than %zu entries", ctx, key,
			    max_items);
	out = calloc(json_object_size(v) + 1, sizeof(*out));
	if (!out)
		return berr(err, ENOMEM, "out of memory");
	json_object_foreach(v, k, val)
	{
		if (strlen(k) > max_len || strlen(k) == 0) {
			strv_free(out);
			return berr(err, EINVAL,
				    "%s: \"%s\" has an empty key or one longer than %zu "
				    "bytes",
				    ctx, key, max_len);
		}
		out[i] = strdup(k);
		if (!out[i++]) {
			strv_free(out);
			return berr(err, ENOMEM, "out of memory");
		}
	}
	*ret = out;
	return 0;
}

int oci_json_kvs(json_t *obj, const char *key, size_t max_items, size_t max_key, size_t max_value,
		 oci_kvs *ret, const char *ctx, berth_error *err)
{
	json_t *v = json_object_get(obj, key);
	const char *k;
	json_t *val;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return berr(err, EINVAL, "%s: \"%s\" must be an object of strings", ctx, key);
	if (json_object_size(v) > max_items)
		return berr(err, EINVAL, "%s: \"%s\" has more than %zu entries", ctx, key,
			    max_items);
	json_object_foreach(v, k, val)
	{
		if (!json_is_string(val) ||
		    strlen(json_string_value(val)) != json_string_length(val)) {
			oci_kvs_clear(ret);
			return berr(err, EINVAL, "%s: \"%s\" value of \"%.*s\" must be a string",
				    ctx, key, QUOTE_MAX, k);
		}
		if (strlen(k) > max_key || json_string_length(val) > max_value) {
			oci_kvs_clear(ret);
			return berr(err, EINVAL,
				    "%s: \"%s\" entry \"%.*s\" is too long (keys up to %zu bytes, "
				    "values up to %zu)",
				    ctx, key, QUOTE_MAX, k, max_key, max_value);
		}
		if (oci_kvs_set(ret, k, json_string_value(val)) < 0) {
			oci_kvs_clear(ret);
			return berr(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

int oci_json_int(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		 const char *ctx, berth_error *err)
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return berr(err, EINVAL, "%s: \"%s\" must be an integer", ctx, key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return berr(err, EINVAL, "%s: \"%s\" is %lld, outside %lld..%lld", ctx, key,
			    (long long)i, (long long)min, (long long)max);
	*ret = i;
	return 1;
}

static int put(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return -ENOMEM;
	return 0;
}

int oci_json_put_str(json_t *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return put(obj, key, json_string(value));
}

int oci_json_put_strv(json_t *obj, const char *key, char *const *v)
{
	json_t *arr;

	if (!v)
		return 0;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	for (; *v; v++) {
		if (json_array_append_new(arr, json_string(*v)) < 0) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	return put(obj, key, arr);
}

int oci_json_put_set(json_t *obj, const char *key, char *const *v)
{
	json_t *o;

	if (!v)
		return 0;
	o = json_object();
	if (!o)
		return -ENOMEM;
	for (; *v; v++) {
		if (json_object_set_new(o, *v, json_object()) < 0) {
			json_decref(o);
			return -ENOMEM;
		}
	}
	return put(obj, key, o);
}

int oci_json_put_kvs(json_t *obj, const char *key, const oci_kvs *kvs)
{
	json_t *o;

	if (!kvs || kvs->n == 0)
		return 0;
	o = json_object();
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < kvs->n; i++) {
		if (json_object_set_new(o, kvs->items[i].key, json_string(kvs->items[i].value)) <
		    0) {
			json_decref(o);
			return -ENOMEM;
		}
	}
	return put(obj, key, o);
}

int oci_json_put_int(json_t *obj, const char *key, int64_t v)
{
	return put(obj, key, json_integer(v));
}

int oci_json_dump(json_t *root, char **ret, size_t *ret_len, berth_error *err)
{
	char *s = json_dumps(root, JSON_COMPACT);

	if (!s)
		return berr(err, ENOMEM, "out of memory");
	if (ret_len)
		*ret_len = strlen(s);
	*ret = s;
	return 0;
}

size_t oci_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int oci_strv_dup(char *const *v, char ***ret)
{
	size_t n = oci_strv_len(v);
	char **out;

	if (!v) {
		*ret = NULL;
		return 0;
	}
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			strv_free(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

bool oci_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p && *p) {
		unsigned c = *p;
		unsigned n, cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

bool oci_utf8_valid_strv(char *const *v)
{
	for (; v && *v; v++)
		if (!oci_utf8_valid(*v))
			return false;
	return true;
}

bool oci_utf8_valid_kvs(const oci_kvs *kvs)
{
	for (size_t i = 0; kvs && i < kvs->n; i++)
		if (!oci_utf8_valid(kvs->items[i].key) || !oci_utf8_valid(kvs->items[i].value))
			return false;
	return true;
}
