/* SPDX-License-Identifier: Apache-2.0 */
/*
 * userns.h - the user-namespace helper: /etc/subuid and /etc/subgid, the store's fixed id
 * mapping, writing uid_map/gid_map for a process (directly, or through newuidmap/newgidmap when
 * rootless with subordinate ranges), and running a function in a short-lived child inside a user
 * namespace with that mapping (the store unpacks and removes layers that way when rootless).
 *
 * The store's mapping (DESIGN.md, "Rootless"): container id 0 is the caller's own uid/gid, ids
 * 1..N are the caller's subordinate ranges in file order; without any range only id 0 exists.
 * It is serialised (userns_mapping_format()) into the store so that a change of /etc/subuid can
 * be detected and refused.
 */
#ifndef BERTH_UTIL_USERNS_H
#define BERTH_UTIL_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* The kernel accepts at most 340 lines in uid_map; newuidmap fewer. Keep well below. */
#define USERNS_MAX_RANGES 64
/* /etc/subuid larger than this is refused (it is a small admin-written file). */
#define USERNS_SUBID_FILE_MAX (4u << 20)

/**
 * struct userns_range - one line of a uid_map/gid_map
 * @inside:	first id inside the namespace
 * @outside:	first id outside (in the caller's namespace)
 * @count:	number of ids
 */
struct userns_range {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

/**
 * struct userns_idmap - a full uid or gid mapping
 * @ranges/@n:	its lines, in order
 */
struct userns_idmap {
	struct userns_range ranges[USERNS_MAX_RANGES];
	size_t n;
};

/**
 * struct userns_mapping - the uid and gid mappings of a user namespace
 */
struct userns_mapping {
	struct userns_idmap uid;
	struct userns_idmap gid;
};

/**
 * userns_subid_parse() - the subordinate ranges of one user in the text of /etc/subuid or
 * /etc/subgid ("name-or-id:start:count" lines; comments and blank lines ignored)
 * @text:	the file's contents
 * @name:	the user's login name (may be NULL)
 * @id:		the user's numeric id (lines keyed by it match too)
 * @ret:	filled with the ranges as "outside" start + count (inside is left 0); ids 0 are
 *		never accepted, overlapping or overflowing ranges are refused
 * Return: the number of ranges (0 when the user has none) or a negative errno
 */
int userns_subid_parse(const char *text, const char *name, uint32_t id, struct userns_idmap *ret,
		       berth_error *err);

/**
 * userns_mapping_for_user() - the store's fixed mapping for @uid/@gid
 * @subuid_path/@subgid_path:	normally "/etc/subuid" and "/etc/subgid" (missing files: no ranges)
 * @name:	the user's login name (NULL: looked up with getpwuid_r)
 * Return: 0 or a negative errno
 */
int userns_mapping_for_user(uid_t uid, gid_t gid, const char *name, const char *subuid_path,
			    const char *subgid_path, struct userns_mapping *ret, berth_error *err);

/** userns_idmap_validate() - refuse empty, overlapping or overflowing mappings. */
int userns_idmap_validate(const struct userns_idmap *m, const char *what, berth_error *err);

/**
 * userns_mapping_format() - serialise as "uid=I:O:C,I:O:C;gid=I:O:C" (malloc'd, NULL on ENOMEM)
 */
char *userns_mapping_format(const struct userns_mapping *m);

/** userns_mapping_parse() - the inverse of userns_mapping_format(); strict. */
int userns_mapping_parse(const char *s, struct userns_mapping *ret, berth_error *err);

/** userns_mapping_equal() - true when both mappings have exactly the same lines. */
bool userns_mapping_equal(const struct userns_mapping *a, const struct userns_mapping *b);

/**
 * userns_write_maps() - give the user namespace of process @pid the mapping @m
 * As root the maps are written directly. Otherwise a mapping of only the caller's own uid and
 * gid is written directly after setgroups=deny; anything else goes through newuidmap/newgidmap.
 * Return: 0 or a negative errno
 */
int userns_write_maps(pid_t pid, const struct userns_mapping *m, berth_error *err);

/**
 * userns_run() - run @fn(@data) in a short-lived child inside a new user and mount namespace
 * with mapping @m, as uid/gid 0 there
 * Return: @fn's return value (a negative errno or >= 0) as seen in the child, or a negative
 * errno when the child could not be set up; @err receives the child's message.
 */
int userns_run(const struct userns_mapping *m, int (*fn)(void *data, berth_error *err), void *data,
	       berth_error *err);

#endif
