/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_top.c - processes of a container from /proc (see container_top.h).
 */
#include "engine/container_top.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "util/fileio.h"
#include "util/macro.h"

#define PROC_FILE_MAX (256 * 1024)
#define ETC_FILE_MAX (4 * 1024 * 1024)

static const struct {
	const char *desc;
	const char *header;
} descriptors[] = {
	{ "user", "USER" },   { "pid", "PID" },	    { "ppid", "PPID" },	  { "pcpu", "%CPU" },
	{ "etime", "ELAPSED" }, { "tty", "TTY" },   { "time", "TIME" },	  { "args", "COMMAND" },
	{ "comm", "COMMAND" }, { "group", "GROUP" }, { "nice", "NI" },	  { "pgid", "PGID" },
	{ "vsz", "VSZ" },     { "rss", "RSS" },	    { "state", "STATE" }, { "hpid", "HPID" },
	{ "huser", "HUSER" },
};

static const char *const default_descs[] = { "user", "pid", "ppid", "pcpu", "etime",
					     "tty", "time", "args", NULL };

int ctr_top_valid(const char *desc)
{
	for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
		if (strcmp(descriptors[i].desc, desc) == 0)
			return (int)i;
	return -1;
}

struct proc_info {
	pid_t hpid;
	long nspid, nsppid;
	char state;
	long ppid, pgrp, tty_nr, nice;
	unsigned long long utime, stime, start, vsize;
	long rss;
	unsigned uid, gid, huid;
	char comm[64];
	char *args;
};

static int read_proc(pid_t pid, const char *file, char **ret)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
	return read_file_at(AT_FDCWD, p, PROC_FILE_MAX, ret, NULL, NULL);
}

/* last number of the "Key:" line of /proc/PID/status (NSpid, Uid's first...) */
static long status_field(const char *status, const char *key, bool last)
{
	const char *l = strstr(status, key);
	long v = -1;

	if (!l)
		return -1;
	l += strlen(key);
	while (*l && *l != '\n') {
		char *end;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!isdigit((unsigned char)*l))
			break;
		v = strtol(l, &end, 10);
		l = end;
		if (!last)
			break;
	}
	return v;
}

