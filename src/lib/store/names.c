/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.c - image names as podman normalizes them for tag and import: an unqualified name gets
 * the "localhost/" domain (podman's rule for local images), "docker.io/x" becomes
 * "docker.io/library/x", and a missing tag means ":latest".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-names.h"
#include "store/store.h"
#include "util/macro.h"

void store_ref_done(struct store_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

bool store_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != STORE_DIGEST_LEN)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!is_hex(*p))
			return false;
	return true;
}

bool store_hex_prefix(const char *s, size_t min)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!is_hex(s[n]))
			return false;
	return n >= min && n <= STORE_ID_LEN;
}

/* One repository path component: lowercase alnum runs joined by ".", "_", "__" or "-"s. */
static bool path_component_valid(const char *c, size_t len)
{
	if (len == 0 || !is_lower_alnum(c[0]) || !is_lower_alnum(c[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_alnum(c[i]) && c[i] != '.' && c[i] != '_' && c[i] != '-')
			return false;
	return true;
}

static bool domain_valid(const char *d)
{
	if (!*d)
		return false;
	for (const char *p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']'))
			return false;
	return true;
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return false;
	}
	return true;
}

int store_ref_parse(const char *name, struct store_ref *ret, berth_error *err)
{
	_cleanup_free_ char *copy = NULL;
	struct store_ref r = { 0 };
	char *at, *slash, *colon, *rest;
	bool had_tag = false, had_domain = false;

	if (!name || !*name)
		return berr(err, EINVAL, "invalid image name \"\": give a name such as busybox or quay.io/org/app:tag");
	if (strlen(name) > STORE_MAX_NAME_LEN)
		return berr(err, EINVAL, "invalid image name: longer than %d bytes", STORE_MAX_NAME_LEN);
	copy = strdup(name);
	if (!copy)
		return berr(err, ENOMEM, "out of memory");
	at = strchr(copy, '@');
	if (at) {
		*at = '\0';
		if (!store_digest_valid(at + 1)) {
			store_ref_done(&r);
			return berr(err, EINVAL, "invalid image name \"%s\": bad digest after \"@\"", name);
		}
		r.digest = strdup(at + 1);
	}
	slash = strrchr(copy, '/');
	colon = strrchr(copy, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!tag_valid(colon + 1)) {
			store_ref_done(&r);
			return berr(err, EINVAL, "invalid image name \"%s\": invalid tag \"%s\"", name,
				    colon + 1);
		}
		r.tag = strdup(colon + 1);
		had_tag = true;
	}
	rest = copy;
	slash = strchr(copy, '/');
	if (slash) {
		*slash = '\0';
		if (strchr(copy, '.') || strchr(copy, ':') || strcmp(copy, "localhost") == 0) {
			if (!domain_valid(copy)) {
				store_ref_done(&r);
				return berr(err, EINVAL, "invalid image name \"%s\": invalid registry \"%s\"",
					    name, copy);
			}
			r.domain = strdup(copy);
			had_domain = true;
			rest = slash + 1;
		} else
			*slash = '/';
	}
	for (const char *c = rest;;) {
		size_t len = strcspn(c, "/");
		if (!path_component_valid(c, len)) {
			bool upper = false;
			for (const char *p = rest; *p; p++)
				upper |= *p >= 'A' && *p <= 'Z';
			store_ref_done(&r);
			return berr(err, EINVAL, "invalid image name \"%s\": %s", name,
				    upper ? "repository name must be lowercase"
					  : "invalid reference format");
		}
		if (!c[len])
			break;
		c += len + 1;
	}
	if (r.domain && (strcmp(r.domain, "docker.io") == 0 || strcmp(r.domain, "index.docker.io") == 0)) {
		free(r.domain);
		r.domain = strdup("docker.io");
		if (!strchr(rest, '/')) {
			if (asprintf(&r.path, "library/%s", rest) < 0)
				r.path = NULL;
		} else
			r.path = strdup(rest);
	} else
		r.path = strdup(rest);
	if (!r.path || (at && !r.digest) || (had_tag && !r.tag) || (had_domain && !r.domain)) {
		store_ref_done(&r);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret = r;
	return 0;
}

int store_ref_format(const struct store_ref *r, const char *default_domain, bool add_latest,
		     char **ret, berth_error *err)
{
	const char *domain = r->domain ? r->domain : default_domain;
	const char *tag = r->tag ? r->tag : (add_latest && !r->digest ? "latest" : NULL);
	int n;

	if (r->digest)
		n = asprintf(ret, "%s%s%s@%s", domain ? domain : "", domain ? "/" : "", r->path,
			     r->digest);
	else
		n = asprintf(ret, "%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", r->path,
			     tag ? ":" : "", tag ? tag : "");
	if (n < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int store_name_normalize(const char *name, char **ret, berth_error *err)
{
	struct store_ref r = { 0 };
	int rc = store_ref_parse(name, &r, err);

	if (rc < 0)
		return rc;
	rc = store_ref_format(&r, "localhost", true, ret, err);
	store_ref_done(&r);
	return rc;
}

int store_name_split(const char *name, char **ret_repo, char **ret_tag)
{
	const char *at = strchr(name, '@');
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(name, ':');
	char *repo, *tag;

	if (at) {
		repo = strndup(name, (size_t)(at - name));
		tag = strdup("<none>");
	} else if (colon && (!slash || colon > slash)) {
		repo = strndup(name, (size_t)(colon - name));
		tag = strdup(colon + 1);
	} else {
		repo = strdup(name);
		tag = strdup("<none>");
	}
	if (!repo || !tag) {
		free(repo);
		free(tag);
		return -ENOMEM;
	}
	*ret_repo = repo;
	*ret_tag = tag;
	return 0;
}
