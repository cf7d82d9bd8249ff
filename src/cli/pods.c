/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pods.c - `berth pod create|ps|inspect|start|stop|restart|kill|rm|exists|prune`, podman's flags
 * and output, over engine/pod.h.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_format.h"
#include "engine/container.h"
#include "engine/pod.h"
#include "engine/spec.h"
#include "network/ports.h"
#include "store/pod.h"
#include "store/store.h"
#include "util/macro.h"

#define POD_MAX_PORTS 64

const struct cli_option cmd_pod_create_options[] = {
    {"name", 'n', CLI_STRING, "Assign a name to the pod", NULL},
    {"publish", 'p', CLI_LIST, "Publish a port or a range of ports from the pod to the host", NULL},
    {"infra", 0, CLI_STRING,
     "Create an infra container associated with the pod to share namespaces with", "true"},
    {"infra-image", 0, CLI_STRING,
     "Image to use for the infra container (only the built-in one is supported)", NULL},
    {"share", 0, CLI_STRING,
     "A comma delimited list of kernel namespaces the pod will share (net, uts, ipc)",
     "ipc,net,uts"},
    {"label", 'l', CLI_LIST, "Set metadata on pod (default [])", NULL},
    {"hostname", 0, CLI_STRING, "Set a hostname to the pod", NULL},
    {NULL, 0, 0, NULL, NULL},
};

