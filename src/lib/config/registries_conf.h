/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries_conf.h - containers-registries.conf(5), version 2 (version 1 files are
 * converted), read as containers/image reads it.
 *
 * Which files:
 *   - $CONTAINERS_REGISTRIES_CONF when set (it must exist), then the drop-ins of
 *     /etc/containers/registries.conf.d and $XDG_CONFIG_HOME/containers/registries.conf.d.
 *     (podman sets only the main file from that variable; the drop-in directories stay the
 *     usual ones — there is no "<file>.d". We do the same.)
 *   - else, when $XDG_CONFIG_HOME/containers/registries.conf exists: that file and only the
 *     user's registries.conf.d;
 *   - else /etc/containers/registries.conf (may be missing) and both drop-in directories.
 * Drop-ins are read in file-name order, system directory first, and must be v2.
 *
 * Merging (a later file over an earlier one): [[registry]] entries are merged by prefix (the
 * later one replaces an entry with the same prefix) and kept sorted by prefix;
 * unqualified-search-registries and short-name-mode are replaced when a file sets them;
 * [aliases] are merged key by key, and an alias set to "" removes an earlier one.
 */
#ifndef BERTH_CONFIG_REGISTRIES_CONF_H
#define BERTH_CONFIG_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/** enum short_name_mode - what to do with an unqualified name that no alias resolves */
enum short_name_mode {
	SHORT_NAME_PERMISSIVE, /* default: prompt on a TTY, else try every search registry */
	SHORT_NAME_ENFORCING,  /* prompt on a TTY, else fail when there is more than one choice */
	SHORT_NAME_DISABLED,   /* never prompt: try every search registry */
};

/** struct registry_mirror - one [[registry.mirror]] */
struct registry_mirror {
	char *location;
	bool insecure;
	char *pull_from_mirror; /* "all", "digest-only", "tag-only" or NULL */
};

/**
 * struct registry_entry - one [[registry]]
 * @prefix:	what it matches: "host[:port][/path]" or "*.example.com" (defaults to @location)
 * @location:	where it is served from; NULL only for wildcard prefixes
 * @insecure:	plain HTTP or unverified TLS allowed
 * @blocked:	pulls are refused
 * @mirror_by_digest_only: use mirrors only for digest references
 */
struct registry_entry {
	char *prefix;
	char *location;
	bool insecure;
	bool blocked;
	bool mirror_by_digest_only;
	struct registry_mirror *mirrors;
	size_t n_mirrors;
};

/** struct registry_alias - one short-name alias; @value NULL when reset with "" */
struct registry_alias {
	char *name;
	char *value;
	char *origin;
};

/**
 * struct registries_conf - the merged configuration
 * @search:		unqualified-search-registries (never NULL, may be empty)
 * @search_origin:	the file that set @search, or NULL
 * @short_name_mode:	see enum short_name_mode
 * @registries:		[[registry]] entries sorted by prefix
 * @aliases:		short-name aliases
 * @files:		the files read, in order
 */
struct registries_conf {
	char **search;
	char *search_origin;
	enum short_name_mode short_name_mode;
	struct registry_entry *registries;
	size_t n_registries;
	struct registry_alias *aliases;
	size_t n_aliases;
	char **files;
};

/**
 * registries_conf_paths() - the main file and drop-ins, in reading order
 * @sysroot:	prefix for /etc paths, NULL for "/"; for tests
 * @ret_main:	the main file (may not exist when it is the system default), or NULL
 * @ret_dropins: NULL-terminated vector of drop-in files
 * Return: 0, or -ENOENT when $CONTAINERS_REGISTRIES_CONF names a missing file.
 */
int registries_conf_paths(const char *sysroot, char **ret_main, char ***ret_dropins,
			  berth_error *err);

/**
 * registries_conf_load_files() - read @main (skipped when missing and @main_optional) and
 * then every drop-in
 */
int registries_conf_load_files(const char *main, bool main_optional, char *const *dropins,
			       struct registries_conf **ret, berth_error *err);

/**
 * registries_conf_aliases_path() - podman's machine-written short-name-aliases.conf:
 * /var/cache/containers/short-name-aliases.conf for root,
 * $XDG_CACHE_HOME/containers/short-name-aliases.conf (~/.cache) for users
 */
int registries_conf_aliases_path(char **ret, berth_error *err);

/**
 * registries_conf_merge_alias_file() - merge the [aliases] of @path over @c (they win over
 * registries.conf, as in podman); a missing file is fine
 */
int registries_conf_merge_alias_file(struct registries_conf *c, const char *path, berth_error *err);

/**
 * registries_conf_load() - registries_conf_paths(NULL) + registries_conf_load_files(), then
 * the short-name-aliases.conf of registries_conf_aliases_path()
 */
int registries_conf_load(struct registries_conf **ret, berth_error *err);

/** registries_conf_free() - free @c (NULL is fine); returns NULL. */
struct registries_conf *registries_conf_free(struct registries_conf *c);
static inline void registries_conf_freep(struct registries_conf **c)
{
	registries_conf_free(*c);
}

/**
 * registries_conf_find() - the [[registry]] entry for @ref by longest matching prefix
 * @ref:	"host[:port]", "host/repo" or a full reference with tag or digest; it must
 *		start with the registry host
 * Return: the entry, or NULL when none matches.
 */
const struct registry_entry *registries_conf_find(const struct registries_conf *c, const char *ref);

/**
 * registries_conf_rewrite() - @ref as served from @location (an entry's location or one of
 * its mirrors): @location + the part of @ref after the entry's prefix
 * Return: 0 and *@ret (malloc'd), -EINVAL when @e does not match @ref, -ENOMEM.
 */
int registries_conf_rewrite(const struct registry_entry *e, const char *location, const char *ref,
			    char **ret);

/** struct registry_pull_source - one place to pull a reference from, in order of preference */
struct registry_pull_source {
	char *ref;     /* the reference rewritten for that endpoint */
	bool insecure; /* that endpoint's insecure setting */
	bool mirror;   /* a mirror rather than the registry itself */
};

/**
 * registries_conf_pull_sources() - where to pull @ref from, as containers/image does: the
 * mirrors that apply (all of them, or only for digest references with mirror-by-digest-only;
 * a mirror's pull-from-mirror = "digest-only" / "tag-only" restricts it), then the registry's
 * own location; each with @ref rewritten from @e's prefix to the endpoint's location
 * @digested:	@ref names a digest (name@sha256:...)
 * Return: 0 and a malloc'd array of *@ret_n sources (free with registry_pull_sources_free),
 * -EINVAL when @e does not match @ref, -ENOMEM.
 */
int registries_conf_pull_sources(const struct registry_entry *e, const char *ref, bool digested,
				 struct registry_pull_source **ret, size_t *ret_n);

/** registry_pull_sources_free() - free what registries_conf_pull_sources() returned. */
void registry_pull_sources_free(struct registry_pull_source *v, size_t n);

/**
 * registries_conf_alias() - resolve a short name through [aliases]
 * @name:	the short name ("busybox", "library/busybox"), without tag or digest
 * @ret_value:	the fully-qualified name it stands for
 * @ret_origin: the file that defined it (may be NULL)
 * Return: 0 when an alias applies, -ENOENT when none does (or it was reset with "").
 */
int registries_conf_alias(const struct registries_conf *c, const char *name, const char **ret_value,
			  const char **ret_origin);

/** short_name_mode_to_string() - "permissive", "enforcing", "disabled". */
const char *short_name_mode_to_string(enum short_name_mode m);

#endif
