/* SPDX-License-Identifier: Apache-2.0 */
#include "config/confutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macro.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

int conf_dropins(const char *dir, char ***ret, berth_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			v = calloc(1, sizeof(*v));
			if (!v)
				return berr(err, ENOMEM, "out of memory");
			*ret = TAKE_PTR(v);
			return 0;
		}
		return berr_errno(err, errno, "open configuration directory %s", dir);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berr_errno(err, errno, "read configuration directory %s", dir);
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		char *p = NULL;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		/* follow symlinks, as podman does, but take only regular files */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			return berr(err, ENOMEM, "out of memory");
		char **nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv) {
			free(p);
			return berr(err, ENOMEM, "out of memory");
		}
		v = nv;
		v[n++] = p;
		v[n] = NULL;
	}
	if (errno)
		return berr_errno(err, errno, "read configuration directory %s", dir);
	qsort(v, n, sizeof(*v), cmp_str);
	*ret = TAKE_PTR(v);
	return 0;
}

size_t conf_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int conf_strv_push(char ***v, const char *s)
{
	size_t n = conf_strv_len(*v);
	char *c = strdup(s);
	char **nv;

	if (!c)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv) {
		free(c);
		return -ENOMEM;
	}
	nv[n] = c;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int conf_strv_dup(char *const *v, char ***ret)
{
	_cleanup_strv_free_ char **c = NULL;
	size_t n = conf_strv_len(v);

	if (!v) {
		*ret = NULL;
		return 0;
	}
	c = calloc(n + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i])
			return -ENOMEM;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

bool conf_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int conf_set_str(char **dst, const char *src)
{
	char *c = NULL;

	if (src) {
		c = strdup(src);
		if (!c)
			return -ENOMEM;
	}
	free(*dst);
	*dst = c;
	return 0;
}

static int type_error(const char *file, const char *section, const char *key, const char *want,
		      berth_error *err)
{
	return berr(err, EINVAL, "%s: %s%s%s%s must be %s; fix the value in that file", file,
		    section ? "[" : "", section ? section : "", section ? "] " : "", key, want);
}

int conf_read_str(const toml_value *table, const char *file, const char *section, const char *key,
		  char **dst, berth_error *err)
{
	const char *s;
	int r = toml_get_string(table, key, &s);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return type_error(file, section, key, "a string", err);
	if (conf_set_str(dst, s) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int conf_read_strv(const toml_value *table, const char *file, const char *section, const char *key,
		   char ***dst, berth_error *err)
{
	char **v = NULL;
	int r = toml_get_strv(table, key, &v);

	if (r == -ENOENT)
		return 0;
	if (r == -ENOMEM)
		return berr(err, ENOMEM, "out of memory");
	if (r < 0)
		return type_error(file, section, key, "an array of strings", err);
	strv_free(*dst);
	*dst = v;
	return 0;
}

int conf_read_int(const toml_value *table, const char *file, const char *section, const char *key,
		  int64_t *dst, berth_error *err)
{
	int r = toml_get_int(table, key, dst);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return type_error(file, section, key, "an integer", err);
	return 0;
}

int conf_read_bool(const toml_value *table, const char *file, const char *section, const char *key,
		   bool *dst, berth_error *err)
{
	int r = toml_get_bool(table, key, dst);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return type_error(file, section, key, "true or false", err);
	return 0;
}

bool conf_is_rootless(void)
{
	return geteuid() != 0;
}
