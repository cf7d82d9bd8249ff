/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h - the pieces of berth-registry, an OCI Distribution v1.1 server.
 *
 * Theory of operation: main.c reads the configuration (config.c: distribution's YAML subset and
 * REGISTRY_* variables), opens the storage (storage.c: distribution's filesystem layout under
 * <root>/docker/registry/v2, so a directory written by distribution's registry is served as is
 * and the reverse), and starts the HTTP server (server.c: libmicrohttpd, one epoll thread per
 * core). Every request is routed by its path, checked (names.c), authenticated (auth.c) and then
 * answered from the storage. Uploads stream to _uploads/<uuid>/data while being hashed and are
 * renamed to their digest path only after the digest matched. gc.c is the offline
 * garbage-collect command.
 */
#ifndef BERTH_REGISTRY_H
#define BERTH_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/error.h"

/* Hard limits on untrusted input. */
#define REG_MANIFEST_MAX (4u * 1024 * 1024) /* as distribution */
#define REG_NAME_MAX 255
#define REG_TAG_MAX 128
#define REG_LINK_MAX 256
#define REG_LIST_MAX 10000 /* entries one tags/catalog page may hold */
#define REG_HTPASSWD_MAX (1024 * 1024)
#define REG_DIGEST_LEN (7 + 64) /* "sha256:" + hex */

/* ---- names.c: validation of untrusted path components ---- */

/** reg_name_valid() - a repository name as distribution accepts it (lowercase, <= 255). */
bool reg_name_valid(const char *name);
/** reg_tag_valid() - [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
bool reg_tag_valid(const char *tag);
/** reg_digest_valid() - "sha256:" + 64 lowercase hex digits. */
bool reg_digest_valid(const char *digest);
/** reg_digest_parse() - like reg_digest_valid(), and copies the hex part into @hex. */
bool reg_digest_parse(const char *digest, char hex[65]);
/** reg_uuid_valid() - an upload id as we or distribution generate them. */
bool reg_uuid_valid(const char *uuid);

/* ---- config.c ---- */

/**
 * struct reg_config - what the server needs from distribution's configuration
 * @rootdir:	storage root (storage.filesystem.rootdirectory)
 * @addr:	listen address ("host:port", ":port")
 * @tls_cert, @tls_key:	PEM files; both set means HTTPS
 * @htpasswd_path, @htpasswd_realm:	basic auth when the path is set
 * @delete_enabled:	storage.delete.enabled
 * @readonly:	storage.maintenance.readonly.enabled
 * @accesslog:	print one line per request on stderr
 * @loglevel:	log.level
 */
struct reg_config {
	char *rootdir;
	char *addr;
	char *tls_cert;
	char *tls_key;
	char *htpasswd_path;
	char *htpasswd_realm;
	bool delete_enabled;
	bool readonly;
	bool accesslog;
	char *loglevel;
};

/** reg_config_load() - defaults, then @path (may be NULL), then REGISTRY_* variables. */
int reg_config_load(struct reg_config *cfg, const char *path, berth_error *err);
/** reg_config_done() - free the strings. */
void reg_config_done(struct reg_config *cfg);

/* ---- storage.c: distribution's filesystem layout ---- */

/**
 * struct reg_store - an open storage root; @v2 is <root>/docker/registry/v2.
 * @links:	cache of link files (linkcache.c), or NULL to read every link from disk
 */
struct reg_store {
	int v2;
	char *root;
	struct reg_linkcache *links;
};

/* ---- linkcache.c: link files validated by one stat (see there) ---- */

struct stat;
struct reg_linkcache;
struct reg_linkcache *reg_linkcache_new(void);
void reg_linkcache_free(struct reg_linkcache *c);
/** reg_linkcache_get() - the digest cached for @path if @st still shows the file it came from. */
bool reg_linkcache_get(struct reg_linkcache *c, const char *path, const struct stat *st,
		       char hex[65]);
/** reg_linkcache_put() - remember @hex read from @path, whose file @st describes. */
void reg_linkcache_put(struct reg_linkcache *c, const char *path, const struct stat *st,
		       const char *hex);
/** reg_linkcache_forget() - drop the link @prefix, and with @subtree everything under it. */
void reg_linkcache_forget(struct reg_linkcache *c, const char *prefix, bool subtree);
/** reg_stat_same() - @a and @b describe the same, unchanged file. */
bool reg_stat_same(const struct stat *a, const struct stat *b);

int reg_store_open(struct reg_store *s, const char *root, bool create, berth_error *err);
void reg_store_close(struct reg_store *s);

/**
 * reg_write_atomic() - write @path under @dirfd through a unique temp file + rename
 * @durable:	fsync the data before the rename (blob content), or not (link files)
 */
int reg_write_atomic(int dirfd, const char *path, const void *data, size_t len, bool durable);
/** reg_mkdirat_p() - mkdir -p relative to @dirfd. */
int reg_mkdirat_p(int dirfd, const char *path);

