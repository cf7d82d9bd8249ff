/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_layers.c - [heavy] `system check`'s look at unpacked layers: the regular files under
 * each layer's diff/ must add up to the content size recorded when the layer was unpacked
 * (each inode counted once, as hardlinks share their data). A file removed, truncated, grown
 * or added after unpacking shows; a change that keeps every size does not (that would take
 * re-reading every file against a per-file manifest, which the store does not keep).
 * Rootless layers hold files of subordinate owners that the user cannot always read from
 * outside: the walk then runs in the store's user namespace, as unpacking did.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store.h"
#include "util/macro.h"
#include "util/userns.h"

#define WALK_MAX_DEPTH 512

struct inodes {
	ino_t *v;
	size_t n, cap;
};

/* seen_before() - whether a hardlinked inode was counted already (else remember it) */
static int seen_before(struct inodes *s, ino_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return 1;
	if (s->n == s->cap) {
		ino_t *nv = realloc(s->v, (s->cap = s->cap ? s->cap * 2 : 64) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
	}
	s->v[s->n++] = ino;
	return 0;
}

static int walk(int dfd, int depth, struct inodes *seen, uint64_t *sum)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > WALK_MAX_DEPTH)
		return -ELOOP;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while (r >= 0 && (de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = sub < 0 ? -errno : walk(sub, depth + 1, seen, sum);
		} else if (S_ISREG(st.st_mode)) {
			int again = st.st_nlink > 1 ? seen_before(seen, st.st_ino) : 0;
			if (again < 0)
				r = again;
			else if (!again)
				*sum += (uint64_t)st.st_size;
		}
	}
	closedir(d);
	return r;
}

struct sizes_job {
	int rootfd;
	char *const *paths; /* relative to the store root */
	size_t n;
	uint64_t *sizes; /* MAP_SHARED when run in the user namespace */
};

static int sizes_run(void *data, berth_error *err)
{
	struct sizes_job *j = data;

	(void)err;
	for (size_t i = 0; i < j->n; i++) {
		struct inodes seen = { 0 };
		uint64_t sum = 0;
		int fd;

		fd = openat(j->rootfd, j->paths[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		j->sizes[i] = fd >= 0 && walk(fd, 0, &seen, &sum) >= 0 ? sum : STORE_LAYER_SIZE_UNKNOWN;
		free(seen.v);
	}
	return 0;
}

/* The paths FMT % name for each of @names, relative to the store root (NULL-terminated). */
static char **paths_of(const char *fmt, char *const *names, size_t n)
{
	char **paths = calloc(n + 1, sizeof(char *));

	for (size_t i = 0; paths && i < n; i++)
		if (asprintf(&paths[i], fmt, names[i]) < 0) {
			paths[i] = NULL;
			strv_free(paths);
			return NULL;
		}
	return paths;
}

int store_content_sizes(struct store *s, const char *fmt, char *const *names, size_t n,
			uint64_t *ret, berth_error *err)
{
	_cleanup_strv_free_ char **paths = paths_of(fmt, names, n);
	struct sizes_job j = { store_root_fd(s), paths, n, ret };
	struct userns_mapping m;
	int r;

	if (!paths)
		return berr(err, ENOMEM, "out of memory");
	if (n == 0)
		return 0;
	if (!store_is_rootless(s))
		return sizes_run(&j, err);
	r = store_idmap(s, &m, err);
	if (r < 0)
		return r;
	j.sizes = mmap(NULL, n * sizeof(*ret), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (j.sizes == MAP_FAILED)
		return berr_errno(err, errno, "map shared memory");
	r = userns_run(&m, sizes_run, &j, err);
	if (r >= 0)
		memcpy(ret, j.sizes, n * sizeof(*ret));
	munmap(j.sizes, n * sizeof(*ret));
	return r;
}
