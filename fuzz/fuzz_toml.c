/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_toml.c - libFuzzer target for the TOML reader: any input must either parse into a tree
 * that every accessor can walk, or fail with a "FILE:LINE:COL: what" message; never crash,
 * leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const toml_value *v, unsigned depth)
{
	if (depth > 4 * TOML_MAX_DEPTH)
		abort(); /* the reader promised a depth bound */
	switch (toml_type_of(v)) {
	case TOML_TABLE:
		for (size_t i = 0; i < toml_table_len(v); i++) {
			const char *k = toml_table_key(v, i);
			if (toml_get(v, k) != toml_table_value(v, i))
				abort(); /* lookup must find the entry listed under the key */
			walk(toml_table_value(v, i), depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < toml_array_len(v); i++)
			walk(toml_array_at(v, i), depth + 1);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
		(void)strlen(toml_string(v));
		break;
	default:
		(void)toml_float(v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	berth_error err = {0};
	toml_value *root = NULL;

	if (toml_parse((const char *)data, size, "fuzz.toml", &root, &err) == 0)
		walk(root, 0);
	else if (strncmp(err.msg, "fuzz.toml", 9) != 0)
		abort(); /* every failure names the file */
	toml_free(root);
	return 0;
}
