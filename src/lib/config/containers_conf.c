/* SPDX-License-Identifier: Apache-2.0 */
#include "config/containers_conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/confutil.h"
#include "config/paths.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/toml.h"

static const char *const default_caps[] = {
    "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",	  "NET_BIND_SERVICE",
    "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT", NULL,
};

struct containers_conf *containers_conf_free(struct containers_conf *c)
{
	if (!c)
		return NULL;
	strv_free(c->default_ulimits);
	strv_free(c->default_capabilities);
	strv_free(c->env);
	free(c->log_driver);
	free(c->seccomp_profile);
	free(c->init_path);
	free(c->tz);
	free(c->umask);
	strv_free(c->dns_servers);
	strv_free(c->default_sysctls);
	free(c->shm_size);
	strv_free(c->volumes);
	strv_free(c->devices);
	strv_free(c->annotations);
	strv_free(c->helper_binaries_dir);
	free(c->runtime);
	free(c->cgroup_manager);
	free(c->events_logger);
	free(c->infra_image);
	free(c->image_default_transport);
	free(c->default_rootless_network_cmd);
	strv_free(c->pasta_options);
	strv_free(c->files);
	free(c);
	return NULL;
}

/* podman picks systemd as cgroup manager only when PID 1 is systemd. */
static bool pid1_is_systemd(void)
{
	_cleanup_free_ char *comm = NULL;

	if (read_file_at(AT_FDCWD, "/proc/1/comm", 64, &comm, NULL, NULL) < 0)
		return false;
	return strncmp(comm, "systemd", 7) == 0;
}

