/* SPDX-License-Identifier: Apache-2.0 */
#include "config/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/confutil.h"
#include "config/paths.h"
#include "util/fileio.h"
#include "util/macro.h"

static void json_decrefp_auth(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_auth_ _cleanup_(json_decrefp_auth)

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *auth_base64_encode(const void *data, size_t len)
{
	const unsigned char *s = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		*o++ = b64chars[(v >> 18) & 63];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *auth_base64_decode(const char *s, size_t *ret_len)
{
	size_t n = strlen(s), pad = 0;
	_cleanup_free_ char *out = NULL;
	size_t o = 0;

	if (n % 4 != 0)
		return NULL;
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		for (size_t j = 0; j < 4; j++) {
			const char *p;
			char c = s[i + j];
			if (c == '=' && i + j >= n - pad) {
				v <<= 6;
				continue;
			}
			p = c ? strchr(b64chars, c) : NULL;
			if (!p)
				return NULL;
			v = (v << 6) | (uint32_t)(p - b64chars);
		}
		out[o++] = (char)(v >> 16);
		if (i + 4 < n || pad < 2)
			out[o++] = (char)(v >> 8);
		if (i + 4 < n || pad < 1)
			out[o++] = (char)v;
	}
	out[o] = '\0';
	if (ret_len)
		*ret_len = o;
	return TAKE_PTR(out);
}

int auth_default_path(char **ret, berth_error *err)
{
	const char *env = getenv("REGISTRY_AUTH_FILE");
	_cleanup_free_ char *rt = NULL;
	char *p = NULL;
	int r;

	if (env && *env)
		p = strdup(env);
	else if (!conf_is_rootless())
		p = strdup("/run/containers/0/auth.json");
	else {
		r = paths_runtime_dir(&rt, err);
		if (r < 0)
			return r;
		if (asprintf(&p, "%s/containers/auth.json", rt) < 0)
			p = NULL;
	}
	if (!p)
		return berr(err, ENOMEM, "out of memory");
	*ret = p;
	return 0;
}

/* "https://host/path/" → "host/path"; a tag or digest goes. */
static char *normalize_key(const char *key)
{
	char *k, *slash, *colon, *at;
	size_t n;

	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	k = strdup(key);
	if (!k)
		return NULL;
	if ((at = strchr(k, '@')))
		*at = '\0';
	slash = strrchr(k, '/');
	if (slash && (colon = strchr(slash, ':')))
		*colon = '\0';
	n = strlen(k);
	while (n > 0 && k[n - 1] == '/')
		k[--n] = '\0';
	return k;
}

/* The registry a docker-style key names: scheme and path dropped, index.docker.io → docker.io */
static bool legacy_key_matches(const char *file_key, const char *host)
{
	const char *k = file_key;
	size_t n;

	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	n = strcspn(k, "/");
	if (n == 15 && strncmp(k, "index.docker.io", 15) == 0)
		k = "docker.io", n = 9;
	if (strcmp(host, "index.docker.io") == 0)
		host = "docker.io";
	return strlen(host) == n && strncmp(k, host, n) == 0;
}

/* Loads @path; *ret = NULL when it does not exist. */
static int load_json(const char *path, json_t **ret, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t jerr;
	size_t len;
	json_t *j;
	int r;

	r = read_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &data, &len, err);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	if (len == 0) {
		*ret = json_object();
		return *ret ? 0 : berr(err, ENOMEM, "out of memory");
	}
	j = json_loadb(data, len, 0, &jerr);
	if (!j)
		return berr(err, EINVAL, "%s:%d: invalid JSON: %s; fix or remove the file", path,
			    jerr.line, jerr.text);
	if (!json_is_object(j) ||
	    (json_object_get(j, "auths") && !json_is_object(json_object_get(j, "auths")))) {
		json_decref(j);
		return berr(err, EINVAL,
			    "%s: not an auth file (expected {\"auths\": {...}}); fix or remove it",
			    path);
	}
	*ret = j;
	return 0;
}

