/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.c - the events log (see events.h). Writers build the line with jansson and append it
 * with one write() on an O_APPEND fd, so concurrent writers never interleave inside a line.
 * Readers read whole lines; a partial last line (a writer in the middle of its write, or a
 * crash) is left for later / skipped.
 */
#include "store/events.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store-time.h"
#include "util/fileio.h"
#include "util/macro.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The event as one JSON line ending in '\n' (*ret_len counts it). */
static int event_line(const struct store_event *ev, char **ret, size_t *ret_len, berth_error *err)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	char ts[48], *line;
	int64_t t = now_ns();
	size_t len;

	if (!o)
		return berr(err, ENOMEM, "out of memory");
	store_time_format(t, ts, sizeof(ts));
	if (ev->id)
		json_object_set_new(o, "ID", json_string(ev->id));
	if (ev->image)
		json_object_set_new(o, "Image", json_string(ev->image));
	if (ev->name)
		json_object_set_new(o, "Name", json_string(ev->name));
	json_object_set_new(o, "Status", json_string(ev->action));
	json_object_set_new(o, "Time", json_string(ts));
	json_object_set_new(o, "Type", json_string(ev->type));
	json_object_set_new(o, "time", json_integer(t / 1000000000LL));
	json_object_set_new(o, "timeNano", json_integer(t));
	if (ev->attributes && json_object_size(ev->attributes) > 0)
		json_object_set(o, "Attributes", ev->attributes);
	line = json_dumps(o, JSON_COMPACT);
	if (!line)
		return berr(err, ENOMEM, "out of memory");
	len = strlen(line);
	if (len + 1 > STORE_EVENT_MAX_LINE) {
		free(line);
		return berr(err, E2BIG, "event %s %s is too large to log", ev->type, ev->action);
	}
	line[len] = '\n'; /* json_dumps left room: its NUL becomes the newline */
	*ret = line;
	*ret_len = len + 1;
	return 0;
}

static int append_line(int dirfd, const char *path, const char *line, size_t len, berth_error *err)
{
	_cleanup_close_ int fd =
	    openat(dirfd, "events.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "open events log %s", path);
	r = write_all(fd, line, len);
	if (r < 0)
		return berr_errno(err, -r, "write events log %s", path);
	return 0;
}

int store_event_emit(const char *runroot, const struct store_event *ev, berth_error *err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *line = NULL, *rline = NULL;
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	size_t len, rlen;
	int r;

	if (store_events_disabled())
		return 0;
	r = event_line(ev, &line, &len, err);
	if (r < 0)
		return r;
	if (asprintf(&dir, "%s/events", runroot) < 0 || asprintf(&path, "%s/events.log", dir) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berr_errno(err, errno, "open %s", dir);
	/* Writers hold the lock so that none appends to a file a rotation is replacing. */
	lockfd = openat(dirfd, "events.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return berr_errno(err, errno, "lock the events log %s", path);
	r = store_events_rotate(dirfd, len, store_events_max_size(), err);
	if (r < 0)
		return r;
	if (r > 0) {
		/* podman marks a rotation with a system event naming the file. */
		struct store_event rot = { .type = "system", .action = "log-rotation", .name = path };
		if (event_line(&rot, &rline, &rlen, NULL) == 0)
			(void)append_line(dirfd, path, rline, rlen, NULL);
	}
	return append_line(dirfd, path, line, len, err);
}

/* Calls @cb for every complete line in @buf[0..len); returns bytes consumed, or <0 / >0 stop. */
static int scan_lines(char *buf, size_t len, size_t *consumed, int64_t since, int64_t until,
		      int64_t *last, store_event_cb cb, void *userdata)
{
	size_t off = 0;

	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		json_t *ev;
		int r = 0;

		if (!nl)
			break;
		*nl = '\0';
		ev = json_loads(buf + off, 0, NULL);
		off = (size_t)(nl - buf) + 1;
		if (!ev)
			continue;
		json_int_t t = json_integer_value(json_object_get(ev, "timeNano"));
		if (t > *last)
			*last = t;
		if (t >= since && (until <= 0 || t <= until))
			r = cb(ev, userdata);
		json_decref(ev);
		if (r != 0) {
			*consumed = off;
			return r;
		}
	}
	*consumed = off;
	return 0;
}

int store_events_read(const char *runroot, int64_t since_ns, int64_t until_ns, bool follow,
		      store_event_cb cb, void *userdata, berth_error *err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1, ino = -1;
	size_t have = 0, cap = 1u << 16;
	int64_t last = 0;
	int r;

	if (asprintf(&dir, "%s/events", runroot) < 0 || asprintf(&path, "%s/events.log", dir) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (follow) {
		r = mkdir_p(dir, 0700, err);
		if (r < 0)
			return r;
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino < 0 || inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
			return berr_errno(err, errno, "watch %s", dir);
	}
	buf = malloc(cap);
	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		if (fd < 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 && errno != ENOENT)
				return berr_errno(err, errno, "open events log %s", path);
		}
		if (fd >= 0) {
			for (;;) {
				ssize_t n;
				size_t used;
				if (cap - have < 4096) {
					if (cap >= 2 * STORE_EVENT_MAX_LINE) {
						/* A line longer than any writer makes: drop it. */
						have = 0;
					} else {
						char *nb = realloc(buf, cap * 2);
						if (!nb)
							return berr(err, ENOMEM, "out of memory");
						buf = nb;
						cap *= 2;
					}
				}
				n = read(fd, buf + have, cap - have);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					return berr_errno(err, errno, "read events log %s", path);
				if (n == 0) {
					/* Rotated (renamed over): go on in the new file. */
					struct stat a, b;
					if (follow && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
					    a.st_ino != b.st_ino) {
						close(fd);
						fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
						have = 0;
						/* The kept half was read already. */
						since_ns = last + 1 > since_ns ? last + 1 : since_ns;
						if (fd >= 0)
							continue;
					}
					break;
				}
				have += (size_t)n;
				r = scan_lines(buf, have, &used, since_ns, until_ns, &last, cb, userdata);
				if (r < 0)
					return r;
				if (r > 0)
					return 0;
				memmove(buf, buf + used, have - used);
				have -= used;
			}
		}
		if (!follow)
			return 0;
		if (until_ns > 0 && now_ns() > until_ns)
			return 0;
		struct pollfd p = { .fd = ino, .events = POLLIN };
		int timeout = 1000;
		if (until_ns > 0) {
			int64_t left = (until_ns - now_ns()) / 1000000;
			timeout = left < 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
		}
		r = poll(&p, 1, timeout);
		if (r < 0 && errno != EINTR)
			return berr_errno(err, errno, "wait for events");
		if (r > 0) {
			char drain[4096];
			while (read(ino, drain, sizeof(drain)) > 0)
				;
		}
	}
}
