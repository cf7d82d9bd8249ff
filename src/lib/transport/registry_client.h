/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry_client.h - the OCI Distribution v1.1 / Docker Registry HTTP API v2 client.
 *
 * Theory of operation: one struct reg_client per process owns a libcurl share handle (connection
 * cache, DNS, TLS sessions), so every request to the same registry reuses one keep-alive
 * HTTP/1.1 connection, also across the threads that fetch layers in parallel. A struct reg_repo
 * is one repository on one registry: it remembers the scheme that worked (https, or http for
 * registries marked insecure), the credentials, and a bearer token per scope. Requests that come
 * back 401 are retried once after reading WWW-Authenticate (Bearer: fetch a token from the realm;
 * Basic: send the credentials). Nothing a server sends is trusted: manifests and headers have
 * hard size limits, blobs are hashed and counted while they stream and rejected on any mismatch.
 */
#ifndef BERTH_TRANSPORT_REGISTRY_CLIENT_H
#define BERTH_TRANSPORT_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Hard limits on what a registry may send us. */
#define REG_MAX_MANIFEST   (4u << 20)  /* a manifest or index */
#define REG_MAX_HEADERS	   (64u << 10) /* all response headers of one request */
#define REG_MAX_SMALL_BODY (4u << 20)  /* tokens, error bodies, tag lists, search results */
#define REG_MAX_CONFIG	   (16u << 20) /* an image config blob read into memory */
#define REG_MAX_REDIRECTS  10

/* Accept header for manifests: OCI and Docker schema2, single manifests and indexes. */
#define REG_MANIFEST_ACCEPT                                                                        \
	"application/vnd.oci.image.manifest.v1+json, "                                             \
	"application/vnd.oci.image.index.v1+json, "                                                \
	"application/vnd.docker.distribution.manifest.v2+json, "                                   \
	"application/vnd.docker.distribution.manifest.list.v2+json"

struct reg_client;
struct reg_repo;

/**
 * struct reg_opts - how to reach one registry
 * @tls_verify:	verify the server's certificate (false: --tls-verify=false); also allows
 *		falling back to plain HTTP, as podman does for insecure registries
 * @insecure:	the registry is marked insecure = true in registries.conf (same effect)
 * @cert_dir:	certs.d-style directory with *.crt (CAs) and *.cert and *.key (client); NULL: the
 *		default search (/etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST)
 * @username/@password: credentials (from --creds or auth.json), or NULL
 * @identity_token: an OAuth2 refresh token from auth.json, or NULL
 * @op:		verb for error messages ("pull", "push", "copy"), or NULL
 */
struct reg_opts {
	bool tls_verify;
	bool insecure;
	const char *cert_dir;
	const char *username;
	const char *password;
	const char *op;
};

/**
 * struct reg_response - a buffered response
 * @status:	HTTP status code
 * @body/@len:	the body, NUL-terminated (NULL when streamed elsewhere)
 * @content_type/@digest/@location/@link: the headers we use, or NULL
 * @content_length: Content-Length or -1
 */
struct reg_response {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *digest;
	char *location;
	char *link;
	char *www_authenticate;
	char *chunk_min;
	int64_t content_length;
};
void reg_response_done(struct reg_response *r);

/** reg_client_new() - one per process; NULL on out of memory or a libcurl failure. */
struct reg_client *reg_client_new(void);
void reg_client_free(struct reg_client *c);
static inline void reg_client_freep(struct reg_client **c)
{
	reg_client_free(*c);
}

/**
 * reg_repo_open() - prepare requests to @repo on @host ("127.0.0.1:5000", "docker.io" is mapped
 * to registry-1.docker.io); pings /v2/ to choose the scheme and learn the auth challenge.
 * @name_for_errors: the reference as the user typed it, used as the prefix of error messages
 * Return: 0 or a negative errno with one line in @err
 */
int reg_repo_open(struct reg_client *c, const char *host, const char *repo,
		  const struct reg_opts *opts, const char *name_for_errors, struct reg_repo **ret,
		  berth_error *err);
void reg_repo_free(struct reg_repo *r);
static inline void reg_repo_freep(struct reg_repo **r)
{
	reg_repo_free(*r);
}
/** reg_repo_host()/reg_repo_name() - what the repo was opened with. */
const char *reg_repo_host(const struct reg_repo *r);
const char *reg_repo_name(const struct reg_repo *r);

/**
 * reg_repo_authenticate() - make sure requests carry credentials valid for @actions ("pull" or
 * "pull,push") now, so that large uploads are never sent twice. Return: 0 or negative errno.
 */
int reg_repo_authenticate(struct reg_repo *r, const char *actions, berth_error *err);

/**
 * reg_check_login() - verify @opts' credentials against @host (login): pings /v2/ and, when the
 * registry asks for auth, gets a token or checks Basic credentials.
 */
