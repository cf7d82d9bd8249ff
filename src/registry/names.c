/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.c - validation of the untrusted strings that become paths in the storage: repository
 * names, tags, digests and upload ids. Nothing that fails these checks ever reaches a path.
 */
#include <string.h>

#include "registry/registry.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool component_valid(const char *p, size_t len)
{
	size_t i = 0;

	if (len == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[len - 1]))
		return false;
	while (i < len) {
		if (is_lower_alnum(p[i])) {
			i++;
			continue;
		}
		size_t start = i;
		if (p[i] == '.')
			i++;
		else if (p[i] == '_')
			i += (i + 1 < len && p[i + 1] == '_') ? 2 : 1;
		else if (p[i] == '-')
			while (i < len && p[i] == '-')
				i++;
		else
			return false;
		if (i == start || i >= len || !is_lower_alnum(p[i]))
			return false;
	}
	return true;
}

bool reg_name_valid(const char *name)
{
	size_t len = strlen(name);
	const char *p = name;

	if (len == 0 || len > REG_NAME_MAX)
		return false;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!component_valid(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

bool reg_tag_valid(const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0 || len > REG_TAG_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = tag[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return false;
	}
	return true;
}

bool reg_digest_parse(const char *digest, char hex[65])
{
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != REG_DIGEST_LEN)
		return false;
	for (size_t i = 7; i < REG_DIGEST_LEN; i++)
		if (!is_hex(digest[i]))
			return false;
	if (hex)
		memcpy(hex, digest + 7, 65);
	return true;
}

bool reg_digest_valid(const char *digest)
{
	return reg_digest_parse(digest, NULL);
}

bool reg_uuid_valid(const char *uuid)
{
	size_t len = strlen(uuid);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_hex(uuid[i]) && uuid[i] != '-')
			return false;
	return true;
}
