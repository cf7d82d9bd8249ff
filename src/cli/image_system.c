/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_system.c - store-wide commands: system prune, system reset, events, info (system df:
 * system_df.c).
 * (system check hashes every blob and so runs in berth-transfer: src/transfer/import.c.)
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/image_format.h"
#include "engine/container.h"
#include "engine/pod.h"
#include "store/container.h"
#include "store/pod.h"
#include "store/events.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/macro.h"

/* ---- system prune ---- */

const struct cli_option cmd_system_prune_options[] = {
	{ "all", 'a', CLI_BOOL, "Remove all unused data, not just dangling images", NULL },
	{ "force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL },
	{ "volumes", 0, CLI_BOOL, "Prune volumes", NULL },
	{ "filter", 0, CLI_LIST, "Provide filter values (refused: not supported yet)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

int cmd_system_prune(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	berth_error err = { 0 };
	int64_t reclaimed = 0;
	size_t removed = 0;
	char sz[32];
	int rc;

	/* it used to be accepted and ignored, which removes more than asked: refuse it instead */
	if (cli_list(args, "filter")[0])
		return cli_error("system prune --filter is not supported yet: use image prune --filter, "
				 "and remove containers and pods by name");
	if (!cli_flag(args, "force")) {
		char line[16] = { 0 };
		printf("WARNING! This command removes:\n\t- all stopped containers\n%s\t- all %s images\n\t- all build cache\n\nAre you sure you want to continue? [y/N] ",
		       cli_flag(args, "volumes") ? "\t- all volumes not used by at least one container\n" : "",
		       cli_flag(args, "all") ? "unused" : "dangling");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return 0;
	}
	/* podman's order: pods and containers first, so their images and volumes become unused */
	printf("Deleted Pods\n");
	fflush(stdout);
	if ((rc = cli_prune_pods(ctx)) != 0)
		return rc;
	printf("Deleted Containers\n");
	fflush(stdout);
	if ((rc = cli_prune_containers(ctx)) != 0)
		return rc;
	if (cli_flag(args, "volumes")) {
		printf("Deleted Volumes\n");
		fflush(stdout);
		if ((rc = cli_prune_volumes(ctx)) != 0)
			return rc;
	}
	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	printf("Deleted Images\n");
	if ((rc = cli_prune_images(ctx, s, cli_flag(args, "all"), NULL, &reclaimed)) != 0)
		return rc;
	if (store_gc(s, &removed, &err) < 0)
		return cli_fail(&err);
	ifmt_size(reclaimed, sz, sizeof(sz));
	printf("Total reclaimed space: %s\n", sz);
	return 0;
}

/* ---- system reset ---- */

const struct cli_option cmd_system_reset_options[] = {
	{ "force", 'f', CLI_BOOL, "Do not prompt for confirmation", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* Pods and containers go through the engine first, so no process or mount outlives the reset. */
static int reset_stop_all(struct berth_ctx *ctx, berth_error *err)
{
	_cleanup_store_ struct store *s = NULL;
	struct store_pod **pods = NULL;
	struct store_container **ctrs = NULL;
	size_t n = 0;
	int r;

	if (store_open(ctx->root, ctx->runroot, &s, NULL) < 0)
		return 0; /* nothing usable to stop: store_reset() removes what is there */
	r = store_pod_list(s, &pods, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = pod_remove(ctx, s, pods[i]->id, true, err);
	store_pod_list_free(pods, n);
	if (r < 0)
		return r;
	r = store_container_list(s, &ctrs, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = ctr_remove(ctx, s, ctrs[i]->id, true, true, err);
	store_container_list_free(ctrs, n);
	return r < 0 ? r : 0;
}

int cmd_system_reset(struct berth_ctx *ctx, struct cli_args *args)
{
	berth_error err = { 0 };

	if (!cli_flag(args, "force")) {
		char line[16] = { 0 };
		printf("WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all build cache\n        - all machines\n        - all volumes\nAre you sure you want to continue? [y/N] ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return 0;
	}
	if (reset_stop_all(ctx, &err) < 0 || store_reset(ctx->root, ctx->runroot, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* ---- events ---- */

const struct cli_option cmd_events_options[] = {
	{ "filter", 'f', CLI_LIST, "Filter output (type=, event=, container=, image=, pod=, volume=, label=)", NULL },
	{ "format", 0, CLI_STRING, "Format the output using a Go template or json", NULL },
	{ "since", 0, CLI_STRING, "Show all events created since timestamp", NULL },
	{ "until", 0, CLI_STRING, "Show all events created until timestamp", NULL },
	{ "stream", 0, CLI_BOOL, "Stream new events; false prints the existing ones and exits", "true" },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate the output", "true" },
	{ NULL, 0, 0, NULL, NULL },
};

int cli_parse_when(const char *v, int64_t *ret)
{
	int64_t t;
	char *end;
	double d;

	if (store_time_parse(v, &t) == 0) {
		*ret = t;
		return 0;
	}
	d = strtod(v, &end);
	if (end != v && d >= 0) {
		double mult = 0;
		if (*end == '\0')
			mult = -1; /* unix seconds */
		else if (strcmp(end, "s") == 0)
			mult = 1;
		else if (strcmp(end, "m") == 0)
			mult = 60;
		else if (strcmp(end, "h") == 0)
			mult = 3600;
		else if (strcmp(end, "ms") == 0)
			mult = 0.001;
		if (mult < 0) {
			*ret = (int64_t)(d * 1e9);
			return 0;
		}
		if (mult > 0) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			*ret = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - (int64_t)(d * mult * 1e9);
			return 0;
		}
	}
	return -EINVAL;
}

struct events_ctx {
	char *const *filters;
	const char *format;
	struct fmt_template *tmpl;
};

/* attribute_matches() - label=KEY or label=KEY=VALUE against an event's Attributes. */
static bool attribute_matches(json_t *attrs, const char *kv)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = eq ? strndup(kv, (size_t)(eq - kv)) : strdup(kv);
	const char *v = key ? json_string_value(json_object_get(attrs, key)) : NULL;

	return v && (!eq || strcmp(v, eq + 1) == 0);
}

/* event_filter_known() - @f is KEY=VALUE with a KEY event_matches() applies. */
static bool event_filter_known(const char *f)
{
	static const char *const keys[] = { "type=", "event=", "container=", "image=", "pod=",
					    "volume=", "id=", "name=", "label=" };

	for (size_t k = 0; k < ELEMENTSOF(keys); k++)
		if (strncmp(f, keys[k], strlen(keys[k])) == 0)
			return true;
	return false;
}

static bool event_matches(json_t *ev, char *const *filters)
{
	/* Filters with the same key are ORed, different keys ANDed (podman). */
	static const char *const keys[] = { "type",   "event", "container", "image", "pod",
					    "volume", "id",    "name",      "label" };

	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		bool seen = false, any = false;
		size_t kl = strlen(keys[k]);
		for (char *const *f = filters; f && *f; f++) {
			if (strncmp(*f, keys[k], kl) != 0 || (*f)[kl] != '=')
				continue;
			const char *v = *f + kl + 1;
			const char *type = json_string_value(json_object_get(ev, "Type")) ?: "";
			const char *status = json_string_value(json_object_get(ev, "Status"))
						     ?: json_string_value(json_object_get(ev, "Action")) ?: "";
			const char *id = json_string_value(json_object_get(ev, "ID")) ?: "";
			const char *name = json_string_value(json_object_get(ev, "Name")) ?: "";
			seen = true;
			if (strcmp(keys[k], "type") == 0)
				any |= strcmp(type, v) == 0;
			else if (strcmp(keys[k], "event") == 0)
				any |= strcmp(status, v) == 0;
			else if (strcmp(keys[k], "id") == 0 || strcmp(keys[k], "name") == 0)
				any |= strncmp(id, v, strlen(v)) == 0 || strcmp(name, v) == 0;
			else if (strcmp(keys[k], "label") == 0)
				any |= attribute_matches(json_object_get(ev, "Attributes"), v);
			else if (strcmp(keys[k], "image") == 0 && strcmp(type, "image") != 0)
				any |= strcmp(json_string_value(json_object_get(ev, "Image")) ?: "", v) == 0;
			else
				any |= strcmp(type, keys[k]) == 0 &&
				       (strncmp(id, v, strlen(v)) == 0 || strcmp(name, v) == 0);
		}
		if (seen && !any)
			return false;
	}
	return true;
}

static int print_event(json_t *ev, void *userdata)
{
	struct events_ctx *c = userdata;
	const char *type = json_string_value(json_object_get(ev, "Type")) ?: "";
	const char *status = json_string_value(json_object_get(ev, "Status"))
				     ?: json_string_value(json_object_get(ev, "Action")) ?: "";
	char when[64];

	if (!event_matches(ev, c->filters))
		return 0;
	if (c->format) {
		if (strcmp(c->format, "json") == 0) {
			_cleanup_free_ char *d = json_dumps(ev, JSON_COMPACT);
			printf("%s\n", d ? d : "{}");
		} else {
			berth_error err = { 0 };
			_cleanup_free_ char *line = NULL;
			if (fmt_render(c->tmpl, ev, &line, &err) < 0) {
				fprintf(stderr, "Error: %s\n", err.msg);
				return -EINVAL;
			}
			printf("%s%s", line, line[0] && line[strlen(line) - 1] == '\n' ? "" : "\n");
		}
		fflush(stdout);
		return 0;
	}
	store_time_format_local(json_integer_value(json_object_get(ev, "timeNano")), when, sizeof(when));
	if (strcmp(type, "container") == 0 || strcmp(type, "pod") == 0) {
		printf("%s %s %s %s (image=%s, name=%s", when, type, status,
		       json_string_value(json_object_get(ev, "ID")) ?: "",
		       json_string_value(json_object_get(ev, "Image")) ?: "",
		       json_string_value(json_object_get(ev, "Name")) ?: "");
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(ev, "Attributes"), k, v)
			if (json_is_string(v))
				printf(", %s=%s", k, json_string_value(v));
		printf(")\n");
	} else
		printf("%s %s %s %s %s\n", when, type, status,
		       json_string_value(json_object_get(ev, "ID")) ?: "",
		       json_string_value(json_object_get(ev, "Name")) ?: "");
	fflush(stdout);
	return 0;
}

int cmd_events(struct berth_ctx *ctx, struct cli_args *args)
{
	struct events_ctx c = { cli_list(args, "filter"), cli_str(args, "format"), NULL };
	berth_error err = { 0 };
	int r;
	int64_t since = 0, until = 0;
	bool stream = !cli_is_set(args, "stream") || cli_flag(args, "stream");
	const char *v;

	for (char *const *f = c.filters; *f; f++)
		if (!event_filter_known(*f))
			return cli_error("invalid filter \"%s\": use type=, event=, container=, image=, pod=, volume=, id=, name= or label=", *f);
	if ((v = cli_str(args, "since")) && cli_parse_when(v, &since) < 0)
		return cli_error("invalid --since \"%s\": give an RFC 3339 time, unix seconds or a duration such as 10m", v);
	if ((v = cli_str(args, "until")) && cli_parse_when(v, &until) < 0)
		return cli_error("invalid --until \"%s\": give an RFC 3339 time, unix seconds or a duration such as 10m", v);
	if (c.format && strcmp(c.format, "json") != 0) {
		_cleanup_free_ char *norm = fmt_normalize(c.format, &(bool){ false });
		if (!norm)
			return cli_error("out of memory");
		if (fmt_compile(norm, &c.tmpl, &err) < 0)
			return cli_fail(&err);
	}
	r = store_events_read(ctx->runroot, since, until, stream, print_event, &c, &err);
	fmt_template_free(c.tmpl);
	if (r == -EINVAL)
		return 125;
	if (r < 0)
		return cli_fail(&err);
	return 0;
}

/* ---- info ---- */

const struct cli_option cmd_info_options[] = {
	{ "format", 'f', CLI_STRING, "Change the output format to JSON or a Go template", NULL },
	{ "debug", 'D', CLI_BOOL, "Display additional debug information", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static char *os_release_name(void)
{
	FILE *f = fopen("/etc/os-release", "re");
	char line[256];
	char *r = NULL;

	if (!f)
		return strdup("unknown");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
			char *v = line + 12;
			v[strcspn(v, "\n")] = '\0';
			if (*v == '"') {
				v++;
				v[strcspn(v, "\"")] = '\0';
			}
			r = strdup(v);
			break;
		}
	fclose(f);
	return r ? r : strdup("unknown");
}

/* YAML as podman prints info: nested maps indented two spaces, lists with "- ". */
static void print_yaml(json_t *v, int indent)
{
	const char *k;
	json_t *x;
	size_t i;

	json_object_foreach(v, k, x) {
		printf("%*s%s:", indent, "", k);
		if (json_is_object(x)) {
			if (json_object_size(x) == 0)
				printf(" {}\n");
			else {
				printf("\n");
				print_yaml(x, indent + 2);
			}
		} else if (json_is_array(x)) {
			if (json_array_size(x) == 0)
				printf(" []\n");
			else {
				json_t *e;
				printf("\n");
				json_array_foreach(x, i, e) {
					_cleanup_free_ char *d = json_dumps(e, JSON_ENCODE_ANY);
					printf("%*s- %s\n", indent, "", json_is_string(e) ? json_string_value(e) : d);
				}
			}
		} else if (json_is_string(x))
			printf(" %s\n", json_string_value(x));
		else {
			_cleanup_free_ char *d = json_dumps(x, JSON_ENCODE_ANY);
			printf(" %s\n", d ? d : "");
		}
	}
}

/* podman's JSON keys are camelCase ("graphRoot"), its template fields Go names (.Store.GraphRoot). */
static json_t *go_fields(json_t *v)
{
	const char *k;
	json_t *x, *o;

	if (!json_is_object(v))
		return json_incref(v);
	o = json_object();
	json_object_foreach(v, k, x) {
		char key[128];
		snprintf(key, sizeof(key), "%s", k);
		if (key[0] >= 'a' && key[0] <= 'z')
			key[0] = (char)(key[0] - 32);
		json_object_set_new(o, key, go_fields(x));
	}
	return o;
}

int cmd_info(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *distro = os_release_name();
	struct store_df d;
	struct utsname u;
	struct sysinfo si;
	berth_error err = { 0 };
	char host[256] = "";
	const char *fmt = cli_str(args, "format");
	json_auto_t *info = json_object();
	json_t *h = json_object(), *st = json_object(), *ver = json_object(), *cs = json_object(),
	       *is = json_object(), *idm = json_object();
	int rc;

	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (store_df(s, &d, &err) < 0)
		return cli_fail(&err);
	uname(&u);
	sysinfo(&si);
	gethostname(host, sizeof(host) - 1);
	json_object_set_new(h, "arch", json_string(strcmp(u.machine, "x86_64") == 0 ? "amd64" : u.machine));
	json_object_set_new(h, "cgroupManager", json_string("cgroupfs"));
	json_object_set_new(h, "cgroupVersion",
			    json_string(access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "v2" : "v1"));
	json_object_set_new(h, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	{
		json_t *dist = json_object();
		json_object_set_new(dist, "distribution", json_string(distro ? distro : "unknown"));
		json_object_set_new(h, "distribution", dist);
	}
	json_object_set_new(h, "eventLogger", json_string("file"));
	json_object_set_new(h, "hostname", json_string(host));
	json_object_set_new(h, "kernel", json_string(u.release));
	json_object_set_new(h, "memFree", json_integer((json_int_t)si.freeram * si.mem_unit));
	json_object_set_new(h, "memTotal", json_integer((json_int_t)si.totalram * si.mem_unit));
	json_object_set_new(h, "os", json_string("linux"));
	json_object_set_new(h, "rootless", json_boolean(ctx->rootless));
	json_object_set_new(h, "uptime", json_integer(si.uptime));
	json_object_set_new(info, "host", h);

	json_object_set_new(cs, "number", json_integer((json_int_t)d.containers));
	json_object_set_new(cs, "running", json_integer((json_int_t)d.containers_active));
	json_object_set_new(cs, "stopped", json_integer((json_int_t)(d.containers - d.containers_active)));
	json_object_set_new(cs, "paused", json_integer(0));
	json_object_set_new(is, "number", json_integer((json_int_t)d.images));
	json_object_set_new(st, "containerStore", cs);
	json_object_set_new(st, "graphDriverName", json_string(ctx->storage_driver ? ctx->storage_driver : "overlay"));
	json_object_set_new(st, "graphRoot", json_string(ctx->root));
	json_object_set_new(st, "imageStore", is);
	json_object_set_new(st, "runRoot", json_string(ctx->runroot));
	json_object_set_new(st, "volumePath", json_string(""));
	{
		char vp[4096];
		snprintf(vp, sizeof(vp), "%s/volumes", ctx->root);
		json_object_set_new(st, "volumePath", json_string(vp));
	}
	json_object_set_new(st, "graphStatus", idm);
	json_object_set_new(info, "store", st);

	json_object_set_new(ver, "APIVersion", json_string(BERTH_VERSION));
	json_object_set_new(ver, "Version", json_string(BERTH_VERSION));
	json_object_set_new(ver, "OsArch", json_string(strcmp(u.machine, "x86_64") == 0 ? "linux/amd64" : u.machine));
	json_object_set_new(info, "version", ver);

	if (fmt && strcmp(fmt, "json") == 0) {
		_cleanup_free_ char *dump = json_dumps(info, JSON_INDENT(4));
		printf("%s\n", dump ? dump : "{}");
		return 0;
	}
	if (fmt) {
		json_auto_t *one = json_array();
		json_array_append_new(one, go_fields(info));
		if (fmt_print(stdout, fmt, NULL, one, NULL, 0, &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	print_yaml(info, 0);
	return 0;
}
