/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries_conf.c - reading and merging registries.conf files.
 *
 * Each file is read into a "partial" configuration (with flags for what it set), checked
 * as containers/image checks it (locations without URL schemes, wildcard prefixes only of the
 * form *.example.com, no conflicting insecure/blocked for one location, valid aliases), and
 * then merged over what came before.
 */
#include "config/registries_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/confutil.h"
#include "config/paths.h"
#include "util/macro.h"
#include "util/toml.h"

struct partial {
	struct registries_conf c;
	bool search_set;
	bool mode_set;
};

static void entry_done(struct registry_entry *e)
{
	free(e->prefix);
	free(e->location);
	for (size_t i = 0; i < e->n_mirrors; i++) {
		free(e->mirrors[i].location);
		free(e->mirrors[i].pull_from_mirror);
	}
	free(e->mirrors);
	memset(e, 0, sizeof(*e));
}

static void alias_done(struct registry_alias *a)
{
	free(a->name);
	free(a->value);
	free(a->origin);
}

static void conf_done(struct registries_conf *c)
{
	strv_free(c->search);
	free(c->search_origin);
	for (size_t i = 0; i < c->n_registries; i++)
		entry_done(&c->registries[i]);
	free(c->registries);
	for (size_t i = 0; i < c->n_aliases; i++)
		alias_done(&c->aliases[i]);
	free(c->aliases);
	strv_free(c->files);
}

struct registries_conf *registries_conf_free(struct registries_conf *c)
{
	if (!c)
		return NULL;
	conf_done(c);
	free(c);
	return NULL;
}

const char *short_name_mode_to_string(enum short_name_mode m)
{
	switch (m) {
	case SHORT_NAME_ENFORCING:
		return "enforcing";
	case SHORT_NAME_DISABLED:
		return "disabled";
	case SHORT_NAME_PERMISSIVE:
		break;
	}
	return "permissive";
}

/* Trailing slashes go; URL schemes are refused (containers/image's parseLocation). */
static int clean_location(const char *file, const char *what, char *s, berth_error *err)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
		return berr(
		    err, EINVAL,
		    "%s: %s \"%s\": URL schemes are not supported; write host[:port][/path] "
		    "and set insecure = true for plain HTTP",
		    file, what, s);
	return 0;
}

static int read_endpoint(const toml_value *t, const char *file, const char *section,
			 char **location, bool *insecure, berth_error *err)
{
	int r = conf_read_str(t, file, section, "location", location, err);

	if (r >= 0)
		r = conf_read_bool(t, file, section, "insecure", insecure, err);
	if (r >= 0 && *location)
		r = clean_location(file, "location", *location, err);
	return r;
}