/** reg_blob_open() - open a blob's data read-only; returns the fd or a negative errno. */
int reg_blob_open(struct reg_store *s, const char *hex, off_t *ret_size);
bool reg_blob_exists(struct reg_store *s, const char *hex, off_t *ret_size);
/** reg_blob_stat() - stat a blob's data file (0, or a negative errno). */
int reg_blob_stat(struct reg_store *s, const char *hex, struct stat *st);
/** reg_blob_read() - read a whole blob (manifests) up to @max bytes. */
int reg_blob_read(struct reg_store *s, const char *hex, size_t max, char **ret, size_t *ret_len);
/** reg_blob_put() - store @data as a blob (manifests), verifying nothing: @hex is its digest. */
int reg_blob_put(struct reg_store *s, const char *hex, const void *data, size_t len);
/** reg_blob_delete_data() - remove blobs/sha256/<2>/<hex> entirely (garbage collection). */
int reg_blob_delete_data(struct reg_store *s, const char *hex);

/** reg_link_read() - read a link file ("sha256:<hex>") under v2 into @hex. */
int reg_link_read(struct reg_store *s, const char *path, char hex[65]);
int reg_link_write(struct reg_store *s, const char *path, const char *hex);

bool reg_repo_has_layer(struct reg_store *s, const char *name, const char *hex);
/** reg_repo_links_blob() - @name links @hex as a layer or a manifest (blob data not checked). */
bool reg_repo_links_blob(struct reg_store *s, const char *name, const char *hex);
int reg_repo_link_layer(struct reg_store *s, const char *name, const char *hex);
int reg_repo_unlink_layer(struct reg_store *s, const char *name, const char *hex);
bool reg_repo_has_revision(struct reg_store *s, const char *name, const char *hex);
int reg_repo_link_revision(struct reg_store *s, const char *name, const char *hex);
/** reg_repo_delete_revision() - remove a revision and every tag that points at it. */
int reg_repo_delete_revision(struct reg_store *s, const char *name, const char *hex);
int reg_repo_tag_resolve(struct reg_store *s, const char *name, const char *tag, char hex[65]);
int reg_repo_tag_set(struct reg_store *s, const char *name, const char *tag, const char *hex);
int reg_repo_tag_delete(struct reg_store *s, const char *name, const char *tag);
bool reg_repo_exists(struct reg_store *s, const char *name);

/** reg_repo_tags() - sorted tag names of @name (NULL-terminated vector); -ENOENT if no repo. */
int reg_repo_tags(struct reg_store *s, const char *name, char ***ret);
/** reg_repo_revisions() - hex digests of the manifests stored in @name. */
int reg_repo_revisions(struct reg_store *s, const char *name, char ***ret);
/** reg_catalog() - every repository name, sorted. */
int reg_catalog(struct reg_store *s, char ***ret);

/* uploads: repositories/<name>/_uploads/<uuid>/{data,startedat} */
#define REG_UPLOAD_MAX_AGE (7 * 24 * 3600) /* distribution's uploadpurging default */
/** reg_purge_uploads() - remove uploads started more than @max_age seconds ago; returns how many. */
size_t reg_purge_uploads(struct reg_store *s, time_t max_age);
int reg_upload_create(struct reg_store *s, const char *name, char uuid[37]);
/** reg_upload_open() - open the data file for appending; returns fd, size in @ret_size. */
int reg_upload_open(struct reg_store *s, const char *name, const char *uuid, off_t *ret_size);
/** reg_upload_commit() - fsync'd @fd's file becomes blob @hex (rename), linked into @name. */
int reg_upload_commit(struct reg_store *s, const char *name, const char *uuid, int fd,
		      const char *hex);
int reg_upload_delete(struct reg_store *s, const char *name, const char *uuid);
/** reg_upload_hash() - hash an upload's data from disk (when no streaming state is known). */
int reg_upload_hash(int fd, char hex[65]);

/* ---- manifest.c ---- */

#define REG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define REG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define REG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define REG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/**
 * struct reg_manifest - what the server needs to know about a manifest
 * @media_type:	the effective media type
 * @is_index:	an OCI index or Docker manifest list
 * @refs:	hex digests of the blobs (image manifests) or manifests (indexes) it references
 * @subject:	hex digest of its subject, or "" when it has none
 * @artifact_type:	artifactType, else config.mediaType (for the referrers API), may be NULL
 * @annotations:	the "annotations" object serialised, or NULL
 */
struct reg_manifest {
	char *media_type;
	bool is_index;
	char **refs;
	size_t n_refs;
	char subject[65];
	char *artifact_type;
	char *annotations;
};

/**
 * reg_manifest_parse() - parse and validate a manifest body
 * @content_type:	the request's Content-Type (may be NULL)
 * Return: 0, or -EINVAL with a message in @err (MANIFEST_INVALID)
 */
int reg_manifest_parse(const char *data, size_t len, const char *content_type,
		       struct reg_manifest *m, berth_error *err);
void reg_manifest_done(struct reg_manifest *m);

/* ---- auth.c ---- */

struct reg_auth;
int reg_auth_new(const char *htpasswd_path, const char *realm, struct reg_auth **ret,
		 berth_error *err);
/** reg_auth_check() - true when @user/@pass match the htpasswd file (cached for a while). */
bool reg_auth_check(struct reg_auth *a, const char *user, const char *pass);
const char *reg_auth_realm(struct reg_auth *a);
void reg_auth_free(struct reg_auth *a);

/* ---- server.c ---- */

int reg_serve(const struct reg_config *cfg, berth_error *err);

/* ---- gc.c ---- */

int reg_garbage_collect(struct reg_store *s, bool dry_run, bool delete_untagged, berth_error *err);

#endif
