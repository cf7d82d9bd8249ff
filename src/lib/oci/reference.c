/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reference.c - image references (docker/distribution's grammar, Docker's normalization and
 * podman's short-name rules) and skopeo's transport-prefixed names.
 *
 * A reference is split from the right: "@" starts the digest, the last ":" after the last "/"
 * starts the tag, and the first "/"-separated component is the domain only when it looks like
 * one. Each part is then checked with a small hand-written matcher for its grammar.
 */
#include "oci/reference.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/digest.h"
#include "oci/oci-internal.h"

/* Untrusted strings are quoted in messages up to this many bytes. */
#define QUOTE_MAX 120

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool has_upper(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/* component := [a-z0-9]+ (([._] | "__" | "-"+) [a-z0-9]+)* */
static bool component_is_valid(const char *s, size_t len)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < len && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == len)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < len && s[i] == '-')
				i++;
		else
			return false;
	}
}

static bool path_is_valid_n(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '/') {
			if (!component_is_valid(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

bool oci_ref_path_is_valid(const char *path)
{
	return path && path_is_valid_n(path, strlen(path));
}

/* label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool dns_name_is_valid(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t n = i - start;

			if (n == 0 || !is_alnum(s[start]) || !is_alnum(s[i - 1]))
				return false;
			for (size_t j = start; j < i; j++)
				if (!is_alnum(s[j]) && s[j] != '-')
					return false;
			start = i + 1;
		}
	}
	return true;
}

/* "[" hex and colons (and dots, for v4-mapped forms) "]" */
static bool ipv6_is_valid(const char *s, size_t len)
{
	size_t colons = 0;

	if (len < 4 || s[0] != '[' || s[len - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < len; i++) {
		char c = s[i];

		if (c == ':')
			colons++;
		else if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
			   c == '.'))
			return false;
	}
	return colons >= 2;
}

static bool domain_is_valid_n(const char *s, size_t len)
{
	size_t host_len = len;
	const char *port = NULL;

	if (len == 0)
		return false;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return false;
		host_len = (size_t)(close - s) + 1;
		if (!ipv6_is_valid(s, host_len))
			return false;
		if (host_len < len) {
			if (s[host_len] != ':')
				return false;
			port = s + host_len + 1;
		}
	} else {
		const char *colon = memchr(s, ':', len);

		if (colon) {
			host_len = (size_t)(colon - s);
			port = colon + 1;
		}
		if (!dns_name_is_valid(s, host_len))
			return false;
	}
	if (port) {
		size_t plen = (size_t)(s + len - port);

		if (plen == 0)
			return false;
		for (size_t i = 0; i < plen; i++)
			if (!is_digit(port[i]))
				return false;
	}
	return true;
}

bool oci_ref_domain_is_valid(const char *domain)
{
	return domain && domain_is_valid_n(domain, strlen(domain));
}

static bool tag_is_valid_n(const char *s, size_t len)
{
	if (len == 0 || len > OCI_REF_TAG_MAX)
		return false;
	if (!(is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

bool oci_ref_tag_is_valid(const char *tag)
{
	return tag && tag_is_valid_n(tag, strlen(tag));
}

/* Docker's rule: the first component is a domain when it could not be a repository. */
static bool looks_like_domain(const char *s, size_t len)
{
	return memchr(s, '.', len) || memchr(s, ':', len) ||
	       (len == 9 && memcmp(s, "localhost", 9) == 0) || has_upper(s, len);
}

oci_ref *oci_ref_free(oci_ref *r)
{
	if (!r)
		return NULL;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
	return NULL;
}

static int oom(berth_error *err)
{
	return berr(err, ENOMEM, "out of memory");
}

static int set_str(char **dst, const char *s, size_t len)
{
	char *n = strndup(s, len);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

/* Normalize the parts in place (docker.io, library/, localhost, default tag). */
static int ref_complete(oci_ref *r, unsigned flags)
{
	if (r->domain && strcmp(r->domain, OCI_REF_LEGACY_DOMAIN) == 0 &&
	    (flags & OCI_REF_NORMALIZE)) {
		if (set_str(&r->domain, OCI_REF_DEFAULT_DOMAIN, strlen(OCI_REF_DEFAULT_DOMAIN)) < 0)
			return -ENOMEM;
	}
	if (!r->domain && (flags & (OCI_REF_NORMALIZE | OCI_REF_LOCAL))) {
		const char *d =
		    (flags & OCI_REF_LOCAL) ? OCI_REF_LOCAL_DOMAIN : OCI_REF_DEFAULT_DOMAIN;

		if (set_str(&r->domain, d, strlen(d)) < 0)
			return -ENOMEM;
	}
	if ((flags & OCI_REF_NORMALIZE) && r->domain &&
	    strcmp(r->domain, OCI_REF_DEFAULT_DOMAIN) == 0 && !strchr(r->path, '/')) {
		char *p;

		if (asprintf(&p, OCI_REF_OFFICIAL_PREFIX "%s", r->path) < 0)
			return -ENOMEM;
		free(r->path);
		r->path = p;
	}
	if ((flags & OCI_REF_DEFAULT_TAG) && !r->tag && !r->digest) {
		if (set_str(&r->tag, OCI_REF_DEFAULT_TAG_NAME, strlen(OCI_REF_DEFAULT_TAG_NAME)) <
		    0)
			return -ENOMEM;
	}
	return 0;
}

static size_t name_len(const oci_ref *r)
{
	return (r->domain ? strlen(r->domain) + 1 : 0) + strlen(r->path);
}

int oci_ref_parse(const char *s, unsigned flags, oci_ref **ret, berth_error *err)
{
	_cleanup_(oci_ref_freep) oci_ref *r = NULL;
	const char *at, *slash, *colon, *name_end, *path;
	size_t len, dlen = 0;
	int rc;

	if (!s || !*s)
		return berr(err, EINVAL, "invalid image reference \"\": the name is empty");
	len = strnlen(s, OCI_REF_INPUT_MAX + 1);
	if (len > OCI_REF_INPUT_MAX)
		return berr(err, EINVAL,
			    "invalid image reference \"%.*s...\": longer than %d bytes", QUOTE_MAX,
			    s, OCI_REF_INPUT_MAX);
	r = calloc(1, sizeof(*r));
	if (!r)
		return oom(err);

	at = strchr(s, '@');
	name_end = at ? at : s + len;
	if (at) {
		if (flags & OCI_REF_NO_DIGEST)
			return berr(
			    err, EINVAL,
			    "invalid image name \"%.*s\": a digest is not allowed here; give "
			    "NAME[:TAG]",
			    QUOTE_MAX, s);
		rc = oci_digest_validate(at + 1, err);
		if (rc < 0)
			return oci_err_prefix(rc, err, "invalid image reference \"%.*s\"",
					      QUOTE_MAX, s);
		if (set_str(&r->digest, at + 1, strlen(at + 1)) < 0)
			return oom(err);
	}

	/* the tag starts at the last ':' that follows the last '/' */
	slash = NULL;
	colon = NULL;
	for (const char *p = s; p < name_end; p++) {
		if (*p == '/')
			slash = p;
		else if (*p == ':')
			colon = p;
	}
	if (colon && (!slash || colon > slash)) {
		size_t tlen = (size_t)(name_end - colon - 1);

		if (!tag_is_valid_n(colon + 1, tlen))
			return berr(
			    err, EINVAL,
			    "invalid image reference \"%.*s\": the tag \"%.*s\" must be 1 to "
			    "%d letters, digits, '_', '.' or '-' and may not start with '.' "
			    "or '-'",
			    QUOTE_MAX, s, (int)(tlen > QUOTE_MAX ? QUOTE_MAX : tlen), colon + 1,
			    OCI_REF_TAG_MAX);
		if (set_str(&r->tag, colon + 1, tlen) < 0)
			return oom(err);
		name_end = colon;
	}

	slash = memchr(s, '/', (size_t)(name_end - s));
	path = s;
	if (slash && looks_like_domain(s, (size_t)(slash - s))) {
		dlen = (size_t)(slash - s);
		if (!domain_is_valid_n(s, dlen))
			return berr(err, EINVAL,
				    "invalid image reference \"%.*s\": \"%.*s\" is not a valid "
				    "registry host[:port]",
				    QUOTE_MAX, s, (int)(dlen > QUOTE_MAX ? QUOTE_MAX : dlen), s);
		if (set_str(&r->domain, s, dlen) < 0)
			return oom(err);
		path = slash + 1;
	}
	if (!path_is_valid_n(path, (size_t)(name_end - path))) {
		if (has_upper(path, (size_t)(name_end - path)))
			return berr(err, EINVAL,
				    "invalid image reference \"%.*s\": repository name must be "
				    "lowercase",
				    QUOTE_MAX, s);
		return berr(err, EINVAL,
			    "invalid image reference \"%.*s\": expected "
			    "[HOST[:PORT]/]NAME[:TAG][@DIGEST] with a lowercase NAME of letters, "
			    "digits and single separators '.', '_', '__', '-' between "
			    "'/'-separated components",
			    QUOTE_MAX, s);
	}
	if (set_str(&r->path, path, (size_t)(name_end - path)) < 0)
		return oom(err);

	if ((flags & (OCI_REF_NORMALIZE | OCI_REF_LOCAL)) && !r->domain && !r->tag && !r->digest &&
	    oci_hex_is_id(r->path))
		return berr(err, EINVAL,
			    "invalid repository name \"%.*s\": a 64-digit hex string is an image "
			    "id, not a name",
			    QUOTE_MAX, s);
	if (ref_complete(r, flags) < 0)
		return oom(err);
	if (name_len(r) > OCI_REF_NAME_MAX)
		return berr(err, EINVAL,
			    "invalid image reference \"%.*s...\": repository name must not be more "
			    "than %d characters",
			    QUOTE_MAX, s, OCI_REF_NAME_MAX);
	*ret = TAKE_PTR(r);
	return 0;
}

int oci_ref_new(const char *domain, const char *path, const char *tag, const char *digest,
		oci_ref **ret, berth_error *err)
{
	_cleanup_(oci_ref_freep) oci_ref *r = NULL;
	int rc;

	if (domain && !oci_ref_domain_is_valid(domain))
		return berr(err, EINVAL, "invalid registry \"%.*s\": expected HOST[:PORT]",
			    QUOTE_MAX, domain);
	if (!oci_ref_path_is_valid(path))
		return berr(err, EINVAL,
			    "invalid repository name \"%.*s\": expected lowercase '/'-separated "
			    "components of letters, digits, '.', '_' and '-'",
			    QUOTE_MAX, path ? path : "");
	r = calloc(1, sizeof(*r));
	if (!r)
		return oom(err);
	if ((domain && !(r->domain = strdup(domain))) || !(r->path = strdup(path)))
		return oom(err);
	if (name_len(r) > OCI_REF_NAME_MAX)
		return berr(err, EINVAL,
			    "invalid repository name \"%.*s...\": longer than %d characters",
			    QUOTE_MAX, path, OCI_REF_NAME_MAX);
	rc = oci_ref_set_tag(r, tag, err);
	if (rc < 0)
		return rc;
	rc = oci_ref_set_digest(r, digest, err);
	if (rc < 0)
		return rc;
	*ret = TAKE_PTR(r);
	return 0;
}

oci_ref *oci_ref_dup(const oci_ref *r)
{
	oci_ref *n;

	if (!r)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if ((r->domain && !(n->domain = strdup(r->domain))) || !(n->path = strdup(r->path)) ||
	    (r->tag && !(n->tag = strdup(r->tag))) ||
	    (r->digest && !(n->digest = strdup(r->digest))))
		return oci_ref_free(n);
	return n;
}

int oci_ref_set_tag(oci_ref *r, const char *tag, berth_error *err)
{
	if (tag && !oci_ref_tag_is_valid(tag))
		return berr(err, EINVAL,
			    "invalid tag \"%.*s\": a tag is 1 to %d letters, digits, '_', '.' or "
			    "'-' and may not start with '.' or '-'",
			    QUOTE_MAX, tag, OCI_REF_TAG_MAX);
	if (!tag) {
		free(r->tag);
		r->tag = NULL;
		return 0;
	}
	if (set_str(&r->tag, tag, strlen(tag)) < 0)
		return oom(err);
	return 0;
}

int oci_ref_set_digest(oci_ref *r, const char *digest, berth_error *err)
{
	int rc;

	if (!digest) {
		free(r->digest);
		r->digest = NULL;
		return 0;
	}
	rc = oci_digest_validate(digest, err);
	if (rc < 0)
		return rc;
	if (set_str(&r->digest, digest, strlen(digest)) < 0)
		return oom(err);
	return 0;
}

static char *ref_format(const oci_ref *r, bool with_domain, bool with_tag)
{
	const char *path = r->path;
	const char *domain = with_domain ? r->domain : NULL;
	char *s;

	/* keep docker.io when dropping it would make the first path component read as a domain
	 * ("docker.io/foo.bar/x" is not "foo.bar/x") */
	if (!with_domain && r->domain &&
	    (strcmp(r->domain, OCI_REF_DEFAULT_DOMAIN) != 0 ||
	     looks_like_domain(path, strcspn(path, "/"))))
		domain = r->domain;
	if (!with_domain && (!r->domain || !domain) &&
	    strncmp(path, OCI_REF_OFFICIAL_PREFIX, strlen(OCI_REF_OFFICIAL_PREFIX)) == 0 &&
	    !strchr(path + strlen(OCI_REF_OFFICIAL_PREFIX), '/'))
		path += strlen(OCI_REF_OFFICIAL_PREFIX);
	if (asprintf(&s, "%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
		     with_tag && r->tag ? ":" : "", with_tag && r->tag ? r->tag : "",
		     with_tag && r->digest ? "@" : "", with_tag && r->digest ? r->digest : "") < 0)
		return NULL;
	return s;
}

char *oci_ref_string(const oci_ref *r)
{
	return ref_format(r, true, true);
}

char *oci_ref_name(const oci_ref *r)
{
	return ref_format(r, true, false);
}

char *oci_ref_familiar(const oci_ref *r)
{
	return ref_format(r, false, true);
}

bool oci_ref_is_short_name(const char *s)
{
	_cleanup_(oci_ref_freep) oci_ref *r = NULL;

	if (oci_ref_parse(s, 0, &r, NULL) < 0)
		return false;
	return r->domain == NULL;
}

/* ---- transports ---- */

static const struct {
	const char *prefix;
	oci_transport transport;
} transports[] = {
    {"docker:", OCI_TRANSPORT_DOCKER},
    {"oci:", OCI_TRANSPORT_OCI},
    {"oci-archive:", OCI_TRANSPORT_OCI_ARCHIVE},
    {"dir:", OCI_TRANSPORT_DIR},
    {"docker-archive:", OCI_TRANSPORT_DOCKER_ARCHIVE},
    {"containers-storage:", OCI_TRANSPORT_CONTAINERS_STORAGE},
    {"docker-daemon:", OCI_TRANSPORT_DOCKER_DAEMON},
};

const char *oci_transport_name(oci_transport t)
{
	static const char *const names[] = {
	    [OCI_TRANSPORT_DOCKER] = "docker",
	    [OCI_TRANSPORT_OCI] = "oci",
	    [OCI_TRANSPORT_OCI_ARCHIVE] = "oci-archive",
	    [OCI_TRANSPORT_DIR] = "dir",
	    [OCI_TRANSPORT_DOCKER_ARCHIVE] = "docker-archive",
	    [OCI_TRANSPORT_CONTAINERS_STORAGE] = "containers-storage",
	    [OCI_TRANSPORT_DOCKER_DAEMON] = "docker-daemon",
	};

	if ((unsigned)t >= ELEMENTSOF(names))
		return "unknown";
	return names[t];
}

bool oci_image_name_has_transport(const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(transports); i++) {
		size_t n = strlen(transports[i].prefix);

		if (strncmp(s, transports[i].prefix, n) == 0) {
			/* "docker:" alone is only the transport with "//": a host named "docker"
			 * with a port ("docker:5000/x") is a plain reference */
			if (transports[i].transport == OCI_TRANSPORT_DOCKER)
				return strncmp(s + n, "//", 2) == 0;
			return true;
		}
	}
	return false;
}

oci_image_name *oci_image_name_free(oci_image_name *n)
{
	if (!n)
		return NULL;
	oci_ref_free(n->ref);
	free(n->path);
	free(n->layout_ref);
	free(n->id);
	free(n->store_spec);
	free(n);
	return NULL;
}

/* "@N": a source index; returns -1 when @s is not one */
static int parse_index(const char *s)
{
	long v = 0;

	if (s[0] != '@' || !is_digit(s[1]))
		return -1;
	for (const char *p = s + 1; *p; p++) {
		if (!is_digit(*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 1000000)
			return -1;
	}
	return (int)v;
}

/* the image name inside an OCI layout: [A-Za-z0-9._:@/+-], starting with a letter or digit */
static bool layout_ref_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > OCI_REF_NAME_MAX + 1 + OCI_REF_TAG_MAX || !is_alnum(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("._:@/+-", s[i]))
			return false;
	return true;
}

/* PATH[:REF] for oci: and oci-archive: (split at the first ':', as containers/image does) */
static int parse_layout(oci_image_name *n, const char *tname, const char *rest, berth_error *err)
{
	const char *colon = strchr(rest, ':');
	size_t plen = colon ? (size_t)(colon - rest) : strlen(rest);

	if (plen == 0)
		return berr(
		    err, EINVAL,
		    "invalid image name \"%s:%.*s\": the path is missing; use %s:PATH[:NAME]",
		    tname, QUOTE_MAX, rest, tname);
	if (set_str(&n->path, rest, plen) < 0)
		return oom(err);
	if (colon && colon[1]) {
		n->source_index = parse_index(colon + 1);
		if (n->source_index >= 0)
			return 0;
		if (!layout_ref_is_valid(colon + 1))
			return berr(err, EINVAL,
				    "invalid image name \"%s:%.*s\": \"%.*s\" is not a valid image "
				    "name inside the layout (letters, digits and ._:@/+-)",
				    tname, QUOTE_MAX, rest, QUOTE_MAX, colon + 1);
		if (set_str(&n->layout_ref, colon + 1, strlen(colon + 1)) < 0)
			return oom(err);
	}
	return 0;
}

static int parse_named(const char *tname, const char *s, unsigned flags, oci_ref **ret,
		       berth_error *err)
{
	int r = oci_ref_parse(s, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG | flags, ret, err);

	if (r < 0)
		return oci_err_prefix(r, err, "%s transport", tname);
	return 0;
}

static int parse_storage(oci_image_name *n, const char *rest, berth_error *err)
{
	_cleanup_free_ char *ref = NULL;
	char *at;

	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');

		if (!close)
			return berr(err, EINVAL,
				    "invalid image name \"containers-storage:%.*s\": the store "
				    "specification \"[...\" is not closed with ']'",
				    QUOTE_MAX, rest);
		if (set_str(&n->store_spec, rest + 1, (size_t)(close - rest - 1)) < 0)
			return oom(err);
		rest = close + 1;
	}
	ref = strdup(rest);
	if (!ref)
		return oom(err);
	at = strrchr(ref, '@');
	if (at && oci_hex_is_id(at + 1)) {
		if (set_str(&n->id, at + 1, OCI_DIGEST_SHA256_HEX_LEN) < 0)
			return oom(err);
		*at = '\0';
	} else if (oci_hex_is_id(ref)) {
		if (set_str(&n->id, ref, OCI_DIGEST_SHA256_HEX_LEN) < 0)
			return oom(err);
		ref[0] = '\0';
	}
	if (!ref[0]) {
		if (!n->id)
			return berr(err, EINVAL,
				    "invalid image name \"containers-storage:%.*s\": give an image "
				    "name or id",
				    QUOTE_MAX, rest);
		return 0;
	}
	return parse_named("containers-storage", ref, 0, &n->ref, err);
}

int oci_image_name_parse(const char *s, oci_image_name **ret, berth_error *err)
{
	_cleanup_(oci_image_name_freep) oci_image_name *n = NULL;
	const char *rest = NULL;
	size_t i;
	int r = 0;

	if (!s || strnlen(s, OCI_REF_INPUT_MAX + 1) > OCI_REF_INPUT_MAX)
		return berr(err, EINVAL, "invalid image name: empty or longer than %d bytes",
			    OCI_REF_INPUT_MAX);
	for (i = 0; i < ELEMENTSOF(transports); i++) {
		size_t len = strlen(transports[i].prefix);

		if (strncmp(s, transports[i].prefix, len) == 0) {
			rest = s + len;
			break;
		}
	}
	if (!rest) {
		const char *colon = strchr(s, ':');

		if (!colon)
			return berr(err, EINVAL,
				    "invalid image name \"%.*s\": expected TRANSPORT:DETAILS, e.g. "
				    "docker://%.*s",
				    QUOTE_MAX, s, QUOTE_MAX, s);
		return berr(err, EINVAL,
			    "invalid image name \"%.*s\": unknown transport \"%.*s\"; use docker, "
			    "oci, oci-archive, dir, docker-archive, containers-storage or "
			    "docker-daemon",
			    QUOTE_MAX, s, (int)(colon - s > QUOTE_MAX ? QUOTE_MAX : colon - s), s);
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return oom(err);
	n->transport = transports[i].transport;
	n->source_index = -1;

	switch (n->transport) {
	case OCI_TRANSPORT_DOCKER:
		if (strncmp(rest, "//", 2) != 0)
			return berr(err, EINVAL,
				    "invalid image name \"%.*s\": the docker transport needs "
				    "\"docker://\" followed by a reference",
				    QUOTE_MAX, s);
		r = parse_named("docker", rest + 2, 0, &n->ref, err);
		break;
	case OCI_TRANSPORT_DOCKER_DAEMON:
		r = parse_named("docker-daemon", rest, 0, &n->ref, err);
		break;
	case OCI_TRANSPORT_OCI:
	case OCI_TRANSPORT_OCI_ARCHIVE:
		r = parse_layout(n, oci_transport_name(n->transport), rest, err);
		break;
	case OCI_TRANSPORT_DIR:
		if (!*rest)
			return berr(
			    err, EINVAL,
			    "invalid image name \"dir:\": the path is missing; use dir:PATH");
		if (set_str(&n->path, rest, strlen(rest)) < 0)
			return oom(err);
		break;
	case OCI_TRANSPORT_DOCKER_ARCHIVE: {
		const char *colon = strchr(rest, ':');
		size_t plen = colon ? (size_t)(colon - rest) : strlen(rest);

		if (plen == 0)
			return berr(err, EINVAL,
				    "invalid image name \"%.*s\": the path is missing; use "
				    "docker-archive:PATH[:NAME[:TAG]]",
				    QUOTE_MAX, s);
		if (set_str(&n->path, rest, plen) < 0)
			return oom(err);
		if (colon && colon[1]) {
			n->source_index = parse_index(colon + 1);
			if (n->source_index < 0)
				r = parse_named("docker-archive", colon + 1, OCI_REF_NO_DIGEST,
						&n->ref, err);
		}
		break;
	}
	case OCI_TRANSPORT_CONTAINERS_STORAGE:
		r = parse_storage(n, rest, err);
		break;
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(n);
	return 0;
}

char *oci_image_name_string(const oci_image_name *n)
{
	_cleanup_free_ char *ref = NULL;
	const char *t = oci_transport_name(n->transport);
	char idx[16] = "";
	char *s = NULL;
	int r = -1;

	if (n->ref && !(ref = oci_ref_string(n->ref)))
		return NULL;
	if (n->source_index >= 0)
		snprintf(idx, sizeof(idx), "@%d", n->source_index);
	switch (n->transport) {
	case OCI_TRANSPORT_DOCKER:
		r = asprintf(&s, "docker://%s", ref ? ref : "");
		break;
	case OCI_TRANSPORT_DOCKER_DAEMON:
		r = asprintf(&s, "docker-daemon:%s", ref ? ref : "");
		break;
	case OCI_TRANSPORT_DIR:
		r = asprintf(&s, "dir:%s", n->path);
		break;
	case OCI_TRANSPORT_OCI:
	case OCI_TRANSPORT_OCI_ARCHIVE:
	case OCI_TRANSPORT_DOCKER_ARCHIVE: {
		const char *tail = idx[0] ? idx : n->layout_ref ? n->layout_ref : ref;

		r = asprintf(&s, "%s:%s%s%s", t, n->path, tail ? ":" : "", tail ? tail : "");
		break;
	}
	case OCI_TRANSPORT_CONTAINERS_STORAGE:
		r = asprintf(&s, "containers-storage:%s%s%s%s%s%s", n->store_spec ? "[" : "",
			     n->store_spec ? n->store_spec : "", n->store_spec ? "]" : "",
			     ref ? ref : "", n->id ? "@" : "", n->id ? n->id : "");
		break;
	}
	return r < 0 ? NULL : s;
}