int reg_check_login(struct reg_client *c, const char *host, const struct reg_opts *opts,
		    berth_error *err);

/**
 * reg_manifest_get() - GET (or HEAD when @head) /v2/REPO/manifests/@ref
 * On success @ret holds the body (up to REG_MAX_MANIFEST; not for HEAD), Content-Type and
 * Docker-Content-Digest. When @ref is a digest the body is verified against it.
 */
int reg_manifest_get(struct reg_repo *r, const char *ref, bool head, struct reg_response *ret,
		     berth_error *err);

/**
 * reg_manifest_put() - PUT a manifest under @ref (tag or digest) with @media_type.
 * @ret_digest: the registry's Docker-Content-Digest (malloc'd), may be NULL
 */
int reg_manifest_put(struct reg_repo *r, const char *ref, const char *media_type, const void *body,
		     size_t len, char **ret_digest, berth_error *err);

/** reg_blob_exists() - HEAD a blob: 1 present (size in @ret_size, may be NULL), 0 absent. */
int reg_blob_exists(struct reg_repo *r, const char *digest, int64_t *ret_size, berth_error *err);

/**
 * reg_blob_fetch() - GET a blob, following redirects, into @fd (written sequentially)
 * @size:	the size the manifest declares; more or fewer bytes is an error (-1: unknown)
 * @progress:	called with the bytes received so far, or NULL
 * The content is hashed while it streams; a digest or size mismatch fails with -EBADMSG.
 */
int reg_blob_fetch(struct reg_repo *r, const char *digest, int64_t size, int fd,
		   void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		   berth_error *err);

/**
 * reg_blob_fetch_mem() - GET a small blob (an image config) into memory, verified, at most @max.
 */
int reg_blob_fetch_mem(struct reg_repo *r, const char *digest, int64_t size, size_t max, char **ret,
		       size_t *ret_len, berth_error *err);

/**
 * reg_blob_mount() - try a cross-repository mount of @digest from @from_repo (same registry).
 * Return: 1 mounted, 0 the registry started an ordinary upload instead (cancelled), <0 error.
 */
int reg_blob_mount(struct reg_repo *r, const char *digest, const char *from_repo, berth_error *err);

/**
 * reg_blob_upload() - upload @size bytes read from @fd (from its current offset) as @digest:
 * POST, then one PUT ?digest= (monolithic), or PATCH + PUT when the registry asks for chunks.
 */
int reg_blob_upload(struct reg_repo *r, const char *digest, int64_t size, int fd,
		    void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		    berth_error *err);

/** reg_tags_list() - every tag of the repository, following Link pagination. */
int reg_tags_list(struct reg_repo *r, char ***ret_tags, berth_error *err);

/**
 * reg_catalog() - every repository on the registry of @r (/v2/_catalog, paginated), up to @max.
 */
int reg_catalog(struct reg_repo *r, size_t max, char ***ret_repos, berth_error *err);

/**
 * struct reg_search_result - one row of /v1/search
 */
struct reg_search_result {
	char *name;
	char *description;
	long stars;
	bool official;
	bool automated;
};
void reg_search_results_free(struct reg_search_result *v, size_t n);

/**
 * reg_search_v1() - GET /v1/search?q=@term&n=@limit on the registry of @r.
 * Return: number of results (>= 0), -ENOENT when the registry offers no /v1/search, or error.
 */
int reg_search_v1(struct reg_repo *r, const char *term, long limit, struct reg_search_result **ret,
		  berth_error *err);

/* Protocol helpers, public for the unit tests. */

/**
 * struct reg_challenge - a parsed WWW-Authenticate header
 * @scheme:	"bearer" or "basic" (lowercase), NULL if none
 */
struct reg_challenge {
	char *scheme;
	char *realm;
	char *service;
	char *scope;
};
void reg_challenge_done(struct reg_challenge *c);
/** reg_parse_challenge() - parse `Bearer realm="...",service="..."`; -EINVAL if malformed. */
int reg_parse_challenge(const char *header, struct reg_challenge *ret);
/** reg_parse_link_next() - the URL of rel="next" in a Link header (malloc'd), or NULL. */
char *reg_parse_link_next(const char *link);
/**
 * reg_error_summary() - one line from a distribution error body
 * ({"errors":[{"code":..,"message":..}]}) or NULL when the body is not one (malloc'd).
 */
char *reg_error_summary(const char *body, size_t len, char **ret_code);
/** reg_is_digest() - "sha256:" + 64 lowercase hex digits. */
bool reg_is_digest(const char *s);
/** reg_api_host() - the host to contact for @host ("docker.io" → "registry-1.docker.io"). */
const char *reg_api_host(const char *host);

#endif
