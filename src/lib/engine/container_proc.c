/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/container_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/macro.h"

static int read_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (pid <= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	n = read(fd, buf, size - 1);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	return 0;
}

int ctr_proc_parse_start_time(const char *stat, int64_t *ret)
{
	const char *p = strrchr(stat, ')');
	char *end;
	long long v;

	if (!p)
		return -EINVAL;
	p++;
	/* after the comm: field 3 (state) is the 1st token; field 22 is the 20th */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	errno = 0;
	v = strtoll(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EINVAL;
	*ret = v;
	return 0;
}

int ctr_proc_start_time(pid_t pid, int64_t *ret)
{
	char buf[1024];
	int r = read_stat(pid, buf, sizeof(buf));

	if (r < 0)
		return r;
	return ctr_proc_parse_start_time(buf, ret);
}

bool ctr_proc_alive(pid_t pid, int64_t start)
{
	char buf[1024];
	const char *p;
	int64_t t;

	if (read_stat(pid, buf, sizeof(buf)) < 0)
		return false;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return false;
	if (ctr_proc_parse_start_time(buf, &t) < 0)
		return false;
	return t == start;
}