static int parse_pod_create(struct cli_args *args, json_t *o, berth_error *err)
{
	struct port_mapping m[POD_MAX_PORTS];
	json_t *labels = json_object(), *share = json_array();
	const char *v;
	size_t n = 0;
	int r;

	json_object_set_new(o, "labels", labels);
	json_object_set_new(o, "share", share);
	if ((v = cli_str(args, "name")))
		json_object_set_new(o, "name", json_string(v));
	if ((v = cli_str(args, "hostname")))
		json_object_set_new(o, "hostname", json_string(v));
	v = cli_str(args, "infra");
	if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
		return berr(err, EINVAL, "invalid --infra=%s: use true or false", v);
	json_object_set_new(o, "infra", json_boolean(!v || strcmp(v, "true") == 0));
	if ((v = cli_str(args, "infra-image")))
		return berr(err, ENOTSUP,
			    "--infra-image %s: berth's pods use the built-in infra "
			    "(catatonit); drop --infra-image",
			    v);
	for (char *const *l = cli_list(args, "label"); *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = strndup(*l, eq ? (size_t)(eq - *l) : strlen(*l));
		if (!k || !*k)
			return berr(err, EINVAL, "invalid --label \"%s\": use KEY=VALUE", *l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	v = cli_str(args, "share");
	for (const char *p = v ? v : "ipc,net,uts"; *p;) {
		size_t len = strcspn(p, ",");
		if (len == 3 &&
		    (!strncmp(p, "net", 3) || !strncmp(p, "uts", 3) || !strncmp(p, "ipc", 3)))
			json_array_append_new(share, json_stringn(p, len));
		else if (len > 0)
			return berr(err, ENOTSUP,
				    "--share %.*s: berth's pods can share net, uts and "
				    "ipc",
				    (int)len, p);
		p += len + (p[len] == ',');
	}
	for (char *const *spec = cli_list(args, "publish"); *spec; spec++) {
		if (n == POD_MAX_PORTS)
			return berr(err, E2BIG, "too many -p options: at most %d", POD_MAX_PORTS);
		if ((r = port_mapping_parse(*spec, &m[n], err)) < 0 ||
		    (r = port_mapping_check_privileged(&m[n], geteuid() != 0, err)) < 0)
			return r;
		n++;
	}
	if (n > 0) {
		bool net = false;
		size_t i;
		json_t *s;
		json_array_foreach (share, i, s) {
			net = net || strcmp(json_string_value(s), "net") == 0;
		}
		if (!net || !json_is_true(json_object_get(o, "infra")))
			return berr(err, EINVAL,
				    "a pod publishes ports through its infra container's "
				    "network: drop -p or keep --infra and --share net");
		json_object_set_new(o, "ports", port_mappings_to_json(m, n));
	}
	return 0;
}

int cmd_pod_create(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	berth_error err = {0};
	int r;

	if (parse_pod_create(args, o, &err) < 0)
		return cli_fail(&err);
	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	r = pod_create(ctx, s, o, &id, &err);
	store_close(s);
	if (r < 0)
		return cli_fail(&err);
	printf("%s\n", id);
	return 0;
}

const struct cli_option cmd_pod_ps_options[] = {
    {"quiet", 'q', CLI_BOOL, "Print the numeric IDs of the pods only", NULL},
    {"format", 0, CLI_STRING, "Pretty-print pods to JSON or using a Go template", NULL},
    {"filter", 'f', CLI_LIST,
     "Filter output based on conditions given (name=, id=, status=, label=)", NULL},
    {"no-trunc", 0, CLI_BOOL, "Do not truncate pod and container IDs", NULL},
    {"noheading", 0, CLI_BOOL, "Do not print headers", NULL},
    {"ctr-names", 0, CLI_BOOL, "Display the container names", NULL},
    {"ctr-ids", 0, CLI_BOOL, "Display the container UUIDs", NULL},
    {NULL, 0, 0, NULL, NULL},
};

static bool pod_matches(json_t *v, char *const *filters)
{
	for (; *filters; filters++) {
		const char *f = *filters, *val = strchr(f, '=') + 1;
		if (strncmp(f, "name=", 5) == 0) {
			if (!strstr(json_string_value(json_object_get(v, "Name")), val))
				return false;
		} else if (strncmp(f, "id=", 3) == 0) {
			if (strncmp(json_string_value(json_object_get(v, "Id")), val, strlen(val)))
				return false;
		} else if (strncmp(f, "status=", 7) == 0) {
			if (strcasecmp(json_string_value(json_object_get(v, "Status")), val))
				return false;
		} else if (strncmp(f, "label=", 6) == 0) {
			const char *eq = strchr(val, '=');
			_cleanup_free_ char *k =
			    strndup(val, eq ? (size_t)(eq - val) : strlen(val));
			json_t *lv = k ? json_object_get(json_object_get(v, "Labels"), k) : NULL;
			if (!lv || (eq && strcmp(json_string_value(lv) ?: "", eq + 1) != 0))
				return false;
		}
	}
	return true;
}

/* podman's `pod ps --format json` object (ListPodsReport) of @p. */
static json_t *pod_ps_item(struct berth_ctx *ctx, struct store *s, const struct store_pod *p,
			   bool no_trunc)
{
	_cleanup_(json_decrefp) json_t *insp = NULL;
	json_t *ctrs = json_array(), *c, *o;
	char since[64], shortid[13], shortinfra[13];
	const char *status;
	size_t n, i;

	if (pod_status(ctx, s, p, &status, &n, NULL) < 0 ||
	    pod_inspect_json(ctx, s, p, &insp, NULL) < 0) {
		json_decref(ctrs);
		return NULL;
	}
	json_array_foreach (json_object_get(insp, "Containers"), i, c) {
		json_array_append_new(ctrs, json_pack("{s:O, s:[O], s:O}", "Id",
						      json_object_get(c, "Id"), "Names",
						      json_object_get(c, "Name"), "Status",
						      json_object_get(c, "State")));
	}
	ifmt_since(p->created, since, sizeof(since));
	snprintf(shortid, sizeof(shortid), "%.12s", p->id);
	snprintf(shortinfra, sizeof(shortinfra), "%.12s", p->infra_id ? p->infra_id : "");
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:O, s:o, s:s}", "Id",
		      no_trunc ? p->id : shortid, "Name", p->name, "Status", status, "Created",
		      since, "InfraId", no_trunc ? (p->infra_id ? p->infra_id : "") : shortinfra,
		      "NumberOfContainers", (json_int_t)n, "Labels",
		      json_object_get(insp, "Labels"), "Containers", ctrs, "Namespace", "");
	return o;
}

