/* SPDX-License-Identifier: Apache-2.0 */
/*
 * context.h - what every engine operation needs to know about where it runs: the store paths,
 * who the user is (root or rootless), the global options given on the command line, and the
 * absolute path of the berth binaries (monitors and systemd units call them back).
 */
#ifndef BERTH_ENGINE_CONTEXT_H
#define BERTH_ENGINE_CONTEXT_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/**
 * struct berth_ctx - the engine's view of one invocation
 * @root:		store root (--root), absolute
 * @runroot:		runtime state root (--runroot), absolute
 * @storage_driver:	"overlay" or "vfs"
 * @rootless:		true when the caller is not uid 0
 * @uid/@gid:		the caller's ids
 * @bindir:		directory holding berth, berth-transfer, berth-monitor
 * @global_argv:	the global options as given (to pass on to helpers and units), NULL-terminated
 * @explicit_root:	--root or --runroot was given
 */
struct berth_ctx {
	char *root;
	char *runroot;
	char *storage_driver;
	char *log_level;
	bool rootless;
	uid_t uid;
	gid_t gid;
	char *bindir;
	char **global_argv;
	bool explicit_root;
};

/**
 * berth_ctx_init() - fill defaults: root /var/lib/berth and /run/berth; users
 * $XDG_DATA_HOME/berth/storage and $XDG_RUNTIME_DIR/berth (or /tmp/berth-run-UID).
 * Values already set in @ctx (from flags) are kept.
 */
int berth_ctx_init(struct berth_ctx *ctx, berth_error *err);
void berth_ctx_done(struct berth_ctx *ctx);

struct containers_conf;
/**
 * berth_ctx_conf() - containers.conf (config/containers_conf.h), read on first use only, so
 * commands that do not need it (ps, images) do not pay for it. Borrowed; an unreadable or
 * malformed file is an error naming it ("FILE:LINE:COL: ...").
 */
int berth_ctx_conf(const struct berth_ctx *ctx, const struct containers_conf **ret,
		   berth_error *err);

/** berth_ctx_helper_path() - malloc'd absolute path of a sibling program ("berth-monitor"). */
char *berth_ctx_helper_path(const struct berth_ctx *ctx, const char *program);

#endif
