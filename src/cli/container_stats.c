/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_stats.c (living) - `stats`: podman's table (ID NAME CPU % MEM USAGE / LIMIT MEM %
 * NET IO BLOCK IO PIDS CPU TIME AVG CPU %), its json and its Go-template fields, once
 * (--no-stream) or every --interval seconds. The readings come from engine/container_stats.h.
 * `pod stats` shows the same readings for the running containers of pods, with podman's pod
 * columns (POD CID NAME CPU % ...).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "engine/container.h"
#include "engine/container_stats.h"
#include "store/pod.h"
#include "store/store.h"
#include "util/macro.h"

const struct cli_option cmd_stats_options[] = {
	{ "all", 'a', CLI_BOOL, "Show all containers. Only running containers are shown by default",
	  NULL },
	{ "format", 0, CLI_STRING, "Pretty-print container statistics to JSON or using a Go template",
	  NULL },
	{ "interval", 'i', CLI_INT, "Time in seconds between stats reports", "5" },
	{ "latest", 'l', CLI_BOOL, "Act on the latest container berth is aware of", NULL },
	{ "no-reset", 0, CLI_BOOL, "Disable resetting the screen between intervals", NULL },
	{ "no-stream", 0, CLI_BOOL, "Disable streaming stats and only pull the first result", NULL },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate output", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const char default_format[] =
	"table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
	"{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}";
static const char pod_default_format[] =
	"table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t"
	"{{.BlockIO}}\t{{.PIDS}}";
static const char *const headers[] = {
	"CPUPerc=CPU %",   "MemUsage=MEM USAGE / LIMIT", "MemUsageBytes=MEM USAGE / LIMIT",
	"MemPerc=MEM %",   "NetIO=NET IO",		 "BlockIO=BLOCK IO",
	"PIDS=PIDS",	   "UpTime=CPU TIME",		 "AVGCPU=AVG CPU %",
	"Pod=POD",	   "CID=CID",			 "CPU=CPU %",
	"Mem=MEM %",
	NULL,
};

/* go-units: HumanSize ("340kB", decimal) or BytesSize ("332KiB", binary), 4 digits */
static void size_str(char *buf, size_t len, uint64_t bytes, bool binary)
{
	static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes, base = binary ? 1024.0 : 1000.0;
	size_t u = 0;

	while (v >= base && u + 1 < ELEMENTSOF(dec)) {
		v /= base;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, binary ? bin[u] : dec[u]);
}

/* Go's time.Duration String(): "0s", "850ns", "1.5µs", "104.180092ms", "1m2.5s" */
static void duration_str(char *buf, size_t len, uint64_t ns)
{
	char frac[32];
	uint64_t unit, whole;
	const char *suffix;
	int n;

	if (ns == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (ns < 1000) {
		snprintf(buf, len, "%" PRIu64 "ns", ns);
		return;
	}
	if (ns < 1000000) {
		unit = 1000, suffix = "µs";
	} else if (ns < 1000000000) {
		unit = 1000000, suffix = "ms";
	} else {
		unit = 1000000000, suffix = "s";
	}
	whole = ns / unit;
	n = snprintf(frac, sizeof(frac), ".%0*" PRIu64, unit == 1000 ? 3 : unit == 1000000 ? 6 : 9,
		     ns % unit);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n == 1)
		frac[0] = '\0';
	if (unit == 1000000000 && whole >= 60) {
		uint64_t h = whole / 3600, m = whole / 60 % 60, s = whole % 60;
		if (h)
			snprintf(buf, len, "%" PRIu64 "h%" PRIu64 "m%" PRIu64 "%ss", h, m, s, frac);
		else
			snprintf(buf, len, "%" PRIu64 "m%" PRIu64 "%ss", m, s, frac);
		return;
	}
	snprintf(buf, len, "%" PRIu64 "%s%s", whole, frac, suffix);
}

static void pair_str(char *buf, size_t len, bool have, uint64_t a, uint64_t b, bool binary)
{
	char x[32], y[32];

	if (!have) {
		snprintf(buf, len, "-- / --");
		return;
	}
	size_str(x, sizeof(x), a, binary);
	size_str(y, sizeof(y), b, binary);
	snprintf(buf, len, "%s / %s", x, y);
}

static void percent_str(char *buf, size_t len, bool have, double v)
{
	if (have)
		snprintf(buf, len, "%.2f%%", v);
	else
		snprintf(buf, len, "--");
}

/*
 * One container as podman's template sees it (the fields of define.ContainerStats and the
 * methods of its stats printer) in *@ret_tmpl, and as its json output in *@ret_json.
 */
static int stats_items(const struct store_container *c, const struct ctr_stats *st,
		       const struct ctr_stats *prev, bool no_trunc, json_t **ret_tmpl,
		       json_t **ret_json)
{
	/* a stopped container reads as podman shows it: all zero */
	unsigned have = st->running ? st->have : ~0u;
	double cpu = ctr_stats_cpu_percent(st, prev), avg = ctr_stats_cpu_percent(st, NULL);
	double mem = st->mem_limit ? (double)st->mem_usage / (double)st->mem_limit * 100.0 : 0.0;
	char id[65], cpup[32], avgp[32], memu[80], memb[80], memp[32], net[80], blk[80], pids[32];
	char up[64];

	snprintf(id, sizeof(id), "%.*s", no_trunc ? 64 : 12, c->id);
	percent_str(cpup, sizeof(cpup), have & CTR_STATS_CPU, cpu);
	percent_str(avgp, sizeof(avgp), have & CTR_STATS_CPU, avg);
	pair_str(memu, sizeof(memu), have & CTR_STATS_MEM, st->mem_usage, st->mem_limit, false);
	pair_str(memb, sizeof(memb), have & CTR_STATS_MEM, st->mem_usage, st->mem_limit, true);
	percent_str(memp, sizeof(memp), have & CTR_STATS_MEM, mem);
	pair_str(net, sizeof(net), have & CTR_STATS_NET, st->net_rx, st->net_tx, false);
	pair_str(blk, sizeof(blk), have & CTR_STATS_BLKIO, st->blk_read, st->blk_write, false);
	if (have & CTR_STATS_PIDS)
		snprintf(pids, sizeof(pids), "%" PRIu64, st->pids);
	else
		snprintf(pids, sizeof(pids), "--");
	if (have & CTR_STATS_CPU)
		duration_str(up, sizeof(up), st->cpu_ns);
	else
		snprintf(up, sizeof(up), "--");
	*ret_tmpl = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, "
		"s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"ID", id, "ContainerID", c->id, "Name", c->name, "CPUPerc", cpup, "AVGCPU", avgp,
		"MemUsage", memu, "MemUsageBytes", memb, "MemPerc", memp, "NetIO", net, "BlockIO",
		blk, "PIDS", pids, "UpTime", up, "CPU", cpu, "AvgCPU", avg, "CPUNano",
		(json_int_t)st->cpu_ns, "SystemNano", (json_int_t)st->read_at, "MemLimit",
		(json_int_t)st->mem_limit, "NetInput", (json_int_t)st->net_rx, "NetOutput",
		(json_int_t)st->net_tx, "BlockInput", (json_int_t)st->blk_read, "BlockOutput",
		(json_int_t)st->blk_write, "PIDs", (json_int_t)st->pids);
	*ret_json = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
			      "name", c->name, "cpu_time", up, "cpu_percent", cpup, "avg_cpu",
			      avgp, "mem_usage", memu, "mem_percent", memp, "net_io", net,
			      "block_io", blk, "pids", pids);
	if (!*ret_tmpl || !*ret_json) {
		json_decref(*ret_tmpl);
		json_decref(*ret_json);
		return -ENOMEM;
	}
	return 0;
}