static int read_registry(const toml_value *t, const char *file, struct registry_entry *e,
			 berth_error *err)
{
	const toml_value *mirrors;
	int r;

	if (toml_type_of(t) != TOML_TABLE)
		return berr(err, EINVAL, "%s: each [[registry]] must be a table", file);
	r = read_endpoint(t, file, "registry", &e->location, &e->insecure, err);
	if (r < 0)
		return r;
	if ((r = conf_read_str(t, file, "registry", "prefix", &e->prefix, err)) < 0 ||
	    (r = conf_read_bool(t, file, "registry", "blocked", &e->blocked, err)) < 0 ||
	    (r = conf_read_bool(t, file, "registry", "mirror-by-digest-only",
				&e->mirror_by_digest_only, err)) < 0)
		return r;
	if (toml_get(t, "pull-from-mirror"))
		return berr(err, EINVAL,
			    "%s: pull-from-mirror belongs in a [[registry.mirror]], not in "
			    "[[registry]]",
			    file);
	if (e->location && !e->location[0])
		e->location = (free(e->location), NULL);
	if (e->prefix && (r = clean_location(file, "prefix", e->prefix, err)) < 0)
		return r;
	if (e->prefix && !e->prefix[0])
		e->prefix = (free(e->prefix), NULL);
	if (!e->prefix) {
		if (!e->location)
			return berr(err, EINVAL,
				    "%s: a [[registry]] has neither location nor prefix; set "
				    "location",
				    file);
		if (conf_set_str(&e->prefix, e->location) < 0)
			return berr(err, ENOMEM, "out of memory");
	} else if (strncmp(e->prefix, "*.", 2) == 0) {
		if (strpbrk(e->prefix, "/@:"))
			return berr(err, EINVAL,
				    "%s: wildcard prefix \"%s\" must have the form *.example.com "
				    "(no port, path or digest)",
				    file, e->prefix);
	} else if (!e->location) {
		return berr(err, EINVAL,
			    "%s: [[registry]] prefix \"%s\" has no location; set location, or use "
			    "a wildcard prefix such as *.example.com",
			    file, e->prefix);
	}

	mirrors = toml_get(t, "mirror");
	if (mirrors && toml_type_of(mirrors) != TOML_ARRAY)
		return berr(err, EINVAL, "%s: [[registry]] mirror must be an array of tables",
			    file);
	if (toml_array_len(mirrors) > 0) {
		e->mirrors = calloc(toml_array_len(mirrors), sizeof(*e->mirrors));
		if (!e->mirrors)
			return berr(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < toml_array_len(mirrors); i++) {
		const toml_value *m = toml_array_at(mirrors, i);
		struct registry_mirror *rm = &e->mirrors[e->n_mirrors++];
		const char *pfm;

		if (toml_type_of(m) != TOML_TABLE)
			return berr(err, EINVAL, "%s: each [[registry.mirror]] must be a table",
				    file);
		r = read_endpoint(m, file, "registry.mirror", &rm->location, &rm->insecure, err);
		if (r < 0)
			return r;
		if (!rm->location || !rm->location[0])
			return berr(err, EINVAL,
				    "%s: a [[registry.mirror]] of \"%s\" has no location", file,
				    e->prefix);
		r = conf_read_str(m, file, "registry.mirror", "pull-from-mirror",
				  &rm->pull_from_mirror, err);
		if (r < 0)
			return r;
		pfm = rm->pull_from_mirror;
		if (pfm && strcmp(pfm, "all") != 0 && strcmp(pfm, "digest-only") != 0 &&
		    strcmp(pfm, "tag-only") != 0)
			return berr(err, EINVAL,
				    "%s: pull-from-mirror = \"%s\" for mirror \"%s\" is not one of "
				    "all, digest-only, tag-only",
				    file, pfm, rm->location);
		if (pfm && e->mirror_by_digest_only)
			return berr(err, EINVAL,
				    "%s: registry \"%s\" sets mirror-by-digest-only and its mirror "
				    "\"%s\" sets pull-from-mirror; keep one of them",
				    file, e->prefix, rm->location);
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct registry_entry *)a)->prefix,
		      ((const struct registry_entry *)b)->prefix);
}

/* Conflict checks, then one entry per prefix (the first wins), sorted. */
static int postprocess_registries(struct registries_conf *c, const char *file, berth_error *err)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_registries; i++) {
		const struct registry_entry *a = &c->registries[i];
		const char *ka = a->location ? a->location : a->prefix;
		for (size_t j = 0; j < i; j++) {
			const struct registry_entry *b = &c->registries[j];
			const char *kb = b->location ? b->location : b->prefix;
			if (strcmp(ka, kb) != 0)
				continue;
			if (a->insecure != b->insecure || a->blocked != b->blocked)
				return berr(err, EINVAL,
					    "%s: registry \"%s\" is defined more than once with "
					    "conflicting '%s' settings",
					    file, ka,
					    a->insecure != b->insecure ? "insecure" : "blocked");
		}
	}
	for (size_t i = 0; i < c->n_registries; i++) {
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(c->registries[j].prefix, c->registries[i].prefix) == 0;
		if (dup)
			entry_done(&c->registries[i]);
		else
			c->registries[n++] = c->registries[i];
	}
	c->n_registries = n;
	if (n > 0)
		qsort(c->registries, n, sizeof(*c->registries), cmp_entry);
	return 0;
}

/* A search registry is a host[:port]: no path, tag or digest. */
static bool is_domain(const char *s)
{
	if (!*s || strpbrk(s, "/@ \t") || s[0] == ':' || s[0] == '.' || s[0] == '-')
		return false;
	return true;
}

/* A short name has no registry part and no tag or digest. */
static bool is_short_name(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t first = slash ? (size_t)(slash - s) : strlen(s);

	if (!*s || strpbrk(s, "@: \t") || s[strlen(s) - 1] == '/')
		return false;
	if (slash && (memchr(s, '.', first) || (first == 9 && strncmp(s, "localhost", 9) == 0)))
		return false;
	return true;
}

