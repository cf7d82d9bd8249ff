/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_more.c (living) - more container commands: pause, unpause, top, port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/container_pause.h"
#include "engine/container_top.h"
#include "network/ports.h"
#include "store/store.h"
#include "util/macro.h"

const struct cli_option cmd_pause_options[] = {
	{ "all", 'a', CLI_BOOL, "Pause all running containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
const struct cli_option cmd_unpause_options[] = {
	{ "all", 'a', CLI_BOOL, "Unpause all paused containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* run @fn on the named containers, or with --all on every running one; print what worked */
static int each(struct berth_ctx *ctx, struct cli_args *args, bool want_paused,
		int (*fn)(struct berth_ctx *, struct store *, const char *, berth_error *))
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool all = cli_flag(args, "all");
	int rc = 0;

	if (!all && cli_argc(args) == 0)
		return cli_error("%s requires at least one argument\nSee '%s --help'",
				 cli_command_path(args), cli_command_path(args));
	if (all && cli_argc(args) > 0)
		return cli_error("--all and container names cannot be given together");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (all) {
		struct store_container **list = NULL;
		size_t n = 0;
		if (store_container_list(s, &list, &n, &err) < 0) {
			store_close(s);
			return cli_fail(&err);
		}
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(ctx, s, list[i], NULL);
			if (strcmp(list[i]->state, "running") != 0 ||
			    ctr_paused(list[i]->id) != want_paused)
				continue;
			if (fn(ctx, s, list[i]->id, &err) < 0)
				rc = cli_fail(&err);
			else
				printf("%s\n", list[i]->id);
		}
		store_container_list_free(list, n);
	} else {
		for (int i = 0; i < cli_argc(args); i++) {
			if (fn(ctx, s, cli_argv(args)[i], &err) < 0)
				rc = cli_fail(&err);
			else
				printf("%s\n", cli_argv(args)[i]);
		}
	}
	store_close(s);
	return rc;
}

int cmd_pause(struct berth_ctx *ctx, struct cli_args *args)
{
	return each(ctx, args, false, ctr_pause);
}

int cmd_unpause(struct berth_ctx *ctx, struct cli_args *args)
{
	return each(ctx, args, true, ctr_unpause);
}

/* `top CONTAINER [DESCRIPTOR...]`: descriptors may also come comma-separated, as ps -o. */
int cmd_top(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	char ***rows = NULL;
	size_t ncols = 0, nd = 0;
	_cleanup_strv_free_ char **descs = calloc((size_t)cli_argc(args) * 32 + 1, sizeof(char *));
	int rc;

	if (!descs)
		return cli_error("out of memory");
	for (int i = 1; i < cli_argc(args); i++) {
		_cleanup_free_ char *dup = strdup(cli_argv(args)[i]);
		if (!dup)
			return cli_error("out of memory");
		for (char *save = NULL, *t = strtok_r(dup, ", ", &save); t;
		     t = strtok_r(NULL, ", ", &save)) {
			if (nd >= (size_t)cli_argc(args) * 32)
				return cli_error("too many format descriptors");
			if (ctr_top_valid(t) < 0)
				return cli_error("unknown descriptor: %s (known: user, pid, ppid, pcpu, "
						 "etime, tty, time, args, comm, group, nice, pgid, "
						 "vsz, rss, state, hpid, huser)", t);
			if (!(descs[nd++] = strdup(t)))
				return cli_error("out of memory");
		}
	}
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (ctr_top(ctx, s, cli_argv(args)[0], descs, &rows, &ncols, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	store_close(s);
	_cleanup_free_ size_t *w = calloc(ncols + 1, sizeof(size_t));
	if (!w) {
		ctr_top_free(rows);
		return cli_error("out of memory");
	}
	for (size_t i = 0; rows[i]; i++)
		for (size_t j = 0; j < ncols; j++)
			if (strlen(rows[i][j]) > w[j])
				w[j] = strlen(rows[i][j]);
	for (size_t i = 0; rows[i]; i++) {
		for (size_t j = 0; j < ncols; j++) {
			if (j + 1 == ncols)
				printf("%s\n", rows[i][j]);
			else
				printf("%-*s   ", (int)w[j], rows[i][j]);
		}
	}
	ctr_top_free(rows);
	return 0;
}

const struct cli_option cmd_port_options[] = {
	{ "all", 'a', CLI_BOOL, "Display port information for all containers", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* print the mappings of @c, for every port or only "PORT[/PROTO]" @filter */
static int print_ports(const struct store_container *c, const char *filter, bool with_id,
		       berth_error *err)
{
	json_t *cfg = ctr_config(c);
	struct port_mapping *m = NULL;
	size_t n = 0;
	unsigned long fport = 0;
	char fproto[8] = "tcp";
	int found = 0;

	if (filter) {
		char *end;
		fport = strtoul(filter, &end, 10);
		if (fport == 0 || fport > 65535 || (*end && (*end != '/' || strlen(end + 1) >= sizeof(fproto)))) {
			json_decref(cfg);
			return berr(err, EINVAL, "invalid port %s: use PORT or PORT/PROTOCOL", filter);
		}
		if (*end)
			snprintf(fproto, sizeof(fproto), "%s", end + 1);
	}
	json_t *arr = json_object_get(cfg, "ports");
	if (arr && json_array_size(arr) > 0 && port_mappings_from_json(arr, &m, &n, err) < 0) {
		json_decref(cfg);
		return -EINVAL;
	}
	json_decref(cfg);
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < m[i].range; k++) {
			unsigned cp = m[i].container_port + k;
			unsigned hp = (m[i].host_port ? m[i].host_port : m[i].container_port) + k;
			const char *ip = m[i].host_ip[0] ? m[i].host_ip : "0.0.0.0";
			if (filter && (cp != fport || strcmp(fproto, m[i].protocol) != 0))
				continue;
			found++;
			if (filter)
				printf("%s:%u\n", ip, hp);
			else if (with_id)
				printf("%.12s\t%u/%s -> %s:%u\n", c->id, cp, m[i].protocol, ip, hp);
			else
				printf("%u/%s -> %s:%u\n", cp, m[i].protocol, ip, hp);
		}
	}
	free(m);
	if (filter && !found)
		return berr(err, ENOENT, "failed to find published port \"%s\"", filter);
	return 0;
}

int cmd_port(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store *s = NULL;
	berth_error err = { 0 };
	bool all = cli_flag(args, "all");
	int rc;

	if (!all && cli_argc(args) == 0)
		return cli_error("you must supply a running container name or id");
	if (all && cli_argc(args) > 1)
		return cli_error("the 'all' option cannot be used with a container name");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	if (all) {
		struct store_container **list = NULL;
		size_t n = 0;
		if (store_container_list(s, &list, &n, &err) < 0) {
			store_close(s);
			return cli_fail(&err);
		}
		for (size_t i = 0; i < n; i++) {
			ctr_refresh(ctx, s, list[i], NULL);
			if (strcmp(list[i]->state, "running") == 0 &&
			    print_ports(list[i], cli_argc(args) ? cli_argv(args)[0] : NULL, true,
					&err) < 0)
				rc = cli_fail(&err);
		}
		store_container_list_free(list, n);
	} else {
		struct store_container *c = NULL;
		if (ctr_get(ctx, s, cli_argv(args)[0], &c, &err) < 0 ||
		    print_ports(c, cli_argc(args) > 1 ? cli_argv(args)[1] : NULL, false, &err) < 0)
			rc = cli_fail(&err);
		store_container_free(c);
	}
	store_close(s);
	return rc;
}
