/* SPDX-License-Identifier: Apache-2.0 */
/*
 * confutil.h - helpers shared by the configuration readers: drop-in directory listings,
 * string vectors, and typed reads of TOML keys with messages that name the file and key.
 */
#ifndef BERTH_CONFIG_CONFUTIL_H
#define BERTH_CONFIG_CONFUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/toml.h"

/**
 * conf_dropins() - the regular files named *.conf directly inside @dir, sorted by name
 * @dir:	directory; a missing directory yields an empty list
 * @ret:	receives a NULL-terminated vector of full paths (free with strv_free)
 * Return: 0 or a negative errno (unreadable directory, out of memory).
 */
int conf_dropins(const char *dir, char ***ret, berth_error *err);

/** conf_strv_len() - number of strings in a NULL-terminated vector (0 for NULL). */
size_t conf_strv_len(char *const *v);
/** conf_strv_push() - append a copy of @s to *@v (allocating it when NULL); -ENOMEM. */
int conf_strv_push(char ***v, const char *s);
/** conf_strv_dup() - deep copy of @v (NULL for NULL); returns -ENOMEM on failure. */
int conf_strv_dup(char *const *v, char ***ret);
/** conf_strv_contains() - whether @v holds @s. */
bool conf_strv_contains(char *const *v, const char *s);

/** conf_set_str() - replace *@dst by a copy of @src; -ENOMEM. */
int conf_set_str(char **dst, const char *src);

/**
 * conf_read_str() - if @key is in @table, replace *@dst by its string value
 * Return: 0 (also when absent), -EINVAL naming @file, [@section] and @key when the value is
 * not a string, -ENOMEM.
 */
int conf_read_str(const toml_value *table, const char *file, const char *section, const char *key,
		  char **dst, berth_error *err);
/** conf_read_strv() - as conf_read_str() for an array of strings (replaces *@dst). */
int conf_read_strv(const toml_value *table, const char *file, const char *section, const char *key,
		   char ***dst, berth_error *err);
/** conf_read_int() - as conf_read_str() for an integer. */
int conf_read_int(const toml_value *table, const char *file, const char *section, const char *key,
		  int64_t *dst, berth_error *err);
/** conf_read_bool() - as conf_read_str() for a boolean. */
int conf_read_bool(const toml_value *table, const char *file, const char *section, const char *key,
		   bool *dst, berth_error *err);

/** conf_is_rootless() - whether the configuration of an unprivileged user applies (euid != 0). */
bool conf_is_rootless(void);

#endif