static int load_proc(pid_t pid, struct proc_info *pi)
{
	_cleanup_free_ char *stat = NULL, *status = NULL, *cmd = NULL;
	size_t len = 0;
	char p[64];

	memset(pi, 0, sizeof(*pi));
	pi->hpid = pid;
	if (read_proc(pid, "stat", &stat) < 0 || read_proc(pid, "status", &status) < 0)
		return -ESRCH;
	char *open_p = strchr(stat, '('), *close_p = strrchr(stat, ')');
	if (!open_p || !close_p || close_p < open_p)
		return -EINVAL;
	size_t cl = (size_t)(close_p - open_p - 1);
	if (cl >= sizeof(pi->comm))
		cl = sizeof(pi->comm) - 1;
	memcpy(pi->comm, open_p + 1, cl);
	if (sscanf(close_p + 2,
		   "%c %ld %ld %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %ld %*d %*d "
		   "%llu %llu %ld",
		   &pi->state, &pi->ppid, &pi->pgrp, &pi->tty_nr, &pi->utime, &pi->stime, &pi->nice,
		   &pi->start, &pi->vsize, &pi->rss) != 10)
		return -EINVAL;
	pi->nspid = status_field(status, "\nNSpid:", true);
	pi->uid = (unsigned)status_field(status, "\nUid:", false);
	pi->gid = (unsigned)status_field(status, "\nGid:", false);
	pi->huid = pi->uid;
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	if (read_file_at(AT_FDCWD, p, PROC_FILE_MAX, &cmd, &len, NULL) == 0 && len > 0) {
		for (size_t i = 0; i + 1 < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		pi->args = TAKE_PTR(cmd);
	} else {
		if (asprintf(&pi->args, "[%s]", pi->comm) < 0)
			pi->args = NULL;
	}
	return 0;
}

/* Read @file of the container's root (through /proc/PID/root, symlinks resolved inside). */
static char *read_in_root(pid_t pid, const char *file)
{
	char p[64];
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	_cleanup_close_ int root = -1, fd = -1;
	char *data = NULL;

	snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
	root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return NULL;
	fd = (int)syscall(SYS_openat2, root, file, &how, sizeof(how));
	if (fd < 0 || read_fd_all(fd, ETC_FILE_MAX, &data, NULL, NULL) < 0)
		return NULL;
	return data;
}

/* name of @id in passwd/group-style @db (field 3), or the number */
static char *id_name(const char *db, unsigned id)
{
	char *out = NULL;

	for (const char *l = db; l && *l;) {
		const char *nl = strchr(l, '\n'), *c1 = strchr(l, ':');
		const char *end = nl ? nl : l + strlen(l);
		if (c1 && c1 < end) {
			const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
			if (c2 && (unsigned)strtoul(c2 + 1, NULL, 10) == id && isdigit((unsigned char)c2[1]))
				return strndup(l, (size_t)(c1 - l));
		}
		l = nl ? nl + 1 : end;
	}
	if (asprintf(&out, "%u", id) < 0)
		return NULL;
	return out;
}

static char *fmt_duration(unsigned long long secs, bool days_dash)
{
	char *out = NULL;
	unsigned long long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, sc = secs % 60;
	int r;

	if (days_dash) /* etime: [[dd-]hh:]mm:ss */
		r = d ? asprintf(&out, "%llu-%02llu:%02llu:%02llu", d, h, m, sc)
		      : h ? asprintf(&out, "%02llu:%02llu:%02llu", h, m, sc)
			  : asprintf(&out, "%02llu:%02llu", m, sc);
	else /* time: [dd-]hh:mm:ss */
		r = d ? asprintf(&out, "%llu-%02llu:%02llu:%02llu", d, h, m, sc)
		      : asprintf(&out, "%02llu:%02llu:%02llu", h, m, sc);
	return r < 0 ? NULL : out;
}

static char *tty_name(long tty_nr)
{
	char *out = NULL;
	unsigned maj = (unsigned)((tty_nr >> 8) & 0xfff);
	unsigned min = (unsigned)((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));

	if (tty_nr == 0)
		return strdup("?");
	if (maj >= 136 && maj <= 143)
		return asprintf(&out, "pts/%u", (maj - 136) * 256 + min) < 0 ? NULL : out;
	if (maj == 4)
		return asprintf(&out, "tty%u", min) < 0 ? NULL : out;
	if (maj == 5 && min == 1)
		return strdup("console");
	return asprintf(&out, "%u:%u", maj, min) < 0 ? NULL : out;
}

static char *cell(int d, const struct proc_info *pi, const char *passwd, const char *group,
		  double uptime, long hz)
{
	char *out = NULL;
	double age = uptime - (double)pi->start / (double)hz;
	unsigned long long cpu = (pi->utime + pi->stime) / (unsigned long long)hz;
	int r = 0;

	if (age < 0)
		age = 0;
	switch (d) {
	case 0: return id_name(passwd, pi->uid);
	case 1: r = asprintf(&out, "%ld", pi->nspid); break;
	case 2: r = asprintf(&out, "%ld", pi->nsppid); break;
	case 3:
		r = asprintf(&out, "%.3f",
			     age > 0 ? 100.0 * (double)(pi->utime + pi->stime) / (double)hz / age : 0.0);
		break;
	case 4: return fmt_duration((unsigned long long)age, true);
	case 5: return tty_name(pi->tty_nr);
	case 6: return fmt_duration(cpu, false);
	case 7: return strdup(pi->args ? pi->args : pi->comm);
	case 8: return strdup(pi->comm);
	case 9: return id_name(group, pi->gid);
	case 10: r = asprintf(&out, "%ld", pi->nice); break;
	case 11: r = asprintf(&out, "%ld", pi->pgrp); break;
	case 12: r = asprintf(&out, "%llu", pi->vsize / 1024); break;
	case 13: r = asprintf(&out, "%ld", pi->rss * (sysconf(_SC_PAGESIZE) / 1024)); break;
	case 14: r = asprintf(&out, "%c", pi->state); break;
	case 15: r = asprintf(&out, "%d", (int)pi->hpid); break;
	case 16: r = asprintf(&out, "%u", pi->huid); break;
	default: return strdup("?");
	}
	return r < 0 ? NULL : out;
}

void ctr_top_free(char ***rows)
{
	if (!rows)
		return;
	for (size_t i = 0; rows[i]; i++) {
		for (size_t j = 0; rows[i][j]; j++)
			free(rows[i][j]);
		free(rows[i]);
	}
	free(rows);
}

static bool same_ns(pid_t pid, const char *want)
{
	char p[64], buf[128];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static int cmp_pi(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;

	return (x->nspid > y->nspid) - (x->nspid < y->nspid);
}

int ctr_top(struct berth_ctx *ctx, struct store *s, const char *ref, char *const *descs,
	    char ****ret_rows, size_t *ret_cols, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_free_ char *passwd = NULL, *group = NULL, *up = NULL;
	_cleanup_free_ struct proc_info *procs = NULL;
	size_t np = 0, cap = 0, ncols = 0;
	int idx[64];
	char want[128], p[64];
	double uptime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	char ***rows = NULL;
	int r = ctr_get(ctx, s, ref, &c, err);

	if (r < 0)
		return r;
	if (strcmp(c->state, "running") != 0)
		return berr(err, EINVAL, "top can only be used on running containers: container "
				      "state improper");
	const char *const *list = descs && descs[0] ? (const char *const *)descs : default_descs;
	for (; list[ncols]; ncols++) {
		if (ncols >= ELEMENTSOF(idx))
			return berr(err, EINVAL, "too many format descriptors");
		idx[ncols] = ctr_top_valid(list[ncols]);
		if (idx[ncols] < 0)
			return berr(err, EINVAL, "unknown descriptor: %s", list[ncols]);
	}
	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)c->pid);
	ssize_t n = readlink(p, want, sizeof(want) - 1);
	if (n < 0)
		return berr_errno(err, errno, "container %s: read its pid namespace", c->name);
	want[n] = '\0';
	if (read_file_at(AT_FDCWD, "/proc/uptime", 4096, &up, NULL, NULL) == 0)
		uptime = strtod(up, NULL);
	passwd = read_in_root(c->pid, "/etc/passwd");
	group = read_in_root(c->pid, "/etc/group");

	DIR *d = opendir("/proc");
	if (!d)
		return berr_errno(err, errno, "open /proc");
	for (struct dirent *de; (de = readdir(d));) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (!same_ns(pid, want))
			continue;
		if (np == cap) {
			cap = cap ? cap * 2 : 16;
			struct proc_info *nv = realloc(procs, cap * sizeof(*procs));
			if (!nv) {
				closedir(d);
				r = berr(err, ENOMEM, "out of memory");
				goto out;
			}
			procs = nv;
		}
		if (load_proc(pid, &procs[np]) == 0)
			np++;
	}
	closedir(d);
	/* parents as seen inside */
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < np; j++)
			if (procs[j].hpid == procs[i].ppid)
				procs[i].nsppid = procs[j].nspid;
	qsort(procs, np, sizeof(*procs), cmp_pi);

	rows = calloc(np + 2, sizeof(*rows));
	if (!rows) {
		r = berr(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i <= np; i++) {
		rows[i] = calloc(ncols + 1, sizeof(char *));
		if (!rows[i]) {
			r = berr(err, ENOMEM, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < ncols; j++) {
			rows[i][j] = i == 0 ? strdup(descriptors[idx[j]].header)
					    : cell(idx[j], &procs[i - 1], passwd, group, uptime, hz);
			if (!rows[i][j]) {
				r = berr(err, ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	*ret_rows = TAKE_PTR(rows);
	*ret_cols = ncols;
	r = 0;
out:
	for (size_t i = 0; i < np; i++)
		free(procs[i].args);
	ctr_top_free(rows);
	return r;
}