int cmd_pod_ps(struct berth_ctx *ctx, struct cli_args *args)
{
	static const char *const headers[] = {"Id=POD ID",
					      "Name=NAME",
					      "Status=STATUS",
					      "Created=CREATED",
					      "InfraId=INFRA ID",
					      "NumberOfContainers=# OF CONTAINERS",
					      NULL};
	_cleanup_(json_decrefp) json_t *items = json_array();
	struct store_pod **list = NULL;
	struct store *s = NULL;
	berth_error err = {0};
	const char *fmt = cli_str(args, "format");
	size_t n = 0;
	int r;

	for (char *const *f = cli_list(args, "filter"); *f; f++)
		if (strncmp(*f, "name=", 5) && strncmp(*f, "id=", 3) && strncmp(*f, "status=", 7) &&
		    strncmp(*f, "label=", 6))
			return cli_error("invalid filter \"%s\": use name=, id=, status= or label=",
					 *f);
	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	if (store_pod_list(s, &list, &n, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v =
		    pod_ps_item(ctx, s, list[i],
				cli_flag(args, "no-trunc") || (fmt && strcmp(fmt, "json") == 0));
		if (v && pod_matches(v, cli_list(args, "filter")))
			json_array_append_new(items, v);
		else
			json_decref(v);
	}
	store_pod_list_free(list, n);
	store_close(s);
	if (cli_flag(args, "quiet")) {
		size_t i;
		json_t *v;
		json_array_foreach (items, i, v)
			printf("%s\n", json_string_value(json_object_get(v, "Id")));
		return 0;
	}
	if (!fmt || !*fmt)
		fmt = cli_flag(args, "noheading") ? "{{.Id}}\t{{.Name}}\t{{.Status}}\t{{.Created}}"
						    "\t{{.InfraId}}\t{{.NumberOfContainers}}"
						  : "table "
						    "{{.Id}}\t{{.Name}}\t{{.Status}}\t{{.Created}}"
						    "\t{{.InfraId}}\t{{.NumberOfContainers}}";
	return ifmt_print(fmt, items, headers, stdout) < 0 ? 125 : 0;
}

const struct cli_option cmd_pod_inspect_options[] = {
    {"format", 'f', CLI_STRING, "Format the output using the given Go template", "json"},
    {"latest", 'l', CLI_BOOL, "Act on the latest pod berth is aware of", NULL},
    {NULL, 0, 0, NULL, NULL},
};

int cmd_pod_inspect(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_(json_decrefp) json_t *items = json_array();
	const char *fmt = cli_str(args, "format");
	struct store *s = NULL;
	berth_error err = {0};
	int r, rc = 0;

	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_pod *p = NULL;
		json_t *o = NULL;
		if (store_pod_lookup(s, cli_argv(args)[i], &p, &err) < 0 ||
		    pod_inspect_json(ctx, s, p, &o, &err) < 0) {
			store_pod_free(p);
			cli_fail(&err);
			berr_clear(&err);
			rc = 125;
			continue;
		}
		store_pod_free(p);
		json_array_append_new(items, o);
	}
	store_close(s);
	if (!fmt || strcmp(fmt, "json") == 0) {
		/* podman 4 prints a single pod as an object */
		json_t *out = json_array_size(items) == 1 ? json_array_get(items, 0) : items;
		char *text = json_dumps(out, JSON_INDENT(4));
		if (text && json_array_size(items) > 0)
			printf("%s\n", text);
		free(text);
	} else if (ifmt_print(fmt, items, NULL, stdout) < 0) {
		rc = 125;
	}
	return rc;
}

/* Run @op on every pod named in the arguments; print each pod's id as podman does. */
enum pod_op { POD_START, POD_STOP, POD_RESTART, POD_KILL, POD_RM, POD_PAUSE, POD_UNPAUSE };

static int pod_each(struct berth_ctx *ctx, struct cli_args *args, enum pod_op op)
{
	struct store *s = NULL;
	int r, rc = 0, timeout = (int)cli_int(args, "time", CTR_DEFAULT_STOP_TIMEOUT);
	int sig = SIGKILL;

	if (op == POD_KILL && cli_str(args, "signal")) {
		sig = spec_signal_parse(cli_str(args, "signal"));
		if (sig <= 0)
			return cli_error("invalid signal \"%s\"", cli_str(args, "signal"));
	}
	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	for (int i = 0; i < cli_argc(args); i++) {
		const char *ref = cli_argv(args)[i];
		struct store_pod *p = NULL;
		berth_error err = {0};

		if (store_pod_lookup(s, ref, &p, &err) < 0) {
			if (op == POD_RM && cli_flag(args, "ignore"))
				continue;
			cli_fail(&err);
			rc = op == POD_RM && err.code == -ENOENT ? 1 : 125; /* podman pod rm */
			continue;
		}
		switch (op) {
		case POD_START:
			r = pod_start(ctx, s, p->id, &err);
			break;
		case POD_STOP:
			r = pod_stop(ctx, s, p->id, timeout, &err);
			break;
		case POD_RESTART:
			r = pod_stop(ctx, s, p->id, timeout, &err);
			if (r >= 0)
				r = pod_start(ctx, s, p->id, &err);
			break;
		case POD_KILL:
			r = pod_kill(ctx, s, p->id, sig, &err);
			break;
		case POD_RM:
			r = pod_remove(ctx, s, p->id, cli_flag(args, "force"), &err);
			break;
		case POD_PAUSE:
		case POD_UNPAUSE:
			r = pod_pause(ctx, s, p->id, op == POD_PAUSE, &err);
			break;
		}
		if (r < 0) {
			cli_fail(&err);
			rc = 125;
		} else {
			printf("%s\n", p->id);
		}
		store_pod_free(p);
	}
	store_close(s);
	return rc;
}

