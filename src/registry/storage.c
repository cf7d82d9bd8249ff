/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage.c - distribution's filesystem layout, relative to one directory fd:
 *
 *   <root>/docker/registry/v2/
 *     blobs/sha256/<2 hex>/<hex>/data                       content, manifests included
 *     repositories/<name>/_layers/sha256/<hex>/link           "sha256:<hex>": blob is in repo
 *     repositories/<name>/_manifests/revisions/sha256/<hex>/link
 *     repositories/<name>/_manifests/tags/<tag>/current/link
 *     repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
 *     repositories/<name>/_uploads/<uuid>/{data,startedat}
 *
 * Every component put into a path here was checked by names.c first. Files appear atomically
 * (temp file + rename), so a reader never sees half a link, and a blob's data is renamed to its
 * digest path only after the caller verified the digest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/registry.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define P(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf) ? -ENAMETOOLONG : 0)

int reg_mkdirat_p(int dirfd, const char *path)
{
	char buf[PATH_MAX];

	if (P(buf, "%s", path) < 0)
		return -ENAMETOOLONG;
	if (mkdirat(dirfd, buf, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdirat(dirfd, buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdirat(dirfd, buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* mkdir -p of the folder that holds @path. */
static int mkdir_parent(int dirfd, const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (P(buf, "%s", path) < 0)
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return reg_mkdirat_p(dirfd, buf);
}

int reg_write_atomic(int dirfd, const char *path, const void *data, size_t len, bool durable)
{
	static atomic_uint counter;
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	/* Threads of one process write concurrently: the pid alone is not a unique name. */
	if (P(tmp, "%s.tmp-%d-%u", path, (int)gettid(), atomic_fetch_add(&counter, 1)) < 0)
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int reg_store_open(struct reg_store *s, const char *root, bool create, berth_error *err)
{
	_cleanup_free_ char *v2 = NULL;
	int r;

	if (asprintf(&v2, "%s/docker/registry/v2", root) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (create) {
		r = mkdir_p(v2, 0755, err);
		if (r < 0)
			return berr_prefix(err, "storage root %s", root);
	}
	s->v2 = open(v2, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->v2 < 0)
		return berr_errno(err, errno, "storage root %s: open %s (check rootdirectory)", root,
				  v2);
	if (create) {
		(void)mkdirat(s->v2, "blobs", 0755);
		(void)mkdirat(s->v2, "repositories", 0755);
	}
	s->root = strdup(root);
	if (!s->root) {
		close(s->v2);
		return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

void reg_store_close(struct reg_store *s)
{
	if (s->v2 >= 0)
		close(s->v2);
	s->v2 = -1;
	free(s->root);
	s->root = NULL;
	reg_linkcache_free(s->links);
	s->links = NULL;
}

/* ---- blobs ---- */

int reg_blob_open(struct reg_store *s, const char *hex, off_t *ret_size)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (P(path, "blobs/sha256/%.2s/%s/data", hex, hex) < 0)
		return -ENAMETOOLONG;
	fd = openat(s->v2, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (ret_size)
		*ret_size = st.st_size;
	return fd;
}

int reg_blob_stat(struct reg_store *s, const char *hex, struct stat *st)
{
	char path[PATH_MAX];

	if (P(path, "blobs/sha256/%.2s/%s/data", hex, hex) < 0)
		return -ENAMETOOLONG;
	if (fstatat(s->v2, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISREG(st->st_mode) ? 0 : -ENOENT;
}

bool reg_blob_exists(struct reg_store *s, const char *hex, off_t *ret_size)
{
	char path[PATH_MAX];
	struct stat st;

	if (P(path, "blobs/sha256/%.2s/%s/data", hex, hex) < 0)
		return false;
	if (fstatat(s->v2, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (ret_size)
		*ret_size = st.st_size;
	return true;
}

int reg_blob_read(struct reg_store *s, const char *hex, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = reg_blob_open(s, hex, NULL);

	if (fd < 0)
		return fd;
	return read_fd_all(fd, max, ret, ret_len, NULL);
}

int reg_blob_put(struct reg_store *s, const char *hex, const void *data, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int r;

	if (reg_blob_exists(s, hex, NULL))
		return 0;
	if (P(dir, "blobs/sha256/%.2s/%s", hex, hex) < 0 || P(path, "%s/data", dir) < 0)
		return -ENAMETOOLONG;
	r = reg_mkdirat_p(s->v2, dir);
	if (r < 0)
		return r;
	return reg_write_atomic(s->v2, path, data, len, true);
}

int reg_blob_delete_data(struct reg_store *s, const char *hex)
{
	char dir[PATH_MAX];

	if (P(dir, "blobs/sha256/%.2s/%s", hex, hex) < 0)
		return -ENAMETOOLONG;
	return rm_rf_at(s->v2, dir, NULL);
}

/* ---- link files ---- */

static int link_read_disk(struct reg_store *s, const char *path, char hex[65],
			  struct stat *ret_st)
{
	char buf[REG_LINK_MAX];
	_cleanup_close_ int fd = openat(s->v2, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	if (ret_st && fstat(fd, ret_st) < 0)
		return -errno;
	buf[n] = '\0';
	/* distribution writes no newline; tolerate one written by hand. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (!reg_digest_parse(buf, hex))
		return -EBADMSG;
	return 0;
}

int reg_link_read(struct reg_store *s, const char *path, char hex[65])
{
	struct stat before, after;
	int r;

	if (!s->links)
		return link_read_disk(s, path, hex, NULL);
	if (fstatat(s->v2, path, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (reg_linkcache_get(s->links, path, &before, hex))
		return 0;
	r = link_read_disk(s, path, hex, &after);
	/* Unchanged while we read it (same file, same times): what we read is what it holds. */
	if (r == 0 && reg_stat_same(&before, &after))
		reg_linkcache_put(s->links, path, &after, hex);
	return r;
}

/* Forget the cached link @path (with @subtree: every link under the folder @path). */
static void links_forget(struct reg_store *s, const char *path, bool subtree)
{
	if (s->links)
		reg_linkcache_forget(s->links, path, subtree);
}

int reg_link_write(struct reg_store *s, const char *path, const char *hex)
{
	char buf[REG_DIGEST_LEN + 1];
	int r;

	snprintf(buf, sizeof(buf), "sha256:%s", hex);
	links_forget(s, path, false);
	r = mkdir_parent(s->v2, path);
	if (r < 0)
		return r;
	/* Not fsync'd, as distribution does not: the rename keeps a link whole, and a link lost
	 * in a crash only makes a verified blob unreachable, never a wrong one reachable. */
	return reg_write_atomic(s->v2, path, buf, strlen(buf), false);
}

/* ---- repositories ---- */

bool reg_repo_exists(struct reg_store *s, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (P(path, "repositories/%s", name) < 0)
		return false;
	return fstatat(s->v2, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

bool reg_repo_has_layer(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX], got[65];

	if (P(path, "repositories/%s/_layers/sha256/%s/link", name, hex) < 0)
		return false;
	if (reg_link_read(s, path, got) < 0 || strcmp(got, hex) != 0)
		return false;
	return reg_blob_exists(s, hex, NULL);
}

int reg_repo_link_layer(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX], got[65];

	if (P(path, "repositories/%s/_layers/sha256/%s/link", name, hex) < 0)
		return -ENAMETOOLONG;
	if (reg_link_read(s, path, got) == 0 && strcmp(got, hex) == 0)
		return 0;
	return reg_link_write(s, path, hex);
}

int reg_repo_unlink_layer(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX];

	if (P(path, "repositories/%s/_layers/sha256/%s", name, hex) < 0)
		return -ENAMETOOLONG;
	links_forget(s, path, true);
	return rm_rf_at(s->v2, path, NULL);
}

bool reg_repo_links_blob(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX], got[65];

	if (P(path, "repositories/%s/_layers/sha256/%s/link", name, hex) == 0 &&
	    reg_link_read(s, path, got) == 0 && strcmp(got, hex) == 0)
		return true;
	return reg_repo_has_revision(s, name, hex);
}

bool reg_repo_has_revision(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX], got[65];

	if (P(path, "repositories/%s/_manifests/revisions/sha256/%s/link", name, hex) < 0)
		return false;
	return reg_link_read(s, path, got) == 0 && strcmp(got, hex) == 0;
}

int reg_repo_link_revision(struct reg_store *s, const char *name, const char *hex)
{
	char path[PATH_MAX];

	if (P(path, "repositories/%s/_manifests/revisions/sha256/%s/link", name, hex) < 0)
		return -ENAMETOOLONG;
	if (reg_repo_has_revision(s, name, hex))
		return 0;
	return reg_link_write(s, path, hex);
}

int reg_repo_tag_resolve(struct reg_store *s, const char *name, const char *tag, char hex[65])
{
	char path[PATH_MAX];

	if (P(path, "repositories/%s/_manifests/tags/%s/current/link", name, tag) < 0)
		return -ENAMETOOLONG;
	return reg_link_read(s, path, hex);
}

int reg_repo_tag_set(struct reg_store *s, const char *name, const char *tag, const char *hex)
{
	char path[PATH_MAX];
	int r;

	/* The index entry first: distribution's garbage collector reads it. */
	if (P(path, "repositories/%s/_manifests/tags/%s/index/sha256/%s/link", name, tag, hex) < 0)
		return -ENAMETOOLONG;
	r = reg_link_write(s, path, hex);
	if (r < 0)
		return r;
	if (P(path, "repositories/%s/_manifests/tags/%s/current/link", name, tag) < 0)
		return -ENAMETOOLONG;
	return reg_link_write(s, path, hex);
}

int reg_repo_tag_delete(struct reg_store *s, const char *name, const char *tag)
{
	char path[PATH_MAX];

	if (P(path, "repositories/%s/_manifests/tags/%s", name, tag) < 0)
		return -ENAMETOOLONG;
	links_forget(s, path, true);
	return rm_rf_at(s->v2, path, NULL);
}

/* A growable, NULL-terminated string vector. */
struct strvec {
	char **v;
	size_t n, cap;
};

static int strvec_add(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t ncap = sv->cap ? sv->cap * 2 : 16;
		char **nv = realloc(sv->v, ncap * sizeof(char *));
		if (!nv)
			return -ENOMEM;
		sv->v = nv;
		sv->cap = ncap;
	}
	sv->v[sv->n] = strdup(s);
	if (!sv->v[sv->n])
		return -ENOMEM;
	sv->v[++sv->n] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int strvec_finish(struct strvec *sv, char ***ret)
{
	if (!sv->v) {
		sv->v = calloc(1, sizeof(char *));
		if (!sv->v)
			return -ENOMEM;
	}
	qsort(sv->v, sv->n, sizeof(char *), cmp_str);
	*ret = sv->v;
	return 0;
}

static DIR *opendir_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

int reg_repo_tags(struct reg_store *s, const char *name, char ***ret)
{
	char path[PATH_MAX], hex[65];
	struct strvec sv = { 0 };
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (P(path, "repositories/%s/_manifests/tags", name) < 0)
		return -ENAMETOOLONG;
	d = opendir_at(s->v2, path);
	if (!d) {
		int e = errno;
		if (e == ENOENT && reg_repo_exists(s, name))
			return strvec_finish(&sv, ret);
		return -e;
	}
	while ((de = readdir(d))) {
		char link[PATH_MAX];
		if (de->d_name[0] == '.' || !reg_tag_valid(de->d_name))
			continue;
		if (P(link, "%s/%s/current/link", path, de->d_name) < 0 ||
		    reg_link_read(s, link, hex) < 0)
			continue;
		r = strvec_add(&sv, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		strv_free(sv.v);
		return r;
	}
	return strvec_finish(&sv, ret);
}

int reg_repo_revisions(struct reg_store *s, const char *name, char ***ret)
{
	char path[PATH_MAX];
	struct strvec sv = { 0 };
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (P(path, "repositories/%s/_manifests/revisions/sha256", name) < 0)
		return -ENAMETOOLONG;
	d = opendir_at(s->v2, path);
	if (!d)
		return errno == ENOENT ? strvec_finish(&sv, ret) : -errno;
	while ((de = readdir(d))) {
		char digest[REG_DIGEST_LEN + 1];
		snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
		if (strlen(de->d_name) != 64 || !reg_digest_valid(digest) ||
		    !reg_repo_has_revision(s, name, de->d_name))
			continue;
		r = strvec_add(&sv, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		strv_free(sv.v);
		return r;
	}
	return strvec_finish(&sv, ret);
}

int reg_repo_delete_revision(struct reg_store *s, const char *name, const char *hex)
{
	_cleanup_strv_free_ char **tags = NULL;
	char path[PATH_MAX], cur[65];
	int r;

	r = reg_repo_tags(s, name, &tags);
	if (r == 0)
		for (char **t = tags; *t; t++) {
			if (reg_repo_tag_resolve(s, name, *t, cur) == 0 && strcmp(cur, hex) == 0)
				reg_repo_tag_delete(s, name, *t);
		}
	if (P(path, "repositories/%s/_manifests/revisions/sha256/%s", name, hex) < 0)
		return -ENAMETOOLONG;
	links_forget(s, path, true);
	return rm_rf_at(s->v2, path, NULL);
}

/* Walk repositories/: a folder that holds _manifests is a repository; folders named _* are
 * never descended into; others may hold nested repositories ("a" and "a/b"). */
static int catalog_walk(int dir_fd, const char *prefix, struct strvec *sv, int depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > REG_NAME_MAX / 2)
		return 0;
	d = opendir_at(dir_fd, ".");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && r == 0) {
		char name[REG_NAME_MAX + 2];
		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, "_manifests") == 0 && *prefix) {
			r = strvec_add(sv, prefix);
			continue;
		}
		if (de->d_name[0] == '_')
			continue;
		if (snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) >=
			    (int)sizeof(name) ||
		    !reg_name_valid(name))
			continue;
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		r = catalog_walk(sub, name, sv, depth + 1);
		close(sub);
	}
	closedir(d);
	return r;
}

/* Remove the _uploads/<uuid> folders under @dir_fd (a repository) started before @before. */
static size_t purge_repo_uploads(int dir_fd, time_t before)
{
	int fd = openat(dir_fd, "_uploads", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || !reg_uuid_valid(de->d_name))
			continue;
		if (P(path, "%s/startedat", de->d_name) < 0 ||
		    fstatat(dirfd(d), path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
		if (st.st_mtime < before && rm_rf_at(dirfd(d), de->d_name, NULL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static size_t purge_walk(int dir_fd, time_t before, int depth)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (depth > REG_NAME_MAX / 2)
		return 0;
	n += purge_repo_uploads(dir_fd, before);
	d = opendir_at(dir_fd, ".");
	if (!d)
		return n;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		n += purge_walk(sub, before, depth + 1);
		close(sub);
	}
	closedir(d);
	return n;
}

size_t reg_purge_uploads(struct reg_store *s, time_t max_age)
{
	_cleanup_close_ int fd = openat(s->v2, "repositories", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	return purge_walk(fd, time(NULL) - max_age, 0);
}

int reg_catalog(struct reg_store *s, char ***ret)
{
	struct strvec sv = { 0 };
	_cleanup_close_ int fd = openat(s->v2, "repositories", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? strvec_finish(&sv, ret) : -errno;
	r = catalog_walk(fd, "", &sv, 0);
	if (r < 0) {
		strv_free(sv.v);
		return r;
	}
	return strvec_finish(&sv, ret);
}

/* ---- uploads ---- */

int reg_upload_create(struct reg_store *s, const char *name, char uuid[37])
{
	unsigned char b[16];
	char dir[PATH_MAX], path[PATH_MAX], stamp[64];
	struct timespec ts;
	struct tm tm;
	int r, fd;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -EIO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(uuid, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
	if (P(dir, "repositories/%s/_uploads/%s", name, uuid) < 0)
		return -ENAMETOOLONG;
	r = reg_mkdirat_p(s->v2, dir);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%09ldZ", ts.tv_nsec);
	if (P(path, "%s/startedat", dir) < 0)
		return -ENAMETOOLONG;
	r = reg_write_atomic(s->v2, path, stamp, strlen(stamp), false);
	if (r < 0)
		return r;
	if (P(path, "%s/data", dir) < 0)
		return -ENAMETOOLONG;
	fd = openat(s->v2, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int reg_upload_open(struct reg_store *s, const char *name, const char *uuid, off_t *ret_size)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (P(path, "repositories/%s/_uploads/%s/data", name, uuid) < 0)
		return -ENAMETOOLONG;
	fd = openat(s->v2, path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	if (ret_size)
		*ret_size = st.st_size;
	return fd;
}

int reg_upload_delete(struct reg_store *s, const char *name, const char *uuid)
{
	char path[PATH_MAX];

	if (P(path, "repositories/%s/_uploads/%s", name, uuid) < 0)
		return -ENAMETOOLONG;
	return rm_rf_at(s->v2, path, NULL);
}

int reg_upload_commit(struct reg_store *s, const char *name, const char *uuid, int fd,
		      const char *hex)
{
	char src[PATH_MAX], dir[PATH_MAX], dst[PATH_MAX];
	int r;

	if (!reg_blob_exists(s, hex, NULL)) {
		if (P(src, "repositories/%s/_uploads/%s/data", name, uuid) < 0 ||
		    P(dir, "blobs/sha256/%.2s/%s", hex, hex) < 0 || P(dst, "%s/data", dir) < 0)
			return -ENAMETOOLONG;
		/* Durable before it is visible under its digest. */
		if (fsync(fd) < 0)
			return -errno;
		r = reg_mkdirat_p(s->v2, dir);
		if (r < 0)
			return r;
		if (renameat(s->v2, src, s->v2, dst) < 0)
			return -errno;
	}
	r = reg_repo_link_layer(s, name, hex);
	if (r < 0)
		return r;
	return reg_upload_delete(s, name, uuid);
}

int reg_upload_hash(int fd, char hex[65])
{
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	char buf[65536];
	off_t off = 0;

	if (!h)
		return -ENOMEM;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		sha256_update(h, buf, (size_t)n);
		off += n;
	}
	sha256_final_hex(h, hex);
	return 0;
}
