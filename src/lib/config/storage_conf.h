/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage_conf.h - the parts of containers-storage.conf that berth honours.
 *
 * Files: $CONTAINERS_STORAGE_CONF when set (only that file; it must exist), otherwise for
 * users $XDG_CONFIG_HOME/containers/storage.conf when it exists, else
 * /etc/containers/storage.conf (then /usr/share/containers/storage.conf), as
 * containers/storage picks one file.
 *
 * berth reads [storage] driver ("overlay" or "vfs"; "" means berth's default).
 *
 * Where the store lives is a different matter. berth's store format is its own, so podman's
 * graphroot (/var/lib/containers/storage, ~/.local/share/containers/storage) must never
 * become berth's store: [storage] graphroot, runroot and rootless_storage_path are honoured
 * ONLY when the file was named by $CONTAINERS_STORAGE_CONF (the caller asked for it, as the
 * test suites do). In any file, a berth-specific section
 *     [storage.berth]
 *     graphroot = "..."   runroot = "..."   rootless_storage_path = "..."
 * sets them for berth alone (containers/storage ignores the unknown table). Otherwise the
 * defaults of config/paths.h apply. rootless_storage_path may use $HOME, $UID and $USER.
 */
#ifndef BERTH_CONFIG_STORAGE_CONF_H
#define BERTH_CONFIG_STORAGE_CONF_H

#include <stdbool.h>

#include "util/error.h"

/**
 * struct storage_conf - what berth takes from storage.conf
 * @driver:		"overlay", "vfs", or NULL for berth's default
 * @graphroot:		store root for root, or NULL (see above)
 * @runroot:		runtime root, or NULL
 * @rootless_storage_path: store root for users (variables expanded), or NULL
 * @path:		the file that was read, or NULL when none exists
 */
struct storage_conf {
	char *driver;
	char *graphroot;
	char *runroot;
	char *rootless_storage_path;
	char *path;
};

/**
 * storage_conf_path() - the storage.conf that applies
 * @sysroot:	prefix for the system paths, NULL for "/"; for tests
 * @rootless:	whether the user's own file is considered
 * @ret:	receives the path (malloc'd), or NULL when no file exists
 * Return: 0, or -ENOENT when $CONTAINERS_STORAGE_CONF names a missing file.
 */
int storage_conf_path(const char *sysroot, bool rootless, char **ret, berth_error *err);

/**
 * storage_conf_load_file() - read @path (NULL: only defaults)
 * @trusted_roots: honour [storage] graphroot/runroot/rootless_storage_path (the file came
 *		from $CONTAINERS_STORAGE_CONF)
 */
int storage_conf_load_file(const char *path, bool trusted_roots, struct storage_conf **ret,
			   berth_error *err);

/** storage_conf_load() - storage_conf_path(NULL, euid != 0) + storage_conf_load_file(). */
int storage_conf_load(struct storage_conf **ret, berth_error *err);

/** storage_conf_free() - free @c (NULL is fine); returns NULL. */
struct storage_conf *storage_conf_free(struct storage_conf *c);
static inline void storage_conf_freep(struct storage_conf **c)
{
	storage_conf_free(*c);
}

#endif
