/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_log.c - writing and parsing k8s-file logs (see container_log.h).
 *
 * The writer formats a whole chunk into one buffer and writes it with a single write(2) so a
 * concurrent reader never sees half a record header; rotation keeps the full file as "<path>.1"
 * (and as "<path>.g<N>" while a follower is announced, container_log_gen.c), opens
 * "<path>.new" and renames it over <path>: followers holding the old fd finish it, then read
 * the generations after it (container_logs.c).
 */
#include "engine/container_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

struct ctr_log_writer {
	int fd;
	char *path;
	uint64_t max_size;
	uint64_t size;
	uint64_t gen;	 /* the last generation kept for followers */
	uint64_t gen_lo; /* the oldest one still kept; 0: none */
	uint64_t keep_max;
};

/* Generations kept for a follower that fell behind: about 64 MiB of output, 8 to 1024 files. */
#define CTR_LOG_KEEP_BYTES (64u << 20)

static int open_log(const char *path, uint64_t *ret_size)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_size = (uint64_t)st.st_size;
	return fd;
}

int ctr_log_writer_open(const char *path, uint64_t max_size, struct ctr_log_writer **ret,
			berth_error *err)
{
	struct ctr_log_writer *w = calloc(1, sizeof(*w));
	int fd;

	if (!w || !(w->path = strdup(path))) {
		free(w);
		return berr(err, ENOMEM, "out of memory");
	}
	fd = open_log(path, &w->size);
	if (fd < 0) {
		free(w->path);
		free(w);
		return berr_errno(err, -fd, "open container log %s", path);
	}
	w->fd = fd;
	w->max_size = max_size;
	w->keep_max = max_size ? CTR_LOG_KEEP_BYTES / max_size : 0;
	w->keep_max = w->keep_max < 8 ? 8 : w->keep_max > 1024 ? 1024 : w->keep_max;
	/* generations left by an earlier run of the container: numbered on, dropped when unused */
	_cleanup_free_ uint64_t *seqs = NULL;
	size_t n = 0;
	if (max_size && ctr_log_gen_list(path, &seqs, &n) == 0 && n) {
		w->gen_lo = seqs[0];
		w->gen = seqs[n - 1];
	}
	*ret = w;
	return 0;
}

void ctr_log_writer_close(struct ctr_log_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w);
}

void ctr_log_format_time(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char date[32];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", date, frac);
}

static int64_t now_ns_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void unlink_generation(struct ctr_log_writer *w, uint64_t seq)
{
	_cleanup_free_ char *name = ctr_log_gen_name(w->path, seq);

	if (name)
		unlink(name);
}

/*
 * keep_generation() - before the full file is replaced: keep it as the next generation while
 * someone follows, else drop the kept ones (container_log_gen.c). Done before the rename, so
 * a follower that sees the new file also sees the generation of the one it held.
 */
static void keep_generation(struct ctr_log_writer *w)
{
	_cleanup_free_ char *name = NULL;

	if (!ctr_log_followed(w->path)) {
		for (; w->gen_lo && w->gen_lo <= w->gen; w->gen_lo++)
			unlink_generation(w, w->gen_lo);
		w->gen_lo = 0;
		return;
	}
	name = ctr_log_gen_name(w->path, w->gen + 1);
	if (!name || link(w->path, name) < 0)
		return;
	w->gen++;
	if (!w->gen_lo)
		w->gen_lo = w->gen;
	while (w->gen - w->gen_lo >= w->keep_max)
		unlink_generation(w, w->gen_lo++);
}

/*
 * rotate() - start an empty file; the full one stays as "<path>.1" (the one before it is
 * dropped, as conmon drops old output) and, while someone follows, as the next generation.
 */
