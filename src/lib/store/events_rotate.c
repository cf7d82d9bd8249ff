/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events_rotate.c - keep the events log under containers.conf's events_logfile_max_size, as
 * podman does: when the next line would reach the limit, the older half of the file is dropped
 * (from the first line boundary after the middle) and the rest replaces it atomically.
 */
#include "store/events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/containers_conf.h"
#include "util/fileio.h"
#include "util/macro.h"

int64_t store_events_max_size(void)
{
	const struct containers_conf *c;

	/* podman's default "1m", also when the config cannot be read */
	return containers_conf_get(&c, NULL) == 0 ? c->events_logfile_max_size : 1000000;
}

bool store_events_disabled(void)
{
	const struct containers_conf *c;

	return containers_conf_get(&c, NULL) == 0 && strcmp(c->events_logger, "none") == 0;
}

int store_events_rotate(int dirfd, size_t incoming, int64_t limit, berth_error *err)
{
	_cleanup_close_ int in = -1, out = -1;
	char buf[65536];
	bool at_line = false;
	struct stat st;
	ssize_t n;

	if (limit <= 0)
		return 0;
	in = openat(dirfd, "events.log", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return errno == ENOENT ? 0 : berr_errno(err, errno, "open the events log");
	if (fstat(in, &st) < 0)
		return berr_errno(err, errno, "stat the events log");
	if ((uint64_t)st.st_size + incoming < (uint64_t)limit)
		return 0;
	if (lseek(in, st.st_size / 2, SEEK_SET) < 0)
		return berr_errno(err, errno, "seek in the events log");
	out = openat(dirfd, "events.log.rotate", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		     0600);
	if (out < 0)
		return berr_errno(err, errno, "create events.log.rotate");
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;
		size_t len = (size_t)n;
		if (!at_line) {
			/* The line cut in the middle is dropped whole. */
			char *nl = memchr(buf, '\n', len);
			if (!nl)
				continue;
			at_line = true;
			len -= (size_t)(nl + 1 - buf);
			p = nl + 1;
		}
		if (write_all(out, p, len) < 0)
			goto fail;
	}
	if (n < 0 || renameat(dirfd, "events.log.rotate", dirfd, "events.log") < 0)
		goto fail;
	return 1;
fail:
	n = -errno;
	unlinkat(dirfd, "events.log.rotate", 0);
	return berr_errno(err, (int)-n, "rotate the events log");
}
