/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob_locations.h - where blobs were last seen on registries (digest → host/repository), as
 * containers/image's blob-info cache: a push to a new repository then mounts a blob the
 * registry already holds elsewhere instead of uploading it again. Only hints: a mount the
 * registry refuses falls back to an upload, and the registry checks every digest itself.
 *
 * One small file per digest under $XDG_CACHE_HOME/berth/blob-locations (~/.cache), lines
 * "host/repo", newest last, at most BLOB_LOC_MAX kept.
 */
#ifndef BERTH_TRANSPORT_BLOB_LOCATIONS_H
#define BERTH_TRANSPORT_BLOB_LOCATIONS_H

#include <stddef.h>

#define BLOB_LOC_MAX 8

/** blob_locations_record() - @digest is in @repo on @host (best effort, never fails). */
void blob_locations_record(const char *digest, const char *host, const char *repo);

/**
 * blob_locations_find() - up to @max repositories on @host other than @skip_repo that held
 * @digest, newest first, into @ret (each malloc'd). Return: how many.
 */
size_t blob_locations_find(const char *digest, const char *host, const char *skip_repo,
			   char **ret, size_t max);

#endif