static int rotate(struct ctr_log_writer *w)
{
	_cleanup_free_ char *tmp = NULL, *prev = NULL, *prev_tmp = NULL;
	uint64_t size;
	int fd;

	if (asprintf(&tmp, "%s.new", w->path) < 0 || asprintf(&prev, "%s.1", w->path) < 0 ||
	    asprintf(&prev_tmp, "%s.1.new", w->path) < 0)
		return -ENOMEM;
	unlink(tmp);
	unlink(prev_tmp);
	keep_generation(w);
	if (link(w->path, prev_tmp) < 0 || rename(prev_tmp, prev) < 0) {
		int r = -errno;
		unlink(prev_tmp);
		return r;
	}
	fd = open_log(tmp, &size);
	if (fd < 0)
		return fd;
	if (rename(tmp, w->path) < 0) {
		int r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	close(w->fd);
	w->fd = fd;
	w->size = 0;
	return 0;
}

int ctr_log_write(struct ctr_log_writer *w, const char *stream, const char *data, size_t len,
		  int64_t now_ns)
{
	_cleanup_free_ char *buf = NULL;
	char ts[48];
	size_t hdr, cap, used = 0;
	int r;

	if (len == 0)
		return 0;
	ctr_log_format_time(now_ns ? now_ns : now_ns_real(), ts, sizeof(ts));
	hdr = strlen(ts) + 1 + strlen(stream) + 3;
	/* Worst case: every byte a newline, each becoming a record. */
	cap = len + (len + 1) * (hdr + 1) + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t body = end - off;
		bool partial = !nl;

		if (body > CTR_LOG_LINE_MAX) {
			body = CTR_LOG_LINE_MAX;
			partial = true;
		}
		used += (size_t)sprintf(buf + used, "%s %s %c ", ts, stream, partial ? 'P' : 'F');
		memcpy(buf + used, data + off, body);
		used += body;
		buf[used++] = '\n';
		off += body + (partial ? 0 : 1);
	}
	if (w->max_size && w->size > 0 && w->size + used > w->max_size) {
		r = rotate(w);
		if (r < 0)
			return r;
	}
	r = write_all(w->fd, buf, used);
	if (r < 0)
		return r;
	w->size += used;
	return 0;
}

static int parse_digits(const char *s, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

int ctr_log_parse_time(const char *s, size_t len, int64_t *ret_ns)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	int64_t frac = 0, scale = 100000000;
	size_t i = 19;
	struct tm tm = { 0 };
	time_t t;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (parse_digits(s, 4, &Y) < 0 || parse_digits(s + 5, 2, &M) < 0 ||
	    parse_digits(s + 8, 2, &D) < 0 || parse_digits(s + 11, 2, &h) < 0 ||
	    parse_digits(s + 14, 2, &m) < 0 || parse_digits(s + 17, 2, &sec) < 0)
		return -EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i >= len)
		return -EINVAL;
	if (s[i] == 'Z') {
		i++;
	} else if ((s[i] == '+' || s[i] == '-') && len - i >= 6 && s[i + 3] == ':') {
		if (parse_digits(s + i + 1, 2, &oh) < 0 || parse_digits(s + i + 4, 2, &om) < 0)
			return -EINVAL;
		if (s[i] == '-') {
			oh = -oh;
			om = -om;
		}
		i += 6;
	} else {
		return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	t = timegm(&tm);
	t -= oh * 3600 + om * 60;
	*ret_ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

int ctr_log_parse_record(const char *line, size_t len, struct ctr_log_record *ret)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *rest;
	struct ctr_log_record rec = { 0 };
	size_t left;

	if (!sp1 || ctr_log_parse_time(line, (size_t)(sp1 - line), &rec.time_ns) < 0)
		return -EINVAL;
	rest = sp1 + 1;
	left = len - (size_t)(rest - line);
	sp2 = memchr(rest, ' ', left);
	if (!sp2)
		return -EINVAL;
	if ((size_t)(sp2 - rest) == 6 && memcmp(rest, "stdout", 6) == 0)
		rec.is_stderr = false;
	else if ((size_t)(sp2 - rest) == 6 && memcmp(rest, "stderr", 6) == 0)
		rec.is_stderr = true;
	else
		return -EINVAL;
	rest = sp2 + 1;
	left = len - (size_t)(rest - line);
	if (left < 1 || (rest[0] != 'F' && rest[0] != 'P') || (left > 1 && rest[1] != ' '))
		return -EINVAL;
	rec.partial = rest[0] == 'P';
	rec.body = left > 1 ? rest + 2 : rest + 1;
	rec.body_len = left > 1 ? left - 2 : 0;
	*ret = rec;
	return 0;
}
