/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linkcache.c - link files (tag -> digest, "this revision or layer is in the repository") kept
 * in memory and checked with one stat per use instead of open + read + close.
 *
 * Theory of operation: an entry is used only while fstatat() of its path still shows the file
 * it was read from (device, inode, size, mtime, ctime). Any writer changes one of those: this
 * process and distribution's registry rename a new file into place (new inode), a writer that
 * rewrites in place changes the times, and a removed link fails the stat. So a directory shared
 * with other writers is never served staler than distribution serves it, which reads the link
 * on every request.
 *
 * File times are coarse (a clock tick; a second on some filesystems), so a rewrite within the
 * same tick as our read could keep every field. An entry is therefore stored only when its
 * mtime is at least LC_RACY seconds older than the moment it was read (git's "racy" rule): a
 * later rewrite then gets a later mtime. Younger links are simply read from disk each time.
 * Writes and deletes of this process also forget their entries at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "registry/registry.h"

#define LC_SLOTS 4096 /* direct-mapped: a collision evicts */
#define LC_RACY 1     /* seconds */

struct lc_entry {
	char *path; /* NULL: slot empty */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	char hex[65];
};

struct reg_linkcache {
	pthread_mutex_t lock;
	struct lc_entry slots[LC_SLOTS];
};

struct reg_linkcache *reg_linkcache_new(void)
{
	struct reg_linkcache *c = calloc(1, sizeof(*c));

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void reg_linkcache_free(struct reg_linkcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < LC_SLOTS; i++)
		free(c->slots[i].path);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct lc_entry *slot(struct reg_linkcache *c, const char *path)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return &c->slots[h % LC_SLOTS];
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* @t is more than LC_RACY seconds before @now. */
static bool old_enough(const struct timespec *t, const struct timespec *now)
{
	return now->tv_sec - t->tv_sec > LC_RACY ||
	       (now->tv_sec - t->tv_sec == LC_RACY && now->tv_nsec > t->tv_nsec);
}

bool reg_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       same_time(&a->st_mtim, &b->st_mtim) && same_time(&a->st_ctim, &b->st_ctim);
}

bool reg_linkcache_get(struct reg_linkcache *c, const char *path, const struct stat *st,
		       char hex[65])
{
	struct lc_entry *e = slot(c, path);
	bool hit;

	pthread_mutex_lock(&c->lock);
	hit = e->path && strcmp(e->path, path) == 0 && e->dev == st->st_dev &&
	      e->ino == st->st_ino && e->size == st->st_size && same_time(&e->mtim, &st->st_mtim) &&
	      same_time(&e->ctim, &st->st_ctim);
	if (hit)
		memcpy(hex, e->hex, 65);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void reg_linkcache_put(struct reg_linkcache *c, const char *path, const struct stat *st,
		       const char *hex)
{
	struct lc_entry *e = slot(c, path);
	struct timespec now;
	char *p;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!old_enough(&st->st_mtim, &now) || !old_enough(&st->st_ctim, &now))
		return; /* too young to tell a rewrite in the same tick apart */
	p = strdup(path);
	if (!p)
		return;
	pthread_mutex_lock(&c->lock);
	free(e->path);
	e->path = p;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtim = st->st_mtim;
	e->ctim = st->st_ctim;
	memcpy(e->hex, hex, 65);
	pthread_mutex_unlock(&c->lock);
}

void reg_linkcache_forget(struct reg_linkcache *c, const char *prefix, bool subtree)
{
	size_t n = strlen(prefix);

	pthread_mutex_lock(&c->lock);
	if (!subtree) {
		struct lc_entry *e = slot(c, prefix);
		if (e->path && strcmp(e->path, prefix) == 0) {
			free(e->path);
			e->path = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		return;
	}
	for (size_t i = 0; i < LC_SLOTS; i++) {
		struct lc_entry *e = &c->slots[i];
		if (e->path && strncmp(e->path, prefix, n) == 0 &&
		    (e->path[n] == '\0' || e->path[n] == '/')) {
			free(e->path);
			e->path = NULL;
		}
	}
	pthread_mutex_unlock(&c->lock);
}
