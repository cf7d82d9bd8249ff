/* SPDX-License-Identifier: Apache-2.0 */
#include "config/storage_conf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/confutil.h"
#include "config/paths.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/toml.h"

struct storage_conf *storage_conf_free(struct storage_conf *c)
{
	if (!c)
		return NULL;
	free(c->driver);
	free(c->graphroot);
	free(c->runroot);
	free(c->rootless_storage_path);
	free(c->path);
	free(c);
	return NULL;
}

int storage_conf_path(const char *sysroot, bool rootless, char **ret, berth_error *err)
{
	static const char *const system_files[] = {
	    "/etc/containers/storage.conf",
	    "/usr/share/containers/storage.conf",
	};
	const char *env = getenv("CONTAINERS_STORAGE_CONF");
	char *p = NULL;

	if (env && *env) {
		if (access(env, F_OK) < 0)
			return berr_errno(
			    err, errno,
			    "CONTAINERS_STORAGE_CONF=%s: cannot read the file; fix or "
			    "unset CONTAINERS_STORAGE_CONF",
			    env);
		p = strdup(env);
		if (!p)
			return berr(err, ENOMEM, "out of memory");
		*ret = p;
		return 0;
	}
	if (rootless) {
		_cleanup_free_ char *home = paths_config_home();
		if (!home || asprintf(&p, "%s/containers/storage.conf", home) < 0)
			return berr(err, ENOMEM, "out of memory");
		if (access(p, F_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	for (size_t i = 0; i < ELEMENTSOF(system_files); i++) {
		if (asprintf(&p, "%s%s", sysroot ? sysroot : "", system_files[i]) < 0)
			return berr(err, ENOMEM, "out of memory");
		if (access(p, F_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	*ret = NULL;
	return 0;
}

/* Expands $HOME, $UID and $USER in rootless_storage_path, as containers/storage does. */
static int expand_vars(char **s)
{
	const struct passwd *pw = getpwuid(getuid());
	char uid[16];
	const struct {
		const char *name;
		const char *val;
	} vars[] = {
	    {"$HOME", paths_home()},
	    {"$UID", uid},
	    {"$USER", pw ? pw->pw_name : (getenv("USER") ? getenv("USER") : "")},
	};

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
		char *hit;
		while ((hit = strstr(*s, vars[i].name))) {
			char *n = NULL;
			if (asprintf(&n, "%.*s%s%s", (int)(hit - *s), *s, vars[i].val,
				     hit + strlen(vars[i].name)) < 0)
				return -ENOMEM;
			free(*s);
			*s = n;
		}
	}
	return 0;
}

static int read_roots(struct storage_conf *c, const toml_value *t, const char *path,
		      const char *section, berth_error *err)
{
	int r;

	if ((r = conf_read_str(t, path, section, "graphroot", &c->graphroot, err)) < 0 ||
	    (r = conf_read_str(t, path, section, "runroot", &c->runroot, err)) < 0 ||
	    (r = conf_read_str(t, path, section, "rootless_storage_path", &c->rootless_storage_path,
			       err)) < 0)
		return r;
	const struct {
		const char *key;
		char *val;
	} roots[] = {
	    {"graphroot", c->graphroot},
	    {"runroot", c->runroot},
	    {"rootless_storage_path", c->rootless_storage_path},
	};
	for (size_t i = 0; i < ELEMENTSOF(roots); i++)
		if (roots[i].val && roots[i].val[0] != '/' && roots[i].val[0] != '$')
			return berr(err, EINVAL, "%s: [%s] %s = \"%s\" must be an absolute path",
				    path, section, roots[i].key, roots[i].val);
	return 0;
}

int storage_conf_load_file(const char *path, bool trusted_roots, struct storage_conf **ret,
			   berth_error *err)
{
	_cleanup_(storage_conf_freep) struct storage_conf *c = calloc(1, sizeof(*c));
	_cleanup_(toml_freep) toml_value *root = NULL;
	const toml_value *st, *berth;
	int r;

	if (!c)
		return berr(err, ENOMEM, "out of memory");
	if (!path) {
		*ret = TAKE_PTR(c);
		return 0;
	}
	r = toml_parse_file(path, &root, err);
	if (r < 0)
		return r;
	if (conf_set_str(&c->path, path) < 0)
		return berr(err, ENOMEM, "out of memory");
	st = toml_get(root, "storage");
	if (st && toml_type_of(st) != TOML_TABLE)
		return berr(err, EINVAL, "%s: \"storage\" must be a table", path);
	r = conf_read_str(st, path, "storage", "driver", &c->driver, err);
	if (r < 0)
		return r;
	if (c->driver && !c->driver[0])
		c->driver = (free(c->driver), NULL);
	/* A driver berth lacks (btrfs, zfs) in podman's own file is podman's business: berth
	 * keeps its default. Named by $CONTAINERS_STORAGE_CONF, it is an error. */
	if (c->driver && strcmp(c->driver, "overlay") != 0 && strcmp(c->driver, "vfs") != 0 &&
	    !trusted_roots) {
		log_debug("%s: driver \"%s\" is not berth's; using overlay", path, c->driver);
		c->driver = (free(c->driver), NULL);
	}
	if (c->driver && strcmp(c->driver, "overlay") != 0 && strcmp(c->driver, "vfs") != 0)
		return berr(err, EINVAL,
			    "%s: [storage] driver = \"%s\" is not supported by berth; use "
			    "\"overlay\" or \"vfs\"",
			    path, c->driver);
	if (trusted_roots && st) {
		r = read_roots(c, st, path, "storage", err);
		if (r < 0)
			return r;
	}
	berth = toml_get(st, "berth");
	if (berth && toml_type_of(berth) != TOML_TABLE)
		return berr(err, EINVAL, "%s: [storage] berth must be a table", path);
	if (berth) {
		r = read_roots(c, berth, path, "storage.berth", err);
		if (r < 0)
			return r;
	}
	if (c->rootless_storage_path && expand_vars(&c->rootless_storage_path) < 0)
		return berr(err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(c);
	return 0;
}

int storage_conf_load(struct storage_conf **ret, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *env = getenv("CONTAINERS_STORAGE_CONF");
	int r;

	r = storage_conf_path(NULL, conf_is_rootless(), &path, err);
	if (r < 0)
		return r;
	return storage_conf_load_file(path, env && *env, ret, err);
}
