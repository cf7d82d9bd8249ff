/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc.c - offline garbage collection, as distribution's "registry garbage-collect": mark every
 * blob a manifest of any repository references (the manifests themselves included), then
 * remove every blob under blobs/ that was not marked. Run it while no server writes to the
 * storage: an upload finishing during the sweep could lose its blob.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry.h"
#include "util/macro.h"

struct hexset {
	char (*v)[65];
	size_t n, cap;
	bool sorted;
};

static int hexset_add(struct hexset *s, const char *hex)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		void *n = realloc(s->v, ncap * sizeof(*s->v));
		if (!n)
			return -ENOMEM;
		s->v = n;
		s->cap = ncap;
	}
	memcpy(s->v[s->n++], hex, 65);
	s->sorted = false;
	return 0;
}

static int cmp_hex(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool hexset_has(struct hexset *s, const char *hex)
{
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_hex);
		s->sorted = true;
	}
	return s->n && bsearch(hex, s->v, s->n, sizeof(*s->v), cmp_hex) != NULL;
}

static bool is_tagged(struct reg_store *st, const char *name, char **tags, const char *hex)
{
	char cur[65];

	for (char **t = tags; *t; t++)
		if (reg_repo_tag_resolve(st, name, *t, cur) == 0 && strcmp(cur, hex) == 0)
			return true;
	return false;
}

static int mark_repo(struct reg_store *st, const char *name, bool dry_run, bool delete_untagged,
		     struct hexset *marked, size_t *n_manifests_deleted, berth_error *err)
{
	_cleanup_strv_free_ char **revs = NULL, **tags = NULL;
	int r;

	r = reg_repo_revisions(st, name, &revs);
	if (r < 0)
		return berr_errno(err, -r, "repository %s: listing manifests", name);
	if (reg_repo_tags(st, name, &tags) < 0)
		tags = calloc(1, sizeof(char *));
	if (!tags)
		return berr(err, ENOMEM, "out of memory");
	for (char **p = revs; *p; p++) {
		_cleanup_free_ char *data = NULL;
		struct reg_manifest m;
		size_t len;

		if (delete_untagged && !is_tagged(st, name, tags, *p)) {
			printf("%s: manifest eligible for deletion: sha256:%s\n", name, *p);
			(*n_manifests_deleted)++;
			if (!dry_run)
				reg_repo_delete_revision(st, name, *p);
			continue;
		}
		printf("%s: marking manifest sha256:%s\n", name, *p);
		if (hexset_add(marked, *p) < 0)
			return berr(err, ENOMEM, "out of memory");
		if (reg_blob_read(st, *p, REG_MANIFEST_MAX, &data, &len) < 0)
			continue;
		if (reg_manifest_parse(data, len, NULL, &m, NULL) < 0)
			continue;
		for (size_t i = 0; i < m.n_refs; i++) {
			printf("%s: marking blob sha256:%s\n", name, m.refs[i]);
			if (hexset_add(marked, m.refs[i]) < 0) {
				reg_manifest_done(&m);
				return berr(err, ENOMEM, "out of memory");
			}
		}
		reg_manifest_done(&m);
	}
	return 0;
}

static int sweep(struct reg_store *st, struct hexset *marked, bool dry_run, size_t *ret_n,
		 berth_error *err)
{
	int fd = openat(st->v2, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *top;
	struct dirent *de;

	*ret_n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : berr_errno(err, errno, "open blobs/sha256");
	top = fdopendir(fd);
	if (!top) {
		close(fd);
		return berr_errno(err, errno, "open blobs/sha256");
	}
	while ((de = readdir(top))) {
		if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
			continue;
		int sub = openat(dirfd(top), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		DIR *d = fdopendir(sub);
		if (!d) {
			close(sub);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			char digest[REG_DIGEST_LEN + 2], hex[65];
			if (e->d_name[0] == '.' || strlen(e->d_name) != 64)
				continue;
			snprintf(digest, sizeof(digest), "sha256:%s", e->d_name);
			if (!reg_digest_parse(digest, hex) || hexset_has(marked, hex))
				continue;
			printf("blob eligible for deletion: sha256:%s\n", hex);
			(*ret_n)++;
			if (!dry_run)
				reg_blob_delete_data(st, hex);
		}
		closedir(d);
	}
	closedir(top);
	return 0;
}

int reg_garbage_collect(struct reg_store *st, bool dry_run, bool delete_untagged, berth_error *err)
{
	_cleanup_strv_free_ char **repos = NULL;
	struct hexset marked = { 0 };
	size_t n_deleted = 0, n_manifests = 0;
	int r;

	r = reg_catalog(st, &repos);
	if (r < 0)
		return berr_errno(err, -r, "listing the repositories of %s", st->root);
	for (char **p = repos; *p; p++) {
		r = mark_repo(st, *p, dry_run, delete_untagged, &marked, &n_manifests, err);
		if (r < 0)
			goto out;
	}
	size_t n_marked = marked.n;
	r = sweep(st, &marked, dry_run, &n_deleted, err);
	if (r == 0)
		printf("\n%zu blobs marked, %zu blobs and %zu manifests eligible for deletion\n",
		       n_marked, n_deleted, n_manifests);
out:
	free(marked.v);
	return r;
}