/* the previous reading of each container, for the CPU % of the next */
struct prev_reading {
	char id[65];
	struct ctr_stats st;
};

struct stats_run {
	struct berth_ctx *ctx;
	struct cli_args *args;
	struct prev_reading *prev;
	size_t nprev;
	bool pods; /* `pod stats`: the arguments are pods, the rows their running containers */
};

static const struct ctr_stats *prev_find(struct stats_run *run, const char *id)
{
	for (size_t i = 0; i < run->nprev; i++)
		if (strcmp(run->prev[i].id, id) == 0)
			return &run->prev[i].st;
	return NULL;
}

/* `pod stats [POD...]`: the running containers of the named pods, or of every pod */
static int select_pod_containers(struct stats_run *run, struct store *s,
				 struct store_container ***ret, size_t *ret_n, berth_error *err)
{
	struct store_container **list = NULL;
	size_t n = 0, k = 0;
	int argc = cli_argc(run->args), r;
	_cleanup_free_ char **pod_ids = calloc((size_t)argc + 1, sizeof(char *));

	if (!pod_ids)
		return berr(err, ENOMEM, "out of memory");
	for (int i = 0; i < argc; i++) {
		_cleanup_(store_pod_freep) struct store_pod *p = NULL;
		if ((r = store_pod_lookup(s, cli_argv(run->args)[i], &p, err)) < 0)
			goto out;
		pod_ids[i] = TAKE_PTR(p->id);
	}
	if ((r = store_container_list(s, &list, &n, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		bool keep = list[i]->pod_id != NULL;
		for (int j = 0; keep && argc > 0; j++) {
			if (j == argc) {
				keep = false;
				break;
			}
			if (strcmp(pod_ids[j], list[i]->pod_id) == 0)
				break;
		}
		if (keep)
			ctr_refresh(run->ctx, s, list[i], NULL);
		if (keep && strcmp(list[i]->state, "running") == 0)
			list[k++] = list[i];
		else
			store_container_free(list[i]);
	}
	*ret = list;
	*ret_n = k;
	r = 0;
out:
	for (int i = 0; i < argc; i++)
		free(pod_ids[i]);
	return r;
}

/* the containers to show: the named ones, the latest, every one (-a) or the running ones */
static int select_containers(struct stats_run *run, struct store *s,
			     struct store_container ***ret, size_t *ret_n, berth_error *err)
{
	struct store_container **list = NULL;
	size_t n = 0, k = 0;
	int argc = cli_argc(run->args);
	int r;

	if (run->pods)
		return select_pod_containers(run, s, ret, ret_n, err);
	if (argc > 0) {
		list = calloc((size_t)argc, sizeof(*list));
		if (!list)
			return berr(err, ENOMEM, "out of memory");
		for (int i = 0; i < argc; i++) {
			r = ctr_get(run->ctx, s, cli_argv(run->args)[i], &list[i], err);
			if (r < 0) {
				berr_prefix(err, "unable to get list of containers: unable to look "
						 "up container %s",
					    cli_argv(run->args)[i]);
				store_container_list_free(list, (size_t)i);
				return r;
			}
		}
		*ret = list;
		*ret_n = (size_t)argc;
		return 0;
	}
	if ((r = store_container_list(s, &list, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool keep;
		ctr_refresh(run->ctx, s, list[i], NULL);
		keep = cli_flag(run->args, "latest") ? k == 0
			: cli_flag(run->args, "all") || strcmp(list[i]->state, "running") == 0;
		if (keep)
			list[k++] = list[i];
		else
			store_container_free(list[i]);
	}
	*ret = list;
	*ret_n = k;
	return 0;
}

/* podman's pod stats fields: .Pod and .CID, and .CPU/.Mem as the percent strings */
static void pod_fields(json_t *tmpl, json_t *js, const struct store_container *c)
{
	char pod[13];

	snprintf(pod, sizeof(pod), "%.12s", c->pod_id ? c->pod_id : "");
	json_object_set_new(tmpl, "Pod", json_string(pod));
	json_object_set(tmpl, "CID", json_object_get(tmpl, "ID"));
	json_object_set(tmpl, "CPU", json_object_get(tmpl, "CPUPerc"));
	json_object_set(tmpl, "Mem", json_object_get(tmpl, "MemPerc"));
	json_object_set_new(js, "pod", json_string(pod));
}

static int print_json(json_t *items)
{
	char *text = json_dumps(items, JSON_INDENT(1) | JSON_PRESERVE_ORDER);

	if (!text)
		return cli_error("out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

/* one round: read, print, remember the readings */
static int stats_round(struct stats_run *run, struct store *s, bool clear)
{
	const char *fmt = cli_str(run->args, "format");
	struct store_container **list = NULL;
	struct prev_reading *next = NULL;
	berth_error err = { 0 };
	json_t *tmpl = json_array(), *js = json_array();
	size_t n = 0;
	int rc = 0;

	if (!tmpl || !js || select_containers(run, s, &list, &n, &err) < 0) {
		json_decref(tmpl);
		json_decref(js);
		return err.code ? cli_fail(&err) : cli_error("out of memory");
	}
	next = calloc(n + 1, sizeof(*next));
	for (size_t i = 0; next && i < n && rc == 0; i++) {
		struct ctr_stats st;
		json_t *t = NULL, *j = NULL;
		if (ctr_stats_read(list[i], &st, &err) < 0 ||
		    stats_items(list[i], &st, prev_find(run, list[i]->id),
				cli_flag(run->args, "no-trunc"), &t, &j) < 0) {
			rc = err.code ? cli_fail(&err) : cli_error("out of memory");
			break;
		}
		if (run->pods)
			pod_fields(t, j, list[i]);
		json_array_append_new(tmpl, t);
		json_array_append_new(js, j);
		snprintf(next[i].id, sizeof(next[i].id), "%s", list[i]->id);
		next[i].st = st;
	}
	store_container_list_free(list, n);
	if (!next)
		rc = cli_error("out of memory");
	if (rc == 0) {
		free(run->prev);
		run->prev = TAKE_PTR(next);
		run->nprev = n;
		if (clear)
			fputs("\033[2J\033[H", stdout);
		if (fmt && strcmp(fmt, "json") == 0)
			rc = print_json(js);
		else if (fmt_print(stdout, fmt, run->pods ? pod_default_format : default_format,
				   tmpl, headers, 0, &err) < 0)
			rc = cli_fail(&err);
		fflush(stdout);
	}
	free(next);
	json_decref(tmpl);
	json_decref(js);
	return rc;
}

static int stats_main(struct berth_ctx *ctx, struct cli_args *args, bool pods);

int cmd_stats(struct berth_ctx *ctx, struct cli_args *args)
{
	return stats_main(ctx, args, false);
}

/* `pod stats [POD...]`: the same readings for the running containers of pods */
int cmd_pod_stats(struct berth_ctx *ctx, struct cli_args *args)
{
	return stats_main(ctx, args, true);
}

static int stats_main(struct berth_ctx *ctx, struct cli_args *args, bool pods)
{
	struct stats_run run = { ctx, args, NULL, 0, pods };
	struct store *s = NULL;
	long interval = cli_int(args, "interval", 5);
	bool stream = !cli_flag(args, "no-stream");
	bool clear = stream && !cli_flag(args, "no-reset") && isatty(STDOUT_FILENO);
	int rc;

	if (interval < 1)
		return cli_error("invalid interval %ld: must be a positive number of seconds",
				 interval);
	if ((cli_flag(args, "latest") || cli_flag(args, "all")) && cli_argc(args) > 0)
		return cli_error("--all, --latest and containers cannot be used together");
	rc = cli_open_store(ctx, &s);
	if (rc)
		return rc;
	for (;;) {
		rc = stats_round(&run, s, clear);
		if (rc || !stream)
			break;
		sleep((unsigned)interval);
	}
	free(run.prev);
	store_close(s);
	return rc;
}