static int set_defaults(struct containers_conf *c)
{
	char ***empty[] = {&c->default_ulimits, &c->env,	 &c->dns_servers,
			   &c->pasta_options,	&c->files,	 &c->volumes,
			   &c->devices,		&c->annotations, &c->default_sysctls};
	static const char *const helper_dirs[] = {
	    "/usr/local/libexec/podman",
	    "/usr/local/lib/podman",
	    "/usr/libexec/podman",
	    "/usr/lib/podman",
	    NULL,
	};
	const struct {
		char **dst;
		const char *val;
	} strs[] = {
	    {&c->log_driver, "k8s-file"},
	    {&c->seccomp_profile, CONTAINERS_CONF_DEFAULT_SECCOMP},
	    {&c->init_path, CONTAINERS_CONF_DEFAULT_INIT},
	    {&c->tz, ""},
	    {&c->umask, "0022"},
	    {&c->shm_size, "65536k"},
	    {&c->cgroup_manager, pid1_is_systemd() ? "systemd" : "cgroupfs"},
	    {&c->events_logger, "file"},
	    {&c->image_default_transport, "docker://"},
	    {&c->default_rootless_network_cmd, "pasta"},
	};

	for (size_t i = 0; i < ELEMENTSOF(empty); i++) {
		*empty[i] = calloc(1, sizeof(char *));
		if (!*empty[i])
			return -ENOMEM;
	}
	for (size_t i = 0; i < ELEMENTSOF(strs); i++)
		if (conf_set_str(strs[i].dst, strs[i].val) < 0)
			return -ENOMEM;
	c->events_logfile_max_size = 1000000; /* podman's "1m" */
	if (conf_strv_dup((char *const *)default_caps, &c->default_capabilities) < 0 ||
	    conf_strv_push(
		&c->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
	    conf_strv_push(&c->env, "TERM=xterm") < 0)
		return -ENOMEM;
	if (conf_strv_dup((char *const *)helper_dirs, &c->helper_binaries_dir) < 0)
		return -ENOMEM;
	c->http_proxy = true;
	c->log_size_max = -1;
	c->pids_limit = 2048;
	c->stop_timeout = 10;
	return 0;
}

/* "cap_net_raw" and "CAP_NET_RAW" both mean NET_RAW, as in podman. */
static void normalize_caps(char **caps)
{
	for (size_t i = 0; caps && caps[i]; i++) {
		char *s = caps[i];
		for (char *p = s; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strncmp(s, "CAP_", 4) == 0)
			memmove(s, s + 4, strlen(s + 4) + 1);
	}
}

static int check_one_of(const char *file, const char *section, const char *key, const char *val,
			const char *const *allowed, berth_error *err)
{
	char list[256] = "";

	for (size_t i = 0; allowed[i]; i++) {
		if (strcmp(val, allowed[i]) == 0)
			return 0;
		if (i > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
	}
	return berr(err, EINVAL, "%s: [%s] %s = \"%s\" is not supported; use one of: %s", file,
		    section, key, val, list);
}

static int merge_containers(struct containers_conf *c, const toml_value *t, const char *f,
			    berth_error *err)
{
	static const char *const drivers[] = {"k8s-file", "journald", "none", "passthrough", NULL};
	const char *s = "containers";
	int r;

	if ((r = conf_read_strv(t, f, s, "default_ulimits", &c->default_ulimits, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "default_capabilities", &c->default_capabilities, err)) <
		0 ||
	    (r = conf_read_strv(t, f, s, "env", &c->env, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "log_driver", &c->log_driver, err)) < 0 ||
	    (r = conf_read_int(t, f, s, "log_size_max", &c->log_size_max, err)) < 0 ||
	    (r = conf_read_int(t, f, s, "pids_limit", &c->pids_limit, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "seccomp_profile", &c->seccomp_profile, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "init_path", &c->init_path, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "tz", &c->tz, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "umask", &c->umask, err)) < 0 ||
	    (r = conf_read_bool(t, f, s, "no_hosts", &c->no_hosts, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "dns_servers", &c->dns_servers, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "default_sysctls", &c->default_sysctls, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "shm_size", &c->shm_size, err)) < 0 ||
	    (r = conf_read_bool(t, f, s, "init", &c->init, err)) < 0 ||
	    (r = conf_read_bool(t, f, s, "http_proxy", &c->http_proxy, err)) < 0 ||
	    (r = conf_read_bool(t, f, s, "read_only", &c->read_only, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "volumes", &c->volumes, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "devices", &c->devices, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "annotations", &c->annotations, err)) < 0)
		return r;
	for (size_t i = 0; c->default_sysctls[i]; i++)
		if (!strchr(c->default_sysctls[i], '=') || c->default_sysctls[i][0] == '=')
			return berr(err, EINVAL,
				    "%s: [containers] default_sysctls entry \"%s\" is not "
				    "NAME=VALUE",
				    f, c->default_sysctls[i]);
	normalize_caps(c->default_capabilities);
	for (size_t i = 0; c->default_ulimits[i]; i++)
		if (!strchr(c->default_ulimits[i], '='))
			return berr(err, EINVAL,
				    "%s: [containers] default_ulimits entry \"%s\" is not "
				    "NAME=SOFT[:HARD]",
				    f, c->default_ulimits[i]);
	for (size_t i = 0; c->env[i]; i++)
		if (!c->env[i][0] || c->env[i][0] == '=')
			return berr(err, EINVAL,
				    "%s: [containers] env entry \"%s\" is not KEY=VALUE", f,
				    c->env[i]);
	if (toml_get(t, "log_driver") &&
	    (r = check_one_of(f, s, "log_driver", c->log_driver, drivers, err)) < 0)
		return r;
	{
		char *end = NULL;
		unsigned long m = strtoul(c->umask, &end, 8);
		if (!c->umask[0] || *end || m > 0777)
			return berr(err, EINVAL,
				    "%s: [containers] umask \"%s\" is not an octal mode such as "
				    "\"0022\"",
				    f, c->umask);
	}
	if (c->log_size_max < -1 ||
	    (c->log_size_max >= 0 && c->log_size_max < 8192 && toml_get(t, "log_size_max")))
		return berr(err, EINVAL,
			    "%s: [containers] log_size_max must be -1 (unlimited) or at least "
			    "8192 bytes",
			    f);
	return 0;
}

/* podman's sizes (docker's units.FromHumanSize): a number with an optional decimal suffix. */
static int read_human_size(const toml_value *t, const char *f, const char *s, const char *key,
			   int64_t *ret, berth_error *err)
{
	static const char suffixes[] = "kmgtp";
	_cleanup_free_ char *text = NULL;
	const toml_value *v = toml_get(t, key);
	double n, mult = 1;
	char *end;

	if (!v)
		return 0;
	if (toml_type_of(v) == TOML_INTEGER)
		return conf_read_int(t, f, s, key, ret, err);
	if (conf_read_str(t, f, s, key, &text, err) < 0)
		return -EINVAL;
	n = strtod(text, &end);
	while (*end == ' ')
		end++;
	if (*end) {
		const char *k = strchr(suffixes, tolower((unsigned char)*end));
		if (!k)
			goto bad;
		for (const char *p = suffixes; p <= k; p++)
			mult *= 1000;
		end++;
		if (*end == 'b' || *end == 'B')
			end++;
	}
	if (end == text || *end || n < 0 || n * mult > (double)INT64_MAX)
		goto bad;
	*ret = (int64_t)(n * mult);
	return 0;
bad:
	return berr(err, EINVAL, "%s: [%s] %s: invalid size \"%s\" (use e.g. 500k, 1m or 1000000)", f,
		    s, key, text);
}

static int merge_engine(struct containers_conf *c, const toml_value *t, const char *f,
			berth_error *err)
{
	static const char *const managers[] = {"cgroupfs", "systemd", NULL};
	static const char *const loggers[] = {"file", "journald", "none", NULL};
	const char *s = "engine";
	int r;

	if ((r = conf_read_str(t, f, s, "runtime", &c->runtime, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "cgroup_manager", &c->cgroup_manager, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "events_logger", &c->events_logger, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "infra_image", &c->infra_image, err)) < 0 ||
	    (r = conf_read_int(t, f, s, "stop_timeout", &c->stop_timeout, err)) < 0 ||
	    (r = conf_read_str(t, f, s, "image_default_transport", &c->image_default_transport,
			       err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "helper_binaries_dir", &c->helper_binaries_dir, err)) < 0)
		return r;
	if (toml_get(t, "cgroup_manager") &&
	    (r = check_one_of(f, s, "cgroup_manager", c->cgroup_manager, managers, err)) < 0)
		return r;
	if (toml_get(t, "events_logger") &&
	    (r = check_one_of(f, s, "events_logger", c->events_logger, loggers, err)) < 0)
		return r;
	if ((r = read_human_size(t, f, s, "events_logfile_max_size", &c->events_logfile_max_size,
				 err)) < 0)
		return r;
	if (c->events_logfile_max_size < 0)
		return berr(err, EINVAL, "%s: [engine] events_logfile_max_size must be >= 0", f);
	if (c->stop_timeout < 0 || c->stop_timeout > UINT32_MAX)
		return berr(err, EINVAL,
			    "%s: [engine] stop_timeout must be a number of seconds >= 0", f);
	if (c->infra_image && !c->infra_image[0])
		c->infra_image = (free(c->infra_image), NULL);
	return 0;
}

static int merge_network(struct containers_conf *c, const toml_value *t, const char *f,
			 berth_error *err)
{
	static const char *const cmds[] = {"pasta", "slirp4netns", NULL};
	const char *s = "network";
	int r;

	if ((r = conf_read_str(t, f, s, "default_rootless_network_cmd",
			       &c->default_rootless_network_cmd, err)) < 0 ||
	    (r = conf_read_strv(t, f, s, "pasta_options", &c->pasta_options, err)) < 0)
		return r;
	if (toml_get(t, "default_rootless_network_cmd") &&
	    (r = check_one_of(f, s, "default_rootless_network_cmd", c->default_rootless_network_cmd,
			      cmds, err)) < 0)
		return r;
	return 0;
}

static int merge_file(struct containers_conf *c, const char *path, berth_error *err)
{
	_cleanup_(toml_freep) toml_value *root = NULL;
	const toml_value *t;
	int r;

	r = toml_parse_file(path, &root, err);
	if (r < 0)
		return r;
	if ((t = toml_get(root, "containers")) && toml_type_of(t) != TOML_TABLE)
		return berr(err, EINVAL, "%s: \"containers\" must be a table", path);
	if (t && (r = merge_containers(c, t, path, err)) < 0)
		return r;
	if ((t = toml_get(root, "engine")) && toml_type_of(t) != TOML_TABLE)
		return berr(err, EINVAL, "%s: \"engine\" must be a table", path);
	if (t && (r = merge_engine(c, t, path, err)) < 0)
		return r;
	if ((t = toml_get(root, "network")) && toml_type_of(t) != TOML_TABLE)
		return berr(err, EINVAL, "%s: \"network\" must be a table", path);
	if (t && (r = merge_network(c, t, path, err)) < 0)
		return r;
	if (conf_strv_push(&c->files, path) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int containers_conf_load_files(char *const *files, struct containers_conf **ret, berth_error *err)
{
	_cleanup_(containers_conf_freep) struct containers_conf *c = calloc(1, sizeof(*c));
	int r;

	if (!c || set_defaults(c) < 0)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; files && files[i]; i++) {
		r = merge_file(c, files[i], err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

/* Adds @file when it exists, then the *.conf files of "@file.d". */
static int add_with_dropins(char ***v, const char *file, berth_error *err)
{
	_cleanup_strv_free_ char **dropins = NULL;
	_cleanup_free_ char *dir = NULL;
	int r;

	if (access(file, F_OK) == 0 && conf_strv_push(v, file) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (asprintf(&dir, "%s.d", file) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = conf_dropins(dir, &dropins, err);
	if (r < 0)
		return r;
	for (size_t i = 0; dropins[i]; i++)
		if (conf_strv_push(v, dropins[i]) < 0)
			return berr(err, ENOMEM, "out of memory");
	return 0;
}

static int add_required(char ***v, const char *var, berth_error *err)
{
	const char *p = getenv(var);

	if (!p || !*p)
		return 0;
	if (access(p, F_OK) < 0)
		return berr_errno(err, errno, "%s=%s: cannot read the file; fix or unset %s", var,
				  p, var);
	if (conf_strv_push(v, p) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int containers_conf_paths(const char *sysroot, bool rootless, char ***ret, berth_error *err)
{
	static const char *const system_files[] = {
	    "/usr/share/containers/containers.conf",
	    "/etc/containers/containers.conf",
	};
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	const char *env = getenv("CONTAINERS_CONF");
	int r;

	if (!v)
		return berr(err, ENOMEM, "out of memory");
	if (env && *env) {
		r = add_required(&v, "CONTAINERS_CONF", err);
		if (r < 0)
			return r;
	} else {
		for (size_t i = 0; i < ELEMENTSOF(system_files); i++) {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s%s", sysroot ? sysroot : "", system_files[i]) < 0)
				return berr(err, ENOMEM, "out of memory");
			r = add_with_dropins(&v, p, err);
			if (r < 0)
				return r;
		}
		if (rootless) {
			_cleanup_free_ char *home = paths_config_home(), *p = NULL;
			if (!home || asprintf(&p, "%s/containers/containers.conf", home) < 0)
				return berr(err, ENOMEM, "out of memory");
			r = add_with_dropins(&v, p, err);
			if (r < 0)
				return r;
		}
	}
	r = add_required(&v, "CONTAINERS_CONF_OVERRIDE", err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	return 0;
}

int containers_conf_load(struct containers_conf **ret, berth_error *err)
{
	_cleanup_strv_free_ char **files = NULL;
	int r;

	r = containers_conf_paths(NULL, conf_is_rootless(), &files, err);
	if (r < 0)
		return r;
	return containers_conf_load_files(files, ret, err);
}

int containers_conf_get(const struct containers_conf **ret, berth_error *err)
{
	static struct containers_conf *cached;
	static berth_error failed;
	static bool loaded;

	if (!loaded) {
		loaded = true;
		if (containers_conf_load(&cached, &failed) < 0)
			cached = NULL;
	}
	if (!cached) {
		if (err)
			*err = failed;
		return -(failed.code ? abs(failed.code) : EINVAL);
	}
	*ret = cached;
	return 0;
}
