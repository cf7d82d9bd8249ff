/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar_index.h - where each member of an uncompressed tar lies, found in one pass over its
 * headers, so archive sources read blobs in place instead of unpacking the tar first.
 */
#ifndef BERTH_TRANSPORT_TAR_INDEX_H
#define BERTH_TRANSPORT_TAR_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

enum tar_member_type { TAR_MEMBER_FILE, TAR_MEMBER_DIR, TAR_MEMBER_SYMLINK, TAR_MEMBER_OTHER };

/**
 * struct tar_member - one member of the tar
 * @name:	normalized: no leading "/" or "./", no "." or ".." components, no "//"
 * @off/@size:	where a file's data lies in the tar
 * @link:	a symlink's target (as written), or a hard link's member (normalized)
 */
struct tar_member {
	char *name;
	enum tar_member_type type;
	int64_t off, size;
	char *link;
	bool hardlink;
};

struct tar_index {
	struct tar_member *m; /* sorted by name; the last of a name the tar holds wins */
	size_t n;
};

/**
 * tar_index_build() - index the uncompressed tar @fd (a regular file). Refuses, naming the
 * entry, members whose name climbs out with "..", sparse files, data past the end of the file,
 * and more than LAYER_MAX_ENTRIES members. @what names the archive in messages.
 */
int tar_index_build(int fd, const char *what, struct tar_index *ret, berth_error *err);

void tar_index_done(struct tar_index *idx);

/** tar_index_lstat() - the member named exactly @name (normalized first), symlinks not followed. */
const struct tar_member *tar_index_lstat(const struct tar_index *idx, const char *name);

/**
 * tar_index_find() - the member @name leads to, symlinks followed inside the archive and ".."
 * stopped at its root (what openat2's RESOLVE_IN_ROOT does on an unpacked tree). NULL with
 * errno set (ENOENT, ELOOP, ENAMETOOLONG) when there is none.
 */
const struct tar_member *tar_index_find(const struct tar_index *idx, const char *name);

/** tar_index_is_compressed() - whether @fd starts with a gzip, zstd, xz or bzip2 header. */
bool tar_index_is_compressed(int fd);

#endif
