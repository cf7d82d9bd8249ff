/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar_index.c - see tar_index.h. libarchive parses the headers (ustar, pax, GNU long names);
 * right after a header it has consumed exactly the bytes before the member's data, so
 * archive_filter_bytes() is the data's offset, and the data is skipped with lseek.
 */
#include "transport/tar_index.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/layer_extract.h"
#include "util/macro.h"

#define TAR_MAX_SYMLINK_HOPS 40 /* as the kernel's MAXSYMLINKS */

/*
 * normalize() - @path without "", "." and ".." components or a leading "/". A ".." at the top
 * stays there when @clamp, else makes the path invalid (-EXDEV).
 */
static int normalize(const char *path, bool clamp, char **ret)
{
	size_t len = strlen(path), o = 0;
	char *out = malloc(len + 1);
	const char *p = path;

	if (!out)
		return -ENOMEM;
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t cl = (size_t)(end - p);

		if (cl == 0 || (cl == 1 && p[0] == '.')) {
			/* nothing */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0 && !clamp) {
				free(out);
				return -EXDEV;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, cl);
			o += cl;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	*ret = out;
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	const struct tar_member *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	/* equal names keep the tar's order (off grows), so the last one sorts last */
	return c ? c : (x->off > y->off) - (x->off < y->off);
}

static const struct tar_member *lookup(const struct tar_index *idx, const char *name)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(idx->m[mid].name, name);
		if (c == 0)
			return &idx->m[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void member_done(struct tar_member *m)
{
	free(m->name);
	free(m->link);
}

void tar_index_done(struct tar_index *idx)
{
	for (size_t i = 0; i < idx->n; i++)
		member_done(&idx->m[i]);
	free(idx->m);
	idx->m = NULL;
	idx->n = 0;
}

/* finish() - sort, keep the last member of each name, point hard links at their data. */
static void finish(struct tar_index *idx)
{
	size_t o = 0;

	qsort(idx->m, idx->n, sizeof(*idx->m), cmp_member);
	for (size_t i = 0; i < idx->n; i++) {
		if (i + 1 < idx->n && strcmp(idx->m[i].name, idx->m[i + 1].name) == 0) {
			member_done(&idx->m[i]);
			continue;
		}
		idx->m[o++] = idx->m[i];
	}
	idx->n = o;
	for (size_t i = 0; i < idx->n; i++) {
		struct tar_member *m = &idx->m[i];
		const struct tar_member *t = m;
		for (int hops = 0; t && t->hardlink && hops < TAR_MAX_SYMLINK_HOPS; hops++)
			t = lookup(idx, t->link);
		if (m->hardlink) {
			bool ok = t && !t->hardlink && t->type == TAR_MEMBER_FILE;
			m->type = ok ? TAR_MEMBER_FILE : TAR_MEMBER_OTHER;
			m->off = ok ? t->off : 0;
			m->size = ok ? t->size : 0;
		}
	}
	/* a hard link now holds its target's data: forget that it was one */
	for (size_t i = 0; i < idx->n; i++)
		idx->m[i].hardlink = false;
}

static int add_member(struct tar_index *idx, size_t *cap, struct archive *a,
		      struct archive_entry *e, const char *what, int64_t file_size,
		      berth_error *err)
{
	const char *path = archive_entry_pathname(e), *hl = archive_entry_hardlink(e);
	struct tar_member m = {0};
	int r;

	if (!path || strlen(path) > LAYER_MAX_PATH)
		return berr(err, EBADMSG, "%s: an entry has no name or one longer than %d bytes",
			    what, LAYER_MAX_PATH);
	r = normalize(path, false, &m.name);
	if (r == -EXDEV)
		return berr(err, EBADMSG,
			    "%s: the entry %s climbs out of the archive with \"..\"; refusing it",
			    what, path);
	if (r < 0)
		return berr(err, ENOMEM, "out of memory");
	if (!m.name[0]) { /* the top directory itself */
		free(m.name);
		return 0;
	}
	m.off = archive_filter_bytes(a, 0);
	m.size = archive_entry_size(e);
	if (hl) {
		m.hardlink = true;
		r = strlen(hl) > LAYER_MAX_PATH ? -EXDEV : normalize(hl, false, &m.link);
		if (r < 0) {
			free(m.name);
			return r == -ENOMEM ? berr(err, ENOMEM, "out of memory")
					    : berr(err, EBADMSG,
						   "%s: the hard link %s points out of the archive",
						   what, path);
		}
	} else if (archive_entry_filetype(e) == AE_IFREG) {
		m.type = TAR_MEMBER_FILE;
	} else if (archive_entry_filetype(e) == AE_IFDIR) {
		m.type = TAR_MEMBER_DIR;
	} else if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e) &&
		   strlen(archive_entry_symlink(e)) <= LAYER_MAX_PATH) {
		m.type = TAR_MEMBER_SYMLINK;
		m.link = strdup(archive_entry_symlink(e));
	} else {
		m.type = TAR_MEMBER_OTHER;
	}
	if (m.type == TAR_MEMBER_FILE &&
	    (archive_entry_sparse_count(e) > 0 || m.size < 0 || m.off < 0 ||
	     m.off > file_size || m.size > file_size - m.off)) {
		member_done(&m);
		return berr(err, EBADMSG, "%s: %s is sparse or runs past the end of the archive",
			    what, path);
	}
	if (m.type != TAR_MEMBER_FILE)
		m.size = 0;
	if (idx->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct tar_member *nm = realloc(idx->m, nc * sizeof(*nm));
		if (!nm) {
			member_done(&m);
			return berr(err, ENOMEM, "out of memory");
		}
		idx->m = nm;
		*cap = nc;
	}
	idx->m[idx->n++] = m;
	return 0;
}

