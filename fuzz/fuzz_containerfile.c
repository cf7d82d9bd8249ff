/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_containerfile.c - libFuzzer target for the Containerfile reader and build's variable
 * expansion and word splitting: any input parses or fails with a message; never crash, leak
 * or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/containerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *vars[] = { "A=1", "B=", NULL };
	struct cf_file f = { 0 };
	berth_error err = { 0 };

	if (cf_parse((const char *)data, size, &f, &err) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			char *out = NULL, **w = NULL;
			if (cf_expand(f.v[i].args, vars, &out, &err) == 0)
				free(out);
			if (cf_words(f.v[i].args, &w, &err) == 0) {
				for (char **p = w; *p; p++)
					free(*p);
				free(w);
			}
			(void)cf_flag(&f.v[i], "from");
		}
		cf_file_done(&f);
	}
	return 0;
}