const struct cli_option cmd_pod_start_options[] = {
    {NULL, 0, 0, NULL, NULL},
};
int cmd_pod_start(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_START);
}

const struct cli_option cmd_pod_stop_options[] = {
    {"time", 't', CLI_INT, "Seconds to wait for pod stop before killing the container", "10"},
    {"ignore", 'i', CLI_BOOL, "Ignore errors when a specified pod is missing", NULL},
    {NULL, 0, 0, NULL, NULL},
};
int cmd_pod_stop(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_STOP);
}
int cmd_pod_restart(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_RESTART);
}

const struct cli_option cmd_pod_kill_options[] = {
    {"signal", 's', CLI_STRING, "Signal to send to the containers in the pod", "KILL"},
    {NULL, 0, 0, NULL, NULL},
};
int cmd_pod_kill(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_KILL);
}

const struct cli_option cmd_pod_rm_options[] = {
    {"force", 'f', CLI_BOOL, "Stop all containers in the pod and remove them with the pod", NULL},
    {"ignore", 'i', CLI_BOOL, "Ignore errors when a specified pod is missing", NULL},
    {"time", 't', CLI_INT, "Seconds to wait for pod stop before killing the container", "10"},
    {NULL, 0, 0, NULL, NULL},
};
int cmd_pod_rm(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_RM);
}

int cmd_pod_pause(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_PAUSE);
}
int cmd_pod_unpause(struct berth_ctx *ctx, struct cli_args *args)
{
	return pod_each(ctx, args, POD_UNPAUSE);
}

int cmd_pod_exists(struct berth_ctx *ctx, struct cli_args *args)
{
	struct store_pod *p = NULL;
	struct store *s = NULL;
	int r;

	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	r = store_pod_lookup(s, cli_argv(args)[0], &p, NULL);
	store_pod_free(p);
	store_close(s);
	return r < 0 ? 1 : 0;
}

const struct cli_option cmd_pod_prune_options[] = {
    {"force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL},
    {NULL, 0, 0, NULL, NULL},
};

/* pod prune: remove every pod none of whose containers runs. */
int cmd_pod_prune(struct berth_ctx *ctx, struct cli_args *args)
{
	(void)args;
	return cli_prune_pods(ctx);
}

int cli_prune_pods(struct berth_ctx *ctx)
{
	struct store_pod **list = NULL;
	struct store *s = NULL;
	berth_error err = {0};
	size_t n = 0;
	int r, rc = 0;

	if ((r = cli_open_store(ctx, &s)) != 0)
		return r;
	if (store_pod_list(s, &list, &n, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++) {
		const char *status;
		size_t count;
		if (pod_status(ctx, s, list[i], &status, &count, NULL) < 0 ||
		    strcmp(status, "Running") == 0 || strcmp(status, "Degraded") == 0 ||
		    strcmp(status, "Paused") == 0)
			continue;
		if (pod_remove(ctx, s, list[i]->id, true, &err) < 0) {
			cli_fail(&err);
			berr_clear(&err);
			rc = 125;
			continue;
		}
		printf("%s\n", list[i]->id);
	}
	store_pod_list_free(list, n);
	store_close(s);
	return rc;
}

void cli_ps_add_pod(struct store *s, const struct store_container *c, json_t *item, bool no_trunc)
{
	struct store_pod *p = NULL;
	char shortid[13] = "";

	if (!item)
		return;
	if (c->pod_id && store_pod_lookup(s, c->pod_id, &p, NULL) == 0)
		snprintf(shortid, sizeof(shortid), "%.12s", p->id);
	json_object_set_new(item, "Pod", json_string(p ? (no_trunc ? p->id : shortid) : ""));
	json_object_set_new(item, "PodName", json_string(p ? p->name : ""));
	store_pod_free(p);
}
