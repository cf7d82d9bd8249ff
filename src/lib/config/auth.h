/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - registry credentials in containers-auth.json(5), as podman keeps them.
 *
 * The file login writes (auth_default_path()): $REGISTRY_AUTH_FILE when set; otherwise for root
 * /run/containers/0/auth.json, for users $XDG_RUNTIME_DIR/containers/auth.json (the runtime
 * dir of config/paths.h).
 *
 * Lookup (auth_lookup()) reads, in order, the first file that has a matching entry:
 *   - an explicit file (--authfile or $REGISTRY_AUTH_FILE): only that file;
 *   - else the default file above, $XDG_CONFIG_HOME/containers/auth.json, then
 *     $DOCKER_CONFIG/config.json or ~/.docker/config.json, then docker's legacy ~/.dockercfg
 *     (the docker files are read-only: berth never writes them).
 * Within a file the most specific key wins: for "host/ns/repo" the keys "host/ns/repo",
 * "host/ns", then "host" are tried; for the registry itself docker-style keys such as
 * "https://index.docker.io/v1/" also match ("index.docker.io" counts as "docker.io").
 * Entries are {"auth": base64("user:password")}. Credential helpers are not run.
 *
 * Writes are atomic (temp file + rename) with mode 0600, creating missing parent directories
 * with mode 0700, and keep every other key of the file.
 */
#ifndef BERTH_CONFIG_AUTH_H
#define BERTH_CONFIG_AUTH_H

#include <stdbool.h>

#include "util/error.h"

#define AUTH_FILE_MAX (1024 * 1024)

/** auth_default_path() - the file login writes and logout edits (malloc'd in *@ret). */
int auth_default_path(char **ret, berth_error *err);

/**
 * auth_lookup() - find credentials for @key
 * @authfile:	explicit file (only that one is read), or NULL for the search list above
 * @key:	"host[:port]" or "host[:port]/repo/path" (no tag or digest; a tag or digest is
 *		stripped)
 * @ret_user, @ret_password: receive malloc'd strings on success
 * Return: 0, -ENOENT when no credentials apply, -EINVAL for a malformed file, other errno.
 */
int auth_lookup(const char *authfile, const char *key, char **ret_user, char **ret_password,
		berth_error *err);

/**
 * auth_store() - record credentials for @key in @authfile (NULL: auth_default_path())
 * Return: 0 or a negative errno.
 */
int auth_store(const char *authfile, const char *key, const char *user, const char *password,
	       berth_error *err);

/**
 * auth_remove() - forget the entry for exactly @key
 * Return: 0, -ENOENT when there was none ("not logged in"), other negative errno.
 */
int auth_remove(const char *authfile, const char *key, berth_error *err);

/** auth_remove_all() - forget every entry of @authfile (logout --all); 0 also when absent. */
int auth_remove_all(const char *authfile, berth_error *err);

/**
 * auth_base64_encode() / auth_base64_decode() - standard base64 with padding
 * Return: malloc'd NUL-terminated string, or NULL (out of memory, or invalid input).
 */
char *auth_base64_encode(const void *data, size_t len);
char *auth_base64_decode(const char *s, size_t *ret_len);

#endif