/* An alias value is "registry/repo" with a registry that has a '.', a ':' or is localhost. */
static bool is_alias_value(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *last = strrchr(s, '/');
	size_t first;

	if (!slash || !slash[1] || strpbrk(s, "@ \t"))
		return false;
	if (strchr(last, ':'))
		return false; /* a tag */
	first = (size_t)(slash - s);
	return memchr(s, '.', first) || memchr(s, ':', first) ||
	       (first == 9 && strncmp(s, "localhost", 9) == 0);
}

static int add_alias(struct registries_conf *c, const char *name, const char *value,
		     const char *origin)
{
	struct registry_alias *a = NULL;

	for (size_t i = 0; i < c->n_aliases; i++)
		if (strcmp(c->aliases[i].name, name) == 0)
			a = &c->aliases[i];
	if (!a) {
		struct registry_alias *n = realloc(c->aliases, (c->n_aliases + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->aliases = n;
		a = &c->aliases[c->n_aliases++];
		memset(a, 0, sizeof(*a));
		if (conf_set_str(&a->name, name) < 0)
			return -ENOMEM;
	}
	if (conf_set_str(&a->value, value && *value ? value : NULL) < 0 ||
	    conf_set_str(&a->origin, origin) < 0)
		return -ENOMEM;
	return 0;
}

static int read_aliases(struct registries_conf *c, const toml_value *t, const char *file,
			berth_error *err)
{
	if (toml_type_of(t) != TOML_TABLE)
		return berr(err, EINVAL, "%s: [aliases] must be a table", file);
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *name = toml_table_key(t, i);
		const char *value = toml_string(toml_table_value(t, i));

		if (!value || toml_type_of(toml_table_value(t, i)) != TOML_STRING)
			return berr(err, EINVAL, "%s: [aliases] \"%s\" must be a string", file,
				    name);
		if (!is_short_name(name))
			return berr(err, EINVAL,
				    "%s: [aliases] \"%s\" is not a short name (no registry, tag or "
				    "digest)",
				    file, name);
		if (*value && !is_alias_value(value))
			return berr(err, EINVAL,
				    "%s: [aliases] \"%s\" = \"%s\" must be registry/repository "
				    "without tag or digest",
				    file, name, value);
		if (add_alias(c, name, value, file) < 0)
			return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int push_entry(struct registries_conf *c, struct registry_entry **ret)
{
	struct registry_entry *n = realloc(c->registries, (c->n_registries + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->registries = n;
	*ret = &c->registries[c->n_registries++];
	memset(*ret, 0, sizeof(**ret));
	return 0;
}

/* registries.conf v1: [registries.search|insecure|block] registries = [...]. */
static int convert_v1(struct partial *p, const toml_value *v1, const char *file, berth_error *err)
{
	static const char *const kinds[] = {"block", "insecure"};
	static const char *const sections[] = {"registries.block", "registries.insecure"};
	char **list = NULL;
	int r;

	r = conf_read_strv(toml_get_table(v1, "search"), file, "registries.search", "registries",
			   &p->c.search, err);
	if (r < 0)
		return r;
	p->search_set = toml_get(toml_get_table(v1, "search"), "registries") != NULL;
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
		r = conf_read_strv(toml_get_table(v1, kinds[k]), file, sections[k], "registries",
				   &list, err);
		for (size_t i = 0; r >= 0 && list && list[i]; i++) {
			struct registry_entry *e = NULL;
			r = clean_location(file, "registry", list[i], err);
			if (r < 0)
				break;
			for (size_t j = 0; j < p->c.n_registries && !e; j++)
				if (strcmp(p->c.registries[j].location, list[i]) == 0)
					e = &p->c.registries[j];
			if (!e &&
			    (push_entry(&p->c, &e) < 0 || conf_set_str(&e->location, list[i]) < 0 ||
			     conf_set_str(&e->prefix, list[i]) < 0))
				r = berr(err, ENOMEM, "out of memory");
			else if (k == 0)
				e->blocked = true;
			else
				e->insecure = true;
		}
		strv_free(list);
		list = NULL;
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_file(const char *file, bool dropin, struct partial *p, berth_error *err)
{
	_cleanup_(toml_freep) toml_value *root = NULL;
	const toml_value *regs, *aliases, *v1;
	const char *mode = NULL;
	int r;

	r = toml_parse_file(file, &root, err);
	if (r < 0)
		return r;
	v1 = toml_get(root, "registries");
	if (v1) {
		if (dropin)
			return berr(err, EINVAL,
				    "%s: drop-in files must use the version 2 format "
				    "(unqualified-search-registries, [[registry]])",
				    file);
		if (toml_get(root, "registry") || toml_get(root, "unqualified-search-registries"))
			return berr(err, EINVAL,
				    "%s: mixes the version 1 [registries.*] tables with version 2 "
				    "keys; convert the file to version 2",
				    file);
		if (toml_type_of(v1) != TOML_TABLE)
			return berr(err, EINVAL, "%s: \"registries\" must be a table", file);
		r = convert_v1(p, v1, file, err);
		if (r < 0)
			return r;
	}
	if (toml_get(root, "unqualified-search-registries")) {
		r = conf_read_strv(root, file, NULL, "unqualified-search-registries", &p->c.search,
				   err);
		if (r < 0)
			return r;
		p->search_set = true;
	}
	for (size_t i = 0; p->c.search && p->c.search[i]; i++) {
		r = clean_location(file, "unqualified-search-registries entry", p->c.search[i],
				   err);
		if (r < 0)
			return r;
		if (!is_domain(p->c.search[i]))
			return berr(err, EINVAL,
				    "%s: unqualified-search-registries entry \"%s\" is not a "
				    "host[:port]",
				    file, p->c.search[i]);
	}
	r = toml_get_string(root, "short-name-mode", &mode);
	if (r == -EINVAL)
		return berr(err, EINVAL, "%s: short-name-mode must be a string", file);
	if (r == 0 && *mode) {
		if (strcmp(mode, "permissive") == 0)
			p->c.short_name_mode = SHORT_NAME_PERMISSIVE;
		else if (strcmp(mode, "enforcing") == 0)
			p->c.short_name_mode = SHORT_NAME_ENFORCING;
		else if (strcmp(mode, "disabled") == 0)
			p->c.short_name_mode = SHORT_NAME_DISABLED;
		else
			return berr(err, EINVAL,
				    "%s: short-name-mode \"%s\" is not one of permissive, "
				    "enforcing, disabled",
				    file, mode);
		p->mode_set = true;
	}
	regs = toml_get(root, "registry");
	if (regs && toml_type_of(regs) != TOML_ARRAY)
		return berr(err, EINVAL, "%s: registry must be an array of tables ([[registry]])",
			    file);
	for (size_t i = 0; i < toml_array_len(regs); i++) {
		struct registry_entry *e;
		if (push_entry(&p->c, &e) < 0)
			return berr(err, ENOMEM, "out of memory");
		r = read_registry(toml_array_at(regs, i), file, e, err);
		if (r < 0)
			return r;
	}
	r = postprocess_registries(&p->c, file, err);
	if (r < 0)
		return r;
	aliases = toml_get(root, "aliases");
	if (aliases && (r = read_aliases(&p->c, aliases, file, err)) < 0)
		return r;
	if (p->search_set && conf_set_str(&p->c.search_origin, file) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

/* Moves what @p set over @c. */
static int merge(struct registries_conf *c, struct partial *p)
{
	for (size_t i = 0; i < p->c.n_registries; i++) {
		struct registry_entry *e = NULL;
		for (size_t j = 0; j < c->n_registries && !e; j++)
			if (strcmp(c->registries[j].prefix, p->c.registries[i].prefix) == 0)
				e = &c->registries[j];
		if (e)
			entry_done(e);
		else if (push_entry(c, &e) < 0)
			return -ENOMEM;
		*e = p->c.registries[i];
		memset(&p->c.registries[i], 0, sizeof(p->c.registries[i]));
	}
	p->c.n_registries = 0;
	if (c->n_registries > 0)
		qsort(c->registries, c->n_registries, sizeof(*c->registries), cmp_entry);
	if (p->search_set) {
		strv_free(c->search);
		c->search = TAKE_PTR(p->c.search);
		if (!c->search && !(c->search = calloc(1, sizeof(char *))))
			return -ENOMEM;
		free(c->search_origin);
		c->search_origin = TAKE_PTR(p->c.search_origin);
	}
	if (p->mode_set)
		c->short_name_mode = p->c.short_name_mode;
	for (size_t i = 0; i < p->c.n_aliases; i++)
		if (add_alias(c, p->c.aliases[i].name, p->c.aliases[i].value,
			      p->c.aliases[i].origin) < 0)
			return -ENOMEM;
	return 0;
}

static int load_one(struct registries_conf *c, const char *file, bool dropin, berth_error *err)
{
	struct partial p = {0};
	int r;

	r = read_file(file, dropin, &p, err);
	if (r >= 0 && (merge(c, &p) < 0 || conf_strv_push(&c->files, file) < 0))
		r = berr(err, ENOMEM, "out of memory");
	conf_done(&p.c);
	return r;
}

int registries_conf_load_files(const char *main, bool main_optional, char *const *dropins,
			       struct registries_conf **ret, berth_error *err)
{
	_cleanup_(registries_conf_freep) struct registries_conf *c = calloc(1, sizeof(*c));
	int r;

	if (!c || !(c->search = calloc(1, sizeof(char *))) ||
	    !(c->files = calloc(1, sizeof(char *))))
		return berr(err, ENOMEM, "out of memory");
	if (main && !(main_optional && access(main, F_OK) < 0 && errno == ENOENT)) {
		r = load_one(c, main, false, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; dropins && dropins[i]; i++) {
		r = load_one(c, dropins[i], true, err);
		if (r == -ENOENT)
			continue; /* removed while we listed the directory */
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

static int append_dropins(char ***v, const char *dir, berth_error *err)
{
	_cleanup_strv_free_ char **list = NULL;
	int r = conf_dropins(dir, &list, err);

	if (r < 0)
		return r;
	for (size_t i = 0; list[i]; i++)
		if (conf_strv_push(v, list[i]) < 0)
			return berr(err, ENOMEM, "out of memory");
	return 0;
}

int registries_conf_paths(const char *sysroot, char **ret_main, char ***ret_dropins,
			  berth_error *err)
{
	const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
	_cleanup_free_ char *home = paths_config_home(), *user_file = NULL, *user_dir = NULL,
			    *sys_file = NULL, *sys_dir = NULL, *main = NULL;
	_cleanup_strv_free_ char **dropins = calloc(1, sizeof(char *));
	int r;

	if (!home || !dropins || asprintf(&user_file, "%s/containers/registries.conf", home) < 0 ||
	    asprintf(&user_dir, "%s/containers/registries.conf.d", home) < 0 ||
	    asprintf(&sys_file, "%s/etc/containers/registries.conf", sysroot ? sysroot : "") < 0 ||
	    asprintf(&sys_dir, "%s/etc/containers/registries.conf.d", sysroot ? sysroot : "") < 0)
		return berr(err, ENOMEM, "out of memory");
	if (env && *env) {
		if (access(env, F_OK) < 0)
			return berr_errno(
			    err, errno,
			    "CONTAINERS_REGISTRIES_CONF=%s: cannot read the file; fix "
			    "or unset CONTAINERS_REGISTRIES_CONF",
			    env);
		main = strdup(env);
	} else if (access(user_file, F_OK) == 0) {
		/* The user's own file replaces the system file and the system drop-ins. */
		r = append_dropins(&dropins, user_dir, err);
		if (r < 0)
			return r;
		*ret_main = TAKE_PTR(user_file);
		*ret_dropins = TAKE_PTR(dropins);
		return 0;
	} else {
		main = strdup(sys_file);
	}
	if (!main)
		return berr(err, ENOMEM, "out of memory");
	r = append_dropins(&dropins, sys_dir, err);
	if (r >= 0)
		r = append_dropins(&dropins, user_dir, err);
	if (r < 0)
		return r;
	*ret_main = TAKE_PTR(main);
	*ret_dropins = TAKE_PTR(dropins);
	return 0;
}

int registries_conf_load(struct registries_conf **ret, berth_error *err)
{
	_cleanup_free_ char *main = NULL;
	_cleanup_strv_free_ char **dropins = NULL;
	const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
	int r;

	_cleanup_(registries_conf_freep) struct registries_conf *c = NULL;
	_cleanup_free_ char *aliases = NULL;

	r = registries_conf_paths(NULL, &main, &dropins, err);
	if (r < 0)
		return r;
	r = registries_conf_load_files(main, !(env && *env), dropins, &c, err);
	if (r < 0)
		return r;
	r = registries_conf_aliases_path(&aliases, err);
	if (r < 0)
		return r;
	r = registries_conf_merge_alias_file(c, aliases, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int registries_conf_aliases_path(char **ret, berth_error *err)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	char *p = NULL;
	int n;

	if (!conf_is_rootless())
		n = asprintf(&p, "/var/cache/containers/short-name-aliases.conf");
	else if (cache && *cache)
		n = asprintf(&p, "%s/containers/short-name-aliases.conf", cache);
	else
		n = asprintf(&p, "%s/.cache/containers/short-name-aliases.conf", paths_home());
	if (n < 0)
		return berr(err, ENOMEM, "out of memory");
	*ret = p;
	return 0;
}

int registries_conf_merge_alias_file(struct registries_conf *c, const char *path, berth_error *err)
{
	_cleanup_(toml_freep) toml_value *root = NULL;
	const toml_value *aliases;
	int r;

	r = toml_parse_file(path, &root, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	aliases = toml_get(root, "aliases");
	if (!aliases)
		return 0;
	r = read_aliases(c, aliases, path, err);
	if (r < 0)
		return r;
	if (conf_strv_push(&c->files, path) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

/* Length of @prefix's match at the start of @ref, or -1 (containers/image semantics). */
static ssize_t prefix_match(const char *ref, const char *prefix)
{
	size_t rl = strlen(ref), pl = strlen(prefix);

	if (strncmp(prefix, "*.", 2) == 0) {
		const char *hit = strstr(ref, prefix + 1);
		size_t end;

		if (!hit || memchr(ref, '/', (size_t)(hit - ref)))
			return -1;
		end = (size_t)(hit - ref) + pl - 1;
		if (end == rl || ref[end] == ':' || ref[end] == '/' || ref[end] == '@')
			return (ssize_t)end;
		return -1;
	}
	if (rl < pl || strncmp(ref, prefix, pl) != 0)
		return -1;
	if (rl == pl || ref[pl] == ':' || ref[pl] == '/' || ref[pl] == '@')
		return (ssize_t)pl;
	return -1;
}

const struct registry_entry *registries_conf_find(const struct registries_conf *c, const char *ref)
{
	const struct registry_entry *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; c && i < c->n_registries; i++) {
		const struct registry_entry *e = &c->registries[i];
		size_t pl = strlen(e->prefix);
		if (prefix_match(ref, e->prefix) >= 0 && pl > best_len) {
			best = e;
			best_len = pl;
		}
	}
	return best;
}

int registries_conf_rewrite(const struct registry_entry *e, const char *location, const char *ref,
			    char **ret)
{
	ssize_t n = prefix_match(ref, e->prefix);
	char *s = NULL;

	if (n < 0)
		return -EINVAL;
	if (!location || !*location)
		s = strdup(ref); /* wildcard entries without a location keep the reference */
	else if (asprintf(&s, "%s%s", location, ref + n) < 0)
		s = NULL;
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int registries_conf_alias(const struct registries_conf *c, const char *name, const char **ret_value,
			  const char **ret_origin)
{
	for (size_t i = 0; c && i < c->n_aliases; i++) {
		const struct registry_alias *a = &c->aliases[i];
		if (strcmp(a->name, name) != 0)
			continue;
		if (!a->value)
			return -ENOENT;
		*ret_value = a->value;
		if (ret_origin)
			*ret_origin = a->origin;
		return 0;
	}
	return -ENOENT;
}

void registry_pull_sources_free(struct registry_pull_source *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].ref);
	free(v);
}

int registries_conf_pull_sources(const struct registry_entry *e, const char *ref, bool digested,
				 struct registry_pull_source **ret, size_t *ret_n)
{
	struct registry_pull_source *v = calloc(e->n_mirrors + 1, sizeof(*v));
	size_t n = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_mirrors; i++) {
		const struct registry_mirror *m = &e->mirrors[i];
		const char *pfm = m->pull_from_mirror;

		if (e->mirror_by_digest_only && !digested)
			continue;
		if (pfm && strcmp(pfm, "digest-only") == 0 && !digested)
			continue;
		if (pfm && strcmp(pfm, "tag-only") == 0 && digested)
			continue;
		r = registries_conf_rewrite(e, m->location, ref, &v[n].ref);
		if (r < 0)
			goto fail;
		v[n].insecure = m->insecure;
		v[n].mirror = true;
		n++;
	}
	r = registries_conf_rewrite(e, e->location, ref, &v[n].ref);
	if (r < 0)
		goto fail;
	v[n].insecure = e->insecure;
	n++;
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	registry_pull_sources_free(v, n);
	return r;
}
