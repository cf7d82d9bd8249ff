/* SPDX-License-Identifier: Apache-2.0 */
/*
 * generate.c - `berth generate systemd`: units that start containers at boot, as podman's.
 * The unit text comes from engine/systemd_unit.c; this file finds the container, checks that a
 * unit can really manage it, and prints the units or writes them (--files) atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/systemd_unit.h"
#include "store/container.h"
#include "store/pod.h"
#include "store/store.h"
#include "util/fileio.h"

const struct cli_option cmd_generate_systemd_options[] = {
	{ "name", 'n', CLI_BOOL, "Use container/pod names instead of IDs", NULL },
	{ "files", 'f', CLI_BOOL, "Generate .service files instead of printing to stdout", NULL },
	{ "new", 0, CLI_BOOL, "Create a new container or pod instead of starting an existing one", NULL },
	{ "restart-policy", 0, CLI_STRING, "Systemd restart-policy", "on-failure" },
	{ "restart-sec", 0, CLI_INT, "Systemd restart-sec", NULL },
	{ "stop-timeout", 't', CLI_INT, "Stop timeout override", NULL },
	{ "time", 0, CLI_INT, "Stop timeout override (deprecated spelling)", NULL },
	{ "start-timeout", 0, CLI_INT, "Start timeout override", NULL },
	{ "container-prefix", 0, CLI_STRING, "Systemd unit name prefix for containers", "container" },
	{ "pod-prefix", 0, CLI_STRING, "Systemd unit name prefix for pods", "pod" },
	{ "separator", 0, CLI_STRING, "Systemd unit name separator between name/id and prefix", "-" },
	{ "no-header", 0, CLI_BOOL, "Skip header generation", NULL },
	{ "wants", 0, CLI_LIST, "Add (weak) requirement dependencies to the generated unit file", NULL },
	{ "after", 0, CLI_LIST, "Add dependencies order to the generated unit file", NULL },
	{ "requires", 0, CLI_LIST, "Similar to wants, but declares stronger requirement dependencies", NULL },
	{ "env", 'e', CLI_LIST, "Set environment variables to the systemd unit files", NULL },
	{ "format", 0, CLI_STRING, "Print the created units in specified format (json)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* The recorded `run`/`create` arguments, for --new units (NULL-terminated, malloc'd). */
static char **create_args_of(json_t *cfg)
{
	json_t *a = json_object_get(cfg, "create_args");
	size_t n = json_is_array(a) ? json_array_size(a) : 0;
	char **v;

	if (!n)
		return NULL;
	v = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; v && i < n; i++)
		v[i] = strdup(json_string_value(json_array_get(a, i)) ?: "");
	return v;
}

