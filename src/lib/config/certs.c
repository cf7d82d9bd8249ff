/* SPDX-License-Identifier: Apache-2.0 */
#include "config/certs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/confutil.h"
#include "config/paths.h"
#include "util/macro.h"

struct certs_info *certs_info_free(struct certs_info *c)
{
	if (!c)
		return NULL;
	free(c->dir);
	strv_free(c->ca_files);
	free(c->client_cert);
	free(c->client_key);
	free(c);
	return NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Regular files (symlinks followed) directly in @dir, sorted. */
static int list_files(const char *dir, char ***ret, berth_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	struct dirent *de;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return berr_errno(err, errno, "open certificate directory %s", dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berr_errno(err, errno, "read certificate directory %s", dir);
	}
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (conf_strv_push(&v, de->d_name) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	qsort(v, conf_strv_len(v), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(v);
	return 0;
}

static int join(char **ret, const char *dir, const char *name, size_t name_len, const char *suffix)
{
	if (asprintf(ret, "%s/%.*s%s", dir, (int)name_len, name, suffix) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int scan_dir(struct certs_info *c, berth_error *err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = list_files(c->dir, &names, err);

	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		const char *n = names[i];
		_cleanup_free_ char *p = NULL;

		if (has_suffix(n, ".crt")) {
			if (join(&p, c->dir, n, strlen(n), "") < 0 ||
			    conf_strv_push(&c->ca_files, p) < 0)
				return berr(err, ENOMEM, "out of memory");
		} else if (has_suffix(n, ".cert")) {
			size_t base = strlen(n) - 5;
			_cleanup_free_ char *key = NULL;
			if (join(&key, "", n, base, ".key") < 0)
				return berr(err, ENOMEM, "out of memory");
			if (!conf_strv_contains(names, key + 1))
				return berr(err, EINVAL,
					    "%s/%s: client certificate without its key %s; add the "
					    "key (CA certificates must be named *.crt)",
					    c->dir, n, key + 1);
			if (!c->client_cert) {
				if (join(&c->client_cert, c->dir, n, strlen(n), "") < 0 ||
				    join(&c->client_key, c->dir, n, base, ".key") < 0)
					return berr(err, ENOMEM, "out of memory");
			}
		} else if (has_suffix(n, ".key")) {
			_cleanup_free_ char *cert = NULL;
			if (join(&cert, "", n, strlen(n) - 4, ".cert") < 0)
				return berr(err, ENOMEM, "out of memory");
			if (!conf_strv_contains(names, cert + 1))
				return berr(err, EINVAL,
					    "%s/%s: key without its client certificate %s; add the "
					    "certificate or remove the key",
					    c->dir, n, cert + 1);
		}
	}
	return 0;
}

int certs_lookup(const char *sysroot, const char *cert_dir, const char *host_port,
		 struct certs_info **ret, berth_error *err)
{
	_cleanup_(certs_info_freep) struct certs_info *c = calloc(1, sizeof(*c));
	int r;

	if (!c || !(c->ca_files = calloc(1, sizeof(char *))))
		return berr(err, ENOMEM, "out of memory");
	if (cert_dir) {
		if (conf_set_str(&c->dir, cert_dir) < 0)
			return berr(err, ENOMEM, "out of memory");
		if (access(cert_dir, F_OK) < 0)
			return berr_errno(err, errno, "--cert-dir %s", cert_dir);
	} else {
		_cleanup_free_ char *home = paths_config_home();
		const char *sr = sysroot ? sysroot : "";
		char *dirs[3] = {NULL};

		if (!*host_port || strchr(host_port, '/') || strcmp(host_port, ".") == 0 ||
		    strcmp(host_port, "..") == 0)
			return berr(err, EINVAL, "\"%s\" is not a registry host[:port]", host_port);
		if (!home || asprintf(&dirs[0], "%s/containers/certs.d/%s", home, host_port) < 0 ||
		    asprintf(&dirs[1], "%s/etc/containers/certs.d/%s", sr, host_port) < 0 ||
		    asprintf(&dirs[2], "%s/etc/docker/certs.d/%s", sr, host_port) < 0) {
			for (size_t i = 0; i < 3; i++)
				free(dirs[i]);
			return berr(err, ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < 3; i++) {
			struct stat st;
			if (!c->dir && stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
				c->dir = TAKE_PTR(dirs[i]);
			free(dirs[i]);
		}
		if (!c->dir) {
			*ret = TAKE_PTR(c);
			return 0;
		}
	}
	r = scan_dir(c, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
