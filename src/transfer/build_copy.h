/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build_copy.h - COPY and ADD for `berth build`: files from the build context (or from an
 * earlier stage's root filesystem) copied into a staging tree that becomes the step's layer.
 */
#ifndef BERTH_TRANSFER_BUILD_COPY_H
#define BERTH_TRANSFER_BUILD_COPY_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/**
 * struct bcopy - one COPY/ADD step
 * @ctxfd:	the build context directory (sources resolve beneath it; symlinks that leave it
 *		and ".." above it are refused)
 * @ignore:	.containerignore patterns, NULL-terminated ("!" negates), or NULL
 * @from_lowers: when non-NULL, the source is this layer stack (top first) instead of the
 *		context, mounted read-only; paths resolve inside it
 * @srcs:	source paths, NULL-terminated
 * @dest:	absolute destination inside the image
 * @stage:	staging directory (absolute) the files are written under
 * @uid/@gid:	owner of what is copied (--chown; 0:0 otherwise)
 * @add:	ADD: local tar archives are extracted instead of copied
 * @userxattr:	mount with userxattr (rootless)
 * @what:	"COPY a b /dst" for messages
 */
struct bcopy {
	int ctxfd;
	char *const *ignore;
	char *const *from_lowers;
	char *const *srcs;
	const char *dest;
	const char *stage;
	uid_t uid;
	gid_t gid;
	bool add;
	bool userxattr;
	const char *what;
};

/**
 * bcopy_run() - do @data (a struct bcopy); meant for cimg_run_in_root() so that owners are
 * set as the image sees them. Return: 0 or a negative errno with @err naming the source.
 */
int bcopy_run(void *data, berth_error *err);

/** bcopy_mkdir_run() - create @data (struct bcopy: @stage + @dest) as root-owned directories. */
int bcopy_mkdir_run(void *data, berth_error *err);

/**
 * bcopy_read_ignore() - the patterns of CONTEXT/.containerignore, else .dockerignore
 * (NULL-terminated, malloc'd; empty when neither exists).
 */
int bcopy_read_ignore(int ctxfd, char ***ret, berth_error *err);

/** bcopy_mount_layers() - mount @lowers (top first) read-only on @mnt (in a private mount ns). */
int bcopy_mount_layers(char *const *lowers, const char *mnt, bool userxattr, berth_error *err);

#endif