/* Credentials of one entry; -ENOENT when it holds none. */
static int entry_credentials(const char *path, const char *key, json_t *entry, char **ret_user,
			     char **ret_password, berth_error *err)
{
	const char *b64 = json_string_value(json_object_get(entry, "auth"));
	_cleanup_free_ char *plain = NULL;
	char *colon, *u, *p;

	if (!b64 || !*b64)
		return -ENOENT;
	plain = auth_base64_decode(b64, NULL);
	if (!plain || !(colon = strchr(plain, ':')))
		return berr(err, EINVAL,
			    "%s: the entry for %s is not base64 of \"user:password\"; log in again",
			    path, key);
	*colon = '\0';
	u = strdup(plain);
	p = strdup(colon + 1);
	if (!u || !p) {
		free(u);
		free(p);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret_user = u;
	*ret_password = p;
	return 0;
}

static int lookup_in_file(const char *path, bool legacy, const char *key, char **ret_user,
			  char **ret_password, berth_error *err)
{
	_cleanup_json_auth_ json_t *root = NULL;
	_cleanup_free_ char *cand = strdup(key);
	json_t *auths;
	int r;

	if (!cand)
		return berr(err, ENOMEM, "out of memory");
	r = load_json(path, &root, err);
	if (r < 0)
		return r;
	/* ~/.dockercfg, docker's legacy format, is the "auths" object itself */
	auths = legacy ? root : json_object_get(root, "auths");
	if (!auths)
		return -ENOENT;
	for (;;) {
		char *slash = strrchr(cand, '/');
		json_t *entry = json_object_get(auths, cand);

		if (entry) {
			r = entry_credentials(path, cand, entry, ret_user, ret_password, err);
			if (r != -ENOENT)
				return r;
		}
		if (!slash)
			break;
		*slash = '\0';
	}
	/* cand is now the registry: docker-style keys */
	{
		const char *k;
		json_t *entry;
		json_object_foreach(auths, k, entry)
		{
			/* only docker-style keys: a "host/ns" key must not match "host/other" */
			bool docker_style = strncmp(k, "https://", 8) == 0 ||
					    strncmp(k, "http://", 7) == 0 ||
					    strcmp(k, "index.docker.io") == 0;
			if (!docker_style || !legacy_key_matches(k, cand))
				continue;
			r = entry_credentials(path, k, entry, ret_user, ret_password, err);
			if (r != -ENOENT)
				return r;
		}
	}
	return -ENOENT;
}

int auth_lookup(const char *authfile, const char *key, char **ret_user, char **ret_password,
		berth_error *err)
{
	_cleanup_strv_free_ char **files = NULL;
	_cleanup_free_ char *k = normalize_key(key);
	const char *env = getenv("REGISTRY_AUTH_FILE");
	int r;

	if (!k)
		return berr(err, ENOMEM, "out of memory");
	if (!authfile && env && *env)
		authfile = env;
	if (authfile) {
		if (conf_strv_push(&files, authfile) < 0)
			return berr(err, ENOMEM, "out of memory");
	} else {
		_cleanup_free_ char *def = NULL, *cfg = paths_config_home(), *xdg = NULL,
				    *docker = NULL, *legacy = NULL;
		const char *dc = getenv("DOCKER_CONFIG");

		r = auth_default_path(&def, err);
		if (r < 0)
			return r;
		if (!cfg || asprintf(&xdg, "%s/containers/auth.json", cfg) < 0 ||
		    (dc && *dc ? asprintf(&docker, "%s/config.json", dc)
			       : asprintf(&docker, "%s/.docker/config.json", paths_home())) < 0 ||
		    conf_strv_push(&files, def) < 0 || conf_strv_push(&files, xdg) < 0 ||
		    conf_strv_push(&files, docker) < 0 ||
		    asprintf(&legacy, "%s/.dockercfg", paths_home()) < 0 ||
		    conf_strv_push(&files, legacy) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; files[i]; i++) {
		bool is_legacy = !authfile && !files[i + 1];
		r = lookup_in_file(files[i], is_legacy, k, ret_user, ret_password, err);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

static int save_json(const char *path, json_t *root, berth_error *err)
{
	_cleanup_free_ char *data = NULL, *dir = strdup(path);
	int r;

	if (!dir)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(dirname(dir), 0700, err);
	if (r < 0)
		return r;
	data = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!data)
		return berr(err, ENOMEM, "out of memory");
	r = write_file_atomic_at(AT_FDCWD, path, data, strlen(data), 0600, err);
	if (r < 0)
		return berr_prefix(err, "write %s", path);
	return 0;
}

static int resolve_path(const char *authfile, char **ret, berth_error *err)
{
	if (authfile) {
		*ret = strdup(authfile);
		return *ret ? 0 : berr(err, ENOMEM, "out of memory");
	}
	return auth_default_path(ret, err);
}

int auth_store(const char *authfile, const char *key, const char *user, const char *password,
	       berth_error *err)
{
	_cleanup_free_ char *path = NULL, *k = normalize_key(key), *plain = NULL, *b64 = NULL;
	_cleanup_json_auth_ json_t *root = NULL;
	json_t *auths;
	int r;

	if (!k)
		return berr(err, ENOMEM, "out of memory");
	if (!*k)
		return berr(err, EINVAL, "login: no registry given");
	if (strchr(user, ':'))
		return berr(err, EINVAL, "login %s: the user name may not contain ':'", k);
	r = resolve_path(authfile, &path, err);
	if (r < 0)
		return r;
	r = load_json(path, &root, err);
	if (r < 0)
		return r;
	if (!root && !(root = json_object()))
		return berr(err, ENOMEM, "out of memory");
	auths = json_object_get(root, "auths");
	if (!auths) {
		auths = json_object();
		if (!auths || json_object_set_new(root, "auths", auths) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	if (asprintf(&plain, "%s:%s", user, password) < 0)
		return berr(err, ENOMEM, "out of memory");
	b64 = auth_base64_encode(plain, strlen(plain));
	explicit_bzero(plain, strlen(plain));
	if (!b64 || json_object_set_new(auths, k, json_pack("{s:s}", "auth", b64)) < 0)
		return berr(err, ENOMEM, "out of memory");
	return save_json(path, root, err);
}

int auth_remove(const char *authfile, const char *key, berth_error *err)
{
	_cleanup_free_ char *path = NULL, *k = normalize_key(key);
	_cleanup_json_auth_ json_t *root = NULL;
	json_t *auths;
	int r;

	if (!k)
		return berr(err, ENOMEM, "out of memory");
	r = resolve_path(authfile, &path, err);
	if (r < 0)
		return r;
	r = load_json(path, &root, err);
	if (r < 0)
		return r;
	auths = json_object_get(root, "auths");
	if (!auths || json_object_del(auths, k) < 0)
		return berr(err, ENOENT, "not logged into %s", k);
	return save_json(path, root, err);
}

int auth_remove_all(const char *authfile, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_auth_ json_t *root = NULL;
	int r;

	r = resolve_path(authfile, &path, err);
	if (r < 0)
		return r;
	r = load_json(path, &root, err);
	if (r < 0)
		return r;
	if (!root)
		return 0;
	if (json_object_set_new(root, "auths", json_object()) < 0)
		return berr(err, ENOMEM, "out of memory");
	return save_json(path, root, err);
}
