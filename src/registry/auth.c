/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - htpasswd basic authentication, bcrypt only (as distribution). bcrypt costs tens of
 * milliseconds on purpose, so a verified user/password pair is remembered (as its SHA-256, never
 * in clear) for a short while: otherwise every request of a push would pay that price.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/registry.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define AUTH_CACHE_SLOTS 64
#define AUTH_CACHE_SECONDS 60

struct auth_user {
	char *name;
	char *hash;
};

struct reg_auth {
	char *realm;
	struct auth_user *users;
	size_t n_users;
	pthread_mutex_t lock;
	struct {
		char key[SHA256_HEX_LEN + 1];
		time_t expires;
	} cache[AUTH_CACHE_SLOTS];
	unsigned next_slot;
};

static bool is_bcrypt(const char *h)
{
	return strncmp(h, "$2y$", 4) == 0 || strncmp(h, "$2a$", 4) == 0 ||
	       strncmp(h, "$2b$", 4) == 0;
}

static int parse_htpasswd(struct reg_auth *a, char *data, const char *path, berth_error *err)
{
	size_t lineno = 0;
	char *save = NULL;

	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon;
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return berr(err, EINVAL, "htpasswd %s, line %zu: expected USER:HASH", path,
				    lineno);
		*colon = '\0';
		if (!is_bcrypt(colon + 1))
			return berr(err, EINVAL,
				    "htpasswd %s, line %zu: user %s has no bcrypt hash; create it "
				    "with htpasswd -B",
				    path, lineno, line);
		struct auth_user *n = realloc(a->users, (a->n_users + 1) * sizeof(*n));
		if (!n)
			return berr(err, ENOMEM, "out of memory");
		a->users = n;
		n[a->n_users].name = strdup(line);
		n[a->n_users].hash = strdup(colon + 1);
		a->n_users++;
		if (!n[a->n_users - 1].name || !n[a->n_users - 1].hash)
			return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

int reg_auth_new(const char *path, const char *realm, struct reg_auth **ret, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct reg_auth *a;
	int r;

	r = read_file_at(AT_FDCWD, path, REG_HTPASSWD_MAX, &data, NULL, err);
	if (r < 0)
		return berr_prefix(err, "auth.htpasswd.path");
	a = calloc(1, sizeof(*a));
	if (!a)
		return berr(err, ENOMEM, "out of memory");
	pthread_mutex_init(&a->lock, NULL);
	a->realm = strdup(realm && *realm ? realm : "basic-realm");
	r = a->realm ? parse_htpasswd(a, data, path, err) : berr(err, ENOMEM, "out of memory");
	if (r < 0) {
		reg_auth_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool reg_auth_check(struct reg_auth *a, const char *user, const char *pass)
{
	char key[SHA256_HEX_LEN + 1];
	time_t now = time(NULL);
	struct sha256 *h = sha256_new();
	const char *hash = NULL;
	bool ok = false;

	if (!h)
		return false;
	sha256_update(h, user, strlen(user) + 1);
	sha256_update(h, pass, strlen(pass));
	sha256_final_hex(h, key);
	sha256_free(h);

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
		if (a->cache[i].expires > now && strcmp(a->cache[i].key, key) == 0)
			ok = true;
	pthread_mutex_unlock(&a->lock);
	if (ok)
		return true;

	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, user) == 0)
			hash = a->users[i].hash;
	if (!hash)
		return false;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	/* crypt_rn (libxcrypt) rather than crypt_r: it returns NULL on failure instead of a
	 * "*" token, and sanitizer builds do not intercept it (their crypt_r hook crashes). */
	const char *out = crypt_rn(pass, hash, cd, (int)sizeof(*cd));
	ok = out && out[0] != '*' && equal_ct(out, hash);
	free(cd);
	if (ok) {
		pthread_mutex_lock(&a->lock);
		unsigned slot = a->next_slot++ % AUTH_CACHE_SLOTS;
		memcpy(a->cache[slot].key, key, sizeof(key));
		a->cache[slot].expires = now + AUTH_CACHE_SECONDS;
		pthread_mutex_unlock(&a->lock);
	}
	return ok;
}

const char *reg_auth_realm(struct reg_auth *a)
{
	return a->realm;
}

void reg_auth_free(struct reg_auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_users; i++) {
		free(a->users[i].name);
		free(a->users[i].hash);
	}
	free(a->users);
	free(a->realm);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
