/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_stats.h - `stats`: one reading of a running container's resource use, from its
 * cgroup (v2: cpu.stat, memory.current/max, pids.current, io.stat under berth/<id>; v1: the
 * berth/<id> cgroups of the cpuacct, memory, pids and blkio hierarchies) and the network
 * counters of its init's namespace (/proc/PID/net/dev). What cannot be measured (rootless on
 * cgroups v1 has no cgroup) is flagged missing rather than reported as zero. The CLI and the
 * REST API render the same struct.
 */
#ifndef BERTH_ENGINE_CONTAINER_STATS_H
#define BERTH_ENGINE_CONTAINER_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/container.h"
#include "util/error.h"

/* Bits of ctr_stats.have: which readings were available. */
#define CTR_STATS_CPU	0x01
#define CTR_STATS_MEM	0x02
#define CTR_STATS_PIDS	0x04
#define CTR_STATS_BLKIO 0x08
#define CTR_STATS_NET	0x10

/**
 * struct ctr_stats - one reading of a container
 * @running:	whether it ran at the time; a stopped container reads all zero
 * @have:	CTR_STATS_* bits of the fields below that were measured
 * @cpu_ns:	CPU time used by all its processes since it started
 * @cpu_user_ns/@cpu_system_ns: the same split in user and kernel time (0 when not measured)
 * @mem_usage:	memory in use, without the inactive page cache (as podman and docker)
 * @mem_limit:	its memory limit, or the host's memory when it has none
 * @pids:	number of tasks
 * @blk_read/@blk_write: bytes read and written on block devices
 * @net_rx/@net_tx: bytes received and sent on its interfaces other than loopback
 * @started_at:	unix ns of its start
 * @read_at:	unix ns of this reading
 */
struct ctr_stats {
	bool running;
	unsigned have;
	uint64_t cpu_ns;
	uint64_t cpu_user_ns;
	uint64_t cpu_system_ns;
	uint64_t mem_usage;
	uint64_t mem_limit;
	uint64_t pids;
	uint64_t blk_read;
	uint64_t blk_write;
	uint64_t net_rx;
	uint64_t net_tx;
	int64_t started_at;
	int64_t read_at;
};

/**
 * ctr_stats_read() - measure container @c (its record, refreshed by the caller).
 * Return: 0 (also for a stopped container, then @ret->running is false), -ENOMEM.
 */
int ctr_stats_read(const struct store_container *c, struct ctr_stats *ret, berth_error *err);

/**
 * ctr_stats_cpu_percent() - CPU use between @prev and @now in percent of one CPU, as podman;
 * without @prev (the first reading) the average since the container started.
 */
double ctr_stats_cpu_percent(const struct ctr_stats *now, const struct ctr_stats *prev);

#endif
