/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_stats.c - reading a container's resource use (see container_stats.h). Every file
 * is optional: a missing controller or cgroup leaves its bit out of ctr_stats.have.
 */
#include "engine/container_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "util/fileio.h"
#include "util/macro.h"

#define CG_ROOT "/sys/fs/cgroup"
/* blkio and io.stat list every device; enough for a few hundred */
#define STAT_FILE_MAX (256 * 1024)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the file @name of cgroup berth/@id in hierarchy @hier (NULL: the v2 root), whole */
static char *cg_read(const char *hier, const char *id, const char *name)
{
	char path[PATH_MAX];
	char *data = NULL;
	int n = hier ? snprintf(path, sizeof(path), CG_ROOT "/%s/berth/%s/%s", hier, id, name)
		     : snprintf(path, sizeof(path), CG_ROOT "/berth/%s/%s", id, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	if (read_file_at(AT_FDCWD, path, STAT_FILE_MAX, &data, NULL, NULL) < 0)
		return NULL;
	return data;
}

static bool cg_u64(const char *hier, const char *id, const char *name, uint64_t *ret)
{
	_cleanup_free_ char *v = cg_read(hier, id, name);
	char *end;

	if (!v)
		return false;
	if (strncmp(v, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return true;
	}
	errno = 0;
	*ret = strtoull(v, &end, 10);
	return errno == 0 && end != v;
}

/* the value of "KEY VALUE" line @key in @text (memory.stat, cpu.stat) */
static bool keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			*ret = strtoull(p + klen + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

static uint64_t host_memory(void)
{
	/* fixed while the machine runs: read once per process, not once per container */
	static uint64_t total;
	_cleanup_free_ char *mi = NULL;
	const char *p;

	if (total)
		return total;
	if (read_file_at(AT_FDCWD, "/proc/meminfo", STAT_FILE_MAX, &mi, NULL, NULL) < 0)
		return 0;
	p = strstr(mi, "MemTotal:");
	total = p ? strtoull(p + 9, NULL, 10) * 1024 : 0;
	return total;
}

static void set_limit(struct ctr_stats *st, uint64_t limit)
{
	uint64_t host = host_memory();

	/* "no limit" reads as max (v2) or a huge page-aligned number (v1) */
	st->mem_limit = host && (limit == UINT64_MAX || limit > host) ? host : limit;
}

static void read_v2(const char *id, struct ctr_stats *st)
{
	_cleanup_free_ char *cpu = cg_read(NULL, id, "cpu.stat");
	_cleanup_free_ char *mem = cg_read(NULL, id, "memory.stat");
	_cleanup_free_ char *io = cg_read(NULL, id, "io.stat");
	uint64_t v, limit;

	if (cpu && keyed_u64(cpu, "usage_usec", &v)) {
		st->cpu_ns = v * 1000;
		st->have |= CTR_STATS_CPU;
	}
	if (cpu && keyed_u64(cpu, "user_usec", &v))
		st->cpu_user_ns = v * 1000;
	if (cpu && keyed_u64(cpu, "system_usec", &v))
		st->cpu_system_ns = v * 1000;
	if (cg_u64(NULL, id, "memory.current", &st->mem_usage) &&
	    cg_u64(NULL, id, "memory.max", &limit)) {
		if (mem && keyed_u64(mem, "inactive_file", &v) && v < st->mem_usage)
			st->mem_usage -= v;
		set_limit(st, limit);
		st->have |= CTR_STATS_MEM;
	}
	if (cg_u64(NULL, id, "pids.current", &st->pids))
		st->have |= CTR_STATS_PIDS;
	if (io) {
		/* "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device */
		for (const char *p = io; (p = strstr(p, "bytes=")); p += 6) {
			if (p - io >= 1 && p[-1] == 'r')
				st->blk_read += strtoull(p + 6, NULL, 10);
			else if (p - io >= 1 && p[-1] == 'w')
				st->blk_write += strtoull(p + 6, NULL, 10);
		}
		st->have |= CTR_STATS_BLKIO;
	}
}

static void read_v1(const char *id, struct ctr_stats *st)
{
	_cleanup_free_ char *mem = cg_read("memory", id, "memory.stat");
	_cleanup_free_ char *blk = cg_read("blkio", id, "blkio.throttle.io_service_bytes_recursive");
	_cleanup_free_ char *acct = cg_read("cpuacct", id, "cpuacct.stat") ?: cg_read("cpu", id,
										   "cpuacct.stat");
	long tck = sysconf(_SC_CLK_TCK);
	uint64_t v, limit;

	/* cpuacct is its own hierarchy here; elsewhere it is co-mounted with cpu */
	if (cg_u64("cpuacct", id, "cpuacct.usage", &st->cpu_ns) ||
	    cg_u64("cpu", id, "cpuacct.usage", &st->cpu_ns))
		st->have |= CTR_STATS_CPU;
	/* "user TICKS\nsystem TICKS" in USER_HZ */
	if (acct && tck > 0 && keyed_u64(acct, "user", &v))
		st->cpu_user_ns = v * (1000000000ull / (uint64_t)tck);
	if (acct && tck > 0 && keyed_u64(acct, "system", &v))
		st->cpu_system_ns = v * (1000000000ull / (uint64_t)tck);
	if (cg_u64("memory", id, "memory.usage_in_bytes", &st->mem_usage) &&
	    cg_u64("memory", id, "memory.limit_in_bytes", &limit)) {
		if (mem && keyed_u64(mem, "total_inactive_file", &v) && v < st->mem_usage)
			st->mem_usage -= v;
		set_limit(st, limit);
		st->have |= CTR_STATS_MEM;
	}
	if (cg_u64("pids", id, "pids.current", &st->pids))
		st->have |= CTR_STATS_PIDS;
	if (!blk)
		blk = cg_read("blkio", id, "blkio.io_service_bytes_recursive");
	if (blk) {
		/* "MAJ:MIN Read N" / "MAJ:MIN Write N" per device, then "Total N" */
		for (char *save = NULL, *l = strtok_r(blk, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char op[16];
			uint64_t n;
			if (sscanf(l, "%*s %15s %" SCNu64, op, &n) != 2)
				continue;
			if (strcmp(op, "Read") == 0)
				st->blk_read += n;
			else if (strcmp(op, "Write") == 0)
				st->blk_write += n;
		}
		st->have |= CTR_STATS_BLKIO;
	}
}

/* bytes in and out of every interface but loopback in the network namespace of @pid */
static void read_net(pid_t pid, struct ctr_stats *st)
{
	char path[64];
	_cleanup_free_ char *dev = NULL;
	char *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (read_file_at(AT_FDCWD, path, STAT_FILE_MAX, &dev, NULL, NULL) < 0)
		return;
	/* two header lines, then "  NAME: RX-bytes packets errs drop fifo frame compressed
	 * multicast TX-bytes ..." */
	for (char *l = strtok_r(dev, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':');
		uint64_t rx, tx;
		if (!colon)
			continue;
		*colon = '\0';
		while (*l == ' ')
			l++;
		if (strcmp(l, "lo") == 0)
			continue;
		if (sscanf(colon + 1,
			   "%" SCNu64 " %*u %*u %*u %*u %*u %*u %*u %" SCNu64, &rx, &tx) == 2) {
			st->net_rx += rx;
			st->net_tx += tx;
		}
	}
	st->have |= CTR_STATS_NET;
}

int ctr_stats_read(const struct store_container *c, struct ctr_stats *ret, berth_error *err)
{
	struct ctr_stats st = { 0 };
	struct statfs fs;

	(void)err;
	st.read_at = now_ns();
	st.started_at = c->started_at;
	if (strcmp(c->state, "running") != 0 || c->pid <= 0) {
		*ret = st;
		return 0;
	}
	st.running = true;
	if (statfs(CG_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		read_v2(c->id, &st);
	else
		read_v1(c->id, &st);
	read_net(c->pid, &st);
	*ret = st;
	return 0;
}

double ctr_stats_cpu_percent(const struct ctr_stats *now, const struct ctr_stats *prev)
{
	uint64_t cpu0 = prev ? prev->cpu_ns : 0;
	int64_t t0 = prev ? prev->read_at : now->started_at;
	int64_t dt = now->read_at - t0;

	if (!(now->have & CTR_STATS_CPU) || dt <= 0 || now->cpu_ns < cpu0)
		return 0.0;
	return (double)(now->cpu_ns - cpu0) / (double)dt * 100.0;
}
