/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.c - the container commands of issue 3: run, create, start, ps, logs, stop, kill,
 * wait, rm, restart, inspect, container cleanup/exists/prune. Flags are podman's; they are
 * turned into the create-options JSON (engine/spec.h) that is stored with the container, and
 * the engine (engine/container.h) does the work.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/image_format.h"
#include "engine/container.h"
#include "engine/container_restart.h"
#include "network/ports.h"
#include "network/slirp.h"
#include "engine/container_attach.h"
#include "engine/container_json.h"
#include "engine/container_health.h"
#include "engine/container_log.h"
#include "engine/container_logs.h"
#include "engine/container_status.h"
#include "engine/container_volume.h"
#include "engine/create_conf.h"
#include "engine/exec_session.h"
#include "engine/spec.h"
#include "cli/health.h"
#include "store/container.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/macro.h"

#define ENV_FILE_MAX (1u << 20)

static int open_store(struct berth_ctx *ctx, struct store **ret, berth_error *err)
{
	return store_open(ctx->root, ctx->runroot, ret, err);
}

/* ---- flag parsing into the create options ---- */

#define CREATE_OPTIONS                                                                          \
	{ "name", 0, CLI_STRING, "Assign a name to the container", NULL },                        \
	{ "interactive", 'i', CLI_BOOL, "Keep STDIN open even if not attached", NULL },            \
	{ "tty", 't', CLI_BOOL, "Allocate a pseudo-TTY for container", NULL },                    \
	{ "rm", 0, CLI_BOOL, "Remove container (and pod if created) after exit", NULL },          \
	{ "restart", 0, CLI_STRING, "Restart policy to apply when a container exits", NULL },   \
	CLI_HEALTH_OPTIONS,                                                                       \
	{ "env", 'e', CLI_LIST, "Set environment variables in container", NULL },                 \
	{ "env-file", 0, CLI_LIST, "Read in a file of environment variables", NULL },             \
	{ "workdir", 'w', CLI_STRING, "Working directory inside the container", NULL },           \
	{ "user", 'u', CLI_STRING, "Username or UID (format: <name|uid>[:<group|gid>])", NULL },  \
	{ "entrypoint", 0, CLI_STRING, "Overwrite the default ENTRYPOINT of the image", NULL },   \
	{ "hostname", 'h', CLI_STRING, "Set container hostname", NULL },                          \
	{ "read-only", 0, CLI_BOOL, "Make containers root filesystem read-only", NULL },          \
	{ "volume", 'v', CLI_LIST, "Bind mount a volume into the container", NULL },              \
	{ "tmpfs", 0, CLI_LIST, "Mount a temporary filesystem (tmpfs) into a container", NULL },  \
	{ "device", 0, CLI_LIST, "Add a host device to the container (HOST[:CTR][:PERMS])", NULL }, \
	{ "shm-size", 0, CLI_STRING, "Size of /dev/shm (format: <number>[<unit>], unit = b, k, m, g)", NULL }, \
	{ "network", 0, CLI_STRING, "Connect a container to a network (private, none, host, container:NAME, ns:PATH, pasta[:OPTIONS], slirp4netns[:OPTIONS])", NULL }, \
	{ "net", 0, CLI_STRING, "Alias of --network", NULL },                                     \
	{ "pod", 0, CLI_STRING, "Run container in an existing pod (or new:NAME to create one)", NULL }, \
	{ "publish", 'p', CLI_LIST, "Publish a container's port to the host", NULL },             \
	{ "publish-all", 'P', CLI_BOOL, "Publish all exposed ports to random ports on the host interfaces", NULL }, \
	{ "init", 0, CLI_BOOL, "Run an init binary inside the container", NULL },                 \
	{ "ulimit", 0, CLI_LIST, "Ulimit options (e.g. nofile=1024:2048)", NULL },                \
	{ "cap-add", 0, CLI_LIST, "Add capabilities to the container", NULL },                    \
	{ "cap-drop", 0, CLI_LIST, "Drop capabilities from the container", NULL },                \
	{ "privileged", 0, CLI_BOOL, "Give extended privileges to container", NULL },             \
	{ "security-opt", 0, CLI_LIST, "Security options (no-new-privileges, seccomp=FILE|unconfined)", NULL }, \
	{ "memory", 'm', CLI_STRING, "Memory limit (format: <number>[<unit>], unit = b, k, m, g)", NULL }, \
	{ "cpus", 0, CLI_STRING, "Number of CPUs", NULL },                                        \
	{ "pids-limit", 0, CLI_INT, "Tune container pids limit (set -1 for unlimited)", NULL },   \
	{ "label", 'l', CLI_LIST, "Set metadata on container", NULL },                            \
	{ "annotation", 0, CLI_LIST, "Add annotations to container (key=value)", NULL },          \
	{ "log-driver", 0, CLI_STRING, "Logging driver for the container (k8s-file, none)", NULL }, \
	{ "log-opt", 0, CLI_LIST, "Logging driver options (max-size=SIZE)", NULL },               \
	{ "stop-signal", 0, CLI_STRING, "Signal to stop a container. Default is SIGTERM", NULL }, \
	{ "stop-timeout", 0, CLI_INT, "Timeout (in seconds) to stop a container", NULL },         \
	{ "pull", 0, CLI_STRING, "Pull image policy (always, missing, never, newer)", NULL },     \
	{ "cidfile", 0, CLI_STRING, "Write the container ID to the file", NULL },                 \
	{ "replace", 0, CLI_BOOL, "If a container with the same name exists, replace it", NULL }, \
	{ "sdnotify", 0, CLI_STRING, "Control sd-notify behavior (conmon, container, ignore)", "conmon" }

const struct cli_option cmd_create_options[] = {
	CREATE_OPTIONS,
	{ NULL, 0, 0, NULL, NULL },
};

const struct cli_option cmd_run_options[] = {
	CREATE_OPTIONS,
	{ "detach", 'd', CLI_BOOL, "Run container in background and print container ID", NULL },
	{ "detach-keys", 0, CLI_STRING, "Override the key sequence for detaching a container",
	  "ctrl-p,ctrl-q" },
	{ NULL, 0, 0, NULL, NULL },
};

static int read_env_file(json_t *env, const char *path, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	char *save = NULL;
	int r = read_file_at(AT_FDCWD, path, ENV_FILE_MAX, &data, NULL, err);

	if (r < 0)
		return berr_prefix(err, "--env-file");
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*line))
			line++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		if (create_env_add(env, line) < 0)
			return berr(err, EINVAL, "--env-file %s: invalid line \"%s\"", path, line);
	}
	return 0;
}

static int parse_tmpfs(json_t *list, const char *spec, berth_error *err)
{
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *dest = strndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));
	json_t *opts = json_pack("[s, s, s]", "rw", "nosuid", "nodev");

	if (!dest || dest[0] != '/') {
		json_decref(opts);
		return berr(err, EINVAL, "invalid --tmpfs %s: the path must be absolute", spec);
	}
	if (colon) {
		_cleanup_free_ char *o = strdup(colon + 1);
		char *save = NULL;
		for (char *p = strtok_r(o, ",", &save); p; p = strtok_r(NULL, ",", &save))
			json_array_append_new(opts, json_string(p));
	} else {
		json_array_append_new(opts, json_string("noexec"));
	}
	json_array_append_new(list, json_pack("{s:s, s:o}", "destination", dest, "options", opts));
	return 0;
}

