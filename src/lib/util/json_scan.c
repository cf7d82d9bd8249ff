// SPDX-License-Identifier: Apache-2.0
/*
 * json_scan.c - find the members of a JSON object by skipping over values instead of parsing
 * them. `ps` reads a handful of keys from each container's create config (parsing every
 * config whole with jansson was over half of `ps -a` with 500 containers); `exec` reads the
 * "process" of a config.json that is mostly the seccomp profile.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "util/json_scan.h"

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* skip_string() - @p at the opening quote; Return: past the closing quote, NULL if none.
 * memchr() finds each candidate quote a vector at a time (most of a document's bytes are in
 * its strings); a quote after an odd run of backslashes is escaped. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		size_t bs = 0;

		if (!q)
			return NULL;
		while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return q + 1;
		p = q + 1;
	}
	return NULL;
}

/* skip_value() - Return: past the value at @p, NULL if it does not end before @end */
static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

int json_scan_object(const char *text, size_t len, json_scan_cb cb, void *data)
{
	const char *end = text + len, *p = skip_ws(text, end);

	if (p >= end || *p++ != '{')
		return -EINVAL;
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return 0;
	while (p < end) {
		const char *key, *kend, *val;

		if (*p != '"')
			return -EINVAL;
		key = p + 1;
		kend = skip_string(p, end);
		if (!kend || memchr(key, '\\', (size_t)(kend - 1 - key)))
			return -EINVAL;
		p = skip_ws(kend, end);
		if (p >= end || *p++ != ':')
			return -EINVAL;
		val = skip_ws(p, end);
		p = skip_value(val, end);
		if (!p || p == val)
			return -EINVAL;
		cb(key, (size_t)(kend - 1 - key), val, (size_t)(p - val), data);
		p = skip_ws(p, end);
		if (p < end && *p == '}')
			return 0;
		if (p >= end || *p++ != ',')
			return -EINVAL;
		p = skip_ws(p, end);
	}
	return -EINVAL;
}

#define PICK_KEYS_MAX 32

struct pick {
	const char *const *keys;
	size_t lens[PICK_KEYS_MAX]; /* strlen() of each key, once rather than per member */
	json_t *out;
};

static void pick_member(const char *key, size_t klen, const char *val, size_t vlen, void *data)
{
	struct pick *pk = data;

	for (size_t i = 0; pk->keys[i]; i++) {
		const char *const *k = &pk->keys[i];
		size_t len = i < PICK_KEYS_MAX ? pk->lens[i] : strlen(*k);
		if (len == klen && memcmp(*k, key, klen) == 0) {
			json_t *v = json_loadb(val, vlen, JSON_DECODE_ANY, NULL);
			if (v)
				json_object_set_new(pk->out, *k, v);
			return;
		}
	}
}

json_t *json_loads_keys(const char *text, const char *const *keys)
{
	struct pick pk = { .keys = keys, .out = json_object() };

	for (size_t i = 0; keys[i] && i < PICK_KEYS_MAX; i++)
		pk.lens[i] = strlen(keys[i]);
	if (pk.out && json_scan_object(text, strlen(text), pick_member, &pk) < 0) {
		json_decref(pk.out);
		return NULL;
	}
	return pk.out;
}

struct find {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

static void find_member(const char *key, size_t klen, const char *val, size_t vlen, void *data)
{
	struct find *f = data;

	if (!f->val && klen == f->klen && memcmp(key, f->key, klen) == 0) {
		f->val = val;
		f->vlen = vlen;
	}
}

int json_scan_member(const char *text, size_t len, const char *key, const char **ret_val,
		     size_t *ret_vlen)
{
	struct find f = { key, strlen(key), NULL, 0 };
	int r = json_scan_object(text, len, find_member, &f);

	if (r < 0)
		return r;
	if (!f.val)
		return -ENOENT;
	*ret_val = f.val;
	*ret_vlen = f.vlen;
	return 0;
}
