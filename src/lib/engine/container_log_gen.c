/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_log_gen.c - rotated log generations kept for followers (see container_log.h).
 *
 * A follower holds a shared flock on "<path>.follow" for as long as it follows. At each
 * rotation the writer tries that lock exclusively: when it cannot, someone follows, and the
 * file being rotated out is kept as "<path>.g<N>" (N counting up) before the fresh file is
 * renamed over <path>; when nobody follows, the kept generations are removed. A follower that
 * finds a new <path> has thus every file between the one it holds (found among the kept ones by
 * its inode) and the new one, in order, however many rotations it slept through.
 */
#include "engine/container_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/macro.h"

char *ctr_log_gen_name(const char *path, uint64_t seq)
{
	char *s;

	return asprintf(&s, "%s.g%llu", path, (unsigned long long)seq) < 0 ? NULL : s;
}

static char *follow_lock_path(const char *path)
{
	char *s;

	return asprintf(&s, "%s.follow", path) < 0 ? NULL : s;
}

int ctr_log_follow_lock(const char *path)
{
	_cleanup_free_ char *lock = follow_lock_path(path);
	int fd = lock ? open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;

	if (fd >= 0 && flock(fd, LOCK_SH) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool ctr_log_followed(const char *path)
{
	_cleanup_free_ char *lock = follow_lock_path(path);
	_cleanup_close_ int fd = lock ? open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;

	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(fd, LOCK_UN);
	return false;
}

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ctr_log_gen_list(const char *path, uint64_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	const char *base = slash ? path + (slash - dir) + 1 : path;
	size_t blen = strlen(base), n = 0, cap = 0;
	_cleanup_free_ uint64_t *seqs = NULL;
	DIR *d;
	struct dirent *de;

	if (!dir)
		return -ENOMEM;
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	d = opendir(slash ? dir : ".");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		char *end;
		unsigned long long v;

		if (strncmp(s, base, blen) != 0 || strncmp(s + blen, ".g", 2) != 0 ||
		    s[blen + 2] < '0' || s[blen + 2] > '9')
			continue;
		v = strtoull(s + blen + 2, &end, 10);
		if (*end)
			continue;
		if (n == cap) {
			uint64_t *nv = realloc(seqs, (cap = cap ? cap * 2 : 16) * sizeof(*seqs));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			seqs = nv;
		}
		seqs[n++] = v;
	}
	closedir(d);
	if (n)
		qsort(seqs, n, sizeof(*seqs), cmp_seq);
	*ret = TAKE_PTR(seqs);
	*ret_n = n;
	return 0;
}
