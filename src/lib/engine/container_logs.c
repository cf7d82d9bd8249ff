/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_logs.c - reading k8s-file logs (see container_logs.h).
 *
 * The file is consumed as records; partial ("P") records are printed without a newline and
 * the line ends with the next "F" record, so output is byte-identical to what the container
 * wrote. --tail counts whole lines from the end, which needs the whole file in view: the first
 * pass reads it all (bounded by CTR_LOGS_READ_MAX), later passes only what was appended.
 */
#include "engine/container_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container_log.h"
#include "util/fileio.h"
#include "util/macro.h"

#define CTR_LOGS_READ_MAX (1ull << 30)

struct reader {
	const struct ctr_logs_opts *o;
	int out_fd, err_fd;
	char *pending; /* an incomplete last line of the file */
	size_t pending_len;
	bool mid_line[2];
};

static void emit_record(struct reader *rd, const struct ctr_log_record *r, const char *ts,
			size_t ts_len)
{
	int fd = r->is_stderr ? rd->err_fd : rd->out_fd;
	bool *mid = &rd->mid_line[r->is_stderr];

	if (rd->o->since_ns && r->time_ns < rd->o->since_ns)
		return;
	if (rd->o->until_ns && r->time_ns > rd->o->until_ns)
		return;
	if (!*mid) {
		if (rd->o->prefix)
			write_all(fd, rd->o->prefix, strlen(rd->o->prefix));
		if (rd->o->timestamps) {
			write_all(fd, ts, ts_len);
			write_all(fd, " ", 1);
		}
	}
	write_all(fd, r->body, r->body_len);
	if (!r->partial)
		write_all(fd, "\n", 1);
	*mid = r->partial;
}

/* start_of_tail() - offset in @buf where the last @n full lines begin. */
static size_t start_of_tail(const char *buf, size_t len, long n)
{
	size_t pos = len;
	long lines = 0;

	if (n < 0)
		return 0;
	if (n == 0)
		return len;
	/* Walk records backwards; an F record ends a line. */
	while (pos > 0) {
		size_t end = pos - 1, start;
		struct ctr_log_record r;

		if (buf[end] == '\n' && end > 0)
			end--;
		start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (ctr_log_parse_record(buf + start, end + 1 - start, &r) == 0 && !r.partial) {
			if (lines == n)
				return pos;
			lines++;
		}
		pos = start;
	}
	return 0;
}

static void consume(struct reader *rd, const char *buf, size_t len, bool first, bool final)
{
	size_t off = first ? start_of_tail(buf, len, rd->o->tail) : 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		struct ctr_log_record r;
		size_t l;

		if (!nl && !final)
			break;
		l = nl ? (size_t)(nl - (buf + off)) : len - off;
		if (ctr_log_parse_record(buf + off, l, &r) == 0) {
			const char *sp = memchr(buf + off, ' ', l);
			emit_record(rd, &r, buf + off, sp ? (size_t)(sp - (buf + off)) : 0);
		}
		off += l + (nl ? 1 : 0);
	}
	free(rd->pending);
	rd->pending = NULL;
	rd->pending_len = 0;
	if (off < len) {
		rd->pending = malloc(len - off);
		if (rd->pending) {
			memcpy(rd->pending, buf + off, len - off);
			rd->pending_len = len - off;
		}
	}
}

