/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the part of distribution's configuration berth-registry understands: a YAML file
 * (version 0.1) and the REGISTRY_* environment variables that override it. Variables berth does
 * not know are ignored (podman users have REGISTRY_AUTH_FILE set, which distribution chokes on).
 */
#include <errno.h>
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"
#include "util/macro.h"

static int set_str(char **dst, const char *val)
{
	char *n = strdup(val);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* A setting known by its YAML path and its environment variable. */
struct setting {
	const char *path;
	const char *env;
	size_t str_off; /* offsetof a char* field, or SIZE_MAX */
	size_t bool_off; /* offsetof a bool field, or SIZE_MAX */
	bool invert;
};

#define S(path, env, field) { path, env, offsetof(struct reg_config, field), SIZE_MAX, false }
#define B(path, env, field, inv) { path, env, SIZE_MAX, offsetof(struct reg_config, field), inv }

static const struct setting settings[] = {
	S("/log/level", "REGISTRY_LOG_LEVEL", loglevel),
	B("/log/accesslog/disabled", "REGISTRY_LOG_ACCESSLOG_DISABLED", accesslog, true),
	S("/storage/filesystem/rootdirectory", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", rootdir),
	B("/storage/delete/enabled", "REGISTRY_STORAGE_DELETE_ENABLED", delete_enabled, false),
	B("/storage/maintenance/readonly/enabled", "REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED",
	  readonly, false),
	S("/http/addr", "REGISTRY_HTTP_ADDR", addr),
	S("/http/tls/certificate", "REGISTRY_HTTP_TLS_CERTIFICATE", tls_cert),
	S("/http/tls/key", "REGISTRY_HTTP_TLS_KEY", tls_key),
	S("/auth/htpasswd/realm", "REGISTRY_AUTH_HTPASSWD_REALM", htpasswd_realm),
	S("/auth/htpasswd/path", "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd_path),
};

static int apply(struct reg_config *cfg, const struct setting *s, const char *val,
		 const char *where, berth_error *err)
{
	if (s->str_off != SIZE_MAX) {
		if (set_str((char **)((char *)cfg + s->str_off), val) < 0)
			return berr(err, ENOMEM, "out of memory");
		return 0;
	}
	bool b;
	if (parse_bool(val, &b) < 0)
		return berr(err, EINVAL, "%s: %s must be true or false, not \"%s\"", where, s->path + 1,
			    val);
	*(bool *)((char *)cfg + s->bool_off) = s->invert ? !b : b;
	return 0;
}

static int load_yaml(struct reg_config *cfg, const char *path, berth_error *err)
{
	struct fy_parse_cfg pcfg = { .flags = FYPCF_QUIET };
	struct fy_document *doc = fy_document_build_from_file(&pcfg, path);
	struct fy_node *root, *n;
	const char *v;
	int r = 0;

	if (!doc)
		return berr(err, EINVAL,
			    "configuration %s: cannot be read or is not valid YAML (check the file)",
			    path);
	root = fy_document_root(doc);
	if (!root || !fy_node_is_mapping(root)) {
		r = berr(err, EINVAL, "configuration %s: expected a YAML mapping", path);
		goto out;
	}
	n = fy_node_by_path(root, "/version", (size_t)-1, FYNWF_DONT_FOLLOW);
	v = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
	if (!v || strcmp(v, "0.1") != 0) {
		r = berr(err, EINVAL, "configuration %s: version must be 0.1", path);
		goto out;
	}
	n = fy_node_by_path(root, "/storage", (size_t)-1, FYNWF_DONT_FOLLOW);
	if (n && fy_node_is_mapping(n)) {
		static const char *const drivers[] = { "s3", "azure", "gcs", "swift", "oss", "inmemory" };
		for (size_t i = 0; i < ELEMENTSOF(drivers); i++)
			if (fy_node_mapping_lookup_by_string(n, drivers[i], (size_t)-1)) {
				r = berr(err, ENOTSUP,
					 "configuration %s: storage driver %s is not supported; use "
					 "filesystem",
					 path, drivers[i]);
				goto out;
			}
	}
	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		n = fy_node_by_path(root, settings[i].path, (size_t)-1, FYNWF_DONT_FOLLOW);
		if (!n)
			continue;
		if (!fy_node_is_scalar(n)) {
			r = berr(err, EINVAL, "configuration %s: %s must be a plain value", path,
				 settings[i].path + 1);
			goto out;
		}
		v = fy_node_get_scalar0(n);
		if (!v) {
			r = berr(err, ENOMEM, "out of memory");
			goto out;
		}
		r = apply(cfg, &settings[i], v, path, err);
		if (r < 0)
			goto out;
	}
out:
	fy_document_destroy(doc);
	return r;
}

int reg_config_load(struct reg_config *cfg, const char *path, berth_error *err)
{
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->accesslog = true;
	if (set_str(&cfg->rootdir, "/var/lib/registry") < 0 || set_str(&cfg->addr, ":5000") < 0 ||
	    set_str(&cfg->loglevel, "info") < 0)
		return berr(err, ENOMEM, "out of memory");
	if (path) {
		r = load_yaml(cfg, path, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const char *v = getenv(settings[i].env);
		if (!v)
			continue;
		r = apply(cfg, &settings[i], v, settings[i].env, err);
		if (r < 0)
			return r;
	}
	/* distribution's form: REGISTRY_STORAGE_MAINTENANCE_READONLY="{enabled: true}" */
	const char *ro = getenv("REGISTRY_STORAGE_MAINTENANCE_READONLY");
	if (ro && strstr(ro, "enabled") && strstr(ro, "true"))
		cfg->readonly = true;
	if (!cfg->rootdir[0])
		return berr(err, EINVAL, "storage.filesystem.rootdirectory must not be empty");
	return 0;
}

void reg_config_done(struct reg_config *cfg)
{
	free(cfg->rootdir);
	free(cfg->addr);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->htpasswd_path);
	free(cfg->htpasswd_realm);
	free(cfg->loglevel);
	memset(cfg, 0, sizeof(*cfg));
}
