/* SPDX-License-Identifier: Apache-2.0 */
/*
 * paths.h - where berth keeps things by default, following podman's conventions:
 * root: /var/lib/berth and /run/berth; users: $XDG_DATA_HOME/berth/storage and
 * $XDG_RUNTIME_DIR/berth, falling back (no logind on many hosts) to /tmp/berth-run-UID,
 * created mode 0700 and checked to be the user's own.
 */
#ifndef BERTH_CONFIG_PATHS_H
#define BERTH_CONFIG_PATHS_H

#include <stdbool.h>

#include "util/error.h"

/** paths_runtime_dir() - the user's runtime dir ($XDG_RUNTIME_DIR or the /tmp fallback). */
int paths_runtime_dir(char **ret, berth_error *err);
/** paths_default_storage_root() - the default --root. */
int paths_default_storage_root(bool rootless, char **ret, berth_error *err);
/** paths_default_run_root() - the default --runroot. */
int paths_default_run_root(bool rootless, char **ret, berth_error *err);
/** paths_home() - $HOME, else the passwd entry's home. */
const char *paths_home(void);
/** paths_config_home() - $XDG_CONFIG_HOME or ~/.config (malloc'd). */
char *paths_config_home(void);
/**
 * paths_cache_dir_fd() - an O_DIRECTORY fd of $XDG_CACHE_HOME/berth/@sub (else
 * ~/.cache/berth/@sub), created mode 0700 when @create; -1 when there is none.
 */
int paths_cache_dir_fd(const char *sub, bool create);

#endif
