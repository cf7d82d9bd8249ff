/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.c - a container's reading (engine/container_stats.h) as the APIs render it: podman's
 * define.ContainerStats for /libpod/containers/stats (cockpit reads CPU, MemUsage, MemLimit)
 * and Docker's StatsJSON for /containers/{id}/stats (docker stats reads memory_stats,
 * cpu_stats against precpu_stats, blkio_stats, networks and pids_stats).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "api/api.h"
#include "engine/container_json.h"

uint64_t api_system_cpu_ns(void)
{
	unsigned long long v[10] = { 0 };
	long tck = sysconf(_SC_CLK_TCK);
	uint64_t sum = 0;
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return 0;
	/* Docker's system_cpu_usage: every column of the first "cpu" line, in ns */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	for (int i = 0; i < n && i < 8; i++) /* guest time is counted in user already */
		sum += v[i];
	return tck > 0 ? sum * (1000000000ull / (uint64_t)tck) : 0;
}

bool api_stats_unsupported(void)
{
	struct statfs fs;

	/* rootless containers on cgroups v1 get no cgroup of their own: nothing to measure */
	return api_ctx.rootless &&
	       !(statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC);
}

json_t *api_stats_libpod(const struct store_container *c, const struct ctr_stats *now,
			 const struct ctr_stats *prev)
{
	double mem = now->mem_limit ? (double)now->mem_usage / (double)now->mem_limit * 100.0 : 0;

	return json_pack("{s:f, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:I}",
			 "AvgCPU", ctr_stats_cpu_percent(now, NULL), "ContainerID", c->id, "Name",
			 c->name, "PodID", c->pod_id ? c->pod_id : "", "CPU",
			 ctr_stats_cpu_percent(now, prev), "CPUNano", (json_int_t)now->cpu_ns,
			 "CPUSystemNano", (json_int_t)now->cpu_system_ns, "SystemNano", (json_int_t)now->read_at,
			 "MemUsage", (json_int_t)now->mem_usage, "MemLimit",
			 (json_int_t)now->mem_limit, "MemPerc", mem, "NetInput",
			 (json_int_t)now->net_rx, "NetOutput", (json_int_t)now->net_tx, "BlockInput",
			 (json_int_t)now->blk_read, "BlockOutput", (json_int_t)now->blk_write, "PIDs",
			 (json_int_t)now->pids, "UpTime", (json_int_t)now->cpu_ns, "Duration",
			 (json_int_t)now->cpu_ns);
}

/* cpu_stats/precpu_stats; an empty reading (no @st) is Docker's zero value */
static json_t *docker_cpu(const struct ctr_stats *st, uint64_t sys_ns)
{
	return json_pack("{s:{s:I, s:I, s:I}, s:I, s:I, s:{s:I, s:I, s:I}}", "cpu_usage",
			 "total_usage", (json_int_t)(st ? st->cpu_ns : 0), "usage_in_kernelmode",
			 (json_int_t)(st ? st->cpu_system_ns : 0), "usage_in_usermode",
			 (json_int_t)(st ? st->cpu_user_ns : 0), "system_cpu_usage",
			 (json_int_t)(st ? sys_ns : 0), "online_cpus",
			 (json_int_t)(st ? sysconf(_SC_NPROCESSORS_ONLN) : 0), "throttling_data",
			 "periods", (json_int_t)0, "throttled_periods", (json_int_t)0,
			 "throttled_time", (json_int_t)0);
}

json_t *api_stats_docker(const struct store_container *c, const struct ctr_stats *now,
			 uint64_t sys_ns, const struct ctr_stats *prev, uint64_t prev_sys_ns)
{
	char read[48], preread[48], name[600];

	snprintf(name, sizeof(name), "/%s", c->name);
	return json_pack(
		"{s:s, s:s, s:{s:I, s:I}, s:{s:I, s:I, s:{}}, s:o, s:o, s:{s:[{s:i, s:i, s:s, s:I}, "
		"{s:i, s:i, s:s, s:I}]}, s:{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}, s:s, s:s}",
		"read", ctr_json_rfc3339(now->read_at, read, sizeof(read)), "preread",
		ctr_json_rfc3339(prev ? prev->read_at : 0, preread, sizeof(preread)), "pids_stats",
		"current", (json_int_t)now->pids, "limit", (json_int_t)0, "memory_stats", "usage",
		(json_int_t)now->mem_usage, "limit", (json_int_t)now->mem_limit, "stats",
		"cpu_stats", docker_cpu(now, sys_ns), "precpu_stats", docker_cpu(prev, prev_sys_ns),
		"blkio_stats", "io_service_bytes_recursive", "major", 0, "minor", 0, "op", "read",
		"value", (json_int_t)now->blk_read, "major", 0, "minor", 0, "op", "write", "value",
		(json_int_t)now->blk_write, "networks", "eth0", "rx_bytes", (json_int_t)now->net_rx,
		"rx_packets", (json_int_t)0, "rx_errors", (json_int_t)0, "rx_dropped",
		(json_int_t)0, "tx_bytes", (json_int_t)now->net_tx, "tx_packets", (json_int_t)0,
		"tx_errors", (json_int_t)0, "tx_dropped", (json_int_t)0, "name", name, "id", c->id);
}