int tar_index_build(int fd, const char *what, struct tar_index *ret, berth_error *err)
{
	struct tar_index idx = {0};
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct stat st;
	size_t cap = 0;
	int r = 0;

	if (!a)
		return berr(err, ENOMEM, "out of memory");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || lseek(fd, 0, SEEK_SET) < 0) {
		archive_read_free(a);
		return berr(err, EINVAL, "%s: not a regular file", what);
	}
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64u << 10) != ARCHIVE_OK)
		r = berr(err, EBADMSG, "%s: %s", what, archive_error_string(a) ?: "unreadable");
	while (r == 0) {
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = berr(err, EBADMSG, "%s: not a tar archive, or a damaged one (%s)", what,
				 archive_error_string(a) ?: "unreadable");
			break;
		}
		if (idx.n >= LAYER_MAX_ENTRIES) {
			r = berr(err, E2BIG, "%s: more than %u entries", what, LAYER_MAX_ENTRIES);
			break;
		}
		r = add_member(&idx, &cap, a, e, what, (int64_t)st.st_size, err);
		if (r == 0 && archive_read_data_skip(a) < ARCHIVE_WARN)
			r = berr(err, EBADMSG, "%s: %s", what,
				 archive_error_string(a) ?: "truncated");
	}
	archive_read_free(a);
	if (r < 0) {
		tar_index_done(&idx);
		return r;
	}
	finish(&idx);
	*ret = idx;
	return 0;
}

const struct tar_member *tar_index_lstat(const struct tar_index *idx, const char *name)
{
	_cleanup_free_ char *norm = NULL;

	if (normalize(name, true, &norm) < 0)
		return NULL;
	return lookup(idx, norm);
}

/* append() - "@a/@b" (either may be empty) in a new string. */
static char *join(const char *a, const char *b)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return s;
}

const struct tar_member *tar_index_find(const struct tar_index *idx, const char *name)
{
	_cleanup_free_ char *rest = strdup(name), *done = strdup("");
	int hops = 0;

	while (rest && done && *rest) {
		char *slash = strchr(rest, '/');
		_cleanup_free_ char *comp = slash ? strndup(rest, (size_t)(slash - rest))
						  : strdup(rest);
		_cleanup_free_ char *tail = strdup(slash ? slash + 1 : "");
		if (!comp || !tail)
			break;
		free(rest);
		rest = TAKE_PTR(tail);
		if (!*comp || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *up = strrchr(done, '/');
			*(up ? up : done) = '\0';
			continue;
		}
		_cleanup_free_ char *cand = join(done, comp);
		if (!cand)
			break;
		const struct tar_member *m = lookup(idx, cand);
		if (m && m->type == TAR_MEMBER_SYMLINK) {
			if (++hops > TAR_MAX_SYMLINK_HOPS) {
				errno = ELOOP;
				return NULL;
			}
			char *nr = join(m->link[0] == '/' ? m->link + 1 : m->link, rest);
			if (!nr || strlen(nr) > 4 * LAYER_MAX_PATH) {
				free(nr);
				errno = ENAMETOOLONG;
				return NULL;
			}
			free(rest);
			rest = nr;
			if (m->link[0] == '/')
				done[0] = '\0';
			continue;
		}
		free(done);
		done = TAKE_PTR(cand);
	}
	if (!rest || !done) {
		errno = ENOMEM;
		return NULL;
	}
	const struct tar_member *m = *done ? lookup(idx, done) : NULL;
	if (!m)
		errno = ENOENT;
	return m;
}

bool tar_index_is_compressed(int fd)
{
	static const struct {
		const char *magic;
		size_t len;
	} known[] = {{"\x1f\x8b", 2}, {"\x28\xb5\x2f\xfd", 4}, {"\xfd" "7zXZ", 5}, {"BZh", 3}};
	unsigned char m[6] = {0};
	ssize_t n = pread(fd, m, sizeof(m), 0);

	for (size_t i = 0; n > 0 && i < ELEMENTSOF(known); i++)
		if ((size_t)n >= known[i].len && memcmp(m, known[i].magic, known[i].len) == 0)
			return true;
	return false;
}
