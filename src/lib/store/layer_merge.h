/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_merge.h - copy what a container would see at a path of its image (the union of the
 * unpacked layers, overlayfs whiteouts and opaque directories applied) into a plain directory.
 * Used for volume copy-up (an image's content at a VOLUME goes into the new volume) and for the
 * vfs driver (a container's rootfs is a full copy of its layers).
 *
 * Owners, modes and times are copied (owners need the ids to be ours: rootless callers run it
 * through userns_run()). Every lookup is an *at() call on an fd of its parent, never following
 * symlinks, so neither the layers nor the destination can lead the copy outside them.
 */
#ifndef BERTH_STORE_LAYER_MERGE_H
#define BERTH_STORE_LAYER_MERGE_H

#include "util/error.h"

/**
 * layer_merge() - copy the union of @layers (unpacked layer dirs, top-most first, NULL-ended)
 * at @subpath ("" or "/" for the whole tree; absolute or relative) into directory @dst
 * (existing; entries there are replaced). A @subpath that is no directory in the image copies
 * nothing.
 * Return: the number of entries copied, or a negative errno
 */
int layer_merge(char *const *layers, const char *subpath, const char *dst, berth_error *err);

/** layer_merge_dir_empty() - 1 when directory @path has no entries, 0 when it has, < 0 error. */
int layer_merge_dir_empty(const char *path);

#endif