/* feed() - read what @fd has beyond its offset and print the complete records. */
static int feed(struct reader *rd, int fd, bool first, bool final)
{
	_cleanup_free_ char *data = NULL, *joined = NULL;
	size_t len = 0;
	int r = read_fd_all(fd, CTR_LOGS_READ_MAX, &data, &len, NULL);

	if (r < 0)
		return r;
	if (rd->pending_len) {
		joined = malloc(rd->pending_len + len + 1);
		if (!joined)
			return -ENOMEM;
		memcpy(joined, rd->pending, rd->pending_len);
		memcpy(joined + rd->pending_len, data, len);
		len += rd->pending_len;
		consume(rd, joined, len, first, final);
	} else {
		consume(rd, data, len, first, final);
	}
	return 0;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/*
 * read_generations() - after a rotation: the files kept between @held (finished) and @cur, in
 * order (container_log_gen.c). The one @held is found by its inode; when it was not kept (no
 * follower was seen when it rotated, or the writer's cap dropped it) every kept one is newer.
 */
static void read_generations(struct reader *rd, const char *path, int held, int cur)
{
	_cleanup_free_ uint64_t *seqs = NULL;
	size_t n = 0, start = 0;
	struct stat hs, st;

	if (ctr_log_gen_list(path, &seqs, &n) < 0 || fstat(held, &hs) < 0)
		return;
	for (size_t i = n; i-- > 0;) {
		_cleanup_free_ char *name = ctr_log_gen_name(path, seqs[i]);
		if (name && stat(name, &st) == 0 && st.st_ino == hs.st_ino && st.st_dev == hs.st_dev) {
			start = i + 1;
			break;
		}
	}
	for (size_t i = start; i < n; i++) {
		_cleanup_free_ char *name = ctr_log_gen_name(path, seqs[i]);
		_cleanup_close_ int fd = name ? open(name, O_RDONLY | O_CLOEXEC) : -1;

		if (fd < 0)
			continue; /* dropped by the writer's cap meanwhile */
		if (same_file(fd, cur))
			break;
		feed(rd, fd, false, true);
	}
}

/* follow_step() - print what was appended to *@fd, and move on to newer files after rotations */
static void follow_step(struct reader *rd, const char *path, int *fd, bool *first)
{
	_cleanup_close_ int cur = open(path, O_RDONLY | O_CLOEXEC);

	if (*fd >= 0)
		feed(rd, *fd, *first, false);
	if (cur < 0 || same_file(cur, *fd))
		return;
	if (*fd >= 0) {
		/* rotated: finish our file (an open fd outlives its names), then the ones between */
		feed(rd, *fd, *first, true);
		read_generations(rd, path, *fd, cur);
		close(*fd);
	}
	*fd = TAKE_FD(cur);
	feed(rd, *fd, *first, false);
}

/*
 * drop_generations() - the container stopped, so no writer will drop the kept files: the last
 * follower out removes them (its shared lock turned exclusive proves it is the last).
 */
static void drop_generations(const char *path, int lock)
{
	_cleanup_free_ uint64_t *seqs = NULL;
	size_t n = 0;

	if (flock(lock, LOCK_EX | LOCK_NB) < 0 || ctr_log_gen_list(path, &seqs, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *name = ctr_log_gen_name(path, seqs[i]);
		if (name)
			unlink(name);
	}
}

/* watch() - an inotify fd that becomes readable when the log's directory changes, or -1 */
static int watch(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (in < 0)
		return -1;
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (inotify_add_watch(in, slash ? dir : ".", IN_MODIFY | IN_MOVED_TO | IN_CREATE) < 0) {
		close(in);
		return -1;
	}
	return in;
}

int ctr_logs_print(const char *path, const struct ctr_logs_opts *opts, int out_fd, int err_fd,
		   berth_error *err)
{
	struct reader rd = { .o = opts, .out_fd = out_fd, .err_fd = err_fd };
	/* announced before the first open: every file from there on is kept until read */
	_cleanup_close_ int lock = opts->follow ? ctr_log_follow_lock(path) : -1;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC), in = -1;
	bool first = true;

	if (fd < 0 && errno != ENOENT)
		return berr_errno(err, errno, "open container log %s", path);
	if (fd >= 0) {
		feed(&rd, fd, true, !opts->follow);
		first = false;
	}
	if (opts->follow)
		in = watch(path);
	while (opts->follow) {
		bool running = opts->still_running && opts->still_running(opts->userdata);
		struct pollfd p = { .fd = in, .events = POLLIN };
		char ev[4096];

		follow_step(&rd, path, &fd, &first);
		if (!running) {
			/* a last look: the exit may have come after a rotation */
			follow_step(&rd, path, &fd, &first);
			if (fd >= 0)
				feed(&rd, fd, false, true);
			break;
		}
		if (fd >= 0)
			first = false;
		if (poll(&p, in >= 0 ? 1 : 0, 100) > 0)
			while (read(in, ev, sizeof(ev)) > 0)
				;
	}
	free(rd.pending);
	if (lock >= 0 && !(opts->still_running && opts->still_running(opts->userdata)))
		drop_generations(path, lock);
	return 0;
}