static int emit(const struct cli_args *args, const char *unit, const char *text, json_t *collect)
{
	berth_error err = { 0 };
	char cwd[PATH_MAX];

	if (collect) {
		json_object_set_new(collect, unit, json_string(text));
		return 0;
	}
	if (!cli_flag(args, "files")) {
		fputs(text, stdout);
		return 0;
	}
	if (write_file_atomic_at(AT_FDCWD, unit, text, strlen(text), 0644, &err) < 0)
		return cli_error("generate systemd: cannot write %s in the current directory: %s; "
				 "run it from a writable directory",
				 unit, err.msg);
	printf("%s/%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : ".", unit);
	return 0;
}

/* unit_of() - the unit text for container @c (in pod unit @pod_unit, or NULL). */
static int unit_of(struct berth_ctx *ctx, const struct store_container *c,
		   const struct unit_opts *o, const char *pod_unit, char **ret_name, char **ret_text,
		   berth_error *err)
{
	_cleanup_strv_free_ char **create_args = NULL;
	json_t *cfg = ctr_config(c);
	int r;

	if (!o->new_container && json_is_true(json_object_get(cfg, "rm"))) {
		json_decref(cfg);
		return berr(err, EINVAL,
			    "container %s was created with --rm: it would be gone after its first "
			    "stop; use --new so the unit creates it each time",
			    c->name);
	}
	create_args = create_args_of(cfg);
	struct unit_container uc = {
		.id = c->id,
		.name = c->name,
		.create_args = create_args,
		.stop_timeout = json_is_integer(json_object_get(cfg, "stop_timeout"))
					? (long)json_integer_value(json_object_get(cfg, "stop_timeout"))
					: CTR_DEFAULT_STOP_TIMEOUT,
		.pod_unit = pod_unit,
	};
	r = unit_for_container(ctx, &uc, o, ret_name, ret_text, err);
	json_decref(cfg);
	return r;
}

/* pod_units() - a unit per member container (not the infra), then the pod's own unit. */
static int pod_units(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
		     const struct unit_opts *o, const struct cli_args *args, json_t *collect)
{
	_cleanup_strv_free_ char **ids = NULL, **units = NULL;
	_cleanup_free_ char *pod_name = NULL, *pod_text = NULL;
	char pod_unit[512];
	berth_error err = { 0 };
	size_t n = 0, k = 0;
	int rc = 0;

	if (o->new_container)
		return cli_error("generate systemd --new is not supported for pods yet: generate "
				 "the pod's units without --new");
	snprintf(pod_unit, sizeof(pod_unit), "%s%s%s.service", o->pod_prefix ? o->pod_prefix : "pod",
		 o->separator ? o->separator : "-", o->use_name ? p->name : p->id);
	if (store_pod_container_ids(s, p->id, &ids, &err) < 0)
		return cli_fail(&err);
	while (ids && ids[n])
		n++;
	units = calloc(n + 1, sizeof(char *));
	if (!units)
		return cli_error("out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		_cleanup_container_ struct store_container *c = NULL;
		_cleanup_free_ char *text = NULL;
		if (p->infra_id && strcmp(ids[i], p->infra_id) == 0)
			continue;
		if (ctr_get(ctx, s, ids[i], &c, &err) < 0 ||
		    unit_of(ctx, c, o, pod_unit, &units[k], &text, &err) < 0)
			return cli_fail(&err);
		rc = emit(args, units[k++], text, collect);
	}
	if (rc == 0 && unit_for_pod(ctx, p->id, p->name, units, o, &pod_name, &pod_text, &err) < 0)
		return cli_fail(&err);
	return rc ? rc : emit(args, pod_name, pod_text, collect);
}

int cmd_generate_systemd(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_(store_pod_freep) struct store_pod *p = NULL;
	_cleanup_free_ char *unit = NULL, *text = NULL;
	const char *ref = cli_argv(args)[0], *format = cli_str(args, "format");
	json_t *collect = NULL;
	berth_error err = { 0 };
	struct unit_opts o = {
		.new_container = cli_flag(args, "new"),
		.use_name = cli_flag(args, "name"),
		.restart_policy = cli_str(args, "restart-policy"),
		.restart_sec = cli_int(args, "restart-sec", -1),
		.stop_timeout = cli_int(args, "stop-timeout", cli_int(args, "time", -1)),
		.start_timeout = cli_int(args, "start-timeout", -1),
		.container_prefix = cli_str(args, "container-prefix"),
		.pod_prefix = cli_str(args, "pod-prefix"),
		.separator = cli_str(args, "separator"),
		.no_header = cli_flag(args, "no-header"),
		.wants = cli_list(args, "wants"),
		.after = cli_list(args, "after"),
		.requires = cli_list(args, "requires"),
		.env = cli_list(args, "env"),
	};
	int rc;

	if (format && strcmp(format, "json") != 0)
		return cli_error("generate systemd: unsupported --format %s: use json", format);
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (format)
		collect = json_object();
	if (ctr_get(ctx, s, ref, &c, &err) == 0) {
		rc = unit_of(ctx, c, &o, NULL, &unit, &text, &err) < 0 ? cli_fail(&err)
								     : emit(args, unit, text, collect);
	} else if (err.code == -ENOENT && store_pod_lookup(s, ref, &p, &err) == 0) {
		rc = pod_units(ctx, s, p, &o, args, collect);
	} else if (err.code == -ENOENT) {
		rc = cli_error("%s does not refer to a container or pod: no container or pod with "
			       "name or ID %s found",
			       ref, ref);
	} else {
		rc = cli_fail(&err);
	}
	if (collect) {
		char *dump = rc == 0 ? json_dumps(collect, JSON_INDENT(4)) : NULL;
		if (dump)
			puts(dump);
		free(dump);
		json_decref(collect);
	}
	return rc;
}
