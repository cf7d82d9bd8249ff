/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-names.h - store-internal parsing of image references (names.c).
 */
#ifndef BERTH_STORE_NAMES_H
#define BERTH_STORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/**
 * struct store_ref - a parsed image reference
 * @domain:	registry ("localhost", "quay.io", "127.0.0.1:5000") or NULL when unqualified
 * @path:	repository path ("library/busybox", "busybox")
 * @tag:	tag or NULL
 * @digest:	"sha256:..." or NULL
 */
struct store_ref {
	char *domain;
	char *path;
	char *tag;
	char *digest;
};

/** store_ref_parse() - parse and validate @name (no defaults applied). */
int store_ref_parse(const char *name, struct store_ref *ret, berth_error *err);
/** store_ref_done() - free the fields. */
void store_ref_done(struct store_ref *r);
/**
 * store_ref_format() - "domain/path:tag" or "domain/path@digest"; @default_domain is used
 * when the reference has none (NULL: none); @add_latest adds ":latest" when there is no tag.
 */
int store_ref_format(const struct store_ref *r, const char *default_domain, bool add_latest,
		     char **ret, berth_error *err);
/** store_hex_prefix() - @s is @min..64 lowercase hex digits. */
bool store_hex_prefix(const char *s, size_t min);

#endif
