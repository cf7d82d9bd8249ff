/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.h - a strict TOML 1.0 reader.
 *
 * toml_parse() turns a document into a tree of toml_value nodes; the root is a table. Every
 * rule of TOML 1.0 is enforced (duplicate keys, redefined tables, sealed inline tables and
 * static arrays, valid UTF-8, no bare control characters, integer range, date/time ranges);
 * a violation is reported as "FILE:LINE:COL: what". Dates and times are validated and kept
 * as the text that was written (TOML_DATETIME): berth only ever passes them on.
 *
 * Hard limits for untrusted input: documents over TOML_MAX_SIZE bytes and values nested
 * deeper than TOML_MAX_DEPTH (arrays, inline tables, dotted or header keys) are refused.
 * Strings containing U+0000 are refused as well, since the tree hands out C strings.
 *
 * The tree is freed with one toml_free() on the root; every pointer handed out by the
 * accessors below lives as long as the tree.
 */
#ifndef BERTH_UTIL_TOML_H
#define BERTH_UTIL_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define TOML_MAX_SIZE  (4u * 1024 * 1024)
#define TOML_MAX_DEPTH 64

/** enum toml_type - the kind of a value */
enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME, /* offset/local date-time, local date or local time, kept as text */
};

typedef struct toml_value toml_value;

/**
 * toml_parse() - parse a TOML document held in memory
 * @data:	the document (need not be NUL-terminated)
 * @len:	its length in bytes
 * @filename:	name used in error messages ("FILE:LINE:COL: what"); NULL means "<input>"
 * @ret_root:	receives the root table on success
 * Return: 0, -EINVAL for a malformed document, -EFBIG when larger than TOML_MAX_SIZE,
 * -ENOMEM.
 */
int toml_parse(const char *data, size_t len, const char *filename, toml_value **ret_root,
	       berth_error *err);

/**
 * toml_parse_file() - read (at most TOML_MAX_SIZE bytes) and parse @path
 * Return: as toml_parse(), or the negative errno of opening/reading the file (-ENOENT when it
 * does not exist, so callers can skip optional files).
 */
int toml_parse_file(const char *path, toml_value **ret_root, berth_error *err);

/** toml_free() - free a whole tree; NULL is fine. Returns NULL. */
toml_value *toml_free(toml_value *root);
static inline void toml_freep(toml_value **v)
{
	toml_free(*v);
}

/** toml_type_of() - the type of @v. */
enum toml_type toml_type_of(const toml_value *v);
/** toml_type_name() - "table", "array", "string", "integer", "float", "boolean", "datetime". */
const char *toml_type_name(enum toml_type t);

/** toml_get() - the value under @key in table @table, or NULL (also when @table is NULL). */
const toml_value *toml_get(const toml_value *table, const char *key);
/** toml_get_table() - the table under @key, or NULL when missing or not a table. */
const toml_value *toml_get_table(const toml_value *table, const char *key);
/** toml_get_array() - the array under @key, or NULL when missing or not an array. */
const toml_value *toml_get_array(const toml_value *table, const char *key);

/**
 * toml_get_string() - look up a string
 * Return: 0 and *@ret set; -ENOENT when @key is missing; -EINVAL when it is not a string
 * (*@ret untouched in both cases). toml_get_int/_float/_bool work alike; toml_get_float
 * also accepts an integer.
 */
int toml_get_string(const toml_value *table, const char *key, const char **ret);
int toml_get_int(const toml_value *table, const char *key, int64_t *ret);
int toml_get_float(const toml_value *table, const char *key, double *ret);
int toml_get_bool(const toml_value *table, const char *key, bool *ret);

/** toml_table_len() - number of keys in a table (0 for non-tables). */
size_t toml_table_len(const toml_value *table);
/** toml_table_key() - the @i'th key of a table, in document order. */
const char *toml_table_key(const toml_value *table, size_t i);
/** toml_table_value() - the @i'th value of a table, in document order. */
const toml_value *toml_table_value(const toml_value *table, size_t i);

/** toml_array_len() - number of elements (0 for non-arrays). */
size_t toml_array_len(const toml_value *array);
/** toml_array_at() - element @i, or NULL when out of range. */
const toml_value *toml_array_at(const toml_value *array, size_t i);

/** toml_string() - the text of a string or datetime value, else NULL. */
const char *toml_string(const toml_value *v);
/** toml_int() - the integer value (0 for other types). */
int64_t toml_int(const toml_value *v);
/** toml_float() - the float value (integers converted; 0 for other types). */
double toml_float(const toml_value *v);
/** toml_bool() - the boolean value (false for other types). */
bool toml_bool(const toml_value *v);

/**
 * toml_get_strv() - copy an array of strings under @key into a NULL-terminated vector
 * Return: 0 and *@ret_strv set (malloc'd, free with strv_free); -ENOENT when missing;
 * -EINVAL when not an array of strings; -ENOMEM.
 */
int toml_get_strv(const toml_value *table, const char *key, char ***ret_strv);

#endif