static int parse_kv_list(json_t *obj, char *const *list, const char *what, berth_error *err)
{
	for (; *list; list++) {
		const char *eq = strchr(*list, '=');
		_cleanup_free_ char *k = strndup(*list, eq ? (size_t)(eq - *list) : strlen(*list));
		if (!k || !*k)
			return berr(err, EINVAL, "invalid %s \"%s\": use KEY=VALUE", what, *list);
		json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
	}
	return 0;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static int parse_entrypoint(json_t *c, const char *ep, berth_error *err)
{
	json_t *j;

	if (ep[0] == '[') {
		j = json_loads(ep, 0, NULL);
		if (!json_is_array(j)) {
			json_decref(j);
			return berr(err, EINVAL, "invalid --entrypoint %s: not a JSON array", ep);
		}
	} else if (*ep) {
		j = json_pack("[s]", ep);
	} else {
		j = json_array();
	}
	json_object_set_new(c, "entrypoint", j);
	return 0;
}

static int parse_security(json_t *c, char *const *opts, berth_error *err)
{
	for (; *opts; opts++) {
		const char *o = *opts;
		if (strcmp(o, "no-new-privileges") == 0 || strcmp(o, "no-new-privileges=true") == 0 ||
		    strcmp(o, "no-new-privileges:true") == 0)
			json_object_set_new(c, "no_new_privileges", json_true());
		else if (strncmp(o, "seccomp=", 8) == 0 || strncmp(o, "seccomp:", 8) == 0) {
			const char *v = o + 8;
			if (strcmp(v, "unconfined") != 0 && access(v, R_OK) < 0)
				return berr(err, ENOENT,
					    "invalid --security-opt %s: cannot read the profile %s", o,
					    v);
			json_object_set_new(c, "seccomp", json_string(v));
		} else if (strncmp(o, "label=", 6) == 0 || strncmp(o, "apparmor=", 9) == 0) {
			continue; /* no SELinux or AppArmor here: accepted as podman does */
		} else {
			return berr(err, EINVAL,
				    "invalid --security-opt %s: use no-new-privileges, seccomp=FILE or "
				    "seccomp=unconfined",
				    o);
		}
	}
	return 0;
}

/* build_create() - the create options from the flags and the command after the image. */
/* -p: published ports, checked here so a bad one creates nothing (network/ports.h). */
static int parse_publish(struct cli_args *args, json_t *create, berth_error *err)
{
	char *const *specs = cli_list(args, "publish");
	const char *net = cli_str(args, "network");
	struct port_mapping m[64];
	size_t n = 0;
	int r;

	if (!specs[0] && !cli_flag(args, "publish-all"))
		return 0;
	if (net && (strcmp(net, "none") == 0 || strcmp(net, "host") == 0))
		return berr(err, EINVAL, "cannot publish ports with --network %s: the container has %s",
			    net, strcmp(net, "host") == 0 ? "the host's network already" : "no network");
	for (; *specs; specs++) {
		if (n == ELEMENTSOF(m))
			return berr(err, E2BIG, "too many -p options: at most %zu", ELEMENTSOF(m));
		if ((r = port_mapping_parse(*specs, &m[n], err)) < 0 ||
		    (r = port_mapping_check_privileged(&m[n], geteuid() != 0, err)) < 0)
			return r;
		n++;
	}
	json_object_set_new(create, "ports", port_mappings_to_json(m, n));
	if (cli_flag(args, "publish-all")) /* the engine adds the image's EXPOSE ports */
		json_object_set_new(create, "publish_all", json_true());
	return 0;
}

static int build_create(struct cli_args *args, json_t **ret, berth_error *err)
{
	_cleanup_(json_decrefp) json_t *c = json_object();
	json_t *env = json_array(), *mounts = json_array(), *tmpfs = json_array(),
	       *ulimits = json_array(), *labels = json_object(), *ann = json_object(),
	       *devices = json_array();
	char *const *argv = cli_argv(args);
	const char *v;
	int r;

	json_object_set_new(c, "env", env);
	json_object_set_new(c, "mounts", mounts);
	json_object_set_new(c, "tmpfs", tmpfs);
	json_object_set_new(c, "devices", devices);
	json_object_set_new(c, "ulimits", ulimits);
	json_object_set_new(c, "labels", labels);
	json_object_set_new(c, "annotations", ann);
	if (cli_argc(args) > 1)
		json_object_set_new(c, "command", strv_json(argv + 1));
	if ((r = parse_publish(args, c, err)) < 0)
		return r;
	if ((v = cli_str(args, "name")))
		json_object_set_new(c, "name", json_string(v));
	if ((v = cli_str(args, "pod"))) /* engine/pod.h: pod_prepare_create() */
		json_object_set_new(c, "pod_ref", json_string(v));
	for (char *const *f = cli_list(args, "env-file"); *f; f++)
		if ((r = read_env_file(env, *f, err)) < 0)
			return r;
	for (char *const *e = cli_list(args, "env"); *e; e++)
		if (create_env_add(env, *e) < 0)
			return berr(err, EINVAL, "invalid environment variable \"%s\"", *e);
	if ((v = cli_str(args, "workdir"))) {
		if (v[0] != '/')
			return berr(err, EINVAL, "invalid --workdir %s: it must be an absolute path",
				    v);
		json_object_set_new(c, "workdir", json_string(v));
	}
	if ((v = cli_str(args, "user")))
		json_object_set_new(c, "user", json_string(v));
	if ((v = cli_str(args, "entrypoint")) && (r = parse_entrypoint(c, v, err)) < 0)
		return r;
	if ((v = cli_str(args, "hostname")))
		json_object_set_new(c, "hostname", json_string(v));
	for (char *const *m = cli_list(args, "volume"); *m; m++)
		if ((r = create_volume_parse(mounts, *m, err)) < 0)
			return r;
	for (char *const *m = cli_list(args, "tmpfs"); *m; m++)
		if ((r = parse_tmpfs(tmpfs, *m, err)) < 0)
			return r;
	for (char *const *d = cli_list(args, "device"); *d; d++)
		if ((r = create_device_parse(devices, *d, err)) < 0)
			return r;
	if ((v = cli_str(args, "shm-size"))) {
		int64_t bytes;
		if (create_size_parse(v, &bytes) < 0)
			return berr(err, EINVAL, "invalid --shm-size %s: use a size such as 64m or 1g",
				    v);
		json_object_set_new(c, "shm_size", json_integer(bytes));
	}
	v = cli_str(args, "network");
	if (!v)
		v = cli_str(args, "net");
	if (v) {
		if (strcmp(v, "none") != 0 && strcmp(v, "host") != 0 && strcmp(v, "private") != 0 &&
		    strncmp(v, "container:", 10) != 0 && strncmp(v, "ns:", 3) != 0 && /* pods */
		    strcmp(v, "pasta") != 0 && strncmp(v, "pasta:", 6) != 0 &&
		    strcmp(v, "slirp4netns") != 0 && strncmp(v, "slirp4netns:", 12) != 0)
			return berr(err, ENOTSUP,
				    "network mode \"%s\" is not supported yet: use private (the "
				    "default), none, host, container:NAME, ns:PATH, pasta or "
				    "slirp4netns",
				    v);
		if (strncmp(v, "slirp4netns:", 12) == 0) {
			struct slirp_opts so = {0};
			if ((r = slirp_parse_options(v + 12, &so, err)) < 0)
				return r;
		}
		json_object_set_new(c, "network", json_string(v));
	}
	for (char *const *u = cli_list(args, "ulimit"); *u; u++)
		if ((r = create_ulimit_parse(ulimits, *u, false, err)) < 0)
			return r;
	json_object_set_new(c, "cap_add", strv_json(cli_list(args, "cap-add")));
	json_object_set_new(c, "cap_drop", strv_json(cli_list(args, "cap-drop")));
	if ((r = parse_security(c, cli_list(args, "security-opt"), err)) < 0)
		return r;
	if ((v = cli_str(args, "memory"))) {
		int64_t bytes;
		if (create_size_parse(v, &bytes) < 0 || bytes <= 0)
			return berr(err, EINVAL, "invalid --memory %s: use a size such as 512m or 1g",
				    v);
		json_object_set_new(c, "memory", json_integer(bytes));
	}
	if ((v = cli_str(args, "cpus"))) {
		char *end;
		double d = strtod(v, &end);
		if (*end || d <= 0)
			return berr(err, EINVAL, "invalid --cpus %s: use a positive number such as 1.5",
				    v);
		json_object_set_new(c, "cpus", json_real(d));
	}
	if (cli_is_set(args, "pids-limit"))
		json_object_set_new(c, "pids_limit", json_integer(cli_int(args, "pids-limit", 0)));
	if ((r = parse_kv_list(labels, cli_list(args, "label"), "--label", err)) < 0 ||
	    (r = parse_kv_list(ann, cli_list(args, "annotation"), "--annotation", err)) < 0)
		return r;
	if ((v = cli_str(args, "log-driver"))) {
		if (strcmp(v, "journald") == 0)
			return berr(err, ENOTSUP,
				    "log driver \"journald\" is not supported: berth runs without "
				    "systemd's journald; use k8s-file (the default) or none");
		if (strcmp(v, "k8s-file") != 0 && strcmp(v, "none") != 0)
			return berr(err, ENOTSUP,
				    "log driver \"%s\" is not supported: use k8s-file or none", v);
		json_object_set_new(c, "log_driver", json_string(v));
	}
	for (char *const *o = cli_list(args, "log-opt"); *o; o++) {
		int64_t bytes;
		if (strncmp(*o, "max-size=", 9) == 0 && create_size_parse(*o + 9, &bytes) == 0)
			json_object_set_new(c, "log_max_size", json_integer(bytes));
		else if (strncmp(*o, "path=", 5) != 0 && strncmp(*o, "tag=", 4) != 0)
			return berr(err, EINVAL, "invalid --log-opt %s: use max-size=SIZE", *o);
	}
	if ((v = cli_str(args, "stop-signal"))) {
		if (spec_signal_parse(v) < 0)
			return berr(err, EINVAL, "invalid --stop-signal %s: unknown signal", v);
		json_object_set_new(c, "stop_signal", json_string(v));
	}
	if (cli_is_set(args, "stop-timeout"))
		json_object_set_new(c, "stop_timeout", json_integer(cli_int(args, "stop-timeout", 10)));
	if ((v = cli_str(args, "pull")) && strcmp(v, "never") != 0 && strcmp(v, "missing") != 0 &&
	    strcmp(v, "always") != 0 && strcmp(v, "newer") != 0)
		return berr(err, EINVAL, "invalid --pull %s: use always, missing, never or newer", v);
	json_object_set_new(c, "rm", json_boolean(cli_flag(args, "rm")));
	if ((r = cli_health_create(args, c, err)) < 0)
		return r;
	if ((v = cli_str(args, "sdnotify")) && strcmp(v, "container") == 0)
		json_object_set_new(c, "sdnotify", json_string(v));
	if ((v = cli_str(args, "restart"))) {
		if (ctr_restart_policy_parse(v, NULL, NULL, err) < 0)
			return -EINVAL;
		if (cli_flag(args, "rm") && strcmp(v, "no") != 0)
			return berr(err, EINVAL, "the --rm option conflicts with --restart, when the "
						 "restartPolicy is not \"\" and \"no\"");
		json_object_set_new(c, "restart", json_string(v));
	}
	json_object_set_new(c, "interactive", json_boolean(cli_flag(args, "interactive")));
	json_object_set_new(c, "tty", json_boolean(cli_flag(args, "tty")));
	json_object_set_new(c, "read_only", json_boolean(cli_flag(args, "read-only")));
	json_object_set_new(c, "init", json_boolean(cli_flag(args, "init")));
	json_object_set_new(c, "privileged", json_boolean(cli_flag(args, "privileged")));
	/* Kept so `generate systemd --new` can create the container again. */
	json_t *rest = json_array();
	for (char *const *a = cli_command_rest(args); rest && *a; a++)
		json_array_append_new(rest, json_string(*a));
	json_object_set_new(c, "create_args", rest);
	*ret = TAKE_PTR(c);
	return 0;
}

static int fail_close(struct store *s, berth_error *err)
{
	store_close(s);
	return cli_fail(err);
}

/* ---- create, run, start ---- */

/*
 * create_prepare() - what run and create do around ctr_create(): --replace removes a container
 * of the same name first; --sdnotify=ignore keeps the monitor from notifying systemd.
 */
static int create_prepare(struct berth_ctx *ctx, struct store *s, struct cli_args *args,
			  berth_error *err)
{
	const char *name = cli_str(args, "name"), *sd = cli_str(args, "sdnotify");
	const char *cidfile = cli_str(args, "cidfile");

	if (sd && strcmp(sd, "conmon") != 0 && strcmp(sd, "container") != 0 &&
	    strcmp(sd, "ignore") != 0)
		return berr(err, EINVAL,
			    "--sdnotify=%s is not supported: use conmon, container or ignore", sd);
	if (sd && strcmp(sd, "ignore") == 0)
		unsetenv("NOTIFY_SOCKET");
	if (cidfile && access(cidfile, F_OK) == 0)
		return berr(err, EEXIST, "container id file %s exists: remove it first (or rm --cidfile)",
			    cidfile);
	if (name && cli_flag(args, "replace")) {
		berth_error e2 = { 0 };
		struct store_container *old = NULL;
		if (ctr_get(ctx, s, name, &old, &e2) == 0) {
			int r = ctr_remove(ctx, s, old->id, true, false, err);
			store_container_free(old);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* create_given() - the flags containers.conf must not override (engine/create_conf.h). */
static unsigned create_given(struct cli_args *args)
{
	return (cli_is_set(args, "init") ? CREATE_GIVEN_INIT : 0) |
	       (cli_is_set(args, "pids-limit") ? CREATE_GIVEN_PIDS_LIMIT : 0) |
	       (cli_is_set(args, "log-driver") ? CREATE_GIVEN_LOG_DRIVER : 0) |
	       (cli_is_set(args, "read-only") ? CREATE_GIVEN_READ_ONLY : 0) |
	       (cli_is_set(args, "stop-timeout") ? CREATE_GIVEN_STOP_TIMEOUT : 0) |
	       (cli_is_set(args, "shm-size") ? CREATE_GIVEN_SHM_SIZE : 0);
}

/* create_done() - --cidfile: record the new id where systemd units will look for it. */
static int create_done(struct cli_args *args, const char *id, berth_error *err)
{
	const char *cidfile = cli_str(args, "cidfile");

	if (!cidfile)
		return 0;
	return write_file_atomic_at(AT_FDCWD, cidfile, id, strlen(id), 0644, err);
}

int cmd_create(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *create = NULL;
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };

	if (build_create(args, &create, &err) < 0 ||
	    create_apply_conf(ctx, create_given(args), create, &err) < 0)
		return cli_fail(&err);
	int pr = cli_pull_missing(ctx, args);
	if (pr != 0)
		return pr;
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (create_prepare(ctx, s, args, &err) < 0 ||
	    ctr_create(ctx, s, cli_argv(args)[0], create, &id, &err) < 0 ||
	    create_done(args, id, &err) < 0)
		return fail_close(s, &err);
	store_close(s);
	printf("%s\n", id);
	return 0;
}

/*
 * pump_tty() - ctr_attach_pump() with, for -t on a terminal, the local terminal in raw mode
 * (restored afterwards) and its size sent to the container's terminal first. With stdin, the
 * detach keys of @args end the pump early: 1 is returned and the container goes on.
 */
static int pump_tty(struct cli_args *args, int sock, bool in, bool tty, int *code,
		    berth_error *err)
{
	struct termios saved, raw;
	bool restore = false;
	struct winsize ws;
	int r;

	if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ctr_attach_resize(sock, ws.ws_row, ws.ws_col);
		if (in) {
			raw = saved;
			cfmakeraw(&raw);
			restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		}
	}
	if (tty && isatty(STDIN_FILENO))
		cli_tty_watch_resize(sock);
	if (in)
		r = cli_attach_pump(sock, cli_str(args, "detach-keys"), code, err);
	else
		r = ctr_attach_pump(sock, -1, STDOUT_FILENO, STDERR_FILENO, code, err);
	cli_tty_unwatch_resize();
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (r == 1 && restore)
		(void)!write(STDOUT_FILENO, "\r\n", 2);
	return r;
}

/*
 * attach_and_finish() - pump the attach socket; then record the exit (and --rm) ourselves in
 * @s, which stays open meanwhile (no locks are held between transactions; reopening would
 * rebuild the WAL index) and is closed here.
 */
static int attach_and_finish(struct berth_ctx *ctx, struct cli_args *args, struct store *s,
			     const char *id, int sock, bool in, bool tty)
{
	berth_error err = { 0 };
	int code = 0, r;

	store_unlock(s); /* a pull's shared store lock must not last as long as the container */
	r = pump_tty(args, sock, in, tty, &code, &err);
	if (r == 1) { /* detached: the container runs on */
		close(sock);
		store_close(s);
		return 0;
	}
	/* The socket stays open until the exit is recorded: the monitor runs its own cleanup only
	 * after our DONE (or our death), so the two do not queue on the container's lock. */
	if (ctr_cleanup(ctx, s, id, &err) < 0) {
		close(sock);
		return fail_close(s, &err);
	}
	if (r == 0) {
		struct store_container *c = NULL;
		bool removed = store_container_lookup(s, id, &c, NULL) == -ENOENT;
		store_container_free(c);
		ctr_attach_done(sock, removed);
	}
	close(sock);
	if (r < 0) {
		struct store_container *c = NULL;
		if (ctr_get(ctx, s, id, &c, NULL) == 0) {
			code = c->exit_code;
			store_container_free(c);
		} else {
			return fail_close(s, &err);
		}
	}
	store_close(s);
	return code;
}

int cmd_run(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *create = NULL;
	_cleanup_free_ char *id = NULL;
	struct ctr_start_opts so = { 0 };
	struct store *s = NULL;
	berth_error err = { 0 };
	bool detach = cli_flag(args, "detach");
	int sock = -1;

	if (cli_detach_keys_check(args))
		return 125;
	if (build_create(args, &create, &err) < 0 ||
	    create_apply_conf(ctx, create_given(args), create, &err) < 0)
		return cli_fail(&err);
	int pr = cli_pull_missing(ctx, args);
	if (pr != 0)
		return pr;
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (create_prepare(ctx, s, args, &err) < 0 ||
	    ctr_create(ctx, s, cli_argv(args)[0], create, &id, &err) < 0 ||
	    create_done(args, id, &err) < 0)
		return fail_close(s, &err);
	so.attach = !detach;
	so.stdin = cli_flag(args, "interactive");
	if (ctr_start(ctx, s, id, &so, detach ? NULL : &sock, &err) < 0) {
		berth_error e2 = { 0 };
		int code = cli_fail(&err);
		if (json_is_true(json_object_get(create, "rm")))
			ctr_remove(ctx, s, id, true, true, &e2);
		store_close(s);
		return code;
	}
	if (detach) {
		store_close(s);
		printf("%s\n", id);
		return 0;
	}
	fflush(stdout);
	return attach_and_finish(ctx, args, s, id, sock, so.stdin, cli_flag(args, "tty"));
}

const struct cli_option cmd_start_options[] = {
	{ "attach", 'a', CLI_BOOL, "Attach container's STDOUT and STDERR", NULL },
	{ "interactive", 'i', CLI_BOOL, "Make STDIN available to the contained process", NULL },
	{ "all", 0, CLI_BOOL, "Start all containers regardless of their state or configuration",
	  NULL },
	{ "filter", 0, CLI_LIST, "Filter output based on conditions given (with --all)", NULL },
	{ "detach-keys", 0, CLI_STRING, "Override the key sequence for detaching a container",
	  "ctrl-p,ctrl-q" },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_start(struct berth_ctx *ctx, struct cli_args *args)
{
	if (cli_flag(args, "all"))
		return cli_start_all(ctx, args); /* container_more.c */
	if (cli_argc(args) == 0)
		return cli_error("start requires at least one argument\nSee 'berth start --help'");
	struct ctr_start_opts so = { .attach = cli_flag(args, "attach"),
				     .stdin = cli_flag(args, "interactive") };
	struct store *s = NULL;
	berth_error err = { 0 };
	int rc = 0;

	if (so.attach && cli_argc(args) > 1)
		return cli_error("you cannot start and attach multiple containers at once");
	if (cli_detach_keys_check(args))
		return 125;
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_container *c = NULL;
		int sock = -1;
		if (ctr_get(ctx, s, cli_argv(args)[i], &c, &err) < 0 ||
		    ctr_start(ctx, s, c->id, &so, so.attach ? &sock : NULL, &err) < 0) {
			rc = cli_fail(&err);
			store_container_free(c);
			continue;
		}
		if (so.attach) {
			_cleanup_(json_decrefp) json_t *cfg = ctr_config(c);
			bool tty = json_is_true(json_object_get(cfg, "tty"));
			char *id = strdup(c->id);
			store_container_free(c);
			if (!id) {
				store_close(s);
				return cli_error("out of memory");
			}
			rc = attach_and_finish(ctx, args, s, id, sock, so.stdin, tty);
			free(id);
			return rc;
		}
		printf("%s\n", cli_argv(args)[i]);
		store_container_free(c);
	}
	store_close(s);
	return rc;
}

/* ---- stop, kill, rm, wait, restart ---- */

const struct cli_option cmd_stop_options[] = {
	{ "cidfile", 0, CLI_STRING, "Read the container ID from the file", NULL },
	{ "time", 't', CLI_INT, "Seconds to wait for stop before killing the container", "10" },
	{ "all", 'a', CLI_BOOL, "Stop all running containers", NULL },
	{ "ignore", 'i', CLI_BOOL, "Ignore errors when a specified container is missing", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* --cidfile FILE: the container is the one whose id FILE holds (systemd --new units). */
static int for_cidfile(struct berth_ctx *ctx, struct cli_args *args,
		       int (*fn)(struct berth_ctx *, struct store *, const char *, void *,
				 berth_error *),
		       void *data, bool print)
{
	const char *path = cli_str(args, "cidfile");
	bool ignore = cli_is_set(args, "ignore") && cli_flag(args, "ignore");
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	int r;

	if (read_file_at(AT_FDCWD, path, 4096, &id, NULL, &err) < 0)
		return ignore && err.code == -ENOENT ? 0 : cli_fail(&err);
	id[strcspn(id, "\r\n")] = '\0';
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	r = fn(ctx, s, id, data, &err);
	store_close(s);
	if (r < 0)
		return ignore && err.code == -ENOENT ? 0 : cli_fail(&err);
	if (print)
		printf("%s\n", id);
	return 0;
}

/* for_each_target() - run @fn on the named containers, or on all of them with --all. */
static int for_each_target(struct berth_ctx *ctx, struct cli_args *args, bool running_only,
			   int (*fn)(struct berth_ctx *, struct store *, const char *, void *,
				     berth_error *),
			   void *data, bool print)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool all = cli_is_set(args, "all") && cli_flag(args, "all");
	int rc = 0;

	if (cli_str(args, "cidfile"))
		return for_cidfile(ctx, args, fn, data, print);
	if (!all && cli_argc(args) == 0)
		return cli_error("%s requires at least one argument\nSee '%s --help'",
				 cli_command_path(args), cli_command_path(args));
	if (all && cli_argc(args) > 0)
		return cli_error("--all and container names cannot be given together");
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (all) {
		struct store_container **list = NULL;
		size_t n = 0;
		if (store_container_list(s, &list, &n, &err) < 0)
			return fail_close(s, &err);
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(ctx, s, list[i], NULL);
			if (running_only && strcmp(list[i]->state, "running") != 0)
				continue;
			if (fn(ctx, s, list[i]->id, data, &err) < 0)
				rc = cli_fail(&err);
			else if (print)
				printf("%s\n", list[i]->id);
		}
		store_container_list_free(list, n);
	} else {
		for (int i = 0; i < cli_argc(args); i++) {
			const char *ref = cli_argv(args)[i];
			if (fn(ctx, s, ref, data, &err) < 0) {
				if (err.code == -ENOENT && cli_is_set(args, "ignore") &&
				    cli_flag(args, "ignore"))
					continue;
				rc = cli_fail(&err);
			} else if (print) {
				printf("%s\n", ref);
			}
		}
	}
	store_close(s);
	return rc;
}

static int stop_one(struct berth_ctx *ctx, struct store *s, const char *ref, void *data,
		    berth_error *err)
{
	long t = *(long *)data;
	struct store_container *c = NULL;
	int r;

	if (t < 0) {
		json_t *cfg;
		if ((r = ctr_get(ctx, s, ref, &c, err)) < 0)
			return r;
		cfg = ctr_config(c);
		t = json_is_integer(json_object_get(cfg, "stop_timeout"))
			    ? (long)json_integer_value(json_object_get(cfg, "stop_timeout"))
			    : CTR_DEFAULT_STOP_TIMEOUT;
		json_decref(cfg);
		store_container_free(c);
	}
	return ctr_stop(ctx, s, ref, (int)t, err);
}

int cmd_stop(struct berth_ctx *ctx, struct cli_args *args)
{
	long t = cli_is_set(args, "time") ? cli_int(args, "time", 10) : -1;

	return for_each_target(ctx, args, true, stop_one, &t, true);
}

const struct cli_option cmd_kill_options[] = {
	{ "signal", 's', CLI_STRING, "Signal to send to the container", "KILL" },
	{ "all", 'a', CLI_BOOL, "Signal all running containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static int kill_one(struct berth_ctx *ctx, struct store *s, const char *ref, void *data,
		    berth_error *err)
{
	return ctr_kill(ctx, s, ref, *(int *)data, err);
}

int cmd_kill(struct berth_ctx *ctx, struct cli_args *args)
{
	const char *sv = cli_str(args, "signal");
	int sig = spec_signal_parse(sv ? sv : "KILL");

	if (sig < 0)
		return cli_error("invalid signal: %s", sv);
	return for_each_target(ctx, args, true, kill_one, &sig, true);
}

const struct cli_option cmd_rm_options[] = {
	{ "cidfile", 0, CLI_STRING, "Read the container ID from the file", NULL },
	{ "force", 'f', CLI_BOOL, "Force removal of a running or unusable container", NULL },
	{ "all", 'a', CLI_BOOL, "Remove all containers", NULL },
	{ "volumes", 'v', CLI_BOOL, "Remove anonymous volumes associated with the container", NULL },
	{ "ignore", 'i', CLI_BOOL, "Ignore errors when a specified container is missing", NULL },
	{ "time", 't', CLI_INT, "Seconds to wait for stop before killing the container", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static int rm_one(struct berth_ctx *ctx, struct store *s, const char *ref, void *data,
		  berth_error *err)
{
	struct store_container *c = NULL;
	int r = ctr_get(ctx, s, ref, &c, err);

	if (r < 0) {
		if (r == -ENOENT && err)
			err->exit_code = 1; /* podman rm: 1 no such container, 2 running */
		return r;
	}
	const bool *fv = data;
	r = ctr_remove(ctx, s, c->id, fv[0], fv[1], err);
	if (r == -EBUSY && err)
		err->exit_code = 2;
	store_container_free(c);
	return r;
}

int cmd_rm(struct berth_ctx *ctx, struct cli_args *args)
{
	bool fv[2] = { cli_flag(args, "force"), cli_flag(args, "volumes") };

	return for_each_target(ctx, args, false, rm_one, fv, true);
}

static int wait_one(struct berth_ctx *ctx, struct store *s, const char *ref, void *data,
		    berth_error *err)
{
	int code = 0, r = ctr_wait(ctx, s, ref, &code, err);

	if (r == 0)
		printf("%d\n", code);
	return r;
}

int cmd_wait(struct berth_ctx *ctx, struct cli_args *args)
{
	return for_each_target(ctx, args, false, wait_one, NULL, false);
}

static int restart_one(struct berth_ctx *ctx, struct store *s, const char *ref, void *data,
		       berth_error *err)
{
	struct ctr_start_opts so = { 0 };
	int r = stop_one(ctx, s, ref, data, err);

	return r < 0 ? r : ctr_start(ctx, s, ref, &so, NULL, err);
}

int cmd_restart(struct berth_ctx *ctx, struct cli_args *args)
{
	long t = cli_is_set(args, "time") ? cli_int(args, "time", 10) : -1;

	return for_each_target(ctx, args, false, restart_one, &t, true);
}

const struct cli_option cmd_restart_options[] = {
	{ "time", 't', CLI_INT, "Seconds to wait for stop before killing the container", "10" },
	{ "all", 'a', CLI_BOOL, "Restart all containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* ---- hidden: container cleanup, and exists ---- */

const struct cli_option cmd_container_cleanup_options[] = {
	{ "exec", 0, CLI_STRING, "Clean up the given exec session instead of the container", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_container_cleanup(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };

	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (cli_str(args, "exec")) { /* an exec's monitor: engine/exec_session.h */
		if (ctr_exec_session_cleanup(ctx, s, cli_argv(args)[0], cli_str(args, "exec"),
					     &err) < 0)
			return fail_close(s, &err);
		store_close(s);
		return 0;
	}
	if (ctr_cleanup(ctx, s, cli_argv(args)[0], &err) < 0 ||
	    ctr_restart_after_exit(ctx, s, cli_argv(args)[0], &err) < 0)
		return fail_close(s, &err);
	store_close(s);
	return 0;
}

int cmd_container_exists(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	struct store_container *c = NULL;
	berth_error err = { 0 };
	int r;

	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	r = store_container_lookup(s, cli_argv(args)[0], &c, &err);
	store_container_free(c);
	store_close(s);
	if (r == -ENOENT)
		return 1;
	return r < 0 ? cli_fail(&err) : 0;
}

const struct cli_option cmd_container_prune_options[] = {
	{ "force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cli_prune_containers(struct berth_ctx *ctx)
{
	struct store_container **list = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	size_t n = 0;
	int rc = 0;

	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (store_container_list(s, &list, &n, &err) < 0)
		return fail_close(s, &err);
	for (size_t i = 0; i < n; i++) {
		ctr_refresh(ctx, s, list[i], NULL);
		if (strcmp(list[i]->state, "exited") != 0 && strcmp(list[i]->state, "stopped") != 0 &&
		    strcmp(list[i]->state, "created") != 0)
			continue;
		if (ctr_remove(ctx, s, list[i]->id, false, false, &err) < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", list[i]->id);
	}
	store_container_list_free(list, n);
	store_close(s);
	return rc;
}

int cmd_container_prune(struct berth_ctx *ctx, struct cli_args *args)
{
	if (!cli_flag(args, "force") && isatty(STDIN_FILENO) &&
	    !cli_confirm("WARNING! This will remove all non running containers."))
		return 0;
	return cli_prune_containers(ctx);
}

/* ---- logs ---- */

const struct cli_option cmd_logs_options[] = {
	{ "follow", 'f', CLI_BOOL, "Follow log output", NULL },
	{ "tail", 0, CLI_INT, "Output the specified number of LINES at the end of the logs", "-1" },
	{ "since", 0, CLI_STRING, "Show logs since TIMESTAMP (RFC 3339) or a duration (10m)", NULL },
	{ "until", 0, CLI_STRING, "Show logs until TIMESTAMP (RFC 3339) or a duration (10m)", NULL },
	{ "timestamps", 't', CLI_BOOL, "Output the timestamps in the log", NULL },
	{ "names", 'n', CLI_BOOL, "Output the container name in the log", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static int parse_time_arg(const char *s, int64_t *ret)
{
	char *end;
	double v;
	int64_t mult;

	if (ctr_log_parse_time(s, strlen(s), ret) == 0)
		return 0;
	if (strlen(s) == 10 && ctr_log_parse_time(s, 0, ret) != 0) {
		/* a date alone: YYYY-MM-DD */
		char buf[32];
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		if (ctr_log_parse_time(buf, strlen(buf), ret) == 0)
			return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (strcmp(end, "s") == 0)
		mult = 1000000000LL;
	else if (strcmp(end, "m") == 0)
		mult = 60 * 1000000000LL;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000000000LL;
	else if (*end == '\0') {
		*ret = (int64_t)(v * 1e9); /* unix seconds */
		return 0;
	} else
		return -EINVAL;
	*ret = ctr_now_ns() - (int64_t)(v * (double)mult);
	return 0;
}

struct follow_state {
	struct berth_ctx *ctx;
	struct store *s;
	const char *id;
};

static bool still_running(void *data)
{
	struct follow_state *f = data;
	struct store_container *c = NULL;
	bool running;

	if (ctr_get(f->ctx, f->s, f->id, &c, NULL) < 0)
		return false;
	running = strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0;
	store_container_free(c);
	return running;
}

int cmd_logs(struct berth_ctx *ctx, struct cli_args *args)
{
	struct ctr_logs_opts o = { .tail = cli_int(args, "tail", -1),
				   .timestamps = cli_flag(args, "timestamps"),
				   .follow = cli_flag(args, "follow") };
	struct store *s = NULL;
	berth_error err = { 0 };
	const char *v;
	int rc = 0;

	if ((v = cli_str(args, "since")) && parse_time_arg(v, &o.since_ns) < 0)
		return cli_error("invalid --since %s: use an RFC 3339 time or a duration like 10m", v);
	if ((v = cli_str(args, "until")) && parse_time_arg(v, &o.until_ns) < 0)
		return cli_error("invalid --until %s: use an RFC 3339 time or a duration like 10m", v);
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_container *c = NULL;
		_cleanup_free_ char *userdata = NULL, *path = NULL, *prefix = NULL;
		_cleanup_(json_decrefp) json_t *cfg = NULL;
		struct follow_state fs = { ctx, s, NULL };

		if (ctr_get(ctx, s, cli_argv(args)[i], &c, &err) < 0) {
			rc = cli_fail(&err);
			continue;
		}
		cfg = ctr_config(c);
		v = json_string_value(json_object_get(cfg, "log_driver"));
		if (v && strcmp(v, "none") == 0) {
			rc = cli_error("container %s has log driver none: it keeps no logs", c->name);
			store_container_free(c);
			continue;
		}
		userdata = ctr_userdata_path(ctx, c->id);
		if (!userdata || asprintf(&path, "%s/ctr.log", userdata) < 0) {
			store_container_free(c);
			store_close(s);
			return cli_error("out of memory");
		}
		if ((cli_flag(args, "names") || cli_argc(args) > 1) &&
		    asprintf(&prefix, "%s ", c->name) > 0)
			o.prefix = prefix;
		fs.id = c->id;
		o.still_running = still_running;
		o.userdata = &fs;
		fflush(stdout);
		if (ctr_logs_print(path, &o, STDOUT_FILENO, STDERR_FILENO, &err) < 0)
			rc = cli_fail(&err);
		o.prefix = NULL;
		store_container_free(c);
	}
	store_close(s);
	return rc;
}

/* ---- ps ---- */

const struct cli_option cmd_ps_options[] = {
	{ "all", 'a', CLI_BOOL, "Show all the containers, default is only running containers", NULL },
	{ "quiet", 'q', CLI_BOOL, "Print the numeric IDs of the containers only", NULL },
	{ "no-trunc", 0, CLI_BOOL, "Display the extended information", NULL },
	{ "format", 0, CLI_STRING, "Pretty-print containers to JSON or using a Go template", NULL },
	{ "filter", 'f', CLI_LIST, "Filter output based on conditions given", NULL },
	{ "last", 'n', CLI_INT, "Print the n last created containers (all states)", NULL },
	{ "latest", 'l', CLI_BOOL, "Act on the latest container", NULL },
	{ "size", 's', CLI_BOOL, "Display the total file sizes (not computed yet)", NULL },
	{ "sort", 0, CLI_STRING, "Sort output by: created (default)", NULL },
	{ "noheading", 0, CLI_BOOL, "Do not print headers", NULL },
	{ "external", 0, CLI_BOOL, "Show containers in storage not controlled by berth", NULL },
	{ "pod", 'p', CLI_BOOL, "Print the ID and name of the pod the containers are associated with", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static bool match_filter(const struct store_container *c, json_t *cfg, const char *f)
{
	const char *eq = strchr(f, '=');
	const char *val = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - f) : strlen(f);

	if (klen == 4 && strncmp(f, "name", 4) == 0)
		return strstr(c->name, val) != NULL;
	if (klen == 2 && strncmp(f, "id", 2) == 0)
		return strncmp(c->id, val, strlen(val)) == 0;
	if (klen == 6 && strncmp(f, "status", 6) == 0) {
		const char *st = strcmp(c->state, "configured") == 0 ? "created" : c->state;
		return strcmp(st, val) == 0 || (strcmp(val, "exited") == 0 && strcmp(st, "stopped") == 0);
	}
	if (klen == 5 && strncmp(f, "label", 5) == 0) {
		json_t *labels = json_object_get(cfg, "labels");
		const char *eq2 = strchr(val, '=');
		_cleanup_free_ char *k = strndup(val, eq2 ? (size_t)(eq2 - val) : strlen(val));
		json_t *lv = k ? json_object_get(labels, k) : NULL;
		if (!lv)
			return false;
		return !eq2 || strcmp(json_string_value(lv) ? json_string_value(lv) : "", eq2 + 1) == 0;
	}
	if (klen == 8 && strncmp(f, "ancestor", 8) == 0) {
		const char *img = c->image_name ? c->image_name : "";
		return strstr(img, val) != NULL ||
		       (c->image_id && strncmp(c->image_id, val, strlen(val)) == 0) ||
		       strcmp(json_string_value(json_object_get(cfg, "image")) ?: "", val) == 0;
	}
	if (klen == 6 && strncmp(f, "exited", 6) == 0)
		return strcmp(c->state, "exited") == 0 && c->exit_code == atoi(val);
	if (klen == 6 && strncmp(f, "health", 6) == 0)
		return strcmp(json_string_value(json_object_get(cfg, "health_status")) ?: "", val) == 0;
	return false;
}

static const char *filter_keys[] = { "name", "id", "status", "label", "ancestor", "exited",
				     "health", NULL };

static int check_filters(char *const *filters)
{
	for (; *filters; filters++) {
		const char *eq = strchr(*filters, '=');
		bool ok = false;
		for (const char **k = filter_keys; *k && eq; k++)
			ok |= strlen(*k) == (size_t)(eq - *filters) &&
			      strncmp(*k, *filters, (size_t)(eq - *filters)) == 0;
		if (!ok)
			return cli_error("invalid filter \"%s\": use name=, id=, status=, label=, "
					 "ancestor=, exited= or health=",
					 *filters);
	}
	return 0;
}

/* the create options that ps, its filters and ctr_json_ps_item() read */
static const char *const ps_config_keys[] = { "process_args", "command", "labels", "ports", "rm",
					      "healthcheck", "image", NULL };
/* ... and those the plain table reads (ps_plain_line(), ctr_health_annotate()) */
static const char *const ps_plain_keys[] = { "process_args", "command", "ports", "healthcheck",
					     NULL };

/* one line of ps's plain table (or of -q): no JSON object and no template, as most ps calls
 * print just this and the per-row objects were most of ps's time */
static char *ps_plain_line(const struct store_container *c, json_t *cfg, bool no_trunc,
			   bool quiet, int64_t now)
{
	struct ctr_ps_text t;
	char *line = NULL;

	if (quiet) {
		if (asprintf(&line, "%.*s\n", no_trunc ? 64 : 12, c->id) < 0)
			return NULL;
		return line;
	}
	ctr_ps_text_fill(c, cfg, no_trunc, now, &t);
	if (t.command && asprintf(&line, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.id,
				  c->image_name ? c->image_name : "", t.command, t.created,
				  t.status, t.ports, c->name) < 0)
		line = NULL;
	free(t.command);
	return line;
}

/* prints @lines (newest first) oldest first, as podman's --sort created; frees them.
 * Return: 0, or 125 with the error printed */
static int ps_print_plain(char **lines, size_t n, bool quiet, bool heading)
{
	_cleanup_(fmt_table_freep) struct fmt_table *tw = quiet ? NULL : fmt_table_new(12, 2);
	static const char header[] = "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n";
	int rc = 0;

	if (!quiet && (!tw || (heading && fmt_table_write(tw, header, strlen(header)) < 0)))
		rc = -ENOMEM;
	for (size_t i = n; i-- > 0;) {
		if (rc == 0 && quiet)
			fputs(lines[i], stdout);
		else if (rc == 0 && fmt_table_write(tw, lines[i], strlen(lines[i])) < 0)
			rc = -ENOMEM;
		free(lines[i]);
	}
	free(lines);
	if (rc == 0 && tw)
		rc = fmt_table_flush(tw, stdout);
	if (rc < 0)
		return cli_error("ps: %s", strerror(-rc));
	return 0;
}

int cmd_ps(struct berth_ctx *ctx, struct cli_args *args)
{
	static const char *const headers[] = {
		"ID=CONTAINER ID", "Image=IMAGE", "Command=COMMAND", "CreatedAt=CREATED",
		"Created=CREATED", "RunningFor=CREATED", "Status=STATUS", "Ports=PORTS",
		"Names=NAMES", "State=STATE", "Pid=PID", "Labels=LABELS", "ImageID=IMAGE ID",
		"Pod=POD ID", "PodName=PODNAME", NULL,
	};
	struct store_container **list = NULL;
	struct store *s = NULL;
	berth_error err = { 0 };
	char *const *filters = cli_list(args, "filter");
	const char *fmt = cli_str(args, "format");
	bool all = cli_flag(args, "all"), quiet = cli_flag(args, "quiet");
	bool no_trunc = cli_flag(args, "no-trunc");
	long last = cli_int(args, "last", -1);
	int64_t now = ctr_now_ns();
	json_t *items = json_array();
	size_t n = 0, shown = 0;
	int rc = 0;
	/* the default table and -q skip the JSON items the templates need */
	bool plain = (quiet || !fmt || !*fmt) && !cli_flag(args, "pod");
	char **lines = NULL;
	bool lines_ok = true;

	if (check_filters(filters)) {
		json_decref(items);
		return 125;
	}
	if (cli_flag(args, "latest"))
		last = 1;
	if (last >= 0)
		all = true;
	if (open_store(ctx, &s, &err) < 0) {
		json_decref(items);
		return cli_fail(&err);
	}
	if (store_container_list(s, &list, &n, &err) < 0) {
		json_decref(items);
		return fail_close(s, &err);
	}
	for (size_t i = 0; i < n; i++) {
		struct store_container *c = list[i];
		json_t *cfg;
		bool keep = true;

		ctr_refresh(ctx, s, c, NULL);
		if (!all && strcmp(c->state, "running") != 0 && strcmp(c->state, "paused") != 0 &&
		    !filters[0])
			continue;
		if (last >= 0 && (long)shown >= last)
			break;
		cfg = ctr_config_pick(c, plain && !filters[0] ? ps_plain_keys : ps_config_keys);
		ctr_health_annotate(ctx, c, cfg); /* STATUS "(healthy)", --filter health= */
		for (char *const *f = filters; *f && keep; f++)
			keep = match_filter(c, cfg, *f);
		if (keep && !all && filters[0] && !strstr(filters[0], "status") &&
		    strcmp(c->state, "running") != 0)
			keep = false;
		if (keep && plain) {
			char *line = ps_plain_line(c, cfg, no_trunc, quiet, now);
			char **grown = line ? realloc(lines, (shown + 1) * sizeof(*lines)) : NULL;
			if (grown) {
				lines = grown;
				lines[shown++] = line;
			} else {
				free(line);
				lines_ok = false;
			}
		} else if (keep) {
			json_t *item = ctr_json_ps_item(c, cfg, no_trunc, now);
			cli_ps_add_pod(s, c, item, no_trunc); /* pods.c: Pod, PodName */
			json_array_append_new(items, item);
			shown++;
		}
		json_decref(cfg);
	}
	store_container_list_free(list, n);
	store_close(s);
	if (plain) {
		json_decref(items);
		if (!lines_ok) {
			for (size_t i = 0; i < shown; i++)
				free(lines[i]);
			free(lines);
			return cli_error("ps: out of memory");
		}
		return ps_print_plain(lines, shown, quiet, !cli_flag(args, "noheading"));
	}
	/* podman lists the oldest first (--sort created); --last above took the newest */
	json_t *oldest_first = json_array();
	for (size_t i = json_array_size(items); oldest_first && i-- > 0;)
		json_array_append(oldest_first, json_array_get(items, i));
	if (oldest_first) {
		json_decref(items);
		items = oldest_first;
	}
	if (quiet) {
		size_t i;
		json_t *v;
		json_array_foreach (items, i, v)
			printf("%s\n", json_string_value(json_object_get(v, "ID")));
	} else if (fmt && strcmp(fmt, "json") == 0) {
		/* podman's JSON shape: full "Id", arrays for Names and Command */
		size_t i;
		json_t *v;
		json_array_foreach (items, i, v) {
			json_object_set_new(v, "Names", json_pack("[O]", json_object_get(v, "Names")));
			json_object_set(v, "Id", json_object_get(v, "FullID"));
			json_object_set(v, "Command", json_object_get(v, "CommandArgs"));
			json_object_del(v, "ID");
			json_object_del(v, "FullID");
			json_object_del(v, "CommandArgs");
		}
		char *out = json_dumps(items, JSON_INDENT(4));
		printf("%s\n", out ? out : "[]");
		free(out);
	} else if (fmt && *fmt) {
		if (ifmt_print(fmt, items, headers, stdout) < 0)
			rc = 125;
	} else { /* ps --pod: podman's POD ID and PODNAME columns */
		const char *tmpl = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Pod}}\t{{.PodName}}";
		if (fmt_print(stdout, tmpl, NULL, items, headers,
			      cli_flag(args, "noheading") ? FMT_NO_HEADING : 0, &err) < 0)
			rc = cli_fail(&err);
	}
	json_decref(items);
	return rc;
}

/* ---- inspect ---- */

const struct cli_option cmd_container_inspect_options[] = {
	{ "format", 'f', CLI_STRING, "Format the output to a Go template or json", "json" },
	{ "size", 's', CLI_BOOL, "Display total file size (not computed yet)", NULL },
	{ "latest", 'l', CLI_BOOL, "Act on the latest container", NULL },
	{ "type", 't', CLI_STRING, "Specify inspect-object type (container, image, all)", "all" },
	{ NULL, 0, 0, NULL, NULL },
};

/* weak: the image commands provide it; without them inspect covers only containers */
extern int cmd_image_inspect(struct berth_ctx *ctx, struct cli_args *args) __attribute__((weak));

static int print_inspect(json_t *items, const char *fmt)
{
	if (!fmt || strcmp(fmt, "json") == 0 || !*fmt) {
		char *out = json_dumps(items, JSON_INDENT(4));
		printf("%s\n", out ? out : "[]");
		free(out);
		return 0;
	}
	return ifmt_print(fmt, items, NULL, stdout) < 0 ? 125 : 0;
}

static int inspect_common(struct berth_ctx *ctx, struct cli_args *args, bool images_too)
{
	const char *type = cli_str(args, "type");
	json_t *items = json_array();
	struct store *s = NULL;
	berth_error err = { 0 };
	int rc = 0;

	if (type && strcmp(type, "image") == 0 && images_too && cmd_image_inspect) {
		json_decref(items);
		return cmd_image_inspect(ctx, args);
	}
	if (open_store(ctx, &s, &err) < 0) {
		json_decref(items);
		return cli_fail(&err);
	}
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_container *c = NULL;
		if (ctr_get(ctx, s, cli_argv(args)[i], &c, &err) < 0) {
			if (err.code == -ENOENT && images_too && cmd_image_inspect &&
			    cli_argc(args) == 1 && (!type || strcmp(type, "container") != 0)) {
				store_close(s);
				json_decref(items);
				return cmd_image_inspect(ctx, args);
			}
			if (err.code == -ENOENT)
				rc = cli_error("no such object: \"%s\"", cli_argv(args)[i]);
			else
				rc = cli_fail(&err);
			continue;
		}
		json_t *j = ctr_json_inspect(ctx, c);
		if (j)
			json_array_append_new(items, j);
		store_container_free(c);
	}
	store_close(s);
	if (json_array_size(items) || !rc) {
		int prc = print_inspect(items, cli_str(args, "format"));
		if (prc)
			rc = prc;
	}
	json_decref(items);
	return rc;
}

int cmd_container_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	return inspect_common(ctx, args, false);
}

/* `berth inspect` is podman's (containers, then images) and skopeo's (TRANSPORT:IMAGE). */
const struct cli_option cmd_inspect_options[] = {
	{ "format", 'f', CLI_STRING, "Format the output to a Go template or json", NULL },
	{ "size", 's', CLI_BOOL, "Display total file size (not computed yet)", NULL },
	{ "latest", 'l', CLI_BOOL, "Act on the latest container", NULL },
	{ "type", 't', CLI_STRING, "Specify inspect-object type (container, image, all)", "all" },
	/* skopeo inspect (TRANSPORT:IMAGE), carried out by berth-transfer */
	{ "raw", 0, CLI_BOOL, "Output the raw manifest or configuration (TRANSPORT:IMAGE)", NULL },
	{ "config", 0, CLI_BOOL, "Output the configuration blob rather than the manifest (TRANSPORT:IMAGE)", NULL },
	{ "no-tags", 'n', CLI_BOOL, "Do not list the available tags (TRANSPORT:IMAGE)", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates (TRANSPORT:IMAGE)", "true" },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH to connect to the registry", NULL },
	{ "override-os", 0, CLI_STRING, "Use OS instead of the running OS for choosing images", NULL },
	{ "override-arch", 0, CLI_STRING, "Use ARCH instead of the machine's for choosing images", NULL },
	{ "override-variant", 0, CLI_STRING, "Use VARIANT instead of the machine's for choosing images", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* weak: linked only into berth-transfer */
extern int cmd_inspect_remote(struct berth_ctx *ctx, struct cli_args *args) __attribute__((weak));

static bool has_transport(const char *ref)
{
	static const char *const transports[] = { "docker://", "oci:", "dir:", "docker-archive:",
						  "oci-archive:", "containers-storage:" };

	for (size_t i = 0; i < ELEMENTSOF(transports); i++)
		if (strncmp(ref, transports[i], strlen(transports[i])) == 0)
			return true;
	return false;
}

int cmd_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	if (cli_argc(args) >= 1 && has_transport(cli_argv(args)[0]))
		return cmd_inspect_remote ? cmd_inspect_remote(ctx, args) : cli_exec_transfer(ctx, args);
	return inspect_common(ctx, args, true);
}

/* ---- exec ---- */

const struct cli_option cmd_exec_options[] = {
	{ "detach", 'd', CLI_BOOL, "Run the exec session in detached mode (backgrounded)", NULL },
	{ "detach-keys", 0, CLI_STRING, "Override the key sequence for detaching a container",
	  "ctrl-p,ctrl-q" },
	{ "env", 'e', CLI_LIST, "Set environment variables", NULL },
	{ "env-file", 0, CLI_LIST, "Read in a file of environment variables", NULL },
	{ "interactive", 'i', CLI_BOOL, "Keep STDIN open even if not attached", NULL },
	{ "tty", 't', CLI_BOOL, "Allocate a pseudo-TTY", NULL },
	{ "user", 'u', CLI_STRING, "Sets the username or UID used and optionally the groupname or GID", NULL },
	{ "workdir", 'w', CLI_STRING, "Working directory inside the container", NULL },
	{ "privileged", 0, CLI_BOOL, "Give the process extended Linux capabilities (not supported yet)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_exec(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *env = json_array();
	_cleanup_strv_free_ char **envv = NULL;
	_cleanup_free_ char *session = NULL;
	struct ctr_exec_opts o = { 0 };
	struct store *s = NULL;
	berth_error err = { 0 };
	int sock = -1, code = 0, r;
	size_t i;
	json_t *v;

	if (cli_argc(args) < 2)
		return cli_error("exec requires the name or ID of a container and a command to run\n"
				 "See 'berth exec --help'");
	if (cli_flag(args, "privileged"))
		return cli_error("exec --privileged is not supported yet");
	for (char *const *f = cli_list(args, "env-file"); *f; f++)
		if (read_env_file(env, *f, &err) < 0)
			return cli_fail(&err);
	for (char *const *e = cli_list(args, "env"); *e; e++)
		if (create_env_add(env, *e) < 0)
			return cli_error("invalid environment variable \"%s\"", *e);
	envv = calloc(json_array_size(env) + 1, sizeof(char *));
	if (!envv)
		return cli_error("out of memory");
	json_array_foreach (env, i, v)
		if (!(envv[i] = strdup(json_string_value(v))))
			return cli_error("out of memory");
	o.args = cli_argv(args) + 1;
	o.env = envv;
	o.user = cli_str(args, "user");
	o.workdir = cli_str(args, "workdir");
	if (o.workdir && o.workdir[0] != '/')
		return cli_error("invalid --workdir %s: it must be an absolute path", o.workdir);
	if (cli_detach_keys_check(args))
		return 125;
	o.detach = cli_flag(args, "detach");
	o.stdin = cli_flag(args, "interactive");
	o.tty = cli_flag(args, "tty");
	if (open_store(ctx, &s, &err) < 0)
		return cli_fail(&err);
	if (ctr_exec(ctx, s, cli_argv(args)[0], &o, o.detach ? NULL : &sock, &session, &err) < 0)
		return fail_close(s, &err);
	if (o.detach) {
		store_close(s);
		printf("%s\n", session);
		return 0;
	}
	/* The store stays open across the pump: no fork happens meanwhile. */
	r = pump_tty(args, sock, o.stdin, o.tty, &code, &err);
	close(sock);
	if (r < 0)
		return fail_close(s, &err);
	if (r == 1) { /* detached: the session runs on */
		store_close(s);
		return 0;
	}
	ctr_exec_finish(s, session, code, NULL);
	store_close(s);
	return code;
}
